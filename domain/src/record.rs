//! The kinds of record the product keeps and the actions the audit log records on them, each with
//! its stable code and its names in English and Indonesian — so that a "not found" problem, an
//! audit event and an event feed speak of the same things the same way.

use crate::violation::Text;

macro_rules! named {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($code:literal, $en:literal, $id:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        $crate::code::codes! { $name { $($variant => $code),+ } }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Its name in both languages.
            pub fn name(self) -> Text {
                match self { $($name::$variant => Text::new($en, $id)),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named! {
    /// What a record is: the `record_type` of audit events, the subject of "not found".
    RecordKind {
        Agreement => ("agreement", "agreement", "perjanjian"),
        Partner => ("partner", "partner", "mitra"),
        Document => ("document", "document", "dokumen"),
        Activity => ("activity", "activity", "kegiatan"),
        ActionPlan => ("action_plan", "action plan", "rencana aksi"),
        Evaluation => ("evaluation", "evaluation", "evaluasi"),
        EvaluationInstrument => ("evaluation_instrument", "evaluation instrument", "instrumen evaluasi"),
        AnnualReport => ("annual_report", "annual report", "laporan tahunan"),
        Workflow => ("workflow", "workflow of agreement", "alur kerja perjanjian"),
        WorkflowDefinition => ("workflow_definition", "workflow definition", "definisi alur kerja"),
        TravelRequest => ("travel_request", "travel request", "permohonan perjalanan dinas"),
        Delivery => ("delivery", "delivery", "pengiriman"),
        ExternalSystem => ("external_system", "external system", "sistem eksternal"),
        WebhookEndpoint => ("webhook_endpoint", "webhook endpoint", "titik akhir webhook"),
        Potential => ("potential", "potential", "potensi"),
        Meeting => ("meeting", "meeting", "rapat"),
        Recommendation => ("recommendation", "recommendation", "rekomendasi"),
        GoodPractice => ("good_practice", "good practice", "praktik baik"),
        User => ("user", "user", "pengguna"),
        ServiceAccount => ("service_account", "service account", "akun layanan"),
        Region => ("region", "region", "daerah"),
        Country => ("country", "country", "negara"),
        CalendarYear => ("calendar_year", "calendar year", "tahun kalender"),
        RegionalCalendarYear => ("regional_calendar_year", "regional days off of a year", "hari libur daerah setahun"),
        LetterTemplate => ("letter_template", "letter template", "templat surat"),
    }
}

named! {
    /// What the audit log records: `{record}.{what happened}`.
    AuditAction {
        AgreementCreated => ("agreement.created", "agreement created", "perjanjian dibuat"),
        AgreementUpdated => ("agreement.updated", "agreement changed", "perjanjian diubah"),
        AgreementDeleted => ("agreement.deleted", "draft agreement deleted", "draf perjanjian dihapus"),
        AgreementTerminated => ("agreement.terminated", "agreement terminated", "perjanjian diakhiri"),
        AgreementExpired => ("agreement.expired", "agreement expired", "perjanjian berakhir"),
        AgreementVerified => ("agreement.verified", "approvals of an agreement recorded from outside the system verified", "persetujuan perjanjian yang dicatat dari luar sistem diverifikasi"),
        AgreementVerificationRefused => ("agreement.verification_refused", "verification of an agreement's approvals refused", "verifikasi persetujuan perjanjian ditolak"),
        AgreementRevived => ("agreement.revived", "agreement back in force", "perjanjian berlaku kembali"),
        AgreementRenewalStarted => ("agreement.renewal_started", "renewal started", "perpanjangan dimulai"),
        AgreementDormant => ("agreement.dormant", "agreement flagged dormant", "perjanjian ditandai tidak aktif"),
        PartnerCreated => ("partner.created", "partner registered", "mitra didaftarkan"),
        PartnerUpdated => ("partner.updated", "partner changed", "mitra diubah"),
        DocumentUploaded => ("document.uploaded", "document uploaded", "dokumen diunggah"),
        WorkflowStarted => ("workflow.started", "approval started", "persetujuan dimulai"),
        WorkflowStageCompleted => ("workflow.stage_completed", "stage completed", "tahap diselesaikan"),
        WorkflowReceiptRecorded => ("workflow.receipt_recorded", "receipt by DPRD recorded", "penerimaan oleh DPRD dicatat"),
        WorkflowApproved => ("workflow.approved", "stage approved", "tahap disetujui"),
        WorkflowRejected => ("workflow.rejected", "stage rejected", "tahap ditolak"),
        WorkflowReturned => ("workflow.returned", "case returned", "kasus dikembalikan"),
        WorkflowWithdrawn => ("workflow.withdrawn", "case withdrawn", "kasus ditarik"),
        ActivityCreated => ("activity.created", "activity recorded", "kegiatan dicatat"),
        ActivityUpdated => ("activity.updated", "activity changed", "kegiatan diubah"),
        ActivityDeleted => ("activity.deleted", "activity deleted", "kegiatan dihapus"),
        ActionPlanCreated => ("action_plan.created", "action plan created", "rencana aksi dibuat"),
        ActionPlanUpdated => ("action_plan.updated", "action plan changed", "rencana aksi diubah"),
        EvaluationCreated => ("evaluation.created", "evaluation drafted", "evaluasi disusun"),
        EvaluationUpdated => ("evaluation.updated", "evaluation changed", "evaluasi diubah"),
        EvaluationDeleted => ("evaluation.deleted", "evaluation deleted", "evaluasi dihapus"),
        EvaluationSubmitted => ("evaluation.submitted", "evaluation submitted", "evaluasi diajukan"),
        EvaluationVerified => ("evaluation.verified", "evaluation verified", "evaluasi diverifikasi"),
        EvaluationReturned => ("evaluation.returned", "evaluation returned", "evaluasi dikembalikan"),
        AnnualReportCreated => ("annual_report.created", "annual report drafted", "laporan tahunan disusun"),
        AnnualReportSubmitted => ("annual_report.submitted", "annual report submitted", "laporan tahunan disampaikan"),
        TravelRequestCreated => ("travel_request.created", "travel request drafted", "permohonan perjalanan disusun"),
        TravelRequestUpdated => ("travel_request.updated", "travel request changed", "permohonan perjalanan diubah"),
        TravelRequestDocumentUploaded => ("travel_request.document_uploaded", "travel document uploaded", "dokumen perjalanan diunggah"),
        TravelRequestSubmitted => ("travel_request.submitted", "travel request submitted", "permohonan perjalanan diajukan"),
        TravelRequestRecommended => ("travel_request.recommended", "travel request recommended", "permohonan perjalanan direkomendasikan"),
        TravelRequestRejected => ("travel_request.rejected", "travel request refused", "permohonan perjalanan ditolak"),
        TravelRequestCancelled => ("travel_request.cancelled", "trip cancelled", "perjalanan dibatalkan"),
        TravelRequestReturned => ("travel_request.returned", "return recorded", "kepulangan dicatat"),
        TravelRequestDecisionRecorded => ("travel_request.decision_recorded", "permit decision recorded by hand", "keputusan izin dicatat manual"),
        TravelRequestDecisionReceived => ("travel_request.decision_received", "permit decision received", "keputusan izin diterima"),
        TravelRequestReported => ("travel_request.reported", "trip report filed", "laporan perjalanan disampaikan"),
        TravelRequestPersonalDataRead => ("travel_request.personal_data_read", "travellers' personal data read", "data pribadi pelaku perjalanan dibaca"),
        PermitRequested => ("permit.requested", "permit requested", "izin dimohonkan"),
        PermitDecided => ("permit.decided", "permit decided", "izin diputuskan"),
        DeliveryRetried => ("delivery.retried", "delivery retried", "pengiriman diulang"),
        WebhookEndpointCreated => ("webhook_endpoint.created", "webhook endpoint created", "titik akhir webhook dibuat"),
        WebhookEndpointUpdated => ("webhook_endpoint.updated", "webhook endpoint changed", "titik akhir webhook diubah"),
        WebhookEndpointDeleted => ("webhook_endpoint.deleted", "webhook endpoint deleted", "titik akhir webhook dihapus"),
        WebhookEndpointDisabled => ("webhook_endpoint.disabled", "webhook endpoint disabled", "titik akhir webhook dinonaktifkan"),
        WebhookEndpointReplayed => ("webhook_endpoint.replayed", "webhook events replayed", "peristiwa webhook dikirim ulang"),
        PotentialCreated => ("potential.created", "potential recorded", "potensi dicatat"),
        PotentialUpdated => ("potential.updated", "potential changed", "potensi diubah"),
        MeetingCreated => ("meeting.created", "meeting recorded", "rapat dicatat"),
        MeetingDocumentUploaded => ("meeting.document_uploaded", "meeting document uploaded", "dokumen rapat diunggah"),
        RecommendationFollowedUp => ("recommendation.followed_up", "recommendation followed up", "rekomendasi ditindaklanjuti"),
        GoodPracticeCreated => ("good_practice.created", "good practice drafted", "praktik baik disusun"),
        GoodPracticeUpdated => ("good_practice.updated", "good practice changed", "praktik baik diubah"),
        GoodPracticeSubmitted => ("good_practice.submit", "good practice submitted for review", "praktik baik diajukan untuk ditelaah"),
        GoodPracticePublished => ("good_practice.publish", "good practice published", "praktik baik diterbitkan"),
        GoodPracticeReturned => ("good_practice.return", "good practice returned", "praktik baik dikembalikan"),
        GoodPracticeWithdrawn => ("good_practice.withdraw", "good practice withdrawn", "praktik baik ditarik"),
        UserCreated => ("user.created", "user created", "pengguna dibuat"),
        UserUpdated => ("user.updated", "user changed", "pengguna diubah"),
        ServiceAccountCreated => ("service_account.created", "service account created", "akun layanan dibuat"),
        ServiceAccountUpdated => ("service_account.updated", "service account changed", "akun layanan diubah"),
        ServiceAccountDeleted => ("service_account.deleted", "service account deleted", "akun layanan dihapus"),
        CalendarYearLoaded => ("calendar_year.loaded", "holidays of a year loaded", "hari libur setahun dimuat"),
        RegionalCalendarYearLoaded => ("regional_calendar_year.loaded", "regional days off of a year loaded", "hari libur daerah setahun dimuat"),
        AnnualReportDueDateRecomputed => ("annual_report.due_date_recomputed", "report due date recomputed on the loaded calendar", "tanggal jatuh tempo laporan dihitung ulang dengan kalender yang dimuat"),
        WorkflowDueDateRecomputed => ("workflow.due_date_recomputed", "due date recomputed on the loaded calendar", "tanggal jatuh tempo dihitung ulang dengan kalender yang dimuat"),
        AgreementLetterGenerated => ("agreement.letter_generated", "official letter generated", "surat dinas dibuat"),
        TravelRequestLetterGenerated => ("travel_request.letter_generated", "permit request letter generated", "surat permohonan izin dibuat"),
        AnnualReportRendered => ("annual_report.rendered", "annual report rendered as a document", "dokumen laporan tahunan dibuat"),
        LetterTemplateReplaced => ("letter_template.replaced", "letter template replaced", "templat surat diganti"),
        RegionLetterheadUpdated => ("region.letterhead_updated", "region letterhead changed", "kop surat daerah diubah"),
    }
}

impl AuditAction {
    /// The kind of record the action is about (the part before the dot).
    pub fn record_kind(self) -> Option<RecordKind> {
        RecordKind::parse(self.as_str().split('.').next().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::parse(k.as_str()), Some(*k));
            assert!(!k.name().id.is_empty());
        }
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.as_str()), "{a} twice");
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
            assert!(a.as_str().contains('.'));
        }
    }

    #[test]
    fn an_action_names_its_record() {
        assert_eq!(
            AuditAction::AgreementTerminated.record_kind(),
            Some(RecordKind::Agreement)
        );
        assert_eq!(AuditAction::PermitRequested.record_kind(), None);
    }
}
