//! Coordination and promotion: regional potentials, meetings and their recommendations, good
//! practices, and the public projections of agreements. Visibility follows the region columns.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use jalin_domain::access::Visibility;
use jalin_domain::agreement::{AgreementKind, AgreementStatus, Instrument, Subtype};
use jalin_domain::coordination::{
    Figure, FollowUp, FollowUpNote, MeetingDocumentRole, MeetingKind, PotentialKind,
    PracticeStatus, PUBLIC_STATUSES,
};
use jalin_domain::RegionCode;
use serde_json::Value;

use crate::crud::{Filter, Narrow, Page, Rows};
use crate::db::{DbConnection, DbError};
use crate::registry::normalize_name;
use crate::schema::{
    agreement_partners as ap, agreements as ag, good_practices as gp, meeting_documents as md,
    meetings as mt, partners as pa, potentials as po, recommendations as rc, regions as rg,
};
use crate::text::{stored_by_code, Joined, JoinedText, Json, JsonText, Stored, StoredOpt};

stored_by_code! {
    PotentialKind => "potential kind",
    MeetingKind => "meeting kind",
    MeetingDocumentRole => "meeting document role",
    FollowUp => "follow-up status",
    PracticeStatus => "good practice status",
}

// ---------------------------------------------------------------- potentials

/// An item of a region's potential profile (its `search_text` is derived on write).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = po, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Potential {
    pub id: String,
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    pub region_code: RegionCode,
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    pub province_code: RegionCode,
    pub sector: String,
    #[diesel(deserialize_as = Stored<PotentialKind>, serialize_as = Stored<PotentialKind>)]
    pub kind: PotentialKind,
    pub title: String,
    pub description: String,
    pub figures: Option<String>,
    pub needs: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Potential {
    /// What a search by words looks in: sector, title, description, figures and needs.
    fn search_text(&self) -> String {
        normalize_name(&format!(
            "{} {} {} {} {}",
            self.sector,
            self.title,
            self.description,
            self.figures.as_deref().unwrap_or(""),
            self.needs.as_deref().unwrap_or("")
        ))
    }
}

crate::crud::crud! {
    Potential in po by id, also |p: &Potential| po::search_text.eq(p.search_text());
    insert as insert_potential, save as save_potential, find as find_potential,
    page(PotentialFilter) as search_potentials,
}

/// What a potential search asks for.
#[derive(Debug, Clone, Default)]
pub struct PotentialFilter {
    /// A province includes its regencies/cities.
    pub region: Option<RegionCode>,
    pub sector: Option<String>,
    /// Every word must appear (normalized).
    pub words: Vec<String>,
}

impl<'a> Filter<Rows<'a, po::table, Potential>> for PotentialFilter {
    fn apply(&self, mut q: Rows<'a, po::table, Potential>) -> Rows<'a, po::table, Potential> {
        q = q.within(self.region.as_ref(), po::province_code, po::region_code);
        if let Some(s) = &self.sector {
            q = q.filter(po::sector.eq(s.clone()));
        }
        for w in &self.words {
            let w = crate::registry::like_escape(w);
            q = q.filter(po::search_text.like(format!("%{w}%")).escape('\\'));
        }
        q
    }
}

/// Sectors of a region's potentials (a province includes its regencies/cities).
pub fn potential_sectors(
    conn: &mut DbConnection,
    region: &RegionCode,
) -> Result<Vec<String>, DbError> {
    let q = po::table.select(po::sector).distinct().into_boxed();
    Ok(q.within(Some(region), po::province_code, po::region_code)
        .load(conn)?)
}

// ---------------------------------------------------------------- meetings

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = mt, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Meeting {
    pub id: String,
    /// The organiser's region; none for a central meeting (seen by every region).
    #[diesel(deserialize_as = StoredOpt<RegionCode>, serialize_as = StoredOpt<RegionCode>)]
    pub region_code: Option<RegionCode>,
    #[diesel(deserialize_as = StoredOpt<RegionCode>, serialize_as = StoredOpt<RegionCode>)]
    pub province_code: Option<RegionCode>,
    #[diesel(deserialize_as = Stored<MeetingKind>, serialize_as = Stored<MeetingKind>)]
    pub kind: MeetingKind,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub place: String,
    pub organiser: String,
    /// `[{region_code, agency, count}]`.
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub participants: Value,
    pub agenda: Option<String>,
    /// The organiser's, participants' and recommendation owners' regions: who may see the
    /// meeting.
    #[diesel(deserialize_as = Joined<RegionCode>, serialize_as = JoinedText)]
    pub audience: Vec<RegionCode>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

crate::crud::crud! { Meeting in mt by id; insert as insert_meeting }

/// A meeting visible within `vis`: central meetings are seen by all; regional ones by scope.
pub fn find_meeting(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<Meeting>, DbError> {
    let m: Option<Meeting> = mt::table
        .select(Meeting::as_select())
        .filter(mt::id.eq(id))
        .first(conn)
        .optional()?;
    Ok(m.filter(|m| meeting_visible(m, vis)))
}

pub fn meeting_visible(m: &Meeting, vis: &Visibility) -> bool {
    m.region_code.is_none() || m.audience.iter().any(|r| vis.includes(Some(r)))
}

pub fn list_meetings(
    conn: &mut DbConnection,
    vis: &Visibility,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Meeting>, DbError> {
    let q = mt::table
        .select(Meeting::as_select())
        .into_boxed()
        .page_after(mt::id, after, limit);
    let q = match vis {
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
    Ok(q.load(conn)?)
}

/// A numbered recommendation of a meeting. The owner's codes stay text: the reminders read them
/// as the region they are sent to.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rc, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Recommendation {
    pub id: String,
    pub meeting_id: String,
    pub number: i32,
    pub text: String,
    pub owner_region_code: Option<String>,
    pub owner_province_code: Option<String>,
    pub owner_agency: Option<String>,
    pub due_on: Option<NaiveDate>,
    #[diesel(deserialize_as = Stored<FollowUp>, serialize_as = Stored<FollowUp>)]
    pub status: FollowUp,
    #[diesel(deserialize_as = Json<Vec<FollowUpNote>>, serialize_as = JsonText)]
    pub notes: Vec<FollowUpNote>,
    #[diesel(deserialize_as = Json<Vec<String>>, serialize_as = JsonText)]
    pub agreement_ids: Vec<String>,
    #[diesel(deserialize_as = Json<Vec<String>>, serialize_as = JsonText)]
    pub region_codes: Vec<String>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

crate::crud::crud! {
    Recommendation in rc by id;
    insert as insert_recommendation, save as save_recommendation, find as find_recommendation,
    all_by(meeting_id, rc::number) as recommendations_of,
}

/// A file of a meeting: minutes, attendance list, presentation, photo.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = md)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MeetingDocument {
    pub id: String,
    pub meeting_id: String,
    #[diesel(
        deserialize_as = Stored<MeetingDocumentRole>,
        serialize_as = Stored<MeetingDocumentRole>
    )]
    pub role: MeetingDocumentRole,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

crate::crud::crud! {
    MeetingDocument in md by id;
    insert as insert_meeting_document, all_by(meeting_id, md::id) as meeting_documents,
}

// ---------------------------------------------------------------- good practices

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = gp, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct GoodPractice {
    pub id: String,
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    pub region_code: RegionCode,
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    pub province_code: RegionCode,
    pub title: String,
    pub context: String,
    pub actions: String,
    pub results: String,
    #[diesel(deserialize_as = Json<Vec<Figure>>, serialize_as = JsonText)]
    pub figures: Vec<Figure>,
    pub lessons: String,
    #[diesel(deserialize_as = Json<Vec<String>>, serialize_as = JsonText)]
    pub agreement_ids: Vec<String>,
    #[diesel(deserialize_as = Json<Vec<String>>, serialize_as = JsonText)]
    pub activity_ids: Vec<String>,
    #[diesel(deserialize_as = Stored<PracticeStatus>, serialize_as = Stored<PracticeStatus>)]
    pub status: PracticeStatus,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

crate::crud::crud! {
    GoodPractice in gp by id;
    insert as insert_practice, save as save_practice, find_visible as find_practice,
}

/// Good practices within `vis` (`None`: only published ones, for the public), optionally of one
/// region (a province includes its regencies/cities), by id.
pub fn list_practices(
    conn: &mut DbConnection,
    vis: Option<&Visibility>,
    region: Option<&RegionCode>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<GoodPractice>, DbError> {
    let q = gp::table
        .select(GoodPractice::as_select())
        .into_boxed()
        .within(region, gp::province_code, gp::region_code)
        .page_after(gp::id, after, limit);
    let q = match vis {
        None => q.filter(gp::status.eq(PracticeStatus::Published.as_str())),
        Some(vis) => q.visible_to(vis, gp::province_code, gp::region_code),
    };
    Ok(q.load(conn)?)
}

// ---------------------------------------------------------------- agreements seen from outside

/// An agreement as the public feed carries it: only public fields.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = ag)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PublicAgreementRow {
    pub id: String,
    pub region_code: String,
    #[diesel(select_expression = rg::name)]
    pub region_name: String,
    #[diesel(deserialize_as = Stored<AgreementKind>)]
    pub kind: AgreementKind,
    #[diesel(deserialize_as = Stored<Subtype>)]
    pub subtype: Subtype,
    #[diesel(deserialize_as = Stored<Instrument>)]
    pub instrument: Instrument,
    pub title_id: String,
    pub title_en: Option<String>,
    #[diesel(deserialize_as = Joined<String>)]
    pub sectors: Vec<String>,
    #[diesel(deserialize_as = Joined<String>)]
    pub objects: Vec<String>,
    pub signed_on: Option<NaiveDate>,
    pub effective_from: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    #[diesel(deserialize_as = Stored<AgreementStatus>)]
    pub status: AgreementStatus,
}

/// A partner of a public agreement: name and country only.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = pa)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PublicPartnerRow {
    #[diesel(select_expression = ap::agreement_id)]
    pub agreement_id: String,
    pub name: String,
    pub country: String,
}

/// A public agreement with its partners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicAgreement {
    pub agreement: PublicAgreementRow,
    pub partners: Vec<PublicPartnerRow>,
}

/// Agreements in a public status, by id, optionally of one region (a province includes its
/// regencies/cities); with their partners' names and countries.
pub fn public_agreements(
    conn: &mut DbConnection,
    region: Option<&RegionCode>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<PublicAgreement>, DbError> {
    let q = ag::table
        .inner_join(rg::table.on(rg::code.eq(ag::region_code)))
        .select(PublicAgreementRow::as_select())
        .filter(ag::status.eq_any(PUBLIC_STATUSES))
        .into_boxed()
        .within(region, ag::province_code, ag::region_code)
        .page_after(ag::id, after, limit);
    let rows: Vec<PublicAgreementRow> = q.load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.id).collect();
    let links: Vec<PublicPartnerRow> = ap::table
        .inner_join(pa::table)
        .filter(ap::agreement_id.eq_any(ids))
        .select(PublicPartnerRow::as_select())
        .order((ap::agreement_id, ap::position))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|agreement| PublicAgreement {
            partners: links
                .iter()
                .filter(|l| l.agreement_id == agreement.id)
                .cloned()
                .collect(),
            agreement,
        })
        .collect())
}

/// One agreement in a public status of a partner, for matchmaking.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = ag)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Cooperation {
    #[diesel(select_expression = pa::id)]
    pub partner_id: String,
    #[diesel(select_expression = pa::name)]
    pub partner_name: String,
    pub region_code: String,
    #[diesel(deserialize_as = Joined<String>)]
    pub sectors: Vec<String>,
    #[diesel(select_expression = ag::id)]
    pub agreement_id: String,
    pub title_id: String,
    #[diesel(deserialize_as = Stored<AgreementStatus>)]
    pub status: AgreementStatus,
}

/// Every agreement in a public status, with its partner (of one partner, if given), for
/// matchmaking.
pub fn partner_cooperation(
    conn: &mut DbConnection,
    partner_id: Option<&str>,
) -> Result<Vec<Cooperation>, DbError> {
    let mut q = ap::table
        .inner_join(ag::table)
        .inner_join(pa::table)
        .select(Cooperation::as_select())
        .filter(ag::status.eq_any(PUBLIC_STATUSES))
        .order((pa::id, ag::region_code, ag::id))
        .into_boxed();
    if let Some(p) = partner_id {
        q = q.filter(pa::id.eq(p.to_owned()));
    }
    Ok(q.load(conn)?)
}
