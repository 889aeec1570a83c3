//! The `Idempotency-Key` store. A key is claimed in its own short transaction; the response is
//! recorded by [`complete`] inside the *same* transaction as the request's write, so a key is
//! `completed` exactly when its effects are committed.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::{write_transaction, DbConnection, DbError};
use crate::schema::idempotency_keys as ik;
use crate::text::Stored;

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

/// Where a claimed key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    InFlight,
    Completed,
}

impl KeyState {
    fn as_str(self) -> &'static str {
        match self {
            KeyState::InFlight => "in_flight",
            KeyState::Completed => "completed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [KeyState::InFlight, KeyState::Completed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

crate::text::stored_by_code! { KeyState => "idempotency key state" }

/// A key as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ik, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct Key {
    scope: String,
    idem_key: String,
    fingerprint: String,
    #[diesel(deserialize_as = Stored<KeyState>, serialize_as = Stored<KeyState>)]
    state: KeyState,
    response_status: Option<i32>,
    response_headers: Option<String>,
    response_body: Option<String>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// The response recorded on completion.
#[derive(AsChangeset)]
#[diesel(table_name = ik)]
struct Completion<'a> {
    #[diesel(serialize_as = Stored<KeyState>)]
    state: KeyState,
    response_status: i32,
    response_headers: &'a str,
    response_body: &'a str,
}

/// What a stored key means for a new request with `fingerprint`.
enum Decision {
    Decided(Claim),
    /// Absent, expired, or abandoned: the key may be (re)claimed.
    Claimable {
        existing: bool,
    },
}

fn decide(key: Option<Key>, fingerprint: &str, now: NaiveDateTime, life: Lifetimes) -> Decision {
    let Some(key) = key else {
        return Decision::Claimable { existing: false };
    };
    if key.expires_at <= now {
        return Decision::Claimable { existing: true };
    }
    if key.fingerprint != fingerprint {
        return Decision::Decided(Claim::Mismatch);
    }
    if key.state == KeyState::Completed {
        return Decision::Decided(Claim::Replay(StoredResponse {
            status: key
                .response_status
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(200),
            headers_json: key.response_headers.unwrap_or_else(|| "[]".into()),
            body: key.response_body.unwrap_or_default(),
        }));
    }
    if key.created_at + life.stale_after > now {
        Decision::Decided(Claim::InFlight)
    } else {
        Decision::Claimable { existing: true }
    }
}

fn load(conn: &mut DbConnection, scope: &str, key: &str) -> Result<Option<Key>, DbError> {
    Ok(ik::table
        .find((scope, key))
        .select(Key::as_select())
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
                    .values(Key {
                        scope: scope.to_owned(),
                        idem_key: key.to_owned(),
                        fingerprint: fingerprint.to_owned(),
                        state: KeyState::InFlight,
                        response_status: None,
                        response_headers: None,
                        response_body: None,
                        created_at: now,
                        expires_at: now + life.ttl,
                    })
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
        .set(Completion {
            state: KeyState::Completed,
            response_status: i32::from(response.status),
            response_headers: &response.headers_json,
            response_body: &response.body,
        })
        .execute(conn)?;
    Ok(())
}

/// Gives a claimed key back (the request failed and changed nothing).
pub fn release(conn: &mut DbConnection, scope: &str, key: &str) -> Result<(), DbError> {
    write_transaction(conn, |c| {
        diesel::delete(
            ik::table
                .find((scope, key))
                .filter(ik::state.eq(Stored(KeyState::InFlight))),
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
