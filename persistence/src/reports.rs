//! Annual reports (R21, R22): one per region and fiscal year; the content is frozen as JSON
//! when the report is submitted.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;
use jalin_domain::monitoring::annual_report::ReportStatus;
use jalin_domain::RegionCode;
use serde_json::Value;

use crate::crud::{Narrow, Page};
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

crate::crud::crud! {
    AnnualReport in ar by id;
    // `false`: the region already has a report for that year (a concurrent start the caller's
    // check could not see).
    insert_new as insert,
    save, find_visible as find,
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
        .into_boxed()
        .visible_to(vis, ar::province_code, ar::region_code)
        .within(region, ar::province_code, ar::region_code)
        .page_after(ar::id, after, limit);
    if let Some(y) = fiscal_year {
        q = q.filter(ar::fiscal_year.eq(y));
    }
    Ok(q.load(conn)?)
}

/// Sets a report's stored due date and on-time finding alone (recomputed on a newly loaded
/// calendar); the report's version is unchanged.
pub fn set_due_on(
    conn: &mut DbConnection,
    id: &str,
    due_on: NaiveDate,
    on_time: Option<bool>,
) -> Result<(), DbError> {
    diesel::update(ar::table.find(id))
        .set((ar::due_on.eq(due_on), ar::on_time.eq(on_time)))
        .execute(conn)?;
    Ok(())
}

/// Every report of `fiscal_year` within `vis` (for the compliance overview and reminders).
pub fn of_year(
    conn: &mut DbConnection,
    vis: &Visibility,
    fiscal_year: i32,
) -> Result<Vec<AnnualReport>, DbError> {
    Ok(ar::table
        .select(AnnualReport::as_select())
        .filter(ar::fiscal_year.eq(fiscal_year))
        .into_boxed()
        .visible_to(vis, ar::province_code, ar::region_code)
        .load(conn)?)
}
