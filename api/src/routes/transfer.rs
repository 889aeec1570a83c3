//! Import (CSV, all or nothing, every bad row reported) and export (CSV or XLSX, honouring the
//! list filters) of agreements.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::agreement::{AgreementStatus, CooperationObject, Instrument, Subtype};
use jalin_persistence::audit::Actor;
use jalin_persistence::registry::{self, AgreementFilter, AgreementPaging, AgreementSort};
use jalin_persistence::{write_transaction, DbConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::openapi::responses::BadRequest;
use crate::problem::{FieldIssue, Text};
use crate::routes::agreements::{create_in, AgreementInput, Checklist, Money, Signatories};
use crate::state::AppState;

/// The import template's columns, in order (the export adds `reference_number`, `kind` and
/// `expires_in_days`, which the import ignores).
pub const TEMPLATE: &[&str] = &[
    "region_code",
    "subtype",
    "instrument",
    "partner_name",
    "partner_country",
    "title_id",
    "title_en",
    "objects",
    "sectors",
    "languages",
    "legacy",
    "status",
    "signed_on",
    "effective_from",
    "expires_on",
    "value_amount",
    "value_currency",
    "own_reference",
    "partner_reference",
    "level_justification",
];

pub const MAX_ROWS: usize = 5000;

/// One refused cell or row of an import.
#[derive(Debug, Clone)]
pub struct RowError {
    /// 1-based line in the file (the header is line 1).
    pub row: usize,
    pub column: String,
    pub code: String,
    pub en: String,
    pub id: String,
}

impl RowError {
    fn issue(&self) -> FieldIssue {
        FieldIssue::pointer(
            &format!("/rows/{}/{}", self.row, self.column),
            &self.code,
            Text::new(self.en.clone(), self.id.clone()),
        )
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn opt(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Reads the CSV into rows keyed by column; structural problems are row errors.
/// A CSV line number and its cells by column name.
type CsvRow = (usize, HashMap<String, String>);

fn read(text: &str) -> Result<Vec<CsvRow>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_owned()).collect(),
        Err(e) => {
            return Err(vec![RowError {
                row: 1,
                column: "header".into(),
                code: "malformed_csv".into(),
                en: e.to_string(),
                id: e.to_string(),
            }]);
        }
    };
    let required = [
        "region_code",
        "subtype",
        "instrument",
        "partner_name",
        "partner_country",
        "title_id",
        "objects",
        "languages",
    ];
    let missing: Vec<RowError> = required
        .iter()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .map(|c| RowError {
            row: 1,
            column: (*c).into(),
            code: "missing_column".into(),
            en: format!("the header lacks `{c}`"),
            id: format!("header tidak memuat `{c}`"),
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        match record {
            Ok(r) => rows.push((
                line,
                headers
                    .iter()
                    .cloned()
                    .zip(r.iter().map(str::to_owned))
                    .collect(),
            )),
            Err(e) => errors.push(RowError {
                row: line,
                column: "row".into(),
                code: "malformed_csv".into(),
                en: e.to_string(),
                id: e.to_string(),
            }),
        }
        if rows.len() > MAX_ROWS {
            errors.push(RowError {
                row: line,
                column: "row".into(),
                code: "too_many_rows".into(),
                en: format!("at most {MAX_ROWS} rows per file"),
                id: format!("paling banyak {MAX_ROWS} baris per berkas"),
            });
            break;
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn parse_row(
    c: &mut DbConnection,
    line: usize,
    r: &HashMap<String, String>,
) -> Result<AgreementInput, Vec<RowError>> {
    let mut errs = Vec::new();
    let get = |k: &str| r.get(k).map(String::as_str).unwrap_or("").trim().to_owned();
    let mut err = |column: &str, code: &str, en: String, id: String| {
        errs.push(RowError {
            row: line,
            column: column.into(),
            code: code.into(),
            en,
            id,
        })
    };
    let subtype = Subtype::parse(&get("subtype"));
    if subtype.is_none() {
        err(
            "subtype",
            "invalid_value",
            format!("`{}` is not a subtype", get("subtype")),
            format!("`{}` bukan subjenis", get("subtype")),
        );
    }
    let instrument = Instrument::parse(&get("instrument"));
    if instrument.is_none() {
        err(
            "instrument",
            "invalid_value",
            format!("`{}` is not an instrument", get("instrument")),
            format!("`{}` bukan bentuk naskah", get("instrument")),
        );
    }
    let mut objects = Vec::new();
    for o in list(&get("objects")) {
        match CooperationObject::parse(&o) {
            Some(x) => objects.push(x),
            None => err(
                "objects",
                "R3",
                format!("`{o}` is not an object of PP 28/2018 art. 23(2)"),
                format!("`{o}` bukan objek pasal 23 ayat 2"),
            ),
        }
    }
    let status = match opt(&get("status")) {
        None => None,
        Some(s) => match AgreementStatus::parse(&s) {
            Some(x) => Some(x),
            None => {
                err(
                    "status",
                    "invalid_value",
                    format!("`{s}` is not a status"),
                    format!("`{s}` bukan status"),
                );
                None
            }
        },
    };
    let legacy = match get("legacy").to_lowercase().as_str() {
        "" | "false" | "0" | "no" | "tidak" => false,
        "true" | "1" | "yes" | "ya" => true,
        other => {
            err(
                "legacy",
                "invalid_value",
                format!("`{other}` is not true or false"),
                format!("`{other}` bukan true atau false"),
            );
            false
        }
    };
    let mut date = |col: &str| -> Option<NaiveDate> {
        let v = get(col);
        if v.is_empty() {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok();
        if parsed.is_none() {
            errs.push(RowError {
                row: line,
                column: col.into(),
                code: "invalid_date".into(),
                en: format!("`{v}` is not a date (YYYY-MM-DD)"),
                id: format!("`{v}` bukan tanggal (YYYY-MM-DD)"),
            });
        }
        parsed
    };
    let (signed_on, effective_from, expires_on) = (
        date("signed_on"),
        date("effective_from"),
        date("expires_on"),
    );
    let partner = match registry::find_partner_by_name(
        c,
        &get("partner_name"),
        &get("partner_country").to_uppercase(),
    ) {
        Ok(Some(p)) => Some(p.id),
        Ok(None) => {
            errs.push(RowError {
                row: line,
                column: "partner_name".into(),
                code: "unknown_partner".into(),
                en: format!(
                    "no registered partner `{}` in {}",
                    get("partner_name"),
                    get("partner_country")
                ),
                id: format!(
                    "tidak ada mitra terdaftar `{}` di {}",
                    get("partner_name"),
                    get("partner_country")
                ),
            });
            None
        }
        Err(e) => {
            errs.push(RowError {
                row: line,
                column: "partner_name".into(),
                code: "lookup_failed".into(),
                en: e.to_string(),
                id: e.to_string(),
            });
            None
        }
    };
    let value = match (opt(&get("value_amount")), opt(&get("value_currency"))) {
        (Some(amount), Some(currency)) => Some(Money { amount, currency }),
        (None, None) => None,
        _ => {
            errs.push(RowError {
                row: line,
                column: "value_currency".into(),
                code: "incomplete_money".into(),
                en: "give both value_amount and value_currency".into(),
                id: "isi value_amount dan value_currency".into(),
            });
            None
        }
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    let (Some(subtype), Some(instrument), Some(partner)) = (subtype, instrument, partner) else {
        return Err(errs);
    };
    Ok(AgreementInput {
        region_code: get("region_code"),
        subtype,
        instrument,
        partner_ids: vec![partner],
        parent_id: None,
        predecessor_id: None,
        title_id: get("title_id"),
        title_en: opt(&get("title_en")),
        objects,
        sectors: list(&get("sectors")),
        languages: list(&get("languages")),
        implementing_agencies: Vec::new(),
        financing_source: None,
        creates_foreign_loan: false,
        value,
        signatories: Signatories::default(),
        signed_on,
        signed_place: None,
        effective_from,
        expires_on,
        legacy,
        status,
        level_justification: opt(&get("level_justification")),
        own_reference: opt(&get("own_reference")),
        partner_reference: opt(&get("partner_reference")),
        checklist: Checklist::default(),
    })
}

/// Converts an API error on one row into row errors.
fn row_errors(line: usize, e: ApiError) -> Vec<RowError> {
    let p = e.problem();
    if p.errors.is_empty() {
        return vec![RowError {
            row: line,
            column: "row".into(),
            code: p.code.into(),
            en: p.detail.en,
            id: p.detail.id,
        }];
    }
    p.errors
        .into_iter()
        .map(|i| RowError {
            row: line,
            column: i
                .pointer
                .or(i.parameter)
                .unwrap_or_default()
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("")
                .to_owned(),
            code: i.code,
            en: i.message.en,
            id: i.message.id,
        })
        .collect()
}

/// Imports every row in one transaction; on any bad row nothing is kept and every bad row is
/// returned. `progress` is called after each row.
pub fn import(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: &Visibility,
    request_id: Option<&str>,
    text: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<String>, Vec<RowError>> {
    let rows = read(text)?;
    let total = rows.len();
    let result = write_transaction(conn, |c| -> Result<Vec<String>, ImportFailure> {
        let mut created = Vec::new();
        let mut errors = Vec::new();
        for (i, (line, row)) in rows.iter().enumerate() {
            match parse_row(c, *line, row) {
                Err(e) => errors.extend(e),
                Ok(input) => match create_in(c, actor, scope, request_id, input) {
                    Ok((a, _)) => created.push(a.reference_number),
                    Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => {
                        return Err(ImportFailure::Fatal(e))
                    }
                    Err(e) => errors.extend(row_errors(*line, e)),
                },
            }
            progress(i + 1, total);
        }
        if errors.is_empty() {
            Ok(created)
        } else {
            Err(ImportFailure::Rows(errors))
        }
    });
    match result {
        Ok(v) => Ok(v),
        Err(ImportFailure::Rows(e)) => Err(e),
        Err(ImportFailure::Fatal(e)) => Err(vec![RowError {
            row: 0,
            column: "file".into(),
            code: "internal_error".into(),
            en: e.to_string(),
            id: e.to_string(),
        }]),
    }
}

enum ImportFailure {
    Rows(Vec<RowError>),
    Fatal(ApiError),
}

impl From<jalin_persistence::DbError> for ImportFailure {
    fn from(e: jalin_persistence::DbError) -> Self {
        ImportFailure::Fatal(e.into())
    }
}

impl From<diesel_error::Error> for ImportFailure {
    fn from(e: diesel_error::Error) -> Self {
        ImportFailure::Fatal(jalin_persistence::DbError::from(e).into())
    }
}

mod diesel_error {
    pub use jalin_persistence::db::DieselError as Error;
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"imported": 2, "reference_numbers": ["KSLN-33-1991-0001", "KSLN-33-2019-0001"]}))]
pub struct ImportResult {
    pub imported: usize,
    /// The reference numbers given, in file order.
    pub reference_numbers: Vec<String>,
}

/// Import agreements from CSV (the template in the README), all or nothing.
///
/// Partners are matched by `partner_name` and `partner_country` among registered partners.
/// Lists (`objects`, `sectors`, `languages`) are separated by `;`. A file with any bad row
/// changes nothing and the problem lists every bad cell as `/rows/{line}/{column}` with its code
/// (a rule id such as `R4` for a rule violation).
#[utoipa::path(
    post,
    path = "/v1/agreements/import",
    operation_id = "importAgreements",
    tag = "agreements",
    request_body(content = String, content_type = "text/csv", description = "CSV with a header row; UTF-8."),
    responses(
        (status = 201, description = "Every row imported.", body = ImportResult),
        (status = 413, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn import_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    rid: RequestId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let scope = auth.may(Action::WriteAgreements)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !ct.starts_with("text/csv") {
        return Err(ApiError::UnsupportedMediaType {
            found: Some(ct).filter(|c| !c.is_empty()),
        });
    }
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::MalformedMultipart("the CSV is not UTF-8".into()))?;
    let actor = auth.actor();
    let result = state
        .db(move |c| Ok(import(c, &actor, &scope, Some(&rid.0), &text, |_, _| {})))
        .await?;
    state.summaries.written();
    match result {
        Ok(numbers) => Ok(HttpResponse::Created().json(ImportResult {
            imported: numbers.len(),
            reference_numbers: numbers,
        })),
        Err(errors) => Err(ApiError::Validation(
            errors.iter().map(RowError::issue).collect(),
        )),
    }
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    #[param(pattern = "^(csv|xlsx)$")]
    pub format: Option<String>,
    /// As in `listAgreements`: a province includes its regencies/cities.
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
    pub status: Option<AgreementStatus>,
    #[param(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    pub object: Option<CooperationObject>,
    pub legacy: Option<bool>,
    #[param(value_type = Option<String>, format = Date)]
    pub expiring_before: Option<NaiveDate>,
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

pub const EXPORT_LIMIT: i64 = 50_000;

/// Export the agreements in your scope as CSV or XLSX, with the list's filters.
#[utoipa::path(
    get,
    path = "/v1/agreements/export",
    operation_id = "exportAgreements",
    tag = "agreements",
    params(ExportQuery),
    responses(
        (status = 200, description = "The file: a header row, then one agreement a row (dates as dates, amounts as numbers in XLSX).",
         content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         ),
         headers(("Content-Disposition" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn export(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let xlsx = match q.format.as_deref() {
        None | Some("csv") => false,
        Some("xlsx") => true,
        Some(_) => {
            return Err(ApiError::invalid_parameter(
                "format",
                "invalid_value",
                "csv or xlsx",
                "csv atau xlsx",
            ))
        }
    };
    crate::routes::partners::country_param(q.country.as_deref())?;
    let region = super::region_param("region_code", q.region_code.as_deref())?;
    let filter = AgreementFilter {
        region,
        status: q.status,
        country: q.country.map(|c| c.to_ascii_uppercase()),
        object: q.object,
        legacy: q.legacy,
        expiring_before: q.expiring_before,
        q: q.q,
        ..Default::default()
    };
    let (rows, partners) = state
        .db(move |c| {
            let paging = AgreementPaging {
                sort: AgreementSort::ReferenceNumber,
                limit: EXPORT_LIMIT,
                ..Default::default()
            };
            let rows = registry::list_agreements(c, &vis, &filter, &paging)?;
            let ids: Vec<String> = rows.iter().flat_map(|a| a.partner_ids.clone()).collect();
            Ok((rows, registry::partners_by_id(c, &ids)?))
        })
        .await?;
    let today = crate::clock::today();
    let stamp = today.format("%Y%m%d");
    let records: Vec<ExportRow> = rows
        .iter()
        .map(|a| {
            let ps: Vec<&registry::Partner> = a
                .partner_ids
                .iter()
                .filter_map(|id| partners.iter().find(|p| &p.id == id))
                .collect();
            let d = &a.details;
            ExportRow {
                reference_number: a.reference_number.clone(),
                region_code: a.region.to_string(),
                kind: a.kind.as_str().into(),
                subtype: a.subtype.as_str().into(),
                instrument: a.instrument.as_str().into(),
                partner_name: ps
                    .iter()
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                partner_country: ps
                    .iter()
                    .map(|p| p.country.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                title_id: a.title_id.clone(),
                title_en: a.title_en.clone().unwrap_or_default(),
                objects: a
                    .objects
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                sectors: a.sectors.join(";"),
                languages: a.languages.join(";"),
                legacy: a.legacy,
                status: a.status.as_str().into(),
                signed_on: a.signed_on,
                effective_from: a.effective_from,
                expires_on: a.expires_on,
                expires_in_days: a.expires_on.map(|e| (e - today).num_days()),
                value_amount: a.value_amount.clone(),
                value_currency: a.value_currency.clone().unwrap_or_default(),
                own_reference: d["own_reference"].as_str().unwrap_or("").into(),
                partner_reference: d["partner_reference"].as_str().unwrap_or("").into(),
                level_justification: a.level_justification.clone().unwrap_or_default(),
            }
        })
        .collect();
    if xlsx {
        let bytes = to_xlsx(&records).map_err(|e| ApiError::internal(format!("xlsx: {e}")))?;
        Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"agreements-{stamp}.xlsx\""),
            ))
            .body(bytes))
    } else {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in &records {
            w.serialize(r)
                .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
        }
        if records.is_empty() {
            w.write_record(EXPORT_COLUMNS)
                .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
        Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"agreements-{stamp}.csv\""),
            ))
            .body(bytes))
    }
}

const EXPORT_COLUMNS: &[&str] = &[
    "reference_number",
    "region_code",
    "kind",
    "subtype",
    "instrument",
    "partner_name",
    "partner_country",
    "title_id",
    "title_en",
    "objects",
    "sectors",
    "languages",
    "legacy",
    "status",
    "signed_on",
    "effective_from",
    "expires_on",
    "expires_in_days",
    "value_amount",
    "value_currency",
    "own_reference",
    "partner_reference",
    "level_justification",
];

#[derive(Serialize)]
struct ExportRow {
    reference_number: String,
    region_code: String,
    kind: String,
    subtype: String,
    instrument: String,
    partner_name: String,
    partner_country: String,
    title_id: String,
    title_en: String,
    objects: String,
    sectors: String,
    languages: String,
    legacy: bool,
    status: String,
    signed_on: Option<NaiveDate>,
    effective_from: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    expires_in_days: Option<i64>,
    value_amount: Option<String>,
    value_currency: String,
    own_reference: String,
    partner_reference: String,
    level_justification: String,
}

fn to_xlsx(rows: &[ExportRow]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Agreements")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format("#,##0.00");
    for (c, name) in EXPORT_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        let text = [
            &r.reference_number,
            &r.region_code,
            &r.kind,
            &r.subtype,
            &r.instrument,
            &r.partner_name,
            &r.partner_country,
            &r.title_id,
            &r.title_en,
            &r.objects,
            &r.sectors,
            &r.languages,
        ];
        for (c, v) in text.iter().enumerate() {
            sheet.write_string(row, c as u16, v.as_str())?;
        }
        sheet.write_boolean(row, 12, r.legacy)?;
        sheet.write_string(row, 13, &r.status)?;
        for (c, d) in [
            (14u16, r.signed_on),
            (15, r.effective_from),
            (16, r.expires_on),
        ] {
            if let Some(d) = d {
                let x = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                sheet.write_datetime_with_format(row, c, &x, &date)?;
            }
        }
        if let Some(n) = r.expires_in_days {
            sheet.write_number(row, 17, n as f64)?;
        }
        if let Some(a) = &r.value_amount {
            match a.parse::<f64>() {
                Ok(n) => sheet.write_number_with_format(row, 18, n, &money)?,
                Err(_) => sheet.write_string(row, 18, a)?,
            };
        }
        sheet.write_string(row, 19, &r.value_currency)?;
        sheet.write_string(row, 20, &r.own_reference)?;
        sheet.write_string(row, 21, &r.partner_reference)?;
        sheet.write_string(row, 22, &r.level_justification)?;
    }
    sheet.autofit();
    book.save_to_buffer()
}
