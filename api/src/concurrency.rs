//! Optimistic concurrency: every mutable resource has an `ETag`; changes must send it back in
//! `If-Match` (428 without it, 412 when the resource changed meanwhile).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use sha2::{Digest, Sha256};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Required;

use crate::error::ApiError;
use crate::reply::Versioned;

/// A strong entity tag, quoted as sent on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Etag(String);

impl Etag {
    /// The tag of version `version` of record `id`: opaque, changes with every version.
    pub fn for_version(id: &str, version: i64) -> Self {
        let digest = Sha256::digest(format!("{id}:{version}").as_bytes());
        let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("\"{hex}\""))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `If-Match` header, if sent.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    /// Passes when `If-Match` lists `current` (or is `*`); 428 when absent, 412 otherwise.
    /// Weak tags never match: If-Match uses strong comparison (RFC 9110 §13.1.1).
    pub fn check(&self, current: &Etag) -> Result<(), ApiError> {
        let Some(header) = &self.0 else {
            return Err(ApiError::PreconditionRequired);
        };
        let header = header.trim();
        if header == "*" {
            return Ok(());
        }
        let matches = header
            .split(',')
            .map(str::trim)
            .any(|tag| !tag.starts_with("W/") && tag == current.as_str());
        if matches {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }

    /// The check of a write that may create its record: against the record's ETag when it
    /// exists (`current`); when it does not, nothing to match, and a tag sent all the same is
    /// stale (412).
    pub fn check_if_exists(&self, current: Option<&Etag>) -> Result<(), ApiError> {
        match current {
            Some(tag) => self.check(tag),
            None if self.is_present() => Err(ApiError::PreconditionFailed),
            None => Ok(()),
        }
    }

    /// The check a use case makes on the record it loads (its `expected`): this header against
    /// the record's ETag.
    pub fn expected<T: Versioned>(self) -> impl FnOnce(&T) -> Result<(), ApiError> {
        move |record| self.check(&record.etag())
    }

    pub fn is_present(&self) -> bool {
        self.0.is_some()
    }
}

/// In the contract: a required header, "The ETag you read." (an operation whose `If-Match` says
/// more declares its own).
impl utoipa::IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![ParameterBuilder::new()
            .name("If-Match")
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some("The ETag you read."))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()]
    }
}

impl IfMatch {
    fn from_headers(req: &HttpRequest) -> Self {
        match req
            .headers()
            .get(header::IF_MATCH)
            .map(|v| v.to_str().map(str::to_owned))
        {
            None => IfMatch(None),
            Some(Ok(v)) => IfMatch(Some(v)),
            // Not ASCII: cannot match any tag we issue.
            Some(Err(_)) => IfMatch(Some(String::new())),
        }
    }
}

/// Where `If-Match` is required, its absence is a 428 before anything else is looked at: a
/// client that forgot it learns that first, not a rule its body happens to break.
impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let if_match = IfMatch::from_headers(req);
        std::future::ready(match if_match.0 {
            None => Err(ApiError::PreconditionRequired),
            Some(_) => Ok(if_match),
        })
    }
}

/// `If-Match` where it is optional: creating a record that may not exist yet (a calendar year,
/// an action plan) needs none; replacing one does (the use case decides, seeing the record).
#[derive(Debug, Clone)]
pub struct OptionalIfMatch(pub IfMatch);

impl FromRequest for OptionalIfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(OptionalIfMatch(IfMatch::from_headers(req))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_is_required_and_strong() {
        let tag = Etag::for_version("a", 1);
        assert!(matches!(
            IfMatch(None).check(&tag),
            Err(ApiError::PreconditionRequired)
        ));
        assert!(IfMatch(Some(tag.as_str().to_owned())).check(&tag).is_ok());
        assert!(IfMatch(Some(format!("\"x\", {}", tag.as_str())))
            .check(&tag)
            .is_ok());
        assert!(IfMatch(Some("*".into())).check(&tag).is_ok());
        assert!(matches!(
            IfMatch(Some(format!("W/{}", tag.as_str()))).check(&tag),
            Err(ApiError::PreconditionFailed)
        ));
        let newer = Etag::for_version("a", 2);
        assert!(matches!(
            IfMatch(Some(tag.as_str().to_owned())).check(&newer),
            Err(ApiError::PreconditionFailed)
        ));
    }
}
