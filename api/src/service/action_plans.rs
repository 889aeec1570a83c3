//! Action plans: planned items and success indicators per agreement.
