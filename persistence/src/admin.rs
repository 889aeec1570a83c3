//! Database administration used by tests and tooling: creating and dropping PostgreSQL
//! databases so each test run gets its own.

use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};

use crate::db::DbError;

fn admin_connection(url: &str) -> Result<PgConnection, DbError> {
    PgConnection::establish(url).map_err(|source| DbError::Connect {
        url: crate::DatabaseUrl::parse(url)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| "postgres URL".into()),
        source,
    })
}

fn check_name(name: &str) -> Result<(), DbError> {
    if !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(DbError::Reference(format!("unsafe database name `{name}`")))
    }
}

/// Creates database `name` on the server of `admin_url` and returns a URL for it.
pub fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, DbError> {
    check_name(name)?;
    let mut conn = admin_connection(admin_url)?;
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut conn)?;
    // Replace the database part of the URL (after the last '/', before any '?').
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > base.find("://").map(|s| s + 2).unwrap_or(0) => &base[..i],
        _ => base,
    };
    Ok(match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    })
}

/// Drops database `name`, disconnecting its sessions.
pub fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), DbError> {
    check_name(name)?;
    let mut conn = admin_connection(admin_url)?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)?;
    Ok(())
}
