//! Forward authentication for the gateway in front of the services (nginx
//! `auth_request`, Traefik `ForwardAuth`): the gateway asks
//! `/gateway/check` about every request, with the client's
//! `Authorization` header and the route's requirements in the query
//! ([`requirements`]); the check answers 200 with the identity headers and
//! an internal token ([`internal`]), 401 or 403 with an RFC 6750 challenge.
//!
//! For a JWT the check reads no database per request (an opaque token
//! costs one look-up by its hash: [`crate::oauth::opaque`]): the JWT is
//! verified with the key ring's cached keys, the client comes from the client cache, and what
//! can kill a valid-looking token comes from the in-memory revocation view
//! ([`view`]), which applies the liveness rule that introspection applies.

pub mod internal;
pub mod requirements;
pub mod view;

use crate::oauth::error::OAuthError;
use crate::oauth::liveness::{self, Resolved, SubjectCache, Verdict};
use crate::oauth::Context;
use requirements::{Requirements, Unmet};
use std::sync::Arc;

/// The longest token the check looks at; longer ones are refused unread.
pub const MAX_TOKEN: usize = 8192;

/// What the gateway is told to pass on (each an `X-Auth-*` header).
#[derive(Debug, Clone)]
pub struct Identity {
    /// `sub` as issued.
    pub subject: String,
    /// The client the token was issued to.
    pub client_id: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// Roles for the token's audience, space-separated.
    pub roles: String,
    /// The session behind the token, if any.
    pub session: Option<String>,
    /// The internal token for the service.
    pub token: String,
}

/// Why the check refused.
#[derive(Debug)]
pub enum Refusal {
    /// No bearer token: 401 with a bare challenge (RFC 6750 §3.1).
    Missing,
    /// Malformed, not ours, expired or dead: 401 `invalid_token`.
    InvalidToken(&'static str),
    /// A DPoP-bound token (RFC 9449): the check does not verify proofs,
    /// and never takes such a token as a bearer token; 401 `invalid_token`
    /// with a `DPoP` challenge.
    DpopBound,
    /// Live, but not what the route requires: 403 `insufficient_scope`,
    /// with the scopes the route needs.
    Insufficient(Unmet, String),
    /// The view is stale: 503, nothing let through.
    Unavailable,
    /// Our side failed.
    Server(OAuthError),
}

impl From<OAuthError> for Refusal {
    fn from(e: OAuthError) -> Self {
        Refusal::Server(e)
    }
}

/// The check's state: the revocation view and what it remembers.
pub struct Gateway {
    /// What can kill a token.
    pub view: Arc<view::View>,
    subjects: SubjectCache,
    internal: internal::InternalTokens,
    /// Seconds an internal token lives at most.
    internal_ttl: i64,
}

impl Gateway {
    /// A gateway over `view`, making internal tokens of `internal_ttl` seconds.
    pub fn new(view: Arc<view::View>, internal_ttl: i64) -> Gateway {
        Gateway {
            view,
            subjects: SubjectCache::default(),
            internal: internal::InternalTokens::default(),
            internal_ttl,
        }
    }

    /// Checks the bearer token `token` (`None`: none was sent) against the
    /// route's requirements.
    pub async fn check(
        &self,
        ctx: &Context,
        token: Option<&str>,
        required: &Requirements,
    ) -> Result<Identity, Refusal> {
        let Some(token) = token else {
            return Err(Refusal::Missing);
        };
        if token.len() > MAX_TOKEN {
            return Err(Refusal::InvalidToken("the access token is too long"));
        }
        if !self.view.is_fresh() {
            return Err(Refusal::Unavailable);
        }
        let Resolved {
            claims,
            client,
            user_id,
        } = match liveness::resolve(ctx, token, Some(&self.subjects)).await? {
            Ok(resolved) => resolved,
            Err(Verdict::NotOurs) => return Err(Refusal::InvalidToken("the access token is not valid")),
            Err(_) => return Err(Refusal::InvalidToken("the access token is no longer active")),
        };
        // RFC 9449 §7.2: a bound token is no bearer token. Its services
        // check the proof themselves (tollgate-verify), not through here.
        if claims.jkt().is_some() {
            return Err(Refusal::DpopBound);
        }
        let dead = match liveness::is_dead(&mut self.view.records(), &claims, &client, user_id.as_deref()) {
            Ok(dead) => dead,
            Err(never) => match never {},
        };
        if dead {
            return Err(Refusal::InvalidToken("the access token is no longer active"));
        }
        required
            .check(&claims)
            .map_err(|unmet| Refusal::Insufficient(unmet, required.scope_attribute()))?;
        let audience = required.audience.as_deref().unwrap_or(&claims.aud);
        let token = self
            .internal
            .for_token(ctx, &claims, audience, self.internal_ttl)
            .await?;
        Ok(Identity {
            subject: claims.sub,
            client_id: claims.client_id,
            scope: claims.scope,
            roles: claims.roles.join(" "),
            session: claims.sid,
            token,
        })
    }
}
