//! The public open-data feed: what anyone may see, without authentication, of
//! agreements in force or ended and of published good practices — public fields only.

use jalin_domain::RegionCode;
use jalin_persistence::coordination::{self as co, GoodPractice, PublicAgreement};
use jalin_persistence::DbConnection;

use crate::error::ApiError;

/// Agreements in a public status (of `region`: a province includes its regencies/cities), with
/// their partners' names and countries; by id.
pub fn agreements(
    c: &mut DbConnection,
    region: Option<&RegionCode>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<PublicAgreement>, ApiError> {
    Ok(co::public_agreements(c, region, after, limit)?)
}

/// Published good practices (of `region`); by id.
pub fn practices(
    c: &mut DbConnection,
    region: Option<&RegionCode>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<GoodPractice>, ApiError> {
    Ok(co::list_practices(c, None, region, after, limit)?)
}
