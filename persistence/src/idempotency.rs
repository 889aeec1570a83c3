//! The `Idempotency-Key` store. A key is claimed in its own short transaction; the response is
//! recorded by [`complete`] inside the *same* transaction as the request's write, so a key is
//! `completed` exactly when its effects are committed.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::{write_transaction, DbConnection, DbError};
use crate::schema::idempotency_keys as ik;

/// A response recorded for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// JSON array of `[name, value]` pairs.
    pub headers_json: String,
    pub body: String,
}

/// The outcome of claiming a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is ours: run the request and [`complete`] it.
    Fresh,
    /// The same request was completed before: replay this.
    Replay(StoredResponse),
    /// The same key is being processed right now.
    InFlight,
    /// The key was used with a different request.
    Mismatch,
}

/// How long keys live, and after how long an unfinished claim may be taken over. A claim whose
/// request crashed leaves no effects (effects and completion commit together), so taking it
/// over after `stale_after` is safe.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub ttl: Duration,
    pub stale_after: Duration,
}

type Row = (
    String,
    String,
    Option<i32>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

/// What a stored row means for a new request with `fingerprint`.
enum Decision {
    Decided(Claim),
    /// Absent, expired, or abandoned: the key may be (re)claimed.
    Claimable {
        existing: bool,
    },
}

fn decide(row: Option<Row>, fingerprint: &str, now: NaiveDateTime, life: Lifetimes) -> Decision {
    let Some((fp, state, status, headers, body, created, expires)) = row else {
        return Decision::Claimable { existing: false };
    };
    if expires <= now {
        return Decision::Claimable { existing: true };
    }
    if fp != fingerprint {
        return Decision::Decided(Claim::Mismatch);
    }
    if state == "completed" {
        return Decision::Decided(Claim::Replay(StoredResponse {
            status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
            headers_json: headers.unwrap_or_else(|| "[]".into()),
            body: body.unwrap_or_default(),
        }));
    }
    if created + life.stale_after > now {
        Decision::Decided(Claim::InFlight)
    } else {
        Decision::Claimable { existing: true }
    }
}

fn load(conn: &mut DbConnection, scope: &str, key: &str) -> Result<Option<Row>, DbError> {
    Ok(ik::table
        .find((scope, key))
        .select((
            ik::fingerprint,
            ik::state,
            ik::response_status,
            ik::response_headers,
            ik::response_body,
            ik::created_at,
            ik::expires_at,
        ))
        .first(conn)
        .optional()?)
}

/// Claims `key` for a request. A replay, a mismatch or a request in flight is answered from a
/// plain read, so it never waits behind the write lock of the request that holds the key.
pub fn claim(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    fingerprint: &str,
    now: NaiveDateTime,
    life: Lifetimes,
) -> Result<Claim, DbError> {
    if let Decision::Decided(c) = decide(load(conn, scope, key)?, fingerprint, now, life) {
        return Ok(c);
    }
    let result = write_transaction(conn, |c| -> Result<Claim, DbError> {
        match decide(load(c, scope, key)?, fingerprint, now, life) {
            Decision::Decided(claim) => Ok(claim),
            Decision::Claimable { existing } => {
                if existing {
                    diesel::delete(ik::table.find((scope, key))).execute(c)?;
                }
                diesel::insert_into(ik::table)
                    .values((
                        ik::scope.eq(scope),
                        ik::idem_key.eq(key),
                        ik::fingerprint.eq(fingerprint),
                        ik::state.eq("in_flight"),
                        ik::created_at.eq(now),
                        ik::expires_at.eq(now + life.ttl),
                    ))
                    .execute(c)?;
                Ok(Claim::Fresh)
            }
        }
    });
    match result {
        // Two first tries raced (PostgreSQL): the other one holds the key.
        Err(DbError::Query(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))) => {
            Ok(Claim::InFlight)
        }
        other => other,
    }
}

/// Records the response; call inside the request's write transaction.
pub fn complete(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), DbError> {
    diesel::update(ik::table.find((scope, key)))
        .set((
            ik::state.eq("completed"),
            ik::response_status.eq(i32::from(response.status)),
            ik::response_headers.eq(&response.headers_json),
            ik::response_body.eq(&response.body),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives a claimed key back (the request failed and changed nothing).
pub fn release(conn: &mut DbConnection, scope: &str, key: &str) -> Result<(), DbError> {
    write_transaction(conn, |c| {
        diesel::delete(
            ik::table
                .find((scope, key))
                .filter(ik::state.eq("in_flight")),
        )
        .execute(c)
        .map(|_| ())
        .map_err(DbError::from)
    })
}

/// Deletes expired keys; returns how many.
pub fn purge_expired(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, DbError> {
    write_transaction(conn, |c| {
        diesel::delete(ik::table.filter(ik::expires_at.le(now)))
            .execute(c)
            .map_err(DbError::from)
    })
}
