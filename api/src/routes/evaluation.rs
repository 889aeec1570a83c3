//! Evaluation instruments: versioned configuration (DEFAULTs).

use actix_web::{web, HttpResponse};
use jalin_domain::access::Action;
use jalin_domain::evaluation::{instrument_by_id, published, EvaluationInstrument};
use jalin_domain::RecordKind;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::reply::{self, OrNotFound};

#[derive(Serialize, ToSchema)]
pub struct InstrumentList {
    pub items: Vec<InstrumentSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct InstrumentSummary {
    /// `{key}-v{version}`, e.g. `default-v1`.
    pub id: String,
    pub key: String,
    pub version: u32,
    pub basis: String,
}

/// The evaluation instruments and their versions.
#[utoipa::path(
    get,
    path = "/v1/evaluation-instruments",
    operation_id = "listEvaluationInstruments",
    tag = "evaluation",
    responses(
        (status = 200, description = "Every published instrument version.", body = InstrumentList),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn list(auth: Authenticated) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadReference)?;
    let items = published()
        .into_iter()
        .map(|i| InstrumentSummary {
            id: i.id(),
            key: i.key,
            version: i.version,
            basis: i.basis,
        })
        .collect();
    Ok(reply::ok(InstrumentList { items }))
}

/// One instrument version: aspects with indicators and weights, compliance criteria, thresholds
/// and recommendations.
#[utoipa::path(
    get,
    path = "/v1/evaluation-instruments/{id}",
    operation_id = "getEvaluationInstrument",
    tag = "evaluation",
    params(("id" = String, Path, description = "`{key}-v{version}`, e.g. `default-v1`.", example = "default-v1")),
    responses(
        (status = 200, description = "The instrument.", body = EvaluationInstrument),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn get(auth: Authenticated, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadReference)?;
    let i = instrument_by_id(&path).or_not_found(RecordKind::EvaluationInstrument, &path)?;
    Ok(reply::ok(i))
}

super::operations! {
    list,
    get,
}
