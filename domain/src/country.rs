//! Countries (ISO 3166-1) and whether Indonesia has diplomatic relations with them.

use serde::{Deserialize, Serialize};

use crate::code::text_code;
use crate::rules::RuleId;

/// An ISO 3166-1 alpha-2 code, upper case (`XK`, Kosovo, is user-assigned but used).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ISO 3166-1 alpha-2 country code")]
pub struct InvalidCountryCode(pub String);

impl CountryCode {
    /// Accepts two ASCII letters in either case and stores them upper case.
    pub fn parse(s: &str) -> Result<Self, InvalidCountryCode> {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(InvalidCountryCode(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_code!(CountryCode, InvalidCountryCode);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub iso2: CountryCode,
    pub iso3: String,
    pub name_en: String,
    pub name_id: String,
    pub diplomatic_relations: bool,
}

impl Country {
    /// **R4** — the partner's country must have diplomatic relations with Indonesia
    /// (PP 28/2018 art. 27(1)a). Israel, Taiwan and Kosovo fail.
    pub fn check_diplomatic_relations(&self) -> Result<(), RuleId> {
        if self.diplomatic_relations {
            Ok(())
        } else {
            Err(RuleId::R4)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_normalised_to_upper_case() {
        assert_eq!(CountryCode::parse("au").unwrap().as_str(), "AU");
        assert!(CountryCode::parse("AUS").is_err());
        assert!(CountryCode::parse("A1").is_err());
    }

    #[test]
    fn r4_a_country_without_relations_fails() {
        let tw = Country {
            iso2: CountryCode::parse("TW").unwrap(),
            iso3: "TWN".into(),
            name_en: "Taiwan".into(),
            name_id: "Taiwan".into(),
            diplomatic_relations: false,
        };
        assert_eq!(tw.check_diplomatic_relations(), Err(RuleId::R4));
    }
}
