//! Users: create and change them within the caller's scope.
