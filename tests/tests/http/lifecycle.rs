//! After signing: termination (R19), renewal (R18), automatic expiry.

use chrono::NaiveDate;
use jalin_api::clock::Clock;
use jalin_tests::{on_both_databases, TestApp};
use serde_json::json;

fn active(app: &TestApp, expires_on: &str) -> (String, String) {
    let p = app.req("POST", "/v1/partners")
        .json(&json!({"name": format!("Fujian {expires_on}"), "kind": "foreign_local_government", "level": "province", "country": "CN"})).send();
    let r = app.req("POST", "/v1/agreements").json(&json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
        "partner_ids": [p.json()["id"]], "title_id": "MoU Jateng – Fujian", "objects": ["cultural_exchange"], "languages": ["id", "zh"],
        "legacy": true, "status": "active", "signed_on": "2016-05-10", "expires_on": expires_on})).send();
    assert_eq!(r.status, 201, "{}", r.body);
    (
        r.json()["id"].as_str().unwrap().to_owned(),
        r.header("etag").unwrap().to_owned(),
    )
}

on_both_databases! {
    /// R19: termination names its reason; only an active agreement ends this way.
    fn an_active_agreement_is_terminated_with_its_reason(app) {
        let (id, etag) = active(app, "2030-01-01");
        let body = json!({"reason": "mutual_agreement", "terminated_on": "2026-12-31", "note": "kesepakatan bersama"});
        app.req("POST", &format!("/v1/agreements/{id}/termination")).json(&body).send().problem(428, "if_match_required");
        let r = app.req("POST", &format!("/v1/agreements/{id}/termination")).header("If-Match", &etag).json(&body).send();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "terminated");
        let again = r.header("etag").unwrap().to_owned();
        app.req("POST", &format!("/v1/agreements/{id}/termination")).header("If-Match", &again).json(&body).send()
            .problem(409, "not_active");
        let p = app.req("POST", &format!("/v1/agreements/{id}/termination")).header("If-Match", &again)
            .json(&json!({"reason": "bored", "terminated_on": "2026-12-31", "note": "x"})).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/reason");
        let history = app.get_ok(&format!("/v1/agreements/{id}/history"));
        assert!(history["items"].as_array().unwrap().iter().any(|e| e["action"] == "agreement.terminated"));
    }

    /// R17: a new head of region does not end the predecessor's agreements; the refusal says so
    /// in both languages and the agreement stays active.
    fn a_change_of_head_of_region_is_no_reason_to_terminate(app) {
        let (id, etag) = active(app, "2030-01-01");
        let body = json!({"reason": "new_governor", "terminated_on": "2026-12-31", "note": "gubernur baru"});
        let p = app.req("POST", &format!("/v1/agreements/{id}/termination")).header("If-Match", &etag)
            .json(&body).send().problem(422, "validation_failed");
        assert_eq!(p["rule"], "R17");
        assert_eq!(p["errors"][0]["rule"], "R17");
        assert_eq!(p["errors"][0]["pointer"], "/reason");
        let id_text = app.req("POST", &format!("/v1/agreements/{id}/termination")).header("If-Match", &etag)
            .header("Accept-Language", "id").json(&body).send().problem(422, "validation_failed");
        assert!(id_text["errors"][0]["message"].as_str().unwrap().contains("pergantian kepala daerah"));
        assert_eq!(app.get_ok(&format!("/v1/agreements/{id}"))["status"], "active");
    }

    /// R18: a renewal re-runs the workflow; the successor links to its predecessor.
    fn a_renewal_starts_a_linked_successor_in_approval(app) {
        let (id, _) = active(app, "2027-05-09");
        let r = app.req("POST", &format!("/v1/agreements/{id}/renewals")).header("Idempotency-Key", "renew-fujian-1").send();
        assert_eq!(r.status, 201, "{}", r.body);
        let successor = r.json();
        assert_eq!(successor["predecessor_id"], id.as_str());
        assert_eq!(successor["status"], "in_approval");
        assert_eq!(successor["legacy"], false);
        let sid = successor["id"].as_str().unwrap();
        let w = app.get_ok(&format!("/v1/agreements/{sid}/workflow"));
        assert_eq!(w["current_stage"], "exploration");
        assert_eq!(w["definition_key"], "ksdpl");
        let replay = app.req("POST", &format!("/v1/agreements/{id}/renewals")).header("Idempotency-Key", "renew-fujian-1").send();
        assert_eq!(replay.json()["id"], successor["id"], "a retried renewal creates nothing new");
        app.req("POST", &format!("/v1/agreements/{sid}/renewals")).send().problem(409, "not_renewable");
    }

    /// Agreements expire at their end date, audited with the system as actor: registered on
    /// 30 January 2026, the jobs run on 1 February, the day after the first one's end.
    fn agreements_expire_automatically_at_their_end_date(app) with [("JALIN_INSTANCE", "training"), ("JALIN_TEST_TODAY", "2026-01-30")] {
        let (id, _) = active(app, "2026-01-31");
        let (future, _) = active(app, "2031-01-01");
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        let clock = Clock::on(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        let report = jalin_api::jobs::run_all(&mut conn, &Default::default(), &clock).unwrap();
        assert_eq!(report.expired, 1);
        assert_eq!(app.get_ok(&format!("/v1/agreements/{id}"))["status"], "expired");
        assert_eq!(app.get_ok(&format!("/v1/agreements/{future}"))["status"], "active");
        let history = app.get_ok(&format!("/v1/agreements/{id}/history"));
        let event = history["items"].as_array().unwrap().iter().find(|e| e["action"] == "agreement.expired").unwrap().clone();
        assert_eq!(event["actor_type"], "system");
        assert_eq!(jalin_api::jobs::run_all(&mut conn, &Default::default(), &clock).unwrap().expired, 0, "running again changes nothing");
        assert_eq!(app.get_ok("/v1/audit-events/verify")["intact"], true);
    }
}
