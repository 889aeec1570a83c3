//! Evaluations of agreements (DOMAIN.md §6): answers with evidence, scored by the domain's
//! table-driven scoring with the instrument version the evaluation keeps; `draft` → `submitted`
//! → `verified` by the province (for its regencies/cities) or central government.

use jalin_domain::AuditAction;
use jalin_domain::RecordKind;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::evaluation::{
    self as ev, current_instrument, find_instrument, Answers, EvaluationAction,
    EvaluationInstrument, EvaluationStatus, Recommendation,
};
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::evaluations::{self, Evaluation};
use jalin_persistence::{action_plans, activities, documents, registry, DbConnection};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::accounts::changes;
use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::openapi::responses::{
    Conflict, ValidationFailed,
};
use crate::problem::{FieldIssue, Text};
use crate::routes::evaluation::id_of;
use crate::state::AppState;

/// What an answer rests on: a document or activity of the same agreement, or its action plan.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Document,
    Activity,
    ActionPlan,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// The document or activity id; absent for `action_plan`.
    pub id: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
pub struct IndicatorAnswer {
    /// On the instrument's scale (DEFAULT 1–4).
    #[schema(minimum = 0, maximum = 100, example = 3)]
    pub value: u8,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub evidence: Vec<Evidence>,
}

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
pub struct CriterionAnswer {
    pub passed: bool,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// An evaluation's content. A draft may be incomplete; submitting needs every answer.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "period_start": "2024-01-01", "period_end": "2024-12-31",
    "indicators": {
        "benefits": {"value": 4, "note": "Donasi AUD 2 juta untuk pemulihan ekonomi", "evidence": [{"kind": "action_plan"}]},
        "benefits_people": {"value": 3}, "programmes": {"value": 3}, "plan_fit": {"value": 2},
        "objectives": {"value": 3}, "obstacles": {"value": 2}, "continue": {"value": 4}, "commitment": {"value": 3}
    },
    "criteria": {
        "equal_standing": {"passed": true}, "mutual_benefit": {"passed": true}, "political_stability": {"passed": true},
        "sovereignty": {"passed": true}, "environment": {"passed": true}, "gender": {"passed": true}, "law": {"passed": true}
    },
    "summary": "Kerja sama bermanfaat; kunjungan balasan perlu dijadwalkan."
}))]
pub struct EvaluationInput {
    /// `{key}-v{version}` of the instrument; default: the newest version of `default`.
    #[schema(example = "default-v1")]
    pub instrument_id: Option<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[serde(default)]
    #[validate(nested)]
    pub indicators: BTreeMap<String, IndicatorAnswer>,
    #[serde(default)]
    #[validate(nested)]
    pub criteria: BTreeMap<String, CriterionAnswer>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub summary: Option<String>,
}

/// The stored answers.
#[derive(Serialize, Deserialize, Default)]
struct Stored {
    indicators: BTreeMap<String, IndicatorAnswer>,
    criteria: BTreeMap<String, CriterionAnswer>,
}

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
}

/// A verifier's note; required to return an evaluation.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"note": "Bukti kegiatan 2024 belum dilampirkan."}))]
pub struct ReviewInput {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

fn invalid(pointer: String, code: &str, en: String, id: String) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(&pointer, code, Text::new(en, id))])
}

fn instrument_of(e: &Evaluation) -> Result<EvaluationInstrument, ApiError> {
    find_instrument(&e.instrument_key, e.instrument_version as u32).ok_or_else(|| {
        ApiError::internal(format!(
            "instrument {}-v{} is not published",
            e.instrument_key, e.instrument_version
        ))
    })
}

fn answers(s: &Stored) -> Answers {
    Answers {
        indicators: s
            .indicators
            .iter()
            .map(|(k, a)| (k.clone(), a.value))
            .collect(),
        criteria: s
            .criteria
            .iter()
            .map(|(k, a)| (k.clone(), a.passed))
            .collect(),
    }
}

fn missing(i: &EvaluationInstrument, s: &Stored) -> Vec<String> {
    i.aspects
        .iter()
        .flat_map(|a| a.indicators.iter().map(|x| &x.key))
        .filter(|k| !s.indicators.contains_key(*k))
        .chain(
            i.criteria
                .iter()
                .map(|c| &c.key)
                .filter(|k| !s.criteria.contains_key(*k)),
        )
        .cloned()
        .collect()
}

fn score(i: &EvaluationInstrument, s: &Stored) -> Option<Score> {
    let sheet = ev::score(i, &answers(s)).ok()?;
    Some(Score {
        aspects: sheet
            .aspects
            .iter()
            .map(|a| AspectArithmetic {
                key: a.key.clone(),
                name_en: i
                    .aspects
                    .iter()
                    .find(|x| x.key == a.key)
                    .map(|x| x.name_en.clone())
                    .unwrap_or_default(),
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
            })
            .collect(),
        total: sheet.total.normalize().to_string(),
        category: sheet.category,
        recommendation: sheet.recommendation,
        failed_criteria: sheet.failed_criteria,
        compliance_review: sheet.compliance_review,
    })
}

fn stored(e: &Evaluation) -> Stored {
    serde_json::from_str(&e.answers).unwrap_or_default()
}

fn dto(e: &Evaluation) -> Result<EvaluationDto, ApiError> {
    let i = instrument_of(e)?;
    let s = stored(e);
    Ok(EvaluationDto {
        id: e.id.clone(),
        agreement_id: e.agreement_id.clone(),
        region_code: e.region_code.clone(),
        instrument_id: id_of(&i),
        instrument_version: i.version,
        period_start: e.period_start,
        period_end: e.period_end,
        status: EvaluationStatus::parse(&e.status).unwrap_or(EvaluationStatus::Draft),
        score: score(&i, &s),
        missing: missing(&i, &s),
        indicators: s.indicators,
        criteria: s.criteria,
        summary: e.summary.clone(),
        review_note: e.review_note.clone(),
        created_by: e.created_by.clone(),
        submitted_by: e.submitted_by.clone(),
        submitted_at: e.submitted_at.map(|t| t.and_utc()),
        verified_by: e.verified_by.clone(),
        verified_at: e.verified_at.map(|t| t.and_utc()),
        created_at: e.created_at.and_utc(),
        updated_at: e.updated_at.and_utc(),
    })
}

fn etag(e: &Evaluation) -> Etag {
    Etag::for_version(&e.id, e.version)
}

/// Checks answers against the instrument (known keys, values on the scale) and evidence against
/// the agreement; a draft may leave answers out.
fn check(
    c: &mut DbConnection,
    agreement_id: &str,
    i: &EvaluationInstrument,
    input: &EvaluationInput,
) -> Result<(), ApiError> {
    if input.period_end < input.period_start {
        return Err(invalid(
            "/period_end".into(),
            "before_start",
            "the period ends before it starts".into(),
            "periode berakhir sebelum dimulai".into(),
        ));
    }
    for (k, a) in &input.indicators {
        let known = i
            .aspects
            .iter()
            .any(|x| x.indicators.iter().any(|ind| &ind.key == k));
        if !known {
            return Err(invalid(
                format!("/indicators/{k}"),
                "unknown_indicator",
                format!("not an indicator of {}", id_of(i)),
                format!("bukan indikator {}", id_of(i)),
            ));
        }
        if a.value < i.scale_min || a.value > i.scale_max {
            return Err(invalid(
                format!("/indicators/{k}/value"),
                "out_of_scale",
                format!("from {} to {}", i.scale_min, i.scale_max),
                format!("dari {} sampai {}", i.scale_min, i.scale_max),
            ));
        }
        for (n, e) in a.evidence.iter().enumerate() {
            let pointer = format!("/indicators/{k}/evidence/{n}");
            let ok = match (&e.kind, &e.id) {
                (EvidenceKind::ActionPlan, _) => action_plans::find(c, agreement_id)?.is_some(),
                (EvidenceKind::Document, Some(id)) => {
                    documents::find(c, id)?.is_some_and(|d| d.agreement_id == agreement_id)
                }
                (EvidenceKind::Activity, Some(id)) => {
                    activities::find(c, id)?.is_some_and(|a| a.agreement_id == agreement_id)
                }
                (_, None) => false,
            };
            if !ok {
                return Err(invalid(
                    pointer,
                    "unknown_evidence",
                    "evidence must be a document or activity of this agreement, or its action plan"
                        .into(),
                    "bukti harus dokumen atau kegiatan kerja sama ini, atau rencana aksinya".into(),
                ));
            }
        }
    }
    for k in input.criteria.keys() {
        if !i.criteria.iter().any(|c| &c.key == k) {
            return Err(invalid(
                format!("/criteria/{k}"),
                "unknown_criterion",
                format!("not a criterion of {}", id_of(i)),
                format!("bukan kriteria {}", id_of(i)),
            ));
        }
    }
    Ok(())
}

fn resolve_instrument(id: Option<&str>) -> Result<EvaluationInstrument, ApiError> {
    let found = match id {
        None => current_instrument("default"),
        Some(id) => ev::published().into_iter().find(|i| id_of(i) == id),
    };
    found.ok_or_else(|| {
        invalid(
            "/instrument_id".into(),
            "unknown_instrument",
            "not a published instrument version (GET /v1/evaluation-instruments)".into(),
            "bukan versi instrumen yang diterbitkan".into(),
        )
    })
}

fn visible_agreement(
    c: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<registry::Agreement, ApiError> {
    registry::find_agreement(c, id, vis)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.to_owned()))
}

fn find_visible(c: &mut DbConnection, id: &str, vis: &Visibility) -> Result<Evaluation, ApiError> {
    evaluations::find(c, id, vis)?.ok_or(ApiError::not_found(RecordKind::Evaluation, id.to_owned()))
}

fn audit_event(
    c: &mut DbConnection,
    actor: &audit::Actor,
    action: AuditAction,
    rid: &str,
    before: Option<&Evaluation>,
    after: Option<&Evaluation>,
) -> Result<(), ApiError> {
    let fields = |e: &Evaluation| {
        json!({"evaluation": {"id": e.id, "status": e.status, "instrument": format!("{}-v{}", e.instrument_key, e.instrument_version),
               "period_start": e.period_start, "period_end": e.period_end,
               "answers": serde_json::from_str::<serde_json::Value>(&e.answers).unwrap_or_default(),
               "summary": e.summary, "total": e.total, "category": e.category, "review_note": e.review_note}})
    };
    let e = after
        .or(before)
        .ok_or_else(|| ApiError::internal("no evaluation to audit"))?;
    audit::append(
        c,
        NewEvent {
            actor,
            action,
            record_type: RecordKind::Agreement,
            record_id: &e.agreement_id,
            region_code: Some(&e.region_code),
            request_id: Some(rid),
            changes: changes(
                &before.map(fields).unwrap_or(json!({})),
                &after.map(fields).unwrap_or(json!({})),
            ),
        },
    )?;
    Ok(())
}

/// Start an evaluation of an agreement (a draft).
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/evaluations",
    operation_id = "createEvaluation",
    tag = "evaluation",
    request_body = EvaluationInput,
    params(
        ("id" = String, Path, description = "Agreement id."),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe."),
    ),
    responses(
        (status = 201, description = "Created as a draft.", body = EvaluationDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:write"]))
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    path: web::Path<String>,
    body: ApiJson<EvaluationInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteEvaluations)?;
    let actor = auth.actor();
    let agreement_id = path.into_inner();
    let input = body.value;
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        let a = visible_agreement(c, &agreement_id, &read)?;
        if !write.includes(Some(&a.region)) {
            return Err(ApiError::Forbidden);
        }
        let i = resolve_instrument(input.instrument_id.as_deref())?;
        check(c, &a.id, &i, &input)?;
        let now = Utc::now().naive_utc();
        let e = Evaluation {
            id: uuid::Uuid::now_v7().to_string(),
            agreement_id: a.id.clone(),
            region_code: a.region.to_string(),
            province_code: a.region.province().to_string(),
            instrument_key: i.key.clone(),
            instrument_version: i.version as i32,
            period_start: input.period_start,
            period_end: input.period_end,
            status: EvaluationStatus::Draft.as_str().into(),
            answers: serde_json::to_string(&Stored {
                indicators: input.indicators,
                criteria: input.criteria,
            })
            .map_err(|e| ApiError::internal(e.to_string()))?,
            summary: input.summary,
            total: None,
            category: None,
            review_note: None,
            created_by: actor.name.clone(),
            submitted_by: None,
            submitted_at: None,
            verified_by: None,
            verified_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        evaluations::insert(c, &e)?;
        audit_event(c, &actor, AuditAction::EvaluationCreated, &rid.0, None, Some(&e))?;
        let body = serde_json::to_value(dto(&e)?).map_err(|x| ApiError::internal(x.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", etag(&e).as_str())
            .header("location", format!("/v1/evaluations/{}", e.id)))
    })
    .await
}

/// The evaluations of an agreement, newest period first.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/evaluations",
    operation_id = "listEvaluations",
    tag = "evaluation",
    params(("id" = String, Path, description = "Agreement id.")),
    responses(
        (status = 200, description = "The evaluations.", body = EvaluationList),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let items = state
        .db(move |c| {
            visible_agreement(c, &id, &vis)?;
            evaluations::for_agreement(c, &id)?
                .iter()
                .map(dto)
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(EvaluationList { items }))
}

/// An evaluation with its arithmetic.
#[utoipa::path(
    get,
    path = "/v1/evaluations/{id}",
    operation_id = "getEvaluation",
    tag = "evaluation",
    params(("id" = String, Path, description = "Evaluation id.")),
    responses(
        (status = 200, description = "The evaluation.", body = EvaluationDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let e = state.db(move |c| find_visible(c, &id, &vis)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&e).as_str()))
        .json(dto(&e)?))
}

fn not_draft(e: &Evaluation) -> ApiError {
    ApiError::Conflict {
        code: "evaluation_not_draft",
        detail: Text::new(
            format!(
                "The evaluation is {}; only a draft can be changed.",
                e.status
            ),
            format!(
                "Evaluasi berstatus {}; hanya draf yang dapat diubah.",
                e.status
            ),
        ),
    }
}

/// Replace a draft's answers; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/evaluations/{id}",
    operation_id = "updateEvaluation",
    tag = "evaluation",
    request_body = EvaluationInput,
    params(
        ("id" = String, Path, description = "Evaluation id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Changed.", body = EvaluationDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:write"]))
)]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<EvaluationInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteEvaluations)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let input = body.value;
    let e = state
        .write(move |c| {
            let old = find_visible(c, &id, &read)?;
            if !write.includes(
                jalin_domain::RegionCode::parse(&old.region_code)
                    .ok()
                    .as_ref(),
            ) {
                return Err(ApiError::Forbidden);
            }
            let i = resolve_instrument(input.instrument_id.as_deref())?;
            check(c, &old.agreement_id, &i, &input)?;
            if_match.check(&etag(&old))?;
            if old.status != EvaluationStatus::Draft.as_str() {
                return Err(not_draft(&old));
            }
            let new = Evaluation {
                instrument_key: i.key.clone(),
                instrument_version: i.version as i32,
                period_start: input.period_start,
                period_end: input.period_end,
                answers: serde_json::to_string(&Stored {
                    indicators: input.indicators,
                    criteria: input.criteria,
                })
                .map_err(|e| ApiError::internal(e.to_string()))?,
                summary: input.summary,
                version: old.version + 1,
                updated_at: Utc::now().naive_utc(),
                ..old.clone()
            };
            if !evaluations::save(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit_event(
                c,
                &actor,
                AuditAction::EvaluationUpdated,
                &rid.0,
                Some(&old),
                Some(&new),
            )?;
            Ok(new)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&e).as_str()))
        .json(dto(&e)?))
}

/// Delete a draft; requires `If-Match`.
#[utoipa::path(
    delete,
    path = "/v1/evaluations/{id}",
    operation_id = "deleteEvaluation",
    tag = "evaluation",
    params(
        ("id" = String, Path, description = "Evaluation id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:write"]))
)]
pub async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteEvaluations)?;
    let actor = auth.actor();
    let id = path.into_inner();
    state
        .write(move |c| {
            let old = find_visible(c, &id, &read)?;
            if !write.includes(
                jalin_domain::RegionCode::parse(&old.region_code)
                    .ok()
                    .as_ref(),
            ) {
                return Err(ApiError::Forbidden);
            }
            if_match.check(&etag(&old))?;
            if old.status != EvaluationStatus::Draft.as_str() {
                return Err(not_draft(&old));
            }
            if !evaluations::delete(c, &old.id, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit_event(c, &actor, AuditAction::EvaluationDeleted, &rid.0, Some(&old), None)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes `action` on an evaluation: submit (every answer needed; the score is kept), verify or
/// return (by the province for its regencies/cities, or central government).
async fn act(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    id: String,
    action: EvaluationAction,
    note: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let allowed = match action {
        EvaluationAction::Submit => auth.may(Action::WriteEvaluations)?,
        EvaluationAction::Verify | EvaluationAction::Return => {
            auth.may(Action::VerifyEvaluations)?
        }
    };
    let verifier_region = auth.0.region.clone();
    let actor = auth.actor();
    let e = state
        .write(move |c| {
            let old = find_visible(c, &id, &read)?;
            let region = jalin_domain::RegionCode::parse(&old.region_code)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            if !allowed.includes(Some(&region)) {
                return Err(ApiError::Forbidden);
            }
            if action != EvaluationAction::Submit
                && !ev::may_verify(verifier_region.as_ref(), &region)
            {
                return Err(ApiError::Conflict {
                    code: "not_the_verifier",
                    detail: Text::new(
                        "An evaluation is verified by the province for its regencies/cities, or by central government — not by the region that evaluated.",
                        "Evaluasi diverifikasi oleh provinsi untuk kabupaten/kotanya, atau oleh pemerintah pusat — bukan oleh daerah yang mengevaluasi.",
                    ),
                });
            }
            if action == EvaluationAction::Return && note.is_none() {
                return Err(invalid(
                    "/note".into(),
                    "required",
                    "say why the evaluation is returned".into(),
                    "sebutkan alasan evaluasi dikembalikan".into(),
                ));
            }
            if_match.check(&etag(&old))?;
            let status = EvaluationStatus::parse(&old.status).unwrap_or(EvaluationStatus::Draft);
            let next = ev::transition(status, action).map_err(|why| ApiError::Conflict {
                code: "evaluation_state",
                detail: Text::new(
                    format!("Cannot {action:?} now: {why}.").to_lowercase(),
                    format!("Tidak dapat dilakukan sekarang: {why}."),
                ),
            })?;
            let now = Utc::now().naive_utc();
            let mut new = Evaluation {
                status: next.as_str().into(),
                version: old.version + 1,
                updated_at: now,
                ..old.clone()
            };
            match action {
                EvaluationAction::Submit => {
                    let i = instrument_of(&old)?;
                    let sheet = ev::score(&i, &answers(&stored(&old))).map_err(|errs| {
                        ApiError::Validation(
                            errs.into_iter()
                                .map(|e| {
                                    let group = if i.criteria.iter().any(|c| c.key == e.key) {
                                        "criteria"
                                    } else {
                                        "indicators"
                                    };
                                    FieldIssue::pointer(
                                        &format!("/{group}/{}", e.key),
                                        "incomplete",
                                        Text::new(e.message.clone(), e.message),
                                    )
                                })
                                .collect(),
                        )
                    })?;
                    new.total = Some(sheet.total.normalize().to_string());
                    new.category = Some(sheet.category);
                    new.submitted_by = Some(actor.name.clone());
                    new.submitted_at = Some(now);
                    new.review_note = None;
                }
                EvaluationAction::Verify => {
                    new.verified_by = Some(actor.name.clone());
                    new.verified_at = Some(now);
                    new.review_note = note;
                }
                EvaluationAction::Return => {
                    new.total = None;
                    new.category = None;
                    new.submitted_by = None;
                    new.submitted_at = None;
                    new.review_note = note;
                }
            }
            if !evaluations::save(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            let name = match action {
                EvaluationAction::Submit => AuditAction::EvaluationSubmitted,
                EvaluationAction::Verify => AuditAction::EvaluationVerified,
                EvaluationAction::Return => AuditAction::EvaluationReturned,
            };
            audit_event(c, &actor, name, &rid.0, Some(&old), Some(&new))?;
            Ok(new)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&e).as_str()))
        .json(dto(&e)?))
}

/// Submit a draft: every indicator and criterion must be answered; the score is computed with
/// the evaluation's instrument version and kept. Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/evaluations/{id}/submit",
    operation_id = "submitEvaluation",
    tag = "evaluation",
    params(
        ("id" = String, Path, description = "Evaluation id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Submitted.", body = EvaluationDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
        (status = 422, response = ValidationFailed),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:write"]))
)]
pub async fn submit(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        auth,
        rid,
        if_match,
        path.into_inner(),
        EvaluationAction::Submit,
        None,
    )
    .await
}

/// Verify a submitted evaluation (province for its regencies/cities, or central). Requires
/// `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/evaluations/{id}/verify",
    operation_id = "verifyEvaluation",
    tag = "evaluation",
    request_body = ReviewInput,
    params(
        ("id" = String, Path, description = "Evaluation id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Verified.", body = EvaluationDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:verify"]))
)]
pub async fn verify(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    let note = body.value.note;
    act(
        state,
        auth,
        rid,
        if_match,
        path.into_inner(),
        EvaluationAction::Verify,
        note,
    )
    .await
}

/// Return a submitted evaluation to draft with a note. Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/evaluations/{id}/return",
    operation_id = "returnEvaluation",
    tag = "evaluation",
    request_body = ReviewInput,
    params(
        ("id" = String, Path, description = "Evaluation id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Returned to draft.", body = EvaluationDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["evaluations:verify"]))
)]
pub async fn return_to_draft(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    let note = body.value.note;
    act(
        state,
        auth,
        rid,
        if_match,
        path.into_inner(),
        EvaluationAction::Return,
        note,
    )
    .await
}
