//! The id token (OpenID Connect Core §2): its claims, and checking one
//! this server issued when it comes back as a hint (`id_token_hint` of an
//! authentication request or of RP-initiated logout).

use crate::oauth::Context;
use serde::{Deserialize, Serialize};

/// The JWT `typ` of id tokens: plain `JWT`, never `at+jwt`, so neither
/// kind of token can stand in for the other (RFC 8725 §3.11).
pub const ID_TOKEN_TYP: &str = "JWT";

/// The claims of an id token (Core §2, §3.1.3.6, §3.2.2.10, §5.1).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// The user, as this client sees them (public or pairwise).
    pub sub: String,
    /// The client the token is for.
    pub aud: String,
    /// Expiry.
    pub exp: i64,
    /// Issue time.
    pub iat: i64,
    /// When the user signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The authentication request's `nonce`, echoed exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The public id of the login session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// How the user signed in (`pwd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// The authorized party: the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Left half of the access token's hash (Core §3.2.2.9, §3.3.2.11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// Left half of the code's hash (Core §3.3.2.11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_hash: Option<String>,
    /// Profile claims released in the token itself (Core §5.4: only when
    /// no access token is issued).
    #[serde(flatten)]
    pub profile: serde_json::Map<String, serde_json::Value>,
}

/// The claims of an id token this server signed, as presented back as a
/// hint: signature with the key its `kid` names (algorithm pinned to that
/// key), `typ` and `iss`. Expiry is not checked (RP-Initiated Logout 1.0
/// §2, Core §3.1.2.1: an expired hint still says who the client means);
/// the caller checks `aud` and what the hint is for.
pub async fn verify_hint(ctx: &Context, token: &str) -> Option<IdTokenClaims> {
    ctx.keys
        .verify_own(token, ID_TOKEN_TYP, &ctx.settings.issuer, &["iss", "sub", "aud"])
        .await
}
