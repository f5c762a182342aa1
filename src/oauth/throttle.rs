//! Throttling: of password attempts per account and per client (the
//! password grant) or per address (the login page), and of registrations
//! per address. Each attempt is counted before the work it guards.

use crate::oauth::Context;
use crate::storage::{self, throttle, StorageError};

/// One throttled subject.
pub struct Subject {
    key: String,
    max: i32,
}

impl Subject {
    /// An account, by login name.
    pub fn account(ctx: &Context, username: &str) -> Subject {
        Subject {
            key: format!("account:{username}"),
            max: ctx.settings.login_max_failures,
        }
    }

    /// A client: many accounts tried through one client.
    pub fn client(ctx: &Context, client_id: &str) -> Subject {
        Subject {
            key: format!("client:{client_id}"),
            max: ctx.settings.login_max_failures * 10,
        }
    }

    /// A remote address.
    pub fn address(ctx: &Context, address: &str) -> Subject {
        Subject {
            key: format!("address:{address}"),
            max: ctx.settings.login_max_failures * 10,
        }
    }
}

/// Sign-ups and dynamic registrations from one address.
pub fn registrations(ctx: &Context, address: &str) -> Subject {
    Subject {
        key: format!("register:{address}"),
        max: ctx.settings.registration_rate_limit,
    }
}

/// Counts an attempt against every subject; `Some(seconds)` if any of them
/// is over its limit, and the attempt must not go ahead.
pub async fn reserve(ctx: &Context, subjects: &[Subject]) -> Result<Option<i64>, StorageError> {
    let keys: Vec<(String, i32)> = subjects.iter().map(|s| (s.key.clone(), s.max)).collect();
    let lockout = ctx.settings.login_lockout;
    ctx.db
        .run(move |conn| {
            let now = storage::now();
            let mut wait: Option<i64> = None;
            for (key, max) in &keys {
                if let Some(w) = throttle::reserve(conn, key, now, *max, lockout)? {
                    wait = Some(wait.map_or(w, |x| x.max(w)));
                }
            }
            Ok(wait)
        })
        .await
}

/// Counts one attempt of a rate-limited kind (a registration).
pub async fn admit(ctx: &Context, subject: Subject) -> Result<Option<i64>, StorageError> {
    reserve(ctx, std::slice::from_ref(&subject)).await
}

/// After a successful sign-in: the account starts afresh, and the attempt
/// is given back to the other subjects. A failure here is only logged.
pub async fn succeeded(ctx: &Context, account: Subject, others: Vec<Subject>) {
    let result = ctx
        .db
        .run(move |conn| {
            throttle::clear(conn, &account.key)?;
            for s in &others {
                throttle::release(conn, &s.key)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not clear counted sign-in attempts");
    }
}
