//! Transitional: users and service accounts moved to `crate::service::{users, service_accounts}`;
//! `changes` lives in `crate::service::audit_log`. Remove this module once no file names it.

pub use crate::service::audit_log::changes;
