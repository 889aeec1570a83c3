//! Annual reports (R21, R22): per region and fiscal year, compiled from the region's agreements,
//! activities and evaluations; due 7 working days after the year ends; submitting records
//! whether it was on time. A province sees its regencies'/cities' reports and which are missing
//! or late; central government sees all.

use jalin_domain::{AuditAction};
use jalin_domain::RecordKind;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::deadlines::annual_report_due;
use jalin_domain::monitoring::{report_state, ReportState};
use jalin_domain::RegionCode;
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::monitoring::{self, AgreementFacts};
use jalin_persistence::reports::{self, AnnualReport};
use jalin_persistence::{evaluations, reference, DbConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::openapi::responses::{
    BadRequest, Conflict, NotFound,
};
use crate::pagination::PageRequest;
use crate::problem::{FieldIssue, Text};
use crate::routes::region_param;
use crate::state::AppState;

/// Agreements counted in a report.
#[derive(Serialize, Deserialize, ToSchema, Default, Clone)]
pub struct AgreementCounts {
    /// Every agreement of the region, by current status.
    pub by_status: BTreeMap<String, u32>,
    /// Agreements in force at some time during the fiscal year, by kind (KSDPL/KSDLL).
    pub in_force_by_kind: BTreeMap<String, u32>,
    pub in_force: u32,
}

#[derive(Serialize, Deserialize, ToSchema, Default, Clone)]
pub struct ActivityCounts {
    pub total: u32,
    pub by_kind: BTreeMap<String, u32>,
    /// Σ IDR equivalents of grants/donations received during the year, exact.
    #[schema(example = "20800000000")]
    pub grants_received_idr: String,
    #[schema(example = "0")]
    pub grants_given_idr: String,
}

#[derive(Serialize, Deserialize, ToSchema, Default, Clone)]
pub struct EvaluationCounts {
    /// Submitted or verified evaluations whose period ends in the fiscal year.
    pub total: u32,
    pub by_category: BTreeMap<String, u32>,
    pub verified: u32,
}

/// One agreement's line in the report.
#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct ReportedAgreement {
    pub id: String,
    pub reference_number: String,
    pub title_id: String,
    pub kind: String,
    pub status: String,
    pub activities: u32,
    pub dormant: bool,
}

/// What the report says, compiled from the records.
#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct ReportContent {
    pub compiled_at: DateTime<Utc>,
    pub agreements: AgreementCounts,
    pub activities: ActivityCounts,
    pub evaluations: EvaluationCounts,
    /// The agreements in force during the year.
    pub agreement_lines: Vec<ReportedAgreement>,
}

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
}

crate::page_of!(AnnualReportPage, AnnualReportDto);

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"region_code": "33", "fiscal_year": 2025, "notes": "Laporan penyelenggaraan kerja sama luar negeri Provinsi Jawa Tengah"}))]
pub struct AnnualReportInput {
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region_code: String,
    #[validate(range(min = 2000, max = 2100))]
    #[schema(minimum = 2000, maximum = 2100)]
    pub fiscal_year: i32,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Only this fiscal year.
    #[param(minimum = 2000, maximum = 2100)]
    pub fiscal_year: Option<i32>,
    /// Only this region (a province includes its regencies/cities).
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region: Option<String>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// The fiscal year; default: the last one ended.
    #[param(minimum = 2000, maximum = 2100)]
    pub fiscal_year: Option<i32>,
    /// Only this region (a province includes its regencies/cities).
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region: Option<String>,
}

/// Where one region stands with its report of a fiscal year.
#[derive(Serialize, ToSchema)]
pub struct RegionReportStatus {
    pub region_code: String,
    pub region_name: Option<String>,
    /// Submitted on time or late; not submitted and due or overdue.
    pub state: ReportState,
    pub report_id: Option<String>,
    /// `draft`, `submitted`, or absent when no report was started.
    pub report_status: Option<String>,
    pub submitted_on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportCompliance {
    pub fiscal_year: i32,
    pub due_on: NaiveDate,
    /// Regions expected to report: every region with an agreement in force during the year,
    /// and every region that started a report.
    pub regions: Vec<RegionReportStatus>,
    pub submitted_on_time: u32,
    pub submitted_late: u32,
    /// Not submitted (due or overdue).
    pub missing: u32,
    pub overdue: u32,
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// Whether the agreement was in force at some time during `[from, to]`.
pub fn in_force(a: &AgreementFacts, from: NaiveDate, to: NaiveDate) -> bool {
    jalin_domain::monitoring::in_force(
        &a.status,
        a.effective_from.or(a.signed_on),
        a.expires_on,
        from,
        to,
    )
}

fn add(total: &mut Decimal, v: &Option<String>) {
    if let Some(d) = v.as_deref().and_then(|s| Decimal::from_str(s).ok()) {
        *total += d;
    }
}

/// Compiles a region's report for `year` from its records (the region itself, not its
/// regencies/cities: they report on their own).
pub fn compile(
    c: &mut DbConnection,
    region: &RegionCode,
    year: i32,
) -> Result<ReportContent, ApiError> {
    let vis = Visibility::Region(region.clone());
    let (from, to) = year_bounds(year);
    let agreements = monitoring::agreements(c, &vis, None)?;
    let acts = monitoring::activities(c, &vis, Some(from), Some(to))?;
    let evals = evaluations::completed_in(c, &vis, from, to)?;
    let mut counts = AgreementCounts::default();
    let mut lines = Vec::new();
    for a in &agreements {
        *counts.by_status.entry(a.status.clone()).or_default() += 1;
        if in_force(a, from, to) {
            counts.in_force += 1;
            *counts.in_force_by_kind.entry(a.kind.clone()).or_default() += 1;
            lines.push(ReportedAgreement {
                id: a.id.clone(),
                reference_number: a.reference_number.clone(),
                title_id: a.title_id.clone(),
                kind: a.kind.clone(),
                status: a.status.clone(),
                activities: acts.iter().filter(|x| x.agreement_id == a.id).count() as u32,
                dormant: a.dormant_since.is_some(),
            });
        }
    }
    let mut activities = ActivityCounts::default();
    let (mut received, mut given) = (Decimal::ZERO, Decimal::ZERO);
    for x in &acts {
        activities.total += 1;
        *activities.by_kind.entry(x.kind.clone()).or_default() += 1;
        match x.kind.as_str() {
            "grant_received" => add(&mut received, &x.idr_equivalent),
            "grant_given" => add(&mut given, &x.idr_equivalent),
            _ => {}
        }
    }
    activities.grants_received_idr = received.normalize().to_string();
    activities.grants_given_idr = given.normalize().to_string();
    let mut evaluations = EvaluationCounts::default();
    for e in &evals {
        evaluations.total += 1;
        if e.status == "verified" {
            evaluations.verified += 1;
        }
        if let Some(cat) = &e.category {
            *evaluations.by_category.entry(cat.clone()).or_default() += 1;
        }
    }
    Ok(ReportContent {
        compiled_at: Utc::now(),
        agreements: counts,
        activities,
        evaluations,
        agreement_lines: lines,
    })
}

fn today_in(region: &RegionCode) -> NaiveDate {
    crate::clock::today_in(region)
}

fn dto(c: &mut DbConnection, r: &AnnualReport) -> Result<AnnualReportDto, ApiError> {
    let region =
        RegionCode::parse(&r.region_code).map_err(|e| ApiError::internal(e.to_string()))?;
    let content = match &r.content {
        Some(s) => serde_json::from_str(s).map_err(|e| ApiError::internal(e.to_string()))?,
        None => compile(c, &region, r.fiscal_year)?,
    };
    Ok(AnnualReportDto {
        id: r.id.clone(),
        region_code: r.region_code.clone(),
        fiscal_year: r.fiscal_year,
        due_on: r.due_on,
        status: r.status.clone(),
        state: report_state(r.due_on, r.submitted_on, today_in(&region)),
        notes: r.notes.clone(),
        content,
        submitted_by: r.submitted_by.clone(),
        submitted_at: r.submitted_at.map(|t| t.and_utc()),
        submitted_on: r.submitted_on,
        on_time: r.on_time,
        created_by: r.created_by.clone(),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

fn etag(r: &AnnualReport) -> Etag {
    Etag::for_version(&r.id, r.version)
}

/// Start the annual report of a region for a fiscal year that has ended (a draft whose content
/// is compiled live until it is submitted).
#[utoipa::path(
    post,
    path = "/v1/annual-reports",
    operation_id = "createAnnualReport",
    tag = "reporting",
    request_body = AnnualReportInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe.")),
    responses(
        (status = 201, description = "Created as a draft.", body = AnnualReportDto, headers(("ETag" = String), ("Location" = String))),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []), ("client_credentials" = ["reports:write"]))
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    body: ApiJson<AnnualReportInput>,
) -> Result<HttpResponse, ApiError> {
    let write = auth.may(Action::WriteReports)?;
    let actor = auth.actor();
    let input = body.value;
    let calendar = state.calendar.clone();
    let invalid = |p: &str, code: &str, en: String, id: String| {
        ApiError::Validation(vec![FieldIssue::pointer(p, code, Text::new(en, id))])
    };
    let region = RegionCode::parse(&input.region_code).map_err(|e| {
        invalid(
            "/region_code",
            "invalid_format",
            e.to_string(),
            "kode daerah tidak sah".into(),
        )
    })?;
    if input.fiscal_year >= today_in(&region).year() {
        return Err(invalid(
            "/fiscal_year",
            "year_not_ended",
            "a report covers a fiscal year that has ended".into(),
            "laporan mencakup tahun anggaran yang telah berakhir".into(),
        ));
    }
    let due_on = annual_report_due(&calendar, input.fiscal_year)?;
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        // Regions are public reference data: writing for one outside your scope is forbidden.
        if !write.includes(Some(&region)) {
            return Err(ApiError::Forbidden);
        }
        if reference::get_region(c, &region)?.is_none() {
            return Err(ApiError::not_found(RecordKind::Region, region.to_string()));
        }
        let now = Utc::now().naive_utc();
        let r = AnnualReport {
            id: uuid::Uuid::now_v7().to_string(),
            region_code: region.to_string(),
            province_code: region.province().to_string(),
            fiscal_year: input.fiscal_year,
            due_on,
            status: "draft".into(),
            content: None,
            notes: input.notes,
            submitted_by: None,
            submitted_at: None,
            submitted_on: None,
            on_time: None,
            created_by: actor.name.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        if !reports::insert(c, &r)? {
            return Err(ApiError::Conflict {
                code: "report_exists",
                detail: Text::new(
                    format!(
                        "{} already has a report for {}.",
                        r.region_code, r.fiscal_year
                    ),
                    format!(
                        "{} sudah memiliki laporan tahun {}.",
                        r.region_code, r.fiscal_year
                    ),
                ),
            });
        }
        audit::append(
            c,
            NewEvent {
                actor: &actor,
                action: AuditAction::AnnualReportCreated,
                record_type: RecordKind::AnnualReport,
                record_id: &r.id,
                region_code: Some(&r.region_code),
                request_id: Some(&rid.0),
                changes: json!({"fiscal_year": {"before": null, "after": r.fiscal_year},
                                "due_on": {"before": null, "after": r.due_on}}),
            },
        )?;
        let body =
            serde_json::to_value(dto(c, &r)?).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", etag(&r).as_str())
            .header("location", format!("/v1/annual-reports/{}", r.id)))
    })
    .await
}

/// Annual reports in your scope, by id.
#[utoipa::path(
    get,
    path = "/v1/annual-reports",
    operation_id = "listAnnualReports",
    tag = "reporting",
    params(ReportQuery),
    responses(
        (status = 200, description = "A page of reports.", body = AnnualReportPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let q = query.0;
    let region = region_param("region", q.region.as_deref())?;
    let page = PageRequest::new("annual-reports", q.limit, q.cursor.as_deref())?;
    let year = q.fiscal_year;
    if year.is_some_and(|y| !(2000..=2100).contains(&y)) {
        return Err(ApiError::invalid_parameter(
            "fiscal_year",
            "range",
            "from 2000 to 2100",
            "dari 2000 sampai 2100",
        ));
    }
    let p = page.clone();
    let items = state
        .db(move |c| {
            let rows = reports::list(
                c,
                &vis,
                year,
                region.as_ref().map(|r| r.as_str()),
                p.after.as_deref(),
                p.fetch(),
            )?;
            rows.iter()
                .map(|r| dto(c, r))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let (items, next_cursor) = page.page(items, |r| r.id.clone());
    Ok(HttpResponse::Ok().json(AnnualReportPage { items, next_cursor }))
}

fn find_visible(
    c: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<AnnualReport, ApiError> {
    reports::find(c, id, vis)?.ok_or(ApiError::not_found(RecordKind::AnnualReport, id.to_owned()))
}

/// An annual report with its content.
#[utoipa::path(
    get,
    path = "/v1/annual-reports/{id}",
    operation_id = "getAnnualReport",
    tag = "reporting",
    params(("id" = String, Path, description = "Report id.")),
    responses(
        (status = 200, description = "The report.", body = AnnualReportDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let (r, body) = state
        .db(move |c| {
            let r = find_visible(c, &id, &vis)?;
            let body = dto(c, &r)?;
            Ok((r, body))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&r).as_str()))
        .json(body))
}

/// Submit the report: its content is compiled and frozen, and the submission date in the
/// region's time zone is compared with the due date (R22). Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/annual-reports/{id}/submit",
    operation_id = "submitAnnualReport",
    tag = "reporting",
    params(
        ("id" = String, Path, description = "Report id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Submitted; `on_time` says whether by the due date.", body = AnnualReportDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["reports:write"]))
)]
pub async fn submit(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteReports)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let (r, body) = state
        .write(move |c| {
            let old = find_visible(c, &id, &read)?;
            let region = RegionCode::parse(&old.region_code)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            if !write.includes(Some(&region)) {
                return Err(ApiError::Forbidden);
            }
            if_match.check(&etag(&old))?;
            if old.status != "draft" {
                return Err(ApiError::Conflict {
                    code: "report_submitted",
                    detail: Text::new(
                        "The report was already submitted.",
                        "Laporan sudah disampaikan.",
                    ),
                });
            }
            let content = compile(c, &region, old.fiscal_year)?;
            let submitted_on = today_in(&region);
            let on_time = submitted_on <= old.due_on;
            let now = Utc::now().naive_utc();
            let new = AnnualReport {
                status: "submitted".into(),
                content: Some(
                    serde_json::to_string(&content)
                        .map_err(|e| ApiError::internal(e.to_string()))?,
                ),
                submitted_by: Some(actor.name.clone()),
                submitted_at: Some(now),
                submitted_on: Some(submitted_on),
                on_time: Some(on_time),
                version: old.version + 1,
                updated_at: now,
                ..old.clone()
            };
            if !reports::save(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::AnnualReportSubmitted,
                    record_type: RecordKind::AnnualReport,
                    record_id: &new.id,
                    region_code: Some(&new.region_code),
                    request_id: Some(&rid.0),
                    changes: json!({"status": {"before": "draft", "after": "submitted"},
                                    "submitted_on": {"before": null, "after": submitted_on},
                                    "on_time": {"before": null, "after": on_time}}),
                },
            )?;
            let body = dto(c, &new)?;
            Ok((new, body))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&r).as_str()))
        .json(body))
}

/// Which regions in your scope have submitted their report for a fiscal year, on time or late,
/// and which are missing (R21: the governor sees regency/city reports; R22 due dates).
#[utoipa::path(
    get,
    path = "/v1/annual-reports/compliance",
    operation_id = "getAnnualReportCompliance",
    tag = "reporting",
    params(ComplianceQuery),
    responses(
        (status = 200, description = "Every region expected to report, with its state.", body = ReportCompliance),
        (status = 400, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn compliance(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<ComplianceQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let q = query.0;
    let region = region_param("region", q.region.as_deref())?;
    let today = crate::clock::today();
    let year = q.fiscal_year.unwrap_or(today.year() - 1);
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::invalid_parameter(
            "fiscal_year",
            "range",
            "from 2000 to 2100",
            "dari 2000 sampai 2100",
        ));
    }
    let due_on = annual_report_due(&state.calendar, year)?;
    let body = state
        .db(move |c| {
            let (from, to) = year_bounds(year);
            let narrow = region.as_ref().map(|r| r.as_str());
            let mut expected: BTreeSet<String> = monitoring::agreements(c, &vis, narrow)?
                .iter()
                .filter(|a| in_force(a, from, to))
                .map(|a| a.region_code.clone())
                .collect();
            let reports: BTreeMap<String, AnnualReport> = reports::of_year(c, &vis, year)?
                .into_iter()
                .filter(|r| match &region {
                    None => true,
                    Some(n) if n.is_province() => r.province_code == n.as_str(),
                    Some(n) => r.region_code == n.as_str(),
                })
                .map(|r| (r.region_code.clone(), r))
                .collect();
            expected.extend(reports.keys().cloned());
            let mut out = ReportCompliance {
                fiscal_year: year,
                due_on,
                regions: Vec::new(),
                submitted_on_time: 0,
                submitted_late: 0,
                missing: 0,
                overdue: 0,
            };
            for code in expected {
                let r = reports.get(&code);
                let rc = RegionCode::parse(&code).map_err(|e| ApiError::internal(e.to_string()))?;
                let st = report_state(due_on, r.and_then(|r| r.submitted_on), today_in(&rc));
                match st {
                    ReportState::SubmittedOnTime => out.submitted_on_time += 1,
                    ReportState::SubmittedLate => out.submitted_late += 1,
                    ReportState::Due => out.missing += 1,
                    ReportState::Overdue => {
                        out.missing += 1;
                        out.overdue += 1;
                    }
                }
                out.regions.push(RegionReportStatus {
                    region_name: reference::get_region(c, &rc)?.map(|x| x.name),
                    region_code: code,
                    state: st,
                    report_id: r.map(|r| r.id.clone()),
                    report_status: r.map(|r| r.status.clone()),
                    submitted_on: r.and_then(|r| r.submitted_on),
                });
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
