//! Server metadata: one document, served both as the authorization server
//! metadata of RFC 8414 and as the OpenID Provider configuration of OpenID
//! Connect Discovery 1.0 §3, so the two can never name different issuers
//! or endpoints. RFC 8414 §2 admits every OpenID field used here (they are
//! in its IANA registry, §7.1.2). It says what this server implements, and
//! nothing it does not.

use crate::domain::GrantType;
use crate::oauth::keys::KeyError;
use crate::oauth::openid::claims::{EMAIL_CLAIMS, EMAIL_SCOPE, PROFILE_CLAIMS, PROFILE_SCOPE};
use crate::oauth::openid::subject::{PAIRWISE, PUBLIC};
use crate::oauth::openid::OPENID_SCOPE;
use crate::oauth::settings::ProtocolSettings as Settings;
use crate::oauth::Context;
use serde_json::{json, Value};

/// Client authentication methods (RFC 6749 §2.3; `none` for public clients).
const AUTH_METHODS: [&str; 4] = [
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
    "none",
];

/// Where RFC 8414 §3 puts the metadata.
pub const OAUTH_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// Where OpenID Connect Discovery 1.0 §4 puts the same document.
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";

/// Path of the authorization endpoint.
pub const AUTHORIZATION_PATH: &str = "/oauth2/authorize";
/// Path of the token endpoint.
pub const TOKEN_PATH: &str = "/oauth2/token";
/// Path of the pushed authorization request endpoint (RFC 9126).
pub const PUSHED_AUTHORIZATION_PATH: &str = "/oauth2/par";
/// Path of the revocation endpoint (RFC 7009).
pub const REVOCATION_PATH: &str = "/oauth2/revoke";
/// Path of the introspection endpoint (RFC 7662).
pub const INTROSPECTION_PATH: &str = "/oauth2/introspect";
/// Path of the userinfo endpoint (OpenID Connect Core §5.3).
pub const USERINFO_PATH: &str = "/oauth2/userinfo";
/// Path of the end-session endpoint (OpenID Connect RP-Initiated Logout 1.0 §2).
pub const END_SESSION_PATH: &str = "/oauth2/logout";

/// Path of the dynamic client registration endpoint (RFC 7591).
pub const REGISTRATION_PATH: &str = "/oauth2/register";

/// Path of the JWKS document.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The id token's own claims (Core §2) that `claims_supported` lists,
/// beside those the `profile` and `email` scopes release (§5.4).
const ID_TOKEN_CLAIMS: [&str; 11] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "sid",
    "amr",
    "azp",
    "at_hash",
];

/// The metadata document, as it stands now: the signing algorithms
/// advertised are those of the keys the JWKS publishes.
pub async fn current(ctx: &Context) -> Result<Value, KeyError> {
    let jwks = ctx.keys.jwks().await?;
    let mut algs: Vec<&str> = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|key| key["alg"].as_str())
        .collect();
    algs.sort_unstable();
    algs.dedup();
    Ok(document(&ctx.settings, &algs))
}

/// The metadata document for `settings`, advertising `signing_algs` for id
/// tokens (the algorithms of the published keys; never `none`).
pub fn document(settings: &Settings, signing_algs: &[&str]) -> Value {
    let issuer = &settings.issuer;
    let signing_algs: Vec<&str> = signing_algs.iter().copied().filter(|a| *a != "none").collect();
    let claims: Vec<&str> = ID_TOKEN_CLAIMS
        .iter()
        .chain(&PROFILE_CLAIMS)
        .chain(&EMAIL_CLAIMS)
        .copied()
        .collect();
    let mut document = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        "authorization_endpoint": format!("{issuer}{AUTHORIZATION_PATH}"),
        "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
        "userinfo_endpoint": format!("{issuer}{USERINFO_PATH}"),
        "end_session_endpoint": format!("{issuer}{END_SESSION_PATH}"),
        "grant_types_supported": ["authorization_code", "implicit", "client_credentials", "password", "refresh_token", GrantType::TokenExchange.as_str(), GrantType::DeviceCode.as_str()],
        // RFC 8628 §4.
        "device_authorization_endpoint": format!("{issuer}{}", crate::oauth::device::DEVICE_AUTHORIZATION_PATH),
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint": format!("{issuer}{REVOCATION_PATH}"),
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint": format!("{issuer}{INTROSPECTION_PATH}"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        // RFC 7523 client assertions: algorithms pinned to the key's type.
        "token_endpoint_auth_signing_alg_values_supported": crate::oauth::client_assertion::SIGNING_ALGS,
        "revocation_endpoint_auth_signing_alg_values_supported": crate::oauth::client_assertion::SIGNING_ALGS,
        "introspection_endpoint_auth_signing_alg_values_supported": crate::oauth::client_assertion::SIGNING_ALGS,
        // No hybrid flow: a code never comes with an id token in the front channel.
        "response_types_supported": ["code", "token", "id_token", "id_token token"],
        "response_modes_supported": ["query", "fragment"],
        // `plain` only for clients configured for it; S256 is what clients should use.
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        // RFC 9449 §5.1.
        "dpop_signing_alg_values_supported": crate::oauth::dpop::SIGNING_ALGS,
        // The scopes this server gives a meaning to; operators' own scopes
        // are the catalogue's business (RFC 8414 §2 lets us leave them out).
        "scopes_supported": [OPENID_SCOPE, PROFILE_SCOPE, EMAIL_SCOPE],
        "claims_supported": claims,
        "subject_types_supported": [PUBLIC, PAIRWISE],
        "id_token_signing_alg_values_supported": signing_algs,
        // The userinfo response is plain JSON: no
        // userinfo_signing_alg_values_supported (Discovery §3).
        "display_values_supported": ["page"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        // Discovery §3 makes `true` the default: say it is not supported.
        // This is OpenID's request object by reference (Core §6.2), not
        // the request_uri of a pushed request (RFC 9126), which is.
        "request_uri_parameter_supported": false,
        // RFC 9126 §5.
        "pushed_authorization_request_endpoint": format!("{issuer}{PUSHED_AUTHORIZATION_PATH}"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": false,
        "frontchannel_logout_session_supported": false,
    });
    if settings.require_pushed_authorization_requests {
        document["require_pushed_authorization_requests"] = json!(true);
    }
    if settings.client_id_metadata_documents {
        // OAuth Client ID Metadata Document §4.
        document["client_id_metadata_document_supported"] = json!(true);
    }
    if settings.dynamic_registration_enabled() {
        document["registration_endpoint"] = json!(format!("{issuer}{REGISTRATION_PATH}"));
    }
    document
}
