//! Official travel permits (PDLN): drafting, checks, the permit stages, the trip report.
