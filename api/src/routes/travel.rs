//! Official travel abroad (PDLN): requests with their travellers and documents,
//! checked against the configured limits, walked through the province's recommendation and the
//! permits of SIOLA, SIMPEL and Exit Permit (through the outbox, or recorded by hand), the
//! return and the trip report, which becomes an activity of the linked agreement.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::Action;
use jalin_domain::travel::{self as dt, TravelDocumentKind, TravelStage, TripType};
use jalin_persistence::travel::TravelDocument;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::IdempotencyKey;
use crate::openapi::responses::{BadRequest, Conflict};
use crate::pagination::Paging;
use crate::reply::{self, Versioned};
use crate::routes::documents::{receive, send_file, StoredFileRef};
use crate::routes::ids::TravelRequestId;
use crate::routes::InRegion;
use crate::service::documents;
use crate::service::travel::{
    self, Destination, Funding, Reach, TravelActionInput, TravelFilter, TravelRecords,
    TravelRequestInput, Traveller, TripReportInput, TripView,
};

crate::mirror! {
    #[derive(Serialize, ToSchema)]
    pub struct TravelDocumentDto from TravelDocument {
        pub id: String,
        pub kind: TravelDocumentKind,
        pub name: String,
        pub media_type: String,
        pub size_bytes: i64,
        pub sha256: String,
        pub uploaded_by: String,
        pub uploaded_at: DateTime<Utc>,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistItem {
    pub kind: TravelDocumentKind,
    pub present: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TravelIssueDto {
    pub code: String,
    pub pointer: String,
    pub message: String,
    /// The same in Indonesian.
    pub message_id: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = TravelRequest)]
pub struct TravelRequestDto {
    pub id: String,
    pub region_code: String,
    pub trip_type: TripType,
    pub purpose: String,
    pub destinations: Vec<Destination>,
    pub departs_on: NaiveDate,
    pub returns_on: NaiveDate,
    pub funding: Funding,
    pub agreement_ids: Vec<String>,
    /// NIP and passport numbers appear only in `GET /v1/travel-requests/{id}` for roles with
    /// `travel:personal_data`, and each such read is audited; elsewhere they are null.
    pub travellers: Vec<Traveller>,
    pub personal_data_withheld: bool,
    /// The PDLN workflow definition this request follows.
    #[schema(example = "pdln-v1")]
    pub definition: String,
    pub stage: TravelStage,
    pub documents: Vec<TravelDocumentDto>,
    /// The documents required for this request and whether each is present.
    pub checklist: Vec<ChecklistItem>,
    /// What would stop it from being submitted now.
    pub issues: Vec<TravelIssueDto>,
    pub records: TravelRecords,
    pub returned_on: Option<NaiveDate>,
    pub report_due_on: Option<NaiveDate>,
    /// Returned and the report is past due (DEFAULT 14 days).
    pub report_late: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&TripView> for TravelRequestDto {
    fn from(v: &TripView) -> Self {
        let (t, r) = (&v.trip, &v.trip.row);
        Self {
            id: r.id.clone(),
            region_code: r.region_code.clone(),
            trip_type: r.trip_type,
            purpose: r.purpose.clone(),
            destinations: t.destinations.clone(),
            departs_on: r.departs_on,
            returns_on: r.returns_on,
            funding: t.funding.clone(),
            agreement_ids: t.agreement_ids.clone(),
            travellers: t.travellers.clone(),
            personal_data_withheld: !v.personal,
            definition: "pdln-v1".into(),
            stage: r.stage,
            documents: v.documents.iter().map(TravelDocumentDto::from).collect(),
            checklist: v
                .required
                .iter()
                .map(|&kind| ChecklistItem {
                    kind,
                    present: v.documents.iter().any(|d| d.kind == kind),
                })
                .collect(),
            issues: v
                .issues
                .iter()
                .map(|i| TravelIssueDto {
                    code: i.code.to_string(),
                    pointer: i.pointer.to_string(),
                    message: i.text.en.clone(),
                    message_id: i.text.id.clone(),
                })
                .collect(),
            records: t.records.clone(),
            returned_on: r.returned_on,
            report_due_on: r.report_due_on,
            report_late: v.report_late,
            created_by: r.created_by.clone(),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

crate::page_of!(TravelRequestPage, TravelRequestDto);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct TravelQuery {
    pub stage: Option<TravelStage>,
}

/// Draft a travel request.
#[utoipa::path(
    post,
    path = "/v1/travel-requests",
    operation_id = "createTravelRequest",
    tag = "travel",
    request_body = TravelRequestInput,
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Drafted.", body = TravelRequestDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write"]))
)]
pub async fn create(
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<TravelRequestInput>,
) -> Result<HttpResponse, ApiError> {
    let reach = Reach::acting(&caller.auth, Action::WriteTravel)?;
    let config = caller.state.config.clone();
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let t = travel::create(c, ctx, &reach, &config, input)?;
            let location = format!("/v1/travel-requests/{}", t.id());
            reply::created(location, &t, TravelRequestDto::from(&t))
        })
        .await
}

/// Travel requests in your scope, by id; personal data is never in lists.
#[utoipa::path(
    get,
    path = "/v1/travel-requests",
    operation_id = "listTravelRequests",
    tag = "travel",
    params(TravelQuery, InRegion, Paging),
    responses(
        (status = 200, description = "A page of requests.", body = TravelRequestPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    caller: Caller,
    ApiQuery(q): ApiQuery<TravelQuery>,
    in_region: InRegion,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let region = in_region.code()?;
    let page = paging.of("travel-requests")?;
    let filter = TravelFilter {
        stage: q.stage,
        region: region.map(|r| r.to_string()),
    };
    let (ctx, config) = (caller.ctx.clone(), caller.state.config.clone());
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| travel::list(c, &ctx, &vis, &config, &filter, after, n),
            |v| v.id().to_owned(),
        )
        .await?;
    Ok(reply::ok(TravelRequestPage::of(&rows, next)))
}

/// A travel request. With `travel:personal_data` the travellers' NIP and passport numbers are
/// shown, and the read is audited.
#[utoipa::path(
    get,
    path = "/v1/travel-requests/{id}",
    operation_id = "getTravelRequest",
    tag = "travel",
    params(TravelRequestId),
    responses(
        (status = 200, description = "The request.", body = TravelRequestDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(caller: Caller, id: TravelRequestId) -> Result<HttpResponse, ApiError> {
    let reach = Reach::reading(&caller.auth)?;
    let config = caller.state.config.clone();
    let t = caller
        .write(move |c, ctx| travel::get(c, ctx, &reach, &config, &id))
        .await?;
    Ok(reply::ok_versioned(&t, TravelRequestDto::from(&t)))
}

/// Replace a draft; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/travel-requests/{id}",
    operation_id = "updateTravelRequest",
    tag = "travel",
    request_body = TravelRequestInput,
    params(TravelRequestId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = TravelRequestDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write"]))
)]
pub async fn update(
    caller: Caller,
    if_match: IfMatch,
    id: TravelRequestId,
    body: ApiJson<TravelRequestInput>,
) -> Result<HttpResponse, ApiError> {
    let reach = Reach::acting(&caller.auth, Action::WriteTravel)?;
    let config = caller.state.config.clone();
    let input = body.value;
    let t = caller
        .write(move |c, ctx| {
            travel::update(c, ctx, &reach, &config, &id, input, if_match.expected())
        })
        .await?;
    Ok(reply::ok_versioned(&t, TravelRequestDto::from(&t)))
}

/// The multipart form of a travel document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TravelUploadForm {
    /// The file: PDF, DOCX, ODT, JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    kind: TravelDocumentKind,
}

/// Attach a document to a travel request (multipart: `file`, `kind`).
#[utoipa::path(
    post,
    path = "/v1/travel-requests/{id}/documents",
    operation_id = "uploadTravelDocument",
    tag = "travel",
    params(TravelRequestId),
    request_body(content = TravelUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored.", body = TravelDocumentDto),
        (status = 409, response = Conflict),
        (status = 413, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write"]))
)]
pub async fn upload(
    req: HttpRequest,
    caller: Caller,
    id: TravelRequestId,
    payload: Option<Multipart>,
) -> Result<HttpResponse, ApiError> {
    // Writers attach drafting documents; officers who record decisions attach their letters.
    let act = caller
        .may(Action::WriteTravel)
        .or_else(|_| caller.may(Action::RecordTravelDecisions))?;
    let reach = Reach {
        act: Some(act),
        ..Reach::reading(&caller.auth)?
    };
    // A request the caller cannot act on is refused before its body is read.
    let (r, i) = (reach.clone(), id.0.clone());
    caller.db(move |c| travel::load_acting(c, &r, &i)).await?;
    let limit = caller.state.config.document_max_bytes;
    let upload = receive(&req, payload, limit, &["kind"]).await?;
    let kind = travel::document_kind(&upload)?;
    let (ctx, folder) = (caller.ctx.clone(), format!("travel/{}", *id));
    let doc = documents::store(&caller.state, &folder, &upload, move |c, file| {
        travel::attach(c, &ctx, &reach, &id, kind, file)
    })
    .await?;
    Ok(HttpResponse::Created().json(TravelDocumentDto::from(&doc)))
}

/// Download a document of a travel request.
///
/// The file with its media type, a safe `Content-Disposition` and its SHA-256. It is visible as
/// the request is (another region's request, or a document of another request, is a 404); the
/// participants' data and a personal trip's supporting letter also need `travel:personal_data`
/// (403), and their download is audited.
#[utoipa::path(
    get,
    path = "/v1/travel-requests/{id}/documents/{document_id}",
    operation_id = "getTravelDocumentContent",
    tag = "travel",
    params(
        ("id" = String, Path, description = "Travel request id."),
        ("document_id" = String, Path, description = "Document id (from the request's `documents`)."),
    ),
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
pub async fn download(
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let reach = Reach::reading(&caller.auth)?;
    let (id, document_id) = path.into_inner();
    let d = caller
        .write(move |c, ctx| travel::document(c, ctx, &reach, &id, &document_id))
        .await?;
    let file = StoredFileRef {
        storage_key: &d.storage_key,
        name: &d.name,
        media_type: &d.media_type,
        sha256: &d.sha256,
        size_bytes: d.size_bytes,
    };
    send_file(&caller.state, file).await
}

/// Take a step: submit, recommend (province), reject, cancel, record an external decision by
/// hand (manual path, with the scanned letter), record the return. Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/travel-requests/{id}/actions",
    operation_id = "actOnTravelRequest",
    tag = "travel",
    request_body = TravelActionInput,
    params(TravelRequestId, IfMatch),
    responses(
        (status = 200, description = "The request after the step.", body = TravelRequestDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write", "travel:recommend", "travel:decide"]))
)]
pub async fn act(
    caller: Caller,
    if_match: IfMatch,
    id: TravelRequestId,
    body: ApiJson<TravelActionInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.value;
    let reach = Reach::acting(&caller.auth, input.action.permission())?;
    let config = caller.state.config.clone();
    let t = caller
        .write(move |c, ctx| travel::act(c, ctx, &reach, &config, &id, input, if_match.expected()))
        .await?;
    Ok(reply::ok_versioned(&t, TravelRequestDto::from(&t)))
}

/// File the trip report (the structure of seed 001) after return: the request closes, the
/// report becomes an `outgoing_visit` activity of the first linked agreement, and a report later
/// than the configured days after return is marked late. Requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/travel-requests/{id}/trip-report",
    operation_id = "putTripReport",
    tag = "travel",
    request_body = TripReportInput,
    params(TravelRequestId, ("If-Match" = String, Header, description = "The request's ETag.")),
    responses(
        (status = 200, description = "Filed; the request is closed.", body = TravelRequestDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["travel:write"]))
)]
pub async fn trip_report(
    caller: Caller,
    if_match: IfMatch,
    id: TravelRequestId,
    body: ApiJson<TripReportInput>,
) -> Result<HttpResponse, ApiError> {
    let reach = Reach::acting(&caller.auth, Action::WriteTravel)?;
    let config = caller.state.config.clone();
    let report = body.value;
    let t = caller
        .write(move |c, ctx| {
            travel::file_report(c, ctx, &reach, &config, &id, report, if_match.expected())
        })
        .await?;
    Ok(reply::ok_versioned(&t, TravelRequestDto::from(&t)))
}

/// The PDLN workflow definition: its stages in order, who acts, which system decides, and the
/// legal source of each.
#[derive(Serialize, ToSchema)]
pub struct TravelDefinition {
    #[schema(example = "pdln-v1")]
    pub id: String,
    pub stages: Vec<dt::TravelStageDefinition>,
    /// The limits in force (configuration; `GET /v1/settings`).
    pub lead_days_kemendagri: u32,
    pub lead_days_simpel: u32,
    pub delegation_cap: u32,
    pub report_days: u32,
}

/// The travel-permit workflow definition (version 1) with the limits in force.
#[utoipa::path(
    get,
    path = "/v1/travel-definition",
    operation_id = "getTravelDefinition",
    tag = "travel",
    responses(
        (status = 200, description = "The definition.", body = TravelDefinition),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn definition(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let p = &caller.state.config.travel;
    Ok(reply::ok(TravelDefinition {
        id: "pdln-v1".into(),
        stages: dt::definition(),
        lead_days_kemendagri: p.kemendagri_lead_days,
        lead_days_simpel: p.simpel_lead_days,
        delegation_cap: p.delegation_cap,
        report_days: p.report_days,
    }))
}

super::operations! {
    definition,
    list,
    create,
    get,
    update,
    upload,
    download,
    act,
    trip_report,
}
