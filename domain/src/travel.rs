//! Official travel abroad (PDLN, DOMAIN.md §7): who travels, why, the permits each trip needs
//! from three central systems, and the checks made before a request leaves the region. Every
//! limit is DEFAULT configuration ([`TravelPolicy`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Who travels (DOMAIN.md §7).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TravellerCategory {
    /// Governor, regent or mayor: needs the Home Affairs Minister's permit (UU 23/2014
    /// art. 76(1)i).
    HeadOfRegion,
    DeputyHeadOfRegion,
    DprdLeader,
    DprdMember,
    /// ASN by rank.
    CivilServant,
}

/// Why: official, or one of the personal reasons Permendagri 59/2019 arts. 25–26 allow.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TripType {
    Official,
    PersonalWorship,
    PersonalMedical,
    PersonalFamily,
}

impl TripType {
    pub fn is_personal(self) -> bool {
        self != TripType::Official
    }
}

/// The documents a request carries (DOMAIN.md §7 stage 1).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TravelDocumentKind {
    /// Invitation or the embassy's confirmation.
    Invitation,
    /// Terms of reference: urgency, cost–benefit, follow-up.
    TermsOfReference,
    BudgetDocument,
    Schedule,
    CostDetail,
    ParticipantData,
    /// When a sponsor pays.
    FundingStatement,
    /// When the country has no diplomatic relations with Indonesia.
    KemluRecommendation,
    /// Personal trips: the superior's leave approval.
    LeaveApproval,
    /// Personal trips: the reason's evidence (medical referral, family letter, pilgrimage quota).
    SupportingLetter,
    /// A permit or decision letter recorded by hand (manual path).
    DecisionLetter,
    Other,
}

impl TravelDocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::TermsOfReference => "terms_of_reference",
            Self::BudgetDocument => "budget_document",
            Self::Schedule => "schedule",
            Self::CostDetail => "cost_detail",
            Self::ParticipantData => "participant_data",
            Self::FundingStatement => "funding_statement",
            Self::KemluRecommendation => "kemlu_recommendation",
            Self::LeaveApproval => "leave_approval",
            Self::SupportingLetter => "supporting_letter",
            Self::DecisionLetter => "decision_letter",
            Self::Other => "other",
        }
    }
}

/// The three central systems (DOMAIN.md §7).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExternalSystem {
    /// Kemendagri: the Home Affairs permit.
    Siola,
    /// Kemensetneg: the presidential permit (PP 45/2013 art. 90(2)).
    Simpel,
    /// Kemlu: service passport and exit permit.
    ExitPermit,
}

impl ExternalSystem {
    pub const ALL: [ExternalSystem; 3] = [Self::Siola, Self::Simpel, Self::ExitPermit];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Siola => "siola",
            Self::Simpel => "simpel",
            Self::ExitPermit => "exit_permit",
        }
    }

    /// The path segment of its callback URL.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Siola => "siola",
            Self::Simpel => "simpel",
            Self::ExitPermit => "exit-permit",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.slug() == s || x.as_str() == s)
    }

    /// The stage this system decides.
    pub fn stage(self) -> TravelStage {
        match self {
            Self::Siola => TravelStage::KemendagriPermit,
            Self::Simpel => TravelStage::PresidentialPermit,
            Self::ExitPermit => TravelStage::ExitPermit,
        }
    }
}

/// The stages of a request, in order (the PDLN workflow definition, version 1).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TravelStage {
    Draft,
    /// Waiting for the province's verification and recommendation.
    Submitted,
    /// Sent to SIOLA; waiting for the Kemendagri permit.
    KemendagriPermit,
    /// Sent to SIMPEL; waiting for the presidential permit.
    PresidentialPermit,
    /// Sent to Exit Permit; waiting for the service passport and exit permit.
    ExitPermit,
    ApprovedToDepart,
    /// Back home; the trip report is due.
    Returned,
    /// Report filed.
    Closed,
    Rejected,
    Cancelled,
}

impl TravelStage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::KemendagriPermit => "kemendagri_permit",
            Self::PresidentialPermit => "presidential_permit",
            Self::ExitPermit => "exit_permit",
            Self::ApprovedToDepart => "approved_to_depart",
            Self::Returned => "returned",
            Self::Closed => "closed",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use TravelStage as T;
        [
            T::Draft,
            T::Submitted,
            T::KemendagriPermit,
            T::PresidentialPermit,
            T::ExitPermit,
            T::ApprovedToDepart,
            T::Returned,
            T::Closed,
            T::Rejected,
            T::Cancelled,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// The system that decides this stage, if any.
    pub fn system(self) -> Option<ExternalSystem> {
        ExternalSystem::ALL.into_iter().find(|s| s.stage() == self)
    }

    /// Where a granted permit leads.
    pub fn after_permit(self) -> Option<TravelStage> {
        match self {
            Self::KemendagriPermit => Some(Self::PresidentialPermit),
            Self::PresidentialPermit => Some(Self::ExitPermit),
            Self::ExitPermit => Some(Self::ApprovedToDepart),
            _ => None,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Closed | Self::Rejected | Self::Cancelled)
    }
}

/// One stage of the definition, with its actor, system and legal source.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TravelStageDefinition {
    pub stage: TravelStage,
    pub actor: &'static str,
    pub system: Option<ExternalSystem>,
    pub source: &'static str,
}

/// The PDLN workflow, version 1 (DOMAIN.md §7).
pub fn definition() -> Vec<TravelStageDefinition> {
    use TravelStage as T;
    let s = |stage, actor, system, source| TravelStageDefinition {
        stage,
        actor,
        system,
        source,
    };
    vec![
        s(T::Draft, "agency", None, "DOMAIN.md §7 stage 1"),
        s(
            T::Submitted,
            "province bureau",
            None,
            "Permendagri 59/2019; DOMAIN.md §7 stage 2",
        ),
        s(
            T::KemendagriPermit,
            "Kemendagri",
            Some(ExternalSystem::Siola),
            "UU 23/2014 art. 76(1)i",
        ),
        s(
            T::PresidentialPermit,
            "Kemensetneg",
            Some(ExternalSystem::Simpel),
            "PP 45/2013 art. 90(2)",
        ),
        s(
            T::ExitPermit,
            "Kemlu",
            Some(ExternalSystem::ExitPermit),
            "DOMAIN.md §7 stage 5",
        ),
        s(
            T::ApprovedToDepart,
            "traveller",
            None,
            "DOMAIN.md §7 stage 6",
        ),
        s(
            T::Returned,
            "traveller",
            None,
            "DOMAIN.md §7 stage 7: report within 14 days (DEFAULT)",
        ),
        s(T::Closed, "-", None, "-"),
    ]
}

/// The DEFAULT limits (DOMAIN.md §7); configuration, shown by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelPolicy {
    /// Calendar days between submission to Kemendagri and departure (DEFAULT 10).
    pub kemendagri_lead_days: u32,
    /// Calendar days between submission to SIMPEL and departure (DEFAULT 7).
    pub simpel_lead_days: u32,
    /// Travellers in one delegation (DEFAULT 5, Kemendagri policy).
    pub delegation_cap: u32,
    /// Days after return within which the trip report is due (DEFAULT 14).
    pub report_days: u32,
    /// Longest personal trips in days (DEFAULT worship 45, medical 30, family 14).
    pub max_days_worship: u32,
    pub max_days_medical: u32,
    pub max_days_family: u32,
}

impl Default for TravelPolicy {
    fn default() -> Self {
        Self {
            kemendagri_lead_days: 10,
            simpel_lead_days: 7,
            delegation_cap: 5,
            report_days: 14,
            max_days_worship: 45,
            max_days_medical: 30,
            max_days_family: 14,
        }
    }
}

/// The parts of a request the checks look at.
#[derive(Debug, Clone)]
pub struct TripFacts<'a> {
    pub trip_type: TripType,
    pub departs_on: NaiveDate,
    pub returns_on: NaiveDate,
    pub travellers: &'a [TravellerCategory],
    pub sponsored: bool,
    /// Every destination country has diplomatic relations with Indonesia.
    pub all_countries_have_relations: bool,
    pub documents: &'a [TravelDocumentKind],
}

/// A check that failed: a stable code and its explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelIssue {
    pub code: &'static str,
    pub pointer: &'static str,
    pub message: String,
}

/// The documents a request of this shape must carry before it is submitted.
pub fn required_documents(f: &TripFacts<'_>) -> Vec<TravelDocumentKind> {
    use TravelDocumentKind as D;
    let mut out = if f.trip_type.is_personal() {
        vec![D::LeaveApproval, D::SupportingLetter]
    } else {
        vec![
            D::Invitation,
            D::TermsOfReference,
            D::BudgetDocument,
            D::Schedule,
            D::CostDetail,
            D::ParticipantData,
        ]
    };
    if f.sponsored {
        out.push(D::FundingStatement);
    }
    if !f.all_countries_have_relations {
        out.push(D::KemluRecommendation);
    }
    out
}

/// Checks a request as drafted; `submitting_on` adds the lead time and the documents.
pub fn check(
    f: &TripFacts<'_>,
    policy: &TravelPolicy,
    submitting_on: Option<NaiveDate>,
) -> Vec<TravelIssue> {
    let mut out = Vec::new();
    if f.returns_on < f.departs_on {
        out.push(TravelIssue {
            code: "returns_before_departure",
            pointer: "/returns_on",
            message: "the return is before the departure".into(),
        });
    }
    if f.travellers.is_empty() {
        out.push(TravelIssue {
            code: "no_travellers",
            pointer: "/travellers",
            message: "a request names at least one traveller".into(),
        });
    }
    if f.travellers.len() as u32 > policy.delegation_cap {
        out.push(TravelIssue {
            code: "delegation_too_large",
            pointer: "/travellers",
            message: format!(
                "{} travellers; a delegation has at most {} (DEFAULT, configurable)",
                f.travellers.len(),
                policy.delegation_cap
            ),
        });
    }
    let head = f.travellers.contains(&TravellerCategory::HeadOfRegion);
    let deputy = f
        .travellers
        .contains(&TravellerCategory::DeputyHeadOfRegion);
    if head && deputy {
        out.push(TravelIssue {
            code: "head_and_deputy_abroad",
            pointer: "/travellers",
            message: "the head of region and the deputy are not abroad at the same time".into(),
        });
    }
    let days = (f.returns_on - f.departs_on).num_days() + 1;
    let max = match f.trip_type {
        TripType::Official => None,
        TripType::PersonalWorship => Some(policy.max_days_worship),
        TripType::PersonalMedical => Some(policy.max_days_medical),
        TripType::PersonalFamily => Some(policy.max_days_family),
    };
    if let Some(max) = max.filter(|m| days > i64::from(*m)) {
        out.push(TravelIssue {
            code: "personal_trip_too_long",
            pointer: "/returns_on",
            message: format!(
                "{days} days; a personal trip of this kind lasts at most {max} (Permendagri 59/2019; DEFAULT)"
            ),
        });
    }
    if let Some(today) = submitting_on {
        let lead = (f.departs_on - today).num_days();
        if lead < i64::from(policy.kemendagri_lead_days) {
            out.push(TravelIssue {
                code: "lead_time_too_short",
                pointer: "/departs_on",
                message: format!(
                    "departure in {lead} days; requests reach Kemendagri at least {} days before departure (DEFAULT)",
                    policy.kemendagri_lead_days
                ),
            });
        }
        for d in required_documents(f) {
            if !f.documents.contains(&d) {
                out.push(TravelIssue {
                    code: "document_missing",
                    pointer: "/documents",
                    message: format!("missing: {}", d.as_str()),
                });
            }
        }
    }
    out
}

/// Whether two trips overlap (both dates inclusive).
pub fn overlaps(a: (NaiveDate, NaiveDate), b: (NaiveDate, NaiveDate)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// The trip report's due date: `report_days` after return.
pub fn report_due(returned_on: NaiveDate, policy: &TravelPolicy) -> NaiveDate {
    returned_on + chrono::Duration::days(i64::from(policy.report_days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use TravelDocumentKind as D;
    use TravellerCategory as C;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const OFFICIAL_DOCS: [D; 6] = [
        D::Invitation,
        D::TermsOfReference,
        D::BudgetDocument,
        D::Schedule,
        D::CostDetail,
        D::ParticipantData,
    ];

    fn facts<'a>(travellers: &'a [C], docs: &'a [D]) -> TripFacts<'a> {
        TripFacts {
            trip_type: TripType::Official,
            departs_on: d("2026-12-10"),
            returns_on: d("2026-12-15"),
            travellers,
            sponsored: false,
            all_countries_have_relations: true,
            documents: docs,
        }
    }

    fn codes(issues: &[TravelIssue]) -> Vec<&'static str> {
        issues.iter().map(|i| i.code).collect()
    }

    #[test]
    fn a_complete_official_request_passes() {
        let p = TravelPolicy::default();
        let f = facts(&[C::HeadOfRegion, C::CivilServant], &OFFICIAL_DOCS);
        assert!(check(&f, &p, Some(d("2026-11-30"))).is_empty());
    }

    #[test]
    fn requests_reach_kemendagri_ten_days_before_departure() {
        let p = TravelPolicy::default();
        let f = facts(&[C::CivilServant], &OFFICIAL_DOCS);
        assert!(
            check(&f, &p, Some(d("2026-11-30"))).is_empty(),
            "exactly 10 days"
        );
        assert_eq!(
            codes(&check(&f, &p, Some(d("2026-12-01")))),
            ["lead_time_too_short"]
        );
        let relaxed = TravelPolicy {
            kemendagri_lead_days: 5,
            ..p
        };
        assert!(check(&f, &relaxed, Some(d("2026-12-01"))).is_empty());
    }

    #[test]
    fn a_delegation_has_at_most_five_and_never_both_head_and_deputy() {
        let p = TravelPolicy::default();
        let six = [C::CivilServant; 6];
        assert_eq!(
            codes(&check(&facts(&six, &OFFICIAL_DOCS), &p, None)),
            ["delegation_too_large"]
        );
        let both = [C::HeadOfRegion, C::DeputyHeadOfRegion];
        assert_eq!(
            codes(&check(&facts(&both, &OFFICIAL_DOCS), &p, None)),
            ["head_and_deputy_abroad"]
        );
    }

    #[test]
    fn no_diplomatic_relations_needs_the_kemlu_recommendation() {
        let p = TravelPolicy::default();
        let mut f = facts(&[C::CivilServant], &OFFICIAL_DOCS);
        f.all_countries_have_relations = false;
        let issues = check(&f, &p, Some(d("2026-11-01")));
        assert_eq!(codes(&issues), ["document_missing"]);
        assert!(issues[0].message.contains("kemlu_recommendation"));
        f.sponsored = true;
        assert_eq!(required_documents(&f).len(), 8);
    }

    #[test]
    fn personal_trips_have_their_reasons_and_maximum_durations() {
        let p = TravelPolicy::default();
        let docs = [D::LeaveApproval, D::SupportingLetter];
        let mut f = facts(&[C::CivilServant], &docs);
        f.trip_type = TripType::PersonalFamily;
        f.returns_on = d("2026-12-23");
        assert!(
            check(&f, &p, Some(d("2026-11-01"))).is_empty(),
            "14 days inclusive"
        );
        f.returns_on = d("2026-12-24");
        assert_eq!(codes(&check(&f, &p, None)), ["personal_trip_too_long"]);
        f.trip_type = TripType::PersonalWorship;
        assert!(check(&f, &p, None).is_empty());
    }

    #[test]
    fn permits_follow_in_order_and_each_system_decides_one_stage() {
        assert_eq!(
            TravelStage::KemendagriPermit.after_permit(),
            Some(TravelStage::PresidentialPermit)
        );
        assert_eq!(
            TravelStage::ExitPermit.after_permit(),
            Some(TravelStage::ApprovedToDepart)
        );
        assert_eq!(
            TravelStage::PresidentialPermit.system(),
            Some(ExternalSystem::Simpel)
        );
        assert_eq!(
            ExternalSystem::from_slug("exit-permit"),
            Some(ExternalSystem::ExitPermit)
        );
        assert_eq!(
            report_due(d("2026-12-15"), &TravelPolicy::default()),
            d("2026-12-29")
        );
        assert!(overlaps(
            (d("2026-12-01"), d("2026-12-05")),
            (d("2026-12-05"), d("2026-12-09"))
        ));
        assert!(!overlaps(
            (d("2026-12-01"), d("2026-12-04")),
            (d("2026-12-05"), d("2026-12-09"))
        ));
    }
}
