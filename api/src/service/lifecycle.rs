//! The agreement lifecycle: every status change after creation goes through [`transition`],
//! where the domain (`jalin_domain::lifecycle`) decides and the one persistence function writes
//! it. Termination (R19), renewal (R18), expiry and the dormancy flag are its use cases.

use chrono::NaiveDate;
use jalin_domain::access::{Principal, Visibility};
use jalin_domain::agreement::AgreementStatus;
use jalin_domain::lifecycle::{self, Event, Facts, TerminationReason, VerificationOutcome};
use jalin_domain::monitoring::{months_before, MonitoringPolicy};
use jalin_domain::Date;
use jalin_domain::{AuditAction, Calendar, RecordKind};
use jalin_persistence::registry::{self, Agreement, StatusChange};
use jalin_persistence::text::JsonText;
use jalin_persistence::{monitoring, DbConnection};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use super::agreements::{self, AgreementInput, AgreementRecord};
use super::{Conditional, Ctx};
use crate::error::ApiError;

/// Moves `a` along its lifecycle: the domain decides the new status, which is written with
/// what the event records (the signing, the termination). The only way an agreement's status
/// changes once it is registered; 412 when `a` changed since it was read.
pub fn transition(
    c: &mut DbConnection,
    ctx: &Ctx,
    a: &Agreement,
    event: Event,
) -> Result<AgreementStatus, ApiError> {
    let facts = Facts {
        legacy: a.legacy,
        expires_on: a.expires_on,
        today: ctx.today(),
    };
    let status = lifecycle::after(a.status, &event, &facts)?;
    let mut change = StatusChange {
        status,
        signed_on: None,
        signed_place: None,
        effective_from: None,
        details: None,
        updated_at: ctx.now(),
    };
    match event {
        Event::Signed {
            on,
            place,
            indonesian,
            partner,
        } => {
            change.signed_on = Some(on);
            change.signed_place = Some(place);
            change.effective_from = Some(on);
            // The signatories of the signing record become the agreement's (fixed from now on).
            let mut details = a.details.clone();
            details["signatories"] = json!({
                "indonesian": {"name": indonesian.name, "position": indonesian.position},
                "partner": {"name": partner.name, "position": partner.position},
            });
            change.details = Some(JsonText::from(details));
        }
        Event::ApprovalsVerified | Event::ApprovalsRefused { .. } => {
            let (outcome, note) = match &event {
                Event::ApprovalsRefused { note } => (VerificationOutcome::Refused, Some(note)),
                _ => (VerificationOutcome::Verified, None),
            };
            let mut details = a.details.clone();
            details["verification"] = json!({
                "outcome": outcome.as_str(), "note": note, "by": ctx.actor.name, "on": ctx.today(),
            });
            change.details = Some(JsonText::from(details));
        }
        Event::Terminated { reason, on, note } => {
            let mut details = a.details.clone();
            details["termination"] =
                json!({"reason": reason.as_str(), "terminated_on": on, "note": note});
            change.details = Some(JsonText::from(details));
        }
        _ => {}
    }
    registry::set_status(c, &a.id, a.version, &change).or_precondition_failed()?;
    Ok(status)
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "mutual_agreement", "terminated_on": "2026-12-31", "note": "Kesepakatan bersama kedua pihak"}))]
pub struct TerminationRequest {
    /// A reason outside the list is refused citing R19.
    // Read as text so that the domain refuses it (with its rule), not the JSON reader.
    #[schema(value_type = TerminationReason)]
    pub reason: String,
    pub terminated_on: Date,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// Ends an active agreement before its term, for a reason of R19, if `expected` still holds.
pub fn terminate(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    id: &str,
    req: TerminationRequest,
    expected: impl FnOnce(&Agreement) -> Result<(), ApiError>,
) -> Result<AgreementRecord, ApiError> {
    // An invalid reason is a 422 whatever the tag or the state.
    let reason = TerminationReason::from_input(&req.reason)?;
    let a = agreements::find(c, scope, id)?;
    expected(&a)?;
    let event = Event::Terminated {
        reason,
        on: *req.terminated_on,
        note: req.note,
    };
    transition(c, ctx, &a, event)?;
    let after = agreements::get(c, scope, id)?;
    ctx.audit_change(
        c,
        AuditAction::AgreementTerminated,
        &a,
        json!({
            "status": {"before": a.status.as_str(), "after": after.agreement.status.as_str()},
            "termination": {"before": null, "after": after.agreement.details["termination"]},
        }),
    )?;
    Ok(after)
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({"outcome": "refused", "note": "Nomor surat persetujuan DPRD tidak sesuai dengan arsip Setwan"}))]
pub struct VerificationRequest {
    /// `verified`: the letters check out and the agreement is in force (or `expired`, past its
    /// end); `refused` (with a `note`): it stays `pending_verification` for its region to correct.
    pub outcome: VerificationOutcome,
    /// Required when refused.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// R23 / R9: a central reviewer's decision on the approvals of an agreement signed on or after
/// 13 July 2018 outside the system, if `expected` still holds: verified, it is in force;
/// refused, it stays pending with the note. Never by the region that recorded it.
pub fn verify(
    c: &mut DbConnection,
    ctx: &Ctx,
    principal: &Principal,
    scope: &Visibility,
    id: &str,
    req: VerificationRequest,
    expected: impl FnOnce(&Agreement) -> Result<(), ApiError>,
) -> Result<AgreementRecord, ApiError> {
    // Another region's agreement is a 404 before anything is decided about it.
    let a = agreements::find(c, scope, id)?;
    let event = lifecycle::verification(principal, req.outcome, req.note.as_deref())?;
    expected(&a)?;
    let action = match event {
        Event::ApprovalsVerified => AuditAction::AgreementVerified,
        _ => AuditAction::AgreementVerificationRefused,
    };
    transition(c, ctx, &a, event)?;
    let after = agreements::get(c, scope, id)?;
    ctx.audit_change(
        c,
        action,
        &a,
        json!({
            "status": {"before": a.status.as_str(), "after": after.agreement.status.as_str()},
            "verification": {"before": a.details.get("verification"), "after": after.agreement.details["verification"]},
        }),
    )?;
    Ok(after)
}

/// R18: renews an active or expired agreement: a successor draft linked to it, whose approval
/// workflow starts at once — a renewal re-runs every stage.
pub fn renew(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
    scope: &Visibility,
    id: &str,
) -> Result<AgreementRecord, ApiError> {
    let a = agreements::find(c, scope, id)?;
    lifecycle::renewable(a.status)?;
    let successor = agreements::create(c, ctx, scope, AgreementInput::renewal_of(&a))?;
    let case = super::cases::start(c, ctx, cal, &successor.agreement)?;
    ctx.audit_change(
        c,
        AuditAction::AgreementRenewalStarted,
        &successor.agreement,
        json!({
            "predecessor_id": {"before": null, "after": a.id},
            "workflow": {"before": null, "after": case.definition_key},
        }),
    )?;
    agreements::get(c, scope, &successor.agreement.id)
}

/// Expires up to `limit` active agreements past their end date (claimed for this transaction),
/// each audited with the system as actor; returns how many.
pub fn expire_due(c: &mut DbConnection, ctx: &Ctx, limit: i64) -> Result<usize, ApiError> {
    let due = registry::claim_expired(c, ctx.today(), limit)?;
    for (id, _) in &due {
        let a = agreements::find(c, &Visibility::All, id)?;
        let status = transition(c, ctx, &a, Event::Expired)?;
        ctx.audit(
            c,
            AuditAction::AgreementExpired,
            (RecordKind::Agreement, id),
            Some(a.region.as_str()),
            json!({"status": {"before": a.status.as_str(), "after": status.as_str()}}),
        )?;
    }
    Ok(due.len())
}

/// **Dormancy** (DEFAULT period in `policy`): flags (or, with `flag` false,
/// clears) up to `limit` agreements whose flag no longer matches their activity, each audited
/// with the system as actor; returns how many.
pub fn mark_dormancy(
    c: &mut DbConnection,
    ctx: &Ctx,
    policy: &MonitoringPolicy,
    flag: bool,
    limit: i64,
) -> Result<usize, ApiError> {
    let today = ctx.today();
    let cutoff = months_before(today, policy.dormancy_months);
    let due = if flag {
        monitoring::claim_dormant(c, cutoff, limit)?
    } else {
        monitoring::claim_revived(c, cutoff, limit)?
    };
    for (id, region) in &due {
        let before = monitoring::dormant_since(c, id)?;
        let after = flag.then_some(today);
        monitoring::set_dormant(c, id, after)?;
        let action = if flag {
            AuditAction::AgreementDormant
        } else {
            AuditAction::AgreementRevived
        };
        ctx.audit(
            c,
            action,
            (RecordKind::Agreement, id),
            Some(region),
            json!({"dormant_since": {"before": before, "after": after}}),
        )?;
    }
    Ok(due.len())
}

/// Clears `a`'s dormancy flag at once when an activity on `activity_on` falls within the period
/// before `today`, in the caller's transaction (the job would clear it on its next run).
pub fn revive(
    c: &mut DbConnection,
    ctx: &Ctx,
    a: &Agreement,
    activity_on: NaiveDate,
    policy: &MonitoringPolicy,
    today: NaiveDate,
) -> Result<(), ApiError> {
    let cutoff = months_before(today, policy.dormancy_months);
    if a.dormant_since.is_none() || activity_on < cutoff {
        return Ok(());
    }
    monitoring::set_dormant(c, &a.id, None)?;
    ctx.audit_change(
        c,
        AuditAction::AgreementRevived,
        a,
        json!({"dormant_since": {"before": a.dormant_since, "after": null}}),
    )
}
