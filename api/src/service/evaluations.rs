//! Evaluations of agreements: answers with evidence, scored by the domain with the
//! instrument version the evaluation keeps; `draft` → `submitted` → `verified` by the province
//! (for its regencies/cities) or central government, or returned to draft with a note — the
//! domain's state machine (`EvaluationStatus::after`).

use jalin_domain::Date;
use std::collections::BTreeMap;

use jalin_domain::access::Visibility;
use jalin_domain::evaluation::{
    self as ev, check_draft, current_instrument, find_instrument, instrument_by_id, Answers,
    EvaluationEvent, EvaluationInstrument, EvaluationStatus, Evidence, EvidenceKind, ScoreSheet,
};
use jalin_domain::{AuditAction, RecordKind, RegionCode, Violation};
use jalin_persistence::evaluations::{self, Evaluation};
use jalin_persistence::{action_plans, activities, documents, registry, DbConnection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::{changes, Conditional, Ctx};
use crate::error::ApiError;
use crate::reply::OrNotFound;

crate::versioned!(Evaluation);

crate::filed!(Evaluation => Agreement(agreement_id), region_code);

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
pub struct IndicatorAnswer {
    /// On the instrument's scale (DEFAULT 1–4).
    #[schema(minimum = 0, maximum = 100, example = 3)]
    pub value: u8,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub evidence: Vec<Evidence>,
}

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
pub struct CriterionAnswer {
    pub passed: bool,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// An evaluation's content. A draft may be incomplete; submitting needs every answer.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "period_start": "2024-01-01", "period_end": "2024-12-31",
    "indicators": {
        "benefits": {"value": 4, "note": "Donasi AUD 2 juta untuk pemulihan ekonomi", "evidence": [{"kind": "action_plan"}]},
        "benefits_people": {"value": 3}, "programmes": {"value": 3}, "plan_fit": {"value": 2},
        "objectives": {"value": 3}, "obstacles": {"value": 2}, "continue": {"value": 4}, "commitment": {"value": 3}
    },
    "criteria": {
        "equal_standing": {"passed": true}, "mutual_benefit": {"passed": true}, "political_stability": {"passed": true},
        "sovereignty": {"passed": true}, "environment": {"passed": true}, "gender": {"passed": true}, "law": {"passed": true}
    },
    "summary": "Kerja sama bermanfaat; kunjungan balasan perlu dijadwalkan."
}))]
pub struct EvaluationInput {
    /// `{key}-v{version}` of the instrument; default: the newest version of `default`.
    #[schema(example = "default-v1")]
    pub instrument_id: Option<String>,
    pub period_start: Date,
    pub period_end: Date,
    #[serde(default)]
    #[validate(nested)]
    pub indicators: BTreeMap<String, IndicatorAnswer>,
    #[serde(default)]
    #[validate(nested)]
    pub criteria: BTreeMap<String, CriterionAnswer>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub summary: Option<String>,
}

/// A verifier's note; required to return an evaluation.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"note": "Bukti kegiatan 2024 belum dilampirkan."}))]
pub struct ReviewInput {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

/// The answers as stored: values with their notes and evidence.
#[derive(Serialize, Deserialize, Default, Clone)]
pub struct StoredAnswers {
    pub indicators: BTreeMap<String, IndicatorAnswer>,
    pub criteria: BTreeMap<String, CriterionAnswer>,
}

impl StoredAnswers {
    /// What the domain scores: the values and pass/fail.
    fn answers(&self) -> Answers {
        Answers {
            indicators: self
                .indicators
                .iter()
                .map(|(k, a)| (k.clone(), a.value))
                .collect(),
            criteria: self
                .criteria
                .iter()
                .map(|(k, a)| (k.clone(), a.passed))
                .collect(),
        }
    }
}

/// An evaluation with its instrument version, its answers and their arithmetic.
pub struct EvaluationView {
    pub row: Evaluation,
    pub instrument: EvaluationInstrument,
    pub answers: StoredAnswers,
    /// Once every indicator and criterion is answered.
    pub score: Option<ScoreSheet>,
    /// Indicators and criteria still unanswered.
    pub missing: Vec<String>,
}

/// What an evaluator or verifier does to an evaluation. `by` is the verifier's own region,
/// `None` for central government.
pub enum Step {
    Submit,
    Verify {
        by: Option<RegionCode>,
        note: Option<String>,
    },
    Return {
        by: Option<RegionCode>,
        note: Option<String>,
    },
}

fn view(row: Evaluation) -> Result<EvaluationView, ApiError> {
    let version = row.instrument_version as u32;
    let instrument = find_instrument(&row.instrument_key, version).ok_or_else(|| {
        ApiError::internal(format!(
            "instrument {}-v{version} is not published",
            row.instrument_key
        ))
    })?;
    let answers: StoredAnswers = serde_json::from_value(row.answers.clone())
        .map_err(|e| ApiError::internal(format!("stored answers: {e}")))?;
    let values = answers.answers();
    Ok(EvaluationView {
        score: ev::score(&instrument, &values).ok(),
        missing: instrument.unanswered(&values),
        instrument,
        answers,
        row,
    })
}

fn resolve_instrument(id: Option<&str>) -> Result<EvaluationInstrument, ApiError> {
    let found = match id {
        None => current_instrument("default"),
        Some(id) => instrument_by_id(id),
    };
    found.ok_or_else(|| {
        ApiError::invalid(
            "/instrument_id",
            "unknown_instrument",
            "not a published instrument version (GET /v1/evaluation-instruments)",
            "bukan versi instrumen yang diterbitkan",
        )
    })
}

/// Whether `e` is a document or activity of the agreement, or its action plan.
fn evidence_found(
    c: &mut DbConnection,
    agreement_id: &str,
    e: &Evidence,
) -> Result<bool, ApiError> {
    Ok(match (e.kind, &e.id) {
        (EvidenceKind::ActionPlan, _) => action_plans::find(c, agreement_id)?.is_some(),
        (EvidenceKind::Document, Some(id)) => {
            documents::find(c, id)?.is_some_and(|d| d.agreement_id == agreement_id)
        }
        (EvidenceKind::Activity, Some(id)) => {
            activities::find(c, id)?.is_some_and(|a| a.agreement_id == agreement_id)
        }
        (_, None) => false,
    })
}

/// The instrument and answers of `input`, once they hold: the period, known keys, values on the
/// scale (the domain's `check_draft`) and evidence of this agreement. A draft may leave answers
/// out.
fn checked(
    c: &mut DbConnection,
    agreement_id: &str,
    input: &EvaluationInput,
) -> Result<EvaluationInstrument, ApiError> {
    let i = resolve_instrument(input.instrument_id.as_deref())?;
    let answers = StoredAnswers {
        indicators: input.indicators.clone(),
        criteria: input.criteria.clone(),
    };
    let period = (*input.period_start, *input.period_end);
    let mut v = check_draft(&i, period, &answers.answers());
    for (k, a) in &input.indicators {
        for (n, e) in a.evidence.iter().enumerate() {
            if !evidence_found(c, agreement_id, e)? {
                v.push(Violation::invalid(
                    "unknown_evidence",
                    format!("/indicators/{k}/evidence/{n}"),
                    "evidence must be a document or activity of this agreement, or its action plan",
                    "bukti harus dokumen atau kegiatan kerja sama ini, atau rencana aksinya",
                ));
            }
        }
    }
    jalin_domain::violation::verdict(v)?;
    Ok(i)
}

/// Fills `e` with `input` as scored by `i`.
fn apply(e: &mut Evaluation, i: &EvaluationInstrument, input: EvaluationInput) {
    e.instrument_key = i.key.clone();
    e.instrument_version = i.version as i32;
    e.period_start = *input.period_start;
    e.period_end = *input.period_end;
    let answers = StoredAnswers {
        indicators: input.indicators,
        criteria: input.criteria,
    };
    e.answers = serde_json::to_value(answers).unwrap_or(Value::Null);
    e.summary = input.summary;
}

/// The audited fields (on the agreement's history).
fn fields(e: &Evaluation) -> Value {
    json!({"evaluation": {
        "id": e.id, "status": e.status.as_str(),
        "instrument": format!("{}-v{}", e.instrument_key, e.instrument_version),
        "period_start": e.period_start, "period_end": e.period_end, "answers": e.answers,
        "summary": e.summary, "total": e.total, "category": e.category, "review_note": e.review_note,
    }})
}

fn audit(
    c: &mut DbConnection,
    ctx: &Ctx,
    action: AuditAction,
    before: Option<&Evaluation>,
    after: Option<&Evaluation>,
) -> Result<(), ApiError> {
    let e = after
        .or(before)
        .ok_or_else(|| ApiError::internal("no evaluation to audit"))?;
    let diff = changes(
        &before.map_or(json!({}), fields),
        &after.map_or(json!({}), fields),
    );
    ctx.audit_change(c, action, e, diff)
}

/// Starts an evaluation of a visible agreement (a draft), in the caller's write scope.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    (read, write): (&Visibility, &Visibility),
    agreement_id: &str,
    input: EvaluationInput,
) -> Result<EvaluationView, ApiError> {
    let a = registry::find_agreement(c, agreement_id, read)?
        .or_not_found(RecordKind::Agreement, agreement_id)?;
    if !write.includes(Some(&a.region)) {
        return Err(ApiError::Forbidden);
    }
    let i = checked(c, &a.id, &input)?;
    let now = ctx.now();
    let mut e = Evaluation {
        id: uuid::Uuid::now_v7().to_string(),
        agreement_id: a.id.clone(),
        province_code: a.region.province(),
        region_code: a.region,
        instrument_key: String::new(),
        instrument_version: 0,
        period_start: *input.period_start,
        period_end: *input.period_end,
        status: EvaluationStatus::Draft,
        answers: Value::Null,
        summary: None,
        total: None,
        category: None,
        review_note: None,
        created_by: ctx.actor.name.clone(),
        submitted_by: None,
        submitted_at: None,
        verified_by: None,
        verified_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    apply(&mut e, &i, input);
    evaluations::insert(c, &e)?;
    audit(c, ctx, AuditAction::EvaluationCreated, None, Some(&e))?;
    view(e)
}

/// The evaluations of a visible agreement, newest period first.
pub fn list(
    c: &mut DbConnection,
    vis: &Visibility,
    agreement_id: &str,
) -> Result<Vec<EvaluationView>, ApiError> {
    registry::find_agreement(c, agreement_id, vis)?
        .or_not_found(RecordKind::Agreement, agreement_id)?;
    evaluations::for_agreement(c, agreement_id)?
        .into_iter()
        .map(view)
        .collect()
}

pub fn get(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<EvaluationView, ApiError> {
    view(find(c, vis, id)?)
}

fn find(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<Evaluation, ApiError> {
    evaluations::find(c, id, vis)?.or_not_found(RecordKind::Evaluation, id)
}

/// A visible evaluation the caller may write (`allowed`), or why not.
fn writable(
    c: &mut DbConnection,
    (read, allowed): (&Visibility, &Visibility),
    id: &str,
) -> Result<Evaluation, ApiError> {
    let e = find(c, read, id)?;
    if !allowed.includes(Some(&e.region_code)) {
        return Err(ApiError::Forbidden);
    }
    Ok(e)
}

/// Replaces a draft's answers, if `expected` (the caller's ETag check) still holds.
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    scopes: (&Visibility, &Visibility),
    id: &str,
    input: EvaluationInput,
    expected: impl FnOnce(&Evaluation) -> Result<(), ApiError>,
) -> Result<EvaluationView, ApiError> {
    let old = writable(c, scopes, id)?;
    // Invalid answers are a 422 whatever the tag; only a valid change meets If-Match.
    let i = checked(c, &old.agreement_id, &input)?;
    expected(&old)?;
    old.status
        .after(EvaluationEvent::Change, &old.region_code)?;
    let mut new = old.clone();
    apply(&mut new, &i, input);
    ctx.save_revision(c, &mut new, evaluations::save)?;
    audit(
        c,
        ctx,
        AuditAction::EvaluationUpdated,
        Some(&old),
        Some(&new),
    )?;
    view(new)
}

/// Deletes a draft, if `expected` still holds.
pub fn delete(
    c: &mut DbConnection,
    ctx: &Ctx,
    scopes: (&Visibility, &Visibility),
    id: &str,
    expected: impl FnOnce(&Evaluation) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let old = writable(c, scopes, id)?;
    expected(&old)?;
    old.status
        .after(EvaluationEvent::Change, &old.region_code)?;
    evaluations::delete(c, &old.id, old.version).or_precondition_failed()?;
    audit(c, ctx, AuditAction::EvaluationDeleted, Some(&old), None)
}

/// Takes `step` on an evaluation, if `expected` still holds: submit (every answer needed; the
/// score is kept), verify or return (by the province for its regencies/cities, or central
/// government). `allowed` is the caller's scope for the step.
pub fn act(
    c: &mut DbConnection,
    ctx: &Ctx,
    scopes: (&Visibility, &Visibility),
    id: &str,
    step: Step,
    expected: impl FnOnce(&Evaluation) -> Result<(), ApiError>,
) -> Result<EvaluationView, ApiError> {
    let old = writable(c, scopes, id)?;
    expected(&old)?;
    let event = match &step {
        Step::Submit => EvaluationEvent::Submit,
        Step::Verify { by, .. } => EvaluationEvent::Verify { by: by.as_ref() },
        Step::Return { by, note } => EvaluationEvent::Return {
            by: by.as_ref(),
            note: note.as_deref(),
        },
    };
    let now = ctx.now();
    let mut new = Evaluation {
        status: old.status.after(event, &old.region_code)?,
        version: old.version + 1,
        updated_at: now,
        ..old.clone()
    };
    let me = Some(ctx.actor.name.clone());
    let action = match step {
        Step::Submit => {
            let draft = view(old.clone())?;
            let sheet = ev::score(&draft.instrument, &draft.answers.answers())?;
            new.total = Some(sheet.total.normalize().to_string());
            new.category = Some(sheet.category);
            (new.submitted_by, new.submitted_at, new.review_note) = (me, Some(now), None);
            AuditAction::EvaluationSubmitted
        }
        Step::Verify { note, .. } => {
            (new.verified_by, new.verified_at, new.review_note) = (me, Some(now), note);
            AuditAction::EvaluationVerified
        }
        Step::Return { note, .. } => {
            (new.total, new.category) = (None, None);
            (new.submitted_by, new.submitted_at, new.review_note) = (None, None, note);
            AuditAction::EvaluationReturned
        }
    };
    evaluations::save(c, &new, old.version).or_precondition_failed()?;
    audit(c, ctx, action, Some(&old), Some(&new))?;
    view(new)
}
