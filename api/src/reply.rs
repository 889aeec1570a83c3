//! Responses built the same way by every handler: a record with its ETag, a creation with its
//! `Location`, a missing record as the 404 that never tells another region's record apart.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDateTime, Utc};
use jalin_domain::coordination::MeetingDocumentRole;
use jalin_domain::document::DocumentRole;
use jalin_domain::{CountryCode, RecordKind, RegionCode};
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
    ok_tagged(&record.etag(), body)
}

/// 200 with the ETag `tag`.
pub fn ok_tagged(tag: &Etag, body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("etag", tag.as_str()))
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

/// Declares stored records with `id: String`, `version: i64` and `updated_at` as [`Versioned`]
/// and [`crate::service::Revisable`].
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
        }

        impl $crate::service::Revisable for $ty {
            fn revise(&mut self, now: chrono::NaiveDateTime) -> i64 {
                self.updated_at = now;
                self.version += 1;
                self.version - 1
            }
        })+
    };
}

/// A stored value as a response shows it: the same value, or its wire form (a stored UTC time
/// with its zone, a code as text). [`shown!`](crate::shown) builds a response from a record's
/// fields of the same names through it.
pub trait Shown<T> {
    fn shown(&self) -> T;
}

impl<T: Clone> Shown<T> for T {
    fn shown(&self) -> T {
        self.clone()
    }
}

/// A stored code is shown as its text.
impl Shown<String> for jalin_domain::events::DeliveryStatus {
    fn shown(&self) -> String {
        self.as_str().to_owned()
    }
}

impl Shown<DateTime<Utc>> for NaiveDateTime {
    fn shown(&self) -> DateTime<Utc> {
        self.and_utc()
    }
}

impl Shown<Option<DateTime<Utc>>> for Option<NaiveDateTime> {
    fn shown(&self) -> Option<DateTime<Utc>> {
        self.map(|t| t.and_utc())
    }
}

impl Shown<String> for RegionCode {
    fn shown(&self) -> String {
        self.to_string()
    }
}

impl Shown<String> for CountryCode {
    fn shown(&self) -> String {
        self.to_string()
    }
}

impl Shown<String> for DocumentRole {
    fn shown(&self) -> String {
        self.as_str().into()
    }
}

impl Shown<String> for MeetingDocumentRole {
    fn shown(&self) -> String {
        self.as_str().into()
    }
}

impl Shown<Option<String>> for Option<RegionCode> {
    fn shown(&self) -> Option<String> {
        self.as_ref().map(RegionCode::to_string)
    }
}

/// `shown!(record, Dto { a, b, c: expr })`: a response whose fields named alone are the
/// record's fields of the same names, [`Shown`]; the others are given.
#[macro_export]
macro_rules! shown {
    ($record:expr, $dto:ident { $($field:ident $(: $value:expr)?),* $(,)? }) => {{
        let record = &$record;
        $dto { $($field: $crate::shown!(@field record, $field $(, $value)?),)* }
    }};
    (@field $record:ident, $field:ident) => {
        $crate::reply::Shown::shown(&$record.$field)
    };
    (@field $record:ident, $field:ident, $value:expr) => {
        $value
    };
}

/// Declares a response that shows a stored record's fields of the same names, [`Shown`]:
/// `mirror! { pub struct Dto from Row { pub a: A, … } }` is the struct and its `From<&Row>`.
#[macro_export]
macro_rules! mirror {
    (
        $(#[$meta:meta])*
        $vis:vis struct $dto:ident from $row:ty {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident: $ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $dto {
            $($(#[$field_meta])* $field_vis $field: $ty),*
        }

        impl From<&$row> for $dto {
            fn from(row: &$row) -> Self {
                Self {
                    $($field: $crate::reply::Shown::shown(&row.$field)),*
                }
            }
        }
    };
}
