//! User accounts: creation and password hashing (argon2id).

use crate::domain::{Invalid, Username};
use crate::oauth::audit::{self, Actor, Event};
use crate::storage::{self, users::UserRow, Database, StorageError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest password accepted (argon2 takes any length; this bounds the work).
pub const MAX_PASSWORD_LEN: usize = 1024;

/// argon2id with OWASP's first recommended setting: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (slow by design: call it on a blocking thread).
pub fn hash_password(password: &SecretString) -> Result<String, argon2::password_hash::Error> {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let salt = SaltString::encode_b64(&bytes)?;
    Ok(argon2()
        .hash_password(password.expose_secret().as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the PHC string `stored` (slow by design).
pub fn verify_password(password: &SecretString, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(hash) => argon2()
            .verify_password(password.expose_secret().as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
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
    /// Hashing failed.
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// The database failed.
    #[error(transparent)]
    Storage(StorageError),
}

/// Checks a new password's length.
pub fn check_new_password(password: &SecretString) -> Result<(), Invalid> {
    let len = password.expose_secret().chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len) {
        return Err(Invalid::new(format!(
            "a password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters long"
        )));
    }
    Ok(())
}

/// Creates a user; returns the new user's id.
pub fn create_user(
    db: &Database,
    actor: &Actor,
    username: &str,
    password: &SecretString,
    is_admin: bool,
) -> Result<String, CreateUserError> {
    let username = Username::parse(username)?;
    check_new_password(password)?;
    let password_hash = hash_password(password).map_err(|e| CreateUserError::Hash(e.to_string()))?;
    let now = storage::now();
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
        );
        Ok(())
    });
    match created {
        Ok(()) => Ok(row.id),
        Err(e) if e.is_unique_violation() => Err(CreateUserError::Taken(row.username)),
        Err(e) => Err(CreateUserError::Storage(e)),
    }
}

/// A hash of a random password, verified against when the username is
/// unknown so that an unknown user and a wrong password take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(&SecretString::from(crate::oauth::secrets::random_secret())).unwrap_or_default()
    })
}

/// The user whose name and password these are, or `None` — the same answer,
/// after the same work, for an unknown user and a wrong password. The
/// argon2 work runs on the blocking pool, at most
/// `password_hash_concurrency` at once, so a flood of sign-ins queues
/// instead of starving the rest of the server.
pub async fn check_password(
    ctx: &crate::oauth::Context,
    username: &str,
    password: SecretString,
) -> Result<Option<UserRow>, StorageError> {
    let name = username.to_string();
    let user = ctx
        .db
        .run(move |conn| storage::users::by_username(conn, &name))
        .await?;
    let _permit = ctx
        .password_checks
        .acquire()
        .await
        .map_err(|_| StorageError::Cancelled)?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let span = tracing::Span::current();
    let matches = tokio::task::spawn_blocking(move || {
        span.in_scope(|| {
            let hash = stored.as_deref().unwrap_or_else(|| dummy_hash());
            verify_password(&password, hash) && stored.is_some()
        })
    })
    .await
    .map_err(|_| StorageError::Cancelled)?;
    Ok(user.filter(|_| matches))
}

/// Suspends a user (a ban): sign-in and every grant are refused, their
/// sessions end, their refresh tokens are revoked, and their access tokens
/// introspect inactive. `false` reinstates them. Returns whether the user exists.
pub fn set_suspended(
    db: &Database,
    actor: &Actor,
    username: &str,
    suspended: bool,
) -> Result<bool, StorageError> {
    db.transaction_sync(|conn| {
        let Some(user) = storage::users::by_username(conn, username)? else {
            return Ok(false);
        };
        storage::users::set_suspended(conn, username, suspended)?;
        if suspended {
            let now = storage::now();
            storage::sessions::end_all_for_user(conn, &user.id, now)?;
            storage::tokens::revoke_for_user(conn, &user.id, now)?;
        }
        let user_id = user.id;
        let event = if suspended {
            Event::UserSuspended { user_id }
        } else {
            Event::UserReinstated { user_id }
        };
        audit::record_in(conn, actor, event);
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
) -> Result<(), ChangePasswordError> {
    check_new_password(password)?;
    let hash = hash_password(password).map_err(|e| ChangePasswordError::Hash(e.to_string()))?;
    let changed = db.transaction_sync(|conn| {
        let Some(user) = storage::users::by_username(conn, username)? else {
            return Ok(false);
        };
        let now = storage::now();
        storage::users::set_password(conn, &user.id, &hash, now)?;
        storage::sessions::end_all_for_user(conn, &user.id, now)?;
        storage::tokens::revoke_for_user(conn, &user.id, now)?;
        audit::record_in(conn, actor, Event::PasswordChanged { user_id: user.id });
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
pub fn delete_user(db: &Database, actor: &Actor, username: &str) -> Result<Option<Deleted>, StorageError> {
    db.transaction_sync(|conn| {
        let Some(user) = storage::users::by_username(conn, username)? else {
            return Ok(None);
        };
        let clients_kept = storage::clients::count_owned_by(conn, &user.id)?;
        storage::users::delete(conn, &user.id)?;
        let (user_id, username) = (user.id.clone(), user.username);
        audit::record_in(conn, actor, Event::UserDeleted { user_id, username });
        Ok(Some(Deleted {
            id: user.id,
            clients_kept,
        }))
    })
}
