//! Action plans (*rencana aksi*; for technical cooperation a master plan with annual work
//! plans) with success indicators, and the plan against what activities realised (seed 000
//! §D.5: success is the match between plan and realisation).

use jalin_domain::AuditAction;
use jalin_domain::RecordKind;
use std::collections::BTreeSet;
use std::str::FromStr;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::monitoring::{
    realisation, IndicatorTarget, PlanKind, PlannedItem, Realised, YearRealisation,
};
use jalin_persistence::action_plans::{self, ActionPlan};
use jalin_persistence::activities::{self, Activity};
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::{registry, DbConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use crate::accounts::changes;
use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::responses::Conflict;
use crate::problem::{FieldIssue, Text};
use crate::state::AppState;

const KEY_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$";

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 40
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && k.starts_with(|c: char| c.is_ascii_alphanumeric())
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
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
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

/// A planned item and the activities that carried it out.
#[derive(Serialize, ToSchema)]
pub struct PlannedItemStatus {
    #[serde(flatten)]
    pub item: PlannedItemInput,
    /// At least one activity carried it out.
    pub done: bool,
    pub activity_ids: Vec<String>,
}

/// A success indicator: target against achievement (the sum of the activities' contributions).
#[derive(Serialize, ToSchema)]
pub struct IndicatorStatus {
    #[serde(flatten)]
    pub indicator: SuccessIndicatorInput,
    #[schema(example = "25")]
    pub achieved: String,
    /// achieved ÷ target × 100, two decimals; over 100 when the target was exceeded.
    #[schema(example = "62.5")]
    pub percent_achieved: String,
    pub activity_ids: Vec<String>,
}

/// Realisation against plan.
#[derive(Serialize, ToSchema)]
pub struct PlanRealisation {
    pub planned: u32,
    pub done: u32,
    #[schema(example = "66.67")]
    pub percent_done: String,
    /// Per year of the plan: planned items, those done, and the share.
    pub years: Vec<YearRealisation>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ActionPlan)]
pub struct ActionPlanDto {
    pub agreement_id: String,
    pub kind: PlanKind,
    pub title: String,
    pub items: Vec<PlannedItemStatus>,
    pub indicators: Vec<IndicatorStatus>,
    pub realisation: PlanRealisation,
    pub updated_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn invalid(pointer: String, code: &str, en: &str, id: &str) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(&pointer, code, Text::new(en, id))])
}

fn decimal(s: &str, pointer: String, positive: bool) -> Result<Decimal, ApiError> {
    match Decimal::from_str(s) {
        Ok(d) if d.is_sign_negative() => Err(invalid(
            pointer,
            "negative",
            "cannot be negative",
            "tidak boleh negatif",
        )),
        Ok(d) if positive && d.is_zero() => Err(invalid(
            pointer,
            "not_positive",
            "must be greater than zero",
            "harus lebih dari nol",
        )),
        Ok(d) => Ok(d),
        Err(_) => Err(invalid(
            pointer,
            "invalid_decimal",
            "a decimal number",
            "angka desimal",
        )),
    }
}

/// Checks what the schema cannot: unique keys, decimals, dates in order, currencies.
fn check(input: &ActionPlanInput) -> Result<(), ApiError> {
    let mut seen = BTreeSet::new();
    for (i, it) in input.items.iter().enumerate() {
        if !valid_key(&it.key) {
            return Err(invalid(
                format!("/items/{i}/key"),
                "invalid_key",
                KEY_PATTERN,
                KEY_PATTERN,
            ));
        }
        if !seen.insert(it.key.as_str()) {
            return Err(invalid(
                format!("/items/{i}/key"),
                "duplicate_key",
                "another item has this key",
                "kunci ini sudah dipakai butir lain",
            ));
        }
        if let (Some(s), Some(e)) = (it.starts_on, it.ends_on) {
            if e < s {
                return Err(invalid(
                    format!("/items/{i}/ends_on"),
                    "before_start",
                    "the end is before the start",
                    "tanggal selesai sebelum tanggal mulai",
                ));
            }
        }
        if let Some(b) = &it.budget {
            decimal(&b.amount, format!("/items/{i}/budget/amount"), false)?;
            jalin_domain::money::check_currency(&b.currency).map_err(|e| {
                invalid(
                    format!("/items/{i}/budget/currency"),
                    "invalid_currency",
                    &e.to_string(),
                    "kode mata uang ISO 4217",
                )
            })?;
        }
    }
    let mut seen = BTreeSet::new();
    for (i, ind) in input.indicators.iter().enumerate() {
        if !valid_key(&ind.key) {
            return Err(invalid(
                format!("/indicators/{i}/key"),
                "invalid_key",
                KEY_PATTERN,
                KEY_PATTERN,
            ));
        }
        if !seen.insert(ind.key.as_str()) {
            return Err(invalid(
                format!("/indicators/{i}/key"),
                "duplicate_key",
                "another indicator has this key",
                "kunci ini sudah dipakai indikator lain",
            ));
        }
        decimal(&ind.target, format!("/indicators/{i}/target"), true)?;
        if let Some(b) = &ind.baseline {
            decimal(b, format!("/indicators/{i}/baseline"), false)?;
        }
    }
    Ok(())
}

/// The keys an activity may cite: planned items and indicators of the agreement's plan.
pub fn plan_keys(
    c: &mut DbConnection,
    agreement_id: &str,
) -> Result<(BTreeSet<String>, BTreeSet<String>), ApiError> {
    let Some(p) = action_plans::find(c, agreement_id)? else {
        return Ok((BTreeSet::new(), BTreeSet::new()));
    };
    let items: Vec<PlannedItemInput> = parse(&p.items)?;
    let indicators: Vec<SuccessIndicatorInput> = parse(&p.indicators)?;
    Ok((
        items.into_iter().map(|i| i.key).collect(),
        indicators.into_iter().map(|i| i.key).collect(),
    ))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    serde_json::from_str(s).map_err(|e| ApiError::internal(format!("stored plan: {e}")))
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

/// What an activity realised, from its stored links.
pub fn realised_by(a: &Activity) -> Realised {
    let contributions: Vec<IndicatorContribution> =
        serde_json::from_str(&a.indicator_values).unwrap_or_default();
    Realised {
        activity_id: a.id.clone(),
        plan_items: serde_json::from_str(&a.plan_items).unwrap_or_default(),
        indicator_values: contributions
            .into_iter()
            .filter_map(|c| Decimal::from_str(&c.value).ok().map(|v| (c.key, v)))
            .collect(),
    }
}

fn dto(p: &ActionPlan, acts: &[Activity]) -> Result<ActionPlanDto, ApiError> {
    let items: Vec<PlannedItemInput> = parse(&p.items)?;
    let indicators: Vec<SuccessIndicatorInput> = parse(&p.indicators)?;
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
    let realised: Vec<Realised> = acts.iter().map(realised_by).collect();
    let r = realisation(&planned, &targets, &realised);
    let kind = match p.kind.as_str() {
        "master_plan" => PlanKind::MasterPlan,
        _ => PlanKind::ActionPlan,
    };
    Ok(ActionPlanDto {
        agreement_id: p.agreement_id.clone(),
        kind,
        title: p.title.clone(),
        items: items
            .into_iter()
            .zip(r.items)
            .map(|(item, st)| PlannedItemStatus {
                item,
                done: !st.activity_ids.is_empty(),
                activity_ids: st.activity_ids,
            })
            .collect(),
        indicators: indicators
            .into_iter()
            .zip(r.indicators)
            .map(|(indicator, st)| IndicatorStatus {
                indicator,
                achieved: st.achieved.to_string(),
                percent_achieved: st.percent_achieved.to_string(),
                activity_ids: st.activity_ids,
            })
            .collect(),
        realisation: PlanRealisation {
            planned: r.planned,
            done: r.done,
            percent_done: r.percent_done.to_string(),
            years: r.years,
        },
        updated_by: p.updated_by.clone(),
        created_at: p.created_at.and_utc(),
        updated_at: p.updated_at.and_utc(),
    })
}

fn etag(p: &ActionPlan) -> Etag {
    Etag::for_version(&format!("plan:{}", p.agreement_id), p.version)
}

fn visible_agreement(
    c: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<registry::Agreement, ApiError> {
    registry::find_agreement(c, id, vis)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.to_owned()))
}

/// The plan of a visible agreement with its realisation, if it has one.
pub fn load(
    c: &mut DbConnection,
    agreement_id: &str,
) -> Result<Option<(ActionPlanDto, Etag)>, ApiError> {
    match action_plans::find(c, agreement_id)? {
        None => Ok(None),
        Some(p) => {
            let acts = activities::for_agreement(c, agreement_id)?;
            Ok(Some((dto(&p, &acts)?, etag(&p))))
        }
    }
}

/// The action plan with its realisation: planned items done per year, indicators' targets
/// against achievement.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/action-plan",
    operation_id = "getActionPlan",
    tag = "activities",
    params(("id" = String, Path, description = "Agreement id.")),
    responses(
        (status = 200, description = "The plan and its realisation.", body = ActionPlanDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let (plan, tag) = state
        .db(move |c| {
            visible_agreement(c, &id, &vis)?;
            load(c, &id)?.ok_or(ApiError::not_found(RecordKind::ActionPlan, id))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", tag.as_str()))
        .json(plan))
}

/// Create or replace the action plan. Replacing requires `If-Match`; a planned item or
/// indicator that an activity cites cannot be removed (409 `plan_key_in_use`).
#[utoipa::path(
    put,
    path = "/v1/agreements/{id}/action-plan",
    operation_id = "putActionPlan",
    tag = "activities",
    request_body = ActionPlanInput,
    params(
        ("id" = String, Path, description = "Agreement id."),
        ("If-Match" = Option<String>, Header, description = "The ETag you read; required to replace an existing plan."),
    ),
    responses(
        (status = 200, description = "Replaced.", body = ActionPlanDto, headers(("ETag" = String))),
        (status = 201, description = "Created.", body = ActionPlanDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn put(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<ActionPlanInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let input = body.value;
    let (created, plan, tag) = state
        .write(move |c| {
            let a = visible_agreement(c, &id, &read)?;
            if !write.includes(Some(&a.region)) {
                return Err(ApiError::Forbidden);
            }
            check(&input)?;
            let old = action_plans::find(c, &a.id)?;
            match &old {
                Some(o) => if_match.check(&etag(o))?,
                // Nothing to match: a stale tag is a client error all the same.
                None if if_match.is_present() => return Err(ApiError::PreconditionFailed),
                None => {}
            }
            let acts = activities::for_agreement(c, &a.id)?;
            let item_keys: BTreeSet<&str> = input.items.iter().map(|i| i.key.as_str()).collect();
            let ind_keys: BTreeSet<&str> =
                input.indicators.iter().map(|i| i.key.as_str()).collect();
            let mut in_use = BTreeSet::new();
            for r in acts.iter().map(realised_by) {
                in_use.extend(r.plan_items.into_iter().filter(|k| !item_keys.contains(k.as_str())));
                in_use.extend(
                    r.indicator_values
                        .into_iter()
                        .map(|(k, _)| k)
                        .filter(|k| !ind_keys.contains(k.as_str())),
                );
            }
            if !in_use.is_empty() {
                let keys = in_use.into_iter().collect::<Vec<_>>().join(", ");
                return Err(ApiError::Conflict {
                    code: "plan_key_in_use",
                    detail: Text::new(
                        format!("activities cite {keys}; unlink them before removing these keys"),
                        format!("kegiatan merujuk {keys}; lepaskan rujukannya sebelum menghapus"),
                    ),
                });
            }
            let now = Utc::now().naive_utc();
            let kind = match input.kind {
                PlanKind::ActionPlan => "action_plan",
                PlanKind::MasterPlan => "master_plan",
            };
            let new = ActionPlan {
                agreement_id: a.id.clone(),
                kind: kind.into(),
                title: input.title.trim().to_owned(),
                items: serde_json::to_string(&input.items)
                    .map_err(|e| ApiError::internal(e.to_string()))?,
                indicators: serde_json::to_string(&input.indicators)
                    .map_err(|e| ApiError::internal(e.to_string()))?,
                updated_by: actor.name.clone(),
                version: old.as_ref().map(|o| o.version + 1).unwrap_or(1),
                created_at: old.as_ref().map(|o| o.created_at).unwrap_or(now),
                updated_at: now,
            };
            let fields = |p: &ActionPlan| -> Value {
                json!({"kind": p.kind, "title": p.title,
                       "items": serde_json::from_str::<Value>(&p.items).unwrap_or(Value::Null),
                       "indicators": serde_json::from_str::<Value>(&p.indicators).unwrap_or(Value::Null)})
            };
            match &old {
                Some(o) => {
                    if !action_plans::save(c, &new, o.version)? {
                        return Err(ApiError::PreconditionFailed);
                    }
                }
                None => action_plans::insert(c, &new)?,
            }
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: if old.is_some() {
                        AuditAction::ActionPlanUpdated
                    } else {
                        AuditAction::ActionPlanCreated
                    },
                    record_type: RecordKind::Agreement,
                    record_id: &a.id,
                    region_code: Some(a.region.as_str()),
                    request_id: Some(&rid.0),
                    changes: changes(
                        &json!({"action_plan": old.as_ref().map(fields)}),
                        &json!({"action_plan": fields(&new)}),
                    ),
                },
            )?;
            Ok((old.is_none(), dto(&new, &acts)?, etag(&new)))
        })
        .await?;
    let mut res = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.insert_header(("etag", tag.as_str())).json(plan))
}
