//! Responses built the same way by every handler: a record with its ETag, a creation with its
//! `Location`, a missing record as the 404 that never tells another region's record apart.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use jalin_domain::RecordKind;
use serde::Serialize;

use crate::concurrency::Etag;
use crate::error::ApiError;
use crate::idempotency::JsonReply;

/// A record with an id and an optimistic-locking version: it has an ETag.
pub trait Versioned {
    fn id(&self) -> &str;
    fn version(&self) -> i64;

    fn etag(&self) -> Etag {
        Etag::for_version(self.id(), self.version())
    }
}

/// `Option` → the record, or `not_found` of `kind`.
pub trait OrNotFound<T> {
    fn or_not_found(self, kind: RecordKind, id: &str) -> Result<T, ApiError>;
}

impl<T> OrNotFound<T> for Option<T> {
    fn or_not_found(self, kind: RecordKind, id: &str) -> Result<T, ApiError> {
        self.ok_or_else(|| ApiError::not_found(kind, id))
    }
}

/// 200 with the record's ETag.
pub fn ok_versioned(record: &impl Versioned, body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("etag", record.etag().as_str()))
        .json(body)
}

/// 200 JSON.
pub fn ok(body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok().json(body)
}

/// 204: done, nothing to show (a deletion).
pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// A reply (storable for `Idempotency-Key` replay) of `status` with the record's ETag.
pub fn versioned(
    status: StatusCode,
    record: &impl Versioned,
    body: impl Serialize,
) -> Result<JsonReply, ApiError> {
    let body = serde_json::to_value(body).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(JsonReply::new(status, body).header("etag", record.etag().as_str()))
}

/// 201 with the new record's ETag and `Location` (storable for `Idempotency-Key` replay).
pub fn created(
    location: String,
    record: &impl Versioned,
    body: impl Serialize,
) -> Result<JsonReply, ApiError> {
    Ok(versioned(StatusCode::CREATED, record, body)?.header("location", location))
}

/// Declares stored records with `id: String` and `version: i64` as [`Versioned`].
#[macro_export]
macro_rules! versioned {
    ($($ty:ty),+ $(,)?) => {
        $(impl $crate::reply::Versioned for $ty {
            fn id(&self) -> &str {
                &self.id
            }
            fn version(&self) -> i64 {
                self.version
            }
        })+
    };
}
