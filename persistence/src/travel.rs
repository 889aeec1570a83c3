//! Travel requests (PDLN) and their documents. Travellers (with personal data), destinations,
//! funding and the stage records are JSON; the API decides who may read the personal data.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;
use jalin_domain::travel::{TravelDocumentKind, TravelStage, TripType};
use serde_json::Value;

use crate::crud::{Narrow, Page};
use crate::db::{DbConnection, DbError};
use crate::schema::{travel_documents as td, travel_requests as tr};
use crate::text::{Json, JsonText, Stored};

crate::text::stored_by_code! {
    TravelStage => "travel stage",
    TripType => "trip type",
    TravelDocumentKind => "travel document kind",
}

/// A travel request as stored. A stage, trip type or JSON part that does not read back is an
/// error on load, never a default.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tr, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TravelRequest {
    pub id: String,
    pub region_code: String,
    pub province_code: String,
    #[diesel(deserialize_as = Stored<TripType>, serialize_as = Stored<TripType>)]
    pub trip_type: TripType,
    pub purpose: String,
    /// Array of `{country, city}`.
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub destinations: Value,
    pub departs_on: NaiveDate,
    pub returns_on: NaiveDate,
    /// `{source, sponsor}`.
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub funding: Value,
    /// Array of agreement ids.
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub agreement_ids: Value,
    /// Array of travellers (personal data).
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub travellers: Value,
    /// Whether the head or deputy head of region travels (for the overlap rule).
    pub head_or_deputy: bool,
    #[diesel(deserialize_as = Stored<TravelStage>, serialize_as = Stored<TravelStage>)]
    pub stage: TravelStage,
    /// Recommendation, decisions per system, return, report, rejection, cancellation.
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub records: Value,
    pub returned_on: Option<NaiveDate>,
    pub report_due_on: Option<NaiveDate>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

crate::crud::crud! { TravelRequest in tr by id; insert, save, find_visible as find }

/// Requests within `vis`, optionally in one stage and region (a province includes its
/// regencies/cities), by id.
pub fn list(
    conn: &mut DbConnection,
    vis: &Visibility,
    stage: Option<TravelStage>,
    region: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<TravelRequest>, DbError> {
    let mut q = tr::table
        .select(TravelRequest::as_select())
        .into_boxed()
        .visible_to(vis, tr::province_code, tr::region_code)
        .page_after(tr::id, after, limit);
    if let Some(s) = stage {
        q = q.filter(tr::stage.eq(s.as_str()));
    }
    if let Some(r) = region {
        q = if r.contains('.') {
            q.filter(tr::region_code.eq(r.to_owned()))
        } else {
            q.filter(tr::province_code.eq(r.to_owned()))
        };
    }
    Ok(q.load(conn)?)
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
    let stopped = TravelStage::ALL.into_iter().filter(|s| !s.is_live());
    Ok(tr::table
        .select(TravelRequest::as_select())
        .filter(tr::region_code.eq(region))
        .filter(tr::id.ne(except))
        .filter(tr::head_or_deputy.eq(true))
        .filter(tr::stage.ne_all(stopped.map(TravelStage::as_str)))
        .filter(tr::departs_on.le(to))
        .filter(tr::returns_on.ge(from))
        .load(conn)?)
}

/// A document attached to a request.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = td)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TravelDocument {
    pub id: String,
    pub travel_request_id: String,
    #[diesel(deserialize_as = Stored<TravelDocumentKind>, serialize_as = Stored<TravelDocumentKind>)]
    pub kind: TravelDocumentKind,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

crate::crud::crud! {
    TravelDocument in td by id;
    insert as insert_document, all_by(travel_request_id, td::id) as documents,
}

/// Locks a request's row until the transaction ends, so concurrent callbacks about it apply one
/// after the other. Backend-specific on purpose: PostgreSQL needs `FOR UPDATE`, which SQLite
/// does not have (its write transaction already holds the whole database).
pub fn lock(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM travel_requests WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    Ok(())
}
