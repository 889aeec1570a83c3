//! A deterministic benchmark dataset (`jalin seed-bench`): partners, agreements across statuses,
//! their partners, activities and one user per region, written with multi-row INSERTs so a
//! national dataset takes minutes. The same scale always yields the same rows.

use diesel::prelude::*;

use crate::db::{write_transaction, DbConnection, DbError};
use crate::schema::regions;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub partners: usize,
    pub agreements: usize,
    pub activities: usize,
}

impl Scale {
    pub const NATIONAL: Scale = Scale {
        partners: 20_000,
        agreements: 100_000,
        activities: 1_000_000,
    };
    pub const PROVINCE: Scale = Scale {
        partners: 2_000,
        agreements: 10_000,
        activities: 100_000,
    };
    pub const SMALL: Scale = Scale {
        partners: 200,
        agreements: 1_000,
        activities: 10_000,
    };
}

/// xorshift64*: deterministic and fast; the dataset needs spread, not cryptography.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const COUNTRIES: [&str; 20] = [
    "AU", "JP", "KR", "CN", "MY", "SG", "NL", "DE", "US", "FR", "TH", "VN", "KH", "PH", "IN", "GB",
    "IT", "ES", "CA", "NZ",
];
const SECTORS: [&str; 10] = [
    "pendidikan",
    "kebudayaan",
    "pariwisata",
    "kesehatan",
    "perdagangan",
    "pertanian",
    "perikanan",
    "lingkungan_hidup",
    "perhubungan",
    "penanaman_modal",
];
const KINDS: [&str; 9] = [
    "outgoing_visit",
    "incoming_delegation",
    "joint_working_group",
    "exchange_programme",
    "training",
    "grant_received",
    "grant_given",
    "promotion_event",
    "other",
];
/// Status by share (out of 100).
const STATUSES: [(&str, usize); 8] = [
    ("active", 40),
    ("expired", 20),
    ("draft", 10),
    ("in_approval", 15),
    ("approved_for_signing", 5),
    ("terminated", 5),
    ("rejected", 3),
    ("withdrawn", 2),
];

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeded {
    pub regions: usize,
    pub partners: usize,
    pub agreements: usize,
    pub activities: usize,
    pub users: usize,
}

/// Rows for one table, written 1,000 at a time (each batch in its own transaction), telling
/// `progress` how far its step is.
struct Batch<'h> {
    /// The step's name for `progress`.
    step: &'h str,
    total: usize,
    /// `INSERT INTO table (columns…)`.
    head: &'h str,
    rows: Vec<String>,
    written: usize,
}

type Progress<'p> = &'p mut dyn FnMut(&str, usize, usize);

impl<'h> Batch<'h> {
    fn new(step: &'h str, total: usize, head: &'h str) -> Self {
        Batch {
            step,
            total,
            head,
            rows: Vec::with_capacity(1000),
            written: 0,
        }
    }

    /// Adds a row (`(…)` of SQL values), writing the batch when it is full.
    fn push(
        &mut self,
        conn: &mut DbConnection,
        row: String,
        progress: Progress,
    ) -> Result<(), DbError> {
        self.rows.push(row);
        if self.rows.len() == 1000 {
            self.write(conn)?;
            progress(self.step, self.written, self.total);
        }
        Ok(())
    }

    /// Writes what is left; how many rows were written in all.
    fn finish(&mut self, conn: &mut DbConnection, progress: Progress) -> Result<usize, DbError> {
        self.write(conn)?;
        progress(self.step, self.total, self.total);
        Ok(self.written)
    }

    fn write(&mut self, conn: &mut DbConnection) -> Result<(), DbError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let sql = format!("{} VALUES {}", self.head, self.rows.join(","));
        write_transaction(conn, |c| -> Result<(), DbError> {
            diesel::sql_query(sql).execute(c)?;
            Ok(())
        })?;
        self.written += self.rows.len();
        self.rows.clear();
        Ok(())
    }
}

fn date(days_from_2000: usize) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
        + chrono::Duration::days(days_from_2000 as i64);
    d.to_string()
}

/// Writes the dataset; `progress(step, done, total)` is called as it goes. `password_hash` is
/// the (argon2) hash every bench user gets, so seeding does not hash 552 times.
pub fn seed(
    conn: &mut DbConnection,
    scale: Scale,
    password_hash: &str,
    mut progress: impl FnMut(&str, usize, usize),
) -> Result<Seeded, DbError> {
    let progress: Progress = &mut progress;
    let codes: Vec<String> = regions::table
        .select(regions::code)
        .order(regions::code)
        .load(conn)?;
    let mut rng = Rng(0x5EED_0BEC_4A11_u64);
    let ts = "'2026-01-01 00:00:00'";
    let mut out = Seeded {
        regions: codes.len(),
        ..Seeded::default()
    };

    let mut users = Batch::new("users", codes.len() + 1, "INSERT INTO users (id, username, display_name, password_hash, role, region_code, province_code, active, version, created_at, updated_at)");
    // One region officer per region: bench-33, bench-33-74, …
    for code in &codes {
        let province = code.split('.').next().unwrap_or(code);
        let row = format!(
            "('bench-user-{code}', 'bench-{u}', 'Bench {code}', '{password_hash}', '{role}', '{code}', '{province}', TRUE, 1, {ts}, {ts})",
            u = code.replace('.', "-"),
            role = if code.contains('.') { "region_officer" } else { "province_officer" },
        );
        users.push(conn, row, &mut |_, _, _| {})?;
    }
    // One national administrator (bench-admin), who acts on any region's approval case: the
    // workflow scenario of `make bench` acts as it.
    let admin = format!(
        "('bench-user-admin', 'bench-admin', 'Bench admin', '{password_hash}', 'admin', NULL, NULL, TRUE, 1, {ts}, {ts})"
    );
    users.push(conn, admin, &mut |_, _, _| {})?;
    out.users = users.finish(conn, &mut |_, _, _| {})?;

    let mut partners = Batch::new("partners", scale.partners, "INSERT INTO partners (id, name, name_normalized, native_name, kind, level, legal_personality, political_party, country, subdivision, website, contacts, version, created_at, updated_at)");
    let mut partner_country = Vec::with_capacity(scale.partners);
    for i in 0..scale.partners {
        let country = COUNTRIES[rng.below(COUNTRIES.len())];
        partner_country.push(country);
        let row = format!(
            "('bench-p-{i:06}', 'Bench Partner {i}', 'bench partner {i}', NULL, 'foreign_local_government', 'province', NULL, FALSE, '{country}', NULL, NULL, '[]', 1, {ts}, {ts})"
        );
        partners.push(conn, row, progress)?;
    }
    out.partners = partners.finish(conn, progress)?;

    let mut agreements = Batch::new("agreements", scale.agreements, "INSERT INTO agreements (id, reference_number, region_code, province_code, kind, subtype, instrument, parent_id, predecessor_id, title_id, title_en, objects, sectors, languages, details, creates_foreign_loan, value_amount, value_currency, signed_on, signed_place, effective_from, expires_on, status, legacy, level_justification, search_text, version, created_at, updated_at)");
    // One partner each, written after its agreement (a link batch fills just after its
    // agreements' batch).
    let mut links = Batch::new(
        "links",
        scale.agreements,
        "INSERT INTO agreement_partners (agreement_id, partner_id, position)",
    );
    let mut live: Vec<(usize, usize)> = Vec::new(); // (agreement index, signed day)
    for i in 0..scale.agreements {
        let code = &codes[rng.below(codes.len())];
        let province = code.split('.').next().unwrap_or(code);
        let city = code.contains('.');
        let mut pick = rng.below(100);
        let status = STATUSES
            .iter()
            .find(|(_, share)| {
                if pick < *share {
                    true
                } else {
                    pick -= share;
                    false
                }
            })
            .map(|(s, _)| *s)
            .unwrap_or("active");
        let partner = rng.below(scale.partners.max(1));
        let s1 = SECTORS[rng.below(SECTORS.len())];
        let s2 = SECTORS[rng.below(SECTORS.len())];
        let signed = matches!(status, "active" | "expired" | "terminated");
        // Active ones signed 2021–2026 (in force now), expired ones 2005–2016, others any time.
        let signed_day = match status {
            "active" => 7700 + rng.below(2000),
            "expired" => 2000 + rng.below(4000),
            _ => 3650 + rng.below(5500),
        };
        let (signed_on, expires_on) = if signed {
            (
                format!("'{}'", date(signed_day)),
                format!("'{}'", date(signed_day + 1825)),
            )
        } else {
            ("NULL".into(), "NULL".into())
        };
        if matches!(status, "active" | "expired") {
            live.push((i, signed_day));
        }
        let title = format!("Kerja Sama Bench {i} {code} {}", partner_country[partner]);
        let row = format!(
            "('bench-a-{i:07}', 'BENCH-{code}-{i:07}', '{code}', '{province}', 'ksdpl', '{subtype}', 'mou', NULL, NULL, '{title}', NULL, ',cultural_exchange,', ',{s1},{s2},', ',id,en,', '{{}}', FALSE, NULL, NULL, {signed_on}, NULL, {signed_on}, {expires_on}, '{status}', {legacy}, NULL, '{search}', 1, {ts}, {ts})",
            subtype = if city { "sister_city" } else { "sister_province" },
            legacy = if signed { "TRUE" } else { "FALSE" },
            search = title.to_lowercase(),
        );
        agreements.push(conn, row, progress)?;
        let link = format!("('bench-a-{i:07}', 'bench-p-{partner:06}', 0)");
        links.push(conn, link, &mut |_, _, _| {})?;
    }
    out.agreements = agreements.finish(conn, progress)?;
    links.finish(conn, &mut |_, _, _| {})?;

    let mut activities = Batch::new("activities", scale.activities, "INSERT INTO activities (id, agreement_id, kind, title, description, starts_on, ends_on, location, participants, outputs, amount, currency, exchange_rate, rate_date, rate_source, idr_equivalent, document_ids, plan_items, indicator_values, created_by, version, created_at, updated_at)");
    if !live.is_empty() {
        for i in 0..scale.activities {
            let (a, signed_day) = live[rng.below(live.len())];
            let kind = KINDS[rng.below(KINDS.len())];
            let day = date(signed_day + rng.below(1800));
            let (amount, currency, rate, idr) = if kind == "grant_received" {
                let amount = 1000 + rng.below(1_000_000);
                (
                    format!("'{amount}'"),
                    "'AUD'".to_owned(),
                    "'10400'".to_owned(),
                    format!("'{}'", amount as u64 * 10_400),
                )
            } else {
                ("NULL".into(), "NULL".into(), "NULL".into(), "NULL".into())
            };
            let row = format!(
                "('bench-x-{i:08}', 'bench-a-{a:07}', '{kind}', 'Kegiatan {i}', NULL, '{day}', NULL, NULL, '[]', NULL, {amount}, {currency}, {rate}, NULL, NULL, {idr}, '[]', '[]', '[]', 'bench', 1, {ts}, {ts})"
            );
            activities.push(conn, row, progress)?;
        }
        out.activities = activities.finish(conn, progress)?;
    }
    Ok(out)
}

/// Brings the planner's statistics (and PostgreSQL's visibility map, which index-only scans
/// need) up to date after the bulk load, as a database in steady use would have them.
pub fn analyze(conn: &mut DbConnection) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(_) => conn.batch_execute("ANALYZE;")?,
        DbConnection::Postgres(_) => conn.batch_execute("VACUUM ANALYZE;")?,
    }
    Ok(())
}

/// Raw timings of one query run in a loop, without HTTP.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub threads: usize,
    pub iterations: usize,
    pub per_second: f64,
    pub p50_us: u64,
    pub p99_us: u64,
}

/// Runs the benchmark's filtered list — a province with its regencies/cities, status active,
/// sorted by expiry, a page of 20 (21 fetched) with its partners, as `GET /v1/agreements` runs
/// it — `iterations` times on each of `threads` pooled connections. HTTP's share of a request is
/// then the ratio of the two rates.
pub fn time_filtered_list(
    pool: &crate::db::Pool,
    province: &jalin_domain::RegionCode,
    threads: usize,
    iterations: usize,
) -> Result<Timing, DbError> {
    use crate::registry::{self, AgreementFilter, AgreementPaging, AgreementSort};
    use jalin_domain::access::Visibility;
    use jalin_domain::agreement::AgreementStatus;
    let started = std::time::Instant::now();
    let results: Vec<Result<Vec<u64>, DbError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| -> Result<Vec<u64>, DbError> {
                    let mut conn = pool.get()?;
                    let vis = Visibility::Province(province.clone());
                    let filter = AgreementFilter {
                        region: Some(province.clone()),
                        status: Some(AgreementStatus::Active),
                        ..AgreementFilter::default()
                    };
                    let paging = AgreementPaging {
                        sort: AgreementSort::ExpiresOn,
                        limit: 21,
                        ..AgreementPaging::default()
                    };
                    let mut took = Vec::with_capacity(iterations);
                    for _ in 0..iterations {
                        let t = std::time::Instant::now();
                        let rows = registry::list_agreements(&mut conn, &vis, &filter, &paging)?;
                        let ids: Vec<String> =
                            rows.iter().flat_map(|a| a.partner_ids.clone()).collect();
                        registry::partners_by_id(&mut conn, &ids)?;
                        took.push(t.elapsed().as_micros() as u64);
                    }
                    Ok(took)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(DbError::Reference("a timing thread panicked".into())))
            })
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    all.sort_unstable();
    let at = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    Ok(Timing {
        threads: threads.max(1),
        iterations,
        per_second: all.len() as f64 / elapsed.max(f64::EPSILON),
        p50_us: at(0.50),
        p99_us: at(0.99),
    })
}

/// The seeded agreements awaiting approval, in id order: `jalin seed-bench` gives each an
/// approval case.
pub fn in_approval_ids(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    use crate::schema::agreements as ag;
    Ok(ag::table
        .filter(ag::id.like("bench-a-%"))
        .filter(ag::status.eq("in_approval"))
        .select(ag::id)
        .order(ag::id)
        .load(conn)?)
}
