//! The outbox to SIOLA, SIMPEL and Exit Permit, and the callbacks they send.
