//! The conventions every endpoint shares (README: API conventions): problems, request ids,
//! languages, CORS, health.

use std::io::Read;

use jalin_tests::{on_both_databases, Resp, TestApp, ADMIN_PASSWORD};
use serde_json::json;

/// The body as sent, decoded from its `Content-Encoding` (the harness's client decodes nothing).
fn decoded(r: &Resp) -> Vec<u8> {
    let mut out = Vec::new();
    match r.header("content-encoding") {
        None => out.extend_from_slice(r.body_bytes()),
        Some("gzip") => {
            flate2::read::GzDecoder::new(r.body_bytes())
                .read_to_end(&mut out)
                .expect("gzip");
        }
        Some("br") => {
            brotli::Decompressor::new(r.body_bytes(), 4096)
                .read_to_end(&mut out)
                .expect("brotli");
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

/// The items of a structured-field list header (`"name";k=v;k=v, …`) as (name, [(k, v)]).
fn sf_items(value: &str) -> Vec<(String, Vec<(String, i64)>)> {
    value
        .split(',')
        .map(|item| {
            let mut parts = item.trim().split(';');
            let name = parts.next().unwrap().trim_matches('"').to_owned();
            let params = parts
                .map(|p| {
                    let (k, v) = p.split_once('=').expect("k=v");
                    (k.to_owned(), v.parse::<i64>().expect("an integer"))
                })
                .collect();
            (name, params)
        })
        .collect()
}

/// The parameter `key` of the item `policy` of a `RateLimit`/`RateLimit-Policy` header.
#[track_caller]
fn quota(r: &Resp, header: &str, policy: &str, key: &str) -> i64 {
    let value = r
        .header(header)
        .unwrap_or_else(|| panic!("{header} missing ({})", r.status));
    let items = sf_items(value);
    let (_, params) = items
        .iter()
        .find(|(n, _)| n == policy)
        .unwrap_or_else(|| panic!("{policy} not in {header}: {value}"));
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("{key} not in {value}"))
}

fn sign_in(app: &TestApp, password: &str) -> Resp {
    app.req("POST", "/v1/auth/login")
        .anonymous()
        .json(&json!({"username": "admin", "password": password}))
        .send()
}

on_both_databases! {
    fn an_unknown_route_is_a_404_problem(app) {
        let p = app.get("/v1/nothing-here").problem(404, "route_not_found");
        assert_eq!(p["instance"], "/v1/nothing-here");
    }

    fn a_wrong_method_is_a_405_problem_with_allow(app) {
        let r = app.req("DELETE", "/v1/regions").send();
        r.problem(405, "method_not_allowed");
        assert_eq!(r.header("allow"), Some("GET, HEAD"), "HEAD is answered on every GET path");
        app.req("POST", "/v1/countries/AU").json(&json!({})).send().problem(405, "method_not_allowed");
    }

    fn malformed_json_is_a_400_problem(app) {
        let r = app.req("POST", "/__test/notes").body("application/json", b"{\"text\": ".to_vec()).send();
        r.problem(400, "malformed_json");
        let r = app.req("POST", "/__test/notes").body("application/json", Vec::new()).send();
        r.problem(400, "malformed_json");
    }

    fn a_wrong_content_type_is_a_415_problem(app) {
        let r = app.req("POST", "/__test/notes").body("text/plain", b"{\"text\":\"a\",\"marker\":\"m\"}".to_vec()).send();
        r.problem(415, "unsupported_media_type");
        let r = app.req("POST", "/__test/notes").send();
        r.problem(415, "unsupported_media_type");
    }

    fn a_body_over_the_limit_is_a_413_problem(app) with [("JALIN_JSON_LIMIT", "2048")] {
        let big = json!({"text": "x".repeat(5000), "marker": "m"});
        app.req("POST", "/__test/notes").json(&big).send().problem(413, "payload_too_large");
    }

    fn invalid_values_are_a_422_with_json_pointers(app) {
        let p = app.req("POST", "/__test/notes").json(&json!({"text": "", "marker": "m"})).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/text");
        assert_eq!(p["errors"][0]["code"], "length");
        let p = app.req("POST", "/__test/notes").json(&json!({"text": 5, "marker": "m"})).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/text");
        let p = app.req("POST", "/__test/notes").json(&json!({"text": "a"})).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/marker");
    }

    fn an_internal_error_is_a_500_problem_that_reveals_nothing(app) {
        let r = app.get("/__test/boom");
        r.problem(500, "internal_error");
        assert!(!r.body.contains("SECRET"), "{}", r.body);
        assert!(!r.body.contains("postgres://"), "{}", r.body);
    }

    fn problems_speak_indonesian_when_asked(app) {
        let r = app.req("GET", "/v1/regions/99.99").header("Accept-Language", "id-ID,id;q=0.9,en;q=0.5").send();
        let p = r.problem(404, "not_found");
        assert_eq!(p["title"], "Tidak ditemukan");
        assert!(p["detail"].as_str().unwrap().contains("daerah"), "{p}");
        assert_eq!(r.header("content-language"), Some("id"));
        let p = app.req("GET", "/v1/regions?limit=0").header("Accept-Language", "id").send().problem(422, "validation_failed");
        assert_eq!(p["title"], "Validasi gagal");
        assert_eq!(p["errors"][0]["message"], "harus di antara 1 dan 100");
        let p = app.get("/v1/regions/99.99").problem(404, "not_found");
        assert_eq!(p["title"], "Not found");
    }

    fn every_response_carries_a_request_id_and_echoes_the_clients(app) {
        let r = app.get("/health/live");
        let id = r.header("x-request-id").expect("generated id").to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        let r = app.req("GET", "/health/live").header("X-Request-Id", "client-abc-123").send();
        assert_eq!(r.header("x-request-id"), Some("client-abc-123"));
        let p = app.req("GET", "/nope").header("X-Request-Id", "client-err-1").send().problem(404, "route_not_found");
        assert_eq!(p["request_id"], "client-err-1");
        // An id unfit for logs is replaced, not echoed.
        let r = app.req("GET", "/health/live").header("X-Request-Id", "bad id with spaces").send();
        assert_ne!(r.header("x-request-id"), Some("bad id with spaces"));
    }

    /// Log lines take the request id from the same place as this route reads it, on the async
    /// worker and on the blocking thread that runs the database work.
    fn the_request_id_reaches_log_lines_on_every_thread(app) {
        let r = app.req("GET", "/__test/request-id").header("X-Request-Id", "trace-me-42").send();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json(), json!({"worker": "trace-me-42", "blocking": "trace-me-42"}));
    }

    fn health_reports_live_and_ready_with_the_backend(app) {
        assert_eq!(app.get_ok("/health/live")["status"], "ok");
        let ready = app.get_ok("/health/ready");
        assert_eq!(ready["status"], "ready");
        let expected = match app.db { jalin_tests::Db::Sqlite => "sqlite", jalin_tests::Db::Postgres => "postgres" };
        assert_eq!(ready["database"], expected);
    }

    fn cors_allows_only_configured_origins(app) with [("JALIN_CORS_ORIGINS", "https://app.jalin.example")] {
        let r = app.req("OPTIONS", "/v1/regions")
            .header("Origin", "https://app.jalin.example")
            .header("Access-Control-Request-Method", "GET")
            .send();
        assert!(r.status < 300, "preflight: {} {}", r.status, r.body);
        assert_eq!(r.header("access-control-allow-origin"), Some("https://app.jalin.example"));
        let r = app.req("GET", "/v1/regions/33").header("Origin", "https://app.jalin.example").send();
        assert_eq!(r.header("access-control-allow-origin"), Some("https://app.jalin.example"));
        assert!(r.header("access-control-expose-headers").unwrap_or("").to_ascii_lowercase().contains("x-request-id"));
        let r = app.req("GET", "/v1/regions/33").header("Origin", "https://evil.example").send();
        assert_eq!(r.header("access-control-allow-origin"), None);
        if r.status >= 400 {
            r.problem(r.status, "bad_request");
        }
    }

    fn without_cors_configuration_no_cors_headers_are_sent(app) {
        let r = app.req("GET", "/v1/regions/33").header("Origin", "https://app.jalin.example").send();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), None);
    }

    /// #19 item 3: gzip and brotli as `Accept-Encoding` asks; the decoded body is the plain one,
    /// and its ETag, and `If-None-Match` still answers 304.
    fn responses_are_compressed_as_accept_encoding_asks(app) {
        let path = "/v1/regions?limit=100";
        let plain = app.get(path);
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header("content-encoding"), None, "no Accept-Encoding: identity");
        let etag = plain.header("etag").expect("etag").to_owned();
        for coding in ["gzip", "br"] {
            let r = app.req("GET", path).header("Accept-Encoding", coding).send();
            assert_eq!(r.status, 200);
            assert_eq!(r.header("content-encoding"), Some(coding));
            assert!(r.header("vary").unwrap_or("").to_ascii_lowercase().contains("accept-encoding"), "{:?}", r.headers);
            assert!(r.body_bytes().len() < plain.body_bytes().len() / 2, "{coding} compresses");
            assert_eq!(decoded(&r), plain.body_bytes(), "{coding} decodes to the plain body");
            assert_eq!(r.header("etag"), Some(etag.as_str()), "the ETag is the identity body's");
            let r = app.req("GET", path).header("Accept-Encoding", coding).header("If-None-Match", &etag).send();
            assert_eq!(r.status, 304);
            assert!(r.body_bytes().is_empty());
        }
        // A client preferring brotli gets it; one refusing both gets identity.
        let r = app.req("GET", path).header("Accept-Encoding", "gzip;q=0.5, br;q=1").send();
        assert_eq!(r.header("content-encoding"), Some("br"));
        let r = app.req("GET", path).header("Accept-Encoding", "identity").send();
        assert_eq!(r.header("content-encoding"), None);
        assert_eq!(r.body_bytes(), plain.body_bytes());
        // Problems are compressed too, and stay problems once decoded.
        let r = app.req("GET", "/v1/regions/99.99").header("Accept-Encoding", "gzip").send();
        assert_eq!(r.status, 404);
        let p: serde_json::Value = serde_json::from_slice(&decoded(&r)).unwrap();
        assert_eq!(p["code"], "not_found");
    }

    /// Binary downloads keep working under compression: the XLSX export decodes to a workbook.
    fn binary_exports_survive_compression(app) {
        let plain = app.get("/v1/agreements/export?format=xlsx");
        assert_eq!(plain.status, 200);
        assert!(plain.body_bytes().starts_with(b"PK"), "an XLSX is a ZIP");
        for coding in ["gzip", "br"] {
            let r = app.req("GET", "/v1/agreements/export?format=xlsx").header("Accept-Encoding", coding).send();
            assert_eq!(r.status, 200);
            assert_eq!(r.header("content-type"), plain.header("content-type"));
            assert_eq!(r.header("content-disposition"), plain.header("content-disposition"));
            let body = decoded(&r);
            assert!(body.starts_with(b"PK"), "{coding}: still the ZIP once decoded");
            assert_eq!(body.len(), plain.body_bytes().len(), "{coding}");
        }
        let csv = app.req("GET", "/v1/agreements/export?format=csv&labels=codes").header("Accept-Encoding", "gzip").send();
        assert_eq!(csv.status, 200);
        // UTF-8 with a BOM (#20), then the header row.
        assert!(String::from_utf8(decoded(&csv)).unwrap().starts_with("\u{feff}reference_number"));
    }

    /// #19 item 3: sign-in answers say how many failures are left (`RateLimit`, per name and
    /// address, and per address); once waiting, a 429 carries `Retry-After` and `r=0`.
    fn sign_in_answers_carry_their_quota_and_a_429_its_retry_after(app) with [("JALIN_LOGIN_MAX_FAILURES", "2")] {
        let ok = sign_in(app, ADMIN_PASSWORD);
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(quota(&ok, "ratelimit-policy", "login", "q"), 2);
        assert_eq!(quota(&ok, "ratelimit-policy", "login", "w"), 900);
        assert_eq!(quota(&ok, "ratelimit-policy", "login-address", "q"), 8);
        assert_eq!(quota(&ok, "ratelimit", "login", "r"), 2, "a success forgets the name's failures");
        assert_eq!(quota(&ok, "ratelimit", "login-address", "r"), 8);

        let bad = sign_in(app, "wrong password 1");
        bad.problem(401, "invalid_credentials");
        assert_eq!(quota(&bad, "ratelimit", "login", "r"), 1);
        assert_eq!(quota(&bad, "ratelimit", "login-address", "r"), 7);
        let t = quota(&bad, "ratelimit", "login", "t");
        assert!((1..=900).contains(&t), "reset within the window: {t}");

        let bad = sign_in(app, "wrong password 2");
        assert_eq!(quota(&bad, "ratelimit", "login", "r"), 0);
        // Past the limit each try waits; keep trying until one is told to wait.
        let mut limited = None;
        for _ in 0..6 {
            let r = sign_in(app, "wrong password 3");
            if r.status == 429 {
                limited = Some(r);
                break;
            }
            assert_eq!(r.status, 401, "{}", r.body);
            assert_eq!(quota(&r, "ratelimit", "login", "r"), 0);
        }
        let r = limited.expect("a 429 once past the limit");
        r.problem(429, "rate_limited");
        let wait: i64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
        assert!(wait >= 1);
        assert_eq!(quota(&r, "ratelimit", "login", "r"), 0);
        assert!(quota(&r, "ratelimit", "login", "t") >= wait);
        assert_eq!(quota(&r, "ratelimit-policy", "login", "q"), 2);
    }

    /// The public feed's per-address limit: each answer counts down `r`; past it, a 429 with
    /// `Retry-After` within the minute.
    fn public_feed_answers_count_down_their_quota(app) with [("JALIN_PUBLIC_RATE_PER_MINUTE", "3")] {
        for left in [2, 1, 0] {
            let r = app.req("GET", "/v1/public/agreements").anonymous().send();
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(quota(&r, "ratelimit-policy", "feed", "q"), 3);
            assert_eq!(quota(&r, "ratelimit-policy", "feed", "w"), 60);
            assert_eq!(quota(&r, "ratelimit", "feed", "r"), left);
            let t = quota(&r, "ratelimit", "feed", "t");
            assert!((1..=60).contains(&t), "{t}");
        }
        let r = app.req("GET", "/v1/public/good-practices").anonymous().send();
        r.problem(429, "rate_limited");
        let wait: i64 = r.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(quota(&r, "ratelimit", "feed", "r"), 0);
        assert_eq!(quota(&r, "ratelimit", "feed", "t"), wait);
        // Routes without a limit say nothing about one.
        assert_eq!(app.get("/v1/regions").header("ratelimit"), None);
    }

    /// #19 item 3: a deprecated route's answers (HEAD too) carry `Deprecation` (RFC 9745),
    /// `Sunset` (RFC 8594) and `Link rel="deprecation"`; other routes none.
    fn a_deprecated_route_announces_its_sunset(app) {
        for method in ["GET", "HEAD"] {
            let r = app.req(method, "/__test/deprecated").send();
            assert_eq!(r.status, 200);
            assert_eq!(r.header("deprecation"), Some("@1780272000"), "2026-06-01T00:00:00Z");
            assert_eq!(r.header("sunset"), Some("Tue, 01 Jun 2027 00:00:00 GMT"));
            assert_eq!(r.header("link"), Some("<https://jalin.example/changelog#test-deprecated>; rel=\"deprecation\"; type=\"text/html\""));
        }
        let r = app.get("/v1/regions");
        assert_eq!(r.header("deprecation"), None);
        assert_eq!(r.header("sunset"), None);
    }

    fn etag_and_if_match_stop_lost_updates(app) {
        let created = app.req("POST", "/__test/notes").json(&json!({"text": "v1", "marker": "etag"})).send();
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let path = format!("/__test/notes/{id}");
        let etag1 = app.get(&path).header("etag").unwrap().to_owned();
        assert_eq!(Some(etag1.as_str()), created.header("etag"));

        app.req("PATCH", &path).json(&json!({"text": "no tag"})).send().problem(428, "if_match_required");

        let ok = app.req("PATCH", &path).header("If-Match", &etag1).json(&json!({"text": "v2"})).send();
        assert_eq!(ok.status, 200, "{}", ok.body);
        let etag2 = ok.header("etag").unwrap().to_owned();
        assert_ne!(etag1, etag2);

        // A second writer still holding the first tag is refused and changes nothing.
        app.req("PATCH", &path).header("If-Match", &etag1).json(&json!({"text": "lost"})).send()
            .problem(412, "etag_mismatch");
        assert_eq!(app.get_ok(&path)["text"], "v2");
        app.req("PATCH", &path).header("If-Match", &format!("W/{etag2}")).json(&json!({"text": "weak"})).send()
            .problem(412, "etag_mismatch");
    }
}
