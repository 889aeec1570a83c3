//! Evaluations of agreements. The answers are JSON; the total and category are stored when the
//! evaluation is submitted so reports can count them without rescoring.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;

use crate::db::{DbConnection, DbError};
use crate::schema::evaluations as ev;

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Evaluation {
    pub id: String,
    pub agreement_id: String,
    pub region_code: String,
    pub province_code: String,
    pub instrument_key: String,
    pub instrument_version: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub status: String,
    /// JSON: indicator and criterion answers with notes and evidence.
    pub answers: String,
    pub summary: Option<String>,
    pub total: Option<String>,
    pub category: Option<String>,
    pub review_note: Option<String>,
    pub created_by: String,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

macro_rules! columns {
    () => {
        (
            ev::id,
            ev::agreement_id,
            ev::region_code,
            ev::province_code,
            ev::instrument_key,
            ev::instrument_version,
            ev::period_start,
            ev::period_end,
            ev::status,
            ev::answers,
            ev::summary,
            ev::total,
            ev::category,
            ev::review_note,
            ev::created_by,
            ev::submitted_by,
            ev::submitted_at,
            ev::verified_by,
            ev::verified_at,
            ev::version,
            ev::created_at,
            ev::updated_at,
        )
    };
}

pub fn insert(conn: &mut DbConnection, e: &Evaluation) -> Result<(), DbError> {
    diesel::insert_into(ev::table)
        .values((
            ev::id.eq(&e.id),
            ev::agreement_id.eq(&e.agreement_id),
            ev::region_code.eq(&e.region_code),
            ev::province_code.eq(&e.province_code),
            ev::instrument_key.eq(&e.instrument_key),
            ev::instrument_version.eq(e.instrument_version),
            ev::period_start.eq(e.period_start),
            ev::period_end.eq(e.period_end),
            ev::status.eq(&e.status),
            ev::answers.eq(&e.answers),
            ev::summary.eq(&e.summary),
            ev::total.eq(&e.total),
            ev::category.eq(&e.category),
            ev::review_note.eq(&e.review_note),
            ev::created_by.eq(&e.created_by),
            ev::submitted_by.eq(&e.submitted_by),
            ev::submitted_at.eq(e.submitted_at),
            ev::verified_by.eq(&e.verified_by),
            ev::verified_at.eq(e.verified_at),
            ev::version.eq(e.version),
            ev::created_at.eq(e.created_at),
            ev::updated_at.eq(e.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Writes every mutable field if the version is still `expected`.
pub fn save(conn: &mut DbConnection, e: &Evaluation, expected: i64) -> Result<bool, DbError> {
    let n = diesel::update(
        ev::table
            .filter(ev::id.eq(&e.id))
            .filter(ev::version.eq(expected)),
    )
    .set((
        ev::period_start.eq(e.period_start),
        ev::period_end.eq(e.period_end),
        ev::status.eq(&e.status),
        ev::answers.eq(&e.answers),
        ev::summary.eq(&e.summary),
        ev::total.eq(&e.total),
        ev::category.eq(&e.category),
        ev::review_note.eq(&e.review_note),
        ev::submitted_by.eq(&e.submitted_by),
        ev::submitted_at.eq(e.submitted_at),
        ev::verified_by.eq(&e.verified_by),
        ev::verified_at.eq(e.verified_at),
        ev::version.eq(e.version),
        ev::updated_at.eq(e.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete(conn: &mut DbConnection, id: &str, expected: i64) -> Result<bool, DbError> {
    Ok(diesel::delete(
        ev::table
            .filter(ev::id.eq(id))
            .filter(ev::version.eq(expected)),
    )
    .execute(conn)?
        == 1)
}

/// An evaluation, if its agreement's region is visible.
pub fn find(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<Evaluation>, DbError> {
    let q = ev::table
        .select(columns!())
        .filter(ev::id.eq(id.to_owned()))
        .into_boxed();
    let q = match vis {
        Visibility::All => q,
        Visibility::Province(p) => q.filter(ev::province_code.eq(p.to_string())),
        Visibility::Region(r) => q.filter(ev::region_code.eq(r.to_string())),
    };
    Ok(q.first::<Evaluation>(conn).optional()?)
}

/// The evaluations of an agreement, newest period first.
pub fn for_agreement(
    conn: &mut DbConnection,
    agreement_id: &str,
) -> Result<Vec<Evaluation>, DbError> {
    Ok(ev::table
        .select(columns!())
        .filter(ev::agreement_id.eq(agreement_id))
        .order((ev::period_end.desc(), ev::id.desc()))
        .load::<Evaluation>(conn)?)
}

/// Submitted or verified evaluations within `vis` whose period ends within `[from, to]`.
pub fn completed_in(
    conn: &mut DbConnection,
    vis: &Visibility,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Evaluation>, DbError> {
    let q = ev::table
        .select(columns!())
        .filter(ev::status.ne("draft"))
        .filter(ev::period_end.ge(from))
        .filter(ev::period_end.le(to))
        .order(ev::id)
        .into_boxed();
    let q = match vis {
        Visibility::All => q,
        Visibility::Province(p) => q.filter(ev::province_code.eq(p.to_string())),
        Visibility::Region(r) => q.filter(ev::region_code.eq(r.to_string())),
    };
    Ok(q.load::<Evaluation>(conn)?)
}
