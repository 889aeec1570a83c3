//! Regions (*daerah*): provinces and regencies/cities, identified by their Kemendagri code.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::code::{code_enum, text_code};

/// A Kemendagri area code: `NN` for a province, `NN.NN` for a regency or city
/// (regencies 01–69, cities 71–99), e.g. `33` Jawa Tengah, `33.74` Kota Semarang.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a region code: expected `NN` (province) or `NN.NN` (regency/city)")]
pub struct InvalidRegionCode(pub String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, InvalidRegionCode> {
        let bad = || InvalidRegionCode(s.to_owned());
        let two_digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
        match s.split_once('.') {
            None if two_digits(s) => Ok(Self(s.to_owned())),
            Some((p, r)) if two_digits(p) && two_digits(r) && r != "00" => Ok(Self(s.to_owned())),
            _ => Err(bad()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_province(&self) -> bool {
        !self.0.contains('.')
    }

    /// The province a code belongs to (itself for a province).
    pub fn province(&self) -> RegionCode {
        match self.0.split_once('.') {
            Some((p, _)) => RegionCode(p.to_owned()),
            None => self.clone(),
        }
    }

    /// Hours ahead of UTC of the region's legal time zone (Keppres 41/1987): WIB +7, WITA +8
    /// (Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi), WIT +9 (Maluku, Papua).
    /// A deadline "by date D" is met by a submission made on D in the submitter's region.
    pub fn utc_offset_hours(&self) -> i32 {
        match self.province().as_str() {
            "51" | "52" | "53" | "63" | "64" | "65" | "71" | "72" | "73" | "74" | "75" | "76" => 8,
            p if p.starts_with('8') || p.starts_with('9') => 9,
            _ => 7,
        }
    }

    /// The kind the code's number range implies: regencies 01–69, cities 71–99.
    pub fn implied_kind(&self) -> RegionKind {
        match self.0.split_once('.') {
            None => RegionKind::Province,
            Some((_, n)) if n.as_bytes()[0] >= b'7' => RegionKind::City,
            Some(_) => RegionKind::Regency,
        }
    }
}

text_code!(RegionCode, InvalidRegionCode);

code_enum! {
    /// The level of a region. Province (*provinsi*), regency (*kabupaten*) or city (*kota*).
    RegionKind {
        Province => "province",
        Regency => "regency",
        City => "city",
    }
}

impl FromStr for RegionKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
            .ok_or_else(|| format!("`{s}` is not a region kind (province, regency, city)"))
    }
}

/// A region as kept in the reference data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub kind: RegionKind,
    pub parent_code: Option<RegionCode>,
}

impl Region {
    /// Checks that the kind agrees with the code and that a regency/city names its province
    /// as parent: reference data that breaks this would corrupt every region-scoped query.
    pub fn check_consistent(&self) -> Result<(), String> {
        if self.code.implied_kind() != self.kind {
            return Err(format!(
                "region {} is marked {} but its code implies {}",
                self.code,
                self.kind.as_str(),
                self.code.implied_kind().as_str()
            ));
        }
        let expected_parent = (!self.code.is_province()).then(|| self.code.province());
        if self.parent_code != expected_parent {
            return Err(format!("region {} has a wrong parent", self.code));
        }
        Ok(())
    }
}

/// What tests write regions with.
#[cfg(test)]
pub(crate) mod testing {
    use super::RegionCode;

    /// The region with this code (a test's own, so it is valid).
    pub fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_and_regency_codes_parse() {
        assert!(RegionCode::parse("33").unwrap().is_province());
        let semarang = RegionCode::parse("33.74").unwrap();
        assert!(!semarang.is_province());
        assert_eq!(semarang.province().as_str(), "33");
        assert_eq!(semarang.implied_kind(), RegionKind::City);
        assert_eq!(semarang.utc_offset_hours(), 7);
        assert_eq!(RegionCode::parse("51").unwrap().utc_offset_hours(), 8);
        assert_eq!(RegionCode::parse("91.03").unwrap().utc_offset_hours(), 9);
        assert_eq!(
            RegionCode::parse("33.01").unwrap().implied_kind(),
            RegionKind::Regency
        );
    }

    #[test]
    fn malformed_region_codes_are_refused() {
        for bad in [
            "", "3", "333", "33.", "33.1", "33.001", "ab", "33.00", "33-01", " 33",
        ] {
            assert!(RegionCode::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_city_marked_as_regency_is_inconsistent() {
        let r = Region {
            code: RegionCode::parse("33.74").unwrap(),
            name: "Kota Semarang".into(),
            kind: RegionKind::Regency,
            parent_code: Some(RegionCode::parse("33").unwrap()),
        };
        assert!(r.check_consistent().is_err());
    }
}
