//! `jalin backup` and `jalin restore` (#21 item 1): a backup taken while writes go on holds
//! every write acknowledged before it started, restores into a fresh data directory (and, on
//! PostgreSQL, a fresh database through pg_dump/pg_restore), and the restored audit chain holds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use jalin_tests::{on_both_databases, Db, TestApp};
use serde_json::json;

use crate::documents::{pdf, upload};

/// Whether the PostgreSQL client tools are installed (the pg_dump path needs them).
fn pg_tools() -> bool {
    ["pg_dump", "pg_restore"].iter().all(|tool| {
        std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

on_both_databases! {
    fn a_backup_under_write_load_restores_every_acknowledged_write(app) {
        if app.db == Db::Postgres && !pg_tools() {
            eprintln!("SKIPPED: pg_dump/pg_restore are not on PATH");
            return;
        }
        // A document, so the local document store is part of the backup.
        let p = app.req("POST", "/v1/partners")
            .json(&json!({"name": "State of Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
        assert_eq!(p.status, 201, "{}", p.body);
        let agreement = app.req("POST", "/v1/agreements").json(&json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [p.json()["id"]], "title_id": "MoU", "objects": ["cultural_exchange"], "languages": ["id", "en"]})).send();
        assert_eq!(agreement.status, 201, "{}", agreement.body);
        let agreement = agreement.json()["id"].as_str().unwrap().to_owned();
        let content = pdf();
        let doc = upload(app, &agreement, &[("role", None, b"signed_text"), ("language", None, b"id"), ("file", Some("mou.pdf"), &content)]);
        assert_eq!(doc.status, 201, "{}", doc.body);
        let doc = doc.json()["id"].as_str().unwrap().to_owned();

        let acknowledged = Mutex::new(Vec::<String>::new());
        let stop = AtomicBool::new(false);
        let work = tempfile::tempdir().unwrap();
        let output = work.path().join("backup");
        let (before, manifest) = std::thread::scope(|s| {
            let writer = s.spawn(|| {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) && n < 2000 {
                    n += 1;
                    let r = app.req("POST", "/v1/partners")
                        .json(&json!({"name": format!("Load partner {n}"), "kind": "foreign_university", "country": "JP"})).send();
                    assert_eq!(r.status, 201, "{}", r.body);
                    acknowledged.lock().unwrap().push(r.json()["id"].as_str().unwrap().to_owned());
                }
            });
            // Some writes are acknowledged before the backup starts, more go on during it.
            while acknowledged.lock().unwrap().len() < 20 && !writer.is_finished() {
                std::thread::yield_now();
            }
            let before = acknowledged.lock().unwrap().clone();
            let manifest = jalin_api::backup::backup(&app.state().config, &output);
            stop.store(true, Ordering::SeqCst);
            writer.join().unwrap();
            (before, manifest.unwrap())
        });
        assert_eq!(manifest.backend, if app.db == Db::Postgres { "postgres" } else { "sqlite" });
        assert_eq!(manifest.schema_version, jalin_persistence::snapshot::known_schema_version().unwrap());
        let listed: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
        assert!(listed.contains(&if app.db == Db::Postgres { "jalin.pgdump" } else { "jalin.db" }), "{listed:?}");
        assert!(listed.iter().any(|f| f.starts_with("documents/")), "{listed:?}");
        // The tests configure JALIN_JWT_SECRET: it stays with the configuration.
        assert!(manifest.jwt_secret.starts_with("not included"), "{}", manifest.jwt_secret);

        // Restore into a fresh directory (and a fresh database) and start a server on it.
        let restored_dir = work.path().join("restored");
        let mut env = vec![("JALIN_DATA_DIR".to_owned(), restored_dir.display().to_string())];
        let mut created = None;
        match app.db {
            Db::Sqlite => {
                jalin_api::backup::restore(&output, &restored_dir, None).unwrap();
                env.push(("JALIN_DATABASE_URL".into(), format!("sqlite://{}/jalin.db", restored_dir.display())));
            }
            Db::Postgres => {
                let admin = jalin_tests::postgres_url().unwrap();
                let name = format!("jalin_r_{}", uuid::Uuid::now_v7().simple());
                let url = jalin_persistence::admin::create_postgres_database(&admin, &name).unwrap();
                let target = jalin_persistence::DatabaseUrl::parse(&url).unwrap();
                jalin_api::backup::restore(&output, &restored_dir, Some(&target)).unwrap();
                // Restoring again is refused: the database is no longer empty.
                let again = jalin_api::backup::restore(&output, &work.path().join("again"), Some(&target));
                assert!(again.unwrap_err().0.contains("not empty"));
                env.push(("JALIN_DATABASE_URL".into(), url));
                created = Some((admin, name));
            }
        }
        {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            // Db::Sqlite: the harness creates no database of its own; JALIN_DATABASE_URL names it.
            let restored = TestApp::spawn_with(Db::Sqlite, &env).unwrap();
            for id in &before {
                let r = restored.get(&format!("/v1/partners/{id}"));
                assert_eq!(r.status, 200, "partner {id} acknowledged before the backup: {}", r.body);
            }
            let got = restored.req("GET", &format!("/v1/documents/{doc}/content")).send();
            assert_eq!(got.status, 200, "{}", got.body);
            assert_eq!(got.body_bytes(), content.as_slice());
            let mut conn = restored.pool().get().unwrap();
            let chain = jalin_api::service::audit_log::verify(&mut conn).unwrap();
            assert!(chain.first_broken.is_none(), "{:?}", chain.first_broken);
            assert!((chain.checked as usize) > before.len(), "{} event(s)", chain.checked);
        }
        if let Some((admin, name)) = created {
            jalin_persistence::admin::drop_postgres_database(&admin, &name).unwrap();
        }
    }
}
