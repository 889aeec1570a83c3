//! The agreement registry's use cases: register, replace, delete a draft, read and list
//! agreements, each checked against the rules of docs/rules.md (the domain decides) and isolated
//! by region: another region's agreement is a 404.

use chrono::{Datelike, NaiveDate};
use jalin_domain::access::Visibility;
use jalin_domain::agreement::{
    check_agreement, check_signed_facts, AgreementFacts, AgreementStatus, ApprovalFacts,
    CooperationObject, Instrument, LetterFacts, PartnerFacts, Recorded, SignedFacts, Subtype,
};
use jalin_domain::case::StageRecord;
use jalin_domain::lifecycle::VerificationOutcome;
use jalin_domain::Date;
use jalin_domain::{lifecycle, AuditAction, CountryCode, RecordKind, RegionCode};
use jalin_persistence::audit::{self, AuditEvent};
use jalin_persistence::registry::{
    self, Agreement, AgreementFilter, AgreementPaging, AgreementSort, Partner,
};
use jalin_persistence::{activities, cases, documents, reference, DbConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::{changes, Conditional, Ctx};
use crate::error::ApiError;
use crate::reply::{OrNotFound, Versioned};

crate::versioned!(Agreement);

crate::filed!(Agreement => Agreement(id), region);

/// An agreement with its partners, as it is shown.
#[derive(Debug, Clone)]
pub struct AgreementRecord {
    pub agreement: Agreement,
    pub partners: Vec<Partner>,
    /// The signing, from its approval case's signing record when it has one.
    pub signing: Option<Signing>,
}

impl Versioned for AgreementRecord {
    fn id(&self) -> &str {
        &self.agreement.id
    }
    fn version(&self) -> i64 {
        self.agreement.version
    }
}

/// Money as a decimal string and an ISO 4217 currency, never a float.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, PartialEq)]
#[schema(example = json!({"amount": "2000000.00", "currency": "AUD"}))]
pub struct Money {
    #[schema(pattern = r"^-?\d{1,15}(\.\d{1,4})?$", example = "2000000.00")]
    pub amount: String,
    #[schema(pattern = "^[A-Z]{3}$", example = "IDR")]
    pub currency: String,
}

/// A signatory as recorded on the agreement (the workflow's signing record has its own
/// `Signatory`).
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, PartialEq, Debug)]
#[schema(as = AgreementSignatory)]
pub struct Signatory {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// e.g. `Gubernur Jawa Tengah`, `Premier of Queensland`.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub position: String,
}

#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, PartialEq, Default)]
pub struct Signatories {
    #[validate(nested)]
    pub indonesian: Option<Signatory>,
    #[validate(nested)]
    pub partner: Option<Signatory>,
}

/// A letter's reference: its number and date.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, PartialEq, Debug)]
#[schema(as = LetterReference)]
pub struct LetterRef {
    #[validate(length(max = 200))]
    #[schema(max_length = 200, example = "170/1234/DPRD")]
    pub number: String,
    pub date: Date,
}

/// R23: the approvals of an agreement signed on or after 13 July 2018 outside this system's
/// workflow — each letter's number and date, none after the signing nor in the future.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, PartialEq, Default, Debug)]
pub struct ApprovalLetters {
    /// DPRD's approval (PP 28/2018 art. 30; R9).
    #[validate(nested)]
    pub dprd_approval: Option<LetterRef>,
    /// Kemendagri's consideration (art. 31; R11).
    #[validate(nested)]
    pub kemendagri_consideration: Option<LetterRef>,
    /// Kemlu's confirmation letter (art. 33; R13).
    #[validate(nested)]
    pub kemlu_confirmation: Option<LetterRef>,
}

impl ApprovalLetters {
    fn facts(&self) -> ApprovalFacts<'_> {
        fn f(l: &Option<LetterRef>) -> Option<LetterFacts<'_>> {
            l.as_ref().map(|l| LetterFacts {
                number: &l.number,
                date: l.date.naive(),
            })
        }
        ApprovalFacts {
            dprd_approval: f(&self.dprd_approval),
            kemendagri_consideration: f(&self.kemendagri_consideration),
            kemlu_confirmation: f(&self.kemlu_confirmation),
        }
    }
}

/// R23: a central reviewer's last decision on the approvals of an agreement recorded from
/// outside the system.
#[derive(Serialize, Deserialize, ToSchema, Clone, PartialEq, Debug)]
#[schema(as = AgreementVerification)]
pub struct Verification {
    pub outcome: VerificationOutcome,
    /// Why it was refused (what the region is to correct).
    pub note: Option<String>,
    /// Who decided.
    pub by: String,
    #[schema(value_type = String, format = Date)]
    pub on: NaiveDate,
}

/// Where an agreement's signing facts come from.
#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum SigningSource {
    /// The signing record of its approval case in this system.
    Workflow,
    /// The agreement's own record (legacy, signed outside the system).
    Record,
}

/// The signing: date, place and signatories. Fixed once signed: they change only through an
/// amendment.
#[derive(Serialize, ToSchema, Clone, PartialEq, Debug)]
#[schema(as = AgreementSigning)]
pub struct Signing {
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    pub place: Option<String>,
    pub indonesian: Option<Signatory>,
    pub partner: Option<Signatory>,
    /// ISO 639-1 codes of the signed texts (R16).
    pub signed_text_languages: Vec<String>,
    pub source: SigningSource,
}

/// The signing of `a`, from `record` (its case's signing record) when there is one, else from
/// the agreement itself once it was signed outside the system; `None` before signing.
pub fn signing_of(a: &Agreement, record: Option<&StageRecord>) -> Option<Signing> {
    if let Some(StageRecord::Signing {
        signed_on,
        place,
        indonesian,
        partner,
        signed_text_languages,
        ..
    }) = record
    {
        let person = |s: &jalin_domain::case::Signatory| Signatory {
            name: s.name.clone(),
            position: s.position.clone(),
        };
        return Some(Signing {
            signed_on: signed_on.naive(),
            place: Some(place.clone()),
            indonesian: Some(person(indonesian)),
            partner: Some(person(partner)),
            signed_text_languages: signed_text_languages.clone(),
            source: SigningSource::Workflow,
        });
    }
    let signed = a.status.is_signed() || a.status == AgreementStatus::PendingVerification;
    let on = a.signed_on.filter(|_| signed)?;
    let d = details_of(a);
    Some(Signing {
        signed_on: on,
        place: a.signed_place.clone(),
        indonesian: d.signatories.indonesian,
        partner: d.signatories.partner,
        signed_text_languages: a.languages.clone(),
        source: if a.legacy {
            SigningSource::Record
        } else {
            SigningSource::Workflow
        },
    })
}

/// R5 (PP 28/2018 art. 27(1)c–e, (2)): the checklist recorded for the agreement.
#[derive(Serialize, Deserialize, ToSchema, Clone, PartialEq, Default)]
pub struct Checklist {
    pub no_representative_office_abroad: Option<bool>,
    pub no_interference_in_domestic_affairs: Option<bool>,
    pub consistent_with_development_plans: Option<bool>,
    pub technology_transferable: Option<bool>,
}

/// The parts of an agreement kept together as details.
#[derive(Serialize, Deserialize, Clone, PartialEq, Default)]
pub struct Details {
    pub implementing_agencies: Vec<String>,
    pub financing_source: Option<String>,
    pub signatories: Signatories,
    pub own_reference: Option<String>,
    pub partner_reference: Option<String>,
    pub checklist: Checklist,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_letters: Option<ApprovalLetters>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// Written by the termination (R19); kept by every replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination: Option<Value>,
}

/// An agreement as written by a client (create and replace).
#[derive(Deserialize, Validate, ToSchema)]
#[schema(example = json!({
    "region_code": "33", "subtype": "sister_province", "instrument": "mou",
    "partner_ids": ["0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00"],
    "title_id": "Nota Kesepahaman Kerja Sama Provinsi Kembar Jawa Tengah – Queensland",
    "title_en": "Memorandum of Understanding on Sister Province Cooperation between Central Java and Queensland",
    "objects": ["cultural_exchange", "technical_capacity"], "sectors": ["pendidikan"], "languages": ["id", "en"],
    "legacy": true, "status": "expired", "signed_on": "1991-02-26", "expires_on": "2019-08-05"
}))]
pub struct AgreementInput {
    /// The Indonesian party (`33`, `33.74`); fixed once created.
    #[schema(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$")]
    pub region_code: String,
    /// Implies the kind: sister_province, sister_city, other_ksdpl → KSDPL; continuation, other_ksdll → KSDLL.
    pub subtype: Subtype,
    pub instrument: Instrument,
    #[validate(length(min = 1, max = 10))]
    #[schema(min_items = 1, max_items = 10)]
    pub partner_ids: Vec<String>,
    pub parent_id: Option<String>,
    pub predecessor_id: Option<String>,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub title_id: String,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub title_en: Option<String>,
    /// R3: from the list of PP 28/2018 art. 23(2).
    #[validate(length(min = 1, max = 5))]
    #[schema(min_items = 1, max_items = 5)]
    pub objects: Vec<CooperationObject>,
    #[serde(default)]
    #[validate(length(max = 30))]
    #[schema(max_items = 30)]
    pub sectors: Vec<String>,
    /// R16: `id` plus the partner's language and/or `en` (ISO 639-1).
    #[validate(length(min = 1, max = 10))]
    #[schema(min_items = 1, max_items = 10)]
    pub languages: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 30))]
    #[schema(max_items = 30)]
    pub implementing_agencies: Vec<String>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub financing_source: Option<String>,
    #[serde(default)]
    pub creates_foreign_loan: bool,
    #[validate(nested)]
    pub value: Option<Money>,
    #[serde(default)]
    #[validate(nested)]
    pub signatories: Signatories,
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<Date>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub signed_place: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_from: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
    /// Recorded from before the system (R23): signed before 13 July 2018, `status` is active,
    /// expired or terminated; signed later, it carries `approval_letters` and is
    /// `pending_verification` until a central reviewer verifies it.
    #[serde(default)]
    pub legacy: bool,
    /// Default `draft`; for a legacy agreement `active`, or `pending_verification` when signed
    /// on or after 13 July 2018 (the workflow and the verification set the rest).
    pub status: Option<AgreementStatus>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub level_justification: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub own_reference: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub partner_reference: Option<String>,
    #[serde(default)]
    pub checklist: Checklist,
    /// R23: required when `legacy` and signed on or after 13 July 2018 (PP 28/2018 in force):
    /// the references of the DPRD approval, Kemendagri consideration and Kemlu confirmation.
    /// The agreement then enters as `pending_verification` until a central reviewer verifies it
    /// (`POST /v1/agreements/{id}/verification`).
    #[serde(default)]
    #[validate(nested)]
    pub approval_letters: Option<ApprovalLetters>,
}

/// The details an agreement keeps as JSON.
pub fn details_of(a: &Agreement) -> Details {
    serde_json::from_value(a.details.clone()).unwrap_or_default()
}

/// The audited fields.
fn fields(a: &Agreement) -> Value {
    json!({
        "reference_number": a.reference_number, "region_code": a.region.as_str(), "subtype": a.subtype.as_str(),
        "instrument": a.instrument.as_str(), "parent_id": a.parent_id, "predecessor_id": a.predecessor_id,
        "title_id": a.title_id, "title_en": a.title_en, "partner_ids": a.partner_ids,
        "objects": a.objects.iter().map(|o| o.as_str()).collect::<Vec<_>>(), "sectors": a.sectors,
        "languages": a.languages, "details": a.details, "creates_foreign_loan": a.creates_foreign_loan,
        "value_amount": a.value_amount, "value_currency": a.value_currency, "signed_on": a.signed_on,
        "signed_place": a.signed_place, "effective_from": a.effective_from, "expires_on": a.expires_on,
        "status": a.status.as_str(), "legacy": a.legacy, "level_justification": a.level_justification,
    })
}

fn normalise_money(m: &Money) -> Result<Money, ApiError> {
    let amount: Decimal = jalin_domain::money::parse_amount(&m.amount).ok_or_else(|| {
        ApiError::invalid(
            "/value/amount",
            "invalid_decimal",
            format!("`{}` is not a decimal amount", m.amount),
            format!("`{}` bukan angka desimal", m.amount),
        )
    })?;
    if m.currency.len() != 3 || !m.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::invalid(
            "/value/currency",
            "invalid_currency",
            "an ISO 4217 code such as IDR or AUD",
            "kode ISO 4217 seperti IDR atau AUD",
        ));
    }
    Ok(Money {
        amount: amount.normalize().to_string(),
        currency: m.currency.clone(),
    })
}

/// The agreement's region: known, within the caller's write scope for a new agreement, and
/// the recorded one for a replacement.
fn region_of(
    c: &mut DbConnection,
    scope: &Visibility,
    code: &str,
    existing: Option<&Agreement>,
) -> Result<(RegionCode, jalin_domain::RegionKind), ApiError> {
    let region = super::region_code(code)?;
    let row = reference::get_region(c, &region)?.ok_or_else(|| {
        ApiError::invalid(
            "/region_code",
            "unknown_region",
            format!("no region `{region}`"),
            format!("tidak ada daerah `{region}`"),
        )
    })?;
    match existing {
        Some(e) if e.region != region => Err(ApiError::invalid(
            "/region_code",
            "immutable",
            "an agreement's region cannot change",
            "daerah perjanjian tidak dapat diubah",
        )),
        None if !scope.includes(Some(&region)) => Err(ApiError::Forbidden),
        _ => Ok((region, row.kind)),
    }
}

fn check_languages(languages: &[String]) -> Result<(), ApiError> {
    match languages
        .iter()
        .position(|l| l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()))
    {
        Some(i) => Err(ApiError::invalid(
            &format!("/languages/{i}"),
            "invalid_format",
            "an ISO 639-1 code such as id, en, ko",
            "kode ISO 639-1 seperti id, en, ko",
        )),
        None => Ok(()),
    }
}

/// The partners named, with the facts the rules need of each.
fn partner_facts(c: &mut DbConnection, ids: &[String]) -> Result<Vec<PartnerFacts>, ApiError> {
    let partners = registry::partners_by_id(c, ids)?;
    if let Some(i) = ids
        .iter()
        .position(|id| !partners.iter().any(|p| &p.id == id))
    {
        return Err(ApiError::invalid(
            &format!("/partner_ids/{i}"),
            "unknown_partner",
            format!("no partner `{}`", ids[i]),
            format!("tidak ada mitra `{}`", ids[i]),
        ));
    }
    let mut facts = Vec::new();
    for p in &partners {
        let relations = CountryCode::parse(&p.country)
            .ok()
            .map(|code| reference::get_country(c, &code))
            .transpose()?
            .flatten()
            .is_some_and(|k| k.diplomatic_relations);
        facts.push(PartnerFacts {
            kind: p.kind,
            level: p.level,
            legal_personality: p.legal_personality,
            political_party: p.political_party,
            country: p.country.clone(),
            country_has_relations: relations,
        });
    }
    Ok(facts)
}

/// Lineage: the umbrella and the predecessor are agreements the caller sees, and a replacement
/// never makes a cycle.
fn check_lineage(
    c: &mut DbConnection,
    scope: &Visibility,
    input: &AgreementInput,
    self_id: Option<&str>,
) -> Result<(), ApiError> {
    for (field, target, predecessor) in [
        ("/parent_id", &input.parent_id, false),
        ("/predecessor_id", &input.predecessor_id, true),
    ] {
        let Some(t) = target else { continue };
        let Some(linked) = registry::find_agreement(c, t, scope)? else {
            return Err(ApiError::invalid(
                field,
                "unknown_agreement",
                format!("no agreement `{t}` visible to you"),
                format!("tidak ada perjanjian `{t}`"),
            ));
        };
        if !predecessor && input.instrument == Instrument::Amendment && !linked.status.is_signed() {
            return Err(ApiError::invalid(
                field,
                "not_signed",
                "an amendment amends a signed agreement (active, expired or terminated)",
                "amandemen mengubah perjanjian yang telah ditandatangani (aktif, berakhir atau diakhiri)",
            ));
        }
        if let Some(me) = self_id {
            if registry::ancestors(c, t, predecessor)?
                .iter()
                .any(|a| a == me)
            {
                return Err(ApiError::invalid(
                    field,
                    "cycle",
                    "this link would make a cycle",
                    "tautan ini membentuk siklus",
                ));
            }
        }
    }
    Ok(())
}

/// Checks the input against every registry rule (the domain decides; R9 knows the record it
/// replaces) and returns its region and its value, normalised.
fn check(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    input: &AgreementInput,
    existing: Option<&Agreement>,
) -> Result<(RegionCode, Option<Money>), ApiError> {
    let (region, region_kind) = region_of(c, scope, &input.region_code, existing)?;
    check_languages(&input.languages)?;
    let value = input.value.as_ref().map(normalise_money).transpose()?;
    let partners = partner_facts(c, &input.partner_ids)?;
    if let Some(e) = existing {
        // R9/R16: what the signing fixed changes only through an amendment (409 per field).
        let before = details_of(e);
        let locked = check_signed_facts(
            e.status,
            &signed_facts(e, &before),
            &input.signed_facts(&region),
        );
        if !locked.is_empty() {
            return Err(ApiError::Refused(locked));
        }
    }
    if existing.is_some_and(|e| e.legacy != input.legacy) {
        return Err(ApiError::invalid(
            "/legacy",
            "immutable",
            "whether an agreement is legacy cannot change",
            "status perjanjian lama tidak dapat diubah",
        ));
    }
    let violations = check_agreement(&AgreementFacts {
        region: region.clone(),
        region_kind,
        subtype: input.subtype,
        instrument: input.instrument,
        has_parent: input.parent_id.is_some(),
        partners: &partners,
        objects: &input.objects,
        languages: &input.languages,
        level_justification: input.level_justification.as_deref(),
        creates_foreign_loan: input.creates_foreign_loan,
        legacy: input.legacy,
        status: input.status_or_default(),
        signed_on: input.signed_on.map(Date::naive),
        effective_from: input.effective_from.map(Date::naive),
        expires_on: input.expires_on.map(Date::naive),
        today: ctx.today(),
        recorded: existing.map(|e| Recorded {
            status: e.status,
            legacy: e.legacy,
        }),
        approvals: input.approval_letters.as_ref().map(ApprovalLetters::facts),
    });
    if violations.iter().any(|v| v.rule.is_some()) {
        return Err(ApiError::Rules(violations));
    }
    if !violations.is_empty() {
        return Err(ApiError::Refused(violations));
    }
    check_lineage(c, scope, input, existing.map(|e| e.id.as_str()))?;
    Ok((region, value))
}

fn person(s: &Option<Signatory>) -> Option<(&str, &str)> {
    s.as_ref().map(|s| (s.name.trim(), s.position.trim()))
}

/// The facts the signing of `a` fixed (R9, R16).
fn signed_facts<'a>(a: &'a Agreement, d: &'a Details) -> SignedFacts<'a> {
    SignedFacts {
        region: &a.region,
        subtype: a.subtype,
        instrument: a.instrument,
        partner_ids: &a.partner_ids,
        languages: &a.languages,
        signed_on: a.signed_on,
        signed_place: a.signed_place.as_deref(),
        effective_from: a.effective_from,
        expires_on: a.expires_on,
        indonesian_signatory: person(&d.signatories.indonesian),
        partner_signatory: person(&d.signatories.partner),
        approvals: d.approval_letters.as_ref().map(ApprovalLetters::facts),
    }
}

impl AgreementInput {
    /// Default `draft`; a legacy agreement is `active` unless it says otherwise — or, signed
    /// under PP 28/2018 (R23), `pending_verification`.
    fn status_or_default(&self) -> AgreementStatus {
        self.status.unwrap_or(if !self.legacy {
            AgreementStatus::Draft
        } else if jalin_domain::agreement::signed_under_pp28(self.signed_on.map(Date::naive)) {
            AgreementStatus::PendingVerification
        } else {
            AgreementStatus::Active
        })
    }

    /// The signed facts this input would write (R9, R16).
    fn signed_facts<'a>(&'a self, region: &'a RegionCode) -> SignedFacts<'a> {
        SignedFacts {
            region,
            subtype: self.subtype,
            instrument: self.instrument,
            partner_ids: &self.partner_ids,
            languages: &self.languages,
            signed_on: self.signed_on.map(Date::naive),
            signed_place: self.signed_place.as_deref(),
            effective_from: self.effective_from.map(Date::naive),
            expires_on: self.expires_on.map(Date::naive),
            indonesian_signatory: person(&self.signatories.indonesian),
            partner_signatory: person(&self.signatories.partner),
            approvals: self.approval_letters.as_ref().map(ApprovalLetters::facts),
        }
    }

    /// R18: the input of `a`'s successor — a new draft linked to it, with its parties, objects
    /// and texts, and nothing of its signing.
    pub fn renewal_of(a: &Agreement) -> AgreementInput {
        let d = details_of(a);
        AgreementInput {
            region_code: a.region.to_string(),
            subtype: a.subtype,
            instrument: a.instrument,
            partner_ids: a.partner_ids.clone(),
            parent_id: a.parent_id.clone(),
            predecessor_id: Some(a.id.clone()),
            title_id: a.title_id.clone(),
            title_en: a.title_en.clone(),
            objects: a.objects.clone(),
            sectors: a.sectors.clone(),
            languages: a.languages.clone(),
            implementing_agencies: d.implementing_agencies,
            financing_source: d.financing_source,
            creates_foreign_loan: false,
            value: None,
            signatories: Signatories::default(),
            signed_on: None,
            signed_place: None,
            effective_from: None,
            expires_on: None,
            legacy: false,
            status: None,
            level_justification: a.level_justification.clone(),
            own_reference: None,
            partner_reference: None,
            checklist: Checklist::default(),
            approval_letters: None,
        }
    }

    /// Writes the input into `a` (not its identity, lineage checks or timestamps).
    fn apply_to(self, a: &mut Agreement, value: Option<Money>) {
        a.status = self.status_or_default();
        // What the lifecycle recorded (verification, termination) is not the client's to write.
        let recorded = details_of(a);
        let details = Details {
            approval_letters: self.approval_letters,
            verification: recorded.verification,
            termination: recorded.termination,
            implementing_agencies: self.implementing_agencies,
            financing_source: self.financing_source,
            signatories: self.signatories,
            own_reference: self.own_reference,
            partner_reference: self.partner_reference,
            checklist: self.checklist,
        };
        a.kind = self.subtype.kind();
        a.subtype = self.subtype;
        a.instrument = self.instrument;
        a.parent_id = self.parent_id;
        a.predecessor_id = self.predecessor_id;
        a.title_id = self.title_id.trim().to_owned();
        a.title_en = self.title_en;
        a.objects = self.objects;
        a.sectors = self.sectors;
        a.languages = self.languages;
        a.details = serde_json::to_value(details).unwrap_or(Value::Null);
        a.creates_foreign_loan = self.creates_foreign_loan;
        a.value_amount = value.as_ref().map(|v| v.amount.clone());
        a.value_currency = value.map(|v| v.currency);
        a.signed_on = self.signed_on.map(Date::naive);
        a.signed_place = self.signed_place;
        a.effective_from = self.effective_from.map(Date::naive);
        a.expires_on = self.expires_on.map(Date::naive);
        a.legacy = self.legacy;
        a.level_justification = self.level_justification;
        a.partner_ids = self.partner_ids;
    }
}

fn with_partners(c: &mut DbConnection, agreement: Agreement) -> Result<AgreementRecord, ApiError> {
    let partners = registry::partners_by_id(c, &agreement.partner_ids)?;
    // Read-only: a signed workflow agreement's signing record, from its case.
    let case = match agreement.legacy || !agreement.status.is_signed() {
        true => None,
        false => cases::find(c, &agreement.id)?,
    };
    let signing = signing_of(&agreement, case.as_ref().and_then(|k| k.state.signing()));
    Ok(AgreementRecord {
        agreement,
        partners,
        signing,
    })
}

/// Registers an agreement: every rule is checked and every violation reported at once. The
/// reference number is allocated per region and year, without gaps, in the caller's
/// transaction (a refused or rolled-back creation takes none).
pub fn create(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    input: AgreementInput,
) -> Result<AgreementRecord, ApiError> {
    let (region, value) = check(c, ctx, scope, &input, None)?;
    let now = ctx.now();
    let mut a = Agreement {
        id: uuid::Uuid::now_v7().to_string(),
        reference_number: String::new(),
        region,
        kind: input.subtype.kind(),
        subtype: input.subtype,
        instrument: input.instrument,
        parent_id: None,
        predecessor_id: None,
        title_id: String::new(),
        title_en: None,
        objects: Vec::new(),
        sectors: Vec::new(),
        languages: Vec::new(),
        details: Value::Null,
        creates_foreign_loan: false,
        value_amount: None,
        value_currency: None,
        signed_on: None,
        signed_place: None,
        effective_from: None,
        expires_on: None,
        status: AgreementStatus::Draft,
        legacy: false,
        level_justification: None,
        partner_ids: Vec::new(),
        dormant_since: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    input.apply_to(&mut a, value);
    let year = a
        .signed_on
        .map(|d| d.year())
        .unwrap_or_else(|| a.created_at.year());
    a.reference_number = registry::next_reference_number(c, &a.region, year)?;
    registry::insert_agreement(c, &a)?;
    ctx.audit_change(
        c,
        AuditAction::AgreementCreated,
        &a,
        changes(&json!({}), &fields(&a)),
    )?;
    with_partners(c, a)
}

/// Replaces an agreement's record, if `expected` (the caller's ETag check) still holds. The
/// rules are checked again; the status of a workflow agreement stays the workflow's (R9).
pub fn update(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    id: &str,
    input: AgreementInput,
    expected: impl FnOnce(&Agreement) -> Result<(), ApiError>,
) -> Result<AgreementRecord, ApiError> {
    let old = find(c, scope, id)?;
    // Invalid input is a 422 whatever the tag; only a valid change meets If-Match.
    let (_, value) = check(c, ctx, scope, &input, Some(&old))?;
    expected(&old)?;
    let mut new = old.clone();
    input.apply_to(&mut new, value);
    ctx.save_revision(c, &mut new, registry::save_agreement)?;
    ctx.audit_change(
        c,
        AuditAction::AgreementUpdated,
        &new,
        changes(&fields(&old), &fields(&new)),
    )?;
    with_partners(c, new)
}

/// Deletes a draft without documents or activities, if `expected` still holds.
pub fn delete(
    c: &mut DbConnection,
    ctx: &Ctx,
    scope: &Visibility,
    id: &str,
    expected: impl FnOnce(&Agreement) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let a = find(c, scope, id)?;
    expected(&a)?;
    let has_records = !documents::for_agreement(c, &a.id)?.is_empty()
        || !activities::for_agreement(c, &a.id)?.is_empty();
    lifecycle::deletable(a.status, a.legacy, has_records)?;
    registry::delete_agreement(c, &a.id, a.version).or_precondition_failed()?;
    ctx.audit_change(
        c,
        AuditAction::AgreementDeleted,
        &a,
        changes(&fields(&a), &json!({})),
    )
}

/// An agreement within `vis`; another region's is a 404.
pub fn find(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<Agreement, ApiError> {
    registry::find_agreement(c, id, vis)?.or_not_found(RecordKind::Agreement, id)
}

pub fn get(c: &mut DbConnection, vis: &Visibility, id: &str) -> Result<AgreementRecord, ApiError> {
    let a = find(c, vis, id)?;
    with_partners(c, a)
}

/// A page of agreements with their partners.
pub fn list(
    c: &mut DbConnection,
    vis: &Visibility,
    filter: &AgreementFilter,
    paging: &AgreementPaging,
) -> Result<(Vec<Agreement>, Vec<Partner>), ApiError> {
    let rows = registry::list_agreements(c, vis, filter, paging)?;
    let ids: Vec<String> = rows.iter().flat_map(|a| a.partner_ids.clone()).collect();
    let partners = registry::partners_by_id(c, &ids)?;
    Ok((rows, partners))
}

/// The list's order from `sort`: `reference_number` (default), `expires_on`, `signed_on` or
/// `updated_at`, `-` first for descending.
pub fn sort_of(sort: Option<&str>) -> Result<(AgreementSort, bool), ApiError> {
    let Some(s) = sort else {
        return Ok((AgreementSort::ReferenceNumber, false));
    };
    let (descending, name) = s.strip_prefix('-').map(|n| (true, n)).unwrap_or((false, s));
    let sort = match name {
        "reference_number" => AgreementSort::ReferenceNumber,
        "expires_on" => AgreementSort::ExpiresOn,
        "signed_on" => AgreementSort::SignedOn,
        "updated_at" => AgreementSort::UpdatedAt,
        _ => return Err(ApiError::invalid_parameter(
            "sort",
            "unknown_sort",
            "one of reference_number, expires_on, signed_on, updated_at (prefix - for descending)",
            "salah satu dari reference_number, expires_on, signed_on, updated_at",
        )),
    };
    Ok((sort, descending))
}

/// Every change to an agreement within `vis`, oldest first.
pub fn history(
    c: &mut DbConnection,
    vis: &Visibility,
    id: &str,
) -> Result<Vec<AuditEvent>, ApiError> {
    find(c, vis, id)?;
    Ok(audit::for_record(c, RecordKind::Agreement.as_str(), id)?)
}
