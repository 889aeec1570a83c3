//! Background work: automatic expiry and the dormancy flag. Runs every 15 minutes inside the
//! server and once from `jalin jobs run`; safe when several servers share one PostgreSQL (rows
//! are claimed with FOR UPDATE SKIP LOCKED). Reminders need no job: they are computed from the
//! records when asked for (and reused for a few seconds while nothing is written; summaries.rs).

use jalin_domain::{AuditAction, RecordKind};
use chrono::NaiveDate;
use jalin_domain::agreement::AgreementStatus;
use jalin_domain::monitoring::{months_before, MonitoringPolicy};
use jalin_persistence::audit::{self, Actor, NewEvent};
use jalin_persistence::{monitoring, registry, write_transaction, DbConnection};
use serde_json::json;

use crate::clock::Clock;
use crate::error::ApiError;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    pub expired: usize,
    /// Agreements newly flagged dormant.
    pub dormant: usize,
    /// Flags cleared: an activity since, or no longer active.
    pub revived: usize,
}

/// Expires active agreements past their end date, each audited with the system as actor.
pub fn expire_agreements(conn: &mut DbConnection, today: NaiveDate) -> Result<usize, ApiError> {
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
                        action: AuditAction::AgreementExpired,
                        record_type: RecordKind::Agreement,
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

/// **Dormancy** (DOMAIN.md §6, DEFAULT period in `policy`): flags active agreements without any
/// activity since the cutoff, and clears flags that no longer hold. Each change is audited with
/// the system as actor.
pub fn flag_dormancy(
    conn: &mut DbConnection,
    policy: &MonitoringPolicy,
    today: NaiveDate,
) -> Result<(usize, usize), ApiError> {
    let cutoff = months_before(today, policy.dormancy_months);
    let actor = Actor::system("jobs");
    let mut counts = (0, 0);
    for flag in [true, false] {
        loop {
            let n = write_transaction(conn, |c| -> Result<usize, ApiError> {
                let due = if flag {
                    monitoring::claim_dormant(c, cutoff, 200)?
                } else {
                    monitoring::claim_revived(c, cutoff, 200)?
                };
                for (id, region) in &due {
                    let before = monitoring::dormant_since(c, id)?;
                    let after = flag.then_some(today);
                    monitoring::set_dormant(c, id, after)?;
                    audit::append(
                        c,
                        NewEvent {
                            actor: &actor,
                            action: if flag {
                                AuditAction::AgreementDormant
                            } else {
                                AuditAction::AgreementRevived
                            },
                            record_type: RecordKind::Agreement,
                            record_id: id,
                            region_code: Some(region),
                            request_id: None,
                            changes: json!({"dormant_since": {"before": before, "after": after}}),
                        },
                    )?;
                }
                Ok(due.len())
            })?;
            if flag {
                counts.0 += n;
            } else {
                counts.1 += n;
            }
            if n < 200 {
                break;
            }
        }
    }
    Ok(counts)
}

/// Clears the dormancy flag at once when an activity within the period is logged, in the
/// caller's transaction (the job would clear it on its next run otherwise).
pub fn revive(
    c: &mut DbConnection,
    a: &registry::Agreement,
    activity_on: NaiveDate,
    policy: &MonitoringPolicy,
    today: NaiveDate,
    actor: &Actor,
    request_id: Option<&str>,
) -> Result<(), ApiError> {
    let cutoff = months_before(today, policy.dormancy_months);
    if a.dormant_since.is_none() || activity_on < cutoff {
        return Ok(());
    }
    monitoring::set_dormant(c, &a.id, None)?;
    audit::append(
        c,
        NewEvent {
            actor,
            action: AuditAction::AgreementRevived,
            record_type: RecordKind::Agreement,
            record_id: &a.id,
            region_code: Some(a.region.as_str()),
            request_id,
            changes: json!({"dormant_since": {"before": a.dormant_since, "after": null}}),
        },
    )?;
    Ok(())
}

/// Every job once, on the day `clock` says it is (WIB).
pub fn run_all(
    conn: &mut DbConnection,
    policy: &MonitoringPolicy,
    clock: &Clock,
) -> Result<JobReport, ApiError> {
    let today = clock.today();
    let expired = expire_agreements(conn, today)?;
    let (dormant, revived) = flag_dormancy(conn, policy, today)?;
    Ok(JobReport {
        expired,
        dormant,
        revived,
    })
}
