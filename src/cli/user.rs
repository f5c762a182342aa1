//! `tollgate user …`: accounts, passwords, suspension.

use super::profile::{self, NewProfileArgs, UpdateUser};
use super::{open, UsageError};
use crate::config::Settings;
use crate::domain::Clock;
use crate::oauth::accounts;
use crate::oauth::audit::Actor;
use crate::storage;
use anyhow::Context;
use clap::Subcommand;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};

/// `tollgate user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is asked for twice at the terminal, or
    /// read from the first line of standard input with `--password-stdin`.
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Read the password from standard input (it never goes on the command line).
        #[arg(long)]
        password_stdin: bool,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// The user's profile.
        #[command(flatten)]
        profile: NewProfileArgs,
    },
    /// Change a user's profile: only the options given change.
    Update(UpdateUser),
    /// Suspend a user (a ban): sessions end, refresh tokens are revoked,
    /// access tokens introspect inactive, sign-in is refused.
    Suspend {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Lift a suspension.
    Reinstate {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Lift the sign-in lockouts and slowdown on an account, from every address.
    Unlock {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// List users.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password: their sessions end and their refresh tokens
    /// are revoked.
    Passwd {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Read the password from standard input instead of asking at the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Delete a user with their sessions, tokens and consents; the
    /// applications they registered stay, without an owner.
    Delete {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Give or take roles of an API.
    #[command(subcommand)]
    Role(super::role::UserRoleCommand),
}

/// A new password: the first line of standard input with
/// `--password-stdin`, else asked twice at the terminal without echo.
fn read_new_password(from_stdin: bool) -> anyhow::Result<SecretString> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(SecretString::from(
            line.trim_end_matches(['\n', '\r']).to_string(),
        ));
    }
    if !std::io::stdin().is_terminal() {
        return Err(UsageError(
            "standard input is not a terminal: pass --password-stdin to read the password from it".into(),
        )
        .into());
    }
    let first =
        SecretString::from(rpassword::prompt_password("Password: ").context("cannot read the password")?);
    let again = SecretString::from(
        rpassword::prompt_password("Password (again): ").context("cannot read the password")?,
    );
    if first.expose_secret() != again.expose_secret() {
        anyhow::bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}

/// `tollgate user create`
pub fn create_user(
    settings: &Settings,
    username: &str,
    password_stdin: bool,
    admin: bool,
    profile: &NewProfileArgs,
) -> anyhow::Result<()> {
    // Checked before the password is asked for: a typo costs no retyping.
    let checked = profile.checked()?;
    let password = read_new_password(password_stdin)?;
    let db = open(settings)?;
    let actor = Actor::operator();
    let id = match accounts::create_user_with_profile(
        &db,
        &actor,
        username,
        &password,
        admin,
        &checked,
        Clock::system().now(),
    ) {
        Ok(id) => id,
        Err(accounts::CreateUserError::Profile(errors)) => return Err(profile::usage(&errors)),
        Err(accounts::CreateUserError::EmailTaken) => return Err(profile::email_taken()),
        Err(e) => return Err(e.into()),
    };
    out!("created user {username} ({id})");
    Ok(())
}

/// `tollgate user update`
pub fn update_user(settings: &Settings, args: &UpdateUser) -> anyhow::Result<()> {
    profile::update_user(settings, args)
}

/// `tollgate user suspend` and `tollgate user reinstate`
pub fn suspend_user(settings: &Settings, username: &str, suspended: bool) -> anyhow::Result<()> {
    let db = open(settings)?;
    if !accounts::set_suspended(
        &db,
        &Actor::operator(),
        username,
        suspended,
        Clock::system().now(),
    )? {
        anyhow::bail!("no user named {username:?}");
    }
    out!(
        "{} user {username}",
        if suspended { "suspended" } else { "reinstated" }
    );
    Ok(())
}

/// `tollgate user unlock`
pub fn unlock_user(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let db = open(settings)?;
    let cleared = crate::oauth::throttle::unlock(&db, &Actor::operator(), username, Clock::system().now())?;
    out!("unlocked {username} ({cleared} sign-in counters cleared)");
    Ok(())
}

/// `tollgate user list`
pub fn list_users(settings: &Settings, as_json: bool) -> anyhow::Result<()> {
    let db = open(settings)?;
    let users = db.run_sync(|conn| storage::users::list(conn, i64::MAX))?;
    if as_json {
        let list: Vec<_> = users
            .iter()
            .map(|u| {
                json!({
                    "id": u.id, "username": u.username, "admin": u.is_admin,
                    "suspended": u.suspended, "created_at": u.created_at,
                    "email": u.email, "email_verified": u.email_verified,
                    "name": u.name, "given_name": u.given_name,
                    "family_name": u.family_name, "updated_at": u.updated_at,
                })
            })
            .collect();
        out!("{}", serde_json::Value::Array(list));
    } else {
        for u in users {
            let role = if u.is_admin { "admin" } else { "user" };
            let state = if u.suspended { "suspended" } else { "active" };
            let email = match (&u.email, u.email_verified) {
                (Some(email), true) => format!("{email} (verified)"),
                (Some(email), false) => email.clone(),
                (None, _) => "-".to_string(),
            };
            out!("{}\t{}\t{role}\t{state}\t{email}", u.username, u.id);
        }
    }
    Ok(())
}

/// `tollgate user passwd`
pub fn change_password(settings: &Settings, username: &str, password_stdin: bool) -> anyhow::Result<()> {
    let password = read_new_password(password_stdin)?;
    let db = open(settings)?;
    accounts::change_password(
        &db,
        &Actor::operator(),
        username,
        &password,
        Clock::system().now(),
    )?;
    out!("changed the password of {username}; their sessions ended and their refresh tokens were revoked");
    Ok(())
}

/// `tollgate user delete`
pub fn delete_user(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let db = open(settings)?;
    let Some(deleted) = accounts::delete_user(&db, &Actor::operator(), username, Clock::system().now())?
    else {
        anyhow::bail!("no user named {username:?}");
    };
    out!(
        "deleted user {username} ({}) with their sessions, tokens and consents",
        deleted.id
    );
    if deleted.clients_kept > 0 {
        out!(
            "the {} application(s) they registered stay, with no owner (`tollgate client delete` removes one)",
            deleted.clients_kept
        );
    }
    Ok(())
}
