//! Coordination and promotion (DOMAIN.md §9): regional potentials and partner matchmaking,
//! coordination meetings whose numbered recommendations are followed up, good practices that
//! are reviewed before they are published, and what the public may see.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// What a region offers (seed 000 §E.1).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PotentialKind {
    LeadingProduct,
    Tourism,
    Investment,
    IndustrialEstate,
    Education,
    Culture,
    Other,
}

/// Kinds of coordination meeting (seeds 002–004).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// *Rapat koordinasi*.
    CoordinationMeeting,
    /// *Bimbingan teknis*.
    TechnicalGuidance,
    EvaluationMeeting,
    JointWorkingGroup,
}

/// Where a recommendation's follow-up stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    Open,
    InProgress,
    Done,
    Dropped,
}

impl FollowUp {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Dropped => "dropped",
        }
    }

    /// Open and in-progress recommendations can become overdue.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Open | Self::InProgress)
    }
}

/// A good practice's review (seed 002 rec. 1c): the province reviews before publication.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PracticeStatus {
    Draft,
    Submitted,
    Published,
    Returned,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PracticeAction {
    Submit,
    Publish,
    Return,
    Withdraw,
}

impl PracticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Published => "published",
            Self::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Draft,
            Self::Submitted,
            Self::Published,
            Self::Returned,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Whether the author may still edit it.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }

    pub fn after(self, action: PracticeAction) -> Result<Self, &'static str> {
        use PracticeAction as A;
        match (self, action) {
            (Self::Draft | Self::Returned, A::Submit) => Ok(Self::Submitted),
            (Self::Submitted, A::Publish) => Ok(Self::Published),
            (Self::Submitted, A::Return) => Ok(Self::Returned),
            (Self::Published, A::Withdraw) => Ok(Self::Draft),
            _ => Err("not possible in this status"),
        }
    }
}

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
    fn a_good_practice_is_published_only_after_review() {
        use PracticeAction as A;
        use PracticeStatus as S;
        assert_eq!(S::Draft.after(A::Submit), Ok(S::Submitted));
        assert!(S::Draft.after(A::Publish).is_err());
        assert_eq!(S::Submitted.after(A::Return), Ok(S::Returned));
        assert_eq!(S::Returned.after(A::Submit), Ok(S::Submitted));
        assert_eq!(S::Submitted.after(A::Publish), Ok(S::Published));
        assert!(!S::Published.editable());
    }
}
