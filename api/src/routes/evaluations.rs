//! Evaluations of agreements: answers with evidence, scored by the domain's
//! table-driven scoring with the instrument version the evaluation keeps; `draft` → `submitted`
//! → `verified` by the province (for its regencies/cities) or central government. The use cases
//! are in `service::evaluations`.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::Action;
use jalin_domain::evaluation::{EvaluationStatus, Recommendation, ScoreSheet};
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::idempotency::IdempotencyKey;
use crate::openapi::responses::{Conflict, ValidationFailed};
use crate::pagination::WholePaging;
use crate::reply;
use crate::routes::ids::{AgreementId, EvaluationId};
use crate::service::evaluations::{
    self, CriterionAnswer, EvaluationInput, EvaluationView, IndicatorAnswer, ReviewInput, Step,
};

#[derive(Serialize, ToSchema)]
pub struct IndicatorValue {
    pub key: String,
    pub value: u8,
}

/// One aspect's arithmetic: mean of its values, scaled to 0–100, times its weight.
#[derive(Serialize, ToSchema)]
pub struct AspectArithmetic {
    pub key: String,
    pub name_en: String,
    pub values: Vec<IndicatorValue>,
    #[schema(example = "3.5")]
    pub mean: String,
    /// (mean − scale min) ÷ (scale max − scale min) × 100.
    #[schema(example = "83.33")]
    pub score: String,
    #[schema(example = "0.25")]
    pub weight: String,
    /// score × weight.
    #[schema(example = "20.8325")]
    pub weighted: String,
}

/// Every step of the scoring and its outcome.
#[derive(Serialize, ToSchema)]
pub struct Score {
    pub aspects: Vec<AspectArithmetic>,
    /// Σ weighted, two decimals.
    #[schema(example = "72.92")]
    pub total: String,
    #[schema(example = "Baik")]
    pub category: String,
    pub recommendation: Recommendation,
    pub failed_criteria: Vec<String>,
    /// Any failed criterion sends the agreement to a compliance review.
    pub compliance_review: bool,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Evaluation)]
pub struct EvaluationDto {
    pub id: String,
    pub agreement_id: String,
    pub region_code: String,
    /// The instrument version this evaluation is scored with, kept when newer versions appear.
    #[schema(example = "default-v1")]
    pub instrument_id: String,
    pub instrument_version: u32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub status: EvaluationStatus,
    pub indicators: BTreeMap<String, IndicatorAnswer>,
    pub criteria: BTreeMap<String, CriterionAnswer>,
    pub summary: Option<String>,
    /// The arithmetic, once every indicator and criterion is answered.
    pub score: Option<Score>,
    /// Indicators and criteria still unanswered.
    pub missing: Vec<String>,
    /// The verifier's note when returned or verified.
    pub review_note: Option<String>,
    pub created_by: String,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub verified_by: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct EvaluationList {
    pub items: Vec<EvaluationDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

fn score(v: &EvaluationView, sheet: &ScoreSheet) -> Score {
    let name = |key: &str| v.instrument.aspects.iter().find(|x| x.key == key);
    let aspects = sheet.aspects.iter().map(|a| AspectArithmetic {
        key: a.key.clone(),
        name_en: name(&a.key).map(|x| x.name_en.clone()).unwrap_or_default(),
        values: a
            .values
            .iter()
            .map(|(key, value)| IndicatorValue {
                key: key.clone(),
                value: *value,
            })
            .collect(),
        mean: a.mean.to_string(),
        score: a.score.to_string(),
        weight: a.weight.to_string(),
        weighted: a.weighted.to_string(),
    });
    Score {
        aspects: aspects.collect(),
        total: sheet.total.normalize().to_string(),
        category: sheet.category.clone(),
        recommendation: sheet.recommendation,
        failed_criteria: sheet.failed_criteria.clone(),
        compliance_review: sheet.compliance_review,
    }
}

impl From<&EvaluationView> for EvaluationDto {
    fn from(v: &EvaluationView) -> Self {
        let e = &v.row;
        Self {
            id: e.id.clone(),
            agreement_id: e.agreement_id.clone(),
            region_code: e.region_code.to_string(),
            instrument_id: v.instrument.id(),
            instrument_version: v.instrument.version,
            period_start: e.period_start,
            period_end: e.period_end,
            status: e.status,
            indicators: v.answers.indicators.clone(),
            criteria: v.answers.criteria.clone(),
            summary: e.summary.clone(),
            score: v.score.as_ref().map(|s| score(v, s)),
            missing: v.missing.clone(),
            review_note: e.review_note.clone(),
            created_by: e.created_by.clone(),
            submitted_by: e.submitted_by.clone(),
            submitted_at: e.submitted_at.map(|t| t.and_utc()),
            verified_by: e.verified_by.clone(),
            verified_at: e.verified_at.map(|t| t.and_utc()),
            created_at: e.created_at.and_utc(),
            updated_at: e.updated_at.and_utc(),
        }
    }
}

/// Start an evaluation of an agreement (a draft).
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/evaluations",
    operation_id = "createEvaluation",
    tag = "evaluation",
    request_body = EvaluationInput,
    params(AgreementId, IdempotencyKey),
    responses(
        (status = 201, description = "Created as a draft.", body = EvaluationDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:write"]))
)]
pub async fn create(
    caller: Caller,
    key: IdempotencyKey,
    id: AgreementId,
    body: ApiJson<EvaluationInput>,
) -> Result<HttpResponse, ApiError> {
    let read = caller.may(Action::ReadAgreements)?;
    let write = caller.may(Action::WriteEvaluations)?;
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let v = evaluations::create(c, ctx, (&read, &write), &id, input)?;
            let location = format!("/v1/evaluations/{}", v.row.id);
            reply::created(location, &v.row, EvaluationDto::from(&v))
        })
        .await
}

/// The evaluations of an agreement, newest period first.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/evaluations",
    operation_id = "listEvaluations",
    tag = "evaluation",
    params(AgreementId, WholePaging),
    responses(
        (status = 200, description = "The evaluations.", body = EvaluationList),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    caller: Caller,
    id: AgreementId,
    paging: WholePaging,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let views = caller.db(move |c| evaluations::list(c, &vis, &id)).await?;
    let (views, next_cursor) = paging.slice("evaluations", views)?;
    let items = views.iter().map(EvaluationDto::from).collect();
    Ok(reply::ok(EvaluationList { items, next_cursor }))
}

/// An evaluation with its arithmetic.
#[utoipa::path(
    get,
    path = "/v1/evaluations/{id}",
    operation_id = "getEvaluation",
    tag = "evaluation",
    params(EvaluationId),
    responses(
        (status = 200, description = "The evaluation.", body = EvaluationDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(caller: Caller, id: EvaluationId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let v = caller.db(move |c| evaluations::get(c, &vis, &id)).await?;
    Ok(reply::ok_versioned(&v.row, EvaluationDto::from(&v)))
}

/// Replace a draft's answers; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/evaluations/{id}",
    operation_id = "updateEvaluation",
    tag = "evaluation",
    request_body = EvaluationInput,
    params(EvaluationId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = EvaluationDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:write"]))
)]
pub async fn update(
    caller: Caller,
    if_match: IfMatch,
    id: EvaluationId,
    body: ApiJson<EvaluationInput>,
) -> Result<HttpResponse, ApiError> {
    let read = caller.may(Action::ReadAgreements)?;
    let write = caller.may(Action::WriteEvaluations)?;
    let v = caller
        .write(move |c, ctx| {
            evaluations::update(
                c,
                ctx,
                (&read, &write),
                &id,
                body.value,
                if_match.expected(),
            )
        })
        .await?;
    Ok(reply::ok_versioned(&v.row, EvaluationDto::from(&v)))
}

/// Delete a draft; requires `If-Match`.
#[utoipa::path(
    delete,
    path = "/v1/evaluations/{id}",
    operation_id = "deleteEvaluation",
    tag = "evaluation",
    params(EvaluationId, IfMatch),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:write"]))
)]
pub async fn delete(
    caller: Caller,
    if_match: IfMatch,
    id: EvaluationId,
) -> Result<HttpResponse, ApiError> {
    let read = caller.may(Action::ReadAgreements)?;
    let write = caller.may(Action::WriteEvaluations)?;
    caller
        .write(move |c, ctx| evaluations::delete(c, ctx, (&read, &write), &id, if_match.expected()))
        .await?;
    Ok(reply::no_content())
}

/// Takes `step` on an evaluation for a caller allowed `action` on it.
async fn act(
    caller: Caller,
    (action, step): (Action, Step),
    if_match: IfMatch,
    id: String,
) -> Result<HttpResponse, ApiError> {
    let read = caller.may(Action::ReadAgreements)?;
    let allowed = caller.may(action)?;
    let v = caller
        .write(move |c, ctx| {
            evaluations::act(c, ctx, (&read, &allowed), &id, step, if_match.expected())
        })
        .await?;
    Ok(reply::ok_versioned(&v.row, EvaluationDto::from(&v)))
}

/// Submit a draft: every indicator and criterion must be answered; the score is computed with
/// the evaluation's instrument version and kept. Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/evaluations/{id}/submit",
    operation_id = "submitEvaluation",
    tag = "evaluation",
    params(EvaluationId, IfMatch),
    responses(
        (status = 200, description = "Submitted.", body = EvaluationDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
        (status = 422, response = ValidationFailed),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:write"]))
)]
pub async fn submit(
    caller: Caller,
    if_match: IfMatch,
    id: EvaluationId,
) -> Result<HttpResponse, ApiError> {
    let step = (Action::WriteEvaluations, Step::Submit);
    act(caller, step, if_match, id.0).await
}

/// Verify a submitted evaluation (province for its regencies/cities, or central). Requires
/// `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/evaluations/{id}/verify",
    operation_id = "verifyEvaluation",
    tag = "evaluation",
    request_body = ReviewInput,
    params(EvaluationId, IfMatch),
    responses(
        (status = 200, description = "Verified.", body = EvaluationDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:verify"]))
)]
pub async fn verify(
    caller: Caller,
    if_match: IfMatch,
    id: EvaluationId,
    body: ApiJson<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    let by = caller.auth.0.region.clone();
    let step = Step::Verify {
        by,
        note: body.value.note,
    };
    act(caller, (Action::VerifyEvaluations, step), if_match, id.0).await
}

/// Return a submitted evaluation to draft with a note. Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/evaluations/{id}/return",
    operation_id = "returnEvaluation",
    tag = "evaluation",
    request_body = ReviewInput,
    params(EvaluationId, IfMatch),
    responses(
        (status = 200, description = "Returned to draft.", body = EvaluationDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:verify"]))
)]
pub async fn return_to_draft(
    caller: Caller,
    if_match: IfMatch,
    id: EvaluationId,
    body: ApiJson<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    let by = caller.auth.0.region.clone();
    let step = Step::Return {
        by,
        note: body.value.note,
    };
    act(caller, (Action::VerifyEvaluations, step), if_match, id.0).await
}

super::operations! {
    list,
    create,
    get,
    update,
    delete,
    submit,
    verify,
    return_to_draft,
}
