//! Documents of an agreement: uploaded as multipart, checked by content (not by the name or
//! the declared type), hashed, stored under a server-generated key, streamed back with a safe
//! `Content-Disposition`.

use std::collections::BTreeMap;

use actix_multipart::{Field, Multipart};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use jalin_domain::access::Action;
use jalin_domain::document::clean_name;
use jalin_persistence::documents::Document;
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::openapi::responses::BadRequest;
use crate::pagination::WholePaging;
use crate::routes::ids::{AgreementId, DocumentId};
use crate::service::documents::{self, DocumentInput, Upload};
use crate::state::AppState;

crate::mirror! {
    #[derive(Serialize, ToSchema)]
    #[schema(as = Document, example = json!({
        "id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00", "agreement_id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a01",
        "name": "MoU Jateng-Queensland 2019 (signed).pdf", "media_type": "application/pdf", "size_bytes": 482113,
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "role": "signed_text",
        "language": "id", "uploaded_by": "siti.rahayu", "uploaded_at": "2026-11-24T07:00:00Z"
    }))]
    pub struct DocumentDto from Document {
        pub id: String,
        pub agreement_id: String,
        /// The uploaded file's name (metadata only: the file is stored under a generated key).
        pub name: String,
        /// Detected from the content: pdf, docx, odt, jpeg or png.
        pub media_type: String,
        pub size_bytes: i64,
        /// Hex SHA-256 of the content.
        pub sha256: String,
        /// draft_text, signed_text, letter, evidence, report or other.
        pub role: String,
        /// ISO 639-1 language of the text, if any.
        pub language: Option<String>,
        pub uploaded_by: String,
        pub uploaded_at: DateTime<Utc>,
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, DOCX, ODT, JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// draft_text, signed_text, letter, evidence, report or other.
    #[schema(
        example = "signed_text",
        pattern = "^(draft_text|signed_text|letter|evidence|report|other)$"
    )]
    role: String,
    /// ISO 639-1 language of the text; empty (as a form sends an unset field) means none.
    #[schema(example = "id", pattern = "^([a-z]{2})?$")]
    language: Option<String>,
}

/// A body of media type `expected` (with any parameters), else 415.
pub fn require_media_type(req: &HttpRequest, expected: &str) -> Result<(), ApiError> {
    let found = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    match found.starts_with(expected) {
        true => Ok(()),
        false => Err(ApiError::UnsupportedMediaType {
            found: Some(found).filter(|c| !c.is_empty()),
        }),
    }
}

/// A short text part (a role, a kind, a language): longer than 200 bytes is invalid (422).
async fn text_field(name: &str, field: &mut Field) -> Result<String, ApiError> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| ApiError::MalformedMultipart(e.to_string()))?;
        if buf.len() + chunk.len() > 200 {
            return Err(ApiError::invalid(
                &format!("/{name}"),
                "too_long",
                "at most 200 bytes",
                "paling banyak 200 byte",
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(buf.to_vec())
        .map_err(|_| ApiError::MalformedMultipart("a form field is not UTF-8".into()))?;
    match text.contains('\0') {
        true => Err(ApiError::nul_in_body(&format!("/{name}"))),
        false => Ok(text),
    }
}

/// The `file` part's content: at most `limit` bytes (413).
async fn file_field(field: &mut Field, limit: usize) -> Result<Bytes, ApiError> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field
        .try_next()
        .await
        .map_err(|e| ApiError::MalformedMultipart(e.to_string()))?
    {
        if buf.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Reads a multipart upload: one `file` part (at most `limit` bytes; PDF, DOCX, ODT, JPEG or
/// PNG by content) and the text parts named in `fields`; other parts are skipped.
pub async fn receive(
    req: &HttpRequest,
    payload: Option<Multipart>,
    limit: usize,
    fields: &[&str],
) -> Result<Upload, ApiError> {
    require_media_type(req, "multipart/form-data")?;
    let mut payload =
        payload.ok_or_else(|| ApiError::MalformedMultipart("no multipart body".into()))?;
    let (mut file, mut name, mut texts) = (None, String::new(), BTreeMap::new());
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| ApiError::MalformedMultipart(e.to_string()))?;
        let field_name = field.name().unwrap_or("").to_owned();
        if field_name == "file" {
            let raw = field.content_disposition().and_then(|cd| cd.get_filename());
            if raw.is_some_and(|n| n.contains('\0')) {
                return Err(ApiError::nul_in_body("/file"));
            }
            name = clean_name(raw.unwrap_or("document"));
            file = Some(file_field(&mut field, limit).await?);
        } else if fields.contains(&field_name.as_str()) {
            let value = text_field(&field_name, &mut field).await?;
            texts.insert(field_name, value);
        } else {
            while field.next().await.is_some() {}
        }
    }
    Upload::checked(file, name, texts)
}

/// Upload a document to an agreement (multipart: `file`, `role`, `language`).
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/documents",
    operation_id = "uploadDocument",
    tag = "documents",
    params(AgreementId),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored.", body = DocumentDto, headers(("Location" = String))),
        (status = 413, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn upload(
    req: HttpRequest,
    caller: Caller,
    id: AgreementId,
    payload: Option<Multipart>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::WriteAgreements)?;
    let (id, ctx) = (id.0, caller.ctx.clone());
    // An agreement the caller cannot see is a 404 before its body is read.
    let (lookup, visible) = (id.clone(), scope.clone());
    caller
        .db(move |c| crate::service::agreements::find(c, &visible, &lookup))
        .await?;
    let limit = caller.state.config.document_max_bytes;
    let upload = receive(&req, payload, limit, &["role", "language"]).await?;
    let input = DocumentInput::of(&upload)?;
    let folder = format!("documents/{id}");
    let d = documents::store(&caller.state, &folder, &upload, move |c, file| {
        documents::attach(c, &ctx, &scope, &id, input, file)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/documents/{}", d.id)))
        .json(DocumentDto::from(&d)))
}

/// The documents of an agreement, oldest first.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/documents",
    operation_id = "listDocuments",
    tag = "documents",
    params(AgreementId, WholePaging),
    responses(
        (status = 200, description = "The documents.", body = DocumentList),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    caller: Caller,
    id: AgreementId,
    paging: WholePaging,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::ReadAgreements)?;
    let docs = caller.db(move |c| documents::list(c, &scope, &id)).await?;
    let (docs, next_cursor) = paging.slice("documents", docs)?;
    Ok(HttpResponse::Ok().json(DocumentList {
        items: docs.iter().map(DocumentDto::from).collect(),
        next_cursor,
    }))
}

/// A document whose agreement the caller sees.
async fn visible(caller: &Caller, id: DocumentId) -> Result<Document, ApiError> {
    let scope = caller.may(Action::ReadAgreements)?;
    caller.db(move |c| documents::get(c, &scope, &id)).await
}

/// A document's metadata.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}",
    operation_id = "getDocument",
    tag = "documents",
    params(DocumentId),
    responses(
        (status = 200, description = "The document's metadata.", body = DocumentDto),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(caller: Caller, id: DocumentId) -> Result<HttpResponse, ApiError> {
    let d = visible(&caller, id).await?;
    Ok(HttpResponse::Ok().json(DocumentDto::from(&d)))
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
pub(crate) fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A stored file to send back, of whichever family (an agreement's, a travel request's, a
/// meeting's document).
pub struct StoredFileRef<'a> {
    pub storage_key: &'a str,
    /// The uploaded name (metadata only).
    pub name: &'a str,
    /// Detected from the content when it was received.
    pub media_type: &'a str,
    /// Hex SHA-256 of the content.
    pub sha256: &'a str,
    pub size_bytes: i64,
}

/// Sends a stored file: its media type, its length, a safe `Content-Disposition`, its SHA-256
/// (`X-Content-SHA256`, and as a strong `ETag`: stored content never changes) and `nosniff`.
/// Every document download answers this way; the caller has checked the visibility.
pub async fn send_file(state: &AppState, f: StoredFileRef<'_>) -> Result<HttpResponse, ApiError> {
    let stream = state.storage.stream(f.storage_key).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, f.media_type.to_owned()))
        .insert_header((header::CONTENT_DISPOSITION, disposition(f.name)))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("x-content-sha256", f.sha256.to_owned()))
        .insert_header((header::ETAG, format!("\"{}\"", f.sha256)))
        .no_chunking(f.size_bytes as u64)
        .streaming(stream))
}

/// Download a document's content.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}/content",
    operation_id = "getDocumentContent",
    tag = "documents",
    params(DocumentId),
    responses(
        (status = 200, description = "The file, with its media type, length and a safe Content-Disposition.",
         content(
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.oasis.opendocument.text"),
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
         ),
         headers(("Content-Disposition" = String), ("X-Content-SHA256" = String),
                 ("ETag" = String, description = "The content's SHA-256, quoted."))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn content(caller: Caller, id: DocumentId) -> Result<HttpResponse, ApiError> {
    let d = visible(&caller, id).await?;
    send_file(
        &caller.state,
        StoredFileRef {
            storage_key: &d.storage_key,
            name: &d.name,
            media_type: &d.media_type,
            sha256: &d.sha256,
            size_bytes: d.size_bytes,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_are_quoted_and_encoded() {
        let d = disposition("MoU \"final\" Jateng–Qld.pdf");
        assert!(
            d.starts_with("attachment; filename=\"MoU _final_ Jateng_Qld.pdf\""),
            "{d}"
        );
        assert!(
            d.contains("filename*=UTF-8''MoU%20%22final%22%20Jateng%E2%80%93Qld.pdf"),
            "{d}"
        );
    }
}

super::operations! {
    list,
    upload,
    get,
    content,
}
