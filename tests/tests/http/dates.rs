//! Item 9 of the legal core: every date the API accepts is `YYYY-MM-DD` with a year from 1900
//! to 2200, read through one type (`jalin_domain::Date`). chrono alone would read `24-02-01` as
//! the year 24 and accept year 0 or `+002024-01-01`; a deadline computed from such a date is
//! silently wrong, so each is a 422 `invalid_date` in both languages — never a 500.

use jalin_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};

/// Dates no civil servant means, each refused.
const NOT_DATES: [&str; 8] = [
    "24-02-01",
    "+002024-01-01",
    "-0001-01-01",
    "0000-01-01",
    "0001-01-01",
    "1899-12-31",
    "2201-01-01",
    "2025-02-29",
];

fn travel(departs_on: &str) -> Value {
    json!({"region_code": "33", "trip_type": "official", "purpose": "Rapat kerja sama pendidikan",
        "destinations": [{"country": "AU", "city": "Brisbane"}], "departs_on": departs_on,
        "returns_on": "2027-03-05", "funding": {"source": "apbd"},
        "travellers": [{"category": "civil_servant", "name": "Drs. Sumarno", "position": "Sekretaris Daerah",
                        "nip": "196805121990031007", "passport_number": "C1234567"}]})
}

fn body_issue(app: &TestApp, path: &str, body: &Value) -> Value {
    let p = app
        .req("POST", path)
        .json(body)
        .send()
        .problem(422, "validation_failed");
    p["errors"][0].clone()
}

on_both_databases! {
    /// A query parameter that is not a sane date names the parameter and says why.
    fn query_dates_outside_1900_to_2200_or_not_iso_are_refused(app) {
        for bad in NOT_DATES {
            let q = bad.replace('+', "%2B");
            let p = app.get(&format!("/v1/calendar/working-days?from={q}&add=7")).problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["parameter"], "from", "{bad:?}: {p}");
            assert_eq!(p["errors"][0]["code"], "invalid_date", "{bad:?}: {p}");
        }
        // The sane ones still work, and the bounds are the calendar's, not the parser's.
        app.get_ok("/v1/calendar/working-days?from=2024-12-31&add=7");
        app.get("/v1/calendar/working-days?from=1900-01-01&add=1").problem(422, "calendar_out_of_range");
    }

    /// In a JSON body the problem points at the field, in English or Indonesian.
    fn body_dates_are_refused_with_a_pointer_in_both_languages(app) {
        for bad in NOT_DATES {
            let e = body_issue(app, "/v1/travel-requests", &travel(bad));
            assert_eq!(e["pointer"], "/departs_on", "{bad:?}: {e}");
            assert_eq!(e["code"], "invalid_date", "{bad:?}: {e}");
        }
        let p = app.req("POST", "/v1/travel-requests").header("Accept-Language", "id")
            .json(&travel("24-02-01")).send().problem(422, "validation_failed");
        let msg = p["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
        assert!(msg.contains("tanggal tidak valid") && msg.contains("TTTT-BB-HH"), "{p}");
        let p = app.req("POST", "/v1/travel-requests").json(&travel("0001-01-01")).send().problem(422, "validation_failed");
        let msg = p["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
        assert!(msg.contains("1900-01-01") && msg.contains("2200-12-31"), "{p}");
    }

    /// A hostile value (a megabyte of digits, control characters) is refused briefly, not echoed.
    fn a_hostile_date_is_a_short_422_not_a_500(app) {
        let e = body_issue(app, "/v1/travel-requests", &travel(&"9".repeat(100_000)));
        assert_eq!(e["code"], "invalid_date");
        assert!(e.to_string().len() < 1_000, "{e}");
    }

    /// A NUL byte in a date is refused like a NUL byte anywhere (#18 item 4): `invalid_text`,
    /// 400 in the query string and 422 with a pointer in a body — checked before the date is.
    fn a_nul_byte_in_a_date_is_invalid_text(app) {
        let p = app.get("/v1/calendar/working-days?from=2024-01-01%00&add=7").problem(400, "invalid_text");
        assert_eq!(p["errors"][0]["parameter"], "from", "{p}");
        let p = app.req("POST", "/v1/travel-requests").json(&travel("2024-01-01\u{0}\u{1f}x")).send()
            .problem(422, "invalid_text");
        assert_eq!(p["errors"][0]["pointer"], "/departs_on", "{p}");
    }

    /// A date in a nested input (an activity's money) goes through the same type.
    fn nested_dates_are_checked_too(app) {
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": "Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
        assert_eq!(p.status, 201, "{}", p.body);
        let r = app.req("POST", "/v1/agreements").json(&json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [p.json()["id"]], "title_id": "MoU", "objects": ["cultural_exchange"], "languages": ["id", "en"],
            "legacy": true, "status": "active", "signed_on": "2011-08-06"})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let activity = |starts: &str, rate: &str| json!({"kind": "grant_received", "title": "Donasi", "starts_on": starts,
            "participants": ["Queensland", "Jawa Tengah"],
            "money": {"amount": "2000000", "currency": "AUD", "exchange_rate": "10400", "rate_date": rate, "rate_source": "kurs tengah BI"}});
        let path = format!("/v1/agreements/{id}/activities");
        let e = body_issue(app, &path, &activity("0024-03-04", "2022-03-04"));
        assert_eq!((e["pointer"].as_str(), e["code"].as_str()), (Some("/starts_on"), Some("invalid_date")), "{e}");
        let e = body_issue(app, &path, &activity("2022-03-04", "22-03-04"));
        assert_eq!((e["pointer"].as_str(), e["code"].as_str()), (Some("/money/rate_date"), Some("invalid_date")), "{e}");
        let r = app.req("POST", &path).json(&activity("2022-03-04", "2022-03-04")).send();
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["starts_on"], "2022-03-04");
    }
}

on_both_databases! {
    /// A workflow record's dates (a letter's date, a signing date) go through the same type: a
    /// consultation letter dated `24-02-01` is refused before any rule is weighed.
    fn workflow_record_dates_are_refused_with_their_pointer(app) {
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": "Chungcheongbuk-do", "kind": "foreign_local_government", "level": "province", "country": "KR"})).send();
        assert_eq!(p.status, 201, "{}", p.body);
        let r = app.req("POST", "/v1/agreements").json(&json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [p.json()["id"]], "title_id": "MoU", "objects": ["cultural_exchange"], "languages": ["id", "ko"]})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let (id, etag) = (r.json()["id"].as_str().unwrap().to_owned(), r.header("etag").unwrap().to_owned());
        let path = format!("/v1/agreements/{id}/workflow/actions");
        let bad = json!({"action": "complete_stage", "record": {"kind": "consultations",
            "kemendagri": {"number": "100/1/2025", "date": "24-02-01"},
            "kemlu": {"number": "200/2/2025", "date": "2025-01-15"}}});
        let p = app.req("POST", &path).header("If-Match", &etag).json(&bad).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "invalid_date", "{p}");
        // serde reads a tagged record as a whole, so the pointer stops at the record; the
        // message names the value.
        assert_eq!(p["errors"][0]["pointer"], "/record", "{p}");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains("`24-02-01`"), "{p}");
        let signing = json!({"action": "complete_stage", "record": {"kind": "signing", "signed_on": "+002025-07-10",
            "place": "Semarang", "indonesian": {"name": "A", "position": "Gubernur"}, "indonesian_is_head_of_region": true,
            "partner": {"name": "B", "position": "Governor"}, "signed_text_languages": ["id", "ko"]}});
        let p = app.req("POST", &path).header("If-Match", &etag).json(&signing).send().problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "invalid_date", "{p}");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains("+002025-07-10"), "{p}");
    }
}

on_both_databases! {
    /// The registry's dates: a signing date of year −1 or 24, a list filter written `24-02-01`,
    /// an approval letter of year 0 — each a 422 `invalid_date`, none stored.
    fn registry_dates_are_refused_before_any_rule(app) {
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": "Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
        assert_eq!(p.status, 201, "{}", p.body);
        let body = |signed_on: &str, letter_date: &str| json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [p.json()["id"]], "title_id": "MoU", "objects": ["cultural_exchange"], "languages": ["id", "en"],
            "legacy": true, "status": "pending_verification", "signed_on": signed_on,
            "approval_letters": {"dprd_approval": {"number": "170/1/DPRD", "date": letter_date},
                "kemendagri_consideration": {"number": "100/2", "date": "2019-05-01"},
                "kemlu_confirmation": {"number": "200/3", "date": "2019-06-01"}}});
        for (signed_on, pointer) in [("-0001-08-06", "/signed_on"), ("24-08-06", "/signed_on"), ("0000-08-06", "/signed_on")] {
            let e = body_issue(app, "/v1/agreements", &body(signed_on, "2019-04-01"));
            assert_eq!((e["code"].as_str(), e["pointer"].as_str()), (Some("invalid_date"), Some(pointer)), "{signed_on}: {e}");
        }
        let e = body_issue(app, "/v1/agreements", &body("2019-08-06", "0000-04-01"));
        assert_eq!((e["code"].as_str(), e["pointer"].as_str()), (Some("invalid_date"), Some("/approval_letters/dprd_approval/date")), "{e}");
        let p = app.get("/v1/agreements?signed_from=24-02-01").problem(422, "validation_failed");
        assert_eq!((p["errors"][0]["code"].as_str(), p["errors"][0]["parameter"].as_str()), (Some("invalid_date"), Some("signed_from")), "{p}");
        assert_eq!(app.get_all("/v1/agreements").len(), 0, "nothing was stored");
    }
}
