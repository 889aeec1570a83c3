//! Users: create and change them — from the API, the CLI, the demo and the bootstrap admin
//! alike. Who may be placed where, and by whom, is the domain's decision
//! (`jalin_domain::identity`). Passwords never reach the audit log: a change is recorded as
//! `{"changed": true}`.

use jalin_domain::access::{Role, Visibility};
use jalin_domain::identity::{
    check_own_account, check_own_placement, check_password, check_placement, check_user_grant,
    check_username, UserGrant,
};
use jalin_domain::{AuditAction, RecordKind, RegionCode};
use jalin_persistence::identity::{self, User, UserFilter};
use jalin_persistence::{reference, DbConnection};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::{changes, Ctx};
use crate::auth::hash_secret;
use crate::error::ApiError;
use crate::reply::OrNotFound;

crate::versioned!(User);

crate::filed!(User => User(id), region);

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

/// The audited fields (never the password hash).
fn fields(u: &User) -> Value {
    json!({
        "username": u.username, "display_name": u.display_name, "role": u.role.as_str(),
        "region_code": u.region.as_ref().map(|r| r.to_string()), "active": u.active,
    })
}

/// A region code that names an existing region (`unknown_region` otherwise).
pub fn existing_region(
    c: &mut DbConnection,
    code: Option<&str>,
) -> Result<Option<RegionCode>, ApiError> {
    let Some(code) = code else { return Ok(None) };
    match RegionCode::parse(code) {
        Ok(r) if reference::get_region(c, &r)?.is_some() => Ok(Some(r)),
        _ => Err(ApiError::invalid(
            "/region_code",
            "unknown_region",
            format!("no region `{code}`"),
            format!("tidak ada daerah `{code}`"),
        )),
    }
}

/// Creates a user `grant` may give (see `jalin_domain::identity::check_user_grant`): within the
/// grantor's scope, holding nothing the grantor does not hold itself.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    grant: &UserGrant,
    input: CreateUser,
) -> Result<User, ApiError> {
    let username = input.username.to_lowercase();
    check_username(&username)?;
    check_password(&input.password)?;
    let region = existing_region(c, input.region_code.as_deref())?;
    check_placement(input.role, region.as_ref())?;
    check_user_grant(grant, input.role, region.as_ref())?;
    let now = ctx.now();
    let user = User {
        id: uuid::Uuid::now_v7().to_string(),
        display_name: input.display_name.trim().to_owned(),
        password_hash: hash_secret(&input.password)?,
        role: input.role,
        region,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
        credentials_version: 1,
        username,
    };
    if !identity::insert_user(c, &user)? {
        let name = &user.username;
        return Err(ApiError::conflict(
            "username_taken",
            format!("The username `{name}` is taken."),
            format!("Nama pengguna `{name}` sudah dipakai."),
        ));
    }
    let created = changes(&json!({}), &fields(&user));
    ctx.audit_change(c, AuditAction::UserCreated, &user, created)?;
    // The row as stored (timestamps at the database's precision).
    get(c, &Visibility::All, &user.id)
}

/// Changes a user `grant` reaches (another region's is a 404), if `expected` (the caller's ETag
/// check) still holds: only a user the grantor could have created, and only into one it could
/// have created (`check_user_grant` before and after); nobody changes their own role or region.
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    grant: &UserGrant,
    id: &str,
    patch: PatchUser,
    expected: impl FnOnce(&User) -> Result<(), ApiError>,
) -> Result<User, ApiError> {
    // The format is checked before If-Match, so a malformed request is a 422 whatever its tag.
    if let Some(Some(code)) = &patch.region_code {
        RegionCode::parse(code).map_err(|_| {
            ApiError::invalid(
                "/region_code",
                "invalid_format",
                format!("`{code}` is not a region code"),
                format!("`{code}` bukan kode daerah"),
            )
        })?;
    }
    let mut user = get(c, &grant.scope, id)?;
    expected(&user)?;
    // A user stronger than the grantor is not its to change: not a password (a takeover), not
    // disabling, not a demotion.
    check_user_grant(grant, user.role, user.region.as_ref())?;
    let before = fields(&user);
    let (held, new_password) = (
        (user.role, user.region.clone(), user.active),
        patch.password.is_some(),
    );
    if let Some(d) = patch.display_name {
        user.display_name = d.trim().to_owned();
    }
    user.role = patch.role.unwrap_or(user.role);
    if let Some(r) = patch.region_code {
        user.region = existing_region(c, r.as_deref())?;
    }
    user.active = patch.active.unwrap_or(user.active);
    check_placement(user.role, user.region.as_ref())?;
    let is_self = grant.is_self(&user.id);
    check_own_account(is_self, user.role, user.active)?;
    check_own_placement(
        is_self,
        (held.0, held.1.as_ref()),
        (user.role, user.region.as_ref()),
    )?;
    check_user_grant(grant, user.role, user.region.as_ref())?;
    let mut change = changes(&before, &fields(&user));
    if let Some(p) = patch.password {
        check_password(&p)?;
        user.password_hash = hash_secret(&p)?;
        // The fact, never the value.
        change["password"] = json!({"changed": true});
    }
    // A new password, role or region, disabling or re-enabling: the tokens issued before are
    // refused (each carries the version it was issued at).
    if new_password || held != (user.role, user.region.clone(), user.active) {
        user.credentials_version += 1;
    }
    ctx.save_revision(c, &mut user, identity::save_user)?;
    ctx.audit_change(c, AuditAction::UserUpdated, &user, change)?;
    Ok(user)
}

/// A user `vis` reaches; another region's user is a 404.
pub fn get(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<User, ApiError> {
    identity::find_user(c, id, vis)?.or_not_found(RecordKind::User, id)
}

pub fn list(
    c: &mut DbConnection,
    vis: &Visibility,
    filter: &UserFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<User>, ApiError> {
    Ok(identity::list_users(c, vis, filter, after, limit)?)
}
