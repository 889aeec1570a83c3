//! The use cases. One function per command — load, ask the domain, save, append the audit event,
//! all in the caller's transaction — called alike by HTTP handlers, the CLI, import, demo and
//! jobs. A command receives a [`Ctx`] (who acts, for which request, on which day) and a
//! connection; it never sees HTTP.

use chrono::{NaiveDate, NaiveDateTime};
use jalin_domain::{AuditAction, RecordKind, RegionCode};
use jalin_persistence::audit::{self, Actor, NewEvent};
use jalin_persistence::DbConnection;
use serde_json::Value;

use crate::auth::Authenticated;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::reply::Versioned;
use crate::state::AppState;

pub mod action_plans;
pub mod activities;
pub mod agreements;
pub mod audit_log;
pub mod calendar;
pub mod cases;
pub mod coordination;
pub mod documents;
pub mod evaluations;
pub mod events;
pub mod integrations;
pub mod letters;
pub mod lifecycle;
pub mod monitoring;
pub mod partners;
pub mod reference;
pub mod regional_calendar;
pub mod report_documents;
pub mod reports;
pub mod service_accounts;
pub mod transfer;
pub mod travel;
pub mod users;

/// Who acts, for which request, and on which day.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub clock: Clock,
}

impl Ctx {
    /// The caller of an HTTP request.
    pub fn of(auth: &Authenticated, state: &AppState) -> Ctx {
        Ctx {
            actor: auth.actor(),
            request_id: crate::context::current_request_id(),
            clock: state.clock,
        }
    }

    /// The system itself (jobs, import, demo), named for the audit log.
    pub fn system(name: &str, clock: Clock) -> Ctx {
        Ctx {
            actor: Actor::system(name),
            request_id: None,
            clock,
        }
    }

    /// Now, as stored (UTC, no zone).
    pub fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }

    /// Today in WIB.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// Appends the audit event of a change, in the caller's transaction: the change and its
    /// record commit together or not at all.
    pub fn audit(
        &self,
        c: &mut DbConnection,
        action: AuditAction,
        record: (RecordKind, &str),
        region_code: Option<&str>,
        changes: Value,
    ) -> Result<(), ApiError> {
        audit::append(
            c,
            NewEvent {
                actor: &self.actor,
                action,
                record_type: record.0,
                record_id: record.1,
                region_code,
                request_id: self.request_id.as_deref(),
                changes,
            },
        )?;
        Ok(())
    }
}

/// The `region_code` a body gives: well-formed, else 422 `invalid_format` at `/region_code`.
pub fn region_code(code: &str) -> Result<RegionCode, ApiError> {
    RegionCode::parse(code).map_err(|e| {
        ApiError::invalid(
            "/region_code",
            "invalid_format",
            e.to_string(),
            "kode daerah tidak sah",
        )
    })
}

/// Where the audit events about a record are filed: under which record (an evaluation's under
/// its agreement, a recommendation's under its meeting) and region. Declared with
/// [`crate::filed!`].
pub trait Filed {
    fn filed(&self) -> (RecordKind, &str, Option<&str>);
}

/// A stored region code, in whichever form a record keeps it.
pub trait RegionField {
    fn region(&self) -> Option<&str>;
}

impl RegionField for String {
    fn region(&self) -> Option<&str> {
        Some(self)
    }
}

impl RegionField for RegionCode {
    fn region(&self) -> Option<&str> {
        Some(self.as_str())
    }
}

impl<T: RegionField> RegionField for Option<T> {
    fn region(&self) -> Option<&str> {
        self.as_ref().and_then(T::region)
    }
}

/// `filed!(Type => Kind(id_field), region_field)`: the audit events about a `Type` are filed
/// under `RecordKind::Kind` with the id in `id_field`, in the region in `region_field` (none
/// when omitted).
#[macro_export]
macro_rules! filed {
    ($ty:ty => $kind:ident($id:ident) $(, $region:ident)?) => {
        impl $crate::service::Filed for $ty {
            fn filed(&self) -> (jalin_domain::RecordKind, &str, Option<&str>) {
                let region = $crate::filed!(@region self $(, $region)?);
                (jalin_domain::RecordKind::$kind, &self.$id, region)
            }
        }
    };
    (@region $record:ident) => {
        None
    };
    (@region $record:ident, $region:ident) => {
        $crate::service::RegionField::region(&$record.$region)
    };
}

/// A stored record that changes in versions, each stamped with its time (declared with
/// [`crate::versioned!`]).
pub trait Revisable: Versioned {
    /// Makes this the next version, changed at `now`; the version it follows.
    fn revise(&mut self, now: NaiveDateTime) -> i64;
}

/// The outcome of a write made on condition that the version read still holds.
pub trait Conditional {
    /// `false` — another write came first — is a 412, as a stale `If-Match` would be.
    fn or_precondition_failed(self) -> Result<(), ApiError>;
}

impl<E: Into<ApiError>> Conditional for Result<bool, E> {
    fn or_precondition_failed(self) -> Result<(), ApiError> {
        match self.map_err(Into::into)? {
            true => Ok(()),
            false => Err(ApiError::PreconditionFailed),
        }
    }
}

impl Ctx {
    /// Appends the audit event of a change (`changes`) to `record`, filed where it belongs, in
    /// the caller's transaction.
    pub fn audit_change(
        &self,
        c: &mut DbConnection,
        action: AuditAction,
        record: &impl Filed,
        changes: Value,
    ) -> Result<(), ApiError> {
        let (kind, id, region) = record.filed();
        self.audit(c, action, (kind, id), region, changes)
    }

    /// Saves `record` as the next version of the one read, stamped now, with `save(c, record,
    /// version read)`: 412 when another write came first.
    pub fn save_revision<R: Revisable, E: Into<ApiError>>(
        &self,
        c: &mut DbConnection,
        record: &mut R,
        save: impl FnOnce(&mut DbConnection, &R, i64) -> Result<bool, E>,
    ) -> Result<(), ApiError> {
        let read = record.revise(self.now());
        save(c, record, read).or_precondition_failed()
    }
}

/// `{field: {"before": …, "after": …}}` for the fields that differ between two JSON objects.
pub use audit_log::changes;
