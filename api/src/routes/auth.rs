//! Signing in: users with a password, service accounts with client credentials; and `/v1/me`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use jalin_domain::access::{Action, Role, Scope};
use jalin_domain::identity::scope_text;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{form_or_json, sign_in_client, sign_in_user, Authenticated};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::responses::{TooManyRequests, Unauthorized};
use crate::reply;
use crate::service::service_accounts::{token_scopes, TokenRequest};
use crate::service::users::LoginRequest;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIuLi4ifQ.sig", "token_type": "Bearer", "expires_in": 3600, "scope": null}))]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// The scopes granted (client credentials), space-separated.
    pub scope: Option<String>,
}

/// A token, never cached.
fn issued((access_token, expires_in): (String, u64), scope: Option<String>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
            scope,
        })
}

/// Sign in with a username and password.
///
/// Failed sign-ins are throttled per (username, client address) and per client address, with
/// growing waits (429 with `Retry-After`), on every server alike. A wrong username, a wrong password and a disabled account get the same answer in the same
/// time.
#[utoipa::path(
    post,
    path = "/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
    ),
    security(())
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let username = body.value.username.trim().to_lowercase();
    let user = sign_in_user(&state, &req, &username, body.value.password).await?;
    Ok(issued(
        state
            .keys
            .issue(&user.id, "user", None, user.credentials_version)?,
        None,
    ))
}

/// Get a token for a service account (client credentials).
#[utoipa::path(
    post,
    path = "/v1/auth/token",
    operation_id = "issueClientToken",
    tag = "auth",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "A token carrying the granted scopes.", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
    ),
    security(())
)]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: TokenRequest = form_or_json(&req, &body)?;
    let account = sign_in_client(&state, &req, &request.client_id, request.client_secret).await?;
    let scope = scope_text(&token_scopes(&account, request.scope.as_deref())?);
    let token = state.keys.issue(
        &account.id,
        "service_account",
        Some(scope.clone()),
        account.credentials_version,
    )?;
    Ok(issued(token, Some(scope)))
}

#[derive(Serialize, ToSchema)]
pub struct Permission {
    pub action: Action,
    pub scope: Scope,
}

/// The caller.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00", "kind": "user", "name": "siti.rahayu",
    "role": "province_officer", "region_code": "33",
    "permissions": [{"action": "reference:read", "scope": "all"}, {"action": "users:read", "scope": "subtree"}]
}))]
pub struct Me {
    pub id: String,
    /// `user` or `service_account`.
    pub kind: String,
    /// Username, or the service account's name.
    pub name: String,
    pub role: Option<Role>,
    pub region_code: Option<String>,
    /// What the caller may do, and where.
    pub permissions: Vec<Permission>,
}

/// Who am I, and what may I do?
#[utoipa::path(
    get,
    path = "/v1/me",
    operation_id = "getMe",
    tag = "auth",
    responses(
        (status = 200, description = "The caller.", body = Me),
    ),
    security(("bearer" = []), ("client_credentials" = []))
)]
pub async fn me(auth: Authenticated) -> HttpResponse {
    let p = &auth.0;
    reply::ok(Me {
        id: p.id.clone(),
        kind: auth.actor().kind,
        name: p.name.clone(),
        role: p.role(),
        region_code: p.region.as_ref().map(|r| r.to_string()),
        permissions: (p.permissions().into_iter())
            .map(|(action, scope)| Permission { action, scope })
            .collect(),
    })
}

super::operations! {
    login,
    token,
    me,
}
