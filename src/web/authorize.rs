//! The authorization endpoint in the browser: sign-in, consent, and the
//! redirect back to the client.

use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, read_form, see_other, ConsentPage};
use super::{session, AppState};
use crate::i18n;
use crate::oauth::authorize::{self, AuthorizationRequest, Refusal, Untrusted};
use crate::oauth::error::ErrorCode;
use crate::oauth::form::Params;
use crate::oauth::metadata::AUTHORIZATION_PATH;
use crate::oauth::sessions::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(AUTHORIZATION_PATH, web::get().to(authorize))
        .route(&format!("{AUTHORIZATION_PATH}/decision"), web::post().to(decide));
}

fn refusal(r: Refusal) -> HttpResponse {
    match r {
        // RFC 6749 §4.1.2.1: never redirect to an unverified address.
        Refusal::Page(why) => pages::error_page(
            StatusCode::BAD_REQUEST,
            &i18n::t("consent-invalid-request"),
            &untrusted_words(&why),
        ),
        Refusal::Redirect(url) => see_other(&url),
        Refusal::Link { client_name, url } => pages::unverified_client_error(&client_name, &url),
        Refusal::Unavailable => pages::unavailable(),
    }
}

/// Why the request cannot go on, in the reader's language.
fn untrusted_words(why: &Untrusted) -> String {
    match why {
        Untrusted::NoClient => i18n::t("authorize-no-client"),
        Untrusted::Unregistered => i18n::t("authorize-unregistered"),
        Untrusted::DocumentRefused(rule) => i18n::t1("authorize-document-refused", "rule", rule),
        Untrusted::RedirectUnregistered => i18n::t("authorize-redirect-unregistered"),
        Untrusted::NoRedirect => i18n::t("authorize-no-redirect"),
        Untrusted::Suspended => i18n::t("authorize-suspended"),
        Untrusted::PushedGone => i18n::t("authorize-pushed-gone"),
    }
}

/// Seconds the way back from the sign-in page allows between that sign-in
/// and the request it returns to (the redirect right after it).
const WAY_BACK_MAX_AGE: &str = "60";

/// The query string for the way back from the sign-in page that `prompt`
/// or `max_age` sent the user to: without `prompt`, and with a `max_age`
/// the sign-in just made satisfies. Without that `max_age`, a client's
/// `default_max_age` of 0 or 1 would apply again on the way back and, once
/// a second boundary passed, send the user round in circles; the id
/// token's `auth_time` still shows when the user signed in.
fn without_prompt(query: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            url::form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "prompt" && k != "max_age"),
        )
        .append_pair("max_age", WAY_BACK_MAX_AGE)
        .finish()
}

async fn authorize(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let params = pages::query(&req)?;
    let ctx = &state.oauth;
    // A refusal page speaks the client's language too; a pushed request's
    // own `ui_locales` is read once it is known (below).
    i18n::choose_for_client(params.get("ui_locales"));
    let request = match authorize::check(ctx, &params).await {
        Ok(r) => r,
        Err(r) => return Ok(refusal(r)),
    };
    i18n::choose_for_client(request.ui_locales.as_deref());
    let current = match session::current(&state, &req).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the session could not be read; the client is told to try again");
            return Ok(refusal(request.refuse(
                ctx,
                "temporarily_unavailable",
                "try again later",
                false,
            )));
        }
    };
    let current = match current {
        Some(s) if !request.needs_sign_in(Some(&s), ctx.clock.now()) => s,
        // OpenID Connect Core §3.1.2.6: no page may be shown.
        signed_in if request.prompt_none => {
            return Ok(refusal(request.refuse(
                ctx,
                "login_required",
                "the user must sign in",
                signed_in.is_some(),
            )))
        }
        _ => return Ok(see_other(&login_path(&request, req.query_string()))),
    };
    // Core §3.1.2.1: with `prompt=none`, a hint for someone else than the
    // signed-in user cannot be answered without the sign-in page. Without
    // it, the client asked to sign in whoever is here, and gets to see who.
    if request.prompt_none && request.hint_names_another_user(&current) {
        return Ok(refusal(request.refuse(
            ctx,
            "login_required",
            "another user is signed in",
            true,
        )));
    }
    let consent_query = without_prompt(req.query_string());
    Ok(proceed(&state, &request, &current, &consent_query).await)
}

/// The sign-in page, coming back to this request once signed in, with the
/// client's `login_hint` as the username.
fn login_path(request: &AuthorizationRequest, query: &str) -> String {
    let back = format!("{AUTHORIZATION_PATH}?{}", without_prompt(query));
    let mut login = url::form_urlencoded::Serializer::new(String::new());
    login.append_pair("return_to", &back);
    if let Some(hint) = &request.login_hint {
        login.append_pair("login_hint", hint);
    }
    format!("/login?{}", login.finish())
}

/// With a signed-in user: ask for consent if needed, else answer the client.
async fn proceed(
    state: &AppState,
    request: &AuthorizationRequest,
    current: &Session,
    query: &str,
) -> HttpResponse {
    let ctx = &state.oauth;
    let needs = match request.needs_consent(ctx, &current.user_id).await {
        Ok(n) => n,
        // The cause was logged where the storage error became an OAuth error.
        Err(_) => {
            return see_other(&request.error_redirect(ctx, "temporarily_unavailable", "try again later"))
        }
    };
    if !needs {
        return approve(state, request, current).await;
    }
    if request.prompt_none {
        return see_other(&request.error_redirect(
            ctx,
            "consent_required",
            "the user has not approved this client",
        ));
    }
    let redirect_host = request
        .redirect_uri
        .url()
        .host_str()
        .unwrap_or_default()
        .to_string();
    let facts = consent_facts(ctx, &request.client, &request.scope).await;
    let return_to = format!("{AUTHORIZATION_PATH}?{query}");
    pages::page_response(
        StatusCode::OK,
        &Nav::of(current),
        &ConsentPage {
            client_name: &request.client.name,
            verified: request.client.verified,
            owner: &facts.owner,
            homepage: request.client.homepage_uri.as_deref(),
            logo: facts.logo.as_deref(),
            username: &current.username,
            scopes: facts.scopes,
            redirect_host: &redirect_host,
            csrf: &current.csrf,
            request: query,
            return_to: &return_to,
        },
    )
}

async fn approve(state: &AppState, request: &AuthorizationRequest, current: &Session) -> HttpResponse {
    let ctx = &state.oauth;
    match request.approve(ctx, current).await {
        Ok(url) => see_other(&url),
        Err(e) if e.code == ErrorCode::InvalidRequest => {
            see_other(&request.error_redirect(ctx, e.code.as_str(), &e.description))
        }
        // The cause was logged where the storage error became an OAuth error.
        Err(_) => see_other(&request.error_redirect(ctx, "temporarily_unavailable", "try again later")),
    }
}

/// The consent form's answer. The authorization request travels in the form
/// and is checked again in full: nothing in it is trusted for having been
/// rendered by us.
async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let form = read_form(&req, payload).await?;
    let current = session::current(&state, &req)
        .await?
        .ok_or_else(|| PageError::bad_request(i18n::t("consent-session-ended")))?;
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return Err(PageError::refused(
            StatusCode::FORBIDDEN,
            i18n::t("consent-refused"),
            i18n::t("consent-form-expired"),
        ));
    }
    let params = Params::parse(form.get("request").unwrap_or("").as_bytes())
        .map_err(|_| PageError::bad_request(i18n::t("consent-request-malformed")))?;
    let ctx = &state.oauth;
    let request = match authorize::check(ctx, &params).await {
        Ok(r) => r,
        Err(r) => return Ok(refusal(r)),
    };
    match form.get("decision") {
        Some("approve") => {
            // On failure, the cause was logged where it became an OAuth error.
            if request.remember_consent(ctx, &current.user_id).await.is_err() {
                return Ok(see_other(&request.error_redirect(
                    ctx,
                    "temporarily_unavailable",
                    "try again later",
                )));
            }
            Ok(approve(&state, &request, &current).await)
        }
        Some("deny") => {
            request.abandon(ctx).await;
            Ok(see_other(&request.error_redirect(
                ctx,
                "access_denied",
                "the user denied the request",
            )))
        }
        _ => Err(PageError::bad_request(i18n::t("consent-no-decision"))),
    }
}

/// What a consent page shows about who is asking, besides the client's name.
pub(super) struct ConsentFacts {
    /// Who stands behind the application: the organisation an
    /// administrator named, else its developer's account name, else (an
    /// application registered from the command line) the server's operator.
    pub(super) owner: String,
    /// The uploaded logo's address, for a verified application only: an
    /// unverified one could show any brand's logo.
    pub(super) logo: Option<String>,
    /// Each scope with the catalogue's words for it (a scope without any is
    /// shown by name), the standard scopes' own words in the reader's
    /// language ([`scope_words`]).
    pub(super) scopes: Vec<(String, Option<String>)>,
}

/// The facts both consent pages (the browser's and the device's) show.
/// A database that fails here costs the page its details, never the page.
pub(super) async fn consent_facts(
    ctx: &crate::oauth::Context,
    client: &crate::oauth::clients::Client,
    scope: &crate::domain::ScopeSet,
) -> ConsentFacts {
    let catalogue = crate::oauth::registry::catalogue(&ctx.db)
        .await
        .unwrap_or_default();
    let id = client.id.clone();
    let (organisation, logo_updated_at) = ctx
        .db
        .run(move |conn| {
            Ok((
                crate::storage::branding::organisation(conn, &id)?,
                crate::storage::branding::logo_updated_at(conn, &id)?,
            ))
        })
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "an application's branding could not be read for its consent page");
            (None, None)
        });
    let developer = match &client.owner_id {
        Some(owner) => crate::oauth::registry::owner_name(&ctx.db, owner)
            .await
            .unwrap_or_default(),
        None => None,
    };
    let owner = match (organisation, developer, &client.owner_id, client.document_host()) {
        (Some(organisation), ..) => organisation,
        (None, Some(developer), ..) => developer,
        (None, None, Some(_), _) => i18n::t("consent-owner-gone"),
        // A client ID metadata document: the domain it is published on.
        (None, None, None, Some(host)) => host,
        // Registered by the operator (the CLI, an administrator) and
        // verified; an unverified one without an owner registered itself
        // (RFC 7591), and nobody here vouches for who runs it.
        (None, None, None, None) if client.verified => i18n::t("consent-owner-operator"),
        (None, None, None, None) => i18n::t("consent-owner-unknown"),
    };
    let logo = logo_updated_at
        .filter(|_| client.verified)
        .map(|at| super::logos::logo_path(&client.id, at));
    let scopes = scope
        .iter()
        .map(|s| {
            let words = catalogue
                .iter()
                .find(|(name, _)| name == s.as_str())
                .map(|(name, d)| scope_words(name, d));
            (s.as_str().to_string(), words)
        })
        .collect();
    ConsentFacts { owner, logo, scopes }
}

/// The words a consent page shows for the catalogue's scope `name`
/// described as `stored`. The catalogue starts with English words for the
/// standard scopes (the migration that added OpenID Connect); while a
/// scope still has them, the reader gets them in their language. Words an
/// operator wrote are shown as written.
fn scope_words(name: &str, stored: &str) -> String {
    match (name, stored) {
        ("openid", "Sign you in and learn your account identifier") => i18n::t("consent-scope-openid"),
        ("profile", "See your name and username") => i18n::t("consent-scope-profile"),
        ("email", "See your email address") => i18n::t("consent-scope-email"),
        _ => stored.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::scope_words;
    use crate::i18n::{self, Lang};

    const SEEDED: [(&str, &str); 3] = [
        ("openid", "Sign you in and learn your account identifier"),
        ("profile", "See your name and username"),
        ("email", "See your email address"),
    ];

    /// The migrations that fill the catalogue, on both databases.
    const MIGRATIONS: [&str; 2] = [
        include_str!("../../migrations/sqlite/2026-11-30-000000_openid/up.sql"),
        include_str!("../../migrations/postgres/2026-11-30-000000_openid/up.sql"),
    ];

    #[test]
    fn the_standard_scopes_words_in_english_are_the_catalogues() {
        for (name, words) in SEEDED {
            for migration in MIGRATIONS {
                assert!(migration.contains(&format!("('{name}', '{words}', 0)")), "{name}");
            }
            assert_eq!(scope_words(name, words), words);
        }
    }

    #[tokio::test]
    async fn the_standard_scopes_words_are_said_in_the_readers_language() {
        let german = i18n::scope(Lang::De, Lang::De, async { scope_words("email", SEEDED[2].1) }).await;
        assert_eq!(german, "Ihre E-Mail-Adresse sehen");
    }

    #[tokio::test]
    async fn words_an_operator_wrote_are_shown_as_written() {
        let shown = i18n::scope(Lang::De, Lang::De, async {
            (
                scope_words("email", "Read the address we write to"),
                scope_words("orders:read", "See your email address"),
            )
        })
        .await;
        assert_eq!(shown.0, "Read the address we write to");
        assert_eq!(shown.1, "See your email address");
    }
}
