//! The product decisions that are configuration (DOMAIN.md: DEFAULT), with their values.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::AppState;
use jalin_domain::access::Action;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "key": "calendar.cuti_bersama_is_working_day", "value": false, "default": false, "is_default": true,
    "variable": "JALIN_CUTI_BERSAMA_IS_WORKING_DAY",
    "description": "Whether cuti bersama count as working days.",
    "basis": "DEFAULT (DOMAIN.md §5): no rule found; cuti bersama are treated as days off."
}))]
pub struct Setting {
    /// Stable key.
    pub key: String,
    /// The value in force (a boolean, number or object, per setting).
    pub value: serde_json::Value,
    /// The product's default.
    pub default: serde_json::Value,
    /// Whether the value in force is the default.
    pub is_default: bool,
    /// The environment variable that sets it, if configurable.
    pub variable: Option<String>,
    pub description: String,
    /// Where the default comes from: a rule and its source, or `DEFAULT` (a product decision).
    pub basis: String,
}

#[derive(Serialize, ToSchema)]
pub struct SettingList {
    pub items: Vec<Setting>,
    /// The years the holiday calendar covers; working days outside them cannot be computed.
    pub calendar_covered_years: Vec<i32>,
}

fn setting(
    key: &str,
    value: serde_json::Value,
    default: serde_json::Value,
    variable: Option<&str>,
    description: &str,
    basis: &str,
) -> Setting {
    Setting {
        key: key.into(),
        is_default: value == default,
        value,
        default,
        variable: variable.map(str::to_owned),
        description: description.into(),
        basis: basis.into(),
    }
}

/// The configurable values in force and whether each is still its default.
#[utoipa::path(
    get,
    path = "/v1/settings",
    operation_id = "listSettings",
    tag = "settings",
    responses(
        (status = 200, description = "Settings in force.", body = SettingList),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadReference)?;
    use serde_json::json;
    let cfg = &state.config;
    let defaults = jalin_domain::monitoring::MonitoringPolicy::default();
    let td = jalin_domain::travel::TravelPolicy::default();
    let items = vec![
        setting(
            "calendar.cuti_bersama_is_working_day",
            json!(cfg.calendar.cuti_bersama_is_working_day),
            json!(false),
            Some("JALIN_CUTI_BERSAMA_IS_WORKING_DAY"),
            "Whether cuti bersama count as working days.",
            "DEFAULT (DOMAIN.md §5): no rule found; cuti bersama are treated as days off.",
        ),
        setting(
            "deadlines.dprd_decision_working_days",
            json!(jalin_domain::deadlines::DPRD_DECISION_WORKING_DAYS),
            json!(jalin_domain::deadlines::DPRD_DECISION_WORKING_DAYS),
            None,
            "DPRD decides within this many working days of receipt; overdue is flagged, never approved.",
            "R10: PP 28/2018 art. 30(4) (fixed by law).",
        ),
        setting(
            "deadlines.annual_report_working_days",
            json!(jalin_domain::deadlines::ANNUAL_REPORT_WORKING_DAYS),
            json!(jalin_domain::deadlines::ANNUAL_REPORT_WORKING_DAYS),
            None,
            "The annual report is due this many working days after the fiscal year ends.",
            "R22: seed 002 (coordination meeting).",
        ),
        setting(
            "monitoring.dormancy_months",
            json!(cfg.monitoring.dormancy_months),
            json!(defaults.dormancy_months),
            Some("JALIN_DORMANCY_MONTHS"),
            "An active agreement without any activity for this many months is flagged dormant.",
            "DEFAULT (DOMAIN.md §6; seed 000: five years without a return visit).",
        ),
        setting(
            "monitoring.expiry_reminder_days",
            json!(cfg.monitoring.expiry_reminder_days),
            json!(defaults.expiry_reminder_days),
            Some("JALIN_EXPIRY_REMINDER_DAYS"),
            "Days before the end date at which expiry is reminded.",
            "DEFAULT (DOMAIN.md §6).",
        ),
        setting(
            "monitoring.loi_follow_up_months",
            json!(cfg.monitoring.loi_follow_up_months),
            json!(defaults.loi_follow_up_months),
            Some("JALIN_LOI_FOLLOW_UP_MONTHS"),
            "A letter of intent not followed by a signed agreement within this many months is reminded.",
            "DEFAULT (DOMAIN.md §6; seed 003 recommendation 6).",
        ),
        setting(
            "monitoring.evaluation_interval_months",
            json!(cfg.monitoring.evaluation_interval_months),
            json!(defaults.evaluation_interval_months),
            Some("JALIN_EVALUATION_INTERVAL_MONTHS"),
            "An active agreement not evaluated (submitted or verified) for this many months is due for evaluation.",
            "DEFAULT: PP 28/2018 art. 44 requires evaluation; no interval was found.",
        ),
        setting(
            "monitoring.report_reminder_days",
            json!(cfg.monitoring.report_reminder_days),
            json!(defaults.report_reminder_days),
            Some("JALIN_REPORT_REMINDER_DAYS"),
            "Days before an annual report's due date from which it is reminded.",
            "DEFAULT.",
        ),
        setting(
            "travel.lead_days",
            json!({"kemendagri": cfg.travel.kemendagri_lead_days, "simpel": cfg.travel.simpel_lead_days}),
            json!({"kemendagri": td.kemendagri_lead_days, "simpel": td.simpel_lead_days}),
            Some("JALIN_TRAVEL_LEAD_DAYS"),
            "Calendar days before departure by which a travel request reaches Kemendagri (SIOLA) and SIMPEL.",
            "DEFAULT (DOMAIN.md §7).",
        ),
        setting(
            "travel.delegation_cap",
            json!(cfg.travel.delegation_cap),
            json!(td.delegation_cap),
            Some("JALIN_TRAVEL_DELEGATION_CAP"),
            "Travellers in one delegation.",
            "DEFAULT (DOMAIN.md §7: Kemendagri policy).",
        ),
        setting(
            "travel.report_days",
            json!(cfg.travel.report_days),
            json!(td.report_days),
            Some("JALIN_TRAVEL_REPORT_DAYS"),
            "Days after return within which the trip report is due; later is flagged and reminded.",
            "DEFAULT (DOMAIN.md §7).",
        ),
        setting(
            "travel.personal_max_days",
            json!({"worship": cfg.travel.max_days_worship, "medical": cfg.travel.max_days_medical, "family": cfg.travel.max_days_family}),
            json!({"worship": td.max_days_worship, "medical": td.max_days_medical, "family": td.max_days_family}),
            Some("JALIN_TRAVEL_PERSONAL_MAX_DAYS"),
            "Longest personal trips (worship, medical treatment, family matters), in days.",
            "DEFAULT: Permendagri 59/2019 arts. 25–26 name the reasons; the durations are product decisions.",
        ),
        setting(
            "integrations.outbox",
            json!({"max_attempts": cfg.integrations.max_attempts, "backoff_first_seconds": cfg.integrations.backoff_first_seconds,
                   "backoff_max_seconds": cfg.integrations.backoff_max_seconds, "timeout_seconds": cfg.integrations.timeout_seconds}),
            json!({"max_attempts": 8, "backoff_first_seconds": 2, "backoff_max_seconds": 900, "timeout_seconds": 10}),
            Some("JALIN_OUTBOX_MAX_ATTEMPTS"),
            "Delivery to the external systems: attempts before dead-lettering, exponential backoff with jitter, timeout (also JALIN_OUTBOX_BACKOFF_SECONDS, JALIN_OUTBOX_TIMEOUT_SECONDS).",
            "Operational default.",
        ),
        setting(
            "integrations.systems",
            json!(cfg.integrations.systems.iter().map(|(s, l)| (s.as_str().to_owned(), json!({"url_configured": l.url.is_some(), "secrets": l.secrets.len()}))).collect::<serde_json::Map<_, _>>()),
            json!({}),
            Some("JALIN_SIOLA_URL"),
            "Which external systems are reachable (a URL is configured) and how many signing secrets each has; without a URL, requests wait for the manual path.",
            "Deployment (DOMAIN.md §7: the systems' real interfaces are not public).",
        ),
        setting(
            "http.idempotency_ttl_hours",
            json!(cfg.idempotency_ttl_hours),
            json!(24),
            Some("JALIN_IDEMPOTENCY_TTL_HOURS"),
            "How long an Idempotency-Key and its stored response are kept.",
            "API convention.",
        ),
        setting(
            "http.json_limit_bytes",
            json!(cfg.json_limit),
            json!(1024 * 1024),
            Some("JALIN_JSON_LIMIT"),
            "Largest JSON request body.",
            "Operational default.",
        ),
        setting(
            "auth.jwt_ttl_minutes",
            json!(cfg.jwt_ttl_minutes),
            json!(60),
            Some("JALIN_JWT_TTL_MINUTES"),
            "Lifetime of an access token.",
            "Security default: at most one hour.",
        ),
        setting(
            "auth.login_max_failures",
            json!(cfg.login_max_failures),
            json!(5),
            Some("JALIN_LOGIN_MAX_FAILURES"),
            "Failed sign-ins per username within the lockout window before further tries are refused (429).",
            "Security default.",
        ),
        setting(
            "auth.login_lockout_seconds",
            json!(cfg.login_lockout_seconds),
            json!(900),
            Some("JALIN_LOGIN_LOCKOUT_SECONDS"),
            "The failed sign-in window and lockout.",
            "Security default.",
        ),
        setting(
            "http.page_limit",
            json!({"default": DEFAULT_LIMIT, "max": MAX_LIMIT}),
            json!({"default": DEFAULT_LIMIT, "max": MAX_LIMIT}),
            None,
            "Page size of lists: default and maximum `limit`.",
            "API convention.",
        ),
    ];
    Ok(HttpResponse::Ok().json(SettingList {
        items,
        calendar_covered_years: state.calendar.covered_years(),
    }))
}
