//! The OpenAPI document: every path and schema of the API, assembled by `jalin-openapi`.

use std::sync::OnceLock;

use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::health::live,
        routes::health::ready,
        routes::reference::list_regions,
        routes::reference::get_region,
        routes::reference::list_countries,
        routes::reference::get_country,
        routes::calendar::holidays,
        routes::calendar::working_days,
        routes::settings::list,
    ),
    components(
        schemas(
            crate::problem::ProblemBody,
            crate::problem::ProblemFieldError,
            crate::pagination::PageEnvelope
        ),
        responses(
            responses::BadRequest,
            responses::NotFound,
            responses::ValidationFailed,
            responses::InternalError,
            responses::ServiceUnavailable,
        )
    )
)]
struct ApiDoc;

/// The assembled document.
pub fn document() -> utoipa::openapi::OpenApi {
    jalin_openapi::assemble(ApiDoc::openapi())
}

/// The document as pretty JSON, built once.
pub fn document_json() -> String {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| jalin_openapi::to_pretty_json(&document()))
        .clone()
}

/// Reusable error responses: each is an RFC 9457 problem with an example.
pub mod responses {
    use serde_json::json;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
    use utoipa::ToResponse;

    fn problem(description: &str, example: serde_json::Value) -> RefOr<Response> {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .example(Some(example))
                    .build(),
            )
            .build()
            .into()
    }

    fn example(
        status: u16,
        code: &str,
        title: &str,
        detail: &str,
        instance: &str,
    ) -> serde_json::Value {
        json!({
            "type": format!("urn:jalin:problem:{code}"),
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "request_id": "0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00",
            "instance": instance,
        })
    }

    macro_rules! response {
        ($name:ident, $desc:expr, $example:expr) => {
            pub struct $name;
            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), problem($desc, $example))
                }
            }
        };
    }

    response!(
        BadRequest,
        "Malformed request: invalid JSON, an invalid cursor or header (`malformed_json`, `invalid_cursor`, `invalid_idempotency_key`).",
        {
            let mut e = example(400, "invalid_cursor", "Invalid cursor",
                "The cursor was not issued by this list; start again without it.", "/v1/regions");
            e["errors"] = json!([{"parameter": "cursor", "code": "invalid_cursor", "message": "not a cursor from this list"}]);
            e
        }
    );
    response!(
        NotFound,
        "No such record, or not visible to you (`not_found`).",
        example(
            404,
            "not_found",
            "Not found",
            "No region `99.99` is visible to you.",
            "/v1/regions/99.99"
        )
    );
    response!(
        ValidationFailed,
        "Invalid input (`validation_failed`, with `errors[]`), a rule violation (with `rule`), or a computation outside the holiday calendar (`calendar_out_of_range`).",
        {
            let mut e = example(422, "validation_failed", "Validation failed",
                "The request has 1 invalid value.", "/v1/regions");
            e["errors"] = json!([{"parameter": "limit", "code": "range", "message": "must be between 1 and 100"}]);
            e
        }
    );
    response!(
        InternalError,
        "Unexpected server error (`internal_error`); no internals are revealed. Quote the request id.",
        example(500, "internal_error", "Internal error",
            "The server could not complete the request. Quote the request id when reporting it.", "/v1/regions")
    );
    response!(
        ServiceUnavailable,
        "The database is not answering (`database_unavailable`).",
        example(
            503,
            "database_unavailable",
            "Service unavailable",
            "The database is not answering; retry later.",
            "/health/ready"
        )
    );
}
