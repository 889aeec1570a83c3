//! `ApiError`: every way a request can fail, each with its status, stable code and texts.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use jalin_domain::{CalendarError, RecordKind, Refusal, Violation};
use jalin_persistence::DbError;

use crate::problem::{FieldIssue, Problem, Text};

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("malformed multipart: {0}")]
    MalformedMultipart(String),
    #[error("unsupported media type {found:?}")]
    UnsupportedMediaType { found: Option<String> },
    #[error("payload over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The body did not arrive within JALIN_BODY_TIMEOUT_SECONDS.
    #[error("request body too slow ({seconds}s)")]
    RequestTimeout { seconds: u64 },
    #[error("validation failed")]
    Validation(Vec<FieldIssue>),
    /// Text holding a NUL byte (U+0000), which no record may hold (PostgreSQL cannot store it):
    /// 400 when it is in the URL, 422 when in a body; `at` names where, when known.
    #[error("NUL byte in text")]
    InvalidText {
        at: Option<Box<FieldIssue>>,
        in_url: bool,
    },
    /// A webhook URL whose host is, or resolves to, an address of the server's own networks
    /// (or does not resolve): nothing about the network is told.
    #[error("webhook target not allowed")]
    WebhookTargetForbidden,
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("{kind} {id} not found")]
    NotFound { kind: RecordKind, id: String },
    #[error("no route {0}")]
    RouteNotFound(String),
    #[error("method not allowed (allow {allow})")]
    MethodNotAllowed { allow: String },
    #[error("If-Match required")]
    PreconditionRequired,
    #[error("stale If-Match")]
    PreconditionFailed,
    #[error("invalid Idempotency-Key")]
    InvalidIdempotencyKey,
    #[error("Idempotency-Key reused with another request")]
    IdempotencyKeyReused,
    #[error("Idempotency-Key in flight")]
    IdempotencyInFlight,
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid or expired token")]
    InvalidToken,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("invalid client credentials")]
    InvalidClient,
    /// A signed callback whose signature, timestamp or headers do not hold.
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    #[error("forbidden")]
    Forbidden,
    #[error("rate limited for {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },
    #[error("conflict: {code}")]
    Conflict { code: &'static str, detail: Text },
    /// Registry rules broken by a record as written (`rule_violation`).
    #[error("rule violations")]
    Rules(Vec<Violation>),
    /// A domain decision refused: 403, 409 or 422 by the kind of refusal.
    #[error("refused: {0:?}")]
    Refused(Vec<Violation>),
    #[error("calendar: {date} outside {covered}")]
    CalendarOutOfRange { date: String, covered: String },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Logged with the request id; the client sees no internals.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::Internal(msg.into())
    }

    /// No `kind` with this id is visible to the caller (another region's record included).
    pub fn not_found(kind: RecordKind, id: impl Into<String>) -> Self {
        Self::NotFound {
            kind,
            id: id.into(),
        }
    }

    /// One invalid value in the JSON body at `pointer`.
    pub fn invalid(
        pointer: &str,
        code: &str,
        en: impl Into<String>,
        id: impl Into<String>,
    ) -> Self {
        Self::Validation(vec![FieldIssue::pointer(pointer, code, Text::new(en, id))])
    }

    /// A state conflict (409) with its stable code.
    pub fn conflict(code: &'static str, en: impl Into<String>, id: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: Text::new(en, id),
        }
    }

    /// A single invalid query or path parameter.
    pub fn invalid_parameter(
        name: &str,
        code: &str,
        en: impl Into<String>,
        id: impl Into<String>,
    ) -> Self {
        Self::Validation(vec![FieldIssue::parameter(name, code, Text::new(en, id))])
    }

    /// A NUL byte in the JSON body at `pointer` (or in a multipart part).
    pub fn nul_in_body(pointer: &str) -> Self {
        Self::InvalidText {
            at: Some(Box::new(FieldIssue::pointer(
                pointer,
                "invalid_text",
                nul_text(),
            ))),
            in_url: false,
        }
    }

    /// A NUL byte in the query parameter `name` (in a form body: `in_url` false).
    pub fn nul_in_parameter(name: &str, in_url: bool) -> Self {
        Self::InvalidText {
            at: Some(Box::new(FieldIssue::parameter(
                name,
                "invalid_text",
                nul_text(),
            ))),
            in_url,
        }
    }

    pub fn problem(&self) -> Problem {
        use StatusCode as S;
        match self {
            Self::InvalidText { at, in_url } => {
                let status = if *in_url {
                    S::BAD_REQUEST
                } else {
                    S::UNPROCESSABLE_ENTITY
                };
                let mut p = Problem::new(
                    status,
                    "invalid_text",
                    Text::new("Invalid text", "Teks tidak valid"),
                    Text::new(
                        "Text may not contain the NUL character (U+0000, %00); remove it and send the request again.",
                        "Teks tidak boleh memuat karakter NUL (U+0000, %00); hapus karakter itu lalu kirim ulang permintaan.",
                    ),
                );
                p.errors = at.iter().map(|i| (**i).clone()).collect();
                p
            }
            Self::WebhookTargetForbidden => {
                let mut p = Problem::new(
                    S::UNPROCESSABLE_ENTITY,
                    "webhook_target_forbidden",
                    Text::new("Webhook target not allowed", "Tujuan webhook tidak diizinkan"),
                    Text::new(
                        "The URL's host must be a public address reachable from the Internet; loopback, private, link-local, shared and metadata addresses, and names that do not resolve, are not allowed.",
                        "Host URL harus alamat publik yang dapat dijangkau dari Internet; alamat loopback, privat, link-local, bersama dan metadata, serta nama yang tidak dapat di-resolve, tidak diizinkan.",
                    ),
                );
                p.errors = vec![FieldIssue::pointer(
                    "/url",
                    "webhook_target_forbidden",
                    Text::new("not a public address", "bukan alamat publik"),
                )];
                p
            }
            Self::MalformedJson(msg) => Problem::new(
                S::BAD_REQUEST,
                "malformed_json",
                Text::new("Malformed JSON", "JSON tidak valid"),
                Text::new(
                    format!("The request body is not valid JSON: {msg}."),
                    format!("Badan permintaan bukan JSON yang valid: {msg}."),
                ),
            ),
            Self::MalformedMultipart(msg) => Problem::new(
                S::BAD_REQUEST,
                "malformed_multipart",
                Text::new("Malformed multipart body", "Badan multipart tidak valid"),
                Text::new(
                    format!("The multipart/form-data body could not be read: {msg}."),
                    format!("Badan multipart/form-data tidak dapat dibaca: {msg}."),
                ),
            ),
            Self::UnsupportedMediaType { found } => {
                let found = found.as_deref().unwrap_or("none");
                Problem::new(
                    S::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    Text::new("Unsupported media type", "Jenis media tidak didukung"),
                    Text::new(
                        format!("Send the body as application/json (Content-Type was {found})."),
                        format!("Kirim badan permintaan sebagai application/json (Content-Type: {found})."),
                    ),
                )
            }
            Self::PayloadTooLarge { limit } => Problem::new(
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                Text::new("Payload too large", "Muatan terlalu besar"),
                Text::new(
                    format!("The request body exceeds the limit of {limit} bytes."),
                    format!("Badan permintaan melebihi batas {limit} byte."),
                ),
            ),
            Self::Validation(issues) => {
                let n = issues.len();
                let mut p = Problem::new(
                    S::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    Text::new("Validation failed", "Validasi gagal"),
                    Text::new(
                        format!("The request has {n} invalid value{}.", if n == 1 { "" } else { "s" }),
                        format!("Permintaan memuat {n} nilai yang tidak valid."),
                    ),
                );
                p.errors = issues.clone();
                p
            }
            Self::RequestTimeout { seconds } => Problem::new(
                S::REQUEST_TIMEOUT,
                "request_timeout",
                Text::new("Request timeout", "Waktu permintaan habis"),
                Text::new(
                    format!("The request body did not arrive within {seconds} seconds."),
                    format!("Badan permintaan tidak tiba dalam {seconds} detik."),
                ),
            ),
            Self::InvalidCursor => {
                let mut p = Problem::new(
                    S::BAD_REQUEST,
                    "invalid_cursor",
                    Text::new("Invalid cursor", "Kursor tidak valid"),
                    Text::new(
                        "The cursor was not issued by this list; start again without it.",
                        "Kursor tidak berasal dari daftar ini; mulai lagi tanpa kursor.",
                    ),
                );
                p.errors = vec![FieldIssue::parameter(
                    "cursor",
                    "invalid_cursor",
                    Text::new("not a cursor from this list", "bukan kursor dari daftar ini"),
                )];
                p
            }
            Self::NotFound { kind, id } => {
                let name = kind.name();
                Problem::new(
                    S::NOT_FOUND,
                    "not_found",
                    Text::new("Not found", "Tidak ditemukan"),
                    Text::new(
                        format!("No {} `{id}` is visible to you.", name.en),
                        format!("Tidak ada {} `{id}` yang dapat Anda lihat.", name.id),
                    ),
                )
            }
            Self::RouteNotFound(path) => Problem::new(
                S::NOT_FOUND,
                "route_not_found",
                Text::new("Not found", "Tidak ditemukan"),
                Text::new(
                    format!("There is no resource at `{path}`; see /openapi.json."),
                    format!("Tidak ada sumber daya di `{path}`; lihat /openapi.json."),
                ),
            ),
            Self::MethodNotAllowed { allow } => Problem::new(
                S::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                Text::new("Method not allowed", "Metode tidak diizinkan"),
                Text::new(
                    format!("This resource supports {allow}."),
                    format!("Sumber daya ini mendukung {allow}."),
                ),
            ),
            Self::PreconditionRequired => Problem::new(
                S::PRECONDITION_REQUIRED,
                "if_match_required",
                Text::new("If-Match required", "If-Match diperlukan"),
                Text::new(
                    "Send the resource's current ETag in If-Match, so concurrent changes are not lost.",
                    "Kirim ETag terkini sumber daya di header If-Match agar perubahan bersamaan tidak hilang.",
                ),
            ),
            Self::PreconditionFailed => Problem::new(
                S::PRECONDITION_FAILED,
                "etag_mismatch",
                Text::new("Resource changed", "Sumber daya telah berubah"),
                Text::new(
                    "The resource changed since you read it (If-Match does not match its ETag). Read it again and reapply your change.",
                    "Sumber daya berubah sejak Anda membacanya (If-Match tidak cocok dengan ETag). Baca ulang lalu terapkan perubahan Anda.",
                ),
            ),
            Self::InvalidIdempotencyKey => {
                let mut p = Problem::new(
                    S::BAD_REQUEST,
                    "invalid_idempotency_key",
                    Text::new("Invalid Idempotency-Key", "Idempotency-Key tidak valid"),
                    Text::new(
                        "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice).",
                        "Idempotency-Key harus 1 sampai 255 karakter ASCII yang terlihat (UUID disarankan).",
                    ),
                );
                p.errors = vec![FieldIssue::parameter(
                    "Idempotency-Key",
                    "invalid_format",
                    Text::new("1 to 255 visible ASCII characters", "1 sampai 255 karakter ASCII yang terlihat"),
                )];
                p
            }
            Self::IdempotencyKeyReused => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                Text::new("Idempotency-Key reused", "Idempotency-Key dipakai ulang"),
                Text::new(
                    "This Idempotency-Key was used with a different request; use a new key for a new request.",
                    "Idempotency-Key ini sudah dipakai untuk permintaan lain; gunakan kunci baru untuk permintaan baru.",
                ),
            ),
            Self::IdempotencyInFlight => Problem::new(
                S::CONFLICT,
                "idempotency_in_flight",
                Text::new("Request in progress", "Permintaan sedang diproses"),
                Text::new(
                    "A request with this Idempotency-Key is still being processed; retry shortly.",
                    "Permintaan dengan Idempotency-Key ini masih diproses; coba lagi sebentar lagi.",
                ),
            ),
            Self::CalendarOutOfRange { date, covered } => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "calendar_out_of_range",
                Text::new("Outside the holiday calendar", "Di luar kalender hari libur"),
                Text::new(
                    format!("The computation reaches {date}, outside the years the holiday calendar covers ({covered}); working days there cannot be known without that year's holiday decree."),
                    format!("Perhitungan mencapai {date}, di luar tahun yang dicakup kalender hari libur ({covered}); hari kerja tahun itu belum dapat diketahui tanpa SKB hari liburnya."),
                ),
            ),
            Self::Unavailable(_) => Problem::new(
                S::SERVICE_UNAVAILABLE,
                "database_unavailable",
                Text::new("Service unavailable", "Layanan tidak tersedia"),
                Text::new(
                    "The database is not answering; retry later.",
                    "Basis data tidak merespons; coba lagi nanti.",
                ),
            ),
            Self::Unauthenticated => Problem::new(
                S::UNAUTHORIZED,
                "authentication_required",
                Text::new("Authentication required", "Autentikasi diperlukan"),
                Text::new(
                    "Send `Authorization: Bearer <token>`; get a token from POST /v1/auth/login or POST /v1/auth/token.",
                    "Kirim `Authorization: Bearer <token>`; token didapat dari POST /v1/auth/login atau POST /v1/auth/token.",
                ),
            ),
            Self::InvalidToken => Problem::new(
                S::UNAUTHORIZED,
                "invalid_token",
                Text::new("Invalid token", "Token tidak valid"),
                Text::new(
                    "The token is invalid or expired, or its account is disabled; log in again.",
                    "Token tidak valid atau kedaluwarsa, atau akunnya dinonaktifkan; silakan masuk kembali.",
                ),
            ),
            Self::InvalidSignature(why) => Problem::new(
                S::UNAUTHORIZED,
                "invalid_signature",
                Text::new("Invalid signature", "Tanda tangan tidak valid"),
                Text::new(
                    format!("The message's Standard Webhooks signature does not hold: {why}."),
                    format!("Tanda tangan Standard Webhooks pesan tidak valid: {why}."),
                ),
            ),
            Self::InvalidCredentials => Problem::new(
                S::UNAUTHORIZED,
                "invalid_credentials",
                Text::new("Invalid credentials", "Kredensial tidak valid"),
                Text::new(
                    "The username or password is incorrect.",
                    "Nama pengguna atau kata sandi salah.",
                ),
            ),
            Self::InvalidClient => Problem::new(
                S::UNAUTHORIZED,
                "invalid_client",
                Text::new("Invalid client credentials", "Kredensial klien tidak valid"),
                Text::new(
                    "The client id or client secret is incorrect.",
                    "Client id atau client secret salah.",
                ),
            ),
            Self::Forbidden => Problem::new(
                S::FORBIDDEN,
                "forbidden",
                Text::new("Forbidden", "Tidak diizinkan"),
                Text::new(
                    "Your role or scopes do not allow this action.",
                    "Peran atau cakupan Anda tidak mengizinkan tindakan ini.",
                ),
            ),
            Self::RateLimited { retry_after_secs } => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate_limited",
                Text::new("Too many attempts", "Terlalu banyak percobaan"),
                Text::new(
                    format!("Too many requests or failed attempts; retry after {retry_after_secs} seconds."),
                    format!("Terlalu banyak permintaan atau percobaan gagal; coba lagi setelah {retry_after_secs} detik."),
                ),
            ),
            Self::Conflict { code, detail } => Problem::new(
                S::CONFLICT,
                *code,
                Text::new("Conflict", "Konflik"),
                detail.clone(),
            ),
            Self::Rules(violations) => {
                let mut rules: Vec<&str> = violations.iter().filter_map(|v| v.rule.map(|r| r.as_str())).collect();
                rules.dedup();
                let list = rules.join(", ");
                let mut p = Problem::new(
                    S::UNPROCESSABLE_ENTITY,
                    "rule_violation",
                    Text::new("Rule violation", "Pelanggaran aturan"),
                    Text::new(
                        format!("The request breaks {list}; see errors[] for each violation and its rule."),
                        format!("Permintaan melanggar {list}; lihat errors[] untuk tiap pelanggaran dan aturannya."),
                    ),
                );
                p.rule = violations.iter().find_map(|v| v.rule);
                p.errors = violations.iter().map(FieldIssue::from).collect();
                p
            }
            Self::Refused(violations) => refused(violations),
            Self::Internal(_) => Problem::for_status(S::INTERNAL_SERVER_ERROR),
        }
    }
}

/// A refused decision: 403 when the actor may not act, 409 when the record's state does not
/// allow it, else 422 with every reason (each citing its rule where there is one).
fn refused(violations: &[Violation]) -> Problem {
    if violations
        .iter()
        .any(|v| v.refusal == Refusal::NotPermitted)
    {
        return ApiError::Forbidden.problem();
    }
    if let Some(c) = violations.iter().find(|v| v.refusal == Refusal::Conflict) {
        let mut p = Problem::new(
            StatusCode::CONFLICT,
            c.code.clone(),
            Text::new("Conflict", "Konflik"),
            c.text.clone(),
        );
        p.rule = c.rule;
        // Each conflict that points into the input (a locked field) is listed with its pointer.
        p.errors = violations
            .iter()
            .filter(|v| v.refusal == Refusal::Conflict && !v.pointer.is_empty())
            .map(FieldIssue::from)
            .collect();
        return p;
    }
    let mut p = ApiError::Validation(violations.iter().map(FieldIssue::from).collect()).problem();
    p.rule = violations.iter().find_map(|v| v.rule);
    p
}

impl From<Vec<Violation>> for ApiError {
    fn from(v: Vec<Violation>) -> Self {
        ApiError::Refused(v)
    }
}

/// The problem travels to the rendering middleware in the response's extensions, which adds
/// the language, request id and path. The body set here is the English fallback.
#[derive(Clone)]
pub struct ProblemExt(pub Problem);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem().status
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(msg) | Self::Unavailable(msg) = self {
            log::error!("{msg}");
        }
        let problem = self.problem();
        let body = problem.render(Default::default(), "", "");
        let mut builder = HttpResponse::build(problem.status);
        builder.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            Self::MethodNotAllowed { allow } => {
                builder.insert_header((header::ALLOW, allow.as_str()));
            }
            Self::Unauthenticated | Self::InvalidToken => {
                let error = if matches!(self, Self::InvalidToken) {
                    ", error=\"invalid_token\""
                } else {
                    ""
                };
                builder.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!("Bearer realm=\"jalin\"{error}"),
                ));
            }
            Self::RateLimited { retry_after_secs } => {
                builder.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        let mut res = builder.json(body);
        res.extensions_mut().insert(ProblemExt(problem));
        res
    }
}

fn nul_text() -> Text {
    Text::new(
        "must not contain the NUL character (U+0000)",
        "tidak boleh memuat karakter NUL (U+0000)",
    )
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        use jalin_persistence::db::DatabaseErrorKind;
        match e {
            DbError::Pool(_) | DbError::Connect { .. } => ApiError::Unavailable(e.to_string()),
            // A unique key taken by a concurrent request that no service expected (the database
            // is the last judge of uniqueness): a conflict, never a 500, on any path.
            DbError::Query(diesel_error::Error::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                ref info,
            )) => {
                log::warn!("unique violation mapped to 409: {}", info.message());
                ApiError::conflict(
                    "already_exists",
                    "A record with the same unique key was written at the same time or already exists; read it and retry if needed.",
                    "Catatan dengan kunci unik yang sama sudah ada atau ditulis bersamaan; baca catatan itu lalu ulangi bila perlu.",
                )
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<diesel_error::Error> for ApiError {
    fn from(e: diesel_error::Error) -> Self {
        ApiError::from(DbError::from(e))
    }
}

/// diesel is reached only through persistence; its error type is re-exported there.
mod diesel_error {
    pub use jalin_persistence::db::DieselError as Error;
}

impl From<CalendarError> for ApiError {
    fn from(e: CalendarError) -> Self {
        match e {
            CalendarError::OutOfRange { date, covered, .. } => ApiError::CalendarOutOfRange {
                date: date.to_string(),
                covered,
            },
            CalendarError::ToBeforeFrom { .. } => ApiError::invalid_parameter(
                "to",
                "before_from",
                e.to_string(),
                "`to` lebih awal daripada `from`",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jalin_persistence::db::{DatabaseErrorKind, DieselError};

    #[test]
    fn a_unique_violation_on_any_path_is_a_409_conflict() {
        let e = DbError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key value violates unique constraint".to_owned()),
        ));
        let p = ApiError::from(e).problem();
        assert_eq!(
            (p.status, p.code.as_ref()),
            (StatusCode::CONFLICT, "already_exists")
        );
        let other = DbError::Query(DieselError::NotFound);
        assert_eq!(
            ApiError::from(other).problem().status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn nul_bytes_are_400_in_the_url_and_422_in_a_body() {
        let url = ApiError::nul_in_parameter("q", true).problem();
        assert_eq!(
            (url.status, url.code.as_ref()),
            (StatusCode::BAD_REQUEST, "invalid_text")
        );
        let body = ApiError::nul_in_body("/name").problem();
        assert_eq!(body.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body.errors[0].pointer.as_deref(), Some("/name"));
    }
}
