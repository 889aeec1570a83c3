//! The audit log: append-only and hash-chained. Every write appends its event in the write's own
//! transaction; `hash = SHA-256(prev_hash ‖ canonical JSON of the event)`, so altering, removing
//! or reordering a stored event breaks the chain at that event.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use jalin_domain::{AuditAction, RecordKind};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::canonical::canonical_json;
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

#[derive(Debug, Clone, PartialEq)]
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
    pub changes: Value,
    pub prev_hash: String,
    pub hash: String,
}

type Row = (
    i64,
    String,
    NaiveDateTime,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

fn from_row(r: Row) -> AuditEvent {
    AuditEvent {
        seq: r.0,
        id: r.1,
        occurred_at: r.2,
        actor_type: r.3,
        actor_id: r.4,
        actor_name: r.5,
        action: r.6,
        record_type: r.7,
        record_id: r.8,
        region_code: r.9,
        request_id: r.10,
        // An unparsable stored value hashes differently, so verification reports it.
        changes: serde_json::from_str(&r.11).unwrap_or(Value::String(r.11)),
        prev_hash: r.12,
        hash: r.13,
    }
}

macro_rules! columns {
    () => {
        (
            ae::seq,
            ae::id,
            ae::occurred_at,
            ae::actor_type,
            ae::actor_id,
            ae::actor_name,
            ae::action,
            ae::record_type,
            ae::record_id,
            ae::region_code,
            ae::request_id,
            ae::changes,
            ae::prev_hash,
            ae::hash,
        )
    };
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

/// Appends an event; call inside the write transaction it records.
pub fn append(conn: &mut DbConnection, ev: NewEvent<'_>) -> Result<AuditEvent, DbError> {
    // Taking the head row's lock first serializes appends on PostgreSQL; on SQLite the write
    // transaction (BEGIN IMMEDIATE) already holds the database lock.
    diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq + 1))
        .execute(conn)?;
    let (seq, prev_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
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
        .values((
            ae::seq.eq(event.seq),
            ae::id.eq(&event.id),
            ae::occurred_at.eq(event.occurred_at),
            ae::actor_type.eq(&event.actor_type),
            ae::actor_id.eq(&event.actor_id),
            ae::actor_name.eq(&event.actor_name),
            ae::action.eq(&event.action),
            ae::record_type.eq(&event.record_type),
            ae::record_id.eq(&event.record_id),
            ae::region_code.eq(&event.region_code),
            ae::request_id.eq(&event.request_id),
            ae::changes.eq(canonical_json(&event.changes)),
            ae::prev_hash.eq(&event.prev_hash),
            ae::hash.eq(&event.hash),
        ))
        .execute(conn)?;
    diesel::update(audit_head::table.find(1))
        .set(audit_head::hash.eq(&event.hash))
        .execute(conn)?;
    // Domain events go to their webhook subscribers in this same transaction.
    crate::webhooks::fan_out(conn, &event, None)?;
    Ok(event)
}

use chrono::Timelike;

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
    filter: &EventFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    let mut q = ae::table
        .select(columns!())
        .order(ae::seq.desc())
        .limit(limit)
        .into_boxed();
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
    if let Some(b) = before {
        q = q.filter(ae::seq.lt(b));
    }
    Ok(q.load::<Row>(conn)?.into_iter().map(from_row).collect())
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
    use jalin_domain::access::Visibility;
    let mut q = ae::table
        .select(columns!())
        .filter(ae::record_type.eq_any(crate::webhooks::PUBLISHED_RECORDS))
        .filter(ae::action.not_like("%.personal_data_read"))
        .order(ae::seq.asc())
        .limit(limit)
        .into_boxed();
    q = match vis {
        Visibility::All => q,
        Visibility::Province(p) => q.filter(
            ae::region_code
                .eq(p.to_string())
                .or(ae::region_code.like(format!("{p}.%"))),
        ),
        Visibility::Region(r) => q.filter(ae::region_code.eq(r.to_string())),
    };
    if let Some(t) = record_type {
        q = q.filter(ae::record_type.eq(t.to_owned()));
    }
    if let Some(r) = record_id {
        q = q.filter(ae::record_id.eq(r.to_owned()));
    }
    if let Some(s) = since {
        q = q.filter(ae::occurred_at.ge(s));
    }
    if let Some(a) = after {
        q = q.filter(ae::seq.gt(a));
    }
    Ok(q.load::<Row>(conn)?.into_iter().map(from_row).collect())
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
    let (head_seq, head_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
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
            .select(columns!())
            .filter(ae::seq.ge(expected_seq))
            .order(ae::seq.asc())
            .limit(1000)
            .load::<Row>(conn)?
            .into_iter()
            .map(from_row)
            .collect();
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
        .select(columns!())
        .filter(ae::record_type.eq(record_type))
        .filter(ae::record_id.eq(record_id))
        .order(ae::seq.asc())
        .load::<Row>(conn)?
        .into_iter()
        .map(from_row)
        .collect())
}
