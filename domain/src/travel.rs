//! Official travel abroad (PDLN): who travels, why, the permits each trip needs
//! from three central systems, the checks made before a request leaves the region, and the
//! permit workflow as a state machine ([`TravelStage::after`]). Every limit is DEFAULT
//! configuration ([`TravelPolicy`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::Action;
use crate::code::code_enum;
use crate::violation::{Verdict, Violation};

code_enum! {
    /// Who travels.
    TravellerCategory {
        /// Governor, regent or mayor: needs the Home Affairs Minister's permit (UU 23/2014
        /// art. 76(1)i).
        HeadOfRegion => "head_of_region",
        DeputyHeadOfRegion => "deputy_head_of_region",
        DprdLeader => "dprd_leader",
        DprdMember => "dprd_member",
        /// ASN by rank.
        CivilServant => "civil_servant",
    }
}

impl TravellerCategory {
    /// The head or deputy head of region (never abroad at the same time).
    pub fn heads_region(self) -> bool {
        matches!(self, Self::HeadOfRegion | Self::DeputyHeadOfRegion)
    }
}

code_enum! {
    /// Why: official, or one of the personal reasons Permendagri 59/2019 arts. 25–26 allow.
    TripType {
        Official => "official",
        PersonalWorship => "personal_worship",
        PersonalMedical => "personal_medical",
        PersonalFamily => "personal_family",
    }
}

impl TripType {
    pub fn is_personal(self) -> bool {
        self != TripType::Official
    }
}

code_enum! {
    /// Who pays for the trip.
    FundingSource {
        Apbd => "apbd",
        Apbn => "apbn",
        Sponsor => "sponsor",
        Personal => "personal",
    }
}

code_enum! {
    /// The documents a request carries.
    TravelDocumentKind {
        /// Invitation or the embassy's confirmation.
        Invitation => "invitation",
        /// Terms of reference: urgency, cost–benefit, follow-up.
        TermsOfReference => "terms_of_reference",
        BudgetDocument => "budget_document",
        Schedule => "schedule",
        CostDetail => "cost_detail",
        ParticipantData => "participant_data",
        /// When a sponsor pays.
        FundingStatement => "funding_statement",
        /// When the country has no diplomatic relations with Indonesia.
        KemluRecommendation => "kemlu_recommendation",
        /// Personal trips: the superior's leave approval.
        LeaveApproval => "leave_approval",
        /// Personal trips: the reason's evidence (medical referral, family letter, pilgrimage quota).
        SupportingLetter => "supporting_letter",
        /// A permit or decision letter recorded by hand (manual path).
        DecisionLetter => "decision_letter",
        /// The permit request letter jalin writes (`POST /v1/travel-requests/{id}/letters`).
        PermitRequestLetter => "permit_request_letter",
        Other => "other",
    }
}

impl TravelDocumentKind {
    /// Documents about the travellers as persons — the participants' data (NIP, passport
    /// numbers) and a personal trip's evidence (a medical referral, a family letter): read only
    /// with `travel:personal_data`, like the travellers' numbers, and each read is audited.
    pub fn holds_personal_data(self) -> bool {
        matches!(
            self,
            TravelDocumentKind::ParticipantData | TravelDocumentKind::SupportingLetter
        )
    }
}

code_enum! {
    /// The three central systems.
    ExternalSystem {
        /// Kemendagri: the Home Affairs permit.
        Siola => "siola",
        /// Kemensetneg: the presidential permit (PP 45/2013 art. 90(2)).
        Simpel => "simpel",
        /// Kemlu: service passport and exit permit.
        ExitPermit => "exit_permit",
    }
}

impl ExternalSystem {
    /// The path segment of its callback URL.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Siola => "siola",
            Self::Simpel => "simpel",
            Self::ExitPermit => "exit-permit",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.slug() == s || x.as_str() == s)
    }

    /// The permission its callbacks take (held by the system's own service account).
    pub fn callback_permission(self) -> Action {
        match self {
            Self::Siola => Action::CallbackSiola,
            Self::Simpel => Action::CallbackSimpel,
            Self::ExitPermit => Action::CallbackExitPermit,
        }
    }

    /// The stage this system decides.
    pub fn stage(self) -> TravelStage {
        match self {
            Self::Siola => TravelStage::KemendagriPermit,
            Self::Simpel => TravelStage::PresidentialPermit,
            Self::ExitPermit => TravelStage::ExitPermit,
        }
    }
}

code_enum! {
    /// The stages of a request, in order (the PDLN workflow definition, version 1).
    TravelStage {
        Draft => "draft",
        /// Waiting for the province's verification and recommendation.
        Submitted => "submitted",
        /// Sent to SIOLA; waiting for the Kemendagri permit.
        KemendagriPermit => "kemendagri_permit",
        /// Sent to SIMPEL; waiting for the presidential permit.
        PresidentialPermit => "presidential_permit",
        /// Sent to Exit Permit; waiting for the service passport and exit permit.
        ExitPermit => "exit_permit",
        ApprovedToDepart => "approved_to_depart",
        /// Back home; the trip report is due.
        Returned => "returned",
        /// Report filed.
        Closed => "closed",
        Rejected => "rejected",
        Cancelled => "cancelled",
    }
}

impl TravelStage {
    /// The system that decides this stage, if any.
    pub fn system(self) -> Option<ExternalSystem> {
        ExternalSystem::ALL.into_iter().find(|s| s.stage() == self)
    }

    /// Where a granted permit leads.
    pub fn after_permit(self) -> Option<TravelStage> {
        match self {
            Self::KemendagriPermit => Some(Self::PresidentialPermit),
            Self::PresidentialPermit => Some(Self::ExitPermit),
            Self::ExitPermit => Some(Self::ApprovedToDepart),
            _ => None,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Closed | Self::Rejected | Self::Cancelled)
    }

    /// Whether a trip at this stage still blocks the head's or deputy's dates (it left the
    /// region and was not stopped).
    pub fn is_live(self) -> bool {
        !matches!(self, Self::Draft | Self::Rejected | Self::Cancelled)
    }
}

code_enum! {
    /// A permit system's decision (a recommendation is always `granted`).
    PermitDecision {
        Granted => "granted",
        Rejected => "rejected",
    }
}

code_enum! {
    /// What someone does to a request (`POST /v1/travel-requests/{id}/actions`).
    TravelActionKind {
        /// Draft → submitted (every check and document must pass).
        Submit => "submit",
        /// The province's verification and recommendation (letter); sends the request to SIOLA.
        Recommend => "recommend",
        /// The province refuses to recommend.
        Reject => "reject",
        /// The region withdraws the request before departure.
        Cancel => "cancel",
        /// Manual path: an external system's decision recorded from its letter.
        RecordDecision => "record_decision",
        /// The travellers are back; the trip report is due.
        RecordReturn => "record_return",
    }
}

impl TravelActionKind {
    /// The permission it takes: the region drafts, submits, cancels and returns; the province
    /// recommends or refuses; permit officers record decisions by hand.
    pub fn permission(self) -> Action {
        match self {
            Self::Submit | Self::Cancel | Self::RecordReturn => Action::WriteTravel,
            Self::Recommend | Self::Reject => Action::RecommendTravel,
            Self::RecordDecision => Action::RecordTravelDecisions,
        }
    }
}

/// What a permit system sends back (the integration contract, inbound).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallbackType {
    /// The system accepted the request (optional; carries its own reference).
    #[serde(rename = "request.received")]
    RequestReceived,
    /// The system decided.
    #[serde(rename = "permit.decided")]
    PermitDecided,
}

code_enum! {
    /// What became of a system's message.
    CallbackOutcome {
        /// The decision moved the request on.
        Applied => "applied",
        /// An acknowledgement: its reference is kept.
        Recorded => "recorded",
        /// The request is past that stage or closed: nothing changed.
        Stale => "stale",
        /// It arrived before the request reached that stage; it is applied when it does.
        Deferred => "deferred",
    }
}

/// Where a system's decision stands against the request's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The request waits for this system: the decision applies now.
    Due,
    /// The request is past that stage, or closed.
    Passed,
    /// The request has not reached that stage yet.
    Early,
}

/// When `system`'s decision arrives at a request in `stage`.
pub fn arrival(stage: TravelStage, system: ExternalSystem) -> Arrival {
    if stage == system.stage() {
        Arrival::Due
    } else if stage.is_final() || stage > system.stage() {
        Arrival::Passed
    } else {
        Arrival::Early
    }
}

/// One stage of the definition, with its actor, system and legal source.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TravelStageDefinition {
    pub stage: TravelStage,
    pub actor: &'static str,
    pub system: Option<ExternalSystem>,
    pub source: &'static str,
}

/// The PDLN workflow, version 1.
pub fn definition() -> Vec<TravelStageDefinition> {
    use ExternalSystem as X;
    use TravelStage as T;
    let s = |stage, actor, system, source| TravelStageDefinition {
        stage,
        actor,
        system,
        source,
    };
    vec![
        s(T::Draft, "agency", None, "DOMAIN.md §7 stage 1"),
        s(
            T::Submitted,
            "province bureau",
            None,
            "Permendagri 59/2019; DOMAIN.md §7 stage 2",
        ),
        s(
            T::KemendagriPermit,
            "Kemendagri",
            Some(X::Siola),
            "UU 23/2014 art. 76(1)i",
        ),
        s(
            T::PresidentialPermit,
            "Kemensetneg",
            Some(X::Simpel),
            "PP 45/2013 art. 90(2)",
        ),
        s(
            T::ExitPermit,
            "Kemlu",
            Some(X::ExitPermit),
            "DOMAIN.md §7 stage 5",
        ),
        s(
            T::ApprovedToDepart,
            "traveller",
            None,
            "DOMAIN.md §7 stage 6",
        ),
        s(
            T::Returned,
            "traveller",
            None,
            "DOMAIN.md §7 stage 7: report within 14 days (DEFAULT)",
        ),
        s(T::Closed, "-", None, "-"),
    ]
}

/// The DEFAULT limits; configuration, shown by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelPolicy {
    /// Calendar days between submission to Kemendagri and departure (DEFAULT 10).
    pub kemendagri_lead_days: u32,
    /// Calendar days between submission to SIMPEL and departure (DEFAULT 7).
    pub simpel_lead_days: u32,
    /// Travellers in one delegation (DEFAULT 5, Kemendagri policy).
    pub delegation_cap: u32,
    /// Days after return within which the trip report is due (DEFAULT 14).
    pub report_days: u32,
    /// Longest personal trips in days (DEFAULT worship 45, medical 30, family 14).
    pub max_days_worship: u32,
    pub max_days_medical: u32,
    pub max_days_family: u32,
}

impl Default for TravelPolicy {
    fn default() -> Self {
        Self {
            kemendagri_lead_days: 10,
            simpel_lead_days: 7,
            delegation_cap: 5,
            report_days: 14,
            max_days_worship: 45,
            max_days_medical: 30,
            max_days_family: 14,
        }
    }
}

/// Another live request of the same region taking its head or deputy abroad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherTrip {
    pub id: String,
    pub departs_on: NaiveDate,
    pub returns_on: NaiveDate,
}

/// The parts of a request the checks look at.
#[derive(Debug, Clone)]
pub struct TripFacts<'a> {
    pub trip_type: TripType,
    pub departs_on: NaiveDate,
    pub returns_on: NaiveDate,
    pub travellers: &'a [TravellerCategory],
    pub sponsored: bool,
    /// Every destination country has diplomatic relations with Indonesia.
    pub all_countries_have_relations: bool,
    pub documents: &'a [TravelDocumentKind],
    /// Another live request whose head or deputy is abroad on overlapping dates, when this one
    /// takes the head or deputy too.
    pub overlapping: Option<&'a OtherTrip>,
}

/// The documents a request of this shape must carry before it is submitted.
pub fn required_documents(f: &TripFacts<'_>) -> Vec<TravelDocumentKind> {
    use TravelDocumentKind as D;
    let mut out = if f.trip_type.is_personal() {
        vec![D::LeaveApproval, D::SupportingLetter]
    } else {
        vec![
            D::Invitation,
            D::TermsOfReference,
            D::BudgetDocument,
            D::Schedule,
            D::CostDetail,
            D::ParticipantData,
        ]
    };
    if f.sponsored {
        out.push(D::FundingStatement);
    }
    if !f.all_countries_have_relations {
        out.push(D::KemluRecommendation);
    }
    out
}

/// What can never be submitted, whatever the date: the dates' order, the delegation, the head
/// and deputy abroad together, a personal trip's length. A draft with any of these is refused.
pub fn check_draft(f: &TripFacts<'_>, policy: &TravelPolicy) -> Vec<Violation> {
    let mut out = Vec::new();
    if f.returns_on < f.departs_on {
        out.push(Violation::invalid(
            "returns_before_departure",
            "/returns_on",
            "the return is before the departure",
            "tanggal kembali lebih awal daripada tanggal berangkat",
        ));
    }
    let n = f.travellers.len();
    if n == 0 {
        out.push(Violation::invalid(
            "no_travellers",
            "/travellers",
            "a request names at least one traveller",
            "permohonan menyebut sedikitnya satu pelaku perjalanan",
        ));
    }
    let cap = policy.delegation_cap;
    if n as u32 > cap {
        out.push(Violation::invalid(
            "delegation_too_large",
            "/travellers",
            format!("{n} travellers; a delegation has at most {cap} (DEFAULT, configurable)"),
            format!("{n} pelaku perjalanan; satu delegasi paling banyak {cap} orang (DEFAULT, dapat diatur)"),
        ));
    }
    let has = |c| f.travellers.contains(&c);
    if has(TravellerCategory::HeadOfRegion) && has(TravellerCategory::DeputyHeadOfRegion) {
        out.push(Violation::invalid(
            "head_and_deputy_abroad",
            "/travellers",
            "the head of region and the deputy are not abroad at the same time",
            "kepala daerah dan wakilnya tidak berada di luar negeri pada waktu yang sama",
        ));
    }
    if let Some(o) = f.overlapping {
        let (id, from, to) = (&o.id, o.departs_on, o.returns_on);
        out.push(Violation::invalid(
            "head_and_deputy_abroad",
            "/travellers",
            format!("request {id} takes the head or deputy of this region abroad on overlapping dates ({from} to {to}); they are not abroad at the same time"),
            format!("permohonan {id} membawa kepala atau wakil kepala daerah ini ke luar negeri pada tanggal yang beririsan ({from} s.d. {to}); keduanya tidak berada di luar negeri pada waktu yang sama"),
        ));
    }
    if let Some(v) = personal_trip_length(f, policy) {
        out.push(v);
    }
    out
}

fn personal_trip_length(f: &TripFacts<'_>, policy: &TravelPolicy) -> Option<Violation> {
    let days = (f.returns_on - f.departs_on).num_days() + 1;
    let max = match f.trip_type {
        TripType::Official => return None,
        TripType::PersonalWorship => policy.max_days_worship,
        TripType::PersonalMedical => policy.max_days_medical,
        TripType::PersonalFamily => policy.max_days_family,
    };
    (days > i64::from(max)).then(|| {
        Violation::invalid(
            "personal_trip_too_long",
            "/returns_on",
            format!("{days} days; a personal trip of this kind lasts at most {max} (Permendagri 59/2019; DEFAULT)"),
            format!("{days} hari; perjalanan pribadi jenis ini paling lama {max} hari (Permendagri 59/2019; DEFAULT)"),
        )
    })
}

/// What a request still needs to be submitted on `today`: the lead time before departure and
/// every required document.
pub fn check_submission(
    f: &TripFacts<'_>,
    policy: &TravelPolicy,
    today: NaiveDate,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let (lead, limit) = (
        (f.departs_on - today).num_days(),
        policy.kemendagri_lead_days,
    );
    if lead < i64::from(limit) {
        out.push(Violation::invalid(
            "lead_time_too_short",
            "/departs_on",
            format!("departure in {lead} days; requests reach Kemendagri at least {limit} days before departure (DEFAULT)"),
            format!("keberangkatan {lead} hari lagi; permohonan sampai di Kemendagri paling lambat {limit} hari sebelum keberangkatan (DEFAULT)"),
        ));
    }
    for d in required_documents(f) {
        if !f.documents.contains(&d) {
            out.push(Violation::invalid(
                "document_missing",
                "/documents",
                format!("missing: {}", d.as_str()),
                format!("belum dilampirkan: {}", d.as_str()),
            ));
        }
    }
    out
}

/// Every check on a request submitted on `today`.
pub fn check(f: &TripFacts<'_>, policy: &TravelPolicy, today: NaiveDate) -> Vec<Violation> {
    let mut out = check_draft(f, policy);
    out.extend(check_submission(f, policy, today));
    out
}

/// Whether two trips overlap (both dates inclusive).
pub fn overlaps(a: (NaiveDate, NaiveDate), b: (NaiveDate, NaiveDate)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// The trip report's due date: `report_days` after return.
pub fn report_due(returned_on: NaiveDate, policy: &TravelPolicy) -> NaiveDate {
    returned_on + chrono::Duration::days(i64::from(policy.report_days))
}

/// Only a draft's content changes.
pub fn check_editable(stage: TravelStage) -> Verdict<()> {
    if stage == TravelStage::Draft {
        return Ok(());
    }
    Err(vec![Violation::conflict(
        "travel_not_draft",
        "Only a draft can be changed.",
        "Hanya draf yang dapat diubah.",
    )])
}

/// Documents are attached to any request not yet closed (decision letters arrive late).
pub fn check_attachable(stage: TravelStage) -> Verdict<()> {
    if !stage.is_final() {
        return Ok(());
    }
    Err(vec![Violation::conflict(
        "travel_closed",
        "The request is closed.",
        "Permohonan sudah ditutup.",
    )])
}

/// Whether the scanned letter of a manual decision is attached to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterScan {
    /// None named.
    Missing,
    /// Named, but not a `decision_letter` document of this request.
    Unknown,
    Attached,
}

/// What happens to a request.
#[derive(Debug, Clone)]
pub enum TravelEvent<'a> {
    /// The region submits its draft, as it stands now.
    Submit(&'a TripFacts<'a>),
    /// The province recommends, with its letter (number and date).
    Recommend { with_letter: bool },
    /// The province refuses to recommend; `note` says why.
    Reject { note: Option<&'a str> },
    /// The region withdraws the request before the trip; `note` says why.
    Cancel { note: Option<&'a str> },
    /// The travellers are back.
    RecordReturn { on: Option<NaiveDate> },
    /// A system's decision, received by callback.
    PermitReceived {
        system: ExternalSystem,
        decision: PermitDecision,
        note: Option<&'a str>,
    },
    /// A system's decision recorded by an officer from its letter (the manual path, while the
    /// system is down): the record must be whole before its stage is looked at.
    PermitRecorded {
        system: Option<ExternalSystem>,
        decision: Option<PermitDecision>,
        with_letter: bool,
        scan: LetterScan,
        note: Option<&'a str>,
    },
    /// The trip report is filed.
    FileReport,
}

/// What a step knows besides the event: the day (in the region's own zone) and the request's
/// dates.
#[derive(Debug, Clone)]
pub struct StepFacts<'a> {
    pub today: NaiveDate,
    pub departs_on: NaiveDate,
    pub report_due_on: Option<NaiveDate>,
    pub policy: &'a TravelPolicy,
}

/// A limit missed on the way: recorded on the request, it does not stop the trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// Sent to SIMPEL `days` before departure, fewer than the limit.
    SimpelLeadTimeMissed { days: i64, limit: u32 },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SimpelLeadTimeMissed { days, limit } => write!(
                f,
                "simpel_lead_time_missed: sent to SIMPEL {days} days before departure; the limit is {limit} (DEFAULT)"
            ),
        }
    }
}

/// What a step changes besides the stage, for the caller to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The system's decision, to keep with the request.
    Permit(ExternalSystem, PermitDecision),
    /// Withdraw what still waits to be sent to this system (its decision came, or the trip is off).
    Withdraw(ExternalSystem),
    /// Send the request to this system (an outbox message, in the same transaction).
    Send(ExternalSystem),
    Warn(Warning),
    /// Why the request closed.
    Close(String),
    /// Back on `on`; the report is due on `report_due_on`.
    Returned {
        on: NaiveDate,
        report_due_on: NaiveDate,
    },
    /// The report is filed; `late` when after its due date.
    Reported {
        late: bool,
    },
}

/// A request's new stage and what else changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub stage: TravelStage,
    pub effects: Vec<Effect>,
}

fn step(stage: TravelStage, effects: Vec<Effect>) -> Verdict<Step> {
    Ok(Step { stage, effects })
}

fn reason(note: Option<&str>) -> Verdict<String> {
    note.map(str::to_owned).ok_or_else(|| {
        vec![Violation::invalid(
            "required",
            "/note",
            "say why",
            "sebutkan alasannya",
        )]
    })
}

fn letter_required() -> Violation {
    Violation::invalid(
        "required",
        "/letter_number",
        "the letter's number and date",
        "nomor dan tanggal surat",
    )
}

/// Sending to `system`: the message, and the warning when SIMPEL is reached late.
fn send(system: ExternalSystem, f: &StepFacts<'_>) -> Vec<Effect> {
    let mut out = vec![Effect::Send(system)];
    let (days, limit) = (
        (f.departs_on - f.today).num_days(),
        f.policy.simpel_lead_days,
    );
    if system == ExternalSystem::Simpel && days < i64::from(limit) {
        out.push(Effect::Warn(Warning::SimpelLeadTimeMissed { days, limit }));
    }
    out
}

impl TravelStage {
    /// The PDLN workflow: the step `event` takes a request at this stage to, or every reason it
    /// cannot. A step the stage does not allow is a `travel_stage` conflict, whatever else is
    /// wrong; past that, every missing or invalid part of the event is reported. (A decision
    /// recorded by hand is the exception: its record must be whole before it names the stage.)
    pub fn after(self, event: TravelEvent<'_>, f: &StepFacts<'_>) -> Verdict<Step> {
        use TravelStage as S;
        self.admits(&event)?;
        match event {
            TravelEvent::Submit(trip) => {
                crate::violation::verdict(check(trip, f.policy, f.today))?;
                step(S::Submitted, vec![])
            }
            TravelEvent::Recommend { with_letter: false } => Err(vec![letter_required()]),
            TravelEvent::Recommend { with_letter: true } => {
                step(S::KemendagriPermit, send(ExternalSystem::Siola, f))
            }
            TravelEvent::Reject { note } => step(S::Rejected, vec![Effect::Close(reason(note)?)]),
            TravelEvent::Cancel { note } => {
                let mut effects = vec![Effect::Close(reason(note)?)];
                effects.extend(ExternalSystem::ALL.map(Effect::Withdraw));
                step(S::Cancelled, effects)
            }
            TravelEvent::RecordReturn { on } => returned(on, f),
            TravelEvent::PermitReceived {
                system,
                decision,
                note,
            } => self.decided(system, decision, note, f),
            TravelEvent::PermitRecorded {
                system,
                decision,
                with_letter,
                scan,
                note,
            } => {
                let (system, decision) = manual_record(system, decision, with_letter, scan)?;
                let event = TravelEvent::PermitReceived {
                    system,
                    decision,
                    note,
                };
                self.after(event, f)
            }
            TravelEvent::FileReport => {
                let late = f.report_due_on.is_some_and(|d| f.today > d);
                step(S::Closed, vec![Effect::Reported { late }])
            }
        }
    }

    /// Whether a request at this stage admits `event`; the conflict says why not.
    fn admits(self, event: &TravelEvent<'_>) -> Verdict<()> {
        use TravelStage as S;
        let (ok, en, id) = match event {
            TravelEvent::Submit(_) => (
                self == S::Draft,
                "only a draft is submitted",
                "hanya draf yang dapat diajukan",
            ),
            TravelEvent::Recommend { .. } => (
                self == S::Submitted,
                "only a submitted request is recommended",
                "hanya permohonan yang sudah diajukan yang dapat direkomendasikan",
            ),
            TravelEvent::Reject { .. } => (
                self == S::Submitted,
                "only a submitted request is refused by the province",
                "hanya permohonan yang sudah diajukan yang dapat ditolak provinsi",
            ),
            TravelEvent::Cancel { .. } => (
                !self.is_final() && self < S::Returned,
                "a closed or completed trip cannot be cancelled",
                "perjalanan yang sudah ditutup atau selesai tidak dapat dibatalkan",
            ),
            TravelEvent::RecordReturn { .. } => (
                self == S::ApprovedToDepart,
                "only an approved trip returns",
                "hanya perjalanan yang sudah disetujui yang dapat kembali",
            ),
            TravelEvent::PermitReceived { system, .. } => (
                arrival(self, *system) == Arrival::Due,
                "that system does not decide this stage",
                "sistem itu tidak memutus tahap ini",
            ),
            // Its record first: the stage is looked at once the record names its system.
            TravelEvent::PermitRecorded { .. } => return Ok(()),
            TravelEvent::FileReport => (
                self == S::Returned,
                "the report follows the recorded return",
                "laporan menyusul kepulangan yang sudah dicatat",
            ),
        };
        if ok {
            return Ok(());
        }
        let at = self.as_str();
        Err(vec![Violation::conflict(
            "travel_stage",
            format!("The request is at `{at}`: {en}."),
            format!("Permohonan berada pada tahap `{at}`: {id}."),
        )])
    }

    /// A permit system decided: a grant moves the request to the next permit (or to departure),
    /// a refusal rejects it; either way nothing more goes to that system.
    fn decided(
        self,
        system: ExternalSystem,
        decision: PermitDecision,
        note: Option<&str>,
        f: &StepFacts<'_>,
    ) -> Verdict<Step> {
        let mut effects = vec![Effect::Permit(system, decision), Effect::Withdraw(system)];
        if decision == PermitDecision::Rejected {
            let why = note.map(|n| format!(": {n}")).unwrap_or_default();
            effects.push(Effect::Close(format!("{} refused{why}", system.as_str())));
            return step(TravelStage::Rejected, effects);
        }
        let next = self.after_permit().unwrap_or(TravelStage::ApprovedToDepart);
        if let Some(s) = next.system() {
            effects.extend(send(s, f));
        }
        step(next, effects)
    }
}

/// The travellers are back on `on`, between their departure and today.
fn returned(on: Option<NaiveDate>, f: &StepFacts<'_>) -> Verdict<Step> {
    let Some(on) = on else {
        return Err(vec![Violation::invalid(
            "required",
            "/returned_on",
            "the date of return",
            "tanggal kembali",
        )]);
    };
    if on < f.departs_on || on > f.today {
        return Err(vec![Violation::invalid(
            "out_of_range",
            "/returned_on",
            "between departure and today",
            "antara keberangkatan dan hari ini",
        )]);
    }
    let report_due_on = report_due(on, f.policy);
    step(
        TravelStage::Returned,
        vec![Effect::Returned { on, report_due_on }],
    )
}

/// A decision recorded by hand names its system and decision, and carries its letter and the
/// scan of it attached to the request.
fn manual_record(
    system: Option<ExternalSystem>,
    decision: Option<PermitDecision>,
    with_letter: bool,
    scan: LetterScan,
) -> Verdict<(ExternalSystem, PermitDecision)> {
    let mut out = Vec::new();
    if system.is_none() {
        out.push(Violation::invalid(
            "required",
            "/system",
            "siola, simpel or exit_permit",
            "siola, simpel atau exit_permit",
        ));
    }
    if decision.is_none() {
        out.push(Violation::invalid(
            "required",
            "/decision",
            "granted or rejected",
            "granted atau rejected",
        ));
    }
    if !with_letter {
        out.push(letter_required());
    }
    match scan {
        LetterScan::Missing => out.push(Violation::invalid(
            "required",
            "/document_id",
            "the scanned letter: a document of kind decision_letter on this request",
            "pindaian surat: dokumen berjenis decision_letter pada permohonan ini",
        )),
        LetterScan::Unknown => out.push(Violation::invalid(
            "unknown_document",
            "/document_id",
            "not a decision_letter document of this request",
            "bukan dokumen decision_letter pada permohonan ini",
        )),
        LetterScan::Attached => {}
    }
    match (system, decision) {
        (Some(s), Some(d)) if out.is_empty() => Ok((s, d)),
        _ => Err(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Refusal;
    use TravelDocumentKind as D;
    use TravelStage as S;
    use TravellerCategory as C;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const OFFICIAL_DOCS: [D; 6] = [
        D::Invitation,
        D::TermsOfReference,
        D::BudgetDocument,
        D::Schedule,
        D::CostDetail,
        D::ParticipantData,
    ];

    fn facts<'a>(travellers: &'a [C], docs: &'a [D]) -> TripFacts<'a> {
        TripFacts {
            trip_type: TripType::Official,
            departs_on: d("2026-12-10"),
            returns_on: d("2026-12-15"),
            travellers,
            sponsored: false,
            all_countries_have_relations: true,
            documents: docs,
            overlapping: None,
        }
    }

    fn codes(issues: &[Violation]) -> Vec<&str> {
        issues.iter().map(|i| i.code.as_ref()).collect()
    }

    /// A step taken on 2026-11-30 by a request departing on 2026-12-10.
    fn on<'a>(policy: &'a TravelPolicy, today: &str) -> StepFacts<'a> {
        StepFacts {
            today: d(today),
            departs_on: d("2026-12-10"),
            report_due_on: None,
            policy,
        }
    }

    fn refused(v: Verdict<Step>) -> Vec<Violation> {
        v.expect_err("refused")
    }

    fn the_stage_refuses(v: Verdict<Step>) {
        let v = refused(v);
        assert_eq!(codes(&v), ["travel_stage"]);
        assert_eq!(v[0].refusal, Refusal::Conflict);
    }

    #[test]
    fn a_complete_official_request_passes() {
        let p = TravelPolicy::default();
        let f = facts(&[C::HeadOfRegion, C::CivilServant], &OFFICIAL_DOCS);
        assert!(check(&f, &p, d("2026-11-30")).is_empty());
    }

    #[test]
    fn requests_reach_kemendagri_ten_days_before_departure() {
        let p = TravelPolicy::default();
        let f = facts(&[C::CivilServant], &OFFICIAL_DOCS);
        assert!(check(&f, &p, d("2026-11-30")).is_empty(), "exactly 10 days");
        assert_eq!(
            codes(&check(&f, &p, d("2026-12-01"))),
            ["lead_time_too_short"]
        );
        let relaxed = TravelPolicy {
            kemendagri_lead_days: 5,
            ..p
        };
        assert!(check(&f, &relaxed, d("2026-12-01")).is_empty());
    }

    #[test]
    fn a_delegation_has_at_most_five_and_never_both_head_and_deputy() {
        let p = TravelPolicy::default();
        let six = [C::CivilServant; 6];
        assert_eq!(
            codes(&check_draft(&facts(&six, &OFFICIAL_DOCS), &p)),
            ["delegation_too_large"]
        );
        let both = [C::HeadOfRegion, C::DeputyHeadOfRegion];
        assert_eq!(
            codes(&check_draft(&facts(&both, &OFFICIAL_DOCS), &p)),
            ["head_and_deputy_abroad"]
        );
    }

    #[test]
    fn the_head_and_deputy_are_not_abroad_on_overlapping_dates_across_requests() {
        let p = TravelPolicy::default();
        let other = OtherTrip {
            id: "trip-1".into(),
            departs_on: d("2026-12-12"),
            returns_on: d("2026-12-20"),
        };
        let mut f = facts(&[C::DeputyHeadOfRegion], &OFFICIAL_DOCS);
        f.overlapping = Some(&other);
        let v = check_draft(&f, &p);
        assert_eq!(codes(&v), ["head_and_deputy_abroad"]);
        assert!(v[0].text.en.contains("trip-1") && v[0].text.id.contains("trip-1"));
    }

    #[test]
    fn no_diplomatic_relations_needs_the_kemlu_recommendation() {
        let p = TravelPolicy::default();
        let mut f = facts(&[C::CivilServant], &OFFICIAL_DOCS);
        f.all_countries_have_relations = false;
        let issues = check(&f, &p, d("2026-11-01"));
        assert_eq!(codes(&issues), ["document_missing"]);
        assert!(issues[0].text.en.contains("kemlu_recommendation"));
        f.sponsored = true;
        assert_eq!(required_documents(&f).len(), 8);
    }

    #[test]
    fn personal_trips_have_their_reasons_and_maximum_durations() {
        let p = TravelPolicy::default();
        let docs = [D::LeaveApproval, D::SupportingLetter];
        let mut f = facts(&[C::CivilServant], &docs);
        f.trip_type = TripType::PersonalFamily;
        f.returns_on = d("2026-12-23");
        assert!(
            check(&f, &p, d("2026-11-01")).is_empty(),
            "14 days inclusive"
        );
        f.returns_on = d("2026-12-24");
        assert_eq!(codes(&check_draft(&f, &p)), ["personal_trip_too_long"]);
        f.trip_type = TripType::PersonalWorship;
        assert!(check_draft(&f, &p).is_empty());
    }

    #[test]
    fn every_refusal_of_a_request_speaks_both_languages() {
        let p = TravelPolicy::default();
        let other = OtherTrip {
            id: "x".into(),
            departs_on: d("2026-12-01"),
            returns_on: d("2026-12-31"),
        };
        let mut f = facts(
            &[
                C::HeadOfRegion,
                C::DeputyHeadOfRegion,
                C::CivilServant,
                C::CivilServant,
                C::CivilServant,
                C::CivilServant,
            ],
            &[],
        );
        f.trip_type = TripType::PersonalMedical;
        f.returns_on = d("2027-02-01");
        f.overlapping = Some(&other);
        f.sponsored = true;
        let all = check(&f, &p, d("2026-12-09"));
        assert_eq!(
            codes(&all),
            [
                "delegation_too_large",
                "head_and_deputy_abroad",
                "head_and_deputy_abroad",
                "personal_trip_too_long",
                "lead_time_too_short",
                "document_missing",
                "document_missing",
                "document_missing"
            ]
        );
        for v in all {
            assert!(!v.text.id.is_empty() && v.text.id != v.text.en, "{v:?}");
        }
    }

    #[test]
    fn permits_follow_in_order_and_each_system_decides_one_stage() {
        assert_eq!(
            S::KemendagriPermit.after_permit(),
            Some(S::PresidentialPermit)
        );
        assert_eq!(S::ExitPermit.after_permit(), Some(S::ApprovedToDepart));
        assert_eq!(S::PresidentialPermit.system(), Some(ExternalSystem::Simpel));
        assert_eq!(
            ExternalSystem::from_slug("exit-permit"),
            Some(ExternalSystem::ExitPermit)
        );
        assert_eq!(
            report_due(d("2026-12-15"), &TravelPolicy::default()),
            d("2026-12-29")
        );
        assert!(overlaps(
            (d("2026-12-01"), d("2026-12-05")),
            (d("2026-12-05"), d("2026-12-09"))
        ));
        assert!(!overlaps(
            (d("2026-12-01"), d("2026-12-04")),
            (d("2026-12-05"), d("2026-12-09"))
        ));
    }

    #[test]
    fn stored_codes_read_back_and_an_unknown_one_is_not_a_default() {
        // Every code's round trip: `code::tests::every_code_reads_back_as_its_variant`.
        assert_eq!(
            TripType::parse("personal_medical"),
            Some(TripType::PersonalMedical)
        );
        assert_eq!(
            CallbackOutcome::parse("deferred"),
            Some(CallbackOutcome::Deferred)
        );
        assert_eq!(S::parse("drafted"), None);
        assert_eq!(S::parse(""), None);
    }

    #[test]
    fn a_draft_is_submitted_only_when_every_check_holds() {
        let p = TravelPolicy::default();
        let complete = facts(&[C::CivilServant], &OFFICIAL_DOCS);
        let s = S::Draft.after(TravelEvent::Submit(&complete), &on(&p, "2026-11-30"));
        assert_eq!(
            s,
            Ok(Step {
                stage: S::Submitted,
                effects: vec![]
            })
        );
        let bare = facts(&[C::CivilServant], &[]);
        let v = refused(S::Draft.after(TravelEvent::Submit(&bare), &on(&p, "2026-12-05")));
        assert_eq!(v.len(), 7, "the lead time and six documents, all at once");
        assert!(v.iter().all(|x| x.refusal == Refusal::Invalid));
    }

    #[test]
    fn only_a_draft_is_submitted_edited_and_only_an_open_request_takes_documents() {
        let p = TravelPolicy::default();
        let complete = facts(&[C::CivilServant], &OFFICIAL_DOCS);
        the_stage_refuses(
            S::Submitted.after(TravelEvent::Submit(&complete), &on(&p, "2026-11-30")),
        );
        assert!(check_editable(S::Draft).is_ok());
        assert_eq!(
            codes(&check_editable(S::Submitted).unwrap_err()),
            ["travel_not_draft"]
        );
        assert!(check_attachable(S::ExitPermit).is_ok());
        assert_eq!(
            codes(&check_attachable(S::Closed).unwrap_err()),
            ["travel_closed"]
        );
    }

    #[test]
    fn the_province_recommends_with_its_letter_and_the_request_goes_to_siola() {
        let p = TravelPolicy::default();
        let f = on(&p, "2026-11-30");
        let s = S::Submitted
            .after(TravelEvent::Recommend { with_letter: true }, &f)
            .unwrap();
        assert_eq!(s.stage, S::KemendagriPermit);
        assert_eq!(s.effects, [Effect::Send(ExternalSystem::Siola)]);
        let v = refused(S::Submitted.after(TravelEvent::Recommend { with_letter: false }, &f));
        assert_eq!(v[0].pointer, "/letter_number");
        the_stage_refuses(S::Draft.after(TravelEvent::Recommend { with_letter: true }, &f));
    }

    #[test]
    fn a_rejection_or_cancellation_needs_a_reason() {
        let p = TravelPolicy::default();
        let f = on(&p, "2026-11-30");
        let v = refused(S::Submitted.after(TravelEvent::Reject { note: None }, &f));
        assert_eq!(
            (v[0].code.as_ref(), v[0].pointer.as_ref()),
            ("required", "/note")
        );
        let s = S::Submitted.after(
            TravelEvent::Reject {
                note: Some("no benefit analysis"),
            },
            &f,
        );
        assert_eq!(
            s.unwrap().effects,
            [Effect::Close("no benefit analysis".into())]
        );
        assert!(S::KemendagriPermit
            .after(TravelEvent::Cancel { note: None }, &f)
            .is_err());
        the_stage_refuses(S::Draft.after(TravelEvent::Reject { note: Some("x") }, &f));
    }

    #[test]
    fn cancelling_withdraws_every_permit_request_still_queued() {
        let p = TravelPolicy::default();
        let s = S::PresidentialPermit
            .after(
                TravelEvent::Cancel {
                    note: Some("postponed"),
                },
                &on(&p, "2026-11-30"),
            )
            .unwrap();
        assert_eq!(s.stage, S::Cancelled);
        for x in ExternalSystem::ALL {
            assert!(s.effects.contains(&Effect::Withdraw(x)), "{x:?}");
        }
    }

    #[test]
    fn a_closed_or_completed_trip_cannot_be_cancelled() {
        let p = TravelPolicy::default();
        let f = on(&p, "2026-11-30");
        for stage in [S::Returned, S::Closed, S::Rejected, S::Cancelled] {
            the_stage_refuses(stage.after(TravelEvent::Cancel { note: Some("x") }, &f));
        }
        assert!(S::Draft
            .after(TravelEvent::Cancel { note: Some("x") }, &f)
            .is_ok());
    }

    #[test]
    fn a_granted_permit_sends_the_request_to_the_next_system() {
        let p = TravelPolicy::default();
        let f = on(&p, "2026-11-30");
        let grant = |system| TravelEvent::PermitReceived {
            system,
            decision: PermitDecision::Granted,
            note: None,
        };
        let s = S::KemendagriPermit
            .after(grant(ExternalSystem::Siola), &f)
            .unwrap();
        assert_eq!(s.stage, S::PresidentialPermit);
        assert_eq!(
            s.effects,
            [
                Effect::Permit(ExternalSystem::Siola, PermitDecision::Granted),
                Effect::Withdraw(ExternalSystem::Siola),
                Effect::Send(ExternalSystem::Simpel),
            ]
        );
        let last = S::ExitPermit
            .after(grant(ExternalSystem::ExitPermit), &f)
            .unwrap();
        assert_eq!(last.stage, S::ApprovedToDepart);
        assert!(!last.effects.iter().any(|e| matches!(e, Effect::Send(_))));
    }

    #[test]
    fn simpel_reached_fewer_than_seven_days_before_departure_is_a_warning_not_a_refusal() {
        let p = TravelPolicy::default();
        let grant = TravelEvent::PermitReceived {
            system: ExternalSystem::Siola,
            decision: PermitDecision::Granted,
            note: None,
        };
        let s = S::KemendagriPermit
            .after(grant, &on(&p, "2026-12-05"))
            .unwrap();
        assert_eq!(s.stage, S::PresidentialPermit);
        let warning = Warning::SimpelLeadTimeMissed { days: 5, limit: 7 };
        assert!(s.effects.contains(&Effect::Warn(warning)));
        assert!(warning.to_string().starts_with("simpel_lead_time_missed"));
    }

    #[test]
    fn a_refused_permit_rejects_the_request_with_the_systems_reason() {
        let p = TravelPolicy::default();
        let refuse = TravelEvent::PermitReceived {
            system: ExternalSystem::Simpel,
            decision: PermitDecision::Rejected,
            note: Some("agenda unclear"),
        };
        let s = S::PresidentialPermit
            .after(refuse, &on(&p, "2026-11-30"))
            .unwrap();
        assert_eq!(s.stage, S::Rejected);
        assert!(s
            .effects
            .contains(&Effect::Close("simpel refused: agenda unclear".into())));
        assert!(!s.effects.iter().any(|e| matches!(e, Effect::Send(_))));
    }

    #[test]
    fn a_decision_for_another_stage_has_arrived_early_or_too_late() {
        use ExternalSystem as X;
        assert_eq!(arrival(S::KemendagriPermit, X::Siola), Arrival::Due);
        assert_eq!(arrival(S::KemendagriPermit, X::Simpel), Arrival::Early);
        assert_eq!(arrival(S::ExitPermit, X::Siola), Arrival::Passed);
        assert_eq!(arrival(S::Cancelled, X::ExitPermit), Arrival::Passed);
        let p = TravelPolicy::default();
        let early = TravelEvent::PermitReceived {
            system: X::Simpel,
            decision: PermitDecision::Granted,
            note: None,
        };
        the_stage_refuses(S::KemendagriPermit.after(early, &on(&p, "2026-11-30")));
    }

    #[test]
    fn a_manual_decision_needs_its_letter_and_scan_before_its_stage_is_looked_at() {
        let p = TravelPolicy::default();
        let f = on(&p, "2026-11-30");
        let record = |system, scan| TravelEvent::PermitRecorded {
            system,
            decision: Some(PermitDecision::Granted),
            with_letter: true,
            scan,
            note: None,
        };
        let v =
            refused(S::Draft.after(record(Some(ExternalSystem::Siola), LetterScan::Unknown), &f));
        assert_eq!(
            codes(&v),
            ["unknown_document"],
            "the record first, not the stage"
        );
        let v = refused(S::KemendagriPermit.after(record(None, LetterScan::Missing), &f));
        let at: Vec<&str> = v.iter().map(|x| x.pointer.as_ref()).collect();
        assert_eq!(at, ["/system", "/document_id"]);
        the_stage_refuses(S::KemendagriPermit.after(
            record(Some(ExternalSystem::Simpel), LetterScan::Attached),
            &f,
        ));
        let s = S::KemendagriPermit.after(
            record(Some(ExternalSystem::Siola), LetterScan::Attached),
            &f,
        );
        assert_eq!(s.unwrap().stage, S::PresidentialPermit);
    }

    #[test]
    fn a_return_lies_between_departure_and_today() {
        let p = TravelPolicy::default();
        let f = on(&p, "2026-12-20");
        let back = |on| S::ApprovedToDepart.after(TravelEvent::RecordReturn { on }, &f);
        let s = back(Some(d("2026-12-15"))).unwrap();
        assert_eq!(s.stage, S::Returned);
        assert_eq!(
            s.effects,
            [Effect::Returned {
                on: d("2026-12-15"),
                report_due_on: d("2026-12-29")
            }]
        );
        assert_eq!(codes(&refused(back(None))), ["required"]);
        assert_eq!(
            codes(&refused(back(Some(d("2026-12-21"))))),
            ["out_of_range"],
            "the future"
        );
        assert_eq!(
            codes(&refused(back(Some(d("2026-12-09"))))),
            ["out_of_range"],
            "before leaving"
        );
        the_stage_refuses(S::ExitPermit.after(
            TravelEvent::RecordReturn {
                on: Some(d("2026-12-15")),
            },
            &f,
        ));
    }

    #[test]
    fn a_report_after_its_due_date_is_late_and_follows_the_return() {
        let p = TravelPolicy::default();
        let mut f = on(&p, "2026-12-29");
        f.report_due_on = Some(d("2026-12-29"));
        let on_time = S::Returned.after(TravelEvent::FileReport, &f).unwrap();
        assert_eq!(
            on_time,
            Step {
                stage: S::Closed,
                effects: vec![Effect::Reported { late: false }]
            }
        );
        f.today = d("2026-12-30");
        let late = S::Returned.after(TravelEvent::FileReport, &f).unwrap();
        assert_eq!(late.effects, [Effect::Reported { late: true }]);
        the_stage_refuses(S::ApprovedToDepart.after(TravelEvent::FileReport, &f));
    }

    #[test]
    fn each_action_takes_its_own_permission() {
        assert_eq!(TravelActionKind::Submit.permission(), Action::WriteTravel);
        assert_eq!(
            TravelActionKind::Reject.permission(),
            Action::RecommendTravel
        );
        assert_eq!(
            TravelActionKind::RecordDecision.permission(),
            Action::RecordTravelDecisions
        );
    }
}
