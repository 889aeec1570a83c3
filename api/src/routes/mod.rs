//! HTTP routes. Handlers are thin: parse → domain → persistence → respond.

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
        .service(get("/v1/settings").route(web::get().to(settings::list)))
        .service(only("/v1/auth/login", "POST").route(web::post().to(auth::login)))
        .service(only("/v1/auth/token", "POST").route(web::post().to(auth::token)))
        .service(get("/v1/me").route(web::get().to(auth::me)))
        .service(
            only("/v1/users", "GET, POST")
                .route(web::get().to(users::list))
                .route(web::post().to(users::create)),
        )
        .service(
            only("/v1/users/{id}", "GET, PATCH")
                .route(web::get().to(users::get))
                .route(web::patch().to(users::update)),
        )
        .service(
            only("/v1/service-accounts", "GET, POST")
                .route(web::get().to(service_accounts::list))
                .route(web::post().to(service_accounts::create)),
        )
        .service(
            only("/v1/service-accounts/{id}", "GET, PATCH, DELETE")
                .route(web::get().to(service_accounts::get))
                .route(web::patch().to(service_accounts::update))
                .route(web::delete().to(service_accounts::delete)),
        )
        .service(
            only("/v1/partners", "GET, POST")
                .route(web::get().to(partners::list))
                .route(web::post().to(partners::create)),
        )
        .service(
            only("/v1/partners/{id}", "GET, PUT")
                .route(web::get().to(partners::get))
                .route(web::put().to(partners::update)),
        )
        .service(
            only("/v1/agreements", "GET, POST")
                .route(web::get().to(agreements::list))
                .route(web::post().to(agreements::create)),
        )
        .service(
            only("/v1/agreements/import", "POST")
                .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                .route(web::post().to(transfer::import_csv)),
        )
        .service(get("/v1/agreements/export").route(web::get().to(transfer::export)))
        .service(
            only("/v1/agreements/{id}", "GET, PUT, DELETE")
                .route(web::get().to(agreements::get))
                .route(web::put().to(agreements::update))
                .route(web::delete().to(agreements::delete)),
        )
        .service(get("/v1/agreements/{id}/history").route(web::get().to(agreements::history)))
        .service(
            only("/v1/agreements/{id}/documents", "GET, POST")
                .route(web::get().to(documents::list))
                .route(web::post().to(documents::upload)),
        )
        .service(get("/v1/documents/{id}").route(web::get().to(documents::get)))
        .service(get("/v1/documents/{id}/content").route(web::get().to(documents::content)))
        .service(get("/v1/agreements/{id}/workflow").route(web::get().to(cases::get)))
        .service(
            only("/v1/agreements/{id}/workflow/actions", "POST").route(web::post().to(cases::act)),
        )
        .service(
            get("/v1/agreements/{id}/workflow/requirements")
                .route(web::get().to(cases::requirements)),
        )
        .service(get("/v1/tasks").route(web::get().to(cases::tasks)))
        .service(
            only("/v1/agreements/{id}/termination", "POST")
                .route(web::post().to(lifecycle::terminate)),
        )
        .service(
            only("/v1/agreements/{id}/renewals", "POST").route(web::post().to(lifecycle::renew)),
        )
        .service(get("/v1/evaluation-instruments").route(web::get().to(evaluation::list)))
        .service(get("/v1/evaluation-instruments/{id}").route(web::get().to(evaluation::get)))
        .service(
            only("/v1/agreements/{id}/activities", "GET, POST")
                .route(web::get().to(activities::list))
                .route(web::post().to(activities::create)),
        )
        .service(
            only("/v1/activities/{id}", "GET, PUT, DELETE")
                .route(web::get().to(activities::get))
                .route(web::put().to(activities::update))
                .route(web::delete().to(activities::delete)),
        )
        .service(
            only("/v1/agreements/{id}/action-plan", "GET, PUT")
                .route(web::get().to(action_plans::get))
                .route(web::put().to(action_plans::put)),
        )
        .service(
            only("/v1/agreements/{id}/evaluations", "GET, POST")
                .route(web::get().to(evaluations::list))
                .route(web::post().to(evaluations::create)),
        )
        .service(
            only("/v1/evaluations/{id}", "GET, PUT, DELETE")
                .route(web::get().to(evaluations::get))
                .route(web::put().to(evaluations::update))
                .route(web::delete().to(evaluations::delete)),
        )
        .service(
            only("/v1/evaluations/{id}/submit", "POST").route(web::post().to(evaluations::submit)),
        )
        .service(
            only("/v1/evaluations/{id}/verify", "POST").route(web::post().to(evaluations::verify)),
        )
        .service(
            only("/v1/evaluations/{id}/return", "POST")
                .route(web::post().to(evaluations::return_to_draft)),
        )
        .service(
            only("/v1/annual-reports", "GET, POST")
                .route(web::get().to(reports::list))
                .route(web::post().to(reports::create)),
        )
        .service(get("/v1/annual-reports/compliance").route(web::get().to(reports::compliance)))
        .service(get("/v1/annual-reports/{id}").route(web::get().to(reports::get)))
        .service(
            only("/v1/annual-reports/{id}/submit", "POST").route(web::post().to(reports::submit)),
        )
        .service(get("/v1/reminders").route(web::get().to(monitoring::list)))
        .service(get("/v1/stats/overview").route(web::get().to(monitoring::overview)))
        .service(get("/v1/travel-definition").route(web::get().to(travel::definition)))
        .service(
            only("/v1/travel-requests", "GET, POST")
                .route(web::get().to(travel::list))
                .route(web::post().to(travel::create)),
        )
        .service(
            only("/v1/travel-requests/{id}", "GET, PUT")
                .route(web::get().to(travel::get))
                .route(web::put().to(travel::update)),
        )
        .service(
            only("/v1/travel-requests/{id}/documents", "POST")
                .route(web::post().to(travel::upload)),
        )
        .service(
            only("/v1/travel-requests/{id}/actions", "POST").route(web::post().to(travel::act)),
        )
        .service(
            only("/v1/travel-requests/{id}/trip-report", "PUT")
                .route(web::put().to(travel::trip_report)),
        )
        .service(get("/v1/integrations/deliveries").route(web::get().to(integrations::list)))
        .service(
            only("/v1/integrations/deliveries/{id}/retry", "POST")
                .route(web::post().to(integrations::retry)),
        )
        .service(
            only("/v1/integrations/{system}/callbacks", "POST")
                .route(web::post().to(integrations::callback)),
        )
        .service(get("/v1/events").route(web::get().to(events::list)))
        .service(
            only("/v1/webhook-endpoints", "GET, POST")
                .route(web::get().to(events::list_endpoints))
                .route(web::post().to(events::create)),
        )
        .service(
            only("/v1/webhook-endpoints/{id}", "GET, PATCH, DELETE")
                .route(web::get().to(events::get))
                .route(web::patch().to(events::update))
                .route(web::delete().to(events::delete)),
        )
        .service(
            only("/v1/webhook-endpoints/{id}/replay", "POST").route(web::post().to(events::replay)),
        )
        .service(
            only("/v1/regions/{code}/potentials", "GET, POST")
                .route(web::get().to(coordination::region_potentials))
                .route(web::post().to(coordination::create_potential)),
        )
        .service(get("/v1/potentials").route(web::get().to(coordination::search_potentials)))
        .service(
            only("/v1/potentials/{id}", "PUT").route(web::put().to(coordination::update_potential)),
        )
        .service(get("/v1/matches").route(web::get().to(coordination::matches)))
        .service(
            only("/v1/meetings", "GET, POST")
                .route(web::get().to(coordination::list_meetings))
                .route(web::post().to(coordination::create_meeting)),
        )
        .service(get("/v1/meetings/{id}").route(web::get().to(coordination::get_meeting)))
        .service(
            only("/v1/meetings/{id}/documents", "POST")
                .route(web::post().to(coordination::upload_meeting_document)),
        )
        .service(
            only("/v1/recommendations/{id}", "PATCH")
                .route(web::patch().to(coordination::follow_up)),
        )
        .service(
            only("/v1/good-practices", "GET, POST")
                .route(web::get().to(coordination::list_practices))
                .route(web::post().to(coordination::create_practice)),
        )
        .service(
            only("/v1/good-practices/{id}", "GET, PUT")
                .route(web::get().to(coordination::get_practice))
                .route(web::put().to(coordination::update_practice)),
        )
        .service(
            only("/v1/good-practices/{id}/actions", "POST")
                .route(web::post().to(coordination::act_on_practice)),
        )
        .service(get("/v1/public/agreements").route(web::get().to(public::agreements)))
        .service(get("/v1/public/good-practices").route(web::get().to(public::good_practices)))
        .service(get("/v1/workflow-definitions").route(web::get().to(workflow::list)))
        .service(
            get("/v1/workflow-definitions/{key}/versions/{version}")
                .route(web::get().to(workflow::get)),
        )
        .service(get("/v1/audit-events").route(web::get().to(audit::list)))
        .service(get("/v1/audit-events/verify").route(web::get().to(audit::verify)));
    docs::configure(cfg);
}

/// A read-only resource: any other method is a 405 problem with `Allow: GET`.
fn get(path: &str) -> actix_web::Resource {
    only(path, "GET")
}

/// A resource answering `allow`; any other method is a 405 problem with that `Allow`.
fn only(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow })
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
