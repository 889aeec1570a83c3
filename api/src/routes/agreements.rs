//! The agreement registry: KSDPL and KSDLL agreements, checked against the rules of
//! DOMAIN.md §5 on every write, isolated by region, with their history from the audit log.

use jalin_domain::{AuditAction};
use jalin_domain::RecordKind;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jalin_domain::access::{Action, Visibility};
use jalin_domain::agreement::{
    check_agreement, expires_in_days, AgreementFacts, AgreementKind, AgreementStatus,
    CooperationObject, Instrument, PartnerFacts, Subtype, Violation,
};
use jalin_domain::{CountryCode, RegionCode, RuleId};
use jalin_persistence::audit::{self, NewEvent};
use jalin_persistence::registry::{self, Agreement, AgreementFilter, AgreementSort};
use jalin_persistence::{reference, DbConnection};
use rust_decimal::Decimal;
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
use crate::routes::audit::{AuditEventDto, AuditEventPage};
use crate::state::AppState;

/// Money as a decimal string and an ISO 4217 currency, never a float.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, PartialEq)]
#[schema(example = json!({"amount": "2000000.00", "currency": "AUD"}))]
pub struct Money {
    #[schema(pattern = r"^-?\d{1,15}(\.\d{1,4})?$", example = "2000000.00")]
    pub amount: String,
    #[schema(pattern = "^[A-Z]{3}$", example = "IDR")]
    pub currency: String,
}

/// A signatory as recorded on the agreement (the workflow's signing record has its own
/// `Signatory`).
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, PartialEq)]
#[schema(as = AgreementSignatory)]
pub struct Signatory {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// e.g. `Gubernur Jawa Tengah`, `Premier of Queensland`.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub position: String,
}

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, PartialEq, Default)]
pub struct Signatories {
    #[validate(nested)]
    pub indonesian: Option<Signatory>,
    #[validate(nested)]
    pub partner: Option<Signatory>,
}

/// R5 (PP 28/2018 art. 27(1)c–e, (2)): the checklist recorded for the agreement.
#[derive(Serialize, Deserialize, ToSchema, Clone, PartialEq, Default)]
pub struct Checklist {
    pub no_representative_office_abroad: Option<bool>,
    pub no_interference_in_domestic_affairs: Option<bool>,
    pub consistent_with_development_plans: Option<bool>,
    pub technology_transferable: Option<bool>,
}

/// The parts of an agreement kept together as details.
#[derive(Serialize, Deserialize, Clone, PartialEq, Default)]
struct Details {
    implementing_agencies: Vec<String>,
    financing_source: Option<String>,
    signatories: Signatories,
    own_reference: Option<String>,
    partner_reference: Option<String>,
    checklist: Checklist,
}

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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn details_of(a: &Agreement) -> Details {
    serde_json::from_value(a.details.clone()).unwrap_or_default()
}

fn dto(a: &Agreement, partners: &[registry::Partner]) -> AgreementDto {
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
        value: match (&a.value_amount, &a.value_currency) {
            (Some(amount), Some(currency)) => Some(Money {
                amount: amount.clone(),
                currency: currency.clone(),
            }),
            _ => None,
        },
        signatories: d.signatories,
        signed_on: a.signed_on,
        signed_place: a.signed_place.clone(),
        effective_from: a.effective_from,
        expires_on: a.expires_on,
        expires_in_days: expires_in_days(a.expires_on, crate::clock::today()),
        status: a.status,
        dormant_since: a.dormant_since,
        legacy: a.legacy,
        level_justification: a.level_justification.clone(),
        own_reference: d.own_reference,
        partner_reference: d.partner_reference,
        checklist: d.checklist,
        created_at: a.created_at.and_utc(),
        updated_at: a.updated_at.and_utc(),
    }
}

fn audit_fields(a: &Agreement) -> Value {
    json!({
        "reference_number": a.reference_number, "region_code": a.region.as_str(), "subtype": a.subtype.as_str(),
        "instrument": a.instrument.as_str(), "parent_id": a.parent_id, "predecessor_id": a.predecessor_id,
        "title_id": a.title_id, "title_en": a.title_en, "partner_ids": a.partner_ids,
        "objects": a.objects.iter().map(|o| o.as_str()).collect::<Vec<_>>(), "sectors": a.sectors,
        "languages": a.languages, "details": a.details, "creates_foreign_loan": a.creates_foreign_loan,
        "value_amount": a.value_amount, "value_currency": a.value_currency, "signed_on": a.signed_on,
        "signed_place": a.signed_place, "effective_from": a.effective_from, "expires_on": a.expires_on,
        "status": a.status.as_str(), "legacy": a.legacy, "level_justification": a.level_justification,
    })
}

page_of!(AgreementPage, AgreementDto);

fn etag(a: &Agreement) -> String {
    Etag::for_version(&a.id, a.version).as_str().to_owned()
}

fn invalid(pointer: &str, code: &str, en: String, id: String) -> ApiError {
    ApiError::Validation(vec![FieldIssue::pointer(pointer, code, Text::new(en, id))])
}

/// An agreement as written by a client (create and replace).
#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "region_code": "33", "subtype": "sister_province", "instrument": "mou",
    "partner_ids": ["0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00"],
    "title_id": "Nota Kesepahaman Kerja Sama Provinsi Kembar Jawa Tengah – Queensland",
    "title_en": "Memorandum of Understanding on Sister Province Cooperation between Central Java and Queensland",
    "objects": ["cultural_exchange", "technical_capacity"], "sectors": ["pendidikan"], "languages": ["id", "en"],
    "legacy": true, "status": "expired", "signed_on": "1991-02-26", "expires_on": "2019-08-05"
}))]
pub struct AgreementInput {
    /// The Indonesian party (`33`, `33.74`); fixed once created.
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: String,
    /// Implies the kind: sister_province, sister_city, other_ksdpl → KSDPL; continuation, other_ksdll → KSDLL.
    pub subtype: Subtype,
    pub instrument: Instrument,
    #[validate(length(min = 1, max = 10))]
    #[schema(min_items = 1, max_items = 10)]
    pub partner_ids: Vec<String>,
    pub parent_id: Option<String>,
    pub predecessor_id: Option<String>,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub title_id: String,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub title_en: Option<String>,
    /// R3: from the list of PP 28/2018 art. 23(2).
    #[validate(length(min = 1, max = 5))]
    #[schema(min_items = 1, max_items = 5)]
    pub objects: Vec<CooperationObject>,
    #[serde(default)]
    #[validate(length(max = 30))]
    #[schema(max_items = 30)]
    pub sectors: Vec<String>,
    /// R16: `id` plus the partner's language and/or `en` (ISO 639-1).
    #[validate(length(min = 1, max = 10))]
    #[schema(min_items = 1, max_items = 10)]
    pub languages: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 30))]
    #[schema(max_items = 30)]
    pub implementing_agencies: Vec<String>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub financing_source: Option<String>,
    #[serde(default)]
    pub creates_foreign_loan: bool,
    #[validate(nested)]
    pub value: Option<Money>,
    #[serde(default)]
    #[validate(nested)]
    pub signatories: Signatories,
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<NaiveDate>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub signed_place: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_from: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<NaiveDate>,
    /// Recorded from before the system (R23): then `status` is active, expired or terminated.
    #[serde(default)]
    pub legacy: bool,
    /// Default `draft`; other values only for legacy agreements (the workflow sets the rest).
    pub status: Option<AgreementStatus>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub level_justification: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub own_reference: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub partner_reference: Option<String>,
    #[serde(default)]
    pub checklist: Checklist,
}

fn normalise_money(m: &Money) -> Result<Money, ApiError> {
    let amount: Decimal = m.amount.parse().map_err(|_| {
        invalid(
            "/value/amount",
            "invalid_decimal",
            format!("`{}` is not a decimal amount", m.amount),
            format!("`{}` bukan angka desimal", m.amount),
        )
    })?;
    if m.currency.len() != 3 || !m.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid(
            "/value/currency",
            "invalid_currency",
            "an ISO 4217 code such as IDR or AUD".into(),
            "kode ISO 4217 seperti IDR atau AUD".into(),
        ));
    }
    Ok(Money {
        amount: amount.normalize().to_string(),
        currency: m.currency.clone(),
    })
}

/// Builds the agreement from input and checks every rule; `existing` for a replacement.
fn build(
    c: &mut DbConnection,
    scope: &Visibility,
    input: AgreementInput,
    existing: Option<&Agreement>,
) -> Result<Agreement, ApiError> {
    let region = RegionCode::parse(&input.region_code).map_err(|e| {
        invalid(
            "/region_code",
            "invalid_format",
            e.to_string(),
            "kode daerah tidak valid".into(),
        )
    })?;
    let region_row = reference::get_region(c, &region)?.ok_or_else(|| {
        invalid(
            "/region_code",
            "unknown_region",
            format!("no region `{region}`"),
            format!("tidak ada daerah `{region}`"),
        )
    })?;
    if let Some(e) = existing {
        if e.region != region {
            return Err(invalid(
                "/region_code",
                "immutable",
                "an agreement's region cannot change".into(),
                "daerah perjanjian tidak dapat diubah".into(),
            ));
        }
    } else if !scope.includes(Some(&region)) {
        return Err(ApiError::Forbidden);
    }
    for (i, l) in input.languages.iter().enumerate() {
        if l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(invalid(
                &format!("/languages/{i}"),
                "invalid_format",
                "an ISO 639-1 code such as id, en, ko".into(),
                "kode ISO 639-1 seperti id, en, ko".into(),
            ));
        }
    }
    let value = input.value.as_ref().map(normalise_money).transpose()?;
    // Partners, with the facts the rules need.
    let partners = registry::partners_by_id(c, &input.partner_ids)?;
    for (i, id) in input.partner_ids.iter().enumerate() {
        if !partners.iter().any(|p| &p.id == id) {
            return Err(invalid(
                &format!("/partner_ids/{i}"),
                "unknown_partner",
                format!("no partner `{id}`"),
                format!("tidak ada mitra `{id}`"),
            ));
        }
    }
    let mut facts = Vec::new();
    for p in &partners {
        let relations = CountryCode::parse(&p.country)
            .ok()
            .map(|code| reference::get_country(c, &code))
            .transpose()?
            .flatten()
            .is_some_and(|k| k.diplomatic_relations);
        facts.push(PartnerFacts {
            kind: p.kind,
            level: p.level,
            legal_personality: p.legal_personality,
            political_party: p.political_party,
            country: p.country.clone(),
            country_has_relations: relations,
        });
    }
    let status = input.status.unwrap_or(if input.legacy {
        AgreementStatus::Active
    } else {
        AgreementStatus::Draft
    });
    let today = crate::clock::today();
    let mut violations: Vec<Violation> = check_agreement(&AgreementFacts {
        region: region.clone(),
        region_kind: region_row.kind,
        subtype: input.subtype,
        partners: &facts,
        objects: &input.objects,
        languages: &input.languages,
        level_justification: input.level_justification.as_deref(),
        creates_foreign_loan: input.creates_foreign_loan,
        legacy: input.legacy,
        status,
        signed_on: input.signed_on,
        effective_from: input.effective_from,
        expires_on: input.expires_on,
        today,
    });
    if let Some(e) = existing {
        // The workflow (and termination) change the status of non-legacy agreements.
        if !e.legacy && status != e.status {
            violations.push(Violation::rule(
                RuleId::R9,
                "/status",
                "the status of a workflow agreement changes only through the workflow",
                "status perjanjian berjalan hanya berubah melalui alur kerja",
            ));
            violations.retain(|v| {
                !(v.rule == Some(RuleId::R9) && v.pointer == "/status" && v.text.en.starts_with("a new"))
            });
        }
        if !e.legacy && e.status == status {
            violations.retain(|v| !(v.rule == Some(RuleId::R9) && v.text.en.starts_with("a new")));
        }
        if e.legacy != input.legacy {
            return Err(invalid(
                "/legacy",
                "immutable",
                "whether an agreement is legacy cannot change".into(),
                "status perjanjian lama tidak dapat diubah".into(),
            ));
        }
    }
    if !violations.is_empty() {
        return Err(ApiError::Rules(violations));
    }
    // Lineage: both must be visible agreements of the caller, and never a cycle.
    let self_id = existing.map(|e| e.id.clone());
    for (field, target, predecessor) in [
        ("/parent_id", &input.parent_id, false),
        ("/predecessor_id", &input.predecessor_id, true),
    ] {
        if let Some(t) = target {
            if registry::find_agreement(c, t, scope)?.is_none() {
                return Err(invalid(
                    field,
                    "unknown_agreement",
                    format!("no agreement `{t}` visible to you"),
                    format!("tidak ada perjanjian `{t}`"),
                ));
            }
            if let Some(me) = &self_id {
                if registry::ancestors(c, t, predecessor)?.contains(me) {
                    return Err(invalid(
                        field,
                        "cycle",
                        "this link would make a cycle".into(),
                        "tautan ini membentuk siklus".into(),
                    ));
                }
            }
        }
    }
    let now = Utc::now().naive_utc();
    let details = Details {
        implementing_agencies: input.implementing_agencies,
        financing_source: input.financing_source,
        signatories: input.signatories,
        own_reference: input.own_reference,
        partner_reference: input.partner_reference,
        checklist: input.checklist,
    };
    Ok(Agreement {
        id: existing
            .map(|e| e.id.clone())
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        reference_number: existing
            .map(|e| e.reference_number.clone())
            .unwrap_or_default(),
        region,
        kind: input.subtype.kind(),
        subtype: input.subtype,
        instrument: input.instrument,
        parent_id: input.parent_id,
        predecessor_id: input.predecessor_id,
        title_id: input.title_id.trim().to_owned(),
        title_en: input.title_en,
        objects: input.objects,
        sectors: input.sectors,
        languages: input.languages,
        details: serde_json::to_value(details).unwrap_or(Value::Null),
        creates_foreign_loan: input.creates_foreign_loan,
        value_amount: value.as_ref().map(|v| v.amount.clone()),
        value_currency: value.map(|v| v.currency),
        signed_on: input.signed_on,
        signed_place: input.signed_place,
        effective_from: input.effective_from,
        expires_on: input.expires_on,
        status,
        legacy: input.legacy,
        level_justification: input.level_justification,
        partner_ids: input.partner_ids,
        dormant_since: existing.and_then(|e| e.dormant_since),
        version: existing.map(|e| e.version + 1).unwrap_or(1),
        created_at: existing.map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    })
}

/// An agreement's representation and ETag, read inside a transaction.
pub fn get_dto(c: &mut DbConnection, id: &str) -> Result<(AgreementDto, String), ApiError> {
    let a = registry::find_agreement(c, id, &Visibility::All)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.to_owned()))?;
    let partners = registry::partners_by_id(c, &a.partner_ids)?;
    Ok((dto(&a, &partners), etag(&a)))
}

/// Creates an agreement inside the caller's transaction (the HTTP handler, import and demo).
pub fn create_in(
    c: &mut DbConnection,
    actor: &jalin_persistence::audit::Actor,
    scope: &Visibility,
    request_id: Option<&str>,
    input: AgreementInput,
) -> Result<(Agreement, Vec<registry::Partner>), ApiError> {
    let mut a = build(c, scope, input, None)?;
    let year = a
        .signed_on
        .map(|d| d.year())
        .unwrap_or_else(|| a.created_at.year());
    a.reference_number = registry::next_reference_number(c, &a.region, year)?;
    registry::insert_agreement(c, &a)?;
    audit::append(
        c,
        NewEvent {
            actor,
            action: AuditAction::AgreementCreated,
            record_type: RecordKind::Agreement,
            record_id: &a.id,
            region_code: Some(a.region.as_str()),
            request_id,
            changes: changes(&json!({}), &audit_fields(&a)),
        },
    )?;
    let partners = registry::partners_by_id(c, &a.partner_ids)?;
    Ok((a, partners))
}

/// Register an agreement.
///
/// Every rule is checked and every violation reported at once, with its rule id (R1–R4, R6, R9,
/// R16, R20, R23, R24). A new agreement starts as a `draft`; a legacy one (R23) is recorded as
/// `active`, `expired` or `terminated` with its dates. The reference number is allocated per
/// region and year, without gaps.
#[utoipa::path(
    post,
    path = "/v1/agreements",
    operation_id = "createAgreement",
    tag = "agreements",
    request_body = AgreementInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe.")),
    responses(
        (status = 201, description = "Registered.", body = AgreementDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    key: IdempotencyKey,
    rid: RequestId,
    body: ApiJson<AgreementInput>,
) -> Result<HttpResponse, ApiError> {
    let scope = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let input = body.value;
    idempotency::run(&state, &req, key, &auth.0.id, &body.canonical, move |c| {
        let (a, partners) = create_in(c, &actor, &scope, Some(&rid.0), input)?;
        let body = serde_json::to_value(dto(&a, &partners))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(JsonReply::new(StatusCode::CREATED, body)
            .header("etag", etag(&a))
            .header("location", format!("/v1/agreements/{}", a.id)))
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
    pub expiring_before: Option<NaiveDate>,
    #[param(value_type = Option<String>, format = Date)]
    pub signed_from: Option<NaiveDate>,
    #[param(value_type = Option<String>, format = Date)]
    pub signed_to: Option<NaiveDate>,
    /// Words in the titles, the reference number or the partners' names.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    /// `reference_number` (default), `expires_on`, `signed_on` or `updated_at`; prefix `-` for
    /// descending.
    #[param(pattern = "^-?(reference_number|expires_on|signed_on|updated_at)$")]
    pub sort: Option<String>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// List the agreements in your scope, with filters.
#[utoipa::path(
    get,
    path = "/v1/agreements",
    operation_id = "listAgreements",
    tag = "agreements",
    params(AgreementListQuery),
    responses(
        (status = 200, description = "A page of agreements.", body = AgreementPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<AgreementListQuery>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let (sort, desc) = match q.sort.as_deref() {
        None => (AgreementSort::ReferenceNumber, false),
        Some(s) => {
            let (desc, name) = s.strip_prefix('-').map(|n| (true, n)).unwrap_or((false, s));
            let sort = match name {
                "reference_number" => AgreementSort::ReferenceNumber,
                "expires_on" => AgreementSort::ExpiresOn,
                "signed_on" => AgreementSort::SignedOn,
                "updated_at" => AgreementSort::UpdatedAt,
                _ => {
                    return Err(ApiError::invalid_parameter(
                        "sort",
                        "unknown_sort",
                        "one of reference_number, expires_on, signed_on, updated_at (prefix - for descending)",
                        "salah satu dari reference_number, expires_on, signed_on, updated_at",
                    ))
                }
            };
            (sort, desc)
        }
    };
    let list_name: &'static str = match (sort, desc) {
        (AgreementSort::ReferenceNumber, false) => "agreements",
        (AgreementSort::ReferenceNumber, true) => "agreements-desc",
        _ => "agreements-offset",
    };
    let page = PageRequest::new(list_name, q.limit, q.cursor.as_deref())?;
    crate::routes::partners::country_param(q.country.as_deref())?;
    let region = super::region_param("region_code", q.region_code.as_deref())?;
    let filter = AgreementFilter {
        region,
        kind: q.kind,
        status: q.status,
        partner_id: q.partner_id,
        country: q.country.map(|c| c.to_ascii_uppercase()),
        object: q.object,
        sector: q.sector,
        expiring_before: q.expiring_before,
        signed_from: q.signed_from,
        signed_to: q.signed_to,
        q: q.q,
        legacy: q.legacy,
    };
    let keyset = sort == AgreementSort::ReferenceNumber;
    let (after, offset) = match (&page.after, keyset) {
        (Some(a), true) => (Some(a.clone()), 0),
        (Some(a), false) => (None, a.parse::<i64>().map_err(|_| ApiError::InvalidCursor)?),
        (None, _) => (None, 0),
    };
    let fetch = page.fetch();
    let (rows, partners) = state
        .db(move |c| {
            let paging = registry::AgreementPaging {
                sort,
                descending: desc,
                after,
                offset,
                limit: fetch,
            };
            let rows = registry::list_agreements(c, &vis, &filter, &paging)?;
            let ids: Vec<String> = rows.iter().flat_map(|a| a.partner_ids.clone()).collect();
            let partners = registry::partners_by_id(c, &ids)?;
            Ok((rows, partners))
        })
        .await?;
    let mut position = offset;
    let (items, next_cursor) = page.page(rows, |a| {
        if keyset {
            a.reference_number.clone()
        } else {
            String::new()
        }
    });
    let next_cursor = next_cursor.map(|c| {
        if keyset {
            c
        } else {
            position += items.len() as i64;
            PageRequest::cursor_for(list_name, &position.to_string())
        }
    });
    Ok(HttpResponse::Ok().json(AgreementPage {
        items: items.iter().map(|a| dto(a, &partners)).collect(),
        next_cursor,
    }))
}

async fn load(
    state: &AppState,
    vis: Visibility,
    id: String,
) -> Result<(Agreement, Vec<registry::Partner>), ApiError> {
    state
        .db(move |c| {
            let a = registry::find_agreement(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
            let partners = registry::partners_by_id(c, &a.partner_ids)?;
            Ok((a, partners))
        })
        .await
}

/// Get an agreement in your scope.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}",
    operation_id = "getAgreement",
    tag = "agreements",
    params(("id" = String, Path, description = "Agreement id.")),
    responses(
        (status = 200, description = "The agreement.", body = AgreementDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let (a, partners) = load(&state, vis, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&a)))
        .json(dto(&a, &partners)))
}

/// Replace an agreement's record; requires `If-Match`. The rules are checked again.
#[utoipa::path(
    put,
    path = "/v1/agreements/{id}",
    operation_id = "updateAgreement",
    tag = "agreements",
    request_body = AgreementInput,
    params(
        ("id" = String, Path, description = "Agreement id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 200, description = "Changed.", body = AgreementDto, headers(("ETag" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
    body: ApiJson<AgreementInput>,
) -> Result<HttpResponse, ApiError> {
    let scope = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let id = path.into_inner();
    let input = body.value;
    let (a, partners) = state
        .write(move |c| {
            let old = registry::find_agreement(c, &id, &scope)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
            // Invalid input is a 422 whatever the tag; only a valid change meets If-Match.
            let new = build(c, &scope, input, Some(&old))?;
            if_match.check(&Etag::for_version(&old.id, old.version))?;
            if !registry::save_agreement(c, &new, old.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::AgreementUpdated,
                    record_type: RecordKind::Agreement,
                    record_id: &new.id,
                    region_code: Some(new.region.as_str()),
                    request_id: Some(&rid.0),
                    changes: changes(&audit_fields(&old), &audit_fields(&new)),
                },
            )?;
            let partners = registry::partners_by_id(c, &new.partner_ids)?;
            Ok((new, partners))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("etag", etag(&a)))
        .json(dto(&a, &partners)))
}

/// Delete a draft agreement; requires `If-Match`. Anything past draft is history and stays.
#[utoipa::path(
    delete,
    path = "/v1/agreements/{id}",
    operation_id = "deleteAgreement",
    tag = "agreements",
    params(
        ("id" = String, Path, description = "Agreement id."),
        ("If-Match" = String, Header, description = "The ETag you read."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated,
    rid: RequestId,
    if_match: IfMatch,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = auth.may(Action::WriteAgreements)?;
    let actor = auth.actor();
    let id = path.into_inner();
    state
        .write(move |c| {
            let a = registry::find_agreement(c, &id, &scope)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
            if_match.check(&Etag::for_version(&a.id, a.version))?;
            if a.status != AgreementStatus::Draft || a.legacy {
                return Err(ApiError::Conflict {
                    code: "not_a_draft",
                    detail: Text::new(
                        "Only a draft can be deleted; a later agreement is withdrawn or terminated instead.",
                        "Hanya draf yang dapat dihapus; perjanjian lain ditarik atau diakhiri.",
                    ),
                });
            }
            if !jalin_persistence::documents::for_agreement(c, &a.id)?.is_empty()
                || !jalin_persistence::activities::for_agreement(c, &a.id)?.is_empty()
            {
                return Err(ApiError::Conflict {
                    code: "has_documents",
                    detail: Text::new(
                        "This draft has documents or activities; it is kept (withdraw it instead).",
                        "Draf ini memiliki dokumen atau kegiatan; draf disimpan (tarik kembali sebagai gantinya).",
                    ),
                });
            }
            if !registry::delete_agreement(c, &a.id, a.version)? {
                return Err(ApiError::PreconditionFailed);
            }
            audit::append(
                c,
                NewEvent {
                    actor: &actor,
                    action: AuditAction::AgreementDeleted,
                    record_type: RecordKind::Agreement,
                    record_id: &a.id,
                    region_code: Some(a.region.as_str()),
                    request_id: Some(&rid.0),
                    changes: changes(&audit_fields(&a), &json!({})),
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every change to an agreement, oldest first, with actor and time (from the audit log).
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}/history",
    operation_id = "getAgreementHistory",
    tag = "agreements",
    params(("id" = String, Path, description = "Agreement id.")),
    responses(
        (status = 200, description = "The agreement's events, oldest first.", body = AuditEventPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:read"]))
)]
pub async fn history(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vis = auth.may(Action::ReadAgreements)?;
    let id = path.into_inner();
    let events = state
        .db(move |c| {
            registry::find_agreement(c, &id, &vis)?.ok_or(ApiError::not_found(RecordKind::Agreement, id.clone()))?;
            Ok(audit::for_record(c, "agreement", &id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AuditEventPage {
        items: events.into_iter().map(AuditEventDto::from).collect(),
        next_cursor: None,
    }))
}
