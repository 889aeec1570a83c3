//! HTTP routes. A handler extracts, authorizes, calls one use case (`crate::service`) and
//! responds. Each operation's method and path are declared once, in its handler's
//! `#[utoipa::path]`; each module lists its handlers once (`operations!` at the end of the
//! file), which registers them with actix and with the OpenAPI document alike.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;

pub mod action_plans;
pub mod activities;
pub mod agreements;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod coordination;
pub mod docs;
pub mod documents;
pub mod evaluation;
pub mod evaluations;
pub mod events;
pub mod health;
pub mod ids;
pub mod integrations;
pub mod letters;
pub mod lifecycle;
pub mod monitoring;
pub mod partners;
pub mod public;
pub mod reference;
pub mod regional_calendar;
pub mod reports;
pub mod service_accounts;
pub mod settings;
pub mod transfer;
pub mod travel;
pub mod users;
pub mod workflow;

/// Declares a module's operations once, at the end of its file: its part of the router
/// (`operations()`) and of the OpenAPI paths (`Operations`) come from the same list, in matching
/// order. `[body_limit = N]` raises the body limit of one operation (a CSV upload).
macro_rules! operations {
    ($($handler:ident $([body_limit = $limit:expr])?),* $(,)?) => {
        /// This module's operations in the OpenAPI document.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($handler),*))]
        pub struct Operations;

        /// This module's operations, in matching order.
        pub fn operations() -> Vec<$crate::routes::Operation> {
            let mut all = Vec::new();
            $(
                let limit: Option<usize> = None $(.or(Some($limit)))?;
                all.extend(pastey::paste! {
                    $crate::routes::Operation::of::<[<__path_ $handler>]>(
                        |m| actix_web::web::method(m).to($handler),
                        limit,
                    )
                });
            )*
            all
        }
    };
}
use operations;

/// The modules in matching order: where two paths could match one request, the module with the
/// literal segment comes first (`transfer`'s `/v1/agreements/export` before `agreements`'
/// `/v1/agreements/{id}`). A new resource in an existing module touches nothing here.
macro_rules! modules {
    ($($module:ident),+ $(,)?) => {
        /// Every operation of the API, in matching order.
        pub fn table() -> Vec<Operation> {
            let mut all = Vec::new();
            $(all.extend($module::operations());)+
            all
        }

        /// The OpenAPI paths of every operation.
        pub fn paths() -> utoipa::openapi::OpenApi {
            use utoipa::OpenApi;
            let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
            $(doc.merge($module::Operations::openapi());)+
            doc
        }
    };
}

modules! {
    health,
    reference,
    calendar,
    regional_calendar,
    settings,
    auth,
    users,
    service_accounts,
    partners,
    transfer,
    agreements,
    documents,
    letters,
    cases,
    lifecycle,
    evaluation,
    activities,
    action_plans,
    evaluations,
    reports,
    monitoring,
    travel,
    integrations,
    events,
    coordination,
    public,
    workflow,
    audit,
}

/// Every route of the API: the operations, grouped by path, each path answering any other
/// method with a 405 problem carrying `Allow`; then the documentation.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<(String, Vec<Operation>)> = Vec::new();
    for op in table() {
        match paths.iter_mut().find(|(p, _)| *p == op.path) {
            Some((_, ops)) => ops.push(op),
            None => paths.push((op.path.clone(), vec![op])),
        }
    }
    for (path, ops) in paths {
        let mut methods: Vec<&str> = ops.iter().map(|o| o.method.as_str()).collect();
        if ops.iter().any(|o| o.head.is_some()) {
            methods.push("HEAD");
        }
        let allow = methods.join(", ");
        let mut resource = only(&path, allow);
        if let Some(limit) = ops.iter().filter_map(|o| o.body_limit).max() {
            resource = resource.app_data(web::PayloadConfig::new(limit));
        }
        for op in ops {
            resource = resource.route(op.route);
            if let Some(head) = op.head {
                resource = resource.route(head);
            }
        }
        cfg.service(resource);
    }
    docs::configure(cfg);
}

/// One operation: its method and path (from `#[utoipa::path]`) and the route to its handler.
pub struct Operation {
    pub method: actix_web::http::Method,
    pub path: String,
    route: actix_web::Route,
    /// `HEAD` on a `GET`: the same handler; the server sends its headers without the body.
    head: Option<actix_web::Route>,
    body_limit: Option<usize>,
}

impl Operation {
    /// The operations `P` declares (one per method), each routed by `to`.
    fn of<P: utoipa::Path>(
        to: impl Fn(actix_web::http::Method) -> actix_web::Route,
        body_limit: Option<usize>,
    ) -> Vec<Operation> {
        P::methods()
            .into_iter()
            .map(|m| {
                let method = http_method(&m);
                Operation {
                    route: to(method.clone()),
                    head: (method == actix_web::http::Method::GET)
                        .then(|| to(actix_web::http::Method::HEAD)),
                    method,
                    path: P::path(),
                    body_limit,
                }
            })
            .collect()
    }
}

fn http_method(m: &utoipa::openapi::HttpMethod) -> actix_web::http::Method {
    use actix_web::http::Method;
    use utoipa::openapi::HttpMethod as H;
    match m {
        H::Get => Method::GET,
        H::Post => Method::POST,
        H::Put => Method::PUT,
        H::Delete => Method::DELETE,
        H::Options => Method::OPTIONS,
        H::Head => Method::HEAD,
        H::Patch => Method::PATCH,
        H::Trace => Method::TRACE,
    }
}

/// A read-only resource: any other method is a 405 problem with `Allow: GET`.
fn get(path: &str) -> actix_web::Resource {
    only(path, "GET".to_owned())
}

/// A resource answering `allow`; any other method is a 405 problem with that `Allow`.
fn only(path: &str, allow: String) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || {
        let allow = allow.clone();
        async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow }) }
    }))
}

/// `?region=`, the filter most lists share.
#[derive(serde::Deserialize, utoipa::IntoParams, validator::Validate)]
#[into_params(parameter_in = Query)]
pub struct InRegion {
    /// Only this region (a province includes its regencies/cities).
    #[param(pattern = r"^\d{2}(\.(0[1-9]|[1-9]\d))?$", example = "33")]
    pub region: Option<String>,
}

impl InRegion {
    /// The region asked for, if any (422 naming `region` when malformed).
    pub fn code(&self) -> Result<Option<jalin_domain::RegionCode>, ApiError> {
        region_param("region", self.region.as_deref())
    }
}

crate::query_params!(InRegion);

/// A region-code query parameter: absent, or a well-formed code (422 naming `name` otherwise).
pub fn region_param(
    name: &str,
    value: Option<&str>,
) -> Result<Option<jalin_domain::RegionCode>, ApiError> {
    value
        .map(|v| {
            jalin_domain::RegionCode::parse(v).map_err(|e| {
                ApiError::invalid_parameter(
                    name,
                    "invalid_format",
                    e.to_string(),
                    format!("`{v}` bukan kode daerah"),
                )
            })
        })
        .transpose()
}

/// Unknown paths: a 404 problem.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound(req.path().to_owned()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_registered_route_is_in_the_contract_and_every_documented_operation_is_served() {
        let served: BTreeSet<(String, String)> = table()
            .into_iter()
            .map(|o| (o.method.as_str().to_lowercase(), o.path))
            .collect();
        let doc = serde_json::to_value(crate::openapi::document()).unwrap();
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .map(move |m| (m.clone(), path.clone()))
            })
            .collect();
        assert_eq!(served, documented);
        assert!(served.len() > 100);
    }

    #[test]
    fn a_literal_segment_is_matched_before_a_parameter() {
        let paths: Vec<String> = table().into_iter().map(|o| o.path).collect();
        let at = |p: &str| paths.iter().position(|x| x == p).unwrap();
        assert!(at("/v1/agreements/import") < at("/v1/agreements/{id}"));
        assert!(at("/v1/agreements/export") < at("/v1/agreements/{id}"));
        assert!(at("/v1/annual-reports/compliance") < at("/v1/annual-reports/{id}"));
    }
}
