//! Configuration from the environment (flags may override). A bad value stops start-up with one
//! line naming the variable.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use jalin_domain::calendar::CalendarPolicy;
use jalin_domain::case::{ActingHeadRule, SigningPolicy};
use jalin_domain::monitoring::MonitoringPolicy;
use jalin_domain::travel::{ExternalSystem, TravelPolicy};
use std::collections::BTreeMap;

use crate::signature::Secret;
use jalin_persistence::DatabaseUrl;

pub mod settings;

/// Every variable the server reads, with its default and meaning (the README's table).
pub const VARIABLES: &[(&str, &str, &str)] = &[
    (
        "JALIN_DATABASE_URL",
        "sqlite://$JALIN_DATA_DIR/jalin.db",
        "`sqlite://PATH` or `postgres://USER[:PASSWORD]@HOST:PORT/DB`",
    ),
    (
        "JALIN_LISTEN",
        "127.0.0.1:8080",
        "address and port to listen on",
    ),
    (
        "JALIN_DATA_DIR",
        "./data",
        "directory for the SQLite database and stored files; only the default `./data` is created when absent, a configured one must exist and be writable",
    ),
    (
        "JALIN_CORS_ORIGINS",
        "(none)",
        "comma-separated origins allowed by CORS, e.g. `https://app.example.go.id`, or `*`",
    ),
    (
        "JALIN_JSON_LIMIT",
        "1048576",
        "largest JSON request body, in bytes",
    ),
    (
        "JALIN_CUTI_BERSAMA_IS_WORKING_DAY",
        "false",
        "DEFAULT: whether *cuti bersama* count as working days",
    ),
    (
        "JALIN_IDEMPOTENCY_TTL_HOURS",
        "24",
        "how long an `Idempotency-Key` is remembered",
    ),
    (
        "JALIN_ACCOUNT_CACHE_SECONDS",
        "5",
        "how long a token's account (role, region, active) is reused between requests; changes through this server apply at once, other processes' within this time; 0: read on every request",
    ),
    (
        "JALIN_SUMMARY_CACHE_SECONDS",
        "5",
        "how long `stats/overview` and `reminders` are reused per scope while nothing is written through this server (a write here shows at once, other processes' within this time); 0: computed on every request",
    ),
    (
        "JALIN_DB_POOL_SIZE",
        "10",
        "database connections in the pool",
    ),
    ("JALIN_WORKERS", "number of CPUs", "HTTP worker threads"),
    (
        "JALIN_DEMO",
        "(off)",
        "`1`: `jalin serve` loads the demo data (seed scenarios, one user per role) on start",
    ),
    (
        "JALIN_DORMANCY_MONTHS",
        "24",
        "DEFAULT: an active agreement without any activity for this many months is flagged dormant",
    ),
    (
        "JALIN_EXPIRY_REMINDER_DAYS",
        "180,90,30",
        "DEFAULT: days before the end date at which expiry is reminded",
    ),
    (
        "JALIN_LOI_FOLLOW_UP_MONTHS",
        "12",
        "DEFAULT: a letter of intent not followed by a signed agreement within this many months is reminded",
    ),
    (
        "JALIN_EVALUATION_INTERVAL_MONTHS",
        "12",
        "DEFAULT: an active agreement not evaluated for this many months is due for evaluation",
    ),
    (
        "JALIN_REPORT_REMINDER_DAYS",
        "30",
        "DEFAULT: days before an annual report's due date from which it is reminded",
    ),
    (
        "JALIN_SIGNING_PENJABAT",
        "with_minister_approval",
        "DEFAULT (R15): whether a *Penjabat* (Pj.) head of region signs: `with_minister_approval` (the Minister of Home Affairs' written approval recorded on the signing), `allowed` or `refused`",
    ),
    (
        "JALIN_SIGNING_PLT_PLH",
        "refused",
        "DEFAULT (R15): whether a *Plt.* or *Plh.* head of region signs: `refused`, `with_minister_approval` or `allowed`; a deputy never signs",
    ),
    (
        "JALIN_TRAVEL_LEAD_DAYS",
        "10,7",
        "DEFAULT: calendar days before departure by which a request reaches Kemendagri (SIOLA), and SIMPEL",
    ),
    (
        "JALIN_TRAVEL_DELEGATION_CAP",
        "5",
        "DEFAULT: travellers in one delegation",
    ),
    (
        "JALIN_TRAVEL_REPORT_DAYS",
        "14",
        "DEFAULT: days after return within which the trip report is due",
    ),
    (
        "JALIN_TRAVEL_PERSONAL_MAX_DAYS",
        "45,30,14",
        "DEFAULT: longest personal trips in days: worship, medical, family",
    ),
    (
        "JALIN_SIOLA_URL",
        "(none)",
        "base URL of SIOLA's side of the integration contract; unset: requests wait for the manual path",
    ),
    ("JALIN_SIMPEL_URL", "(none)", "base URL of SIMPEL"),
    ("JALIN_EXIT_PERMIT_URL", "(none)", "base URL of Exit Permit"),
    (
        "JALIN_SIOLA_SECRET",
        "(none)",
        "Standard Webhooks secret(s) `whsec_…` shared with SIOLA, comma-separated while rotating; the first signs",
    ),
    ("JALIN_SIMPEL_SECRET", "(none)", "the same for SIMPEL"),
    ("JALIN_EXIT_PERMIT_SECRET", "(none)", "the same for Exit Permit"),
    (
        "JALIN_OUTBOX_MAX_ATTEMPTS",
        "8",
        "delivery attempts before a message is dead-lettered",
    ),
    (
        "JALIN_OUTBOX_BACKOFF_SECONDS",
        "2,900",
        "first retry delay and the cap of the exponential backoff (with jitter)",
    ),
    (
        "JALIN_OUTBOX_TIMEOUT_SECONDS",
        "10",
        "timeout of one delivery attempt",
    ),
    (
        "JALIN_OUTBOX_POLL_MILLISECONDS",
        "1000",
        "how often the server's delivery worker looks for due messages",
    ),
    (
        "JALIN_CALLBACK_TOLERANCE_SECONDS",
        "300",
        "accepted clock difference of a signed callback's timestamp",
    ),
    (
        "JALIN_WEBHOOK_DISABLE_AFTER",
        "10",
        "failed webhook deliveries in a row before the endpoint is disabled",
    ),
    (
        "JALIN_WEBHOOK_ALLOW_PRIVATE",
        "false",
        "allow webhook URLs on loopback, private, link-local or metadata addresses (development and tests only)",
    ),
    (
        "JALIN_PUBLIC_RATE_PER_MINUTE",
        "120",
        "requests per minute per client address to the public feed (`/v1/public/*`); more: 429",
    ),
    (
        "JALIN_TRUSTED_PROXIES",
        "(none)",
        "comma-separated addresses or networks (`10.0.0.0/8`) of reverse proxies whose `X-Forwarded-For` names the client address (sign-in throttling, the public feed's limit); from any other peer the header is ignored",
    ),
    (
        "JALIN_HEADER_TIMEOUT_SECONDS",
        "5",
        "time a client has to send a request's headers; slower: 408 and the connection is closed",
    ),
    (
        "JALIN_BODY_TIMEOUT_SECONDS",
        "60",
        "time a client has to send a request's body once its headers arrived; slower: 408 and the connection is closed",
    ),
    (
        "JALIN_KEEP_ALIVE_SECONDS",
        "5",
        "how long an idle kept-alive connection stays open",
    ),
    (
        "JALIN_INSTANCE",
        "production",
        "`production`, or `training` for a training or test instance (the only kind on which `JALIN_TEST_TODAY` is accepted)",
    ),
    (
        "JALIN_TEST_TODAY",
        "(none: the real date)",
        "training/test instances only: `YYYY-MM-DD` to run the whole clock as if today (WIB) were that day",
    ),
    ("RUST_LOG", "info", "log filter (env_logger syntax)"),
    (
        "JALIN_LOG_FORMAT",
        "text",
        "`text` (one readable line per record) or `json` (one JSON object per line: time, level, target, request id, message; the access log adds method, route template, status, latency and actor id — never tokens or passwords)",
    ),
    (
        "JALIN_METRICS_TOKEN",
        "(none: `/metrics` is off)",
        "bearer token (at least 16 characters) that `GET /metrics` (Prometheus/OpenMetrics text) requires; unset, the route does not exist",
    ),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub cors_origins: Vec<String>,
    pub json_limit: usize,
    pub calendar: CalendarPolicy,
    pub idempotency_ttl_hours: u32,
    pub db_pool_size: u32,
    pub workers: Option<usize>,
    pub jwt_secret: Option<String>,
    pub jwt_ttl_minutes: u32,
    pub bootstrap_admin_password: Option<String>,
    pub login_max_failures: u32,
    pub login_lockout_seconds: u32,
    pub storage_url: Option<String>,
    pub document_max_bytes: usize,
    pub monitoring: MonitoringPolicy,
    /// Who besides the definitive head of region may sign (R15).
    pub signing: SigningPolicy,
    pub travel: TravelPolicy,
    pub integrations: Integrations,
    /// Requests per minute per client address to `/v1/public/*`.
    pub public_rate_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<crate::throttle::Network>,
    /// Seconds a client has to send a request's headers, its body, and an idle connection stays.
    pub header_timeout_seconds: u32,
    pub body_timeout_seconds: u32,
    pub keep_alive_seconds: u32,
    /// How long a token's account is reused between requests (0: never).
    pub account_cache_seconds: u32,
    /// How long `stats/overview` and `reminders` are reused while nothing is written (0: never).
    pub summary_cache_seconds: u32,
    /// A training or test instance (`JALIN_INSTANCE=training`).
    pub training: bool,
    /// The one clock: real, or set to another day on a training instance.
    pub clock: crate::clock::Clock,
    /// `JALIN_METRICS_TOKEN`: the bearer token `GET /metrics` requires; `None`: no `/metrics`.
    pub metrics_token: Option<crate::metrics::Token>,
    /// `JALIN_LOG_FORMAT`: text (default) or JSON lines.
    pub log_format: crate::logging::LogFormat,
}

/// One external system's side of the integration.
#[derive(Debug, Clone, Default)]
pub struct SystemLink {
    pub url: Option<String>,
    /// The first signs; all verify (key rotation).
    pub secrets: Vec<Secret>,
}

/// The outbox and the external systems.
#[derive(Debug, Clone)]
pub struct Integrations {
    pub systems: BTreeMap<ExternalSystem, SystemLink>,
    pub max_attempts: u32,
    pub backoff_first_seconds: u32,
    pub backoff_max_seconds: u32,
    pub timeout_seconds: u32,
    pub poll_milliseconds: u64,
    pub tolerance_seconds: i64,
    /// Failed webhook deliveries in a row before the endpoint is disabled.
    pub webhook_disable_after: u32,
    /// Webhooks may target non-public addresses (`JALIN_WEBHOOK_ALLOW_PRIVATE`; default false).
    pub webhook_allow_private: bool,
}

impl Default for Integrations {
    fn default() -> Self {
        Self {
            systems: BTreeMap::new(),
            max_attempts: 8,
            backoff_first_seconds: 2,
            backoff_max_seconds: 900,
            timeout_seconds: 10,
            poll_milliseconds: 1000,
            tolerance_seconds: 300,
            webhook_disable_after: 10,
            webhook_allow_private: false,
        }
    }
}

fn pair(v: &str, n: usize) -> Option<Vec<u32>> {
    let parts: Result<Vec<u32>, _> = v.split(',').map(|x| x.trim().parse::<u32>()).collect();
    parts
        .ok()
        .filter(|p| p.len() == n && p.iter().all(|x| *x > 0))
}

/// Shown in logs: never the secrets.
impl Config {
    pub fn redacted(&self) -> String {
        format!(
            "database={} listen={} data_dir={} jwt_secret={}",
            self.database_url,
            self.listen,
            self.data_dir.display(),
            if self.jwt_secret.is_some() {
                "set"
            } else {
                "generated"
            }
        )
    }
}

/// A configuration variable with a bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub expected: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?} is invalid: {}",
            self.var, self.value, self.expected
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or flags over it).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |var: &'static str| lookup(var).filter(|v| !v.trim().is_empty());
        let bad = |var: &'static str, value: &str, expected: &str| ConfigError {
            var,
            value: value.to_owned(),
            expected: expected.to_owned(),
        };

        let data_dir = PathBuf::from(get("JALIN_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match get("JALIN_DATABASE_URL") {
            Some(v) => DatabaseUrl::parse(&v).map_err(|e| bad("JALIN_DATABASE_URL", &v, &e))?,
            None => DatabaseUrl::Sqlite(data_dir.join("jalin.db")),
        };
        let listen = match get("JALIN_LISTEN") {
            Some(v) => v.parse().map_err(|_| {
                bad(
                    "JALIN_LISTEN",
                    &v,
                    "HOST:PORT with an IP address, e.g. 127.0.0.1:8080",
                )
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let cors_origins = match get("JALIN_CORS_ORIGINS") {
            None => Vec::new(),
            Some(v) => {
                let origins: Vec<String> = v
                    .split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect();
                for o in &origins {
                    let ok = o == "*"
                        || ((o.starts_with("http://") || o.starts_with("https://"))
                            && !o
                                .split_once("://")
                                .is_some_and(|(_, rest)| rest.contains('/') || rest.is_empty()));
                    if !ok {
                        return Err(bad(
                            "JALIN_CORS_ORIGINS",
                            &v,
                            "comma-separated origins like https://app.example.go.id, or *",
                        ));
                    }
                }
                origins
            }
        };
        let json_limit = parse_num(
            get("JALIN_JSON_LIMIT"),
            1024 * 1024,
            1024..=64 * 1024 * 1024,
        )
        .map_err(|v| {
            bad(
                "JALIN_JSON_LIMIT",
                &v,
                "a number of bytes from 1024 to 67108864",
            )
        })?;
        let cuti = match get("JALIN_CUTI_BERSAMA_IS_WORKING_DAY").as_deref() {
            None => false,
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(v) => return Err(bad("JALIN_CUTI_BERSAMA_IS_WORKING_DAY", v, "true or false")),
        };
        let ttl = parse_num(get("JALIN_IDEMPOTENCY_TTL_HOURS"), 24, 1..=720)
            .map_err(|v| bad("JALIN_IDEMPOTENCY_TTL_HOURS", &v, "hours from 1 to 720"))?;
        let pool = parse_num(get("JALIN_DB_POOL_SIZE"), 10, 1..=200)
            .map_err(|v| bad("JALIN_DB_POOL_SIZE", &v, "a number from 1 to 200"))?;
        let workers = match get("JALIN_WORKERS") {
            None => None,
            Some(v) => Some(
                parse_num(Some(v.clone()), 1, 1..=256)
                    .map_err(|v| bad("JALIN_WORKERS", &v, "a number from 1 to 256"))?,
            ),
        };
        let jwt_secret = match get("JALIN_JWT_SECRET") {
            Some(v) if v.len() < 32 => {
                return Err(bad("JALIN_JWT_SECRET", "(hidden)", "at least 32 bytes"));
            }
            other => other,
        };
        let jwt_ttl_minutes = parse_num(get("JALIN_JWT_TTL_MINUTES"), 60, 1..=60)
            .map_err(|v| bad("JALIN_JWT_TTL_MINUTES", &v, "minutes from 1 to 60"))?;
        let bootstrap_admin_password = match get("JALIN_BOOTSTRAP_ADMIN_PASSWORD") {
            Some(v) if v.chars().count() < 12 => {
                return Err(bad(
                    "JALIN_BOOTSTRAP_ADMIN_PASSWORD",
                    "(hidden)",
                    "at least 12 characters",
                ));
            }
            other => other,
        };
        let login_max_failures = parse_num(get("JALIN_LOGIN_MAX_FAILURES"), 5, 1..=1000)
            .map_err(|v| bad("JALIN_LOGIN_MAX_FAILURES", &v, "a number from 1 to 1000"))?;
        let login_lockout_seconds =
            parse_num(get("JALIN_LOGIN_LOCKOUT_SECONDS"), 900, 1..=86400)
                .map_err(|v| bad("JALIN_LOGIN_LOCKOUT_SECONDS", &v, "seconds from 1 to 86400"))?;
        let storage_url = get("JALIN_STORAGE_URL");
        if let Some(u) = &storage_url {
            if !(u.starts_with("file://") || u.starts_with("s3://")) {
                return Err(bad(
                    "JALIN_STORAGE_URL",
                    u,
                    "file://DIR or s3://BUCKET[/PREFIX]",
                ));
            }
        }
        let document_max_bytes = parse_num(
            get("JALIN_DOCUMENT_MAX_BYTES"),
            25 * 1024 * 1024,
            1024..=1024 * 1024 * 1024,
        )
        .map_err(|v| {
            bad(
                "JALIN_DOCUMENT_MAX_BYTES",
                &v,
                "bytes from 1024 to 1073741824",
            )
        })?;
        let defaults = MonitoringPolicy::default();
        let months = |var: &'static str, default: u32| {
            parse_num(get(var), default, 1..=240).map_err(|v| bad(var, &v, "months from 1 to 240"))
        };
        let expiry_reminder_days = match get("JALIN_EXPIRY_REMINDER_DAYS") {
            None => defaults.expiry_reminder_days.clone(),
            Some(v) => {
                let days: Result<Vec<u32>, _> =
                    v.split(',').map(|d| d.trim().parse::<u32>()).collect();
                match days {
                    Ok(mut d) if !d.is_empty() && d.iter().all(|x| (1..=1000).contains(x)) => {
                        d.sort_unstable_by(|a, b| b.cmp(a));
                        d.dedup();
                        d
                    }
                    _ => {
                        return Err(bad(
                            "JALIN_EXPIRY_REMINDER_DAYS",
                            &v,
                            "comma-separated days from 1 to 1000, e.g. 180,90,30",
                        ))
                    }
                }
            }
        };
        let monitoring = MonitoringPolicy {
            dormancy_months: months("JALIN_DORMANCY_MONTHS", defaults.dormancy_months)?,
            expiry_reminder_days,
            loi_follow_up_months: months(
                "JALIN_LOI_FOLLOW_UP_MONTHS",
                defaults.loi_follow_up_months,
            )?,
            evaluation_interval_months: months(
                "JALIN_EVALUATION_INTERVAL_MONTHS",
                defaults.evaluation_interval_months,
            )?,
            report_reminder_days: parse_num(
                get("JALIN_REPORT_REMINDER_DAYS"),
                defaults.report_reminder_days,
                1..=365,
            )
            .map_err(|v| bad("JALIN_REPORT_REMINDER_DAYS", &v, "days from 1 to 365"))?,
            calendar_coverage_reminder_days: parse_num(
                get("JALIN_CALENDAR_COVERAGE_REMINDER_DAYS"),
                defaults.calendar_coverage_reminder_days,
                1..=365,
            )
            .map_err(|v| {
                bad(
                    "JALIN_CALENDAR_COVERAGE_REMINDER_DAYS",
                    &v,
                    "days from 1 to 365",
                )
            })?,
        };
        let acting = |var: &'static str, default: ActingHeadRule| match get(var) {
            None => Ok(default),
            Some(v) => ActingHeadRule::parse(v.trim())
                .ok_or_else(|| bad(var, &v, "refused, with_minister_approval or allowed")),
        };
        let sd = SigningPolicy::default();
        let signing = SigningPolicy {
            penjabat: acting("JALIN_SIGNING_PENJABAT", sd.penjabat)?,
            plt_plh: acting("JALIN_SIGNING_PLT_PLH", sd.plt_plh)?,
        };
        let td = TravelPolicy::default();
        let mut travel = td.clone();
        if let Some(v) = get("JALIN_TRAVEL_LEAD_DAYS") {
            let p = pair(&v, 2)
                .filter(|p| p[0] >= p[1] && p[0] <= 90)
                .ok_or_else(|| {
                    bad(
                        "JALIN_TRAVEL_LEAD_DAYS",
                        &v,
                        "two day counts, Kemendagri's ≥ SIMPEL's, e.g. 10,7",
                    )
                })?;
            (travel.kemendagri_lead_days, travel.simpel_lead_days) = (p[0], p[1]);
        }
        travel.delegation_cap = parse_num(
            get("JALIN_TRAVEL_DELEGATION_CAP"),
            td.delegation_cap,
            1..=100,
        )
        .map_err(|v| bad("JALIN_TRAVEL_DELEGATION_CAP", &v, "a number from 1 to 100"))?;
        travel.report_days = parse_num(get("JALIN_TRAVEL_REPORT_DAYS"), td.report_days, 1..=365)
            .map_err(|v| bad("JALIN_TRAVEL_REPORT_DAYS", &v, "days from 1 to 365"))?;
        if let Some(v) = get("JALIN_TRAVEL_PERSONAL_MAX_DAYS") {
            let p = pair(&v, 3).ok_or_else(|| {
                bad(
                    "JALIN_TRAVEL_PERSONAL_MAX_DAYS",
                    &v,
                    "three day counts: worship,medical,family",
                )
            })?;
            (
                travel.max_days_worship,
                travel.max_days_medical,
                travel.max_days_family,
            ) = (p[0], p[1], p[2]);
        }
        let mut integrations = Integrations::default();
        for (system, url_var, secret_var) in [
            (
                ExternalSystem::Siola,
                "JALIN_SIOLA_URL",
                "JALIN_SIOLA_SECRET",
            ),
            (
                ExternalSystem::Simpel,
                "JALIN_SIMPEL_URL",
                "JALIN_SIMPEL_SECRET",
            ),
            (
                ExternalSystem::ExitPermit,
                "JALIN_EXIT_PERMIT_URL",
                "JALIN_EXIT_PERMIT_SECRET",
            ),
        ] {
            let url = get(url_var).map(|u| u.trim_end_matches('/').to_owned());
            if let Some(u) = &url {
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    return Err(bad(url_var, u, "an http:// or https:// URL"));
                }
            }
            let secrets = match get(secret_var) {
                None => Vec::new(),
                Some(v) => v
                    .split(',')
                    .map(Secret::parse)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| bad(secret_var, "(hidden)", &e))?,
            };
            integrations
                .systems
                .insert(system, SystemLink { url, secrets });
        }
        integrations.max_attempts = parse_num(get("JALIN_OUTBOX_MAX_ATTEMPTS"), 8, 1..=100)
            .map_err(|v| bad("JALIN_OUTBOX_MAX_ATTEMPTS", &v, "a number from 1 to 100"))?;
        if let Some(v) = get("JALIN_OUTBOX_BACKOFF_SECONDS") {
            let p = pair(&v, 2).filter(|p| p[0] <= p[1]).ok_or_else(|| {
                bad(
                    "JALIN_OUTBOX_BACKOFF_SECONDS",
                    &v,
                    "first delay and cap in seconds, e.g. 2,900",
                )
            })?;
            (
                integrations.backoff_first_seconds,
                integrations.backoff_max_seconds,
            ) = (p[0], p[1]);
        }
        integrations.timeout_seconds = parse_num(get("JALIN_OUTBOX_TIMEOUT_SECONDS"), 10, 1..=300)
            .map_err(|v| bad("JALIN_OUTBOX_TIMEOUT_SECONDS", &v, "seconds from 1 to 300"))?;
        integrations.poll_milliseconds =
            parse_num(get("JALIN_OUTBOX_POLL_MILLISECONDS"), 1000, 50..=600_000).map_err(|v| {
                bad(
                    "JALIN_OUTBOX_POLL_MILLISECONDS",
                    &v,
                    "milliseconds from 50 to 600000",
                )
            })?;
        integrations.tolerance_seconds =
            parse_num(get("JALIN_CALLBACK_TOLERANCE_SECONDS"), 300, 1..=86400).map_err(|v| {
                bad(
                    "JALIN_CALLBACK_TOLERANCE_SECONDS",
                    &v,
                    "seconds from 1 to 86400",
                )
            })?;
        integrations.webhook_disable_after =
            parse_num(get("JALIN_WEBHOOK_DISABLE_AFTER"), 10, 1..=1000)
                .map_err(|v| bad("JALIN_WEBHOOK_DISABLE_AFTER", &v, "a number from 1 to 1000"))?;
        integrations.webhook_allow_private = match get("JALIN_WEBHOOK_ALLOW_PRIVATE").as_deref() {
            None => false,
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(v) => return Err(bad("JALIN_WEBHOOK_ALLOW_PRIVATE", v, "true or false")),
        };
        let public_rate_per_minute =
            parse_num(get("JALIN_PUBLIC_RATE_PER_MINUTE"), 120, 1..=100_000).map_err(|v| {
                bad(
                    "JALIN_PUBLIC_RATE_PER_MINUTE",
                    &v,
                    "a number from 1 to 100000",
                )
            })?;
        let trusted_proxies = match get("JALIN_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(v) => v
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(crate::throttle::Network::parse)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    bad(
                        "JALIN_TRUSTED_PROXIES",
                        &v,
                        "comma-separated IP addresses or networks, e.g. 10.0.0.5,192.168.0.0/16",
                    )
                })?,
        };
        let seconds = |var: &'static str, default: u32| {
            parse_num(get(var), default, 1..=3600)
                .map_err(|v| bad(var, &v, "seconds from 1 to 3600"))
        };
        let header_timeout_seconds = seconds("JALIN_HEADER_TIMEOUT_SECONDS", 5)?;
        let body_timeout_seconds = seconds("JALIN_BODY_TIMEOUT_SECONDS", 60)?;
        let keep_alive_seconds = seconds("JALIN_KEEP_ALIVE_SECONDS", 5)?;
        let account_cache_seconds = parse_num(get("JALIN_ACCOUNT_CACHE_SECONDS"), 5, 0..=300)
            .map_err(|v| bad("JALIN_ACCOUNT_CACHE_SECONDS", &v, "seconds from 0 to 300"))?;
        let summary_cache_seconds = parse_num(get("JALIN_SUMMARY_CACHE_SECONDS"), 5, 0..=300)
            .map_err(|v| bad("JALIN_SUMMARY_CACHE_SECONDS", &v, "seconds from 0 to 300"))?;
        let training = match get("JALIN_INSTANCE").as_deref() {
            None | Some("production") => false,
            Some("training") | Some("test") => true,
            Some(v) => return Err(bad("JALIN_INSTANCE", v, "production or training")),
        };
        let clock =
            match get("JALIN_TEST_TODAY") {
                None => crate::clock::Clock::system(),
                // A production server's dates are legal facts: it never runs on another day.
                Some(v) if !training => return Err(bad(
                    "JALIN_TEST_TODAY",
                    &v,
                    "unset: only a training instance (JALIN_INSTANCE=training) may set the date",
                )),
                Some(v) => jalin_domain::Date::parse(v.trim())
                    .ok()
                    .map(|d| crate::clock::Clock::on(d.naive()))
                    .ok_or_else(|| bad("JALIN_TEST_TODAY", &v, "a date YYYY-MM-DD"))?,
            };
        let metrics_token = match get("JALIN_METRICS_TOKEN") {
            Some(v) if v.trim().len() < 16 || !v.trim().bytes().all(|b| b.is_ascii_graphic()) => {
                return Err(bad(
                    "JALIN_METRICS_TOKEN",
                    "(hidden)",
                    "at least 16 printable characters without spaces",
                ));
            }
            other => other.map(|v| crate::metrics::Token(v.trim().to_owned())),
        };
        let log_format = match get("JALIN_LOG_FORMAT") {
            None => crate::logging::LogFormat::Text,
            Some(v) => crate::logging::LogFormat::parse(&v)
                .ok_or_else(|| bad("JALIN_LOG_FORMAT", &v, "text or json"))?,
        };
        Ok(Config {
            metrics_token,
            log_format,
            trusted_proxies,
            header_timeout_seconds,
            body_timeout_seconds,
            keep_alive_seconds,
            training,
            clock,
            summary_cache_seconds,
            account_cache_seconds,
            public_rate_per_minute,
            travel,
            integrations,
            monitoring,
            signing,
            storage_url,
            document_max_bytes,
            jwt_secret,
            jwt_ttl_minutes,
            bootstrap_admin_password,
            login_max_failures,
            login_lockout_seconds,
            database_url,
            listen,
            data_dir,
            cors_origins,
            json_limit,
            calendar: CalendarPolicy {
                cuti_bersama_is_working_day: cuti,
            },
            idempotency_ttl_hours: ttl,
            db_pool_size: pool,
            workers,
        })
    }
}

fn parse_num<T>(
    value: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + Copy,
{
    match value {
        None => Ok(default),
        Some(v) => match v.trim().parse::<T>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(v),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_local_sqlite_file_on_port_8080() {
        let c = cfg(&[]).unwrap();
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("./data/jalin.db"))
        );
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(!c.calendar.cuti_bersama_is_working_day);
        assert_eq!(c.idempotency_ttl_hours, 24);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (var, value) in [
            ("JALIN_LISTEN", "eighty"),
            ("JALIN_DATABASE_URL", "mysql://x"),
            ("JALIN_CORS_ORIGINS", "app.example.go.id"),
            ("JALIN_JSON_LIMIT", "-1"),
            ("JALIN_CUTI_BERSAMA_IS_WORKING_DAY", "maybe"),
            ("JALIN_DORMANCY_MONTHS", "0"),
            ("JALIN_EXPIRY_REMINDER_DAYS", "90,soon"),
            ("JALIN_EXPIRY_REMINDER_DAYS", ""),
            ("JALIN_LOI_FOLLOW_UP_MONTHS", "999"),
            ("JALIN_EVALUATION_INTERVAL_MONTHS", "x"),
            ("JALIN_REPORT_REMINDER_DAYS", "0"),
            ("JALIN_SIGNING_PENJABAT", "sometimes"),
            ("JALIN_SIGNING_PLT_PLH", "yes"),
            ("JALIN_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local"),
            ("JALIN_BODY_TIMEOUT_SECONDS", "0"),
            ("JALIN_KEEP_ALIVE_SECONDS", "forever"),
        ] {
            if value.is_empty() {
                // An empty variable is the default, like an absent one.
                assert!(cfg(&[(var, value)]).is_ok());
                continue;
            }
            let e = cfg(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var);
            assert!(e.to_string().starts_with(var), "{e}");
        }
    }

    /// R15: a Penjabat signs with the Minister's approval, a Plt./Plh. not, by default.
    #[test]
    fn acting_heads_signing_is_configuration_with_its_defaults() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.signing.penjabat, ActingHeadRule::WithMinisterApproval);
        assert_eq!(c.signing.plt_plh, ActingHeadRule::Refused);
        let c = cfg(&[
            ("JALIN_SIGNING_PENJABAT", "refused"),
            ("JALIN_SIGNING_PLT_PLH", "with_minister_approval"),
        ])
        .unwrap();
        assert_eq!(c.signing.penjabat, ActingHeadRule::Refused);
        assert_eq!(c.signing.plt_plh, ActingHeadRule::WithMinisterApproval);
    }

    #[test]
    fn monitoring_periods_are_configuration_with_their_defaults() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.monitoring, MonitoringPolicy::default());
        let c = cfg(&[
            ("JALIN_DORMANCY_MONTHS", "36"),
            ("JALIN_EXPIRY_REMINDER_DAYS", "30, 365,90,30"),
        ])
        .unwrap();
        assert_eq!(c.monitoring.dormancy_months, 36);
        assert_eq!(
            c.monitoring.expiry_reminder_days,
            [365, 90, 30],
            "sorted, deduplicated"
        );
    }

    #[test]
    fn the_data_dir_moves_the_default_database() {
        let c = cfg(&[("JALIN_DATA_DIR", "/var/lib/jalin")]).unwrap();
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("/var/lib/jalin/jalin.db"))
        );
        let c = cfg(&[(
            "JALIN_CORS_ORIGINS",
            "https://a.go.id, http://localhost:5173",
        )])
        .unwrap();
        assert_eq!(c.cors_origins, ["https://a.go.id", "http://localhost:5173"]);
    }
}
