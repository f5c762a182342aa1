//! What the administrators' user pages read and do beyond what the command
//! line does: finding users, one user's details, their live sessions, and
//! ending one of those sessions. Suspension, unlocking and withdrawing a
//! consent are the same functions the command line and the account page
//! use (`accounts::set_suspended`, `throttle::unlock`,
//! `sessions::withdraw_consent_as`).

use super::UserSummary;
use crate::oauth::audit::Actor;
use crate::oauth::sessions::{self, EndReason};
use crate::oauth::Context;
use crate::storage::{self, StorageError};

/// Longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;

/// One page of users found.
#[derive(Debug, Clone)]
pub struct Found {
    /// The users of the page, by login name.
    pub users: Vec<UserSummary>,
    /// How many users match in all.
    pub total: i64,
}

/// The users whose login name or email address contains `needle` (any
/// case; empty: everyone): `per_page` of them, page `page` (from 1).
pub async fn find_users(
    ctx: &Context,
    needle: &str,
    per_page: i64,
    page: i64,
) -> Result<Found, StorageError> {
    let needle = needle.to_string();
    let offset = per_page.saturating_mul(page.saturating_sub(1));
    let (rows, total) = ctx
        .db
        .run(move |conn| storage::users::search(conn, &needle, per_page, offset))
        .await?;
    Ok(Found {
        users: rows.into_iter().map(UserSummary::of).collect(),
        total,
    })
}

/// A user as their administrators' page shows them (never the password hash).
#[derive(Debug, Clone)]
pub struct UserDetail {
    /// What the list shows.
    pub summary: UserSummary,
    /// When the account was created.
    pub created_at: i64,
    /// When the password was last set.
    pub password_changed_at: i64,
}

/// The user `id`, if there is one.
pub async fn user(ctx: &Context, id: &str) -> Result<Option<UserDetail>, StorageError> {
    let id = id.to_string();
    let row = ctx.db.run(move |conn| storage::users::by_id(conn, &id)).await?;
    Ok(row.map(|u| UserDetail {
        created_at: u.created_at,
        password_changed_at: u.password_changed_at,
        summary: UserSummary::of(u),
    }))
}

/// A live browser session, as an administrator sees it (never its cookie).
#[derive(Debug, Clone)]
pub struct SessionSummary {
    /// The session's public id (the `sid` of its tokens).
    pub public_id: String,
    /// When the user signed in.
    pub authenticated_at: i64,
    /// When it lapses.
    pub expires_at: i64,
}

/// The live sessions of `user_id`, newest first.
pub async fn live_sessions(ctx: &Context, user_id: &str) -> Result<Vec<SessionSummary>, StorageError> {
    let (user_id, now) = (user_id.to_string(), ctx.clock.now());
    let rows = ctx
        .db
        .run(move |conn| storage::sessions::live_rows_of_user(conn, &user_id, now))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionSummary {
            public_id: r.public_id,
            authenticated_at: r.authenticated_at,
            expires_at: r.expires_at,
        })
        .collect())
}

/// Ends the session `public_id` of `user_id` as logout does (its refresh
/// tokens revoked, its access tokens dead, its clients owed back-channel
/// logout notices), recorded as done by `actor`. Returns whether it was a
/// live session of that user.
pub async fn end_session(
    ctx: &Context,
    actor: &Actor,
    user_id: &str,
    public_id: &str,
) -> Result<bool, StorageError> {
    sessions::end_of_user(ctx, actor, user_id, public_id, EndReason::EndedByAdministrator).await
}
