//! Agreements (cooperation cases) and their partners: their kinds, forms and statuses, and the
//! registry rules (docs/rules.md) that can be checked from the record alone
//! (R1–R4, R6, R16, R20, R23, R24). Each check names its rule and returns every violation, not
//! only the first.

use chrono::NaiveDate;

use crate::code::code_enum;
use crate::region::{RegionCode, RegionKind};
use crate::rules::RuleId;

code_enum! {
    /// KSDPL: with a foreign local government; KSDLL: with a foreign institution.
    AgreementKind { Ksdpl => "ksdpl", Ksdll => "ksdll" }
}

code_enum! {
    /// The subtype of PP 28/2018 art. 24 (KSDPL) and art. 25 (KSDLL).
    Subtype {
        /// *Provinsi kembar/bersaudara*.
        SisterProvince => "sister_province",
        /// Sister regency/city.
        SisterCity => "sister_city",
        OtherKsdpl => "other_ksdpl",
        /// Continuation of a central-government cooperation (art. 25, 36).
        Continuation => "continuation",
        OtherKsdll => "other_ksdll",
    }
}

impl Subtype {
    pub fn kind(self) -> AgreementKind {
        match self {
            Subtype::SisterProvince | Subtype::SisterCity | Subtype::OtherKsdpl => {
                AgreementKind::Ksdpl
            }
            Subtype::Continuation | Subtype::OtherKsdll => AgreementKind::Ksdll,
        }
    }
}

code_enum! {
    /// The form of the cooperation text.
    Instrument {
        /// Statement of intent (*pernyataan kehendak*).
        Loi => "loi",
        /// *Nota kesepahaman*.
        Mou => "mou",
        /// *Perjanjian kerja sama*.
        Pks => "pks",
        ImplementingArrangement => "implementing_arrangement",
        Amendment => "amendment",
    }
}

code_enum! {
    /// Objects of cooperation (PP 28/2018 art. 23(2)); R3.
    CooperationObject {
        ScienceTechnology => "science_technology",
        CulturalExchange => "cultural_exchange",
        TechnicalCapacity => "technical_capacity",
        RegionalPromotion => "regional_promotion",
        OtherLawful => "other_lawful",
    }
}

code_enum! {
    AgreementStatus {
        Draft => "draft",
        InApproval => "in_approval",
        ApprovedForSigning => "approved_for_signing",
        Active => "active",
        Expired => "expired",
        Terminated => "terminated",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
}

code_enum! {
    /// The foreign side.
    PartnerKind {
        ForeignLocalGovernment => "foreign_local_government",
        /// JICA, KOICA, DFAT…
        ForeignGovernmentAgency => "foreign_government_agency",
        InternationalOrganization => "international_organization",
        ForeignNonprofit => "foreign_nonprofit",
        ForeignUniversity => "foreign_university",
        ForeignBusiness => "foreign_business",
        Other => "other",
    }
}

code_enum! {
    /// The level of a foreign local government.
    PartnerLevel {
        State => "state",
        Province => "province",
        Prefecture => "prefecture",
        Region => "region",
        County => "county",
        City => "city",
        Municipality => "municipality",
        District => "district",
    }
}

impl PartnerLevel {
    /// Whether this level is a first-level subdivision (the equal of an Indonesian province);
    /// otherwise it is the equal of a regency/city (R6).
    pub fn is_first_level(self) -> bool {
        matches!(
            self,
            PartnerLevel::State
                | PartnerLevel::Province
                | PartnerLevel::Prefecture
                | PartnerLevel::Region
        )
    }
}

/// What the rules need to know of a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerFacts {
    pub kind: PartnerKind,
    pub level: Option<PartnerLevel>,
    pub legal_personality: Option<bool>,
    pub political_party: bool,
    pub country: String,
    pub country_has_relations: bool,
}

/// The country code of Indonesia: a partner registered here is not foreign (R1).
pub const INDONESIA: &str = "ID";
/// Israel (R24).
pub const ISRAEL: &str = "IL";
/// PP 28/2018 took effect on 13 July 2018; agreements signed before stay valid (R23).
pub fn pp28_effective() -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 7, 13).unwrap_or(NaiveDate::MIN)
}

pub use crate::violation::Violation;

fn v(
    rule: RuleId,
    pointer: impl Into<std::borrow::Cow<'static, str>>,
    en: impl Into<String>,
    id: impl Into<String>,
) -> Violation {
    Violation::rule(rule, pointer, en, id)
}

/// **R1** — a partner registered in Indonesia is not foreign (PP 28/2018 art. 1(4)-(5)).
pub fn check_partner_is_foreign(country: &str) -> Result<(), Violation> {
    if country.eq_ignore_ascii_case(INDONESIA) {
        Err(v(
            RuleId::R1,
            "/country",
            "an entity registered in Indonesia (even foreign-owned) is not a foreign partner",
            "badan yang terdaftar di Indonesia (meski milik asing) bukan mitra luar negeri",
        ))
    } else {
        Ok(())
    }
}

/// Checks a partner as registered: R1 (foreign), and a level exactly when it is a foreign
/// local government (R6 compares that level with the region's).
pub fn check_partner(
    kind: PartnerKind,
    level: Option<PartnerLevel>,
    country: &str,
) -> Vec<Violation> {
    let mut out: Vec<Violation> = check_partner_is_foreign(country)
        .err()
        .into_iter()
        .collect();
    match (kind, level) {
        (PartnerKind::ForeignLocalGovernment, None) => out.push(Violation::invalid(
            "required",
            "/level",
            "a foreign local government needs its level (state, province, city…)",
            "pemerintah daerah asing memerlukan tingkatnya",
        )),
        (k, Some(_)) if k != PartnerKind::ForeignLocalGovernment => out.push(Violation::invalid(
            "not_applicable",
            "/level",
            "only a foreign local government has a level",
            "hanya pemerintah daerah asing yang memiliki tingkat",
        )),
        _ => {}
    }
    out
}

/// The agreement as recorded, when the input replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub status: AgreementStatus,
    pub legacy: bool,
}

/// What the registry rules need to know of an agreement.
#[derive(Debug, Clone)]
pub struct AgreementFacts<'a> {
    pub region: RegionCode,
    pub region_kind: RegionKind,
    pub subtype: Subtype,
    pub partners: &'a [PartnerFacts],
    pub objects: &'a [CooperationObject],
    /// ISO 639-1 codes of the text's language versions.
    pub languages: &'a [String],
    pub level_justification: Option<&'a str>,
    pub creates_foreign_loan: bool,
    pub legacy: bool,
    pub status: AgreementStatus,
    pub signed_on: Option<NaiveDate>,
    pub effective_from: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub today: NaiveDate,
    /// The record this input replaces; `None` for a new agreement.
    pub recorded: Option<Recorded>,
}

/// Checks an agreement against the registry rules; returns every violation.
pub fn check_agreement(a: &AgreementFacts<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let kind = a.subtype.kind();
    if a.partners.is_empty() {
        out.push(v(
            RuleId::R1,
            "/partner_ids",
            "at least one partner is required",
            "minimal satu mitra wajib diisi",
        ));
    }
    for (i, p) in a.partners.iter().enumerate() {
        let at = format!("/partner_ids/{i}");
        // R1: KSDPL with a foreign local government; KSDLL with a foreign institution.
        match kind {
            AgreementKind::Ksdpl if p.kind != PartnerKind::ForeignLocalGovernment => out.push(v(
                RuleId::R1,
                at.clone(),
                "a KSDPL partner must be a foreign local government",
                "mitra KSDPL harus pemerintah daerah di luar negeri",
            )),
            AgreementKind::Ksdll if p.kind == PartnerKind::ForeignLocalGovernment => out.push(v(
                RuleId::R1,
                at.clone(),
                "a foreign local government is a KSDPL partner, not KSDLL",
                "pemerintah daerah di luar negeri adalah mitra KSDPL, bukan KSDLL",
            )),
            _ => {}
        }
        if check_partner_is_foreign(&p.country).is_err() {
            out.push(v(
                RuleId::R1,
                at.clone(),
                "the partner is registered in Indonesia, not abroad",
                "mitra terdaftar di Indonesia, bukan di luar negeri",
            ));
        }
        // R2: KSDLL by continuation only with an international organization, a non-profit
        // with legal personality, or a foreign development partner; never a political party.
        if kind == AgreementKind::Ksdll && p.political_party {
            out.push(v(
                RuleId::R2,
                at.clone(),
                "no cooperation with a political party",
                "tidak boleh bekerja sama dengan partai politik",
            ));
        }
        if a.subtype == Subtype::Continuation {
            let allowed = match p.kind {
                PartnerKind::InternationalOrganization | PartnerKind::ForeignGovernmentAgency => {
                    true
                }
                PartnerKind::ForeignNonprofit => p.legal_personality == Some(true),
                _ => false,
            };
            if !allowed {
                out.push(v(
                    RuleId::R2,
                    at.clone(),
                    "a continuation KSDLL partner must be an international organization, a foreign non-profit with legal personality, or a foreign development partner",
                    "mitra KSDLL lanjutan harus organisasi internasional, lembaga nirlaba asing berbadan hukum, atau mitra pembangunan asing",
                ));
            }
        }
        // R4: diplomatic relations.
        if !p.country_has_relations {
            out.push(v(
                RuleId::R4,
                at.clone(),
                format!("Indonesia has no diplomatic relations with {}", p.country),
                format!(
                    "Indonesia tidak memiliki hubungan diplomatik dengan {}",
                    p.country
                ),
            ));
        }
        // R24: nothing official with Israeli government entities.
        if p.country.eq_ignore_ascii_case(ISRAEL)
            && matches!(
                p.kind,
                PartnerKind::ForeignLocalGovernment | PartnerKind::ForeignGovernmentAgency
            )
        {
            out.push(v(
                RuleId::R24,
                at.clone(),
                "no official cooperation with Israeli government entities",
                "tidak ada kerja sama resmi dengan entitas pemerintah Israel",
            ));
        }
        // R6: KSDPL between equals, unless the mismatch is justified.
        if kind == AgreementKind::Ksdpl && p.kind == PartnerKind::ForeignLocalGovernment {
            match p.level {
                None => out.push(v(
                    RuleId::R6,
                    at.clone(),
                    "the partner's level (state, province, city…) is needed for KSDPL",
                    "tingkat pemerintahan mitra diperlukan untuk KSDPL",
                )),
                Some(level) => {
                    let equal = level.is_first_level() == (a.region_kind == RegionKind::Province);
                    let justified = a.level_justification.is_some_and(|j| !j.trim().is_empty());
                    if !equal && !justified {
                        out.push(v(
                            RuleId::R6,
                            "/level_justification",
                            format!(
                                "a {} and a {} abroad are not of equal administrative status; record a justification",
                                a.region_kind.as_str(),
                                level.as_str()
                            ),
                            "kedudukan administratif tidak setara; catat justifikasinya",
                        ));
                    }
                }
            }
        }
    }
    // R3: the objects of art. 23(2).
    if a.objects.is_empty() {
        out.push(v(
            RuleId::R3,
            "/objects",
            "at least one object of cooperation (art. 23(2)) is required",
            "minimal satu objek kerja sama (pasal 23 ayat 2) wajib diisi",
        ));
    }
    // R16: Bahasa Indonesia plus the partner's language and/or English.
    let has_id = a.languages.iter().any(|l| l == "id");
    let has_other = a.languages.iter().any(|l| l != "id");
    if !has_id || !has_other {
        out.push(v(
            RuleId::R16,
            "/languages",
            "the text must be in Bahasa Indonesia and in the partner's language and/or English",
            "naskah harus dalam Bahasa Indonesia dan bahasa mitra dan/atau bahasa Inggris",
        ));
    }
    // R20: no commitment that creates a foreign-loan obligation.
    if a.creates_foreign_loan {
        out.push(v(
            RuleId::R20,
            "/creates_foreign_loan",
            "a regional cooperation may not create a foreign-loan obligation",
            "kerja sama daerah tidak boleh menimbulkan kewajiban pinjaman luar negeri",
        ));
    }
    // R23: a legacy agreement is recorded as signed, in force or ended, with its dates; any
    // other agreement starts as a draft and goes through the workflow.
    if a.legacy {
        if !matches!(
            a.status,
            AgreementStatus::Active | AgreementStatus::Expired | AgreementStatus::Terminated
        ) {
            out.push(v(
                RuleId::R23,
                "/status",
                "a legacy agreement is active, expired or terminated",
                "perjanjian lama berstatus aktif, berakhir atau diakhiri",
            ));
        }
        match a.signed_on {
            None => out.push(v(
                RuleId::R23,
                "/signed_on",
                "a legacy agreement needs its signing date",
                "perjanjian lama memerlukan tanggal penandatanganan",
            )),
            Some(d) if d > a.today => out.push(v(
                RuleId::R23,
                "/signed_on",
                "the signing date is in the future",
                "tanggal penandatanganan di masa depan",
            )),
            _ => {}
        }
        if let Some(exp) = a.expires_on {
            let expired = exp < a.today;
            if a.status == AgreementStatus::Active && expired {
                out.push(v(
                    RuleId::R23,
                    "/status",
                    "the agreement expired on its end date; record it as expired",
                    "perjanjian telah berakhir; catat sebagai berakhir",
                ));
            }
            if a.status == AgreementStatus::Expired && !expired {
                out.push(v(
                    RuleId::R23,
                    "/status",
                    "the agreement has not reached its end date",
                    "perjanjian belum mencapai tanggal berakhirnya",
                ));
            }
        }
    } else {
        out.extend(check_workflow_status(a.status, a.recorded));
    }
    if let (Some(from), Some(to)) = (a.effective_from, a.expires_on) {
        if to < from {
            out.push(v(
                RuleId::R23,
                "/expires_on",
                "the end date is before the start date",
                "tanggal berakhir sebelum tanggal mulai",
            ));
        }
    }
    out
}

/// **R9** — an agreement that is not legacy gets its status from the workflow only: a new one
/// starts as a draft, and a replacement keeps the status recorded.
fn check_workflow_status(status: AgreementStatus, recorded: Option<Recorded>) -> Option<Violation> {
    match recorded {
        Some(r) if !r.legacy => (status != r.status).then(|| {
            v(
                RuleId::R9,
                "/status",
                "the status of a workflow agreement changes only through the workflow",
                "status perjanjian berjalan hanya berubah melalui alur kerja",
            )
        }),
        _ => (status != AgreementStatus::Draft).then(|| {
            v(
                RuleId::R9,
                "/status",
                "a new agreement starts as a draft and is approved through the workflow (DPRD approval is mandatory)",
                "perjanjian baru dimulai sebagai draf dan disetujui melalui alur kerja (persetujuan DPRD wajib)",
            )
        }),
    }
}

/// Whole days from `today` until `expires_on` (negative once past).
pub fn expires_in_days(expires_on: Option<NaiveDate>, today: NaiveDate) -> Option<i64> {
    expires_on.map(|d| (d - today).num_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner(kind: PartnerKind, level: Option<PartnerLevel>, country: &str) -> PartnerFacts {
        PartnerFacts {
            kind,
            level,
            legal_personality: None,
            political_party: false,
            country: country.into(),
            country_has_relations: !matches!(country, "IL" | "TW" | "XK"),
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn langs(l: &[&str]) -> &'static [String] {
        Box::leak(
            l.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        )
    }

    fn rules<'a>(
        partners: &'a [PartnerFacts],
        subtype: Subtype,
        f: impl FnOnce(&mut AgreementFacts<'a>),
    ) -> Vec<RuleId> {
        let mut a = AgreementFacts {
            region: RegionCode::parse("33").unwrap(),
            region_kind: RegionKind::Province,
            subtype,
            partners,
            objects: &[CooperationObject::CulturalExchange],
            languages: langs(&["id", "en"]),
            level_justification: None,
            creates_foreign_loan: false,
            legacy: false,
            status: AgreementStatus::Draft,
            signed_on: None,
            effective_from: None,
            expires_on: None,
            today: d("2026-11-24"),
            recorded: None,
        };
        f(&mut a);
        check_agreement(&a)
            .into_iter()
            .filter_map(|v| v.rule)
            .collect()
    }

    #[test]
    fn a_sister_province_with_a_state_is_valid() {
        let qld = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "AU",
        )];
        assert_eq!(rules(&qld, Subtype::SisterProvince, |_| {}), []);
    }

    #[test]
    fn r1_ksdpl_needs_a_foreign_local_government() {
        let jica = [partner(PartnerKind::ForeignGovernmentAgency, None, "JP")];
        assert_eq!(rules(&jica, Subtype::SisterProvince, |_| {}), [RuleId::R1]);
        let qld = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "AU",
        )];
        assert!(rules(&qld, Subtype::OtherKsdll, |_| {}).contains(&RuleId::R1));
        assert!(check_partner_is_foreign("id").is_err());
    }

    #[test]
    fn r1_a_partner_is_foreign_and_a_local_government_has_its_level() {
        use PartnerKind as K;
        let codes = |k, l, c| -> Vec<String> {
            check_partner(k, l, c)
                .into_iter()
                .map(|v| v.code.into_owned())
                .collect()
        };
        assert_eq!(
            codes(K::ForeignLocalGovernment, Some(PartnerLevel::State), "AU"),
            Vec::<String>::new()
        );
        assert_eq!(codes(K::ForeignBusiness, None, "ID"), ["R1"]);
        assert_eq!(codes(K::ForeignLocalGovernment, None, "KR"), ["required"]);
        assert_eq!(
            codes(K::ForeignNonprofit, Some(PartnerLevel::City), "NL"),
            ["not_applicable"]
        );
    }

    #[test]
    fn r2_continuation_partners_and_no_political_parties() {
        let mut ngo = partner(PartnerKind::ForeignNonprofit, None, "NL");
        assert_eq!(
            rules(&[ngo.clone()], Subtype::Continuation, |_| {}),
            [RuleId::R2]
        );
        ngo.legal_personality = Some(true);
        assert_eq!(rules(&[ngo.clone()], Subtype::Continuation, |_| {}), []);
        ngo.political_party = true;
        assert!(rules(&[ngo], Subtype::OtherKsdll, |_| {}).contains(&RuleId::R2));
    }

    #[test]
    fn r3_at_least_one_object() {
        let qld = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "AU",
        )];
        assert_eq!(
            rules(&qld, Subtype::SisterProvince, |a| a.objects = &[]),
            [RuleId::R3]
        );
    }

    #[test]
    fn r4_and_r24_taiwan_and_israel() {
        let taipei = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::City),
            "TW",
        )];
        assert!(rules(&taipei, Subtype::SisterCity, |_| {}).contains(&RuleId::R4));
        let haifa = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "IL",
        )];
        let r = rules(&haifa, Subtype::SisterProvince, |_| {});
        assert!(r.contains(&RuleId::R4) && r.contains(&RuleId::R24), "{r:?}");
    }

    #[test]
    fn r6_a_province_with_a_city_needs_a_justification() {
        let city = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::City),
            "KH",
        )];
        assert_eq!(rules(&city, Subtype::OtherKsdpl, |_| {}), [RuleId::R6]);
        assert_eq!(
            rules(&city, Subtype::OtherKsdpl, |a| a.level_justification =
                Some("complementary tourism")),
            []
        );
    }

    #[test]
    fn r16_indonesian_and_another_language() {
        let qld = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "AU",
        )];
        assert_eq!(
            rules(&qld, Subtype::SisterProvince, |a| a.languages =
                langs(&["en"])),
            [RuleId::R16]
        );
        assert_eq!(
            rules(&qld, Subtype::SisterProvince, |a| a.languages =
                langs(&["id"])),
            [RuleId::R16]
        );
    }

    #[test]
    fn r23_legacy_agreements_are_recorded_with_their_dates() {
        let qld = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "AU",
        )];
        let ok = rules(&qld, Subtype::SisterProvince, |a| {
            a.legacy = true;
            a.status = AgreementStatus::Expired;
            a.signed_on = Some(d("1991-01-01"));
            a.expires_on = Some(d("2019-08-05"));
        });
        assert_eq!(ok, []);
        let no_date = rules(&qld, Subtype::SisterProvince, |a| {
            a.legacy = true;
            a.status = AgreementStatus::Active;
        });
        assert_eq!(no_date, [RuleId::R23]);
        let still_active = rules(&qld, Subtype::SisterProvince, |a| {
            a.legacy = true;
            a.status = AgreementStatus::Active;
            a.signed_on = Some(d("2014-05-01"));
            a.expires_on = Some(d("2019-05-01"));
        });
        assert_eq!(still_active, [RuleId::R23]);
    }

    #[test]
    fn r9_a_new_agreement_cannot_skip_the_workflow() {
        let qld = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "AU",
        )];
        assert_eq!(
            rules(&qld, Subtype::SisterProvince, |a| a.status =
                AgreementStatus::Active),
            [RuleId::R9]
        );
    }

    /// R9: a replacement keeps the status the workflow gave it, whatever that status is.
    #[test]
    fn r9_a_workflow_agreement_keeps_its_status_when_replaced() {
        let qld = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "AU",
        )];
        let in_approval = Some(Recorded {
            status: AgreementStatus::InApproval,
            legacy: false,
        });
        assert_eq!(
            rules(&qld, Subtype::SisterProvince, |a| {
                a.status = AgreementStatus::InApproval;
                a.recorded = in_approval;
            }),
            []
        );
        assert_eq!(
            rules(&qld, Subtype::SisterProvince, |a| {
                a.status = AgreementStatus::Active;
                a.recorded = in_approval;
            }),
            [RuleId::R9]
        );
        let draft = Some(Recorded {
            status: AgreementStatus::Draft,
            legacy: false,
        });
        assert_eq!(
            rules(&qld, Subtype::SisterProvince, |a| a.recorded = draft),
            []
        );
    }

    #[test]
    fn r20_no_foreign_loan() {
        let qld = [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "AU",
        )];
        assert_eq!(
            rules(&qld, Subtype::SisterProvince, |a| a.creates_foreign_loan =
                true),
            [RuleId::R20]
        );
    }
}
