//! Documents of agreements: store the file, record it, audit it.
