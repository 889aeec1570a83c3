//! Issue #18: a credential is bounded like a user. A service account never grants more than it
//! holds (scopes within its own, region within its subtree), never changes its own scopes, and
//! a regional one reaches only its region's subtree with every scope it holds: service accounts,
//! webhook endpoints, audit events. And the smaller leaks (item 8).

use jalin_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};

/// A service account made by the admin; its id and a token for it.
#[track_caller]
fn service_account(app: &TestApp, scopes: &[&str], region: Option<&str>) -> (String, String) {
    let r = app
        .req("POST", "/v1/service-accounts")
        .json(&json!({"name": "script", "scopes": scopes, "region_code": region}))
        .send();
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.json();
    let t = app.req("POST", "/v1/auth/token").anonymous()
        .json(&json!({"grant_type": "client_credentials", "client_id": c["client_id"], "client_secret": c["client_secret"]}))
        .send();
    assert_eq!(t.status, 200, "{}", t.body);
    (
        c["id"].as_str().unwrap().to_owned(),
        t.json()["access_token"].as_str().unwrap().to_owned(),
    )
}

fn etag(app: &TestApp, path: &str) -> String {
    let r = app.get(path);
    assert_eq!(r.status, 200, "{}", r.body);
    r.header("etag").unwrap().to_owned()
}

fn every_scope() -> Vec<&'static str> {
    jalin_domain::access::Action::ALL
        .iter()
        .map(|a| a.as_str())
        .take(20)
        .collect()
}

/// A webhook endpoint made by the admin for `region` (`None`: national).
fn endpoint(app: &TestApp, region: Option<&str>) -> String {
    let r = app
        .req("POST", "/v1/webhook-endpoints")
        .json(&json!({"url": "https://hooks.example.org/jalin", "event_types": ["agreement.*"], "region_code": region}))
        .send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

on_both_databases! {
    /// Item 1: a regional credential with `service_accounts:write` creates accounts only in its
    /// subtree and only with scopes it holds: no national account, none in another province.
    fn a_regional_credential_creates_accounts_only_in_its_subtree_with_scopes_it_holds(app) {
        let (_, token) = service_account(app, &["service_accounts:write", "users:read"], Some("33"));
        let create = |scopes: &[&str], region: Option<&str>| {
            app.req("POST", "/v1/service-accounts").bearer(&token)
                .json(&json!({"name": "minted", "scopes": scopes, "region_code": region})).send()
        };
        create(&every_scope(), None).problem(403, "forbidden");
        create(&["users:read"], None).problem(403, "forbidden");
        create(&["users:read"], Some("36")).problem(403, "forbidden");
        create(&["users:read"], Some("36.01")).problem(403, "forbidden");
        create(&["audit:read"], Some("33")).problem(403, "forbidden");
        create(&["users:read", "integrations:write"], Some("33.01")).problem(403, "forbidden");
        let ok = create(&["users:read"], Some("33.01"));
        assert_eq!(ok.status, 201, "{}", ok.body);
        assert_eq!(ok.json()["region_code"], "33.01");
        let ok = create(&["service_accounts:write", "users:read"], Some("33"));
        assert_eq!(ok.status, 201, "{}", ok.body);
        // A national credential still grants only what it holds.
        let (_, national) = service_account(app, &["service_accounts:write"], None);
        app.req("POST", "/v1/service-accounts").bearer(&national)
            .json(&json!({"name": "root", "scopes": every_scope()})).send()
            .problem(403, "forbidden");
        let ok = app.req("POST", "/v1/service-accounts").bearer(&national)
            .json(&json!({"name": "jabar", "scopes": ["service_accounts:write"], "region_code": "32"})).send();
        assert_eq!(ok.status, 201, "{}", ok.body);
    }

    /// Item 1: a credential never changes its own scopes, neither widening nor narrowing them;
    /// its other fields it may change.
    fn a_credential_never_changes_its_own_scopes(app) {
        let (id, token) = service_account(app, &["service_accounts:write", "users:read"], Some("33"));
        let path = format!("/v1/service-accounts/{id}");
        let patch = |body: Value| {
            app.req("PATCH", &path).bearer(&token).header("If-Match", &etag(app, &path)).json(&body).send()
        };
        patch(json!({"scopes": every_scope()})).problem(403, "forbidden");
        patch(json!({"scopes": ["service_accounts:write", "users:read", "audit:read"]})).problem(403, "forbidden");
        patch(json!({"scopes": ["service_accounts:write"]})).problem(403, "forbidden");
        let held = app.get_ok(&path)["scopes"].clone();
        assert_eq!(held, json!(["users:read", "service_accounts:write"]));
        let renamed = patch(json!({"name": "renamed"}));
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        assert_eq!(app.get_ok(&path)["scopes"], held, "unchanged");
    }

    /// Item 1: a credential changes or deletes only accounts it could have made: it cannot give
    /// another account a scope it lacks, nor touch an account holding more than it does; another
    /// province's account is not there for it (404).
    fn a_credential_acts_only_on_accounts_it_could_have_made(app) {
        let (_, token) = service_account(app, &["service_accounts:write", "users:read"], Some("33"));
        let (weaker, _) = service_account(app, &["users:read"], Some("33.01"));
        let (stronger, _) = service_account(app, &["users:read", "audit:read"], Some("33"));
        let (banten, _) = service_account(app, &["users:read"], Some("36"));
        let path = |id: &str| format!("/v1/service-accounts/{id}");
        let patch = |id: &str, body: Value| {
            app.req("PATCH", &path(id)).bearer(&token).header("If-Match", &etag(app, &path(id))).json(&body).send()
        };
        patch(&weaker, json!({"scopes": ["users:read", "audit:read"]})).problem(403, "forbidden");
        patch(&weaker, json!({"scopes": ["users:read", "users:write"]})).problem(403, "forbidden");
        patch(&stronger, json!({"name": "renamed"})).problem(403, "forbidden");
        patch(&stronger, json!({"active": false})).problem(403, "forbidden");
        app.req("DELETE", &path(&stronger)).bearer(&token).header("If-Match", &etag(app, &path(&stronger)))
            .send().problem(403, "forbidden");
        patch(&banten, json!({"name": "renamed"})).problem(404, "not_found");
        app.req("GET", &path(&banten)).bearer(&token).send().problem(404, "not_found");
        let ok = patch(&weaker, json!({"scopes": ["users:read", "service_accounts:write"], "name": "cilacap"}));
        assert_eq!(ok.status, 200, "{}", ok.body);
        let gone = app.req("DELETE", &path(&weaker)).bearer(&token).header("If-Match", &etag(app, &path(&weaker))).send();
        assert_eq!(gone.status, 204, "{}", gone.body);
        let listed = ids(&app.req("GET", "/v1/service-accounts?limit=100").bearer(&token).send().json());
        assert!(listed.contains(&stronger), "visible in the subtree: {listed:?}");
        assert!(!listed.contains(&banten), "another province's: {listed:?}");
    }

    /// Item 1: a regional credential with `integrations:write` reaches only the webhook
    /// endpoints of its subtree: another province's (or a national one) is a 404 to read,
    /// redirect, replay and delete, and it subscribes only for its own subtree.
    fn a_regional_credential_reaches_only_its_subtrees_webhook_endpoints(app) {
        let (_, token) = service_account(app, &["integrations:write"], Some("33"));
        let own = endpoint(app, Some("33"));
        let regency = endpoint(app, Some("33.01"));
        let banten = endpoint(app, Some("36"));
        let national = endpoint(app, None);
        let listed = ids(&app.req("GET", "/v1/webhook-endpoints?limit=100").bearer(&token).send().json());
        assert!(listed.contains(&own) && listed.contains(&regency), "{listed:?}");
        assert!(!listed.contains(&banten) && !listed.contains(&national), "{listed:?}");
        for id in [&banten, &national] {
            let path = format!("/v1/webhook-endpoints/{id}");
            app.req("GET", &path).bearer(&token).send().problem(404, "not_found");
            app.req("PATCH", &path).bearer(&token).header("If-Match", &etag(app, &path))
                .json(&json!({"url": "https://attacker.example.net/steal"})).send()
                .problem(404, "not_found");
            app.req("POST", &format!("{path}/replay")).bearer(&token)
                .json(&json!({"after_seq": 0})).send().problem(404, "not_found");
            app.req("DELETE", &path).bearer(&token).header("If-Match", &etag(app, &path)).send()
                .problem(404, "not_found");
            assert_eq!(app.get_ok(&path)["url"], "https://hooks.example.org/jalin", "not redirected");
        }
        let create = |region: Option<&str>| {
            app.req("POST", "/v1/webhook-endpoints").bearer(&token)
                .json(&json!({"url": "https://hooks.example.org/mine", "event_types": ["agreement.*"], "region_code": region}))
                .send()
        };
        create(Some("36")).problem(403, "forbidden");
        create(None).problem(403, "forbidden");
        assert_eq!(create(Some("33.01")).status, 201);
        let path = format!("/v1/webhook-endpoints/{regency}");
        let r = app.req("PATCH", &path).bearer(&token).header("If-Match", &etag(app, &path))
            .json(&json!({"description": "Cilacap"})).send();
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app.req("POST", &format!("{path}/replay")).bearer(&token).json(&json!({"after_seq": 0})).send();
        assert_eq!(r.status, 200, "{}", r.body);
    }

    /// Item 1: a regional credential with `audit:read` reads only its subtree's audit events —
    /// not another province's, not central ones.
    fn a_regional_credential_reads_only_its_subtrees_audit_events(app) {
        let (in_regency, _) = app.user("audit-cilacap", "viewer", Some("33.01"));
        let (in_banten, _) = app.user("audit-banten", "viewer", Some("36"));
        let (_, token) = service_account(app, &["audit:read"], Some("33"));
        let events = app.req("GET", "/v1/audit-events?limit=100").bearer(&token).send();
        assert_eq!(events.status, 200, "{}", events.body);
        let items = events.json()["items"].as_array().unwrap().clone();
        assert!(items.iter().any(|e| e["record_id"] == in_regency.as_str()), "own subtree's events");
        for e in &items {
            let region = e["region_code"].as_str().unwrap_or_default();
            assert!(region == "33" || region.starts_with("33."), "outside the subtree: {e}");
        }
        let banten = app.req("GET", &format!("/v1/audit-events?record_id={in_banten}")).bearer(&token).send();
        assert_eq!(banten.status, 200);
        assert_eq!(banten.json()["items"], json!([]), "another province's events");
        // The admin (national) still reads everything.
        let all = app.get_ok(&format!("/v1/audit-events?record_id={in_banten}"));
        assert_eq!(all["items"].as_array().unwrap().len(), 1);
    }
}

on_both_databases! {
    /// Item 8: changing another region's potential answers exactly like changing one that does
    /// not exist (404), so the answer reveals nothing.
    fn changing_another_regions_potential_is_a_404_like_a_missing_one(app) {
        let body = json!({"sector": "pariwisata", "kind": "tourism", "title": "Pantai Anyer", "description": "Pantai"});
        let r = app.req("POST", "/v1/regions/36/potentials").json(&body).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let etag = r.header("etag").unwrap().to_owned();
        let (_, jateng) = app.user("ks-jateng-pot", "province_officer", Some("33"));
        let real = app.req("PUT", &format!("/v1/potentials/{id}")).bearer(&jateng)
            .header("If-Match", &etag).json(&body).send().problem(404, "not_found");
        let random = app.req("PUT", "/v1/potentials/01938f6a-0000-7000-8000-00000000dead").bearer(&jateng)
            .header("If-Match", &etag).json(&body).send().problem(404, "not_found");
        assert_eq!(real["title"], random["title"]);
        // The region itself still may.
        let (_, banten) = app.user("ks-banten-pot", "province_officer", Some("36"));
        let ok = app.req("PUT", &format!("/v1/potentials/{id}")).bearer(&banten)
            .header("If-Match", &etag).json(&body).send();
        assert_eq!(ok.status, 200, "{}", ok.body);
    }

    /// Item 8: `q` is text to find, never a pattern: `%` and `_` find records containing them
    /// (none here), not every record.
    fn a_search_for_like_wildcards_finds_nothing_rather_than_everything(app) {
        let r = app.req("POST", "/v1/regions/33/potentials")
            .json(&json!({"sector": "pariwisata", "kind": "tourism", "title": "Kota Lama", "description": "Kawasan"})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": "State of Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
        assert_eq!(p.status, 201, "{}", p.body);
        let a = app.req("POST", "/v1/agreements").json(&json!({
            "region_code": "33", "subtype": "sister_province", "instrument": "mou", "partner_ids": [p.json()["id"]],
            "title_id": "Kerja sama pendidikan", "objects": ["cultural_exchange"], "languages": ["id", "en"]
        })).send();
        assert_eq!(a.status, 201, "{}", a.body);
        for path in ["/v1/potentials", "/v1/partners", "/v1/agreements"] {
            for q in ["%25", "_", "%25%25", "%5F%25"] {
                let page = app.get_ok(&format!("{path}?q={q}"));
                assert_eq!(page["items"], json!([]), "{path}?q={q}");
            }
        }
        assert_eq!(app.get_ok("/v1/potentials?q=kota")["items"].as_array().unwrap().len(), 1);
        assert_eq!(app.get_ok("/v1/partners?q=queens")["items"].as_array().unwrap().len(), 1);
        assert_eq!(app.get_ok("/v1/agreements?q=pendidikan")["items"].as_array().unwrap().len(), 1);
    }
}

on_both_databases! {
    /// Item 8: an amount is exactly the contract's pattern (`^-?\d{1,15}(\.\d{1,4})?$`): what a
    /// lenient decimal parser would also read — `1e5`, `+5`, `.5` — is refused (422).
    fn amounts_follow_the_contracts_pattern_exactly(app) {
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": "State of Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
        assert_eq!(p.status, 201, "{}", p.body);
        let agreement = |amount: &str| json!({
            "region_code": "33", "subtype": "sister_province", "instrument": "mou", "partner_ids": [p.json()["id"]],
            "title_id": format!("Kerja sama {amount}"), "objects": ["cultural_exchange"], "languages": ["id", "en"],
            "value": {"amount": amount, "currency": "AUD"}
        });
        for bad in ["1e5", "+5", ".5", "5.", "1e-2"] {
            let r = app.req("POST", "/v1/agreements").json(&agreement(bad)).send();
            let p = r.problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["pointer"], "/value/amount", "{bad}: {p}");
        }
        let ok = app.req("POST", "/v1/agreements").json(&agreement("2000000.50")).send();
        assert_eq!(ok.status, 201, "{}", ok.body);
        let id = ok.json()["id"].as_str().unwrap().to_owned();
        let plan = |amount: &str| json!({"kind": "action_plan", "title": "Rencana aksi", "items": [
            {"key": "2025-01", "year": 2025, "what": "Pelatihan", "who": "Dinas", "budget": {"amount": amount, "currency": "IDR"}}
        ]});
        for bad in ["1e5", "+5", ".5"] {
            let r = app.req("PUT", &format!("/v1/agreements/{id}/action-plan")).json(&plan(bad)).send();
            let p = r.problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["pointer"], "/items/0/budget/amount", "{bad}: {p}");
        }
        let r = app.req("PUT", &format!("/v1/agreements/{id}/action-plan")).json(&plan("150000000")).send();
        assert_eq!(r.status, 201, "{}", r.body);
    }
}

on_both_databases! {
    /// Item 8: the documents directory is created owner-only (0700) and, on SQLite, the database
    /// file too (0600): nobody else on the machine reads personal data.
    fn the_documents_directory_and_the_sqlite_file_are_the_owners_alone(app) {
        use std::os::unix::fs::PermissionsExt;
        let dir = app.state().config.data_dir.clone();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("documents")), 0o700, "documents directory");
        if app.pool().backend() == jalin_persistence::Backend::Sqlite {
            assert_eq!(mode(&dir.join("jalin.db")), 0o600, "SQLite file");
        }
    }
}
