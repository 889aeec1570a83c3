//! A workflow case: one agreement's walk through its pinned definition (DOMAIN.md §4). Pure:
//! `Case::apply` takes an action and returns the new case or every reason it is refused, so the
//! API, the tests and later the simulator share one state machine.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::rules::RuleId;
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Running,
    /// Signed: the agreement becomes active from its effective date.
    Signed,
    Rejected,
    Withdrawn,
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
    use crate::access::{Action, PrincipalKind, Role};
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

/// Why an action is refused: every reason, each with its rule when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: Option<RuleId>,
    pub code: &'static str,
    pub message: String,
}

fn refuse(rule: Option<RuleId>, code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        rule,
        code,
        message: message.into(),
    }
}

fn filled(s: &str) -> bool {
    !s.trim().is_empty()
}

fn languages_ok(langs: &[String]) -> bool {
    langs.iter().any(|l| l == "id") && langs.iter().any(|l| l != "id")
}

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

    fn record_of(&self, key: StageKey) -> Option<&StageRecord> {
        self.stages
            .iter()
            .find(|s| s.key == key && s.status == StageStatus::Completed)
            .and_then(|s| s.record.as_ref())
    }

    fn has_stage(&self, key: StageKey) -> bool {
        self.stages.iter().any(|s| s.key == key)
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

    /// Checks a record against its stage's rules (not the signing guard).
    fn check_record(&self, r: &StageRecord) -> Vec<Refusal> {
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
                    ));
                }
                if !(politically_safe & legally_safe & technically_safe & security_safe) {
                    out.push(refuse(Some(RuleId::R5), "unsafe_cooperation", "the cooperation must be politically, legally, technically and security-wise safe"));
                }
            }
            StageRecord::LetterOfIntent { languages, .. } => {
                // R7: both consultations recorded before the LoI is signed.
                if self.has_stage(StageKey::CentralConsultation)
                    && self.record_of(StageKey::CentralConsultation).is_none()
                {
                    out.push(refuse(Some(RuleId::R7), "consultations_missing", "the LoI cannot be signed before consultations with Kemendagri and Kemlu are recorded"));
                }
                if !languages_ok(languages) {
                    out.push(refuse(
                        Some(RuleId::R16),
                        "languages",
                        "the LoI is in Bahasa Indonesia and the partner's language and/or English",
                    ));
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
                for (name, v) in [
                    ("subject", subject),
                    ("background", background),
                    ("aims", aims),
                    ("object", object),
                    ("scope", scope),
                    ("financing_source", financing_source),
                    ("implementation_period", implementation_period),
                ] {
                    if !filled(v) {
                        out.push(refuse(
                            Some(RuleId::R8),
                            "plan_element_missing",
                            format!("the plan must state its {name}"),
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
                ));
            }
            StageRecord::DraftText { languages } if !languages_ok(languages) => {
                out.push(refuse(
                    Some(RuleId::R16),
                    "languages",
                    "the draft is in Bahasa Indonesia and the partner's language and/or English",
                ));
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
                    ));
                }
                if *valid_until < letter.date {
                    out.push(refuse(
                        Some(RuleId::R14),
                        "invalid_validity",
                        "full powers cannot end before they are issued",
                    ));
                }
            }
            _ => {}
        }
        out
    }

    /// What the case itself must hold before signing, whatever the signing record says
    /// (R9, R12, R13, R14 recorded).
    pub fn signing_preconditions(&self) -> Vec<Refusal> {
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
            out.push(refuse(
                Some(RuleId::R9),
                "dprd_not_approved",
                "DPRD has not approved the cooperation",
            ));
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
            out.push(refuse(
                Some(RuleId::R12),
                "draft_not_approved",
                "Kemendagri has not approved the draft",
            ));
        }
        if self.has_stage(StageKey::ConfirmationLetter)
            && self.record_of(StageKey::ConfirmationLetter).is_none()
        {
            out.push(refuse(
                Some(RuleId::R13),
                "no_confirmation_letter",
                "no confirmation letter is recorded",
            ));
        }
        if self.full_powers_required && self.record_of(StageKey::FullPowers).is_none() {
            out.push(refuse(
                Some(RuleId::R14),
                "no_full_powers",
                "no full powers are recorded",
            ));
        }
        out
    }

    /// The signing guard (DOMAIN.md §4): every unmet condition, each with its rule.
    pub fn signing_guard(&self, signing: &StageRecord) -> Vec<Refusal> {
        let StageRecord::Signing {
            signed_on,
            indonesian,
            indonesian_is_head_of_region,
            signed_text_languages,
            ..
        } = signing
        else {
            return vec![refuse(
                None,
                "wrong_record",
                "signing needs a signing record",
            )];
        };
        let mut out = self.signing_preconditions();
        if let Some(StageRecord::FullPowers {
            holder_name,
            letter,
            valid_until,
            ..
        }) = self.record_of(StageKey::FullPowers)
        {
            if self.full_powers_required {
                if holder_name.trim().to_lowercase() != indonesian.name.trim().to_lowercase() {
                    out.push(refuse(
                        Some(RuleId::R14),
                        "full_powers_holder",
                        "the full powers' holder is not the signatory",
                    ));
                }
                if *signed_on > *valid_until || *signed_on < letter.date {
                    out.push(refuse(
                        Some(RuleId::R14),
                        "full_powers_expired",
                        "the signing date is outside the full powers' validity",
                    ));
                }
            }
        }
        let deputy = indonesian.position.to_lowercase().contains("wakil");
        if !indonesian_is_head_of_region || deputy {
            out.push(refuse(
                Some(RuleId::R15),
                "signatory_not_head_of_region",
                "the Indonesian signatory must be the head of region (no deputy, no delegation)",
            ));
        }
        if !languages_ok(signed_text_languages) {
            out.push(refuse(
                Some(RuleId::R16),
                "signed_texts_missing",
                "signed texts exist in Bahasa Indonesia and the other language(s)",
            ));
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
                "the {} stage needs a `{}` record from {:?}",
                stage.name_en, stage.requires, stage.actor
            ),
        }];
        if stage.key == StageKey::Signing {
            out.extend(
                self.signing_preconditions()
                    .into_iter()
                    .map(|r| Requirement {
                        code: r.code.into(),
                        rule: r.rule,
                        actor: None,
                        message: r.message,
                    }),
            );
        }
        out
    }

    /// Applies `action` by an actor of kind `actor` on `today`.
    pub fn apply(
        &self,
        def: &Definition,
        action: CaseAction,
        actor: StageActor,
        today: NaiveDate,
    ) -> Result<Case, Vec<Refusal>> {
        if self.status != CaseStatus::Running {
            return Err(vec![refuse(
                None,
                "case_closed",
                "the case is no longer running",
            )]);
        }
        let Some(i) = self.current() else {
            return Err(vec![refuse(None, "case_closed", "no stage is open")]);
        };
        let stage_def = &def.stages[i];
        let mut next = self.clone();
        match action {
            CaseAction::Withdraw { note } => {
                if actor != StageActor::Region {
                    return Err(vec![refuse(
                        None,
                        "not_your_stage",
                        "only the region withdraws its case",
                    )]);
                }
                if !filled(&note) {
                    return Err(vec![refuse(
                        None,
                        "note_required",
                        "a withdrawal needs a note",
                    )]);
                }
                next.status = CaseStatus::Withdrawn;
                Ok(next)
            }
            CaseAction::Return { note } => {
                if actor != stage_def.actor {
                    return Err(vec![refuse(
                        None,
                        "not_your_stage",
                        "only the stage's actor returns it",
                    )]);
                }
                if !filled(&note) {
                    return Err(vec![refuse(None, "note_required", "a return needs a note")]);
                }
                if i == 0 {
                    return Err(vec![refuse(
                        None,
                        "nothing_before",
                        "the first stage cannot be returned",
                    )]);
                }
                next.return_from(i, today);
                Ok(next)
            }
            CaseAction::Complete(record) => {
                if actor != stage_def.actor {
                    return Err(vec![refuse(
                        None,
                        "not_your_stage",
                        format!("{:?} acts on this stage", stage_def.actor),
                    )]);
                }
                if record.kind() != stage_def.requires {
                    return Err(vec![refuse(
                        None,
                        "wrong_record",
                        format!(
                            "this stage is completed by a `{}` record",
                            stage_def.requires
                        ),
                    )]);
                }
                let mut refusals = self.check_record(&record);
                if stage_def.key == StageKey::Signing {
                    refusals.extend(self.signing_guard(&record));
                }
                if !refusals.is_empty() {
                    return Err(refusals);
                }
                // Decisions that end or loop the case.
                let back = match &record {
                    StageRecord::DprdDecision {
                        decision: Decision::Rejected,
                        ..
                    } => {
                        next.status = CaseStatus::Rejected;
                        None
                    }
                    StageRecord::MinisterialConsideration {
                        outcome: Consideration::RevisePlan,
                        ..
                    }
                    | StageRecord::InterministerialMeeting {
                        outcome: Review::Revise,
                        ..
                    }
                    | StageRecord::Negotiation {
                        outcome: Review::Revise,
                        ..
                    }
                    | StageRecord::KemendagriConsultation {
                        outcome: Review::Revise,
                        ..
                    } => stage_def.revise_to,
                    _ => None,
                };
                if let Some(to) = back {
                    let to = def.stages.iter().position(|s| s.key == to).unwrap_or(i);
                    next.back_to(to, today);
                    return Ok(next);
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
                Ok(next)
            }
        }
    }
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
        let dprd = revised
            .stages
            .iter()
            .find(|s| s.key == StageKey::DprdApproval)
            .unwrap();
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
        let err = case
            .apply(
                &def,
                CaseAction::Complete(signing(
                    "Taj Yasin",
                    "Wakil Gubernur Jawa Tengah",
                    false,
                    "2025-07-10",
                    vec!["id".into()],
                )),
                StageActor::Region,
                d("2025-07-10"),
            )
            .unwrap_err();
        let codes: Vec<&str> = err.iter().map(|r| r.code).collect();
        for c in [
            "full_powers_holder",
            "full_powers_expired",
            "signatory_not_head_of_region",
            "signed_texts_missing",
        ] {
            assert!(codes.contains(&c), "{c} in {codes:?}");
        }
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
        let dprd = back
            .stages
            .iter()
            .find(|s| s.key == StageKey::DprdApproval)
            .unwrap();
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
        let dprd = again
            .stages
            .iter()
            .find(|s| s.key == StageKey::DprdApproval)
            .unwrap();
        assert_eq!(
            (dprd.status, dprd.started_on),
            (StageStatus::Active, Some(d("2025-09-01")))
        );
        assert_eq!(dprd.held.len(), 1, "the earlier period still counts");
    }

    #[test]
    fn each_role_acts_only_as_its_stage_actor() {
        use crate::access::{Principal, PrincipalKind, Role};
        let code = |s: &str| crate::RegionCode::parse(s).unwrap();
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
