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
    let out = jalin()
        .args([
            "migrate",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
}

#[test]
fn migrate_creates_the_sqlite_database_and_is_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    for _ in 0..2 {
        let out = jalin()
            .args(["migrate", "--data-dir", data.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
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
