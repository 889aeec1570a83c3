//! Users and service accounts. Every query that returns records takes the caller's
//! [`Visibility`](jalin_domain::access::Visibility), so region isolation happens in SQL, not
//! after loading. `province_code` is derived from the region on every write, for that filter.

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use jalin_domain::access::{Action, Role};
use jalin_domain::identity::scope_text;
use jalin_domain::RegionCode;

use crate::crud::{Filter, Rows};
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
    /// Bumped by a change that revokes the account's tokens (each token carries it as `cv`).
    pub credentials_version: i64,
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
    /// Bumped by a change that revokes the account's tokens (each token carries it as `cv`).
    pub credentials_version: i64,
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

crate::crud::crud! {
    User in users by id, also |u: &User| users::province_code.eq(province(&u.region));
    // `false`: the username is taken.
    insert_new as insert_user,
    save as save_user, find_visible as find_user,
    find_by(username) as find_user_by_username,
    // Users are listed in username order.
    page_visible(UserFilter, username) as list_users,
}

crate::crud::crud! {
    ServiceAccount in sa by id, also |a: &ServiceAccount| sa::province_code.eq(province(&a.region));
    insert as insert_service_account, save as save_service_account,
    delete as delete_service_account, find_visible as find_service_account,
    find_by(client_id) as find_service_account_by_client_id,
    page_visible() as list_service_accounts,
}

pub fn count_users(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(users::table.count().get_result(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub region: Option<RegionCode>,
    pub active: Option<bool>,
}

impl<'a> Filter<Rows<'a, users::table, User>> for UserFilter {
    fn apply(&self, mut q: Rows<'a, users::table, User>) -> Rows<'a, users::table, User> {
        if let Some(r) = self.role {
            q = q.filter(users::role.eq(Stored(r)));
        }
        if let Some(r) = &self.region {
            q = q.filter(users::region_code.eq(r.to_string()));
        }
        if let Some(a) = self.active {
            q = q.filter(users::active.eq(a));
        }
        q
    }
}
