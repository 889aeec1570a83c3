//! Coordination and promotion: potentials, matchmaking, meetings with their
//! recommendations, good practices, and the public feed. One module per resource.

use jalin_domain::{RegionCode, Violation};
use jalin_persistence::{reference, DbConnection};

use crate::error::ApiError;

pub mod matches;
pub mod meetings;
pub mod potentials;
pub mod practices;
pub mod public;

/// The regions a body names, each at its pointer: every one must be a well-formed code of a
/// region in the reference data (422 with every one that is not).
fn known_regions<'a>(
    c: &mut DbConnection,
    codes: impl IntoIterator<Item = (String, &'a str)>,
) -> Result<Vec<RegionCode>, ApiError> {
    let (mut found, mut wrong) = (Vec::new(), Vec::new());
    for (pointer, code) in codes {
        match RegionCode::parse(code) {
            Err(_) => wrong.push(Violation::invalid(
                "invalid_format",
                pointer,
                "a region code such as 33 or 33.74",
                "kode daerah seperti 33 atau 33.74",
            )),
            Ok(r) if reference::get_region(c, &r)?.is_none() => wrong.push(Violation::invalid(
                "unknown_region",
                pointer,
                "no such region",
                "daerah tidak dikenal",
            )),
            Ok(r) => found.push(r),
        }
    }
    if wrong.is_empty() {
        Ok(found)
    } else {
        Err(wrong.into())
    }
}

/// A region code the body gives at `pointer` (422 when malformed).
fn region_at(pointer: &str, code: &str) -> Result<RegionCode, ApiError> {
    RegionCode::parse(code).map_err(|_| {
        ApiError::invalid(
            pointer,
            "invalid_format",
            "a region code such as 33 or 33.74",
            "kode daerah seperti 33 atau 33.74",
        )
    })
}
