//! The names people read for the agreement codes, in English and Indonesian: what an export
//! written for people shows instead of `sister_province` or `cultural_exchange`, and what an
//! import reads back (either language, any case) as the code (#20). One table, next to the codes.

use crate::agreement::{AgreementKind, AgreementStatus, CooperationObject, Instrument, Subtype};
use crate::violation::Text;

/// `label` (its name in both languages) and `from_label` (a name in either language, any case,
/// surrounding spaces ignored) of a code enum.
macro_rules! labels {
    ($name:ident { $($variant:ident => ($en:literal, $id:literal)),+ $(,)? }) => {
        impl $name {
            /// Its name in English and Indonesian.
            pub fn label(self) -> Text {
                match self { $($name::$variant => Text::new($en, $id)),+ }
            }

            /// The variant named `s` in either language.
            pub fn from_label(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.into_iter().find(|v| {
                    let t = v.label();
                    t.en.to_lowercase() == s.to_lowercase() || t.id.to_lowercase() == s.to_lowercase()
                })
            }
        }
    };
}

labels! {
    AgreementKind {
        Ksdpl => ("With a foreign local government (KSDPL)", "Dengan pemerintah daerah di luar negeri (KSDPL)"),
        Ksdll => ("With a foreign institution (KSDLL)", "Dengan lembaga di luar negeri (KSDLL)"),
    }
}

labels! {
    Subtype {
        SisterProvince => ("Sister province", "Provinsi kembar"),
        SisterCity => ("Sister regency/city", "Kabupaten/kota kembar"),
        OtherKsdpl => ("Other cooperation with a foreign local government", "Kerja sama lain dengan pemerintah daerah di luar negeri"),
        Continuation => ("Continuation of a central government cooperation", "Penerusan kerja sama pemerintah pusat"),
        OtherKsdll => ("Other cooperation with a foreign institution", "Kerja sama lain dengan lembaga di luar negeri"),
    }
}

labels! {
    Instrument {
        Loi => ("Letter of intent", "Surat pernyataan kehendak"),
        Mou => ("Memorandum of understanding", "Nota kesepahaman"),
        Pks => ("Cooperation agreement", "Perjanjian kerja sama"),
        ImplementingArrangement => ("Implementing arrangement", "Pengaturan pelaksanaan"),
        Amendment => ("Amendment", "Amandemen"),
    }
}

labels! {
    CooperationObject {
        ScienceTechnology => ("Science and technology", "Ilmu pengetahuan dan teknologi"),
        CulturalExchange => ("Cultural exchange", "Pertukaran budaya"),
        TechnicalCapacity => ("Technical and governance capacity", "Peningkatan kemampuan teknis dan manajemen pemerintahan"),
        RegionalPromotion => ("Promotion of regional potential", "Promosi potensi daerah"),
        OtherLawful => ("Other lawful cooperation", "Kerja sama lain yang tidak bertentangan dengan peraturan"),
    }
}

labels! {
    AgreementStatus {
        Draft => ("Draft", "Draf"),
        InApproval => ("In approval", "Dalam proses persetujuan"),
        ApprovedForSigning => ("Approved for signing", "Disetujui untuk ditandatangani"),
        Active => ("In force", "Berlaku"),
        Expired => ("Expired", "Berakhir"),
        Terminated => ("Terminated", "Diakhiri"),
        Rejected => ("Rejected", "Ditolak"),
        Withdrawn => ("Withdrawn", "Ditarik"),
        PendingVerification => ("Pending verification", "Menunggu verifikasi"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name reads back as its variant, in both languages and any case, and no name is
    /// another variant's code (an import reads codes and names alike).
    macro_rules! round_trip {
        ($($t:ty),+) => {$(
            for v in <$t>::ALL {
                let t = v.label();
                assert_eq!(<$t>::from_label(&t.en), Some(v), "{v:?}");
                assert_eq!(<$t>::from_label(&t.id.to_uppercase()), Some(v), "{v:?}");
                assert_eq!(<$t>::from_label(&format!(" {} ", t.id)), Some(v), "{v:?}");
                for w in <$t>::ALL {
                    assert_ne!(<$t>::parse(&t.en), Some(w), "{v:?}");
                    assert_ne!(<$t>::parse(&t.id), Some(w), "{v:?}");
                }
            }
            assert_eq!(<$t>::from_label("no such name"), None);
        )+};
    }

    #[test]
    fn every_name_reads_back_as_its_variant() {
        round_trip!(
            AgreementKind,
            Subtype,
            Instrument,
            CooperationObject,
            AgreementStatus
        );
    }
}
