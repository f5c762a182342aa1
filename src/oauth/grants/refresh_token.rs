//! RFC 6749 §6: refresh, with rotation on every use and reuse detection
//! (RFC 9700 §4.14): a rotated-out token presented again revokes its whole
//! family, except within a short grace window, so that two tabs refreshing
//! the same token at once both succeed.

use super::{user_roles, TokenResponse};
use crate::domain::ScopeSet;
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::clients::Client;
use crate::oauth::dpop;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::openid::{self, issue, issue::IdTokenGrant, subject};
use crate::oauth::tokens::{issue_bound, new_refresh, Grant, RefreshBase};
use crate::oauth::{secrets, Context};
use crate::storage::{self, tokens};

enum Outcome {
    Rotated(String),
    Refused(&'static str),
}

pub(super) async fn exchange(
    ctx: &Context,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let presented = params
        .require("refresh_token")
        .map_err(OAuthError::invalid_request)?;
    let hash = secrets::hash(presented);
    let row = stored(ctx, &hash).await?;
    // Bound to its client: another client's token is simply invalid here.
    if row.client_id != client.id {
        return Err(OAuthError::invalid_grant("the refresh token is invalid"));
    }
    let now = ctx.clock.now();
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(OAuthError::invalid_grant(
            "the refresh token is expired or revoked",
        ));
    }
    // RFC 9449 §5.0: a refresh token bound to a key (a public client's)
    // is used with a proof by that key only.
    if let Some(bound) = row.dpop_jkt.as_deref() {
        match jkt {
            None => return Err(dpop::invalid("this refresh token requires a DPoP proof")),
            Some(jkt) if jkt != bound => {
                return Err(OAuthError::invalid_grant(
                    "the refresh token is bound to another DPoP key",
                ))
            }
            Some(_) => {}
        }
    }
    let scope = narrowed_scope(&row, params)?;
    still_authorized(ctx, &row).await?;
    let refresh = rotate(ctx, client, &row, hash, now).await?;
    respond(ctx, client, &row, &scope, refresh, jkt).await
}

/// The stored refresh token with this hash; an unknown one is invalid.
async fn stored(ctx: &Context, hash: &str) -> Result<tokens::RefreshRow, OAuthError> {
    let lookup = hash.to_string();
    let Some(row) = ctx
        .db
        .run(move |conn| tokens::refresh_by_hash(conn, &lookup))
        .await?
    else {
        return Err(OAuthError::invalid_grant("the refresh token is invalid"));
    };
    Ok(row)
}

/// RFC 6749 §6: the scope asked for, which may narrow the granted scope but
/// never widen it; none asked for is the whole granted scope.
fn narrowed_scope(row: &tokens::RefreshRow, params: &Params) -> Result<ScopeSet, OAuthError> {
    let granted = ScopeSet::parse(&row.scope).unwrap_or_default();
    let scope = match params.get("scope") {
        None => granted.clone(),
        Some(raw) => {
            let asked = ScopeSet::parse(raw).map_err(|e| OAuthError::invalid_scope(e.0))?;
            // §6: a refresh may narrow the scope, never widen it.
            if !asked.is_subset(&granted) {
                return Err(OAuthError::invalid_scope("a refresh cannot widen the scope"));
            }
            asked
        }
    };
    Ok(scope)
}

/// Whether what the token stood for still holds: its sign-in has not ended,
/// its user is active and has not withdrawn consent (RFC 9700 §4.14.2).
async fn still_authorized(ctx: &Context, row: &tokens::RefreshRow) -> Result<(), OAuthError> {
    // Logout ends the session behind a token: its refresh tokens end with it.
    if let Some(sid) = row.session_id.clone() {
        if ctx
            .db
            .run(move |conn| storage::sessions::has_ended(conn, &sid))
            .await?
        {
            return Err(OAuthError::invalid_grant(
                "the sign-in behind this refresh token has ended",
            ));
        }
    }
    if let Some(user_id) = row.user_id.clone() {
        let (client_id, created_at) = (row.client_id.clone(), row.created_at);
        let (user, withdrawn) = ctx
            .db
            .run(move |conn| {
                let user = storage::users::by_id(conn, &user_id)?;
                let withdrawn = storage::consents::withdrawn_since(conn, &user_id, &client_id, created_at)?;
                Ok((user, withdrawn))
            })
            .await?;
        if user.is_none_or(|u| u.suspended) {
            return Err(OAuthError::invalid_grant(
                "the account behind this refresh token is not active",
            ));
        }
        // A refresh that raced the withdrawal and escaped its revocation.
        if withdrawn {
            return Err(OAuthError::invalid_grant(
                "the user withdrew their consent to this client",
            ));
        }
    }
    Ok(())
}

/// RFC 9700 §4.14.2: rotates the presented token into a new one of the same
/// family; a rotated-out token presented again, past the grace window or
/// once too often, revokes the whole family.
async fn rotate(
    ctx: &Context,
    client: &Client,
    row: &tokens::RefreshRow,
    hash: String,
    now: i64,
) -> Result<String, OAuthError> {
    let base = RefreshBase {
        client_id: &row.client_id,
        user_id: row.user_id.as_deref(),
        session_id: row.session_id.as_deref(),
        scope: &row.scope,
        audience: &row.audience,
        auth_time: row.auth_time,
        // The binding carries across rotation.
        dpop_jkt: row.dpop_jkt.as_deref(),
    };
    let (new_token, new_row) = new_refresh(ctx, Some(&row.family_id), Some(&row.token_hash), base);
    let grace = ctx.settings.refresh_grace_period;
    let family = row.family_id.clone();
    let (client_id, user_id) = (row.client_id.clone(), row.user_id.clone());
    let outcome = ctx
        .db
        .transaction(move |conn| {
            {
                tokens::lock_refresh(conn, &hash)?;
                if tokens::mark_rotated(conn, &hash, now)? {
                    tokens::insert_refresh(conn, &new_row)?;
                    return Ok(Outcome::Rotated(new_token));
                }
                // Already rotated (or revoked meanwhile).
                let current = tokens::refresh_by_hash(conn, &hash)?;
                match current {
                    Some(t)
                        if t.revoked_at.is_none()
                            && t.rotated_at.is_some_and(|r| now - r <= grace)
                            && tokens::successors(conn, &hash)? < 2 =>
                    {
                        // Two refreshes at once (two tabs): the second gets a
                        // sibling. Only one: a third use is reuse.
                        tokens::insert_refresh(conn, &new_row)?;
                        Ok(Outcome::Rotated(new_token))
                    }
                    _ => {
                        tokens::revoke_family(conn, &family, now)?;
                        let family_id = family.clone();
                        let reuse = Event::RefreshReuseDetected {
                            client_id,
                            user_id,
                            family_id,
                        };
                        audit::record_in(conn, &Actor::system(), reuse, now);
                        Ok(Outcome::Refused(
                            "the refresh token was already used; its grant has been revoked",
                        ))
                    }
                }
            }
        })
        .await?;
    let refresh = match outcome {
        Outcome::Rotated(token) => token,
        Outcome::Refused(why) => {
            tracing::warn!(client_id = %client.id, "refresh token reuse detected; family revoked");
            return Err(OAuthError::invalid_grant(why));
        }
    };
    Ok(refresh)
}

/// The response: a new access token for the same subject, and an id token
/// when `openid` is still in scope.
async fn respond(
    ctx: &Context,
    client: &Client,
    row: &tokens::RefreshRow,
    scope: &ScopeSet,
    refresh: String,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let sub = match row.user_id.as_deref() {
        Some(user_id) => subject::for_client(ctx, client, user_id).await?,
        None => row.client_id.clone(),
    };
    // The session as this client knows it (per sector for a pairwise one).
    let sid = row.session_id.as_deref().map(|p| subject::sid_for(client, p));
    // Roles are read afresh: a change shows in the next token.
    let dir = ctx.apis.get().await?;
    let roles = match row.user_id.as_deref() {
        Some(user_id) => user_roles(ctx, &dir, user_id, &row.audience).await?,
        None => dir.client_roles(&row.client_id, &row.audience),
    };
    let grant = Grant {
        sub: &sub,
        client_id: &client.id,
        scope,
        aud: &row.audience,
        sid: sid.as_deref(),
        roles: &roles,
        act: None,
        origin_jti: None,
    };
    let access = issue_bound(ctx, &grant, i64::MAX, jkt).await?;
    // Core §12.2: the same `sub` and `auth_time` as at first, no `nonce`.
    let id_token = if openid::is_openid(scope) && row.user_id.is_some() {
        let grant = IdTokenGrant {
            client,
            sub: &sub,
            auth_time: row.auth_time,
            nonce: None,
            sid: sid.as_deref(),
            access_token: Some(&access.token),
            profile: Default::default(),
        };
        Some(issue::issue(ctx, grant).await?)
    } else {
        None
    };
    Ok(TokenResponse::new(ctx, access, Some(refresh)).with_id_token(id_token))
}
