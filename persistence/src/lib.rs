//! jalin's storage: one diesel code base over SQLite and PostgreSQL.
//!
//! Handlers never see SQL: they call the functions here with a [`DbConnection`] taken from the
//! [`Pool`], inside `web::block`. Every write goes through [`write_transaction`], which on SQLite
//! begins `IMMEDIATE` so concurrent writers queue on the lock instead of failing mid-transaction.

pub mod action_plans;
pub mod activities;
pub mod admin;
pub mod audit;
pub mod bench;
pub mod calendar;
pub mod canonical;
pub mod cases;
pub mod coordination;
mod crud;
pub mod db;
pub mod documents;
pub mod evaluations;
pub mod idempotency;
pub mod identity;
pub mod letters;
pub mod monitoring;
pub mod outbox;
pub mod reference;
pub mod regional_calendar;
pub mod registry;
pub mod reports;
pub mod schema;
pub mod snapshot;
pub mod text;
pub mod throttle;
pub mod travel;
pub mod webhooks;

pub use db::{
    write_transaction, Backend, DatabaseUrl, DbConnection, DbError, Pool, PoolOptions,
    PooledConnection,
};
