//! The holiday calendar as data an administrator maintains: each load of a year's national
//! holidays and *cuti bersama* is a new version of that year; the newest is in force, the
//! older ones stay readable. The built-in CSV seeds version 1 of each year it lists that has
//! none.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::{DayOff, DayOffKind};

use crate::crud::inserted;
use crate::db::{DbConnection, DbError};
use crate::schema::{calendar_days, calendar_year_versions as cyv};
use crate::text::Stored;

/// Who loaded the built-in versions.
pub const BUILT_IN_LOADER: &str = "system";

/// One version of a year's days off, without the days.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = cyv)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct YearVersion {
    pub year: i32,
    pub version: i32,
    pub decree_number: Option<String>,
    pub decree_date: Option<NaiveDate>,
    pub source_note: String,
    /// `built_in` or `loaded`.
    pub source: String,
    pub loaded_by: String,
    pub loaded_at: NaiveDateTime,
    pub day_count: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_days)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct DayRow {
    year: i32,
    version: i32,
    day: NaiveDate,
    name_id: String,
    #[diesel(deserialize_as = Stored<DayOffKind>, serialize_as = Stored<DayOffKind>)]
    kind: DayOffKind,
}

/// The newest of each key's `versions` (given oldest first), in key order: the version in
/// force of each year (national) or of each region's year.
pub(crate) fn newest<K: Ord, V>(versions: Vec<V>, key: impl Fn(&V) -> K) -> Vec<V> {
    let mut by_key = BTreeMap::new();
    for v in versions {
        by_key.insert(key(&v), v);
    }
    by_key.into_values().collect()
}

/// The `days` whose `(key, version)` is in `current` (the versions in force by key).
pub(crate) fn in_force<K: Ord, D>(
    current: impl IntoIterator<Item = (K, i32)>,
    days: Vec<D>,
    key: impl Fn(&D) -> (K, i32),
) -> Vec<D> {
    let current: BTreeMap<K, i32> = current.into_iter().collect();
    days.into_iter()
        .filter(|d| {
            let (k, version) = key(d);
            current.get(&k) == Some(&version)
        })
        .collect()
}

impl From<DayRow> for DayOff {
    fn from(r: DayRow) -> Self {
        DayOff {
            date: r.day,
            name_id: r.name_id,
            kind: r.kind,
        }
    }
}

/// Stores `v` with its `days` (each must lie in `v.year`); when that version exists already
/// (two writers at once) nothing is stored and `false` is returned (on PostgreSQL the
/// transaction must then end).
pub fn insert_version(
    conn: &mut DbConnection,
    v: &YearVersion,
    days: &[DayOff],
) -> Result<bool, DbError> {
    if !inserted(diesel::insert_into(cyv::table).values(v).execute(conn))? {
        return Ok(false);
    }
    for d in days {
        diesel::insert_into(calendar_days::table)
            .values(DayRow {
                year: v.year,
                version: v.version,
                day: d.date,
                name_id: d.name_id.clone(),
                kind: d.kind,
            })
            .execute(conn)?;
    }
    Ok(true)
}

/// A version's `day_count` of `n` days.
pub fn day_count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Every version of every year, oldest first.
pub fn all_versions(conn: &mut DbConnection) -> Result<Vec<YearVersion>, DbError> {
    Ok(cyv::table
        .select(YearVersion::as_select())
        .order((cyv::year.asc(), cyv::version.asc()))
        .load(conn)?)
}

/// The version in force of each year (its newest), by year.
pub fn current_versions(conn: &mut DbConnection) -> Result<Vec<YearVersion>, DbError> {
    Ok(newest(all_versions(conn)?, |v| v.year))
}

/// The versions of `year`, oldest first.
pub fn versions_of(conn: &mut DbConnection, year: i32) -> Result<Vec<YearVersion>, DbError> {
    Ok(cyv::table
        .filter(cyv::year.eq(year))
        .select(YearVersion::as_select())
        .order(cyv::version.asc())
        .load(conn)?)
}

/// The days of one version of a year, in date order.
pub fn days_of(conn: &mut DbConnection, year: i32, version: i32) -> Result<Vec<DayOff>, DbError> {
    Ok(calendar_days::table
        .filter(calendar_days::year.eq(year))
        .filter(calendar_days::version.eq(version))
        .select(DayRow::as_select())
        .order(calendar_days::day.asc())
        .load(conn)?
        .into_iter()
        .map(DayOff::from)
        .collect())
}

/// The days off in force: the newest version of each year, in date order.
pub fn current_days(conn: &mut DbConnection) -> Result<Vec<DayOff>, DbError> {
    let current = current_versions(conn)?
        .into_iter()
        .map(|v| (v.year, v.version));
    let days = calendar_days::table
        .select(DayRow::as_select())
        .order(calendar_days::day.asc())
        .load(conn)?;
    Ok(in_force(current, days, |r| (r.year, r.version))
        .into_iter()
        .map(DayOff::from)
        .collect())
}

/// How many versions are stored: it grows with every load, so a server whose calendar was
/// built at another count rebuilds it (several server processes).
pub fn counter(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(cyv::table.count().get_result(conn)?)
}

/// Seeds version 1 of each year of the built-in `days` that has no version yet; returns the
/// years seeded (each in its own transaction). A year an administrator loaded is never overwritten by the binary's data.
pub fn seed_built_in(
    conn: &mut DbConnection,
    days: &[DayOff],
    now: NaiveDateTime,
) -> Result<Vec<i32>, DbError> {
    let mut by_year: BTreeMap<i32, Vec<DayOff>> = BTreeMap::new();
    for d in days {
        by_year.entry(d.date.year()).or_default().push(d.clone());
    }
    let present: Vec<i32> = cyv::table.select(cyv::year).distinct().load(conn)?;
    let mut seeded = Vec::new();
    for (year, days) in by_year.into_iter().filter(|(y, _)| !present.contains(y)) {
        let v = YearVersion {
            year,
            version: 1,
            decree_number: None,
            decree_date: None,
            source_note:
                "built-in data compiled into the binary (persistence/reference/holidays_id.csv)"
                    .into(),
            source: "built_in".into(),
            loaded_by: BUILT_IN_LOADER.into(),
            loaded_at: now,
            day_count: day_count(days.len()),
        };
        // One transaction per year: a server seeding at the same time wins that year.
        if crate::db::write_transaction(conn, |c| insert_version(c, &v, &days))? {
            seeded.push(year);
        }
    }
    Ok(seeded)
}
