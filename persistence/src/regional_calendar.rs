//! Regional days off (issue #17 item 4): each load of a region's year is a new version of that
//! region's year; the newest is in force, the older ones stay readable.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::calendar::RegionalDayOff;
use jalin_domain::RegionCode;

use crate::calendar::{in_force, newest};
use crate::crud::inserted;
use crate::db::{DbConnection, DbError};
use crate::schema::{regional_calendar_versions as rcv, regional_days_off as rdo};
use crate::text::Stored;

/// One version of a region's year, without the days.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = rcv)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RegionalYearVersion {
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    pub region_code: RegionCode,
    pub year: i32,
    pub version: i32,
    pub decree_number: Option<String>,
    pub decree_date: Option<NaiveDate>,
    pub source_note: String,
    pub loaded_by: String,
    pub loaded_at: NaiveDateTime,
    pub day_count: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rdo)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct DayRow {
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    region_code: RegionCode,
    year: i32,
    version: i32,
    day: NaiveDate,
    name_id: String,
}

impl From<DayRow> for RegionalDayOff {
    fn from(r: DayRow) -> Self {
        RegionalDayOff {
            region: r.region_code,
            date: r.day,
            name_id: r.name_id,
        }
    }
}

/// Stores `v` with its `days`; when that version exists already (two writers at once) nothing
/// is stored and `false` is returned (on PostgreSQL the transaction must then end).
pub fn insert_version(
    conn: &mut DbConnection,
    v: &RegionalYearVersion,
    days: &[RegionalDayOff],
) -> Result<bool, DbError> {
    if !inserted(
        diesel::insert_into(rcv::table)
            .values(v.clone())
            .execute(conn),
    )? {
        return Ok(false);
    }
    for d in days {
        diesel::insert_into(rdo::table)
            .values(DayRow {
                region_code: v.region_code.clone(),
                year: v.year,
                version: v.version,
                day: d.date,
                name_id: d.name_id.clone(),
            })
            .execute(conn)?;
    }
    Ok(true)
}

/// The version in force of each year of `region` (or of every region), by region and year.
pub fn current_versions(
    conn: &mut DbConnection,
    region: Option<&RegionCode>,
) -> Result<Vec<RegionalYearVersion>, DbError> {
    let mut q = rcv::table
        .select(RegionalYearVersion::as_select())
        .into_boxed();
    if let Some(r) = region {
        q = q.filter(rcv::region_code.eq(r.as_str().to_owned()));
    }
    let versions = q
        .order((rcv::region_code.asc(), rcv::year.asc(), rcv::version.asc()))
        .load(conn)?;
    Ok(newest(versions, |v: &RegionalYearVersion| {
        (v.region_code.as_str().to_owned(), v.year)
    }))
}

/// The versions of `region`'s `year`, oldest first.
pub fn versions_of(
    conn: &mut DbConnection,
    region: &RegionCode,
    year: i32,
) -> Result<Vec<RegionalYearVersion>, DbError> {
    Ok(rcv::table
        .filter(rcv::region_code.eq(region.as_str().to_owned()))
        .filter(rcv::year.eq(year))
        .select(RegionalYearVersion::as_select())
        .order(rcv::version.asc())
        .load(conn)?)
}

/// The days of one version of a region's year, in date order.
pub fn days_of(
    conn: &mut DbConnection,
    region: &RegionCode,
    year: i32,
    version: i32,
) -> Result<Vec<RegionalDayOff>, DbError> {
    Ok(rdo::table
        .filter(rdo::region_code.eq(region.as_str().to_owned()))
        .filter(rdo::year.eq(year))
        .filter(rdo::version.eq(version))
        .select(DayRow::as_select())
        .order(rdo::day.asc())
        .load(conn)?
        .into_iter()
        .map(RegionalDayOff::from)
        .collect())
}

/// Every region's days off in force: the newest version of each region's year.
pub fn current_days(conn: &mut DbConnection) -> Result<Vec<RegionalDayOff>, DbError> {
    let current = current_versions(conn, None)?
        .into_iter()
        .map(|v| ((v.region_code.as_str().to_owned(), v.year), v.version));
    let days = rdo::table
        .select(DayRow::as_select())
        .order(rdo::day.asc())
        .load(conn)?;
    Ok(in_force(current, days, |r: &DayRow| {
        ((r.region_code.as_str().to_owned(), r.year), r.version)
    })
    .into_iter()
    .map(RegionalDayOff::from)
    .collect())
}

/// How many regional versions are stored (part of the calendar's version counter).
pub fn counter(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(rcv::table.count().get_result(conn)?)
}
