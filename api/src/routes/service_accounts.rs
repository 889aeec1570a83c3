//! Service accounts for integration partners (SIOLA, SIMPEL, Exit Permit) and scripts: a client
//! id and a secret shown once, exchanged at `POST /v1/auth/token` for scoped tokens.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_domain::identity::AccountGrant;
use jalin_persistence::identity::ServiceAccount;
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::idempotency::IdempotencyKey;
use crate::page_of;
use crate::pagination::Paging;
use crate::reply;
use crate::routes::ids::ServiceAccountId;
use crate::service::service_accounts::{self, CreateServiceAccount, PatchServiceAccount};

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
        crate::shown!(
            a,
            Self {
                id,
                client_id,
                name,
                scopes,
                region_code: a.region.as_ref().map(|r| r.to_string()),
                active,
                created_at,
                updated_at
            }
        )
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

/// List service accounts (admins).
#[utoipa::path(
    get,
    path = "/v1/service-accounts",
    operation_id = "listServiceAccounts",
    tag = "service-accounts",
    params(Paging),
    responses(
        (status = 200, description = "A page of service accounts.", body = ServiceAccountPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["service_accounts:write"]))
)]
pub async fn list(caller: Caller, paging: Paging) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageServiceAccounts)?;
    let page = paging.of("service_accounts")?;
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| service_accounts::list(c, &vis, after, n),
            |a| a.id.clone(),
        )
        .await?;
    Ok(reply::ok(ServiceAccountPage::of(&rows, next)))
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
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<CreateServiceAccount>,
) -> Result<HttpResponse, ApiError> {
    let grant = AccountGrant::of(&caller.auth.0, caller.may(Action::ManageServiceAccounts)?);
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let (a, secret) = service_accounts::create(c, ctx, &grant, input)?;
            let body = CreatedServiceAccount {
                account: ServiceAccountDto::from(&a),
                client_secret: Some(secret),
            };
            // A replay must not show the secret again.
            Ok(
                reply::created(format!("/v1/service-accounts/{}", a.id), &a, body)?
                    .secret_field("client_secret"),
            )
        })
        .await
}

/// Get a service account (admins).
#[utoipa::path(
    get,
    path = "/v1/service-accounts/{id}",
    operation_id = "getServiceAccount",
    tag = "service-accounts",
    params(ServiceAccountId),
    responses(
        (status = 200, description = "The account.", body = ServiceAccountDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["service_accounts:write"]))
)]
pub async fn get(caller: Caller, id: ServiceAccountId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageServiceAccounts)?;
    let a = caller
        .db(move |c| service_accounts::get(c, &vis, &id))
        .await?;
    Ok(reply::ok_versioned(&a, ServiceAccountDto::from(&a)))
}

/// Change a service account (admins); requires `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/service-accounts/{id}",
    operation_id = "updateServiceAccount",
    tag = "service-accounts",
    request_body = PatchServiceAccount,
    params(ServiceAccountId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = ServiceAccountDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["service_accounts:write"]))
)]
pub async fn update(
    caller: Caller,
    if_match: IfMatch,
    id: ServiceAccountId,
    body: ApiJson<PatchServiceAccount>,
) -> Result<HttpResponse, ApiError> {
    let grant = AccountGrant::of(&caller.auth.0, caller.may(Action::ManageServiceAccounts)?);
    let a = caller
        .write(move |c, ctx| {
            service_accounts::update(c, ctx, &grant, &id, body.value, if_match.expected())
        })
        .await?;
    // The account's scopes or state may have changed: no stale principal.
    caller.state.accounts.clear();
    Ok(reply::ok_versioned(&a, ServiceAccountDto::from(&a)))
}

/// Delete a service account (admins); its tokens stop working at once. Requires `If-Match`.
#[utoipa::path(
    delete,
    path = "/v1/service-accounts/{id}",
    operation_id = "deleteServiceAccount",
    tag = "service-accounts",
    params(ServiceAccountId, IfMatch),
    responses(
        (status = 204, description = "Deleted."),
    ),
    security(("bearer" = []), ("client_credentials" = ["service_accounts:write"]))
)]
pub async fn delete(
    caller: Caller,
    if_match: IfMatch,
    id: ServiceAccountId,
) -> Result<HttpResponse, ApiError> {
    let grant = AccountGrant::of(&caller.auth.0, caller.may(Action::ManageServiceAccounts)?);
    caller
        .write(move |c, ctx| service_accounts::delete(c, ctx, &grant, &id, if_match.expected()))
        .await?;
    caller.state.accounts.clear();
    Ok(reply::no_content())
}

super::operations! {
    list,
    create,
    get,
    update,
    delete,
}
