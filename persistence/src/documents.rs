//! Document metadata. Visibility follows the agreement's: callers first find the agreement
//! with their [`jalin_domain::access::Visibility`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use jalin_domain::document::DocumentRole;

use crate::schema::documents as dc;
use crate::text::Stored;

crate::text::stored_by_code! { DocumentRole => "document role" }

/// A document of an agreement: the row as stored. The file itself is in storage under
/// `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = dc)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Document {
    pub id: String,
    pub agreement_id: String,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[diesel(deserialize_as = Stored<DocumentRole>, serialize_as = Stored<DocumentRole>)]
    pub role: DocumentRole,
    pub language: Option<String>,
    pub storage_key: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

crate::crud::crud! {
    Document in dc by id;
    insert, find,
    all_by(agreement_id, (dc::uploaded_at.asc(), dc::id.asc())) as for_agreement,
}
