//! The links sent by email: a 256-bit token kept only as its SHA-256,
//! bound to the user and to the address it was sent to, working once and
//! for a while (a verification 24 hours, a reset 30 minutes).

use super::throttle::{self, Subject};
use crate::i18n;
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::sessions::{self, EndReason};
use crate::oauth::{secrets, Context};
use crate::storage::email::EmailTokenRow;
use crate::storage::users::UserRow;
use crate::storage::{self, DbConnection, StorageError};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirms the address.
    Verify,
    /// Sets a new password.
    Reset,
}

impl Purpose {
    /// Its name in the database and in throttle subjects.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Verify => "verify",
            Purpose::Reset => "reset",
        }
    }

    /// How long its link works, in seconds.
    pub fn lifetime(self) -> i64 {
        match self {
            Purpose::Verify => 24 * 3600,
            Purpose::Reset => 30 * 60,
        }
    }
}

/// Whom a link goes to.
#[derive(Debug, Clone)]
pub enum Recipient {
    /// The user with this id, at their stored address.
    User(String),
    /// Whoever has this address, if it is verified (a "forgot password"
    /// form: the person asking proved nothing yet).
    VerifiedAddress(String),
}

/// A link issued: the token (to put in the email) and where it goes.
#[derive(Debug)]
pub struct Issued {
    /// The token, in clear: only the email carries it.
    pub token: String,
    /// The address it was sent to.
    pub email: String,
    /// The account's login name.
    pub username: String,
}

/// What asking for a link came to.
#[derive(Debug)]
pub enum Issue {
    /// A link to send.
    Send(Issued),
    /// Too many emails this hour: none is sent; seconds until one may be.
    Throttled(i64),
    /// Nobody to send it to (no such account, no address, already
    /// verified, suspended, or an unverified address for a reset).
    Nobody,
}

/// Issues a link for `purpose` to `recipient`, counting it against
/// `subjects` (and the account and the recipient address).
pub async fn issue(
    ctx: &Context,
    purpose: Purpose,
    recipient: Recipient,
    mut subjects: Vec<Subject>,
    max: i32,
) -> Result<Issue, StorageError> {
    let now = ctx.clock.now();
    let kind = purpose.as_str();
    ctx.db
        .transaction(move |conn| {
            let user = match &recipient {
                Recipient::User(id) => storage::users::by_id(conn, id)?,
                Recipient::VerifiedAddress(email) => {
                    subjects.push(Subject::recipient(kind, email));
                    storage::email::user_by_email(conn, email)?.filter(|u| u.email_verified)
                }
            };
            let user = user.filter(|u| wanted(u, purpose));
            if let Some(user) = &user {
                subjects.push(Subject::account(kind, &user.id));
                if let (Recipient::User(_), Some(email)) = (&recipient, &user.email) {
                    subjects.push(Subject::recipient(kind, email));
                }
            }
            if let Err(wait) = throttle::reserve(conn, &subjects, max, now)? {
                return Ok(Issue::Throttled(wait));
            }
            let (Some(user), Some(email)) = (user.clone(), user.and_then(|u| u.email)) else {
                return Ok(Issue::Nobody);
            };
            let token = secrets::random_secret();
            storage::email::replace(
                conn,
                &EmailTokenRow {
                    token_hash: secrets::hash(&token),
                    purpose: kind.to_string(),
                    user_id: user.id,
                    email: email.clone(),
                    created_at: now,
                    expires_at: now + purpose.lifetime(),
                    used_at: None,
                },
            )?;
            // Spent links go with the next one issued: the table stays small.
            storage::email::purge(conn, now - 7 * 24 * 3600, now - throttle::WINDOW)?;
            Ok(Issue::Send(Issued {
                token,
                email,
                username: user.username,
            }))
        })
        .await
}

/// Whether `user` may be sent a link for `purpose`.
fn wanted(user: &UserRow, purpose: Purpose) -> bool {
    match purpose {
        Purpose::Verify => user.email.is_some() && !user.email_verified,
        Purpose::Reset => user.email.is_some() && !user.suspended,
    }
}

/// Why a link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such link (mistyped, or replaced by a newer one).
    Unknown,
    /// It was used already.
    Used,
    /// Its time ran out.
    Expired,
    /// The account's address changed since it was sent.
    AddressChanged,
    /// The account is suspended.
    Suspended,
    /// Another account is signed in on this browser.
    WrongUser,
}

impl Refusal {
    /// What the page says, in the request's language.
    pub fn message(self, purpose: Purpose) -> String {
        match (self, purpose) {
            (Refusal::Unknown, _) => i18n::t("email-link-unknown"),
            (Refusal::Used, _) => i18n::t("email-link-used"),
            (Refusal::Expired, Purpose::Verify) => i18n::t("email-link-expired-verify"),
            (Refusal::Expired, Purpose::Reset) => i18n::t("email-link-expired-reset"),
            (Refusal::AddressChanged, _) => i18n::t("email-link-address-changed"),
            (Refusal::Suspended, _) => i18n::t("email-link-suspended"),
            (Refusal::WrongUser, _) => i18n::t("email-link-wrong-user"),
        }
    }
}

/// A link that works, and the account it is for.
#[derive(Debug, Clone)]
pub struct Valid {
    /// The account.
    pub user_id: String,
    /// Its login name.
    pub username: String,
    /// The address the link was sent to.
    pub email: String,
}

/// Checks `token` for `purpose` without using it (the page a link opens).
pub async fn check(
    ctx: &Context,
    purpose: Purpose,
    token: &str,
) -> Result<Result<Valid, Refusal>, StorageError> {
    let hash = secrets::hash(token);
    let now = ctx.clock.now();
    ctx.db.run(move |conn| check_in(conn, purpose, &hash, now)).await
}

fn check_in(
    conn: &mut DbConnection,
    purpose: Purpose,
    hash: &str,
    now: i64,
) -> Result<Result<Valid, Refusal>, diesel::result::Error> {
    let Some(row) = storage::email::find(conn, hash, purpose.as_str())? else {
        return Ok(Err(Refusal::Unknown));
    };
    if row.used_at.is_some() {
        return Ok(Err(Refusal::Used));
    }
    if row.expires_at <= now {
        return Ok(Err(Refusal::Expired));
    }
    let Some(user) = storage::users::by_id(conn, &row.user_id)? else {
        return Ok(Err(Refusal::Unknown));
    };
    if user.email.as_deref() != Some(row.email.as_str()) {
        return Ok(Err(Refusal::AddressChanged));
    }
    if purpose == Purpose::Reset && user.suspended {
        return Ok(Err(Refusal::Suspended));
    }
    Ok(Ok(Valid {
        user_id: user.id,
        username: user.username,
        email: row.email,
    }))
}

/// Checks and uses `token` in the caller's transaction, with the user's
/// row locked: what it found is what the caller may change.
fn take_in(
    conn: &mut DbConnection,
    purpose: Purpose,
    hash: &str,
    signed_in: Option<&str>,
    now: i64,
) -> Result<Result<Valid, Refusal>, diesel::result::Error> {
    let valid = match check_in(conn, purpose, hash, now)? {
        Ok(v) => v,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if signed_in.is_some_and(|id| id != valid.user_id) {
        return Ok(Err(Refusal::WrongUser));
    }
    storage::users::lock(conn, &valid.user_id)?;
    if !storage::email::take(conn, hash, purpose.as_str(), now)? {
        // Another request used it first.
        return Ok(Err(Refusal::Used));
    }
    // Checked again under the lock: an address or suspension changed in
    // between wins.
    check_after_take(conn, purpose, valid)
}

fn check_after_take(
    conn: &mut DbConnection,
    purpose: Purpose,
    valid: Valid,
) -> Result<Result<Valid, Refusal>, diesel::result::Error> {
    let Some(user) = storage::users::by_id(conn, &valid.user_id)? else {
        return Ok(Err(Refusal::Unknown));
    };
    if user.email.as_deref() != Some(valid.email.as_str()) {
        return Ok(Err(Refusal::AddressChanged));
    }
    if purpose == Purpose::Reset && user.suspended {
        return Ok(Err(Refusal::Suspended));
    }
    Ok(Ok(valid))
}

/// Uses a verification link: the address it was sent to is verified, if
/// it is still the account's. `signed_in`: the user signed in on the
/// browser that follows it, if any (another account's link is refused).
pub async fn verify(
    ctx: &Context,
    token: &str,
    signed_in: Option<String>,
    address: String,
) -> Result<Result<Valid, Refusal>, StorageError> {
    let hash = secrets::hash(token);
    let now = ctx.clock.now();
    ctx.db
        .transaction(move |conn| {
            let valid = match take_in(conn, Purpose::Verify, &hash, signed_in.as_deref(), now)? {
                Ok(v) => v,
                Err(refusal) => return Ok(Err(refusal)),
            };
            storage::email::set_verified(conn, &valid.user_id, now)?;
            let actor = Actor::user(&valid.user_id).from_address(address);
            let event = Event::ProfileUpdated {
                user_id: valid.user_id.clone(),
                fields: vec!["email_verified"],
                email_verified: true,
            };
            audit::record_in(conn, &actor, event, now);
            Ok(Ok(valid))
        })
        .await
}

/// Uses a reset link: sets the password to `password_hash` (argon2id,
/// hashed already), ends every session of the user (the session store,
/// events and back-channel logout follow) and revokes their refresh
/// tokens, as a password change does, and records it.
pub async fn reset(
    ctx: &Context,
    token: &str,
    password_hash: String,
    address: String,
) -> Result<Result<Valid, Refusal>, StorageError> {
    let hash = secrets::hash(token);
    let now = ctx.clock.now();
    ctx.db
        .transaction(move |conn| {
            let valid = match take_in(conn, Purpose::Reset, &hash, None, now)? {
                Ok(v) => v,
                Err(refusal) => return Ok(Err(refusal)),
            };
            storage::users::set_password(conn, &valid.user_id, &password_hash, now)?;
            sessions::end_all_for_user_in(conn, &valid.user_id, EndReason::PasswordChanged, now)?;
            storage::tokens::revoke_for_user(conn, &valid.user_id, now)?;
            storage::email::discard_unused(conn, &valid.user_id, Purpose::Reset.as_str())?;
            let actor = Actor::user(&valid.user_id).from_address(address);
            let event = Event::PasswordChanged {
                user_id: valid.user_id.clone(),
            };
            audit::record_in(conn, &actor, event, now);
            Ok(Ok(valid))
        })
        .await
}
