//! Delivering the outbox to SIOLA, SIMPEL and Exit Permit and to webhook endpoints (which are
//! disabled after repeated failure): each message is POSTed with its id as
//! `Idempotency-Key` and `webhook-id`, signed (Standard Webhooks), with a timeout; failures are
//! retried with capped exponential backoff and jitter, and dead-lettered after the configured
//! attempts. Several servers may run this at once: claiming leases messages (PostgreSQL skips
//! rows another server holds).

use chrono::{Duration, NaiveDateTime};
use jalin_domain::travel::ExternalSystem;
use jalin_domain::{AuditAction, RecordKind};
use jalin_persistence::audit::{self, Actor, NewEvent};
use jalin_persistence::outbox::{self, Failure, Message};
use jalin_persistence::{webhooks, write_transaction, DbConnection};
use serde_json::json;

use crate::clock::Clock;
use crate::config::Integrations;
use crate::error::ApiError;
use crate::signature::Secret;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub retrying: usize,
    pub dead: usize,
}

/// The delay before attempt `attempts + 1`: first × 2^attempts, capped, then between half and
/// all of it (jitter, so retries from many messages do not arrive together).
pub fn backoff(cfg: &Integrations, attempts: u32, jitter: f64) -> Duration {
    let base = u64::from(cfg.backoff_first_seconds)
        .saturating_mul(1u64 << attempts.min(30))
        .min(u64::from(cfg.backoff_max_seconds));
    let ms = (base as f64 * 1000.0 * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))) as i64;
    Duration::milliseconds(ms.max(1))
}

fn jitter() -> f64 {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX)
}

fn agent(cfg: &Integrations) -> ureq::Agent {
    agent_config(cfg, 10).into()
}

/// The agent for webhooks: unless `JALIN_WEBHOOK_ALLOW_PRIVATE`, it connects only to public
/// addresses, whatever the endpoint's name resolves to by then (DNS rebinding), and follows no
/// redirect (which could lead inside).
fn webhook_agent(cfg: &Integrations) -> ureq::Agent {
    let config = agent_config(cfg, 0);
    if cfg.webhook_allow_private {
        return config.into();
    }
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::default(),
        crate::webhook_target::PublicOnly::default(),
    )
}

fn agent_config(cfg: &Integrations, max_redirects: u32) -> ureq::config::Config {
    ureq::Agent::config_builder()
        .max_redirects(max_redirects)
        .timeout_global(Some(std::time::Duration::from_secs(u64::from(
            cfg.timeout_seconds,
        ))))
        .http_status_as_error(false)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::NativeTls)
                .build(),
        )
        .build()
}

/// The outcome of one attempt.
enum Attempt {
    Delivered(u16),
    /// Worth retrying: network error, timeout, 408, 429, 5xx.
    Retry(Option<u16>, String),
    /// The receiver refused the message itself (other 4xx): retrying will not help.
    Refused(u16, String),
}

/// Where a message goes and how it is signed.
enum Destination {
    Url(String, Option<Secret>),
    /// The webhook endpoint is disabled or gone, or the system has no URL.
    Closed,
}

fn destination(
    conn: &mut DbConnection,
    cfg: &Integrations,
    m: &Message,
) -> Result<Destination, ApiError> {
    if let Some(endpoint) = m.target.strip_prefix("webhook:") {
        return Ok(match webhooks::find(conn, endpoint)? {
            Some(e) if e.active => Destination::Url(e.url, Secret::parse(&e.secret).ok()),
            _ => Destination::Closed,
        });
    }
    let link = ExternalSystem::ALL
        .into_iter()
        .find(|s| s.as_str() == m.target)
        .and_then(|s| cfg.systems.get(&s));
    Ok(
        match link.and_then(|l| l.url.as_ref().map(|u| (u, l.secrets.first()))) {
            Some((base, secret)) => {
                Destination::Url(format!("{base}/travel-permit-requests"), secret.cloned())
            }
            None => Destination::Closed,
        },
    )
}

/// What a failed webhook attempt records: nothing about the network (no resolver or connection
/// error, no port state), so webhooks cannot be used to scan it. The server log has the detail.
const WEBHOOK_NETWORK_FAILURE: &str = "no HTTP response (connection failed or timed out)";
const WEBHOOK_TARGET_REFUSED: &str =
    "the webhook target is not allowed: its host is not a public address";

fn attempt(agents: &Agents, m: &Message, dest: &Destination) -> Attempt {
    let Destination::Url(url, secret) = dest else {
        return Attempt::Refused(0, "the destination is disabled or not configured".into());
    };
    let webhook = m.target.starts_with("webhook:");
    // Checked again at each delivery: DNS may answer differently than when the URL was set.
    if webhook && !crate::webhook_target::allowed(url, agents.allow_private) {
        log::warn!("delivery {}: target {url} refused (not public)", m.id);
        // Retried like a network failure (a name may fail to resolve for a while); the endpoint
        // is disabled after `JALIN_WEBHOOK_DISABLE_AFTER` failures in a row.
        return Attempt::Retry(None, WEBHOOK_TARGET_REFUSED.into());
    }
    let agent = if webhook {
        &agents.webhooks
    } else {
        &agents.systems
    };
    // The receiver judges the signature's freshness on its own (real) clock, so the timestamp is
    // real time even on a training instance whose day is shifted.
    let ts = Clock::system().now().timestamp();
    let mut req = agent
        .post(url)
        .header("content-type", "application/json")
        .header("idempotency-key", &m.id)
        .header("webhook-id", &m.id)
        .header("webhook-timestamp", &ts.to_string());
    if let Some(secret) = secret {
        req = req.header(
            "webhook-signature",
            &secret.sign(&m.id, ts, m.payload.as_bytes()),
        );
    }
    match req.send(m.payload.as_bytes()) {
        Ok(res) => {
            let status = res.status().as_u16();
            match status {
                200..=299 => Attempt::Delivered(status),
                408 | 429 | 500..=599 => Attempt::Retry(Some(status), format!("HTTP {status}")),
                _ => Attempt::Refused(status, format!("HTTP {status}")),
            }
        }
        Err(e) if webhook => {
            log::warn!("delivery {} to {url}: {e}", m.id);
            Attempt::Retry(None, WEBHOOK_NETWORK_FAILURE.into())
        }
        Err(e) => Attempt::Retry(None, e.to_string()),
    }
}

/// One agent for the configured systems (the operator's URLs), one for webhooks.
struct Agents {
    systems: ureq::Agent,
    webhooks: ureq::Agent,
    allow_private: bool,
}

/// Delivers every message due at `now` (the server calls this on a schedule with its clock's
/// time; tests and `jalin jobs run` call it directly). The pass is dated `now` throughout. Only
/// systems with a configured URL are claimed; the rest wait (an officer may use the manual path
/// meanwhile).
pub fn deliver_due(
    conn: &mut DbConnection,
    cfg: &Integrations,
    now: NaiveDateTime,
) -> Result<DeliveryReport, ApiError> {
    crate::metrics::timed_job("outbox_delivery", || delivery_pass(conn, cfg, now))
}

fn delivery_pass(
    conn: &mut DbConnection,
    cfg: &Integrations,
    now: NaiveDateTime,
) -> Result<DeliveryReport, ApiError> {
    let targets: Vec<String> = cfg
        .systems
        .iter()
        .filter(|(_, l)| l.url.is_some())
        .map(|(s, _)| s.as_str().to_owned())
        .collect();
    let lease = now + Duration::seconds(i64::from(cfg.timeout_seconds) * 2 + 5);
    let agents = Agents {
        systems: agent(cfg),
        webhooks: webhook_agent(cfg),
        allow_private: cfg.webhook_allow_private,
    };
    let mut report = DeliveryReport::default();
    loop {
        let batch = write_transaction(conn, |c| -> Result<Vec<Message>, ApiError> {
            Ok(outbox::claim_due(c, now, lease, &targets, true, 20)?)
        })?;
        for m in &batch {
            let dest = destination(conn, cfg, m)?;
            let result = attempt(&agents, m, &dest);
            write_transaction(conn, |c| {
                record(c, cfg, m, &dest, &result, now, &mut report)
            })?;
            if let Attempt::Retry(_, e) | Attempt::Refused(_, e) = &result {
                log::warn!("delivery {} to {} failed: {e}", m.id, m.target);
            }
        }
        if batch.len() < 20 {
            return Ok(report);
        }
    }
}

/// Records one attempt: delivered, retried later with backoff, or dead; a webhook endpoint that
/// failed too often in a row is disabled (and that is audited).
fn record(
    c: &mut DbConnection,
    cfg: &Integrations,
    m: &Message,
    dest: &Destination,
    result: &Attempt,
    now: NaiveDateTime,
    report: &mut DeliveryReport,
) -> Result<(), ApiError> {
    if let Some(endpoint) = m.target.strip_prefix("webhook:") {
        let ok = matches!(result, Attempt::Delivered(_));
        let limit = i32::try_from(cfg.webhook_disable_after).unwrap_or(i32::MAX);
        if !matches!(dest, Destination::Closed)
            && webhooks::record_outcome(c, endpoint, ok, limit, now)?
        {
            audit::append(
                c,
                NewEvent {
                    actor: &Actor::system("outbox"),
                    action: AuditAction::WebhookEndpointDisabled,
                    record_type: RecordKind::WebhookEndpoint,
                    record_id: endpoint,
                    region_code: None,
                    request_id: None,
                    changes: json!({"active": {"before": true, "after": false}}),
                },
            )?;
        }
    }
    let (status, error, retry_at) = match result {
        Attempt::Delivered(status) => {
            outbox::mark_delivered(c, &m.id, i32::from(*status), now)?;
            report.delivered += 1;
            return Ok(());
        }
        Attempt::Retry(status, error) => {
            let attempts = m.attempts as u32 + 1;
            let retry_at =
                (attempts < cfg.max_attempts).then(|| now + backoff(cfg, attempts - 1, jitter()));
            (status.map(i32::from), error, retry_at)
        }
        // The receiver refused the message itself: retrying will not help.
        Attempt::Refused(status, error) => (Some(i32::from(*status)), error, None),
    };
    let failure = Failure {
        status,
        error,
        retry_at,
    };
    outbox::mark_failed(c, &m.id, &failure, now)?;
    match retry_at {
        Some(_) => report.retrying += 1,
        None => report.dead += 1,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_between_half_and_all() {
        let cfg = Integrations::default();
        assert_eq!(backoff(&cfg, 0, 1.0), Duration::seconds(2));
        assert_eq!(backoff(&cfg, 3, 1.0), Duration::seconds(16));
        assert_eq!(backoff(&cfg, 3, 0.0), Duration::seconds(8));
        assert_eq!(backoff(&cfg, 20, 1.0), Duration::seconds(900), "capped");
        assert_eq!(
            backoff(&cfg, 63, 1.0),
            Duration::seconds(900),
            "no overflow"
        );
    }
}
