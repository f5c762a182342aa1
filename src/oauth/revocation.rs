//! Token revocation (RFC 7009).

use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::{secrets, tokens, Context};
use crate::storage::tokens as stored;

/// Revokes `token` if it belongs to `client`. Unknown, malformed, expired
/// and other clients' tokens are answered like a success (§2.2): the
/// answer reveals nothing, and another client's token is left alone.
pub async fn revoke(ctx: &Context, client: &Client, params: &Params) -> Result<(), OAuthError> {
    let token = params
        .require("token")
        .map_err(OAuthError::invalid_request)?
        .to_string();
    // A hint only orders the look-ups (§2.1); both kinds are tried.
    if params.get("token_type_hint") != Some("access_token") && revoke_refresh(ctx, client, &token).await? {
        return Ok(());
    }
    if let Some(claims) = tokens::verify_own(ctx, &token).await? {
        if claims.client_id == client.id {
            // An opaque token's row goes too: nothing is left to look up.
            ctx.db
                .transaction(move |conn| {
                    stored::revoke_jti(conn, &claims.jti, claims.exp)?;
                    crate::storage::opaque_tokens::delete_jti(conn, &claims.jti)
                })
                .await?;
        }
        return Ok(());
    }
    revoke_refresh(ctx, client, &token).await?;
    Ok(())
}

/// Revokes the family of a refresh token of `client`; whether it was one.
async fn revoke_refresh(ctx: &Context, client: &Client, token: &str) -> Result<bool, OAuthError> {
    let hash = secrets::hash(token);
    let client_id = client.id.clone();
    let now = ctx.clock.now();
    let found = ctx
        .db
        .run(move |conn| {
            let Some(row) = stored::refresh_by_hash(conn, &hash)? else {
                return Ok(false);
            };
            if row.client_id == client_id {
                stored::revoke_family(conn, &row.family_id, now)?;
            }
            Ok(true)
        })
        .await?;
    Ok(found)
}
