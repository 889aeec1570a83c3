//! Evaluation instruments: versioned configuration (DOMAIN.md §6 DEFAULTs).

use jalin_domain::RecordKind;
use actix_web::{web, HttpResponse};
use jalin_domain::access::Action;
use jalin_domain::evaluation::{published, EvaluationInstrument};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiError;

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

pub fn id_of(i: &EvaluationInstrument) -> String {
    format!("{}-v{}", i.key, i.version)
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
    Ok(HttpResponse::Ok().json(InstrumentList {
        items: published()
            .iter()
            .map(|i| InstrumentSummary {
                id: id_of(i),
                key: i.key.clone(),
                version: i.version,
                basis: i.basis.clone(),
            })
            .collect(),
    }))
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
    let id = path.into_inner();
    let found = published().into_iter().find(|i| id_of(i) == id);
    let i = found.ok_or(ApiError::not_found(RecordKind::EvaluationInstrument, id))?;
    Ok(HttpResponse::Ok().json(i))
}
