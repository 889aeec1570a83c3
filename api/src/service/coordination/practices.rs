//! Good practices (seed 002 rec. 1c): a region writes up a story other regions can replicate;
//! the province (or central government) reviews it before the public sees it.

use jalin_domain::access::Visibility;
use jalin_domain::coordination::{Figure, PracticeAction, PracticeStatus};
use jalin_domain::violation::verdict;
use jalin_domain::{AuditAction, RecordKind, RegionCode};
use jalin_persistence::coordination::{self as co, GoodPractice};
use jalin_persistence::{activities, registry, DbConnection};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use super::{known_regions, region_at};
use crate::error::ApiError;
use crate::reply::OrNotFound;
use crate::service::{changes, Conditional, Ctx, Revisable};

crate::versioned!(GoodPractice);

crate::filed!(GoodPractice => GoodPractice(id), region_code);

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

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"action": "publish", "note": "Layak direplikasi."}))]
pub struct PracticeActionInput {
    pub action: PracticeAction,
    /// Required to return it.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
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
            return Err(ApiError::invalid(
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
            return Err(ApiError::invalid(
                &format!("/activity_ids/{i}"),
                "unknown_activity",
                "not an activity of this region",
                "bukan kegiatan daerah ini",
            ));
        }
    }
    Ok(())
}

fn apply(g: &mut GoodPractice, input: PracticeInput) {
    g.title = input.title.trim().to_owned();
    g.context = input.context;
    g.actions = input.actions;
    g.results = input.results;
    g.figures = input.figures;
    g.lessons = input.lessons;
    g.agreement_ids = input.agreement_ids;
    g.activity_ids = input.activity_ids;
}

/// Drafts a good practice of a region `write` reaches.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    write: &Visibility,
    input: PracticeInput,
) -> Result<GoodPractice, ApiError> {
    let region = region_at("/region_code", &input.region_code)?;
    if !write.includes(Some(&region)) {
        return Err(ApiError::Forbidden);
    }
    known_regions(c, [("/region_code".to_owned(), input.region_code.as_str())])?;
    check_links(c, &region, &input)?;
    let now = ctx.now();
    let mut g = GoodPractice {
        id: uuid::Uuid::now_v7().to_string(),
        province_code: region.province(),
        region_code: region,
        title: String::new(),
        context: String::new(),
        actions: String::new(),
        results: String::new(),
        figures: Vec::new(),
        lessons: String::new(),
        agreement_ids: Vec::new(),
        activity_ids: Vec::new(),
        status: PracticeStatus::Draft,
        review_note: None,
        reviewed_by: None,
        published_at: None,
        created_by: ctx.actor.name.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    apply(&mut g, input);
    co::insert_practice(c, &g)?;
    let changes = json!({"title": {"before": null, "after": g.title}});
    ctx.audit_change(c, AuditAction::GoodPracticeCreated, &g, changes)?;
    Ok(g)
}

pub fn get(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<GoodPractice, ApiError> {
    co::find_practice(c, id, vis)?.or_not_found(RecordKind::GoodPractice, id)
}

/// Good practices `vis` sees, every status, by id.
pub fn list(
    c: &mut DbConnection,
    vis: &Visibility,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<GoodPractice>, ApiError> {
    Ok(co::list_practices(c, Some(vis), None, after, limit)?)
}

/// Replaces a draft or returned story (seen within `read`, of a region within `write`), if
/// `expected` (the caller's ETag check) holds.
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    (read, write): (&Visibility, &Visibility),
    id: &str,
    input: PracticeInput,
    expected: impl FnOnce(&GoodPractice) -> Result<(), ApiError>,
) -> Result<GoodPractice, ApiError> {
    let mut g = get(c, read, id)?;
    if !write.includes(Some(&g.region_code)) {
        return Err(ApiError::Forbidden);
    }
    if input.region_code != g.region_code.as_str() {
        return Err(ApiError::invalid(
            "/region_code",
            "immutable",
            "the region is fixed once created",
            "daerah tidak dapat diubah",
        ));
    }
    check_links(c, &g.region_code, &input)?;
    expected(&g)?;
    g.status.check_editable()?;
    let before = json!({"title": g.title});
    apply(&mut g, input);
    ctx.save_revision(c, &mut g, co::save_practice)?;
    let diff = changes(&before, &json!({"title": g.title}));
    ctx.audit_change(c, AuditAction::GoodPracticeUpdated, &g, diff)?;
    Ok(g)
}

/// Submits, publishes, returns or withdraws a story (seen within `read`, of a region within
/// `allowed`: the author's scope to submit, the reviewer's for the rest), if `expected` holds.
pub fn act(
    c: &mut DbConnection,
    ctx: &Ctx,
    (read, allowed): (&Visibility, &Visibility),
    id: &str,
    input: PracticeActionInput,
    expected: impl FnOnce(&GoodPractice) -> Result<(), ApiError>,
) -> Result<GoodPractice, ApiError> {
    let mut g = get(c, read, id)?;
    if !allowed.includes(Some(&g.region_code)) {
        return Err(ApiError::Forbidden);
    }
    verdict(input.action.check_note(input.note.as_deref()))?;
    expected(&g)?;
    let (before, after) = (g.status, g.status.after(input.action)?);
    g.status = after;
    let (now, reviewer) = (ctx.now(), Some(ctx.actor.name.clone()));
    match input.action {
        PracticeAction::Submit => {}
        PracticeAction::Publish => {
            (g.published_at, g.reviewed_by, g.review_note) = (Some(now), reviewer, input.note)
        }
        PracticeAction::Return => (g.reviewed_by, g.review_note) = (reviewer, input.note),
        PracticeAction::Withdraw => g.published_at = None,
    }
    // Published and changed at the same instant.
    let read = g.revise(now);
    co::save_practice(c, &g, read).or_precondition_failed()?;
    let action = match input.action {
        PracticeAction::Submit => AuditAction::GoodPracticeSubmitted,
        PracticeAction::Publish => AuditAction::GoodPracticePublished,
        PracticeAction::Return => AuditAction::GoodPracticeReturned,
        PracticeAction::Withdraw => AuditAction::GoodPracticeWithdrawn,
    };
    let changes = json!({"status": {"before": before.as_str(), "after": after.as_str()}});
    ctx.audit_change(c, action, &g, changes)?;
    Ok(g)
}
