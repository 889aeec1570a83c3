//! Foreign partners: register and change them. Partners are shared by every region (one
//! Queensland for all), so they are not region-scoped.

use jalin_domain::agreement::{check_partner, PartnerKind, PartnerLevel};
use jalin_domain::{AuditAction, CountryCode, RecordKind};
use jalin_persistence::registry::{self, Partner, PartnerFilter};
use jalin_persistence::{reference, DbConnection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::{changes, Ctx};
use crate::error::ApiError;
use crate::reply::OrNotFound;

crate::versioned!(Partner);

crate::filed!(Partner => Partner(id));

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

/// A partner as written by a client (register and replace).
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

/// The audited fields.
fn fields(p: &Partner) -> Value {
    json!({
        "name": p.name, "native_name": p.native_name, "kind": p.kind.as_str(),
        "level": p.level.map(|l| l.as_str()), "legal_personality": p.legal_personality,
        "political_party": p.political_party, "country": p.country, "subdivision": p.subdivision,
        "website": p.website, "contacts": p.contacts,
    })
}

/// The partner's country, once the input holds (R1 and the level rules in the domain).
fn check(c: &mut DbConnection, p: &PartnerInput) -> Result<CountryCode, ApiError> {
    let country = CountryCode::parse(&p.country).map_err(|e| {
        ApiError::invalid(
            "/country",
            "invalid_format",
            e.to_string(),
            format!("`{}` bukan kode negara", p.country),
        )
    })?;
    let violations = check_partner(p.kind, p.level, country.as_str());
    if violations.iter().any(|v| v.rule.is_some()) {
        return Err(ApiError::Rules(violations));
    }
    if reference::get_country(c, &country)?.is_none() {
        return Err(ApiError::invalid(
            "/country",
            "unknown_country",
            format!("no country `{country}`"),
            format!("tidak ada negara `{country}`"),
        ));
    }
    if let Some(w) = &p.website {
        if !(w.starts_with("http://") || w.starts_with("https://"))
            || w.contains(char::is_whitespace)
        {
            return Err(ApiError::invalid(
                "/website",
                "invalid_url",
                "an http:// or https:// address",
                "alamat http:// atau https://",
            ));
        }
    }
    if !violations.is_empty() {
        return Err(violations.into());
    }
    Ok(country)
}

fn duplicate(existing: &Partner) -> ApiError {
    let (country, name, id) = (&existing.country, &existing.name, &existing.id);
    ApiError::conflict(
        "partner_exists",
        format!("A partner with this name in {country} exists: `{name}` (id {id})."),
        format!("Mitra dengan nama ini di {country} sudah ada: `{name}` (id {id})."),
    )
}

/// Fills `p` from the input.
fn apply(p: &mut Partner, input: PartnerInput) {
    p.name = input.name.trim().to_owned();
    p.native_name = input.native_name;
    p.kind = input.kind;
    p.level = input.level;
    p.legal_personality = input.legal_personality;
    p.political_party = input.political_party;
    p.subdivision = input.subdivision;
    p.website = input.website;
    p.contacts = serde_json::to_value(&input.contacts).unwrap_or(Value::Array(vec![]));
}

/// Registers a partner; a partner with the same normalised name in the same country is a 409
/// naming the existing one.
pub fn create(c: &mut DbConnection, ctx: &Ctx, input: PartnerInput) -> Result<Partner, ApiError> {
    let country = check(c, &input)?;
    let now = ctx.now();
    let mut p = Partner {
        id: uuid::Uuid::now_v7().to_string(),
        name: String::new(),
        native_name: None,
        kind: input.kind,
        level: None,
        legal_personality: None,
        political_party: false,
        country: country.to_string(),
        subdivision: None,
        website: None,
        contacts: Value::Array(vec![]),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    apply(&mut p, input);
    registry::insert_partner(c, &p)?.map_err(|existing| duplicate(&existing))?;
    ctx.audit_change(
        c,
        AuditAction::PartnerCreated,
        &p,
        changes(&json!({}), &fields(&p)),
    )?;
    Ok(p)
}

/// Replaces a partner's details, if `expected` (the caller's ETag check) still holds.
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    id: &str,
    input: PartnerInput,
    expected: impl FnOnce(&Partner) -> Result<(), ApiError>,
) -> Result<Partner, ApiError> {
    let mut p = get(c, id)?;
    // Invalid input is a 422 whatever the tag; only a valid change meets If-Match.
    let country = check(c, &input)?;
    expected(&p)?;
    if let Some(other) = registry::find_partner_by_name(c, &input.name, country.as_str())? {
        if other.id != p.id {
            return Err(duplicate(&other));
        }
    }
    if country.as_str() != p.country {
        return Err(ApiError::invalid(
            "/country",
            "immutable",
            "a partner's country cannot change; register the other partner",
            "negara mitra tidak dapat diubah; daftarkan mitra lain",
        ));
    }
    let before = fields(&p);
    apply(&mut p, input);
    ctx.save_revision(c, &mut p, registry::save_partner)?;
    registry::refresh_search_text(c, &p.id)?;
    ctx.audit_change(
        c,
        AuditAction::PartnerUpdated,
        &p,
        changes(&before, &fields(&p)),
    )?;
    Ok(p)
}

pub fn get(c: &mut DbConnection, id: &str) -> Result<Partner, ApiError> {
    registry::find_partner(c, id)?.or_not_found(RecordKind::Partner, id)
}

pub fn list(
    c: &mut DbConnection,
    filter: &PartnerFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Partner>, ApiError> {
    Ok(registry::list_partners(c, filter, after, limit)?)
}
