//! Assembles jalin's OpenAPI contract and holds the committed copy (`openapi/openapi.json`).
//!
//! The API crate declares paths and schemas with utoipa; [`assemble`] adds what belongs to the
//! whole document (info, tags, the shared problem response on every operation) so the contract
//! is uniform however each handler was annotated.

pub mod diff;
pub mod polish;

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, LicenseBuilder, OpenApi, Ref, RefOr};

/// The committed contract. A test fails when the served document differs from it.
pub const COMMITTED: &str = include_str!("../openapi.json");

const DESCRIPTION: &str = "\
jalin keeps the registry of Indonesian regional governments' foreign cooperation (KSDPL, KSDLL), \
walks agreements through the PP 28/2018 approval workflow, and tracks deadlines in working days.\n\n\
Conventions: JSON in snake_case; dates `YYYY-MM-DD` with a year from 1900 to 2200 (anything \
else is a 422 `invalid_date`); every failure is an RFC 9457 \
`application/problem+json` with a stable `code` and the `request_id`; every list is a page \
`{\"items\": [...], \"next_cursor\": ...}` with cursor pagination (`limit` 1–100, default 20 — \
100 for the lists under one agreement, tasks and matches; `cursor` = the previous page's \
`next_cursor`, `null` on the last page); `Accept-Language: id` \
returns problem texts in Indonesian; every response carries `X-Request-Id`.\n\n\
HTTP: every `GET` path also answers `HEAD` (the same headers, no body); any other method a path \
does not have is a `405` problem whose `Allow` header lists the methods it has. A JSON `200` to a \
`GET` carries an `ETag` and answers `If-None-Match` (one or more entity tags, or `*`) with `304`. \
Bodies are compressed with `gzip` or `br` when `Accept-Encoding` allows it (`Content-Encoding`, \
`Vary: Accept-Encoding`). Rate-limited operations (sign-in, the public feed) answer with \
`RateLimit-Policy` and `RateLimit` (IETF draft httpapi-ratelimit-headers), and a `429` with \
`Retry-After` in seconds. Every header is described once under `components.headers`. \
Deprecation: an operation to be removed is marked \
`deprecated: true` here and answers with `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) headers \
and a `Link` with `rel=\"deprecation\"`, naming the date of its removal, recorded in the contract \
changelog; none is deprecated today.";

const TAGS: &[(&str, &str)] = &[
    ("health", "Liveness and readiness."),
    (
        "reference",
        "Regions (Kemendagri codes) and countries (ISO 3166-1) with diplomatic-relations status.",
    ),
    (
        "calendar",
        "National holidays, cuti bersama and working-day arithmetic.",
    ),
    (
        "settings",
        "Configurable values in force: every DEFAULT the rules leave to configuration.",
    ),
    ("auth", "Sign-in: a user's token (`login`), a service account's token (`issueClientToken`, OAuth 2.0 client credentials), and who you are (`getMe`)."),
    ("users", "User accounts: role (admin, central reviewer, province, region, agency, DPRD secretariat) and region."),
    ("service-accounts", "Service accounts of integration partners and scripts, with their scopes and secrets."),
    ("audit", "The tamper-evident audit log: every write with actor and time, and its hash-chain verification."),
    ("partners", "Foreign partners: foreign local governments (KSDPL) and foreign institutions (KSDLL), R1–R2."),
    ("agreements", "The agreement registry: records, their history, CSV import and CSV/XLSX export, termination (R19) and renewal (R18)."),
    ("documents", "Agreement documents (drafts, signed texts, letters, evidence): upload and download."),
    ("workflow", "The PP 28/2018 approval workflow: definitions, each agreement's case, its requirements, and the tasks waiting for you."),
    ("activities", "Implementation activities under an agreement, with money as exact decimals and its IDR value."),
    ("evaluation", "Evaluation instruments, evaluations of agreements and their action plans."),
    ("reporting", "Annual reports (R22), their compliance, reminders of deadlines and the overview statistics."),
    ("letters", "Official letters as DOCX in the tata naskah dinas format (consultation, DPRD approval, submission to Kemendagri, PDLN permit request), their replaceable templates and the regions' letterheads."),
    ("travel", "Official travel abroad: requests, the province's recommendation, permits (SIOLA, SIMPEL, Exit Permit) and trip reports."),
    ("integrations", "Deliveries to external systems (permit requests) and their callbacks; webhook endpoints for domain events."),
    ("events", "The domain event feed, to follow changes by polling (`after` a sequence number)."),
    ("coordination", "Regional potentials, matchmaking of partners and regions, coordination meetings and good practices."),
    ("public", "The public, unauthenticated feed of agreements and good practices (JSON or CSV), rate limited."),
];

/// Adds document-wide parts to the generated document.
pub fn assemble(mut doc: OpenApi) -> OpenApi {
    doc.info = InfoBuilder::new()
        .title("jalin API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .license(Some(
            LicenseBuilder::new()
                .name("Apache-2.0")
                .identifier(Some("Apache-2.0"))
                .build(),
        ))
        .build();
    doc.tags = Some(
        TAGS.iter()
            .map(|(name, description)| {
                TagBuilder::new()
                    .name(*name)
                    .description(Some(*description))
                    .build()
            })
            .collect(),
    );
    // The standard error responses follow from facts the document already has; handlers
    // declare only what is particular to them.
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            for (status, response) in standard_responses(op) {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| {
                        Ref::new(format!("#/components/responses/{response}")).into()
                    });
            }
        }
    }
    with_cursor_required(with_date_range(doc))
}

/// Every page carries `next_cursor` (`null` on the last page): required, so generated clients
/// read it without a "may be absent" case.
fn with_cursor_required(mut doc: OpenApi) -> OpenApi {
    use utoipa::openapi::schema::Schema;
    if let Some(components) = doc.components.as_mut() {
        for schema in components.schemas.values_mut() {
            if let RefOr::T(Schema::Object(o)) = schema {
                if o.properties.contains_key("next_cursor")
                    && !o.required.iter().any(|r| r == "next_cursor")
                {
                    o.required.push("next_cursor".to_owned());
                }
            }
        }
    }
    doc
}

/// What every date the API reads must look like (`jalin_domain::Date`): `YYYY-MM-DD` with a
/// year from 1900 to 2200.
pub const DATE_PATTERN: &str =
    r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

/// What every free text the API reads must look like: no NUL byte (U+0000), which no record
/// may hold (`invalid_text`, #18).
pub const TEXT_PATTERN: &str = r"^[^\u0000]*$";

/// Gives every `format: date` string of the document the accepted range as a `pattern`, so
/// clients, validators and generated tests know it: the derive sees only a date string.
fn with_date_range(mut doc: OpenApi) -> OpenApi {
    use utoipa::openapi::schema::{
        AdditionalProperties, ArrayItems, KnownFormat, Schema, SchemaType, Type,
    };
    use utoipa::openapi::SchemaFormat;

    fn schema(s: &mut RefOr<Schema>) {
        let RefOr::T(s) = s else { return };
        match s {
            Schema::Object(o) => {
                if o.format == Some(SchemaFormat::KnownFormat(KnownFormat::Date))
                    && o.pattern.is_none()
                {
                    o.pattern = Some(DATE_PATTERN.to_owned());
                }
                let text = match &o.schema_type {
                    SchemaType::Type(t) => *t == Type::String,
                    SchemaType::Array(ts) => ts.contains(&Type::String),
                    SchemaType::AnyValue => false,
                };
                if text && o.pattern.is_none() && o.format.is_none() && o.enum_values.is_none() {
                    o.pattern = Some(TEXT_PATTERN.to_owned());
                }
                o.properties.values_mut().for_each(schema);
                if let Some(AdditionalProperties::RefOr(a)) = o.additional_properties.as_deref_mut()
                {
                    schema(a);
                }
            }
            Schema::Array(a) => {
                if let ArrayItems::RefOrSchema(items) = &mut a.items {
                    schema(items);
                }
            }
            Schema::OneOf(c) => c.items.iter_mut().for_each(schema),
            Schema::AllOf(c) => c.items.iter_mut().for_each(schema),
            Schema::AnyOf(c) => c.items.iter_mut().for_each(schema),
            _ => {}
        }
    }
    fn operation(op: &mut Operation) {
        for p in op.parameters.iter_mut().flatten() {
            if let RefOr::T(p) = p {
                if let Some(s) = p.schema.as_mut() {
                    schema(s);
                }
            }
        }
        if let Some(RefOr::T(body)) = op.request_body.as_mut() {
            for c in body.content.values_mut() {
                if let RefOr::T(c) = c {
                    if let Some(s) = c.schema.as_mut() {
                        schema(s);
                    }
                }
            }
        }
    }
    if let Some(components) = doc.components.as_mut() {
        components.schemas.values_mut().for_each(schema);
    }
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            operation(op);
        }
    }
    doc
}

/// The error responses an operation has by its shape: every operation can fail (500); an
/// authenticated one answers 401 and 403; a body can be malformed (400), of another media type
/// (415) or invalid (422); query parameters can be invalid (422) and a `cursor` foreign (400);
/// a body can be too large (413), a path parameter names a record that may not exist or not be visible (404); `If-Match` can
/// be missing (428) or stale (412); an `Idempotency-Key` can be malformed (400), reused with
/// another body (422) or still in flight (409).
pub fn standard_responses(op: &Operation) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("500", "InternalError")];
    let authenticated = serde_json::to_value(&op.security)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .is_some_and(|reqs| {
            reqs.iter()
                .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        });
    if authenticated {
        out.extend([("401", "Unauthorized"), ("403", "Forbidden")]);
    }
    if op.request_body.is_some() {
        out.extend([
            ("400", "BadRequest"),
            ("413", "PayloadTooLarge"),
            ("415", "UnsupportedMediaType"),
            ("422", "ValidationFailed"),
        ]);
    }
    let parameters = op.parameters.iter().flatten().filter_map(|p| match p {
        RefOr::T(p) => Some(p),
        RefOr::Ref(_) => None,
    });
    for p in parameters {
        match (&p.parameter_in, p.name.as_str()) {
            // A NUL byte anywhere in the URL is a 400 `invalid_text` before any route runs.
            (ParameterIn::Path, _) => out.extend([("400", "BadRequest"), ("404", "NotFound")]),
            // A region that does not exist or is not visible is a 404, like a record.
            (ParameterIn::Query, "region_code") => out.extend([
                ("400", "BadRequest"),
                ("404", "NotFound"),
                ("422", "ValidationFailed"),
            ]),
            (ParameterIn::Query, "cursor") => {
                out.extend([("400", "BadRequest"), ("422", "ValidationFailed")])
            }
            (ParameterIn::Query, _) => {
                out.extend([("400", "BadRequest"), ("422", "ValidationFailed")])
            }
            (ParameterIn::Header, "If-Match") => out.extend([
                ("412", "PreconditionFailed"),
                ("428", "PreconditionRequired"),
            ]),
            (ParameterIn::Header, "Idempotency-Key") => out.extend([
                ("400", "BadRequest"),
                ("409", "Conflict"),
                ("422", "ValidationFailed"),
            ]),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The operations of a path item, to add to each.
fn operations_mut(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

/// Pretty JSON with a trailing newline, as committed (after [`polish`], in utoipa's key order).
pub fn to_pretty_json(doc: &OpenApi) -> String {
    let written = || -> Result<String, serde_json::Error> {
        let text = serde_json::to_string(doc)?;
        let template: polish::Template = serde_json::from_str(&text)?;
        let polished = polish::polish(serde_json::from_str(&text)?);
        serde_json::to_string_pretty(&polish::in_order(polished, Some(&template)))
    };
    let mut s = written().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
