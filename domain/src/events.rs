//! Domain events: which audit events are published (the feed and webhooks), and how a webhook
//! subscription selects them. Accounts, sign-ins and reads of personal data are never published.

use crate::code::code_enum;
use crate::violation::Violation;

code_enum! {
    /// Where an outbound message stands (a webhook delivery, a permit request to a central
    /// system): the outbox's status.
    DeliveryStatus {
        Pending => "pending",
        /// Leased by a worker until its next attempt is due.
        Delivering => "delivering",
        Delivered => "delivered",
        /// Given up after its attempts; sent again only by hand.
        Dead => "dead",
        /// Withdrawn before delivery: the decision arrived another way.
        Superseded => "superseded",
    }
}

/// The records whose events are published.
pub const PUBLISHED_RECORDS: [&str; 3] = ["agreement", "travel_request", "annual_report"];

/// Whether an audit event is a published domain event.
pub fn is_domain_event(record_type: &str, action: &str) -> bool {
    PUBLISHED_RECORDS.contains(&record_type) && !action.ends_with(".personal_data_read")
}

/// Whether `action` matches a subscription pattern: exact, `prefix.*`, or `*`.
pub fn matches(pattern: &str, action: &str) -> bool {
    pattern == "*"
        || pattern == action
        || pattern.strip_suffix(".*").is_some_and(|p| {
            action
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.'))
        })
}

/// Whether a subscription to `patterns` (comma-separated) in `scope` (a region; a province
/// includes its regencies/cities; none: everywhere) wants `action` of a record in `region`.
pub fn wants(patterns: &str, scope: Option<&str>, action: &str, region: Option<&str>) -> bool {
    let in_scope = match (scope, region) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(scope), Some(r)) => {
            r == scope || (!scope.contains('.') && r.starts_with(&format!("{scope}.")))
        }
    };
    in_scope && patterns.split(',').any(|p| matches(p.trim(), action))
}

/// Whether `failures` failed deliveries in a row disable an endpoint now (at `disable_after`),
/// and why: a receiver that keeps failing stops being sent to until someone re-enables it.
pub fn disabled_by(active: bool, failures: i32, disable_after: i32) -> Option<String> {
    (active && failures >= disable_after).then(|| format!("{failures} failed deliveries in a row"))
}

/// A subscription names `*`, `{record}.*` or `{record}.{action}` of a published record.
pub fn check_event_types(types: &[String]) -> Vec<Violation> {
    let valid = |t: &str| {
        t == "*"
            || PUBLISHED_RECORDS.iter().any(|r| {
                t.strip_prefix(r).is_some_and(|rest| {
                    rest == ".*"
                        || rest.strip_prefix('.').is_some_and(|a| {
                            !a.is_empty() && a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                        })
                })
            })
    };
    types
        .iter()
        .enumerate()
        .filter(|(_, t)| !valid(t))
        .map(|(i, _)| {
            Violation::invalid(
                "invalid_event_type",
                format!("/event_types/{i}"),
                "`*`, `{record}.*` or `{record}.{action}` for agreement, travel_request or annual_report",
                "`*`, `{record}.*` atau `{record}.{action}` untuk agreement, travel_request atau annual_report",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecordKind;

    #[test]
    fn patterns_match_exactly_by_prefix_or_everything() {
        assert!(matches("*", "agreement.created"));
        assert!(matches("agreement.*", "agreement.created"));
        assert!(!matches("agreement.*", "agreements.created"));
        assert!(matches(
            "travel_request.submitted",
            "travel_request.submitted"
        ));
        assert!(!matches(
            "travel_request.submitted",
            "travel_request.recommended"
        ));
        assert!(is_domain_event("agreement", "agreement.updated"));
        assert!(!is_domain_event(
            "travel_request",
            "travel_request.personal_data_read"
        ));
        assert!(!is_domain_event("user", "user.created"));
    }

    #[test]
    fn a_provincial_subscription_gets_its_regencies_events_and_no_others() {
        let jateng = Some("33");
        assert!(wants(
            "agreement.*",
            jateng,
            "agreement.created",
            Some("33.74")
        ));
        assert!(wants(
            "agreement.*",
            jateng,
            "agreement.created",
            Some("33")
        ));
        assert!(!wants(
            "agreement.*",
            jateng,
            "agreement.created",
            Some("36")
        ));
        assert!(
            !wants("agreement.*", jateng, "agreement.created", Some("3")),
            "not a prefix of the code"
        );
        assert!(
            !wants(
                "agreement.*",
                Some("33.74"),
                "agreement.created",
                Some("33")
            ),
            "a city does not get its province's"
        );
        assert!(
            !wants("agreement.*", jateng, "agreement.created", None),
            "a central event is not a region's"
        );
        assert!(wants(
            "travel_request.*, agreement.*",
            None,
            "agreement.created",
            None
        ));
        assert!(!wants("travel_request.*", None, "agreement.created", None));
    }

    #[test]
    fn a_subscription_names_only_published_records() {
        let ok: Vec<String> = [
            "*",
            "agreement.*",
            "travel_request.submitted",
            "annual_report.submitted",
        ]
        .map(String::from)
        .into();
        assert!(check_event_types(&ok).is_empty());
        let bad: Vec<String> = ["agreement.*", "users.*", "agreement.", "agreement.Created"]
            .map(String::from)
            .into();
        let v = check_event_types(&bad);
        let at: Vec<&str> = v.iter().map(|v| v.pointer.as_ref()).collect();
        assert_eq!(at, ["/event_types/1", "/event_types/2", "/event_types/3"]);
        assert!(v
            .iter()
            .all(|v| v.code == "invalid_event_type" && v.text.en != v.text.id));
    }

    #[test]
    fn an_endpoint_is_disabled_after_repeated_failures() {
        assert_eq!(disabled_by(true, 1, 2), None);
        assert_eq!(
            disabled_by(true, 2, 2).as_deref(),
            Some("2 failed deliveries in a row")
        );
        assert_eq!(disabled_by(false, 5, 2), None, "already disabled");
    }

    #[test]
    fn published_records_are_record_kinds() {
        for r in PUBLISHED_RECORDS {
            assert!(RecordKind::ALL.iter().any(|k| k.as_str() == r), "{r}");
        }
    }
}
