//! Reference data: regions, countries and the holiday calendar, compiled into the binary from
//! `persistence/reference/*.csv` and loaded idempotently into the database.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use jalin_domain::{Country, CountryCode, DayOff, DayOffKind, Region, RegionCode, RegionKind};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::db::{write_transaction, DbConnection, DbError};
use crate::schema::{countries, holidays, reference_datasets, regions};

pub const REGIONS_CSV: &str = include_str!("../reference/regions.csv");
pub const COUNTRIES_CSV: &str = include_str!("../reference/countries.csv");
pub const HOLIDAYS_CSV: &str = include_str!("../reference/holidays_id.csv");

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    name: String,
    kind: String,
    parent_code: String,
}

#[derive(Deserialize)]
struct CountryRow {
    iso2: String,
    iso3: String,
    name_en: String,
    name_id: String,
    diplomatic_relations_with_indonesia: String,
}

#[derive(Deserialize)]
struct HolidayRow {
    date: String,
    name_id: String,
    kind: String,
}

fn rows<T: for<'de> Deserialize<'de>>(name: &str, csv_text: &str) -> Result<Vec<T>, DbError> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| DbError::Reference(format!("{name} row {}: {e}", i + 2))))
        .collect()
}

/// Parses and checks the embedded regions.
pub fn parse_regions(csv_text: &str) -> Result<Vec<Region>, DbError> {
    rows::<RegionRow>("regions.csv", csv_text)?
        .into_iter()
        .map(|r| {
            let bad = |m: String| DbError::Reference(format!("regions.csv {}: {m}", r.code));
            let region = Region {
                code: RegionCode::parse(&r.code).map_err(|e| bad(e.to_string()))?,
                name: r.name.clone(),
                kind: r.kind.parse::<RegionKind>().map_err(bad)?,
                parent_code: match r.parent_code.as_str() {
                    "" => None,
                    p => Some(RegionCode::parse(p).map_err(|e| bad(e.to_string()))?),
                },
            };
            region.check_consistent().map_err(bad)?;
            Ok(region)
        })
        .collect()
}

pub fn parse_countries(csv_text: &str) -> Result<Vec<Country>, DbError> {
    rows::<CountryRow>("countries.csv", csv_text)?
        .into_iter()
        .map(|r| {
            let bad = |m: String| DbError::Reference(format!("countries.csv {}: {m}", r.iso2));
            Ok(Country {
                iso2: CountryCode::parse(&r.iso2).map_err(|e| bad(e.to_string()))?,
                iso3: r.iso3.clone(),
                name_en: r.name_en.clone(),
                name_id: r.name_id.clone(),
                diplomatic_relations: match r.diplomatic_relations_with_indonesia.as_str() {
                    "true" => true,
                    "false" => false,
                    other => return Err(bad(format!("relations flag `{other}`"))),
                },
            })
        })
        .collect()
}

pub fn parse_holidays(csv_text: &str) -> Result<Vec<DayOff>, DbError> {
    rows::<HolidayRow>("holidays_id.csv", csv_text)?
        .into_iter()
        .map(|r| {
            let bad = |m: String| DbError::Reference(format!("holidays_id.csv {}: {m}", r.date));
            Ok(DayOff {
                date: NaiveDate::parse_from_str(&r.date, "%Y-%m-%d")
                    .map_err(|e| bad(e.to_string()))?,
                name_id: r.name_id.clone(),
                kind: DayOffKind::parse(&r.kind)
                    .ok_or_else(|| bad(format!("kind `{}`", r.kind)))?,
            })
        })
        .collect()
}

/// What [`load_all`] did with each dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    pub datasets: Vec<(String, DatasetOutcome)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetOutcome {
    /// The stored copy already has this version.
    Unchanged,
    Applied {
        inserted: usize,
        updated: usize,
    },
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Loads every embedded dataset that changed since it was last applied, each in one
/// transaction: rows are inserted or updated, never deleted (records may refer to them).
pub fn load_all(conn: &mut DbConnection) -> Result<LoadReport, DbError> {
    let mut datasets = Vec::new();
    let regions = parse_regions(REGIONS_CSV)?;
    datasets.push(load_dataset(
        conn,
        "regions",
        REGIONS_CSV,
        regions.len(),
        |c| upsert_regions(c, &regions),
    )?);
    let countries = parse_countries(COUNTRIES_CSV)?;
    datasets.push(load_dataset(
        conn,
        "countries",
        COUNTRIES_CSV,
        countries.len(),
        |c| upsert_countries(c, &countries),
    )?);
    let days = parse_holidays(HOLIDAYS_CSV)?;
    datasets.push(load_dataset(
        conn,
        "holidays",
        HOLIDAYS_CSV,
        days.len(),
        |c| upsert_holidays(c, &days),
    )?);
    Ok(LoadReport { datasets })
}

fn load_dataset(
    conn: &mut DbConnection,
    name: &str,
    text: &str,
    row_count: usize,
    apply: impl FnOnce(&mut DbConnection) -> Result<(usize, usize), DbError>,
) -> Result<(String, DatasetOutcome), DbError> {
    let sha = sha256_hex(text);
    write_transaction(conn, |c| {
        let stored: Option<String> = reference_datasets::table
            .find(name)
            .select(reference_datasets::sha256)
            .first(c)
            .optional()?;
        if stored.as_deref() == Some(sha.as_str()) {
            return Ok((name.to_owned(), DatasetOutcome::Unchanged));
        }
        let (inserted, updated) = apply(c)?;
        let now = Utc::now().naive_utc();
        let count = i32::try_from(row_count).unwrap_or(i32::MAX);
        if stored.is_some() {
            diesel::update(reference_datasets::table.find(name))
                .set((
                    reference_datasets::sha256.eq(&sha),
                    reference_datasets::row_count.eq(count),
                    reference_datasets::loaded_at.eq(now),
                ))
                .execute(c)?;
        } else {
            diesel::insert_into(reference_datasets::table)
                .values((
                    reference_datasets::name.eq(name),
                    reference_datasets::sha256.eq(&sha),
                    reference_datasets::row_count.eq(count),
                    reference_datasets::loaded_at.eq(now),
                ))
                .execute(c)?;
        }
        Ok((
            name.to_owned(),
            DatasetOutcome::Applied { inserted, updated },
        ))
    })
}

type RegionTuple = (String, String, String, Option<String>);

fn upsert_regions(conn: &mut DbConnection, all: &[Region]) -> Result<(usize, usize), DbError> {
    let existing: std::collections::HashMap<String, RegionTuple> = regions::table
        .select((
            regions::code,
            regions::name,
            regions::kind,
            regions::parent_code,
        ))
        .load::<RegionTuple>(conn)?
        .into_iter()
        .map(|t| (t.0.clone(), t))
        .collect();
    let (mut inserted, mut updated) = (0, 0);
    // Provinces sort before their regencies/cities, so parents exist before children.
    let mut sorted: Vec<&Region> = all.iter().collect();
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    for r in sorted {
        let row: RegionTuple = (
            r.code.to_string(),
            r.name.clone(),
            r.kind.as_str().to_owned(),
            r.parent_code.as_ref().map(|p| p.to_string()),
        );
        match existing.get(&row.0) {
            Some(old) if *old == row => {}
            Some(_) => {
                diesel::update(regions::table.find(&row.0))
                    .set((
                        regions::name.eq(&row.1),
                        regions::kind.eq(&row.2),
                        regions::parent_code.eq(&row.3),
                    ))
                    .execute(conn)?;
                updated += 1;
            }
            None => {
                diesel::insert_into(regions::table)
                    .values((
                        regions::code.eq(&row.0),
                        regions::name.eq(&row.1),
                        regions::kind.eq(&row.2),
                        regions::parent_code.eq(&row.3),
                    ))
                    .execute(conn)?;
                inserted += 1;
            }
        }
    }
    Ok((inserted, updated))
}

type CountryTuple = (String, String, String, String, bool);

fn upsert_countries(conn: &mut DbConnection, all: &[Country]) -> Result<(usize, usize), DbError> {
    use countries::dsl as c;
    let existing: std::collections::HashMap<String, CountryTuple> = countries::table
        .select((
            c::iso2,
            c::iso3,
            c::name_en,
            c::name_id,
            c::diplomatic_relations,
        ))
        .load::<CountryTuple>(conn)?
        .into_iter()
        .map(|t| (t.0.clone(), t))
        .collect();
    let (mut inserted, mut updated) = (0, 0);
    for k in all {
        let row: CountryTuple = (
            k.iso2.to_string(),
            k.iso3.clone(),
            k.name_en.clone(),
            k.name_id.clone(),
            k.diplomatic_relations,
        );
        match existing.get(&row.0) {
            Some(old) if *old == row => {}
            Some(_) => {
                diesel::update(countries::table.find(&row.0))
                    .set((
                        c::iso3.eq(&row.1),
                        c::name_en.eq(&row.2),
                        c::name_id.eq(&row.3),
                        c::diplomatic_relations.eq(row.4),
                    ))
                    .execute(conn)?;
                updated += 1;
            }
            None => {
                diesel::insert_into(countries::table)
                    .values((
                        c::iso2.eq(&row.0),
                        c::iso3.eq(&row.1),
                        c::name_en.eq(&row.2),
                        c::name_id.eq(&row.3),
                        c::diplomatic_relations.eq(row.4),
                    ))
                    .execute(conn)?;
                inserted += 1;
            }
        }
    }
    Ok((inserted, updated))
}

type HolidayTuple = (NaiveDate, String, String);

fn upsert_holidays(conn: &mut DbConnection, all: &[DayOff]) -> Result<(usize, usize), DbError> {
    let existing: std::collections::HashMap<NaiveDate, HolidayTuple> = holidays::table
        .select((holidays::day, holidays::name_id, holidays::kind))
        .load::<HolidayTuple>(conn)?
        .into_iter()
        .map(|t| (t.0, t))
        .collect();
    let (mut inserted, mut updated) = (0, 0);
    for d in all {
        let row: HolidayTuple = (d.date, d.name_id.clone(), d.kind.as_str().to_owned());
        match existing.get(&row.0) {
            Some(old) if *old == row => {}
            Some(_) => {
                diesel::update(holidays::table.find(row.0))
                    .set((holidays::name_id.eq(&row.1), holidays::kind.eq(&row.2)))
                    .execute(conn)?;
                updated += 1;
            }
            None => {
                diesel::insert_into(holidays::table)
                    .values((
                        holidays::day.eq(row.0),
                        holidays::name_id.eq(&row.1),
                        holidays::kind.eq(&row.2),
                    ))
                    .execute(conn)?;
                inserted += 1;
            }
        }
    }
    Ok((inserted, updated))
}

// ---- queries -------------------------------------------------------------------------------

/// Filters for listing regions.
#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    pub kind: Option<RegionKind>,
    pub parent_code: Option<RegionCode>,
}

fn region_from(t: RegionTuple) -> Result<Region, DbError> {
    let bad = |m: String| DbError::Reference(format!("stored region {}: {m}", t.0));
    Ok(Region {
        code: RegionCode::parse(&t.0).map_err(|e| bad(e.to_string()))?,
        name: t.1.clone(),
        kind: t.2.parse().map_err(bad)?,
        parent_code: t
            .3
            .as_deref()
            .map(RegionCode::parse)
            .transpose()
            .map_err(|e| bad(e.to_string()))?,
    })
}

/// Regions in code order after `after` (exclusive), at most `limit`.
pub fn list_regions(
    conn: &mut DbConnection,
    filter: &RegionFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Region>, DbError> {
    let mut q = regions::table
        .select((
            regions::code,
            regions::name,
            regions::kind,
            regions::parent_code,
        ))
        .order(regions::code.asc())
        .limit(limit)
        .into_boxed();
    if let Some(k) = filter.kind {
        q = q.filter(regions::kind.eq(k.as_str()));
    }
    if let Some(p) = &filter.parent_code {
        q = q.filter(regions::parent_code.eq(p.as_str().to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(regions::code.gt(a.to_owned()));
    }
    q.load::<RegionTuple>(conn)?
        .into_iter()
        .map(region_from)
        .collect()
}

pub fn get_region(conn: &mut DbConnection, code: &RegionCode) -> Result<Option<Region>, DbError> {
    regions::table
        .find(code.as_str())
        .select((
            regions::code,
            regions::name,
            regions::kind,
            regions::parent_code,
        ))
        .first::<RegionTuple>(conn)
        .optional()?
        .map(region_from)
        .transpose()
}

/// Number of regencies/cities under a province.
pub fn count_children(conn: &mut DbConnection, code: &RegionCode) -> Result<i64, DbError> {
    Ok(regions::table
        .filter(regions::parent_code.eq(code.as_str()))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct CountryFilter {
    pub diplomatic_relations: Option<bool>,
}

fn country_from(t: CountryTuple) -> Result<Country, DbError> {
    Ok(Country {
        iso2: CountryCode::parse(&t.0)
            .map_err(|e| DbError::Reference(format!("stored country: {e}")))?,
        iso3: t.1,
        name_en: t.2,
        name_id: t.3,
        diplomatic_relations: t.4,
    })
}

pub fn list_countries(
    conn: &mut DbConnection,
    filter: &CountryFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Country>, DbError> {
    use countries::dsl as c;
    let mut q = countries::table
        .select((
            c::iso2,
            c::iso3,
            c::name_en,
            c::name_id,
            c::diplomatic_relations,
        ))
        .order(c::iso2.asc())
        .limit(limit)
        .into_boxed();
    if let Some(rel) = filter.diplomatic_relations {
        q = q.filter(c::diplomatic_relations.eq(rel));
    }
    if let Some(a) = after {
        q = q.filter(c::iso2.gt(a.to_owned()));
    }
    q.load::<CountryTuple>(conn)?
        .into_iter()
        .map(country_from)
        .collect()
}

pub fn get_country(
    conn: &mut DbConnection,
    iso2: &CountryCode,
) -> Result<Option<Country>, DbError> {
    use countries::dsl as c;
    countries::table
        .find(iso2.as_str())
        .select((
            c::iso2,
            c::iso3,
            c::name_en,
            c::name_id,
            c::diplomatic_relations,
        ))
        .first::<CountryTuple>(conn)
        .optional()?
        .map(country_from)
        .transpose()
}

/// Every listed day off, for building the calendar.
pub fn all_days_off(conn: &mut DbConnection) -> Result<Vec<DayOff>, DbError> {
    let rows = holidays::table
        .order(holidays::day.asc())
        .select((holidays::day, holidays::name_id, holidays::kind))
        .load::<HolidayTuple>(conn)?;
    rows.into_iter().map(day_off_from).collect()
}

fn day_off_from((date, name_id, kind): HolidayTuple) -> Result<DayOff, DbError> {
    Ok(DayOff {
        date,
        kind: DayOffKind::parse(&kind)
            .ok_or_else(|| DbError::Reference(format!("stored holiday kind `{kind}`")))?,
        name_id,
    })
}

/// Days off between two dates inclusive, in date order.
pub fn days_off_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DayOff>, DbError> {
    holidays::table
        .filter(holidays::day.between(from, to))
        .order(holidays::day.asc())
        .select((holidays::day, holidays::name_id, holidays::kind))
        .load::<HolidayTuple>(conn)?
        .into_iter()
        .map(day_off_from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_regions_are_552_and_consistent() {
        let regions = parse_regions(REGIONS_CSV).unwrap();
        assert_eq!(regions.len(), 552);
        let provinces = regions
            .iter()
            .filter(|r| r.kind == RegionKind::Province)
            .count();
        assert_eq!(provinces, 38);
        let jateng = regions
            .iter()
            .filter(|r| r.parent_code.as_ref().map(|p| p.as_str()) == Some("33"))
            .count();
        assert_eq!(jateng, 35);
    }

    #[test]
    fn embedded_countries_flag_israel_taiwan_and_kosovo() {
        let countries = parse_countries(COUNTRIES_CSV).unwrap();
        assert_eq!(countries.len(), 197);
        let mut without: Vec<&str> = countries
            .iter()
            .filter(|c| !c.diplomatic_relations)
            .map(|c| c.iso2.as_str())
            .collect();
        without.sort();
        assert_eq!(without, ["IL", "TW", "XK"]);
    }

    #[test]
    fn embedded_holidays_cover_2019_to_2026() {
        let days = parse_holidays(HOLIDAYS_CSV).unwrap();
        assert_eq!(days.len(), 188);
        let cal = jalin_domain::Calendar::new(days, Default::default());
        assert_eq!(cal.covered_years(), (2019..=2026).collect::<Vec<_>>());
    }
}
