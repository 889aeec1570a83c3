//! A stand-in for SIOLA, SIMPEL and Exit Permit that speaks their side of jalin's integration
//! contract (`jalin simulate-externals`, tests, demos): it accepts permit requests at
//! `POST /{siola|simpel|exit-permit}/travel-permit-requests`, and after a delay sends the
//! acknowledgement and the decision back as signed callbacks. It can be slow, fail a share of
//! requests, or be down altogether, and it counts what it received by idempotency key so tests
//! can show nothing was lost or duplicated.

use jalin_domain::Date;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use jalin_domain::travel::{CallbackType, ExternalSystem, PermitDecision};
use serde_json::json;

use crate::clock::Clock;
use crate::service::integrations::{PermitCallback, PermitRequest};
use crate::signature::{self, Secret};

/// How the simulated systems behave.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// jalin's base URL, where callbacks go.
    pub jalin_url: String,
    /// A service account holding the `integrations:*` scopes.
    pub client_id: String,
    pub client_secret: String,
    /// Each system's signing secret (the same as jalin's `JALIN_{SYSTEM}_SECRET`).
    pub secrets: BTreeMap<ExternalSystem, Secret>,
    /// Between accepting a request and calling back.
    pub delay: Duration,
    /// Share of requests answered 503 (0 to 1).
    pub failure_rate: f64,
    /// Decide `rejected` instead of `granted`.
    pub reject: bool,
}

/// The running simulator's state.
pub struct Simulator {
    config: Mutex<SimulatorConfig>,
    down: AtomicBool,
    /// (system, idempotency key) → times received.
    received: Mutex<BTreeMap<(String, String), u32>>,
    /// Callbacks sent, by system.
    callbacks: Mutex<BTreeMap<String, u32>>,
}

impl Simulator {
    pub fn new(config: SimulatorConfig) -> Arc<Self> {
        Arc::new(Self {
            config: Mutex::new(config),
            down: AtomicBool::new(false),
            received: Mutex::new(BTreeMap::new()),
            callbacks: Mutex::new(BTreeMap::new()),
        })
    }

    /// Takes every system down (503) or brings them back.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn configure(&self, f: impl FnOnce(&mut SimulatorConfig)) {
        if let Ok(mut c) = self.config.lock() {
            f(&mut c);
        }
    }

    /// How often each distinct message reached `system` (accepted deliveries only).
    pub fn received(&self, system: ExternalSystem) -> Vec<u32> {
        self.received
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|((s, _), _)| s == system.as_str())
                    .map(|(_, n)| *n)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn callbacks_sent(&self, system: ExternalSystem) -> u32 {
        self.callbacks
            .lock()
            .ok()
            .and_then(|m| m.get(system.as_str()).copied())
            .unwrap_or(0)
    }

    /// Counts an accepted message; whether it is the first with this key.
    fn count(&self, system: ExternalSystem, key: &str) -> Option<bool> {
        let mut m = self.received.lock().ok()?;
        let n = m
            .entry((system.as_str().to_owned(), key.to_owned()))
            .or_insert(0);
        *n += 1;
        Some(*n == 1)
    }

    fn config(&self) -> Option<SimulatorConfig> {
        self.config.lock().ok().map(|c| c.clone())
    }
}

fn chance() -> f64 {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX)
}

async fn receive(
    sim: web::Data<Arc<Simulator>>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let Some(system) = ExternalSystem::from_slug(&path.into_inner()) else {
        return HttpResponse::NotFound().json(json!({"error": "unknown system"}));
    };
    let Some(cfg) = sim.config() else {
        return HttpResponse::InternalServerError().finish();
    };
    if sim.down.load(Ordering::SeqCst) || chance() < cfg.failure_rate {
        return HttpResponse::ServiceUnavailable()
            .json(json!({"error": "temporarily unavailable"}));
    }
    let h = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok());
    if let Some(secret) = cfg.secrets.get(&system) {
        // The simulated system keeps its own (real) time, as the real ones do.
        let checked = signature::verify(
            std::slice::from_ref(secret),
            h("webhook-id"),
            h("webhook-timestamp"),
            h("webhook-signature"),
            &body,
            Clock::system().now().timestamp(),
            300,
        );
        if let Err(e) = checked {
            return HttpResponse::Unauthorized().json(json!({"error": e.to_string()}));
        }
    }
    let Some(key) = h("idempotency-key").map(str::to_owned) else {
        return HttpResponse::BadRequest().json(json!({"error": "Idempotency-Key is required"}));
    };
    let Ok(request) = serde_json::from_slice::<PermitRequest>(&body) else {
        return HttpResponse::BadRequest().json(json!({"error": "not a permit request"}));
    };
    let Some(first) = sim.count(system, &key) else {
        return HttpResponse::InternalServerError().finish();
    };
    let reference = format!(
        "{}-{}",
        system.as_str().to_uppercase(),
        &key[key.len().saturating_sub(8)..]
    );
    if first {
        let sim = sim.get_ref().clone();
        let reference = reference.clone();
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(cfg.delay).await;
            let _ = actix_web::rt::task::spawn_blocking(move || {
                call_back(&sim, &cfg, system, &request, &reference)
            })
            .await;
        });
    }
    // A repeat of a message already accepted is acknowledged again and decided only once.
    HttpResponse::Accepted().json(json!({"accepted": true, "reference": reference}))
}

/// The acknowledgement, then the decision, about `request`.
fn answers(cfg: &SimulatorConfig, request: &PermitRequest, reference: &str) -> [PermitCallback; 2] {
    let answer = |kind| PermitCallback {
        kind,
        travel_request_id: request.travel_request.id.clone(),
        request_message_id: Some(request.message_id.clone()),
        external_reference: None,
        decision: None,
        letter_number: None,
        letter_date: None,
        note: None,
    };
    let decision = match cfg.reject {
        true => PermitDecision::Rejected,
        false => PermitDecision::Granted,
    };
    [
        PermitCallback {
            external_reference: Some(reference.to_owned()),
            ..answer(CallbackType::RequestReceived)
        },
        PermitCallback {
            decision: Some(decision),
            letter_number: Some(format!("{reference}/IZIN")),
            letter_date: Date::try_from(Clock::system().today()).ok(),
            ..answer(CallbackType::PermitDecided)
        },
    ]
}

fn call_back(
    sim: &Simulator,
    cfg: &SimulatorConfig,
    system: ExternalSystem,
    request: &PermitRequest,
    reference: &str,
) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    for (n, message) in answers(cfg, request, reference).iter().enumerate() {
        let id = format!("{}-{}-{n}", system.as_str(), request.message_id);
        let body = serde_json::to_string(message).unwrap_or_default();
        for attempt in 0..10 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 * attempt));
            }
            let Some(token) = token(&agent, cfg) else {
                continue;
            };
            let ts = Clock::system().now().timestamp();
            let mut req = agent
                .post(&format!(
                    "{}/v1/integrations/{}/callbacks",
                    cfg.jalin_url,
                    system.slug()
                ))
                .header("authorization", &format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("webhook-id", &id)
                .header("webhook-timestamp", &ts.to_string());
            if let Some(secret) = cfg.secrets.get(&system) {
                req = req.header("webhook-signature", &secret.sign(&id, ts, body.as_bytes()));
            }
            match req.send(body.as_bytes()) {
                Ok(r) if r.status().is_success() => {
                    if let Ok(mut m) = sim.callbacks.lock() {
                        *m.entry(system.as_str().to_owned()).or_insert(0) += 1;
                    }
                    break;
                }
                Ok(r) => log::warn!("callback {id} answered {}", r.status()),
                Err(e) => log::warn!("callback {id} failed: {e}"),
            }
        }
    }
}

/// A token for the simulator's service account.
fn token(agent: &ureq::Agent, cfg: &SimulatorConfig) -> Option<String> {
    agent
        .post(&format!("{}/v1/auth/token", cfg.jalin_url))
        .send_json(json!({"grant_type": "client_credentials", "client_id": cfg.client_id, "client_secret": cfg.client_secret}))
        .ok()
        .and_then(|mut r| r.body_mut().read_json::<serde_json::Value>().ok())
        .and_then(|v| v["access_token"].as_str().map(str::to_owned))
}

/// A running simulator: its address, and the state to steer it.
pub struct Running {
    pub url: String,
    pub simulator: Arc<Simulator>,
    pub server: actix_web::dev::Server,
}

/// Binds the simulator on `listen` (loopback); run `server` to serve.
pub fn bind(config: SimulatorConfig, listen: SocketAddr) -> std::io::Result<Running> {
    let simulator = Simulator::new(config);
    let data = web::Data::new(simulator.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/{system}/travel-permit-requests", web::post().to(receive))
    })
    .workers(1)
    .bind(listen)?;
    let addr = server.addrs().first().copied().unwrap_or(listen);
    Ok(Running {
        url: format!("http://{addr}"),
        simulator,
        server: server.run(),
    })
}
