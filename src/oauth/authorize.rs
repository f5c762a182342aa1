//! The authorization endpoint's protocol (RFC 6749 §3.1, §4.1.1, §4.2.1,
//! RFC 7636, RFC 9207): checking a request, deciding what it still needs
//! (sign-in, consent), and building the redirect that answers it.
//!
//! Error handling follows RFC 6749 §4.1.2.1: while the client or the
//! redirect URI is unverified, errors are shown as a page and never sent
//! anywhere; once both are verified, errors go back to the client.

use crate::domain::{CodeChallenge, GrantType, RedirectUri, ScopeSet};
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::tokens::{issue_access, Grant};
use crate::oauth::{secrets, Context};
use crate::storage::{self, consents, tokens::CodeRow};
use std::sync::Arc;

/// What the client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// `code`: the authorization code grant.
    Code,
    /// `token`: the implicit grant.
    Token,
}

/// A `response_type` this server does not support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsupportedResponseType;

impl ResponseType {
    /// The `response_type` parameter: `Ok(None)` if it is missing.
    pub fn parse(raw: Option<&str>) -> Result<Option<ResponseType>, UnsupportedResponseType> {
        match raw {
            None => Ok(None),
            Some("code") => Ok(Some(ResponseType::Code)),
            Some("token") => Ok(Some(ResponseType::Token)),
            Some(_) => Err(UnsupportedResponseType),
        }
    }

    /// The grant a response type belongs to.
    pub fn grant(self) -> GrantType {
        match self {
            ResponseType::Code => GrantType::AuthorizationCode,
            ResponseType::Token => GrantType::Implicit,
        }
    }
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The client.
    pub client: Arc<Client>,
    /// Where the answer goes (verified against the registration).
    pub redirect_uri: RedirectUri,
    /// Whether `redirect_uri` was in the request (then the token request must repeat it).
    pub redirect_uri_sent: bool,
    /// `code` or `token`.
    pub response_type: ResponseType,
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
}

/// Why a request cannot go on.
#[derive(Debug)]
pub enum Refusal {
    /// The client or redirect URI cannot be trusted: a 400 page, no redirect.
    Page(String),
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

/// Most a `state` may carry.
const MAX_STATE_LEN: usize = 1024;

/// Checks an authorization request (its query string, parsed).
pub async fn check(ctx: &Context, params: &Params) -> Result<AuthorizationRequest, Refusal> {
    // 1. Client and redirect URI: until both are verified, only a page.
    let client_id = params
        .get("client_id")
        .ok_or_else(|| Refusal::Page("The request names no client (client_id is missing).".into()))?;
    let client = match ctx.clients.get(client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Err(Refusal::Page(
                "The application that sent you here is not registered.".into(),
            ))
        }
        Err(_) => return Err(Refusal::Unavailable),
    };
    let (redirect_uri, sent) =
        match params.get("redirect_uri") {
            // RFC 9700 §4.1.3: exact string comparison (RFC 8252 §7.3: any port
            // on a loopback IP literal). The answer goes to the URI as sent.
            Some(uri) => match client.redirect_uri_for(uri) {
                Some(matched) => (matched, true),
                None => {
                    return Err(Refusal::Page(
                        "The redirect address in the request is not registered for this application.".into(),
                    ))
                }
            },
            None if client.redirect_uris.len() == 1 => (client.redirect_uris[0].clone(), false),
            None => return Err(Refusal::Page(
                "The request has no redirect address, and the application has none or several registered."
                    .into(),
            )),
        };
    if client.suspended {
        return Err(Refusal::Page("This application is suspended.".into()));
    }
    let state = params.get("state").map(str::to_string);
    let parsed_response_type = ResponseType::parse(params.get("response_type"));
    // Until it is known, errors go where a code would (the query).
    let response_type = parsed_response_type.ok().flatten().unwrap_or(ResponseType::Code);
    let mut request = AuthorizationRequest {
        client: client.clone(),
        redirect_uri,
        redirect_uri_sent: sent,
        response_type,
        scope: ScopeSet::default(),
        state,
        code_challenge: None,
        prompt_none: false,
        prompt_login: false,
        prompt_consent: false,
    };
    // 2. From here on, errors go back to the client.
    let fail = |request: &AuthorizationRequest, code: &str, why: &str| request.refuse(ctx, code, why, false);
    if request.state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN) {
        request.state = None;
        return Err(fail(&request, "invalid_request", "state is too long"));
    }
    match parsed_response_type {
        Ok(Some(_)) => {}
        Ok(None) => return Err(fail(&request, "invalid_request", "response_type is missing")),
        Err(UnsupportedResponseType) => {
            return Err(fail(
                &request,
                "unsupported_response_type",
                "only code and token are supported",
            ))
        }
    }
    let grant = request.response_type.grant();
    if !client.allows(grant) {
        return Err(fail(
            &request,
            "unauthorized_client",
            &format!("this client may not use the {grant} grant"),
        ));
    }
    request.scope = match params.get("scope") {
        None => client.scopes.clone(),
        Some(raw) => match ScopeSet::parse(raw) {
            Ok(s) if s.is_subset(&client.scopes) => s,
            _ => {
                return Err(fail(
                    &request,
                    "invalid_scope",
                    "the requested scope is unknown or not allowed",
                ))
            }
        },
    };
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
            "select_account" => {}
            _ => return Err(fail(&request, "invalid_request", "unknown prompt value")),
        }
    }
    if request.prompt_none && (request.prompt_login || request.prompt_consent) {
        return Err(fail(
            &request,
            "invalid_request",
            "prompt=none cannot be combined with other values",
        ));
    }
    if request.response_type == ResponseType::Code {
        check_pkce(&mut request, params).map_err(|why| fail(&request, "invalid_request", &why))?;
    }
    Ok(request)
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
    /// The redirect carrying `fields`, plus `state` and `iss` (RFC 9207):
    /// in the query for `code`, in the fragment for `token` (§4.2.2).
    pub fn response_url(&self, fields: &[(&str, &str)], issuer: &str) -> String {
        let mut url = self.redirect_uri.url().clone();
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        if let Some(state) = &self.state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", issuer));
        match self.response_type {
            ResponseType::Code => {
                url.query_pairs_mut().extend_pairs(pairs);
            }
            ResponseType::Token => {
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

    /// Whether the user must be asked before the client gets what it asks.
    pub async fn needs_consent(&self, ctx: &Context, user_id: &str) -> Result<bool, OAuthError> {
        if self.client.is_trusted && !self.prompt_consent {
            return Ok(false);
        }
        if self.prompt_consent {
            return Ok(true);
        }
        let (user, client) = (user_id.to_string(), self.client.id.clone());
        let remembered = ctx
            .db
            .run(move |conn| consents::scope_for(conn, &user, &client))
            .await?;
        Ok(!remembered.is_some_and(|s| self.scope.is_subset(&ScopeSet::parse(&s).unwrap_or_default())))
    }

    /// Remembers the user's approval of this request's scope (with what
    /// they approved before).
    pub async fn remember_consent(&self, ctx: &Context, user_id: &str) -> Result<(), OAuthError> {
        let (user, client) = (user_id.to_string(), self.client.id.clone());
        let scope = self.scope.clone();
        ctx.db
            .run(move |conn| {
                let before = consents::scope_for(conn, &user, &client)?.unwrap_or_default();
                let union = ScopeSet::parse(&format!("{before} {scope}")).unwrap_or(scope);
                consents::grant(conn, &user, &client, &union.to_string(), storage::now())?;
                let (actor, user_id, client_id) = (Actor::user(&user), user, client);
                let granted = Event::ConsentGranted {
                    user_id,
                    client_id,
                    scope: union,
                };
                audit::record_in(conn, &actor, granted);
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Issues what was asked for and returns the redirect that carries it.
    pub async fn approve(
        &self,
        ctx: &Context,
        user_id: &str,
        session_id: &str,
    ) -> Result<String, OAuthError> {
        let issuer = &ctx.settings.issuer;
        let audience = ctx.settings.default_audience().to_string();
        match self.response_type {
            ResponseType::Code => {
                let code = secrets::random_secret();
                let now = storage::now();
                let row = CodeRow {
                    code_hash: secrets::hash(&code),
                    client_id: self.client.id.clone(),
                    user_id: user_id.to_string(),
                    session_id: Some(session_id.to_string()),
                    redirect_uri: self
                        .redirect_uri_sent
                        .then(|| self.redirect_uri.as_str().to_string()),
                    scope: self.scope.to_string(),
                    audience,
                    code_challenge: self.code_challenge.as_ref().map(|c| c.as_str().to_string()),
                    code_challenge_method: self
                        .code_challenge
                        .as_ref()
                        .map(|c| c.method().as_str().to_string()),
                    created_at: now,
                    expires_at: now + ctx.settings.authorization_code_ttl,
                    redeemed_at: None,
                    issued_family_id: None,
                    issued_access_jti: None,
                    nonce: None,
                    auth_time: None,
                };
                ctx.db
                    .run(move |conn| storage::tokens::insert_code(conn, &row))
                    .await?;
                Ok(self.response_url(&[("code", &code)], issuer))
            }
            ResponseType::Token => {
                let grant = Grant {
                    sub: user_id,
                    client_id: &self.client.id,
                    scope: &self.scope,
                    aud: &audience,
                    sid: Some(session_id),
                };
                let access = issue_access(ctx, &grant).await?;
                ctx.metrics.token_issued(GrantType::Implicit);
                let expires_in = ctx.settings.access_token_ttl.to_string();
                let scope = self.scope.to_string();
                // §4.2.2: no refresh token in the implicit grant.
                Ok(self.response_url(
                    &[
                        ("access_token", &access.token),
                        ("token_type", "Bearer"),
                        ("expires_in", &expires_in),
                        ("scope", &scope),
                    ],
                    issuer,
                ))
            }
        }
    }
}
