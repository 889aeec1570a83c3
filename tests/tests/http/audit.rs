//! The audit log: every write, in the same transaction, hash-chained.

use diesel::RunQueryDsl;
use jalin_tests::{on_both_databases, ADMIN_PASSWORD};
use serde_json::json;

on_both_databases! {
    fn every_write_is_audited_with_actor_request_id_and_changes(app) {
        let r = app.req("POST", "/v1/users").header("X-Request-Id", "req-audit-1")
            .json(&json!({"username": "dewi", "display_name": "Dewi", "password": "dewi's long passphrase",
                          "role": "region_officer", "region_code": "33.74"})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let etag = r.header("etag").unwrap().to_owned();
        let r = app.req("PATCH", &format!("/v1/users/{id}")).header("If-Match", &etag)
            .json(&json!({"active": false, "password": "a replaced passphrase"})).send();
        assert_eq!(r.status, 200, "{}", r.body);

        let events = app.get_ok(&format!("/v1/audit-events?record_type=user&record_id={id}"));
        let items = events["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        let (updated, created) = (&items[0], &items[1]);
        assert_eq!(created["action"], "user.created");
        assert_eq!(created["actor_name"], "admin");
        assert_eq!(created["actor_type"], "user");
        assert_eq!(created["request_id"], "req-audit-1");
        assert_eq!(created["region_code"], "33.74");
        assert_eq!(created["changes"]["role"], json!({"before": null, "after": "region_officer"}));
        assert_eq!(updated["action"], "user.updated");
        assert_eq!(updated["changes"]["active"], json!({"before": true, "after": false}));
        assert_eq!(updated["changes"]["password"], json!({"changed": true}));
        assert_eq!(updated["prev_hash"].as_str().unwrap().len(), 64);

        // Secrets never reach the log.
        let all = app.get("/v1/audit-events?limit=100").body;
        for secret in ["dewi's long passphrase", "a replaced passphrase", ADMIN_PASSWORD, "argon2"] {
            assert!(!all.contains(secret), "audit log contains {secret}");
        }
    }

    fn a_failed_write_leaves_no_audit_event(app) {
        let before = app.get_ok("/v1/audit-events/verify")["head_seq"].as_i64().unwrap();
        app.req("POST", "/v1/users").json(&json!({"username": "admin", "display_name": "dup", "password": "long enough password",
            "role": "admin"})).send().problem(409, "username_taken");
        assert_eq!(app.get_ok("/v1/audit-events/verify")["head_seq"].as_i64().unwrap(), before);
    }

    /// Altering a stored event breaks verification at exactly that event.
    fn verification_finds_the_altered_event(app) {
        for name in ["ayu", "bima", "citra"] {
            app.user(name, "viewer", Some("33"));
        }
        let v = app.get_ok("/v1/audit-events/verify");
        assert_eq!(v["intact"], true, "{v}");
        assert_eq!(v["checked"], v["head_seq"]);
        assert!(v["head_seq"].as_i64().unwrap() >= 4);

        let target = app.get_ok("/v1/audit-events?action=user.created&limit=100")["items"]
            .as_array().unwrap().iter()
            .find(|e| e["changes"]["username"]["after"] == "bima").unwrap().clone();
        let seq = target["seq"].as_i64().unwrap();
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        diesel::sql_query(format!(
            "UPDATE audit_events SET changes = REPLACE(changes, 'bima', 'mallory') WHERE seq = {seq}"
        )).execute(&mut conn).unwrap();

        let v = app.get_ok("/v1/audit-events/verify");
        assert_eq!(v["intact"], false);
        assert_eq!(v["first_broken"]["seq"], seq);
        assert_eq!(v["first_broken"]["id"], target["id"]);
        assert_eq!(v["checked"], seq - 1);
    }

    fn a_removed_event_breaks_the_chain(app) {
        app.user("dian", "viewer", Some("33"));
        app.user("eko", "viewer", Some("33"));
        let pool = app.pool();
        let mut conn = pool.get().unwrap();
        diesel::sql_query("DELETE FROM audit_events WHERE seq = 2").execute(&mut conn).unwrap();
        let v = app.get_ok("/v1/audit-events/verify");
        assert_eq!(v["intact"], false);
        assert_eq!(v["first_broken"]["seq"], 2);
    }

    fn audit_events_page_newest_first(app) {
        for i in 0..5 {
            app.user(&format!("page-user-{i}"), "viewer", Some("33"));
        }
        let first = app.get_ok("/v1/audit-events?limit=2");
        let items = first["items"].as_array().unwrap();
        assert!(items[0]["seq"].as_i64() > items[1]["seq"].as_i64());
        let next = first["next_cursor"].as_str().unwrap();
        let second = app.get_ok(&format!("/v1/audit-events?limit=2&cursor={next}"));
        assert!(second["items"][0]["seq"].as_i64() < items[1]["seq"].as_i64());
        let all = app.get_all("/v1/audit-events");
        assert_eq!(all.len() as i64, app.get_ok("/v1/audit-events/verify")["head_seq"].as_i64().unwrap());
    }
}
