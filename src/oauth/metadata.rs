//! Authorization server metadata (RFC 8414): what this server implements,
//! and nothing it does not.

use crate::oauth::settings::ProtocolSettings as Settings;
use serde_json::{json, Value};

/// Client authentication methods (RFC 6749 §2.3; `none` for public clients).
const AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];

/// Path of the authorization endpoint.
pub const AUTHORIZATION_PATH: &str = "/oauth2/authorize";
/// Path of the token endpoint.
pub const TOKEN_PATH: &str = "/oauth2/token";
/// Path of the revocation endpoint (RFC 7009).
pub const REVOCATION_PATH: &str = "/oauth2/revoke";
/// Path of the introspection endpoint (RFC 7662).
pub const INTROSPECTION_PATH: &str = "/oauth2/introspect";

/// Path of the dynamic client registration endpoint (RFC 7591).
pub const REGISTRATION_PATH: &str = "/oauth2/register";

/// Path of the JWKS document.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The metadata document for `settings`.
pub fn document(settings: &Settings) -> Value {
    let issuer = &settings.issuer;
    let mut document = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        "authorization_endpoint": format!("{issuer}{AUTHORIZATION_PATH}"),
        "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
        "grant_types_supported": ["authorization_code", "implicit", "client_credentials", "password", "refresh_token"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint": format!("{issuer}{REVOCATION_PATH}"),
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint": format!("{issuer}{INTROSPECTION_PATH}"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["code", "token"],
        "response_modes_supported": ["query", "fragment"],
        // `plain` only for clients configured for it; S256 is what clients should use.
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    });
    if settings.dynamic_registration_enabled() {
        document["registration_endpoint"] = json!(format!("{issuer}{REGISTRATION_PATH}"));
    }
    document
}
