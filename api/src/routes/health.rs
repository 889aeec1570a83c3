//! Liveness and readiness for load balancers and orchestrators.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::openapi::responses::ServiceUnavailable;
use crate::reply;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Live {
    /// Always `ok` when the process answers.
    pub status: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ready", "database": "sqlite", "warnings": []}))]
pub struct Ready {
    /// `ready` when the database answers.
    pub status: String,
    /// The database backend in use: `sqlite` or `postgres`.
    pub database: String,
    /// The last day the holiday calendar covers.
    #[schema(value_type = Option<String>, format = Date)]
    pub calendar_last_covered_date: Option<chrono::NaiveDate>,
    /// Warnings that do not make the server unready, e.g. `calendar_coverage_ending` within
    /// the reminder period (DEFAULT 90 days) before the calendar runs out.
    pub warnings: Vec<String>,
}

/// The process is up.
#[utoipa::path(
    get,
    path = "/health/live",
    operation_id = "getLiveness",
    tag = "health",
    responses(
        (status = 200, description = "The process is up.", body = Live),
    ),
    security(())
)]
pub async fn live() -> HttpResponse {
    reply::ok(Live {
        status: "ok".into(),
    })
}

/// The process is up and its database answers.
#[utoipa::path(
    get,
    path = "/health/ready",
    operation_id = "getReadiness",
    tag = "health",
    responses(
        (status = 200, description = "Ready to serve requests.", body = Ready),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db(|c| jalin_persistence::db::ping(c).map_err(|e| ApiError::Unavailable(e.to_string())))
        .await?;
    let cal = state.calendars.current();
    let lead = state.config.monitoring.calendar_coverage_reminder_days;
    let ending =
        jalin_domain::calendar::coverage_ending(cal.last_covered(), state.clock.today(), lead);
    Ok(reply::ok(Ready {
        status: "ready".into(),
        database: state.pool.backend().as_str().into(),
        calendar_last_covered_date: cal.last_covered(),
        warnings: ending
            .map(|_| "calendar_coverage_ending".to_owned())
            .into_iter()
            .collect(),
    }))
}

super::operations! {
    live,
    ready,
}
