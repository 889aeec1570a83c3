//! Request extractors that fail with problems, never with actix's plain-text errors:
//! a JSON body ([`ApiJson`]) and query parameters ([`ApiQuery`]), each validated.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::ApiError;
use crate::problem::{FieldIssue, Text};

/// The largest JSON body accepted (`JALIN_JSON_LIMIT`), as app data.
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

/// A JSON request body: `Content-Type` must be JSON (415), the size within the limit (413),
/// the syntax valid (400) and the values valid (422, each with a JSON pointer).
pub struct ApiJson<T> {
    pub value: T,
    /// The body as canonical JSON (sorted keys), for idempotency fingerprints.
    pub canonical: String,
}

impl<T> FromRequest for ApiJson<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let is_json = content_type.as_deref().is_some_and(|ct| {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        });
        let limit = req
            .app_data::<JsonLimit>()
            .map(|l| l.0)
            .unwrap_or(1024 * 1024);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType {
                    found: content_type,
                });
            }
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge { limit }
                } else {
                    ApiError::MalformedJson(e.to_string())
                }
            })?;
            parse_json(&bytes)
        })
    }
}

pub fn parse_json<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<ApiJson<T>, ApiError> {
    // Syntax first, so a syntax error is a 400 and never a 422.
    let raw: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    refuse_nul_in_json(&raw, &mut String::new())?;
    let canonical = raw.to_string();
    let value: T = serde_path_to_error::deserialize(raw).map_err(|e| {
        let msg = e.inner().to_string();
        let pointer = pointer_of(e.path(), &msg);
        let (code, text) = value_issue(&msg);
        ApiError::Validation(vec![FieldIssue::pointer(&pointer, code, text)])
    })?;
    value
        .validate()
        .map_err(|e| ApiError::Validation(issues_from(&e, Location::Body)))?;
    Ok(ApiJson { value, canonical })
}

/// The code and text of a value serde refused: a date that is not `YYYY-MM-DD` within
/// 1900–2200 is `invalid_date` in both languages; anything else `invalid_value`.
fn value_issue(msg: &str) -> (&'static str, Text) {
    match jalin_domain::DateError::from_serde_message(msg) {
        Some(text) => ("invalid_date", text),
        None => (
            "invalid_value",
            Text::new(msg, format!("nilai tidak valid: {msg}")),
        ),
    }
}

/// JSON Pointer (RFC 6901) for a serde path; a missing field points at the field itself.
fn pointer_of(path: &serde_path_to_error::Path, message: &str) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('/');
                out.push_str(&escape_pointer(key));
            }
            Segment::Unknown => {}
        }
    }
    if let Some(field) = missing_field(message) {
        out.push('/');
        out.push_str(&escape_pointer(field));
    }
    out
}

fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Query parameters, validated: a bad value is a 422 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T> FromRequest for ApiQuery<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    refuse_nul_in_query(query, false)?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let msg = e.inner().to_string();
        let name = missing_field(&msg)
            .map(str::to_owned)
            .unwrap_or_else(|| e.path().to_string());
        let (code, text) = if missing_field(&msg).is_some() {
            ("required", Text::new("is required", "wajib diisi"))
        } else {
            value_issue(&msg)
        };
        ApiError::Validation(vec![FieldIssue::parameter(&name, code, text)])
    })?;
    value
        .validate()
        .map_err(|e| ApiError::Validation(issues_from(&e, Location::Query)))?;
    Ok(value)
}

/// Lets handlers take a group of query parameters shared by several operations directly
/// (`paging: Paging`), read and validated like [`ApiQuery`].
#[macro_export]
macro_rules! query_params {
    ($($ty:ty),+ $(,)?) => {
        $(impl actix_web::FromRequest for $ty {
            type Error = $crate::error::ApiError;
            type Future = std::future::Ready<Result<Self, $crate::error::ApiError>>;

            fn from_request(
                req: &actix_web::HttpRequest,
                _: &mut actix_web::dev::Payload,
            ) -> Self::Future {
                std::future::ready($crate::extract::parse_query(req.query_string()))
            }
        })+
    };
}

/// A form body (`application/x-www-form-urlencoded`), validated like a query.
pub fn parse_form<T: DeserializeOwned + Validate>(body: &str) -> Result<T, ApiError> {
    parse_query(body)
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// NUL bytes (U+0000) are refused wherever text comes in: no record may hold one (PostgreSQL
/// cannot store it, and other systems cut text at it). A JSON string or key holding one is a 422
/// `invalid_text` pointing at it.
fn refuse_nul_in_json(v: &serde_json::Value, at: &mut String) -> Result<(), ApiError> {
    use serde_json::Value;
    let len = at.len();
    let found = match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.push_str(&format!("/{i}"));
                refuse_nul_in_json(item, at)?;
                at.truncate(len);
            }
            false
        }
        Value::Object(map) => {
            for (k, item) in map {
                at.push('/');
                at.push_str(&escape_pointer(&k.replace('\0', "\u{FFFD}")));
                if k.contains('\0') {
                    return Err(ApiError::nul_in_body(at));
                }
                refuse_nul_in_json(item, at)?;
                at.truncate(len);
            }
            false
        }
        _ => false,
    };
    match found {
        true => Err(ApiError::nul_in_body(at)),
        false => Ok(()),
    }
}

/// A query string (or form body) with a NUL byte in a name or value (`%00`): `invalid_text`
/// naming the parameter (NUL shown as U+FFFD), 400 in the URL, 422 in a body.
pub fn refuse_nul_in_query(query: &str, in_url: bool) -> Result<(), ApiError> {
    if !query.contains("%00") && !query.contains('\0') {
        return Ok(());
    }
    for (k, v) in form_urlencoded_parse(query) {
        if k.contains('\0') || v.contains('\0') {
            let name = k.replace('\0', "\u{FFFD}");
            return Err(ApiError::nul_in_parameter(&name, in_url));
        }
    }
    Ok(())
}

/// Middleware: a NUL byte in the path (`%00`) or the query string is refused (400
/// `invalid_text`) before any route, extractor or query sees it.
pub async fn refuse_nul_in_url(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let path_has_nul = req.path().contains("%00");
    let refusal = if path_has_nul {
        Some(ApiError::InvalidText {
            at: None,
            in_url: true,
        })
    } else {
        refuse_nul_in_query(req.query_string(), true).err()
    };
    match refusal {
        Some(e) => Ok(req.error_response(e)),
        None => next.call(req).await.map(|r| r.map_into_boxed_body()),
    }
}

#[derive(Clone, Copy)]
enum Location {
    Body,
    Query,
}

/// Flattens validator's errors into problem entries.
fn issues_from(errors: &ValidationErrors, at: Location) -> Vec<FieldIssue> {
    let mut out = Vec::new();
    collect(errors, String::new(), at, &mut out);
    out
}

fn collect(errors: &ValidationErrors, prefix: String, at: Location, out: &mut Vec<FieldIssue>) {
    for (field, kind) in errors.errors() {
        let path = format!("{prefix}/{}", escape_pointer(field));
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = message_for(e);
                    out.push(match at {
                        Location::Body => FieldIssue::pointer(&path, &e.code, message),
                        Location::Query => FieldIssue::parameter(field, &e.code, message),
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, path, at, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(inner, format!("{path}/{i}"), at, out);
                }
            }
        }
    }
}

fn message_for(e: &validator::ValidationError) -> Text {
    let p = |k: &str| {
        e.params
            .get(k)
            .map(|v| v.to_string().trim_matches('"').to_owned())
    };
    if let Some(m) = &e.message {
        return Text::new(m.to_string(), m.to_string());
    }
    match e.code.as_ref() {
        "range" => {
            let (min, max) = (p("min").unwrap_or_default(), p("max").unwrap_or_default());
            Text::new(
                format!("must be between {min} and {max}"),
                format!("harus di antara {min} dan {max}"),
            )
        }
        "length" => {
            let (min, max) = (p("min").unwrap_or_default(), p("max").unwrap_or_default());
            Text::new(
                format!("length must be between {min} and {max}"),
                format!("panjang harus di antara {min} dan {max}"),
            )
        }
        "required" => Text::new("is required", "wajib diisi"),
        code => Text::new(format!("invalid ({code})"), format!("tidak valid ({code})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Validate)]
    struct Body {
        #[validate(length(min = 1, max = 5))]
        name: String,
        #[allow(dead_code)]
        items: Vec<Item>,
    }

    #[derive(Deserialize, Validate)]
    struct Item {
        #[allow(dead_code)]
        n: u8,
    }

    fn issues(r: Result<ApiJson<Body>, ApiError>) -> Vec<FieldIssue> {
        match r {
            Err(ApiError::Validation(v)) => v,
            Err(other) => panic!("expected validation, got {other:?}"),
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn syntax_errors_are_malformed_not_invalid() {
        assert!(matches!(
            parse_json::<Body>(b"{\"name\": "),
            Err(ApiError::MalformedJson(_))
        ));
    }

    #[test]
    fn type_errors_point_at_the_value() {
        let v = issues(parse_json::<Body>(
            br#"{"name":"a","items":[{"n":1},{"n":"x"}]}"#,
        ));
        assert_eq!(v[0].pointer.as_deref(), Some("/items/1/n"));
    }

    #[test]
    fn missing_fields_point_at_the_field() {
        let v = issues(parse_json::<Body>(br#"{"items":[]}"#));
        assert_eq!(v[0].pointer.as_deref(), Some("/name"));
    }

    #[test]
    fn validator_errors_point_at_the_field() {
        let v = issues(parse_json::<Body>(br#"{"name":"toolong","items":[]}"#));
        assert_eq!(v[0].pointer.as_deref(), Some("/name"));
        assert_eq!(v[0].code, "length");
    }

    #[test]
    fn nul_bytes_in_values_and_keys_point_at_them() {
        let at = |r: Result<ApiJson<Body>, ApiError>| match r {
            Err(ApiError::InvalidText {
                at: Some(i),
                in_url: false,
            }) => i.pointer.unwrap(),
            Err(other) => panic!("expected invalid_text, got {other:?}"),
            Ok(_) => panic!("expected an error"),
        };
        assert_eq!(at(parse_json(br#"{"name":"a\u0000","items":[]}"#)), "/name");
        assert_eq!(
            at(parse_json(
                br#"{"name":"a","items":[{"n":1,"x":["","\u0000"]}]}"#
            )),
            "/items/0/x/1"
        );
        assert_eq!(
            at(parse_json(br#"{"name":"a","items":[],"k\u0000":1}"#)),
            "/k\u{FFFD}"
        );
        assert!(matches!(
            parse_query::<Q>("year=2024&x=%00"),
            Err(ApiError::InvalidText { in_url: false, .. })
        ));
        assert!(
            refuse_nul_in_query("a=%2500", true).is_ok(),
            "an encoded percent sign is text"
        );
        assert!(refuse_nul_in_query("q=ab%00", true).is_err());
    }

    #[derive(Deserialize, Validate, Debug)]
    struct Q {
        #[validate(range(min = 1, max = 100))]
        limit: Option<u32>,
        year: i32,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let e = parse_query::<Q>("year=2024&limit=abc").unwrap_err();
        let ApiError::Validation(v) = e else { panic!() };
        assert_eq!(v[0].parameter.as_deref(), Some("limit"));
        let e = parse_query::<Q>("limit=5").unwrap_err();
        let ApiError::Validation(v) = e else { panic!() };
        assert_eq!(
            (v[0].parameter.as_deref(), v[0].code.as_str()),
            (Some("year"), "required")
        );
        let e = parse_query::<Q>("year=2024&limit=0").unwrap_err();
        let ApiError::Validation(v) = e else { panic!() };
        assert_eq!(
            (v[0].parameter.as_deref(), v[0].code.as_str()),
            (Some("limit"), "range")
        );
        assert_eq!(parse_query::<Q>("year=2024").unwrap().year, 2024);
    }
}
