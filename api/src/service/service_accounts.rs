//! Service accounts for integration partners (SIOLA, SIMPEL, Exit Permit) and scripts: create,
//! change and delete them — from the API and the CLI alike. The secret is shown once and stored
//! only as a hash; it never reaches the audit log.

use jalin_domain::access::{Action, Visibility};
use jalin_domain::identity::{
    check_account_grant, check_own_scopes, granted_scopes, scope_set, AccountGrant,
};
use jalin_domain::{AuditAction, RecordKind, Violation};
use jalin_persistence::identity::{self, ServiceAccount};
use jalin_persistence::DbConnection;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::users::existing_region;
use super::{changes, Conditional, Ctx};
use crate::auth::{hash_secret, random_secret};
use crate::error::ApiError;
use crate::problem::FieldIssue;
use crate::reply::OrNotFound;

crate::versioned!(ServiceAccount);

crate::filed!(ServiceAccount => ServiceAccount(id), region);

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

/// The audited fields (never the secret hash).
fn fields(a: &ServiceAccount) -> Value {
    json!({
        "name": a.name, "client_id": a.client_id,
        "scopes": a.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "region_code": a.region.as_ref().map(|r| r.to_string()), "active": a.active,
    })
}

/// Creates a service account `grant` may give (see `jalin_domain::identity::check_account_grant`);
/// returns it with its secret, which is stored only as a hash.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    grant: &AccountGrant,
    input: CreateServiceAccount,
) -> Result<(ServiceAccount, String), ApiError> {
    let region = existing_region(c, input.region_code.as_deref())?;
    let scopes = scope_set(input.scopes);
    check_account_grant(grant, &scopes, region.as_ref())?;
    let secret = random_secret(32)?;
    let now = ctx.now();
    let acc = ServiceAccount {
        id: uuid::Uuid::now_v7().to_string(),
        client_id: format!("sa_{}", uuid::Uuid::now_v7().simple()),
        name: input.name.trim().to_owned(),
        secret_hash: hash_secret(&secret)?,
        scopes,
        region,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
        credentials_version: 1,
    };
    identity::insert_service_account(c, &acc)?;
    ctx.audit_change(
        c,
        AuditAction::ServiceAccountCreated,
        &acc,
        changes(&json!({}), &fields(&acc)),
    )?;
    // The row as stored (timestamps at the database's precision).
    Ok((get(c, &Visibility::All, &acc.id)?, secret))
}

/// Changes a service account `grant` reaches, if `expected` (the caller's ETag check) still
/// holds: a credential never changes its own scopes, and leaves another account only as it
/// could have created it.
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    grant: &AccountGrant,
    id: &str,
    patch: PatchServiceAccount,
    expected: impl FnOnce(&ServiceAccount) -> Result<(), ApiError>,
) -> Result<ServiceAccount, ApiError> {
    let mut acc = get(c, &grant.scope, id)?;
    expected(&acc)?;
    let before = fields(&acc);
    let held_before = acc.scopes.clone();
    if let Some(n) = patch.name {
        acc.name = n.trim().to_owned();
    }
    if let Some(s) = patch.scopes {
        acc.scopes = scope_set(s);
    }
    if patch.active.is_some_and(|a| a != acc.active) {
        // Disabled or re-enabled: the tokens issued before are refused.
        acc.credentials_version += 1;
    }
    acc.active = patch.active.unwrap_or(acc.active);
    if grant.is_own(&acc.id) {
        check_own_scopes(grant, &acc.id, &held_before, &acc.scopes)?;
    } else {
        check_account_grant(grant, &acc.scopes, acc.region.as_ref())?;
    }
    ctx.save_revision(c, &mut acc, identity::save_service_account)?;
    ctx.audit_change(
        c,
        AuditAction::ServiceAccountUpdated,
        &acc,
        changes(&before, &fields(&acc)),
    )?;
    Ok(acc)
}

/// Deletes a service account `grant` reaches (another than its own only if it could have
/// created it), if `expected` still holds: its tokens stop working at once.
pub fn delete(
    c: &mut DbConnection,
    ctx: &Ctx,
    grant: &AccountGrant,
    id: &str,
    expected: impl FnOnce(&ServiceAccount) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let acc = get(c, &grant.scope, id)?;
    expected(&acc)?;
    if !grant.is_own(&acc.id) {
        check_account_grant(grant, &acc.scopes, acc.region.as_ref())?;
    }
    identity::delete_service_account(c, &acc.id, acc.version).or_precondition_failed()?;
    ctx.audit_change(
        c,
        AuditAction::ServiceAccountDeleted,
        &acc,
        changes(&fields(&acc), &json!({})),
    )
}

/// The scopes a token for `acc` carries (see `jalin_domain::identity::granted_scopes`). `scope` is
/// a form field, so it is refused as a parameter, like the form's other fields.
pub fn token_scopes(
    acc: &ServiceAccount,
    requested: Option<&str>,
) -> Result<Vec<Action>, ApiError> {
    granted_scopes(&acc.scopes, requested).map_err(|v| {
        let issue = |v: &Violation| FieldIssue::parameter("scope", &v.code, v.text.clone());
        ApiError::Validation(v.iter().map(issue).collect())
    })
}

/// A service account `vis` reaches; another region's is a 404.
pub fn get(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<ServiceAccount, ApiError> {
    identity::find_service_account(c, id, vis)?.or_not_found(RecordKind::ServiceAccount, id)
}

pub fn list(
    c: &mut DbConnection,
    vis: &Visibility,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ServiceAccount>, ApiError> {
    Ok(identity::list_service_accounts(c, vis, after, limit)?)
}
