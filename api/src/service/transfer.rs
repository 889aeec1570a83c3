//! Import and export of agreements (CSV, XLSX).
