//! What operations staff watch (issue #21 item 2): `GET /metrics` in the Prometheus/OpenMetrics
//! text format, off unless `JALIN_METRICS_TOKEN` is set and then only for that bearer token.
//! (JSON logs are asserted in api/tests/logging.rs, which starts the real binary.)

use jalin_persistence::outbox::{self, DeliveryStatus, Message};
use jalin_tests::{on_both_databases, Db, TestApp};

const TOKEN: &str = "metrics-token-for-tests-0123456789";
const WITH_TOKEN: [(&str, &str); 1] = [("JALIN_METRICS_TOKEN", TOKEN)];

#[track_caller]
fn scrape(app: &TestApp) -> String {
    let r = app.req("GET", "/metrics").bearer(TOKEN).send();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("application/openmetrics-text"),
        "{:?}",
        r.header("content-type")
    );
    assert!(
        r.body.ends_with("# EOF\n"),
        "an OpenMetrics exposition ends with # EOF"
    );
    r.body
}

/// The value of the sample `series` (name and labels exactly as exposed), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .map(|v| v.split(' ').next().unwrap().parse().expect("a number"))
}

#[track_caller]
fn value(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("{series} missing in\n{text}"))
}

fn message(target: &str, status: DeliveryStatus) -> Message {
    let now = chrono::Utc::now().naive_utc();
    let mut m = Message::pending(
        uuid::Uuid::now_v7().to_string(),
        target.into(),
        "test".into(),
        "r-1".into(),
        None,
        "{}".into(),
        now,
    );
    m.status = status;
    m
}

on_both_databases! {
    /// Safe default: without a token there is no `/metrics` at all, and settings say so.
    fn metrics_are_off_without_a_token(app) {
        app.get("/metrics").problem(404, "route_not_found");
        let s = app.get_ok("/v1/settings");
        let m = s["items"].as_array().unwrap().iter()
            .find(|i| i["key"] == "observability.metrics_enabled").expect("setting").clone();
        assert_eq!(m["value"], false);
        assert_eq!(m["is_default"], true);
        assert_eq!(m["variable"], "JALIN_METRICS_TOKEN");
    }

    /// With a token, only that bearer token is served: none, a user's JWT or another token: 401.
    fn metrics_refuse_requests_without_the_token(app) with WITH_TOKEN {
        app.req("GET", "/metrics").anonymous().send().problem(401, "authentication_required");
        app.get("/metrics").problem(401, "invalid_token");
        app.req("GET", "/metrics").bearer("metrics-token-for-tests-012345678X").send().problem(401, "invalid_token");
        app.req("POST", "/metrics").bearer(TOKEN).send().problem(405, "method_not_allowed");
        let s = app.get_ok("/v1/settings");
        let m = s["items"].as_array().unwrap().iter()
            .find(|i| i["key"] == "observability.metrics_enabled").unwrap().clone();
        assert_eq!(m["value"], true);
        assert!(!s.to_string().contains(TOKEN), "the token is never shown");
    }

    /// Requests by route template and status, the pool, the SQLite write queue, the outbox per
    /// system, background jobs and the calendar's coverage, each with a value that follows from
    /// what the test did.
    fn metrics_show_requests_pool_outbox_jobs_and_calendar(app) with WITH_TOKEN {
        for _ in 0..3 {
            assert_eq!(app.get("/v1/regions/33").status, 200);
        }
        app.get("/v1/regions/99.99").problem(404, "not_found");
        app.get("/v1/no-such-route/123").problem(404, "route_not_found");
        {
            let pool = app.pool();
            let mut conn = pool.get().unwrap();
            outbox::enqueue(&mut conn, &message("siola", DeliveryStatus::Pending)).unwrap();
            outbox::enqueue(&mut conn, &message("siola", DeliveryStatus::Pending)).unwrap();
            outbox::enqueue(&mut conn, &message("webhook:endpoint-1", DeliveryStatus::Dead)).unwrap();
            outbox::enqueue(&mut conn, &message("webhook:endpoint-2", DeliveryStatus::Delivered)).unwrap();
            let state = app.state();
            jalin_api::jobs::run_all(&mut conn, &state.config.monitoring, &state.config.clock).unwrap();
        }
        let text = scrape(app);

        let ok = r#"{method="GET",route="/v1/regions/{code}",status="200"}"#;
        assert!(value(&text, &format!("jalin_http_requests_total{ok}")) >= 3.0);
        assert!(value(&text, &format!("jalin_http_request_duration_seconds_count{ok}")) >= 3.0);
        assert!(value(&text, &format!("jalin_http_request_duration_seconds_sum{ok}")) > 0.0);
        // The +Inf bucket of that series, whatever the encoder's label order.
        let inf: f64 = text.lines()
            .find(|l| l.starts_with("jalin_http_request_duration_seconds_bucket{")
                && l.contains(r#"method="GET""#)
                && l.contains(r#"route="/v1/regions/{code}""#) && l.contains(r#"status="200""#)
                && l.contains(r#"le="+Inf""#))
            .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
            .expect("a +Inf bucket");
        assert!(inf >= 3.0);
        assert!(value(&text, r#"jalin_http_requests_total{method="GET",route="/v1/regions/{code}",status="404"}"#) >= 1.0);
        assert!(value(&text, r#"jalin_http_requests_total{method="GET",route="unmatched",status="404"}"#) >= 1.0);
        assert!(!text.contains("/v1/regions/33\""), "raw paths are never labels");
        assert!(!text.contains("no-such-route"), "unknown paths are never labels");

        assert_eq!(value(&text, "jalin_db_pool_max_connections"), 4.0, "JALIN_DB_POOL_SIZE in tests");
        let idle = value(&text, r#"jalin_db_pool_connections{state="idle"}"#);
        let in_use = value(&text, r#"jalin_db_pool_connections{state="in_use"}"#);
        assert!(idle + in_use >= 1.0 && idle + in_use <= 4.0, "idle {idle}, in use {in_use}");

        assert_eq!(value(&text, r#"jalin_outbox_pending_messages{system="siola"}"#), 2.0);
        assert_eq!(value(&text, r#"jalin_outbox_dead_messages{system="siola"}"#), 0.0);
        assert_eq!(value(&text, r#"jalin_outbox_dead_messages{system="webhook"}"#), 1.0);
        assert_eq!(value(&text, r#"jalin_outbox_pending_messages{system="simpel"}"#), 0.0);
        assert_eq!(value(&text, r#"jalin_outbox_pending_messages{system="webhook"}"#), 0.0, "delivered messages are not pending");

        assert!(value(&text, r#"jalin_job_runs_total{job="expiry",outcome="ok"}"#) >= 1.0);
        assert!(value(&text, r#"jalin_job_runs_total{job="dormancy",outcome="ok"}"#) >= 1.0);
        assert!(value(&text, r#"jalin_job_duration_seconds_count{job="expiry"}"#) >= 1.0);

        let ready = app.get_ok("/health/ready");
        let last = chrono::NaiveDate::parse_from_str(ready["calendar_last_covered_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let today = app.state().clock.today();
        let left = value(&text, "jalin_calendar_coverage_days_left");
        assert_eq!(left, (last - today).num_days() as f64);

        let waits = value(&text, "jalin_sqlite_write_queue_wait_seconds_count");
        if app.db == Db::Sqlite {
            assert!(waits >= 1.0, "the sign-in's writes queued at the SQLite gate");
        }
        // The scrape itself is counted by its template.
        let again = scrape(app);
        assert!(value(&again, r#"jalin_http_requests_total{method="GET",route="/metrics",status="200"}"#) >= 1.0);
    }
}
