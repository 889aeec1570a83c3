//! Action plans (*rencana aksi*; for technical cooperation a master plan with annual work plans)
//! with success indicators, and the plan against what activities realised (seed 000 §D.5:
//! success is the match between plan and realisation, `jalin_domain::monitoring::realisation`).

use jalin_domain::Date;
use std::collections::BTreeSet;
use std::str::FromStr;

use jalin_domain::access::Visibility;
use jalin_domain::monitoring::{
    keys_in_use, realisation, IndicatorTarget, PlanKind, PlannedItem, Realisation, Realised,
};
use jalin_domain::{AuditAction, RecordKind, Violation};
use jalin_persistence::action_plans::{self, ActionPlan};
use jalin_persistence::activities::{self, Activity};
use jalin_persistence::{registry, DbConnection};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::{changes, Conditional, Ctx};
use crate::concurrency::Etag;
use crate::error::ApiError;
use crate::reply::{OrNotFound, Versioned};

impl Versioned for ActionPlan {
    fn id(&self) -> &str {
        &self.agreement_id
    }

    fn version(&self) -> i64 {
        self.version
    }

    /// Never the agreement's own tag at the same version.
    fn etag(&self) -> Etag {
        Etag::for_version(&format!("plan:{}", self.agreement_id), self.version)
    }
}

/// A planned amount.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[schema(as = PlanBudget)]
pub struct Budget {
    #[schema(pattern = r"^\d{1,15}(\.\d{1,4})?$", example = "150000000")]
    pub amount: String,
    #[schema(pattern = "^[A-Z]{3}$", example = "IDR")]
    pub currency: String,
}

/// One planned item of one year: what, who, when, with which budget.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
#[schema(as = PlannedItem)]
pub struct PlannedItemInput {
    /// Stable within the plan; activities cite it, e.g. `2025-01`.
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$", example = "2025-01")]
    pub key: String,
    #[validate(range(min = 1900, max = 2200))]
    #[schema(minimum = 1900, maximum = 2200, example = 2025)]
    pub year: i32,
    #[validate(length(min = 1, max = 1000))]
    #[schema(
        min_length = 1,
        max_length = 1000,
        example = "Kunjungan balasan delegasi pendidikan ke Queensland"
    )]
    pub what: String,
    /// Who carries it out (agency or unit).
    #[validate(length(min = 1, max = 300))]
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "Dinas Pendidikan dan Kebudayaan"
    )]
    pub who: String,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub budget: Option<Budget>,
}

/// A success indicator with its target.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
pub struct SuccessIndicatorInput {
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$",
        example = "teachers-trained"
    )]
    pub key: String,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500, example = "Guru SMK yang dilatih")]
    pub name: String,
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50, example = "orang")]
    pub unit: String,
    #[schema(pattern = r"^\d{1,15}(\.\d{1,4})?$", example = "0")]
    pub baseline: Option<String>,
    /// Positive.
    #[schema(pattern = r"^\d{1,15}(\.\d{1,4})?$", example = "40")]
    pub target: String,
}

/// The whole plan, replaced at once.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "kind": "action_plan", "title": "Rencana Aksi Kerja Sama Jawa Tengah–Queensland 2025–2026",
    "items": [
        {"key": "2025-01", "year": 2025, "what": "Pelatihan guru SMK bidang pariwisata", "who": "Dinas Pendidikan dan Kebudayaan", "starts_on": "2025-07-01", "budget": {"amount": "150000000", "currency": "IDR"}},
        {"key": "2025-02", "year": 2025, "what": "Kunjungan balasan ke Queensland", "who": "Biro Pemerintahan, Otda dan Kerja Sama"},
        {"key": "2026-01", "year": 2026, "what": "Pertukaran pelajar", "who": "Dinas Pendidikan dan Kebudayaan"}
    ],
    "indicators": [{"key": "teachers-trained", "name": "Guru SMK yang dilatih", "unit": "orang", "target": "40"}]
}))]
pub struct ActionPlanInput {
    pub kind: PlanKind,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub items: Vec<PlannedItemInput>,
    #[serde(default)]
    #[validate(length(max = 100), nested)]
    #[schema(max_items = 100)]
    pub indicators: Vec<SuccessIndicatorInput>,
}

/// An activity's contribution to one indicator, as stored.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct IndicatorContribution {
    #[schema(example = "teachers-trained")]
    pub key: String,
    /// Non-negative decimal, in the indicator's unit.
    #[schema(pattern = r"^\d{1,15}(\.\d{1,4})?$", example = "25")]
    pub value: String,
}

/// A plan as written, and what the agreement's activities realised of it.
pub struct PlanView {
    pub plan: ActionPlan,
    pub items: Vec<PlannedItemInput>,
    pub indicators: Vec<SuccessIndicatorInput>,
    pub realisation: Realisation,
}

fn stored<T: DeserializeOwned>(v: &Value) -> Result<T, ApiError> {
    serde_json::from_value(v.clone()).map_err(|e| ApiError::internal(format!("stored plan: {e}")))
}

/// The keys an activity may cite: planned items and indicators of the agreement's plan.
pub fn plan_keys(
    c: &mut DbConnection,
    agreement_id: &str,
) -> Result<(BTreeSet<String>, BTreeSet<String>), ApiError> {
    let Some(p) = action_plans::find(c, agreement_id)? else {
        return Ok((BTreeSet::new(), BTreeSet::new()));
    };
    let items: Vec<PlannedItemInput> = stored(&p.items)?;
    let indicators: Vec<SuccessIndicatorInput> = stored(&p.indicators)?;
    Ok((
        items.into_iter().map(|i| i.key).collect(),
        indicators.into_iter().map(|i| i.key).collect(),
    ))
}

/// What an activity realised, from its stored links.
pub fn realised_by(a: &Activity) -> Result<Realised, ApiError> {
    let bad = |e: serde_json::Error| ApiError::internal(format!("stored activity links: {e}"));
    let contributions: Vec<IndicatorContribution> =
        serde_json::from_str(&a.indicator_values).map_err(bad)?;
    Ok(Realised {
        activity_id: a.id.clone(),
        plan_items: serde_json::from_str(&a.plan_items).map_err(bad)?,
        indicator_values: contributions
            .into_iter()
            .filter_map(|c| Decimal::from_str(&c.value).ok().map(|v| (c.key, v)))
            .collect(),
    })
}

fn view(plan: ActionPlan, realised: &[Realised]) -> Result<PlanView, ApiError> {
    let items: Vec<PlannedItemInput> = stored(&plan.items)?;
    let indicators: Vec<SuccessIndicatorInput> = stored(&plan.indicators)?;
    let planned: Vec<PlannedItem> = items
        .iter()
        .map(|i| PlannedItem {
            key: i.key.clone(),
            year: i.year,
        })
        .collect();
    let targets: Vec<IndicatorTarget> = indicators
        .iter()
        .map(|i| IndicatorTarget {
            key: i.key.clone(),
            target: Decimal::from_str(&i.target).unwrap_or_default(),
        })
        .collect();
    Ok(PlanView {
        realisation: realisation(&planned, &targets, realised),
        plan,
        items,
        indicators,
    })
}

fn realised(c: &mut DbConnection, agreement_id: &str) -> Result<Vec<Realised>, ApiError> {
    activities::for_agreement(c, agreement_id)?
        .iter()
        .map(realised_by)
        .collect()
}

/// The plan of a visible agreement with its realisation.
pub fn get(
    c: &mut DbConnection,
    vis: &Visibility,
    agreement_id: &str,
) -> Result<PlanView, ApiError> {
    registry::find_agreement(c, agreement_id, vis)?
        .or_not_found(RecordKind::Agreement, agreement_id)?;
    let plan =
        action_plans::find(c, agreement_id)?.or_not_found(RecordKind::ActionPlan, agreement_id)?;
    view(plan, &realised(c, agreement_id)?)
}

/// Creates or replaces the plan of a visible agreement in the caller's write scope, if
/// `expected` (the caller's ETag check of the current plan, if any) holds; `true` when created.
/// A planned item or indicator that an activity cites cannot be removed (409).
pub fn put(
    c: &mut DbConnection,
    ctx: &Ctx,
    (read, write): (&Visibility, &Visibility),
    agreement_id: &str,
    input: ActionPlanInput,
    expected: impl FnOnce(Option<&ActionPlan>) -> Result<(), ApiError>,
) -> Result<(bool, PlanView), ApiError> {
    let a = registry::find_agreement(c, agreement_id, read)?
        .or_not_found(RecordKind::Agreement, agreement_id)?;
    if !write.includes(Some(&a.region)) {
        return Err(ApiError::Forbidden);
    }
    jalin_domain::violation::verdict(check(&input))?;
    let old = action_plans::find(c, &a.id)?;
    expected(old.as_ref())?;
    let done = realised(c, &a.id)?;
    let items = input.items.iter().map(|i| i.key.as_str()).collect();
    let indicators = input.indicators.iter().map(|i| i.key.as_str()).collect();
    keys_in_use(&items, &indicators, &done)?;
    let now = ctx.now();
    let new = ActionPlan {
        agreement_id: a.id.clone(),
        kind: input.kind,
        title: input.title.trim().to_owned(),
        items: json!(input.items),
        indicators: json!(input.indicators),
        updated_by: ctx.actor.name.clone(),
        version: old.as_ref().map_or(1, |o| o.version + 1),
        created_at: old.as_ref().map_or(now, |o| o.created_at),
        updated_at: now,
    };
    let action = match &old {
        Some(o) => {
            action_plans::save(c, &new, o.version).or_precondition_failed()?;
            AuditAction::ActionPlanUpdated
        }
        None => {
            action_plans::insert(c, &new)?;
            AuditAction::ActionPlanCreated
        }
    };
    let fields = |p: &ActionPlan| json!({"kind": p.kind.as_str(), "title": p.title, "items": p.items, "indicators": p.indicators});
    let diff = changes(
        &json!({"action_plan": old.as_ref().map(fields)}),
        &json!({"action_plan": fields(&new)}),
    );
    ctx.audit_change(c, action, &a, diff)?;
    Ok((old.is_none(), view(new, &done)?))
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 40
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && k.starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// A well-formed key not used before in its list.
fn key<'a>(
    k: &'a str,
    seen: &mut BTreeSet<&'a str>,
    pointer: String,
    other: (&str, &str),
) -> Option<Violation> {
    if !valid_key(k) {
        return Some(Violation::invalid(
            "invalid_key",
            pointer,
            "letters, digits, `.`, `_` or `-`, at most 40, starting with a letter or digit",
            "huruf, angka, `.`, `_` atau `-`, paling banyak 40, diawali huruf atau angka",
        ));
    }
    (!seen.insert(k)).then(|| {
        Violation::invalid(
            "duplicate_key",
            pointer,
            format!("another {} has this key", other.0),
            format!("kunci ini sudah dipakai {} lain", other.1),
        )
    })
}

/// A non-negative (or, when `positive`, greater than zero) decimal.
fn decimal(s: &str, pointer: String, positive: bool) -> Option<Violation> {
    // Exactly the contract's pattern (`1e5`, `+5`, `.5` refused), the sign aside.
    match jalin_domain::money::parse_amount(s).ok_or(()) {
        Ok(d) if d.is_sign_negative() => Some(Violation::invalid(
            "negative",
            pointer,
            "cannot be negative",
            "tidak boleh negatif",
        )),
        Ok(d) if positive && d.is_zero() => Some(Violation::invalid(
            "not_positive",
            pointer,
            "must be greater than zero",
            "harus lebih dari nol",
        )),
        Ok(_) => None,
        Err(_) => Some(Violation::invalid(
            "invalid_decimal",
            pointer,
            "a decimal number",
            "angka desimal",
        )),
    }
}

/// What the schema cannot check: unique well-formed keys, decimals, dates in order, currencies.
fn check(input: &ActionPlanInput) -> Vec<Violation> {
    let mut v = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, it) in input.items.iter().enumerate() {
        let at = |f: &str| format!("/items/{i}/{f}");
        v.extend(key(&it.key, &mut seen, at("key"), ("item", "butir")));
        if it.starts_on.zip(it.ends_on).is_some_and(|(s, e)| e < s) {
            v.push(Violation::invalid(
                "before_start",
                at("ends_on"),
                "the end is before the start",
                "tanggal selesai sebelum tanggal mulai",
            ));
        }
        if let Some(b) = &it.budget {
            v.extend(decimal(&b.amount, at("budget/amount"), false));
            if let Err(e) = jalin_domain::money::check_currency(&b.currency) {
                let at = at("budget/currency");
                v.push(Violation::invalid(
                    "invalid_currency",
                    at,
                    e.to_string(),
                    "kode mata uang ISO 4217",
                ));
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (i, ind) in input.indicators.iter().enumerate() {
        let at = |f: &str| format!("/indicators/{i}/{f}");
        v.extend(key(
            &ind.key,
            &mut seen,
            at("key"),
            ("indicator", "indikator"),
        ));
        v.extend(decimal(&ind.target, at("target"), true));
        if let Some(b) = &ind.baseline {
            v.extend(decimal(b, at("baseline"), false));
        }
    }
    v
}
