//! The workflow definitions, readable with their legal citations.

use actix_web::{web, HttpResponse};
use jalin_domain::access::Action;
use jalin_domain::workflow::{self, Definition};
use jalin_domain::RecordKind;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::reply;

#[derive(Serialize, ToSchema)]
pub struct DefinitionSummary {
    pub key: String,
    pub version: u32,
    pub title: String,
    pub latest: bool,
    pub stage_count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct DefinitionList {
    pub items: Vec<DefinitionSummary>,
}

/// The workflow definitions and their versions.
#[utoipa::path(
    get,
    path = "/v1/workflow-definitions",
    operation_id = "listWorkflowDefinitions",
    tag = "workflow",
    responses(
        (status = 200, description = "Every published version of every definition.", body = DefinitionList),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn list(auth: Authenticated) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadReference)?;
    let all = workflow::definitions();
    let items = all
        .iter()
        .map(|d| DefinitionSummary {
            key: d.key.clone(),
            version: d.version,
            title: d.title.clone(),
            latest: workflow::latest(&d.key).is_some_and(|l| l.version == d.version),
            stage_count: d.stages.len(),
        })
        .collect();
    Ok(reply::ok(DefinitionList { items }))
}

/// One version of a definition: its stages with actor, required record, time limit and citation.
#[utoipa::path(
    get,
    path = "/v1/workflow-definitions/{key}/versions/{version}",
    operation_id = "getWorkflowDefinition",
    tag = "workflow",
    params(
        ("key" = String, Path, description = "`ksdpl`, `ksdll` or `implementing_arrangement`.", example = "ksdpl"),
        ("version" = u32, Path, description = "The version.", example = 1),
    ),
    responses(
        (status = 200, description = "The definition.", body = Definition),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn get(
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadReference)?;
    let (key, version) = path.into_inner();
    let not_found =
        || ApiError::not_found(RecordKind::WorkflowDefinition, format!("{key}/{version}"));
    let version: u32 = version.parse().map_err(|_| not_found())?;
    let d = workflow::definition(&key, version).ok_or_else(not_found)?;
    Ok(reply::ok(d))
}

super::operations! {
    list,
    get,
}
