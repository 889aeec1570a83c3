//! The one date type the API accepts: a calendar day written `YYYY-MM-DD` with a year from
//! 1900 to 2200. chrono alone reads `24-02-01` as the year 24, accepts year 0 and signed
//! six-digit years (`+002024-01-01`); none of those is a date a civil servant means, and a
//! deadline computed from one is wrong in ways nobody notices. Every date that comes in — JSON
//! bodies, query parameters, CSV imports — is parsed here. (utoipa documents a field of a type
//! named `Date` as a `format: date` string, so the contract is unchanged.)

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::violation::Text;

/// A calendar day between [`Date::MIN`] and [`Date::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

/// Why a text is not a [`Date`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Not `YYYY-MM-DD` with four-digit year and two-digit month and day.
    Format(String),
    /// The right shape, but no such day (`2025-02-30`).
    NoSuchDay(String),
    /// A real day outside 1900–2200.
    OutOfRange(String),
}

impl DateError {
    /// Opens every date error's message, so the API can recognise a serde error that came from
    /// here and answer it with the stable code `invalid_date` and both languages.
    pub const MARK: &'static str = "invalid date";

    pub fn text(&self) -> Text {
        match self {
            Self::Format(s) => Text::new(
                format!(
                    "{}: `{s}` is not written YYYY-MM-DD (e.g. 2026-12-01)",
                    Self::MARK
                ),
                format!("tanggal tidak valid: `{s}` tidak ditulis TTTT-BB-HH (mis. 2026-12-01)"),
            ),
            Self::NoSuchDay(s) => Text::new(
                format!("{}: `{s}` is not a day of the calendar", Self::MARK),
                format!("tanggal tidak valid: `{s}` tidak ada dalam kalender"),
            ),
            Self::OutOfRange(s) => Text::new(
                format!(
                    "{}: `{s}` lies outside {} to {}",
                    Self::MARK,
                    Date::MIN,
                    Date::MAX
                ),
                format!(
                    "tanggal tidak valid: `{s}` di luar rentang {} sampai {}",
                    Date::MIN,
                    Date::MAX
                ),
            ),
        }
    }
}

impl DateError {
    /// Both languages in one serde message, read back by [`DateError::from_serde_message`]:
    /// serde carries only a string from a deserializer to the API's problem.
    fn serde_message(&self) -> String {
        let t = self.text();
        format!("{}{SEP}{}", t.en, t.id)
    }

    /// The bilingual text of a serde error raised by [`Date`]'s deserializer, if it is one.
    pub fn from_serde_message(message: &str) -> Option<Text> {
        let (en, id) = message.strip_prefix(Self::MARK)?.split_once(SEP)?;
        Some(Text::new(format!("{}{en}", Self::MARK), id))
    }
}

/// Separates the two languages inside a serde message (a control character no input shows:
/// [`printable`] escapes them).
const SEP: char = '\u{1f}';

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en)
    }
}

impl std::error::Error for DateError {}

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("a constant date"),
    }
}

impl Date {
    /// The earliest date accepted: older agreements than that are not this product's records.
    pub const MIN: Date = Date(ymd(1900, 1, 1));
    /// The latest date accepted: far beyond any agreement's term or plan.
    pub const MAX: Date = Date(ymd(2200, 12, 31));

    /// Parses exactly `YYYY-MM-DD`; surrounding white space is not trimmed.
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && digits(0..4)
            && digits(5..7)
            && digits(8..10);
        if !shaped {
            return Err(DateError::Format(printable(s)));
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
        let day = NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10))
            .ok_or_else(|| DateError::NoSuchDay(s.to_owned()))?;
        Date::try_from(day)
    }

    /// A fixed day written in the code (illustrations, seeds); panics on a day that does not
    /// exist or lies outside the range, which a `const` use turns into a compile error.
    pub const fn ymd(y: i32, m: u32, d: u32) -> Date {
        let day = ymd(y, m, d);
        assert!(y >= 1900 && y <= 2200, "a date from 1900 to 2200");
        Date(day)
    }

    pub fn naive(self) -> NaiveDate {
        self.0
    }

    /// A date read back from storage for a type that is also an input (an activity's money):
    /// it was checked when it came in, and a row written before the check must still be shown
    /// as it is, not dropped.
    pub fn from_stored(d: NaiveDate) -> Date {
        Date(d)
    }
}

/// The input as shown back in a message: at most 40 characters, control characters escaped, so
/// a hostile value (NUL bytes, a megabyte) cannot shape the answer.
fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(40).flat_map(char::escape_debug).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

impl TryFrom<NaiveDate> for Date {
    type Error = DateError;
    fn try_from(d: NaiveDate) -> Result<Date, DateError> {
        if d < Self::MIN.0 || d > Self::MAX.0 {
            return Err(DateError::OutOfRange(format!(
                "{:04}-{:02}-{:02}",
                d.year(),
                d.month(),
                d.day()
            )));
        }
        Ok(Date(d))
    }
}

impl From<Date> for NaiveDate {
    fn from(d: Date) -> NaiveDate {
        d.0
    }
}

impl Deref for Date {
    type Target = NaiveDate;
    fn deref(&self) -> &NaiveDate {
        &self.0
    }
}

impl PartialEq<NaiveDate> for Date {
    fn eq(&self, other: &NaiveDate) -> bool {
        self.0 == *other
    }
}

impl PartialOrd<NaiveDate> for Date {
    fn partial_cmp(&self, other: &NaiveDate) -> Option<std::cmp::Ordering> {
        self.0.partial_cmp(other)
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Date, DateError> {
        Date::parse(s)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.format("%Y-%m-%d").fmt(f)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "a date written YYYY-MM-DD from {} to {}",
                    Date::MIN,
                    Date::MAX
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                Date::parse(v).map_err(|e| E::custom(e.serde_message()))
            }
        }
        d.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_date_is_written_with_a_four_digit_year() {
        assert_eq!(Date::parse("2026-12-01").unwrap(), day(2026, 12, 1));
        assert_eq!(Date::parse("1900-01-01").unwrap(), Date::MIN);
        assert_eq!(Date::parse("2200-12-31").unwrap(), Date::MAX);
    }

    #[test]
    fn two_digit_signed_and_padded_years_are_refused() {
        for bad in [
            "24-02-01",
            "+002024-01-01",
            "-0001-01-01",
            "2024-1-01",
            "2024-01-1",
            " 2024-01-01",
            "2024-01-01T00:00:00",
            "2024/01/01",
            "",
            "2024-01-01\0",
            "२०२४-०१-०१",
        ] {
            assert!(
                matches!(Date::parse(bad), Err(DateError::Format(_))),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn years_outside_1900_to_2200_are_refused() {
        for bad in [
            "0000-01-01",
            "0001-01-01",
            "0024-02-01",
            "1899-12-31",
            "2201-01-01",
        ] {
            assert!(
                matches!(Date::parse(bad), Err(DateError::OutOfRange(_))),
                "{bad:?} accepted"
            );
        }
        assert!(Date::try_from(day(-1, 1, 1)).is_err());
    }

    #[test]
    fn a_day_that_is_not_in_the_calendar_is_refused() {
        assert!(matches!(
            Date::parse("2025-02-29"),
            Err(DateError::NoSuchDay(_))
        ));
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(matches!(
            Date::parse("2025-13-01"),
            Err(DateError::NoSuchDay(_))
        ));
    }

    #[test]
    fn every_refusal_speaks_both_languages_and_is_recognisable() {
        let e = Date::parse("24-02-01").unwrap_err();
        assert!(e.text().en.starts_with(DateError::MARK));
        assert!(e.text().id.starts_with("tanggal tidak valid"));
        let long = "9".repeat(10_000);
        assert!(Date::parse(&long).unwrap_err().to_string().len() < 200);
    }

    #[test]
    fn dates_travel_as_iso_strings_in_json() {
        let d: Date = serde_json::from_str("\"2018-07-13\"").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2018-07-13\"");
        let e = serde_json::from_value::<Date>(serde_json::json!("0000-01-01")).unwrap_err();
        let text = DateError::from_serde_message(&e.to_string()).expect("a date error");
        assert!(text.en.contains("0000-01-01") && text.id.contains("di luar rentang"));
        assert!(DateError::from_serde_message("invalid type: integer").is_none());
        assert!(serde_json::from_str::<Date>("20180713").is_err());
    }
}
