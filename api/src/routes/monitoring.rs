//! Reminders and the overview dashboard, in the caller's scope. Both are computed from the
//! records when asked for (service::monitoring), with the periods of the monitoring policy
//! (configuration), and reused per scope for a few seconds while nothing is written through this
//! server (summaries.rs): a write here shows at once.

use actix_web::HttpResponse;
use chrono::NaiveDate;
use jalin_domain::access::Action;
use jalin_domain::monitoring::{Reminder, ReminderKind};
use jalin_domain::RuleId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::openapi::responses::BadRequest;
use crate::pagination::Paging;
use crate::reply;
use crate::routes::InRegion;
use crate::service::monitoring::{self, Overview};

/// Something that needs attention.
#[derive(Serialize, ToSchema)]
#[schema(as = Reminder, example = json!({
    "kind": "expiring", "due_on": "2027-02-01", "days": 69, "window_days": 90, "region_code": "33",
    "record_type": "agreement", "record_id": "01930000-0000-7000-8000-000000000000", "reference_number": "KSLN-33-2019-0001",
    "title": "Kerja Sama Provinsi Kembar Jawa Tengah–Queensland", "rule": "R18",
    "message": "Ends on 2027-02-01 (in 69 days): evaluate it and decide on renewal (R18).",
    "message_id": "Berakhir 2027-02-01 (69 hari lagi): evaluasi dan putuskan perpanjangan (R18).",
    "provisional": false
}))]
pub struct ReminderDto {
    pub kind: ReminderKind,
    /// The date it is about: the end date, a stage's or report's due date, when dormancy or the
    /// follow-up period began to count.
    pub due_on: NaiveDate,
    /// Days from today to `due_on`; negative once past.
    pub days: i64,
    /// For `expiring`: the narrowest window it falls into.
    pub window_days: Option<u32>,
    pub region_code: String,
    /// `agreement`, `annual_report`, `travel_request` or `recommendation`.
    pub record_type: String,
    /// The agreement, or the report if one was started.
    pub record_id: Option<String>,
    pub reference_number: Option<String>,
    pub title: String,
    /// The rule the reminder follows, when there is one (R10, R18, R22).
    pub rule: Option<RuleId>,
    pub message: String,
    /// The message in Indonesian.
    pub message_id: String,
    /// A working-day due date past the loaded holiday years: estimated on weekends alone.
    pub provisional: bool,
    /// `calendar_not_loaded` when `provisional`.
    pub provisional_reason: Option<String>,
}

impl ReminderDto {
    /// The reminder, its due date flagged provisional when `cal` can only estimate it.
    fn on(r: &Reminder, cal: &jalin_domain::Calendar) -> Self {
        let provisional = r.kind.counts_working_days() && cal.is_estimate(r.due_on);
        Self {
            provisional,
            provisional_reason: super::cases::provisional_reason(provisional),
            ..Self::from(r)
        }
    }
}

impl From<&Reminder> for ReminderDto {
    fn from(r: &Reminder) -> Self {
        crate::shown!(
            r,
            Self {
                kind,
                due_on,
                days,
                window_days,
                region_code: r
                    .region
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                record_type: r.record.as_str().into(),
                record_id,
                reference_number,
                title,
                rule: r.kind.rule(),
                message: r.text.en.clone(),
                message_id: r.text.id.clone(),
                provisional: false,
                provisional_reason: None
            }
        )
    }
}

crate::page_of!(ReminderPage, ReminderDto);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ReminderQuery {
    /// Only this kind.
    pub kind: Option<ReminderKind>,
}

/// What needs attention in your scope: agreements expiring, letters of intent not followed up,
/// overdue workflow stages, annual reports due or late, dormant agreements, evaluations due,
/// trip reports late; soonest first.
#[utoipa::path(
    get,
    path = "/v1/reminders",
    operation_id = "listReminders",
    tag = "reporting",
    params(ReminderQuery, InRegion, Paging),
    responses(
        (status = 200, description = "A page of reminders.", body = ReminderPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    caller: Caller,
    ApiQuery(q): ApiQuery<ReminderQuery>,
    in_region: InRegion,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let region = in_region.code()?;
    let page = paging.of("reminders")?;
    // Every reminder of the scope, computed once per scope and reused briefly (summaries.rs);
    // the kind filter and the page are cut from it per request.
    let ctx = caller.ctx.clone();
    let key = format!("reminders|{vis:?}|{region:?}|{}", ctx.today());
    let state = &caller.state;
    let (policy, calendar) = (state.config.monitoring.clone(), state.calendar.clone());
    let all = state
        .summary(key, move |c| {
            monitoring::reminders(c, &ctx, &vis, region.as_ref(), &policy, &calendar)
        })
        .await?;
    let after = page.after.as_deref();
    let rows: Vec<&Reminder> = all
        .iter()
        .filter(|r| q.kind.is_none_or(|k| r.kind == k))
        .filter(|r| after.is_none_or(|after| r.sort_key().as_str() > after))
        .take(page.fetch() as usize)
        .collect();
    let (items, next_cursor) = page.page(rows, |r| r.sort_key());
    let cal = &caller.state.calendar;
    let items = items.into_iter().map(|r| ReminderDto::on(r, cal)).collect();
    Ok(reply::ok(ReminderPage { items, next_cursor }))
}

/// The dashboard: counts by status, kind, country and region; agreements expiring; stages
/// overdue; dormant agreements.
#[utoipa::path(
    get,
    path = "/v1/stats/overview",
    operation_id = "getOverview",
    tag = "reporting",
    params(InRegion),
    responses(
        (status = 200, description = "Counts in your scope.", body = Overview),
        (status = 400, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn overview(caller: Caller, in_region: InRegion) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let region = in_region.code()?;
    let windows = caller.state.config.monitoring.expiry_reminder_days.clone();
    // Computed once per scope and reused briefly (summaries.rs).
    let ctx = caller.ctx.clone();
    let key = format!("overview|{vis:?}|{region:?}|{}|{windows:?}", ctx.today());
    let body = caller
        .state
        .summary(key, move |c| {
            monitoring::overview(c, &ctx, &vis, region.as_ref(), &windows)
        })
        .await?;
    Ok(reply::ok(&*body))
}

super::operations! {
    list,
    overview,
}
