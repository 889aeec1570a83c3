//! Creating and changing users and service accounts, shared by the HTTP handlers, the CLI and
//! the bootstrap admin. Each function runs inside the caller's write transaction and appends the
//! audit event there. Secrets never reach the audit log.

use jalin_domain::{AuditAction, RecordKind};
use jalin_domain::access::{check_password, check_username, Action, Role, Visibility};
use jalin_domain::RegionCode;
use jalin_persistence::audit::{self, Actor, NewEvent};
use jalin_persistence::identity::{self, NewServiceAccount, NewUser, ServiceAccount, User};
use jalin_persistence::{reference, DbConnection};
use serde_json::{json, Value};

use crate::auth::{hash_secret, random_secret};
use crate::error::ApiError;
use crate::problem::{FieldIssue, Text};

pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub region_code: Option<String>,
}

fn invalid(pointer: &str, code: &str, en: impl Into<String>, id: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(pointer, code, Text::new(en, id))])
}

/// Parses a region code and checks the region exists.
pub fn existing_region(
    conn: &mut DbConnection,
    code: Option<&str>,
    pointer: &str,
) -> Result<Option<RegionCode>, ApiError> {
    let Some(code) = code else { return Ok(None) };
    let parsed = RegionCode::parse(code).ok();
    let found = match &parsed {
        Some(c) => reference::get_region(conn, c)?.is_some(),
        None => false,
    };
    if !found {
        return Err(invalid(
            pointer,
            "unknown_region",
            format!("no region `{code}`"),
            format!("tidak ada daerah `{code}`"),
        ));
    }
    Ok(parsed)
}

fn check_role_region(role: Role, region: Option<&RegionCode>) -> Result<(), ApiError> {
    role.check_region(region)
        .map_err(|m| invalid("/region_code", "role_region_mismatch", m.clone(), m))
}

pub fn user_fields(u: &User) -> Value {
    json!({
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role.as_str(),
        "region_code": u.region.as_ref().map(|r| r.to_string()),
        "active": u.active,
    })
}

/// Field-by-field `{field: {before, after}}` of two JSON objects.
pub fn changes(before: &Value, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    for k in b.keys().chain(a.keys()) {
        let (bv, av) = (
            b.get(k).unwrap_or(&Value::Null),
            a.get(k).unwrap_or(&Value::Null),
        );
        if bv != av && !out.contains_key(k) {
            out.insert(k.clone(), json!({"before": bv, "after": av}));
        }
    }
    Value::Object(out)
}

/// The caller may place users only inside its own scope, and only a signed-in admin may grant
/// the central roles: a script's token can never mint an administrator.
fn check_grant(
    actor: &Actor,
    scope: &Visibility,
    role: Role,
    region: Option<&RegionCode>,
) -> Result<(), ApiError> {
    if !scope.includes(region) {
        return Err(ApiError::Forbidden);
    }
    if role.is_central() && actor.kind != "user" && actor.kind != "system" {
        return Err(ApiError::Forbidden);
    }
    Ok(())
}

pub fn create_user(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: &Visibility,
    request_id: Option<&str>,
    input: &UserInput,
) -> Result<User, ApiError> {
    let username = input.username.to_lowercase();
    check_username(&username).map_err(|m| invalid("/username", "invalid_format", m.clone(), m))?;
    check_password(&input.password)
        .map_err(|m| invalid("/password", "too_short_or_long", m.clone(), m))?;
    let region = existing_region(conn, input.region_code.as_deref(), "/region_code")?;
    check_role_region(input.role, region.as_ref())?;
    check_grant(actor, scope, input.role, region.as_ref())?;
    let hash = hash_secret(&input.password)?;
    let user = identity::insert_user(
        conn,
        &NewUser {
            username: &username,
            display_name: input.display_name.trim(),
            password_hash: &hash,
            role: input.role,
            region: region.as_ref(),
        },
    )?
    .ok_or_else(|| ApiError::Conflict {
        code: "username_taken",
        detail: Text::new(
            format!("The username `{username}` is taken."),
            format!("Nama pengguna `{username}` sudah dipakai."),
        ),
    })?;
    audit::append(
        conn,
        NewEvent {
            actor,
            action: AuditAction::UserCreated,
            record_type: RecordKind::User,
            record_id: &user.id,
            region_code: user.region.as_ref().map(|r| r.as_str()),
            request_id,
            changes: changes(&json!({}), &user_fields(&user)),
        },
    )?;
    Ok(user)
}

/// What a user update may change.
#[derive(Default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub password: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` moves the user to no region (central roles).
    pub region_code: Option<Option<String>>,
    pub active: Option<bool>,
}

/// Applies `patch` if the stored version is still `expected_version` (412 otherwise).
pub fn update_user(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: &Visibility,
    request_id: Option<&str>,
    mut user: User,
    patch: UserPatch,
) -> Result<User, ApiError> {
    let before = user_fields(&user);
    let expected = user.version;
    if let Some(d) = patch.display_name {
        user.display_name = d.trim().to_owned();
    }
    if let Some(r) = patch.role {
        user.role = r;
    }
    if let Some(r) = patch.region_code {
        user.region = existing_region(conn, r.as_deref(), "/region_code")?;
    }
    if let Some(a) = patch.active {
        user.active = a;
    }
    check_role_region(user.role, user.region.as_ref())?;
    check_grant(actor, scope, user.role, user.region.as_ref())?;
    if actor.id == user.id && (!user.active || user.role != Role::Admin) {
        return Err(ApiError::Conflict {
            code: "cannot_lock_out_self",
            detail: Text::new(
                "You cannot deactivate yourself or remove your own admin role; ask another admin.",
                "Anda tidak dapat menonaktifkan diri sendiri atau mencabut peran admin Anda; minta admin lain.",
            ),
        });
    }
    let mut change = changes(&before, &user_fields(&user));
    if let Some(p) = patch.password {
        check_password(&p).map_err(|m| invalid("/password", "too_short_or_long", m.clone(), m))?;
        user.password_hash = hash_secret(&p)?;
        // The fact, never the value.
        change["password"] = json!({"changed": true});
    }
    user.version += 1;
    user.updated_at = chrono::Utc::now().naive_utc();
    if !identity::save_user(conn, &user, expected)? {
        return Err(ApiError::PreconditionFailed);
    }
    audit::append(
        conn,
        NewEvent {
            actor,
            action: AuditAction::UserUpdated,
            record_type: RecordKind::User,
            record_id: &user.id,
            region_code: user.region.as_ref().map(|r| r.as_str()),
            request_id,
            changes: change,
        },
    )?;
    Ok(user)
}

pub fn service_account_fields(a: &ServiceAccount) -> Value {
    json!({
        "name": a.name,
        "client_id": a.client_id,
        "scopes": a.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "region_code": a.region.as_ref().map(|r| r.to_string()),
        "active": a.active,
    })
}

pub fn parse_scopes(scopes: &[String], pointer: &str) -> Result<Vec<Action>, ApiError> {
    let mut out = Vec::new();
    for (i, s) in scopes.iter().enumerate() {
        let a: Action = s.parse().map_err(|m: String| {
            invalid(&format!("{pointer}/{i}"), "unknown_scope", m.clone(), m)
        })?;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

/// Creates a service account; returns it with its secret, which is stored only as a hash.
pub fn create_service_account(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: Option<&str>,
    name: &str,
    scopes: &[Action],
    region_code: Option<&str>,
) -> Result<(ServiceAccount, String), ApiError> {
    let region = existing_region(conn, region_code, "/region_code")?;
    let client_id = format!("sa_{}", uuid::Uuid::now_v7().simple());
    let secret = random_secret(32)?;
    let acc = identity::insert_service_account(
        conn,
        &NewServiceAccount {
            client_id: &client_id,
            name: name.trim(),
            secret_hash: &hash_secret(&secret)?,
            scopes,
            region: region.as_ref(),
        },
    )?;
    audit::append(
        conn,
        NewEvent {
            actor,
            action: AuditAction::ServiceAccountCreated,
            record_type: RecordKind::ServiceAccount,
            record_id: &acc.id,
            region_code: acc.region.as_ref().map(|r| r.as_str()),
            request_id,
            changes: changes(&json!({}), &service_account_fields(&acc)),
        },
    )?;
    Ok((acc, secret))
}
