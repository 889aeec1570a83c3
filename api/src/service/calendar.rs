//! The holiday calendar as data an administrator maintains: list the years, read one with its
//! history, load a year's new version (HTTP `PUT /v1/calendar/years/{year}` and the CLI
//! `jalin calendar import`), then recompute the stored due dates the new calendar changes.

use chrono::NaiveDate;
use jalin_domain::calendar::{year_problems, CalendarPolicy};
use jalin_domain::{AuditAction, Calendar, DayOff, DayOffKind, RecordKind, RegionCode};
use jalin_persistence::calendar::{self as stored, YearVersion};
use jalin_persistence::{cases, DbConnection, DbError};
use serde::Deserialize;
use serde_json::json;

use crate::concurrency::Etag;
use crate::error::ApiError;
use crate::problem::FieldIssue;
use crate::reply::OrNotFound;
use crate::service::Ctx;
use jalin_domain::Text;

/// A year (national or a region's) with its version in force, its days and its history
/// (oldest first).
pub struct Versions<V, D> {
    pub current: V,
    pub days: Vec<D>,
    pub history: Vec<V>,
}

/// A national year.
pub type YearRecord = Versions<YearVersion, DayOff>;

impl<V: Clone, D> Versions<V, D> {
    /// The year of `history` (oldest first) with the days of its version in force (`days_of`);
    /// 404 as `kind` `id` for a year never loaded.
    pub(crate) fn read(
        history: Vec<V>,
        (kind, id): (RecordKind, &str),
        days_of: impl FnOnce(&V) -> Result<Vec<D>, DbError>,
    ) -> Result<Self, ApiError> {
        let current = history.last().cloned().or_not_found(kind, id)?;
        let days = days_of(&current)?;
        Ok(Versions {
            current,
            days,
            history,
        })
    }
}

/// The ETag of a year: its version in force.
pub fn etag(v: &YearVersion) -> Etag {
    Etag::for_version(&format!("calendar_year:{}", v.year), i64::from(v.version))
}

/// Each year with its version in force.
pub fn years(c: &mut DbConnection) -> Result<Vec<YearVersion>, ApiError> {
    Ok(stored::current_versions(c)?)
}

/// A year with its days and history; 404 for a year never loaded.
pub fn year(c: &mut DbConnection, year: i32) -> Result<YearRecord, ApiError> {
    let history = stored::versions_of(c, year)?;
    let id = year.to_string();
    Versions::read(history, (RecordKind::CalendarYear, &id), |v| {
        stored::days_of(c, year, v.version)
    })
}

/// What an administrator loads: the decree and the days (national days off; a region's are
/// dates with their names).
#[derive(Debug, Clone)]
pub struct YearInput<D = DayOff> {
    pub decree: Decree,
    pub days: Vec<D>,
}

/// Why a load was refused: the days with what is wrong (index into `days`), or another error.
pub enum LoadError {
    Days(Vec<(Option<usize>, &'static str, Text)>),
    Failed(ApiError),
}

impl<E: Into<ApiError>> From<E> for LoadError {
    fn from(e: E) -> Self {
        LoadError::Failed(e.into())
    }
}

/// What a load did.
pub struct Loaded<R = YearRecord> {
    pub record: R,
    /// The calendar now in force, with the version counter it was built at.
    pub calendar: (i64, Calendar),
    /// Running cases' and annual reports' stored due dates that changed (in the regions the
    /// days apply to).
    pub recomputed: usize,
}

impl LoadError {
    /// The refusal over HTTP: the days' problems as field issues at `/days/{i}`.
    pub fn into_problem(self) -> ApiError {
        match self {
            LoadError::Days(problems) => issues(problems),
            LoadError::Failed(e) => e,
        }
    }
}

/// What every load does once its version is stored: rebuilds the calendar in force, then
/// recomputes on it the stored due dates of the running cases and of the annual reports of the
/// fiscal year before `year` in the regions `within` accepts (each change audited), and reads
/// the year back (`record`).
pub(crate) fn after_load<R>(
    c: &mut DbConnection,
    ctx: &Ctx,
    policy: CalendarPolicy,
    year: i32,
    within: impl Fn(&RegionCode) -> bool,
    record: impl FnOnce(&mut DbConnection) -> Result<R, ApiError>,
) -> Result<Loaded<R>, LoadError> {
    let calendar = crate::calendars::build(c, policy)?;
    let recomputed = recompute_due_dates_where(c, ctx, &calendar.1, &within)?
        + recompute_report_due_dates(c, ctx, &calendar.1, year - 1, &within)?;
    let record = record(c).map_err(LoadError::Failed)?;
    Ok(Loaded {
        record,
        calendar,
        recomputed,
    })
}

/// Loads `input` as the next version of `year` (version 1 for a new year), audited; `check`
/// receives the ETag of the version in force (`None`: the year is new) and refuses a stale
/// write. Then recomputes every running case's stored due date on the new calendar, each
/// change audited (`workflow.due_date_recomputed`).
pub fn load_year(
    c: &mut DbConnection,
    ctx: &Ctx,
    policy: CalendarPolicy,
    year: i32,
    input: YearInput,
    check: impl FnOnce(Option<&Etag>) -> Result<(), ApiError>,
) -> Result<Loaded, LoadError> {
    let problems = year_problems(year, &input.days);
    if !problems.is_empty() {
        return Err(LoadError::Days(problems));
    }
    let history = stored::versions_of(c, year)?;
    let before = history.last();
    check(before.map(etag).as_ref())?;
    let mut days = input.days;
    days.sort_by_key(|d| d.date);
    let decree = input.decree.cleaned();
    let v = YearVersion {
        year,
        version: before.map_or(1, |b| b.version + 1),
        decree_number: decree.decree_number,
        decree_date: decree.decree_date,
        source_note: decree.source_note,
        source: "loaded".into(),
        loaded_by: ctx.actor.name.clone(),
        loaded_at: ctx.now(),
        day_count: stored::day_count(days.len()),
    };
    if !stored::insert_version(c, &v, &days)? {
        return Err(ApiError::PreconditionFailed.into());
    }
    ctx.audit(
        c,
        AuditAction::CalendarYearLoaded,
        (RecordKind::CalendarYear, &year.to_string()),
        None,
        json!({
            "version": {"before": before.map(|b| b.version), "after": v.version},
            "decree_number": {"before": before.and_then(|b| b.decree_number.clone()), "after": v.decree_number},
            "decree_date": {"before": before.and_then(|b| b.decree_date), "after": v.decree_date},
            "day_count": {"before": before.map(|b| b.day_count), "after": v.day_count},
        }),
    )?;
    after_load(c, ctx, policy, year, |_| true, |c| self::year(c, year))
}

/// Recomputes the stored due date of every running case in a stage with a time limit on its
/// region's calendar (`cal` composed for the case's region: a provisional one becomes exact
/// once its year is loaded; an amendment or a region's own days off may move any; a case
/// stored by an earlier release without one gets one); each change is audited. Run after each
/// load and at startup.
pub fn recompute_due_dates(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
) -> Result<usize, ApiError> {
    recompute_due_dates_where(c, ctx, cal, |_| true)
}

/// [`recompute_due_dates`] for the cases of the regions `within` accepts.
pub fn recompute_due_dates_where(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
    within: impl Fn(&RegionCode) -> bool,
) -> Result<usize, ApiError> {
    let mut timed: Vec<jalin_domain::workflow::StageKey> = jalin_domain::workflow::definitions()
        .iter()
        .flat_map(|d| {
            d.stages
                .iter()
                .filter(|s| s.time_limit.is_some())
                .map(|s| s.key)
        })
        .collect();
    timed.sort_by_key(|k| k.as_str());
    timed.dedup();
    let mut changed = 0;
    for (case, region) in cases::running(c, &timed)? {
        let Ok(code) = RegionCode::parse(&region) else {
            continue;
        };
        if !within(&code) {
            continue;
        }
        let Some(def) = jalin_domain::workflow::definition(
            &case.definition_key,
            case.definition_version as u32,
        ) else {
            continue;
        };
        // The due date as it would be written today, on the region's calendar: from the
        // stage's own dates, not today's.
        let due = case.state.due_on(&cal.for_region(&code), &def, ctx.today());
        if due == case.stage_due_on {
            continue;
        }
        cases::set_due_on(c, &case.agreement_id, due)?;
        ctx.audit(
            c,
            AuditAction::WorkflowDueDateRecomputed,
            (RecordKind::Workflow, &case.agreement_id),
            Some(&region),
            json!({
                "stage_due_on": {"before": case.stage_due_on, "after": due},
                "provisional": {"before": null, "after": due.is_some_and(|d| cal.is_estimate(d))},
            }),
        )?;
        changed += 1;
    }
    Ok(changed)
}

/// **R22** — recomputes the stored due date of every annual report of `fiscal_year` (due in
/// the year just loaded) of the regions `within` accepts, each on its region's calendar; a
/// submitted one's on-time finding follows. Each change is audited
/// (`annual_report.due_date_recomputed`).
pub(crate) fn recompute_report_due_dates(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
    fiscal_year: i32,
    within: impl Fn(&RegionCode) -> bool,
) -> Result<usize, ApiError> {
    let mut changed = 0;
    for r in
        jalin_persistence::reports::of_year(c, &jalin_domain::access::Visibility::All, fiscal_year)?
    {
        if !within(&r.region_code) {
            continue;
        }
        let Ok(due) = jalin_domain::deadlines::annual_report_due_estimated(
            &cal.for_region(&r.region_code),
            fiscal_year,
        ) else {
            continue;
        };
        if r.due_on == due.value {
            continue;
        }
        let on_time = r.submitted_on.map(|s| s <= due.value);
        jalin_persistence::reports::set_due_on(c, &r.id, due.value, on_time)?;
        ctx.audit(
            c,
            AuditAction::AnnualReportDueDateRecomputed,
            (RecordKind::AnnualReport, &r.id),
            Some(r.region_code.as_str()),
            json!({
                "due_on": {"before": r.due_on, "after": due.value},
                "on_time": {"before": r.on_time, "after": on_time},
            }),
        )?;
        changed += 1;
    }
    Ok(changed)
}

/// A row of an imported CSV file (`date,name_id,kind`, as the built-in data).
#[derive(Deserialize)]
struct CsvDay {
    date: String,
    name_id: String,
    /// Required in a national file; a regional file (`date,name_id`) has none.
    #[serde(default)]
    kind: Option<String>,
}

/// A bad row of an imported file: its line (the header is line 1) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    pub line: usize,
    pub message: String,
}

/// Reads a CSV file of days off (`date,name_id,kind`); every bad row is reported by line.
pub fn parse_csv(text: &str) -> Result<Vec<DayOff>, Vec<BadRow>> {
    parse_csv_rows(text, true)
}

/// Reads a CSV file of days off, `date,name_id,kind` (`with_kind`) or `date,name_id` (a
/// region's days: each is a day off, read as a holiday); every bad row is reported by line.
pub(crate) fn parse_csv_rows(text: &str, with_kind: bool) -> Result<Vec<DayOff>, Vec<BadRow>> {
    let mut days = Vec::new();
    let mut bad = Vec::new();
    for (i, row) in csv::Reader::from_reader(text.as_bytes())
        .deserialize::<CsvDay>()
        .enumerate()
    {
        let line = i + 2;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                bad.push(BadRow {
                    line,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let date = jalin_domain::Date::parse(row.date.trim());
        let kind_text = row.kind.clone().unwrap_or_default();
        let kind = match with_kind {
            true => DayOffKind::parse(kind_text.trim()),
            false => Some(DayOffKind::Holiday),
        };
        match (date, kind) {
            (Ok(date), Some(kind)) => days.push(DayOff {
                date: *date,
                name_id: row.name_id.trim().to_owned(),
                kind,
            }),
            (Err(e), _) => bad.push(BadRow {
                line,
                message: format!("date `{}`: {e}", row.date),
            }),
            (_, None) => bad.push(BadRow {
                line,
                message: format!("kind `{kind_text}`: expected holiday or cuti_bersama"),
            }),
        }
    }
    if bad.is_empty() {
        Ok(days)
    } else {
        Err(bad)
    }
}

/// Why a file import was refused.
#[derive(Debug)]
pub enum ImportError {
    /// Rows that do not read or do not hold, by line (the header is line 1).
    Rows(Vec<BadRow>),
    Failed(ApiError),
}

impl From<jalin_persistence::db::DieselError> for ImportError {
    fn from(e: jalin_persistence::db::DieselError) -> Self {
        ImportError::Failed(e.into())
    }
}

impl From<LoadError> for ImportError {
    /// Day i of the file is on line i + 2 (after the header); the list as a whole on none.
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Days(problems) => ImportError::Rows(
                problems
                    .into_iter()
                    .map(|(i, code, text)| BadRow {
                        line: i.map_or(0, |i| i + 2),
                        message: format!("{} ({code})", text.en),
                    })
                    .collect(),
            ),
            LoadError::Failed(e) => ImportError::Failed(e),
        }
    }
}

/// The year of an imported file's days: its first day's (a file that lists no day is refused).
pub(crate) fn year_of_file(days: &[DayOff]) -> Result<i32, ImportError> {
    use chrono::Datelike;
    days.first().map(|d| d.date.year()).ok_or_else(|| {
        ImportError::Rows(vec![BadRow {
            line: 2,
            message: "the file lists no day".into(),
        }])
    })
}

/// The decree a year's version is loaded under (what a file gives besides its rows).
#[derive(Debug, Clone)]
pub struct Decree {
    pub decree_number: Option<String>,
    pub decree_date: Option<NaiveDate>,
    pub source_note: String,
}

impl Decree {
    /// A blank decree number is none.
    pub(crate) fn cleaned(self) -> Decree {
        Decree {
            decree_number: self.decree_number.filter(|s| !s.trim().is_empty()),
            ..self
        }
    }
}

/// `jalin calendar import`: reads a CSV file of one year's days off (`date,name_id,kind`) and
/// loads it as the year's next version (the operator at the console replaces whatever version
/// is in force: no ETag). Every bad row is reported by its line; nothing is loaded then.
pub fn import_csv(
    c: &mut DbConnection,
    ctx: &Ctx,
    policy: CalendarPolicy,
    text: &str,
    decree: Decree,
) -> Result<Loaded, ImportError> {
    let days = parse_csv(text).map_err(ImportError::Rows)?;
    let year = year_of_file(&days)?;
    let input = YearInput { decree, days };
    Ok(load_year(c, ctx, policy, year, input, |_| Ok(()))?)
}

/// The problems of a load as field issues at `/days/{i}` (HTTP).
pub fn issues(problems: Vec<(Option<usize>, &'static str, Text)>) -> ApiError {
    ApiError::Validation(
        problems
            .into_iter()
            .map(|(i, code, text)| {
                let pointer = i.map_or("/days".to_owned(), |i| format!("/days/{i}/date"));
                FieldIssue::pointer(&pointer, code, text)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_file_reports_each_bad_row_by_its_line() {
        let text = "date,name_id,kind\n2027-01-01,Tahun Baru,holiday\n2027-13-01,Salah,holiday\n2027-01-02,Cuti,libur\n";
        let bad = parse_csv(text).unwrap_err();
        let lines: Vec<usize> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [3, 4]);
        assert!(bad[1].message.contains("libur"), "{bad:?}");
        let ok = parse_csv("date,name_id,kind\n2027-01-01,Tahun Baru,holiday\n").unwrap();
        assert_eq!(ok[0].kind, DayOffKind::Holiday);
    }
}
