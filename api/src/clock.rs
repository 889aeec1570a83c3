//! The one clock. Dates in the law are local calendar days: "today" is the date in western
//! Indonesian time (WIB) for what concerns several regions, or in a region's own zone (WIB, WITA,
//! WIT) for what concerns one — never the UTC date, which is yesterday between 00:00 and 07:00 WIB.
//!
//! The server, the jobs and the CLI each hold one [`Clock`]. A training or test instance may set
//! it to another day (`JALIN_TEST_TODAY`); the whole clock then moves by the same number of days,
//! so `now`, `today` and `today_in` stay consistent with each other.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use jalin_domain::RegionCode;

/// WIB is UTC+7.
const WIB_HOURS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    /// How far this clock is from the real one (zero in production).
    shift: Duration,
}

impl Clock {
    /// The real time.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock on which today (WIB) is `today`, running from the current time of day.
    pub fn on(today: NaiveDate) -> Self {
        let real = Self::system().today();
        Self {
            shift: Duration::days((today - real).num_days()),
        }
    }

    /// Whether this clock is set to another day than the real one.
    pub fn is_shifted(&self) -> bool {
        !self.shift.is_zero()
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.shift
    }

    /// Today in western Indonesian time (WIB), for what concerns several regions at once.
    pub fn today(&self) -> NaiveDate {
        (self.now() + Duration::hours(WIB_HOURS)).date_naive()
    }

    /// Today in a region's own time zone (WIB, WITA or WIT).
    pub fn today_in(&self, region: &RegionCode) -> NaiveDate {
        (self.now() + Duration::hours(i64::from(region.utc_offset_hours()))).date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_set_to_a_day_says_that_day_everywhere() {
        let day = NaiveDate::from_ymd_opt(2026, 8, 17).unwrap();
        let c = Clock::on(day);
        assert_eq!(c.today(), day);
        assert!(c.is_shifted() || Clock::system().today() == day);
        // Jakarta and Jayapura agree on the date except in the two hours after midnight WIT.
        let papua = RegionCode::parse("91").unwrap();
        assert!((c.today_in(&papua) - day).num_days().abs() <= 1);
    }

    fn config(vars: &[(&str, &str)]) -> Result<crate::Config, crate::config::ConfigError> {
        crate::Config::from_lookup(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn a_production_server_never_runs_on_another_day() {
        let e = config(&[("JALIN_TEST_TODAY", "2026-03-02")]).unwrap_err();
        assert_eq!(e.var, "JALIN_TEST_TODAY");
        let e = config(&[
            ("JALIN_INSTANCE", "production"),
            ("JALIN_TEST_TODAY", "2026-03-02"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "JALIN_TEST_TODAY");
        assert!(!config(&[]).unwrap().clock.is_shifted());
    }

    #[test]
    fn a_training_instance_may_set_the_day() {
        let c = config(&[
            ("JALIN_INSTANCE", "training"),
            ("JALIN_TEST_TODAY", "2026-03-02"),
        ])
        .unwrap();
        assert!(c.training);
        assert_eq!(
            c.clock.today(),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
        for bad in ["2026-02-30", "yesterday", "0000-01-01"] {
            let e =
                config(&[("JALIN_INSTANCE", "training"), ("JALIN_TEST_TODAY", bad)]).unwrap_err();
            assert_eq!(e.var, "JALIN_TEST_TODAY", "{bad}");
        }
        assert_eq!(
            config(&[("JALIN_INSTANCE", "staging")]).unwrap_err().var,
            "JALIN_INSTANCE"
        );
    }

    #[test]
    fn today_is_never_the_utc_date_in_indonesia() {
        let c = Clock::system();
        let utc = Utc::now();
        let wib = (utc + Duration::hours(7)).date_naive();
        assert_eq!(c.today(), wib);
    }
}
