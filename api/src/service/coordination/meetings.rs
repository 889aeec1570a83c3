//! Coordination meetings (seeds 002–004): who met, the files of the meeting, and the numbered
//! recommendations each with an owner, a due date and a follow-up.

use jalin_domain::Date;
use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use jalin_domain::access::Visibility;
use jalin_domain::coordination::{
    check_meeting, may_follow_up, FollowUp, FollowUpNote, MeetingDocumentRole, MeetingKind,
};
use jalin_domain::violation::verdict;
use jalin_domain::{AuditAction, RecordKind, RegionCode};
use jalin_persistence::coordination::{self as co, Meeting, MeetingDocument, Recommendation};
use jalin_persistence::{registry, DbConnection};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use super::{known_regions, region_at};
use crate::error::ApiError;
use crate::reply::OrNotFound;
use crate::service::documents::{StoredFile, Upload};
use crate::service::Ctx;

crate::versioned!(Recommendation);

crate::filed!(Meeting => Meeting(id), region_code);
// A recommendation's history is its meeting's, in its owner's region.
crate::filed!(Recommendation => Meeting(meeting_id), owner_region_code);

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone)]
pub struct Participant {
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33.74")]
    pub region_code: Option<String>,
    #[validate(length(min = 1, max = 300))]
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "Bagian Kerja Sama Kota Semarang"
    )]
    pub agency: String,
    #[validate(range(min = 1, max = 10000))]
    #[schema(minimum = 1, maximum = 10000, example = 2)]
    pub count: u32,
}

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone)]
pub struct RecommendationInput {
    /// Its number in the meeting's conclusions (1, 2, …), unique in the meeting.
    #[validate(range(min = 1, max = 999))]
    #[schema(minimum = 1, maximum = 999)]
    pub number: i32,
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
    /// The region responsible for the follow-up.
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub owner_region_code: Option<String>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub owner_agency: Option<String>,
    pub due_on: Option<Date>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub agreement_ids: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub region_codes: Vec<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"kind": "coordination_meeting", "title": "Rapat Koordinasi Kerja Sama Luar Negeri Provinsi Jawa Tengah",
    "starts_on": "2026-03-10", "place": "Semarang", "organiser": "Biro Pemerintahan, Otda dan Kerja Sama", "region_code": "33",
    "participants": [{"region_code": "33.74", "agency": "Bagian Kerja Sama Kota Semarang", "count": 2}],
    "recommendations": [{"number": 1, "text": "Setiap kab/kota menyusun rencana aksi kerja sama.", "owner_region_code": "33.74", "due_on": "2026-06-30"}]}))]
pub struct MeetingInput {
    pub kind: MeetingKind,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub place: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub organiser: String,
    /// The organising region; absent for a central (national) meeting.
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: Option<String>,
    #[serde(default)]
    #[validate(length(max = 600), nested)]
    #[schema(max_items = 600)]
    pub participants: Vec<Participant>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub agenda: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub recommendations: Vec<RecommendationInput>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"status": "in_progress", "note": "Rencana aksi Kota Semarang dalam penyusunan."}))]
pub struct FollowUpInput {
    pub status: FollowUp,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
    /// A new due date, if agreed.
    pub due_on: Option<Date>,
}

/// A meeting with its recommendations (by number) and its files.
pub struct MeetingRecord {
    pub meeting: Meeting,
    pub recommendations: Vec<Recommendation>,
    pub documents: Vec<MeetingDocument>,
}

fn record_of(c: &mut DbConnection, meeting: Meeting) -> Result<MeetingRecord, ApiError> {
    Ok(MeetingRecord {
        recommendations: co::recommendations_of(c, &meeting.id)?,
        documents: co::meeting_documents(c, &meeting.id)?,
        meeting,
    })
}

/// Every region code the body names, at its pointer.
fn named_regions(input: &MeetingInput) -> Vec<(String, &str)> {
    fn at(pointer: String, code: &Option<String>) -> Option<(String, &str)> {
        code.as_deref().map(|c| (pointer, c))
    }
    let mut out: Vec<(String, &str)> = at("/region_code".into(), &input.region_code)
        .into_iter()
        .collect();
    for (i, p) in input.participants.iter().enumerate() {
        out.extend(at(format!("/participants/{i}/region_code"), &p.region_code));
    }
    for (i, r) in input.recommendations.iter().enumerate() {
        out.extend(at(
            format!("/recommendations/{i}/owner_region_code"),
            &r.owner_region_code,
        ));
        for (j, code) in r.region_codes.iter().enumerate() {
            out.push((format!("/recommendations/{i}/region_codes/{j}"), code));
        }
    }
    out
}

/// The agreements a recommendation cites must be visible to the caller.
fn check_agreements(
    c: &mut DbConnection,
    read: &Visibility,
    input: &MeetingInput,
) -> Result<(), ApiError> {
    for (i, r) in input.recommendations.iter().enumerate() {
        for (j, a) in r.agreement_ids.iter().enumerate() {
            if registry::find_agreement(c, a, read)?.is_none() {
                return Err(ApiError::invalid(
                    &format!("/recommendations/{i}/agreement_ids/{j}"),
                    "unknown_agreement",
                    "no such agreement visible to you",
                    "kerja sama tidak ditemukan",
                ));
            }
        }
    }
    Ok(())
}

fn recommendation(m: &Meeting, r: &RecommendationInput, now: NaiveDateTime) -> Recommendation {
    let owner = r
        .owner_region_code
        .as_deref()
        .and_then(|o| RegionCode::parse(o).ok());
    Recommendation {
        id: uuid::Uuid::now_v7().to_string(),
        meeting_id: m.id.clone(),
        number: r.number,
        text: r.text.clone(),
        owner_province_code: owner.as_ref().map(|o| o.province().to_string()),
        owner_region_code: owner.map(|o| o.to_string()),
        owner_agency: r.owner_agency.clone(),
        due_on: r.due_on.map(Date::naive),
        status: FollowUp::Open,
        notes: Vec::new(),
        agreement_ids: r.agreement_ids.clone(),
        region_codes: r.region_codes.clone(),
        version: 1,
        updated_at: now,
    }
}

/// The meeting as recorded by `ctx`, organised by `region`.
fn meeting(
    ctx: &Ctx,
    region: Option<RegionCode>,
    input: &MeetingInput,
) -> Result<Meeting, ApiError> {
    // Who sees it: the organiser, the participants and the recommendations' owners.
    let audience: BTreeSet<RegionCode> = (input.participants.iter().map(|p| &p.region_code))
        .chain(input.recommendations.iter().map(|r| &r.owner_region_code))
        .filter_map(|r| r.as_deref().and_then(|r| RegionCode::parse(r).ok()))
        .chain(region.clone())
        .collect();
    let now = ctx.now();
    Ok(Meeting {
        id: uuid::Uuid::now_v7().to_string(),
        province_code: region.as_ref().map(RegionCode::province),
        region_code: region,
        kind: input.kind,
        title: input.title.trim().to_owned(),
        starts_on: *input.starts_on,
        ends_on: input.ends_on.map(Date::naive),
        place: input.place.clone(),
        organiser: input.organiser.clone(),
        participants: serde_json::to_value(&input.participants)
            .map_err(|e| ApiError::internal(e.to_string()))?,
        agenda: input.agenda.clone(),
        audience: audience.into_iter().collect(),
        created_by: ctx.actor.name.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// Records a meeting with its recommendations. A central meeting is central government's; a
/// regional one is recorded within `write`; the agreements it cites are those `read` sees.
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    (write, read): (&Visibility, &Visibility),
    input: MeetingInput,
) -> Result<MeetingRecord, ApiError> {
    let region = input
        .region_code
        .as_deref()
        .map(|r| region_at("/region_code", r))
        .transpose()?;
    if !write.includes(region.as_ref()) {
        return Err(ApiError::Forbidden);
    }
    let numbers: Vec<i32> = input.recommendations.iter().map(|r| r.number).collect();
    verdict(check_meeting(
        *input.starts_on,
        input.ends_on.map(Date::naive),
        &numbers,
    ))?;
    known_regions(c, named_regions(&input))?;
    check_agreements(c, read, &input)?;
    let m = meeting(ctx, region, &input)?;
    co::insert_meeting(c, &m)?;
    for r in &input.recommendations {
        co::insert_recommendation(c, &recommendation(&m, r, m.created_at))?;
    }
    let changes = json!({"title": {"before": null, "after": m.title},
        "recommendations": {"before": null, "after": input.recommendations.len()}});
    ctx.audit_change(c, AuditAction::MeetingCreated, &m, changes)?;
    record_of(c, m)
}

pub fn get(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<MeetingRecord, ApiError> {
    let m = co::find_meeting(c, id, vis)?.or_not_found(RecordKind::Meeting, id)?;
    record_of(c, m)
}

/// A document of the meeting `id`, to download: the meeting is read within `vis` (one the
/// caller does not see is a 404, as is a document of another meeting).
pub fn document(
    c: &mut DbConnection,
    vis: &Visibility,
    id: &str,
    document_id: &str,
) -> Result<MeetingDocument, ApiError> {
    let m = co::find_meeting(c, id, vis)?.or_not_found(RecordKind::Meeting, id)?;
    co::meeting_documents(c, &m.id)?
        .into_iter()
        .find(|d| d.id == document_id)
        .or_not_found(RecordKind::Document, document_id)
}

/// Meetings `vis` sees: central ones, and those of its regions; by id.
pub fn list(
    c: &mut DbConnection,
    vis: &Visibility,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<MeetingRecord>, ApiError> {
    co::list_meetings(c, vis, after, limit)?
        .into_iter()
        .map(|m| record_of(c, m))
        .collect()
}

/// The caller's scopes for a follow-up: `read` (`agreements:read`) to see it, `as_owner`
/// (`agreements:write`) and `as_organiser` (`meetings:write`) to record it.
pub struct FollowUpAccess {
    pub read: Visibility,
    pub as_owner: Option<Visibility>,
    pub as_organiser: Option<Visibility>,
}

/// Records a recommendation's follow-up, if `expected` (the caller's ETag check) holds.
pub fn follow_up(
    c: &mut DbConnection,
    ctx: &Ctx,
    access: &FollowUpAccess,
    id: &str,
    input: FollowUpInput,
    expected: impl FnOnce(&Recommendation) -> Result<(), ApiError>,
) -> Result<Recommendation, ApiError> {
    let mut r = co::find_recommendation(c, id)?.or_not_found(RecordKind::Recommendation, id)?;
    let meeting = co::find_meeting(c, &r.meeting_id, &access.read)?;
    let owner = r
        .owner_region_code
        .as_deref()
        .and_then(|o| RegionCode::parse(o).ok());
    let organiser = meeting.as_ref().map(|m| m.region_code.as_ref());
    if organiser.is_none()
        && !owner
            .as_ref()
            .is_some_and(|o| access.read.includes(Some(o)))
    {
        return Err(ApiError::not_found(RecordKind::Recommendation, id));
    }
    let (as_owner, as_organiser) = (access.as_owner.as_ref(), access.as_organiser.as_ref());
    may_follow_up(owner.as_ref(), organiser, as_owner, as_organiser)?;
    expected(&r)?;
    let status = r.status.after(input.status)?;
    let before = json!({"number": r.number, "status": r.status.as_str()});
    r.notes.push(FollowUpNote {
        at: ctx.clock.now(),
        by: ctx.actor.name.clone(),
        status,
        note: input.note.clone(),
    });
    r.status = status;
    r.due_on = input.due_on.map(Date::naive).or(r.due_on);
    ctx.save_revision(c, &mut r, co::save_recommendation)?;
    // The follow-up is part of the meeting's history.
    let after = json!({"number": r.number, "status": status.as_str(), "note": input.note});
    let changes = json!({"recommendation": {"before": before, "after": after}});
    ctx.audit_change(c, AuditAction::RecommendationFollowedUp, &r, changes)?;
    Ok(r)
}

/// A meeting the caller may add files to: seen within `read`, organised within `write`.
pub fn organised(
    c: &mut DbConnection,
    read: &Visibility,
    write: &Visibility,
    id: &str,
) -> Result<Meeting, ApiError> {
    let m = co::find_meeting(c, id, read)?.or_not_found(RecordKind::Meeting, id)?;
    if !write.includes(m.region_code.as_ref()) {
        return Err(ApiError::Forbidden);
    }
    Ok(m)
}

/// The multipart form of a meeting document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MeetingUploadForm {
    /// The file: PDF, DOCX, ODT, JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(
        pattern = "^(minutes|attendance|presentation|photo|other)$",
        example = "minutes"
    )]
    role: String,
}

/// The role the form names: 422 unless a known one (checked before the file is stored).
pub fn document_role(upload: &Upload) -> Result<MeetingDocumentRole, ApiError> {
    MeetingDocumentRole::parse(upload.field("role").unwrap_or_default()).ok_or_else(|| {
        ApiError::invalid(
            "/role",
            "invalid_value",
            "minutes, attendance, presentation, photo or other",
            "minutes, attendance, presentation, photo atau other",
        )
    })
}

/// Records a stored file as a document of its meeting.
pub fn attach(
    c: &mut DbConnection,
    ctx: &Ctx,
    meeting: &Meeting,
    role: MeetingDocumentRole,
    file: StoredFile,
) -> Result<MeetingDocument, ApiError> {
    let doc = MeetingDocument {
        id: file.id,
        meeting_id: meeting.id.clone(),
        role,
        name: file.name,
        media_type: file.media_type,
        size_bytes: file.size_bytes,
        sha256: file.sha256,
        storage_key: file.storage_key,
        uploaded_by: ctx.actor.name.clone(),
        uploaded_at: ctx.now(),
    };
    co::insert_meeting_document(c, &doc)?;
    let after = json!({"id": doc.id, "role": doc.role.as_str(), "sha256": doc.sha256});
    let changes = json!({"document": {"before": null, "after": after}});
    ctx.audit_change(c, AuditAction::MeetingDocumentUploaded, meeting, changes)?;
    Ok(doc)
}
