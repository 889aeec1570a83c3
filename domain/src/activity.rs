//! Implementation activities: what kind each is, when it happened, the money it
//! moved — exact decimals, with the rate that gives its rupiah equivalent (seed 000: AUD
//! 2,000,000 at Rp 10,400) — and what of its own agreement it cites: documents as evidence,
//! planned items and success indicators of the action plan (seed 000 §D.5).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::code::code_enum;
use crate::money::{idr_equivalent, parse_amount, parse_decimal};
use crate::violation::{Verdict, Violation};

code_enum! {
    /// What an activity was.
    ActivityKind {
        OutgoingVisit => "outgoing_visit",
        /// *Penerimaan delegasi*.
        IncomingDelegation => "incoming_delegation",
        JointWorkingGroup => "joint_working_group",
        ExchangeProgramme => "exchange_programme",
        Training => "training",
        GrantReceived => "grant_received",
        GrantGiven => "grant_given",
        PromotionEvent => "promotion_event",
        Other => "other",
    }
}

/// Money as written: decimal texts, a currency, and for a foreign currency the rate used.
#[derive(Debug, Clone, Copy)]
pub struct MoneyDraft<'a> {
    pub amount: &'a str,
    pub currency: &'a str,
    /// Rupiah per unit.
    pub exchange_rate: Option<&'a str>,
    pub rate_date: Option<NaiveDate>,
    pub rate_source: Option<&'a str>,
}

/// Money as recorded: exact, with what it is worth in rupiah.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub amount: Decimal,
    pub exchange_rate: Decimal,
    pub idr_equivalent: Decimal,
}

/// An activity as written.
#[derive(Debug, Clone)]
pub struct ActivityDraft<'a> {
    pub kind: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub money: Option<MoneyDraft<'a>>,
    /// Document ids cited as evidence.
    pub documents: &'a [String],
    /// Keys of planned items carried out.
    pub plan_items: &'a [String],
    /// Contributions to success indicators: key and decimal value.
    pub indicators: &'a [(String, String)],
}

/// What the activity's agreement offers to cite: its documents, and its action plan's planned
/// items and success indicators.
#[derive(Debug, Clone, Copy)]
pub struct Citable<'a> {
    pub documents: &'a BTreeSet<String>,
    pub plan_items: &'a BTreeSet<String>,
    pub indicators: &'a BTreeSet<String>,
}

/// An activity that holds: its kind and its money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedActivity {
    pub kind: ActivityKind,
    pub money: Option<Converted>,
}

/// Checks an activity: it cites only its own agreement's documents and action-plan keys, each
/// once, with non-negative contributions; its kind is known; it does not end before it starts;
/// its money holds. Every violation, the citations' first.
pub fn check_activity(d: &ActivityDraft<'_>, citable: Citable<'_>) -> Verdict<CheckedActivity> {
    let mut out = check_citations(d, citable);
    let kind = ActivityKind::parse(d.kind);
    if kind.is_none() {
        let all: Vec<&str> = ActivityKind::ALL.iter().map(|k| k.as_str()).collect();
        out.push(Violation::invalid(
            "invalid_value",
            "/kind",
            format!("one of {}", all.join(", ")),
            format!("salah satu dari {}", all.join(", ")),
        ));
    }
    if d.ends_on.is_some_and(|e| e < d.starts_on) {
        out.push(Violation::invalid(
            "before_start",
            "/ends_on",
            "the end is before the start",
            "tanggal selesai sebelum tanggal mulai",
        ));
    }
    let money = match d.money.as_ref().map(check_money).transpose() {
        Ok(m) => m,
        Err(v) => {
            out.extend(v);
            None
        }
    };
    match kind {
        Some(kind) if out.is_empty() => Ok(CheckedActivity { kind, money }),
        _ => Err(out),
    }
}

/// `items[i]` is cited twice when it appeared before.
fn repeated<T: PartialEq>(items: &[T], i: usize) -> bool {
    items[..i].contains(&items[i])
}

fn check_citations(d: &ActivityDraft<'_>, citable: Citable<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for (i, doc) in d.documents.iter().enumerate() {
        let known = citable.documents.contains(doc);
        if !known || repeated(d.documents, i) {
            out.push(Violation::invalid(
                if known {
                    "duplicate"
                } else {
                    "unknown_document"
                },
                format!("/documents/{i}"),
                "not a document of this agreement, or listed twice",
                "bukan dokumen kerja sama ini, atau tercantum dua kali",
            ));
        }
    }
    for (i, key) in d.plan_items.iter().enumerate() {
        if !citable.plan_items.contains(key) || repeated(d.plan_items, i) {
            out.push(Violation::invalid(
                "unknown_plan_item",
                format!("/plan_items/{i}"),
                "not a planned item of this agreement's action plan, or listed twice",
                "bukan butir rencana aksi kerja sama ini, atau tercantum dua kali",
            ));
        }
    }
    let keys: Vec<&String> = d.indicators.iter().map(|(k, _)| k).collect();
    for (i, (key, value)) in d.indicators.iter().enumerate() {
        if !citable.indicators.contains(key) || repeated(&keys, i) {
            out.push(Violation::invalid(
                "unknown_indicator",
                format!("/indicators/{i}/key"),
                "not a success indicator of this agreement's action plan, or listed twice",
                "bukan indikator keberhasilan rencana aksi ini, atau tercantum dua kali",
            ));
        }
        // Exactly the contract's pattern: `1e5`, `+5`, `.5` are refused.
        if parse_amount(value).is_none_or(|v| v.is_sign_negative()) {
            out.push(Violation::invalid(
                "invalid_decimal",
                format!("/indicators/{i}/value"),
                "a non-negative decimal",
                "angka desimal tidak negatif",
            ));
        }
    }
    out
}

/// Checks money and converts it: a non-negative amount; a foreign currency needs its rate, the
/// rate's date and its source; IDR has rate 1.
pub fn check_money(m: &MoneyDraft<'_>) -> Verdict<Converted> {
    let mut out = Vec::new();
    // Exactly the contract's patterns: `1e5`, `+5`, `.5`, ` 5` are refused.
    let amount = match parse_amount(m.amount) {
        Some(a) if a.is_sign_negative() => {
            out.push(Violation::invalid(
                "negative",
                "/money/amount",
                "the amount cannot be negative",
                "jumlah tidak boleh negatif",
            ));
            None
        }
        Some(a) => Some(a),
        None => {
            out.push(Violation::invalid(
                "invalid_decimal",
                "/money/amount",
                "a decimal amount",
                "angka desimal",
            ));
            None
        }
    };
    let foreign = m.currency != "IDR";
    let rate = match m.exchange_rate {
        None if !foreign => Some(Decimal::ONE),
        None => {
            out.push(Violation::invalid(
                "required",
                "/money/exchange_rate",
                "a foreign amount needs its exchange rate, rate date and source",
                "jumlah valuta asing memerlukan kurs, tanggal dan sumbernya",
            ));
            None
        }
        Some(r) => {
            let rate = parse_decimal(r, 12, 6);
            if rate.is_none() {
                out.push(Violation::invalid(
                    "invalid_decimal",
                    "/money/exchange_rate",
                    "a decimal rate",
                    "kurs desimal",
                ));
            }
            rate
        }
    };
    let unsourced = m.rate_source.is_none_or(|s| s.trim().is_empty());
    if foreign && (m.rate_date.is_none() || unsourced) {
        out.push(Violation::invalid(
            "required",
            "/money/rate_date",
            "give the rate's date and source",
            "isi tanggal dan sumber kurs",
        ));
    }
    let (Some(amount), Some(rate)) = (amount, rate) else {
        return Err(out);
    };
    match idr_equivalent(amount, m.currency, rate) {
        Ok(idr) if out.is_empty() => Ok(Converted {
            amount: amount.normalize(),
            exchange_rate: rate.normalize(),
            idr_equivalent: idr,
        }),
        Ok(_) => Err(out),
        Err(e) => {
            out.push(e.violation("/money"));
            Err(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn aud<'a>(amount: &'a str, rate: Option<&'a str>) -> MoneyDraft<'a> {
        MoneyDraft {
            amount,
            currency: "AUD",
            exchange_rate: rate,
            rate_date: Some(day("2022-03-04")),
            rate_source: Some("kurs tengah BI"),
        }
    }

    fn codes(v: &[Violation]) -> Vec<(&str, &str)> {
        v.iter()
            .map(|v| (v.pointer.as_ref(), v.code.as_ref()))
            .collect()
    }

    fn nothing() -> BTreeSet<String> {
        BTreeSet::new()
    }

    fn draft<'a>(kind: &'a str, money: Option<MoneyDraft<'a>>) -> ActivityDraft<'a> {
        ActivityDraft {
            kind,
            starts_on: day("2022-03-04"),
            ends_on: None,
            money,
            documents: &[],
            plan_items: &[],
            indicators: &[],
        }
    }

    fn check(d: &ActivityDraft<'_>) -> Verdict<CheckedActivity> {
        let none = nothing();
        check_activity(
            d,
            Citable {
                documents: &none,
                plan_items: &none,
                indicators: &none,
            },
        )
    }

    /// Seed 000: Queensland's AUD 2,000,000 at Rp 10,400 is Rp 20,800,000,000, recorded exactly.
    #[test]
    fn the_queensland_donation_is_recorded_with_its_exact_idr_value() {
        let a = check(&draft(
            "grant_received",
            Some(aud("2000000.00", Some("10400.0"))),
        ))
        .unwrap();
        assert_eq!(a.kind, ActivityKind::GrantReceived);
        let m = a.money.unwrap();
        assert_eq!(m.amount.to_string(), "2000000");
        assert_eq!(m.exchange_rate.to_string(), "10400");
        assert_eq!(m.idr_equivalent.to_string(), "20800000000");
    }

    #[test]
    fn a_rupiah_amount_needs_no_rate() {
        let idr = MoneyDraft {
            amount: "150000000.50",
            currency: "IDR",
            exchange_rate: None,
            rate_date: None,
            rate_source: None,
        };
        let m = check_money(&idr).unwrap();
        assert_eq!(m.exchange_rate, Decimal::ONE);
        assert_eq!(m.idr_equivalent.to_string(), "150000000.5");
    }

    #[test]
    fn a_foreign_amount_without_its_rate_date_and_source_is_refused() {
        let no_rate = check_money(&aud("500", None)).unwrap_err();
        assert_eq!(codes(&no_rate), [("/money/exchange_rate", "required")]);
        let unsourced = MoneyDraft {
            rate_source: Some("  "),
            ..aud("500", Some("15000"))
        };
        assert_eq!(
            codes(&check_money(&unsourced).unwrap_err()),
            [("/money/rate_date", "required")]
        );
        let undated = MoneyDraft {
            rate_date: None,
            ..aud("500", Some("15000"))
        };
        assert!(check_money(&undated).is_err());
    }

    #[test]
    fn negative_or_malformed_amounts_and_impossible_rates_are_refused() {
        let v = check_money(&aud("-5", Some("abc"))).unwrap_err();
        assert_eq!(
            codes(&v),
            [
                ("/money/amount", "negative"),
                ("/money/exchange_rate", "invalid_decimal")
            ]
        );
        let v = check_money(&aud("5", Some("0"))).unwrap_err();
        assert_eq!(codes(&v), [("/money", "invalid_money")]);
        let idr_at_two = MoneyDraft {
            currency: "IDR",
            ..aud("5", Some("2"))
        };
        let v = check_money(&idr_at_two).unwrap_err();
        assert_eq!(codes(&v), [("/money", "invalid_money")]);
        assert_ne!(v[0].text.en, v[0].text.id, "the refusal is bilingual");
    }

    #[test]
    fn amounts_and_rates_follow_the_contracts_patterns_exactly() {
        for amount in [
            "1e5",
            "+5",
            ".5",
            "5.",
            " 5",
            "5 ",
            "1_000",
            "12345678901234567",
        ] {
            let v = check_money(&aud(amount, Some("10400"))).unwrap_err();
            assert_eq!(
                codes(&v),
                [("/money/amount", "invalid_decimal")],
                "{amount:?}"
            );
        }
        for rate in ["1e4", "+10400", ".5", "10400.1234567", " 10400"] {
            let v = check_money(&aud("5", Some(rate))).unwrap_err();
            assert_eq!(
                codes(&v),
                [("/money/exchange_rate", "invalid_decimal")],
                "{rate:?}"
            );
        }
        assert!(check_money(&aud("5.1234", Some("10400.123456"))).is_ok());
    }

    #[test]
    fn an_unknown_kind_and_an_end_before_the_start_are_both_reported() {
        let mut d = draft("party", None);
        d.ends_on = Some(day("2022-01-01"));
        let v = check(&d).unwrap_err();
        assert_eq!(
            codes(&v),
            [("/kind", "invalid_value"), ("/ends_on", "before_start")]
        );
    }

    #[test]
    fn an_activity_cites_only_its_own_agreements_documents_and_plan_once() {
        let docs: BTreeSet<String> = ["d1".to_owned()].into();
        let items: BTreeSet<String> = ["2025-01".to_owned()].into();
        let indicators: BTreeSet<String> = ["teachers".to_owned()].into();
        let citable = Citable {
            documents: &docs,
            plan_items: &items,
            indicators: &indicators,
        };
        let documents = ["d1".to_owned(), "d1".to_owned(), "elsewhere".to_owned()];
        let plan_items = ["2025-01".to_owned(), "2030-09".to_owned()];
        let contributions = [
            ("teachers".to_owned(), "25".to_owned()),
            ("teachers".to_owned(), "-1".to_owned()),
        ];
        let d = ActivityDraft {
            documents: &documents,
            plan_items: &plan_items,
            indicators: &contributions,
            ..draft("training", None)
        };
        let v = check_activity(&d, citable).unwrap_err();
        assert_eq!(
            codes(&v),
            [
                ("/documents/1", "duplicate"),
                ("/documents/2", "unknown_document"),
                ("/plan_items/1", "unknown_plan_item"),
                ("/indicators/1/key", "unknown_indicator"),
                ("/indicators/1/value", "invalid_decimal"),
            ]
        );
        let fine = ActivityDraft {
            documents: &documents[..1],
            plan_items: &plan_items[..1],
            indicators: &contributions[..1],
            ..draft("training", None)
        };
        assert!(check_activity(&fine, citable).is_ok());
    }
}
