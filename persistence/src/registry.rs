//! The agreement registry: foreign partners and agreements. Agreement queries take the caller's
//! [`Visibility`]: region isolation happens in SQL.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use jalin_domain::access::Visibility;
use jalin_domain::agreement::{
    AgreementKind, AgreementStatus, CooperationObject, Instrument, PartnerKind, PartnerLevel,
    Subtype,
};
use jalin_domain::RegionCode;
use serde_json::Value;

use crate::crud::{Filter, Narrow, Rows};
use crate::db::{DbConnection, DbError};
use crate::schema::{
    agreement_partners as ap, agreements as ag, partners as pt, reference_counters as rc,
};
use crate::text::{Joined, JoinedText, Json, JsonText, Stored, StoredOpt};

fn bad(what: &str, v: &str) -> DbError {
    DbError::Reference(format!("stored {what} `{v}` is not valid"))
}

/// Lower-case, single-spaced, alphanumerics only: "Queensland  State Gov't" ≈ "queensland state gov t".
pub fn normalize_name(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A foreign partner: the row as stored (`name_normalized` is derived from `name` on write).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = pt, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Partner {
    pub id: String,
    pub name: String,
    pub native_name: Option<String>,
    #[diesel(deserialize_as = Stored<PartnerKind>, serialize_as = Stored<PartnerKind>)]
    pub kind: PartnerKind,
    #[diesel(deserialize_as = StoredOpt<PartnerLevel>, serialize_as = StoredOpt<PartnerLevel>)]
    pub level: Option<PartnerLevel>,
    pub legal_personality: Option<bool>,
    pub political_party: bool,
    pub country: String,
    pub subdivision: Option<String>,
    pub website: Option<String>,
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    pub contacts: Value,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

crate::crud::crud! {
    Partner in pt by id, also |p: &Partner| pt::name_normalized.eq(normalize_name(&p.name));
    find as find_partner, save as save_partner, page(PartnerFilter) as list_partners,
}

pub fn find_partner_by_name(
    conn: &mut DbConnection,
    name: &str,
    country: &str,
) -> Result<Option<Partner>, DbError> {
    Ok(pt::table
        .select(Partner::as_select())
        .filter(pt::name_normalized.eq(normalize_name(name)))
        .filter(pt::country.eq(country))
        .first(conn)
        .optional()?)
}

/// Inserts `p`; `Ok(Err(existing))` when a partner with the same normalised name and country
/// exists.
pub fn insert_partner(
    conn: &mut DbConnection,
    p: &Partner,
) -> Result<Result<(), Partner>, DbError> {
    if let Some(existing) = find_partner_by_name(conn, &p.name, &p.country)? {
        return Ok(Err(existing));
    }
    let r = diesel::insert_into(pt::table)
        .values((p.clone(), pt::name_normalized.eq(normalize_name(&p.name))))
        .execute(conn);
    match r {
        Ok(_) => Ok(Ok(())),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(Err(find_partner_by_name(conn, &p.name, &p.country)?
                .ok_or_else(|| bad("partner", &p.name))?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Default)]
pub struct PartnerFilter {
    pub country: Option<String>,
    pub kind: Option<PartnerKind>,
    pub q: Option<String>,
}

impl<'a> Filter<Rows<'a, pt::table, Partner>> for PartnerFilter {
    fn apply(&self, mut q: Rows<'a, pt::table, Partner>) -> Rows<'a, pt::table, Partner> {
        if let Some(c) = &self.country {
            q = q.filter(pt::country.eq(c.clone()));
        }
        if let Some(k) = self.kind {
            q = q.filter(pt::kind.eq(k.as_str()));
        }
        if let Some(text) = &self.q {
            let text = normalize_name(text);
            // Nothing searchable in `q` (`%`, `_`): it finds nothing, not everything.
            q = if text.is_empty() {
                q.filter(pt::id.is_null())
            } else {
                q.filter(
                    pt::name_normalized
                        .like(format!("%{}%", like_escape(&text)))
                        .escape('\\'),
                )
            };
        }
        q
    }
}

/// `s` matched literally inside a LIKE pattern written with `escape('\\')`.
pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

// ---- agreements ----------------------------------------------------------------------------

/// An agreement with its partners, in their order (from `agreement_partners`).
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub id: String,
    pub reference_number: String,
    pub region: RegionCode,
    pub kind: AgreementKind,
    pub subtype: Subtype,
    pub instrument: Instrument,
    pub parent_id: Option<String>,
    pub predecessor_id: Option<String>,
    pub title_id: String,
    pub title_en: Option<String>,
    pub objects: Vec<CooperationObject>,
    pub sectors: Vec<String>,
    pub languages: Vec<String>,
    /// Agencies, financing, signatories, references, the R5 checklist: JSON.
    pub details: Value,
    pub creates_foreign_loan: bool,
    pub value_amount: Option<String>,
    pub value_currency: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub signed_place: Option<String>,
    pub effective_from: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub status: AgreementStatus,
    pub legacy: bool,
    pub level_justification: Option<String>,
    pub partner_ids: Vec<String>,
    /// Set by the dormancy job: active without any activity for the configured period.
    pub dormant_since: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An agreement's row as stored. Its partners live in `agreement_partners`; `province_code` and
/// `search_text` are derived from the agreement when it is written.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ag, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct AgreementRow {
    id: String,
    reference_number: String,
    #[diesel(deserialize_as = Stored<RegionCode>, serialize_as = Stored<RegionCode>)]
    region_code: RegionCode,
    province_code: String,
    #[diesel(deserialize_as = Stored<AgreementKind>, serialize_as = Stored<AgreementKind>)]
    kind: AgreementKind,
    #[diesel(deserialize_as = Stored<Subtype>, serialize_as = Stored<Subtype>)]
    subtype: Subtype,
    #[diesel(deserialize_as = Stored<Instrument>, serialize_as = Stored<Instrument>)]
    instrument: Instrument,
    parent_id: Option<String>,
    predecessor_id: Option<String>,
    title_id: String,
    title_en: Option<String>,
    #[diesel(deserialize_as = Joined<CooperationObject>, serialize_as = JoinedText)]
    objects: Vec<CooperationObject>,
    #[diesel(deserialize_as = Joined<String>, serialize_as = JoinedText)]
    sectors: Vec<String>,
    #[diesel(deserialize_as = Joined<String>, serialize_as = JoinedText)]
    languages: Vec<String>,
    #[diesel(deserialize_as = Json<Value>, serialize_as = JsonText)]
    details: Value,
    creates_foreign_loan: bool,
    value_amount: Option<String>,
    value_currency: Option<String>,
    signed_on: Option<NaiveDate>,
    signed_place: Option<String>,
    effective_from: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    #[diesel(deserialize_as = Stored<AgreementStatus>, serialize_as = Stored<AgreementStatus>)]
    status: AgreementStatus,
    legacy: bool,
    level_justification: Option<String>,
    search_text: String,
    dormant_since: Option<NaiveDate>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl AgreementRow {
    fn of(a: &Agreement, search_text: String) -> AgreementRow {
        let a = a.clone();
        AgreementRow {
            province_code: a.region.province().to_string(),
            region_code: a.region,
            search_text,
            id: a.id,
            reference_number: a.reference_number,
            kind: a.kind,
            subtype: a.subtype,
            instrument: a.instrument,
            parent_id: a.parent_id,
            predecessor_id: a.predecessor_id,
            title_id: a.title_id,
            title_en: a.title_en,
            objects: a.objects,
            sectors: a.sectors,
            languages: a.languages,
            details: a.details,
            creates_foreign_loan: a.creates_foreign_loan,
            value_amount: a.value_amount,
            value_currency: a.value_currency,
            signed_on: a.signed_on,
            signed_place: a.signed_place,
            effective_from: a.effective_from,
            expires_on: a.expires_on,
            status: a.status,
            legacy: a.legacy,
            level_justification: a.level_justification,
            dormant_since: a.dormant_since,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }

    fn with_partners(self, partner_ids: Vec<String>) -> Agreement {
        Agreement {
            id: self.id,
            reference_number: self.reference_number,
            region: self.region_code,
            kind: self.kind,
            subtype: self.subtype,
            instrument: self.instrument,
            parent_id: self.parent_id,
            predecessor_id: self.predecessor_id,
            title_id: self.title_id,
            title_en: self.title_en,
            objects: self.objects,
            sectors: self.sectors,
            languages: self.languages,
            details: self.details,
            creates_foreign_loan: self.creates_foreign_loan,
            value_amount: self.value_amount,
            value_currency: self.value_currency,
            signed_on: self.signed_on,
            signed_place: self.signed_place,
            effective_from: self.effective_from,
            expires_on: self.expires_on,
            status: self.status,
            legacy: self.legacy,
            level_justification: self.level_justification,
            partner_ids,
            dormant_since: self.dormant_since,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A region's reference counter for one year.
#[derive(Insertable)]
#[diesel(table_name = rc)]
struct Counter<'a> {
    region_code: &'a str,
    year: i32,
    last_value: i32,
}

/// Allocates the next reference number of `region` for `year`, gap-free: inside the creating
/// transaction, so a rolled-back creation gives its number back.
pub fn next_reference_number(
    conn: &mut DbConnection,
    region: &RegionCode,
    year: i32,
) -> Result<String, DbError> {
    let key = (region.as_str(), year);
    let counter = |last_value| Counter {
        region_code: region.as_str(),
        year,
        last_value,
    };
    if let DbConnection::Postgres(pg) = conn {
        // Concurrent first numbers of a year: the second insert waits for the first and then
        // does nothing; the UPDATE below then queues on the row lock. (SQLite's write
        // transactions are already serialized.)
        diesel::insert_into(rc::table)
            .values(counter(0))
            .on_conflict_do_nothing()
            .execute(pg)?;
    }
    let updated = diesel::update(rc::table.find(key))
        .set(rc::last_value.eq(rc::last_value + 1))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(rc::table)
            .values(counter(1))
            .execute(conn)?;
    }
    let n: i32 = rc::table.find(key).select(rc::last_value).first(conn)?;
    Ok(format!("KSLN-{region}-{year}-{n:04}"))
}

fn search_text(conn: &mut DbConnection, a: &Agreement) -> Result<String, DbError> {
    let names: Vec<String> = pt::table
        .filter(pt::id.eq_any(&a.partner_ids))
        .select(pt::name_normalized)
        .load(conn)?;
    Ok(normalize_name(&format!(
        "{} {} {} {}",
        a.reference_number,
        a.title_id,
        a.title_en.as_deref().unwrap_or(""),
        names.join(" ")
    )))
}

#[derive(Insertable)]
#[diesel(table_name = ap)]
struct PartnerLink<'a> {
    agreement_id: &'a str,
    partner_id: &'a str,
    position: i32,
}

fn write_partners(conn: &mut DbConnection, a: &Agreement) -> Result<(), DbError> {
    diesel::delete(ap::table.filter(ap::agreement_id.eq(&a.id))).execute(conn)?;
    // One row at a time: the multi-backend connection has no batch insert on SQLite.
    for (i, partner_id) in a.partner_ids.iter().enumerate() {
        diesel::insert_into(ap::table)
            .values(PartnerLink {
                agreement_id: &a.id,
                partner_id,
                position: i as i32,
            })
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_agreement(conn: &mut DbConnection, a: &Agreement) -> Result<(), DbError> {
    let row = AgreementRow::of(a, search_text(conn, a)?);
    diesel::insert_into(ag::table).values(row).execute(conn)?;
    write_partners(conn, a)
}

/// Recomputes the search text of the agreements of `partner_id` (after a rename).
pub fn refresh_search_text(conn: &mut DbConnection, partner_id: &str) -> Result<(), DbError> {
    let ids: Vec<String> = ap::table
        .filter(ap::partner_id.eq(partner_id))
        .select(ap::agreement_id)
        .load(conn)?;
    for id in ids {
        if let Some(a) = find_agreement(conn, &id, &Visibility::All)? {
            let text = search_text(conn, &a)?;
            diesel::update(ag::table.find(&a.id))
                .set(ag::search_text.eq(text))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Saves `a` if its stored version is still `expected`.
pub fn save_agreement(
    conn: &mut DbConnection,
    a: &Agreement,
    expected: i64,
) -> Result<bool, DbError> {
    let row = AgreementRow::of(a, search_text(conn, a)?);
    let n = diesel::update(
        ag::table
            .filter(ag::id.eq(&a.id))
            .filter(ag::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    if n == 1 {
        write_partners(conn, a)?;
    }
    Ok(n == 1)
}

fn with_partners(
    conn: &mut DbConnection,
    rows: Vec<AgreementRow>,
) -> Result<Vec<Agreement>, DbError> {
    let ids: Vec<&String> = rows.iter().map(|a| &a.id).collect();
    let links: Vec<(String, String)> = ap::table
        .filter(ap::agreement_id.eq_any(ids))
        .select((ap::agreement_id, ap::partner_id))
        .order((ap::agreement_id, ap::position))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let partners = links
                .iter()
                .filter(|(agreement, _)| *agreement == row.id)
                .map(|(_, partner)| partner.clone())
                .collect();
            row.with_partners(partners)
        })
        .collect())
}

pub fn find_agreement(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<Agreement>, DbError> {
    let q = ag::table
        .select(AgreementRow::as_select())
        .filter(ag::id.eq(id.to_owned()))
        .into_boxed();
    let q = q.visible_to(vis, ag::province_code, ag::region_code);
    let found: Vec<AgreementRow> = q.first(conn).optional()?.into_iter().collect();
    Ok(with_partners(conn, found)?.pop())
}

/// The parent (or predecessor) chain above `start`, nearest first, to refuse cycles.
pub fn ancestors(
    conn: &mut DbConnection,
    start: &str,
    predecessor: bool,
) -> Result<Vec<String>, DbError> {
    let mut out = vec![start.to_owned()];
    let mut current = start.to_owned();
    for _ in 0..1000 {
        let next: Option<Option<String>> = if predecessor {
            ag::table
                .find(&current)
                .select(ag::predecessor_id)
                .first(conn)
                .optional()?
        } else {
            ag::table
                .find(&current)
                .select(ag::parent_id)
                .first(conn)
                .optional()?
        };
        match next.flatten() {
            Some(n) if !out.contains(&n) => {
                out.push(n.clone());
                current = n;
            }
            _ => break,
        }
    }
    Ok(out)
}

/// Sorts of the agreement list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgreementSort {
    #[default]
    ReferenceNumber,
    ExpiresOn,
    SignedOn,
    UpdatedAt,
}

#[derive(Debug, Clone, Default)]
pub struct AgreementFilter {
    /// A province includes its regencies/cities.
    pub region: Option<RegionCode>,
    pub kind: Option<AgreementKind>,
    pub status: Option<AgreementStatus>,
    pub partner_id: Option<String>,
    pub country: Option<String>,
    pub object: Option<CooperationObject>,
    pub sector: Option<String>,
    pub expiring_before: Option<NaiveDate>,
    pub signed_from: Option<NaiveDate>,
    pub signed_to: Option<NaiveDate>,
    pub q: Option<String>,
    pub legacy: Option<bool>,
}

/// A page of agreements: keyset on the reference number for the default sort, an offset for
/// the others (encoded in the cursor either way).
/// Order and position of a page.
#[derive(Debug, Clone, Default)]
pub struct AgreementPaging {
    pub sort: AgreementSort,
    pub descending: bool,
    /// The last reference number served (keyset, default sort).
    pub after: Option<String>,
    /// Rows to skip (other sorts).
    pub offset: i64,
    pub limit: i64,
}

pub fn list_agreements(
    conn: &mut DbConnection,
    vis: &Visibility,
    f: &AgreementFilter,
    paging: &AgreementPaging,
) -> Result<Vec<Agreement>, DbError> {
    let (sort, descending, after, offset, limit) = (
        paging.sort,
        paging.descending,
        paging.after.as_deref(),
        paging.offset,
        paging.limit,
    );
    let mut q = ag::table
        .select(AgreementRow::as_select())
        .into_boxed()
        .visible_to(vis, ag::province_code, ag::region_code)
        .within(f.region.as_ref(), ag::province_code, ag::region_code);
    if let Some(k) = f.kind {
        q = q.filter(ag::kind.eq(k.as_str()));
    }
    if let Some(s) = f.status {
        q = q.filter(ag::status.eq(s.as_str()));
    }
    if let Some(l) = f.legacy {
        q = q.filter(ag::legacy.eq(l));
    }
    if let Some(p) = &f.partner_id {
        q = q.filter(exists(
            ap::table
                .filter(ap::agreement_id.eq(ag::id))
                .filter(ap::partner_id.eq(p.clone())),
        ));
    }
    if let Some(c) = &f.country {
        q = q.filter(exists(
            ap::table
                .inner_join(pt::table)
                .filter(ap::agreement_id.eq(ag::id))
                .filter(pt::country.eq(c.clone())),
        ));
    }
    if let Some(o) = f.object {
        q = q.filter(ag::objects.like(format!("%,{},%", o.as_str())));
    }
    if let Some(s) = &f.sector {
        q = q.filter(
            ag::sectors
                .like(format!("%,{},%", like_escape(s)))
                .escape('\\'),
        );
    }
    if let Some(d) = f.expiring_before {
        q = q.filter(ag::expires_on.lt(d));
    }
    if let Some(d) = f.signed_from {
        q = q.filter(ag::signed_on.ge(d));
    }
    if let Some(d) = f.signed_to {
        q = q.filter(ag::signed_on.le(d));
    }
    if let Some(text) = &f.q {
        // Nothing searchable in `q` (`%`, `_`): it finds nothing, not everything.
        if normalize_name(text).is_empty() {
            q = q.filter(ag::id.is_null());
        }
        for word in normalize_name(text).split_whitespace() {
            q = q.filter(
                ag::search_text
                    .like(format!("%{}%", like_escape(word)))
                    .escape('\\'),
            );
        }
    }
    q = match (sort, descending) {
        (AgreementSort::ReferenceNumber, false) => {
            if let Some(a) = after {
                q = q.filter(ag::reference_number.gt(a.to_owned()));
            }
            q.order(ag::reference_number.asc())
        }
        (AgreementSort::ReferenceNumber, true) => {
            if let Some(a) = after {
                q = q.filter(ag::reference_number.lt(a.to_owned()));
            }
            q.order(ag::reference_number.desc())
        }
        (AgreementSort::ExpiresOn, false) => {
            q.order((ag::expires_on.asc(), ag::id.asc())).offset(offset)
        }
        (AgreementSort::ExpiresOn, true) => q
            .order((ag::expires_on.desc(), ag::id.desc()))
            .offset(offset),
        (AgreementSort::SignedOn, false) => {
            q.order((ag::signed_on.asc(), ag::id.asc())).offset(offset)
        }
        (AgreementSort::SignedOn, true) => q
            .order((ag::signed_on.desc(), ag::id.desc()))
            .offset(offset),
        (AgreementSort::UpdatedAt, false) => {
            q.order((ag::updated_at.asc(), ag::id.asc())).offset(offset)
        }
        (AgreementSort::UpdatedAt, true) => q
            .order((ag::updated_at.desc(), ag::id.desc()))
            .offset(offset),
    };
    let rows = q.limit(limit).load(conn)?;
    with_partners(conn, rows)
}

/// Partners by id, in the order asked; missing ids are left out.
pub fn partners_by_id(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<Partner>, DbError> {
    let all: Vec<Partner> = pt::table
        .select(Partner::as_select())
        .filter(pt::id.eq_any(ids))
        .load(conn)?;
    Ok(ids
        .iter()
        .filter_map(|id| all.iter().find(|p| &p.id == id).cloned())
        .collect())
}

/// Deletes a draft agreement (only drafts may disappear; everything else is history).
pub fn delete_agreement(conn: &mut DbConnection, id: &str, expected: i64) -> Result<bool, DbError> {
    diesel::delete(ap::table.filter(ap::agreement_id.eq(id))).execute(conn)?;
    let n = diesel::delete(
        ag::table
            .filter(ag::id.eq(id))
            .filter(ag::version.eq(expected)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Active agreements past their end date, claimed for this transaction: on PostgreSQL with
/// `FOR UPDATE SKIP LOCKED`, so several servers sharing the database never expire one twice;
/// SQLite's write transactions are serialized anyway.
pub fn claim_expired(
    conn: &mut DbConnection,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<(String, String)>, DbError> {
    #[derive(diesel::QueryableByName)]
    struct Due {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        region_code: String,
    }
    let rows: Vec<Due> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "SELECT id, region_code FROM agreements WHERE status = 'active' AND expires_on < $1 \
             ORDER BY expires_on LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind::<diesel::sql_types::Date, _>(today)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(pg)?,
        DbConnection::Sqlite(lite) => diesel::sql_query(
            "SELECT id, region_code FROM agreements WHERE status = 'active' AND expires_on < ? \
             ORDER BY expires_on LIMIT ?",
        )
        .bind::<diesel::sql_types::Date, _>(today)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(lite)?,
    };
    Ok(rows.into_iter().map(|r| (r.id, r.region_code)).collect())
}

/// What an agreement's lifecycle transition writes: its new status and what the event records
/// with it (fields left `None` keep their value).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = ag)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StatusChange {
    #[diesel(serialize_as = Stored<AgreementStatus>)]
    pub status: AgreementStatus,
    pub signed_on: Option<NaiveDate>,
    pub signed_place: Option<String>,
    pub effective_from: Option<NaiveDate>,
    pub details: Option<JsonText>,
    pub updated_at: NaiveDateTime,
}

/// The one way an agreement's status changes once it is written: the lifecycle's transition
/// (workflow, termination, renewal, expiry). Bumps the version; `false` when the stored version
/// is no longer `expected`.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    expected: i64,
    change: &StatusChange,
) -> Result<bool, DbError> {
    let n = diesel::update(
        ag::table
            .filter(ag::id.eq(id))
            .filter(ag::version.eq(expected)),
    )
    .set((change.clone(), ag::version.eq(ag::version + 1)))
    .execute(conn)?;
    Ok(n == 1)
}
