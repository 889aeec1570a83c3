//! Background work: automatic expiry and the dormancy flag. Runs every 15 minutes inside the
//! server and once from `jalin jobs run`; safe when several servers share one PostgreSQL (rows
//! are claimed with FOR UPDATE SKIP LOCKED). Each batch is a use case of
//! `service::lifecycle`, run here in its own transaction. Reminders need no job: they are
//! computed from the records when asked for (and reused for a few seconds while nothing is
//! written; summaries.rs).

use chrono::NaiveDate;
use jalin_domain::monitoring::MonitoringPolicy;
use jalin_persistence::audit::Actor;
use jalin_persistence::registry::Agreement;
use jalin_persistence::{write_transaction, DbConnection};

use crate::clock::Clock;
use crate::error::ApiError;
use crate::service::{lifecycle, Ctx};

/// Rows claimed per transaction.
const BATCH: i64 = 200;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    pub expired: usize,
    /// Agreements newly flagged dormant.
    pub dormant: usize,
    /// Flags cleared: an activity since, or no longer active.
    pub revived: usize,
}

/// Runs `batch` in its own transaction until it finds fewer than a batch to do.
fn in_batches(
    conn: &mut DbConnection,
    mut batch: impl FnMut(&mut DbConnection) -> Result<usize, ApiError>,
) -> Result<usize, ApiError> {
    let mut total = 0;
    loop {
        let n = write_transaction(conn, |c| batch(c))?;
        total += n;
        if n < BATCH as usize {
            return Ok(total);
        }
    }
}

/// Clears the dormancy flag at once when an activity within the period is logged, in the
/// caller's transaction (the job would clear it on its next run otherwise).
pub fn revive(
    c: &mut DbConnection,
    a: &Agreement,
    activity_on: NaiveDate,
    policy: &MonitoringPolicy,
    today: NaiveDate,
    actor: &Actor,
    request_id: Option<&str>,
) -> Result<(), ApiError> {
    let ctx = Ctx {
        actor: actor.clone(),
        request_id: request_id.map(str::to_owned),
        clock: Clock::on(today),
    };
    lifecycle::revive(c, &ctx, a, activity_on, policy, today)
}

/// Every job once, on the day `clock` says it is (WIB), with the system as actor.
pub fn run_all(
    conn: &mut DbConnection,
    policy: &MonitoringPolicy,
    clock: &Clock,
) -> Result<JobReport, ApiError> {
    let ctx = Ctx::system("jobs", *clock);
    let expired = crate::metrics::timed_job("expiry", || {
        in_batches(conn, |c| lifecycle::expire_due(c, &ctx, BATCH))
    })?;
    let (dormant, revived) = crate::metrics::timed_job("dormancy", || {
        Ok::<_, ApiError>((
            in_batches(conn, |c| {
                lifecycle::mark_dormancy(c, &ctx, policy, true, BATCH)
            })?,
            in_batches(conn, |c| {
                lifecycle::mark_dormancy(c, &ctx, policy, false, BATCH)
            })?,
        ))
    })?;
    Ok(JobReport {
        expired,
        dormant,
        revived,
    })
}
