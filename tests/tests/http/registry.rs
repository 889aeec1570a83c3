//! The agreement registry (partners, agreements): rules R1–R4, R6, R9, R16, R20, R23, R24,
//! reference numbers, filters, lineage, history, isolation; the verification of agreements
//! signed outside the system under PP 28/2018 (R23, R9).

use jalin_tests::{approval_letters, on_both_databases, TestApp};
use serde_json::{json, Value};

fn partner(app: &TestApp, body: Value) -> String {
    let r = app.req("POST", "/v1/partners").json(&body).send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

fn queensland(app: &TestApp) -> String {
    partner(
        app,
        json!({"name": "State of Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU", "subdivision": "Queensland"}),
    )
}

fn agreement(region: &str, subtype: &str, partner: &str, extra: Value) -> Value {
    let mut body = json!({
        "region_code": region, "subtype": subtype, "instrument": "mou", "partner_ids": [partner],
        "title_id": "Nota Kesepahaman Kerja Sama", "title_en": "Memorandum of Understanding",
        "objects": ["cultural_exchange"], "sectors": ["pendidikan"], "languages": ["id", "en"]
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn create(app: &TestApp, body: &Value) -> Value {
    let r = app.req("POST", "/v1/agreements").json(body).send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

/// The rule ids cited by a refusal.
fn refused(app: &TestApp, body: &Value) -> Vec<String> {
    let p = app
        .req("POST", "/v1/agreements")
        .json(body)
        .send()
        .problem(422, "rule_violation");
    assert!(p["rule"].is_string() && p["rule_source"].is_string(), "{p}");
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

on_both_databases! {
    fn r1_a_partner_registered_in_indonesia_is_not_foreign(app) {
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": "PT Foreign Owned Indonesia", "kind": "foreign_business", "country": "ID"})).send()
            .problem(422, "rule_violation");
        assert_eq!(p["rule"], "R1");
        assert_eq!(p["errors"][0]["pointer"], "/country");
    }

    fn a_duplicate_partner_is_a_409_naming_the_existing_one(app) {
        let id = queensland(app);
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": "state of  QUEENSLAND", "kind": "foreign_local_government", "level": "state", "country": "AU"})).send()
            .problem(409, "partner_exists");
        assert!(p["detail"].as_str().unwrap().contains(&id), "{p}");
        // The same name in another country is another partner.
        partner(app, json!({"name": "State of Queensland", "kind": "foreign_local_government", "level": "state", "country": "NZ"}));
    }

    fn partner_input_is_validated(app) {
        let p = app.req("POST", "/v1/partners").json(&json!({"name": "Somewhere", "kind": "foreign_local_government", "country": "AU"})).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/level");
        let p = app.req("POST", "/v1/partners").json(&json!({"name": "Nowhere", "kind": "foreign_university", "country": "ZZ"})).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "unknown_country");
        let r = app.req("POST", "/v1/partners").json(&json!({"name": "JICA", "native_name": "国際協力機構", "kind": "foreign_government_agency", "country": "jp",
            "contacts": [{"name": "Desk officer", "email": "desk@example.org"}]})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["country"], "JP");
        let listed = app.get_ok("/v1/partners?country=JP&q=jica");
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    }

    /// R23: Jawa Tengah–Queensland, signed 1991, recorded as it stands without the workflow.
    fn r23_a_legacy_agreement_is_recorded_directly(app) {
        let qld = queensland(app);
        let a = create(app, &agreement("33", "sister_province", &qld, json!({
            "legacy": true, "status": "expired", "signed_on": "1991-02-26", "expires_on": "2019-08-05",
            "value": {"amount": "2000000.00", "currency": "AUD"},
            "signatories": {"indonesian": {"name": "H. M. Ismail", "position": "Gubernur Jawa Tengah"}}
        })));
        assert_eq!(a["status"], "expired");
        assert_eq!(a["reference_number"], "KSLN-33-1991-0001");
        assert_eq!(a["kind"], "ksdpl");
        assert_eq!(a["value"], json!({"amount": "2000000", "currency": "AUD"}));
        assert!(a["expires_in_days"].as_i64().unwrap() < 0);
        assert_eq!(a["partners"][0]["name"], "State of Queensland");
        let rules = refused(app, &agreement("33", "sister_province", &qld, json!({"legacy": true, "status": "active", "signed_on": "2014-05-01", "expires_on": "2019-05-01"})));
        assert_eq!(rules, ["R23"]);
        assert_eq!(refused(app, &agreement("33", "sister_province", &qld, json!({"legacy": true})) ), ["R23"]);
    }

    /// R9: a new agreement starts as a draft; only the workflow can approve it.
    fn r9_a_new_agreement_cannot_be_created_active(app) {
        let qld = queensland(app);
        assert_eq!(refused(app, &agreement("33", "sister_province", &qld, json!({"status": "active"}))), ["R9"]);
        let a = create(app, &agreement("33", "sister_province", &qld, json!({})));
        assert_eq!(a["status"], "draft");
    }

    fn r1_ksdpl_needs_a_foreign_local_government(app) {
        let jica = partner(app, json!({"name": "JICA", "kind": "foreign_government_agency", "country": "JP"}));
        assert_eq!(refused(app, &agreement("33", "sister_province", &jica, json!({}))), ["R1"]);
        let qld = queensland(app);
        assert_eq!(refused(app, &agreement("33", "other_ksdll", &qld, json!({}))), ["R1"]);
        create(app, &agreement("33", "other_ksdll", &jica, json!({"instrument": "pks"})));
    }

    fn r2_continuation_ksdll_partners(app) {
        let ngo = partner(app, json!({"name": "Stichting Example", "kind": "foreign_nonprofit", "legal_personality": false, "country": "NL"}));
        assert_eq!(refused(app, &agreement("33", "continuation", &ngo, json!({}))), ["R2"]);
        let party = partner(app, json!({"name": "Example Party", "kind": "other", "political_party": true, "country": "NL"}));
        assert_eq!(refused(app, &agreement("33", "other_ksdll", &party, json!({}))), ["R2"]);
        let undp = partner(app, json!({"name": "UNDP", "kind": "international_organization", "country": "US"}));
        create(app, &agreement("33", "continuation", &undp, json!({})));
    }

    fn r3_objects_come_from_article_23(app) {
        let qld = queensland(app);
        let p = app.req("POST", "/v1/agreements").json(&agreement("33", "sister_province", &qld, json!({"objects": ["tourism_marketing"]}))).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/objects/0");
        let p = app.req("POST", "/v1/agreements").json(&agreement("33", "sister_province", &qld, json!({"objects": []}))).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/objects");
    }

    fn r4_no_partner_in_a_country_without_diplomatic_relations(app) {
        let taipei = partner(app, json!({"name": "Taipei City", "kind": "foreign_local_government", "level": "city", "country": "TW"}));
        assert_eq!(refused(app, &agreement("33.74", "sister_city", &taipei, json!({}))), ["R4"]);
    }

    fn r24_nothing_official_with_israeli_government_entities(app) {
        let haifa = partner(app, json!({"name": "Haifa", "kind": "foreign_local_government", "level": "city", "country": "IL"}));
        let rules = refused(app, &agreement("33.74", "sister_city", &haifa, json!({})));
        assert!(rules.contains(&"R4".to_string()) && rules.contains(&"R24".to_string()), "{rules:?}");
    }

    fn r6_unequal_levels_need_a_justification(app) {
        let siem_reap = partner(app, json!({"name": "Siem Reap", "kind": "foreign_local_government", "level": "city", "country": "KH"}));
        assert_eq!(refused(app, &agreement("33", "other_ksdpl", &siem_reap, json!({}))), ["R6"]);
        create(app, &agreement("33", "other_ksdpl", &siem_reap, json!({"level_justification": "Temple tourism complementarity with Borobudur"})));
    }

    fn r16_texts_in_indonesian_and_another_language(app) {
        let qld = queensland(app);
        assert_eq!(refused(app, &agreement("33", "sister_province", &qld, json!({"languages": ["en"]}))), ["R16"]);
        assert_eq!(refused(app, &agreement("33", "sister_province", &qld, json!({"languages": ["id"]}))), ["R16"]);
    }

    fn r20_no_foreign_loan_obligation(app) {
        let qld = queensland(app);
        assert_eq!(refused(app, &agreement("33", "sister_province", &qld, json!({"creates_foreign_loan": true}))), ["R20"]);
    }

    fn every_violation_is_reported_at_once(app) {
        let taipei = partner(app, json!({"name": "Taipei", "kind": "foreign_local_government", "level": "city", "country": "TW"}));
        let rules = refused(app, &agreement("33", "sister_province", &taipei, json!({"languages": ["id"], "creates_foreign_loan": true})));
        for r in ["R4", "R6", "R16", "R20"] {
            assert!(rules.contains(&r.to_string()), "{r} in {rules:?}");
        }
    }

    fn reference_numbers_run_per_region_and_year(app) {
        let qld = queensland(app);
        let year = chrono::Utc::now().format("%Y").to_string();
        let a = create(app, &agreement("33", "sister_province", &qld, json!({})));
        let b = create(app, &agreement("33", "sister_province", &qld, json!({})));
        assert_eq!(a["reference_number"], format!("KSLN-33-{year}-0001"));
        assert_eq!(b["reference_number"], format!("KSLN-33-{year}-0002"));
        let brisbane = partner(app, json!({"name": "Brisbane", "kind": "foreign_local_government", "level": "city", "country": "AU"}));
        let c = create(app, &agreement("33.74", "sister_city", &brisbane, json!({})));
        assert_eq!(c["reference_number"], format!("KSLN-33.74-{year}-0001"));
        // A refused creation takes no number.
        refused(app, &agreement("33", "sister_province", &qld, json!({"languages": ["id"]})));
        let d = create(app, &agreement("33", "sister_province", &qld, json!({})));
        assert_eq!(d["reference_number"], format!("KSLN-33-{year}-0003"));
    }

    /// Concurrent creation: every number unique, none skipped.
    fn reference_numbers_stay_gap_free_under_concurrency(app) {
        let qld = queensland(app);
        let body = agreement("33", "sister_province", &qld, json!({})).to_string();
        let (base, token) = (app.base.clone(), app.admin_token.clone());
        let workers: Vec<_> = (0..6).map(|_| {
            let (base, token, body) = (base.clone(), token.clone(), body.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                (0..5).map(|_| {
                    let mut r = agent.post(format!("{base}/v1/agreements"))
                        .header("authorization", &format!("Bearer {token}"))
                        .content_type("application/json").send(body.clone()).unwrap();
                    let status = r.status().as_u16();
                    let text = r.body_mut().read_to_string().unwrap();
                    (status, text)
                }).collect::<Vec<_>>()
            })
        }).collect();
        let mut numbers = Vec::new();
        for w in workers {
            for (status, text) in w.join().unwrap() {
                assert_eq!(status, 201, "{text}");
                let v: Value = serde_json::from_str(&text).unwrap();
                numbers.push(v["reference_number"].as_str().unwrap().rsplit('-').next().unwrap().parse::<u32>().unwrap());
            }
        }
        numbers.sort();
        assert_eq!(numbers, (1..=30).collect::<Vec<_>>());
    }

    fn the_list_filters_and_sorts(app) {
        let qld = queensland(app);
        let fujian = partner(app, json!({"name": "Fujian Province", "native_name": "福建省", "kind": "foreign_local_government", "level": "province", "country": "CN"}));
        let brisbane = partner(app, json!({"name": "Brisbane City Council", "kind": "foreign_local_government", "level": "city", "country": "AU"}));
        app.record_legacy(&agreement("33", "sister_province", &qld, json!({"legacy": true, "status": "active", "signed_on": "2019-08-06", "expires_on": "2030-08-05", "objects": ["technical_capacity"]})));
        create(app, &agreement("33", "sister_province", &fujian, json!({"legacy": true, "status": "active", "signed_on": "2016-05-10", "expires_on": "2027-01-31", "sectors": ["pariwisata"]})));
        create(app, &agreement("33.74", "sister_city", &brisbane, json!({"title_id": "Kerja Sama Kota Kembar Semarang", "title_en": "Semarang sister city"})));
        create(app, &agreement("36", "sister_province", &qld, json!({})));

        let count = |q: &str| app.get_all(&format!("/v1/agreements?{q}")).len();
        assert_eq!(count("region_code=33"), 3, "a province includes its regencies/cities");
        assert_eq!(count("region_code=33.74"), 1);
        assert_eq!(count("country=AU"), 3);
        assert_eq!(count("country=cn"), 1);
        assert_eq!(count(&format!("partner_id={qld}")), 2);
        assert_eq!(count("object=technical_capacity"), 1);
        assert_eq!(count("sector=pariwisata"), 1);
        assert_eq!(count("status=draft"), 2);
        assert_eq!(count("legacy=true"), 2);
        assert_eq!(count("expiring_before=2028-01-01"), 1);
        assert_eq!(count("signed_from=2018-01-01&signed_to=2020-12-31"), 1);
        assert_eq!(count("q=semarang"), 1);
        assert_eq!(count("q=brisbane"), 1, "free text covers partner names");
        // A renamed partner is found by its new name.
        let path = format!("/v1/partners/{brisbane}");
        let etag = app.get(&path).header("etag").unwrap().to_owned();
        let r = app.req("PUT", &path).header("If-Match", &etag)
            .json(&json!({"name": "City of Brisbane", "kind": "foreign_local_government", "level": "city", "country": "AU"})).send();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(count("q=city%20of%20brisbane"), 1);
        assert_eq!(count("q=ksln-36"), 1);
        let by_expiry = app.get_ok("/v1/agreements?legacy=true&sort=expires_on");
        assert_eq!(by_expiry["items"][0]["expires_on"], "2027-01-31");
        // Offset cursors page through the other sorts, one item a page.
        let mut seen = Vec::new();
        let mut url = "/v1/agreements?sort=-expires_on&limit=1".to_owned();
        loop {
            let page = app.get_ok(&url);
            seen.extend(page["items"].as_array().unwrap().iter().map(|a| a["id"].clone()));
            match page["next_cursor"].as_str() {
                Some(c) => url = format!("/v1/agreements?sort=-expires_on&limit=1&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 4);
        seen.sort_by_key(|v| v.to_string());
        seen.dedup();
        assert_eq!(seen.len(), 4, "no agreement twice");
        app.get("/v1/agreements?sort=title").problem(422, "validation_failed");
    }

    fn changes_need_if_match_and_are_in_the_history(app) {
        let qld = queensland(app);
        let body = agreement("33", "sister_province", &qld, json!({}));
        let r = app.req("POST", "/v1/agreements").header("X-Request-Id", "mou-create").json(&body).send();
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let etag = r.header("etag").unwrap().to_owned();
        let path = format!("/v1/agreements/{id}");
        let mut changed = body.clone();
        changed["title_en"] = json!("Sister Province MoU (revised)");
        app.req("PUT", &path).json(&changed).send().problem(428, "if_match_required");
        let ok = app.req("PUT", &path).header("If-Match", &etag).json(&changed).send();
        assert_eq!(ok.status, 200, "{}", ok.body);
        app.req("PUT", &path).header("If-Match", &etag).json(&body).send().problem(412, "etag_mismatch");
        let mut moved = changed.clone();
        moved["region_code"] = json!("36");
        let fresh = ok.header("etag").unwrap().to_owned();
        app.req("PUT", &path).header("If-Match", &fresh).json(&moved).send().problem(422, "validation_failed");
        let mut activated = changed.clone();
        activated["status"] = json!("active");
        assert_eq!(app.req("PUT", &path).header("If-Match", &fresh).json(&activated).send().problem(422, "rule_violation")["rule"], "R9");

        let history = app.get_ok(&format!("{path}/history"));
        let events = history["items"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["action"], "agreement.created");
        assert_eq!(events[0]["request_id"], "mou-create");
        assert_eq!(events[1]["changes"]["title_en"]["after"], "Sister Province MoU (revised)");
        assert_eq!(events[1]["actor_name"], "admin");
    }

    fn only_drafts_can_be_deleted(app) {
        let qld = queensland(app);
        let draft = app.req("POST", "/v1/agreements").json(&agreement("33", "sister_province", &qld, json!({}))).send();
        let legacy = app.record_legacy(&agreement("33", "sister_province", &qld, json!({"legacy": true, "status": "active", "signed_on": "2019-08-06"})));
        let (d, l) = (draft.json(), legacy.json());
        app.req("DELETE", &format!("/v1/agreements/{}", l["id"].as_str().unwrap())).header("If-Match", legacy.header("etag").unwrap()).send()
            .problem(409, "not_a_draft");
        let r = app.req("DELETE", &format!("/v1/agreements/{}", d["id"].as_str().unwrap())).header("If-Match", draft.header("etag").unwrap()).send();
        assert_eq!(r.status, 204);
        app.get(&format!("/v1/agreements/{}", d["id"].as_str().unwrap())).problem(404, "not_found");
    }

    /// An umbrella MoU with its PKS, a renewal with its predecessor; cycles refused.
    fn lineage_links_and_refuses_cycles(app) {
        let qld = queensland(app);
        let mou = create(app, &agreement("33", "sister_province", &qld, json!({"legacy": true, "status": "expired", "signed_on": "1991-02-26", "expires_on": "2019-08-05"})));
        let renewal = create(app, &agreement("33", "sister_province", &qld, json!({"predecessor_id": mou["id"]})));
        assert_eq!(renewal["predecessor_id"], mou["id"]);
        let pks = create(app, &agreement("33", "sister_province", &qld, json!({"instrument": "pks", "parent_id": renewal["id"], "title_id": "PKS pertukaran guru"})));
        assert_eq!(pks["parent_id"], renewal["id"]);
        // The MoU cannot become a child of its own PKS.
        let path = format!("/v1/agreements/{}", renewal["id"].as_str().unwrap());
        let etag = app.get(&path).header("etag").unwrap().to_owned();
        let mut cyclic = agreement("33", "sister_province", &qld, json!({"predecessor_id": mou["id"], "parent_id": pks["id"]}));
        cyclic["title_id"] = renewal["title_id"].clone();
        let p = app.req("PUT", &path).header("If-Match", &etag).json(&cyclic).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "cycle");
        app.req("POST", "/v1/agreements").json(&agreement("33", "sister_province", &qld, json!({"parent_id": "no-such-agreement"}))).send()
            .problem(422, "validation_failed");
    }

    fn another_regions_agreement_is_a_404(app) {
        let qld = queensland(app);
        let jateng = create(app, &agreement("33", "sister_province", &qld, json!({})));
        let (_, banten_officer) = app.user("biro-banten", "province_officer", Some("36"));
        let (_, semarang_officer) = app.user("ks-semarang", "region_officer", Some("33.74"));
        let path = format!("/v1/agreements/{}", jateng["id"].as_str().unwrap());
        app.req("GET", &path).bearer(&banten_officer).send().problem(404, "not_found");
        app.req("GET", &format!("{path}/history")).bearer(&banten_officer).send().problem(404, "not_found");
        app.req("GET", &path).bearer(&semarang_officer).send().problem(404, "not_found");
        assert_eq!(app.req("GET", "/v1/agreements").bearer(&banten_officer).send().json()["items"], json!([]));
        // Nor may they create one there.
        app.req("POST", "/v1/agreements").bearer(&banten_officer).json(&agreement("33", "sister_province", &qld, json!({}))).send()
            .problem(403, "forbidden");
    }

    /// R23/R9: a province officer records an agreement signed yesterday as active, without the
    /// workflow: refused, naming the status (R9) and each missing letter (R23), in both
    /// languages. With its letters it enters `pending_verification`, counts nowhere as active,
    /// and only a central reviewer puts it in force — after a refusal and a correction.
    fn r23_an_agreement_signed_after_pp28_outside_the_system_waits_for_central_verification(app) {
        let qld = queensland(app);
        let (_, officer) = app.user("biro-jateng-r23", "province_officer", Some("33"));
        let (_, kemendagri) = app.user("pfk-r23", "central_reviewer", None);
        let (_, banten) = app.user("biro-banten-r23", "province_officer", Some("36"));
        let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
        let bypass = agreement("33", "sister_province", &qld, json!({"legacy": true, "status": "active", "signed_on": yesterday}));
        let p = app.req("POST", "/v1/agreements").bearer(&officer).json(&bypass).send().problem(422, "rule_violation");
        let errors: Vec<(String, String)> = p["errors"].as_array().unwrap().iter()
            .map(|e| (e["pointer"].as_str().unwrap().to_owned(), e["rule"].as_str().unwrap().to_owned())).collect();
        assert_eq!(errors, [
            ("/status".to_owned(), "R9".to_owned()),
            ("/approval_letters/dprd_approval".to_owned(), "R23".to_owned()),
            ("/approval_letters/kemendagri_consideration".to_owned(), "R23".to_owned()),
            ("/approval_letters/kemlu_confirmation".to_owned(), "R23".to_owned()),
        ]);
        assert_eq!(p["rule"], "R9");
        let id_text = app.req("POST", "/v1/agreements").bearer(&officer).header("Accept-Language", "id").json(&bypass).send()
            .problem(422, "rule_violation");
        assert!(id_text["errors"][1]["message"].as_str().unwrap().contains("surat persetujuan DPRD"), "{id_text}");

        // With its letters, it enters pending (the default status for it).
        let mut lettered = agreement("33", "sister_province", &qld, json!({"legacy": true, "signed_on": yesterday,
            "signed_place": "Brisbane", "approval_letters": approval_letters(&yesterday)}));
        let r = app.req("POST", "/v1/agreements").bearer(&officer).json(&lettered).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let a = r.json();
        assert_eq!(a["status"], "pending_verification");
        assert_eq!(a["approval_letters"]["kemlu_confirmation"]["number"], "1234/KS/2025");
        assert_eq!(a["verification"], Value::Null);
        assert_eq!(a["signing"]["source"], "record");
        let blocking = app.req("GET", &format!("/v1/agreements/{}/workflow/requirements", a["id"].as_str().unwrap())).bearer(&officer).send().json();
        assert_eq!((blocking["blocking"][0]["code"].as_str(), blocking["blocking"][0]["rule"].as_str()), (Some("pending_verification"), Some("R23")), "{blocking}");
        let id = a["id"].as_str().unwrap().to_owned();
        let path = format!("/v1/agreements/{id}");
        let verify = format!("{path}/verification");
        // Not in force anywhere that counts.
        assert_eq!(app.get_all("/v1/agreements?status=active").len(), 0);
        assert_eq!(app.get_all("/v1/agreements?status=pending_verification").len(), 1);
        assert_eq!(app.req("GET", "/v1/public/agreements").anonymous().send().json()["items"], json!([]));
        let overview = app.get_ok("/v1/stats/overview");
        assert_eq!(overview["by_status"]["active"].as_u64().unwrap_or(0), 0, "{overview}");
        assert_eq!(overview["by_status"]["pending_verification"], 1, "{overview}");

        // The region cannot verify its own record; another region does not see it.
        let etag = r.header("etag").unwrap().to_owned();
        let ok = json!({"outcome": "verified"});
        app.req("POST", &verify).bearer(&officer).header("If-Match", &etag).json(&ok).send().problem(403, "forbidden");
        app.req("GET", &path).bearer(&banten).send().problem(404, "not_found");
        app.req("POST", &verify).bearer(&banten).header("If-Match", &etag).json(&ok).send().problem(403, "forbidden");
        // A regional service account holding `agreements:verify` verifies nothing: the scope is
        // national-only (R23; issue #18), so it is refused (403) in every region alike.
        for (region, status) in [("33", 403), ("36", 403)] {
            let sa = app.req("POST", "/v1/service-accounts")
                .json(&json!({"name": format!("script {region}"), "scopes": ["agreements:read", "agreements:verify"], "region_code": region})).send();
            assert_eq!(sa.status, 201, "{}", sa.body);
            let t = app.req("POST", "/v1/auth/token").anonymous()
                .json(&json!({"grant_type": "client_credentials", "client_id": sa.json()["client_id"], "client_secret": sa.json()["client_secret"]})).send();
            let token = t.json()["access_token"].as_str().unwrap().to_owned();
            let p = app.req("POST", &verify).bearer(&token).header("If-Match", &etag).json(&ok).send();
            assert_eq!(p.status, status, "{region}: {}", p.body);
        }
        // Central review: If-Match required and current; a refusal needs its note.
        app.req("POST", &verify).bearer(&kemendagri).json(&ok).send().problem(428, "if_match_required");
        app.req("POST", &verify).bearer(&kemendagri).header("If-Match", "\"stale\"").json(&ok).send().problem(412, "etag_mismatch");
        let p = app.req("POST", &verify).bearer(&kemendagri).header("If-Match", &etag).json(&json!({"outcome": "refused"})).send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/note");
        let refused = app.req("POST", &verify).bearer(&kemendagri).header("If-Match", &etag)
            .json(&json!({"outcome": "refused", "note": "Nomor surat DPRD tidak ada di arsip Setwan"})).send();
        assert_eq!(refused.status, 200, "{}", refused.body);
        assert_eq!(refused.json()["status"], "pending_verification");
        assert_eq!(refused.json()["verification"]["outcome"], "refused");
        assert_eq!(refused.json()["verification"]["by"], "pfk-r23");
        // The region corrects its record while it is pending (signed facts are not fixed yet).
        lettered["approval_letters"]["dprd_approval"]["number"] = json!("170/46/DPRD");
        lettered["status"] = json!("pending_verification");
        let corrected = app.req("PUT", &path).bearer(&officer).header("If-Match", refused.header("etag").unwrap()).json(&lettered).send();
        assert_eq!(corrected.status, 200, "{}", corrected.body);
        let mut activated = lettered.clone();
        activated["status"] = json!("active");
        let p = app.req("PUT", &path).bearer(&officer).header("If-Match", corrected.header("etag").unwrap()).json(&activated).send()
            .problem(422, "rule_violation");
        assert_eq!((p["errors"][0]["pointer"].as_str(), p["rule"].as_str()), (Some("/status"), Some("R9")));
        app.req("POST", &verify).bearer(&kemendagri).header("If-Match", &etag).json(&ok).send().problem(412, "etag_mismatch");
        let verified = app.req("POST", &verify).bearer(&kemendagri).header("If-Match", corrected.header("etag").unwrap()).json(&ok).send();
        assert_eq!(verified.status, 200, "{}", verified.body);
        assert_eq!(verified.json()["status"], "active");
        assert_eq!(verified.json()["verification"]["outcome"], "verified");
        assert_eq!(verified.json()["approval_letters"]["dprd_approval"]["number"], "170/46/DPRD");
        // Verifying twice is a conflict naming R23.
        let twice = app.req("POST", &verify).bearer(&kemendagri).header("If-Match", verified.header("etag").unwrap()).json(&ok).send()
            .problem(409, "not_pending_verification");
        assert_eq!(twice["rule"], "R23");
        assert_eq!(app.get_all("/v1/agreements?status=active").len(), 1);
        assert_eq!(app.req("GET", "/v1/public/agreements").anonymous().send().json()["items"].as_array().unwrap().len(), 1);
        let history = app.get_ok(&format!("{path}/history"));
        let actions: Vec<&str> = history["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["agreement.created", "agreement.verification_refused", "agreement.updated", "agreement.verified"]);
        assert_eq!(app.get_ok("/v1/audit-events/verify")["intact"], true);
    }

    /// R23: each letter is dated on or before the signing and never in the future; the signing
    /// itself is never in the future; before 13 July 2018 nothing of this applies.
    fn r23_approval_letters_are_dated_before_the_signing(app) {
        let qld = queensland(app);
        let mut letters = approval_letters("2025-05-02");
        letters["kemlu_confirmation"]["date"] = json!("2025-05-03");
        letters["dprd_approval"]["date"] = json!("2199-01-01");
        letters["kemendagri_consideration"]["number"] = json!("");
        let p = app.req("POST", "/v1/agreements").json(&agreement("33", "sister_province", &qld, json!({
            "legacy": true, "signed_on": "2025-05-02", "approval_letters": letters}))).send().problem(422, "rule_violation");
        let pointers: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
        assert_eq!(pointers, ["/approval_letters/dprd_approval/date", "/approval_letters/kemendagri_consideration/number",
            "/approval_letters/kemlu_confirmation/date"]);
        assert!(p["errors"][2]["message"].as_str().unwrap().contains("after the signing date"), "{p}");
        let future = refused(app, &agreement("33", "sister_province", &qld, json!({
            "legacy": true, "signed_on": "2199-01-01", "approval_letters": approval_letters("2025-05-02")})));
        assert_eq!(future, ["R23"]);
        // Letters belong to records from outside the system, not to a workflow draft.
        let p = app.req("POST", "/v1/agreements").json(&agreement("33", "sister_province", &qld, json!({
            "approval_letters": approval_letters("2025-05-02")}))).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "not_applicable");
        // The day before PP 28/2018 took effect: recorded as it stands.
        let before = create(app, &agreement("33", "sister_province", &qld, json!({"legacy": true, "status": "active", "signed_on": "2018-07-12"})));
        assert_eq!(before["status"], "active");
    }

    /// R23: verified after its end date, an agreement signed outside the system is expired.
    fn r23_a_verified_agreement_past_its_end_is_expired(app) {
        let qld = queensland(app);
        let r = app.req("POST", "/v1/agreements").json(&agreement("33", "sister_province", &qld, json!({
            "legacy": true, "status": "pending_verification", "signed_on": "2019-08-06", "expires_on": "2024-08-05",
            "approval_letters": approval_letters("2019-08-01")}))).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let (_, kemendagri) = app.user("pfk-expired", "central_reviewer", None);
        let v = app.req("POST", &format!("/v1/agreements/{id}/verification")).bearer(&kemendagri)
            .header("If-Match", r.header("etag").unwrap()).json(&json!({"outcome": "verified"})).send();
        assert_eq!(v.status, 200, "{}", v.body);
        assert_eq!(v.json()["status"], "expired");
        // A draft is not pending: nothing to verify.
        let draft = app.req("POST", "/v1/agreements").json(&agreement("33", "sister_province", &qld, json!({}))).send();
        app.req("POST", &format!("/v1/agreements/{}/verification", draft.json()["id"].as_str().unwrap())).bearer(&kemendagri)
            .header("If-Match", draft.header("etag").unwrap()).json(&json!({"outcome": "verified"})).send()
            .problem(409, "not_pending_verification");
    }

    /// R23: an import carries the approval letters in columns of their own; a row signed under
    /// PP 28/2018 without them names each missing letter's column and imports nothing; with
    /// them it enters `pending_verification`.
    fn r23_an_import_carries_the_approval_letters(app) {
        queensland(app);
        let header = "region_code,subtype,instrument,partner_name,partner_country,title_id,objects,languages,legacy,signed_on,\
            dprd_approval_number,dprd_approval_date,kemendagri_consideration_number,kemendagri_consideration_date,\
            kemlu_confirmation_number,kemlu_confirmation_date\n";
        let import = |rows: &[&str]| {
            let body = format!("{header}{}\n", rows.join("\n"));
            app.req("POST", "/v1/agreements/import").body("text/csv", body.into_bytes()).send()
        };
        let row = "33,sister_province,mou,State of Queensland,AU,MoU 2019,cultural_exchange,id;en,true,2019-08-06";
        let errors = |r: jalin_tests::Resp| -> Vec<(String, String)> {
            r.problem(422, "validation_failed")["errors"].as_array().unwrap().iter()
                .map(|e| (e["pointer"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned())).collect()
        };
        let bypass = format!("{row},,,,,,");
        let late = format!("{row},170/45/DPRD,2019-05-10,120/880/PFK,2019-06-03,1234/KS,2019-08-07");
        let undated = format!("{row},170/45/DPRD,,120/880/PFK,2019-06-03,1234/KS,2019-07-22");
        let e = errors(import(&[&bypass, &late, &undated]));
        for expected in [
            ("/rows/2/dprd_approval_number", "R23"),
            ("/rows/2/kemendagri_consideration_number", "R23"),
            ("/rows/2/kemlu_confirmation_number", "R23"),
            ("/rows/3/kemlu_confirmation_date", "R23"),
            ("/rows/4/dprd_approval_date", "required"),
        ] {
            assert!(e.contains(&(expected.0.to_owned(), expected.1.to_owned())), "{expected:?} in {e:?}");
        }
        assert_eq!(app.get_all("/v1/agreements").len(), 0, "nothing was imported");
        let good = format!("{row},170/45/DPRD,2019-05-10,120/880/PFK,2019-06-03,1234/KS,2019-07-22");
        let r = import(&[&good]);
        assert_eq!(r.status, 201, "{}", r.body);
        let imported = app.get_all("/v1/agreements?status=pending_verification");
        assert_eq!(imported.len(), 1);
        assert_eq!(imported[0]["approval_letters"]["kemlu_confirmation"], json!({"number": "1234/KS", "date": "2019-07-22"}));
        // The export carries them back in the same columns.
        let csv = app.get("/v1/agreements/export?format=csv&labels=codes").body;
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let record = reader.records().next().unwrap().unwrap();
        let cell = |name: &str| record[headers.iter().position(|h| h == name).unwrap()].to_owned();
        assert_eq!((cell("kemlu_confirmation_number"), cell("kemlu_confirmation_date")), ("1234/KS".to_owned(), "2019-07-22".to_owned()));
        assert_eq!(cell("status"), "pending_verification");
    }
}
