//! Users and service accounts. Every query that returns records takes the caller's
//! [`Visibility`], so region isolation happens in SQL, not after loading.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use jalin_domain::access::{Action, Role, Visibility};
use jalin_domain::RegionCode;

use crate::db::{DbConnection, DbError};
use crate::schema::{service_accounts as sa, users};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub region: Option<RegionCode>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

type UserRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
    i64,
    NaiveDateTime,
    NaiveDateTime,
);

macro_rules! user_columns {
    () => {
        (
            users::id,
            users::username,
            users::display_name,
            users::password_hash,
            users::role,
            users::region_code,
            users::active,
            users::version,
            users::created_at,
            users::updated_at,
        )
    };
}

fn region(code: Option<String>) -> Result<Option<RegionCode>, DbError> {
    code.map(|c| RegionCode::parse(&c).map_err(|e| DbError::Reference(e.to_string())))
        .transpose()
}

fn user_from(r: UserRow) -> Result<User, DbError> {
    Ok(User {
        role: r.4.parse().map_err(DbError::Reference)?,
        region: region(r.5)?,
        id: r.0,
        username: r.1,
        display_name: r.2,
        password_hash: r.3,
        active: r.6,
        version: r.7,
        created_at: r.8,
        updated_at: r.9,
    })
}

fn unique_violation(e: &DbError) -> bool {
    matches!(
        e,
        DbError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

/// A new user; `password_hash` is already an argon2id PHC string.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub region: Option<&'a RegionCode>,
}

/// Inserts a user; `Ok(None)` when the username is taken.
pub fn insert_user(conn: &mut DbConnection, new: &NewUser<'_>) -> Result<Option<User>, DbError> {
    let now = Utc::now().naive_utc();
    let id = uuid::Uuid::now_v7().to_string();
    let result = diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::username.eq(new.username),
            users::display_name.eq(new.display_name),
            users::password_hash.eq(new.password_hash),
            users::role.eq(new.role.as_str()),
            users::region_code.eq(new.region.map(|r| r.to_string())),
            users::province_code.eq(new.region.map(|r| r.province().to_string())),
            users::active.eq(true),
            users::version.eq(1i64),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(DbError::from);
    match result {
        Ok(_) => find_user(conn, &id, &Visibility::All),
        Err(e) if unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn username_taken(conn: &mut DbConnection, username: &str) -> Result<bool, DbError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn count_users(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(users::table.count().get_result(conn)?)
}

macro_rules! visible {
    ($q:expr, $table:ident, $vis:expr) => {
        match $vis {
            Visibility::All => $q,
            Visibility::Province(p) => $q.filter($table::province_code.eq(p.to_string())),
            Visibility::Region(r) => $q.filter($table::region_code.eq(r.to_string())),
        }
    };
}

/// A user by id, if `vis` reaches it.
pub fn find_user(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<User>, DbError> {
    let q = users::table
        .select(user_columns!())
        .filter(users::id.eq(id.to_owned()))
        .into_boxed();
    let q = visible!(q, users, vis);
    q.first::<UserRow>(conn)
        .optional()?
        .map(user_from)
        .transpose()
}

pub fn find_user_by_username(
    conn: &mut DbConnection,
    username: &str,
) -> Result<Option<User>, DbError> {
    users::table
        .select(user_columns!())
        .filter(users::username.eq(username))
        .first::<UserRow>(conn)
        .optional()?
        .map(user_from)
        .transpose()
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub region: Option<RegionCode>,
    pub active: Option<bool>,
}

/// Users `vis` reaches, in username order after `after`.
pub fn list_users(
    conn: &mut DbConnection,
    vis: &Visibility,
    filter: &UserFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<User>, DbError> {
    let mut q = users::table
        .select(user_columns!())
        .order(users::username.asc())
        .limit(limit)
        .into_boxed();
    q = visible!(q, users, vis);
    if let Some(r) = filter.role {
        q = q.filter(users::role.eq(r.as_str()));
    }
    if let Some(r) = &filter.region {
        q = q.filter(users::region_code.eq(r.to_string()));
    }
    if let Some(a) = filter.active {
        q = q.filter(users::active.eq(a));
    }
    if let Some(a) = after {
        q = q.filter(users::username.gt(a.to_owned()));
    }
    q.load::<UserRow>(conn)?
        .into_iter()
        .map(user_from)
        .collect()
}

/// Writes `user` (already changed in memory) if its stored version is still `expected_version`;
/// `Ok(false)` when someone else changed it first.
pub fn save_user(
    conn: &mut DbConnection,
    user: &User,
    expected_version: i64,
) -> Result<bool, DbError> {
    let n = diesel::update(
        users::table
            .filter(users::id.eq(&user.id))
            .filter(users::version.eq(expected_version)),
    )
    .set((
        users::display_name.eq(&user.display_name),
        users::password_hash.eq(&user.password_hash),
        users::role.eq(user.role.as_str()),
        users::region_code.eq(user.region.as_ref().map(|r| r.to_string())),
        users::province_code.eq(user.region.as_ref().map(|r| r.province().to_string())),
        users::active.eq(user.active),
        users::version.eq(user.version),
        users::updated_at.eq(user.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---- service accounts ----------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub scopes: Vec<Action>,
    pub region: Option<RegionCode>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

type SaRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
    i64,
    NaiveDateTime,
    NaiveDateTime,
);

macro_rules! sa_columns {
    () => {
        (
            sa::id,
            sa::client_id,
            sa::name,
            sa::secret_hash,
            sa::scopes,
            sa::region_code,
            sa::active,
            sa::version,
            sa::created_at,
            sa::updated_at,
        )
    };
}

pub fn scopes_to_text(scopes: &[Action]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn sa_from(r: SaRow) -> Result<ServiceAccount, DbError> {
    Ok(ServiceAccount {
        scopes: r
            .4
            .split_whitespace()
            .map(|s| s.parse::<Action>().map_err(DbError::Reference))
            .collect::<Result<_, _>>()?,
        region: region(r.5)?,
        id: r.0,
        client_id: r.1,
        name: r.2,
        secret_hash: r.3,
        active: r.6,
        version: r.7,
        created_at: r.8,
        updated_at: r.9,
    })
}

pub struct NewServiceAccount<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub scopes: &'a [Action],
    pub region: Option<&'a RegionCode>,
}

pub fn insert_service_account(
    conn: &mut DbConnection,
    new: &NewServiceAccount<'_>,
) -> Result<ServiceAccount, DbError> {
    let now = Utc::now().naive_utc();
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(sa::table)
        .values((
            sa::id.eq(&id),
            sa::client_id.eq(new.client_id),
            sa::name.eq(new.name),
            sa::secret_hash.eq(new.secret_hash),
            sa::scopes.eq(scopes_to_text(new.scopes)),
            sa::region_code.eq(new.region.map(|r| r.to_string())),
            sa::province_code.eq(new.region.map(|r| r.province().to_string())),
            sa::active.eq(true),
            sa::version.eq(1i64),
            sa::created_at.eq(now),
            sa::updated_at.eq(now),
        ))
        .execute(conn)?;
    find_service_account(conn, &id, &Visibility::All)?
        .ok_or_else(|| DbError::Reference("inserted service account vanished".into()))
}

pub fn find_service_account(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<ServiceAccount>, DbError> {
    let q = sa::table
        .select(sa_columns!())
        .filter(sa::id.eq(id.to_owned()))
        .into_boxed();
    let q = visible!(q, sa, vis);
    q.first::<SaRow>(conn).optional()?.map(sa_from).transpose()
}

pub fn find_service_account_by_client_id(
    conn: &mut DbConnection,
    client_id: &str,
) -> Result<Option<ServiceAccount>, DbError> {
    sa::table
        .select(sa_columns!())
        .filter(sa::client_id.eq(client_id))
        .first::<SaRow>(conn)
        .optional()?
        .map(sa_from)
        .transpose()
}

pub fn list_service_accounts(
    conn: &mut DbConnection,
    vis: &Visibility,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ServiceAccount>, DbError> {
    let mut q = sa::table
        .select(sa_columns!())
        .order(sa::id.asc())
        .limit(limit)
        .into_boxed();
    q = visible!(q, sa, vis);
    if let Some(a) = after {
        q = q.filter(sa::id.gt(a.to_owned()));
    }
    q.load::<SaRow>(conn)?.into_iter().map(sa_from).collect()
}

pub fn save_service_account(
    conn: &mut DbConnection,
    acc: &ServiceAccount,
    expected_version: i64,
) -> Result<bool, DbError> {
    let n = diesel::update(
        sa::table
            .filter(sa::id.eq(&acc.id))
            .filter(sa::version.eq(expected_version)),
    )
    .set((
        sa::name.eq(&acc.name),
        sa::scopes.eq(scopes_to_text(&acc.scopes)),
        sa::region_code.eq(acc.region.as_ref().map(|r| r.to_string())),
        sa::province_code.eq(acc.region.as_ref().map(|r| r.province().to_string())),
        sa::active.eq(acc.active),
        sa::version.eq(acc.version),
        sa::updated_at.eq(acc.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete_service_account(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
) -> Result<bool, DbError> {
    let n = diesel::delete(
        sa::table
            .filter(sa::id.eq(id))
            .filter(sa::version.eq(expected_version)),
    )
    .execute(conn)?;
    Ok(n == 1)
}
