//! Reminders and the overview dashboard, in the caller's scope, on the clock's day. Reminders are
//! decided by the domain (`jalin_domain::monitoring::reminders`) from the facts loaded here; the
//! overview is counted by the database.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use jalin_domain::access::Visibility;
use jalin_domain::monitoring::reminders::{reminded_years, Facts, StartedReport};
use jalin_domain::monitoring::{self as rules, MonitoringPolicy, Reminder};
use jalin_domain::{Calendar, RegionCode};
use jalin_persistence::{monitoring, reports, DbConnection};
use serde::Serialize;
use utoipa::ToSchema;

use super::Ctx;
use crate::error::ApiError;

/// Everything to remind within `vis` (narrowed to `region`), soonest first.
pub fn reminders(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    region: Option<&RegionCode>,
    policy: &MonitoringPolicy,
    calendar: &Calendar,
) -> Result<Vec<Reminder>, ApiError> {
    let today = ctx.today();
    let mut started = Vec::new();
    for year in reminded_years(today) {
        started.extend(
            reports::of_year(c, vis, year)?
                .into_iter()
                .map(|r| StartedReport {
                    id: r.id,
                    region: r.region_code,
                    fiscal_year: r.fiscal_year,
                    submitted_on: r.submitted_on,
                }),
        );
    }
    let facts = Facts {
        agreements: monitoring::agreements(c, vis, region)?,
        last_evaluated: monitoring::last_evaluated(c, vis)?,
        cases: monitoring::running_cases(c, vis)?,
        reports: started,
        trips: monitoring::pending_trip_reports(c, vis, region, today)?,
        recommendations: monitoring::overdue_recommendations(c, vis, region, today)?,
    };
    let mut all = rules::reminders(&facts, policy, calendar, today);
    // Those who maintain the calendar for the whole country (admins, central reviewers,
    // national service accounts) are reminded to load the next year.
    if matches!(vis, Visibility::All) && region.is_none() {
        all.extend(jalin_domain::monitoring::reminders::calendar_coverage(
            calendar.last_covered(),
            today,
            policy.calendar_coverage_reminder_days,
        ));
        all.sort_by_key(Reminder::sort_key);
    }
    Ok(all)
}

#[derive(Serialize, ToSchema)]
pub struct ExpiringCount {
    pub within_days: u32,
    /// Active agreements ending within this many days.
    pub count: u32,
}

/// Counts over the agreements in your scope.
#[derive(Serialize, ToSchema)]
pub struct Overview {
    pub as_of: NaiveDate,
    pub agreements: u32,
    pub by_status: BTreeMap<String, u32>,
    pub by_kind: BTreeMap<String, u32>,
    /// By the partners' countries (ISO 3166-1 alpha-2); an agreement with partners in two
    /// countries counts in both.
    pub by_country: BTreeMap<String, u32>,
    /// By province when your scope is the whole country, else by region.
    pub by_region: BTreeMap<String, u32>,
    /// Active agreements ending within each expiry-reminder window.
    pub expiring: Vec<ExpiringCount>,
    /// Running approval cases whose current stage is past its due date.
    pub overdue_stages: u32,
    pub dormant: u32,
}

/// The dashboard's counts within `vis` (narrowed to `region`), counted by the database (GROUP
/// BY), so the cost does not grow with what is loaded into memory.
pub fn overview(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    region: Option<&RegionCode>,
    windows: &[u32],
) -> Result<Overview, ApiError> {
    let today = ctx.today();
    let national = matches!(vis, Visibility::All) && region.is_none();
    let counts = monitoring::counts(c, vis, region, national)?;
    let map = |v: Vec<(String, i64)>| -> BTreeMap<String, u32> {
        v.into_iter().map(|(k, n)| (k, n as u32)).collect()
    };
    let mut expiring = Vec::new();
    for w in windows {
        let until = today + chrono::Duration::days(i64::from(*w));
        expiring.push(ExpiringCount {
            within_days: *w,
            count: monitoring::expiring(c, vis, region, today, until)? as u32,
        });
    }
    Ok(Overview {
        as_of: today,
        agreements: counts.total as u32,
        by_status: map(counts.by_status),
        by_kind: map(counts.by_kind),
        by_country: map(counts.by_country),
        by_region: map(counts.by_region),
        expiring,
        overdue_stages: monitoring::overdue_stages(c, vis, region, today)? as u32,
        dormant: counts.dormant as u32,
    })
}
