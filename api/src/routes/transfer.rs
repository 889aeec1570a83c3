//! Import (CSV, all or nothing, every bad row reported; rows matching an agreement update it or
//! leave it unchanged) and export (CSV or XLSX for people or programs, honouring the list
//! filters) of agreements.

use std::sync::{Arc, Mutex};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use jalin_domain::access::Action;
use jalin_domain::agreement::{AgreementStatus, CooperationObject};
use jalin_domain::Date;
use jalin_persistence::registry::AgreementFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::context::RequestLang;
use crate::error::ApiError;
use crate::export::{Delimiter, ExportLang, LabelMode, Layout};
use crate::extract::ApiQuery;
use crate::openapi::responses::BadRequest;
use crate::problem::Lang;
use crate::routes::documents::require_media_type;
use crate::service::transfer::{self, ExportFormat};

/// What became of one row of an import.
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// A new agreement.
    Created,
    /// The agreement the row matches, updated (the row carried its current `version`).
    Updated,
    /// The row says what the agreement it matches says: nothing written.
    Unchanged,
    /// The row matches an agreement, differs from it and has no `version`: nothing written.
    Duplicate,
    /// Refused: see `errors` (a real import then keeps nothing and answers 422).
    Refused,
}

/// Why a row is refused.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"column": "version", "code": "conflict", "message": "KSLN-33-2016-0001 changed since it was exported (version 3 now, 2 in the file): export it again and redo the change"}))]
pub struct ImportRowError {
    /// The column (field name), or `row`, `header` or `encoding`.
    pub column: String,
    /// A stable code (`invalid_value`, `unknown_partner`, `conflict`, a rule id such as `R4`…).
    pub code: String,
    /// In the request's language (`Accept-Language`).
    pub message: String,
}

/// One row of an import's report.
#[derive(Serialize, ToSchema)]
pub struct ImportRow {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub outcome: ImportOutcome,
    /// The agreement created, updated or matched.
    pub reference_number: Option<String>,
    pub errors: Vec<ImportRowError>,
}

/// What an import did — or, with `dry_run=true`, would do — with every row, in file order.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "dry_run": false, "imported": 1, "reference_numbers": ["KSLN-33-2016-0001"],
    "created": 1, "updated": 1, "unchanged": 1, "duplicates": 0, "refused": 0,
    "rows": [
        {"line": 2, "outcome": "unchanged", "reference_number": "KSLN-33-1991-0001", "errors": []},
        {"line": 3, "outcome": "updated", "reference_number": "KSLN-33-2019-0001", "errors": []},
        {"line": 4, "outcome": "created", "reference_number": "KSLN-33-2016-0001", "errors": []}
    ]
}))]
pub struct ImportResult {
    /// Whether this is a dry run (nothing was written).
    pub dry_run: bool,
    /// The number of agreements created.
    pub imported: usize,
    /// The reference numbers of the agreements created, in file order.
    pub reference_numbers: Vec<String>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub duplicates: usize,
    pub refused: usize,
    pub rows: Vec<ImportRow>,
}

impl ImportResult {
    fn of(r: &transfer::ImportReport, lang: Lang) -> Self {
        use transfer::Outcome as O;
        let rows = r
            .rows
            .iter()
            .map(|row| ImportRow {
                line: row.line,
                outcome: match row.outcome {
                    O::Created => ImportOutcome::Created,
                    O::Updated => ImportOutcome::Updated,
                    O::Unchanged => ImportOutcome::Unchanged,
                    O::Duplicate => ImportOutcome::Duplicate,
                    O::Refused => ImportOutcome::Refused,
                },
                reference_number: row.reference_number.clone(),
                errors: row
                    .errors
                    .iter()
                    .map(|e| ImportRowError {
                        column: e.column.clone(),
                        code: e.code.clone(),
                        message: match lang {
                            Lang::En => e.en.clone(),
                            Lang::Id => e.id.clone(),
                        },
                    })
                    .collect(),
            })
            .collect();
        let reference_numbers = r.created();
        ImportResult {
            dry_run: r.dry_run,
            imported: reference_numbers.len(),
            reference_numbers,
            created: r.count(O::Created),
            updated: r.count(O::Updated),
            unchanged: r.count(O::Unchanged),
            duplicates: r.count(O::Duplicate),
            refused: r.count(O::Refused),
            rows,
        }
    }
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true`: check every row and report what would be created, updated, left unchanged or
    /// refused, writing nothing (answered 200 with the same report, refused rows included).
    #[param(example = true)]
    pub dry_run: Option<bool>,
}

/// Import agreements from CSV (the template in the README, or an export), all or nothing.
///
/// The file is UTF-8 with or without a BOM; its delimiter (`;`, `,` or TAB) is found from the
/// header line. Headers are field names or the headers an export writes, in Indonesian or
/// English; coded values (subtype, instrument, status, objects) are codes or the labels an
/// export writes in either language; dates are `YYYY-MM-DD` or `dd/mm/yyyy`; an amount may have
/// a decimal comma. A file in another encoding (Windows-1252, UTF-16) is refused with a 422
/// naming the first line that is not UTF-8 (`/rows/{line}/encoding`, code `invalid_encoding`).
///
/// Partners are matched by `partner_name` and `partner_country` among registered partners.
/// Lists (`objects`, `sectors`, `languages`, several partners) are separated by `;`.
///
/// A row matching an agreement you see — by `reference_number`, else `own_reference` in its
/// region, else region + partner + instrument + `signed_on` — is compared with it: the same, it
/// is `unchanged` (an export imported back changes nothing); different, with the agreement's
/// current `version` (the export's last column), it updates the agreement under the same rules
/// as `replaceAgreement` (signed facts stay fixed, R9/R16); with an older version it is refused
/// as a `conflict` (the agreement changed since the export: the `If-Match` rule); without a
/// version it is reported as a `duplicate` and not written. Columns the file lacks keep the
/// agreement's values.
///
/// A file with any refused row changes nothing and the problem lists every bad cell as
/// `/rows/{line}/{column}` with its code (a rule id such as `R4` for a rule violation).
#[utoipa::path(
    post,
    path = "/v1/agreements/import",
    operation_id = "importAgreements",
    tag = "agreements",
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv",
        description = "CSV with a header row; UTF-8 (a BOM is allowed); `;`, `,` or TAB separated.",
        example = "region_code;subtype;instrument;partner_name;partner_country;title_id;objects;languages\n33;Provinsi kembar;Nota kesepahaman;State of Queensland;AU;MoU Jateng – Queensland;Pertukaran budaya;id;en\n"),
    responses(
        (status = 201, description = "Every row imported; at least one agreement created.", body = ImportResult),
        (status = 200, description = "Every row imported and none created (all updated, unchanged or duplicates), or a dry run's report.", body = ImportResult),
        (status = 413, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn import_csv(
    req: HttpRequest,
    caller: Caller,
    ApiQuery(q): ApiQuery<ImportQuery>,
    RequestLang(lang): RequestLang,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::WriteAgreements)?;
    require_media_type(&req, "text/csv")?;
    let text = transfer::decode(&body).map_err(|e| ApiError::Validation(vec![e.issue()]))?;
    if text.contains('\0') {
        return Err(ApiError::InvalidText {
            at: None,
            in_url: false,
        });
    }
    let dry_run = q.dry_run.unwrap_or(false);
    // A dry run's report comes back through its rollback.
    let dry = Arc::new(Mutex::new(None));
    let slot = dry.clone();
    let result = caller
        .write(
            move |c, ctx| match transfer::import(c, ctx, &scope, &text, dry_run, |_, _| {}) {
                Err(transfer::ImportError::DryRun(report)) => {
                    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(report);
                    Err(ApiError::PreconditionFailed)
                }
                other => Ok(other?),
            },
        )
        .await;
    let dry = dry.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(report) = dry {
        return Ok(HttpResponse::Ok().json(ImportResult::of(&report, lang)));
    }
    let report = result?;
    let body = ImportResult::of(&report, lang);
    Ok(match body.created {
        0 => HttpResponse::Ok().json(body),
        _ => HttpResponse::Created().json(body),
    })
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    #[param(pattern = "^(csv|xlsx)$", example = "xlsx")]
    pub format: Option<String>,
    /// The language of headers, labels and title; default from `Accept-Language`, else `id`.
    #[param(inline, example = "id")]
    pub lang: Option<ExportLang>,
    /// `labels` (default) or `codes` (field names and codes, for programs).
    #[param(inline, example = "labels")]
    pub labels: Option<LabelMode>,
    /// The CSV delimiter; default `semicolon` for `lang=id` with labels, else `comma`.
    #[param(inline, example = "semicolon")]
    pub delimiter: Option<Delimiter>,
    /// As in `listAgreements`: a province includes its regencies/cities.
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
    pub status: Option<AgreementStatus>,
    #[param(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    pub object: Option<CooperationObject>,
    pub legacy: Option<bool>,
    #[param(value_type = Option<String>, format = Date)]
    pub expiring_before: Option<Date>,
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

/// Export the agreements in your scope as CSV or XLSX, with the list's filters.
///
/// For people by default: headers and values (subtype, instrument, status, objects, yes/no) in
/// the language asked for (`lang`, else `Accept-Language`, else Indonesian), a CSV in UTF-8
/// with a BOM, `;`-separated in Indonesian (what an Excel set to Indonesian expects) and
/// `,`-separated in English, amounts with a decimal comma in Indonesian, dates ISO
/// (`YYYY-MM-DD`, which every spreadsheet reads as a date). An XLSX has a title row (what, the
/// filter used, when — WIB), a frozen header row with filters, column widths, date cells and
/// number cells, and prints on A4 landscape one page wide. `labels=codes` writes field names
/// and codes instead, for programs. The last column is the agreement's `version`: imported back,
/// the file changes nothing, and an edited row updates its agreement unless it changed since.
#[utoipa::path(
    get,
    path = "/v1/agreements/export",
    operation_id = "exportAgreements",
    tag = "agreements",
    params(ExportQuery),
    responses(
        (status = 200, description = "The file: (XLSX: a title row, then) a header row, then one agreement a row.",
         content(
            (String = "text/csv", example = "\u{feff}Nomor registrasi;Kode daerah;Jenis kerja sama;Subjenis;Bentuk naskah;Mitra;Negara mitra;Judul (bahasa Indonesia);…;Versi (jangan diubah)\nKSLN-33-2016-0001;33;Dengan pemerintah daerah di luar negeri (KSDPL);Provinsi kembar;Nota kesepahaman;Fujian Province;CN;MoU Jateng – Fujian;…;1\n"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         ),
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"perjanjian-20261201.csv\"` (`agreements-…` in English or with codes)."))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn export(
    req: HttpRequest,
    caller: Caller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::ReadAgreements)?;
    let format = ExportFormat::parse(q.format.as_deref()).ok_or_else(|| {
        ApiError::invalid_parameter("format", "invalid_value", "csv or xlsx", "csv atau xlsx")
    })?;
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let layout = Layout::of(q.lang, q.labels, q.delimiter, accept);
    crate::routes::partners::country_param(q.country.as_deref())?;
    let filter_used = filter_used(&q, &layout);
    let filter = AgreementFilter {
        region: super::region_param("region_code", q.region_code.as_deref())?,
        status: q.status,
        country: q.country.map(|c| c.to_ascii_uppercase()),
        object: q.object,
        legacy: q.legacy,
        expiring_before: q.expiring_before.map(Date::naive),
        q: q.q,
        ..Default::default()
    };
    let ctx = caller.ctx.clone();
    let file = caller
        .db(move |c| transfer::export(c, &ctx, &scope, &filter, (format, layout), &filter_used))
        .await?;
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    Ok(HttpResponse::Ok()
        .content_type(file.media_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        // Without `lang`, the language comes from `Accept-Language`.
        .insert_header((header::VARY, "Accept-Language"))
        .body(file.bytes))
}

/// The filters of an export as its title row says them (`status = Berlaku`).
fn filter_used(q: &ExportQuery, layout: &Layout) -> Vec<String> {
    let name = |en: &str, id: &str| layout.header(en, en, id);
    let mut out = Vec::new();
    let mut add = |name: String, value: String| out.push(format!("{name} = {value}"));
    if let Some(r) = &q.region_code {
        add(name("region_code", "kode daerah"), r.clone());
    }
    if let Some(s) = q.status {
        add(
            name("status", "status"),
            layout.value(s.as_str(), s.label()),
        );
    }
    if let Some(c) = &q.country {
        add(name("country", "negara"), c.to_ascii_uppercase());
    }
    if let Some(o) = q.object {
        add(name("object", "objek"), layout.value(o.as_str(), o.label()));
    }
    if let Some(l) = q.legacy {
        add(
            name("legacy", "dicatat dari sebelum sistem"),
            layout.flag(l),
        );
    }
    if let Some(d) = q.expiring_before {
        add(
            name("expiring_before", "berakhir sebelum"),
            d.naive().to_string(),
        );
    }
    if let Some(t) = &q.q {
        add(name("q", "pencarian"), format!("\"{t}\""));
    }
    out
}

super::operations! {
    import_csv [body_limit = 16 * 1024 * 1024],
    export,
}
