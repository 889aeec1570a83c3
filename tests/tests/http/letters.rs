//! Official letters and the annual report as documents (issue #20 items 3–5): each file is
//! opened as an office opens it — converted by LibreOffice headless — and its rendered text is
//! asserted (addressee, subject, partner, amounts in rupiah…); each is stored with its SHA-256.

use jalin_domain::letters::indonesian_date;
use jalin_tests::{office, on_both_databases, Resp, TestApp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::cases::{act, advance, dprd_decision, draft, people};
use crate::documents::{multipart, pdf, BOUNDARY};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Today's date in Indonesian, as the server's clock (WIB) writes it.
fn today_id() -> String {
    indonesian_date(jalin_api::clock::Clock::system().today())
}

/// Jawa Tengah's letterhead, with characters XML must escape.
fn set_letterhead(app: &TestApp, token: &str) {
    let r = app
        .req("PUT", "/v1/regions/33/letterhead")
        .bearer(token)
        .json(&json!({"government_name": "PEMERINTAH PROVINSI JAWA TENGAH", "office_name": "SEKRETARIAT DAERAH",
            "address": "Jalan Pahlawan Nomor 9 <Gedung A> & B, Semarang 50243", "contact": "Telepon (024) 8311174",
            "place": "Semarang", "signatory_title": "GUBERNUR JAWA TENGAH", "signatory_name": "Ahmad Luthfi",
            "signatory_nip": null}))
        .send();
    assert_eq!(r.status, 200, "{}", r.body);
}

fn letter(app: &TestApp, token: &str, id: &str, body: Value) -> Resp {
    app.req("POST", &format!("/v1/agreements/{id}/letters"))
        .bearer(token)
        .json(&body)
        .send()
}

/// A 201 DOCX whose hash is the stored one; its rendered text (None without LibreOffice).
#[track_caller]
fn rendered_letter(r: &Resp) -> Option<String> {
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("content-type"), Some(DOCX));
    assert_eq!(
        r.header("x-content-sha256"),
        Some(hex_sha256(r.body_bytes()).as_str())
    );
    assert!(r.header("x-document-id").is_some());
    assert!(r
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    office::document_text(r.body_bytes(), "docx")
}

/// Collapses whitespace so that table cells and line breaks compare as spaces.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A drafted official trip of Jawa Tengah to Brisbane with every document it needs; its id.
fn travel_request(app: &TestApp) -> String {
    let day = |n: i64| jalin_api::clock::Clock::system().today() + chrono::Duration::days(n);
    let r = app.req("POST", "/v1/travel-requests").json(&json!({"region_code": "33", "trip_type": "official",
        "purpose": "Rapat Joint Working Group pendidikan Jawa Tengah–Queensland",
        "destinations": [{"country": "AU", "city": "Brisbane"}], "departs_on": day(30).to_string(), "returns_on": day(34).to_string(),
        "funding": {"source": "apbd"}, "travellers": [{"category": "civil_servant", "name": "Drs. Sumarno, M.M.",
        "position": "Sekretaris Daerah", "nip": "196805121990031007", "passport_number": "C1234567"}]})).send();
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    for kind in [
        "invitation",
        "terms_of_reference",
        "budget_document",
        "schedule",
        "cost_detail",
        "participant_data",
    ] {
        let u = app
            .req("POST", &format!("/v1/travel-requests/{id}/documents"))
            .body(
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart(&[
                    ("kind", None, kind.as_bytes()),
                    ("file", Some(&format!("{kind}.pdf")), &pdf()),
                ]),
            )
            .send();
        assert_eq!(u.status, 201, "{}", u.body);
    }
    id
}

fn documents_of(app: &TestApp, id: &str) -> Vec<Value> {
    app.get_ok(&format!("/v1/agreements/{id}/documents"))["items"]
        .as_array()
        .unwrap()
        .clone()
}

on_both_databases! {
    /// Item 3: the request for consultation (PP 28/2018 art. 28(4)) to Kemendagri and to Kemlu,
    /// on the region's letterhead, dated today in Indonesian, with number, sifat, lampiran, hal,
    /// Yth., body and signature block; stored as the agreement's `letter` with its SHA-256,
    /// downloadable byte for byte, audited.
    fn the_consultation_request_renders_as_a_tata_naskah_dinas_letter(app) {
        let p = people(app);
        set_letterhead(app, &p.officer);
        let (id, etag) = draft(app, false);
        advance(app, &p, &id, &etag, 1);
        let r = letter(app, &p.officer, &id, json!({"kind": "consultation_kemendagri", "number": "000.1.4/1234/Biro Pem",
            "classification": "segera", "attachments": "1 (satu) berkas", "copies": ["Menteri Luar Negeri"]}));
        let text = rendered_letter(&r);
        let doc_id = r.header("x-document-id").unwrap().to_owned();
        assert_eq!(r.header("location"), Some(format!("/v1/documents/{doc_id}").as_str()));
        let docs = documents_of(app, &id);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0]["role"], "letter");
        assert_eq!(docs[0]["media_type"], DOCX);
        assert_eq!(docs[0]["sha256"], r.header("x-content-sha256").unwrap());
        let download = app.get(&format!("/v1/documents/{doc_id}/content"));
        assert_eq!(download.body_bytes(), r.body_bytes());
        let history = app.get_ok(&format!("/v1/agreements/{id}/history"));
        assert!(history["items"].as_array().unwrap().iter().any(|e| e["action"] == "agreement.letter_generated"), "{history}");
        if let Some(text) = text {
            let t = flat(&text);
            for want in [
                "PEMERINTAH PROVINSI JAWA TENGAH",
                "SEKRETARIAT DAERAH",
                "Jalan Pahlawan Nomor 9 <Gedung A> & B, Semarang 50243",
                &format!("Semarang, {}", today_id()),
                "Nomor : 000.1.4/1234/Biro Pem",
                "Sifat : Segera",
                "Lampiran : 1 (satu) berkas",
                "Hal : Permohonan Konsultasi Rencana Kerja Sama dengan Chungcheongbuk-do",
                "Yth. Menteri Dalam Negeri Republik Indonesia",
                "Pasal 28 ayat (4)",
                "Revitalisasi Kerja Sama Provinsi Kembar",
                "GUBERNUR JAWA TENGAH",
                "Ahmad Luthfi",
                "Tembusan: 1. Menteri Luar Negeri",
            ] {
                assert!(t.contains(want), "`{want}` missing from:\n{text}");
            }
        }
        let kemlu = letter(app, &p.officer, &id, json!({"kind": "consultation_kemlu", "number": "000.1.4/1235/Biro Pem",
            "signatory": {"title": "SEKRETARIS DAERAH PROVINSI JAWA TENGAH", "name": "Sumarno", "nip": "19680512 199003 1 007"}}));
        if let Some(text) = rendered_letter(&kemlu) {
            let t = flat(&text);
            for want in ["Yth. Menteri Luar Negeri Republik Indonesia", "Sifat : Biasa", "Lampiran : -",
                "SEKRETARIS DAERAH PROVINSI JAWA TENGAH", "Sumarno", "NIP. 19680512 199003 1 007"] {
                assert!(t.contains(want), "`{want}` missing from:\n{text}");
            }
        }
        assert_eq!(documents_of(app, &id).len(), 2);
    }

    /// R9, R11, R7: a letter follows its stage — none before the case starts, the DPRD request
    /// only once the plan is recorded, the submission to Kemendagri only once DPRD approved;
    /// a refusal names its rule in both languages and stores nothing.
    fn a_dprd_letter_before_the_plan_is_refused(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        letter(app, &p.officer, &id, json!({"kind": "consultation_kemendagri", "number": "1"})).problem(409, "workflow_not_started");
        let case_etag = advance(app, &p, &id, &etag, 3);
        let refused = letter(app, &p.officer, &id, json!({"kind": "dprd_approval", "number": "005/1"})).problem(409, "R9");
        assert_eq!(refused["rule"], "R9");
        let id_text = app.req("POST", &format!("/v1/agreements/{id}/letters")).bearer(&p.officer)
            .header("Accept-Language", "id").json(&json!({"kind": "dprd_approval", "number": "005/1"})).send().problem(409, "R9");
        assert!(id_text["detail"].as_str().unwrap().contains("rencana kerja sama"), "{id_text}");
        letter(app, &p.officer, &id, json!({"kind": "ministerial_consideration", "number": "005/2"})).problem(409, "R11");
        letter(app, &p.officer, &id, json!({"kind": "pdln_permit", "number": "005/3"})).problem(422, "validation_failed");
        assert!(documents_of(app, &id).is_empty(), "a refused letter stores nothing");

        // The plan: the DPRD request is written from it.
        let plan = json!({"kind": "cooperation_plan", "subject": "Revitalisasi e-government dan industri 5.0", "background": "sejak 2004",
            "aims": "revitalisasi", "object": "kapasitas", "scope": "e-gov", "financing_source": "APBD Provinsi Jawa Tengah",
            "implementation_period": "5 (lima) tahun", "safeguards": crate::cases::safeguards()});
        let r = act(app, &p.officer, &id, &case_etag, json!({"action": "complete_stage", "record": plan}));
        assert_eq!(r.status, 200, "{}", r.body);
        let case_etag = r.header("etag").unwrap().to_owned();
        let dprd = letter(app, &p.officer, &id, json!({"kind": "dprd_approval", "number": "005/331/Biro Pem"}));
        if let Some(text) = rendered_letter(&dprd) {
            let t = flat(&text);
            // No letterhead set: the defaults built from the region's name.
            for want in ["Yth. Ketua Dewan Perwakilan Rakyat Daerah Provinsi Jawa Tengah", "di Jawa Tengah", &format!("Jawa Tengah, {}", today_id()),
                "Hal : Permohonan Persetujuan DPRD atas Rencana Kerja Sama dengan Chungcheongbuk-do",
                "Revitalisasi e-government dan industri 5.0", "APBD Provinsi Jawa Tengah", "45 (empat puluh lima) hari kerja",
                "PEMERINTAH PROVINSI JAWA TENGAH", "GUBERNUR JAWA TENGAH"] {
                assert!(t.contains(want), "`{want}` missing from:\n{text}");
            }
        }
        letter(app, &p.officer, &id, json!({"kind": "ministerial_consideration", "number": "005/2"})).problem(409, "R11");

        // DPRD approved: the submission to Kemendagri cites its letter.
        let r = act(app, &p.dprd, &id, &case_etag, json!({"action": "complete_stage", "record": dprd_decision(app, &id, "approved", "170/45/DPRD")}));
        assert_eq!(r.status, 200, "{}", r.body);
        let submission = letter(app, &p.officer, &id, json!({"kind": "ministerial_consideration", "number": "005/400/Biro Pem"}));
        if let Some(text) = rendered_letter(&submission) {
            let t = flat(&text);
            for want in ["Yth. Menteri Dalam Negeri Republik Indonesia", "Pertimbangan", "Nomor 170/45/DPRD",
                "Pasal 31", "Revitalisasi e-government dan industri 5.0"] {
                assert!(t.contains(want), "`{want}` missing from:\n{text}");
            }
        }
        assert_eq!(documents_of(app, &id).len(), 2);
    }

    /// Templates are data: an administrator replaces one (If-Match, documented fields only, no
    /// code), the next letter uses it; the shipped one was version 0.
    fn a_replaced_template_is_used_for_the_next_letter(app) {
        let p = people(app);
        let t = app.get("/v1/letter-templates/dprd_approval");
        assert_eq!(t.status, 200, "{}", t.body);
        assert_eq!(t.json()["version"], 0);
        assert!(t.json()["fields"].as_array().unwrap().iter().any(|f| f["name"] == "partner_names"));
        let etag = t.header("etag").unwrap().to_owned();
        app.get("/v1/letter-templates/love_letter").problem(404, "not_found");
        let body = json!({"subject": "Persetujuan DPRD: kerja sama dengan {{partner_names}}",
            "addressee": "Pimpinan DPRD {{region_name}}\ndi {{place}}",
            "body": "Mohon persetujuan atas rencana \"{{plan_subject}}\" ({{reference_number}}).\n\nTerima kasih."});
        app.req("PUT", "/v1/letter-templates/dprd_approval").json(&body).send().problem(428, "if_match_required");
        app.req("PUT", "/v1/letter-templates/dprd_approval").bearer(&p.officer).header("If-Match", &etag).json(&body).send()
            .problem(403, "forbidden");
        let mut bad = body.clone();
        bad["body"] = json!("{{std::fs::read_to_string}} {{partner_names}}");
        let v = app.req("PUT", "/v1/letter-templates/dprd_approval").header("If-Match", &etag).json(&bad).send()
            .problem(422, "validation_failed");
        assert_eq!(v["errors"][0]["code"], "unknown_field");
        assert_eq!(v["errors"][0]["pointer"], "/body");
        let r = app.req("PUT", "/v1/letter-templates/dprd_approval").header("If-Match", &etag).json(&body).send();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["version"], 1);
        app.req("PUT", "/v1/letter-templates/dprd_approval").header("If-Match", &etag).json(&body).send()
            .problem(412, "etag_mismatch");

        let (id, etag) = draft(app, false);
        advance(app, &p, &id, &etag, 4);
        let l = letter(app, &p.officer, &id, json!({"kind": "dprd_approval", "number": "005/9"}));
        if let Some(text) = rendered_letter(&l) {
            let t = flat(&text);
            assert!(t.contains("Hal : Persetujuan DPRD: kerja sama dengan Chungcheongbuk-do"), "{text}");
            assert!(t.contains("Yth. Pimpinan DPRD Provinsi Jawa Tengah"), "{text}");
            assert!(t.contains("Mohon persetujuan atas rencana \"kerja sama\""), "{text}");
            assert!(!t.contains("45 (empat puluh lima)"), "the shipped body is gone: {text}");
        }
    }

    /// Item 3 (d): the PDLN permit request of a submitted travel request, to Kemendagri, with
    /// the trip's purpose, destination, dates and travellers; stored as the request's
    /// `permit_request_letter`. A draft is refused.
    fn the_pdln_permit_request_renders_with_the_trip(app) {
        let day = |n: i64| jalin_api::clock::Clock::system().today() + chrono::Duration::days(n);
        let id = travel_request(app);
        let path = format!("/v1/travel-requests/{id}/letters");
        app.req("POST", &path).json(&json!({"kind": "pdln_permit", "number": "094/1"})).send().problem(409, "travel_not_submitted");
        let etag = app.get(&format!("/v1/travel-requests/{id}")).header("etag").unwrap().to_owned();
        let s = app.req("POST", &format!("/v1/travel-requests/{id}/actions")).header("If-Match", &etag)
            .json(&json!({"action": "submit"})).send();
        assert_eq!(s.status, 200, "{}", s.body);
        app.req("POST", &path).json(&json!({"kind": "dprd_approval", "number": "094/2"})).send().problem(422, "validation_failed");
        let l = app.req("POST", &path).json(&json!({"kind": "pdln_permit", "number": "094/2345/Biro Pemotda", "classification": "segera"})).send();
        let text = rendered_letter(&l);
        let docs = app.get_ok(&format!("/v1/travel-requests/{id}"))["documents"].as_array().unwrap().clone();
        let stored: Vec<&Value> = docs.iter().filter(|d| d["kind"] == "permit_request_letter").collect();
        assert_eq!(stored.len(), 1, "{docs:?}");
        assert_eq!(stored[0]["sha256"], l.header("x-content-sha256").unwrap());
        if let Some(text) = text {
            let t = flat(&text);
            for want in ["Hal : Permohonan Izin Perjalanan Dinas ke Luar Negeri", "Yth. Menteri Dalam Negeri Republik Indonesia",
                "Rapat Joint Working Group pendidikan Jawa Tengah–Queensland", "Brisbane, Australia",
                &indonesian_date(day(30)), &indonesian_date(day(34)), "Drs. Sumarno, M.M. (Sekretaris Daerah)",
                "Anggaran Pendapatan dan Belanja Daerah", "Sifat : Segera"] {
                assert!(t.contains(want), "`{want}` missing from:\n{text}");
            }
        }
    }

    /// Item 4: a submitted annual report renders to DOCX and XLSX with its agreements and
    /// partners, activities, funding in rupiah (seed 000: AUD 2,000,000 at Rp 10,400), evaluation
    /// results, issues and follow-up — stored with its hash; a draft does not render; the
    /// province's compliance view of its regencies/cities is an XLSX.
    fn the_annual_report_renders_to_docx_and_xlsx(app) {
        let partner = app.req("POST", "/v1/partners").json(&json!({"name": "State of Queensland", "kind": "foreign_local_government",
            "level": "state", "country": "AU"})).send();
        assert_eq!(partner.status, 201, "{}", partner.body);
        let a = app.record_legacy(&json!({"region_code": "33", "subtype": "sister_province", "instrument": "mou",
            "partner_ids": [partner.json()["id"]], "title_id": "MoU Jateng – Queensland", "objects": ["cultural_exchange"],
            "languages": ["id", "en"], "legacy": true, "status": "active", "signed_on": "2019-08-06", "effective_from": "2019-08-06",
            "expires_on": "2029-08-05"})).json()["id"].as_str().unwrap().to_owned();
        let g = app.req("POST", &format!("/v1/agreements/{a}/activities")).json(&json!({"kind": "grant_received",
            "title": "Donasi pemulihan ekonomi Queensland", "starts_on": "2024-03-04",
            "money": {"amount": "2000000", "currency": "AUD", "exchange_rate": "10400", "rate_date": "2024-03-04", "rate_source": "kurs tengah BI"}})).send();
        assert_eq!(g.status, 201, "{}", g.body);
        // A city of the province with an agreement in force, which has not reported.
        let city_partner = app.req("POST", "/v1/partners").json(&json!({"name": "City of Brisbane", "kind": "foreign_local_government",
            "level": "city", "country": "AU"})).send();
        app.record_legacy(&json!({"region_code": "33.74", "subtype": "sister_city", "instrument": "mou",
            "partner_ids": [city_partner.json()["id"]], "title_id": "Kota Kembar Semarang – Brisbane", "objects": ["cultural_exchange"],
            "languages": ["id", "en"], "legacy": true, "status": "active", "signed_on": "2017-01-10", "effective_from": "2017-01-10",
            "expires_on": "2029-01-09"}));
        let (_, province) = app.user("biro-jateng-report", "province_officer", Some("33"));
        set_letterhead(app, &province);
        let r = app.req("POST", "/v1/annual-reports").bearer(&province).json(&json!({"region_code": "33", "fiscal_year": 2024,
            "notes": "Tindak lanjut kunjungan balasan ke Queensland direncanakan 2025"})).send();
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let render = |format: &str| app.req("POST", &format!("/v1/annual-reports/{id}/documents")).bearer(&province)
            .json(&json!({"format": format})).send();
        render("docx").problem(409, "report_not_submitted");
        let s = app.req("POST", &format!("/v1/annual-reports/{id}/submit")).bearer(&province)
            .header("If-Match", r.header("etag").unwrap()).send();
        assert_eq!(s.status, 200, "{}", s.body);

        // A viewer reads the report but adds no rendering to it (least privilege).
        let (_, viewer) = app.user("viewer-jateng-report", "viewer", Some("33"));
        app.req("POST", &format!("/v1/annual-reports/{id}/documents")).bearer(&viewer)
            .json(&json!({"format": "docx"})).send().problem(403, "forbidden");

        let docx = render("docx");
        assert_eq!(docx.status, 201, "{}", docx.body);
        assert_eq!(docx.header("content-type"), Some(DOCX));
        assert_eq!(docx.header("x-content-sha256"), Some(hex_sha256(docx.body_bytes()).as_str()));
        if let Some(text) = office::document_text(docx.body_bytes(), "docx") {
            let t = flat(&text);
            for want in ["PEMERINTAH PROVINSI JAWA TENGAH", "LAPORAN PENYELENGGARAAN KERJA SAMA DAERAH DENGAN PIHAK LUAR NEGERI",
                "PROVINSI JAWA TENGAH TAHUN 2024", "I. Kerja Sama yang Berlaku", "MoU Jateng – Queensland",
                "State of Queensland (Australia)", "II. Pelaksanaan Kegiatan", "Hibah/donasi diterima", "III. Pendanaan",
                "Hibah/donasi diterima: Rp 20.800.000.000", "IV. Hasil Evaluasi", "V. Permasalahan dan Tindak Lanjut",
                "Tindak lanjut kunjungan balasan ke Queensland direncanakan 2025", "GUBERNUR JAWA TENGAH"] {
                assert!(t.contains(want), "`{want}` missing from:\n{text}");
            }
        }
        let xlsx = render("xlsx");
        assert_eq!(xlsx.status, 201, "{}", xlsx.body);
        assert_eq!(xlsx.header("content-type"), Some(XLSX));
        assert_eq!(xlsx.header("x-content-sha256"), Some(hex_sha256(xlsx.body_bytes()).as_str()));
        assert_ne!(xlsx.header("x-document-id"), docx.header("x-document-id"));
        if let Some(csv) = office::sheet_csv(xlsx.body_bytes(), "xlsx") {
            for want in ["MoU Jateng – Queensland", "State of Queensland (Australia)", "Rp 20.800.000.000", "Hibah/donasi diterima"] {
                assert!(csv.contains(want), "`{want}` missing from:\n{csv}");
            }
        }
        // A stored rendering downloads again, byte for byte, as the report is visible.
        let docx_id = docx.header("x-document-id").unwrap().to_owned();
        let again = app.req("GET", &format!("/v1/annual-reports/{id}/documents/{docx_id}")).bearer(&province).send();
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.header("content-type"), Some(DOCX));
        assert_eq!(again.body_bytes(), docx.body_bytes());
        assert_eq!(again.header("etag"), Some(format!("\"{}\"", hex_sha256(docx.body_bytes())).as_str()));
        app.req("GET", &format!("/v1/annual-reports/{id}/documents/01a23301-0000-7000-8000-000000000000"))
            .bearer(&province).send().problem(404, "not_found");
        let (_, elsewhere) = app.user("biro-jatim-report", "province_officer", Some("35"));
        app.req("GET", &format!("/v1/annual-reports/{id}/documents/{docx_id}"))
            .bearer(&elsewhere).send().problem(404, "not_found");

        let history = app.get_ok(&format!("/v1/audit-events?record_id={id}&limit=100"));
        let rendered = history["items"].as_array().unwrap().iter().filter(|e| e["action"] == "annual_report.rendered").count();
        assert_eq!(rendered, 2, "{history}");

        let c = app.req("GET", "/v1/annual-reports/compliance/export?fiscal_year=2024").bearer(&province).send();
        assert_eq!(c.status, 200, "{}", c.body);
        assert_eq!(c.header("content-type"), Some(XLSX));
        if let Some(csv) = office::sheet_csv(c.body_bytes(), "xlsx") {
            for want in ["Jawa Tengah", "Disampaikan terlambat", "Kota Semarang", "Belum disampaikan", "10/01/2025"] {
                assert!(csv.contains(want), "`{want}` missing from:\n{csv}");
            }
        }
    }

    /// Another region's agreement, travel request, report and letterhead are a 404: nothing is
    /// written for them and nothing is learnt.
    fn another_regions_letter_is_a_404(app) {
        let p = people(app);
        let (id, etag) = draft(app, false);
        advance(app, &p, &id, &etag, 1);
        let (_, banten) = app.user("biro-banten-letters", "province_officer", Some("36"));
        let (_, semarang) = app.user("semarang-letters", "region_officer", Some("33.74"));
        for token in [&banten, &semarang] {
            letter(app, token, &id, json!({"kind": "consultation_kemendagri", "number": "1"})).problem(404, "not_found");
        }
        app.req("GET", "/v1/regions/33/letterhead").bearer(&banten).send().problem(404, "not_found");
        app.req("PUT", "/v1/regions/33/letterhead").bearer(&banten).json(&json!({"government_name": "X", "place": "Serang",
            "signatory_title": "GUBERNUR BANTEN"})).send().problem(404, "not_found");
        assert_eq!(app.req("GET", "/v1/regions/36/letterhead").bearer(&banten).send().json()["government_name"], "PEMERINTAH PROVINSI BANTEN");
        let tid = travel_request(app);
        app.req("POST", &format!("/v1/travel-requests/{tid}/letters")).bearer(&banten)
            .json(&json!({"kind": "pdln_permit", "number": "1"})).send().problem(404, "not_found");
        let rep = app.req("POST", "/v1/annual-reports").json(&json!({"region_code": "33", "fiscal_year": 2024})).send();
        assert_eq!(rep.status, 201, "{}", rep.body);
        let rid = rep.json()["id"].as_str().unwrap().to_owned();
        app.req("POST", &format!("/v1/annual-reports/{rid}/documents")).bearer(&banten).json(&json!({"format": "docx"})).send()
            .problem(404, "not_found");
        assert!(documents_of(app, &id).is_empty());
    }
}
