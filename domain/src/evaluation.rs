//! Evaluation of an agreement with a versioned instrument (DOMAIN.md §6). The content (four
//! aspects from seed 000 §E.2, seven compliance criteria from seed 002 item 5) is from the seeds;
//! the scale, weights, thresholds and recommendation rules are DEFAULT product decisions, kept as
//! data in the instrument so a new version can change them while old evaluations keep theirs.
//! Scoring is exact decimal arithmetic and returns every step.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringError {
    pub key: String,
    pub message: String,
}

/// Scores `answers` with `instrument`; every missing, unknown or out-of-range answer is reported.
pub fn score(
    instrument: &EvaluationInstrument,
    answers: &Answers,
) -> Result<ScoreSheet, Vec<ScoringError>> {
    let mut errors = Vec::new();
    let known: Vec<&str> = instrument
        .aspects
        .iter()
        .flat_map(|a| a.indicators.iter().map(|i| i.key.as_str()))
        .collect();
    for k in answers
        .indicators
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
    {
        errors.push(ScoringError {
            key: k.clone(),
            message: "not an indicator of this instrument".into(),
        });
    }
    for k in answers
        .criteria
        .keys()
        .filter(|k| !instrument.criteria.iter().any(|c| &c.key == *k))
    {
        errors.push(ScoringError {
            key: k.clone(),
            message: "not a criterion of this instrument".into(),
        });
    }
    for c in &instrument.criteria {
        if !answers.criteria.contains_key(&c.key) {
            errors.push(ScoringError {
                key: c.key.clone(),
                message: "pass or fail is required".into(),
            });
        }
    }
    let (min, max) = (instrument.scale_min, instrument.scale_max);
    let span = Decimal::from(max - min);
    let hundred = Decimal::from(100);
    let mut aspects = Vec::new();
    for a in &instrument.aspects {
        let mut values = Vec::new();
        for i in &a.indicators {
            match answers.indicators.get(&i.key) {
                None => errors.push(ScoringError {
                    key: i.key.clone(),
                    message: "a value is required".into(),
                }),
                Some(v) if *v < min || *v > max => errors.push(ScoringError {
                    key: i.key.clone(),
                    message: format!("from {min} to {max}"),
                }),
                Some(v) => values.push((i.key.clone(), *v)),
            }
        }
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
    if !errors.is_empty() {
        return Err(errors);
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
        .or(instrument.thresholds.last())
        .ok_or_else(|| {
            vec![ScoringError {
                key: "thresholds".into(),
                message: "the instrument has none".into(),
            }]
        })?;
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

/// Where an evaluation stands: `draft` → `submitted` → `verified`; a verifier may return a
/// submitted evaluation to draft with a note.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationStatus {
    Draft,
    Submitted,
    Verified,
}

impl EvaluationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Verified => "verified",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Submitted, Self::Verified]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationAction {
    Submit,
    Verify,
    Return,
}

/// The status an action leads to, or why it cannot be taken now.
pub fn transition(
    status: EvaluationStatus,
    action: EvaluationAction,
) -> Result<EvaluationStatus, &'static str> {
    use EvaluationAction as A;
    use EvaluationStatus as S;
    match (status, action) {
        (S::Draft, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::Verify) => Ok(S::Verified),
        (S::Submitted, A::Return) => Ok(S::Draft),
        (S::Draft, _) => Err("a draft can only be submitted"),
        (S::Submitted, A::Submit) => Err("already submitted"),
        (S::Verified, _) => Err("a verified evaluation is final"),
    }
}

/// Who verifies an evaluation (DOMAIN.md §1, R21): central government for every region, a
/// province for its regencies/cities — never the region that evaluated its own agreement.
/// `verifier_region` is `None` for a central verifier.
pub fn may_verify(
    verifier_region: Option<&crate::RegionCode>,
    agreement_region: &crate::RegionCode,
) -> bool {
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
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        for k in ["benefits", "objectives", "vibes", "law"] {
            assert!(keys.contains(&k), "{k} in {keys:?}");
        }
    }

    #[test]
    fn an_evaluation_moves_draft_submitted_verified_and_can_be_returned() {
        use EvaluationAction as A;
        use EvaluationStatus as S;
        assert_eq!(transition(S::Draft, A::Submit), Ok(S::Submitted));
        assert_eq!(transition(S::Submitted, A::Return), Ok(S::Draft));
        assert_eq!(transition(S::Submitted, A::Verify), Ok(S::Verified));
        assert!(transition(S::Draft, A::Verify).is_err());
        assert!(transition(S::Verified, A::Return).is_err());
        assert!(transition(S::Submitted, A::Submit).is_err());
    }

    #[test]
    fn a_province_verifies_its_regencies_and_central_verifies_all() {
        let code = |s: &str| crate::RegionCode::parse(s).unwrap();
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
