//! CSV injection (#18 item 5): every CSV the product writes passes its cells through
//! [`neutralise`], so a spreadsheet opening it never runs a formula someone typed into a record.
//!
//! OWASP (CSV Injection): a cell starting with `=`, `+`, `-`, `@`, TAB or CR is prefixed with a
//! single quote `'`, which spreadsheets read as "text follows" (and show without the quote in
//! the cell's value). Fullwidth `＝ ＋ － ＠`, which some spreadsheets also read as formula
//! starts, are treated alike. Everything else is written as is.
//!
//! A cell that is a plain number (`-12`, `-3.5`, `+7`) is kept: it cannot hold a formula, and
//! values the product computes (days until expiry, negative for an expired agreement) stay
//! numbers for whoever sums them.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula when they come first.
const TRIGGERS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// `cell`, safe to open in a spreadsheet: prefixed with `'` when it would start a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(first) if TRIGGERS.contains(&first) && !is_plain_number(cell) => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// A decimal number with an optional sign (`-12`, `+3.50`): no formula can hide in it.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes one record with every cell neutralised.
pub fn write_record<W: std::io::Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    let cells: Vec<String> = cells
        .into_iter()
        .map(|c| neutralise(c.as_ref()).into_owned())
        .collect();
    w.write_record(&cells)
}

/// Undoes [`neutralise`] on a cell read back (the import reads the export): a `'` before a
/// formula start is dropped, so an exported title imports as it was typed.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(TRIGGERS) && !is_plain_number(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_prefixed_with_a_quote() {
        for cell in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(1,2)",
            "\t=1",
            "\r=1",
            "＝1+1",
            "-",
            "-1e3",
            "--1",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn other_text_and_plain_numbers_are_kept() {
        for cell in [
            "",
            "Kerja sama Jateng–Queensland",
            "a=b",
            " =1",
            "'=already",
            "-12",
            "+7",
            "-3.50",
            "2029-08-05",
            "150000000.00",
        ] {
            assert_eq!(neutralise(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn restore_undoes_neutralise_and_nothing_else() {
        for cell in ["=1+1", "-x", "@a", "plain", "-12", "'quoted", "'-12"] {
            assert_eq!(restore(&neutralise(cell)), cell, "{cell:?}");
        }
    }

    #[test]
    fn records_are_written_neutralised() {
        let mut w = csv::Writer::from_writer(Vec::new());
        write_record(&mut w, ["=1+1", "ok", "-5"]).unwrap();
        let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(out, "'=1+1,ok,-5\n");
    }
}
