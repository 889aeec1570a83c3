//! Official letters (*tata naskah dinas*, issue #20 item 3) and the annual report as a document
//! (item 4): which letters exist, when the records allow each, the templates an administrator
//! replaces (plain text with `{{field}}` placeholders from a documented set — no code, no
//! markup), and the Indonesian forms of dates and rupiah amounts they print.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::case::{Case, CaseStatus, StageStatus};
use crate::code::code_enum;
use crate::monitoring::annual_report::ReportStatus;
use crate::rules::RuleId;
use crate::travel::TravelStage;
use crate::violation::{Refusal, Verdict, Violation};
use crate::workflow::StageKey;

code_enum! {
    /// The letters jalin writes from the records.
    LetterKind {
        /// Request for consultation to Kemendagri before the LoI (PP 28/2018 art. 28(4)).
        ConsultationKemendagri => "consultation_kemendagri",
        /// Request for consultation to Kemlu before the LoI (art. 28(4); UU 24/2000 art. 5).
        ConsultationKemlu => "consultation_kemlu",
        /// Request for DPRD approval of the cooperation plan (art. 30(1)).
        DprdApproval => "dprd_approval",
        /// Submission of the DPRD-approved plan to Kemendagri for consideration (art. 31).
        MinisterialConsideration => "ministerial_consideration",
        /// Request for the Kemendagri permit of an official trip abroad (PDLN).
        PdlnPermit => "pdln_permit",
    }
}

code_enum! {
    /// *Sifat* of a letter.
    Classification {
        Biasa => "biasa",
        Penting => "penting",
        Segera => "segera",
        Rahasia => "rahasia",
    }
}

impl Classification {
    /// As printed: "Biasa", "Penting", "Segera", "Rahasia".
    pub fn label(self) -> &'static str {
        match self {
            Self::Biasa => "Biasa",
            Self::Penting => "Penting",
            Self::Segera => "Segera",
            Self::Rahasia => "Rahasia",
        }
    }
}

/// A letter's replaceable text: subject (*hal*), addressee (*yth.*, one line per line) and body
/// (paragraphs separated by an empty line), each with `{{field}}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LetterTemplate {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Permohonan Konsultasi Rencana Kerja Sama dengan {{partner_names}}")
    )]
    pub subject: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Menteri Dalam Negeri Republik Indonesia\nc.q. Sekretaris Jenderal\ndi Jakarta"
        )
    )]
    pub addressee: String,
    pub body: String,
}

/// The fields a template may use, with what each holds.
pub const FIELDS: &[(&str, &str)] = &[
    ("region_name", "the region's name (Provinsi Jawa Tengah)"),
    (
        "government_name",
        "the letterhead's government (PEMERINTAH PROVINSI JAWA TENGAH)",
    ),
    ("head_title", "the signatory's title (Gubernur Jawa Tengah)"),
    ("place", "where the letter is written (Semarang)"),
    ("date", "the letter's date in Indonesian (1 Desember 2026)"),
    ("number", "the letter's number"),
    (
        "reference_number",
        "the agreement's reference (KSLN-33-2026-0001)",
    ),
    ("agreement_title", "the agreement's Indonesian title"),
    ("partner_names", "the partners' names, joined with \"dan\""),
    ("partner_countries", "the partners' countries"),
    ("kind_label", "KSDPL or KSDLL in words"),
    ("objects", "the cooperation objects in Indonesian"),
    ("plan_subject", "the cooperation plan's subject"),
    (
        "plan_period",
        "the cooperation plan's implementation period",
    ),
    ("plan_financing", "the cooperation plan's financing source"),
    ("dprd_letter_number", "DPRD's approval letter number"),
    (
        "dprd_letter_date",
        "DPRD's approval letter date in Indonesian",
    ),
    ("travel_purpose", "the trip's purpose"),
    ("destinations", "the trip's destinations (city, country)"),
    ("departs_on", "departure date in Indonesian"),
    ("returns_on", "return date in Indonesian"),
    ("travellers", "the travellers' names and positions"),
    ("traveller_count", "the number of travellers"),
    ("funding", "the trip's funding source"),
];

/// Every `{{name}}` in `text`, in order.
fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push(after[..end].trim());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

/// A template is accepted when each part is present and bounded and names only documented
/// fields (an unknown `{{name}}` is a 422 pointing at the part).
pub fn check_template(t: &LetterTemplate) -> Verdict<()> {
    let mut out = Vec::new();
    for (pointer, text, max) in [
        ("/subject", &t.subject, 500),
        ("/addressee", &t.addressee, 1000),
        ("/body", &t.body, 20_000),
    ] {
        if text.trim().is_empty() {
            out.push(Violation::invalid(
                "required",
                pointer,
                "must not be empty",
                "tidak boleh kosong",
            ));
        } else if text.chars().count() > max {
            out.push(Violation::invalid(
                "too_long",
                pointer,
                format!("at most {max} characters"),
                format!("paling banyak {max} karakter"),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            out.push(Violation::invalid(
                "invalid_text",
                pointer,
                "control characters are not allowed",
                "karakter kendali tidak diperbolehkan",
            ));
        }
        for name in placeholders(text) {
            if !FIELDS.iter().any(|(f, _)| *f == name) {
                out.push(Violation::invalid(
                    "unknown_field",
                    pointer,
                    format!("`{{{{{name}}}}}` is not a template field (see FIELDS)"),
                    format!("`{{{{{name}}}}}` bukan kolom templat"),
                ));
            }
        }
    }
    crate::violation::verdict(out)
}

/// `text` with every `{{name}}` replaced by its value (an absent value prints as "-"). Values
/// are inserted as text, never read as placeholders again.
pub fn fill(text: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match values.get(name) {
                    Some(v) if !v.is_empty() => out.push_str(v),
                    _ => out.push('-'),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// A date as Indonesian letters write it: `1 Desember 2026`.
pub fn indonesian_date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// An exact rupiah amount as Indonesian documents write it: `Rp 20.800.000.000` (decimal
/// comma for a fraction: `Rp 1.234,50`). Text that is not a number is returned as it is.
pub fn rupiah(amount: &str) -> String {
    let (negative, digits) = match amount.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, amount),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return amount.to_owned();
    }
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let fraction = fraction.trim_end_matches('0');
    let sign = if negative { "-" } else { "" };
    match fraction.is_empty() {
        true => format!("Rp {sign}{grouped}"),
        false => format!("Rp {sign}{grouped},{fraction}"),
    }
}

fn too_early(rule: RuleId, en: &str, id: &str) -> Violation {
    Violation {
        refusal: Refusal::Conflict,
        ..Violation::rule(rule, "/kind", en, id)
    }
}

/// Whether the case allows the agreement letter `kind` now. The letters follow the PP 28/2018
/// path: the consultation requests once the exploration is reported (art. 28(4), **R7**), the
/// DPRD request once the cooperation plan is recorded (art. 30(1), **R9**), the submission to
/// Kemendagri once DPRD approved the plan (art. 31, **R11**). A letter of a stage the case's
/// path does not have (an implementing arrangement's shorter path goes to no DPRD) is refused.
pub fn may_write(kind: LetterKind, case: Option<&Case>) -> Verdict<()> {
    let Some(case) = case else {
        return Err(vec![Violation::conflict(
            "workflow_not_started",
            "the agreement's approval case has not been started: letters follow its stages",
            "kasus persetujuan perjanjian belum dimulai: surat mengikuti tahapannya",
        )]);
    };
    if case.status != CaseStatus::Running {
        return Err(vec![Violation::conflict(
            "case_closed",
            "the approval case is closed: no further letters are written for it",
            "kasus persetujuan sudah selesai: tidak ada surat lagi untuknya",
        )]);
    }
    let done = |key: StageKey| {
        case.stage(key)
            .is_some_and(|s| s.status == StageStatus::Completed)
    };
    let needs = |key: StageKey| -> Verdict<()> {
        match case.stage(key) {
            Some(_) => Ok(()),
            None => Err(vec![Violation::conflict(
                "letter_not_applicable",
                "this case's path has no such stage, so no such letter",
                "jalur kasus ini tidak memiliki tahap tersebut, sehingga tidak ada surat itu",
            )]),
        }
    };
    match kind {
        LetterKind::ConsultationKemendagri | LetterKind::ConsultationKemlu => {
            needs(StageKey::CentralConsultation)?;
            if !done(StageKey::Exploration) {
                return Err(vec![too_early(
                    RuleId::R7,
                    "the consultation with Kemendagri and Kemlu follows the exploration: record the exploration report first (PP 28/2018 art. 28(3)-(4))",
                    "konsultasi dengan Kemendagri dan Kemlu dilakukan setelah penjajakan: catat laporan penjajakan terlebih dahulu (PP 28/2018 pasal 28 ayat (3)-(4))",
                )]);
            }
            Ok(())
        }
        LetterKind::DprdApproval => {
            needs(StageKey::DprdApproval)?;
            if !done(StageKey::CooperationPlan) {
                return Err(vec![too_early(
                    RuleId::R9,
                    "DPRD is asked to approve the cooperation plan: record the plan first (PP 28/2018 art. 30(1))",
                    "DPRD dimintai persetujuan atas rencana kerja sama: catat rencana kerja sama terlebih dahulu (PP 28/2018 pasal 30 ayat (1))",
                )]);
            }
            Ok(())
        }
        LetterKind::MinisterialConsideration => {
            needs(StageKey::MinisterialConsideration)?;
            if !done(StageKey::DprdApproval) {
                return Err(vec![too_early(
                    RuleId::R11,
                    "only a DPRD-approved plan goes to Kemendagri for consideration (PP 28/2018 art. 31)",
                    "hanya rencana kerja sama yang telah disetujui DPRD yang disampaikan kepada Kemendagri untuk pertimbangan (PP 28/2018 pasal 31)",
                )]);
            }
            Ok(())
        }
        LetterKind::PdlnPermit => Err(vec![Violation::invalid(
            "invalid_value",
            "/kind",
            "the PDLN permit request is a letter of a travel request",
            "permohonan izin PDLN adalah surat permohonan perjalanan dinas",
        )]),
    }
}

/// Whether a travel request at `stage` may have its permit request letter written: once it is
/// submitted (its documents and lead time checked) and until the permits are decided.
pub fn may_write_permit_request(stage: TravelStage) -> Verdict<()> {
    match stage {
        TravelStage::Submitted
        | TravelStage::KemendagriPermit
        | TravelStage::PresidentialPermit
        | TravelStage::ExitPermit => Ok(()),
        TravelStage::Draft => Err(vec![Violation::conflict(
            "travel_not_submitted",
            "submit the travel request first: the permit request letter is written for a request whose documents and lead time were checked",
            "ajukan permohonan perjalanan terlebih dahulu: surat permohonan izin ditulis untuk permohonan yang dokumen dan tenggat waktunya sudah diperiksa",
        )]),
        _ => Err(vec![Violation::conflict(
            "travel_stage",
            "the permits of this travel request are decided or the request is closed",
            "izin permohonan perjalanan ini sudah diputuskan atau permohonan sudah ditutup",
        )]),
    }
}

/// Only a submitted (frozen) annual report is rendered as the document sent to Kemendagri
/// (R21, R22): a draft's content still changes.
pub fn may_render_report(status: ReportStatus) -> Verdict<()> {
    match status {
        ReportStatus::Submitted => Ok(()),
        _ => Err(vec![Violation::conflict(
            "report_not_submitted",
            "only a submitted annual report, whose content is frozen, is rendered as a document",
            "hanya laporan tahunan yang telah disampaikan, yang isinya sudah dibekukan, yang dapat dibuat dokumennya",
        )]),
    }
}

/// The templates shipped with jalin (version 0 of each kind): an administrator replaces them.
pub fn default_template(kind: LetterKind) -> LetterTemplate {
    let t = |subject: &str, addressee: &str, body: &str| LetterTemplate {
        subject: subject.into(),
        addressee: addressee.into(),
        body: body.into(),
    };
    match kind {
        LetterKind::ConsultationKemendagri => t(
            "Permohonan Konsultasi Rencana Kerja Sama dengan {{partner_names}}",
            "Menteri Dalam Negeri Republik Indonesia\nc.q. Kepala Pusat Fasilitasi Kerja Sama\ndi Jakarta",
            "Dalam rangka penyelenggaraan kerja sama daerah dengan pihak luar negeri sebagaimana diatur dalam Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerja Sama Daerah, {{government_name}} telah melaksanakan penjajakan kerja sama ({{kind_label}}) dengan {{partner_names}} ({{partner_countries}}) dengan judul \"{{agreement_title}}\" (nomor registrasi {{reference_number}}).\n\nSesuai dengan ketentuan Pasal 28 ayat (4) Peraturan Pemerintah Nomor 28 Tahun 2018, sebelum penandatanganan surat pernyataan kehendak kerja sama, bersama ini kami mohon konsultasi kepada Kementerian Dalam Negeri atas rencana kerja sama tersebut, dengan objek kerja sama: {{objects}}.\n\nDemikian kami sampaikan, atas perhatian dan kerja sama Bapak/Ibu diucapkan terima kasih.",
        ),
        LetterKind::ConsultationKemlu => t(
            "Permohonan Konsultasi Rencana Kerja Sama dengan {{partner_names}}",
            "Menteri Luar Negeri Republik Indonesia\nc.q. Direktur Jenderal Hukum dan Perjanjian Internasional\ndi Jakarta",
            "Dalam rangka penyelenggaraan kerja sama daerah dengan pihak luar negeri sebagaimana diatur dalam Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerja Sama Daerah dan Undang-Undang Nomor 24 Tahun 2000 tentang Perjanjian Internasional, {{government_name}} telah melaksanakan penjajakan kerja sama ({{kind_label}}) dengan {{partner_names}} ({{partner_countries}}) dengan judul \"{{agreement_title}}\" (nomor registrasi {{reference_number}}).\n\nSesuai dengan ketentuan Pasal 28 ayat (4) Peraturan Pemerintah Nomor 28 Tahun 2018, bersama ini kami mohon konsultasi kepada Kementerian Luar Negeri atas rencana kerja sama tersebut, dengan objek kerja sama: {{objects}}.\n\nDemikian kami sampaikan, atas perhatian dan kerja sama Bapak/Ibu diucapkan terima kasih.",
        ),
        LetterKind::DprdApproval => t(
            "Permohonan Persetujuan DPRD atas Rencana Kerja Sama dengan {{partner_names}}",
            "Ketua Dewan Perwakilan Rakyat Daerah {{region_name}}\ndi {{place}}",
            "Sesuai dengan ketentuan Pasal 30 ayat (1) Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerja Sama Daerah, kerja sama daerah dengan pihak luar negeri wajib mendapat persetujuan Dewan Perwakilan Rakyat Daerah.\n\nBerkenaan dengan hal tersebut, bersama ini kami sampaikan rencana kerja sama {{government_name}} dengan {{partner_names}} ({{partner_countries}}) tentang \"{{plan_subject}}\" (nomor registrasi {{reference_number}}), dengan sumber pembiayaan {{plan_financing}} dan jangka waktu pelaksanaan {{plan_period}}, untuk mendapat persetujuan Dewan Perwakilan Rakyat Daerah dalam jangka waktu 45 (empat puluh lima) hari kerja sejak diterimanya surat ini (Pasal 30 ayat (4)).\n\nDemikian kami sampaikan, atas perhatian dan persetujuannya diucapkan terima kasih.",
        ),
        LetterKind::MinisterialConsideration => t(
            "Penyampaian Rencana Kerja Sama dengan {{partner_names}} untuk Mendapat Pertimbangan",
            "Menteri Dalam Negeri Republik Indonesia\nc.q. Kepala Pusat Fasilitasi Kerja Sama\ndi Jakarta",
            "Menindaklanjuti persetujuan Dewan Perwakilan Rakyat Daerah {{region_name}} Nomor {{dprd_letter_number}} tanggal {{dprd_letter_date}}, bersama ini kami sampaikan rencana kerja sama {{government_name}} dengan {{partner_names}} ({{partner_countries}}) tentang \"{{plan_subject}}\" (nomor registrasi {{reference_number}}).\n\nSesuai dengan ketentuan Pasal 31 Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerja Sama Daerah, kami mohon pertimbangan Menteri Dalam Negeri atas rencana kerja sama tersebut.\n\nDemikian kami sampaikan, atas perhatian dan kerja sama Bapak/Ibu diucapkan terima kasih.",
        ),
        LetterKind::PdlnPermit => t(
            "Permohonan Izin Perjalanan Dinas ke Luar Negeri",
            "Menteri Dalam Negeri Republik Indonesia\nc.q. Sekretaris Jenderal\nu.p. Kepala Biro Administrasi Pimpinan\ndi Jakarta",
            "Dalam rangka {{travel_purpose}}, bersama ini kami mohon izin perjalanan dinas ke luar negeri ke {{destinations}} pada tanggal {{departs_on}} sampai dengan {{returns_on}} bagi {{traveller_count}} orang sebagai berikut: {{travellers}}.\n\nBiaya perjalanan dinas dibebankan pada {{funding}}. Sebagai bahan pertimbangan, bersama ini kami lampirkan dokumen persyaratan sebagaimana diatur dalam Peraturan Menteri Dalam Negeri Nomor 59 Tahun 2019.\n\nDemikian kami sampaikan, atas perhatian dan perkenan Bapak/Ibu diucapkan terima kasih.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow;

    #[test]
    fn dates_and_amounts_print_the_indonesian_way() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(indonesian_date(d), "1 Desember 2026");
        assert_eq!(rupiah("20800000000"), "Rp 20.800.000.000");
        assert_eq!(rupiah("1234.50"), "Rp 1.234,5");
        assert_eq!(rupiah("0"), "Rp 0");
        assert_eq!(rupiah("abc"), "abc");
    }

    #[test]
    fn templates_name_only_documented_fields_and_fill_them_as_text() {
        let mut t = default_template(LetterKind::DprdApproval);
        assert_eq!(check_template(&t), Ok(()));
        t.body.push_str(" {{std::process::exit}}");
        let v = check_template(&t).unwrap_err();
        assert_eq!(v[0].code, "unknown_field");
        assert_eq!(v[0].pointer, "/body");
        let values = BTreeMap::from([("partner_names", "{{number}} <Queensland>".to_owned())]);
        assert_eq!(
            fill("Hal {{partner_names}} {{number}}", &values),
            "Hal {{number}} <Queensland> -"
        );
        for k in LetterKind::ALL {
            assert_eq!(
                check_template(&default_template(k)),
                Ok(()),
                "{}",
                k.as_str()
            );
        }
    }

    #[test]
    fn a_dprd_letter_waits_for_the_cooperation_plan_r9() {
        let def = workflow::latest("ksdpl").unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 8, 3).unwrap();
        let case = Case::start(&def, today);
        let v = may_write(LetterKind::DprdApproval, Some(&case)).unwrap_err();
        assert_eq!(v[0].rule, Some(RuleId::R9));
        assert_eq!(v[0].refusal, Refusal::Conflict);
        let v = may_write(LetterKind::ConsultationKemendagri, Some(&case)).unwrap_err();
        assert_eq!(v[0].rule, Some(RuleId::R7));
        let v = may_write(LetterKind::MinisterialConsideration, Some(&case)).unwrap_err();
        assert_eq!(v[0].rule, Some(RuleId::R11));
        assert_eq!(
            may_write(LetterKind::DprdApproval, None).unwrap_err()[0].code,
            "workflow_not_started"
        );
    }

    #[test]
    fn a_permit_request_letter_needs_a_submitted_request_and_a_report_document_a_submitted_report()
    {
        assert!(may_write_permit_request(TravelStage::Draft).is_err());
        assert!(may_write_permit_request(TravelStage::Submitted).is_ok());
        assert!(may_write_permit_request(TravelStage::Closed).is_err());
        assert!(may_render_report(ReportStatus::Draft).is_err());
        assert!(may_render_report(ReportStatus::Submitted).is_ok());
    }
}
