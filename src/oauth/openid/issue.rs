//! Issuing id tokens (OpenID Connect Core §2): signed with the active key,
//! typed `JWT`, living as long as an access token, for the code, implicit,
//! refresh and password grants.

use super::id_token::{IdTokenClaims, ID_TOKEN_TYP};
use crate::domain::{ScopeSet, SigningAlg};
use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::Context;
use crate::storage;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha512};

/// What an id token is issued for.
pub struct IdTokenGrant<'a> {
    /// The client (the audience and authorized party).
    pub client: &'a Client,
    /// The user as this client sees them ([`super::subject::for_client`]):
    /// the same `sub` as the access token issued beside it.
    pub sub: &'a str,
    /// When the user signed in.
    pub auth_time: Option<i64>,
    /// The authentication request's `nonce`, echoed exactly.
    pub nonce: Option<&'a str>,
    /// The public id of the login session, if one stands behind the grant.
    pub sid: Option<&'a str>,
    /// The access token issued in the same response, if any (`at_hash`).
    pub access_token: Option<&'a str>,
    /// Profile claims released in the token itself (Core §5.4: only when no
    /// access token is issued; see [`profile_claims`]).
    pub profile: Map<String, Value>,
}

/// Signs an id token for `grant` with the active key.
pub async fn issue(ctx: &Context, grant: IdTokenGrant<'_>) -> Result<String, OAuthError> {
    let key = ctx.keys.active().await?;
    let now = ctx.clock.now();
    let claims = IdTokenClaims {
        iss: ctx.settings.issuer.clone(),
        sub: grant.sub.to_string(),
        aud: grant.client.id.clone(),
        // No configuration of its own: an id token proves a sign-in to the
        // client at once and is not meant to be kept.
        exp: now + ctx.settings.access_token_ttl,
        iat: now,
        auth_time: grant.auth_time,
        nonce: grant.nonce.map(str::to_string),
        sid: grant.sid.map(str::to_string),
        // Every sign-in here is a password check (RFC 8176 §2).
        amr: Some(vec!["pwd".to_string()]),
        // Core §2: the party the token was issued to; with a single
        // audience it is that audience, and saying so costs nothing.
        azp: Some(grant.client.id.clone()),
        at_hash: grant.access_token.map(|t| left_half_hash(key.alg(), t)),
        c_hash: None,
        profile: grant.profile,
    };
    Ok(key.sign_jwt(ID_TOKEN_TYP, &claims)?)
}

/// `at_hash`/`c_hash` (Core §3.1.3.6, §3.3.2.11): base64url of the left
/// half of the hash of the value's ASCII, with the hash of the id token's
/// `alg` — SHA-256 for RS256 and ES256; SHA-512 for EdDSA with Ed25519, as
/// the libraries that check it compute it (Core names no hash for EdDSA).
pub fn left_half_hash(alg: SigningAlg, value: &str) -> String {
    let digest: Vec<u8> = match alg {
        SigningAlg::Rs256 | SigningAlg::Es256 => Sha256::digest(value.as_bytes()).to_vec(),
        SigningAlg::EdDsa => Sha512::digest(value.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// The profile claims `scope` releases about the user `user_id`, read from
/// storage (for an id token that travels without an access token).
pub async fn profile_claims(
    ctx: &Context,
    user_id: &str,
    scope: &ScopeSet,
) -> Result<Map<String, Value>, OAuthError> {
    let user_id = user_id.to_string();
    let user = ctx
        .db
        .run(move |conn| storage::users::by_id(conn, &user_id))
        .await?;
    Ok(user
        .map(|u| super::claims::released(&u, scope))
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_sha256_for_rs256() {
        // Core §A.3 example: access token and its at_hash under RS256.
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        assert_eq!(left_half_hash(SigningAlg::Rs256, token), "77QmUPtjPfzWtF2AnpK9RQ");
    }

    #[test]
    fn eddsa_hashes_with_sha512() {
        let half = left_half_hash(SigningAlg::EdDsa, "token");
        // 32 bytes, base64url without padding.
        assert_eq!(half.len(), 43);
        assert_ne!(half, left_half_hash(SigningAlg::Es256, "token"));
    }
}
