//! Coordination and promotion: potentials and their search, matchmaking in both
//! directions, meetings' recommendations through to overdue reminders, good practices published
//! after review, and the public feed that carries only public fields.

use jalin_domain::coordination::{
    PUBLIC_AGREEMENT_FIELDS, PUBLIC_PARTNER_FIELDS, PUBLIC_PRACTICE_FIELDS,
};
use jalin_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};

fn partner(app: &TestApp, name: &str, country: &str, level: &str) -> String {
    let r = app.req("POST", "/v1/partners")
        .json(&json!({"name": name, "kind": "foreign_local_government", "level": level, "country": country})).send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// A legacy agreement in `status` (active unless told) with `sectors`.
fn agreement(app: &TestApp, region: &str, partner: &str, sectors: &[&str], status: &str) -> String {
    let city = region.contains('.');
    let mut body = json!({"region_code": region, "subtype": if city { "sister_city" } else { "sister_province" }, "instrument": "mou",
        "partner_ids": [partner], "title_id": format!("Kerja sama {region} {sectors:?}"), "objects": ["cultural_exchange"],
        "sectors": sectors, "languages": ["id", "en"], "value": {"amount": "150000000", "currency": "IDR"},
        "signatories": {"indonesian": {"name": "Ganjar Pranowo", "position": "Gubernur Jawa Tengah"}}});
    if status != "draft" {
        body["legacy"] = json!(true);
        body["status"] = json!(status);
        body["signed_on"] = json!("2016-05-10");
        body["expires_on"] = json!(if status == "active" {
            "2030-01-01"
        } else {
            "2021-05-09"
        });
    }
    let r = app.req("POST", "/v1/agreements").json(&body).send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

fn potential(app: &TestApp, region: &str, sector: &str, title: &str) -> Value {
    let r = app.req("POST", &format!("/v1/regions/{region}/potentials"))
        .json(&json!({"sector": sector, "kind": "tourism", "title": title, "description": format!("{title}: deskripsi"),
                      "needs": "Pelatihan pemandu berbahasa Inggris"})).send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

on_both_databases! {
    /// Seed 000 §E.1: each region's potentials by sector, searchable across regions.
    fn potentials_are_searched_by_sector_and_words_across_regions(app) {
        potential(app, "33.74", "pariwisata", "Kawasan Kota Lama Semarang");
        potential(app, "33.01", "perikanan", "Pelabuhan perikanan samudera Cilacap");
        potential(app, "36", "pariwisata", "Pantai Anyer dan Tanjung Lesung");
        let all = app.get_ok("/v1/potentials?sector=pariwisata");
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        let words = app.get_ok("/v1/potentials?q=kota%20lama");
        assert_eq!(words["items"].as_array().unwrap().len(), 1);
        assert_eq!(words["items"][0]["region_code"], "33.74");
        let province = app.get_ok("/v1/regions/33/potentials");
        assert_eq!(province["items"].as_array().unwrap().len(), 2, "a province's profile includes its regencies/cities");
        let needs = app.get_ok("/v1/potentials?q=pemandu&region=36");
        assert_eq!(needs["items"].as_array().unwrap().len(), 1, "needs are searchable too");
        // Only the region (or its province) writes its profile.
        let (_, banten) = app.user("ks-banten-p", "region_officer", Some("36"));
        app.req("POST", "/v1/regions/33.74/potentials").bearer(&banten)
            .json(&json!({"sector": "x", "kind": "other", "title": "x", "description": "x"})).send().problem(403, "forbidden");
        app.req("POST", "/v1/regions/99.99/potentials")
            .json(&json!({"sector": "x", "kind": "other", "title": "x", "description": "x"})).send().problem(404, "not_found");
    }

    /// Seed 004 rec. 8: a region finds partners whose cooperation meets its potentials, with the
    /// reasons; a partner's page shows every Indonesian region already working with it.
    fn matchmaking_works_both_ways_and_explains_itself(app) {
        let qld = partner(app, "State of Queensland", "AU", "state");
        let busan = partner(app, "Busan Metropolitan City", "KR", "province");
        let fujian = partner(app, "Fujian Province", "CN", "province");
        agreement(app, "33", &qld, &["pendidikan", "pariwisata"], "active");
        agreement(app, "35", &qld, &["pendidikan"], "active");
        agreement(app, "31", &busan, &["pariwisata"], "expired");
        agreement(app, "32", &fujian, &["perdagangan"], "active");
        agreement(app, "34", &busan, &["pendidikan"], "draft");
        potential(app, "33.74", "pariwisata", "Kota Lama");
        potential(app, "33.74", "pendidikan", "Politeknik");

        let m = app.get_ok("/v1/matches?region=33.74");
        let ids: Vec<&str> = m["partners"].as_array().unwrap().iter().map(|p| p["partner_id"].as_str().unwrap()).collect();
        assert_eq!(ids, [qld.as_str(), busan.as_str()], "Fujian shares nothing; drafts do not count");
        let top = &m["partners"][0];
        assert_eq!(top["score"], 22);
        assert_eq!(top["shared_sectors"], json!(["pariwisata", "pendidikan"]));
        assert_eq!(top["regions_already_cooperating"], 2);
        assert!(top["reasons"][0].as_str().unwrap().contains("pariwisata"));
        assert!(m["method"].as_str().unwrap().contains("10 per sector"));
        assert_eq!(app.get_ok("/v1/matches?region=33.74"), m, "deterministic");

        let who = app.get_ok(&format!("/v1/matches?partner={qld}"));
        let regions: Vec<&str> = who["regions"].as_array().unwrap().iter().map(|r| r["region_code"].as_str().unwrap()).collect();
        assert_eq!(regions, ["33", "35"]);
        assert_eq!(who["regions"][0]["region_name"], "Jawa Tengah");
        assert_eq!(who["regions"][0]["sectors"], json!(["pariwisata", "pendidikan"]));
        assert!(who["regions"][0]["agreements"][0].get("value").is_none(), "public fields only");
        app.req("GET", "/v1/matches").send().problem(422, "validation_failed");
        app.req("GET", "/v1/matches?partner=nope").send().problem(404, "not_found");
    }

    /// Seeds 002–004: numbered recommendations with owners and due dates; follow-ups recorded by
    /// the owner; overdue ones appear in the owner's and the province's reminders.
    fn recommendations_are_followed_up_and_overdue_ones_are_reminded(app) {
        let (_, province) = app.user("biro-rk", "province_officer", Some("33"));
        let (_, semarang) = app.user("ks-semarang-rk", "region_officer", Some("33.74"));
        let (_, banten) = app.user("ks-banten-rk", "region_officer", Some("36"));
        let r = app.req("POST", "/v1/meetings").bearer(&province).json(&json!({
            "kind": "coordination_meeting", "title": "Rakor Kerja Sama Luar Negeri Jawa Tengah 2026", "starts_on": "2026-03-10",
            "place": "Semarang", "organiser": "Biro Pemerintahan, Otda dan Kerja Sama", "region_code": "33",
            "participants": [{"region_code": "33.74", "agency": "Bagian Kerja Sama", "count": 2}, {"region_code": "33.01", "agency": "Bagian Kerja Sama", "count": 3}],
            "recommendations": [
                {"number": 1, "text": "Menyusun rencana aksi setiap kerja sama", "owner_region_code": "33.74", "due_on": "2026-06-30"},
                {"number": 2, "text": "Melaporkan kerja sama tahunan tepat waktu", "owner_region_code": "33.01", "due_on": "2030-01-31"}
            ]})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let meeting = r.json();
        assert_eq!(meeting["participant_count"], 5);
        // The minutes go with the meeting; only its organiser's scope adds them.
        let mid = meeting["id"].as_str().unwrap();
        let parts = |role: &str| crate::documents::multipart(&[("role", None, role.as_bytes()), ("file", Some("notulen.pdf"), &crate::documents::pdf())]);
        let ct = format!("multipart/form-data; boundary={}", crate::documents::BOUNDARY);
        let up = app.req("POST", &format!("/v1/meetings/{mid}/documents")).bearer(&province).body(&ct, parts("minutes")).send();
        assert_eq!(up.status, 201, "{}", up.body);
        app.req("POST", &format!("/v1/meetings/{mid}/documents")).bearer(&province).body(&ct, parts("gossip")).send()
            .problem(422, "validation_failed");
        app.req("POST", &format!("/v1/meetings/{mid}/documents")).bearer(&semarang).body(&ct, parts("minutes")).send()
            .problem(403, "forbidden");
        assert_eq!(meeting["recommendations"][0]["overdue"], true);
        let rec = meeting["recommendations"][0]["id"].as_str().unwrap().to_owned();
        app.req("POST", "/v1/meetings").bearer(&province).json(&json!({"kind": "evaluation_meeting", "title": "x", "starts_on": "2026-01-01",
            "place": "x", "organiser": "x", "region_code": "33", "recommendations": [{"number": 1, "text": "a"}, {"number": 1, "text": "b"}]}))
            .send().problem(422, "validation_failed");

        let overdue = app.req("GET", "/v1/reminders?kind=recommendation_overdue").bearer(&semarang).send().json();
        assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
        assert_eq!(overdue["items"][0]["record_id"], rec.as_str());
        let prov = app.req("GET", "/v1/reminders?kind=recommendation_overdue").bearer(&province).send().json();
        assert_eq!(prov["items"].as_array().unwrap().len(), 1);
        let none = app.req("GET", "/v1/reminders?kind=recommendation_overdue").bearer(&banten).send().json();
        assert!(none["items"].as_array().unwrap().is_empty());
        app.req("GET", &format!("/v1/meetings/{}", meeting["id"].as_str().unwrap())).bearer(&banten).send().problem(404, "not_found");

        // The owner records progress, then completion; the reminder goes away.
        let etag = |app: &TestApp| {
            let m = app.req("GET", &format!("/v1/meetings/{}", meeting["id"].as_str().unwrap())).bearer(&semarang).send();
            assert_eq!(m.status, 200, "{}", m.body);
            m.json()
        };
        assert_eq!(etag(app)["documents"][0]["role"], "minutes");
        app.req("PATCH", &format!("/v1/recommendations/{rec}")).bearer(&banten).header("If-Match", "\"x\"")
            .json(&json!({"status": "done", "note": "x"})).send().problem(404, "not_found");
        let first = app.req("PATCH", &format!("/v1/recommendations/{rec}")).bearer(&semarang)
            .json(&json!({"status": "in_progress", "note": "Draf rencana aksi disusun"})).send();
        assert_eq!(first.status, 428, "{}", first.body);
        let tag = etag(app)["recommendations"][0]["etag"].as_str().unwrap().to_owned();
        let r = app.req("PATCH", &format!("/v1/recommendations/{rec}")).bearer(&semarang).header("If-Match", &tag)
            .json(&json!({"status": "in_progress", "note": "Draf rencana aksi disusun"})).send();
        assert_eq!(r.status, 200, "{}", r.body);
        let tag = r.header("etag").unwrap().to_owned();
        let r = app.req("PATCH", &format!("/v1/recommendations/{rec}")).bearer(&semarang).header("If-Match", &tag)
            .json(&json!({"status": "done", "note": "Rencana aksi ditetapkan"})).send();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["overdue"], false);
        assert_eq!(r.json()["notes"].as_array().unwrap().len(), 2);
        // Done is done: what is left goes into a new recommendation of the next meeting.
        let tag = r.header("etag").unwrap().to_owned();
        app.req("PATCH", &format!("/v1/recommendations/{rec}")).bearer(&semarang).header("If-Match", &tag)
            .json(&json!({"status": "in_progress", "note": "Dibuka lagi"})).send().problem(409, "recommendation_closed");
        let after = app.req("GET", "/v1/reminders?kind=recommendation_overdue").bearer(&semarang).send().json();
        assert!(after["items"].as_array().unwrap().is_empty());
    }

    /// Seed 002 rec. 1c: a good practice is reviewed by the province before it is published, and
    /// only then does the public see it.
    fn a_good_practice_is_published_after_review_and_then_public(app) {
        let qld = partner(app, "Brisbane GP", "AU", "city");
        let a = agreement(app, "33.74", &qld, &["pendidikan"], "active");
        let (_, city) = app.user("ks-semarang-gp", "region_officer", Some("33.74"));
        let (_, province) = app.user("biro-gp", "province_officer", Some("33"));
        let body = json!({"region_code": "33.74", "title": "Pertukaran guru SMK", "context": "Kebutuhan guru vokasi",
            "actions": "Program pertukaran", "results": "40 guru dilatih", "figures": [{"label": "Guru dilatih", "value": "40", "unit": "orang"}],
            "lessons": "Rencana aksi membuat program berlanjut", "agreement_ids": [a]});
        let r = app.req("POST", "/v1/good-practices").bearer(&city).json(&body).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let public = || app.req("GET", "/v1/public/good-practices").anonymous().send().json()["items"].as_array().unwrap().clone();
        assert!(public().is_empty(), "drafts are not public");
        let act = |token: &str, body: Value| {
            let tag = app.req("GET", &format!("/v1/good-practices/{id}")).bearer(token).send().header("etag").unwrap().to_owned();
            app.req("POST", &format!("/v1/good-practices/{id}/actions")).bearer(token).header("If-Match", &tag).json(&body).send()
        };
        act(&city, json!({"action": "publish"})).problem(403, "forbidden");
        assert_eq!(act(&city, json!({"action": "submit"})).status, 200);
        act(&province, json!({"action": "return"})).problem(422, "validation_failed");
        let r = act(&province, json!({"action": "return", "note": "Tambahkan angka hasil"}));
        assert_eq!(r.json()["status"], "returned");
        assert_eq!(act(&city, json!({"action": "submit"})).status, 200);
        let r = act(&province, json!({"action": "publish", "note": "Layak direplikasi"}));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "published");
        let tag = r.header("etag").unwrap().to_owned();
        app.req("PUT", &format!("/v1/good-practices/{id}")).bearer(&city).header("If-Match", &tag).json(&body).send()
            .problem(409, "practice_not_editable");
        let seen = public();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0]["figures"][0]["value"], "40");
        for item in &seen {
            for key in item.as_object().unwrap().keys() {
                assert!(PUBLIC_PRACTICE_FIELDS.contains(&key.as_str()), "non-public field {key}");
            }
        }
    }

    /// the public feed carries only public fields, never drafts, amounts, people or
    /// letters; it is cacheable, comes as CSV too, and is rate-limited.
    fn the_public_feed_carries_only_public_fields(app) {
        let qld = partner(app, "Queensland PUB", "AU", "state");
        let active = agreement(app, "33", &qld, &["pendidikan"], "active");
        let draft = agreement(app, "33", &qld, &["pendidikan"], "draft");
        let r = app.req("GET", "/v1/public/agreements?limit=100").anonymous().send();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
        let page = r.json();
        let items = page["items"].as_array().unwrap();
        assert!(items.iter().any(|a| a["id"] == active.as_str()));
        assert!(!items.iter().any(|a| a["id"] == draft.as_str()), "never drafts");
        for a in items {
            for key in a.as_object().unwrap().keys() {
                assert!(PUBLIC_AGREEMENT_FIELDS.contains(&key.as_str()), "non-public field {key} in {a}");
            }
            for p in a["partners"].as_array().unwrap() {
                for key in p.as_object().unwrap().keys() {
                    assert!(PUBLIC_PARTNER_FIELDS.contains(&key.as_str()), "non-public partner field {key}");
                }
            }
        }
        let text = r.body.clone();
        for secret in ["150000000", "Ganjar", "reference_number", "checklist", "details"] {
            assert!(!text.contains(secret), "{secret} leaked into the public feed");
        }
        // Cacheable: the same ETag answers 304.
        let tag = r.header("etag").unwrap().to_owned();
        let again = app.req("GET", "/v1/public/agreements?limit=100").anonymous().header("If-None-Match", &tag).send();
        assert_eq!(again.status, 304);
        // CSV, with the same public columns.
        let csv = app.req("GET", "/v1/public/agreements?format=csv&limit=100").anonymous().send();
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        let header_line = csv.body.lines().next().unwrap().to_owned();
        assert!(header_line.starts_with("id,region_code,region_name,kind"), "{header_line}");
        assert!(!csv.body.contains("150000000"));
        assert!(csv.body.contains(&active));
    }
}

#[test]
fn the_public_feed_is_rate_limited_per_client() {
    for db in [jalin_tests::Db::Sqlite] {
        let Some(app) = TestApp::spawn_with(db, &[("JALIN_PUBLIC_RATE_PER_MINUTE", "3")]) else {
            continue;
        };
        for _ in 0..3 {
            assert_eq!(
                app.req("GET", "/v1/public/agreements")
                    .anonymous()
                    .send()
                    .status,
                200
            );
        }
        let p = app
            .req("GET", "/v1/public/agreements")
            .anonymous()
            .send()
            .problem(429, "rate_limited");
        assert!(p["detail"].is_string());
    }
}
