//! Webhook endpoints, and the fan-out that queues every domain event for the endpoints that
//! subscribe to it — in the transaction that records the event, through the outbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use crate::audit::AuditEvent;
use crate::db::{DbConnection, DbError};
use crate::outbox::{self, Message};
use crate::schema::webhook_endpoints as we;

pub use jalin_domain::events::{is_domain_event, matches, PUBLISHED_RECORDS};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = we, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// Comma-separated patterns.
    pub event_types: String,
    /// Only events of this region (a province includes its regencies/cities); none: all.
    pub region_code: Option<String>,
    pub secret: String,
    pub active: bool,
    pub consecutive_failures: i32,
    pub disabled_reason: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Endpoint {
    /// Whether this endpoint wants `action` of a record in `region`.
    pub fn wants(&self, action: &str, region: Option<&str>) -> bool {
        jalin_domain::events::wants(
            &self.event_types,
            self.region_code.as_deref(),
            action,
            region,
        )
    }
}

crate::crud::crud! { Endpoint in we by id; insert, save, delete, find, page() as list }

/// The endpoint with this id, if `vis` sees its region (a national endpoint only `All`).
pub fn find_visible(
    conn: &mut DbConnection,
    id: &str,
    vis: &jalin_domain::access::Visibility,
) -> Result<Option<Endpoint>, DbError> {
    use crate::crud::NarrowByCode;
    Ok(we::table
        .select(Endpoint::as_select())
        .filter(we::id.eq(id.to_owned()))
        .into_boxed()
        .visible_by_code(vis, we::region_code)
        .first(conn)
        .optional()?)
}

/// A page of endpoints `vis` sees, by id after `after`.
pub fn list_visible(
    conn: &mut DbConnection,
    vis: &jalin_domain::access::Visibility,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Endpoint>, DbError> {
    use crate::crud::{NarrowByCode, Page};
    Ok(we::table
        .select(Endpoint::as_select())
        .into_boxed()
        .page_after(we::id, after, limit)
        .visible_by_code(vis, we::region_code)
        .load(conn)?)
}

/// Records a delivery's outcome: success resets the failure count; a failure raises it and,
/// at `disable_after`, disables the endpoint. Returns whether it was disabled now.
pub fn record_outcome(
    conn: &mut DbConnection,
    id: &str,
    ok: bool,
    disable_after: i32,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let Some(e) = find(conn, id)? else {
        return Ok(false);
    };
    if ok {
        if e.consecutive_failures != 0 {
            diesel::update(we::table.find(id))
                .set(we::consecutive_failures.eq(0))
                .execute(conn)?;
        }
        return Ok(false);
    }
    let failures = e.consecutive_failures + 1;
    let disabled = jalin_domain::events::disabled_by(e.active, failures, disable_after);
    let disable = disabled.is_some();
    diesel::update(we::table.find(id))
        .set((
            we::consecutive_failures.eq(failures),
            we::active.eq(e.active && !disable),
            we::disabled_reason.eq(disabled.or(e.disabled_reason)),
            we::version.eq(if disable { e.version + 1 } else { e.version }),
            we::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(disable)
}

/// The Standard Webhooks payload of an event: thin (what happened to which record); the
/// receiver reads the record through the API with its own permissions.
pub fn payload(event: &AuditEvent) -> String {
    json!({
        "type": event.action,
        "timestamp": event.occurred_at.and_utc().to_rfc3339(),
        "data": {
            "event_id": event.id,
            "seq": event.seq,
            "record_type": event.record_type,
            "record_id": event.record_id,
            "region_code": event.region_code,
        }
    })
    .to_string()
}

/// Queues `event` for every active endpoint that wants it (called inside the transaction that
/// appends the event). `only` limits it to one endpoint (replay).
pub fn fan_out(
    conn: &mut DbConnection,
    event: &AuditEvent,
    only: Option<&str>,
) -> Result<usize, DbError> {
    if !is_domain_event(&event.record_type, &event.action) {
        return Ok(0);
    }
    let endpoints: Vec<Endpoint> = we::table
        .select(Endpoint::as_select())
        .filter(we::active.eq(true))
        .load::<Endpoint>(conn)?;
    let mut n = 0;
    for e in endpoints
        .iter()
        .filter(|e| only.is_none_or(|o| o == e.id))
        .filter(|e| e.wants(&event.action, event.region_code.as_deref()))
    {
        let message = Message::pending(
            uuid::Uuid::now_v7().to_string(),
            format!("webhook:{}", e.id),
            event.action.clone(),
            event.record_id.clone(),
            event.region_code.clone(),
            payload(event),
            event.occurred_at,
        );
        outbox::enqueue(conn, &message)?;
        n += 1;
    }
    Ok(n)
}
