//! Coordination and promotion: regional potentials and matchmaking,
//! coordination meetings with numbered recommendations and their follow-up, good practices
//! reviewed by the province before publication.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::Action;
use jalin_domain::coordination::{
    cooperation_method, Figure, FollowUp, FollowUpNote, MeetingKind, PartnerMatch, PotentialKind,
    PracticeAction, PracticeStatus, RANKING_METHOD,
};
use jalin_domain::{RecordKind, RegionCode};
use jalin_persistence::coordination::{GoodPractice, MeetingDocument, Potential, Recommendation};
use jalin_persistence::registry::Partner;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::{IdempotencyKey, JsonReply};
use crate::openapi::responses::{BadRequest, Conflict, NotFound};
use crate::pagination::{PageRequest, Paging, WholePaging};
use crate::reply::{self, Versioned};
use crate::routes::documents::{receive, send_file, StoredFileRef};
use crate::routes::ids::{MeetingId, PotentialId, PracticeId, RecommendationId};
use crate::routes::{region_param, InRegion};
use crate::service::coordination::matches as matchmaking;
use crate::service::coordination::meetings::{
    self, FollowUpAccess, FollowUpInput, MeetingInput, MeetingRecord, MeetingUploadForm,
    Participant,
};
use crate::service::coordination::potentials::{self, PotentialInput};
use crate::service::coordination::practices::{self, PracticeActionInput, PracticeInput};
use crate::service::documents;
use crate::state::AppState;

// ---------------------------------------------------------------- potentials

crate::mirror! {
    #[derive(Serialize, ToSchema)]
    #[schema(as = Potential)]
    pub struct PotentialDto from Potential {
        pub id: String,
        pub region_code: String,
        pub sector: String,
        pub kind: PotentialKind,
        pub title: String,
        pub description: String,
        pub figures: Option<String>,
        pub needs: Option<String>,
        pub created_by: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

crate::page_of!(PotentialPage, PotentialDto);

/// Add an item to a region's potential profile.
#[utoipa::path(
    post,
    path = "/v1/regions/{code}/potentials",
    operation_id = "createPotential",
    tag = "coordination",
    request_body = PotentialInput,
    params(
        ("code" = String, Path, description = "Region code.", example = "33.74", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$"),
        IdempotencyKey,
    ),
    responses(
        (status = 201, description = "Added.", body = PotentialDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn create_potential(
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<String>,
    body: ApiJson<PotentialInput>,
) -> Result<HttpResponse, ApiError> {
    let write = caller.may(Action::WriteAgreements)?;
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let p = potentials::create(c, ctx, &write, &path, input)?;
            reply::created(
                format!("/v1/potentials/{}", p.id),
                &p,
                PotentialDto::from(&p),
            )
        })
        .await
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PotentialQuery {
    /// Only this sector.
    #[param(max_length = 100, example = "pariwisata")]
    #[validate(length(max = 100))]
    pub sector: Option<String>,
    /// Words in the title, description, figures or needs.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct RegionPotentialQuery {
    /// Only this sector.
    #[param(max_length = 100, example = "pariwisata")]
    #[validate(length(max = 100))]
    pub sector: Option<String>,
    /// Words in the title, description, figures or needs.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

/// A page of potentials of `region` (any when none), of `sector`, with the words `q`.
async fn potentials_page(
    state: &AppState,
    region: Option<RegionCode>,
    (sector, q): (Option<String>, Option<String>),
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let (rows, next) = page
        .read(
            state,
            move |c, after, n| {
                let (sector, words) = (sector.as_deref(), q.as_deref());
                potentials::search(c, region, sector, words, after, n)
            },
            |p| p.id.clone(),
        )
        .await?;
    Ok(reply::ok(PotentialPage::of(&rows, next)))
}

/// A region's potential profile (a province includes its regencies/cities).
#[utoipa::path(
    get,
    path = "/v1/regions/{code}/potentials",
    operation_id = "listRegionPotentials",
    tag = "coordination",
    params(("code" = String, Path, description = "Region code.", example = "33", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$"), RegionPotentialQuery, Paging),
    responses(
        (status = 200, description = "A page of potentials.", body = PotentialPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn region_potentials(
    caller: Caller,
    path: web::Path<String>,
    query: ApiQuery<RegionPotentialQuery>,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let region = RegionCode::parse(&path)
        .map_err(|_| ApiError::not_found(RecordKind::Region, path.as_str()))?;
    caller.may(Action::ReadReference)?;
    let q = query.0;
    let page = paging.of("potentials")?;
    potentials_page(&caller.state, Some(region), (q.sector, q.q), page).await
}

/// Search potentials across regions by sector and words (promotion, partner finding).
#[utoipa::path(
    get,
    path = "/v1/potentials",
    operation_id = "searchPotentials",
    tag = "coordination",
    params(PotentialQuery, InRegion, Paging),
    responses(
        (status = 200, description = "A page of potentials.", body = PotentialPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn search_potentials(
    caller: Caller,
    query: ApiQuery<PotentialQuery>,
    in_region: InRegion,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let q = query.0;
    let region = in_region.code()?;
    let page = paging.of("potentials")?;
    potentials_page(&caller.state, region, (q.sector, q.q), page).await
}

/// Replace a potential; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/potentials/{id}",
    operation_id = "updatePotential",
    tag = "coordination",
    request_body = PotentialInput,
    params(PotentialId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = PotentialDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn update_potential(
    caller: Caller,
    if_match: IfMatch,
    id: PotentialId,
    body: ApiJson<PotentialInput>,
) -> Result<HttpResponse, ApiError> {
    let write = caller.may(Action::WriteAgreements)?;
    let p = caller
        .write(move |c, ctx| {
            potentials::update(c, ctx, &write, &id, body.value, if_match.expected())
        })
        .await?;
    Ok(reply::ok_versioned(&p, PotentialDto::from(&p)))
}

// ---------------------------------------------------------------- matchmaking

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    /// Partners for this region (by its potentials' sectors).
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33.74")]
    pub region: Option<String>,
    /// Indonesian regions that cooperate with this partner.
    pub partner: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PartnerSuggestion {
    pub partner_id: String,
    pub partner_name: String,
    pub country: String,
    /// 10 per shared sector + 1 per other Indonesian region already cooperating (at most 5).
    pub score: u32,
    pub shared_sectors: Vec<String>,
    pub regions_already_cooperating: usize,
    pub already_your_partner: bool,
    /// Why it is proposed, in words.
    pub reasons: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CooperatingRegion {
    pub region_code: String,
    pub region_name: Option<String>,
    pub sectors: Vec<String>,
    /// The agreements (public fields): id, title, status.
    pub agreements: Vec<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct Matches {
    /// How the ranking works.
    pub method: String,
    /// For `?region=`: partners ranked for the region.
    pub partners: Vec<PartnerSuggestion>,
    /// For `?partner=`: every Indonesian region cooperating with the partner, and in what.
    pub regions: Vec<CooperatingRegion>,
    /// Pass as `cursor` to get the next page (of `partners` or `regions`, whichever the query
    /// asked for); `null` on the last page.
    pub next_cursor: Option<String>,
}

/// For `?region=`: partners ranked for the region, with the reasons.
fn ranked(region: &RegionCode, found: Vec<(PartnerMatch, Option<Partner>)>) -> Matches {
    let partners = found
        .into_iter()
        .map(|(m, p)| {
            let (partner_name, country) = p.map(|p| (p.name, p.country)).unwrap_or_default();
            PartnerSuggestion {
                reasons: m.reasons(region.as_str()),
                partner_id: m.partner_id,
                partner_name,
                country,
                score: m.score,
                shared_sectors: m.shared_sectors,
                regions_already_cooperating: m.experience,
                already_your_partner: m.already_partner,
            }
        })
        .collect();
    Matches {
        method: RANKING_METHOD.into(),
        partners,
        regions: Vec::new(),
        next_cursor: None,
    }
}

/// For `?partner=`: the regions already cooperating with it, public fields only.
fn cooperating(partner: Partner, found: Vec<matchmaking::Cooperating>) -> Matches {
    let regions = found
        .into_iter()
        .map(|r| CooperatingRegion {
            region_code: r.region_code,
            region_name: r.region_name,
            sectors: r.sectors.into_iter().collect(),
            agreements: (r.agreements.iter())
                .map(|a| json!({"id": a.agreement_id, "title_id": a.title_id, "status": a.status}))
                .collect(),
        })
        .collect();
    Matches {
        method: cooperation_method(&partner.name, &partner.country),
        partners: Vec::new(),
        regions,
        next_cursor: None,
    }
}

/// Matchmaking: for a region, partners whose sectors meet its potentials, ranked with reasons;
/// for a partner, every Indonesian region that already cooperates with it and in what (only
/// agreements in force or ended, public fields). Give exactly one of `region` and `partner`.
#[utoipa::path(
    get,
    path = "/v1/matches",
    operation_id = "listMatches",
    tag = "coordination",
    params(MatchQuery, WholePaging),
    responses(
        (status = 200, description = "The matches and how they were ranked.", body = Matches),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn matches(
    caller: Caller,
    query: ApiQuery<MatchQuery>,
    paging: WholePaging,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadAgreements)?;
    // An empty parameter is an absent one.
    let partner = query.0.partner.filter(|p| !p.is_empty());
    let region = region_param(
        "region",
        query.0.region.as_deref().filter(|r| !r.is_empty()),
    )?;
    let body = match (region, partner) {
        (Some(region), None) => {
            let r = region.clone();
            let found = caller.db(move |c| matchmaking::partners_for(c, &r)).await?;
            ranked(&region, found)
        }
        (None, Some(id)) => {
            let (partner, regions) = caller.db(move |c| matchmaking::regions_of(c, &id)).await?;
            cooperating(partner, regions)
        }
        _ => {
            return Err(ApiError::invalid_parameter(
                "region",
                "one_of",
                "give exactly one of region and partner",
                "isi tepat satu dari region dan partner",
            ))
        }
    };
    Ok(reply::ok(body.paged(&paging)?))
}

impl Matches {
    /// The page asked of whichever list the query fills (`partners` or `regions`).
    fn paged(mut self, paging: &WholePaging) -> Result<Self, ApiError> {
        let (partners, after_partners) =
            paging.slice("matches", std::mem::take(&mut self.partners))?;
        let (regions, after_regions) =
            paging.slice("matches", std::mem::take(&mut self.regions))?;
        Ok(Self {
            partners,
            regions,
            next_cursor: after_partners.or(after_regions),
            ..self
        })
    }
}

// ---------------------------------------------------------------- meetings

#[derive(Serialize, ToSchema)]
#[schema(as = MeetingRecommendation)]
pub struct RecommendationDto {
    pub id: String,
    pub meeting_id: String,
    pub number: i32,
    pub text: String,
    pub owner_region_code: Option<String>,
    pub owner_agency: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: FollowUp,
    /// Past its due date and not done or dropped.
    pub overdue: bool,
    pub notes: Vec<FollowUpNote>,
    pub agreement_ids: Vec<String>,
    pub region_codes: Vec<String>,
    pub updated_at: DateTime<Utc>,
    /// Send as `If-Match` to record a follow-up.
    pub etag: String,
}

impl RecommendationDto {
    /// As it stands on `today`.
    fn of(r: &Recommendation, today: NaiveDate) -> Self {
        Self {
            id: r.id.clone(),
            meeting_id: r.meeting_id.clone(),
            number: r.number,
            text: r.text.clone(),
            owner_region_code: r.owner_region_code.clone(),
            owner_agency: r.owner_agency.clone(),
            due_on: r.due_on,
            status: r.status,
            overdue: r.status.is_overdue(r.due_on, today),
            notes: r.notes.clone(),
            agreement_ids: r.agreement_ids.clone(),
            region_codes: r.region_codes.clone(),
            updated_at: r.updated_at.and_utc(),
            etag: r.etag().as_str().to_owned(),
        }
    }
}

crate::mirror! {
    /// A file of a meeting (minutes, attendance list, presentation, photo).
    #[derive(Serialize, ToSchema)]
    pub struct MeetingDocumentDto from MeetingDocument {
        pub id: String,
        /// `minutes`, `attendance`, `presentation`, `photo` or `other`.
        pub role: String,
        pub name: String,
        pub media_type: String,
        pub size_bytes: i64,
        pub sha256: String,
        pub uploaded_by: String,
        pub uploaded_at: DateTime<Utc>,
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = Meeting)]
pub struct MeetingDto {
    pub id: String,
    pub kind: MeetingKind,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub place: String,
    pub organiser: String,
    pub region_code: Option<String>,
    pub participants: Vec<Participant>,
    /// Σ participants' counts.
    pub participant_count: u32,
    pub agenda: Option<String>,
    pub recommendations: Vec<RecommendationDto>,
    pub documents: Vec<MeetingDocumentDto>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl MeetingDto {
    /// As it stands on `today`.
    fn of(r: &MeetingRecord, today: NaiveDate) -> Self {
        let m = &r.meeting;
        let participants: Vec<Participant> =
            serde_json::from_value(m.participants.clone()).unwrap_or_default();
        Self {
            id: m.id.clone(),
            kind: m.kind,
            title: m.title.clone(),
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            place: m.place.clone(),
            organiser: m.organiser.clone(),
            region_code: m.region_code.as_ref().map(RegionCode::to_string),
            participant_count: participants.iter().map(|p| p.count).sum(),
            participants,
            agenda: m.agenda.clone(),
            recommendations: r
                .recommendations
                .iter()
                .map(|x| RecommendationDto::of(x, today))
                .collect(),
            documents: r.documents.iter().map(MeetingDocumentDto::from).collect(),
            created_by: m.created_by.clone(),
            created_at: m.created_at.and_utc(),
        }
    }
}

crate::page_of!(MeetingPage, MeetingDto);

/// Attach a document to a meeting (multipart: `file`, `role`), by its organiser's scope.
#[utoipa::path(
    post,
    path = "/v1/meetings/{id}/documents",
    operation_id = "uploadMeetingDocument",
    tag = "coordination",
    params(MeetingId),
    request_body(content = MeetingUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored.", body = MeetingDocumentDto),
        (status = 413, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["meetings:write"]))
)]
pub async fn upload_meeting_document(
    req: HttpRequest,
    caller: Caller,
    id: MeetingId,
    payload: Option<actix_multipart::Multipart>,
) -> Result<HttpResponse, ApiError> {
    let read = caller.may(Action::ReadAgreements)?;
    let write = caller.may(Action::WriteMeetings)?;
    let m = caller
        .db(move |c| meetings::organised(c, &read, &write, &id))
        .await?;
    let limit = caller.state.config.document_max_bytes;
    let upload = receive(&req, payload, limit, &["role"]).await?;
    let role = meetings::document_role(&upload)?;
    let (ctx, folder) = (caller.ctx.clone(), format!("meetings/{}", m.id));
    let doc = documents::store(&caller.state, &folder, &upload, move |c, file| {
        meetings::attach(c, &ctx, &m, role, file)
    })
    .await?;
    Ok(HttpResponse::Created().json(MeetingDocumentDto::from(&doc)))
}

/// Download a document of a meeting.
///
/// The file with its media type, a safe `Content-Disposition` and its SHA-256. It is visible as
/// the meeting is (a meeting you do not see, or a document of another meeting, is a 404).
#[utoipa::path(
    get,
    path = "/v1/meetings/{id}/documents/{document_id}",
    operation_id = "getMeetingDocumentContent",
    tag = "coordination",
    params(
        ("id" = String, Path, description = "Meeting id."),
        ("document_id" = String, Path, description = "Document id (from the meeting's `documents`)."),
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
pub async fn download_meeting_document(
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let (id, document_id) = path.into_inner();
    let d = caller
        .db(move |c| meetings::document(c, &vis, &id, &document_id))
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

/// Record a coordination meeting with its numbered recommendations.
#[utoipa::path(
    post,
    path = "/v1/meetings",
    operation_id = "createMeeting",
    tag = "coordination",
    request_body = MeetingInput,
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Recorded.", body = MeetingDto, headers(("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["meetings:write"]))
)]
pub async fn create_meeting(
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<MeetingInput>,
) -> Result<HttpResponse, ApiError> {
    let write = caller.may(Action::WriteMeetings)?;
    let read = caller.may(Action::ReadAgreements)?;
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let m = meetings::create(c, ctx, (&write, &read), input)?;
            // A meeting has no ETag: it is not changed once recorded, its recommendations are.
            let body = serde_json::to_value(MeetingDto::of(&m, ctx.today()))
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let location = format!("/v1/meetings/{}", m.meeting.id);
            Ok(JsonReply::new(StatusCode::CREATED, body).header("location", location))
        })
        .await
}

/// Meetings you can see: central ones, and your region's (a province: with its regencies').
#[utoipa::path(
    get,
    path = "/v1/meetings",
    operation_id = "listMeetings",
    tag = "coordination",
    params(Paging),
    responses(
        (status = 200, description = "A page of meetings.", body = MeetingPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list_meetings(caller: Caller, paging: Paging) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let page = paging.of("meetings")?;
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| meetings::list(c, &vis, after, n),
            |m| m.meeting.id.clone(),
        )
        .await?;
    let today = caller.ctx.today();
    let items = rows.iter().map(|m| MeetingDto::of(m, today));
    Ok(reply::ok(MeetingPage::of(items, next)))
}

/// A meeting with its recommendations and their follow-up.
#[utoipa::path(
    get,
    path = "/v1/meetings/{id}",
    operation_id = "getMeeting",
    tag = "coordination",
    params(MeetingId),
    responses(
        (status = 200, description = "The meeting.", body = MeetingDto),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get_meeting(caller: Caller, id: MeetingId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let m = caller.db(move |c| meetings::get(c, &vis, &id)).await?;
    Ok(reply::ok(MeetingDto::of(&m, caller.ctx.today())))
}

/// Record a recommendation's follow-up (by its owner region or the meeting's organiser); a done
/// or dropped recommendation is closed. Requires `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/recommendations/{id}",
    operation_id = "followUpRecommendation",
    tag = "coordination",
    request_body = FollowUpInput,
    params(RecommendationId, IfMatch),
    responses(
        (status = 200, description = "Recorded.", body = RecommendationDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write", "meetings:write"]))
)]
pub async fn follow_up(
    caller: Caller,
    if_match: IfMatch,
    id: RecommendationId,
    body: ApiJson<FollowUpInput>,
) -> Result<HttpResponse, ApiError> {
    let access = FollowUpAccess {
        read: caller.may(Action::ReadAgreements)?,
        as_owner: caller.auth.0.visibility(Action::WriteAgreements),
        as_organiser: caller.auth.0.visibility(Action::WriteMeetings),
    };
    if access.as_owner.is_none() && access.as_organiser.is_none() {
        return Err(ApiError::Forbidden);
    }
    let r = caller
        .write(move |c, ctx| {
            meetings::follow_up(c, ctx, &access, &id, body.value, if_match.expected())
        })
        .await?;
    Ok(reply::ok_versioned(
        &r,
        RecommendationDto::of(&r, caller.ctx.today()),
    ))
}

// ---------------------------------------------------------------- good practices

crate::mirror! {
    #[derive(Serialize, ToSchema)]
    #[schema(as = GoodPractice)]
    pub struct PracticeDto from GoodPractice {
        pub id: String,
        pub region_code: String,
        pub title: String,
        pub context: String,
        pub actions: String,
        pub results: String,
        pub figures: Vec<Figure>,
        pub lessons: String,
        pub agreement_ids: Vec<String>,
        pub activity_ids: Vec<String>,
        pub status: PracticeStatus,
        pub review_note: Option<String>,
        pub reviewed_by: Option<String>,
        pub published_at: Option<DateTime<Utc>>,
        pub created_by: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

crate::page_of!(PracticePage, PracticeDto);

/// Write up a good practice (a draft until the province publishes it).
#[utoipa::path(
    post,
    path = "/v1/good-practices",
    operation_id = "createGoodPractice",
    tag = "coordination",
    request_body = PracticeInput,
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Drafted.", body = PracticeDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn create_practice(
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<PracticeInput>,
) -> Result<HttpResponse, ApiError> {
    let write = caller.may(Action::WriteAgreements)?;
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let g = practices::create(c, ctx, &write, input)?;
            reply::created(
                format!("/v1/good-practices/{}", g.id),
                &g,
                PracticeDto::from(&g),
            )
        })
        .await
}

/// Good practices in your scope (every status), by id.
#[utoipa::path(
    get,
    path = "/v1/good-practices",
    operation_id = "listGoodPractices",
    tag = "coordination",
    params(Paging),
    responses(
        (status = 200, description = "A page of good practices.", body = PracticePage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list_practices(caller: Caller, paging: Paging) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let page = paging.of("good-practices")?;
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| practices::list(c, &vis, after, n),
            |g| g.id.clone(),
        )
        .await?;
    Ok(reply::ok(PracticePage::of(&rows, next)))
}

/// A good practice.
#[utoipa::path(
    get,
    path = "/v1/good-practices/{id}",
    operation_id = "getGoodPractice",
    tag = "coordination",
    params(PracticeId),
    responses(
        (status = 200, description = "The good practice.", body = PracticeDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get_practice(caller: Caller, id: PracticeId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let g = caller.db(move |c| practices::get(c, &vis, &id)).await?;
    Ok(reply::ok_versioned(&g, PracticeDto::from(&g)))
}

/// Replace a draft or returned good practice; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/good-practices/{id}",
    operation_id = "updateGoodPractice",
    tag = "coordination",
    request_body = PracticeInput,
    params(PracticeId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = PracticeDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn update_practice(
    caller: Caller,
    if_match: IfMatch,
    id: PracticeId,
    body: ApiJson<PracticeInput>,
) -> Result<HttpResponse, ApiError> {
    let read = caller.may(Action::ReadAgreements)?;
    let write = caller.may(Action::WriteAgreements)?;
    let g = caller
        .write(move |c, ctx| {
            practices::update(
                c,
                ctx,
                (&read, &write),
                &id,
                body.value,
                if_match.expected(),
            )
        })
        .await?;
    Ok(reply::ok_versioned(&g, PracticeDto::from(&g)))
}

/// Submit for review (author), publish or return (the province for its regencies/cities and
/// itself, or central government), withdraw from publication. Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/good-practices/{id}/actions",
    operation_id = "actOnGoodPractice",
    tag = "coordination",
    request_body = PracticeActionInput,
    params(PracticeId, IfMatch),
    responses(
        (status = 200, description = "Done.", body = PracticeDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write", "practices:publish"]))
)]
pub async fn act_on_practice(
    caller: Caller,
    if_match: IfMatch,
    id: PracticeId,
    body: ApiJson<PracticeActionInput>,
) -> Result<HttpResponse, ApiError> {
    let read = caller.may(Action::ReadAgreements)?;
    // The author submits; the reviewer publishes, returns and withdraws.
    let allowed = match body.value.action {
        PracticeAction::Submit => caller.may(Action::WriteAgreements)?,
        _ => caller.may(Action::PublishPractices)?,
    };
    let g = caller
        .write(move |c, ctx| {
            practices::act(
                c,
                ctx,
                (&read, &allowed),
                &id,
                body.value,
                if_match.expected(),
            )
        })
        .await?;
    Ok(reply::ok_versioned(&g, PracticeDto::from(&g)))
}

super::operations! {
    region_potentials,
    create_potential,
    search_potentials,
    update_potential,
    matches,
    list_meetings,
    create_meeting,
    get_meeting,
    upload_meeting_document,
    download_meeting_document,
    follow_up,
    list_practices,
    create_practice,
    get_practice,
    update_practice,
    act_on_practice,
}
