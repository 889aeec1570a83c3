//! `JALIN_LOG_FORMAT=json` (issue #21 item 2): the real binary logs one JSON object per line;
//! each request's access record carries its request id, route template, method, status,
//! latency and the caller's id, and no line carries a password or a token.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

const PASSWORD: &str = "admin-password-for-log-test";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// The next line matching `found`, from the server's stderr.
fn wait_for(
    lines: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    found: impl Fn(&Value) -> bool,
) -> Value {
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no such line; so far:\n{}", seen.join("\n")));
        seen.push(line.clone());
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        if found(&v) {
            return v;
        }
    }
}

#[test]
fn json_logs_carry_request_id_route_status_latency_and_actor_but_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jalin"));
    for (k, _) in std::env::vars() {
        if k.starts_with("JALIN_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .args([
            "serve",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env("RUST_LOG", "info")
        .env("JALIN_LOG_FORMAT", "json")
        .env("JALIN_WORKERS", "1")
        .env("JALIN_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let serving = wait_for(&rx, &mut seen, |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("serving http://"))
    });
    let message = serving["message"].as_str().unwrap();
    let base = message
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();

    let agent = agent();
    let mut login = agent
        .post(format!("{base}/v1/auth/login"))
        .header("X-Request-Id", "log-test-login")
        .send_json(json!({"username": "admin", "password": PASSWORD}))
        .unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let token: Value = login.body_mut().read_json().unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let mut me = agent
        .get(format!("{base}/v1/me"))
        .header("Authorization", format!("Bearer {token}"))
        .header("X-Request-Id", "log-test-me")
        .call()
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    let me: Value = me.body_mut().read_json().unwrap();
    let region = agent
        .get(format!("{base}/v1/regions/33?secret_query=hidden"))
        .header("Authorization", format!("Bearer {token}"))
        .header("X-Request-Id", "log-test-region")
        .call()
        .unwrap();
    assert_eq!(region.status().as_u16(), 200);

    let access =
        |id: &'static str| move |v: &Value| v["target"] == "jalin::access" && v["request_id"] == id;
    let login_line = wait_for(&rx, &mut seen, access("log-test-login"));
    let me_line = wait_for(&rx, &mut seen, access("log-test-me"));
    let region_line = wait_for(&rx, &mut seen, access("log-test-region"));
    let _ = child.kill();
    let _ = child.wait();

    assert_eq!(login_line["method"], "POST");
    assert_eq!(login_line["route"], "/v1/auth/login");
    assert_eq!(login_line["status"], 200);
    assert!(
        login_line.get("actor_id").is_none(),
        "signing in is anonymous"
    );

    assert_eq!(me_line["level"], "INFO");
    assert_eq!(me_line["method"], "GET");
    assert_eq!(me_line["route"], "/v1/me");
    assert_eq!(me_line["status"], 200);
    assert!(
        me_line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{me_line}"
    );
    assert_eq!(me_line["actor_id"], me["id"], "the caller's id");
    assert!(me_line["time"].as_str().is_some_and(|t| t.ends_with('Z')));

    assert_eq!(
        region_line["route"], "/v1/regions/{code}",
        "the template, not the path"
    );
    assert_eq!(region_line["path"], "/v1/regions/33");

    for line in &seen {
        assert!(!line.contains(PASSWORD), "a password in the log: {line}");
        assert!(!line.contains(&token), "a token in the log: {line}");
        assert!(
            !line.contains("secret_query"),
            "a query string in the log: {line}"
        );
    }
}
