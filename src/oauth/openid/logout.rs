//! RP-Initiated Logout 1.0: what a relying party's request to end the
//! user's session asks for, checked. The pages are in `web::logout`; the
//! session ends through `sessions::end`, like any logout.

use crate::oauth::clients::Client;
use crate::oauth::form::Params;
use crate::oauth::openid::{id_token, subject};
use crate::oauth::sessions::Session;
use crate::oauth::Context;
use crate::storage::StorageError;
use std::sync::Arc;

/// Longest `state` echoed back (it travels in a URL).
const MAX_STATE_LEN: usize = 1000;

/// A logout request that passed every check.
#[derive(Debug, Default)]
pub struct LogoutRequest {
    /// The relying party, named by `client_id` or by the hint's `aud`.
    pub client: Option<Arc<Client>>,
    /// Where to send the user once signed out: a post-logout redirect URI
    /// the client registered, exactly, with `state` added.
    pub redirect: Option<url::Url>,
    /// The hint's `sub` and `sid` as the user and session they name, if a
    /// hint was given.
    pub hint: Option<Hinted>,
    /// Whether the user may be sent to `redirect` at once. §3: not without
    /// an `id_token_hint` unless the OP has other means to trust the target
    /// — here, an administrator verified the client. Otherwise the
    /// signed-out page links to it: anyone who registers a client could
    /// else send people from a Tollgate page to any address (as
    /// `/oauth2/authorize` does for unverified clients, RFC 9700 §4.11.2).
    pub may_redirect: bool,
}

/// Who the `id_token_hint` names.
#[derive(Debug)]
pub struct Hinted {
    /// The user's id, if the subject is known.
    pub user_id: Option<String>,
    /// The session the id token was issued in, as the client knows it.
    pub sid: Option<String>,
    /// The client the hint was issued to (its `sid` may be its sector's).
    pub client: Arc<Client>,
}

impl Hinted {
    /// Whether the hint names `session` and its user: only then may the
    /// page say the application asks to end *this* session.
    pub fn names(&self, session: &Session) -> bool {
        self.user_id.as_deref() == Some(session.user_id.as_str())
            && self
                .sid
                .as_deref()
                .is_none_or(|sid| sid == subject::sid_for(&self.client, &session.public_id))
    }
}

/// Why a logout request is refused.
#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    /// The request is wrong; nobody is signed out or redirected (a 400
    /// page says which way).
    #[error("{0:?}")]
    Invalid(Wrong),
    /// The database failed (the cause is logged where it happened).
    #[error("the database is unavailable")]
    Unavailable,
}

/// What is wrong with a logout request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrong {
    /// The `id_token_hint` is not an id token this server issued.
    HintNotOurs,
    /// The `id_token_hint` was issued to another client than `client_id`.
    HintOfAnotherClient,
    /// No such (unsuspended) client.
    NoSuchClient,
    /// `state` is too long.
    StateTooLong,
    /// The `post_logout_redirect_uri` is not registered for the client.
    RedirectUnregistered,
}

impl From<StorageError> for LogoutError {
    fn from(e: StorageError) -> Self {
        tracing::warn!(error = %e, "a logout request could not be checked");
        LogoutError::Unavailable
    }
}

/// Checks a logout request's parameters (RP-Initiated Logout 1.0 §2):
/// `id_token_hint` (this server's, expiry not checked; its `aud` must be
/// `client_id` when both are given), `client_id`, `post_logout_redirect_uri`
/// (one the client registered, compared exactly, §3.1), `state`;
/// `logout_hint` and `ui_locales` are accepted and not needed.
pub async fn check(ctx: &Context, params: &Params) -> Result<LogoutRequest, LogoutError> {
    let hint = match params.get("id_token_hint").filter(|h| !h.is_empty()) {
        None => None,
        Some(token) => Some(
            id_token::verify_hint(ctx, token)
                .await
                .ok_or(LogoutError::Invalid(Wrong::HintNotOurs))?,
        ),
    };
    let client_id = params.get("client_id").filter(|c| !c.is_empty());
    if let (Some(hint), Some(client_id)) = (&hint, client_id) {
        // §2: the hint was issued to the client that sends it.
        if hint.aud != client_id {
            return Err(LogoutError::Invalid(Wrong::HintOfAnotherClient));
        }
    }
    let client_id = client_id.or(hint.as_ref().map(|h| h.aud.as_str()));
    let client = match client_id {
        None => None,
        Some(id) => match ctx.clients.get(id).await {
            Ok(Some(c)) if !c.suspended => Some(c),
            Ok(_) => return Err(LogoutError::Invalid(Wrong::NoSuchClient)),
            // The cause was logged where the storage error became an OAuth error.
            Err(_) => return Err(LogoutError::Unavailable),
        },
    };
    let state = params.get("state");
    if state.is_some_and(|s| s.len() > MAX_STATE_LEN) {
        return Err(LogoutError::Invalid(Wrong::StateTooLong));
    }
    let redirect = match params.get("post_logout_redirect_uri").filter(|u| !u.is_empty()) {
        None => None,
        Some(uri) => {
            let refused = LogoutError::Invalid(Wrong::RedirectUnregistered);
            // §3: without the client known, the address cannot be checked.
            let Some(client) = &client else {
                return Err(refused);
            };
            let registered = client
                .openid
                .post_logout_redirect_uris
                .split_whitespace()
                .any(|r| r == uri);
            let mut url = match url::Url::parse(uri) {
                Ok(url) if registered => url,
                _ => return Err(refused),
            };
            if let Some(state) = state {
                url.query_pairs_mut().append_pair("state", state);
            }
            Some(url)
        }
    };
    let may_redirect = hint.is_some() || client.as_ref().is_some_and(|c| c.verified);
    let hint = match (hint, &client) {
        (Some(claims), Some(client)) => Some(Hinted {
            user_id: subject::user_of(ctx, client, &claims.sub).await?,
            sid: claims.sid,
            client: client.clone(),
        }),
        _ => None,
    };
    Ok(LogoutRequest {
        client,
        redirect,
        hint,
        may_redirect,
    })
}
