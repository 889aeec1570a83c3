//! Implementation activities of an agreement: visits, delegations, meetings, exchanges,
//! trainings, grants, promotions — with money as exact decimals and its IDR equivalent.

use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::Action;
use jalin_persistence::activities::Activity;
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::idempotency::IdempotencyKey;
use crate::pagination::WholePaging;
use crate::reply;
use crate::routes::ids::{ActivityId, AgreementId};
use crate::service::action_plans::IndicatorContribution;
use crate::service::activities::{self, ActivityInput, ActivityMoney, Scopes};

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
        crate::shown!(
            a,
            Self {
                id,
                agreement_id,
                kind,
                title,
                description,
                starts_on,
                ends_on,
                location,
                participants: serde_json::from_str(&a.participants).unwrap_or_default(),
                outputs,
                money: ActivityMoney::of(a),
                idr_equivalent,
                documents: serde_json::from_str(&a.document_ids).unwrap_or_default(),
                plan_items: serde_json::from_str(&a.plan_items).unwrap_or_default(),
                indicators: serde_json::from_str(&a.indicator_values).unwrap_or_default(),
                created_by,
                created_at,
                updated_at
            }
        )
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Log an activity under an agreement.
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/activities",
    operation_id = "createActivity",
    tag = "activities",
    request_body = ActivityInput,
    params(AgreementId, IdempotencyKey),
    responses(
        (status = 201, description = "Logged.", body = ActivityDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["activities:write"]))
)]
pub async fn create(
    caller: Caller,
    key: IdempotencyKey,
    id: AgreementId,
    body: ApiJson<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    let scopes = Scopes::of(&caller.auth)?;
    let policy = caller.state.config.monitoring.clone();
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let a = activities::create(c, ctx, &scopes, &policy, &id, input)?;
            reply::created(
                format!("/v1/activities/{}", a.id),
                &a,
                ActivityDto::from(&a),
            )
        })
        .await
}

/// The activities of an agreement, by start date.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/activities",
    operation_id = "listActivities",
    tag = "activities",
    params(AgreementId, WholePaging),
    responses(
        (status = 200, description = "The activities.", body = ActivityList),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    caller: Caller,
    id: AgreementId,
    paging: WholePaging,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::ReadAgreements)?;
    let items = caller.db(move |c| activities::list(c, &scope, &id)).await?;
    let (items, next_cursor) = paging.slice("activities", items)?;
    Ok(reply::ok(ActivityList {
        items: items.iter().map(ActivityDto::from).collect(),
        next_cursor,
    }))
}

/// An activity.
#[utoipa::path(
    get,
    path = "/v1/activities/{id}",
    operation_id = "getActivity",
    tag = "activities",
    params(ActivityId),
    responses(
        (status = 200, description = "The activity.", body = ActivityDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(caller: Caller, id: ActivityId) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::ReadAgreements)?;
    let a = caller.db(move |c| activities::get(c, &scope, &id)).await?;
    Ok(reply::ok_versioned(&a, ActivityDto::from(&a)))
}

/// Replace an activity; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/activities/{id}",
    operation_id = "updateActivity",
    tag = "activities",
    request_body = ActivityInput,
    params(ActivityId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = ActivityDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["activities:write"]))
)]
pub async fn update(
    caller: Caller,
    if_match: IfMatch,
    id: ActivityId,
    body: ApiJson<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    let scopes = Scopes::of(&caller.auth)?;
    let policy = caller.state.config.monitoring.clone();
    let a = caller
        .write(move |c, ctx| {
            activities::update(
                c,
                ctx,
                &scopes,
                &policy,
                &id,
                body.value,
                if_match.expected(),
            )
        })
        .await?;
    Ok(reply::ok_versioned(&a, ActivityDto::from(&a)))
}

/// Delete an activity; requires `If-Match`.
#[utoipa::path(
    delete,
    path = "/v1/activities/{id}",
    operation_id = "deleteActivity",
    tag = "activities",
    params(ActivityId, IfMatch),
    responses(
        (status = 204, description = "Deleted."),
    ),
    security(("bearer" = []), ("client_credentials" = ["activities:write"]))
)]
pub async fn delete(
    caller: Caller,
    if_match: IfMatch,
    id: ActivityId,
) -> Result<HttpResponse, ApiError> {
    let scopes = Scopes::of(&caller.auth)?;
    caller
        .write(move |c, ctx| activities::delete(c, ctx, &scopes, &id, if_match.expected()))
        .await?;
    Ok(reply::no_content())
}

super::operations! {
    list,
    create,
    get,
    update,
    delete,
}
