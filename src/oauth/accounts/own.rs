//! What signed-in users do to their own account: prove their password
//! again (throttled like a sign-in), change it, delete the account.

use super::check_new_password;
use crate::domain::Invalid;
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::sessions::{self, EndReason, Session};
use crate::oauth::throttle::{self, Subject};
use crate::oauth::{hasher, Context};
use crate::storage::{self, StorageError};
use secrecy::SecretString;

/// How proving the current password again ended.
#[derive(Debug)]
pub enum Proof {
    /// The password is right.
    Proved,
    /// The password is wrong.
    Wrong,
    /// Too many wrong passwords: try again in this many seconds.
    Throttled {
        /// Seconds.
        retry_after: i64,
    },
    /// Too many passwords are waiting to be checked: try again soon.
    Busy {
        /// Seconds.
        retry_after: u64,
    },
}

/// Checks the password of the signed-in user `session` before a change
/// that needs it (a new password, the account's deletion). Wrong passwords
/// count like failed sign-ins of that account from `address` (see
/// [`throttle`]): whoever holds a stolen session cookie cannot guess the
/// password here faster than on the sign-in page. A wrong one is recorded
/// as a failed sign-in.
pub async fn prove_password(
    ctx: &Context,
    session: &Session,
    password: SecretString,
    address: &str,
) -> Result<Proof, StorageError> {
    let busy = || Proof::Busy {
        retry_after: ctx.settings.password_queue_wait.max(1) as u64,
    };
    let queue_key = throttle::address_key(address);
    if ctx.passwords.turns_away(&queue_key) {
        return Ok(busy());
    }
    let username = session.username.as_str();
    let (pair, account) = (Subject::pair(ctx, username, address), Subject::account(username));
    let actor = Actor::user(&session.user_id).from_address(address);
    let failed = |locked: bool| {
        let user_id = Some(session.user_id.clone());
        let (client_id, via) = (None, audit::Via::Page);
        if locked {
            Event::LockedOut {
                user_id,
                client_id,
                via,
            }
        } else {
            Event::SignInFailed {
                user_id,
                client_id,
                via,
            }
        }
    };
    let counts = match throttle::reserve(ctx, &[pair.clone(), account.clone()]).await? {
        Ok(counts) => counts,
        Err(wait) => {
            audit::record(&ctx.db, &actor, failed(true), ctx.clock.now()).await;
            return Ok(Proof::Throttled { retry_after: wait });
        }
    };
    let earlier_failures = counts.last().copied().unwrap_or(1) - 1;
    let wait = throttle::delay(
        earlier_failures,
        ctx.settings.login_max_failures,
        ctx.settings.login_max_delay,
    );
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    let user_id = session.user_id.clone();
    let stored = ctx
        .db
        .run(move |conn| storage::users::by_id(conn, &user_id))
        .await?
        .map(|u| u.password_hash);
    match ctx.passwords.verify(&queue_key, password, stored).await {
        Ok(true) => {
            throttle::succeeded(ctx, vec![account, pair], vec![]).await;
            Ok(Proof::Proved)
        }
        Ok(false) => {
            audit::record(&ctx.db, &actor, failed(false), ctx.clock.now()).await;
            Ok(Proof::Wrong)
        }
        Err(hasher::Busy) => {
            throttle::release(ctx, vec![pair, account]).await;
            Ok(busy())
        }
    }
}

/// Why a user's new password was not set.
#[derive(Debug, thiserror::Error)]
pub enum OwnPasswordError {
    /// The new password breaks the rules of sign-up.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// Too many passwords are being hashed: try again later.
    #[error(transparent)]
    Busy(#[from] hasher::Busy),
    /// Hashing failed (the cause is logged where it happened).
    #[error("cannot hash the password")]
    Hash,
    /// The account is gone (deleted meanwhile).
    #[error("the account no longer exists")]
    Gone,
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Sets the new password of the signed-in user `session` (who proved the
/// current one: [`prove_password`]), with the same rules as sign-up, and
/// records `password_changed_at` and the audit event as `tollgate user
/// passwd` does, in one transaction. With `sign_out_others`, every other
/// session of the user ends through the session funnel (its refresh
/// tokens revoked, its clients told), and so do the refresh tokens issued
/// outside any session (the password and device grants): whoever held the
/// old password keeps nothing it gave them. This session stays. Returns
/// how many other sessions ended.
pub async fn change_own_password(
    ctx: &Context,
    session: &Session,
    new_password: SecretString,
    sign_out_others: bool,
    address: &str,
) -> Result<usize, OwnPasswordError> {
    check_new_password(&new_password)?;
    let hash = ctx
        .passwords
        .hash(&throttle::address_key(address), new_password)
        .await?
        .ok_or(OwnPasswordError::Hash)?;
    let (user_id, keep) = (session.user_id.clone(), session.public_id.clone());
    let actor = Actor::user(&user_id).from_address(address);
    let now = ctx.clock.now();
    let committed = ctx
        .db
        .transaction(move |conn| {
            if !storage::users::set_password(conn, &user_id, &hash, now)? {
                return Ok(None);
            }
            let (mut ended, mut owed) = (vec![], 0);
            if sign_out_others {
                (ended, owed) =
                    sessions::end_others_in(conn, &user_id, &keep, EndReason::PasswordChanged, now)?;
                storage::sessions::revoke_tokens_outside(conn, &user_id, &keep, now)?;
            }
            let user_id = user_id.clone();
            audit::record_in(conn, &actor, Event::PasswordChanged { user_id }, now);
            Ok(Some((ended.len(), owed)))
        })
        .await?;
    let Some((ended, owed)) = committed else {
        return Err(OwnPasswordError::Gone);
    };
    sessions::wake_if(ctx, owed);
    password_changed(ctx, session).await;
    Ok(ended)
}

/// The password of `session`'s user has just changed (committed). The
/// "your password changed" email is the page handler's to send (email
/// sits above this module).
async fn password_changed(_ctx: &Context, session: &Session) {
    tracing::info!(user_id = %session.user_id, "password changed by its user");
}

/// Why an account was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteOwnError {
    /// The user owns registered applications (their names): other people
    /// may sign in through them, so they must be deleted or handed over first.
    #[error("the user owns registered applications")]
    OwnsApps(Vec<String>),
    /// The user is the last administrator: nobody could administer the
    /// server after them.
    #[error("the user is the last administrator")]
    LastAdmin,
    /// The account is gone already.
    #[error("the account no longer exists")]
    Gone,
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Deletes the account of the signed-in user `session` (who proved their
/// password: [`prove_password`]), in one transaction: every session ends
/// through the session funnel (clients told), the refresh tokens are
/// revoked, the user's row goes and with it (foreign keys) their
/// sessions, codes, refresh tokens and consents; the audit trail keeps its
/// rows with the user's id but without addresses or login names, and
/// gains `user.deleted`. Refused, with nothing changed, while the user
/// owns registered applications or is the last administrator.
pub async fn delete_own_account(
    ctx: &Context,
    session: &Session,
    address: &str,
) -> Result<(), DeleteOwnError> {
    let user_id = session.user_id.clone();
    let actor = Actor::user(&user_id).from_address(address);
    let now = ctx.clock.now();
    let outcome = ctx
        .db
        .transaction(move |conn| {
            let Some(user) = storage::users::by_id(conn, &user_id)? else {
                return Ok(Err(DeleteOwnError::Gone));
            };
            let apps = storage::clients::by_owner(conn, &user.id)?;
            if !apps.is_empty() {
                let names = apps.into_iter().map(|c| c.name).collect();
                return Ok(Err(DeleteOwnError::OwnsApps(names)));
            }
            // The administrators' rows are locked first: two administrators
            // deleting themselves at once cannot both see the other remain.
            if user.is_admin && storage::users::lock_and_count_admins(conn)? <= 1 {
                return Ok(Err(DeleteOwnError::LastAdmin));
            }
            let owed = sessions::end_all_for_user_in(conn, &user.id, EndReason::UserDeleted, now)?;
            storage::tokens::revoke_for_user(conn, &user.id, now)?;
            storage::users::delete(conn, &user.id)?;
            storage::revocations::record(conn, storage::revocations::Kind::UserDeleted, &user.id, "", now)?;
            let (user_id, username) = (user.id.clone(), user.username);
            audit::record_in(conn, &actor, Event::UserDeleted { user_id, username }, now);
            storage::audit::anonymise_user(conn, &user.id)?;
            Ok(Ok(owed))
        })
        .await?;
    let owed = outcome?;
    sessions::wake_if(ctx, owed);
    Ok(())
}
