//! The transactional outbox: a message is written in the same transaction as the state change
//! that causes it, and a worker delivers it later. Claiming leases a message for a while, so a
//! worker that dies mid-delivery leaves it to be retried (the receiver deduplicates by the
//! message id, which is the idempotency key). On PostgreSQL the claim skips rows another server
//! holds (`FOR UPDATE SKIP LOCKED`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use jalin_domain::access::Visibility;

use crate::db::{DbConnection, DbError};
use crate::schema::{inbound_messages as im, outbox as ob};

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Message {
    pub id: String,
    /// `siola`, `simpel`, `exit_permit`, or `webhook:{endpoint id}`.
    pub target: String,
    pub kind: String,
    pub record_id: String,
    pub region_code: Option<String>,
    pub payload: String,
    /// `pending`, `delivering`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub last_status: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

macro_rules! columns {
    () => {
        (
            ob::id,
            ob::target,
            ob::kind,
            ob::record_id,
            ob::region_code,
            ob::payload,
            ob::status,
            ob::attempts,
            ob::next_attempt_at,
            ob::last_error,
            ob::last_status,
            ob::created_at,
            ob::updated_at,
            ob::delivered_at,
        )
    };
}

pub fn enqueue(conn: &mut DbConnection, m: &Message) -> Result<(), DbError> {
    diesel::insert_into(ob::table)
        .values((
            ob::id.eq(&m.id),
            ob::target.eq(&m.target),
            ob::kind.eq(&m.kind),
            ob::record_id.eq(&m.record_id),
            ob::region_code.eq(&m.region_code),
            ob::payload.eq(&m.payload),
            ob::status.eq(&m.status),
            ob::attempts.eq(m.attempts),
            ob::next_attempt_at.eq(m.next_attempt_at),
            ob::last_error.eq(&m.last_error),
            ob::last_status.eq(m.last_status),
            ob::created_at.eq(m.created_at),
            ob::updated_at.eq(m.updated_at),
            ob::delivered_at.eq(m.delivered_at),
        ))
        .execute(conn)?;
    Ok(())
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
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    if systems.is_empty() && !webhooks {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = match conn {
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
                .filter(ob::status.eq_any(["pending", "delivering"]))
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
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(ob::table.filter(ob::id.eq_any(&ids)))
        .set((
            ob::status.eq("delivering"),
            ob::next_attempt_at.eq(lease_until),
            ob::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(ob::table
        .select(columns!())
        .filter(ob::id.eq_any(&ids))
        .order(ob::next_attempt_at)
        .load::<Message>(conn)?)
}

pub fn mark_delivered(
    conn: &mut DbConnection,
    id: &str,
    status: i32,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(ob::table.find(id))
        .set((
            ob::status.eq("delivered"),
            ob::attempts.eq(ob::attempts + 1),
            ob::last_status.eq(Some(status)),
            ob::last_error.eq(None::<String>),
            ob::delivered_at.eq(Some(now)),
            ob::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: retried at `next` or, when `dead`, given up until retried by hand.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    status: Option<i32>,
    error: &str,
    next: NaiveDateTime,
    dead: bool,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(ob::table.find(id))
        .set((
            ob::status.eq(if dead { "dead" } else { "pending" }),
            ob::attempts.eq(ob::attempts + 1),
            ob::last_status.eq(status),
            ob::last_error.eq(Some(error)),
            ob::next_attempt_at.eq(next),
            ob::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Message>, DbError> {
    Ok(ob::table
        .select(columns!())
        .filter(ob::id.eq(id))
        .first::<Message>(conn)
        .optional()?)
}

/// Messages within `vis` (central messages have no region and are seen by central principals
/// only), newest first by id, with optional filters.
pub fn list(
    conn: &mut DbConnection,
    vis: &Visibility,
    status: Option<&str>,
    target: Option<&str>,
    record_id: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Message>, DbError> {
    let mut q = ob::table
        .select(columns!())
        .order(ob::id.desc())
        .limit(limit)
        .into_boxed();
    q = match vis {
        Visibility::All => q,
        Visibility::Province(p) => q.filter(
            ob::region_code
                .eq(p.to_string())
                .or(ob::region_code.like(format!("{p}.%"))),
        ),
        Visibility::Region(r) => q.filter(ob::region_code.eq(r.to_string())),
    };
    if let Some(s) = status {
        q = q.filter(ob::status.eq(s.to_owned()));
    }
    if let Some(t) = target {
        q = q.filter(ob::target.eq(t.to_owned()));
    }
    if let Some(r) = record_id {
        q = q.filter(ob::record_id.eq(r.to_owned()));
    }
    if let Some(b) = before {
        q = q.filter(ob::id.lt(b.to_owned()));
    }
    Ok(q.load::<Message>(conn)?)
}

/// Puts a message back in the queue now, with a fresh attempt budget.
pub fn requeue(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<bool, DbError> {
    Ok(diesel::update(
        ob::table
            .filter(ob::id.eq(id))
            .filter(ob::status.ne("delivering")),
    )
    .set((
        ob::status.eq("pending"),
        ob::attempts.eq(0),
        ob::next_attempt_at.eq(now),
        ob::updated_at.eq(now),
        ob::delivered_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?
        == 1)
}

/// An inbound message already received from `system`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Inbound {
    pub system: String,
    pub message_id: String,
    pub travel_request_id: Option<String>,
    /// `applied`, `stale`, `deferred` (arrived before its stage; applied when the request gets
    /// there) or `rejected`.
    pub outcome: String,
    pub payload: String,
    pub received_at: NaiveDateTime,
}

pub fn find_inbound(
    conn: &mut DbConnection,
    system: &str,
    message_id: &str,
) -> Result<Option<Inbound>, DbError> {
    Ok(im::table
        .select((
            im::system,
            im::message_id,
            im::travel_request_id,
            im::outcome,
            im::payload,
            im::received_at,
        ))
        .filter(im::system.eq(system))
        .filter(im::message_id.eq(message_id))
        .first::<Inbound>(conn)
        .optional()?)
}

pub fn record_inbound(conn: &mut DbConnection, m: &Inbound) -> Result<(), DbError> {
    diesel::insert_into(im::table)
        .values((
            im::system.eq(&m.system),
            im::message_id.eq(&m.message_id),
            im::travel_request_id.eq(&m.travel_request_id),
            im::outcome.eq(&m.outcome),
            im::payload.eq(&m.payload),
            im::received_at.eq(m.received_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Decisions that arrived before their request reached the stage they decide.
pub fn deferred_for(
    conn: &mut DbConnection,
    travel_request_id: &str,
    system: &str,
) -> Result<Vec<Inbound>, DbError> {
    Ok(im::table
        .select((
            im::system,
            im::message_id,
            im::travel_request_id,
            im::outcome,
            im::payload,
            im::received_at,
        ))
        .filter(im::travel_request_id.eq(travel_request_id))
        .filter(im::system.eq(system))
        .filter(im::outcome.eq("deferred"))
        .order(im::received_at)
        .load::<Inbound>(conn)?)
}

pub fn set_inbound_outcome(
    conn: &mut DbConnection,
    system: &str,
    message_id: &str,
    outcome: &str,
) -> Result<(), DbError> {
    diesel::update(
        im::table
            .filter(im::system.eq(system))
            .filter(im::message_id.eq(message_id)),
    )
    .set(im::outcome.eq(outcome))
    .execute(conn)?;
    Ok(())
}

/// Withdraws undelivered messages of `record_id` to `target` (a decision arrived another way,
/// e.g. recorded by hand): they are marked `superseded` and never sent.
pub fn supersede(
    conn: &mut DbConnection,
    record_id: &str,
    target: &str,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        ob::table
            .filter(ob::record_id.eq(record_id))
            .filter(ob::target.eq(target))
            .filter(ob::status.eq_any(["pending", "dead"])),
    )
    .set((ob::status.eq("superseded"), ob::updated_at.eq(now)))
    .execute(conn)?)
}
