//! jalin's domain: the types, rules and calculations of regional foreign cooperation under
//! PP 28/2018. Pure Rust — no I/O, no database, no HTTP — so that every rule can be unit-tested
//! on its own and every other layer shares one definition of it.

pub mod access;
pub mod activity;
pub mod agreement;
pub mod calendar;
pub mod case;
mod code;
pub mod coordination;
pub mod country;
pub mod date;
pub mod deadlines;
pub mod document;
pub mod evaluation;
pub mod events;
pub mod identity;
pub mod labels;
pub mod letters;
pub mod lifecycle;
pub mod money;
pub mod monitoring;
pub mod record;
pub mod region;
pub mod rules;
pub mod travel;
pub mod violation;
pub mod workflow;

pub use calendar::{Calendar, CalendarError, DayOff, DayOffKind, Reckoned};
pub use country::{Country, CountryCode};
pub use date::{Date, DateError};
pub use record::{AuditAction, RecordKind};
pub use region::{Region, RegionCode, RegionKind};
pub use rules::RuleId;
pub use violation::{Lang, Refusal, Text, Verdict, Violation};
