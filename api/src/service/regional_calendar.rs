//! A region's own days off (issue #17 item 4), maintained like the national years: list a
//! region's years, read one with its history, load a year's new version (HTTP
//! `PUT /v1/calendar/regions/{region_code}/years/{year}` and the CLI
//! `jalin calendar import --region CODE`), then recompute the stored due dates of the running
//! cases and annual reports of the regions the days apply to (a province's: the province and
//! its regencies/cities; a regency's/city's: itself), each on its region's calendar.

use chrono::NaiveDate;
use jalin_domain::access::Visibility;
use jalin_domain::calendar::{regional_year_problems, CalendarPolicy, RegionalDayOff};
use jalin_domain::{AuditAction, RecordKind, RegionCode};
use jalin_persistence::calendar::day_count;
use jalin_persistence::regional_calendar::{self as stored, RegionalYearVersion};
use jalin_persistence::DbConnection;
use serde_json::json;

use crate::concurrency::Etag;
use crate::error::ApiError;
use crate::service::calendar::{
    after_load, parse_csv_rows, year_of_file, Decree, ImportError, LoadError, Loaded, Versions,
    YearInput,
};
use crate::service::Ctx;

/// A region's year with its version in force, its days and its history (oldest first).
pub type RegionalYearRecord = Versions<RegionalYearVersion, RegionalDayOff>;

/// The ETag of a region's year: its version in force.
pub fn etag(v: &RegionalYearVersion) -> Etag {
    Etag::for_version(
        &format!(
            "regional_calendar_year:{}:{}",
            v.region_code.as_str(),
            v.year
        ),
        i64::from(v.version),
    )
}

/// The region of a path: well-formed and known, else 404 (reference data: anyone reads it).
fn known_region(c: &mut DbConnection, code: &str) -> Result<RegionCode, ApiError> {
    Ok(crate::service::reference::region(c, code)?.code)
}

/// Each year of `region` with its version in force; 404 for an unknown region.
pub fn years(c: &mut DbConnection, region: &str) -> Result<Vec<RegionalYearVersion>, ApiError> {
    let region = known_region(c, region)?;
    Ok(stored::current_versions(c, Some(&region))?)
}

/// A region's year with its days and history; 404 for a year the region never loaded.
pub fn year(c: &mut DbConnection, region: &str, year: i32) -> Result<RegionalYearRecord, ApiError> {
    let region = known_region(c, region)?;
    let history = stored::versions_of(c, &region, year)?;
    let id = format!("{}/{year}", region.as_str());
    Versions::read(history, (RecordKind::RegionalCalendarYear, &id), |v| {
        stored::days_of(c, &region, year, v.version)
    })
}

/// What a region loads: its decree and its days (names only: every regional day is off).
pub type RegionalYearInput = YearInput<(NaiveDate, String)>;

/// What a load did.
pub type RegionalLoaded = Loaded<RegionalYearRecord>;

/// Loads `input` as the next version of `region`'s `year` (version 1 for a new one), audited,
/// for a principal who may manage regional calendars within `vis`: a region outside it is 404,
/// as if it did not exist. `check` receives the ETag of the version in force (`None`: new).
/// Then recomputes the stored due dates of the running cases and the annual reports (of the
/// fiscal year before `year`) in the regions the days apply to, each change audited.
#[allow(clippy::too_many_arguments)]
pub fn load_year(
    c: &mut DbConnection,
    ctx: &Ctx,
    policy: CalendarPolicy,
    vis: &Visibility,
    region: &str,
    year: i32,
    input: RegionalYearInput,
    check: impl FnOnce(Option<&Etag>) -> Result<(), ApiError>,
) -> Result<RegionalLoaded, LoadError> {
    let region = RegionCode::parse(region)
        .ok()
        .filter(|r| vis.includes(Some(r)))
        .ok_or_else(|| ApiError::not_found(RecordKind::Region, region))?;
    known_region(c, region.as_str())?;
    let mut days: Vec<RegionalDayOff> = input
        .days
        .into_iter()
        .map(|(date, name_id)| RegionalDayOff {
            region: region.clone(),
            date,
            name_id,
        })
        .collect();
    let problems = regional_year_problems(year, &days);
    if !problems.is_empty() {
        return Err(LoadError::Days(problems));
    }
    let history = stored::versions_of(c, &region, year)?;
    let before = history.last();
    check(before.map(etag).as_ref())?;
    days.sort_by_key(|d| d.date);
    let decree = input.decree.cleaned();
    let v = RegionalYearVersion {
        region_code: region.clone(),
        year,
        version: before.map_or(1, |b| b.version + 1),
        decree_number: decree.decree_number,
        decree_date: decree.decree_date,
        source_note: decree.source_note,
        loaded_by: ctx.actor.name.clone(),
        loaded_at: ctx.now(),
        day_count: day_count(days.len()),
    };
    if !stored::insert_version(c, &v, &days)? {
        return Err(ApiError::PreconditionFailed.into());
    }
    let before_days = match before {
        Some(b) => stored::days_of(c, &region, year, b.version)?,
        None => Vec::new(),
    };
    ctx.audit(
        c,
        AuditAction::RegionalCalendarYearLoaded,
        (
            RecordKind::RegionalCalendarYear,
            &format!("{}/{year}", region.as_str()),
        ),
        Some(region.as_str()),
        json!({
            "version": {"before": before.map(|b| b.version), "after": v.version},
            "decree_number": {"before": before.and_then(|b| b.decree_number.clone()), "after": v.decree_number},
            "decree_date": {"before": before.and_then(|b| b.decree_date), "after": v.decree_date},
            "days": {
                "before": before_days.iter().map(|d| d.date).collect::<Vec<_>>(),
                "after": days.iter().map(|d| d.date).collect::<Vec<_>>(),
            },
        }),
    )?;
    let applies = |r: &RegionCode| applies_to(&region, r);
    after_load(c, ctx, policy, year, applies, |c| {
        self::year(c, region.as_str(), year)
    })
}

/// Whether the days of `loaded` apply to a record placed in `region` (the domain's rule).
fn applies_to(loaded: &RegionCode, region: &RegionCode) -> bool {
    RegionalDayOff {
        region: loaded.clone(),
        date: NaiveDate::MIN,
        name_id: String::new(),
    }
    .applies_to(region)
}

/// `jalin calendar import --region CODE`: reads a CSV file of one year of a region's days off
/// (`date,name_id`) and loads it as the next version of that region's year (the operator at
/// the console acts for every region: no ETag). Every bad row is reported by its line.
pub fn import_csv(
    c: &mut DbConnection,
    ctx: &Ctx,
    policy: CalendarPolicy,
    region: &str,
    text: &str,
    decree: Decree,
) -> Result<RegionalLoaded, ImportError> {
    let rows = parse_csv_rows(text, false).map_err(ImportError::Rows)?;
    let year = year_of_file(&rows)?;
    let input = RegionalYearInput {
        decree,
        days: rows.into_iter().map(|d| (d.date, d.name_id)).collect(),
    };
    let all = &Visibility::All;
    Ok(load_year(c, ctx, policy, all, region, year, input, |_| {
        Ok(())
    })?)
}
