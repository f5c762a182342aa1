//! User accounts: creation and password hashing (argon2id).

use crate::domain::{Invalid, Username};
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::profile::{self, FieldError, ValidEdit};
use crate::oauth::sessions::{self, EndReason};
use crate::oauth::throttle;
use crate::oauth::{hasher, Context};
use crate::storage::{self, users::UserRow, Database, StorageError};
use secrecy::{ExposeSecret, SecretString};

pub mod administration;
mod own;
mod sign_in;

pub use own::{
    change_own_password, delete_own_account, prove_password, DeleteOwnError, OwnPasswordError, Proof,
};
pub use sign_in::{sign_in, SignInOutcome, SignedIn, Via};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest password accepted (argon2 takes any length; this bounds the work).
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Hashes a password here, in memory of its own (the CLI: one hash, then
/// the process ends). The server hashes on its pool ([`register_user`]).
pub fn hash_password(password: &SecretString) -> Option<String> {
    hasher::hash(&mut Vec::new(), password)
}

/// Whether `password` matches the PHC string `stored`, checked here in
/// memory of its own (tools and tests; the server checks on its pool).
pub fn verify_password(password: &SecretString, stored: &str) -> bool {
    hasher::verify(&mut Vec::new(), password, Some(stored))
}

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// The username or password was refused.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// The username is taken.
    #[error("the username {0:?} is already taken")]
    Taken(String),
    /// A profile field was refused (each with its field).
    #[error("{}", profile::describe(.0))]
    Profile(Vec<FieldError>),
    /// Another account has this email address, whatever its case.
    #[error("that email address is already in use")]
    EmailTaken,
    /// Hashing failed (the cause is logged where it happened).
    #[error("cannot hash the password")]
    Hash,
    /// Too many passwords are being hashed: try again later.
    #[error(transparent)]
    Busy(#[from] hasher::Busy),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Checks a new password's length.
pub fn check_new_password(password: &SecretString) -> Result<(), Invalid> {
    let len = password.expose_secret().chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len) {
        return Err(Invalid::rule(
            "rule-password-length",
            format!("a password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters long"),
        )
        .with("min", MIN_PASSWORD_LEN)
        .with("max", MAX_PASSWORD_LEN));
    }
    Ok(())
}

/// Creates a user with no profile; returns the new user's id.
pub fn create_user(
    db: &Database,
    actor: &Actor,
    username: &str,
    password: &SecretString,
    is_admin: bool,
    now: i64,
) -> Result<String, CreateUserError> {
    create_user_with_profile(
        db,
        actor,
        username,
        password,
        is_admin,
        &ValidEdit::default(),
        now,
    )
}

/// Creates a user with the profile `profile` sets (the command line);
/// returns the new user's id.
pub fn create_user_with_profile(
    db: &Database,
    actor: &Actor,
    username: &str,
    password: &SecretString,
    is_admin: bool,
    profile: &ValidEdit,
    now: i64,
) -> Result<String, CreateUserError> {
    let username = Username::parse(username)?;
    check_new_password(password)?;
    // The profile is checked before the password is hashed: a refusal costs nothing.
    profile.new_user(now).map_err(CreateUserError::Profile)?;
    let password_hash = hash_password(password).ok_or(CreateUserError::Hash)?;
    insert_user(db, actor, username, password_hash, is_admin, profile, now)
}

/// Creates a user from a sign-up, with the profile `profile` sets (its
/// email address required: [`profile::ProfileEdit::validate_sign_up`]),
/// hashing on the server's pool (`address` takes its turn there like a
/// sign-in); returns the new user's id.
pub async fn register_user(
    ctx: &Context,
    username: &str,
    password: SecretString,
    address: &str,
    profile: ValidEdit,
) -> Result<String, CreateUserError> {
    let username = Username::parse(username)?;
    check_new_password(&password)?;
    profile
        .new_user(ctx.clock.now())
        .map_err(CreateUserError::Profile)?;
    let password_hash = ctx
        .passwords
        .hash(&throttle::address_key(address), password)
        .await?
        .ok_or(CreateUserError::Hash)?;
    let db = ctx.db.clone();
    let actor = Actor::anonymous().from_address(address);
    let now = ctx.clock.now();
    db.blocking(move |db| insert_user(db, &actor, username, password_hash, false, &profile, now))
        .await
}

fn insert_user(
    db: &Database,
    actor: &Actor,
    username: Username,
    password_hash: String,
    is_admin: bool,
    profile: &ValidEdit,
    now: i64,
) -> Result<String, CreateUserError> {
    let profile = profile.new_user(now).map_err(CreateUserError::Profile)?;
    let row = UserRow {
        // A prefix keeps user ids apart from client ids: a client-credentials
        // token's `sub` (a client id) can never name a user (RFC 9700 §4.15).
        id: format!("user_{}", crate::oauth::secrets::random_token(16)),
        username: username.as_str().to_string(),
        password_hash,
        is_admin,
        suspended: false,
        created_at: now,
        password_changed_at: now,
        email: profile.email,
        email_verified: profile.email_verified,
        name: profile.name,
        given_name: profile.given_name,
        family_name: profile.family_name,
        updated_at: now,
    };
    let actor = actor.creating(&row.id);
    let created = db.transaction_sync(|conn| {
        storage::users::insert(conn, &row)?;
        let (user_id, username, admin) = (row.id.clone(), row.username.clone(), is_admin);
        audit::record_in(
            conn,
            &actor,
            Event::UserCreated {
                user_id,
                username,
                admin,
            },
            now,
        );
        Ok(())
    });
    match created {
        Ok(()) => Ok(row.id),
        Err(e) if profile::is_email_taken(&e) => Err(CreateUserError::EmailTaken),
        Err(e) if e.is_unique_violation() => Err(CreateUserError::Taken(row.username)),
        Err(e) => Err(CreateUserError::Storage(e)),
    }
}

/// A user as an administrator sees them (never the password hash).
#[derive(Debug, Clone)]
pub struct UserSummary {
    /// Stable id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Email address.
    pub email: Option<String>,
    /// Whether the address is known to be theirs.
    pub email_verified: bool,
    /// Administers this server.
    pub is_admin: bool,
    /// Banned.
    pub suspended: bool,
}

impl UserSummary {
    /// The summary of a stored user.
    pub fn of(u: UserRow) -> UserSummary {
        UserSummary {
            id: u.id,
            username: u.username,
            email: u.email,
            email_verified: u.email_verified,
            is_admin: u.is_admin,
            suspended: u.suspended,
        }
    }
}

/// Users by login name (at most 1,000).
pub async fn list_users(ctx: &Context) -> Result<Vec<UserSummary>, StorageError> {
    let rows = ctx.db.run(|conn| storage::users::list(conn, 1000)).await?;
    Ok(rows.into_iter().map(UserSummary::of).collect())
}

/// Suspends a user (a ban): sign-in and every grant are refused, their
/// sessions end (the clients in them are owed back-channel logout
/// notices), their refresh tokens are revoked, and their access tokens
/// introspect inactive. `false` reinstates them. Returns whether the user exists.
pub fn set_suspended(
    db: &Database,
    actor: &Actor,
    username: &str,
    suspended: bool,
    now: i64,
) -> Result<bool, StorageError> {
    db.transaction_sync(|conn| {
        let Some(user) = storage::users::by_username(conn, username)? else {
            return Ok(false);
        };
        storage::users::set_suspended(conn, username, suspended)?;
        storage::revocations::user_suspension_changed(conn, &user.id)?;
        if suspended {
            sessions::end_all_for_user_in(conn, &user.id, EndReason::UserSuspended, now)?;
            storage::tokens::revoke_for_user(conn, &user.id, now)?;
        }
        let user_id = user.id;
        let event = if suspended {
            Event::UserSuspended { user_id }
        } else {
            Event::UserReinstated { user_id }
        };
        audit::record_in(conn, actor, event, now);
        Ok(true)
    })
}

/// Why a password could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    /// The password was refused.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// No user has that name.
    #[error("no user named {0:?}")]
    UnknownUser(String),
    /// Hashing failed.
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Sets a user's password. Like a ban, a password change ends the user's
/// sessions and revokes their refresh tokens: whoever held the old password
/// must not keep what it gave them.
pub fn change_password(
    db: &Database,
    actor: &Actor,
    username: &str,
    password: &SecretString,
    now: i64,
) -> Result<(), ChangePasswordError> {
    check_new_password(password)?;
    let hash = hash_password(password)
        .ok_or_else(|| ChangePasswordError::Hash("the password could not be hashed".into()))?;
    let changed = db.transaction_sync(|conn| {
        let Some(user) = storage::users::by_username(conn, username)? else {
            return Ok(false);
        };
        storage::users::set_password(conn, &user.id, &hash, now)?;
        sessions::end_all_for_user_in(conn, &user.id, EndReason::PasswordChanged, now)?;
        storage::tokens::revoke_for_user(conn, &user.id, now)?;
        audit::record_in(conn, actor, Event::PasswordChanged { user_id: user.id }, now);
        Ok(true)
    })?;
    if !changed {
        return Err(ChangePasswordError::UnknownUser(username.to_string()));
    }
    Ok(())
}

/// A deleted user: how many clients they had registered (kept, without an owner).
pub struct Deleted {
    /// The user's id.
    pub id: String,
    /// Clients they registered, now without an owner.
    pub clients_kept: i64,
}

/// Deletes a user with their sessions, codes, refresh tokens and consents.
/// The clients they registered stay (other people's sign-ins may depend on
/// them), without an owner: an administrator manages them from then on.
/// `None` if no user has that name.
pub fn delete_user(
    db: &Database,
    actor: &Actor,
    username: &str,
    now: i64,
) -> Result<Option<Deleted>, StorageError> {
    db.transaction_sync(|conn| {
        let Some(user) = storage::users::by_username(conn, username)? else {
            return Ok(None);
        };
        let clients_kept = storage::clients::count_owned_by(conn, &user.id)?;
        // Before the user's rows go: a pairwise client's notice names the
        // user by a subject deleted with them.
        sessions::end_all_for_user_in(conn, &user.id, EndReason::UserDeleted, now)?;
        storage::users::delete(conn, &user.id)?;
        storage::revocations::record(conn, storage::revocations::Kind::UserDeleted, &user.id, "", now)?;
        let (user_id, username) = (user.id.clone(), user.username);
        audit::record_in(conn, actor, Event::UserDeleted { user_id, username }, now);
        Ok(Some(Deleted {
            id: user.id,
            clients_kept,
        }))
    })
}
