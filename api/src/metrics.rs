//! `GET /metrics` (issue #21): the server's metrics in the Prometheus/OpenMetrics text format,
//! with `prometheus-client` (the Prometheus project's own Rust client).
//!
//! What is counted as it happens lives in one registry per process (like any Prometheus
//! client's default registry): requests and their latency by method, route *template* (never
//! the raw path, so ids do not multiply the series) and status; the wait of SQLite writers for
//! their turn; background job runs and their durations. What is a state is read when scraped:
//! the database pool's connections, the outbox's pending and dead messages per system, and the
//! days the holiday calendar still covers.
//!
//! The route exists only when `JALIN_METRICS_TOKEN` is set, and then answers only a request
//! bearing that token (401 otherwise): metrics name routes, systems and volumes, which is not
//! for anyone who reaches the port. A bind address or a proxy rule would be weaker defaults:
//! a reverse proxy on the same host makes every client a loopback peer.

use std::sync::LazyLock;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::error::ApiError;
use crate::state::AppState;

/// The media type of the exposition (OpenMetrics 1.0 text, which Prometheus scrapes natively).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `JALIN_METRICS_TOKEN`, never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(pub String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(hidden)")
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobRunLabels {
    job: String,
    outcome: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// The process's counters and histograms.
struct Events {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histograms<RequestLabels>,
    write_wait: Histogram,
    job_runs: Family<JobRunLabels, Counter>,
    job_seconds: Histograms<JobLabels>,
}

fn latency_buckets() -> Histogram {
    // 1 ms … ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn job_buckets() -> Histogram {
    // 10 ms … ~5.5 min.
    Histogram::new(exponential_buckets(0.01, 2.0, 16))
}

static EVENTS: LazyLock<Events> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("jalin");
    let requests = Family::<RequestLabels, Counter>::default();
    registry.register(
        "http_requests",
        "HTTP requests answered, by method, route template and status",
        requests.clone(),
    );
    let latency: Histograms<RequestLabels> = Family::new_with_constructor(latency_buckets);
    registry.register(
        "http_request_duration_seconds",
        "Time to answer an HTTP request, by method, route template and status",
        latency.clone(),
    );
    let write_wait = Histogram::new(exponential_buckets(0.0005, 2.0, 15));
    registry.register(
        "sqlite_write_queue_wait_seconds",
        "Time a write waited for its turn at SQLite's one writer (always 0 observations on PostgreSQL)",
        write_wait.clone(),
    );
    let job_runs = Family::<JobRunLabels, Counter>::default();
    registry.register(
        "job_runs",
        "Background job runs, by job and outcome (ok, failed)",
        job_runs.clone(),
    );
    let job_seconds: Histograms<JobLabels> = Family::new_with_constructor(job_buckets);
    registry.register(
        "job_duration_seconds",
        "Duration of background job runs, by job",
        job_seconds.clone(),
    );
    Events {
        registry,
        requests,
        latency,
        write_wait,
        job_runs,
        job_seconds,
    }
});

/// The route label of a request: its template, or `unmatched` for a path no route has (so
/// unknown paths cannot create series).
pub fn route_label(pattern: Option<&str>) -> String {
    pattern.unwrap_or("unmatched").to_owned()
}

/// The method label: the standard methods, any other as `OTHER`.
fn method_label(method: &str) -> String {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    ];
    if KNOWN.contains(&method) {
        method.to_owned()
    } else {
        "OTHER".to_owned()
    }
}

/// Counts one answered request.
pub fn observe_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let labels = RequestLabels {
        method: method_label(method),
        route: route.to_owned(),
        status: status.to_string(),
    };
    EVENTS.requests.get_or_create(&labels).inc();
    (EVENTS.latency.get_or_create(&labels)).observe(elapsed.as_secs_f64());
}

/// Records how long a SQLite writer waited for its turn.
pub fn observe_write_wait(waited: Duration) {
    EVENTS.write_wait.observe(waited.as_secs_f64());
}

/// Records one run of a background job.
pub fn observe_job(job: &str, ok: bool, elapsed: Duration) {
    let outcome = if ok { "ok" } else { "failed" };
    (EVENTS.job_runs.get_or_create(&JobRunLabels {
        job: job.to_owned(),
        outcome: outcome.to_owned(),
    }))
    .inc();
    (EVENTS.job_seconds.get_or_create(&JobLabels {
        job: job.to_owned(),
    }))
    .observe(elapsed.as_secs_f64());
}

/// Runs `f` as a run of `job`, recorded.
pub fn timed_job<T, E>(job: &str, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let started = std::time::Instant::now();
    let out = f();
    observe_job(job, out.is_ok(), started.elapsed());
    out
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboxLabels {
    system: String,
}

/// The states read at scrape time.
struct Snapshot {
    pool_max: u32,
    pool_connections: u32,
    pool_idle: u32,
    /// (system, pending, dead).
    outbox: Vec<(String, i64, i64)>,
    calendar_days_left: Option<i64>,
}

/// The system an outbox target belongs to: the external system's name, or `webhook` for every
/// webhook endpoint (one series, however many endpoints).
pub fn system_of(target: &str) -> &str {
    if target.starts_with("webhook:") {
        "webhook"
    } else {
        target
    }
}

fn snapshot_registry(s: &Snapshot) -> Registry {
    let mut r = Registry::with_prefix("jalin");
    let max = Gauge::<i64>::default();
    max.set(i64::from(s.pool_max));
    r.register(
        "db_pool_max_connections",
        "Connections the database pool may hold (JALIN_DB_POOL_SIZE)",
        max,
    );
    let conns = Family::<PoolLabels, Gauge>::default();
    let idle = i64::from(s.pool_idle);
    let in_use = i64::from(s.pool_connections.saturating_sub(s.pool_idle));
    (conns.get_or_create(&PoolLabels {
        state: "idle".into(),
    }))
    .set(idle);
    (conns.get_or_create(&PoolLabels {
        state: "in_use".into(),
    }))
    .set(in_use);
    r.register(
        "db_pool_connections",
        "Open database connections, idle or in use",
        conns,
    );
    let pending = Family::<OutboxLabels, Gauge>::default();
    let dead = Family::<OutboxLabels, Gauge>::default();
    for system in jalin_domain::travel::ExternalSystem::ALL {
        let labels = OutboxLabels {
            system: system.as_str().to_owned(),
        };
        pending.get_or_create(&labels).set(0);
        dead.get_or_create(&labels).set(0);
    }
    for (system, p, d) in &s.outbox {
        let labels = OutboxLabels {
            system: system.clone(),
        };
        pending.get_or_create(&labels).inc_by(*p);
        dead.get_or_create(&labels).inc_by(*d);
    }
    r.register(
        "outbox_pending_messages",
        "Outbox messages waiting for delivery (pending or being delivered), per system",
        pending,
    );
    r.register(
        "outbox_dead_messages",
        "Dead-lettered outbox messages (given up; resent only by hand), per system",
        dead,
    );
    if let Some(days) = s.calendar_days_left {
        let g = Gauge::<i64>::default();
        g.set(days);
        r.register(
            "calendar_coverage_days_left",
            "Days from today (WIB) to the last date the holiday calendar covers; negative once past it",
            g,
        );
    }
    r
}

/// The exposition: the process's counters and histograms, then the states read now.
pub async fn render(state: &AppState) -> Result<String, ApiError> {
    let outbox = state
        .db(|c| Ok(jalin_persistence::outbox::counts_by_target(c)?))
        .await?;
    let mut by_system: Vec<(String, i64, i64)> = Vec::new();
    for (target, status, n) in outbox {
        let system = system_of(&target).to_owned();
        let i = match by_system.iter().position(|(s, _, _)| *s == system) {
            Some(i) => i,
            None => {
                by_system.push((system, 0, 0));
                by_system.len() - 1
            }
        };
        match status.as_str() {
            "pending" | "delivering" => by_system[i].1 += n,
            "dead" => by_system[i].2 += n,
            _ => {}
        }
    }
    let pool = state.pool.state();
    let today = state.clock.today();
    let calendar_days_left =
        (state.calendars.current().last_covered()).map(|last| (last - today).num_days());
    let snapshot = Snapshot {
        pool_max: state.config.db_pool_size,
        pool_connections: pool.connections,
        pool_idle: pool.idle_connections,
        outbox: by_system,
        calendar_days_left,
    };
    let mut out = String::new();
    let fail = |e: std::fmt::Error| ApiError::internal(format!("encoding metrics: {e}"));
    encode_registry(&mut out, &EVENTS.registry).map_err(fail)?;
    encode_registry(&mut out, &snapshot_registry(&snapshot)).map_err(fail)?;
    encode_eof(&mut out).map_err(fail)?;
    Ok(out)
}

/// Whether `header` is `Bearer {token}` (compared in constant time).
pub fn authorized(header: Option<&str>, token: &Token) -> bool {
    let Some(given) = header.and_then(|h| {
        let (scheme, rest) = h.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    }) else {
        return false;
    };
    let (a, b) = (given.as_bytes(), token.0.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// `GET /metrics`: mounted only when `JALIN_METRICS_TOKEN` is set.
pub async fn scrape(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = state.config.metrics_token.as_ref() else {
        return Err(ApiError::RouteNotFound(req.path().to_owned()));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !authorized(given, token) {
        return Err(if given.is_some() {
            ApiError::InvalidToken
        } else {
            ApiError::Unauthenticated
        });
    }
    let body = render(&state).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, CONTENT_TYPE))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// Mounts `/metrics` when a token is configured (`GET` and `HEAD`; any other method: 405).
pub fn configure(cfg: &mut web::ServiceConfig, enabled: bool) {
    if enabled {
        cfg.service(
            web::resource("/metrics")
                .route(web::get().to(scrape))
                .route(web::head().to(scrape))
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(ApiError::MethodNotAllowed {
                        allow: "GET, HEAD".into(),
                    })
                })),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_bearer_token_is_authorized() {
        let t = Token("a-long-metrics-token".into());
        assert!(authorized(Some("Bearer a-long-metrics-token"), &t));
        assert!(authorized(Some("bearer  a-long-metrics-token "), &t));
        assert!(!authorized(Some("Bearer a-long-metrics-toke"), &t));
        assert!(!authorized(Some("Bearer a-long-metrics-tokenX"), &t));
        assert!(!authorized(Some("Basic a-long-metrics-token"), &t));
        assert!(!authorized(None, &t));
        assert_eq!(format!("{t:?}"), "Token(hidden)");
    }

    #[test]
    fn labels_are_bounded_templates_and_methods() {
        assert_eq!(
            route_label(Some("/v1/regions/{code}")),
            "/v1/regions/{code}"
        );
        assert_eq!(route_label(None), "unmatched");
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("BREW"), "OTHER");
        assert_eq!(system_of("webhook:0193"), "webhook");
        assert_eq!(system_of("siola"), "siola");
    }

    #[test]
    fn a_snapshot_renders_every_series_with_its_value() {
        let s = Snapshot {
            pool_max: 10,
            pool_connections: 3,
            pool_idle: 2,
            outbox: vec![("siola".into(), 4, 1), ("webhook".into(), 0, 2)],
            calendar_days_left: Some(42),
        };
        let mut out = String::new();
        encode_registry(&mut out, &snapshot_registry(&s)).unwrap();
        for line in [
            "jalin_db_pool_max_connections 10",
            "jalin_db_pool_connections{state=\"in_use\"} 1",
            "jalin_db_pool_connections{state=\"idle\"} 2",
            "jalin_outbox_pending_messages{system=\"siola\"} 4",
            "jalin_outbox_dead_messages{system=\"webhook\"} 2",
            "jalin_outbox_pending_messages{system=\"simpel\"} 0",
            "jalin_calendar_coverage_days_left 42",
        ] {
            assert!(out.lines().any(|l| l == line), "{line} in\n{out}");
        }
    }
}
