//! Annual reports (R21, R22): per region and fiscal year, compiled from the region's agreements,
//! activities and evaluations; due 7 working days after the year ends; submitting freezes the
//! content and records whether it was on time, by the date in the region's own zone. A province
//! sees its regencies'/cities' reports and which are missing or late; central government sees
//! all. The decisions are the domain's (`jalin_domain::monitoring::annual_report`).

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::Visibility;
use jalin_domain::deadlines::annual_report_due_estimated;
use jalin_domain::evaluation::EvaluationStatus;
use jalin_domain::monitoring::annual_report::{
    expected_reporters, fiscal_year_bounds, may_start, reported, ReportEvent, ReportStatus,
};
use jalin_domain::monitoring::{report_state, ReportState};
use jalin_domain::{AuditAction, Calendar, RecordKind, RegionCode};
use jalin_persistence::reports::{self, AnnualReport};
use jalin_persistence::{evaluations, monitoring, reference, DbConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::{changes, Conditional, Ctx};
use crate::error::ApiError;
use crate::reply::OrNotFound;

crate::versioned!(AnnualReport);

crate::filed!(AnnualReport => AnnualReport(id), region_code);

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

/// A report with what it says (live while a draft, frozen once submitted) and where it stands
/// today in its region.
pub struct ReportView {
    pub report: AnnualReport,
    pub content: ReportContent,
    pub state: ReportState,
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
    /// R22 on the region's calendar (its own days off count: it may fall after the national
    /// `due_on`).
    pub due_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct ReportCompliance {
    pub fiscal_year: i32,
    /// R22 on the national calendar; a region with its own days off may be due later (each
    /// region's `due_on`).
    pub due_on: NaiveDate,
    /// `due_on` lies past the loaded holiday years: estimated on weekends alone
    /// (`calendar_not_loaded`).
    pub provisional: bool,
    /// Regions expected to report: every region with an agreement in force during the year,
    /// and every region that started a report.
    pub regions: Vec<RegionReportStatus>,
    pub submitted_on_time: u32,
    pub submitted_late: u32,
    /// Not submitted (due or overdue).
    pub missing: u32,
    pub overdue: u32,
}

/// The audited fields.
fn fields(r: &AnnualReport) -> Value {
    json!({
        "fiscal_year": r.fiscal_year, "due_on": r.due_on, "status": r.status.as_str(),
        "submitted_on": r.submitted_on, "on_time": r.on_time,
    })
}

fn add(total: &mut Decimal, v: &Option<String>) {
    if let Some(d) = v.as_deref().and_then(|s| Decimal::from_str(s).ok()) {
        *total += d;
    }
}

/// Compiles `region`'s report for `year` from its records (the region itself, not its
/// regencies/cities: they report on their own). **R21**: every agreement in force during the
/// year has its line.
pub fn compile(
    c: &mut DbConnection,
    ctx: &Ctx,
    region: &RegionCode,
    year: i32,
) -> Result<ReportContent, ApiError> {
    let vis = Visibility::Region(region.clone());
    let (from, to) = fiscal_year_bounds(year);
    let agreements = monitoring::agreements(c, &vis, None)?;
    let acts = monitoring::activities(c, &vis, Some(from), Some(to))?;
    let mut counts = AgreementCounts::default();
    for a in &agreements {
        *counts
            .by_status
            .entry(a.status.as_str().into())
            .or_default() += 1;
    }
    let mut lines = Vec::new();
    for a in reported(&agreements, from, to) {
        counts.in_force += 1;
        *counts
            .in_force_by_kind
            .entry(a.kind.as_str().into())
            .or_default() += 1;
        lines.push(ReportedAgreement {
            id: a.id.clone(),
            reference_number: a.reference_number.clone(),
            title_id: a.title_id.clone(),
            kind: a.kind.as_str().into(),
            status: a.status.as_str().into(),
            activities: acts.iter().filter(|x| x.agreement_id == a.id).count() as u32,
            dormant: a.dormant_since.is_some(),
        });
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
    for e in evaluations::completed_in(c, &vis, from, to)? {
        evaluations.total += 1;
        evaluations.verified += u32::from(e.status == EvaluationStatus::Verified);
        if let Some(cat) = e.category {
            *evaluations.by_category.entry(cat).or_default() += 1;
        }
    }
    Ok(ReportContent {
        compiled_at: ctx.now().and_utc(),
        agreements: counts,
        activities,
        evaluations,
        agreement_lines: lines,
    })
}

/// The report with its content and state today.
fn view(c: &mut DbConnection, ctx: &Ctx, report: AnnualReport) -> Result<ReportView, ApiError> {
    let content = match &report.content {
        Some(frozen) => serde_json::from_value(frozen.clone())
            .map_err(|e| ApiError::internal(format!("stored report content: {e}")))?,
        None => compile(c, ctx, &report.region_code, report.fiscal_year)?,
    };
    let today = ctx.clock.today_in(&report.region_code);
    Ok(ReportView {
        state: report_state(report.due_on, report.submitted_on, today),
        content,
        report,
    })
}

/// Starts `input.region_code`'s report of a fiscal year that has ended (a draft whose content is
/// compiled live until it is submitted). Writing for a region outside `write` is forbidden.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    write: &Visibility,
    calendar: &Calendar,
    input: AnnualReportInput,
) -> Result<ReportView, ApiError> {
    let region = super::region_code(&input.region_code)?;
    // Regions are public reference data: writing for one outside your scope is forbidden.
    if !write.includes(Some(&region)) {
        return Err(ApiError::Forbidden);
    }
    reference::get_region(c, &region)?.or_not_found(RecordKind::Region, region.as_str())?;
    let existing = reports::find_of(c, &region, input.fiscal_year)?;
    let today = ctx.clock.today_in(&region);
    may_start(&region, input.fiscal_year, today, existing.is_some())?;
    let now = ctx.now();
    // On the region's calendar; past the loaded holiday years: estimated, shown provisional,
    // recomputed on load.
    let due_on =
        annual_report_due_estimated(&calendar.for_region(&region), input.fiscal_year)?.value;
    let r = AnnualReport {
        id: uuid::Uuid::now_v7().to_string(),
        province_code: region.province(),
        region_code: region,
        fiscal_year: input.fiscal_year,
        due_on,
        status: ReportStatus::Draft,
        content: None,
        notes: input.notes,
        submitted_by: None,
        submitted_at: None,
        submitted_on: None,
        on_time: None,
        created_by: ctx.actor.name.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    if !reports::insert(c, &r)? {
        // Started meanwhile by a concurrent request: refused the same way.
        let refused = may_start(&r.region_code, r.fiscal_year, today, true);
        return Err(refused.map_or_else(ApiError::from, |()| ApiError::PreconditionFailed));
    }
    audit(c, ctx, AuditAction::AnnualReportCreated, None, &r)?;
    view(c, ctx, r)
}

fn audit(
    c: &mut DbConnection,
    ctx: &Ctx,
    action: AuditAction,
    before: Option<&AnnualReport>,
    after: &AnnualReport,
) -> Result<(), ApiError> {
    let diff = changes(&before.map_or(json!({}), fields), &fields(after));
    ctx.audit_change(c, action, after, diff)
}

/// Reports within `vis`, of one fiscal year and one region (a province with its regencies) when
/// given, by id.
pub fn list(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    filter: (Option<i32>, Option<&RegionCode>),
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ReportView>, ApiError> {
    let rows = reports::list(c, vis, filter.0, filter.1, after, limit)?;
    rows.into_iter().map(|r| view(c, ctx, r)).collect()
}

pub fn get(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    id: &str,
) -> Result<ReportView, ApiError> {
    let r = reports::find(c, id, vis)?.or_not_found(RecordKind::AnnualReport, id)?;
    view(c, ctx, r)
}

/// Submits a draft, if `expected` (the caller's ETag check) still holds: its content is compiled
/// and frozen, and **R22** compares the submission date in the region's own zone with the due
/// date.
pub fn submit(
    c: &mut DbConnection,
    ctx: &Ctx,
    (read, write): (&Visibility, &Visibility),
    id: &str,
    expected: impl FnOnce(&AnnualReport) -> Result<(), ApiError>,
) -> Result<ReportView, ApiError> {
    let old = reports::find(c, id, read)?.or_not_found(RecordKind::AnnualReport, id)?;
    if !write.includes(Some(&old.region_code)) {
        return Err(ApiError::Forbidden);
    }
    expected(&old)?;
    let on = ctx.clock.today_in(&old.region_code);
    let s = old.status.after(ReportEvent::Submit { on }, old.due_on)?;
    let content = compile(c, ctx, &old.region_code, old.fiscal_year)?;
    let now = ctx.now();
    let new = AnnualReport {
        status: s.status,
        content: Some(
            serde_json::to_value(&content).map_err(|e| ApiError::internal(e.to_string()))?,
        ),
        submitted_by: Some(ctx.actor.name.clone()),
        submitted_at: Some(now),
        submitted_on: Some(s.submitted_on),
        on_time: Some(s.on_time),
        version: old.version + 1,
        updated_at: now,
        ..old.clone()
    };
    reports::save(c, &new, old.version).or_precondition_failed()?;
    audit(c, ctx, AuditAction::AnnualReportSubmitted, Some(&old), &new)?;
    view(c, ctx, new)
}

/// Which regions within `vis` (narrowed to `region`) have submitted their report for
/// `fiscal_year`, on time or late, and which are missing: **R21** expects one from every region
/// with an agreement in force during the year (and counts any region that started one), and a
/// province sees its regencies'/cities'; **R22** gives the due date.
pub fn compliance(
    c: &mut DbConnection,
    ctx: &Ctx,
    (vis, region): (&Visibility, Option<&RegionCode>),
    fiscal_year: i32,
    calendar: &Calendar,
) -> Result<ReportCompliance, ApiError> {
    let due = annual_report_due_estimated(calendar, fiscal_year)?;
    let due_on = due.value;
    let (from, to) = fiscal_year_bounds(fiscal_year);
    let mut expected = expected_reporters(&monitoring::agreements(c, vis, region)?, from, to);
    let narrow = region.map(|r| match r.is_province() {
        true => Visibility::Province(r.clone()),
        false => Visibility::Region(r.clone()),
    });
    let started: BTreeMap<RegionCode, AnnualReport> = reports::of_year(c, vis, fiscal_year)?
        .into_iter()
        .filter(|r| {
            narrow
                .as_ref()
                .is_none_or(|n| n.includes(Some(&r.region_code)))
        })
        .map(|r| (r.region_code.clone(), r))
        .collect();
    expected.extend(started.keys().cloned());
    let mut out = ReportCompliance {
        fiscal_year,
        due_on,
        provisional: due.provisional,
        regions: Vec::new(),
        submitted_on_time: 0,
        submitted_late: 0,
        missing: 0,
        overdue: 0,
    };
    for code in expected {
        let r = started.get(&code);
        let submitted_on = r.and_then(|r| r.submitted_on);
        let region_due = annual_report_due_estimated(&calendar.for_region(&code), fiscal_year)
            .map_or(due_on, |d| d.value);
        let state = report_state(region_due, submitted_on, ctx.clock.today_in(&code));
        tally(&mut out, state);
        out.regions.push(RegionReportStatus {
            region_name: reference::get_region(c, &code)?.map(|x| x.name),
            region_code: code.to_string(),
            state,
            report_id: r.map(|r| r.id.clone()),
            report_status: r.map(|r| r.status.as_str().to_owned()),
            submitted_on,
            due_on: region_due,
        });
    }
    Ok(out)
}

fn tally(out: &mut ReportCompliance, state: ReportState) {
    match state {
        ReportState::SubmittedOnTime => out.submitted_on_time += 1,
        ReportState::SubmittedLate => out.submitted_late += 1,
        ReportState::Due => out.missing += 1,
        ReportState::Overdue => {
            out.missing += 1;
            out.overdue += 1;
        }
    }
}
