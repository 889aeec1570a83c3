//! Money: decimal amounts with an ISO 4217 currency, never floats. Foreign amounts carry the
//! exchange rate used, its date and source, and their IDR equivalent computed exactly.

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::violation::Violation;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not an ISO 4217 currency code")]
    Currency(String),
    #[error("an exchange rate must be positive")]
    Rate,
    #[error("an IDR amount has rate 1")]
    IdrRate,
    #[error("the IDR equivalent does not fit")]
    Overflow,
}

impl MoneyError {
    /// The refusal of money at `pointer` (`invalid_money`), in both languages.
    pub fn violation(&self, pointer: impl Into<Cow<'static, str>>) -> Violation {
        let id = match self {
            Self::Currency(c) => format!("`{c}` bukan kode mata uang ISO 4217"),
            Self::Rate => "kurs harus positif".into(),
            Self::IdrRate => "jumlah dalam rupiah berkurs 1".into(),
            Self::Overflow => "nilai rupiahnya terlalu besar".into(),
        };
        Violation::invalid("invalid_money", pointer, self.to_string(), id)
    }
}

/// An amount exactly as the contract writes it, `^-?\d{1,15}(\.\d{1,4})?$`: digits, at most
/// four decimals, a leading `-` at most. `1e5`, `+5`, `.5`, `5.` and ` 5` are refused (`None`),
/// though a decimal parser would read them.
pub fn parse_amount(s: &str) -> Option<Decimal> {
    parse_decimal(s, 15, 4)
}

/// A decimal exactly as `^-?\d{1,int}(\.\d{1,frac})?$` writes it (an exchange rate is
/// `parse_decimal(s, 12, 6)`): nothing a lenient parser would also read.
pub fn parse_decimal(s: &str, int_digits: usize, frac_digits: usize) -> Option<Decimal> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let ok = (1..=int_digits).contains(&int.len())
        && all_digits(int)
        && frac.is_none_or(|f| (1..=frac_digits).contains(&f.len()) && all_digits(f));
    if !ok {
        return None;
    }
    s.parse().ok()
}

/// Checks an ISO 4217 code: three upper-case letters.
pub fn check_currency(code: &str) -> Result<(), MoneyError> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(MoneyError::Currency(code.to_owned()))
    }
}

/// The IDR equivalent of `amount` in `currency` at `rate` rupiah per unit, exact (seed 000:
/// AUD 2,000,000 at Rp 10,400 = Rp 20,800,000,000).
pub fn idr_equivalent(
    amount: Decimal,
    currency: &str,
    rate: Decimal,
) -> Result<Decimal, MoneyError> {
    check_currency(currency)?;
    if rate <= Decimal::ZERO {
        return Err(MoneyError::Rate);
    }
    if currency == "IDR" && rate != Decimal::ONE {
        return Err(MoneyError::IdrRate);
    }
    amount
        .checked_mul(rate)
        .map(|d| d.normalize())
        .ok_or(MoneyError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn the_queensland_donation_is_rp_20_8_billion_exactly() {
        let idr = idr_equivalent(dec("2000000"), "AUD", dec("10400")).unwrap();
        assert_eq!(idr.to_string(), "20800000000");
    }

    #[test]
    fn amounts_follow_the_contracts_pattern_exactly() {
        for ok in ["0", "5", "-5", "2000000.00", "123456789012345.1234"] {
            assert_eq!(parse_amount(ok), Some(dec(ok)), "{ok}");
        }
        for bad in [
            "1e5",
            "+5",
            ".5",
            "5.",
            "",
            "-",
            " 5",
            "5 ",
            "1_000",
            "1,5",
            "0x10",
            "5.12345",
            "1234567890123456",
            "--5",
            "NaN",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn fractions_stay_exact() {
        // 0.1 + 0.2 style errors cannot happen: 1234.56 USD at 15678.9 IDR.
        let idr = idr_equivalent(dec("1234.56"), "USD", dec("15678.9")).unwrap();
        assert_eq!(idr.to_string(), "19356542.784");
    }

    #[test]
    fn bad_currencies_and_rates_are_refused() {
        assert!(idr_equivalent(dec("1"), "aud", dec("1")).is_err());
        assert_eq!(
            idr_equivalent(dec("1"), "AUD", dec("0")),
            Err(MoneyError::Rate)
        );
        assert_eq!(
            idr_equivalent(dec("1"), "IDR", dec("2")),
            Err(MoneyError::IdrRate)
        );
        assert_eq!(
            idr_equivalent(dec("5000"), "IDR", dec("1"))
                .unwrap()
                .to_string(),
            "5000"
        );
    }
}
