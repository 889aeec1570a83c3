//! Action plans (*rencana aksi*) of agreements: planned items and success indicators as JSON,
//! one plan per agreement with a version for If-Match. Visibility follows the agreement's.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, DbError};
use crate::schema::action_plans as ap;

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ActionPlan {
    pub agreement_id: String,
    pub kind: String,
    pub title: String,
    /// JSON array of planned items.
    pub items: String,
    /// JSON array of success indicators.
    pub indicators: String,
    pub updated_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, agreement_id: &str) -> Result<Option<ActionPlan>, DbError> {
    Ok(ap::table
        .select((
            ap::agreement_id,
            ap::kind,
            ap::title,
            ap::items,
            ap::indicators,
            ap::updated_by,
            ap::version,
            ap::created_at,
            ap::updated_at,
        ))
        .filter(ap::agreement_id.eq(agreement_id))
        .first::<ActionPlan>(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConnection, p: &ActionPlan) -> Result<(), DbError> {
    diesel::insert_into(ap::table)
        .values((
            ap::agreement_id.eq(&p.agreement_id),
            ap::kind.eq(&p.kind),
            ap::title.eq(&p.title),
            ap::items.eq(&p.items),
            ap::indicators.eq(&p.indicators),
            ap::updated_by.eq(&p.updated_by),
            ap::version.eq(p.version),
            ap::created_at.eq(p.created_at),
            ap::updated_at.eq(p.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces the plan if its version is still `expected`.
pub fn save(conn: &mut DbConnection, p: &ActionPlan, expected: i64) -> Result<bool, DbError> {
    let n = diesel::update(
        ap::table
            .filter(ap::agreement_id.eq(&p.agreement_id))
            .filter(ap::version.eq(expected)),
    )
    .set((
        ap::kind.eq(&p.kind),
        ap::title.eq(&p.title),
        ap::items.eq(&p.items),
        ap::indicators.eq(&p.indicators),
        ap::updated_by.eq(&p.updated_by),
        ap::version.eq(p.version),
        ap::updated_at.eq(p.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
