//! Request counters every server sees (`request_counters`): failed sign-ins per (name, client
//! address) and per client address, public feed requests per client address. Each is read and
//! written inside one write transaction holding its row ([`lock`]), so N servers on one
//! database count as one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, DbError};
use crate::schema::request_counters as rc;

/// One counter as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rc, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Counter {
    pub counter_key: String,
    /// Events counted in the current window.
    pub hits: i64,
    /// When the current window began.
    pub first_at: NaiveDateTime,
    /// The last counted event.
    pub last_at: NaiveDateTime,
    /// Tries are refused until then.
    pub blocked_until: Option<NaiveDateTime>,
}

impl Counter {
    fn fresh(key: &str, now: NaiveDateTime) -> Self {
        Self {
            counter_key: key.to_owned(),
            hits: 0,
            first_at: now,
            last_at: now,
            blocked_until: None,
        }
    }
}

/// The counter `key` (a fresh one at zero when there is none), held for the rest of the
/// transaction: on PostgreSQL by its row lock, on SQLite by the write transaction (`BEGIN
/// IMMEDIATE`). Call inside [`crate::write_transaction`]; lock several keys in sorted order.
pub fn lock(conn: &mut DbConnection, key: &str, now: NaiveDateTime) -> Result<Counter, DbError> {
    if let DbConnection::Postgres(pg) = conn {
        // Concurrent first events: the second insert waits for the first, then does nothing.
        diesel::insert_into(rc::table)
            .values(Counter::fresh(key, now))
            .on_conflict_do_nothing()
            .execute(pg)?;
    }
    // A no-op write: takes the row lock on PostgreSQL.
    let touched = diesel::update(rc::table.find(key))
        .set(rc::hits.eq(rc::hits))
        .execute(conn)?;
    if touched == 0 {
        diesel::insert_into(rc::table)
            .values(Counter::fresh(key, now))
            .execute(conn)?;
    }
    Ok(rc::table
        .find(key)
        .select(Counter::as_select())
        .first(conn)?)
}

/// Writes a counter taken with [`lock`].
pub fn store(conn: &mut DbConnection, counter: &Counter) -> Result<(), DbError> {
    diesel::update(rc::table.find(&counter.counter_key))
        .set(counter)
        .execute(conn)?;
    Ok(())
}

/// Forgets the counter `key`.
pub fn forget(conn: &mut DbConnection, key: &str) -> Result<(), DbError> {
    diesel::delete(rc::table.find(key)).execute(conn)?;
    Ok(())
}

/// Deletes the counters with nothing counted since `before` and no wait beyond it; returns how
/// many.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(
        rc::table
            .filter(rc::last_at.lt(before))
            .filter(rc::blocked_until.is_null().or(rc::blocked_until.lt(before))),
    )
    .execute(conn)?)
}
