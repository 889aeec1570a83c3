//! Reminders and the overview dashboard, in the caller's scope. Both are computed from the
//! records when asked for, with the periods of the monitoring policy (configuration), and
//! reused per scope for a few seconds while nothing is written through this server
//! (summaries.rs): a write here shows at once.

use jalin_domain::{RecordKind};
use std::collections::{BTreeMap, BTreeSet};

use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::case::{Case, StageRecord};
use jalin_domain::deadlines::annual_report_due;
use jalin_domain::monitoring::MonitoringPolicy;
use jalin_domain::monitoring::{expiry_window, months_before, report_state, ReportState};
use jalin_domain::{Calendar, RegionCode};
use jalin_persistence::{monitoring, reports, DbConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::openapi::responses::BadRequest;
use crate::pagination::PageRequest;
use crate::routes::region_param;
use crate::routes::reports::in_force;
use crate::state::AppState;

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// An active agreement ends within one of the expiry windows (DEFAULT 180/90/30 days).
    Expiring,
    /// A letter of intent not followed by a signed agreement (DEFAULT 12 months; seed 003).
    LoiWithoutAgreement,
    /// A workflow stage is past its due date (R10: DPRD 45 working days).
    StageOverdue,
    /// An annual report is due soon (R22).
    ReportDue,
    /// An annual report is past its due date (R22).
    ReportOverdue,
    /// An active agreement without activity for the dormancy period (DEFAULT 24 months).
    Dormant,
    /// An active agreement not evaluated within the evaluation interval (DEFAULT 12 months).
    EvaluationDue,
    /// A trip report not filed within the configured days after return (DEFAULT 14).
    TripReportLate,
    /// A meeting's recommendation past its due date and not done.
    RecommendationOverdue,
}

impl ReminderKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Expiring => "expiring",
            Self::LoiWithoutAgreement => "loi_without_agreement",
            Self::StageOverdue => "stage_overdue",
            Self::ReportDue => "report_due",
            Self::ReportOverdue => "report_overdue",
            Self::Dormant => "dormant",
            Self::EvaluationDue => "evaluation_due",
            Self::TripReportLate => "trip_report_late",
            Self::RecommendationOverdue => "recommendation_overdue",
        }
    }
}

/// Something that needs attention.
#[derive(Serialize, ToSchema, Clone)]
#[schema(example = json!({
    "kind": "expiring", "due_on": "2027-02-01", "days": 69, "window_days": 90, "region_code": "33",
    "record_type": "agreement", "record_id": "01930000-0000-7000-8000-000000000000", "reference_number": "KSLN-33-2019-0001",
    "title": "Kerja Sama Provinsi Kembar Jawa Tengah–Queensland",
    "message": "Ends on 2027-02-01 (in 69 days): evaluate it and decide on renewal (R18).",
    "message_id": "Berakhir 2027-02-01 (69 hari lagi): evaluasi dan putuskan perpanjangan (R18)."
}))]
pub struct Reminder {
    pub kind: ReminderKind,
    /// The date it is about: the end date, a stage's or report's due date, when dormancy or the
    /// follow-up period began to count.
    pub due_on: NaiveDate,
    /// Days from today to `due_on`; negative once past.
    pub days: i64,
    /// For `expiring`: the narrowest window it falls into.
    pub window_days: Option<u32>,
    pub region_code: String,
    /// `agreement`, `annual_report`, `travel_request` or `recommendation`.
    pub record_type: String,
    /// The agreement, or the report if one was started.
    pub record_id: Option<String>,
    pub reference_number: Option<String>,
    pub title: String,
    pub message: String,
    /// The message in Indonesian.
    pub message_id: String,
}

crate::page_of!(ReminderPage, Reminder);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ReminderQuery {
    /// Only this kind.
    pub kind: Option<ReminderKind>,
    /// Only this region (a province includes its regencies/cities).
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region: Option<String>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn days_word(d: i64) -> (String, String) {
    if d >= 0 {
        (format!("in {d} days"), format!("{d} hari lagi"))
    } else {
        (format!("{} days ago", -d), format!("{} hari lalu", -d))
    }
}

/// Everything to remind within `vis` (narrowed to `region`), soonest first.
pub fn reminders(
    c: &mut DbConnection,
    vis: &Visibility,
    region: Option<&RegionCode>,
    policy: &MonitoringPolicy,
    calendar: &Calendar,
    today: NaiveDate,
) -> Result<Vec<Reminder>, ApiError> {
    let narrow = region.map(|r| r.as_str());
    let agreements = monitoring::agreements(c, vis, narrow)?;
    let in_scope: BTreeSet<&str> = agreements.iter().map(|a| a.id.as_str()).collect();
    let mut out = Vec::new();
    let agreement_reminder = |a: &monitoring::AgreementFacts,
                              kind: ReminderKind,
                              due_on: NaiveDate,
                              window: Option<u32>,
                              en: String,
                              id: String| Reminder {
        kind,
        due_on,
        days: (due_on - today).num_days(),
        window_days: window,
        region_code: a.region_code.clone(),
        record_type: RecordKind::Agreement.as_str().into(),
        record_id: Some(a.id.clone()),
        reference_number: Some(a.reference_number.clone()),
        title: a.title_id.clone(),
        message: en,
        message_id: id,
    };
    let last_evaluated = monitoring::last_evaluated(c, vis)?;
    let eval_cutoff = months_before(today, policy.evaluation_interval_months);
    for a in &agreements {
        if a.status == "active" {
            if let Some(end) = a.expires_on {
                if let Some(w) = expiry_window(end, today, &policy.expiry_reminder_days) {
                    let (en, id) = days_word((end - today).num_days());
                    out.push(agreement_reminder(
                        a,
                        ReminderKind::Expiring,
                        end,
                        Some(w),
                        format!("Ends on {end} ({en}): evaluate it and decide on renewal (R18)."),
                        format!("Berakhir {end} ({id}): evaluasi dan putuskan perpanjangan (R18)."),
                    ));
                }
            }
            if let Some(since) = a.dormant_since {
                out.push(agreement_reminder(
                    a,
                    ReminderKind::Dormant,
                    since,
                    None,
                    format!(
                        "No activity for {} months (flagged {since}): revitalize it or consider ending it.",
                        policy.dormancy_months
                    ),
                    format!(
                        "Tanpa kegiatan selama {} bulan (sejak ditandai {since}): revitalisasi atau pertimbangkan pengakhiran.",
                        policy.dormancy_months
                    ),
                ));
            }
            let started = a.effective_from.or(a.signed_on);
            let last = last_evaluated.get(&a.id).map(|t| t.date());
            let due = match last {
                Some(l) if l >= eval_cutoff => None,
                Some(l) => {
                    l.checked_add_months(chrono::Months::new(policy.evaluation_interval_months))
                }
                None => started.filter(|s| *s < eval_cutoff).and_then(|s| {
                    s.checked_add_months(chrono::Months::new(policy.evaluation_interval_months))
                }),
            };
            if let Some(due) = due {
                out.push(agreement_reminder(
                    a,
                    ReminderKind::EvaluationDue,
                    due,
                    None,
                    match last {
                        Some(l) => {
                            format!("Last evaluated {l}: evaluate it again (PP 28/2018 art. 44).")
                        }
                        None => "Never evaluated: evaluate it (PP 28/2018 art. 44).".into(),
                    },
                    match last {
                        Some(l) => format!(
                            "Terakhir dievaluasi {l}: evaluasi kembali (PP 28/2018 ps. 44)."
                        ),
                        None => {
                            "Belum pernah dievaluasi: lakukan evaluasi (PP 28/2018 ps. 44).".into()
                        }
                    },
                ));
            }
        }
        // A standalone LoI in force, with nothing signed under or after it.
        if a.instrument == "loi" && a.status == "active" {
            if let Some(signed) = a.signed_on.or(a.effective_from) {
                let followed = agreements.iter().any(|b| {
                    (b.parent_id.as_deref() == Some(&a.id)
                        || b.predecessor_id.as_deref() == Some(&a.id))
                        && matches!(b.status.as_str(), "active" | "expired" | "terminated")
                });
                let limit =
                    signed.checked_add_months(chrono::Months::new(policy.loi_follow_up_months));
                if let (false, Some(limit)) = (followed, limit) {
                    if limit < today {
                        out.push(agreement_reminder(
                            a,
                            ReminderKind::LoiWithoutAgreement,
                            limit,
                            None,
                            format!("Letter of intent signed {signed}, no agreement signed within {} months.", policy.loi_follow_up_months),
                            format!("Pernyataan kehendak ditandatangani {signed}, belum ada naskah kerja sama dalam {} bulan.", policy.loi_follow_up_months),
                        ));
                    }
                }
            }
        }
    }
    let by_id: BTreeMap<&str, &monitoring::AgreementFacts> =
        agreements.iter().map(|a| (a.id.as_str(), a)).collect();
    for case in monitoring::running_cases(c, vis)? {
        let Some(a) = by_id
            .get(case.agreement_id.as_str())
            .filter(|_| in_scope.contains(case.agreement_id.as_str()))
        else {
            continue;
        };
        if let Some(due) = case.stage_due_on.filter(|d| *d < today) {
            let stage = case.current_stage.clone().unwrap_or_default();
            let (en, id) = days_word((due - today).num_days());
            out.push(agreement_reminder(
                a,
                ReminderKind::StageOverdue,
                due,
                None,
                format!("Stage `{stage}` was due {due} ({en}); overdue is never approval (R10)."),
                format!("Tahap `{stage}` jatuh tempo {due} ({id}); lewat waktu bukan persetujuan (R10)."),
            ));
        }
        // LoI signed inside a running approval case, and the case still not signed.
        let Ok(state) = serde_json::from_str::<Case>(&case.state) else {
            continue;
        };
        let loi = state.stages.iter().find_map(|s| match &s.record {
            Some(StageRecord::LetterOfIntent { signed_on, .. }) => Some(*signed_on),
            _ => None,
        });
        if let Some(signed) = loi {
            if let Some(limit) =
                signed.checked_add_months(chrono::Months::new(policy.loi_follow_up_months))
            {
                if limit < today {
                    out.push(agreement_reminder(
                        a,
                        ReminderKind::LoiWithoutAgreement,
                        limit,
                        None,
                        format!("Letter of intent signed {signed}; the agreement is still in approval after {} months.", policy.loi_follow_up_months),
                        format!("Pernyataan kehendak ditandatangani {signed}; naskah masih dalam proses setelah {} bulan.", policy.loi_follow_up_months),
                    ));
                }
            }
        }
    }
    // Annual reports of the last two fiscal years, from every region expected to report.
    for year in [today.year() - 2, today.year() - 1] {
        let Ok(due) = annual_report_due(calendar, year) else {
            continue;
        };
        let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
        let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
        let expected: BTreeSet<&str> = agreements
            .iter()
            .filter(|a| in_force(a, from, to))
            .map(|a| a.region_code.as_str())
            .collect();
        let filed: BTreeMap<String, reports::AnnualReport> = reports::of_year(c, vis, year)?
            .into_iter()
            .map(|r| (r.region_code.clone(), r))
            .collect();
        for code in expected {
            let r = filed.get(code);
            let state = report_state(due, r.and_then(|r| r.submitted_on), today);
            let kind = match state {
                ReportState::Due
                    if (due - today).num_days() <= i64::from(policy.report_reminder_days) =>
                {
                    ReminderKind::ReportDue
                }
                ReportState::Overdue => ReminderKind::ReportOverdue,
                _ => continue,
            };
            let (en, id) = days_word((due - today).num_days());
            out.push(Reminder {
                kind,
                due_on: due,
                days: (due - today).num_days(),
                window_days: None,
                region_code: code.to_owned(),
                record_type: RecordKind::AnnualReport.as_str().into(),
                record_id: r.map(|r| r.id.clone()),
                reference_number: None,
                title: format!("Laporan tahunan kerja sama {year}"),
                message: format!("The {year} annual report is due {due} ({en}) (R22)."),
                message_id: format!("Laporan tahunan {year} jatuh tempo {due} ({id}) (R22)."),
            });
        }
    }
    for t in jalin_persistence::travel::reports_overdue(c, vis, today)? {
        if region.is_some_and(|r| {
            if r.is_province() {
                t.province_code != r.as_str()
            } else {
                t.region_code != r.as_str()
            }
        }) {
            continue;
        }
        let Some(due) = t.report_due_on else { continue };
        let (en, id) = days_word((due - today).num_days());
        out.push(Reminder {
            kind: ReminderKind::TripReportLate,
            due_on: due,
            days: (due - today).num_days(),
            window_days: None,
            region_code: t.region_code.clone(),
            record_type: RecordKind::TravelRequest.as_str().into(),
            record_id: Some(t.id.clone()),
            reference_number: None,
            title: t.purpose.chars().take(200).collect(),
            message: format!("The trip report was due {due} ({en})."),
            message_id: format!("Laporan perjalanan jatuh tempo {due} ({id})."),
        });
    }
    for r in crate::routes::coordination::overdue(c, vis, today)? {
        let owner = r.owner_region_code.clone().unwrap_or_default();
        if region.is_some_and(|want| {
            if want.is_province() {
                r.owner_province_code.as_deref() != Some(want.as_str())
            } else {
                r.owner_region_code.as_deref() != Some(want.as_str())
            }
        }) {
            continue;
        }
        let Some(due) = r.due_on else { continue };
        let (en, id) = days_word((due - today).num_days());
        out.push(Reminder {
            kind: ReminderKind::RecommendationOverdue,
            due_on: due,
            days: (due - today).num_days(),
            window_days: None,
            region_code: owner,
            record_type: RecordKind::Recommendation.as_str().into(),
            record_id: Some(r.id.clone()),
            reference_number: Some(format!("#{}", r.number)),
            title: r.text.chars().take(200).collect(),
            message: format!(
                "Recommendation #{} was due {due} ({en}); record its follow-up.",
                r.number
            ),
            message_id: format!(
                "Rekomendasi #{} jatuh tempo {due} ({id}); catat tindak lanjutnya.",
                r.number
            ),
        });
    }
    out.sort_by_key(sort_key);
    Ok(out)
}

fn sort_key(r: &Reminder) -> String {
    format!(
        // A space sorts before '.', so a province comes before its regencies.
        "{} {} {} {}",
        r.due_on,
        r.kind.as_str(),
        r.region_code,
        r.record_id.as_deref().unwrap_or("")
    )
}

/// What needs attention in your scope: agreements expiring, letters of intent not followed up,
/// overdue workflow stages, annual reports due or late, dormant agreements, evaluations due,
/// trip reports late; soonest first.
#[utoipa::path(
    get,
    path = "/v1/reminders",
    operation_id = "listReminders",
    tag = "reporting",
    params(ReminderQuery),
    responses(
        (status = 200, description = "A page of reminders.", body = ReminderPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<ReminderQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let q = query.0;
    let region = region_param("region", q.region.as_deref())?;
    let page = PageRequest::new("reminders", q.limit, q.cursor.as_deref())?;
    let policy = state.config.monitoring.clone();
    let calendar = state.calendar.clone();
    let kind = q.kind;
    let today = crate::clock::today();
    // Every reminder of the scope, computed once per scope and reused briefly (summaries.rs);
    // the kind filter and the page are cut from it per request.
    let key = format!("reminders|{vis:?}|{region:?}|{today}");
    let db = state.clone();
    let all = state
        .summaries
        .get_or_compute(key, || async move {
            db.db(move |c| reminders(c, &vis, region.as_ref(), &policy, &calendar, today))
                .await
        })
        .await?;
    let rows: Vec<Reminder> = all
        .iter()
        .filter(|r| kind.is_none_or(|k| r.kind == k))
        .filter(|r| {
            page.after
                .as_deref()
                .is_none_or(|after| sort_key(r).as_str() > after)
        })
        .take(page.fetch() as usize)
        .cloned()
        .collect();
    let (items, next_cursor) = page.page(rows, sort_key);
    Ok(HttpResponse::Ok().json(ReminderPage { items, next_cursor }))
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// Only this region (a province includes its regencies/cities).
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ExpiringCount {
    pub within_days: u32,
    /// Active agreements ending within this many days.
    pub count: u32,
}

/// Counts over the agreements in your scope.
#[derive(Serialize, ToSchema)]
pub struct Overview {
    pub as_of: NaiveDate,
    pub agreements: u32,
    pub by_status: BTreeMap<String, u32>,
    pub by_kind: BTreeMap<String, u32>,
    /// By the partners' countries (ISO 3166-1 alpha-2); an agreement with partners in two
    /// countries counts in both.
    pub by_country: BTreeMap<String, u32>,
    /// By province when your scope is the whole country, else by region.
    pub by_region: BTreeMap<String, u32>,
    /// Active agreements ending within each expiry-reminder window.
    pub expiring: Vec<ExpiringCount>,
    /// Running approval cases whose current stage is past its due date.
    pub overdue_stages: u32,
    pub dormant: u32,
}

/// The dashboard: counts by status, kind, country and region; agreements expiring; stages
/// overdue; dormant agreements.
#[utoipa::path(
    get,
    path = "/v1/stats/overview",
    operation_id = "getOverview",
    tag = "reporting",
    params(OverviewQuery),
    responses(
        (status = 200, description = "Counts in your scope.", body = Overview),
        (status = 400, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn overview(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<OverviewQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let region = region_param("region", query.0.region.as_deref())?;
    let windows = state.config.monitoring.expiry_reminder_days.clone();
    let today = crate::clock::today();
    // Counted by the database (GROUP BY), so the cost does not grow with what is loaded into
    // memory per request; computed once per scope and reused briefly (summaries.rs).
    let key = format!("overview|{vis:?}|{region:?}|{today}|{windows:?}");
    let db = state.clone();
    let body = state
        .summaries
        .get_or_compute(key, || async move {
            db.db(move |c| {
                let narrow = region.as_ref().map(|r| r.as_str());
                let national = matches!(vis, Visibility::All) && region.is_none();
                let counts = monitoring::counts(c, &vis, narrow, national)?;
                let map = |v: Vec<(String, i64)>| -> BTreeMap<String, u32> {
                    v.into_iter().map(|(k, n)| (k, n as u32)).collect()
                };
                let mut expiring = Vec::new();
                for w in &windows {
                    let until = today + chrono::Duration::days(i64::from(*w));
                    expiring.push(ExpiringCount {
                        within_days: *w,
                        count: monitoring::expiring(c, &vis, narrow, today, until)? as u32,
                    });
                }
                Ok(Overview {
                    as_of: today,
                    agreements: counts.total as u32,
                    by_status: map(counts.by_status),
                    by_kind: map(counts.by_kind),
                    by_country: map(counts.by_country),
                    by_region: map(counts.by_region),
                    expiring,
                    overdue_stages: monitoring::overdue_stages(c, &vis, narrow, today)? as u32,
                    dormant: counts.dormant as u32,
                })
            })
            .await
        })
        .await?;
    Ok(HttpResponse::Ok().json(&*body))
}
