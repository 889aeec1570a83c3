//! The OpenAPI contract: served, committed, complete; the docs UI works offline.

use jalin_tests::on_both_databases;
use serde_json::Value;

fn responses_has(op: &Value, status: &str) -> bool {
    op["responses"].get(status).is_some()
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

on_both_databases! {
    /// The served document is the committed `openapi/openapi.json`. On failure run `make openapi`
    /// and review the diff (a removal or narrowing is a breaking change for generated clients).
    fn the_served_contract_is_the_committed_one(app) {
        let served = app.get_ok("/openapi.json");
        let committed: Value = serde_json::from_str(jalin_openapi::COMMITTED).expect("committed contract is JSON");
        assert!(served == committed, "the served OpenAPI document differs from openapi/openapi.json: run `make openapi` and commit it");
    }

    fn every_operation_is_documented_completely(app) {
        let doc = app.get_ok("/openapi.json");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let mut ids = std::collections::HashSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for m in METHODS {
                let Some(op) = item.get(m) else { continue };
                let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{m} {path}: operationId"));
                assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
                assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{id}: tag");
                assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{id}: summary");
                let security = op["security"].as_array().unwrap_or_else(|| panic!("{id}: security requirement"));
                // Either public (`{}`) or both ways to authenticate, with a 401 documented.
                if !security.iter().any(|s| s.as_object().is_some_and(|o| o.is_empty())) {
                    assert!(responses_has(op, "401"), "{id}: 401 response");
                    let names: Vec<&str> = security.iter().flat_map(|s| s.as_object().unwrap().keys().map(String::as_str)).collect();
                    // Callbacks from the external systems are for their service accounts only.
                    assert!(names.contains(&"bearer") || names.iter().all(|n| *n == "client_credentials"), "{id}: {names:?}");
                }
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.keys().any(|k| k.starts_with('2')), "{id}: success response");
                assert!(responses.contains_key("500"), "{id}: 500 response");
                for (status, r) in responses {
                    if status.starts_with('2') && status != "204" {
                        let content = r["content"].as_object().unwrap_or_else(|| panic!("{id} {status}: content"));
                        assert!(content.values().all(|c| c["schema"].is_object()), "{id} {status}: schema");
                    }
                }
            }
        }
        assert!(ids.len() >= 9);
        for name in ["Problem", "RegionPage", "Region", "Country"] {
            assert!(doc["components"]["schemas"][name].is_object(), "component {name}");
        }
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        let scopes = schemes["client_credentials"]["flows"]["clientCredentials"]["scopes"].as_object().unwrap();
        for action in jalin_domain::access::Action::ALL {
            assert!(scopes.contains_key(action.as_str()), "scope {action} documented");
        }
        for name in ["NotFound", "ValidationFailed", "InternalError", "Unauthorized", "Forbidden"] {
            let r = &doc["components"]["responses"][name]["content"]["application/problem+json"];
            assert!(r["schema"].is_object() && r["example"].is_object(), "response {name}");
        }
    }

    fn swagger_ui_is_served_without_the_internet(app) {
        let r = app.get("/docs");
        assert_eq!(r.status, 308);
        assert_eq!(r.header("location"), Some("/docs/"));
        let page = app.get("/docs/");
        assert_eq!(page.status, 200);
        assert!(page.body.contains("swagger"), "{}", page.body);
        assert!(!page.body.contains("https://"), "the page must not load assets from the internet");
        let init = app.get("/docs/swagger-initializer.js");
        assert_eq!(init.status, 200);
        assert!(init.body.contains("/openapi.json"));
        let bundle = app.get("/docs/swagger-ui-bundle.js");
        assert_eq!(bundle.status, 200);
        assert!(bundle.body.len() > 100_000, "the bundle is vendored");
    }
}
