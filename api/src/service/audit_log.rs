//! The audit log: the changes every command records with its event, and reading and verifying
//! the hash chain.

use jalin_domain::access::Visibility;
use jalin_persistence::audit::{self, AuditEvent, EventFilter, Verification};
use jalin_persistence::DbConnection;
use serde_json::{json, Map, Value};

use crate::error::ApiError;

/// `{field: {"before": …, "after": …}}` for the fields that differ between two JSON objects.
pub fn changes(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    for k in b.keys().chain(a.keys()) {
        let (bv, av) = (
            b.get(k).unwrap_or(&Value::Null),
            a.get(k).unwrap_or(&Value::Null),
        );
        if bv != av && !out.contains_key(k) {
            out.insert(k.clone(), json!({"before": bv, "after": av}));
        }
    }
    Value::Object(out)
}

/// Events within `vis` (a regional reader: its subtree's, never central ones), newest first,
/// before sequence number `before`.
pub fn list(
    c: &mut DbConnection,
    vis: &Visibility,
    filter: &EventFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, ApiError> {
    Ok(audit::list(c, vis, filter, before, limit)?)
}

/// Walks the whole chain and reports the first event that does not hold.
pub fn verify(c: &mut DbConnection) -> Result<Verification, ApiError> {
    Ok(audit::verify(c)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_recorded_with_before_and_after() {
        let before = json!({"name": "a", "active": true, "gone": 1});
        let after = json!({"name": "b", "active": true, "new": 2});
        assert_eq!(
            changes(&before, &after),
            json!({
                "name": {"before": "a", "after": "b"},
                "gone": {"before": 1, "after": null},
                "new": {"before": null, "after": 2},
            })
        );
        assert_eq!(changes(&json!({}), &json!({})), json!({}));
    }
}
