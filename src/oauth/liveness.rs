//! Whether an access token is live: the one rule introspection (RFC 7662)
//! and the userinfo endpoint (OpenID Connect Core §5.3) both apply, so that
//! a token one of them refuses the other refuses too.
//!
//! A token is live when this server signed it and it has not expired
//! ([`tokens::verify_own`]), its `jti` was not revoked, its client exists
//! and is not suspended, its user (if it names one) exists and is not
//! suspended, the session it was issued under (`sid`) has not ended, and
//! the user has not withdrawn consent from its client since it was issued.
//! The rule is written once ([`is_dead`]) over [`Records`]: the database
//! answers them here, the gateway's in-memory revocation view answers them
//! for `/gateway/check`.

use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::openid::subject;
use crate::oauth::tokens::{self, AccessClaims};
use crate::oauth::Context;
use crate::storage::{self, tokens as stored, users::UserRow, DbConnection, QueryError};
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

/// What a liveness decision needs to know beyond the token itself: the
/// database ([`check`]) answers it exactly; the gateway's in-memory view
/// answers it from what it read last. Both apply [`is_dead`], so they agree
/// on what kills a token.
pub trait Records {
    /// Why an answer could not be had.
    type Error;
    /// Whether the token with this `jti` was revoked.
    fn jti_revoked(&mut self, jti: &str) -> Result<bool, Self::Error>;
    /// Whether the session that `client` was told is `sid` has ended (or is
    /// unknown); `user_id` is the token's user, if it names one.
    fn session_ended(
        &mut self,
        client: &Client,
        user_id: Option<&str>,
        sid: &str,
    ) -> Result<bool, Self::Error>;
    /// Whether the user is suspended or deleted.
    fn user_gone(&mut self, user_id: &str) -> Result<bool, Self::Error>;
    /// Whether the client was suspended since the client cache read it.
    fn client_suspended(&mut self, client_id: &str) -> Result<bool, Self::Error>;
    /// Whether the user withdrew consent from the client at or after `iat`.
    fn consent_withdrawn_since(
        &mut self,
        user_id: &str,
        client_id: &str,
        iat: i64,
    ) -> Result<bool, Self::Error>;
}

/// The one rule: whether a token with these claims, issued to `client`
/// (neither suspended nor deleted: the caller's client cache says so) for
/// `user_id` (`None`: a client-credentials token), is dead.
pub fn is_dead<R: Records>(
    records: &mut R,
    claims: &AccessClaims,
    client: &Client,
    user_id: Option<&str>,
) -> Result<bool, R::Error> {
    if records.jti_revoked(&claims.jti)? {
        return Ok(true);
    }
    // A derived token (the gateway's internal token, an exchanged one) dies
    // with the outside token it came from.
    if let Some(origin) = &claims.origin_jti {
        if records.jti_revoked(origin)? {
            return Ok(true);
        }
    }
    if records.client_suspended(&client.id)? {
        return Ok(true);
    }
    // Logout ends the session: its tokens go inactive with it.
    if let Some(sid) = &claims.sid {
        if records.session_ended(client, user_id, sid)? {
            return Ok(true);
        }
    }
    let Some(user_id) = user_id else {
        return Ok(false);
    };
    // A user's token dies with the user's ban or deletion, and with the
    // withdrawal of consent from its client.
    Ok(records.user_gone(user_id)? || records.consent_withdrawn_since(user_id, &client.id, claims.iat)?)
}

/// The first steps of every decision, before the records are asked: the
/// token's signature and expiry, its client (from the client cache), and
/// the user its `sub` stands for (a pairwise one remembered in `subjects`
/// when given: the mapping never changes). `Err(verdict)` when they settle it.
pub async fn resolve(
    ctx: &Context,
    token: &str,
    subjects: Option<&SubjectCache>,
) -> Result<Result<Resolved, Verdict>, OAuthError> {
    let Some(claims) = tokens::verify_own(ctx, token).await? else {
        return Ok(Err(Verdict::NotOurs));
    };
    let Some(client) = ctx.clients.get(&claims.client_id).await? else {
        return Ok(Err(Verdict::Dead));
    };
    if client.suspended {
        return Ok(Err(Verdict::Dead));
    }
    // A client-credentials token's `sub` is its client's id, which can
    // never be a user's (RFC 9700 §4.15). A user's `sub` is what the client
    // sees: for a pairwise client (Core §8) the stored pairwise subject,
    // mapped back to the user here; one that maps to no user is dead.
    let user_id = if claims.sub == claims.client_id {
        None
    } else if subject::pairwise_sector(&client).is_none() {
        Some(claims.sub.clone())
    } else if let Some(user_id) = subjects.and_then(|c| c.get(&client.id, &claims.sub)) {
        Some(user_id)
    } else {
        match subject::user_of(ctx, &client, &claims.sub).await? {
            Some(user_id) => {
                if let Some(cache) = subjects {
                    cache.put(&client.id, &claims.sub, &user_id);
                }
                Some(user_id)
            }
            None => return Ok(Err(Verdict::Dead)),
        }
    };
    Ok(Ok(Resolved {
        claims,
        client,
        user_id,
    }))
}

/// Pairwise subjects already mapped back to their users, by client and
/// subject. A mapping never changes; a deleted user's goes with the user,
/// and the user's deletion kills the token by itself.
#[derive(Default)]
pub struct SubjectCache(std::sync::Mutex<std::collections::HashMap<(String, String), String>>);

impl SubjectCache {
    /// The most mappings held; past it the cache starts over.
    const MOST: usize = 100_000;

    fn get(&self, client_id: &str, sub: &str) -> Option<String> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&(client_id.to_string(), sub.to_string())).cloned()
    }

    fn put(&self, client_id: &str, sub: &str, user_id: &str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MOST {
            map.clear();
        }
        map.insert((client_id.to_string(), sub.to_string()), user_id.to_string());
    }
}

/// A token whose signature, expiry and client are good.
pub struct Resolved {
    /// Its claims.
    pub claims: AccessClaims,
    /// Its client, neither suspended nor deleted.
    pub client: Arc<Client>,
    /// The user its `sub` stands for; `None` for a client's own token.
    pub user_id: Option<String>,
}

/// The database's answers: exact at the moment of asking.
struct Stored<'a> {
    conn: &'a mut DbConnection,
}

impl Records for Stored<'_> {
    type Error = QueryError;

    fn jti_revoked(&mut self, jti: &str) -> Result<bool, QueryError> {
        stored::is_jti_revoked(self.conn, jti)
    }

    fn session_ended(
        &mut self,
        client: &Client,
        user_id: Option<&str>,
        sid: &str,
    ) -> Result<bool, QueryError> {
        // A pairwise client's `sid` is its sector's; a session it names no
        // longer (purged) is over.
        let session = match user_id {
            Some(user_id) => subject::session_of(self.conn, client, user_id, sid)?,
            None => Some(sid.to_string()),
        };
        match session {
            Some(public_id) => storage::sessions::has_ended(self.conn, &public_id),
            None => Ok(true),
        }
    }

    fn user_gone(&mut self, user_id: &str) -> Result<bool, QueryError> {
        Ok(storage::users::by_id(self.conn, user_id)?.is_none_or(|u| u.suspended))
    }

    fn client_suspended(&mut self, _client_id: &str) -> Result<bool, QueryError> {
        // The client cache answered in `resolve` (pushed on PostgreSQL,
        // re-read within seconds otherwise): introspection keeps its one
        // read per answer.
        Ok(false)
    }

    fn consent_withdrawn_since(
        &mut self,
        user_id: &str,
        client_id: &str,
        iat: i64,
    ) -> Result<bool, QueryError> {
        storage::consents::withdrawn_since(self.conn, user_id, client_id, iat)
    }
}

/// Decides whether `token` is a live access token, asking the database.
pub async fn check(ctx: &Context, token: &str) -> Result<Verdict, OAuthError> {
    let Resolved {
        claims,
        client,
        user_id,
    } = match resolve(ctx, token, None).await? {
        Ok(resolved) => resolved,
        Err(verdict) => return Ok(verdict),
    };
    let (asked, asked_client) = (claims.clone(), client.clone());
    let found = ctx
        .db
        .run(move |conn| {
            if is_dead(&mut Stored { conn }, &asked, &asked_client, user_id.as_deref())? {
                return Ok(None);
            }
            match user_id {
                Some(user_id) => Ok(storage::users::by_id(conn, &user_id)?.map(Some)),
                None => Ok(Some(None)),
            }
        })
        .await?;
    Ok(match found {
        Some(user) => Verdict::Live(Box::new(LiveToken { claims, client, user })),
        None => Verdict::Dead,
    })
}
