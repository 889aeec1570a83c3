//! The product decisions that are configuration (DEFAULTs), and the fixed values beside
//! them, described once: each with its key, the variable that sets it, what it means, where its
//! default comes from, and how to read its value from a [`Config`]. `GET /v1/settings` serves this
//! table in this order.

use jalin_domain::deadlines::{ANNUAL_REPORT_WORKING_DAYS, DPRD_DECISION_WORKING_DAYS};
use serde_json::{json, Map, Value};

use super::Config;
use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT};

/// One setting.
pub struct Setting {
    pub key: &'static str,
    /// The environment variable that sets it, if configurable.
    pub variable: Option<&'static str>,
    pub description: &'static str,
    /// Where the default comes from: a rule and its source, or `DEFAULT` (a product decision).
    pub basis: &'static str,
    /// Its value under a configuration.
    pub value: fn(&Config) -> Value,
    /// The product's default when it is not simply `value` with no variable set.
    pub default: Option<fn() -> Value>,
}

impl Setting {
    const fn new(
        key: &'static str,
        variable: Option<&'static str>,
        value: fn(&Config) -> Value,
        description: &'static str,
        basis: &'static str,
    ) -> Self {
        Self {
            key,
            variable,
            description,
            basis,
            value,
            default: None,
        }
    }
}

/// Each setting with its value under `config` and its default (its value with no variable set).
pub fn in_force(config: &Config) -> Vec<(&'static Setting, Value, Value)> {
    let shipped = Config::from_lookup(|_| None).ok();
    SETTINGS
        .iter()
        .map(|s| {
            let default = match (s.default, &shipped) {
                (Some(d), _) => d(),
                (None, Some(c)) => (s.value)(c),
                (None, None) => Value::Null,
            };
            (s, (s.value)(config), default)
        })
        .collect()
}

fn systems(c: &Config) -> Value {
    let systems = c.integrations.systems.iter().map(|(s, l)| {
        let link = json!({"url_configured": l.url.is_some(), "secrets": l.secrets.len()});
        (s.as_str().to_owned(), link)
    });
    Value::Object(systems.collect::<Map<_, _>>())
}

pub const SETTINGS: &[Setting] = &[
    Setting::new(
        "calendar.cuti_bersama_is_working_day",
        Some("JALIN_CUTI_BERSAMA_IS_WORKING_DAY"),
        |c| json!(c.calendar.cuti_bersama_is_working_day),
        "Whether cuti bersama count as working days.",
        "DEFAULT (DOMAIN.md §5): no rule found; cuti bersama are treated as days off.",
    ),
    Setting::new(
        "deadlines.dprd_decision_working_days",
        None,
        |_| json!(DPRD_DECISION_WORKING_DAYS),
        "DPRD decides within this many working days of receipt; overdue is flagged, never approved.",
        "R10: PP 28/2018 art. 30(4) (fixed by law).",
    ),
    Setting::new(
        "deadlines.annual_report_working_days",
        None,
        |_| json!(ANNUAL_REPORT_WORKING_DAYS),
        "The annual report is due this many working days after the fiscal year ends.",
        "R22: seed 002 (coordination meeting).",
    ),
    Setting::new(
        "signing.penjabat",
        Some("JALIN_SIGNING_PENJABAT"),
        |c| json!(c.signing.penjabat),
        "Whether a Penjabat (Pj.) head of region signs an agreement: with_minister_approval (the Minister of Home Affairs' written approval, number and date, recorded on the signing), allowed or refused.",
        "DEFAULT (R15: PP 49/2008 art. 132A, MEDIUM): with the Minister's written approval.",
    ),
    Setting::new(
        "signing.plt_plh",
        Some("JALIN_SIGNING_PLT_PLH"),
        |c| json!(c.signing.plt_plh),
        "Whether a Plt. or Plh. head of region signs an agreement: refused, with_minister_approval or allowed. A deputy head never signs.",
        "DEFAULT (R15: UU 30/2014 art. 14(7), MEDIUM): refused, strategic decisions are outside their authority.",
    ),
    Setting::new(
        "monitoring.dormancy_months",
        Some("JALIN_DORMANCY_MONTHS"),
        |c| json!(c.monitoring.dormancy_months),
        "An active agreement without any activity for this many months is flagged dormant.",
        "DEFAULT (DOMAIN.md §6; seed 000: five years without a return visit).",
    ),
    Setting::new(
        "monitoring.expiry_reminder_days",
        Some("JALIN_EXPIRY_REMINDER_DAYS"),
        |c| json!(c.monitoring.expiry_reminder_days),
        "Days before the end date at which expiry is reminded.",
        "DEFAULT (DOMAIN.md §6).",
    ),
    Setting::new(
        "monitoring.loi_follow_up_months",
        Some("JALIN_LOI_FOLLOW_UP_MONTHS"),
        |c| json!(c.monitoring.loi_follow_up_months),
        "A letter of intent not followed by a signed agreement within this many months is reminded.",
        "DEFAULT (DOMAIN.md §6; seed 003 recommendation 6).",
    ),
    Setting::new(
        "monitoring.evaluation_interval_months",
        Some("JALIN_EVALUATION_INTERVAL_MONTHS"),
        |c| json!(c.monitoring.evaluation_interval_months),
        "An active agreement not evaluated (submitted or verified) for this many months is due for evaluation.",
        "DEFAULT: PP 28/2018 art. 44 requires evaluation; no interval was found.",
    ),
    Setting::new(
        "monitoring.report_reminder_days",
        Some("JALIN_REPORT_REMINDER_DAYS"),
        |c| json!(c.monitoring.report_reminder_days),
        "Days before an annual report's due date from which it is reminded.",
        "DEFAULT.",
    ),
    Setting::new(
        "calendar.coverage_reminder_days",
        Some("JALIN_CALENDAR_COVERAGE_REMINDER_DAYS"),
        |c| json!(c.monitoring.calendar_coverage_reminder_days),
        "Days before the holiday calendar's last covered date from which admins and central reviewers are reminded to load the next year (reminder `calendar_coverage_ending`; `/health/ready` warns).",
        "DEFAULT.",
    ),
    Setting::new(
        "travel.lead_days",
        Some("JALIN_TRAVEL_LEAD_DAYS"),
        |c| json!({"kemendagri": c.travel.kemendagri_lead_days, "simpel": c.travel.simpel_lead_days}),
        "Calendar days before departure by which a travel request reaches Kemendagri (SIOLA) and SIMPEL.",
        "DEFAULT (DOMAIN.md §7).",
    ),
    Setting::new(
        "travel.delegation_cap",
        Some("JALIN_TRAVEL_DELEGATION_CAP"),
        |c| json!(c.travel.delegation_cap),
        "Travellers in one delegation.",
        "DEFAULT (DOMAIN.md §7: Kemendagri policy).",
    ),
    Setting::new(
        "travel.report_days",
        Some("JALIN_TRAVEL_REPORT_DAYS"),
        |c| json!(c.travel.report_days),
        "Days after return within which the trip report is due; later is flagged and reminded.",
        "DEFAULT (DOMAIN.md §7).",
    ),
    Setting::new(
        "travel.personal_max_days",
        Some("JALIN_TRAVEL_PERSONAL_MAX_DAYS"),
        |c| {
            let t = &c.travel;
            json!({"worship": t.max_days_worship, "medical": t.max_days_medical, "family": t.max_days_family})
        },
        "Longest personal trips (worship, medical treatment, family matters), in days.",
        "DEFAULT: Permendagri 59/2019 arts. 25–26 name the reasons; the durations are product decisions.",
    ),
    Setting::new(
        "integrations.outbox",
        Some("JALIN_OUTBOX_MAX_ATTEMPTS"),
        |c| {
            let i = &c.integrations;
            json!({"max_attempts": i.max_attempts, "backoff_first_seconds": i.backoff_first_seconds,
                   "backoff_max_seconds": i.backoff_max_seconds, "timeout_seconds": i.timeout_seconds})
        },
        "Delivery to the external systems: attempts before dead-lettering, exponential backoff with jitter, timeout (also JALIN_OUTBOX_BACKOFF_SECONDS, JALIN_OUTBOX_TIMEOUT_SECONDS).",
        "Operational default.",
    ),
    Setting::new(
        "integrations.webhook_allow_private",
        Some("JALIN_WEBHOOK_ALLOW_PRIVATE"),
        |c| json!(c.integrations.webhook_allow_private),
        "Whether webhook URLs may point at loopback, private, link-local, shared or metadata addresses; when false they are refused on creation and change and checked again at each delivery (#18).",
        "Security default: webhooks reach only public addresses.",
    ),
    Setting {
        // No system is reachable by default.
        default: Some(|| json!({})),
        ..Setting::new(
            "integrations.systems",
            Some("JALIN_SIOLA_URL"),
            systems,
            "Which external systems are reachable (a URL is configured) and how many signing secrets each has; without a URL, requests wait for the manual path.",
            "Deployment (DOMAIN.md §7: the systems' real interfaces are not public).",
        )
    },
    Setting::new(
        "http.idempotency_ttl_hours",
        Some("JALIN_IDEMPOTENCY_TTL_HOURS"),
        |c| json!(c.idempotency_ttl_hours),
        "How long an Idempotency-Key and its stored response are kept.",
        "API convention.",
    ),
    Setting::new(
        "http.json_limit_bytes",
        Some("JALIN_JSON_LIMIT"),
        |c| json!(c.json_limit),
        "Largest JSON request body.",
        "Operational default.",
    ),
    Setting::new(
        "auth.jwt_ttl_minutes",
        Some("JALIN_JWT_TTL_MINUTES"),
        |c| json!(c.jwt_ttl_minutes),
        "Lifetime of an access token.",
        "Security default: at most one hour.",
    ),
    Setting::new(
        "auth.login_max_failures",
        Some("JALIN_LOGIN_MAX_FAILURES"),
        |c| json!(c.login_max_failures),
        "Failed sign-ins of one username from one client address before each further try waits (429), 1 s doubling up to the window; from one address for any usernames: 4×. Counted in the database, so every server enforces the same limits.",
        "Security default.",
    ),
    Setting::new(
        "auth.login_lockout_seconds",
        Some("JALIN_LOGIN_LOCKOUT_SECONDS"),
        |c| json!(c.login_lockout_seconds),
        "The failed sign-in window: a counter is forgotten after this long without failures, and no wait is longer.",
        "Security default.",
    ),
    Setting::new(
        "http.trusted_proxies",
        Some("JALIN_TRUSTED_PROXIES"),
        |c| json!(c.trusted_proxies.iter().map(|n| n.to_string()).collect::<Vec<_>>()),
        "Reverse proxies whose X-Forwarded-For names the client address (sign-in throttling, the public feed's limit); from any other peer the header is ignored.",
        "Security default: none, the peer is the client.",
    ),
    Setting::new(
        "http.header_timeout_seconds",
        Some("JALIN_HEADER_TIMEOUT_SECONDS"),
        |c| json!(c.header_timeout_seconds),
        "Time a client has to send a request's headers; slower: 408, connection closed.",
        "Security default (slow clients).",
    ),
    Setting::new(
        "http.body_timeout_seconds",
        Some("JALIN_BODY_TIMEOUT_SECONDS"),
        |c| json!(c.body_timeout_seconds),
        "Time a client has to send a request's body once its headers arrived; slower: 408, connection closed.",
        "Security default (slow clients): a 25 MB document needs about 3.5 Mbit/s; raise it for large uploads over slow lines.",
    ),
    Setting::new(
        "http.keep_alive_seconds",
        Some("JALIN_KEEP_ALIVE_SECONDS"),
        |c| json!(c.keep_alive_seconds),
        "How long an idle kept-alive connection stays open.",
        "Security default (slow clients).",
    ),
    Setting::new(
        "http.page_limit",
        None,
        |_| json!({"default": DEFAULT_LIMIT, "max": MAX_LIMIT}),
        "Page size of lists: default and maximum `limit`.",
        "API convention.",
    ),
    Setting::new(
        "observability.metrics_enabled",
        Some("JALIN_METRICS_TOKEN"),
        |c| json!(c.metrics_token.is_some()),
        "Whether `GET /metrics` (Prometheus/OpenMetrics text) is served; it is only when JALIN_METRICS_TOKEN is set, and answers only requests bearing that token (the token itself is never shown).",
        "Security default: off.",
    ),
    Setting::new(
        "observability.log_format",
        Some("JALIN_LOG_FORMAT"),
        |c| json!(c.log_format.as_str()),
        "Log lines as `text` or as `json` (one object per line with the request id; the access log adds method, route template, status, latency and actor id).",
        "Operational default.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_any_variable_every_setting_is_its_default() {
        let shipped = Config::from_lookup(|_| None).unwrap();
        for (s, value, default) in in_force(&shipped) {
            if s.key == "integrations.systems" {
                assert_ne!(value, default, "lists the systems, none reachable");
                continue;
            }
            assert_eq!(value, default, "{}", s.key);
        }
    }

    #[test]
    fn a_variable_set_moves_its_setting_off_the_default() {
        let c =
            Config::from_lookup(|k| (k == "JALIN_DORMANCY_MONTHS").then(|| "36".into())).unwrap();
        let all = in_force(&c);
        let (_, value, default) = all
            .iter()
            .find(|(s, ..)| s.key == "monitoring.dormancy_months")
            .unwrap();
        assert_eq!((value, default), (&json!(36), &json!(24)));
        let mut keys: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SETTINGS.len(), "each key once");
    }
}
