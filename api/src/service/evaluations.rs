//! Evaluations: draft, submit, verify or return, with the scoring arithmetic.
