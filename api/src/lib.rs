//! jalin's HTTP API: actix-web handlers, the conventions every endpoint shares (problems,
//! pagination, ETags, idempotency, request ids, languages), and the `jalin` binary's pieces.

pub mod auth;
pub mod backup;
pub mod calendars;
pub mod caller;
pub mod cli;
pub mod clock;
pub mod concurrency;
pub mod config;
pub mod context;
pub mod csv_safe;
pub mod deadline;
pub mod demo;
pub mod deprecation;
pub mod error;
pub mod export;
pub mod extract;
pub mod http_cache;
pub mod idempotency;
pub mod integrations;
pub mod jobs;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod problem;
pub mod reply;
pub mod routes;
pub mod service;
pub mod signature;
pub mod simulator;
pub mod startup;
pub mod state;
pub mod storage;
pub mod summaries;
pub mod throttle;
pub mod webhook_target;

pub use config::Config;
pub use error::ApiError;
pub use state::AppState;
