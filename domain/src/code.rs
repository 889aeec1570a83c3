//! Values stored and sent by a stable code. [`code_enum!`] declares an enum with its codes once:
//! the enum (serde and, with `openapi`, its schema by the snake_case codes), `ALL`, `as_str` and
//! `parse`. [`codes!`] is the code mapping alone, for enums whose serde form differs;
//! [`text_code!`] gives a validated text code (a region, a country) its conversions.

/// `as_str` and `parse` of an enum whose variants each have a stable code.
macro_rules! codes {
    ($name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $name {
            /// The stable code, as stored and sent.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            /// The variant with this code.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use codes;

/// An enum stored and sent by its snake_case code (each code must be its variant's name in
/// snake_case: serde and the schema derive it from the name), with `ALL` its variants in order.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: [$name; [$($s),+].len()] = [$($name::$variant),+];
        }

        $crate::code::codes! { $name { $($variant => $s),+ } }
    };
}
pub(crate) use code_enum;

/// `FromStr`, `TryFrom<String>` (serde's `try_from`), `Into<String>` and `Display` of a code kept
/// as validated text (`struct $name(String)` with `fn parse(&str) -> Result<Self, $error>`).
macro_rules! text_code {
    ($name:ident, $error:ident) => {
        impl std::str::FromStr for $name {
            type Err = $error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use text_code;

#[cfg(test)]
mod tests {
    use crate::activity::ActivityKind;
    use crate::agreement::*;
    use crate::calendar::DayOffKind;
    use crate::case::{CaseStatus, WorkflowActionKind};
    use crate::coordination::*;
    use crate::document::DocumentRole;
    use crate::evaluation::EvaluationStatus;
    use crate::events::DeliveryStatus;
    use crate::lifecycle::TerminationReason;
    use crate::monitoring::annual_report::ReportStatus;
    use crate::monitoring::reminders::ReminderKind;
    use crate::monitoring::PlanKind;
    use crate::region::RegionKind;
    use crate::travel::*;
    use crate::workflow::{StageActor, StageKey};

    /// Every code of `$t` reads back as its variant, and `$unknown` as none: a stored value that
    /// does not parse is never a default.
    macro_rules! round_trip {
        ($($t:ty => $unknown:literal),+ $(,)?) => {$(
            for v in <$t>::ALL {
                assert_eq!(<$t>::parse(v.as_str()), Some(v), "{v:?}");
            }
            assert_eq!(<$t>::parse($unknown), None, "{}", $unknown);
        )+};
    }

    #[test]
    fn every_code_reads_back_as_its_variant() {
        round_trip! {
            ActivityKind => "party",
            DocumentRole => "selfie",
            PracticeStatus => "withdrawn",
            TravelStage => "drafted",
            TravelDocumentKind => "",
            PotentialKind => "",
            MeetingKind => "",
            MeetingDocumentRole => "",
            AgreementKind => "",
            Subtype => "",
            Instrument => "",
            CooperationObject => "",
            AgreementStatus => "",
            PartnerKind => "",
            PartnerLevel => "",
            DayOffKind => "",
            CaseStatus => "",
            WorkflowActionKind => "",
            FollowUp => "",
            PracticeAction => "",
            EvaluationStatus => "",
            DeliveryStatus => "",
            TerminationReason => "",
            ReportStatus => "",
            ReminderKind => "",
            PlanKind => "",
            RegionKind => "",
            TravellerCategory => "",
            TripType => "",
            FundingSource => "",
            ExternalSystem => "",
            PermitDecision => "",
            TravelActionKind => "",
            CallbackOutcome => "",
            StageKey => "",
            StageActor => "",
        }
    }
}
