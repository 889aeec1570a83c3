//! Domain events and webhook subscriptions: the feed of published events in a caller's scope,
//! and endpoints that receive them through the outbox — signed, retried, disabled after repeated
//! failure, re-enabled and replayed.

use chrono::{DateTime, Utc};
use jalin_domain::access::{check_reach, Visibility};
use jalin_domain::events::{check_event_types, PUBLISHED_RECORDS};
use jalin_domain::{AuditAction, RecordKind, RegionCode, Violation};
use jalin_persistence::audit::{self, AuditEvent};
use jalin_persistence::webhooks::{self, Endpoint};
use jalin_persistence::DbConnection;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::ApiError;
use crate::reply::OrNotFound;
use crate::service::{changes, Conditional, Ctx};
use crate::signature::Secret;

crate::versioned!(Endpoint);

crate::filed!(Endpoint => WebhookEndpoint(id), region_code);

/// At most this many events are queued by one replay.
const REPLAY_AT_MOST: i64 = 10_000;

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

/// Published events within `vis` after sequence `after`, oldest first; of one record type
/// (`agreement`, `travel_request` or `annual_report`) or one record when asked.
pub fn feed(
    c: &mut DbConnection,
    vis: &Visibility,
    (record_type, record_id): (Option<&str>, Option<&str>),
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, ApiError> {
    if record_type.is_some_and(|t| !PUBLISHED_RECORDS.contains(&t)) {
        return Err(ApiError::invalid_parameter(
            "record_type",
            "invalid_value",
            "agreement, travel_request or annual_report",
            "agreement, travel_request atau annual_report",
        ));
    }
    Ok(audit::domain_events(
        c,
        vis,
        after,
        record_type,
        record_id,
        None,
        limit,
    )?)
}

/// An http(s) URL with a host.
fn check_url(raw: &str) -> Vec<Violation> {
    match url::Url::parse(raw) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Vec::new()
        }
        _ => vec![Violation::invalid(
            "invalid_url",
            "/url",
            "an http(s) URL with a host",
            "URL http(s) dengan host",
        )],
    }
}

/// Every reason the subscription as written is refused (422), or none.
fn check(
    url: Option<&str>,
    types: Option<&[String]>,
    region: Option<&str>,
) -> Result<(), ApiError> {
    let mut wrong: Vec<Violation> = url.map(check_url).unwrap_or_default();
    wrong.extend(types.map(check_event_types).unwrap_or_default());
    if region.is_some_and(|r| RegionCode::parse(r).is_err()) {
        wrong.push(Violation::invalid(
            "invalid_format",
            "/region_code",
            "a region code",
            "kode daerah",
        ));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.into())
    }
}

/// The audited fields (never the secret).
fn fields(e: &Endpoint) -> Value {
    json!({"url": e.url, "event_types": e.event_types, "active": e.active})
}

/// Subscribes a URL for events within `vis` (a regional caller: for its subtree only); the new
/// endpoint carries its signing secret.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    input: EndpointInput,
) -> Result<Endpoint, ApiError> {
    check(
        Some(&input.url),
        Some(&input.event_types),
        input.region_code.as_deref(),
    )?;
    let region = input.region_code.as_deref().map(RegionCode::parse);
    check_reach(vis, region.transpose().ok().flatten().as_ref())?;
    let now = ctx.now();
    let e = Endpoint {
        id: uuid::Uuid::now_v7().to_string(),
        url: input.url,
        description: input.description,
        event_types: input.event_types.join(","),
        region_code: input.region_code,
        secret: Secret::generate(),
        active: true,
        consecutive_failures: 0,
        disabled_reason: None,
        created_by: ctx.actor.name.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    webhooks::insert(c, &e)?;
    ctx.audit_change(
        c,
        AuditAction::WebhookEndpointCreated,
        &e,
        changes(&json!({}), &fields(&e)),
    )?;
    Ok(e)
}

/// An endpoint `vis` reaches; another region's (or, for a regional caller, a national one) is a
/// 404.
pub fn get(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<Endpoint, ApiError> {
    webhooks::find_visible(c, id, vis)?.or_not_found(RecordKind::WebhookEndpoint, id)
}

pub fn list(
    c: &mut DbConnection,
    vis: &Visibility,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Endpoint>, ApiError> {
    Ok(webhooks::list_visible(c, vis, after, limit)?)
}

/// Changes an endpoint, if `expected` (the caller's ETag check) holds; re-enabling it forgets
/// its failures.
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    id: &str,
    patch: EndpointPatch,
    expected: impl FnOnce(&Endpoint) -> Result<(), ApiError>,
) -> Result<Endpoint, ApiError> {
    check(patch.url.as_deref(), patch.event_types.as_deref(), None)?;
    let mut e = get(c, vis, id)?;
    expected(&e)?;
    let before = fields(&e);
    e.url = patch.url.unwrap_or(e.url);
    e.description = patch.description.or(e.description);
    e.event_types = patch
        .event_types
        .map(|t| t.join(","))
        .unwrap_or(e.event_types);
    if let Some(active) = patch.active {
        e.active = active;
        if active {
            (e.consecutive_failures, e.disabled_reason) = (0, None);
        }
    }
    ctx.save_revision(c, &mut e, webhooks::save)?;
    ctx.audit_change(
        c,
        AuditAction::WebhookEndpointUpdated,
        &e,
        changes(&before, &fields(&e)),
    )?;
    Ok(e)
}

/// Removes a subscription (its undelivered messages are not sent), if `expected` holds.
pub fn delete(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    id: &str,
    expected: impl FnOnce(&Endpoint) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let e = get(c, vis, id)?;
    expected(&e)?;
    webhooks::delete(c, &e.id, e.version).or_precondition_failed()?;
    let changes = json!({"url": {"before": e.url, "after": null}});
    ctx.audit_change(c, AuditAction::WebhookEndpointDeleted, &e, changes)
}

/// Queues past events the endpoint subscribes to for delivery again, from `after_seq` or
/// `since`; how many were queued.
pub fn replay(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    id: &str,
    input: ReplayInput,
) -> Result<usize, ApiError> {
    if input.after_seq.is_none() && input.since.is_none() {
        return Err(ApiError::invalid(
            "/after_seq",
            "required",
            "say where to start: after_seq or since",
            "sebutkan titik awal: after_seq atau since",
        ));
    }
    let e = get(c, vis, id)?;
    let since = input.since.map(|s| s.naive_utc());
    let events = audit::domain_events(
        c,
        &Visibility::All,
        input.after_seq,
        None,
        None,
        since,
        REPLAY_AT_MOST,
    )?;
    let mut queued = 0;
    for ev in &events {
        queued += webhooks::fan_out(c, ev, Some(&e.id))?;
    }
    let after = json!({"after_seq": input.after_seq, "since": input.since, "queued": queued});
    let changes = json!({"replay": {"before": null, "after": after}});
    ctx.audit_change(c, AuditAction::WebhookEndpointReplayed, &e, changes)?;
    Ok(queued)
}
