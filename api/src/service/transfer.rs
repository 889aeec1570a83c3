//! Import (CSV, all or nothing, every bad row reported) and export (CSV or XLSX, honouring the
//! list filters) of agreements.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use jalin_domain::access::Visibility;
use jalin_domain::agreement::{AgreementStatus, CooperationObject, Instrument, Subtype};
use jalin_persistence::db::DieselError;
use jalin_persistence::registry::{
    self, Agreement, AgreementFilter, AgreementPaging, AgreementSort, Partner,
};
use jalin_persistence::{DbConnection, DbError};

use super::Ctx;
use crate::error::ApiError;
use crate::problem::{FieldIssue, Text};
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
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Rows(rows) => {
                ApiError::Validation(rows.iter().map(RowError::issue).collect())
            }
            ImportError::Failed(e) => e,
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

/// Reads the CSV into rows keyed by column; structural problems are row errors.
fn read(text: &str) -> Result<Vec<CsvRow>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_owned()).collect(),
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
                    // A cell the export neutralised (`'=…`) reads back as it was typed.
                    .zip(r.iter().map(|c| crate::csv_safe::restore(c).to_owned()))
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

    /// The registered partner named by `partner_name` in `partner_country`.
    fn partner(&mut self, c: &mut DbConnection) -> Result<Option<String>, DbError> {
        let (name, country) = (self.get("partner_name"), self.get("partner_country"));
        let found = registry::find_partner_by_name(c, &name, &country.to_uppercase())?;
        if found.is_none() {
            let en = format!("no registered partner `{name}` in {country}");
            let id = format!("tidak ada mitra terdaftar `{name}` di {country}");
            self.fail("partner_name", "unknown_partner", en, id);
        }
        Ok(found.map(|p| p.id))
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
    let partner = r.partner(c)?;
    let value = r.value();
    let approval_letters = r.letters();
    let (Some(subtype), Some(instrument), Some(partner), true) =
        (subtype, instrument, partner, r.errors.is_empty())
    else {
        return Err(ImportError::Rows(r.errors));
    };
    Ok(AgreementInput {
        region_code: r.get("region_code"),
        subtype,
        instrument,
        partner_ids: vec![partner],
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

/// Creates the agreement of one row; its reference number.
fn import_row(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    line: usize,
    cells: &HashMap<String, String>,
) -> Result<String, ImportError> {
    let input = parse_row(c, line, cells)?;
    match agreements::create(c, ctx, scope, input) {
        Ok(r) => Ok(r.agreement.reference_number),
        Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => Err(ImportError::Failed(e)),
        Err(e) => Err(ImportError::Rows(row_errors(line, e))),
    }
}

/// Imports every row of a CSV file (the template in the README) and returns the reference
/// numbers given, in file order; `progress` is called after each row. Rows are created as they
/// are read, so run it in a write transaction (`AppState::write`, `write_transaction`): on any
/// bad row it returns every bad row, and the caller's rollback keeps nothing — not even the
/// reference numbers the good rows took.
pub fn import(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    text: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<String>, ImportError> {
    let rows = read(text).map_err(ImportError::Rows)?;
    let (mut created, mut errors) = (Vec::new(), Vec::new());
    for (i, (line, cells)) in rows.iter().enumerate() {
        match import_row(c, ctx, scope, *line, cells) {
            Ok(number) => created.push(number),
            Err(ImportError::Rows(e)) => errors.extend(e),
            Err(fatal) => return Err(fatal),
        }
        progress(i + 1, rows.len());
    }
    if errors.is_empty() {
        Ok(created)
    } else {
        Err(ImportError::Rows(errors))
    }
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
/// number, one a row, as a file dated today.
pub fn export(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    filter: &AgreementFilter,
    format: ExportFormat,
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
    Ok(match format {
        ExportFormat::Csv => ExportFile {
            bytes: to_csv(&rows).map_err(|e| ApiError::internal(format!("csv: {e}")))?,
            media_type: "text/csv; charset=utf-8",
            file_name: format!("agreements-{stamp}.csv"),
        },
        ExportFormat::Xlsx => ExportFile {
            bytes: to_xlsx(&rows, ctx.now())
                .map_err(|e| ApiError::internal(format!("xlsx: {e}")))?,
            media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            file_name: format!("agreements-{stamp}.xlsx"),
        },
    })
}

/// The export's columns, in order: the import template's (README), which reads them back, plus
/// `reference_number`, `kind` and `expires_in_days`, which the import ignores.
const EXPORT_COLUMNS: &[&str] = &[
    "reference_number",
    "region_code",
    "kind",
    "subtype",
    "instrument",
    "partner_name",
    "partner_country",
    "title_id",
    "title_en",
    "objects",
    "sectors",
    "languages",
    "legacy",
    "status",
    "signed_on",
    "effective_from",
    "expires_on",
    "expires_in_days",
    "value_amount",
    "value_currency",
    "own_reference",
    "partner_reference",
    "level_justification",
    "dprd_approval_number",
    "dprd_approval_date",
    "kemendagri_consideration_number",
    "kemendagri_consideration_date",
    "kemlu_confirmation_number",
    "kemlu_confirmation_date",
];

/// One agreement as exported, in [`EXPORT_COLUMNS`] order.
struct ExportRow {
    reference_number: String,
    region_code: String,
    kind: String,
    subtype: String,
    instrument: String,
    partner_name: String,
    partner_country: String,
    title_id: String,
    title_en: String,
    objects: String,
    sectors: String,
    languages: String,
    legacy: bool,
    status: String,
    signed_on: Option<NaiveDate>,
    effective_from: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    expires_in_days: Option<i64>,
    value_amount: Option<String>,
    value_currency: String,
    own_reference: String,
    partner_reference: String,
    level_justification: String,
    dprd_approval_number: String,
    dprd_approval_date: Option<NaiveDate>,
    kemendagri_consideration_number: String,
    kemendagri_consideration_date: Option<NaiveDate>,
    kemlu_confirmation_number: String,
    kemlu_confirmation_date: Option<NaiveDate>,
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
        let objects: Vec<&str> = a.objects.iter().map(|o| o.as_str()).collect();
        // R23: the approval letters of an agreement recorded from outside the system.
        let letters = agreements::details_of(a)
            .approval_letters
            .unwrap_or_default();
        let number =
            |l: &Option<LetterRef>| l.as_ref().map(|l| l.number.clone()).unwrap_or_default();
        let date = |l: &Option<LetterRef>| l.as_ref().map(|l| l.date.naive());
        ExportRow {
            reference_number: a.reference_number.clone(),
            region_code: a.region.to_string(),
            kind: a.kind.as_str().into(),
            subtype: a.subtype.as_str().into(),
            instrument: a.instrument.as_str().into(),
            partner_name: joined(|p| &p.name),
            partner_country: joined(|p| &p.country),
            title_id: a.title_id.clone(),
            title_en: a.title_en.clone().unwrap_or_default(),
            objects: objects.join(";"),
            sectors: a.sectors.join(";"),
            languages: a.languages.join(";"),
            legacy: a.legacy,
            status: a.status.as_str().into(),
            signed_on: a.signed_on,
            effective_from: a.effective_from,
            expires_on: a.expires_on,
            expires_in_days: a.expires_on.map(|e| (e - today).num_days()),
            value_amount: a.value_amount.clone(),
            value_currency: a.value_currency.clone().unwrap_or_default(),
            own_reference: detail("own_reference"),
            partner_reference: detail("partner_reference"),
            level_justification: a.level_justification.clone().unwrap_or_default(),
            dprd_approval_number: number(&letters.dprd_approval),
            dprd_approval_date: date(&letters.dprd_approval),
            kemendagri_consideration_number: number(&letters.kemendagri_consideration),
            kemendagri_consideration_date: date(&letters.kemendagri_consideration),
            kemlu_confirmation_number: number(&letters.kemlu_confirmation),
            kemlu_confirmation_date: date(&letters.kemlu_confirmation),
        }
    }

    /// Every cell as text, in [`EXPORT_COLUMNS`] order (dates `YYYY-MM-DD`, empty when none).
    fn cells(&self) -> Vec<String> {
        let d = |v: Option<NaiveDate>| v.map(|x| x.to_string()).unwrap_or_default();
        let mut out: Vec<String> = self.texts().iter().map(|t| t.to_string()).collect();
        out.extend([
            self.legacy.to_string(),
            self.status.clone(),
            d(self.signed_on),
            d(self.effective_from),
            d(self.expires_on),
            self.expires_in_days
                .map(|n| n.to_string())
                .unwrap_or_default(),
            self.value_amount.clone().unwrap_or_default(),
            self.value_currency.clone(),
            self.own_reference.clone(),
            self.partner_reference.clone(),
            self.level_justification.clone(),
            self.dprd_approval_number.clone(),
            d(self.dprd_approval_date),
            self.kemendagri_consideration_number.clone(),
            d(self.kemendagri_consideration_date),
            self.kemlu_confirmation_number.clone(),
            d(self.kemlu_confirmation_date),
        ]);
        out
    }

    /// The text cells, in column order (columns 0–11).
    fn texts(&self) -> [&str; 12] {
        [
            &self.reference_number,
            &self.region_code,
            &self.kind,
            &self.subtype,
            &self.instrument,
            &self.partner_name,
            &self.partner_country,
            &self.title_id,
            &self.title_en,
            &self.objects,
            &self.sectors,
            &self.languages,
        ]
    }
}

/// A header row, then one row per agreement; every text cell neutralised against formula
/// injection ([`csv_safe`](crate::csv_safe)).
fn to_csv(rows: &[ExportRow]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(EXPORT_COLUMNS)?;
    for r in rows {
        crate::csv_safe::write_record(&mut w, r.cells())?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// One sheet `Agreements`: a bold frozen header row, dates as dates, amounts as numbers; the
/// workbook created `now` (the injected clock's, not the library's own).
fn to_xlsx(rows: &[ExportRow], now: NaiveDateTime) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_timestamp(now.and_utc().timestamp())?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let sheet = book.add_worksheet();
    sheet.set_name("Agreements")?;
    let bold = Format::new().set_bold();
    for (c, name) in EXPORT_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let formats = (
        Format::new().set_num_format("yyyy-mm-dd"),
        Format::new().set_num_format("#,##0.00"),
    );
    for (i, r) in rows.iter().enumerate() {
        xlsx_row(sheet, (i + 1) as u32, r, &formats)?;
    }
    sheet.autofit();
    book.save_to_buffer()
}

fn xlsx_row(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    r: &ExportRow,
    (date, money): &(rust_xlsxwriter::Format, rust_xlsxwriter::Format),
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (c, v) in r.texts().iter().enumerate() {
        sheet.write_string(row, c as u16, *v)?;
    }
    sheet.write_boolean(row, 12, r.legacy)?;
    sheet.write_string(row, 13, &r.status)?;
    for (c, d) in [
        (14u16, r.signed_on),
        (15, r.effective_from),
        (16, r.expires_on),
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
    sheet.write_string(row, 19, &r.value_currency)?;
    sheet.write_string(row, 20, &r.own_reference)?;
    sheet.write_string(row, 21, &r.partner_reference)?;
    sheet.write_string(row, 22, &r.level_justification)?;
    for (c, number, on) in [
        (23u16, &r.dprd_approval_number, r.dprd_approval_date),
        (
            25,
            &r.kemendagri_consideration_number,
            r.kemendagri_consideration_date,
        ),
        (27, &r.kemlu_confirmation_number, r.kemlu_confirmation_date),
    ] {
        sheet.write_string(row, c, number)?;
        if let Some(d) = on {
            xlsx_date(sheet, row, c + 1, d, date)?;
        }
    }
    Ok(())
}

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
