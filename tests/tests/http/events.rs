//! Domain events: the cursor feed, and webhooks delivered through the outbox with Standard
//! Webhooks signatures, disabled after repeated failure, re-enabled and replayed.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use chrono::{Duration, Utc};
use jalin_api::signature::{self, Secret};
use jalin_tests::{on_both_databases, Db, TestApp};
use serde_json::{json, Value};

/// What a webhook receiver got: headers we check, and the body.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

struct Receiver {
    url: String,
    status: Arc<AtomicU16>,
    got: Arc<Mutex<Vec<Received>>>,
}

fn receiver() -> Receiver {
    let status = Arc::new(AtomicU16::new(200));
    let got: Arc<Mutex<Vec<Received>>> = Arc::new(Mutex::new(Vec::new()));
    let (s, g) = (status.clone(), got.clone());
    let server = HttpServer::new(move || {
        let (s, g) = (s.clone(), g.clone());
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let (s, g) = (s.clone(), g.clone());
                async move {
                    let h = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned()
                    };
                    g.lock().unwrap().push(Received {
                        id: h("webhook-id"),
                        timestamp: h("webhook-timestamp"),
                        signature: h("webhook-signature"),
                        body: body.to_vec(),
                    });
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap(),
                    )
                    .finish()
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    let running = server.run();
    std::thread::spawn(move || actix_web::rt::System::new().block_on(running));
    Receiver {
        url: format!("http://{addr}/hook"),
        status,
        got,
    }
}

fn agreement(app: &TestApp, region: &str, title: &str) -> String {
    let city = region.contains('.');
    let p = app
        .req("POST", "/v1/partners")
        .json(
            &json!({"name": format!("Mitra {title}"), "kind": "foreign_local_government",
        "level": if city { "city" } else { "state" }, "country": "AU"}),
        )
        .send();
    let r = app.req("POST", "/v1/agreements").json(&json!({"region_code": region, "subtype": if city { "sister_city" } else { "sister_province" }, "instrument": "mou",
        "partner_ids": [p.json()["id"]], "title_id": title, "objects": ["cultural_exchange"], "languages": ["id", "en"]})).send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

fn deliver(app: &TestApp, at: chrono::NaiveDateTime) -> jalin_api::integrations::DeliveryReport {
    let pool = app.pool();
    let mut conn = pool.get().unwrap();
    jalin_api::integrations::deliver_due(&mut conn, &app.state().config.integrations, at).unwrap()
}

on_both_databases! {
    /// `GET /v1/events`: oldest first, resumable, in the caller's scope, never accounts or reads
    /// of personal data.
    fn the_event_feed_follows_changes_in_the_callers_scope(app) {
        let (_, province) = app.user("biro-ev", "province_officer", Some("33"));
        let jateng = agreement(app, "33", "Jateng–Queensland");
        let banten = agreement(app, "36", "Banten–Victoria");
        let first = app.req("GET", "/v1/events?limit=100").bearer(&province).send();
        assert_eq!(first.status, 200, "{}", first.body);
        let page = first.json();
        let records: Vec<&str> = page["items"].as_array().unwrap().iter().map(|e| e["record_id"].as_str().unwrap()).collect();
        assert!(records.contains(&jateng.as_str()));
        assert!(!records.contains(&banten.as_str()), "another province's events are not ours");
        assert!(page["items"].as_array().unwrap().iter().all(|e| e["record_type"] != "user"));
        let seqs: Vec<i64> = page["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first");
        // The last page carries a cursor to poll from: only what happens next comes.
        let cursor = page["next_cursor"].as_str().unwrap().to_owned();
        let empty = app.req("GET", &format!("/v1/events?cursor={cursor}")).bearer(&province).send().json();
        assert!(empty["items"].as_array().unwrap().is_empty());
        let etag = app.get(&format!("/v1/agreements/{jateng}")).header("etag").unwrap().to_owned();
        let mut body = app.get_ok(&format!("/v1/agreements/{jateng}"));
        let update = json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [body["partners"][0]["id"].take()], "title_id": "Jateng–Queensland (revisi)", "objects": ["cultural_exchange"], "languages": ["id", "en"]});
        assert_eq!(app.req("PUT", &format!("/v1/agreements/{jateng}")).header("If-Match", &etag).json(&update).send().status, 200);
        let next = app.req("GET", &format!("/v1/events?cursor={cursor}")).bearer(&province).send().json();
        assert_eq!(next["items"].as_array().unwrap().len(), 1);
        assert_eq!(next["items"][0]["type"], "agreement.updated");
        let only = app.get_ok(&format!("/v1/events?record_type=agreement&record_id={banten}&limit=100"));
        assert!(only["items"].as_array().unwrap().iter().all(|e| e["record_id"] == banten.as_str()));
        app.req("GET", "/v1/events?record_type=user").send().problem(422, "validation_failed");
    }
}

#[test]
fn webhooks_are_signed_disabled_after_failures_reenabled_and_replayed() {
    for db in [Db::Sqlite, Db::Postgres] {
        let Some(app) = TestApp::spawn_with(db, &[("JALIN_WEBHOOK_DISABLE_AFTER", "2")]) else {
            eprintln!("SKIPPED on {db:?}: no database");
            continue;
        };
        let hook = receiver();
        let r = app.req("POST", "/v1/webhook-endpoints")
            .json(&json!({"url": hook.url, "description": "Portal Jawa Tengah", "event_types": ["agreement.*"], "region_code": "33"})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let endpoint = r.json();
        let id = endpoint["id"].as_str().unwrap().to_owned();
        let secret = Secret::parse(endpoint["secret"].as_str().unwrap()).unwrap();
        assert!(
            app.get_ok(&format!("/v1/webhook-endpoints/{id}"))["secret"].is_null(),
            "shown once"
        );
        app.req("POST", "/v1/webhook-endpoints")
            .json(&json!({"url": hook.url, "event_types": ["users.*"]}))
            .send()
            .problem(422, "validation_failed");

        let jateng = agreement(&app, "33", "Jateng–Queensland");
        agreement(&app, "36", "Banten–Victoria");
        let now = Utc::now().naive_utc();
        assert_eq!(
            deliver(&app, now).delivered,
            1,
            "only the subscribed region's event"
        );
        let got = hook.got.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        let m = &got[0];
        signature::verify(
            std::slice::from_ref(&secret),
            Some(&m.id),
            Some(&m.timestamp),
            Some(&m.signature),
            &m.body,
            Utc::now().timestamp(),
            300,
        )
        .expect("a valid Standard Webhooks signature");
        let payload: Value = serde_json::from_slice(&m.body).unwrap();
        assert_eq!(payload["type"], "agreement.created");
        assert_eq!(payload["data"]["record_id"], jateng.as_str());
        assert!(
            payload["data"].get("changes").is_none(),
            "thin events: read the record through the API"
        );

        // The receiver fails: after two failures in a row the endpoint is disabled.
        hook.status.store(500, Ordering::SeqCst);
        let a = agreement(&app, "33.74", "Semarang–Brisbane");
        let b = agreement(&app, "33", "Jateng–Fujian");
        let failed = deliver(&app, now + Duration::minutes(1));
        assert_eq!(failed.retrying, 2);
        let e = app.get_ok(&format!("/v1/webhook-endpoints/{id}"));
        assert_eq!(e["active"], false);
        assert!(e["disabled_reason"].as_str().unwrap().contains("2 failed"));
        let audit = app.get_ok(&format!("/v1/audit-events?record_id={id}&limit=100"));
        assert!(audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["action"] == "webhook_endpoint.disabled" && x["actor_type"] == "system"));
        agreement(&app, "33", "Saat nonaktif");
        let dead = deliver(&app, now + Duration::hours(1));
        assert_eq!(
            dead.dead, 2,
            "pending messages of a disabled endpoint are dead-lettered"
        );
        assert_eq!(
            deliver(&app, now + Duration::hours(2)).delivered,
            0,
            "nothing is queued while disabled"
        );

        // Re-enabled and replayed: what was missed arrives, once per event and message.
        hook.status.store(200, Ordering::SeqCst);
        let etag = app
            .get(&format!("/v1/webhook-endpoints/{id}"))
            .header("etag")
            .unwrap()
            .to_owned();
        let r = app
            .req("PATCH", &format!("/v1/webhook-endpoints/{id}"))
            .header("If-Match", &etag)
            .json(&json!({"active": true}))
            .send();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["consecutive_failures"], 0);
        app.req("POST", &format!("/v1/webhook-endpoints/{id}/replay"))
            .json(&json!({}))
            .send()
            .problem(422, "validation_failed");
        let seq = payload["data"]["seq"].as_i64().unwrap();
        let replay = app
            .req("POST", &format!("/v1/webhook-endpoints/{id}/replay"))
            .json(&json!({"after_seq": seq}))
            .send();
        assert_eq!(replay.status, 200, "{}", replay.body);
        assert_eq!(
            replay.json()["queued"],
            3,
            "the two failed and the one made while disabled"
        );
        assert_eq!(deliver(&app, now + Duration::hours(3)).delivered, 3);
        let got = hook.got.lock().unwrap().clone();
        let delivered: Vec<String> = got[got.len() - 3..]
            .iter()
            .map(|m| {
                serde_json::from_slice::<Value>(&m.body).unwrap()["data"]["record_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert!(
            delivered.contains(&a) && delivered.contains(&b),
            "{delivered:?}"
        );
        let etag = app
            .get(&format!("/v1/webhook-endpoints/{id}"))
            .header("etag")
            .unwrap()
            .to_owned();
        assert_eq!(
            app.req("DELETE", &format!("/v1/webhook-endpoints/{id}"))
                .header("If-Match", &etag)
                .send()
                .status,
            204
        );
        app.req("GET", &format!("/v1/webhook-endpoints/{id}"))
            .send()
            .problem(404, "not_found");
        assert_eq!(app.get_ok("/v1/audit-events/verify")["intact"], true);
    }
}
