//! Travel requests (PDLN) and their documents. Travellers (with personal data) and stage
//! records are JSON; the API decides who may read the personal data.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;

use crate::db::{DbConnection, DbError};
use crate::schema::{travel_documents as td, travel_requests as tr};

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct TravelRequest {
    pub id: String,
    pub region_code: String,
    pub province_code: String,
    pub trip_type: String,
    pub purpose: String,
    /// JSON array of `{country, city}`.
    pub destinations: String,
    pub departs_on: NaiveDate,
    pub returns_on: NaiveDate,
    /// JSON `{source, sponsor}`.
    pub funding: String,
    /// JSON array of agreement ids.
    pub agreement_ids: String,
    /// JSON array of travellers (personal data).
    pub travellers: String,
    /// Whether the head or deputy head of region travels (for the overlap rule).
    pub head_or_deputy: bool,
    pub stage: String,
    /// JSON: recommendation, decisions per system, return, report, rejection, cancellation.
    pub records: String,
    pub returned_on: Option<NaiveDate>,
    pub report_due_on: Option<NaiveDate>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

macro_rules! columns {
    () => {
        (
            tr::id,
            tr::region_code,
            tr::province_code,
            tr::trip_type,
            tr::purpose,
            tr::destinations,
            tr::departs_on,
            tr::returns_on,
            tr::funding,
            tr::agreement_ids,
            tr::travellers,
            tr::head_or_deputy,
            tr::stage,
            tr::records,
            tr::returned_on,
            tr::report_due_on,
            tr::created_by,
            tr::version,
            tr::created_at,
            tr::updated_at,
        )
    };
}

macro_rules! visible {
    ($q:expr, $vis:expr) => {
        match $vis {
            Visibility::All => $q,
            Visibility::Province(p) => $q.filter(tr::province_code.eq(p.to_string())),
            Visibility::Region(r) => $q.filter(tr::region_code.eq(r.to_string())),
        }
    };
}

pub fn insert(conn: &mut DbConnection, r: &TravelRequest) -> Result<(), DbError> {
    diesel::insert_into(tr::table)
        .values((
            tr::id.eq(&r.id),
            tr::region_code.eq(&r.region_code),
            tr::province_code.eq(&r.province_code),
            tr::trip_type.eq(&r.trip_type),
            tr::purpose.eq(&r.purpose),
            tr::destinations.eq(&r.destinations),
            tr::departs_on.eq(r.departs_on),
            tr::returns_on.eq(r.returns_on),
            tr::funding.eq(&r.funding),
            tr::agreement_ids.eq(&r.agreement_ids),
            tr::travellers.eq(&r.travellers),
            tr::head_or_deputy.eq(r.head_or_deputy),
            tr::stage.eq(&r.stage),
            tr::records.eq(&r.records),
            tr::returned_on.eq(r.returned_on),
            tr::report_due_on.eq(r.report_due_on),
            tr::created_by.eq(&r.created_by),
            tr::version.eq(r.version),
            tr::created_at.eq(r.created_at),
            tr::updated_at.eq(r.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Writes every mutable field if the version is still `expected`.
pub fn save(conn: &mut DbConnection, r: &TravelRequest, expected: i64) -> Result<bool, DbError> {
    let n = diesel::update(
        tr::table
            .filter(tr::id.eq(&r.id))
            .filter(tr::version.eq(expected)),
    )
    .set((
        tr::trip_type.eq(&r.trip_type),
        tr::purpose.eq(&r.purpose),
        tr::destinations.eq(&r.destinations),
        tr::departs_on.eq(r.departs_on),
        tr::returns_on.eq(r.returns_on),
        tr::funding.eq(&r.funding),
        tr::agreement_ids.eq(&r.agreement_ids),
        tr::travellers.eq(&r.travellers),
        tr::head_or_deputy.eq(r.head_or_deputy),
        tr::stage.eq(&r.stage),
        tr::records.eq(&r.records),
        tr::returned_on.eq(r.returned_on),
        tr::report_due_on.eq(r.report_due_on),
        tr::version.eq(r.version),
        tr::updated_at.eq(r.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<TravelRequest>, DbError> {
    let q = tr::table
        .select(columns!())
        .filter(tr::id.eq(id.to_owned()))
        .into_boxed();
    Ok(visible!(q, vis).first::<TravelRequest>(conn).optional()?)
}

/// Requests within `vis`, optionally in one stage and region (a province includes its
/// regencies/cities), by id.
pub fn list(
    conn: &mut DbConnection,
    vis: &Visibility,
    stage: Option<&str>,
    region: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<TravelRequest>, DbError> {
    let mut q = tr::table
        .select(columns!())
        .order(tr::id.asc())
        .limit(limit)
        .into_boxed();
    q = visible!(q, vis);
    if let Some(s) = stage {
        q = q.filter(tr::stage.eq(s.to_owned()));
    }
    if let Some(r) = region {
        q = if r.contains('.') {
            q.filter(tr::region_code.eq(r.to_owned()))
        } else {
            q.filter(tr::province_code.eq(r.to_owned()))
        };
    }
    if let Some(a) = after {
        q = q.filter(tr::id.gt(a.to_owned()));
    }
    Ok(q.load::<TravelRequest>(conn)?)
}

/// Other live requests of `region` on which its head or deputy travels, overlapping
/// `[from, to]` (the head and deputy are not abroad at the same time).
pub fn head_or_deputy_overlapping(
    conn: &mut DbConnection,
    region: &str,
    except: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TravelRequest>, DbError> {
    Ok(tr::table
        .select(columns!())
        .filter(tr::region_code.eq(region))
        .filter(tr::id.ne(except))
        .filter(tr::head_or_deputy.eq(true))
        .filter(tr::stage.ne_all(["draft", "rejected", "cancelled"]))
        .filter(tr::departs_on.le(to))
        .filter(tr::returns_on.ge(from))
        .load::<TravelRequest>(conn)?)
}

/// Returned trips whose report is overdue on `today`, within `vis`.
pub fn reports_overdue(
    conn: &mut DbConnection,
    vis: &Visibility,
    today: NaiveDate,
) -> Result<Vec<TravelRequest>, DbError> {
    let q = tr::table
        .select(columns!())
        .filter(tr::stage.eq("returned"))
        .filter(tr::report_due_on.lt(today))
        .order(tr::report_due_on)
        .into_boxed();
    Ok(visible!(q, vis).load::<TravelRequest>(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct TravelDocument {
    pub id: String,
    pub travel_request_id: String,
    pub kind: String,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert_document(conn: &mut DbConnection, d: &TravelDocument) -> Result<(), DbError> {
    diesel::insert_into(td::table)
        .values((
            td::id.eq(&d.id),
            td::travel_request_id.eq(&d.travel_request_id),
            td::kind.eq(&d.kind),
            td::name.eq(&d.name),
            td::media_type.eq(&d.media_type),
            td::size_bytes.eq(d.size_bytes),
            td::sha256.eq(&d.sha256),
            td::storage_key.eq(&d.storage_key),
            td::uploaded_by.eq(&d.uploaded_by),
            td::uploaded_at.eq(d.uploaded_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn documents(
    conn: &mut DbConnection,
    request_id: &str,
) -> Result<Vec<TravelDocument>, DbError> {
    Ok(td::table
        .select((
            td::id,
            td::travel_request_id,
            td::kind,
            td::name,
            td::media_type,
            td::size_bytes,
            td::sha256,
            td::storage_key,
            td::uploaded_by,
            td::uploaded_at,
        ))
        .filter(td::travel_request_id.eq(request_id))
        .order(td::id)
        .load::<TravelDocument>(conn)?)
}

/// Locks a request's row until the transaction ends (PostgreSQL; SQLite's write transaction
/// already holds the database), so concurrent callbacks about it apply one after the other.
pub fn lock(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM travel_requests WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    Ok(())
}
