//! Implementation activities. Visibility follows the agreement's.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::activities as ac;

/// An activity: the row as stored. `kind` is a `jalin_domain::activity::ActivityKind` code;
/// the lists are JSON arrays as text, read by the API and the action plan.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ac, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Activity {
    pub id: String,
    pub agreement_id: String,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub location: Option<String>,
    /// JSON array.
    pub participants: String,
    pub outputs: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub exchange_rate: Option<String>,
    pub rate_date: Option<NaiveDate>,
    pub rate_source: Option<String>,
    pub idr_equivalent: Option<String>,
    /// JSON arrays: documents of the agreement that prove it, planned items it carried out,
    /// and `[indicator key, value]` contributions to success indicators.
    pub document_ids: String,
    pub plan_items: String,
    pub indicator_values: String,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

crate::crud::crud! {
    Activity in ac by id;
    insert, save, delete, find,
    all_by(agreement_id, (ac::starts_on.asc(), ac::id.asc())) as for_agreement,
}
