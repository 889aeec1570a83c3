//! Implementation activities. Visibility follows the agreement's.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{DbConnection, DbError};
use crate::schema::activities as ac;

#[derive(Debug, Clone, PartialEq, Eq)]
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

type Row = (
    (
        String,
        String,
        String,
        String,
        Option<String>,
        NaiveDate,
        Option<NaiveDate>,
        Option<String>,
        String,
        Option<String>,
    ),
    (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<NaiveDate>,
        Option<String>,
        Option<String>,
        String,
        i64,
        NaiveDateTime,
        NaiveDateTime,
    ),
    (String, String, String),
);

macro_rules! columns {
    () => {
        (
            (
                ac::id,
                ac::agreement_id,
                ac::kind,
                ac::title,
                ac::description,
                ac::starts_on,
                ac::ends_on,
                ac::location,
                ac::participants,
                ac::outputs,
            ),
            (
                ac::amount,
                ac::currency,
                ac::exchange_rate,
                ac::rate_date,
                ac::rate_source,
                ac::idr_equivalent,
                ac::created_by,
                ac::version,
                ac::created_at,
                ac::updated_at,
            ),
            (ac::document_ids, ac::plan_items, ac::indicator_values),
        )
    };
}

fn from_row((a, b, c): Row) -> Activity {
    Activity {
        id: a.0,
        agreement_id: a.1,
        kind: a.2,
        title: a.3,
        description: a.4,
        starts_on: a.5,
        ends_on: a.6,
        location: a.7,
        participants: a.8,
        outputs: a.9,
        amount: b.0,
        currency: b.1,
        exchange_rate: b.2,
        rate_date: b.3,
        rate_source: b.4,
        idr_equivalent: b.5,
        document_ids: c.0,
        plan_items: c.1,
        indicator_values: c.2,
        created_by: b.6,
        version: b.7,
        created_at: b.8,
        updated_at: b.9,
    }
}

pub fn insert(conn: &mut DbConnection, a: &Activity) -> Result<(), DbError> {
    diesel::insert_into(ac::table)
        .values((
            (
                ac::id.eq(&a.id),
                ac::agreement_id.eq(&a.agreement_id),
                ac::kind.eq(&a.kind),
                ac::title.eq(&a.title),
                ac::description.eq(&a.description),
                ac::starts_on.eq(a.starts_on),
                ac::ends_on.eq(a.ends_on),
                ac::location.eq(&a.location),
                ac::participants.eq(&a.participants),
                ac::outputs.eq(&a.outputs),
            ),
            (
                ac::amount.eq(&a.amount),
                ac::currency.eq(&a.currency),
                ac::exchange_rate.eq(&a.exchange_rate),
                ac::rate_date.eq(a.rate_date),
                ac::rate_source.eq(&a.rate_source),
                ac::idr_equivalent.eq(&a.idr_equivalent),
                ac::created_by.eq(&a.created_by),
                ac::version.eq(a.version),
                ac::created_at.eq(a.created_at),
                ac::updated_at.eq(a.updated_at),
            ),
            (
                ac::document_ids.eq(&a.document_ids),
                ac::plan_items.eq(&a.plan_items),
                ac::indicator_values.eq(&a.indicator_values),
            ),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn save(conn: &mut DbConnection, a: &Activity, expected: i64) -> Result<bool, DbError> {
    let n = diesel::update(
        ac::table
            .filter(ac::id.eq(&a.id))
            .filter(ac::version.eq(expected)),
    )
    .set((
        (
            ac::kind.eq(&a.kind),
            ac::title.eq(&a.title),
            ac::description.eq(&a.description),
            ac::starts_on.eq(a.starts_on),
            ac::ends_on.eq(a.ends_on),
            ac::location.eq(&a.location),
            ac::participants.eq(&a.participants),
            ac::outputs.eq(&a.outputs),
        ),
        (
            ac::amount.eq(&a.amount),
            ac::currency.eq(&a.currency),
            ac::exchange_rate.eq(&a.exchange_rate),
            ac::rate_date.eq(a.rate_date),
            ac::rate_source.eq(&a.rate_source),
            ac::idr_equivalent.eq(&a.idr_equivalent),
            ac::version.eq(a.version),
            ac::updated_at.eq(a.updated_at),
        ),
        (
            ac::document_ids.eq(&a.document_ids),
            ac::plan_items.eq(&a.plan_items),
            ac::indicator_values.eq(&a.indicator_values),
        ),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete(conn: &mut DbConnection, id: &str, expected: i64) -> Result<bool, DbError> {
    Ok(diesel::delete(
        ac::table
            .filter(ac::id.eq(id))
            .filter(ac::version.eq(expected)),
    )
    .execute(conn)?
        == 1)
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Activity>, DbError> {
    Ok(ac::table
        .select(columns!())
        .filter(ac::id.eq(id))
        .first::<Row>(conn)
        .optional()?
        .map(from_row))
}

pub fn for_agreement(
    conn: &mut DbConnection,
    agreement_id: &str,
) -> Result<Vec<Activity>, DbError> {
    Ok(ac::table
        .select(columns!())
        .filter(ac::agreement_id.eq(agreement_id))
        .order((ac::starts_on.asc(), ac::id.asc()))
        .load::<Row>(conn)?
        .into_iter()
        .map(from_row)
        .collect())
}
