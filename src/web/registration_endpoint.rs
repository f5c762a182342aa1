//! The dynamic client registration endpoint (RFC 7591, RFC 7592).

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
