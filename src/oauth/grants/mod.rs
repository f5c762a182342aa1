//! The token endpoint (RFC 6749 §3.2): one dispatcher over `grant_type`,
//! one module per grant. The dispatcher authenticates the client and checks
//! that it may use the grant; each grant checks its own parameters.

mod authorization_code;
mod client_credentials;
mod device_code;
mod password;
mod refresh_token;
mod token_exchange;

use crate::domain::{GrantType, ScopeSet};
use crate::oauth::apis;
pub(super) use crate::oauth::apis::user_roles;
use crate::oauth::clients::{self, Client};
use crate::oauth::dpop;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::metadata::TOKEN_PATH;
use crate::oauth::tokens::IssuedAccess;
use crate::oauth::Context;
use serde::Serialize;
use std::sync::Arc;

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The JWT.
    pub access_token: String,
    /// `Bearer` (RFC 6750), or `DPoP` for a key-bound token (RFC 9449 §5.1).
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Granted scope (RFC 6749 §5.1: sent when it may differ from the request).
    pub scope: String,
    /// The refresh token, where the grant yields one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The id token, when the granted scope has `openid` (OpenID Connect
    /// Core §3.1.3.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// What was issued, in a token exchange (RFC 8693 §2.2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'static str>,
}

impl TokenResponse {
    fn new(ctx: &Context, access: IssuedAccess, refresh_token: Option<String>) -> TokenResponse {
        TokenResponse {
            access_token: access.token,
            // RFC 9449 §5.1: `DPoP` for a token bound to a key.
            token_type: if access.claims.cnf.is_some() {
                "DPoP"
            } else {
                "Bearer"
            },
            expires_in: ctx.settings.access_token_ttl,
            scope: access.claims.scope,
            refresh_token,
            id_token: None,
            issued_token_type: None,
        }
    }

    fn with_id_token(mut self, id_token: Option<String>) -> TokenResponse {
        self.id_token = id_token;
        self
    }
}

/// Handles one token request from `peer` (the remote address, which the
/// password grant's throttle counts), with the request's `DPoP` proof
/// header, if any (RFC 9449 §5).
pub async fn exchange(
    ctx: &Context,
    params: &Params,
    authorization: Option<&[u8]>,
    peer: &str,
    dpop_header: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let grant_name = params
        .require("grant_type")
        .map_err(OAuthError::invalid_request)?;
    let grant = match grant_name.parse::<GrantType>() {
        Ok(GrantType::Implicit) | Err(_) => {
            return Err(OAuthError::unsupported_grant_type(format!(
                "the grant type {grant_name:?} is not supported at the token endpoint"
            )))
        }
        Ok(grant) => grant,
    };
    let creds = clients::credentials(authorization, params)?
        .ok_or_else(|| OAuthError::invalid_client("client authentication is required"))?;
    let client = ctx.clients.authenticate(creds).await?;
    // Token exchange is allowed by the operator's exchange policy, per
    // client and audience (checked by the grant), not by grant types.
    if grant != GrantType::TokenExchange && !client.allows(grant) {
        return Err(OAuthError::unauthorized_client(format!(
            "this client may not use the {grant} grant"
        )));
    }
    // Checked once the client is known, so that only a client's own
    // requests record proofs as used.
    let proof = dpop::check(ctx, dpop_header, "POST", TOKEN_PATH, None).await?;
    // RFC 9449 §5.2: a client registered with `dpop_bound_access_tokens`
    // gets bound tokens only.
    if proof.is_none() && client.security.dpop_bound_access_tokens {
        return Err(dpop::invalid("this client must present a DPoP proof"));
    }
    let jkt = proof.as_ref().map(|p| p.jkt.as_str());
    let response = match grant {
        GrantType::ClientCredentials => client_credentials::exchange(ctx, &client, params, jkt).await,
        GrantType::Password => password::exchange(ctx, &client, params, peer, jkt).await,
        GrantType::RefreshToken => refresh_token::exchange(ctx, &client, params, jkt).await,
        GrantType::AuthorizationCode => authorization_code::exchange(ctx, &client, params, jkt).await,
        GrantType::TokenExchange => token_exchange::exchange(ctx, &client, params, jkt).await,
        GrantType::DeviceCode => device_code::exchange(ctx, &client, params, jkt).await,
        GrantType::Implicit => unreachable!("refused above"),
    }?;
    ctx.metrics.token_issued(grant);
    Ok(response)
}

/// The scope to grant: what was asked for, which must be within `allowed`;
/// everything allowed when nothing was asked for (RFC 6749 §3.3).
pub(crate) fn requested_scope(params: &Params, allowed: &ScopeSet) -> Result<ScopeSet, OAuthError> {
    let Some(raw) = params.get("scope") else {
        return Ok(allowed.clone());
    };
    let asked = ScopeSet::parse(raw).map_err(|e| OAuthError::invalid_scope(e.0))?;
    if !asked.is_subset(allowed) {
        return Err(OAuthError::invalid_scope(
            "the requested scope exceeds what this client may have",
        ));
    }
    Ok(asked)
}

/// The audience of a token for `client` with `scope` (see
/// [`apis::audience`], the one rule), and the directory it was read from.
async fn audience(
    ctx: &Context,
    client: &Client,
    scope: &ScopeSet,
    params: &Params,
) -> Result<(String, Arc<apis::Directory>), OAuthError> {
    let dir = ctx.apis.get().await?;
    let aud = apis::audience(
        &dir,
        ctx.settings.default_audience(),
        client,
        scope,
        params.resources(),
    )?;
    Ok((aud, dir))
}
