//! The agreement registry: KSDPL and KSDLL agreements, checked against the rules
//! (docs/rules.md) on every write (`service::agreements`), isolated by region, with their
//! history from the audit log.

use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use jalin_domain::access::Action;
use jalin_domain::agreement::{
    expires_in_days, AgreementKind, AgreementStatus, CooperationObject, Instrument, Subtype,
};
use jalin_domain::Date;
use jalin_persistence::registry::{
    Agreement, AgreementFilter, AgreementPaging, AgreementSort, Partner,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::idempotency::IdempotencyKey;
use crate::openapi::responses::Conflict;
use crate::page_of;
use crate::pagination::{Paging, WholePaging};
use crate::reply;
use crate::routes::audit::AuditEventPage;
use crate::routes::ids::AgreementId;
use crate::service::agreements::{self, details_of, signing_of, AgreementRecord};
pub use crate::service::agreements::{
    AgreementInput, ApprovalLetters, Checklist, Money, Signatories, Signing, Verification,
};

#[derive(Serialize, ToSchema)]
pub struct PartnerSummary {
    pub id: String,
    pub name: String,
    pub country: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Agreement)]
pub struct AgreementDto {
    pub id: String,
    /// Human reference, per region and year, gap-free: `KSLN-33-2025-0007`.
    #[schema(example = "KSLN-33-2025-0007")]
    pub reference_number: String,
    #[schema(example = "33")]
    pub region_code: String,
    pub kind: AgreementKind,
    pub subtype: Subtype,
    pub instrument: Instrument,
    /// The umbrella MoU of a PKS or implementing arrangement.
    pub parent_id: Option<String>,
    /// The agreement this one renews (R18).
    pub predecessor_id: Option<String>,
    pub title_id: String,
    pub title_en: Option<String>,
    pub partners: Vec<PartnerSummary>,
    pub objects: Vec<CooperationObject>,
    /// *Urusan pemerintahan*, e.g. `pendidikan`.
    pub sectors: Vec<String>,
    /// ISO 639-1 codes of the text's language versions (R16).
    pub languages: Vec<String>,
    pub implementing_agencies: Vec<String>,
    pub financing_source: Option<String>,
    /// R20: must be false.
    pub creates_foreign_loan: bool,
    pub value: Option<Money>,
    pub signatories: Signatories,
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<NaiveDate>,
    pub signed_place: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_from: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<NaiveDate>,
    /// Days until `expires_on` (negative once past).
    pub expires_in_days: Option<i64>,
    pub status: AgreementStatus,
    /// Since when the agreement is flagged dormant: active without any activity for the
    /// configured period (DEFAULT 24 months; `GET /v1/settings`). Cleared by a new activity.
    #[schema(value_type = Option<String>, format = Date)]
    pub dormant_since: Option<NaiveDate>,
    /// Signed before the system or PP 28/2018 (R23): recorded without the workflow.
    pub legacy: bool,
    /// R6: why a KSDPL between unequal levels is still right.
    pub level_justification: Option<String>,
    pub own_reference: Option<String>,
    pub partner_reference: Option<String>,
    pub checklist: Checklist,
    /// R23: the approvals' references of an agreement signed on or after 13 July 2018 outside
    /// the system.
    pub approval_letters: Option<ApprovalLetters>,
    /// R23: the central reviewer's last decision on those approvals.
    pub verification: Option<Verification>,
    /// The signing (date, place, signatories), from the approval case's signing record or, for
    /// an agreement signed outside the system, its own record; `null` before signing. Fixed
    /// once signed: it changes only through an amendment.
    pub signing: Option<Signing>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AgreementDto {
    /// `a` as shown on `today` (WIB), with the names of its partners among `partners`.
    pub fn of(a: &Agreement, partners: &[Partner], today: NaiveDate) -> Self {
        Self::with_signing(a, partners, today, signing_of(a, None))
    }

    fn with_signing(
        a: &Agreement,
        partners: &[Partner],
        today: NaiveDate,
        signing: Option<Signing>,
    ) -> Self {
        let d = details_of(a);
        AgreementDto {
            id: a.id.clone(),
            reference_number: a.reference_number.clone(),
            region_code: a.region.to_string(),
            kind: a.kind,
            subtype: a.subtype,
            instrument: a.instrument,
            parent_id: a.parent_id.clone(),
            predecessor_id: a.predecessor_id.clone(),
            title_id: a.title_id.clone(),
            title_en: a.title_en.clone(),
            partners: a
                .partner_ids
                .iter()
                .filter_map(|id| partners.iter().find(|p| &p.id == id))
                .map(|p| PartnerSummary {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    country: p.country.clone(),
                })
                .collect(),
            objects: a.objects.clone(),
            sectors: a.sectors.clone(),
            languages: a.languages.clone(),
            implementing_agencies: d.implementing_agencies,
            financing_source: d.financing_source,
            creates_foreign_loan: a.creates_foreign_loan,
            value: a
                .value_amount
                .clone()
                .zip(a.value_currency.clone())
                .map(|(amount, currency)| Money { amount, currency }),
            signatories: d.signatories,
            signed_on: a.signed_on,
            signed_place: a.signed_place.clone(),
            effective_from: a.effective_from,
            expires_on: a.expires_on,
            expires_in_days: expires_in_days(a.expires_on, today),
            status: a.status,
            dormant_since: a.dormant_since,
            legacy: a.legacy,
            level_justification: a.level_justification.clone(),
            own_reference: d.own_reference,
            partner_reference: d.partner_reference,
            checklist: d.checklist,
            approval_letters: d.approval_letters,
            verification: d.verification,
            signing,
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
        }
    }

    pub fn record(r: &AgreementRecord, today: NaiveDate) -> Self {
        Self::with_signing(&r.agreement, &r.partners, today, r.signing.clone())
    }
}

page_of!(AgreementPage, AgreementDto);

/// Register an agreement.
///
/// Every rule is checked and every violation reported at once, with its rule id (R1–R4, R6, R9,
/// R16, R20, R23, R24). A new agreement starts as a `draft`; a legacy one (R23) signed before
/// 13 July 2018 is recorded as `active`, `expired` or `terminated` with its dates; one signed
/// later outside the system carries its `approval_letters` and enters as `pending_verification`
/// until a central reviewer verifies it. The reference number is allocated per region and year,
/// without gaps.
#[utoipa::path(
    post,
    path = "/v1/agreements",
    operation_id = "createAgreement",
    tag = "agreements",
    request_body = AgreementInput,
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Registered.", body = AgreementDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn create(
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<AgreementInput>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::WriteAgreements)?;
    let input = body.value;
    caller
        .idempotent(key, &body.canonical, move |c, ctx| {
            let r = agreements::create(c, ctx, &scope, input)?;
            let location = format!("/v1/agreements/{}", r.agreement.id);
            reply::created(location, &r, AgreementDto::record(&r, ctx.today()))
        })
        .await
}

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct AgreementListQuery {
    /// A region; a province includes its regencies/cities.
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region_code: Option<String>,
    pub kind: Option<AgreementKind>,
    pub status: Option<AgreementStatus>,
    pub partner_id: Option<String>,
    /// The partner's country (ISO 3166-1 alpha-2).
    #[param(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    pub object: Option<CooperationObject>,
    #[param(max_length = 100)]
    #[validate(length(max = 100))]
    pub sector: Option<String>,
    pub legacy: Option<bool>,
    /// Agreements whose `expires_on` is before this date.
    #[param(value_type = Option<String>, format = Date)]
    pub expiring_before: Option<Date>,
    #[param(value_type = Option<String>, format = Date)]
    pub signed_from: Option<Date>,
    #[param(value_type = Option<String>, format = Date)]
    pub signed_to: Option<Date>,
    /// Words in the titles, the reference number or the partners' names.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    /// `reference_number` (default), `expires_on`, `signed_on` or `updated_at`; prefix `-` for
    /// descending.
    #[param(pattern = "^-?(reference_number|expires_on|signed_on|updated_at)$")]
    pub sort: Option<String>,
}

impl AgreementListQuery {
    fn filter(self) -> Result<AgreementFilter, ApiError> {
        crate::routes::partners::country_param(self.country.as_deref())?;
        Ok(AgreementFilter {
            region: super::region_param("region_code", self.region_code.as_deref())?,
            kind: self.kind,
            status: self.status,
            partner_id: self.partner_id,
            country: self.country.map(|c| c.to_ascii_uppercase()),
            object: self.object,
            sector: self.sector,
            expiring_before: self.expiring_before.map(Date::naive),
            signed_from: self.signed_from.map(Date::naive),
            signed_to: self.signed_to.map(Date::naive),
            q: self.q,
            legacy: self.legacy,
        })
    }
}

/// List the agreements in your scope, with filters.
#[utoipa::path(
    get,
    path = "/v1/agreements",
    operation_id = "listAgreements",
    tag = "agreements",
    params(AgreementListQuery, Paging),
    responses(
        (status = 200, description = "A page of agreements.", body = AgreementPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    caller: Caller,
    ApiQuery(q): ApiQuery<AgreementListQuery>,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let (sort, descending) = agreements::sort_of(q.sort.as_deref())?;
    // The default order pages by reference number (keyset); the others by position (offset).
    let keyset = sort == AgreementSort::ReferenceNumber;
    let list_name = match (keyset, descending) {
        (true, false) => "agreements",
        (true, true) => "agreements-desc",
        (false, _) => "agreements-offset",
    };
    let page = paging.of(list_name)?;
    let filter = q.filter()?;
    let (after, offset) = match (&page.after, keyset) {
        (Some(a), true) => (Some(a.clone()), 0),
        (Some(a), false) => (None, a.parse::<i64>().map_err(|_| ApiError::InvalidCursor)?),
        (None, _) => (None, 0),
    };
    let paging = AgreementPaging {
        sort,
        descending,
        after,
        offset,
        limit: page.fetch(),
    };
    let (rows, partners) = caller
        .db(move |c| agreements::list(c, &vis, &filter, &paging))
        .await?;
    let numbered: Vec<(i64, Agreement)> = (offset + 1..).zip(rows).collect();
    let (items, next_cursor) = page.page(numbered, |(n, a)| match keyset {
        true => a.reference_number.clone(),
        false => n.to_string(),
    });
    let today = caller.ctx.today();
    Ok(reply::ok(AgreementPage {
        items: items
            .iter()
            .map(|(_, a)| AgreementDto::of(a, &partners, today))
            .collect(),
        next_cursor,
    }))
}

/// Get an agreement in your scope.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}",
    operation_id = "getAgreement",
    tag = "agreements",
    params(AgreementId),
    responses(
        (status = 200, description = "The agreement.", body = AgreementDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(caller: Caller, id: AgreementId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let r = caller.db(move |c| agreements::get(c, &vis, &id)).await?;
    Ok(reply::ok_versioned(
        &r,
        AgreementDto::record(&r, caller.ctx.today()),
    ))
}

/// Replace an agreement's record; requires `If-Match`. The rules are checked again. Once signed,
/// its signatories, signing date and place, term, partners, kind and form, region, languages
/// and approvals' letters change only through an amendment: a change is a 409
/// `signed_fact_locked` listing each field.
#[utoipa::path(
    put,
    path = "/v1/agreements/{id}",
    operation_id = "updateAgreement",
    tag = "agreements",
    request_body = AgreementInput,
    params(AgreementId, IfMatch),
    responses(
        (status = 200, description = "Changed.", body = AgreementDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn update(
    caller: Caller,
    if_match: IfMatch,
    id: AgreementId,
    body: ApiJson<AgreementInput>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::WriteAgreements)?;
    let r = caller
        .write(move |c, ctx| {
            agreements::update(c, ctx, &scope, &id, body.value, if_match.expected())
        })
        .await?;
    Ok(reply::ok_versioned(
        &r,
        AgreementDto::record(&r, caller.ctx.today()),
    ))
}

/// Delete a draft agreement; requires `If-Match`. Anything past draft is history and stays.
#[utoipa::path(
    delete,
    path = "/v1/agreements/{id}",
    operation_id = "deleteAgreement",
    tag = "agreements",
    params(AgreementId, IfMatch),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn delete(
    caller: Caller,
    if_match: IfMatch,
    id: AgreementId,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::WriteAgreements)?;
    caller
        .write(move |c, ctx| agreements::delete(c, ctx, &scope, &id, if_match.expected()))
        .await?;
    Ok(reply::no_content())
}

/// Every change to an agreement, oldest first, with actor and time (from the audit log).
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/history",
    operation_id = "getAgreementHistory",
    tag = "agreements",
    params(AgreementId, WholePaging),
    responses(
        (status = 200, description = "The agreement's events, oldest first.", body = AuditEventPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn history(
    caller: Caller,
    id: AgreementId,
    paging: WholePaging,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ReadAgreements)?;
    let events = caller
        .db(move |c| agreements::history(c, &vis, &id))
        .await?;
    let (events, next_cursor) = paging.slice("history", events)?;
    Ok(reply::ok(AuditEventPage::of(&events, next_cursor)))
}

super::operations! {
    list,
    create,
    get,
    update,
    delete,
    history,
}
