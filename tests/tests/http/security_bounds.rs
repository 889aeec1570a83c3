//! Issue #18: a credential is bounded like a user. A service account never grants more than it
//! holds (scopes within its own, region within its subtree), never changes its own scopes, and
//! a regional one reaches only its region's subtree with every scope it holds: service accounts,
//! webhook endpoints, audit events. And the smaller leaks (item 8).

use jalin_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::documents::{multipart, pdf, BOUNDARY};

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
        for path in ["/v1/potentials", "/v1/regions/33/potentials", "/v1/partners", "/v1/agreements"] {
            for q in ["%25", "_", "%25%25", "%5F%25"] {
                let page = app.get_ok(&format!("{path}?q={q}"));
                assert_eq!(page["items"], json!([]), "{path}?q={q}");
            }
        }
        // The export takes the list's filters: its CSV holds the header row alone.
        for q in ["%25", "_"] {
            let csv = app.get(&format!("/v1/agreements/export?format=csv&q={q}"));
            assert_eq!(csv.status, 200, "{}", csv.body);
            assert_eq!(csv.body.trim_start_matches('\u{feff}').lines().count(), 1, "q={q}: {}", csv.body);
        }
        let csv = app.get("/v1/agreements/export?format=csv&q=pendidikan");
        assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
        assert_eq!(app.get_ok("/v1/regions/33/potentials?q=kota")["items"].as_array().unwrap().len(), 1);
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
        for bad in ["1e5", "+5", ".5", "5.", "1e-2", " 5", "5 ", "1_000"] {
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
        for bad in ["1e5", "+5", ".5", " 5"] {
            let r = app.req("PUT", &format!("/v1/agreements/{id}/action-plan")).json(&plan(bad)).send();
            let p = r.problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["pointer"], "/items/0/budget/amount", "{bad}: {p}");
        }
        let r = app.req("PUT", &format!("/v1/agreements/{id}/action-plan")).json(&plan("150000000")).send();
        assert_eq!(r.status, 201, "{}", r.body);
        // An activity's money and its contribution to an indicator: the same patterns (the
        // amount's, and `^\d{1,12}(\.\d{1,6})?$` for a rate).
        let activity = |amount: &str, rate: &str| json!({"kind": "grant_received", "title": "Donasi", "starts_on": "2024-03-04",
            "money": {"amount": amount, "currency": "AUD", "exchange_rate": rate, "rate_date": "2024-03-04", "rate_source": "JISDOR"}});
        for (amount, rate, pointer) in [("1e5", "10400", "/money/amount"), ("+5", "10400", "/money/amount"),
            (".5", "10400", "/money/amount"), (" 5", "10400", "/money/amount"), ("5", "1e4", "/money/exchange_rate"),
            ("5", "+10400", "/money/exchange_rate"), ("5", ".5", "/money/exchange_rate")] {
            let r = app.req("POST", &format!("/v1/agreements/{id}/activities")).json(&activity(amount, rate)).send();
            let p = r.problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["pointer"], pointer, "{amount:?} {rate:?}: {p}");
        }
        let ok = app.req("POST", &format!("/v1/agreements/{id}/activities")).json(&activity("2000000.50", "10400.5")).send();
        assert_eq!(ok.status, 201, "{}", ok.body);
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

/// A user created with `token` (`users:write`); the answer.
fn create_user(
    app: &TestApp,
    token: &str,
    username: &str,
    role: &str,
    region: Option<&str>,
) -> jalin_tests::Resp {
    app.req("POST", "/v1/users").bearer(token)
        .json(&json!({"username": username, "display_name": username, "password": "a long passphrase of theirs",
            "role": role, "region_code": region}))
        .send()
}

on_both_databases! {
    /// A credential never grants more than it holds: with `users:write` it creates only users
    /// whose role holds nothing it lacks, over no region it does not reach — not a province
    /// officer (who writes agreements), not an administrator, not a user in another province.
    fn a_credential_with_users_write_creates_no_user_stronger_than_itself(app) {
        let (_, token) = service_account(app, &["users:write", "reference:read", "agreements:read"], Some("33"));
        for (name, role, region) in [
            ("mint-prov", "province_officer", Some("33")),
            ("mint-region", "region_officer", Some("33.01")),
            ("mint-agency", "agency_officer", Some("33.01")),
            ("mint-admin", "admin", None),
            ("mint-reviewer", "central_reviewer", None),
            ("mint-banten", "viewer", Some("36")),
            ("mint-serang", "viewer", Some("36.01")),
        ] {
            create_user(app, &token, name, role, region).problem(403, "forbidden");
            app.get("/v1/users?limit=100").json()["items"].as_array().unwrap().iter()
                .for_each(|u| assert_ne!(u["username"], name, "not created"));
        }
        for (name, region) in [("vera-33", "33"), ("vera-3301", "33.01")] {
            let ok = create_user(app, &token, name, "viewer", Some(region));
            assert_eq!(ok.status, 201, "{}", ok.body);
            assert_eq!(ok.json()["region_code"], region);
        }
        // A national credential holding `users:write` alone gives nobody anything.
        let (_, bare) = service_account(app, &["users:write"], None);
        create_user(app, &bare, "mint-bare", "viewer", Some("33")).problem(403, "forbidden");
        // An administrator (a person holding everything) still creates any user.
        app.user("admin-made-officer", "province_officer", Some("36"));
    }

    /// A credential changes a user only into one it could have created, and does not touch a
    /// user stronger than itself (no password reset, no disabling: a takeover); another
    /// province's user is not there for it (404, as a random id).
    fn a_credential_with_users_write_changes_users_only_as_it_could_have_made_them(app) {
        let (_, token) = service_account(app, &["users:write", "users:read", "reference:read", "agreements:read"], Some("33"));
        let (viewer, _) = app.user("sb-viewer", "viewer", Some("33.01"));
        let (officer, _) = app.user("sb-officer", "province_officer", Some("33"));
        let (banten, _) = app.user("sb-banten", "viewer", Some("36"));
        let path = |id: &str| format!("/v1/users/{id}");
        let patch = |id: &str, body: Value| {
            app.req("PATCH", &path(id)).bearer(&token).header("If-Match", &etag(app, &path(id))).json(&body).send()
        };
        patch(&viewer, json!({"role": "province_officer", "region_code": "33"})).problem(403, "forbidden");
        patch(&viewer, json!({"role": "region_officer"})).problem(403, "forbidden");
        patch(&viewer, json!({"region_code": "36"})).problem(403, "forbidden");
        patch(&officer, json!({"password": "a password of the attacker"})).problem(403, "forbidden");
        patch(&officer, json!({"active": false})).problem(403, "forbidden");
        patch(&officer, json!({"role": "viewer"})).problem(403, "forbidden");
        assert_eq!(app.get_ok(&path(&viewer))["role"], "viewer", "unchanged");
        assert_eq!(app.get_ok(&path(&officer))["active"], true, "unchanged");
        let real = patch(&banten, json!({"display_name": "x"})).problem(404, "not_found");
        let random = app.req("PATCH", "/v1/users/01938f6a-0000-7000-8000-00000000dead").bearer(&token)
            .header("If-Match", &etag(app, &path(&banten))).json(&json!({"display_name": "x"})).send()
            .problem(404, "not_found");
        assert_eq!(real["title"], random["title"]);
        let ok = patch(&viewer, json!({"display_name": "Vera", "region_code": "33"}));
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.json()["region_code"], "33");
    }
}

/// A Central Java travel request drafted by the admin, with an invitation and the participants'
/// data attached: (request id, invitation id, participant data id).
fn travel_request_with_documents(app: &TestApp, region: &str) -> (String, String, String) {
    let day = |offset: i64| {
        (jalin_api::clock::Clock::system().today() + chrono::Duration::days(offset)).to_string()
    };
    let r = app.req("POST", "/v1/travel-requests").json(&json!({"region_code": region, "trip_type": "official",
        "purpose": "Rapat Joint Working Group pendidikan", "destinations": [{"country": "AU", "city": "Brisbane"}],
        "departs_on": day(30), "returns_on": day(34), "funding": {"source": "apbd"},
        "travellers": [{"category": "civil_servant", "name": "Drs. Sumarno, M.M.", "position": "Sekretaris Daerah",
            "nip": "196805121990031007", "passport_number": "C1234567"}]})).send();
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let upload = |kind: &str| {
        let u = app
            .req("POST", &format!("/v1/travel-requests/{id}/documents"))
            .body(
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart(&[
                    ("kind", None, kind.as_bytes()),
                    ("file", Some(&format!("{kind} Jateng–Qld.pdf")), &pdf()),
                ]),
            )
            .send();
        assert_eq!(u.status, 201, "{}", u.body);
        u.json()["id"].as_str().unwrap().to_owned()
    };
    let invitation = upload("invitation");
    let participants = upload("participant_data");
    (id, invitation, participants)
}

/// A meeting organised by Central Java with its minutes: (meeting id, document id).
fn meeting_with_minutes(app: &TestApp, title: &str) -> (String, String) {
    let r = app
        .req("POST", "/v1/meetings")
        .json(&json!({
        "kind": "coordination_meeting", "title": title, "starts_on": "2026-03-10",
        "place": "Semarang", "organiser": "Biro Pemerintahan", "region_code": "33",
        "participants": [{"region_code": "33.74", "agency": "Bagian Kerja Sama", "count": 2}]}))
        .send();
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let u = app
        .req("POST", &format!("/v1/meetings/{id}/documents"))
        .body(
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(&[
                ("role", None, b"minutes"),
                ("file", Some("notulen.pdf"), &pdf()),
            ]),
        )
        .send();
    assert_eq!(u.status, 201, "{}", u.body);
    (id, u.json()["id"].as_str().unwrap().to_owned())
}

/// A downloaded PDF: its bytes, media type, attachment name and SHA-256 (header and ETag).
#[track_caller]
fn assert_downloaded_pdf(r: &jalin_tests::Resp) {
    assert_eq!(r.status, 200, "{}", r.body);
    let content = pdf();
    assert_eq!(r.body_bytes(), content.as_slice());
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(
        r.header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=\""),
        "{:?}",
        r.headers
    );
    let sha: String = Sha256::digest(&content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(r.header("x-content-sha256"), Some(sha.as_str()));
    assert_eq!(r.header("etag"), Some(format!("\"{sha}\"").as_str()));
}

on_both_databases! {
    /// Item 8: a travel request's documents download with the request's visibility: another
    /// province's request answers 404 exactly like a random id, and a document of another
    /// request is a 404; the participants' data also needs `travel:personal_data` (a viewer
    /// gets 403), and its download is audited.
    fn travel_documents_download_with_their_requests_visibility(app) {
        let (id, invitation, participants) = travel_request_with_documents(app, "33");
        let (other, other_doc, _) = travel_request_with_documents(app, "33");
        let url = |id: &str, doc: &str| format!("/v1/travel-requests/{id}/documents/{doc}");
        let got = app.get(&url(&id, &invitation));
        assert_downloaded_pdf(&got);
        assert!(got.header("content-disposition").unwrap().contains("filename*=UTF-8''invitation%20Jateng%E2%80%93Qld.pdf"));
        let (_, semarang) = app.user("dl-semarang", "region_officer", Some("33.74"));
        let (_, banten) = app.user("dl-banten", "province_officer", Some("36"));
        let (_, viewer) = app.user("dl-viewer", "viewer", Some("33"));
        let random = "01938f6a-0000-7000-8000-00000000dead";
        for token in [&banten, &semarang] {
            let real = app.req("GET", &url(&id, &invitation)).bearer(token).send().problem(404, "not_found");
            let missing = app.req("GET", &url(random, &invitation)).bearer(token).send().problem(404, "not_found");
            assert_eq!(real["title"], missing["title"]);
        }
        app.get(&url(&id, &other_doc)).problem(404, "not_found");
        app.get(&url(&other, &invitation)).problem(404, "not_found");
        app.get(&url(&id, random)).problem(404, "not_found");
        // A reader without personal data reads the request's documents but not the travellers'.
        assert_downloaded_pdf(&app.req("GET", &url(&id, &invitation)).bearer(&viewer).send());
        app.req("GET", &url(&id, &participants)).bearer(&viewer).send().problem(403, "forbidden");
        let audited = |app: &TestApp| {
            app.get_ok(&format!("/v1/audit-events?record_id={id}&limit=100"))["items"].as_array().unwrap().iter()
                .filter(|e| e["action"] == "travel_request.personal_data_read").count()
        };
        let before = audited(app);
        let (_, province) = app.user("dl-province", "province_officer", Some("33"));
        assert_downloaded_pdf(&app.req("GET", &url(&id, &participants)).bearer(&province).send());
        assert_eq!(audited(app), before + 1, "the personal-data download is audited");
    }

    /// Item 8: writing to another province's travel request or meeting — replacing it, adding
    /// a document — answers exactly like writing to a random id (404), before any body is read.
    fn writes_to_another_regions_travel_request_or_meeting_are_404s_like_random_ids(app) {
        let (travel, _, _) = travel_request_with_documents(app, "33");
        let (meeting, _) = meeting_with_minutes(app, "Rakor Kerja Sama Jawa Tengah 2028");
        let (_, banten) = app.user("wr-banten", "province_officer", Some("36"));
        let random = "01938f6a-0000-7000-8000-00000000dead";
        let etag = etag(app, &format!("/v1/travel-requests/{travel}"));
        let body = app.get_ok(&format!("/v1/travel-requests/{travel}"));
        let put = |id: &str| {
            app.req("PUT", &format!("/v1/travel-requests/{id}")).bearer(&banten).header("If-Match", &etag)
                .json(&json!({"region_code": "33", "trip_type": "official", "purpose": body["purpose"],
                    "destinations": body["destinations"], "departs_on": body["departs_on"], "returns_on": body["returns_on"],
                    "funding": body["funding"], "travellers": body["travellers"]}))
                .send().problem(404, "not_found")
        };
        assert_eq!(put(&travel)["title"], put(random)["title"]);
        let form = |field: &str, value: &str| multipart(&[(field, None, value.as_bytes()), ("file", Some("x.pdf"), &pdf())]);
        let ct = format!("multipart/form-data; boundary={BOUNDARY}");
        for (path, field, value) in [("travel-requests", "kind", "invitation"), ("meetings", "role", "minutes")] {
            let id = if path == "meetings" { &meeting } else { &travel };
            let real = app.req("POST", &format!("/v1/{path}/{id}/documents")).bearer(&banten)
                .body(&ct, form(field, value)).send().problem(404, "not_found");
            let missing = app.req("POST", &format!("/v1/{path}/{random}/documents")).bearer(&banten)
                .body(&ct, form(field, value)).send().problem(404, "not_found");
            assert_eq!(real["title"], missing["title"], "{path}");
        }
    }

    /// Item 8: a meeting's documents download with the meeting's visibility: a province that
    /// took no part gets a 404 exactly like a random id; a document of another meeting is a 404.
    fn meeting_documents_download_with_their_meetings_visibility(app) {
        let (id, minutes) = meeting_with_minutes(app, "Rakor Kerja Sama Jawa Tengah 2026");
        let (other, other_doc) = meeting_with_minutes(app, "Rakor Kerja Sama Jawa Tengah 2027");
        let url = |id: &str, doc: &str| format!("/v1/meetings/{id}/documents/{doc}");
        assert_downloaded_pdf(&app.get(&url(&id, &minutes)));
        let (_, semarang) = app.user("dl-semarang-m", "region_officer", Some("33.74"));
        let (_, banten) = app.user("dl-banten-m", "province_officer", Some("36"));
        assert_downloaded_pdf(&app.req("GET", &url(&id, &minutes)).bearer(&semarang).send());
        let random = "01938f6a-0000-7000-8000-00000000dead";
        let real = app.req("GET", &url(&id, &minutes)).bearer(&banten).send().problem(404, "not_found");
        let missing = app.req("GET", &url(random, &minutes)).bearer(&banten).send().problem(404, "not_found");
        assert_eq!(real["title"], missing["title"]);
        app.get(&url(&id, &other_doc)).problem(404, "not_found");
        app.get(&url(&other, &minutes)).problem(404, "not_found");
        app.get(&url(&id, random)).problem(404, "not_found");
    }
}
