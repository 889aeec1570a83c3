//! A region's own days off over HTTP (issue #17 item 4): read a region's years, load one.
//! A province's days apply to the province and its regencies/cities, a regency's/city's to
//! itself; every working-day deadline of a record in the region counts on them.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use jalin_domain::access::Action;
use jalin_domain::calendar::RegionalDayOff;
use jalin_domain::Date;
use jalin_persistence::regional_calendar::RegionalYearVersion;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::calendar::{after_load, on_weekend, year_of};
use crate::caller::Caller;
use crate::concurrency::{Etag, OptionalIfMatch};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::responses::ValidationFailed;
use crate::reply;
use crate::service::calendar::{Decree, LoadError};
use crate::service::regional_calendar::{self as regional, RegionalYearRecord};

/// One of a region's own days off.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "date": "2027-06-19", "name_id": "Hari Jadi Provinsi", "region_code": "32", "on_weekend": true
}))]
pub struct RegionalDay {
    #[schema(value_type = String, format = Date, example = "2027-06-19")]
    pub date: NaiveDate,
    /// The name in Indonesian.
    pub name_id: String,
    /// The region whose decree sets the day.
    pub region_code: String,
    /// Falls on a Saturday or Sunday (no working day is lost).
    pub on_weekend: bool,
}

impl From<RegionalDayOff> for RegionalDay {
    fn from(d: RegionalDayOff) -> Self {
        RegionalDay {
            on_weekend: on_weekend(d.date),
            date: d.date,
            name_id: d.name_id,
            region_code: d.region.to_string(),
        }
    }
}

/// A stored version of a region's year.
#[derive(Serialize, ToSchema)]
pub struct RegionalYearVersionView {
    pub region_code: String,
    pub year: i32,
    /// 1 for the first load of the region's year; each amendment adds one.
    pub version: i32,
    /// The regional decree (Pergub, Perbup/Perwali, SK…) number.
    pub decree_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub decree_date: Option<NaiveDate>,
    pub source_note: String,
    pub loaded_by: String,
    pub loaded_at: chrono::DateTime<chrono::Utc>,
    pub day_count: i32,
}

impl From<RegionalYearVersion> for RegionalYearVersionView {
    fn from(v: RegionalYearVersion) -> Self {
        RegionalYearVersionView {
            region_code: v.region_code.to_string(),
            year: v.year,
            version: v.version,
            decree_number: v.decree_number,
            decree_date: v.decree_date,
            source_note: v.source_note,
            loaded_by: v.loaded_by,
            loaded_at: v.loaded_at.and_utc(),
            day_count: v.day_count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RegionalYearList {
    pub region_code: String,
    /// Each year the region loaded, with its version in force, oldest year first.
    pub items: Vec<RegionalYearVersionView>,
}

/// A region's year: its days in force and every version loaded.
#[derive(Serialize, ToSchema)]
pub struct RegionalYearView {
    #[serde(flatten)]
    pub current: RegionalYearVersionView,
    pub days: Vec<RegionalDay>,
    /// Every version, oldest first (the last is in force).
    pub history: Vec<RegionalYearVersionView>,
}

fn year_view(r: RegionalYearRecord) -> (Etag, RegionalYearView) {
    let tag = regional::etag(&r.current);
    let view = RegionalYearView {
        current: r.current.into(),
        days: r.days.into_iter().map(Into::into).collect(),
        history: r.history.into_iter().map(Into::into).collect(),
    };
    (tag, view)
}

/// The years a region loaded its own days off for, each with its version in force.
///
/// An unknown region is 404. Regions' days off are reference data: anyone may read them.
#[utoipa::path(
    get,
    path = "/v1/calendar/regions/{region_code}/years",
    operation_id = "listRegionalCalendarYears",
    tag = "calendar",
    params(("region_code" = String, Path, description = "Region code.", example = "32", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")),
    responses((status = 200, description = "The region's years.", body = RegionalYearList)),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn years(caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let region = path.into_inner();
    let code = region.clone();
    let items = caller.db(move |c| regional::years(c, &code)).await?;
    Ok(reply::ok(RegionalYearList {
        region_code: region,
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// A region's year: its own days off in force, its decree and every earlier version.
#[utoipa::path(
    get,
    path = "/v1/calendar/regions/{region_code}/years/{year}",
    operation_id = "getRegionalCalendarYear",
    tag = "calendar",
    params(
        ("region_code" = String, Path, description = "Region code.", example = "32", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$"),
        ("year" = i32, Path, minimum = 1900, maximum = 2200, description = "The calendar year."),
    ),
    responses(
        (status = 200, description = "The region's year.", body = RegionalYearView, headers(("ETag" = String))),
        (status = 422, response = ValidationFailed),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn year(
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let (region, year) = path.into_inner();
    let year = year_of(&year)?;
    let record = caller.db(move |c| regional::year(c, &region, year)).await?;
    let (tag, view) = year_view(record);
    Ok(reply::ok_tagged(&tag, view))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RegionalDayInput {
    #[schema(value_type = String, format = Date, example = "2027-06-19")]
    pub date: Date,
    /// The name in Indonesian.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name_id: String,
}

/// A region's own days off of a year, as its decree (or an amendment) sets them.
#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "decree_number": "Keputusan Gubernur (test data)", "decree_date": "2026-11-20",
    "source_note": "TEST DATA, not an official decree",
    "days": [{"date": "2027-06-19", "name_id": "Hari Jadi Provinsi"}]
}))]
pub struct LoadRegionalYear {
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub decree_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub decree_date: Option<Date>,
    /// Where the days come from (the decree's publication, a correction…).
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub source_note: String,
    /// The region's days off of the year; an empty list withdraws them.
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub days: Vec<RegionalDayInput>,
}

/// The region's year after a load, with how many stored due dates changed.
#[derive(Serialize, ToSchema)]
pub struct RegionalYearLoaded {
    #[serde(flatten)]
    pub year: RegionalYearView,
    /// Stored due dates the new days changed: running cases' and the annual reports due in the
    /// year, in the regions the days apply to (each audited).
    pub due_dates_recomputed: usize,
}

/// Load a region's own days off of a year as its next version (audited).
///
/// For an admin anywhere, a province officer in its province and its regencies/cities, a
/// region officer in its own region (scope `regional_calendar:write`); another region is 404.
/// A province's days apply to the province and its regencies/cities, a regency's/city's to
/// itself. A year the region already loaded needs `If-Match` with its ETag (428 without, 412
/// when stale); a new one needs none (an `If-Match` then is 412). The stored due dates of the
/// running cases and annual reports in the regions the days apply to are recomputed on their
/// region's calendar, each change audited (`workflow.due_date_recomputed`).
#[utoipa::path(
    put,
    path = "/v1/calendar/regions/{region_code}/years/{year}",
    operation_id = "loadRegionalCalendarYear",
    tag = "calendar",
    request_body = LoadRegionalYear,
    params(
        ("region_code" = String, Path, description = "Region code.", example = "32", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$"),
        ("year" = i32, Path, minimum = 1900, maximum = 2200, description = "The calendar year."),
        ("If-Match" = Option<String>, Header, description = "The region's year's ETag; required when the year is already loaded."),
    ),
    responses((status = 200, description = "The region's year as loaded.", body = RegionalYearLoaded, headers(("ETag" = String)))),
    security(("bearer" = []), ("client_credentials" = ["regional_calendar:write"]))
)]
pub async fn load_year(
    caller: Caller,
    path: web::Path<(String, String)>,
    OptionalIfMatch(if_match): OptionalIfMatch,
    body: ApiJson<LoadRegionalYear>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageRegionalCalendar)?;
    let (region, year) = path.into_inner();
    let year = year_of(&year)?;
    let input = regional::RegionalYearInput {
        decree: Decree {
            decree_number: body.value.decree_number,
            decree_date: body.value.decree_date.map(Date::naive),
            source_note: body.value.source_note,
        },
        days: body
            .value
            .days
            .into_iter()
            .map(|d| (*d.date, d.name_id))
            .collect(),
    };
    let policy = caller.state.calendars.policy();
    let loaded = caller
        .write(move |c, ctx| {
            let check = |tag: Option<&Etag>| if_match.check_if_exists(tag);
            regional::load_year(c, ctx, policy, &vis, &region, year, input, check)
                .map_err(LoadError::into_problem)
        })
        .await?;
    Ok(after_load(
        &caller,
        loaded,
        year_view,
        |year, due_dates_recomputed| RegionalYearLoaded {
            year,
            due_dates_recomputed,
        },
    ))
}

super::operations! {
    years,
    year,
    load_year,
}
