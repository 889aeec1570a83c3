//! Issue 17: holidays maintained at run time, coverage watched, provisional dates flagged.
//! Every 2027 day below is MADE-UP TEST DATA, not Indonesia's official 2027 decree.

use crate::cases::{act, advance, current, draft, people, stage, People};
use jalin_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};

/// A made-up 2027 (TEST DATA): three weekdays off in January, before any DPRD due date below.
fn test_2027() -> Value {
    json!({
        "decree_number": "TEST-2027/1", "decree_date": "2026-10-01",
        "source_note": "TEST DATA — not the official SKB for 2027",
        "days": [
            {"date": "2027-01-01", "name_id": "Tahun Baru Masehi (data uji)", "kind": "holiday"},
            {"date": "2027-01-13", "name_id": "Hari libur uji", "kind": "holiday"},
            {"date": "2027-01-14", "name_id": "Cuti bersama uji", "kind": "cuti_bersama"}
        ]
    })
}

/// A case whose plan DPRD received on 2026-12-01 (its letter `letter`): the people, the
/// agreement id and the receipt's answer.
fn received_on_1_december(app: &TestApp, letter: &str) -> (People, String, jalin_tests::Resp) {
    let p = people(app);
    let (id, etag) = draft(app, false);
    let e = advance(app, &p, &id, &etag, 4);
    let receipt = json!({"action": "record_receipt", "record": {"kind": "dprd_receipt", "received_on": "2026-12-01", "letter_number": letter}});
    let r = act(app, &p.dprd, &id, &e, receipt);
    assert_eq!(r.status, 200, "{}", r.body);
    (p, id, r)
}

fn load(app: &TestApp, year: i32, body: &Value, if_match: Option<&str>) -> jalin_tests::Resp {
    let mut r = app
        .req("PUT", &format!("/v1/calendar/years/{year}"))
        .json(body);
    if let Some(tag) = if_match {
        r = r.header("If-Match", tag);
    }
    r.send()
}

on_both_databases! {
    /// R10: a DPRD receipt in the last weeks of the covered year gives a provisional due date
    /// (weekends alone past 2026, flagged `calendar_not_loaded`) on the case and the tasks;
    /// loading 2027 through the API recomputes it exactly, stored and shown.
    fn r10_a_provisional_dprd_due_date_is_recomputed_exactly_when_2027_is_loaded(app) with [("JALIN_INSTANCE", "training"), ("JALIN_TEST_TODAY", "2026-12-01")] {
        let (p, id, r) = received_on_1_december(app, "005/12/DPRD");
        let estimate = app.get_ok("/v1/calendar/working-days?from=2026-12-01&add=45&allow_provisional=true");
        assert_eq!((estimate["provisional"].clone(), estimate["provisional_reason"].clone()), (json!(true), json!("calendar_not_loaded")));
        app.get("/v1/calendar/working-days?from=2026-12-01&add=45").problem(422, "calendar_out_of_range");
        // 45 working days from 2026-12-01: 20 left in December (24 and 25 off), then 2027 on
        // weekends alone.
        assert_eq!(estimate["to"], "2027-02-04");
        let dprd = stage(&r.json(), "dprd_approval");
        assert_eq!(dprd["due_on"], estimate["to"]);
        assert_eq!((dprd["provisional"].clone(), dprd["provisional_reason"].clone()), (json!(true), json!("calendar_not_loaded")));
        let task_of = |app: &TestApp| app.req("GET", "/v1/tasks").bearer(&p.dprd).send().json()["items"].as_array().unwrap().iter()
            .find(|t| t["agreement_id"] == id.as_str()).unwrap().clone();
        let task = task_of(app);
        assert_eq!((task["due_on"].clone(), task["provisional"].clone()), (estimate["to"].clone(), json!(true)));
        let reminder = app.get_ok("/v1/reminders?kind=dprd_decision_due&limit=100")["items"].as_array().unwrap().iter()
            .find(|r| r["record_id"] == id.as_str()).unwrap().clone();
        assert_eq!((reminder["due_on"].clone(), reminder["provisional"].clone(), reminder["provisional_reason"].clone()), (estimate["to"].clone(), json!(true), json!("calendar_not_loaded")));

        let loaded = load(app, 2027, &test_2027(), None);
        assert_eq!(loaded.status, 200, "{}", loaded.body);
        let body = loaded.json();
        assert_eq!((body["version"].clone(), body["source"].clone(), body["loaded_by"].clone()), (json!(1), json!("loaded"), json!("admin")));
        assert!(body["due_dates_recomputed"].as_u64().unwrap() >= 1, "{body}");
        // Exact now: the three test days off move the due date by three working days.
        let exact = app.get_ok("/v1/calendar/working-days?from=2026-12-01&add=45");
        assert_eq!((exact["to"].clone(), exact["provisional"].clone()), (json!("2027-02-09"), json!(false)));
        let weekdays_later = app.get_ok(&format!("/v1/calendar/working-days?from={}&to={}", estimate["to"].as_str().unwrap(), exact["to"].as_str().unwrap()));
        assert_eq!(weekdays_later["working_days"], 3, "three test days off: three working days later");
        assert_ne!(exact["to"], estimate["to"]);
        let dprd = stage(&current(app, &id), "dprd_approval");
        assert_eq!((dprd["due_on"].clone(), dprd["provisional"].clone(), dprd["provisional_reason"].clone()), (exact["to"].clone(), json!(false), Value::Null));
        let task = task_of(app);
        assert_eq!((task["due_on"].clone(), task["provisional"].clone()), (exact["to"].clone(), json!(false)));
        // The stored due date's change is audited.
        let audit = app.get_ok(&format!("/v1/audit-events?record_id={id}&limit=100"));
        let change = audit["items"].as_array().unwrap().iter().find(|e| e["action"] == "workflow.due_date_recomputed").cloned();
        let change = change.unwrap_or_else(|| panic!("no recompute event: {audit}"));
        assert_eq!(change["changes"]["stage_due_on"], json!({"before": estimate["to"], "after": exact["to"]}));
        // Another server on the same database builds its calendar from the loaded years.
        let later = app.on_day("2026-12-02");
        assert_eq!(stage(&current(&later, &id), "dprd_approval")["due_on"], exact["to"]);
        let reminder = later.get_ok("/v1/reminders?kind=dprd_decision_due&limit=100")["items"].as_array().unwrap().iter()
            .find(|r| r["record_id"] == id.as_str()).unwrap().clone();
        assert_eq!((reminder["due_on"].clone(), reminder["provisional"].clone()), (exact["to"].clone(), json!(false)));
    }

    /// R22: a report of fiscal year 2026 started before 2027 is loaded has a provisional due
    /// date (7 weekdays after 31 Dec); loading 2027 recomputes it exactly, audited.
    fn r22_a_provisional_annual_report_due_date_is_recomputed_when_2027_is_loaded(app) {
        let jan = app.on_day("2027-01-04");
        let r = jan.req("POST", "/v1/annual-reports").json(&json!({"region_code": "33", "fiscal_year": 2026})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let report = r.json();
        assert_eq!((report["due_on"].clone(), report["provisional"].clone(), report["provisional_reason"].clone()), (json!("2027-01-11"), json!(true), json!("calendar_not_loaded")));
        let compliance = jan.get_ok("/v1/annual-reports/compliance?fiscal_year=2026");
        assert_eq!((compliance["due_on"].clone(), compliance["provisional"].clone()), (json!("2027-01-11"), json!(true)));
        let loaded = load(&jan, 2027, &test_2027(), None);
        assert_eq!(loaded.status, 200, "{}", loaded.body);
        // 2027-01-01 (test holiday) is no longer counted: one working day later.
        let id = report["id"].as_str().unwrap();
        let after = jan.get_ok(&format!("/v1/annual-reports/{id}"));
        assert_eq!((after["due_on"].clone(), after["provisional"].clone()), (json!("2027-01-12"), json!(false)));
        let audit = jan.get_ok(&format!("/v1/audit-events?record_id={id}&limit=100"));
        assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "annual_report.due_date_recomputed"
            && e["changes"]["due_on"] == json!({"before": "2027-01-11", "after": "2027-01-12"})), "{audit}");
    }

    /// Coverage is watched: settings and readiness show the last covered date; from 90 days
    /// (DEFAULT) before it, readiness warns and admins and central reviewers are reminded.
    fn the_end_of_the_calendar_is_shown_warned_and_reminded(app) {
        let s = app.get_ok("/v1/settings");
        assert_eq!(s["calendar_last_covered_date"], "2026-12-31");
        let days = s["items"].as_array().unwrap().iter().find(|i| i["key"] == "calendar.coverage_reminder_days").unwrap().clone();
        assert_eq!((days["value"].clone(), days["is_default"].clone(), days["variable"].clone()), (json!(90), json!(true), json!("JALIN_CALENDAR_COVERAGE_REMINDER_DAYS")));
        let june = app.on_day("2026-06-01");
        let ready = june.req("GET", "/health/ready").anonymous().send();
        assert_eq!(ready.status, 200);
        assert_eq!((ready.json()["calendar_last_covered_date"].clone(), ready.json()["warnings"].clone()), (json!("2026-12-31"), json!([])));
        assert!(june.get_ok("/v1/reminders?kind=calendar_coverage_ending")["items"].as_array().unwrap().is_empty());
        let december = app.on_day("2026-12-01");
        let ready = december.req("GET", "/health/ready").anonymous().send();
        assert_eq!((ready.status, ready.json()["warnings"].clone()), (200, json!(["calendar_coverage_ending"])));
        let items = december.get_ok("/v1/reminders?kind=calendar_coverage_ending")["items"].clone();
        assert_eq!((items[0]["due_on"].clone(), items[0]["days"].clone(), items[0]["record_id"].clone()), (json!("2026-12-31"), json!(30), json!("2027")));
        let reviewer = december.user("pfk-kemendagri-cal", "central_reviewer", None).1;
        let seen = december.req("GET", "/v1/reminders?kind=calendar_coverage_ending").bearer(&reviewer).send().json();
        assert_eq!(seen["items"].as_array().unwrap().len(), 1, "{seen}");
        let officer = december.user("biro-ks-jateng-cov", "province_officer", Some("33")).1;
        let unseen = december.req("GET", "/v1/reminders?kind=calendar_coverage_ending").bearer(&officer).send().json();
        assert!(unseen["items"].as_array().unwrap().is_empty(), "{unseen}");
        // Loaded: the reminder and the warning end.
        assert_eq!(load(&december, 2027, &test_2027(), None).status, 200);
        assert!(december.get_ok("/v1/reminders?kind=calendar_coverage_ending")["items"].as_array().unwrap().is_empty());
        assert_eq!(december.req("GET", "/health/ready").anonymous().send().json()["warnings"], json!([]));
    }

    /// A year is listed with its source and loader; an amendment is a new version with
    /// If-Match, the history stays readable; only an admin loads.
    fn a_year_is_loaded_amended_and_listed_with_its_history(app) {
        let list = app.get_ok("/v1/calendar/years");
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 8, "2019–2026 seeded from the built-in data");
        assert_eq!((items[7]["year"].clone(), items[7]["source"].clone(), items[7]["loaded_by"].clone()), (json!(2026), json!("built_in"), json!("system")));
        assert_eq!(list["last_covered_date"], "2026-12-31");
        let officer = app.user("biro-ks-jateng-cal", "province_officer", Some("33")).1;
        app.req("PUT", "/v1/calendar/years/2027").bearer(&officer).json(&test_2027()).send().problem(403, "forbidden");
        load(app, 2027, &test_2027(), Some("\"nope\"")).problem(412, "etag_mismatch");
        let first = load(app, 2027, &test_2027(), None);
        assert_eq!(first.status, 200, "{}", first.body);
        let tag = first.header("etag").unwrap().to_owned();
        // Amending needs the year's ETag.
        let mut amended = test_2027();
        amended["days"][1]["date"] = json!("2027-01-12");
        amended["decree_number"] = json!("TEST-2027/2");
        load(app, 2027, &amended, None).problem(428, "if_match_required");
        let second = load(app, 2027, &amended, Some(&tag));
        assert_eq!(second.status, 200, "{}", second.body);
        load(app, 2027, &amended, Some(&tag)).problem(412, "etag_mismatch");
        let year = app.get_ok("/v1/calendar/years/2027");
        assert_eq!((year["version"].clone(), year["decree_number"].clone()), (json!(2), json!("TEST-2027/2")));
        assert_eq!(year["days"][1]["date"], "2027-01-12");
        let history: Vec<Value> = year["history"].as_array().unwrap().iter().map(|v| v["decree_number"].clone()).collect();
        assert_eq!(history, [json!("TEST-2027/1"), json!("TEST-2027/2")]);
        // The calendar in force follows the amendment at once.
        assert_eq!(app.get_ok("/v1/calendar/working-days?from=2027-01-11&add=1")["to"], "2027-01-13");
        assert_eq!(app.get_ok("/v1/calendar/years")["last_covered_date"], "2027-12-31");
        app.get("/v1/calendar/years/2030").problem(404, "not_found");
        app.get("/v1/calendar/years/abc").problem(422, "validation_failed");
    }

    /// A load whose days are wrong is refused whole, each problem at its day.
    fn a_year_with_bad_days_is_refused_with_each_day_named(app) {
        let bad = json!({"source_note": "TEST DATA", "days": [
            {"date": "2027-01-01", "name_id": "Tahun Baru (uji)", "kind": "holiday"},
            {"date": "2028-01-01", "name_id": "Salah tahun", "kind": "holiday"},
            {"date": "2027-01-01", "name_id": "", "kind": "holiday"}
        ]});
        let p = load(app, 2027, &bad, None).problem(422, "validation_failed");
        let at: Vec<(Value, Value)> = p["errors"].as_array().unwrap().iter().map(|e| (e["pointer"].clone(), e["code"].clone())).collect();
        assert_eq!(at, [(json!("/days/1/date"), json!("outside_year")), (json!("/days/2/date"), json!("duplicate")), (json!("/days/2/date"), json!("required"))]);
        let leave_only = json!({"source_note": "TEST DATA", "days": [{"date": "2027-01-02", "name_id": "Cuti", "kind": "cuti_bersama"}]});
        assert_eq!(load(app, 2027, &leave_only, None).problem(422, "validation_failed")["errors"][0]["code"], "no_holiday");
        app.get("/v1/calendar/years/2027").problem(404, "not_found");
        app.get("/v1/calendar/working-days?from=2027-01-04&add=1").problem(422, "calendar_out_of_range");
    }
}

on_both_databases! {
    /// `jalin calendar import FILE.csv` (the CLI's use case, run here on the app's database):
    /// bad rows are reported by line and nothing is loaded; a good file is the year's next
    /// version, which a server started afterwards builds its calendar from.
    fn the_cli_import_reports_bad_rows_by_line_and_loads_a_good_file(app) {
        use jalin_api::service::calendar::{import_csv, Decree, ImportError};
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        let ctx = jalin_api::service::Ctx::system("cli", app.state().clock);
        let import = |conn: &mut jalin_persistence::DbConnection, text: &str| {
            let decree = Decree { decree_number: Some("TEST-2027/CLI".into()), decree_date: None, source_note: "TEST DATA".into() };
            jalin_persistence::write_transaction(conn, |c| import_csv(c, &ctx, Default::default(), text, decree))
        };
        let lines = |r: Result<_, ImportError>| match r {
            Err(ImportError::Rows(rows)) => rows.iter().map(|b| (b.line, b.message.clone())).collect::<Vec<_>>(),
            Err(ImportError::Failed(e)) => panic!("failed: {e}"),
            Ok(_) => panic!("loaded a bad file"),
        };
        let unreadable = lines(import(&mut conn, "date,name_id,kind\n2027-01-01,Tahun Baru (uji),holiday\n2027-02-30,Salah,holiday\n2027-03-01,Salah,libur\n"));
        assert_eq!(unreadable.iter().map(|l| l.0).collect::<Vec<_>>(), [3, 4], "{unreadable:?}");
        let wrong = lines(import(&mut conn, "date,name_id,kind\n2027-01-01,Tahun Baru (uji),holiday\n2028-01-01,Tahun lain,holiday\n"));
        assert_eq!(wrong.len(), 1);
        assert_eq!(wrong[0].0, 3);
        assert!(wrong[0].1.contains("outside_year"), "{wrong:?}");
        app.get("/v1/calendar/years/2027").problem(404, "not_found");
        let loaded = import(&mut conn, "date,name_id,kind\n2027-01-01,Tahun Baru (uji),holiday\n").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((loaded.record.current.version, loaded.record.current.loaded_by.as_str()), (1, "cli"));
        let year = app.get_ok("/v1/calendar/years/2027");
        assert_eq!((year["source"].clone(), year["decree_number"].clone()), (json!("loaded"), json!("TEST-2027/CLI")));
        let next = app.on_day("2027-01-04");
        assert_eq!(next.get_ok("/v1/calendar/working-days?from=2026-12-31&add=1")["to"], "2027-01-04");
    }
}

on_both_databases! {
    /// A DPRD case stored without a due date (by a release that had none past the loaded years)
    /// gets its provisional one when a server starts, audited; `/v1/tasks` is never null then.
    fn a_server_starting_fills_a_due_date_stored_without_one(app) with [("JALIN_INSTANCE", "training"), ("JALIN_TEST_TODAY", "2026-12-01")] {
        let (p, id, _) = received_on_1_december(app, "005/13/DPRD");
        let pool = app.pool();
        jalin_persistence::cases::set_due_on(&mut pool.get().unwrap(), &id, None).unwrap();
        let restarted = app.on_day("2026-12-01");
        let task = restarted.req("GET", "/v1/tasks").bearer(&p.dprd).send().json()["items"].as_array().unwrap().iter()
            .find(|t| t["agreement_id"] == id.as_str()).unwrap().clone();
        let estimate = restarted.get_ok("/v1/calendar/working-days?from=2026-12-01&add=45&allow_provisional=true");
        assert_eq!((task["due_on"].clone(), task["provisional"].clone()), (estimate["to"].clone(), json!(true)));
        let audit = restarted.get_ok(&format!("/v1/audit-events?record_id={id}&limit=100"));
        assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "workflow.due_date_recomputed"
            && e["changes"]["stage_due_on"]["before"].is_null()), "{audit}");
    }
}
