//! Assembles jalin's OpenAPI contract and holds the committed copy (`openapi/openapi.json`).
//!
//! The API crate declares paths and schemas with utoipa; [`assemble`] adds what belongs to the
//! whole document (info, tags, the shared problem response on every operation) so the contract
//! is uniform however each handler was annotated.

pub mod diff;

use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, LicenseBuilder, OpenApi, Ref};

/// The committed contract. A test fails when the served document differs from it.
pub const COMMITTED: &str = include_str!("../openapi.json");

const DESCRIPTION: &str = "\
jalin keeps the registry of Indonesian regional governments' foreign cooperation (KSDPL, KSDLL), \
walks agreements through the PP 28/2018 approval workflow, and tracks deadlines in working days.\n\n\
Conventions: JSON in snake_case; dates `YYYY-MM-DD`; every failure is an RFC 9457 \
`application/problem+json` with a stable `code` and the `request_id`; lists use cursor pagination \
(`limit` 1–100, default 20; `cursor` = the previous page's `next_cursor`); `Accept-Language: id` \
returns problem texts in Indonesian; every response carries `X-Request-Id`.";

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
        "Configurable values (DOMAIN.md DEFAULTs) in force.",
    ),
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
    // Every operation can fail unexpectedly; make sure each documents it.
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            op.responses
                .responses
                .entry("500".to_owned())
                .or_insert_with(|| Ref::new("#/components/responses/InternalError").into());
        }
    }
    doc
}

/// Pretty JSON with a trailing newline, as committed.
pub fn to_pretty_json(doc: &OpenApi) -> String {
    let mut s =
        serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
