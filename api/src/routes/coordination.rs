//! Coordination and promotion (DOMAIN.md §9): regional potentials and matchmaking,
//! coordination meetings with numbered recommendations and their follow-up, good practices
//! reviewed by the province before publication.

use jalin_domain::AuditAction;
use jalin_domain::RecordKind;
use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::coordination::{
    rank_partners, FollowUp, MeetingKind, PartnerRecord, PotentialKind, PracticeAction,
    PracticeStatus,
};
use jalin_domain::RegionCode;
use jalin_persistence::audit::{self, Actor, NewEvent};
use jalin_persistence::coordination::{
    self as co, GoodPractice, Meeting, Potential, Recommendation,
};
use jalin_persistence::{activities, reference, registry, DbConnection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::openapi::responses::{
    BadRequest, Conflict, NotFound,
};
use crate::pagination::PageRequest;
use crate::problem::{FieldIssue, Text};
use crate::routes::public::Figure;
use crate::routes::region_param;
use crate::state::AppState;

fn invalid(pointer: &str, code: &str, en: &str, id: &str) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(pointer, code, Text::new(en, id))])
}

fn json_of<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::internal(e.to_string()))
}

fn enum_str<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|x| x.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn enum_from<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    serde_json::from_value(Value::String(s.to_owned()))
        .map_err(|e| ApiError::internal(format!("stored value {s}: {e}")))
}

fn normalize(s: &str) -> String {
    registry::normalize_name(s)
}

/// Appends the audit event of a change to `(record type, id, region)`.
fn record(
    c: &mut DbConnection,
    actor: &Actor,
    action: AuditAction,
    (record_type, id, region): (RecordKind, &str, Option<&str>),
    rid: &str,
    changes: Value,
) -> Result<(), ApiError> {
    audit::append(
        c,
        NewEvent {
            actor,
            action,
            record_type,
            record_id: id,
            region_code: region,
            request_id: Some(rid),
            changes,
        },
    )?;
    Ok(())
}

fn parse_region(pointer: &str, code: &str) -> Result<RegionCode, ApiError> {
    RegionCode::parse(code).map_err(|_| {
        invalid(
            pointer,
            "invalid_format",
            "a region code such as 33 or 33.74",
            "kode daerah seperti 33 atau 33.74",
        )
    })
}

// ---------------------------------------------------------------- potentials

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"sector": "pariwisata", "kind": "tourism", "title": "Candi Borobudur dan kawasan Kota Lama Semarang",
    "description": "Destinasi super prioritas dan warisan kolonial yang direvitalisasi.",
    "figures": "4,2 juta wisatawan (2024)", "needs": "Pelatihan pemandu wisata berbahasa asing; promosi di Australia"}))]
pub struct PotentialInput {
    /// The government affair (*urusan*), as used in agreements' `sectors`, e.g. `pariwisata`.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, example = "pariwisata")]
    pub sector: String,
    pub kind: PotentialKind,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub description: String,
    /// Figures where known.
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub figures: Option<String>,
    /// What the region hopes cooperation will meet.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Potential)]
pub struct PotentialDto {
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

fn potential_dto(p: &Potential) -> Result<PotentialDto, ApiError> {
    Ok(PotentialDto {
        id: p.id.clone(),
        region_code: p.region_code.clone(),
        sector: p.sector.clone(),
        kind: enum_from(&p.kind)?,
        title: p.title.clone(),
        description: p.description.clone(),
        figures: p.figures.clone(),
        needs: p.needs.clone(),
        created_by: p.created_by.clone(),
        created_at: p.created_at.and_utc(),
        updated_at: p.updated_at.and_utc(),
    })
}

crate::page_of!(PotentialPage, PotentialDto);

fn build_potential(
    input: PotentialInput,
    region: &RegionCode,
    by: &str,
    old: Option<&Potential>,
) -> Potential {
    let now = Utc::now().naive_utc();
    let sector = input.sector.trim().to_lowercase();
    let search_text = normalize(&format!(
        "{} {} {} {} {}",
        sector,
        input.title,
        input.description,
        input.figures.as_deref().unwrap_or(""),
        input.needs.as_deref().unwrap_or("")
    ));
    Potential {
        id: old
            .map(|o| o.id.clone())
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        region_code: region.to_string(),
        province_code: region.province().to_string(),
        sector,
        kind: enum_str(input.kind),
        title: input.title.trim().to_owned(),
        description: input.description,
        figures: input.figures,
        needs: input.needs,
        search_text,
        created_by: old
            .map(|o| o.created_by.clone())
            .unwrap_or_else(|| by.to_owned()),
        version: old.map(|o| o.version + 1).unwrap_or(1),
        created_at: old.map(|o| o.created_at).unwrap_or(now),
        updated_at: now,
    }
}

/// Add an item to a region's potential profile.
#[utoipa::path(
    post,
    path = "/v1/regions/{code}/potentials",
    operation_id = "createPotential",
    tag = "coordination",
    request_body = PotentialInput,
    params(
        ("code" = String, Path, description = "Region code.", example = "33.74", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe."),
    ),
    responses(
        (status = 201, description = "Added.", body = PotentialDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn create_potential(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    path: web::Path<String>,
    body: ApiJson<PotentialInput>,
) -> Result<HttpResponse, ApiError> {
    let write = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let code = path.into_inner();
    let region = RegionCode::parse(&code).map_err(|_| ApiError::not_found(RecordKind::Region, code.clone()))?;
    let input = body.value;
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        if reference::get_region(c, &region)?.is_none() {
            return Err(ApiError::not_found(RecordKind::Region, region.to_string()));
        }
        if !write.includes(Some(&region)) {
            return Err(ApiError::Forbidden);
        }
        let p = build_potential(input, &region, &actor.name, None);
        co::insert_potential(c, &p)?;
        record(c, &actor, AuditAction::PotentialCreated, (RecordKind::Potential, &p.id, Some(&p.region_code)), &rid.0,
            json!({"title": {"before": null, "after": p.title}, "sector": {"before": null, "after": p.sector}}))?;
        let body = serde_json::to_value(potential_dto(&p)?).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", Etag::for_version(&p.id, p.version).as_str())
            .header("location", format!("/v1/potentials/{}", p.id)))
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
    /// Only this region (a province includes its regencies/cities).
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region: Option<String>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

async fn search(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: PotentialQuery,
    region: Option<String>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadReference)?;
    let region = region_param("region", region.as_deref())?;
    let page = PageRequest::new("potentials", q.limit, q.cursor.as_deref())?;
    let words: Vec<String> =
        q.q.as_deref()
            .map(|t| normalize(t).split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
    let sector = q.sector.map(|s| s.trim().to_lowercase());
    let p = page.clone();
    let rows = state
        .db(move |c| {
            Ok(co::search_potentials(
                c,
                region.as_ref().map(|r| r.as_str()),
                sector.as_deref(),
                &words,
                p.after.as_deref(),
                p.fetch(),
            )?)
        })
        .await?;
    let items = rows
        .iter()
        .map(potential_dto)
        .collect::<Result<Vec<_>, _>>()?;
    let (items, next_cursor) = page.page(items, |p| p.id.clone());
    Ok(HttpResponse::Ok().json(PotentialPage { items, next_cursor }))
}

/// A region's potential profile (a province includes its regencies/cities).
#[utoipa::path(
    get,
    path = "/v1/regions/{code}/potentials",
    operation_id = "listRegionPotentials",
    tag = "coordination",
    params(("code" = String, Path, description = "Region code.", example = "33", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$"), RegionPotentialQuery),
    responses(
        (status = 200, description = "A page of potentials.", body = PotentialPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn region_potentials(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: ApiQuery<RegionPotentialQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    if RegionCode::parse(&code).is_err() {
        return Err(ApiError::not_found(RecordKind::Region, code));
    }
    let q = query.0;
    let q = PotentialQuery {
        sector: q.sector,
        q: q.q,
        region: None,
        limit: q.limit,
        cursor: q.cursor,
    };
    search(state, auth, q, Some(code)).await
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
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Search potentials across regions by sector and words (promotion, partner finding).
#[utoipa::path(
    get,
    path = "/v1/potentials",
    operation_id = "searchPotentials",
    tag = "coordination",
    params(PotentialQuery),
    responses(
        (status = 200, description = "A page of potentials.", body = PotentialPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn search_potentials(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<PotentialQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let region = q.region.clone();
    search(state, auth, q, region).await
}

/// Replace a potential; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/potentials/{id}",
    operation_id = "updatePotential",
    tag = "coordination",
    request_body = PotentialInput,
    params(("id" = String, Path, description = "Potential id."), ("If-Match" = String, Header, description = "The ETag you read.")),
    responses(
        (status = 200, description = "Changed.", body = PotentialDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn update_potential(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<PotentialInput>,
) -> Result<HttpResponse, ApiError> {
    let write = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let input = body.value;
    let p = state
        .write(move |c| {
            let old = co::find_potential(c, &id)?.ok_or(ApiError::not_found(RecordKind::Potential, id.clone()))?;
            let region = parse_region("/region_code", &old.region_code)?;
            if !write.includes(Some(&region)) {
                return Err(ApiError::Forbidden);
            }
            if_match.check(&Etag::for_version(&old.id, old.version))?;
            let new = build_potential(input, &region, &actor.name, Some(&old));
            if !co::save_potential(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            record(c, &actor, AuditAction::PotentialUpdated, (RecordKind::Potential, &new.id, Some(&new.region_code)), &rid.0,
                json!({"title": {"before": old.title, "after": new.title}, "sector": {"before": old.sector, "after": new.sector}}))?;
            Ok(new)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", Etag::for_version(&p.id, p.version).as_str()))
        .json(potential_dto(&p)?))
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
}

/// Matchmaking: for a region, partners whose sectors meet its potentials, ranked with reasons;
/// for a partner, every Indonesian region that already cooperates with it and in what (only
/// agreements in force or ended, public fields). Give exactly one of `region` and `partner`.
#[utoipa::path(
    get,
    path = "/v1/matches",
    operation_id = "listMatches",
    tag = "coordination",
    params(MatchQuery),
    responses(
        (status = 200, description = "The matches and how they were ranked.", body = Matches),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn matches(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<MatchQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadAgreements)?;
    let mut q = query.0;
    // An empty parameter is an absent one.
    q.partner = q.partner.filter(|p| !p.is_empty());
    let region = region_param("region", q.region.as_deref().filter(|r| !r.is_empty()))?;
    if region.is_some() == q.partner.is_some() {
        return Err(ApiError::invalid_parameter(
            "region",
            "one_of",
            "give exactly one of region and partner",
            "isi tepat satu dari region dan partner",
        ));
    }
    let body = state
        .db(move |c| {
            let rows = co::partner_cooperation(c, q.partner.as_deref())?;
            let split = |s: &str| s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect::<Vec<_>>();
            if let Some(partner) = &q.partner {
                let p = registry::find_partner(c, partner)?.ok_or(ApiError::not_found(RecordKind::Partner, partner.clone()))?;
                let mut by_region: BTreeMap<String, CooperatingRegion> = BTreeMap::new();
                for (_, _, region, sectors, aid, title, status) in rows {
                    let e = by_region.entry(region.clone()).or_insert_with(|| CooperatingRegion {
                        region_code: region.clone(),
                        region_name: None,
                        sectors: Vec::new(),
                        agreements: Vec::new(),
                    });
                    for s in split(&sectors) {
                        if !e.sectors.contains(&s) {
                            e.sectors.push(s);
                        }
                    }
                    e.agreements.push(json!({"id": aid, "title_id": title, "status": status}));
                }
                let mut regions: Vec<CooperatingRegion> = by_region.into_values().collect();
                for r in &mut regions {
                    r.region_name = RegionCode::parse(&r.region_code).ok().map(|code| reference::get_region(c, &code)).transpose()?.flatten().map(|x| x.name);
                    r.sectors.sort();
                }
                return Ok(Matches {
                    method: format!("Every Indonesian region with an agreement in force or ended with {} ({}), by region code.", p.name, p.country),
                    partners: Vec::new(),
                    regions,
                });
            }
            let region = region.ok_or_else(|| ApiError::internal("region missing"))?;
            let sectors: BTreeSet<String> = co::potential_sectors(c, region.as_str())?.into_iter().collect();
            let mut records: BTreeMap<String, PartnerRecord> = BTreeMap::new();
            for (pid, name, r, s, _, _, _) in rows {
                let e = records.entry(pid.clone()).or_insert_with(|| PartnerRecord { partner_id: pid, name, sectors: BTreeSet::new(), regions: BTreeSet::new() });
                e.sectors.extend(split(&s));
                e.regions.insert(r);
            }
            let list: Vec<PartnerRecord> = records.into_values().collect();
            let ranked = rank_partners(region.as_str(), &sectors, &list);
            let mut partners = Vec::new();
            for m in ranked.into_iter().take(50) {
                let p = registry::find_partner(c, &m.partner_id)?;
                let (name, country) = p.map(|p| (p.name, p.country)).unwrap_or_default();
                let mut reasons = vec![format!("cooperates in {} — sectors in {}'s potential profile", m.shared_sectors.join(", "), region)];
                if m.experience > 0 {
                    reasons.push(format!("already works with {} other Indonesian region(s): learn from them", m.experience));
                }
                if m.already_partner {
                    reasons.push("already your partner: deepen the cooperation".into());
                }
                partners.push(PartnerSuggestion {
                    partner_id: m.partner_id,
                    partner_name: name,
                    country,
                    score: m.score,
                    shared_sectors: m.shared_sectors,
                    regions_already_cooperating: m.experience,
                    already_your_partner: m.already_partner,
                    reasons,
                });
            }
            Ok(Matches {
                method: "Partners are scored 10 per sector they already cooperate in (agreements in force or ended) that appears in the region's potentials, plus 1 per other Indonesian region already cooperating with them (at most 5); ties by name, then id.".into(),
                partners,
                regions: Vec::new(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

// ---------------------------------------------------------------- meetings

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone)]
pub struct Participant {
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33.74")]
    pub region_code: Option<String>,
    #[validate(length(min = 1, max = 300))]
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "Bagian Kerja Sama Kota Semarang"
    )]
    pub agency: String,
    #[validate(range(min = 1, max = 10000))]
    #[schema(minimum = 1, maximum = 10000, example = 2)]
    pub count: u32,
}

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone)]
pub struct RecommendationInput {
    /// Its number in the meeting's conclusions (1, 2, …), unique in the meeting.
    #[validate(range(min = 1, max = 999))]
    #[schema(minimum = 1, maximum = 999)]
    pub number: i32,
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
    /// The region responsible for the follow-up.
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub owner_region_code: Option<String>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub owner_agency: Option<String>,
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub agreement_ids: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub region_codes: Vec<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"kind": "coordination_meeting", "title": "Rapat Koordinasi Kerja Sama Luar Negeri Provinsi Jawa Tengah",
    "starts_on": "2026-03-10", "place": "Semarang", "organiser": "Biro Pemerintahan, Otda dan Kerja Sama", "region_code": "33",
    "participants": [{"region_code": "33.74", "agency": "Bagian Kerja Sama Kota Semarang", "count": 2}],
    "recommendations": [{"number": 1, "text": "Setiap kab/kota menyusun rencana aksi kerja sama.", "owner_region_code": "33.74", "due_on": "2026-06-30"}]}))]
pub struct MeetingInput {
    pub kind: MeetingKind,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub place: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub organiser: String,
    /// The organising region; absent for a central (national) meeting.
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
    #[serde(default)]
    #[validate(length(max = 600), nested)]
    #[schema(max_items = 600)]
    pub participants: Vec<Participant>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub agenda: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub recommendations: Vec<RecommendationInput>,
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct FollowUpNote {
    pub at: DateTime<Utc>,
    pub by: String,
    pub status: FollowUp,
    pub note: String,
}

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

/// A file of a meeting (minutes, attendance list, presentation, photo).
#[derive(Serialize, ToSchema)]
pub struct MeetingDocumentDto {
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

const MEETING_DOCUMENT_ROLES: &[&str] =
    &["minutes", "attendance", "presentation", "photo", "other"];

fn meeting_document_dto(d: &co::MeetingDocument) -> MeetingDocumentDto {
    MeetingDocumentDto {
        id: d.id.clone(),
        role: d.role.clone(),
        name: d.name.clone(),
        media_type: d.media_type.clone(),
        size_bytes: d.size_bytes,
        sha256: d.sha256.clone(),
        uploaded_by: d.uploaded_by.clone(),
        uploaded_at: d.uploaded_at.and_utc(),
    }
}

/// The multipart form of a meeting document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MeetingUploadForm {
    /// The file: PDF, DOCX, ODT, JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(
        pattern = "^(minutes|attendance|presentation|photo|other)$",
        example = "minutes"
    )]
    role: String,
}

/// Attach a document to a meeting (multipart: `file`, `role`), by its organiser's scope.
#[utoipa::path(
    post,
    path = "/v1/meetings/{id}/documents",
    operation_id = "uploadMeetingDocument",
    tag = "coordination",
    params(("id" = String, Path, description = "Meeting id.")),
    request_body(content = MeetingUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored.", body = MeetingDocumentDto),
        (status = 413, response = BadRequest),
    ),
    security(("bearer" = []), ("client_credentials" = ["meetings:write"]))
)]
pub async fn upload_meeting_document(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    rid: RequestId,
    path: web::Path<String>,
    payload: Option<actix_multipart::Multipart>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteMeetings)?;
    let id = path.into_inner();
    let lookup = (id.clone(), read.clone());
    let m = state
        .db(move |c| {
            co::find_meeting(c, &lookup.0, &lookup.1)?.ok_or(ApiError::not_found(RecordKind::Meeting, lookup.0.clone()))
        })
        .await?;
    let organiser_ok = match &m.region_code {
        None => matches!(write, Visibility::All),
        Some(r) => RegionCode::parse(r).is_ok_and(|code| write.includes(Some(&code))),
    };
    if !organiser_ok {
        return Err(ApiError::Forbidden);
    }
    let mut up = crate::routes::documents::receive(
        &req,
        payload,
        state.config.document_max_bytes,
        &["role"],
    )
    .await?;
    let role = up.fields.remove("role").unwrap_or_default();
    if !MEETING_DOCUMENT_ROLES.contains(&role.as_str()) {
        return Err(invalid(
            "/role",
            "invalid_value",
            "minutes, attendance, presentation, photo or other",
            "minutes, attendance, presentation, photo atau other",
        ));
    }
    let doc_id = uuid::Uuid::now_v7().to_string();
    let key = format!("meetings/{id}/{doc_id}");
    let size = up.file.len() as i64;
    state.storage.put_new(&key, up.file.clone()).await?;
    let doc = co::MeetingDocument {
        id: doc_id,
        meeting_id: m.id.clone(),
        role,
        name: up.name.clone(),
        media_type: up.media_type.into(),
        size_bytes: size,
        sha256: up.sha256.clone(),
        storage_key: key.clone(),
        uploaded_by: auth.0.name.clone(),
        uploaded_at: Utc::now().naive_utc(),
    };
    let actor = auth.actor();
    let saved = doc.clone();
    let result = state
        .write(move |c| {
            co::insert_meeting_document(c, &saved)?;
            record(
                c,
                &actor,
                AuditAction::MeetingDocumentUploaded,
                (RecordKind::Meeting, &saved.meeting_id, m.region_code.as_deref()),
                &rid.0,
                json!({"document": {"before": null, "after": {"id": saved.id, "role": saved.role, "sha256": saved.sha256}}}),
            )
        })
        .await;
    if let Err(e) = result {
        state.storage.delete(&key).await;
        return Err(e);
    }
    Ok(HttpResponse::Created().json(meeting_document_dto(&doc)))
}

crate::page_of!(MeetingPage, MeetingDto);

fn today() -> NaiveDate {
    crate::clock::today()
}

fn recommendation_dto(r: &Recommendation) -> Result<RecommendationDto, ApiError> {
    let status: FollowUp = enum_from(&r.status)?;
    Ok(RecommendationDto {
        id: r.id.clone(),
        meeting_id: r.meeting_id.clone(),
        number: r.number,
        text: r.text.clone(),
        owner_region_code: r.owner_region_code.clone(),
        owner_agency: r.owner_agency.clone(),
        due_on: r.due_on,
        overdue: status.is_pending() && r.due_on.is_some_and(|d| d < today()),
        status,
        notes: serde_json::from_str(&r.notes).unwrap_or_default(),
        agreement_ids: serde_json::from_str(&r.agreement_ids).unwrap_or_default(),
        region_codes: serde_json::from_str(&r.region_codes).unwrap_or_default(),
        updated_at: r.updated_at.and_utc(),
        etag: Etag::for_version(&r.id, r.version).as_str().to_owned(),
    })
}

fn meeting_dto(c: &mut DbConnection, m: &Meeting) -> Result<MeetingDto, ApiError> {
    let participants: Vec<Participant> = serde_json::from_str(&m.participants).unwrap_or_default();
    Ok(MeetingDto {
        id: m.id.clone(),
        kind: enum_from(&m.kind)?,
        title: m.title.clone(),
        starts_on: m.starts_on,
        ends_on: m.ends_on,
        place: m.place.clone(),
        organiser: m.organiser.clone(),
        region_code: m.region_code.clone(),
        participant_count: participants.iter().map(|p| p.count).sum(),
        participants,
        agenda: m.agenda.clone(),
        recommendations: co::recommendations_of(c, &m.id)?
            .iter()
            .map(recommendation_dto)
            .collect::<Result<_, _>>()?,
        documents: co::meeting_documents(c, &m.id)?
            .iter()
            .map(meeting_document_dto)
            .collect(),
        created_by: m.created_by.clone(),
        created_at: m.created_at.and_utc(),
    })
}

/// Record a coordination meeting with its numbered recommendations.
#[utoipa::path(
    post,
    path = "/v1/meetings",
    operation_id = "createMeeting",
    tag = "coordination",
    request_body = MeetingInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe.")),
    responses(
        (status = 201, description = "Recorded.", body = MeetingDto, headers(("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["meetings:write"]))
)]
pub async fn create_meeting(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    body: ApiJson<MeetingInput>,
) -> Result<HttpResponse, ApiError> {
    let write = auth.may(Action::WriteMeetings)?;
    let read = auth.may(Action::ReadAgreements)?;
    let actor = auth.actor();
    let input = body.value;
    let region = input
        .region_code
        .as_deref()
        .map(|r| parse_region("/region_code", r))
        .transpose()?;
    // A central meeting is central government's; a regional one within the write scope.
    let allowed = match &region {
        None => matches!(write, Visibility::All),
        Some(r) => write.includes(Some(r)),
    };
    if !allowed {
        return Err(ApiError::Forbidden);
    }
    if input.ends_on.is_some_and(|e| e < input.starts_on) {
        return Err(invalid(
            "/ends_on",
            "before_start",
            "the end is before the start",
            "tanggal selesai sebelum tanggal mulai",
        ));
    }
    let mut numbers = BTreeSet::new();
    for (i, r) in input.recommendations.iter().enumerate() {
        if !numbers.insert(r.number) {
            return Err(invalid(
                &format!("/recommendations/{i}/number"),
                "duplicate_number",
                "each recommendation has its own number",
                "setiap rekomendasi bernomor unik",
            ));
        }
        if let Some(o) = &r.owner_region_code {
            parse_region(&format!("/recommendations/{i}/owner_region_code"), o)?;
        }
        for (j, code) in r.region_codes.iter().enumerate() {
            parse_region(&format!("/recommendations/{i}/region_codes/{j}"), code)?;
        }
    }
    for (i, p) in input.participants.iter().enumerate() {
        if let Some(r) = &p.region_code {
            parse_region(&format!("/participants/{i}/region_code"), r)?;
        }
    }
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        let mut codes: Vec<(String, String)> = region.iter().map(|r| ("/region_code".to_owned(), r.to_string())).collect();
        for (i, p) in input.participants.iter().enumerate() {
            codes.extend(p.region_code.iter().map(|r| (format!("/participants/{i}/region_code"), r.clone())));
        }
        for (i, r) in input.recommendations.iter().enumerate() {
            codes.extend(r.owner_region_code.iter().map(|o| (format!("/recommendations/{i}/owner_region_code"), o.clone())));
            for (j, code) in r.region_codes.iter().enumerate() {
                codes.push((format!("/recommendations/{i}/region_codes/{j}"), code.clone()));
            }
        }
        for (pointer, code) in codes {
            let known = RegionCode::parse(&code).ok().map(|r| reference::get_region(c, &r)).transpose()?.flatten();
            if known.is_none() {
                return Err(invalid(&pointer, "unknown_region", "no such region", "daerah tidak dikenal"));
            }
        }
        for (i, r) in input.recommendations.iter().enumerate() {
            for (j, a) in r.agreement_ids.iter().enumerate() {
                if registry::find_agreement(c, a, &read)?.is_none() {
                    return Err(invalid(&format!("/recommendations/{i}/agreement_ids/{j}"), "unknown_agreement", "no such agreement visible to you", "kerja sama tidak ditemukan"));
                }
            }
        }
        let now = Utc::now().naive_utc();
        let mut audience: BTreeSet<String> = region.iter().map(|r| r.to_string()).collect();
        audience.extend(input.participants.iter().filter_map(|p| p.region_code.clone()));
        audience.extend(input.recommendations.iter().filter_map(|r| r.owner_region_code.clone()));
        let m = Meeting {
            audience: if audience.is_empty() {
                String::new()
            } else {
                format!(",{},", audience.into_iter().collect::<Vec<_>>().join(","))
            },
            id: uuid::Uuid::now_v7().to_string(),
            province_code: region.as_ref().map(|r| r.province().to_string()),
            region_code: region.as_ref().map(|r| r.to_string()),
            kind: enum_str(input.kind),
            title: input.title.trim().to_owned(),
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            place: input.place,
            organiser: input.organiser,
            participants: json_of(&input.participants)?,
            agenda: input.agenda,
            created_by: actor.name.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        co::insert_meeting(c, &m)?;
        for r in &input.recommendations {
            let owner = r.owner_region_code.as_deref().and_then(|o| RegionCode::parse(o).ok());
            co::insert_recommendation(c, &Recommendation {
                id: uuid::Uuid::now_v7().to_string(),
                meeting_id: m.id.clone(),
                number: r.number,
                text: r.text.clone(),
                owner_province_code: owner.as_ref().map(|o| o.province().to_string()),
                owner_region_code: owner.map(|o| o.to_string()),
                owner_agency: r.owner_agency.clone(),
                due_on: r.due_on,
                status: FollowUp::Open.as_str().into(),
                notes: "[]".into(),
                agreement_ids: json_of(&r.agreement_ids)?,
                region_codes: json_of(&r.region_codes)?,
                version: 1,
                updated_at: now,
            })?;
        }
        record(c, &actor, AuditAction::MeetingCreated, (RecordKind::Meeting, &m.id, m.region_code.as_deref()), &rid.0,
            json!({"title": {"before": null, "after": m.title}, "recommendations": {"before": null, "after": input.recommendations.len()}}))?;
        let body = serde_json::to_value(meeting_dto(c, &m)?).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body).header("location", format!("/v1/meetings/{}", m.id)))
    })
    .await
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Meetings you can see: central ones, and your region's (a province: with its regencies').
#[utoipa::path(
    get,
    path = "/v1/meetings",
    operation_id = "listMeetings",
    tag = "coordination",
    params(MeetingQuery),
    responses(
        (status = 200, description = "A page of meetings.", body = MeetingPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list_meetings(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<MeetingQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let page = PageRequest::new("meetings", query.0.limit, query.0.cursor.as_deref())?;
    let p = page.clone();
    let items = state
        .db(move |c| {
            let rows = co::list_meetings(c, &vis, p.after.as_deref(), p.fetch())?;
            rows.iter()
                .map(|m| meeting_dto(c, m))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let (items, next_cursor) = page.page(items, |m| m.id.clone());
    Ok(HttpResponse::Ok().json(MeetingPage { items, next_cursor }))
}

/// A meeting with its recommendations and their follow-up.
#[utoipa::path(
    get,
    path = "/v1/meetings/{id}",
    operation_id = "getMeeting",
    tag = "coordination",
    params(("id" = String, Path, description = "Meeting id.")),
    responses(
        (status = 200, description = "The meeting.", body = MeetingDto),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get_meeting(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let body = state
        .db(move |c| {
            let m = co::find_meeting(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::Meeting, id.clone()))?;
            meeting_dto(c, &m)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"status": "in_progress", "note": "Rencana aksi Kota Semarang dalam penyusunan."}))]
pub struct FollowUpInput {
    pub status: FollowUp,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
    /// A new due date, if agreed.
    pub due_on: Option<NaiveDate>,
}

/// Record a recommendation's follow-up (by its owner region or the meeting's organiser).
/// Requires `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/recommendations/{id}",
    operation_id = "followUpRecommendation",
    tag = "coordination",
    request_body = FollowUpInput,
    params(("id" = String, Path, description = "Recommendation id."), ("If-Match" = String, Header, description = "The ETag you read.")),
    responses(
        (status = 200, description = "Recorded.", body = RecommendationDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write", "meetings:write"]))
)]
pub async fn follow_up(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<FollowUpInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let owner_write = auth.0.visibility(Action::WriteAgreements);
    let organiser_write = auth.0.visibility(Action::WriteMeetings);
    if owner_write.is_none() && organiser_write.is_none() {
        return Err(ApiError::Forbidden);
    }
    let actor = auth.actor();
    let id = path.into_inner();
    let input = body.value;
    let r = state
        .write(move |c| {
            let not_found = || ApiError::not_found(RecordKind::Recommendation, id.clone());
            let old = co::find_recommendation(c, &id)?.ok_or_else(not_found)?;
            let m = co::find_meeting(c, &old.meeting_id, &read)?;
            let owner = old.owner_region_code.as_deref().and_then(|o| RegionCode::parse(o).ok());
            let sees_owner = owner.as_ref().is_some_and(|o| read.includes(Some(o)));
            if m.is_none() && !sees_owner {
                return Err(not_found());
            }
            let by_owner = owner.as_ref().is_some_and(|o| owner_write.as_ref().is_some_and(|w| w.includes(Some(o))));
            let by_organiser = m.as_ref().is_some_and(|m| match &m.region_code {
                None => matches!(organiser_write, Some(Visibility::All)),
                Some(r) => RegionCode::parse(r).is_ok_and(|code| organiser_write.as_ref().is_some_and(|w| w.includes(Some(&code)))),
            });
            if !by_owner && !by_organiser {
                return Err(ApiError::Forbidden);
            }
            if_match.check(&Etag::for_version(&old.id, old.version))?;
            let mut notes: Vec<FollowUpNote> = serde_json::from_str(&old.notes).unwrap_or_default();
            notes.push(FollowUpNote { at: Utc::now(), by: actor.name.clone(), status: input.status, note: input.note.clone() });
            let new = Recommendation {
                status: input.status.as_str().into(),
                notes: json_of(&notes)?,
                due_on: input.due_on.or(old.due_on),
                version: old.version + 1,
                updated_at: Utc::now().naive_utc(),
                ..old.clone()
            };
            if !co::save_recommendation(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            record(c, &actor, AuditAction::RecommendationFollowedUp, (RecordKind::Meeting, &new.meeting_id, new.owner_region_code.as_deref()), &rid.0,
                json!({"recommendation": {"before": {"number": old.number, "status": old.status}, "after": {"number": new.number, "status": new.status, "note": input.note}}}))?;
            Ok(new)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", Etag::for_version(&r.id, r.version).as_str()))
        .json(recommendation_dto(&r)?))
}

/// Overdue recommendations in scope (for `/v1/reminders`).
pub fn overdue(
    c: &mut DbConnection,
    vis: &Visibility,
    today: NaiveDate,
) -> Result<Vec<Recommendation>, ApiError> {
    Ok(co::overdue_recommendations(c, vis, today)?)
}

// ---------------------------------------------------------------- good practices

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"region_code": "33", "title": "Pertukaran guru SMK Jawa Tengah–Queensland",
    "context": "Kebutuhan guru vokasi berbahasa Inggris.", "actions": "Program pertukaran 10 guru per tahun sejak 2019.",
    "results": "40 guru dilatih; 12 SMK membuka kelas internasional.", "figures": [{"label": "Guru dilatih", "value": "40", "unit": "orang"}],
    "lessons": "Rencana aksi tahunan dan pendanaan bersama membuat program berlanjut."}))]
pub struct PracticeInput {
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region_code: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub context: String,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub actions: String,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub results: String,
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub figures: Vec<Figure>,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub lessons: String,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub agreement_ids: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub activity_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = GoodPractice)]
pub struct PracticeDto {
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

crate::page_of!(PracticePage, PracticeDto);

fn practice_dto(g: &GoodPractice) -> Result<PracticeDto, ApiError> {
    Ok(PracticeDto {
        id: g.id.clone(),
        region_code: g.region_code.clone(),
        title: g.title.clone(),
        context: g.context.clone(),
        actions: g.actions.clone(),
        results: g.results.clone(),
        figures: serde_json::from_str(&g.figures).unwrap_or_default(),
        lessons: g.lessons.clone(),
        agreement_ids: serde_json::from_str(&g.agreement_ids).unwrap_or_default(),
        activity_ids: serde_json::from_str(&g.activity_ids).unwrap_or_default(),
        status: PracticeStatus::parse(&g.status).unwrap_or(PracticeStatus::Draft),
        review_note: g.review_note.clone(),
        reviewed_by: g.reviewed_by.clone(),
        published_at: g.published_at.map(|t| t.and_utc()),
        created_by: g.created_by.clone(),
        created_at: g.created_at.and_utc(),
        updated_at: g.updated_at.and_utc(),
    })
}

/// The agreements and activities a story cites must be the region's own.
fn check_links(
    c: &mut DbConnection,
    region: &RegionCode,
    input: &PracticeInput,
) -> Result<(), ApiError> {
    let own = Visibility::Region(region.clone());
    for (i, a) in input.agreement_ids.iter().enumerate() {
        if registry::find_agreement(c, a, &own)?.is_none() {
            return Err(invalid(
                &format!("/agreement_ids/{i}"),
                "unknown_agreement",
                "not an agreement of this region",
                "bukan kerja sama daerah ini",
            ));
        }
    }
    for (i, a) in input.activity_ids.iter().enumerate() {
        let ok = match activities::find(c, a)? {
            Some(act) => registry::find_agreement(c, &act.agreement_id, &own)?.is_some(),
            None => false,
        };
        if !ok {
            return Err(invalid(
                &format!("/activity_ids/{i}"),
                "unknown_activity",
                "not an activity of this region",
                "bukan kegiatan daerah ini",
            ));
        }
    }
    Ok(())
}

fn build_practice(
    input: PracticeInput,
    region: &RegionCode,
    by: &str,
    old: Option<&GoodPractice>,
) -> Result<GoodPractice, ApiError> {
    let now = Utc::now().naive_utc();
    Ok(GoodPractice {
        id: old
            .map(|o| o.id.clone())
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        region_code: region.to_string(),
        province_code: region.province().to_string(),
        title: input.title.trim().to_owned(),
        context: input.context,
        actions: input.actions,
        results: input.results,
        figures: json_of(&input.figures)?,
        lessons: input.lessons,
        agreement_ids: json_of(&input.agreement_ids)?,
        activity_ids: json_of(&input.activity_ids)?,
        status: old
            .map(|o| o.status.clone())
            .unwrap_or_else(|| PracticeStatus::Draft.as_str().into()),
        review_note: old.and_then(|o| o.review_note.clone()),
        reviewed_by: old.and_then(|o| o.reviewed_by.clone()),
        published_at: old.and_then(|o| o.published_at),
        created_by: old
            .map(|o| o.created_by.clone())
            .unwrap_or_else(|| by.to_owned()),
        version: old.map(|o| o.version + 1).unwrap_or(1),
        created_at: old.map(|o| o.created_at).unwrap_or(now),
        updated_at: now,
    })
}

fn practice_etag(g: &GoodPractice) -> Etag {
    Etag::for_version(&g.id, g.version)
}

/// Write up a good practice (a draft until the province publishes it).
#[utoipa::path(
    post,
    path = "/v1/good-practices",
    operation_id = "createGoodPractice",
    tag = "coordination",
    request_body = PracticeInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe.")),
    responses(
        (status = 201, description = "Drafted.", body = PracticeDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn create_practice(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    body: ApiJson<PracticeInput>,
) -> Result<HttpResponse, ApiError> {
    let write = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let input = body.value;
    let region = parse_region("/region_code", &input.region_code)?;
    if !write.includes(Some(&region)) {
        return Err(ApiError::Forbidden);
    }
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        if reference::get_region(c, &region)?.is_none() {
            return Err(invalid(
                "/region_code",
                "unknown_region",
                "no such region",
                "daerah tidak dikenal",
            ));
        }
        check_links(c, &region, &input)?;
        let g = build_practice(input, &region, &actor.name, None)?;
        co::insert_practice(c, &g)?;
        record(
            c,
            &actor,
            AuditAction::GoodPracticeCreated,
            (RecordKind::GoodPractice, &g.id, Some(g.region_code.as_str())),
            &rid.0,
            json!({"title": {"before": null, "after": g.title}}),
        )?;
        let body = serde_json::to_value(practice_dto(&g)?)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", practice_etag(&g).as_str())
            .header("location", format!("/v1/good-practices/{}", g.id)))
    })
    .await
}

/// Good practices in your scope (every status), by id.
#[utoipa::path(
    get,
    path = "/v1/good-practices",
    operation_id = "listGoodPractices",
    tag = "coordination",
    params(MeetingQuery),
    responses(
        (status = 200, description = "A page of good practices.", body = PracticePage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list_practices(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<MeetingQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let page = PageRequest::new("good-practices", query.0.limit, query.0.cursor.as_deref())?;
    let p = page.clone();
    let rows = state
        .db(move |c| {
            Ok(co::list_practices(
                c,
                Some(&vis),
                None,
                p.after.as_deref(),
                p.fetch(),
            )?)
        })
        .await?;
    let items = rows
        .iter()
        .map(practice_dto)
        .collect::<Result<Vec<_>, _>>()?;
    let (items, next_cursor) = page.page(items, |g| g.id.clone());
    Ok(HttpResponse::Ok().json(PracticePage { items, next_cursor }))
}

/// A good practice.
#[utoipa::path(
    get,
    path = "/v1/good-practices/{id}",
    operation_id = "getGoodPractice",
    tag = "coordination",
    params(("id" = String, Path, description = "Good practice id.")),
    responses(
        (status = 200, description = "The good practice.", body = PracticeDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get_practice(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let g = state
        .db(move |c| {
            co::find_practice(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::GoodPractice, id))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", practice_etag(&g).as_str()))
        .json(practice_dto(&g)?))
}

/// Replace a draft or returned good practice; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/good-practices/{id}",
    operation_id = "updateGoodPractice",
    tag = "coordination",
    request_body = PracticeInput,
    params(("id" = String, Path, description = "Good practice id."), ("If-Match" = String, Header, description = "The ETag you read.")),
    responses(
        (status = 200, description = "Changed.", body = PracticeDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn update_practice(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<PracticeInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let write = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let input = body.value;
    let g = state
        .write(move |c| {
            let old = co::find_practice(c, &id, &read)?.ok_or(ApiError::not_found(RecordKind::GoodPractice, id.clone()))?;
            let region = parse_region("/region_code", &old.region_code)?;
            if !write.includes(Some(&region)) {
                return Err(ApiError::Forbidden);
            }
            if input.region_code != old.region_code {
                return Err(invalid(
                    "/region_code",
                    "immutable",
                    "the region is fixed once created",
                    "daerah tidak dapat diubah",
                ));
            }
            check_links(c, &region, &input)?;
            if_match.check(&practice_etag(&old))?;
            if !PracticeStatus::parse(&old.status).is_some_and(|s| s.editable()) {
                return Err(ApiError::Conflict {
                    code: "practice_not_editable",
                    detail: Text::new(
                        format!("The good practice is {}; withdraw it to edit.", old.status),
                        format!(
                            "Praktik baik berstatus {}; tarik dahulu untuk mengubah.",
                            old.status
                        ),
                    ),
                });
            }
            let new = build_practice(input, &region, &actor.name, Some(&old))?;
            if !co::save_practice(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            record(
                c,
                &actor,
                AuditAction::GoodPracticeUpdated,
                (RecordKind::GoodPractice, &new.id, Some(new.region_code.as_str())),
                &rid.0,
                json!({"title": {"before": old.title, "after": new.title}}),
            )?;
            Ok(new)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", practice_etag(&g).as_str()))
        .json(practice_dto(&g)?))
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"action": "publish", "note": "Layak direplikasi."}))]
pub struct PracticeActionInput {
    pub action: PracticeAction,
    /// Required to return it.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

/// Submit for review (author), publish or return (the province for its regencies/cities and
/// itself, or central government), withdraw from publication. Requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/good-practices/{id}/actions",
    operation_id = "actOnGoodPractice",
    tag = "coordination",
    request_body = PracticeActionInput,
    params(("id" = String, Path, description = "Good practice id."), ("If-Match" = String, Header, description = "The ETag you read.")),
    responses(
        (status = 200, description = "Done.", body = PracticeDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write", "practices:publish"]))
)]
pub async fn act_on_practice(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<PracticeActionInput>,
) -> Result<HttpResponse, ApiError> {
    let read = auth.may(Action::ReadAgreements)?;
    let input = body.value;
    let allowed = match input.action {
        PracticeAction::Submit => auth.may(Action::WriteAgreements)?,
        PracticeAction::Publish | PracticeAction::Return | PracticeAction::Withdraw => {
            auth.may(Action::PublishPractices)?
        }
    };
    let actor = auth.actor();
    let id = path.into_inner();
    let g = state
        .write(move |c| {
            let old = co::find_practice(c, &id, &read)?.ok_or(ApiError::not_found(RecordKind::GoodPractice, id.clone()))?;
            let region = parse_region("/region_code", &old.region_code)?;
            if !allowed.includes(Some(&region)) {
                return Err(ApiError::Forbidden);
            }
            if input.action == PracticeAction::Return && input.note.is_none() {
                return Err(invalid(
                    "/note",
                    "required",
                    "say why it is returned",
                    "sebutkan alasan dikembalikan",
                ));
            }
            if_match.check(&practice_etag(&old))?;
            let status = PracticeStatus::parse(&old.status).unwrap_or(PracticeStatus::Draft);
            let next = status
                .after(input.action)
                .map_err(|why| ApiError::Conflict {
                    code: "practice_state",
                    detail: Text::new(
                        format!("The good practice is {}: {why}.", old.status),
                        format!(
                            "Praktik baik berstatus {}: tidak dapat dilakukan.",
                            old.status
                        ),
                    ),
                })?;
            let now = Utc::now().naive_utc();
            let mut new = GoodPractice {
                status: next.as_str().into(),
                version: old.version + 1,
                updated_at: now,
                ..old.clone()
            };
            match input.action {
                PracticeAction::Publish => {
                    new.published_at = Some(now);
                    new.reviewed_by = Some(actor.name.clone());
                    new.review_note = input.note.clone();
                }
                PracticeAction::Return => {
                    new.reviewed_by = Some(actor.name.clone());
                    new.review_note = input.note.clone();
                }
                PracticeAction::Withdraw => new.published_at = None,
                PracticeAction::Submit => {}
            }
            if !co::save_practice(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            record(
                c,
                &actor,
                match input.action {
                    PracticeAction::Submit => AuditAction::GoodPracticeSubmitted,
                    PracticeAction::Publish => AuditAction::GoodPracticePublished,
                    PracticeAction::Return => AuditAction::GoodPracticeReturned,
                    PracticeAction::Withdraw => AuditAction::GoodPracticeWithdrawn,
                },
                (RecordKind::GoodPractice, &new.id, Some(new.region_code.as_str())),
                &rid.0,
                json!({"status": {"before": old.status, "after": new.status}}),
            )?;
            Ok(new)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", practice_etag(&g).as_str()))
        .json(practice_dto(&g)?))
}
