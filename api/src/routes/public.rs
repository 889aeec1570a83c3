//! The public open-data feed (DOMAIN.md §9): what anyone may see of agreements and published
//! good practices, without authentication — only the fields the data model marks public
//! (`jalin_domain::coordination::PUBLIC_*`), cursor-paginated, cacheable, as JSON or CSV, and
//! rate-limited per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_persistence::coordination;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::openapi::responses::TooManyRequests;
use crate::pagination::PageRequest;
use crate::routes::region_param;
use crate::state::AppState;

/// A fixed window per client address.
pub struct Limiter {
    per_minute: u32,
    seen: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Limiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request; the seconds to wait when over the limit.
    pub fn check(&self, addr: Option<IpAddr>) -> Result<(), u64> {
        let Some(addr) = addr else { return Ok(()) };
        let Ok(mut seen) = self.seen.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if seen.len() > 100_000 {
            seen.retain(|_, (_, start)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = seen.entry(addr).or_insert((0, now));
        if now.duration_since(entry.1) >= Duration::from_secs(60) {
            *entry = (0, now);
        }
        entry.0 += 1;
        if entry.0 > self.per_minute {
            Err(60u64
                .saturating_sub(now.duration_since(entry.1).as_secs())
                .max(1))
        } else {
            Ok(())
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PublicPartner {
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// An agreement as the public sees it.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01938f6a-0000-7000-8000-000000000001", "region_code": "33", "region_name": "Jawa Tengah",
    "kind": "ksdpl", "subtype": "sister_province", "instrument": "mou",
    "title_id": "Kerja Sama Provinsi Kembar Jawa Tengah–Queensland", "title_en": "Sister Province Cooperation Central Java–Queensland",
    "partners": [{"name": "State of Queensland", "country": "AU"}], "sectors": ["pendidikan"], "objects": ["cultural_exchange"],
    "signed_on": "2019-08-06", "effective_from": "2019-08-06", "expires_on": "2024-08-05", "status": "expired"
}))]
pub struct PublicAgreement {
    pub id: String,
    pub region_code: String,
    pub region_name: String,
    pub kind: String,
    pub subtype: String,
    pub instrument: String,
    pub title_id: String,
    pub title_en: Option<String>,
    pub partners: Vec<PublicPartner>,
    pub sectors: Vec<String>,
    pub objects: Vec<String>,
    pub signed_on: Option<NaiveDate>,
    pub effective_from: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub status: String,
}

crate::page_of!(PublicAgreementPage, PublicAgreement);

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FeedFormat {
    Json,
    Csv,
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// Only this region (a province includes its regencies/cities).
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region: Option<String>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<FeedFormat>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Answers with caching headers: a strong ETag of the body, `304` when it matches
/// `If-None-Match`, and `Cache-Control: public, max-age=300`.
fn cached(req: &HttpRequest, content_type: &str, body: Vec<u8>) -> HttpResponse {
    let tag = format!(
        "\"{}\"",
        Sha256::digest(&body)[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::VARY, "Accept-Encoding"));
    if matches {
        res.finish()
    } else {
        res.content_type(content_type).body(body)
    }
}

fn limit(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    state
        .public_limiter
        .check(req.peer_addr().map(|a| a.ip()))
        .map_err(|wait| ApiError::RateLimited {
            retry_after_secs: wait,
        })
}

fn csv_of(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    for r in rows {
        w.write_record(&r)
            .map_err(|e| ApiError::internal(e.to_string()))?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// Agreements in force or ended (never drafts or cases in approval), public fields only. No
/// authentication; cacheable; `format=csv` for spreadsheets.
#[utoipa::path(
    get,
    path = "/v1/public/agreements",
    operation_id = "listPublicAgreements",
    tag = "public",
    params(PublicQuery),
    responses(
        (status = 200, description = "A page of agreements (JSON), or CSV.", body = PublicAgreementPage,
            content((PublicAgreementPage = "application/json"), (String = "text/csv")),
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)."),
        (status = 429, response = TooManyRequests),
    ),
    security(())
)]
pub async fn agreements(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ApiQuery<PublicQuery>,
) -> Result<HttpResponse, ApiError> {
    limit(&state, &req)?;
    let q = query.0;
    let region = region_param("region", q.region.as_deref())?;
    let page = PageRequest::new("public-agreements", q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let rows = state
        .db(move |c| {
            Ok(coordination::public_agreements(
                c,
                region.as_ref().map(|r| r.as_str()),
                p.after.as_deref(),
                p.fetch(),
            )?)
        })
        .await?;
    let items: Vec<PublicAgreement> = rows
        .into_iter()
        .map(|(r, partners)| PublicAgreement {
            id: r.id,
            region_code: r.region_code,
            region_name: r.region_name,
            kind: r.kind,
            subtype: r.subtype,
            instrument: r.instrument,
            title_id: r.title_id,
            title_en: r.title_en,
            partners: partners
                .into_iter()
                .map(|(name, country)| PublicPartner { name, country })
                .collect(),
            sectors: split(&r.sectors),
            objects: split(&r.objects),
            signed_on: r.signed_on,
            effective_from: r.effective_from,
            expires_on: r.expires_on,
            status: r.status,
        })
        .collect();
    let (items, next_cursor) = page.page(items, |a| a.id.clone());
    if q.format == Some(FeedFormat::Csv) {
        let d = |v: &Option<NaiveDate>| v.map(|x| x.to_string()).unwrap_or_default();
        let rows = items
            .iter()
            .map(|a| {
                vec![
                    a.id.clone(),
                    a.region_code.clone(),
                    a.region_name.clone(),
                    a.kind.clone(),
                    a.subtype.clone(),
                    a.instrument.clone(),
                    a.title_id.clone(),
                    a.title_en.clone().unwrap_or_default(),
                    a.partners
                        .iter()
                        .map(|p| p.name.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                    a.partners
                        .iter()
                        .map(|p| p.country.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                    a.sectors.join("; "),
                    a.objects.join("; "),
                    d(&a.signed_on),
                    d(&a.effective_from),
                    d(&a.expires_on),
                    a.status.clone(),
                ]
            })
            .collect();
        let body = csv_of(
            &[
                "id",
                "region_code",
                "region_name",
                "kind",
                "subtype",
                "instrument",
                "title_id",
                "title_en",
                "partners",
                "countries",
                "sectors",
                "objects",
                "signed_on",
                "effective_from",
                "expires_on",
                "status",
            ],
            rows,
        )?;
        let mut res = cached(&req, "text/csv; charset=utf-8", body);
        if let Some(c) = next_cursor {
            res.headers_mut().insert(
                header::LINK,
                header::HeaderValue::from_str(&format!(
                    "</v1/public/agreements?format=csv&cursor={c}>; rel=\"next\""
                ))
                .map_err(|e| ApiError::internal(e.to_string()))?,
            );
        }
        return Ok(res);
    }
    let body = serde_json::to_vec(&PublicAgreementPage { items, next_cursor })
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(cached(&req, "application/json", body))
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct Figure {
    #[schema(example = "Guru SMK dilatih")]
    pub label: String,
    #[schema(example = "40")]
    pub value: String,
    #[schema(example = "orang")]
    pub unit: Option<String>,
}

/// A published good practice as the public sees it.
#[derive(Serialize, ToSchema)]
pub struct PublicPractice {
    pub id: String,
    pub region_code: String,
    pub title: String,
    pub context: String,
    pub actions: String,
    pub results: String,
    pub figures: Vec<Figure>,
    pub lessons: String,
    pub agreement_ids: Vec<String>,
    pub published_at: Option<DateTime<Utc>>,
}

crate::page_of!(PublicPracticePage, PublicPractice);

/// Published good practices. No authentication; cacheable; `format=csv` for spreadsheets.
#[utoipa::path(
    get,
    path = "/v1/public/good-practices",
    operation_id = "listPublicGoodPractices",
    tag = "public",
    params(PublicQuery),
    responses(
        (status = 200, description = "A page of good practices (JSON), or CSV.", body = PublicPracticePage,
            content((PublicPracticePage = "application/json"), (String = "text/csv")),
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)."),
        (status = 429, response = TooManyRequests),
    ),
    security(())
)]
pub async fn good_practices(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ApiQuery<PublicQuery>,
) -> Result<HttpResponse, ApiError> {
    limit(&state, &req)?;
    let q = query.0;
    let region = region_param("region", q.region.as_deref())?;
    let page = PageRequest::new("public-good-practices", q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let rows = state
        .db(move |c| {
            Ok(coordination::list_practices(
                c,
                None,
                region.as_ref().map(|r| r.as_str()),
                p.after.as_deref(),
                p.fetch(),
            )?)
        })
        .await?;
    let items: Vec<PublicPractice> = rows
        .into_iter()
        .map(|g| PublicPractice {
            id: g.id,
            region_code: g.region_code,
            title: g.title,
            context: g.context,
            actions: g.actions,
            results: g.results,
            figures: serde_json::from_str(&g.figures).unwrap_or_default(),
            lessons: g.lessons,
            agreement_ids: serde_json::from_str(&g.agreement_ids).unwrap_or_default(),
            published_at: g.published_at.map(|t| t.and_utc()),
        })
        .collect();
    let (items, next_cursor) = page.page(items, |g| g.id.clone());
    if q.format == Some(FeedFormat::Csv) {
        let rows = items
            .iter()
            .map(|g| {
                vec![
                    g.id.clone(),
                    g.region_code.clone(),
                    g.title.clone(),
                    g.context.clone(),
                    g.actions.clone(),
                    g.results.clone(),
                    g.figures
                        .iter()
                        .map(|f| {
                            format!(
                                "{}: {} {}",
                                f.label,
                                f.value,
                                f.unit.clone().unwrap_or_default()
                            )
                            .trim()
                            .to_owned()
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                    g.lessons.clone(),
                    g.agreement_ids.join("; "),
                    g.published_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                ]
            })
            .collect();
        let body = csv_of(
            &[
                "id",
                "region_code",
                "title",
                "context",
                "actions",
                "results",
                "figures",
                "lessons",
                "agreement_ids",
                "published_at",
            ],
            rows,
        )?;
        return Ok(cached(&req, "text/csv; charset=utf-8", body));
    }
    let body = serde_json::to_vec(&PublicPracticePage { items, next_cursor })
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(cached(&req, "application/json", body))
}
