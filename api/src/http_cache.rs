//! Conditional GETs (RFC 9110 §13.1.2): every `200` JSON answer to a `GET` (or `HEAD`) carries
//! an `ETag` — the resource's own when it has one (the one `If-Match` takes), else a weak one
//! hashed from the body — and a request whose `If-None-Match` matches it gets `304 Not
//! Modified` without the body.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};
use sha2::{Digest, Sha256};

/// Whether `If-None-Match` (a list of entity tags, or `*`) matches `etag`, weakly (§13.1.2).
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || opaque(t) == opaque(etag))
}

/// A weak entity tag of a body.
pub fn weak_etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// The middleware: see the module's documentation.
pub async fn conditional_get(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let if_none_match = (req.headers().get(header::IF_NONE_MATCH))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.call(req).await?;
    let json = (res.headers().get(header::CONTENT_TYPE))
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !read || res.status() != StatusCode::OK || !json {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
    let etag = match head
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
    {
        Some(own) => own.to_owned(),
        None => weak_etag(&bytes),
    };
    let value = HeaderValue::from_str(&etag).map_err(actix_web::error::ErrorInternalServerError)?;
    if if_none_match.is_some_and(|inm| none_match(&inm, &etag)) {
        let mut not_modified = HttpResponse::NotModified();
        not_modified.insert_header((header::ETAG, value));
        for name in [header::CACHE_CONTROL, header::VARY] {
            if let Some(v) = head.headers().get(&name) {
                not_modified.insert_header((name, v.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    let mut res = head.set_body(BoxBody::new(bytes));
    res.headers_mut().insert(header::ETAG, value);
    Ok(ServiceResponse::new(req, res))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_matches_weakly_in_a_list_or_as_a_star() {
        let tag = weak_etag(b"{}");
        assert!(tag.starts_with("W/\"") && tag.len() == 28, "{tag}");
        assert!(none_match(&tag, &tag));
        assert!(none_match(
            &format!("\"x\", {}", tag.trim_start_matches("W/")),
            &tag
        ));
        assert!(none_match("*", "\"v1\""));
        assert!(!none_match("\"other\"", &tag));
    }
}
