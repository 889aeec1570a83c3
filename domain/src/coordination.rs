//! Coordination and promotion: regional potentials and partner matchmaking,
//! coordination meetings whose numbered recommendations are followed up, good practices that
//! are reviewed before they are published, and what the public may see.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Visibility;
use crate::code::code_enum;
use crate::region::RegionCode;
use crate::violation::{Verdict, Violation};

code_enum! {
    /// What a region offers (seed 000 §E.1).
    PotentialKind {
        LeadingProduct => "leading_product",
        Tourism => "tourism",
        Investment => "investment",
        IndustrialEstate => "industrial_estate",
        Education => "education",
        Culture => "culture",
        Other => "other",
    }
}

code_enum! {
    /// Kinds of coordination meeting (seeds 002–004).
    MeetingKind {
        /// *Rapat koordinasi*.
        CoordinationMeeting => "coordination_meeting",
        /// *Bimbingan teknis*.
        TechnicalGuidance => "technical_guidance",
        EvaluationMeeting => "evaluation_meeting",
        JointWorkingGroup => "joint_working_group",
    }
}

code_enum! {
    /// What a file of a meeting is.
    MeetingDocumentRole {
        /// *Notulen*.
        Minutes => "minutes",
        /// *Daftar hadir*.
        Attendance => "attendance",
        Presentation => "presentation",
        Photo => "photo",
        Other => "other",
    }
}

code_enum! {
    /// Where a recommendation's follow-up stands.
    FollowUp {
        Open => "open",
        InProgress => "in_progress",
        Done => "done",
        Dropped => "dropped",
    }
}

code_enum! {
    /// A good practice's review (seed 002 rec. 1c): the province reviews before publication.
    PracticeStatus {
        Draft => "draft",
        Submitted => "submitted",
        Published => "published",
        Returned => "returned",
    }
}

code_enum! {
    PracticeAction {
        Submit => "submit",
        Publish => "publish",
        Return => "return",
        Withdraw => "withdraw",
    }
}

// ---------------------------------------------------------------- meetings and recommendations

/// One entry of a recommendation's follow-up log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpNote {
    pub at: DateTime<Utc>,
    pub by: String,
    pub status: FollowUp,
    pub note: String,
}

/// A meeting's dates and its recommendations' numbers: the end is not before the start, and each
/// recommendation has its own number, as the meeting's conclusions are cited by number.
pub fn check_meeting(
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    numbers: &[i32],
) -> Vec<Violation> {
    let mut out = Vec::new();
    if ends_on.is_some_and(|e| e < starts_on) {
        out.push(Violation::invalid(
            "before_start",
            "/ends_on",
            "the end is before the start",
            "tanggal selesai sebelum tanggal mulai",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, n) in numbers.iter().enumerate() {
        if !seen.insert(n) {
            out.push(Violation::invalid(
                "duplicate_number",
                format!("/recommendations/{i}/number"),
                "each recommendation has its own number",
                "setiap rekomendasi bernomor unik",
            ));
        }
    }
    out
}

impl FollowUp {
    /// Open and in-progress recommendations can become overdue.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Open | Self::InProgress)
    }

    /// Past its due date on `today` and not done or dropped.
    pub fn is_overdue(self, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
        self.is_pending() && due_on.is_some_and(|d| d < today)
    }

    /// The follow-up reported as `reported`. A done or dropped recommendation is closed: what
    /// is left to do goes into a new recommendation of the next meeting.
    pub fn after(self, reported: FollowUp) -> Verdict<FollowUp> {
        let (en, id) = match self {
            Self::Open | Self::InProgress => return Ok(reported),
            Self::Done => ("done", "selesai"),
            Self::Dropped => ("dropped", "dibatalkan"),
        };
        Err(vec![Violation::conflict(
            "recommendation_closed",
            format!("The recommendation is {en}: its follow-up is closed; record a new recommendation at the next meeting."),
            format!("Rekomendasi sudah {id}: tindak lanjutnya ditutup; catat rekomendasi baru pada rapat berikutnya."),
        )])
    }
}

/// Who may record a recommendation's follow-up: its owner region, within `as_owner` (the scope
/// of `agreements:write`), or the meeting's organiser, within `as_organiser` (the scope of
/// `meetings:write`; a central meeting, organised by no region, is central government's).
/// `organiser` is `None` when the caller does not see the meeting.
pub fn may_follow_up(
    owner: Option<&RegionCode>,
    organiser: Option<Option<&RegionCode>>,
    as_owner: Option<&Visibility>,
    as_organiser: Option<&Visibility>,
) -> Verdict<()> {
    let by_owner = owner.is_some_and(|o| as_owner.is_some_and(|s| s.includes(Some(o))));
    let by_organiser = organiser.is_some_and(|o| as_organiser.is_some_and(|s| s.includes(o)));
    if by_owner || by_organiser {
        return Ok(());
    }
    Err(vec![Violation::not_permitted(
        "not_owner_or_organiser",
        "only the recommendation's owner region or the meeting's organiser records its follow-up",
        "hanya daerah penanggung jawab rekomendasi atau penyelenggara rapat yang mencatat tindak lanjutnya",
    )])
}

// ---------------------------------------------------------------- good practices

impl PracticeStatus {
    /// Its name in Indonesian, for messages.
    fn name_id(self) -> &'static str {
        match self {
            Self::Draft => "draf",
            Self::Submitted => "diajukan",
            Self::Published => "diterbitkan",
            Self::Returned => "dikembalikan",
        }
    }

    /// Whether the author may still edit it.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }

    /// The author edits a draft or a returned story; a submitted one waits for its review and a
    /// published one is withdrawn first.
    pub fn check_editable(self) -> Verdict<()> {
        let (en, id) = match self {
            Self::Draft | Self::Returned => return Ok(()),
            Self::Submitted => ("wait for its review", "tunggu hasil telaahnya"),
            Self::Published => ("withdraw it to edit", "tarik dahulu untuk mengubah"),
        };
        Err(vec![Violation::conflict(
            "practice_not_editable",
            format!("The good practice is {}; {en}.", self.as_str()),
            format!("Praktik baik berstatus {}; {id}.", self.name_id()),
        )])
    }

    /// The review: the author submits a draft or returned story; the reviewer publishes or
    /// returns a submitted one; a published one can be withdrawn (back to a draft).
    pub fn after(self, action: PracticeAction) -> Verdict<PracticeStatus> {
        use PracticeAction as A;
        match (self, action) {
            (Self::Draft | Self::Returned, A::Submit) => Ok(Self::Submitted),
            (Self::Submitted, A::Publish) => Ok(Self::Published),
            (Self::Submitted, A::Return) => Ok(Self::Returned),
            (Self::Published, A::Withdraw) => Ok(Self::Draft),
            _ => Err(vec![Violation::conflict(
                "practice_state",
                format!(
                    "A {} good practice cannot be {}.",
                    self.as_str(),
                    action.done_en()
                ),
                format!(
                    "Praktik baik berstatus {} tidak dapat {}.",
                    self.name_id(),
                    action.done_id()
                ),
            )]),
        }
    }
}

impl PracticeAction {
    fn done_en(self) -> &'static str {
        match self {
            Self::Submit => "submitted",
            Self::Publish => "published",
            Self::Return => "returned",
            Self::Withdraw => "withdrawn",
        }
    }

    fn done_id(self) -> &'static str {
        match self {
            Self::Submit => "diajukan",
            Self::Publish => "diterbitkan",
            Self::Return => "dikembalikan",
            Self::Withdraw => "ditarik",
        }
    }

    /// A story is returned with the reason, so that its author knows what to change.
    pub fn check_note(self, note: Option<&str>) -> Vec<Violation> {
        if self == Self::Return && note.is_none() {
            vec![Violation::invalid(
                "required",
                "/note",
                "say why it is returned",
                "sebutkan alasan dikembalikan",
            )]
        } else {
            Vec::new()
        }
    }
}

/// A figure of a good practice's results.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    #[cfg_attr(feature = "openapi", schema(example = "Guru SMK dilatih"))]
    pub label: String,
    #[cfg_attr(feature = "openapi", schema(example = "40"))]
    pub value: String,
    #[cfg_attr(feature = "openapi", schema(example = "orang"))]
    pub unit: Option<String>,
}

impl Figure {
    /// `label: value unit`, as one spreadsheet cell lists it.
    pub fn as_text(&self) -> String {
        format!(
            "{}: {} {}",
            self.label,
            self.value,
            self.unit.as_deref().unwrap_or("")
        )
        .trim()
        .to_owned()
    }
}

// ---------------------------------------------------------------- the public feed

/// The agreement fields the public feed may carry: the data model's public marking. Drafts,
/// letters, people, amounts and internal references never appear.
pub const PUBLIC_AGREEMENT_FIELDS: &[&str] = &[
    "id",
    "region_code",
    "region_name",
    "kind",
    "subtype",
    "instrument",
    "title_id",
    "title_en",
    "partners",
    "sectors",
    "objects",
    "signed_on",
    "effective_from",
    "expires_on",
    "status",
];

/// The fields of a partner in the public feed.
pub const PUBLIC_PARTNER_FIELDS: &[&str] = &["name", "country"];

/// Statuses the public sees: never drafts, cases in approval, rejections or withdrawals.
pub const PUBLIC_STATUSES: &[&str] = &["active", "expired", "terminated"];

/// The good-practice fields the public feed may carry.
pub const PUBLIC_PRACTICE_FIELDS: &[&str] = &[
    "id",
    "region_code",
    "title",
    "context",
    "actions",
    "results",
    "figures",
    "lessons",
    "agreement_ids",
    "published_at",
];

// ---------------------------------------------------------------- matchmaking

/// What a partner has done in Indonesia: sectors of its agreements and the regions it works with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRecord {
    pub partner_id: String,
    pub name: String,
    pub sectors: BTreeSet<String>,
    pub regions: BTreeSet<String>,
}

/// A partner proposed to a region, with the reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerMatch {
    pub partner_id: String,
    pub score: u32,
    pub shared_sectors: Vec<String>,
    /// Other Indonesian regions that already cooperate with it.
    pub experience: usize,
    pub already_partner: bool,
}

/// How [`rank_partners`] ranks, in words.
pub const RANKING_METHOD: &str = "Partners are scored 10 per sector they already cooperate in (agreements in force or ended) that appears in the region's potentials, plus 1 per other Indonesian region already cooperating with them (at most 5); ties by name, then id.";

/// How the regions cooperating with a partner are listed, in words.
pub fn cooperation_method(partner: &str, country: &str) -> String {
    format!("Every Indonesian region with an agreement in force or ended with {partner} ({country}), by region code.")
}

/// Ranks partners for `region` by the sectors its potentials (and needs) share with the sectors
/// the partner already cooperates in: 10 points per shared sector, 1 per other Indonesian region
/// the partner already works with (at most 5). Ties: name, then id. Deterministic.
pub fn rank_partners(
    region: &str,
    region_sectors: &BTreeSet<String>,
    partners: &[PartnerRecord],
) -> Vec<PartnerMatch> {
    let mut out: Vec<(PartnerMatch, &str)> = partners
        .iter()
        .filter_map(|p| {
            let shared: Vec<String> = p.sectors.intersection(region_sectors).cloned().collect();
            if shared.is_empty() {
                return None;
            }
            let experience = p.regions.iter().filter(|r| r.as_str() != region).count();
            Some((
                PartnerMatch {
                    partner_id: p.partner_id.clone(),
                    score: shared.len() as u32 * 10 + experience.min(5) as u32,
                    shared_sectors: shared,
                    experience,
                    already_partner: p.regions.contains(region),
                },
                p.name.as_str(),
            ))
        })
        .collect();
    out.sort_by(|(a, an), (b, bn)| {
        b.score
            .cmp(&a.score)
            .then_with(|| an.cmp(bn))
            .then_with(|| a.partner_id.cmp(&b.partner_id))
    });
    out.into_iter().map(|(m, _)| m).collect()
}

impl PartnerMatch {
    /// Why the partner is proposed to `region`, in words.
    pub fn reasons(&self, region: &str) -> Vec<String> {
        let mut out = vec![format!(
            "cooperates in {} — sectors in {region}'s potential profile",
            self.shared_sectors.join(", ")
        )];
        if self.experience > 0 {
            out.push(format!(
                "already works with {} other Indonesian region(s): learn from them",
                self.experience
            ));
        }
        if self.already_partner {
            out.push("already your partner: deepen the cooperation".into());
        }
        out
    }
}

/// Groups `(region, sector)` pairs of a partner's agreements by region.
pub fn by_region(pairs: &[(String, Vec<String>)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (region, sectors) in pairs {
        out.entry(region.clone())
            .or_default()
            .extend(sectors.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::Refusal;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn partner(id: &str, name: &str, sectors: &[&str], regions: &[&str]) -> PartnerRecord {
        PartnerRecord {
            partner_id: id.into(),
            name: name.into(),
            sectors: set(sectors),
            regions: set(regions),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn code(v: &Verdict<impl std::fmt::Debug>) -> (&str, Refusal) {
        let v = &v.as_ref().unwrap_err()[0];
        (v.code.as_ref(), v.refusal)
    }

    #[test]
    fn partners_rank_by_shared_sectors_then_experience_then_name() {
        let partners = [
            partner(
                "p1",
                "Queensland",
                &["pendidikan", "pariwisata"],
                &["33", "35"],
            ),
            partner("p2", "Fujian", &["perdagangan"], &["33"]),
            partner("p3", "Busan", &["pendidikan"], &["31", "32", "34"]),
            partner("p4", "Aichi", &["pendidikan"], &["31", "32", "34"]),
        ];
        let ranked = rank_partners("33.74", &set(&["pendidikan", "pariwisata"]), &partners);
        let ids: Vec<&str> = ranked.iter().map(|m| m.partner_id.as_str()).collect();
        assert_eq!(ids, ["p1", "p4", "p3"], "Fujian shares nothing");
        assert_eq!(ranked[0].score, 22);
        assert_eq!(ranked[0].shared_sectors, ["pariwisata", "pendidikan"]);
        assert_eq!(
            ranked[1].score, 13,
            "Aichi before Busan: same score, by name"
        );
        assert!(!ranked[0].already_partner);
        let own = rank_partners("33", &set(&["perdagangan"]), &partners);
        assert!(own[0].already_partner);
        assert_eq!(own[0].experience, 0);
    }

    #[test]
    fn a_match_says_why_in_words() {
        let m = PartnerMatch {
            partner_id: "p1".into(),
            score: 12,
            shared_sectors: vec!["pariwisata".into()],
            experience: 2,
            already_partner: true,
        };
        let reasons = m.reasons("33.74");
        assert_eq!(reasons.len(), 3);
        assert!(reasons[0].contains("pariwisata") && reasons[0].contains("33.74"));
        assert!(reasons[1].contains("2 other"));
        let fresh = PartnerMatch {
            experience: 0,
            already_partner: false,
            ..m
        };
        assert_eq!(fresh.reasons("33").len(), 1);
        assert!(RANKING_METHOD.contains("10 per sector"));
    }

    #[test]
    fn a_good_practice_is_published_only_after_review() {
        use PracticeAction as A;
        use PracticeStatus as S;
        assert_eq!(S::Draft.after(A::Submit), Ok(S::Submitted));
        assert_eq!(S::Submitted.after(A::Return), Ok(S::Returned));
        assert_eq!(S::Returned.after(A::Submit), Ok(S::Submitted));
        assert_eq!(S::Submitted.after(A::Publish), Ok(S::Published));
        assert!(!S::Published.editable());
    }

    #[test]
    fn a_draft_cannot_be_published_without_review() {
        let refused = PracticeStatus::Draft.after(PracticeAction::Publish);
        assert_eq!(code(&refused), ("practice_state", Refusal::Conflict));
        let text = &refused.unwrap_err()[0].text;
        assert!(text.en.contains("draft") && text.en.contains("published"));
        assert!(text.id.contains("draf") && text.id.contains("diterbitkan"));
    }

    #[test]
    fn only_a_published_practice_can_be_withdrawn_and_it_becomes_a_draft() {
        use PracticeAction as A;
        use PracticeStatus as S;
        assert_eq!(S::Published.after(A::Withdraw), Ok(S::Draft));
        for s in [S::Draft, S::Submitted, S::Returned] {
            assert_eq!(
                code(&s.after(A::Withdraw)),
                ("practice_state", Refusal::Conflict)
            );
        }
        for a in [A::Submit, A::Publish, A::Return] {
            assert!(
                S::Published.after(a).is_err(),
                "{a:?} on a published practice"
            );
        }
    }

    #[test]
    fn a_submitted_or_published_practice_is_not_editable() {
        assert_eq!(PracticeStatus::Draft.check_editable(), Ok(()));
        assert_eq!(PracticeStatus::Returned.check_editable(), Ok(()));
        for s in [PracticeStatus::Submitted, PracticeStatus::Published] {
            let refused = s.check_editable();
            assert_eq!(code(&refused), ("practice_not_editable", Refusal::Conflict));
            let text = &refused.unwrap_err()[0].text;
            assert_ne!(text.en, text.id, "bilingual");
        }
    }

    #[test]
    fn a_practice_is_returned_only_with_its_reason() {
        let missing = PracticeAction::Return.check_note(None);
        assert_eq!(missing.len(), 1);
        assert_eq!(
            (missing[0].code.as_ref(), missing[0].pointer.as_ref()),
            ("required", "/note")
        );
        assert!(PracticeAction::Return
            .check_note(Some("Tambahkan angka hasil"))
            .is_empty());
        assert!(PracticeAction::Publish.check_note(None).is_empty());
    }

    #[test]
    fn a_pending_recommendation_is_overdue_after_its_due_date() {
        let due = Some(day("2026-06-30"));
        assert!(
            !FollowUp::Open.is_overdue(due, day("2026-06-30")),
            "due today is not late"
        );
        assert!(FollowUp::Open.is_overdue(due, day("2026-07-01")));
        assert!(FollowUp::InProgress.is_overdue(due, day("2026-07-01")));
        assert!(!FollowUp::Done.is_overdue(due, day("2027-01-01")));
        assert!(!FollowUp::Dropped.is_overdue(due, day("2027-01-01")));
        assert!(
            !FollowUp::Open.is_overdue(None, day("2027-01-01")),
            "no due date, never late"
        );
    }

    #[test]
    fn a_pending_recommendation_may_take_any_follow_up() {
        for from in [FollowUp::Open, FollowUp::InProgress] {
            for to in FollowUp::ALL {
                assert_eq!(from.after(to), Ok(to));
            }
        }
    }

    #[test]
    fn a_done_or_dropped_recommendation_is_closed() {
        for from in [FollowUp::Done, FollowUp::Dropped] {
            let refused = from.after(FollowUp::InProgress);
            assert_eq!(code(&refused), ("recommendation_closed", Refusal::Conflict));
            let text = &refused.unwrap_err()[0].text;
            assert!(text.id.starts_with("Rekomendasi sudah"));
        }
    }

    #[test]
    fn the_owner_or_the_organiser_records_a_follow_up() {
        let region = |s: &str| RegionCode::parse(s).unwrap();
        let (jateng, semarang, banten) = (region("33"), region("33.74"), region("36"));
        let province = Visibility::Province(jateng.clone());
        let city = Visibility::Region(semarang.clone());
        let elsewhere = Visibility::Region(banten.clone());
        let owned_by_semarang = Some(&semarang);
        // Semarang owns it: it records the follow-up with agreements:write alone.
        assert_eq!(
            may_follow_up(owned_by_semarang, None, Some(&city), None),
            Ok(())
        );
        // The province organised the meeting: it records it with meetings:write.
        assert_eq!(
            may_follow_up(
                owned_by_semarang,
                Some(Some(&jateng)),
                None,
                Some(&province)
            ),
            Ok(())
        );
        // A central meeting is central government's.
        assert!(may_follow_up(None, Some(None), None, Some(&province)).is_err());
        assert_eq!(
            may_follow_up(None, Some(None), None, Some(&Visibility::All)),
            Ok(())
        );
        // Banten neither owns nor organised it.
        let refused = may_follow_up(
            owned_by_semarang,
            Some(Some(&jateng)),
            Some(&elsewhere),
            Some(&elsewhere),
        );
        assert_eq!(refused.unwrap_err()[0].refusal, Refusal::NotPermitted);
        // Without an owner, agreements:write everywhere is no reason.
        assert!(may_follow_up(None, None, Some(&Visibility::All), None).is_err());
    }

    #[test]
    fn a_meeting_ends_after_it_starts_and_numbers_its_recommendations_once() {
        assert!(check_meeting(day("2026-03-10"), Some(day("2026-03-12")), &[1, 2, 3]).is_empty());
        let v = check_meeting(day("2026-03-10"), Some(day("2026-03-09")), &[1, 2, 1, 2]);
        let at: Vec<(&str, &str)> = v
            .iter()
            .map(|v| (v.code.as_ref(), v.pointer.as_ref()))
            .collect();
        assert_eq!(
            at,
            [
                ("before_start", "/ends_on"),
                ("duplicate_number", "/recommendations/2/number"),
                ("duplicate_number", "/recommendations/3/number"),
            ]
        );
        assert!(v
            .iter()
            .all(|v| v.refusal == Refusal::Invalid && v.text.en != v.text.id));
    }

    /// Every code's round trip: `code::tests::every_code_reads_back_as_its_variant`.
    #[test]
    fn codes_round_trip() {
        assert_eq!(FollowUp::parse("in_progress"), Some(FollowUp::InProgress));
        assert_eq!(
            PracticeStatus::parse("withdrawn"),
            None,
            "a stored value that does not parse is no status"
        );
    }

    #[test]
    fn a_figure_reads_as_one_cell() {
        let f = Figure {
            label: "Guru dilatih".into(),
            value: "40".into(),
            unit: Some("orang".into()),
        };
        assert_eq!(f.as_text(), "Guru dilatih: 40 orang");
        assert_eq!(Figure { unit: None, ..f }.as_text(), "Guru dilatih: 40");
    }
}
