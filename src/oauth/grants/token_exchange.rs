//! Token exchange (RFC 8693): a service holding a user's access token (its
//! own audience's: the outside token, or the gateway's internal token) gets
//! one for the next service it calls on the user's behalf.
//!
//! - The subject token must be a live access token of ours (the liveness
//!   rule of introspection: [`liveness::check`]) issued for a user;
//!   `subject_token_type` must say so (§2.1). A client's own token is not
//!   exchanged: a service acting for itself uses client credentials.
//! - The subject token must be the caller's: issued to it, or for an
//!   audience it serves (one it may introspect: `--introspect-for`). A
//!   service cannot turn a token it merely came across — another app's,
//!   another API's — into one for the next service (RFC 8693 §5).
//! - The target is one `audience` or `resource` (§2.1; RFC 8707); the
//!   operator's policy must allow this client that audience
//!   (`tollgate exchange allow`): a client with no permission at all gets
//!   `unauthorized_client`, one without this audience `invalid_target`.
//! - The scope is never wider than the subject token's; `scope` narrows it.
//! - The new token names the calling client in `act` (§4.1), the earlier
//!   actors nested inside; it keeps the user and the session, lives no
//!   longer than the subject token, and comes without a refresh token.
//! - `actor_token` is refused: the actor is the authenticated client.

use super::TokenResponse;
use crate::domain::ScopeSet;
use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::liveness::{self, Verdict};
use crate::oauth::openid::subject;
use crate::oauth::tokens::{self, Grant};
use crate::oauth::{apis, Context};
use crate::storage;
use serde_json::json;

/// The token type of an access token (RFC 8693 §3).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Handles a token-exchange request from `client`.
pub async fn exchange(
    ctx: &Context,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let subject_token = params
        .require("subject_token")
        .map_err(OAuthError::invalid_request)?;
    if params
        .require("subject_token_type")
        .map_err(OAuthError::invalid_request)?
        != ACCESS_TOKEN_TYPE
    {
        return Err(OAuthError::invalid_request(format!(
            "only subject tokens of type {ACCESS_TOKEN_TYPE} are exchanged"
        )));
    }
    if params.get("actor_token").is_some() || params.get("actor_token_type").is_some() {
        return Err(OAuthError::invalid_request(
            "actor tokens are not accepted: the authenticated client is the actor",
        ));
    }
    if params
        .get("requested_token_type")
        .is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return Err(OAuthError::invalid_request(format!(
            "only {ACCESS_TOKEN_TYPE} can be requested"
        )));
    }
    if client.is_public {
        return Err(OAuthError::unauthorized_client(
            "only confidential clients may exchange tokens",
        ));
    }
    let audience = target(params)?;
    let (client_id, wanted) = (client.id.clone(), audience.clone());
    let mut allowed = ctx
        .db
        .run(move |conn| storage::exchange_policies::audiences_of(conn, &client_id))
        .await?;
    allowed.extend(
        ctx.settings
            .token_exchange_policy
            .iter()
            .filter(|g| g.client_id == client.id)
            .map(|g| g.audience.clone()),
    );
    if allowed.is_empty() {
        return Err(OAuthError::unauthorized_client(
            "this client may not exchange tokens",
        ));
    }
    if !allowed.contains(&wanted) {
        return Err(OAuthError::invalid_target(
            "this client may not exchange tokens for that audience",
        ));
    }

    let live = match liveness::check(ctx, subject_token).await? {
        Verdict::Live(live) => live,
        Verdict::NotOurs | Verdict::Dead => {
            return Err(OAuthError::invalid_request("the subject token is not active"))
        }
    };
    let serves = client.introspection_audiences.contains(&live.claims.aud);
    if live.claims.client_id != client.id && !serves {
        return Err(OAuthError::invalid_request(
            "the subject token was neither issued to this client nor for an audience it serves",
        ));
    }
    let Some(user) = &live.user else {
        return Err(OAuthError::invalid_request(
            "only a token issued for a user is exchanged; a client acting for itself uses client credentials",
        ));
    };
    let subject_scope = ScopeSet::parse(&live.claims.scope).unwrap_or_default();
    let scope = match params.get("scope") {
        None => subject_scope,
        Some(raw) => {
            let asked = ScopeSet::parse(raw).map_err(|e| OAuthError::invalid_scope(e.0))?;
            if !asked.is_subset(&subject_scope) {
                return Err(OAuthError::invalid_scope(
                    "the requested scope is wider than the subject token's",
                ));
            }
            asked
        }
    };

    // The user and the session as this client sees them (the same values
    // unless a client is pairwise: OpenID Connect Core §8).
    let sub = subject::for_client(ctx, client, &user.id).await?;
    let sid = match &live.claims.sid {
        None => None,
        Some(sid) => {
            let (from, user_id, sid) = (live.client.clone(), user.id.clone(), sid.clone());
            let public_id = ctx
                .db
                .run(move |conn| subject::session_of(conn, &from, &user_id, &sid))
                .await?;
            // Liveness found the session; gone since, it is over.
            let public_id =
                public_id.ok_or_else(|| OAuthError::invalid_request("the subject token is not active"))?;
            Some(subject::sid_for(client, &public_id))
        }
    };
    // The user's roles for the new audience, as every grant reads them.
    let directory = ctx.apis.get().await?;
    let roles = apis::user_roles(ctx, &directory, &user.id, &audience).await?;
    let act = match &live.claims.act {
        Some(earlier) => json!({ "sub": client.id, "act": earlier }),
        None => json!({ "sub": client.id }),
    };
    // Revoking the subject token (or the one it came from) ends this one.
    let origin = live.claims.origin();
    let issued = tokens::issue_bound(
        ctx,
        &Grant {
            sub: &sub,
            client_id: &client.id,
            scope: &scope,
            aud: &audience,
            sid: sid.as_deref(),
            roles: &roles,
            act: Some(&act),
            origin_jti: Some(origin),
        },
        live.claims.exp,
        jkt,
    )
    .await?;
    let expires_in = issued.claims.exp - issued.claims.iat;
    let mut response = TokenResponse::new(ctx, issued, None);
    response.expires_in = expires_in;
    response.issued_token_type = Some(ACCESS_TOKEN_TYPE);
    Ok(response)
}

/// The one audience asked for, as `audience` or `resource`.
fn target(params: &Params) -> Result<String, OAuthError> {
    let mut named: Vec<&str> = params.resources().iter().map(String::as_str).collect();
    if let Some(audience) = params.get("audience") {
        named.push(audience);
    }
    named.dedup();
    match named.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(OAuthError::invalid_target(
            "name the service the token is for with audience or resource",
        )),
        _ => Err(OAuthError::invalid_target(
            "only one audience may be named per exchange",
        )),
    }
}
