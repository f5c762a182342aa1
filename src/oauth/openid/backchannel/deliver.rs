//! Sending the logout notices owed (Back-Channel Logout 1.0 §2.5), at
//! least once, from a background task of each running server.
//!
//! - **Prompt**: a logout in this process wakes the task at once; it also
//!   looks every [`POLL`] for notices written by another instance, the CLI,
//!   or a process that died before sending them.
//! - **Once per attempt across instances**: a due row is claimed with a
//!   conditional update that moves its `next_attempt_at` past the attempt's
//!   longest duration (a lease); whoever loses the update leaves it. If the
//!   claimant dies, the row is due again when the lease ends.
//! - **Bounded**: each attempt is one POST with a short timeout, no
//!   redirects followed, the response body never read. HTTP 200 or 204 is
//!   delivered (§2.8); anything else is retried after 1, 2, 4 … seconds (at
//!   most [`MAX_BACKOFF`]) until `backchannel_logout_max_attempts`, then
//!   abandoned. Each outcome is logged once.
//! - **No server-side request forgery**: the address the name resolves to
//!   is checked, and the connection made to that address: loopback,
//!   private and link-local addresses are refused unless the operator
//!   allows them (`backchannel_logout_private_addresses`, for development).

use super::{LOGOUT_EVENT, LOGOUT_TOKEN_TYP};
use crate::oauth::{outbound, secrets, Context};
use crate::storage::{self, logout_deliveries::DeliveryRow, StorageError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// How often the task looks for notices it was not woken for.
pub const POLL: Duration = Duration::from_secs(1);
/// Longest wait between two attempts, seconds.
pub const MAX_BACKOFF: i64 = 300;
/// Lifetime of a logout token, seconds (it is signed just before it is sent).
pub const LOGOUT_TOKEN_TTL: i64 = 120;
/// Notices read per look.
const BATCH: i64 = 32;
/// Notices being sent at once.
const CONCURRENCY: usize = 16;

/// The claims of a logout token (Back-Channel Logout 1.0 §2.4). Never a
/// `nonce`: a logout token must not be usable as an id token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogoutClaims {
    /// Issuer.
    pub iss: String,
    /// The client told.
    pub aud: String,
    /// Issue time.
    pub iat: i64,
    /// Expiry.
    pub exp: i64,
    /// Unique id, so the client can refuse a replay.
    pub jti: String,
    /// `{"http://schemas.openid.net/event/backchannel-logout": {}}`.
    pub events: serde_json::Value,
    /// The session that ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The user, as the client knows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

/// The sending task of a running server; dropping it stops it (a notice
/// in flight is sent again by whoever finds it due after its lease).
pub struct Deliverer(Option<tokio::task::JoinHandle<()>>);

impl Drop for Deliverer {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// Starts sending notices; outside a Tokio runtime nothing runs.
pub fn start(ctx: Arc<Context>) -> Deliverer {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no runtime to run back-channel logout on; notices wait for another instance");
        return Deliverer(None);
    };
    Deliverer(Some(runtime.spawn(run(ctx))))
}

async fn run(ctx: Arc<Context>) {
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    loop {
        let more = match round(&ctx, &permits).await {
            Ok(more) => more,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the back-channel logout notices owed; trying again");
                false
            }
        };
        if !more {
            tokio::select! {
                _ = ctx.logout_wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

/// One look: claims and starts the due notices; whether there may be more.
async fn round(ctx: &Arc<Context>, permits: &Arc<tokio::sync::Semaphore>) -> Result<bool, StorageError> {
    let now = ctx.clock.now();
    let due = ctx
        .db
        .run(move |conn| storage::logout_deliveries::due(conn, now, BATCH))
        .await?;
    let full = due.len() as i64 == BATCH;
    for row in due {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        // Longer than an attempt can take: resolution and the POST are
        // each bounded by the timeout.
        let lease_until = ctx.clock.now() + 2 * ctx.settings.backchannel_logout_timeout as i64 + 5;
        let claimed = {
            let row = row.clone();
            ctx.db
                .run(move |conn| storage::logout_deliveries::claim(conn, &row, lease_until))
                .await?
        };
        if !claimed {
            continue;
        }
        let ctx = ctx.clone();
        tokio::spawn(async move {
            attempt(&ctx, row).await;
            drop(permit);
        });
    }
    Ok(full)
}

/// The wait after the `attempts`-th failed attempt: 1, 2, 4 … seconds, at
/// most [`MAX_BACKOFF`].
pub fn backoff(attempts: i32) -> i64 {
    (1i64 << (attempts.clamp(1, 20) - 1)).min(MAX_BACKOFF)
}

async fn attempt(ctx: &Context, row: DeliveryRow) {
    let attempts = row.attempts + 1;
    let outcome = post(ctx, &row).await;
    let now = ctx.clock.now();
    let id = row.id.clone();
    let recorded = match outcome {
        Ok(status) => {
            tracing::info!(client_id = %row.client_id, sid = ?row.sid, attempts, status, "back-channel logout delivered");
            ctx.db
                .run(move |conn| storage::logout_deliveries::mark_delivered(conn, &id, attempts, now))
                .await
        }
        Err(error) if attempts >= ctx.settings.backchannel_logout_max_attempts => {
            tracing::warn!(client_id = %row.client_id, sid = ?row.sid, attempts, %error, "back-channel logout abandoned");
            ctx.db
                .run(move |conn| storage::logout_deliveries::abandon(conn, &id, attempts, now, &error))
                .await
        }
        Err(error) => {
            let retry_in = backoff(attempts);
            tracing::warn!(client_id = %row.client_id, sid = ?row.sid, attempts, retry_in, %error, "back-channel logout failed; will retry");
            ctx.db
                .run(move |conn| {
                    storage::logout_deliveries::reschedule(conn, &id, attempts, now + retry_in, &error)
                })
                .await
        }
    };
    if let Err(e) = recorded {
        // The lease runs out and the attempt is made again: at least once.
        tracing::warn!(client_id = %row.client_id, error = %e, "cannot record a back-channel logout attempt");
    }
}

/// Signs the logout token and posts it; the status on success.
async fn post(ctx: &Context, row: &DeliveryRow) -> Result<u16, String> {
    let url = url::Url::parse(&row.uri).map_err(|e| format!("not a URL: {e}"))?;
    let policy = outbound::Policy {
        private_addresses: ctx.settings.backchannel_logout_private_addresses,
        // The URI's scheme was checked when it was registered.
        http: outbound::HttpScheme::Allowed,
        timeout: Duration::from_secs(ctx.settings.backchannel_logout_timeout),
        // §2.5: the body of the answer is never read.
        max_bytes: 0,
    };
    // §2.5: the response is the acknowledgement; a redirect is not one.
    let http = outbound::client_for(&url, &policy).await.map_err(|e| {
        if e.0.starts_with("refused: the host") {
            format!("{e} (backchannel_logout_private_addresses allows them)")
        } else {
            e.0
        }
    })?;
    let key = ctx
        .keys
        .active()
        .await
        .map_err(|e| format!("no signing key: {e}"))?;
    let now = ctx.clock.now();
    let claims = LogoutClaims {
        iss: ctx.settings.issuer.clone(),
        aud: row.client_id.clone(),
        iat: now,
        exp: now + LOGOUT_TOKEN_TTL,
        jti: secrets::random_token(16),
        events: serde_json::json!({ LOGOUT_EVENT: {} }),
        sid: row.sid.clone(),
        sub: row.sub.clone(),
    };
    let token = key
        .sign_jwt(LOGOUT_TOKEN_TYP, &claims)
        .map_err(|e| format!("cannot sign: {e}"))?;
    let response = http
        .post(url)
        .form(&[("logout_token", token)])
        .send()
        .await
        .map_err(|e| outbound::describe(e).0)?;
    match response.status().as_u16() {
        status @ (200 | 204) => Ok(status),
        status => Err(format!("answered HTTP {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_up_to_the_cap() {
        assert_eq!((1..=5).map(backoff).collect::<Vec<_>>(), vec![1, 2, 4, 8, 16]);
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
