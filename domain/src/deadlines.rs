//! Legal deadlines that count in working days.

use chrono::NaiveDate;

use crate::calendar::{Calendar, CalendarError, Reckoned};

/// **R10** — DPRD decides within 45 working days of receiving the request
/// (PP 28/2018 art. 30(4), HIGH). Silence is not approval: this is only the date from which
/// the stage is flagged overdue.
pub const DPRD_DECISION_WORKING_DAYS: u32 = 45;

/// **R22** — the annual report is due 7 working days after the fiscal year ends
/// (seed 002, MEDIUM). The fiscal year is the calendar year.
pub const ANNUAL_REPORT_WORKING_DAYS: u32 = 7;

/// **R10** — the DPRD decision due date for a request received on `received`.
pub fn dprd_decision_due(cal: &Calendar, received: NaiveDate) -> Result<NaiveDate, CalendarError> {
    cal.add_working_days(received, DPRD_DECISION_WORKING_DAYS)
}

/// **R22** — the annual report due date for `fiscal_year`.
pub fn annual_report_due(cal: &Calendar, fiscal_year: i32) -> Result<NaiveDate, CalendarError> {
    cal.add_working_days(year_end(fiscal_year)?, ANNUAL_REPORT_WORKING_DAYS)
}

/// 31 December of `fiscal_year`, from which the report's working days count.
fn year_end(fiscal_year: i32) -> Result<NaiveDate, CalendarError> {
    NaiveDate::from_ymd_opt(fiscal_year, 12, 31).ok_or(CalendarError::OutOfRange {
        date: NaiveDate::MIN,
        year: fiscal_year,
        covered: String::new(),
    })
}

/// **R22** — the annual report due date for `fiscal_year`, estimated on weekends alone (and
/// flagged provisional) when the next year's holidays are not loaded.
pub fn annual_report_due_estimated(
    cal: &Calendar,
    fiscal_year: i32,
) -> Result<Reckoned<NaiveDate>, CalendarError> {
    cal.add_working_days_estimated(year_end(fiscal_year)?, ANNUAL_REPORT_WORKING_DAYS)
}
