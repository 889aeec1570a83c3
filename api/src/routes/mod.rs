//! HTTP routes. Handlers are thin: parse → domain → persistence → respond.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;

pub mod calendar;
pub mod docs;
pub mod health;
pub mod reference;
pub mod settings;

/// Every route of the API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get("/health/live").route(web::get().to(health::live)))
        .service(get("/health/ready").route(web::get().to(health::ready)))
        .service(get("/v1/regions").route(web::get().to(reference::list_regions)))
        .service(get("/v1/regions/{code}").route(web::get().to(reference::get_region)))
        .service(get("/v1/countries").route(web::get().to(reference::list_countries)))
        .service(get("/v1/countries/{iso2}").route(web::get().to(reference::get_country)))
        .service(get("/v1/calendar/holidays").route(web::get().to(calendar::holidays)))
        .service(get("/v1/calendar/working-days").route(web::get().to(calendar::working_days)))
        .service(get("/v1/settings").route(web::get().to(settings::list)));
    docs::configure(cfg);
}

/// A read-only resource: any other method is a 405 problem with `Allow: GET`.
fn get(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|| async {
        Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow: "GET" })
    }))
}

/// Unknown paths: a 404 problem.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound(req.path().to_owned()))
}
