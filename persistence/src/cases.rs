//! Workflow cases, stored as the domain's `Case` in JSON with a version for If-Match. The
//! status, current stage and due date are kept beside it so that lists can filter and sort.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;
use jalin_domain::case::{Case, CaseStatus};
use jalin_domain::workflow::StageKey;

use crate::crud::Narrow;
use crate::db::{DbConnection, DbError};
use crate::schema::{agreements as ag, workflow_cases as wc};
use crate::text::{Json, JsonText, Stored, StoredOpt};

crate::text::stored_by_code! {
    CaseStatus => "case status",
    StageKey => "workflow stage",
}

/// A case as stored. A state that does not read back as a `Case` is an error, never a default.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = wc, primary_key(agreement_id), treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StoredCase {
    pub agreement_id: String,
    pub definition_key: String,
    pub definition_version: i32,
    #[diesel(deserialize_as = Stored<CaseStatus>, serialize_as = Stored<CaseStatus>)]
    pub status: CaseStatus,
    #[diesel(deserialize_as = StoredOpt<StageKey>, serialize_as = StoredOpt<StageKey>)]
    pub current_stage: Option<StageKey>,
    pub stage_due_on: Option<NaiveDate>,
    #[diesel(deserialize_as = Json<Case>, serialize_as = JsonText)]
    pub state: Case,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A case is written as its JSON document.
impl From<Case> for JsonText {
    fn from(case: Case) -> Self {
        JsonText::of(&case)
    }
}

crate::crud::crud! { StoredCase in wc by agreement_id; find, insert, save }

/// A running case waiting on someone, with its agreement's reference and region.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Waiting {
    pub case: StoredCase,
    pub reference_number: String,
    pub region_code: String,
}

/// Running cases whose current stage is one of `stages`, within `vis`, soonest due first.
pub fn waiting(
    conn: &mut DbConnection,
    vis: &Visibility,
    stages: &[StageKey],
    limit: i64,
) -> Result<Vec<Waiting>, DbError> {
    let stages: Vec<&str> = stages.iter().map(|s| s.as_str()).collect();
    Ok(wc::table
        .inner_join(ag::table)
        .select((
            StoredCase::as_select(),
            ag::reference_number,
            ag::region_code,
        ))
        .filter(wc::status.eq(CaseStatus::Running.as_str()))
        .filter(wc::current_stage.eq_any(stages))
        .order((
            wc::stage_due_on.is_null(),
            wc::stage_due_on.asc(),
            wc::updated_at.asc(),
        ))
        .limit(limit)
        .into_boxed()
        .visible_to(vis, ag::province_code, ag::region_code)
        .load(conn)?)
}

/// Every running case whose current stage is one of `stages`, with its agreement's region (to
/// recompute stored due dates).
pub fn running(
    conn: &mut DbConnection,
    stages: &[StageKey],
) -> Result<Vec<(StoredCase, String)>, DbError> {
    let stages: Vec<&str> = stages.iter().map(|s| s.as_str()).collect();
    Ok(wc::table
        .inner_join(ag::table)
        .select((StoredCase::as_select(), ag::region_code))
        .filter(wc::status.eq(CaseStatus::Running.as_str()))
        .filter(wc::current_stage.eq_any(stages))
        .order(wc::agreement_id.asc())
        .load(conn)?)
}

/// Sets a case's stored due date alone: the case itself (and its version) is unchanged.
pub fn set_due_on(
    conn: &mut DbConnection,
    agreement_id: &str,
    due: Option<NaiveDate>,
) -> Result<(), DbError> {
    diesel::update(wc::table.find(agreement_id))
        .set(wc::stage_due_on.eq(due))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Code;

    /// Stored codes are the JSON names, so the stored columns and the case's state agree.
    #[test]
    fn stage_and_case_codes_are_their_json_names() {
        for k in StageKey::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
        }
        for s in CaseStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
    }
}
