//! Domain events for frontends and partners: a cursor feed (`GET /v1/events`) and webhook
//! subscriptions delivered through the outbox with Standard Webhooks signatures, retried,
//! disabled after repeated failure, and replayable.

use jalin_domain::AuditAction;
use jalin_domain::RecordKind;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_persistence::audit::{self, AuditEvent, NewEvent};
use jalin_persistence::webhooks::{self, Endpoint};
use jalin_persistence::DbConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::pagination::PageRequest;
use crate::problem::{FieldIssue, Text};
use crate::signature::Secret;
use crate::state::AppState;

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
        Self {
            seq: e.seq,
            id: e.id.clone(),
            kind: e.action.clone(),
            record_type: e.record_type.clone(),
            record_id: e.record_id.clone(),
            region_code: e.region_code.clone(),
            occurred_at: e.occurred_at.and_utc(),
        }
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
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let q = query.0;
    if q.record_type
        .as_deref()
        .is_some_and(|t| !webhooks::PUBLISHED_RECORDS.contains(&t))
    {
        return Err(ApiError::invalid_parameter(
            "record_type",
            "invalid_value",
            "agreement, travel_request or annual_report",
            "agreement, travel_request atau annual_report",
        ));
    }
    let page = PageRequest::new("events", q.limit, q.cursor.as_deref())?;
    let after = match page.after.as_deref() {
        None => None,
        Some(a) => Some(a.parse::<i64>().map_err(|_| ApiError::InvalidCursor)?),
    };
    let p = page.clone();
    let rows = state
        .db(move |c| {
            Ok(audit::domain_events(
                c,
                &vis,
                after,
                q.record_type.as_deref(),
                q.record_id.as_deref(),
                None,
                p.fetch(),
            )?)
        })
        .await?;
    let items: Vec<DomainEvent> = rows.iter().map(DomainEvent::from).collect();
    // Unlike other lists, the last page also carries a cursor: the place to poll from next.
    let last = items.last().map(|e| e.seq).or(after);
    let (items, next) = page.page(items, |e| e.seq.to_string());
    let next_cursor =
        next.or_else(|| last.map(|s| PageRequest::cursor_for("events", &s.to_string())));
    Ok(HttpResponse::Ok().json(EventPage { items, next_cursor }))
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

fn dto(e: &Endpoint, with_secret: bool) -> EndpointDto {
    EndpointDto {
        id: e.id.clone(),
        url: e.url.clone(),
        description: e.description.clone(),
        event_types: e.event_types.split(',').map(str::to_owned).collect(),
        region_code: e.region_code.clone(),
        active: e.active,
        consecutive_failures: e.consecutive_failures,
        disabled_reason: e.disabled_reason.clone(),
        secret: with_secret.then(|| e.secret.clone()),
        created_by: e.created_by.clone(),
        created_at: e.created_at.and_utc(),
        updated_at: e.updated_at.and_utc(),
    }
}

crate::page_of!(EndpointPage, EndpointDto);

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"url": "https://portal.jatengprov.go.id/hooks/jalin", "description": "Portal kerja sama Jawa Tengah",
    "event_types": ["agreement.*", "travel_request.*"], "region_code": "33"}))]
pub struct EndpointInput {
    #[validate(length(min = 8, max = 500))]
    #[schema(min_length = 8, max_length = 500, pattern = "^https?://")]
    pub url: String,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub event_types: Vec<String>,
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
}

/// A change to an endpoint; `active: true` re-enables a disabled one.
#[derive(Deserialize, ToSchema, Validate)]
pub struct EndpointPatch {
    #[validate(length(min = 8, max = 500))]
    #[schema(min_length = 8, max_length = 500, pattern = "^https?://")]
    pub url: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub event_types: Option<Vec<String>>,
    pub active: Option<bool>,
}

fn invalid(pointer: &str, code: &str, en: &str, id: &str) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(pointer, code, Text::new(en, id))])
}

fn check_url(raw: &str) -> Result<(), ApiError> {
    match url::Url::parse(raw) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(())
        }
        _ => Err(invalid(
            "/url",
            "invalid_url",
            "an http(s) URL with a host",
            "URL http(s) dengan host",
        )),
    }
}

fn check_types(types: &[String]) -> Result<String, ApiError> {
    for (i, t) in types.iter().enumerate() {
        let ok = t == "*"
            || webhooks::PUBLISHED_RECORDS.iter().any(|r| {
                t.strip_prefix(r).is_some_and(|rest| {
                    rest == ".*"
                        || rest.strip_prefix('.').is_some_and(|a| {
                            !a.is_empty() && a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                        })
                })
            });
        if !ok {
            return Err(invalid(
                &format!("/event_types/{i}"),
                "invalid_event_type",
                "`*`, `{record}.*` or `{record}.{action}` for agreement, travel_request or annual_report",
                "`*`, `{record}.*` atau `{record}.{action}`",
            ));
        }
    }
    Ok(types.join(","))
}

fn find(c: &mut DbConnection, id: &str) -> Result<Endpoint, ApiError> {
    webhooks::find(c, id)?.ok_or(ApiError::not_found(RecordKind::WebhookEndpoint, id.to_owned()))
}

fn etag(e: &Endpoint) -> Etag {
    Etag::for_version(&e.id, e.version)
}

fn audit_endpoint(
    c: &mut DbConnection,
    actor: &audit::Actor,
    action: AuditAction,
    e: &Endpoint,
    rid: &str,
    changes: serde_json::Value,
) -> Result<(), ApiError> {
    audit::append(
        c,
        NewEvent {
            actor,
            action,
            record_type: RecordKind::WebhookEndpoint,
            record_id: &e.id,
            region_code: e.region_code.as_deref(),
            request_id: Some(rid),
            changes,
        },
    )?;
    Ok(())
}

/// Subscribe a URL to domain events. The response carries the signing secret, once.
#[utoipa::path(
    post,
    path = "/v1/webhook-endpoints",
    operation_id = "createWebhookEndpoint",
    tag = "events",
    request_body = EndpointInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe.")),
    responses(
        (status = 201, description = "Subscribed.", body = EndpointDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    body: ApiJson<EndpointInput>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ManageIntegrations)?;
    let actor = auth.actor();
    let input = body.value;
    check_url(&input.url)?;
    let types = check_types(&input.event_types)?;
    if let Some(r) = &input.region_code {
        jalin_domain::RegionCode::parse(r).map_err(|_| {
            invalid(
                "/region_code",
                "invalid_format",
                "a region code",
                "kode daerah",
            )
        })?;
    }
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        let now = Utc::now().naive_utc();
        let e = Endpoint {
            id: uuid::Uuid::now_v7().to_string(),
            url: input.url,
            description: input.description,
            event_types: types,
            region_code: input.region_code,
            secret: Secret::generate(),
            active: true,
            consecutive_failures: 0,
            disabled_reason: None,
            created_by: actor.name.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        webhooks::insert(c, &e)?;
        audit_endpoint(c, &actor, AuditAction::WebhookEndpointCreated, &e, &rid.0,
            json!({"url": {"before": null, "after": e.url}, "event_types": {"before": null, "after": e.event_types}}))?;
        let body = serde_json::to_value(dto(&e, true)).map_err(|x| ApiError::internal(x.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", etag(&e).as_str())
            .header("location", format!("/v1/webhook-endpoints/{}", e.id))
            .secret_field("secret"))
    })
    .await
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct EndpointQuery {
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Webhook endpoints, by id (secrets are never listed).
#[utoipa::path(
    get,
    path = "/v1/webhook-endpoints",
    operation_id = "listWebhookEndpoints",
    tag = "events",
    params(EndpointQuery),
    responses(
        (status = 200, description = "A page of endpoints.", body = EndpointPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn list_endpoints(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<EndpointQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ManageIntegrations)?;
    let page = PageRequest::new(
        "webhook-endpoints",
        query.0.limit,
        query.0.cursor.as_deref(),
    )?;
    let p = page.clone();
    let rows = state
        .db(move |c| Ok(webhooks::list(c, p.after.as_deref(), p.fetch())?))
        .await?;
    let (rows, next_cursor) = page.page(rows, |e| e.id.clone());
    Ok(HttpResponse::Ok().json(EndpointPage {
        items: rows.iter().map(|e| dto(e, false)).collect(),
        next_cursor,
    }))
}

/// A webhook endpoint.
#[utoipa::path(
    get,
    path = "/v1/webhook-endpoints/{id}",
    operation_id = "getWebhookEndpoint",
    tag = "events",
    params(("id" = String, Path, description = "Endpoint id.")),
    responses(
        (status = 200, description = "The endpoint.", body = EndpointDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ManageIntegrations)?;
    let id = path.into_inner();
    let e = state.db(move |c| find(c, &id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&e).as_str()))
        .json(dto(&e, false)))
}

/// Change an endpoint, or re-enable a disabled one (`active: true` resets its failure count).
/// Requires `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/webhook-endpoints/{id}",
    operation_id = "updateWebhookEndpoint",
    tag = "events",
    request_body = EndpointPatch,
    params(
        ("id" = String, Path, description = "Endpoint id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Changed.", body = EndpointDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<EndpointPatch>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ManageIntegrations)?;
    // Without If-Match there is nothing to check the change against.
    if !if_match.is_present() {
        return Err(ApiError::PreconditionRequired);
    }
    let actor = auth.actor();
    let id = path.into_inner();
    let patch = body.value;
    if let Some(u) = &patch.url {
        check_url(u)?;
    }
    let types = patch.event_types.as_deref().map(check_types).transpose()?;
    let e = state
        .write(move |c| {
            let old = find(c, &id)?;
            if_match.check(&etag(&old))?;
            let mut new = old.clone();
            if let Some(u) = patch.url {
                new.url = u;
            }
            if patch.description.is_some() {
                new.description = patch.description;
            }
            if let Some(t) = types {
                new.event_types = t;
            }
            if let Some(a) = patch.active {
                new.active = a;
                if a {
                    new.consecutive_failures = 0;
                    new.disabled_reason = None;
                }
            }
            new.version += 1;
            new.updated_at = Utc::now().naive_utc();
            if !webhooks::save(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit_endpoint(c, &actor, AuditAction::WebhookEndpointUpdated, &new, &rid.0,
                json!({"url": {"before": old.url, "after": new.url}, "active": {"before": old.active, "after": new.active},
                       "event_types": {"before": old.event_types, "after": new.event_types}}))?;
            Ok(new)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&e).as_str()))
        .json(dto(&e, false)))
}

/// Remove a subscription; its undelivered messages are not sent. Requires `If-Match`.
#[utoipa::path(
    delete,
    path = "/v1/webhook-endpoints/{id}",
    operation_id = "deleteWebhookEndpoint",
    tag = "events",
    params(
        ("id" = String, Path, description = "Endpoint id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 204, description = "Removed."),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ManageIntegrations)?;
    let actor = auth.actor();
    let id = path.into_inner();
    state
        .write(move |c| {
            let old = find(c, &id)?;
            if_match.check(&etag(&old))?;
            if !webhooks::delete(c, &old.id, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit_endpoint(
                c,
                &actor,
                AuditAction::WebhookEndpointDeleted,
                &old,
                &rid.0,
                json!({"url": {"before": old.url, "after": null}}),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send past events again to one endpoint.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"after_seq": 1000}))]
pub struct ReplayInput {
    /// Events after this sequence number (from the feed or a webhook's `data.seq`).
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub after_seq: Option<i64>,
    /// Or every event from this time on.
    pub since: Option<DateTime<Utc>>,
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
    params(("id" = String, Path, description = "Endpoint id.")),
    responses(
        (status = 200, description = "Queued.", body = ReplayResult),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn replay(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    path: web::Path<String>,
    body: ApiJson<ReplayInput>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ManageIntegrations)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let input = body.value;
    if input.after_seq.is_none() && input.since.is_none() {
        return Err(invalid(
            "/after_seq",
            "required",
            "say where to start: after_seq or since",
            "sebutkan titik awal: after_seq atau since",
        ));
    }
    let queued = state
        .write(move |c| {
            let e = find(c, &id)?;
            let events = audit::domain_events(
                c,
                &jalin_domain::access::Visibility::All,
                input.after_seq,
                None,
                None,
                input.since.map(|s| s.naive_utc()),
                10_000,
            )?;
            let mut queued = 0;
            for ev in &events {
                queued += webhooks::fan_out(c, ev, Some(&e.id))?;
            }
            audit_endpoint(c, &actor, AuditAction::WebhookEndpointReplayed, &e, &rid.0,
                json!({"replay": {"before": null, "after": {"after_seq": input.after_seq, "since": input.since, "queued": queued}}}))?;
            Ok(queued)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReplayResult { queued }))
}
