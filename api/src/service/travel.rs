//! Official travel permits (PDLN): drafting, checks, the permit stages, the trip report. The
//! stages are the domain's state machine ([`TravelStage::after`]); this module loads a request,
//! gathers what a step needs to know, saves the step with its outbox messages and audits it.

use jalin_domain::Date;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::travel::{
    self as dt, arrival, Arrival, Effect, ExternalSystem, FundingSource, LetterScan, OtherTrip,
    PermitDecision, Step, StepFacts, TravelActionKind, TravelDocumentKind, TravelEvent,
    TravelPolicy, TravelStage, TravellerCategory, TripFacts, TripType,
};
use jalin_domain::{AuditAction, CountryCode, RecordKind, RegionCode, Violation};
use jalin_persistence::activities::{self, Activity};
use jalin_persistence::outbox;
use jalin_persistence::travel::{self, TravelDocument, TravelRequest};
use jalin_persistence::{reference, registry, DbConnection};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::documents::{StoredFile, Upload};
use super::{changes, integrations, Ctx};
use crate::auth::Authenticated;
use crate::config::Config;
use crate::error::ApiError;
use crate::reply::{OrNotFound, Versioned};

crate::versioned!(TravelRequest);

crate::filed!(TravelRequest => TravelRequest(id), region_code);

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
    pub departs_on: Date,
    pub returns_on: Date,
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
    pub letter_date: Option<Date>,
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

/// One step of a travel request; which fields are needed depends on `action`.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"action": "recommend", "letter_number": "094/2345/Biro Pemotda", "letter_date": "2027-01-15"}))]
pub struct TravelActionInput {
    pub action: TravelActionKind,
    /// `recommend`, `record_decision`.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub letter_number: Option<String>,
    pub letter_date: Option<Date>,
    /// `record_decision`: whose decision.
    pub system: Option<ExternalSystem>,
    /// `record_decision`.
    pub decision: Option<PermitDecision>,
    /// `record_decision`: the scanned letter (a document of kind `decision_letter`).
    pub document_id: Option<String>,
    /// `record_return`.
    pub returned_on: Option<Date>,
    /// Required for `reject` and `cancel`.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

/// Where the caller reaches: it reads requests in `read` (another region's is a 404), takes the
/// step at hand in `act` (elsewhere a 403) and sees travellers' personal data in `personal`.
#[derive(Debug, Clone)]
pub struct Reach {
    pub read: Visibility,
    pub act: Option<Visibility>,
    pub personal: Option<Visibility>,
}

impl Reach {
    /// A reader (403 without `agreements:read`).
    pub fn reading(auth: &Authenticated) -> Result<Reach, ApiError> {
        Ok(Reach {
            read: auth.may(Action::ReadAgreements)?,
            act: None,
            personal: auth.0.visibility(Action::ReadTravellers),
        })
    }

    /// A reader acting with `action` (403 without it).
    pub fn acting(auth: &Authenticated, action: Action) -> Result<Reach, ApiError> {
        let read = Reach::reading(auth)?;
        Ok(Reach {
            act: Some(auth.may(action)?),
            ..read
        })
    }

    fn may_act(&self, region: Option<&RegionCode>) -> Result<(), ApiError> {
        match &self.act {
            Some(v) if v.includes(region) => Ok(()),
            _ => Err(ApiError::Forbidden),
        }
    }

    fn sees_personal_data(&self, region: &RegionCode) -> bool {
        self.personal
            .as_ref()
            .is_some_and(|v| v.includes(Some(region)))
    }
}

/// A stored request with its JSON parts read.
#[derive(Debug, Clone)]
pub struct Trip {
    pub row: TravelRequest,
    pub region: RegionCode,
    pub destinations: Vec<Destination>,
    pub funding: Funding,
    pub agreement_ids: Vec<String>,
    pub travellers: Vec<Traveller>,
    pub records: TravelRecords,
}

/// A stored part that does not read back is an error (logged with its cause), never a default.
fn stored<T: DeserializeOwned>(row: &TravelRequest, what: &str, v: &Value) -> Result<T, ApiError> {
    T::deserialize(v)
        .map_err(|e| ApiError::internal(format!("stored travel request {}: {what}: {e}", row.id)))
}

/// Plain data (no maps with non-string keys) always serializes.
fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl Trip {
    pub fn read(row: TravelRequest) -> Result<Trip, ApiError> {
        let region = RegionCode::parse(&row.region_code).map_err(|e| {
            ApiError::internal(format!("stored travel request {}: region: {e}", row.id))
        })?;
        Ok(Trip {
            region,
            destinations: stored(&row, "destinations", &row.destinations)?,
            funding: stored(&row, "funding", &row.funding)?,
            agreement_ids: stored(&row, "agreement_ids", &row.agreement_ids)?,
            travellers: stored(&row, "travellers", &row.travellers)?,
            records: stored(&row, "records", &row.records)?,
            row,
        })
    }

    /// What a step knows besides its event, on the region's own calendar day.
    fn step_facts<'a>(&self, ctx: &Ctx, policy: &'a TravelPolicy) -> StepFacts<'a> {
        StepFacts {
            today: ctx.clock.today_in(&self.region),
            departs_on: self.row.departs_on,
            report_due_on: self.row.report_due_on,
            policy,
        }
    }
}

/// What the checks need to know of a request besides the request itself.
struct Known {
    categories: Vec<TravellerCategory>,
    documents: Vec<TravelDocumentKind>,
    relations: bool,
    overlapping: Option<OtherTrip>,
}

impl Known {
    fn gather(c: &mut DbConnection, t: &Trip, docs: &[TravelDocument]) -> Result<Known, ApiError> {
        let mut relations = true;
        for d in &t.destinations {
            let code =
                CountryCode::parse(&d.country).map_err(|e| ApiError::internal(e.to_string()))?;
            relations &= reference::get_country(c, &code)?.is_some_and(|x| x.diplomatic_relations);
        }
        let r = &t.row;
        let overlapping = match r.head_or_deputy {
            true => travel::head_or_deputy_overlapping(
                c,
                &r.region_code,
                &r.id,
                r.departs_on,
                r.returns_on,
            )?
            .into_iter()
            .next()
            .map(|o| OtherTrip {
                id: o.id,
                departs_on: o.departs_on,
                returns_on: o.returns_on,
            }),
            false => None,
        };
        Ok(Known {
            categories: t.travellers.iter().map(|x| x.category).collect(),
            documents: docs.iter().map(|d| d.kind).collect(),
            relations,
            overlapping,
        })
    }

    fn facts<'a>(&'a self, t: &Trip) -> TripFacts<'a> {
        TripFacts {
            trip_type: t.row.trip_type,
            departs_on: t.row.departs_on,
            returns_on: t.row.returns_on,
            travellers: &self.categories,
            sponsored: t.funding.source == FundingSource::Sponsor,
            all_countries_have_relations: self.relations,
            documents: &self.documents,
            overlapping: self.overlapping.as_ref(),
        }
    }
}

/// A request as shown: its documents, the documents it needs, and what would stop a draft from
/// being submitted today.
#[derive(Debug, Clone)]
pub struct TripView {
    pub trip: Trip,
    pub documents: Vec<TravelDocument>,
    pub required: Vec<TravelDocumentKind>,
    pub issues: Vec<Violation>,
    pub report_late: bool,
    /// Whether the travellers' NIP and passport numbers are shown.
    pub personal: bool,
}

impl Versioned for TripView {
    fn id(&self) -> &str {
        &self.trip.row.id
    }
    fn version(&self) -> i64 {
        self.trip.row.version
    }
}

/// The representation; personal data only when `personal` (the caller audits that read).
fn view(
    c: &mut DbConnection,
    ctx: &Ctx,
    policy: &TravelPolicy,
    mut t: Trip,
    personal: bool,
) -> Result<TripView, ApiError> {
    let documents = travel::documents(c, &t.row.id)?;
    let known = Known::gather(c, &t, &documents)?;
    let facts = known.facts(&t);
    let today = ctx.clock.today_in(&t.region);
    let stage = t.row.stage;
    let issues = match stage {
        TravelStage::Draft => dt::check(&facts, policy, today),
        _ => Vec::new(),
    };
    let required = dt::required_documents(&facts);
    let report_late =
        stage == TravelStage::Returned && t.row.report_due_on.is_some_and(|d| d < today);
    if !personal {
        for x in &mut t.travellers {
            x.nip = None;
            x.passport_number = None;
        }
    }
    Ok(TripView {
        trip: t,
        documents,
        required,
        issues,
        report_late,
        personal,
    })
}

/// The representation for this caller.
fn show(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    config: &Config,
    t: Trip,
) -> Result<TripView, ApiError> {
    let personal = reach.sees_personal_data(&t.region);
    view(c, ctx, &config.travel, t, personal)
}

/// The request `id` within the caller's reading reach (another region's is a 404).
fn load(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<Trip, ApiError> {
    Trip::read(travel::find(c, id, vis)?.or_not_found(RecordKind::TravelRequest, id)?)
}

/// The request `id`, if the caller may also act on it (403 otherwise).
pub fn load_acting(c: &mut DbConnection, reach: &Reach, id: &str) -> Result<Trip, ApiError> {
    let t = load(c, &reach.read, id)?;
    reach.may_act(Some(&t.region))?;
    Ok(t)
}

/// Any request, for the systems' callbacks (they answer about requests of every region).
pub(crate) fn load_any(c: &mut DbConnection, id: &str) -> Result<Trip, ApiError> {
    load(c, &Visibility::All, id)
}

/// Writes the trip's records and a new version, if no one changed it meanwhile.
pub(crate) fn store(c: &mut DbConnection, ctx: &Ctx, t: &mut Trip) -> Result<(), ApiError> {
    t.row.records = to_value(&t.records);
    ctx.save_revision(c, &mut t.row, travel::save)?;
    Ok(())
}

/// Stores the trip and appends its audit event, in the caller's transaction.
fn save(
    c: &mut DbConnection,
    ctx: &Ctx,
    t: &mut Trip,
    action: AuditAction,
    changes: Value,
) -> Result<(), ApiError> {
    store(c, ctx, t)?;
    ctx.audit_change(c, action, &t.row, changes)
}

/// The region of a new request: well-formed and known.
fn region_of(c: &mut DbConnection, code: &str) -> Result<RegionCode, ApiError> {
    let region = super::region_code(code)?;
    if reference::get_region(c, &region)?.is_none() {
        return Err(ApiError::invalid(
            "/region_code",
            "unknown_region",
            "no such region",
            "daerah tidak dikenal",
        ));
    }
    Ok(region)
}

/// Every destination is a known country other than Indonesia.
fn check_destinations(c: &mut DbConnection, destinations: &[Destination]) -> Result<(), ApiError> {
    for (i, d) in destinations.iter().enumerate() {
        let at = format!("/destinations/{i}/country");
        let known = match CountryCode::parse(&d.country) {
            Ok(code) => reference::get_country(c, &code)?.is_some(),
            Err(_) => false,
        };
        if !known {
            return Err(ApiError::invalid(
                &at,
                "unknown_country",
                "an ISO 3166-1 alpha-2 code of a known country",
                "kode negara ISO 3166-1 alpha-2 yang dikenal",
            ));
        }
        if d.country == "ID" {
            return Err(ApiError::invalid(
                &at,
                "not_abroad",
                "travel abroad goes outside Indonesia",
                "perjalanan luar negeri ke luar Indonesia",
            ));
        }
    }
    Ok(())
}

/// NIP: 18 digits; passport: 6 to 12 capital letters and digits.
fn check_travellers(travellers: &[Traveller]) -> Result<(), ApiError> {
    for (i, t) in travellers.iter().enumerate() {
        let nip_ok = |n: &String| n.len() == 18 && n.bytes().all(|b| b.is_ascii_digit());
        if t.nip.as_ref().is_some_and(|n| !nip_ok(n)) {
            return Err(ApiError::invalid(
                &format!("/travellers/{i}/nip"),
                "invalid_format",
                "18 digits",
                "18 angka",
            ));
        }
        let passport_ok = |p: &String| {
            (6..=12).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        };
        if t.passport_number.as_ref().is_some_and(|p| !passport_ok(p)) {
            return Err(ApiError::invalid(
                &format!("/travellers/{i}/passport_number"),
                "invalid_format",
                "6 to 12 capital letters and digits",
                "6 sampai 12 huruf kapital dan angka",
            ));
        }
    }
    Ok(())
}

/// The sponsor is named when one pays; the agreements are the region's own.
fn check_funding_and_agreements(
    c: &mut DbConnection,
    read: &Visibility,
    region: &RegionCode,
    input: &TravelRequestInput,
) -> Result<(), ApiError> {
    let f = &input.funding;
    if f.source == FundingSource::Sponsor
        && f.sponsor.as_deref().is_none_or(|s| s.trim().is_empty())
    {
        return Err(ApiError::invalid(
            "/funding/sponsor",
            "required",
            "name the sponsor",
            "sebutkan sponsornya",
        ));
    }
    for (i, a) in input.agreement_ids.iter().enumerate() {
        if registry::find_agreement(c, a, read)?.is_none_or(|ag| ag.region != *region) {
            return Err(ApiError::invalid(
                &format!("/agreement_ids/{i}"),
                "unknown_agreement",
                "not an agreement of this region",
                "bukan kerja sama daerah ini",
            ));
        }
    }
    Ok(())
}

/// A draft from the input, once every part of it holds; the structural checks (dates,
/// delegation, head and deputy, personal-trip length) run on it afterwards.
fn draft(
    c: &mut DbConnection,
    ctx: &Ctx,
    read: &Visibility,
    input: TravelRequestInput,
) -> Result<Trip, ApiError> {
    let region = region_of(c, &input.region_code)?;
    check_destinations(c, &input.destinations)?;
    check_travellers(&input.travellers)?;
    check_funding_and_agreements(c, read, &region, &input)?;
    let now = ctx.now();
    let row = TravelRequest {
        id: uuid::Uuid::now_v7().to_string(),
        region_code: region.to_string(),
        province_code: region.province().to_string(),
        trip_type: input.trip_type,
        purpose: input.purpose.trim().to_owned(),
        destinations: to_value(&input.destinations),
        departs_on: *input.departs_on,
        returns_on: *input.returns_on,
        funding: to_value(&input.funding),
        agreement_ids: to_value(&input.agreement_ids),
        travellers: to_value(&input.travellers),
        head_or_deputy: input.travellers.iter().any(|t| t.category.heads_region()),
        stage: TravelStage::Draft,
        records: to_value(&TravelRecords::default()),
        returned_on: None,
        report_due_on: None,
        created_by: ctx.actor.name.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    Trip::read(row)
}

/// What can never be submitted is refused at once; lead time and documents wait for submission.
fn refuse_structural(
    c: &mut DbConnection,
    t: &Trip,
    policy: &TravelPolicy,
) -> Result<(), ApiError> {
    let known = Known::gather(c, t, &[])?;
    jalin_domain::violation::verdict(dt::check_draft(&known.facts(t), policy))?;
    Ok(())
}

/// The audited content of a draft (no personal data).
fn fields(t: &Trip) -> Value {
    let r = &t.row;
    json!({
        "stage": r.stage.as_str(), "trip_type": r.trip_type.as_str(), "purpose": r.purpose,
        "destinations": r.destinations, "departs_on": r.departs_on, "returns_on": r.returns_on,
        "funding": r.funding, "agreement_ids": r.agreement_ids,
    })
}

/// Drafts a request in a region the caller may act in.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    config: &Config,
    input: TravelRequestInput,
) -> Result<TripView, ApiError> {
    reach.may_act(RegionCode::parse(&input.region_code).ok().as_ref())?;
    let t = draft(c, ctx, &reach.read, input)?;
    refuse_structural(c, &t, &config.travel)?;
    travel::insert(c, &t.row)?;
    ctx.audit_change(
        c,
        AuditAction::TravelRequestCreated,
        &t.row,
        changes(&json!({}), &fields(&t)),
    )?;
    show(c, ctx, reach, config, t)
}

/// Replaces a draft, if `expected` (the caller's ETag check) still holds.
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    config: &Config,
    id: &str,
    input: TravelRequestInput,
    expected: impl FnOnce(&TravelRequest) -> Result<(), ApiError>,
) -> Result<TripView, ApiError> {
    let old = load_acting(c, reach, id)?;
    if input.region_code != old.row.region_code {
        return Err(ApiError::invalid(
            "/region_code",
            "immutable",
            "the region is fixed once created",
            "daerah tidak dapat diubah",
        ));
    }
    let mut new = draft(c, ctx, &reach.read, input)?;
    expected(&old.row)?;
    dt::check_editable(old.row.stage)?;
    let r = &mut new.row;
    (r.id, r.created_by, r.created_at) = (
        old.row.id.clone(),
        old.row.created_by.clone(),
        old.row.created_at,
    );
    (r.version, new.records) = (old.row.version, old.records.clone());
    refuse_structural(c, &new, &config.travel)?;
    let audited = changes(&fields(&old), &fields(&new));
    save(c, ctx, &mut new, AuditAction::TravelRequestUpdated, audited)?;
    show(c, ctx, reach, config, new)
}

/// A request; a read that shows the travellers' personal data is audited.
pub fn get(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    config: &Config,
    id: &str,
) -> Result<TripView, ApiError> {
    let t = load(c, &reach.read, id)?;
    let personal = reach.sees_personal_data(&t.region);
    if personal {
        ctx.audit_change(
            c,
            AuditAction::TravelRequestPersonalDataRead,
            &t.row,
            json!({}),
        )?;
    }
    view(c, ctx, &config.travel, t, personal)
}

/// A document of the request `id`, to download: the request is read within the caller's reach
/// (another region's is a 404, as is a document of another request). A document about the
/// travellers as persons ([`TravelDocumentKind::holds_personal_data`]) needs
/// `travel:personal_data` over the request's region too (403), and its read is audited like a
/// read of the travellers' numbers.
pub fn document(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    id: &str,
    document_id: &str,
) -> Result<TravelDocument, ApiError> {
    let t = load(c, &reach.read, id)?;
    let d = travel::documents(c, &t.row.id)?
        .into_iter()
        .find(|d| d.id == document_id)
        .or_not_found(RecordKind::Document, document_id)?;
    if d.kind.holds_personal_data() {
        if !reach.sees_personal_data(&t.region) {
            return Err(ApiError::Forbidden);
        }
        let read = json!({"document": {"id": d.id, "kind": d.kind.as_str()}});
        ctx.audit_change(c, AuditAction::TravelRequestPersonalDataRead, &t.row, read)?;
    }
    Ok(d)
}

/// Filters on the list of requests.
#[derive(Debug, Clone, Default)]
pub struct TravelFilter {
    pub stage: Option<TravelStage>,
    /// A region code; a province includes its regencies/cities.
    pub region: Option<String>,
}

/// Requests within `vis`, by id; personal data is never in lists.
pub fn list(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    config: &Config,
    filter: &TravelFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<TripView>, ApiError> {
    let rows = travel::list(c, vis, filter.stage, filter.region.as_deref(), after, limit)?;
    rows.into_iter()
        .map(|r| view(c, ctx, &config.travel, Trip::read(r)?, false))
        .collect()
}

/// The kind of document the form names: 422 unless a known one (checked before the file is
/// stored).
pub fn document_kind(upload: &Upload) -> Result<TravelDocumentKind, ApiError> {
    TravelDocumentKind::parse(upload.field("kind").unwrap_or_default()).ok_or_else(|| {
        ApiError::invalid(
            "/kind",
            "invalid_value",
            "a travel document kind (see TravelDocumentKind)",
            "jenis dokumen perjalanan",
        )
    })
}

/// Records a stored file as a document of a request that is not closed.
pub fn attach(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    id: &str,
    kind: TravelDocumentKind,
    file: StoredFile,
) -> Result<TravelDocument, ApiError> {
    let t = load_acting(c, reach, id)?;
    dt::check_attachable(t.row.stage)?;
    let doc = TravelDocument {
        id: file.id,
        travel_request_id: t.row.id.clone(),
        kind,
        name: file.name,
        media_type: file.media_type,
        size_bytes: file.size_bytes,
        sha256: file.sha256,
        storage_key: file.storage_key,
        uploaded_by: ctx.actor.name.clone(),
        uploaded_at: ctx.now(),
    };
    travel::insert_document(c, &doc)?;
    ctx.audit_change(c, AuditAction::TravelRequestDocumentUploaded, &t.row, json!({"document": {"before": null, "after": {"id": doc.id, "kind": doc.kind.as_str(), "sha256": doc.sha256}}}))?;
    Ok(doc)
}

/// Applies a step's effects to the trip, in the caller's transaction: the permit `record` (for a
/// decision), the outbox messages sent and withdrawn, warnings, the closing note, the return.
fn apply(
    c: &mut DbConnection,
    ctx: &Ctx,
    t: &mut Trip,
    step: &Step,
    record: Option<&DecisionRecord>,
) -> Result<(), ApiError> {
    for e in &step.effects {
        match e {
            Effect::Permit(system, decision) => {
                let record =
                    record.ok_or_else(|| ApiError::internal("a permit step without its record"))?;
                let record = DecisionRecord {
                    decision: *decision,
                    ..record.clone()
                };
                t.records.permits.insert(system.as_str().into(), record);
            }
            Effect::Withdraw(system) => {
                outbox::supersede(c, &t.row.id, *system, ctx.now())?;
            }
            Effect::Send(system) => integrations::send(c, ctx, t, *system)?,
            Effect::Warn(w) => t.records.warnings.push(w.to_string()),
            Effect::Close(note) => t.records.closing_note = Some(note.clone()),
            Effect::Returned { on, report_due_on } => {
                (t.row.returned_on, t.row.report_due_on) = (Some(*on), Some(*report_due_on));
            }
            // The report itself is filed by `file_report`.
            Effect::Reported { .. } => {}
        }
    }
    t.row.stage = step.stage;
    Ok(())
}

/// Whether the document named as a decision's scanned letter is one of the request's.
fn letter_scan(docs: &[TravelDocument], id: Option<&str>) -> LetterScan {
    match id {
        None => LetterScan::Missing,
        Some(id)
            if docs
                .iter()
                .any(|d| d.id == id && d.kind == TravelDocumentKind::DecisionLetter) =>
        {
            LetterScan::Attached
        }
        Some(_) => LetterScan::Unknown,
    }
}

/// The record of a letter: the province's recommendation or a decision recorded by hand.
fn letter_record(ctx: &Ctx, input: &TravelActionInput, decision: PermitDecision) -> DecisionRecord {
    DecisionRecord {
        decision,
        letter_number: input.letter_number.clone(),
        letter_date: input.letter_date,
        note: input.note.clone(),
        manual: true,
        document_id: input.document_id.clone(),
        message_id: None,
        recorded_by: ctx.actor.name.clone(),
        recorded_at: ctx.now().and_utc(),
    }
}

/// Takes a step on a request (submit, recommend, reject, cancel, record a decision by hand,
/// record the return), if `expected` (the caller's ETag check) still holds.
pub fn act(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    config: &Config,
    id: &str,
    input: TravelActionInput,
    expected: impl FnOnce(&TravelRequest) -> Result<(), ApiError>,
) -> Result<TripView, ApiError> {
    let mut t = load_acting(c, reach, id)?;
    expected(&t.row)?;
    let docs = travel::documents(c, &t.row.id)?;
    take_step(c, ctx, config, &mut t, &docs, &input)?;
    show(c, ctx, reach, config, t)
}

/// The manual path: a system's decision recorded from its letter, with the scan attached.
fn record_decision(
    c: &mut DbConnection,
    ctx: &Ctx,
    config: &Config,
    t: &mut Trip,
    docs: &[TravelDocument],
    input: &TravelActionInput,
) -> Result<(), ApiError> {
    let event = TravelEvent::PermitRecorded {
        system: input.system,
        decision: input.decision,
        with_letter: input.letter_number.is_some() && input.letter_date.is_some(),
        scan: letter_scan(docs, input.document_id.as_deref()),
        note: input.note.as_deref(),
    };
    let decision = input.decision.unwrap_or(PermitDecision::Granted);
    decide(
        c,
        ctx,
        config,
        t,
        event,
        &letter_record(ctx, input, decision),
    )
}

/// The step `input` asks for, with what it records on the request, its outbox messages and its
/// audit event.
fn take_step(
    c: &mut DbConnection,
    ctx: &Ctx,
    config: &Config,
    t: &mut Trip,
    docs: &[TravelDocument],
    input: &TravelActionInput,
) -> Result<(), ApiError> {
    use TravelActionKind as K;
    let f = t.step_facts(ctx, &config.travel);
    let (stage, note) = (t.row.stage, input.note.as_deref());
    let with_letter = input.letter_number.is_some() && input.letter_date.is_some();
    let step = match input.action {
        K::Submit => {
            let known = Known::gather(c, t, docs)?;
            stage.after(TravelEvent::Submit(&known.facts(t)), &f)
        }
        K::Recommend => stage.after(TravelEvent::Recommend { with_letter }, &f),
        K::Reject => stage.after(TravelEvent::Reject { note }, &f),
        K::Cancel => stage.after(TravelEvent::Cancel { note }, &f),
        K::RecordReturn => stage.after(
            TravelEvent::RecordReturn {
                on: input.returned_on.map(Date::naive),
            },
            &f,
        ),
        K::RecordDecision => return record_decision(c, ctx, config, t, docs, input),
    }?;
    let now = ctx.now().and_utc();
    match input.action {
        K::Submit => {
            (t.records.submitted_at, t.records.submitted_by) =
                (Some(now), Some(ctx.actor.name.clone()))
        }
        K::Recommend => {
            t.records.recommendation = Some(letter_record(ctx, input, PermitDecision::Granted))
        }
        _ => {}
    }
    apply(c, ctx, t, &step, None)?;
    let audited = changes(
        &json!({"stage": stage.as_str()}),
        &json!({"stage": t.row.stage.as_str()}),
    );
    save(c, ctx, t, audit_action(input.action), audited)
}

fn audit_action(kind: TravelActionKind) -> AuditAction {
    use TravelActionKind as K;
    match kind {
        K::Submit => AuditAction::TravelRequestSubmitted,
        K::Recommend => AuditAction::TravelRequestRecommended,
        K::Reject => AuditAction::TravelRequestRejected,
        K::Cancel => AuditAction::TravelRequestCancelled,
        K::RecordReturn => AuditAction::TravelRequestReturned,
        K::RecordDecision => AuditAction::TravelRequestDecisionRecorded,
    }
}

/// A system's decision reaches a request (received by callback, or recorded by hand): the step
/// with its outbox messages, its audit event, then any decision that had arrived early for the
/// next system.
pub(crate) fn decide(
    c: &mut DbConnection,
    ctx: &Ctx,
    config: &Config,
    t: &mut Trip,
    event: TravelEvent<'_>,
    record: &DecisionRecord,
) -> Result<(), ApiError> {
    let before = t.row.stage;
    let step = before.after(event, &t.step_facts(ctx, &config.travel))?;
    apply(c, ctx, t, &step, Some(record))?;
    let permit = step.effects.iter().find_map(|e| match e {
        Effect::Permit(system, decision) => Some(json!({
            "system": system.as_str(), "decision": decision, "letter_number": record.letter_number,
            "manual": record.manual, "message_id": record.message_id,
        })),
        _ => None,
    });
    let action = match record.manual {
        true => AuditAction::TravelRequestDecisionRecorded,
        false => AuditAction::TravelRequestDecisionReceived,
    };
    let audited = changes(
        &json!({"stage": before.as_str()}),
        &json!({"stage": t.row.stage.as_str(), "permit": permit}),
    );
    save(c, ctx, t, action, audited)?;
    match t.row.stage.system() {
        Some(next) => apply_deferred(c, ctx, config, t, next),
        None => Ok(()),
    }
}

/// Applies the first decision `system` sent before the request reached its stage.
fn apply_deferred(
    c: &mut DbConnection,
    ctx: &Ctx,
    config: &Config,
    t: &mut Trip,
    system: ExternalSystem,
) -> Result<(), ApiError> {
    for early in outbox::deferred_for(c, &t.row.id, system)? {
        let Some(record) = early
            .payload
            .get("decision_record")
            .and_then(|v| DecisionRecord::deserialize(v).ok())
        else {
            continue;
        };
        if arrival(t.row.stage, system) != Arrival::Due {
            return Ok(());
        }
        let event = TravelEvent::PermitReceived {
            system,
            decision: record.decision,
            note: record.note.as_deref(),
        };
        decide(c, ctx, config, t, event, &record)?;
        outbox::set_inbound_outcome(
            c,
            system,
            &early.message_id,
            jalin_domain::travel::CallbackOutcome::Applied,
        )?;
        break;
    }
    Ok(())
}

/// The trip as an `outgoing_visit` activity of `agreement_id`, described by its report.
fn visit(ctx: &Ctx, t: &Trip, agreement_id: &str, report: &TripReportInput) -> Activity {
    let r = &t.row;
    let places: Vec<String> = t
        .destinations
        .iter()
        .map(|d| format!("{}, {}", d.city, d.country))
        .collect();
    let people: Vec<String> = t
        .travellers
        .iter()
        .map(|x| format!("{} ({})", x.name, x.position))
        .collect();
    let purpose: String = r.purpose.chars().take(250).collect();
    let now = ctx.now();
    Activity {
        id: uuid::Uuid::now_v7().to_string(),
        agreement_id: agreement_id.to_owned(),
        kind: "outgoing_visit".into(),
        title: format!("Perjalanan dinas luar negeri: {purpose}"),
        description: Some(format!(
            "Dasar: {}\nMaksud dan tujuan: {}\nKegiatan: {}",
            report.basis, report.purpose, report.activities
        )),
        starts_on: r.departs_on,
        ends_on: r.returned_on.or(Some(r.returns_on)),
        location: Some(places.join("; ")),
        participants: to_value(&people).to_string(),
        outputs: Some(format!(
            "Hasil: {}\nKesimpulan: {}",
            report.results, report.conclusion
        )),
        amount: None,
        currency: None,
        exchange_rate: None,
        rate_date: None,
        rate_source: None,
        idr_equivalent: None,
        document_ids: "[]".into(),
        plan_items: "[]".into(),
        indicator_values: "[]".into(),
        created_by: ctx.actor.name.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Records the trip as an activity of its first linked agreement, if any; its id.
fn record_activity(
    c: &mut DbConnection,
    ctx: &Ctx,
    config: &Config,
    t: &Trip,
    report: &TripReportInput,
) -> Result<Option<String>, ApiError> {
    let Some(aid) = t.agreement_ids.first() else {
        return Ok(None);
    };
    let Some(a) = registry::find_agreement(c, aid, &Visibility::All)? else {
        return Ok(None);
    };
    let act = visit(ctx, t, &a.id, report);
    // Owned by the activities and monitoring use cases; reached through their current API.
    activities::insert(c, &act)?;
    let (monitoring, rid) = (&config.monitoring, ctx.request_id.as_deref());
    crate::jobs::revive(
        c,
        &a,
        act.starts_on,
        monitoring,
        ctx.today(),
        &ctx.actor,
        rid,
    )?;
    let after = json!({"id": act.id, "kind": act.kind, "from_travel_request": t.row.id});
    ctx.audit_change(
        c,
        AuditAction::ActivityCreated,
        &a,
        json!({"activity": {"before": null, "after": after}}),
    )?;
    Ok(Some(act.id))
}

/// Files the trip report after the recorded return: the request closes, the report becomes an
/// activity of the first linked agreement, and a report after its due date is marked late.
pub fn file_report(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    config: &Config,
    id: &str,
    report: TripReportInput,
    expected: impl FnOnce(&TravelRequest) -> Result<(), ApiError>,
) -> Result<TripView, ApiError> {
    let mut t = load_acting(c, reach, id)?;
    expected(&t.row)?;
    let before = t.row.stage;
    let step = before.after(TravelEvent::FileReport, &t.step_facts(ctx, &config.travel))?;
    let late = step.effects.contains(&Effect::Reported { late: true });
    let activity_id = record_activity(c, ctx, config, &t, &report)?;
    t.records.report = Some(TripReport {
        report,
        submitted_by: ctx.actor.name.clone(),
        submitted_at: ctx.now().and_utc(),
        late,
        activity_id,
    });
    apply(c, ctx, &mut t, &step, None)?;
    let audited = changes(
        &json!({"stage": before.as_str()}),
        &json!({"stage": t.row.stage.as_str(), "late": late}),
    );
    save(c, ctx, &mut t, AuditAction::TravelRequestReported, audited)?;
    show(c, ctx, reach, config, t)
}
