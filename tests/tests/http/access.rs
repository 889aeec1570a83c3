//! Region isolation, generated from the permission table in `domain/` (jalin_domain::access):
//! every role × {own region, a regency under the own province, another province} × every
//! region-scoped endpoint. Another region's record is a 404, a missing permission a 403.

use jalin_domain::access::{Action, Role, Visibility};
use jalin_domain::RegionCode;
use jalin_tests::{on_both_databases, TestApp};
use serde_json::json;

const HOME: &str = "33";
const TARGETS: [(&str, &str); 3] = [
    ("own region", "33"),
    ("a regency under the own province", "33.01"),
    ("another province", "36"),
];

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn expected(role: Role, action: Action, target: Option<&str>) -> u16 {
    let region = (!role.is_central()).then(|| code(HOME));
    match role.scope_for(action) {
        None => 403,
        Some(scope) => {
            let visible = Visibility::new(scope, region.as_ref())
                .is_some_and(|v| target.is_none() || v.includes(target.map(code).as_ref()));
            if visible {
                200
            } else {
                404
            }
        }
    }
}

/// An agreement placed in a region, with the body that created it.
struct AgreementTarget {
    id: String,
    region: &'static str,
    body: serde_json::Value,
}

fn agreement_targets(app: &TestApp) -> Vec<AgreementTarget> {
    let mut out = Vec::new();
    for (_, region) in TARGETS {
        let level = if region.contains('.') {
            "city"
        } else {
            "state"
        };
        let subtype = if region.contains('.') {
            "sister_city"
        } else {
            "sister_province"
        };
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": format!("Partner of {region}"), "kind": "foreign_local_government", "level": level, "country": "AU"}))
            .send();
        assert_eq!(p.status, 201, "{}", p.body);
        let body = json!({
            "region_code": region, "subtype": subtype, "instrument": "mou", "partner_ids": [p.json()["id"]],
            "title_id": format!("Kerja sama {region}"), "objects": ["cultural_exchange"], "languages": ["id", "en"]
        });
        let r = app.req("POST", "/v1/agreements").json(&body).send();
        assert_eq!(r.status, 201, "{}", r.body);
        out.push(AgreementTarget {
            id: r.json()["id"].as_str().unwrap().to_owned(),
            region,
            body,
        });
    }
    out
}

fn check(
    app: &TestApp,
    role: Role,
    token: &str,
    targets: &[(String, &str)],
    agreements: &[AgreementTarget],
) {
    for action in Action::ALL {
        match action {
            Action::ReadReference => {
                let s = app
                    .req("GET", "/v1/regions/33.74")
                    .bearer(token)
                    .send()
                    .status;
                assert_eq!(s, expected(role, *action, None), "{role} {action}");
            }
            Action::ReadUsers => {
                let list = app.req("GET", "/v1/users?limit=100").bearer(token).send();
                for (id, region) in targets {
                    let want = expected(role, *action, Some(region));
                    let got = app
                        .req("GET", &format!("/v1/users/{id}"))
                        .bearer(token)
                        .send();
                    assert_eq!(
                        got.status, want,
                        "{role} reads a user in {region}: {}",
                        got.body
                    );
                    if want == 403 {
                        got.problem(403, "forbidden");
                        assert_eq!(list.status, 403);
                    } else {
                        let listed = list.json()["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|u| u["id"] == id.as_str());
                        assert_eq!(listed, want == 200, "{role} lists a user in {region}");
                    }
                    if want == 404 {
                        got.problem(404, "not_found");
                    }
                }
            }
            Action::ManageUsers => {
                for (id, region) in targets {
                    let want = expected(role, *action, Some(region));
                    let etag = app
                        .get(&format!("/v1/users/{id}"))
                        .header("etag")
                        .unwrap()
                        .to_owned();
                    let got = app
                        .req("PATCH", &format!("/v1/users/{id}"))
                        .bearer(token)
                        .header("If-Match", &etag)
                        .json(&json!({"display_name": format!("renamed by {role}")}))
                        .send();
                    assert_eq!(
                        got.status, want,
                        "{role} changes a user in {region}: {}",
                        got.body
                    );
                }
            }
            Action::ManageServiceAccounts => {
                let s = app
                    .req("GET", "/v1/service-accounts")
                    .bearer(token)
                    .send()
                    .status;
                assert_eq!(s, expected(role, *action, None), "{role} {action}");
                let s = app
                    .req("POST", "/v1/service-accounts")
                    .bearer(token)
                    .json(&json!({"name": format!("by {role}"), "scopes": ["reference:read"]}))
                    .send()
                    .status;
                assert_eq!(
                    s,
                    if expected(role, *action, None) == 200 {
                        201
                    } else {
                        403
                    },
                    "{role} creates a service account"
                );
            }
            Action::ReadAgreements => {
                let list = app
                    .req("GET", "/v1/agreements?limit=100")
                    .bearer(token)
                    .send();
                for t in agreements {
                    let want = expected(role, *action, Some(t.region));
                    let got = app
                        .req("GET", &format!("/v1/agreements/{}", t.id))
                        .bearer(token)
                        .send();
                    assert_eq!(
                        got.status, want,
                        "{role} reads an agreement in {}: {}",
                        t.region, got.body
                    );
                    if want == 403 {
                        assert_eq!(list.status, 403);
                    } else {
                        let listed = list.json()["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|a| a["id"] == t.id.as_str());
                        assert_eq!(
                            listed,
                            want == 200,
                            "{role} lists an agreement in {}",
                            t.region
                        );
                    }
                }
            }
            Action::WriteAgreements => {
                for t in agreements {
                    let want = expected(role, *action, Some(t.region));
                    let etag = app
                        .get(&format!("/v1/agreements/{}", t.id))
                        .header("etag")
                        .unwrap()
                        .to_owned();
                    let mut body = t.body.clone();
                    body["title_en"] = json!(format!("changed by {role}"));
                    let got = app
                        .req("PUT", &format!("/v1/agreements/{}", t.id))
                        .bearer(token)
                        .header("If-Match", &etag)
                        .json(&body)
                        .send();
                    assert_eq!(
                        got.status, want,
                        "{role} changes an agreement in {}: {}",
                        t.region, got.body
                    );
                    let mut new = t.body.clone();
                    new["title_id"] = json!(format!("new by {role}"));
                    let created = app
                        .req("POST", "/v1/agreements")
                        .bearer(token)
                        .json(&new)
                        .send()
                        .status;
                    let want_create = match want {
                        200 => 201,
                        _ => 403,
                    };
                    assert_eq!(
                        created, want_create,
                        "{role} creates an agreement in {}",
                        t.region
                    );
                }
            }
            Action::WriteActivities => {
                for t in agreements {
                    let want = expected(role, *action, Some(t.region));
                    let read = expected(role, Action::ReadAgreements, Some(t.region));
                    // Without the permission at all: 403 everywhere (nothing leaks). With it, another
                    // region's agreement is a 404, and a readable one outside the write scope a 403.
                    let want = match (role.scope_for(*action), read, want) {
                        (None, _, _) => 403,
                        (Some(_), 404, _) => 404,
                        (Some(_), _, 200) => 201,
                        (Some(_), _, other) => other,
                    };
                    let got = app.req("POST", &format!("/v1/agreements/{}/activities", t.id)).bearer(token)
                        .json(&json!({"kind": "training", "title": format!("by {role}"), "starts_on": "2025-05-05"})).send();
                    assert_eq!(
                        got.status, want,
                        "{role} logs an activity in {}: {}",
                        t.region, got.body
                    );
                }
            }
            Action::WritePartners => {
                let s = app.req("POST", "/v1/partners").bearer(token)
                    .json(&json!({"name": format!("Partner by {role}"), "kind": "foreign_university", "country": "JP"})).send().status;
                assert_eq!(
                    s,
                    if expected(role, *action, None) == 200 {
                        201
                    } else {
                        403
                    },
                    "{role} registers a partner"
                );
            }
            Action::ReadAudit => {
                for path in ["/v1/audit-events", "/v1/audit-events/verify"] {
                    let s = app.req("GET", path).bearer(token).send().status;
                    assert_eq!(s, expected(role, *action, None), "{role} {path}");
                }
            }
        }
    }
}

on_both_databases! {
    fn region_isolation_follows_the_permission_table_for_every_role(app) {
        let targets: Vec<(String, &str)> = TARGETS
            .iter()
            .map(|(label, region)| {
                let name = format!("target-{}", region.replace('.', "-"));
                let _ = label;
                (app.user(&name, "viewer", Some(region)).0, *region)
            })
            .collect();
        let agreements = agreement_targets(app);
        for role in Role::ALL {
            let region = (!role.is_central()).then_some(HOME);
            let (_, token) = app.user(&format!("as-{}", role.as_str().replace('_', "-")), role.as_str(), region);
            check(app, *role, &token, &targets, &agreements);
        }
    }

    /// The table's key promises, stated plainly (the matrix above follows the table itself).
    fn a_province_officer_reads_its_regencies_but_not_another_province(app) {
        let (in_regency, _) = app.user("staff-cilacap", "viewer", Some("33.01"));
        let (in_banten, _) = app.user("staff-banten", "viewer", Some("36"));
        let (_, officer) = app.user("biro-jateng", "province_officer", Some("33"));
        assert_eq!(app.req("GET", &format!("/v1/users/{in_regency}")).bearer(&officer).send().status, 200);
        app.req("GET", &format!("/v1/users/{in_banten}")).bearer(&officer).send().problem(404, "not_found");
        let (_, region_officer) = app.user("bagian-ks-semarang", "region_officer", Some("33.74"));
        app.req("GET", &format!("/v1/users/{in_regency}")).bearer(&region_officer).send().problem(403, "forbidden");
    }

    /// A regional service account stays in its region's subtree.
    fn a_regional_service_account_sees_only_its_subtree(app) {
        let (in_regency, _) = app.user("sa-target-cilacap", "viewer", Some("33.01"));
        let (in_banten, _) = app.user("sa-target-banten", "viewer", Some("36"));
        let r = app.req("POST", "/v1/service-accounts")
            .json(&json!({"name": "Jateng script", "scopes": ["users:read"], "region_code": "33"})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let c = r.json();
        let t = app.req("POST", "/v1/auth/token").anonymous()
            .json(&json!({"grant_type": "client_credentials", "client_id": c["client_id"], "client_secret": c["client_secret"]})).send();
        let token = t.json()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.req("GET", &format!("/v1/users/{in_regency}")).bearer(&token).send().status, 200);
        app.req("GET", &format!("/v1/users/{in_banten}")).bearer(&token).send().problem(404, "not_found");
    }
}

on_both_databases! {
    /// A script holding `users:write` cannot mint an administrator, nor place users outside its
    /// region.
    fn a_service_account_cannot_grant_central_roles_or_leave_its_region(app) {
        let r = app.req("POST", "/v1/service-accounts")
            .json(&json!({"name": "Jateng provisioning", "scopes": ["users:write", "users:read"], "region_code": "33"})).send();
        let c = r.json();
        let t = app.req("POST", "/v1/auth/token").anonymous()
            .json(&json!({"grant_type": "client_credentials", "client_id": c["client_id"], "client_secret": c["client_secret"]})).send();
        let token = t.json()["access_token"].as_str().unwrap().to_owned();
        let body = |name: &str, role: &str, region: Option<&str>| json!({
            "username": name, "display_name": name, "password": "a long passphrase here", "role": role, "region_code": region
        });
        let ok = app.req("POST", "/v1/users").bearer(&token).json(&body("made-by-script", "viewer", Some("33.01"))).send();
        assert_eq!(ok.status, 201, "{}", ok.body);
        app.req("POST", "/v1/users").bearer(&token).json(&body("script-admin", "admin", None)).send()
            .problem(403, "forbidden");
        app.req("POST", "/v1/users").bearer(&token).json(&body("in-banten", "viewer", Some("36"))).send()
            .problem(403, "forbidden");
    }
}
