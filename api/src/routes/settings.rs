//! The product decisions that are configuration (DOMAIN.md: DEFAULT), with their values.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::openapi::responses::{Forbidden, InternalError, Unauthorized};
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
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 200, description = "Settings in force.", body = SettingList),
        (status = 500, response = InternalError),
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
