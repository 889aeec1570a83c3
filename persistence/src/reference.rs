//! Reference data: regions, countries and the holiday calendar, compiled into the binary from
//! `persistence/reference/*.csv` and loaded idempotently into the database.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use jalin_domain::{Country, CountryCode, DayOff, DayOffKind, Region, RegionCode, RegionKind};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use std::collections::HashMap;
use std::hash::Hash;

use crate::crud::{Filter, Rows};
use crate::db::{write_transaction, DbConnection, DbError};
use crate::schema::{countries, holidays, reference_datasets, regions};
use crate::text::{Code, Stored, StoredOpt};

pub const REGIONS_CSV: &str = include_str!("../reference/regions.csv");
pub const COUNTRIES_CSV: &str = include_str!("../reference/countries.csv");
pub const HOLIDAYS_CSV: &str = include_str!("../reference/holidays_id.csv");

#[derive(Deserialize)]
struct RegionCsv {
    code: String,
    name: String,
    kind: String,
    parent_code: String,
}

#[derive(Deserialize)]
struct CountryCsv {
    iso2: String,
    iso3: String,
    name_en: String,
    name_id: String,
    diplomatic_relations_with_indonesia: String,
}

#[derive(Deserialize)]
struct HolidayCsv {
    date: String,
    name_id: String,
    kind: String,
}

/// A row of an embedded CSV file, named by its key when it is refused.
trait CsvRow: for<'de> Deserialize<'de> {
    const FILE: &'static str;
    fn key(&self) -> &str;
}

impl CsvRow for RegionCsv {
    const FILE: &'static str = "regions.csv";
    fn key(&self) -> &str {
        &self.code
    }
}

impl CsvRow for CountryCsv {
    const FILE: &'static str = "countries.csv";
    fn key(&self) -> &str {
        &self.iso2
    }
}

impl CsvRow for HolidayCsv {
    const FILE: &'static str = "holidays_id.csv";
    fn key(&self) -> &str {
        &self.date
    }
}

/// Reads every row of `csv_text` with `read`, which refuses a row by calling `bad` with what is
/// wrong (reported with the file and the row's key).
fn read_rows<R: CsvRow, T>(
    csv_text: &str,
    read: impl Fn(&R, &dyn Fn(String) -> DbError) -> Result<T, DbError>,
) -> Result<Vec<T>, DbError> {
    let rows: Vec<R> = csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| DbError::Reference(format!("{} row {}: {e}", R::FILE, i + 2))))
        .collect::<Result<_, _>>()?;
    rows.iter()
        .map(|r| {
            read(r, &|m| {
                DbError::Reference(format!("{} {}: {m}", R::FILE, r.key()))
            })
        })
        .collect()
}

/// Parses and checks the embedded regions.
pub fn parse_regions(csv_text: &str) -> Result<Vec<Region>, DbError> {
    read_rows(csv_text, |r: &RegionCsv, bad| {
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
}

pub fn parse_countries(csv_text: &str) -> Result<Vec<Country>, DbError> {
    read_rows(csv_text, |r: &CountryCsv, bad| {
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
}

pub fn parse_holidays(csv_text: &str) -> Result<Vec<DayOff>, DbError> {
    read_rows(csv_text, |r: &HolidayCsv, bad| {
        Ok(DayOff {
            date: NaiveDate::parse_from_str(&r.date, "%Y-%m-%d").map_err(|e| bad(e.to_string()))?,
            name_id: r.name_id.clone(),
            kind: DayOffKind::parse(&r.kind).ok_or_else(|| bad(format!("kind `{}`", r.kind)))?,
        })
    })
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
    let datasets = vec![
        load_dataset(conn, "regions", REGIONS_CSV, parse_regions, upsert_regions)?,
        load_dataset(
            conn,
            "countries",
            COUNTRIES_CSV,
            parse_countries,
            upsert_countries,
        )?,
        load_dataset(
            conn,
            "holidays",
            HOLIDAYS_CSV,
            parse_holidays,
            upsert_holidays,
        )?,
    ];
    // The calendar in force is built from the versioned years: the binary's data seeds the
    // years that have none (crate::calendar).
    let days = parse_holidays(HOLIDAYS_CSV)?;
    crate::calendar::seed_built_in(conn, &days, Utc::now().naive_utc())?;
    Ok(LoadReport { datasets })
}

/// What was loaded of a dataset, and when.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = reference_datasets, primary_key(name))]
struct Dataset<'a> {
    name: &'a str,
    sha256: &'a str,
    row_count: i32,
    loaded_at: chrono::NaiveDateTime,
}

/// How many rows an upsert inserted and updated.
type Upserted = Result<(usize, usize), DbError>;

/// Parses dataset `name` from `text` and, unless the stored copy already has this version,
/// upserts its rows.
fn load_dataset<T>(
    conn: &mut DbConnection,
    name: &str,
    text: &str,
    parse: fn(&str) -> Result<Vec<T>, DbError>,
    upsert: fn(&mut DbConnection, &[T]) -> Upserted,
) -> Result<(String, DatasetOutcome), DbError> {
    let rows = parse(text)?;
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
        let (inserted, updated) = upsert(c, &rows)?;
        let dataset = Dataset {
            name,
            sha256: &sha,
            row_count: i32::try_from(rows.len()).unwrap_or(i32::MAX),
            // When the binary's data was applied: a fact of this installation, on the real clock.
            loaded_at: Utc::now().naive_utc(),
        };
        if stored.is_some() {
            diesel::update(reference_datasets::table.find(name))
                .set(dataset)
                .execute(c)?;
        } else {
            diesel::insert_into(reference_datasets::table)
                .values(dataset)
                .execute(c)?;
        }
        Ok((
            name.to_owned(),
            DatasetOutcome::Applied { inserted, updated },
        ))
    })
}

impl Code for CountryCode {
    const WHAT: &'static str = "country code";
    fn code(&self) -> &str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        CountryCode::parse(code).ok()
    }
}

crate::text::stored_by_code! { RegionKind => "region kind", DayOffKind => "day-off kind" }

/// A region as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = regions, primary_key(code), treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct RegionRow {
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    code: RegionCode,
    name: String,
    #[diesel(deserialize_as = Stored<RegionKind>, serialize_as = Stored<RegionKind>)]
    kind: RegionKind,
    #[diesel(deserialize_as = StoredOpt<RegionCode>, serialize_as = StoredOpt<RegionCode>)]
    parent_code: Option<RegionCode>,
}

impl From<RegionRow> for Region {
    fn from(r: RegionRow) -> Self {
        Region {
            code: r.code,
            name: r.name,
            kind: r.kind,
            parent_code: r.parent_code,
        }
    }
}

impl From<&Region> for RegionRow {
    fn from(r: &Region) -> Self {
        RegionRow {
            code: r.code.clone(),
            name: r.name.clone(),
            kind: r.kind,
            parent_code: r.parent_code.clone(),
        }
    }
}

/// A country as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = countries, primary_key(iso2))]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct CountryRow {
    #[diesel(deserialize_as = Stored<CountryCode>, serialize_as = Stored<CountryCode>)]
    iso2: CountryCode,
    iso3: String,
    name_en: String,
    name_id: String,
    diplomatic_relations: bool,
}

impl From<CountryRow> for Country {
    fn from(r: CountryRow) -> Self {
        Country {
            iso2: r.iso2,
            iso3: r.iso3,
            name_en: r.name_en,
            name_id: r.name_id,
            diplomatic_relations: r.diplomatic_relations,
        }
    }
}

impl From<&Country> for CountryRow {
    fn from(c: &Country) -> Self {
        CountryRow {
            iso2: c.iso2.clone(),
            iso3: c.iso3.clone(),
            name_en: c.name_en.clone(),
            name_id: c.name_id.clone(),
            diplomatic_relations: c.diplomatic_relations,
        }
    }
}

/// A listed day off as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = holidays, primary_key(day))]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct HolidayRow {
    day: NaiveDate,
    name_id: String,
    #[diesel(deserialize_as = Stored<DayOffKind>, serialize_as = Stored<DayOffKind>)]
    kind: DayOffKind,
}

impl From<HolidayRow> for DayOff {
    fn from(r: HolidayRow) -> Self {
        DayOff {
            date: r.day,
            name_id: r.name_id,
            kind: r.kind,
        }
    }
}

impl From<&DayOff> for HolidayRow {
    fn from(d: &DayOff) -> Self {
        HolidayRow {
            day: d.date,
            name_id: d.name_id.clone(),
            kind: d.kind,
        }
    }
}

/// Inserts the rows that are new and updates those that changed, in the order given; returns
/// how many were inserted and updated.
fn upsert<K: Eq + Hash, R: PartialEq>(
    conn: &mut DbConnection,
    existing: Vec<R>,
    rows: Vec<R>,
    key: impl Fn(&R) -> K,
    insert: impl Fn(&mut DbConnection, R) -> QueryResult<usize>,
    update: impl Fn(&mut DbConnection, R) -> QueryResult<usize>,
) -> Upserted {
    let existing: HashMap<K, R> = existing.into_iter().map(|r| (key(&r), r)).collect();
    let (mut inserted, mut updated) = (0, 0);
    for row in rows {
        match existing.get(&key(&row)) {
            Some(old) if *old == row => {}
            Some(_) => {
                update(conn, row)?;
                updated += 1;
            }
            None => {
                insert(conn, row)?;
                inserted += 1;
            }
        }
    }
    Ok((inserted, updated))
}

fn upsert_regions(conn: &mut DbConnection, all: &[Region]) -> Upserted {
    let existing = regions::table.select(RegionRow::as_select()).load(conn)?;
    let mut rows: Vec<RegionRow> = all.iter().map(RegionRow::from).collect();
    // Provinces sort before their regencies/cities, so parents exist before children.
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    upsert(
        conn,
        existing,
        rows,
        |r| r.code.clone(),
        |c, r| diesel::insert_into(regions::table).values(r).execute(c),
        |c, r| {
            let code = r.code.to_string();
            diesel::update(regions::table.find(code)).set(r).execute(c)
        },
    )
}

fn upsert_countries(conn: &mut DbConnection, all: &[Country]) -> Upserted {
    let existing = countries::table
        .select(CountryRow::as_select())
        .load(conn)?;
    upsert(
        conn,
        existing,
        all.iter().map(CountryRow::from).collect(),
        |r| r.iso2.clone(),
        |c, r| diesel::insert_into(countries::table).values(r).execute(c),
        |c, r| {
            let iso2 = r.iso2.to_string();
            diesel::update(countries::table.find(iso2))
                .set(r)
                .execute(c)
        },
    )
}

fn upsert_holidays(conn: &mut DbConnection, all: &[DayOff]) -> Upserted {
    let existing = holidays::table.select(HolidayRow::as_select()).load(conn)?;
    upsert(
        conn,
        existing,
        all.iter().map(HolidayRow::from).collect(),
        |r| r.day,
        |c, r| diesel::insert_into(holidays::table).values(r).execute(c),
        |c, r| {
            diesel::update(holidays::table.find(r.day))
                .set(r)
                .execute(c)
        },
    )
}

// ---- queries -------------------------------------------------------------------------------

/// Filters for listing regions.
#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    pub kind: Option<RegionKind>,
    pub parent_code: Option<RegionCode>,
}

crate::crud::crud! { RegionRow in regions by code; page(RegionFilter, code -> Region) as list_regions }

impl<'a> Filter<Rows<'a, regions::table, RegionRow>> for RegionFilter {
    fn apply(
        &self,
        mut q: Rows<'a, regions::table, RegionRow>,
    ) -> Rows<'a, regions::table, RegionRow> {
        if let Some(k) = self.kind {
            q = q.filter(regions::kind.eq(Stored(k)));
        }
        if let Some(p) = &self.parent_code {
            q = q.filter(regions::parent_code.eq(p.as_str().to_owned()));
        }
        q
    }
}

pub fn get_region(conn: &mut DbConnection, code: &RegionCode) -> Result<Option<Region>, DbError> {
    Ok(regions::table
        .find(code.as_str())
        .select(RegionRow::as_select())
        .first(conn)
        .optional()?
        .map(Region::from))
}

#[derive(Debug, Clone, Default)]
pub struct CountryFilter {
    pub diplomatic_relations: Option<bool>,
}

crate::crud::crud! {
    CountryRow in countries by iso2;
    page(CountryFilter, iso2 -> Country) as list_countries,
}

impl<'a> Filter<Rows<'a, countries::table, CountryRow>> for CountryFilter {
    fn apply(
        &self,
        q: Rows<'a, countries::table, CountryRow>,
    ) -> Rows<'a, countries::table, CountryRow> {
        match self.diplomatic_relations {
            Some(rel) => q.filter(countries::diplomatic_relations.eq(rel)),
            None => q,
        }
    }
}

pub fn get_country(
    conn: &mut DbConnection,
    iso2: &CountryCode,
) -> Result<Option<Country>, DbError> {
    Ok(countries::table
        .find(iso2.as_str())
        .select(CountryRow::as_select())
        .first(conn)
        .optional()?
        .map(Country::from))
}

/// Every day off in force (the newest version of each year), for building the calendar.
pub fn all_days_off(conn: &mut DbConnection) -> Result<Vec<DayOff>, DbError> {
    crate::calendar::current_days(conn)
}

/// Days off in force between two dates inclusive, in date order.
pub fn days_off_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DayOff>, DbError> {
    let mut days = crate::calendar::current_days(conn)?;
    days.retain(|d| d.date >= from && d.date <= to);
    Ok(days)
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
