//! An agreement's approval case: start it, act on it, say what blocks it, and list the cases
//! waiting for someone. The case (`jalin_domain::case`) decides each step; the agreement follows
//! through its lifecycle transition. Dates come from the injected clock (WIB).

use chrono::{NaiveDate, NaiveDateTime};
use jalin_domain::access::{Action, Principal, Role, Visibility};
use jalin_domain::agreement::Instrument;
use jalin_domain::case::{
    acting_as, stage_actors_of, Case, CaseAction, Circumstances, Requirement, SigningPolicy,
    StageRecord, WorkflowActionKind,
};
use jalin_domain::lifecycle::{self, Event};
use jalin_domain::workflow::{self, Arrangement, Definition, StageActor, StageKey, Umbrella};
use jalin_domain::{Calendar, RecordKind, RegionCode, Violation};
use jalin_persistence::cases::{self, StoredCase, Waiting};
use jalin_persistence::registry::{self, Agreement};
use jalin_persistence::DbConnection;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use super::{agreements, lifecycle as transitions, Conditional, Ctx};
use crate::concurrency::Etag;
use crate::error::ApiError;
use crate::reply::{OrNotFound, Versioned};

/// A case's ETag is its own, apart from its agreement's.
impl Versioned for StoredCase {
    fn id(&self) -> &str {
        &self.agreement_id
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn etag(&self) -> Etag {
        Etag::for_version(&format!("case:{}", self.agreement_id), self.version)
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "action": "complete_stage",
    "record": {"kind": "dprd_decision", "received_on": "2025-03-03", "decision": "approved", "letter": {"number": "170/123/DPRD", "date": "2025-04-10"}}
}))]
pub struct WorkflowActionRequest {
    pub action: WorkflowActionKind,
    pub record: Option<StageRecord>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// A stored case with the definition it is pinned to.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub stored: StoredCase,
    pub definition: Definition,
    /// The agreement's region: its clocks count on the region's calendar.
    pub region: RegionCode,
}

impl CaseRecord {
    fn of(stored: StoredCase, region: &RegionCode) -> Result<CaseRecord, ApiError> {
        let case = &stored.state;
        let definition = workflow::definition(&case.definition_key, case.definition_version)
            .ok_or_else(|| ApiError::internal("a case's definition is no longer published"))?;
        Ok(CaseRecord {
            stored,
            definition,
            region: region.clone(),
        })
    }
}

/// Where a case's row stands: its version, when it was created and when it changed.
#[derive(Debug, Clone, Copy)]
pub struct Revision {
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Revision {
    /// A new case's first revision.
    pub fn first(now: NaiveDateTime) -> Revision {
        Revision {
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// The revision after `old`.
    fn after(old: &StoredCase, now: NaiveDateTime) -> Revision {
        Revision {
            version: old.version + 1,
            created_at: old.created_at,
            updated_at: now,
        }
    }
}

/// The row of `case`: its status and open stage beside it, with that stage's due date
/// (`Case::due_on`, on the day it is written).
pub fn row(
    agreement_id: &str,
    case: Case,
    stage_due_on: Option<NaiveDate>,
    revision: Revision,
) -> StoredCase {
    StoredCase {
        agreement_id: agreement_id.to_owned(),
        definition_key: case.definition_key.clone(),
        definition_version: case.definition_version as i32,
        status: case.status,
        current_stage: case.current_key(),
        stage_due_on,
        state: case,
        version: revision.version,
        created_at: revision.created_at,
        updated_at: revision.updated_at,
    }
}

/// The case of an agreement within `vis`.
pub fn get(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<CaseRecord, ApiError> {
    let a = agreements::find(c, vis, id)?;
    CaseRecord::of(
        cases::find(c, id)?.or_not_found(RecordKind::Workflow, id)?,
        &a.region,
    )
}

/// An implementing arrangement with its umbrella (its parent, read whatever the caller's
/// scope: only the facts the shorter path needs).
fn arrangement(c: &mut DbConnection, a: &Agreement) -> Result<Arrangement, ApiError> {
    let parent = match &a.parent_id {
        Some(id) => registry::find_agreement(c, id, &Visibility::All)?,
        None => None,
    };
    Ok(Arrangement {
        partner_ids: a.partner_ids.clone(),
        objects: a.objects.clone(),
        umbrella: parent.map(|p| Umbrella {
            status: p.status,
            in_force_from: p.effective_from.or(p.signed_on),
            expires_on: p.expires_on,
            partner_ids: p.partner_ids,
            objects: p.objects,
        }),
    })
}

/// Why an implementing arrangement cannot take the shorter path today (empty: it can; for
/// another instrument there is nothing to say).
fn umbrella_gaps(
    c: &mut DbConnection,
    a: &Agreement,
    today: NaiveDate,
) -> Result<Vec<Violation>, ApiError> {
    if a.instrument != Instrument::ImplementingArrangement {
        return Ok(Vec::new());
    }
    Ok(workflow::umbrella_gaps(&arrangement(c, a)?, today))
}

/// What a step on `a`'s case needs besides the case: today (WIB and in the region's zone), the
/// signing settings, the agreement's objects and, on the shorter path, its umbrella.
fn circumstances(
    c: &mut DbConnection,
    ctx: &Ctx,
    a: &Agreement,
    def: &Definition,
    signing: SigningPolicy,
) -> Result<Circumstances, ApiError> {
    let umbrella = match workflow::is_short_path(def) {
        true => Some(arrangement(c, a)?),
        false => None,
    };
    Ok(Circumstances {
        today: ctx.today(),
        local_today: ctx.clock.today_in(&a.region),
        signing,
        objects: a.objects.clone(),
        umbrella,
    })
}

/// Starts `a`'s approval case on the newest definition, today: the agreement goes into
/// approval (a renewal's successor too, R18). An implementing arrangement takes the shorter
/// path only when its umbrella carries it today (R14, UU 24/2000 art. 7(5)).
pub fn start(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
    a: &Agreement,
) -> Result<StoredCase, ApiError> {
    transitions::transition(c, ctx, a, Event::WorkflowStarted)?;
    let umbrella_holds = a.instrument == Instrument::ImplementingArrangement
        && umbrella_gaps(c, a, ctx.today())?.is_empty();
    let def = workflow::definition_for(a.kind, a.instrument, umbrella_holds)
        .ok_or_else(|| ApiError::internal("no workflow definition"))?;
    let case = Case::start(&def, ctx.today());
    let due = case.due_on(&cal.for_region(&a.region), &def, ctx.today());
    let stored = row(&a.id, case, due, Revision::first(ctx.now()));
    cases::insert(c, &stored)?;
    Ok(stored)
}

/// Acts on the case of an agreement `principal` reads, as the stage actor it may act as:
/// `start` checks the agreement's ETag, every other action the case's (`expected`, the
/// caller's If-Match). `start` on a running case on the shorter path whose umbrella no longer
/// carries it restarts the case on the full path.
#[allow(clippy::too_many_arguments)]
pub fn act(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
    signing: SigningPolicy,
    principal: &Principal,
    id: &str,
    req: WorkflowActionRequest,
    expected: impl FnOnce(&Etag) -> Result<(), ApiError>,
) -> Result<CaseRecord, ApiError> {
    let vis = principal
        .visibility(Action::ReadAgreements)
        .ok_or(ApiError::Forbidden)?;
    let a = agreements::find(c, &vis, id)?;
    let stored = match (req.action, cases::find(c, id)?) {
        (WorkflowActionKind::Start, None) => {
            acting_as(principal, &a.region, StageActor::Region).ok_or(ApiError::Forbidden)?;
            expected(&a.etag())?;
            start(c, ctx, cal, &a)?
        }
        (_, None) => {
            return Err(ApiError::conflict(
                "not_started",
                "The case has not started.",
                "Kasus belum dimulai.",
            ))
        }
        (WorkflowActionKind::Start, Some(old))
            if workflow::is_short_path(&CaseRecord::of(old.clone(), &a.region)?.definition)
                && old.status == jalin_domain::case::CaseStatus::Running
                && !umbrella_gaps(c, &a, ctx.today())?.is_empty() =>
        {
            acting_as(principal, &a.region, StageActor::Region).ok_or(ApiError::Forbidden)?;
            expected(&old.etag())?;
            onto_full_path(c, ctx, cal, &a, &old)?
        }
        (kind, Some(old)) => {
            let action = kind.on_case(req.record.clone(), req.note.clone())?;
            expected(&old.etag())?;
            let r = CaseRecord::of(old, &a.region)?;
            let acting = acting_on(principal, &a, &r, kind, req.record.as_ref())?;
            let circumstances = circumstances(c, ctx, &a, &r.definition, signing)?;
            advance(c, ctx, cal, &a, r, action, acting, &circumstances)?
        }
    };
    ctx.audit_change(
        c,
        req.action.audited_as(),
        &a,
        json!({"workflow": {"before": null, "after": {
            "status": stored.status.as_str(), "stage": stored.current_stage.map(StageKey::as_str),
            "action": req.action.as_str(), "note": req.note,
        }}}),
    )?;
    CaseRecord::of(stored, &a.region)
}

/// The stage actor `principal` acts as: for a record, the actor of the stage that record
/// completes, when it may act as that one (so a record ahead of its stage is refused with the
/// rule that gates it); else the actor of the open stage (DPRD for a receipt). A principal
/// that may act as neither is refused (403): nothing about the case is disclosed to it.
fn acting_on(
    principal: &Principal,
    a: &Agreement,
    r: &CaseRecord,
    kind: WorkflowActionKind,
    record: Option<&StageRecord>,
) -> Result<StageActor, ApiError> {
    use WorkflowActionKind::*;
    let current = match kind {
        RecordReceipt => StageActor::Dprd,
        _ => r.stored.state.actor_for(&r.definition, kind),
    };
    let completes = matches!(kind, CompleteStage | Resubmit | Approve | Reject);
    let target = record
        .filter(|_| completes)
        .and_then(|rec| {
            r.definition
                .stages
                .iter()
                .find(|s| s.requires == rec.kind())
        })
        .map(|s| s.actor);
    target
        .and_then(|t| acting_as(principal, &a.region, t))
        .or_else(|| acting_as(principal, &a.region, current))
        .ok_or(ApiError::Forbidden)
}

/// Restarts a shorter-path case whose umbrella lapsed on the full path of its kind, today: the
/// shorter path's records stay in the audit log; the agreement goes back into approval.
fn onto_full_path(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
    a: &Agreement,
    old: &StoredCase,
) -> Result<StoredCase, ApiError> {
    let def = workflow::latest(a.kind.as_str())
        .ok_or_else(|| ApiError::internal("no workflow definition"))?;
    let case = Case::start(&def, ctx.today());
    if let Some(event) = lifecycle::following(a.status, &case) {
        transitions::transition(c, ctx, a, event)?;
    }
    let due = case.due_on(&cal.for_region(&a.region), &def, ctx.today());
    let new = row(&a.id, case, due, Revision::after(old, ctx.now()));
    cases::save(c, &new, old.version).or_precondition_failed()?;
    Ok(new)
}

/// One action on a running case by `acting`; the agreement follows the case.
#[allow(clippy::too_many_arguments)]
fn advance(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
    a: &Agreement,
    r: CaseRecord,
    action: CaseAction,
    acting: StageActor,
    circumstances: &Circumstances,
) -> Result<StoredCase, ApiError> {
    let (old, def) = (&r.stored, &r.definition);
    let today = ctx.today();
    let next = old.state.apply_in(def, action, acting, circumstances)?;
    if let Some(event) = lifecycle::following(a.status, &next) {
        transitions::transition(c, ctx, a, event)?;
    }
    let due = next.due_on(&cal.for_region(&a.region), def, today);
    let new = row(&a.id, next, due, Revision::after(old, ctx.now()));
    cases::save(c, &new, old.version).or_precondition_failed()?;
    Ok(new)
}

/// What blocks the next step of an agreement's case.
#[derive(Debug, Clone)]
pub struct Blocking {
    pub agreement_id: String,
    /// `not_started`, `running` or the closed case's status.
    pub state: &'static str,
    pub current_stage: Option<StageKey>,
    pub blocking: Vec<Requirement>,
}

pub fn requirements(
    c: &mut DbConnection,
    vis: &Visibility,
    id: &str,
    today: NaiveDate,
) -> Result<Blocking, ApiError> {
    let a = agreements::find(c, vis, id)?;
    // An implementing arrangement whose umbrella does not carry it: why the full path applies
    // (or, on the shorter path, why it cannot go on).
    let umbrella: Vec<Requirement> = umbrella_gaps(c, &a, today)?
        .iter()
        .map(|v| Requirement::from_violation(v, Some(StageActor::Region)))
        .collect();
    let blocking = match cases::find(c, id)? {
        None => {
            let mut blocking = Requirement::before_start(a.status, a.legacy);
            if !blocking.is_empty() {
                blocking.extend(umbrella);
            }
            Blocking {
                agreement_id: a.id,
                state: "not_started",
                current_stage: None,
                blocking,
            }
        }
        Some(stored) => {
            let CaseRecord {
                stored, definition, ..
            } = CaseRecord::of(stored, &a.region)?;
            let mut blocking = stored.state.requirements(&definition);
            if !blocking.is_empty() {
                if workflow::is_short_path(&definition) && !umbrella.is_empty() {
                    blocking.push(restart_on_full_path());
                }
                blocking.extend(umbrella);
            }
            Blocking {
                agreement_id: a.id,
                state: stored.status.as_str(),
                current_stage: stored.state.current_key(),
                blocking,
            }
        }
    };
    Ok(blocking)
}

/// On a shorter path whose umbrella lapsed: the region restarts the case on the full path.
fn restart_on_full_path() -> Requirement {
    Requirement {
        code: "restart_on_full_path".into(),
        rule: Some(jalin_domain::RuleId::R14),
        actor: Some(StageActor::Region),
        message: "the umbrella no longer carries this arrangement: the region restarts the case on the full path (action `start`)".into(),
        message_id: "naskah induk tidak lagi menaungi pengaturan ini: daerah memulai ulang kasus pada alur lengkap (tindakan `start`)".into(),
        citation: Some(jalin_domain::RuleId::R14.source().into()),
    }
}

/// The cases waiting for `principal` (at most 100), soonest due first: those whose open stage
/// is one its role acts on, within the scope it acts in (`vis`: where it reads agreements).
pub fn tasks(
    c: &mut DbConnection,
    principal: &Principal,
    vis: Visibility,
) -> Result<Vec<Waiting>, ApiError> {
    let Some(role) = principal.role() else {
        return Ok(Vec::new());
    };
    let scope = match role {
        Role::Admin | Role::CentralReviewer => Visibility::All,
        Role::ProvinceOfficer | Role::RegionOfficer => {
            principal.visibility(Action::WriteAgreements).unwrap_or(vis)
        }
        Role::DprdSecretariat => principal
            .region
            .clone()
            .map(Visibility::Region)
            .ok_or(ApiError::Forbidden)?,
        _ => vis,
    };
    let stages = workflow::stages_of(stage_actors_of(role));
    if stages.is_empty() {
        return Ok(Vec::new());
    }
    // The whole list, paged by the handler (`listTasks`); bounded against runaway data.
    Ok(cases::waiting(c, &scope, &stages, 10_000)?)
}
