//! The audit log: every write with its actor, request id and changed fields, hash-chained.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_persistence::audit::{AuditEvent, EventFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::page_of;
use crate::pagination::Paging;
use crate::reply;
use crate::service::audit_log as audit;

crate::mirror! {
    #[derive(Serialize, ToSchema)]
    #[schema(as = AuditEvent, example = json!({
        "seq": 12, "id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00", "occurred_at": "2026-11-24T07:00:00.123456Z",
        "actor_type": "user", "actor_id": "0193a5d2-0000-7000-8000-000000000001", "actor_name": "admin",
        "action": "user.updated", "record_type": "user", "record_id": "0193a5d2-0000-7000-8000-000000000002",
        "region_code": "33", "request_id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a01",
        "changes": {"active": {"before": true, "after": false}},
        "prev_hash": "9f2c…", "hash": "41ab…"
    }))]
    pub struct AuditEventDto from AuditEvent {
        /// Position in the chain, from 1.
        pub seq: i64,
        pub id: String,
        pub occurred_at: DateTime<Utc>,
        /// `user`, `service_account` or `system`.
        pub actor_type: String,
        pub actor_id: String,
        pub actor_name: String,
        /// e.g. `user.created`, `service_account.deleted`.
        pub action: String,
        pub record_type: String,
        pub record_id: String,
        pub region_code: Option<String>,
        pub request_id: Option<String>,
        /// `{field: {before, after}}`; secrets appear only as `{"changed": true}`.
        pub changes: serde_json::Value,
        pub prev_hash: String,
        /// SHA-256(prev_hash ‖ canonical JSON of the event), hex.
        pub hash: String,
    }
}

page_of!(AuditEventPage, AuditEventDto);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `user`.
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub actor_id: Option<String>,
    /// e.g. `user.created`.
    pub action: Option<String>,
    /// Events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// List audit events, newest first (admins and central reviewers).
#[utoipa::path(
    get,
    path = "/v1/audit-events",
    operation_id = "listAuditEvents",
    tag = "audit",
    params(AuditQuery, Paging),
    responses(
        (status = 200, description = "A page of events, newest first.", body = AuditEventPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["audit:read"]))
)]
pub async fn list(
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAudit)?;
    let page = paging.of("audit_events")?;
    let before = (page.after.as_deref().map(str::parse::<i64>).transpose())
        .map_err(|_| ApiError::InvalidCursor)?;
    let filter = EventFilter {
        record_type: q.record_type,
        record_id: q.record_id,
        actor_id: q.actor_id,
        action: q.action,
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
    };
    let fetch = page.fetch();
    let rows = caller
        .db(move |c| audit::list(c, &vis, &filter, before, fetch))
        .await?;
    let (items, next_cursor) = page.page(rows, |e| e.seq.to_string());
    Ok(reply::ok(AuditEventPage::of(&items, next_cursor)))
}

#[derive(Serialize, ToSchema)]
pub struct BrokenLink {
    /// The first sequence number where the chain does not hold.
    pub seq: i64,
    /// The event there, if it exists.
    pub id: Option<String>,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"intact": true, "checked": 42, "head_seq": 42, "first_broken": null}))]
pub struct AuditVerification {
    /// Whether every event matches its hash and links to the one before it.
    pub intact: bool,
    /// Events checked before the first broken link (all of them when intact).
    pub checked: i64,
    /// The sequence number of the last event appended.
    pub head_seq: i64,
    pub first_broken: Option<BrokenLink>,
}

/// Verify the audit chain and report the first broken link (admins and central reviewers).
#[utoipa::path(
    get,
    path = "/v1/audit-events/verify",
    operation_id = "verifyAuditEvents",
    tag = "audit",
    responses(
        (status = 200, description = "The verification result; `intact: false` names the first broken link.", body = AuditVerification),
    ),
    security(("bearer" = []), ("client_credentials" = ["audit:read"]))
)]
pub async fn verify(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadAudit)?;
    let v = caller.db(audit::verify).await?;
    Ok(reply::ok(AuditVerification {
        intact: v.first_broken.is_none(),
        checked: v.checked,
        head_seq: v.head_seq,
        first_broken: v.first_broken.map(|b| BrokenLink {
            seq: b.seq,
            id: b.id,
            reason: b.reason,
        }),
    }))
}

super::operations! {
    list,
    verify,
}
