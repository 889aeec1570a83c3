//! The product decisions that are configuration (DEFAULTs), with their values: the
//! table of `crate::config::settings`, each with its value in force.

use actix_web::HttpResponse;
use jalin_domain::access::Action;
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::config::settings::in_force;
use crate::error::ApiError;
use crate::reply;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "key": "calendar.cuti_bersama_is_working_day", "value": false, "default": false, "is_default": true,
    "variable": "JALIN_CUTI_BERSAMA_IS_WORKING_DAY",
    "description": "Whether cuti bersama count as working days.",
    "basis": "DEFAULT: no rule found; cuti bersama are treated as days off."
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
    /// The last day whose working days are known exactly (the end of the last loaded year);
    /// past it, working-day due dates are provisional (`calendar_not_loaded`).
    #[schema(value_type = Option<String>, format = Date)]
    pub calendar_last_covered_date: Option<chrono::NaiveDate>,
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
pub async fn list(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let items = in_force(&caller.state.config)
        .into_iter()
        .map(|(s, value, default)| Setting {
            key: s.key.into(),
            is_default: value == default,
            value,
            default,
            variable: s.variable.map(str::to_owned),
            description: s.description.into(),
            basis: s.basis.into(),
        });
    Ok(reply::ok(SettingList {
        items: items.collect(),
        calendar_covered_years: caller.state.calendar.covered_years(),
        calendar_last_covered_date: caller.state.calendar.last_covered(),
    }))
}

super::operations! {
    list,
}
