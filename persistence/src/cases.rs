//! Workflow cases, stored as the domain's `Case` in JSON with a version for If-Match.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;

use crate::db::{DbConnection, DbError};
use crate::schema::{agreements as ag, workflow_cases as wc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCase {
    pub agreement_id: String,
    pub definition_key: String,
    pub definition_version: i32,
    pub status: String,
    pub current_stage: Option<String>,
    pub stage_due_on: Option<NaiveDate>,
    /// The domain `Case` as JSON.
    pub state: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

type Row = (
    String,
    String,
    i32,
    String,
    Option<String>,
    Option<NaiveDate>,
    String,
    i64,
    NaiveDateTime,
    NaiveDateTime,
);

fn from_row(r: Row) -> StoredCase {
    StoredCase {
        agreement_id: r.0,
        definition_key: r.1,
        definition_version: r.2,
        status: r.3,
        current_stage: r.4,
        stage_due_on: r.5,
        state: r.6,
        version: r.7,
        created_at: r.8,
        updated_at: r.9,
    }
}

macro_rules! columns {
    () => {
        (
            wc::agreement_id,
            wc::definition_key,
            wc::definition_version,
            wc::status,
            wc::current_stage,
            wc::stage_due_on,
            wc::state,
            wc::version,
            wc::created_at,
            wc::updated_at,
        )
    };
}

pub fn find(conn: &mut DbConnection, agreement_id: &str) -> Result<Option<StoredCase>, DbError> {
    Ok(wc::table
        .select(columns!())
        .filter(wc::agreement_id.eq(agreement_id))
        .first::<Row>(conn)
        .optional()?
        .map(from_row))
}

pub fn insert(conn: &mut DbConnection, c: &StoredCase) -> Result<(), DbError> {
    diesel::insert_into(wc::table)
        .values((
            wc::agreement_id.eq(&c.agreement_id),
            wc::definition_key.eq(&c.definition_key),
            wc::definition_version.eq(c.definition_version),
            wc::status.eq(&c.status),
            wc::current_stage.eq(&c.current_stage),
            wc::stage_due_on.eq(c.stage_due_on),
            wc::state.eq(&c.state),
            wc::version.eq(c.version),
            wc::created_at.eq(c.created_at),
            wc::updated_at.eq(c.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Saves `c` if the stored version is still `expected`.
pub fn save(conn: &mut DbConnection, c: &StoredCase, expected: i64) -> Result<bool, DbError> {
    let n = diesel::update(
        wc::table
            .filter(wc::agreement_id.eq(&c.agreement_id))
            .filter(wc::version.eq(expected)),
    )
    .set((
        wc::status.eq(&c.status),
        wc::current_stage.eq(&c.current_stage),
        wc::stage_due_on.eq(c.stage_due_on),
        wc::state.eq(&c.state),
        wc::version.eq(c.version),
        wc::updated_at.eq(c.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Running cases whose current stage is one of `stages`, within `vis`, soonest due first.
pub fn waiting(
    conn: &mut DbConnection,
    vis: &Visibility,
    stages: &[&str],
    limit: i64,
) -> Result<Vec<(StoredCase, String, String)>, DbError> {
    let mut q = wc::table
        .inner_join(ag::table)
        .select((columns!(), ag::reference_number, ag::region_code))
        .filter(wc::status.eq("running"))
        .filter(wc::current_stage.eq_any(stages))
        .order((
            wc::stage_due_on.is_null(),
            wc::stage_due_on.asc(),
            wc::updated_at.asc(),
        ))
        .limit(limit)
        .into_boxed();
    q = match vis {
        Visibility::All => q,
        Visibility::Province(p) => q.filter(ag::province_code.eq(p.to_string())),
        Visibility::Region(r) => q.filter(ag::region_code.eq(r.to_string())),
    };
    Ok(q.load::<(Row, String, String)>(conn)?
        .into_iter()
        .map(|(r, reference, region)| (from_row(r), reference, region))
        .collect())
}

/// Sets an agreement's status (the workflow's outcome).
pub fn set_agreement_status(
    conn: &mut DbConnection,
    agreement_id: &str,
    status: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(ag::table.find(agreement_id))
        .set((
            ag::status.eq(status),
            ag::version.eq(ag::version + 1),
            ag::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records the signing on the agreement: active from its effective date.
pub fn record_signing(
    conn: &mut DbConnection,
    agreement_id: &str,
    signed_on: NaiveDate,
    place: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(ag::table.find(agreement_id))
        .set((
            ag::status.eq("active"),
            ag::signed_on.eq(Some(signed_on)),
            ag::signed_place.eq(Some(place)),
            ag::effective_from.eq(Some(signed_on)),
            ag::version.eq(ag::version + 1),
            ag::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
