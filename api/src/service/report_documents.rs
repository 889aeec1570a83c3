//! The annual report as the documents a region sends to Kemendagri (issue #20 item 4): a
//! submitted (frozen) report renders to DOCX and XLSX — agreements in force with their
//! partners, activities, funding in rupiah, evaluation results, issues and follow-up — stored
//! with its SHA-256 and audited; and the province's compliance view of its regencies/cities as
//! XLSX. Visibility is the report's (another region: 404).

use chrono::{Datelike, NaiveDate};
use docx_rs::{AlignmentType, Docx, Paragraph, Run, Table, TableCell, TableRow};
use jalin_domain::access::Visibility;
use jalin_domain::letters::{indonesian_date, may_render_report, rupiah};
use jalin_domain::monitoring::ReportState;
use jalin_domain::{AuditAction, CountryCode, RecordKind};
use jalin_persistence::letters::{self as store, ReportDocument};
use jalin_persistence::registry;
use jalin_persistence::{reference, DbConnection};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::documents::StoredFile;
use super::letters::{letterhead_block, pack, signature_block, Prepared};
use super::reports::{self, ReportCompliance, ReportView};
use super::Ctx;
use crate::error::ApiError;
use crate::reply::OrNotFound;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The file an annual report renders to.
#[derive(Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Docx,
    Xlsx,
}

impl ReportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Docx => super::letters::DOCX,
            Self::Xlsx => XLSX,
        }
    }
}

/// One agreement line as the document prints it.
struct Line {
    reference: String,
    title: String,
    partners: String,
    kind: &'static str,
    status: &'static str,
    activities: u32,
    dormant: bool,
}

/// What the documents print, from the frozen content and the registry.
struct Printed {
    region_name: String,
    year: i32,
    submitted_on: String,
    on_time: Option<bool>,
    lines: Vec<Line>,
    activities: Vec<(&'static str, u32)>,
    activities_total: u32,
    grants_received: String,
    grants_given: String,
    evaluations_total: u32,
    evaluations_verified: u32,
    categories: Vec<(String, u32)>,
    issues: Vec<(String, String)>,
    notes: Option<String>,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "ksdpl" => "KSDPL",
        "ksdll" => "KSDLL",
        _ => "-",
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        "active" => "Berlaku",
        "expired" => "Berakhir",
        "terminated" => "Diakhiri",
        "in_approval" => "Dalam proses persetujuan",
        "approved_for_signing" => "Siap ditandatangani",
        "pending_verification" => "Menunggu verifikasi",
        "draft" => "Konsep",
        "rejected" => "Ditolak",
        "withdrawn" => "Ditarik",
        _ => "-",
    }
}

fn activity_label(kind: &str) -> &'static str {
    match kind {
        "outgoing_visit" => "Kunjungan ke luar negeri",
        "incoming_delegation" => "Penerimaan delegasi",
        "joint_working_group" => "Pertemuan kelompok kerja bersama",
        "exchange_programme" => "Program pertukaran",
        "training" => "Pelatihan",
        "grant_received" => "Hibah/donasi diterima",
        "grant_given" => "Hibah/donasi diberikan",
        "promotion_event" => "Promosi/pameran",
        _ => "Kegiatan lain",
    }
}

fn printed(c: &mut DbConnection, v: &ReportView) -> Result<Printed, ApiError> {
    let r = &v.report;
    let content = &v.content;
    let region = reference::get_region(c, &r.region_code)?
        .or_not_found(RecordKind::Region, r.region_code.as_str())?;
    let mut lines = Vec::new();
    let mut issues = Vec::new();
    for l in &content.agreement_lines {
        let partners = match registry::find_agreement(c, &l.id, &Visibility::All)? {
            Some(a) => {
                let mut names = Vec::new();
                for p in registry::partners_by_id(c, &a.partner_ids)? {
                    let country = CountryCode::parse(&p.country)
                        .ok()
                        .map(|cc| reference::get_country(c, &cc))
                        .transpose()?
                        .flatten()
                        .map_or_else(|| p.country.clone(), |x| x.name_id);
                    names.push(format!("{} ({country})", p.name));
                }
                names.join(", ")
            }
            None => "-".into(),
        };
        if l.dormant {
            issues.push((
                format!(
                    "{} ({}): tidak ada kegiatan dalam jangka waktu yang ditetapkan",
                    l.title_id, l.reference_number
                ),
                "Revitalisasi kerja sama: penyusunan rencana aksi dan komunikasi dengan mitra"
                    .into(),
            ));
        } else if l.activities == 0 {
            issues.push((
                format!(
                    "{} ({}): belum ada kegiatan pada tahun {}",
                    l.title_id, l.reference_number, r.fiscal_year
                ),
                "Penyusunan rencana kegiatan tahun berikutnya bersama mitra".into(),
            ));
        }
        lines.push(Line {
            reference: l.reference_number.clone(),
            title: l.title_id.clone(),
            partners,
            kind: kind_label(&l.kind),
            status: status_label(&l.status),
            activities: l.activities,
            dormant: l.dormant,
        });
    }
    for (category, n) in &content.evaluations.by_category {
        if matches!(category.as_str(), "Cukup" | "Kurang") {
            issues.push((
                format!("{n} evaluasi dengan kategori {category}"),
                "Tindak lanjut rekomendasi evaluasi (revitalisasi atau pengakhiran kerja sama)"
                    .into(),
            ));
        }
    }
    let mut activities: Vec<(&'static str, u32)> = content
        .activities
        .by_kind
        .iter()
        .map(|(k, n)| (activity_label(k), *n))
        .collect();
    activities.sort_by(|a, b| a.0.cmp(b.0));
    Ok(Printed {
        region_name: match region.kind {
            jalin_domain::RegionKind::Province => format!("Provinsi {}", region.name),
            _ => region.name.clone(),
        },
        year: r.fiscal_year,
        submitted_on: r.submitted_on.map_or_else(|| "-".into(), indonesian_date),
        on_time: r.on_time,
        lines,
        activities,
        activities_total: content.activities.total,
        grants_received: rupiah(&content.activities.grants_received_idr),
        grants_given: rupiah(&content.activities.grants_given_idr),
        evaluations_total: content.evaluations.total,
        evaluations_verified: content.evaluations.verified,
        categories: content
            .evaluations
            .by_category
            .iter()
            .map(|(k, n)| (k.clone(), *n))
            .collect(),
        issues,
        notes: r.notes.clone(),
    })
}

fn run(text: &str) -> Run {
    Run::new().add_text(text).size(22)
}

fn p(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text))
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text).bold())
}

fn table(header: &[&str], rows: Vec<Vec<String>>) -> Table {
    let cell = |t: &str, bold: bool| {
        TableCell::new().add_paragraph(Paragraph::new().add_run(if bold {
            run(t).bold()
        } else {
            run(t)
        }))
    };
    let mut out = vec![TableRow::new(
        header.iter().map(|h| cell(h, true)).collect(),
    )];
    for r in rows {
        out.push(TableRow::new(r.iter().map(|t| cell(t, false)).collect()));
    }
    Table::new(out)
}

fn docx(x: &Printed, letterhead: &super::letters::Letterhead) -> Result<Vec<u8>, ApiError> {
    let mut doc = letterhead_block(Docx::new(), letterhead);
    doc = doc
        .add_paragraph(
            Paragraph::new()
                .add_run(run("LAPORAN PENYELENGGARAAN KERJA SAMA DAERAH DENGAN PIHAK LUAR NEGERI").bold())
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&format!("{} TAHUN {}", x.region_name.to_uppercase(), x.year)).bold())
                .align(AlignmentType::Center),
        )
        .add_paragraph(p(""))
        .add_paragraph(p(&format!(
            "Disampaikan kepada Menteri Dalam Negeri c.q. Pusat Fasilitasi Kerja Sama pada tanggal {}{}.",
            x.submitted_on,
            match x.on_time {
                Some(true) => " (tepat waktu)",
                Some(false) => " (terlambat)",
                None => "",
            }
        )));
    doc = doc.add_paragraph(heading("I. Kerja Sama yang Berlaku"));
    if x.lines.is_empty() {
        doc = doc.add_paragraph(p("Tidak ada kerja sama yang berlaku pada tahun ini."));
    } else {
        let rows = x
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    (i + 1).to_string(),
                    l.reference.clone(),
                    l.title.clone(),
                    l.partners.clone(),
                    l.kind.to_owned(),
                    l.status.to_owned(),
                    l.activities.to_string(),
                ]
            })
            .collect();
        doc = doc.add_table(table(
            &[
                "No",
                "Nomor registrasi",
                "Judul",
                "Mitra",
                "Jenis",
                "Status",
                "Kegiatan",
            ],
            rows,
        ));
    }
    doc = doc
        .add_paragraph(p(""))
        .add_paragraph(heading("II. Pelaksanaan Kegiatan"))
        .add_paragraph(p(&format!("Jumlah kegiatan: {}", x.activities_total)));
    if !x.activities.is_empty() {
        let rows = x
            .activities
            .iter()
            .map(|(k, n)| vec![(*k).to_owned(), n.to_string()])
            .collect();
        doc = doc.add_table(table(&["Jenis kegiatan", "Jumlah"], rows));
    }
    doc = doc
        .add_paragraph(p(""))
        .add_paragraph(heading("III. Pendanaan"))
        .add_paragraph(p(&format!("Hibah/donasi diterima: {}", x.grants_received)))
        .add_paragraph(p(&format!("Hibah/donasi diberikan: {}", x.grants_given)))
        .add_paragraph(p(""))
        .add_paragraph(heading("IV. Hasil Evaluasi"))
        .add_paragraph(p(&format!(
            "Jumlah evaluasi: {} (terverifikasi: {})",
            x.evaluations_total, x.evaluations_verified
        )));
    for (category, n) in &x.categories {
        doc = doc.add_paragraph(p(&format!("Kategori {category}: {n}")));
    }
    doc = doc
        .add_paragraph(p(""))
        .add_paragraph(heading("V. Permasalahan dan Tindak Lanjut"));
    if x.issues.is_empty() {
        doc = doc.add_paragraph(p("Tidak ada permasalahan yang dicatat."));
    } else {
        let rows = x
            .issues
            .iter()
            .enumerate()
            .map(|(i, (issue, follow_up))| {
                vec![(i + 1).to_string(), issue.clone(), follow_up.clone()]
            })
            .collect();
        doc = doc.add_table(table(&["No", "Permasalahan", "Tindak lanjut"], rows));
    }
    if let Some(notes) = x.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        doc = doc
            .add_paragraph(p(""))
            .add_paragraph(p(&format!("Catatan: {notes}")));
    }
    let signatory = (
        letterhead.signatory_title.clone(),
        letterhead.signatory_name.clone(),
        letterhead.signatory_nip.clone(),
    );
    doc = signature_block(doc, &signatory);
    pack(doc)
}

fn idr_number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok()
}

fn xlsx(x: &Printed, v: &ReportView) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let idr = Format::new().set_num_format("\"Rp\" #,##0");
    let sheet = book.add_worksheet().set_name("Laporan")?;
    let title = format!(
        "Laporan Penyelenggaraan Kerja Sama Daerah dengan Pihak Luar Negeri — {} Tahun {}",
        x.region_name, x.year
    );
    sheet.write_string_with_format(0, 0, &title, &bold)?;
    sheet.write_string(1, 0, format!("Disampaikan: {}", x.submitted_on))?;
    let mut row = 3;
    sheet.write_string_with_format(row, 0, "I. Kerja sama yang berlaku", &bold)?;
    row += 1;
    let header = [
        "No",
        "Nomor registrasi",
        "Judul",
        "Mitra",
        "Jenis",
        "Status",
        "Kegiatan",
        "Tidak aktif",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *h, &bold)?;
    }
    for (i, l) in x.lines.iter().enumerate() {
        row += 1;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string(row, 1, &l.reference)?;
        sheet.write_string(row, 2, &l.title)?;
        sheet.write_string(row, 3, &l.partners)?;
        sheet.write_string(row, 4, l.kind)?;
        sheet.write_string(row, 5, l.status)?;
        sheet.write_number(row, 6, l.activities as f64)?;
        sheet.write_string(row, 7, if l.dormant { "Ya" } else { "Tidak" })?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, "II. Pelaksanaan kegiatan", &bold)?;
    row += 1;
    sheet.write_string(row, 1, "Jumlah kegiatan")?;
    sheet.write_number(row, 2, x.activities_total as f64)?;
    for (k, n) in &x.activities {
        row += 1;
        sheet.write_string(row, 1, *k)?;
        sheet.write_number(row, 2, *n as f64)?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, "III. Pendanaan (IDR)", &bold)?;
    for (label, amount) in [
        (
            "Hibah/donasi diterima",
            &v.content.activities.grants_received_idr,
        ),
        (
            "Hibah/donasi diberikan",
            &v.content.activities.grants_given_idr,
        ),
    ] {
        row += 1;
        sheet.write_string(row, 1, label)?;
        match idr_number(amount) {
            Some(n) => sheet.write_number_with_format(row, 2, n, &idr)?,
            None => sheet.write_string(row, 2, amount.as_str())?,
        };
        sheet.write_string(row, 3, rupiah(amount))?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, "IV. Hasil evaluasi", &bold)?;
    row += 1;
    sheet.write_string(row, 1, "Jumlah evaluasi")?;
    sheet.write_number(row, 2, x.evaluations_total as f64)?;
    row += 1;
    sheet.write_string(row, 1, "Terverifikasi")?;
    sheet.write_number(row, 2, x.evaluations_verified as f64)?;
    for (category, n) in &x.categories {
        row += 1;
        sheet.write_string(row, 1, format!("Kategori {category}"))?;
        sheet.write_number(row, 2, *n as f64)?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, "V. Permasalahan dan tindak lanjut", &bold)?;
    for (issue, follow_up) in &x.issues {
        row += 1;
        sheet.write_string(row, 1, issue)?;
        sheet.write_string(row, 3, follow_up)?;
    }
    finish(sheet, &[5.0, 22.0, 40.0, 36.0, 10.0, 16.0, 10.0, 10.0])?;
    book.save_to_buffer()
}

fn finish(sheet: &mut Worksheet, widths: &[f64]) -> Result<(), XlsxError> {
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// Renders a submitted report within `vis` (a draft: 409 `report_not_submitted`).
/// A stored rendering of a report `vis` sees; a rendering of another report is a 404.
pub fn rendering(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    report_id: &str,
    id: &str,
) -> Result<ReportDocument, ApiError> {
    let v = reports::get(c, ctx, vis, report_id)?;
    store::report_document(c, &v.report.id, id)?.or_not_found(RecordKind::Document, id)
}

pub fn prepare(
    c: &mut DbConnection,
    ctx: &Ctx,
    (read, write): (&Visibility, &Visibility),
    id: &str,
    format: ReportFormat,
) -> Result<Prepared, ApiError> {
    let v = reports::get(c, ctx, read, id)?;
    // A rendering is stored with the report: whoever only reads it may not add one.
    if !write.includes(Some(&v.report.region_code)) {
        return Err(ApiError::Forbidden);
    }
    may_render_report(v.report.status)?;
    let x = printed(c, &v)?;
    let region = reference::get_region(c, &v.report.region_code)?
        .or_not_found(RecordKind::Region, v.report.region_code.as_str())?;
    let letterhead =
        super::letters::get_letterhead(c, &Visibility::All, region.code.as_str())?.letterhead;
    let bytes = match format {
        ReportFormat::Docx => docx(&x, &letterhead)?,
        ReportFormat::Xlsx => {
            xlsx(&x, &v).map_err(|e| ApiError::internal(format!("writing XLSX: {e}")))?
        }
    };
    Ok(Prepared {
        name: format!(
            "Laporan kerja sama luar negeri {} {}.{}",
            x.region_name,
            x.year,
            format.as_str()
        ),
        bytes,
    })
}

/// Records a stored rendering of report `id` (still visible and submitted); audited
/// (`annual_report.rendered`).
pub fn record(
    c: &mut DbConnection,
    ctx: &Ctx,
    vis: &Visibility,
    id: &str,
    format: ReportFormat,
    file: StoredFile,
) -> Result<ReportDocument, ApiError> {
    let v = reports::get(c, ctx, vis, id)?;
    may_render_report(v.report.status)?;
    let d = ReportDocument {
        id: file.id,
        annual_report_id: v.report.id.clone(),
        format: format.as_str().into(),
        name: file.name,
        media_type: format.media_type().into(),
        size_bytes: file.size_bytes,
        sha256: file.sha256,
        storage_key: file.storage_key,
        created_by: ctx.actor.name.clone(),
        created_at: ctx.now(),
    };
    store::insert_report_document(c, &d)?;
    let after = json!({"document": {"id": d.id, "format": d.format, "sha256": d.sha256, "size_bytes": d.size_bytes}});
    ctx.audit_change(
        c,
        AuditAction::AnnualReportRendered,
        &v.report,
        super::changes(&json!({}), &after),
    )?;
    Ok(d)
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

fn state_label(s: ReportState) -> &'static str {
    match s {
        ReportState::SubmittedOnTime => "Disampaikan tepat waktu",
        ReportState::SubmittedLate => "Disampaikan terlambat",
        ReportState::Due => "Belum disampaikan",
        ReportState::Overdue => "Belum disampaikan, lewat batas waktu",
    }
}

/// The compliance view (R21, R22) as XLSX: one row per region expected to report.
pub fn compliance_xlsx(view: &ReportCompliance) -> Result<Vec<u8>, ApiError> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let date = Format::new().set_num_format("dd/mm/yyyy");
        let sheet = book.add_worksheet().set_name("Kepatuhan")?;
        sheet.write_string_with_format(
            0,
            0,
            format!(
                "Kepatuhan penyampaian laporan kerja sama luar negeri tahun {} (batas waktu {})",
                view.fiscal_year,
                indonesian_date(view.due_on)
            ),
            &bold,
        )?;
        let header = [
            "Kode",
            "Daerah",
            "Keadaan",
            "Status laporan",
            "Batas waktu",
            "Tanggal disampaikan",
        ];
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(2, c as u16, *h, &bold)?;
        }
        let mut row = 2;
        for r in &view.regions {
            row += 1;
            sheet.write_string(row, 0, &r.region_code)?;
            sheet.write_string(row, 1, r.region_name.as_deref().unwrap_or("-"))?;
            sheet.write_string(row, 2, state_label(r.state))?;
            sheet.write_string(
                row,
                3,
                match r.report_status.as_deref() {
                    Some("submitted") => "Disampaikan",
                    Some("draft") => "Konsep",
                    _ => "Belum dibuat",
                },
            )?;
            sheet.write_datetime_with_format(row, 4, excel_date(r.due_on)?, &date)?;
            match r.submitted_on {
                Some(d) => sheet.write_datetime_with_format(row, 5, excel_date(d)?, &date)?,
                None => sheet.write_string(row, 5, "-")?,
            };
        }
        row += 2;
        for (label, n) in [
            ("Tepat waktu", view.submitted_on_time),
            ("Terlambat", view.submitted_late),
            ("Belum disampaikan", view.missing),
            ("Lewat batas waktu", view.overdue),
        ] {
            sheet.write_string_with_format(row, 1, label, &bold)?;
            sheet.write_number(row, 2, n as f64)?;
            row += 1;
        }
        sheet.set_freeze_panes(3, 0)?;
        finish(sheet, &[8.0, 32.0, 34.0, 16.0, 14.0, 20.0])?;
        book.save_to_buffer()
    };
    build().map_err(|e| ApiError::internal(format!("writing XLSX: {e}")))
}
