//! Demo data: the seed scenarios (Jawa Tengah with Queensland, Chungcheongbuk-do,
//! Fujian and Siem Reap; the teacher exchange under the Queensland MoU; Banten), with one user per
//! role. Loaded by `jalin demo` or `JALIN_DEMO=1 jalin serve`; loading twice changes nothing.
//! Dates the seeds do not give are illustrative and marked so in the titles' references.

use chrono::NaiveDate;
use jalin_domain::access::{Role, Visibility};
use jalin_domain::agreement::{
    AgreementStatus, CooperationObject, Instrument, PartnerKind, PartnerLevel, Subtype,
};
use jalin_domain::Date;
use jalin_persistence::audit::Actor;
use jalin_persistence::registry::{self, Partner};
use jalin_persistence::{identity, write_transaction};
use serde_json::json;

use crate::error::ApiError;
use crate::service::agreements::{
    self, AgreementInput, ApprovalLetters, Checklist, LetterRef, Signatories, Signatory,
};
use crate::service::lifecycle::{self as transitions, VerificationRequest};
use crate::service::users::{self, CreateUser};
use crate::service::Ctx;
use crate::state::AppState;

/// The demo users' password (demo installations only; change or delete these users in real use).
pub const DEMO_PASSWORD: &str = "jalin-demo-2026";

pub const DEMO_USERS: &[(&str, Role, Option<&str>)] = &[
    ("demo.admin", Role::Admin, None),
    ("demo.kemendagri", Role::CentralReviewer, None),
    ("demo.jateng", Role::ProvinceOfficer, Some("33")),
    ("demo.semarang", Role::RegionOfficer, Some("33.74")),
    ("demo.disdik", Role::AgencyOfficer, Some("33")),
    ("demo.dprd", Role::DprdSecretariat, Some("33")),
    ("demo.evaluator", Role::Evaluator, Some("33")),
    ("demo.viewer", Role::Viewer, Some("33")),
    ("demo.banten", Role::ProvinceOfficer, Some("36")),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    pub loaded: bool,
    pub users: usize,
    pub partners: usize,
    pub agreements: usize,
    /// Coordination meetings of seeds 002, 003 and 004, with their recommendations.
    pub meetings: usize,
}

fn d(s: &str) -> Option<NaiveDate> {
    day(s).map(Date::naive)
}

fn day(s: &str) -> Option<Date> {
    Date::parse(s).ok()
}

fn partner(
    name: &str,
    native: Option<&str>,
    kind: PartnerKind,
    level: Option<PartnerLevel>,
    country: &str,
    website: Option<&str>,
) -> Partner {
    let now = chrono::Utc::now().naive_utc();
    Partner {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.into(),
        native_name: native.map(str::to_owned),
        kind,
        level,
        legal_personality: None,
        political_party: false,
        country: country.into(),
        subdivision: None,
        website: website.map(str::to_owned),
        contacts: json!([]),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

struct Spec<'a> {
    region: &'a str,
    subtype: Subtype,
    instrument: Instrument,
    partner: &'a str,
    title_id: &'a str,
    title_en: &'a str,
    objects: &'a [CooperationObject],
    sectors: &'a [&'a str],
    languages: &'a [&'a str],
    legacy: bool,
    status: AgreementStatus,
    signed_on: Option<&'a str>,
    expires_on: Option<&'a str>,
    parent: Option<String>,
    predecessor: Option<String>,
    agencies: &'a [&'a str],
    note: Option<&'a str>,
}

impl<'a> Spec<'a> {
    /// A Central Java sister-province MoU with `partner` in Indonesian and English: a draft with
    /// nothing else yet.
    fn jateng(partner: &'a str) -> Self {
        Spec {
            region: "33",
            subtype: Subtype::SisterProvince,
            instrument: Instrument::Mou,
            partner,
            title_id: "",
            title_en: "",
            objects: &[],
            sectors: &[],
            languages: &["id", "en"],
            legacy: false,
            status: AgreementStatus::Draft,
            signed_on: None,
            expires_on: None,
            parent: None,
            predecessor: None,
            agencies: &[],
            note: None,
        }
    }
}

/// R23: the (illustrative) letters of a legacy agreement signed under PP 28/2018: DPRD 60,
/// Kemendagri 40 and Kemlu 10 days before the signing.
fn letters(signed_on: NaiveDate) -> ApprovalLetters {
    let letter = |number: &str, days: i64| {
        Date::try_from(signed_on - chrono::Duration::days(days))
            .ok()
            .map(|date| LetterRef {
                number: format!("{number}/demo"),
                date,
            })
    };
    ApprovalLetters {
        dprd_approval: letter("170/DPRD", 60),
        kemendagri_consideration: letter("120/Kemendagri", 40),
        kemlu_confirmation: letter("KS/Kemlu", 10),
    }
}

fn input(s: Spec<'_>) -> AgreementInput {
    let signed_on = s.signed_on.and_then(d);
    // Signed under PP 28/2018 outside the system: it enters pending, with its letters (R23).
    let under_pp28 = s.legacy && jalin_domain::agreement::signed_under_pp28(signed_on);
    AgreementInput {
        region_code: s.region.into(),
        subtype: s.subtype,
        instrument: s.instrument,
        partner_ids: vec![s.partner.into()],
        parent_id: s.parent,
        predecessor_id: s.predecessor,
        title_id: s.title_id.into(),
        title_en: Some(s.title_en.into()),
        objects: s.objects.to_vec(),
        sectors: s.sectors.iter().map(|x| x.to_string()).collect(),
        languages: s.languages.iter().map(|x| x.to_string()).collect(),
        implementing_agencies: s.agencies.iter().map(|x| x.to_string()).collect(),
        financing_source: Some("APBD Provinsi".into()),
        creates_foreign_loan: false,
        value: None,
        signatories: Signatories {
            indonesian: Some(Signatory {
                name: "Gubernur".into(),
                position: if s.region == "36" {
                    "Gubernur Banten".into()
                } else {
                    "Gubernur Jawa Tengah".into()
                },
            }),
            partner: None,
        },
        signed_on: s.signed_on.and_then(day),
        signed_place: None,
        effective_from: s.signed_on.and_then(day),
        expires_on: s.expires_on.and_then(day),
        legacy: s.legacy,
        status: Some(if under_pp28 {
            AgreementStatus::PendingVerification
        } else {
            s.status
        }),
        level_justification: None,
        own_reference: s.note.map(str::to_owned),
        partner_reference: None,
        checklist: Checklist::default(),
        approval_letters: signed_on.filter(|_| under_pp28).map(letters),
    }
}

/// Loads the demo data in one transaction, unless it is there already.
pub fn load(state: &AppState) -> Result<DemoReport, ApiError> {
    let mut conn = state.pool.get()?;
    write_transaction(&mut conn, |c| {
        if identity::find_user_by_username(c, "demo.admin")?.is_some() {
            return Ok(DemoReport {
                loaded: false,
                users: 0,
                partners: 0,
                agreements: 0,
                meetings: 0,
            });
        }
        let actor = Actor::system("demo");
        let ctx = Ctx::system("demo", state.clock);
        for (username, role, region) in DEMO_USERS {
            let user = CreateUser {
                username: (*username).into(),
                display_name: format!("Demo {}", role.as_str().replace('_', " ")),
                password: DEMO_PASSWORD.into(),
                role: *role,
                region_code: region.map(str::to_owned),
            };
            users::create(c, &ctx, &jalin_domain::identity::UserGrant::system(), user)?;
        }
        use CooperationObject::*;
        use PartnerKind::*;
        let partners = [
            partner(
                "State of Queensland",
                None,
                ForeignLocalGovernment,
                Some(PartnerLevel::State),
                "AU",
                Some("https://www.qld.gov.au"),
            ),
            partner(
                "Chungcheongbuk-do",
                Some("충청북도"),
                ForeignLocalGovernment,
                Some(PartnerLevel::Province),
                "KR",
                Some("https://www.chungbuk.go.kr"),
            ),
            partner(
                "Fujian Province",
                Some("福建省"),
                ForeignLocalGovernment,
                Some(PartnerLevel::Province),
                "CN",
                None,
            ),
            partner(
                "Siem Reap Province",
                Some("ខេត្តសៀមរាប"),
                ForeignLocalGovernment,
                Some(PartnerLevel::Province),
                "KH",
                None,
            ),
            partner(
                "Japan International Cooperation Agency (JICA)",
                Some("独立行政法人国際協力機構"),
                ForeignGovernmentAgency,
                None,
                "JP",
                Some("https://www.jica.go.jp"),
            ),
        ];
        for p in &partners {
            if registry::insert_partner(c, p)?.is_err() {
                return Err(ApiError::internal(format!(
                    "demo partner {} exists already",
                    p.name
                )));
            }
        }
        let [qld, chungbuk, fujian, siem_reap, jica] = partners.map(|p| p.id);
        let mut count = 0;
        let reviewer = jalin_domain::access::Principal {
            id: "demo".into(),
            name: "demo".into(),
            kind: jalin_domain::access::PrincipalKind::User {
                role: Role::CentralReviewer,
            },
            region: None,
        };
        let mut add = |c: &mut jalin_persistence::DbConnection,
                       s: Spec<'_>|
         -> Result<String, ApiError> {
            count += 1;
            let a = agreements::create(c, &ctx, &Visibility::All, input(s))?.agreement;
            if a.status == AgreementStatus::PendingVerification {
                // Verified by Kemendagri (the demo stands in for its reviewer).
                let verify = VerificationRequest {
                    outcome: jalin_domain::lifecycle::VerificationOutcome::Verified,
                    note: None,
                };
                transitions::verify(c, &ctx, &reviewer, &Visibility::All, &a.id, verify, |_| {
                    Ok(())
                })?;
            }
            Ok(a.id)
        };
        // Jawa Tengah – Queensland: the 1991 MoU, renewed in 2019 through every PP 28/2018
        // stage (seed 001), and the teacher exchange under it (seed 000).
        let mou_1991 = add(
            c,
            Spec {
                title_id: "Nota Kesepahaman Provinsi Kembar Jawa Tengah – Queensland",
                title_en: "Sister Province Memorandum of Understanding Central Java – Queensland",
                objects: &[CulturalExchange, TechnicalCapacity],
                sectors: &["pendidikan", "kebudayaan"],
                legacy: true,
                status: AgreementStatus::Expired,
                signed_on: Some("1991-02-26"),
                expires_on: Some("2019-08-05"),
                note: Some("demo: day and month of 1991 illustrative"),
                ..Spec::jateng(&qld)
            },
        )?;
        let mou_2019 = add(
            c,
            Spec {
                title_id: "Pembaruan Nota Kesepahaman Provinsi Kembar Jawa Tengah – Queensland",
                title_en: "Renewed Sister Province MoU Central Java – Queensland",
                objects: &[CulturalExchange, TechnicalCapacity, RegionalPromotion],
                sectors: &["pendidikan", "kebudayaan", "ekonomi"],
                legacy: true,
                status: AgreementStatus::Expired,
                signed_on: Some("2019-08-06"),
                expires_on: Some("2024-08-05"),
                predecessor: Some(mou_1991),
                note: Some("demo: signed 6 Aug 2019 (seed 001); end date illustrative"),
                ..Spec::jateng(&qld)
            },
        )?;
        add(
            c,
            Spec {
                instrument: Instrument::ImplementingArrangement,
                title_id: "Pengaturan Pelaksanaan Pertukaran Guru Dinas Pendidikan Jawa Tengah – Department of Education Queensland",
                title_en: "Implementing Arrangement on Teacher Exchange",
                objects: &[CulturalExchange, TechnicalCapacity],
                sectors: &["pendidikan"],
                legacy: true,
                status: AgreementStatus::Expired,
                signed_on: Some("2019-08-06"),
                expires_on: Some("2024-08-05"),
                parent: Some(mou_2019),
                agencies: &["Dinas Pendidikan dan Kebudayaan Provinsi Jawa Tengah"],
                note: Some("demo: dates illustrative"),
                ..Spec::jateng(&qld)
            },
        )?;
        // Jawa Tengah – Chungcheongbuk-do: since 2004, last MoU 2014–2019, being revitalized.
        let chungbuk_2014 = add(
            c,
            Spec {
                title_id: "Nota Kesepahaman Provinsi Kembar Jawa Tengah – Chungcheongbuk-do",
                title_en: "Sister Province MoU Central Java – Chungcheongbuk-do",
                objects: &[CulturalExchange, ScienceTechnology, RegionalPromotion],
                sectors: &["pariwisata", "perdagangan"],
                languages: &["id", "ko", "en"],
                legacy: true,
                status: AgreementStatus::Expired,
                signed_on: Some("2014-11-28"),
                expires_on: Some("2019-11-27"),
                note: Some("demo: cooperation since 28 Nov 2004; 2014 dates illustrative"),
                ..Spec::jateng(&chungbuk)
            },
        )?;
        add(
            c,
            Spec {
                title_id: "Revitalisasi Kerja Sama Provinsi Kembar Jawa Tengah – Chungcheongbuk-do",
                title_en:
                    "Revitalized Sister Province Cooperation Central Java – Chungcheongbuk-do",
                objects: &[TechnicalCapacity, ScienceTechnology, RegionalPromotion],
                sectors: &["pemerintahan", "industri", "pariwisata"],
                languages: &["id", "ko", "en"],
                predecessor: Some(chungbuk_2014),
                ..Spec::jateng(&chungbuk)
            },
        )?;
        // Fujian and Siem Reap: active, candidates for revitalization (seed 001).
        add(
            c,
            Spec {
                title_id: "Nota Kesepahaman Provinsi Kembar Jawa Tengah – Fujian",
                title_en: "Sister Province MoU Central Java – Fujian",
                objects: &[CulturalExchange, RegionalPromotion],
                sectors: &["perdagangan", "kebudayaan"],
                languages: &["id", "zh", "en"],
                legacy: true,
                status: AgreementStatus::Active,
                signed_on: Some("2016-05-10"),
                expires_on: Some("2027-05-09"),
                note: Some("demo: dates illustrative"),
                ..Spec::jateng(&fujian)
            },
        )?;
        add(
            c,
            Spec {
                title_id: "Nota Kesepahaman Provinsi Kembar Jawa Tengah – Siem Reap",
                title_en: "Sister Province MoU Central Java – Siem Reap",
                objects: &[CulturalExchange, RegionalPromotion],
                sectors: &["pariwisata", "kebudayaan"],
                languages: &["id", "km", "en"],
                legacy: true,
                status: AgreementStatus::Active,
                signed_on: Some("2017-09-20"),
                expires_on: Some("2027-09-19"),
                note: Some("demo: dates illustrative"),
                ..Spec::jateng(&siem_reap)
            },
        )?;
        // Banten (seed 002): a technical cooperation still in draft, awaiting the workflow that
        // the seed's agreements without DPRD approval skipped.
        add(
            c,
            Spec {
                region: "36",
                subtype: Subtype::OtherKsdll,
                instrument: Instrument::Pks,
                title_id:
                    "Kerja Sama Teknik Peningkatan Kapasitas Pemerintah Provinsi Banten (contoh)",
                title_en: "Technical Cooperation on Government Capacity, Banten (example)",
                objects: &[TechnicalCapacity],
                sectors: &["pemerintahan"],
                languages: &["id", "en"],
                note: Some("demo example"),
                ..Spec::jateng(&jica)
            },
        )?;
        let meetings = seed_meetings(c, &actor, state.clock)?;
        Ok(DemoReport {
            loaded: true,
            users: DEMO_USERS.len(),
            partners: 5,
            agreements: count,
            meetings,
        })
    })
}

/// A seed meeting: `(region, kind, title, starts, ends, place, organiser, participants, recommendations)`.
type SeedMeeting<'a> = (
    Option<&'a str>,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    &'a str,
    (&'a str, u32),
    &'a [(&'a str, Option<&'a str>)],
);

/// The coordination meetings of seeds 002 (Banten's rakor), 003 (Kemendagri's evaluation of
/// technical cooperation) and 004 (Kemendagri's sister city/province guidance), with their
/// numbered recommendations as the seeds word them (shortened). The seeds give no due dates,
/// except the annual report of recommendation 002-2 (R22: 7 working days after 2019).
fn seed_meetings(
    c: &mut jalin_persistence::DbConnection,
    actor: &Actor,
    clock: crate::clock::Clock,
) -> Result<usize, ApiError> {
    use crate::service::coordination::meetings::{
        self, MeetingInput, Participant, RecommendationInput,
    };
    use crate::service::Ctx;
    use jalin_domain::coordination::MeetingKind;
    let meetings: [SeedMeeting<'_>; 3] = [
        (
            Some("36"),
            "coordination_meeting",
            "Rapat Koordinasi Kerja Sama Luar Negeri Provinsi Banten 2019",
            "2019-03-11",
            None,
            "Aula Biro Pemerintahan Setda Provinsi Banten",
            "Biro Pemerintahan Setda Provinsi Banten",
            ("OPD terkait Kab/Kota se-Provinsi Banten (pariwisata, kelautan dan perikanan, bagian kerja sama)", 32),
            &[
                ("Mengoptimalkan pemanfaatan program kerja sama: sosialisasi kebijakan oleh Provinsi, memastikan tersusunnya Nota Kesepahaman dan Perjanjian Kerja Sama sesuai PP 28/2018, dan mendokumentasikan hasil dalam bentuk success story/good practice.", None),
                ("Pelaporan hasil kerja sama disampaikan setiap tahun paling lambat 7 hari kerja setelah berakhirnya tahun anggaran.", Some("2020-01-10")),
                ("Pemerintah Provinsi sebagai wakil Pemerintah Pusat mengkoordinasikan Kabupaten/Kota (fasilitasi, supervisi, penatausahaan) dan membangun komunikasi yang efektif antar instansi.", None),
                ("Menyusun Grand Design / Rencana Induk Kerja Sama Luar Negeri.", None),
                ("Menyusun indikator keberhasilan program kerja sama dengan tujuh kriteria instrumen kerja sama.", None),
            ],
        ),
        (
            None,
            "evaluation_meeting",
            "Rapat Koordinasi dan Evaluasi Kerja Sama Teknik Luar Negeri 2019",
            "2019-09-11",
            Some("2019-09-13"),
            "Hotel Pangeran Beach, Kota Padang, Sumatera Barat",
            "Kementerian Dalam Negeri",
            ("Kementerian/Lembaga, Kementerian Dalam Negeri dan Pemerintah Daerah", 61),
            &[
                ("Pemerintah daerah dapat bekerja sama dengan lembaga luar negeri setelah mendapat persetujuan pemerintah pusat (PP 28/2018).", None),
                ("Kerja sama luar negeri diarahkan sebagai pemicu inovasi daerah, bukan rutinitas administratif.", None),
                ("Kemendagri menyinkronkan kebijakan kerja sama luar negeri dengan kementerian/lembaga teknis dan Kemlu.", None),
                ("Pemerintah daerah teliti mengidentifikasi potensi manfaat dan dampak melalui pemetaan kajian bersama.", None),
                ("Pemerintah daerah membuka peluang kerja sama yang ditawarkan lembaga luar negeri seperti JICA.", None),
                ("Daerah yang sudah menandatangani LoI segera meningkatkannya menjadi MoU; yang sudah ber-MoU wajib melaksanakan kegiatannya.", None),
                ("Pemda melaporkan secara periodik kepada Kemendagri kendala, tantangan dan manfaat.", None),
                ("Pemda mengevaluasi kerja sama di daerahnya sebagai dasar evaluasi Kemendagri dan perpanjangan.", None),
                ("Kerja sama dilaksanakan dengan kompilasi, koordinasi dan konsultasi yang efektif antara pemda, pemerintah pusat dan mitra luar negeri.", None),
            ],
        ),
        (
            None,
            "technical_guidance",
            "Bimbingan Teknis Kerja Sama Sister City/Province 2019",
            "2019-07-10",
            Some("2019-07-12"),
            "Hotel Novotel Jakarta Mangga Dua Square, Jakarta Utara",
            "Kementerian Dalam Negeri",
            ("Sekretaris Daerah provinsi dan kabupaten/kota", 61),
            &[
                ("Kerja sama sister city/province dilakukan untuk efisiensi dan efektivitas pemerintahan daerah dan kesejahteraan masyarakat.", None),
                ("Diperlukan komitmen kuat seluruh pemangku kepentingan, dari OPD pelaksana hingga DPRD.", None),
                ("Kerja sama direncanakan rinci melalui rencana kerja sama/action plan agar MoU tidak seremonial.", None),
                ("Naskah kerja sama sejalan dengan politik luar negeri, kewenangan daerah dan peraturan perundang-undangan.", None),
                ("Tercatat 17 sister city/province arrangements yang dikukuhkan dengan MoU.", None),
                ("Revitalisasi kerja sama sister menggiatkan kembali program sesuai kebutuhan dan kebijakan terkini.", None),
                ("Persiapan revitalisasi: evaluasi kerja sama, roadmap, pemetaan potensi, komunikasi dengan mitra.", None),
                ("Pemda berkoordinasi dengan Kemendagri dalam one gate policy melalui Pusat Fasilitasi Kerja Sama, termasuk pemetaan potensi daerah.", None),
                ("Kemendagri melakukan monitoring dan evaluasi intensif bersama kementerian/lembaga terkait.", None),
                ("Praktik baik kerja sama sister direplikasi melalui kerja sama antar daerah di dalam negeri.", None),
            ],
        ),
    ];
    let ctx = Ctx::system(&actor.name, clock);
    for (region, kind, title, starts, ends, place, organiser, (agency, count), recs) in meetings {
        let seed_date = |s: &str| day(s).ok_or_else(|| ApiError::internal("seed date"));
        let recommendations = recs
            .iter()
            .enumerate()
            .map(|(n, (text, due))| RecommendationInput {
                number: n as i32 + 1,
                text: (*text).into(),
                owner_region_code: region.map(str::to_owned),
                owner_agency: None,
                due_on: due.and_then(day),
                agreement_ids: Vec::new(),
                region_codes: Vec::new(),
            })
            .collect();
        let input = MeetingInput {
            kind: MeetingKind::parse(kind).ok_or_else(|| ApiError::internal("seed kind"))?,
            title: title.into(),
            starts_on: seed_date(starts)?,
            ends_on: ends.and_then(day),
            place: place.into(),
            organiser: organiser.into(),
            region_code: region.map(str::to_owned),
            participants: vec![Participant {
                region_code: region.map(str::to_owned),
                agency: agency.into(),
                count,
            }],
            agenda: None,
            recommendations,
        };
        meetings::create(c, &ctx, (&Visibility::All, &Visibility::All), input)?;
    }
    Ok(3)
}
