//! User management: admins create and change users; central reviewers and province officers
//! may read the users in their scope.

use jalin_domain::RecordKind;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use jalin_domain::access::{Action, Role};
use jalin_domain::RegionCode;
use jalin_persistence::identity::{self, User, UserFilter};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::accounts::{self, UserInput, UserPatch};
use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::openapi::responses::{
    BadRequest, Conflict,
};
use crate::page_of;
use crate::pagination::PageRequest;
use crate::state::AppState;

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
        Self {
            id: u.id.clone(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            region_code: u.region.as_ref().map(|r| r.to_string()),
            active: u.active,
            created_at: u.created_at.and_utc(),
            updated_at: u.updated_at.and_utc(),
        }
    }
}

page_of!(UserPage, UserDto);

fn etag(u: &User) -> String {
    Etag::for_version(&u.id, u.version).as_str().to_owned()
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub role: Option<Role>,
    /// Only users placed in exactly this region.
    #[param(example = "33", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
    pub active: Option<bool>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// List the users in your scope, by username.
#[utoipa::path(
    get,
    path = "/v1/users",
    operation_id = "listUsers",
    tag = "users",
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users.", body = UserPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["users:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadUsers)?;
    let page = PageRequest::new("users", q.limit, q.cursor.as_deref())?;
    let region = super::region_param("region_code", q.region_code.as_deref())?;
    let filter = UserFilter {
        role: q.role,
        region,
        active: q.active,
    };
    let (fetch, after) = (page.fetch(), page.after.clone());
    let rows = state
        .db(move |c| {
            Ok(identity::list_users(
                c,
                &vis,
                &filter,
                after.as_deref(),
                fetch,
            )?)
        })
        .await?;
    let (items, next_cursor) = page.page(rows, |u| u.username.clone());
    Ok(HttpResponse::Ok().json(UserPage {
        items: items.iter().map(UserDto::from).collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "username": "siti.rahayu", "display_name": "Siti Rahayu", "password": "a long passphrase of hers",
    "role": "province_officer", "region_code": "33"
}))]
pub struct CreateUser {
    /// 3–64 of `a-z 0-9 . _ -`, starting with a letter or digit; stored lower-case.
    #[validate(length(min = 3, max = 64))]
    #[schema(
        min_length = 3,
        max_length = 64,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$"
    )]
    pub username: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    /// 12–256 characters.
    #[validate(length(min = 12, max = 256))]
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
    pub role: Role,
    /// Required for regional roles; must be absent for admin and central_reviewer; a
    /// province_officer's region is a province.
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
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
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    body: ApiJson<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let scope = auth.may(Action::ManageUsers)?;
    let actor = auth.actor();
    let b = body.value;
    let input = UserInput {
        username: b.username,
        display_name: b.display_name,
        password: b.password,
        role: b.role,
        region_code: b.region_code,
    };
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        let user = accounts::create_user(c, &actor, &scope, Some(&rid.0), &input)?;
        let dto = serde_json::to_value(UserDto::from(&user))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, dto)
            .header("etag", etag(&user))
            .header("location", format!("/v1/users/{}", user.id)))
    })
    .await
}

/// Get a user in your scope.
#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    operation_id = "getUser",
    tag = "users",
    params(("id" = String, Path, description = "User id.")),
    responses(
        (status = 200, description = "The user.", body = UserDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["users:read"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadUsers)?;
    let id = path.into_inner();
    let lookup = id.clone();
    let user = state
        .db(move |c| Ok(identity::find_user(c, &lookup, &vis)?))
        .await?
        .ok_or(ApiError::not_found(RecordKind::User, id))?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&user)))
        .json(UserDto::from(&user)))
}

/// `Some(None)` for an explicit `null`, `None` when absent.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({"display_name": "Siti Rahayu, S.IP.", "active": false}))]
pub struct PatchUser {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    /// A new password (12–256 characters).
    #[validate(length(min = 12, max = 256))]
    #[schema(min_length = 12, max_length = 256)]
    pub password: Option<String>,
    pub role: Option<Role>,
    /// `null` for central roles.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<Option<String>>,
    /// `false` disables the user: their tokens stop working at once.
    pub active: Option<bool>,
}

/// Change a user (admins); requires `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/users/{id}",
    operation_id = "updateUser",
    tag = "users",
    request_body = PatchUser,
    params(
        ("id" = String, Path, description = "User id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Changed.", body = UserDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["users:write"]))
)]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<PatchUser>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ManageUsers)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let b = body.value;
    // The format is checked before If-Match, so a malformed request is a 422 whatever its tag.
    if let Some(Some(code)) = &b.region_code {
        if RegionCode::parse(code).is_err() {
            return Err(ApiError::Validation(vec![
                crate::problem::FieldIssue::pointer(
                    "/region_code",
                    "invalid_format",
                    crate::problem::Text::new(
                        format!("`{code}` is not a region code"),
                        format!("`{code}` bukan kode daerah"),
                    ),
                ),
            ]));
        }
    }
    let patch = UserPatch {
        display_name: b.display_name,
        password: b.password,
        role: b.role,
        region_code: b.region_code,
        active: b.active,
    };
    let user = state
        .write(move |c| {
            let user = identity::find_user(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::User, id.clone()))?;
            if_match.check(&Etag::for_version(&user.id, user.version))?;
            accounts::update_user(c, &actor, &vis, Some(&rid.0), user, patch)
        })
        .await?;
    // The account's role, region, scopes or state may have changed: no stale principal.
    state.accounts.clear();
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&user)))
        .json(UserDto::from(&user)))
}
