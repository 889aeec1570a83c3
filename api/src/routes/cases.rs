//! An agreement's approval case: its stages with dates and working-day clocks, the actions that
//! move it (each checked for role, region, record and rules, with If-Match), and the tasks
//! waiting for the caller.

use jalin_domain::AuditAction;
use jalin_domain::RecordKind;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, Utc};
use jalin_domain::access::{Action, Principal, Role, Visibility};
use jalin_domain::agreement::{AgreementStatus, Instrument};
use jalin_domain::case::{Case, CaseAction, CaseStatus, StageRecord, StageStatus};
use jalin_domain::workflow::{self, Definition, StageActor, StageKey};
use jalin_domain::Calendar;
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::cases::{self, StoredCase};
use jalin_persistence::registry::{self, Agreement};
use jalin_persistence::DbConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::responses::Conflict;
use crate::problem::{FieldIssue, Text};
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
    /// For a stage with a time limit (DPRD: 45 working days, R10).
    pub due_on: Option<NaiveDate>,
    pub working_days_elapsed: Option<u32>,
    pub working_days_remaining: Option<i64>,
    /// Past its due date and still open. Flagged only: silence is never approval (R10).
    pub overdue: bool,
    pub citation: String,
    pub record: Option<StageRecord>,
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

/// Working days the stage has been open: earlier periods before returns plus the current one.
fn due(
    cal: &Calendar,
    def: &Definition,
    case: &Case,
    i: usize,
    today: NaiveDate,
) -> (Option<NaiveDate>, Option<u32>, Option<i64>, bool) {
    let s = &case.stages[i];
    let Some(start) = s.started_on else {
        return (None, None, None, false);
    };
    let end = s.completed_on.unwrap_or(today);
    let held: Option<u32> = s
        .held
        .iter()
        .map(|(a, b)| cal.working_days_between(*a, (*b).max(*a)).ok())
        .sum();
    let elapsed = cal
        .working_days_between(start, end.max(start))
        .ok()
        .zip(held)
        .map(|(now, before)| now + before);
    match def.stages[i].time_limit {
        None => (None, elapsed, None, false),
        Some(limit) => {
            // The clock resumes where it paused: the days already used are not given again.
            let left = limit.working_days.saturating_sub(held.unwrap_or(0));
            let due_on = cal.add_working_days(start, left).ok();
            let remaining = elapsed.map(|e| i64::from(limit.working_days) - i64::from(e));
            let overdue = s.status == StageStatus::Active && due_on.is_some_and(|d| today > d);
            (due_on, elapsed, remaining, overdue)
        }
    }
}

fn view(cal: &Calendar, agreement_id: &str, def: &Definition, case: &Case) -> WorkflowView {
    let today = crate::clock::today();
    WorkflowView {
        agreement_id: agreement_id.to_owned(),
        definition_key: case.definition_key.clone(),
        definition_version: case.definition_version,
        status: case.status,
        current_stage: case.current().map(|i| case.stages[i].key),
        stages: case
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (due_on, elapsed, remaining, overdue) = due(cal, def, case, i, today);
                let d = &def.stages[i];
                StageView {
                    key: s.key,
                    name_id: d.name_id.clone(),
                    name_en: d.name_en.clone(),
                    actor: d.actor,
                    requires: d.requires.clone(),
                    status: s.status,
                    started_on: s.started_on,
                    completed_on: s.completed_on,
                    due_on,
                    working_days_elapsed: elapsed,
                    working_days_remaining: remaining,
                    overdue,
                    citation: d.citation.clone(),
                    record: s.record.clone(),
                }
            })
            .collect(),
    }
}

fn decode(stored: &StoredCase) -> Result<(Definition, Case), ApiError> {
    let case: Case = serde_json::from_str(&stored.state)
        .map_err(|e| ApiError::internal(format!("stored case: {e}")))?;
    let def = workflow::definition(&case.definition_key, case.definition_version)
        .ok_or_else(|| ApiError::internal("a case's definition is no longer published"))?;
    Ok((def, case))
}

fn case_etag(stored: &StoredCase) -> String {
    Etag::for_version(&format!("case:{}", stored.agreement_id), stored.version)
        .as_str()
        .to_owned()
}

fn agreement_etag(a: &Agreement) -> Etag {
    Etag::for_version(&a.id, a.version)
}

/// The stage actor the principal acts as on `agreement`'s `stage` (domain::case::acting_as).
fn acts_as(p: &Principal, agreement: &Agreement, stage: StageActor) -> Option<StageActor> {
    jalin_domain::case::acting_as(p, &agreement.region, stage)
}

/// The approval case of an agreement in your scope.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/workflow",
    operation_id = "getWorkflow",
    tag = "workflow",
    params(("id" = String, Path, description = "Agreement id.")),
    responses(
        (status = 200, description = "The case: stages with status, dates, due dates, working days elapsed and remaining, overdue flags.", body = WorkflowView, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let stored = state
        .db(move |c| {
            registry::find_agreement(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
            cases::find(c, &id)?.ok_or(ApiError::not_found(RecordKind::Workflow, id.clone()))
        })
        .await?;
    let (def, case) = decode(&stored)?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", case_etag(&stored)))
        .json(view(&state.calendar, &stored.agreement_id, &def, &case)))
}

/// What an action asks for.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowActionKind {
    /// Start the case on the newest definition (If-Match: the agreement's ETag).
    Start,
    /// Complete the current stage with its `record` (approve/reject and revise outcomes are
    /// fields of the decision records).
    CompleteStage,
    /// Complete a stage the case was returned to (same as `complete_stage`).
    Resubmit,
    /// Complete a decision stage with an approving record (DPRD approved, draft approved…).
    Approve,
    /// Complete a decision stage with a rejecting record (DPRD rejected: the case ends).
    Reject,
    /// Send the case back one stage; `note` required.
    Return,
    /// Withdraw the case (the region); `note` required.
    Withdraw,
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

fn refusals(list: Vec<jalin_domain::case::Refusal>) -> ApiError {
    if list.iter().any(|r| r.code == "not_your_stage") {
        return ApiError::Forbidden;
    }
    if list.iter().any(|r| r.code == "case_closed") {
        return ApiError::Conflict {
            code: "case_closed",
            detail: Text::new(
                "The case is no longer running.",
                "Kasus tidak lagi berjalan.",
            ),
        };
    }
    ApiError::Validation(
        list.into_iter()
            .map(|r| {
                let code = r
                    .rule
                    .map(|x| x.as_str().to_owned())
                    .unwrap_or_else(|| r.code.to_owned());
                FieldIssue::pointer(
                    "/record",
                    &code,
                    Text::new(
                        format!("{} ({})", r.message, r.code),
                        format!("{} ({})", r.message, r.code),
                    ),
                )
            })
            .collect(),
    )
}

/// `approve` and `reject` must carry a record with that outcome.
fn check_outcome(kind: WorkflowActionKind, record: &StageRecord) -> Result<(), ApiError> {
    let ok = match kind {
        WorkflowActionKind::Approve => record.approves() == Some(true),
        WorkflowActionKind::Reject => record.approves() == Some(false),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::Validation(vec![FieldIssue::pointer(
            "/record",
            "outcome_mismatch",
            Text::new(
                "the record's outcome does not match the action",
                "hasil pada catatan tidak sesuai dengan tindakan",
            ),
        )]))
    }
}

fn definition_for(a: &Agreement) -> Option<Definition> {
    let key = if a.instrument == Instrument::ImplementingArrangement && a.parent_id.is_some() {
        "implementing_arrangement"
    } else {
        a.kind.as_str()
    };
    workflow::latest(key)
}

pub(crate) fn store(
    agreement_id: &str,
    case: &Case,
    version: i64,
    created: chrono::NaiveDateTime,
    cal: &Calendar,
    def: &Definition,
) -> Result<StoredCase, ApiError> {
    let current = case.current();
    let today = crate::clock::today();
    Ok(StoredCase {
        agreement_id: agreement_id.to_owned(),
        definition_key: case.definition_key.clone(),
        definition_version: case.definition_version as i32,
        status: serde_json::to_value(case.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        current_stage: current
            .and_then(|i| serde_json::to_value(case.stages[i].key).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
        stage_due_on: current.and_then(|i| due(cal, def, case, i, today).0),
        state: serde_json::to_string(case).map_err(|e| ApiError::internal(e.to_string()))?,
        version,
        created_at: created,
        updated_at: Utc::now().naive_utc(),
    })
}

/// Act on an agreement's approval case; requires `If-Match`.
///
/// DPRD decisions only by that region's `dprd_secretariat` (or an admin); Kemendagri and Kemlu
/// stages only by a `central_reviewer`; the region's stages by its province or region officer.
/// A refused record lists every unmet condition with its rule id (the signing guard: R9, R12–R16).
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/workflow/actions",
    operation_id = "actOnWorkflow",
    tag = "workflow",
    request_body = WorkflowActionRequest,
    params(
        ("id" = String, Path, description = "Agreement id."),
        ("If-Match" = String, Header, description = "The case's ETag (for `start`: the agreement's)."),
    ),
    responses(
        (status = 200, description = "The case after the action.", body = WorkflowView, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
pub async fn act(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<WorkflowActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let principal = auth.0.clone();
    let actor = auth.actor();
    let id = path.into_inner();
    let req = body.value;
    let cal = state.calendar.clone();
    let stored = state
        .write(move |c: &mut DbConnection| {
            let a = registry::find_agreement(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
            let existing = cases::find(c, &id)?;
            let now = Utc::now().naive_utc();
            let today = crate::clock::today();
            let (new, action_name, expected) = match (req.action, existing) {
                (WorkflowActionKind::Start, Some(_)) => {
                    return Err(ApiError::Conflict { code: "already_started", detail: Text::new("The case has started already.", "Kasus sudah dimulai.") })
                }
                (WorkflowActionKind::Start, None) => {
                    if a.legacy {
                        return Err(ApiError::Conflict { code: "legacy_has_no_workflow", detail: Text::new("A legacy agreement (R23) has no approval workflow.", "Perjanjian lama (R23) tidak memiliki alur persetujuan.") });
                    }
                    if a.status != AgreementStatus::Draft {
                        return Err(ApiError::Conflict { code: "not_a_draft", detail: Text::new("Only a draft starts the workflow.", "Hanya draf yang memulai alur kerja.") });
                    }
                    if acts_as(&principal, &a, StageActor::Region).is_none() {
                        return Err(ApiError::Forbidden);
                    }
                    if_match.check(&agreement_etag(&a))?;
                    let def = definition_for(&a).ok_or_else(|| ApiError::internal("no definition"))?;
                    let case = Case::start(&def, today);
                    cases::set_agreement_status(c, &a.id, AgreementStatus::InApproval.as_str(), now)?;
                    (store(&a.id, &case, 1, now, &cal, &def)?, AuditAction::WorkflowStarted, None)
                }
                (_, None) => return Err(ApiError::Conflict { code: "not_started", detail: Text::new("The case has not started.", "Kasus belum dimulai.") }),
                (kind, Some(old)) => {
                    if_match.check(&Etag::for_version(&format!("case:{}", old.agreement_id), old.version))?;
                    let (def, case) = decode(&old)?;
                    let current = case.current().map(|i| def.stages[i].actor).unwrap_or(StageActor::Region);
                    let acting = match kind {
                        WorkflowActionKind::Withdraw => acts_as(&principal, &a, StageActor::Region),
                        _ => acts_as(&principal, &a, current),
                    }
                    .ok_or(ApiError::Forbidden)?;
                    let note = req.note.clone().unwrap_or_default();
                    let action = match kind {
                        WorkflowActionKind::CompleteStage
                        | WorkflowActionKind::Resubmit
                        | WorkflowActionKind::Approve
                        | WorkflowActionKind::Reject => {
                            let record = req.record.clone().ok_or_else(|| {
                                ApiError::Validation(vec![FieldIssue::pointer("/record", "required", Text::new("this action needs the stage's record", "tindakan ini memerlukan catatan tahap"))])
                            })?;
                            check_outcome(kind, &record)?;
                            CaseAction::Complete(record)
                        }
                        WorkflowActionKind::Return => CaseAction::Return { note },
                        WorkflowActionKind::Withdraw => CaseAction::Withdraw { note },
                        WorkflowActionKind::Start => unreachable!("handled above"),
                    };
                    let next = case.apply(&def, action, acting, today).map_err(refusals)?;
                    // The agreement follows the case.
                    match next.status {
                        CaseStatus::Signed => {
                            if let Some(StageRecord::Signing { signed_on, place, .. }) = next.stages.last().and_then(|s| s.record.clone()) {
                                cases::record_signing(c, &a.id, signed_on, &place, now)?;
                            }
                        }
                        CaseStatus::Rejected => cases::set_agreement_status(c, &a.id, "rejected", now)?,
                        CaseStatus::Withdrawn => cases::set_agreement_status(c, &a.id, "withdrawn", now)?,
                        CaseStatus::Running => {
                            let at_signing = next.current().is_some_and(|i| next.stages[i].key == StageKey::Signing);
                            let status = if at_signing { AgreementStatus::ApprovedForSigning } else { AgreementStatus::InApproval };
                            if status != a.status {
                                cases::set_agreement_status(c, &a.id, status.as_str(), now)?;
                            }
                        }
                    }
                    let name = match kind {
                        WorkflowActionKind::CompleteStage | WorkflowActionKind::Resubmit => AuditAction::WorkflowStageCompleted,
                        WorkflowActionKind::Approve => AuditAction::WorkflowApproved,
                        WorkflowActionKind::Reject => AuditAction::WorkflowRejected,
                        WorkflowActionKind::Return => AuditAction::WorkflowReturned,
                        WorkflowActionKind::Withdraw => AuditAction::WorkflowWithdrawn,
                        WorkflowActionKind::Start => AuditAction::WorkflowStarted,
                    };
                    (store(&a.id, &next, old.version + 1, old.created_at, &cal, &def)?, name, Some(old.version))
                }
            };
            match expected {
                None => cases::insert(c, &new)?,
                Some(v) => {
                    if !cases::save(c, &new, v)? {
                        return Err(ApiError::PreconditionFailed);
                    }
                }
            }
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: action_name,
                    record_type: RecordKind::Agreement,
                    record_id: &a.id,
                    region_code: Some(a.region.as_str()),
                    request_id: Some(&rid.0),
                    changes: json!({"workflow": {"before": null, "after": {"status": new.status, "stage": new.current_stage, "action": req.action, "note": req.note}}}),
                },
            )?;
            Ok(new)
        })
        .await?;
    let (def, case) = decode(&stored)?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", case_etag(&stored)))
        .json(view(&state.calendar, &stored.agreement_id, &def, &case)))
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

/// What blocks the next step of an agreement's case, machine-readable.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/workflow/requirements",
    operation_id = "getWorkflowRequirements",
    tag = "workflow",
    params(("id" = String, Path, description = "Agreement id.")),
    responses(
        (status = 200, description = "The blocking items (empty once the case is closed).", body = Requirements),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn requirements(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let (a, stored) = state
        .db(move |c| {
            let a = registry::find_agreement(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
            let stored = cases::find(c, &id)?;
            Ok((a, stored))
        })
        .await?;
    let body = match stored {
        None => Requirements {
            agreement_id: a.id.clone(),
            state: "not_started".into(),
            current_stage: None,
            blocking: if a.legacy || a.status != AgreementStatus::Draft {
                Vec::new()
            } else {
                vec![jalin_domain::case::Requirement {
                    code: "not_started".into(),
                    rule: Some(jalin_domain::RuleId::R9),
                    actor: Some(StageActor::Region),
                    message: "the region starts the approval workflow (action `start`)".into(),
                }]
            },
        },
        Some(s) => {
            let (def, case) = decode(&s)?;
            Requirements {
                agreement_id: a.id.clone(),
                state: s.status.clone(),
                current_stage: case.current().map(|i| case.stages[i].key),
                blocking: case.requirements(&def),
            }
        }
    };
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Serialize, ToSchema)]
pub struct Task {
    pub agreement_id: String,
    pub reference_number: String,
    pub region_code: String,
    pub stage: String,
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<Task>,
}

/// Work waiting for you: the cases whose current stage is yours, soonest due first.
#[utoipa::path(
    get,
    path = "/v1/tasks",
    operation_id = "listTasks",
    tag = "workflow",
    responses(
        (status = 200, description = "Cases waiting for the caller's role and region, most urgent first (at most 100).", body = TaskList),
    ),
    security(("bearer" = []))
)]
pub async fn tasks(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let role = auth.0.role();
    let own = auth.0.region.clone();
    let (stages, scope): (Vec<&'static str>, Visibility) = match role {
        Some(Role::Admin) => (ALL_STAGES.to_vec(), Visibility::All),
        Some(Role::CentralReviewer) => (
            stages_of(&[StageActor::Kemendagri, StageActor::Kemlu]),
            Visibility::All,
        ),
        Some(Role::ProvinceOfficer | Role::RegionOfficer) => (
            stages_of(&[StageActor::Region]),
            auth.0
                .visibility(Action::WriteAgreements)
                .unwrap_or(vis.clone()),
        ),
        Some(Role::DprdSecretariat) => (
            stages_of(&[StageActor::Dprd]),
            own.map(Visibility::Region).ok_or(ApiError::Forbidden)?,
        ),
        _ => (Vec::new(), vis),
    };
    let today = crate::clock::today();
    let rows = if stages.is_empty() {
        Vec::new()
    } else {
        state
            .db(move |c| Ok(cases::waiting(c, &scope, &stages, 100)?))
            .await?
    };
    Ok(HttpResponse::Ok().json(TaskList {
        items: rows
            .into_iter()
            .map(|(c, reference, region)| Task {
                overdue: c.stage_due_on.is_some_and(|d| today > d),
                agreement_id: c.agreement_id,
                reference_number: reference,
                region_code: region,
                stage: c.current_stage.unwrap_or_default(),
                due_on: c.stage_due_on,
            })
            .collect(),
    }))
}

const ALL_STAGES: &[&str] = &[
    "exploration",
    "central_consultation",
    "letter_of_intent",
    "cooperation_plan",
    "dprd_approval",
    "ministerial_consideration",
    "draft_text",
    "draft_approval",
    "negotiation",
    "confirmation_letter",
    "full_powers",
    "signing",
    "kemendagri_consultation",
];

fn stages_of(actors: &[StageActor]) -> Vec<&'static str> {
    let mut keys = Vec::new();
    for d in workflow::definitions() {
        for s in d.stages {
            if actors.contains(&s.actor) {
                if let Some(k) = ALL_STAGES.iter().find(|k| {
                    serde_json::to_value(s.key)
                        .ok()
                        .and_then(|v| v.as_str().map(|x| x == **k))
                        .unwrap_or(false)
                }) {
                    if !keys.contains(k) {
                        keys.push(*k);
                    }
                }
            }
        }
    }
    keys
}
