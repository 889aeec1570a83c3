//! Per-request context: the request id (echoed or generated, on every response and every log
//! line), the response language, the access log, and the rendering of every error response as
//! `application/problem+json` — including errors that did not come from a handler.

use std::cell::RefCell;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse};

use crate::error::ProblemExt;
use crate::problem::{Lang, Problem};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static TASK_REQUEST_ID: String;
}

thread_local! {
    static THREAD_REQUEST_ID: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The id of the request being served on this task or blocking thread, if any.
pub fn current_request_id() -> Option<String> {
    TASK_REQUEST_ID
        .try_with(|id| id.clone())
        .ok()
        .or_else(|| THREAD_REQUEST_ID.with(|id| id.borrow().clone()))
}

/// Runs blocking work (on a `web::block` thread) with the request id its logs should carry.
pub fn with_request_id<T>(id: Option<String>, f: impl FnOnce() -> T) -> T {
    let previous = THREAD_REQUEST_ID.with(|slot| slot.replace(id));
    let out = f();
    THREAD_REQUEST_ID.with(|slot| *slot.borrow_mut() = previous);
    out
}

/// The request id, as a handler argument.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl FromRequest for RequestId {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(String::new()));
        std::future::ready(Ok(id))
    }
}

/// The response language, as a handler argument.
pub struct RequestLang(pub Lang);

impl FromRequest for RequestLang {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(RequestLang(lang_of(req.headers()))))
    }
}

fn lang_of(headers: &header::HeaderMap) -> Lang {
    crate::problem::lang_from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// A client's id is echoed when it is short and printable (it ends up in logs); otherwise a
/// new UUIDv7 is issued.
fn incoming_request_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b));
    ok.then(|| v.to_owned())
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = incoming_request_id(&req).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let lang = lang_of(req.headers());
    let method = req.method().clone();
    let path = req.path().to_owned();
    // The route's template (`/v1/agreements/{id}`), never the raw path: metrics and the access
    // log's `route` stay one series per route.
    let route = crate::metrics::route_label(req.request().match_pattern().as_deref());
    let started = Instant::now();

    TASK_REQUEST_ID
        .scope(id.clone(), async move {
            let res = match next.call(req).await {
                Ok(res) => res.map_into_boxed_body(),
                Err(err) => {
                    // An error from a middleware, not a handler: it has no request to attach
                    // to, so it travels on as an error that renders to our problem response.
                    let mut rendered = problem_response(err.error_response(), lang, &id, &path);
                    add_request_id(rendered.headers_mut(), &id);
                    let status = rendered.status().as_u16();
                    access(&method, &path, &route, status, started, None);
                    return Err(actix_web::error::InternalError::from_response(
                        err.to_string(),
                        rendered,
                    )
                    .into());
                }
            };
            let mut res = if res.status().is_client_error() || res.status().is_server_error() {
                let (req, old) = res.into_parts();
                ServiceResponse::new(req, problem_response(old, lang, &id, &path))
            } else {
                res
            };
            add_request_id(res.headers_mut(), &id);
            if res.status() == actix_web::http::StatusCode::REQUEST_TIMEOUT {
                // A client too slow to send its body: the connection goes with the answer.
                (res.response_mut().head_mut())
                    .set_connection_type(actix_web::http::ConnectionType::Close);
            }
            let status = res.status().as_u16();
            let actor =
                (res.request().extensions().get::<crate::logging::ActorId>()).map(|a| a.0.clone());
            access(&method, &path, &route, status, started, actor.as_deref());
            Ok(res)
        })
        .await
}

/// The access log's record of a request (structured fields for JSON logs) and its metrics.
fn access(
    method: &actix_web::http::Method,
    path: &str,
    route: &str,
    status: u16,
    started: Instant,
    actor: Option<&str>,
) {
    let elapsed = started.elapsed();
    crate::metrics::observe_request(method.as_str(), route, status, elapsed);
    let ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
    let method = method.as_str();
    match actor {
        Some(actor_id) => log::info!(target: crate::logging::ACCESS,
            method, route, path, status, latency_ms = ms, actor_id;
            "{method} {path} {status} {ms:.1}ms actor={actor_id}"),
        None => log::info!(target: crate::logging::ACCESS,
            method, route, path, status, latency_ms = ms;
            "{method} {path} {status} {ms:.1}ms"),
    }
}

fn add_request_id(headers: &mut header::HeaderMap, id: &str) {
    if let Ok(v) = HeaderValue::from_str(id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
}

/// Replaces an error response's body with the problem in the request's language, keeping its
/// headers (Allow, Retry-After, CORS…).
fn problem_response(old: HttpResponse, lang: Lang, request_id: &str, path: &str) -> HttpResponse {
    let status = old.status();
    let problem = old
        .extensions()
        .get::<ProblemExt>()
        .map(|p| p.0.clone())
        .unwrap_or_else(|| Problem::for_status(status));
    let body = problem.render(lang, request_id, path);
    let mut builder = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    builder
        .insert_header((header::CONTENT_TYPE, "application/problem+json"))
        .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
        .json(body)
}

/// Log lines carry the request id of the request they belong to; `JALIN_LOG_FORMAT` chooses
/// text or JSON lines (logging.rs).
pub fn init_logging() {
    crate::logging::init(crate::logging::LogFormat::from_env());
}
