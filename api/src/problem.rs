//! RFC 9457 problem details: every failure the API returns, in English or Indonesian.

use actix_web::http::StatusCode;
use jalin_domain::RuleId;
use serde::Serialize;
use utoipa::ToSchema;

pub use jalin_domain::{Lang, Text};

/// The language of a response, from `Accept-Language` (English unless Indonesian is preferred).
/// Picks the supported language with the highest q-value; ties go to the earlier entry.
pub fn lang_from_accept_language(header: Option<&str>) -> Lang {
    let Some(header) = header else {
        return Lang::En;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "id" | "in" => Lang::Id,
            "en" => Lang::En,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::En)
}

/// One invalid input: where it is (`pointer` into the JSON body, or a query/path `parameter`),
/// a stable `code`, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    pub pointer: Option<String>,
    pub parameter: Option<String>,
    pub code: String,
    pub message: Text,
    /// The rule this input breaks, when there is one.
    pub rule: Option<RuleId>,
}

impl FieldIssue {
    pub fn parameter(name: &str, code: &str, message: Text) -> Self {
        Self {
            pointer: None,
            parameter: Some(name.to_owned()),
            code: code.to_owned(),
            message,
            rule: None,
        }
    }

    pub fn pointer(pointer: &str, code: &str, message: Text) -> Self {
        Self {
            pointer: Some(pointer.to_owned()),
            parameter: None,
            code: code.to_owned(),
            message,
            rule: None,
        }
    }
}

impl From<&jalin_domain::Violation> for FieldIssue {
    fn from(v: &jalin_domain::Violation) -> Self {
        Self {
            pointer: Some(v.pointer.to_string()),
            parameter: None,
            code: v.code.to_string(),
            message: v.text.clone(),
            rule: v.rule,
        }
    }
}

/// A problem before rendering: both languages, no request context yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub status: StatusCode,
    pub code: std::borrow::Cow<'static, str>,
    pub title: Text,
    pub detail: Text,
    pub errors: Vec<FieldIssue>,
    pub rule: Option<RuleId>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        code: impl Into<std::borrow::Cow<'static, str>>,
        title: Text,
        detail: Text,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            title,
            detail,
            errors: Vec::new(),
            rule: None,
        }
    }

    /// The generic problem for a status that reached the client without an [`ApiError`]
    /// (actix's own 405, a payload error, a CORS refusal…).
    ///
    /// [`ApiError`]: crate::error::ApiError
    pub fn for_status(status: StatusCode) -> Self {
        let (code, en, id): (&'static str, &str, &str) = match status.as_u16() {
            400 => ("bad_request", "Bad request", "Permintaan tidak valid"),
            401 => (
                "unauthorized",
                "Authentication required",
                "Autentikasi diperlukan",
            ),
            403 => ("forbidden", "Forbidden", "Tidak diizinkan"),
            404 => ("not_found", "Not found", "Tidak ditemukan"),
            405 => (
                "method_not_allowed",
                "Method not allowed",
                "Metode tidak diizinkan",
            ),
            406 => (
                "not_acceptable",
                "Not acceptable",
                "Format tidak dapat diberikan",
            ),
            408 => (
                "request_timeout",
                "Request timeout",
                "Waktu permintaan habis",
            ),
            409 => ("conflict", "Conflict", "Konflik"),
            411 => (
                "length_required",
                "Length required",
                "Panjang konten diperlukan",
            ),
            412 => (
                "precondition_failed",
                "Precondition failed",
                "Prasyarat tidak terpenuhi",
            ),
            413 => (
                "payload_too_large",
                "Payload too large",
                "Muatan terlalu besar",
            ),
            414 => ("uri_too_long", "URI too long", "URI terlalu panjang"),
            415 => (
                "unsupported_media_type",
                "Unsupported media type",
                "Jenis media tidak didukung",
            ),
            422 => ("validation_failed", "Validation failed", "Validasi gagal"),
            428 => (
                "precondition_required",
                "Precondition required",
                "Prasyarat diperlukan",
            ),
            429 => (
                "rate_limited",
                "Too many requests",
                "Terlalu banyak permintaan",
            ),
            431 => (
                "headers_too_large",
                "Request headers too large",
                "Header permintaan terlalu besar",
            ),
            503 => (
                "service_unavailable",
                "Service unavailable",
                "Layanan tidak tersedia",
            ),
            s if s >= 500 => ("internal_error", "Internal error", "Kesalahan internal"),
            _ => ("error", "Error", "Kesalahan"),
        };
        let detail = match code {
            "method_not_allowed" => Text::new(
                "This resource does not support this HTTP method; see the Allow header.",
                "Sumber daya ini tidak mendukung metode HTTP tersebut; lihat header Allow.",
            ),
            "payload_too_large" => Text::new(
                "The request body is larger than this server accepts.",
                "Badan permintaan melebihi batas yang diterima server.",
            ),
            "internal_error" => Text::new(
                "The server could not complete the request. Quote the request id when reporting it.",
                "Server tidak dapat menyelesaikan permintaan. Sebutkan request id saat melaporkannya.",
            ),
            _ => Text::new(en, id),
        };
        Problem::new(status, code, Text::new(en, id), detail)
    }

    /// The JSON body in `lang`, with the request's id and path.
    pub fn render(&self, lang: Lang, request_id: &str, instance: &str) -> ProblemBody {
        ProblemBody {
            r#type: format!("urn:jalin:problem:{}", self.code),
            title: self.title.get(lang).to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.get(lang).to_owned(),
            code: self.code.to_string(),
            request_id: request_id.to_owned(),
            instance: instance.to_owned(),
            rule: self.rule.map(|r| r.as_str().to_owned()),
            rule_source: self.rule.map(|r| r.source().to_owned()),
            errors: (!self.errors.is_empty()).then(|| {
                self.errors
                    .iter()
                    .map(|e| ProblemFieldError {
                        pointer: e.pointer.clone(),
                        parameter: e.parameter.clone(),
                        code: e.code.clone(),
                        message: e.message.get(lang).to_owned(),
                        rule: e.rule.map(|r| r.as_str().to_owned()),
                    })
                    .collect()
            }),
        }
    }
}

/// An RFC 9457 problem, served as `application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    as = Problem,
    example = json!({
        "type": "urn:jalin:problem:validation_failed",
        "title": "Validation failed",
        "status": 422,
        "detail": "The request has 1 invalid value.",
        "code": "validation_failed",
        "request_id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00",
        "instance": "/v1/calendar/working-days",
        "errors": [{"parameter": "add", "code": "invalid_type", "message": "expected a whole number from 0 to 3650"}]
    })
)]
pub struct ProblemBody {
    /// `urn:jalin:problem:{code}`.
    pub r#type: String,
    /// Short summary of the kind of problem, in the response language.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in the response language.
    pub detail: String,
    /// Stable machine-readable code; clients branch on this, never on `title`.
    #[schema(example = "not_found")]
    pub code: String,
    /// The request's `X-Request-Id`: quote it when reporting a problem.
    pub request_id: String,
    /// The request path.
    pub instance: String,
    /// The rule violated, e.g. `R4`, when the problem is a rule violation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The legal source of `rule`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_source: Option<String>,
    /// Every invalid input, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemFieldError>>,
}

/// One invalid input.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProblemFieldError)]
pub struct ProblemFieldError {
    /// JSON Pointer (RFC 6901) into the request body, e.g. `/titles/en`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The query or path parameter, e.g. `limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Stable machine-readable code, e.g. `out_of_range` or a rule id such as `R4`.
    pub code: String,
    pub message: String,
    /// The rule this input breaks (e.g. `R13`), when there is one
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_is_chosen_only_when_preferred() {
        assert_eq!(lang_from_accept_language(None), Lang::En);
        assert_eq!(lang_from_accept_language(Some("id")), Lang::Id);
        assert_eq!(
            lang_from_accept_language(Some("id-ID,id;q=0.9,en;q=0.8")),
            Lang::Id
        );
        assert_eq!(lang_from_accept_language(Some("en-US,id;q=0.5")), Lang::En);
        assert_eq!(lang_from_accept_language(Some("fr, id;q=0.3")), Lang::Id);
        assert_eq!(lang_from_accept_language(Some("id;q=0")), Lang::En);
        assert_eq!(lang_from_accept_language(Some("de")), Lang::En);
    }
}
