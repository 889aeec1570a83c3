//! The outbox to SIOLA, SIMPEL and Exit Permit, and the callbacks they send: a permit request is
//! queued in the transaction of the step that causes it; a callback is applied once (by its
//! message id), whatever order it arrives in.

use jalin_domain::Date;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use jalin_domain::access::Visibility;
use jalin_domain::travel::{
    arrival, Arrival, CallbackOutcome, CallbackType, ExternalSystem, PermitDecision, TravelEvent,
    TravelStage, TripType,
};
use jalin_domain::{AuditAction, RecordKind, RegionCode, Violation};
use jalin_persistence::outbox::{self, DeliveryFilter, DeliveryStatus, Inbound, Message};
use jalin_persistence::{travel as stored, DbConnection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::travel::{self, DecisionRecord, Destination, Funding, Traveller, Trip};
use super::Ctx;
use crate::config::Config;
use crate::error::ApiError;
use crate::reply::OrNotFound;

/// What the permit systems receive (the integration contract, outbound): POSTed to
/// `{system base URL}/travel-permit-requests` with Standard Webhooks headers and
/// `Idempotency-Key` = `message_id`. Answer 2xx to accept; decisions come back as callbacks.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "type": "permit.requested", "message_id": "01938f6a-8d2e-7c11-9a7e-3f0b8a1c2d3e", "system": "siola",
    "callback_path": "/v1/integrations/siola/callbacks",
    "travel_request": {"id": "01938f6a-0000-7000-8000-000000000001", "region_code": "33", "trip_type": "official",
        "purpose": "Rapat JWG pendidikan", "destinations": [{"country": "AU", "city": "Brisbane"}],
        "departs_on": "2027-02-08", "returns_on": "2027-02-12", "funding": {"source": "apbd"},
        "travellers": [{"category": "civil_servant", "name": "Drs. Sumarno, M.M.", "position": "Sekretaris Daerah", "nip": "196805121990031007", "passport_number": "C1234567"}]},
    "recommendation": {"decision": "granted", "letter_number": "094/2345/Biro Pemotda", "letter_date": "2027-01-15", "manual": true, "recorded_by": "biro-jateng", "recorded_at": "2027-01-15T03:00:00Z"},
    "permits": {}
}))]
pub struct PermitRequest {
    /// Always `permit.requested`.
    #[serde(rename = "type")]
    pub kind: String,
    pub message_id: String,
    pub system: ExternalSystem,
    /// Where to send decisions, relative to jalin's base URL.
    pub callback_path: String,
    pub travel_request: PermitSubject,
    pub recommendation: Option<DecisionRecord>,
    /// Permits already granted by the systems before this one.
    pub permits: BTreeMap<String, DecisionRecord>,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct PermitSubject {
    pub id: String,
    pub region_code: String,
    pub trip_type: TripType,
    pub purpose: String,
    pub destinations: Vec<Destination>,
    pub departs_on: NaiveDate,
    pub returns_on: NaiveDate,
    pub funding: Funding,
    pub travellers: Vec<Traveller>,
}

/// The kind of message that asks a system for its permit.
const PERMIT_REQUESTED: &str = "permit.requested";

/// Queues the request for `system` in the outbox, in the caller's transaction.
pub(crate) fn send(
    c: &mut DbConnection,
    ctx: &Ctx,
    t: &mut Trip,
    system: ExternalSystem,
) -> Result<(), ApiError> {
    let id = uuid::Uuid::now_v7().to_string();
    let r = &t.row;
    let payload = PermitRequest {
        kind: PERMIT_REQUESTED.into(),
        message_id: id.clone(),
        system,
        callback_path: format!("/v1/integrations/{}/callbacks", system.slug()),
        travel_request: PermitSubject {
            id: r.id.clone(),
            region_code: r.region_code.clone(),
            trip_type: r.trip_type,
            purpose: r.purpose.clone(),
            destinations: t.destinations.clone(),
            departs_on: r.departs_on,
            returns_on: r.returns_on,
            funding: t.funding.clone(),
            travellers: t.travellers.clone(),
        },
        recommendation: t.records.recommendation.clone(),
        permits: t.records.permits.clone(),
    };
    let body = serde_json::to_string(&payload).map_err(|e| ApiError::internal(e.to_string()))?;
    let message = Message::pending(
        id.clone(),
        system.as_str().into(),
        PERMIT_REQUESTED.into(),
        r.id.clone(),
        Some(r.region_code.clone()),
        body,
        ctx.now(),
    );
    outbox::enqueue(c, &message)?;
    t.records.sent.insert(system.as_str().into(), id);
    Ok(())
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
    pub letter_date: Option<Date>,
    pub note: Option<String>,
}

/// What a callback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// The message id was seen before: nothing changed; what the first delivery did.
    Duplicate(CallbackOutcome),
    /// Handled now; the request's stage after it.
    Handled(CallbackOutcome, TravelStage),
}

/// Receives `system`'s message `message_id` (its signature already verified): acknowledgements
/// keep the system's reference; a decision is applied when the request waits for it, held when
/// it came early, and ignored when the request is past it. A message id is handled once.
pub fn receive(
    c: &mut DbConnection,
    ctx: &Ctx,
    config: &Config,
    system: ExternalSystem,
    message_id: &str,
    callback: PermitCallback,
    mut raw: Value,
) -> Result<Received, ApiError> {
    // Callbacks about one request apply one at a time, so a message delivered twice at once is
    // still seen as a duplicate.
    stored::lock(c, &callback.travel_request_id)?;
    if let Some(seen) = outbox::find_inbound(c, system, message_id)? {
        return Ok(Received::Duplicate(seen.outcome));
    }
    let mut t = travel::load_any(c, &callback.travel_request_id)?;
    let outcome = match callback.kind {
        CallbackType::RequestReceived => {
            if let Some(reference) = callback.external_reference {
                t.records
                    .external_references
                    .insert(system.as_str().into(), reference);
                travel::store(c, ctx, &mut t)?;
            }
            CallbackOutcome::Recorded
        }
        CallbackType::PermitDecided => {
            let record = decision_record(ctx, message_id, &callback)?;
            raw["decision_record"] = serde_json::to_value(&record).unwrap_or(Value::Null);
            match arrival(t.row.stage, system) {
                Arrival::Due => {
                    let (decision, note) = (record.decision, record.note.as_deref());
                    let event = TravelEvent::PermitReceived {
                        system,
                        decision,
                        note,
                    };
                    travel::decide(c, ctx, config, &mut t, event, &record)?;
                    CallbackOutcome::Applied
                }
                Arrival::Passed => CallbackOutcome::Stale,
                Arrival::Early => CallbackOutcome::Deferred,
            }
        }
    };
    let inbound = Inbound {
        system,
        message_id: message_id.to_owned(),
        travel_request_id: Some(t.row.id.clone()),
        outcome,
        payload: raw,
        received_at: ctx.now(),
    };
    outbox::record_inbound(c, &inbound)?;
    Ok(Received::Handled(outcome, t.row.stage))
}

/// The decision a callback carries, as kept with the request.
fn decision_record(
    ctx: &Ctx,
    message_id: &str,
    callback: &PermitCallback,
) -> Result<DecisionRecord, ApiError> {
    let decision = callback.decision.ok_or_else(|| {
        vec![Violation::invalid(
            "required",
            "/decision",
            "granted or rejected",
            "granted atau rejected",
        )]
    })?;
    Ok(DecisionRecord {
        decision,
        letter_number: callback.letter_number.clone(),
        letter_date: callback.letter_date,
        note: callback.note.clone(),
        manual: false,
        document_id: None,
        message_id: Some(message_id.to_owned()),
        recorded_by: ctx.actor.name.clone(),
        recorded_at: ctx.now().and_utc(),
    })
}

/// Messages within `vis`, newest first.
pub fn list(
    c: &mut DbConnection,
    vis: &Visibility,
    filter: &DeliveryFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Message>, ApiError> {
    Ok(outbox::list(c, vis, filter, before, limit)?)
}

/// Sends a message again: a dead one gets a fresh attempt budget; a delivered one is sent again
/// with the same idempotency key (the receiver deduplicates). One withdrawn, or held by a worker
/// right now, is a 409.
pub fn retry(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    id: &str,
) -> Result<Message, ApiError> {
    let m = outbox::find(c, id)?.or_not_found(RecordKind::Delivery, id)?;
    let region = m
        .region_code
        .as_deref()
        .and_then(|r| RegionCode::parse(r).ok());
    if !vis.includes(region.as_ref()) {
        return Err(ApiError::not_found(RecordKind::Delivery, id));
    }
    let status = m.status;
    if status == DeliveryStatus::Superseded || !outbox::requeue(c, &m.id, ctx.now())? {
        let s = status.as_str();
        return Err(ApiError::conflict(
            "delivery_not_retryable",
            format!("The message is {s}; only pending, dead or delivered messages are sent again."),
            format!("Pesan berstatus {s}; hanya pesan pending, dead atau delivered yang dapat dikirim ulang."),
        ));
    }
    ctx.audit(
        c,
        AuditAction::DeliveryRetried,
        (RecordKind::TravelRequest, &m.record_id),
        m.region_code.as_deref(),
        json!({"delivery": {"before": {"id": m.id, "status": status.as_str()}, "after": {"id": m.id, "status": DeliveryStatus::Pending.as_str()}}}),
    )?;
    outbox::find(c, &m.id)?.or_not_found(RecordKind::Delivery, id)
}
