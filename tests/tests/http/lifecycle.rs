//! After signing: termination (R19), renewal (R18), automatic expiry; signed facts fixed
//! (R9, R16), changed only through an amendment.

use chrono::NaiveDate;
use jalin_api::clock::Clock;
use jalin_tests::{on_both_databases, Resp, TestApp};
use serde_json::{json, Value};

/// The agreement `a` (as shown) written back as a replacement, with `changes`.
fn replacement(a: &Value, changes: Value) -> Value {
    let mut body = json!({});
    for k in [
        "region_code",
        "subtype",
        "instrument",
        "parent_id",
        "predecessor_id",
        "title_id",
        "title_en",
        "objects",
        "sectors",
        "languages",
        "implementing_agencies",
        "financing_source",
        "creates_foreign_loan",
        "value",
        "signatories",
        "signed_on",
        "signed_place",
        "effective_from",
        "expires_on",
        "legacy",
        "status",
        "level_justification",
        "own_reference",
        "partner_reference",
        "checklist",
        "approval_letters",
    ] {
        body[k] = a[k].clone();
    }
    body["partner_ids"] = json!(a["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect::<Vec<_>>());
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn put(app: &TestApp, a: &Resp, body: &Value) -> Resp {
    let id = a.json()["id"].as_str().unwrap().to_owned();
    app.req("PUT", &format!("/v1/agreements/{id}"))
        .header("If-Match", a.header("etag").unwrap())
        .json(body)
        .send()
}

/// The pointers of a 409 `signed_fact_locked`, with their rules.
fn locked(r: Resp) -> Vec<(String, String)> {
    let p = r.problem(409, "signed_fact_locked");
    assert!(p["detail"].as_str().unwrap().contains("amendment"), "{p}");
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap().to_owned(),
                e["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

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

    /// R9/R16: a verified agreement's signed facts (signatories, signing date and place,
    /// partners, kind, languages, approvals' letters) change only through an amendment — a 409
    /// naming each field; its other fields (agencies, financing, references, titles) stay open.
    fn signed_facts_of_a_verified_agreement_change_only_through_an_amendment(app) {
        let qld = app.req("POST", "/v1/partners").json(&json!({"name": "State of Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
        let brisbane = app.req("POST", "/v1/partners").json(&json!({"name": "Brisbane", "kind": "foreign_local_government", "level": "city", "country": "AU"})).send();
        let a = app.record_legacy(&json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [qld.json()["id"]], "title_id": "MoU Jateng – Queensland", "objects": ["cultural_exchange"], "languages": ["id", "en"],
            "legacy": true, "status": "active", "signed_on": "2019-08-06", "signed_place": "Brisbane", "expires_on": "2029-08-05",
            "signatories": {"indonesian": {"name": "Ganjar Pranowo", "position": "Gubernur Jawa Tengah"},
                            "partner": {"name": "Annastacia Palaszczuk", "position": "Premier of Queensland"}}}));
        let shown = a.json();
        assert_eq!(shown["status"], "active");
        assert_eq!(shown["signing"], json!({"signed_on": "2019-08-06", "place": "Brisbane",
            "indonesian": {"name": "Ganjar Pranowo", "position": "Gubernur Jawa Tengah"},
            "partner": {"name": "Annastacia Palaszczuk", "position": "Premier of Queensland"},
            "signed_text_languages": ["id", "en"], "source": "record"}));
        let changed = replacement(&shown, json!({
            "signed_on": "2019-08-07", "signed_place": "Semarang", "languages": ["id"], "expires_on": "2039-08-05",
            "partner_ids": [qld.json()["id"], brisbane.json()["id"]], "subtype": "other_ksdpl",
            "signatories": {"indonesian": {"name": "Taj Yasin", "position": "Wakil Gubernur Jawa Tengah"}, "partner": shown["signatories"]["partner"]},
            "approval_letters": jalin_tests::approval_letters("2019-08-05"),
        }));
        assert_eq!(locked(put(app, &a, &changed)), [
            ("/subtype".to_owned(), "R9".to_owned()), ("/partner_ids".to_owned(), "R9".to_owned()),
            ("/languages".to_owned(), "R16".to_owned()), ("/signed_on".to_owned(), "R9".to_owned()),
            ("/signed_place".to_owned(), "R9".to_owned()), ("/expires_on".to_owned(), "R18".to_owned()),
            ("/signatories/indonesian".to_owned(), "R9".to_owned()), ("/approval_letters".to_owned(), "R23".to_owned()),
        ]);
        let only_place = replacement(&shown, json!({"signed_place": "Semarang"}));
        let p = app.req("PUT", &format!("/v1/agreements/{}", shown["id"].as_str().unwrap())).header("If-Match", a.header("etag").unwrap())
            .header("Accept-Language", "id").json(&only_place).send().problem(409, "signed_fact_locked");
        assert_eq!(p["rule"], "R9");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains("amandemen"), "{p}");
        // The signed texts: one scan per signed language, then fixed (R16).
        let id = shown["id"].as_str().unwrap();
        let scan = |language: &[u8]| crate::documents::upload(app, id, &[("role", None, b"signed_text"), ("language", None, language),
            ("file", Some("MoU.pdf"), &crate::documents::pdf())]);
        assert_eq!(scan(b"id").status, 201);
        assert_eq!(scan(b"id").problem(409, "signed_fact_locked")["rule"], "R16");
        scan(b"ko").problem(409, "signed_fact_locked");
        assert_eq!(scan(b"en").status, 201);
        // The region stays where it is (422 immutable, as ever).
        put(app, &a, &replacement(&shown, json!({"region_code": "36"}))).problem(422, "validation_failed");
        // What signing did not fix stays editable; the same facts written again are no change.
        let open = replacement(&shown, json!({"implementing_agencies": ["Dinas Pendidikan"], "financing_source": "APBD",
            "own_reference": "119/2019", "title_en": "Sister Province MoU", "languages": ["en", "id"], "signed_place": " Brisbane "}));
        let ok = put(app, &a, &open);
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.json()["implementing_agencies"], json!(["Dinas Pendidikan"]));
        assert_eq!(ok.json()["verification"]["outcome"], "verified", "the verification survives a replacement");
        app.req("PUT", &format!("/v1/agreements/{}", shown["id"].as_str().unwrap())).header("If-Match", a.header("etag").unwrap())
            .json(&open).send().problem(412, "etag_mismatch");
        // The change goes through an amendment: its own draft, linked, through its own approval.
        let amendment = json!({"region_code": "33", "subtype": "sister_province", "instrument": "amendment", "parent_id": shown["id"],
            "partner_ids": [qld.json()["id"]], "title_id": "Amandemen MoU Jateng – Queensland",
            "objects": ["cultural_exchange"], "languages": ["id", "en"]});
        let r = app.req("POST", "/v1/agreements").json(&amendment).send();
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!((r.json()["status"].as_str(), r.json()["parent_id"].as_str()), (Some("draft"), shown["id"].as_str()));
        let mut orphan = amendment.clone();
        orphan["parent_id"] = Value::Null;
        let p = app.req("POST", "/v1/agreements").json(&orphan).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/parent_id");
        // An amendment amends a signed agreement, not a draft.
        let mut of_draft = amendment.clone();
        of_draft["parent_id"] = r.json()["id"].clone();
        let p = app.req("POST", "/v1/agreements").json(&of_draft).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "not_signed");
    }

    /// The signing record of the workflow shows on the agreement (`signing`, null before), and
    /// its signatories, date and place are then fixed; a draft's facts are open.
    fn a_workflow_signing_shows_on_the_agreement_and_fixes_its_facts(app) {
        let people = crate::cases::people(app);
        let (id, _) = crate::cases::draft(app, false);
        let path = format!("/v1/agreements/{id}");
        let draft = app.get(&path);
        assert_eq!(draft.json()["signing"], Value::Null);
        // Before signing, anything may change.
        let open = put(app, &draft, &replacement(&draft.json(), json!({"languages": ["id", "ko"], "signed_place": "Cheongju"})));
        assert_eq!(open.status, 200, "{}", open.body);
        let back = put(app, &open, &replacement(&open.json(), json!({"languages": ["id", "ko", "en"], "signed_place": null})));
        assert_eq!(back.status, 200, "{}", back.body);
        let case_etag = crate::cases::advance(app, &people, &id, back.header("etag").unwrap(), 11);
        let signing = json!({"kind": "signing", "signed_on": "2026-11-20", "place": "Semarang",
            "indonesian": {"name": "Ahmad Luthfi", "position": "Gubernur Jawa Tengah"}, "indonesian_is_head_of_region": true,
            "partner": {"name": "Lee Beom-seok", "position": "Governor of Chungcheongbuk-do"}, "signed_text_languages": ["id", "ko", "en"]});
        let r = app.req("POST", &format!("{path}/workflow/actions")).header("If-Match", &case_etag)
            .json(&json!({"action": "complete_stage", "record": signing})).send();
        assert_eq!(r.status, 200, "{}", r.body);
        let a = app.get(&path);
        let shown = a.json();
        assert_eq!(shown["status"], "active");
        assert_eq!(shown["signing"], json!({"signed_on": "2026-11-20", "place": "Semarang",
            "indonesian": {"name": "Ahmad Luthfi", "position": "Gubernur Jawa Tengah"},
            "partner": {"name": "Lee Beom-seok", "position": "Governor of Chungcheongbuk-do"},
            "signed_text_languages": ["id", "ko", "en"], "source": "workflow"}));
        assert_eq!(shown["signatories"]["indonesian"]["name"], "Ahmad Luthfi", "the signing record's signatories are the agreement's");
        let listed = app.get_ok("/v1/agreements?status=active");
        assert_eq!(listed["items"][0]["signing"]["place"], "Semarang");
        let deputy = replacement(&shown, json!({"signatories": {"indonesian": {"name": "Taj Yasin", "position": "Wakil Gubernur Jawa Tengah"},
            "partner": shown["signatories"]["partner"]}, "signed_on": "2026-11-21"}));
        assert_eq!(locked(put(app, &a, &deputy)), [
            ("/signed_on".to_owned(), "R9".to_owned()), ("/signatories/indonesian".to_owned(), "R9".to_owned()),
        ]);
        let ok = put(app, &a, &replacement(&shown, json!({"own_reference": "120/2026", "financing_source": "APBD Provinsi"})));
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.json()["signing"]["source"], "workflow");
        // A workflow agreement was never recorded from outside: nothing to verify.
        app.req("POST", &format!("{path}/verification")).header("If-Match", ok.header("etag").unwrap())
            .json(&json!({"outcome": "verified"})).send().problem(409, "not_pending_verification");
    }
}
