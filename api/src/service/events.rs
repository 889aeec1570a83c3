//! Domain events and webhook endpoints.
