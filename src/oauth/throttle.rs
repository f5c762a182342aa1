//! Throttling of repeated password failures, per account and per client
//! (the password grant) or per address (the login page).

use crate::oauth::Context;
use crate::storage::{self, throttle};

/// One throttled subject.
pub struct Subject {
    key: String,
    max_failures: i32,
}

impl Subject {
    /// An account, by login name.
    pub fn account(ctx: &Context, username: &str) -> Subject {
        Subject {
            key: format!("account:{username}"),
            max_failures: ctx.settings.login_max_failures,
        }
    }

    /// A client: many accounts tried through one client.
    pub fn client(ctx: &Context, client_id: &str) -> Subject {
        Subject {
            key: format!("client:{client_id}"),
            max_failures: ctx.settings.login_max_failures * 10,
        }
    }

    /// A remote address.
    pub fn address(ctx: &Context, address: &str) -> Subject {
        Subject {
            key: format!("address:{address}"),
            max_failures: ctx.settings.login_max_failures * 10,
        }
    }
}

/// Sign-ups and dynamic registrations from one address.
pub fn registrations(ctx: &Context, address: &str) -> Subject {
    Subject {
        key: format!("register:{address}"),
        max_failures: ctx.settings.registration_rate_limit,
    }
}

/// Counts one attempt against a rate-limited `subject`; `Some(seconds)` if
/// it is over its limit and must wait (the attempt then does not count).
pub async fn admit(ctx: &Context, subject: Subject) -> Result<Option<i64>, storage::StorageError> {
    if let Some(wait) = locked_for(ctx, std::slice::from_ref(&subject)).await? {
        return Ok(Some(wait));
    }
    record_failure(ctx, vec![subject]).await;
    Ok(None)
}

/// Seconds until the first of `subjects` that is locked may try again.
pub async fn locked_for(ctx: &Context, subjects: &[Subject]) -> Result<Option<i64>, storage::StorageError> {
    let keys: Vec<String> = subjects.iter().map(|s| s.key.clone()).collect();
    ctx.db
        .run(move |conn| {
            let now = storage::now();
            let mut worst = None;
            for key in &keys {
                if let Some(left) = throttle::locked_for(conn, key, now)? {
                    worst = Some(worst.map_or(left, |w: i64| w.max(left)));
                }
            }
            Ok(worst)
        })
        .await
}

/// Counts a failure against each subject. A failure to count is logged,
/// never turned into an error for the request.
pub async fn record_failure(ctx: &Context, subjects: Vec<Subject>) {
    let lockout = ctx.settings.login_lockout;
    let result = ctx
        .db
        .run(move |conn| {
            let now = storage::now();
            for s in &subjects {
                throttle::record_failure(conn, &s.key, now, s.max_failures, lockout)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not record a failed sign-in");
    }
}

/// Clears an account's failures after a successful sign-in.
pub async fn record_success(ctx: &Context, subject: Subject) {
    if let Err(e) = ctx.db.run(move |conn| throttle::clear(conn, &subject.key)).await {
        tracing::warn!(error = %e, "could not clear failed sign-ins");
    }
}
