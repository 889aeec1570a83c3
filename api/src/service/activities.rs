//! Activities of an agreement, with exact IDR equivalents.
