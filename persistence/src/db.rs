//! Connections, the pool, migrations and transactions over both backends.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
pub use diesel::result::DatabaseErrorKind;
pub use diesel::result::Error as DieselError;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// One migrations source for both backends: the SQL is written in the subset both accept
/// (ids, enums and JSON as TEXT). A migration that must differ would add a backend folder.
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// One connection type over both databases.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A parsed `JALIN_DATABASE_URL`: `sqlite://PATH` or `postgres://…` (`postgresql://…`).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(
                    "a sqlite:// URL needs a file path, e.g. sqlite://./data/jalin.db".into(),
                );
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err("expected sqlite://PATH or postgres://USER@HOST:PORT/DATABASE".into())
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Shown in logs: never the password of a PostgreSQL URL.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            Self::Postgres(u) => {
                // postgres://user:secret@host/db → postgres://user:***@host/db
                match (u.find("://"), u.rfind('@')) {
                    (Some(s), Some(at)) if u[s + 3..at].contains(':') => {
                        let colon = s + 3 + u[s + 3..at].find(':').unwrap_or(0);
                        write!(f, "{}:***{}", &u[..colon], &u[at..])
                    }
                    _ => f.write_str(u),
                }
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to {url}: {source}")]
    Connect {
        url: String,
        source: diesel::ConnectionError,
    },
    #[error("cannot create the SQLite database {path} or its directory: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("reference data: {0}")]
    Reference(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Opens connections by the URL's scheme — never by trial, which would let a failed
/// PostgreSQL URL fall through and create a stray SQLite file.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    busy_timeout: Duration,
}

impl Manager {
    pub fn connect(&self) -> Result<DbConnection, DbError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path_str = path.to_string_lossy().into_owned();
                let mut conn =
                    SqliteConnection::establish(&path_str).map_err(|source| DbError::Connect {
                        url: self.url.to_string(),
                        source,
                    })?;
                // Per connection: wait for locks, enforce foreign keys, WAL for concurrent
                // readers; NORMAL sync is durable in WAL mode except on power loss. Reads go
                // through a memory map of the file (up to 1 GiB), shared by all connections:
                // with SQLite's own per-connection cache (2 MB) every request re-read its pages
                // with read(2), and half of an overview's time was the kernel's (BENCHMARKS.md).
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA mmap_size = 1073741824;",
                    self.busy_timeout.as_millis()
                ))?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(|source| DbError::Connect {
                    url: self.url.to_string(),
                    source,
                }),
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection, DbError> {
        Manager::connect(self)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::from)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type PooledConnection = r2d2::PooledConnection<Manager>;

#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connect_timeout: Duration,
    pub busy_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            connect_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// A pool's connections at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub connections: u32,
    pub idle_connections: u32,
}

/// The connection pool. Cheap to clone.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    backend: Backend,
}

impl Pool {
    /// Opens the pool (creating the SQLite file and its directory if absent) and checks that
    /// one connection works, so a bad URL fails at start-up rather than on the first request.
    pub fn open(url: &DatabaseUrl, opts: &PoolOptions) -> Result<Self, DbError> {
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
                    path: path.display().to_string(),
                    source,
                })?;
            }
            // A new database file is the owner's alone (0600); SQLite gives its journal files
            // the same mode.
            if !path.exists() {
                use std::os::unix::fs::OpenOptionsExt;
                let created = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path);
                match created {
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(source) => {
                        return Err(DbError::CreateDir {
                            path: path.display().to_string(),
                            source,
                        })
                    }
                }
            }
        }
        let manager = Manager {
            url: url.clone(),
            busy_timeout: opts.busy_timeout,
        };
        // Fail fast with the real error (r2d2 would only report a timeout).
        drop(manager.connect()?);
        let inner = r2d2::Pool::builder()
            // A PostgreSQL connection can die with its server or the network, so it is tested
            // (`SELECT 1`) when taken; an SQLite file cannot, and the test was one statement
            // more on every request.
            .test_on_check_out(url.backend() == Backend::Postgres)
            .max_size(opts.max_size)
            .connection_timeout(opts.connect_timeout)
            .build(manager)?;
        Ok(Self {
            inner,
            backend: url.backend(),
        })
    }

    pub fn get(&self) -> Result<PooledConnection, DbError> {
        Ok(self.inner.get()?)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool's connections now: open and idle (for metrics).
    pub fn state(&self) -> PoolState {
        let s = self.inner.state();
        PoolState {
            connections: s.connections,
            idle_connections: s.idle_connections,
        }
    }

    /// Applies pending migrations and returns how many were applied; then lets SQLite refresh
    /// the statistics its planner chooses indexes by, where they are missing or stale
    /// (`PRAGMA optimize`, cheap when nothing changed).
    pub fn migrate(&self) -> Result<usize, DbError> {
        let mut conn = self.get()?;
        let applied = run_migrations(&mut conn)?;
        if self.backend == Backend::Sqlite {
            conn.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
        }
        Ok(applied)
    }
}

pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, DbError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(MIGRATIONS).map(|v| v.len()),
        DbConnection::Postgres(c) => c.run_pending_migrations(MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| DbError::Migration(e.to_string()))
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite (take the write lock first, so
/// a read-then-write never fails with SQLITE_BUSY halfway), a plain transaction on PostgreSQL.
/// Commits when `f` returns `Ok`, rolls back otherwise.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Tm = <DbConnection as Connection>::TransactionManager;
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(_) => Tm::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            Tm::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            match Tm::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => {}
                Err(rollback) => return Err(rollback.into()),
            }
            Err(e)
        }
    }
}

/// `SELECT 1`: is the database answering?
pub fn ping(conn: &mut DbConnection) -> Result<(), DbError> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_parse_by_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://./data/jalin.db").unwrap(),
            DatabaseUrl::Sqlite("./data/jalin.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/test").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("./jalin.db").is_err());
    }

    #[test]
    fn postgres_passwords_are_not_displayed() {
        let url = DatabaseUrl::parse("postgres://jalin:s3cret@db:5432/jalin").unwrap();
        assert_eq!(url.to_string(), "postgres://jalin:***@db:5432/jalin");
        let no_pw = DatabaseUrl::parse("postgres://postgres@127.0.0.1/test").unwrap();
        assert_eq!(no_pw.to_string(), "postgres://postgres@127.0.0.1/test");
    }

    #[test]
    fn a_failed_write_transaction_leaves_nothing_behind() {
        let dir = tempfile_dir();
        let url = DatabaseUrl::Sqlite(dir.join("t.db"));
        let pool = Pool::open(&url, &PoolOptions::default()).unwrap();
        let mut conn = pool.get().unwrap();
        conn.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
        let r: Result<(), diesel::result::Error> = write_transaction(&mut conn, |c| {
            c.batch_execute("INSERT INTO t VALUES (1)")?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(r.is_err());
        write_transaction::<_, diesel::result::Error, _>(&mut conn, |c| {
            c.batch_execute("INSERT INTO t VALUES (2)")
        })
        .unwrap();
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: N = diesel::sql_query("SELECT COUNT(*) AS n FROM t")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(n.n, 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("jalin-db-test-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
