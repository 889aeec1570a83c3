//! Foreign partners: the other side of an agreement. Partners are shared by every region (one
//! Queensland for all), so they are not region-scoped; reading them needs `agreements:read`.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_domain::agreement::{PartnerKind, PartnerLevel};
use jalin_domain::CountryCode;
use jalin_persistence::registry::{Partner, PartnerFilter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::IdempotencyKey;
use crate::openapi::responses::Conflict;
use crate::page_of;
use crate::pagination::Paging;
use crate::reply;
use crate::routes::ids::PartnerId;
use crate::service::partners::{self, Contact, PartnerInput};

crate::mirror! {
    #[derive(Serialize, ToSchema)]
    #[schema(as = Partner, example = json!({
        "id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00", "name": "State of Queensland", "native_name": null,
        "kind": "foreign_local_government", "level": "state", "legal_personality": null, "political_party": false,
        "country": "AU", "subdivision": "Queensland", "website": "https://www.qld.gov.au",
        "contacts": [], "created_at": "2026-11-24T07:00:00Z", "updated_at": "2026-11-24T07:00:00Z"
    }))]
    pub struct PartnerDto from Partner {
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
}

page_of!(PartnerPage, PartnerDto);

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
}

/// List foreign partners.
#[utoipa::path(
    get,
    path = "/v1/partners",
    operation_id = "listPartners",
    tag = "partners",
    params(PartnerListQuery, Paging),
    responses(
        (status = 200, description = "A page of partners, oldest first.", body = PartnerPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    caller: Caller,
    ApiQuery(q): ApiQuery<PartnerListQuery>,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadAgreements)?;
    let page = paging.of("partners")?;
    country_param(q.country.as_deref())?;
    let filter = PartnerFilter {
        country: q.country.map(|c| c.to_ascii_uppercase()),
        kind: q.kind,
        q: q.q,
    };
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| partners::list(c, &filter, after, n),
            |p| p.id.clone(),
        )
        .await?;
    Ok(reply::ok(PartnerPage::of(&rows, next)))
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
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Registered.", body = PartnerDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["partners:write"]))
)]
pub async fn create(
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<PartnerInput>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::WritePartners)?;
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let p = partners::create(c, ctx, input)?;
            reply::created(format!("/v1/partners/{}", p.id), &p, PartnerDto::from(&p))
        })
        .await
}

/// Get a partner.
#[utoipa::path(
    get,
    path = "/v1/partners/{id}",
    operation_id = "getPartner",
    tag = "partners",
    params(PartnerId),
    responses(
        (status = 200, description = "The partner.", body = PartnerDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(caller: Caller, id: PartnerId) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadAgreements)?;
    let p = caller.db(move |c| partners::get(c, &id)).await?;
    Ok(reply::ok_versioned(&p, PartnerDto::from(&p)))
}

/// Replace a partner's details; requires `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/partners/{id}",
    operation_id = "updatePartner",
    tag = "partners",
    request_body = PartnerInput,
    params(PartnerId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = PartnerDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["partners:write"]))
)]
pub async fn update(
    caller: Caller,
    if_match: IfMatch,
    id: PartnerId,
    body: ApiJson<PartnerInput>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::WritePartners)?;
    let p = caller
        .write(move |c, ctx| partners::update(c, ctx, &id, body.value, if_match.expected()))
        .await?;
    Ok(reply::ok_versioned(&p, PartnerDto::from(&p)))
}

super::operations! {
    list,
    create,
    get,
    update,
}
