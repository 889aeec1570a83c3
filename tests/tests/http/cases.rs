//! The approval workflow over HTTP (PP 28/2018 arts. 28–33): roles, records, loops, the signing
//! guard, clocks, concurrency.

use jalin_tests::{on_both_databases, Resp, TestApp};
use serde_json::{json, Value};

pub(crate) struct People {
    pub(crate) officer: String,
    pub(crate) dprd: String,
    pub(crate) kemendagri: String,
}

pub(crate) fn people(app: &TestApp) -> People {
    People {
        officer: app.user("biro-ks-jateng", "province_officer", Some("33")).1,
        dprd: app.user("setwan-jateng", "dprd_secretariat", Some("33")).1,
        kemendagri: app.user("pfk-kemendagri", "central_reviewer", None).1,
    }
}

/// Numbers each draft's partner, so that one test can draft several.
static DRAFTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A draft Jawa Tengah – Chungcheongbuk-do agreement; returns its id and ETag.
pub(crate) fn draft(app: &TestApp, legacy: bool) -> (String, String) {
    let p = app
        .req("POST", "/v1/partners")
        .json(
            &json!({"name": format!("Chungcheongbuk-do {legacy} {}", DRAFTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)), "native_name": "충청북도",
        "kind": "foreign_local_government", "level": "province", "country": "KR"}),
        )
        .send();
    let mut body = json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou", "partner_ids": [p.json()["id"]],
        "title_id": "Revitalisasi Kerja Sama Provinsi Kembar", "objects": ["technical_capacity"], "languages": ["id", "ko", "en"]});
    if legacy {
        body["legacy"] = json!(true);
        body["status"] = json!("active");
        body["signed_on"] = json!("2014-11-28");
    }
    let r = app.req("POST", "/v1/agreements").json(&body).send();
    assert_eq!(r.status, 201, "{}", r.body);
    (
        r.json()["id"].as_str().unwrap().to_owned(),
        r.header("etag").unwrap().to_owned(),
    )
}

pub(crate) fn letter(n: &str) -> Value {
    json!({"number": n, "date": "2026-11-01"})
}

/// The R5 checklist, every principle affirmed.
pub(crate) fn safeguards() -> Value {
    json!({"no_representative_office_abroad": true, "no_interference_in_domestic_affairs": true,
        "consistent_with_development_plans": true, "science_technology_transferable": true})
}

pub(crate) fn records() -> Vec<(&'static str, Value)> {
    vec![
        (
            "officer",
            json!({"kind": "exploration_report", "benefits": "industri 5.0, e-gov", "partner_profile": "provinsi Korea", "politically_safe": true, "legally_safe": true, "technically_safe": true, "security_safe": true}),
        ),
        (
            "officer",
            json!({"kind": "consultations", "kemendagri": letter("KMD/1"), "kemlu": letter("KML/1")}),
        ),
        (
            "officer",
            json!({"kind": "letter_of_intent", "signed_on": "2026-11-02", "languages": ["id", "ko", "en"]}),
        ),
        (
            "officer",
            json!({"kind": "cooperation_plan", "subject": "kerja sama", "background": "sejak 2004", "aims": "revitalisasi", "object": "kapasitas", "scope": "e-gov", "financing_source": "APBD", "implementation_period": "5 tahun", "safeguards": safeguards()}),
        ),
        (
            "dprd",
            // `received_on`: the day the plan was sent (see `advance`).
            json!({"kind": "dprd_decision", "received_on": null, "decision": "approved", "letter": letter("170/DPRD/1")}),
        ),
        (
            "kemendagri",
            json!({"kind": "ministerial_consideration", "outcome": "draft_text", "letter": letter("KMD/2")}),
        ),
        (
            "officer",
            json!({"kind": "draft_text", "languages": ["id", "ko", "en"]}),
        ),
        (
            "kemendagri",
            json!({"kind": "interministerial_meeting", "held_on": "2026-11-10", "participants": ["Kemlu", "Kemendagri", "Pemprov Jawa Tengah"], "outcome": "approved"}),
        ),
        (
            "kemendagri",
            json!({"kind": "negotiation", "outcome": "approved", "note": "disepakati"}),
        ),
        (
            "kemendagri",
            json!({"kind": "confirmation_letter", "letter": letter("KML/9")}),
        ),
        (
            "kemendagri",
            json!({"kind": "full_powers", "letter": letter("FP/3"), "holder_name": "Ahmad Luthfi", "holder_position": "Gubernur Jawa Tengah", "valid_until": "2027-06-30", "scope": "MoU"}),
        ),
    ]
}

pub(crate) fn signing(name: &str, position: &str, head: bool, languages: &[&str]) -> Value {
    json!({"kind": "signing", "signed_on": "2026-11-20", "place": "Semarang",
        "indonesian": {"name": name, "position": position}, "indonesian_is_head_of_region": head,
        "partner": {"name": "Governor", "position": "Governor of Chungcheongbuk-do"}, "signed_text_languages": languages})
}

pub(crate) fn act(app: &TestApp, token: &str, id: &str, etag: &str, body: Value) -> Resp {
    app.req("POST", &format!("/v1/agreements/{id}/workflow/actions"))
        .bearer(token)
        .header("If-Match", etag)
        .json(&body)
        .send()
}

fn token<'a>(p: &'a People, who: &str) -> &'a str {
    match who {
        "officer" => &p.officer,
        "dprd" => &p.dprd,
        _ => &p.kemendagri,
    }
}

/// Starts the case and completes the first `n` stages; returns the case's ETag.
pub(crate) fn advance(
    app: &TestApp,
    p: &People,
    id: &str,
    agreement_etag: &str,
    n: usize,
) -> String {
    let r = act(
        app,
        &p.officer,
        id,
        agreement_etag,
        json!({"action": "start"}),
    );
    assert_eq!(r.status, 200, "start: {}", r.body);
    let mut etag = r.header("etag").unwrap().to_owned();
    for (who, mut record) in records().into_iter().take(n) {
        if record["kind"] == "dprd_decision" {
            record["received_on"] = json!(sent_to_dprd_on(app, id));
        }
        let r = act(
            app,
            token(p, who),
            id,
            &etag,
            json!({"action": "complete_stage", "record": record}),
        );
        assert_eq!(r.status, 200, "{who} {record}: {}", r.body);
        etag = r.header("etag").unwrap().to_owned();
    }
    etag
}

pub(crate) fn current(app: &TestApp, id: &str) -> Value {
    app.get_ok(&format!("/v1/agreements/{id}/workflow"))
}

/// The case's stage `key` in the workflow view `w`.
pub(crate) fn stage(w: &Value, key: &str) -> Value {
    w["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap()
        .clone()
}

/// The day the plan went to DPRD: the DPRD stage's start.
pub(crate) fn sent_to_dprd_on(app: &TestApp, id: &str) -> String {
    stage(&current(app, id), "dprd_approval")["started_on"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A DPRD decision received on the day the plan was sent.
pub(crate) fn dprd_decision(app: &TestApp, id: &str, decision: &str, n: &str) -> Value {
    json!({"kind": "dprd_decision", "received_on": sent_to_dprd_on(app, id), "decision": decision, "letter": letter(n)})
}

on_both_databases! {
    /// Jawa Tengah – Chungcheongbuk-do revitalization: exploration to an active agreement.
    fn the_revitalization_goes_from_exploration_to_active(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        let case_etag = advance(app, &p, &id, &etag, 11);
        assert_eq!(app.get_ok(&format!("/v1/agreements/{id}"))["status"], "approved_for_signing");
        let r = act(app, &p.officer, &id, &case_etag, json!({"action": "complete_stage", "record": signing("Ahmad Luthfi", "Gubernur Jawa Tengah", true, &["id", "ko", "en"])}));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "signed");
        let a = app.get_ok(&format!("/v1/agreements/{id}"));
        assert_eq!(a["status"], "active");
        assert_eq!(a["signed_on"], "2026-11-20");
        let history = app.get_ok(&format!("/v1/agreements/{id}/history"));
        assert_eq!(history["items"].as_array().unwrap().iter().filter(|e| e["action"] == "workflow.stage_completed").count(), 12);
    }

    fn a_dprd_rejection_ends_the_case_as_rejected(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        let e = advance(app, &p, &id, &etag, 4);
        let r = act(app, &p.dprd, &id, &e, json!({"action": "complete_stage", "record": dprd_decision(app, &id, "rejected", "170/DPRD/2")}));
        assert_eq!(r.json()["status"], "rejected");
        assert_eq!(app.get_ok(&format!("/v1/agreements/{id}"))["status"], "rejected");
        let again = r.header("etag").unwrap().to_owned();
        act(app, &p.officer, &id, &again, json!({"action": "withdraw", "note": "x"})).problem(409, "case_closed");
    }

    /// R11: revise_plan sends the case back to the plan, and the plan back through DPRD.
    fn the_kemendagri_revise_loop_goes_back_through_dprd(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        let e = advance(app, &p, &id, &etag, 5);
        let r = act(app, &p.kemendagri, &id, &e, json!({"action": "complete_stage", "record": {"kind": "ministerial_consideration", "outcome": "revise_plan", "letter": letter("KMD/3")}}));
        assert_eq!(r.status, 200, "{}", r.body);
        let w = r.json();
        assert_eq!(w["current_stage"], "cooperation_plan");
        let dprd = w["stages"].as_array().unwrap().iter().find(|s| s["key"] == "dprd_approval").unwrap().clone();
        assert_eq!(dprd["status"], "pending");
    }

    /// The signing guard names every unmet condition with its rule.
    fn signing_is_refused_for_a_deputy_and_a_missing_english_text(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        let e = advance(app, &p, &id, &etag, 11);
        let refused = act(app, &p.officer, &id, &e, json!({"action": "complete_stage", "record": signing("Taj Yasin", "Wakil Gubernur Jawa Tengah", false, &["id"])}))
            .problem(422, "validation_failed");
        let codes: Vec<&str> = refused["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        for rule in ["R14", "R15", "R16"] {
            assert!(codes.contains(&rule), "{rule} in {codes:?}");
        }
        assert_eq!(app.get_ok(&format!("/v1/agreements/{id}"))["status"], "approved_for_signing", "nothing changed");
    }

    fn signing_is_refused_when_the_full_powers_have_expired(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        let mut e = advance(app, &p, &id, &etag, 10);
        let r = act(app, &p.kemendagri, &id, &e, json!({"action": "complete_stage", "record": {"kind": "full_powers", "letter": letter("FP/4"), "holder_name": "Ahmad Luthfi", "holder_position": "Gubernur Jawa Tengah", "valid_until": "2026-11-10", "scope": "MoU"}}));
        assert_eq!(r.status, 200, "{}", r.body);
        e = r.header("etag").unwrap().to_owned();
        let refused = act(app, &p.officer, &id, &e, json!({"action": "complete_stage", "record": signing("Ahmad Luthfi", "Gubernur Jawa Tengah", true, &["id", "en"])}))
            .problem(422, "validation_failed");
        assert!(refused["errors"].as_array().unwrap().iter().any(|e| e["code"] == "R14" && e["message"].as_str().unwrap().contains("full_powers_expired")), "{refused}");
    }

    fn a_legacy_agreement_has_no_workflow(app) {
        let p = people(app);
        let (id, etag) = draft(app, true);
        act(app, &p.officer, &id, &etag, json!({"action": "start"})).problem(409, "legacy_has_no_workflow");
        app.get(&format!("/v1/agreements/{id}/workflow")).problem(404, "not_found");
    }

    /// R9: only this region's DPRD secretariat records its decision; Kemendagri's stages are central.
    fn each_stage_is_acted_on_only_by_its_actor(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        let e = advance(app, &p, &id, &etag, 4);
        let dprd_record = json!({"action": "complete_stage", "record": {"kind": "dprd_decision", "received_on": "2026-11-03", "decision": "approved", "letter": letter("x")}});
        act(app, &p.officer, &id, &e, dprd_record.clone()).problem(403, "forbidden");
        act(app, &p.kemendagri, &id, &e, dprd_record.clone()).problem(403, "forbidden");
        let (_, banten_dprd) = app.user("setwan-banten", "dprd_secretariat", Some("36"));
        act(app, &banten_dprd, &id, &e, dprd_record.clone()).problem(404, "not_found");
        let (_, viewer) = app.user("viewer-jateng", "viewer", Some("33"));
        act(app, &viewer, &id, &e, dprd_record).problem(403, "forbidden");
        // A wrong record for the stage is refused.
        act(app, &p.dprd, &id, &e, json!({"action": "complete_stage", "record": {"kind": "draft_text", "languages": ["id", "en"]}}))
            .problem(422, "validation_failed");
        act(app, &p.dprd, &id, &e, json!({"action": "complete_stage"})).problem(422, "validation_failed");
    }

    /// R10: an overdue DPRD stage stays pending and is flagged; it is never approved by silence.
    /// The plan reaches DPRD on 3 August 2026 (WIB, this server's clock), which records its
    /// receipt that day; 45 working days run out in October, and on 24 November the stage is
    /// still waiting.
    fn dprd_silence_is_not_approval(app) with [("JALIN_INSTANCE", "training"), ("JALIN_TEST_TODAY", "2026-08-03")] {
        let p = people(app);
        let (id, etag) = draft(app, false);
        let e = advance(app, &p, &id, &etag, 4);
        let state = current(app, &id);
        assert_eq!(state["current_stage"], "dprd_approval");
        let dprd = stage(&state, "dprd_approval");
        assert_eq!(dprd["started_on"], "2026-08-03", "the stage starts on the clock's day (WIB)");
        assert_eq!((dprd["overdue"].clone(), dprd["awaiting_receipt"].clone()), (json!(false), json!(true)));
        let r = act(app, &p.dprd, &id, &e, json!({"action": "record_receipt", "record": {"kind": "dprd_receipt", "received_on": "2026-08-03", "letter_number": "005/331/Biro Pem"}}));
        assert_eq!(r.status, 200, "{}", r.body);
        let later = app.on_day("2026-11-24");
        let w = current(&later, &id);
        let dprd = stage(&w, "dprd_approval");
        assert_eq!(dprd["started_on"], "2026-08-03", "{w}");
        assert_eq!(dprd["overdue"], true);
        assert_eq!(dprd["status"], "active", "still waiting for DPRD");
        assert!(dprd["working_days_remaining"].as_i64().unwrap() < 0);
        assert_eq!(w["status"], "running");
        assert_eq!(later.get_ok(&format!("/v1/agreements/{id}"))["status"], "in_approval", "not approved by silence");
        let tasks = later.req("GET", "/v1/tasks").bearer(&p.dprd).send().json();
        let task = tasks["items"].as_array().unwrap().iter().find(|t| t["agreement_id"] == id.as_str()).unwrap().clone();
        assert_eq!(task["overdue"], true);
        assert_eq!(task["stage"], "dprd_approval");
        assert!(later.req("GET", "/v1/tasks").bearer(&p.officer).send().json()["items"].as_array().unwrap().iter().all(|t| t["agreement_id"] != id.as_str()));
    }

    /// Two simultaneous actions on one case: exactly one succeeds, the other gets 412.
    fn simultaneous_actions_one_wins_the_other_gets_412(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        let e = advance(app, &p, &id, &etag, 0);
        let record = json!({"action": "complete_stage", "record": records()[0].1});
        let statuses: Vec<u16> = (0..2)
            .map(|_| {
                let (base, token, etag, id, body) = (app.base.clone(), p.officer.clone(), e.clone(), id.clone(), record.to_string());
                std::thread::spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                    agent.post(format!("{base}/v1/agreements/{id}/workflow/actions"))
                        .header("authorization", &format!("Bearer {token}")).header("if-match", &etag)
                        .content_type("application/json").send(body).unwrap().status().as_u16()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(sorted, [200, 412], "{statuses:?}");
        act(app, &p.officer, &id, &e, record).problem(412, "etag_mismatch");
    }

    fn requirements_say_what_blocks_the_next_step(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        let r = app.get_ok(&format!("/v1/agreements/{id}/workflow/requirements"));
        assert_eq!(r["state"], "not_started");
        assert_eq!(r["blocking"][0]["code"], "not_started");
        let e = advance(app, &p, &id, &etag, 4);
        let r = app.get_ok(&format!("/v1/agreements/{id}/workflow/requirements"));
        assert_eq!(r["current_stage"], "dprd_approval");
        assert_eq!(r["blocking"][0]["actor"], "dprd");
        // approve / reject must match the record's outcome.
        let approve_but_rejected = json!({"action": "approve", "record": {"kind": "dprd_decision", "received_on": "2026-11-03", "decision": "rejected", "letter": letter("x")}});
        let p422 = act(app, &p.dprd, &id, &e, approve_but_rejected).problem(422, "validation_failed");
        assert_eq!(p422["errors"][0]["code"], "outcome_mismatch");
        let ok = act(app, &p.dprd, &id, &e, json!({"action": "approve", "record": dprd_decision(app, &id, "approved", "170/DPRD/1")}));
        assert_eq!(ok.status, 200, "{}", ok.body);
        let (legacy, _) = draft(app, true);
        assert_eq!(app.get_ok(&format!("/v1/agreements/{legacy}/workflow/requirements"))["blocking"], json!([]));
    }

    fn actions_need_if_match_and_returns_need_a_note(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        app.req("POST", &format!("/v1/agreements/{id}/workflow/actions")).bearer(&p.officer).json(&json!({"action": "start"})).send()
            .problem(428, "if_match_required");
        let e = advance(app, &p, &id, &etag, 2);
        act(app, &p.officer, &id, &e, json!({"action": "return"})).problem(422, "validation_failed");
        let r = act(app, &p.officer, &id, &e, json!({"action": "return", "note": "the LoI draft needs the Korean text"}));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["current_stage"], "central_consultation");
        // The region resubmits the reopened stage.
        let e = r.header("etag").unwrap().to_owned();
        let r = act(app, &p.officer, &id, &e, json!({"action": "resubmit", "record": records()[1].1}));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["current_stage"], "letter_of_intent");
    }
}
