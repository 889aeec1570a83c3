//! Domain events for frontends and partners: a cursor feed (`GET /v1/events`) and webhook
//! subscriptions delivered through the outbox with Standard Webhooks signatures, retried,
//! disabled after repeated failure, and replayable.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_persistence::audit::AuditEvent;
use jalin_persistence::webhooks::Endpoint;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::IdempotencyKey;
use crate::pagination::{PageRequest, Paging};
use crate::reply;
use crate::routes::ids::EndpointId;
use crate::service::events::{self, EndpointInput, EndpointPatch, ReplayInput};

/// Something that happened to an agreement, a travel request or an annual report. Thin: read
/// the record through the API for its content.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "seq": 1042, "id": "01938f6a-1111-7000-8000-000000000001", "type": "travel_request.recommended",
    "record_type": "travel_request", "record_id": "01938f6a-0000-7000-8000-000000000001", "region_code": "33",
    "occurred_at": "2027-01-15T03:00:00Z"
}))]
pub struct DomainEvent {
    /// Increases with every event; the feed's order.
    pub seq: i64,
    pub id: String,
    #[serde(rename = "type")]
    #[schema(example = "agreement.updated")]
    pub kind: String,
    pub record_type: String,
    pub record_id: String,
    pub region_code: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

impl From<&AuditEvent> for DomainEvent {
    fn from(e: &AuditEvent) -> Self {
        crate::shown!(
            e,
            Self {
                seq,
                id,
                kind: e.action.clone(),
                record_type,
                record_id,
                region_code,
                occurred_at
            }
        )
    }
}

crate::page_of!(EventPage, DomainEvent);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    #[param(pattern = "^(agreement|travel_request|annual_report)$")]
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// Resume after the last event you processed (its page's `next_cursor`).
    pub cursor: Option<String>,
}

/// The feed of domain events in your scope, oldest first; poll with `cursor` to follow it.
#[utoipa::path(
    get,
    path = "/v1/events",
    operation_id = "listEvents",
    tag = "events",
    params(EventQuery),
    responses(
        (status = 200, description = "A page of events.", body = EventPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(caller: Caller, query: ApiQuery<EventQuery>) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let q = query.0;
    let page = PageRequest::new("events", q.limit, q.cursor.as_deref())?;
    let after = match page.after.as_deref() {
        None => None,
        Some(a) => Some(a.parse::<i64>().map_err(|_| ApiError::InvalidCursor)?),
    };
    let fetch = page.fetch();
    let rows = caller
        .db(move |c| {
            let of = (q.record_type.as_deref(), q.record_id.as_deref());
            events::feed(c, &vis, of, after, fetch)
        })
        .await?;
    let items: Vec<DomainEvent> = rows.iter().map(DomainEvent::from).collect();
    // Unlike other lists, the last page also carries a cursor: the place to poll from next.
    let last = items.last().map(|e| e.seq).or(after);
    let (items, next) = page.page(items, |e| e.seq.to_string());
    let next_cursor =
        next.or_else(|| last.map(|s| PageRequest::cursor_for("events", &s.to_string())));
    Ok(reply::ok(EventPage { items, next_cursor }))
}

/// A webhook subscription.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookEndpoint)]
pub struct EndpointDto {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// Event types: exact (`travel_request.submitted`), by record (`agreement.*`) or `*`.
    pub event_types: Vec<String>,
    /// Only events of this region (a province includes its regencies/cities).
    pub region_code: Option<String>,
    pub active: bool,
    pub consecutive_failures: i32,
    pub disabled_reason: Option<String>,
    /// The signing secret (`whsec_…`): only in the response that created the endpoint.
    pub secret: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Endpoint> for EndpointDto {
    /// The endpoint as shown: without its secret.
    fn from(e: &Endpoint) -> Self {
        crate::shown!(
            e,
            Self {
                id,
                url,
                description,
                event_types: e.event_types.split(',').map(str::to_owned).collect(),
                region_code,
                active,
                consecutive_failures,
                disabled_reason,
                secret: None,
                created_by,
                created_at,
                updated_at
            }
        )
    }
}

crate::page_of!(EndpointPage, EndpointDto);

/// Subscribe a URL to domain events. The response carries the signing secret, once.
#[utoipa::path(
    post,
    path = "/v1/webhook-endpoints",
    operation_id = "createWebhookEndpoint",
    tag = "events",
    request_body = EndpointInput,
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Subscribed.", body = EndpointDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn create(
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<EndpointInput>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageIntegrations)?;
    let input = body.value;
    let allow_private = caller.state.config.integrations.webhook_allow_private;
    crate::webhook_target::check(Some(input.url.clone()), allow_private).await?;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let e = events::create(c, ctx, &vis, input)?;
            let location = format!("/v1/webhook-endpoints/{}", e.id);
            // The secret is shown once: a replay of this response does not carry it.
            Ok(reply::created(
                location,
                &e,
                EndpointDto {
                    secret: Some(e.secret.clone()),
                    ..EndpointDto::from(&e)
                },
            )?
            .secret_field("secret"))
        })
        .await
}

/// Webhook endpoints, by id (secrets are never listed).
#[utoipa::path(
    get,
    path = "/v1/webhook-endpoints",
    operation_id = "listWebhookEndpoints",
    tag = "events",
    params(Paging),
    responses(
        (status = 200, description = "A page of endpoints.", body = EndpointPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn list_endpoints(caller: Caller, paging: Paging) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageIntegrations)?;
    let page = paging.of("webhook-endpoints")?;
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| events::list(c, &vis, after, n),
            |e| e.id.clone(),
        )
        .await?;
    Ok(reply::ok(EndpointPage::of(&rows, next)))
}

/// A webhook endpoint.
#[utoipa::path(
    get,
    path = "/v1/webhook-endpoints/{id}",
    operation_id = "getWebhookEndpoint",
    tag = "events",
    params(EndpointId),
    responses(
        (status = 200, description = "The endpoint.", body = EndpointDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn get(caller: Caller, id: EndpointId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageIntegrations)?;
    let e = caller.db(move |c| events::get(c, &vis, &id)).await?;
    Ok(reply::ok_versioned(&e, EndpointDto::from(&e)))
}

/// Change an endpoint, or re-enable a disabled one (`active: true` resets its failure count).
/// Requires `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/webhook-endpoints/{id}",
    operation_id = "updateWebhookEndpoint",
    tag = "events",
    request_body = EndpointPatch,
    params(EndpointId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = EndpointDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn update(
    caller: Caller,
    if_match: IfMatch,
    id: EndpointId,
    body: ApiJson<EndpointPatch>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageIntegrations)?;
    // Without If-Match there is nothing to check the change against.
    if !if_match.is_present() {
        return Err(ApiError::PreconditionRequired);
    }
    let allow_private = caller.state.config.integrations.webhook_allow_private;
    crate::webhook_target::check(body.value.url.clone(), allow_private).await?;
    let e = caller
        .write(move |c, ctx| events::update(c, ctx, &vis, &id, body.value, if_match.expected()))
        .await?;
    Ok(reply::ok_versioned(&e, EndpointDto::from(&e)))
}

/// Remove a subscription; its undelivered messages are not sent. Requires `If-Match`.
#[utoipa::path(
    delete,
    path = "/v1/webhook-endpoints/{id}",
    operation_id = "deleteWebhookEndpoint",
    tag = "events",
    params(EndpointId, IfMatch),
    responses(
        (status = 204, description = "Removed."),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn delete(
    caller: Caller,
    if_match: IfMatch,
    id: EndpointId,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageIntegrations)?;
    caller
        .write(move |c, ctx| events::delete(c, ctx, &vis, &id, if_match.expected()))
        .await?;
    Ok(reply::no_content())
}

#[derive(Serialize, ToSchema)]
pub struct ReplayResult {
    /// Messages queued.
    pub queued: usize,
}

/// Queue past events matching the endpoint's subscription for delivery again (at most 10,000
/// per call; replay again from the last `seq` for more).
#[utoipa::path(
    post,
    path = "/v1/webhook-endpoints/{id}/replay",
    operation_id = "replayWebhookEndpoint",
    tag = "events",
    request_body = ReplayInput,
    params(EndpointId),
    responses(
        (status = 200, description = "Queued.", body = ReplayResult),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn replay(
    caller: Caller,
    id: EndpointId,
    body: ApiJson<ReplayInput>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageIntegrations)?;
    let queued = caller
        .write(move |c, ctx| events::replay(c, ctx, &vis, &id, body.value))
        .await?;
    Ok(reply::ok(ReplayResult { queued }))
}

super::operations! {
    list,
    list_endpoints,
    create,
    get,
    update,
    delete,
    replay,
}
