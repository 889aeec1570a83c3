//! Foreign partners: the other side of an agreement. Partners are shared by every region (one
//! Queensland for all), so they are not region-scoped; reading them needs `agreements:read`.

use jalin_domain::{AuditAction};
use jalin_domain::RecordKind;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_domain::agreement::{check_partner_is_foreign, PartnerKind, PartnerLevel};
use jalin_domain::CountryCode;
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::reference;
use jalin_persistence::registry::{self, Partner, PartnerFilter};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::accounts::changes;
use crate::auth::Authenticated;
use crate::concurrency::{Etag, IfMatch};
use crate::context::RequestId;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::openapi::responses::Conflict;
use crate::page_of;
use crate::pagination::PageRequest;
use crate::problem::{FieldIssue, Text};
use crate::state::AppState;

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone)]
pub struct Contact {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub role: Option<String>,
    #[validate(email)]
    #[schema(format = Email)]
    pub email: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub phone: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Partner, example = json!({
    "id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00", "name": "State of Queensland", "native_name": null,
    "kind": "foreign_local_government", "level": "state", "legal_personality": null, "political_party": false,
    "country": "AU", "subdivision": "Queensland", "website": "https://www.qld.gov.au",
    "contacts": [], "created_at": "2026-11-24T07:00:00Z", "updated_at": "2026-11-24T07:00:00Z"
}))]
pub struct PartnerDto {
    pub id: String,
    pub name: String,
    /// The name in its own script (e.g. 충청북도).
    pub native_name: Option<String>,
    pub kind: PartnerKind,
    /// For a foreign local government: state, province, prefecture, city…
    pub level: Option<PartnerLevel>,
    /// For a foreign non-profit: whether it has legal personality (R2).
    pub legal_personality: Option<bool>,
    /// A political party can never be a partner (R2).
    pub political_party: bool,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub subdivision: Option<String>,
    pub website: Option<String>,
    #[schema(value_type = Vec<Contact>)]
    pub contacts: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Partner> for PartnerDto {
    fn from(p: &Partner) -> Self {
        Self {
            id: p.id.clone(),
            name: p.name.clone(),
            native_name: p.native_name.clone(),
            kind: p.kind,
            level: p.level,
            legal_personality: p.legal_personality,
            political_party: p.political_party,
            country: p.country.clone(),
            subdivision: p.subdivision.clone(),
            website: p.website.clone(),
            contacts: p.contacts.clone(),
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

page_of!(PartnerPage, PartnerDto);

fn etag(p: &Partner) -> String {
    Etag::for_version(&p.id, p.version).as_str().to_owned()
}

fn fields(p: &Partner) -> Value {
    json!({
        "name": p.name, "native_name": p.native_name, "kind": p.kind.as_str(),
        "level": p.level.map(|l| l.as_str()), "legal_personality": p.legal_personality,
        "political_party": p.political_party, "country": p.country, "subdivision": p.subdivision,
        "website": p.website, "contacts": p.contacts,
    })
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PartnerListQuery {
    /// ISO 3166-1 alpha-2.
    #[param(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    pub kind: Option<PartnerKind>,
    /// Words in the name.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// List foreign partners.
#[utoipa::path(
    get,
    path = "/v1/partners",
    operation_id = "listPartners",
    tag = "partners",
    params(PartnerListQuery),
    responses(
        (status = 200, description = "A page of partners, oldest first.", body = PartnerPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<PartnerListQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadAgreements)?;
    let page = PageRequest::new("partners", q.limit, q.cursor.as_deref())?;
    country_param(q.country.as_deref())?;
    let filter = PartnerFilter {
        country: q.country.map(|c| c.to_ascii_uppercase()),
        kind: q.kind,
        q: q.q,
    };
    let (fetch, after) = (page.fetch(), page.after.clone());
    let rows = state
        .db(move |c| {
            Ok(registry::list_partners(
                c,
                &filter,
                after.as_deref(),
                fetch,
            )?)
        })
        .await?;
    let (items, next_cursor) = page.page(rows, |p| p.id.clone());
    Ok(HttpResponse::Ok().json(PartnerPage {
        items: items.iter().map(PartnerDto::from).collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "name": "Chungcheongbuk-do", "native_name": "충청북도", "kind": "foreign_local_government",
    "level": "province", "country": "KR", "website": "https://www.chungbuk.go.kr"
}))]
pub struct PartnerInput {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub native_name: Option<String>,
    pub kind: PartnerKind,
    /// Required for a foreign local government (R6 compares it with the region's level).
    pub level: Option<PartnerLevel>,
    pub legal_personality: Option<bool>,
    #[serde(default)]
    pub political_party: bool,
    /// ISO 3166-1 alpha-2; an entity registered in Indonesia is refused (R1).
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub subdivision: Option<String>,
    /// `http://` or `https://` address.
    #[validate(length(max = 500))]
    #[schema(pattern = r"^https?://\S+$", max_length = 500)]
    pub website: Option<String>,
    #[validate(nested, length(max = 20))]
    #[serde(default)]
    #[schema(max_items = 20)]
    pub contacts: Vec<Contact>,
}

fn invalid(pointer: &str, code: &str, en: String, id: String) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(pointer, code, Text::new(en, id))])
}

fn check_input(
    conn: &mut jalin_persistence::DbConnection,
    p: &PartnerInput,
) -> Result<String, ApiError> {
    let country = CountryCode::parse(&p.country).map_err(|e| {
        invalid(
            "/country",
            "invalid_format",
            e.to_string(),
            format!("`{}` bukan kode negara", p.country),
        )
    })?;
    check_partner_is_foreign(country.as_str()).map_err(|v| ApiError::Rules(vec![v]))?;
    if reference::get_country(conn, &country)?.is_none() {
        return Err(invalid(
            "/country",
            "unknown_country",
            format!("no country `{country}`"),
            format!("tidak ada negara `{country}`"),
        ));
    }
    if let Some(w) = &p.website {
        let ok = (w.starts_with("http://") || w.starts_with("https://"))
            && !w.contains(char::is_whitespace);
        if !ok {
            return Err(invalid(
                "/website",
                "invalid_url",
                "an http:// or https:// address".into(),
                "alamat http:// atau https://".into(),
            ));
        }
    }
    match (p.kind, p.level) {
        (PartnerKind::ForeignLocalGovernment, None) => Err(invalid(
            "/level",
            "required",
            "a foreign local government needs its level (state, province, city…)".into(),
            "pemerintah daerah asing memerlukan tingkatnya".into(),
        )),
        (k, Some(_)) if k != PartnerKind::ForeignLocalGovernment => Err(invalid(
            "/level",
            "not_applicable",
            "only a foreign local government has a level".into(),
            "hanya pemerintah daerah asing yang memiliki tingkat".into(),
        )),
        _ => Ok(country.to_string()),
    }
}

/// A `country` query parameter: two letters.
pub fn country_param(country: Option<&str>) -> Result<(), ApiError> {
    match country {
        Some(c) if CountryCode::parse(c).is_err() => Err(ApiError::invalid_parameter(
            "country",
            "invalid_format",
            "an ISO 3166-1 alpha-2 code",
            "kode ISO 3166-1 alpha-2",
        )),
        _ => Ok(()),
    }
}

fn duplicate(existing: &Partner) -> ApiError {
    ApiError::Conflict {
        code: "partner_exists",
        detail: Text::new(
            format!(
                "A partner with this name in {} exists: `{}` (id {}).",
                existing.country, existing.name, existing.id
            ),
            format!(
                "Mitra dengan nama ini di {} sudah ada: `{}` (id {}).",
                existing.country, existing.name, existing.id
            ),
        ),
    }
}

/// Register a foreign partner.
///
/// R1: an entity registered in Indonesia (even a foreign-owned PT) is not a foreign partner. A
/// partner with the same normalised name in the same country is a 409 naming the existing one.
#[utoipa::path(
    post,
    path = "/v1/partners",
    operation_id = "createPartner",
    tag = "partners",
    request_body = PartnerInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe.")),
    responses(
        (status = 201, description = "Registered.", body = PartnerDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["partners:write"]))
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    body: ApiJson<PartnerInput>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::WritePartners)?;
    let actor = auth.actor();
    let input = body.value;
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        let country = check_input(c, &input)?;
        let now = Utc::now().naive_utc();
        let p = Partner {
            id: uuid::Uuid::now_v7().to_string(),
            name: input.name.trim().to_owned(),
            native_name: input.native_name,
            kind: input.kind,
            level: input.level,
            legal_personality: input.legal_personality,
            political_party: input.political_party,
            country,
            subdivision: input.subdivision,
            website: input.website,
            contacts: serde_json::to_value(&input.contacts).unwrap_or(Value::Array(vec![])),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        registry::insert_partner(c, &p)?.map_err(|existing| duplicate(&existing))?;
        audit::append(
            c,
            NewEvent {
                actor: &actor,
                action: AuditAction::PartnerCreated,
                record_type: RecordKind::Partner,
                record_id: &p.id,
                region_code: None,
                request_id: Some(&rid.0),
                changes: changes(&json!({}), &fields(&p)),
            },
        )?;
        let body = serde_json::to_value(PartnerDto::from(&p))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", etag(&p))
            .header("location", format!("/v1/partners/{}", p.id)))
    })
    .await
}

/// Get a partner.
#[utoipa::path(
    get,
    path = "/v1/partners/{id}",
    operation_id = "getPartner",
    tag = "partners",
    params(("id" = String, Path, description = "Partner id.")),
    responses(
        (status = 200, description = "The partner.", body = PartnerDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let lookup = id.clone();
    let p = state
        .db(move |c| Ok(registry::find_partner(c, &lookup)?))
        .await?
        .ok_or(ApiError::not_found(RecordKind::Partner, id))?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&p)))
        .json(PartnerDto::from(&p)))
}

/// Replace a partner's details; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/partners/{id}",
    operation_id = "updatePartner",
    tag = "partners",
    request_body = PartnerInput,
    params(
        ("id" = String, Path, description = "Partner id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Changed.", body = PartnerDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["partners:write"]))
)]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<PartnerInput>,
) -> Result<HttpResponse, ApiError> {
    auth.may(Action::WritePartners)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let input = body.value;
    let p = state
        .write(move |c| {
            let mut p = registry::find_partner(c, &id)?.ok_or(ApiError::not_found(RecordKind::Partner, id.clone()))?;
            // Invalid input is a 422 whatever the tag; only a valid change meets If-Match.
            let country = check_input(c, &input)?;
            if_match.check(&Etag::for_version(&p.id, p.version))?;
            if let Some(other) = registry::find_partner_by_name(c, &input.name, &country)? {
                if other.id != p.id {
                    return Err(duplicate(&other));
                }
            }
            let before = fields(&p);
            let expected = p.version;
            p.name = input.name.trim().to_owned();
            p.native_name = input.native_name;
            p.kind = input.kind;
            p.level = input.level;
            p.legal_personality = input.legal_personality;
            p.political_party = input.political_party;
            if country != p.country {
                return Err(invalid(
                    "/country",
                    "immutable",
                    "a partner's country cannot change; register the other partner".into(),
                    "negara mitra tidak dapat diubah; daftarkan mitra lain".into(),
                ));
            }
            p.subdivision = input.subdivision;
            p.website = input.website;
            p.contacts = serde_json::to_value(&input.contacts).unwrap_or(Value::Array(vec![]));
            p.version += 1;
            p.updated_at = Utc::now().naive_utc();
            if !registry::save_partner(c, &p, expected)? {
                return Err(ApiError::PreconditionFailed);
            }
            registry::refresh_search_text(c, &p.id)?;
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::PartnerUpdated,
                    record_type: RecordKind::Partner,
                    record_id: &p.id,
                    region_code: None,
                    request_id: Some(&rid.0),
                    changes: changes(&before, &fields(&p)),
                },
            )?;
            Ok(p)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&p)))
        .json(PartnerDto::from(&p)))
}
