//! Pushed authorization requests (RFC 9126): a client posts its
//! authorization request to the back channel, authenticated, and sends the
//! browser to the authorization endpoint with only `client_id` and the
//! `request_uri` it got back.
//!
//! A pushed request goes through the same [`validate`](super::validate) as
//! one sent by value, so it is refused at push time with the errors the
//! authorization endpoint would give. It is stored under the hash of its
//! `request_uri`, bound to its client, for `par_ttl` seconds. The
//! authorization endpoint may read it more than once — the sign-in page and
//! the consent form are round trips back to it, and RFC 9126 §4 lets a
//! request live until its flow completes — but answering it (a code, the
//! implicit flow's tokens, or the user's refusal) takes it out of use in
//! one statement, so it never yields two answers.
//!
//! This is not OpenID Connect's `request_uri` (Core §6.2, a request object
//! fetched by reference), which Tollgate does not support.

use super::{validate, AuthorizationRequest, Problem, Refusal, Untrusted};
use crate::oauth::clients::Client;
use crate::oauth::error::{ErrorCode, OAuthError};
use crate::oauth::form::Params;
use crate::oauth::{secrets, Context};
use crate::storage::pushed_requests::{self, PushedRow};

/// What every `request_uri` Tollgate hands out starts with (RFC 9126 §2.2).
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// Parameters of a push that are the client's credentials, not its request:
/// never stored.
const CREDENTIALS: [&str; 3] = ["client_secret", "client_assertion", "client_assertion_type"];

/// A stored pushed request: what the client is told (RFC 9126 §2.2).
#[derive(Debug, serde::Serialize)]
pub struct Pushed {
    /// The reference to send to the authorization endpoint.
    pub request_uri: String,
    /// Seconds it stays usable.
    pub expires_in: i64,
}

/// Checks and stores the authorization request `params` that the
/// authenticated `client` pushed (RFC 9126 §2).
pub async fn push(ctx: &Context, client: &Client, params: &Params) -> Result<Pushed, OAuthError> {
    // RFC 9126 §2.1: a pushed request cannot itself point elsewhere.
    if params.get("request_uri").is_some() {
        return Err(OAuthError::invalid_request(
            "request_uri cannot be pushed (RFC 9126 §2.1)",
        ));
    }
    if params.get("client_id").is_some_and(|id| id != client.id) {
        return Err(OAuthError::invalid_request(
            "client_id is not the authenticated client",
        ));
    }
    let mut pairs: Vec<(String, String)> = params
        .pairs()
        .into_iter()
        .filter(|(name, _)| name != "client_id" && !CREDENTIALS.contains(&name.as_str()))
        .collect();
    pairs.push(("client_id".into(), client.id.clone()));
    let request = Params::from_pairs(&pairs).map_err(OAuthError::invalid_request)?;
    validate(ctx, &request).await.map_err(as_oauth_error)?;
    let request_uri = format!("{REQUEST_URI_PREFIX}{}", secrets::random_secret());
    let now = ctx.clock.now();
    let row = PushedRow {
        request_uri_hash: secrets::hash(&request_uri),
        client_id: client.id.clone(),
        parameters: serde_json::to_string(&pairs).map_err(|e| {
            tracing::error!(error = %e, "a pushed request could not be serialised");
            OAuthError::server_error()
        })?,
        expires_at: now + ctx.settings.par_ttl,
    };
    ctx.db
        .run(move |conn| pushed_requests::insert(conn, &row))
        .await?;
    Ok(Pushed {
        request_uri,
        expires_in: ctx.settings.par_ttl,
    })
}

/// RFC 9126 §2.3: the authorization endpoint's errors, as the push
/// endpoint's JSON. A request the authorization endpoint would show an
/// error page for is `invalid_request`; codes the token endpoint has no
/// name for (`unsupported_response_type`, `request_not_supported`) are too,
/// their description saying which.
fn as_oauth_error(problem: Problem) -> OAuthError {
    const CODES: [ErrorCode; 5] = [
        ErrorCode::InvalidRequest,
        ErrorCode::UnauthorizedClient,
        ErrorCode::InvalidScope,
        ErrorCode::InvalidTarget,
        ErrorCode::AccessDenied,
    ];
    match problem {
        Problem::Untrusted(why) => OAuthError::invalid_request(why.to_string()),
        Problem::Client(_, code, why) => match CODES.into_iter().find(|c| c.as_str() == code) {
            Some(c) => OAuthError::with_code(c, why),
            None => OAuthError::invalid_request(format!("{code}: {why}")),
        },
        Problem::Unavailable => crate::storage::StorageError::TimedOut.into(),
    }
}

/// With a `request_uri`, the pushed request it names (RFC 9126 §4): the
/// hash to take it out of use with, and its parameters. Every other
/// parameter of the authorization request is ignored, except the way back
/// from the sign-in page: a `max_age` there stands for the pushed `prompt`
/// and `max_age`, as it does for a request sent by value (the sign-in just
/// made satisfies them; otherwise `prompt=login` would ask forever).
pub(super) async fn resolve(ctx: &Context, params: &Params) -> Result<Option<(String, Params)>, Refusal> {
    // Any other `request_uri` is OpenID's request object by reference,
    // which validation refuses as `request_uri_not_supported`.
    let Some(request_uri) = params
        .get("request_uri")
        .filter(|uri| uri.starts_with(REQUEST_URI_PREFIX))
    else {
        return Ok(None);
    };
    let client_id = params
        .get("client_id")
        .ok_or(Refusal::Page(Untrusted::NoClient))?
        .to_string();
    let gone = || Refusal::Page(Untrusted::PushedGone);
    let hash = secrets::hash(request_uri);
    let (key, now) = (hash.clone(), ctx.clock.now());
    // A request pushed by another client is not found: RFC 9126 §4 binds it.
    let stored = ctx
        .db
        .run(move |conn| pushed_requests::find(conn, &key, &client_id, now))
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "a pushed request could not be read");
            Refusal::Unavailable
        })?
        .ok_or_else(gone)?;
    let mut pairs: Vec<(String, String)> = serde_json::from_str(&stored).map_err(|e| {
        tracing::error!(error = %e, "a stored pushed request is unreadable");
        gone()
    })?;
    if let Some(max_age) = params.get("max_age") {
        pairs.retain(|(name, _)| name != "prompt" && name != "max_age");
        pairs.push(("max_age".into(), max_age.to_string()));
    }
    let pushed = Params::from_pairs(&pairs).map_err(|_| gone())?;
    Ok(Some((hash, pushed)))
}

impl AuthorizationRequest {
    /// Takes this request's pushed `request_uri` out of use (RFC 9126 §4);
    /// `true` if it was this call that did (or the request was not pushed).
    pub(super) async fn take_pushed(&self, ctx: &Context) -> Result<bool, OAuthError> {
        let Some(hash) = self.pushed.clone() else {
            return Ok(true);
        };
        let now = ctx.clock.now();
        Ok(ctx
            .db
            .run(move |conn| pushed_requests::consume(conn, &hash, now))
            .await?)
    }

    /// Ends a pushed request the user refused (RFC 9126 §4: single use).
    pub async fn abandon(&self, ctx: &Context) {
        // A request already taken is as good as abandoned.
        let _ = self.take_pushed(ctx).await;
    }
}

/// An operator's decision that the client `id` must push every
/// authorization request (RFC 9126 §6), or need not; `false` if there is
/// no such client. Only this flag of its security settings changes.
pub async fn set_required(
    db: &crate::storage::Database,
    actor: &crate::oauth::audit::Actor,
    id: &str,
    required: bool,
    now: i64,
) -> Result<bool, crate::storage::StorageError> {
    use crate::oauth::audit::{self, Event};
    use crate::storage::{clients, notifications};
    let (id, actor) = (id.to_string(), actor.clone());
    db.transaction(move |conn| {
        if !clients::lock(conn, &id)? {
            return Ok(false);
        }
        let mut security = clients::security_of(conn, &id)?;
        security.require_pushed_authorization_requests = required;
        clients::set_security(conn, &id, &security)?;
        notifications::client_changed(conn, &id)?;
        let event = Event::ClientUpdated {
            client_id: id,
            trust_withdrawn: false,
        };
        audit::record_in(conn, &actor, event, now);
        Ok(true)
    })
    .await
}
