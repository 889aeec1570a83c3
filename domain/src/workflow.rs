//! The PP 28/2018 approval workflow as data: versioned definitions whose stages
//! carry their actor, the record that completes them, their time limit and their legal citation;
//! and the state machine that walks a case through them. A case keeps the definition version it
//! started with when a newer version is published.
//!
//! KSDLL follows the same stages *mutatis mutandis* (arts. 38–40); an implementing arrangement
//! under an umbrella MoU in force needs no full powers (UU 24/2000 art. 7(5)) and uses a shorter
//! path (DEFAULT: plan → draft → Kemendagri consultation → signing).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::agreement::{AgreementKind, AgreementStatus, CooperationObject, Instrument};
use crate::code::code_enum;
use crate::rules::RuleId;
use crate::violation::Violation;

code_enum! {
    /// A stage of the approval path.
    StageKey {
        Exploration => "exploration",
        CentralConsultation => "central_consultation",
        LetterOfIntent => "letter_of_intent",
        CooperationPlan => "cooperation_plan",
        DprdApproval => "dprd_approval",
        MinisterialConsideration => "ministerial_consideration",
        DraftText => "draft_text",
        DraftApproval => "draft_approval",
        Negotiation => "negotiation",
        ConfirmationLetter => "confirmation_letter",
        FullPowers => "full_powers",
        Signing => "signing",
        /// The shorter path's consultation with Kemendagri (implementing arrangements).
        KemendagriConsultation => "kemendagri_consultation",
    }
}

code_enum! {
    /// Who acts on a stage.
    StageActor {
        /// The region's cooperation unit (province or regency/city officer).
        Region => "region",
        /// The DPRD secretariat of the region records the parliament's decision.
        Dprd => "dprd",
        /// Kemendagri (Pusat Fasilitasi Kerja Sama).
        Kemendagri => "kemendagri",
        /// Kemlu.
        Kemlu => "kemlu",
    }
}

/// A time limit in working days, counted from the stage's start, or from DPRD's receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeLimit {
    pub working_days: u32,
    /// Overdue is flagged, never approved by silence (R10).
    pub flag_only: bool,
    /// The days count from the receipt recorded by the stage's actor (action `record_receipt`),
    /// not from the day the stage opened: before it the clock has not started (R10).
    #[serde(default)]
    pub from_receipt: bool,
}

/// The outcomes a decision stage can record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// approve or reject (reject ends the case as `rejected`).
    ApproveReject,
    /// revise (back to `revise_to`) or forward.
    ReviseOrForward,
}

/// One stage of a definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageDef {
    pub key: StageKey,
    pub name_id: String,
    pub name_en: String,
    pub actor: StageActor,
    /// What completes the stage (the structured record's kind).
    pub requires: String,
    pub time_limit: Option<TimeLimit>,
    pub decision: Option<DecisionKind>,
    /// Where a revise/return outcome sends the case back to.
    pub revise_to: Option<StageKey>,
    pub rules: Vec<RuleId>,
    /// The legal source, e.g. `PP 28/2018 art. 30(1),(4)`.
    pub citation: String,
    pub confidence: String,
}

/// A published, versioned definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Definition {
    /// `ksdpl`, `ksdll` or `implementing_arrangement`.
    pub key: String,
    pub version: u32,
    pub title: String,
    /// R14: whether full powers must be recorded before signing (DEFAULT: yes).
    pub full_powers_required: bool,
    pub stages: Vec<StageDef>,
}

impl Definition {
    /// Where stage `key` stands in this definition, if it has it.
    pub fn position(&self, key: StageKey) -> Option<usize> {
        self.stages.iter().position(|s| s.key == key)
    }

    /// Stage `key` of this definition, if it has it.
    pub fn stage(&self, key: StageKey) -> Option<&StageDef> {
        self.position(key).map(|i| &self.stages[i])
    }
}

#[allow(clippy::too_many_arguments)]
fn stage(
    key: StageKey,
    name_id: &str,
    name_en: &str,
    actor: StageActor,
    requires: &str,
    time_limit: Option<TimeLimit>,
    decision: Option<DecisionKind>,
    revise_to: Option<StageKey>,
    rules: &[RuleId],
    citation: &str,
    confidence: &str,
) -> StageDef {
    StageDef {
        key,
        name_id: name_id.into(),
        name_en: name_en.into(),
        actor,
        requires: requires.into(),
        time_limit,
        decision,
        revise_to,
        rules: rules.to_vec(),
        citation: citation.into(),
        confidence: confidence.into(),
    }
}

/// The twelve stages of PP 28/2018 arts. 28–33, 38–40.
fn full_path() -> Vec<StageDef> {
    use DecisionKind::*;
    use StageActor::*;
    use StageKey::*;
    vec![
        stage(
            Exploration,
            "Penjajakan",
            "Exploration",
            Region,
            "exploration_report",
            None,
            None,
            None,
            &[RuleId::R5, RuleId::R6],
            "PP 28/2018 art. 28(3)",
            "HIGH",
        ),
        stage(
            CentralConsultation,
            "Konsultasi dengan Kemendagri dan Kemlu",
            "Consultation with Kemendagri and Kemlu",
            Region,
            "consultations",
            None,
            None,
            None,
            &[RuleId::R7],
            "PP 28/2018 art. 28(4); UU 24/2000 art. 5",
            "HIGH",
        ),
        stage(
            LetterOfIntent,
            "Pernyataan kehendak (LoI)",
            "Letter of intent",
            Region,
            "letter_of_intent",
            None,
            None,
            None,
            &[RuleId::R7, RuleId::R16],
            "PP 28/2018 art. 28(4)-(5)",
            "HIGH",
        ),
        stage(
            CooperationPlan,
            "Rencana kerja sama",
            "Cooperation plan",
            Region,
            "cooperation_plan",
            None,
            None,
            None,
            &[RuleId::R8],
            "PP 28/2018 art. 30(3)",
            "HIGH",
        ),
        stage(
            DprdApproval,
            "Persetujuan DPRD",
            "DPRD approval",
            Dprd,
            "dprd_decision",
            Some(TimeLimit {
                working_days: 45,
                flag_only: true,
                from_receipt: true,
            }),
            Some(ApproveReject),
            None,
            &[RuleId::R9, RuleId::R10],
            "PP 28/2018 art. 30(1),(4)",
            "HIGH (silence is not approval: MEDIUM)",
        ),
        stage(
            MinisterialConsideration,
            "Pertimbangan Menteri Dalam Negeri",
            "Ministerial consideration",
            Kemendagri,
            "ministerial_consideration",
            None,
            Some(ReviseOrForward),
            Some(CooperationPlan),
            &[RuleId::R11],
            "PP 28/2018 art. 31",
            "HIGH",
        ),
        stage(
            DraftText,
            "Rancangan naskah",
            "Draft text",
            Region,
            "draft_text",
            None,
            None,
            None,
            &[RuleId::R16],
            "PP 28/2018 art. 32(1); UU 24/2009 art. 31",
            "HIGH",
        ),
        stage(
            DraftApproval,
            "Persetujuan rancangan setelah rapat antarkementerian",
            "Draft approval after the inter-ministerial meeting",
            Kemendagri,
            "interministerial_meeting",
            None,
            Some(ReviseOrForward),
            Some(DraftText),
            &[RuleId::R12],
            "PP 28/2018 art. 32",
            "HIGH",
        ),
        stage(
            Negotiation,
            "Perundingan dengan mitra",
            "Negotiation with the partner",
            Kemlu,
            "negotiation",
            None,
            Some(ReviseOrForward),
            Some(DraftText),
            &[],
            "PP 28/2018 art. 33(1)-(2)",
            "HIGH",
        ),
        stage(
            ConfirmationLetter,
            "Surat konfirmasi",
            "Confirmation letter",
            Kemlu,
            "confirmation_letter",
            None,
            None,
            None,
            &[RuleId::R13],
            "PP 28/2018 art. 33(3)-(4)",
            "HIGH",
        ),
        stage(
            FullPowers,
            "Surat Kuasa (Full Powers)",
            "Full powers",
            Kemlu,
            "full_powers",
            None,
            None,
            None,
            &[RuleId::R14],
            "UU 24/2000 art. 7",
            "MEDIUM",
        ),
        stage(
            Signing,
            "Penandatanganan",
            "Signing",
            Region,
            "signing",
            None,
            None,
            None,
            &[RuleId::R13, RuleId::R14, RuleId::R15, RuleId::R16],
            "PP 28/2018 art. 23(1), 33(4)",
            "HIGH",
        ),
    ]
}

/// The published definitions, every version of each (oldest first).
pub fn definitions() -> Vec<Definition> {
    use StageActor::*;
    use StageKey::*;
    let full = full_path();
    let pick = |keys: &[StageKey]| -> Vec<StageDef> {
        keys.iter()
            .filter_map(|k| full.iter().find(|s| s.key == *k).cloned())
            .collect()
    };
    let short = {
        let mut stages = pick(&[CooperationPlan, DraftText]);
        stages.push(stage(
            KemendagriConsultation,
            "Konsultasi dengan Kemendagri",
            "Consultation with Kemendagri",
            Kemendagri,
            "kemendagri_consultation",
            None,
            Some(DecisionKind::ReviseOrForward),
            Some(DraftText),
            &[],
            "UU 24/2000 art. 7(5) (no full powers under an umbrella MoU); path DEFAULT",
            "DEFAULT",
        ));
        stages.extend(pick(&[Signing]));
        stages
    };
    vec![
        Definition {
            key: "ksdpl".into(),
            version: 1,
            title: "KSDPL: cooperation with a foreign local government (PP 28/2018 arts. 28–33)".into(),
            full_powers_required: true,
            stages: full.clone(),
        },
        Definition {
            key: "ksdll".into(),
            version: 1,
            title: "KSDLL: cooperation with a foreign institution (PP 28/2018 arts. 38–40, mutatis mutandis)".into(),
            full_powers_required: true,
            stages: full,
        },
        Definition {
            key: "implementing_arrangement".into(),
            version: 1,
            title: "Implementing arrangement under an umbrella MoU in force (DEFAULT shorter path)".into(),
            full_powers_required: false,
            stages: short,
        },
    ]
}

/// A definition by key and version.
pub fn definition(key: &str, version: u32) -> Option<Definition> {
    Registry::builtin().get(key, version)
}

/// The newest version of a definition: what a new case starts on.
pub fn latest(key: &str) -> Option<Definition> {
    Registry::builtin().latest(key)
}

/// The definition a new case of an agreement starts on: the shorter path for an implementing
/// arrangement under an umbrella agreement that carries it (`has_umbrella`: no
/// [`umbrella_gaps`]; UU 24/2000 art. 7(5)), else its kind's.
pub fn definition_for(
    kind: AgreementKind,
    instrument: Instrument,
    has_umbrella: bool,
) -> Option<Definition> {
    if instrument == Instrument::ImplementingArrangement && has_umbrella {
        latest("implementing_arrangement")
    } else {
        latest(kind.as_str())
    }
}

/// Whether `def` is the shorter path of an implementing arrangement under an umbrella in force.
pub fn is_short_path(def: &Definition) -> bool {
    def.key == "implementing_arrangement"
}

/// The umbrella agreement (the arrangement's parent) as the shorter path needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Umbrella {
    pub status: AgreementStatus,
    /// In force from (its effective date, else its signing date).
    pub in_force_from: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub partner_ids: Vec<String>,
    pub objects: Vec<CooperationObject>,
}

/// An implementing arrangement and its umbrella, if it names one that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrangement {
    pub partner_ids: Vec<String>,
    pub objects: Vec<CooperationObject>,
    pub umbrella: Option<Umbrella>,
}

/// **R14** (UU 24/2000 art. 7(5)) — why an implementing arrangement cannot take the shorter
/// path (no DPRD approval, confirmation letter or full powers) on `on`: its umbrella must be
/// `active` and in force that day, have the same partner(s), and cover every object of the
/// arrangement. Empty when it can.
pub fn umbrella_gaps(a: &Arrangement, on: NaiveDate) -> Vec<Violation> {
    let gap = |code: &str, en: String, id: String| {
        Violation::rule(
            RuleId::R14,
            "/parent_id",
            format!("{en}: the full path applies (DPRD approval R9, confirmation letter R13, full powers R14) ({code})"),
            format!("{id}: berlaku alur lengkap (persetujuan DPRD R9, surat konfirmasi R13, surat kuasa R14) ({code})"),
        )
    };
    let Some(u) = &a.umbrella else {
        return vec![gap(
            "no_umbrella",
            "the implementing arrangement names no umbrella agreement".into(),
            "pengaturan pelaksanaan tidak merujuk naskah induk".into(),
        )];
    };
    let mut out = Vec::new();
    let in_force = u.status == AgreementStatus::Active
        && u.in_force_from.is_none_or(|from| from <= on)
        && u.expires_on.is_none_or(|end| on <= end);
    if !in_force {
        out.push(gap(
            "umbrella_not_in_force",
            format!(
                "the umbrella agreement is not active on {on} (it is {})",
                u.status.as_str()
            ),
            format!(
                "naskah induk tidak berlaku pada {on} (statusnya {})",
                u.status.as_str()
            ),
        ));
    }
    let mut mine = a.partner_ids.clone();
    let mut theirs = u.partner_ids.clone();
    mine.sort();
    mine.dedup();
    theirs.sort();
    theirs.dedup();
    if mine != theirs {
        out.push(gap(
            "umbrella_other_partners",
            "the umbrella agreement has other partners".into(),
            "naskah induk memiliki mitra yang berbeda".into(),
        ));
    }
    let outside: Vec<&str> = a
        .objects
        .iter()
        .filter(|o| !u.objects.contains(o))
        .map(|o| o.as_str())
        .collect();
    if !outside.is_empty() {
        let list = outside.join(", ");
        out.push(gap(
            "umbrella_objects_outside",
            format!("objects outside the umbrella agreement's: {list}"),
            format!("objek di luar objek naskah induk: {list}"),
        ));
    }
    out
}

/// The stages on which one of `actors` acts, in any published definition.
pub fn stages_of(actors: &[StageActor]) -> Vec<StageKey> {
    StageKey::ALL
        .iter()
        .copied()
        .filter(|k| {
            definitions()
                .iter()
                .flat_map(|d| &d.stages)
                .any(|s| s.key == *k && actors.contains(&s.actor))
        })
        .collect()
}

/// The published definitions. Publishing adds a version; a published version never changes, so
/// a running case can always find the version it is pinned to.
#[derive(Debug, Clone)]
pub struct Registry {
    defs: Vec<Definition>,
}

impl Registry {
    pub fn builtin() -> Self {
        Self {
            defs: definitions(),
        }
    }

    pub fn get(&self, key: &str, version: u32) -> Option<Definition> {
        self.defs
            .iter()
            .find(|d| d.key == key && d.version == version)
            .cloned()
    }

    pub fn latest(&self, key: &str) -> Option<Definition> {
        self.defs
            .iter()
            .filter(|d| d.key == key)
            .max_by_key(|d| d.version)
            .cloned()
    }

    /// Publishes a new version; refused when that version exists or is not newer.
    pub fn publish(&mut self, def: Definition) -> Result<(), String> {
        if self
            .latest(&def.key)
            .is_some_and(|l| l.version >= def.version)
        {
            return Err(format!(
                "{} version {} is not newer than the published ones",
                def.key, def.version
            ));
        }
        self.defs.push(def);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ksdpl_has_the_twelve_stages_in_order_with_citations() {
        let d = latest("ksdpl").unwrap();
        assert_eq!(d.stages.len(), 12);
        assert_eq!(d.stages[0].key, StageKey::Exploration);
        assert_eq!(d.stages[11].key, StageKey::Signing);
        assert!(d.stages.iter().all(|s| !s.citation.is_empty()));
        assert!(d.full_powers_required, "R14 DEFAULT: full powers required");
    }

    /// R10: DPRD decides within 45 working days; overdue is only flagged.
    #[test]
    fn the_dprd_stage_has_a_45_working_day_flag_only_limit() {
        let d = latest("ksdpl").unwrap();
        let dprd = d.stage(StageKey::DprdApproval).unwrap();
        assert_eq!(dprd.actor, StageActor::Dprd);
        assert_eq!(
            dprd.time_limit,
            Some(TimeLimit {
                working_days: 45,
                flag_only: true,
                from_receipt: true,
            })
        );
        assert_eq!(dprd.decision, Some(DecisionKind::ApproveReject));
        assert!(dprd.rules.contains(&RuleId::R9) && dprd.rules.contains(&RuleId::R10));
    }

    /// R11: the ministerial consideration sends a plan back to the plan stage (and so to DPRD again).
    #[test]
    fn the_ministerial_revise_loop_returns_to_the_plan() {
        let d = latest("ksdll").unwrap();
        let m = d.stage(StageKey::MinisterialConsideration).unwrap();
        assert_eq!(m.revise_to, Some(StageKey::CooperationPlan));
        let plan = d.position(StageKey::CooperationPlan).unwrap();
        let dprd = d.position(StageKey::DprdApproval).unwrap();
        assert!(plan < dprd, "a revised plan goes through DPRD again");
    }

    #[test]
    fn an_implementing_arrangement_needs_no_full_powers() {
        let d = latest("implementing_arrangement").unwrap();
        assert!(!d.full_powers_required);
        assert!(d.stages.iter().all(|s| s.key != StageKey::FullPowers));
        assert_eq!(d.stages.last().unwrap().key, StageKey::Signing);
    }

    #[test]
    fn an_implementing_arrangement_under_an_umbrella_takes_the_shorter_path() {
        use AgreementKind::*;
        let key =
            |kind, instrument, umbrella| definition_for(kind, instrument, umbrella).unwrap().key;
        assert_eq!(
            key(Ksdpl, Instrument::ImplementingArrangement, true),
            "implementing_arrangement"
        );
        assert_eq!(
            key(Ksdpl, Instrument::ImplementingArrangement, false),
            "ksdpl"
        );
        assert_eq!(key(Ksdll, Instrument::Mou, true), "ksdll");
    }

    /// R14 (UU 24/2000 art. 7(5)): the shorter path needs an umbrella active on the day, with
    /// the same partners, covering every object; each failure is named.
    #[test]
    fn the_short_path_needs_a_living_umbrella_with_the_same_partners_and_objects() {
        use CooperationObject::*;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let umbrella = Umbrella {
            status: AgreementStatus::Active,
            in_force_from: Some(d("2019-08-06")),
            expires_on: Some(d("2024-08-05")),
            partner_ids: vec!["qld".into()],
            objects: vec![CulturalExchange, TechnicalCapacity],
        };
        let arrangement = Arrangement {
            partner_ids: vec!["qld".into()],
            objects: vec![TechnicalCapacity],
            umbrella: Some(umbrella.clone()),
        };
        assert!(umbrella_gaps(&arrangement, d("2024-08-05")).is_empty());
        let codes = |a: &Arrangement, on: &str| -> Vec<String> {
            umbrella_gaps(a, d(on))
                .iter()
                .map(|v| {
                    assert_eq!(
                        (v.rule, v.pointer.as_ref()),
                        (Some(RuleId::R14), "/parent_id")
                    );
                    v.text
                        .en
                        .rsplit_once(" (")
                        .unwrap()
                        .1
                        .trim_end_matches(')')
                        .to_owned()
                })
                .collect()
        };
        assert_eq!(codes(&arrangement, "2024-08-06"), ["umbrella_not_in_force"]);
        assert_eq!(codes(&arrangement, "2019-08-05"), ["umbrella_not_in_force"]);
        let mut other = arrangement.clone();
        other.partner_ids.push("kemlu-au".into());
        other.objects.push(ScienceTechnology);
        assert_eq!(
            codes(&other, "2024-01-01"),
            ["umbrella_other_partners", "umbrella_objects_outside"]
        );
        let mut ended = arrangement.clone();
        if let Some(u) = ended.umbrella.as_mut() {
            u.status = AgreementStatus::Terminated;
        }
        assert_eq!(codes(&ended, "2024-01-01"), ["umbrella_not_in_force"]);
        let orphan = Arrangement {
            umbrella: None,
            ..arrangement
        };
        assert_eq!(codes(&orphan, "2024-01-01"), ["no_umbrella"]);
    }

    #[test]
    fn each_actor_has_its_stages() {
        let dprd = stages_of(&[StageActor::Dprd]);
        assert_eq!(dprd, [StageKey::DprdApproval]);
        let central = stages_of(&[StageActor::Kemendagri, StageActor::Kemlu]);
        assert!(
            central.contains(&StageKey::KemendagriConsultation)
                && central.contains(&StageKey::FullPowers)
        );
        assert!(!central.contains(&StageKey::Signing));
        assert_eq!(
            stages_of(&StageActor::ALL).len(),
            StageKey::ALL.len(),
            "every stage has an actor"
        );
    }

    #[test]
    fn definitions_are_found_by_key_and_version() {
        assert_eq!(definition("ksdpl", 1).unwrap().version, 1);
        assert!(definition("ksdpl", 99).is_none());
        assert!(latest("treaty").is_none());
    }
}
