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
