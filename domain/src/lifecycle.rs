//! The agreement status lifecycle: draft → in approval → approved for signing →
//! active → expired or terminated; rejected or withdrawn when its approval case ends so. A
//! renewal is a successor that goes through approval again, linked to its predecessor (R18).
//! Which event moves an agreement where, and what may be deleted. Legacy agreements (R23) are
//! recorded as they stand: they never enter the workflow, but they expire and are terminated
//! like any other.

use chrono::NaiveDate;

use crate::access::{Action, Principal, Scope};
use crate::agreement::AgreementStatus;
use crate::case::{Case, CaseStatus, Signatory, StageRecord};
use crate::code::code_enum;
use crate::rules::RuleId;
use crate::violation::{Verdict, Violation};
use crate::workflow::StageKey;

code_enum! {
    /// R19: why an agreement ends before its term (expiry is automatic). A change of head of
    /// region is none of them: it does not end an agreement (R17).
    TerminationReason {
        ObjectiveAchieved => "objective_achieved",
        MutualAgreement => "mutual_agreement",
        PolicyChange => "policy_change",
        ObjectLost => "object_lost",
    }
}

/// Ways a change of head of region is put as a termination reason: the new governor, regent
/// or mayor after an election (*pilkada*) wishing to end the predecessor's agreements.
const HEAD_OF_REGION_CHANGED: &[&str] = &[
    "head_of_region_changed",
    "change_of_head_of_region",
    "new_head_of_region",
    "new_governor",
    "new_regent",
    "new_mayor",
    "election",
    "pilkada",
];

impl TerminationReason {
    /// **R19** — a reason from the list, or its refusal; **R17** — a change of head of region is
    /// refused as such: the agreement binds the region, not the person who signed it.
    pub fn from_input(reason: &str) -> Verdict<TerminationReason> {
        if HEAD_OF_REGION_CHANGED.contains(&reason.trim().to_ascii_lowercase().as_str()) {
            return Err(vec![Violation::rule(
                RuleId::R17,
                "/reason",
                "a change of head of region does not end an agreement: it binds the region, not the signatory (terminate only for a reason of R19)",
                "pergantian kepala daerah tidak mengakhiri perjanjian: perjanjian mengikat daerah, bukan penandatangannya (pengakhiran hanya dengan alasan R19)",
            )]);
        }
        TerminationReason::parse(reason).ok_or_else(|| {
            vec![Violation::rule(
                RuleId::R19,
                "/reason",
                format!("`{reason}` is not a termination reason: objective_achieved, mutual_agreement, policy_change or object_lost (expiry is automatic)"),
                format!("`{reason}` bukan alasan pengakhiran: objective_achieved, mutual_agreement, policy_change atau object_lost (berakhirnya jangka waktu berlaku otomatis)"),
            )]
        })
    }
}

/// What happens to an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The region starts the approval workflow of a draft (a renewal's successor too, R18).
    WorkflowStarted,
    /// Its case reached the signing stage: every approval is recorded.
    ApprovedForSigning,
    /// A return took its case back from the signing stage.
    ApprovalReopened,
    /// Signed: active from the signing date, by these signatories.
    Signed {
        on: NaiveDate,
        place: String,
        indonesian: Signatory,
        partner: Signatory,
    },
    /// R23: a central reviewer verified the approvals of an agreement signed outside the
    /// system: it is in force (or already expired).
    ApprovalsVerified,
    /// R23: a central reviewer refused them, with a note: the agreement stays pending, back
    /// with its region to correct its references.
    ApprovalsRefused { note: String },
    /// Its case was rejected (DPRD).
    Rejected,
    /// The region withdrew its case.
    Withdrawn,
    /// Ended before its term, for a reason of R19.
    Terminated {
        reason: TerminationReason,
        on: NaiveDate,
        note: String,
    },
    /// The day after its end date has come.
    Expired,
}

/// What the lifecycle needs to know of an agreement besides its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Recorded from before the system (R23): no workflow.
    pub legacy: bool,
    pub expires_on: Option<NaiveDate>,
    pub today: NaiveDate,
}

fn refused(code: &'static str, en: &str, id: &str) -> Vec<Violation> {
    vec![Violation::conflict(code, en, id)]
}

/// The status an agreement in `status` has after `event`, or why the event cannot happen to it.
pub fn after(status: AgreementStatus, event: &Event, facts: &Facts) -> Verdict<AgreementStatus> {
    use AgreementStatus::*;
    match (event, status) {
        (Event::WorkflowStarted, _) if facts.legacy => Err(vec![Violation::conflict(
            "legacy_has_no_workflow",
            "A legacy agreement (R23) has no approval workflow.",
            "Perjanjian lama (R23) tidak memiliki alur persetujuan.",
        )
        .citing(RuleId::R23)]),
        (Event::WorkflowStarted, Draft) => Ok(InApproval),
        (Event::WorkflowStarted, _) => Err(refused(
            "not_a_draft",
            "Only a draft starts the workflow.",
            "Hanya draf yang memulai alur kerja.",
        )),
        (Event::ApprovedForSigning, InApproval) => Ok(ApprovedForSigning),
        (Event::ApprovalReopened, ApprovedForSigning) => Ok(InApproval),
        (Event::Signed { .. }, ApprovedForSigning) => Ok(Active),
        (Event::ApprovalsVerified, PendingVerification)
            if facts.expires_on.is_some_and(|end| end < facts.today) =>
        {
            Ok(Expired)
        }
        (Event::ApprovalsVerified, PendingVerification) => Ok(Active),
        (Event::ApprovalsRefused { .. }, PendingVerification) => Ok(PendingVerification),
        (Event::ApprovalsVerified | Event::ApprovalsRefused { .. }, _) => {
            Err(vec![Violation::conflict(
                "not_pending_verification",
                "Only an agreement recorded from outside the system and pending verification of its approvals is verified (R23).",
                "Hanya perjanjian yang dicatat dari luar sistem dan menunggu verifikasi persetujuannya yang diverifikasi (R23).",
            )
            .citing(RuleId::R23)])
        }
        (Event::Signed { .. }, _) => Err(vec![Violation::conflict(
            "not_approved_for_signing",
            "Only an agreement approved through its workflow is signed (DPRD approval is mandatory).",
            "Hanya perjanjian yang disetujui melalui alur kerja yang ditandatangani (persetujuan DPRD wajib).",
        )
        .citing(RuleId::R9)]),
        (Event::Rejected | Event::Withdrawn, InApproval | ApprovedForSigning) => {
            Ok(if *event == Event::Rejected {
                Rejected
            } else {
                Withdrawn
            })
        }
        (Event::Terminated { .. }, Active) => Ok(Terminated),
        (Event::Terminated { .. }, _) => Err(refused(
            "not_active",
            "Only an active agreement can be terminated.",
            "Hanya perjanjian aktif yang dapat diakhiri.",
        )),
        (Event::Expired, Active) if facts.expires_on.is_some_and(|end| end < facts.today) => {
            Ok(Expired)
        }
        (Event::Expired, Active) => Err(refused(
            "not_due",
            "The agreement has not reached its end date.",
            "Perjanjian belum mencapai tanggal berakhirnya.",
        )),
        (Event::Expired, _) => Err(refused(
            "not_active",
            "Only an active agreement expires.",
            "Hanya perjanjian aktif yang dapat berakhir.",
        )),
        _ => Err(refused(
            "not_in_approval",
            "The agreement is not in approval.",
            "Perjanjian tidak sedang dalam proses persetujuan.",
        )),
    }
}

/// The event an agreement in `status` undergoes now that its approval case is `case`; `None`
/// when its status stays.
pub fn following(status: AgreementStatus, case: &Case) -> Option<Event> {
    use AgreementStatus::*;
    match case.status {
        CaseStatus::Signed => match case.signing() {
            Some(StageRecord::Signing {
                signed_on,
                place,
                indonesian,
                partner,
                ..
            }) => Some(Event::Signed {
                on: signed_on.naive(),
                place: place.clone(),
                indonesian: indonesian.clone(),
                partner: partner.clone(),
            }),
            _ => None,
        },
        CaseStatus::Rejected => Some(Event::Rejected),
        CaseStatus::Withdrawn => Some(Event::Withdrawn),
        CaseStatus::Running => {
            let at_signing = case.current_key() == Some(StageKey::Signing);
            match (at_signing, status) {
                (true, InApproval) => Some(Event::ApprovedForSigning),
                (false, ApprovedForSigning) => Some(Event::ApprovalReopened),
                _ => None,
            }
        }
    }
}

code_enum! {
    /// A central reviewer's decision on the approvals of an agreement recorded from outside the
    /// system (R23).
    VerificationOutcome {
        /// The letters check out: the agreement is in force (or expired, past its end).
        Verified => "verified",
        /// They do not: it stays pending, with a note for its region.
        Refused => "refused",
    }
}

/// **R23 / R9** — the event of a verification decision: only central government (a central
/// reviewer or an admin, or a central service account holding `agreements:verify`) verifies,
/// so the region that recorded an agreement never verifies it itself; a refusal needs a note.
pub fn verification(
    principal: &Principal,
    outcome: VerificationOutcome,
    note: Option<&str>,
) -> Verdict<Event> {
    if principal.scope(Action::VerifyAgreements) != Some(Scope::All) {
        return Err(vec![Violation::not_permitted(
            "forbidden",
            "Only central government (Kemendagri, Kemlu) verifies the approvals of an agreement recorded from outside the system; its region cannot (R23).",
            "Hanya pemerintah pusat (Kemendagri, Kemlu) yang memverifikasi persetujuan perjanjian yang dicatat dari luar sistem; daerahnya tidak dapat (R23).",
        )
        .citing(RuleId::R23)]);
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    match (outcome, note) {
        (VerificationOutcome::Verified, _) => Ok(Event::ApprovalsVerified),
        (VerificationOutcome::Refused, Some(n)) => Ok(Event::ApprovalsRefused { note: n.into() }),
        (VerificationOutcome::Refused, None) => Err(vec![Violation::invalid(
            "required",
            "/note",
            "a refusal says why, for the region to correct its record",
            "penolakan menyebut alasannya, agar daerah dapat memperbaiki catatannya",
        )]),
    }
}

/// **R18** — only an active or expired agreement is renewed: its successor is a new draft
/// linked to it, whose approval workflow starts at once.
pub fn renewable(status: AgreementStatus) -> Verdict<()> {
    match status {
        AgreementStatus::Active | AgreementStatus::Expired => Ok(()),
        _ => Err(vec![Violation::conflict(
            "not_renewable",
            "Only an active or expired agreement is renewed.",
            "Hanya perjanjian aktif atau berakhir yang diperpanjang.",
        )
        .citing(RuleId::R18)]),
    }
}

/// Only a draft without documents or activities may disappear; anything later is history.
pub fn deletable(status: AgreementStatus, legacy: bool, has_records: bool) -> Verdict<()> {
    if status != AgreementStatus::Draft || legacy {
        return Err(refused(
            "not_a_draft",
            "Only a draft can be deleted; a later agreement is withdrawn or terminated instead.",
            "Hanya draf yang dapat dihapus; perjanjian lain ditarik atau diakhiri.",
        ));
    }
    if has_records {
        return Err(refused(
            "has_documents",
            "This draft has documents or activities; it is kept (withdraw it instead).",
            "Draf ini memiliki dokumen atau kegiatan; draf disimpan (tarik kembali sebagai gantinya).",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseAction;
    use crate::violation::Refusal;
    use crate::workflow::latest;
    use AgreementStatus::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn facts(legacy: bool) -> Facts {
        Facts {
            legacy,
            expires_on: Some(d("2027-05-09")),
            today: d("2026-11-24"),
        }
    }

    fn code(v: Verdict<AgreementStatus>) -> String {
        v.unwrap_err()[0].code.to_string()
    }

    fn signed_on(on: NaiveDate) -> Event {
        Event::Signed {
            on,
            place: "Semarang".into(),
            indonesian: Signatory {
                name: "Ahmad Luthfi".into(),
                position: "Gubernur Jawa Tengah".into(),
            },
            partner: Signatory {
                name: "David Crisafulli".into(),
                position: "Premier of Queensland".into(),
            },
        }
    }

    fn user(role: crate::access::Role, region: Option<&str>) -> Principal {
        Principal {
            id: "u".into(),
            name: role.as_str().into(),
            kind: crate::access::PrincipalKind::User { role },
            region: region.map(crate::region::testing::code),
        }
    }

    /// R23: only central government verifies; the region that recorded the agreement, its
    /// province, or a regional service account holding the scope cannot.
    #[test]
    fn r23_only_central_government_verifies_approvals_recorded_from_outside() {
        use crate::access::{PrincipalKind, Role};
        let ok = |p: &Principal| verification(p, VerificationOutcome::Verified, None);
        assert_eq!(
            ok(&user(Role::CentralReviewer, None)),
            Ok(Event::ApprovalsVerified)
        );
        assert_eq!(ok(&user(Role::Admin, None)), Ok(Event::ApprovalsVerified));
        for (role, region) in [
            (Role::ProvinceOfficer, Some("33")),
            (Role::RegionOfficer, Some("33.74")),
            (Role::DprdSecretariat, Some("33")),
            (Role::Viewer, Some("33")),
        ] {
            let refused = ok(&user(role, region)).unwrap_err();
            assert_eq!(
                (refused[0].refusal, refused[0].rule),
                (Refusal::NotPermitted, Some(RuleId::R23)),
                "{role}"
            );
        }
        let regional_account = Principal {
            id: "sa".into(),
            name: "jateng-script".into(),
            kind: PrincipalKind::ServiceAccount {
                scopes: vec![Action::VerifyAgreements],
            },
            region: Some(crate::region::testing::code("33")),
        };
        assert!(
            ok(&regional_account).is_err(),
            "a region never verifies itself"
        );
    }

    /// R23: verified, the agreement is in force — or expired when already past its end;
    /// refused (with a note) it stays pending; anything not pending is a conflict.
    #[test]
    fn r23_verification_puts_a_pending_agreement_in_force_once() {
        let f = facts(true);
        assert_eq!(
            after(PendingVerification, &Event::ApprovalsVerified, &f),
            Ok(Active)
        );
        let past = Facts {
            expires_on: Some(d("2026-01-31")),
            ..f
        };
        assert_eq!(
            after(PendingVerification, &Event::ApprovalsVerified, &past),
            Ok(Expired)
        );
        let refused = Event::ApprovalsRefused {
            note: "nomor surat DPRD tidak ditemukan".into(),
        };
        assert_eq!(
            after(PendingVerification, &refused, &f),
            Ok(PendingVerification)
        );
        for status in [Active, Expired, Draft, Terminated] {
            let twice = after(status, &Event::ApprovalsVerified, &f).unwrap_err();
            assert_eq!(
                (twice[0].code.as_ref(), twice[0].rule, twice[0].refusal),
                (
                    "not_pending_verification",
                    Some(RuleId::R23),
                    Refusal::Conflict
                ),
                "{status:?}"
            );
        }
        // Until verified it is not in force: not terminated, renewed, nor started as a workflow.
        assert_eq!(
            code(after(PendingVerification, &terminated(), &f)),
            "not_active"
        );
        assert!(renewable(PendingVerification).is_err());
        assert!(!PendingVerification.is_signed());
    }

    #[test]
    fn a_refused_verification_says_why() {
        let central = user(crate::access::Role::CentralReviewer, None);
        let no_note = verification(&central, VerificationOutcome::Refused, Some("  ")).unwrap_err();
        assert_eq!(
            (no_note[0].code.as_ref(), no_note[0].pointer.as_ref()),
            ("required", "/note")
        );
        assert_eq!(
            verification(
                &central,
                VerificationOutcome::Refused,
                Some("surat tidak sah")
            ),
            Ok(Event::ApprovalsRefused {
                note: "surat tidak sah".into()
            })
        );
    }

    fn terminated() -> Event {
        Event::Terminated {
            reason: TerminationReason::MutualAgreement,
            on: d("2026-12-31"),
            note: "kesepakatan bersama".into(),
        }
    }

    #[test]
    fn a_draft_goes_through_approval_to_active() {
        let f = facts(false);
        let signed = signed_on(d("2026-11-20"));
        let mut s = Draft;
        for (event, expected) in [
            (Event::WorkflowStarted, InApproval),
            (Event::ApprovedForSigning, ApprovedForSigning),
            (Event::ApprovalReopened, InApproval),
            (Event::ApprovedForSigning, ApprovedForSigning),
            (signed, Active),
        ] {
            s = after(s, &event, &f).unwrap_or_else(|e| panic!("{event:?}: {e:?}"));
            assert_eq!(s, expected);
        }
    }

    #[test]
    fn only_a_draft_that_is_not_legacy_starts_the_workflow() {
        assert_eq!(
            code(after(InApproval, &Event::WorkflowStarted, &facts(false))),
            "not_a_draft"
        );
        let legacy = after(Active, &Event::WorkflowStarted, &facts(true)).unwrap_err();
        assert_eq!(legacy[0].code, "legacy_has_no_workflow");
        assert_eq!(
            (legacy[0].rule, legacy[0].refusal),
            (Some(RuleId::R23), Refusal::Conflict)
        );
    }

    /// R9: nothing is signed before the workflow approved it.
    #[test]
    fn r9_an_agreement_in_approval_cannot_be_signed() {
        let signed = signed_on(d("2026-11-20"));
        let refused = after(InApproval, &signed, &facts(false)).unwrap_err();
        assert_eq!(refused[0].rule, Some(RuleId::R9));
    }

    #[test]
    fn a_rejected_or_withdrawn_case_ends_the_agreement_in_approval() {
        let f = facts(false);
        assert_eq!(after(InApproval, &Event::Rejected, &f), Ok(Rejected));
        assert_eq!(
            after(ApprovedForSigning, &Event::Withdrawn, &f),
            Ok(Withdrawn)
        );
        assert_eq!(
            code(after(Active, &Event::Withdrawn, &f)),
            "not_in_approval"
        );
        assert_eq!(
            code(after(Rejected, &Event::ApprovedForSigning, &f)),
            "not_in_approval"
        );
    }

    /// R19: an active agreement ends early only for a listed reason.
    #[test]
    fn r19_only_an_active_agreement_is_terminated_for_a_listed_reason() {
        assert_eq!(after(Active, &terminated(), &facts(true)), Ok(Terminated));
        assert_eq!(
            code(after(Terminated, &terminated(), &facts(true))),
            "not_active"
        );
        assert_eq!(
            code(after(Draft, &terminated(), &facts(false))),
            "not_active"
        );
        assert_eq!(
            TerminationReason::from_input("policy_change"),
            Ok(TerminationReason::PolicyChange)
        );
        let bored = TerminationReason::from_input("bored").unwrap_err();
        assert_eq!(
            (bored[0].rule, bored[0].pointer.as_ref()),
            (Some(RuleId::R19), "/reason")
        );
        assert!(bored[0].text.id.contains("bukan alasan pengakhiran"));
    }

    /// R17: a change of head of region is no reason to end an agreement: it is not among the
    /// reasons of R19, and no event ends an agreement for it.
    #[test]
    fn r17_a_change_of_head_of_region_does_not_end_an_agreement() {
        for reason in [
            "head_of_region_changed",
            "new_governor",
            "change_of_head_of_region",
        ] {
            let refused = TerminationReason::from_input(reason).unwrap_err();
            assert_eq!(refused[0].rule, Some(RuleId::R17), "{reason}");
            assert!(refused[0].text.id.contains("pergantian kepala daerah"));
        }
        assert_eq!(TerminationReason::ALL.len(), 4);
    }

    #[test]
    fn an_active_agreement_expires_the_day_after_its_end_date() {
        let on = |today: &str| Facts {
            legacy: true,
            expires_on: Some(d("2026-01-31")),
            today: d(today),
        };
        assert_eq!(
            code(after(Active, &Event::Expired, &on("2026-01-31"))),
            "not_due"
        );
        assert_eq!(
            after(Active, &Event::Expired, &on("2026-02-01")),
            Ok(Expired)
        );
        assert_eq!(
            code(after(Terminated, &Event::Expired, &on("2026-02-01"))),
            "not_active"
        );
        let open_ended = Facts {
            expires_on: None,
            ..on("2030-01-01")
        };
        assert_eq!(code(after(Active, &Event::Expired, &open_ended)), "not_due");
    }

    /// R18: an active or expired agreement is renewed; a draft or one in approval is not.
    #[test]
    fn r18_only_an_active_or_expired_agreement_is_renewed() {
        assert_eq!(renewable(Active), Ok(()));
        assert_eq!(renewable(Expired), Ok(()));
        let refused = renewable(InApproval).unwrap_err();
        assert_eq!(
            (refused[0].code.as_ref(), refused[0].rule),
            ("not_renewable", Some(RuleId::R18))
        );
        // The successor is a new draft: its workflow starts like any other.
        assert_eq!(
            after(Draft, &Event::WorkflowStarted, &facts(false)),
            Ok(InApproval)
        );
    }

    #[test]
    fn only_a_draft_without_documents_or_activities_is_deleted() {
        assert_eq!(deletable(Draft, false, false), Ok(()));
        assert_eq!(
            deletable(Draft, false, true).unwrap_err()[0].code,
            "has_documents"
        );
        assert_eq!(
            deletable(Active, true, false).unwrap_err()[0].code,
            "not_a_draft"
        );
        assert_eq!(
            deletable(InApproval, false, false).unwrap_err()[0].code,
            "not_a_draft"
        );
    }

    #[test]
    fn the_agreement_follows_its_case() {
        let def = latest("ksdpl").unwrap();
        let mut case = Case::start(&def, d("2025-01-02"));
        assert_eq!(following(InApproval, &case), None);
        for (actor, record) in
            crate::case::illustrative_path_to_signing(crate::Date::ymd(2025, 12, 31))
        {
            case = case
                .apply(&def, CaseAction::Complete(record), actor, d("2025-07-01"))
                .unwrap();
        }
        assert_eq!(
            following(InApproval, &case),
            Some(Event::ApprovedForSigning)
        );
        assert_eq!(following(ApprovedForSigning, &case), None);
        let back = case
            .apply(
                &def,
                CaseAction::Return {
                    note: "revise".into(),
                },
                crate::workflow::StageActor::Region,
                d("2025-07-02"),
            )
            .unwrap();
        assert_eq!(
            following(ApprovedForSigning, &back),
            Some(Event::ApprovalReopened)
        );
        let signed = case
            .apply(
                &def,
                CaseAction::Complete(StageRecord::Signing {
                    signed_on: crate::Date::ymd(2025, 7, 10),
                    place: "Semarang".into(),
                    indonesian: Signatory {
                        name: "Ahmad Luthfi".into(),
                        position: "Gubernur Jawa Tengah".into(),
                    },
                    indonesian_is_head_of_region: true,
                    partner: Signatory {
                        name: "Governor".into(),
                        position: "Governor of Chungcheongbuk-do".into(),
                    },
                    signed_text_languages: vec!["id".into(), "ko".into()],
                    capacity: None,
                    minister_approval: None,
                }),
                crate::workflow::StageActor::Region,
                d("2025-07-10"),
            )
            .unwrap();
        assert_eq!(
            following(ApprovedForSigning, &signed),
            Some(Event::Signed {
                on: d("2025-07-10"),
                place: "Semarang".into(),
                indonesian: Signatory {
                    name: "Ahmad Luthfi".into(),
                    position: "Gubernur Jawa Tengah".into(),
                },
                partner: Signatory {
                    name: "Governor".into(),
                    position: "Governor of Chungcheongbuk-do".into(),
                },
            })
        );
        let mut withdrawn = case.clone();
        withdrawn.status = CaseStatus::Withdrawn;
        assert_eq!(
            following(ApprovedForSigning, &withdrawn),
            Some(Event::Withdrawn)
        );
    }
}
