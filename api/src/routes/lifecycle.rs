//! After signing: termination with a reason (R19) and renewal, which re-runs the workflow for a
//! successor linked to its predecessor (R18).

use jalin_domain::{AuditAction};
use jalin_domain::RecordKind;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use jalin_domain::access::Action;
use jalin_domain::agreement::AgreementStatus;
use jalin_domain::case::Case;
use jalin_domain::workflow;
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::cases;
use jalin_persistence::registry;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::openapi::responses::Conflict;
use crate::problem::Text;
use crate::routes::agreements::{
    create_in, get_dto, AgreementDto, AgreementInput, Checklist, Signatories,
};
use crate::state::AppState;

/// R19: why an agreement ends before its term (expiry is automatic).
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    ObjectiveAchieved,
    MutualAgreement,
    PolicyChange,
    ObjectLost,
}

impl TerminationReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::ObjectiveAchieved => "objective_achieved",
            Self::MutualAgreement => "mutual_agreement",
            Self::PolicyChange => "policy_change",
            Self::ObjectLost => "object_lost",
        }
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "mutual_agreement", "terminated_on": "2026-12-31", "note": "Kesepakatan bersama kedua pihak"}))]
pub struct TerminationRequest {
    pub reason: TerminationReason,
    pub terminated_on: NaiveDate,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// End an active agreement before its term, with a reason (R19); requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/termination",
    operation_id = "terminateAgreement",
    tag = "agreements",
    request_body = TerminationRequest,
    params(
        ("id" = String, Path, description = "Agreement id."),
        ("If-Match" = String, Header, description = "The agreement's ETag."),
    ),
    responses(
        (status = 200, description = "Terminated.", body = AgreementDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn terminate(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<TerminationRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let req = body.value;
    let dto = state
        .write(move |c| {
            let a = registry::find_agreement(c, &id, &scope)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
            if_match.check(&Etag::for_version(&a.id, a.version))?;
            if a.status != AgreementStatus::Active {
                return Err(ApiError::Conflict {
                    code: "not_active",
                    detail: Text::new("Only an active agreement can be terminated.", "Hanya perjanjian aktif yang dapat diakhiri."),
                });
            }
            let mut details = a.details.clone();
            details["termination"] = json!({"reason": req.reason.as_str(), "terminated_on": req.terminated_on, "note": req.note});
            registry::set_status(c, &a.id, AgreementStatus::Terminated, Some(&details))?;
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::AgreementTerminated,
                    record_type: RecordKind::Agreement,
                    record_id: &a.id,
                    region_code: Some(a.region.as_str()),
                    request_id: Some(&rid.0),
                    changes: json!({"status": {"before": "active", "after": "terminated"}, "termination": {"before": null, "after": details["termination"]}}),
                },
            )?;
            get_dto(c, &a.id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", dto.1))
        .json(dto.0))
}

/// Renew an active or expired agreement: a successor draft linked to it (R18) whose approval
/// workflow starts at once — a renewal re-runs every stage.
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/renewals",
    operation_id = "renewAgreement",
    tag = "agreements",
    params(
        ("id" = String, Path, description = "The agreement to renew."),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe."),
    ),
    responses(
        (status = 201, description = "The successor, in approval.", body = AgreementDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn renew(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let fingerprint = format!("{{\"renew\":\"{id}\"}}");
    let cal = state.calendar.clone();
    idempotency::run(&state, &req, key, &auth.0.id, &fingerprint, move |c| {
        let a = registry::find_agreement(c, &id, &scope)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
        if !matches!(a.status, AgreementStatus::Active | AgreementStatus::Expired) {
            return Err(ApiError::Conflict {
                code: "not_renewable",
                detail: Text::new("Only an active or expired agreement is renewed.", "Hanya perjanjian aktif atau berakhir yang diperpanjang."),
            });
        }
        let d = &a.details;
        let input = AgreementInput {
            region_code: a.region.to_string(),
            subtype: a.subtype,
            instrument: a.instrument,
            partner_ids: a.partner_ids.clone(),
            parent_id: a.parent_id.clone(),
            predecessor_id: Some(a.id.clone()),
            title_id: a.title_id.clone(),
            title_en: a.title_en.clone(),
            objects: a.objects.clone(),
            sectors: a.sectors.clone(),
            languages: a.languages.clone(),
            implementing_agencies: serde_json::from_value(d["implementing_agencies"].clone()).unwrap_or_default(),
            financing_source: d["financing_source"].as_str().map(str::to_owned),
            creates_foreign_loan: false,
            value: None,
            signatories: Signatories::default(),
            signed_on: None,
            signed_place: None,
            effective_from: None,
            expires_on: None,
            legacy: false,
            status: None,
            level_justification: a.level_justification.clone(),
            own_reference: None,
            partner_reference: None,
            checklist: Checklist::default(),
        };
        let (successor, _) = create_in(c, &actor, &scope, Some(&rid.0), input)?;
        let key = if successor.instrument == jalin_domain::agreement::Instrument::ImplementingArrangement && successor.parent_id.is_some() {
            "implementing_arrangement"
        } else {
            successor.kind.as_str()
        };
        let def = workflow::latest(key).ok_or_else(|| ApiError::internal("no workflow definition"))?;
        let case = Case::start(&def, crate::clock::today());
        let now = chrono::Utc::now().naive_utc();
        cases::insert(c, &crate::routes::cases::store(&successor.id, &case, 1, now, &cal, &def)?)?;
        registry::set_status(c, &successor.id, AgreementStatus::InApproval, None)?;
        audit::append(
            c,
            NewEvent {
                actor: &actor,
                action: AuditAction::AgreementRenewalStarted,
                record_type: RecordKind::Agreement,
                record_id: &successor.id,
                region_code: Some(successor.region.as_str()),
                request_id: Some(&rid.0),
                changes: json!({"predecessor_id": {"before": null, "after": a.id}, "workflow": {"before": null, "after": def.key}}),
            },
        )?;
        let (dto, etag) = get_dto(c, &successor.id)?;
        let body = serde_json::to_value(dto).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", etag)
            .header("location", format!("/v1/agreements/{}", successor.id)))
    })
    .await
}
