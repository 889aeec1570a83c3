//! Implementation activities: money as exact decimals, roles, isolation.

use jalin_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};

fn agreement(app: &TestApp, region: &str) -> String {
    let p = app.req("POST", "/v1/partners")
        .json(&json!({"name": format!("Queensland {region}"), "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
    let r = app.record_legacy(&json!({"region_code": region, "subtype": "sister_province", "instrument": "mou",
        "partner_ids": [p.json()["id"]], "title_id": "MoU", "objects": ["cultural_exchange"], "languages": ["id", "en"],
        "legacy": true, "status": "active", "signed_on": "2019-08-06"}));
    r.json()["id"].as_str().unwrap().to_owned()
}

fn donation() -> Value {
    json!({"kind": "grant_received", "title": "Donasi pemulihan ekonomi masyarakat rentan", "starts_on": "2022-03-04",
        "participants": ["Pemerintah Negara Bagian Queensland", "Pemprov Jawa Tengah"],
        "money": {"amount": "2000000", "currency": "AUD", "exchange_rate": "10400", "rate_date": "2022-03-04", "rate_source": "kurs tengah BI"}})
}

on_both_databases! {
    /// Seed 000: Queensland's AUD 2,000,000 at Rp 10,400 is Rp 20,800,000,000, exactly.
    fn the_queensland_donation_is_recorded_at_its_exact_idr_value(app) {
        let a = agreement(app, "33");
        let r = app.req("POST", &format!("/v1/agreements/{a}/activities")).json(&donation()).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let act = r.json();
        assert_eq!(act["idr_equivalent"], "20800000000");
        assert_eq!(act["money"]["amount"], "2000000");
        assert_eq!(act["money"]["currency"], "AUD");
        let list = app.get_ok(&format!("/v1/agreements/{a}/activities"));
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let history = app.get_ok(&format!("/v1/agreements/{a}/history"));
        assert!(history["items"].as_array().unwrap().iter().any(|e| e["action"] == "activity.created"));
    }

    fn foreign_money_needs_its_rate_and_the_rest_is_validated(app) {
        let a = agreement(app, "33");
        let mut no_rate = donation();
        no_rate["money"] = json!({"amount": "500", "currency": "USD"});
        let p = app.req("POST", &format!("/v1/agreements/{a}/activities")).json(&no_rate).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/money/exchange_rate");
        let mut idr = donation();
        idr["money"] = json!({"amount": "150000000.50", "currency": "IDR"});
        let r = app.req("POST", &format!("/v1/agreements/{a}/activities")).json(&idr).send();
        assert_eq!(r.json()["idr_equivalent"], "150000000.5");
        let mut bad_kind = donation();
        bad_kind["kind"] = json!("party");
        app.req("POST", &format!("/v1/agreements/{a}/activities")).json(&bad_kind).send().problem(422, "validation_failed");
        let mut backwards = donation();
        backwards["ends_on"] = json!("2022-01-01");
        let p = app.req("POST", &format!("/v1/agreements/{a}/activities")).json(&backwards).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/ends_on");
    }

    fn an_agency_logs_activities_in_its_region_only(app) {
        let jateng = agreement(app, "33");
        let banten = agreement(app, "36");
        let (_, disdik) = app.user("disdik-jateng", "agency_officer", Some("33"));
        let r = app.req("POST", &format!("/v1/agreements/{jateng}/activities")).bearer(&disdik)
            .json(&json!({"kind": "exchange_programme", "title": "Pertukaran guru", "starts_on": "2023-07-10"})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        app.req("POST", &format!("/v1/agreements/{banten}/activities")).bearer(&disdik).json(&donation()).send()
            .problem(404, "not_found");
        let (_, viewer) = app.user("viewer-acts", "viewer", Some("33"));
        app.req("POST", &format!("/v1/agreements/{jateng}/activities")).bearer(&viewer).json(&donation()).send()
            .problem(403, "forbidden");
        let id = r.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(app.req("GET", &format!("/v1/activities/{id}")).bearer(&viewer).send().status, 200);
        let (_, banten_officer) = app.user("biro-banten-acts", "province_officer", Some("36"));
        app.req("GET", &format!("/v1/activities/{id}")).bearer(&banten_officer).send().problem(404, "not_found");
    }

    fn changes_need_if_match(app) {
        let a = agreement(app, "33");
        let r = app.req("POST", &format!("/v1/agreements/{a}/activities")).json(&donation()).send();
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let etag = r.header("etag").unwrap().to_owned();
        let mut changed = donation();
        changed["title"] = json!("Donasi (dikoreksi)");
        app.req("PUT", &format!("/v1/activities/{id}")).json(&changed).send().problem(428, "if_match_required");
        let ok = app.req("PUT", &format!("/v1/activities/{id}")).header("If-Match", &etag).json(&changed).send();
        assert_eq!(ok.status, 200, "{}", ok.body);
        app.req("DELETE", &format!("/v1/activities/{id}")).header("If-Match", &etag).send().problem(412, "etag_mismatch");
        let fresh = ok.header("etag").unwrap().to_owned();
        assert_eq!(app.req("DELETE", &format!("/v1/activities/{id}")).header("If-Match", &fresh).send().status, 204);
    }
}

on_both_databases! {
    /// four aspects, seven criteria, DEFAULT scale, weights and thresholds.
    fn the_default_evaluation_instrument_is_readable_with_its_basis(app) {
        let list = app.get_ok("/v1/evaluation-instruments");
        assert_eq!(list["items"][0]["id"], "default-v1");
        let i = app.get_ok("/v1/evaluation-instruments/default-v1");
        assert_eq!(i["aspects"].as_array().unwrap().len(), 4);
        assert_eq!(i["criteria"].as_array().unwrap().len(), 7);
        assert_eq!(i["aspects"][0]["weight"], "0.25");
        assert_eq!(i["thresholds"][0]["category"], "Sangat Baik");
        assert!(i["basis"].as_str().unwrap().contains("DEFAULT"));
        app.get("/v1/evaluation-instruments/default-v9").problem(404, "not_found");
    }
}
