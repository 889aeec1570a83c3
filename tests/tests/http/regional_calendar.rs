//! Issue 17 item 4: a region's own days off (a province's or a regency's/city's holiday
//! decree) count in that region's clocks — a province's for the province and its
//! regencies/cities, a regency's/city's for itself alone. Every regional day below is MADE-UP
//! TEST DATA, as is the national 2027.

use crate::cases::{act, advance, current, stage, People};
use jalin_tests::{on_both_databases, Resp, TestApp};
use serde_json::{json, Value};

/// Made-up national 2027 (TEST DATA), so that DPRD due dates from December 2026 are exact.
fn national_2027(app: &TestApp) {
    let r = app.req("PUT", "/v1/calendar/years/2027").json(&json!({
        "source_note": "TEST DATA — not the official SKB for 2027",
        "days": [{"date": "2027-01-01", "name_id": "Tahun Baru Masehi (data uji)", "kind": "holiday"}]
    })).send();
    assert_eq!(r.status, 200, "{}", r.body);
}

fn days(list: &[(&str, &str)]) -> Value {
    json!({
        "decree_number": "TEST-DAERAH/1", "decree_date": "2026-11-20",
        "source_note": "TEST DATA — not an official regional decree",
        "days": list.iter().map(|(d, n)| json!({"date": d, "name_id": n})).collect::<Vec<_>>()
    })
}

fn load(
    app: &TestApp,
    token: Option<&str>,
    region: &str,
    year: i32,
    body: &Value,
    if_match: Option<&str>,
) -> Resp {
    let mut r = app
        .req(
            "PUT",
            &format!("/v1/calendar/regions/{region}/years/{year}"),
        )
        .json(body);
    if let Some(t) = token {
        r = r.bearer(t);
    }
    if let Some(tag) = if_match {
        r = r.header("If-Match", tag);
    }
    r.send()
}

/// A draft agreement of `region` (a province or a city) with a new partner.
fn draft_in(app: &TestApp, region: &str) -> (String, String) {
    let city = region.contains('.');
    let p = app
        .req("POST", "/v1/partners")
        .json(&json!({
        "name": format!("Partner of {region} {}", uuid_like()), "kind": "foreign_local_government",
        "level": if city { "city" } else { "province" }, "country": "KR"}))
        .send();
    assert_eq!(p.status, 201, "{}", p.body);
    let r = app.req("POST", "/v1/agreements").json(&json!({
        "region_code": region, "subtype": if city { "sister_city" } else { "sister_province" }, "instrument": "mou",
        "partner_ids": [p.json()["id"]], "title_id": format!("Kerja sama {region}"), "objects": ["technical_capacity"],
        "languages": ["id", "ko", "en"]})).send();
    assert_eq!(r.status, 201, "{}", r.body);
    (
        r.json()["id"].as_str().unwrap().to_owned(),
        r.header("etag").unwrap().to_owned(),
    )
}

fn uuid_like() -> usize {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// An agreement of `region` whose DPRD received the plan on 2026-12-01 (R10 clock running),
/// every stage acted on by the admin; returns its id.
fn at_dprd(app: &TestApp, region: &str) -> String {
    let admin = app.admin_token.clone();
    let p = People {
        officer: admin.clone(),
        dprd: admin.clone(),
        kemendagri: admin,
    };
    let (id, etag) = draft_in(app, region);
    let e = advance(app, &p, &id, &etag, 4);
    let receipt = json!({"action": "record_receipt", "record": {"kind": "dprd_receipt", "received_on": "2026-12-01", "letter_number": format!("005/{region}/DPRD")}});
    let r = act(app, &p.dprd, &id, &e, receipt);
    assert_eq!(r.status, 200, "{}", r.body);
    id
}

fn dprd_due(app: &TestApp, id: &str) -> Value {
    stage(&current(app, id), "dprd_approval")["due_on"].clone()
}

fn next_working_day(app: &TestApp, after: &Value) -> Value {
    app.get_ok(&format!(
        "/v1/calendar/working-days?from={}&add=1",
        after.as_str().unwrap()
    ))["to"]
        .clone()
}

on_both_databases! {
    /// R10: a province's day off moves the DPRD due date (45 working days) of a case in the
    /// province and of one in a city under it, not of one in another province; the stored
    /// dates are recomputed on load, each audited. A city's own day moves its own alone. The
    /// calendar endpoints count and list with `region_code`.
    fn r10_a_province_day_off_moves_dprd_due_dates_in_the_province_and_its_cities_only(app) with [("JALIN_INSTANCE", "training"), ("JALIN_TEST_TODAY", "2026-12-01")] {
        national_2027(app);
        let (province, city, other) = (at_dprd(app, "33"), at_dprd(app, "33.74"), at_dprd(app, "34"));
        let national = app.get_ok("/v1/calendar/working-days?from=2026-12-01&add=45");
        assert_eq!(national["provisional"], false);
        assert!(national.get("region_code").is_none(), "{national}");
        for id in [&province, &city, &other] {
            assert_eq!(dprd_due(app, id), national["to"], "before any regional day");
        }

        // Jawa Tengah (33): a day off on Tuesday 2026-12-08.
        let loaded = load(app, None, "33", 2026, &days(&[("2026-12-08", "Hari libur daerah uji")]), None);
        assert_eq!(loaded.status, 200, "{}", loaded.body);
        let body = loaded.json();
        assert_eq!((body["region_code"].clone(), body["version"].clone(), body["day_count"].clone(), body["loaded_by"].clone()), (json!("33"), json!(1), json!(1), json!("admin")));
        assert_eq!(body["due_dates_recomputed"], 2, "the province's case and its city's: {body}");
        let one_later = next_working_day(app, &national["to"]);
        assert_eq!(dprd_due(app, &province), one_later);
        assert_eq!(dprd_due(app, &city), one_later);
        assert_eq!(dprd_due(app, &other), national["to"], "another province keeps the national date");

        // The calendar endpoint with region_code counts on the region's calendar and says so.
        let in_33 = app.get_ok("/v1/calendar/working-days?from=2026-12-01&add=45&region_code=33");
        assert_eq!((in_33["to"].clone(), in_33["region_code"].clone()), (one_later.clone(), json!("33")));
        assert_eq!(app.get_ok("/v1/calendar/working-days?from=2026-12-01&add=45&region_code=33.74")["to"], one_later);
        assert_eq!(app.get_ok("/v1/calendar/working-days?from=2026-12-01&add=45&region_code=34")["to"], national["to"]);
        assert_eq!(app.get_ok("/v1/calendar/working-days?from=2026-12-07&to=2026-12-09&region_code=33.74")["working_days"], 1);
        assert_eq!(app.get_ok("/v1/calendar/working-days?from=2026-12-07&to=2026-12-09")["working_days"], 2);
        app.get("/v1/calendar/working-days?from=2026-12-01&add=1&region_code=99").problem(404, "not_found");
        app.get("/v1/calendar/working-days?from=2026-12-01&add=1&region_code=3x").problem(422, "validation_failed");
        let listed = app.get_ok("/v1/calendar/holidays?year=2026&region_code=33.74");
        let regional: Vec<Value> = listed["items"].as_array().unwrap().iter().filter(|h| h.get("region_code").is_some()).cloned().collect();
        assert_eq!(regional, [json!({"date": "2026-12-08", "name_id": "Hari libur daerah uji", "kind": "holiday", "on_weekend": false, "region_code": "33"})]);
        assert_eq!(listed["region_code"], "33.74");
        let national_list = app.get_ok("/v1/calendar/holidays?year=2026");
        assert!(national_list["items"].as_array().unwrap().iter().all(|h| h.get("region_code").is_none()));

        // Each stored change is audited, with the load itself.
        let audit = app.get_ok(&format!("/v1/audit-events?record_id={province}&limit=100"));
        assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "workflow.due_date_recomputed"
            && e["changes"]["stage_due_on"] == json!({"before": national["to"], "after": one_later})), "{audit}");
        let audit = app.get_ok(&format!("/v1/audit-events?record_id={other}&limit=100"));
        assert!(!audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "workflow.due_date_recomputed"), "{audit}");
        let load_event = app.get_ok("/v1/audit-events?record_id=33/2026&limit=10");
        assert_eq!(load_event["items"][0]["action"], "regional_calendar_year.loaded", "{load_event}");

        // Kota Semarang (33.74): its own day, Wednesday 2026-12-09, moves its own case alone.
        let loaded = load(app, None, "33.74", 2026, &days(&[("2026-12-09", "Hari Jadi Kota (uji)")]), None);
        assert_eq!((loaded.status, loaded.json()["due_dates_recomputed"].clone()), (200, json!(1)), "{}", loaded.body);
        assert_eq!(dprd_due(app, &city), next_working_day(app, &one_later));
        assert_eq!(dprd_due(app, &province), one_later);
        assert_eq!(app.get_ok("/v1/calendar/working-days?from=2026-12-01&add=45&region_code=33")["to"], one_later);
        // A server started afterwards builds the same region's calendar from the database.
        let later = app.on_day("2026-12-02");
        assert_eq!(stage(&current(&later, &city), "dprd_approval")["due_on"], dprd_due(app, &city));
        assert_eq!(later.get_ok("/v1/calendar/working-days?from=2026-12-01&add=45&region_code=33.74")["to"], dprd_due(app, &city));
    }

    /// R22: the annual report of a region with its own day off early in the year is due one
    /// working day later than the national date; loading the day recomputes the stored date,
    /// audited, and the compliance view shows each region's own date.
    fn r22_a_province_day_off_moves_its_annual_report_due_date(app) with [("JALIN_INSTANCE", "training"), ("JALIN_TEST_TODAY", "2026-12-01")] {
        let r = app.req("POST", "/v1/annual-reports").json(&json!({"region_code": "33", "fiscal_year": 2025})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let report = r.json();
        let id = report["id"].as_str().unwrap();
        let national = app.get_ok("/v1/calendar/working-days?from=2025-12-31&add=7")["to"].clone();
        assert_eq!(report["due_on"], national);
        assert_eq!(load(app, None, "33", 2026, &days(&[("2026-01-06", "Hari libur daerah uji")]), None).status, 200);
        let regional = app.get_ok("/v1/calendar/working-days?from=2025-12-31&add=7&region_code=33")["to"].clone();
        assert_ne!(regional, national);
        assert_eq!(app.get_ok(&format!("/v1/annual-reports/{id}"))["due_on"], regional);
        let audit = app.get_ok(&format!("/v1/audit-events?record_id={id}&limit=100"));
        assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "annual_report.due_date_recomputed"
            && e["changes"]["due_on"] == json!({"before": national, "after": regional})), "{audit}");
        let compliance = app.get_ok("/v1/annual-reports/compliance?fiscal_year=2025");
        assert_eq!(compliance["due_on"], national);
        let own = compliance["regions"].as_array().unwrap().iter().find(|r| r["region_code"] == "33").unwrap().clone();
        assert_eq!(own["due_on"], regional);
    }

    /// A region officer loads its own region's days, a province officer its province's and its
    /// cities'; another region's are 404 and the national years 403. An amendment needs the
    /// year's ETag (428 without, 412 stale), as for the national years; the history stays.
    fn regional_days_are_loaded_within_the_region_subtree_with_if_match(app) {
        let (_, province) = app.user("biro-ks-jateng-rh", "province_officer", Some("33"));
        let (_, city) = app.user("bagian-ks-semarang-rh", "region_officer", Some("33.74"));
        let body = days(&[("2027-06-10", "Hari libur daerah uji")]);
        load(app, Some(&province), "32", 2027, &body, None).problem(404, "not_found");
        load(app, Some(&city), "33", 2027, &body, None).problem(404, "not_found");
        load(app, Some(&city), "33.01", 2027, &body, None).problem(404, "not_found");
        app.req("PUT", "/v1/calendar/years/2027").bearer(&province).json(&json!({"source_note": "x", "days": []})).send().problem(403, "forbidden");
        app.req("PUT", "/v1/calendar/years/2027").bearer(&city).json(&json!({"source_note": "x", "days": []})).send().problem(403, "forbidden");
        let viewer = app.user("viewer-rh", "viewer", Some("33")).1;
        load(app, Some(&viewer), "33", 2027, &body, None).problem(403, "forbidden");
        assert_eq!(app.get("/v1/calendar/regions/32/years/2027").status, 404, "nothing was stored for 32");

        let first = load(app, Some(&province), "33.74", 2027, &body, None);
        assert_eq!(first.status, 200, "{}", first.body);
        let tag = first.header("etag").unwrap().to_owned();
        let amended = days(&[("2027-06-10", "Hari libur daerah uji"), ("2027-06-11", "Cuti daerah uji")]);
        load(app, Some(&city), "33.74", 2027, &amended, None).problem(428, "if_match_required");
        load(app, Some(&city), "33.74", 2027, &amended, Some("\"stale\"")).problem(412, "etag_mismatch");
        // A year the region has not loaded takes no If-Match.
        load(app, Some(&city), "33.74", 2028, &days(&[("2028-06-12", "Uji")]), Some(&tag)).problem(412, "etag_mismatch");
        let second = load(app, Some(&city), "33.74", 2027, &amended, Some(&tag));
        assert_eq!(second.status, 200, "{}", second.body);
        load(app, Some(&city), "33.74", 2027, &amended, Some(&tag)).problem(412, "etag_mismatch");
        let year = app.req("GET", "/v1/calendar/regions/33.74/years/2027").bearer(&city).send();
        assert_eq!(year.header("etag"), second.header("etag"));
        let year = year.json();
        assert_eq!((year["version"].clone(), year["day_count"].clone(), year["loaded_by"].clone()), (json!(2), json!(2), json!("bagian-ks-semarang-rh")));
        assert_eq!(year["history"].as_array().unwrap().len(), 2);
        assert_eq!(year["days"][1], json!({"date": "2027-06-11", "name_id": "Cuti daerah uji", "region_code": "33.74", "on_weekend": false}));
        let list = app.get_ok("/v1/calendar/regions/33.74/years");
        assert_eq!((list["region_code"].clone(), list["items"][0]["year"].clone(), list["items"][0]["version"].clone()), (json!("33.74"), json!(2027), json!(2)));
        assert_eq!(app.get_ok("/v1/calendar/regions/33/years")["items"], json!([]));
        app.get("/v1/calendar/regions/99/years").problem(404, "not_found");
        app.get("/v1/calendar/regions/33.74/years/2030").problem(404, "not_found");
        app.get("/v1/calendar/regions/33.74/years/abc").problem(422, "validation_failed");

        // Each day wrong is named; an empty list (a withdrawn decree) is a valid version.
        let bad = days(&[("2027-06-10", "Uji"), ("2028-01-01", "Salah tahun"), ("2027-06-10", "")]);
        let p = load(app, None, "33", 2027, &bad, None).problem(422, "validation_failed");
        let at: Vec<(Value, Value)> = p["errors"].as_array().unwrap().iter().map(|e| (e["pointer"].clone(), e["code"].clone())).collect();
        assert_eq!(at, [(json!("/days/1/date"), json!("outside_year")), (json!("/days/2/date"), json!("duplicate")), (json!("/days/2/date"), json!("required"))]);
        let tag = app.get("/v1/calendar/regions/33.74/years/2027").header("etag").unwrap().to_owned();
        let withdrawn = load(app, None, "33.74", 2027, &days(&[]), Some(&tag));
        assert_eq!((withdrawn.status, withdrawn.json()["day_count"].clone()), (200, json!(0)), "{}", withdrawn.body);
    }
}

on_both_databases! {
    /// `jalin calendar import --region CODE FILE.csv` (the CLI's use case on the app's
    /// database): bad rows are reported by line and nothing is loaded; a good file is the
    /// region's year's next version.
    fn the_cli_imports_a_regions_days_and_reports_bad_rows_by_line(app) {
        use jalin_api::service::calendar::{Decree, ImportError};
        use jalin_api::service::regional_calendar::import_csv;
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        let ctx = jalin_api::service::Ctx::system("cli", app.state().clock);
        let import = |conn: &mut jalin_persistence::DbConnection, region: &str, text: &str| {
            let decree = Decree { decree_number: Some("TEST-DAERAH/CLI".into()), decree_date: None, source_note: "TEST DATA".into() };
            jalin_persistence::write_transaction(conn, |c| import_csv(c, &ctx, Default::default(), region, text, decree))
        };
        match import(&mut conn, "33", "date,name_id\n2027-06-10,Hari uji\n2027-02-30,Salah\n2028-01-01,Tahun lain\n") {
            Err(ImportError::Rows(rows)) => assert_eq!(rows.iter().map(|b| b.line).collect::<Vec<_>>(), [3], "{rows:?}"),
            other => panic!("{:?}", other.map(|_| ())),
        }
        match import(&mut conn, "33", "date,name_id\n2027-06-10,Hari uji\n2028-01-01,Tahun lain\n") {
            Err(ImportError::Rows(rows)) => assert_eq!((rows[0].line, rows[0].message.contains("outside_year")), (3, true), "{rows:?}"),
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert!(matches!(import(&mut conn, "99", "date,name_id\n2027-06-10,Hari uji\n"), Err(ImportError::Failed(_))));
        app.get("/v1/calendar/regions/33/years/2027").problem(404, "not_found");
        let loaded = import(&mut conn, "33", "date,name_id\n2027-06-10,Hari uji\n").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((loaded.record.current.version, loaded.record.current.loaded_by.as_str()), (1, "cli"));
        let year = app.get_ok("/v1/calendar/regions/33/years/2027");
        assert_eq!((year["decree_number"].clone(), year["days"][0]["date"].clone()), (json!("TEST-DAERAH/CLI"), json!("2027-06-10")));
    }
}
