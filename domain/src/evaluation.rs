//! Evaluation of an agreement with a versioned instrument. The content (four
//! aspects from seed 000 §E.2, seven compliance criteria from seed 002 item 5) is from the seeds;
//! the scale, weights, thresholds and recommendation rules are DEFAULT product decisions, kept as
//! data in the instrument so a new version can change them while old evaluations keep theirs.
//! Scoring is exact decimal arithmetic and returns every step.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::code::code_enum;
use crate::{RegionCode, RuleId, Verdict, Violation};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub key: String,
    pub question_id: String,
    pub question_en: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aspect {
    pub key: String,
    pub name_id: String,
    pub name_en: String,
    /// Weight in the total (the weights of an instrument sum to 1), a decimal string.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.25"))]
    pub weight: Decimal,
    pub indicators: Vec<Indicator>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub key: String,
    pub name_id: String,
    pub name_en: String,
}

/// A score category with the lowest total that reaches it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "85"))]
    pub min_total: Decimal,
    pub category: String,
    pub recommendation: Recommendation,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    ContinueOrExtend,
    Revitalize,
    Terminate,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationInstrument {
    pub key: String,
    pub version: u32,
    pub scale_min: u8,
    pub scale_max: u8,
    pub aspects: Vec<Aspect>,
    pub criteria: Vec<Criterion>,
    /// Highest first.
    pub thresholds: Vec<Threshold>,
    /// Where each value comes from.
    pub basis: String,
}

impl EvaluationInstrument {
    /// `{key}-v{version}`, e.g. `default-v1`: how the API names a version.
    pub fn id(&self) -> String {
        format!("{}-v{}", self.key, self.version)
    }

    fn indicator(&self, key: &str) -> bool {
        self.aspects
            .iter()
            .any(|a| a.indicators.iter().any(|i| i.key == key))
    }

    fn criterion(&self, key: &str) -> bool {
        self.criteria.iter().any(|c| c.key == key)
    }

    /// The indicators and criteria `answers` leaves unanswered, in the instrument's order.
    pub fn unanswered(&self, answers: &Answers) -> Vec<String> {
        let indicators = self.aspects.iter().flat_map(|a| &a.indicators);
        indicators
            .map(|i| &i.key)
            .filter(|k| !answers.indicators.contains_key(*k))
            .chain(
                self.criteria
                    .iter()
                    .map(|c| &c.key)
                    .filter(|k| !answers.criteria.contains_key(*k)),
            )
            .cloned()
            .collect()
    }
}

fn ind(key: &str, id: &str, en: &str) -> Indicator {
    Indicator {
        key: key.into(),
        question_id: id.into(),
        question_en: en.into(),
    }
}

fn crit(key: &str, id: &str, en: &str) -> Criterion {
    Criterion {
        key: key.into(),
        name_id: id.into(),
        name_en: en.into(),
    }
}

/// The DEFAULT instrument, version 1.
pub fn default_instrument() -> EvaluationInstrument {
    let quarter = Decimal::new(25, 2);
    let aspect = |key: &str, id: &str, en: &str, indicators: Vec<Indicator>| Aspect {
        key: key.into(),
        name_id: id.into(),
        name_en: en.into(),
        weight: quarter,
        indicators,
    };
    EvaluationInstrument {
        key: "default".into(),
        version: 1,
        scale_min: 1,
        scale_max: 4,
        aspects: vec![
            aspect("quality", "Mutu", "Quality", vec![
                ind("benefits", "Apakah kerja sama memberi manfaat bagi daerah?", "Does the cooperation benefit the region?"),
                ind("benefits_people", "Apakah manfaat dirasakan masyarakat?", "Do people feel the benefits?"),
            ]),
            aspect("relevance", "Relevansi", "Relevance", vec![
                ind("programmes", "Apakah program pelaksanaan kerja sama dijalankan?", "Were programmes carried out to implement it?"),
                ind("plan_fit", "Apakah program sesuai rencana aksi?", "Did the programmes follow the action plan?"),
            ]),
            aspect("productivity", "Produktivitas", "Productivity", vec![
                ind("objectives", "Apakah tujuan kerja sama tercapai?", "Were the objectives met?"),
                ind("obstacles", "Apakah kendala ditangani dan dikoreksi?", "Were obstacles handled and corrected?"),
            ]),
            aspect("sustainability", "Keberlanjutan", "Sustainability", vec![
                ind("continue", "Apakah kerja sama layak dilanjutkan?", "Should it continue?"),
                ind("commitment", "Apakah kedua pihak berkomitmen melanjutkan?", "Are both sides committed to continue?"),
            ]),
        ],
        criteria: vec![
            crit("equal_standing", "Kesetaraan kedudukan", "Equal standing"),
            crit("mutual_benefit", "Saling menguntungkan", "Mutual benefit"),
            crit("political_stability", "Tidak mengganggu stabilitas politik dan keamanan", "No disturbance of political stability and security"),
            crit("sovereignty", "Menghormati kedaulatan NKRI", "Respect for the sovereignty of the Republic"),
            crit("environment", "Kelestarian lingkungan", "Environmental sustainability"),
            crit("gender", "Pengarusutamaan gender", "Gender mainstreaming"),
            crit("law", "Sesuai peraturan perundang-undangan", "Conformity with law"),
        ],
        thresholds: vec![
            Threshold { min_total: Decimal::new(85, 0), category: "Sangat Baik".into(), recommendation: Recommendation::ContinueOrExtend },
            Threshold { min_total: Decimal::new(70, 0), category: "Baik".into(), recommendation: Recommendation::ContinueOrExtend },
            Threshold { min_total: Decimal::new(55, 0), category: "Cukup".into(), recommendation: Recommendation::Revitalize },
            Threshold { min_total: Decimal::ZERO, category: "Kurang".into(), recommendation: Recommendation::Terminate },
        ],
        basis: "Aspects: seed 000 §E.2; criteria: seed 002 item 5; scale 1–4, equal weights, thresholds 85/70/55 and recommendations: DEFAULT (DOMAIN.md §6).".into(),
    }
}

/// The evaluator's answers: indicator values on the scale, and pass/fail per criterion.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Answers {
    pub indicators: BTreeMap<String, u8>,
    pub criteria: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AspectScore {
    pub key: String,
    pub values: Vec<(String, u8)>,
    /// Mean of the values.
    pub mean: Decimal,
    /// (mean − min) / (max − min) × 100.
    pub score: Decimal,
    pub weight: Decimal,
    /// score × weight.
    pub weighted: Decimal,
}

/// Every step of the arithmetic, and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreSheet {
    pub instrument_key: String,
    pub instrument_version: u32,
    pub aspects: Vec<AspectScore>,
    /// Σ weighted, rounded to two decimals.
    pub total: Decimal,
    pub category: String,
    pub recommendation: Recommendation,
    pub failed_criteria: Vec<String>,
    /// Any failed criterion sends the agreement to a compliance review.
    pub compliance_review: bool,
}

/// What is wrong with answers as such: keys the instrument does not have, values off its scale.
/// A draft may leave answers out.
fn answer_violations(instrument: &EvaluationInstrument, answers: &Answers) -> Vec<Violation> {
    let id = instrument.id();
    let (min, max) = (instrument.scale_min, instrument.scale_max);
    let mut v = Vec::new();
    for (k, value) in &answers.indicators {
        if !instrument.indicator(k) {
            v.push(Violation::invalid(
                "unknown_indicator",
                format!("/indicators/{k}"),
                format!("not an indicator of {id}"),
                format!("bukan indikator {id}"),
            ));
        } else if *value < min || *value > max {
            v.push(Violation::invalid(
                "out_of_scale",
                format!("/indicators/{k}/value"),
                format!("from {min} to {max}"),
                format!("dari {min} sampai {max}"),
            ));
        }
    }
    for k in answers.criteria.keys().filter(|k| !instrument.criterion(k)) {
        v.push(Violation::invalid(
            "unknown_criterion",
            format!("/criteria/{k}"),
            format!("not a criterion of {id}"),
            format!("bukan kriteria {id}"),
        ));
    }
    v
}

/// Checks a draft: its period in order and its answers (known keys, values on the scale).
pub fn check_draft(
    instrument: &EvaluationInstrument,
    period: (NaiveDate, NaiveDate),
    answers: &Answers,
) -> Vec<Violation> {
    let mut v = Vec::new();
    if period.1 < period.0 {
        v.push(Violation::invalid(
            "before_start",
            "/period_end",
            "the period ends before it starts",
            "periode berakhir sebelum dimulai",
        ));
    }
    v.extend(answer_violations(instrument, answers));
    v
}

/// Scores `answers` with `instrument`; every missing, unknown or out-of-range answer is refused.
pub fn score(instrument: &EvaluationInstrument, answers: &Answers) -> Verdict<ScoreSheet> {
    let mut errors = answer_violations(instrument, answers);
    for k in instrument.unanswered(answers) {
        let (group, en, id) = if instrument.criterion(&k) {
            (
                "criteria",
                "pass or fail is required",
                "lulus atau gagal wajib diisi",
            )
        } else {
            ("indicators", "a value is required", "nilai wajib diisi")
        };
        errors.push(Violation::invalid(
            "incomplete",
            format!("/{group}/{k}"),
            en,
            id,
        ));
    }
    let (min, max) = (instrument.scale_min, instrument.scale_max);
    let span = Decimal::from(max - min);
    let hundred = Decimal::from(100);
    let mut aspects = Vec::new();
    for a in &instrument.aspects {
        let values: Vec<(String, u8)> = a
            .indicators
            .iter()
            .filter_map(|i| answers.indicators.get(&i.key).map(|v| (i.key.clone(), *v)))
            .filter(|(_, v)| (min..=max).contains(v))
            .collect();
        if values.len() == a.indicators.len() && !values.is_empty() {
            let sum: Decimal = values.iter().map(|(_, v)| Decimal::from(*v)).sum();
            let mean = sum / Decimal::from(values.len());
            let score = ((mean - Decimal::from(min)) / span * hundred).round_dp(2);
            let weighted = (score * a.weight).round_dp(4);
            aspects.push(AspectScore {
                key: a.key.clone(),
                values,
                mean: mean.round_dp(4).normalize(),
                score: score.normalize(),
                weight: a.weight,
                weighted: weighted.normalize(),
            });
        }
    }
    let total = aspects
        .iter()
        .map(|a| a.weighted)
        .sum::<Decimal>()
        .round_dp(2);
    let threshold = instrument
        .thresholds
        .iter()
        .find(|t| total >= t.min_total)
        .or(instrument.thresholds.last());
    let Some(threshold) = threshold.filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.push(Violation::invalid(
                "no_thresholds",
                "/instrument_id",
                "the instrument has no score categories",
                "instrumen tidak memiliki kategori nilai",
            ));
        }
        return Err(errors);
    };
    let failed: Vec<String> = instrument
        .criteria
        .iter()
        .filter(|c| answers.criteria.get(&c.key) == Some(&false))
        .map(|c| c.key.clone())
        .collect();
    Ok(ScoreSheet {
        instrument_key: instrument.key.clone(),
        instrument_version: instrument.version,
        aspects,
        total,
        category: threshold.category.clone(),
        recommendation: threshold.recommendation,
        compliance_review: !failed.is_empty(),
        failed_criteria: failed,
    })
}

/// Every published instrument version; an evaluation keeps the `key` and `version` it was
/// scored with, so publishing a new version never changes an old evaluation.
pub fn published() -> Vec<EvaluationInstrument> {
    vec![default_instrument()]
}

/// A published instrument version.
pub fn find_instrument(key: &str, version: u32) -> Option<EvaluationInstrument> {
    published()
        .into_iter()
        .find(|i| i.key == key && i.version == version)
}

/// The newest version of every instrument key: what new evaluations use unless told otherwise.
pub fn current_instrument(key: &str) -> Option<EvaluationInstrument> {
    published()
        .into_iter()
        .filter(|i| i.key == key)
        .max_by_key(|i| i.version)
}

/// A published instrument version by its id (`default-v1`).
pub fn instrument_by_id(id: &str) -> Option<EvaluationInstrument> {
    published().into_iter().find(|i| i.id() == id)
}

/// What an answer rests on: a document or activity of the same agreement, or its action plan.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Document,
    Activity,
    ActionPlan,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// The document or activity id; absent for `action_plan`.
    pub id: Option<String>,
}

code_enum! {
    /// Where an evaluation stands: `draft` → `submitted` → `verified`; a verifier may return a
    /// submitted evaluation to draft with a note.
    EvaluationStatus {
        Draft => "draft",
        Submitted => "submitted",
        Verified => "verified",
    }
}

/// What happens to an evaluation. `by` is the verifier's own region, `None` for central
/// government.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationEvent<'a> {
    /// The evaluator changes or deletes the draft.
    Change,
    /// The evaluator submits the draft (its answers are scored separately: [`score`]).
    Submit,
    Verify {
        by: Option<&'a RegionCode>,
    },
    /// Back to draft, with the verifier's note saying why.
    Return {
        by: Option<&'a RegionCode>,
        note: Option<&'a str>,
    },
}

impl EvaluationStatus {
    /// The status `event` leads to for an evaluation of an agreement of `evaluated`, or why it
    /// cannot happen now: a verifier who is not this region's (409 `not_the_verifier`, R21), a
    /// return without a note, a status that does not allow it (409 `evaluation_state`; a
    /// non-draft cannot change, 409 `evaluation_not_draft`).
    pub fn after(self, event: EvaluationEvent, evaluated: &RegionCode) -> Verdict<Self> {
        use EvaluationEvent as E;
        use EvaluationStatus as S;
        if let E::Verify { by } | E::Return { by, .. } = event {
            if !may_verify(by, evaluated) {
                return Err(vec![not_the_verifier()]);
            }
        }
        if let E::Return { note: None, .. } = event {
            return Err(vec![Violation::invalid(
                "required",
                "/note",
                "say why the evaluation is returned",
                "sebutkan alasan evaluasi dikembalikan",
            )]);
        }
        match (self, event) {
            (S::Draft, E::Change) => Ok(S::Draft),
            (S::Draft, E::Submit) => Ok(S::Submitted),
            (S::Submitted, E::Verify { .. }) => Ok(S::Verified),
            (S::Submitted, E::Return { .. }) => Ok(S::Draft),
            (_, E::Change) => Err(vec![Violation::conflict(
                "evaluation_not_draft",
                format!(
                    "The evaluation is {}; only a draft can be changed.",
                    self.as_str()
                ),
                format!(
                    "Evaluasi berstatus {}; hanya draf yang dapat diubah.",
                    self.as_str()
                ),
            )]),
            (S::Draft, _) => Err(vec![state(
                "a draft can only be submitted",
                "draf hanya dapat diajukan",
            )]),
            (S::Submitted, E::Submit) => Err(vec![state(
                "it is already submitted",
                "evaluasi sudah diajukan",
            )]),
            (S::Verified, _) => Err(vec![state(
                "a verified evaluation is final",
                "evaluasi yang sudah diverifikasi bersifat final",
            )]),
        }
    }
}

fn state(en: &str, id: &str) -> Violation {
    Violation::conflict(
        "evaluation_state",
        format!("Not possible now: {en}."),
        format!("Tidak dapat dilakukan sekarang: {id}."),
    )
}

fn not_the_verifier() -> Violation {
    Violation::conflict(
        "not_the_verifier",
        "An evaluation is verified by the province for its regencies/cities, or by central government — not by the region that evaluated.",
        "Evaluasi diverifikasi oleh provinsi untuk kabupaten/kotanya, atau oleh pemerintah pusat — bukan oleh daerah yang mengevaluasi.",
    )
    .citing(RuleId::R21)
}

/// Who verifies an evaluation (R21): central government for every region, a
/// province for its regencies/cities — never the region that evaluated its own agreement.
/// `verifier_region` is `None` for a central verifier.
pub fn may_verify(verifier_region: Option<&RegionCode>, agreement_region: &RegionCode) -> bool {
    match verifier_region {
        None => true,
        Some(v) => {
            v.is_province() && !agreement_region.is_province() && agreement_region.province() == *v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(values: [u8; 8], failed: &[&str]) -> Answers {
        let keys = [
            "benefits",
            "benefits_people",
            "programmes",
            "plan_fit",
            "objectives",
            "obstacles",
            "continue",
            "commitment",
        ];
        let inst = default_instrument();
        Answers {
            indicators: keys
                .iter()
                .zip(values)
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            criteria: inst
                .criteria
                .iter()
                .map(|c| (c.key.clone(), !failed.contains(&c.key.as_str())))
                .collect(),
        }
    }

    /// Table: indicator values → total, category, recommendation.
    #[test]
    fn the_default_instrument_scores_as_documented() {
        let inst = default_instrument();
        let table: &[([u8; 8], &str, &str, Recommendation)] = &[
            (
                [4, 4, 4, 4, 4, 4, 4, 4],
                "100",
                "Sangat Baik",
                Recommendation::ContinueOrExtend,
            ),
            (
                [1, 1, 1, 1, 1, 1, 1, 1],
                "0",
                "Kurang",
                Recommendation::Terminate,
            ),
            // quality 83.33, relevance 66.67, productivity 50, sustainability 100 → 75.
            (
                [4, 3, 3, 3, 2, 3, 4, 4],
                "75",
                "Baik",
                Recommendation::ContinueOrExtend,
            ),
            // every aspect mean 3 → 66.67: Cukup, revitalize.
            (
                [3, 3, 3, 3, 3, 3, 3, 3],
                "66.67",
                "Cukup",
                Recommendation::Revitalize,
            ),
            // just under the Sangat Baik line: three aspects 100 (weighted 25 each), one 33.33.
            (
                [4, 4, 4, 4, 4, 4, 2, 2],
                "83.33",
                "Baik",
                Recommendation::ContinueOrExtend,
            ),
            (
                [2, 2, 2, 2, 2, 2, 2, 3],
                "37.5",
                "Kurang",
                Recommendation::Terminate,
            ),
        ];
        for (values, total, category, rec) in table {
            let s = score(&inst, &answers(*values, &[])).unwrap();
            assert_eq!(s.total.normalize().to_string(), *total, "{values:?}");
            assert_eq!(&s.category, category, "{values:?}");
            assert_eq!(s.recommendation, *rec, "{values:?}");
            assert!(!s.compliance_review);
        }
    }

    #[test]
    fn the_arithmetic_is_shown_per_aspect() {
        let s = score(
            &default_instrument(),
            &answers([4, 3, 3, 3, 2, 3, 4, 4], &[]),
        )
        .unwrap();
        let q = &s.aspects[0];
        assert_eq!(
            (
                q.key.as_str(),
                q.mean.to_string().as_str(),
                q.score.to_string().as_str()
            ),
            ("quality", "3.5", "83.33")
        );
        assert_eq!(q.weighted.to_string(), "20.8325");
        assert_eq!(s.instrument_version, 1);
    }

    #[test]
    fn a_failed_criterion_sends_the_agreement_to_compliance_review() {
        let s = score(&default_instrument(), &answers([4; 8], &["gender"])).unwrap();
        assert!(s.compliance_review);
        assert_eq!(s.failed_criteria, ["gender"]);
        assert_eq!(s.category, "Sangat Baik", "the score itself is unchanged");
    }

    #[test]
    fn every_bad_answer_is_reported() {
        let mut a = answers([4; 8], &[]);
        a.indicators.insert("benefits".into(), 5);
        a.indicators.remove("objectives");
        a.indicators.insert("vibes".into(), 3);
        a.criteria.remove("law");
        let errors = score(&default_instrument(), &a).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_ref()).collect();
        for p in [
            "/indicators/benefits/value",
            "/indicators/objectives",
            "/indicators/vibes",
            "/criteria/law",
        ] {
            assert!(pointers.contains(&p), "{p} in {pointers:?}");
        }
        assert!(errors.iter().all(|e| e.text.en != e.text.id), "bilingual");
    }

    #[test]
    fn a_draft_may_be_incomplete_but_not_wrong() {
        let i = default_instrument();
        let period = |a: &str, b: &str| (a.parse().unwrap(), b.parse().unwrap());
        let mut a = Answers::default();
        a.indicators.insert("benefits".into(), 4);
        assert_eq!(check_draft(&i, period("2024-01-01", "2024-12-31"), &a), []);
        assert_eq!(i.unanswered(&a).len(), 7 + 7);
        a.criteria.insert("vibes".into(), true);
        let v = check_draft(&i, period("2024-01-01", "2023-12-31"), &a);
        let codes: Vec<&str> = v.iter().map(|v| v.code.as_ref()).collect();
        assert_eq!(codes, ["before_start", "unknown_criterion"]);
        assert_eq!(v[1].pointer, "/criteria/vibes");
    }

    #[test]
    fn an_evaluation_moves_draft_submitted_verified_and_can_be_returned() {
        use EvaluationEvent as E;
        use EvaluationStatus as S;
        let city = crate::RegionCode::parse("33.74").unwrap();
        let province = crate::RegionCode::parse("33").unwrap();
        let by = Some(&province);
        assert_eq!(S::Draft.after(E::Change, &city), Ok(S::Draft));
        assert_eq!(S::Draft.after(E::Submit, &city), Ok(S::Submitted));
        let note = Some("Lampirkan bukti kegiatan 2024.");
        assert_eq!(
            S::Submitted.after(E::Return { by, note }, &city),
            Ok(S::Draft)
        );
        assert_eq!(S::Submitted.after(E::Verify { by }, &city), Ok(S::Verified));
        assert_eq!(
            S::Submitted.after(E::Verify { by: None }, &city),
            Ok(S::Verified)
        );
    }

    #[test]
    fn an_evaluation_in_the_wrong_state_is_a_conflict() {
        use EvaluationEvent as E;
        use EvaluationStatus as S;
        let city = crate::RegionCode::parse("33.74").unwrap();
        let code = |r: Verdict<S>| r.unwrap_err()[0].code.to_string();
        let note = Some("x");
        assert_eq!(
            code(S::Draft.after(E::Verify { by: None }, &city)),
            "evaluation_state"
        );
        assert_eq!(
            code(S::Verified.after(E::Return { by: None, note }, &city)),
            "evaluation_state"
        );
        assert_eq!(
            code(S::Submitted.after(E::Submit, &city)),
            "evaluation_state"
        );
        let v = S::Submitted.after(E::Change, &city).unwrap_err();
        assert_eq!(v[0].code, "evaluation_not_draft");
        assert_eq!(v[0].refusal, crate::Refusal::Conflict);
        assert!(v[0].text.id.starts_with("Evaluasi berstatus submitted"));
        let v = S::Verified
            .after(E::Verify { by: None }, &city)
            .unwrap_err();
        assert!(v[0].text.id.contains("bersifat final"), "{}", v[0].text.id);
    }

    #[test]
    fn r21_only_the_province_or_central_government_verifies() {
        use EvaluationEvent as E;
        use EvaluationStatus as S;
        let city = crate::RegionCode::parse("33.74").unwrap();
        let other = crate::RegionCode::parse("36").unwrap();
        for event in [
            E::Verify { by: Some(&city) },
            E::Return {
                by: Some(&other),
                note: Some("x"),
            },
        ] {
            let v = S::Submitted.after(event, &city).unwrap_err();
            assert_eq!(v[0].code, "not_the_verifier");
            assert_eq!(v[0].rule, Some(RuleId::R21));
            assert_eq!(v[0].refusal, crate::Refusal::Conflict);
        }
    }

    #[test]
    fn a_returned_evaluation_needs_a_note() {
        let city = crate::RegionCode::parse("33.74").unwrap();
        let event = EvaluationEvent::Return {
            by: None,
            note: None,
        };
        let v = EvaluationStatus::Submitted.after(event, &city).unwrap_err();
        assert_eq!(
            (v[0].code.as_ref(), v[0].pointer.as_ref()),
            ("required", "/note")
        );
        assert_eq!(v[0].refusal, crate::Refusal::Invalid);
    }

    #[test]
    fn evaluation_statuses_are_stored_by_their_code() {
        use EvaluationStatus as S;
        for s in [S::Draft, S::Submitted, S::Verified] {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("returned"), None);
    }

    #[test]
    fn a_province_verifies_its_regencies_and_central_verifies_all() {
        use crate::region::testing::code;
        assert!(may_verify(Some(&code("33")), &code("33.74")));
        assert!(
            !may_verify(Some(&code("33")), &code("33")),
            "not its own agreements"
        );
        assert!(!may_verify(Some(&code("36")), &code("33.74")));
        assert!(!may_verify(Some(&code("33.74")), &code("33.74")));
        assert!(may_verify(None, &code("33")));
    }

    #[test]
    fn evaluations_find_the_version_they_were_scored_with() {
        assert_eq!(find_instrument("default", 1).map(|i| i.version), Some(1));
        assert_eq!(
            instrument_by_id("default-v1").map(|i| i.id()),
            Some("default-v1".into())
        );
        assert!(instrument_by_id("default-v9").is_none());
        assert!(find_instrument("default", 99).is_none());
        assert_eq!(current_instrument("default").map(|i| i.version), Some(1));
    }

    #[test]
    fn the_weights_sum_to_one() {
        let inst = default_instrument();
        assert_eq!(
            inst.aspects.iter().map(|a| a.weight).sum::<Decimal>(),
            Decimal::ONE
        );
    }
}
