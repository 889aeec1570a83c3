//! The agreement registry: foreign partners and agreements. Agreement queries take the caller's
//! [`Visibility`]: region isolation happens in SQL.

use chrono::{NaiveDate, NaiveDateTime, Utc};
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

use crate::db::{DbConnection, DbError};
use crate::text::{Json, JsonText, Stored, StoredOpt};
use crate::schema::{
    agreement_partners as ap, agreements as ag, partners as pt, reference_counters as rc,
};

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

pub fn find_partner(conn: &mut DbConnection, id: &str) -> Result<Option<Partner>, DbError> {
    Ok(pt::table
        .select(Partner::as_select())
        .filter(pt::id.eq(id))
        .first(conn)
        .optional()?)
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

/// Saves `p` if its stored version is still `expected`.
pub fn save_partner(conn: &mut DbConnection, p: &Partner, expected: i64) -> Result<bool, DbError> {
    let n = diesel::update(
        pt::table
            .filter(pt::id.eq(&p.id))
            .filter(pt::version.eq(expected)),
    )
    .set((p.clone(), pt::name_normalized.eq(normalize_name(&p.name))))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Default)]
pub struct PartnerFilter {
    pub country: Option<String>,
    pub kind: Option<PartnerKind>,
    pub q: Option<String>,
}

pub fn list_partners(
    conn: &mut DbConnection,
    f: &PartnerFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Partner>, DbError> {
    let mut q = pt::table
        .select(Partner::as_select())
        .order(pt::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(c) = &f.country {
        q = q.filter(pt::country.eq(c.clone()));
    }
    if let Some(k) = f.kind {
        q = q.filter(pt::kind.eq(k.as_str()));
    }
    if let Some(text) = &f.q {
        q = q.filter(
            pt::name_normalized
                .like(format!("%{}%", like_escape(&normalize_name(text))))
                .escape('\\'),
        );
    }
    if let Some(a) = after {
        q = q.filter(pt::id.gt(a.to_owned()));
    }
    Ok(q.load(conn)?)
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

// ---- agreements ----------------------------------------------------------------------------

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

/// `,a,b,` so that one value can be matched with `LIKE '%,a,%'` on both databases.
fn joined<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(
            ",{},",
            items
                .iter()
                .map(|s| s.as_ref())
                .collect::<Vec<_>>()
                .join(",")
        )
    }
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

type AgreementRow = (
    (
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
    ),
    (
        String,
        Option<String>,
        String,
        String,
        String,
        String,
        bool,
        Option<String>,
    ),
    (
        Option<String>,
        Option<NaiveDate>,
        Option<String>,
        Option<NaiveDate>,
        Option<NaiveDate>,
        String,
        bool,
        Option<String>,
    ),
    (i64, NaiveDateTime, NaiveDateTime, Option<NaiveDate>),
);

macro_rules! agreement_columns {
    () => {
        (
            (
                ag::id,
                ag::reference_number,
                ag::region_code,
                ag::kind,
                ag::subtype,
                ag::instrument,
                ag::parent_id,
                ag::predecessor_id,
            ),
            (
                ag::title_id,
                ag::title_en,
                ag::objects,
                ag::sectors,
                ag::languages,
                ag::details,
                ag::creates_foreign_loan,
                ag::value_amount,
            ),
            (
                ag::value_currency,
                ag::signed_on,
                ag::signed_place,
                ag::effective_from,
                ag::expires_on,
                ag::status,
                ag::legacy,
                ag::level_justification,
            ),
            (
                ag::version,
                ag::created_at,
                ag::updated_at,
                ag::dormant_since,
            ),
        )
    };
}

fn agreement_from(r: AgreementRow) -> Result<Agreement, DbError> {
    let (a, b, c, d) = r;
    Ok(Agreement {
        region: RegionCode::parse(&a.2).map_err(|_| bad("region", &a.2))?,
        kind: AgreementKind::parse(&a.3).ok_or_else(|| bad("kind", &a.3))?,
        subtype: Subtype::parse(&a.4).ok_or_else(|| bad("subtype", &a.4))?,
        instrument: Instrument::parse(&a.5).ok_or_else(|| bad("instrument", &a.5))?,
        objects: split(&b.2)
            .iter()
            .map(|o| CooperationObject::parse(o).ok_or_else(|| bad("object", o)))
            .collect::<Result<_, _>>()?,
        status: AgreementStatus::parse(&c.5).ok_or_else(|| bad("status", &c.5))?,
        id: a.0,
        reference_number: a.1,
        parent_id: a.6,
        predecessor_id: a.7,
        title_id: b.0,
        title_en: b.1,
        sectors: split(&b.3),
        languages: split(&b.4),
        details: serde_json::from_str(&b.5).unwrap_or(Value::Null),
        creates_foreign_loan: b.6,
        value_amount: b.7,
        value_currency: c.0,
        signed_on: c.1,
        signed_place: c.2,
        effective_from: c.3,
        expires_on: c.4,
        legacy: c.6,
        level_justification: c.7,
        partner_ids: Vec::new(),
        dormant_since: d.3,
        version: d.0,
        created_at: d.1,
        updated_at: d.2,
    })
}

/// Allocates the next reference number of `region` for `year`, gap-free: inside the creating
/// transaction, so a rolled-back creation gives its number back.
pub fn next_reference_number(
    conn: &mut DbConnection,
    region: &RegionCode,
    year: i32,
) -> Result<String, DbError> {
    let key = (region.as_str(), year);
    if let DbConnection::Postgres(pg) = conn {
        // Concurrent first numbers of a year: the second insert waits for the first and then
        // does nothing; the UPDATE below then queues on the row lock. (SQLite's write
        // transactions are already serialized.)
        diesel::sql_query(
            "INSERT INTO reference_counters (region_code, year, last_value) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
        )
        .bind::<diesel::sql_types::Text, _>(region.as_str())
        .bind::<diesel::sql_types::Integer, _>(year)
        .execute(pg)?;
    }
    let updated = diesel::update(rc::table.find(key))
        .set(rc::last_value.eq(rc::last_value + 1))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(rc::table)
            .values((
                rc::region_code.eq(region.as_str()),
                rc::year.eq(year),
                rc::last_value.eq(1),
            ))
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

fn write_partners(conn: &mut DbConnection, a: &Agreement) -> Result<(), DbError> {
    diesel::delete(ap::table.filter(ap::agreement_id.eq(&a.id))).execute(conn)?;
    for (i, pid) in a.partner_ids.iter().enumerate() {
        diesel::insert_into(ap::table)
            .values((
                ap::agreement_id.eq(&a.id),
                ap::partner_id.eq(pid),
                ap::position.eq(i as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_agreement(conn: &mut DbConnection, a: &Agreement) -> Result<(), DbError> {
    diesel::insert_into(ag::table)
        .values((
            (
                ag::id.eq(&a.id),
                ag::reference_number.eq(&a.reference_number),
                ag::region_code.eq(a.region.as_str()),
                ag::province_code.eq(a.region.province().to_string()),
                ag::kind.eq(a.kind.as_str()),
                ag::subtype.eq(a.subtype.as_str()),
                ag::instrument.eq(a.instrument.as_str()),
                ag::parent_id.eq(&a.parent_id),
                ag::predecessor_id.eq(&a.predecessor_id),
                ag::title_id.eq(&a.title_id),
            ),
            (
                ag::title_en.eq(&a.title_en),
                ag::objects.eq(joined(
                    &a.objects.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
                )),
                ag::sectors.eq(joined(&a.sectors)),
                ag::languages.eq(joined(&a.languages)),
                ag::details.eq(a.details.to_string()),
                ag::creates_foreign_loan.eq(a.creates_foreign_loan),
                ag::value_amount.eq(&a.value_amount),
                ag::value_currency.eq(&a.value_currency),
                ag::signed_on.eq(a.signed_on),
                ag::signed_place.eq(&a.signed_place),
            ),
            (
                ag::effective_from.eq(a.effective_from),
                ag::expires_on.eq(a.expires_on),
                ag::status.eq(a.status.as_str()),
                ag::legacy.eq(a.legacy),
                ag::level_justification.eq(&a.level_justification),
                ag::search_text.eq(""),
                ag::version.eq(a.version),
                ag::created_at.eq(a.created_at),
                ag::updated_at.eq(a.updated_at),
            ),
        ))
        .execute(conn)?;
    write_partners(conn, a)?;
    let text = search_text(conn, a)?;
    diesel::update(ag::table.find(&a.id))
        .set(ag::search_text.eq(text))
        .execute(conn)?;
    Ok(())
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
    let text = search_text(conn, a)?;
    let n = diesel::update(
        ag::table
            .filter(ag::id.eq(&a.id))
            .filter(ag::version.eq(expected)),
    )
    .set((
        (
            ag::subtype.eq(a.subtype.as_str()),
            ag::kind.eq(a.kind.as_str()),
            ag::instrument.eq(a.instrument.as_str()),
            ag::parent_id.eq(&a.parent_id),
            ag::predecessor_id.eq(&a.predecessor_id),
            ag::title_id.eq(&a.title_id),
            ag::title_en.eq(&a.title_en),
            ag::objects.eq(joined(
                &a.objects.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            )),
            ag::sectors.eq(joined(&a.sectors)),
            ag::languages.eq(joined(&a.languages)),
        ),
        (
            ag::details.eq(a.details.to_string()),
            ag::creates_foreign_loan.eq(a.creates_foreign_loan),
            ag::value_amount.eq(&a.value_amount),
            ag::value_currency.eq(&a.value_currency),
            ag::signed_on.eq(a.signed_on),
            ag::signed_place.eq(&a.signed_place),
            ag::effective_from.eq(a.effective_from),
            ag::expires_on.eq(a.expires_on),
            ag::status.eq(a.status.as_str()),
            ag::level_justification.eq(&a.level_justification),
        ),
        (
            ag::search_text.eq(text),
            ag::version.eq(a.version),
            ag::updated_at.eq(a.updated_at),
        ),
    ))
    .execute(conn)?;
    if n == 1 {
        write_partners(conn, a)?;
    }
    Ok(n == 1)
}

macro_rules! visible_agreements {
    ($q:expr, $vis:expr) => {
        match $vis {
            Visibility::All => $q,
            Visibility::Province(p) => $q.filter(ag::province_code.eq(p.to_string())),
            Visibility::Region(r) => $q.filter(ag::region_code.eq(r.to_string())),
        }
    };
}

fn with_partners(
    conn: &mut DbConnection,
    mut list: Vec<Agreement>,
) -> Result<Vec<Agreement>, DbError> {
    let ids: Vec<&String> = list.iter().map(|a| &a.id).collect();
    let links: Vec<(String, String, i32)> = ap::table
        .filter(ap::agreement_id.eq_any(ids))
        .select((ap::agreement_id, ap::partner_id, ap::position))
        .order((ap::agreement_id, ap::position))
        .load(conn)?;
    for a in &mut list {
        a.partner_ids = links
            .iter()
            .filter(|l| l.0 == a.id)
            .map(|l| l.1.clone())
            .collect();
    }
    Ok(list)
}

pub fn find_agreement(
    conn: &mut DbConnection,
    id: &str,
    vis: &Visibility,
) -> Result<Option<Agreement>, DbError> {
    let q = ag::table
        .select(agreement_columns!())
        .filter(ag::id.eq(id.to_owned()))
        .into_boxed();
    let q = visible_agreements!(q, vis);
    let found = q
        .first::<AgreementRow>(conn)
        .optional()?
        .map(agreement_from)
        .transpose()?;
    match found {
        None => Ok(None),
        Some(a) => Ok(with_partners(conn, vec![a])?.pop()),
    }
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
    let mut q = ag::table.select(agreement_columns!()).into_boxed();
    q = visible_agreements!(q, vis);
    if let Some(r) = &f.region {
        q = if r.is_province() {
            q.filter(ag::province_code.eq(r.to_string()))
        } else {
            q.filter(ag::region_code.eq(r.to_string()))
        };
    }
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
    let rows = q.limit(limit).load::<AgreementRow>(conn)?;
    let list = rows
        .into_iter()
        .map(agreement_from)
        .collect::<Result<Vec<_>, _>>()?;
    with_partners(conn, list)
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

/// Sets a status (and bumps the version) without a version check: for the system's own changes
/// inside a claiming transaction.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: AgreementStatus,
    details: Option<&Value>,
) -> Result<(), DbError> {
    let now = Utc::now().naive_utc();
    match details {
        Some(d) => diesel::update(ag::table.find(id))
            .set((
                ag::status.eq(status.as_str()),
                ag::details.eq(d.to_string()),
                ag::version.eq(ag::version + 1),
                ag::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(ag::table.find(id))
            .set((
                ag::status.eq(status.as_str()),
                ag::version.eq(ag::version + 1),
                ag::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(())
}
