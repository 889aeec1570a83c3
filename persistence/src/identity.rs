//! Users and service accounts. Every query that returns records takes the caller's
//! [`Visibility`], so region isolation happens in SQL, not after loading. `province_code` is
//! derived from the region on every write, for that filter.

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use jalin_domain::access::{Action, Role, Visibility};
use jalin_domain::identity::scope_text;
use jalin_domain::RegionCode;

use crate::db::{DbConnection, DbError};
use crate::schema::{service_accounts as sa, users};
use crate::text::{Stored, StoredOpt};

crate::text::stored_by_code! { Role => "role", Action => "scope" }

/// A user as stored; `password_hash` is an argon2id PHC string.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    #[diesel(deserialize_as = Stored<Role>, serialize_as = Stored<Role>)]
    pub role: Role,
    #[diesel(column_name = region_code)]
    #[diesel(deserialize_as = StoredOpt<RegionCode>, serialize_as = StoredOpt<RegionCode>)]
    pub region: Option<RegionCode>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A service account as stored; `secret_hash` is an argon2id PHC string.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sa, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ServiceAccount {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    #[diesel(deserialize_as = Spaced, serialize_as = Spaced)]
    pub scopes: Vec<Action>,
    #[diesel(column_name = region_code)]
    #[diesel(deserialize_as = StoredOpt<RegionCode>, serialize_as = StoredOpt<RegionCode>)]
    pub region: Option<RegionCode>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Scopes stored as OAuth 2.0 writes them, space-separated (`reference:read users:read`);
/// an unknown stored scope is an error, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Spaced(Vec<Action>, String);

impl From<Vec<Action>> for Spaced {
    fn from(scopes: Vec<Action>) -> Self {
        let text = scope_text(&scopes);
        Spaced(scopes, text)
    }
}

impl From<Spaced> for Vec<Action> {
    fn from(s: Spaced) -> Self {
        s.0
    }
}

impl<DB: Backend> FromSql<Text, DB> for Spaced
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        let scopes = text
            .split_whitespace()
            .map(|s| Action::parse(s).ok_or_else(|| format!("stored scope `{s}` is not valid")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Spaced(scopes, text))
    }
}

impl<DB: Backend> ToSql<Text, DB> for Spaced
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(&self.1, out)
    }
}

/// The province of a region, stored beside it so a province's subtree is one equality.
fn province(region: &Option<RegionCode>) -> Option<String> {
    region.as_ref().map(|r| r.province().to_string())
}

fn unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
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

/// Inserts `user`; `Ok(false)` when its username is taken.
pub fn insert_user(conn: &mut DbConnection, user: &User) -> Result<bool, DbError> {
    let r = diesel::insert_into(users::table)
        .values((
            user.clone(),
            users::province_code.eq(province(&user.region)),
        ))
        .execute(conn);
    match r {
        Ok(_) => Ok(true),
        Err(e) if unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn count_users(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(users::table.count().get_result(conn)?)
}

/// A user by id, if `vis` reaches it.
pub fn find_user(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<User>, DbError> {
    let q = users::table
        .select(User::as_select())
        .filter(users::id.eq(id.to_owned()))
        .into_boxed();
    Ok(visible!(q, users, vis).first(conn).optional()?)
}

pub fn find_user_by_username(
    conn: &mut DbConnection,
    username: &str,
) -> Result<Option<User>, DbError> {
    Ok(users::table
        .select(User::as_select())
        .filter(users::username.eq(username))
        .first(conn)
        .optional()?)
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
        .select(User::as_select())
        .order(users::username.asc())
        .limit(limit)
        .into_boxed();
    q = visible!(q, users, vis);
    if let Some(r) = filter.role {
        q = q.filter(users::role.eq(Stored(r)));
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
    Ok(q.load(conn)?)
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
        user.clone(),
        users::province_code.eq(province(&user.region)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---- service accounts ----------------------------------------------------------------------

pub fn insert_service_account(
    conn: &mut DbConnection,
    acc: &ServiceAccount,
) -> Result<(), DbError> {
    diesel::insert_into(sa::table)
        .values((acc.clone(), sa::province_code.eq(province(&acc.region))))
        .execute(conn)?;
    Ok(())
}

pub fn find_service_account(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<ServiceAccount>, DbError> {
    let q = sa::table
        .select(ServiceAccount::as_select())
        .filter(sa::id.eq(id.to_owned()))
        .into_boxed();
    Ok(visible!(q, sa, vis).first(conn).optional()?)
}

pub fn find_service_account_by_client_id(
    conn: &mut DbConnection,
    client_id: &str,
) -> Result<Option<ServiceAccount>, DbError> {
    Ok(sa::table
        .select(ServiceAccount::as_select())
        .filter(sa::client_id.eq(client_id))
        .first(conn)
        .optional()?)
}

pub fn list_service_accounts(
    conn: &mut DbConnection,
    vis: &Visibility,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ServiceAccount>, DbError> {
    let mut q = sa::table
        .select(ServiceAccount::as_select())
        .order(sa::id.asc())
        .limit(limit)
        .into_boxed();
    q = visible!(q, sa, vis);
    if let Some(a) = after {
        q = q.filter(sa::id.gt(a.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// Writes `acc` if its stored version is still `expected_version`.
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
    .set((acc.clone(), sa::province_code.eq(province(&acc.region))))
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
