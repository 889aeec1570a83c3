//! Region isolation, generated from the permission table in `domain/` (jalin_domain::access):
//! every role, and a regional service account holding each scope (issue #18), × {own region, a
//! regency under the own province, another province} × every region-scoped endpoint. Another
//! region's record is a 404, a missing permission a 403.

use std::fmt;

use jalin_domain::access::{Action, Principal, PrincipalKind, Role, Scope, Visibility};
use jalin_domain::RegionCode;
use jalin_tests::{on_both_databases, Resp, TestApp};
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

/// Who calls in the matrix: a user of a role, or a service account, as the domain sees it.
struct Who {
    label: String,
    principal: Principal,
}

impl Who {
    fn user(role: Role) -> Who {
        Who {
            label: role.to_string(),
            principal: Principal {
                id: String::new(),
                name: String::new(),
                kind: PrincipalKind::User { role },
                region: (!role.is_central()).then(|| code(HOME)),
            },
        }
    }

    /// A service account of the home province holding `scopes`.
    fn service_account(scopes: Vec<Action>) -> Who {
        let label = format!("a {HOME} service account holding {scopes:?}");
        Who {
            label,
            principal: Principal {
                id: String::new(),
                name: String::new(),
                kind: PrincipalKind::ServiceAccount { scopes },
                region: Some(code(HOME)),
            },
        }
    }

    fn scope_for(&self, action: Action) -> Option<Scope> {
        self.principal.scope(action)
    }

    fn is_central(&self) -> bool {
        self.principal.region.is_none()
    }

    /// A fiscal year of its own for the annual reports it starts.
    fn year(&self) -> i32 {
        match self.principal.kind {
            PrincipalKind::User { role } => {
                2019 + Role::ALL.iter().position(|r| *r == role).unwrap() as i32
            }
            PrincipalKind::ServiceAccount { .. } => 2019,
        }
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

fn expected(role: &Who, action: Action, target: Option<&str>) -> u16 {
    let region = role.principal.region.clone();
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

/// The status of a creation the permission table answers `status` for: 201 where it allows
/// the region, else 403 (a creation names no stored record that could be hidden as a 404).
fn created(status: u16) -> u16 {
    match status {
        200 => 201,
        _ => 403,
    }
}

/// The status of `action` on a record of `region`: 403 without the permission at all (nothing
/// leaks), 404 for a record the role cannot read, `done` where its scope reaches the region,
/// the scope's refusal otherwise.
fn on_record(role: &Who, action: Action, region: &str, done: u16) -> u16 {
    let read = expected(role, Action::ReadAgreements, Some(region));
    match (
        role.scope_for(action),
        read,
        expected(role, action, Some(region)),
    ) {
        (None, _, _) => 403,
        (Some(_), 404, _) => 404,
        (Some(_), _, 200) => done,
        (Some(_), _, other) => other,
    }
}

/// Sends `method path` with `body` as `token`, with `If-Match` the ETag the admin reads at
/// `tagged` (when given).
fn send(
    app: &TestApp,
    token: &str,
    (method, path): (&str, &str),
    tagged: Option<&str>,
    body: &serde_json::Value,
) -> Resp {
    let mut req = app.req(method, path).bearer(token);
    if let Some(read) = tagged {
        req = req.header("If-Match", &app.etag(read));
    }
    req.json(body).send()
}

/// Whether the list `got` answered holds, in its array `key`, an element whose `field` is
/// `value`.
fn listed(got: &Resp, key: &str, field: &str, value: &str) -> bool {
    got.json()[key]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e[field] == value)
}

/// Asserts `got` answered `want`; `what` says who did what where.
#[track_caller]
fn assert_status(got: &Resp, want: u16, what: String) {
    assert_eq!(got.status, want, "{what}: {}", got.body);
}

/// An agreement placed in a region, with the body that created it.
struct AgreementTarget {
    id: String,
    region: &'static str,
    body: serde_json::Value,
    /// A draft evaluation, the action plan and a fiscal-2025 annual report in the same region.
    evaluation: String,
    report: String,
    /// A drafted travel request of the same region.
    travel: String,
    /// A draft good practice and a meeting organised by the same region.
    practice: String,
    meeting: String,
    /// A webhook endpoint subscribed for the same region.
    endpoint: String,
}

fn practice_body(region: &str) -> serde_json::Value {
    json!({"region_code": region, "title": "Praktik baik", "context": "Konteks", "actions": "Tindakan",
        "results": "Hasil", "lessons": "Pelajaran"})
}

fn meeting_body(region: Option<&str>) -> serde_json::Value {
    json!({"kind": "coordination_meeting", "title": "Rapat koordinasi", "starts_on": "2026-03-10", "place": "Semarang",
        "organiser": "Biro", "region_code": region,
        "recommendations": [{"number": 1, "text": "Susun rencana aksi", "owner_region_code": region, "due_on": "2030-01-01"}]})
}

fn travel_body(region: &str) -> serde_json::Value {
    json!({"region_code": region, "trip_type": "official", "purpose": "Kunjungan kerja",
        "destinations": [{"country": "AU", "city": "Brisbane"}], "departs_on": "2030-03-01", "returns_on": "2030-03-05",
        "funding": {"source": "apbd"},
        "travellers": [{"category": "civil_servant", "name": "Pegawai", "position": "Analis", "nip": "199001012015031001"}]})
}

/// Every answer of the default instrument: a complete evaluation.
pub fn full_answers() -> serde_json::Value {
    let ind = [
        "benefits",
        "benefits_people",
        "programmes",
        "plan_fit",
        "objectives",
        "obstacles",
        "continue",
        "commitment",
    ];
    let crit = [
        "equal_standing",
        "mutual_benefit",
        "political_stability",
        "sovereignty",
        "environment",
        "gender",
        "law",
    ];
    json!({
        "period_start": "2024-01-01", "period_end": "2024-12-31",
        "indicators": ind.iter().map(|k| (k.to_string(), json!({"value": 3}))).collect::<serde_json::Map<_, _>>(),
        "criteria": crit.iter().map(|k| (k.to_string(), json!({"passed": true}))).collect::<serde_json::Map<_, _>>(),
    })
}

/// A submitted evaluation of `agreement`, made by the admin; its id and ETag.
fn submitted_evaluation(app: &TestApp, agreement: &str) -> (String, String) {
    let r = app
        .req("POST", &format!("/v1/agreements/{agreement}/evaluations"))
        .json(&full_answers())
        .send();
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let s = app
        .req("POST", &format!("/v1/evaluations/{id}/submit"))
        .header("If-Match", r.header("etag").unwrap())
        .send();
    assert_eq!(s.status, 200, "{}", s.body);
    (id, s.header("etag").unwrap().to_owned())
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
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let plan = app.req("PUT", &format!("/v1/agreements/{id}/action-plan"))
            .json(&json!({"kind": "action_plan", "title": "Rencana aksi", "items": [{"key": "2025-01", "year": 2025, "what": "Pelatihan", "who": "Dinas"}]}))
            .send();
        assert_eq!(plan.status, 201, "{}", plan.body);
        let e = app
            .req("POST", &format!("/v1/agreements/{id}/evaluations"))
            .json(&json!({"period_start": "2025-01-01", "period_end": "2025-12-31"}))
            .send();
        assert_eq!(e.status, 201, "{}", e.body);
        let rep = app
            .req("POST", "/v1/annual-reports")
            .json(&json!({"region_code": region, "fiscal_year": 2025}))
            .send();
        assert_eq!(rep.status, 201, "{}", rep.body);
        let trip = app
            .req("POST", "/v1/travel-requests")
            .json(&travel_body(region))
            .send();
        assert_eq!(trip.status, 201, "{}", trip.body);
        let practice = app
            .req("POST", "/v1/good-practices")
            .json(&practice_body(region))
            .send();
        assert_eq!(practice.status, 201, "{}", practice.body);
        let meeting = app
            .req("POST", "/v1/meetings")
            .json(&meeting_body(Some(region)))
            .send();
        assert_eq!(meeting.status, 201, "{}", meeting.body);
        let endpoint = app
            .req("POST", "/v1/webhook-endpoints")
            .json(&json!({"url": "https://hooks.example.org/jalin", "event_types": ["agreement.*"], "region_code": region}))
            .send();
        assert_eq!(endpoint.status, 201, "{}", endpoint.body);
        out.push(AgreementTarget {
            id,
            region,
            body,
            evaluation: e.json()["id"].as_str().unwrap().to_owned(),
            report: rep.json()["id"].as_str().unwrap().to_owned(),
            travel: trip.json()["id"].as_str().unwrap().to_owned(),
            practice: practice.json()["id"].as_str().unwrap().to_owned(),
            meeting: meeting.json()["id"].as_str().unwrap().to_owned(),
            endpoint: endpoint.json()["id"].as_str().unwrap().to_owned(),
        });
    }
    out
}

/// Checks every action, or only `only`.
fn check(
    app: &TestApp,
    role: &Who,
    token: &str,
    targets: &[(String, &str)],
    agreements: &[AgreementTarget],
    only: Option<Action>,
) {
    for action in Action::ALL.iter().filter(|a| only.is_none_or(|o| o == **a)) {
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
                        let listed = listed(&list, "items", "id", id);
                        assert_eq!(listed, want == 200, "{role} lists a user in {region}");
                    }
                    if want == 404 {
                        got.problem(404, "not_found");
                    }
                }
            }
            Action::ManageUsers => {
                for (id, region) in targets {
                    let path = format!("/v1/users/{id}");
                    let body = json!({"display_name": format!("renamed by {role}")});
                    let got = send(app, token, ("PATCH", &path), Some(&path), &body);
                    let want = expected(role, *action, Some(region));
                    assert_status(&got, want, format!("{role} changes a user in {region}"));
                }
            }
            Action::ManageCalendar => {
                // An empty year: refused (422) for whoever may load one, 403 for the others.
                let s = app
                    .req("PUT", "/v1/calendar/years/2100")
                    .bearer(token)
                    .json(&serde_json::json!({"source_note": "test", "days": []}))
                    .send()
                    .status;
                let allowed = expected(role, *action, None) != 403;
                assert_eq!(s, if allowed { 422 } else { 403 }, "{role} {action}");
            }
            Action::ManageLetterTemplates => {
                // A template naming an unknown field: refused (422) for whoever may replace
                // one (after the If-Match check), 403 for the others.
                let s = app
                    .req("PUT", "/v1/letter-templates/dprd_approval")
                    .bearer(token)
                    .header("If-Match", "*")
                    .json(&json!({"subject": "{{nope}}", "addressee": "DPRD", "body": "Isi"}))
                    .send()
                    .status;
                let allowed = expected(role, *action, None) != 403;
                assert_eq!(s, if allowed { 422 } else { 403 }, "{role} {action}");
            }
            Action::ManageRegionalCalendar => {
                // A day outside the year: refused (422) where the role may load a region's days,
                // 404 for a region outside its reach, 403 without the permission.
                for (what, region) in TARGETS {
                    let s = app
                        .req("PUT", &format!("/v1/calendar/regions/{region}/years/2100"))
                        .bearer(token)
                        .json(&json!({"source_note": "test", "days": [{"date": "2099-01-01", "name_id": "Uji"}]}))
                        .send()
                        .status;
                    let want = match expected(role, *action, Some(region)) {
                        200 => 422,
                        other => other,
                    };
                    assert_eq!(s, want, "{role} loads the days off of {what}");
                }
            }
            Action::ManageServiceAccounts => {
                let s = app
                    .req("GET", "/v1/service-accounts")
                    .bearer(token)
                    .send()
                    .status;
                assert_eq!(s, expected(role, *action, None), "{role} {action}");
                // Only with a scope it holds itself; in a region it reaches; a national account
                // only from a national grantor.
                let create = |region: Option<&str>| {
                    app.req("POST", "/v1/service-accounts")
                        .bearer(token)
                        .json(&json!({"name": format!("by {role}"), "scopes": ["service_accounts:write"], "region_code": region}))
                        .send()
                        .status
                };
                for t in agreements {
                    assert_eq!(
                        create(Some(t.region)),
                        created(expected(role, *action, Some(t.region))),
                        "{role} creates a service account in {}",
                        t.region
                    );
                }
                let national = role.scope_for(*action) == Some(Scope::All);
                assert_eq!(
                    create(None),
                    if national { 201 } else { 403 },
                    "{role} creates a national service account"
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
                    for path in [
                        format!("/v1/agreements/{}/action-plan", t.id),
                        format!("/v1/agreements/{}/evaluations", t.id),
                        format!("/v1/evaluations/{}", t.evaluation),
                        format!("/v1/annual-reports/{}", t.report),
                        format!("/v1/travel-requests/{}", t.travel),
                        format!("/v1/good-practices/{}", t.practice),
                        format!("/v1/meetings/{}", t.meeting),
                    ] {
                        let got = app.req("GET", &path).bearer(token).send();
                        assert_eq!(
                            got.status, want,
                            "{role} reads {path} in {}: {}",
                            t.region, got.body
                        );
                    }
                    let reports = app
                        .req("GET", "/v1/annual-reports?limit=100")
                        .bearer(token)
                        .send();
                    let stats = app.req("GET", "/v1/stats/overview").bearer(token).send();
                    let compliance = app
                        .req("GET", "/v1/annual-reports/compliance?fiscal_year=2025")
                        .bearer(token)
                        .send();
                    if want == 403 {
                        assert_eq!(reports.status, 403);
                        assert_eq!(stats.status, 403);
                        assert_eq!(compliance.status, 403);
                    } else {
                        assert_eq!(
                            listed(&reports, "items", "id", &t.report),
                            want == 200,
                            "{role} lists the report of {}",
                            t.region
                        );
                        let counted =
                            stats.json()["by_region"]
                                .as_object()
                                .unwrap()
                                .keys()
                                .any(|k| {
                                    k == t.region
                                        || (role.is_central()
                                            && t.region.starts_with(k.as_str())
                                            && k.len() == 2)
                                });
                        assert_eq!(
                            counted,
                            want == 200,
                            "{role} counts {} in the overview: {}",
                            t.region,
                            stats.body
                        );
                        assert_eq!(
                            listed(&compliance, "regions", "region_code", t.region),
                            want == 200,
                            "{role} sees the report state of {}",
                            t.region
                        );
                    }
                    if want == 403 {
                        assert_eq!(list.status, 403);
                    } else {
                        assert_eq!(
                            listed(&list, "items", "id", &t.id),
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
                    let path = format!("/v1/agreements/{}", t.id);
                    let mut body = t.body.clone();
                    body["title_en"] = json!(format!("changed by {role}"));
                    let got = send(app, token, ("PUT", &path), Some(&path), &body);
                    let what = format!("{role} changes an agreement in {}", t.region);
                    assert_status(&got, want, what);
                    let mut new = t.body.clone();
                    new["title_id"] = json!(format!("new by {role}"));
                    let got = send(app, token, ("POST", "/v1/agreements"), None, &new);
                    let what = format!("{role} creates an agreement in {}", t.region);
                    assert_status(&got, created(want), what);
                }
            }
            Action::VerifyAgreements => {
                // R23: central only; the targets are drafts, so a permitted verifier meets the
                // lifecycle's 409, anyone else the 403.
                for t in agreements {
                    let want = match expected(role, *action, Some(t.region)) {
                        200 => 409,
                        other => other,
                    };
                    let (read, path) = (
                        format!("/v1/agreements/{}", t.id),
                        format!("/v1/agreements/{}/verification", t.id),
                    );
                    let body = json!({"outcome": "verified"});
                    let got = send(app, token, ("POST", &path), Some(&read), &body);
                    let what = format!("{role} verifies an agreement in {}", t.region);
                    assert_status(&got, want, what);
                }
            }
            Action::WriteActivities => {
                for t in agreements {
                    // Without the permission at all: 403 everywhere (nothing leaks). With it, another
                    // region's agreement is a 404, and a readable one outside the write scope a 403.
                    let want = on_record(role, *action, t.region, 201);
                    let path = format!("/v1/agreements/{}/activities", t.id);
                    let body = json!({"kind": "training", "title": format!("by {role}"), "starts_on": "2025-05-05"});
                    let got = send(app, token, ("POST", &path), None, &body);
                    assert_status(
                        &got,
                        want,
                        format!("{role} logs an activity in {}", t.region),
                    );
                }
            }
            Action::WriteEvaluations => {
                for t in agreements {
                    let want = on_record(role, *action, t.region, 201);
                    let path = format!("/v1/agreements/{}/evaluations", t.id);
                    let body = json!({"period_start": "2025-01-01", "period_end": "2025-06-30"});
                    let got = send(app, token, ("POST", &path), None, &body);
                    let what = format!("{role} starts an evaluation in {}", t.region);
                    assert_status(&got, want, what);
                }
            }
            Action::VerifyEvaluations => {
                for t in agreements {
                    let (id, etag) = submitted_evaluation(app, &t.id);
                    let own_region = (!role.is_central()).then(|| code(HOME));
                    let verifier =
                        jalin_domain::evaluation::may_verify(own_region.as_ref(), &code(t.region));
                    let want = on_record(role, *action, t.region, if verifier { 200 } else { 409 });
                    let got = app
                        .req("POST", &format!("/v1/evaluations/{id}/verify"))
                        .bearer(token)
                        .header("If-Match", &etag)
                        .json(&json!({}))
                        .send();
                    let what = format!("{role} verifies an evaluation in {}", t.region);
                    assert_status(&got, want, what);
                }
            }
            Action::WriteReports => {
                // A fiscal year per role, so one role's report does not collide with another's.
                let year = role.year();
                for t in agreements {
                    let want = created(expected(role, *action, Some(t.region)));
                    let body = json!({"region_code": t.region, "fiscal_year": year});
                    let got = send(app, token, ("POST", "/v1/annual-reports"), None, &body);
                    let what = format!("{role} starts a {year} report for {}", t.region);
                    assert_status(&got, want, what);
                }
            }
            Action::WriteTravel => {
                for t in agreements {
                    let want = created(expected(role, *action, Some(t.region)));
                    let body = travel_body(t.region);
                    let got = send(app, token, ("POST", "/v1/travel-requests"), None, &body);
                    assert_status(&got, want, format!("{role} drafts a trip for {}", t.region));
                }
            }
            Action::ReadTravellers => {
                for t in agreements {
                    let got = app
                        .req("GET", &format!("/v1/travel-requests/{}", t.travel))
                        .bearer(token)
                        .send();
                    let read = expected(role, Action::ReadAgreements, Some(t.region));
                    assert_eq!(got.status, read, "{role} reads a trip in {}", t.region);
                    if read == 200 {
                        let shown = expected(role, *action, Some(t.region)) == 200;
                        assert_eq!(
                            got.json()["travellers"][0]["nip"].is_string(),
                            shown,
                            "{role} sees NIPs in {}",
                            t.region
                        );
                    }
                }
            }
            Action::RecommendTravel | Action::RecordTravelDecisions => {
                // The permission gate comes first; past it, a draft can be neither recommended nor
                // decided (409), so the matrix changes nothing.
                let body = if *action == Action::RecommendTravel {
                    json!({"action": "recommend", "letter_number": "1", "letter_date": "2030-01-01"})
                } else {
                    json!({"action": "record_decision", "system": "siola", "decision": "granted", "letter_number": "1", "letter_date": "2030-01-01", "document_id": "none"})
                };
                let done = if *action == Action::RecommendTravel {
                    409
                } else {
                    422
                };
                for t in agreements {
                    let want = on_record(role, *action, t.region, done);
                    let read = format!("/v1/travel-requests/{}", t.travel);
                    let path = format!("{read}/actions");
                    let got = send(app, token, ("POST", &path), Some(&read), &body);
                    assert_status(&got, want, format!("{role} {action} in {}", t.region));
                }
            }
            Action::WriteMeetings => {
                for t in agreements {
                    let want = created(expected(role, *action, Some(t.region)));
                    let body = meeting_body(Some(t.region));
                    let got = send(app, token, ("POST", "/v1/meetings"), None, &body);
                    let what = format!("{role} records a meeting of {}", t.region);
                    assert_status(&got, want, what);
                }
                let central = app
                    .req("POST", "/v1/meetings")
                    .bearer(token)
                    .json(&meeting_body(None))
                    .send()
                    .status;
                let want = if role.scope_for(*action) == Some(jalin_domain::access::Scope::All) {
                    201
                } else {
                    403
                };
                assert_eq!(central, want, "{role} records a central meeting");
            }
            Action::PublishPractices => {
                // Past the permission gate a draft cannot be published (409): nothing changes.
                for t in agreements {
                    let want = on_record(role, *action, t.region, 409);
                    let read = format!("/v1/good-practices/{}", t.practice);
                    let path = format!("{read}/actions");
                    let body = json!({"action": "publish"});
                    let got = send(app, token, ("POST", &path), Some(&read), &body);
                    let what = format!("{role} publishes a practice of {}", t.region);
                    assert_status(&got, want, what);
                }
            }
            Action::ManageIntegrations => {
                let s = app
                    .req("GET", "/v1/integrations/deliveries")
                    .bearer(token)
                    .send()
                    .status;
                assert_eq!(s, expected(role, *action, None), "{role} reads deliveries");
                let s = app
                    .req("GET", "/v1/webhook-endpoints")
                    .bearer(token)
                    .send()
                    .status;
                assert_eq!(
                    s,
                    expected(role, *action, None),
                    "{role} reads webhook endpoints"
                );
                for t in agreements {
                    let got = app
                        .req("GET", &format!("/v1/webhook-endpoints/{}", t.endpoint))
                        .bearer(token)
                        .send()
                        .status;
                    assert_eq!(
                        got,
                        expected(role, *action, Some(t.region)),
                        "{role} reads the webhook endpoint of {}",
                        t.region
                    );
                }
            }
            Action::CallbackSiola | Action::CallbackSimpel | Action::CallbackExitPermit => {
                // Only the system's service account holds these; no user role does.
                let system = match action {
                    Action::CallbackSiola => "siola",
                    Action::CallbackSimpel => "simpel",
                    _ => "exit-permit",
                };
                let s = app
                    .req("POST", &format!("/v1/integrations/{system}/callbacks"))
                    .bearer(token)
                    .json(&json!({"type": "permit.decided", "travel_request_id": "x"}))
                    .send()
                    .status;
                assert_eq!(
                    s,
                    expected(role, *action, None),
                    "{role} posts a {system} callback"
                );
                assert_eq!(s, 403);
            }
            Action::WritePartners => {
                let body = json!({"name": format!("Partner by {role}"), "kind": "foreign_university", "country": "JP"});
                let got = send(app, token, ("POST", "/v1/partners"), None, &body);
                let want = created(expected(role, *action, None));
                assert_status(&got, want, format!("{role} registers a partner"));
            }
            Action::ReadAudit => {
                for path in ["/v1/audit-events", "/v1/audit-events/verify"] {
                    let s = app.req("GET", path).bearer(token).send().status;
                    assert_eq!(s, expected(role, *action, None), "{role} {path}");
                }
                for t in agreements {
                    let want = expected(role, *action, Some(t.region));
                    let got = app
                        .req("GET", &format!("/v1/audit-events?record_id={}", t.id))
                        .bearer(token)
                        .send();
                    if want == 403 {
                        assert_eq!(got.status, 403);
                    } else {
                        let listed = !got.json()["items"].as_array().unwrap().is_empty();
                        assert_eq!(
                            listed,
                            want == 200,
                            "{role} reads the audit events of {}",
                            t.region
                        );
                    }
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
            check(app, &Who::user(*role), &token, &targets, &agreements, None);
        }
    }

    /// Issue #18: a regional service account is bounded like a user — for every scope it may
    /// hold, its own region and the regencies under it, never another province (and a
    /// national-only scope not at all).
    fn region_isolation_bounds_a_regional_service_account_in_every_scope(app) {
        let targets: Vec<(String, &str)> = TARGETS
            .iter()
            .map(|(_, region)| {
                let name = format!("target-{}", region.replace('.', "-"));
                (app.user(&name, "viewer", Some(region)).0, *region)
            })
            .collect();
        let agreements = agreement_targets(app);
        for action in Action::ALL {
            // Each scope with `agreements:read` and `reference:read`, as every role holds them:
            // writing a record starts with reading it, and with `users:write` a credential
            // changes only users holding no more than itself (the viewers targeted here).
            let mut scopes = vec![*action, Action::ReadAgreements, Action::ReadReference];
            scopes.sort();
            scopes.dedup();
            let r = app.req("POST", "/v1/service-accounts")
                .json(&json!({"name": format!("holding {action}"), "scopes": scopes, "region_code": HOME})).send();
            assert_eq!(r.status, 201, "{}", r.body);
            let c = r.json();
            let t = app.req("POST", "/v1/auth/token").anonymous()
                .json(&json!({"grant_type": "client_credentials", "client_id": c["client_id"], "client_secret": c["client_secret"]})).send();
            assert_eq!(t.status, 200, "{}", t.body);
            let token = t.json()["access_token"].as_str().unwrap().to_owned();
            let who = Who::service_account(scopes);
            check(app, &who, &token, &targets, &agreements, Some(*action));
            // Any scope it does not hold is a 403.
            let other = if *action == Action::ReadUsers { Action::ReadAudit } else { Action::ReadUsers };
            check(app, &who, &token, &targets, &agreements, Some(other));
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
    /// A script holding `users:write` (and what a viewer holds) cannot mint an administrator,
    /// nor place users outside its region.
    fn a_service_account_cannot_grant_central_roles_or_leave_its_region(app) {
        let r = app.req("POST", "/v1/service-accounts")
            .json(&json!({"name": "Jateng provisioning", "scopes": ["users:write", "users:read", "reference:read", "agreements:read"], "region_code": "33"})).send();
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
