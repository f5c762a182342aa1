//! Dynamic client registration (RFC 7591) and its management (RFC 7592).
//!
//! A program registers itself with a JSON document of client metadata; the
//! same rules as the developer portal apply ([`Registrant::SelfService`]).
//! The answer carries a registration access token with which the program
//! can later read, replace or delete its registration — and nothing else.

mod error;
mod metadata;

pub use error::RegistrationError;
pub use metadata::{AuthMethod, DEFAULT_CLIENT_NAME};

use crate::oauth::audit::Actor;
use crate::oauth::metadata::REGISTRATION_PATH;
use crate::oauth::registry::{self, Editor, Registrant, UpdateError};
use crate::oauth::settings::ProtocolSettings as Settings;
use crate::oauth::{secrets, Context};
use crate::storage::clients::{ClientRow, ClientSecurity};
use crate::storage::StorageError;
pub(crate) use metadata::ClientMetadata;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

/// Largest registration document accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Longest client id looked up at the management endpoint.
const MAX_CLIENT_ID_LEN: usize = 200;

/// Compared against when there is no stored token, so an unknown client
/// costs the same work as a wrong token.
const NO_TOKEN_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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
    let format = metadata.access_token_format(ctx.settings.registration_access_token_format)?;
    let security = metadata.security(method, ctx.settings.outbound_private_addresses)?;
    // Written with the registration, in its transaction: a client is
    // never seen without the keys or requirements it registered.
    let valid = metadata
        .into_new_client(method.is_public())?
        .validate(&self_service(ctx).await?)?
        .with_access_token_format(format.unwrap_or_default())
        .with_security(security.clone());
    let registered = registry::register(&ctx.db, actor, valid, true, ctx.clock.now()).await?;
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
    tracing::info!(client_id = %id, public = row.is_public, method = method.as_str(), "a client registered itself");
    let secret = registered.client_secret.as_ref().map(|s| s.expose_secret());
    Ok(information(
        &ctx.settings,
        &row,
        &security,
        method,
        token.expose_secret(),
        secret,
    ))
}

/// A registration its registration access token was checked against.
pub struct Managed {
    row: ClientRow,
    token: String,
    /// Its keys and requirements, kept beside the registration.
    security: ClientSecurity,
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
        Some(row) if matches && stored.is_some() => {
            let id = row.id.clone();
            let security = ctx
                .db
                .run(move |conn| crate::storage::clients::security_of(conn, &id))
                .await?;
            Ok(Managed {
                row,
                token: presented.to_string(),
                security,
            })
        }
        _ => Err(RegistrationError::InvalidToken),
    }
}

/// RFC 7592 §2.1: the current registration (without the secret).
pub fn read(ctx: &Context, managed: &Managed) -> Value {
    information(
        &ctx.settings,
        &managed.row,
        &managed.security,
        AuthMethod::of(&managed.row, &managed.security),
        &managed.token,
        None,
    )
}

/// RFC 7592 §2.2: replaces the registration's metadata with `body`'s. The
/// client's id and type stay; `token_endpoint_auth_method` may switch
/// between the secret methods and `private_key_jwt` (a secret is issued
/// when it moves to a secret method without one; its keys go when it
/// leaves `private_key_jwt`), not to or from `none`.
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
        // §2.2: an omitted member is its default.
        None if public => AuthMethod::None,
        None => AuthMethod::ClientSecretBasic,
        Some(m) if m.is_public() != public => {
            return Err(RegistrationError::invalid_metadata(
                "token_endpoint_auth_method: a client cannot change between public (none) and \
                 confidential; register a new client instead",
            ))
        }
        Some(m) => m,
    };
    let format = metadata.access_token_format(ctx.settings.registration_access_token_format)?;
    let security = metadata.security(method, ctx.settings.outbound_private_addresses)?;
    let new = metadata.into_new_client(public)?;
    let rules = self_service(ctx).await?;
    let current_format = managed.row.access_token_format.clone();
    let id = managed.row.id;
    let written = security.clone();
    let secret =
        registry::update_with_credentials(&ctx.clients, actor, &id, Editor::SelfService, move |_| {
            Ok(new.validate(&rules)?.with_security(written))
        })
        .await
        .map_err(|e| match e {
            UpdateError::NotFound => RegistrationError::InvalidToken,
            UpdateError::Invalid(e) => e.into(),
            UpdateError::Storage(e) => e.into(),
        })?;
    // A replacement that leaves it out asks for the default (§2.2: the
    // metadata are replaced as a whole). Idempotent: a failure here is
    // answered 503 and the same PUT can be sent again.
    let format = format.unwrap_or_default();
    if ctx.settings.registration_access_token_format && format.as_str() != current_format {
        let now = ctx.clock.now();
        crate::oauth::opaque::set_format(&ctx.db, actor, &id, format, now).await?;
        ctx.clients.invalidate(&id);
    }
    let Some(row) = registry::load(&ctx.db, &id).await? else {
        return Err(RegistrationError::InvalidToken);
    };
    tracing::info!(client_id = %id, method = method.as_str(), "a client updated its registration");
    let secret = secret.as_ref().map(|s| s.expose_secret());
    Ok(information(
        &ctx.settings,
        &row,
        &security,
        method,
        &managed.token,
        secret,
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
    settings: &Settings,
    row: &ClientRow,
    security: &ClientSecurity,
    method: AuthMethod,
    registration_token: &str,
    secret: Option<&str>,
) -> Value {
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let grant_types = words(&row.grant_types);
    let has = |g: &str| grant_types.iter().any(|x| x == g);
    // The implicit grant answers `token` and, for OpenID Connect requests,
    // `id_token` and `id_token token` (Core §3.2).
    let response_types: Vec<&str> = [
        (has("authorization_code"), "code"),
        (has("implicit"), "token"),
        (has("implicit"), "id_token"),
        (has("implicit"), "id_token token"),
    ]
    .into_iter()
    .filter_map(|(yes, r)| yes.then_some(r))
    .collect();
    let mut info = json!({
        "client_id": row.id,
        "client_id_issued_at": row.created_at,
        "registration_access_token": registration_token,
        "registration_client_uri": format!("{}{REGISTRATION_PATH}/{}", settings.issuer, row.id),
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
    // OpenID Connect Dynamic Client Registration 1.0 §3.2: what was
    // registered, as registered.
    let openid = &row.openid;
    info["post_logout_redirect_uris"] = json!(words(&openid.post_logout_redirect_uris));
    if let Some(uri) = &openid.backchannel_logout_uri {
        info["backchannel_logout_uri"] = json!(uri);
        info["backchannel_logout_session_required"] = json!(openid.backchannel_logout_session_required);
    }
    info["subject_type"] = json!(openid.subject_type);
    if let Some(age) = openid.default_max_age {
        info["default_max_age"] = json!(age);
    }
    info["require_auth_time"] = json!(openid.require_auth_time);
    if let Some(alg) = &openid.id_token_signed_response_alg {
        info["id_token_signed_response_alg"] = json!(alg);
    }
    // Only where the registrant may choose it: otherwise it is not part
    // of what it registers.
    if settings.registration_access_token_format {
        info["access_token_format"] = json!(row.access_token_format);
    }
    // RFC 9126 §6 and RFC 9449 §5.2: always stated, so a replacement
    // that leaves them out visibly returns them to false.
    info["require_pushed_authorization_requests"] = json!(security.require_pushed_authorization_requests);
    info["dpop_bound_access_tokens"] = json!(security.dpop_bound_access_tokens);
    if let Some(jwks) = security
        .jwks
        .as_deref()
        .and_then(|j| serde_json::from_str::<Value>(j).ok())
    {
        info["jwks"] = jwks;
    }
    if let Some(uri) = &security.jwks_uri {
        info["jwks_uri"] = json!(uri);
    }
    if !row.is_public && method != AuthMethod::PrivateKeyJwt {
        info["client_secret_expires_at"] = json!(0);
        if let Some(secret) = secret {
            info["client_secret"] = json!(secret);
        }
    }
    info
}
