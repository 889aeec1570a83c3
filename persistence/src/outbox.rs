//! The transactional outbox: a message is written in the same transaction as the state change
//! that causes it, and a worker delivers it later. Claiming leases a message for a while, so a
//! worker that dies mid-delivery leaves it to be retried (the receiver deduplicates by the
//! message id, which is the idempotency key). On PostgreSQL the claim skips rows another server
//! holds (`FOR UPDATE SKIP LOCKED`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use jalin_domain::access::Visibility;
use jalin_domain::travel::{CallbackOutcome, ExternalSystem};
use serde_json::Value;

use crate::crud::{NarrowByCode, Page};
use crate::db::{DbConnection, DbError};
use crate::schema::{inbound_messages as im, outbox as ob};
use crate::text::{Json, JsonText, Stored};

pub use jalin_domain::events::DeliveryStatus;

crate::text::stored_by_code! {
    ExternalSystem => "external system",
    CallbackOutcome => "callback outcome",
    DeliveryStatus => "delivery status",
}

/// A message to deliver, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ob, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Message {
    pub id: String,
    /// `siola`, `simpel`, `exit_permit`, or `webhook:{endpoint id}`.
    pub target: String,
    pub kind: String,
    pub record_id: String,
    pub region_code: Option<String>,
    /// The JSON body exactly as signed and sent (its bytes are what the signature covers).
    pub payload: String,
    #[diesel(deserialize_as = Stored<DeliveryStatus>, serialize_as = Stored<DeliveryStatus>)]
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub last_status: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

impl Message {
    /// A message waiting for its first attempt at `now`.
    pub fn pending(
        id: String,
        target: String,
        kind: String,
        record_id: String,
        region_code: Option<String>,
        payload: String,
        now: NaiveDateTime,
    ) -> Message {
        Message {
            id,
            target,
            kind,
            record_id,
            region_code,
            payload,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            last_status: None,
            created_at: now,
            updated_at: now,
            delivered_at: None,
        }
    }
}

crate::crud::crud! { Message in ob by id; insert as enqueue, find }

/// How many messages each target has in each status other than `delivered` (for metrics).
pub fn counts_by_target(conn: &mut DbConnection) -> Result<Vec<(String, String, i64)>, DbError> {
    Ok(ob::table
        .filter(ob::status.ne("delivered"))
        .group_by((ob::target, ob::status))
        .select((ob::target, ob::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Claims up to `limit` messages due at `now` for the systems in `systems` (and every webhook
/// endpoint when `webhooks`), leasing them until `lease_until`. Call inside a write transaction.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    systems: &[String],
    webhooks: bool,
    limit: i64,
) -> Result<Vec<Message>, DbError> {
    if systems.is_empty() && !webhooks {
        return Ok(Vec::new());
    }
    let ids = due_ids(conn, now, systems, webhooks, limit)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(ob::table.filter(ob::id.eq_any(&ids)))
        .set((
            ob::status.eq(DeliveryStatus::Delivering.as_str()),
            ob::next_attempt_at.eq(lease_until),
            ob::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(ob::table
        .select(Message::as_select())
        .filter(ob::id.eq_any(&ids))
        .order(ob::next_attempt_at)
        .load(conn)?)
}

/// The ids of up to `limit` messages due at `now`, oldest due first.
fn due_ids(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    systems: &[String],
    webhooks: bool,
    limit: i64,
) -> Result<Vec<String>, DbError> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let due = [DeliveryStatus::Pending, DeliveryStatus::Delivering].map(DeliveryStatus::as_str);
    Ok(match conn {
        // Backend-specific on purpose: several servers may claim at once, and only PostgreSQL
        // can skip the rows another one holds (SQLite's write transaction is already exclusive).
        DbConnection::Postgres(pg) => diesel::sql_query(
            "SELECT id FROM outbox WHERE status IN ('pending', 'delivering') AND next_attempt_at <= $1 \
             AND (target = ANY($2) OR ($3 AND target LIKE 'webhook:%')) \
             ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED",
        )
        .bind::<diesel::sql_types::Timestamp, _>(now)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(systems)
        .bind::<diesel::sql_types::Bool, _>(webhooks)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load::<Id>(pg)?
        .into_iter()
        .map(|r| r.id)
        .collect(),
        DbConnection::Sqlite(_) => {
            let mut q = ob::table
                .select(ob::id)
                .filter(ob::status.eq_any(due))
                .filter(ob::next_attempt_at.le(now))
                .order(ob::next_attempt_at)
                .limit(limit)
                .into_boxed();
            q = if webhooks {
                q.filter(ob::target.eq_any(systems).or(ob::target.like("webhook:%")))
            } else {
                q.filter(ob::target.eq_any(systems))
            };
            q.load::<String>(conn)?
        }
    })
}

pub fn mark_delivered(
    conn: &mut DbConnection,
    id: &str,
    status: i32,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(ob::table.find(id))
        .set((
            ob::status.eq(DeliveryStatus::Delivered.as_str()),
            ob::attempts.eq(ob::attempts + 1),
            ob::last_status.eq(Some(status)),
            ob::last_error.eq(None::<String>),
            ob::delivered_at.eq(Some(now)),
            ob::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt: HTTP status (none for a network error) and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure<'a> {
    pub status: Option<i32>,
    pub error: &'a str,
    /// Retried at this time; `None` gives up (dead until retried by hand).
    pub retry_at: Option<NaiveDateTime>,
}

/// Records a failed attempt at `now`.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    failure: &Failure<'_>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let status = match failure.retry_at {
        Some(_) => DeliveryStatus::Pending,
        None => DeliveryStatus::Dead,
    };
    diesel::update(ob::table.find(id))
        .set((
            ob::status.eq(status.as_str()),
            ob::attempts.eq(ob::attempts + 1),
            ob::last_status.eq(failure.status),
            ob::last_error.eq(Some(failure.error)),
            ob::next_attempt_at.eq(failure.retry_at.unwrap_or(now)),
            ob::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Filters on the outbox.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub target: Option<String>,
    pub record_id: Option<String>,
}

/// Messages within `vis` (central messages have no region and are seen by central principals
/// only), newest first by id, with optional filters.
pub fn list(
    conn: &mut DbConnection,
    vis: &Visibility,
    f: &DeliveryFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Message>, DbError> {
    let mut q = ob::table
        .select(Message::as_select())
        .into_boxed()
        .page_before(ob::id, before, limit)
        .visible_by_code(vis, ob::region_code);
    if let Some(s) = f.status {
        q = q.filter(ob::status.eq(s.as_str()));
    }
    if let Some(t) = &f.target {
        q = q.filter(ob::target.eq(t.clone()));
    }
    if let Some(r) = &f.record_id {
        q = q.filter(ob::record_id.eq(r.clone()));
    }
    Ok(q.load(conn)?)
}

/// Puts a message back in the queue now, with a fresh attempt budget (not while a worker holds
/// it).
pub fn requeue(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<bool, DbError> {
    Ok(diesel::update(
        ob::table
            .filter(ob::id.eq(id))
            .filter(ob::status.ne(DeliveryStatus::Delivering.as_str())),
    )
    .set((
        ob::status.eq(DeliveryStatus::Pending.as_str()),
        ob::attempts.eq(0),
        ob::next_attempt_at.eq(now),
        ob::updated_at.eq(now),
        ob::delivered_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?
        == 1)
}

/// A message already received from a system.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = im)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Inbound {
    #[diesel(deserialize_as = Stored<ExternalSystem>, serialize_as = Stored<ExternalSystem>)]
    pub system: ExternalSystem,
    pub message_id: String,
    pub travel_request_id: Option<String>,
    #[diesel(deserialize_as = Stored<CallbackOutcome>, serialize_as = Stored<CallbackOutcome>)]
    pub outcome: CallbackOutcome,
    /// The message as received, with the decision it carried (`decision_record`).
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub payload: Value,
    pub received_at: NaiveDateTime,
}

pub fn find_inbound(
    conn: &mut DbConnection,
    system: ExternalSystem,
    message_id: &str,
) -> Result<Option<Inbound>, DbError> {
    Ok(im::table
        .select(Inbound::as_select())
        .filter(im::system.eq(system.as_str()))
        .filter(im::message_id.eq(message_id))
        .first(conn)
        .optional()?)
}

crate::crud::crud! { Inbound in im by message_id; insert as record_inbound }

/// Decisions that arrived before their request reached the stage they decide, oldest first.
pub fn deferred_for(
    conn: &mut DbConnection,
    travel_request_id: &str,
    system: ExternalSystem,
) -> Result<Vec<Inbound>, DbError> {
    Ok(im::table
        .select(Inbound::as_select())
        .filter(im::travel_request_id.eq(travel_request_id))
        .filter(im::system.eq(system.as_str()))
        .filter(im::outcome.eq(CallbackOutcome::Deferred.as_str()))
        .order(im::received_at)
        .load(conn)?)
}

pub fn set_inbound_outcome(
    conn: &mut DbConnection,
    system: ExternalSystem,
    message_id: &str,
    outcome: CallbackOutcome,
) -> Result<(), DbError> {
    diesel::update(
        im::table
            .filter(im::system.eq(system.as_str()))
            .filter(im::message_id.eq(message_id)),
    )
    .set(im::outcome.eq(outcome.as_str()))
    .execute(conn)?;
    Ok(())
}

/// Withdraws undelivered messages of `record_id` to `system` (a decision arrived another way,
/// e.g. recorded by hand, or the trip is off): they are marked `superseded` and never sent.
pub fn supersede(
    conn: &mut DbConnection,
    record_id: &str,
    system: ExternalSystem,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let undelivered = [DeliveryStatus::Pending, DeliveryStatus::Dead].map(DeliveryStatus::as_str);
    Ok(diesel::update(
        ob::table
            .filter(ob::record_id.eq(record_id))
            .filter(ob::target.eq(system.as_str()))
            .filter(ob::status.eq_any(undelivered)),
    )
    .set((
        ob::status.eq(DeliveryStatus::Superseded.as_str()),
        ob::updated_at.eq(now),
    ))
    .execute(conn)?)
}
