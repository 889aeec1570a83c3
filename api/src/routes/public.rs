//! The public open-data feed: what anyone may see of agreements and published
//! good practices, without authentication — only the fields the data model marks public
//! (`jalin_domain::coordination::PUBLIC_*`), cursor-paginated, cacheable, as JSON or CSV, and
//! rate-limited per client address.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::agreement::{
    AgreementKind, AgreementStatus, CooperationObject, Instrument, Subtype,
};
use jalin_domain::coordination::Figure;
use jalin_domain::{RegionCode, Text};
use jalin_persistence::coordination::{self as co, GoodPractice};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::error::ApiError;
use crate::export::{Delimiter, ExportLang, LabelMode, Layout};
use crate::extract::ApiQuery;
use crate::openapi::responses::TooManyRequests;
use crate::pagination::{PageRequest, Paging};
use crate::routes::InRegion;
use crate::service::coordination::public;
use crate::state::AppState;

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

impl From<co::PublicAgreement> for PublicAgreement {
    fn from(p: co::PublicAgreement) -> Self {
        let a = p.agreement;
        Self {
            id: a.id,
            region_code: a.region_code,
            region_name: a.region_name,
            kind: a.kind.as_str().into(),
            subtype: a.subtype.as_str().into(),
            instrument: a.instrument.as_str().into(),
            title_id: a.title_id,
            title_en: a.title_en,
            partners: p
                .partners
                .into_iter()
                .map(|p| PublicPartner {
                    name: p.name,
                    country: p.country,
                })
                .collect(),
            sectors: a.sectors,
            objects: a.objects,
            signed_on: a.signed_on,
            effective_from: a.effective_from,
            expires_on: a.expires_on,
            status: a.status.as_str().into(),
        }
    }
}

crate::page_of!(PublicAgreementPage, PublicAgreement);

crate::mirror! {
    /// A published good practice as the public sees it.
    #[derive(Serialize, ToSchema)]
    pub struct PublicPractice from GoodPractice {
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
}

crate::page_of!(PublicPracticePage, PublicPractice);

/// An item of the feed as a spreadsheet row.
trait CsvRow {
    /// The columns: field name, header in English, header in Indonesian.
    const COLUMNS: &'static [(&'static str, &'static str, &'static str)];
    /// The cells, values as `layout` writes them (codes without one).
    fn row(&self, layout: Option<&Layout>) -> Vec<String>;
}

/// A coded value as `layout` writes it: its label when it has one and the layout asks for it.
fn coded(layout: Option<&Layout>, code: &str, label: Option<Text>) -> String {
    match (layout, label) {
        (Some(l), Some(t)) => l.value(code, t),
        _ => code.to_owned(),
    }
}

impl CsvRow for PublicAgreement {
    const COLUMNS: &'static [(&'static str, &'static str, &'static str)] = &[
        ("id", "Id", "Id"),
        ("region_code", "Region code", "Kode daerah"),
        ("region_name", "Region", "Daerah"),
        ("kind", "Kind", "Jenis kerja sama"),
        ("subtype", "Subtype", "Subjenis"),
        ("instrument", "Instrument", "Bentuk naskah"),
        ("title_id", "Title (Indonesian)", "Judul (bahasa Indonesia)"),
        ("title_en", "Title (English)", "Judul (bahasa Inggris)"),
        ("partners", "Partners", "Mitra"),
        ("countries", "Partner countries", "Negara mitra"),
        ("sectors", "Sectors", "Sektor"),
        ("objects", "Objects", "Objek kerja sama"),
        ("signed_on", "Signed on", "Tanggal penandatanganan"),
        ("effective_from", "In force from", "Berlaku sejak"),
        ("expires_on", "Expires on", "Berakhir pada"),
        ("status", "Status", "Status"),
    ];

    fn row(&self, layout: Option<&Layout>) -> Vec<String> {
        let d = |v: &Option<NaiveDate>| v.map(|x| x.to_string()).unwrap_or_default();
        let partners = |f: fn(&PublicPartner) -> &str| {
            self.partners.iter().map(f).collect::<Vec<_>>().join("; ")
        };
        let objects: Vec<String> = self
            .objects
            .iter()
            .map(|o| coded(layout, o, CooperationObject::parse(o).map(|o| o.label())))
            .collect();
        vec![
            self.id.clone(),
            self.region_code.clone(),
            self.region_name.clone(),
            coded(
                layout,
                &self.kind,
                AgreementKind::parse(&self.kind).map(|k| k.label()),
            ),
            coded(
                layout,
                &self.subtype,
                Subtype::parse(&self.subtype).map(|k| k.label()),
            ),
            coded(
                layout,
                &self.instrument,
                Instrument::parse(&self.instrument).map(|k| k.label()),
            ),
            self.title_id.clone(),
            self.title_en.clone().unwrap_or_default(),
            partners(|p| &p.name),
            partners(|p| &p.country),
            self.sectors.join("; "),
            objects.join("; "),
            d(&self.signed_on),
            d(&self.effective_from),
            d(&self.expires_on),
            coded(
                layout,
                &self.status,
                AgreementStatus::parse(&self.status).map(|k| k.label()),
            ),
        ]
    }
}

impl CsvRow for PublicPractice {
    const COLUMNS: &'static [(&'static str, &'static str, &'static str)] = &[
        ("id", "Id", "Id"),
        ("region_code", "Region code", "Kode daerah"),
        ("title", "Title", "Judul"),
        ("context", "Context", "Konteks"),
        ("actions", "Actions", "Langkah"),
        ("results", "Results", "Hasil"),
        ("figures", "Figures", "Angka"),
        ("lessons", "Lessons", "Pelajaran"),
        ("agreement_ids", "Agreements", "Perjanjian"),
        ("published_at", "Published at", "Diterbitkan pada"),
    ];

    fn row(&self, _: Option<&Layout>) -> Vec<String> {
        vec![
            self.id.clone(),
            self.region_code.clone(),
            self.title.clone(),
            self.context.clone(),
            self.actions.clone(),
            self.results.clone(),
            self.figures
                .iter()
                .map(Figure::as_text)
                .collect::<Vec<_>>()
                .join("; "),
            self.lessons.clone(),
            self.agreement_ids.join("; "),
            self.published_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
        ]
    }
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FeedFormat {
    Json,
    Csv,
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<FeedFormat>,
    /// CSV only. Without `lang`, `labels` and `delimiter` the CSV keeps its wire format for
    /// programs (field names, codes, `,`, no BOM). With any of them it is written for people
    /// as the authenticated exports are: UTF-8 with a BOM, headers and labels in `lang`
    /// (default from `Accept-Language`, else `id`), `;` for `id` and `,` for `en`.
    #[param(inline, example = "id")]
    pub lang: Option<ExportLang>,
    /// CSV only: `labels` (the default once `lang` or `delimiter` is given) or `codes`.
    #[param(inline, example = "labels")]
    pub labels: Option<LabelMode>,
    /// CSV only: `semicolon` or `comma` (default `semicolon` for `lang=id` with labels, else `comma`).
    #[param(inline, example = "semicolon")]
    pub delimiter: Option<Delimiter>,
}

impl PublicQuery {
    /// The people parameters as given, for the `next` link (`&lang=id…`, or nothing).
    fn people(&self) -> String {
        let mut out = String::new();
        if let Some(l) = self.lang {
            out.push_str(match l {
                ExportLang::Id => "&lang=id",
                ExportLang::En => "&lang=en",
            });
        }
        if let Some(l) = self.labels {
            out.push_str(match l {
                LabelMode::Labels => "&labels=labels",
                LabelMode::Codes => "&labels=codes",
            });
        }
        if let Some(d) = self.delimiter {
            out.push_str(match d {
                Delimiter::Semicolon => "&delimiter=semicolon",
                Delimiter::Comma => "&delimiter=comma",
            });
        }
        out
    }

    /// The layout for people, when the request asks for one.
    fn layout(&self, req: &HttpRequest) -> Option<Layout> {
        if self.lang.is_none() && self.labels.is_none() && self.delimiter.is_none() {
            return None;
        }
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Some(Layout::of(self.lang, self.labels, self.delimiter, accept))
    }
}

/// A feed request past the rate limit (per client address, on every server alike): its region
/// and its page.
async fn request(
    state: &AppState,
    req: &HttpRequest,
    list: &'static str,
    (in_region, paging): (&InRegion, &Paging),
) -> Result<(Option<RegionCode>, PageRequest), ApiError> {
    state.throttle.feed(state, req).await?;
    let region = in_region.code()?;
    let page = paging.of(list)?;
    Ok((region, page))
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

/// The page as JSON, or its items as CSV (with a `Link` to `next` when given); cacheable.
fn answer<T: CsvRow>(
    req: &HttpRequest,
    query: &PublicQuery,
    page: &impl Serialize,
    items: &[T],
    next: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(e.to_string());
    if query.format != Some(FeedFormat::Csv) {
        let body = serde_json::to_vec(page).map_err(|e| internal(&e))?;
        return Ok(cached(req, "application/json", body));
    }
    let people = query.layout(req);
    let body = match people {
        // For people: BOM, delimiter, headers and labels in their language.
        Some(layout) => {
            let header: Vec<String> = T::COLUMNS
                .iter()
                .map(|(code, en, id)| layout.header(code, en, id))
                .collect();
            let rows = items.iter().map(|i| i.row(Some(&layout)));
            crate::export::csv(&layout, &header, rows).map_err(|e| internal(&e))?
        }
        // The wire format programs read since the feed began.
        None => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(T::COLUMNS.iter().map(|c| c.0))
                .map_err(|e| internal(&e))?;
            for item in items {
                // Public text reaches spreadsheets: neutralised against formula injection.
                crate::csv_safe::write_record(&mut w, item.row(None)).map_err(|e| internal(&e))?;
            }
            w.into_inner().map_err(|e| internal(&e))?
        }
    };
    let mut res = cached(req, "text/csv; charset=utf-8", body);
    if people.is_some() {
        // Without `lang`, the language comes from `Accept-Language`: caches keep one per language.
        res.headers_mut().insert(
            header::VARY,
            header::HeaderValue::from_static("Accept-Encoding, Accept-Language"),
        );
    }
    if let Some(link) = next {
        let link = header::HeaderValue::from_str(&link).map_err(|e| internal(&e))?;
        res.headers_mut().insert(header::LINK, link);
    }
    Ok(res)
}

/// Agreements in force or ended (never drafts or cases in approval), public fields only. No
/// authentication; cacheable; `format=csv` for spreadsheets.
#[utoipa::path(
    get,
    path = "/v1/public/agreements",
    operation_id = "listPublicAgreements",
    tag = "public",
    params(InRegion, PublicQuery, Paging),
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
    in_region: InRegion,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let (region, page) = request(&state, &req, "public-agreements", (&in_region, &paging)).await?;
    let (rows, next_cursor) = page
        .read(
            &state,
            move |c, after, n| public::agreements(c, region.as_ref(), after, n),
            |a| a.agreement.id.clone(),
        )
        .await?;
    let next = next_cursor.as_ref().map(|c| {
        format!(
            "</v1/public/agreements?format=csv{}&cursor={c}>; rel=\"next\"",
            query.0.people()
        )
    });
    let page = PublicAgreementPage::of(rows, next_cursor);
    answer(&req, &query.0, &page, &page.items, next)
}

/// Published good practices. No authentication; cacheable; `format=csv` for spreadsheets.
#[utoipa::path(
    get,
    path = "/v1/public/good-practices",
    operation_id = "listPublicGoodPractices",
    tag = "public",
    params(InRegion, PublicQuery, Paging),
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
    in_region: InRegion,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let (region, page) =
        request(&state, &req, "public-good-practices", (&in_region, &paging)).await?;
    let (rows, next_cursor) = page
        .read(
            &state,
            move |c, after, n| public::practices(c, region.as_ref(), after, n),
            |g| g.id.clone(),
        )
        .await?;
    let page = PublicPracticePage::of(&rows, next_cursor);
    answer(&req, &query.0, &page, &page.items, None)
}

super::operations! {
    agreements,
    good_practices,
}
