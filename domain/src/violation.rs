//! Why the domain refuses something: one [`Violation`] type for every refusal in the product —
//! registry rules, the approval workflow, the agreement lifecycle, travel permits, evaluations,
//! reports, coordination — each with a stable code, the rule it enforces when there is one, where
//! in the input it applies, and its explanation in English and Indonesian.

use std::borrow::Cow;

use crate::rules::RuleId;

/// A text in both languages the product speaks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    pub en: String,
    pub id: String,
}

impl Text {
    pub fn new(en: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            id: id.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Id => &self.id,
        }
    }
}

/// The two languages: English by default, Indonesian when asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Id,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Id => "id",
        }
    }
}

/// What kind of refusal it is, which decides how the API answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// The input is wrong or breaks a rule: correct it and send it again (422).
    Invalid,
    /// The record's state does not allow it now (409).
    Conflict,
    /// The actor may not do this here (403), e.g. a stage that is not theirs.
    NotPermitted,
}

/// One reason a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule (R1–R24) this enforces, when there is one.
    pub rule: Option<RuleId>,
    /// A stable code (`returns_before_departure`, `case_closed`); the rule id for rule checks.
    pub code: Cow<'static, str>,
    /// Where in the input: a JSON pointer (`/partner_ids/0`), empty when it is the whole request.
    pub pointer: Cow<'static, str>,
    pub text: Text,
    pub refusal: Refusal,
}

impl Violation {
    /// A broken rule; its code is the rule id.
    pub fn rule(
        rule: RuleId,
        pointer: impl Into<Cow<'static, str>>,
        en: impl Into<String>,
        id: impl Into<String>,
    ) -> Self {
        Self {
            rule: Some(rule),
            code: Cow::Borrowed(rule.as_str()),
            pointer: pointer.into(),
            text: Text::new(en, id),
            refusal: Refusal::Invalid,
        }
    }

    /// Invalid input, without a rule of the regulation behind it.
    pub fn invalid(
        code: &'static str,
        pointer: impl Into<Cow<'static, str>>,
        en: impl Into<String>,
        id: impl Into<String>,
    ) -> Self {
        Self {
            rule: None,
            code: Cow::Borrowed(code),
            pointer: pointer.into(),
            text: Text::new(en, id),
            refusal: Refusal::Invalid,
        }
    }

    /// The record's state does not allow this.
    pub fn conflict(code: &'static str, en: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            rule: None,
            code: Cow::Borrowed(code),
            pointer: Cow::Borrowed(""),
            text: Text::new(en, id),
            refusal: Refusal::Conflict,
        }
    }

    /// The actor may not do this.
    pub fn not_permitted(code: &'static str, en: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            rule: None,
            code: Cow::Borrowed(code),
            pointer: Cow::Borrowed(""),
            text: Text::new(en, id),
            refusal: Refusal::NotPermitted,
        }
    }

    /// The same violation, citing `rule`.
    pub fn citing(mut self, rule: RuleId) -> Self {
        self.rule = Some(rule);
        self
    }

    /// The same violation at another place in the input.
    pub fn at(mut self, pointer: impl Into<Cow<'static, str>>) -> Self {
        self.pointer = pointer.into();
        self
    }
}

/// The outcome of a domain decision: the new state, or every reason it is refused.
pub type Verdict<T> = Result<T, Vec<Violation>>;

/// `Ok(())` when `violations` is empty, else all of them.
pub fn verdict(violations: Vec<Violation>) -> Verdict<()> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_violation_is_coded_by_its_rule() {
        let v = Violation::rule(RuleId::R13, "/record", "no letter", "tidak ada surat");
        assert_eq!(v.code, "R13");
        assert_eq!(v.rule, Some(RuleId::R13));
        assert_eq!(v.refusal, Refusal::Invalid);
        assert_eq!(v.text.get(Lang::Id), "tidak ada surat");
    }

    #[test]
    fn an_empty_list_is_no_refusal() {
        assert_eq!(verdict(vec![]), Ok(()));
        let c = Violation::conflict("case_closed", "closed", "ditutup");
        assert_eq!(verdict(vec![c.clone()]), Err(vec![c]));
    }
}
