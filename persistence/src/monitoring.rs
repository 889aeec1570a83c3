//! What monitoring reads across agreements in a caller's scope — the facts the dashboard,
//! reminders and annual reports are computed from — and the dormancy flag the background job
//! keeps. Facts are returned as the domain's types (`jalin_domain::monitoring`); the rows that
//! read them are private.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use jalin_domain::access::Visibility;
use jalin_domain::agreement::{AgreementKind, AgreementStatus, Instrument};
use jalin_domain::case::Case;
use jalin_domain::coordination::FollowUp;
use jalin_domain::evaluation::EvaluationStatus;
use jalin_domain::monitoring::reminders::{OpenRecommendation, PendingTripReport, RunningCase};
use jalin_domain::monitoring::AgreementFacts;
use jalin_domain::travel::TravelStage;
use jalin_domain::RegionCode;

use crate::crud::Narrow;
use crate::db::{DbConnection, DbError};
use crate::schema::{
    activities as ac, agreement_partners as ap, agreements as ag, evaluations as ev,
    partners as pa, recommendations as rc, travel_requests as tr, workflow_cases as wc,
};
use crate::text::{Json, Stored, StoredOpt};

/// Agreements' `q` (or a join with them) within `vis`, narrowed to `region` when given.
fn scoped<Q>(q: Q, vis: &Visibility, region: Option<&RegionCode>) -> Q
where
    Q: Narrow<ag::province_code, ag::region_code>,
{
    q.visible_to(vis, ag::province_code, ag::region_code)
        .within(region, ag::province_code, ag::region_code)
}

/// The monitoring facts of an agreement, as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = ag, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct FactsRow {
    id: String,
    reference_number: String,
    #[diesel(deserialize_as = Stored<RegionCode>)]
    region_code: RegionCode,
    #[diesel(deserialize_as = Stored<AgreementKind>)]
    kind: AgreementKind,
    #[diesel(deserialize_as = Stored<Instrument>)]
    instrument: Instrument,
    #[diesel(deserialize_as = Stored<AgreementStatus>)]
    status: AgreementStatus,
    title_id: String,
    parent_id: Option<String>,
    predecessor_id: Option<String>,
    signed_on: Option<NaiveDate>,
    effective_from: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    dormant_since: Option<NaiveDate>,
}

impl From<FactsRow> for AgreementFacts {
    fn from(r: FactsRow) -> Self {
        AgreementFacts {
            id: r.id,
            reference_number: r.reference_number,
            region: r.region_code,
            kind: r.kind,
            instrument: r.instrument,
            status: r.status,
            title_id: r.title_id,
            parent_id: r.parent_id,
            predecessor_id: r.predecessor_id,
            signed_on: r.signed_on,
            effective_from: r.effective_from,
            expires_on: r.expires_on,
            dormant_since: r.dormant_since,
        }
    }
}

/// Every agreement within `vis`, optionally narrowed to one region (a province includes its
/// regencies/cities), in id order.
pub fn agreements(
    conn: &mut DbConnection,
    vis: &Visibility,
    region: Option<&RegionCode>,
) -> Result<Vec<AgreementFacts>, DbError> {
    let q = ag::table
        .select(FactsRow::as_select())
        .order(ag::id)
        .into_boxed();
    let rows: Vec<FactsRow> = scoped(q, vis, region).load(conn)?;
    Ok(rows.into_iter().map(AgreementFacts::from).collect())
}

/// An activity as monitoring counts it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = ac, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ActivityFacts {
    pub agreement_id: String,
    pub kind: String,
    pub starts_on: NaiveDate,
    /// A decimal, for grants and donations.
    pub idr_equivalent: Option<String>,
}

/// Activities within `vis` that start within `[from, to]` (both optional).
pub fn activities(
    conn: &mut DbConnection,
    vis: &Visibility,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<ActivityFacts>, DbError> {
    let mut q = ac::table
        .inner_join(ag::table)
        .select(ActivityFacts::as_select())
        .order(ac::id)
        .into_boxed();
    q = scoped(q, vis, None);
    if let Some(f) = from {
        q = q.filter(ac::starts_on.ge(f));
    }
    if let Some(t) = to {
        q = q.filter(ac::starts_on.le(t));
    }
    Ok(q.load(conn)?)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = wc, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct CaseRow {
    agreement_id: String,
    stage_due_on: Option<NaiveDate>,
    #[diesel(deserialize_as = Json<Case>)]
    state: Case,
}

/// The running approval cases within `vis`.
pub fn running_cases(
    conn: &mut DbConnection,
    vis: &Visibility,
) -> Result<Vec<RunningCase>, DbError> {
    let q = wc::table
        .inner_join(ag::table)
        .select(CaseRow::as_select())
        .filter(wc::status.eq("running"))
        .order(wc::agreement_id)
        .into_boxed();
    let rows: Vec<CaseRow> = scoped(q, vis, None).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| RunningCase {
            agreement_id: r.agreement_id,
            stage_due_on: r.stage_due_on,
            case: r.state,
        })
        .collect())
}

/// When each agreement within `vis` was last evaluated (submitted or verified).
pub fn last_evaluated(
    conn: &mut DbConnection,
    vis: &Visibility,
) -> Result<BTreeMap<String, NaiveDateTime>, DbError> {
    let q = ev::table
        .inner_join(ag::table.on(ag::id.eq(ev::agreement_id)))
        .select((ev::agreement_id, ev::submitted_at))
        .filter(ev::status.ne(EvaluationStatus::Draft.as_str()))
        .into_boxed();
    let rows: Vec<(String, Option<NaiveDateTime>)> = scoped(q, vis, None).load(conn)?;
    let mut out: BTreeMap<String, NaiveDateTime> = BTreeMap::new();
    for (id, at) in rows {
        if let Some(at) = at {
            let e = out.entry(id).or_insert(at);
            *e = (*e).max(at);
        }
    }
    Ok(out)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = tr, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct TripRow {
    id: String,
    #[diesel(deserialize_as = Stored<RegionCode>)]
    region_code: RegionCode,
    purpose: String,
    report_due_on: Option<NaiveDate>,
}

/// Returned trips within `vis` (narrowed to `region`) whose report is due before `today` and
/// not filed.
pub fn pending_trip_reports(
    conn: &mut DbConnection,
    vis: &Visibility,
    region: Option<&RegionCode>,
    today: NaiveDate,
) -> Result<Vec<PendingTripReport>, DbError> {
    let q = tr::table
        .select(TripRow::as_select())
        .filter(tr::stage.eq(TravelStage::Returned.as_str()))
        .filter(tr::report_due_on.lt(today))
        .order(tr::report_due_on)
        .into_boxed();
    let rows: Vec<TripRow> = q
        .visible_to(vis, tr::province_code, tr::region_code)
        .within(region, tr::province_code, tr::region_code)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|t| {
            Some(PendingTripReport {
                due_on: t.report_due_on?,
                id: t.id,
                region: t.region_code,
                purpose: t.purpose,
            })
        })
        .collect())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = rc, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct RecommendationRow {
    id: String,
    number: i32,
    text: String,
    #[diesel(deserialize_as = StoredOpt<RegionCode>)]
    owner_region_code: Option<RegionCode>,
    due_on: Option<NaiveDate>,
}

/// Recommendations owned within `vis` (narrowed to `region`), open or in progress, due before
/// `today`.
pub fn overdue_recommendations(
    conn: &mut DbConnection,
    vis: &Visibility,
    region: Option<&RegionCode>,
    today: NaiveDate,
) -> Result<Vec<OpenRecommendation>, DbError> {
    let q = rc::table
        .select(RecommendationRow::as_select())
        .filter(rc::status.eq_any([FollowUp::Open.as_str(), FollowUp::InProgress.as_str()]))
        .filter(rc::due_on.lt(today))
        .order(rc::due_on)
        .into_boxed();
    let rows: Vec<RecommendationRow> = q
        .visible_to(vis, rc::owner_province_code, rc::owner_region_code)
        .within(region, rc::owner_province_code, rc::owner_region_code)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(OpenRecommendation {
                due_on: r.due_on?,
                id: r.id,
                owner: r.owner_region_code,
                number: r.number,
                text: r.text,
            })
        })
        .collect())
}

#[derive(diesel::QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    region_code: String,
}

/// Active agreements that have become dormant (started before `cutoff`, no activity on or after
/// it, not yet flagged), claimed for this transaction: on PostgreSQL with
/// `FOR UPDATE SKIP LOCKED` so two servers never flag one twice.
pub fn claim_dormant(
    conn: &mut DbConnection,
    cutoff: NaiveDate,
    limit: i64,
) -> Result<Vec<(String, String)>, DbError> {
    const WHERE: &str = "status = 'active' AND dormant_since IS NULL \
         AND COALESCE(effective_from, signed_on) < {c} \
         AND NOT EXISTS (SELECT 1 FROM activities x WHERE x.agreement_id = agreements.id \
                         AND x.starts_on >= {c})";
    claim(conn, WHERE, cutoff, limit)
}

/// Flagged agreements that are no longer dormant: an activity since `cutoff`, or no longer
/// active.
pub fn claim_revived(
    conn: &mut DbConnection,
    cutoff: NaiveDate,
    limit: i64,
) -> Result<Vec<(String, String)>, DbError> {
    const WHERE: &str = "dormant_since IS NOT NULL AND (status <> 'active' \
         OR EXISTS (SELECT 1 FROM activities x WHERE x.agreement_id = agreements.id \
                    AND x.starts_on >= {c}))";
    claim(conn, WHERE, cutoff, limit)
}

fn claim(
    conn: &mut DbConnection,
    condition: &str,
    cutoff: NaiveDate,
    limit: i64,
) -> Result<Vec<(String, String)>, DbError> {
    let rows: Vec<Claimed> = match conn {
        DbConnection::Postgres(pg) => {
            let sql = format!(
                "SELECT id, region_code FROM agreements WHERE {} ORDER BY id LIMIT $2 \
                 FOR UPDATE SKIP LOCKED",
                condition.replace("{c}", "$1")
            );
            diesel::sql_query(sql)
                .bind::<diesel::sql_types::Date, _>(cutoff)
                .bind::<diesel::sql_types::BigInt, _>(limit)
                .load(pg)?
        }
        DbConnection::Sqlite(lite) => {
            // SQLite binds positionally; the cutoff is the only value, repeated.
            let n = condition.matches("{c}").count();
            let sql = format!(
                "SELECT id, region_code FROM agreements WHERE {} ORDER BY id LIMIT {}",
                condition.replace("{c}", "?"),
                limit.max(0)
            );
            let mut q = diesel::sql_query(sql).into_boxed();
            for _ in 0..n {
                q = q.bind::<diesel::sql_types::Date, _>(cutoff);
            }
            q.load(lite)?
        }
    };
    Ok(rows.into_iter().map(|r| (r.id, r.region_code)).collect())
}

/// Sets or clears the dormancy flag, bumping the version (the representation changes).
pub fn set_dormant(
    conn: &mut DbConnection,
    id: &str,
    since: Option<NaiveDate>,
) -> Result<(), DbError> {
    diesel::update(ag::table.find(id))
        .set((
            ag::dormant_since.eq(since),
            ag::version.eq(ag::version + 1),
            ag::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The dormancy flag of one agreement.
pub fn dormant_since(conn: &mut DbConnection, id: &str) -> Result<Option<NaiveDate>, DbError> {
    Ok(ag::table
        .find(id)
        .select(ag::dormant_since)
        .first::<Option<NaiveDate>>(conn)
        .optional()?
        .flatten())
}

/// Counts of the agreements within `vis` (narrowed to `region`), computed by the database:
/// `(by status, by kind, by region or province, by partner country)`.
pub struct Counts {
    pub total: i64,
    pub by_status: Vec<(String, i64)>,
    pub by_kind: Vec<(String, i64)>,
    pub by_region: Vec<(String, i64)>,
    pub by_country: Vec<(String, i64)>,
    pub dormant: i64,
}

pub fn counts(
    conn: &mut DbConnection,
    vis: &Visibility,
    region: Option<&RegionCode>,
    by_province: bool,
) -> Result<Counts, DbError> {
    use diesel::dsl::count_star;
    // The agreements in scope, counted by one of their columns.
    macro_rules! count_by {
        ($col:expr) => {
            scoped(
                ag::table
                    .group_by($col)
                    .select(($col, count_star()))
                    .into_boxed(),
                vis,
                region,
            )
            .load::<(String, i64)>(conn)?
        };
    }
    let by_status = count_by!(ag::status);
    let by_kind = count_by!(ag::kind);
    let by_region = if by_province {
        count_by!(ag::province_code)
    } else {
        count_by!(ag::region_code)
    };
    // An agreement with partners in two countries counts in both, once per country.
    let pairs: Vec<(String, String)> = scoped(
        ap::table
            .inner_join(ag::table)
            .inner_join(pa::table)
            .select((pa::country, ag::id))
            .distinct()
            .into_boxed(),
        vis,
        region,
    )
    .load(conn)?;
    let mut by_country: BTreeMap<String, i64> = BTreeMap::new();
    for (country, _) in pairs {
        *by_country.entry(country).or_default() += 1;
    }
    let dormant: i64 = scoped(
        ag::table
            .filter(ag::status.eq(AgreementStatus::Active.as_str()))
            .filter(ag::dormant_since.is_not_null())
            .select(count_star())
            .into_boxed(),
        vis,
        region,
    )
    .first(conn)?;
    Ok(Counts {
        total: by_status.iter().map(|(_, n)| n).sum(),
        by_status,
        by_kind,
        by_region,
        by_country: by_country.into_iter().collect(),
        dormant,
    })
}

/// Active agreements within `vis` ending within `[today, until]`.
pub fn expiring(
    conn: &mut DbConnection,
    vis: &Visibility,
    region: Option<&RegionCode>,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<i64, DbError> {
    Ok(scoped(
        ag::table
            .filter(ag::status.eq(AgreementStatus::Active.as_str()))
            .filter(ag::expires_on.ge(today))
            .filter(ag::expires_on.le(until))
            .select(diesel::dsl::count_star())
            .into_boxed(),
        vis,
        region,
    )
    .first(conn)?)
}

/// Running cases within `vis` whose stage is past due on `today`.
pub fn overdue_stages(
    conn: &mut DbConnection,
    vis: &Visibility,
    region: Option<&RegionCode>,
    today: NaiveDate,
) -> Result<i64, DbError> {
    Ok(scoped(
        wc::table
            .inner_join(ag::table)
            .filter(wc::status.eq("running"))
            .filter(wc::stage_due_on.lt(today))
            .select(diesel::dsl::count_star())
            .into_boxed(),
        vis,
        region,
    )
    .first(conn)?)
}
