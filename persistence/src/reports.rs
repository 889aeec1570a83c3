//! Annual reports (R21, R22): one per region and fiscal year; the content is frozen as JSON
//! when the report is submitted.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;

use crate::db::{DbConnection, DbError};
use crate::schema::annual_reports as ar;

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AnnualReport {
    pub id: String,
    pub region_code: String,
    pub province_code: String,
    pub fiscal_year: i32,
    pub due_on: NaiveDate,
    pub status: String,
    pub content: Option<String>,
    pub notes: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_on: Option<NaiveDate>,
    pub on_time: Option<bool>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

macro_rules! columns {
    () => {
        (
            ar::id,
            ar::region_code,
            ar::province_code,
            ar::fiscal_year,
            ar::due_on,
            ar::status,
            ar::content,
            ar::notes,
            ar::submitted_by,
            ar::submitted_at,
            ar::submitted_on,
            ar::on_time,
            ar::created_by,
            ar::version,
            ar::created_at,
            ar::updated_at,
        )
    };
}

macro_rules! visible {
    ($q:expr, $vis:expr) => {
        match $vis {
            Visibility::All => $q,
            Visibility::Province(p) => $q.filter(ar::province_code.eq(p.to_string())),
            Visibility::Region(r) => $q.filter(ar::region_code.eq(r.to_string())),
        }
    };
}

/// Inserts a report; `false` if the region already has one for that year.
pub fn insert(conn: &mut DbConnection, r: &AnnualReport) -> Result<bool, DbError> {
    let exists = ar::table
        .filter(ar::region_code.eq(&r.region_code))
        .filter(ar::fiscal_year.eq(r.fiscal_year))
        .select(ar::id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if exists {
        return Ok(false);
    }
    diesel::insert_into(ar::table)
        .values((
            ar::id.eq(&r.id),
            ar::region_code.eq(&r.region_code),
            ar::province_code.eq(&r.province_code),
            ar::fiscal_year.eq(r.fiscal_year),
            ar::due_on.eq(r.due_on),
            ar::status.eq(&r.status),
            ar::content.eq(&r.content),
            ar::notes.eq(&r.notes),
            ar::submitted_by.eq(&r.submitted_by),
            ar::submitted_at.eq(r.submitted_at),
            ar::submitted_on.eq(r.submitted_on),
            ar::on_time.eq(r.on_time),
            ar::created_by.eq(&r.created_by),
            ar::version.eq(r.version),
            ar::created_at.eq(r.created_at),
            ar::updated_at.eq(r.updated_at),
        ))
        .execute(conn)?;
    Ok(true)
}

pub fn save(conn: &mut DbConnection, r: &AnnualReport, expected: i64) -> Result<bool, DbError> {
    let n = diesel::update(
        ar::table
            .filter(ar::id.eq(&r.id))
            .filter(ar::version.eq(expected)),
    )
    .set((
        ar::status.eq(&r.status),
        ar::content.eq(&r.content),
        ar::notes.eq(&r.notes),
        ar::submitted_by.eq(&r.submitted_by),
        ar::submitted_at.eq(r.submitted_at),
        ar::submitted_on.eq(r.submitted_on),
        ar::on_time.eq(r.on_time),
        ar::version.eq(r.version),
        ar::updated_at.eq(r.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<AnnualReport>, DbError> {
    let q = ar::table
        .select(columns!())
        .filter(ar::id.eq(id.to_owned()))
        .into_boxed();
    Ok(visible!(q, vis).first::<AnnualReport>(conn).optional()?)
}

/// Reports within `vis`, optionally of one fiscal year and one region (with its regencies when
/// it is a province), ordered by id (the cursor key).
pub fn list(
    conn: &mut DbConnection,
    vis: &Visibility,
    fiscal_year: Option<i32>,
    region: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<AnnualReport>, DbError> {
    let mut q = ar::table
        .select(columns!())
        .order(ar::id.asc())
        .limit(limit)
        .into_boxed();
    q = visible!(q, vis);
    if let Some(y) = fiscal_year {
        q = q.filter(ar::fiscal_year.eq(y));
    }
    if let Some(r) = region {
        q = if r.contains('.') {
            q.filter(ar::region_code.eq(r.to_owned()))
        } else {
            q.filter(ar::province_code.eq(r.to_owned()))
        };
    }
    if let Some(a) = after {
        q = q.filter(ar::id.gt(a.to_owned()));
    }
    Ok(q.load::<AnnualReport>(conn)?)
}

/// Every report of `fiscal_year` within `vis` (for the compliance overview).
pub fn of_year(
    conn: &mut DbConnection,
    vis: &Visibility,
    fiscal_year: i32,
) -> Result<Vec<AnnualReport>, DbError> {
    let q = ar::table
        .select(columns!())
        .filter(ar::fiscal_year.eq(fiscal_year))
        .into_boxed();
    Ok(visible!(q, vis).load::<AnnualReport>(conn)?)
}
