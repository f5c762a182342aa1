//! The account page: the user's profile (name, given and family name,
//! email address) with a form to change it, and the applications they
//! have allowed, with a button to withdraw each.

use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, see_other};
use super::{session, AppState};
use crate::i18n;
use crate::oauth::audit::Actor;
use crate::oauth::profile::{self, FieldError, Profile, ProfileEdit, UpdateError};
use crate::oauth::sessions::{self, Session};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(account))
        .route("/account/profile", web::post().to(save_profile))
        .route("/account/consents/withdraw", web::post().to(withdraw));
}

/// Where a saved profile sends the browser (POST-redirect-GET): the
/// account page, with its "saved" notice.
const SAVED: &str = "/account?saved=profile";

/// What the account page says was just done (POST-redirect-GET).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Saved {
    Nothing,
    Profile,
    Password,
    Sessions,
}

/// One approved application on the account page.
struct ApprovedApp {
    client_id: String,
    name: String,
    scope: String,
}

/// The profile form, as stored or as typed.
#[derive(Default)]
struct ProfileForm {
    name: String,
    given_name: String,
    family_name: String,
    email: String,
}

impl ProfileForm {
    fn stored(p: &Profile) -> ProfileForm {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        ProfileForm {
            name: text(&p.name),
            given_name: text(&p.given_name),
            family_name: text(&p.family_name),
            email: text(&p.email),
        }
    }

    /// The edit the form asks for: every field it shows, an empty one cleared.
    fn edit(&self) -> ProfileEdit {
        ProfileEdit {
            email: Some(self.email.clone()),
            name: Some(self.name.clone()),
            given_name: Some(self.given_name.clone()),
            family_name: Some(self.family_name.clone()),
            email_verified: None,
        }
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    username: &'a str,
    apps: Vec<ApprovedApp>,
    csrf: &'a str,
    form: ProfileForm,
    /// The stored address, and whether it is verified.
    stored_email: Option<(String, bool)>,
    errors: Vec<FieldError>,
    saved: bool,
    /// Where the user is signed in, this browser first.
    sessions: Vec<super::account_sessions::SessionItem>,
    /// What a change just done says: `password` or `sessions`, else empty.
    done: &'a str,
    /// Whether the password form's "Sign out my other sessions" is ticked.
    sign_out_others: bool,
}

impl AccountPage<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn signed_in(state: &AppState, req: &HttpRequest) -> Result<Session, PageError> {
    session::current(state, req)
        .await?
        .ok_or_else(|| PageError::SeeOther("/login?return_to=%2Faccount".into()))
}

/// The account page of `current`, its profile form holding `typed` (else
/// what is stored) and `errors` beside its fields.
async fn render(
    state: &AppState,
    current: &Session,
    status: StatusCode,
    typed: Option<ProfileForm>,
    errors: Vec<FieldError>,
    saved: Saved,
) -> Result<HttpResponse, PageError> {
    let stored = profile::of(&state.oauth, &current.user_id)
        .await?
        .ok_or_else(|| PageError::SeeOther("/login?return_to=%2Faccount".into()))?;
    let apps = sessions::approved_apps(&state.oauth, &current.user_id)
        .await?
        .into_iter()
        .map(|(client_id, name, scope)| ApprovedApp {
            client_id,
            name,
            scope,
        })
        .collect();
    let form = typed.unwrap_or_else(|| ProfileForm::stored(&stored));
    let sessions = super::account_sessions::items(state, current).await?;
    let done = match saved {
        Saved::Password => "password",
        Saved::Sessions => "sessions",
        _ => "",
    };
    Ok(pages::page_response(
        status,
        &Nav::of(current),
        &AccountPage {
            username: &current.username,
            apps,
            csrf: &current.csrf,
            form,
            stored_email: stored.email.map(|e| (e, stored.email_verified)),
            errors,
            saved: saved == Saved::Profile,
            sessions,
            done,
            sign_out_others: true,
        },
    ))
}

async fn account(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = signed_in(&state, &req).await?;
    // A malformed query is no reason to refuse the page: it only loses the notice.
    let saved = match pages::query(&req).ok().as_ref().and_then(|q| q.get("saved")) {
        Some("profile") => Saved::Profile,
        Some("password") => Saved::Password,
        Some("sessions") => Saved::Sessions,
        _ => Saved::Nothing,
    };
    render(&state, &current, StatusCode::OK, None, vec![], saved).await
}

async fn save_profile(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, form) = session::signed_in_form(&state, &req, payload, "/account").await?;
    let text = |name: &str| form.get(name).unwrap_or("").to_string();
    let typed = ProfileForm {
        name: text("name"),
        given_name: text("given_name"),
        family_name: text("family_name"),
        email: text("email"),
    };
    let edit = typed.edit().validate();
    let refused = |status, errors| render(&state, &current, status, Some(typed), errors, Saved::Nothing);
    let edit = match edit {
        Ok(edit) => edit,
        Err(errors) => return refused(StatusCode::UNPROCESSABLE_ENTITY, errors).await,
    };
    let address = super::body::client_address(&req);
    let actor = Actor::user(&current.user_id).from_address(address.clone());
    // The address before the save: told if it changes.
    let old_email = profile::of(&state.oauth, &current.user_id)
        .await?
        .and_then(|p| p.email);
    match profile::update(&state.oauth, &actor, &current.user_id, edit).await {
        Ok(updated) => {
            let (id, changed) = (&current.user_id, &updated.changed);
            super::email_verification::after_profile_saved(&state, id, old_email, changed, &address).await;
            Ok(see_other(SAVED))
        }
        Err(UpdateError::Invalid(errors)) => refused(StatusCode::UNPROCESSABLE_ENTITY, errors).await,
        Err(UpdateError::EmailTaken) => {
            let taken = FieldError::new(
                "email",
                "That email address is already in use by another account.",
            );
            refused(StatusCode::CONFLICT, vec![taken]).await
        }
        Err(UpdateError::UnknownUser) => Err(PageError::SeeOther("/login?return_to=%2Faccount".into())),
        Err(UpdateError::Storage(e)) => Err(e.into()),
    }
}

async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, form) = session::signed_in_form(&state, &req, payload, "/account").await?;
    let client_id = form
        .get("client_id")
        .ok_or_else(|| PageError::bad_request("No application was named."))?;
    sessions::withdraw_consent(&state.oauth, &current.user_id, client_id).await?;
    Ok(see_other("/account"))
}
