//! An agreement's approval case: start it, act on it, say what blocks it, and list the cases
//! waiting for someone. The case (`jalin_domain::case`) decides each step; the agreement follows
//! through its lifecycle transition. Dates come from the injected clock (WIB).

use chrono::{NaiveDate, NaiveDateTime};
use jalin_domain::access::{Action, Principal, Role, Visibility};
use jalin_domain::case::{
    acting_as, stage_actors_of, Case, CaseAction, Requirement, StageRecord, WorkflowActionKind,
};
use jalin_domain::lifecycle::{self, Event};
use jalin_domain::workflow::{self, Definition, StageActor, StageKey};
use jalin_domain::{Calendar, RecordKind};
use jalin_persistence::cases::{self, StoredCase, Waiting};
use jalin_persistence::registry::Agreement;
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
}

impl CaseRecord {
    fn of(stored: StoredCase) -> Result<CaseRecord, ApiError> {
        let case = &stored.state;
        let definition = workflow::definition(&case.definition_key, case.definition_version)
            .ok_or_else(|| ApiError::internal("a case's definition is no longer published"))?;
        Ok(CaseRecord { stored, definition })
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
    agreements::find(c, vis, id)?;
    CaseRecord::of(cases::find(c, id)?.or_not_found(RecordKind::Workflow, id)?)
}

/// Starts `a`'s approval case on the newest definition, today: the agreement goes into
/// approval (a renewal's successor too, R18).
pub fn start(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
    a: &Agreement,
) -> Result<StoredCase, ApiError> {
    transitions::transition(c, ctx, a, Event::WorkflowStarted)?;
    let def = workflow::definition_for(a.kind, a.instrument, a.parent_id.is_some())
        .ok_or_else(|| ApiError::internal("no workflow definition"))?;
    let case = Case::start(&def, ctx.today());
    let due = case.due_on(cal, &def, ctx.today());
    let stored = row(&a.id, case, due, Revision::first(ctx.now()));
    cases::insert(c, &stored)?;
    Ok(stored)
}

/// Acts on the case of an agreement `principal` reads, as the stage actor it may act as:
/// `start` checks the agreement's ETag, every other action the case's (`expected`, the
/// caller's If-Match).
pub fn act(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
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
        (kind, Some(old)) => {
            let action = kind.on_case(req.record.clone(), req.note.clone())?;
            expected(&old.etag())?;
            let r = CaseRecord::of(old)?;
            let actor = r.stored.state.actor_for(&r.definition, kind);
            let acting = acting_as(principal, &a.region, actor).ok_or(ApiError::Forbidden)?;
            advance(c, ctx, cal, &a, r, action, acting)?
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
    CaseRecord::of(stored)
}

/// One action on a running case by `acting`; the agreement follows the case.
fn advance(
    c: &mut DbConnection,
    ctx: &Ctx,
    cal: &Calendar,
    a: &Agreement,
    r: CaseRecord,
    action: CaseAction,
    acting: StageActor,
) -> Result<StoredCase, ApiError> {
    let (old, def) = (&r.stored, &r.definition);
    let today = ctx.today();
    let next = old.state.apply(def, action, acting, today)?;
    if let Some(event) = lifecycle::following(a.status, &next) {
        transitions::transition(c, ctx, a, event)?;
    }
    let due = next.due_on(cal, def, today);
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
) -> Result<Blocking, ApiError> {
    let a = agreements::find(c, vis, id)?;
    let blocking = match cases::find(c, id)? {
        None => Blocking {
            agreement_id: a.id,
            state: "not_started",
            current_stage: None,
            blocking: Requirement::before_start(a.status, a.legacy),
        },
        Some(stored) => {
            let CaseRecord { stored, definition } = CaseRecord::of(stored)?;
            Blocking {
                agreement_id: a.id,
                state: stored.status.as_str(),
                current_stage: stored.state.current_key(),
                blocking: stored.state.requirements(&definition),
            }
        }
    };
    Ok(blocking)
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
    Ok(cases::waiting(c, &scope, &stages, 100)?)
}
