//! Service accounts: create, change and delete them within the caller's scope.
