//! HTTP routes. A handler extracts, authorizes, calls one use case (`crate::service`) and
//! responds. Each operation's method and path are declared once, in its handler's
//! `#[utoipa::path]`; the table below registers every handler with actix and with the OpenAPI
//! document, in matching order (a literal segment before a `{param}` one).

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
pub mod integrations;
pub mod lifecycle;
pub mod monitoring;
pub mod partners;
pub mod public;
pub mod reference;
pub mod reports;
pub mod service_accounts;
pub mod settings;
pub mod transfer;
pub mod travel;
pub mod users;
pub mod workflow;

/// Declares the operations once: the router's table (`operations()`) and the OpenAPI paths
/// (`Operations`) come from the same list.
macro_rules! operations {
    ($($module:ident :: $handler:ident $([body_limit = $limit:expr])?),* $(,)?) => {
        /// The OpenAPI paths of every operation.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($module::$handler),*))]
        pub struct Operations;

        /// Every operation, in matching order.
        pub fn operations() -> Vec<Operation> {
            let mut all = Vec::new();
            $(
                let limit: Option<usize> = None $(.or(Some($limit)))?;
                all.extend(pastey::paste! {
                    Operation::of::<$module::[<__path_ $handler>]>(
                        |m| web::method(m).to($module::$handler),
                        limit,
                    )
                });
            )*
            all
        }
    };
}

operations! {
    health::live,
    health::ready,
    reference::list_regions,
    reference::get_region,
    reference::list_countries,
    reference::get_country,
    calendar::holidays,
    calendar::working_days,
    settings::list,
    auth::login,
    auth::token,
    auth::me,
    users::list,
    users::create,
    users::get,
    users::update,
    service_accounts::list,
    service_accounts::create,
    service_accounts::get,
    service_accounts::update,
    service_accounts::delete,
    partners::list,
    partners::create,
    partners::get,
    partners::update,
    agreements::list,
    agreements::create,
    transfer::import_csv [body_limit = 16 * 1024 * 1024],
    transfer::export,
    agreements::get,
    agreements::update,
    agreements::delete,
    agreements::history,
    documents::list,
    documents::upload,
    documents::get,
    documents::content,
    cases::get,
    cases::act,
    cases::requirements,
    cases::tasks,
    lifecycle::terminate,
    lifecycle::renew,
    evaluation::list,
    evaluation::get,
    activities::list,
    activities::create,
    activities::get,
    activities::update,
    activities::delete,
    action_plans::get,
    action_plans::put,
    evaluations::list,
    evaluations::create,
    evaluations::get,
    evaluations::update,
    evaluations::delete,
    evaluations::submit,
    evaluations::verify,
    evaluations::return_to_draft,
    reports::list,
    reports::create,
    reports::compliance,
    reports::get,
    reports::submit,
    monitoring::list,
    monitoring::overview,
    travel::definition,
    travel::list,
    travel::create,
    travel::get,
    travel::update,
    travel::upload,
    travel::act,
    travel::trip_report,
    integrations::list,
    integrations::retry,
    integrations::callback,
    events::list,
    events::list_endpoints,
    events::create,
    events::get,
    events::update,
    events::delete,
    events::replay,
    coordination::region_potentials,
    coordination::create_potential,
    coordination::search_potentials,
    coordination::update_potential,
    coordination::matches,
    coordination::list_meetings,
    coordination::create_meeting,
    coordination::get_meeting,
    coordination::upload_meeting_document,
    coordination::follow_up,
    coordination::list_practices,
    coordination::create_practice,
    coordination::get_practice,
    coordination::update_practice,
    coordination::act_on_practice,
    public::agreements,
    public::good_practices,
    workflow::list,
    workflow::get,
    audit::list,
    audit::verify,
}

/// Every route of the API: the operations, grouped by path, each path answering any other
/// method with a 405 problem carrying `Allow`; then the documentation.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<(String, Vec<Operation>)> = Vec::new();
    for op in operations() {
        match paths.iter_mut().find(|(p, _)| *p == op.path) {
            Some((_, ops)) => ops.push(op),
            None => paths.push((op.path.clone(), vec![op])),
        }
    }
    for (path, ops) in paths {
        let allow = ops
            .iter()
            .map(|o| o.method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut resource = only(&path, allow);
        if let Some(limit) = ops.iter().filter_map(|o| o.body_limit).max() {
            resource = resource.app_data(web::PayloadConfig::new(limit));
        }
        for op in ops {
            resource = resource.route(op.route);
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
        let served: BTreeSet<(String, String)> = operations()
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
        let paths: Vec<String> = operations().into_iter().map(|o| o.path).collect();
        let at = |p: &str| paths.iter().position(|x| x == p).unwrap();
        assert!(at("/v1/agreements/import") < at("/v1/agreements/{id}"));
        assert!(at("/v1/agreements/export") < at("/v1/agreements/{id}"));
        assert!(at("/v1/annual-reports/compliance") < at("/v1/annual-reports/{id}"));
    }
}
