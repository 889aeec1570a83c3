//! Documents: a received file is stored under a generated key together with its row and audit
//! event, or not at all ([`store`], shared by every family that keeps files); an agreement's
//! documents are read within the caller's visibility.

use std::collections::BTreeMap;

use bytes::Bytes;
use jalin_domain::access::Visibility;
use jalin_domain::document::{check_upload, sniff, DocumentRole};
use jalin_domain::{AuditAction, RecordKind};
use jalin_persistence::documents::{self, Document};
use jalin_persistence::registry::{self};
use jalin_persistence::DbConnection;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{agreements, changes, Ctx};
use crate::error::ApiError;
use crate::reply::OrNotFound;
use crate::state::AppState;

/// A received file, checked by its content and hashed, with the form's text fields.
pub struct Upload {
    pub file: Bytes,
    /// Safe to show (`jalin_domain::document::clean_name`).
    pub name: String,
    /// PDF, DOCX, ODT, JPEG or PNG, by content.
    pub media_type: &'static str,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub fields: BTreeMap<String, String>,
}

impl Upload {
    /// A received `file` part: present, not empty (422), of an accepted type by its content (415).
    pub fn checked(
        file: Option<Bytes>,
        name: String,
        fields: BTreeMap<String, String>,
    ) -> Result<Upload, ApiError> {
        let file = file.ok_or_else(|| {
            ApiError::invalid(
                "/file",
                "required",
                "the form needs a `file` part",
                "formulir memerlukan bagian `file`",
            )
        })?;
        if file.is_empty() {
            return Err(ApiError::invalid(
                "/file",
                "empty",
                "the file is empty",
                "berkas kosong",
            ));
        }
        let media_type = sniff(&file, &name).ok_or(ApiError::UnsupportedMediaType {
            found: Some("not a PDF, DOCX, ODT, JPEG or PNG file".into()),
        })?;
        let sha256 = Sha256::digest(&file)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Upload {
            file,
            name,
            media_type,
            sha256,
            fields,
        })
    }

    /// A text field of the form, if sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// A file in storage, to be recorded: its generated id and key, and what it is.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub id: String,
    pub storage_key: String,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Stores `upload` under `{folder}/{new id}`, then records it with `record` (insert its row,
/// append its audit event) in one write transaction. When recording fails the stored file is
/// deleted again, so no file outlives its row. Every family's documents come in this way: an
/// agreement's (`documents/{agreement id}`), a travel request's, a meeting's.
pub async fn store<T: Send + 'static>(
    state: &AppState,
    folder: &str,
    upload: &Upload,
    record: impl FnOnce(&mut DbConnection, StoredFile) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let id = uuid::Uuid::now_v7().to_string();
    let key = format!("{folder}/{id}");
    state.storage.put_new(&key, upload.file.clone()).await?;
    let file = StoredFile {
        id,
        storage_key: key.clone(),
        name: upload.name.clone(),
        media_type: upload.media_type.into(),
        size_bytes: upload.file.len() as i64,
        sha256: upload.sha256.clone(),
    };
    let result = state.write(move |c| record(c, file)).await;
    if result.is_err() {
        state.storage.delete(&key).await;
    }
    result
}

/// The form of an agreement document, checked.
#[derive(Debug, Clone)]
pub struct DocumentInput {
    pub role: DocumentRole,
    /// ISO 639-1.
    pub language: Option<String>,
}

impl DocumentInput {
    /// The `role` and `language` fields of an upload.
    pub fn of(upload: &Upload) -> Result<Self, ApiError> {
        let (role, language) = check_upload(upload.field("role"), upload.field("language"))?;
        Ok(Self { role, language })
    }
}

/// Records a stored file as a document of an agreement the caller still sees (it may have
/// changed while the file was being received).
pub fn attach(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    agreement_id: &str,
    input: DocumentInput,
    file: StoredFile,
) -> Result<Document, ApiError> {
    let a = agreements::find(c, scope, agreement_id)?;
    if input.role == DocumentRole::SignedText {
        // R16: a signed agreement's signed texts are recorded once per signed language.
        let already: Vec<String> = documents::for_agreement(c, &a.id)?
            .into_iter()
            .filter(|d| d.role == DocumentRole::SignedText)
            .filter_map(|d| d.language)
            .collect();
        jalin_domain::agreement::check_signed_text(
            a.status,
            &a.languages,
            input.language.as_deref(),
            &already,
        )?;
    }
    let d = Document {
        id: file.id,
        agreement_id: a.id.clone(),
        name: file.name,
        media_type: file.media_type,
        size_bytes: file.size_bytes,
        sha256: file.sha256,
        role: input.role,
        language: input.language,
        storage_key: file.storage_key,
        uploaded_by: ctx.actor.name.clone(),
        uploaded_at: ctx.now(),
    };
    documents::insert(c, &d)?;
    let after = json!({"document": {"id": d.id, "name": d.name, "sha256": d.sha256,
        "size_bytes": d.size_bytes, "role": d.role.as_str()}});
    ctx.audit_change(
        c,
        AuditAction::DocumentUploaded,
        &a,
        changes(&json!({}), &after),
    )?;
    Ok(d)
}

/// The documents of an agreement the caller sees, oldest first.
pub fn list(
    c: &mut DbConnection,
    scope: &Visibility,
    agreement_id: &str,
) -> Result<Vec<Document>, ApiError> {
    agreements::find(c, scope, agreement_id)?;
    Ok(documents::for_agreement(c, agreement_id)?)
}

/// A document whose agreement the caller sees, else 404.
pub fn get(c: &mut DbConnection, scope: &Visibility, id: &str) -> Result<Document, ApiError> {
    let d = documents::find(c, id)?.or_not_found(RecordKind::Document, id)?;
    registry::find_agreement(c, &d.agreement_id, scope)?.or_not_found(RecordKind::Document, id)?;
    Ok(d)
}
