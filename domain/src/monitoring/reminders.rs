//! Reminders: what needs attention in a scope on a given day, decided from the
//! facts of the records, the monitoring policy and today. Nothing is stored: a reminder is as
//! current as the records it is computed from.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};

use super::annual_report::{expected_reporters, fiscal_year_bounds};
use super::{
    expiry_window, local_date, months_before, report_state, was_signed, AgreementFacts,
    MonitoringPolicy, ReportState,
};
use crate::agreement::{AgreementStatus, Instrument};
use crate::case::{Case, StageRecord};
use crate::code::code_enum;
use crate::deadlines::annual_report_due_estimated;
use crate::workflow::Registry;
use crate::{Calendar, RecordKind, RegionCode, RuleId, Text};

code_enum! {
    /// What a reminder is about.
    ReminderKind {
        /// An active agreement ends within one of the expiry windows (DEFAULT 180/90/30 days).
        Expiring => "expiring",
        /// A letter of intent not followed by a signed agreement (DEFAULT 12 months; seed 003).
        LoiWithoutAgreement => "loi_without_agreement",
        /// A workflow stage is past its due date (R10: DPRD 45 working days).
        StageOverdue => "stage_overdue",
        /// DPRD's decision is due: 45 working days after its receipt of the plan (R10).
        DprdDecisionDue => "dprd_decision_due",
        /// An annual report is due soon (R22).
        ReportDue => "report_due",
        /// An annual report is past its due date (R22).
        ReportOverdue => "report_overdue",
        /// An active agreement without activity for the dormancy period (DEFAULT 24 months).
        Dormant => "dormant",
        /// An active agreement not evaluated within the evaluation interval (DEFAULT 12 months).
        EvaluationDue => "evaluation_due",
        /// A trip report not filed within the configured days after return (DEFAULT 14).
        TripReportLate => "trip_report_late",
        /// A meeting's recommendation past its due date and not done.
        RecommendationOverdue => "recommendation_overdue",
        /// The holiday calendar runs out (its last covered date) within the reminder period
        /// (DEFAULT 90 days): load the next year's decree, or working-day deadlines (R10, R22)
        /// past it are only provisional.
        CalendarCoverageEnding => "calendar_coverage_ending",
    }
}

impl ReminderKind {
    /// The rule a reminder of this kind follows, when there is one: R18 (an ending agreement is
    /// renewed through the workflow), R10 (an overdue stage is never approval), R22 (the annual
    /// report's due date).
    pub fn rule(self) -> Option<RuleId> {
        match self {
            Self::Expiring => Some(RuleId::R18),
            Self::StageOverdue | Self::DprdDecisionDue => Some(RuleId::R10),
            Self::ReportDue | Self::ReportOverdue => Some(RuleId::R22),
            _ => None,
        }
    }

    /// Whether its due date counts working days (and is provisional past the loaded years).
    pub fn counts_working_days(self) -> bool {
        matches!(
            self,
            Self::StageOverdue | Self::DprdDecisionDue | Self::ReportDue | Self::ReportOverdue
        )
    }
}

/// The reminder to load the next year's holidays: from `lead_days` before the calendar's last
/// covered date (`calendar::coverage_ending`), for those who maintain the calendar.
pub fn calendar_coverage(
    last_covered: Option<NaiveDate>,
    today: NaiveDate,
    lead_days: u32,
) -> Option<Reminder> {
    let last = crate::calendar::coverage_ending(last_covered, today, lead_days)?;
    let next = last.year() + 1;
    let (en, id) = when((last - today).num_days());
    Some(Reminder {
        kind: ReminderKind::CalendarCoverageEnding,
        due_on: last,
        days: (last - today).num_days(),
        window_days: Some(lead_days),
        region: None,
        record: RecordKind::CalendarYear,
        record_id: Some(next.to_string()),
        reference_number: None,
        title: format!("Kalender hari libur {next}"),
        text: Text::new(
            format!("The holiday calendar ends on {last} ({en}): load {next}'s national holidays and cuti bersama (the SKB) with PUT /v1/calendar/years/{next}; until then working-day deadlines past {last} are provisional."),
            format!("Kalender hari libur berakhir {last} ({id}): muat hari libur nasional dan cuti bersama {next} (SKB) dengan PUT /v1/calendar/years/{next}; sampai saat itu tenggat hari kerja setelah {last} bersifat sementara."),
        ),
    })
}

/// A running approval case: its current stage's due date, and its state (for the LoI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningCase {
    pub agreement_id: String,
    pub stage_due_on: Option<NaiveDate>,
    pub case: Case,
}

/// An annual report that a region started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedReport {
    pub id: String,
    pub region: RegionCode,
    pub fiscal_year: i32,
    /// The date of submission in the region's zone; `None` while a draft.
    pub submitted_on: Option<NaiveDate>,
}

/// A returned trip whose report is not filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTripReport {
    pub id: String,
    pub region: RegionCode,
    pub purpose: String,
    pub due_on: NaiveDate,
}

/// A meeting's recommendation, open or in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRecommendation {
    pub id: String,
    /// The region that owns its follow-up, if one does.
    pub owner: Option<RegionCode>,
    pub number: i32,
    pub text: String,
    pub due_on: NaiveDate,
}

/// Everything the reminders of a scope are decided from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub agreements: Vec<AgreementFacts>,
    /// When each agreement was last evaluated (submitted or verified), in UTC.
    pub last_evaluated: BTreeMap<String, NaiveDateTime>,
    pub cases: Vec<RunningCase>,
    /// The reports started for the fiscal years of [`reminded_years`].
    pub reports: Vec<StartedReport>,
    pub trips: Vec<PendingTripReport>,
    pub recommendations: Vec<OpenRecommendation>,
}

/// Something that needs attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub kind: ReminderKind,
    /// The date it is about: the end date, a stage's or report's due date, when dormancy or the
    /// follow-up period began to count.
    pub due_on: NaiveDate,
    /// Days from today to `due_on`; negative once past.
    pub days: i64,
    /// For `expiring`: the narrowest window it falls into.
    pub window_days: Option<u32>,
    pub region: Option<RegionCode>,
    pub record: RecordKind,
    /// The agreement, trip or recommendation; the report if one was started.
    pub record_id: Option<String>,
    pub reference_number: Option<String>,
    pub title: String,
    pub text: Text,
}

impl Reminder {
    /// Soonest first; a space sorts before '.', so a province comes before its regencies.
    pub fn sort_key(&self) -> String {
        format!(
            "{} {} {} {}",
            self.due_on,
            self.kind.as_str(),
            self.region.as_ref().map_or("", RegionCode::as_str),
            self.record_id.as_deref().unwrap_or("")
        )
    }
}

/// The fiscal years whose annual reports are reminded on `today`: the last two that ended.
pub fn reminded_years(today: NaiveDate) -> [i32; 2] {
    [today.year() - 2, today.year() - 1]
}

/// Everything to remind on `today`, soonest first.
pub fn reminders(
    facts: &Facts,
    policy: &MonitoringPolicy,
    calendar: &Calendar,
    today: NaiveDate,
) -> Vec<Reminder> {
    let mut out = Vec::new();
    for a in &facts.agreements {
        let last = facts
            .last_evaluated
            .get(&a.id)
            .map(|t| local_date(*t, &a.region));
        out.extend(expiring(a, policy, today));
        out.extend(dormant(a, policy, today));
        out.extend(evaluation_due(a, last, policy, today));
        out.extend(loi_not_followed(a, &facts.agreements, policy, today));
    }
    let by_id: BTreeMap<&str, &AgreementFacts> = facts
        .agreements
        .iter()
        .map(|a| (a.id.as_str(), a))
        .collect();
    let workflows = Registry::builtin();
    for c in &facts.cases {
        // Another region's case (outside the narrowed scope) is not ours.
        let Some(a) = by_id.get(c.agreement_id.as_str()) else {
            continue;
        };
        out.extend(stage_overdue(a, c, &workflows, today));
        out.extend(dprd_decision_due(a, c, today));
        out.extend(loi_in_approval(a, &c.case, policy, today));
    }
    out.extend(reports_due(facts, policy, calendar, today));
    out.extend(
        facts
            .trips
            .iter()
            .filter_map(|t| trip_report_late(t, today)),
    );
    out.extend(
        facts
            .recommendations
            .iter()
            .filter_map(|r| recommendation_overdue(r, today)),
    );
    out.sort_by_key(Reminder::sort_key);
    out
}

/// "in 45 days" / "45 hari lagi", or "3 days ago" / "3 hari lalu".
fn when(days: i64) -> (String, String) {
    if days >= 0 {
        (format!("in {days} days"), format!("{days} hari lagi"))
    } else {
        (
            format!("{} days ago", -days),
            format!("{} hari lalu", -days),
        )
    }
}

fn about(a: &AgreementFacts, kind: ReminderKind, due_on: NaiveDate, today: NaiveDate) -> Reminder {
    Reminder {
        kind,
        due_on,
        days: (due_on - today).num_days(),
        window_days: None,
        region: Some(a.region.clone()),
        record: RecordKind::Agreement,
        record_id: Some(a.id.clone()),
        reference_number: Some(a.reference_number.clone()),
        title: a.title_id.clone(),
        text: Text::default(),
    }
}

/// An active agreement ending within an expiry window: evaluate it and decide on renewal (R18).
fn expiring(a: &AgreementFacts, policy: &MonitoringPolicy, today: NaiveDate) -> Option<Reminder> {
    let end = a
        .expires_on
        .filter(|_| a.status == AgreementStatus::Active)?;
    let window = expiry_window(end, today, &policy.expiry_reminder_days)?;
    let (en, id) = when((end - today).num_days());
    Some(Reminder {
        window_days: Some(window),
        text: Text::new(
            format!("Ends on {end} ({en}): evaluate it and decide on renewal (R18)."),
            format!("Berakhir {end} ({id}): evaluasi dan putuskan perpanjangan (R18)."),
        ),
        ..about(a, ReminderKind::Expiring, end, today)
    })
}

/// An active agreement the dormancy job flagged.
fn dormant(a: &AgreementFacts, policy: &MonitoringPolicy, today: NaiveDate) -> Option<Reminder> {
    let since = a
        .dormant_since
        .filter(|_| a.status == AgreementStatus::Active)?;
    let months = policy.dormancy_months;
    Some(Reminder {
        text: Text::new(
            format!("No activity for {months} months (flagged {since}): revitalize it or consider ending it."),
            format!("Tanpa kegiatan selama {months} bulan (sejak ditandai {since}): revitalisasi atau pertimbangkan pengakhiran."),
        ),
        ..about(a, ReminderKind::Dormant, since, today)
    })
}

/// An active agreement not evaluated within the interval (PP 28/2018 art. 44): due one interval
/// after its last evaluation, or after its start when never evaluated.
fn evaluation_due(
    a: &AgreementFacts,
    last: Option<NaiveDate>,
    policy: &MonitoringPolicy,
    today: NaiveDate,
) -> Option<Reminder> {
    if a.status != AgreementStatus::Active {
        return None;
    }
    let interval = Months::new(policy.evaluation_interval_months);
    let cutoff = months_before(today, policy.evaluation_interval_months);
    let (due, text) = match last {
        Some(l) if l >= cutoff => return None,
        Some(l) => (
            l.checked_add_months(interval)?,
            Text::new(
                format!("Last evaluated {l}: evaluate it again (PP 28/2018 art. 44)."),
                format!("Terakhir dievaluasi {l}: evaluasi kembali (PP 28/2018 ps. 44)."),
            ),
        ),
        None => (
            a.started_on()
                .filter(|s| *s < cutoff)?
                .checked_add_months(interval)?,
            Text::new(
                "Never evaluated: evaluate it (PP 28/2018 art. 44).",
                "Belum pernah dievaluasi: lakukan evaluasi (PP 28/2018 ps. 44).",
            ),
        ),
    };
    Some(Reminder {
        text,
        ..about(a, ReminderKind::EvaluationDue, due, today)
    })
}

/// A standalone letter of intent in force with nothing signed under or after it within the
/// follow-up period (seed 003 recommendation 6).
fn loi_not_followed(
    a: &AgreementFacts,
    all: &[AgreementFacts],
    policy: &MonitoringPolicy,
    today: NaiveDate,
) -> Option<Reminder> {
    if a.instrument != Instrument::Loi || a.status != AgreementStatus::Active {
        return None;
    }
    let followed = all.iter().any(|b| {
        (b.parent_id.as_deref() == Some(&a.id) || b.predecessor_id.as_deref() == Some(&a.id))
            && was_signed(b.status)
    });
    let signed = a.signed_on.or(a.effective_from).filter(|_| !followed)?;
    loi_reminder(a, signed, false, policy, today)
}

/// A letter of intent signed on `signed` and not followed by a signed agreement within the
/// follow-up period; `in_approval` when its agreement is still in its approval case.
fn loi_reminder(
    a: &AgreementFacts,
    signed: NaiveDate,
    in_approval: bool,
    policy: &MonitoringPolicy,
    today: NaiveDate,
) -> Option<Reminder> {
    let months = policy.loi_follow_up_months;
    let limit = signed
        .checked_add_months(Months::new(months))
        .filter(|l| *l < today)?;
    let text = match in_approval {
        false => Text::new(
            format!("Letter of intent signed {signed}, no agreement signed within {months} months."),
            format!("Pernyataan kehendak ditandatangani {signed}, belum ada naskah kerja sama dalam {months} bulan."),
        ),
        true => Text::new(
            format!("Letter of intent signed {signed}; the agreement is still in approval after {months} months."),
            format!("Pernyataan kehendak ditandatangani {signed}; naskah masih dalam proses setelah {months} bulan."),
        ),
    };
    Some(Reminder {
        text,
        ..about(a, ReminderKind::LoiWithoutAgreement, limit, today)
    })
}

/// **R10** — a running case whose current stage is past its due date: flagged, never approved.
fn stage_overdue(
    a: &AgreementFacts,
    c: &RunningCase,
    workflows: &Registry,
    today: NaiveDate,
) -> Option<Reminder> {
    let due = c.stage_due_on.filter(|d| *d < today)?;
    let stage = c.case.current().map(|i| c.case.stages[i].key);
    let name = workflows
        .get(&c.case.definition_key, c.case.definition_version)
        .and_then(|def| def.stages.into_iter().find(|s| Some(s.key) == stage))
        .map_or_else(
            || Text::new("current", "berjalan"),
            |s| Text::new(s.name_en, s.name_id),
        );
    let (en, id) = when((due - today).num_days());
    Some(Reminder {
        text: Text::new(
            format!(
                "Stage `{}` was due {due} ({en}); overdue is never approval (R10).",
                name.en
            ),
            format!(
                "Tahap `{}` jatuh tempo {due} ({id}); lewat waktu bukan persetujuan (R10).",
                name.id
            ),
        ),
        ..about(a, ReminderKind::StageOverdue, due, today)
    })
}

/// **R10** — DPRD has received the plan and its decision is not yet overdue: its due date,
/// 45 working days after the receipt (overdue it becomes `stage_overdue`).
fn dprd_decision_due(a: &AgreementFacts, c: &RunningCase, today: NaiveDate) -> Option<Reminder> {
    let due = c.stage_due_on.filter(|d| *d >= today)?;
    let stage = &c.case.stages[c.case.current()?];
    if stage.key != crate::workflow::StageKey::DprdApproval {
        return None;
    }
    let received = stage.receipt.as_ref()?.received_on;
    let (en, id) = when((due - today).num_days());
    Some(Reminder {
        text: Text::new(
            format!("DPRD received the plan on {received}; its decision is due {due} ({en}). Silence is never approval (R10)."),
            format!("DPRD menerima rencana pada {received}; keputusannya jatuh tempo {due} ({id}). Diam bukan persetujuan (R10)."),
        ),
        ..about(a, ReminderKind::DprdDecisionDue, due, today)
    })
}

/// A letter of intent signed inside a running approval case, the case still not signed after
/// the follow-up period.
fn loi_in_approval(
    a: &AgreementFacts,
    case: &Case,
    policy: &MonitoringPolicy,
    today: NaiveDate,
) -> Option<Reminder> {
    let signed = case.stages.iter().find_map(|s| match &s.record {
        Some(StageRecord::LetterOfIntent { signed_on, .. }) => Some(signed_on.naive()),
        _ => None,
    })?;
    loi_reminder(a, signed, true, policy, today)
}

/// **R21, R22** — the annual reports of the last two fiscal years, from every region expected
/// to report (R21), due soon or overdue (R22).
fn reports_due(
    facts: &Facts,
    policy: &MonitoringPolicy,
    calendar: &Calendar,
    today: NaiveDate,
) -> Vec<Reminder> {
    let mut out = Vec::new();
    for year in reminded_years(today) {
        let (from, to) = fiscal_year_bounds(year);
        let started: BTreeMap<&RegionCode, &StartedReport> = facts
            .reports
            .iter()
            .filter(|r| r.fiscal_year == year)
            .map(|r| (&r.region, r))
            .collect();
        let expected: BTreeSet<RegionCode> = expected_reporters(&facts.agreements, from, to);
        for region in expected {
            // On the region's calendar (its own days off count); past the holiday data the
            // due date is estimated (and shown provisional).
            let Ok(due) =
                annual_report_due_estimated(&calendar.for_region(&region), year).map(|r| r.value)
            else {
                continue;
            };
            let report = started.get(&region);
            let kind = match report_state(due, report.and_then(|r| r.submitted_on), today) {
                ReportState::Due
                    if (due - today).num_days() <= i64::from(policy.report_reminder_days) =>
                {
                    ReminderKind::ReportDue
                }
                ReportState::Overdue => ReminderKind::ReportOverdue,
                _ => continue,
            };
            let (en, id) = when((due - today).num_days());
            out.push(Reminder {
                kind,
                due_on: due,
                days: (due - today).num_days(),
                window_days: None,
                region: Some(region),
                record: RecordKind::AnnualReport,
                record_id: report.map(|r| r.id.clone()),
                reference_number: None,
                title: format!("Laporan tahunan kerja sama {year}"),
                text: Text::new(
                    format!("The {year} annual report is due {due} ({en}) (R22)."),
                    format!("Laporan tahunan {year} jatuh tempo {due} ({id}) (R22)."),
                ),
            });
        }
    }
    out
}

fn trip_report_late(t: &PendingTripReport, today: NaiveDate) -> Option<Reminder> {
    let due = Some(t.due_on).filter(|d| *d < today)?;
    let (en, id) = when((due - today).num_days());
    Some(Reminder {
        kind: ReminderKind::TripReportLate,
        due_on: due,
        days: (due - today).num_days(),
        window_days: None,
        region: Some(t.region.clone()),
        record: RecordKind::TravelRequest,
        record_id: Some(t.id.clone()),
        reference_number: None,
        title: t.purpose.chars().take(200).collect(),
        text: Text::new(
            format!("The trip report was due {due} ({en})."),
            format!("Laporan perjalanan jatuh tempo {due} ({id})."),
        ),
    })
}

fn recommendation_overdue(r: &OpenRecommendation, today: NaiveDate) -> Option<Reminder> {
    let due = Some(r.due_on).filter(|d| *d < today)?;
    let (en, id) = when((due - today).num_days());
    let n = r.number;
    Some(Reminder {
        kind: ReminderKind::RecommendationOverdue,
        due_on: due,
        days: (due - today).num_days(),
        window_days: None,
        region: r.owner.clone(),
        record: RecordKind::Recommendation,
        record_id: Some(r.id.clone()),
        reference_number: Some(format!("#{n}")),
        title: r.text.chars().take(200).collect(),
        text: Text::new(
            format!("Recommendation #{n} was due {due} ({en}); record its follow-up."),
            format!("Rekomendasi #{n} jatuh tempo {due} ({id}); catat tindak lanjutnya."),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{code, d, mou};
    use super::*;
    use crate::calendar::{CalendarPolicy, DayOff, DayOffKind};
    use crate::case::StageStatus;
    use crate::workflow::StageKey;

    const TODAY: &str = "2026-03-02";

    /// The days off around the due dates of fiscal years 2024 and 2025 (R22).
    fn calendar() -> Calendar {
        let off = |s: &str| DayOff {
            date: d(s),
            name_id: String::new(),
            kind: DayOffKind::Holiday,
        };
        Calendar::new(
            ["2024-12-25", "2025-01-01", "2025-12-25", "2026-01-01"].map(off),
            CalendarPolicy::default(),
        )
    }

    /// An active MoU of `region` signed on `signed`.
    fn active(id: &str, region: &str, signed: &str, expires: Option<&str>) -> AgreementFacts {
        mou(id, region, AgreementStatus::Active, signed, expires)
    }

    fn run(facts: &Facts) -> Vec<Reminder> {
        reminders(facts, &MonitoringPolicy::default(), &calendar(), d(TODAY))
    }

    fn of(facts: &Facts, kind: ReminderKind) -> Vec<Reminder> {
        run(facts).into_iter().filter(|r| r.kind == kind).collect()
    }

    /// One agreement, evaluated today so that only the reminder under test shows.
    fn alone(a: AgreementFacts) -> Facts {
        Facts {
            last_evaluated: [(a.id.clone(), d(TODAY).and_hms_opt(3, 0, 0).unwrap())].into(),
            agreements: vec![a],
            ..Facts::default()
        }
    }

    #[test]
    fn coverage_reminder_names_the_next_year_from_90_days_before_the_end() {
        assert_eq!(
            calendar_coverage(Some(d("2026-12-31")), d("2026-10-01"), 90),
            None
        );
        let r = calendar_coverage(Some(d("2026-12-31")), d("2026-12-01"), 90).unwrap();
        assert_eq!(
            (r.kind, r.due_on, r.days),
            (ReminderKind::CalendarCoverageEnding, d("2026-12-31"), 30)
        );
        assert_eq!(r.record_id.as_deref(), Some("2027"));
        assert!(r.text.id.contains("SKB"));
    }

    #[test]
    fn an_agreement_ending_soon_is_reminded_in_its_narrowest_window() {
        let mut facts = alone(active("a", "33", "2021-01-01", Some("2026-04-16")));
        facts
            .agreements
            .push(active("b", "33", "2021-01-01", Some("2026-07-30")));
        facts
            .agreements
            .push(active("c", "33", "2021-01-01", Some("2026-12-01")));
        facts
            .last_evaluated
            .insert("b".into(), d(TODAY).and_hms_opt(0, 0, 0).unwrap());
        facts
            .last_evaluated
            .insert("c".into(), d(TODAY).and_hms_opt(0, 0, 0).unwrap());
        let r = of(&facts, ReminderKind::Expiring);
        let seen: Vec<(&str, Option<u32>, i64)> = r
            .iter()
            .map(|r| (r.record_id.as_deref().unwrap(), r.window_days, r.days))
            .collect();
        assert_eq!(seen, [("a", Some(90), 45), ("b", Some(180), 150)]);
        assert_eq!(r[0].due_on, d("2026-04-16"));
        assert_eq!(r[0].kind.rule(), Some(RuleId::R18));
        assert!(r[0].text.id.contains("45 hari lagi"), "{}", r[0].text.id);
    }

    #[test]
    fn an_ended_or_terminated_agreement_is_not_reminded_of_its_expiry() {
        let mut a = active("a", "33", "2021-01-01", Some("2026-04-16"));
        a.status = AgreementStatus::Terminated;
        assert!(of(&alone(a), ReminderKind::Expiring).is_empty());
        let past = active("b", "33", "2021-01-01", Some("2026-03-01"));
        assert!(of(&alone(past), ReminderKind::Expiring).is_empty());
    }

    #[test]
    fn a_letter_of_intent_not_followed_within_twelve_months_is_reminded() {
        let mut loi = active("loi", "33", "2023-02-01", None);
        loi.instrument = Instrument::Loi;
        let r = of(&alone(loi.clone()), ReminderKind::LoiWithoutAgreement);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].due_on, d("2024-02-01"));
        // A signed agreement under it settles it; one still in approval does not.
        let mut child = active("mou", "33", "2024-05-01", None);
        child.parent_id = Some("loi".into());
        child.status = AgreementStatus::InApproval;
        let mut facts = alone(loi);
        facts.agreements.push(child);
        assert_eq!(of(&facts, ReminderKind::LoiWithoutAgreement).len(), 1);
        facts.agreements[1].status = AgreementStatus::Active;
        assert!(of(&facts, ReminderKind::LoiWithoutAgreement).is_empty());
    }

    /// A KSDPL case of `agreement` whose current stage is due on `due`.
    fn case_of(agreement: &str, due: &str) -> RunningCase {
        let def = crate::workflow::latest("ksdpl").unwrap();
        RunningCase {
            agreement_id: agreement.into(),
            stage_due_on: Some(d(due)),
            case: Case::start(&def, d("2025-10-01")),
        }
    }

    #[test]
    fn a_letter_of_intent_signed_in_a_case_still_running_after_twelve_months_is_reminded() {
        let signed = |on: &str| {
            let mut c = case_of("a", "2099-01-01");
            c.case.stages[2].record = Some(StageRecord::LetterOfIntent {
                signed_on: crate::Date::parse(on).unwrap(),
                languages: vec!["id".into()],
            });
            c
        };
        let mut facts = alone(active("a", "33", "2021-01-01", None));
        facts.cases.push(signed("2025-03-01"));
        let r = of(&facts, ReminderKind::LoiWithoutAgreement);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].due_on, d("2026-03-01"));
        assert!(r[0].text.en.contains("still in approval"));
        facts.cases[0] = signed("2025-03-02");
        assert!(
            of(&facts, ReminderKind::LoiWithoutAgreement).is_empty(),
            "twelve months to the day: not yet"
        );
    }

    #[test]
    fn r10_a_stage_past_its_due_date_is_flagged_with_its_name() {
        let mut c = case_of("a", "2026-01-05");
        c.case.stages[0].status = StageStatus::Completed;
        let dprd = c
            .case
            .stages
            .iter()
            .position(|s| s.key == StageKey::DprdApproval);
        c.case.stages[dprd.unwrap()].status = StageStatus::Active;
        let mut facts = alone(active("a", "33", "2021-01-01", None));
        facts.cases.push(c);
        let r = of(&facts, ReminderKind::StageOverdue);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].due_on, r[0].days), (d("2026-01-05"), -56));
        assert!(r[0].text.en.contains("`DPRD approval`"), "{}", r[0].text.en);
        assert!(
            r[0].text.id.contains("`Persetujuan DPRD`"),
            "{}",
            r[0].text.id
        );
        assert_eq!(r[0].kind.rule(), Some(RuleId::R10));
        facts.cases[0].stage_due_on = Some(d(TODAY));
        assert!(
            of(&facts, ReminderKind::StageOverdue).is_empty(),
            "due today is not overdue"
        );
    }

    /// R10: from DPRD's receipt its decision's due date is reminded; past it, the stage is
    /// overdue instead; before a receipt nothing is due.
    #[test]
    fn r10_the_dprd_decision_due_date_is_reminded_from_the_receipt() {
        use crate::case::Receipt;
        let mut c = case_of("a", "2026-03-20");
        let dprd = c
            .case
            .stages
            .iter()
            .position(|s| s.key == StageKey::DprdApproval)
            .unwrap();
        c.case.stages[0].status = StageStatus::Completed;
        c.case.stages[dprd].status = StageStatus::Active;
        let mut facts = alone(active("a", "33", "2021-01-01", None));
        facts.cases.push(c);
        assert!(
            of(&facts, ReminderKind::DprdDecisionDue).is_empty(),
            "no receipt yet"
        );
        facts.cases[0].case.stages[dprd].receipt = Some(Receipt {
            received_on: d("2026-01-12"),
            letter_number: Some("005/1".into()),
        });
        let r = of(&facts, ReminderKind::DprdDecisionDue);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].due_on, r[0].kind.rule()),
            (d("2026-03-20"), Some(RuleId::R10))
        );
        assert!(r[0].text.en.contains("2026-01-12") && r[0].text.id.contains("bukan persetujuan"));
        facts.cases[0].stage_due_on = Some(d("2026-01-05"));
        assert!(of(&facts, ReminderKind::DprdDecisionDue).is_empty());
        assert_eq!(of(&facts, ReminderKind::StageOverdue).len(), 1);
    }

    #[test]
    fn a_case_of_an_agreement_outside_the_scope_is_not_reminded() {
        let mut facts = alone(active("a", "33", "2021-01-01", None));
        facts.cases.push(case_of("elsewhere", "2026-01-05"));
        assert!(of(&facts, ReminderKind::StageOverdue).is_empty());
    }

    #[test]
    fn r22_reports_not_submitted_are_overdue_from_the_day_after_their_due_date() {
        // In force during 2024 and 2025: both years' reports are expected (R21).
        let mut facts = alone(active("a", "33", "2019-08-06", Some("2029-08-05")));
        facts.reports.push(StartedReport {
            id: "r2025".into(),
            region: code("33"),
            fiscal_year: 2025,
            submitted_on: None,
        });
        let r = of(&facts, ReminderKind::ReportOverdue);
        let seen: Vec<(NaiveDate, Option<&str>)> = r
            .iter()
            .map(|r| (r.due_on, r.record_id.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [(d("2025-01-10"), None), (d("2026-01-12"), Some("r2025"))]
        );
        assert_eq!(r[0].record, RecordKind::AnnualReport);
        assert_eq!(r[0].title, "Laporan tahunan kerja sama 2024");
        assert_eq!(r[0].kind.rule(), Some(RuleId::R22));
        facts.reports[0].submitted_on = Some(d("2026-02-01"));
        assert_eq!(
            of(&facts, ReminderKind::ReportOverdue).len(),
            1,
            "late is submitted"
        );
    }

    #[test]
    fn r22_a_report_due_within_the_reminder_period_is_reminded_before_it_is_late() {
        let facts = alone(active("a", "33.74", "2019-08-06", None));
        let at = |today: &str, days: u32| {
            let policy = MonitoringPolicy {
                report_reminder_days: days,
                ..MonitoringPolicy::default()
            };
            reminders(&facts, &policy, &calendar(), d(today))
                .into_iter()
                .filter(|r| r.kind == ReminderKind::ReportDue)
                .map(|r| (r.due_on, r.days))
                .collect::<Vec<_>>()
        };
        // The 2025 report is due 2026-01-12; a year not ended is not reminded yet.
        assert_eq!(at("2026-01-05", 30), [(d("2026-01-12"), 7)]);
        assert_eq!(at("2026-01-05", 5), [], "outside a 5-day reminder period");
        assert_eq!(at("2025-12-20", 30), [], "2025 has not ended");
    }

    #[test]
    fn r22_a_report_is_reminded_on_its_regions_calendar() {
        // Jawa Tengah (33) does not work on 2026-01-06: its city 33.74 reports a day later than
        // a region of another province (34.71).
        let facts = Facts {
            agreements: vec![
                active("a", "33.74", "2019-08-06", None),
                active("b", "34.71", "2019-08-06", None),
            ],
            ..Facts::default()
        };
        let cal = calendar().with_regional_days(vec![crate::calendar::RegionalDayOff {
            region: code("33"),
            date: d("2026-01-06"),
            name_id: "Hari libur daerah uji".into(),
        }]);
        let due: Vec<(Option<RegionCode>, NaiveDate)> =
            reminders(&facts, &MonitoringPolicy::default(), &cal, d("2026-01-05"))
                .into_iter()
                .filter(|r| r.kind == ReminderKind::ReportDue)
                .map(|r| (r.region, r.due_on))
                .collect();
        assert_eq!(
            due,
            [
                (Some(code("34.71")), d("2026-01-12")),
                (Some(code("33.74")), d("2026-01-13"))
            ]
        );
    }

    #[test]
    fn r21_a_region_without_an_agreement_in_force_is_not_reminded_of_a_report() {
        let mut a = active("a", "33", "2019-08-06", Some("2023-12-31"));
        a.status = AgreementStatus::Expired;
        let facts = alone(a);
        assert!(of(&facts, ReminderKind::ReportOverdue).is_empty());
        assert!(of(&facts, ReminderKind::ReportDue).is_empty());
    }

    #[test]
    fn a_dormant_active_agreement_is_reminded_from_when_it_was_flagged() {
        let mut a = active("a", "33", "2019-08-06", None);
        a.dormant_since = Some(d("2025-11-24"));
        let r = of(&alone(a.clone()), ReminderKind::Dormant);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].due_on, r[0].days), (d("2025-11-24"), -98));
        assert!(r[0].text.en.contains("No activity for 24 months"));
        a.status = AgreementStatus::Expired;
        assert!(of(&alone(a), ReminderKind::Dormant).is_empty());
    }

    #[test]
    fn an_agreement_never_evaluated_is_due_a_year_after_it_started() {
        let facts = Facts {
            agreements: vec![
                active("old", "33", "2021-05-10", None),
                active("new", "33", "2025-06-01", None),
            ],
            ..Facts::default()
        };
        let r = of(&facts, ReminderKind::EvaluationDue);
        assert_eq!(r.len(), 1, "started less than 12 months ago: not yet");
        assert_eq!(r[0].due_on, d("2022-05-10"));
        assert!(r[0].text.en.starts_with("Never evaluated"));
    }

    #[test]
    fn an_agreement_is_due_again_a_year_after_its_last_evaluation() {
        let mut facts = alone(active("a", "33", "2019-08-06", None));
        facts.last_evaluated.insert(
            "a".into(),
            "2024-12-20T10:00:00".parse::<NaiveDateTime>().unwrap(),
        );
        let r = of(&facts, ReminderKind::EvaluationDue);
        assert_eq!(r[0].due_on, d("2025-12-20"));
        assert!(r[0].text.id.contains("Terakhir dievaluasi 2024-12-20"));
        facts
            .last_evaluated
            .insert("a".into(), d("2025-06-01").and_hms_opt(0, 0, 0).unwrap());
        assert!(of(&facts, ReminderKind::EvaluationDue).is_empty());
    }

    #[test]
    fn an_evaluation_is_dated_in_its_regions_own_zone() {
        // 2025-03-01 23:00 UTC is already 2 March in Papua (WIT): twelve months later is today.
        let mut facts = alone(active("a", "91", "2019-08-06", None));
        let at = "2025-03-01T23:00:00".parse::<NaiveDateTime>().unwrap();
        facts.last_evaluated.insert("a".into(), at);
        assert!(of(&facts, ReminderKind::EvaluationDue).is_empty());
        let mut jakarta = alone(active("a", "31", "2019-08-06", None));
        jakarta
            .last_evaluated
            .insert("a".into(), at - chrono::Duration::hours(8));
        assert_eq!(of(&jakarta, ReminderKind::EvaluationDue).len(), 1);
    }

    #[test]
    fn a_trip_report_not_filed_by_its_due_date_is_late() {
        let trip = |due: &str| PendingTripReport {
            id: format!("trip-{due}"),
            region: code("33.74"),
            purpose: "Rapat JWG di Brisbane".into(),
            due_on: d(due),
        };
        let facts = Facts {
            trips: vec![trip("2026-02-20"), trip(TODAY)],
            ..Facts::default()
        };
        let r = run(&facts);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].kind, ReminderKind::TripReportLate);
        assert_eq!(r[0].record, RecordKind::TravelRequest);
        assert_eq!(r[0].region, Some(code("33.74")));
        assert_eq!(r[0].title, "Rapat JWG di Brisbane");
    }

    #[test]
    fn a_recommendation_past_its_due_date_is_overdue_for_its_owner() {
        let facts = Facts {
            recommendations: vec![OpenRecommendation {
                id: "rec".into(),
                owner: Some(code("33.74")),
                number: 6,
                text: "x".repeat(300),
                due_on: d("2026-01-31"),
            }],
            ..Facts::default()
        };
        let r = run(&facts);
        assert_eq!(r[0].kind, ReminderKind::RecommendationOverdue);
        assert_eq!(r[0].reference_number.as_deref(), Some("#6"));
        assert_eq!(r[0].title.chars().count(), 200);
        assert!(r[0]
            .text
            .id
            .starts_with("Rekomendasi #6 jatuh tempo 2026-01-31 (30 hari lalu)"));
    }

    #[test]
    fn reminders_come_soonest_first_a_province_before_its_regencies() {
        let mut facts = Facts::default();
        for (id, region) in [("z", "33.74"), ("y", "33"), ("x", "33.01")] {
            let mut a = active(id, region, "2021-01-01", Some("2026-04-16"));
            a.id = id.into();
            facts.agreements.push(a);
        }
        facts
            .agreements
            .push(active("w", "33", "2021-01-01", Some("2026-03-10")));
        let r = of(&facts, ReminderKind::Expiring);
        let order: Vec<&str> = r.iter().map(|r| r.record_id.as_deref().unwrap()).collect();
        assert_eq!(order, ["w", "y", "x", "z"]);
        let keys: Vec<String> = r.iter().map(Reminder::sort_key).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    }

    #[test]
    fn every_reminder_kind_has_a_stable_code() {
        use ReminderKind as K;
        let all = [
            K::Expiring,
            K::LoiWithoutAgreement,
            K::StageOverdue,
            K::DprdDecisionDue,
            K::ReportDue,
            K::ReportOverdue,
            K::Dormant,
            K::EvaluationDue,
            K::TripReportLate,
            K::RecommendationOverdue,
        ];
        let codes: BTreeSet<&str> = all.iter().map(|k| k.as_str()).collect();
        assert_eq!(codes.len(), all.len());
        assert_eq!(K::TripReportLate.as_str(), "trip_report_late");
        assert_eq!(K::Dormant.rule(), None);
    }
}
