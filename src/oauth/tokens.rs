//! Access tokens (RFC 9068 JWTs, or opaque references for clients set to
//! them: [`opaque`]) and refresh tokens: issuing them, and reading our own
//! access tokens for every consumer (introspection, userinfo, revocation,
//! token exchange, the gateway check).

use crate::domain::{AccessTokenFormat, ScopeSet};
use crate::oauth::error::OAuthError;
use crate::oauth::{opaque, secrets, Context};
use crate::storage::tokens::RefreshRow;
use serde::{Deserialize, Serialize};

/// The JWT `typ` of access tokens (RFC 9068 §2.1): keeps them from being
/// mistaken for any other JWT (RFC 8725 §3.11).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// The claims of an access token (RFC 9068 §2.2).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// The user as the client sees them (their id, or a pairwise subject:
    /// OpenID Connect Core §8), or the client's id for client credentials.
    pub sub: String,
    /// The resource the token is for.
    pub aud: String,
    /// Expiry.
    pub exp: i64,
    /// Issue time.
    pub iat: i64,
    /// Unique id, for revocation.
    pub jti: String,
    /// The client the token was issued to.
    pub client_id: String,
    /// Granted scopes, space-separated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// The public id of the login session behind the token, if any: never
    /// derived from the session cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The subject's roles for this token's audience (RFC 9068 §2.2.3.1,
    /// RFC 7643 `roles`): only the roles of the API the token is for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Who acts for the subject (RFC 8693 §4.1): set on exchanged tokens,
    /// nested when a token is exchanged again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<serde_json::Value>,
    /// The `jti` of the outside token this one was derived from (the
    /// gateway's internal token, an exchanged token), kept through every
    /// derivation: revoking that token ends this one too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_jti: Option<String>,
    /// The key the token is bound to (RFC 9449 §6.1: `cnf.jkt`): only a
    /// request with a DPoP proof by that key may use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// A token's confirmation claim (RFC 7800 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The RFC 7638 SHA-256 thumbprint of the DPoP key, base64url.
    pub jkt: String,
}

impl AccessClaims {
    /// The `jti` a token derived from this one carries as its origin.
    pub fn origin(&self) -> &str {
        self.origin_jti.as_deref().unwrap_or(&self.jti)
    }

    /// The thumbprint of the DPoP key the token is bound to, if any.
    pub fn jkt(&self) -> Option<&str> {
        self.cnf.as_ref().map(|c| c.jkt.as_str())
    }
}

/// What an access token is issued for.
pub struct Grant<'a> {
    /// Subject.
    pub sub: &'a str,
    /// Client.
    pub client_id: &'a str,
    /// Scopes.
    pub scope: &'a ScopeSet,
    /// Audience.
    pub aud: &'a str,
    /// The public id of the browser session behind it, if any.
    pub sid: Option<&'a str>,
    /// The subject's roles for `aud`.
    pub roles: &'a [String],
    /// The actor chain of an exchanged token (RFC 8693 `act`).
    pub act: Option<&'a serde_json::Value>,
    /// The outside token a derived token comes from (its `origin_jti`).
    pub origin_jti: Option<&'a str>,
}

/// An access token and its claims.
pub struct IssuedAccess {
    /// The compact JWS, or the opaque reference.
    pub token: String,
    /// Its claims.
    pub claims: AccessClaims,
}

/// Issues an access token for `grant`: signed, or opaque when its client
/// is set to opaque tokens.
pub async fn issue_access(ctx: &Context, grant: &Grant<'_>) -> Result<IssuedAccess, OAuthError> {
    issue_access_until(ctx, grant, i64::MAX).await
}

/// Issues an access token for `grant` that expires at `not_after` at the
/// latest (an exchanged token never outlives the token it came from).
pub async fn issue_access_until(
    ctx: &Context,
    grant: &Grant<'_>,
    not_after: i64,
) -> Result<IssuedAccess, OAuthError> {
    issue_bound(ctx, grant, not_after, None).await
}

/// Issues an access token for `grant` that expires at `not_after` at the
/// latest and, with `jkt`, is bound to that DPoP key (RFC 9449 §6).
pub async fn issue_bound(
    ctx: &Context,
    grant: &Grant<'_>,
    not_after: i64,
    jkt: Option<&str>,
) -> Result<IssuedAccess, OAuthError> {
    let now = ctx.clock.now();
    let claims = AccessClaims {
        iss: ctx.settings.issuer.clone(),
        sub: grant.sub.to_string(),
        aud: grant.aud.to_string(),
        exp: (now + ctx.settings.access_token_ttl).min(not_after),
        iat: now,
        jti: secrets::random_token(16),
        client_id: grant.client_id.to_string(),
        scope: grant.scope.to_string(),
        sid: grant.sid.map(str::to_string),
        roles: grant.roles.to_vec(),
        act: grant.act.cloned(),
        origin_jti: grant.origin_jti.map(str::to_string),
        cnf: jkt.map(|jkt| Confirmation { jkt: jkt.to_string() }),
    };
    let token = match opaque::format_of(ctx, grant.client_id).await? {
        AccessTokenFormat::Opaque => opaque::issue(ctx, &claims).await?,
        AccessTokenFormat::Jwt => ctx.keys.active().await?.sign_jwt(ACCESS_TOKEN_TYP, &claims)?,
    };
    Ok(IssuedAccess { token, claims })
}

/// A new refresh token: the value to hand out and the row to store.
pub fn new_refresh(
    ctx: &Context,
    family: Option<&str>,
    parent: Option<&str>,
    base: RefreshBase<'_>,
) -> (String, RefreshRow) {
    let token = secrets::random_secret();
    let now = ctx.clock.now();
    let row = RefreshRow {
        token_hash: secrets::hash(&token),
        family_id: family
            .map(str::to_string)
            .unwrap_or_else(|| secrets::random_token(16)),
        parent_hash: parent.map(str::to_string),
        client_id: base.client_id.to_string(),
        user_id: base.user_id.map(str::to_string),
        session_id: base.session_id.map(str::to_string),
        scope: base.scope.to_string(),
        audience: base.audience.to_string(),
        created_at: now,
        expires_at: now + ctx.settings.refresh_token_ttl,
        rotated_at: None,
        revoked_at: None,
        auth_time: base.auth_time,
        dpop_jkt: base.dpop_jkt.map(str::to_string),
    };
    (token, row)
}

/// What a refresh token is bound to.
pub struct RefreshBase<'a> {
    /// Client.
    pub client_id: &'a str,
    /// User.
    pub user_id: Option<&'a str>,
    /// The public id of the session behind it.
    pub session_id: Option<&'a str>,
    /// Scope (a rotated token keeps its family's scope: RFC 6749 §6).
    pub scope: &'a str,
    /// Audience.
    pub audience: &'a str,
    /// When the user signed in for the grant (OpenID Connect `auth_time`).
    pub auth_time: Option<i64>,
    /// The DPoP key a public client's refresh token is bound to
    /// (RFC 9449 §5.0), kept across rotation.
    pub dpop_jkt: Option<&'a str>,
}

/// Checks that `token` is an access token this server issued and that it
/// has not expired, and returns its claims: the one place every consumer
/// reads an access token. A JWT: signature with the key its `kid` names
/// (algorithm pinned to that key), `typ`, `iss`, `exp`. A string with no
/// dot (at most [`opaque::MAX_OPAQUE`] long): an opaque token, looked up by
/// its hash, `exp` checked the same way. Revocation and the rest of
/// liveness are checked by the caller, the same for both.
pub async fn verify_own(ctx: &Context, token: &str) -> Result<Option<AccessClaims>, OAuthError> {
    if opaque::looks_opaque(token) {
        return opaque::claims_of(ctx, token).await;
    }
    let Some(claims): Option<AccessClaims> = ctx
        .keys
        .verify_own(
            token,
            ACCESS_TOKEN_TYP,
            &ctx.settings.issuer,
            &["exp", "iss", "sub", "jti"],
        )
        .await
    else {
        return Ok(None);
    };
    // `exp` against the context's clock, with no leeway: refused from `exp`
    // on (RFC 7519 §4.1.4).
    Ok((ctx.clock.now() < claims.exp).then_some(claims))
}
