//! Annual reports (R21, R22): compile, submit, compliance.
