//! Operations (#21): start-up checks that stop with one line and create nothing (item 4), and
//! `jalin backup` / `jalin restore` through the binary (item 1; the backup under write load on
//! both databases is in the black-box suite, tests/tests/http/backup.rs).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// Runs `jalin serve` and returns its output once it exits; a server that starts instead of
/// stopping is killed and fails the test (the guard is generous, not a timing assertion).
fn serve_expecting_exit(mut cmd: Command) -> Output {
    let mut child = cmd
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the server started instead of refusing: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Exit code 2 and exactly one line on standard error, containing `needle`.
#[track_caller]
fn refused_in_one_line(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains(needle), "{needle}: {stderr}");
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

#[test]
fn a_configured_data_dir_that_does_not_exist_is_refused_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo/data");
    let mut cmd = jalin();
    cmd.env("JALIN_DATA_DIR", &missing);
    refused_in_one_line(&serve_expecting_exit(cmd), "JALIN_DATA_DIR");
    assert!(is_empty(dir.path()), "nothing is created");
}

#[test]
fn an_sqlite_path_whose_directory_does_not_exist_is_refused_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let url = format!("sqlite://{}/nonexistent/dir/x.db", dir.path().display());
    let mut cmd = jalin();
    cmd.env("JALIN_DATA_DIR", &data)
        .env("JALIN_DATABASE_URL", &url);
    refused_in_one_line(&serve_expecting_exit(cmd), "JALIN_DATABASE_URL");
    assert!(!dir.path().join("nonexistent").exists());
    assert!(is_empty(&data), "nothing is created");
}

#[test]
fn a_read_only_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // Read-only for whoever runs the server; root writes anywhere, so as root the server runs
    // as `nobody`, for whom the directory (owned by root, 0555) is read-only too.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
    let mut cmd = jalin();
    cmd.env("JALIN_DATA_DIR", &data);
    if std::fs::metadata("/proc/self").unwrap().uid() == 0 {
        use std::os::unix::process::CommandExt;
        cmd.uid(65534).gid(65534);
    }
    let out = serve_expecting_exit(cmd);
    refused_in_one_line(&out, "not writable");
    assert!(String::from_utf8_lossy(&out.stderr).contains("JALIN_DATA_DIR"));
    assert!(is_empty(&data));
}

#[test]
fn a_jwt_secret_that_is_too_short_is_refused_before_anything_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = jalin();
    cmd.env("JALIN_DATA_DIR", dir.path())
        .env("JALIN_JWT_SECRET", "too-short");
    refused_in_one_line(&serve_expecting_exit(cmd), "JALIN_JWT_SECRET");
    assert!(is_empty(dir.path()));
    // A stored secret that is too short: refused before the database is created.
    std::fs::write(dir.path().join("jwt-secret"), "short").unwrap();
    let mut cmd = jalin();
    cmd.env("JALIN_DATA_DIR", dir.path());
    refused_in_one_line(&serve_expecting_exit(cmd), "too short");
    assert!(!dir.path().join("jalin.db").exists());
}

#[test]
fn a_postgres_server_that_does_not_answer_stops_start_up_within_the_connect_timeout() {
    // Accepts connections (the kernel completes them) but never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = jalin();
    cmd.env("JALIN_DATA_DIR", dir.path()).env(
        "JALIN_DATABASE_URL",
        format!("postgres://nobody@127.0.0.1:{port}/none"),
    );
    let out = serve_expecting_exit(cmd);
    refused_in_one_line(&out, "cannot connect");
    assert!(is_empty(dir.path()), "nothing is created");
    drop(silent);
}

fn create_user(data: &Path, username: &str) {
    use std::io::Write;
    let mut child = jalin()
        .args(["users", "create", "--username", username])
        .args([
            "--role",
            "region_officer",
            "--region",
            "33.74",
            "--password-stdin",
        ])
        .arg("--data-dir")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "a long enough passphrase").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn restore(input: &Path, data: &Path) -> Output {
    jalin()
        .arg("restore")
        .arg("--input")
        .arg(input)
        .arg("--data-dir")
        .arg(data)
        .output()
        .unwrap()
}

#[test]
fn backup_and_restore_round_trip_and_refuse_what_does_not_hold() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    create_user(&data, "first.user");
    create_user(&data, "second.user");
    let secret = "s".repeat(64);
    std::fs::write(data.join("jwt-secret"), &secret).unwrap();
    std::fs::create_dir_all(data.join("documents/ab")).unwrap();
    std::fs::write(data.join("documents/ab/cdef"), b"%PDF-1.7 a document").unwrap();

    let backup = dir.path().join("backup");
    let out = jalin()
        .arg("backup")
        .arg("--data-dir")
        .arg(&data)
        .arg("--output")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("sqlite database at schema"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["backend"], "sqlite");
    assert_eq!(manifest["jalin_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["jwt_secret"], "included");
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["documents/ab/cdef", "jalin.db", "jwt-secret"]);
    for f in manifest["files"].as_array().unwrap() {
        assert_eq!(f["sha256"].as_str().unwrap().len(), 64);
    }
    let mode = std::fs::metadata(backup.join("jwt-secret")).unwrap().mode() & 0o777;
    assert_eq!(mode, 0o600, "the secret stays private in the backup");
    // The same output again: refused, nothing overwritten.
    let again = jalin()
        .arg("backup")
        .arg("--data-dir")
        .arg(&data)
        .arg("--output")
        .arg(&backup)
        .output()
        .unwrap();
    refused_in_one_line(&again, "not empty");

    // A damaged backup: refused, nothing written.
    let damaged = dir.path().join("damaged");
    copy_dir(&backup, &damaged);
    std::fs::write(damaged.join("documents/ab/cdef"), b"%PDF-1.7 another one").unwrap();
    let target = dir.path().join("target");
    refused_in_one_line(&restore(&damaged, &target), "does not match the manifest");
    assert!(!target.exists());

    // A backup of a newer schema than this binary knows: refused.
    let newer = dir.path().join("newer");
    copy_dir(&backup, &newer);
    let mut m = manifest.clone();
    m["schema_version"] = "99991231235959".into();
    std::fs::write(newer.join("manifest.json"), m.to_string()).unwrap();
    refused_in_one_line(&restore(&newer, &target), "newer than this jalin knows");
    assert!(!target.exists());

    // A data dir that is not empty: refused.
    refused_in_one_line(&restore(&backup, &data), "not empty");

    // Into a fresh directory: everything back, the audit chain intact.
    let out = restore(&backup, &target);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(target.join("jwt-secret")).unwrap(),
        secret
    );
    assert_eq!(
        std::fs::read(target.join("documents/ab/cdef")).unwrap(),
        b"%PDF-1.7 a document"
    );
    let verify = jalin()
        .args(["audit", "verify", "--data-dir"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("intact: 2 event(s)"),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[test]
fn a_postgres_backup_without_pg_dump_explains_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    // Without pg_dump on PATH the backup stops before it connects to anything.
    let out = jalin()
        .arg("backup")
        .arg("--database-url")
        .arg("postgres://nobody@127.0.0.1:1/none")
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--output")
        .arg(dir.path().join("backup"))
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    refused_in_one_line(&out, "pg_dump");
}
