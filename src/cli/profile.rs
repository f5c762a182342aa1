//! The profile options of `tollgate user create`, and `tollgate user update`.

use super::{open, UsageError};
use crate::config::Settings;
use crate::domain::Clock;
use crate::oauth::audit::Actor;
use crate::oauth::profile::{self, FieldError, ProfileEdit, UpdateError, ValidEdit};
use std::io::Write;

/// The profile options of `tollgate user create`.
#[derive(Debug, Default, clap::Args)]
pub struct NewProfileArgs {
    /// Email address (unique, whatever its case).
    #[arg(long, value_name = "E")]
    pub email: Option<String>,
    /// Full name.
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// Given name(s).
    #[arg(long, value_name = "G")]
    pub given_name: Option<String>,
    /// Family name(s).
    #[arg(long, value_name = "F")]
    pub family_name: Option<String>,
    /// Mark the address verified: you know it is the user's. Applications
    /// trust `email_verified`; Tollgate sends no verification mail.
    #[arg(long, requires = "email")]
    pub email_verified: bool,
}

impl NewProfileArgs {
    /// The profile these options set, checked (exit 2 naming each refused option).
    pub fn checked(&self) -> anyhow::Result<ValidEdit> {
        let edit = ProfileEdit {
            email: self.email.clone(),
            name: self.name.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            email_verified: self.email_verified.then_some(true),
        };
        edit.validate().map_err(|errors| usage(&errors))
    }
}

/// `tollgate user update`'s arguments: only the options given change.
#[derive(Debug, clap::Args)]
pub struct UpdateUser {
    /// Login name.
    #[arg(long)]
    pub username: String,
    /// New email address (unverified unless `--email-verified true`).
    #[arg(long, value_name = "E", conflicts_with = "no_email")]
    pub email: Option<String>,
    /// Remove the email address.
    #[arg(long)]
    pub no_email: bool,
    /// New full name (`''` clears it).
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// New given name(s) (`''` clears them).
    #[arg(long, value_name = "G")]
    pub given_name: Option<String>,
    /// New family name(s) (`''` clears them).
    #[arg(long, value_name = "F")]
    pub family_name: Option<String>,
    /// Whether the address is known to be the user's.
    #[arg(long, value_name = "true|false")]
    pub email_verified: Option<bool>,
}

impl UpdateUser {
    fn edit(&self) -> ProfileEdit {
        ProfileEdit {
            email: if self.no_email {
                Some(String::new())
            } else {
                self.email.clone()
            },
            name: self.name.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            email_verified: self.email_verified,
        }
    }
}

/// The command-line option of a profile field.
fn option(field: &str) -> String {
    format!("--{}", field.replace('_', "-"))
}

/// Refused fields as a usage error (exit 2), each named by its option.
pub fn usage(errors: &[FieldError]) -> anyhow::Error {
    let text = errors
        .iter()
        .map(|e| format!("{}: {}", option(e.field), e.message))
        .collect::<Vec<_>>()
        .join("; ");
    UsageError(text).into()
}

/// A taken address, named by its option (exit 1, like a taken username).
pub fn email_taken() -> anyhow::Error {
    anyhow::anyhow!("--email: that email address is already in use")
}

/// `tollgate user update`
pub fn update_user(settings: &Settings, args: &UpdateUser) -> anyhow::Result<()> {
    let edit = args.edit();
    let nothing = edit.email.is_none()
        && edit.name.is_none()
        && edit.given_name.is_none()
        && edit.family_name.is_none()
        && edit.email_verified.is_none();
    if nothing {
        return Err(UsageError(
            "nothing to change: give --email, --no-email, --name, --given-name, --family-name \
             or --email-verified"
                .into(),
        )
        .into());
    }
    let edit = edit.validate().map_err(|errors| usage(&errors))?;
    let db = open(settings)?;
    let username = &args.username;
    match profile::update_by_username(&db, &Actor::operator(), username, &edit, Clock::system().now()) {
        Ok(updated) if updated.changed.is_empty() => out!("nothing changed for {username}"),
        Ok(updated) => out!("updated {username}: {}", updated.changed.join(", ")),
        Err(UpdateError::Invalid(errors)) => return Err(usage(&errors)),
        Err(UpdateError::EmailTaken) => return Err(email_taken()),
        Err(UpdateError::UnknownUser) => anyhow::bail!("no user named {username:?}"),
        Err(UpdateError::Storage(e)) => return Err(e.into()),
    }
    Ok(())
}
