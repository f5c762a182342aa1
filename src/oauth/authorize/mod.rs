//! The authorization endpoint's protocol (RFC 6749 §3.1, §4.1.1, §4.2.1,
//! RFC 7636, RFC 9207, OpenID Connect Core §3.1.2, §3.2.2): checking a
//! request, deciding what it still needs (sign-in, consent), and building
//! the redirect that answers it.
//!
//! Error handling follows RFC 6749 §4.1.2.1: while the client or the
//! redirect URI is unverified, errors are shown as a page and never sent
//! anywhere; once both are verified, errors go back to the client.

mod approve;
mod openid;
mod pushed;
mod response;

pub use openid::Hint;
pub use pushed::{push, set_required as set_pushed_required, Pushed, REQUEST_URI_PREFIX};
pub use response::{ResponseMode, ResponseType, UnsupportedResponseType};

use crate::domain::{CodeChallenge, RedirectUri, ScopeSet};
use crate::oauth::clients::Client;
use crate::oauth::form::Params;
use crate::oauth::sessions::Session;
use crate::oauth::Context;
use std::sync::Arc;

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The client.
    pub client: Arc<Client>,
    /// Where the answer goes (verified against the registration).
    pub redirect_uri: RedirectUri,
    /// Whether `redirect_uri` was in the request (then the token request must repeat it).
    pub redirect_uri_sent: bool,
    /// What the client asks for.
    pub response_type: ResponseType,
    /// Where the answer's parameters travel.
    pub response_mode: ResponseMode,
    /// The scope asked for (everything allowed if none was named).
    pub scope: ScopeSet,
    /// Echoed back untouched.
    pub state: Option<String>,
    /// PKCE challenge.
    pub code_challenge: Option<CodeChallenge>,
    /// `prompt=none`: answer without showing a page.
    pub prompt_none: bool,
    /// `prompt=login`: force a fresh sign-in.
    pub prompt_login: bool,
    /// `prompt=consent`: ask again even if approved before.
    pub prompt_consent: bool,
    /// `prompt=select_account`: let the user choose the account.
    pub prompt_select_account: bool,
    /// Whether the scope has `openid` (an OpenID Connect request).
    pub openid: bool,
    /// The `nonce` to echo in the id token (OpenID Connect requests only).
    pub nonce: Option<String>,
    /// Seconds since the last sign-in beyond which the user signs in again:
    /// the request's `max_age`, else the client's `default_max_age`.
    pub max_age: Option<i64>,
    /// `login_hint`: the account the client expects, to pre-fill.
    pub login_hint: Option<String>,
    /// Who the `id_token_hint` names, if one was sent.
    pub id_token_hint: Option<Hint>,
    /// The audience of the access tokens this request leads to (the rule
    /// the token endpoint follows: `oauth::apis::audience`).
    pub audience: String,
    /// The hash of the `request_uri` this request was pushed under (RFC
    /// 9126), taken out of use when the request is answered.
    pub pushed: Option<String>,
    /// RFC 9449 §10: the JWK SHA-256 thumbprint (RFC 7638) of the DPoP key
    /// the code is bound to; only a proof by that key redeems it.
    pub dpop_jkt: Option<String>,
    /// OpenID Connect Core §3.1.2.1 `ui_locales`: the languages the client
    /// would like the pages in, in order of preference (at most 256 bytes
    /// kept; the pages choose among them).
    pub ui_locales: Option<String>,
}

/// Why a request cannot go on.
#[derive(Debug)]
pub enum Refusal {
    /// The client or redirect URI cannot be trusted: a 400 page, no redirect.
    Page(Untrusted),
    /// An error for the verified client, sent to its redirect URI.
    Redirect(String),
    /// An error for a client no administrator has verified, before the
    /// user signed in: a page naming the application with a plain link to
    /// this URL. Redirecting at once would make every self-registered
    /// client an open redirector for anyone (RFC 9700 §4.11.2).
    Link {
        /// The application's name.
        client_name: String,
        /// The error response URL.
        url: String,
    },
    /// The database is away: a 503 page.
    Unavailable,
}

/// Why a request's client or redirect URI cannot be trusted, so that
/// nothing may be sent back to it. `Display` is the English the pushed
/// authorization request endpoint answers with; pages say it in the
/// reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Untrusted {
    /// No `client_id`.
    NoClient,
    /// A `client_id` no one registered.
    Unregistered,
    /// A client ID metadata document that was refused, and why (English:
    /// the rule it broke).
    DocumentRefused(String),
    /// A `redirect_uri` the client did not register.
    RedirectUnregistered,
    /// No `redirect_uri`, and not exactly one registered.
    NoRedirect,
    /// An application an operator suspended.
    Suspended,
    /// A pushed request's `request_uri` that expired or was used.
    PushedGone,
}

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Untrusted::NoClient => f.write_str("The request names no client (client_id is missing)."),
            Untrusted::Unregistered => f.write_str("The application that sent you here is not registered."),
            Untrusted::DocumentRefused(why) => {
                write!(
                    f,
                    "The application's client metadata document was refused: {why}."
                )
            }
            Untrusted::RedirectUnregistered => {
                f.write_str("The redirect address in the request is not registered for this application.")
            }
            Untrusted::NoRedirect => f.write_str(
                "The request has no redirect address, and the application has none or several registered.",
            ),
            Untrusted::Suspended => f.write_str("This application is suspended."),
            Untrusted::PushedGone => f.write_str(
                "This sign-in request has expired or was already used. Start again from the application.",
            ),
        }
    }
}

/// Why [`validate`] refused a request, before it is told to anyone: the
/// authorization endpoint shows or redirects it ([`Problem::refusal`]), the
/// pushed authorization request endpoint answers it as JSON.
#[derive(Debug)]
enum Problem {
    /// The client or redirect URI cannot be trusted.
    Untrusted(Untrusted),
    /// An error about the verified client's request: a code and description.
    Client(Box<AuthorizationRequest>, &'static str, String),
    /// The database is away.
    Unavailable,
}

impl Problem {
    fn refusal(self, ctx: &Context) -> Refusal {
        match self {
            Problem::Untrusted(message) => Refusal::Page(message),
            Problem::Client(request, code, why) => request.refuse(ctx, code, &why, false),
            Problem::Unavailable => Refusal::Unavailable,
        }
    }
}

/// Most a `state` may carry.
const MAX_STATE_LEN: usize = 1024;

/// Checks an authorization request (its query string, parsed). With a
/// `request_uri` of a pushed request (RFC 9126 §4), the pushed parameters
/// are the request.
pub async fn check(ctx: &Context, params: &Params) -> Result<AuthorizationRequest, Refusal> {
    let Some((hash, pushed_params)) = pushed::resolve(ctx, params).await? else {
        let request = validate(ctx, params).await.map_err(|p| p.refusal(ctx))?;
        // RFC 9126 §5: the client, or the operator for every client, wants
        // only pushed requests; the client and its redirect URI are verified.
        if ctx.settings.require_pushed_authorization_requests
            || request.client.security.require_pushed_authorization_requests
        {
            return Err(request.refuse(
                ctx,
                "invalid_request",
                "authorization requests of this client must be pushed first (RFC 9126)",
                false,
            ));
        }
        return Ok(request);
    };
    let mut request = validate(ctx, &pushed_params).await.map_err(|p| p.refusal(ctx))?;
    request.pushed = Some(hash);
    Ok(request)
}

/// The one validation of an authorization request, whether it came by
/// value to the authorization endpoint or was pushed (RFC 9126 §2.1).
async fn validate(ctx: &Context, params: &Params) -> Result<AuthorizationRequest, Problem> {
    // 1. Client and redirect URI: until both are verified, only a page.
    let (client, redirect_uri, sent) = verified_client(ctx, params).await?;
    let state = params.get("state").map(str::to_string);
    let parsed_response_type = ResponseType::parse(params.get("response_type"));
    // Until it is known, errors go where a code would (the query).
    let response_type = parsed_response_type.ok().flatten().unwrap_or(ResponseType::Code);
    let parsed_mode = ResponseMode::parse(params.get("response_mode"), response_type);
    let mut request = AuthorizationRequest {
        client: client.clone(),
        redirect_uri,
        redirect_uri_sent: sent,
        response_type,
        // Multiple Response Types §5: errors use the mode asked for, or
        // the type's default if that one cannot be used.
        response_mode: parsed_mode.clone().unwrap_or(response_type.default_mode()),
        scope: ScopeSet::default(),
        state,
        code_challenge: None,
        prompt_none: false,
        prompt_login: false,
        prompt_consent: false,
        prompt_select_account: false,
        openid: false,
        nonce: None,
        max_age: None,
        login_hint: None,
        id_token_hint: None,
        audience: String::new(),
        pushed: None,
        dpop_jkt: None,
        ui_locales: params
            .get("ui_locales")
            .filter(|l| l.len() <= 256)
            .map(str::to_string),
    };
    // 2. From here on, errors go back to the client.
    let fail = |request: &AuthorizationRequest, code: &'static str, why: &str| {
        Problem::Client(Box::new(request.clone()), code, why.to_string())
    };
    if request.state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN) {
        request.state = None;
        return Err(fail(&request, "invalid_request", "state is too long"));
    }
    check_response_type(parsed_response_type, parsed_mode)
        .map_err(|(code, why)| fail(&request, code, &why))?;
    let grant = request.response_type.grant();
    if !client.allows(grant) {
        return Err(fail(
            &request,
            "unauthorized_client",
            &format!("this client may not use the {grant} grant"),
        ));
    }
    request.scope = requested_scope(&client, params).map_err(|(code, why)| fail(&request, code, &why))?;
    request.openid = crate::oauth::openid::is_openid(&request.scope);
    let directory = ctx.apis.get().await.map_err(|_| Problem::Unavailable)?;
    request.audience = crate::oauth::apis::audience(
        &directory,
        ctx.settings.default_audience(),
        &client,
        &request.scope,
        params.resources(),
    )
    .map_err(|e| fail(&request, e.code.as_str(), &e.description))?;
    read_prompt(&mut request, params).map_err(|(code, why)| fail(&request, code, &why))?;
    openid::check(ctx, &mut request, params)
        .await
        .map_err(|(code, why)| fail(&request, code, &why))?;
    if request.response_type == ResponseType::Code {
        check_pkce(&mut request, params).map_err(|why| fail(&request, "invalid_request", &why))?;
    }
    request.dpop_jkt = dpop_jkt(params).map_err(|why| fail(&request, "invalid_request", why))?;
    Ok(request)
}

/// RFC 6749 §4.1.2.1: the client and the redirect URI, verified before
/// anything is sent to the redirect URI.
async fn verified_client(
    ctx: &Context,
    params: &Params,
) -> Result<(Arc<Client>, RedirectUri, bool), Problem> {
    let client_id = params
        .get("client_id")
        .ok_or(Problem::Untrusted(Untrusted::NoClient))?;
    let client = match ctx.clients.get(client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Err(Problem::Untrusted(
                match ctx.clients.document_failure(client_id) {
                    Some(why) => Untrusted::DocumentRefused(why),
                    None => Untrusted::Unregistered,
                },
            ))
        }
        Err(_) => return Err(Problem::Unavailable),
    };
    let (redirect_uri, sent) = match params.get("redirect_uri") {
        // RFC 9700 §4.1.3: exact string comparison (RFC 8252 §7.3: any port
        // on a loopback IP literal). The answer goes to the URI as sent.
        Some(uri) => match client.redirect_uri_for(uri) {
            Some(matched) => (matched, true),
            None => return Err(Problem::Untrusted(Untrusted::RedirectUnregistered)),
        },
        None if client.redirect_uris.len() == 1 => (client.redirect_uris[0].clone(), false),
        None => return Err(Problem::Untrusted(Untrusted::NoRedirect)),
    };
    if client.suspended {
        return Err(Problem::Untrusted(Untrusted::Suspended));
    }
    Ok((client, redirect_uri, sent))
}

/// RFC 6749 §3.1.1 and OAuth 2.0 Multiple Response Types §5: a response
/// type we support and a response mode it can use.
fn check_response_type(
    parsed_response_type: Result<Option<ResponseType>, UnsupportedResponseType>,
    parsed_mode: Result<ResponseMode, String>,
) -> Result<(), (&'static str, String)> {
    match parsed_response_type {
        Ok(Some(_)) => {}
        Ok(None) => return Err(("invalid_request", "response_type is missing".into())),
        Err(UnsupportedResponseType) => {
            return Err((
                "unsupported_response_type",
                "only code, token, id_token and id_token token are supported".into(),
            ))
        }
    }
    if let Err(why) = parsed_mode {
        return Err(("invalid_request", why));
    }
    Ok(())
}

/// RFC 6749 §3.3: the scope asked for, within the client's; none asked for
/// is all of the client's.
fn requested_scope(client: &Client, params: &Params) -> Result<ScopeSet, (&'static str, String)> {
    let scope = match params.get("scope") {
        None => client.scopes.clone(),
        Some(raw) => match ScopeSet::parse(raw)
            .map(|s| openid::without_unreleased_standard_scopes(s, &client.scopes))
        {
            Ok(s) if s.is_subset(&client.scopes) => s,
            _ => {
                return Err((
                    "invalid_scope",
                    "the requested scope is unknown or not allowed".into(),
                ))
            }
        },
    };
    Ok(scope)
}

/// RFC 9449 §10: `dpop_jkt`, a base64url-encoded SHA-256 JWK thumbprint
/// (RFC 7638): 32 bytes, 43 characters without padding.
fn dpop_jkt(params: &Params) -> Result<Option<String>, &'static str> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let Some(raw) = params.get("dpop_jkt") else {
        return Ok(None);
    };
    match URL_SAFE_NO_PAD.decode(raw) {
        Ok(bytes) if bytes.len() == 32 => Ok(Some(raw.to_string())),
        _ => Err("dpop_jkt must be a base64url SHA-256 JWK thumbprint (RFC 9449 §10)"),
    }
}

/// OpenID Connect Core §3.1.2.1: the `prompt` values.
fn read_prompt(request: &mut AuthorizationRequest, params: &Params) -> Result<(), (&'static str, String)> {
    for word in params
        .get("prompt")
        .unwrap_or("")
        .split(' ')
        .filter(|w| !w.is_empty())
    {
        match word {
            "none" => request.prompt_none = true,
            "login" => request.prompt_login = true,
            "consent" => request.prompt_consent = true,
            "select_account" => request.prompt_select_account = true,
            _ => return Err(("invalid_request", "unknown prompt value".into())),
        }
    }
    // Core §3.1.2.1: `none` with any other value is an error.
    if request.prompt_none
        && (request.prompt_login || request.prompt_consent || request.prompt_select_account)
    {
        return Err((
            "invalid_request",
            "prompt=none cannot be combined with other values".into(),
        ));
    }
    Ok(())
}

fn check_pkce(request: &mut AuthorizationRequest, params: &Params) -> Result<(), String> {
    let client = &request.client;
    let Some(challenge) = params.get("code_challenge") else {
        if client.is_public || client.require_pkce {
            return Err("code_challenge is required (PKCE, S256)".into());
        }
        return Ok(());
    };
    let parsed = CodeChallenge::parse(
        challenge,
        params.get("code_challenge_method"),
        client.allow_plain_pkce,
    )
    .map_err(|e| e.0)?;
    request.code_challenge = Some(parsed);
    Ok(())
}

impl AuthorizationRequest {
    /// The redirect carrying `fields`, plus `state` and `iss` (RFC 9207),
    /// in the query or the fragment as the response mode says.
    pub fn response_url(&self, fields: &[(&str, &str)], issuer: &str) -> String {
        let mut url = self.redirect_uri.url().clone();
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        if let Some(state) = &self.state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", issuer));
        match self.response_mode {
            ResponseMode::Query => {
                url.query_pairs_mut().extend_pairs(pairs);
            }
            ResponseMode::Fragment => {
                let fragment = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                url.set_fragment(Some(&fragment));
            }
        }
        url.to_string()
    }

    /// The redirect for an error (the issuer filled in).
    pub fn error_redirect(&self, ctx: &Context, code: &str, description: &str) -> String {
        self.response_url(
            &[("error", code), ("error_description", description)],
            &ctx.settings.issuer,
        )
    }

    /// An error answer: a redirect to the client, or — for a client no
    /// administrator verified, while nobody has signed in — a page with a
    /// link (see [`Refusal::Link`]).
    pub fn refuse(&self, ctx: &Context, code: &str, description: &str, signed_in: bool) -> Refusal {
        let url = self.error_redirect(ctx, code, description);
        if self.client.verified || signed_in {
            Refusal::Redirect(url)
        } else {
            Refusal::Link {
                client_name: self.client.name.clone(),
                url,
            }
        }
    }

    /// Whether the user must sign in (again) before this request can be
    /// answered: nobody is signed in; `prompt=login`; `prompt=select_account`
    /// (Tollgate keeps one account per browser, so choosing another one is
    /// signing in as it on the login page); or the sign-in is older than
    /// `max_age` at `now` (Core §3.1.2.1).
    pub fn needs_sign_in(&self, session: Option<&Session>, now: i64) -> bool {
        let Some(session) = session else { return true };
        if self.prompt_login || self.prompt_select_account {
            return true;
        }
        self.max_age
            .is_some_and(|max| now - session.authenticated_at > max)
    }

    /// Whether an `id_token_hint` names someone else than the signed-in
    /// user (Core §3.1.2.1: with `prompt=none`, `login_required`).
    pub fn hint_names_another_user(&self, session: &Session) -> bool {
        self.id_token_hint
            .as_ref()
            .is_some_and(|h| h.user_id.as_deref() != Some(session.user_id.as_str()))
    }
}
