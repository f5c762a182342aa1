//! tollgate-verify against a running Tollgate (filled in below).
