//! Documents of an agreement: uploaded as multipart, checked by content (not by the name or
//! the declared type), hashed, stored under a server-generated key, streamed back with a safe
//! `Content-Disposition`.

use jalin_domain::{AuditAction};
use jalin_domain::RecordKind;
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use jalin_domain::access::Action;
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::documents::{self, Document};
use jalin_persistence::registry;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::accounts::changes;
use crate::auth::Authenticated;
use crate::context::RequestId;
use crate::error::ApiError;
use crate::openapi::responses::BadRequest;
use crate::problem::{FieldIssue, Text};
use crate::state::AppState;

pub const ROLES: &[&str] = &[
    "draft_text",
    "signed_text",
    "letter",
    "evidence",
    "report",
    "other",
];

#[derive(Serialize, ToSchema)]
#[schema(as = Document, example = json!({
    "id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00", "agreement_id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a01",
    "name": "MoU Jateng-Queensland 2019 (signed).pdf", "media_type": "application/pdf", "size_bytes": 482113,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "role": "signed_text",
    "language": "id", "uploaded_by": "siti.rahayu", "uploaded_at": "2026-11-24T07:00:00Z"
}))]
pub struct DocumentDto {
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

impl From<&Document> for DocumentDto {
    fn from(d: &Document) -> Self {
        Self {
            id: d.id.clone(),
            agreement_id: d.agreement_id.clone(),
            name: d.name.clone(),
            media_type: d.media_type.clone(),
            size_bytes: d.size_bytes,
            sha256: d.sha256.clone(),
            role: d.role.clone(),
            language: d.language.clone(),
            uploaded_by: d.uploaded_by.clone(),
            uploaded_at: d.uploaded_at.and_utc(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentDto>,
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
    /// ISO 639-1 language of the text.
    #[schema(example = "id", pattern = "^[a-z]{2}$")]
    language: Option<String>,
}

/// What the bytes are, whatever the name says.
fn sniff(bytes: &[u8], name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"PK\x03\x04") {
        // ODF stores its media type uncompressed as the first entry (ODF 1.2 §3.3).
        if bytes.len() > 38 + 39
            && &bytes[30..38] == b"mimetype"
            && bytes[38..].starts_with(b"application/vnd.oasis.opendocument.text")
        {
            Some("application/vnd.oasis.opendocument.text")
        } else if lower.ends_with(".docx") && bytes.windows(19).any(|w| w == b"[Content_Types].xml")
        {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        } else {
            None
        }
    } else {
        None
    }
}

/// A file name safe to show and to send back: no path, no control characters, bounded.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "document".into()
    } else {
        cleaned
    }
}

fn invalid(pointer: &str, code: &str, en: String, id: String) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(pointer, code, Text::new(en, id))])
}

/// A short text part (a role, a kind, a language): longer than 200 bytes is invalid (422).
async fn text_field(name: &str, field: &mut actix_multipart::Field) -> Result<String, ApiError> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| ApiError::MalformedMultipart(e.to_string()))?;
        if buf.len() + chunk.len() > 200 {
            return Err(invalid(
                &format!("/{name}"),
                "too_long",
                "at most 200 bytes".into(),
                "paling banyak 200 byte".into(),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf.to_vec())
        .map_err(|_| ApiError::MalformedMultipart("a form field is not UTF-8".into()))
}

/// A received file: checked by its content, hashed, with the form's text fields.
pub struct Upload {
    pub file: Bytes,
    pub name: String,
    pub media_type: &'static str,
    pub sha256: String,
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Reads a multipart upload: one `file` part (at most `limit` bytes; PDF, DOCX, ODT, JPEG or
/// PNG by content) and the text parts named in `fields`; other parts are skipped.
pub async fn receive(
    req: &actix_web::HttpRequest,
    payload: Option<Multipart>,
    limit: usize,
    fields: &[&str],
) -> Result<Upload, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("multipart/form-data") {
        return Err(ApiError::UnsupportedMediaType {
            found: Some(content_type).filter(|c| !c.is_empty()),
        });
    }
    let mut payload =
        payload.ok_or_else(|| ApiError::MalformedMultipart("no multipart body".into()))?;
    let (mut file, mut name) = (None::<Bytes>, String::new());
    let mut texts = std::collections::BTreeMap::new();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| ApiError::MalformedMultipart(e.to_string()))?;
        let field_name = field.name().unwrap_or("").to_owned();
        if field_name == "file" {
            name = clean_name(
                field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .unwrap_or("document"),
            );
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
            file = Some(buf.freeze());
        } else if fields.contains(&field_name.as_str()) {
            let value = text_field(&field_name, &mut field).await?;
            texts.insert(field_name, value);
        } else {
            while field.next().await.is_some() {}
        }
    }
    let file = file.ok_or_else(|| {
        invalid(
            "/file",
            "required",
            "the form needs a `file` part".into(),
            "formulir memerlukan bagian `file`".into(),
        )
    })?;
    if file.is_empty() {
        return Err(invalid(
            "/file",
            "empty",
            "the file is empty".into(),
            "berkas kosong".into(),
        ));
    }
    let media_type = sniff(&file, &name).ok_or(ApiError::UnsupportedMediaType {
        found: Some("not a PDF, DOCX, ODT, JPEG or PNG file".into()),
    })?;
    let sha256: String = Sha256::digest(&file)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Upload {
        file,
        name,
        media_type,
        sha256,
        fields: texts,
    })
}

/// Upload a document to an agreement (multipart: `file`, `role`, `language`).
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/documents",
    operation_id = "uploadDocument",
    tag = "documents",
    params(("id" = String, Path, description = "Agreement id.")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored.", body = DocumentDto, headers(("Location" = String))),
        (status = 413, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn upload(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    auth: Authenticated,
    rid: RequestId,
    path: web::Path<String>,
    payload: Option<Multipart>,
) -> Result<HttpResponse, ApiError> {
    let scope = auth.may(Action::WriteAgreements)?;
    let agreement_id = path.into_inner();
    let lookup = (agreement_id.clone(), scope.clone());
    state
        .db(move |c| {
            registry::find_agreement(c, &lookup.0, &lookup.1)?.ok_or(ApiError::not_found(RecordKind::Agreement, lookup.0.clone()))
        })
        .await?;
    let mut upload = receive(
        &req,
        payload,
        state.config.document_max_bytes,
        &["role", "language"],
    )
    .await?;
    let file = upload.file.clone();
    let name = upload.name.clone();
    let role = upload.fields.remove("role");
    let language = upload.fields.remove("language").filter(|l| !l.is_empty());
    let role = role.ok_or_else(|| {
        invalid(
            "/role",
            "required",
            format!("one of {}", ROLES.join(", ")),
            format!("salah satu dari {}", ROLES.join(", ")),
        )
    })?;
    if !ROLES.contains(&role.as_str()) {
        return Err(invalid(
            "/role",
            "invalid_value",
            format!("one of {}", ROLES.join(", ")),
            format!("salah satu dari {}", ROLES.join(", ")),
        ));
    }
    if let Some(l) = &language {
        if l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(invalid(
                "/language",
                "invalid_format",
                "an ISO 639-1 code such as id or en".into(),
                "kode ISO 639-1 seperti id atau en".into(),
            ));
        }
    }
    let (media_type, sha256) = (upload.media_type, upload.sha256);
    let id = uuid::Uuid::now_v7().to_string();
    let key = format!("documents/{agreement_id}/{id}");
    let size = file.len() as i64;
    state.storage.put_new(&key, file).await?;
    let doc = Document {
        id,
        agreement_id: agreement_id.clone(),
        name,
        media_type: media_type.into(),
        size_bytes: size,
        sha256,
        role,
        language,
        storage_key: key.clone(),
        uploaded_by: auth.0.name.clone(),
        uploaded_at: Utc::now().naive_utc(),
    };
    let actor = auth.actor();
    let saved = doc.clone();
    let result = state
        .write(move |c| {
            // Still visible and present: the agreement may have changed meanwhile.
            let a = registry::find_agreement(c, &saved.agreement_id, &scope)?.ok_or(ApiError::not_found(RecordKind::Agreement, saved.agreement_id.clone()))?;
            documents::insert(c, &saved)?;
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::DocumentUploaded,
                    record_type: RecordKind::Agreement,
                    record_id: &a.id,
                    region_code: Some(a.region.as_str()),
                    request_id: Some(&rid.0),
                    changes: changes(
                        &json!({}),
                        &json!({"document": {"id": saved.id, "name": saved.name, "sha256": saved.sha256, "size_bytes": saved.size_bytes, "role": saved.role}}),
                    ),
                },
            )?;
            Ok(())
        })
        .await;
    if let Err(e) = result {
        state.storage.delete(&key).await;
        return Err(e);
    }
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((header::LOCATION, format!("/v1/documents/{}", doc.id)))
        .json(DocumentDto::from(&doc)))
}

/// The documents of an agreement, oldest first.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/documents",
    operation_id = "listDocuments",
    tag = "documents",
    params(("id" = String, Path, description = "Agreement id.")),
    responses(
        (status = 200, description = "The documents.", body = DocumentList),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let docs = state
        .db(move |c| {
            registry::find_agreement(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
            Ok(documents::for_agreement(c, &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DocumentList {
        items: docs.iter().map(DocumentDto::from).collect(),
    }))
}

async fn visible(state: &AppState, auth: &Authenticated, id: String) -> Result<Document, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    state
        .db(move |c| {
            let not_found = || ApiError::not_found(RecordKind::Document, id.clone());
            let d = documents::find(c, &id)?.ok_or_else(not_found)?;
            registry::find_agreement(c, &d.agreement_id, &vis)?.ok_or_else(not_found)?;
            Ok(d)
        })
        .await
}

/// A document's metadata.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}",
    operation_id = "getDocument",
    tag = "documents",
    params(("id" = String, Path, description = "Document id.")),
    responses(
        (status = 200, description = "The document's metadata.", body = DocumentDto),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let d = visible(&state, &auth, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(DocumentDto::from(&d)))
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
fn disposition(name: &str) -> String {
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

/// Download a document's content.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}/content",
    operation_id = "getDocumentContent",
    tag = "documents",
    params(("id" = String, Path, description = "Document id.")),
    responses(
        (status = 200, description = "The file, with its media type, length and a safe Content-Disposition.",
         content(
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.oasis.opendocument.text"),
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
         ),
         headers(("Content-Disposition" = String), ("X-Content-SHA256" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn content(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let d = visible(&state, &auth, path.into_inner()).await?;
    let stream = state.storage.stream(&d.storage_key).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, d.media_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, disposition(&d.name)))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("x-content-sha256", d.sha256.clone()))
        .no_chunking(d.size_bytes as u64)
        .streaming(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_paths_and_control_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\MoU.pdf"), "MoU.pdf");
        assert_eq!(clean_name("a\u{0}b\nc.pdf"), "abc.pdf");
        assert_eq!(clean_name("..."), "document");
    }

    #[test]
    fn content_decides_the_type_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7 ...", "x.png"), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\x00", "evil.pdf"), None);
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0], "photo"),
            Some("image/jpeg")
        );
    }

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
