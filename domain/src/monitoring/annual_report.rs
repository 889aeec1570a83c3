//! Annual reports. **R21** (PP 28/2018 art. 43, 44): every agreement in force during the fiscal
//! year is reported, by every region that had one, and regency/city reports are visible to the
//! governor. **R22** (seed 002): the report is due 7 working days after the fiscal year (the
//! calendar year) ends; a report submitted after its due date is late.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::AgreementFacts;
use crate::code::code_enum;
use crate::{RegionCode, RuleId, Verdict, Violation};

code_enum! {
    /// Where a report stands: a draft whose content is compiled live, or submitted and frozen.
    ReportStatus {
        Draft => "draft",
        Submitted => "submitted",
    }
}

impl ReportStatus {
    /// What `event` makes of a report in this status due on `due_on`.
    pub fn after(self, event: ReportEvent, due_on: NaiveDate) -> Verdict<Submission> {
        match (self, event) {
            (Self::Draft, ReportEvent::Submit { on }) => Ok(Submission {
                status: Self::Submitted,
                submitted_on: on,
                on_time: on <= due_on,
            }),
            (Self::Submitted, ReportEvent::Submit { .. }) => Err(vec![Violation::conflict(
                "report_submitted",
                "The report was already submitted.",
                "Laporan sudah disampaikan.",
            )]),
        }
    }
}

/// What can happen to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportEvent {
    /// Submitted on `on`, the date in the region's own time zone (WIB, WITA or WIT).
    Submit { on: NaiveDate },
}

/// A submission: **R22** — on time when submitted on or before the due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submission {
    pub status: ReportStatus,
    pub submitted_on: NaiveDate,
    pub on_time: bool,
}

/// The first and last day of a fiscal year (the calendar year).
pub fn fiscal_year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// Whether `region` may start its report of `fiscal_year` on `today` (its own date):
/// **R22** counts from the end of the fiscal year, so only an ended year is reported;
/// **R21** asks one report per region and year (`existing`: one was started).
pub fn may_start(
    region: &RegionCode,
    fiscal_year: i32,
    today: NaiveDate,
    existing: bool,
) -> Verdict<()> {
    let mut v = Vec::new();
    if fiscal_year >= today.year() {
        v.push(
            Violation::invalid(
                "year_not_ended",
                "/fiscal_year",
                "a report covers a fiscal year that has ended",
                "laporan mencakup tahun anggaran yang telah berakhir",
            )
            .citing(RuleId::R22),
        );
    }
    if existing {
        v.push(
            Violation::conflict(
                "report_exists",
                format!("{region} already has a report for {fiscal_year}."),
                format!("{region} sudah memiliki laporan tahun {fiscal_year}."),
            )
            .citing(RuleId::R21),
        );
    }
    crate::violation::verdict(v)
}

/// **R21** — the agreements a region's report covers: every one in force at some time during
/// `[from, to]`.
pub fn reported(
    agreements: &[AgreementFacts],
    from: NaiveDate,
    to: NaiveDate,
) -> impl Iterator<Item = &AgreementFacts> {
    agreements.iter().filter(move |a| a.in_force(from, to))
}

/// **R21** — the regions expected to report for `[from, to]`: every region with an agreement in
/// force during it.
pub fn expected_reporters(
    agreements: &[AgreementFacts],
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeSet<RegionCode> {
    reported(agreements, from, to)
        .map(|a| a.region.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{code, d, mou};
    use super::*;
    use crate::agreement::AgreementStatus;
    use crate::Refusal;

    fn agreement(
        region: &str,
        status: AgreementStatus,
        start: &str,
        end: Option<&str>,
    ) -> AgreementFacts {
        mou(region, region, status, start, end)
    }

    #[test]
    fn r22_a_report_submitted_by_its_due_date_is_on_time() {
        let due = d("2025-01-10");
        let s = ReportStatus::Draft
            .after(ReportEvent::Submit { on: due }, due)
            .unwrap();
        assert_eq!((s.status, s.on_time), (ReportStatus::Submitted, true));
        let late = ReportStatus::Draft
            .after(
                ReportEvent::Submit {
                    on: d("2025-01-11"),
                },
                due,
            )
            .unwrap();
        assert!(!late.on_time);
        assert_eq!(late.submitted_on, d("2025-01-11"));
    }

    #[test]
    fn a_submitted_report_cannot_be_submitted_again() {
        let v = ReportStatus::Submitted
            .after(
                ReportEvent::Submit {
                    on: d("2025-01-02"),
                },
                d("2025-01-10"),
            )
            .unwrap_err();
        assert_eq!(v[0].code, "report_submitted");
        assert_eq!(v[0].refusal, Refusal::Conflict);
        assert_ne!(v[0].text.en, v[0].text.id);
    }

    #[test]
    fn r22_only_an_ended_fiscal_year_is_reported() {
        let jateng = code("33");
        let v = may_start(&jateng, 2026, d("2026-03-02"), false).unwrap_err();
        assert_eq!(
            (v[0].code.as_ref(), v[0].pointer.as_ref(), v[0].rule),
            ("year_not_ended", "/fiscal_year", Some(RuleId::R22))
        );
        assert_eq!(may_start(&jateng, 2025, d("2026-01-01"), false), Ok(()));
    }

    #[test]
    fn r21_a_region_reports_a_year_once() {
        let v = may_start(&code("33.74"), 2024, d("2026-03-02"), true).unwrap_err();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].code, "report_exists");
        assert_eq!(v[0].rule, Some(RuleId::R21));
        assert_eq!(v[0].refusal, Refusal::Conflict);
        assert!(v[0]
            .text
            .id
            .contains("33.74 sudah memiliki laporan tahun 2024"));
    }

    #[test]
    fn r21_every_region_with_an_agreement_in_force_during_the_year_reports() {
        use AgreementStatus as S;
        let (from, to) = fiscal_year_bounds(2024);
        let all = [
            agreement("33", S::Active, "2019-08-06", Some("2029-08-05")),
            agreement("33.74", S::Expired, "2019-01-10", Some("2024-03-01")),
            agreement("33.01", S::Expired, "2015-01-10", Some("2023-12-31")),
            agreement("36", S::Draft, "2020-01-01", None),
            agreement("35", S::Active, "2025-02-01", None),
        ];
        let expected: Vec<String> = expected_reporters(&all, from, to)
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(expected, ["33", "33.74"]);
        assert_eq!(reported(&all, from, to).count(), 2);
    }

    #[test]
    fn report_statuses_are_stored_by_their_code() {
        for s in [ReportStatus::Draft, ReportStatus::Submitted] {
            assert_eq!(ReportStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ReportStatus::parse("late"), None);
    }
}
