//! Today's date as Indonesian offices see it: dates in the law are local calendar days.

use chrono::{Duration, NaiveDate, Utc};
use jalin_domain::RegionCode;

/// Today in a region's own time zone (WIB, WITA or WIT).
pub fn today_in(region: &RegionCode) -> NaiveDate {
    (Utc::now() + Duration::hours(i64::from(region.utc_offset_hours()))).date_naive()
}

/// Today in western Indonesian time (WIB), for what concerns several regions at once.
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}
