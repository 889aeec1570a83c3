//! Letter templates (each replacement the next version of its kind), regions' letterheads, and
//! the stored renderings of annual reports (issue #20 items 3 and 4).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, DbError};
use crate::schema::{
    annual_report_documents as ard, letter_templates as lt, region_letterheads as rl,
};

/// One version of a letter template; `content` is its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = lt)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TemplateRow {
    pub kind: String,
    pub version: i32,
    pub content: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

/// The newest stored version of `kind`'s template, if an administrator replaced it.
pub fn current_template(
    conn: &mut DbConnection,
    kind: &str,
) -> Result<Option<TemplateRow>, DbError> {
    Ok(lt::table
        .filter(lt::kind.eq(kind))
        .order(lt::version.desc())
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a template version.
pub fn insert_template(conn: &mut DbConnection, row: &TemplateRow) -> Result<(), DbError> {
    diesel::insert_into(lt::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// A region's letterhead; `content` is its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rl)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LetterheadRow {
    pub region_code: String,
    pub content: String,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

pub fn letterhead(
    conn: &mut DbConnection,
    region_code: &str,
) -> Result<Option<LetterheadRow>, DbError> {
    Ok(rl::table
        .find(region_code)
        .select(LetterheadRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores `row` as version `row.version`: inserted when `read` is 0 (none yet), else updated if
/// version `read` is still stored. `false` when another write came first.
pub fn save_letterhead(
    conn: &mut DbConnection,
    row: &LetterheadRow,
    read: i64,
) -> Result<bool, DbError> {
    if read == 0 {
        if letterhead(conn, &row.region_code)?.is_some() {
            return Ok(false);
        }
        diesel::insert_into(rl::table)
            .values(row.clone())
            .execute(conn)?;
        return Ok(true);
    }
    let n = diesel::update(
        rl::table
            .filter(rl::region_code.eq(&row.region_code))
            .filter(rl::version.eq(read)),
    )
    .set(row.clone())
    .execute(conn)?;
    Ok(n == 1)
}

/// A stored rendering of an annual report.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ard)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ReportDocument {
    pub id: String,
    pub annual_report_id: String,
    pub format: String,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// A stored rendering of the annual report `report_id`, by id.
pub fn report_document(
    conn: &mut DbConnection,
    report_id: &str,
    id: &str,
) -> Result<Option<ReportDocument>, DbError> {
    Ok(ard::table
        .filter(ard::annual_report_id.eq(report_id))
        .filter(ard::id.eq(id))
        .select(ReportDocument::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_report_document(
    conn: &mut DbConnection,
    row: &ReportDocument,
) -> Result<(), DbError> {
    diesel::insert_into(ard::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}
