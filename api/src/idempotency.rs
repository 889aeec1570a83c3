//! `Idempotency-Key` for POST: a retry with the same key and body gets the stored response;
//! the same key with another body is a 422; while the first is still running, a 409.
//!
//! The stored response is written in the same transaction as the request's effects, so a key
//! is never marked done for work that was rolled back, nor left undone for work that committed.

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::Utc;
use jalin_persistence::idempotency::{self as store, Claim, Lifetimes, StoredResponse};
use jalin_persistence::DbConnection;
use sha2::{Digest, Sha256};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::Required;

use crate::error::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
/// Set on a response that is a replay of a stored one.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The `Idempotency-Key` header: 1–255 visible ASCII characters, if sent.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

/// In the contract: an optional header of that pattern, "Makes a retry safe." (an operation whose
/// key says more declares its own).
impl utoipa::IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .pattern(Some("^[!-~]{1,255}$"));
        vec![ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some("Makes a retry safe."))
            .schema(Some(schema))
            .build()]
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.headers().get(HEADER) {
            None => Ok(IdempotencyKey(None)),
            Some(v) => match v.to_str() {
                Ok(s)
                    if !s.is_empty()
                        && s.len() <= 255
                        && s.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(IdempotencyKey(Some(s.to_owned())))
                }
                _ => Err(ApiError::InvalidIdempotencyKey),
            },
        };
        std::future::ready(result)
    }
}

/// A JSON response built inside a transaction, storable for replay.
#[derive(Debug, Clone)]
pub struct JsonReply {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
    /// Top-level body fields sent once and never stored (a service account's secret): a replay
    /// returns them as `null`.
    pub secret_fields: Vec<&'static str>,
}

impl JsonReply {
    pub fn new(status: StatusCode, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
            secret_fields: Vec::new(),
        }
    }

    pub fn secret_field(mut self, name: &'static str) -> Self {
        self.secret_fields.push(name);
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn into_response(self) -> HttpResponse {
        let mut b = HttpResponse::build(self.status);
        for (k, v) in &self.headers {
            b.insert_header((k.as_str(), v.as_str()));
        }
        b.insert_header((header::CONTENT_TYPE, "application/json"))
            .body(self.body.to_string())
    }

    fn stored(&self) -> StoredResponse {
        let mut body = self.body.clone();
        for f in &self.secret_fields {
            if let Some(v) = body.get_mut(*f) {
                *v = serde_json::Value::Null;
            }
        }
        StoredResponse {
            status: self.status.as_u16(),
            headers_json: serde_json::to_string(&self.headers).unwrap_or_else(|_| "[]".into()),
            body: body.to_string(),
        }
    }

    fn from_stored(s: StoredResponse) -> Result<Self, ApiError> {
        let headers: Vec<(String, String)> = serde_json::from_str(&s.headers_json)
            .map_err(|e| ApiError::internal(format!("stored idempotent headers: {e}")))?;
        let body = serde_json::from_str(&s.body)
            .map_err(|e| ApiError::internal(format!("stored idempotent body: {e}")))?;
        let status = StatusCode::from_u16(s.status)
            .map_err(|e| ApiError::internal(format!("stored idempotent status: {e}")))?;
        Ok(Self {
            status,
            headers,
            body,
            secret_fields: Vec::new(),
        })
    }
}

/// How long an unfinished claim blocks retries before it counts as abandoned. Effects and
/// completion commit together, so an abandoned claim left no effects.
const STALE_AFTER_SECONDS: i64 = 120;

/// Runs the write `f` once per key. `scope` separates callers (the principal); `canonical_body`
/// is the request body as canonical JSON. Without a key, `f` simply runs.
pub async fn run<F>(
    state: &AppState,
    req: &HttpRequest,
    key: IdempotencyKey,
    scope: &str,
    canonical_body: &str,
    f: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<JsonReply, ApiError> + Send + 'static,
{
    let Some(key) = key.0 else {
        return state.write(f).await.map(JsonReply::into_response);
    };
    let fingerprint = {
        let mut h = Sha256::new();
        h.update(req.method().as_str().as_bytes());
        h.update(b"\n");
        h.update(req.uri().to_string().as_bytes());
        h.update(b"\n");
        h.update(canonical_body.as_bytes());
        h.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let life = Lifetimes {
        ttl: chrono::Duration::hours(i64::from(state.config.idempotency_ttl_hours)),
        stale_after: chrono::Duration::seconds(STALE_AFTER_SECONDS),
    };
    let scope = scope.to_owned();
    let claim = {
        let (scope, key) = (scope.clone(), key.clone());
        state
            .db(move |c| {
                Ok(store::claim(
                    c,
                    &scope,
                    &key,
                    &fingerprint,
                    Utc::now().naive_utc(),
                    life,
                )?)
            })
            .await?
    };
    match claim {
        Claim::Replay(stored) => {
            let mut res = JsonReply::from_stored(stored)?.into_response();
            res.headers_mut().insert(
                header::HeaderName::from_static(REPLAYED_HEADER),
                header::HeaderValue::from_static("true"),
            );
            Ok(res)
        }
        Claim::InFlight => Err(ApiError::IdempotencyInFlight),
        Claim::Mismatch => Err(ApiError::IdempotencyKeyReused),
        Claim::Fresh => {
            let (s, k) = (scope.clone(), key.clone());
            let result = state
                .write(move |conn| {
                    let reply = f(conn)?;
                    store::complete(conn, &s, &k, &reply.stored())?;
                    Ok(reply)
                })
                .await;
            match result {
                Ok(reply) => Ok(reply.into_response()),
                Err(e) => {
                    // Nothing was committed: give the key back so a corrected retry can run.
                    let released = state
                        .db(move |c| Ok(store::release(c, &scope, &key)?))
                        .await;
                    if let Err(r) = released {
                        log::warn!("could not release idempotency key: {r}");
                    }
                    Err(e)
                }
            }
        }
    }
}
