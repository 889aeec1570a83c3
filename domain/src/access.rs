//! Who may do what, where. One permission table ([`PERMISSIONS`]) decides, for every role and
//! action, the scope of regions in which the role may perform it; the API and the tests both read
//! it. Region isolation: a user sees their own region, a province user also the
//! regencies/cities under it (R21: the governor sees regency/city reports), central users all.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::region::RegionCode;
use crate::violation::{Verdict, Violation};

/// An enum sent by codes that are not its variants' snake_case names (`reference:read`), so
/// serde renames each variant and the schema is written out; parsed from configuration too.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $s)] $variant),+ }

        // Written out because the derive cannot see renames made inside a macro.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($s),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }

        $crate::code::codes! { $name { $($variant => $s),+ } }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::parse(s)
                    .ok_or_else(|| format!("`{s}` is not one of: {}", [$($s),+].join(", ")))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// A user's role.
    Role {
        Admin => "admin",
        CentralReviewer => "central_reviewer",
        ProvinceOfficer => "province_officer",
        RegionOfficer => "region_officer",
        AgencyOfficer => "agency_officer",
        DprdSecretariat => "dprd_secretariat",
        Evaluator => "evaluator",
        Viewer => "viewer",
    }
}

string_enum! {
    /// Something a principal may do. Each action has a service-account scope name.
    Action {
        ReadReference => "reference:read",
        ReadUsers => "users:read",
        ManageUsers => "users:write",
        ManageServiceAccounts => "service_accounts:write",
        ReadAudit => "audit:read",
        ReadAgreements => "agreements:read",
        WriteAgreements => "agreements:write",
        VerifyAgreements => "agreements:verify",
        WritePartners => "partners:write",
        WriteActivities => "activities:write",
        WriteEvaluations => "evaluations:write",
        VerifyEvaluations => "evaluations:verify",
        WriteReports => "reports:write",
        WriteTravel => "travel:write",
        RecommendTravel => "travel:recommend",
        RecordTravelDecisions => "travel:decide",
        ReadTravellers => "travel:personal_data",
        ManageIntegrations => "integrations:write",
        CallbackSiola => "integrations:siola",
        CallbackSimpel => "integrations:simpel",
        CallbackExitPermit => "integrations:exit_permit",
        WriteMeetings => "meetings:write",
        PublishPractices => "practices:publish",
        ManageCalendar => "calendar:write",
        ManageRegionalCalendar => "regional_calendar:write",
        ManageLetterTemplates => "letter_templates:write",
    }
}

/// Where a permission applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every region (central government).
    All,
    /// The principal's region and, if it is a province, its regencies/cities.
    Subtree,
    /// Only the principal's own region.
    Own,
}

use Action as A;
use Role as R;
use Scope as S;

/// The permission table: `(role, action, scope)`. A pair that is absent is forbidden (403).
/// The `integrations:{system}` callback scopes belong to no role: only the service account of
/// that system holds one.
pub const PERMISSIONS: &[(Role, Action, Scope)] = &[
    (R::Admin, A::ReadReference, S::All),
    (R::Admin, A::ReadUsers, S::All),
    (R::Admin, A::ManageUsers, S::All),
    (R::Admin, A::ManageServiceAccounts, S::All),
    (R::Admin, A::ReadAudit, S::All),
    (R::Admin, A::ReadAgreements, S::All),
    (R::Admin, A::WriteAgreements, S::All),
    // R23: the approvals of an agreement recorded from outside the system: central only.
    (R::Admin, A::VerifyAgreements, S::All),
    (R::Admin, A::WritePartners, S::All),
    (R::Admin, A::WriteActivities, S::All),
    (R::Admin, A::WriteEvaluations, S::All),
    (R::Admin, A::VerifyEvaluations, S::All),
    (R::Admin, A::WriteReports, S::All),
    (R::Admin, A::WriteTravel, S::All),
    (R::Admin, A::RecommendTravel, S::All),
    (R::Admin, A::RecordTravelDecisions, S::All),
    (R::Admin, A::ReadTravellers, S::All),
    (R::Admin, A::ManageIntegrations, S::All),
    (R::Admin, A::WriteMeetings, S::All),
    (R::Admin, A::PublishPractices, S::All),
    (R::Admin, A::ManageCalendar, S::All),
    // Issue #17: a region's own days off — central admins anywhere, a province officer in its
    // province and its regencies/cities, a region officer in its own region.
    (R::Admin, A::ManageRegionalCalendar, S::All),
    (R::Admin, A::ManageLetterTemplates, S::All),
    (R::CentralReviewer, A::ReadReference, S::All),
    (R::CentralReviewer, A::ReadUsers, S::All),
    (R::CentralReviewer, A::ReadAudit, S::All),
    (R::CentralReviewer, A::ReadAgreements, S::All),
    (R::CentralReviewer, A::VerifyAgreements, S::All),
    (R::CentralReviewer, A::VerifyEvaluations, S::All),
    (R::CentralReviewer, A::RecordTravelDecisions, S::All),
    (R::CentralReviewer, A::ReadTravellers, S::All),
    (R::CentralReviewer, A::WriteMeetings, S::All),
    (R::CentralReviewer, A::PublishPractices, S::All),
    (R::ProvinceOfficer, A::ReadReference, S::All),
    (R::ProvinceOfficer, A::ReadUsers, S::Subtree),
    (R::ProvinceOfficer, A::ReadAgreements, S::Subtree),
    (R::ProvinceOfficer, A::WriteAgreements, S::Subtree),
    (R::ProvinceOfficer, A::WritePartners, S::All),
    (R::ProvinceOfficer, A::WriteActivities, S::Subtree),
    (R::ProvinceOfficer, A::WriteEvaluations, S::Subtree),
    (R::ProvinceOfficer, A::VerifyEvaluations, S::Subtree),
    (R::ProvinceOfficer, A::WriteReports, S::Own),
    (R::ProvinceOfficer, A::WriteTravel, S::Subtree),
    (R::ProvinceOfficer, A::RecommendTravel, S::Subtree),
    (R::ProvinceOfficer, A::RecordTravelDecisions, S::Subtree),
    (R::ProvinceOfficer, A::ReadTravellers, S::Subtree),
    (R::ProvinceOfficer, A::WriteMeetings, S::Subtree),
    (R::ProvinceOfficer, A::PublishPractices, S::Subtree),
    (R::ProvinceOfficer, A::ManageRegionalCalendar, S::Subtree),
    (R::RegionOfficer, A::ReadReference, S::All),
    (R::RegionOfficer, A::ReadAgreements, S::Own),
    (R::RegionOfficer, A::WriteAgreements, S::Own),
    (R::RegionOfficer, A::WritePartners, S::All),
    (R::RegionOfficer, A::WriteActivities, S::Own),
    (R::RegionOfficer, A::WriteEvaluations, S::Own),
    (R::RegionOfficer, A::WriteReports, S::Own),
    (R::RegionOfficer, A::WriteTravel, S::Own),
    (R::RegionOfficer, A::ReadTravellers, S::Own),
    (R::RegionOfficer, A::WriteMeetings, S::Own),
    (R::RegionOfficer, A::ManageRegionalCalendar, S::Own),
    (R::AgencyOfficer, A::ReadReference, S::All),
    (R::AgencyOfficer, A::ReadAgreements, S::Own),
    (R::AgencyOfficer, A::WriteActivities, S::Own),
    (R::AgencyOfficer, A::WriteTravel, S::Own),
    (R::AgencyOfficer, A::ReadTravellers, S::Own),
    (R::DprdSecretariat, A::ReadReference, S::All),
    (R::DprdSecretariat, A::ReadAgreements, S::Own),
    (R::Evaluator, A::ReadReference, S::All),
    (R::Evaluator, A::ReadAgreements, S::Subtree),
    (R::Evaluator, A::WriteEvaluations, S::Subtree),
    (R::Viewer, A::ReadReference, S::All),
    (R::Viewer, A::ReadAgreements, S::Subtree),
];

impl Action {
    /// Actions with no regional meaning: the national holiday calendar, R23's verification of
    /// agreements recorded from outside (central only), and the permit systems' callbacks (which
    /// reach every region's travel requests). A regional service account holding one of these
    /// scopes cannot use it.
    pub fn is_national(self) -> bool {
        matches!(
            self,
            Action::ManageCalendar
                | Action::ManageLetterTemplates
                | Action::VerifyAgreements
                | Action::CallbackSiola
                | Action::CallbackSimpel
                | Action::CallbackExitPermit
        )
    }

    /// Whether the action reaches records placed in regions. Reference data and foreign
    /// partners belong to no region: every role that reads or writes them does so everywhere,
    /// and a regional credential holding the scope holds all of it there is.
    pub fn is_regional(self) -> bool {
        !matches!(self, Action::ReadReference | Action::WritePartners)
    }
}

impl Role {
    /// The scope in which this role may perform `action`, if at all.
    pub fn scope_for(self, action: Action) -> Option<Scope> {
        PERMISSIONS
            .iter()
            .find(|(r, a, _)| *r == self && *a == action)
            .map(|(_, _, s)| *s)
    }

    /// Central roles act for the whole country and have no region; every other role has one.
    pub fn is_central(self) -> bool {
        matches!(self, Role::Admin | Role::CentralReviewer)
    }
}

/// The regions a principal may reach for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    /// A province and its regencies/cities.
    Province(RegionCode),
    /// Exactly one region.
    Region(RegionCode),
}

impl Visibility {
    pub fn new(scope: Scope, region: Option<&RegionCode>) -> Option<Visibility> {
        match (scope, region) {
            (Scope::All, _) => Some(Visibility::All),
            (Scope::Subtree, Some(r)) if r.is_province() => Some(Visibility::Province(r.clone())),
            (Scope::Subtree | Scope::Own, Some(r)) => Some(Visibility::Region(r.clone())),
            // A regional scope without a region reaches nothing.
            (_, None) => None,
        }
    }

    /// Whether a record placed in `region` (`None`: a central record) is visible.
    pub fn includes(&self, region: Option<&RegionCode>) -> bool {
        match (self, region) {
            (Visibility::All, _) => true,
            (_, None) => false,
            (Visibility::Province(p), Some(r)) => r.province() == *p,
            (Visibility::Region(own), Some(r)) => own == r,
        }
    }

    /// Whether every region `other` reaches is also reached from here.
    pub fn covers(&self, other: &Visibility) -> bool {
        match (self, other) {
            (Visibility::All, _) => true,
            (_, Visibility::All) => false,
            (Visibility::Province(p), Visibility::Province(q)) => p == q,
            (Visibility::Province(p), Visibility::Region(r)) => r.province() == *p,
            (Visibility::Region(own), Visibility::Region(r)) => own == r,
            (Visibility::Region(_), Visibility::Province(_)) => false,
        }
    }
}

/// Whether a caller reaching `vis` may place a record (a webhook subscription, an account) in
/// `region` (`None`: national, which only a national caller may place): 403 otherwise.
pub fn check_reach(vis: &Visibility, region: Option<&RegionCode>) -> Verdict<()> {
    if vis.includes(region) {
        return Ok(());
    }
    Err(vec![Violation::not_permitted(
        "outside_scope",
        "it would reach beyond your regions",
        "itu akan menjangkau di luar daerah Anda",
    )])
}

/// Who is calling: a user, or a service account (integration partner, script).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub id: String,
    pub name: String,
    pub kind: PrincipalKind,
    pub region: Option<RegionCode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    User { role: Role },
    ServiceAccount { scopes: Vec<Action> },
}

impl Principal {
    /// The scope in which this principal may perform `action`, if at all: a user's role decides;
    /// a service account holds explicit scopes, everywhere or (a regional one) in its subtree —
    /// every scope, and a national-only one ([`Action::is_national`]) not at all.
    pub fn scope(&self, action: Action) -> Option<Scope> {
        match &self.kind {
            PrincipalKind::User { role } => role.scope_for(action),
            PrincipalKind::ServiceAccount { scopes } if scopes.contains(&action) => {
                match self.region {
                    None => Some(Scope::All),
                    Some(_) if action.is_national() => None,
                    Some(_) => Some(Scope::Subtree),
                }
            }
            PrincipalKind::ServiceAccount { .. } => None,
        }
    }

    /// Where this principal may perform `action`; `None` means forbidden.
    pub fn visibility(&self, action: Action) -> Option<Visibility> {
        Visibility::new(self.scope(action)?, self.region.as_ref())
    }

    /// Everything this principal may do, with where.
    pub fn permissions(&self) -> Vec<(Action, Scope)> {
        Action::ALL
            .iter()
            .filter_map(|a| Some((*a, self.scope(*a)?)))
            .collect()
    }

    /// What a user of `role` placed in `region` would hold that this principal does not: each
    /// action the role grants that this principal lacks, or holds over fewer regions (for an
    /// action on regional records). Empty when this principal may give that role there.
    pub fn lacks_for(&self, role: Role, region: Option<&RegionCode>) -> Vec<Action> {
        Action::ALL
            .iter()
            .copied()
            .filter(|&a| {
                let Some(given) = role.scope_for(a).and_then(|s| Visibility::new(s, region)) else {
                    return false;
                };
                match self.visibility(a) {
                    None => true,
                    Some(_) if !a.is_regional() => false,
                    Some(held) => !held.covers(&given),
                }
            })
            .collect()
    }

    pub fn role(&self) -> Option<Role> {
        match self.kind {
            PrincipalKind::User { role } => Some(role),
            PrincipalKind::ServiceAccount { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::testing::code;

    /// A service account holding `scopes`, in `region`'s subtree when it has one.
    fn service_account(name: &str, scopes: Vec<Action>, region: Option<&str>) -> Principal {
        Principal {
            id: "x".into(),
            name: name.into(),
            kind: PrincipalKind::ServiceAccount { scopes },
            region: region.map(code),
        }
    }

    #[test]
    fn every_role_may_read_reference_data() {
        for role in Role::ALL {
            assert_eq!(
                role.scope_for(Action::ReadReference),
                Some(Scope::All),
                "{role}"
            );
        }
    }

    #[test]
    fn only_admins_manage_users_and_service_accounts() {
        for role in Role::ALL {
            let expected = *role == Role::Admin;
            assert_eq!(
                role.scope_for(Action::ManageUsers).is_some(),
                expected,
                "{role}"
            );
            assert_eq!(
                role.scope_for(Action::ManageServiceAccounts).is_some(),
                expected,
                "{role}"
            );
        }
    }

    #[test]
    fn the_table_has_no_duplicate_pairs() {
        for (i, (r, a, _)) in PERMISSIONS.iter().enumerate() {
            assert!(
                !PERMISSIONS[i + 1..]
                    .iter()
                    .any(|(r2, a2, _)| r2 == r && a2 == a),
                "{r} {a} twice"
            );
        }
    }

    #[test]
    fn a_province_sees_its_regencies_but_not_another_province() {
        let v = Visibility::new(Scope::Subtree, Some(&code("33"))).unwrap();
        assert!(v.includes(Some(&code("33"))));
        assert!(v.includes(Some(&code("33.01"))));
        assert!(!v.includes(Some(&code("36"))));
        assert!(!v.includes(Some(&code("36.01"))));
        assert!(!v.includes(None), "central records are not regional");
        let own = Visibility::new(Scope::Own, Some(&code("33"))).unwrap();
        assert!(!own.includes(Some(&code("33.01"))));
        assert!(Visibility::new(Scope::Own, None).is_none());
    }

    #[test]
    fn a_regional_caller_places_records_only_in_its_subtree() {
        let jateng = Visibility::Province(code("33"));
        assert!(check_reach(&jateng, Some(&code("33.01"))).is_ok());
        for outside in [Some(code("36")), None] {
            let v = check_reach(&jateng, outside.as_ref()).unwrap_err();
            assert_eq!(v[0].refusal, crate::violation::Refusal::NotPermitted);
        }
        assert!(check_reach(&Visibility::All, None).is_ok());
    }

    #[test]
    fn a_service_account_acts_only_within_its_scopes() {
        let sa = service_account("siola", vec![Action::ReadReference], None);
        assert_eq!(sa.visibility(Action::ReadReference), Some(Visibility::All));
        assert_eq!(sa.visibility(Action::ReadUsers), None);
        assert_eq!(sa.permissions(), [(Action::ReadReference, Scope::All)]);
    }

    #[test]
    fn a_regional_service_account_holds_its_scopes_in_its_subtree() {
        let sa = service_account("jateng", vec![Action::ReadUsers], Some("33"));
        assert_eq!(sa.scope(Action::ReadUsers), Some(Scope::Subtree));
        assert_eq!(
            sa.visibility(Action::ReadUsers),
            Some(Visibility::Province(code("33")))
        );
    }

    #[test]
    fn a_regional_service_account_cannot_use_a_national_scope() {
        let national: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| a.is_national())
            .collect();
        let sa = service_account("jateng", national.clone(), Some("33"));
        for a in &national {
            assert_eq!(sa.scope(*a), None, "{a}");
        }
        let central = service_account("siola", national.clone(), None);
        for a in &national {
            assert_eq!(central.scope(*a), Some(Scope::All), "{a}");
        }
        // No regional role holds a national action, except in the whole country.
        for (role, action, scope) in PERMISSIONS {
            if action.is_national() {
                assert_eq!(*scope, Scope::All, "{role} {action}");
            }
        }
    }

    #[test]
    fn a_wider_visibility_covers_a_narrower_one_only() {
        let jateng = Visibility::Province(code("33"));
        assert!(Visibility::All.covers(&jateng));
        assert!(jateng.covers(&Visibility::Region(code("33.01"))));
        assert!(jateng.covers(&Visibility::Region(code("33"))));
        assert!(!jateng.covers(&Visibility::All));
        assert!(!jateng.covers(&Visibility::Province(code("36"))));
        assert!(!jateng.covers(&Visibility::Region(code("36.01"))));
        assert!(!Visibility::Region(code("33.01")).covers(&jateng));
    }

    #[test]
    fn a_principal_lacks_what_a_role_would_hold_beyond_its_own() {
        let admin = Principal {
            id: "a".into(),
            name: "admin".into(),
            kind: PrincipalKind::User { role: Role::Admin },
            region: None,
        };
        for role in Role::ALL {
            let region = (!role.is_central()).then(|| code("33"));
            assert_eq!(admin.lacks_for(*role, region.as_ref()), [], "{role}");
        }
        let reader = service_account(
            "jateng",
            vec![
                Action::ManageUsers,
                Action::ReadReference,
                Action::ReadAgreements,
            ],
            Some("33"),
        );
        assert_eq!(reader.lacks_for(Role::Viewer, Some(&code("33.01"))), []);
        assert_eq!(reader.lacks_for(Role::Viewer, Some(&code("33"))), []);
        // Another province's viewer reads records this credential does not reach.
        assert_eq!(
            reader.lacks_for(Role::Viewer, Some(&code("36"))),
            [Action::ReadAgreements]
        );
        assert_eq!(
            reader.lacks_for(Role::AgencyOfficer, Some(&code("33"))),
            [
                Action::WriteActivities,
                Action::WriteTravel,
                Action::ReadTravellers
            ]
        );
        // Reference data and partners are no region's: held is held.
        let partners = service_account("p", vec![Action::WritePartners], Some("33.01"));
        assert!(!partners
            .lacks_for(Role::RegionOfficer, Some(&code("33.01")))
            .contains(&Action::WritePartners));
    }

    #[test]
    fn a_users_permissions_are_its_roles_row_of_the_table() {
        let viewer = Principal {
            id: "u".into(),
            name: "vera".into(),
            kind: PrincipalKind::User { role: Role::Viewer },
            region: Some(code("33")),
        };
        assert_eq!(
            viewer.permissions(),
            [
                (Action::ReadReference, Scope::All),
                (Action::ReadAgreements, Scope::Subtree)
            ]
        );
    }
}
