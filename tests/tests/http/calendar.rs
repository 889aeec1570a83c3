use jalin_tests::on_both_databases;

on_both_databases! {
    /// R22: the annual report for fiscal year 2024 is due 7 working days after 31 Dec: 2025-01-10.
    fn r22_fiscal_year_2024_report_is_due_2025_01_10(app) {
        let r = app.get_ok("/v1/calendar/working-days?from=2024-12-31&add=7");
        assert_eq!(r["to"], "2025-01-10");
        assert_eq!(r["working_days"], 7);
        assert_eq!(r["cuti_bersama_is_working_day"], false);
    }

    /// R10: a DPRD request received on 2024-03-01 must be decided by 2024-05-21 (45 working days).
    fn r10_dprd_request_received_2024_03_01_is_due_2024_05_21(app) {
        let r = app.get_ok("/v1/calendar/working-days?from=2024-03-01&add=45");
        assert_eq!(r["to"], "2024-05-21");
    }

    fn counting_working_days_inverts_adding_them(app) {
        let r = app.get_ok("/v1/calendar/working-days?from=2024-03-01&to=2024-05-21");
        assert_eq!(r["working_days"], 45);
        let r = app.get_ok("/v1/calendar/working-days?from=2024-12-31&to=2025-01-10");
        assert_eq!(r["working_days"], 7);
        let r = app.get_ok("/v1/calendar/working-days?from=2025-01-10&to=2025-01-10");
        assert_eq!(r["working_days"], 0);
    }

    /// A date past the holiday data is an explicit error, never a guess.
    fn a_deadline_beyond_the_calendar_is_refused_not_guessed(app) {
        let p = app.get("/v1/calendar/working-days?from=2026-12-01&add=45").problem(422, "calendar_out_of_range");
        assert!(p["detail"].as_str().unwrap().contains("2019–2026"), "{p}");
        app.get("/v1/calendar/working-days?from=2026-06-01&to=2027-02-01").problem(422, "calendar_out_of_range");
        app.get("/v1/calendar/working-days?from=2018-12-20&add=3").problem(422, "calendar_out_of_range");
        app.get("/v1/calendar/holidays?year=2027").problem(422, "calendar_out_of_range");
    }

    fn working_day_parameters_are_validated(app) {
        // Each refused query, with the first issue's field and what it says.
        for (query, field, says) in [
            ("from=2024-03-01", "parameter", "to"),
            ("from=2024-03-01&to=2024-04-01&add=3", "code", "exclusive"),
            ("from=2024-05-01&to=2024-04-01", "code", "before_from"),
            ("from=31-12-2024&add=7", "parameter", "from"),
            ("add=7", "parameter", "from"),
            ("from=2024-03-01&add=-1", "parameter", "add"),
            ("from=2024-03-01&add=99999", "parameter", "add"),
        ] {
            let p = app.get(&format!("/v1/calendar/working-days?{query}")).problem(422, "validation_failed");
            assert_eq!(p["errors"][0][field], says, "{query}: {p}");
        }
    }

    fn holidays_of_a_year_include_cuti_bersama(app) {
        let h = app.get_ok("/v1/calendar/holidays?year=2025");
        let items = h["items"].as_array().unwrap();
        assert_eq!(items.len(), 28, "2025: 17 holidays and 11 cuti bersama");
        assert_eq!(items[0]["date"], "2025-01-01");
        assert_eq!(items[0]["name_id"], "Tahun Baru Masehi");
        assert!(items.iter().any(|d| d["date"] == "2025-08-18" && d["kind"] == "cuti_bersama"));
        let p = app.get("/v1/calendar/holidays").problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["parameter"], "year");
        assert_eq!(p["errors"][0]["code"], "required");
    }

    /// DEFAULT: cuti bersama are days off; the setting shows it is the default.
    fn settings_show_the_cuti_bersama_default(app) {
        let s = app.get_ok("/v1/settings");
        let cuti = s["items"].as_array().unwrap().iter()
            .find(|i| i["key"] == "calendar.cuti_bersama_is_working_day").unwrap().clone();
        assert_eq!(cuti["value"], false);
        assert_eq!(cuti["is_default"], true);
        assert_eq!(cuti["variable"], "JALIN_CUTI_BERSAMA_IS_WORKING_DAY");
        assert!(cuti["basis"].as_str().unwrap().starts_with("DEFAULT"));
        assert_eq!(s["calendar_covered_years"], serde_json::json!([2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]));
    }

    /// Configured as working, cuti bersama count: 2024-12-26 is then a working day.
    fn cuti_bersama_count_when_configured(app) with [("JALIN_CUTI_BERSAMA_IS_WORKING_DAY", "true")] {
        let r = app.get_ok("/v1/calendar/working-days?from=2024-12-24&add=2");
        assert_eq!(r["to"], "2024-12-27");
        assert_eq!(r["cuti_bersama_is_working_day"], true);
        let s = app.get_ok("/v1/settings");
        let cuti = s["items"].as_array().unwrap().iter()
            .find(|i| i["key"] == "calendar.cuti_bersama_is_working_day").unwrap().clone();
        assert_eq!(cuti["value"], true);
        assert_eq!(cuti["is_default"], false);
    }
}

on_both_databases! {
    fn by_default_cuti_bersama_are_days_off(app) {
        let r = app.get_ok("/v1/calendar/working-days?from=2024-12-24&add=2");
        assert_eq!(r["to"], "2024-12-30");
    }
}
