//! The working-day calendar (*hari kerja*): Monday–Friday minus national holidays and, by
//! default, *cuti bersama* (collective leave). Deadlines in PP 28/2018 count in working days
//! (R10, R22), so a wrong answer here is a missed legal deadline: a date outside the years the
//! holiday data covers is an error, never a silent guess. Where a deadline must still be shown
//! (a case's due date), the `*_estimated` functions count the days past the loaded years on
//! weekends alone and flag the answer [`Reckoned::provisional`] (reason `calendar_not_loaded`).
//!
//! **Regional days off** (issue #17): a region may add its own non-working days (a province's
//! or regency's/city's holiday decree, [`RegionalDayOff`]). *The region's calendar*
//! ([`Calendar::for_region`]) is the national calendar plus the regional days that apply to
//! the region: a province's days apply to the province and to every regency/city under it; a
//! regency's/city's apply to itself only. A regional day is never worked (whatever the
//! *cuti bersama* policy) and never extends the covered years: coverage is national. Every
//! working-day deadline of a record placed in a region (R10, R22) is counted on that region's
//! calendar.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::code::code_enum;
use crate::region::RegionCode;
use crate::violation::Text;

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

/// One day a region does not work on its own decree (besides the national days off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionalDayOff {
    /// The region whose decree sets the day: a province (`NN`) or a regency/city (`NN.NN`).
    pub region: RegionCode,
    pub date: NaiveDate,
    pub name_id: String,
}

impl RegionalDayOff {
    /// A province's day applies to the province and to its regencies/cities; a
    /// regency's/city's to itself only.
    pub fn applies_to(&self, region: &RegionCode) -> bool {
        self.region == *region || (self.region.is_province() && region.province() == self.region)
    }
}

/// The calendar: listed days off and the years they cover; with the regional days off of
/// every region, and (for a region's calendar) the days of the region it is composed for.
#[derive(Debug, Clone)]
pub struct Calendar {
    days_off: Arc<BTreeMap<NaiveDate, DayOffKind>>,
    years: BTreeSet<i32>,
    policy: CalendarPolicy,
    /// Every region's own days off, as loaded.
    regional: Arc<Vec<RegionalDayOff>>,
    /// The region this calendar is composed for (`None`: the national calendar).
    region: Option<RegionCode>,
    /// The regional days that apply to `region`.
    applied: BTreeSet<NaiveDate>,
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
            days_off: Arc::new(map),
            years,
            policy,
            regional: Arc::new(Vec::new()),
            region: None,
            applied: BTreeSet::new(),
        }
    }

    /// This calendar with every region's own days off (for [`Calendar::for_region`]).
    pub fn with_regional_days(mut self, days: Vec<RegionalDayOff>) -> Self {
        self.regional = Arc::new(days);
        self.applied = match &self.region {
            Some(r) => applicable(&self.regional, r),
            None => BTreeSet::new(),
        };
        self
    }

    /// *The region's calendar*: the national calendar plus the regional days off that apply
    /// to `region` (its province's and its own). Composed afresh from the national days
    /// whatever region this calendar was composed for.
    pub fn for_region(&self, region: &RegionCode) -> Calendar {
        Calendar {
            days_off: self.days_off.clone(),
            years: self.years.clone(),
            policy: self.policy,
            regional: self.regional.clone(),
            region: Some(region.clone()),
            applied: applicable(&self.regional, region),
        }
    }

    /// The national calendar (without any region's days).
    pub fn national(&self) -> Calendar {
        Calendar {
            region: None,
            applied: BTreeSet::new(),
            ..self.clone()
        }
    }

    /// The region this calendar is composed for (`None`: national).
    pub fn region(&self) -> Option<&RegionCode> {
        self.region.as_ref()
    }

    /// The regional days off of `year` that apply to this calendar's region, in date order.
    pub fn regional_days(&self, year: i32) -> Vec<&RegionalDayOff> {
        let Some(region) = &self.region else {
            return Vec::new();
        };
        let mut days: Vec<&RegionalDayOff> = self
            .regional
            .iter()
            .filter(|d| d.date.year() == year && d.applies_to(region))
            .collect();
        days.sort_by(|a, b| (a.date, a.region.as_str()).cmp(&(b.date, b.region.as_str())));
        days
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
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) || self.applied.contains(&date) {
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

/// Why a date is provisional: the holiday decree of a year it depends on is not loaded.
pub const PROVISIONAL_REASON: &str = "calendar_not_loaded";

/// A value computed on the calendar; `provisional` when part of it lies in a year after the
/// first covered one whose holidays are not loaded, counted there on weekends alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reckoned<T> {
    pub value: T,
    pub provisional: bool,
}

impl Calendar {
    /// The last day of the last covered year: past it, working days are estimates.
    pub fn last_covered(&self) -> Option<NaiveDate> {
        self.years
            .last()
            .and_then(|y| NaiveDate::from_ymd_opt(*y, 12, 31))
    }

    /// Whether a date computed with the `*_estimated` functions is an estimate: it lies past
    /// the loaded years (a year after the first covered one, not loaded).
    pub fn is_estimate(&self, date: NaiveDate) -> bool {
        let year = date.year();
        !self.covers(year) && self.years.first().is_some_and(|first| year > *first)
    }

    /// Whether `date` is worked, and whether that is an estimate (weekends alone, in a year
    /// after the first covered one whose decree is not loaded). Before the data: an error.
    fn is_working_day_estimated(&self, date: NaiveDate) -> Result<(bool, bool), CalendarError> {
        let year = date.year();
        match self.years.first() {
            _ if self.covers(year) => Ok((self.is_working_day(date)?, false)),
            Some(first) if year > *first => Ok((
                !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
                    && !self.applied.contains(&date),
                true,
            )),
            _ => self.check_covered(date).map(|_| (false, false)),
        }
    }

    /// [`Calendar::add_working_days`], estimated past the loaded years and flagged so.
    pub fn add_working_days_estimated(
        &self,
        from: NaiveDate,
        n: u32,
    ) -> Result<Reckoned<NaiveDate>, CalendarError> {
        let (mut date, mut left, mut provisional) = (from, n, false);
        while left > 0 {
            date = next_day(date)?;
            let (worked, estimated) = self.is_working_day_estimated(date)?;
            provisional |= estimated;
            if worked {
                left -= 1;
            }
        }
        Ok(Reckoned {
            value: date,
            provisional,
        })
    }

    /// [`Calendar::working_days_between`], estimated past the loaded years and flagged so.
    pub fn working_days_between_estimated(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Reckoned<u32>, CalendarError> {
        if to < from {
            return Err(CalendarError::ToBeforeFrom { from, to });
        }
        let (mut date, mut count, mut provisional) = (from, 0, false);
        while date < to {
            date = next_day(date)?;
            let (worked, estimated) = self.is_working_day_estimated(date)?;
            provisional |= estimated;
            count += u32::from(worked);
        }
        Ok(Reckoned {
            value: count,
            provisional,
        })
    }
}

/// A reminder that the holiday data runs out: due on the last covered day, shown from
/// `lead_days` calendar days before it (DEFAULT 90) and after it has passed. Working-day
/// deadlines (R10, R22) past that day can only be estimated until the next decree is loaded.
pub fn coverage_ending(
    last_covered: Option<NaiveDate>,
    today: NaiveDate,
    lead_days: u32,
) -> Option<NaiveDate> {
    let last = last_covered?;
    let from = last.checked_sub_days(Days::new(u64::from(lead_days)))?;
    (today >= from).then_some(last)
}

/// What is wrong with a year's list of days off, each with the index of its day (`None`: the
/// list as a whole): a day outside `year`, listed twice, or without a name; a list without a
/// single national holiday (every Indonesian year has them: it would read as "not loaded").
pub fn year_problems(year: i32, days: &[DayOff]) -> Vec<(Option<usize>, &'static str, Text)> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, d) in days.iter().enumerate() {
        if d.date.year() != year {
            problems.push((
                Some(i),
                "outside_year",
                Text::new(
                    format!("{} is not in {year}", d.date),
                    format!("{} tidak berada di tahun {year}", d.date),
                ),
            ));
        } else if !seen.insert(d.date) {
            problems.push((
                Some(i),
                "duplicate",
                Text::new(
                    format!("{} is listed twice", d.date),
                    format!("{} tercantum dua kali", d.date),
                ),
            ));
        }
        if d.name_id.trim().is_empty() {
            problems.push((
                Some(i),
                "required",
                Text::new("the day has no name", "hari ini tidak bernama"),
            ));
        }
    }
    if !days.iter().any(|d| d.kind == DayOffKind::Holiday) {
        problems.push((
            None,
            "no_holiday",
            Text::new(
                format!("{year} lists no national holiday: a year without one is a year not loaded"),
                format!("{year} tidak mencantumkan hari libur nasional: tahun tanpa hari libur berarti belum dimuat"),
            ),
        ));
    }
    problems
}

/// The dates of the regional days off that apply to `region`.
fn applicable(days: &[RegionalDayOff], region: &RegionCode) -> BTreeSet<NaiveDate> {
    days.iter()
        .filter(|d| d.applies_to(region))
        .map(|d| d.date)
        .collect()
}

/// What is wrong with a region's list of days off for a year, each with the index of its day:
/// a day outside `year`, listed twice, or without a name. An empty list is valid: the region
/// then has no days of its own that year (a withdrawn decree).
pub fn regional_year_problems(
    year: i32,
    days: &[RegionalDayOff],
) -> Vec<(Option<usize>, &'static str, Text)> {
    let as_national: Vec<DayOff> = days
        .iter()
        .map(|d| DayOff {
            date: d.date,
            name_id: d.name_id.clone(),
            kind: DayOffKind::Holiday,
        })
        .collect();
    year_problems(year, &as_national)
        .into_iter()
        .filter(|(_, code, _)| *code != "no_holiday")
        .collect()
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
    fn r10_past_the_loaded_years_a_due_date_is_a_flagged_weekend_estimate() {
        let c = calendar(CalendarPolicy::default());
        // 2025-12-30 (Tue) + 5: 2025-12-31, then 2026 counted on weekends alone.
        let r = c.add_working_days_estimated(d("2025-12-30"), 5).unwrap();
        assert_eq!(
            r,
            Reckoned {
                value: d("2026-01-06"),
                provisional: true
            }
        );
        // Inside the loaded years the answer is exact and not flagged.
        let r = c.add_working_days_estimated(d("2024-03-01"), 45).unwrap();
        assert_eq!(
            r,
            Reckoned {
                value: d("2024-05-21"),
                provisional: false
            }
        );
        let n = c
            .working_days_between_estimated(d("2025-12-30"), d("2026-01-06"))
            .unwrap();
        assert_eq!(
            n,
            Reckoned {
                value: 5,
                provisional: true
            }
        );
        assert_eq!(c.last_covered(), Some(d("2025-12-31")));
    }

    #[test]
    fn r10_before_the_loaded_years_even_an_estimate_is_refused() {
        let c = calendar(CalendarPolicy::default());
        assert!(c.add_working_days_estimated(d("2023-12-20"), 3).is_err());
        assert!(c
            .working_days_between_estimated(d("2024-05-01"), d("2024-04-01"))
            .is_err());
    }

    #[test]
    fn coverage_reminder_starts_90_days_before_the_data_runs_out() {
        let last = Some(d("2026-12-31"));
        assert_eq!(coverage_ending(last, d("2026-10-01"), 90), None);
        assert_eq!(
            coverage_ending(last, d("2026-10-02"), 90),
            Some(d("2026-12-31"))
        );
        assert_eq!(
            coverage_ending(last, d("2027-01-05"), 90),
            Some(d("2026-12-31"))
        );
        assert_eq!(coverage_ending(None, d("2027-01-05"), 90), None);
    }

    #[test]
    fn a_year_to_load_lists_its_own_named_days_once_and_a_holiday() {
        use DayOffKind::*;
        let ok = [off("2027-01-01", Holiday), off("2027-01-02", CutiBersama)];
        let mut named = ok.to_vec();
        for n in &mut named {
            n.name_id = "Hari".into();
        }
        assert!(year_problems(2027, &named).is_empty());
        let mut bad = named.clone();
        bad.push(off("2026-12-31", Holiday));
        bad.push(named[0].clone());
        let codes: Vec<_> = year_problems(2027, &bad)
            .into_iter()
            .map(|(i, code, _)| (i, code))
            .collect();
        assert_eq!(
            codes,
            [
                (Some(2), "outside_year"),
                (Some(2), "required"),
                (Some(3), "duplicate")
            ]
        );
        let only_leave = [DayOff {
            name_id: "Cuti".into(),
            ..off("2027-01-02", CutiBersama)
        }];
        assert_eq!(year_problems(2027, &only_leave)[0].1, "no_holiday");
        let c = calendar(CalendarPolicy::default());
        assert!(c.is_estimate(d("2026-01-02")) && !c.is_estimate(d("2025-01-02")));
        assert!(!c.is_estimate(d("2023-01-02")));
    }

    fn regional(region: &str, date: &str) -> RegionalDayOff {
        RegionalDayOff {
            region: RegionCode::parse(region).unwrap(),
            date: d(date),
            name_id: "Hari Jadi".into(),
        }
    }

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    /// Whether `date` is worked on `region`'s calendar.
    fn works_in(c: &Calendar, region: &str, date: &str) -> bool {
        c.for_region(&code(region)).is_working_day(d(date)).unwrap()
    }

    #[test]
    fn r10_a_province_day_off_applies_to_the_province_and_its_regencies_not_to_another_province() {
        // 2024-03-13 (Wed): a day off in West Java (32) alone; Bandung (32.73) lies under it.
        let c = calendar(CalendarPolicy::default())
            .with_regional_days(vec![regional("32", "2024-03-13")]);
        for (region, works) in [("32", false), ("32.73", false), ("33", true)] {
            assert_eq!(works_in(&c, region, "2024-03-13"), works, "{region}");
        }
        assert!(c.is_working_day(d("2024-03-13")).unwrap(), "national");
        // R10: 45 working days from 2024-03-01 end one working day later in West Java.
        let r10_due = |region: &str| {
            c.for_region(&code(region))
                .add_working_days(d("2024-03-01"), 45)
                .unwrap()
        };
        assert_eq!(r10_due("32.73"), d("2024-05-22"));
        assert_eq!(r10_due("33"), d("2024-05-21"));
    }

    #[test]
    fn a_regency_day_off_applies_to_itself_only() {
        let c = calendar(CalendarPolicy::default())
            .with_regional_days(vec![regional("32.73", "2024-03-13")]);
        for (region, works) in [("32.73", false), ("32", true), ("32.01", true)] {
            assert_eq!(works_in(&c, region, "2024-03-13"), works, "{region}");
        }
        // Composing again starts from the national days, whatever region came before.
        let other = c.for_region(&code("32.73")).for_region(&code("32.01"));
        assert!(other.is_working_day(d("2024-03-13")).unwrap());
        assert_eq!(other.region(), Some(&code("32.01")));
        assert_eq!(c.for_region(&code("32.73")).regional_days(2024).len(), 1);
        assert!(c.for_region(&code("32.01")).regional_days(2024).is_empty());
        assert!(c
            .for_region(&code("32.73"))
            .national()
            .is_working_day(d("2024-03-13"))
            .unwrap());
    }

    #[test]
    fn a_regional_day_off_is_never_worked_and_does_not_extend_the_covered_years() {
        let cuti_worked = CalendarPolicy {
            cuti_bersama_is_working_day: true,
        };
        let code = RegionCode::parse("32").unwrap();
        // A province day on a cuti bersama day stays off when cuti bersama are worked.
        let c = calendar(cuti_worked).with_regional_days(vec![
            regional("32", "2024-03-12"),
            regional("32", "2026-01-05"),
        ]);
        let west_java = c.for_region(&code);
        assert!(!west_java.is_working_day(d("2024-03-12")).unwrap());
        assert_eq!(west_java.covered_years(), vec![2024, 2025]);
        assert!(west_java.is_working_day(d("2026-01-05")).is_err());
        // Past the loaded years the estimate skips the regional day too, still provisional.
        let r = west_java
            .add_working_days_estimated(d("2026-01-02"), 1)
            .unwrap();
        assert_eq!(
            r,
            Reckoned {
                value: d("2026-01-06"),
                provisional: true
            }
        );
    }

    #[test]
    fn a_regional_year_lists_its_own_named_days_once_and_may_be_empty() {
        assert!(regional_year_problems(2024, &[]).is_empty());
        let mut unnamed = regional("32", "2024-03-13");
        unnamed.name_id = " ".into();
        let days = [
            regional("32", "2024-03-13"),
            regional("32", "2024-03-13"),
            regional("32", "2025-01-02"),
            unnamed,
        ];
        let codes: Vec<_> = regional_year_problems(2024, &days)
            .into_iter()
            .map(|(i, code, _)| (i, code))
            .collect();
        assert_eq!(
            codes,
            [
                (Some(1), "duplicate"),
                (Some(2), "outside_year"),
                (Some(3), "duplicate"),
                (Some(3), "required")
            ]
        );
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
