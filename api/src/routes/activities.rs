//! Implementation activities of an agreement: visits, delegations, meetings, exchanges,
//! trainings, grants, promotions — with money as exact decimals and its IDR equivalent.

use jalin_domain::{AuditAction};
use jalin_domain::RecordKind;
use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::money::idr_equivalent;
use jalin_persistence::activities::{self, Activity};
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::documents;
use jalin_persistence::registry;
use jalin_persistence::DbConnection;
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
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::problem::{FieldIssue, Text};
use crate::routes::action_plans::{self, IndicatorContribution};
use crate::state::AppState;

pub const KINDS: &[&str] = &[
    "outgoing_visit",
    "incoming_delegation",
    "joint_working_group",
    "exchange_programme",
    "training",
    "grant_received",
    "grant_given",
    "promotion_event",
    "other",
];

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
    pub rate_date: Option<NaiveDate>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub rate_source: Option<String>,
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
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
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

#[derive(Serialize, ToSchema)]
#[schema(as = Activity)]
pub struct ActivityDto {
    pub id: String,
    pub agreement_id: String,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub location: Option<String>,
    pub participants: Vec<String>,
    pub outputs: Option<String>,
    pub money: Option<ActivityMoney>,
    /// The amount in rupiah, exact: amount × exchange_rate.
    #[schema(example = "20800000000")]
    pub idr_equivalent: Option<String>,
    pub documents: Vec<String>,
    pub plan_items: Vec<String>,
    pub indicators: Vec<IndicatorContribution>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Activity> for ActivityDto {
    fn from(a: &Activity) -> Self {
        Self {
            id: a.id.clone(),
            agreement_id: a.agreement_id.clone(),
            kind: a.kind.clone(),
            title: a.title.clone(),
            description: a.description.clone(),
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            location: a.location.clone(),
            participants: serde_json::from_str(&a.participants).unwrap_or_default(),
            outputs: a.outputs.clone(),
            money: match (&a.amount, &a.currency) {
                (Some(amount), Some(currency)) => Some(ActivityMoney {
                    amount: amount.clone(),
                    currency: currency.clone(),
                    exchange_rate: a.exchange_rate.clone(),
                    rate_date: a.rate_date,
                    rate_source: a.rate_source.clone(),
                }),
                _ => None,
            },
            idr_equivalent: a.idr_equivalent.clone(),
            documents: serde_json::from_str(&a.document_ids).unwrap_or_default(),
            plan_items: serde_json::from_str(&a.plan_items).unwrap_or_default(),
            indicators: serde_json::from_str(&a.indicator_values).unwrap_or_default(),
            created_by: a.created_by.clone(),
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityDto>,
}

fn invalid(pointer: &str, code: &str, en: String, id: String) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(pointer, code, Text::new(en, id))])
}

fn etag(a: &Activity) -> String {
    Etag::for_version(&a.id, a.version).as_str().to_owned()
}

fn fields(a: &Activity) -> Value {
    serde_json::to_value(ActivityDto::from(a))
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                for k in ["id", "created_at", "updated_at", "created_by"] {
                    o.remove(k);
                }
            }
            v
        })
        .unwrap_or(Value::Null)
}

/// Builds an activity from input (`existing` for a replacement), computing the IDR equivalent.
fn build(
    input: ActivityInput,
    agreement_id: &str,
    created_by: &str,
    existing: Option<&Activity>,
) -> Result<Activity, ApiError> {
    if !KINDS.contains(&input.kind.as_str()) {
        return Err(invalid(
            "/kind",
            "invalid_value",
            format!("one of {}", KINDS.join(", ")),
            format!("salah satu dari {}", KINDS.join(", ")),
        ));
    }
    if input.ends_on.is_some_and(|e| e < input.starts_on) {
        return Err(invalid(
            "/ends_on",
            "before_start",
            "the end is before the start".into(),
            "tanggal selesai sebelum tanggal mulai".into(),
        ));
    }
    let (mut amount, mut currency, mut rate, mut idr) = (None, None, None, None);
    let (mut rate_date, mut rate_source) = (None, None);
    if let Some(m) = &input.money {
        let a = Decimal::from_str(&m.amount).map_err(|_| {
            invalid(
                "/money/amount",
                "invalid_decimal",
                "a decimal amount".into(),
                "angka desimal".into(),
            )
        })?;
        if a.is_sign_negative() {
            return Err(invalid(
                "/money/amount",
                "negative",
                "the amount cannot be negative".into(),
                "jumlah tidak boleh negatif".into(),
            ));
        }
        let r = match (&m.exchange_rate, m.currency.as_str()) {
            (None, "IDR") => Decimal::ONE,
            (None, _) => {
                return Err(invalid(
                    "/money/exchange_rate",
                    "required",
                    "a foreign amount needs its exchange rate, rate date and source".into(),
                    "jumlah valuta asing memerlukan kurs, tanggal dan sumbernya".into(),
                ))
            }
            (Some(r), _) => Decimal::from_str(r).map_err(|_| {
                invalid(
                    "/money/exchange_rate",
                    "invalid_decimal",
                    "a decimal rate".into(),
                    "kurs desimal".into(),
                )
            })?,
        };
        if m.currency != "IDR"
            && (m.rate_date.is_none()
                || m.rate_source.as_deref().is_none_or(|s| s.trim().is_empty()))
        {
            return Err(invalid(
                "/money/rate_date",
                "required",
                "give the rate's date and source".into(),
                "isi tanggal dan sumber kurs".into(),
            ));
        }
        let converted = idr_equivalent(a, &m.currency, r)
            .map_err(|e| invalid("/money", "invalid_money", e.to_string(), e.to_string()))?;
        amount = Some(a.normalize().to_string());
        currency = Some(m.currency.clone());
        rate = Some(r.normalize().to_string());
        idr = Some(converted.to_string());
        rate_date = m.rate_date;
        rate_source = m.rate_source.clone();
    }
    let now = Utc::now().naive_utc();
    Ok(Activity {
        id: existing
            .map(|e| e.id.clone())
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        agreement_id: agreement_id.to_owned(),
        kind: input.kind,
        title: input.title.trim().to_owned(),
        description: input.description,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        location: input.location,
        participants: serde_json::to_string(&input.participants).unwrap_or_else(|_| "[]".into()),
        outputs: input.outputs,
        amount,
        currency,
        exchange_rate: rate,
        rate_date,
        rate_source,
        idr_equivalent: idr,
        document_ids: serde_json::to_string(&input.documents).unwrap_or_else(|_| "[]".into()),
        plan_items: serde_json::to_string(&input.plan_items).unwrap_or_else(|_| "[]".into()),
        indicator_values: serde_json::to_string(&input.indicators).unwrap_or_else(|_| "[]".into()),
        created_by: existing
            .map(|e| e.created_by.clone())
            .unwrap_or_else(|| created_by.to_owned()),
        version: existing.map(|e| e.version + 1).unwrap_or(1),
        created_at: existing.map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    })
}

/// Checks that the activity cites only its own agreement's documents and action-plan keys,
/// each once, with non-negative contributions.
fn check_links(
    c: &mut DbConnection,
    agreement_id: &str,
    input: &ActivityInput,
) -> Result<(), ApiError> {
    for (i, d) in input.documents.iter().enumerate() {
        let ok = documents::find(c, d)?.is_some_and(|doc| doc.agreement_id == agreement_id);
        if !ok || input.documents[..i].contains(d) {
            return Err(invalid(
                &format!("/documents/{i}"),
                if ok { "duplicate" } else { "unknown_document" },
                "not a document of this agreement, or listed twice".into(),
                "bukan dokumen kerja sama ini, atau tercantum dua kali".into(),
            ));
        }
    }
    let (items, indicators) = action_plans::plan_keys(c, agreement_id)?;
    for (i, k) in input.plan_items.iter().enumerate() {
        if !items.contains(k) || input.plan_items[..i].contains(k) {
            return Err(invalid(
                &format!("/plan_items/{i}"),
                "unknown_plan_item",
                "not a planned item of this agreement's action plan, or listed twice".into(),
                "bukan butir rencana aksi kerja sama ini, atau tercantum dua kali".into(),
            ));
        }
    }
    for (i, ind) in input.indicators.iter().enumerate() {
        if !indicators.contains(&ind.key) || input.indicators[..i].iter().any(|x| x.key == ind.key)
        {
            return Err(invalid(
                &format!("/indicators/{i}/key"),
                "unknown_indicator",
                "not a success indicator of this agreement's action plan, or listed twice".into(),
                "bukan indikator keberhasilan rencana aksi ini, atau tercantum dua kali".into(),
            ));
        }
        match Decimal::from_str(&ind.value) {
            Ok(v) if !v.is_sign_negative() => {}
            _ => {
                return Err(invalid(
                    &format!("/indicators/{i}/value"),
                    "invalid_decimal",
                    "a non-negative decimal".into(),
                    "angka desimal tidak negatif".into(),
                ))
            }
        }
    }
    Ok(())
}

fn visible_agreement(
    c: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<registry::Agreement, ApiError> {
    registry::find_agreement(c, id, vis)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.to_owned()))
}

/// Log an activity under an agreement.
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/activities",
    operation_id = "createActivity",
    tag = "activities",
    request_body = ActivityInput,
    params(
        ("id" = String, Path, description = "Agreement id."),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe."),
    ),
    responses(
        (status = 201, description = "Logged.", body = ActivityDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["activities:write"]))
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    path: web::Path<String>,
    body: ApiJson<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteActivities)?;
    let actor = auth.actor();
    let policy = state.config.monitoring.clone();
    let today = state.clock.today();
    let agreement_id = path.into_inner();
    let input = body.value;
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        let a = visible_agreement(c, &agreement_id, &read)?;
        if !write.includes(Some(&a.region)) {
            return Err(ApiError::Forbidden);
        }
        check_links(c, &a.id, &input)?;
        let act = build(input, &a.id, &actor.name, None)?;
        activities::insert(c, &act)?;
        crate::jobs::revive(c, &a, act.starts_on, &policy, today, &actor, Some(&rid.0))?;
        audit::append(
            c,
            NewEvent {
                actor: &actor,
                action: AuditAction::ActivityCreated,
                record_type: RecordKind::Agreement,
                record_id: &a.id,
                region_code: Some(a.region.as_str()),
                request_id: Some(&rid.0),
                changes: changes(&json!({}), &json!({"activity": fields(&act)})),
            },
        )?;
        let body = serde_json::to_value(ActivityDto::from(&act))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", etag(&act))
            .header("location", format!("/v1/activities/{}", act.id)))
    })
    .await
}

/// The activities of an agreement, by start date.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/activities",
    operation_id = "listActivities",
    tag = "activities",
    params(("id" = String, Path, description = "Agreement id.")),
    responses(
        (status = 200, description = "The activities.", body = ActivityList),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let items = state
        .db(move |c| {
            visible_agreement(c, &id, &vis)?;
            Ok(activities::for_agreement(c, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ActivityList {
        items: items.iter().map(ActivityDto::from).collect(),
    }))
}

fn find_visible(
    c: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<(Activity, registry::Agreement), ApiError> {
    let not_found = || ApiError::not_found(RecordKind::Activity, id.to_owned());
    let act = activities::find(c, id)?.ok_or_else(not_found)?;
    let a = registry::find_agreement(c, &act.agreement_id, vis)?.ok_or_else(not_found)?;
    Ok((act, a))
}

/// An activity.
#[utoipa::path(
    get,
    path = "/v1/activities/{id}",
    operation_id = "getActivity",
    tag = "activities",
    params(("id" = String, Path, description = "Activity id.")),
    responses(
        (status = 200, description = "The activity.", body = ActivityDto, headers(("ETag" = String))),
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
    let (act, _) = state.db(move |c| find_visible(c, &id, &vis)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&act)))
        .json(ActivityDto::from(&act)))
}

/// Replace an activity; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/activities/{id}",
    operation_id = "updateActivity",
    tag = "activities",
    request_body = ActivityInput,
    params(
        ("id" = String, Path, description = "Activity id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Changed.", body = ActivityDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["activities:write"]))
)]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteActivities)?;
    let actor = auth.actor();
    let policy = state.config.monitoring.clone();
    let today = state.clock.today();
    let id = path.into_inner();
    let input = body.value;
    let act = state
        .write(move |c| {
            let (old, a) = find_visible(c, &id, &read)?;
            if !write.includes(Some(&a.region)) {
                return Err(ApiError::Forbidden);
            }
            check_links(c, &a.id, &input)?;
            let new = build(input, &a.id, &actor.name, Some(&old))?;
            if_match.check(&Etag::for_version(&old.id, old.version))?;
            crate::jobs::revive(c, &a, new.starts_on, &policy, today, &actor, Some(&rid.0))?;
            if !activities::save(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::ActivityUpdated,
                    record_type: RecordKind::Agreement,
                    record_id: &a.id,
                    region_code: Some(a.region.as_str()),
                    request_id: Some(&rid.0),
                    changes: changes(
                        &json!({"activity": fields(&old)}),
                        &json!({"activity": fields(&new)}),
                    ),
                },
            )?;
            Ok(new)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&act)))
        .json(ActivityDto::from(&act)))
}

/// Delete an activity; requires `If-Match`.
#[utoipa::path(
    delete,
    path = "/v1/activities/{id}",
    operation_id = "deleteActivity",
    tag = "activities",
    params(
        ("id" = String, Path, description = "Activity id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 204, description = "Deleted."),
    ),
    security(("bearer" = []), ("client_credentials" = ["activities:write"]))
)]
pub async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteActivities)?;
    let actor = auth.actor();
    let id = path.into_inner();
    state
        .write(move |c| {
            let (old, a) = find_visible(c, &id, &read)?;
            if !write.includes(Some(&a.region)) {
                return Err(ApiError::Forbidden);
            }
            if_match.check(&Etag::for_version(&old.id, old.version))?;
            if !activities::delete(c, &old.id, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::ActivityDeleted,
                    record_type: RecordKind::Agreement,
                    record_id: &a.id,
                    region_code: Some(a.region.as_str()),
                    request_id: Some(&rid.0),
                    changes: changes(&json!({"activity": fields(&old)}), &json!({})),
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
