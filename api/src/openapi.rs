//! The OpenAPI document: every path and schema of the API, assembled by `jalin-openapi`.

use std::sync::OnceLock;

use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    modifiers(&Security, &Webhooks),
    components(
        schemas(
            crate::problem::ProblemBody,
            crate::problem::ProblemFieldError,
            crate::service::integrations::PermitRequest
        ),
        responses(
            responses::BadRequest,
            responses::NotFound,
            responses::ValidationFailed,
            responses::InternalError,
            responses::ServiceUnavailable,
            responses::Unauthorized,
            responses::Forbidden,
            responses::Conflict,
            responses::PreconditionFailed,
            responses::PreconditionRequired,
            responses::TooManyRequests,
            responses::PayloadTooLarge,
            responses::UnsupportedMediaType,
        )
    )
)]
struct ApiDoc;

/// What jalin sends (OpenAPI 3.1 `webhooks`): permit requests to SIOLA, SIMPEL and Exit Permit,
/// and domain events to subscribed endpoints. Both are signed with Standard Webhooks headers.
struct Webhooks;

impl utoipa::Modify for Webhooks {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::content::ContentBuilder;
        use utoipa::openapi::path::{
            HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
        };
        use utoipa::openapi::request_body::RequestBodyBuilder;
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{Ref, Required, ResponseBuilder};
        let headers = || {
            [
                ("webhook-id", "The message id; also `Idempotency-Key`. Deduplicate by it."),
                ("webhook-timestamp", "Seconds since the epoch."),
                ("webhook-signature", "`v1,{base64 HMAC-SHA256 of id.timestamp.body}` with the shared `whsec_` secret."),
            ]
            .into_iter()
            .map(|(name, description)| {
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::True)
                    .description(Some(description))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build()
            })
            .collect::<Vec<_>>()
        };
        let op = |id: &str,
                  summary: &str,
                  body: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
            OperationBuilder::new()
                .operation_id(Some(id))
                .tag("integrations")
                .summary(Some(summary))
                .parameters(Some(headers()))
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .content("application/json", ContentBuilder::new().schema(Some(body)).build())
                        .required(Some(Required::True))
                        .build(),
                ))
                .response("2XX", ResponseBuilder::new().description("Accepted; anything else is retried with backoff (4xx other than 408/429: dead-lettered)."))
                .build()
        };
        let event = ObjectBuilder::new()
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .examples(["agreement.updated"]),
            )
            .property(
                "timestamp",
                ObjectBuilder::new().schema_type(Type::String).format(Some(
                    utoipa::openapi::schema::SchemaFormat::KnownFormat(
                        utoipa::openapi::schema::KnownFormat::DateTime,
                    ),
                )),
            )
            .property(
                "data",
                ObjectBuilder::new()
                    .property("event_id", ObjectBuilder::new().schema_type(Type::String))
                    .property("seq", ObjectBuilder::new().schema_type(Type::Integer))
                    .property(
                        "record_type",
                        ObjectBuilder::new().schema_type(Type::String),
                    )
                    .property("record_id", ObjectBuilder::new().schema_type(Type::String))
                    .property(
                        "region_code",
                        ObjectBuilder::new().schema_type(Type::String),
                    ),
            )
            .required("type")
            .required("timestamp")
            .required("data")
            .build();
        doc.webhooks = Some(
            PathsBuilder::new()
                .path(
                    "permitRequested",
                    PathItem::new(
                        HttpMethod::Post,
                        op(
                            "permitRequested",
                            "A travel permit request, POSTed to `{system base URL}/travel-permit-requests`; the decision comes back as a callback.",
                            Ref::from_schema_name("PermitRequest").into(),
                        ),
                    ),
                )
                .path(
                    "domainEvent",
                    PathItem::new(
                        HttpMethod::Post,
                        op(
                            "domainEvent",
                            "A domain event, POSTed to a subscribed webhook endpoint's URL.",
                            event.into(),
                        ),
                    ),
                )
                .build(),
        );
    }
}

/// The two ways to authenticate: a user's token from `/v1/auth/login`, or a service account's
/// token from `/v1/auth/token` (OAuth 2.0 client credentials) carrying scopes.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
        };
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A user's access token from POST /v1/auth/login (HS256, at most one hour). \
                         What the user may do follows their role and region (GET /v1/me).",
                    ))
                    .build(),
            ),
        );
        let scopes = Scopes::from_iter(jalin_domain::access::Action::ALL.iter().map(|a| {
            let what = match a {
                jalin_domain::access::Action::ReadReference => {
                    "read regions, countries, the calendar and settings"
                }
                jalin_domain::access::Action::ReadUsers => "read users",
                jalin_domain::access::Action::ManageCalendar => {
                    "load a year's national holidays and cuti bersama"
                }
                jalin_domain::access::Action::ManageLetterTemplates => {
                    "replace the templates of official letters (national accounts only)"
                }
                jalin_domain::access::Action::ManageRegionalCalendar => {
                    "load a region's own days off of a year (in the account's region subtree)"
                }
                jalin_domain::access::Action::ManageUsers => "create and change users",
                jalin_domain::access::Action::ManageServiceAccounts => "manage service accounts",
                jalin_domain::access::Action::ReadAudit => "read and verify the audit log",
                jalin_domain::access::Action::ReadAgreements => "read agreements and partners",
                jalin_domain::access::Action::WriteAgreements => "create and change agreements",
                jalin_domain::access::Action::VerifyAgreements => {
                    "verify the approvals of agreements recorded from outside the system (R23; central only)"
                }
                jalin_domain::access::Action::WritePartners => "create and change foreign partners",
                jalin_domain::access::Action::WriteActivities => "log implementation activities",
                jalin_domain::access::Action::WriteEvaluations => {
                    "write and submit evaluations, action plans' evidence"
                }
                jalin_domain::access::Action::VerifyEvaluations => {
                    "verify or return submitted evaluations"
                }
                jalin_domain::access::Action::WriteReports => "compile and submit annual reports",
                jalin_domain::access::Action::WriteTravel => "draft and submit travel requests",
                jalin_domain::access::Action::RecommendTravel => {
                    "verify and recommend travel requests (province)"
                }
                jalin_domain::access::Action::RecordTravelDecisions => {
                    "record permits by hand when a system is down"
                }
                jalin_domain::access::Action::ReadTravellers => {
                    "read travellers' personal data (NIP, passport); every read is audited"
                }
                jalin_domain::access::Action::ManageIntegrations => {
                    "read and retry deliveries to external systems"
                }
                jalin_domain::access::Action::CallbackSiola => "post SIOLA callbacks",
                jalin_domain::access::Action::CallbackSimpel => "post SIMPEL callbacks",
                jalin_domain::access::Action::CallbackExitPermit => "post Exit Permit callbacks",
                jalin_domain::access::Action::WriteMeetings => {
                    "record coordination meetings and their recommendations"
                }
                jalin_domain::access::Action::PublishPractices => {
                    "review and publish good practices"
                }
            };
            (a.as_str(), what)
        }));
        components.add_security_scheme(
            "client_credentials",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/v1/auth/token",
                    scopes,
                ))],
                "A service account's token (integration partners, scripts), limited to its scopes.",
            )),
        );
    }
}

/// The assembled document: the operations (`routes::paths()`, from the router's own tables),
/// the shared components, security schemes and webhooks.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(routes::paths());
    crate::deprecation::mark(&mut doc, crate::deprecation::DEPRECATED);
    let mut doc = jalin_openapi::assemble(doc);
    if let Some(d) = doc.info.description.as_mut() {
        d.push_str(&rules_section());
    }
    doc
}

/// The rules a problem's `rule` names, with their legal sources: part of the contract, so a
/// partner reads them where the `rule` field is described.
fn rules_section() -> String {
    use jalin_domain::rules::RuleId;
    let mut out = String::from(
        "\n\n## Rules\n\nA refusal for a legal or business reason is a problem (422 or 409) \
         whose `rule` (and each `errors[].rule`) names one of these rules, with the source in \
         `rule_source`. Values marked DEFAULT are configuration, shown by `GET /v1/settings`.\n\n\
         | rule | what it requires | legal source |\n|---|---|---|\n",
    );
    for r in RuleId::ALL {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            r.as_str(),
            r.summary().replace('|', "/"),
            r.source().replace('|', "/")
        ));
    }
    out.trim_end().to_owned()
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
        "Malformed request: invalid JSON, an invalid cursor or header, a NUL byte in the path or query (`malformed_json`, `invalid_cursor`, `invalid_idempotency_key`, `invalid_text`).",
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
        "Invalid input (`validation_failed`, with `errors[]`; `invalid_text` for a NUL byte in a body), a rule violation (with `rule`), a computation outside the holiday calendar (`calendar_out_of_range`), or a webhook URL that is not a public address (`webhook_target_forbidden`).",
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
        Unauthorized,
        "No token, an invalid or expired one, or wrong credentials (`authentication_required`, `invalid_token`, `invalid_credentials`, `invalid_client`).",
        example(401, "invalid_token", "Invalid token",
            "The token is invalid or expired, or its account is disabled; log in again.", "/v1/me")
    );
    response!(
        Forbidden,
        "Your role or scopes do not allow this action (`forbidden`).",
        example(
            403,
            "forbidden",
            "Forbidden",
            "Your role or scopes do not allow this action.",
            "/v1/users"
        )
    );
    response!(
        Conflict,
        "The request conflicts with the current state (e.g. `username_taken`, `idempotency_in_flight`; `already_exists` when a concurrent request took the same unique key).",
        example(409, "username_taken", "Conflict", "The username `siti.rahayu` is taken.", "/v1/users")
    );
    response!(
        PreconditionFailed,
        "The resource changed since you read it: `If-Match` does not match its ETag (`etag_mismatch`).",
        example(412, "etag_mismatch", "Resource changed",
            "The resource changed since you read it (If-Match does not match its ETag). Read it again and reapply your change.",
            "/v1/users/0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00")
    );
    response!(
        PreconditionRequired,
        "`If-Match` is required for this change (`if_match_required`).",
        example(
            428,
            "if_match_required",
            "If-Match required",
            "Send the resource's current ETag in If-Match, so concurrent changes are not lost.",
            "/v1/users/0193a5d2-7c1e-7b3a-9f10-2d4c8e6b1a00"
        )
    );
    response!(
        TooManyRequests,
        "Too many failed attempts (`rate_limited`); wait the seconds in `Retry-After`.",
        example(
            429,
            "rate_limited",
            "Too many attempts",
            "Too many failed attempts; retry after 900 seconds.",
            "/v1/auth/login"
        )
    );
    response!(
        PayloadTooLarge,
        "The request body exceeds the configured limit (`payload_too_large`; `JALIN_JSON_LIMIT` for JSON, the upload limit for files; see `GET /v1/settings`).",
        example(
            413,
            "payload_too_large",
            "Payload too large",
            "The request body exceeds the limit of 262144 bytes.",
            "/v1/agreements"
        )
    );
    response!(
        UnsupportedMediaType,
        "The body's `Content-Type` is not one this operation reads (`unsupported_media_type`); the operation's request body lists the accepted types.",
        example(
            415,
            "unsupported_media_type",
            "Unsupported media type",
            "Send the body as application/json (Content-Type was text/plain).",
            "/v1/agreements"
        )
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
