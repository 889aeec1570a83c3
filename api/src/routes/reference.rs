//! Reference data: regions (Kemendagri codes) and countries (ISO 3166-1).

use actix_web::{web, HttpResponse};
use jalin_domain::access::Action;
use jalin_domain::{Country, Region, RegionKind};
use jalin_persistence::reference::{CountryFilter, RegionFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::page_of;
use crate::pagination::Paging;
use crate::reply;
use crate::service::reference;

crate::mirror! {
    /// A province, regency (*kabupaten*) or city (*kota*).
    #[derive(Serialize, ToSchema)]
    #[schema(as = Region, example = json!({
        "code": "33.74", "name": "Kota Semarang", "kind": "city", "parent_code": "33"
    }))]
    pub struct RegionDto from Region {
        /// Kemendagri code: `NN` for a province, `NN.NN` for a regency/city.
        #[schema(example = "33.74", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
        pub code: String,
        #[schema(example = "Kota Semarang")]
        pub name: String,
        pub kind: RegionKind,
        /// The province of a regency/city; `null` for a province.
        #[schema(example = "33")]
        pub parent_code: Option<String>,
    }
}

page_of!(RegionPage, RegionDto);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct RegionListQuery {
    /// Only regions of this kind.
    pub kind: Option<RegionKind>,
    /// Only the regencies/cities of this province, e.g. `33`.
    #[param(example = "33", pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub parent_code: Option<String>,
}

/// List regions in code order.
#[utoipa::path(
    get,
    path = "/v1/regions",
    operation_id = "listRegions",
    tag = "reference",
    params(RegionListQuery, Paging),
    responses(
        (status = 200, description = "A page of regions, ordered by code.", body = RegionPage,
         example = json!({"items": [{"code": "33.01", "name": "Kabupaten Cilacap", "kind": "regency", "parent_code": "33"}], "next_cursor": "eyJsIjoicmVnaW9ucyIsImsiOiIzMy4wMSJ9"})),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn list_regions(
    caller: Caller,
    ApiQuery(q): ApiQuery<RegionListQuery>,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let page = paging.of("regions")?;
    let filter = RegionFilter {
        kind: q.kind,
        parent_code: super::region_param("parent_code", q.parent_code.as_deref())?,
    };
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| reference::regions(c, &filter, after, n),
            |r| r.code.to_string(),
        )
        .await?;
    Ok(reply::ok(RegionPage::of(&rows, next)))
}

/// Get one region by its code.
#[utoipa::path(
    get,
    path = "/v1/regions/{code}",
    operation_id = "getRegion",
    tag = "reference",
    params(("code" = String, Path, description = "Kemendagri code, e.g. `33` or `33.74`.", example = "33.74")),
    responses(
        (status = 200, description = "The region.", body = RegionDto),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn get_region(caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let region = caller.db(move |c| reference::region(c, &path)).await?;
    Ok(reply::ok(RegionDto::from(&region)))
}

crate::mirror! {
    /// A state, with Indonesia's diplomatic-relations status.
    #[derive(Serialize, ToSchema)]
    #[schema(as = Country, example = json!({
        "iso2": "AU", "iso3": "AUS", "name_en": "Australia", "name_id": "Australia", "diplomatic_relations": true
    }))]
    pub struct CountryDto from Country {
        /// ISO 3166-1 alpha-2 (`XK` for Kosovo).
        #[schema(example = "AU", pattern = "^[A-Z]{2}$")]
        pub iso2: String,
        #[schema(example = "AUS")]
        pub iso3: String,
        #[schema(example = "Australia")]
        pub name_en: String,
        #[schema(example = "Australia")]
        pub name_id: String,
        /// Whether Indonesia has diplomatic relations with it. Rule R4 (PP 28/2018 art. 27(1)a):
        /// no cooperation with a partner in a country without them (Israel, Taiwan, Kosovo).
        pub diplomatic_relations: bool,
    }
}

page_of!(CountryPage, CountryDto);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct CountryListQuery {
    /// Only countries with (`true`) or without (`false`) diplomatic relations with Indonesia.
    pub diplomatic_relations: Option<bool>,
}

/// List countries in ISO code order.
#[utoipa::path(
    get,
    path = "/v1/countries",
    operation_id = "listCountries",
    tag = "reference",
    params(CountryListQuery, Paging),
    responses(
        (status = 200, description = "A page of countries, ordered by `iso2`.", body = CountryPage,
         example = json!({"items": [{"iso2": "IL", "iso3": "ISR", "name_en": "Israel", "name_id": "Israel", "diplomatic_relations": false}], "next_cursor": null})),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn list_countries(
    caller: Caller,
    ApiQuery(q): ApiQuery<CountryListQuery>,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let page = paging.of("countries")?;
    let filter = CountryFilter {
        diplomatic_relations: q.diplomatic_relations,
    };
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| reference::countries(c, &filter, after, n),
            |c| c.iso2.to_string(),
        )
        .await?;
    Ok(reply::ok(CountryPage::of(&rows, next)))
}

/// Get one country by its ISO 3166-1 alpha-2 code (either case).
#[utoipa::path(
    get,
    path = "/v1/countries/{iso2}",
    operation_id = "getCountry",
    tag = "reference",
    params(("iso2" = String, Path, description = "ISO 3166-1 alpha-2 code, e.g. `AU`.", example = "AU")),
    responses(
        (status = 200, description = "The country.", body = CountryDto),
    ),
    security(("bearer" = []), ("client_credentials" = ["reference:read"]))
)]
pub async fn get_country(
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.may(Action::ReadReference)?;
    let country = caller.db(move |c| reference::country(c, &path)).await?;
    Ok(reply::ok(CountryDto::from(&country)))
}

super::operations! {
    list_regions,
    get_region,
    list_countries,
    get_country,
}
