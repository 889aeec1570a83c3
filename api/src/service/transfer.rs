//! Import (CSV, all or nothing, every bad row reported; rows matching an agreement update it or
//! leave it unchanged) and export (CSV or XLSX for people or programs, honouring the list
//! filters) of agreements.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use jalin_domain::access::Visibility;
use jalin_domain::agreement::{
    AgreementKind, AgreementStatus, CooperationObject, Instrument, Subtype,
};
use jalin_domain::{Lang, Text};
use jalin_persistence::db::DieselError;
use jalin_persistence::registry::{
    self, Agreement, AgreementFilter, AgreementPaging, AgreementSort, Partner,
};
use jalin_persistence::{DbConnection, DbError};

use super::Ctx;
use crate::error::ApiError;
use crate::export::Layout;
use crate::problem::FieldIssue;
use crate::service::agreements::{
    self, AgreementInput, ApprovalLetters, Checklist, LetterRef, Money, Signatories,
};

/// R23: the optional columns of an import row's approval letters, `{letter}_number` and
/// `{letter}_date` each (an agreement signed under PP 28/2018 outside the system needs them).
pub const LETTERS: [&str; 3] = [
    "dprd_approval",
    "kemendagri_consideration",
    "kemlu_confirmation",
];

/// The columns an import cannot do without.
const REQUIRED: &[&str] = &[
    "region_code",
    "subtype",
    "instrument",
    "partner_name",
    "partner_country",
    "title_id",
    "objects",
    "languages",
];

pub const MAX_ROWS: usize = 5000;

pub const EXPORT_LIMIT: i64 = 50_000;

/// One refused cell or row of an import.
#[derive(Debug, Clone)]
pub struct RowError {
    /// 1-based line in the file (the header is line 1).
    pub row: usize,
    pub column: String,
    pub code: String,
    pub en: String,
    pub id: String,
}

impl RowError {
    fn new(row: usize, column: &str, code: &str, en: String, id: String) -> Self {
        Self {
            row,
            column: column.into(),
            code: code.into(),
            en,
            id,
        }
    }

    /// Where the API reports it: `/rows/{line}/{column}`.
    pub fn issue(&self) -> FieldIssue {
        FieldIssue::pointer(
            &format!("/rows/{}/{}", self.row, self.column),
            &self.code,
            Text::new(self.en.clone(), self.id.clone()),
        )
    }
}

/// Why an import kept nothing.
#[derive(Debug)]
pub enum ImportError {
    /// Bad rows or cells, every one of them.
    Rows(Vec<RowError>),
    /// The import could not run (the database failed).
    Failed(ApiError),
    /// A dry run's report: returned as an error so that the caller's transaction rolls back
    /// everything the run wrote.
    DryRun(ImportReport),
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Rows(rows) => {
                ApiError::Validation(rows.iter().map(RowError::issue).collect())
            }
            ImportError::Failed(e) => e,
            ImportError::DryRun(_) => ApiError::internal("a dry run's report was not answered"),
        }
    }
}

impl From<DbError> for ImportError {
    fn from(e: DbError) -> Self {
        ImportError::Failed(e.into())
    }
}

/// So that an import can run in `write_transaction`.
impl From<DieselError> for ImportError {
    fn from(e: DieselError) -> Self {
        ImportError::Failed(e.into())
    }
}

/// A CSV line number and its cells by column name.
type CsvRow = (usize, HashMap<String, String>);

fn malformed(row: usize, column: &str, e: &csv::Error) -> RowError {
    let (en, id) = (
        format!("not readable as CSV: {e}"),
        format!("tidak terbaca sebagai CSV: {e}"),
    );
    RowError::new(row, column, "malformed_csv", en, id)
}

/// The text of an uploaded file: UTF-8, with or without a BOM (Excel's "CSV UTF-8" writes one).
/// Any other encoding is refused naming the first line that is not UTF-8 — a file saved by Excel
/// as "CSV (comma delimited)" is Windows-1252, and reading it as anything else would corrupt
/// names silently.
pub fn decode(bytes: &[u8]) -> Result<String, RowError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let (en, id) = (
            "the file is UTF-16: save it as \"CSV UTF-8\"".to_owned(),
            "berkas berenkode UTF-16: simpan sebagai \"CSV UTF-8\"".to_owned(),
        );
        return Err(RowError::new(1, "encoding", "invalid_encoding", en, id));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let byte = bytes[at];
        let en = format!(
            "line {line} is not UTF-8 (byte 0x{byte:02X}; probably Windows-1252, as Excel's \
             \"CSV (comma delimited)\" saves it): save the file as \"CSV UTF-8\""
        );
        let id = format!(
            "baris {line} bukan UTF-8 (bita 0x{byte:02X}; kemungkinan Windows-1252, seperti \
             \"CSV (comma delimited)\" dari Excel): simpan berkas sebagai \"CSV UTF-8\""
        );
        RowError::new(line, "encoding", "invalid_encoding", en, id)
    })
}

/// The delimiter of a file: whichever of `;`, `,` and TAB its header line has most of (outside
/// quotes), `,` when it has none.
fn delimiter_of(text: &str) -> u8 {
    let line = text.lines().next().unwrap_or("");
    let mut counts = [(b',', 0), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
                c.1 += 1;
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map(|(d, _)| *d)
        .unwrap_or(b',')
}

/// A cell read back as the code an export wrote for it: a label (either language) of a coded
/// column as its code, a `dd/mm/yyyy` date as ISO, a decimal comma as a point.
fn normalise_cell(column: &str, cell: &str) -> String {
    fn coded<T: Copy>(
        v: &str,
        parse: fn(&str) -> Option<T>,
        from_label: fn(&str) -> Option<T>,
        code: fn(T) -> &'static str,
    ) -> String {
        match parse(v).or_else(|| from_label(v)) {
            Some(x) => code(x).to_owned(),
            None => v.to_owned(),
        }
    }
    let v = crate::csv_safe::restore(cell.trim()).trim();
    match column {
        "kind" => coded(
            v,
            AgreementKind::parse,
            AgreementKind::from_label,
            AgreementKind::as_str,
        ),
        "subtype" => coded(v, Subtype::parse, Subtype::from_label, Subtype::as_str),
        "instrument" => coded(
            v,
            Instrument::parse,
            Instrument::from_label,
            Instrument::as_str,
        ),
        "status" => coded(
            v,
            AgreementStatus::parse,
            AgreementStatus::from_label,
            AgreementStatus::as_str,
        ),
        "objects" => v
            .split(';')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|o| {
                coded(
                    o,
                    CooperationObject::parse,
                    CooperationObject::from_label,
                    CooperationObject::as_str,
                )
            })
            .collect::<Vec<_>>()
            .join(";"),
        "sectors" | "languages" | "partner_name" | "partner_country" => v
            .split(';')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect::<Vec<_>>()
            .join(";"),
        "value_amount" if v.contains(',') => v.replace('.', "").replace(',', "."),
        c if c == "signed_on"
            || c == "effective_from"
            || c == "expires_on"
            || c.ends_with("_date") =>
        {
            match NaiveDate::parse_from_str(v, "%d/%m/%Y") {
                Ok(d) if v.len() >= 8 => d.to_string(),
                _ => v.to_owned(),
            }
        }
        _ => v.to_owned(),
    }
}

/// A cell as compared with the agreement a row matches: [`normalise_cell`], then amounts without
/// trailing zeros and flags as `true`/`false`.
fn comparable(column: &str, cell: &str) -> String {
    let v = normalise_cell(column, cell);
    match column {
        "value_amount" if v.contains('.') => {
            v.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        "legacy" => matches!(v.to_lowercase().as_str(), "true" | "1" | "yes" | "ya").to_string(),
        _ => v,
    }
}

/// Reads the CSV into rows keyed by column (a header an export wrote in either language is read
/// as its field name; the delimiter is found from the header line); structural problems are row
/// errors.
fn read(text: &str) -> Result<Vec<CsvRow>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .delimiter(delimiter_of(text))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|s| {
                column_of(s)
                    .map(str::to_owned)
                    .unwrap_or_else(|| s.trim().to_owned())
            })
            .collect(),
        Err(e) => return Err(vec![malformed(1, "header", &e)]),
    };
    let missing: Vec<RowError> = REQUIRED
        .iter()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .map(|c| {
            let (en, id) = (
                format!("the header lacks `{c}`"),
                format!("header tidak memuat `{c}`"),
            );
            RowError::new(1, c, "missing_column", en, id)
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        match record {
            Ok(r) => rows.push((
                line,
                headers
                    .iter()
                    .cloned()
                    // A cell the export neutralised (`'=…`) reads back as it was typed, a label
                    // as its code.
                    .zip(r.iter())
                    .map(|(h, c)| {
                        let v = normalise_cell(&h, c);
                        (h, v)
                    })
                    .collect(),
            )),
            Err(e) => errors.push(malformed(line, "row", &e)),
        }
        if rows.len() > MAX_ROWS {
            let en = format!("at most {MAX_ROWS} rows per file");
            let id = format!("paling banyak {MAX_ROWS} baris per berkas");
            errors.push(RowError::new(line, "row", "too_many_rows", en, id));
            break;
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// One CSV line being read: its cells, and what is wrong with them.
struct Cells<'a> {
    line: usize,
    cells: &'a HashMap<String, String>,
    errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    fn new(line: usize, cells: &'a HashMap<String, String>) -> Self {
        let errors = Vec::new();
        Cells {
            line,
            cells,
            errors,
        }
    }

    /// The trimmed cell (empty when the column is absent).
    fn get(&self, column: &str) -> String {
        self.cells
            .get(column)
            .map(String::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    }

    fn opt(&self, column: &str) -> Option<String> {
        Some(self.get(column)).filter(|s| !s.is_empty())
    }

    /// A `;`-separated list.
    fn list(&self, column: &str) -> Vec<String> {
        self.get(column)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn fail(&mut self, column: &str, code: &str, en: String, id: String) {
        self.errors
            .push(RowError::new(self.line, column, code, en, id));
    }

    /// A code read by `parse`; `what` names what it should be, in English and Indonesian.
    fn code<T>(
        &mut self,
        column: &str,
        parse: fn(&str) -> Option<T>,
        what: [&str; 2],
    ) -> Option<T> {
        let v = self.get(column);
        let parsed = parse(&v);
        if parsed.is_none() {
            let (en, id) = (
                format!("`{v}` is not {}", what[0]),
                format!("`{v}` bukan {}", what[1]),
            );
            self.fail(column, "invalid_value", en, id);
        }
        parsed
    }

    /// R3: every object from the list of PP 28/2018 art. 23(2).
    fn objects(&mut self) -> Vec<CooperationObject> {
        let mut objects = Vec::new();
        for o in self.list("objects") {
            match CooperationObject::parse(&o) {
                Some(x) => objects.push(x),
                None => self.fail(
                    "objects",
                    "R3",
                    format!("`{o}` is not an object of PP 28/2018 art. 23(2)"),
                    format!("`{o}` bukan objek pasal 23 ayat 2"),
                ),
            }
        }
        objects
    }

    fn flag(&mut self, column: &str) -> bool {
        match self.get(column).to_lowercase().as_str() {
            "" | "false" | "0" | "no" | "tidak" => false,
            "true" | "1" | "yes" | "ya" => true,
            other => {
                let (en, id) = (
                    format!("`{other}` is not true or false"),
                    format!("`{other}` bukan true atau false"),
                );
                self.fail(column, "invalid_value", en, id);
                false
            }
        }
    }

    fn date(&mut self, column: &str) -> Option<jalin_domain::Date> {
        let v = self.opt(column)?;
        match jalin_domain::Date::parse(&v) {
            Ok(d) => Some(d),
            Err(e) => {
                let t = e.text();
                self.fail(column, "invalid_date", t.en, t.id);
                None
            }
        }
    }

    /// The registered partners named by `partner_name` (`;`-separated, as an export writes an
    /// agreement with several) in `partner_country` (one for all, or one each); `None` when
    /// one is not registered.
    fn partners(&mut self, c: &mut DbConnection) -> Result<Option<Vec<String>>, DbError> {
        let (names, countries) = (self.list("partner_name"), self.list("partner_country"));
        let mut ids = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let country = countries
                .get(i)
                .or(countries.first())
                .cloned()
                .unwrap_or_default();
            match registry::find_partner_by_name(c, name, &country.to_uppercase())? {
                Some(p) => ids.push(p.id),
                None => {
                    let en = format!("no registered partner `{name}` in {country}");
                    let id = format!("tidak ada mitra terdaftar `{name}` di {country}");
                    self.fail("partner_name", "unknown_partner", en, id);
                }
            }
        }
        if names.is_empty() {
            let en = "no registered partner ``".to_owned();
            let id = "tidak ada mitra terdaftar ``".to_owned();
            self.fail("partner_name", "unknown_partner", en, id);
        }
        Ok(Some(ids).filter(|ids| !ids.is_empty() && ids.len() == names.len()))
    }

    /// R23: the approval letters, when the row gives any.
    fn letters(&mut self) -> Option<ApprovalLetters> {
        let mut letters = LETTERS.map(|name| {
            let (number, date) = (format!("{name}_number"), format!("{name}_date"));
            let (n, d) = (self.opt(&number), self.date(&date));
            if n.is_some() && self.opt(&date).is_none() {
                let en = format!("the {name} letter needs its date (YYYY-MM-DD)");
                let id = format!("surat {name} memerlukan tanggalnya (YYYY-MM-DD)");
                self.fail(&date, "required", en, id);
            }
            d.map(|date| LetterRef {
                number: n.unwrap_or_default(),
                date,
            })
        });
        if letters.iter().all(Option::is_none) {
            return None;
        }
        let [dprd, kemendagri, kemlu] = &mut letters;
        Some(ApprovalLetters {
            dprd_approval: dprd.take(),
            kemendagri_consideration: kemendagri.take(),
            kemlu_confirmation: kemlu.take(),
        })
    }

    fn value(&mut self) -> Option<Money> {
        match (self.opt("value_amount"), self.opt("value_currency")) {
            (Some(amount), Some(currency)) => Some(Money { amount, currency }),
            (None, None) => None,
            _ => {
                let (en, id) = (
                    "give both value_amount and value_currency",
                    "isi value_amount dan value_currency",
                );
                self.fail("value_currency", "incomplete_money", en.into(), id.into());
                None
            }
        }
    }
}

/// The agreement a row describes, or every bad cell in it (the registry rules come after, in
/// `service::agreements::create`).
fn parse_row(
    c: &mut DbConnection,
    line: usize,
    cells: &HashMap<String, String>,
) -> Result<AgreementInput, ImportError> {
    let mut r = Cells::new(line, cells);
    let subtype = r.code("subtype", Subtype::parse, ["a subtype", "subjenis"]);
    let instrument = r.code(
        "instrument",
        Instrument::parse,
        ["an instrument", "bentuk naskah"],
    );
    let objects = r.objects();
    let status = match r.opt("status") {
        Some(_) => r.code("status", AgreementStatus::parse, ["a status", "status"]),
        None => None,
    };
    let legacy = r.flag("legacy");
    let (signed_on, effective_from, expires_on) = (
        r.date("signed_on"),
        r.date("effective_from"),
        r.date("expires_on"),
    );
    let partners = r.partners(c)?;
    let value = r.value();
    let approval_letters = r.letters();
    let (Some(subtype), Some(instrument), Some(partner_ids), true) =
        (subtype, instrument, partners, r.errors.is_empty())
    else {
        return Err(ImportError::Rows(r.errors));
    };
    Ok(AgreementInput {
        region_code: r.get("region_code"),
        subtype,
        instrument,
        partner_ids,
        parent_id: None,
        predecessor_id: None,
        title_id: r.get("title_id"),
        title_en: r.opt("title_en"),
        objects,
        sectors: r.list("sectors"),
        languages: r.list("languages"),
        implementing_agencies: Vec::new(),
        financing_source: None,
        creates_foreign_loan: false,
        value,
        signatories: Signatories::default(),
        signed_on,
        signed_place: None,
        effective_from,
        expires_on,
        legacy,
        status,
        level_justification: r.opt("level_justification"),
        own_reference: r.opt("own_reference"),
        partner_reference: r.opt("partner_reference"),
        checklist: Checklist::default(),
        approval_letters,
    })
}

/// An agreement refused on one row, as that row's errors (each at its column).
fn row_errors(line: usize, e: ApiError) -> Vec<RowError> {
    let p = e.problem();
    if p.errors.is_empty() {
        return vec![RowError::new(
            line,
            "row",
            &p.code,
            p.detail.en,
            p.detail.id,
        )];
    }
    p.errors
        .into_iter()
        .map(|i| {
            let at = i.pointer.or(i.parameter).unwrap_or_default();
            // A letter's pointer (`/approval_letters/dprd_approval/date`) names its column.
            let column = match at.strip_prefix("/approval_letters/") {
                Some(letter) => {
                    let mut parts = letter.split('/');
                    let name = parts.next().unwrap_or("");
                    format!("{name}_{}", parts.next().unwrap_or("number"))
                }
                None => at
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .to_owned(),
            };
            RowError::new(line, &column, &i.code, i.message.en, i.message.id)
        })
        .collect()
}

/// What an import did (or, in a dry run, would do) with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new agreement.
    Created,
    /// The agreement the row matches, updated (the row carried its current `version`).
    Updated,
    /// The row says what the agreement it matches already says: nothing written.
    Unchanged,
    /// The row matches an agreement but differs from it and carries no `version`: nothing
    /// written (export the agreement and edit that row to update it).
    Duplicate,
    /// Refused: see its errors.
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Duplicate => "duplicate",
            Outcome::Refused => "refused",
        }
    }
}

/// One row of an import's report.
#[derive(Debug, Clone)]
pub struct RowReport {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub outcome: Outcome,
    /// The agreement created, updated or matched.
    pub reference_number: Option<String>,
    pub errors: Vec<RowError>,
}

/// What an import did with every row, in file order.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: Vec<RowReport>,
}

impl ImportReport {
    pub fn count(&self, outcome: Outcome) -> usize {
        self.rows.iter().filter(|r| r.outcome == outcome).count()
    }

    /// The reference numbers of the agreements created, in file order.
    pub fn created(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r.outcome == Outcome::Created)
            .filter_map(|r| r.reference_number.clone())
            .collect()
    }
}

/// The agreements an import may match, with what each exports as (codes).
struct Known {
    agreements: Vec<(Agreement, HashMap<String, String>)>,
}

impl Known {
    fn load(c: &mut DbConnection, scope: &Visibility, today: NaiveDate) -> Result<Self, DbError> {
        let paging = AgreementPaging {
            sort: AgreementSort::ReferenceNumber,
            limit: EXPORT_LIMIT,
            ..Default::default()
        };
        let all = registry::list_agreements(c, scope, &AgreementFilter::default(), &paging)?;
        let ids: Vec<String> = all.iter().flat_map(|a| a.partner_ids.clone()).collect();
        let partners = registry::partners_by_id(c, &ids)?;
        let mut known = Known {
            agreements: Vec::new(),
        };
        for a in all {
            known.add(a, &partners, today);
        }
        Ok(known)
    }

    fn add(&mut self, a: Agreement, partners: &[Partner], today: NaiveDate) {
        let cells = ExportRow::of(&a, partners, today).by_column();
        self.agreements.retain(|(k, _)| k.id != a.id);
        self.agreements.push((a, cells));
    }

    /// The agreement a row is about: by `reference_number`, else by `own_reference` in its
    /// region, else by region, partner, instrument and signing date.
    fn matching(
        &self,
        row: &HashMap<String, String>,
        partner_ids: &[String],
    ) -> Option<&(Agreement, HashMap<String, String>)> {
        let cell = |k: &str| row.get(k).map(|v| v.trim()).unwrap_or("");
        let (number, region) = (cell("reference_number"), cell("region_code"));
        let (own, instrument, signed) =
            (cell("own_reference"), cell("instrument"), cell("signed_on"));
        let find = |f: &dyn Fn(&Agreement, &HashMap<String, String>) -> bool| {
            self.agreements.iter().find(|(a, cells)| f(a, cells))
        };
        let by_number = || find(&|a, _| !number.is_empty() && a.reference_number == number);
        let by_own = || {
            find(&|a, cells| {
                !own.is_empty() && a.region.to_string() == region && cells["own_reference"] == own
            })
        };
        let by_facts = || {
            find(&|a, _| {
                !signed.is_empty()
                    && a.region.to_string() == region
                    && a.instrument.as_str() == instrument
                    && a.signed_on.map(|d| d.to_string()).as_deref() == Some(signed)
                    && partner_ids.iter().any(|p| a.partner_ids.contains(p))
            })
        };
        by_number().or_else(by_own).or_else(by_facts)
    }
}

/// The columns of `row` the import writes, against `existing`'s: whether any differs.
fn differs(row: &HashMap<String, String>, existing: &HashMap<String, String>) -> bool {
    existing.iter().any(|(k, old)| {
        !NOT_IMPORTED.contains(&k.as_str())
            && row
                .get(k)
                .is_some_and(|new| comparable(k, new) != comparable(k, old))
    })
}

/// The ids of the registered partners a row names (for matching; errors come later).
fn partner_ids_of(
    c: &mut DbConnection,
    line: usize,
    cells: &HashMap<String, String>,
) -> Result<Vec<String>, DbError> {
    Ok(Cells::new(line, cells).partners(c)?.unwrap_or_default())
}

/// Imports every row of a CSV file (the template in the README, or a file the export wrote, in
/// either language, with `;`, `,` or TAB) and reports what became of each row; `progress` is
/// called after each row.
///
/// A row matching an agreement the caller sees (by `reference_number`, else `own_reference` in
/// its region, else region + partner + instrument + signing date) is compared with it: the same
/// → `unchanged`; different with the agreement's current `version` → updated through
/// [`agreements::update`] (every rule applies, R9 and R16 included); with another version →
/// refused as a `conflict` (the agreement changed since the export); without a version →
/// reported as a `duplicate`. Columns the file lacks keep the agreement's values.
///
/// Rows are written as they are read, so run it in a write transaction (`AppState::write`,
/// `write_transaction`): on any refused row it returns every refused row, and the caller's
/// rollback keeps nothing — not even the reference numbers the good rows took. A `dry_run`
/// returns its report as [`ImportError::DryRun`], so that the same rollback undoes it.
pub fn import(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    text: &str,
    dry_run: bool,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportReport, ImportError> {
    let rows = match read(text) {
        Ok(rows) => rows,
        Err(errors) if dry_run => {
            let rows = refused_lines(errors);
            return Err(ImportError::DryRun(ImportReport { dry_run, rows }));
        }
        Err(errors) => return Err(ImportError::Rows(errors)),
    };
    let today = ctx.today();
    let mut known = Known::load(c, scope, today)?;
    let mut report = ImportReport {
        dry_run,
        rows: Vec::new(),
    };
    for (i, (line, cells)) in rows.iter().enumerate() {
        let row = match import_row(c, ctx, scope, &mut known, *line, cells) {
            Ok(row) => row,
            Err(ImportError::Rows(errors)) => RowReport {
                line: *line,
                outcome: Outcome::Refused,
                reference_number: None,
                errors,
            },
            Err(fatal) => return Err(fatal),
        };
        report.rows.push(row);
        progress(i + 1, rows.len());
    }
    if dry_run {
        return Err(ImportError::DryRun(report));
    }
    let errors: Vec<RowError> = report
        .rows
        .iter()
        .flat_map(|r| r.errors.iter().cloned())
        .collect();
    match errors.is_empty() {
        true => Ok(report),
        false => Err(ImportError::Rows(errors)),
    }
}

/// Errors of a file that could not be read, as refused rows (one per line).
fn refused_lines(errors: Vec<RowError>) -> Vec<RowReport> {
    let mut rows: Vec<RowReport> = Vec::new();
    for e in errors {
        match rows.iter_mut().find(|r| r.line == e.row) {
            Some(r) => r.errors.push(e),
            None => rows.push(RowReport {
                line: e.row,
                outcome: Outcome::Refused,
                reference_number: None,
                errors: vec![e],
            }),
        }
    }
    rows
}

/// A refused row's errors, or the import failing.
fn refused(line: usize, e: ApiError) -> ImportError {
    match e {
        e @ (ApiError::Internal(_) | ApiError::Unavailable(_)) => ImportError::Failed(e),
        e => ImportError::Rows(row_errors(line, e)),
    }
}

/// Creates, updates or leaves the agreement of one row.
fn import_row(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    known: &mut Known,
    line: usize,
    cells: &HashMap<String, String>,
) -> Result<RowReport, ImportError> {
    let report = |outcome, a: &Agreement| RowReport {
        line,
        outcome,
        reference_number: Some(a.reference_number.clone()),
        errors: Vec::new(),
    };
    let partner_ids = partner_ids_of(c, line, cells)?;
    let Some((existing, exported)) = known.matching(cells, &partner_ids).cloned() else {
        let input = parse_row(c, line, cells)?;
        let created = agreements::create(c, ctx, scope, input).map_err(|e| refused(line, e))?;
        let row = report(Outcome::Created, &created.agreement);
        known.add(created.agreement, &created.partners, ctx.today());
        return Ok(row);
    };
    if !differs(cells, &exported) {
        return Ok(report(Outcome::Unchanged, &existing));
    }
    let version = cells.get("version").map(|v| v.trim()).unwrap_or("");
    if version.is_empty() {
        return Ok(report(Outcome::Duplicate, &existing));
    }
    if version != existing.version.to_string() {
        let en = format!(
            "{} changed since it was exported (version {} now, {version} in the file): \
             export it again and redo the change",
            existing.reference_number, existing.version
        );
        let id = format!(
            "{} telah berubah sejak diekspor (kini versi {}, di berkas {version}): \
             ekspor ulang lalu ulangi perubahannya",
            existing.reference_number, existing.version
        );
        return Err(ImportError::Rows(vec![RowError::new(
            line, "version", "conflict", en, id,
        )]));
    }
    // What the file does not say stays as it is.
    let mut merged = exported.clone();
    for (k, v) in cells {
        if merged.contains_key(k) {
            merged.insert(k.clone(), v.clone());
        }
    }
    let mut input = parse_row(c, line, &merged)?;
    let details = agreements::details_of(&existing);
    input.parent_id = existing.parent_id.clone();
    input.predecessor_id = existing.predecessor_id.clone();
    input.implementing_agencies = details.implementing_agencies;
    input.financing_source = details.financing_source;
    input.creates_foreign_loan = existing.creates_foreign_loan;
    input.signatories = details.signatories;
    input.signed_place = existing.signed_place.clone();
    input.checklist = details.checklist;
    let expected = existing.version;
    let updated = agreements::update(c, ctx, scope, &existing.id, input, |old| {
        match old.version == expected {
            true => Ok(()),
            false => Err(ApiError::PreconditionFailed),
        }
    })
    .map_err(|e| refused(line, e))?;
    let row = report(Outcome::Updated, &updated.agreement);
    known.add(updated.agreement, &updated.partners, ctx.today());
    Ok(row)
}

/// The file types of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// `csv` (also when absent) or `xlsx`.
    pub fn parse(format: Option<&str>) -> Option<Self> {
        match format {
            None | Some("csv") => Some(Self::Csv),
            Some("xlsx") => Some(Self::Xlsx),
            Some(_) => None,
        }
    }
}

/// An exported file.
pub struct ExportFile {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub file_name: String,
}

/// The agreements the caller sees that pass `filter` (at most [`EXPORT_LIMIT`]), by reference
/// number, one a row, as a file dated today written as `layout` says; `filter_used` describes
/// the filter for the XLSX title row.
pub fn export(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    filter: &AgreementFilter,
    (format, layout): (ExportFormat, Layout),
    filter_used: &[String],
) -> Result<ExportFile, ApiError> {
    let paging = AgreementPaging {
        sort: AgreementSort::ReferenceNumber,
        limit: EXPORT_LIMIT,
        ..Default::default()
    };
    let agreements = registry::list_agreements(c, scope, filter, &paging)?;
    let ids: Vec<String> = agreements
        .iter()
        .flat_map(|a| a.partner_ids.clone())
        .collect();
    let partners = registry::partners_by_id(c, &ids)?;
    let today = ctx.today();
    let rows: Vec<ExportRow> = agreements
        .iter()
        .map(|a| ExportRow::of(a, &partners, today))
        .collect();
    let stamp = today.format("%Y%m%d");
    let name = match (layout.labels, layout.lang) {
        (true, Lang::Id) => "perjanjian",
        _ => "agreements",
    };
    Ok(match format {
        ExportFormat::Csv => ExportFile {
            bytes: to_csv(&rows, &layout).map_err(|e| ApiError::internal(format!("csv: {e}")))?,
            media_type: "text/csv; charset=utf-8",
            file_name: format!("{name}-{stamp}.csv"),
        },
        ExportFormat::Xlsx => ExportFile {
            bytes: to_xlsx(&rows, &layout, filter_used, ctx.now())
                .map_err(|e| ApiError::internal(format!("xlsx: {e}")))?,
            media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            file_name: format!("{name}-{stamp}.xlsx"),
        },
    })
}

/// A column of the export: its field name (the import template's), its header in English and
/// Indonesian, and its width in a sheet.
pub struct Column {
    pub code: &'static str,
    pub en: &'static str,
    pub id: &'static str,
    pub width: f64,
}

const fn col(code: &'static str, en: &'static str, id: &'static str, width: f64) -> Column {
    Column {
        code,
        en,
        id,
        width,
    }
}

/// The export's columns, in order: the import template's (README), which reads them back by
/// field name or by header in either language, plus `reference_number` and `version` (with
/// which a re-import finds and updates the agreement) and `kind` and `expires_in_days`, which
/// the import ignores.
pub const COLUMNS: &[Column] = &[
    col(
        "reference_number",
        "Reference number",
        "Nomor registrasi",
        20.0,
    ),
    col("region_code", "Region code", "Kode daerah", 9.0),
    col("kind", "Kind", "Jenis kerja sama", 24.0),
    col("subtype", "Subtype", "Subjenis", 22.0),
    col("instrument", "Instrument", "Bentuk naskah", 20.0),
    col("partner_name", "Partner", "Mitra", 26.0),
    col("partner_country", "Partner country", "Negara mitra", 9.0),
    col(
        "title_id",
        "Title (Indonesian)",
        "Judul (bahasa Indonesia)",
        40.0,
    ),
    col(
        "title_en",
        "Title (English)",
        "Judul (bahasa Inggris)",
        36.0,
    ),
    col("objects", "Objects", "Objek kerja sama", 30.0),
    col("sectors", "Sectors", "Sektor", 18.0),
    col("languages", "Languages", "Bahasa naskah", 10.0),
    col(
        "legacy",
        "Recorded from before the system",
        "Dicatat dari sebelum sistem",
        12.0,
    ),
    col("status", "Status", "Status", 16.0),
    col("signed_on", "Signed on", "Tanggal penandatanganan", 14.0),
    col("effective_from", "In force from", "Berlaku sejak", 13.0),
    col("expires_on", "Expires on", "Berakhir pada", 13.0),
    col(
        "expires_in_days",
        "Days until expiry",
        "Sisa hari berlaku",
        10.0,
    ),
    col("value_amount", "Value", "Nilai", 16.0),
    col("value_currency", "Currency", "Mata uang", 8.0),
    col(
        "own_reference",
        "Own reference",
        "Nomor naskah daerah",
        18.0,
    ),
    col(
        "partner_reference",
        "Partner reference",
        "Nomor naskah mitra",
        18.0,
    ),
    col(
        "level_justification",
        "Level justification",
        "Alasan kesetaraan tingkat",
        24.0,
    ),
    col(
        "dprd_approval_number",
        "DPRD approval number",
        "Nomor persetujuan DPRD",
        18.0,
    ),
    col(
        "dprd_approval_date",
        "DPRD approval date",
        "Tanggal persetujuan DPRD",
        13.0,
    ),
    col(
        "kemendagri_consideration_number",
        "Kemendagri consideration number",
        "Nomor pertimbangan Kemendagri",
        18.0,
    ),
    col(
        "kemendagri_consideration_date",
        "Kemendagri consideration date",
        "Tanggal pertimbangan Kemendagri",
        13.0,
    ),
    col(
        "kemlu_confirmation_number",
        "Kemlu confirmation number",
        "Nomor konfirmasi Kemlu",
        18.0,
    ),
    col(
        "kemlu_confirmation_date",
        "Kemlu confirmation date",
        "Tanggal konfirmasi Kemlu",
        13.0,
    ),
    col(
        "version",
        "Version (do not edit)",
        "Versi (jangan diubah)",
        10.0,
    ),
];

/// The columns an export writes that an import does not read.
const NOT_IMPORTED: [&str; 4] = ["reference_number", "kind", "expires_in_days", "version"];

/// The header row as `layout` writes it.
fn headers(layout: &Layout) -> Vec<String> {
    COLUMNS
        .iter()
        .map(|c| layout.header(c.code, c.en, c.id))
        .collect()
}

/// The field name of a header an export wrote (a field name, or a header in either language).
fn column_of(header: &str) -> Option<&'static str> {
    let h = header.trim().to_lowercase();
    COLUMNS
        .iter()
        .find(|c| c.code == h || c.en.to_lowercase() == h || c.id.to_lowercase() == h)
        .map(|c| c.code)
}

/// One agreement as exported, in [`COLUMNS`] order.
struct ExportRow {
    reference_number: String,
    region_code: String,
    kind: AgreementKind,
    subtype: Subtype,
    instrument: Instrument,
    partner_name: String,
    partner_country: String,
    title_id: String,
    title_en: String,
    objects: Vec<CooperationObject>,
    sectors: String,
    languages: String,
    legacy: bool,
    status: AgreementStatus,
    signed_on: Option<NaiveDate>,
    effective_from: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    expires_in_days: Option<i64>,
    value_amount: Option<String>,
    value_currency: String,
    own_reference: String,
    partner_reference: String,
    level_justification: String,
    letters: [(String, Option<NaiveDate>); 3],
    version: i64,
}

impl ExportRow {
    fn of(a: &Agreement, partners: &[Partner], today: NaiveDate) -> Self {
        let ps: Vec<&Partner> = a
            .partner_ids
            .iter()
            .filter_map(|id| partners.iter().find(|p| &p.id == id))
            .collect();
        let joined =
            |f: fn(&Partner) -> &str| ps.iter().map(|p| f(p)).collect::<Vec<_>>().join("; ");
        let detail = |k: &str| a.details[k].as_str().unwrap_or("").to_owned();
        // R23: the approval letters of an agreement recorded from outside the system.
        let letters = agreements::details_of(a)
            .approval_letters
            .unwrap_or_default();
        let letter = |l: &Option<LetterRef>| {
            l.as_ref()
                .map(|l| (l.number.clone(), Some(l.date.naive())))
                .unwrap_or_default()
        };
        ExportRow {
            reference_number: a.reference_number.clone(),
            region_code: a.region.to_string(),
            kind: a.kind,
            subtype: a.subtype,
            instrument: a.instrument,
            partner_name: joined(|p| &p.name),
            partner_country: joined(|p| &p.country),
            title_id: a.title_id.clone(),
            title_en: a.title_en.clone().unwrap_or_default(),
            objects: a.objects.clone(),
            sectors: a.sectors.join(";"),
            languages: a.languages.join(";"),
            legacy: a.legacy,
            status: a.status,
            signed_on: a.signed_on,
            effective_from: a.effective_from,
            expires_on: a.expires_on,
            expires_in_days: a.expires_on.map(|e| (e - today).num_days()),
            value_amount: a.value_amount.clone(),
            value_currency: a.value_currency.clone().unwrap_or_default(),
            own_reference: detail("own_reference"),
            partner_reference: detail("partner_reference"),
            level_justification: a.level_justification.clone().unwrap_or_default(),
            letters: [
                letter(&letters.dprd_approval),
                letter(&letters.kemendagri_consideration),
                letter(&letters.kemlu_confirmation),
            ],
            version: a.version,
        }
    }

    /// The coded values as `layout` writes them: kind, subtype, instrument, objects, status.
    fn coded(&self, layout: &Layout) -> [String; 5] {
        let objects: Vec<String> = self
            .objects
            .iter()
            .map(|o| layout.value(o.as_str(), o.label()))
            .collect();
        let sep = if layout.labels { "; " } else { ";" };
        [
            layout.value(self.kind.as_str(), self.kind.label()),
            layout.value(self.subtype.as_str(), self.subtype.label()),
            layout.value(self.instrument.as_str(), self.instrument.label()),
            objects.join(sep),
            layout.value(self.status.as_str(), self.status.label()),
        ]
    }

    /// Every cell as text, in [`COLUMNS`] order (dates `YYYY-MM-DD`, empty when none).
    fn cells(&self, layout: &Layout) -> Vec<String> {
        let d = |v: Option<NaiveDate>| v.map(|x| x.to_string()).unwrap_or_default();
        let [kind, subtype, instrument, objects, status] = self.coded(layout);
        let [dprd, kemendagri, kemlu] = &self.letters;
        vec![
            self.reference_number.clone(),
            self.region_code.clone(),
            kind,
            subtype,
            instrument,
            self.partner_name.clone(),
            self.partner_country.clone(),
            self.title_id.clone(),
            self.title_en.clone(),
            objects,
            self.sectors.clone(),
            self.languages.clone(),
            layout.flag(self.legacy),
            status,
            d(self.signed_on),
            d(self.effective_from),
            d(self.expires_on),
            self.expires_in_days
                .map(|n| n.to_string())
                .unwrap_or_default(),
            self.value_amount
                .as_deref()
                .map(|a| layout.decimal(a))
                .unwrap_or_default(),
            self.value_currency.clone(),
            self.own_reference.clone(),
            self.partner_reference.clone(),
            self.level_justification.clone(),
            dprd.0.clone(),
            d(dprd.1),
            kemendagri.0.clone(),
            d(kemendagri.1),
            kemlu.0.clone(),
            d(kemlu.1),
            self.version.to_string(),
        ]
    }

    /// The cells by field name, as codes: what an import compares a row with.
    fn by_column(&self) -> HashMap<String, String> {
        COLUMNS
            .iter()
            .map(|c| c.code.to_owned())
            .zip(self.cells(&Layout::codes()))
            .collect()
    }
}

/// A header row, then one row per agreement (see [`crate::export::csv`]).
fn to_csv(rows: &[ExportRow], layout: &Layout) -> Result<Vec<u8>, csv::Error> {
    crate::export::csv(
        layout,
        &headers(layout),
        rows.iter().map(|r| r.cells(layout)),
    )
}

/// One sheet (`Perjanjian` or `Agreements`): a title row with the filter and the time of the
/// export, a frozen header with filters, dates as dates, amounts as numbers, printable on A4
/// landscape; the workbook created `now` (the injected clock's, not the library's own).
fn to_xlsx(
    rows: &[ExportRow],
    layout: &Layout,
    filter_used: &[String],
    now: NaiveDateTime,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_timestamp(now.and_utc().timestamp())?;
    let what = Text::new(
        "Foreign cooperation agreements",
        "Perjanjian kerja sama luar negeri",
    );
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_title(layout.say(&what)),
    );
    let sheet = book.add_worksheet();
    sheet.set_name(layout.say(&Text::new("Agreements", "Perjanjian")))?;
    let title = crate::export::title(layout, &what, filter_used, now);
    let widths: Vec<f64> = COLUMNS.iter().map(|c| c.width).collect();
    crate::export::sheet(sheet, &title, &headers(layout), &widths, rows.len())?;
    let formats = (
        layout.date_format(),
        Format::new().set_num_format("#,##0.00"),
    );
    for (i, r) in rows.iter().enumerate() {
        xlsx_row(
            sheet,
            crate::export::FIRST_ROW + i as u32,
            r,
            layout,
            &formats,
        )?;
    }
    book.save_to_buffer()
}

fn xlsx_row(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    r: &ExportRow,
    layout: &Layout,
    (date, money): &(rust_xlsxwriter::Format, rust_xlsxwriter::Format),
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let cells = r.cells(layout);
    // Text everywhere but the typed columns below.
    for (c, v) in cells.iter().enumerate() {
        if !TYPED.contains(&c) {
            sheet.write_string(row, c as u16, v)?;
        }
    }
    match layout.labels {
        true => sheet.write_string(row, 12, layout.flag(r.legacy))?,
        false => sheet.write_boolean(row, 12, r.legacy)?,
    };
    for (c, d) in [
        (14u16, r.signed_on),
        (15, r.effective_from),
        (16, r.expires_on),
        (24, r.letters[0].1),
        (26, r.letters[1].1),
        (28, r.letters[2].1),
    ] {
        if let Some(d) = d {
            xlsx_date(sheet, row, c, d, date)?;
        }
    }
    if let Some(n) = r.expires_in_days {
        sheet.write_number(row, 17, n as f64)?;
    }
    if let Some(a) = &r.value_amount {
        match a.parse::<f64>() {
            Ok(n) => sheet.write_number_with_format(row, 18, n, money)?,
            Err(_) => sheet.write_string(row, 18, a)?,
        };
    }
    sheet.write_number(row, 29, r.version as f64)?;
    Ok(())
}

/// The columns [`xlsx_row`] writes as booleans, dates and numbers.
const TYPED: [usize; 10] = [12, 14, 15, 16, 17, 18, 24, 26, 28, 29];

/// A date cell; a date a spreadsheet cannot hold (before 1900: legacy rows may carry one) is
/// written as its text, so one odd record never fails the export of its scope.
fn xlsx_date(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    d: NaiveDate,
    format: &rust_xlsxwriter::Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let excel = u16::try_from(d.year()).ok().and_then(|y| {
        rust_xlsxwriter::ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok()
    });
    match excel {
        Some(x) => sheet.write_datetime_with_format(row, col, &x, format)?,
        None => sheet.write_string(row, col, d.to_string())?,
    };
    Ok(())
}
