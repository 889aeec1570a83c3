//! Files for people (#20 item 1): the options every export takes — the language of its headers,
//! labels and title (`lang`), names or codes (`labels`), the CSV delimiter (`delimiter`) — and
//! what they make of a CSV (UTF-8 with a BOM, every cell neutralised against formula injection)
//! and of an XLSX sheet (a title row saying what was exported and when, a frozen header with
//! filters, column widths, A4 landscape printing one page wide).
//!
//! Dates in a CSV are ISO 8601 (`2016-05-10`) in both languages: Excel and LibreOffice read that
//! form as a date whatever the locale, while `10/05/2016` is read as 5 October by a US-English
//! Excel and as text by others, and the import reads ISO back unambiguously (it also accepts
//! `dd/mm/yyyy`, which an Indonesian Excel writes when it saves the file again). An XLSX holds
//! real date cells, shown `dd/mm/yyyy` in Indonesian and `d mmm yyyy` in English.

use chrono::{Duration, NaiveDateTime};
use jalin_domain::{Lang, Text};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};
use serde::Deserialize;
use utoipa::ToSchema;

/// The language of an export's headers, labels and title. Default: `Accept-Language` when it
/// names Indonesian or English, else Indonesian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportLang {
    Id,
    En,
}

/// `labels` (default): headers and values as people read them, in the export's language;
/// `codes`: the field names and stable codes (`sister_province`), for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LabelMode {
    Labels,
    Codes,
}

/// The CSV delimiter: `semicolon` (default for labels in Indonesian, the list separator of an
/// Excel set to Indonesian) or `comma` (default in English and with `labels=codes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Delimiter {
    Semicolon,
    Comma,
}

/// The language `Accept-Language` asks for (Indonesian or English), Indonesian when it asks for
/// neither or is absent: the exports are read in Indonesian offices first.
pub fn lang_of(accept_language: Option<&str>) -> Lang {
    let names_one = accept_language.is_some_and(|h| {
        h.split(',').any(|part| {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            matches!(tag.split('-').next(), Some("id" | "in" | "en"))
        })
    });
    match names_one {
        true => crate::problem::lang_from_accept_language(accept_language),
        false => Lang::Id,
    }
}

/// How one export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub lang: Lang,
    /// Names people read (`true`) or codes.
    pub labels: bool,
    /// The CSV delimiter.
    pub delimiter: u8,
}

impl Layout {
    /// The layout the parameters ask for, with their defaults.
    pub fn of(
        lang: Option<ExportLang>,
        labels: Option<LabelMode>,
        delimiter: Option<Delimiter>,
        accept_language: Option<&str>,
    ) -> Self {
        let lang = match lang {
            Some(ExportLang::Id) => Lang::Id,
            Some(ExportLang::En) => Lang::En,
            None => lang_of(accept_language),
        };
        let labels = labels != Some(LabelMode::Codes);
        // Codes are for programs: commas unless asked otherwise.
        let delimiter = match (delimiter, labels, lang) {
            (Some(Delimiter::Semicolon), _, _) | (None, true, Lang::Id) => b';',
            (Some(Delimiter::Comma), _, _) | (None, false, _) | (None, true, Lang::En) => b',',
        };
        Layout {
            lang,
            labels,
            delimiter,
        }
    }

    /// Codes, commas, English: what programs read (and what the import compares).
    pub fn codes() -> Self {
        Layout {
            lang: Lang::En,
            labels: false,
            delimiter: b',',
        }
    }

    /// `text` in the export's language.
    pub fn say<'a>(&self, text: &'a Text) -> &'a str {
        text.get(self.lang)
    }

    /// A value: its label in the export's language, or its code.
    pub fn value(&self, code: &str, label: Text) -> String {
        match self.labels {
            true => label.get(self.lang).to_owned(),
            false => code.to_owned(),
        }
    }

    /// A column header: its name in the export's language, or the field name.
    pub fn header(&self, code: &str, en: &str, id: &str) -> String {
        self.value(code, Text::new(en, id))
    }

    /// A yes/no value: `Ya`/`Tidak`, `Yes`/`No`, or `true`/`false`.
    pub fn flag(&self, b: bool) -> String {
        let t = match b {
            true => Text::new("Yes", "Ya"),
            false => Text::new("No", "Tidak"),
        };
        self.value(&b.to_string(), t)
    }

    /// A decimal amount as text: with a decimal comma for people reading Indonesian.
    pub fn decimal(&self, amount: &str) -> String {
        match (self.labels, self.lang) {
            (true, Lang::Id) => amount.replace('.', ","),
            _ => amount.to_owned(),
        }
    }

    /// The XLSX format of a date cell.
    pub fn date_format(&self) -> Format {
        Format::new().set_num_format(match (self.labels, self.lang) {
            (false, _) => "yyyy-mm-dd",
            (true, Lang::Id) => "dd/mm/yyyy",
            (true, Lang::En) => "d mmm yyyy",
        })
    }
}

/// A CSV for people: a UTF-8 BOM (so that Excel reads the accents and dashes as UTF-8), the
/// layout's delimiter, the header, then the rows, every cell neutralised against formula
/// injection ([`csv_safe`](crate::csv_safe)).
pub fn csv(
    layout: &Layout,
    header: &[String],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(layout.delimiter)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    crate::csv_safe::write_record(&mut w, header)?;
    for row in rows {
        crate::csv_safe::write_record(&mut w, row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// When the file was made, in western Indonesian time (the one clock's `now`, UTC, plus 7 h).
pub fn stamp(layout: &Layout, now_utc: NaiveDateTime) -> String {
    let wib = now_utc + Duration::hours(7);
    match layout.lang {
        Lang::Id => format!("{} WIB", wib.format("%d/%m/%Y %H:%M")),
        Lang::En => format!("{} WIB", wib.format("%-d %b %Y %H:%M")),
    }
}

/// The title row's text: what, with which filter, exported when.
pub fn title(layout: &Layout, what: &Text, filter: &[String], now_utc: NaiveDateTime) -> String {
    let filter = match filter.is_empty() {
        true => layout.say(&Text::new("none", "tanpa filter")).to_owned(),
        false => filter.join(", "),
    };
    let (f, e) = match layout.lang {
        Lang::Id => ("Filter", "Diekspor"),
        Lang::En => ("Filter", "Exported"),
    };
    format!(
        "{} — {f}: {filter} — {e} {}",
        layout.say(what),
        stamp(layout, now_utc)
    )
}

/// The row of the column headers in a sheet (the title row is above it).
pub const HEADER_ROW: u32 = 1;
/// The first data row.
pub const FIRST_ROW: u32 = 2;

/// Sets up a sheet for people: the title row, the header row (bold, shaded, wrapped), frozen
/// below the header with filters over `rows` data rows, the column `widths`, and printing on A4
/// landscape one page wide with the header repeated on each page.
pub fn sheet(
    sheet: &mut Worksheet,
    title: &str,
    headers: &[String],
    widths: &[f64],
    rows: usize,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, title, &bold.clone().set_font_size(12))?;
    let head = bold
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_border(FormatBorder::Thin);
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, c as u16, h, &head)?;
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    let last_col = headers.len().saturating_sub(1) as u16;
    sheet.set_freeze_panes(FIRST_ROW, 0)?;
    sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + rows as u32, last_col)?;
    sheet.set_landscape();
    // 9: A4 (the paper sizes of the spreadsheet format).
    sheet.set_paper_size(9);
    // One page wide, as many pages tall as it takes.
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    sheet.set_footer("&P / &N");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_defaults_to_indonesian_unless_asked_for_english() {
        assert_eq!(lang_of(None), Lang::Id);
        assert_eq!(lang_of(Some("fr-FR, de;q=0.5")), Lang::Id);
        assert_eq!(lang_of(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(lang_of(Some("id-ID")), Lang::Id);
        assert_eq!(lang_of(Some("en;q=0.4, id;q=0.8")), Lang::Id);
    }

    #[test]
    fn indonesian_is_semicolon_separated_and_english_comma_separated() {
        assert_eq!(
            Layout::of(Some(ExportLang::Id), None, None, None).delimiter,
            b';'
        );
        assert_eq!(
            Layout::of(Some(ExportLang::En), None, None, None).delimiter,
            b','
        );
        let l = Layout::of(None, Some(LabelMode::Codes), None, Some("id"));
        assert_eq!((l.lang, l.labels, l.delimiter), (Lang::Id, false, b','));
        let l = Layout::of(
            None,
            Some(LabelMode::Codes),
            Some(Delimiter::Semicolon),
            None,
        );
        assert_eq!(l.delimiter, b';');
    }

    #[test]
    fn a_csv_starts_with_a_bom_and_neutralises_cells() {
        let l = Layout::of(Some(ExportLang::Id), None, None, None);
        let out = csv(
            &l,
            &["A".into(), "B".into()],
            [vec!["=1+1".into(), "x;y".into()]],
        )
        .unwrap();
        assert_eq!(out, "\u{feff}A;B\n'=1+1;\"x;y\"\n".as_bytes());
        assert_eq!(l.decimal("150000.5"), "150000,5");
        assert_eq!(l.flag(true), "Ya");
    }
}
