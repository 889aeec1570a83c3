//! An agreement's approval case: its stages with dates and working-day clocks, the actions that
//! move it (each checked for role, region, record and rules, with If-Match), and the tasks
//! waiting for the caller. The case decides (`service::cases`); dates are WIB.

use actix_web::HttpResponse;
use chrono::NaiveDate;
use jalin_domain::access::Action;
use jalin_domain::case::{CaseStatus, Receipt, StageRecord, StageStatus};
use jalin_domain::workflow::{StageActor, StageKey};
use jalin_domain::Calendar;
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::responses::Conflict;
use crate::pagination::WholePaging;
use crate::reply;
use crate::routes::ids::AgreementId;
use crate::service::cases::{self, Blocking, CaseRecord, WorkflowActionRequest};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct StageView {
    pub key: StageKey,
    pub name_id: String,
    pub name_en: String,
    pub actor: StageActor,
    pub requires: String,
    pub status: StageStatus,
    pub started_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    /// For a stage with a time limit (DPRD: 45 working days from its receipt, R10).
    pub due_on: Option<NaiveDate>,
    pub working_days_elapsed: Option<u32>,
    pub working_days_remaining: Option<i64>,
    /// Past its due date and still open. Flagged only: silence is never approval (R10).
    pub overdue: bool,
    /// The DPRD stage is open and its receipt of the plan is not recorded: its clock has not
    /// started, so there is no due date yet (R10).
    pub awaiting_receipt: bool,
    /// DPRD's receipt of the plan (action `record_receipt`, or the decision's date of receipt).
    pub receipt: Option<Receipt>,
    pub citation: String,
    pub record: Option<StageRecord>,
    /// The due date or day counts reach a year whose holidays are not loaded: estimated there
    /// on weekends alone, recomputed once the year is loaded.
    pub provisional: bool,
    /// `calendar_not_loaded` when `provisional`.
    pub provisional_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowView {
    pub agreement_id: String,
    pub definition_key: String,
    pub definition_version: u32,
    pub status: CaseStatus,
    pub current_stage: Option<StageKey>,
    pub stages: Vec<StageView>,
}

impl WorkflowView {
    /// The case with each stage's working-day clock on `today`, on the region's calendar.
    fn of(r: &CaseRecord, cal: &Calendar, today: NaiveDate) -> Self {
        let (case, def) = (&r.stored.state, &r.definition);
        let cal = &cal.for_region(&r.region);
        let stages = case
            .stages
            .iter()
            .zip(&def.stages)
            .enumerate()
            .map(|(i, (s, d))| {
                let clock = case.clock(cal, def, i, today);
                StageView {
                    key: s.key,
                    name_id: d.name_id.clone(),
                    name_en: d.name_en.clone(),
                    actor: d.actor,
                    requires: d.requires.clone(),
                    status: s.status,
                    started_on: s.started_on,
                    completed_on: s.completed_on,
                    due_on: clock.due_on,
                    working_days_elapsed: clock.working_days_elapsed,
                    working_days_remaining: clock.working_days_remaining,
                    overdue: clock.overdue,
                    awaiting_receipt: clock.awaiting_receipt,
                    receipt: s.receipt.clone(),
                    citation: d.citation.clone(),
                    record: s.record.clone(),
                    provisional: clock.provisional,
                    provisional_reason: provisional_reason(clock.provisional),
                }
            });
        WorkflowView {
            agreement_id: r.stored.agreement_id.clone(),
            definition_key: case.definition_key.clone(),
            definition_version: case.definition_version,
            status: case.status,
            current_stage: case.current_key(),
            stages: stages.collect(),
        }
    }
}

fn view(state: &AppState, r: &CaseRecord) -> HttpResponse {
    reply::ok_versioned(
        &r.stored,
        WorkflowView::of(r, &state.calendar, state.clock.today()),
    )
}

/// The approval case of an agreement in your scope.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/workflow",
    operation_id = "getWorkflow",
    tag = "workflow",
    params(AgreementId),
    responses(
        (status = 200, description = "The case: stages with status, dates, due dates, working days elapsed and remaining, overdue flags.", body = WorkflowView, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(caller: Caller, id: AgreementId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let r = caller.db(move |c| cases::get(c, &vis, &id)).await?;
    Ok(view(&caller.state, &r))
}

/// Act on an agreement's approval case; requires `If-Match`.
///
/// DPRD receipts (`record_receipt`) and decisions only by that region's `dprd_secretariat` (or
/// an admin); Kemendagri and Kemlu stages only by a `central_reviewer`; the region's stages by
/// its province or region officer. A refused record lists every unmet condition with its rule
/// id (the signing guard: R9, R12–R16); a record of a later stage, by that stage's actor, is
/// refused with the rules that gate it (R5, R7, R8, R9, R11–R14), not as a wrong record.
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/workflow/actions",
    operation_id = "actOnWorkflow",
    tag = "workflow",
    request_body = WorkflowActionRequest,
    params(
        AgreementId,
        ("If-Match" = String, Header, description = "The case's ETag (for `start`: the agreement's)."),
    ),
    responses(
        (status = 200, description = "The case after the action.", body = WorkflowView, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
pub async fn act(
    caller: Caller,
    if_match: IfMatch,
    id: AgreementId,
    body: ApiJson<WorkflowActionRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadAgreements)?;
    let (principal, cal) = (caller.auth.0.clone(), caller.state.calendar.clone());
    let signing = caller.state.config.signing;
    let r = caller
        .write(move |c, ctx| {
            let check = |etag: &_| if_match.check(etag);
            cases::act(c, ctx, &cal, signing, &principal, &id, body.value, check)
        })
        .await?;
    Ok(view(&caller.state, &r))
}

#[derive(Serialize, ToSchema)]
pub struct Requirements {
    pub agreement_id: String,
    /// `not_started`, `running` or the closed case's status.
    pub state: String,
    pub current_stage: Option<StageKey>,
    /// Every thing that blocks the next step, with its rule when there is one.
    pub blocking: Vec<jalin_domain::case::Requirement>,
}

impl From<Blocking> for Requirements {
    fn from(b: Blocking) -> Self {
        Requirements {
            agreement_id: b.agreement_id,
            state: b.state.to_owned(),
            current_stage: b.current_stage,
            blocking: b.blocking,
        }
    }
}

/// What blocks the next step of an agreement's case, machine-readable.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/workflow/requirements",
    operation_id = "getWorkflowRequirements",
    tag = "workflow",
    params(AgreementId),
    responses(
        (status = 200, description = "The blocking items (empty once the case is closed).", body = Requirements),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn requirements(caller: Caller, id: AgreementId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let today = caller.ctx.today();
    let b = caller
        .db(move |c| cases::requirements(c, &vis, &id, today))
        .await?;
    Ok(reply::ok(Requirements::from(b)))
}

#[derive(Serialize, ToSchema)]
pub struct Task {
    pub agreement_id: String,
    pub reference_number: String,
    pub region_code: String,
    pub stage: String,
    /// The open stage's due date (DPRD: 45 working days after its receipt, R10).
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    /// The DPRD stage waits for its receipt to be recorded: no clock, no due date yet (R10).
    pub awaiting_receipt: bool,
    /// DPRD's receipt of the plan, while the DPRD stage is open.
    pub received_on: Option<NaiveDate>,
    /// `due_on` lies past the loaded holiday years: estimated on weekends alone.
    pub provisional: bool,
    /// `calendar_not_loaded` when `provisional`.
    pub provisional_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<Task>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Work waiting for you: the cases whose current stage is yours, soonest due first.
#[utoipa::path(
    get,
    path = "/v1/tasks",
    operation_id = "listTasks",
    tag = "workflow",
    params(WholePaging),
    responses(
        (status = 200, description = "Cases waiting for the caller's role and region, most urgent first.", body = TaskList),
    ),
    security(("bearer" = []))
)]
pub async fn tasks(caller: Caller, paging: WholePaging) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let principal = caller.auth.0.clone();
    let waiting = caller.db(move |c| cases::tasks(c, &principal, vis)).await?;
    let (waiting, next_cursor) = paging.slice("tasks", waiting)?;
    let today = caller.ctx.today();
    let cal = &caller.state.calendar;
    Ok(reply::ok(TaskList {
        items: waiting
            .into_iter()
            .map(|w| Task {
                provisional: w.case.stage_due_on.is_some_and(|d| cal.is_estimate(d)),
                provisional_reason: provisional_reason(
                    w.case.stage_due_on.is_some_and(|d| cal.is_estimate(d)),
                ),
                overdue: w.case.stage_due_on.is_some_and(|d| today > d),
                awaiting_receipt: awaiting_receipt(&w.case.state),
                received_on: w
                    .case
                    .state
                    .current()
                    .and_then(|i| w.case.state.stages[i].receipt.as_ref())
                    .map(|r| r.received_on),
                agreement_id: w.case.agreement_id,
                reference_number: w.reference_number,
                region_code: w.region_code,
                stage: w
                    .case
                    .current_stage
                    .map(StageKey::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                due_on: w.case.stage_due_on,
            })
            .collect(),
        next_cursor,
    }))
}

/// The reason a date is provisional (`calendar_not_loaded`), if it is.
pub fn provisional_reason(provisional: bool) -> Option<String> {
    provisional.then(|| jalin_domain::calendar::PROVISIONAL_REASON.to_owned())
}

/// Whether a case's open stage waits for DPRD's receipt (R10).
fn awaiting_receipt(case: &jalin_domain::case::Case) -> bool {
    jalin_domain::workflow::definition(&case.definition_key, case.definition_version)
        .is_some_and(|def| case.awaiting_receipt(&def))
}

super::operations! {
    get,
    act,
    requirements,
    tasks,
}
