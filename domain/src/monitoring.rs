//! Monitoring an agreement after signing: its action plan against what was
//! realised, dormancy, annual reports ([`annual_report`], R21, R22) and the reminders derived
//! from them ([`reminders`]). The periods that are product decisions (DEFAULT) live in
//! [`MonitoringPolicy`], which is configuration.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agreement::{AgreementKind, AgreementStatus, Instrument};
use crate::code::code_enum;
use crate::{RegionCode, Verdict, Violation};

pub mod annual_report;
pub mod reminders;

pub use reminders::{reminders, Reminder, ReminderKind};

/// The DEFAULT periods of monitoring; every value is configuration and shown by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringPolicy {
    /// An active agreement without any activity for this many months is dormant
    /// (DEFAULT 24; seed 000: five years without a return visit).
    pub dormancy_months: u32,
    /// Days before the end date at which an expiry reminder is raised (DEFAULT 180, 90, 30).
    pub expiry_reminder_days: Vec<u32>,
    /// A letter of intent not followed by a signed agreement within this many months is
    /// reminded (DEFAULT 12; seed 003 recommendation 6).
    pub loi_follow_up_months: u32,
    /// An active agreement without a submitted or verified evaluation for this many months is
    /// due for evaluation (DEFAULT 12: art. 44 asks for evaluation, no interval found).
    pub evaluation_interval_months: u32,
    /// Days before an annual report's due date from which it is reminded (DEFAULT 30).
    pub report_reminder_days: u32,
    /// Days before the holiday calendar's last covered date from which admins and central
    /// reviewers are reminded to load the next year (DEFAULT 90).
    pub calendar_coverage_reminder_days: u32,
}

impl Default for MonitoringPolicy {
    fn default() -> Self {
        Self {
            dormancy_months: 24,
            expiry_reminder_days: vec![180, 90, 30],
            loi_follow_up_months: 12,
            evaluation_interval_months: 12,
            report_reminder_days: 30,
            calendar_coverage_reminder_days: 90,
        }
    }
}

/// `date` minus `months` calendar months (the end of a shorter month is clamped).
pub fn months_before(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

/// The smallest expiry-reminder window that `expires_on` falls into, as seen on `today`:
/// with windows 180/90/30, an agreement ending in 45 days is in the 90-day window.
pub fn expiry_window(expires_on: NaiveDate, today: NaiveDate, windows: &[u32]) -> Option<u32> {
    let left = (expires_on - today).num_days();
    if left < 0 {
        return None;
    }
    windows
        .iter()
        .copied()
        .filter(|w| left <= i64::from(*w))
        .min()
}

/// **Dormancy** (DEFAULT period): an active agreement is dormant when neither its
/// start (effective date, else signing date) nor any activity falls within the last
/// `policy.dormancy_months` months.
pub fn is_dormant(
    started_on: Option<NaiveDate>,
    last_activity_on: Option<NaiveDate>,
    today: NaiveDate,
    policy: &MonitoringPolicy,
) -> bool {
    let cutoff = months_before(today, policy.dormancy_months);
    let latest = match (started_on, last_activity_on) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    latest.is_some_and(|d| d < cutoff)
}

/// Whether an agreement with this status was signed (and so has been in force).
pub fn was_signed(status: AgreementStatus) -> bool {
    matches!(
        status,
        AgreementStatus::Active | AgreementStatus::Expired | AgreementStatus::Terminated
    )
}

/// **R21** — an agreement is reported for a period when it was in force at some time during
/// `[from, to]`: signed (active, expired or terminated), started by `to`, not ended before
/// `from` (PP 28/2018 art. 43).
pub fn in_force(
    status: AgreementStatus,
    started_on: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    from: NaiveDate,
    to: NaiveDate,
) -> bool {
    was_signed(status)
        && started_on.is_some_and(|s| s <= to)
        && expires_on.is_none_or(|e| e >= from)
}

/// An agreement as monitoring sees it: what reminders and annual reports are decided from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementFacts {
    pub id: String,
    pub reference_number: String,
    pub region: RegionCode,
    pub kind: AgreementKind,
    pub instrument: Instrument,
    pub status: AgreementStatus,
    pub title_id: String,
    pub parent_id: Option<String>,
    pub predecessor_id: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub effective_from: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    /// Set by the dormancy job.
    pub dormant_since: Option<NaiveDate>,
}

impl AgreementFacts {
    /// When it started: its effective date, else its signing date.
    pub fn started_on(&self) -> Option<NaiveDate> {
        self.effective_from.or(self.signed_on)
    }

    /// **R21** — whether it was in force at some time during `[from, to]`.
    pub fn in_force(&self, from: NaiveDate, to: NaiveDate) -> bool {
        in_force(self.status, self.started_on(), self.expires_on, from, to)
    }
}

/// The calendar date in `region`'s own zone of a moment stored in UTC.
pub fn local_date(at: NaiveDateTime, region: &RegionCode) -> NaiveDate {
    (at + chrono::Duration::hours(i64::from(region.utc_offset_hours()))).date()
}

/// Where an annual report stands (R22).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Submitted on or before its due date.
    SubmittedOnTime,
    /// Submitted after its due date.
    SubmittedLate,
    /// Not submitted, and the due date has not passed.
    Due,
    /// Not submitted, and the due date has passed.
    Overdue,
}

/// **R22** — a report submitted on `submitted_on` (the submitter's local date) is on time when
/// that date is not after `due_on`; an unsubmitted report is overdue from the day after.
pub fn report_state(
    due_on: NaiveDate,
    submitted_on: Option<NaiveDate>,
    today: NaiveDate,
) -> ReportState {
    match submitted_on {
        Some(d) if d <= due_on => ReportState::SubmittedOnTime,
        Some(_) => ReportState::SubmittedLate,
        None if today <= due_on => ReportState::Due,
        None => ReportState::Overdue,
    }
}

code_enum! {
    /// What an action plan is called in the text it belongs to.
    PlanKind {
        /// *Rencana aksi* (seed 004 recommendation 3).
        ActionPlan => "action_plan",
        /// Technical cooperation: a master plan with annual work plans (seed 002 recommendation 5).
        MasterPlan => "master_plan",
    }
}

/// A planned item of one year: what, who, when, with which budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedItem {
    pub key: String,
    pub year: i32,
}

/// A success indicator with its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorTarget {
    pub key: String,
    pub target: Decimal,
}

/// What one activity realised: the planned items it carried out and its contribution to
/// indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realised {
    pub activity_id: String,
    pub plan_items: Vec<String>,
    pub indicator_values: Vec<(String, Decimal)>,
}

/// Planned items of one year and how many were carried out.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearRealisation {
    pub year: i32,
    pub planned: u32,
    pub done: u32,
    /// done ÷ planned × 100, two decimals.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "50"))]
    pub percent_done: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRealisation {
    pub key: String,
    pub activity_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorRealisation {
    pub key: String,
    pub target: Decimal,
    pub achieved: Decimal,
    /// achieved ÷ target × 100, two decimals (not capped: over-achievement shows).
    pub percent_achieved: Decimal,
    pub activity_ids: Vec<String>,
}

/// Plan against realisation (seed 000 §D.5: success is the match between the two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realisation {
    pub years: Vec<YearRealisation>,
    pub items: Vec<ItemRealisation>,
    pub indicators: Vec<IndicatorRealisation>,
    pub planned: u32,
    pub done: u32,
    pub percent_done: Decimal,
}

fn percent(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part * Decimal::ONE_HUNDRED / whole)
            .round_dp(2)
            .normalize()
    }
}

/// A plan may be replaced only if every planned item and indicator that an activity cites is
/// still in it: removing one would silently drop what was realised (409 `plan_key_in_use`).
pub fn keys_in_use(
    items: &BTreeSet<&str>,
    indicators: &BTreeSet<&str>,
    realised: &[Realised],
) -> Verdict<()> {
    let mut in_use = BTreeSet::new();
    for r in realised {
        in_use.extend(r.plan_items.iter().filter(|k| !items.contains(k.as_str())));
        in_use.extend(
            r.indicator_values
                .iter()
                .map(|(k, _)| k)
                .filter(|k| !indicators.contains(k.as_str())),
        );
    }
    if in_use.is_empty() {
        return Ok(());
    }
    let keys = in_use.into_iter().cloned().collect::<Vec<_>>().join(", ");
    Err(vec![Violation::conflict(
        "plan_key_in_use",
        format!("activities cite {keys}; unlink them before removing these keys"),
        format!("kegiatan merujuk {keys}; lepaskan rujukannya sebelum menghapus"),
    )])
}

/// Compares a plan with the activities that realised it. An item is done when at least one
/// activity carried it out; an indicator's achievement is the sum of the activities'
/// contributions. Links to keys that are not in the plan are ignored (the API refuses them).
pub fn realisation(
    items: &[PlannedItem],
    indicators: &[IndicatorTarget],
    realised: &[Realised],
) -> Realisation {
    let mut by_item: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut by_indicator: BTreeMap<&str, (Decimal, Vec<String>)> = BTreeMap::new();
    for r in realised {
        for k in r.plan_items.iter().collect::<BTreeSet<_>>() {
            by_item
                .entry(k.as_str())
                .or_default()
                .push(r.activity_id.clone());
        }
        for (k, v) in &r.indicator_values {
            let e = by_indicator.entry(k.as_str()).or_default();
            e.0 += *v;
            if !e.1.contains(&r.activity_id) {
                e.1.push(r.activity_id.clone());
            }
        }
    }
    let mut years: BTreeMap<i32, (u32, u32)> = BTreeMap::new();
    let mut item_rows = Vec::new();
    for it in items {
        let ids = by_item.get(it.key.as_str()).cloned().unwrap_or_default();
        let y = years.entry(it.year).or_default();
        y.0 += 1;
        if !ids.is_empty() {
            y.1 += 1;
        }
        item_rows.push(ItemRealisation {
            key: it.key.clone(),
            activity_ids: ids,
        });
    }
    let (planned, done) = years
        .values()
        .fold((0, 0), |(p, d), (yp, yd)| (p + yp, d + yd));
    Realisation {
        years: years
            .into_iter()
            .map(|(year, (p, d))| YearRealisation {
                year,
                planned: p,
                done: d,
                percent_done: percent(d.into(), p.into()),
            })
            .collect(),
        items: item_rows,
        indicators: indicators
            .iter()
            .map(|i| {
                let (achieved, ids) = by_indicator
                    .get(i.key.as_str())
                    .cloned()
                    .unwrap_or_default();
                IndicatorRealisation {
                    key: i.key.clone(),
                    target: i.target,
                    achieved: achieved.normalize(),
                    percent_achieved: percent(achieved, i.target),
                    activity_ids: ids,
                }
            })
            .collect(),
        planned,
        done,
        percent_done: percent(done.into(), planned.into()),
    }
}

/// What the monitoring tests are written with.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub use crate::region::testing::code;

    /// An MoU of `region` with `status`, signed and in effect on `signed`.
    pub fn mou(
        id: &str,
        region: &str,
        status: AgreementStatus,
        signed: &str,
        expires: Option<&str>,
    ) -> AgreementFacts {
        AgreementFacts {
            id: id.into(),
            reference_number: format!("KSLN-{id}"),
            region: code(region),
            kind: AgreementKind::Ksdpl,
            instrument: Instrument::Mou,
            status,
            title_id: format!("Kerja sama {id}"),
            parent_id: None,
            predecessor_id: None,
            signed_on: Some(d(signed)),
            effective_from: Some(d(signed)),
            expires_on: expires.map(d),
            dormant_since: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::d;
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn plan_against_realisation_counts_items_per_year_and_sums_indicators() {
        let items = [
            PlannedItem {
                key: "2025-1".into(),
                year: 2025,
            },
            PlannedItem {
                key: "2025-2".into(),
                year: 2025,
            },
            PlannedItem {
                key: "2026-1".into(),
                year: 2026,
            },
        ];
        let indicators = [
            IndicatorTarget {
                key: "students".into(),
                target: dec("20"),
            },
            IndicatorTarget {
                key: "visits".into(),
                target: dec("4"),
            },
        ];
        let realised = [
            Realised {
                activity_id: "a1".into(),
                plan_items: vec!["2025-1".into(), "2025-1".into()],
                indicator_values: vec![("students".into(), dec("6")), ("visits".into(), dec("1"))],
            },
            Realised {
                activity_id: "a2".into(),
                plan_items: vec!["2025-1".into()],
                indicator_values: vec![("students".into(), dec("4.5"))],
            },
        ];
        let r = realisation(&items, &indicators, &realised);
        assert_eq!((r.planned, r.done), (3, 1));
        assert_eq!(r.percent_done, dec("33.33"));
        assert_eq!(r.years[0].percent_done, dec("50"));
        assert_eq!((r.years[1].planned, r.years[1].done), (1, 0));
        assert_eq!(r.items[0].activity_ids, vec!["a1", "a2"]);
        assert_eq!(r.indicators[0].achieved, dec("10.5"));
        assert_eq!(r.indicators[0].percent_achieved, dec("52.5"));
        assert_eq!(r.indicators[1].percent_achieved, dec("25"));
    }

    #[test]
    fn an_empty_plan_is_zero_percent_not_a_division_by_zero() {
        let r = realisation(
            &[],
            &[IndicatorTarget {
                key: "x".into(),
                target: Decimal::ZERO,
            }],
            &[],
        );
        assert_eq!(r.percent_done, Decimal::ZERO);
        assert_eq!(r.indicators[0].percent_achieved, Decimal::ZERO);
    }

    #[test]
    fn dormancy_counts_from_the_latest_of_start_and_activity() {
        let p = MonitoringPolicy::default();
        let today = d("2026-11-24");
        assert!(is_dormant(Some(d("2019-08-06")), None, today, &p));
        assert!(!is_dormant(
            Some(d("2019-08-06")),
            Some(d("2025-01-01")),
            today,
            &p
        ));
        assert!(
            !is_dormant(Some(d("2024-11-24")), None, today, &p),
            "exactly 24 months"
        );
        assert!(is_dormant(Some(d("2024-11-23")), None, today, &p));
        assert!(
            !is_dormant(None, None, today, &p),
            "no start date: nothing to measure"
        );
        let short = MonitoringPolicy {
            dormancy_months: 6,
            ..p
        };
        assert!(is_dormant(Some(d("2026-05-01")), None, today, &short));
    }

    #[test]
    fn expiry_falls_into_the_narrowest_window() {
        let w = [180, 90, 30];
        let today = d("2026-11-24");
        assert_eq!(expiry_window(d("2026-12-24"), today, &w), Some(30));
        assert_eq!(expiry_window(d("2027-01-08"), today, &w), Some(90));
        assert_eq!(expiry_window(d("2027-05-23"), today, &w), Some(180));
        assert_eq!(expiry_window(d("2027-05-24"), today, &w), None);
        assert_eq!(
            expiry_window(d("2026-11-23"), today, &w),
            None,
            "already ended"
        );
    }

    #[test]
    fn r22_a_report_is_late_from_the_day_after_its_due_date() {
        let due = d("2025-01-10");
        assert_eq!(
            report_state(due, Some(due), d("2025-02-01")),
            ReportState::SubmittedOnTime
        );
        assert_eq!(
            report_state(due, Some(d("2025-01-11")), d("2025-02-01")),
            ReportState::SubmittedLate
        );
        assert_eq!(report_state(due, None, due), ReportState::Due);
        assert_eq!(
            report_state(due, None, d("2025-01-11")),
            ReportState::Overdue
        );
    }

    #[test]
    fn r21_an_agreement_counts_for_a_year_it_was_in_force_in() {
        use AgreementStatus as S;
        let (from, to) = (d("2024-01-01"), d("2024-12-31"));
        let ends = |e: &str| Some(d(e));
        assert!(in_force(
            S::Active,
            ends("2019-08-06"),
            ends("2029-08-05"),
            from,
            to
        ));
        assert!(in_force(
            S::Expired,
            ends("2019-08-06"),
            ends("2024-01-01"),
            from,
            to
        ));
        assert!(in_force(S::Terminated, ends("2019-08-06"), None, from, to));
        assert!(!in_force(
            S::Expired,
            ends("2014-01-01"),
            ends("2023-12-31"),
            from,
            to
        ));
        assert!(
            !in_force(S::Active, ends("2025-01-01"), None, from, to),
            "started later"
        );
        assert!(
            !in_force(S::Draft, ends("2020-01-01"), None, from, to),
            "never signed"
        );
        assert!(!in_force(S::InApproval, ends("2020-01-01"), None, from, to));
    }

    #[test]
    fn a_plan_cannot_drop_a_key_an_activity_cites() {
        let realised = [Realised {
            activity_id: "a1".into(),
            plan_items: vec!["2025-01".into(), "2025-02".into()],
            indicator_values: vec![("teachers".into(), dec("3"))],
        }];
        let all = BTreeSet::from(["2025-01", "2025-02"]);
        let teachers = BTreeSet::from(["teachers"]);
        assert_eq!(keys_in_use(&all, &teachers, &realised), Ok(()));
        let v = keys_in_use(&BTreeSet::from(["2025-01"]), &BTreeSet::new(), &realised).unwrap_err();
        assert_eq!(v[0].code, "plan_key_in_use");
        assert_eq!(v[0].refusal, crate::Refusal::Conflict);
        assert!(
            v[0].text.en.contains("2025-02, teachers"),
            "{}",
            v[0].text.en
        );
        assert!(v[0].text.id.contains("kegiatan merujuk"));
    }

    #[test]
    fn a_moment_falls_on_the_regions_own_date() {
        let at = "2026-03-01T16:30:00".parse::<NaiveDateTime>().unwrap();
        let jakarta = RegionCode::parse("31").unwrap();
        let jayapura = RegionCode::parse("91.71").unwrap();
        assert_eq!(local_date(at, &jakarta), d("2026-03-01"), "23:30 WIB");
        assert_eq!(local_date(at, &jayapura), d("2026-03-02"), "01:30 WIT");
    }

    #[test]
    fn plan_kinds_are_stored_by_their_code() {
        for k in [PlanKind::ActionPlan, PlanKind::MasterPlan] {
            assert_eq!(PlanKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(PlanKind::parse("roadmap"), None);
    }

    #[test]
    fn months_before_clamps_to_the_end_of_a_shorter_month() {
        assert_eq!(months_before(d("2026-03-31"), 1), d("2026-02-28"));
        assert_eq!(months_before(d("2026-11-24"), 24), d("2024-11-24"));
    }
}
