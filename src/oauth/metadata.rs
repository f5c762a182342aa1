//! Authorization server metadata (RFC 8414): what this server implements,
//! and nothing it does not.

use crate::config::Settings;
use serde_json::{json, Value};

/// Path of the JWKS document.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The metadata document for `settings`.
pub fn document(settings: &Settings) -> Value {
    let issuer = &settings.issuer;
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        // RFC 8414 §2 makes this member REQUIRED; no response type is served
        // until the authorization endpoint exists, so the list is empty.
        "response_types_supported": [],
    })
}
