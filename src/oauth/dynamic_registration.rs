//! Dynamic client registration (RFC 7591) and its management (RFC 7592).
//!
//! A program registers itself with a JSON document of client metadata; the
//! same rules as the developer portal apply ([`Registrant::SelfService`]).
//! The answer carries a registration access token with which the program
//! can later read, replace or delete its registration — and nothing else.

use crate::oauth::audit::Actor;
use crate::oauth::error::OAuthError;
use crate::oauth::metadata::REGISTRATION_PATH;
use crate::oauth::registry::{self, Editor, FieldError, NewClient, RegisterError, Registrant, UpdateError};
use crate::oauth::settings::ProtocolSettings as Settings;
use crate::oauth::{secrets, Context};
use crate::storage::{clients::ClientRow, StorageError};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

/// Largest registration document accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The name given to a client that registers without `client_name`
/// (RFC 7591 makes it optional; the registry needs one).
pub const DEFAULT_CLIENT_NAME: &str = "Unnamed client";

/// Longest client id looked up at the management endpoint.
const MAX_CLIENT_ID_LEN: usize = 200;

/// Compared against when there is no stored token, so an unknown client
/// costs the same work as a wrong token.
const NO_TOKEN_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest `error_description` (a parser's message may quote the input).
const MAX_DESCRIPTION_CHARS: usize = 300;

/// Why a registration request was refused (RFC 7591 §3.2.2, RFC 7592 §2).
#[derive(Debug)]
pub enum RegistrationError {
    /// 400 `invalid_redirect_uri`.
    InvalidRedirectUri(String),
    /// 400 `invalid_client_metadata`.
    InvalidClientMetadata(String),
    /// 401 `invalid_token`: the initial or registration access token is
    /// missing or wrong, or the client does not exist (not told apart).
    InvalidToken,
    /// The server's side failed (503 or 500), as the other OAuth endpoints answer it.
    Server(OAuthError),
}

impl RegistrationError {
    /// 400 `invalid_client_metadata`.
    pub fn invalid_metadata(description: impl Into<String>) -> Self {
        RegistrationError::InvalidClientMetadata(description.into())
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            RegistrationError::InvalidRedirectUri(_) | RegistrationError::InvalidClientMetadata(_) => 400,
            RegistrationError::InvalidToken => 401,
            RegistrationError::Server(e) => e.status,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let (code, description) = match self {
            RegistrationError::InvalidRedirectUri(d) => ("invalid_redirect_uri", d.as_str()),
            RegistrationError::InvalidClientMetadata(d) => ("invalid_client_metadata", d.as_str()),
            RegistrationError::InvalidToken => (
                "invalid_token",
                "the access token is missing, or not valid for this registration",
            ),
            RegistrationError::Server(e) => return e.body(),
        };
        json!({ "error": code, "error_description": truncate(description) })
    }
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_DESCRIPTION_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

impl From<StorageError> for RegistrationError {
    fn from(e: StorageError) -> Self {
        RegistrationError::Server(e.into())
    }
}

impl From<FieldError> for RegistrationError {
    fn from(e: FieldError) -> Self {
        // The registry's field names, as RFC 7591 spells them.
        let wire = match e.field {
            "name" => "client_name",
            "homepage_uri" => "client_uri",
            "scopes" => "scope",
            other => other,
        };
        let description = format!("{wire}: {}", e.message);
        if e.field == "redirect_uris" {
            RegistrationError::InvalidRedirectUri(description)
        } else {
            RegistrationError::InvalidClientMetadata(description)
        }
    }
}

impl From<RegisterError> for RegistrationError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::Invalid(f) => f.into(),
            RegisterError::Storage(s) => s.into(),
        }
    }
}

/// How a client authenticates at the token endpoint (RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic (the default).
    ClientSecretBasic,
    /// The secret in the form body.
    ClientSecretPost,
    /// A public client: no secret.
    None,
}

impl AuthMethod {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::None => "none",
        }
    }

    fn parse(raw: &str) -> Result<Self, RegistrationError> {
        match raw {
            "client_secret_basic" => Ok(AuthMethod::ClientSecretBasic),
            "client_secret_post" => Ok(AuthMethod::ClientSecretPost),
            "none" => Ok(AuthMethod::None),
            other => Err(RegistrationError::invalid_metadata(format!(
                "token_endpoint_auth_method {other:?} is not supported; use client_secret_basic, \
                 client_secret_post or none"
            ))),
        }
    }

    fn is_public(self) -> bool {
        self == AuthMethod::None
    }

    /// What a stored client's method is reported as: the server does not
    /// record which of the two secret methods was asked for, and accepts both.
    fn of(row: &ClientRow) -> Self {
        if row.is_public {
            AuthMethod::None
        } else {
            AuthMethod::ClientSecretBasic
        }
    }
}

/// The client metadata this server understands (RFC 7591 §2); any other
/// member is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ClientMetadata {
    redirect_uris: Option<Vec<String>>,
    client_name: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    scope: Option<String>,
    token_endpoint_auth_method: Option<String>,
    /// Only in an RFC 7592 update, where it must name the registration.
    client_id: Option<String>,
}

impl ClientMetadata {
    fn from_json(body: &[u8]) -> Result<Self, RegistrationError> {
        if !serde_json::from_slice::<Value>(body).is_ok_and(|v| v.is_object()) {
            return Err(RegistrationError::invalid_metadata(
                "the body must be a JSON object of client metadata",
            ));
        }
        serde_json::from_slice(body)
            .map_err(|e| RegistrationError::invalid_metadata(format!("malformed client metadata: {e}")))
    }

    fn auth_method(&self) -> Result<Option<AuthMethod>, RegistrationError> {
        self.token_endpoint_auth_method
            .as_deref()
            .map(AuthMethod::parse)
            .transpose()
    }

    /// The registration these metadata ask for.
    fn into_new_client(self, public: bool) -> Result<NewClient, RegistrationError> {
        let grant_types = grant_types(self.grant_types, self.response_types)?;
        let name = self
            .client_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_CLIENT_NAME.to_string());
        let scopes = self
            .scope
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Ok(NewClient {
            name,
            description: String::new(),
            homepage_uri: self.client_uri,
            logo_uri: self.logo_uri,
            redirect_uris: self.redirect_uris.unwrap_or_default(),
            grant_types,
            scopes,
            resources: Vec::new(),
            public,
            trusted: false,
            owner_id: None,
        })
    }
}

/// The grant types to register, made consistent with the response types
/// (RFC 7591 §2.1: `code` goes with `authorization_code`, `token` with
/// `implicit`). Either may be omitted and is then derived from the other;
/// both omitted means `authorization_code` and `code`.
fn grant_types(
    grants: Option<Vec<String>>,
    responses: Option<Vec<String>>,
) -> Result<Vec<String>, RegistrationError> {
    let grants = grants.filter(|g| !g.is_empty());
    let responses = responses.filter(|r| !r.is_empty());
    let (mut code, mut token) = (false, false);
    for r in responses.iter().flatten() {
        match r.as_str() {
            "code" => code = true,
            "token" => token = true,
            other => {
                return Err(RegistrationError::invalid_metadata(format!(
                    "response_types: {other:?} is not supported; use code or token"
                )))
            }
        }
    }
    match (grants, responses) {
        (None, None) => Ok(vec!["authorization_code".into()]),
        (None, Some(_)) => Ok([(code, "authorization_code"), (token, "implicit")]
            .into_iter()
            .filter(|(wanted, _)| *wanted)
            .map(|(_, g)| g.to_string())
            .collect()),
        (Some(grants), None) => Ok(grants),
        (Some(grants), Some(_)) => {
            let has = |g: &str| grants.iter().any(|x| x == g);
            if has("authorization_code") != code || has("implicit") != token {
                return Err(RegistrationError::invalid_metadata(
                    "response_types and grant_types disagree: the code response type goes with the \
                     authorization_code grant, token with implicit",
                ));
            }
            Ok(grants)
        }
    }
}

/// Checks the RFC 7591 initial access token, when the operator requires one.
pub fn check_initial_access_token(
    settings: &Settings,
    presented: Option<&str>,
) -> Result<(), RegistrationError> {
    // Closed unless the operator set a token or opened registration: an
    // open endpoint lets anyone create clients (RFC 7591 §3).
    let Some(expected) = settings
        .registration_initial_access_token
        .as_ref()
        .map(|t| t.expose_secret())
    else {
        return if settings.open_registration {
            Ok(())
        } else {
            Err(RegistrationError::InvalidToken)
        };
    };
    let Some(presented) = presented else {
        return Err(RegistrationError::InvalidToken);
    };
    // Hashed first so the comparison does not even reveal the length.
    let ok: bool = secrets::hash(presented)
        .as_bytes()
        .ct_eq(secrets::hash(expected).as_bytes())
        .into();
    if ok {
        Ok(())
    } else {
        Err(RegistrationError::InvalidToken)
    }
}

async fn self_service(ctx: &Context) -> Result<Registrant, RegistrationError> {
    let catalogue = registry::catalogue(&ctx.db).await?;
    Ok(Registrant::self_service(&ctx.settings, &catalogue))
}

/// RFC 7591 §3: registers the client `body` describes; the client
/// information response (§3.2.1).
///
/// `actor` is the program registering, with its address: [`Actor::client`].
pub async fn register(ctx: &Context, actor: &Actor, body: &[u8]) -> Result<Value, RegistrationError> {
    let metadata = ClientMetadata::from_json(body)?;
    let method = metadata.auth_method()?.unwrap_or(AuthMethod::ClientSecretBasic);
    let valid = metadata
        .into_new_client(method.is_public())?
        .validate(&self_service(ctx).await?)?;
    let registered = registry::register(&ctx.db, actor, valid, true).await?;
    let id = registered.client_id;
    let loaded = match (
        registry::load(&ctx.db, &id).await,
        registered.registration_access_token,
    ) {
        (Ok(Some(row)), Some(token)) => Ok((row, token)),
        (Err(e), _) => Err(e),
        // Deleted already, or no token: neither can happen short of a bug.
        _ => Err(StorageError::Query(diesel::result::Error::NotFound)),
    };
    let (row, token) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            // The requester would never learn the credentials: take the registration back.
            tracing::error!(client_id = %id, error = %e, "a registered client could not be read back");
            if let Err(e) = registry::delete(&ctx.clients, &Actor::system(), &id).await {
                tracing::error!(client_id = %id, error = %e, "an unanswerable registration could not be removed");
            }
            return Err(e.into());
        }
    };
    tracing::info!(client_id = %id, public = row.is_public, "a client registered itself");
    let secret = registered.client_secret.as_ref().map(|s| s.expose_secret());
    Ok(information(
        &ctx.settings.issuer,
        &row,
        method,
        token.expose_secret(),
        secret,
    ))
}

/// A registration its registration access token was checked against.
pub struct Managed {
    row: ClientRow,
    token: String,
}

/// RFC 7592 §2: the registration of `client_id`, if `presented` is its
/// registration access token. Anything else is [`RegistrationError::InvalidToken`],
/// whether or not the client exists.
pub async fn authenticate(
    ctx: &Context,
    client_id: &str,
    presented: Option<&str>,
) -> Result<Managed, RegistrationError> {
    let Some(presented) = presented else {
        return Err(RegistrationError::InvalidToken);
    };
    let row = if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_LEN {
        None
    } else {
        registry::load(&ctx.db, client_id).await?
    };
    let stored = row.as_ref().and_then(|r| r.registration_token_hash.as_deref());
    let matches = secrets::matches_hash(presented, stored.unwrap_or(NO_TOKEN_HASH));
    match row {
        Some(row) if matches && stored.is_some() => Ok(Managed {
            row,
            token: presented.to_string(),
        }),
        _ => Err(RegistrationError::InvalidToken),
    }
}

/// RFC 7592 §2.1: the current registration (without the secret).
pub fn read(ctx: &Context, managed: &Managed) -> Value {
    information(
        &ctx.settings.issuer,
        &managed.row,
        AuthMethod::of(&managed.row),
        &managed.token,
        None,
    )
}

/// RFC 7592 §2.2: replaces the registration's metadata with `body`'s. The
/// client's id, secret and type stay; `token_endpoint_auth_method` may
/// switch between the two secret methods, not to or from `none`.
pub async fn replace(
    ctx: &Context,
    actor: &Actor,
    managed: Managed,
    body: &[u8],
) -> Result<Value, RegistrationError> {
    let metadata = ClientMetadata::from_json(body)?;
    if metadata.client_id.as_deref() != Some(managed.row.id.as_str()) {
        return Err(RegistrationError::invalid_metadata(
            "client_id: the body must carry the client_id of the registration it replaces",
        ));
    }
    let public = managed.row.is_public;
    let method = match metadata.auth_method()? {
        None => AuthMethod::of(&managed.row),
        Some(m) if m.is_public() != public => {
            return Err(RegistrationError::invalid_metadata(
                "token_endpoint_auth_method: a client cannot change between public (none) and \
                 confidential; register a new client instead",
            ))
        }
        Some(m) => m,
    };
    let new = metadata.into_new_client(public)?;
    let rules = self_service(ctx).await?;
    let id = managed.row.id;
    registry::update(&ctx.clients, actor, &id, Editor::SelfService, move |_| {
        new.validate(&rules)
    })
    .await
    .map_err(|e| match e {
        UpdateError::NotFound => RegistrationError::InvalidToken,
        UpdateError::Invalid(e) => e.into(),
        UpdateError::Storage(e) => e.into(),
    })?;
    let Some(row) = registry::load(&ctx.db, &id).await? else {
        return Err(RegistrationError::InvalidToken);
    };
    tracing::info!(client_id = %id, "a client updated its registration");
    Ok(information(
        &ctx.settings.issuer,
        &row,
        method,
        &managed.token,
        None,
    ))
}

/// RFC 7592 §2.3: deletes the registration; its tokens go inactive.
pub async fn delete(ctx: &Context, actor: &Actor, managed: Managed) -> Result<(), RegistrationError> {
    let id = managed.row.id;
    if !registry::delete(&ctx.clients, actor, &id).await? {
        return Err(RegistrationError::InvalidToken);
    }
    tracing::info!(client_id = %id, "a client deleted its registration");
    Ok(())
}

/// The client information response (RFC 7591 §3.2.1, RFC 7592 §3).
fn information(
    issuer: &str,
    row: &ClientRow,
    method: AuthMethod,
    registration_token: &str,
    secret: Option<&str>,
) -> Value {
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let grant_types = words(&row.grant_types);
    let has = |g: &str| grant_types.iter().any(|x| x == g);
    let response_types: Vec<&str> = [(has("authorization_code"), "code"), (has("implicit"), "token")]
        .into_iter()
        .filter_map(|(yes, r)| yes.then_some(r))
        .collect();
    let mut info = json!({
        "client_id": row.id,
        "client_id_issued_at": row.created_at,
        "registration_access_token": registration_token,
        "registration_client_uri": format!("{issuer}{REGISTRATION_PATH}/{}", row.id),
        "client_name": row.name,
        "redirect_uris": words(&row.redirect_uris),
        "grant_types": grant_types,
        "response_types": response_types,
        "token_endpoint_auth_method": method.as_str(),
    });
    if !row.scopes.is_empty() {
        info["scope"] = json!(row.scopes);
    }
    if let Some(uri) = &row.homepage_uri {
        info["client_uri"] = json!(uri);
    }
    if let Some(uri) = &row.logo_uri {
        info["logo_uri"] = json!(uri);
    }
    if !row.is_public {
        info["client_secret_expires_at"] = json!(0);
        if let Some(secret) = secret {
            info["client_secret"] = json!(secret);
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn without_grant_or_response_types_the_client_gets_the_code_grant() {
        assert_eq!(grant_types(None, None).unwrap(), vec!["authorization_code"]);
        assert_eq!(
            grant_types(strings(&[]), strings(&[])).unwrap(),
            vec!["authorization_code"]
        );
    }

    #[test]
    fn grant_types_follow_response_types_when_omitted() {
        assert_eq!(
            grant_types(None, strings(&["token", "code"])).unwrap(),
            vec!["authorization_code", "implicit"]
        );
    }

    #[test]
    fn contradicting_grant_and_response_types_are_refused() {
        for (grants, responses) in [
            (&["authorization_code"][..], &["token"][..]),
            (&["client_credentials"][..], &["code"][..]),
            (&["authorization_code", "implicit"][..], &["code"][..]),
        ] {
            assert!(matches!(
                grant_types(strings(grants), strings(responses)),
                Err(RegistrationError::InvalidClientMetadata(_))
            ));
        }
        assert!(grant_types(
            strings(&["authorization_code", "refresh_token"]),
            strings(&["code"])
        )
        .is_ok());
    }

    #[test]
    fn an_unknown_response_type_is_refused() {
        assert!(grant_types(None, strings(&["code id_token"])).is_err());
    }

    #[test]
    fn a_redirect_uri_problem_is_invalid_redirect_uri_and_others_invalid_client_metadata() {
        let e: RegistrationError = FieldError {
            field: "redirect_uris",
            message: "no".into(),
        }
        .into();
        assert_eq!(e.body()["error"], "invalid_redirect_uri");
        let e: RegistrationError = FieldError {
            field: "homepage_uri",
            message: "must be https".into(),
        }
        .into();
        assert_eq!(e.body()["error"], "invalid_client_metadata");
        assert_eq!(e.body()["error_description"], "client_uri: must be https");
    }

    #[test]
    fn metadata_must_be_a_json_object() {
        for body in [
            &b"[]"[..],
            b"\"x\"",
            b"{",
            b"",
            br#"{"redirect_uris":"https://a/cb"}"#,
        ] {
            assert!(matches!(
                ClientMetadata::from_json(body),
                Err(RegistrationError::InvalidClientMetadata(_))
            ));
        }
        let m =
            ClientMetadata::from_json(br#"{"client_name":"A","contacts":["a@b"],"logo_uri":null}"#).unwrap();
        assert_eq!(m.client_name.as_deref(), Some("A"));
    }

    #[test]
    fn long_descriptions_are_cut() {
        let e = RegistrationError::invalid_metadata("é".repeat(1000));
        let d = e.body()["error_description"].as_str().unwrap().to_string();
        assert_eq!(d.chars().count(), MAX_DESCRIPTION_CHARS + 1);
    }
}
