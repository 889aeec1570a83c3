//! Official travel abroad (PDLN): validations, personal data, the permits through
//! the outbox and the simulated SIOLA, SIMPEL and Exit Permit (with an outage), signed callbacks
//! (duplicates, out of order, bad signatures), the manual path, the trip report.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use diesel::RunQueryDsl;
use jalin_api::signature::Secret;
use jalin_domain::travel::ExternalSystem;
use jalin_tests::{on_both_databases, Db, Resp, TestApp};
use serde_json::{json, Value};

use crate::documents::{multipart, pdf, BOUNDARY};

const SIOLA_SECRET: &str = "whsec_c2lvbGEtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2";
const SIMPEL_SECRET: &str = "whsec_c2ltcGVsLXNlY3JldC1mb3ItdGVzdHMtMDEyMzQ1";
const EXIT_SECRET: &str = "whsec_ZXhpdC1wZXJtaXQtc2VjcmV0LWZvci10ZXN0cy0w";
const ROTATED_SECRET: &str = "whsec_cm90YXRlZC1zaW9sYS1zZWNyZXQtZm9yLXRlc3Rz";

fn secrets() -> Vec<(&'static str, String)> {
    vec![
        (
            "JALIN_SIOLA_SECRET",
            format!("{SIOLA_SECRET},{ROTATED_SECRET}"),
        ),
        ("JALIN_SIMPEL_SECRET", SIMPEL_SECRET.into()),
        ("JALIN_EXIT_PERMIT_SECRET", EXIT_SECRET.into()),
    ]
}

fn spawn(db: Db, extra: &[(&str, String)]) -> Option<TestApp> {
    let mut env: Vec<(&str, String)> = secrets();
    env.extend(extra.iter().cloned());
    let refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_with(db, &refs)
}

/// `offset` days from today as the server sees it (WIB, on the real clock).
fn day(offset: i64) -> String {
    (jalin_api::clock::Clock::system().today() + Duration::days(offset)).to_string()
}

fn request_body(region: &str, travellers: Value) -> Value {
    json!({"region_code": region, "trip_type": "official",
        "purpose": "Rapat Joint Working Group pendidikan Jawa Tengah–Queensland",
        "destinations": [{"country": "AU", "city": "Brisbane"}],
        "departs_on": day(30), "returns_on": day(34), "funding": {"source": "apbd"}, "travellers": travellers})
}

fn civil_servant() -> Value {
    json!({"category": "civil_servant", "name": "Drs. Sumarno, M.M.", "position": "Sekretaris Daerah",
           "nip": "196805121990031007", "passport_number": "C1234567"})
}

fn upload(app: &TestApp, id: &str, kind: &str, token: Option<&str>) -> Resp {
    let mut req = app
        .req("POST", &format!("/v1/travel-requests/{id}/documents"))
        .body(
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(&[
                ("kind", None, kind.as_bytes()),
                ("file", Some(&format!("{kind}.pdf")), &pdf()),
            ]),
        );
    if let Some(t) = token {
        req = req.bearer(t);
    }
    req.send()
}

/// A drafted request with every document an official trip needs; its id.
fn drafted(app: &TestApp, body: &Value) -> String {
    let r = app.req("POST", "/v1/travel-requests").json(body).send();
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    for kind in [
        "invitation",
        "terms_of_reference",
        "budget_document",
        "schedule",
        "cost_detail",
        "participant_data",
    ] {
        let u = upload(app, &id, kind, None);
        assert_eq!(u.status, 201, "{}", u.body);
    }
    id
}

fn act(app: &TestApp, id: &str, body: Value) -> Resp {
    let etag = app
        .get(&format!("/v1/travel-requests/{id}"))
        .header("etag")
        .unwrap()
        .to_owned();
    app.req("POST", &format!("/v1/travel-requests/{id}/actions"))
        .header("If-Match", &etag)
        .json(&body)
        .send()
}

fn stage(app: &TestApp, id: &str) -> String {
    app.get_ok(&format!("/v1/travel-requests/{id}"))["stage"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Submitted and recommended by the province: queued for SIOLA.
fn recommended(app: &TestApp, id: &str) {
    let s = act(app, id, json!({"action": "submit"}));
    assert_eq!(s.status, 200, "{}", s.body);
    let r = act(
        app,
        id,
        json!({"action": "recommend", "letter_number": "094/2345/Biro Pemotda", "letter_date": day(0)}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["stage"], "kemendagri_permit");
}

/// A service account holding every callback scope; its token.
fn integration_token(app: &TestApp, scopes: &[&str]) -> (String, String, String) {
    let r = app
        .req("POST", "/v1/service-accounts")
        .json(&json!({"name": format!("systems {scopes:?}"), "scopes": scopes}))
        .send();
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.json();
    let (id, secret) = (
        c["client_id"].as_str().unwrap().to_owned(),
        c["client_secret"].as_str().unwrap().to_owned(),
    );
    let t = app
        .req("POST", "/v1/auth/token")
        .anonymous()
        .json(
            &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        )
        .send();
    (
        t.json()["access_token"].as_str().unwrap().to_owned(),
        id,
        secret,
    )
}

fn callback(
    app: &TestApp,
    token: &str,
    system: &str,
    secret: &str,
    message_id: &str,
    body: &Value,
) -> Resp {
    let raw = body.to_string();
    let ts = Utc::now().timestamp();
    let sig = Secret::parse(secret)
        .unwrap()
        .sign(message_id, ts, raw.as_bytes());
    app.req("POST", &format!("/v1/integrations/{system}/callbacks"))
        .bearer(token)
        .header("webhook-id", message_id)
        .header("webhook-timestamp", &ts.to_string())
        .header("webhook-signature", &sig)
        .body("application/json", raw.into_bytes())
        .send()
}

fn decided(id: &str, decision: &str) -> Value {
    json!({"type": "permit.decided", "travel_request_id": id, "decision": decision, "letter_number": "099/1/OTDA", "letter_date": day(0)})
}

fn wait_for_stage(app: &TestApp, id: &str, want: &str) {
    let start = Instant::now();
    while stage(app, id) != want {
        assert!(
            start.elapsed() < StdDuration::from_secs(20),
            "stuck at {} waiting for {want}",
            stage(app, id)
        );
        std::thread::sleep(StdDuration::from_millis(50));
    }
}

fn deliver(app: &TestApp, at: chrono::NaiveDateTime) -> jalin_api::integrations::DeliveryReport {
    let pool = app.pool();
    let mut conn = pool.get().unwrap();
    jalin_api::integrations::deliver_due(&mut conn, &app.state().config.integrations, at).unwrap()
}

fn deliveries(app: &TestApp, id: &str) -> Vec<Value> {
    app.get_ok(&format!(
        "/v1/integrations/deliveries?record_id={id}&limit=100"
    ))["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_whole_trip_through_the_simulated_systems_survives_an_outage() {
    for db in [Db::Sqlite, Db::Postgres] {
        let sim = jalin_api::simulator::bind(
            jalin_api::simulator::SimulatorConfig {
                jalin_url: String::new(),
                client_id: String::new(),
                client_secret: String::new(),
                secrets: [
                    (ExternalSystem::Siola, Secret::parse(SIOLA_SECRET).unwrap()),
                    (
                        ExternalSystem::Simpel,
                        Secret::parse(SIMPEL_SECRET).unwrap(),
                    ),
                    (
                        ExternalSystem::ExitPermit,
                        Secret::parse(EXIT_SECRET).unwrap(),
                    ),
                ]
                .into_iter()
                .collect(),
                delay: StdDuration::from_millis(20),
                failure_rate: 0.0,
                reject: false,
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .unwrap();
        let (url, simulator, server) = (sim.url.clone(), sim.simulator.clone(), sim.server);
        std::thread::spawn(move || actix_web::rt::System::new().block_on(server));
        let Some(app) = spawn(
            db,
            &[
                ("JALIN_SIOLA_URL", format!("{url}/siola")),
                ("JALIN_SIMPEL_URL", format!("{url}/simpel")),
                ("JALIN_EXIT_PERMIT_URL", format!("{url}/exit-permit")),
            ],
        ) else {
            eprintln!("SKIPPED on {db:?}: no database");
            continue;
        };
        let (_, client_id, client_secret) = integration_token(
            &app,
            &[
                "integrations:siola",
                "integrations:simpel",
                "integrations:exit_permit",
            ],
        );
        simulator.configure(|c| {
            c.jalin_url = app.base.clone();
            c.client_id = client_id.clone();
            c.client_secret = client_secret.clone();
        });
        let id = drafted(&app, &request_body("33", json!([civil_servant()])));
        recommended(&app, &id);

        // SIOLA is down: the delivery fails, is kept, and is retried later with backoff.
        simulator.set_down(true);
        let now = Utc::now().naive_utc();
        let first = deliver(&app, now);
        assert_eq!((first.delivered, first.retrying), (0, 1));
        let d = deliveries(&app, &id);
        assert_eq!(d[0]["status"], "pending");
        assert_eq!(d[0]["attempts"], 1);
        assert_eq!(d[0]["last_status"], 503);
        assert_eq!(
            deliver(&app, now).retrying,
            0,
            "not due again before its backoff"
        );
        let second = deliver(&app, now + Duration::minutes(1));
        assert_eq!(second.retrying, 1, "still down");
        assert_eq!(stage(&app, &id), "kemendagri_permit");

        // Back up: delivered once, decided, and the next permit goes out in turn.
        simulator.set_down(false);
        let later = now + Duration::hours(1);
        assert_eq!(deliver(&app, later).delivered, 1);
        wait_for_stage(&app, &id, "presidential_permit");
        assert_eq!(deliver(&app, later).delivered, 1);
        wait_for_stage(&app, &id, "exit_permit");
        assert_eq!(deliver(&app, later).delivered, 1);
        wait_for_stage(&app, &id, "approved_to_depart");

        // Nothing lost, nothing duplicated: each system accepted one message, once.
        for s in ExternalSystem::ALL {
            assert_eq!(simulator.received(s), vec![1], "{s:?}");
        }
        let d = deliveries(&app, &id);
        assert_eq!(d.len(), 3);
        assert!(d.iter().all(|x| x["status"] == "delivered"), "{d:?}");
        let siola = d.iter().find(|x| x["target"] == "siola").unwrap();
        assert_eq!(siola["attempts"], 3, "two failures and the success");
        let r = app.get_ok(&format!("/v1/travel-requests/{id}"));
        for s in ["siola", "simpel", "exit_permit"] {
            assert_eq!(r["records"]["permits"][s]["decision"], "granted");
            assert_eq!(r["records"]["permits"][s]["manual"], false);
        }
        assert!(r["records"]["external_references"]["siola"]
            .as_str()
            .unwrap()
            .starts_with("SIOLA-"));
        // A delivered message sent again by hand reaches the system but decides nothing twice.
        let retried = app
            .req(
                "POST",
                &format!(
                    "/v1/integrations/deliveries/{}/retry",
                    siola["id"].as_str().unwrap()
                ),
            )
            .send();
        assert_eq!(retried.status, 200, "{}", retried.body);
        assert_eq!(deliver(&app, later).delivered, 1);
        assert_eq!(
            simulator.received(ExternalSystem::Siola),
            vec![2],
            "the same idempotency key twice"
        );
        std::thread::sleep(StdDuration::from_millis(200));
        assert_eq!(stage(&app, &id), "approved_to_depart");
        assert_eq!(app.get_ok("/v1/audit-events/verify")["intact"], true);
    }
}

on_both_databases! {
    /// each limit refuses with its code; every limit is configuration.
    fn each_travel_rule_refuses_with_its_code(app) {
        let six: Vec<Value> = (0..6).map(|_| civil_servant()).collect();
        let head = json!({"category": "head_of_region", "name": "Gubernur", "position": "Gubernur Jawa Tengah"});
        let deputy = json!({"category": "deputy_head_of_region", "name": "Wakil Gubernur", "position": "Wakil Gubernur Jawa Tengah"});
        let mut personal = request_body("33", json!([civil_servant()]));
        personal["trip_type"] = json!("personal_family");
        personal["returns_on"] = json!(day(50));
        let mut backwards = request_body("33", json!([civil_servant()]));
        backwards["returns_on"] = json!(day(20));
        let mut sponsored = request_body("33", json!([civil_servant()]));
        sponsored["funding"] = json!({"source": "sponsor"});
        let mut home = request_body("33", json!([civil_servant()]));
        home["destinations"] = json!([{"country": "ID", "city": "Jakarta"}]);
        let mut bad_nip = request_body("33", json!([civil_servant()]));
        bad_nip["travellers"][0]["nip"] = json!("12345");
        for (body, code, pointer) in [
            (request_body("33", json!(six)), "delegation_too_large", "/travellers"),
            (request_body("33", json!([head, deputy])), "head_and_deputy_abroad", "/travellers"),
            (personal, "personal_trip_too_long", "/returns_on"),
            (backwards, "returns_before_departure", "/returns_on"),
            (sponsored, "required", "/funding/sponsor"),
            (home, "not_abroad", "/destinations/0/country"),
            (bad_nip, "invalid_format", "/travellers/0/nip"),
        ] {
            let p = app.req("POST", "/v1/travel-requests").json(&body).send().problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["code"], code, "{p}");
            assert_eq!(p["errors"][0]["pointer"], pointer, "{p}");
        }

        // Each refusal speaks Indonesian too, never the English text twice.
        let mut backwards = request_body("33", json!([civil_servant()]));
        backwards["returns_on"] = json!(day(20));
        let p = app.req("POST", "/v1/travel-requests").header("Accept-Language", "id").json(&backwards).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["message"], "tanggal kembali lebih awal daripada tanggal berangkat", "{p}");

        // At submission: the lead time and every required document.
        let mut soon = request_body("33", json!([civil_servant()]));
        soon["departs_on"] = json!(day(5));
        soon["returns_on"] = json!(day(7));
        let r = app.req("POST", "/v1/travel-requests").json(&soon).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let d = r.json();
        assert_eq!(d["stage"], "draft");
        assert!(d["issues"].as_array().unwrap().iter().any(|i| i["code"] == "lead_time_too_short"));
        assert!(d["issues"].as_array().unwrap().iter().all(|i| i["message_id"].as_str().is_some_and(|m| m != i["message"])), "{d}");
        assert_eq!(d["checklist"].as_array().unwrap().len(), 6);
        let p = act(app, d["id"].as_str().unwrap(), json!({"action": "submit"})).problem(422, "validation_failed");
        let codes: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(codes.iter().filter(|c| **c == "document_missing").count(), 6, "{codes:?}");
        assert!(codes.contains(&"lead_time_too_short"));

        // No diplomatic relations (R4's list): the Kemlu recommendation is required.
        let mut taipei = request_body("33", json!([civil_servant()]));
        taipei["destinations"] = json!([{"country": "TW", "city": "Taipei"}]);
        let id = drafted(app, &taipei);
        let t = app.get_ok(&format!("/v1/travel-requests/{id}"));
        assert!(t["checklist"].as_array().unwrap().iter().any(|c| c["kind"] == "kemlu_recommendation" && c["present"] == false));
        let p = act(app, &id, json!({"action": "submit"})).problem(422, "validation_failed");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains("kemlu_recommendation"));
        assert_eq!(upload(app, &id, "kemlu_recommendation", None).status, 201);
        assert_eq!(act(app, &id, json!({"action": "submit"})).status, 200);

        // The head and the deputy are not abroad on overlapping dates, across requests.
        let mut governor = request_body("33", json!([{"category": "head_of_region", "name": "Gubernur", "position": "Gubernur"}]));
        let first = drafted(app, &governor);
        assert_eq!(act(app, &first, json!({"action": "submit"})).status, 200);
        governor["travellers"] = json!([{"category": "deputy_head_of_region", "name": "Wakil", "position": "Wakil Gubernur"}]);
        governor["departs_on"] = json!(day(33));
        governor["returns_on"] = json!(day(36));
        let p = app.req("POST", "/v1/travel-requests").json(&governor).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "head_and_deputy_abroad");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains(&first));
        // Drafts do not block each other; the clash is found when the second is submitted.
        governor["departs_on"] = json!(day(60));
        governor["returns_on"] = json!(day(62));
        let third = drafted(app, &governor);
        let mut overlapping = governor.clone();
        overlapping["travellers"] = json!([{"category": "head_of_region", "name": "Gubernur", "position": "Gubernur"}]);
        let fourth = drafted(app, &overlapping);
        assert_eq!(act(app, &third, json!({"action": "submit"})).status, 200);
        let p = act(app, &fourth, json!({"action": "submit"})).problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "head_and_deputy_abroad");
    }

    /// The limits are configuration (`GET /v1/settings` shows them); the stages are a
    /// definition with their systems and sources.
    fn travel_limits_are_configuration(app) {
        let def = app.get_ok("/v1/travel-definition");
        assert_eq!(def["id"], "pdln-v1");
        let stages: Vec<&str> = def["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
        assert_eq!(stages, ["draft", "submitted", "kemendagri_permit", "presidential_permit", "exit_permit", "approved_to_depart", "returned", "closed"]);
        assert_eq!(def["stages"][2]["system"], "siola");
        assert_eq!(def["lead_days_kemendagri"], 10);
        let s = app.get_ok("/v1/settings");
        let find = |k: &str| s["items"].as_array().unwrap().iter().find(|i| i["key"] == k).cloned().unwrap_or(Value::Null);
        assert_eq!(find("travel.delegation_cap")["value"], 5);
        assert_eq!(find("travel.lead_days")["value"], json!({"kemendagri": 10, "simpel": 7}));
        assert_eq!(find("travel.report_days")["value"], 14);
        assert_eq!(find("travel.personal_max_days")["value"], json!({"worship": 45, "medical": 30, "family": 14}));
    }

    /// Personal data (NIP, passport) only for roles that need it, only in the single read, and
    /// every such read is audited.
    fn travellers_personal_data_is_shown_only_to_those_who_need_it(app) {
        let id = drafted(app, &request_body("33.74", json!([civil_servant()])));
        let (_, viewer) = app.user("pemantau-jateng", "viewer", Some("33"));
        let (_, officer) = app.user("ks-semarang-t", "region_officer", Some("33.74"));
        let (_, other) = app.user("ks-banten-t", "region_officer", Some("36"));
        let seen = app.req("GET", &format!("/v1/travel-requests/{id}")).bearer(&viewer).send().json();
        assert_eq!(seen["personal_data_withheld"], true);
        assert!(seen["travellers"][0]["nip"].is_null() && seen["travellers"][0]["passport_number"].is_null());
        assert_eq!(seen["travellers"][0]["name"], "Drs. Sumarno, M.M.");
        let shown = app.req("GET", &format!("/v1/travel-requests/{id}")).bearer(&officer).send().json();
        assert_eq!(shown["travellers"][0]["nip"], "196805121990031007");
        assert_eq!(shown["travellers"][0]["passport_number"], "C1234567");
        let list = app.req("GET", "/v1/travel-requests").bearer(&officer).send().json();
        assert!(list["items"][0]["travellers"][0]["nip"].is_null(), "never in lists");
        app.req("GET", &format!("/v1/travel-requests/{id}")).bearer(&other).send().problem(404, "not_found");
        let events = app.get_ok(&format!("/v1/audit-events?record_id={id}&limit=100"));
        let reads: Vec<&Value> = events["items"].as_array().unwrap().iter()
            .filter(|e| e["action"] == "travel_request.personal_data_read").collect();
        assert!(reads.iter().any(|e| e["actor_name"] == "ks-semarang-t"), "{events}");
        assert!(!reads.iter().any(|e| e["actor_name"] == "pemantau-jateng"), "the viewer saw none");
    }

    /// The manual path: with a system down (here: none configured), an officer records
    /// each decision from its letter; the trip report closes the request and becomes an activity.
    fn the_manual_path_records_each_permit_and_the_report_becomes_an_activity(app) {
        let p = app.req("POST", "/v1/partners").json(&json!({"name": "Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
        let a = app.record_legacy(&json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [p.json()["id"]], "title_id": "Jateng–Queensland", "objects": ["cultural_exchange"], "languages": ["id", "en"],
            "legacy": true, "status": "active", "signed_on": "2019-08-06", "expires_on": "2029-08-05"}));
        let agreement = a.json()["id"].as_str().unwrap().to_owned();
        let mut body = request_body("33", json!([civil_servant()]));
        body["agreement_ids"] = json!([agreement]);
        let id = drafted(app, &body);
        let (_, kemendagri) = app.user("pusfasker-t", "central_reviewer", None);
        let (_, city) = app.user("ks-kota-t", "region_officer", Some("33"));
        // Recommending is the province's.
        let etag = app.get(&format!("/v1/travel-requests/{id}")).header("etag").unwrap().to_owned();
        assert_eq!(act(app, &id, json!({"action": "submit"})).status, 200);
        let etag2 = app.get(&format!("/v1/travel-requests/{id}")).header("etag").unwrap().to_owned();
        assert_ne!(etag, etag2);
        app.req("POST", &format!("/v1/travel-requests/{id}/actions")).bearer(&city).header("If-Match", &etag2)
            .json(&json!({"action": "recommend", "letter_number": "1", "letter_date": day(0)})).send().problem(403, "forbidden");
        let r = act(app, &id, json!({"action": "recommend", "letter_number": "094/2345", "letter_date": day(0)}));
        assert_eq!(r.status, 200, "{}", r.body);

        let letter = upload(app, &id, "decision_letter", Some(&kemendagri));
        assert_eq!(letter.status, 201, "{}", letter.body);
        let letter = letter.json()["id"].as_str().unwrap().to_owned();
        let p = act(app, &id, json!({"action": "record_decision", "system": "siola", "decision": "granted", "letter_number": "099/1", "letter_date": day(0)}))
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/document_id");
        act(app, &id, json!({"action": "record_decision", "system": "simpel", "decision": "granted", "letter_number": "B-1", "letter_date": day(0), "document_id": letter}))
            .problem(409, "travel_stage");
        for (system, next) in [("siola", "presidential_permit"), ("simpel", "exit_permit"), ("exit_permit", "approved_to_depart")] {
            let etag = app.get(&format!("/v1/travel-requests/{id}")).header("etag").unwrap().to_owned();
            let r = app.req("POST", &format!("/v1/travel-requests/{id}/actions")).bearer(&kemendagri).header("If-Match", &etag)
                .json(&json!({"action": "record_decision", "system": system, "decision": "granted", "letter_number": format!("{system}/2027/1"), "letter_date": day(0), "document_id": letter})).send();
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.json()["stage"], next);
            assert_eq!(r.json()["records"]["permits"][system]["manual"], true);
        }
        // Nothing was configured to send them: the queued requests were superseded, never sent.
        let d = deliveries(app, &id);
        assert_eq!(d.len(), 3);
        assert!(d.iter().all(|x| x["status"] == "superseded"), "{d:?}");

        // Sixty days on, the trip (days 30–34) lies a month back and its report is late.
        let app = &app.on_day(&day(60));
        act(app, &id, json!({"action": "record_return", "returned_on": day(65)})).problem(422, "validation_failed");
        let r = act(app, &id, json!({"action": "record_return", "returned_on": day(40)}));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["report_due_on"], day(54));
        assert_eq!(r.json()["report_late"], true);
        let late = app.get_ok("/v1/reminders?kind=trip_report_late");
        assert_eq!(late["items"][0]["record_id"], id.as_str());

        let etag = app.get(&format!("/v1/travel-requests/{id}")).header("etag").unwrap().to_owned();
        let report = json!({"basis": "Surat Tugas Gubernur 094/12", "purpose": "Rapat JWG", "activities": "Pertemuan di Brisbane",
            "results": "Pertukaran 10 guru SMK", "conclusion": "Dilanjutkan"});
        app.req("PUT", &format!("/v1/travel-requests/{id}/trip-report")).json(&report).send().problem(428, "if_match_required");
        let r = app.req("PUT", &format!("/v1/travel-requests/{id}/trip-report")).header("If-Match", &etag).json(&report).send();
        assert_eq!(r.status, 200, "{}", r.body);
        let done = r.json();
        assert_eq!(done["stage"], "closed");
        assert_eq!(done["records"]["report"]["late"], true);
        let activity = done["records"]["report"]["activity_id"].as_str().unwrap();
        let act_json = app.get_ok(&format!("/v1/activities/{activity}"));
        assert_eq!(act_json["agreement_id"], agreement.as_str());
        assert_eq!(act_json["kind"], "outgoing_visit");
        assert!(act_json["outputs"].as_str().unwrap().contains("Pertukaran 10 guru SMK"));
        assert!(app.get_ok("/v1/reminders?kind=trip_report_late")["items"].as_array().unwrap().is_empty());
    }

    /// A stored stage that does not read back is an internal error with its cause in the log,
    /// never silently a draft that could be changed or submitted again.
    fn a_corrupt_stored_stage_is_an_error_not_a_draft(app) {
        let r = app.req("POST", "/v1/travel-requests").json(&request_body("33", json!([civil_servant()]))).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let (id, etag) = (r.json()["id"].as_str().unwrap().to_owned(), r.header("etag").unwrap().to_owned());
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        diesel::sql_query(format!("UPDATE travel_requests SET stage = 'drafted' WHERE id = '{id}'"))
            .execute(&mut conn).unwrap();
        app.get(&format!("/v1/travel-requests/{id}")).problem(500, "internal_error");
        app.req("POST", &format!("/v1/travel-requests/{id}/actions")).header("If-Match", &etag)
            .json(&json!({"action": "submit"})).send().problem(500, "internal_error");
    }

    /// Rejection by the province, and cancellation, close a request with their reason.
    fn a_request_is_rejected_or_cancelled_with_a_reason(app) {
        let id = drafted(app, &request_body("33", json!([civil_servant()])));
        assert_eq!(act(app, &id, json!({"action": "submit"})).status, 200);
        act(app, &id, json!({"action": "reject"})).problem(422, "validation_failed");
        let r = act(app, &id, json!({"action": "reject", "note": "Kerangka acuan belum memuat analisis manfaat"}));
        assert_eq!(r.json()["stage"], "rejected");
        act(app, &id, json!({"action": "cancel", "note": "x"})).problem(409, "travel_stage");
        let other = drafted(app, &request_body("33", json!([civil_servant()])));
        recommended(app, &other);
        let c = act(app, &other, json!({"action": "cancel", "note": "Agenda ditunda mitra"}));
        assert_eq!(c.json()["stage"], "cancelled");
        assert!(deliveries(app, &other).iter().all(|d| d["status"] == "superseded"));
    }
}

/// Inbound callbacks: authenticated twice, deduplicated, safe out of order.
fn callbacks_scenario(app: &TestApp) {
    let id = drafted(app, &request_body("33", json!([civil_servant()])));
    recommended(app, &id);
    let (token, _, _) = integration_token(
        app,
        &[
            "integrations:siola",
            "integrations:simpel",
            "integrations:exit_permit",
        ],
    );
    let (simpel_only, _, _) = integration_token(app, &["integrations:simpel"]);

    // A bad signature, a stale timestamp, a wrong scope, no token: refused, nothing changes.
    callback(
        app,
        &token,
        "siola",
        SIMPEL_SECRET,
        "m-bad",
        &decided(&id, "granted"),
    )
    .problem(401, "invalid_signature");
    let raw = decided(&id, "granted").to_string();
    let old = Utc::now().timestamp() - 3600;
    let sig = Secret::parse(SIOLA_SECRET)
        .unwrap()
        .sign("m-old", old, raw.as_bytes());
    app.req("POST", "/v1/integrations/siola/callbacks")
        .bearer(&token)
        .header("webhook-id", "m-old")
        .header("webhook-timestamp", &old.to_string())
        .header("webhook-signature", &sig)
        .body("application/json", raw.clone().into_bytes())
        .send()
        .problem(401, "invalid_signature");
    callback(
        app,
        &simpel_only,
        "siola",
        SIOLA_SECRET,
        "m-scope",
        &decided(&id, "granted"),
    )
    .problem(403, "forbidden");
    app.req("POST", "/v1/integrations/siola/callbacks")
        .anonymous()
        .body("application/json", raw.into_bytes())
        .send()
        .problem(401, "authentication_required");
    assert_eq!(stage(app, &id), "kemendagri_permit");

    // SIMPEL's decision arrives before SIOLA's: held, then applied when the request gets there.
    let early = callback(
        app,
        &token,
        "simpel",
        SIMPEL_SECRET,
        "simpel-1",
        &decided(&id, "granted"),
    );
    assert_eq!(early.status, 200, "{}", early.body);
    assert_eq!(early.json()["outcome"], "deferred");
    assert_eq!(stage(app, &id), "kemendagri_permit");
    // The acknowledgement after the decision is only recorded.
    let ack = callback(
        app,
        &token,
        "siola",
        ROTATED_SECRET,
        "siola-ack",
        &json!({"type": "request.received", "travel_request_id": id, "external_reference": "SIOLA-2027-0042"}),
    );
    assert_eq!(
        ack.json()["outcome"],
        "recorded",
        "signed with the rotated key: accepted"
    );
    let granted = callback(
        app,
        &token,
        "siola",
        SIOLA_SECRET,
        "siola-1",
        &decided(&id, "granted"),
    );
    assert_eq!(granted.json()["outcome"], "applied");
    assert_eq!(
        granted.json()["stage"],
        "exit_permit",
        "SIOLA's grant, then SIMPEL's held grant"
    );
    // The same message again: a duplicate, nothing changes.
    let again = callback(
        app,
        &token,
        "siola",
        SIOLA_SECRET,
        "siola-1",
        &decided(&id, "granted"),
    );
    assert_eq!(again.json()["outcome"], "duplicate");
    assert_eq!(again.json()["original_outcome"], "applied");
    // A late, different message for a stage already passed: stale.
    let stale = callback(
        app,
        &token,
        "siola",
        SIOLA_SECRET,
        "siola-2",
        &decided(&id, "rejected"),
    );
    assert_eq!(stale.json()["outcome"], "stale");
    assert_eq!(stage(app, &id), "exit_permit");
    // The same message delivered twice at once: applied once, the other a duplicate.
    let ack =
        json!({"type": "request.received", "travel_request_id": id, "external_reference": "EP-77"});
    let outcomes: Vec<String> = std::thread::scope(|s| {
        let a = s.spawn(|| callback(app, &token, "exit-permit", EXIT_SECRET, "exit-ack", &ack));
        let b = s.spawn(|| callback(app, &token, "exit-permit", EXIT_SECRET, "exit-ack", &ack));
        [a.join().unwrap(), b.join().unwrap()]
            .iter()
            .map(|r| {
                assert_eq!(r.status, 200, "{}", r.body);
                r.json()["outcome"].as_str().unwrap().to_owned()
            })
            .collect()
    });
    let mut sorted = outcomes.clone();
    sorted.sort();
    assert_eq!(sorted, ["duplicate", "recorded"], "{outcomes:?}");
    let refused = callback(
        app,
        &token,
        "exit-permit",
        EXIT_SECRET,
        "exit-1",
        &decided(&id, "rejected"),
    );
    assert_eq!(refused.json()["stage"], "rejected");
    let r = app.get_ok(&format!("/v1/travel-requests/{id}"));
    assert_eq!(
        r["records"]["external_references"]["siola"],
        "SIOLA-2027-0042"
    );
    assert_eq!(r["records"]["permits"]["simpel"]["message_id"], "simpel-1");
    callback(
        app,
        &token,
        "siola",
        SIOLA_SECRET,
        "m-404",
        &decided("no-such-request", "granted"),
    )
    .problem(404, "not_found");
}

#[test]
fn callbacks_are_signed_deduplicated_and_safe_out_of_order() {
    for db in [Db::Sqlite, Db::Postgres] {
        match spawn(db, &[]) {
            Some(app) => callbacks_scenario(&app),
            None => eprintln!("SKIPPED on {db:?}: no database"),
        }
    }
}

#[test]
fn deliveries_are_dead_lettered_after_their_attempts_and_retried_by_hand() {
    for db in [Db::Sqlite, Db::Postgres] {
        // Nothing listens on this port: every attempt fails.
        let Some(app) = spawn(
            db,
            &[
                ("JALIN_SIOLA_URL", "http://127.0.0.1:9".into()),
                ("JALIN_OUTBOX_MAX_ATTEMPTS", "2".into()),
                ("JALIN_OUTBOX_TIMEOUT_SECONDS", "2".into()),
            ],
        ) else {
            eprintln!("SKIPPED on {db:?}: no database");
            continue;
        };
        let id = drafted(&app, &request_body("33", json!([civil_servant()])));
        recommended(&app, &id);
        let now = Utc::now().naive_utc();
        assert_eq!(deliver(&app, now).retrying, 1);
        assert_eq!(deliver(&app, now + Duration::hours(1)).dead, 1);
        let d = deliveries(&app, &id);
        assert_eq!(d[0]["status"], "dead");
        assert_eq!(d[0]["attempts"], 2);
        assert!(d[0]["last_error"].as_str().is_some());
        assert_eq!(
            deliver(&app, now + Duration::hours(2)).retrying,
            0,
            "dead stays dead"
        );
        let dead = app.get_ok("/v1/integrations/deliveries?status=dead");
        assert_eq!(dead["items"].as_array().unwrap().len(), 1);
        let (_, province) = app.user("biro-t", "province_officer", Some("33"));
        app.req("GET", "/v1/integrations/deliveries")
            .bearer(&province)
            .send()
            .problem(403, "forbidden");
        let mid = d[0]["id"].as_str().unwrap();
        let r = app
            .req("POST", &format!("/v1/integrations/deliveries/{mid}/retry"))
            .send();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "pending");
        assert_eq!(r.json()["attempts"], 0);
        app.req("POST", "/v1/integrations/deliveries/nope/retry")
            .send()
            .problem(404, "not_found");
        app.req("GET", "/v1/integrations/deliveries?status=lost")
            .send()
            .problem(422, "validation_failed");
    }
}
