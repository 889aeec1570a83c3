//! Import (CSV, all or nothing, every bad row reported) and export (CSV or XLSX, honouring the
//! list filters) of agreements.

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
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::openapi::responses::BadRequest;
use crate::routes::documents::require_media_type;
use crate::service::transfer::{self, ExportFormat};

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
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::WriteAgreements)?;
    require_media_type(&req, "text/csv")?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::MalformedMultipart("the CSV is not UTF-8".into()))?;
    if text.contains('\0') {
        return Err(ApiError::InvalidText {
            at: None,
            in_url: false,
        });
    }
    let numbers = caller
        .write(move |c, ctx| Ok(transfer::import(c, ctx, &scope, &text, |_, _| {})?))
        .await?;
    Ok(HttpResponse::Created().json(ImportResult {
        imported: numbers.len(),
        reference_numbers: numbers,
    }))
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
    pub expiring_before: Option<Date>,
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

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
    caller: Caller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::ReadAgreements)?;
    let format = ExportFormat::parse(q.format.as_deref()).ok_or_else(|| {
        ApiError::invalid_parameter("format", "invalid_value", "csv or xlsx", "csv atau xlsx")
    })?;
    crate::routes::partners::country_param(q.country.as_deref())?;
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
        .db(move |c| transfer::export(c, &ctx, &scope, &filter, format))
        .await?;
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    Ok(HttpResponse::Ok()
        .content_type(file.media_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .body(file.bytes))
}

super::operations! {
    import_csv [body_limit = 16 * 1024 * 1024],
    export,
}
