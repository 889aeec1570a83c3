//! Action plans (*rencana aksi*) of agreements: planned items and success indicators as JSON,
//! one plan per agreement with a version for If-Match. Visibility follows the agreement's.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use jalin_domain::monitoring::PlanKind;
use serde_json::Value;

use crate::schema::action_plans as ap;
use crate::text::{Json, JsonText, Stored};

crate::text::stored_by_code! { PlanKind => "plan kind" }

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ap, primary_key(agreement_id))]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ActionPlan {
    pub agreement_id: String,
    #[diesel(deserialize_as = Stored<PlanKind>, serialize_as = Stored<PlanKind>)]
    pub kind: PlanKind,
    pub title: String,
    /// The planned items, as written.
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub items: Value,
    /// The success indicators, as written.
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub indicators: Value,
    pub updated_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

crate::crud::crud! { ActionPlan in ap by agreement_id; find, insert, save }
