//! Signing in with a password: the throttle, the password check, and what
//! a success or a failure leaves behind.

use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::throttle::{self, Subject};
use crate::oauth::{hasher, Context};
use crate::storage::{self, StorageError};
use crate::telemetry::Sampled;
use secrecy::SecretString;

/// Who is signing in: through the login page, or through a client (the
/// password grant). The throttle counts the address for the first, the
/// client for the second.
#[derive(Debug, Clone, Copy)]
pub enum Via<'a> {
    /// The login page.
    LoginPage,
    /// The password grant, through this client.
    Client(&'a str),
}

/// A user who proved their password (and is not suspended).
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user's id.
    pub id: String,
    /// The login name.
    pub username: String,
    /// Whether they administer this server.
    pub is_admin: bool,
}

/// How a sign-in ended.
#[derive(Debug)]
pub enum SignInOutcome {
    /// The password is right.
    SignedIn(SignedIn),
    /// Unknown user, wrong password or suspended account: one answer for all.
    Refused,
    /// Too many failures: try again in this many seconds.
    Throttled {
        /// Seconds.
        retry_after: i64,
    },
    /// Too many sign-ins are waiting for a password check: try again soon.
    Busy {
        /// Seconds.
        retry_after: u64,
    },
}

/// Signs `username` in with `password`, from `address`: the throttle (see
/// [`throttle`]), the per-account delay, the password check on the hashing
/// pool, and what a success or a failure leaves behind. An unknown user and
/// a wrong password take the same work and get the same answer.
pub async fn sign_in(
    ctx: &Context,
    username: &str,
    password: SecretString,
    via: Via<'_>,
    address: &str,
) -> Result<SignInOutcome, StorageError> {
    let outcome = attempt_sign_in(ctx, username, password, via, address).await;
    if let Ok(outcome) = &outcome {
        ctx.metrics.sign_in(outcome.name());
    }
    outcome
}

impl SignInOutcome {
    /// The outcome's name in metrics.
    pub fn name(&self) -> &'static str {
        match self {
            SignInOutcome::SignedIn(_) => "signed_in",
            SignInOutcome::Refused => "refused",
            SignInOutcome::Throttled { .. } => "throttled",
            SignInOutcome::Busy { .. } => "busy",
        }
    }
}

async fn attempt_sign_in(
    ctx: &Context,
    username: &str,
    password: SecretString,
    via: Via<'_>,
    address: &str,
) -> Result<SignInOutcome, StorageError> {
    let busy = || {
        // A flood is refused thousands of times a second: one line per 10 s.
        static SATURATED: Sampled = Sampled::new(std::time::Duration::from_secs(10));
        if let Some(refused) = SATURATED.tick() {
            tracing::warn!(
                refused,
                "password hashing is saturated: sign-ins answered 503 with Retry-After since the last report"
            );
        }
        SignInOutcome::Busy {
            retry_after: ctx.settings.password_queue_wait.max(1) as u64,
        }
    };
    let queue_key = throttle::address_key(address);
    if ctx.passwords.turns_away(&queue_key) {
        return Ok(busy());
    }
    let pair = Subject::pair(ctx, username, address);
    let wide = match via {
        Via::LoginPage => Subject::address(ctx, address),
        Via::Client(client_id) => Subject::client(ctx, client_id),
    };
    let account = Subject::account(username);
    // Counted before the password is checked: requests sent together cannot
    // all pass the limit while none of them has been counted yet.
    let counts = match throttle::reserve(ctx, &[pair.clone(), wide.clone(), account.clone()]).await? {
        Ok(counts) => counts,
        Err(wait) => {
            let user_id = account_id(ctx, username).await;
            let (client_id, via) = audit_via(via);
            let event = Event::LockedOut {
                user_id,
                client_id: client_id.clone(),
                via,
            };
            audit::record(
                &ctx.db,
                &attempt_actor(client_id, address),
                event,
                ctx.clock.now(),
            )
            .await;
            return Ok(SignInOutcome::Throttled { retry_after: wait });
        }
    };
    // The account is slowed, never refused: a guesser cannot lock its owner out.
    let earlier_failures = counts.last().copied().unwrap_or(1) - 1;
    let wait = throttle::delay(
        earlier_failures,
        ctx.settings.login_max_failures,
        ctx.settings.login_max_delay,
    );
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }

    let name = username.to_string();
    let user = ctx
        .db
        .run(move |conn| storage::users::by_username(conn, &name))
        .await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = match ctx.passwords.verify(&queue_key, password, stored).await {
        Ok(matches) => matches,
        Err(hasher::Busy) => {
            // Nothing was tried: the attempt is given back, except to the
            // address, whose budget counts floods too.
            let mut untried = vec![pair, account];
            if matches!(via, Via::Client(_)) {
                untried.push(wide);
            }
            throttle::release(ctx, untried).await;
            return Ok(busy());
        }
    };
    // A right password for a suspended account is not confirmed.
    let (client_id, audit_via) = audit_via(via);
    let known_id = user.as_ref().map(|u| u.id.clone());
    let Some(user) = user.filter(|u| matches && !u.suspended) else {
        // The account is named only if the name is an account's: a
        // password typed into the username field stays out of the trail.
        let user_id = known_id;
        let event = Event::SignInFailed {
            user_id,
            client_id: client_id.clone(),
            via: audit_via,
        };
        audit::record(
            &ctx.db,
            &attempt_actor(client_id, address),
            event,
            ctx.clock.now(),
        )
        .await;
        return Ok(SignInOutcome::Refused);
    };
    let (user_id, actor) = (user.id.clone(), Actor::user(&user.id).from_address(address));
    let event = Event::SignedIn {
        user_id,
        client_id,
        via: audit_via,
    };
    audit::record(&ctx.db, &actor, event, ctx.clock.now()).await;
    // A success does not refund the address: valid sign-ins can flood too.
    let released = match via {
        Via::Client(_) => vec![wide],
        Via::LoginPage => vec![],
    };
    throttle::succeeded(ctx, vec![account, pair], released).await;
    Ok(SignInOutcome::SignedIn(SignedIn {
        id: user.id,
        username: user.username,
        is_admin: user.is_admin,
    }))
}

/// How a sign-in came, for its audit event: the client, and the way.
fn audit_via(via: Via<'_>) -> (Option<String>, audit::Via) {
    match via {
        Via::LoginPage => (None, audit::Via::Page),
        Via::Client(id) => (Some(id.to_string()), audit::Via::PasswordGrant),
    }
}

/// Who attempts a sign-in not yet proved: someone at the sign-in page, or
/// a client (the password grant).
fn attempt_actor(client_id: Option<String>, address: &str) -> Actor {
    match client_id {
        Some(_) => Actor::client(),
        None => Actor::anonymous(),
    }
    .from_address(address)
}

/// The id of the account named `username`, if there is one (for audit
/// events only; a storage failure names none).
async fn account_id(ctx: &Context, username: &str) -> Option<String> {
    let name = username.to_string();
    let found = ctx
        .db
        .run(move |conn| storage::users::by_username(conn, &name))
        .await;
    found.ok().flatten().map(|u| u.id)
}
