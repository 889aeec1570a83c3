//! A workflow case: one agreement's walk through its pinned definition. Pure:
//! `Case::apply` takes an action and returns the new case or every reason it is refused (as
//! [`Violation`]s), so the API, the tests and later the simulator share one state machine.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::agreement::AgreementStatus;
use crate::calendar::Calendar;
use crate::code::code_enum;
use crate::record::AuditAction;
use crate::rules::RuleId;
use crate::violation::{Verdict, Violation};
use crate::workflow::{Definition, StageActor, StageKey};

/// A letter: number and date.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub number: String,
    pub date: NaiveDate,
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
        signed_on: NaiveDate,
        languages: Vec<String>,
    },
    /// The seven elements of art. 30(3) (R8).
    CooperationPlan {
        subject: String,
        background: String,
        aims: String,
        object: String,
        scope: String,
        financing_source: String,
        implementation_period: String,
    },
    DprdDecision {
        received_on: NaiveDate,
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
        held_on: NaiveDate,
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
        valid_until: NaiveDate,
        scope: String,
    },
    KemendagriConsultation {
        outcome: Review,
        letter: Letter,
    },
    Signing {
        signed_on: NaiveDate,
        place: String,
        indonesian: Signatory,
        /// Whether the Indonesian signatory is the head of region (R15: no deputy, no delegate).
        indonesian_is_head_of_region: bool,
        partner: Signatory,
        signed_text_languages: Vec<String>,
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
        }
    }
}

/// One thing that blocks the next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requirement {
    pub code: String,
    pub rule: Option<RuleId>,
    /// Who can meet it, when one actor can.
    pub actor: Option<StageActor>,
    pub message: String,
}

impl Requirement {
    /// What blocks an agreement whose case has not started: a draft waits for the region to
    /// start it, since DPRD approval is mandatory (R9); a legacy or later agreement has no case.
    pub fn before_start(status: AgreementStatus, legacy: bool) -> Vec<Requirement> {
        if legacy || status != AgreementStatus::Draft {
            return Vec::new();
        }
        vec![Requirement {
            code: "not_started".into(),
            rule: Some(RuleId::R9),
            actor: Some(StageActor::Region),
            message: "the region starts the approval workflow (action `start`)".into(),
        }]
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
        let (code, rule, en, _) = self.describe();
        Requirement {
            code: code.into(),
            rule: Some(rule),
            actor: None,
            message: en.into(),
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
            } else if i > to {
                *s = StageState {
                    key: s.key,
                    status: StageStatus::Pending,
                    started_on: None,
                    completed_on: None,
                    record: None,
                    held: Vec::new(),
                };
            }
        }
    }

    /// A return: the stage's open period so far is kept, so its clock resumes where it paused
    /// when the region sends the case back (a revise loop, by contrast, starts it afresh).
    fn return_from(&mut self, from: usize, today: NaiveDate) {
        let mut held = self.stages[from].held.clone();
        if let Some(start) = self.stages[from].started_on {
            held.push((start, today));
        }
        self.back_to(from - 1, today);
        self.stages[from].held = held;
    }

    /// Stage `i`'s working-day clock on `today`: the days it has been open (earlier periods
    /// before returns plus the current one) and, with a time limit, its due date.
    pub fn clock(
        &self,
        cal: &Calendar,
        def: &Definition,
        i: usize,
        today: NaiveDate,
    ) -> StageClock {
        let s = &self.stages[i];
        let Some(start) = s.started_on else {
            return StageClock::default();
        };
        let end = s.completed_on.unwrap_or(today);
        let held: Option<u32> = s
            .held
            .iter()
            .map(|(a, b)| cal.working_days_between(*a, (*b).max(*a)).ok())
            .sum();
        let elapsed = cal
            .working_days_between(start, end.max(start))
            .ok()
            .zip(held)
            .map(|(now, before)| now + before);
        let Some(limit) = def.stages[i].time_limit else {
            return StageClock {
                working_days_elapsed: elapsed,
                ..StageClock::default()
            };
        };
        // The clock resumes where it paused: the days already used are not given again.
        let left = limit.working_days.saturating_sub(held.unwrap_or(0));
        let due_on = cal.add_working_days(start, left).ok();
        StageClock {
            due_on,
            working_days_elapsed: elapsed,
            working_days_remaining: elapsed.map(|e| i64::from(limit.working_days) - i64::from(e)),
            overdue: s.status == StageStatus::Active && due_on.is_some_and(|d| today > d),
        }
    }

    /// The open stage's due date on `today`, if it has a time limit.
    pub fn due_on(&self, cal: &Calendar, def: &Definition, today: NaiveDate) -> Option<NaiveDate> {
        self.current()
            .and_then(|i| self.clock(cal, def, i, today).due_on)
    }

    /// Checks a record against its stage's rules (not the signing guard).
    fn check_record(&self, r: &StageRecord) -> Vec<Violation> {
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
            StageRecord::LetterOfIntent { languages, .. } => {
                // R7: both consultations recorded before the LoI is signed.
                if self.has_stage(StageKey::CentralConsultation)
                    && self.record_of(StageKey::CentralConsultation).is_none()
                {
                    out.push(refuse(Some(RuleId::R7), "consultations_missing", "the LoI cannot be signed before consultations with Kemendagri and Kemlu are recorded", "pernyataan kehendak tidak dapat ditandatangani sebelum konsultasi dengan Kemendagri dan Kemlu dicatat"));
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
            } => {
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
            StageRecord::DprdDecision { letter, .. }
            | StageRecord::MinisterialConsideration { letter, .. }
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

    /// The signing guard: every unmet condition of signing with `signing`. For a
    /// record that is not a signing, only what the case itself lacks.
    pub fn signing_gaps(&self, signing: &StageRecord) -> Vec<SigningGap> {
        let mut out = self.signing_preconditions();
        let StageRecord::Signing {
            signed_on,
            indonesian,
            indonesian_is_head_of_region,
            signed_text_languages,
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
        let deputy = indonesian.position.to_lowercase().contains("wakil");
        if !indonesian_is_head_of_region || deputy {
            out.push(SigningGap::SignatoryNotHeadOfRegion);
        }
        if !languages_ok(signed_text_languages) {
            out.push(SigningGap::SignedTextsMissing);
        }
        out
    }

    /// What blocks the next step: the record the current stage needs and, before signing, every
    /// unmet precondition. Empty once the case is closed.
    pub fn requirements(&self, def: &Definition) -> Vec<Requirement> {
        if self.status != CaseStatus::Running {
            return Vec::new();
        }
        let Some(i) = self.current() else {
            return Vec::new();
        };
        let stage = &def.stages[i];
        let mut out = vec![Requirement {
            code: "record_required".into(),
            rule: None,
            actor: Some(stage.actor),
            message: format!(
                "the {} stage needs a `{}` record from {}",
                stage.name_en,
                stage.requires,
                stage.actor.as_str()
            ),
        }];
        if stage.key == StageKey::Signing {
            out.extend(
                self.signing_preconditions()
                    .into_iter()
                    .map(SigningGap::requirement),
            );
        }
        out
    }

    /// Applies `action` by an actor of kind `actor` on `today`: the new case, or every reason
    /// it is refused (`case_closed` a conflict, `not_your_stage` not permitted, the rest invalid).
    pub fn apply(
        &self,
        def: &Definition,
        action: CaseAction,
        actor: StageActor,
        today: NaiveDate,
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
            CaseAction::Return { note } => self.returned(def, i, actor, &note, today),
            CaseAction::Complete(record) => self.complete(def, i, record, actor, today),
        }
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
        next.return_from(i, today);
        Ok(next)
    }

    fn complete(
        &self,
        def: &Definition,
        i: usize,
        record: StageRecord,
        actor: StageActor,
        today: NaiveDate,
    ) -> Verdict<Case> {
        let stage_def = &def.stages[i];
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
        let mut refusals = self.check_record(&record);
        if stage_def.key == StageKey::Signing {
            refusals.extend(
                self.signing_gaps(&record)
                    .into_iter()
                    .map(SigningGap::violation),
            );
        }
        if !refusals.is_empty() {
            return Err(refusals);
        }
        Ok(self.after_record(def, i, record, today))
    }

    /// The case once stage `i` holds a valid `record`: a decision may end or loop it.
    fn after_record(
        &self,
        def: &Definition,
        i: usize,
        record: StageRecord,
        today: NaiveDate,
    ) -> Case {
        let mut next = self.clone();
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

fn note_required(en: &str, id: &str) -> Violation {
    Violation::invalid("note_required", "/note", en, id)
}

/// Valid records of every stage up to (not including) signing, in order, with their actors:
/// the walk of the domain tests, and the stages `jalin seed-bench` advances its cases through.
/// Illustrative values (letters, dates), never real ones.
pub fn illustrative_path_to_signing(valid_until: NaiveDate) -> Vec<(StageActor, StageRecord)> {
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
                signed_on: NaiveDate::from_ymd_opt(2025, 2, 1).unwrap_or_default(),
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
            },
        ),
        (
            Dprd,
            StageRecord::DprdDecision {
                received_on: NaiveDate::from_ymd_opt(2025, 3, 3).unwrap_or_default(),
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
                held_on: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default(),
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

fn illustrative_letter(number: &str) -> Letter {
    Letter {
        number: number.into(),
        date: NaiveDate::from_ymd_opt(2025, 1, 15).unwrap_or_default(),
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

    fn letter(n: &str) -> Letter {
        Letter {
            number: n.into(),
            date: d("2025-01-15"),
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
            signed_on: d(on),
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
        }
    }

    fn path_to_signing(valid_until: &str) -> Vec<(StageActor, StageRecord)> {
        illustrative_path_to_signing(d(valid_until))
    }

    fn run(def: &Definition, steps: Vec<(StageActor, StageRecord)>) -> Case {
        let mut case = Case::start(def, d("2025-01-02"));
        for (actor, record) in steps {
            case = case
                .apply(def, CaseAction::Complete(record), actor, d("2025-07-01"))
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
            .apply(
                &def,
                CaseAction::Complete(signing(
                    "Ahmad Luthfi",
                    "Gubernur Jawa Tengah",
                    true,
                    "2025-07-10",
                    langs(),
                )),
                StageActor::Region,
                d("2025-07-10"),
            )
            .unwrap();
        assert_eq!(signed.status, CaseStatus::Signed);
    }

    #[test]
    fn a_dprd_rejection_ends_the_case() {
        let def = latest("ksdpl").unwrap();
        let mut steps = path_to_signing("2025-12-31");
        steps.truncate(4);
        let case = run(&def, steps);
        let rejected = case
            .apply(
                &def,
                CaseAction::Complete(StageRecord::DprdDecision {
                    received_on: d("2025-03-03"),
                    decision: Decision::Rejected,
                    letter: letter("DPRD/8"),
                }),
                StageActor::Dprd,
                d("2025-04-01"),
            )
            .unwrap();
        assert_eq!(rejected.status, CaseStatus::Rejected);
    }

    /// R11: a revise_plan consideration reopens the plan; DPRD must approve again.
    #[test]
    fn the_kemendagri_revise_loop_goes_back_through_dprd() {
        let def = latest("ksdpl").unwrap();
        let mut steps = path_to_signing("2025-12-31");
        steps.truncate(5);
        let case = run(&def, steps);
        let revised = case
            .apply(
                &def,
                CaseAction::Complete(StageRecord::MinisterialConsideration {
                    outcome: Consideration::RevisePlan,
                    letter: letter("KMD/3"),
                }),
                StageActor::Kemendagri,
                d("2025-05-01"),
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
        let mut steps = path_to_signing("2025-12-31");
        steps.truncate(4);
        let case = run(&def, steps);
        // A region officer cannot record the DPRD's decision (R9).
        let err = case
            .apply(
                &def,
                CaseAction::Complete(StageRecord::DprdDecision {
                    received_on: d("2025-03-03"),
                    decision: Decision::Approved,
                    letter: letter("x"),
                }),
                StageActor::Region,
                d("2025-04-01"),
            )
            .unwrap_err();
        assert_eq!(err[0].code, "not_your_stage");
    }

    /// R7: no LoI before both consultations.
    #[test]
    fn r7_the_loi_waits_for_both_consultations() {
        let def = latest("ksdpl").unwrap();
        let case = run(
            &def,
            path_to_signing("2025-12-31").into_iter().take(1).collect(),
        );
        let err = case
            .apply(
                &def,
                CaseAction::Complete(StageRecord::LetterOfIntent {
                    signed_on: d("2025-02-01"),
                    languages: langs(),
                }),
                StageActor::Region,
                d("2025-02-01"),
            )
            .unwrap_err();
        assert_eq!(
            err[0].code, "wrong_record",
            "the consultations stage comes first"
        );
    }

    #[test]
    fn r8_a_plan_lacking_elements_names_each() {
        let def = latest("ksdpl").unwrap();
        let case = run(
            &def,
            path_to_signing("2025-12-31").into_iter().take(3).collect(),
        );
        let err = case
            .apply(
                &def,
                CaseAction::Complete(StageRecord::CooperationPlan {
                    subject: "s".into(),
                    background: "".into(),
                    aims: "a".into(),
                    object: "".into(),
                    scope: "sc".into(),
                    financing_source: "".into(),
                    implementation_period: "p".into(),
                }),
                StageActor::Region,
                d("2025-03-01"),
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
            .apply(
                &def,
                CaseAction::Complete(deputy),
                StageActor::Region,
                d("2025-07-10"),
            )
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
            .apply(
                &def,
                CaseAction::Complete(record.clone()),
                StageActor::Kemlu,
                d("2025-01-03"),
            )
            .unwrap_err();
        assert_eq!(not_mine[0].refusal, Refusal::NotPermitted);
        case.status = CaseStatus::Withdrawn;
        let closed = case
            .apply(
                &def,
                CaseAction::Complete(record),
                StageActor::Region,
                d("2025-01-03"),
            )
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
            received_on: d("2025-03-03"),
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
        assert!(Requirement::before_start(AgreementStatus::Rejected, false).is_empty());
    }

    /// R10: the DPRD clock runs 45 working days from the stage's start; overdue is only a flag.
    #[test]
    fn r10_an_open_dprd_stage_past_its_due_date_is_overdue() {
        let def = latest("ksdpl").unwrap();
        let steps = path_to_signing("2025-12-31")
            .into_iter()
            .take(4)
            .collect::<Vec<_>>();
        let mut case = Case::start(&def, d("2025-01-02"));
        for (actor, record) in steps {
            case = case
                .apply(&def, CaseAction::Complete(record), actor, d("2025-08-04"))
                .unwrap();
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
        // 45 working days after Monday 4 August 2025, skipping 18 August: Tuesday 7 October.
        let on_time = case.clock(&cal, &def, i, d("2025-10-07"));
        assert_eq!(on_time.due_on, Some(d("2025-10-07")));
        assert!(!on_time.overdue);
        let late = case.clock(&cal, &def, i, d("2025-10-08"));
        assert!(late.overdue);
        assert_eq!(late.working_days_remaining, Some(-1));
        assert_eq!(
            case.due_on(&cal, &def, d("2025-10-08")),
            Some(d("2025-10-07"))
        );
        // A stage without a time limit only counts its days.
        let plan = case.clock(&cal, &def, i - 1, d("2025-10-08"));
        assert_eq!((plan.due_on, plan.overdue), (None, false));
    }

    #[test]
    fn a_return_needs_a_note_and_reopens_the_previous_stage() {
        let def = latest("ksdpl").unwrap();
        let case = run(
            &def,
            path_to_signing("2025-12-31").into_iter().take(5).collect(),
        );
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
            .apply(
                &pinned,
                CaseAction::Complete(path_to_signing("2025-12-31").remove(0).1),
                StageActor::Region,
                d("2025-01-03"),
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
        let case = run(
            &def,
            path_to_signing("2025-12-31").into_iter().take(4).collect(),
        );
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
            .apply(
                &def,
                CaseAction::Complete(path_to_signing("2025-12-31").remove(3).1),
                StageActor::Region,
                d("2025-09-01"),
            )
            .unwrap();
        let dprd = again.stage(StageKey::DprdApproval).unwrap();
        assert_eq!(
            (dprd.status, dprd.started_on),
            (StageStatus::Active, Some(d("2025-09-01")))
        );
        assert_eq!(dprd.held.len(), 1, "the earlier period still counts");
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
            received_on: d("2025-03-03"),
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
        let case = run(
            &def,
            vec![
                (
                    StageActor::Region,
                    StageRecord::CooperationPlan {
                        subject: "s".into(),
                        background: "b".into(),
                        aims: "a".into(),
                        object: "o".into(),
                        scope: "sc".into(),
                        financing_source: "APBD".into(),
                        implementation_period: "1 year".into(),
                    },
                ),
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
            ],
        );
        let signed = case
            .apply(
                &def,
                CaseAction::Complete(signing(
                    "Ahmad Luthfi",
                    "Gubernur Jawa Tengah",
                    true,
                    "2025-07-10",
                    langs(),
                )),
                StageActor::Region,
                d("2025-07-10"),
            )
            .unwrap();
        assert_eq!(signed.status, CaseStatus::Signed);
    }
}
