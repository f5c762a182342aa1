//! Whether an access token is live: the one rule introspection (RFC 7662)
//! and the userinfo endpoint (OpenID Connect Core §5.3) both apply, so that
//! a token one of them refuses the other refuses too.
//!
//! A token is live when this server signed it and it has not expired
//! ([`tokens::verify_own`]), its `jti` was not revoked, its client exists
//! and is not suspended, its user (if it names one) exists and is not
//! suspended, the session it was issued under (`sid`) has not ended, and
//! the user has not withdrawn consent from its client since it was issued.

use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::openid::subject;
use crate::oauth::tokens::{self, AccessClaims};
use crate::oauth::Context;
use crate::storage::{self, tokens as stored, users::UserRow};
use std::sync::Arc;

/// What is known of a presented access token.
pub enum Verdict {
    /// Not an access token this server signed and that is unexpired: it may
    /// be something else (introspection then tries it as a refresh token).
    NotOurs,
    /// One of ours, but revoked or ended with its session, user, client or
    /// consent.
    Dead,
    /// Live.
    Live(Box<LiveToken>),
}

/// A live access token, with what it was issued to.
pub struct LiveToken {
    /// Its claims, as issued (`sub` as the client sees the user: pairwise
    /// for a pairwise client).
    pub claims: AccessClaims,
    /// The client it was issued to.
    pub client: Arc<Client>,
    /// The user it was issued for; `None` for a client-credentials token,
    /// which names its client and no user.
    pub user: Option<UserRow>,
}

/// Decides whether `token` is a live access token.
pub async fn check(ctx: &Context, token: &str) -> Result<Verdict, OAuthError> {
    let Some(claims) = tokens::verify_own(ctx, token).await else {
        return Ok(Verdict::NotOurs);
    };
    let Some(client) = ctx.clients.get(&claims.client_id).await? else {
        return Ok(Verdict::Dead);
    };
    if client.suspended {
        return Ok(Verdict::Dead);
    }
    // A client-credentials token's `sub` is its client's id, which can
    // never be a user's (RFC 9700 §4.15). A user's `sub` is what the client
    // sees: for a pairwise client (Core §8.1) the stored pairwise subject,
    // mapped back to the user here; one that maps to no user is dead.
    let user_id = if claims.sub == claims.client_id {
        None
    } else {
        match subject::user_of(ctx, &client, &claims.sub).await? {
            Some(user_id) => Some(user_id),
            None => return Ok(Verdict::Dead),
        }
    };
    let (jti, sid, client_id, iat) = (
        claims.jti.clone(),
        claims.sid.clone(),
        claims.client_id.clone(),
        claims.iat,
    );
    let session_client = client.clone();
    let session_user = user_id.clone();
    let found = ctx
        .db
        .run(move |conn| {
            if stored::is_jti_revoked(conn, &jti)? {
                return Ok(None);
            }
            // Logout ends the session: its tokens go inactive with it. A
            // pairwise client's `sid` is its sector's; a session it names
            // no longer (purged) is over.
            if let Some(sid) = &sid {
                let session = match &session_user {
                    Some(user_id) => subject::session_of(conn, &session_client, user_id, sid)?,
                    None => Some(sid.clone()),
                };
                match session {
                    Some(public_id) if !storage::sessions::has_ended(conn, &public_id)? => {}
                    _ => return Ok(None),
                }
            }
            let Some(user_id) = user_id else {
                return Ok(Some(None));
            };
            // A user's token dies with the user's ban or deletion.
            let Some(user) = storage::users::by_id(conn, &user_id)?.filter(|u| !u.suspended) else {
                return Ok(None);
            };
            // Withdrawing consent ends the client's tokens for the user.
            if storage::consents::withdrawn_since(conn, &user_id, &client_id, iat)? {
                return Ok(None);
            }
            Ok(Some(Some(user)))
        })
        .await?;
    Ok(match found {
        Some(user) => Verdict::Live(Box::new(LiveToken { claims, client, user })),
        None => Verdict::Dead,
    })
}
