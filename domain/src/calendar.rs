//! The working-day calendar (*hari kerja*): Monday–Friday minus national holidays and, by
//! default, *cuti bersama* (collective leave). Deadlines in PP 28/2018 count in working days
//! (R10, R22), so a wrong answer here is a missed legal deadline: a date outside the years the
//! holiday data covers is an error, never a guess.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::code::code_enum;

code_enum! {
    /// Why a day is not worked.
    DayOffKind {
        /// *Hari libur nasional*, set by SKB or Keppres.
        Holiday => "holiday",
        /// *Cuti bersama*: collective leave for civil servants, set by the same SKB.
        CutiBersama => "cuti_bersama",
    }
}

/// One listed day off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOff {
    pub date: NaiveDate,
    pub name_id: String,
    pub kind: DayOffKind,
}

/// How the calendar treats *cuti bersama*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CalendarPolicy {
    /// DEFAULT `false`: *cuti bersama* are days off (no rule found). Configurable.
    pub cuti_bersama_is_working_day: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The computation reached a year for which no holiday data is loaded.
    #[error("{date} lies in {year}, outside the years the holiday calendar covers ({covered})")]
    OutOfRange {
        date: NaiveDate,
        year: i32,
        covered: String,
    },
    #[error("`to` ({to}) is before `from` ({from})")]
    ToBeforeFrom { from: NaiveDate, to: NaiveDate },
}

/// The calendar: listed days off and the years they cover.
#[derive(Debug, Clone)]
pub struct Calendar {
    days_off: BTreeMap<NaiveDate, DayOffKind>,
    years: BTreeSet<i32>,
    policy: CalendarPolicy,
}

impl Calendar {
    /// A year is covered when the data lists at least one day off in it: every Indonesian year
    /// has national holidays, so a year with none is a year whose decree has not been loaded.
    pub fn new(days_off: impl IntoIterator<Item = DayOff>, policy: CalendarPolicy) -> Self {
        let mut map = BTreeMap::new();
        let mut years = BTreeSet::new();
        for d in days_off {
            years.insert(d.date.year());
            // A date listed as both keeps the stronger kind: a holiday is never worked.
            map.entry(d.date)
                .and_modify(|k| {
                    if d.kind == DayOffKind::Holiday {
                        *k = DayOffKind::Holiday
                    }
                })
                .or_insert(d.kind);
        }
        Self {
            days_off: map,
            years,
            policy,
        }
    }

    pub fn policy(&self) -> CalendarPolicy {
        self.policy
    }

    /// The covered years, e.g. `[2019, …, 2026]`.
    pub fn covered_years(&self) -> Vec<i32> {
        self.years.iter().copied().collect()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    fn covered_description(&self) -> String {
        match (self.years.first(), self.years.last()) {
            (Some(a), Some(b)) if (b - a + 1) as usize == self.years.len() => format!("{a}–{b}"),
            (Some(_), Some(_)) => self
                .years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            _ => "no years".to_owned(),
        }
    }

    fn check_covered(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if self.covers(date.year()) {
            Ok(())
        } else {
            Err(CalendarError::OutOfRange {
                date,
                year: date.year(),
                covered: self.covered_description(),
            })
        }
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check_covered(date)?;
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return Ok(false);
        }
        Ok(match self.days_off.get(&date) {
            None => true,
            Some(DayOffKind::Holiday) => false,
            Some(DayOffKind::CutiBersama) => self.policy.cuti_bersama_is_working_day,
        })
    }

    /// The date `n` working days after `from` (`from` itself is day 0 and is not counted).
    /// With `n = 0` the answer is `from`.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut date = from;
        let mut left = n;
        while left > 0 {
            date = next_day(date)?;
            if self.is_working_day(date)? {
                left -= 1;
            }
        }
        Ok(date)
    }

    /// The number of working days after `from` up to and including `to`, so that
    /// `working_days_between(d, add_working_days(d, n)) == n`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        if to < from {
            return Err(CalendarError::ToBeforeFrom { from, to });
        }
        let mut count = 0;
        let mut date = from;
        while date < to {
            date = next_day(date)?;
            if self.is_working_day(date)? {
                count += 1;
            }
        }
        Ok(count)
    }
}

fn next_day(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
    date.checked_add_days(Days::new(1))
        .ok_or(CalendarError::OutOfRange {
            date,
            year: date.year(),
            covered: String::new(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn off(date: &str, kind: DayOffKind) -> DayOff {
        DayOff {
            date: d(date),
            name_id: String::new(),
            kind,
        }
    }

    /// The real 2024–2025 days off around the worked examples.
    fn calendar(policy: CalendarPolicy) -> Calendar {
        use DayOffKind::*;
        Calendar::new(
            [
                off("2024-01-01", Holiday),
                off("2024-03-11", Holiday),
                off("2024-03-12", CutiBersama),
                off("2024-03-29", Holiday),
                off("2024-03-31", Holiday),
                off("2024-04-08", CutiBersama),
                off("2024-04-09", CutiBersama),
                off("2024-04-10", Holiday),
                off("2024-04-11", Holiday),
                off("2024-04-12", CutiBersama),
                off("2024-04-15", CutiBersama),
                off("2024-05-01", Holiday),
                off("2024-05-09", Holiday),
                off("2024-05-10", CutiBersama),
                off("2024-05-23", Holiday),
                off("2024-05-24", CutiBersama),
                off("2024-12-25", Holiday),
                off("2024-12-26", CutiBersama),
                off("2025-01-01", Holiday),
                off("2025-01-27", Holiday),
                off("2025-01-28", CutiBersama),
                off("2025-01-29", Holiday),
            ],
            policy,
        )
    }

    #[test]
    fn r22_fiscal_year_2024_report_is_due_2025_01_10() {
        let c = calendar(CalendarPolicy::default());
        assert_eq!(
            c.add_working_days(d("2024-12-31"), 7).unwrap(),
            d("2025-01-10")
        );
    }

    #[test]
    fn r10_dprd_request_received_2024_03_01_is_due_2024_05_21() {
        let c = calendar(CalendarPolicy::default());
        assert_eq!(
            c.add_working_days(d("2024-03-01"), 45).unwrap(),
            d("2024-05-21")
        );
    }

    #[test]
    fn counting_is_the_inverse_of_adding() {
        let c = calendar(CalendarPolicy::default());
        for n in [0, 1, 7, 45, 100] {
            let to = c.add_working_days(d("2024-03-01"), n).unwrap();
            assert_eq!(c.working_days_between(d("2024-03-01"), to).unwrap(), n);
        }
    }

    #[test]
    fn weekends_holidays_and_cuti_bersama_are_not_worked_by_default() {
        let c = calendar(CalendarPolicy::default());
        assert!(!c.is_working_day(d("2024-03-02")).unwrap()); // Saturday
        assert!(!c.is_working_day(d("2024-03-11")).unwrap()); // Isra Mikraj
        assert!(!c.is_working_day(d("2024-03-12")).unwrap()); // cuti bersama
        assert!(c.is_working_day(d("2024-03-13")).unwrap());
    }

    #[test]
    fn cuti_bersama_counts_when_configured_as_working() {
        let c = calendar(CalendarPolicy {
            cuti_bersama_is_working_day: true,
        });
        assert!(c.is_working_day(d("2024-03-12")).unwrap());
        assert!(!c.is_working_day(d("2024-03-11")).unwrap());
        // One day earlier than the default: 2024-12-26 (cuti bersama) now counts.
        assert_eq!(
            c.add_working_days(d("2024-12-24"), 2).unwrap(),
            d("2024-12-27")
        );
        let default = calendar(CalendarPolicy::default());
        assert_eq!(
            default.add_working_days(d("2024-12-24"), 2).unwrap(),
            d("2024-12-30")
        );
    }

    #[test]
    fn a_date_beyond_the_calendar_is_an_error_not_a_guess() {
        let c = calendar(CalendarPolicy::default());
        let err = c.add_working_days(d("2025-12-30"), 5).unwrap_err();
        assert!(
            matches!(err, CalendarError::OutOfRange { year: 2026, .. }),
            "{err:?}"
        );
        assert!(c.is_working_day(d("2023-06-01")).is_err());
        assert_eq!(c.covered_years(), vec![2024, 2025]);
    }

    #[test]
    fn to_before_from_is_refused() {
        let c = calendar(CalendarPolicy::default());
        assert!(matches!(
            c.working_days_between(d("2024-05-01"), d("2024-04-01")),
            Err(CalendarError::ToBeforeFrom { .. })
        ));
    }

    #[test]
    fn adding_zero_days_is_the_same_date_even_on_a_holiday() {
        let c = calendar(CalendarPolicy::default());
        assert_eq!(
            c.add_working_days(d("2025-01-01"), 0).unwrap(),
            d("2025-01-01")
        );
    }
}
