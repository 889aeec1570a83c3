//! Action plans (*rencana aksi*; for technical cooperation a master plan with annual work
//! plans) with success indicators, and the plan against what activities realised (seed 000
//! §D.5: success is the match between plan and realisation). The use cases are in
//! `service::action_plans`.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_domain::monitoring::{PlanKind, YearRealisation};
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::concurrency::OptionalIfMatch;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::responses::Conflict;
use crate::reply::{self, Versioned};
use crate::routes::ids::AgreementId;
use crate::service::action_plans::{
    self, ActionPlanInput, PlanView, PlannedItemInput, SuccessIndicatorInput,
};

// Activities cite a plan's keys and contribute to its indicators.

/// A planned item and the activities that carried it out.
#[derive(Serialize, ToSchema)]
pub struct PlannedItemStatus {
    #[serde(flatten)]
    pub item: PlannedItemInput,
    /// At least one activity carried it out.
    pub done: bool,
    pub activity_ids: Vec<String>,
}

/// A success indicator: target against achievement (the sum of the activities' contributions).
#[derive(Serialize, ToSchema)]
pub struct IndicatorStatus {
    #[serde(flatten)]
    pub indicator: SuccessIndicatorInput,
    #[schema(example = "25")]
    pub achieved: String,
    /// achieved ÷ target × 100, two decimals; over 100 when the target was exceeded.
    #[schema(example = "62.5")]
    pub percent_achieved: String,
    pub activity_ids: Vec<String>,
}

/// Realisation against plan.
#[derive(Serialize, ToSchema)]
pub struct PlanRealisation {
    pub planned: u32,
    pub done: u32,
    #[schema(example = "66.67")]
    pub percent_done: String,
    /// Per year of the plan: planned items, those done, and the share.
    pub years: Vec<YearRealisation>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ActionPlan)]
pub struct ActionPlanDto {
    pub agreement_id: String,
    pub kind: PlanKind,
    pub title: String,
    pub items: Vec<PlannedItemStatus>,
    pub indicators: Vec<IndicatorStatus>,
    pub realisation: PlanRealisation,
    pub updated_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&PlanView> for ActionPlanDto {
    fn from(v: &PlanView) -> Self {
        let (p, r) = (&v.plan, &v.realisation);
        let items = v
            .items
            .iter()
            .zip(&r.items)
            .map(|(item, st)| PlannedItemStatus {
                item: item.clone(),
                done: !st.activity_ids.is_empty(),
                activity_ids: st.activity_ids.clone(),
            });
        let indicators = v.indicators.iter().zip(&r.indicators);
        let indicators = indicators.map(|(indicator, st)| IndicatorStatus {
            indicator: indicator.clone(),
            achieved: st.achieved.to_string(),
            percent_achieved: st.percent_achieved.to_string(),
            activity_ids: st.activity_ids.clone(),
        });
        Self {
            agreement_id: p.agreement_id.clone(),
            kind: p.kind,
            title: p.title.clone(),
            items: items.collect(),
            indicators: indicators.collect(),
            realisation: PlanRealisation {
                planned: r.planned,
                done: r.done,
                percent_done: r.percent_done.to_string(),
                years: r.years.clone(),
            },
            updated_by: p.updated_by.clone(),
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

/// The action plan with its realisation: planned items done per year, indicators' targets
/// against achievement.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/action-plan",
    operation_id = "getActionPlan",
    tag = "activities",
    params(AgreementId),
    responses(
        (status = 200, description = "The plan and its realisation.", body = ActionPlanDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(caller: Caller, id: AgreementId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let v = caller.db(move |c| action_plans::get(c, &vis, &id)).await?;
    Ok(reply::ok_versioned(&v.plan, ActionPlanDto::from(&v)))
}

/// Create or replace the action plan. Replacing requires `If-Match`; a planned item or
/// indicator that an activity cites cannot be removed (409 `plan_key_in_use`).
#[utoipa::path(
    put,
    path = "/v1/agreements/{id}/action-plan",
    operation_id = "putActionPlan",
    tag = "activities",
    request_body = ActionPlanInput,
    params(
        AgreementId,
        ("If-Match" = Option<String>, Header, description = "The ETag you read; required to replace an existing plan."),
    ),
    responses(
        (status = 200, description = "Replaced.", body = ActionPlanDto, headers(("ETag" = String))),
        (status = 201, description = "Created.", body = ActionPlanDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn put(
    caller: Caller,
    OptionalIfMatch(if_match): OptionalIfMatch,
    id: AgreementId,
    body: ApiJson<ActionPlanInput>,
) -> Result<HttpResponse, ApiError> {
    let read = caller.may(Action::ReadAgreements)?;
    let write = caller.may(Action::WriteAgreements)?;
    let (created, v) = caller
        .write(move |c, ctx| {
            action_plans::put(c, ctx, (&read, &write), &id, body.value, |old| {
                if_match.check_if_exists(old.map(|o| o.etag()).as_ref())
            })
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(reply::versioned(status, &v.plan, ActionPlanDto::from(&v))?.into_response())
}

super::operations! {
    get,
    put,
}
