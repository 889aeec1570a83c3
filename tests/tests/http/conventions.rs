//! The conventions every endpoint shares (README: API conventions): problems, request ids,
//! languages, CORS, health.

use jalin_tests::on_both_databases;
use serde_json::json;

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
