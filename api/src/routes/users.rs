//! User management: admins create and change users; central reviewers and province officers
//! may read the users in their scope.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use jalin_domain::access::{Action, Role};
use jalin_domain::identity::UserGrant;
use jalin_persistence::identity::{User, UserFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::IdempotencyKey;
use crate::openapi::responses::{BadRequest, Conflict};
use crate::page_of;
use crate::pagination::Paging;
use crate::reply;
use crate::routes::ids::UserId;
use crate::service::users::{self, CreateUser, PatchUser};

/// A user. Never includes the password or its hash.
#[derive(Serialize, ToSchema)]
#[schema(as = User, example = json!({
    "id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00", "username": "siti.rahayu", "display_name": "Siti Rahayu",
    "role": "province_officer", "region_code": "33", "active": true,
    "created_at": "2026-11-24T07:00:00Z", "updated_at": "2026-11-24T07:00:00Z"
}))]
pub struct UserDto {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The user's region; `null` for central roles (admin, central_reviewer).
    pub region_code: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        crate::shown!(
            u,
            Self {
                id,
                username,
                display_name,
                role,
                region_code: u.region.as_ref().map(|r| r.to_string()),
                active,
                created_at,
                updated_at
            }
        )
    }
}

page_of!(UserPage, UserDto);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub role: Option<Role>,
    /// Only users placed in exactly this region.
    #[param(example = "33", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
    pub active: Option<bool>,
}

/// List the users in your scope, by username.
#[utoipa::path(
    get,
    path = "/v1/users",
    operation_id = "listUsers",
    tag = "users",
    params(UserListQuery, Paging),
    responses(
        (status = 200, description = "A page of users.", body = UserPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["users:read"]))
)]
pub async fn list(
    caller: Caller,
    ApiQuery(q): ApiQuery<UserListQuery>,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadUsers)?;
    let page = paging.of("users")?;
    let filter = UserFilter {
        role: q.role,
        region: super::region_param("region_code", q.region_code.as_deref())?,
        active: q.active,
    };
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| users::list(c, &vis, &filter, after, n),
            |u| u.username.clone(),
        )
        .await?;
    Ok(reply::ok(UserPage::of(&rows, next)))
}

/// Create a user (admins).
#[utoipa::path(
    post,
    path = "/v1/users",
    operation_id = "createUser",
    tag = "users",
    request_body = CreateUser,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe: the same key and body replay the first response.")),
    responses(
        (status = 201, description = "Created.", body = UserDto,
         headers(("ETag" = String, description = "Send in If-Match to change it."), ("Location" = String))),
        (status = 413, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["users:write"]))
)]
pub async fn create(
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let grant = UserGrant::of(&caller.auth.0, caller.may(Action::ManageUsers)?);
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let u = users::create(c, ctx, &grant, input)?;
            reply::created(format!("/v1/users/{}", u.id), &u, UserDto::from(&u))
        })
        .await
}

/// Get a user in your scope.
#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    operation_id = "getUser",
    tag = "users",
    params(UserId),
    responses(
        (status = 200, description = "The user.", body = UserDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["users:read"]))
)]
pub async fn get(caller: Caller, id: UserId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadUsers)?;
    let u = caller.db(move |c| users::get(c, &vis, &id)).await?;
    Ok(reply::ok_versioned(&u, UserDto::from(&u)))
}

/// Change a user (admins); requires `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/users/{id}",
    operation_id = "updateUser",
    tag = "users",
    request_body = PatchUser,
    params(UserId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = UserDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["users:write"]))
)]
pub async fn update(
    caller: Caller,
    if_match: IfMatch,
    id: UserId,
    body: ApiJson<PatchUser>,
) -> Result<HttpResponse, ApiError> {
    let grant = UserGrant::of(&caller.auth.0, caller.may(Action::ManageUsers)?);
    let u = caller
        .write(move |c, ctx| users::update(c, ctx, &grant, &id, body.value, if_match.expected()))
        .await?;
    // The account's role, region or state may have changed: no stale principal.
    caller.state.accounts.clear();
    Ok(reply::ok_versioned(&u, UserDto::from(&u)))
}

super::operations! {
    list,
    create,
    get,
    update,
}
