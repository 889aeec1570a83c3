//! The working-day calendar over HTTP: holidays, and working-day counts and dates.

use actix_web::HttpResponse;
use chrono::{Datelike, NaiveDate, Weekday};
use jalin_domain::access::Action;
use jalin_domain::Date;
use jalin_domain::{DayOff, DayOffKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::reply;
use crate::service::reference;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "date": "2025-01-01", "name_id": "Tahun Baru Masehi", "kind": "holiday", "on_weekend": false
}))]
pub struct Holiday {
    #[schema(value_type = String, format = Date, example = "2025-01-01")]
    pub date: NaiveDate,
    /// The name in Indonesian.
    pub name_id: String,
    pub kind: DayOffKind,
    /// Falls on a Saturday or Sunday (no working day is lost).
    pub on_weekend: bool,
}

#[derive(Serialize, ToSchema)]
pub struct HolidayList {
    pub year: i32,
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
    let cal = caller.state.calendar.clone();
    let days = caller
        .db(move |c| reference::holidays(c, &cal, q.year))
        .await?;
    let holiday = |d: DayOff| Holiday {
        on_weekend: matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun),
        date: d.date,
        name_id: d.name_id,
        kind: d.kind,
    };
    Ok(reply::ok(HolidayList {
        year: q.year,
        cuti_bersama_is_working_day: caller.state.calendar.policy().cuti_bersama_is_working_day,
        items: days.into_iter().map(holiday).collect(),
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
}

/// `from` plus `working_days` working days is `to`.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "from": "2024-12-31", "to": "2025-01-10", "working_days": 7, "cuti_bersama_is_working_day": false
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
}

/// Count working days between two dates, or find the date N working days after one.
///
/// Working days are Monday–Friday except national holidays and (by default) *cuti bersama*.
/// `?from=2024-12-31&add=7` → `2025-01-10` (the R22 annual-report deadline for 2024);
/// `?from=2024-03-01&add=45` → `2024-05-21` (an R10 DPRD deadline). A computation that reaches
/// a year without holiday data is refused with `calendar_out_of_range`.
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
    let cal = &caller.state.calendar;
    let (to, working_days) = reference::working_days(cal, *q.from, q.to.map(Date::naive), q.add)?;
    Ok(reply::ok(WorkingDays {
        from: *q.from,
        to,
        working_days,
        cuti_bersama_is_working_day: cal.policy().cuti_bersama_is_working_day,
    }))
}

super::operations! {
    holidays,
    working_days,
}
