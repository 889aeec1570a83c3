//! Monitoring: action plans against realisation, evaluations with their
//! arithmetic, dormancy, annual reports (R21, R22), reminders and the overview, per scope.

use chrono::Duration;
use jalin_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};

use crate::access::full_answers;
use crate::documents::{pdf, upload};

/// A legacy agreement recorded as active (R23) in `region`, with its dates.
fn active(
    app: &TestApp,
    region: &str,
    title: &str,
    instrument: &str,
    signed_on: &str,
    expires_on: Option<&str>,
) -> String {
    let city = region.contains('.');
    let p = app
        .req("POST", "/v1/partners")
        .json(
            &json!({"name": format!("Partner {title}"), "kind": "foreign_local_government",
                      "level": if city { "city" } else { "state" }, "country": "AU"}),
        )
        .send();
    assert_eq!(p.status, 201, "{}", p.body);
    let r = app.record_legacy(&json!({
        "region_code": region, "subtype": if city { "sister_city" } else { "sister_province" }, "instrument": instrument,
        "partner_ids": [p.json()["id"]], "title_id": title, "objects": ["cultural_exchange"], "languages": ["id", "en"],
        "legacy": true, "status": "active", "signed_on": signed_on, "effective_from": signed_on, "expires_on": expires_on}));
    r.json()["id"].as_str().unwrap().to_owned()
}

/// Today as the server sees it: in WIB, on the real clock.
fn today() -> chrono::NaiveDate {
    jalin_api::clock::Clock::system().today()
}

fn plan() -> Value {
    json!({"kind": "action_plan", "title": "Rencana Aksi Jawa Tengah–Queensland 2025–2026",
        "items": [
            {"key": "2025-01", "year": 2025, "what": "Pelatihan guru SMK pariwisata", "who": "Dinas Pendidikan", "budget": {"amount": "150000000", "currency": "IDR"}},
            {"key": "2025-02", "year": 2025, "what": "Kunjungan balasan ke Queensland", "who": "Biro Pemerintahan"},
            {"key": "2026-01", "year": 2026, "what": "Pertukaran pelajar", "who": "Dinas Pendidikan"}
        ],
        "indicators": [{"key": "teachers-trained", "name": "Guru SMK yang dilatih", "unit": "orang", "target": "40"}]})
}

fn activity(app: &TestApp, agreement: &str, body: Value) -> Value {
    let r = app
        .req("POST", &format!("/v1/agreements/{agreement}/activities"))
        .json(&body)
        .send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

fn reminders(app: &TestApp, token: Option<&str>, query: &str) -> Vec<Value> {
    let mut req = app.req("GET", &format!("/v1/reminders?limit=100{query}"));
    if let Some(t) = token {
        req = req.bearer(t);
    }
    let r = req.send();
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["items"].as_array().unwrap().clone()
}

on_both_databases! {
    /// Seed 000 §D.5: success is the match between plan and realisation — planned items done per
    /// year, indicators' targets against what the activities achieved.
    fn the_action_plan_shows_realisation_against_plan(app) {
        let a = active(app, "33", "Kerja Sama Jateng–Queensland", "mou", "2019-08-06", Some("2029-08-05"));
        app.req("GET", &format!("/v1/agreements/{a}/action-plan")).send().problem(404, "not_found");
        let r = app.req("PUT", &format!("/v1/agreements/{a}/action-plan")).json(&plan()).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let etag = r.header("etag").unwrap().to_owned();
        let p = r.json();
        assert_eq!(p["realisation"]["planned"], 3);
        assert_eq!(p["realisation"]["percent_done"], "0");

        let doc = upload(app, &a, &[("role", None, b"evidence"), ("file", Some("daftar-hadir.pdf"), &pdf())]);
        assert_eq!(doc.status, 201, "{}", doc.body);
        let doc = doc.json()["id"].as_str().unwrap().to_owned();
        let first = activity(app, &a, json!({"kind": "training", "title": "Pelatihan guru SMK", "starts_on": "2025-07-01",
            "documents": [doc], "plan_items": ["2025-01"], "indicators": [{"key": "teachers-trained", "value": "25"}]}));
        assert_eq!(first["plan_items"], json!(["2025-01"]));
        assert_eq!(first["documents"][0], doc.as_str());

        let p = app.get_ok(&format!("/v1/agreements/{a}/action-plan"));
        assert_eq!(p["realisation"]["done"], 1);
        assert_eq!(p["realisation"]["percent_done"], "33.33");
        assert_eq!(p["realisation"]["years"][0], json!({"year": 2025, "planned": 2, "done": 1, "percent_done": "50"}));
        assert_eq!(p["realisation"]["years"][1], json!({"year": 2026, "planned": 1, "done": 0, "percent_done": "0"}));
        assert_eq!(p["items"][0]["done"], true);
        assert_eq!(p["items"][0]["activity_ids"][0], first["id"]);
        assert_eq!(p["items"][1]["done"], false);
        assert_eq!(p["indicators"][0]["achieved"], "25");
        assert_eq!(p["indicators"][0]["percent_achieved"], "62.5");

        activity(app, &a, json!({"kind": "outgoing_visit", "title": "Kunjungan ke Brisbane", "starts_on": "2025-10-10",
            "plan_items": ["2025-02"], "indicators": [{"key": "teachers-trained", "value": "20"}]}));
        let p = app.get_ok(&format!("/v1/agreements/{a}/action-plan"));
        assert_eq!(p["realisation"]["years"][0]["percent_done"], "100");
        assert_eq!(p["indicators"][0]["achieved"], "45");
        assert_eq!(p["indicators"][0]["percent_achieved"], "112.5", "over-achievement shows");

        // Links must point into this agreement's plan and documents.
        let other = active(app, "33", "Kerja Sama lain", "mou", "2020-01-01", None);
        let foreign_doc = upload(app, &other, &[("role", None, b"evidence"), ("file", Some("x.pdf"), &pdf())]).json()["id"].clone();
        for (body, pointer) in [
            (json!({"kind": "training", "title": "x", "starts_on": "2025-01-01", "plan_items": ["2099-01"]}), "/plan_items/0"),
            (json!({"kind": "training", "title": "x", "starts_on": "2025-01-01", "documents": [foreign_doc]}), "/documents/0"),
            (json!({"kind": "training", "title": "x", "starts_on": "2025-01-01", "indicators": [{"key": "teachers-trained", "value": "-1"}]}), "/indicators/0/value"),
            (json!({"kind": "training", "title": "x", "starts_on": "2025-01-01", "indicators": [{"key": "nope", "value": "1"}]}), "/indicators/0/key"),
        ] {
            let p = app.req("POST", &format!("/v1/agreements/{a}/activities")).json(&body).send().problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["pointer"], pointer, "{p}");
        }

        // Replacing needs the current ETag, and cannot drop what activities cite.
        let mut smaller = plan();
        smaller["items"] = json!([smaller["items"][0].clone(), smaller["items"][2].clone()]);
        app.req("PUT", &format!("/v1/agreements/{a}/action-plan")).json(&smaller).send().problem(428, "if_match_required");
        app.req("PUT", &format!("/v1/agreements/{a}/action-plan")).header("If-Match", "\"stale\"").json(&smaller).send().problem(412, "etag_mismatch");
        let current = app.get(&format!("/v1/agreements/{a}/action-plan")).header("etag").unwrap().to_owned();
        assert_eq!(current, etag, "activities do not change the plan itself");
        let p = app.req("PUT", &format!("/v1/agreements/{a}/action-plan")).header("If-Match", &current).json(&smaller).send()
            .problem(409, "plan_key_in_use");
        assert!(p["detail"].as_str().unwrap().contains("2025-02"), "{p}");
        let mut dup = plan();
        dup["items"][1]["key"] = json!("2025-01");
        let p = app.req("PUT", &format!("/v1/agreements/{a}/action-plan")).header("If-Match", &current).json(&dup).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/items/1/key");
        let mut renamed = plan();
        renamed["title"] = json!("Master plan kerja sama teknik");
        renamed["kind"] = json!("master_plan");
        let r = app.req("PUT", &format!("/v1/agreements/{a}/action-plan")).header("If-Match", &current).json(&renamed).send();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["kind"], "master_plan");
        let history = app.get_ok(&format!("/v1/agreements/{a}/history"));
        let actions: Vec<&str> = history["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"action_plan.created") && actions.contains(&"action_plan.updated"), "{actions:?}");
    }

    /// the response shows the arithmetic; the evaluation keeps its instrument
    /// version; draft → submitted → verified by the province for its regencies/cities.
    fn an_evaluation_shows_its_arithmetic_and_is_verified_by_the_province(app) {
        let a = active(app, "33.74", "Sister city Semarang–Brisbane", "mou", "2019-01-10", Some("2029-01-09"));
        let (_, city) = app.user("bagian-ks-semarang", "region_officer", Some("33.74"));
        let (_, province) = app.user("biro-jateng", "province_officer", Some("33"));
        let (_, evaluator) = app.user("evaluator-jateng", "evaluator", Some("33"));
        let act = activity(app, &a, json!({"kind": "exchange_programme", "title": "Pertukaran pelajar", "starts_on": "2024-05-01"}));

        let mut body = full_answers();
        for (k, v) in ["benefits", "benefits_people", "programmes", "plan_fit", "objectives", "obstacles", "continue", "commitment"]
            .iter().zip([4, 3, 3, 3, 2, 3, 4, 4]) {
            body["indicators"][k]["value"] = json!(v);
        }
        body["indicators"]["programmes"]["evidence"] = json!([{"kind": "activity", "id": act["id"]}]);
        let draft = app.req("POST", &format!("/v1/agreements/{a}/evaluations")).bearer(&evaluator)
            .json(&json!({"period_start": "2024-01-01", "period_end": "2024-12-31", "indicators": {"benefits": {"value": 4}}})).send();
        assert_eq!(draft.status, 201, "{}", draft.body);
        let d = draft.json();
        assert_eq!(d["status"], "draft");
        assert_eq!(d["instrument_id"], "default-v1");
        assert!(d["score"].is_null(), "incomplete: no score yet");
        assert_eq!(d["missing"].as_array().unwrap().len(), 7 + 7);
        let id = d["id"].as_str().unwrap().to_owned();

        // Submitting an incomplete draft names every missing answer.
        let p = app.req("POST", &format!("/v1/evaluations/{id}/submit")).bearer(&evaluator)
            .header("If-Match", draft.header("etag").unwrap()).send().problem(422, "validation_failed");
        assert_eq!(p["errors"].as_array().unwrap().len(), 14, "{p}");
        assert!(p["errors"].as_array().unwrap().iter().any(|e| e["pointer"] == "/criteria/law"));

        // Bad answers are refused even in a draft.
        for (bad, pointer) in [
            (json!({"period_start": "2024-01-01", "period_end": "2024-12-31", "indicators": {"benefits": {"value": 5}}}), "/indicators/benefits/value"),
            (json!({"period_start": "2024-01-01", "period_end": "2024-12-31", "indicators": {"vibes": {"value": 3}}}), "/indicators/vibes"),
            (json!({"period_start": "2024-01-01", "period_end": "2023-12-31"}), "/period_end"),
            (json!({"period_start": "2024-01-01", "period_end": "2024-12-31", "instrument_id": "default-v9"}), "/instrument_id"),
            (json!({"period_start": "2024-01-01", "period_end": "2024-12-31", "indicators": {"benefits": {"value": 3, "evidence": [{"kind": "document", "id": "nope"}]}}}), "/indicators/benefits/evidence/0"),
        ] {
            let p = app.req("PUT", &format!("/v1/evaluations/{id}")).bearer(&evaluator)
                .header("If-Match", draft.header("etag").unwrap()).json(&bad).send().problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["pointer"], pointer, "{p}");
        }
        let r = app.req("PUT", &format!("/v1/evaluations/{id}")).bearer(&evaluator)
            .header("If-Match", draft.header("etag").unwrap()).json(&body).send();
        assert_eq!(r.status, 200, "{}", r.body);
        let e = r.json();
        // quality (4+3)/2 = 3.5 → 83.33 × 0.25; relevance 3 → 66.67; productivity 2.5 → 50; sustainability 4 → 100.
        let s = &e["score"];
        assert_eq!(s["aspects"][0]["key"], "quality");
        assert_eq!(s["aspects"][0]["mean"], "3.5");
        assert_eq!(s["aspects"][0]["score"], "83.33");
        assert_eq!(s["aspects"][0]["weighted"], "20.8325");
        assert_eq!(s["aspects"][1]["score"], "66.67");
        assert_eq!(s["aspects"][2]["score"], "50");
        assert_eq!(s["aspects"][3]["score"], "100");
        assert_eq!(s["total"], "75");
        assert_eq!(s["category"], "Baik");
        assert_eq!(s["recommendation"], "continue_or_extend");
        assert_eq!(s["compliance_review"], false);
        assert_eq!(e["missing"], json!([]));

        let submitted = app.req("POST", &format!("/v1/evaluations/{id}/submit")).bearer(&evaluator)
            .header("If-Match", r.header("etag").unwrap()).send();
        assert_eq!(submitted.status, 200, "{}", submitted.body);
        assert_eq!(submitted.json()["status"], "submitted");
        let tag = submitted.header("etag").unwrap().to_owned();
        app.req("PUT", &format!("/v1/evaluations/{id}")).bearer(&evaluator).header("If-Match", &tag).json(&body).send()
            .problem(409, "evaluation_not_draft");
        // The city cannot verify its own evaluation; the province can, for its city.
        app.req("POST", &format!("/v1/evaluations/{id}/verify")).bearer(&city).header("If-Match", &tag).json(&json!({})).send()
            .problem(403, "forbidden");
        app.req("POST", &format!("/v1/evaluations/{id}/return")).bearer(&province).header("If-Match", &tag).json(&json!({})).send()
            .problem(422, "validation_failed");
        let returned = app.req("POST", &format!("/v1/evaluations/{id}/return")).bearer(&province).header("If-Match", &tag)
            .json(&json!({"note": "Lampirkan bukti kegiatan 2024."})).send();
        assert_eq!(returned.status, 200, "{}", returned.body);
        assert_eq!(returned.json()["status"], "draft");
        assert_eq!(returned.json()["review_note"], "Lampirkan bukti kegiatan 2024.");
        let again = app.req("POST", &format!("/v1/evaluations/{id}/submit")).bearer(&evaluator)
            .header("If-Match", returned.header("etag").unwrap()).send();
        assert_eq!(again.status, 200, "{}", again.body);
        let verified = app.req("POST", &format!("/v1/evaluations/{id}/verify")).bearer(&province)
            .header("If-Match", again.header("etag").unwrap()).json(&json!({"note": "Sesuai."})).send();
        assert_eq!(verified.status, 200, "{}", verified.body);
        let v = verified.json();
        assert_eq!(v["status"], "verified");
        assert_eq!(v["verified_by"], "biro-jateng");
        assert_eq!(v["score"]["total"], "75");
        app.req("POST", &format!("/v1/evaluations/{id}/return")).bearer(&province)
            .header("If-Match", verified.header("etag").unwrap()).json(&json!({"note": "x"})).send()
            .problem(409, "evaluation_state");
        let history = app.get_ok(&format!("/v1/agreements/{a}/history"));
        let actions: Vec<&str> = history["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for a in ["evaluation.created", "evaluation.updated", "evaluation.submitted", "evaluation.returned", "evaluation.verified"] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
    }

    /// A failed compliance criterion sends the agreement to a compliance review; a province's own
    /// agreement is verified centrally, not by the province.
    fn a_failed_criterion_means_compliance_review_and_central_verification(app) {
        let a = active(app, "33", "MoU Jateng–Fujian", "mou", "2016-05-10", Some("2030-01-01"));
        let (_, province) = app.user("biro-jateng-2", "province_officer", Some("33"));
        let (_, kemendagri) = app.user("pusfasker", "central_reviewer", None);
        let mut body = full_answers();
        body["criteria"]["gender"] = json!({"passed": false, "note": "Tidak ada data terpilah gender"});
        let r = app.req("POST", &format!("/v1/agreements/{a}/evaluations")).bearer(&province).json(&body).send();
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["score"]["failed_criteria"], json!(["gender"]));
        assert_eq!(r.json()["score"]["compliance_review"], true);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let s = app.req("POST", &format!("/v1/evaluations/{id}/submit")).bearer(&province).header("If-Match", r.header("etag").unwrap()).send();
        assert_eq!(s.status, 200, "{}", s.body);
        let tag = s.header("etag").unwrap().to_owned();
        app.req("POST", &format!("/v1/evaluations/{id}/verify")).bearer(&province).header("If-Match", &tag).json(&json!({})).send()
            .problem(409, "not_the_verifier");
        let v = app.req("POST", &format!("/v1/evaluations/{id}/verify")).bearer(&kemendagri).header("If-Match", &tag).json(&json!({})).send();
        assert_eq!(v.status, 200, "{}", v.body);
        let list = app.get_ok(&format!("/v1/agreements/{a}/evaluations"));
        assert_eq!(list["items"][0]["status"], "verified");
    }

    /// an active agreement without activity for 24 months (configuration) is
    /// flagged by the job, audited with the system as actor; a new activity clears the flag.
    fn dormant_agreements_are_flagged_and_revived_by_an_activity(app) {
        let sleeping = active(app, "33", "Sister province yang tertidur", "mou", "2019-08-06", Some("2029-08-05"));
        let busy = active(app, "33", "Kerja sama yang berjalan", "mou", "2019-08-06", Some("2029-08-05"));
        let fresh = active(app, "33", "Kerja sama baru", "mou", &(today() - Duration::days(100)).to_string(), None);
        activity(app, &busy, json!({"kind": "incoming_delegation", "title": "Delegasi Queensland", "starts_on": (today() - Duration::days(30)).to_string()}));
        activity(app, &sleeping, json!({"kind": "outgoing_visit", "title": "Kunjungan lama", "starts_on": "2021-03-01"}));
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        let report = jalin_api::jobs::run_all(&mut conn, &app.state().config.monitoring, &app.state().config.clock).unwrap();
        assert_eq!((report.dormant, report.revived), (1, 0));
        let s = app.get_ok(&format!("/v1/agreements/{sleeping}"));
        assert_eq!(s["dormant_since"], today().to_string());
        assert!(app.get_ok(&format!("/v1/agreements/{busy}"))["dormant_since"].is_null());
        assert!(app.get_ok(&format!("/v1/agreements/{fresh}"))["dormant_since"].is_null());
        let history = app.get_ok(&format!("/v1/agreements/{sleeping}/history"));
        let event = history["items"].as_array().unwrap().iter().find(|e| e["action"] == "agreement.dormant").unwrap().clone();
        assert_eq!(event["actor_type"], "system");
        assert_eq!(jalin_api::jobs::run_all(&mut conn, &Default::default(), &app.state().config.clock).unwrap(), Default::default(), "running again changes nothing");
        let dormant: Vec<Value> = reminders(app, None, "&kind=dormant");
        assert_eq!(dormant.len(), 1);
        assert_eq!(dormant[0]["record_id"], sleeping.as_str());
        assert_eq!(app.get_ok("/v1/stats/overview")["dormant"], 1);

        activity(app, &sleeping, json!({"kind": "joint_working_group", "title": "Rapat JWG", "starts_on": today().to_string()}));
        assert!(app.get_ok(&format!("/v1/agreements/{sleeping}"))["dormant_since"].is_null(), "cleared at once");
        let history = app.get_ok(&format!("/v1/agreements/{sleeping}/history"));
        assert!(history["items"].as_array().unwrap().iter().any(|e| e["action"] == "agreement.revived"));
        assert!(reminders(app, None, "&kind=dormant").is_empty());

        // The period is configuration: with one month, `fresh` (started 100 days ago, nothing
        // since) is dormant, `busy` (an activity 30 days ago) is not.
        let short = jalin_domain::monitoring::MonitoringPolicy { dormancy_months: 1, ..Default::default() };
        let report = jalin_api::jobs::run_all(&mut conn, &short, &app.state().config.clock).unwrap();
        assert_eq!(report.dormant, 1);
        assert!(!app.get_ok(&format!("/v1/agreements/{fresh}"))["dormant_since"].is_null());
        assert!(app.get_ok(&format!("/v1/agreements/{busy}"))["dormant_since"].is_null());
        assert_eq!(app.get_ok("/v1/audit-events/verify")["intact"], true);
    }

    /// R22: due 7 working days after the fiscal year (2024 → 2025-01-10); a submission after it
    /// is late; the content is compiled from the records (seed 000's AUD 2,000,000 donation).
    fn annual_reports_are_due_seven_working_days_after_the_year_and_record_lateness(app) {
        let a = active(app, "33", "Kerja Sama Jateng–Queensland", "mou", "2019-08-06", Some("2029-08-05"));
        activity(app, &a, json!({"kind": "grant_received", "title": "Donasi pemulihan ekonomi Queensland", "starts_on": "2024-03-04",
            "money": {"amount": "2000000", "currency": "AUD", "exchange_rate": "10400", "rate_date": "2024-03-04", "rate_source": "kurs tengah BI"}}));
        activity(app, &a, json!({"kind": "training", "title": "Pelatihan", "starts_on": "2024-06-01"}));
        activity(app, &a, json!({"kind": "training", "title": "Pelatihan 2025", "starts_on": "2025-06-01"}));
        let (_, province) = app.user("biro-jateng-3", "province_officer", Some("33"));
        let r = app.req("POST", "/v1/annual-reports").bearer(&province).json(&json!({"region_code": "33", "fiscal_year": 2024})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let rep = r.json();
        assert_eq!(rep["due_on"], "2025-01-10");
        assert_eq!(rep["status"], "draft");
        assert_eq!(rep["state"], "overdue");
        assert_eq!(rep["content"]["activities"]["grants_received_idr"], "20800000000");
        assert_eq!(rep["content"]["activities"]["by_kind"], json!({"grant_received": 1, "training": 1}));
        assert_eq!(rep["content"]["agreements"]["in_force"], 1);
        assert_eq!(rep["content"]["agreement_lines"][0]["activities"], 2);
        app.req("POST", "/v1/annual-reports").bearer(&province).json(&json!({"region_code": "33", "fiscal_year": 2024})).send()
            .problem(409, "report_exists");
        let p = app.req("POST", "/v1/annual-reports").bearer(&province)
            .json(&json!({"region_code": "33", "fiscal_year": today().format("%Y").to_string().parse::<i32>().unwrap()})).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/fiscal_year");
        app.req("POST", "/v1/annual-reports").bearer(&province).json(&json!({"region_code": "33.74", "fiscal_year": 2024})).send()
            .problem(403, "forbidden");

        let id = rep["id"].as_str().unwrap();
        app.req("POST", &format!("/v1/annual-reports/{id}/submit")).bearer(&province).send().problem(428, "if_match_required");
        let s = app.req("POST", &format!("/v1/annual-reports/{id}/submit")).bearer(&province).header("If-Match", r.header("etag").unwrap()).send();
        assert_eq!(s.status, 200, "{}", s.body);
        let done = s.json();
        assert_eq!(done["status"], "submitted");
        assert_eq!(done["on_time"], false);
        assert_eq!(done["state"], "submitted_late");
        assert_eq!(done["submitted_on"], today().to_string());
        app.req("POST", &format!("/v1/annual-reports/{id}/submit")).bearer(&province).header("If-Match", s.header("etag").unwrap()).send()
            .problem(409, "report_submitted");
        // Frozen: a later activity in 2024 does not change the submitted report.
        activity(app, &a, json!({"kind": "other", "title": "Catatan susulan", "starts_on": "2024-12-01"}));
        assert_eq!(app.get_ok(&format!("/v1/annual-reports/{id}"))["content"]["activities"]["total"], 2);
        // The calendar decides the due date: a year past the holiday data is an explicit error.
        app.req("POST", "/v1/annual-reports").json(&json!({"region_code": "36", "fiscal_year": 2010})).send()
            .problem(422, "calendar_out_of_range");
    }

    /// R21: a province sees its regencies'/cities' reports and which are missing or late; a
    /// city sees only its own; Kemendagri sees all.
    fn a_province_sees_which_regency_reports_are_missing_or_late(app) {
        active(app, "33", "Provinsi", "mou", "2019-08-06", Some("2030-01-01"));
        active(app, "33.74", "Kota Semarang", "mou", "2019-08-06", Some("2030-01-01"));
        active(app, "33.01", "Kabupaten Cilacap", "mou", "2019-08-06", Some("2030-01-01"));
        active(app, "36", "Banten", "mou", "2019-08-06", Some("2030-01-01"));
        let (_, semarang) = app.user("ks-semarang", "region_officer", Some("33.74"));
        let (_, province) = app.user("biro-jateng-4", "province_officer", Some("33"));
        let r = app.req("POST", "/v1/annual-reports").bearer(&semarang).json(&json!({"region_code": "33.74", "fiscal_year": 2025})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let s = app.req("POST", &format!("/v1/annual-reports/{}/submit", r.json()["id"].as_str().unwrap())).bearer(&semarang)
            .header("If-Match", r.header("etag").unwrap()).send();
        assert_eq!(s.status, 200, "{}", s.body);

        let c = app.req("GET", "/v1/annual-reports/compliance?fiscal_year=2025").bearer(&province).send();
        assert_eq!(c.status, 200, "{}", c.body);
        let c = c.json();
        let states: Vec<(String, String)> = c["regions"].as_array().unwrap().iter()
            .map(|r| (r["region_code"].as_str().unwrap().to_owned(), r["state"].as_str().unwrap().to_owned())).collect();
        assert_eq!(states, vec![
            ("33".to_owned(), "overdue".to_owned()),
            ("33.01".to_owned(), "overdue".to_owned()),
            ("33.74".to_owned(), "submitted_late".to_owned()),
        ], "Banten is not the province's business");
        assert_eq!((c["submitted_late"].as_u64(), c["missing"].as_u64(), c["overdue"].as_u64()), (Some(1), Some(2), Some(2)));
        assert!(c["due_on"].as_str().unwrap().starts_with("2026-01-"));
        let regions = app.req("GET", "/v1/annual-reports/compliance?fiscal_year=2025").bearer(&semarang).send().json();
        assert_eq!(regions["regions"].as_array().unwrap().len(), 1);
        let national = app.get_ok("/v1/annual-reports/compliance?fiscal_year=2025&region=36");
        assert_eq!(national["regions"][0]["region_code"], "36");
        let listed = app.req("GET", "/v1/annual-reports?fiscal_year=2025").bearer(&province).send().json();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
        assert_eq!(listed["items"][0]["region_code"], "33.74");
        // Reminders: overdue reports in the province's scope, none for Banten.
        let overdue: Vec<String> = reminders(app, Some(&province), "&kind=report_overdue").iter()
            .filter(|r| r["title"].as_str().unwrap().ends_with("2025"))
            .map(|r| r["region_code"].as_str().unwrap().to_owned()).collect();
        assert_eq!(overdue, vec!["33", "33.01"]);
    }

    /// Reminders in the caller's scope: expiry windows, LoI without agreement, overdue stages,
    /// evaluations due — and another region's never shows. Today is 2 March 2026 (WIB).
    fn reminders_follow_the_callers_scope(app) with [("JALIN_INSTANCE", "training"), ("JALIN_TEST_TODAY", "2026-03-02")] {
        let today = || chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let soon = (today() + Duration::days(45)).to_string();
        let later = (today() + Duration::days(150)).to_string();
        let expiring = active(app, "33.74", "Segera berakhir", "mou", "2021-01-01", Some(&soon));
        let expiring_later = active(app, "33", "Berakhir nanti", "mou", "2021-01-01", Some(&later));
        let banten = active(app, "36", "Banten berakhir", "mou", "2021-01-01", Some(&soon));
        let loi = active(app, "33", "Pernyataan kehendak", "loi", "2023-02-01", None);
        let (_, province) = app.user("biro-jateng-5", "province_officer", Some("33"));
        let (_, semarang) = app.user("ks-semarang-2", "region_officer", Some("33.74"));

        let mine = reminders(app, Some(&province), "&kind=expiring");
        let ids: Vec<&str> = mine.iter().map(|r| r["record_id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![expiring.as_str(), expiring_later.as_str()], "soonest first; Banten's is not ours");
        assert_eq!(mine[0]["window_days"], 90);
        assert_eq!(mine[0]["days"], 45);
        assert_eq!(mine[1]["window_days"], 180);
        let city = reminders(app, Some(&semarang), "");
        assert!(city.iter().all(|r| r["region_code"] == "33.74"), "{city:?}");
        assert!(city.iter().any(|r| r["kind"] == "expiring"));
        assert!(reminders(app, None, "&kind=expiring").iter().any(|r| r["record_id"] == banten.as_str()), "central sees all");

        let lois = reminders(app, Some(&province), "&kind=loi_without_agreement");
        assert_eq!(lois.len(), 1);
        assert_eq!(lois[0]["record_id"], loi.as_str());
        assert_eq!(lois[0]["due_on"], "2024-02-01");

        // Never evaluated and active for over 12 months: due.
        let due: Vec<String> = reminders(app, Some(&province), "&kind=evaluation_due").iter()
            .map(|r| r["record_id"].as_str().unwrap().to_owned()).collect();
        assert!(due.contains(&expiring) && due.contains(&loi), "{due:?}");
        let r = app.req("POST", &format!("/v1/agreements/{expiring}/evaluations")).json(&full_answers()).send();
        let id = r.json()["id"].as_str().unwrap().to_owned();
        app.req("POST", &format!("/v1/evaluations/{id}/submit")).header("If-Match", r.header("etag").unwrap()).send();
        assert!(!reminders(app, Some(&province), "&kind=evaluation_due").iter().any(|r| r["record_id"] == expiring.as_str()),
            "a submitted evaluation settles it");

        // An approval case whose stage is past its due date (R10: overdue is flagged, never approved):
        // the plan reaches DPRD today, which records its receipt, and by 30 June its 45 working
        // days have run out.
        let succ = app.req("POST", &format!("/v1/agreements/{expiring_later}/renewals")).send();
        assert_eq!(succ.status, 201, "{}", succ.body);
        let people = crate::cases::people(app);
        let (sid, etag) = crate::cases::draft(app, false);
        let e = crate::cases::advance(app, &people, &sid, &etag, 4);
        let sent = crate::cases::sent_to_dprd_on(app, &sid);
        let receipt = json!({"action": "record_receipt", "record": {"kind": "dprd_receipt", "received_on": sent, "letter_number": "005/1"}});
        let r = crate::cases::act(app, &people.dprd, &sid, &e, receipt);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(reminders(app, Some(&province), "&kind=stage_overdue").is_empty(), "not yet due");
        let later = app.on_day("2026-06-30");
        let overdue = reminders(&later, Some(&province), "&kind=stage_overdue");
        assert_eq!(overdue.len(), 1);
        assert_eq!(overdue[0]["record_id"], sid.as_str());
        assert!(reminders(&later, Some(&semarang), "&kind=stage_overdue").is_empty());
        assert_eq!(later.req("GET", "/v1/stats/overview").bearer(&province).send().json()["overdue_stages"], 1);

        // Paging walks the same list without repeats.
        let all = reminders(app, Some(&province), "");
        let mut paged = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = app.req("GET", &format!("/v1/reminders?limit=2&cursor={cursor}")).bearer(&province).send().json();
            paged.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_owned(),
                None => break,
            }
        }
        assert_eq!(paged, all);
        let p = app.req("GET", "/v1/reminders?kind=bored").send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["parameter"], "kind");
    }

    /// The overview and the reminders are reused for a few seconds per scope
    /// (JALIN_SUMMARY_CACHE_SECONDS), but never across a write made through the API: the
    /// officer who registers an agreement sees it counted and reminded on the next request.
    fn a_write_shows_in_the_overview_and_reminders_at_once(app) {
        let (_, province) = app.user("biro-jateng-7", "province_officer", Some("33"));
        let overview = |app: &TestApp| app.req("GET", "/v1/stats/overview").bearer(&province).send().json();
        assert_eq!(overview(app)["agreements"], 0);
        assert!(reminders(app, Some(&province), "&kind=expiring").is_empty());
        let soon = (today() + Duration::days(20)).to_string();
        active(app, "33", "Jateng–Queensland", "mou", "2019-08-06", Some(&soon));
        assert_eq!(overview(app)["agreements"], 1, "the new agreement counts at once");
        assert_eq!(reminders(app, Some(&province), "&kind=expiring").len(), 1);
        active(app, "33.74", "Semarang–Brisbane", "mou", "2019-08-06", Some(&soon));
        assert_eq!(overview(app)["expiring"][0]["count"], 2);
        assert_eq!(reminders(app, Some(&province), "&kind=expiring").len(), 2);
        // Another scope is another summary: the regency's own officer sees only its agreement.
        let (_, semarang) = app.user("semarang-7", "region_officer", Some("33.74"));
        assert_eq!(app.req("GET", "/v1/stats/overview").bearer(&semarang).send().json()["agreements"], 1);
        assert_eq!(reminders(app, Some(&semarang), "&kind=expiring").len(), 1);
    }

    /// The overview counts by status, kind, country and region within the caller's scope.
    fn the_overview_counts_within_the_callers_scope(app) {
        let soon = (today() + Duration::days(20)).to_string();
        active(app, "33", "Jateng–Queensland", "mou", "2019-08-06", Some(&soon));
        active(app, "33.74", "Semarang–Brisbane", "mou", "2019-08-06", None);
        active(app, "36", "Banten", "mou", "2019-08-06", None);
        let (_, province) = app.user("biro-jateng-6", "province_officer", Some("33"));
        let o = app.req("GET", "/v1/stats/overview").bearer(&province).send();
        assert_eq!(o.status, 200, "{}", o.body);
        let o = o.json();
        assert_eq!(o["agreements"], 2);
        assert_eq!(o["by_status"], json!({"active": 2}));
        assert_eq!(o["by_kind"], json!({"ksdpl": 2}));
        assert_eq!(o["by_country"], json!({"AU": 2}));
        assert_eq!(o["by_region"], json!({"33": 1, "33.74": 1}));
        assert_eq!(o["expiring"], json!([{"within_days": 180, "count": 1}, {"within_days": 90, "count": 1}, {"within_days": 30, "count": 1}]));
        let national = app.get_ok("/v1/stats/overview");
        assert_eq!(national["by_region"], json!({"33": 2, "36": 1}), "the whole country: by province");
        let banten = app.get_ok("/v1/stats/overview?region=36");
        assert_eq!(banten["agreements"], 1);
        app.req("GET", "/v1/stats/overview?region=xx").send().problem(422, "validation_failed");
    }
}
