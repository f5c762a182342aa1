//! Email: the mailer (SMTP through lettre, or the log in development), what
//! each email says, and the flows that send them — address verification,
//! password reset, and the notices after a password or address changed.
//!
//! Other code sends through the functions here, never the mailer directly:
//! they count the throttles, keep the tokens and fill in the links.

mod links;
mod mailer;
mod messages;
pub mod throttle;

pub use links::{check, reset, verify, Issue, Purpose, Recipient, Refusal, Valid};
pub use mailer::{Mail, Mailer, MailerError};
pub use messages::{compose, Facts, Kind};

use crate::oauth::Context;
use crate::storage::StorageError;
use throttle::Subject;

/// What a request for an email came to, as far as its page may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An email went out (or, in development, to the log).
    Sent,
    /// Too many this hour; seconds until another may go.
    Throttled(i64),
    /// Nothing to send (no address, verified already, suspended …).
    Nothing,
}

fn link(ctx: &Context, path: &str, token: &str) -> String {
    format!("{}{path}?token={token}", ctx.settings.issuer)
}

async fn issue_and_send(
    ctx: &Context,
    mailer: &Mailer,
    purpose: Purpose,
    recipient: Recipient,
    subjects: Vec<Subject>,
) -> Result<Outcome, StorageError> {
    let issued = match links::issue(ctx, purpose, recipient, subjects, mailer.rate_limit).await? {
        Issue::Send(issued) => issued,
        Issue::Throttled(wait) => return Ok(Outcome::Throttled(wait)),
        Issue::Nobody => return Ok(Outcome::Nothing),
    };
    let (kind, path) = match purpose {
        Purpose::Verify => (Kind::Verify, "/email/verify"),
        Purpose::Reset => (Kind::Reset, "/password/reset"),
    };
    let facts = Facts {
        username: issued.username,
        site: ctx.settings.issuer.clone(),
        link: link(ctx, path, &issued.token),
        address: String::new(),
    };
    send(mailer, kind, &issued.email, &facts);
    Ok(Outcome::Sent)
}

fn send(mailer: &Mailer, kind: Kind, to: &str, facts: &Facts) {
    match compose(kind, facts) {
        Ok(mail) => mailer.send(to, mail),
        Err(e) => tracing::error!(?kind, error = %e, "an email template failed to render"),
    }
}

/// Sends the user a link that verifies their stored address (at sign-up,
/// after a change, on request), unless it is verified already. Throttled
/// per account, per recipient and per client `address`.
pub async fn send_verification(
    ctx: &Context,
    mailer: &Mailer,
    user_id: &str,
    address: &str,
) -> Result<Outcome, StorageError> {
    let subjects = vec![Subject::address("verify", address)];
    issue_and_send(
        ctx,
        mailer,
        Purpose::Verify,
        Recipient::User(user_id.into()),
        subjects,
    )
    .await
}

/// Sends the user a password reset link at their stored address (verified
/// or not: an administrator's "force password reset" calls this). Nothing
/// for a suspended user. Throttled per account and per recipient.
pub async fn send_password_reset(
    ctx: &Context,
    mailer: &Mailer,
    user_id: &str,
) -> Result<Outcome, StorageError> {
    issue_and_send(
        ctx,
        mailer,
        Purpose::Reset,
        Recipient::User(user_id.into()),
        vec![],
    )
    .await
}

/// The "forgot password" form: sends a reset link to `email` if a
/// non-suspended account has it as its verified address. Its caller must
/// answer the same whatever this returns (who has an account is nobody's
/// business); it is throttled per client `address`, per typed address and
/// per account, counted for unknown addresses too.
pub async fn request_password_reset(
    ctx: &Context,
    mailer: &Mailer,
    email: &str,
    address: &str,
) -> Result<Outcome, StorageError> {
    let subjects = vec![Subject::address("reset", address)];
    let recipient = Recipient::VerifiedAddress(email.trim().to_string());
    issue_and_send(ctx, mailer, Purpose::Reset, recipient, subjects).await
}

async fn account(ctx: &Context, user_id: &str) -> Result<Option<(String, Option<String>)>, StorageError> {
    let id = user_id.to_string();
    ctx.db
        .run(move |conn| crate::storage::users::by_id(conn, &id))
        .await
        .map(|u| u.map(|u| (u.username, u.email)))
}

/// Tells the user their password was changed (at their stored address, if
/// any). Failures are logged, never the caller's problem.
pub async fn notify_password_changed(ctx: &Context, mailer: &Mailer, user_id: &str) {
    match account(ctx, user_id).await {
        Ok(Some((username, Some(email)))) => {
            let facts = Facts {
                username,
                site: ctx.settings.issuer.clone(),
                ..Facts::default()
            };
            send(mailer, Kind::PasswordChanged, &email, &facts);
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "cannot read the account to notify of a password change"),
    }
}

/// Tells the user, at their `old` address, that the account's address was
/// changed to `new` (none: removed).
pub async fn notify_email_changed(
    ctx: &Context,
    mailer: &Mailer,
    user_id: &str,
    old: &str,
    new: Option<&str>,
) {
    match account(ctx, user_id).await {
        Ok(Some((username, _))) => {
            let facts = Facts {
                username,
                site: ctx.settings.issuer.clone(),
                link: String::new(),
                address: new.unwrap_or("").to_string(),
            };
            send(mailer, Kind::EmailChanged, old, &facts);
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "cannot read the account to notify of an address change"),
    }
}
