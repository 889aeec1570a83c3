//! Official letters as DOCX (issue #20 item 3): written from an agreement's or a travel
//! request's records on the region's letterhead from a replaceable template, returned as the
//! file and stored as a document of the record with its SHA-256. Templates (`letter_templates`,
//! versioned, administrators replace them) and letterheads (per region) are data. The use cases
//! are in `service::letters`.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_domain::letters::LetterTemplate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::Caller;
use crate::concurrency::{IfMatch, OptionalIfMatch};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::responses::Conflict;
use crate::reply::{self, Versioned};
use crate::routes::ids::{AgreementId, TravelRequestId};
use crate::service::letters::{
    self, LetterInput, Letterhead, LetterheadRecord, Prepared, TemplateField, TemplateRecord,
};
use crate::service::travel::Reach;

/// A letter kind's template in force.
#[derive(Serialize, ToSchema)]
#[schema(as = LetterTemplateView)]
pub struct TemplateDto {
    /// consultation_kemendagri, consultation_kemlu, dprd_approval, ministerial_consideration
    /// or pdln_permit.
    pub kind: String,
    /// 0: the template shipped with jalin; each replacement is the next version.
    pub version: i64,
    #[serde(flatten)]
    pub template: LetterTemplate,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The `{{field}}` placeholders a template may use.
    pub fields: Vec<TemplateField>,
}

impl From<TemplateRecord> for TemplateDto {
    fn from(t: TemplateRecord) -> Self {
        Self {
            kind: t.kind.as_str().into(),
            version: t.version,
            template: t.template,
            updated_by: t.updated_by,
            updated_at: t.updated_at,
            fields: letters::fields(),
        }
    }
}

/// A template's replacement: plain text with `{{field}}` placeholders (no code, no markup).
#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "subject": "Permohonan Persetujuan DPRD atas Rencana Kerja Sama dengan {{partner_names}}",
    "addressee": "Ketua DPRD {{region_name}}\ndi {{place}}",
    "body": "Bersama ini kami sampaikan rencana kerja sama tentang \"{{plan_subject}}\" untuk mendapat persetujuan.\n\nDemikian kami sampaikan."
}))]
pub struct TemplateInput {
    /// *Hal*.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub subject: String,
    /// *Yth.*: one line per line.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub addressee: String,
    /// Paragraphs separated by an empty line.
    #[validate(length(min = 1, max = 20000))]
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
}

/// A region's letterhead.
#[derive(Serialize, ToSchema)]
#[schema(as = RegionLetterhead)]
pub struct LetterheadDto {
    pub region_code: String,
    /// 0: not set, built from the region's name.
    pub version: i64,
    #[serde(flatten)]
    pub letterhead: Letterhead,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<LetterheadRecord> for LetterheadDto {
    fn from(r: LetterheadRecord) -> Self {
        Self {
            region_code: r.region_code.to_string(),
            version: r.version,
            letterhead: r.letterhead,
            updated_by: r.updated_by,
            updated_at: r.updated_at.map(|t| t.and_utc()),
        }
    }
}

/// The answer to a letter: the DOCX, with where its stored document is and its hash.
fn file_reply(
    prepared: &Prepared,
    document_id: &str,
    location: String,
    sha256: &str,
) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::CONTENT_TYPE, letters::DOCX))
        .insert_header((
            header::CONTENT_DISPOSITION,
            super::documents::disposition(&prepared.name),
        ))
        .insert_header((header::LOCATION, location))
        .insert_header(("x-document-id", document_id.to_owned()))
        .insert_header(("x-content-sha256", sha256.to_owned()))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(prepared.bytes.clone())
}

fn kind_path(kind: &str) -> Result<jalin_domain::letters::LetterKind, ApiError> {
    letters::kind_of(kind)
}

/// A letter kind's template in force, with the fields it may use.
#[utoipa::path(
    get,
    path = "/v1/letter-templates/{kind}",
    operation_id = "getLetterTemplate",
    tag = "letters",
    params(("kind" = String, Path, description = "consultation_kemendagri, consultation_kemlu, dprd_approval, ministerial_consideration or pdln_permit.", example = "dprd_approval")),
    responses(
        (status = 200, description = "The template in force (version 0: shipped with jalin).", body = TemplateDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn get_template(
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let kind = kind_path(&path.into_inner())?;
    let t = caller.db(move |c| letters::template(c, kind)).await?;
    let etag = t.etag();
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag.as_str()))
        .json(TemplateDto::from(t)))
}

/// Replace a letter kind's template (administrators, scope `letter_templates:write`): the next
/// version, used by the next letter of that kind. Only the documented `{{field}}` placeholders
/// are accepted (422 `unknown_field`); the text is inserted as text (no code runs, XML is
/// escaped). Requires `If-Match`; audited (`letter_template.replaced`).
#[utoipa::path(
    put,
    path = "/v1/letter-templates/{kind}",
    operation_id = "replaceLetterTemplate",
    tag = "letters",
    request_body = TemplateInput,
    params(("kind" = String, Path, description = "The letter kind.", example = "dprd_approval"), IfMatch),
    responses(
        (status = 200, description = "The new version in force.", body = TemplateDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["letter_templates:write"]))
)]
pub async fn replace_template(
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    body: ApiJson<TemplateInput>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ManageLetterTemplates)?;
    let kind = kind_path(&path.into_inner())?;
    let input = LetterTemplate {
        subject: body.value.subject,
        addressee: body.value.addressee,
        body: body.value.body,
    };
    let t = caller
        .write(move |c, ctx| letters::replace_template(c, ctx, kind, input, if_match.expected()))
        .await?;
    let etag = t.etag();
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag.as_str()))
        .json(TemplateDto::from(t)))
}

/// A region's letterhead and default signatory (built from its name until set). Another
/// region outside your scope is a 404.
#[utoipa::path(
    get,
    path = "/v1/regions/{region_code}/letterhead",
    operation_id = "getRegionLetterhead",
    tag = "letters",
    params(("region_code" = String, Path, description = "Region code.", example = "33", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")),
    responses(
        (status = 200, description = "The letterhead.", body = LetterheadDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get_letterhead(
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let code = path.into_inner();
    let r = caller
        .db(move |c| letters::get_letterhead(c, &vis, &code))
        .await?;
    Ok(reply::ok_versioned(&r, LetterheadDto::from_ref(&r)))
}

impl LetterheadDto {
    fn from_ref(r: &LetterheadRecord) -> Self {
        Self {
            region_code: r.region_code.to_string(),
            version: r.version,
            letterhead: r.letterhead.clone(),
            updated_by: r.updated_by.clone(),
            updated_at: r.updated_at.map(|t| t.and_utc()),
        }
    }
}

/// Set a region's letterhead (*kop surat*: government, office, address, contact, place) and
/// default signatory (title, name, NIP), as its letters and annual reports print them. For
/// whoever writes the region's agreements; audited. Setting it the first time needs no
/// `If-Match`; changing it needs its ETag (428 without, 412 when stale).
#[utoipa::path(
    put,
    path = "/v1/regions/{region_code}/letterhead",
    operation_id = "setRegionLetterhead",
    tag = "letters",
    request_body = Letterhead,
    params(
        ("region_code" = String, Path, description = "Region code.", example = "33", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$"),
        ("If-Match" = Option<String>, Header, description = "The letterhead's ETag; required once it was set."),
    ),
    responses(
        (status = 200, description = "The letterhead as set.", body = LetterheadDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn set_letterhead(
    caller: Caller,
    path: web::Path<String>,
    OptionalIfMatch(if_match): OptionalIfMatch,
    body: ApiJson<Letterhead>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::WriteAgreements)?;
    let code = path.into_inner();
    let input = body.value;
    let r =
        caller
            .write(move |c, ctx| {
                letters::put_letterhead(c, ctx, &vis, &code, input, |old: &LetterheadRecord| {
                    match old.version {
                        0 if if_match.is_present() => Err(ApiError::PreconditionFailed),
                        0 => Ok(()),
                        _ => if_match.check(&old.etag()),
                    }
                })
            })
            .await?;
    Ok(reply::ok_versioned(&r, LetterheadDto::from_ref(&r)))
}

/// Write an official letter of an agreement as DOCX (*tata naskah dinas*): the request for
/// consultation to Kemendagri or Kemlu (after the exploration, R7), the request for DPRD
/// approval of the cooperation plan (once the plan is recorded, R9), the submission to
/// Kemendagri for consideration (once DPRD approved, R11). Refused with the rule while the case
/// is not there (409). The file is returned and stored as a document of the agreement (role
/// `letter`, `Location`, `X-Document-Id`, `X-Content-SHA256`); audited
/// (`agreement.letter_generated`).
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/letters",
    operation_id = "writeAgreementLetter",
    tag = "letters",
    request_body = LetterInput,
    params(AgreementId),
    responses(
        (status = 201, description = "The letter, stored as a document of the agreement.",
         content((Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
         headers(("Location" = String), ("Content-Disposition" = String), ("X-Document-Id" = String), ("X-Content-SHA256" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn agreement_letter(
    caller: Caller,
    id: AgreementId,
    body: ApiJson<LetterInput>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::WriteAgreements)?;
    let (id, input) = (id.0, body.value);
    let (ctx, v, i, inp) = (caller.ctx.clone(), vis.clone(), id.clone(), input.clone());
    let prepared = caller
        .db(move |c| letters::prepare_agreement_letter(c, &ctx, &v, &i, &inp))
        .await?;
    let ctx = caller.ctx.clone();
    let (kind, number) = (input.kind, input.number.clone());
    let folder = format!("documents/{id}");
    let d = letters::store_prepared(&caller.state, &folder, &prepared, move |c, file| {
        letters::record_agreement_letter(c, &ctx, &vis, &id, kind, &number, file)
    })
    .await?;
    Ok(file_reply(
        &prepared,
        &d.id,
        format!("/v1/documents/{}", d.id),
        &d.sha256,
    ))
}

/// Write the PDLN permit request letter of a submitted travel request as DOCX (`kind`:
/// `pdln_permit`): addressed to Kemendagri, with the purpose, destinations, dates, travellers
/// and funding. A draft is refused (409 `travel_not_submitted`). The file is returned and
/// stored as a document of the request (kind `permit_request_letter`); audited
/// (`travel_request.letter_generated`).
#[utoipa::path(
    post,
    path = "/v1/travel-requests/{id}/letters",
    operation_id = "writeTravelLetter",
    tag = "letters",
    request_body = LetterInput,
    params(TravelRequestId),
    responses(
        (status = 201, description = "The letter, stored as a document of the travel request.",
         content((Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
         headers(("Location" = String), ("Content-Disposition" = String), ("X-Document-Id" = String), ("X-Content-SHA256" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write"]))
)]
pub async fn travel_letter(
    caller: Caller,
    id: TravelRequestId,
    body: ApiJson<LetterInput>,
) -> Result<HttpResponse, ApiError> {
    let reach = Reach::acting(&caller.auth, Action::WriteTravel)?;
    let (id, input) = (id.0, body.value);
    let (ctx, r, i, inp) = (caller.ctx.clone(), reach.clone(), id.clone(), input.clone());
    let prepared = caller
        .db(move |c| letters::prepare_permit_letter(c, &ctx, &r, &i, &inp))
        .await?;
    let ctx = caller.ctx.clone();
    let number = input.number.clone();
    let folder = format!("travel/{id}");
    let location = format!("/v1/travel-requests/{id}");
    let d = letters::store_prepared(&caller.state, &folder, &prepared, move |c, file| {
        letters::record_permit_letter(c, &ctx, &reach, &id, &number, file)
    })
    .await?;
    Ok(file_reply(&prepared, &d.id, location, &d.sha256))
}

super::operations! {
    get_template,
    replace_template,
    get_letterhead,
    set_letterhead,
    agreement_letter,
    travel_letter,
}
