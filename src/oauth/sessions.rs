//! Browser login sessions (stateful, so logout and bans take effect at
//! once): starting one at sign-in, finding it from its cookie value, ending
//! it at logout together with the refresh tokens issued under it.
//!
//! A session has two identifiers. The cookie value is a bearer secret,
//! stored only as its SHA-256 and found by it. The public id is random and
//! independent of the cookie: it is the `sid` claim of the session's tokens
//! and the key by which everything else (refresh tokens, codes, other
//! services) names the session, so it can be shown without revealing or
//! standing in for the cookie.

use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::openid::backchannel;
use crate::oauth::{events, secrets, Context};
use crate::storage::{self, sessions::SessionRow, DbConnection, QueryError, StorageError};
use serde_json::json;
use subtle::ConstantTimeEq;

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session's public id: the `sid` of its tokens.
    pub public_id: String,
    /// The user's id.
    pub user_id: String,
    /// The user's login name.
    pub username: String,
    /// Whether the user administers the client registry.
    pub is_admin: bool,
    /// The CSRF token of this session's forms.
    pub csrf: String,
    /// When the user signed in.
    pub authenticated_at: i64,
}

impl Session {
    /// Whether a form's CSRF token is this session's (constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        self.csrf.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

/// Signs `user_id` in on a browser whose current session is `current`;
/// returns the new cookie value (the only copy).
///
/// The same user signing in again (`prompt=login`, or simply the sign-in
/// page) renews the session: a new cookie value, so the old one finds
/// nothing (no session fixation), a new CSRF secret and a new sign-in time,
/// but the same session and public id, so that the tokens every app holds
/// under it live on. Re-authentication asked for by one app must not sign
/// the user out of the others. A different user's session ends first, with
/// its refresh tokens: one session per browser.
pub async fn sign_in(
    ctx: &Context,
    current: Option<&Session>,
    user_id: &str,
) -> Result<String, StorageError> {
    sign_in_on(ctx, current, user_id, Device::default()).await
}

/// The browser a session is signed in from, as its user is shown it on
/// the account page: the User-Agent (at most [`Device::MAX_USER_AGENT`]
/// characters) and the address.
#[derive(Debug, Clone, Default)]
pub struct Device {
    user_agent: Option<String>,
    address: Option<String>,
}

impl Device {
    /// The longest User-Agent stored; a longer one is cut.
    pub const MAX_USER_AGENT: usize = 256;

    /// A browser that sent `user_agent` from `address` (either may be empty).
    pub fn new(user_agent: &str, address: &str) -> Device {
        let cut: String = user_agent
            .chars()
            .filter(|c| !c.is_control())
            .take(Device::MAX_USER_AGENT)
            .collect();
        let some = |v: String| Some(v).filter(|v| !v.is_empty());
        Device {
            user_agent: some(cut),
            address: some(address.chars().take(64).collect()),
        }
    }
}

/// How often a session's last use is written: at most once a minute, so a
/// page view does not cost a write.
const LAST_USE_EVERY: i64 = 60;

/// [`sign_in`] from `device`, which the session records.
pub async fn sign_in_on(
    ctx: &Context,
    current: Option<&Session>,
    user_id: &str,
    device: Device,
) -> Result<String, StorageError> {
    let value = secrets::random_secret();
    let now = ctx.clock.now();
    let fresh = SessionRow {
        id_hash: secrets::hash(&value),
        public_id: new_public_id(),
        user_id: user_id.to_string(),
        csrf_secret: secrets::random_secret(),
        authenticated_at: now,
        expires_at: now + ctx.settings.session_ttl,
        ended_at: None,
    };
    let current = current.map(|s| (s.public_id.clone(), s.user_id.clone()));
    let owed = ctx
        .db
        .transaction(move |conn| {
            if let Some((public_id, current_user)) = current {
                if current_user == fresh.user_id {
                    let renewal = storage::sessions::Renewal {
                        id_hash: &fresh.id_hash,
                        csrf_secret: &fresh.csrf_secret,
                        authenticated_at: now,
                        expires_at: fresh.expires_at,
                    };
                    if storage::sessions::renew(conn, &public_id, &fresh.user_id, &renewal)? {
                        renewed_in(conn, &public_id, now)?;
                        record_device(conn, &public_id, &device, now)?;
                        return Ok(0);
                    }
                    // Ended or lapsed meanwhile: a new session, below.
                    started_in(conn, &fresh, now)?;
                    record_device(conn, &fresh.public_id, &device, now)?;
                    return Ok(0);
                }
                storage::sessions::end(conn, &public_id, now)?;
                storage::tokens::revoke_for_session(conn, &public_id, now)?;
                let owed = ended_in(conn, &public_id, &current_user, EndReason::Replaced, now)?;
                started_in(conn, &fresh, now)?;
                record_device(conn, &fresh.public_id, &device, now)?;
                return Ok(owed);
            }
            started_in(conn, &fresh, now)?;
            record_device(conn, &fresh.public_id, &device, now)?;
            Ok(0)
        })
        .await?;
    wake_if(ctx, owed);
    Ok(value)
}

/// Starts a new session for `user_id` (after sign-up); returns the cookie
/// value (the only copy).
pub async fn start(ctx: &Context, user_id: &str) -> Result<String, StorageError> {
    sign_in(ctx, None, user_id).await
}

/// [`start`] from `device`, which the session records.
pub async fn start_on(ctx: &Context, user_id: &str, device: Device) -> Result<String, StorageError> {
    sign_in_on(ctx, None, user_id, device).await
}

fn record_device(
    conn: &mut DbConnection,
    public_id: &str,
    device: &Device,
    now: i64,
) -> Result<(), QueryError> {
    storage::sessions::record_device(
        conn,
        public_id,
        device.user_agent.as_deref(),
        device.address.as_deref(),
        now,
    )
}

/// A new public id: 128 random bits, unrelated to any cookie value.
fn new_public_id() -> String {
    secrets::random_token(16)
}

/// The live session a cookie value names, if its user is still active.
pub async fn find(ctx: &Context, cookie_value: &str) -> Result<Option<Session>, StorageError> {
    if cookie_value.len() > 128 {
        return Ok(None);
    }
    let id_hash = secrets::hash(cookie_value);
    let now = ctx.clock.now();
    ctx.db
        .run(move |conn| {
            let Some((row, last_used)) =
                storage::sessions::live_by_cookie_hash_with_use(conn, &id_hash, now)?
            else {
                return Ok(None);
            };
            if last_used.is_none_or(|at| at <= now - LAST_USE_EVERY) {
                storage::sessions::touch(conn, &row.public_id, now, LAST_USE_EVERY)?;
            }
            let Some(user) = storage::users::by_id(conn, &row.user_id)? else {
                return Ok(None);
            };
            if user.suspended {
                return Ok(None);
            }
            Ok(Some(Session {
                public_id: row.public_id,
                user_id: row.user_id,
                username: user.username,
                is_admin: user.is_admin,
                csrf: row.csrf_secret,
                authenticated_at: row.authenticated_at,
            }))
        })
        .await
}

/// Wakes the back-channel logout task when a transaction owed notices.
pub(crate) fn wake_if(ctx: &Context, owed: usize) {
    if owed > 0 {
        ctx.logout_wake.notify_one();
    }
}

/// Ends a session and revokes the refresh tokens issued under it; its
/// access tokens (which carry its `sid`) introspect inactive from now on,
/// and the clients that took part in it are owed a back-channel logout
/// notice, written in the same transaction.
pub async fn end(ctx: &Context, session: &Session, reason: EndReason) -> Result<(), StorageError> {
    let (public_id, user_id) = (session.public_id.clone(), session.user_id.clone());
    let now = ctx.clock.now();
    let owed = ctx
        .db
        .transaction(move |conn| {
            if !storage::sessions::end(conn, &public_id, now)? {
                // Ended meanwhile (another tab, a ban): already told.
                return Ok(0);
            }
            storage::tokens::revoke_for_session(conn, &public_id, now)?;
            let owed = ended_in(conn, &public_id, &user_id, reason, now)?;
            let actor = Actor::user(&user_id);
            audit::record_in(
                conn,
                &actor,
                Event::LoggedOut {
                    user_id,
                    session_id: public_id,
                },
                now,
            );
            Ok(owed)
        })
        .await?;
    wake_if(ctx, owed);
    Ok(())
}

/// The applications a user has allowed: (client id, name, scope), as the
/// account page lists them.
pub async fn approved_apps(
    ctx: &Context,
    user_id: &str,
) -> Result<Vec<(String, String, String)>, StorageError> {
    let user_id = user_id.to_string();
    let consents = ctx
        .db
        .run(move |conn| storage::consents::for_user(conn, &user_id))
        .await?;
    Ok(consents
        .into_iter()
        .map(|(client_id, name, scope, _)| (client_id, name, scope))
        .collect())
}

/// Withdraws a user's consent to a client, as logout does for a session:
/// the refresh tokens that client holds for the user are revoked, and the
/// withdrawal is recorded, so that the access tokens (which are not stored)
/// and codes issued to the client for the user until now are dead at every
/// later check (`storage::consents::withdrawn_since`). That client, and
/// no other, is owed a back-channel logout notice for each session of the
/// user it took part in.
pub async fn withdraw_consent(ctx: &Context, user_id: &str, client_id: &str) -> Result<bool, StorageError> {
    withdraw_consent_as(ctx, &Actor::user(user_id), user_id, client_id).await
}

/// [`withdraw_consent`] done by `actor` (an administrator, on the user's page).
pub async fn withdraw_consent_as(
    ctx: &Context,
    actor: &Actor,
    user_id: &str,
    client_id: &str,
) -> Result<bool, StorageError> {
    let (user, client) = (user_id.to_string(), client_id.to_string());
    let actor = actor.clone();
    let now = ctx.clock.now();
    let (had, owed) = ctx
        .db
        .transaction(move |conn| {
            let had = storage::consents::withdraw(conn, &user, &client)?;
            if had {
                storage::consents::record_withdrawal(conn, &user, &client, now)?;
                let (user_id, client_id) = (user.clone(), client.clone());
                audit::record_in(conn, &actor, Event::ConsentWithdrawn { user_id, client_id }, now);
            }
            storage::tokens::revoke_for_user_client(conn, &user, &client, now)?;
            let owed = backchannel::consent_withdrawn(conn, &user, &client, now)?;
            Ok((had, owed))
        })
        .await?;
    wake_if(ctx, owed);
    Ok(had)
}

/// Why a session ended: the `reason` of the `session.ended` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The user signed out at Tollgate.
    Logout,
    /// A relying party asked Tollgate to sign the user out (RP-initiated logout).
    RpLogout,
    /// A different user signed in on the same browser.
    Replaced,
    /// The user was suspended.
    UserSuspended,
    /// The user's password was changed.
    PasswordChanged,
    /// The user was deleted.
    UserDeleted,
    /// The session lapsed (its lifetime ran out).
    Expired,
    /// An administrator ended it on the user's page.
    EndedByAdministrator,
}

impl EndReason {
    /// The reason as events name it.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Logout => "logout",
            EndReason::RpLogout => "rp_logout",
            EndReason::Replaced => "replaced",
            EndReason::UserSuspended => "user_suspended",
            EndReason::PasswordChanged => "password_changed",
            EndReason::UserDeleted => "user_deleted",
            EndReason::Expired => "expired",
            EndReason::EndedByAdministrator => "administrator",
        }
    }
}

// What every session change owes the world outside the database, written in
// the transaction of the change: the shared session store is brought up to
// date (`storage::session_store_queue`) and other services are told
// (`events`). Every path that starts, renews or ends a session goes through
// one of these.

/// A session was stored: queued for the session store, `session.created` owed.
pub(crate) fn started_in(conn: &mut DbConnection, row: &SessionRow, now: i64) -> Result<(), QueryError> {
    storage::sessions::insert(conn, row)?;
    storage::session_store_queue::enqueue(conn, &row.public_id, now)?;
    let username = storage::users::by_id(conn, &row.user_id)?.map(|u| u.username);
    events::emit_in(
        conn,
        "session.created",
        Some(&row.user_id),
        json!({
            "sid": row.public_id,
            "username": username,
            "auth_time": row.authenticated_at,
            "expires_at": row.expires_at,
            "amr": ["pwd"],
        }),
        now,
    )
}

/// A live session was renewed by a new sign-in: queued for the session store.
pub(crate) fn renewed_in(conn: &mut DbConnection, public_id: &str, now: i64) -> Result<(), QueryError> {
    storage::session_store_queue::enqueue(conn, public_id, now)
}

/// The session `sid` of `user_id` ended (the caller ended it in this
/// transaction): queued for the session store (which deletes it),
/// `session.ended` owed, and its clients owed back-channel logout notices.
/// Returns how many notices were written.
pub(crate) fn ended_in(
    conn: &mut DbConnection,
    sid: &str,
    user_id: &str,
    reason: EndReason,
    now: i64,
) -> Result<usize, QueryError> {
    announce_end(conn, sid, user_id, reason, now)?;
    record_end(conn, sid, user_id, now)?;
    backchannel::session_ended(conn, sid, user_id, now)
}

/// The session `sid` has `ended_at` set now: the tokens issued under it are
/// dead (`storage::sessions::has_ended`), and the gateway's revocation view
/// learns it from this entry. Only for sessions really ended: one that
/// merely lapsed is not, and its tokens live on.
fn record_end(conn: &mut DbConnection, sid: &str, user_id: &str, now: i64) -> Result<(), QueryError> {
    storage::revocations::record(conn, storage::revocations::Kind::Session, sid, user_id, now).map(|_| ())
}

fn announce_end(
    conn: &mut DbConnection,
    sid: &str,
    user_id: &str,
    reason: EndReason,
    now: i64,
) -> Result<(), QueryError> {
    storage::session_store_queue::enqueue(conn, sid, now)?;
    // Its end is told now: the sweep must not tell it again as a lapse.
    storage::sessions::take_lapse_announcement(conn, sid)?;
    events::emit_in(
        conn,
        "session.ended",
        Some(user_id),
        json!({"sid": sid, "reason": reason.as_str()}),
        now,
    )
}

/// Ends every session of `user_id` in the caller's transaction (a ban, a
/// password change, the user's deletion): each live one is announced as
/// [`ended_in`] does, every one ended (lapsed ones too: their tokens die
/// with the ban) is recorded for the gateway, and every session with
/// participants owes its notices. Returns how many notices were written.
pub(crate) fn end_all_for_user_in(
    conn: &mut DbConnection,
    user_id: &str,
    reason: EndReason,
    now: i64,
) -> Result<usize, QueryError> {
    let live = storage::sessions::live_ids_of(conn, user_id, now)?;
    let open = storage::sessions::open_ids_of(conn, user_id)?;
    storage::sessions::end_all_for_user(conn, user_id, now)?;
    for sid in &open {
        record_end(conn, sid, user_id, now)?;
    }
    for sid in &live {
        announce_end(conn, sid, user_id, reason, now)?;
    }
    backchannel::user_sessions_ended(conn, user_id, now)
}

/// Ends every session of `user_id` but `keep` (the one the user is using)
/// in the caller's transaction, each as [`end`] would (its refresh tokens
/// revoked, announced, its clients owed notices); lapsed ones are ended
/// and recorded like [`end_all_for_user_in`] does, their lapse announced
/// by the sweeper. Returns the live sessions it ended and how many notices
/// were written.
pub(crate) fn end_others_in(
    conn: &mut DbConnection,
    user_id: &str,
    keep: &str,
    reason: EndReason,
    now: i64,
) -> Result<(Vec<String>, usize), QueryError> {
    let live = storage::sessions::live_ids_of(conn, user_id, now)?;
    let open = storage::sessions::open_ids_of(conn, user_id)?;
    let (mut ended, mut owed) = (vec![], 0);
    for sid in open.iter().filter(|sid| *sid != keep) {
        if !storage::sessions::end_of_user(conn, sid, user_id, now)? {
            continue;
        }
        storage::tokens::revoke_for_session(conn, sid, now)?;
        if live.contains(sid) {
            owed += ended_in(conn, sid, user_id, reason, now)?;
            ended.push(sid.clone());
        } else {
            record_end(conn, sid, user_id, now)?;
        }
    }
    Ok((ended, owed))
}

/// The live sessions of `user_id`, as the account page lists them.
pub async fn list_of(
    ctx: &Context,
    user_id: &str,
) -> Result<Vec<storage::sessions::SessionListing>, StorageError> {
    let user_id = user_id.to_string();
    let now = ctx.clock.now();
    ctx.db
        .run(move |conn| storage::sessions::live_of_user(conn, &user_id, now))
        .await
}

/// Ends the session `public_id` if it is `user_id`'s (the account page's
/// "Sign out" beside a session), as [`end`] does; false if the user has no
/// such session open (another user's session is never touched).
pub async fn end_own(ctx: &Context, user_id: &str, public_id: &str) -> Result<bool, StorageError> {
    end_of_user(ctx, &Actor::user(user_id), user_id, public_id, EndReason::Logout).await
}

/// Ends the session `public_id` if it is a live session of `user_id`
/// (one conditional statement: another user's session is left alone), as
/// a logout does: its refresh tokens revoked, its end announced, its
/// clients owed notices, audited as `actor`'s. Whether it ended.
pub async fn end_of_user(
    ctx: &Context,
    actor: &Actor,
    user_id: &str,
    public_id: &str,
    reason: EndReason,
) -> Result<bool, StorageError> {
    let (public_id, user_id) = (public_id.to_string(), user_id.to_string());
    let (actor, now) = (actor.clone(), ctx.clock.now());
    let (ended, owed) = ctx
        .db
        .transaction(move |conn| {
            if !storage::sessions::end_of_user(conn, &public_id, &user_id, now)? {
                return Ok((false, 0));
            }
            storage::tokens::revoke_for_session(conn, &public_id, now)?;
            let owed = ended_in(conn, &public_id, &user_id, reason, now)?;
            let event = Event::LoggedOut {
                user_id,
                session_id: public_id,
            };
            audit::record_in(conn, &actor, event, now);
            Ok((true, owed))
        })
        .await?;
    wake_if(ctx, owed);
    Ok(ended)
}

/// Ends every session of `user_id` but `keep` ("Sign out everywhere
/// else"); returns how many live ones ended.
pub async fn end_others(ctx: &Context, user_id: &str, keep: &str) -> Result<usize, StorageError> {
    let (keep, user_id) = (keep.to_string(), user_id.to_string());
    let now = ctx.clock.now();
    let (ended, owed) = ctx
        .db
        .transaction(move |conn| {
            let (ended, owed) = end_others_in(conn, &user_id, &keep, EndReason::Logout, now)?;
            let actor = Actor::user(&user_id);
            for session_id in &ended {
                let event = Event::LoggedOut {
                    user_id: user_id.clone(),
                    session_id: session_id.clone(),
                };
                audit::record_in(conn, &actor, event, now);
            }
            Ok((ended.len(), owed))
        })
        .await?;
    wake_if(ctx, owed);
    Ok(ended)
}

/// Announces, once, that the session `sid` of `user_id` lapsed (its
/// lifetime ran out before anything ended it): queued for the session store
/// (which deletes it) and `session.ended` (reason `expired`) owed, in the
/// caller's transaction. False if it was announced already.
pub(crate) fn lapsed_in(
    conn: &mut DbConnection,
    sid: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, QueryError> {
    if !storage::sessions::take_lapse_announcement(conn, sid)? {
        return Ok(false);
    }
    announce_end(conn, sid, user_id, EndReason::Expired, now)?;
    Ok(true)
}
