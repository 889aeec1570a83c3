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
        /// Signed on or after 13 July 2018 outside this system's workflow (R23): recorded with
        /// the references of its DPRD approval, Kemendagri consideration and Kemlu confirmation,
        /// and not in force until a central reviewer verifies them (R9).
        PendingVerification => "pending_verification",
    }
}

impl AgreementStatus {
    /// Whether an agreement in this status has been signed (and its approvals verified, for an
    /// agreement recorded from outside the system): its signed facts are then fixed.
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            AgreementStatus::Active | AgreementStatus::Expired | AgreementStatus::Terminated
        )
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

/// A letter's reference: its number and date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LetterFacts<'a> {
    pub number: &'a str,
    pub date: NaiveDate,
}

/// **R23** — the references an agreement signed on or after 13 July 2018 outside this system
/// carries of the approvals the workflow would have recorded (PP 28/2018 arts. 30–33).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ApprovalFacts<'a> {
    /// DPRD's approval (art. 30, R9).
    pub dprd_approval: Option<LetterFacts<'a>>,
    /// Kemendagri's consideration (art. 31, R11).
    pub kemendagri_consideration: Option<LetterFacts<'a>>,
    /// Kemlu's confirmation letter (art. 33, R13).
    pub kemlu_confirmation: Option<LetterFacts<'a>>,
}

impl<'a> ApprovalFacts<'a> {
    /// Each letter with its field name and its name in both languages.
    fn letters(
        &self,
    ) -> [(
        &'static str,
        Option<LetterFacts<'a>>,
        &'static str,
        &'static str,
    ); 3] {
        [
            (
                "dprd_approval",
                self.dprd_approval,
                "DPRD approval",
                "persetujuan DPRD",
            ),
            (
                "kemendagri_consideration",
                self.kemendagri_consideration,
                "Kemendagri consideration",
                "pertimbangan Kemendagri",
            ),
            (
                "kemlu_confirmation",
                self.kemlu_confirmation,
                "Kemlu confirmation",
                "konfirmasi Kemlu",
            ),
        ]
    }
}

/// Whether a legacy agreement signed on `signed_on` was signed under PP 28/2018 (on or after
/// 13 July 2018): then it needs its approvals' references and their verification (R23).
pub fn signed_under_pp28(signed_on: Option<NaiveDate>) -> bool {
    signed_on.is_some_and(|d| d >= pp28_effective())
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
    pub instrument: Instrument,
    /// Whether it names an umbrella (`parent_id`): the agreement an amendment amends.
    pub has_parent: bool,
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
    /// The approvals' references (R23), when given.
    pub approvals: Option<ApprovalFacts<'a>>,
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
    // An amendment amends a signed agreement: it names it (and goes through its own approval).
    if a.instrument == Instrument::Amendment && !a.has_parent {
        out.push(Violation::invalid(
            "required",
            "/parent_id",
            "an amendment names the agreement it amends (parent_id)",
            "amandemen menyebut perjanjian yang diubahnya (parent_id)",
        ));
    }
    if a.legacy {
        check_legacy(a, &mut out);
    } else {
        out.extend(check_workflow_status(a.status, a.recorded));
        if a.approvals.is_some() {
            out.push(Violation::invalid(
                "not_applicable",
                "/approval_letters",
                "an agreement approved through this system's workflow records its letters in the workflow",
                "perjanjian yang disetujui melalui alur kerja sistem ini mencatat suratnya di alur kerja",
            ));
        }
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

/// **R23** — a legacy agreement is recorded with its signing date, never a future one. Signed
/// before 13 July 2018 it is recorded as it stands (active, expired or terminated: art. 48 keeps
/// it valid until it ends). Signed later outside this system's workflow, it carries the
/// references of its DPRD approval, Kemendagri consideration and Kemlu confirmation (each dated
/// on or before the signing, none in the future) and enters as `pending_verification`: only a
/// central reviewer's verification puts it in force (**R9**: no approval is bypassed).
fn check_legacy(a: &AgreementFacts<'_>, out: &mut Vec<Violation>) {
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
    let recorded_pending = a
        .recorded
        .is_some_and(|r| r.status == AgreementStatus::PendingVerification);
    if signed_under_pp28(a.signed_on) || recorded_pending {
        // The status comes from the verification (and then the lifecycle), never the input.
        let expected = match a.recorded {
            Some(r) if r.legacy => r.status,
            _ => AgreementStatus::PendingVerification,
        };
        if a.status != expected {
            out.push(v(
                RuleId::R9,
                "/status",
                format!(
                    "an agreement signed on or after 13 July 2018 outside this system's workflow is recorded as pending_verification with the letters of its DPRD approval, Kemendagri consideration and Kemlu confirmation, and is in force only once a central reviewer verifies them (R9, R23); its status stays `{}`",
                    expected.as_str()
                ),
                format!(
                    "perjanjian yang ditandatangani pada atau setelah 13 Juli 2018 di luar alur kerja sistem ini dicatat sebagai pending_verification dengan surat persetujuan DPRD, pertimbangan Kemendagri dan konfirmasi Kemlu, dan baru berlaku setelah diverifikasi peninjau pusat (R9, R23); statusnya tetap `{}`",
                    expected.as_str()
                ),
            ));
        }
        check_approvals(a, true, out);
        return;
    }
    if !matches!(
        a.status,
        AgreementStatus::Active | AgreementStatus::Expired | AgreementStatus::Terminated
    ) {
        out.push(v(
            RuleId::R23,
            "/status",
            "a legacy agreement signed before 13 July 2018 is active, expired or terminated",
            "perjanjian lama yang ditandatangani sebelum 13 Juli 2018 berstatus aktif, berakhir atau diakhiri",
        ));
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
    check_approvals(a, false, out);
}

/// **R23** — each approval letter (all `required` ones) has a number and a date neither in
/// the future nor after the signing.
fn check_approvals(a: &AgreementFacts<'_>, required: bool, out: &mut Vec<Violation>) {
    let approvals = a.approvals.unwrap_or_default();
    for (field, letter, en, id) in approvals.letters() {
        let at = format!("/approval_letters/{field}");
        let Some(l) = letter else {
            if required {
                out.push(v(
                    RuleId::R23,
                    at,
                    format!("the {en} letter (number and date) is required: the agreement was signed on or after 13 July 2018 outside this system's workflow (R9, R23)"),
                    format!("surat {id} (nomor dan tanggal) wajib: perjanjian ditandatangani pada atau setelah 13 Juli 2018 di luar alur kerja sistem ini (R9, R23)"),
                ));
            }
            continue;
        };
        if l.number.trim().is_empty() {
            out.push(v(
                RuleId::R23,
                format!("{at}/number"),
                format!("the {en} letter needs its number"),
                format!("surat {id} memerlukan nomornya"),
            ));
        }
        if l.date > a.today {
            out.push(v(
                RuleId::R23,
                format!("{at}/date"),
                format!("the {en} letter is dated in the future"),
                format!("surat {id} bertanggal di masa depan"),
            ));
        } else if a.signed_on.is_some_and(|s| l.date > s) {
            out.push(v(
                RuleId::R23,
                format!("{at}/date"),
                format!("the {en} letter is dated after the signing date: the approval comes before the signing"),
                format!("surat {id} bertanggal setelah tanggal penandatanganan: persetujuan mendahului penandatanganan"),
            ));
        }
    }
}

/// What signing fixes: after it, these change only through an amendment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedFacts<'a> {
    pub region: &'a RegionCode,
    pub subtype: Subtype,
    pub instrument: Instrument,
    pub partner_ids: &'a [String],
    pub languages: &'a [String],
    pub signed_on: Option<NaiveDate>,
    pub signed_place: Option<&'a str>,
    /// The term: continuing past it takes a renewal (R18), changing it an amendment.
    pub effective_from: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    /// The Indonesian signatory's name and position.
    pub indonesian_signatory: Option<(&'a str, &'a str)>,
    /// The partner's signatory's name and position.
    pub partner_signatory: Option<(&'a str, &'a str)>,
    pub approvals: Option<ApprovalFacts<'a>>,
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

/// **R9 / R16 / R18** — once an agreement is signed (`status` active, expired or terminated,
/// which for one recorded from outside the system means verified), its signatories, signing
/// date and place, term, partners, kind and form, region, languages and approvals' references
/// change only
/// through an amendment (an agreement with instrument `amendment` naming it as `parent_id`,
/// approved through its own workflow). One conflict per changed field, with its pointer.
pub fn check_signed_facts(
    status: AgreementStatus,
    before: &SignedFacts<'_>,
    after: &SignedFacts<'_>,
) -> Vec<Violation> {
    if !status.is_signed() {
        return Vec::new();
    }
    fn place(p: Option<&str>) -> Option<&str> {
        p.map(str::trim).filter(|p| !p.is_empty())
    }
    let changed = [
        ("/region_code", RuleId::R9, before.region != after.region),
        ("/subtype", RuleId::R9, before.subtype != after.subtype),
        (
            "/instrument",
            RuleId::R9,
            before.instrument != after.instrument,
        ),
        (
            "/partner_ids",
            RuleId::R9,
            !same_set(before.partner_ids, after.partner_ids),
        ),
        (
            "/languages",
            RuleId::R16,
            !same_set(before.languages, after.languages),
        ),
        (
            "/signed_on",
            RuleId::R9,
            before.signed_on != after.signed_on,
        ),
        (
            "/signed_place",
            RuleId::R9,
            place(before.signed_place) != place(after.signed_place),
        ),
        (
            "/effective_from",
            RuleId::R9,
            before.effective_from != after.effective_from,
        ),
        (
            "/expires_on",
            RuleId::R18,
            before.expires_on != after.expires_on,
        ),
        (
            "/signatories/indonesian",
            RuleId::R9,
            before.indonesian_signatory != after.indonesian_signatory,
        ),
        (
            "/signatories/partner",
            RuleId::R9,
            before.partner_signatory != after.partner_signatory,
        ),
        (
            "/approval_letters",
            RuleId::R23,
            before.approvals.unwrap_or_default() != after.approvals.unwrap_or_default(),
        ),
    ];
    changed
        .into_iter()
        .filter(|(_, _, changed)| *changed)
        .map(|(pointer, rule, _)| {
            let field = pointer.trim_start_matches('/');
            Violation::conflict(
                "signed_fact_locked",
                format!("`{field}` was fixed by the signing: it changes only through an amendment (an agreement with instrument `amendment` and this agreement as parent_id, approved through its own workflow)"),
                format!("`{field}` telah ditetapkan oleh penandatanganan: hanya dapat diubah melalui amandemen (perjanjian dengan instrumen `amendment` dan perjanjian ini sebagai parent_id, disetujui melalui alur kerjanya sendiri)"),
            )
            .citing(rule)
            .at(pointer)
        })
        .collect()
}

/// **R16** — the signed texts of a signed agreement are fixed: its scan of the signed text in
/// each of its languages is recorded once (`already`: the languages that have one); another
/// signed text for a language, or for one it was not signed in, changes them, which only an
/// amendment does. Before signing, texts come and go freely.
pub fn check_signed_text(
    status: AgreementStatus,
    languages: &[String],
    language: Option<&str>,
    already: &[String],
) -> Result<(), Vec<Violation>> {
    if !status.is_signed() {
        return Ok(());
    }
    let locked = |en: String, id: String| {
        Err(vec![Violation::conflict("signed_fact_locked", en, id)
            .citing(RuleId::R16)
            .at("/language")])
    };
    match language {
        None => Err(vec![Violation::rule(
            RuleId::R16,
            "/language",
            "a signed text of a signed agreement names its language",
            "naskah yang ditandatangani menyebut bahasanya",
        )]),
        Some(l) if !languages.iter().any(|x| x == l) => locked(
            format!("the agreement was not signed in `{l}`: a text in another language comes only through an amendment"),
            format!("perjanjian tidak ditandatangani dalam bahasa `{l}`: naskah dalam bahasa lain hanya melalui amandemen"),
        ),
        Some(l) if already.iter().any(|x| x == l) => locked(
            format!("the signed text in `{l}` is recorded: it changes only through an amendment"),
            format!("naskah yang ditandatangani dalam bahasa `{l}` telah dicatat: hanya dapat diubah melalui amandemen"),
        ),
        Some(_) => Ok(()),
    }
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
        violations(partners, subtype, f)
            .into_iter()
            .filter_map(|v| v.rule)
            .collect()
    }

    fn violations<'a>(
        partners: &'a [PartnerFacts],
        subtype: Subtype,
        f: impl FnOnce(&mut AgreementFacts<'a>),
    ) -> Vec<Violation> {
        let mut a = AgreementFacts {
            region: RegionCode::parse("33").unwrap(),
            region_kind: RegionKind::Province,
            subtype,
            instrument: Instrument::Mou,
            has_parent: false,
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
            approvals: None,
        };
        f(&mut a);
        check_agreement(&a)
    }

    fn qld() -> [PartnerFacts; 1] {
        [partner(
            PartnerKind::ForeignLocalGovernment,
            Some(PartnerLevel::State),
            "AU",
        )]
    }

    fn letter(number: &'static str, date: &str) -> Option<LetterFacts<'static>> {
        Some(LetterFacts {
            number,
            date: d(date),
        })
    }

    /// The three letters of an agreement signed on 2 May 2025.
    fn letters() -> ApprovalFacts<'static> {
        ApprovalFacts {
            dprd_approval: letter("170/45/DPRD", "2025-02-10"),
            kemendagri_consideration: letter("120/880/Kemendagri", "2025-03-12"),
            kemlu_confirmation: letter("1234/KS/04/2025", "2025-04-20"),
        }
    }

    /// A legacy agreement signed on 2 May 2025, outside the system.
    fn signed_2025(a: &mut AgreementFacts<'_>) {
        a.legacy = true;
        a.status = AgreementStatus::PendingVerification;
        a.signed_on = Some(d("2025-05-02"));
        a.expires_on = Some(d("2030-05-01"));
        a.approvals = Some(letters());
    }

    fn pointers(v: &[Violation]) -> Vec<(String, Option<RuleId>)> {
        v.iter().map(|v| (v.pointer.to_string(), v.rule)).collect()
    }

    /// R23: signed under PP 28/2018 outside the system, it enters pending with its letters.
    #[test]
    fn r23_an_agreement_signed_after_pp28_outside_the_system_enters_pending_with_its_letters() {
        let qld = qld();
        assert_eq!(violations(&qld, Subtype::SisterProvince, signed_2025), []);
        // The day PP 28/2018 took effect is under it; the day before is not.
        assert!(signed_under_pp28(Some(d("2018-07-13"))));
        assert!(!signed_under_pp28(Some(d("2018-07-12"))));
        assert!(!signed_under_pp28(None));
    }

    /// R9: recorded `active` it would be in force without any approval: refused.
    #[test]
    fn r9_an_agreement_signed_after_pp28_cannot_be_recorded_in_force() {
        let qld = qld();
        for status in [
            AgreementStatus::Active,
            AgreementStatus::Expired,
            AgreementStatus::Terminated,
        ] {
            let v = violations(&qld, Subtype::SisterProvince, |a| {
                signed_2025(a);
                a.status = status;
            });
            assert_eq!(
                pointers(&v),
                [("/status".into(), Some(RuleId::R9))],
                "{status:?}"
            );
            assert!(v[0].text.en.contains("pending_verification"));
            assert!(v[0].text.id.contains("diverifikasi peninjau pusat"));
        }
        // Signed yesterday, active, no letters: every gap named.
        let v = violations(&qld, Subtype::SisterProvince, |a| {
            a.legacy = true;
            a.status = AgreementStatus::Active;
            a.signed_on = Some(d("2026-11-23"));
        });
        assert_eq!(
            pointers(&v),
            [
                ("/status".into(), Some(RuleId::R9)),
                ("/approval_letters/dprd_approval".into(), Some(RuleId::R23)),
                (
                    "/approval_letters/kemendagri_consideration".into(),
                    Some(RuleId::R23)
                ),
                (
                    "/approval_letters/kemlu_confirmation".into(),
                    Some(RuleId::R23)
                ),
            ]
        );
    }

    /// R23: each letter is required, numbered, dated neither after the signing nor in the future.
    #[test]
    fn r23_each_letter_is_numbered_and_dated_before_the_signing() {
        let qld = qld();
        let v = violations(&qld, Subtype::SisterProvince, |a| {
            signed_2025(a);
            a.approvals = Some(ApprovalFacts {
                kemlu_confirmation: None,
                ..letters()
            });
        });
        assert_eq!(
            pointers(&v),
            [(
                "/approval_letters/kemlu_confirmation".into(),
                Some(RuleId::R23)
            )]
        );
        let v = violations(&qld, Subtype::SisterProvince, |a| {
            signed_2025(a);
            a.approvals = Some(ApprovalFacts {
                dprd_approval: letter(" ", "2025-05-03"),
                kemendagri_consideration: letter("120/1", "2026-12-01"),
                ..letters()
            });
        });
        assert_eq!(
            pointers(&v),
            [
                (
                    "/approval_letters/dprd_approval/number".into(),
                    Some(RuleId::R23)
                ),
                (
                    "/approval_letters/dprd_approval/date".into(),
                    Some(RuleId::R23)
                ),
                (
                    "/approval_letters/kemendagri_consideration/date".into(),
                    Some(RuleId::R23)
                ),
            ]
        );
        assert!(v[1].text.en.contains("after the signing date"));
        assert!(v[2].text.en.contains("future"));
        // A letter of the signing day itself is fine.
        let same_day = violations(&qld, Subtype::SisterProvince, |a| {
            signed_2025(a);
            a.approvals = Some(ApprovalFacts {
                kemlu_confirmation: letter("1234/KS", "2025-05-02"),
                ..letters()
            });
        });
        assert_eq!(same_day, []);
    }

    /// R23: a future signing date stays refused, pending or not.
    #[test]
    fn r23_a_future_signing_date_is_refused() {
        let qld = qld();
        let v = violations(&qld, Subtype::SisterProvince, |a| {
            signed_2025(a);
            a.signed_on = Some(d("2026-11-25"));
        });
        assert!(pointers(&v).contains(&("/signed_on".into(), Some(RuleId::R23))));
    }

    /// R23: before PP 28/2018 nothing changes: active as it stands, no letters needed; and
    /// `pending_verification` is not a status for it.
    #[test]
    fn r23_an_agreement_signed_before_pp28_keeps_todays_behaviour() {
        let qld = qld();
        let before = |a: &mut AgreementFacts<'_>| {
            a.legacy = true;
            a.status = AgreementStatus::Active;
            a.signed_on = Some(d("2018-07-12"));
        };
        assert_eq!(violations(&qld, Subtype::SisterProvince, before), []);
        assert_eq!(
            rules(&qld, Subtype::SisterProvince, |a| {
                before(a);
                a.status = AgreementStatus::PendingVerification;
            }),
            [RuleId::R23]
        );
    }

    /// R23/R9: a pending record keeps its status when replaced (only verification moves it), even
    /// with its date moved before PP 28/2018; a verified one keeps the status it was given.
    #[test]
    fn r23_a_pending_record_keeps_its_status_when_replaced() {
        let qld = qld();
        let pending = Some(Recorded {
            status: AgreementStatus::PendingVerification,
            legacy: true,
        });
        let v = violations(&qld, Subtype::SisterProvince, |a| {
            signed_2025(a);
            a.recorded = pending;
            a.status = AgreementStatus::Active;
        });
        assert_eq!(pointers(&v), [("/status".into(), Some(RuleId::R9))]);
        let moved = violations(&qld, Subtype::SisterProvince, |a| {
            signed_2025(a);
            a.recorded = pending;
            a.signed_on = Some(d("2017-01-01"));
            a.status = AgreementStatus::Active;
        });
        assert!(pointers(&moved).contains(&("/status".into(), Some(RuleId::R9))));
        let verified = violations(&qld, Subtype::SisterProvince, |a| {
            signed_2025(a);
            a.recorded = Some(Recorded {
                status: AgreementStatus::Active,
                legacy: true,
            });
            a.status = AgreementStatus::Active;
        });
        assert_eq!(verified, []);
    }

    #[test]
    fn approval_letters_belong_to_records_from_outside_the_system() {
        let qld = qld();
        let v = violations(&qld, Subtype::SisterProvince, |a| {
            a.approvals = Some(letters())
        });
        assert_eq!(v[0].code, "not_applicable");
        assert_eq!(v[0].pointer, "/approval_letters");
    }

    #[test]
    fn an_amendment_names_the_agreement_it_amends() {
        let qld = qld();
        let v = violations(&qld, Subtype::SisterProvince, |a| {
            a.instrument = Instrument::Amendment
        });
        assert_eq!(
            (v[0].code.as_ref(), v[0].pointer.as_ref()),
            ("required", "/parent_id")
        );
        let ok = violations(&qld, Subtype::SisterProvince, |a| {
            a.instrument = Instrument::Amendment;
            a.has_parent = true;
        });
        assert_eq!(ok, []);
    }

    fn signed_facts<'a>(region: &'a RegionCode, partners: &'a [String]) -> SignedFacts<'a> {
        SignedFacts {
            region,
            subtype: Subtype::SisterProvince,
            instrument: Instrument::Mou,
            partner_ids: partners,
            languages: langs(&["id", "en"]),
            signed_on: Some(d("2025-05-02")),
            signed_place: Some("Semarang"),
            effective_from: Some(d("2025-05-02")),
            expires_on: Some(d("2030-05-01")),
            indonesian_signatory: Some(("Ahmad Luthfi", "Gubernur Jawa Tengah")),
            partner_signatory: Some(("David Crisafulli", "Premier of Queensland")),
            approvals: None,
        }
    }

    /// R16: once signed, one signed text per signed language is recorded, and no other.
    #[test]
    fn r16_signed_texts_are_recorded_once_per_signed_language() {
        use AgreementStatus::*;
        let langs = langs(&["id", "en"]);
        let already = ["id".to_string()];
        assert_eq!(
            check_signed_text(Draft, langs, Some("id"), &already),
            Ok(())
        );
        assert_eq!(
            check_signed_text(Active, langs, Some("en"), &already),
            Ok(())
        );
        for (status, language) in [(Active, "id"), (Expired, "ko"), (Terminated, "id")] {
            let refused = check_signed_text(status, langs, Some(language), &already).unwrap_err();
            assert_eq!(
                (
                    refused[0].code.as_ref(),
                    refused[0].rule,
                    refused[0].pointer.as_ref()
                ),
                ("signed_fact_locked", Some(RuleId::R16), "/language"),
                "{status:?} {language}"
            );
        }
        assert_eq!(
            check_signed_text(Active, langs, None, &already).unwrap_err()[0].code,
            "R16"
        );
    }

    /// R9/R16: after signing, each signed fact changes only through an amendment; a conflict
    /// per field, with its pointer and rule. Before signing everything is open.
    #[test]
    fn r9_r16_signed_facts_change_only_through_an_amendment() {
        use AgreementStatus::*;
        let region = RegionCode::parse("33").unwrap();
        let partners = ["qld".to_string()];
        let before = signed_facts(&region, &partners);
        let other_partners = ["qld".to_string(), "brisbane".to_string()];
        let mut after = signed_facts(&region, &other_partners);
        after.languages = langs(&["id"]);
        after.signed_on = Some(d("2025-05-03"));
        after.signed_place = Some("Brisbane");
        after.indonesian_signatory = Some(("Taj Yasin", "Wakil Gubernur Jawa Tengah"));
        after.subtype = Subtype::OtherKsdpl;
        after.expires_on = Some(d("2035-05-01"));
        for status in [Active, Expired, Terminated] {
            let v = check_signed_facts(status, &before, &after);
            assert!(v.iter().all(|v| v.code == "signed_fact_locked"
                && v.refusal == crate::violation::Refusal::Conflict));
            assert_eq!(
                pointers(&v),
                [
                    ("/subtype".into(), Some(RuleId::R9)),
                    ("/partner_ids".into(), Some(RuleId::R9)),
                    ("/languages".into(), Some(RuleId::R16)),
                    ("/signed_on".into(), Some(RuleId::R9)),
                    ("/signed_place".into(), Some(RuleId::R9)),
                    ("/expires_on".into(), Some(RuleId::R18)),
                    ("/signatories/indonesian".into(), Some(RuleId::R9)),
                ],
                "{status:?}"
            );
            assert!(v[0].text.id.contains("amandemen"));
        }
        for status in [Draft, InApproval, ApprovedForSigning, PendingVerification] {
            assert_eq!(
                check_signed_facts(status, &before, &after),
                [],
                "{status:?}"
            );
        }
        // The same facts written again, in another order or with spaces, change nothing.
        let mut same = signed_facts(&region, &partners);
        same.languages = langs(&["en", "id"]);
        same.signed_place = Some(" Semarang ");
        assert_eq!(check_signed_facts(Active, &before, &same), []);
        // A verified record's letters are fixed too.
        let mut lettered = signed_facts(&region, &partners);
        lettered.approvals = Some(letters());
        assert_eq!(
            pointers(&check_signed_facts(Active, &before, &lettered)),
            [("/approval_letters".into(), Some(RuleId::R23))]
        );
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
