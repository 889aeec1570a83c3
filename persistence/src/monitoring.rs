//! What monitoring reads across agreements in a caller's scope — the facts the dashboard,
//! reminders and annual reports are computed from — and the dormancy flag the background job
//! keeps.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use jalin_domain::access::Visibility;

use crate::db::{DbConnection, DbError};
use crate::schema::{
    activities as ac, agreement_partners as ap, agreements as ag, evaluations as ev,
    partners as pa, workflow_cases as wc,
};

macro_rules! visible {
    ($q:expr, $vis:expr) => {
        match $vis {
            Visibility::All => $q,
            Visibility::Province(p) => $q.filter(ag::province_code.eq(p.to_string())),
            Visibility::Region(r) => $q.filter(ag::region_code.eq(r.to_string())),
        }
    };
}

/// The fields of an agreement that monitoring needs.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AgreementFacts {
    pub id: String,
    pub reference_number: String,
    pub region_code: String,
    pub province_code: String,
    pub kind: String,
    pub instrument: String,
    pub status: String,
    pub title_id: String,
    pub parent_id: Option<String>,
    pub predecessor_id: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub effective_from: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub dormant_since: Option<NaiveDate>,
}

/// Every agreement within `vis`, optionally narrowed to one region (a province includes its
/// regencies/cities), in id order.
pub fn agreements(
    conn: &mut DbConnection,
    vis: &Visibility,
    region: Option<&str>,
) -> Result<Vec<AgreementFacts>, DbError> {
    let mut q = ag::table
        .select((
            ag::id,
            ag::reference_number,
            ag::region_code,
            ag::province_code,
            ag::kind,
            ag::instrument,
            ag::status,
            ag::title_id,
            ag::parent_id,
            ag::predecessor_id,
            ag::signed_on,
            ag::effective_from,
            ag::expires_on,
            ag::dormant_since,
        ))
        .order(ag::id)
        .into_boxed();
    q = visible!(q, vis);
    if let Some(r) = region {
        q = if r.contains('.') {
            q.filter(ag::region_code.eq(r.to_owned()))
        } else {
            q.filter(ag::province_code.eq(r.to_owned()))
        };
    }
    Ok(q.load::<AgreementFacts>(conn)?)
}

/// The partner countries of each agreement within `vis`.
pub fn partner_countries(
    conn: &mut DbConnection,
    vis: &Visibility,
) -> Result<BTreeMap<String, Vec<String>>, DbError> {
    let q = ap::table
        .inner_join(ag::table)
        .inner_join(pa::table)
        .select((ap::agreement_id, pa::country))
        .order((ap::agreement_id, ap::position))
        .into_boxed();
    let rows: Vec<(String, String)> = visible!(q, vis).load(conn)?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, country) in rows {
        let e = out.entry(id).or_default();
        if !e.contains(&country) {
            e.push(country);
        }
    }
    Ok(out)
}

/// An activity as monitoring counts it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ActivityFacts {
    pub agreement_id: String,
    pub kind: String,
    pub starts_on: NaiveDate,
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
        .select((
            ac::agreement_id,
            ac::kind,
            ac::starts_on,
            ac::idr_equivalent,
        ))
        .order(ac::id)
        .into_boxed();
    q = visible!(q, vis);
    if let Some(f) = from {
        q = q.filter(ac::starts_on.ge(f));
    }
    if let Some(t) = to {
        q = q.filter(ac::starts_on.le(t));
    }
    Ok(q.load::<ActivityFacts>(conn)?)
}

/// A running approval case: its stage, due date and state (for the LoI date).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct RunningCase {
    pub agreement_id: String,
    pub current_stage: Option<String>,
    pub stage_due_on: Option<NaiveDate>,
    pub state: String,
}

pub fn running_cases(
    conn: &mut DbConnection,
    vis: &Visibility,
) -> Result<Vec<RunningCase>, DbError> {
    let q = wc::table
        .inner_join(ag::table)
        .select((
            wc::agreement_id,
            wc::current_stage,
            wc::stage_due_on,
            wc::state,
        ))
        .filter(wc::status.eq("running"))
        .order(wc::agreement_id)
        .into_boxed();
    Ok(visible!(q, vis).load::<RunningCase>(conn)?)
}

/// When each agreement within `vis` was last evaluated (submitted or verified).
pub fn last_evaluated(
    conn: &mut DbConnection,
    vis: &Visibility,
) -> Result<BTreeMap<String, NaiveDateTime>, DbError> {
    let q = ev::table
        .inner_join(ag::table.on(ag::id.eq(ev::agreement_id)))
        .select((ev::agreement_id, ev::submitted_at))
        .filter(ev::status.ne("draft"))
        .into_boxed();
    let rows: Vec<(String, Option<NaiveDateTime>)> = visible!(q, vis).load(conn)?;
    let mut out: BTreeMap<String, NaiveDateTime> = BTreeMap::new();
    for (id, at) in rows {
        if let Some(at) = at {
            let e = out.entry(id).or_insert(at);
            *e = (*e).max(at);
        }
    }
    Ok(out)
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

macro_rules! scoped {
    ($q:expr, $vis:expr, $region:expr) => {{
        let q = visible!($q, $vis);
        match $region {
            None => q,
            Some(r) if r.contains('.') => q.filter(ag::region_code.eq(r.to_owned())),
            Some(r) => q.filter(ag::province_code.eq(r.to_owned())),
        }
    }};
}

pub fn counts(
    conn: &mut DbConnection,
    vis: &Visibility,
    region: Option<&str>,
    by_province: bool,
) -> Result<Counts, DbError> {
    use diesel::dsl::count_star;
    let by_status: Vec<(String, i64)> = scoped!(
        ag::table
            .group_by(ag::status)
            .select((ag::status, count_star()))
            .into_boxed(),
        vis,
        region
    )
    .load(conn)?;
    let by_kind: Vec<(String, i64)> = scoped!(
        ag::table
            .group_by(ag::kind)
            .select((ag::kind, count_star()))
            .into_boxed(),
        vis,
        region
    )
    .load(conn)?;
    let by_region: Vec<(String, i64)> = if by_province {
        scoped!(
            ag::table
                .group_by(ag::province_code)
                .select((ag::province_code, count_star()))
                .into_boxed(),
            vis,
            region
        )
        .load(conn)?
    } else {
        scoped!(
            ag::table
                .group_by(ag::region_code)
                .select((ag::region_code, count_star()))
                .into_boxed(),
            vis,
            region
        )
        .load(conn)?
    };
    // An agreement with partners in two countries counts in both, once per country.
    let pairs: Vec<(String, String)> = scoped!(
        ap::table
            .inner_join(ag::table)
            .inner_join(pa::table)
            .select((pa::country, ag::id))
            .distinct()
            .into_boxed(),
        vis,
        region
    )
    .load(conn)?;
    let mut by_country: BTreeMap<String, i64> = BTreeMap::new();
    for (country, _) in pairs {
        *by_country.entry(country).or_default() += 1;
    }
    let dormant: i64 = scoped!(
        ag::table
            .filter(ag::status.eq("active"))
            .filter(ag::dormant_since.is_not_null())
            .select(count_star())
            .into_boxed(),
        vis,
        region
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
    region: Option<&str>,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<i64, DbError> {
    Ok(scoped!(
        ag::table
            .filter(ag::status.eq("active"))
            .filter(ag::expires_on.ge(today))
            .filter(ag::expires_on.le(until))
            .select(diesel::dsl::count_star())
            .into_boxed(),
        vis,
        region
    )
    .first(conn)?)
}

/// Running cases within `vis` whose stage is past due on `today`.
pub fn overdue_stages(
    conn: &mut DbConnection,
    vis: &Visibility,
    region: Option<&str>,
    today: NaiveDate,
) -> Result<i64, DbError> {
    Ok(scoped!(
        wc::table
            .inner_join(ag::table)
            .filter(wc::status.eq("running"))
            .filter(wc::stage_due_on.lt(today))
            .select(diesel::dsl::count_star())
            .into_boxed(),
        vis,
        region
    )
    .first(conn)?)
}
