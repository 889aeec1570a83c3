//! A region's potential profile (seed 000 §E.1): what it offers and needs, by sector; written by
//! the region (or its province), searched by everyone.

use jalin_domain::access::Visibility;
use jalin_domain::coordination::PotentialKind;
use jalin_domain::{AuditAction, RecordKind, RegionCode};
use jalin_persistence::coordination::{self as co, Potential, PotentialFilter};
use jalin_persistence::registry::normalize_name;
use jalin_persistence::DbConnection;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::ApiError;
use crate::reply::OrNotFound;
use crate::service::{changes, Ctx};

crate::versioned!(Potential);

crate::filed!(Potential => Potential(id), region_code);

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

/// The audited fields.
fn fields(p: &Potential) -> Value {
    json!({"sector": p.sector, "kind": p.kind.as_str(), "title": p.title})
}

fn apply(p: &mut Potential, input: PotentialInput) {
    p.sector = input.sector.trim().to_lowercase();
    p.kind = input.kind;
    p.title = input.title.trim().to_owned();
    p.description = input.description;
    p.figures = input.figures;
    p.needs = input.needs;
}

/// Adds an item to the profile of the region `code` (an unknown region is a 404), if `write`
/// reaches it.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    write: &Visibility,
    code: &str,
    input: PotentialInput,
) -> Result<Potential, ApiError> {
    let region = crate::service::reference::region(c, code)?.code;
    if !write.includes(Some(&region)) {
        return Err(ApiError::Forbidden);
    }
    let now = ctx.now();
    let mut p = Potential {
        id: uuid::Uuid::now_v7().to_string(),
        province_code: region.province(),
        region_code: region,
        sector: String::new(),
        kind: input.kind,
        title: String::new(),
        description: String::new(),
        figures: None,
        needs: None,
        created_by: ctx.actor.name.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    apply(&mut p, input);
    co::insert_potential(c, &p)?;
    ctx.audit_change(
        c,
        AuditAction::PotentialCreated,
        &p,
        changes(&json!({}), &fields(&p)),
    )?;
    Ok(p)
}

/// Replaces a potential, if `write` reaches its region and `expected` (the caller's ETag check)
/// holds. Another region's is a 404, exactly like a missing one: the answer must not tell a real
/// id from a random one (issue #18).
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    write: &Visibility,
    id: &str,
    input: PotentialInput,
    expected: impl FnOnce(&Potential) -> Result<(), ApiError>,
) -> Result<Potential, ApiError> {
    let mut p = co::find_potential(c, id)?.or_not_found(RecordKind::Potential, id)?;
    if !write.includes(Some(&p.region_code)) {
        return Err(ApiError::not_found(RecordKind::Potential, id));
    }
    expected(&p)?;
    let before = fields(&p);
    apply(&mut p, input);
    ctx.save_revision(c, &mut p, co::save_potential)?;
    ctx.audit_change(
        c,
        AuditAction::PotentialUpdated,
        &p,
        changes(&before, &fields(&p)),
    )?;
    Ok(p)
}

/// Potentials of `region` (a province includes its regencies/cities), of `sector`, with every
/// word of `q` in their sector, title, description, figures or needs; by id.
pub fn search(
    c: &mut DbConnection,
    region: Option<RegionCode>,
    sector: Option<&str>,
    q: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Potential>, ApiError> {
    let words: Vec<String> = q
        .map(|t| {
            normalize_name(t)
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    // Text to find, never a pattern: a `q` with nothing searchable in it (`%`, `_`) finds
    // nothing rather than everything.
    if q.is_some() && words.is_empty() {
        return Ok(Vec::new());
    }
    let filter = PotentialFilter {
        region,
        sector: sector.map(|s| s.trim().to_lowercase()),
        words,
    };
    Ok(co::search_potentials(c, &filter, after, limit)?)
}
