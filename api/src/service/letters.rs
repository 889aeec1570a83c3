//! Official letters as DOCX (issue #20 item 3), in the Indonesian official correspondence format
//! (*tata naskah dinas*): the region's letterhead, place and date (the region's local day, from
//! the one clock, with Indonesian month names), number, classification (*sifat*), attachments
//! (*lampiran*), subject (*hal*), addressee (*Yth.*), body, signature block (title, name, NIP)
//! and copies (*tembusan*). The subject, addressee and body come from a template an
//! administrator may replace (versioned; jalin ships version 0 of each); the letterhead from the
//! region's settings. Whether the records allow a letter is the domain's decision
//! (`jalin_domain::letters`); the file is stored as a document of the agreement or travel
//! request with its SHA-256, and audited in the same transaction.

use std::collections::BTreeMap;
use std::io::Cursor;

use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, Utc};
use docx_rs::{AlignmentType, Docx, Paragraph, Run, Table, TableCell, TableRow};
use jalin_domain::access::Visibility;
use jalin_domain::agreement::AgreementKind;
use jalin_domain::case::StageRecord;
use jalin_domain::document::DocumentRole;
use jalin_domain::letters::{
    self as rules, check_template, default_template, fill, indonesian_date, Classification,
    LetterKind, LetterTemplate, FIELDS,
};
use jalin_domain::travel::TravelDocumentKind;
use jalin_domain::workflow::StageKey;
use jalin_domain::{AuditAction, CountryCode, RecordKind, Region, RegionCode, RegionKind};
use jalin_persistence::documents::{self as agreement_documents, Document};
use jalin_persistence::letters::{self as store, LetterheadRow, TemplateRow};
use jalin_persistence::registry::{self, Agreement};
use jalin_persistence::travel::{self as travel_store, TravelDocument};
use jalin_persistence::{cases, reference, DbConnection};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use validator::Validate;

use super::documents::{StoredFile, Upload};
use super::travel::{Reach, Trip};
use super::Ctx;
use crate::error::ApiError;
use crate::reply::{OrNotFound, Versioned};
use crate::state::AppState;

pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

// ---------------------------------------------------------------------------------------------
// Letterheads

/// A region's letterhead (*kop surat*) and the signatory its letters print by default.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug, PartialEq)]
#[schema(example = json!({
    "government_name": "PEMERINTAH PROVINSI JAWA TENGAH", "office_name": "SEKRETARIAT DAERAH",
    "address": "Jalan Pahlawan Nomor 9, Semarang 50243", "contact": "Telepon (024) 8311174, Laman jatengprov.go.id",
    "place": "Semarang", "signatory_title": "GUBERNUR JAWA TENGAH", "signatory_name": "Ahmad Luthfi",
    "signatory_nip": null
}))]
pub struct Letterhead {
    /// The first line, e.g. `PEMERINTAH PROVINSI JAWA TENGAH`.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub government_name: String,
    /// The second line, e.g. `SEKRETARIAT DAERAH`.
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub office_name: Option<String>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub address: Option<String>,
    /// Telephone, e-mail, website.
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub contact: Option<String>,
    /// Where letters are written (before the date), e.g. `Semarang`.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub place: String,
    /// e.g. `GUBERNUR JAWA TENGAH`.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub signatory_title: String,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub signatory_name: Option<String>,
    /// Printed when present (a head of region has none).
    #[validate(length(max = 30))]
    #[schema(max_length = 30, example = "19680925 199403 2 004")]
    pub signatory_nip: Option<String>,
}

/// The region's name without its kind (`Kota Semarang` → `Semarang`).
fn bare_name(r: &Region) -> &str {
    r.name
        .strip_prefix("Kabupaten ")
        .or_else(|| r.name.strip_prefix("Kota "))
        .unwrap_or(&r.name)
}

/// The region's name as letters write it: `Provinsi Jawa Tengah`, `Kota Semarang`.
fn full_name(r: &Region) -> String {
    match r.kind {
        RegionKind::Province => format!("Provinsi {}", r.name),
        _ => r.name.clone(),
    }
}

/// What a region without its own letterhead prints: built from its name.
pub fn default_letterhead(r: &Region) -> Letterhead {
    let head = match r.kind {
        RegionKind::Province => "GUBERNUR",
        RegionKind::Regency => "BUPATI",
        RegionKind::City => "WALI KOTA",
    };
    Letterhead {
        government_name: format!("PEMERINTAH {}", full_name(r).to_uppercase()),
        office_name: Some("SEKRETARIAT DAERAH".into()),
        address: None,
        contact: None,
        place: bare_name(r).to_owned(),
        signatory_title: format!("{head} {}", bare_name(r).to_uppercase()),
        signatory_name: None,
        signatory_nip: None,
    }
}

/// A region's letterhead as stored (version 0: not set, the defaults apply).
pub struct LetterheadRecord {
    pub region_code: RegionCode,
    pub letterhead: Letterhead,
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

impl Versioned for LetterheadRecord {
    fn id(&self) -> &str {
        self.region_code.as_str()
    }
    fn version(&self) -> i64 {
        self.version
    }
}

fn region_in(c: &mut DbConnection, vis: &Visibility, code: &str) -> Result<Region, ApiError> {
    let region =
        RegionCode::parse(code).map_err(|_| ApiError::not_found(RecordKind::Region, code))?;
    if !vis.includes(Some(&region)) {
        return Err(ApiError::not_found(RecordKind::Region, code));
    }
    reference::get_region(c, &region)?.or_not_found(RecordKind::Region, code)
}

fn letterhead_of(c: &mut DbConnection, region: &Region) -> Result<LetterheadRecord, ApiError> {
    Ok(match store::letterhead(c, region.code.as_str())? {
        Some(row) => LetterheadRecord {
            letterhead: serde_json::from_str(&row.content)
                .map_err(|e| ApiError::internal(format!("stored letterhead: {e}")))?,
            region_code: region.code.clone(),
            version: row.version,
            updated_by: Some(row.updated_by),
            updated_at: Some(row.updated_at),
        },
        None => LetterheadRecord {
            region_code: region.code.clone(),
            letterhead: default_letterhead(region),
            version: 0,
            updated_by: None,
            updated_at: None,
        },
    })
}

/// The letterhead of a region within `vis` (another region: 404).
pub fn get_letterhead(
    c: &mut DbConnection,
    vis: &Visibility,
    region_code: &str,
) -> Result<LetterheadRecord, ApiError> {
    let region = region_in(c, vis, region_code)?;
    letterhead_of(c, &region)
}

/// Sets a region's letterhead (within `vis`), if `expected` holds for the one read; audited.
pub fn put_letterhead(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    region_code: &str,
    input: Letterhead,
    expected: impl FnOnce(&LetterheadRecord) -> Result<(), ApiError>,
) -> Result<LetterheadRecord, ApiError> {
    let region = region_in(c, vis, region_code)?;
    let old = letterhead_of(c, &region)?;
    expected(&old)?;
    let now = ctx.now();
    let row = LetterheadRow {
        region_code: region.code.to_string(),
        content: serde_json::to_string(&input).map_err(|e| ApiError::internal(e.to_string()))?,
        version: old.version + 1,
        updated_by: ctx.actor.name.clone(),
        updated_at: now,
    };
    use super::Conditional;
    store::save_letterhead(c, &row, old.version).or_precondition_failed()?;
    let changes = super::changes(
        &json!({"letterhead": serde_json::to_value(&old.letterhead).unwrap_or_default()}),
        &json!({"letterhead": serde_json::to_value(&input).unwrap_or_default()}),
    );
    ctx.audit(
        c,
        AuditAction::RegionLetterheadUpdated,
        (RecordKind::Region, region.code.as_str()),
        Some(region.code.as_str()),
        changes,
    )?;
    Ok(LetterheadRecord {
        region_code: region.code,
        letterhead: input,
        version: row.version,
        updated_by: Some(row.updated_by),
        updated_at: Some(now),
    })
}

// ---------------------------------------------------------------------------------------------
// Templates

/// A field a template may use.
#[derive(Serialize, ToSchema)]
pub struct TemplateField {
    #[schema(example = "partner_names")]
    pub name: &'static str,
    pub description: &'static str,
}

/// A letter kind's template in force.
pub struct TemplateRecord {
    pub kind: LetterKind,
    pub template: LetterTemplate,
    /// 0: the template shipped with jalin.
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Versioned for TemplateRecord {
    fn id(&self) -> &str {
        self.kind.as_str()
    }
    fn version(&self) -> i64 {
        self.version
    }
}

/// The documented fields.
pub fn fields() -> Vec<TemplateField> {
    FIELDS
        .iter()
        .map(|(name, description)| TemplateField { name, description })
        .collect()
}

/// The kind named in a path: 404 when there is no such letter.
pub fn kind_of(code: &str) -> Result<LetterKind, ApiError> {
    LetterKind::parse(code).ok_or_else(|| ApiError::not_found(RecordKind::LetterTemplate, code))
}

/// The template in force of `kind`: the newest replacement, else the one shipped.
pub fn template(c: &mut DbConnection, kind: LetterKind) -> Result<TemplateRecord, ApiError> {
    Ok(match store::current_template(c, kind.as_str())? {
        Some(row) => TemplateRecord {
            kind,
            template: serde_json::from_str(&row.content)
                .map_err(|e| ApiError::internal(format!("stored template: {e}")))?,
            version: row.version.into(),
            updated_by: Some(row.updated_by),
            updated_at: Some(row.updated_at.and_utc()),
        },
        None => TemplateRecord {
            kind,
            template: default_template(kind),
            version: 0,
            updated_by: None,
            updated_at: None,
        },
    })
}

/// Every kind's template in force.
pub fn templates(c: &mut DbConnection) -> Result<Vec<TemplateRecord>, ApiError> {
    LetterKind::ALL
        .into_iter()
        .map(|k| template(c, k))
        .collect()
}

/// Replaces `kind`'s template with its next version (fields checked: only documented
/// placeholders), if `expected` holds for the one in force; audited. The next letter uses it.
pub fn replace_template(
    c: &mut DbConnection,
    ctx: &Ctx,
    kind: LetterKind,
    input: LetterTemplate,
    expected: impl FnOnce(&TemplateRecord) -> Result<(), ApiError>,
) -> Result<TemplateRecord, ApiError> {
    let old = template(c, kind)?;
    expected(&old)?;
    check_template(&input)?;
    let version = i32::try_from(old.version + 1).map_err(|e| ApiError::internal(e.to_string()))?;
    let now = ctx.now();
    let row = TemplateRow {
        kind: kind.as_str().into(),
        version,
        content: serde_json::to_string(&input).map_err(|e| ApiError::internal(e.to_string()))?,
        updated_by: ctx.actor.name.clone(),
        updated_at: now,
    };
    store::insert_template(c, &row)?;
    let changes = super::changes(
        &json!({"version": old.version, "subject": old.template.subject, "addressee": old.template.addressee, "body": old.template.body}),
        &json!({"version": version, "subject": input.subject, "addressee": input.addressee, "body": input.body}),
    );
    ctx.audit(
        c,
        AuditAction::LetterTemplateReplaced,
        (RecordKind::LetterTemplate, kind.as_str()),
        None,
        changes,
    )?;
    Ok(TemplateRecord {
        kind,
        template: input,
        version: version.into(),
        updated_by: Some(row.updated_by),
        updated_at: Some(now.and_utc()),
    })
}

// ---------------------------------------------------------------------------------------------
// Letters

/// The signatory printed under a letter, when not the letterhead's.
#[derive(Deserialize, Serialize, ToSchema, Validate, Clone, Debug)]
pub struct SignatoryInput {
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "SEKRETARIS DAERAH PROVINSI JAWA TENGAH"
    )]
    pub title: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Sumarno")]
    pub name: String,
    #[validate(length(max = 30))]
    #[schema(max_length = 30, example = "19680512 199003 1 007")]
    pub nip: Option<String>,
}

/// What a letter needs besides the records.
#[derive(Deserialize, ToSchema, Validate, Clone, Debug)]
#[schema(example = json!({"kind": "consultation_kemendagri", "number": "000.1.4/1234/Biro Pem",
    "classification": "segera", "attachments": "1 (satu) berkas", "copies": ["Menteri Luar Negeri"]}))]
pub struct LetterInput {
    /// For an agreement: `consultation_kemendagri`, `consultation_kemlu`, `dprd_approval` or
    /// `ministerial_consideration`; for a travel request: `pdln_permit`.
    pub kind: LetterKind,
    /// The letter's number from the region's register.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub number: String,
    /// *Sifat*; default `biasa`.
    pub classification: Option<Classification>,
    /// *Lampiran*, e.g. `1 (satu) berkas`; default `-`.
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub attachments: Option<String>,
    /// Default: the region letterhead's signatory.
    #[validate(nested)]
    pub signatory: Option<SignatoryInput>,
    /// *Tembusan*: who receives a copy.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub copies: Option<Vec<String>>,
}

/// Everything a letter prints.
struct LetterParts {
    letterhead: Letterhead,
    place_date: String,
    number: String,
    classification: Classification,
    attachments: String,
    subject: String,
    addressee: Vec<String>,
    paragraphs: Vec<String>,
    signatory: (String, Option<String>, Option<String>),
    copies: Vec<String>,
}

fn text_run(text: &str) -> Run {
    Run::new().add_text(text).size(24).fonts(
        docx_rs::RunFonts::new()
            .ascii("Arial")
            .hi_ansi("Arial")
            .cs("Arial"),
    )
}

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(text_run(text))
}

fn centered_bold(text: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .add_run(text_run(text).bold().size(size))
        .align(AlignmentType::Center)
}

/// The letterhead block shared by letters and the annual report.
pub(crate) fn letterhead_block(doc: Docx, l: &Letterhead) -> Docx {
    let mut doc = doc.add_paragraph(centered_bold(&l.government_name, 32));
    if let Some(office) = l.office_name.as_deref().filter(|s| !s.is_empty()) {
        doc = doc.add_paragraph(centered_bold(office, 28));
    }
    for line in [l.address.as_deref(), l.contact.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
    {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(text_run(line).size(20))
                .align(AlignmentType::Center),
        );
    }
    doc.add_paragraph(
        Paragraph::new()
            .add_run(text_run("_".repeat(78).as_str()).size(16))
            .align(AlignmentType::Center),
    )
}

/// The signature block: title, room for the signature, name, NIP.
pub(crate) fn signature_block(
    mut doc: Docx,
    (title, name, nip): &(String, Option<String>, Option<String>),
) -> Docx {
    let right = |p: Paragraph| p.indent(Some(5000), None, None, None);
    doc = doc.add_paragraph(para(""));
    for line in title.lines() {
        doc = doc.add_paragraph(right(para(line)));
    }
    for _ in 0..3 {
        doc = doc.add_paragraph(para(""));
    }
    if let Some(name) = name.as_deref().filter(|s| !s.is_empty()) {
        doc = doc.add_paragraph(right(
            Paragraph::new().add_run(text_run(name).bold().underline("single")),
        ));
    }
    if let Some(nip) = nip.as_deref().filter(|s| !s.is_empty()) {
        doc = doc.add_paragraph(right(para(&format!("NIP. {nip}"))));
    }
    doc
}

fn header_table(rows: &[(&str, &str)]) -> Table {
    Table::new(
        rows.iter()
            .map(|(label, value)| {
                TableRow::new(vec![
                    TableCell::new().add_paragraph(para(label)),
                    TableCell::new().add_paragraph(para(&format!(": {value}"))),
                ])
            })
            .collect(),
    )
    .set_grid(vec![1600, 7400])
    .clear_all_border()
}

/// Packs a document into DOCX bytes.
pub(crate) fn pack(doc: Docx) -> Result<Vec<u8>, ApiError> {
    let mut out = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| ApiError::internal(format!("writing DOCX: {e}")))?;
    Ok(out.into_inner())
}

fn render(p: &LetterParts) -> Result<Vec<u8>, ApiError> {
    let mut doc = letterhead_block(Docx::new(), &p.letterhead);
    doc = doc.add_paragraph(para(&p.place_date).align(AlignmentType::Right));
    doc = doc.add_table(header_table(&[
        ("Nomor", &p.number),
        ("Sifat", p.classification.label()),
        ("Lampiran", &p.attachments),
        ("Hal", &p.subject),
    ]));
    doc = doc.add_paragraph(para(""));
    for (i, line) in p.addressee.iter().enumerate() {
        let text = if i == 0 {
            format!("Yth. {line}")
        } else {
            line.clone()
        };
        doc = doc.add_paragraph(para(&text));
    }
    doc = doc.add_paragraph(para(""));
    for body in &p.paragraphs {
        doc = doc.add_paragraph(para(body).align(AlignmentType::Both).indent(
            None,
            Some(docx_rs::SpecialIndentType::FirstLine(720)),
            None,
            None,
        ));
    }
    doc = signature_block(doc, &p.signatory);
    if !p.copies.is_empty() {
        doc = doc.add_paragraph(para("")).add_paragraph(para("Tembusan:"));
        for (i, copy) in p.copies.iter().enumerate() {
            doc = doc.add_paragraph(para(&format!("{}. {copy}", i + 1)));
        }
    }
    pack(doc)
}

/// The letter's parts from its template, the letterhead and the values of the fields.
fn compose(
    input: &LetterInput,
    letterhead: Letterhead,
    template: &LetterTemplate,
    values: &BTreeMap<&str, String>,
) -> LetterParts {
    let signatory = match &input.signatory {
        Some(s) => (s.title.clone(), Some(s.name.clone()), s.nip.clone()),
        None => (
            letterhead.signatory_title.clone(),
            letterhead.signatory_name.clone(),
            letterhead.signatory_nip.clone(),
        ),
    };
    let body = fill(&template.body, values);
    LetterParts {
        place_date: format!("{}, {}", letterhead.place, values["date"]),
        number: input.number.clone(),
        classification: input.classification.unwrap_or(Classification::Biasa),
        attachments: input
            .attachments
            .clone()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| "-".into()),
        subject: fill(&template.subject, values),
        addressee: fill(&template.addressee, values)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        paragraphs: body
            .split("\n\n")
            .map(|p| p.replace('\n', " ").trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        signatory,
        copies: input.copies.clone().unwrap_or_default(),
        letterhead,
    }
}

fn common_values(
    values: &mut BTreeMap<&'static str, String>,
    region: &Region,
    letterhead: &Letterhead,
    ctx: &Ctx,
    input: &LetterInput,
) {
    let today = ctx.clock.today_in(&region.code);
    values.insert("region_name", full_name(region));
    values.insert("government_name", title_case(&letterhead.government_name));
    values.insert("head_title", title_case(&letterhead.signatory_title));
    values.insert("place", letterhead.place.clone());
    values.insert("date", indonesian_date(today));
    values.insert("number", input.number.clone());
}

/// `PEMERINTAH PROVINSI JAWA TENGAH` → `Pemerintah Provinsi Jawa Tengah` (for running text).
fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let lower = w.to_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(f) => f.to_uppercase().collect::<String>() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn country_name(c: &mut DbConnection, code: &str) -> Result<String, ApiError> {
    Ok(match CountryCode::parse(code) {
        Ok(cc) => reference::get_country(c, &cc)?.map_or_else(|| code.to_owned(), |x| x.name_id),
        Err(_) => code.to_owned(),
    })
}

fn object_label(o: jalin_domain::agreement::CooperationObject) -> &'static str {
    use jalin_domain::agreement::CooperationObject as O;
    match o {
        O::ScienceTechnology => "pengembangan ilmu pengetahuan dan teknologi",
        O::CulturalExchange => "pertukaran budaya",
        O::TechnicalCapacity => "peningkatan kemampuan teknis dan manajemen pemerintahan",
        O::RegionalPromotion => "promosi potensi daerah",
        O::OtherLawful => "objek lain yang tidak bertentangan dengan peraturan perundang-undangan",
    }
}

/// A letter ready to store: its bytes and what to record.
pub struct Prepared {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Prepared {
    /// As an upload (DOCX, hashed), for `documents::store`.
    pub fn upload(&self) -> Upload {
        Upload {
            file: Bytes::from(self.bytes.clone()),
            name: self.name.clone(),
            media_type: DOCX,
            sha256: Sha256::digest(&self.bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            fields: BTreeMap::new(),
        }
    }
}

fn file_name(kind: LetterKind, reference: &str, ctx: &Ctx, region: &RegionCode) -> String {
    let what = match kind {
        LetterKind::ConsultationKemendagri => "Permohonan konsultasi Kemendagri",
        LetterKind::ConsultationKemlu => "Permohonan konsultasi Kemlu",
        LetterKind::DprdApproval => "Permohonan persetujuan DPRD",
        LetterKind::MinisterialConsideration => "Penyampaian untuk pertimbangan Kemendagri",
        LetterKind::PdlnPermit => "Permohonan izin PDLN",
    };
    format!("{what} {reference} {}.docx", ctx.clock.today_in(region))
}

/// Writes the agreement letter `input.kind` from the records of agreement `id` (within `vis`),
/// if its case allows it now (`jalin_domain::letters::may_write`).
pub fn prepare_agreement_letter(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    id: &str,
    input: &LetterInput,
) -> Result<Prepared, ApiError> {
    let a = super::agreements::find(c, vis, id)?;
    let case = cases::find(c, &a.id)?.map(|s| s.state);
    rules::may_write(input.kind, case.as_ref())?;
    let region =
        reference::get_region(c, &a.region)?.or_not_found(RecordKind::Region, a.region.as_str())?;
    let letterhead = letterhead_of(c, &region)?.letterhead;
    let template = template(c, input.kind)?.template;
    let mut values = BTreeMap::new();
    common_values(&mut values, &region, &letterhead, ctx, input);
    agreement_values(c, &mut values, &a)?;
    if let Some(case) = &case {
        let record = |key: StageKey| case.stage(key).and_then(|s| s.record.clone());
        if let Some(StageRecord::CooperationPlan {
            subject,
            financing_source,
            implementation_period,
            ..
        }) = record(StageKey::CooperationPlan)
        {
            values.insert("plan_subject", subject);
            values.insert("plan_financing", financing_source);
            values.insert("plan_period", implementation_period);
        }
        if let Some(StageRecord::DprdDecision { letter, .. }) = record(StageKey::DprdApproval) {
            values.insert("dprd_letter_number", letter.number);
            values.insert("dprd_letter_date", indonesian_date(*letter.date));
        }
    }
    values
        .entry("plan_subject")
        .or_insert_with(|| a.title_id.clone());
    let parts = compose(input, letterhead, &template, &values);
    Ok(Prepared {
        name: file_name(input.kind, &a.reference_number, ctx, &a.region),
        bytes: render(&parts)?,
    })
}

fn agreement_values(
    c: &mut DbConnection,
    values: &mut BTreeMap<&'static str, String>,
    a: &Agreement,
) -> Result<(), ApiError> {
    let partners = registry::partners_by_id(c, &a.partner_ids)?;
    let names: Vec<String> = partners.iter().map(|p| p.name.clone()).collect();
    let mut countries = Vec::new();
    for p in &partners {
        let name = country_name(c, &p.country)?;
        if !countries.contains(&name) {
            countries.push(name);
        }
    }
    values.insert("reference_number", a.reference_number.clone());
    values.insert("agreement_title", a.title_id.clone());
    values.insert("partner_names", names.join(" dan "));
    values.insert("partner_countries", countries.join(", "));
    values.insert(
        "kind_label",
        match a.kind {
            AgreementKind::Ksdpl => "kerja sama daerah dengan pemerintah daerah di luar negeri",
            AgreementKind::Ksdll => "kerja sama daerah dengan lembaga di luar negeri",
        }
        .into(),
    );
    values.insert(
        "objects",
        a.objects
            .iter()
            .map(|o| object_label(*o))
            .collect::<Vec<_>>()
            .join(", "),
    );
    Ok(())
}

/// Records a stored letter as a document (role `letter`) of agreement `id`, if the caller still
/// sees it and its case still allows the letter; audited (`agreement.letter_generated`).
pub fn record_agreement_letter(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    id: &str,
    kind: LetterKind,
    number: &str,
    file: StoredFile,
) -> Result<Document, ApiError> {
    let a = super::agreements::find(c, vis, id)?;
    let case = cases::find(c, &a.id)?.map(|s| s.state);
    rules::may_write(kind, case.as_ref())?;
    let d = Document {
        id: file.id,
        agreement_id: a.id.clone(),
        name: file.name,
        media_type: file.media_type,
        size_bytes: file.size_bytes,
        sha256: file.sha256,
        role: DocumentRole::Letter,
        language: Some("id".into()),
        storage_key: file.storage_key,
        uploaded_by: ctx.actor.name.clone(),
        uploaded_at: ctx.now(),
    };
    agreement_documents::insert(c, &d)?;
    let after = json!({"letter": {"kind": kind.as_str(), "number": number, "document_id": d.id,
        "sha256": d.sha256, "size_bytes": d.size_bytes}});
    ctx.audit_change(
        c,
        AuditAction::AgreementLetterGenerated,
        &a,
        super::changes(&json!({}), &after),
    )?;
    Ok(d)
}

fn traveller_line(t: &super::travel::Traveller) -> String {
    format!("{} ({})", t.name, t.position)
}

/// Writes the PDLN permit request of travel request `id` (the caller acting with
/// `travel:write`), once it is submitted (`jalin_domain::letters::may_write_permit_request`).
pub fn prepare_permit_letter(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    id: &str,
    input: &LetterInput,
) -> Result<Prepared, ApiError> {
    if input.kind != LetterKind::PdlnPermit {
        return Err(ApiError::invalid(
            "/kind",
            "invalid_value",
            "a travel request's letter is `pdln_permit`",
            "surat permohonan perjalanan adalah `pdln_permit`",
        ));
    }
    let t: Trip = super::travel::load_acting(c, reach, id)?;
    rules::may_write_permit_request(t.row.stage)?;
    let region =
        reference::get_region(c, &t.region)?.or_not_found(RecordKind::Region, t.region.as_str())?;
    let letterhead = letterhead_of(c, &region)?.letterhead;
    let template = template(c, input.kind)?.template;
    let mut values = BTreeMap::new();
    common_values(&mut values, &region, &letterhead, ctx, input);
    let mut destinations = Vec::new();
    for d in &t.destinations {
        destinations.push(format!("{}, {}", d.city, country_name(c, &d.country)?));
    }
    values.insert("travel_purpose", t.row.purpose.clone());
    values.insert("destinations", destinations.join("; "));
    values.insert("departs_on", indonesian_date(t.row.departs_on));
    values.insert("returns_on", indonesian_date(t.row.returns_on));
    values.insert(
        "travellers",
        t.travellers
            .iter()
            .enumerate()
            .map(|(i, x)| format!("{}. {}", i + 1, traveller_line(x)))
            .collect::<Vec<_>>()
            .join("; "),
    );
    values.insert("traveller_count", t.travellers.len().to_string());
    values.insert(
        "funding",
        match (t.funding.source.as_str(), t.funding.sponsor.as_deref()) {
            ("apbd", _) => "Anggaran Pendapatan dan Belanja Daerah (APBD)".to_owned(),
            ("apbn", _) => "Anggaran Pendapatan dan Belanja Negara (APBN)".to_owned(),
            ("sponsor", Some(s)) => format!("pihak pengundang/sponsor ({s})"),
            ("sponsor", None) => "pihak pengundang/sponsor".to_owned(),
            _ => "biaya pribadi".to_owned(),
        },
    );
    if let Some(first) = t.agreement_ids.first() {
        if let Some(a) = registry::find_agreement(c, first, &Visibility::All)? {
            agreement_values(c, &mut values, &a)?;
        }
    }
    let parts = compose(input, letterhead, &template, &values);
    let reference = format!("PDLN {}", t.row.departs_on);
    Ok(Prepared {
        name: file_name(input.kind, &reference, ctx, &t.region),
        bytes: render(&parts)?,
    })
}

/// Records a stored permit request letter as a document (`permit_request_letter`) of travel
/// request `id`, if the caller may still act on it and it still allows the letter; audited
/// (`travel_request.letter_generated`).
pub fn record_permit_letter(
    c: &mut DbConnection,
    ctx: &Ctx,
    reach: &Reach,
    id: &str,
    number: &str,
    file: StoredFile,
) -> Result<TravelDocument, ApiError> {
    let t = super::travel::load_acting(c, reach, id)?;
    rules::may_write_permit_request(t.row.stage)?;
    let doc = TravelDocument {
        id: file.id,
        travel_request_id: t.row.id.clone(),
        kind: TravelDocumentKind::PermitRequestLetter,
        name: file.name,
        media_type: file.media_type,
        size_bytes: file.size_bytes,
        sha256: file.sha256,
        storage_key: file.storage_key,
        uploaded_by: ctx.actor.name.clone(),
        uploaded_at: ctx.now(),
    };
    travel_store::insert_document(c, &doc)?;
    let after = json!({"letter": {"kind": LetterKind::PdlnPermit.as_str(), "number": number,
        "document_id": doc.id, "sha256": doc.sha256, "size_bytes": doc.size_bytes}});
    ctx.audit_change(
        c,
        AuditAction::TravelRequestLetterGenerated,
        &t.row,
        super::changes(&json!({}), &after),
    )?;
    Ok(doc)
}

/// Stores a prepared file under `folder` and records it with `record`, in one go (the file is
/// deleted again when recording fails).
pub async fn store_prepared<T: Send + 'static>(
    state: &AppState,
    folder: &str,
    prepared: &Prepared,
    record: impl FnOnce(&mut DbConnection, StoredFile) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    super::documents::store(state, folder, &prepared.upload(), record).await
}
