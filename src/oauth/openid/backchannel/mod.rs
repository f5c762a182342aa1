//! Back-Channel Logout 1.0: telling the clients that took part in a login
//! session that it ended.
//!
//! The notices are owed, not sent, by the code that ends a session: every
//! transaction that ends one (logout, RP-initiated logout, a different
//! user signing in on the browser, suspension, a password change, user
//! deletion, the sweeper noticing a lapsed session) calls [`session_ended`]
//! or [`user_sessions_ended`], and a consent withdrawal
//! [`consent_withdrawn`] for its one client. They write one
//! `logout_deliveries` row per participant client with a
//! `backchannel_logout_uri`, in that same transaction: the logout commits
//! with its notices or not at all, and neither waits for a client. The
//! background task in [`deliver`] then sends them at least once.
//!
//! A participant record (`session_clients`) is removed as its notice is
//! written, and only the transaction that removes it writes the notice:
//! two paths ending one session at once (a logout racing the sweeper)
//! owe each client one notice, not two.

pub mod deliver;

use crate::oauth::clients::Client;
use crate::oauth::openid::subject;
use crate::oauth::secrets;
use crate::storage::logout_deliveries::DeliveryRow;
use crate::storage::{self, DbConnection, QueryError};

/// The JWT `typ` of logout tokens (Back-Channel Logout 1.0 §2.4): a logout
/// token cannot be taken for an id token or an access token.
pub const LOGOUT_TOKEN_TYP: &str = "logout+jwt";

/// The event a logout token carries (Back-Channel Logout 1.0 §2.4).
pub const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// Owes every client that took part in the session `sid` of `user_id` a
/// logout notice; returns how many notices were written.
pub fn session_ended(
    conn: &mut DbConnection,
    sid: &str,
    user_id: &str,
    now: i64,
) -> Result<usize, QueryError> {
    let mut owed = 0;
    for client_id in storage::sessions::participants(conn, sid)? {
        owed += usize::from(notify_participant(conn, sid, user_id, &client_id, now)?);
    }
    Ok(owed)
}

/// [`session_ended`] for every session of `user_id` that still has
/// participants on record (a ban, a password change, the user's deletion).
pub fn user_sessions_ended(conn: &mut DbConnection, user_id: &str, now: i64) -> Result<usize, QueryError> {
    let mut owed = 0;
    for sid in storage::sessions::with_participants_of_user(conn, user_id)? {
        owed += session_ended(conn, &sid, user_id, now)?;
    }
    Ok(owed)
}

/// A user withdrew consent from `client_id`: that client, and no other,
/// is told of every session of the user it took part in.
pub fn consent_withdrawn(
    conn: &mut DbConnection,
    user_id: &str,
    client_id: &str,
    now: i64,
) -> Result<usize, QueryError> {
    let mut owed = 0;
    for sid in storage::sessions::with_participants_of_user(conn, user_id)? {
        owed += usize::from(notify_participant(conn, &sid, user_id, client_id, now)?);
    }
    Ok(owed)
}

/// Sessions that lapsed (past `expires_at`, never ended) are over for the
/// clients too: up to `limit` of them have their notices written, each in
/// a transaction of its own. Returns how many sessions were handled.
pub fn lapsed_sessions(conn: &mut DbConnection, now: i64, limit: i64) -> Result<usize, QueryError> {
    use diesel::Connection;
    let lapsed = storage::sessions::lapsed_with_participants(conn, now, limit)?;
    for (sid, user_id) in &lapsed {
        conn.transaction(|conn| session_ended(conn, sid, user_id, now))?;
    }
    Ok(lapsed.len())
}

/// Takes the participant record of `client_id` in `sid` and, if this
/// transaction took it and the client has a back-channel URI, writes its
/// notice, with the `sub` that client knows the user by.
fn notify_participant(
    conn: &mut DbConnection,
    sid: &str,
    user_id: &str,
    client_id: &str,
    now: i64,
) -> Result<bool, QueryError> {
    if !storage::sessions::take_participant(conn, sid, client_id)? {
        return Ok(false);
    }
    let Some(row) = storage::clients::by_id(conn, client_id)? else {
        return Ok(false);
    };
    let Some(uri) = row.openid.backchannel_logout_uri.clone() else {
        return Ok(false);
    };
    let client = Client::from_row(row);
    // OpenID Connect Core §8.1: a pairwise client knows the user only by
    // its sector's subject.
    let sub = match subject::pairwise_sector(&client) {
        Some(sector) => {
            let candidate = format!("pw_{}", secrets::random_token(16));
            storage::pairwise::get_or_insert(conn, &sector, user_id, &candidate)?
        }
        None => user_id.to_string(),
    };
    let sid = subject::sid_for(&client, sid);
    storage::logout_deliveries::insert(
        conn,
        &DeliveryRow {
            id: secrets::random_token(16),
            client_id: client.id,
            uri,
            sub: Some(sub),
            sid: Some(sid),
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            delivered_at: None,
            abandoned_at: None,
            last_error: None,
        },
    )?;
    Ok(true)
}
