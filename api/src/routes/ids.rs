//! The `{id}` path parameter of each resource, declared once: a handler takes `id: AgreementId`
//! and lists `AgreementId` in its `params(…)`, so the contract's parameter (name, place, schema,
//! description) and the value the handler reads come from the same declaration.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Required;

/// The required string path parameter `id`, described as `description`.
fn path_id(description: &str) -> Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

macro_rules! path_ids {
    ($($name:ident => $description:literal,)+) => {$(
        #[doc = concat!("The `{id}` of the path: ", $description)]
        pub struct $name(pub String);

        impl utoipa::IntoParams for $name {
            fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
                vec![path_id($description)]
            }
        }

        /// Read as `web::Path<String>` reads it (percent-decoded; its errors).
        impl FromRequest for $name {
            type Error = actix_web::Error;
            type Future = std::future::Ready<Result<Self, Self::Error>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let path = web::Path::<String>::from_request(req, payload).into_inner();
                std::future::ready(path.map(|p| $name(p.into_inner())))
            }
        }

        impl Deref for $name {
            type Target = String;

            fn deref(&self) -> &String {
                &self.0
            }
        }
    )+};
}

path_ids! {
    ActivityId => "Activity id.",
    AgreementId => "Agreement id.",
    DeliveryId => "Delivery id.",
    DocumentId => "Document id.",
    EndpointId => "Endpoint id.",
    EvaluationId => "Evaluation id.",
    MeetingId => "Meeting id.",
    PartnerId => "Partner id.",
    PotentialId => "Potential id.",
    PracticeId => "Good practice id.",
    RecommendationId => "Recommendation id.",
    ReportId => "Report id.",
    ServiceAccountId => "Service account id.",
    TravelRequestId => "Travel request id.",
    UserId => "User id.",
}
