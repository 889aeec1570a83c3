//! Sessions (issue #18, items 2, 3 and 6): tokens that can be revoked, sign-in throttling that
//! cannot lock the real user out and holds across servers, and slow clients cut off.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use jalin_tests::{
    on_both_databases, Resp, TestApp, ADMIN_PASSWORD, TEST_JWT_SECRET, USER_PASSWORD,
};
use serde_json::{json, Value};

fn me(app: &TestApp, token: &str) -> Resp {
    app.req("GET", "/v1/me").bearer(token).send()
}

/// `PATCH path` with `body`, under the record's current ETag; asserts 200.
#[track_caller]
fn patch(app: &TestApp, path: &str, body: &Value) -> Value {
    let etag = app.get(path).header("etag").unwrap().to_owned();
    let r = app
        .req("PATCH", path)
        .header("If-Match", &etag)
        .json(body)
        .send();
    assert_eq!(r.status, 200, "PATCH {path}: {}", r.body);
    r.json()
}

/// A sign-in of `username` from client address `from` (sent as `X-Forwarded-For`).
fn login_from(app: &TestApp, from: &str, username: &str, password: &str) -> Resp {
    app.req("POST", "/v1/auth/login")
        .anonymous()
        .header("X-Forwarded-For", from)
        .json(&json!({"username": username, "password": password}))
        .send()
}

fn login(app: &TestApp, username: &str, password: &str) -> Resp {
    app.req("POST", "/v1/auth/login")
        .anonymous()
        .json(&json!({"username": username, "password": password}))
        .send()
}

fn retry_after(r: &Resp) -> u64 {
    r.problem(429, "rate_limited");
    r.header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds")
}

fn forge(claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

/// The claims of a token `login` issued, decoded.
fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A service account with `scopes` and a token for it: (id, token, client id, secret).
fn service_account(app: &TestApp, scopes: &[&str]) -> (String, String, String, String) {
    let r = app
        .req("POST", "/v1/service-accounts")
        .json(&json!({"name": "SIOLA", "scopes": scopes}))
        .send();
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.json();
    let (client_id, secret) = (
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
    );
    let t = app.req("POST", "/v1/auth/token").anonymous()
        .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})).send();
    assert_eq!(t.status, 200, "{}", t.body);
    let token = t.json()["access_token"].as_str().unwrap().to_owned();
    (
        c["id"].as_str().unwrap().to_owned(),
        token,
        client_id.to_owned(),
        secret.to_owned(),
    )
}

/// Sends `head` and `body` on a raw connection and reads what comes back until the server
/// closes it or `wait` passes: (what was read, whether the server closed it).
fn raw(app: &TestApp, head: &str, body: &[u8], wait: Duration) -> (String, bool) {
    let mut s = TcpStream::connect(app.base.trim_start_matches("http://")).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    read_until_closed(&mut s, wait)
}

fn read_until_closed(s: &mut TcpStream, wait: Duration) -> (String, bool) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < wait {
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        match s.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

on_both_databases! {
    /// Issue #18 item 2: a password reset makes the tokens issued before it invalid; a new
    /// sign-in with the new password works.
    fn a_password_reset_revokes_earlier_tokens(app) {
        let (id, token) = app.user("rina", "viewer", Some("33"));
        assert_eq!(me(app, &token).status, 200);
        patch(app, &format!("/v1/users/{id}"), &json!({"password": "a brand new passphrase"}));
        me(app, &token).problem(401, "invalid_token");
        let fresh = app.login("rina", "a brand new passphrase");
        assert_eq!(me(app, &fresh).status, 200);
    }

    /// A role change and a region change each revoke earlier tokens; a display name does not.
    fn a_role_or_region_change_revokes_earlier_tokens_a_name_change_does_not(app) {
        let (id, token) = app.user("dewi", "viewer", Some("33"));
        let path = format!("/v1/users/{id}");
        patch(app, &path, &json!({"display_name": "Dewi Lestari"}));
        assert_eq!(me(app, &token).status, 200, "a display name is no credential");

        patch(app, &path, &json!({"role": "evaluator"}));
        me(app, &token).problem(401, "invalid_token");

        let token = app.login("dewi", USER_PASSWORD);
        assert_eq!(me(app, &token).status, 200);
        patch(app, &path, &json!({"region_code": "33.01"}));
        me(app, &token).problem(401, "invalid_token");
        assert_eq!(me(app, &app.login("dewi", USER_PASSWORD)).json()["region_code"], "33.01");
    }

    /// Disabling and re-enabling a user leaves the tokens of before the disabling dead.
    fn disabling_and_reenabling_a_user_revokes_earlier_tokens(app) {
        let (id, token) = app.user("budi", "viewer", Some("33"));
        let path = format!("/v1/users/{id}");
        patch(app, &path, &json!({"active": false}));
        patch(app, &path, &json!({"active": true}));
        me(app, &token).problem(401, "invalid_token");
        assert_eq!(me(app, &app.login("budi", USER_PASSWORD)).status, 200);
    }

    /// The same for a service account.
    fn disabling_and_reenabling_a_service_account_revokes_earlier_tokens(app) {
        let (id, token, client_id, secret) = service_account(app, &["reference:read"]);
        assert_eq!(app.req("GET", "/v1/countries/AU").bearer(&token).send().status, 200);
        let path = format!("/v1/service-accounts/{id}");
        patch(app, &path, &json!({"active": false}));
        patch(app, &path, &json!({"active": true}));
        app.req("GET", "/v1/countries/AU").bearer(&token).send().problem(401, "invalid_token");
        let t = app.req("POST", "/v1/auth/token").anonymous()
            .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})).send();
        let fresh = t.json()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.req("GET", "/v1/countries/AU").bearer(&fresh).send().status, 200);
    }

    /// A revocation through one server holds on another sharing the database (within
    /// JALIN_ACCOUNT_CACHE_SECONDS; 0 here).
    fn a_revocation_holds_on_every_server(app) with [("JALIN_ACCOUNT_CACHE_SECONDS", "0")] {
        let other = app.sibling();
        let (id, token) = app.user("eko", "viewer", Some("33"));
        assert_eq!(me(&other, &token).status, 200);
        patch(app, &format!("/v1/users/{id}"), &json!({"password": "a brand new passphrase"}));
        me(&other, &token).problem(401, "invalid_token");
    }

    /// A token's lifetime is capped at issue (JALIN_JWT_TTL_MINUTES); one claiming longer, or
    /// issued or valid only in the future, is refused although correctly signed.
    fn tokens_beyond_the_lifetime_cap_or_from_the_future_are_refused(app) {
        let good = claims_of(&app.admin_token);
        assert!(good["cv"].is_i64(), "the token carries the credentials version: {good}");
        let now = chrono::Utc::now().timestamp();
        let with = |k: &str, v: i64| {
            let mut c = good.clone();
            c["iat"] = json!(now);
            c["exp"] = json!(now + 600);
            c[k] = json!(v);
            forge(&c)
        };
        assert_eq!(me(app, &with("exp", now + 600)).status, 200, "the control verifies");
        me(app, &with("exp", now + 86_400)).problem(401, "invalid_token");
        me(app, &with("iat", now + 600)).problem(401, "invalid_token");
        me(app, &with("nbf", now + 600)).problem(401, "invalid_token");
        let mut no_iat = good.clone();
        no_iat.as_object_mut().unwrap().remove("iat");
        me(app, &forge(&no_iat)).problem(401, "invalid_token");
        let mut old_version = good.clone();
        old_version["cv"] = json!(good["cv"].as_i64().unwrap() - 1);
        me(app, &forge(&old_version)).problem(401, "invalid_token");
    }
}

on_both_databases! {
    /// Issue #18 item 3: an attacker hammering `admin` from one address does not keep the
    /// administrator, signing in from their usual address, out.
    fn the_right_password_from_another_address_works_while_one_address_hammers(app)
        with [("JALIN_TRUSTED_PROXIES", "127.0.0.1"), ("JALIN_LOGIN_MAX_FAILURES", "3")] {
        for _ in 0..3 {
            login_from(app, "203.0.113.9", "admin", "guess guess guess").problem(401, "invalid_credentials");
        }
        // The attacker's address waits, even with the right password…
        let r = login_from(app, "203.0.113.9", "admin", ADMIN_PASSWORD);
        assert!(retry_after(&r) >= 1);
        // …the administrator's does not.
        let r = login_from(app, "198.51.100.7", "admin", ADMIN_PASSWORD);
        assert_eq!(r.status, 200, "{}", r.body);
    }

    /// Past the limit a (username, address) waits, longer with each further failure, instead of
    /// being locked for the whole window.
    fn failed_sign_ins_wait_growing_delays(app) with [("JALIN_LOGIN_MAX_FAILURES", "2")] {
        login(app, "admin", "guess guess guess").problem(401, "invalid_credentials");
        login(app, "admin", "guess guess guess").problem(401, "invalid_credentials");
        let first = retry_after(&login(app, "admin", "guess guess guess"));
        assert_eq!(first, 1, "the first delay is short");
        std::thread::sleep(Duration::from_millis(1100));
        login(app, "admin", "guess guess guess").problem(401, "invalid_credentials");
        let second = retry_after(&login(app, "admin", "guess guess guess"));
        assert!(second > first, "the delay grows: {first} then {second}");
        // The right password after the wait resets the pair.
        std::thread::sleep(Duration::from_millis(1000 * second + 100));
        assert_eq!(login(app, "admin", ADMIN_PASSWORD).status, 200);
        login(app, "admin", "guess guess guess").problem(401, "invalid_credentials");
    }

    /// Many usernames from one address: the address waits (4 × JALIN_LOGIN_MAX_FAILURES).
    fn one_address_spraying_many_usernames_is_throttled(app)
        with [("JALIN_TRUSTED_PROXIES", "127.0.0.1"), ("JALIN_LOGIN_MAX_FAILURES", "2")] {
        for i in 0..8 {
            login_from(app, "203.0.113.9", &format!("spray{i}"), "guess guess guess").problem(401, "invalid_credentials");
        }
        login_from(app, "203.0.113.9", "fresh-name", "guess guess guess").problem(429, "rate_limited");
        login_from(app, "198.51.100.7", "fresh-name", "guess guess guess").problem(401, "invalid_credentials");
    }

    /// `X-Forwarded-For` from a peer not in JALIN_TRUSTED_PROXIES is ignored: made-up addresses
    /// do not escape the limits.
    fn forwarded_for_from_an_untrusted_peer_is_ignored(app) with [("JALIN_LOGIN_MAX_FAILURES", "2")] {
        for i in 0..8 {
            let r = login_from(app, &format!("203.0.113.{i}"), &format!("spray{i}"), "guess guess guess");
            r.problem(401, "invalid_credentials");
        }
        login_from(app, "198.51.100.7", "fresh-name", "guess guess guess").problem(429, "rate_limited");
    }

    /// Two servers on one database enforce the limits of one: failures counted on either
    /// server add up.
    fn two_servers_share_the_sign_in_limits(app) with [("JALIN_LOGIN_MAX_FAILURES", "4")] {
        let other = app.sibling();
        for i in 0..4 {
            let server = if i % 2 == 0 { app } else { &other };
            login(server, "admin", "guess guess guess").problem(401, "invalid_credentials");
        }
        retry_after(&login(app, "admin", "guess guess guess"));
        retry_after(&login(&other, "admin", "guess guess guess"));
    }

    /// The public feed's per-address limit is shared between servers too.
    fn two_servers_share_the_public_feed_limit(app) with [("JALIN_PUBLIC_RATE_PER_MINUTE", "4")] {
        let other = app.sibling();
        for i in 0..4 {
            let server = if i % 2 == 0 { app } else { &other };
            assert_eq!(server.req("GET", "/v1/public/agreements").anonymous().send().status, 200);
        }
        let r = other.req("GET", "/v1/public/agreements").anonymous().send();
        assert!(retry_after(&r) <= 60);
        app.req("GET", "/v1/public/agreements").anonymous().send().problem(429, "rate_limited");
    }

    /// A trusted proxy's clients are counted apart on the public feed.
    fn the_public_feed_counts_a_trusted_proxys_clients_apart(app)
        with [("JALIN_PUBLIC_RATE_PER_MINUTE", "2"), ("JALIN_TRUSTED_PROXIES", "127.0.0.0/8")] {
        let get = |from: &str| app.req("GET", "/v1/public/agreements").anonymous().header("X-Forwarded-For", from).send();
        for _ in 0..2 {
            assert_eq!(get("203.0.113.9").status, 200);
        }
        get("203.0.113.9").problem(429, "rate_limited");
        assert_eq!(get("198.51.100.7").status, 200);
        // The rightmost address a trusted proxy did not add is the client's.
        get("198.51.100.7, 203.0.113.9").problem(429, "rate_limited");
    }
}

on_both_databases! {
    /// Issue #18 item 6: a request whose body never completes is answered 408 and its
    /// connection closed after JALIN_BODY_TIMEOUT_SECONDS.
    fn a_body_that_never_completes_is_cut_off(app) with [("JALIN_BODY_TIMEOUT_SECONDS", "1")] {
        let head = "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
        let start = Instant::now();
        let (got, closed) = raw(app, head, b"{\"username\":", Duration::from_secs(8));
        assert!(got.starts_with("HTTP/1.1 408"), "answered 408: {got:?}");
        assert!(got.contains("application/problem+json"), "{got}");
        assert!(closed, "the connection is closed");
        assert!(start.elapsed() < Duration::from_secs(5), "after about a second: {:?}", start.elapsed());
        // A complete body is unaffected.
        assert_eq!(login(app, "admin", ADMIN_PASSWORD).status, 200);
    }

    /// An idle kept-alive connection is closed after JALIN_KEEP_ALIVE_SECONDS.
    fn an_idle_keep_alive_connection_is_closed(app) with [("JALIN_KEEP_ALIVE_SECONDS", "1")] {
        let head = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut s = TcpStream::connect(app.base.trim_start_matches("http://")).unwrap();
        s.write_all(head.as_bytes()).unwrap();
        let start = Instant::now();
        let (got, closed) = read_until_closed(&mut s, Duration::from_secs(4));
        assert!(got.starts_with("HTTP/1.1 200"), "{got:?}");
        assert!(closed, "an idle connection is closed");
        assert!(start.elapsed() < Duration::from_secs(3));
    }

    /// The new settings show in GET /v1/settings with their defaults.
    fn the_session_settings_are_shown_with_their_defaults(app) with [("JALIN_BODY_TIMEOUT_SECONDS", "7")] {
        let all = app.get_ok("/v1/settings");
        let find = |key: &str| {
            all["items"].as_array().or(all.as_array()).unwrap().iter()
                .find(|s| s["key"] == key).unwrap_or_else(|| panic!("{key} in {all}")).clone()
        };
        let body = find("http.body_timeout_seconds");
        assert_eq!((body["value"].clone(), body["default"].clone()), (json!(7), json!(60)));
        assert_eq!(find("http.keep_alive_seconds")["default"], json!(5));
        assert_eq!(find("http.trusted_proxies")["default"], json!([]));
    }
}
