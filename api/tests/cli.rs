//! The `jalin` binary: configuration errors, migrations, the contract.

use std::process::Command;

fn jalin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jalin"));
    for (k, _) in std::env::vars() {
        if k.starts_with("JALIN_") {
            c.env_remove(k);
        }
    }
    c.env("RUST_LOG", "warn");
    c
}

/// Runs `jalin` with `args` to its end.
fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    jalin().args(args).output().unwrap()
}

/// Runs `jalin` with `args`, asserts it succeeded (showing its stderr otherwise) and returns
/// what it printed.
#[track_caller]
fn succeeds<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_bad_configuration_value_stops_start_up_with_one_line_naming_it() {
    for (var, value) in [
        ("JALIN_LISTEN", "not-an-address"),
        ("JALIN_DATABASE_URL", "mysql://localhost/jalin"),
        ("JALIN_CORS_ORIGINS", "no-scheme.example"),
        ("JALIN_JSON_LIMIT", "lots"),
    ] {
        let out = jalin().args(["serve"]).env(var, value).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains(var), "{stderr}");
    }
}

#[test]
fn an_unreachable_postgres_stops_start_up() {
    let out = run(&[
        "migrate",
        "--database-url",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
}

#[test]
fn migrate_creates_the_sqlite_database_and_is_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    // A configured data dir must exist (only the default ./data is created: start-up checks).
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for _ in 0..2 {
        succeeds(&["migrate", "--data-dir", data.to_str().unwrap()]);
    }
    assert!(data.join("jalin.db").exists());
}

#[test]
fn openapi_prints_the_committed_contract() {
    let out = jalin().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let committed: serde_json::Value = serde_json::from_str(jalin_openapi::COMMITTED).unwrap();
    assert!(
        printed == committed,
        "run `make openapi` and commit openapi/openapi.json"
    );
}

fn sqlite_dir() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    (dir, data)
}

fn create_user(data: &str, username: &str, password: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = jalin()
        .args([
            "users",
            "create",
            "--data-dir",
            data,
            "--username",
            username,
            "--role",
            "region_officer",
            "--region",
            "33.74",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn users_create_reads_the_password_from_stdin_and_audits_it() {
    let (_dir, data) = sqlite_dir();
    let out = create_user(&data, "operator.semarang", "a long enough passphrase");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user operator.semarang"));
    // The same name again is refused; a short password too.
    assert_eq!(
        create_user(&data, "operator.semarang", "a long enough passphrase")
            .status
            .code(),
        Some(2)
    );
    let short = create_user(&data, "another", "short");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("/password"));

    let verified = succeeds(&["audit", "verify", "--data-dir", &data]);
    assert!(verified.contains("intact: 1 event"), "{verified}");
}

#[test]
fn audit_verify_fails_at_a_tampered_event() {
    use diesel::RunQueryDsl;
    let (_dir, data) = sqlite_dir();
    for name in ["first.user", "second.user", "third.user"] {
        assert!(create_user(&data, name, "a long enough passphrase")
            .status
            .success());
    }
    let url = jalin_persistence::DatabaseUrl::Sqlite(std::path::Path::new(&data).join("jalin.db"));
    let pool = jalin_persistence::Pool::open(&url, &Default::default()).unwrap();
    diesel::sql_query("UPDATE audit_events SET actor_name = 'someone else' WHERE seq = 2")
        .execute(&mut pool.get().unwrap())
        .unwrap();
    let verify = run(&["audit", "verify", "--data-dir", &data]);
    assert_eq!(verify.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&verify.stdout);
    assert!(stdout.contains("BROKEN at seq 2"), "{stdout}");
}

#[test]
fn service_accounts_create_prints_the_secret_once() {
    let (_dir, data) = sqlite_dir();
    let create = |name: &str, scopes: &str| {
        let args = ["service-accounts", "create", "--data-dir", &data];
        let args = [&args[..], &["--name", name, "--scopes", scopes]].concat();
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let stdout = succeeds(&create("SIOLA", "reference:read"));
    assert!(stdout.contains("client_id=sa_"));
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("client_secret="))
        .unwrap();
    assert_eq!(secret.len(), 64);
    let bad = run(&create("x", "everything"));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_generated_jwt_secret_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, data) = sqlite_dir();
    // `serve` would block; the secret is made by start-up, which `users create` does not run,
    // so start the server briefly on a free port.
    let mut child = jalin()
        .args(["serve", "--data-dir", &data, "--listen", "127.0.0.1:0"])
        .spawn()
        .unwrap();
    let path = std::path::Path::new(&data).join("jwt-secret");
    for _ in 0..100 {
        if path.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::read_to_string(&path).unwrap().trim().len() >= 64);
}

#[test]
fn demo_loads_once_and_prints_how_to_sign_in() {
    let (_dir, data) = sqlite_dir();
    let out = succeeds(&["demo", "--data-dir", &data]);
    assert!(
        out.contains("demo data loaded: 9 users, 5 partners, 8 agreements"),
        "{out}"
    );
    assert!(out.contains("demo.jateng") && out.contains("jalin-demo-2026"));
    assert!(succeeds(&["demo", "--data-dir", &data]).contains("already loaded"));
}

#[test]
fn import_agreements_applies_a_file_all_or_nothing() {
    let (dir, data) = sqlite_dir();
    succeeds(&["demo", "--data-dir", &data]);
    let header = "region_code,subtype,instrument,partner_name,partner_country,title_id,objects,languages,legacy,status,signed_on\n";
    let good = format!("{header}33,sister_province,mou,State of Queensland,AU,Kerja sama contoh,cultural_exchange,id;en,false,,\n");
    let good_file = dir.path().join("good.csv");
    std::fs::write(&good_file, good).unwrap();
    let bad = format!("{header}33.74,sister_city,mou,Atlantis,AU,x,cultural_exchange,id;en,false,,\n33,sister_province,mou,State of Queensland,AU,x,cultural_exchange,id,false,,\n");
    let bad_file = dir.path().join("bad.csv");
    std::fs::write(&bad_file, bad).unwrap();

    let import = |file: &std::path::Path| {
        let file = file.to_str().unwrap();
        ["import", "agreements", "--data-dir", &data, file].map(String::from)
    };
    let out = run(&import(&bad_file));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing imported: 2 problem(s)"), "{err}");
    assert!(
        err.contains("line 2 column partner_name") && err.contains("line 3 column languages"),
        "{err}"
    );

    let out = succeeds(&import(&good_file));
    assert!(out.contains("imported 1 agreement(s): KSLN-33-"), "{out}");
}

#[test]
fn jobs_run_once_and_report() {
    let (_dir, data) = sqlite_dir();
    let out = succeeds(&["jobs", "run", "--data-dir", &data]);
    assert!(out.contains("jobs done: 0 agreement(s) expired"), "{out}");
}
