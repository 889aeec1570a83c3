//! Annual reports (R21, R22): one per region and fiscal year; the content is frozen as JSON
//! when the report is submitted.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use jalin_domain::access::Visibility;
use jalin_domain::monitoring::annual_report::ReportStatus;
use jalin_domain::RegionCode;
use serde_json::Value;

use crate::db::{DbConnection, DbError};
use crate::schema::annual_reports as ar;
use crate::text::{JsonOpt, JsonTextOpt, Stored};

crate::text::stored_by_code! { ReportStatus => "annual report status" }

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ar, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AnnualReport {
    pub id: String,
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    pub region_code: RegionCode,
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    pub province_code: RegionCode,
    pub fiscal_year: i32,
    pub due_on: NaiveDate,
    #[diesel(deserialize_as = Stored<ReportStatus>, serialize_as = Stored<ReportStatus>)]
    pub status: ReportStatus,
    /// What the report says, frozen when it is submitted; `None` while a draft.
    #[diesel(deserialize_as = JsonOpt<Value>, serialize_as = JsonTextOpt)]
    pub content: Option<Value>,
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

macro_rules! visible {
    ($q:expr, $vis:expr) => {
        match $vis {
            Visibility::All => $q,
            Visibility::Province(p) => $q.filter(ar::province_code.eq(p.to_string())),
            Visibility::Region(r) => $q.filter(ar::region_code.eq(r.to_string())),
        }
    };
}

/// Inserts `r`; `false` when its region already has a report for that year (a concurrent
/// start that the caller's check could not see).
pub fn insert(conn: &mut DbConnection, r: &AnnualReport) -> Result<bool, DbError> {
    match diesel::insert_into(ar::table)
        .values(r.clone())
        .execute(conn)
    {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Saves `r` if its stored version is still `expected`.
pub fn save(conn: &mut DbConnection, r: &AnnualReport, expected: i64) -> Result<bool, DbError> {
    let n = diesel::update(
        ar::table
            .filter(ar::id.eq(&r.id))
            .filter(ar::version.eq(expected)),
    )
    .set(r.clone())
    .execute(conn)?;
    Ok(n == 1)
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<AnnualReport>, DbError> {
    let q = ar::table
        .select(AnnualReport::as_select())
        .filter(ar::id.eq(id.to_owned()))
        .into_boxed();
    Ok(visible!(q, vis).first(conn).optional()?)
}

/// The report of `region` for `fiscal_year`, if one was started.
pub fn find_of(
    conn: &mut DbConnection,
    region: &RegionCode,
    fiscal_year: i32,
) -> Result<Option<AnnualReport>, DbError> {
    Ok(ar::table
        .select(AnnualReport::as_select())
        .filter(ar::region_code.eq(region.as_str()))
        .filter(ar::fiscal_year.eq(fiscal_year))
        .first(conn)
        .optional()?)
}

/// Reports within `vis`, optionally of one fiscal year and one region (with its regencies when
/// it is a province), ordered by id (the cursor key).
pub fn list(
    conn: &mut DbConnection,
    vis: &Visibility,
    fiscal_year: Option<i32>,
    region: Option<&RegionCode>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<AnnualReport>, DbError> {
    let mut q = ar::table
        .select(AnnualReport::as_select())
        .order(ar::id.asc())
        .limit(limit)
        .into_boxed();
    q = visible!(q, vis);
    if let Some(y) = fiscal_year {
        q = q.filter(ar::fiscal_year.eq(y));
    }
    q = match region {
        None => q,
        Some(r) if r.is_province() => q.filter(ar::province_code.eq(r.to_string())),
        Some(r) => q.filter(ar::region_code.eq(r.to_string())),
    };
    if let Some(a) = after {
        q = q.filter(ar::id.gt(a.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// Every report of `fiscal_year` within `vis` (for the compliance overview and reminders).
pub fn of_year(
    conn: &mut DbConnection,
    vis: &Visibility,
    fiscal_year: i32,
) -> Result<Vec<AnnualReport>, DbError> {
    let q = ar::table
        .select(AnnualReport::as_select())
        .filter(ar::fiscal_year.eq(fiscal_year))
        .into_boxed();
    Ok(visible!(q, vis).load(conn)?)
}
