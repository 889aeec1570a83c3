//! The black-box suite: every test starts the real server and talks HTTP to it, once on
//! SQLite and once on PostgreSQL.

mod access;
mod activities;
mod audit;
mod backup;
mod calendar;
mod calendar_years;
mod cases;
mod contract;
mod contract_clients;
mod conventions;
mod coordination;
mod dates;
mod demo;
mod documents;
mod events;
mod hostile_input;
mod idempotency;
mod identity;
mod letters;
mod lifecycle;
mod monitoring;
mod observability;
mod reference;
mod regional_calendar;
mod registry;
mod security_bounds;
mod sessions;
mod transfer;
mod travel;
mod workflow;
