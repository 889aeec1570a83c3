//! Signing in: users with a password, service accounts with client credentials; and `/v1/me`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use jalin_domain::access::{Action, PrincipalKind, Role, Scope};
use jalin_persistence::identity;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{verify_or_dummy, Authenticated};
use crate::error::ApiError;
use crate::extract::{parse_json, ApiJson};
use crate::openapi::responses::{
    TooManyRequests, Unauthorized,
};
use crate::state::AppState;

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({"username": "admin", "password": "a long passphrase"}))]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

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

fn throttled(state: &AppState, name: &str, req: &HttpRequest) -> Result<(), ApiError> {
    let addr = req.peer_addr().map(|a| a.ip());
    state
        .throttle
        .check(name, addr)
        .map_err(|wait| ApiError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        })
}

/// Sign in with a username and password.
///
/// Failed sign-ins are throttled per username and per client address (429 with `Retry-After`).
/// A wrong username, a wrong password and a disabled account get the same answer in the same
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
    let name = body.value.username.trim().to_lowercase();
    throttled(&state, &name, &req)?;
    let lookup = name.clone();
    let user = state
        .db(move |c| Ok(identity::find_user_by_username(c, &lookup)?))
        .await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = body.value.password;
    let ok = web::block(move || verify_or_dummy(hash.as_deref(), &password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let addr = req.peer_addr().map(|a| a.ip());
    match user.filter(|u| ok && u.active) {
        None => {
            state.throttle.failed(&name, addr);
            log::info!("failed sign-in for a username");
            Err(ApiError::InvalidCredentials)
        }
        Some(u) => {
            state.throttle.succeeded(&name);
            let (token, ttl) = state.keys.issue(&u.id, "user", None)?;
            Ok(no_store(TokenResponse {
                access_token: token,
                token_type: "Bearer".into(),
                expires_in: ttl,
                scope: None,
            }))
        }
    }
}

fn no_store(body: TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// OAuth 2.0 client-credentials request (RFC 6749 §4.4), as a form or as JSON.
#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "sa_0193a5d27c1e7b3a9f102d4c8e6b1a00", "client_secret": "…", "scope": "reference:read"}))]
pub struct TokenRequest {
    pub grant_type: GrantType,
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub client_id: String,
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub client_secret: String,
    /// Space-separated scopes to request; default all the account holds.
    pub scope: Option<String>,
}

/// The only grant: client credentials.
#[derive(Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    ClientCredentials,
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
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let request: TokenRequest = match content_type.as_deref() {
        Some("application/x-www-form-urlencoded") => {
            let text = std::str::from_utf8(&body)
                .map_err(|_| ApiError::MalformedJson("not UTF-8".into()))?;
            crate::extract::parse_form(text)?
        }
        Some(ct) if ct == "application/json" || ct.ends_with("+json") => {
            parse_json::<TokenRequest>(&body)?.value
        }
        other => {
            return Err(ApiError::UnsupportedMediaType {
                found: other.map(str::to_owned),
            })
        }
    };
    throttled(&state, &request.client_id, &req)?;
    let client_id = request.client_id.clone();
    let account = state
        .db(move |c| Ok(identity::find_service_account_by_client_id(c, &client_id)?))
        .await?;
    let hash = account.as_ref().map(|a| a.secret_hash.clone());
    let secret = request.client_secret.clone();
    let ok = web::block(move || verify_or_dummy(hash.as_deref(), &secret))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let addr = req.peer_addr().map(|a| a.ip());
    let Some(account) = account.filter(|a| ok && a.active) else {
        state.throttle.failed(&request.client_id, addr);
        return Err(ApiError::InvalidClient);
    };
    state.throttle.succeeded(&request.client_id);
    let granted: Vec<Action> = match &request.scope {
        None => account.scopes.clone(),
        Some(requested) => {
            let mut out = Vec::new();
            for s in requested.split_whitespace() {
                match s.parse::<Action>() {
                    Ok(a) if account.scopes.contains(&a) => out.push(a),
                    _ => {
                        return Err(ApiError::invalid_parameter(
                            "scope",
                            "invalid_scope",
                            format!("`{s}` is not a scope this client holds"),
                            format!("`{s}` bukan cakupan milik klien ini"),
                        ))
                    }
                }
            }
            out
        }
    };
    let scope = jalin_persistence::identity::scopes_to_text(&granted);
    let (token, ttl) = state
        .keys
        .issue(&account.id, "service_account", Some(scope.clone()))?;
    Ok(no_store(TokenResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: ttl,
        scope: Some(scope),
    }))
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
    let permissions = Action::ALL
        .iter()
        .filter_map(|a| {
            let scope = match &p.kind {
                PrincipalKind::User { role } => role.scope_for(*a)?,
                PrincipalKind::ServiceAccount { scopes } => {
                    if !scopes.contains(a) {
                        return None;
                    }
                    if p.region.is_some() {
                        Scope::Subtree
                    } else {
                        Scope::All
                    }
                }
            };
            Some(Permission { action: *a, scope })
        })
        .collect();
    HttpResponse::Ok().json(Me {
        id: p.id.clone(),
        kind: match p.kind {
            PrincipalKind::User { .. } => "user".into(),
            PrincipalKind::ServiceAccount { .. } => "service_account".into(),
        },
        name: p.name.clone(),
        role: p.role(),
        region_code: p.region.as_ref().map(|r| r.to_string()),
        permissions,
    })
}
