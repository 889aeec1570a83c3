//! A workflow case: one agreement's walk through its pinned definition. Pure:
//! `Case::apply` takes an action and returns the new case or every reason it is refused (as
//! [`Violation`]s), so the API, the tests and later the simulator share one state machine.

use crate::date::Date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::agreement::{AgreementStatus, CooperationObject};
use crate::calendar::Calendar;
use crate::code::code_enum;
use crate::record::AuditAction;
use crate::rules::RuleId;
use crate::violation::{verdict, Verdict, Violation};
use crate::workflow::{Definition, StageActor, StageKey};

/// A letter: number and date.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub number: String,
    pub date: Date,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    Rejected,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consideration {
    /// Back to the cooperation plan, and so to DPRD again (R11).
    RevisePlan,
    /// Forward: draft the text.
    DraftText,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    Approved,
    /// Back to the draft text.
    Revise,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signatory {
    pub name: String,
    pub position: String,
}

code_enum! {
    /// The capacity in which the Indonesian signatory signs (R15).
    SignatoryCapacity {
        /// The definitive head of region (governor, regent, mayor).
        Definitive => "definitive",
        /// *Penjabat* (Pj.) head: signs only with the Minister of Home Affairs' written approval
        /// (`minister_approval`; DEFAULT, configurable).
        Penjabat => "penjabat",
        /// *Pelaksana Tugas* (Plt.), acting for an absent head: refused by default.
        Plt => "plt",
        /// *Pelaksana Harian* (Plh.), standing in for a day-to-day absence: refused by default.
        Plh => "plh",
        /// A deputy head of region: never signs.
        Deputy => "deputy",
    }
}

impl SignatoryCapacity {
    /// The capacity a position's words show (`Pj. Gubernur`, `Plt. Bupati`, `Wakil Wali Kota`),
    /// if any: a record that does not state its capacity is read from its position.
    pub fn from_position(position: &str) -> Option<SignatoryCapacity> {
        let lower = position.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |w: &str| words.contains(&w);
        let phrase = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
        if has("wakil") {
            Some(Self::Deputy)
        } else if has("plt") || phrase("pelaksana", "tugas") {
            Some(Self::Plt)
        } else if has("plh") || phrase("pelaksana", "harian") {
            Some(Self::Plh)
        } else if has("pj") || has("penjabat") {
            Some(Self::Penjabat)
        } else {
            None
        }
    }
}

code_enum! {
    /// Whether a head of region's stand-in may sign (settings `signing.penjabat` and
    /// `signing.plt_plh`, R15).
    ActingHeadRule {
        Refused => "refused",
        /// Only with the Minister of Home Affairs' written approval, recorded on the signing.
        WithMinisterApproval => "with_minister_approval",
        Allowed => "allowed",
    }
}

/// Who besides the definitive head of region may sign (R15; DEFAULT, configurable): a
/// *Penjabat* with the Minister's written approval (PP 49/2008 art. 132A); a *Plt.* or *Plh.*
/// not (UU 30/2014 art. 14(7): no strategic decisions). A deputy never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningPolicy {
    pub penjabat: ActingHeadRule,
    pub plt_plh: ActingHeadRule,
}

impl Default for SigningPolicy {
    fn default() -> Self {
        SigningPolicy {
            penjabat: ActingHeadRule::WithMinisterApproval,
            plt_plh: ActingHeadRule::Refused,
        }
    }
}

/// The R5 checklist (PP 28/2018 art. 27(1)c–e, (2)), affirmed before the plan goes to DPRD.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafeguardChecklist {
    /// The cooperation opens no representative office of the region abroad.
    pub no_representative_office_abroad: bool,
    /// It does not lead to interference in domestic affairs.
    pub no_interference_in_domestic_affairs: bool,
    /// It is consistent with the national and regional development plans.
    pub consistent_with_development_plans: bool,
    /// Science and technology it involves are transferable.
    pub science_technology_transferable: bool,
    /// Why science and technology transfer is not relevant to this cooperation: the only item
    /// that may be `false`, and only with this reason and when `science_technology` is not one
    /// of the agreement's objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub science_technology_not_relevant_reason: Option<String>,
}

/// DPRD's receipt of the cooperation plan (R10): the decision's 45 working days count from it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub received_on: NaiveDate,
    /// The number of the letter that sent the plan; `null` when the receipt came with the
    /// decision (no receipt recorded before it).
    pub letter_number: Option<String>,
}

/// The record that completes each stage.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageRecord {
    /// With the four safety principles of seed 001.
    ExplorationReport {
        benefits: String,
        partner_profile: String,
        politically_safe: bool,
        legally_safe: bool,
        technically_safe: bool,
        security_safe: bool,
    },
    Consultations {
        kemendagri: Letter,
        kemlu: Letter,
    },
    LetterOfIntent {
        signed_on: Date,
        languages: Vec<String>,
    },
    /// The seven elements of art. 30(3) (R8), and the R5 checklist, required where the plan
    /// goes to DPRD.
    CooperationPlan {
        subject: String,
        background: String,
        aims: String,
        object: String,
        scope: String,
        financing_source: String,
        implementation_period: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        safeguards: Option<SafeguardChecklist>,
    },
    /// DPRD's receipt of the plan (action `record_receipt`, R10): it completes no stage but
    /// starts the DPRD stage's clock.
    DprdReceipt {
        received_on: Date,
        /// The number of the letter that sent the plan.
        letter_number: String,
    },
    DprdDecision {
        received_on: Date,
        decision: Decision,
        letter: Letter,
    },
    MinisterialConsideration {
        outcome: Consideration,
        letter: Letter,
    },
    DraftText {
        languages: Vec<String>,
    },
    InterministerialMeeting {
        held_on: Date,
        participants: Vec<String>,
        outcome: Review,
    },
    Negotiation {
        outcome: Review,
        note: String,
    },
    ConfirmationLetter {
        letter: Letter,
    },
    FullPowers {
        letter: Letter,
        holder_name: String,
        holder_position: String,
        valid_until: Date,
        scope: String,
    },
    KemendagriConsultation {
        outcome: Review,
        letter: Letter,
    },
    Signing {
        signed_on: Date,
        place: String,
        indonesian: Signatory,
        /// Whether the Indonesian signatory is the definitive head of region (R15: no deputy,
        /// no delegate). Without `capacity`, `true` means `definitive`.
        #[serde(default)]
        indonesian_is_head_of_region: bool,
        partner: Signatory,
        signed_text_languages: Vec<String>,
        /// The Indonesian signatory's capacity (R15); when absent: `definitive` if
        /// `indonesian_is_head_of_region`, else what the position says (Pj., Plt., Plh., Wakil).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capacity: Option<SignatoryCapacity>,
        /// The Minister of Home Affairs' written approval for a *Penjabat* (or, where so
        /// configured, a Plt./Plh.) to sign.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minister_approval: Option<Letter>,
    },
}

impl StageRecord {
    /// For a decision record: whether its outcome approves (`Some(true)`) or rejects/revises
    /// (`Some(false)`); `None` for records that decide nothing.
    pub fn approves(&self) -> Option<bool> {
        match self {
            Self::DprdDecision { decision, .. } => Some(*decision == Decision::Approved),
            Self::MinisterialConsideration { outcome, .. } => {
                Some(*outcome == Consideration::DraftText)
            }
            Self::InterministerialMeeting { outcome, .. }
            | Self::Negotiation { outcome, .. }
            | Self::KemendagriConsultation { outcome, .. } => Some(*outcome == Review::Approved),
            _ => None,
        }
    }

    /// The `requires` name of the stage this record completes.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ExplorationReport { .. } => "exploration_report",
            Self::Consultations { .. } => "consultations",
            Self::LetterOfIntent { .. } => "letter_of_intent",
            Self::CooperationPlan { .. } => "cooperation_plan",
            Self::DprdReceipt { .. } => "dprd_receipt",
            Self::DprdDecision { .. } => "dprd_decision",
            Self::MinisterialConsideration { .. } => "ministerial_consideration",
            Self::DraftText { .. } => "draft_text",
            Self::InterministerialMeeting { .. } => "interministerial_meeting",
            Self::Negotiation { .. } => "negotiation",
            Self::ConfirmationLetter { .. } => "confirmation_letter",
            Self::FullPowers { .. } => "full_powers",
            Self::KemendagriConsultation { .. } => "kemendagri_consultation",
            Self::Signing { .. } => "signing",
        }
    }
}

code_enum! {
    CaseStatus {
        Running => "running",
        /// Signed: the agreement becomes active from its effective date.
        Signed => "signed",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    Pending,
    Active,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageState {
    pub key: StageKey,
    pub status: StageStatus,
    pub started_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub record: Option<StageRecord>,
    /// Periods the stage was open before it was returned to the region: its clock counts them
    /// and pauses while the region holds the case.
    #[serde(default)]
    pub held: Vec<(NaiveDate, NaiveDate)>,
    /// DPRD's receipt of the plan, for a stage whose clock starts at receipt (R10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

/// The stage actor a principal may act as on a case of an agreement in `region`, if any:
/// admins act on any stage; central reviewers on Kemendagri's and Kemlu's; province and region
/// officers on the region's, within their write scope; DPRD decisions only by that region's own
/// secretariat (R9). Service accounts never act on cases.
pub fn acting_as(
    p: &crate::access::Principal,
    region: &crate::RegionCode,
    stage: StageActor,
) -> Option<StageActor> {
    use crate::access::{Action, PrincipalKind};
    let role = match p.kind {
        PrincipalKind::User { role } => role,
        PrincipalKind::ServiceAccount { .. } => return None,
    };
    let in_write_scope = p
        .visibility(Action::WriteAgreements)
        .is_some_and(|v| v.includes(Some(region)));
    match (role, stage) {
        (Role::Admin, s) => Some(s),
        (Role::CentralReviewer, s @ (StageActor::Kemendagri | StageActor::Kemlu)) => Some(s),
        (Role::ProvinceOfficer | Role::RegionOfficer, StageActor::Region) if in_write_scope => {
            Some(StageActor::Region)
        }
        (Role::DprdSecretariat, StageActor::Dprd) if p.region.as_ref() == Some(region) => {
            Some(StageActor::Dprd)
        }
        _ => None,
    }
}

/// The stage actors a role works as, for its task list (the same pairs as [`acting_as`]).
pub fn stage_actors_of(role: Role) -> &'static [StageActor] {
    match role {
        Role::Admin => &StageActor::ALL,
        Role::CentralReviewer => &[StageActor::Kemendagri, StageActor::Kemlu],
        Role::ProvinceOfficer | Role::RegionOfficer => &[StageActor::Region],
        Role::DprdSecretariat => &[StageActor::Dprd],
        _ => &[],
    }
}

/// A case: the definition it is pinned to and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub definition_key: String,
    pub definition_version: u32,
    pub full_powers_required: bool,
    pub status: CaseStatus,
    pub stages: Vec<StageState>,
}

/// What someone does to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseAction {
    /// Complete the current stage with its record.
    Complete(StageRecord),
    /// Send the case back one stage (note required).
    Return {
        note: String,
    },
    Withdraw {
        note: String,
    },
    /// DPRD's receipt of the plan (R10), recorded while the DPRD stage is open.
    RecordReceipt {
        received_on: NaiveDate,
        letter_number: String,
    },
}

code_enum! {
    /// What an action asks for.
    WorkflowActionKind {
        /// Start the case on the newest definition (If-Match: the agreement's ETag).
        Start => "start",
        /// Complete the current stage with its `record` (approve/reject and revise outcomes are
        /// fields of the decision records).
        CompleteStage => "complete_stage",
        /// Complete a stage the case was returned to (same as `complete_stage`).
        Resubmit => "resubmit",
        /// Complete a decision stage with an approving record (DPRD approved, draft approved…).
        Approve => "approve",
        /// Complete a decision stage with a rejecting record (DPRD rejected: the case ends).
        Reject => "reject",
        /// Send the case back one stage; `note` required.
        Return => "return",
        /// Withdraw the case (the region); `note` required.
        Withdraw => "withdraw",
        /// DPRD's secretariat records the date it received the plan and the sending letter's
        /// number (`record` of kind `dprd_receipt`): the 45 working days count from it (R10).
        RecordReceipt => "record_receipt",
    }
}

impl WorkflowActionKind {
    /// The action on a running case this asks for: completing ones need the stage's record, and
    /// `approve`/`reject` one with that outcome. `start` asks for nothing on a case that exists.
    pub fn on_case(self, record: Option<StageRecord>, note: Option<String>) -> Verdict<CaseAction> {
        use WorkflowActionKind::*;
        let note = note.unwrap_or_default();
        let wanted = match self {
            Start => {
                return Err(vec![Violation::conflict(
                    "already_started",
                    "The case has started already.",
                    "Kasus sudah dimulai.",
                )])
            }
            Return => return Ok(CaseAction::Return { note }),
            Withdraw => return Ok(CaseAction::Withdraw { note }),
            RecordReceipt => {
                return match record {
                    Some(StageRecord::DprdReceipt {
                        received_on,
                        letter_number,
                    }) => Ok(CaseAction::RecordReceipt {
                        received_on: received_on.naive(),
                        letter_number,
                    }),
                    _ => Err(vec![Violation::invalid(
                        "required",
                        "/record",
                        "`record_receipt` needs a `dprd_receipt` record",
                        "`record_receipt` memerlukan catatan `dprd_receipt`",
                    )]),
                }
            }
            CompleteStage | Resubmit => None,
            Approve => Some(true),
            Reject => Some(false),
        };
        let record = record.ok_or_else(|| {
            vec![Violation::invalid(
                "required",
                "/record",
                "this action needs the stage's record",
                "tindakan ini memerlukan catatan tahap",
            )]
        })?;
        if matches!(record, StageRecord::DprdReceipt { .. }) {
            return Err(vec![Violation::invalid(
                "wrong_action",
                "/action",
                "a `dprd_receipt` is recorded with the action `record_receipt`",
                "catatan `dprd_receipt` dicatat dengan tindakan `record_receipt`",
            )]);
        }
        if wanted.is_some_and(|w| record.approves() != Some(w)) {
            return Err(vec![Violation::invalid(
                "outcome_mismatch",
                "/record",
                "the record's outcome does not match the action",
                "hasil pada catatan tidak sesuai dengan tindakan",
            )]);
        }
        Ok(CaseAction::Complete(record))
    }

    /// How the action is recorded in the audit log.
    pub fn audited_as(self) -> AuditAction {
        match self {
            Self::Start => AuditAction::WorkflowStarted,
            Self::CompleteStage | Self::Resubmit => AuditAction::WorkflowStageCompleted,
            Self::Approve => AuditAction::WorkflowApproved,
            Self::Reject => AuditAction::WorkflowRejected,
            Self::Return => AuditAction::WorkflowReturned,
            Self::Withdraw => AuditAction::WorkflowWithdrawn,
            Self::RecordReceipt => AuditAction::WorkflowReceiptRecorded,
        }
    }
}

/// One thing that blocks the next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requirement {
    /// A stable code: the condition (`record_required`, `no_confirmation_letter`,
    /// `umbrella_not_in_force`…).
    pub code: String,
    pub rule: Option<RuleId>,
    /// Who can meet it, when one actor can.
    pub actor: Option<StageActor>,
    /// In English.
    pub message: String,
    /// In Indonesian.
    pub message_id: String,
    /// The legal source: the rule's, or the stage's for a record the stage needs.
    pub citation: Option<String>,
}

impl Requirement {
    /// What blocks an agreement whose case has not started: a draft waits for the region to
    /// start it, since DPRD approval is mandatory (R9); a legacy or later agreement has no case.
    pub fn before_start(status: AgreementStatus, legacy: bool) -> Vec<Requirement> {
        if status == AgreementStatus::PendingVerification {
            // R23: recorded from outside the system; it waits for a central reviewer, not for a
            // workflow.
            return vec![Requirement {
                code: "pending_verification".into(),
                rule: Some(RuleId::R23),
                actor: Some(StageActor::Kemendagri),
                message: "a central reviewer verifies the recorded DPRD, Kemendagri and Kemlu letters (`POST …/verification`)".into(),
                message_id: "peninjau pusat memverifikasi surat DPRD, Kemendagri dan Kemlu yang dicatat (`POST …/verification`)".into(),
                citation: Some(RuleId::R23.source().into()),
            }];
        }
        if legacy || status != AgreementStatus::Draft {
            return Vec::new();
        }
        vec![Requirement {
            code: "not_started".into(),
            rule: Some(RuleId::R9),
            actor: Some(StageActor::Region),
            message: "the region starts the approval workflow (action `start`)".into(),
            message_id: "daerah memulai alur persetujuan (tindakan `start`)".into(),
            citation: Some(RuleId::R9.source().into()),
        }]
    }

    /// A refusal as a requirement: its condition's code (the text's closing `(code)`, else the
    /// violation's code), rule, citation and both texts.
    pub fn from_violation(v: &Violation, actor: Option<StageActor>) -> Requirement {
        let code = v
            .text
            .en
            .rsplit_once(" (")
            .and_then(|(_, c)| c.strip_suffix(')'))
            .filter(|c| !c.contains(' '))
            .map_or_else(|| v.code.to_string(), str::to_owned);
        Requirement {
            code,
            rule: v.rule,
            actor,
            message: v.text.en.clone(),
            message_id: v.text.id.clone(),
            citation: v.rule.map(|r| r.source().to_owned()),
        }
    }
}

/// A condition of the signing guard that does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningGap {
    DprdNotApproved,
    DraftNotApproved,
    NoConfirmationLetter,
    NoFullPowers,
    FullPowersHolder,
    FullPowersExpired,
    SignatoryNotHeadOfRegion,
    /// A stand-in the signing settings do not let sign (by default a Plt. or Plh.).
    ActingHeadRefused,
    /// A *Penjabat* (or a stand-in so configured) without the Minister's written approval.
    MinisterApprovalMissing,
    SignedTextsMissing,
}

impl SigningGap {
    /// Its stable code, its rule and its explanation (English, Indonesian).
    fn describe(self) -> (&'static str, RuleId, &'static str, &'static str) {
        use SigningGap::*;
        match self {
            DprdNotApproved => ("dprd_not_approved", RuleId::R9, "DPRD has not approved the cooperation", "DPRD belum menyetujui kerja sama"),
            DraftNotApproved => ("draft_not_approved", RuleId::R12, "Kemendagri has not approved the draft", "Kemendagri belum menyetujui rancangan naskah"),
            NoConfirmationLetter => ("no_confirmation_letter", RuleId::R13, "no confirmation letter is recorded", "surat konfirmasi belum dicatat"),
            NoFullPowers => ("no_full_powers", RuleId::R14, "no full powers are recorded", "surat kuasa (full powers) belum dicatat"),
            FullPowersHolder => ("full_powers_holder", RuleId::R14, "the full powers' holder is not the signatory", "pemegang surat kuasa bukan penanda tangan"),
            FullPowersExpired => ("full_powers_expired", RuleId::R14, "the signing date is outside the full powers' validity", "tanggal penandatanganan di luar masa berlaku surat kuasa"),
            SignatoryNotHeadOfRegion => ("signatory_not_head_of_region", RuleId::R15, "the Indonesian signatory must be the head of region (no deputy, no delegation)", "penanda tangan pihak Indonesia harus kepala daerah (bukan wakil, tanpa pelimpahan)"),
            ActingHeadRefused => ("acting_head_refused", RuleId::R15, "an acting head of region (Plt./Plh., or as configured) does not sign: strategic decisions are outside their authority (UU 30/2014 art. 14(7))", "pelaksana tugas/harian kepala daerah (atau sesuai pengaturan) tidak menandatangani: keputusan strategis di luar kewenangannya (UU 30/2014 ps. 14(7))"),
            MinisterApprovalMissing => ("minister_approval_missing", RuleId::R15, "a Penjabat head of region signs only with the Minister of Home Affairs' written approval, dated on or before the signing (PP 49/2008 art. 132A)", "Penjabat kepala daerah menandatangani hanya dengan persetujuan tertulis Menteri Dalam Negeri, bertanggal paling lambat pada hari penandatanganan (PP 49/2008 ps. 132A)"),
            SignedTextsMissing => ("signed_texts_missing", RuleId::R16, "signed texts exist in Bahasa Indonesia and the other language(s)", "naskah yang ditandatangani tersedia dalam Bahasa Indonesia dan bahasa lainnya"),
        }
    }

    pub fn code(self) -> &'static str {
        self.describe().0
    }

    pub fn rule(self) -> RuleId {
        self.describe().1
    }

    pub fn violation(self) -> Violation {
        let (code, rule, en, id) = self.describe();
        record_refusal(Some(rule), code, en, id)
    }

    fn requirement(self) -> Requirement {
        let (code, rule, en, id) = self.describe();
        Requirement {
            code: code.into(),
            rule: Some(rule),
            actor: None,
            message: en.into(),
            message_id: id.into(),
            citation: Some(rule.source().into()),
        }
    }
}

/// A stage's working-day clock on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StageClock {
    /// For a stage with a time limit (DPRD: 45 working days, R10).
    pub due_on: Option<NaiveDate>,
    pub working_days_elapsed: Option<u32>,
    pub working_days_remaining: Option<i64>,
    /// Past its due date and still open. Flagged only: silence is never approval (R10).
    pub overdue: bool,
    /// An open stage whose clock starts at receipt (DPRD, R10) with no receipt yet: the clock
    /// has not started and there is no due date.
    pub awaiting_receipt: bool,
    /// The due date or the day counts reach a year whose holidays are not loaded: counted there
    /// on weekends alone (reason `calendar_not_loaded`), recomputed once the year is loaded.
    pub provisional: bool,
}

/// What a step needs to know besides the case: the days, the signing settings and the
/// agreement's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Circumstances {
    /// Today in WIB: the dates stages open and close.
    pub today: NaiveDate,
    /// Today in the region's own zone: a receipt cannot be later (R10).
    pub local_today: NaiveDate,
    pub signing: SigningPolicy,
    /// The agreement's objects (R5: science and technology transfer is relevant where it is one).
    pub objects: Vec<CooperationObject>,
    /// For a case on the shorter path: the arrangement and its umbrella, checked at each
    /// record (at signing, on the signing date).
    pub umbrella: Option<crate::workflow::Arrangement>,
}

impl Circumstances {
    /// `today` everywhere, the default settings, no agreement facts.
    pub fn on(today: NaiveDate) -> Circumstances {
        Circumstances {
            today,
            local_today: today,
            signing: SigningPolicy::default(),
            objects: Vec::new(),
            umbrella: None,
        }
    }
}

/// Why a record of a later stage cannot be recorded yet: stage `key` is not done. Each gate
/// names its rule where the regulation has one (R5, R7, R8, R9, R11, R12, R13, R14, R16).
fn stage_gate(key: StageKey) -> Option<(RuleId, &'static str, &'static str, &'static str)> {
    use StageKey::*;
    Some(match key {
        Exploration => (RuleId::R5, "exploration_missing", "the exploration report, with the safety principles affirmed, must be recorded first", "laporan penjajakan dengan prinsip keamanan harus dicatat lebih dahulu"),
        CentralConsultation => (RuleId::R7, "consultations_missing", "consultations with both Kemendagri and Kemlu must be recorded first", "konsultasi dengan Kemendagri dan Kemlu harus dicatat lebih dahulu"),
        CooperationPlan => (RuleId::R8, "plan_missing", "the cooperation plan with its seven elements must be recorded first", "rencana kerja sama dengan tujuh unsurnya harus dicatat lebih dahulu"),
        DprdApproval => (RuleId::R9, "dprd_not_approved", "DPRD must approve the cooperation first", "DPRD harus menyetujui kerja sama lebih dahulu"),
        MinisterialConsideration => (RuleId::R11, "consideration_missing", "Kemendagri's consideration of the DPRD-approved plan must be recorded first", "pertimbangan Menteri Dalam Negeri atas rencana yang disetujui DPRD harus dicatat lebih dahulu"),
        DraftText => (RuleId::R16, "draft_missing", "the draft in Bahasa Indonesia and the other language(s) must be recorded first", "rancangan naskah dalam Bahasa Indonesia dan bahasa lainnya harus dicatat lebih dahulu"),
        DraftApproval | KemendagriConsultation => (RuleId::R12, "draft_not_approved", "Kemendagri must approve the draft (after the inter-ministerial meeting) first", "Kemendagri harus menyetujui rancangan naskah (setelah rapat antarkementerian) lebih dahulu"),
        ConfirmationLetter => (RuleId::R13, "no_confirmation_letter", "the confirmation letter must be recorded first", "surat konfirmasi harus dicatat lebih dahulu"),
        FullPowers => (RuleId::R14, "no_full_powers", "the full powers must be recorded first", "surat kuasa (full powers) harus dicatat lebih dahulu"),
        LetterOfIntent | Negotiation | Signing => return None,
    })
}

/// A refused record. A rule's refusal is coded by its rule, as every rule violation is; the
/// condition's own code then closes its text, so a client can still tell the conditions apart.
fn record_refusal(rule: Option<RuleId>, code: &'static str, en: &str, id: &str) -> Violation {
    match rule {
        Some(r) => Violation::rule(
            r,
            "/record",
            format!("{en} ({code})"),
            format!("{id} ({code})"),
        ),
        None => Violation::invalid(code, "/record", en, id),
    }
}

/// **R5** — the four principles of PP 28/2018 art. 27(1)c–e, (2), affirmed before the plan goes
/// to DPRD. A `false` stops the case, save one reading the law allows: science and technology
/// transfer "where relevant" may be declared not relevant, with a recorded reason, when science
/// and technology is not an object of the cooperation.
fn check_safeguards(
    checklist: Option<&SafeguardChecklist>,
    objects: &[CooperationObject],
) -> Vec<Violation> {
    let Some(c) = checklist else {
        return vec![Violation::rule(
            RuleId::R5,
            "/record/safeguards",
            "the plan goes to DPRD only with the R5 checklist affirmed: no representative office abroad, no interference in domestic affairs, consistent with the development plans, science and technology transferable (safeguards_missing)",
            "rencana diajukan ke DPRD hanya dengan daftar periksa R5: tidak membuka kantor perwakilan di luar negeri, tidak campur tangan urusan dalam negeri, sesuai rencana pembangunan, ilmu pengetahuan dan teknologi dapat dialihkan (safeguards_missing)",
        )];
    };
    let mut out = Vec::new();
    let items = [
        (
            c.no_representative_office_abroad,
            "no_representative_office_abroad",
            "the region opens no representative office abroad",
            "daerah tidak membuka kantor perwakilan di luar negeri",
        ),
        (
            c.no_interference_in_domestic_affairs,
            "no_interference_in_domestic_affairs",
            "the cooperation does not lead to interference in domestic affairs",
            "kerja sama tidak mengarah pada campur tangan urusan dalam negeri",
        ),
        (
            c.consistent_with_development_plans,
            "consistent_with_development_plans",
            "the cooperation is consistent with the national and regional development plans",
            "kerja sama sesuai dengan rencana pembangunan nasional dan daerah",
        ),
    ];
    for (ok, field, en, id) in items {
        if !ok {
            out.push(Violation::rule(
                RuleId::R5,
                format!("/record/safeguards/{field}"),
                format!("{en}: not affirmed, the case cannot go to DPRD (safeguard_failed)"),
                format!(
                    "{id}: tidak dipenuhi, kasus tidak dapat diajukan ke DPRD (safeguard_failed)"
                ),
            ));
        }
    }
    if !c.science_technology_transferable {
        let reason = c
            .science_technology_not_relevant_reason
            .as_deref()
            .is_some_and(filled);
        let science_is_object = objects.contains(&CooperationObject::ScienceTechnology);
        if !reason || science_is_object {
            out.push(Violation::rule(
                RuleId::R5,
                "/record/safeguards/science_technology_transferable",
                if science_is_object {
                    "science and technology is an object of this cooperation: it must be transferable (safeguard_failed)"
                } else {
                    "science and technology must be transferable, or recorded as not relevant with a reason (safeguard_failed)"
                },
                if science_is_object {
                    "ilmu pengetahuan dan teknologi adalah objek kerja sama ini: harus dapat dialihkan (safeguard_failed)"
                } else {
                    "ilmu pengetahuan dan teknologi harus dapat dialihkan, atau dicatat tidak relevan dengan alasannya (safeguard_failed)"
                },
            ));
        }
    }
    out
}

fn filled(s: &str) -> bool {
    !s.trim().is_empty()
}

fn languages_ok(langs: &[String]) -> bool {
    langs.iter().any(|l| l == "id") && langs.iter().any(|l| l != "id")
}

/// The seven elements of a cooperation plan (R8), named in both languages.
const PLAN_ELEMENTS: [(&str, &str); 7] = [
    ("subject", "subjek kerja sama"),
    ("background", "latar belakang"),
    ("aims", "maksud, tujuan dan sasaran"),
    ("object", "objek kerja sama"),
    ("scope", "ruang lingkup"),
    ("financing_source", "sumber pembiayaan"),
    ("implementation_period", "jangka waktu pelaksanaan"),
];

impl Case {
    /// Starts a case on `def` (the newest version at the time; kept for the case's life).
    pub fn start(def: &Definition, today: NaiveDate) -> Case {
        let stages = def
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| StageState {
                held: Vec::new(),
                receipt: None,
                key: s.key,
                status: if i == 0 {
                    StageStatus::Active
                } else {
                    StageStatus::Pending
                },
                started_on: (i == 0).then_some(today),
                completed_on: None,
                record: None,
            })
            .collect();
        Case {
            definition_key: def.key.clone(),
            definition_version: def.version,
            full_powers_required: def.full_powers_required,
            status: CaseStatus::Running,
            stages,
        }
    }

    pub fn current(&self) -> Option<usize> {
        self.stages
            .iter()
            .position(|s| s.status == StageStatus::Active)
    }

    /// The key of the open stage, if any.
    pub fn current_key(&self) -> Option<StageKey> {
        self.current().map(|i| self.stages[i].key)
    }

    /// Who acts for `kind` now: the region withdraws; anything else is the open stage's actor.
    pub fn actor_for(&self, def: &Definition, kind: WorkflowActionKind) -> StageActor {
        match (kind, self.current()) {
            (WorkflowActionKind::Withdraw, _) | (_, None) => StageActor::Region,
            (_, Some(i)) => def.stages[i].actor,
        }
    }

    /// Stage `key` of this case, if its definition has it.
    pub fn stage(&self, key: StageKey) -> Option<&StageState> {
        self.stages.iter().find(|s| s.key == key)
    }

    fn record_of(&self, key: StageKey) -> Option<&StageRecord> {
        self.stage(key)
            .filter(|s| s.status == StageStatus::Completed)
            .and_then(|s| s.record.as_ref())
    }

    /// The signing record, once the case is signed.
    pub fn signing(&self) -> Option<&StageRecord> {
        self.record_of(StageKey::Signing)
    }

    fn has_stage(&self, key: StageKey) -> bool {
        self.stage(key).is_some()
    }

    /// Reopens stage `to` and resets everything after it (a revise loop or a return).
    fn back_to(&mut self, to: usize, today: NaiveDate) {
        for (i, s) in self.stages.iter_mut().enumerate() {
            if i == to {
                s.status = StageStatus::Active;
                s.started_on = Some(today);
                s.completed_on = None;
                s.record = None;
                s.receipt = None;
            } else if i > to {
                *s = StageState {
                    key: s.key,
                    status: StageStatus::Pending,
                    started_on: None,
                    completed_on: None,
                    record: None,
                    held: Vec::new(),
                    receipt: None,
                };
            }
        }
    }

    /// A return: the stage's open period so far is kept, so its clock resumes where it paused
    /// when the region sends the case back (a revise loop, by contrast, starts it afresh). A
    /// stage counted from its receipt keeps the period from the receipt, and needs a new one.
    fn return_from(&mut self, def: &Definition, from: usize, today: NaiveDate) {
        let mut held = self.stages[from].held.clone();
        if let Some(start) = self.clock_start(def, from) {
            held.push((start, today));
        }
        self.back_to(from - 1, today);
        self.stages[from].held = held;
    }

    /// Whether stage `i`'s clock starts at DPRD's receipt rather than at the stage's start.
    fn counts_from_receipt(def: &Definition, i: usize) -> bool {
        def.stages[i].time_limit.is_some_and(|t| t.from_receipt)
    }

    /// The day stage `i`'s clock starts: its receipt (R10: DPRD's 45 working days count from
    /// receipt; a decision without a prior receipt brings it), else the day the stage opened.
    fn clock_start(&self, def: &Definition, i: usize) -> Option<NaiveDate> {
        let s = &self.stages[i];
        if !Self::counts_from_receipt(def, i) {
            return s.started_on;
        }
        s.receipt
            .as_ref()
            .map(|r| r.received_on)
            .or(match &s.record {
                Some(StageRecord::DprdDecision { received_on, .. }) => Some(received_on.naive()),
                _ => None,
            })
            .filter(|_| s.started_on.is_some())
    }

    /// Stage `i`'s working-day clock on `today`: the days it has been open (earlier periods
    /// before returns plus the current one) and, with a time limit, its due date. A DPRD stage
    /// counts from the receipt; before it, the clock has not started (`awaiting_receipt`).
    pub fn clock(
        &self,
        cal: &Calendar,
        def: &Definition,
        i: usize,
        today: NaiveDate,
    ) -> StageClock {
        let s = &self.stages[i];
        let Some(start) = self.clock_start(def, i) else {
            return StageClock {
                awaiting_receipt: s.status == StageStatus::Active
                    && Self::counts_from_receipt(def, i),
                ..StageClock::default()
            };
        };
        let end = s.completed_on.unwrap_or(today);
        let mut provisional = false;
        let mut count = |a: NaiveDate, b: NaiveDate| {
            cal.working_days_between_estimated(a, b.max(a))
                .ok()
                .map(|r| {
                    provisional |= r.provisional;
                    r.value
                })
        };
        let held: Option<u32> = s.held.iter().map(|(a, b)| count(*a, *b)).sum();
        let elapsed = count(start, end)
            .zip(held)
            .map(|(now, before)| now + before);
        let Some(limit) = def.stages[i].time_limit else {
            return StageClock {
                working_days_elapsed: elapsed,
                provisional,
                ..StageClock::default()
            };
        };
        // The clock resumes where it paused: the days already used are not given again.
        let left = limit.working_days.saturating_sub(held.unwrap_or(0));
        let due = cal.add_working_days_estimated(start, left).ok();
        let due_on = due.map(|r| r.value);
        StageClock {
            due_on,
            working_days_elapsed: elapsed,
            working_days_remaining: elapsed.map(|e| i64::from(limit.working_days) - i64::from(e)),
            overdue: s.status == StageStatus::Active && due_on.is_some_and(|d| today > d),
            awaiting_receipt: false,
            provisional: provisional || due.is_some_and(|r| r.provisional),
        }
    }

    /// The open stage's due date on `today`, if it has a time limit (and, for DPRD, a receipt).
    pub fn due_on(&self, cal: &Calendar, def: &Definition, today: NaiveDate) -> Option<NaiveDate> {
        self.current()
            .and_then(|i| self.clock(cal, def, i, today).due_on)
    }

    /// Whether the open stage waits for DPRD's receipt before its clock starts (R10).
    pub fn awaiting_receipt(&self, def: &Definition) -> bool {
        self.current().is_some_and(|i| {
            Self::counts_from_receipt(def, i) && self.clock_start(def, i).is_none()
        })
    }

    /// **R10** — a receipt lies between the day the plan was sent (the DPRD stage opened when
    /// the plan was completed) and today in the region's zone; it may be recorded late.
    fn check_receipt(
        stage: &StageState,
        received_on: NaiveDate,
        local_today: NaiveDate,
    ) -> Vec<Violation> {
        let mut out = Vec::new();
        if let Some(sent) = stage.started_on.filter(|sent| received_on < *sent) {
            out.push(Violation::rule(
                RuleId::R10,
                "/record/received_on",
                format!("DPRD cannot have received the plan before it was sent on {sent} (receipt_before_sending)"),
                format!("DPRD tidak mungkin menerima rencana sebelum dikirim pada {sent} (receipt_before_sending)"),
            ));
        }
        if received_on > local_today {
            out.push(Violation::rule(
                RuleId::R10,
                "/record/received_on",
                format!("a receipt cannot be dated after today ({local_today}) (receipt_in_future)"),
                format!("tanggal penerimaan tidak boleh setelah hari ini ({local_today}) (receipt_in_future)"),
            ));
        }
        out
    }

    /// Checks a record for stage `i` against its stage's rules (not the signing guard).
    fn check_record(&self, i: usize, r: &StageRecord, ctx: &Circumstances) -> Vec<Violation> {
        let refuse = record_refusal;
        let mut out = Vec::new();
        match r {
            StageRecord::ExplorationReport {
                benefits,
                partner_profile,
                politically_safe,
                legally_safe,
                technically_safe,
                security_safe,
            } => {
                if !filled(benefits) || !filled(partner_profile) {
                    out.push(refuse(
                        None,
                        "incomplete_record",
                        "the exploration report states the benefits and the partner's profile",
                        "laporan penjajakan memuat manfaat dan profil mitra",
                    ));
                }
                if !(politically_safe & legally_safe & technically_safe & security_safe) {
                    out.push(refuse(Some(RuleId::R5), "unsafe_cooperation", "the cooperation must be politically, legally, technically and security-wise safe", "kerja sama harus aman secara politis, yuridis, teknis dan keamanan"));
                }
            }
            StageRecord::LetterOfIntent {
                languages,
                signed_on,
            } => {
                // R7: both consultations recorded before the LoI is signed, and the LoI signed
                // on or after the later of the two letters.
                match self.record_of(StageKey::CentralConsultation) {
                    None if self.has_stage(StageKey::CentralConsultation) => {
                        out.push(refuse(Some(RuleId::R7), "consultations_missing", "the LoI cannot be signed before consultations with Kemendagri and Kemlu are recorded", "pernyataan kehendak tidak dapat ditandatangani sebelum konsultasi dengan Kemendagri dan Kemlu dicatat"));
                    }
                    Some(StageRecord::Consultations { kemendagri, kemlu })
                        if *signed_on < kemendagri.date.max(kemlu.date) =>
                    {
                        let later = kemendagri.date.max(kemlu.date);
                        out.push(Violation::rule(
                            RuleId::R7,
                            "/record/signed_on",
                            format!("the LoI cannot be signed before both consultation letters: the later is dated {later} (loi_before_consultations)"),
                            format!("pernyataan kehendak tidak dapat ditandatangani sebelum kedua surat konsultasi: yang terakhir bertanggal {later} (loi_before_consultations)"),
                        ));
                    }
                    _ => {}
                }
                if !languages_ok(languages) {
                    out.push(refuse(Some(RuleId::R16), "languages", "the LoI is in Bahasa Indonesia and the partner's language and/or English", "pernyataan kehendak dibuat dalam Bahasa Indonesia dan bahasa mitra dan/atau bahasa Inggris"));
                }
            }
            StageRecord::CooperationPlan {
                subject,
                background,
                aims,
                object,
                scope,
                financing_source,
                implementation_period,
                safeguards,
            } => {
                // R5: the checklist is affirmed before the plan goes to DPRD.
                if self.has_stage(StageKey::DprdApproval) {
                    out.extend(check_safeguards(safeguards.as_ref(), &ctx.objects));
                }
                let values = [
                    subject,
                    background,
                    aims,
                    object,
                    scope,
                    financing_source,
                    implementation_period,
                ];
                for ((en, id), v) in PLAN_ELEMENTS.iter().zip(values) {
                    if !filled(v) {
                        out.push(refuse(
                            Some(RuleId::R8),
                            "plan_element_missing",
                            &format!("the plan must state its {en}"),
                            &format!("rencana kerja sama harus memuat {id}"),
                        ));
                    }
                }
            }
            StageRecord::DprdDecision {
                letter,
                received_on,
                ..
            } => {
                // R10: the receipt recorded before the decision, or the decision's own date of
                // receipt, which then counts as the receipt.
                match &self.stages[i].receipt {
                    Some(rc) if *received_on != rc.received_on => out.push(Violation::rule(
                        RuleId::R10,
                        "/record/received_on",
                        format!("DPRD's receipt is recorded as {}; the decision states the same date (receipt_mismatch)", rc.received_on),
                        format!("penerimaan DPRD tercatat {}; keputusan menyebut tanggal yang sama (receipt_mismatch)", rc.received_on),
                    )),
                    Some(_) => {}
                    None => out.extend(Self::check_receipt(
                        &self.stages[i],
                        received_on.naive(),
                        ctx.local_today,
                    )),
                }
                if !filled(&letter.number) {
                    out.push(refuse(
                        None,
                        "letter_number_missing",
                        "the letter's number is required",
                        "nomor surat wajib diisi",
                    ));
                }
            }
            StageRecord::MinisterialConsideration { letter, .. }
            | StageRecord::ConfirmationLetter { letter }
            | StageRecord::KemendagriConsultation { letter, .. }
                if !filled(&letter.number) =>
            {
                out.push(refuse(
                    None,
                    "letter_number_missing",
                    "the letter's number is required",
                    "nomor surat wajib diisi",
                ));
            }
            StageRecord::DraftText { languages } if !languages_ok(languages) => {
                out.push(refuse(Some(RuleId::R16), "languages", "the draft is in Bahasa Indonesia and the partner's language and/or English", "rancangan naskah dibuat dalam Bahasa Indonesia dan bahasa mitra dan/atau bahasa Inggris"));
            }
            StageRecord::InterministerialMeeting { participants, .. }
                if !participants
                    .iter()
                    .any(|p| p.to_lowercase().contains("kemlu")) =>
            {
                out.push(refuse(
                    Some(RuleId::R12),
                    "kemlu_absent",
                    "the inter-ministerial meeting includes Kemlu",
                    "rapat antarkementerian diikuti Kemlu",
                ));
            }
            StageRecord::FullPowers {
                holder_name,
                valid_until,
                letter,
                ..
            } => {
                if !filled(holder_name) || !filled(&letter.number) {
                    out.push(refuse(
                        Some(RuleId::R14),
                        "incomplete_record",
                        "full powers name their number and holder",
                        "surat kuasa memuat nomor dan nama pemegangnya",
                    ));
                }
                if *valid_until < letter.date {
                    out.push(refuse(
                        Some(RuleId::R14),
                        "invalid_validity",
                        "full powers cannot end before they are issued",
                        "masa berlaku surat kuasa tidak dapat berakhir sebelum tanggal terbitnya",
                    ));
                }
            }
            _ => {}
        }
        out
    }

    /// What the case itself must hold before signing, whatever the signing record says
    /// (R9, R12, R13, R14 recorded).
    pub fn signing_preconditions(&self) -> Vec<SigningGap> {
        let mut out = Vec::new();
        if self.has_stage(StageKey::DprdApproval)
            && !matches!(
                self.record_of(StageKey::DprdApproval),
                Some(StageRecord::DprdDecision {
                    decision: Decision::Approved,
                    ..
                })
            )
        {
            out.push(SigningGap::DprdNotApproved);
        }
        let draft_ok = match (
            self.has_stage(StageKey::DraftApproval),
            self.has_stage(StageKey::KemendagriConsultation),
        ) {
            (true, _) => matches!(
                self.record_of(StageKey::DraftApproval),
                Some(StageRecord::InterministerialMeeting {
                    outcome: Review::Approved,
                    ..
                })
            ),
            (false, true) => matches!(
                self.record_of(StageKey::KemendagriConsultation),
                Some(StageRecord::KemendagriConsultation {
                    outcome: Review::Approved,
                    ..
                })
            ),
            (false, false) => true,
        };
        if !draft_ok {
            out.push(SigningGap::DraftNotApproved);
        }
        if self.has_stage(StageKey::ConfirmationLetter)
            && self.record_of(StageKey::ConfirmationLetter).is_none()
        {
            out.push(SigningGap::NoConfirmationLetter);
        }
        if self.full_powers_required && self.record_of(StageKey::FullPowers).is_none() {
            out.push(SigningGap::NoFullPowers);
        }
        out
    }

    /// The signing guard under the default signing settings (see [`Case::signing_gaps_under`]).
    pub fn signing_gaps(&self, signing: &StageRecord) -> Vec<SigningGap> {
        self.signing_gaps_under(signing, &SigningPolicy::default())
    }

    /// The signing guard: every unmet condition of signing with `signing` under `policy`. For a
    /// record that is not a signing, only what the case itself lacks.
    pub fn signing_gaps_under(
        &self,
        signing: &StageRecord,
        policy: &SigningPolicy,
    ) -> Vec<SigningGap> {
        let mut out = self.signing_preconditions();
        let StageRecord::Signing {
            signed_on,
            indonesian,
            indonesian_is_head_of_region,
            signed_text_languages,
            capacity,
            minister_approval,
            ..
        } = signing
        else {
            return out;
        };
        if let Some(StageRecord::FullPowers {
            holder_name,
            letter,
            valid_until,
            ..
        }) = self.record_of(StageKey::FullPowers)
        {
            if self.full_powers_required {
                if holder_name.trim().to_lowercase() != indonesian.name.trim().to_lowercase() {
                    out.push(SigningGap::FullPowersHolder);
                }
                if *signed_on > *valid_until || *signed_on < letter.date {
                    out.push(SigningGap::FullPowersExpired);
                }
            }
        }
        out.extend(capacity_gap(
            *capacity,
            *indonesian_is_head_of_region,
            &indonesian.position,
            minister_approval.as_ref(),
            signed_on.naive(),
            policy,
        ));
        if !languages_ok(signed_text_languages) {
            out.push(SigningGap::SignedTextsMissing);
        }
        out
    }

    /// What blocks the next step: the record the current stage needs (with the rule that asks
    /// for it), DPRD's receipt while it is missing (R10), and, before signing, every unmet
    /// precondition. Empty once the case is closed.
    pub fn requirements(&self, def: &Definition) -> Vec<Requirement> {
        if self.status != CaseStatus::Running {
            return Vec::new();
        }
        let Some(i) = self.current() else {
            return Vec::new();
        };
        let stage = &def.stages[i];
        let mut out = Vec::new();
        if self.awaiting_receipt(def) {
            out.push(Requirement {
                code: "receipt_required".into(),
                rule: Some(RuleId::R10),
                actor: Some(stage.actor),
                message: "DPRD's secretariat records the date it received the plan and the letter's number (action `record_receipt`): the 45 working days count from it".into(),
                message_id: "sekretariat DPRD mencatat tanggal penerimaan rencana dan nomor suratnya (tindakan `record_receipt`): 45 hari kerja dihitung sejak itu".into(),
                citation: Some(RuleId::R10.source().into()),
            });
        }
        let rule = stage_gate(stage.key).map(|g| g.0);
        out.push(Requirement {
            code: "record_required".into(),
            rule,
            actor: Some(stage.actor),
            message: format!(
                "the {} stage needs a `{}` record from {}",
                stage.name_en,
                stage.requires,
                stage.actor.as_str()
            ),
            message_id: format!(
                "tahap {} memerlukan catatan `{}` dari {}",
                stage.name_id,
                stage.requires,
                stage.actor.as_str()
            ),
            citation: Some(stage.citation.clone()),
        });
        if stage.key == StageKey::Signing {
            out.extend(
                self.signing_preconditions()
                    .into_iter()
                    .map(SigningGap::requirement),
            );
        }
        out
    }

    /// Applies `action` by an actor of kind `actor` on `today`, under the default settings and
    /// without the agreement's facts (see [`Case::apply_in`]).
    pub fn apply(
        &self,
        def: &Definition,
        action: CaseAction,
        actor: StageActor,
        today: NaiveDate,
    ) -> Verdict<Case> {
        self.apply_in(def, action, actor, &Circumstances::on(today))
    }

    /// Applies `action` by an actor of kind `actor` in `ctx`: the new case, or every reason it
    /// is refused (`case_closed` a conflict, `not_your_stage` not permitted, a record of a later
    /// stage the rule that gates it, the rest invalid).
    pub fn apply_in(
        &self,
        def: &Definition,
        action: CaseAction,
        actor: StageActor,
        ctx: &Circumstances,
    ) -> Verdict<Case> {
        let closed = |en: &str, id: &str| vec![Violation::conflict("case_closed", en, id)];
        if self.status != CaseStatus::Running {
            return Err(closed(
                "The case is no longer running.",
                "Kasus tidak lagi berjalan.",
            ));
        }
        let Some(i) = self.current() else {
            return Err(closed(
                "No stage of the case is open.",
                "Tidak ada tahap kasus yang terbuka.",
            ));
        };
        match action {
            CaseAction::Withdraw { note } => self.withdraw(actor, &note),
            CaseAction::Return { note } => self.returned(def, i, actor, &note, ctx.today),
            CaseAction::Complete(record) => self.complete(def, i, record, actor, ctx),
            CaseAction::RecordReceipt {
                received_on,
                letter_number,
            } => self.receive(def, i, actor, received_on, letter_number, ctx),
        }
    }

    /// **R10** — DPRD's secretariat records the receipt of the plan while its stage is open.
    fn receive(
        &self,
        def: &Definition,
        i: usize,
        actor: StageActor,
        received_on: NaiveDate,
        letter_number: String,
        ctx: &Circumstances,
    ) -> Verdict<Case> {
        if !Self::counts_from_receipt(def, i) {
            return Err(vec![Violation::conflict(
                "not_with_dprd",
                "The plan is not with DPRD: a receipt is recorded while the DPRD stage is open (R10).",
                "Rencana tidak sedang di DPRD: penerimaan dicatat selama tahap DPRD terbuka (R10).",
            )
            .citing(RuleId::R10)]);
        }
        if actor != def.stages[i].actor {
            return Err(vec![Violation::not_permitted(
                "not_your_stage",
                "only DPRD's secretariat records its receipt",
                "hanya sekretariat DPRD yang mencatat penerimaannya",
            )]);
        }
        if self.stages[i].receipt.is_some() {
            return Err(vec![Violation::conflict(
                "receipt_recorded",
                "DPRD's receipt of this plan is recorded already.",
                "Penerimaan rencana ini oleh DPRD sudah dicatat.",
            )
            .citing(RuleId::R10)]);
        }
        let mut refusals = Self::check_receipt(&self.stages[i], received_on, ctx.local_today);
        if !filled(&letter_number) {
            refusals.push(Violation::invalid(
                "letter_number_missing",
                "/record/letter_number",
                "the letter's number is required",
                "nomor surat wajib diisi",
            ));
        }
        verdict(refusals)?;
        let mut next = self.clone();
        next.stages[i].receipt = Some(Receipt {
            received_on,
            letter_number: Some(letter_number.trim().to_owned()),
        });
        Ok(next)
    }

    fn withdraw(&self, actor: StageActor, note: &str) -> Verdict<Case> {
        if actor != StageActor::Region {
            return Err(vec![Violation::not_permitted(
                "not_your_stage",
                "only the region withdraws its case",
                "hanya daerah yang dapat menarik kasusnya",
            )]);
        }
        if !filled(note) {
            return Err(vec![note_required(
                "a withdrawal needs a note",
                "penarikan memerlukan catatan",
            )]);
        }
        let mut next = self.clone();
        next.status = CaseStatus::Withdrawn;
        Ok(next)
    }

    fn returned(
        &self,
        def: &Definition,
        i: usize,
        actor: StageActor,
        note: &str,
        today: NaiveDate,
    ) -> Verdict<Case> {
        if actor != def.stages[i].actor {
            return Err(vec![Violation::not_permitted(
                "not_your_stage",
                "only the stage's actor returns it",
                "hanya pelaku tahap ini yang dapat mengembalikannya",
            )]);
        }
        if !filled(note) {
            return Err(vec![note_required(
                "a return needs a note",
                "pengembalian memerlukan catatan",
            )]);
        }
        if i == 0 {
            return Err(vec![Violation::invalid(
                "nothing_before",
                "/action",
                "the first stage cannot be returned",
                "tahap pertama tidak dapat dikembalikan",
            )]);
        }
        let mut next = self.clone();
        next.return_from(def, i, today);
        Ok(next)
    }

    fn complete(
        &self,
        def: &Definition,
        i: usize,
        record: StageRecord,
        actor: StageActor,
        ctx: &Circumstances,
    ) -> Verdict<Case> {
        let stage_def = &def.stages[i];
        if record.kind() != stage_def.requires {
            // A record of a later stage, by that stage's actor: the rules that gate it.
            let later = def
                .stages
                .iter()
                .position(|s| s.requires == record.kind())
                .filter(|j| *j > i && def.stages[*j].actor == actor);
            if let Some(j) = later {
                return Err(self.gates(def, i, j, &record, ctx));
            }
        }
        if actor != stage_def.actor {
            return Err(vec![Violation::not_permitted(
                "not_your_stage",
                format!("the {} acts on this stage", stage_def.actor.as_str()),
                format!("tahap ini dikerjakan oleh {}", stage_def.actor.as_str()),
            )]);
        }
        if record.kind() != stage_def.requires {
            return Err(vec![record_refusal(
                None,
                "wrong_record",
                &format!(
                    "this stage is completed by a `{}` record",
                    stage_def.requires
                ),
                &format!(
                    "tahap ini diselesaikan dengan catatan `{}`",
                    stage_def.requires
                ),
            )]);
        }
        let mut refusals = self.umbrella_gaps(def, &record, ctx);
        refusals.extend(self.check_record(i, &record, ctx));
        if stage_def.key == StageKey::Signing {
            refusals.extend(
                self.signing_gaps_under(&record, &ctx.signing)
                    .into_iter()
                    .map(SigningGap::violation),
            );
        }
        verdict(refusals)?;
        Ok(self.after_record(def, i, record, ctx.today))
    }

    /// Why `record`, which completes the later stage `j`, cannot be recorded while stage `i` is
    /// open: for a signing, the signing guard; else each stage in between not done, with the
    /// rule that requires it (a stage without one is named as pending).
    fn gates(
        &self,
        def: &Definition,
        i: usize,
        j: usize,
        record: &StageRecord,
        ctx: &Circumstances,
    ) -> Vec<Violation> {
        let mut out = Vec::new();
        if def.stages[j].key == StageKey::Signing {
            out.extend(self.umbrella_gaps(def, record, ctx));
            out.extend(
                self.signing_gaps_under(record, &ctx.signing)
                    .into_iter()
                    .map(SigningGap::violation),
            );
        }
        if !out.is_empty() {
            return out;
        }
        for k in i..j {
            if self.stages[k].status == StageStatus::Completed {
                continue;
            }
            let stage = &def.stages[k];
            out.push(match stage_gate(stage.key) {
                Some((rule, code, en, id)) => record_refusal(Some(rule), code, en, id),
                None => record_refusal(
                    None,
                    "stage_pending",
                    &format!("the {} stage must be completed first", stage.name_en),
                    &format!("tahap {} harus diselesaikan lebih dahulu", stage.name_id),
                ),
            });
        }
        out
    }

    /// On the shorter path, whether its umbrella still carries the arrangement: on the signing
    /// date for a signing, else today (UU 24/2000 art. 7(5); R14).
    fn umbrella_gaps(
        &self,
        def: &Definition,
        record: &StageRecord,
        ctx: &Circumstances,
    ) -> Vec<Violation> {
        let Some(arrangement) = ctx
            .umbrella
            .as_ref()
            .filter(|_| crate::workflow::is_short_path(def))
        else {
            return Vec::new();
        };
        let on = match record {
            StageRecord::Signing { signed_on, .. } => signed_on.naive(),
            _ => ctx.today,
        };
        crate::workflow::umbrella_gaps(arrangement, on)
    }

    /// The case once stage `i` holds a valid `record`: a decision may end or loop it; a DPRD
    /// decision without a prior receipt brings its date of receipt (R10).
    fn after_record(
        &self,
        def: &Definition,
        i: usize,
        record: StageRecord,
        today: NaiveDate,
    ) -> Case {
        let mut next = self.clone();
        if let StageRecord::DprdDecision { received_on, .. } = &record {
            next.stages[i].receipt.get_or_insert(Receipt {
                received_on: received_on.naive(),
                letter_number: None,
            });
        }
        let back = match &record {
            StageRecord::DprdDecision {
                decision: Decision::Rejected,
                ..
            } => {
                next.status = CaseStatus::Rejected;
                None
            }
            r if r.approves() == Some(false) => def.stages[i].revise_to,
            _ => None,
        };
        if let Some(to) = back {
            let to = def.position(to).unwrap_or(i);
            next.back_to(to, today);
            return next;
        }
        let s = &mut next.stages[i];
        s.status = StageStatus::Completed;
        s.completed_on = Some(today);
        s.record = Some(record);
        if next.status == CaseStatus::Running {
            match next.stages.get_mut(i + 1) {
                Some(n) => {
                    n.status = StageStatus::Active;
                    n.started_on = Some(today);
                }
                None => next.status = CaseStatus::Signed,
            }
        }
        next
    }
}

/// **R15** — the capacity the Indonesian signatory signs in. The stated `capacity`, else the
/// position's words, else `indonesian_is_head_of_region`; a position that shows a deputy or a
/// stand-in outweighs a stated `definitive`. A deputy never signs; a *Penjabat* or a Plt./Plh.
/// as the settings say.
fn capacity_gap(
    stated: Option<SignatoryCapacity>,
    is_head: bool,
    position: &str,
    approval: Option<&Letter>,
    signed_on: NaiveDate,
    policy: &SigningPolicy,
) -> Option<SigningGap> {
    use SignatoryCapacity::*;
    let capacity = match (stated, SignatoryCapacity::from_position(position)) {
        (_, Some(Deputy)) => Deputy,
        (Some(Definitive) | None, Some(shown)) => shown,
        (Some(c), _) => c,
        (None, None) if is_head => Definitive,
        (None, None) => return Some(SigningGap::SignatoryNotHeadOfRegion),
    };
    let rule = match capacity {
        Definitive => return None,
        Deputy => return Some(SigningGap::SignatoryNotHeadOfRegion),
        Penjabat => policy.penjabat,
        Plt | Plh => policy.plt_plh,
    };
    match rule {
        ActingHeadRule::Allowed => None,
        ActingHeadRule::Refused => Some(SigningGap::ActingHeadRefused),
        ActingHeadRule::WithMinisterApproval => approval
            .filter(|l| filled(&l.number) && l.date <= signed_on)
            .is_none()
            .then_some(SigningGap::MinisterApprovalMissing),
    }
}

fn note_required(en: &str, id: &str) -> Violation {
    Violation::invalid("note_required", "/note", en, id)
}

/// Valid records of every stage up to (not including) signing, in order, with their actors:
/// the walk of the domain tests, and the stages `jalin seed-bench` advances its cases through.
/// Illustrative values (letters, dates), never real ones.
pub fn illustrative_path_to_signing(valid_until: Date) -> Vec<(StageActor, StageRecord)> {
    use StageActor::*;
    vec![
        (
            Region,
            StageRecord::ExplorationReport {
                benefits: "trade".into(),
                partner_profile: "province".into(),
                politically_safe: true,
                legally_safe: true,
                technically_safe: true,
                security_safe: true,
            },
        ),
        (
            Region,
            StageRecord::Consultations {
                kemendagri: illustrative_letter("KMD/1"),
                kemlu: illustrative_letter("KML/1"),
            },
        ),
        (
            Region,
            StageRecord::LetterOfIntent {
                signed_on: Date::ymd(2025, 2, 1),
                languages: vec!["id".into(), "ko".into(), "en".into()],
            },
        ),
        (
            Region,
            StageRecord::CooperationPlan {
                subject: "s".into(),
                background: "b".into(),
                aims: "a".into(),
                object: "o".into(),
                scope: "sc".into(),
                financing_source: "APBD".into(),
                implementation_period: "5 years".into(),
                safeguards: Some(illustrative_safeguards()),
            },
        ),
        (
            Dprd,
            StageRecord::DprdDecision {
                // The day the walk's records are applied (and so the plan sent): `jalin seed-bench`
                // and the domain tests apply them on 1 July 2025.
                received_on: Date::ymd(2025, 7, 1),
                decision: Decision::Approved,
                letter: illustrative_letter("DPRD/7"),
            },
        ),
        (
            Kemendagri,
            StageRecord::MinisterialConsideration {
                outcome: Consideration::DraftText,
                letter: illustrative_letter("KMD/2"),
            },
        ),
        (
            Region,
            StageRecord::DraftText {
                languages: vec!["id".into(), "ko".into(), "en".into()],
            },
        ),
        (
            Kemendagri,
            StageRecord::InterministerialMeeting {
                held_on: Date::ymd(2025, 6, 1),
                participants: vec!["Kemlu".into(), "Kemendagri".into(), "Pemprov Jateng".into()],
                outcome: Review::Approved,
            },
        ),
        (
            Kemlu,
            StageRecord::Negotiation {
                outcome: Review::Approved,
                note: "agreed".into(),
            },
        ),
        (
            Kemlu,
            StageRecord::ConfirmationLetter {
                letter: illustrative_letter("KML/9"),
            },
        ),
        (
            Kemlu,
            StageRecord::FullPowers {
                letter: illustrative_letter("FP/3"),
                holder_name: "Ahmad Luthfi".into(),
                holder_position: "Gubernur Jawa Tengah".into(),
                valid_until,
                scope: "MoU".into(),
            },
        ),
    ]
}

/// The R5 checklist, every principle affirmed.
pub fn illustrative_safeguards() -> SafeguardChecklist {
    SafeguardChecklist {
        no_representative_office_abroad: true,
        no_interference_in_domestic_affairs: true,
        consistent_with_development_plans: true,
        science_technology_transferable: true,
        science_technology_not_relevant_reason: None,
    }
}

fn illustrative_letter(number: &str) -> Letter {
    Letter {
        number: number.into(),
        date: Date::ymd(2025, 1, 15),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::Refusal;
    use crate::workflow::latest;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A date as a record carries it.
    fn day(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn letter(n: &str) -> Letter {
        Letter {
            number: n.into(),
            date: day("2025-01-15"),
        }
    }

    fn langs() -> Vec<String> {
        vec!["id".into(), "ko".into(), "en".into()]
    }

    fn signing(
        name: &str,
        position: &str,
        head: bool,
        on: &str,
        languages: Vec<String>,
    ) -> StageRecord {
        StageRecord::Signing {
            signed_on: day(on),
            place: "Semarang".into(),
            indonesian: Signatory {
                name: name.into(),
                position: position.into(),
            },
            indonesian_is_head_of_region: head,
            partner: Signatory {
                name: "Governor".into(),
                position: "Governor of Chungcheongbuk-do".into(),
            },
            signed_text_languages: languages,
            capacity: None,
            minister_approval: None,
        }
    }

    /// The governor signs on `on`, as head of region, in every language.
    fn governor_signs(on: &str) -> StageRecord {
        signing("Ahmad Luthfi", "Gubernur Jawa Tengah", true, on, langs())
    }

    fn letter_of_intent(on: &str) -> StageRecord {
        StageRecord::LetterOfIntent {
            signed_on: day(on),
            languages: langs(),
        }
    }

    /// A complete cooperation plan of `period`.
    fn plan(period: &str, safeguards: Option<SafeguardChecklist>) -> StageRecord {
        StageRecord::CooperationPlan {
            subject: "s".into(),
            background: "b".into(),
            aims: "a".into(),
            object: "o".into(),
            scope: "sc".into(),
            financing_source: "APBD".into(),
            implementation_period: period.into(),
            safeguards,
        }
    }

    /// An implementing arrangement's short path up to its signing.
    fn short_path_to_signing() -> Vec<(StageActor, StageRecord)> {
        vec![
            (StageActor::Region, plan("1 year", None)),
            (
                StageActor::Region,
                StageRecord::DraftText { languages: langs() },
            ),
            (
                StageActor::Kemendagri,
                StageRecord::KemendagriConsultation {
                    outcome: Review::Approved,
                    letter: letter("KMD/5"),
                },
            ),
        ]
    }

    fn path_to_signing(valid_until: &str) -> Vec<(StageActor, StageRecord)> {
        illustrative_path_to_signing(day(valid_until))
    }

    impl Case {
        /// Completes the stage in progress with `record` as `actor` on `on`.
        fn complete_as(
            &self,
            def: &Definition,
            record: StageRecord,
            actor: StageActor,
            on: &str,
        ) -> Verdict<Case> {
            self.apply(def, CaseAction::Complete(record), actor, d(on))
        }
    }

    /// The case run through the first `n` stages of the illustrative path.
    fn run_first(def: &Definition, n: usize) -> Case {
        run(
            def,
            path_to_signing("2025-12-31").into_iter().take(n).collect(),
        )
    }

    fn run(def: &Definition, steps: Vec<(StageActor, StageRecord)>) -> Case {
        let mut case = Case::start(def, d("2025-01-02"));
        for (actor, record) in steps {
            case = case
                .complete_as(def, record, actor, "2025-07-01")
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        case
    }

    #[test]
    fn the_revitalization_walks_every_stage_to_signed() {
        let def = latest("ksdpl").unwrap();
        let case = run(&def, path_to_signing("2025-12-31"));
        assert_eq!(def.stages[case.current().unwrap()].key, StageKey::Signing);
        let signed = case
            .complete_as(
                &def,
                governor_signs("2025-07-10"),
                StageActor::Region,
                "2025-07-10",
            )
            .unwrap();
        assert_eq!(signed.status, CaseStatus::Signed);
    }

    #[test]
    fn a_dprd_rejection_ends_the_case() {
        let def = latest("ksdpl").unwrap();
        let case = run_first(&def, 4);
        let rejected = case
            .complete_as(
                &def,
                StageRecord::DprdDecision {
                    received_on: day("2025-07-01"),
                    decision: Decision::Rejected,
                    letter: letter("DPRD/8"),
                },
                StageActor::Dprd,
                "2025-07-02",
            )
            .unwrap();
        assert_eq!(rejected.status, CaseStatus::Rejected);
    }

    /// R11: a revise_plan consideration reopens the plan; DPRD must approve again.
    #[test]
    fn the_kemendagri_revise_loop_goes_back_through_dprd() {
        let def = latest("ksdpl").unwrap();
        let case = run_first(&def, 5);
        let revised = case
            .complete_as(
                &def,
                StageRecord::MinisterialConsideration {
                    outcome: Consideration::RevisePlan,
                    letter: letter("KMD/3"),
                },
                StageActor::Kemendagri,
                "2025-05-01",
            )
            .unwrap();
        assert_eq!(
            def.stages[revised.current().unwrap()].key,
            StageKey::CooperationPlan
        );
        let dprd = revised.stage(StageKey::DprdApproval).unwrap();
        assert_eq!(
            dprd.status,
            StageStatus::Pending,
            "the earlier DPRD approval no longer counts"
        );
    }

    #[test]
    fn only_the_stages_actor_acts() {
        let def = latest("ksdpl").unwrap();
        let case = run_first(&def, 4);
        // A region officer cannot record the DPRD's decision (R9).
        let err = case
            .complete_as(
                &def,
                StageRecord::DprdDecision {
                    received_on: day("2025-03-03"),
                    decision: Decision::Approved,
                    letter: letter("x"),
                },
                StageActor::Region,
                "2025-04-01",
            )
            .unwrap_err();
        assert_eq!(err[0].code, "not_your_stage");
    }

    /// R7: no LoI before both consultations.
    #[test]
    fn r7_the_loi_waits_for_both_consultations() {
        let def = latest("ksdpl").unwrap();
        let case = run_first(&def, 1);
        let err = case
            .complete_as(
                &def,
                letter_of_intent("2025-02-01"),
                StageActor::Region,
                "2025-02-01",
            )
            .unwrap_err();
        assert_eq!(
            (err[0].rule, err.len()),
            (Some(RuleId::R7), 1),
            "the consultations stage comes first, and R7 says so"
        );
    }

    #[test]
    fn r8_a_plan_lacking_elements_names_each() {
        let def = latest("ksdpl").unwrap();
        let case = run_first(&def, 3);
        let err = case
            .complete_as(
                &def,
                StageRecord::CooperationPlan {
                    subject: "s".into(),
                    background: "".into(),
                    aims: "a".into(),
                    object: "".into(),
                    scope: "sc".into(),
                    financing_source: "".into(),
                    implementation_period: "p".into(),
                    safeguards: Some(illustrative_safeguards()),
                },
                StageActor::Region,
                "2025-03-01",
            )
            .unwrap_err();
        assert_eq!(err.len(), 3);
        assert!(err.iter().all(|r| r.rule == Some(RuleId::R8)));
    }

    /// The signing guard lists every unmet condition.
    #[test]
    fn signing_is_refused_for_a_deputy_expired_full_powers_and_a_missing_english_text() {
        let def = latest("ksdpl").unwrap();
        let case = run(&def, path_to_signing("2025-06-30"));
        let deputy = signing(
            "Taj Yasin",
            "Wakil Gubernur Jawa Tengah",
            false,
            "2025-07-10",
            vec!["id".into()],
        );
        let gaps = case.signing_gaps(&deputy);
        for g in [
            SigningGap::FullPowersHolder,
            SigningGap::FullPowersExpired,
            SigningGap::SignatoryNotHeadOfRegion,
            SigningGap::SignedTextsMissing,
        ] {
            assert!(gaps.contains(&g), "{g:?} in {gaps:?}");
        }
        let err = case
            .complete_as(&def, deputy, StageActor::Region, "2025-07-10")
            .unwrap_err();
        // Each refusal is coded by its rule and names its condition, in both languages.
        let codes: Vec<&str> = err.iter().map(|v| v.code.as_ref()).collect();
        assert_eq!(codes, ["R14", "R14", "R15", "R16"]);
        assert!(
            err[1].text.en.ends_with("(full_powers_expired)"),
            "{:?}",
            err[1].text
        );
        assert!(err[2]
            .text
            .id
            .starts_with("penanda tangan pihak Indonesia harus kepala daerah"));
        assert!(err
            .iter()
            .all(|v| v.pointer == "/record" && v.refusal == Refusal::Invalid));
    }

    /// A closed case is a conflict; a stage that is not the actor's is not permitted.
    #[test]
    fn a_closed_case_is_a_conflict_and_another_actors_stage_is_not_permitted() {
        let def = latest("ksdpl").unwrap();
        let mut case = Case::start(&def, d("2025-01-02"));
        let record = path_to_signing("2025-12-31").remove(0).1;
        let not_mine = case
            .complete_as(&def, record.clone(), StageActor::Kemlu, "2025-01-03")
            .unwrap_err();
        assert_eq!(not_mine[0].refusal, Refusal::NotPermitted);
        case.status = CaseStatus::Withdrawn;
        let closed = case
            .complete_as(&def, record, StageActor::Region, "2025-01-03")
            .unwrap_err();
        assert_eq!(
            (closed[0].code.as_ref(), closed[0].refusal),
            ("case_closed", Refusal::Conflict)
        );
    }

    #[test]
    fn a_request_becomes_its_case_action() {
        use WorkflowActionKind as K;
        let rejected = StageRecord::DprdDecision {
            received_on: day("2025-03-03"),
            decision: Decision::Rejected,
            letter: letter("x"),
        };
        assert!(matches!(
            K::Reject.on_case(Some(rejected.clone()), None),
            Ok(CaseAction::Complete(_))
        ));
        assert_eq!(
            K::Approve.on_case(Some(rejected), None).unwrap_err()[0].code,
            "outcome_mismatch"
        );
        assert_eq!(
            K::CompleteStage.on_case(None, None).unwrap_err()[0].pointer,
            "/record"
        );
        assert_eq!(
            K::Start.on_case(None, None).unwrap_err()[0].refusal,
            Refusal::Conflict
        );
        assert_eq!(
            K::Return.on_case(None, Some("n".into())),
            Ok(CaseAction::Return { note: "n".into() })
        );
        assert_eq!(
            K::Resubmit.audited_as(),
            crate::AuditAction::WorkflowStageCompleted
        );
    }

    /// R9: a draft waits for the region to start its case; a legacy agreement never has one.
    #[test]
    fn r9_a_draft_is_blocked_until_its_case_starts() {
        let draft = Requirement::before_start(AgreementStatus::Draft, false);
        assert_eq!(
            (draft[0].code.as_str(), draft[0].rule),
            ("not_started", Some(RuleId::R9))
        );
        assert!(Requirement::before_start(AgreementStatus::Active, true).is_empty());
        let pending = Requirement::before_start(AgreementStatus::PendingVerification, true);
        assert_eq!(
            (pending[0].code.as_str(), pending[0].rule),
            ("pending_verification", Some(RuleId::R23))
        );
        assert!(Requirement::before_start(AgreementStatus::Rejected, false).is_empty());
    }

    /// R10: the DPRD clock runs 45 working days from DPRD's receipt; before it the clock has not
    /// started; overdue is only a flag.
    #[test]
    fn r10_the_dprd_clock_counts_from_receipt_and_overdue_is_only_a_flag() {
        let def = latest("ksdpl").unwrap();
        let steps = path_to_signing("2025-12-31")
            .into_iter()
            .take(4)
            .collect::<Vec<_>>();
        let mut case = Case::start(&def, d("2025-01-02"));
        for (actor, record) in steps {
            case = case.complete_as(&def, record, actor, "2025-07-28").unwrap();
        }
        let cal = Calendar::new(
            [crate::DayOff {
                date: d("2025-08-18"),
                name_id: "Hari Kemerdekaan".into(),
                kind: crate::DayOffKind::Holiday,
            }],
            Default::default(),
        );
        let i = case.current().unwrap();
        assert_eq!(case.stages[i].key, StageKey::DprdApproval);
        // Sent on 28 July, not yet received: no clock, no due date, nothing overdue.
        let waiting = case.clock(&cal, &def, i, d("2025-12-31"));
        assert!(waiting.awaiting_receipt && !waiting.overdue);
        assert_eq!(waiting.due_on, None);
        assert!(case.awaiting_receipt(&def));
        assert_eq!(case.requirements(&def)[0].code, "receipt_required");
        assert_eq!(case.requirements(&def)[0].rule, Some(RuleId::R10));
        // Received on Monday 4 August, recorded late (on the 6th).
        let receipt = |on: &str| CaseAction::RecordReceipt {
            received_on: d(on),
            letter_number: "005/123/Biro".into(),
        };
        case = case
            .apply(
                &def,
                receipt("2025-08-04"),
                StageActor::Dprd,
                d("2025-08-06"),
            )
            .unwrap();
        // 45 working days after Monday 4 August 2025, skipping 18 August: Tuesday 7 October.
        let on_time = case.clock(&cal, &def, i, d("2025-10-07"));
        assert_eq!(on_time.due_on, Some(d("2025-10-07")));
        assert!(!on_time.overdue && !on_time.awaiting_receipt);
        let late = case.clock(&cal, &def, i, d("2025-10-08"));
        assert!(late.overdue);
        assert_eq!(late.working_days_remaining, Some(-1));
        assert_eq!(
            case.due_on(&cal, &def, d("2025-10-08")),
            Some(d("2025-10-07"))
        );
        assert_eq!(case.status, CaseStatus::Running, "silence is not approval");
        // A stage without a time limit only counts its days.
        let plan = case.clock(&cal, &def, i - 1, d("2025-10-08"));
        assert_eq!((plan.due_on, plan.overdue), (None, false));
        // One receipt per plan.
        let again = case
            .apply(
                &def,
                receipt("2025-08-05"),
                StageActor::Dprd,
                d("2025-08-06"),
            )
            .unwrap_err();
        assert_eq!(again[0].code, "receipt_recorded");
    }

    /// R10: a receipt lies between the plan's sending and today (region's zone); only DPRD
    /// records it, only while its stage is open; a decision's own date of receipt obeys the same.
    #[test]
    fn r10_a_receipt_is_not_before_sending_nor_in_the_future() {
        let def = latest("ksdpl").unwrap();
        let case = run_first(&def, 4);
        let mut ctx = Circumstances::on(d("2025-07-10"));
        ctx.local_today = d("2025-07-11");
        let receipt = |on: &str, n: &str| CaseAction::RecordReceipt {
            received_on: d(on),
            letter_number: n.into(),
        };
        let early = case
            .apply_in(&def, receipt("2025-06-30", "L/1"), StageActor::Dprd, &ctx)
            .unwrap_err();
        assert_eq!(
            (early[0].rule, early[0].pointer.as_ref()),
            (Some(RuleId::R10), "/record/received_on")
        );
        assert!(early[0].text.en.contains("receipt_before_sending"));
        let future = case
            .apply_in(&def, receipt("2025-07-12", " "), StageActor::Dprd, &ctx)
            .unwrap_err();
        let codes: Vec<&str> = future.iter().map(|v| v.code.as_ref()).collect();
        assert_eq!(codes, ["R10", "letter_number_missing"]);
        assert!(future[0].text.id.contains("receipt_in_future"));
        // Today in the region's zone (WIT may be a day ahead of WIB) is accepted.
        assert!(case
            .apply_in(&def, receipt("2025-07-11", "L/1"), StageActor::Dprd, &ctx)
            .is_ok());
        let region = case
            .apply_in(&def, receipt("2025-07-02", "L/1"), StageActor::Region, &ctx)
            .unwrap_err();
        assert_eq!(region[0].refusal, Refusal::NotPermitted);
        let at_plan = run_first(&def, 3);
        let not_yet = at_plan
            .apply_in(&def, receipt("2025-07-01", "L/1"), StageActor::Dprd, &ctx)
            .unwrap_err();
        assert_eq!(
            (
                not_yet[0].code.as_ref(),
                not_yet[0].refusal,
                not_yet[0].rule
            ),
            ("not_with_dprd", Refusal::Conflict, Some(RuleId::R10))
        );
        // A decision without a prior receipt: its received_on is checked and becomes the receipt.
        let decision = |on: &str| {
            CaseAction::Complete(StageRecord::DprdDecision {
                received_on: day(on),
                decision: Decision::Approved,
                letter: letter("DPRD/9"),
            })
        };
        let bad = case
            .apply_in(&def, decision("2025-06-01"), StageActor::Dprd, &ctx)
            .unwrap_err();
        assert!(bad[0].text.en.contains("receipt_before_sending"), "{bad:?}");
        let decided = case
            .apply_in(&def, decision("2025-07-03"), StageActor::Dprd, &ctx)
            .unwrap();
        let dprd = decided.stage(StageKey::DprdApproval).unwrap();
        assert_eq!(
            dprd.receipt.as_ref().map(|r| r.received_on),
            Some(d("2025-07-03"))
        );
        // With a receipt recorded, the decision states the same date.
        let received = case
            .apply_in(&def, receipt("2025-07-02", "L/1"), StageActor::Dprd, &ctx)
            .unwrap();
        let mismatch = received
            .apply_in(&def, decision("2025-07-03"), StageActor::Dprd, &ctx)
            .unwrap_err();
        assert!(mismatch[0].text.en.contains("receipt_mismatch"));
        assert!(received
            .apply_in(&def, decision("2025-07-02"), StageActor::Dprd, &ctx)
            .is_ok());
    }

    /// R7: the LoI cannot be signed before the later of the two consultation letters.
    #[test]
    fn r7_the_loi_is_not_signed_before_both_consultation_letters() {
        let def = latest("ksdpl").unwrap();
        let mut case = run_first(&def, 1);
        case = case
            .complete_as(
                &def,
                StageRecord::Consultations {
                    kemendagri: Letter {
                        number: "KMD/1".into(),
                        date: day("2025-01-15"),
                    },
                    kemlu: Letter {
                        number: "KML/1".into(),
                        date: day("2025-02-10"),
                    },
                },
                StageActor::Region,
                "2025-07-01",
            )
            .unwrap();
        let loi = |on: &str| CaseAction::Complete(letter_of_intent(on));
        let err = case
            .apply(&def, loi("2025-02-09"), StageActor::Region, d("2025-07-01"))
            .unwrap_err();
        assert_eq!(
            (err[0].rule, err[0].pointer.as_ref()),
            (Some(RuleId::R7), "/record/signed_on")
        );
        assert!(
            err[0].text.en.contains("2025-02-10")
                && err[0].text.en.contains("loi_before_consultations")
        );
        assert!(case
            .apply(&def, loi("2025-02-10"), StageActor::Region, d("2025-07-01"))
            .is_ok());
    }

    /// R5: the four principles are affirmed before the plan goes to DPRD; only science and
    /// technology transfer may be "not relevant", with a reason, where it is not an object.
    #[test]
    fn r5_the_plan_goes_to_dprd_only_with_the_checklist_affirmed() {
        let def = latest("ksdpl").unwrap();
        let case = run_first(&def, 3);
        let plan = |safeguards: Option<SafeguardChecklist>| {
            CaseAction::Complete(plan("5 years", safeguards))
        };
        let mut ctx = Circumstances::on(d("2025-07-01"));
        ctx.objects = vec![CooperationObject::CulturalExchange];
        let missing = case
            .apply_in(&def, plan(None), StageActor::Region, &ctx)
            .unwrap_err();
        assert_eq!(
            (missing[0].rule, missing[0].pointer.as_ref()),
            (Some(RuleId::R5), "/record/safeguards")
        );
        let office = SafeguardChecklist {
            no_representative_office_abroad: false,
            ..illustrative_safeguards()
        };
        let err = case
            .apply_in(&def, plan(Some(office)), StageActor::Region, &ctx)
            .unwrap_err();
        assert_eq!(
            err[0].pointer,
            "/record/safeguards/no_representative_office_abroad"
        );
        assert_eq!(err[0].rule, Some(RuleId::R5));
        // Not relevant, with a reason, for a cultural exchange: accepted.
        let not_relevant = SafeguardChecklist {
            science_technology_transferable: false,
            science_technology_not_relevant_reason: Some("pertukaran budaya, tanpa iptek".into()),
            ..illustrative_safeguards()
        };
        assert!(case
            .apply_in(
                &def,
                plan(Some(not_relevant.clone())),
                StageActor::Region,
                &ctx
            )
            .is_ok());
        // Without a reason, or where science and technology is an object: refused.
        let bare = SafeguardChecklist {
            science_technology_not_relevant_reason: None,
            ..not_relevant.clone()
        };
        assert_eq!(
            case.apply_in(&def, plan(Some(bare)), StageActor::Region, &ctx)
                .unwrap_err()[0]
                .rule,
            Some(RuleId::R5)
        );
        ctx.objects.push(CooperationObject::ScienceTechnology);
        let err = case
            .apply_in(&def, plan(Some(not_relevant)), StageActor::Region, &ctx)
            .unwrap_err();
        assert!(err[0].text.en.contains("object of this cooperation"));
        assert!(
            case.stage(StageKey::DprdApproval).unwrap().status == StageStatus::Pending,
            "nothing went to DPRD"
        );
    }

    /// Every gate names its rule: a record of a later stage by that stage's own actor gets the
    /// rule that holds it back, not `wrong_record` or `not_your_stage`.
    #[test]
    fn a_record_ahead_of_its_stage_is_refused_with_the_rule_that_gates_it() {
        let def = latest("ksdpl").unwrap();
        let signing_record = governor_signs("2025-07-10");
        // At the confirmation letter (Kemlu's stage), the region signs: R13 and R14.
        let at_confirmation = run_first(&def, 9);
        assert_eq!(
            at_confirmation.current_key(),
            Some(StageKey::ConfirmationLetter)
        );
        let err = at_confirmation
            .complete_as(
                &def,
                signing_record.clone(),
                StageActor::Region,
                "2025-07-10",
            )
            .unwrap_err();
        let rules: Vec<Option<RuleId>> = err.iter().map(|v| v.rule).collect();
        assert_eq!(rules, [Some(RuleId::R13), Some(RuleId::R14)]);
        assert!(err[0].text.id.contains("surat konfirmasi"));
        // Before the inter-ministerial meeting: R12 (and everything after it).
        let at_draft_approval = run_first(&def, 7);
        let err = at_draft_approval
            .complete_as(
                &def,
                signing_record.clone(),
                StageActor::Region,
                "2025-07-10",
            )
            .unwrap_err();
        assert_eq!(err[0].rule, Some(RuleId::R12));
        // Kemlu's negotiation before the meeting: R12 too.
        let err = at_draft_approval
            .complete_as(
                &def,
                StageRecord::Negotiation {
                    outcome: Review::Approved,
                    note: "ok".into(),
                },
                StageActor::Kemlu,
                "2025-07-10",
            )
            .unwrap_err();
        assert_eq!((err[0].rule, err.len()), (Some(RuleId::R12), 1));
        // The LoI before the consultations: R7.
        let at_consultations = run_first(&def, 1);
        let err = at_consultations
            .complete_as(
                &def,
                letter_of_intent("2025-02-01"),
                StageActor::Region,
                "2025-07-10",
            )
            .unwrap_err();
        assert_eq!(err[0].rule, Some(RuleId::R7));
        assert!(err[0].text.en.contains("consultations_missing"));
        // DPRD deciding before the plan is recorded: R8.
        let at_plan = run_first(&def, 3);
        let err = at_plan
            .complete_as(
                &def,
                StageRecord::DprdDecision {
                    received_on: day("2025-07-01"),
                    decision: Decision::Approved,
                    letter: letter("DPRD/1"),
                },
                StageActor::Dprd,
                "2025-07-10",
            )
            .unwrap_err();
        assert_eq!((err[0].rule, err.len()), (Some(RuleId::R8), 1));
        assert!(err[0].text.en.contains("plan_missing"));
        // Another actor's record is still not this actor's to make.
        let err = at_confirmation
            .complete_as(&def, signing_record, StageActor::Dprd, "2025-07-10")
            .unwrap_err();
        assert_eq!(err[0].code, "not_your_stage");
        // Requirements carry the rule, citation and both texts.
        let reqs = at_confirmation.requirements(&def);
        assert_eq!(reqs[0].rule, Some(RuleId::R13));
        assert_eq!(
            reqs[0].citation.as_deref(),
            Some("PP 28/2018 art. 33(3)-(4)")
        );
        assert!(reqs[0].message_id.starts_with("tahap Surat konfirmasi"));
    }

    /// R15: a Penjabat signs with the Minister's written approval (DEFAULT), a Plt./Plh. not
    /// (DEFAULT), a deputy never; the settings change the acting heads' cases.
    #[test]
    fn r15_acting_heads_sign_only_as_the_settings_allow() {
        let def = latest("ksdpl").unwrap();
        let case = run(&def, path_to_signing("2025-12-31"));
        let sign = |position: &str,
                    capacity: Option<SignatoryCapacity>,
                    approval: Option<Letter>| StageRecord::Signing {
            signed_on: day("2025-07-10"),
            place: "Semarang".into(),
            indonesian: Signatory {
                name: "Ahmad Luthfi".into(),
                position: position.into(),
            },
            indonesian_is_head_of_region: true,
            partner: Signatory {
                name: "Governor".into(),
                position: "Governor".into(),
            },
            signed_text_languages: langs(),
            capacity,
            minister_approval: approval,
        };
        let gaps = |r: &StageRecord, policy: &SigningPolicy| case.signing_gaps_under(r, policy);
        let default = SigningPolicy::default();
        assert!(gaps(&sign("Gubernur Jawa Tengah", None, None), &default).is_empty());
        // Penjabat: the Minister's approval, dated on or before the signing.
        let pj = sign("Pj. Gubernur Jawa Tengah", None, None);
        assert_eq!(gaps(&pj, &default), [SigningGap::MinisterApprovalMissing]);
        let approved = sign(
            "Gubernur",
            Some(SignatoryCapacity::Penjabat),
            Some(Letter {
                number: "100.2/1234/OTDA".into(),
                date: day("2025-07-01"),
            }),
        );
        assert!(gaps(&approved, &default).is_empty());
        let late = sign(
            "Gubernur",
            Some(SignatoryCapacity::Penjabat),
            Some(Letter {
                number: "100.2/1234/OTDA".into(),
                date: day("2025-07-11"),
            }),
        );
        assert_eq!(gaps(&late, &default), [SigningGap::MinisterApprovalMissing]);
        // Plt. and Plh.: refused by default, from the capacity or from the position.
        assert_eq!(
            gaps(&sign("Plt. Gubernur Jawa Tengah", None, None), &default),
            [SigningGap::ActingHeadRefused]
        );
        assert_eq!(
            gaps(
                &sign("Gubernur", Some(SignatoryCapacity::Plh), None),
                &default
            ),
            [SigningGap::ActingHeadRefused]
        );
        // A position showing a stand-in outweighs a stated `definitive`.
        assert_eq!(
            gaps(
                &sign(
                    "Pelaksana Tugas Gubernur",
                    Some(SignatoryCapacity::Definitive),
                    None
                ),
                &default
            ),
            [SigningGap::ActingHeadRefused]
        );
        // Deputies never, whatever the settings.
        let lenient = SigningPolicy {
            penjabat: ActingHeadRule::Allowed,
            plt_plh: ActingHeadRule::Allowed,
        };
        assert_eq!(
            gaps(
                &sign("Wakil Gubernur", Some(SignatoryCapacity::Definitive), None),
                &lenient
            ),
            [SigningGap::SignatoryNotHeadOfRegion]
        );
        assert_eq!(
            gaps(
                &sign("Gubernur", Some(SignatoryCapacity::Deputy), None),
                &lenient
            ),
            [SigningGap::SignatoryNotHeadOfRegion]
        );
        assert!(gaps(&sign("Plt. Gubernur", None, None), &lenient).is_empty());
        assert!(gaps(&pj, &lenient).is_empty());
        let strict = SigningPolicy {
            penjabat: ActingHeadRule::Refused,
            plt_plh: ActingHeadRule::WithMinisterApproval,
        };
        assert_eq!(gaps(&approved, &strict), [SigningGap::ActingHeadRefused]);
        assert_eq!(
            gaps(&sign("Plh. Gubernur", None, None), &strict),
            [SigningGap::MinisterApprovalMissing]
        );
        // An existing client's `indonesian_is_head_of_region: false` still refuses (R15).
        let mut not_head = sign("Sekretaris Daerah", None, None);
        if let StageRecord::Signing {
            indonesian_is_head_of_region,
            ..
        } = &mut not_head
        {
            *indonesian_is_head_of_region = false;
        }
        assert_eq!(
            gaps(&not_head, &default),
            [SigningGap::SignatoryNotHeadOfRegion]
        );
        let v = SigningGap::MinisterApprovalMissing.violation();
        assert_eq!((v.rule, v.code.as_ref()), (Some(RuleId::R15), "R15"));
        assert!(v.text.id.contains("Menteri Dalam Negeri"));
    }

    /// The shorter path holds only while its umbrella carries the arrangement, checked at each
    /// record and at signing on the signing date (R14, UU 24/2000 art. 7(5)).
    #[test]
    fn the_short_path_is_refused_when_the_umbrella_lapses_by_the_signing_date() {
        use crate::workflow::{Arrangement, Umbrella};
        let def = latest("implementing_arrangement").unwrap();
        let case = run(&def, short_path_to_signing());
        let mut ctx = Circumstances::on(d("2025-07-10"));
        ctx.umbrella = Some(Arrangement {
            partner_ids: vec!["p1".into()],
            objects: vec![CooperationObject::CulturalExchange],
            umbrella: Some(Umbrella {
                status: AgreementStatus::Active,
                in_force_from: Some(d("2020-01-01")),
                expires_on: Some(d("2025-07-31")),
                partner_ids: vec!["p1".into()],
                objects: vec![
                    CooperationObject::CulturalExchange,
                    CooperationObject::TechnicalCapacity,
                ],
            }),
        });
        let sign_on = |on: &str| CaseAction::Complete(governor_signs(on));
        assert!(case
            .apply_in(&def, sign_on("2025-07-31"), StageActor::Region, &ctx)
            .is_ok());
        let err = case
            .apply_in(&def, sign_on("2025-08-01"), StageActor::Region, &ctx)
            .unwrap_err();
        assert_eq!(
            (err[0].rule, err[0].pointer.as_ref()),
            (Some(RuleId::R14), "/parent_id")
        );
        assert!(
            err[0].text.en.contains("umbrella_not_in_force")
                && err[0].text.en.contains("full path")
        );
        assert!(err[0].text.id.contains("alur lengkap"));
    }

    #[test]
    fn a_return_needs_a_note_and_reopens_the_previous_stage() {
        let def = latest("ksdpl").unwrap();
        let case = run_first(&def, 5);
        assert!(case
            .apply(
                &def,
                CaseAction::Return { note: " ".into() },
                StageActor::Kemendagri,
                d("2025-05-01")
            )
            .is_err());
        let back = case
            .apply(
                &def,
                CaseAction::Return {
                    note: "letter missing".into(),
                },
                StageActor::Kemendagri,
                d("2025-05-01"),
            )
            .unwrap();
        assert_eq!(
            def.stages[back.current().unwrap()].key,
            StageKey::DprdApproval
        );
    }

    #[test]
    fn requirements_name_the_next_record_and_every_unmet_signing_precondition() {
        let def = latest("ksdpl").unwrap();
        let start = Case::start(&def, d("2025-01-02"));
        let reqs = start.requirements(&def);
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].actor, Some(StageActor::Region));
        assert!(reqs[0].message.contains("exploration_report"));
        // At signing with everything recorded, only the signing record is needed.
        let ready = run(&def, path_to_signing("2025-12-31"));
        assert_eq!(ready.requirements(&def).len(), 1);
        // A case whose confirmation letter and full powers are missing lists both (R13, R14).
        let mut broken = ready.clone();
        for s in broken
            .stages
            .iter_mut()
            .filter(|s| matches!(s.key, StageKey::ConfirmationLetter | StageKey::FullPowers))
        {
            s.record = None;
            s.status = StageStatus::Pending;
        }
        let rules: Vec<Option<RuleId>> = broken.requirements(&def).iter().map(|r| r.rule).collect();
        assert!(
            rules.contains(&Some(RuleId::R13)) && rules.contains(&Some(RuleId::R14)),
            "{rules:?}"
        );
    }

    /// A case keeps the definition version it started on when a newer one is published.
    #[test]
    fn a_running_case_keeps_its_definition_version() {
        let mut registry = crate::workflow::Registry::builtin();
        let v1 = registry.latest("ksdpl").unwrap();
        let case = Case::start(&v1, d("2025-01-02"));
        let mut v2 = v1.clone();
        v2.version = 2;
        v2.stages.retain(|s| s.key != StageKey::Exploration);
        registry.publish(v2.clone()).unwrap();
        assert_eq!(
            registry.latest("ksdpl").unwrap().version,
            2,
            "new cases start on v2"
        );
        assert!(
            registry.publish(v2).is_err(),
            "a published version is immutable"
        );
        let pinned = registry
            .get(&case.definition_key, case.definition_version)
            .unwrap();
        assert_eq!(pinned.version, 1);
        let next = case
            .complete_as(
                &pinned,
                path_to_signing("2025-12-31").remove(0).1,
                StageActor::Region,
                "2025-01-03",
            )
            .unwrap();
        assert_eq!(
            next.stages[0].key,
            StageKey::Exploration,
            "still on v1's stages"
        );
        assert_eq!(
            Case::start(&registry.latest("ksdpl").unwrap(), d("2025-01-03")).stages[0].key,
            StageKey::CentralConsultation
        );
    }

    /// The stage clock pauses while the region holds a returned case.
    #[test]
    fn a_returned_stage_keeps_its_elapsed_period() {
        let def = latest("ksdpl").unwrap();
        let case = run_first(&def, 4)
            .apply(
                &def,
                CaseAction::RecordReceipt {
                    received_on: d("2025-07-01"),
                    letter_number: "005/1".into(),
                },
                StageActor::Dprd,
                d("2025-07-02"),
            )
            .unwrap();
        let back = case
            .apply(
                &def,
                CaseAction::Return {
                    note: "plan incomplete".into(),
                },
                StageActor::Dprd,
                d("2025-08-01"),
            )
            .unwrap();
        let dprd = back.stage(StageKey::DprdApproval).unwrap();
        assert_eq!(dprd.held, vec![(d("2025-07-01"), d("2025-08-01"))]);
        assert_eq!(dprd.status, StageStatus::Pending);
        let again = back
            .complete_as(
                &def,
                path_to_signing("2025-12-31").remove(3).1,
                StageActor::Region,
                "2025-09-01",
            )
            .unwrap();
        let dprd = again.stage(StageKey::DprdApproval).unwrap();
        assert_eq!(
            (dprd.status, dprd.started_on),
            (StageStatus::Active, Some(d("2025-09-01")))
        );
        assert_eq!(dprd.held.len(), 1, "the earlier period still counts");
        assert!(
            dprd.receipt.is_none(),
            "the plan sent again needs a new receipt"
        );
    }

    #[test]
    fn each_role_acts_only_as_its_stage_actor() {
        use crate::access::{Principal, PrincipalKind, Role};
        use crate::region::testing::code;
        let user = |role, region: Option<&str>| Principal {
            id: "u".into(),
            name: "u".into(),
            kind: PrincipalKind::User { role },
            region: region.map(code),
        };
        let jateng = code("33");
        assert_eq!(
            acting_as(
                &user(Role::DprdSecretariat, Some("33")),
                &jateng,
                StageActor::Dprd
            ),
            Some(StageActor::Dprd)
        );
        assert_eq!(
            acting_as(
                &user(Role::DprdSecretariat, Some("36")),
                &jateng,
                StageActor::Dprd
            ),
            None
        );
        assert_eq!(
            acting_as(
                &user(Role::RegionOfficer, Some("33")),
                &jateng,
                StageActor::Dprd
            ),
            None
        );
        assert_eq!(
            acting_as(
                &user(Role::ProvinceOfficer, Some("33")),
                &code("33.74"),
                StageActor::Region
            ),
            Some(StageActor::Region)
        );
        assert_eq!(
            acting_as(
                &user(Role::CentralReviewer, None),
                &jateng,
                StageActor::Region
            ),
            None
        );
        assert_eq!(
            acting_as(&user(Role::Admin, None), &jateng, StageActor::Kemlu),
            Some(StageActor::Kemlu)
        );
        let rejected = StageRecord::DprdDecision {
            received_on: day("2025-03-03"),
            decision: Decision::Rejected,
            letter: letter("x"),
        };
        assert_eq!(rejected.approves(), Some(false));
        assert_eq!(
            StageRecord::DraftText { languages: langs() }.approves(),
            None
        );
    }

    #[test]
    fn the_short_path_signs_without_full_powers_or_dprd_stage() {
        let def = latest("implementing_arrangement").unwrap();
        let case = run(&def, short_path_to_signing());
        let signed = case
            .complete_as(
                &def,
                governor_signs("2025-07-10"),
                StageActor::Region,
                "2025-07-10",
            )
            .unwrap();
        assert_eq!(signed.status, CaseStatus::Signed);
    }
}
