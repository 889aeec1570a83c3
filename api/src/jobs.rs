//! Background work: automatic expiry (and later dormancy and reminders). Runs hourly inside the
//! server and once from `jalin jobs run`; safe when several servers share one PostgreSQL (rows
//! are claimed with FOR UPDATE SKIP LOCKED).

use jalin_domain::agreement::AgreementStatus;
use jalin_persistence::audit::{self, Actor, NewEvent};
use jalin_persistence::{registry, write_transaction, DbConnection};
use serde_json::json;

use crate::error::ApiError;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    pub expired: usize,
}

/// Expires active agreements past their end date, each audited with the system as actor.
pub fn expire_agreements(conn: &mut DbConnection) -> Result<usize, ApiError> {
    let today = registry::today();
    let actor = Actor::system("jobs");
    let mut total = 0;
    loop {
        let n = write_transaction(conn, |c| -> Result<usize, ApiError> {
            let due = registry::claim_expired(c, today, 200)?;
            for (id, region) in &due {
                registry::set_status(c, id, AgreementStatus::Expired, None)?;
                audit::append(
                    c,
                    NewEvent {
                        actor: &actor,
                        action: "agreement.expired",
                        record_type: "agreement",
                        record_id: id,
                        region_code: Some(region),
                        request_id: None,
                        changes: json!({"status": {"before": "active", "after": "expired"}}),
                    },
                )?;
            }
            Ok(due.len())
        })?;
        total += n;
        if n < 200 {
            return Ok(total);
        }
    }
}

pub fn run_all(conn: &mut DbConnection) -> Result<JobReport, ApiError> {
    Ok(JobReport {
        expired: expire_agreements(conn)?,
    })
}
