//! The audit log: append-only and hash-chained. Every write appends its event in the write's own
//! transaction; `hash = SHA-256(prev_hash ‖ canonical JSON of the event)`, so altering, removing
//! or reordering a stored event breaks the chain at that event.

use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use jalin_domain::{AuditAction, RecordKind};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::canonical::canonical_json;
use crate::crud::{NarrowByCode, Page};
use crate::db::{DbConnection, DbError};
use crate::schema::{audit_events as ae, audit_head};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `user`, `service_account` or `system`.
    pub kind: String,
    pub id: String,
    pub name: String,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Self {
            kind: "system".into(),
            id: format!("system:{name}"),
            name: name.into(),
        }
    }
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub record_type: RecordKind,
    pub record_id: &'a str,
    pub region_code: Option<&'a str>,
    pub request_id: Option<&'a str>,
    /// `{field: {"before": …, "after": …}}`. Never secrets.
    pub changes: Value,
}

/// A stored event. Its kinds stay text as written: the log is history, readable and verifiable
/// even after an action or record kind is retired.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ae)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditEvent {
    pub seq: i64,
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_type: String,
    pub actor_id: String,
    pub actor_name: String,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub region_code: Option<String>,
    pub request_id: Option<String>,
    #[diesel(deserialize_as = ChangesRead, serialize_as = CanonicalText)]
    pub changes: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// `changes` as read. A stored text that is not JSON is kept as a string: it hashes differently,
/// so verification reports the event instead of the log failing to load.
#[derive(Debug, FromSqlRow)]
pub struct ChangesRead(Value);

impl<DB: Backend> FromSql<Text, DB> for ChangesRead
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let s = String::from_sql(bytes)?;
        Ok(ChangesRead(
            serde_json::from_str(&s).unwrap_or(Value::String(s)),
        ))
    }
}

impl From<ChangesRead> for Value {
    fn from(c: ChangesRead) -> Self {
        c.0
    }
}

/// `changes` as written: canonical JSON, so the hash can be recomputed from storage.
#[derive(Debug, AsExpression)]
#[diesel(sql_type = Text)]
pub struct CanonicalText(String);

impl From<Value> for CanonicalText {
    fn from(v: Value) -> Self {
        CanonicalText(canonical_json(&v))
    }
}

impl<DB: Backend> ToSql<Text, DB> for CanonicalText
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(&self.0, out)
    }
}

fn timestamp(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl AuditEvent {
    /// The hash this event must have, given its content and `prev_hash`.
    pub fn expected_hash(&self) -> String {
        let body = json!({
            "seq": self.seq,
            "id": self.id,
            "occurred_at": timestamp(&self.occurred_at),
            "actor_type": self.actor_type,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "region_code": self.region_code,
            "request_id": self.request_id,
            "changes": self.changes,
        });
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(canonical_json(&body).as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The chain's head: the last sequence number and hash appended.
#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_head)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct Head {
    seq: i64,
    hash: String,
}

fn head(conn: &mut DbConnection) -> Result<Head, DbError> {
    Ok(audit_head::table
        .find(1)
        .select(Head::as_select())
        .first(conn)?)
}

/// Appends an event; call inside the write transaction it records.
pub fn append(conn: &mut DbConnection, ev: NewEvent<'_>) -> Result<AuditEvent, DbError> {
    // Taking the head row's lock first serializes appends on PostgreSQL; on SQLite the write
    // transaction (BEGIN IMMEDIATE) already holds the database lock.
    diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq + 1))
        .execute(conn)?;
    let Head {
        seq,
        hash: prev_hash,
    } = head(conn)?;
    // The real time, also on a training instance whose clock is moved: the log records when a
    // write really happened.
    let now = Utc::now().naive_utc();
    // Microseconds: what both databases store, so the hash can be recomputed from storage.
    let occurred_at = now
        .with_nanosecond((now.and_utc().timestamp_subsec_micros()) * 1000)
        .unwrap_or(now);
    let mut event = AuditEvent {
        seq,
        id: uuid::Uuid::now_v7().to_string(),
        occurred_at,
        actor_type: ev.actor.kind.clone(),
        actor_id: ev.actor.id.clone(),
        actor_name: ev.actor.name.clone(),
        action: ev.action.as_str().to_owned(),
        record_type: ev.record_type.as_str().to_owned(),
        record_id: ev.record_id.to_owned(),
        region_code: ev.region_code.map(str::to_owned),
        request_id: ev.request_id.map(str::to_owned),
        changes: ev.changes,
        prev_hash,
        hash: String::new(),
    };
    event.hash = event.expected_hash();
    diesel::insert_into(ae::table)
        .values(event.clone())
        .execute(conn)?;
    diesel::update(audit_head::table.find(1))
        .set(audit_head::hash.eq(&event.hash))
        .execute(conn)?;
    // Domain events go to their webhook subscribers in this same transaction.
    crate::webhooks::fan_out(conn, &event, None)?;
    Ok(event)
}

/// Filters for listing events.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Newest first, before sequence `before` (exclusive).
pub fn list(
    conn: &mut DbConnection,
    vis: &jalin_domain::access::Visibility,
    filter: &EventFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    let mut q = ae::table
        .select(AuditEvent::as_select())
        .into_boxed()
        .page_before(ae::seq, before, limit)
        .visible_by_code(vis, ae::region_code);
    if let Some(v) = &filter.record_type {
        q = q.filter(ae::record_type.eq(v.clone()));
    }
    if let Some(v) = &filter.record_id {
        q = q.filter(ae::record_id.eq(v.clone()));
    }
    if let Some(v) = &filter.actor_id {
        q = q.filter(ae::actor_id.eq(v.clone()));
    }
    if let Some(v) = &filter.action {
        q = q.filter(ae::action.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        q = q.filter(ae::occurred_at.ge(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(ae::occurred_at.lt(v));
    }
    Ok(q.load(conn)?)
}

/// Published domain events (see `webhooks::is_domain_event`) after sequence `after`, oldest
/// first, within `vis`; optionally of one record type, one record, or from one time on.
pub fn domain_events(
    conn: &mut DbConnection,
    vis: &jalin_domain::access::Visibility,
    after: Option<i64>,
    record_type: Option<&str>,
    record_id: Option<&str>,
    since: Option<NaiveDateTime>,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    let mut q = ae::table
        .select(AuditEvent::as_select())
        .filter(ae::record_type.eq_any(crate::webhooks::PUBLISHED_RECORDS))
        .filter(ae::action.not_like("%.personal_data_read"))
        .into_boxed()
        .page_after(ae::seq, after, limit)
        .visible_by_code(vis, ae::region_code);
    if let Some(t) = record_type {
        q = q.filter(ae::record_type.eq(t.to_owned()));
    }
    if let Some(r) = record_id {
        q = q.filter(ae::record_id.eq(r.to_owned()));
    }
    if let Some(s) = since {
        q = q.filter(ae::occurred_at.ge(s));
    }
    Ok(q.load(conn)?)
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checked: i64,
    pub head_seq: i64,
    pub first_broken: Option<Broken>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub id: Option<String>,
    pub reason: String,
}

/// Walks the whole chain in order and reports the first event that does not hold.
pub fn verify(conn: &mut DbConnection) -> Result<Verification, DbError> {
    let Head {
        seq: head_seq,
        hash: head_hash,
    } = head(conn)?;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0;
    let broken = |seq: i64, id: Option<String>, reason: String, checked| Verification {
        checked,
        head_seq,
        first_broken: Some(Broken { seq, id, reason }),
    };
    loop {
        let batch: Vec<AuditEvent> = ae::table
            .select(AuditEvent::as_select())
            .filter(ae::seq.ge(expected_seq))
            .order(ae::seq.asc())
            .limit(1000)
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for ev in batch {
            if ev.seq != expected_seq {
                return Ok(broken(
                    expected_seq,
                    None,
                    format!("event {expected_seq} is missing"),
                    checked,
                ));
            }
            if ev.prev_hash != prev_hash {
                return Ok(broken(
                    ev.seq,
                    Some(ev.id),
                    "prev_hash does not match the previous event's hash".into(),
                    checked,
                ));
            }
            if ev.expected_hash() != ev.hash {
                return Ok(broken(
                    ev.seq,
                    Some(ev.id),
                    "content does not match its hash (altered)".into(),
                    checked,
                ));
            }
            checked += 1;
            prev_hash = ev.hash;
            expected_seq += 1;
        }
    }
    if expected_seq - 1 != head_seq || prev_hash != head_hash {
        return Ok(broken(
            expected_seq,
            None,
            format!(
                "the chain ends at {} but its head is at {head_seq} (events removed from the end)",
                expected_seq - 1
            ),
            checked,
        ));
    }
    Ok(Verification {
        checked,
        head_seq,
        first_broken: None,
    })
}

/// Events about one record, oldest first (a record's history).
pub fn for_record(
    conn: &mut DbConnection,
    record_type: &str,
    record_id: &str,
) -> Result<Vec<AuditEvent>, DbError> {
    Ok(ae::table
        .select(AuditEvent::as_select())
        .filter(ae::record_type.eq(record_type))
        .filter(ae::record_id.eq(record_id))
        .order(ae::seq.asc())
        .load(conn)?)
}
