//! Annual reports (R21, R22): per region and fiscal year, compiled from the region's agreements,
//! activities and evaluations; due 7 working days after the year ends; submitting records
//! whether it was on time. A province sees its regencies'/cities' reports and which are missing
//! or late; central government sees all. The use cases are in `service::reports`.

use actix_web::http::header;
use actix_web::HttpResponse;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jalin_domain::access::Action;
use jalin_domain::monitoring::ReportState;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::IdempotencyKey;
use crate::openapi::responses::{BadRequest, Conflict, NotFound};
use crate::pagination::Paging;
use crate::reply;
use crate::routes::ids::ReportId;
use crate::routes::InRegion;
use crate::service::report_documents::{self, ReportFormat};
use crate::service::reports::{
    self, AnnualReportInput, ReportCompliance, ReportContent, ReportView,
};

#[derive(Serialize, ToSchema)]
#[schema(as = AnnualReport)]
pub struct AnnualReportDto {
    pub id: String,
    pub region_code: String,
    pub fiscal_year: i32,
    /// R22: 7 working days after the fiscal year ends (fiscal year 2024 → 2025-01-10).
    pub due_on: NaiveDate,
    /// `draft` or `submitted`.
    pub status: String,
    /// On time, late, due or overdue.
    pub state: ReportState,
    pub notes: Option<String>,
    /// Live while a draft; frozen when submitted.
    pub content: ReportContent,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The date of submission in the region's time zone (WIB/WITA/WIT): what R22 compares.
    pub submitted_on: Option<NaiveDate>,
    pub on_time: Option<bool>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `due_on` lies past the loaded holiday years: estimated on weekends alone, recomputed
    /// when the year is loaded.
    pub provisional: bool,
    /// `calendar_not_loaded` when `provisional`.
    pub provisional_reason: Option<String>,
}

impl AnnualReportDto {
    /// The report, its due date flagged provisional when `cal` can only estimate it (R22).
    fn on(v: &ReportView, cal: &jalin_domain::Calendar) -> Self {
        let provisional = cal.is_estimate(v.report.due_on);
        Self {
            provisional,
            provisional_reason: super::cases::provisional_reason(provisional),
            ..Self::from(v)
        }
    }
}

impl From<&ReportView> for AnnualReportDto {
    fn from(v: &ReportView) -> Self {
        let r = &v.report;
        Self {
            id: r.id.clone(),
            region_code: r.region_code.to_string(),
            fiscal_year: r.fiscal_year,
            due_on: r.due_on,
            status: r.status.as_str().into(),
            state: v.state,
            notes: r.notes.clone(),
            content: v.content.clone(),
            submitted_by: r.submitted_by.clone(),
            submitted_at: r.submitted_at.map(|t| t.and_utc()),
            submitted_on: r.submitted_on,
            on_time: r.on_time,
            created_by: r.created_by.clone(),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            provisional: false,
            provisional_reason: None,
        }
    }
}

crate::page_of!(AnnualReportPage, AnnualReportDto);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Only this fiscal year.
    #[param(minimum = 2000, maximum = 2100)]
    pub fiscal_year: Option<i32>,
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// The fiscal year; default: the last one ended.
    #[param(minimum = 2000, maximum = 2100)]
    pub fiscal_year: Option<i32>,
}

/// A `fiscal_year` query parameter: 2000 to 2100.
fn fiscal_year_param(year: Option<i32>) -> Result<(), ApiError> {
    match year {
        Some(y) if !(2000..=2100).contains(&y) => Err(ApiError::invalid_parameter(
            "fiscal_year",
            "range",
            "from 2000 to 2100",
            "dari 2000 sampai 2100",
        )),
        _ => Ok(()),
    }
}

/// Start the annual report of a region for a fiscal year that has ended (a draft whose content
/// is compiled live until it is submitted).
#[utoipa::path(
    post,
    path = "/v1/annual-reports",
    operation_id = "createAnnualReport",
    tag = "reporting",
    request_body = AnnualReportInput,
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Created as a draft.", body = AnnualReportDto, headers(("ETag" = String), ("Location" = String))),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []), ("client_credentials" = ["reports:write"]))
)]
pub async fn create(
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<AnnualReportInput>,
) -> Result<HttpResponse, ApiError> {
    let write = caller.may(Action::WriteReports)?;
    let (input, calendar) = (body.value, caller.state.calendar.clone());
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let v = reports::create(c, ctx, &write, &calendar, input)?;
            let location = format!("/v1/annual-reports/{}", v.report.id);
            reply::created(location, &v.report, AnnualReportDto::on(&v, &calendar))
        })
        .await
}

/// Annual reports in your scope, by id.
#[utoipa::path(
    get,
    path = "/v1/annual-reports",
    operation_id = "listAnnualReports",
    tag = "reporting",
    params(ReportQuery, InRegion, Paging),
    responses(
        (status = 200, description = "A page of reports.", body = AnnualReportPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
    in_region: InRegion,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let region = in_region.code()?;
    let page = paging.of("annual-reports")?;
    fiscal_year_param(q.fiscal_year)?;
    let ctx = caller.ctx.clone();
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| {
                let filter = (q.fiscal_year, region.as_ref());
                reports::list(c, &ctx, &vis, filter, after, n)
            },
            |v| v.report.id.clone(),
        )
        .await?;
    let mut page = AnnualReportPage::of(&rows, next);
    for r in &mut page.items {
        r.provisional = caller.state.calendar.is_estimate(r.due_on);
        r.provisional_reason = super::cases::provisional_reason(r.provisional);
    }
    Ok(reply::ok(page))
}

/// An annual report with its content.
#[utoipa::path(
    get,
    path = "/v1/annual-reports/{id}",
    operation_id = "getAnnualReport",
    tag = "reporting",
    params(ReportId),
    responses(
        (status = 200, description = "The report.", body = AnnualReportDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(caller: Caller, id: ReportId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let ctx = caller.ctx.clone();
    let v = caller.db(move |c| reports::get(c, &ctx, &vis, &id)).await?;
    Ok(reply::ok_versioned(
        &v.report,
        AnnualReportDto::on(&v, &caller.state.calendar),
    ))
}

/// Submit the report: its content is compiled and frozen, and the submission date in the
/// region's time zone is compared with the due date (R22). Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/annual-reports/{id}/submit",
    operation_id = "submitAnnualReport",
    tag = "reporting",
    params(ReportId, IfMatch),
    responses(
        (status = 200, description = "Submitted; `on_time` says whether by the due date.", body = AnnualReportDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["reports:write"]))
)]
pub async fn submit(
    caller: Caller,
    if_match: IfMatch,
    id: ReportId,
) -> Result<HttpResponse, ApiError> {
    let read = caller.may(Action::ReadAgreements)?;
    let write = caller.may(Action::WriteReports)?;
    let v = caller
        .write(move |c, ctx| reports::submit(c, ctx, (&read, &write), &id, if_match.expected()))
        .await?;
    Ok(reply::ok_versioned(
        &v.report,
        AnnualReportDto::on(&v, &caller.state.calendar),
    ))
}

/// Which regions in your scope have submitted their report for a fiscal year, on time or late,
/// and which are missing (R21: the governor sees regency/city reports; R22 due dates).
#[utoipa::path(
    get,
    path = "/v1/annual-reports/compliance",
    operation_id = "getAnnualReportCompliance",
    tag = "reporting",
    params(ComplianceQuery, InRegion),
    responses(
        (status = 200, description = "Every region expected to report, with its state.", body = ReportCompliance),
        (status = 400, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn compliance(
    caller: Caller,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
    in_region: InRegion,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let region = in_region.code()?;
    let year = q.fiscal_year.unwrap_or(caller.ctx.today().year() - 1);
    fiscal_year_param(Some(year))?;
    let (ctx, calendar) = (caller.ctx.clone(), caller.state.calendar.clone());
    let body = caller
        .db(move |c| reports::compliance(c, &ctx, (&vis, region.as_ref()), year, &calendar))
        .await?;
    Ok(reply::ok(body))
}

/// The body of a rendering.
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"format": "docx"}))]
pub struct RenderInput {
    /// `docx` (the report as sent to Kemendagri) or `xlsx` (the same content as a sheet).
    pub format: ReportFormat,
}

/// Render a submitted annual report as the document a region sends to Kemendagri: DOCX or
/// XLSX, on the region's letterhead — agreements in force with their partners, activities,
/// funding in rupiah, evaluation results, issues and follow-up. Only a submitted (frozen)
/// report renders (409 `report_not_submitted`); another region's is a 404. The file is returned
/// and stored with its SHA-256 (`X-Document-Id`, `X-Content-SHA256`); audited
/// (`annual_report.rendered`).
#[utoipa::path(
    post,
    path = "/v1/annual-reports/{id}/documents",
    operation_id = "renderAnnualReport",
    tag = "reporting",
    request_body = RenderInput,
    params(ReportId),
    responses(
        (status = 201, description = "The rendered report, stored.",
         content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         ),
         headers(("Content-Disposition" = String), ("X-Document-Id" = String), ("X-Content-SHA256" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read", "reports:write"]))
)]
pub async fn render(
    caller: Caller,
    id: ReportId,
    body: ApiJson<RenderInput>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let write = caller.may(Action::WriteReports)?;
    let (id, format) = (id.0, body.value.format);
    let (ctx, v, i) = (caller.ctx.clone(), vis.clone(), id.clone());
    let prepared = caller
        .db(move |c| report_documents::prepare(c, &ctx, (&v, &write), &i, format))
        .await?;
    let ctx = caller.ctx.clone();
    let folder = format!("annual-reports/{id}");
    let d = crate::service::letters::store_prepared(
        &caller.state,
        &folder,
        &prepared,
        move |c, file| report_documents::record(c, &ctx, &vis, &id, format, file),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CONTENT_TYPE, format.media_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            super::documents::disposition(&prepared.name),
        ))
        .insert_header(("x-document-id", d.id.clone()))
        .insert_header(("x-content-sha256", d.sha256.clone()))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(prepared.bytes))
}

/// The compliance view (R21, R22) as XLSX: every region in your scope expected to report for a
/// fiscal year (a province: itself and its regencies/cities), whether it submitted on time,
/// late, or not yet, with due and submission dates — the sheet a province keeps on its
/// regencies/cities.
#[utoipa::path(
    get,
    path = "/v1/annual-reports/compliance/export",
    operation_id = "exportAnnualReportCompliance",
    tag = "reporting",
    params(ComplianceQuery, InRegion),
    responses(
        (status = 200, description = "The compliance sheet.",
         content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String))),
        (status = 400, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn compliance_export(
    caller: Caller,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
    in_region: InRegion,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let region = in_region.code()?;
    let year = q.fiscal_year.unwrap_or(caller.ctx.today().year() - 1);
    fiscal_year_param(Some(year))?;
    let (ctx, calendar) = (caller.ctx.clone(), caller.state.calendar.clone());
    let bytes = caller
        .db(move |c| {
            let view = reports::compliance(c, &ctx, (&vis, region.as_ref()), year, &calendar)?;
            report_documents::compliance_xlsx(&view)
        })
        .await?;
    let name = format!("Kepatuhan laporan kerja sama luar negeri {year}.xlsx");
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, report_documents::XLSX))
        .insert_header((
            header::CONTENT_DISPOSITION,
            super::documents::disposition(&name),
        ))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(bytes))
}

/// Download a stored rendering of an annual report (the `X-Document-Id` that
/// `renderAnnualReport` answered), with its media type, a safe `Content-Disposition` and its
/// SHA-256. It is visible as the report is (a report you do not see, or a rendering of another
/// report, is a 404).
#[utoipa::path(
    get,
    path = "/v1/annual-reports/{id}/documents/{document_id}",
    operation_id = "getAnnualReportDocumentContent",
    tag = "reporting",
    params(
        ("id" = String, Path, description = "Annual report id."),
        ("document_id" = String, Path, description = "The rendering's id (`X-Document-Id` of `renderAnnualReport`)."),
    ),
    responses(
        (status = 200, description = "The rendered report as it was stored.",
         content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         ),
         headers(("Content-Disposition" = String), ("X-Content-SHA256" = String),
                 ("ETag" = String, description = "The content's SHA-256, quoted."))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn download_rendering(
    caller: Caller,
    path: actix_web::web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let (id, document_id) = path.into_inner();
    let ctx = caller.ctx.clone();
    let d = caller
        .db(move |c| report_documents::rendering(c, &ctx, &vis, &id, &document_id))
        .await?;
    let file = super::documents::StoredFileRef {
        storage_key: &d.storage_key,
        name: &d.name,
        media_type: &d.media_type,
        sha256: &d.sha256,
        size_bytes: d.size_bytes,
    };
    super::documents::send_file(&caller.state, file).await
}

super::operations! {
    list,
    create,
    compliance_export,
    compliance,
    get,
    submit,
    render,
    download_rendering,
}
