//! Evaluations of agreements. The answers are JSON; the total and category are stored when the
//! evaluation is submitted so reports can count them without rescoring.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;
use jalin_domain::evaluation::EvaluationStatus;
use jalin_domain::RegionCode;
use serde_json::Value;

use crate::crud::Narrow;
use crate::db::{DbConnection, DbError};
use crate::schema::evaluations as ev;
use crate::text::{Json, JsonText, Stored};

crate::text::stored_by_code! { EvaluationStatus => "evaluation status" }

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ev, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Evaluation {
    pub id: String,
    pub agreement_id: String,
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    pub region_code: RegionCode,
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    pub province_code: RegionCode,
    pub instrument_key: String,
    pub instrument_version: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[diesel(deserialize_as = Stored<EvaluationStatus>, serialize_as = Stored<EvaluationStatus>)]
    pub status: EvaluationStatus,
    /// Indicator and criterion answers with notes and evidence.
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub answers: Value,
    pub summary: Option<String>,
    /// The score's total (a decimal) and category, kept when submitted.
    pub total: Option<String>,
    pub category: Option<String>,
    pub review_note: Option<String>,
    pub created_by: String,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

crate::crud::crud! {
    Evaluation in ev by id;
    insert, save, delete, find_visible as find,
    // Newest period first.
    all_by(agreement_id, (ev::period_end.desc(), ev::id.desc())) as for_agreement,
}

/// Submitted or verified evaluations within `vis` whose period ends within `[from, to]`.
pub fn completed_in(
    conn: &mut DbConnection,
    vis: &Visibility,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Evaluation>, DbError> {
    let q = ev::table
        .select(Evaluation::as_select())
        .filter(ev::status.ne(EvaluationStatus::Draft.as_str()))
        .filter(ev::period_end.ge(from))
        .filter(ev::period_end.le(to))
        .order(ev::id)
        .into_boxed();
    Ok(q.visible_to(vis, ev::province_code, ev::region_code)
        .load(conn)?)
}
