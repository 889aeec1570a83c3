//! The rules the software enforces (docs/rules.md), each with its legal source. Problems that
//! report a rule violation cite the id, so a civil servant can look the rule up.

use serde::{Deserialize, Serialize};

/// How well the rule's source was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Read in the regulation's own text.
    High,
    /// From secondary sources that quote it.
    Medium,
}

macro_rules! rules {
    ($($id:ident => ($source:expr, $conf:ident, $summary:expr)),+ $(,)?) => {
        /// A rule id, `R1`…`R24`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum RuleId { $($id),+ }

        impl RuleId {
            pub const ALL: &'static [RuleId] = &[$(RuleId::$id),+];

            pub fn as_str(self) -> &'static str {
                match self { $(RuleId::$id => stringify!($id)),+ }
            }

            /// The legal source of the rule.
            pub fn source(self) -> &'static str {
                match self { $(RuleId::$id => $source),+ }
            }

            pub fn confidence(self) -> Confidence {
                match self { $(RuleId::$id => Confidence::$conf),+ }
            }

            /// One line on what the rule requires.
            pub fn summary(self) -> &'static str {
                match self { $(RuleId::$id => $summary),+ }
            }
        }
    };
}

rules! {
    R1 => ("PP 28/2018 art. 1(4)-(5), 24, 25", High, "A KSDPL partner is a foreign local government; a KSDLL partner is a foreign institution."),
    R2 => ("PP 28/2018 art. 36", High, "KSDLL by continuation: partner is an international organization, a foreign non-profit with legal personality or a foreign development partner; never a political party."),
    R3 => ("PP 28/2018 art. 23(2), 27(1)b", High, "Objects are science and technology, cultural exchange, technical and government-management capacity, promotion of regional potential, or other lawful objects within the region's authority."),
    R4 => ("PP 28/2018 art. 27(1)a", High, "The partner's country has diplomatic relations with Indonesia."),
    R5 => ("PP 28/2018 art. 27(1)c-e, (2)", High, "Checklist affirmed before the plan goes to DPRD: no representative office abroad, no interference in domestic affairs, consistent with national and regional development plans, transferable science and technology; a false item stops the case, except science and technology transfer recorded as not relevant, with a reason, where it is not an object of the cooperation."),
    R6 => ("PP 28/2018 art. 27(3)", High, "KSDPL: equal administrative status, complementarity and people-to-people benefit; a mismatch needs a recorded justification."),
    R7 => ("PP 28/2018 art. 28(4)", High, "The LoI cannot be signed before consultations with both Kemendagri and Kemlu are recorded, nor dated before the later of their two letters."),
    R8 => ("PP 28/2018 art. 30(3)", High, "The cooperation plan states subject, background, aims, object, scope, financing source and implementation period."),
    R9 => ("PP 28/2018 art. 30(1), 38", High, "DPRD approval is mandatory for every KSDPL and KSDLL."),
    R10 => ("PP 28/2018 art. 30(4)", High, "DPRD decides within 45 working days of its receipt of the plan (recorded by its secretariat, not before the plan was sent nor in the future); overdue is flagged, never approved by silence."),
    R11 => ("PP 28/2018 art. 31", High, "Only a DPRD-approved plan goes to Kemendagri; the outcome is revise the plan or draft the text."),
    R12 => ("PP 28/2018 art. 32", High, "Draft approval needs the inter-ministerial meeting record."),
    R13 => ("PP 28/2018 art. 33(3)-(4)", High, "No signing without the confirmation letter."),
    R14 => ("UU 24/2000 art. 7", Medium, "Full powers are recorded for the signatory; only an implementing arrangement under an umbrella agreement active on the signing date, with the same partners and covering its objects, takes the shorter path without them (art. 7(5))."),
    R15 => ("PP 28/2018 art. 23(1), 33(4); PP 49/2008 art. 132A; UU 30/2014 art. 14(7)", High, "The Indonesian signatory is the head of region; a Penjabat only with the Minister of Home Affairs' written approval, a Plt. or Plh. not, a deputy never (the acting heads' cases below)."),
    R16 => ("UU 24/2009 art. 31", High, "Texts in Bahasa Indonesia plus the partner's language and/or English, equally authentic."),
    R17 => ("PP 28/2018 art. 9(2) by analogy", Medium, "A change of head of region does not end an agreement."),
    R18 => ("Seed 001 (Jawa Tengah-Queensland renewal)", Medium, "A renewal re-runs the workflow; the successor links to its predecessor."),
    R19 => ("PP 28/2018 art. 9 by analogy", Medium, "Termination reasons: expiry, objective achieved, mutual agreement, policy change, object lost."),
    R20 => ("PP 10/2011 art. 4", High, "No commitment that creates a foreign-loan obligation."),
    R21 => ("PP 28/2018 art. 43, 44; UU 23/2014 art. 368", High, "Every active agreement is reported to Kemendagri; regency/city reports are visible to the governor."),
    R22 => ("Seed 002 (coordination meeting, item on reporting)", Medium, "The annual report is due 7 working days after the fiscal year ends."),
    R23 => ("PP 28/2018 art. 48; art. 30-33", High, "Agreements signed before 13 July 2018 stay valid until they end; one signed later outside this system is recorded with its DPRD approval, Kemendagri consideration and Kemlu confirmation letters and counts as active only after a central reviewer verifies them."),
    R24 => ("Permenlu 3/2019 Bab X", Medium, "Nothing official with Israeli government entities."),
}

/// One case of a rule with its own source and confidence (R15's acting heads of region).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleCase {
    pub case: &'static str,
    pub source: &'static str,
    pub confidence: Confidence,
    /// `DEFAULT` and the setting, where the case is a product decision that is configuration.
    pub setting: Option<&'static str>,
}

impl RuleId {
    /// The cases of a rule that rest on sources of their own (empty for most rules).
    pub fn cases(self) -> &'static [RuleCase] {
        match self {
            RuleId::R15 => &[
                RuleCase {
                    case: "Definitive head of region (governor, regent, mayor) signs.",
                    source: "PP 28/2018 art. 23(1), 33(4)",
                    confidence: Confidence::High,
                    setting: None,
                },
                RuleCase {
                    case: "Penjabat (Pj.) head signs only with the Minister of Home Affairs' written approval (letter number and date, not after the signing).",
                    source: "PP 49/2008 art. 132A",
                    confidence: Confidence::Medium,
                    setting: Some("DEFAULT `with_minister_approval`: signing.penjabat (JALIN_SIGNING_PENJABAT)"),
                },
                RuleCase {
                    case: "Pelaksana Tugas (Plt.) or Pelaksana Harian (Plh.) does not sign: strategic decisions are outside their authority.",
                    source: "UU 30/2014 art. 14(7)",
                    confidence: Confidence::Medium,
                    setting: Some("DEFAULT `refused`: signing.plt_plh (JALIN_SIGNING_PLT_PLH)"),
                },
                RuleCase {
                    case: "A deputy head of region (wakil) never signs.",
                    source: "PP 28/2018 art. 23(1), 33(4)",
                    confidence: Confidence::High,
                    setting: None,
                },
            ],
            _ => &[],
        }
    }
}

/// The rule table as Markdown: `docs/rules.md`, generated by `make rules` and checked by a test,
/// so the repository carries the rules it enforces and each problem's `rule` can be looked up.
pub fn markdown() -> String {
    let mut out = String::from(
        "# The rules jalin enforces\n\n\
         Generated from the rule registry (`domain/src/rules.rs`) by `make rules`; do not edit.\n\
         A refusal for a legal reason names its rule in the problem's `rule` (and in each\n\
         `errors[].rule`), with the source in `rule_source`.\n\n\
         Confidence: **high** — read in the regulation's own text; **medium** — from secondary\n\
         sources that quote it.\n\n\
         | id | rule | source | confidence |\n|---|---|---|---|\n",
    );
    for r in RuleId::ALL {
        let confidence = match r.confidence() {
            Confidence::High => "high",
            Confidence::Medium => "medium",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.as_str(),
            r.summary().replace('|', "\\|"),
            r.source(),
            confidence
        ));
    }
    for r in RuleId::ALL {
        if r.cases().is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n## {} by case\n\n| case | source | confidence | setting |\n|---|---|---|---|\n",
            r.as_str()
        ));
        for c in r.cases() {
            let confidence = match c.confidence {
                Confidence::High => "high",
                Confidence::Medium => "medium",
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.case,
                c.source,
                confidence,
                c.setting.unwrap_or("fixed")
            ));
        }
    }
    out
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_twenty_four_rules_each_with_a_source() {
        assert_eq!(RuleId::ALL.len(), 24);
        for (i, r) in RuleId::ALL.iter().enumerate() {
            assert_eq!(r.as_str(), format!("R{}", i + 1));
            assert!(!r.source().is_empty() && !r.summary().is_empty());
        }
        assert_eq!(RuleId::R14.confidence(), Confidence::Medium);
    }

    /// R15: each acting-head case cites its own source and confidence; the configurable ones
    /// name their setting.
    #[test]
    fn r15_cites_each_acting_head_case_with_its_source_and_confidence() {
        let cases = RuleId::R15.cases();
        assert_eq!(cases.len(), 4);
        let pj = cases
            .iter()
            .find(|c| c.case.starts_with("Penjabat"))
            .unwrap();
        assert_eq!(
            (pj.source, pj.confidence),
            ("PP 49/2008 art. 132A", Confidence::Medium)
        );
        assert!(pj.setting.unwrap().contains("JALIN_SIGNING_PENJABAT"));
        let plt = cases.iter().find(|c| c.case.contains("Plt.")).unwrap();
        assert_eq!(plt.source, "UU 30/2014 art. 14(7)");
        assert!(markdown().contains("## R15 by case"));
        assert!(RuleId::R14.cases().is_empty());
    }

    /// Every rule is enforced somewhere: each `RuleId` is named by at least one check in the
    /// domain's own code (test modules, at the end of each file, do not count).
    #[test]
    fn every_rule_is_referenced_by_at_least_one_check() {
        fn sources(dir: &std::path::Path, out: &mut String) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("rules.rs")
                {
                    let text = std::fs::read_to_string(&path).unwrap();
                    out.push_str(text.split("#[cfg(test)]").next().unwrap_or_default());
                }
            }
        }
        let mut code = String::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut code,
        );
        let unreferenced: Vec<&str> = RuleId::ALL
            .iter()
            .map(|r| r.as_str())
            .filter(|id| {
                let needle = format!("RuleId::{id}");
                !code.match_indices(&needle).any(|(at, _)| {
                    !code[at + needle.len()..].starts_with(|c: char| c.is_ascii_digit())
                })
            })
            .collect();
        assert!(
            unreferenced.is_empty(),
            "rules no check cites: {unreferenced:?}"
        );
    }

    #[test]
    fn the_committed_rule_table_is_the_registry() {
        assert_eq!(
            include_str!("../../docs/rules.md"),
            markdown(),
            "docs/rules.md is out of date: run `make rules` and commit it"
        );
    }
}
