//! Official travel abroad (PDLN, DOMAIN.md §7): requests with their travellers and documents,
//! checked against the configured limits, walked through the province's recommendation and the
//! permits of SIOLA, SIMPEL and Exit Permit (through the outbox, or recorded by hand), the
//! return and the trip report, which becomes an activity of the linked agreement.

use jalin_domain::{AuditAction};
use jalin_domain::RecordKind;
use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::travel::{
    self as dt, ExternalSystem, TravelDocumentKind, TravelPolicy, TravelStage, TravellerCategory,
    TripFacts, TripType,
};
use jalin_domain::RegionCode;
use jalin_persistence::activities::{self, Activity};
use jalin_persistence::audit::{self, Actor, NewEvent};
use jalin_persistence::outbox::{self, Message};
use jalin_persistence::travel::{self, TravelDocument, TravelRequest};
use jalin_persistence::{reference, registry, DbConnection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::openapi::responses::{
    BadRequest, Conflict,
};
use crate::pagination::PageRequest;
use crate::problem::{FieldIssue, Text};
use crate::routes::region_param;
use crate::state::AppState;

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
pub struct Traveller {
    pub category: TravellerCategory,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Drs. Sumarno, M.M.")]
    pub name: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Sekretaris Daerah")]
    pub position: String,
    /// Civil servant number (18 digits). Personal data.
    #[schema(pattern = r"^\d{18}$", example = "196805121990031007")]
    pub nip: Option<String>,
    /// Personal data.
    #[schema(pattern = "^[A-Z0-9]{6,12}$", example = "C1234567")]
    pub passport_number: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
pub struct Destination {
    /// ISO 3166-1 alpha-2.
    #[schema(pattern = "^[A-Z]{2}$", example = "AU")]
    pub country: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Brisbane")]
    pub city: String,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FundingSource {
    Apbd,
    Apbn,
    Sponsor,
    Personal,
}

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
pub struct Funding {
    pub source: FundingSource,
    /// Who pays, when a sponsor does.
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub sponsor: Option<String>,
}

/// A travel request as drafted.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "region_code": "33", "trip_type": "official",
    "purpose": "Pertemuan Joint Working Group Jawa Tengah–Queensland dan penandatanganan rencana aksi pendidikan",
    "destinations": [{"country": "AU", "city": "Brisbane"}],
    "departs_on": "2027-02-08", "returns_on": "2027-02-12",
    "funding": {"source": "apbd"},
    "travellers": [{"category": "civil_servant", "name": "Drs. Sumarno, M.M.", "position": "Sekretaris Daerah", "nip": "196805121990031007", "passport_number": "C1234567"}]
}))]
pub struct TravelRequestInput {
    /// The region whose officials travel; fixed once created.
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region_code: String,
    pub trip_type: TripType,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub purpose: String,
    #[validate(length(min = 1, max = 10), nested)]
    #[schema(min_items = 1, max_items = 10)]
    pub destinations: Vec<Destination>,
    pub departs_on: NaiveDate,
    pub returns_on: NaiveDate,
    #[validate(nested)]
    pub funding: Funding,
    /// Agreements the trip serves; its report becomes an activity of the first.
    #[serde(default)]
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    pub agreement_ids: Vec<String>,
    #[validate(length(min = 1, max = 50), nested)]
    #[schema(min_items = 1, max_items = 50)]
    pub travellers: Vec<Traveller>,
}

/// A decision letter: by the province (recommendation) or an external system (permit).
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct DecisionRecord {
    /// `granted` or `rejected` (a recommendation is always `granted`).
    pub decision: PermitDecision,
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    pub note: Option<String>,
    /// Recorded by an officer from a letter (the system was down), not received from it.
    pub manual: bool,
    /// The scanned letter, for a manual record.
    pub document_id: Option<String>,
    /// The callback message it came in, for a system's decision.
    pub message_id: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PermitDecision {
    Granted,
    Rejected,
}

/// The trip report (the structure of seed 001).
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
#[schema(example = json!({
    "basis": "Surat Gubernur Jawa Tengah Nomor 094/0012 tentang penugasan",
    "purpose": "Rapat Joint Working Group pendidikan",
    "activities": "Pertemuan dengan Department of Education Queensland; kunjungan ke dua sekolah kejuruan",
    "results": "Disepakati pertukaran 10 guru SMK pada 2027",
    "conclusion": "Kerja sama layak dilanjutkan; rencana aksi diperbarui"
}))]
pub struct TripReportInput {
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub basis: String,
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub purpose: String,
    #[validate(length(min = 1, max = 20000))]
    #[schema(min_length = 1, max_length = 20000)]
    pub activities: String,
    #[validate(length(min = 1, max = 20000))]
    #[schema(min_length = 1, max_length = 20000)]
    pub results: String,
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub conclusion: String,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct TripReport {
    #[serde(flatten)]
    pub report: TripReportInput,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    /// Filed more than the configured days after return (DEFAULT 14).
    pub late: bool,
    /// The activity it became on the linked agreement.
    pub activity_id: Option<String>,
}

/// Everything that happened to a request after drafting.
#[derive(Serialize, Deserialize, ToSchema, Default, Clone, Debug)]
pub struct TravelRecords {
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<String>,
    pub recommendation: Option<DecisionRecord>,
    /// By system: `siola`, `simpel`, `exit_permit`.
    pub permits: BTreeMap<String, DecisionRecord>,
    /// The outbox message that carried the request to each system.
    pub sent: BTreeMap<String, String>,
    /// The systems' own reference numbers, from their acknowledgements.
    pub external_references: BTreeMap<String, String>,
    /// Limits missed on the way (e.g. SIMPEL reached fewer than 7 days before departure).
    pub warnings: Vec<String>,
    pub report: Option<TripReport>,
    /// Why it was rejected or cancelled.
    pub closing_note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TravelDocumentDto {
    pub id: String,
    pub kind: TravelDocumentKind,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistItem {
    pub kind: TravelDocumentKind,
    pub present: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TravelIssueDto {
    pub code: String,
    pub pointer: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = TravelRequest)]
pub struct TravelRequestDto {
    pub id: String,
    pub region_code: String,
    pub trip_type: TripType,
    pub purpose: String,
    pub destinations: Vec<Destination>,
    pub departs_on: NaiveDate,
    pub returns_on: NaiveDate,
    pub funding: Funding,
    pub agreement_ids: Vec<String>,
    /// NIP and passport numbers appear only in `GET /v1/travel-requests/{id}` for roles with
    /// `travel:personal_data`, and each such read is audited; elsewhere they are null.
    pub travellers: Vec<Traveller>,
    pub personal_data_withheld: bool,
    /// The PDLN workflow definition this request follows.
    #[schema(example = "pdln-v1")]
    pub definition: String,
    pub stage: TravelStage,
    pub documents: Vec<TravelDocumentDto>,
    /// The documents required for this request and whether each is present.
    pub checklist: Vec<ChecklistItem>,
    /// What would stop it from being submitted now.
    pub issues: Vec<TravelIssueDto>,
    pub records: TravelRecords,
    pub returned_on: Option<NaiveDate>,
    pub report_due_on: Option<NaiveDate>,
    /// Returned and the report is past due (DEFAULT 14 days).
    pub report_late: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::page_of!(TravelRequestPage, TravelRequestDto);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct TravelQuery {
    pub stage: Option<TravelStage>,
    /// Only this region (a province includes its regencies/cities).
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region: Option<String>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TravelActionKind {
    /// Draft → submitted (every check and document must pass).
    Submit,
    /// The province's verification and recommendation (letter); sends the request to SIOLA.
    Recommend,
    /// The province refuses to recommend.
    Reject,
    /// The region withdraws the request before departure.
    Cancel,
    /// Manual path: an external system's decision recorded from its letter.
    RecordDecision,
    /// The travellers are back; the trip report is due.
    RecordReturn,
}

/// One step of a travel request; which fields are needed depends on `action`.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"action": "recommend", "letter_number": "094/2345/Biro Pemotda", "letter_date": "2027-01-15"}))]
pub struct TravelActionInput {
    pub action: TravelActionKind,
    /// `recommend`, `record_decision`.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub letter_number: Option<String>,
    pub letter_date: Option<NaiveDate>,
    /// `record_decision`: whose decision.
    pub system: Option<ExternalSystem>,
    /// `record_decision`.
    pub decision: Option<PermitDecision>,
    /// `record_decision`: the scanned letter (a document of kind `decision_letter`).
    pub document_id: Option<String>,
    /// `record_return`.
    pub returned_on: Option<NaiveDate>,
    /// Required for `reject` and `cancel`.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

fn invalid(pointer: &str, code: &str, en: String, id: String) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(pointer, code, Text::new(en, id))])
}

fn json_of<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::internal(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    serde_json::from_str(s).map_err(|e| ApiError::internal(format!("stored travel request: {e}")))
}

pub fn stage_of(r: &TravelRequest) -> TravelStage {
    TravelStage::parse(&r.stage).unwrap_or(TravelStage::Draft)
}

pub fn records_of(r: &TravelRequest) -> Result<TravelRecords, ApiError> {
    parse(&r.records)
}

fn doc_kind(s: &str) -> TravelDocumentKind {
    serde_json::from_value(Value::String(s.to_owned())).unwrap_or(TravelDocumentKind::Other)
}

/// What the checks found: the issues, the documents required, and those present.
type Checked = (
    Vec<dt::TravelIssue>,
    Vec<TravelDocumentKind>,
    Vec<TravelDocumentKind>,
);

/// Runs the domain checks on a stored request (with the cross-request overlap rule).
fn facts_checks(
    c: &mut DbConnection,
    r: &TravelRequest,
    docs: &[TravelDocument],
    policy: &TravelPolicy,
    submitting_on: Option<NaiveDate>,
) -> Result<Checked, ApiError> {
    let travellers: Vec<Traveller> = parse(&r.travellers)?;
    let destinations: Vec<Destination> = parse(&r.destinations)?;
    let funding: Funding = parse(&r.funding)?;
    let categories: Vec<TravellerCategory> = travellers.iter().map(|t| t.category).collect();
    let mut relations = true;
    for d in &destinations {
        let code = jalin_domain::CountryCode::parse(&d.country)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        relations &= reference::get_country(c, &code)?.is_some_and(|x| x.diplomatic_relations);
    }
    let kinds: Vec<TravelDocumentKind> = docs.iter().map(|d| doc_kind(&d.kind)).collect();
    let trip_type: TripType = parse(&format!("\"{}\"", r.trip_type))?;
    let f = TripFacts {
        trip_type,
        departs_on: r.departs_on,
        returns_on: r.returns_on,
        travellers: &categories,
        sponsored: funding.source == FundingSource::Sponsor,
        all_countries_have_relations: relations,
        documents: &kinds,
    };
    let mut issues = dt::check(&f, policy, submitting_on);
    if r.head_or_deputy {
        let clash = travel::head_or_deputy_overlapping(
            c,
            &r.region_code,
            &r.id,
            r.departs_on,
            r.returns_on,
        )?;
        if let Some(other) = clash.first() {
            issues.push(dt::TravelIssue {
                code: "head_and_deputy_abroad",
                pointer: "/travellers",
                message: format!(
                    "request {} takes the head or deputy of this region abroad on overlapping dates ({} to {}); they are not abroad at the same time",
                    other.id, other.departs_on, other.returns_on
                ),
            });
        }
    }
    let required = dt::required_documents(&f);
    Ok((issues, required, kinds))
}

/// The representation; personal data only when `personal` (the caller audits that read).
pub fn dto(
    c: &mut DbConnection,
    r: &TravelRequest,
    policy: &TravelPolicy,
    personal: bool,
) -> Result<TravelRequestDto, ApiError> {
    let docs = travel::documents(c, &r.id)?;
    let stage = stage_of(r);
    let (issues, required, present) = facts_checks(
        c,
        r,
        &docs,
        policy,
        (stage == TravelStage::Draft).then(today),
    )?;
    let mut travellers: Vec<Traveller> = parse(&r.travellers)?;
    if !personal {
        for t in &mut travellers {
            t.nip = None;
            t.passport_number = None;
        }
    }
    let trip_type: TripType = parse(&format!("\"{}\"", r.trip_type))?;
    Ok(TravelRequestDto {
        id: r.id.clone(),
        region_code: r.region_code.clone(),
        trip_type,
        purpose: r.purpose.clone(),
        destinations: parse(&r.destinations)?,
        departs_on: r.departs_on,
        returns_on: r.returns_on,
        funding: parse(&r.funding)?,
        agreement_ids: parse(&r.agreement_ids)?,
        travellers,
        personal_data_withheld: !personal,
        definition: "pdln-v1".into(),
        stage,
        checklist: required
            .into_iter()
            .map(|kind| ChecklistItem {
                present: present.contains(&kind),
                kind,
            })
            .collect(),
        documents: docs
            .iter()
            .map(|d| TravelDocumentDto {
                id: d.id.clone(),
                kind: doc_kind(&d.kind),
                name: d.name.clone(),
                media_type: d.media_type.clone(),
                size_bytes: d.size_bytes,
                sha256: d.sha256.clone(),
                uploaded_by: d.uploaded_by.clone(),
                uploaded_at: d.uploaded_at.and_utc(),
            })
            .collect(),
        issues: if stage == TravelStage::Draft {
            issues
                .into_iter()
                .map(|i| TravelIssueDto {
                    code: i.code.into(),
                    pointer: i.pointer.into(),
                    message: i.message,
                })
                .collect()
        } else {
            Vec::new()
        },
        records: records_of(r)?,
        returned_on: r.returned_on,
        report_due_on: r.report_due_on,
        report_late: stage == TravelStage::Returned && r.report_due_on.is_some_and(|d| d < today()),
        created_by: r.created_by.clone(),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

/// Today in Indonesia's western time (the calendar day most offices work in).
pub fn today() -> NaiveDate {
    crate::clock::today()
}

fn etag(r: &TravelRequest) -> Etag {
    Etag::for_version(&r.id, r.version)
}

fn audit_travel(
    c: &mut DbConnection,
    actor: &Actor,
    action: AuditAction,
    r: &TravelRequest,
    request_id: Option<&str>,
    changes: Value,
) -> Result<(), ApiError> {
    audit::append(
        c,
        NewEvent {
            actor,
            action,
            record_type: RecordKind::TravelRequest,
            record_id: &r.id,
            region_code: Some(&r.region_code),
            request_id,
            changes,
        },
    )?;
    Ok(())
}

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

/// Queues the request for `system` in the outbox, in the caller's transaction.
pub fn send_to(
    c: &mut DbConnection,
    r: &TravelRequest,
    rec: &mut TravelRecords,
    system: ExternalSystem,
    policy: &TravelPolicy,
) -> Result<(), ApiError> {
    let now = Utc::now().naive_utc();
    let id = uuid::Uuid::now_v7().to_string();
    if system == ExternalSystem::Simpel
        && (r.departs_on - today()).num_days() < i64::from(policy.simpel_lead_days)
    {
        rec.warnings.push(format!(
            "simpel_lead_time_missed: sent to SIMPEL {} days before departure; the limit is {} (DEFAULT)",
            (r.departs_on - today()).num_days(),
            policy.simpel_lead_days
        ));
    }
    let payload = PermitRequest {
        kind: "permit.requested".into(),
        message_id: id.clone(),
        system,
        callback_path: format!("/v1/integrations/{}/callbacks", system.slug()),
        travel_request: PermitSubject {
            id: r.id.clone(),
            region_code: r.region_code.clone(),
            trip_type: parse(&format!("\"{}\"", r.trip_type))?,
            purpose: r.purpose.clone(),
            destinations: parse(&r.destinations)?,
            departs_on: r.departs_on,
            returns_on: r.returns_on,
            funding: parse(&r.funding)?,
            travellers: parse(&r.travellers)?,
        },
        recommendation: rec.recommendation.clone(),
        permits: rec.permits.clone(),
    };
    outbox::enqueue(
        c,
        &Message {
            id: id.clone(),
            target: system.as_str().into(),
            kind: "permit.requested".into(),
            record_id: r.id.clone(),
            region_code: Some(r.region_code.clone()),
            payload: json_of(&payload)?,
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            last_status: None,
            created_at: now,
            updated_at: now,
            delivered_at: None,
        },
    )?;
    rec.sent.insert(system.as_str().into(), id);
    Ok(())
}

/// What became of an external decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    /// The request moved on.
    Applied,
    /// The request is past that stage or closed: nothing changed.
    Stale,
    /// It arrived before the request reached that stage; it is applied when it does.
    Deferred,
}

/// Applies `system`'s decision to `r` (in the caller's transaction): a grant moves the request
/// to the next permit (queued in the outbox) or to approved-to-depart; a refusal rejects it.
/// Decisions that arrived early for the next stage are applied in turn.
pub fn apply_decision(
    c: &mut DbConnection,
    r: &mut TravelRequest,
    system: ExternalSystem,
    decision: DecisionRecord,
    policy: &TravelPolicy,
    actor: &Actor,
    request_id: Option<&str>,
) -> Result<DecisionOutcome, ApiError> {
    let stage = stage_of(r);
    if stage != system.stage() {
        let reached = stage.is_final() || stage > system.stage();
        return Ok(if reached {
            DecisionOutcome::Stale
        } else {
            DecisionOutcome::Deferred
        });
    }
    let mut rec = records_of(r)?;
    let now = Utc::now().naive_utc();
    // Whatever was still waiting to go to this system is moot now.
    outbox::supersede(c, &r.id, system.as_str(), now)?;
    let granted = decision.decision == PermitDecision::Granted;
    rec.permits.insert(system.as_str().into(), decision.clone());
    let next = if granted {
        stage
            .after_permit()
            .unwrap_or(TravelStage::ApprovedToDepart)
    } else {
        rec.closing_note = Some(format!(
            "{} refused{}",
            system.as_str(),
            decision
                .note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ));
        TravelStage::Rejected
    };
    if let Some(s) = next.system() {
        send_to(c, r, &mut rec, s, policy)?;
    }
    let before = r.stage.clone();
    r.stage = next.as_str().into();
    r.records = json_of(&rec)?;
    r.version += 1;
    r.updated_at = now;
    if !travel::save(c, r, r.version - 1)? {
        return Err(ApiError::PreconditionFailed);
    }
    audit_travel(
        c,
        actor,
        if decision.manual {
            AuditAction::TravelRequestDecisionRecorded
        } else {
            AuditAction::TravelRequestDecisionReceived
        },
        r,
        request_id,
        json!({"stage": {"before": before, "after": r.stage},
               "permit": {"before": null, "after": {"system": system.as_str(), "decision": decision.decision,
                          "letter_number": decision.letter_number, "manual": decision.manual, "message_id": decision.message_id}}}),
    )?;
    // A decision for the next system may have come early.
    if let Some(s) = next.system() {
        for early in outbox::deferred_for(c, &r.id, s.as_str())? {
            let d: DecisionRecord = match serde_json::from_str::<Value>(&early.payload)
                .ok()
                .and_then(|v| v.get("decision_record").cloned())
                .and_then(|v| serde_json::from_value(v).ok())
            {
                Some(d) => d,
                None => continue,
            };
            let outcome = apply_decision(c, r, s, d, policy, actor, request_id)?;
            outbox::set_inbound_outcome(
                c,
                &early.system,
                &early.message_id,
                match outcome {
                    DecisionOutcome::Applied => "applied",
                    DecisionOutcome::Stale => "stale",
                    DecisionOutcome::Deferred => "deferred",
                },
            )?;
            break;
        }
    }
    Ok(DecisionOutcome::Applied)
}

fn find_visible(
    c: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<TravelRequest, ApiError> {
    travel::find(c, id, vis)?.ok_or(ApiError::not_found(RecordKind::TravelRequest, id.to_owned()))
}

fn build(
    c: &mut DbConnection,
    input: TravelRequestInput,
    vis: &Visibility,
) -> Result<TravelRequest, ApiError> {
    let region = RegionCode::parse(&input.region_code).map_err(|e| {
        invalid(
            "/region_code",
            "invalid_format",
            e.to_string(),
            "kode daerah tidak sah".into(),
        )
    })?;
    if reference::get_region(c, &region)?.is_none() {
        return Err(invalid(
            "/region_code",
            "unknown_region",
            "no such region".into(),
            "daerah tidak dikenal".into(),
        ));
    }
    for (i, d) in input.destinations.iter().enumerate() {
        let known = jalin_domain::CountryCode::parse(&d.country)
            .ok()
            .map(|code| reference::get_country(c, &code))
            .transpose()?
            .flatten();
        if known.is_none() {
            return Err(invalid(
                &format!("/destinations/{i}/country"),
                "unknown_country",
                "an ISO 3166-1 alpha-2 code of a known country".into(),
                "kode negara ISO 3166-1 alpha-2 yang dikenal".into(),
            ));
        }
        if d.country == "ID" {
            return Err(invalid(
                &format!("/destinations/{i}/country"),
                "not_abroad",
                "travel abroad goes outside Indonesia".into(),
                "perjalanan luar negeri ke luar Indonesia".into(),
            ));
        }
    }
    for (i, t) in input.travellers.iter().enumerate() {
        if t.nip
            .as_ref()
            .is_some_and(|n| n.len() != 18 || !n.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid(
                &format!("/travellers/{i}/nip"),
                "invalid_format",
                "18 digits".into(),
                "18 angka".into(),
            ));
        }
        if t.passport_number.as_ref().is_some_and(|p| {
            !(6..=12).contains(&p.len())
                || !p
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }) {
            return Err(invalid(
                &format!("/travellers/{i}/passport_number"),
                "invalid_format",
                "6 to 12 capital letters and digits".into(),
                "6 sampai 12 huruf kapital dan angka".into(),
            ));
        }
    }
    if input.funding.source == FundingSource::Sponsor
        && input
            .funding
            .sponsor
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
    {
        return Err(invalid(
            "/funding/sponsor",
            "required",
            "name the sponsor".into(),
            "sebutkan sponsornya".into(),
        ));
    }
    for (i, a) in input.agreement_ids.iter().enumerate() {
        let found = registry::find_agreement(c, a, vis)?;
        if found.is_none_or(|ag| ag.region != region) {
            return Err(invalid(
                &format!("/agreement_ids/{i}"),
                "unknown_agreement",
                "not an agreement of this region".into(),
                "bukan kerja sama daerah ini".into(),
            ));
        }
    }
    let now = Utc::now().naive_utc();
    Ok(TravelRequest {
        id: uuid::Uuid::now_v7().to_string(),
        province_code: region.province().to_string(),
        region_code: region.to_string(),
        trip_type: serde_json::to_value(input.trip_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        purpose: input.purpose.trim().to_owned(),
        destinations: json_of(&input.destinations)?,
        departs_on: input.departs_on,
        returns_on: input.returns_on,
        funding: json_of(&input.funding)?,
        agreement_ids: json_of(&input.agreement_ids)?,
        head_or_deputy: input.travellers.iter().any(|t| {
            matches!(
                t.category,
                TravellerCategory::HeadOfRegion | TravellerCategory::DeputyHeadOfRegion
            )
        }),
        travellers: json_of(&input.travellers)?,
        stage: TravelStage::Draft.as_str().into(),
        records: json_of(&TravelRecords::default())?,
        returned_on: None,
        report_due_on: None,
        created_by: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// Refuses what can never be submitted (dates, delegation size, personal-trip durations);
/// lead time and documents are checked at submission.
fn refuse_structural(issues: &[dt::TravelIssue]) -> Result<(), ApiError> {
    let hard: Vec<FieldIssue> = issues
        .iter()
        .filter(|i| i.code != "document_missing" && i.code != "lead_time_too_short")
        .map(|i| {
            FieldIssue::pointer(
                i.pointer,
                i.code,
                Text::new(i.message.clone(), i.message.clone()),
            )
        })
        .collect();
    if hard.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(hard))
    }
}

/// Draft a travel request.
#[utoipa::path(
    post,
    path = "/v1/travel-requests",
    operation_id = "createTravelRequest",
    tag = "travel",
    request_body = TravelRequestInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe.")),
    responses(
        (status = 201, description = "Drafted.", body = TravelRequestDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write"]))
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    body: ApiJson<TravelRequestInput>,
) -> Result<HttpResponse, ApiError> {
    let write = auth.may(Action::WriteTravel)?;
    let read = auth.may(Action::ReadAgreements)?;
    let personal = auth.0.visibility(Action::ReadTravellers);
    let actor = auth.actor();
    let policy = state.config.travel.clone();
    let input = body.value;
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        let region = RegionCode::parse(&input.region_code).ok();
        if !write.includes(region.as_ref()) {
            return Err(ApiError::Forbidden);
        }
        let mut r = build(c, input, &read)?;
        r.created_by = actor.name.clone();
        let (issues, _, _) = facts_checks(c, &r, &[], &policy, None)?;
        refuse_structural(&issues)?;
        travel::insert(c, &r)?;
        audit_travel(c, &actor, AuditAction::TravelRequestCreated, &r, Some(&rid.0),
            json!({"stage": {"before": null, "after": "draft"}, "departs_on": {"before": null, "after": r.departs_on}}))?;
        let shows = personal.as_ref().is_some_and(|v| v.includes(region.as_ref()));
        let body = serde_json::to_value(dto(c, &r, &policy, shows)?)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", etag(&r).as_str())
            .header("location", format!("/v1/travel-requests/{}", r.id)))
    })
    .await
}

/// Travel requests in your scope, by id; personal data is never in lists.
#[utoipa::path(
    get,
    path = "/v1/travel-requests",
    operation_id = "listTravelRequests",
    tag = "travel",
    params(TravelQuery),
    responses(
        (status = 200, description = "A page of requests.", body = TravelRequestPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<TravelQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let q = query.0;
    let region = region_param("region", q.region.as_deref())?;
    let page = PageRequest::new("travel-requests", q.limit, q.cursor.as_deref())?;
    let policy = state.config.travel.clone();
    let p = page.clone();
    let stage = q.stage;
    let items = state
        .db(move |c| {
            let rows = travel::list(
                c,
                &vis,
                stage.map(|s| s.as_str()),
                region.as_ref().map(|r| r.as_str()),
                p.after.as_deref(),
                p.fetch(),
            )?;
            rows.iter()
                .map(|r| dto(c, r, &policy, false))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let (items, next_cursor) = page.page(items, |r| r.id.clone());
    Ok(HttpResponse::Ok().json(TravelRequestPage { items, next_cursor }))
}

/// A travel request. With `travel:personal_data` the travellers' NIP and passport numbers are
/// shown, and the read is audited.
#[utoipa::path(
    get,
    path = "/v1/travel-requests/{id}",
    operation_id = "getTravelRequest",
    tag = "travel",
    params(("id" = String, Path, description = "Travel request id.")),
    responses(
        (status = 200, description = "The request.", body = TravelRequestDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let personal = auth.0.visibility(Action::ReadTravellers);
    let actor = auth.actor();
    let policy = state.config.travel.clone();
    let id = path.into_inner();
    let (r, body) = state
        .write(move |c| {
            let r = find_visible(c, &id, &vis)?;
            let region = RegionCode::parse(&r.region_code).ok();
            let shows = personal
                .as_ref()
                .is_some_and(|v| v.includes(region.as_ref()));
            if shows {
                audit_travel(
                    c,
                    &actor,
                    AuditAction::TravelRequestPersonalDataRead,
                    &r,
                    Some(&rid.0),
                    json!({}),
                )?;
            }
            let body = dto(c, &r, &policy, shows)?;
            Ok((r, body))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&r).as_str()))
        .json(body))
}

/// Replace a draft; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/travel-requests/{id}",
    operation_id = "updateTravelRequest",
    tag = "travel",
    request_body = TravelRequestInput,
    params(
        ("id" = String, Path, description = "Travel request id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Changed.", body = TravelRequestDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write"]))
)]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<TravelRequestInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteTravel)?;
    let personal = auth.0.visibility(Action::ReadTravellers);
    let actor = auth.actor();
    let policy = state.config.travel.clone();
    let id = path.into_inner();
    let input = body.value;
    let (r, body) = state
        .write(move |c| {
            let old = find_visible(c, &id, &read)?;
            let region = RegionCode::parse(&old.region_code).ok();
            if !write.includes(region.as_ref()) {
                return Err(ApiError::Forbidden);
            }
            if input.region_code != old.region_code {
                return Err(invalid(
                    "/region_code",
                    "immutable",
                    "the region is fixed once created".into(),
                    "daerah tidak dapat diubah".into(),
                ));
            }
            let mut new = build(c, input, &read)?;
            if_match.check(&etag(&old))?;
            if stage_of(&old) != TravelStage::Draft {
                return Err(ApiError::Conflict {
                    code: "travel_not_draft",
                    detail: Text::new(
                        "Only a draft can be changed.",
                        "Hanya draf yang dapat diubah.",
                    ),
                });
            }
            new.id = old.id.clone();
            new.created_by = old.created_by.clone();
            new.created_at = old.created_at;
            new.version = old.version + 1;
            let (issues, _, _) = facts_checks(c, &new, &[], &policy, None)?;
            refuse_structural(&issues)?;
            if !travel::save(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit_travel(
                c,
                &actor,
                AuditAction::TravelRequestUpdated,
                &new,
                Some(&rid.0),
                json!({"purpose": {"before": old.purpose, "after": new.purpose},
                       "departs_on": {"before": old.departs_on, "after": new.departs_on},
                       "returns_on": {"before": old.returns_on, "after": new.returns_on}}),
            )?;
            let shows = personal
                .as_ref()
                .is_some_and(|v| v.includes(region.as_ref()));
            let body = dto(c, &new, &policy, shows)?;
            Ok((new, body))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&r).as_str()))
        .json(body))
}

/// The multipart form of a travel document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TravelUploadForm {
    /// The file: PDF, DOCX, ODT, JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    kind: TravelDocumentKind,
}

/// Attach a document to a travel request (multipart: `file`, `kind`).
#[utoipa::path(
    post,
    path = "/v1/travel-requests/{id}/documents",
    operation_id = "uploadTravelDocument",
    tag = "travel",
    params(("id" = String, Path, description = "Travel request id.")),
    request_body(content = TravelUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored.", body = TravelDocumentDto),
        (status = 409, response = Conflict),
        (status = 413, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write"]))
)]
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    rid: RequestId,
    path: web::Path<String>,
    payload: Option<Multipart>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    // Writers attach drafting documents; officers who record decisions attach their letters.
    let write = auth
        .may(Action::WriteTravel)
        .or_else(|_| auth.may(Action::RecordTravelDecisions))?;
    let id = path.into_inner();
    let lookup = (id.clone(), read.clone());
    let r = state
        .db(move |c| find_visible(c, &lookup.0, &lookup.1))
        .await?;
    if !write.includes(RegionCode::parse(&r.region_code).ok().as_ref()) {
        return Err(ApiError::Forbidden);
    }
    let mut up = crate::routes::documents::receive(
        &req,
        payload,
        state.config.document_max_bytes,
        &["kind"],
    )
    .await?;
    let kind_text = up.fields.remove("kind").unwrap_or_default();
    let kind: TravelDocumentKind = serde_json::from_value(Value::String(kind_text.clone()))
        .map_err(|_| {
            invalid(
                "/kind",
                "invalid_value",
                "a travel document kind (see TravelDocumentKind)".into(),
                "jenis dokumen perjalanan".into(),
            )
        })?;
    let doc_id = uuid::Uuid::now_v7().to_string();
    let key = format!("travel/{id}/{doc_id}");
    let size = up.file.len() as i64;
    state.storage.put_new(&key, up.file.clone()).await?;
    let doc = TravelDocument {
        id: doc_id,
        travel_request_id: id.clone(),
        kind: kind.as_str().into(),
        name: up.name.clone(),
        media_type: up.media_type.into(),
        size_bytes: size,
        sha256: up.sha256.clone(),
        storage_key: key.clone(),
        uploaded_by: auth.0.name.clone(),
        uploaded_at: Utc::now().naive_utc(),
    };
    let actor = auth.actor();
    let saved = doc.clone();
    let result = state
        .write(move |c| {
            let r = find_visible(c, &saved.travel_request_id, &read)?;
            if stage_of(&r).is_final() {
                return Err(ApiError::Conflict {
                    code: "travel_closed",
                    detail: Text::new("The request is closed.", "Permohonan sudah ditutup."),
                });
            }
            travel::insert_document(c, &saved)?;
            audit_travel(c, &actor, AuditAction::TravelRequestDocumentUploaded, &r, Some(&rid.0),
                json!({"document": {"before": null, "after": {"id": saved.id, "kind": saved.kind, "sha256": saved.sha256}}}))?;
            Ok(())
        })
        .await;
    if let Err(e) = result {
        state.storage.delete(&key).await;
        return Err(e);
    }
    Ok(HttpResponse::Created().json(TravelDocumentDto {
        id: doc.id,
        kind,
        name: doc.name,
        media_type: doc.media_type,
        size_bytes: doc.size_bytes,
        sha256: doc.sha256,
        uploaded_by: doc.uploaded_by,
        uploaded_at: doc.uploaded_at.and_utc(),
    }))
}

fn state_conflict(stage: TravelStage, what: &str) -> ApiError {
    ApiError::Conflict {
        code: "travel_stage",
        detail: Text::new(
            format!("The request is at `{}`: {what}.", stage.as_str()),
            format!("Permohonan berada pada tahap `{}`: {what}.", stage.as_str()),
        ),
    }
}

/// Take a step: submit, recommend (province), reject, cancel, record an external decision by
/// hand (manual path, with the scanned letter), record the return. Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/travel-requests/{id}/actions",
    operation_id = "actOnTravelRequest",
    tag = "travel",
    request_body = TravelActionInput,
    params(
        ("id" = String, Path, description = "Travel request id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "The request after the step.", body = TravelRequestDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write", "travel:recommend", "travel:decide"]))
)]
pub async fn act(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<TravelActionInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let input = body.value;
    let needed = match input.action {
        TravelActionKind::Submit | TravelActionKind::Cancel | TravelActionKind::RecordReturn => {
            Action::WriteTravel
        }
        TravelActionKind::Recommend | TravelActionKind::Reject => Action::RecommendTravel,
        TravelActionKind::RecordDecision => Action::RecordTravelDecisions,
    };
    let allowed = auth.may(needed)?;
    let personal = auth.0.visibility(Action::ReadTravellers);
    let actor = auth.actor();
    let policy = state.config.travel.clone();
    let id = path.into_inner();
    let (r, body) = state
        .write(move |c| {
            let mut r = find_visible(c, &id, &read)?;
            let region = RegionCode::parse(&r.region_code).ok();
            if !allowed.includes(region.as_ref()) {
                return Err(ApiError::Forbidden);
            }
            let stage = stage_of(&r);
            let mut rec = records_of(&r)?;
            let now = Utc::now();
            let need_note = || {
                input.note.clone().ok_or_else(|| invalid("/note", "required", "say why".into(), "sebutkan alasannya".into()))
            };
            let letter = || -> Result<(String, NaiveDate), ApiError> {
                match (&input.letter_number, input.letter_date) {
                    (Some(n), Some(d)) => Ok((n.clone(), d)),
                    _ => Err(invalid("/letter_number", "required", "the letter's number and date".into(), "nomor dan tanggal surat".into())),
                }
            };
            if_match.check(&etag(&r))?;
            let before = r.stage.clone();
            let mut outcome_changes = json!({});
            match input.action {
                TravelActionKind::Submit => {
                    if stage != TravelStage::Draft {
                        return Err(state_conflict(stage, "only a draft is submitted"));
                    }
                    let docs = travel::documents(c, &r.id)?;
                    let (issues, _, _) = facts_checks(c, &r, &docs, &policy, Some(today()))?;
                    if !issues.is_empty() {
                        return Err(ApiError::Validation(
                            issues.into_iter()
                                .map(|i| FieldIssue::pointer(i.pointer, i.code, Text::new(i.message.clone(), i.message)))
                                .collect(),
                        ));
                    }
                    rec.submitted_at = Some(now);
                    rec.submitted_by = Some(actor.name.clone());
                    r.stage = TravelStage::Submitted.as_str().into();
                }
                TravelActionKind::Recommend => {
                    if stage != TravelStage::Submitted {
                        return Err(state_conflict(stage, "only a submitted request is recommended"));
                    }
                    let (number, date) = letter()?;
                    rec.recommendation = Some(DecisionRecord {
                        decision: PermitDecision::Granted,
                        letter_number: Some(number),
                        letter_date: Some(date),
                        note: input.note.clone(),
                        manual: true,
                        document_id: input.document_id.clone(),
                        message_id: None,
                        recorded_by: actor.name.clone(),
                        recorded_at: now,
                    });
                    r.stage = TravelStage::KemendagriPermit.as_str().into();
                    send_to(c, &r, &mut rec, ExternalSystem::Siola, &policy)?;
                }
                TravelActionKind::Reject => {
                    if stage != TravelStage::Submitted {
                        return Err(state_conflict(stage, "only a submitted request is refused by the province"));
                    }
                    rec.closing_note = Some(need_note()?);
                    r.stage = TravelStage::Rejected.as_str().into();
                }
                TravelActionKind::Cancel => {
                    if stage.is_final() || stage >= TravelStage::Returned {
                        return Err(state_conflict(stage, "a closed or completed trip cannot be cancelled"));
                    }
                    rec.closing_note = Some(need_note()?);
                    for s in ExternalSystem::ALL {
                        outbox::supersede(c, &r.id, s.as_str(), now.naive_utc())?;
                    }
                    r.stage = TravelStage::Cancelled.as_str().into();
                }
                TravelActionKind::RecordReturn => {
                    if stage != TravelStage::ApprovedToDepart {
                        return Err(state_conflict(stage, "only an approved trip returns"));
                    }
                    let back = input.returned_on.ok_or_else(|| invalid("/returned_on", "required", "the date of return".into(), "tanggal kembali".into()))?;
                    if back < r.departs_on || back > today() {
                        return Err(invalid("/returned_on", "out_of_range", "between departure and today".into(), "antara keberangkatan dan hari ini".into()));
                    }
                    r.returned_on = Some(back);
                    r.report_due_on = Some(dt::report_due(back, &policy));
                    r.stage = TravelStage::Returned.as_str().into();
                }
                TravelActionKind::RecordDecision => {
                    let system = input.system.ok_or_else(|| invalid("/system", "required", "siola, simpel or exit_permit".into(), "siola, simpel atau exit_permit".into()))?;
                    let decision = input.decision.ok_or_else(|| invalid("/decision", "required", "granted or rejected".into(), "granted atau rejected".into()))?;
                    let (number, date) = letter()?;
                    let doc = input.document_id.clone().ok_or_else(|| invalid("/document_id", "required", "the scanned letter: a document of kind decision_letter on this request".into(), "pindaian surat: dokumen jenis decision_letter".into()))?;
                    let ok = travel::documents(c, &r.id)?.iter().any(|d| d.id == doc && d.kind == "decision_letter");
                    if !ok {
                        return Err(invalid("/document_id", "unknown_document", "not a decision_letter document of this request".into(), "bukan dokumen decision_letter permohonan ini".into()));
                    }
                    if stage != system.stage() {
                        return Err(state_conflict(stage, "that system does not decide this stage"));
                    }
                    let record = DecisionRecord {
                        decision,
                        letter_number: Some(number),
                        letter_date: Some(date),
                        note: input.note.clone(),
                        manual: true,
                        document_id: Some(doc),
                        message_id: None,
                        recorded_by: actor.name.clone(),
                        recorded_at: now,
                    };
                    apply_decision(c, &mut r, system, record, &policy, &actor, Some(&rid.0))?;
                    let region = RegionCode::parse(&r.region_code).ok();
                    let shows = personal.as_ref().is_some_and(|v| v.includes(region.as_ref()));
                    let body = dto(c, &r, &policy, shows)?;
                    return Ok((r, body));
                }
            }
            outcome_changes["stage"] = json!({"before": before, "after": r.stage});
            r.records = json_of(&rec)?;
            r.version += 1;
            r.updated_at = now.naive_utc();
            if !travel::save(c, &r, r.version - 1)? {
                return Err(ApiError::PreconditionFailed);
            }
            let name = match input.action {
                TravelActionKind::Submit => AuditAction::TravelRequestSubmitted,
                TravelActionKind::Recommend => AuditAction::TravelRequestRecommended,
                TravelActionKind::Reject => AuditAction::TravelRequestRejected,
                TravelActionKind::Cancel => AuditAction::TravelRequestCancelled,
                TravelActionKind::RecordReturn => AuditAction::TravelRequestReturned,
                TravelActionKind::RecordDecision => AuditAction::TravelRequestDecisionRecorded,
            };
            audit_travel(c, &actor, name, &r, Some(&rid.0), outcome_changes)?;
            let shows = personal.as_ref().is_some_and(|v| v.includes(region.as_ref()));
            let body = dto(c, &r, &policy, shows)?;
            Ok((r, body))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&r).as_str()))
        .json(body))
}

/// File the trip report (the structure of seed 001) after return: the request closes, the
/// report becomes an `outgoing_visit` activity of the first linked agreement, and a report later
/// than the configured days after return is marked late. Requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/travel-requests/{id}/trip-report",
    operation_id = "putTripReport",
    tag = "travel",
    request_body = TripReportInput,
    params(
        ("id" = String, Path, description = "Travel request id."),
        ("If-Match" = String, Header, description = "The request's ETag."),
    ),
    responses(
        (status = 200, description = "Filed; the request is closed.", body = TravelRequestDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write"]))
)]
pub async fn trip_report(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<TripReportInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteTravel)?;
    let personal = auth.0.visibility(Action::ReadTravellers);
    let actor = auth.actor();
    let policy = state.config.travel.clone();
    let monitoring = state.config.monitoring.clone();
    let today = state.clock.today();
    let id = path.into_inner();
    let input = body.value;
    let (r, body) = state
        .write(move |c| {
            let mut r = find_visible(c, &id, &read)?;
            let region = RegionCode::parse(&r.region_code).ok();
            if !write.includes(region.as_ref()) {
                return Err(ApiError::Forbidden);
            }
            if_match.check(&etag(&r))?;
            let stage = stage_of(&r);
            if stage != TravelStage::Returned {
                return Err(state_conflict(stage, "the report follows the recorded return"));
            }
            let now = Utc::now();
            let late = r.report_due_on.is_some_and(|d| today > d);
            let agreements: Vec<String> = parse(&r.agreement_ids)?;
            let mut activity_id = None;
            if let Some(aid) = agreements.first() {
                if let Some(a) = registry::find_agreement(c, aid, &Visibility::All)? {
                    let destinations: Vec<Destination> = parse(&r.destinations)?;
                    let travellers: Vec<Traveller> = parse(&r.travellers)?;
                    let act = Activity {
                        id: uuid::Uuid::now_v7().to_string(),
                        agreement_id: a.id.clone(),
                        kind: "outgoing_visit".into(),
                        title: format!("Perjalanan dinas luar negeri: {}", r.purpose.chars().take(250).collect::<String>()),
                        description: Some(format!("Dasar: {}\nMaksud dan tujuan: {}\nKegiatan: {}", input.basis, input.purpose, input.activities)),
                        starts_on: r.departs_on,
                        ends_on: r.returned_on.or(Some(r.returns_on)),
                        location: Some(destinations.iter().map(|d| format!("{}, {}", d.city, d.country)).collect::<Vec<_>>().join("; ")),
                        participants: json_of(&travellers.iter().map(|t| format!("{} ({})", t.name, t.position)).collect::<Vec<_>>())?,
                        outputs: Some(format!("Hasil: {}\nKesimpulan: {}", input.results, input.conclusion)),
                        amount: None,
                        currency: None,
                        exchange_rate: None,
                        rate_date: None,
                        rate_source: None,
                        idr_equivalent: None,
                        document_ids: "[]".into(),
                        plan_items: "[]".into(),
                        indicator_values: "[]".into(),
                        created_by: actor.name.clone(),
                        version: 1,
                        created_at: now.naive_utc(),
                        updated_at: now.naive_utc(),
                    };
                    activities::insert(c, &act)?;
                    crate::jobs::revive(c, &a, act.starts_on, &monitoring, today, &actor, Some(&rid.0))?;
                    audit::append(c, NewEvent {
                        actor: &actor,
                        action: AuditAction::ActivityCreated,
                        record_type: RecordKind::Agreement,
                        record_id: &a.id,
                        region_code: Some(a.region.as_str()),
                        request_id: Some(&rid.0),
                        changes: json!({"activity": {"before": null, "after": {"id": act.id, "kind": act.kind, "from_travel_request": r.id}}}),
                    })?;
                    activity_id = Some(act.id);
                }
            }
            let mut rec = records_of(&r)?;
            rec.report = Some(TripReport {
                report: input,
                submitted_by: actor.name.clone(),
                submitted_at: now,
                late,
                activity_id,
            });
            r.stage = TravelStage::Closed.as_str().into();
            r.records = json_of(&rec)?;
            r.version += 1;
            r.updated_at = now.naive_utc();
            if !travel::save(c, &r, r.version - 1)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit_travel(c, &actor, AuditAction::TravelRequestReported, &r, Some(&rid.0),
                json!({"stage": {"before": "returned", "after": "closed"}, "late": {"before": null, "after": late}}))?;
            let shows = personal.as_ref().is_some_and(|v| v.includes(region.as_ref()));
            let body = dto(c, &r, &policy, shows)?;
            Ok((r, body))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&r).as_str()))
        .json(body))
}

/// The PDLN workflow definition: its stages in order, who acts, which system decides, and the
/// legal source of each.
#[derive(Serialize, ToSchema)]
pub struct TravelDefinition {
    #[schema(example = "pdln-v1")]
    pub id: String,
    pub stages: Vec<dt::TravelStageDefinition>,
    /// The limits in force (configuration; `GET /v1/settings`).
    pub lead_days_kemendagri: u32,
    pub lead_days_simpel: u32,
    pub delegation_cap: u32,
    pub report_days: u32,
}

/// The travel-permit workflow definition (version 1) with the limits in force.
#[utoipa::path(
    get,
    path = "/v1/travel-definition",
    operation_id = "getTravelDefinition",
    tag = "travel",
    responses(
        (status = 200, description = "The definition.", body = TravelDefinition),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn definition(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadReference)?;
    let p = &state.config.travel;
    Ok(HttpResponse::Ok().json(TravelDefinition {
        id: "pdln-v1".into(),
        stages: dt::definition(),
        lead_days_kemendagri: p.kemendagri_lead_days,
        lead_days_simpel: p.simpel_lead_days,
        delegation_cap: p.delegation_cap,
        report_days: p.report_days,
    }))
}
