//! The contract (`/openapi.json`) and interactive documentation (`/docs`, served offline).

use actix_web::{http::header, web, HttpResponse};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::openapi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(super::get("/openapi.json").route(web::get().to(openapi_json)))
        .service(web::resource("/docs").route(web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/docs/"))
                .finish()
        })))
        .service(SwaggerUi::new("/docs/{_:.*}").config(Config::new(["/openapi.json"])));
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(openapi::document_json())
}
