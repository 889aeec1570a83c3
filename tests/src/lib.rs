//! Black-box test harness: starts the real jalin server (same start-up path as `jalin serve`)
//! on a free port with a fresh database, and talks to it over HTTP.
//!
//! SQLite tests always run. PostgreSQL tests run when `JALIN_TEST_POSTGRES_URL` is set, each in
//! a database of its own created for the test and dropped after it; with `CI=true` a missing or
//! unreachable PostgreSQL fails the test instead of skipping it.

use std::collections::HashMap;
use std::sync::Once;
use std::time::Duration;

use jalin_api::Config;
use serde_json::Value;

pub mod office;
pub mod routes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    pub db: Db,
    /// The app's own database, for tests that look behind the API.
    pub database_url: jalin_persistence::DatabaseUrl,
    agent: ureq::Agent,
    /// The bootstrap admin's token, sent by default.
    pub admin_token: String,
    state: jalin_api::AppState,
    handle: actix_web::dev::ServerHandle,
    /// Shared with the servers [`TestApp::on_day`] starts on the same database.
    _data_dir: std::sync::Arc<tempfile::TempDir>,
    /// The configuration it was started with.
    vars: HashMap<String, String>,
    /// The PostgreSQL database this app created and drops.
    pg: Option<(String, String)>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
    bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// The body as bytes (for binary content).
    pub fn body_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Asserts an RFC 9457 problem with this status and code, and returns its body.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "status; body: {}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "content type; body: {}",
            self.body
        );
        let p = self.json();
        assert_eq!(p["code"], code, "code; body: {}", self.body);
        assert_eq!(p["status"], status);
        assert_eq!(p["type"], format!("urn:jalin:problem:{code}"));
        for field in ["title", "detail", "request_id", "instance"] {
            assert!(p[field].is_string(), "problem lacks {field}: {}", self.body);
        }
        assert_eq!(
            Some(p["request_id"].as_str().unwrap_or_default()),
            self.header("x-request-id")
        );
        p
    }
}

/// A request being built.
pub struct Req<'a> {
    app: &'a TestApp,
    token: Option<String>,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req<'_> {
    /// Sends no `Authorization` header.
    pub fn anonymous(mut self) -> Self {
        self.token = None;
        self
    }

    /// Sends this bearer token instead of the admin's.
    pub fn bearer(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn json(self, v: &Value) -> Self {
        self.body("application/json", v.to_string().into_bytes())
    }

    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.headers
            .push(("content-type".into(), content_type.into()));
        self.body = body;
        self
    }

    pub fn send(self) -> Resp {
        let mut b = ureq::http::Request::builder()
            .method(self.method.as_str())
            .uri(format!("{}{}", self.app.base, self.path));
        if let Some(t) = &self.token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in &self.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let request = b.body(self.body).expect("request");
        let mut res = self
            .app
            .agent
            .run(request)
            .unwrap_or_else(|e| panic!("{} {}: {e}", self.method, self.path));
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let status = res.status().as_u16();
        let bytes = res
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Resp {
            status,
            headers,
            body,
            bytes,
        }
    }
}

static LOGGING: Once = Once::new();

/// The bootstrap admin's password in tests.
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
/// The password of users created with [`TestApp::user`].
pub const USER_PASSWORD: &str = "user-password-for-tests";
/// The signing secret in tests, so tests can forge tokens with a wrong one.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// `JALIN_TEST_POSTGRES_URL`, or `None` (with a visible note) when PostgreSQL tests are skipped.
pub fn postgres_url() -> Option<String> {
    match std::env::var("JALIN_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(url) => Some(url),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but JALIN_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite must run in CI")
        }
        None => {
            eprintln!("SKIPPED on PostgreSQL: set JALIN_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test to run it");
            None
        }
    }
}

impl TestApp {
    pub fn spawn(db: Db) -> Option<TestApp> {
        Self::spawn_with(db, &[])
    }

    /// Starts a server on `db` with extra configuration variables.
    pub fn spawn_with(db: Db, env: &[(&str, &str)]) -> Option<TestApp> {
        LOGGING.call_once(|| {
            if std::env::var("RUST_LOG").is_ok() {
                jalin_api::context::init_logging();
            }
        });
        let mut vars: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vars.insert("JALIN_LISTEN".into(), "127.0.0.1:0".into());
        vars.entry("JALIN_WORKERS".into())
            .or_insert_with(|| "2".into());
        vars.entry("JALIN_DB_POOL_SIZE".into())
            .or_insert_with(|| "4".into());
        vars.entry("JALIN_BOOTSTRAP_ADMIN_PASSWORD".into())
            .or_insert_with(|| ADMIN_PASSWORD.into());
        vars.entry("JALIN_JWT_SECRET".into())
            .or_insert_with(|| TEST_JWT_SECRET.into());
        // Test receivers listen on 127.0.0.1; the SSRF tests (hostile_input) set it to false.
        vars.entry("JALIN_WEBHOOK_ALLOW_PRIVATE".into())
            .or_insert_with(|| "true".into());
        // Every server gets its own data dir (documents, the JWT secret, SQLite's file), on
        // PostgreSQL too: nothing a test writes lands in the checkout.
        let data_dir = tempfile::tempdir().expect("temp dir");
        vars.entry("JALIN_DATA_DIR".into())
            .or_insert_with(|| data_dir.path().display().to_string());
        let pg = match db {
            Db::Sqlite => None,
            Db::Postgres => {
                let admin = postgres_url()?;
                let name = format!("jalin_t_{}", uuid::Uuid::now_v7().simple());
                let url = jalin_persistence::admin::create_postgres_database(&admin, &name)
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL at JALIN_TEST_POSTGRES_URL is unusable: {e}")
                    });
                vars.insert("JALIN_DATABASE_URL".into(), url);
                Some((admin, name))
            }
        };
        let mut app = Self::start(db, vars, std::sync::Arc::new(data_dir), pg);
        if app
            .vars
            .get("JALIN_BOOTSTRAP_ADMIN_PASSWORD")
            .map(String::as_str)
            == Some(ADMIN_PASSWORD)
        {
            app.admin_token = app.login("admin", ADMIN_PASSWORD);
        }
        Some(app)
    }

    /// A second server on this app's database, on a training instance whose clock says `day`
    /// (`YYYY-MM-DD`, WIB): time passes between what a test arranges and what it checks,
    /// without rewriting rows. Tokens stay valid (same signing secret); the admin's is reused.
    pub fn on_day(&self, day: &str) -> TestApp {
        let mut vars = self.vars.clone();
        vars.insert("JALIN_INSTANCE".into(), "training".into());
        vars.insert("JALIN_TEST_TODAY".into(), day.into());
        vars.insert("JALIN_DATABASE_URL".into(), self.database_url_string());
        let mut app = Self::start(self.db, vars, self._data_dir.clone(), None);
        app.admin_token = self.admin_token.clone();
        app
    }

    /// Another server on this app's database and data dir, with the same configuration: what
    /// one server counts or revokes, the other sees.
    pub fn sibling(&self) -> TestApp {
        let mut vars = self.vars.clone();
        vars.insert("JALIN_DATABASE_URL".into(), self.database_url_string());
        let mut app = Self::start(self.db, vars, self._data_dir.clone(), None);
        app.admin_token = self.admin_token.clone();
        app
    }

    fn database_url_string(&self) -> String {
        match &self.database_url {
            jalin_persistence::DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            jalin_persistence::DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    fn start(
        db: Db,
        vars: HashMap<String, String>,
        data_dir: std::sync::Arc<tempfile::TempDir>,
        pg: Option<(String, String)>,
    ) -> TestApp {
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test configuration");
        let database_url = config.database_url.clone();
        let state = jalin_api::startup::prepare(config).expect("server prepares");
        let running = jalin_api::startup::start(state.clone(), Some(routes::configure))
            .expect("server starts");
        let handle = running.server.handle();
        let server = running.server;
        std::thread::spawn(move || {
            let _ = actix_web::rt::System::new().block_on(server);
        });
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        TestApp {
            base: format!("http://{}", running.addr),
            db,
            database_url,
            agent,
            admin_token: String::new(),
            state,
            handle,
            _data_dir: data_dir,
            vars,
            pg,
        }
    }

    /// The server's state, for tests that drive the library directly (demo data, import).
    pub fn state(&self) -> jalin_api::AppState {
        self.state.clone()
    }

    /// A pool on the app's database.
    pub fn pool(&self) -> jalin_persistence::Pool {
        jalin_persistence::Pool::open(&self.database_url, &Default::default()).expect("pool")
    }

    /// Signs in and returns the access token.
    #[track_caller]
    pub fn login(&self, username: &str, password: &str) -> String {
        let r = self
            .req("POST", "/v1/auth/login")
            .anonymous()
            .json(&serde_json::json!({"username": username, "password": password}))
            .send();
        assert_eq!(r.status, 200, "login {username}: {}", r.body);
        r.json()["access_token"].as_str().expect("token").to_owned()
    }

    /// Creates a user (as admin) and returns its id and a token for it.
    #[track_caller]
    pub fn user(&self, username: &str, role: &str, region: Option<&str>) -> (String, String) {
        let r = self
            .req("POST", "/v1/users")
            .json(&serde_json::json!({
                "username": username, "display_name": username, "password": USER_PASSWORD,
                "role": role, "region_code": region
            }))
            .send();
        assert_eq!(r.status, 201, "create {username}: {}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        (id, self.login(username, USER_PASSWORD))
    }

    pub fn req(&self, method: &str, path: &str) -> Req<'_> {
        Req {
            app: self,
            token: (!self.admin_token.is_empty()).then(|| self.admin_token.clone()),
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.req("GET", path).send()
    }

    /// GETs `path` and asserts 200 JSON.
    #[track_caller]
    pub fn get_ok(&self, path: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        assert_eq!(r.header("content-type"), Some("application/json"));
        r.json()
    }

    /// Follows `next_cursor` through every page of a list and returns all items.
    #[track_caller]
    pub fn get_all(&self, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let url = match &cursor {
                Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
                None => format!("{path}{sep}limit=100"),
            };
            let page = self.get_ok(&url);
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
        panic!("pagination of {path} does not end");
    }

    /// R23: records the legacy agreement `body` (`POST /v1/agreements`). One signed under
    /// PP 28/2018 (on or after 13 July 2018) enters `pending_verification` with its three
    /// approval letters ([`approval_letters`]) and is verified at once (as admin), so it stands
    /// active or expired by its end date. Asserts each step succeeds; returns the last response
    /// (the creation's 201 or the verification's 200), with the agreement and its ETag.
    #[track_caller]
    pub fn record_legacy(&self, body: &Value) -> Resp {
        let signed = body["signed_on"].as_str().map(str::to_owned);
        let Some(signed) = signed.filter(|s| s.as_str() >= "2018-07-13") else {
            let r = self.req("POST", "/v1/agreements").json(body).send();
            assert_eq!(r.status, 201, "{}", r.body);
            return r;
        };
        let mut body = body.clone();
        body["status"] = serde_json::json!("pending_verification");
        body["approval_letters"] = approval_letters(&signed);
        let r = self.req("POST", "/v1/agreements").json(&body).send();
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["status"], "pending_verification");
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let v = self
            .req("POST", &format!("/v1/agreements/{id}/verification"))
            .header("If-Match", r.header("etag").unwrap())
            .json(&serde_json::json!({"outcome": "verified"}))
            .send();
        assert_eq!(v.status, 200, "{}", v.body);
        v
    }
}

/// R23: the DPRD approval, Kemendagri consideration and Kemlu confirmation letters of an
/// agreement signed on `signed_on` outside the system, all dated that day.
pub fn approval_letters(signed_on: &str) -> Value {
    serde_json::json!({
        "dprd_approval": {"number": "170/45/DPRD", "date": signed_on},
        "kemendagri_consideration": {"number": "120/880/PFK", "date": signed_on},
        "kemlu_confirmation": {"number": "1234/KS/2025", "date": signed_on},
    })
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
        if let Some((admin, name)) = self.pg.take() {
            std::thread::sleep(Duration::from_millis(50));
            if let Err(e) = jalin_persistence::admin::drop_postgres_database(&admin, &name) {
                eprintln!("could not drop test database {name}: {e}");
            }
        }
    }
}

/// Declares tests that run once on SQLite and once on PostgreSQL:
///
/// ```ignore
/// on_both_databases! {
///     /// R22: the 2024 annual report is due on 2025-01-10.
///     fn annual_report_due(app) { ... }
///     fn with_config(app) with [("JALIN_JSON_LIMIT", "1024")] { ... }
/// }
/// ```
#[macro_export]
macro_rules! on_both_databases {
    () => {};
    ($(#[$meta:meta])* fn $name:ident($app:ident) with $env:tt $body:block $($rest:tt)*) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($app: &$crate::TestApp) $body
            #[test]
            fn sqlite() {
                let app = $crate::TestApp::spawn_with($crate::Db::Sqlite, &$env).expect("SQLite app");
                run(&app);
            }
            #[test]
            fn postgres() {
                if let Some(app) = $crate::TestApp::spawn_with($crate::Db::Postgres, &$env) {
                    run(&app);
                }
            }
        }
        $crate::on_both_databases! { $($rest)* }
    };
    ($(#[$meta:meta])* fn $name:ident($app:ident) $body:block $($rest:tt)*) => {
        $crate::on_both_databases! { $(#[$meta])* fn $name($app) with [] $body $($rest)* }
    };
}
