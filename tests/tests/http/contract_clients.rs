//! What generated clients rely on (issue #19): every list is a page with `items` and
//! `next_cursor`, paged with `limit` and `cursor` the same way.

use jalin_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};

fn agreement(app: &TestApp) -> String {
    let p = app.req("POST", "/v1/partners")
        .json(&json!({"name": "Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
    let r = app.record_legacy(&json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
        "partner_ids": [p.json()["id"]], "title_id": "MoU", "objects": ["cultural_exchange"], "languages": ["id", "en"],
        "legacy": true, "status": "active", "signed_on": "2019-08-06"}));
    r.json()["id"].as_str().unwrap().to_owned()
}

fn activity(app: &TestApp, agreement: &str, title: &str, starts_on: &str) {
    let r = app.req("POST", &format!("/v1/agreements/{agreement}/activities"))
        .json(&json!({"kind": "training", "title": title, "starts_on": starts_on, "participants": ["Pemprov Jawa Tengah"]}))
        .send();
    assert_eq!(r.status, 201, "{}", r.body);
}

/// Asserts the page shape: `items` and a `next_cursor` key, present even on the last page.
#[track_caller]
fn page(app: &TestApp, path: &str) -> (Vec<Value>, Option<String>) {
    let body = app.get_ok(path);
    let object = body.as_object().expect("a page is an object");
    assert!(
        object.contains_key("next_cursor"),
        "{path}: no next_cursor in {body}"
    );
    // `listMatches` pages the list its query fills (`partners` for `?region=`).
    let items = body
        .get("items")
        .or(body.get("partners"))
        .and_then(Value::as_array);
    let items = items.expect("items").clone();
    (items, body["next_cursor"].as_str().map(str::to_owned))
}

on_both_databases! {
    /// A list that had no pagination pages like the others: `limit`, then `cursor` from
    /// `next_cursor` until it is `null`; without `limit` the whole (short) list comes at once.
    fn activities_and_history_page_through_cursors(app) {
        let a = agreement(app);
        for (i, day) in ["2022-03-04", "2022-04-05", "2022-05-06"].iter().enumerate() {
            activity(app, &a, &format!("Pertukaran pelajar gelombang {i}"), day);
        }
        let list = format!("/v1/agreements/{a}/activities");
        let (whole, next) = page(app, &list);
        assert_eq!((whole.len(), next), (3, None));
        let (first, next) = page(app, &format!("{list}?limit=2"));
        assert_eq!(first.len(), 2);
        let (rest, last) = page(app, &format!("{list}?limit=2&cursor={}", next.expect("a second page")));
        assert_eq!((rest.len(), last), (1, None));
        let ids: Vec<&Value> = first.iter().chain(&rest).map(|x| &x["id"]).collect();
        assert_eq!(ids, whole.iter().map(|x| &x["id"]).collect::<Vec<_>>());

        let history = format!("/v1/agreements/{a}/history");
        let (events, _) = page(app, &history);
        assert!(events.len() >= 4, "creation, verification and three activities: {events:?}");
        let (mut paged, mut cursor) = page(app, &format!("{history}?limit=1"));
        while let Some(c) = cursor {
            let (more, next) = page(app, &format!("{history}?limit=1&cursor={c}"));
            assert_eq!(more.len(), 1);
            paged.extend(more);
            cursor = next;
        }
        assert_eq!(paged, events);
    }

    /// Each of the six lists takes `limit` 1–100 and refuses another list's cursor.
    fn the_six_lists_validate_limit_and_refuse_a_foreign_cursor(app) {
        let a = agreement(app);
        activity(app, &a, "Pertukaran pelajar", "2022-03-04");
        activity(app, &a, "Pameran dagang", "2022-04-04");
        let (_, cursor) = page(app, &format!("/v1/agreements/{a}/activities?limit=1"));
        let cursor = cursor.expect("a cursor of the activities");
        let lists = [
            format!("/v1/agreements/{a}/documents"),
            format!("/v1/agreements/{a}/evaluations"),
            format!("/v1/agreements/{a}/history"),
            "/v1/tasks".to_owned(),
            "/v1/matches?region=33".to_owned(),
        ];
        for list in &lists {
            let (_, next) = page(app, list);
            assert_eq!(next, None, "{list}");
            let sep = if list.contains('?') { '&' } else { '?' };
            app.get(&format!("{list}{sep}limit=0")).problem(422, "validation_failed");
            app.get(&format!("{list}{sep}limit=101")).problem(422, "validation_failed");
            app.get(&format!("{list}{sep}cursor={cursor}")).problem(400, "invalid_cursor");
        }
    }
}

on_both_databases! {
    /// Every `GET` path answers `HEAD`: the same status and headers, no body.
    fn head_answers_every_get_without_a_body(app) {
        let a = agreement(app);
        for path in ["/v1/regions?parent_code=33", "/v1/regions/33", &format!("/v1/agreements/{a}"), &format!("/v1/agreements/{a}/activities")] {
            let get = app.get(path);
            let head = app.req("HEAD", path).send();
            assert_eq!((head.status, get.status), (200, 200), "{path}");
            assert!(head.body.is_empty(), "{path}: HEAD sent a body");
            assert_eq!(head.header("etag"), get.header("etag"), "{path}");
            assert_eq!(head.header("content-type"), Some("application/json"));
        }
        let anonymous = app.req("HEAD", "/v1/regions/33").anonymous().send();
        assert_eq!(anonymous.status, 401);
    }

    /// A list and a single resource answer `If-None-Match` with their `ETag` by a 304 without a
    /// body, until they change.
    fn if_none_match_answers_304_until_the_resource_changes(app) {
        let a = agreement(app);
        let one = format!("/v1/agreements/{a}");
        let list = format!("/v1/agreements/{a}/activities");
        for path in [&one, &list] {
            let first = app.get(path);
            let etag = first.header("etag").expect("an ETag").to_owned();
            let again = app.req("GET", path).header("If-None-Match", &etag).send();
            assert_eq!(again.status, 304, "{path}");
            assert!(again.body.is_empty());
            assert_eq!(again.header("etag"), Some(etag.as_str()));
            let other = app.req("GET", path).header("If-None-Match", "W/\"something-else\"").send();
            assert_eq!(other.status, 200, "{path}");
        }
        // The single resource's ETag is the one `If-Match` takes.
        let before = app.get(&list).header("etag").unwrap().to_owned();
        activity(app, &a, "Pameran dagang", "2022-04-04");
        let after = app.req("GET", &list).header("If-None-Match", &before).send();
        assert_eq!(after.status, 200, "the list changed");
        assert_eq!(after.json()["items"].as_array().unwrap().len(), 1);
        assert_ne!(after.header("etag"), Some(before.as_str()));
        // A problem is never cached: a 404 answers whatever the client holds.
        app.req("GET", "/v1/agreements/01930000-0000-7000-8000-000000000000").header("If-None-Match", "*").send()
            .problem(404, "not_found");
    }
}
