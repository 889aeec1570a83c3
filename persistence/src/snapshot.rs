//! What `jalin backup` and `jalin restore` need from the database: a consistent SQLite copy
//! taken online, the schema version a database holds and the one this binary knows, and
//! whether a PostgreSQL database is empty.

use std::path::Path;

use diesel::migration::MigrationSource;
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::db::{DbConnection, DbError};

/// The same migrations the pool applies (embedded here too, to read their versions).
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Orders migration versions (`20261201000023`): longer is newer, then by text.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The newest schema migration this binary knows, e.g. `20261201000023`.
pub fn known_schema_version() -> Result<String, DbError> {
    let migrations = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&MIGRATIONS)
        .map_err(|e| DbError::Migration(e.to_string()))?;
    migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .max_by(|a, b| compare_versions(a, b))
        .ok_or_else(|| DbError::Migration("no migrations embedded".into()))
}

/// The newest migration applied to the database (`None`: none yet).
pub fn applied_schema_version(conn: &mut DbConnection) -> Result<Option<String>, DbError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.applied_migrations(),
        DbConnection::Postgres(c) => c.applied_migrations(),
    }
    .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(applied
        .iter()
        .map(|v| v.to_string())
        .max_by(|a, b| compare_versions(a, b)))
}

/// Writes a transactionally consistent copy of the SQLite database to `dest` (which must not
/// exist) with `VACUUM INTO`: it reads one snapshot while writers go on (WAL), so the copy
/// holds every transaction committed before it began and none after.
pub fn sqlite_snapshot(conn: &mut DbConnection, dest: &Path) -> Result<(), DbError> {
    let DbConnection::Sqlite(c) = conn else {
        return Err(DbError::Reference(
            "an SQLite snapshot needs an SQLite database".into(),
        ));
    };
    let dest = dest
        .to_str()
        .ok_or_else(|| DbError::Reference("the backup path is not valid UTF-8".into()))?;
    diesel::sql_query(format!("VACUUM INTO '{}'", dest.replace('\'', "''"))).execute(c)?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The number of tables in a PostgreSQL database outside the system schemas (0: empty).
pub fn postgres_table_count(conn: &mut DbConnection) -> Result<i64, DbError> {
    let DbConnection::Postgres(c) = conn else {
        return Err(DbError::Reference("not a PostgreSQL database".into()));
    };
    let count: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables \
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .get_result(c)?;
    Ok(count.n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_known_migration_is_a_version_number() {
        let v = known_schema_version().unwrap();
        assert!(
            v.len() >= 14 && v.bytes().all(|b| b.is_ascii_digit()),
            "{v}"
        );
        assert_eq!(
            compare_versions("20261201000023", "20261201000022"),
            std::cmp::Ordering::Greater
        );
        assert_eq!(
            compare_versions("202612010000230", "20271201000022"),
            std::cmp::Ordering::Greater
        );
    }
}
