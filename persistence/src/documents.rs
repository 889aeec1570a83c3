//! Document metadata. Visibility follows the agreement's: callers first find the agreement
//! with their [`jalin_domain::access::Visibility`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, DbError};
use crate::schema::documents as dc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    pub agreement_id: String,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub role: String,
    pub language: Option<String>,
    pub storage_key: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

type Row = (
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    NaiveDateTime,
);

macro_rules! columns {
    () => {
        (
            dc::id,
            dc::agreement_id,
            dc::name,
            dc::media_type,
            dc::size_bytes,
            dc::sha256,
            dc::role,
            dc::language,
            dc::storage_key,
            dc::uploaded_by,
            dc::uploaded_at,
        )
    };
}

fn from_row(r: Row) -> Document {
    Document {
        id: r.0,
        agreement_id: r.1,
        name: r.2,
        media_type: r.3,
        size_bytes: r.4,
        sha256: r.5,
        role: r.6,
        language: r.7,
        storage_key: r.8,
        uploaded_by: r.9,
        uploaded_at: r.10,
    }
}

pub fn insert(conn: &mut DbConnection, d: &Document) -> Result<(), DbError> {
    diesel::insert_into(dc::table)
        .values((
            dc::id.eq(&d.id),
            dc::agreement_id.eq(&d.agreement_id),
            dc::name.eq(&d.name),
            dc::media_type.eq(&d.media_type),
            dc::size_bytes.eq(d.size_bytes),
            dc::sha256.eq(&d.sha256),
            dc::role.eq(&d.role),
            dc::language.eq(&d.language),
            dc::storage_key.eq(&d.storage_key),
            dc::uploaded_by.eq(&d.uploaded_by),
            dc::uploaded_at.eq(d.uploaded_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Document>, DbError> {
    Ok(dc::table
        .select(columns!())
        .filter(dc::id.eq(id))
        .first::<Row>(conn)
        .optional()?
        .map(from_row))
}

pub fn for_agreement(
    conn: &mut DbConnection,
    agreement_id: &str,
) -> Result<Vec<Document>, DbError> {
    Ok(dc::table
        .select(columns!())
        .filter(dc::agreement_id.eq(agreement_id))
        .order((dc::uploaded_at.asc(), dc::id.asc()))
        .load::<Row>(conn)?
        .into_iter()
        .map(from_row)
        .collect())
}
