//! Accounts: who may hold a user account, placed where, granted by whom, and which scopes a
//! service account's credential carries. Decided here, before anything is stored, for the API,
//! the CLI and the bootstrap alike. A credential (a service account's token) is bounded like a
//! user: it never grants more than it holds, never changes its own scopes, and acts only within
//! its region's subtree (issue #18).

use crate::access::{Action, Principal, PrincipalKind, Role, Visibility};
use crate::region::RegionCode;
use crate::violation::{Verdict, Violation};

/// Usernames: 3–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit (stored
/// lower-case, so `Admin` and `admin` are one user).
pub fn check_username(username: &str) -> Verdict<()> {
    let ok = (3..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && username.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        return Ok(());
    }
    Err(vec![Violation::invalid(
        "invalid_format",
        "/username",
        "3 to 64 characters: lower-case letters, digits, `.`, `_` or `-`, starting with a letter or digit",
        "3 sampai 64 karakter: huruf kecil, angka, `.`, `_` atau `-`, diawali huruf atau angka",
    )])
}

/// Passwords: length over composition rules (NIST SP 800-63B).
pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 256;

pub fn check_password(password: &str) -> Verdict<()> {
    if (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&password.chars().count()) {
        return Ok(());
    }
    Err(vec![Violation::invalid(
        "too_short_or_long",
        "/password",
        format!("{PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"),
        format!("{PASSWORD_MIN_CHARS} sampai {PASSWORD_MAX_CHARS} karakter"),
    )])
}

/// Central roles act for the whole country and have no region; every other role has one, and a
/// province officer's is a province.
pub fn check_placement(role: Role, region: Option<&RegionCode>) -> Verdict<()> {
    let (en, id) = match (role.is_central(), region) {
        (true, Some(_)) => (
            format!("a {role} acts for all regions and has no region"),
            format!("{role} bertindak untuk semua daerah dan tidak memiliki daerah"),
        ),
        (false, None) => (
            format!("a {role} needs a region"),
            format!("{role} memerlukan daerah"),
        ),
        (false, Some(r)) if role == Role::ProvinceOfficer && !r.is_province() => (
            "a province_officer's region must be a province".into(),
            "daerah province_officer harus sebuah provinsi".into(),
        ),
        _ => return Ok(()),
    };
    Err(vec![Violation::invalid(
        "role_region_mismatch",
        "/region_code",
        en,
        id,
    )])
}

/// What a grantor may give users: where (its visibility for `users:write`) and, unless it is
/// jalin itself, no more than it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    pub scope: Visibility,
    /// Who grants; `None` for jalin itself (the CLI, the bootstrap, the demo): unbounded.
    pub grantor: Option<Principal>,
}

impl UserGrant {
    /// The bounds of `principal` acting where `scope` lets it manage users.
    pub fn of(principal: &Principal, scope: Visibility) -> UserGrant {
        UserGrant {
            scope,
            grantor: Some(principal.clone()),
        }
    }

    /// jalin itself: unbounded.
    pub fn system() -> UserGrant {
        UserGrant {
            scope: Visibility::All,
            grantor: None,
        }
    }

    fn is_credential(&self) -> bool {
        self.grantor
            .as_ref()
            .is_some_and(|p| matches!(p.kind, PrincipalKind::ServiceAccount { .. }))
    }

    /// Whether the grantor is the user `user_id` itself.
    pub fn is_self(&self, user_id: &str) -> bool {
        self.grantor.as_ref().is_some_and(|p| p.id == user_id)
    }
}

/// A credential (or anyone) never grants more than it holds: `scope_not_held` naming `missing`.
fn not_held(missing: &[Action]) -> Violation {
    let list = missing
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Violation::not_permitted(
        "scope_not_held",
        format!("you grant only what you hold yourself, not {list}"),
        format!("Anda hanya dapat memberikan apa yang Anda miliki sendiri, bukan {list}"),
    )
}

/// Whether `grant` may create, or leave after a change, a user of `role` placed in `region`:
/// the region lies within the grantor's scope, only a person grants a central role (a script's
/// token can never mint an administrator), and the user would hold nothing the grantor does not
/// hold itself, over no region it does not reach ([`Principal::lacks_for`]).
pub fn check_user_grant(grant: &UserGrant, role: Role, region: Option<&RegionCode>) -> Verdict<()> {
    let mut refused = Vec::new();
    if !grant.scope.includes(region) {
        refused.push(Violation::not_permitted(
            "outside_scope",
            "the user would be placed outside your regions",
            "pengguna akan ditempatkan di luar daerah Anda",
        ));
    }
    if role.is_central() && grant.is_credential() {
        refused.push(Violation::not_permitted(
            "central_role_by_credential",
            "only a signed-in person may grant a central role",
            "hanya orang yang masuk log yang dapat memberikan peran pusat",
        ));
    }
    if let Some(grantor) = &grant.grantor {
        let missing = grantor.lacks_for(role, region);
        if !missing.is_empty() {
            refused.push(not_held(&missing));
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(refused)
    }
}

/// Nobody changes their own role or region (another administrator does).
pub fn check_own_placement(
    is_self: bool,
    before: (Role, Option<&RegionCode>),
    after: (Role, Option<&RegionCode>),
) -> Verdict<()> {
    if is_self && before != after {
        return Err(vec![Violation::not_permitted(
            "own_role",
            "you cannot change your own role or region",
            "Anda tidak dapat mengubah peran atau daerah Anda sendiri",
        )]);
    }
    Ok(())
}

/// A user changing their own account may neither deactivate it nor give up the admin role: an
/// instance must never lose its last way in by accident.
pub fn check_own_account(is_self: bool, role: Role, active: bool) -> Verdict<()> {
    if is_self && (!active || role != Role::Admin) {
        return Err(vec![Violation::conflict(
            "cannot_lock_out_self",
            "You cannot deactivate yourself or remove your own admin role; ask another admin.",
            "Anda tidak dapat menonaktifkan diri sendiri atau mencabut peran admin Anda; minta admin lain.",
        )]);
    }
    Ok(())
}

/// What a grantor may give service accounts: where (its visibility for
/// `service_accounts:write`), and — when it is a credential — at most the scopes its token holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountGrant {
    pub scope: Visibility,
    /// The scopes a credential holds; `None` for a person or jalin itself (an administrator
    /// grants even the callback scopes no role holds).
    pub held: Option<Vec<Action>>,
    /// The grantor's own service account, if it is one.
    pub own_account: Option<String>,
}

impl AccountGrant {
    /// The bounds of `principal` acting where `scope` lets it manage service accounts.
    pub fn of(principal: &Principal, scope: Visibility) -> AccountGrant {
        match &principal.kind {
            PrincipalKind::User { .. } => AccountGrant {
                scope,
                held: None,
                own_account: None,
            },
            PrincipalKind::ServiceAccount { scopes } => AccountGrant {
                scope,
                held: Some(scopes.clone()),
                own_account: Some(principal.id.clone()),
            },
        }
    }

    /// jalin itself (the CLI, the bootstrap, the demo): unbounded.
    pub fn system() -> AccountGrant {
        AccountGrant {
            scope: Visibility::All,
            held: None,
            own_account: None,
        }
    }

    pub fn is_own(&self, account_id: &str) -> bool {
        self.own_account.as_deref() == Some(account_id)
    }
}

/// Whether `grant` may create, or leave after a change, or delete, a service account holding
/// `scopes` in `region` (`None`: a national account): the region lies within the grantor's
/// scope, and a credential gives no scope it does not hold itself.
pub fn check_account_grant(
    grant: &AccountGrant,
    scopes: &[Action],
    region: Option<&RegionCode>,
) -> Verdict<()> {
    let mut refused = Vec::new();
    if !grant.scope.includes(region) {
        refused.push(Violation::not_permitted(
            "outside_scope",
            "the service account would reach beyond your regions",
            "akun layanan akan menjangkau di luar daerah Anda",
        ));
    }
    if let Some(held) = &grant.held {
        let missing: Vec<Action> = scopes
            .iter()
            .filter(|s| !held.contains(s))
            .copied()
            .collect();
        if !missing.is_empty() {
            refused.push(not_held(&missing));
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(refused)
    }
}

/// A credential never changes its own scopes: not to widen them, not to narrow them (another
/// account, or a person, does).
pub fn check_own_scopes(
    grant: &AccountGrant,
    account_id: &str,
    before: &[Action],
    after: &[Action],
) -> Verdict<()> {
    if grant.is_own(account_id) && before != after {
        return Err(vec![Violation::not_permitted(
            "own_scopes",
            "a service account cannot change its own scopes",
            "akun layanan tidak dapat mengubah cakupannya sendiri",
        )]);
    }
    Ok(())
}

/// A service account's scopes as a set: each once, in the order of [`Action::ALL`].
pub fn scope_set(mut scopes: Vec<Action>) -> Vec<Action> {
    scopes.sort();
    scopes.dedup();
    scopes
}

/// Scope names as given on the command line (`pointer/0`, `pointer/1`… for an unknown one).
pub fn parse_scopes(names: &[String], pointer: &str) -> Verdict<Vec<Action>> {
    let mut violations = Vec::new();
    let mut scopes = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match Action::parse(name) {
            Some(a) => scopes.push(a),
            None => violations.push(Violation::invalid(
                "unknown_scope",
                format!("{pointer}/{i}"),
                format!("`{name}` is not a scope"),
                format!("`{name}` bukan cakupan"),
            )),
        }
    }
    if violations.is_empty() {
        Ok(scope_set(scopes))
    } else {
        Err(violations)
    }
}

/// The scopes a token carries: those requested (space-separated, OAuth 2.0), each of which the
/// account must hold; all the account holds when none are requested.
pub fn granted_scopes(held: &[Action], requested: Option<&str>) -> Verdict<Vec<Action>> {
    let Some(requested) = requested else {
        return Ok(held.to_vec());
    };
    requested
        .split_whitespace()
        .map(|s| {
            Action::parse(s)
                .filter(|a| held.contains(a))
                .ok_or_else(|| {
                    vec![Violation::invalid(
                        "invalid_scope",
                        "/scope",
                        format!("`{s}` is not a scope this client holds"),
                        format!("`{s}` bukan cakupan milik klien ini"),
                    )]
                })
        })
        .collect()
}

/// What a token's scopes allow today: those it was issued with that its account still holds (an
/// admin may have taken a scope away since), ignoring names no longer known.
pub fn scopes_still_held(token_scopes: &str, held: &[Action]) -> Vec<Action> {
    token_scopes
        .split_whitespace()
        .filter_map(Action::parse)
        .filter(|a| held.contains(a))
        .collect()
}

/// Scopes as OAuth 2.0 writes them: space-separated.
pub fn scope_text(scopes: &[Action]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::testing::code;
    use crate::violation::Refusal;

    fn codes<T: std::fmt::Debug>(v: Verdict<T>) -> Vec<String> {
        v.unwrap_err().iter().map(|v| v.code.to_string()).collect()
    }

    #[test]
    fn usernames_are_lower_case_names_of_three_to_64_characters() {
        assert!(check_username("siti.rahayu").is_ok());
        assert!(check_username("a_b-1").is_ok());
        for bad in ["Siti", "ab", "-x12", ".abc", "siti rahayu", &"a".repeat(65)] {
            let v = check_username(bad).unwrap_err();
            assert_eq!(v[0].pointer, "/username", "{bad}");
            assert_eq!(v[0].code, "invalid_format");
        }
    }

    #[test]
    fn passwords_are_12_to_256_characters_whatever_they_contain() {
        assert!(check_password("twelve chars").is_ok());
        assert!(check_password(&"é".repeat(256)).is_ok());
        assert_eq!(codes(check_password("short")), ["too_short_or_long"]);
        assert_eq!(
            codes(check_password(&"x".repeat(257))),
            ["too_short_or_long"]
        );
        assert_ne!(
            check_password("short").unwrap_err()[0].text.id,
            check_password("short").unwrap_err()[0].text.en,
            "bilingual"
        );
    }

    #[test]
    fn central_roles_have_no_region_and_regional_roles_have_one() {
        assert!(check_placement(Role::Admin, None).is_ok());
        assert!(check_placement(Role::CentralReviewer, None).is_ok());
        assert!(check_placement(Role::RegionOfficer, Some(&code("33.74"))).is_ok());
        let v = check_placement(Role::Admin, Some(&code("33"))).unwrap_err();
        assert_eq!(
            (v[0].code.as_ref(), v[0].pointer.as_ref()),
            ("role_region_mismatch", "/region_code")
        );
        assert_eq!(
            codes(check_placement(Role::Viewer, None)),
            ["role_region_mismatch"]
        );
    }

    #[test]
    fn a_province_officer_is_placed_in_a_province_not_a_regency() {
        assert!(check_placement(Role::ProvinceOfficer, Some(&code("33"))).is_ok());
        assert_eq!(
            codes(check_placement(Role::ProvinceOfficer, Some(&code("33.74")))),
            ["role_region_mismatch"]
        );
    }

    fn person(role: Role, region: Option<&str>) -> Principal {
        Principal {
            id: "u-1".into(),
            name: "someone".into(),
            kind: PrincipalKind::User { role },
            region: region.map(code),
        }
    }

    fn user_grant(p: &Principal) -> UserGrant {
        UserGrant::of(
            p,
            p.visibility(Action::ManageUsers).unwrap_or(Visibility::All),
        )
    }

    #[test]
    fn a_grantor_places_users_only_within_its_scope() {
        let script = Principal {
            id: "sa-1".into(),
            name: "script".into(),
            kind: PrincipalKind::ServiceAccount {
                scopes: vec![
                    Action::ManageUsers,
                    Action::ReadReference,
                    Action::ReadAgreements,
                ],
            },
            region: Some(code("33")),
        };
        let jateng = user_grant(&script);
        assert!(check_user_grant(&jateng, Role::Viewer, Some(&code("33.01"))).is_ok());
        for (role, region) in [(Role::Viewer, Some("36")), (Role::Admin, None)] {
            let v = check_user_grant(&jateng, role, region.map(code).as_ref()).unwrap_err();
            assert_eq!(v[0].refusal, Refusal::NotPermitted);
            assert_eq!(v[0].code, "outside_scope", "{role}");
        }
    }

    #[test]
    fn a_script_can_never_grant_a_central_role() {
        let mut script = person(Role::Admin, None);
        script.kind = PrincipalKind::ServiceAccount {
            scopes: Action::ALL.to_vec(),
        };
        for role in [Role::Admin, Role::CentralReviewer] {
            let v = check_user_grant(&user_grant(&script), role, None).unwrap_err();
            assert_eq!(codes(Err::<(), _>(v)), ["central_role_by_credential"]);
            let admin = person(Role::Admin, None);
            assert!(check_user_grant(&user_grant(&admin), role, None).is_ok());
            assert!(check_user_grant(&UserGrant::system(), role, None).is_ok());
        }
    }

    #[test]
    fn a_grantor_never_gives_a_role_more_than_it_holds() {
        let script = Principal {
            id: "sa-1".into(),
            name: "script".into(),
            kind: PrincipalKind::ServiceAccount {
                scopes: vec![
                    Action::ManageUsers,
                    Action::ReadReference,
                    Action::ReadAgreements,
                ],
            },
            region: Some(code("33")),
        };
        let grant = user_grant(&script);
        let v = check_user_grant(&grant, Role::ProvinceOfficer, Some(&code("33"))).unwrap_err();
        assert_eq!(
            (v[0].refusal, v[0].code.as_ref()),
            (Refusal::NotPermitted, "scope_not_held")
        );
        assert!(
            v[0].text.en.contains("agreements:write"),
            "{}",
            v[0].text.en
        );
        assert_ne!(v[0].text.en, v[0].text.id, "bilingual");
        // A national credential with users:write alone gives nobody anything.
        let mut bare = script.clone();
        bare.kind = PrincipalKind::ServiceAccount {
            scopes: vec![Action::ManageUsers],
        };
        bare.region = None;
        assert_eq!(
            codes(check_user_grant(
                &user_grant(&bare),
                Role::Viewer,
                Some(&code("33"))
            )),
            ["scope_not_held"]
        );
    }

    #[test]
    fn nobody_changes_their_own_role_or_region() {
        let (jateng, banten) = (code("33"), code("36"));
        let v = check_own_placement(
            true,
            (Role::ProvinceOfficer, Some(&jateng)),
            (Role::ProvinceOfficer, Some(&banten)),
        )
        .unwrap_err();
        assert_eq!(
            (v[0].refusal, v[0].code.as_ref()),
            (Refusal::NotPermitted, "own_role")
        );
        let before = (Role::Viewer, Some(&jateng));
        assert!(check_own_placement(true, before, (Role::Admin, None)).is_err());
        assert!(check_own_placement(true, before, before).is_ok());
        assert!(check_own_placement(false, before, (Role::Admin, None)).is_ok());
    }

    fn credential(scopes: Vec<Action>, region: Option<&str>) -> AccountGrant {
        let p = Principal {
            id: "sa-1".into(),
            name: "script".into(),
            kind: PrincipalKind::ServiceAccount { scopes },
            region: region.map(code),
        };
        let vis = p.visibility(Action::ManageServiceAccounts).unwrap();
        AccountGrant::of(&p, vis)
    }

    #[test]
    fn a_credential_grants_only_scopes_it_holds_within_its_subtree() {
        let jateng = credential(
            vec![Action::ManageServiceAccounts, Action::ReadUsers],
            Some("33"),
        );
        assert!(check_account_grant(&jateng, &[Action::ReadUsers], Some(&code("33.01"))).is_ok());
        assert!(check_account_grant(&jateng, &[Action::ReadUsers], Some(&code("33"))).is_ok());
        for (scopes, region, why) in [
            (vec![Action::ReadUsers], None, "outside_scope"),
            (vec![Action::ReadUsers], Some("36"), "outside_scope"),
            (vec![Action::ManageUsers], Some("33"), "scope_not_held"),
        ] {
            let v = check_account_grant(&jateng, &scopes, region.map(code).as_ref()).unwrap_err();
            assert_eq!(v[0].refusal, Refusal::NotPermitted);
            assert_eq!(v[0].code, why, "{scopes:?} {region:?}");
            assert_ne!(v[0].text.en, v[0].text.id, "bilingual");
        }
        // A national credential reaches every region, still only with what it holds.
        let national = credential(vec![Action::ManageServiceAccounts], None);
        assert!(check_account_grant(&national, &[Action::ManageServiceAccounts], None).is_ok());
        assert_eq!(
            codes(check_account_grant(&national, &[Action::ReadAudit], None)),
            ["scope_not_held"]
        );
    }

    #[test]
    fn a_person_grants_any_scope_within_their_scope() {
        let admin = Principal {
            id: "u".into(),
            name: "admin".into(),
            kind: PrincipalKind::User { role: Role::Admin },
            region: None,
        };
        let grant = AccountGrant::of(&admin, Visibility::All);
        assert!(check_account_grant(&grant, Action::ALL, None).is_ok());
        assert!(check_account_grant(&AccountGrant::system(), Action::ALL, None).is_ok());
    }

    #[test]
    fn a_credential_never_changes_its_own_scopes() {
        let held = vec![Action::ManageServiceAccounts, Action::ReadUsers];
        let me = credential(held.clone(), Some("33"));
        let v = check_own_scopes(&me, "sa-1", &held, &[Action::ManageServiceAccounts]).unwrap_err();
        assert_eq!(
            (v[0].refusal, v[0].code.as_ref()),
            (Refusal::NotPermitted, "own_scopes")
        );
        assert!(check_own_scopes(&me, "sa-1", &held, &held).is_ok());
        assert!(check_own_scopes(&me, "sa-2", &held, &[Action::ReadUsers]).is_ok());
    }

    #[test]
    fn an_admin_cannot_lock_themselves_out() {
        assert!(check_own_account(true, Role::Admin, true).is_ok());
        for (role, active) in [(Role::Admin, false), (Role::Viewer, true)] {
            let v = check_own_account(true, role, active).unwrap_err();
            assert_eq!(v[0].refusal, Refusal::Conflict);
            assert_eq!(v[0].code, "cannot_lock_out_self");
        }
        // Another admin may do both.
        assert!(check_own_account(false, Role::Viewer, false).is_ok());
    }

    #[test]
    fn scopes_are_a_set_and_unknown_names_are_refused_where_they_are() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_scopes(
                &names(&["users:read", "reference:read", "users:read"]),
                "/scopes"
            ),
            Ok(vec![Action::ReadReference, Action::ReadUsers])
        );
        let v = parse_scopes(&names(&["reference:read", "root"]), "/scopes").unwrap_err();
        assert_eq!(
            (v[0].code.as_ref(), v[0].pointer.as_ref()),
            ("unknown_scope", "/scopes/1")
        );
    }

    #[test]
    fn a_token_carries_the_requested_scopes_the_account_holds() {
        let held = [Action::ReadReference, Action::ReadUsers];
        assert_eq!(granted_scopes(&held, None), Ok(held.to_vec()));
        assert_eq!(
            granted_scopes(&held, Some("users:read")),
            Ok(vec![Action::ReadUsers])
        );
        assert_eq!(scope_text(&held), "reference:read users:read");
    }

    #[test]
    fn a_token_loses_the_scopes_its_account_no_longer_holds() {
        let issued = "reference:read users:read retired:scope";
        assert_eq!(
            scopes_still_held(issued, &[Action::ReadUsers, Action::ManageUsers]),
            [Action::ReadUsers]
        );
        assert_eq!(scopes_still_held("", &[Action::ReadUsers]), []);
    }

    #[test]
    fn a_token_never_carries_a_scope_the_account_does_not_hold() {
        for requested in ["users:write", "reference:read nonsense"] {
            let v = granted_scopes(&[Action::ReadReference], Some(requested)).unwrap_err();
            assert_eq!(
                (v[0].code.as_ref(), v[0].pointer.as_ref()),
                ("invalid_scope", "/scope")
            );
        }
    }
}
