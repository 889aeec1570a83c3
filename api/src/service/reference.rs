//! Reference data: regions (Kemendagri codes), countries (ISO 3166-1) and the working-day
//! calendar (read; the holiday years are loaded through `service::calendar`).

use chrono::NaiveDate;
use jalin_domain::{Calendar, Country, CountryCode, DayOff, RecordKind, Region, RegionCode};
use jalin_persistence::reference::{self, CountryFilter, RegionFilter};
use jalin_persistence::DbConnection;

use crate::error::ApiError;
use crate::reply::OrNotFound;

pub fn regions(
    c: &mut DbConnection,
    filter: &RegionFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Region>, ApiError> {
    Ok(reference::list_regions(c, filter, after, limit)?)
}

/// A region by its code; a malformed code names no region (404).
pub fn region(c: &mut DbConnection, code: &str) -> Result<Region, ApiError> {
    let found = match RegionCode::parse(code) {
        Ok(r) => reference::get_region(c, &r)?,
        Err(_) => None,
    };
    found.or_not_found(RecordKind::Region, code)
}

pub fn countries(
    c: &mut DbConnection,
    filter: &CountryFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Country>, ApiError> {
    Ok(reference::list_countries(c, filter, after, limit)?)
}

/// A country by its ISO 3166-1 alpha-2 code, in either case; a malformed code is a 404.
pub fn country(c: &mut DbConnection, iso2: &str) -> Result<Country, ApiError> {
    let found = match CountryCode::parse(iso2) {
        Ok(code) => reference::get_country(c, &code)?,
        Err(_) => None,
    };
    found.or_not_found(RecordKind::Country, iso2)
}

/// The national holidays and *cuti bersama* of a year the calendar covers: for another year an
/// empty list would read as "no holidays", so it is refused (`calendar_out_of_range`).
pub fn holidays(c: &mut DbConnection, cal: &Calendar, year: i32) -> Result<Vec<DayOff>, ApiError> {
    let day = |m, d| {
        NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| {
            ApiError::invalid_parameter("year", "range", "not a valid year", "tahun tidak valid")
        })
    };
    let (from, to) = (day(1, 1)?, day(12, 31)?);
    cal.is_working_day(from)?;
    Ok(reference::days_off_between(c, from, to)?)
}

/// With `to`: the working days after `from` up to `to`; with `add`: the date `add` working days
/// after `from`. Either gives `(to, working days, provisional)`; past the loaded years it is
/// refused unless `allow_provisional`, then estimated on weekends alone and flagged.
pub fn working_days(
    cal: &Calendar,
    from: NaiveDate,
    to: Option<NaiveDate>,
    add: Option<u32>,
    allow_provisional: bool,
) -> Result<(NaiveDate, u32, bool), ApiError> {
    match (to, add) {
        (Some(to), None) if allow_provisional => {
            let n = cal.working_days_between_estimated(from, to)?;
            Ok((to, n.value, n.provisional))
        }
        (None, Some(add)) if allow_provisional => {
            let d = cal.add_working_days_estimated(from, add)?;
            Ok((d.value, add, d.provisional))
        }
        (Some(to), None) => Ok((to, cal.working_days_between(from, to)?, false)),
        (None, Some(add)) => Ok((cal.add_working_days(from, add)?, add, false)),
        (Some(_), Some(_)) => Err(ApiError::invalid_parameter(
            "add",
            "exclusive",
            "give either `to` or `add`, not both",
            "isi `to` atau `add`, tidak keduanya",
        )),
        (None, None) => Err(ApiError::invalid_parameter(
            "to",
            "required",
            "give `to` (count working days) or `add` (find a date)",
            "isi `to` (hitung hari kerja) atau `add` (cari tanggal)",
        )),
    }
}
