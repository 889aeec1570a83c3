//! `Idempotency-Key` on POST (the API conventions): retries are safe.

use std::time::Duration;

use jalin_tests::{on_both_databases, TestApp};
use serde_json::json;

fn executions(app: &TestApp, marker: &str) -> u64 {
    app.get_ok(&format!("/__test/executions/{marker}"))["executions"]
        .as_u64()
        .unwrap()
}

fn marker() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

on_both_databases! {
    fn a_retry_with_the_same_key_and_body_replays_the_stored_response(app) {
        let m = marker();
        let body = json!({"text": "hello", "marker": m});
        let first = app.req("POST", "/__test/notes").header("Idempotency-Key", "key-1").json(&body).send();
        assert_eq!(first.status, 201, "{}", first.body);
        assert_eq!(first.header("idempotent-replayed"), None);
        // The same JSON, differently formatted, is the same request.
        let spaced = serde_json::to_string_pretty(&body).unwrap().into_bytes();
        let retry = app.req("POST", "/__test/notes").header("Idempotency-Key", "key-1").body("application/json", spaced).send();
        assert_eq!(retry.status, 201);
        assert_eq!(retry.json(), first.json());
        assert_eq!(retry.header("etag"), first.header("etag"));
        assert_eq!(retry.header("location"), first.header("location"));
        assert_eq!(retry.header("idempotent-replayed"), Some("true"));
        assert_eq!(executions(app, &m), 1, "the work ran once");
    }

    fn the_same_key_with_another_body_is_a_422(app) {
        let m = marker();
        let r = app.req("POST", "/__test/notes").header("Idempotency-Key", "key-2").json(&json!({"text": "a", "marker": m})).send();
        assert_eq!(r.status, 201);
        app.req("POST", "/__test/notes").header("Idempotency-Key", "key-2").json(&json!({"text": "b", "marker": m})).send()
            .problem(422, "idempotency_key_reused");
        assert_eq!(executions(app, &m), 1);
    }

    fn a_key_still_in_flight_is_a_409(app) {
        let m = marker();
        let body = json!({"text": "slow", "marker": m, "delay_ms": 1500});
        let base = app.base.clone();
        let slow_body = body.to_string();
        let first = std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let mut r = agent.post(format!("{base}/__test/notes"))
                .header("Idempotency-Key", "key-3")
                .content_type("application/json")
                .send(slow_body)
                .unwrap();
            (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
        });
        std::thread::sleep(Duration::from_millis(500));
        app.req("POST", "/__test/notes").header("Idempotency-Key", "key-3").json(&body).send()
            .problem(409, "idempotency_in_flight");
        let (status, first_body) = first.join().unwrap();
        assert_eq!(status, 201, "{first_body}");
        let after = app.req("POST", "/__test/notes").header("Idempotency-Key", "key-3").json(&body).send();
        assert_eq!(after.status, 201);
        assert_eq!(after.body, first_body);
        assert_eq!(executions(app, &m), 1);
    }

    fn a_failed_request_gives_its_key_back(app) {
        let m = marker();
        app.req("POST", "/__test/notes").header("Idempotency-Key", "key-4").json(&json!({"text": "", "marker": m})).send()
            .problem(422, "validation_failed");
        let ok = app.req("POST", "/__test/notes").header("Idempotency-Key", "key-4").json(&json!({"text": "fixed", "marker": m})).send();
        assert_eq!(ok.status, 201, "{}", ok.body);
        assert_eq!(executions(app, &m), 1);
    }

    fn without_a_key_every_post_runs(app) {
        let m = marker();
        let body = json!({"text": "x", "marker": m});
        let a = app.req("POST", "/__test/notes").json(&body).send();
        let b = app.req("POST", "/__test/notes").json(&body).send();
        assert_eq!((a.status, b.status), (201, 201));
        assert_ne!(a.json()["id"], b.json()["id"]);
        assert_eq!(executions(app, &m), 2);
    }

    fn an_unusable_key_is_a_400(app) {
        let long = "k".repeat(256);
        app.req("POST", "/__test/notes").header("Idempotency-Key", &long).json(&json!({"text": "x", "marker": "m"})).send()
            .problem(400, "invalid_idempotency_key");
    }

    fn keys_expire_after_their_ttl(app) {
        use jalin_persistence::idempotency::purge_expired;
        let m = marker();
        let body = json!({"text": "x", "marker": m});
        assert_eq!(app.req("POST", "/__test/notes").header("Idempotency-Key", "key-5").json(&body).send().status, 201);
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        let in_25h = chrono::Utc::now().naive_utc() + chrono::Duration::hours(25);
        assert!(purge_expired(&mut conn, in_25h).unwrap() >= 1);
        // Once expired, the key is new again: the work runs a second time.
        assert_eq!(app.req("POST", "/__test/notes").header("Idempotency-Key", "key-5").json(&body).send().status, 201);
        assert_eq!(executions(app, &m), 2);
    }
}

on_both_databases! {
    /// Eight concurrent writers, each claiming keys and committing: none fails with a lock error
    /// (SQLite write transactions begin IMMEDIATE and queue on the lock).
    fn concurrent_writers_all_succeed(app) {
        let m = marker();
        let base = app.base.clone();
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let (base, m) = (base.clone(), m.clone());
                std::thread::spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                    (0..10)
                        .map(|i| {
                            let body = json!({"text": format!("w{w}-{i}"), "marker": m}).to_string();
                            let mut r = agent.post(format!("{base}/__test/notes"))
                                .header("Idempotency-Key", &format!("conc-{w}-{i}"))
                                .content_type("application/json")
                                .send(body)
                                .unwrap();
                            (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for w in workers {
            for (status, body) in w.join().unwrap() {
                assert_eq!(status, 201, "{body}");
            }
        }
        assert_eq!(executions(app, &m), 80);
    }
}
