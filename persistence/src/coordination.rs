//! Coordination and promotion: regional potentials, meetings and their recommendations, good
//! practices. Visibility follows the region columns.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;

use crate::db::{DbConnection, DbError};
use crate::schema::{
    good_practices as gp, meetings as mt, potentials as po, recommendations as rc,
};

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Potential {
    pub id: String,
    pub region_code: String,
    pub province_code: String,
    pub sector: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub figures: Option<String>,
    pub needs: Option<String>,
    pub search_text: String,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

macro_rules! potential_columns {
    () => {
        (
            po::id,
            po::region_code,
            po::province_code,
            po::sector,
            po::kind,
            po::title,
            po::description,
            po::figures,
            po::needs,
            po::search_text,
            po::created_by,
            po::version,
            po::created_at,
            po::updated_at,
        )
    };
}

pub fn insert_potential(conn: &mut DbConnection, p: &Potential) -> Result<(), DbError> {
    diesel::insert_into(po::table)
        .values((
            po::id.eq(&p.id),
            po::region_code.eq(&p.region_code),
            po::province_code.eq(&p.province_code),
            po::sector.eq(&p.sector),
            po::kind.eq(&p.kind),
            po::title.eq(&p.title),
            po::description.eq(&p.description),
            po::figures.eq(&p.figures),
            po::needs.eq(&p.needs),
            po::search_text.eq(&p.search_text),
            po::created_by.eq(&p.created_by),
            po::version.eq(p.version),
            po::created_at.eq(p.created_at),
            po::updated_at.eq(p.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn save_potential(
    conn: &mut DbConnection,
    p: &Potential,
    expected: i64,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        po::table
            .filter(po::id.eq(&p.id))
            .filter(po::version.eq(expected)),
    )
    .set((
        po::sector.eq(&p.sector),
        po::kind.eq(&p.kind),
        po::title.eq(&p.title),
        po::description.eq(&p.description),
        po::figures.eq(&p.figures),
        po::needs.eq(&p.needs),
        po::search_text.eq(&p.search_text),
        po::version.eq(p.version),
        po::updated_at.eq(p.updated_at),
    ))
    .execute(conn)?
        == 1)
}

pub fn delete_potential(conn: &mut DbConnection, id: &str, expected: i64) -> Result<bool, DbError> {
    Ok(diesel::delete(
        po::table
            .filter(po::id.eq(id))
            .filter(po::version.eq(expected)),
    )
    .execute(conn)?
        == 1)
}

pub fn find_potential(conn: &mut DbConnection, id: &str) -> Result<Option<Potential>, DbError> {
    Ok(po::table
        .select(potential_columns!())
        .filter(po::id.eq(id))
        .first::<Potential>(conn)
        .optional()?)
}

/// Potentials, optionally of one region (a province includes its regencies/cities), one sector,
/// and containing every word of `q` (normalized); by id.
pub fn search_potentials(
    conn: &mut DbConnection,
    region: Option<&str>,
    sector: Option<&str>,
    words: &[String],
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Potential>, DbError> {
    let mut q = po::table
        .select(potential_columns!())
        .order(po::id)
        .limit(limit)
        .into_boxed();
    if let Some(r) = region {
        q = if r.contains('.') {
            q.filter(po::region_code.eq(r.to_owned()))
        } else {
            q.filter(po::province_code.eq(r.to_owned()))
        };
    }
    if let Some(s) = sector {
        q = q.filter(po::sector.eq(s.to_owned()));
    }
    for w in words {
        q = q.filter(po::search_text.like(format!("%{w}%")));
    }
    if let Some(a) = after {
        q = q.filter(po::id.gt(a.to_owned()));
    }
    Ok(q.load::<Potential>(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Meeting {
    pub id: String,
    /// The organiser's region; none for a central meeting (seen by every region).
    pub region_code: Option<String>,
    pub province_code: Option<String>,
    pub kind: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub place: String,
    pub organiser: String,
    /// JSON array of `{region_code, agency, count}`.
    pub participants: String,
    pub agenda: Option<String>,
    /// `,33,33.74,` — the organiser's, participants' and recommendation owners' regions: who
    /// may see the meeting.
    pub audience: String,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

macro_rules! meeting_columns {
    () => {
        (
            mt::id,
            mt::region_code,
            mt::province_code,
            mt::kind,
            mt::title,
            mt::starts_on,
            mt::ends_on,
            mt::place,
            mt::organiser,
            mt::participants,
            mt::agenda,
            mt::audience,
            mt::created_by,
            mt::version,
            mt::created_at,
            mt::updated_at,
        )
    };
}

pub fn insert_meeting(conn: &mut DbConnection, m: &Meeting) -> Result<(), DbError> {
    diesel::insert_into(mt::table)
        .values((
            mt::id.eq(&m.id),
            mt::region_code.eq(&m.region_code),
            mt::province_code.eq(&m.province_code),
            mt::kind.eq(&m.kind),
            mt::title.eq(&m.title),
            mt::starts_on.eq(m.starts_on),
            mt::ends_on.eq(m.ends_on),
            mt::place.eq(&m.place),
            mt::organiser.eq(&m.organiser),
            mt::participants.eq(&m.participants),
            mt::agenda.eq(&m.agenda),
            mt::audience.eq(&m.audience),
            mt::created_by.eq(&m.created_by),
            mt::version.eq(m.version),
            mt::created_at.eq(m.created_at),
            mt::updated_at.eq(m.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A meeting visible within `vis`: central meetings are seen by all; regional ones by scope.
pub fn find_meeting(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<Meeting>, DbError> {
    let m = mt::table
        .select(meeting_columns!())
        .filter(mt::id.eq(id))
        .first::<Meeting>(conn)
        .optional()?;
    Ok(m.filter(|m| meeting_visible(m, vis)))
}

pub fn meeting_visible(m: &Meeting, vis: &Visibility) -> bool {
    m.region_code.is_none()
        || m.audience
            .split(',')
            .filter(|r| !r.is_empty())
            .any(|r| jalin_domain::RegionCode::parse(r).is_ok_and(|code| vis.includes(Some(&code))))
}

pub fn list_meetings(
    conn: &mut DbConnection,
    vis: &Visibility,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Meeting>, DbError> {
    let mut q = mt::table
        .select(meeting_columns!())
        .order(mt::id)
        .limit(limit)
        .into_boxed();
    q = match vis {
        Visibility::All => q,
        Visibility::Province(p) => q.filter(
            mt::region_code
                .is_null()
                .or(mt::audience.like(format!("%,{p},%")))
                .or(mt::audience.like(format!("%,{p}.%"))),
        ),
        Visibility::Region(r) => q.filter(
            mt::region_code
                .is_null()
                .or(mt::audience.like(format!("%,{r},%"))),
        ),
    };
    if let Some(a) = after {
        q = q.filter(mt::id.gt(a.to_owned()));
    }
    Ok(q.load::<Meeting>(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Recommendation {
    pub id: String,
    pub meeting_id: String,
    pub number: i32,
    pub text: String,
    pub owner_region_code: Option<String>,
    pub owner_province_code: Option<String>,
    pub owner_agency: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// `open`, `in_progress`, `done` or `dropped`.
    pub status: String,
    /// JSON array of `{at, by, status, note}`.
    pub notes: String,
    pub agreement_ids: String,
    pub region_codes: String,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

macro_rules! recommendation_columns {
    () => {
        (
            rc::id,
            rc::meeting_id,
            rc::number,
            rc::text,
            rc::owner_region_code,
            rc::owner_province_code,
            rc::owner_agency,
            rc::due_on,
            rc::status,
            rc::notes,
            rc::agreement_ids,
            rc::region_codes,
            rc::version,
            rc::updated_at,
        )
    };
}

pub fn insert_recommendation(conn: &mut DbConnection, r: &Recommendation) -> Result<(), DbError> {
    diesel::insert_into(rc::table)
        .values((
            rc::id.eq(&r.id),
            rc::meeting_id.eq(&r.meeting_id),
            rc::number.eq(r.number),
            rc::text.eq(&r.text),
            rc::owner_region_code.eq(&r.owner_region_code),
            rc::owner_province_code.eq(&r.owner_province_code),
            rc::owner_agency.eq(&r.owner_agency),
            rc::due_on.eq(r.due_on),
            rc::status.eq(&r.status),
            rc::notes.eq(&r.notes),
            rc::agreement_ids.eq(&r.agreement_ids),
            rc::region_codes.eq(&r.region_codes),
            rc::version.eq(r.version),
            rc::updated_at.eq(r.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn save_recommendation(
    conn: &mut DbConnection,
    r: &Recommendation,
    expected: i64,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        rc::table
            .filter(rc::id.eq(&r.id))
            .filter(rc::version.eq(expected)),
    )
    .set((
        rc::status.eq(&r.status),
        rc::notes.eq(&r.notes),
        rc::due_on.eq(r.due_on),
        rc::version.eq(r.version),
        rc::updated_at.eq(r.updated_at),
    ))
    .execute(conn)?
        == 1)
}

pub fn find_recommendation(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<Recommendation>, DbError> {
    Ok(rc::table
        .select(recommendation_columns!())
        .filter(rc::id.eq(id))
        .first::<Recommendation>(conn)
        .optional()?)
}

pub fn recommendations_of(
    conn: &mut DbConnection,
    meeting_id: &str,
) -> Result<Vec<Recommendation>, DbError> {
    Ok(rc::table
        .select(recommendation_columns!())
        .filter(rc::meeting_id.eq(meeting_id))
        .order(rc::number)
        .load::<Recommendation>(conn)?)
}

/// Open or in-progress recommendations past their due date on `today`, owned within `vis`
/// (recommendations without an owning region count for central principals only).
pub fn overdue_recommendations(
    conn: &mut DbConnection,
    vis: &Visibility,
    today: NaiveDate,
) -> Result<Vec<Recommendation>, DbError> {
    let mut q = rc::table
        .select(recommendation_columns!())
        .filter(rc::status.eq_any(["open", "in_progress"]))
        .filter(rc::due_on.lt(today))
        .order(rc::due_on)
        .into_boxed();
    q = match vis {
        Visibility::All => q,
        Visibility::Province(p) => q.filter(rc::owner_province_code.eq(p.to_string())),
        Visibility::Region(r) => q.filter(rc::owner_region_code.eq(r.to_string())),
    };
    Ok(q.load::<Recommendation>(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct GoodPractice {
    pub id: String,
    pub region_code: String,
    pub province_code: String,
    pub title: String,
    pub context: String,
    pub actions: String,
    pub results: String,
    /// JSON array of `{label, value, unit}`.
    pub figures: String,
    pub lessons: String,
    pub agreement_ids: String,
    pub activity_ids: String,
    /// `draft`, `submitted`, `published` or `returned`.
    pub status: String,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

macro_rules! practice_columns {
    () => {
        (
            gp::id,
            gp::region_code,
            gp::province_code,
            gp::title,
            gp::context,
            gp::actions,
            gp::results,
            gp::figures,
            gp::lessons,
            gp::agreement_ids,
            gp::activity_ids,
            gp::status,
            gp::review_note,
            gp::reviewed_by,
            gp::published_at,
            gp::created_by,
            gp::version,
            gp::created_at,
            gp::updated_at,
        )
    };
}

pub fn insert_practice(conn: &mut DbConnection, g: &GoodPractice) -> Result<(), DbError> {
    diesel::insert_into(gp::table)
        .values((
            gp::id.eq(&g.id),
            gp::region_code.eq(&g.region_code),
            gp::province_code.eq(&g.province_code),
            gp::title.eq(&g.title),
            gp::context.eq(&g.context),
            gp::actions.eq(&g.actions),
            gp::results.eq(&g.results),
            gp::figures.eq(&g.figures),
            gp::lessons.eq(&g.lessons),
            gp::agreement_ids.eq(&g.agreement_ids),
            gp::activity_ids.eq(&g.activity_ids),
            gp::status.eq(&g.status),
            gp::review_note.eq(&g.review_note),
            gp::reviewed_by.eq(&g.reviewed_by),
            gp::published_at.eq(g.published_at),
            gp::created_by.eq(&g.created_by),
            gp::version.eq(g.version),
            gp::created_at.eq(g.created_at),
            gp::updated_at.eq(g.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn save_practice(
    conn: &mut DbConnection,
    g: &GoodPractice,
    expected: i64,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        gp::table
            .filter(gp::id.eq(&g.id))
            .filter(gp::version.eq(expected)),
    )
    .set((
        gp::title.eq(&g.title),
        gp::context.eq(&g.context),
        gp::actions.eq(&g.actions),
        gp::results.eq(&g.results),
        gp::figures.eq(&g.figures),
        gp::lessons.eq(&g.lessons),
        gp::agreement_ids.eq(&g.agreement_ids),
        gp::activity_ids.eq(&g.activity_ids),
        gp::status.eq(&g.status),
        gp::review_note.eq(&g.review_note),
        gp::reviewed_by.eq(&g.reviewed_by),
        gp::published_at.eq(g.published_at),
        gp::version.eq(g.version),
        gp::updated_at.eq(g.updated_at),
    ))
    .execute(conn)?
        == 1)
}

pub fn find_practice(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<GoodPractice>, DbError> {
    let q = gp::table
        .select(practice_columns!())
        .filter(gp::id.eq(id.to_owned()))
        .into_boxed();
    let q = match vis {
        Visibility::All => q,
        Visibility::Province(p) => q.filter(gp::province_code.eq(p.to_string())),
        Visibility::Region(r) => q.filter(gp::region_code.eq(r.to_string())),
    };
    Ok(q.first::<GoodPractice>(conn).optional()?)
}

/// Good practices within `vis` (`None`: only published ones, for the public), by id.
pub fn list_practices(
    conn: &mut DbConnection,
    vis: Option<&Visibility>,
    region: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<GoodPractice>, DbError> {
    let mut q = gp::table
        .select(practice_columns!())
        .order(gp::id)
        .limit(limit)
        .into_boxed();
    q = match vis {
        None => q.filter(gp::status.eq("published")),
        Some(Visibility::All) => q,
        Some(Visibility::Province(p)) => q.filter(gp::province_code.eq(p.to_string())),
        Some(Visibility::Region(r)) => q.filter(gp::region_code.eq(r.to_string())),
    };
    if let Some(r) = region {
        q = if r.contains('.') {
            q.filter(gp::region_code.eq(r.to_owned()))
        } else {
            q.filter(gp::province_code.eq(r.to_owned()))
        };
    }
    if let Some(a) = after {
        q = q.filter(gp::id.gt(a.to_owned()));
    }
    Ok(q.load::<GoodPractice>(conn)?)
}

/// An agreement as the public feed carries it: only public fields.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct PublicAgreementRow {
    pub id: String,
    pub region_code: String,
    pub region_name: String,
    pub kind: String,
    pub subtype: String,
    pub instrument: String,
    pub title_id: String,
    pub title_en: Option<String>,
    /// `,a,b,` joined.
    pub sectors: String,
    pub objects: String,
    pub signed_on: Option<NaiveDate>,
    pub effective_from: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub status: String,
}

/// A public agreement with its partners' `(name, country)`.
pub type PublicAgreement = (PublicAgreementRow, Vec<(String, String)>);

/// Agreements in a public status, by id, optionally of one region (a province includes its
/// regencies/cities); with their partners' names and countries.
pub fn public_agreements(
    conn: &mut DbConnection,
    region: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<PublicAgreement>, DbError> {
    use crate::schema::{
        agreement_partners as ap, agreements as ag, partners as pa, regions as rg,
    };
    let mut q = ag::table
        .inner_join(rg::table.on(rg::code.eq(ag::region_code)))
        .select((
            ag::id,
            ag::region_code,
            rg::name,
            ag::kind,
            ag::subtype,
            ag::instrument,
            ag::title_id,
            ag::title_en,
            ag::sectors,
            ag::objects,
            ag::signed_on,
            ag::effective_from,
            ag::expires_on,
            ag::status,
        ))
        .filter(ag::status.eq_any(jalin_domain::coordination::PUBLIC_STATUSES))
        .order(ag::id)
        .limit(limit)
        .into_boxed();
    if let Some(r) = region {
        q = if r.contains('.') {
            q.filter(ag::region_code.eq(r.to_owned()))
        } else {
            q.filter(ag::province_code.eq(r.to_owned()))
        };
    }
    if let Some(a) = after {
        q = q.filter(ag::id.gt(a.to_owned()));
    }
    let rows = q.load::<PublicAgreementRow>(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.id).collect();
    let links: Vec<(String, String, String)> = ap::table
        .inner_join(pa::table)
        .filter(ap::agreement_id.eq_any(ids))
        .select((ap::agreement_id, pa::name, pa::country))
        .order((ap::agreement_id, ap::position))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let partners = links
                .iter()
                .filter(|l| l.0 == r.id)
                .map(|l| (l.1.clone(), l.2.clone()))
                .collect();
            (r, partners)
        })
        .collect())
}

/// One agreement of a partner: `(partner id, partner name, region, sectors, agreement id,
/// title, status)`.
pub type Cooperation = (String, String, String, String, String, String, String);

/// Every agreement in a public status, with its partner (of one partner, if given), for
/// matchmaking.
pub fn partner_cooperation(
    conn: &mut DbConnection,
    partner_id: Option<&str>,
) -> Result<Vec<Cooperation>, DbError> {
    use crate::schema::{agreement_partners as ap, agreements as ag, partners as pa};
    let mut q = ap::table
        .inner_join(ag::table)
        .inner_join(pa::table)
        .select((
            pa::id,
            pa::name,
            ag::region_code,
            ag::sectors,
            ag::id,
            ag::title_id,
            ag::status,
        ))
        .filter(ag::status.eq_any(jalin_domain::coordination::PUBLIC_STATUSES))
        .order((pa::id, ag::region_code, ag::id))
        .into_boxed();
    if let Some(p) = partner_id {
        q = q.filter(pa::id.eq(p.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// Sectors of a region's potentials (a province includes its regencies/cities).
pub fn potential_sectors(conn: &mut DbConnection, region: &str) -> Result<Vec<String>, DbError> {
    let q = po::table.select(po::sector).distinct().into_boxed();
    let q = if region.contains('.') {
        q.filter(po::region_code.eq(region.to_owned()))
    } else {
        q.filter(po::province_code.eq(region.to_owned()))
    };
    Ok(q.load::<String>(conn)?)
}

/// A file of a meeting: minutes, attendance list, presentation, photo.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct MeetingDocument {
    pub id: String,
    pub meeting_id: String,
    pub role: String,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert_meeting_document(
    conn: &mut DbConnection,
    d: &MeetingDocument,
) -> Result<(), DbError> {
    use crate::schema::meeting_documents as md;
    diesel::insert_into(md::table)
        .values((
            md::id.eq(&d.id),
            md::meeting_id.eq(&d.meeting_id),
            md::role.eq(&d.role),
            md::name.eq(&d.name),
            md::media_type.eq(&d.media_type),
            md::size_bytes.eq(d.size_bytes),
            md::sha256.eq(&d.sha256),
            md::storage_key.eq(&d.storage_key),
            md::uploaded_by.eq(&d.uploaded_by),
            md::uploaded_at.eq(d.uploaded_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn meeting_documents(
    conn: &mut DbConnection,
    meeting_id: &str,
) -> Result<Vec<MeetingDocument>, DbError> {
    use crate::schema::meeting_documents as md;
    Ok(md::table
        .select((
            md::id,
            md::meeting_id,
            md::role,
            md::name,
            md::media_type,
            md::size_bytes,
            md::sha256,
            md::storage_key,
            md::uploaded_by,
            md::uploaded_at,
        ))
        .filter(md::meeting_id.eq(meeting_id))
        .order(md::id)
        .load::<MeetingDocument>(conn)?)
}
