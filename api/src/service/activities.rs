//! Implementation activities of an agreement: log, change and delete them in the agreement's
//! region. An activity moved into the dormancy window revives its agreement.

use jalin_domain::Date;
use std::collections::BTreeSet;

use jalin_domain::access::{Action, Visibility};
use jalin_domain::activity::{check_activity, ActivityDraft, CheckedActivity, Citable, MoneyDraft};
use jalin_domain::monitoring::MonitoringPolicy;
use jalin_domain::{AuditAction, RecordKind};
use jalin_persistence::activities::{self, Activity};
use jalin_persistence::registry::Agreement;
use jalin_persistence::{documents, DbConnection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::agreements::find as agreement;
use super::{changes, Conditional, Ctx};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::reply::OrNotFound;
use crate::service::action_plans::{plan_keys, IndicatorContribution};

crate::versioned!(Activity);

/// Money in an activity: amount and currency, and for a foreign currency the rate used.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone)]
#[schema(example = json!({"amount": "2000000", "currency": "AUD", "exchange_rate": "10400", "rate_date": "2022-03-04", "rate_source": "Bank Indonesia JISDOR"}))]
pub struct ActivityMoney {
    #[schema(pattern = r"^\d{1,15}(\.\d{1,4})?$", example = "2000000")]
    pub amount: String,
    #[schema(pattern = "^[A-Z]{3}$", example = "AUD")]
    pub currency: String,
    /// Rupiah per unit; required unless the currency is IDR.
    #[schema(pattern = r"^\d{1,12}(\.\d{1,6})?$", example = "10400")]
    pub exchange_rate: Option<String>,
    pub rate_date: Option<Date>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub rate_source: Option<String>,
}

impl ActivityMoney {
    /// The money recorded in `a`, if any.
    pub fn of(a: &Activity) -> Option<ActivityMoney> {
        Some(ActivityMoney {
            amount: a.amount.clone()?,
            currency: a.currency.clone()?,
            exchange_rate: a.exchange_rate.clone(),
            rate_date: a.rate_date.map(Date::from_stored),
            rate_source: a.rate_source.clone(),
        })
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "kind": "grant_received", "title": "Donasi pemulihan ekonomi dari Queensland", "starts_on": "2022-03-04",
    "participants": ["Pemerintah Negara Bagian Queensland", "Pemprov Jawa Tengah"],
    "money": {"amount": "2000000", "currency": "AUD", "exchange_rate": "10400", "rate_date": "2022-03-04", "rate_source": "kurs tengah BI"}
}))]
pub struct ActivityInput {
    /// outgoing_visit, incoming_delegation, joint_working_group, exchange_programme, training,
    /// grant_received, grant_given, promotion_event or other.
    #[schema(
        pattern = "^(outgoing_visit|incoming_delegation|joint_working_group|exchange_programme|training|grant_received|grant_given|promotion_event|other)$"
    )]
    pub kind: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub location: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub participants: Vec<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub outputs: Option<String>,
    #[validate(nested)]
    pub money: Option<ActivityMoney>,
    /// Documents of the same agreement that prove this activity (evidence).
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub documents: Vec<String>,
    /// Keys of the action plan's planned items this activity carried out.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50, example = json!(["2025-01"]))]
    pub plan_items: Vec<String>,
    /// Contributions to the action plan's success indicators.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub indicators: Vec<IndicatorContribution>,
}

/// Who may see activities (with their agreements) and who may log and change them.
#[derive(Debug, Clone)]
pub struct Scopes {
    pub read: Visibility,
    pub write: Visibility,
}

impl Scopes {
    /// The caller's: reading needs `agreements:read`, writing `activities:write` (else 403).
    pub fn of(auth: &Authenticated) -> Result<Scopes, ApiError> {
        Ok(Scopes {
            read: auth.may(Action::ReadAgreements)?,
            write: auth.may(Action::WriteActivities)?,
        })
    }

    /// A visible agreement outside the write scope is a 403.
    fn may_write(&self, a: &Agreement) -> Result<(), ApiError> {
        match self.write.includes(Some(&a.region)) {
            true => Ok(()),
            false => Err(ApiError::Forbidden),
        }
    }
}

/// A JSON array stored as text.
fn array(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!([]))
}

/// The audited fields: what the activity says, without its id and authorship.
fn fields(a: &Activity) -> Value {
    json!({
        "agreement_id": a.agreement_id, "kind": a.kind, "title": a.title,
        "description": a.description, "starts_on": a.starts_on, "ends_on": a.ends_on,
        "location": a.location, "participants": array(&a.participants), "outputs": a.outputs,
        "money": ActivityMoney::of(a), "idr_equivalent": a.idr_equivalent,
        "documents": array(&a.document_ids), "plan_items": array(&a.plan_items),
        "indicators": array(&a.indicator_values),
    })
}

fn audit(
    c: &mut DbConnection,
    ctx: &Ctx,
    action: AuditAction,
    a: &Agreement,
    before: Option<&Activity>,
    after: Option<&Activity>,
) -> Result<(), ApiError> {
    let of = |x: Option<&Activity>| x.map_or(json!({}), |x| json!({"activity": fields(x)}));
    ctx.audit_change(c, action, a, changes(&of(before), &of(after)))
}

fn json_text<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// What the domain says of `input` under agreement `a`: it cites only `a`'s documents and
/// action plan, and its money converts to rupiah.
fn check(
    c: &mut DbConnection,
    a: &Agreement,
    input: &ActivityInput,
) -> Result<CheckedActivity, ApiError> {
    let documents: BTreeSet<String> = documents::for_agreement(c, &a.id)?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let (plan_items, indicators) = plan_keys(c, &a.id)?;
    let contributions: Vec<(String, String)> = input
        .indicators
        .iter()
        .map(|i| (i.key.clone(), i.value.clone()))
        .collect();
    let draft = ActivityDraft {
        kind: &input.kind,
        starts_on: *input.starts_on,
        ends_on: input.ends_on.map(Date::naive),
        money: input.money.as_ref().map(|m| MoneyDraft {
            amount: &m.amount,
            currency: &m.currency,
            exchange_rate: m.exchange_rate.as_deref(),
            rate_date: m.rate_date.map(Date::naive),
            rate_source: m.rate_source.as_deref(),
        }),
        documents: &input.documents,
        plan_items: &input.plan_items,
        indicators: &contributions,
    };
    let citable = Citable {
        documents: &documents,
        plan_items: &plan_items,
        indicators: &indicators,
    };
    Ok(check_activity(&draft, citable)?)
}

/// The activity `input` describes under agreement `a` (replacing `existing`), if it holds.
fn build(
    c: &mut DbConnection,
    ctx: &Ctx,
    a: &Agreement,
    input: ActivityInput,
    existing: Option<&Activity>,
) -> Result<Activity, ApiError> {
    let checked = check(c, a, &input)?;
    let converted = checked.money.as_ref();
    let now = ctx.now();
    Ok(Activity {
        id: existing.map_or_else(|| uuid::Uuid::now_v7().to_string(), |e| e.id.clone()),
        agreement_id: a.id.clone(),
        kind: checked.kind.as_str().into(),
        title: input.title.trim().to_owned(),
        description: input.description,
        starts_on: *input.starts_on,
        ends_on: input.ends_on.map(Date::naive),
        location: input.location,
        participants: json_text(&input.participants),
        outputs: input.outputs,
        amount: converted.map(|m| m.amount.to_string()),
        currency: input.money.as_ref().map(|m| m.currency.clone()),
        exchange_rate: converted.map(|m| m.exchange_rate.to_string()),
        rate_date: input
            .money
            .as_ref()
            .and_then(|m| m.rate_date)
            .map(Date::naive),
        rate_source: input.money.as_ref().and_then(|m| m.rate_source.clone()),
        idr_equivalent: converted.map(|m| m.idr_equivalent.to_string()),
        document_ids: json_text(&input.documents),
        plan_items: json_text(&input.plan_items),
        indicator_values: json_text(&input.indicators),
        created_by: existing.map_or_else(|| ctx.actor.name.clone(), |e| e.created_by.clone()),
        version: existing.map_or(1, |e| e.version + 1),
        created_at: existing.map_or(now, |e| e.created_at),
        updated_at: now,
    })
}

/// Logs an activity under an agreement the caller sees and may write in; revives the agreement
/// if it was dormant.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    scopes: &Scopes,
    policy: &MonitoringPolicy,
    agreement_id: &str,
    input: ActivityInput,
) -> Result<Activity, ApiError> {
    let a = agreement(c, &scopes.read, agreement_id)?;
    scopes.may_write(&a)?;
    let act = build(c, ctx, &a, input, None)?;
    activities::insert(c, &act)?;
    revive(c, ctx, policy, &a, &act)?;
    audit(c, ctx, AuditAction::ActivityCreated, &a, None, Some(&act))?;
    Ok(act)
}

fn revive(
    c: &mut DbConnection,
    ctx: &Ctx,
    policy: &MonitoringPolicy,
    a: &Agreement,
    act: &Activity,
) -> Result<(), ApiError> {
    let rid = ctx.request_id.as_deref();
    crate::jobs::revive(c, a, act.starts_on, policy, ctx.today(), &ctx.actor, rid)
}

/// Replaces an activity, if `expected` (the caller's ETag check) still holds.
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    scopes: &Scopes,
    policy: &MonitoringPolicy,
    id: &str,
    input: ActivityInput,
    expected: impl FnOnce(&Activity) -> Result<(), ApiError>,
) -> Result<Activity, ApiError> {
    let (old, a) = find(c, &scopes.read, id)?;
    scopes.may_write(&a)?;
    // Invalid input is a 422 whatever the tag; only a valid change meets If-Match.
    let new = build(c, ctx, &a, input, Some(&old))?;
    expected(&old)?;
    revive(c, ctx, policy, &a, &new)?;
    activities::save(c, &new, old.version).or_precondition_failed()?;
    audit(
        c,
        ctx,
        AuditAction::ActivityUpdated,
        &a,
        Some(&old),
        Some(&new),
    )?;
    Ok(new)
}

/// Deletes an activity, if `expected` (the caller's ETag check) still holds.
pub fn delete(
    c: &mut DbConnection,
    ctx: &Ctx,
    scopes: &Scopes,
    id: &str,
    expected: impl FnOnce(&Activity) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let (old, a) = find(c, &scopes.read, id)?;
    scopes.may_write(&a)?;
    expected(&old)?;
    activities::delete(c, &old.id, old.version).or_precondition_failed()?;
    audit(c, ctx, AuditAction::ActivityDeleted, &a, Some(&old), None)
}

/// An activity whose agreement the caller sees, with that agreement; else 404.
fn find(
    c: &mut DbConnection,
    scope: &Visibility,
    id: &str,
) -> Result<(Activity, Agreement), ApiError> {
    let act = activities::find(c, id)?.or_not_found(RecordKind::Activity, id)?;
    let a = jalin_persistence::registry::find_agreement(c, &act.agreement_id, scope)?
        .or_not_found(RecordKind::Activity, id)?;
    Ok((act, a))
}

pub fn get(c: &mut DbConnection, scope: &Visibility, id: &str) -> Result<Activity, ApiError> {
    Ok(find(c, scope, id)?.0)
}

/// The activities of an agreement the caller sees, by start date.
pub fn list(
    c: &mut DbConnection,
    scope: &Visibility,
    agreement_id: &str,
) -> Result<Vec<Activity>, ApiError> {
    agreement(c, scope, agreement_id)?;
    Ok(activities::for_agreement(c, agreement_id)?)
}
