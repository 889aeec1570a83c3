use jalin_tests::on_both_databases;
use serde_json::Value;

on_both_databases! {
    /// 552 regions: 38 provinces and 514 regencies/cities (Kepmendagri 300.2.2-2138/2025).
    fn regions_are_552_with_38_provinces(app) {
        let all = app.get_all("/v1/regions");
        assert_eq!(all.len(), 552);
        let codes: Vec<&str> = all.iter().map(|r| r["code"].as_str().unwrap()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "stable code order across pages");
        assert_eq!(app.get_all("/v1/regions?kind=province").len(), 38);
        assert_eq!(app.get_all("/v1/regions?kind=regency").len(), 416);
        assert_eq!(app.get_all("/v1/regions?kind=city").len(), 98);
    }

    fn jawa_tengah_has_35_regencies_and_cities(app) {
        let children = app.get_all("/v1/regions?parent_code=33");
        assert_eq!(children.len(), 35);
        assert!(children.iter().all(|r| r["parent_code"] == "33"));
        let cities = app.get_all("/v1/regions?parent_code=33&kind=city");
        assert_eq!(cities.len(), 6);
    }

    fn a_region_is_found_by_its_code(app) {
        let r = app.get_ok("/v1/regions/33.74");
        assert_eq!(r, serde_json::json!({"code": "33.74", "name": "Kota Semarang", "kind": "city", "parent_code": "33"}));
        let p = app.get_ok("/v1/regions/33");
        assert_eq!(p["kind"], "province");
        assert_eq!(p["parent_code"], Value::Null);
    }

    fn unknown_and_malformed_region_codes_are_404(app) {
        let p = app.get("/v1/regions/99.99").problem(404, "not_found");
        assert!(p["detail"].as_str().unwrap().contains("99.99"));
        app.get("/v1/regions/not-a-code").problem(404, "not_found");
    }

    fn region_filters_are_validated(app) {
        let p = app.get("/v1/regions?kind=village").problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["parameter"], "kind");
        let p = app.get("/v1/regions?parent_code=3x").problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["parameter"], "parent_code");
    }

    /// 197 states; R4: Israel, Taiwan and Kosovo have no diplomatic relations with Indonesia.
    fn countries_are_197_and_three_lack_relations(app) {
        let all = app.get_all("/v1/countries");
        assert_eq!(all.len(), 197);
        let without: Vec<Value> = app
            .get_all("/v1/countries?diplomatic_relations=false")
            .iter()
            .map(|c| c["iso2"].clone())
            .collect();
        assert_eq!(without, ["IL", "TW", "XK"]);
        assert_eq!(app.get_all("/v1/countries?diplomatic_relations=true").len(), 194);
    }

    fn a_country_is_found_by_iso2_in_either_case(app) {
        let au = app.get_ok("/v1/countries/au");
        assert_eq!(au["iso2"], "AU");
        assert_eq!(au["name_id"], "Australia");
        assert_eq!(au["diplomatic_relations"], true);
        assert_eq!(app.get_ok("/v1/countries/TW")["diplomatic_relations"], false);
        app.get("/v1/countries/ZZ").problem(404, "not_found");
        app.get("/v1/countries/AUS").problem(404, "not_found");
    }

    fn pagination_limits_and_cursors_are_checked(app) {
        let page = app.get_ok("/v1/regions");
        assert_eq!(page["items"].as_array().unwrap().len(), 20, "default limit is 20");
        let page = app.get_ok("/v1/regions?limit=100");
        assert_eq!(page["items"].as_array().unwrap().len(), 100);
        for bad in ["0", "101", "-1", "ten"] {
            let p = app.get(&format!("/v1/regions?limit={bad}")).problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["parameter"], "limit");
        }
        app.get("/v1/regions?cursor=garbage").problem(400, "invalid_cursor");
        // A cursor is bound to its list.
        let regions_cursor = page["next_cursor"].as_str().unwrap().to_owned();
        app.get(&format!("/v1/countries?cursor={regions_cursor}")).problem(400, "invalid_cursor");
        let first = app.get_ok("/v1/countries?limit=100");
        let next = first["next_cursor"].as_str().expect("197 countries need two pages");
        let second = app.get_ok(&format!("/v1/countries?limit=100&cursor={next}"));
        assert_eq!(second["items"].as_array().unwrap().len(), 97);
        assert_eq!(second["next_cursor"], Value::Null);
    }

    /// Reference data is loaded once; loading it again changes nothing.
    fn reference_data_loads_idempotently(app) {
        use jalin_persistence::reference::{load_all, DatasetOutcome};
        // The server loaded the data at start; loading again (as every restart and
        // `jalin migrate` does) applies nothing and duplicates nothing.
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        let report = load_all(&mut conn).unwrap();
        assert_eq!(report.datasets.len(), 3);
        assert!(report.datasets.iter().all(|(_, o)| *o == DatasetOutcome::Unchanged), "{report:?}");
        assert_eq!(app.get_all("/v1/regions").len(), 552);
        assert_eq!(app.get_all("/v1/countries").len(), 197);
    }
}
