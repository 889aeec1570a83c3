//! The use cases. One function per command — load, ask the domain, save, append the audit event,
//! all in the caller's transaction — called alike by HTTP handlers, the CLI, import, demo and
//! jobs. A command receives a [`Ctx`] (who acts, for which request, on which day) and a
//! connection; it never sees HTTP.

use chrono::{NaiveDate, NaiveDateTime};
use jalin_domain::{AuditAction, RecordKind};
use jalin_persistence::audit::{self, Actor, NewEvent};
use jalin_persistence::DbConnection;
use serde_json::Value;

use crate::auth::Authenticated;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::state::AppState;

pub mod action_plans;
pub mod activities;
pub mod agreements;
pub mod audit_log;
pub mod cases;
pub mod coordination;
pub mod documents;
pub mod evaluations;
pub mod events;
pub mod integrations;
pub mod lifecycle;
pub mod monitoring;
pub mod partners;
pub mod reference;
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

/// `{field: {"before": …, "after": …}}` for the fields that differ between two JSON objects.
pub use audit_log::changes;
