//! The agreement status lifecycle (DOMAIN.md §3): draft → in approval → approved for signing → active → expired, terminated or renewed; which event moves an agreement where, and what may be deleted.
