//! Routes that exist only in tests: they exercise the shared HTTP conventions (idempotency,
//! ETag/If-Match, JSON body errors, internal errors) before any real endpoint uses them.

use jalin_domain::RecordKind;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use jalin_api::concurrency::{Etag, IfMatch};
use jalin_api::deprecation::{Deprecated, Deprecations};
use jalin_api::extract::ApiJson;
use jalin_api::idempotency::{self, IdempotencyKey, JsonReply};
use jalin_api::{ApiError, AppState};
use serde::Deserialize;
use serde_json::json;
use validator::Validate;

#[derive(Clone)]
struct Note {
    text: String,
    version: i64,
}

static NOTES: LazyLock<Mutex<HashMap<String, Note>>> = LazyLock::new(Default::default);
/// How many times the create handler really ran, per `marker`.
static EXECUTIONS: LazyLock<Mutex<HashMap<String, u32>>> = LazyLock::new(Default::default);

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/__test/notes", web::post().to(create_note))
        .route("/__test/notes/{id}", web::get().to(get_note))
        .route("/__test/notes/{id}", web::patch().to(patch_note))
        .route("/__test/executions/{marker}", web::get().to(executions))
        .route("/__test/boom", web::get().to(boom))
        .route("/__test/request-id", web::get().to(request_id))
        .route("/__test/deprecated", web::get().to(deprecated))
        .route("/__test/deprecated", web::head().to(deprecated))
        .app_data(web::Data::new(
            Deprecations::default()
                .with_route(actix_web::http::Method::GET, "/__test/deprecated", &RETIRED)
                .expect("a valid deprecation"),
        ));
}

/// The deprecation of the test-only route `/__test/deprecated` (no real operation is
/// deprecated; conventions.rs checks the headers on it).
pub const RETIRED: Deprecated = Deprecated {
    operation_id: "testDeprecated",
    since: "2026-06-01T00:00:00Z",
    sunset: "2027-06-01T00:00:00Z",
    link: "https://jalin.example/changelog#test-deprecated",
};

async fn deprecated() -> HttpResponse {
    HttpResponse::Ok().json(json!({"still": "served"}))
}

#[derive(Deserialize, Validate)]
struct NewNote {
    #[validate(length(min = 1, max = 100))]
    text: String,
    marker: String,
    /// Keeps the request in flight this long (inside its write transaction).
    #[serde(default)]
    delay_ms: u64,
}

async fn create_note(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    body: ApiJson<NewNote>,
) -> Result<HttpResponse, ApiError> {
    let canonical = body.canonical.clone();
    let note = body.value;
    idempotency::run(&state, &req, key, "anonymous", &canonical, move |_conn| {
        std::thread::sleep(Duration::from_millis(note.delay_ms));
        *EXECUTIONS
            .lock()
            .map_err(|_| ApiError::internal("lock"))?
            .entry(note.marker.clone())
            .or_default() += 1;
        let id = uuid::Uuid::now_v7().to_string();
        NOTES
            .lock()
            .map_err(|_| ApiError::internal("lock"))?
            .insert(
                id.clone(),
                Note {
                    text: note.text.clone(),
                    version: 1,
                },
            );
        Ok(JsonReply::new(
            StatusCode::CREATED,
            json!({"id": id, "text": note.text, "version": 1}),
        )
        .header("etag", Etag::for_version(&id, 1).as_str())
        .header("location", format!("/__test/notes/{id}")))
    })
    .await
}

fn find(id: &str) -> Result<Note, ApiError> {
    NOTES
        .lock()
        .map_err(|_| ApiError::internal("lock"))?
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(RecordKind::Document, id.to_owned()))
}

async fn get_note(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let note = find(&id)?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", Etag::for_version(&id, note.version).as_str()))
        .json(json!({"id": id, "text": note.text, "version": note.version})))
}

#[derive(Deserialize, Validate)]
struct NotePatch {
    #[validate(length(min = 1, max = 100))]
    text: String,
}

async fn patch_note(
    path: web::Path<String>,
    if_match: IfMatch,
    body: ApiJson<NotePatch>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut notes = NOTES.lock().map_err(|_| ApiError::internal("lock"))?;
    let note = notes
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(RecordKind::Document, id.clone()))?;
    // Check and change under one lock, as a real update does in one `UPDATE … WHERE version`.
    if_match.check(&Etag::for_version(&id, note.version))?;
    note.text = body.value.text;
    note.version += 1;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", Etag::for_version(&id, note.version).as_str()))
        .json(json!({"id": id, "text": note.text, "version": note.version})))
}

async fn executions(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let n = EXECUTIONS
        .lock()
        .map_err(|_| ApiError::internal("lock"))?
        .get(path.as_str())
        .copied()
        .unwrap_or(0);
    Ok(HttpResponse::Ok().json(json!({ "executions": n })))
}

async fn boom() -> Result<HttpResponse, ApiError> {
    Err(ApiError::internal(
        "SECRET-INTERNAL-DETAIL: connection string postgres://user:pw@db",
    ))
}

/// The request id as the logger sees it, on the async worker and on a blocking database thread.
async fn request_id(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let on_worker = jalin_api::context::current_request_id();
    let on_blocking = state
        .db(|_conn| Ok(jalin_api::context::current_request_id()))
        .await?;
    Ok(HttpResponse::Ok().json(json!({"worker": on_worker, "blocking": on_blocking})))
}
