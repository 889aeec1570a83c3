//! Demo data: the seed scenarios, one user per role, loaded once.

use jalin_tests::on_both_databases;

on_both_databases! {
    fn the_demo_loads_the_seed_scenarios_once(app) {
        let state = app.state();
        let first = jalin_api::demo::load(&state).unwrap();
        assert!(first.loaded);
        assert_eq!((first.users, first.partners, first.agreements, first.meetings), (9, 5, 8, 3));
        // Seeds 002–004: the recommendations of three coordination meetings; Banten's overdue
        // annual report (recommendation 2) is reminded to Banten.
        let meetings = app.get_ok("/v1/meetings?limit=100");
        assert_eq!(meetings["items"].as_array().unwrap().len(), 3);
        let recs: usize = meetings["items"].as_array().unwrap().iter().map(|m| m["recommendations"].as_array().unwrap().len()).sum();
        assert_eq!(recs, 5 + 9 + 10);
        let overdue = app.get_ok("/v1/reminders?kind=recommendation_overdue");
        assert_eq!(overdue["items"][0]["region_code"], "36");
        assert!(!jalin_api::demo::load(&state).unwrap().loaded, "a second load changes nothing");

        let jateng = app.login("demo.jateng", jalin_api::demo::DEMO_PASSWORD);
        let mine = app.req("GET", "/v1/agreements?limit=100").bearer(&jateng).send().json();
        let items = mine["items"].as_array().unwrap();
        assert_eq!(items.len(), 7, "Jawa Tengah's seven");
        assert!(items.iter().all(|a| a["region_code"] == "33"));
        let queensland = app.req("GET", "/v1/agreements?q=queensland&legacy=true&sort=signed_on").bearer(&jateng).send().json();
        let q = queensland["items"].as_array().unwrap();
        assert_eq!(q[0]["signed_on"], "1991-02-26");
        assert_eq!(q[1]["predecessor_id"], q[0]["id"], "the 2019 renewal links to the 1991 MoU (R18)");
        let teacher = app.req("GET", "/v1/agreements?q=pertukaran%20guru").bearer(&jateng).send().json();
        assert_eq!(teacher["items"][0]["parent_id"], q[1]["id"], "the teacher exchange sits under the 2019 MoU");

        let banten = app.login("demo.banten", jalin_api::demo::DEMO_PASSWORD);
        let theirs = app.req("GET", "/v1/agreements?limit=100").bearer(&banten).send().json();
        assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
        assert_eq!(theirs["items"][0]["status"], "draft");
        let semarang = app.login("demo.semarang", jalin_api::demo::DEMO_PASSWORD);
        assert_eq!(app.req("GET", "/v1/agreements").bearer(&semarang).send().json()["items"], serde_json::json!([]));
    }
}
