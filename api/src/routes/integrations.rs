//! The integration contract with SIOLA, SIMPEL and Exit Permit: the outbox's deliveries (read,
//! retry) and the systems' signed callbacks carrying acknowledgements and decisions.

use jalin_domain::{AuditAction};
use jalin_domain::RecordKind;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::travel::ExternalSystem;
use jalin_persistence::outbox::{self, Inbound, Message};
use jalin_persistence::travel;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::openapi::responses::Conflict;
use crate::pagination::PageRequest;
use crate::problem::{FieldIssue, Text};
use crate::routes::travel::{
    apply_decision, records_of, stage_of, DecisionOutcome, DecisionRecord, PermitDecision,
};
use crate::signature;
use crate::state::AppState;

/// One message in the outbox (its payload, which carries personal data, is not shown).
#[derive(Serialize, ToSchema)]
pub struct Delivery {
    /// Also the `Idempotency-Key` and `webhook-id` the receiver sees.
    pub id: String,
    /// `siola`, `simpel` or `exit_permit`.
    pub target: String,
    #[schema(example = "permit.requested")]
    pub kind: String,
    /// The travel request it is about.
    pub record_id: String,
    pub region_code: Option<String>,
    /// `pending`, `delivering`, `delivered`, `dead` (gave up; retry by hand) or `superseded`
    /// (the decision arrived another way).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<&Message> for Delivery {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id.clone(),
            target: m.target.clone(),
            kind: m.kind.clone(),
            record_id: m.record_id.clone(),
            region_code: m.region_code.clone(),
            status: m.status.clone(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at.and_utc(),
            last_status: m.last_status,
            last_error: m.last_error.clone(),
            created_at: m.created_at.and_utc(),
            updated_at: m.updated_at.and_utc(),
            delivered_at: m.delivered_at.map(|t| t.and_utc()),
        }
    }
}

crate::page_of!(DeliveryPage, Delivery);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    #[param(pattern = "^(pending|delivering|delivered|dead|superseded)$")]
    pub status: Option<String>,
    #[param(pattern = "^(siola|simpel|exit_permit)$")]
    pub target: Option<String>,
    /// Only messages about this travel request.
    pub record_id: Option<String>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Messages to the external systems, newest first.
#[utoipa::path(
    get,
    path = "/v1/integrations/deliveries",
    operation_id = "listDeliveries",
    tag = "integrations",
    params(DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries.", body = DeliveryPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ManageIntegrations)?;
    let q = query.0;
    for (name, value, allowed) in [
        (
            "status",
            &q.status,
            &["pending", "delivering", "delivered", "dead", "superseded"][..],
        ),
        ("target", &q.target, &["siola", "simpel", "exit_permit"][..]),
    ] {
        if value.as_deref().is_some_and(|v| !allowed.contains(&v)) {
            return Err(ApiError::invalid_parameter(
                name,
                "invalid_value",
                format!("one of {}", allowed.join(", ")),
                format!("salah satu dari {}", allowed.join(", ")),
            ));
        }
    }
    let page = PageRequest::new("deliveries", q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let rows = state
        .db(move |c| {
            Ok(outbox::list(
                c,
                &vis,
                q.status.as_deref(),
                q.target.as_deref(),
                q.record_id.as_deref(),
                p.after.as_deref(),
                p.fetch(),
            )?)
        })
        .await?;
    let (rows, next_cursor) = page.page(rows, |m| m.id.clone());
    Ok(HttpResponse::Ok().json(DeliveryPage {
        items: rows.iter().map(Delivery::from).collect(),
        next_cursor,
    }))
}

/// Send a message again: a dead one gets a fresh attempt budget; a delivered one is sent again
/// with the same idempotency key (the receiver deduplicates).
#[utoipa::path(
    post,
    path = "/v1/integrations/deliveries/{id}/retry",
    operation_id = "retryDelivery",
    tag = "integrations",
    params(("id" = String, Path, description = "Delivery id.")),
    responses(
        (status = 200, description = "Queued again.", body = Delivery),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn retry(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ManageIntegrations)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let m = state
        .write(move |c| {
            let not_found = || ApiError::not_found(RecordKind::Delivery, id.clone());
            let m = outbox::find(c, &id)?.ok_or_else(not_found)?;
            let region = m
                .region_code
                .as_deref()
                .and_then(|r| jalin_domain::RegionCode::parse(r).ok());
            if !vis.includes(region.as_ref()) {
                return Err(not_found());
            }
            if m.status == "superseded" || !outbox::requeue(c, &m.id, Utc::now().naive_utc())? {
                return Err(ApiError::Conflict {
                    code: "delivery_not_retryable",
                    detail: Text::new(
                        format!("The message is {}; only pending, dead or delivered messages are sent again.", m.status),
                        format!("Pesan berstatus {}; hanya pesan pending, dead atau delivered yang dapat dikirim ulang.", m.status),
                    ),
                });
            }
            jalin_persistence::audit::append(
                c,
                jalin_persistence::audit::NewEvent {
                    actor: &actor,
                    action: AuditAction::DeliveryRetried,
                    record_type: RecordKind::TravelRequest,
                    record_id: &m.record_id,
                    region_code: m.region_code.as_deref(),
                    request_id: Some(&rid.0),
                    changes: json!({"delivery": {"before": {"id": m.id, "status": m.status}, "after": {"id": m.id, "status": "pending"}}}),
                },
            )?;
            outbox::find(c, &m.id)?.ok_or_else(not_found)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Delivery::from(&m)))
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackType {
    /// The system accepted the request (optional; carries its own reference).
    #[serde(rename = "request.received")]
    RequestReceived,
    /// The system decided.
    #[serde(rename = "permit.decided")]
    PermitDecided,
}

/// What a system sends back (the integration contract, inbound), POSTed to
/// `/v1/integrations/{system}/callbacks` with the system's service-account token and Standard
/// Webhooks headers (`webhook-id` is the message id used for deduplication).
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "type": "permit.decided", "travel_request_id": "01938f6a-0000-7000-8000-000000000001",
    "request_message_id": "01938f6a-8d2e-7c11-9a7e-3f0b8a1c2d3e", "decision": "granted",
    "letter_number": "099/1234/OTDA", "letter_date": "2027-01-20"
}))]
pub struct PermitCallback {
    #[serde(rename = "type")]
    pub kind: CallbackType,
    pub travel_request_id: String,
    /// The `message_id` of the request this answers.
    pub request_message_id: Option<String>,
    /// `request.received`: the system's own reference.
    pub external_reference: Option<String>,
    /// `permit.decided`.
    pub decision: Option<PermitDecision>,
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CallbackResult {
    /// `applied`, `recorded` (an acknowledgement), `stale` (the request is past that stage),
    /// `deferred` (it arrived before the request reached that stage; applied when it does) or
    /// `duplicate` (this message id was already received; nothing changed).
    pub outcome: String,
    /// For a duplicate: what the first delivery did.
    pub original_outcome: Option<String>,
    pub stage: Option<String>,
}

fn bad_body(e: impl std::fmt::Display) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(
        "",
        "invalid_callback",
        Text::new(e.to_string(), e.to_string()),
    )])
}

/// Receive a system's acknowledgement or decision. Authenticated twice: the system's service
/// account token (scope `integrations:{system}`) and the Standard Webhooks signature over
/// `webhook-id.webhook-timestamp.body`. Deduplicated by `webhook-id`; safe out of order.
#[utoipa::path(
    post,
    path = "/v1/integrations/{system}/callbacks",
    operation_id = "receiveCallback",
    tag = "integrations",
    request_body = PermitCallback,
    params(
        ("system" = String, Path, description = "`siola`, `simpel` or `exit-permit`.", pattern = "^(siola|simpel|exit-permit)$"),
        ("webhook-id" = String, Header, description = "The message id; a repeat is a duplicate."),
        ("webhook-timestamp" = String, Header, description = "Seconds since the epoch."),
        ("webhook-signature" = String, Header, description = "`v1,{base64 HMAC-SHA256}`, space-separated while keys rotate."),
    ),
    responses(
        (status = 200, description = "Received; what it did.", body = CallbackResult),
    ),
    security(("client_credentials" = ["integrations:siola", "integrations:simpel", "integrations:exit_permit"]))
)]
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    rid: RequestId,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let system = ExternalSystem::from_slug(&slug).ok_or_else(|| ApiError::not_found(RecordKind::ExternalSystem, slug.clone()))?;
    let scope = match system {
        ExternalSystem::Siola => Action::CallbackSiola,
        ExternalSystem::Simpel => Action::CallbackSimpel,
        ExternalSystem::ExitPermit => Action::CallbackExitPermit,
    };
    auth.may(scope)?;
    let h = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let secrets = state
        .config
        .integrations
        .systems
        .get(&system)
        .map(|l| l.secrets.clone())
        .unwrap_or_default();
    if secrets.is_empty() {
        return Err(ApiError::InvalidSignature(format!(
            "no secret is configured for {}",
            system.as_str()
        )));
    }
    signature::verify(
        &secrets,
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
        &body,
        Utc::now().timestamp(),
        state.config.integrations.tolerance_seconds,
    )
    .map_err(|e| ApiError::InvalidSignature(e.to_string()))?;
    let content_type = h(header::CONTENT_TYPE.as_str()).unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType {
            found: Some(content_type.to_owned()).filter(|c| !c.is_empty()),
        });
    }
    let message_id = h("webhook-id").unwrap_or_default().to_owned();
    if message_id.is_empty() || message_id.len() > 255 {
        return Err(ApiError::InvalidSignature(
            "webhook-id must have 1 to 255 characters".into(),
        ));
    }
    let payload: PermitCallback = serde_json::from_slice(&body).map_err(bad_body)?;
    let policy = state.config.travel.clone();
    let actor = auth.actor();
    let raw: Value = serde_json::from_slice(&body).map_err(bad_body)?;
    let result = state
        .write(move |c| {
            // Callbacks about one request apply one at a time, so a message delivered twice at
            // once is still seen as a duplicate.
            travel::lock(c, &payload.travel_request_id)?;
            if let Some(seen) = outbox::find_inbound(c, system.as_str(), &message_id)? {
                return Ok(CallbackResult {
                    outcome: "duplicate".into(),
                    original_outcome: Some(seen.outcome),
                    stage: None,
                });
            }
            let mut r = travel::find(c, &payload.travel_request_id, &Visibility::All)?.ok_or(
                ApiError::not_found(RecordKind::TravelRequest, payload.travel_request_id.clone()),
            )?;
            let mut stored = raw.clone();
            let outcome = match payload.kind {
                CallbackType::RequestReceived => {
                    let mut rec = records_of(&r)?;
                    if let Some(reference) = &payload.external_reference {
                        rec.external_references
                            .insert(system.as_str().into(), reference.clone());
                        r.records = serde_json::to_string(&rec)
                            .map_err(|e| ApiError::internal(e.to_string()))?;
                        r.version += 1;
                        r.updated_at = Utc::now().naive_utc();
                        if !travel::save(c, &r, r.version - 1)? {
                            return Err(ApiError::PreconditionFailed);
                        }
                    }
                    "recorded"
                }
                CallbackType::PermitDecided => {
                    let decision = payload.decision.ok_or_else(|| {
                        ApiError::Validation(vec![FieldIssue::pointer(
                            "/decision",
                            "required",
                            Text::new("granted or rejected", "granted atau rejected"),
                        )])
                    })?;
                    let record = DecisionRecord {
                        decision,
                        letter_number: payload.letter_number.clone(),
                        letter_date: payload.letter_date,
                        note: payload.note.clone(),
                        manual: false,
                        document_id: None,
                        message_id: Some(message_id.clone()),
                        recorded_by: actor.name.clone(),
                        recorded_at: Utc::now(),
                    };
                    stored["decision_record"] = serde_json::to_value(&record)
                        .map_err(|e| ApiError::internal(e.to_string()))?;
                    match apply_decision(c, &mut r, system, record, &policy, &actor, Some(&rid.0))?
                    {
                        DecisionOutcome::Applied => "applied",
                        DecisionOutcome::Stale => "stale",
                        DecisionOutcome::Deferred => "deferred",
                    }
                }
            };
            outbox::record_inbound(
                c,
                &Inbound {
                    system: system.as_str().into(),
                    message_id: message_id.clone(),
                    travel_request_id: Some(r.id.clone()),
                    outcome: outcome.into(),
                    payload: stored.to_string(),
                    received_at: Utc::now().naive_utc(),
                },
            )?;
            Ok(CallbackResult {
                outcome: outcome.into(),
                original_outcome: None,
                stage: Some(stage_of(&r).as_str().into()),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
