//! Opaque access tokens ("opaque outside, JWT inside"): for a client whose
//! `access_token_format` is `opaque`, the access token handed out is 256
//! random bits (base64url, so never a dot in it), stored only as its hash
//! beside the claims a JWT would have carried. Nothing is signed. Reading
//! one ([`claims_of`]) is a look-up by hash; [`crate::oauth::tokens::verify_own`] does it
//! for every consumer, after which the one liveness rule applies to both
//! formats. The gateway check hands services an internal JWT made from the
//! claims, so they never see the difference.

use crate::domain::AccessTokenFormat;
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::error::OAuthError;
use crate::oauth::tokens::AccessClaims;
use crate::oauth::{secrets, Context};
use crate::storage::opaque_tokens::{self as stored, OpaqueRow};
use crate::storage::{self, Database, StorageError};

/// The longest string read as an opaque token (ours are 43 characters).
pub const MAX_OPAQUE: usize = 100;

/// Whether `token` has the shape of an opaque token rather than a JWT.
pub fn looks_opaque(token: &str) -> bool {
    !token.is_empty() && token.len() <= MAX_OPAQUE && !token.contains('.')
}

/// Stores an opaque token for `claims` and returns the value to hand out.
pub async fn issue(ctx: &Context, claims: &AccessClaims) -> Result<String, OAuthError> {
    let token = secrets::random_secret();
    let row = OpaqueRow {
        token_hash: secrets::hash(&token),
        jti: claims.jti.clone(),
        client_id: claims.client_id.clone(),
        claims: serde_json::to_string(claims).map_err(|e| {
            tracing::error!(error = %e, "could not serialise access token claims");
            OAuthError::server_error()
        })?,
        expires_at: claims.exp,
    };
    ctx.db.run(move |conn| stored::insert(conn, &row)).await?;
    Ok(token)
}

/// The claims of the opaque token `token`, if it is one of ours and has not
/// expired by the context's clock (no leeway, as for JWTs). Revocation and
/// the rest of liveness are the caller's, as for JWTs.
pub async fn claims_of(ctx: &Context, token: &str) -> Result<Option<AccessClaims>, OAuthError> {
    let hash = secrets::hash(token);
    let Some(row) = ctx.db.run(move |conn| stored::by_hash(conn, &hash)).await? else {
        return Ok(None);
    };
    let claims: AccessClaims = match serde_json::from_str(&row.claims) {
        Ok(claims) => claims,
        Err(e) => {
            tracing::error!(error = %e, jti = %row.jti, "stored opaque token claims do not parse");
            return Ok(None);
        }
    };
    // The row's own expiry is the claims' `exp`; read it from the claims,
    // as a JWT's is, and refuse from `exp` on.
    Ok((ctx.clock.now() < claims.exp && claims.iss == ctx.settings.issuer).then_some(claims))
}

/// Whether a token is issued as `format` for a client: the format of the
/// client `client_id` (from the client cache; an unknown client: JWT).
pub async fn format_of(ctx: &Context, client_id: &str) -> Result<AccessTokenFormat, OAuthError> {
    Ok(ctx
        .clients
        .get(client_id)
        .await?
        .map(|c| c.access_token_format)
        .unwrap_or_default())
}

/// Sets the form of the access tokens the client `id` is given from now on
/// (tokens already issued keep theirs). Returns whether the client exists.
pub async fn set_format(
    db: &Database,
    actor: &Actor,
    id: &str,
    format: AccessTokenFormat,
    now: i64,
) -> Result<bool, StorageError> {
    let (id, actor) = (id.to_string(), actor.clone());
    db.transaction(move |conn| {
        let set = storage::clients::set_access_token_format(conn, &id, format.as_str(), now)?;
        if set {
            storage::notifications::client_changed(conn, &id)?;
            let event = Event::ClientUpdated {
                client_id: id,
                trust_withdrawn: false,
            };
            audit::record_in(conn, &actor, event, now);
        }
        Ok(set)
    })
    .await
}
