//! The approval workflow of an agreement: start, complete, return, withdraw (PP 28/2018).
