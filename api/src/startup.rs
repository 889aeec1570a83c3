//! Building and starting the server: open the database, migrate, load reference data, build the
//! calendar, bind, serve. Tests use the same path with their own extra routes.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::middleware::{from_fn, Compress, Condition};
use actix_web::{http, web, App, HttpServer};
use jalin_domain::access::Role;
use jalin_persistence::identity;
use jalin_persistence::reference::{self, DatasetOutcome};
use jalin_persistence::{write_transaction, DatabaseUrl, DbError, Pool, PoolOptions};

use crate::auth::{load_or_create_secret, TokenKeys};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::service::users::{self, CreateUser};
use crate::service::Ctx;
use crate::storage::Storage;

use crate::config::Config;
use crate::context::request_context;
use crate::deadline::{body_deadline, BodyTimeout};
use crate::extract::JsonLimit;
use crate::routes;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] DbError),
    #[error("JWT secret: {0}")]
    Secret(std::io::Error),
    #[error("document storage (JALIN_STORAGE_URL): {0}")]
    Storage(String),
    #[error("bootstrap admin: {0}")]
    Bootstrap(String),
    #[error("holiday calendar: {0}")]
    Calendar(String),
    /// A start-up check failed before anything was created (one line, exit code 2).
    #[error("{0}")]
    Check(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// The data directory that is created when absent: the default (`./data`, for `make run`).
/// A configured one must exist: a typo must not start an empty instance somewhere else.
pub const DEFAULT_DATA_DIR: &str = "./data";

/// Seconds a PostgreSQL server has to answer a connection attempt at start-up, unless the URL
/// sets libpq's `connect_timeout` itself.
pub const PG_CONNECT_TIMEOUT_SECONDS: u32 = 5;

/// The URL with libpq's `connect_timeout` added when it names none, so a server that does not
/// answer stops start-up within seconds instead of hanging.
pub fn with_connect_timeout(url: &DatabaseUrl) -> DatabaseUrl {
    match url {
        DatabaseUrl::Postgres(u) if !u.contains("connect_timeout=") => {
            let sep = if u.contains('?') { '&' } else { '?' };
            DatabaseUrl::Postgres(format!(
                "{u}{sep}connect_timeout={PG_CONNECT_TIMEOUT_SECONDS}"
            ))
        }
        other => other.clone(),
    }
}

/// Whether the process can create files in `dir` (probed with a file created and removed at
/// once: permissions, ACLs, a read-only mount and systemd's `ProtectSystem` all count).
fn writable(dir: &Path) -> Result<(), std::io::Error> {
    let probe = dir.join(format!(".jalin-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

/// Start-up checks that run before anything is created: the directories the configuration
/// names exist and are writable, and a stored JWT secret is long enough. Each failure is one
/// line naming the setting.
pub fn check_paths(config: &Config) -> Result<(), StartupError> {
    let check = |msg: String| Err(StartupError::Check(msg));
    let data_dir = &config.data_dir;
    let sqlite = match &config.database_url {
        DatabaseUrl::Sqlite(p) => Some(p),
        DatabaseUrl::Postgres(_) => None,
    };
    // The data dir holds the default SQLite file, local documents and the generated secret.
    let uses_data_dir = sqlite.is_some_and(|p| p.starts_with(data_dir))
        || config.storage_url.is_none()
        || config.jwt_secret.is_none();
    if uses_data_dir {
        match std::fs::metadata(data_dir) {
            Ok(m) if !m.is_dir() => {
                return check(format!(
                    "JALIN_DATA_DIR {} is not a directory",
                    data_dir.display()
                ))
            }
            Ok(_) => {
                if let Err(e) = writable(data_dir) {
                    return check(format!(
                        "JALIN_DATA_DIR {} is not writable: {e}",
                        data_dir.display()
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if data_dir != Path::new(DEFAULT_DATA_DIR) {
                    return check(format!(
                        "JALIN_DATA_DIR {} does not exist: create it (owner-only, e.g. `install -d -m 700 {0}`); only the default {DEFAULT_DATA_DIR} is created",
                        data_dir.display()
                    ));
                }
            }
            Err(e) => {
                return check(format!("JALIN_DATA_DIR {}: {e}", data_dir.display()));
            }
        }
    }
    if let Some(path) = sqlite {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // Inside the default data dir the directory is created; anywhere else it must exist
        // and be writable (SQLite writes its -wal and -shm files beside the database).
        let in_default = dir == Path::new(DEFAULT_DATA_DIR) && !dir.exists();
        if !in_default {
            if !dir.is_dir() {
                return check(format!(
                    "JALIN_DATABASE_URL: the directory {} of the SQLite database does not exist",
                    dir.display()
                ));
            }
            if let Err(e) = writable(dir) {
                return check(format!(
                    "JALIN_DATABASE_URL: the directory {} of the SQLite database is not writable: {e}",
                    dir.display()
                ));
            }
            if path.exists() {
                if let Err(e) = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                {
                    return check(format!(
                        "JALIN_DATABASE_URL: the SQLite database {} cannot be opened for writing: {e}",
                        path.display()
                    ));
                }
            }
        }
    }
    if config.jwt_secret.is_none() {
        let path = data_dir.join("jwt-secret");
        if let Ok(s) = std::fs::read_to_string(&path) {
            if s.trim().len() < 64 {
                return check(format!(
                    "the JWT secret {} is too short (under 64 characters): delete it to generate a new one, or set JALIN_JWT_SECRET",
                    path.display()
                ));
            }
        }
    }
    Ok(())
}

/// Checks the paths, opens the pool and applies migrations; returns the pool.
pub fn open_database(config: &Config) -> Result<Pool, StartupError> {
    check_paths(config)?;
    let opts = PoolOptions {
        max_size: config.db_pool_size,
        ..PoolOptions::default()
    };
    let pool = Pool::open(&with_connect_timeout(&config.database_url), &opts)?;
    let applied = pool.migrate()?;
    if applied > 0 {
        log::info!("applied {applied} migration(s) to {}", config.database_url);
    }
    Ok(pool)
}

/// Loads reference data (only datasets that changed) and logs what happened.
pub fn load_reference_data(pool: &Pool) -> Result<(), StartupError> {
    let mut conn = pool.get()?;
    let report = reference::load_all(&mut conn)?;
    for (name, outcome) in report.datasets {
        if let DatasetOutcome::Applied { inserted, updated } = outcome {
            log::info!("reference data {name}: {inserted} inserted, {updated} updated");
        }
    }
    Ok(())
}

/// Everything the server needs, ready to serve.
pub fn prepare(config: Config) -> Result<AppState, StartupError> {
    let pool = open_database(&config)?;
    load_reference_data(&pool)?;
    let calendars = {
        let mut conn = pool.get()?;
        crate::calendars::Calendars::load(&mut conn, config.calendar)?
    };
    recompute_due_dates(&pool, &calendars, config.clock)?;
    let secret = load_or_create_secret(config.jwt_secret.as_deref(), &config.data_dir)
        .map_err(StartupError::Secret)?;
    let keys = TokenKeys::new(
        &secret,
        Duration::from_secs(u64::from(config.jwt_ttl_minutes) * 60),
    );
    let account_cache_seconds = config.account_cache_seconds;
    let summary_cache_seconds = config.summary_cache_seconds;
    let sqlite = pool.backend() == jalin_persistence::Backend::Sqlite;
    let throttle = crate::throttle::Throttle::new(
        config.login_max_failures,
        Duration::from_secs(u64::from(config.login_lockout_seconds)),
        config.public_rate_per_minute,
        config.trusted_proxies.clone(),
    );
    let storage = Storage::open(
        config.storage_url.as_deref(),
        &config.data_dir.join("documents"),
    )
    .map_err(StartupError::Storage)?;
    if let Some(password) = &config.bootstrap_admin_password {
        bootstrap_admin(&pool, password, config.clock)?;
    }
    if config.clock.is_shifted() {
        log::warn!(
            "training instance: the clock is set to {} (JALIN_TEST_TODAY)",
            config.clock.today()
        );
    }
    Ok(AppState {
        clock: config.clock,
        pool,
        calendar: calendars.current(),
        calendars: Arc::new(calendars),
        config: Arc::new(config),
        keys: Arc::new(keys),
        throttle: Arc::new(throttle),
        storage,
        write_gate: sqlite.then(|| Arc::new(tokio::sync::Semaphore::new(1))),
        summaries: Arc::new(crate::summaries::Summaries::new(Duration::from_secs(
            u64::from(summary_cache_seconds),
        ))),
        accounts: Arc::new(crate::auth::AccountCache::new(Duration::from_secs(
            u64::from(account_cache_seconds),
        ))),
    })
}

/// Brings the stored due dates of running cases in line with the calendar in force (a case
/// stored by an earlier release, or before a year was seeded, may hold none or an estimate).
fn recompute_due_dates(
    pool: &Pool,
    calendars: &crate::calendars::Calendars,
    clock: Clock,
) -> Result<(), StartupError> {
    let mut conn = pool.get()?;
    let ctx = Ctx::system("calendar", clock);
    let cal = calendars.current();
    let changed = write_transaction(&mut conn, |c| {
        crate::service::calendar::recompute_due_dates(c, &ctx, &cal)
    })
    .map_err(|e: ApiError| StartupError::Calendar(format!("recomputing due dates: {e}")))?;
    if changed > 0 {
        log::info!("{changed} stored due date(s) recomputed on the calendar in force");
    }
    Ok(())
}

/// Creates user `admin` when the database has no user at all: a first start needs no default
/// password, and a later start never resets anything.
fn bootstrap_admin(pool: &Pool, password: &str, clock: Clock) -> Result<(), StartupError> {
    let mut conn = pool.get()?;
    let created = write_transaction(&mut conn, |c| -> Result<bool, ApiError> {
        if identity::count_users(c)? > 0 {
            return Ok(false);
        }
        let admin = CreateUser {
            username: "admin".into(),
            display_name: "Administrator".into(),
            password: password.to_owned(),
            role: Role::Admin,
            region_code: None,
        };
        let ctx = Ctx::system("bootstrap", clock);
        users::create(c, &ctx, &jalin_domain::identity::UserGrant::system(), admin)?;
        Ok(true)
    })
    .map_err(|e| StartupError::Bootstrap(e.to_string()))?;
    if created {
        log::info!("created user `admin` from JALIN_BOOTSTRAP_ADMIN_PASSWORD");
    }
    Ok(())
}

/// A bound, running server.
pub struct Running {
    pub addr: SocketAddr,
    pub server: actix_web::dev::Server,
}

/// Extra routes mounted next to the API (tests mount routes that exist only in tests).
pub type ExtraRoutes = fn(&mut web::ServiceConfig);

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            http::header::AUTHORIZATION,
            http::header::CONTENT_TYPE,
            http::header::ACCEPT,
            http::header::ACCEPT_LANGUAGE,
            http::header::IF_MATCH,
            http::header::HeaderName::from_static("idempotency-key"),
            http::header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            http::header::ETAG,
            http::header::LOCATION,
            http::header::RETRY_AFTER,
            http::header::HeaderName::from_static("x-request-id"),
            http::header::HeaderName::from_static("idempotent-replayed"),
            http::header::HeaderName::from_static("ratelimit"),
            http::header::HeaderName::from_static("ratelimit-policy"),
            http::header::HeaderName::from_static("deprecation"),
            http::header::HeaderName::from_static("sunset"),
            http::header::LINK,
        ])
        .max_age(3600);
    for o in origins {
        cors = if o == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(o)
        };
    }
    cors
}

/// Binds `state.config.listen` and starts serving (the returned server must be awaited).
pub fn start(state: AppState, extra: Option<ExtraRoutes>) -> Result<Running, StartupError> {
    let addr = state.config.listen;
    let listener = TcpListener::bind(addr).map_err(|source| StartupError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    let bound = listener.local_addr().map_err(|source| StartupError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    let json_limit = state.config.json_limit;
    let origins = state.config.cors_origins.clone();
    let workers = state.config.workers;
    let secs = |s: u32| Duration::from_secs(u64::from(s));
    let body_timeout = BodyTimeout(secs(state.config.body_timeout_seconds));
    let header_timeout = secs(state.config.header_timeout_seconds);
    let keep_alive = secs(state.config.keep_alive_seconds);
    let metrics = state.config.metrics_token.is_some();
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(JsonLimit(json_limit))
            .app_data(web::PayloadConfig::new(json_limit))
            .app_data(body_timeout)
            .configure(routes::configure)
            .configure(|cfg| crate::metrics::configure(cfg, metrics))
            .configure(|cfg| {
                if let Some(f) = extra {
                    f(cfg)
                }
            })
            .default_service(web::to(routes::not_found))
            .wrap(from_fn(crate::extract::refuse_nul_in_url))
            .wrap(from_fn(body_deadline))
            .wrap(from_fn(crate::throttle::rate_limit_headers))
            .wrap(from_fn(crate::http_cache::conditional_get))
            .wrap(from_fn(crate::deprecation::headers))
            .wrap(Condition::new(!origins.is_empty(), cors(&origins)))
            .wrap(from_fn(request_context))
            // gzip or brotli as `Accept-Encoding` asks (with `Vary: Accept-Encoding`), outermost
            // so problems are compressed too and ETags stay those of the identity body.
            .wrap(Compress::default())
    });
    if let Some(n) = workers {
        server = server.workers(n);
    }
    // Slow clients: headers within JALIN_HEADER_TIMEOUT_SECONDS, the body within
    // JALIN_BODY_TIMEOUT_SECONDS (deadline.rs), idle connections closed after
    // JALIN_KEEP_ALIVE_SECONDS, and a closing connection's last bytes waited for one second.
    server = server
        .client_request_timeout(header_timeout)
        .keep_alive(keep_alive)
        .client_disconnect_timeout(Duration::from_secs(1));
    let server = server
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            addr: addr.to_string(),
            source,
        })?
        .run();
    Ok(Running {
        addr: bound,
        server,
    })
}
