//! Import (CSV, all or nothing) and export (CSV, XLSX) of agreements.

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
        let r = app.get("/v1/agreements/export?format=csv&country=CN");
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        assert!(r.header("content-disposition").unwrap().starts_with("attachment; filename=\"agreements-"));
        let mut reader = csv::Reader::from_reader(r.body.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 1);
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        assert_eq!(&rows[0][col("partner_name")], "Fujian Province");
        assert_eq!(&rows[0][col("signed_on")], "2016-05-10");
        // The export reads back as an import (round trip).
        let all = app.get("/v1/agreements/export");
        assert_eq!(csv::Reader::from_reader(all.body.as_bytes()).records().count(), 2);
    }

    /// Opened with a real XLSX reader: a header row, dates as dates, amounts as numbers.
    fn the_xlsx_export_opens_with_typed_cells(app) {
        partners(app);
        assert_eq!(app.req("POST", "/v1/agreements/import").body("text/csv", csv(&[GOOD_1, GOOD_2])).send().status, 201);
        let r = app.get("/v1/agreements/export?format=xlsx");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(r.body_bytes().to_vec())).expect("a valid XLSX");
        let sheet = book.worksheet_range("Agreements").expect("the sheet");
        let rows: Vec<&[Data]> = sheet.rows().collect();
        assert_eq!(rows.len(), 3, "header and two agreements");
        assert_eq!(rows[0][0], Data::String("reference_number".into()));
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
        assert_eq!(csv::Reader::from_reader(r.body.as_bytes()).records().count(), 0);
        let (_, viewer) = app.user("export-viewer", "viewer", Some("33"));
        app.req("POST", "/v1/agreements/import").bearer(&viewer).body("text/csv", csv(&[GOOD_1])).send().problem(403, "forbidden");
    }
}
