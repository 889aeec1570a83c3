//! The agreement lifecycle after signing: termination (R19), renewal (R18), expiry and dormancy.
