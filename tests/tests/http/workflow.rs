//! Workflow definitions are data, readable with their legal citations.

use jalin_tests::on_both_databases;

on_both_databases! {
    fn the_definitions_are_readable_with_their_citations(app) {
        let list = app.get_ok("/v1/workflow-definitions");
        let keys: Vec<&str> = list["items"].as_array().unwrap().iter().map(|d| d["key"].as_str().unwrap()).collect();
        assert_eq!(keys, ["ksdpl", "ksdll", "implementing_arrangement"]);
        let ksdpl = app.get_ok("/v1/workflow-definitions/ksdpl/versions/1");
        let stages = ksdpl["stages"].as_array().unwrap();
        assert_eq!(stages.len(), 12);
        let dprd = stages.iter().find(|s| s["key"] == "dprd_approval").unwrap();
        assert_eq!(dprd["actor"], "dprd");
        assert_eq!(dprd["time_limit"]["working_days"], 45);
        assert_eq!(dprd["citation"], "PP 28/2018 art. 30(1),(4)");
        assert_eq!(ksdpl["full_powers_required"], true);
        let ia = app.get_ok("/v1/workflow-definitions/implementing_arrangement/versions/1");
        assert_eq!(ia["full_powers_required"], false);
        app.get("/v1/workflow-definitions/ksdpl/versions/9").problem(404, "not_found");
        app.get("/v1/workflow-definitions/treaty/versions/1").problem(404, "not_found");
        app.req("GET", "/v1/workflow-definitions").anonymous().send().problem(401, "authentication_required");
    }
}

/// Issue 16: receipt-based DPRD clocks (R10), umbrellas (R14), gates naming their rules, the LoI's
/// dates (R7), the R5 checklist and acting heads of region (R15), over HTTP.
mod legal {
    use crate::cases::{
        act, advance, current, dprd_decision, draft, letter, people, records, safeguards,
        sent_to_dprd_on, signing, stage, People,
    };
    use jalin_tests::{on_both_databases, TestApp};
    use serde_json::{json, Value};

    fn codes(problem: &Value) -> Vec<String> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_owned())
            .collect()
    }

    fn receipt(on: &str, number: &str) -> Value {
        json!({"action": "record_receipt", "record": {"kind": "dprd_receipt", "received_on": on, "letter_number": number}})
    }

    fn etag_of(r: &jalin_tests::Resp) -> String {
        r.header("etag").unwrap().to_owned()
    }

    /// Jawa Tengah's sister-province MoU with a partner, active (legacy, signed 2014, ends 2030),
    /// and an implementing arrangement under it with `objects`; returns (umbrella, its ETag,
    /// arrangement, its ETag).
    fn umbrella_and_arrangement(app: &TestApp, objects: Value) -> (String, String, String, String) {
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": format!("Queensland {objects}"), "kind": "foreign_local_government", "level": "state", "country": "AU"}))
            .send();
        let partner = p.json()["id"].clone();
        let mou = app.req("POST", "/v1/agreements").json(&json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [partner], "title_id": "MoU Jateng – Queensland", "objects": ["technical_capacity", "cultural_exchange"],
            "languages": ["id", "en"], "legacy": true, "status": "active", "signed_on": "2014-11-28", "expires_on": "2030-11-27"})).send();
        assert_eq!(mou.status, 201, "{}", mou.body);
        let ia = app.req("POST", "/v1/agreements").json(&json!({"region_code": "33", "subtype": "sister_province",
            "instrument": "implementing_arrangement", "parent_id": mou.json()["id"], "partner_ids": [partner],
            "title_id": "Pertukaran guru SMK", "objects": objects, "languages": ["id", "en"]})).send();
        assert_eq!(ia.status, 201, "{}", ia.body);
        (
            mou.json()["id"].as_str().unwrap().to_owned(),
            etag_of(&mou),
            ia.json()["id"].as_str().unwrap().to_owned(),
            etag_of(&ia),
        )
    }

    fn start(app: &TestApp, p: &People, id: &str, etag: &str) -> Value {
        let r = act(app, &p.officer, id, etag, json!({"action": "start"}));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    on_both_databases! {
        /// R10: the DPRD secretariat records the receipt before its decision; the 45 working days
        /// count from it and show on the case, the tasks and the reminders; before it the clock
        /// has not started. Sent on 3 August 2026, received (recorded late) on 4 August.
        fn r10_the_dprd_clock_counts_from_the_receipt(app) with [("JALIN_INSTANCE", "training"), ("JALIN_TEST_TODAY", "2026-08-03")] {
            let p = people(app);
            let (id, etag) = draft(app, false);
            let e = advance(app, &p, &id, &etag, 4);
            let dprd = stage(&current(app, &id), "dprd_approval");
            assert_eq!((dprd["awaiting_receipt"].clone(), dprd["due_on"].clone()), (json!(true), Value::Null));
            let tasks = app.req("GET", "/v1/tasks").bearer(&p.dprd).send().json();
            let task = tasks["items"].as_array().unwrap().iter().find(|t| t["agreement_id"] == id.as_str()).unwrap().clone();
            assert_eq!((task["awaiting_receipt"].clone(), task["due_on"].clone()), (json!(true), Value::Null));
            let reqs = app.get_ok(&format!("/v1/agreements/{id}/workflow/requirements"));
            assert_eq!((reqs["blocking"][0]["code"].clone(), reqs["blocking"][0]["rule"].clone()), (json!("receipt_required"), json!("R10")));
            let next_day = app.on_day("2026-08-05");
            // Only DPRD's secretariat records it; not before sending, not in the future.
            act(&next_day, &p.officer, &id, &e, receipt("2026-08-04", "005/1")).problem(403, "forbidden");
            let early = act(&next_day, &p.dprd, &id, &e, receipt("2026-08-02", "005/1")).problem(422, "validation_failed");
            assert_eq!(early["errors"][0]["rule"], "R10");
            assert_eq!(early["errors"][0]["pointer"], "/record/received_on");
            let future = act(&next_day, &p.dprd, &id, &e, receipt("2026-08-06", "005/1")).problem(422, "validation_failed");
            assert!(future["errors"][0]["message"].as_str().unwrap().contains("receipt_in_future"), "{future}");
            let r = act(&next_day, &p.dprd, &id, &e, receipt("2026-08-04", "005/331/Biro Pem"));
            assert_eq!(r.status, 200, "{}", r.body);
            let e = etag_of(&r);
            let due = app.get_ok("/v1/calendar/working-days?from=2026-08-04&add=45")["to"].clone();
            let dprd = stage(&r.json(), "dprd_approval");
            assert_eq!(dprd["due_on"], due);
            assert_eq!(dprd["receipt"], json!({"received_on": "2026-08-04", "letter_number": "005/331/Biro Pem"}));
            assert_eq!(dprd["awaiting_receipt"], false);
            act(&next_day, &p.dprd, &id, &e, receipt("2026-08-04", "005/2")).problem(409, "receipt_recorded");
            let task = next_day.req("GET", "/v1/tasks").bearer(&p.dprd).send().json()["items"].as_array().unwrap().iter()
                .find(|t| t["agreement_id"] == id.as_str()).unwrap().clone();
            assert_eq!((task["due_on"].clone(), task["received_on"].clone(), task["overdue"].clone()), (due.clone(), json!("2026-08-04"), json!(false)));
            let reminders = next_day.get_ok("/v1/reminders?kind=dprd_decision_due&limit=100");
            let mine = reminders["items"].as_array().unwrap().iter().find(|r| r["record_id"] == id.as_str()).unwrap().clone();
            assert_eq!(mine["due_on"], due);
            // After the due date: overdue, still pending, and reminded as such.
            let late = app.on_day("2026-11-24");
            assert_eq!(stage(&current(&late, &id), "dprd_approval")["overdue"], true);
            let overdue = late.get_ok("/v1/reminders?kind=stage_overdue&limit=100");
            assert!(overdue["items"].as_array().unwrap().iter().any(|r| r["record_id"] == id.as_str()), "{overdue}");
            // The decision states the receipt's date.
            let other = json!({"action": "approve", "record": {"kind": "dprd_decision", "received_on": "2026-08-03", "decision": "approved", "letter": letter("170/DPRD/1")}});
            let p422 = act(&late, &p.dprd, &id, &e, other).problem(422, "validation_failed");
            assert!(p422["errors"][0]["message"].as_str().unwrap().contains("receipt_mismatch"));
            let ok = json!({"action": "approve", "record": {"kind": "dprd_decision", "received_on": "2026-08-04", "decision": "approved", "letter": letter("170/DPRD/1")}});
            assert_eq!(act(&late, &p.dprd, &id, &e, ok).status, 200);
        }

        /// R10: a decision without a prior receipt brings its date of receipt, checked alike.
        fn r10_a_decision_without_a_receipt_takes_its_received_on_as_the_receipt(app) {
            let p = people(app);
            let (id, etag) = draft(app, false);
            let e = advance(app, &p, &id, &etag, 4);
            let sent = sent_to_dprd_on(app, &id);
            let future = json!({"action": "approve", "record": {"kind": "dprd_decision", "received_on": "2030-01-01", "decision": "approved", "letter": letter("170/DPRD/1")}});
            assert_eq!(act(app, &p.dprd, &id, &e, future).problem(422, "validation_failed")["errors"][0]["rule"], "R10");
            let r = act(app, &p.dprd, &id, &e, json!({"action": "approve", "record": dprd_decision(app, &id, "approved", "170/DPRD/1")}));
            assert_eq!(r.status, 200, "{}", r.body);
            let dprd = stage(&r.json(), "dprd_approval");
            assert_eq!(dprd["receipt"], json!({"received_on": sent, "letter_number": null}));
            // Once decided, a receipt has no open DPRD stage to go to.
            act(app, &p.dprd, &id, &etag_of(&r), receipt(&sent, "005/1")).problem(409, "not_with_dprd");
        }

        /// The shorter path needs a living umbrella with the same partners covering the objects;
        /// otherwise the full path applies and the requirements say why (R14).
        fn an_implementing_arrangement_takes_the_short_path_only_under_a_living_umbrella(app) {
            let p = people(app);
            let (_, _, inside, inside_etag) = umbrella_and_arrangement(app, json!(["technical_capacity"]));
            assert_eq!(start(app, &p, &inside, &inside_etag)["definition_key"], "implementing_arrangement");
            let (_, _, outside, outside_etag) = umbrella_and_arrangement(app, json!(["technical_capacity", "regional_promotion"]));
            let before = app.get_ok(&format!("/v1/agreements/{outside}/workflow/requirements"));
            assert!(before["blocking"].as_array().unwrap().iter().any(|b| b["code"] == "umbrella_objects_outside"), "{before}");
            let w = start(app, &p, &outside, &outside_etag);
            assert_eq!(w["definition_key"], "ksdpl", "the full path applies");
            let reqs = app.get_ok(&format!("/v1/agreements/{outside}/workflow/requirements"));
            let why = reqs["blocking"].as_array().unwrap().iter().find(|b| b["code"] == "umbrella_objects_outside").unwrap().clone();
            assert_eq!((why["rule"].clone(), why["citation"].clone()), (json!("R14"), json!("UU 24/2000 art. 7")));
            assert!(why["message"].as_str().unwrap().contains("regional_promotion"));
            assert!(why["message_id"].as_str().unwrap().contains("alur lengkap"));
        }

        /// An umbrella that ends while the arrangement is on the shorter path: its next record is
        /// refused (R14), the requirements say why, and `start` restarts it on the full path.
        fn a_lapsed_umbrella_sends_the_arrangement_to_the_full_path(app) {
            let p = people(app);
            let (mou, mou_etag, ia, ia_etag) = umbrella_and_arrangement(app, json!(["technical_capacity"]));
            let e = etag_of(&act(app, &p.officer, &ia, &ia_etag, json!({"action": "start"})));
            let ended = app.req("POST", &format!("/v1/agreements/{mou}/termination")).header("If-Match", &mou_etag)
                .json(&json!({"reason": "mutual_agreement", "terminated_on": "2026-11-30", "note": "kesepakatan bersama"})).send();
            assert_eq!(ended.status, 200, "{}", ended.body);
            let plan = json!({"action": "complete_stage", "record": records()[3].1});
            let refused = act(app, &p.officer, &ia, &e, plan).problem(422, "validation_failed");
            assert_eq!(refused["errors"][0]["rule"], "R14");
            assert!(refused["errors"][0]["message"].as_str().unwrap().contains("umbrella_not_in_force"), "{refused}");
            let reqs = app.get_ok(&format!("/v1/agreements/{ia}/workflow/requirements"));
            let items = reqs["blocking"].as_array().unwrap();
            assert!(items.iter().any(|b| b["code"] == "restart_on_full_path"), "{reqs}");
            assert!(items.iter().any(|b| b["code"] == "umbrella_not_in_force" && b["rule"] == "R14"), "{reqs}");
            let (_, stranger) = app.user("viewer-jateng-ia", "viewer", Some("33"));
            act(app, &stranger, &ia, &e, json!({"action": "start"})).problem(403, "forbidden");
            let r = act(app, &p.officer, &ia, &e, json!({"action": "start"}));
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!((r.json()["definition_key"].clone(), r.json()["current_stage"].clone()), (json!("ksdpl"), json!("exploration")));
        }

        /// Every gate names its rule, for whoever may act on that record; anyone else learns
        /// nothing more than before (403, or 404 outside their region).
        fn a_record_ahead_of_its_gate_is_refused_with_its_rule(app) {
            let p = people(app);
            let (id, etag) = draft(app, false);
            let e = advance(app, &p, &id, &etag, 9);
            assert_eq!(current(app, &id)["current_stage"], "confirmation_letter");
            let sign = json!({"action": "complete_stage", "record": signing("Ahmad Luthfi", "Gubernur Jawa Tengah", true, &["id", "ko", "en"])});
            let refused = act(app, &p.officer, &id, &e, sign.clone()).problem(422, "validation_failed");
            assert_eq!(codes(&refused), ["R13", "R14"]);
            assert_eq!(refused["errors"][0]["rule"], "R13");
            let id_text = app.req("POST", &format!("/v1/agreements/{id}/workflow/actions")).bearer(&p.officer)
                .header("If-Match", &e).header("Accept-Language", "id").json(&sign).send().json();
            assert!(id_text["errors"][0]["message"].as_str().unwrap().contains("surat konfirmasi"), "{id_text}");
            // Kemlu's full powers before its confirmation letter: R13 as well.
            let fp = json!({"action": "complete_stage", "record": records()[10].1});
            assert_eq!(codes(&act(app, &p.kemendagri, &id, &e, fp).problem(422, "validation_failed")), ["R13"]);
            // No right on the case: the same answers as before.
            let (_, viewer) = app.user("viewer-jateng-gate", "viewer", Some("33"));
            act(app, &viewer, &id, &e, sign.clone()).problem(403, "forbidden");
            act(app, &p.dprd, &id, &e, sign.clone()).problem(403, "forbidden");
            let (_, banten) = app.user("biro-banten-gate", "province_officer", Some("36"));
            act(app, &banten, &id, &e, sign).problem(404, "not_found");
            let reqs = app.get_ok(&format!("/v1/agreements/{id}/workflow/requirements"));
            let first = &reqs["blocking"][0];
            assert_eq!((first["rule"].clone(), first["citation"].clone()), (json!("R13"), json!("PP 28/2018 art. 33(3)-(4)")));
            assert!(first["message_id"].as_str().unwrap().contains("Surat konfirmasi"));
            // Before the inter-ministerial meeting (R12), and an LoI before the consultations (R7).
            let (id2, etag2) = draft(app, false);
            let e2 = advance(app, &p, &id2, &etag2, 7);
            let early = json!({"action": "complete_stage", "record": signing("Ahmad Luthfi", "Gubernur Jawa Tengah", true, &["id", "en"])});
            assert_eq!(act(app, &p.officer, &id2, &e2, early).problem(422, "validation_failed")["errors"][0]["rule"], "R12");
            let conf = json!({"action": "complete_stage", "record": records()[9].1});
            assert_eq!(codes(&act(app, &p.kemendagri, &id2, &e2, conf).problem(422, "validation_failed"))[0], "R12");
            let (id3, etag3) = draft(app, false);
            let e3 = advance(app, &p, &id3, &etag3, 1);
            let loi = json!({"action": "complete_stage", "record": records()[2].1});
            assert_eq!(codes(&act(app, &p.officer, &id3, &e3, loi).problem(422, "validation_failed")), ["R7"]);
            // DPRD deciding on a plan not yet recorded (R8).
            let (id4, etag4) = draft(app, false);
            let e4 = advance(app, &p, &id4, &etag4, 3);
            let decision = json!({"action": "approve", "record": {"kind": "dprd_decision", "received_on": "2026-11-03", "decision": "approved", "letter": letter("170/DPRD/1")}});
            let p8 = act(app, &p.dprd, &id4, &e4, decision).problem(422, "validation_failed");
            assert_eq!(codes(&p8), ["R8"]);
            assert!(p8["errors"][0]["message"].as_str().unwrap().contains("plan_missing"), "{p8}");
        }

        /// R7: the LoI is not dated before the later of the two consultation letters.
        fn r7_the_loi_is_not_signed_before_both_consultation_letters(app) {
            let p = people(app);
            let (id, etag) = draft(app, false);
            let e = advance(app, &p, &id, &etag, 1);
            let r = act(app, &p.officer, &id, &e, json!({"action": "complete_stage", "record": {"kind": "consultations",
                "kemendagri": {"number": "KMD/1", "date": "2026-10-01"}, "kemlu": {"number": "KML/1", "date": "2026-10-20"}}}));
            assert_eq!(r.status, 200, "{}", r.body);
            let e = etag_of(&r);
            let loi = |on: &str| json!({"action": "complete_stage", "record": {"kind": "letter_of_intent", "signed_on": on, "languages": ["id", "ko"]}});
            let p422 = act(app, &p.officer, &id, &e, loi("2026-10-19")).problem(422, "validation_failed");
            assert_eq!((p422["errors"][0]["rule"].clone(), p422["errors"][0]["pointer"].clone()), (json!("R7"), json!("/record/signed_on")));
            assert_eq!(act(app, &p.officer, &id, &e, loi("2026-10-20")).status, 200);
        }

        /// R5: the plan goes to DPRD only with the four principles affirmed; science and
        /// technology transfer may be "not relevant" with a reason.
        fn r5_the_plan_goes_to_dprd_only_with_the_checklist(app) {
            let p = people(app);
            let (id, etag) = draft(app, false);
            let e = advance(app, &p, &id, &etag, 3);
            let mut plan = records()[3].1.clone();
            plan.as_object_mut().unwrap().remove("safeguards");
            let body = |plan: &Value| json!({"action": "complete_stage", "record": plan});
            let missing = act(app, &p.officer, &id, &e, body(&plan)).problem(422, "validation_failed");
            assert_eq!((missing["errors"][0]["rule"].clone(), missing["errors"][0]["pointer"].clone()), (json!("R5"), json!("/record/safeguards")));
            let mut s = safeguards();
            s["no_interference_in_domestic_affairs"] = json!(false);
            plan["safeguards"] = s;
            let failed = act(app, &p.officer, &id, &e, body(&plan)).problem(422, "validation_failed");
            assert_eq!(failed["errors"][0]["pointer"], "/record/safeguards/no_interference_in_domestic_affairs");
            assert_eq!(current(app, &id)["current_stage"], "cooperation_plan", "the case does not go to DPRD");
            let mut s = safeguards();
            s["science_technology_transferable"] = json!(false);
            plan["safeguards"] = s.clone();
            assert_eq!(act(app, &p.officer, &id, &e, body(&plan)).problem(422, "validation_failed")["errors"][0]["rule"], "R5");
            s["science_technology_not_relevant_reason"] = json!("kerja sama kapasitas pemerintahan, tanpa iptek");
            plan["safeguards"] = s;
            let r = act(app, &p.officer, &id, &e, body(&plan));
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.json()["current_stage"], "dprd_approval");
        }

        /// R15: a Penjabat signs with the Minister's written approval, a Plt. not (DEFAULTs in
        /// the settings); `indonesian_is_head_of_region` still works for a definitive head.
        fn r15_acting_heads_of_region_sign_as_the_settings_allow(app) {
            let s = app.get_ok("/v1/settings");
            let setting = |k: &str| s["items"].as_array().unwrap().iter().find(|i| i["key"] == k).unwrap().clone();
            assert_eq!((setting("signing.penjabat")["value"].clone(), setting("signing.penjabat")["is_default"].clone()), (json!("with_minister_approval"), json!(true)));
            assert_eq!(setting("signing.plt_plh")["value"], "refused");
            assert_eq!(setting("signing.plt_plh")["variable"], "JALIN_SIGNING_PLT_PLH");
            let p = people(app);
            let (id, etag) = draft(app, false);
            let e = advance(app, &p, &id, &etag, 11);
            let plt = signing("Ahmad Luthfi", "Plt. Gubernur Jawa Tengah", true, &["id", "en"]);
            let refused = act(app, &p.officer, &id, &e, json!({"action": "complete_stage", "record": plt})).problem(422, "validation_failed");
            assert!(refused["errors"].as_array().unwrap().iter().any(|e| e["rule"] == "R15" && e["message"].as_str().unwrap().contains("acting_head_refused")), "{refused}");
            let mut pj = signing("Ahmad Luthfi", "Gubernur Jawa Tengah", true, &["id", "en"]);
            pj["capacity"] = json!("penjabat");
            let refused = act(app, &p.officer, &id, &e, json!({"action": "complete_stage", "record": pj})).problem(422, "validation_failed");
            assert!(refused["errors"][0]["message"].as_str().unwrap().contains("minister_approval_missing"), "{refused}");
            pj["minister_approval"] = json!({"number": "100.2.1.3/4567/OTDA", "date": "2026-11-15"});
            let r = act(app, &p.officer, &id, &e, json!({"action": "complete_stage", "record": pj}));
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(app.get_ok(&format!("/v1/agreements/{id}"))["status"], "active");
        }

        /// R15: configured (JALIN_SIGNING_PLT_PLH=allowed), a Plt. signs; a deputy still not.
        fn r15_a_plt_signs_where_configured_but_a_deputy_never(app) with [("JALIN_SIGNING_PLT_PLH", "allowed")] {
            let s = app.get_ok("/v1/settings");
            let plt_plh = s["items"].as_array().unwrap().iter().find(|i| i["key"] == "signing.plt_plh").unwrap().clone();
            assert_eq!((plt_plh["value"].clone(), plt_plh["default"].clone(), plt_plh["is_default"].clone()), (json!("allowed"), json!("refused"), json!(false)));
            let p = people(app);
            let (id, etag) = draft(app, false);
            let e = advance(app, &p, &id, &etag, 11);
            let mut deputy = signing("Ahmad Luthfi", "Wakil Gubernur Jawa Tengah", true, &["id", "en"]);
            deputy["capacity"] = json!("definitive");
            let refused = act(app, &p.officer, &id, &e, json!({"action": "complete_stage", "record": deputy})).problem(422, "validation_failed");
            assert!(refused["errors"].as_array().unwrap().iter().any(|e| e["message"].as_str().unwrap().contains("signatory_not_head_of_region")), "{refused}");
            let mut plt = signing("Ahmad Luthfi", "Gubernur Jawa Tengah", true, &["id", "en"]);
            plt["capacity"] = json!("plt");
            let r = act(app, &p.officer, &id, &e, json!({"action": "complete_stage", "record": plt}));
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(stage(&r.json(), "signing")["record"]["capacity"], "plt");
        }
    }
}
