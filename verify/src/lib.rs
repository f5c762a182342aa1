//! Verification of Tollgate access tokens (see the crate README).
