//! Documents: upload, checksum, limits, types, safe names, isolation.

use jalin_tests::{on_both_databases, Resp, TestApp};
use serde_json::json;
use sha2::{Digest, Sha256};

pub(crate) const BOUNDARY: &str = "jalin-test-boundary-7d3f";

pub(crate) fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) fn upload(
    app: &TestApp,
    agreement: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> Resp {
    app.req("POST", &format!("/v1/agreements/{agreement}/documents"))
        .body(
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(parts),
        )
        .send()
}

fn an_agreement(app: &TestApp, region: &str) -> String {
    let p = app.req("POST", "/v1/partners")
        .json(&json!({"name": format!("Queensland for {region}"), "kind": "foreign_local_government", "level": "state", "country": "AU"})).send();
    let body = json!({"region_code": region, "subtype": "sister_province", "instrument": "mou", "partner_ids": [p.json()["id"]],
        "title_id": "MoU", "objects": ["cultural_exchange"], "languages": ["id", "en"]});
    let r = app.req("POST", "/v1/agreements").json(&body).send();
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

pub(crate) fn pdf() -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.extend((0..5000).map(|i| (i % 251) as u8));
    v
}

on_both_databases! {
    fn a_document_round_trips_with_its_checksum(app) {
        let a = an_agreement(app, "33");
        let content = pdf();
        let r = upload(app, &a, &[("role", None, b"signed_text"), ("language", None, b"id"), ("file", Some("MoU Jateng–Qld 2019.pdf"), &content)]);
        assert_eq!(r.status, 201, "{}", r.body);
        let doc = r.json();
        let expected: String = Sha256::digest(&content).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(doc["sha256"], expected);
        assert_eq!(doc["size_bytes"], content.len());
        assert_eq!(doc["media_type"], "application/pdf");
        assert_eq!(doc["name"], "MoU Jateng–Qld 2019.pdf");
        let id = doc["id"].as_str().unwrap();
        assert_eq!(r.header("location"), Some(format!("/v1/documents/{id}").as_str()));

        let got = app.req("GET", &format!("/v1/documents/{id}/content")).send();
        assert_eq!(got.status, 200);
        assert_eq!(got.header("content-type"), Some("application/pdf"));
        assert_eq!(got.header("content-length"), Some(content.len().to_string().as_str()));
        assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
        let cd = got.header("content-disposition").unwrap();
        assert!(cd.starts_with("attachment; filename=\"MoU Jateng_Qld 2019.pdf\""), "{cd}");
        assert!(cd.contains("filename*=UTF-8''MoU%20Jateng%E2%80%93Qld%202019.pdf"), "{cd}");
        let body_hash: String = Sha256::digest(got.body_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(body_hash, expected);

        let list = app.get_ok(&format!("/v1/agreements/{a}/documents"));
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(app.get_ok(&format!("/v1/documents/{id}"))["role"], "signed_text");
        let history = app.get_ok(&format!("/v1/agreements/{a}/history"));
        assert!(history["items"].as_array().unwrap().iter().any(|e| e["action"] == "document.uploaded"));
    }

    fn path_tricks_in_a_file_name_reach_nothing(app) {
        let a = an_agreement(app, "33");
        let r = upload(app, &a, &[("role", None, b"evidence"), ("file", Some("../../../etc/passwd.png"), b"\x89PNG\r\n\x1a\nrest-of-image")]);
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["name"], "passwd.png");
        assert_eq!(r.json()["media_type"], "image/png");
        // Uploading the same name again stores a second document, never overwriting the first.
        let again = upload(app, &a, &[("role", None, b"evidence"), ("file", Some("passwd.png"), b"\x89PNG\r\n\x1a\nother")]);
        assert_eq!(again.status, 201);
        assert_ne!(again.json()["sha256"], r.json()["sha256"]);
        assert_eq!(app.get_ok(&format!("/v1/agreements/{a}/documents"))["items"].as_array().unwrap().len(), 2);
    }

    fn a_type_outside_the_list_is_a_415_whatever_its_name(app) {
        let a = an_agreement(app, "33");
        upload(app, &a, &[("role", None, b"evidence"), ("file", Some("invoice.pdf"), b"MZ\x90\x00 a windows program")])
            .problem(415, "unsupported_media_type");
        app.req("POST", &format!("/v1/agreements/{a}/documents")).json(&json!({"file": "x"})).send()
            .problem(415, "unsupported_media_type");
    }

    fn a_document_over_the_limit_is_a_413(app) with [("JALIN_DOCUMENT_MAX_BYTES", "2048")] {
        let a = an_agreement(app, "33");
        upload(app, &a, &[("role", None, b"evidence"), ("file", Some("big.pdf"), &pdf())])
            .problem(413, "payload_too_large");
        assert_eq!(app.get_ok(&format!("/v1/agreements/{a}/documents"))["items"], json!([]));
    }

    fn upload_fields_are_validated(app) {
        let a = an_agreement(app, "33");
        let p = upload(app, &a, &[("file", Some("x.pdf"), &pdf())]).problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/role");
        let p = upload(app, &a, &[("role", None, b"selfie"), ("file", Some("x.pdf"), &pdf())]).problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/role");
        let p = upload(app, &a, &[("role", None, b"evidence")]).problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/file");
        upload(app, "no-such-agreement", &[("role", None, b"evidence"), ("file", Some("x.pdf"), &pdf())]).problem(404, "not_found");
    }

    fn another_regions_documents_are_404(app) {
        let a = an_agreement(app, "33");
        let r = upload(app, &a, &[("role", None, b"letter"), ("file", Some("letter.pdf"), &pdf())]);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let (_, banten) = app.user("doc-banten", "province_officer", Some("36"));
        for path in [format!("/v1/documents/{id}"), format!("/v1/documents/{id}/content"), format!("/v1/agreements/{a}/documents")] {
            app.req("GET", &path).bearer(&banten).send().problem(404, "not_found");
        }
        app.req("POST", &format!("/v1/agreements/{a}/documents")).bearer(&banten)
            .body(&format!("multipart/form-data; boundary={BOUNDARY}"), multipart(&[("role", None, b"letter"), ("file", Some("x.pdf"), &pdf())]))
            .send().problem(404, "not_found");
        let (_, jateng_viewer) = app.user("doc-viewer", "viewer", Some("33"));
        assert_eq!(app.req("GET", &format!("/v1/documents/{id}/content")).bearer(&jateng_viewer).send().status, 200);
    }

    /// The shared upload path (agreement, travel and meeting documents): a file whose row
    /// cannot be recorded is deleted again, so no stored file outlives its row.
    fn a_stored_file_whose_row_fails_is_deleted_again(app) {
        use jalin_api::service::documents::{store, Upload};
        let state = app.state();
        let upload = Upload::checked(Some(pdf().into()), "x.pdf".into(), Default::default()).unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let record = {
            let seen = seen.clone();
            move |_: &mut _, f: jalin_api::service::documents::StoredFile| -> Result<(), jalin_api::ApiError> {
                *seen.lock().unwrap() = Some(f.storage_key);
                Err(jalin_api::ApiError::conflict("refused", "refused", "ditolak"))
            }
        };
        actix_web::rt::System::new().block_on(async {
            assert!(store(&state, "documents/failing", &upload, record).await.is_err());
            let key = seen.lock().unwrap().clone().expect("the file was stored before its row");
            assert!(key.starts_with("documents/failing/"), "{key}");
            assert!(state.storage.stream(&key).await.is_err(), "the file is gone");
        });
    }
}

/// Documents in S3-compatible storage (`JALIN_STORAGE_URL=s3://…`): runs when
/// `JALIN_TEST_S3_URL` names a bucket reachable with the `AWS_*` variables (CI starts a local
/// S3-compatible server for it).
#[test]
fn documents_round_trip_through_s3_compatible_storage() {
    let Some(url) = std::env::var("JALIN_TEST_S3_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "SKIPPED: set JALIN_TEST_S3_URL=s3://BUCKET/PREFIX (and AWS_*) to test S3 storage"
        );
        return;
    };
    let prefix = format!("{url}/{}", uuid::Uuid::now_v7().simple());
    let app = TestApp::spawn_with(
        jalin_tests::Db::Sqlite,
        &[("JALIN_STORAGE_URL", prefix.as_str())],
    )
    .expect("app");
    let a = an_agreement(&app, "33");
    let content = pdf();
    let r = upload(
        &app,
        &a,
        &[
            ("role", None, b"signed_text"),
            ("file", Some("s3.pdf"), &content),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let got = app.get(&format!("/v1/documents/{id}/content"));
    assert_eq!(got.status, 200);
    assert_eq!(got.body_bytes(), content.as_slice());
}
