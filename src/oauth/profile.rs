//! Who a user is: the profile behind the OpenID Connect claims `name`,
//! `given_name`, `family_name`, `email`, `email_verified` and `updated_at`
//! (OpenID Connect Core §5.1). Set by the operator (`tollgate user create`,
//! `tollgate user update`), at sign-up, and by the user on `/account`.
//!
//! An edit is checked whole: every field is checked and every error is
//! returned with its field, so a form can show all of them at once; an
//! edit with any error writes nothing. A saved edit writes the whole
//! profile in one statement with its audit event, in one transaction.
//!
//! There is no email verification yet: a changed address is unverified
//! unless the operator says otherwise (`--email-verified`), because a
//! relying party that trusts `email_verified` may let that address take
//! over an account of its own (OpenID Connect Core §5.7).

use crate::domain::{Email, Invalid, PersonName};
use crate::oauth::audit::{self, Actor, Event};
pub use crate::oauth::registry::FieldError;
use crate::oauth::Context;
use crate::storage::users::{self, ProfileColumns, UserRow};
use crate::storage::{Database, DbConnection, StorageError};

/// A change to a profile, as typed. `None` leaves a field as it is; an
/// empty (or blank) text clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfileEdit {
    /// The email address.
    pub email: Option<String>,
    /// The full name.
    pub name: Option<String>,
    /// The given name(s).
    pub given_name: Option<String>,
    /// The family name(s).
    pub family_name: Option<String>,
    /// Whether the address is known to be the user's: only the operator
    /// says so. `None`: kept, unless the address changes (then `false`).
    pub email_verified: Option<bool>,
}

/// A [`ProfileEdit`] whose every field passed its rule.
#[derive(Debug, Clone, Default)]
pub struct ValidEdit {
    email: Option<Option<Email>>,
    name: Option<Option<PersonName>>,
    given_name: Option<Option<PersonName>>,
    family_name: Option<Option<PersonName>>,
    email_verified: Option<bool>,
}

impl ProfileEdit {
    /// Checks every field; all the errors, each with its field, or the
    /// checked edit.
    pub fn validate(&self) -> Result<ValidEdit, Vec<FieldError>> {
        self.check(false)
    }

    /// [`ProfileEdit::validate`] for a sign-up, where the email address is
    /// required.
    pub fn validate_sign_up(&self) -> Result<ValidEdit, Vec<FieldError>> {
        self.check(true)
    }

    fn check(&self, email_required: bool) -> Result<ValidEdit, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = match self.email.as_deref().map(str::trim) {
            None | Some("") if email_required => {
                errors.push(FieldError::broke(
                    "email",
                    Invalid::rule("rule-email-required", "enter your email address"),
                ));
                None
            }
            None => None,
            Some("") => Some(None),
            Some(raw) => match Email::parse(raw) {
                Ok(email) => Some(Some(email)),
                Err(e) => {
                    errors.push(FieldError::broke("email", e));
                    None
                }
            },
        };
        let mut name = |which: &'static str, raw: &Option<String>| match raw.as_deref() {
            None => None,
            Some(raw) => match PersonName::parse(raw) {
                Ok(name) => Some(name),
                Err(e) => {
                    errors.push(FieldError::broke(which, e));
                    None
                }
            },
        };
        let edit = ValidEdit {
            name: name("name", &self.name),
            given_name: name("given_name", &self.given_name),
            family_name: name("family_name", &self.family_name),
            email,
            email_verified: self.email_verified,
        };
        if errors.is_empty() {
            Ok(edit)
        } else {
            Err(errors)
        }
    }
}

impl ValidEdit {
    /// The profile of a new user made with this edit (nothing set: none).
    pub fn new_user(&self, now: i64) -> Result<ProfileColumns, Vec<FieldError>> {
        let empty = ProfileColumns {
            email: None,
            email_verified: false,
            name: None,
            given_name: None,
            family_name: None,
            updated_at: now,
        };
        Ok(self.merged(&empty, now)?.map_or(empty, |(merged, _)| merged))
    }

    /// `current` with this edit applied, and the fields that changed;
    /// `None` if nothing changes.
    fn merged(
        &self,
        current: &ProfileColumns,
        now: i64,
    ) -> Result<Option<(ProfileColumns, Vec<&'static str>)>, Vec<FieldError>> {
        fn pick(edit: &Option<Option<impl ToString>>, current: &Option<String>) -> Option<String> {
            match edit {
                Some(value) => value.as_ref().map(ToString::to_string),
                None => current.clone(),
            }
        }
        let email = pick(&self.email, &current.email);
        // A proof of ownership was for the exact address.
        let same_address = email == current.email;
        let email_verified = match self.email_verified {
            Some(verified) => verified,
            None => same_address && current.email_verified,
        };
        if email_verified && email.is_none() {
            return Err(vec![FieldError::broke(
                "email_verified",
                Invalid::rule(
                    "rule-email-verified-without-address",
                    "there is no email address to mark verified",
                ),
            )]);
        }
        let next = ProfileColumns {
            email,
            email_verified,
            name: pick(&self.name, &current.name),
            given_name: pick(&self.given_name, &current.given_name),
            family_name: pick(&self.family_name, &current.family_name),
            updated_at: now,
        };
        let changed: Vec<&'static str> = [
            ("email", next.email != current.email),
            ("email_verified", next.email_verified != current.email_verified),
            ("name", next.name != current.name),
            ("given_name", next.given_name != current.given_name),
            ("family_name", next.family_name != current.family_name),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect();
        Ok((!changed.is_empty()).then_some((next, changed)))
    }
}

/// Why a profile was not saved.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// A field was refused (each with its field).
    #[error("{}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// Another account has this email address, whatever its case.
    #[error("that email address is already in use")]
    EmailTaken,
    /// No such user.
    #[error("no such user")]
    UnknownUser,
    /// The database failed.
    #[error(transparent)]
    Storage(StorageError),
}

/// Field errors on one line: `email: …; name: …`.
pub fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether a failed write was refused because another account has the
/// email address (the unique index decides, so two users racing for one
/// address cannot both get it).
pub fn is_email_taken(error: &StorageError) -> bool {
    matches!(error, StorageError::Query(e) if users::is_email_taken(e))
}

impl From<StorageError> for UpdateError {
    fn from(e: StorageError) -> Self {
        if is_email_taken(&e) {
            UpdateError::EmailTaken
        } else {
            UpdateError::Storage(e)
        }
    }
}

/// What a saved edit changed (empty: nothing, and nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated {
    /// The fields that changed: `email`, `email_verified`, `name`, …
    pub changed: Vec<&'static str>,
}

/// Applies `edit` to the user's profile (`user` found inside the
/// transaction), with the row locked so two edits never mix.
fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    user: Option<UserRow>,
    edit: &ValidEdit,
    now: i64,
) -> Result<Result<Updated, UpdateError>, diesel::result::Error> {
    let Some(user) = user else {
        return Ok(Err(UpdateError::UnknownUser));
    };
    if !users::lock(conn, &user.id)? {
        return Ok(Err(UpdateError::UnknownUser));
    }
    // Read again under the lock: what was read before it may be stale.
    let Some(user) = users::by_id(conn, &user.id)? else {
        return Ok(Err(UpdateError::UnknownUser));
    };
    let merged = match edit.merged(&ProfileColumns::of(&user), now) {
        Ok(merged) => merged,
        Err(errors) => return Ok(Err(UpdateError::Invalid(errors))),
    };
    let Some((profile, changed)) = merged else {
        return Ok(Ok(Updated { changed: vec![] }));
    };
    users::set_profile(conn, &user.id, &profile)?;
    let event = Event::ProfileUpdated {
        user_id: user.id,
        fields: changed.clone(),
        email_verified: profile.email_verified,
    };
    audit::record_in(conn, actor, event, now);
    Ok(Ok(Updated { changed }))
}

/// Saves `edit` to the profile of the user with id `user_id`.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    user_id: &str,
    edit: ValidEdit,
) -> Result<Updated, UpdateError> {
    let (actor, user_id) = (actor.clone(), user_id.to_string());
    let now = ctx.clock.now();
    ctx.db
        .transaction(move |conn| {
            let user = users::by_id(conn, &user_id)?;
            apply(conn, &actor, user, &edit, now)
        })
        .await?
}

/// Saves `edit` to the profile of the user named `username` (the command line).
pub fn update_by_username(
    db: &Database,
    actor: &Actor,
    username: &str,
    edit: &ValidEdit,
    now: i64,
) -> Result<Updated, UpdateError> {
    db.transaction_sync(|conn| {
        let user = users::by_username(conn, username)?;
        apply(conn, actor, user, edit, now)
    })?
}

/// A user's profile as stored.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The login name.
    pub username: String,
    /// The email address.
    pub email: Option<String>,
    /// Whether the address is known to be the user's.
    pub email_verified: bool,
    /// The full name.
    pub name: Option<String>,
    /// The given name(s).
    pub given_name: Option<String>,
    /// The family name(s).
    pub family_name: Option<String>,
    /// When the profile last changed (UTC seconds).
    pub updated_at: i64,
}

impl From<UserRow> for Profile {
    fn from(u: UserRow) -> Self {
        Profile {
            username: u.username,
            email: u.email,
            email_verified: u.email_verified,
            name: u.name,
            given_name: u.given_name,
            family_name: u.family_name,
            updated_at: u.updated_at,
        }
    }
}

/// The profile of the user with id `user_id`, if there is one.
pub async fn of(ctx: &Context, user_id: &str) -> Result<Option<Profile>, StorageError> {
    let id = user_id.to_string();
    let user = ctx.db.run(move |conn| users::by_id(conn, &id)).await?;
    Ok(user.map(Profile::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> ProfileColumns {
        ProfileColumns {
            email: Some("alice@example.com".into()),
            email_verified: true,
            name: Some("Alice".into()),
            given_name: None,
            family_name: None,
            updated_at: 1,
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn every_refused_field_is_reported_with_its_name() {
        let edit = ProfileEdit {
            email: Some("not an address".into()),
            name: Some("x".repeat(101)),
            given_name: Some("Al\u{202E}ice".into()),
            family_name: Some("Smith\u{0}".into()),
            email_verified: None,
        };
        let errors = edit.validate().unwrap_err();
        assert_eq!(fields(&errors), ["email", "name", "given_name", "family_name"]);
    }

    #[test]
    fn a_sign_up_needs_an_email_address() {
        let edit = ProfileEdit::default();
        assert!(edit.validate().is_ok());
        assert_eq!(fields(&edit.validate_sign_up().unwrap_err()), ["email"]);
    }

    #[test]
    fn fields_not_given_are_kept_and_empty_ones_cleared() {
        let edit = ProfileEdit {
            name: Some("".into()),
            given_name: Some("Alice".into()),
            ..Default::default()
        };
        let (next, changed) = edit.validate().unwrap().merged(&stored(), 2).unwrap().unwrap();
        assert_eq!(next.name, None);
        assert_eq!(next.given_name.as_deref(), Some("Alice"));
        assert_eq!(next.email.as_deref(), Some("alice@example.com"));
        assert!(next.email_verified);
        assert_eq!(next.updated_at, 2);
        assert_eq!(changed, ["name", "given_name"]);
    }

    #[test]
    fn a_changed_address_is_no_longer_verified() {
        let edit = ProfileEdit {
            email: Some("alice@example.org".into()),
            ..Default::default()
        };
        let (next, changed) = edit.validate().unwrap().merged(&stored(), 2).unwrap().unwrap();
        assert!(!next.email_verified);
        assert_eq!(changed, ["email", "email_verified"]);
    }

    #[test]
    fn the_operator_may_mark_a_new_address_verified() {
        let edit = ProfileEdit {
            email: Some("alice@example.org".into()),
            email_verified: Some(true),
            ..Default::default()
        };
        let (next, _) = edit.validate().unwrap().merged(&stored(), 2).unwrap().unwrap();
        assert!(next.email_verified);
    }

    #[test]
    fn no_address_cannot_be_verified() {
        let edit = ProfileEdit {
            email: Some("".into()),
            email_verified: Some(true),
            ..Default::default()
        };
        let errors = edit.validate().unwrap().merged(&stored(), 2).unwrap_err();
        assert_eq!(fields(&errors), ["email_verified"]);
    }

    #[test]
    fn an_edit_that_changes_nothing_writes_nothing() {
        let edit = ProfileEdit {
            email: Some(" alice@EXAMPLE.com ".into()),
            name: Some("Alice".into()),
            ..Default::default()
        };
        assert_eq!(edit.validate().unwrap().merged(&stored(), 2).unwrap(), None);
    }
}
