//! Import (CSV, all or nothing; rows matching an agreement update it or are unchanged) and
//! export (CSV, XLSX, for people in Indonesian or English, or for programs) of agreements (#20).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use jalin_tests::{on_both_databases, TestApp};
use serde_json::json;

fn partners(app: &TestApp) {
    for body in [
        json!({"name": "State of Queensland", "kind": "foreign_local_government", "level": "state", "country": "AU"}),
        json!({"name": "Fujian Province", "kind": "foreign_local_government", "level": "province", "country": "CN"}),
        json!({"name": "Taipei City", "kind": "foreign_local_government", "level": "city", "country": "TW"}),
    ] {
        assert_eq!(
            app.req("POST", "/v1/partners").json(&body).send().status,
            201
        );
    }
}

const HEADER: &str = "region_code,subtype,instrument,partner_name,partner_country,title_id,title_en,objects,sectors,languages,legacy,status,signed_on,effective_from,expires_on,value_amount,value_currency,own_reference,partner_reference,level_justification\n";

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut s = HEADER.to_owned();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

const GOOD_1: &str = "33,sister_province,mou,State of Queensland,AU,MoU Jateng – Queensland,Sister province MoU,cultural_exchange;technical_capacity,pendidikan,id;en,true,expired,1991-02-26,1991-02-26,2019-08-05,,,,,";
const GOOD_2: &str = "33,sister_province,mou,Fujian Province,CN,\"MoU Jateng – Fujian, provinsi kembar\",,cultural_exchange,perdagangan;kebudayaan,id;zh;en,true,active,2016-05-10,,2027-05-09,150000.50,USD,,,";

/// A CSV the export wrote: it starts with a BOM; its header and rows, read with `delimiter`.
fn read_csv(body: &str, delimiter: u8) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let text = body.strip_prefix('\u{feff}').expect("a UTF-8 BOM");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = reader.headers().expect("a header").clone();
    let rows = reader.records().map(|r| r.expect("a row")).collect();
    (headers, rows)
}

/// The cell of `row` under the header `name`.
fn cell<'a>(headers: &csv::StringRecord, row: &'a csv::StringRecord, name: &str) -> &'a str {
    let i = headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"));
    &row[i]
}

fn import(app: &TestApp, query: &str, bytes: Vec<u8>) -> jalin_tests::Resp {
    app.req("POST", &format!("/v1/agreements/import{query}"))
        .body("text/csv", bytes)
        .send()
}

/// The `version` an export gives the agreement with a partner in `country`.
fn version_of(app: &TestApp, country: &str) -> String {
    let r = app.get(&format!(
        "/v1/agreements/export?labels=codes&country={country}"
    ));
    let (h, rows) = read_csv(&r.body, b',');
    cell(&h, &rows[0], "version").to_owned()
}

fn audit_events(app: &TestApp) -> usize {
    app.get_all("/v1/audit-events").len()
}

/// The two agreements of the template rows.
fn two_agreements(app: &TestApp) {
    partners(app);
    assert_eq!(import(app, "", csv(&[GOOD_1, GOOD_2])).status, 201);
}

on_both_databases! {
    fn a_good_file_is_imported_whole(app) {
        partners(app);
        let r = app.req("POST", "/v1/agreements/import").body("text/csv", csv(&[GOOD_1, GOOD_2])).send();
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["imported"], 2);
        assert_eq!(r.json()["reference_numbers"], json!(["KSLN-33-1991-0001", "KSLN-33-2016-0001"]));
        let fujian = app.get_ok("/v1/agreements?country=CN");
        assert_eq!(fujian["items"][0]["value"], json!({"amount": "150000.5", "currency": "USD"}));
        assert_eq!(fujian["items"][0]["title_id"], "MoU Jateng – Fujian, provinsi kembar");
    }

    /// All or nothing: one bad file imports nothing and names every bad cell.
    fn a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(app) {
        partners(app);
        let bad_partner = "33,sister_province,mou,Nowhere State,AU,T,,cultural_exchange,,id;en,false,,,,,,,,,";
        let taiwan = "33.74,sister_city,mou,Taipei City,TW,T,,cultural_exchange,,id;en,false,,,,,,,,,";
        let bad_cells = "33,sister_province,treaty,State of Queensland,AU,T,,tourism,,id;en,maybe,,26-02-1991,,,,,,,";
        let r = app.req("POST", "/v1/agreements/import").body("text/csv", csv(&[GOOD_1, bad_partner, taiwan, bad_cells])).send();
        let p = r.problem(422, "validation_failed");
        let errors: Vec<(String, String)> = p["errors"].as_array().unwrap().iter()
            .map(|e| (e["pointer"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned())).collect();
        for expected in [
            ("/rows/3/partner_name", "unknown_partner"),
            ("/rows/4/partner_ids", "R4"),
            ("/rows/5/instrument", "invalid_value"),
            ("/rows/5/objects", "R3"),
            ("/rows/5/legacy", "invalid_value"),
            ("/rows/5/signed_on", "invalid_date"),
        ] {
            assert!(errors.contains(&(expected.0.to_owned(), expected.1.to_owned())), "{expected:?} in {errors:?}");
        }
        assert!(!errors.iter().any(|(p, _)| p.starts_with("/rows/2/")), "the good row has no error");
        assert_eq!(app.get_all("/v1/agreements").len(), 0, "nothing was imported");
        // The good row's number was not used up.
        let ok = app.req("POST", "/v1/agreements/import").body("text/csv", csv(&[GOOD_1])).send();
        assert_eq!(ok.json()["reference_numbers"], json!(["KSLN-33-1991-0001"]));
    }

    fn a_file_missing_columns_or_not_csv_is_refused(app) {
        let p = app.req("POST", "/v1/agreements/import").body("text/csv", b"region_code,title_id\n33,x\n".to_vec()).send()
            .problem(422, "validation_failed");
        assert!(p["errors"].as_array().unwrap().iter().any(|e| e["pointer"] == "/rows/1/subtype" && e["code"] == "missing_column"));
        app.req("POST", "/v1/agreements/import").json(&json!({"rows": []})).send().problem(415, "unsupported_media_type");
    }

    fn the_csv_export_honours_the_filters(app) {
        partners(app);
        assert_eq!(app.req("POST", "/v1/agreements/import").body("text/csv", csv(&[GOOD_1, GOOD_2])).send().status, 201);
        let r = app.get("/v1/agreements/export?format=csv&country=CN&labels=codes&lang=en");
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        assert!(r.header("content-disposition").unwrap().starts_with("attachment; filename=\"agreements-"));
        let mut reader = csv::Reader::from_reader(r.body.trim_start_matches('\u{feff}').as_bytes());
        let headers = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 1);
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        assert_eq!(&rows[0][col("partner_name")], "Fujian Province");
        assert_eq!(&rows[0][col("signed_on")], "2016-05-10");
        // The export reads back as an import (round trip).
        let all = app.get("/v1/agreements/export");
        assert_eq!(read_csv(&all.body, b';').1.len(), 2);
    }

    /// Opened with a real XLSX reader: a header row, dates as dates, amounts as numbers.
    fn the_xlsx_export_opens_with_typed_cells(app) {
        partners(app);
        assert_eq!(app.req("POST", "/v1/agreements/import").body("text/csv", csv(&[GOOD_1, GOOD_2])).send().status, 201);
        let r = app.get("/v1/agreements/export?format=xlsx&lang=en&labels=codes");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(r.body_bytes().to_vec())).expect("a valid XLSX");
        let sheet = book.worksheet_range("Agreements").expect("the sheet");
        let rows: Vec<&[Data]> = sheet.rows().collect();
        assert_eq!(rows.len(), 4, "title, header and two agreements");
        assert!(matches!(&rows[0][0], Data::String(t) if t.starts_with("Foreign cooperation agreements — Filter: none — Exported ")), "{:?}", rows[0][0]);
        assert_eq!(rows[1][0], Data::String("reference_number".into()));
        assert_eq!(rows[1][29], Data::String("version".into()));
        let fujian = rows.iter().find(|r| r[5] == Data::String("Fujian Province".into())).unwrap();
        assert!(matches!(fujian[14], Data::DateTime(_)), "signed_on is a date cell: {:?}", fujian[14]);
        let Data::DateTime(signed) = &fujian[14] else { unreachable!() };
        let serial = (chrono::NaiveDate::from_ymd_opt(2016, 5, 10).unwrap() - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days();
        assert_eq!(signed.as_f64(), serial as f64, "2016-05-10 as an Excel date");
        assert_eq!(fujian[18], Data::Float(150000.5));
        assert_eq!(fujian[12], Data::Bool(true));
    }

    fn exports_show_only_your_regions(app) {
        partners(app);
        assert_eq!(app.req("POST", "/v1/agreements/import").body("text/csv", csv(&[GOOD_1])).send().status, 201);
        let (_, banten) = app.user("export-banten", "province_officer", Some("36"));
        let r = app.req("GET", "/v1/agreements/export").bearer(&banten).send();
        assert_eq!(read_csv(&r.body, b';').1.len(), 0);
        let (_, viewer) = app.user("export-viewer", "viewer", Some("33"));
        app.req("POST", "/v1/agreements/import").bearer(&viewer).body("text/csv", csv(&[GOOD_1])).send().problem(403, "forbidden");
    }

    /// #20: without parameters or `Accept-Language` an export is for an Indonesian office:
    /// BOM, `;`, Indonesian headers and labels, a decimal comma, ISO dates.
    fn an_indonesian_export_opens_in_columns_with_labels(app) {
        two_agreements(app);
        let r = app.get("/v1/agreements/export?country=CN");
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.header("content-disposition").unwrap().starts_with("attachment; filename=\"perjanjian-"));
        let (h, rows) = read_csv(&r.body, b';');
        assert_eq!(&h[0], "Nomor registrasi");
        assert_eq!(rows.len(), 1);
        let fujian = &rows[0];
        assert_eq!(cell(&h, fujian, "Mitra"), "Fujian Province");
        assert_eq!(cell(&h, fujian, "Judul (bahasa Indonesia)"), "MoU Jateng – Fujian, provinsi kembar");
        assert_eq!(cell(&h, fujian, "Jenis kerja sama"), "Dengan pemerintah daerah di luar negeri (KSDPL)");
        assert_eq!(cell(&h, fujian, "Subjenis"), "Provinsi kembar");
        assert_eq!(cell(&h, fujian, "Bentuk naskah"), "Nota kesepahaman");
        assert_eq!(cell(&h, fujian, "Objek kerja sama"), "Pertukaran budaya");
        assert_eq!(cell(&h, fujian, "Status"), "Berlaku");
        assert_eq!(cell(&h, fujian, "Dicatat dari sebelum sistem"), "Ya");
        assert_eq!(cell(&h, fujian, "Nilai"), "150000,5");
        assert_eq!(cell(&h, fujian, "Tanggal penandatanganan"), "2016-05-10");
        assert_eq!(cell(&h, fujian, "Versi (jangan diubah)"), "1");
        // English from Accept-Language: commas and English labels.
        let en = app.req("GET", "/v1/agreements/export?country=CN").header("Accept-Language", "en-GB,en;q=0.9").send();
        let (h, rows) = read_csv(&en.body, b',');
        assert_eq!(cell(&h, &rows[0], "Subtype"), "Sister province");
        assert_eq!(cell(&h, &rows[0], "Instrument"), "Memorandum of understanding");
        assert_eq!(cell(&h, &rows[0], "Value"), "150000.5");
        // The parameters win over the header; codes for programs.
        let codes = app.req("GET", "/v1/agreements/export?country=CN&labels=codes&delimiter=semicolon")
            .header("Accept-Language", "en").send();
        let (h, rows) = read_csv(&codes.body, b';');
        assert_eq!(cell(&h, &rows[0], "subtype"), "sister_province");
        assert_eq!(cell(&h, &rows[0], "legacy"), "true");
        let p = app.get("/v1/agreements/export?lang=fr").problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["parameter"], "lang");
    }

    /// #20 item 5: the Indonesian XLSX as LibreOffice shows it — title row, headers, labels,
    /// dates as dates.
    fn an_indonesian_xlsx_renders_its_headers_and_labels_in_libreoffice(app) {
        two_agreements(app);
        let r = app.get("/v1/agreements/export?format=xlsx&lang=id&country=CN");
        assert_eq!(r.status, 200, "{}", r.body);
        let Some(text) = jalin_tests::office::sheet_csv(r.body_bytes(), "xlsx") else { return };
        let mut lines = text.lines();
        let title = lines.next().unwrap();
        assert!(title.contains("Perjanjian kerja sama luar negeri — Filter: negara = CN — Diekspor "), "{title}");
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        let (h, fujian) = (&rows[1], &rows[2]);
        for name in ["Nomor registrasi", "Subjenis", "Bentuk naskah", "Mitra", "Tanggal penandatanganan", "Versi (jangan diubah)"] {
            assert!(h.iter().any(|c| c == name), "{name} in {h:?}");
        }
        assert_eq!(cell(h, fujian, "Subjenis"), "Provinsi kembar");
        assert_eq!(cell(h, fujian, "Bentuk naskah"), "Nota kesepahaman");
        assert_eq!(cell(h, fujian, "Status"), "Berlaku");
        assert_eq!(cell(h, fujian, "Tanggal penandatanganan"), "10/05/2016", "a date cell shown dd/mm/yyyy");
        // Printed: one page wide (A4 landscape), not one column per page.
        let pdf = jalin_tests::office::convert(r.body_bytes(), "xlsx", "pdf").unwrap();
        let pdf = String::from_utf8_lossy(&pdf);
        let pages = pdf.matches("/Type/Page\n").count() + pdf.matches("/Type/Page/").count() + pdf.matches("/Type /Page\n").count();
        assert_eq!(pages, 1, "one agreement prints on one page");
        let media = pdf.find("/MediaBox").map(|i| &pdf[i..i + 40]).unwrap_or("none");
        // A4 landscape: 297 mm × 210 mm is 841.9 pt × 595.3 pt.
        assert!(media.starts_with("/MediaBox[0 0 841.8") && media.contains(" 595.3"), "A4 landscape: {media}");
    }

    /// #20: an export imported back changes nothing — in either language.
    fn export_then_import_unchanged_is_a_no_op(app) {
        two_agreements(app);
        let before = (app.get_all("/v1/agreements"), audit_events(app));
        for query in ["?lang=id", "?lang=en", "?labels=codes"] {
            let export = app.get(&format!("/v1/agreements/export{query}"));
            let r = import(app, "", export.body_bytes().to_vec());
            assert_eq!(r.status, 200, "{query}: {}", r.body);
            let report = r.json();
            assert_eq!((report["created"].clone(), report["unchanged"].clone(), report["updated"].clone()), (json!(0), json!(2), json!(0)), "{query}: {report}");
            assert_eq!(report["rows"][0]["outcome"], "unchanged");
            assert_eq!(report["rows"][0]["reference_number"], "KSLN-33-1991-0001");
        }
        // Saved again by an Indonesian Excel: dates dd/mm/yyyy, still the same.
        let resaved = app.get("/v1/agreements/export").body.replace("2016-05-10", "10/05/2016");
        assert_eq!(import(app, "", resaved.into_bytes()).json()["unchanged"], 2);
        assert_eq!(app.get_all("/v1/agreements"), before.0, "no agreement changed");
        assert_eq!(audit_events(app), before.1, "no audit event");
    }

    /// #20: a row with the `own_reference` of an agreement of its region is that agreement.
    fn a_row_is_matched_by_its_own_reference(app) {
        partners(app);
        let row = GOOD_2.replace("USD,,,", "USD,120/45/Setda,,");
        assert_eq!(import(app, "", csv(&[&row])).status, 201);
        // Another partner, instrument and date, the same own reference: the same agreement.
        let other = "33,sister_province,pks,State of Queensland,AU,T,,cultural_exchange,,id;en,true,active,2017-01-02,,,,,120/45/Setda,,";
        let report = import(app, "", csv(&[other])).json();
        assert_eq!(report["rows"][0]["outcome"], "duplicate", "{report}");
        assert_eq!(report["rows"][0]["reference_number"], "KSLN-33-2016-0001");
        assert_eq!(app.get_all("/v1/agreements").len(), 1);
        // In another region it is another agreement's reference.
        let elsewhere = other.replacen("33,", "33.74,", 1).replace("sister_province", "sister_city").replace("State of Queensland,AU", "Taipei City,TW");
        let report = import(app, "?dry_run=true", csv(&[&elsewhere])).json();
        assert_ne!(report["rows"][0]["outcome"], "duplicate", "{report}");
    }

    /// #20: a file as an Indonesian Excel saves it: BOM, `;`, Indonesian headers and labels,
    /// dd/mm/yyyy dates, a decimal comma.
    fn a_semicolon_file_with_bom_imports(app) {
        partners(app);
        let file = "\u{feff}Kode daerah;Subjenis;Bentuk naskah;Mitra;Negara mitra;Judul (bahasa Indonesia);Objek kerja sama;Bahasa naskah;Dicatat dari sebelum sistem;Status;Tanggal penandatanganan;Berakhir pada;Nilai;Mata uang\r\n\
            33;Provinsi kembar;Nota kesepahaman;Fujian Province;CN;MoU Jateng – Fujian;Pertukaran budaya; Promosi potensi daerah;id;zh;en;Ya;Berlaku;10/05/2016;09/05/2027;150000,50;USD\r\n";
        // Lists are `;`-separated too: quoted in a `;` file.
        let file = file.replace("Pertukaran budaya; Promosi potensi daerah;id;zh;en", "\"Pertukaran budaya; Promosi potensi daerah\";\"id;zh;en\"");
        let r = import(app, "", file.into_bytes());
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["reference_numbers"], json!(["KSLN-33-2016-0001"]));
        let a = &app.get_ok("/v1/agreements?country=CN")["items"][0];
        assert_eq!(a["subtype"], "sister_province");
        assert_eq!(a["instrument"], "mou");
        assert_eq!(a["objects"], json!(["cultural_exchange", "regional_promotion"]));
        assert_eq!(a["status"], "active");
        assert_eq!(a["signed_on"], "2016-05-10");
        assert_eq!(a["value"], json!({"amount": "150000.5", "currency": "USD"}));
        // A tab-separated file with English headers and codes.
        let tsv = "region_code\tsubtype\tinstrument\tPartner\tPartner country\tTitle (Indonesian)\tobjects\tlanguages\n33\tSister province\tloi\tState of Queensland\tAU\tLoI Jateng – Queensland\tcultural_exchange\tid;en\n";
        let r = import(app, "", tsv.as_bytes().to_vec());
        assert_eq!(r.status, 201, "{}", r.body);
        // A label that is no label is still a bad value.
        let bad = "kode daerah;subjenis;bentuk naskah;mitra;negara mitra;judul (bahasa indonesia);objek kerja sama;bahasa naskah\n33;Provinsi saudara;Nota kesepahaman;Fujian Province;CN;T;Pertukaran budaya;id\n";
        let p = import(app, "", bad.as_bytes().to_vec()).problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/rows/2/subtype");
    }

    /// #20: Excel's "CSV (comma delimited)" is Windows-1252: refused with a 422 naming the line,
    /// not a 400 about multipart.
    fn a_windows_1252_file_is_refused_naming_the_line(app) {
        partners(app);
        let mut bytes = csv(&[GOOD_1.replace('–', "-").as_str()]);
        // Line 3: "MoU Jateng – Fujian" with the dash in Windows-1252 (0x96).
        bytes.extend_from_slice(b"33,sister_province,mou,Fujian Province,CN,MoU Jateng \x96 Fujian,,cultural_exchange,,id;zh,true,active,2016-05-10,,,,,,,\n");
        let r = import(app, "", bytes);
        let p = r.problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/rows/3/encoding");
        assert_eq!(p["errors"][0]["code"], "invalid_encoding");
        let message = p["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("line 3") && message.contains("Windows-1252") && message.contains("UTF-8"), "{message}");
        assert_eq!(app.get_all("/v1/agreements").len(), 0);
        // UTF-16 (Excel's "Unicode text") likewise.
        let p = import(app, "", vec![0xFF, 0xFE, b'r', 0]).problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["pointer"], "/rows/1/encoding");
    }

    /// #20: a dry run reports what would happen, refused rows included, and writes nothing.
    fn dry_run_writes_nothing(app) {
        partners(app);
        let events = audit_events(app);
        let r = import(app, "?dry_run=true", csv(&[GOOD_1, GOOD_2]));
        assert_eq!(r.status, 200, "{}", r.body);
        let report = r.json();
        assert_eq!(report["dry_run"], true);
        assert_eq!(report["created"], 2);
        assert_eq!(report["reference_numbers"], json!(["KSLN-33-1991-0001", "KSLN-33-2016-0001"]));
        assert_eq!(app.get_all("/v1/agreements").len(), 0, "nothing created");
        assert_eq!(audit_events(app), events, "nothing audited");
        // A bad row: the same report, refused, with its errors.
        let bad = "33,sister_province,treaty,State of Queensland,AU,T,,cultural_exchange,,id;en,false,,,,,,,,,";
        let report = import(app, "?dry_run=true", csv(&[GOOD_1, bad])).json();
        assert_eq!((report["created"].clone(), report["refused"].clone()), (json!(1), json!(1)), "{report}");
        assert_eq!(report["rows"][1]["outcome"], "refused");
        assert_eq!(report["rows"][1]["errors"][0]["column"], "instrument");
        assert_eq!(report["rows"][1]["errors"][0]["code"], "invalid_value");
        // An update in a dry run is not written either.
        assert_eq!(import(app, "", csv(&[GOOD_1, GOOD_2])).status, 201);
        let export = app.get("/v1/agreements/export?lang=en&country=CN").body.replace("MoU Jateng – Fujian", "MoU Jawa Tengah – Fujian");
        let report = import(app, "?dry_run=true", export.into_bytes()).json();
        assert_eq!(report["updated"], 1, "{report}");
        assert_eq!(app.get_ok("/v1/agreements?country=CN")["items"][0]["title_id"], "MoU Jateng – Fujian, provinsi kembar");
        assert_eq!(version_of(app, "CN"), "1");
    }

    /// #20: an edited row of an export updates its agreement through the same rules as the API.
    fn a_reimport_of_a_changed_record_updates_it(app) {
        two_agreements(app);
        let events = audit_events(app);
        let export = app.get("/v1/agreements/export?lang=id").body;
        let edited = export.replace("MoU Jateng – Fujian, provinsi kembar", "MoU Jawa Tengah – Fujian");
        let r = import(app, "", edited.into_bytes());
        assert_eq!(r.status, 200, "{}", r.body);
        let report = r.json();
        assert_eq!((report["updated"].clone(), report["unchanged"].clone(), report["created"].clone()), (json!(1), json!(1), json!(0)), "{report}");
        assert_eq!(report["rows"][1]["reference_number"], "KSLN-33-2016-0001");
        let fujian = &app.get_ok("/v1/agreements?country=CN")["items"][0];
        assert_eq!(fujian["title_id"], "MoU Jawa Tengah – Fujian");
        assert_eq!(version_of(app, "CN"), "2");
        assert_eq!(fujian["value"], json!({"amount": "150000.5", "currency": "USD"}), "what the row did not change stays");
        assert_eq!(audit_events(app), events + 1, "one audit event: the update");
        // R9: the signing date of a signed agreement stays fixed, through the import too.
        let export = app.get("/v1/agreements/export?lang=en&country=CN").body;
        let p = import(app, "", export.replace("2016-05-10", "2016-05-11").into_bytes()).problem(422, "validation_failed");
        assert!(p["errors"].as_array().unwrap().iter().all(|e| e["pointer"].as_str().unwrap().starts_with("/rows/2/")), "{p}");
        assert_eq!(app.get_ok("/v1/agreements?country=CN")["items"][0]["signed_on"], "2016-05-10");
        // A matching row without a version is a duplicate, not written.
        let dup = GOOD_2.replace("MoU Jateng – Fujian, provinsi kembar", "Another title");
        let report = import(app, "", csv(&[&dup])).json();
        assert_eq!(report["duplicates"], 1, "{report}");
        assert_eq!(report["rows"][0]["outcome"], "duplicate");
        assert_eq!(app.get_all("/v1/agreements").len(), 2);
    }

    /// #20: the `If-Match` rule for files: a row of an agreement that changed since the export
    /// is refused as a conflict, and the file changes nothing.
    fn a_row_edited_after_export_is_a_conflict(app) {
        two_agreements(app);
        let old = app.get("/v1/agreements/export?lang=en").body;
        // Someone else updates Fujian in the meantime.
        let theirs = old.replace("MoU Jateng – Fujian, provinsi kembar", "MoU Jawa Tengah – Fujian");
        assert_eq!(import(app, "", theirs.into_bytes()).json()["updated"], 1);
        // Our edit of the old export: Queensland's row is fine, Fujian's is stale.
        let ours = old.replace("MoU Jateng – Fujian, provinsi kembar", "MoU Jateng – Fujian (revised)")
            .replace("Sister province MoU", "Sister province memorandum");
        let p = import(app, "", ours.into_bytes()).problem(422, "validation_failed");
        let errors = p["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{p}");
        assert_eq!(errors[0]["pointer"], "/rows/3/version");
        assert_eq!(errors[0]["code"], "conflict");
        let all = app.get_all("/v1/agreements");
        assert!(all.iter().any(|a| a["title_id"] == "MoU Jawa Tengah – Fujian"));
        assert_eq!(version_of(app, "CN"), "2");
        assert_eq!(all.iter().find(|a| a["reference_number"] == "KSLN-33-1991-0001").unwrap()["title_en"], "Sister province MoU", "all or nothing");
    }

    /// #20: the public CSV keeps its wire format for programs; with `lang` it is for people.
    fn the_public_csv_keeps_its_wire_format_unless_asked_for_people(app) {
        two_agreements(app);
        let machine = app.get("/v1/public/agreements?format=csv");
        assert_eq!(machine.status, 200, "{}", machine.body);
        assert!(machine.body.starts_with("id,region_code,region_name,kind,subtype,instrument,"), "{}", machine.body);
        assert!(machine.body.contains(",sister_province,mou,"));
        assert_eq!(machine.header("vary"), Some("Accept-Encoding"));
        let people = app.get("/v1/public/agreements?format=csv&lang=id");
        assert_eq!(people.header("vary"), Some("Accept-Encoding, Accept-Language"));
        let (h, rows) = read_csv(&people.body, b';');
        assert_eq!(&h[1], "Kode daerah");
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| cell(&h, r, "Subjenis") == "Provinsi kembar"));
        assert!(rows.iter().any(|r| cell(&h, r, "Status") == "Berakhir"));
        let english = app.req("GET", "/v1/public/agreements?format=csv&delimiter=comma").header("Accept-Language", "en").send();
        let (h, rows) = read_csv(&english.body, b',');
        assert!(rows.iter().all(|r| cell(&h, r, "Instrument") == "Memorandum of understanding"));
        assert_ne!(english.header("etag"), people.header("etag"));
        // The good practices' CSV likewise.
        let practices = app.get("/v1/public/good-practices?format=csv&lang=id");
        assert_eq!(read_csv(&practices.body, b';').0.get(2), Some("Judul"));
        let practices = app.get("/v1/public/good-practices?format=csv");
        assert!(practices.body.starts_with("id,region_code,title,"), "{}", practices.body);
    }
}
