//! Service accounts for integration partners (SIOLA, SIMPEL, Exit Permit) and scripts: a client
//! id and a secret shown once, exchanged at `POST /v1/auth/token` for scoped tokens.

use jalin_domain::{AuditAction};
use jalin_domain::RecordKind;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::identity::{self, ServiceAccount};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::accounts::{self, changes, service_account_fields};
use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::page_of;
use crate::pagination::PageRequest;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[schema(as = ServiceAccount, example = json!({
    "id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00", "client_id": "sa_0193a5d27c1e7b3a9f102d4c8e6b1a00",
    "name": "SIOLA (Kemendagri)", "scopes": ["reference:read"], "region_code": null, "active": true,
    "created_at": "2026-11-24T07:00:00Z", "updated_at": "2026-11-24T07:00:00Z"
}))]
pub struct ServiceAccountDto {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<Action>,
    /// A regional account acts only within this region and, for a province, its regencies/cities.
    pub region_code: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ServiceAccount> for ServiceAccountDto {
    fn from(a: &ServiceAccount) -> Self {
        Self {
            id: a.id.clone(),
            client_id: a.client_id.clone(),
            name: a.name.clone(),
            scopes: a.scopes.clone(),
            region_code: a.region.as_ref().map(|r| r.to_string()),
            active: a.active,
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
        }
    }
}

/// A new service account with its secret: shown in this response only.
#[derive(Serialize, ToSchema)]
pub struct CreatedServiceAccount {
    #[serde(flatten)]
    pub account: ServiceAccountDto,
    /// Shown once; only a hash is stored. A replay of the creating request returns `null`.
    pub client_secret: Option<String>,
}

page_of!(ServiceAccountPage, ServiceAccountDto);

fn dedup(mut scopes: Vec<Action>) -> Vec<Action> {
    scopes.sort();
    scopes.dedup();
    scopes
}

fn etag(a: &ServiceAccount) -> String {
    Etag::for_version(&a.id, a.version).as_str().to_owned()
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ServiceAccountListQuery {
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// List service accounts (admins).
#[utoipa::path(
    get,
    path = "/v1/service-accounts",
    operation_id = "listServiceAccounts",
    tag = "service-accounts",
    params(ServiceAccountListQuery),
    responses(
        (status = 200, description = "A page of service accounts.", body = ServiceAccountPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["service_accounts:write"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<ServiceAccountListQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ManageServiceAccounts)?;
    let page = PageRequest::new("service_accounts", q.limit, q.cursor.as_deref())?;
    let (fetch, after) = (page.fetch(), page.after.clone());
    let rows = state
        .db(move |c| {
            Ok(identity::list_service_accounts(
                c,
                &vis,
                after.as_deref(),
                fetch,
            )?)
        })
        .await?;
    let (items, next_cursor) = page.page(rows, |a| a.id.clone());
    Ok(HttpResponse::Ok().json(ServiceAccountPage {
        items: items.iter().map(ServiceAccountDto::from).collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "SIOLA (Kemendagri)", "scopes": ["reference:read"]}))]
pub struct CreateServiceAccount {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Scopes the account may request, e.g. `reference:read`.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_items = 1, max_items = 20)]
    pub scopes: Vec<Action>,
    /// A regional account reaches only this region (and a province's regencies/cities).
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
}

/// Create a service account (admins); the response carries its secret, once.
#[utoipa::path(
    post,
    path = "/v1/service-accounts",
    operation_id = "createServiceAccount",
    tag = "service-accounts",
    request_body = CreateServiceAccount,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe; a replay does not repeat the secret.")),
    responses(
        (status = 201, description = "Created; `client_secret` is shown only here.", body = CreatedServiceAccount,
         headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["service_accounts:write"]))
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    body: ApiJson<CreateServiceAccount>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ManageServiceAccounts)?;
    let actor = auth.actor();
    let b = body.value;
    let scopes = dedup(b.scopes);
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        let (acc, secret) = accounts::create_service_account(
            c,
            &actor,
            Some(&rid.0),
            &b.name,
            &scopes,
            b.region_code.as_deref(),
        )?;
        let body = serde_json::to_value(CreatedServiceAccount {
            account: ServiceAccountDto::from(&acc),
            client_secret: Some(secret),
        })
        .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .secret_field("client_secret")
            .header("etag", etag(&acc))
            .header("location", format!("/v1/service-accounts/{}", acc.id)))
    })
    .await
}

/// Get a service account (admins).
#[utoipa::path(
    get,
    path = "/v1/service-accounts/{id}",
    operation_id = "getServiceAccount",
    tag = "service-accounts",
    params(("id" = String, Path, description = "Service account id.")),
    responses(
        (status = 200, description = "The account.", body = ServiceAccountDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["service_accounts:write"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ManageServiceAccounts)?;
    let id = path.into_inner();
    let lookup = id.clone();
    let acc = state
        .db(move |c| Ok(identity::find_service_account(c, &lookup, &vis)?))
        .await?
        .ok_or(ApiError::not_found(RecordKind::ServiceAccount, id))?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&acc)))
        .json(ServiceAccountDto::from(&acc)))
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({"active": false}))]
pub struct PatchServiceAccount {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 20))]
    #[schema(min_items = 1, max_items = 20)]
    pub scopes: Option<Vec<Action>>,
    /// `false` disables the account: its tokens stop working at once.
    pub active: Option<bool>,
}

/// Change a service account (admins); requires `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/service-accounts/{id}",
    operation_id = "updateServiceAccount",
    tag = "service-accounts",
    request_body = PatchServiceAccount,
    params(
        ("id" = String, Path, description = "Service account id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Changed.", body = ServiceAccountDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["service_accounts:write"]))
)]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<PatchServiceAccount>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ManageServiceAccounts)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let patch = body.value;
    let scopes = patch.scopes.map(dedup);
    let acc = state
        .write(move |c| {
            let mut acc =
                identity::find_service_account(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::ServiceAccount, id.clone()))?;
            if_match.check(&Etag::for_version(&acc.id, acc.version))?;
            let before = service_account_fields(&acc);
            let expected = acc.version;
            if let Some(n) = patch.name {
                acc.name = n.trim().to_owned();
            }
            if let Some(s) = scopes {
                acc.scopes = s;
            }
            if let Some(a) = patch.active {
                acc.active = a;
            }
            acc.version += 1;
            acc.updated_at = Utc::now().naive_utc();
            if !identity::save_service_account(c, &acc, expected)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::ServiceAccountUpdated,
                    record_type: RecordKind::ServiceAccount,
                    record_id: &acc.id,
                    region_code: acc.region.as_ref().map(|r| r.as_str()),
                    request_id: Some(&rid.0),
                    changes: changes(&before, &service_account_fields(&acc)),
                },
            )?;
            Ok(acc)
        })
        .await?;
    // The account's role, region, scopes or state may have changed: no stale principal.
    state.accounts.clear();
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&acc)))
        .json(ServiceAccountDto::from(&acc)))
}

/// Delete a service account (admins); its tokens stop working at once. Requires `If-Match`.
#[utoipa::path(
    delete,
    path = "/v1/service-accounts/{id}",
    operation_id = "deleteServiceAccount",
    tag = "service-accounts",
    params(
        ("id" = String, Path, description = "Service account id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 204, description = "Deleted."),
    ),
    security(("bearer" = []), ("client_credentials" = ["service_accounts:write"]))
)]
pub async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ManageServiceAccounts)?;
    let actor = auth.actor();
    let id = path.into_inner();
    state
        .write(move |c| {
            let acc = identity::find_service_account(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::ServiceAccount, id.clone()))?;
            if_match.check(&Etag::for_version(&acc.id, acc.version))?;
            if !identity::delete_service_account(c, &acc.id, acc.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::ServiceAccountDeleted,
                    record_type: RecordKind::ServiceAccount,
                    record_id: &acc.id,
                    region_code: acc.region.as_ref().map(|r| r.as_str()),
                    request_id: Some(&rid.0),
                    changes: changes(&service_account_fields(&acc), &json!({})),
                },
            )?;
            Ok(())
        })
        .await?;
    // The account's role, region, scopes or state may have changed: no stale principal.
    state.accounts.clear();
    Ok(HttpResponse::NoContent().finish())
}
