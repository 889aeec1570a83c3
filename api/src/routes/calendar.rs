//! The working-day calendar over HTTP: holidays, and working-day counts and dates.

use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate, Weekday};
use jalin_domain::access::Action;
use jalin_domain::Date;
use jalin_domain::{DayOff, DayOffKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::concurrency::{Etag, OptionalIfMatch};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::extract::ApiQuery;
use crate::openapi::responses::ValidationFailed;
use crate::reply;
use crate::service::calendar::{self, Decree, Loaded, YearRecord};
use crate::service::reference;
use jalin_persistence::calendar::YearVersion;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "date": "2025-01-01", "name_id": "Tahun Baru Masehi", "kind": "holiday", "on_weekend": false
}))]
pub struct Holiday {
    #[schema(value_type = String, format = Date, example = "2025-01-01")]
    pub date: NaiveDate,
    /// The name in Indonesian.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name_id: String,
    pub kind: DayOffKind,
    /// Falls on a Saturday or Sunday (no working day is lost).
    pub on_weekend: bool,
    /// Only on a region's own day off (with `?region_code=`): the region whose decree sets it
    /// (the province, or the regency/city itself). Such a day is never worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HolidayList {
    pub year: i32,
    /// The region whose calendar is listed (with `?region_code=`): the national days plus the
    /// region's own (its province's and its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// Whether *cuti bersama* count as working days here (DEFAULT `false`; see `/v1/settings`).
    pub cuti_bersama_is_working_day: bool,
    /// The national holidays and *cuti bersama* of the year, in date order.
    pub items: Vec<Holiday>,
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct HolidayQuery {
    /// The calendar year.
    #[param(example = 2025, minimum = 1900, maximum = 2200)]
    #[validate(range(min = 1900, max = 2200))]
    pub year: i32,
    /// List the region's calendar: the national days plus its own days off (a province's
    /// apply to its regencies/cities too). An unknown region is 404.
    #[param(example = "32", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
}

/// The calendar of `region_code` (`None`: national): 422 for a malformed code, 404 for an
/// unknown region.
async fn calendar_of(
    caller: &Caller,
    region_code: Option<&str>,
) -> Result<std::sync::Arc<jalin_domain::Calendar>, ApiError> {
    let cal = caller.state.calendar.clone();
    let Some(code) = region_code else {
        return Ok(cal);
    };
    let region = jalin_domain::RegionCode::parse(code).map_err(|e| {
        ApiError::invalid_parameter(
            "region_code",
            "invalid_format",
            e.to_string(),
            "kode daerah tidak sah",
        )
    })?;
    let code = code.to_owned();
    caller.db(move |c| reference::region(c, &code)).await?;
    Ok(std::sync::Arc::new(cal.for_region(&region)))
}

/// National holidays and *cuti bersama* of a year.
///
/// A year the calendar does not cover is refused with `calendar_out_of_range` (422): an empty
/// list would read as "no holidays".
#[utoipa::path(
    get,
    path = "/v1/calendar/holidays",
    operation_id = "listHolidays",
    tag = "calendar",
    params(HolidayQuery),
    responses(
        (status = 200, description = "The year's days off.", body = HolidayList,
         example = json!({"year": 2025, "cuti_bersama_is_working_day": false, "items": [
            {"date": "2025-01-01", "name_id": "Tahun Baru Masehi", "kind": "holiday", "on_weekend": false},
            {"date": "2025-01-28", "name_id": "Cuti Bersama Tahun Baru Imlek", "kind": "cuti_bersama", "on_weekend": false}
         ]})),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn holidays(
    caller: Caller,
    ApiQuery(q): ApiQuery<HolidayQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let cal = calendar_of(&caller, q.region_code.as_deref()).await?;
    let national = cal.clone();
    let days = caller
        .db(move |c| reference::holidays(c, &national, q.year))
        .await?;
    let mut items: Vec<Holiday> = days.into_iter().map(holiday).collect();
    items.extend(cal.regional_days(q.year).into_iter().map(|d| Holiday {
        on_weekend: on_weekend(d.date),
        date: d.date,
        name_id: d.name_id.clone(),
        kind: DayOffKind::Holiday,
        region_code: Some(d.region.to_string()),
    }));
    items.sort_by_key(|h| h.date);
    Ok(reply::ok(HolidayList {
        year: q.year,
        region_code: q.region_code,
        cuti_bersama_is_working_day: cal.policy().cuti_bersama_is_working_day,
        items,
    }))
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct WorkingDaysQuery {
    /// The start date; it is day 0 and never counted.
    #[param(value_type = String, format = Date, example = "2024-12-31")]
    pub from: Date,
    /// Count the working days after `from` up to and including `to`. Give `to` or `add`.
    #[param(value_type = Option<String>, format = Date, example = "2025-01-10")]
    pub to: Option<Date>,
    /// Find the date that is `add` working days after `from`. Give `to` or `add`.
    #[param(minimum = 0, maximum = 2600, example = 7)]
    #[validate(range(max = 2600))]
    pub add: Option<u32>,
    /// Past the loaded holiday years, estimate on weekends alone and flag the answer
    /// `provisional` instead of refusing with `calendar_out_of_range` (DEFAULT `false`).
    #[serde(default)]
    pub allow_provisional: bool,
    /// Count on the region's calendar: the national days plus its own days off (a
    /// province's apply to its regencies/cities too). An unknown region is 404.
    #[param(example = "32", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
}

/// `from` plus `working_days` working days is `to`.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "from": "2024-12-31", "to": "2025-01-10", "working_days": 7, "cuti_bersama_is_working_day": false,
    "provisional": false
}))]
pub struct WorkingDays {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// Working days after `from` up to and including `to`.
    pub working_days: u32,
    /// Whether *cuti bersama* counted as working days (DEFAULT `false`; see `/v1/settings`).
    pub cuti_bersama_is_working_day: bool,
    /// Part of the count lies past the loaded holiday years (only with `allow_provisional`):
    /// counted there on weekends alone.
    pub provisional: bool,
    /// `calendar_not_loaded` when `provisional`.
    pub provisional_reason: Option<String>,
    /// The region whose calendar counted (with `?region_code=`); absent: the national one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
}

/// Count working days between two dates, or find the date N working days after one.
///
/// Working days are Monday–Friday except national holidays and (by default) *cuti bersama*.
/// `?from=2024-12-31&add=7` → `2025-01-10` (the R22 annual-report deadline for 2024);
/// `?from=2024-03-01&add=45` → `2024-05-21` (an R10 DPRD deadline). A computation that reaches
/// a year without holiday data is refused with `calendar_out_of_range`, unless
/// `allow_provisional=true`: then days past the loaded years count on weekends alone and the
/// answer is flagged `provisional` (reason `calendar_not_loaded`). With `region_code` the
/// count is on that region's calendar (its own days off, a province's for its regencies and
/// cities too), as every deadline of a record in that region is.
#[utoipa::path(
    get,
    path = "/v1/calendar/working-days",
    operation_id = "computeWorkingDays",
    tag = "calendar",
    params(WorkingDaysQuery),
    responses(
        (status = 200, description = "The count (with `to`) or the date (with `add`).", body = WorkingDays),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn working_days(
    caller: Caller,
    ApiQuery(q): ApiQuery<WorkingDaysQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let cal = calendar_of(&caller, q.region_code.as_deref()).await?;
    let (to, working_days, provisional) = reference::working_days(
        &cal,
        *q.from,
        q.to.map(Date::naive),
        q.add,
        q.allow_provisional,
    )?;
    Ok(reply::ok(WorkingDays {
        from: *q.from,
        to,
        working_days,
        cuti_bersama_is_working_day: cal.policy().cuti_bersama_is_working_day,
        provisional,
        provisional_reason: super::cases::provisional_reason(provisional),
        region_code: q.region_code,
    }))
}

/// A stored version of a year's days off.
#[derive(Serialize, ToSchema)]
pub struct YearVersionView {
    pub year: i32,
    /// 1 for the first load of the year; each amendment adds one.
    pub version: i32,
    /// The decree (SKB) number, e.g. `SKB 3 Menteri No. …`.
    pub decree_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub decree_date: Option<NaiveDate>,
    pub source_note: String,
    /// `built_in` (the binary's data seeded it) or `loaded` (an administrator loaded it).
    pub source: String,
    pub loaded_by: String,
    pub loaded_at: chrono::DateTime<chrono::Utc>,
    pub day_count: i32,
}

impl From<YearVersion> for YearVersionView {
    fn from(v: YearVersion) -> Self {
        YearVersionView {
            year: v.year,
            version: v.version,
            decree_number: v.decree_number,
            decree_date: v.decree_date,
            source_note: v.source_note,
            source: v.source,
            loaded_by: v.loaded_by,
            loaded_at: v.loaded_at.and_utc(),
            day_count: v.day_count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct YearList {
    /// Each loaded year with its version in force, oldest year first.
    pub items: Vec<YearVersionView>,
    /// The last day whose working days are known exactly; past it, due dates are provisional.
    #[schema(value_type = Option<String>, format = Date)]
    pub last_covered_date: Option<NaiveDate>,
}

/// A year with its days in force and every version loaded.
#[derive(Serialize, ToSchema)]
pub struct YearView {
    #[serde(flatten)]
    pub current: YearVersionView,
    pub days: Vec<Holiday>,
    /// Every version, oldest first (the last is in force).
    pub history: Vec<YearVersionView>,
}

/// The year as shown, with its ETag.
fn year_view(r: YearRecord) -> (Etag, YearView) {
    let tag = calendar::etag(&r.current);
    let view = YearView {
        current: r.current.into(),
        days: r.days.into_iter().map(holiday).collect(),
        history: r.history.into_iter().map(Into::into).collect(),
    };
    (tag, view)
}

/// Falls on a Saturday or Sunday (no working day is lost).
pub(super) fn on_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn holiday(d: DayOff) -> Holiday {
    Holiday {
        on_weekend: on_weekend(d.date),
        date: d.date,
        name_id: d.name_id,
        kind: d.kind,
        region_code: None,
    }
}

/// The `{year}` of the path: 1900–2200.
pub(super) fn year_of(path: &str) -> Result<i32, ApiError> {
    path.parse::<i32>()
        .ok()
        .filter(|y| (1900..=2200).contains(y))
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "year",
                "invalid_year",
                "the year is a number from 1900 to 2200",
                "tahun berupa angka 1900 sampai 2200",
            )
        })
}

/// The loaded years, each with its version in force, source and loader.
#[utoipa::path(
    get,
    path = "/v1/calendar/years",
    operation_id = "listCalendarYears",
    tag = "calendar",
    responses((status = 200, description = "The years.", body = YearList)),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn years(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let items = caller.db(calendar::years).await?;
    Ok(reply::ok(YearList {
        items: items.into_iter().map(Into::into).collect(),
        last_covered_date: caller.state.calendar.last_covered(),
    }))
}

/// A loaded year: its days in force, its decree and every earlier version.
#[utoipa::path(
    get,
    path = "/v1/calendar/years/{year}",
    operation_id = "getCalendarYear",
    tag = "calendar",
    params(("year" = i32, Path, minimum = 1900, maximum = 2200, description = "The calendar year.")),
    responses(
        (status = 200, description = "The year.", body = YearView, headers(("ETag" = String))),
        (status = 422, response = ValidationFailed),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn year(caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let year = year_of(&path)?;
    let (tag, view) = year_view(caller.db(move |c| calendar::year(c, year)).await?);
    Ok(reply::ok_tagged(&tag, view))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct DayInput {
    #[schema(value_type = String, format = Date, example = "2027-01-01")]
    pub date: Date,
    /// The name in Indonesian.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name_id: String,
    pub kind: DayOffKind,
}

/// A year's national holidays and *cuti bersama*, as one decree (or its amendment) sets them.
#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "decree_number": "SKB 3 Menteri (test data)", "decree_date": "2026-10-01",
    "source_note": "TEST DATA, not the official decree",
    "days": [{"date": "2027-01-01", "name_id": "Tahun Baru Masehi", "kind": "holiday"}]
}))]
pub struct LoadYear {
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub decree_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub decree_date: Option<Date>,
    /// Where the days come from (the decree's publication, a correction…).
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub source_note: String,
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub days: Vec<DayInput>,
}

/// The year after a load, with how many running cases' due dates changed.
#[derive(Serialize, ToSchema)]
pub struct YearLoaded {
    #[serde(flatten)]
    pub year: YearView,
    /// Stored due dates the new calendar changed: running cases' and the annual reports due in
    /// the year (each audited).
    pub due_dates_recomputed: usize,
}

/// Load a year's days off as its next version (admin only; audited).
///
/// The year's days are replaced by the list given; earlier versions stay readable. A year
/// already loaded needs `If-Match` with its ETag (428 without, 412 when stale); a year not
/// yet loaded needs no `If-Match` (an `If-Match` then is 412). The calendar every deadline
/// uses is rebuilt at once, and the stored due dates of running cases are recomputed on it
/// (a provisional one becomes exact), each change audited (`workflow.due_date_recomputed`).
#[utoipa::path(
    put,
    path = "/v1/calendar/years/{year}",
    operation_id = "loadCalendarYear",
    tag = "calendar",
    request_body = LoadYear,
    params(
        ("year" = i32, Path, minimum = 1900, maximum = 2200, description = "The calendar year."),
        ("If-Match" = Option<String>, Header, description = "The year's ETag; required when the year is already loaded."),
    ),
    responses((status = 200, description = "The year as loaded.", body = YearLoaded, headers(("ETag" = String)))),
    security(("bearer" = []), ("client_credentials" = ["calendar:write"]))
)]
pub async fn load_year(
    caller: Caller,
    path: web::Path<String>,
    OptionalIfMatch(if_match): OptionalIfMatch,
    body: ApiJson<LoadYear>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ManageCalendar)?;
    let year = year_of(&path)?;
    let input = calendar::YearInput {
        decree: Decree {
            decree_number: body.value.decree_number,
            decree_date: body.value.decree_date.map(Date::naive),
            source_note: body.value.source_note,
        },
        days: body
            .value
            .days
            .into_iter()
            .map(|d| DayOff {
                date: *d.date,
                name_id: d.name_id,
                kind: d.kind,
            })
            .collect(),
    };
    let policy = caller.state.calendars.policy();
    let loaded = caller
        .write(move |c, ctx| {
            let check = |tag: Option<&Etag>| if_match.check_if_exists(tag);
            calendar::load_year(c, ctx, policy, year, input, check)
                .map_err(calendar::LoadError::into_problem)
        })
        .await?;
    Ok(after_load(
        &caller,
        loaded,
        year_view,
        |year, due_dates_recomputed| YearLoaded {
            year,
            due_dates_recomputed,
        },
    ))
}

/// The answer to a load (national or a region's): the calendar it built is put in force, and
/// the year is shown (`view`) with its ETag and how many due dates were recomputed (`shown`).
pub(super) fn after_load<R, V, S: Serialize>(
    caller: &Caller,
    loaded: Loaded<R>,
    view: impl FnOnce(R) -> (Etag, V),
    shown: impl FnOnce(V, usize) -> S,
) -> HttpResponse {
    let (counter, cal) = loaded.calendar;
    caller.state.calendars.replace(counter, cal);
    let (tag, year) = view(loaded.record);
    reply::ok_tagged(&tag, shown(year, loaded.recomputed))
}

super::operations! {
    holidays,
    working_days,
    years,
    year,
    load_year,
}
