//! Token introspection (RFC 7662): whether a token is live, and what it
//! carries. Only confidential clients may ask.

use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::{secrets, tokens, Context};
use crate::storage::{self, tokens as stored};
use serde_json::{json, Value};

/// The introspection answer for the token in `params`.
pub async fn introspect(ctx: &Context, client: &Client, params: &Params) -> Result<Value, OAuthError> {
    if client.is_public {
        return Err(OAuthError::unauthorized_client(
            "only confidential clients may introspect tokens",
        ));
    }
    let token = params
        .require("token")
        .map_err(OAuthError::invalid_request)?
        .to_string();
    if params.get("token_type_hint") != Some("refresh_token") {
        if let Some(answer) = access_token(ctx, &token).await? {
            return Ok(answer);
        }
    }
    Ok(refresh_token(ctx, client, &token).await?.unwrap_or_else(inactive))
}

fn inactive() -> Value {
    json!({ "active": false })
}

async fn access_token(ctx: &Context, token: &str) -> Result<Option<Value>, OAuthError> {
    let Some(claims) = tokens::verify_own(ctx, token).await else {
        return Ok(None);
    };
    let issuing_client = ctx.clients.get(&claims.client_id).await?;
    if issuing_client.is_none_or(|c| c.suspended) {
        return Ok(Some(inactive()));
    }
    let (jti, sub, sid) = (claims.jti.clone(), claims.sub.clone(), claims.sid.clone());
    let (client_id, iat) = (claims.client_id.clone(), claims.iat);
    let live = ctx
        .db
        .run(move |conn| {
            if stored::is_jti_revoked(conn, &jti)? {
                return Ok(false);
            }
            // A user's token dies with the user's ban or deletion. A
            // client-credentials token names its client, no user.
            let names_a_user = sub != client_id;
            match storage::users::by_id(conn, &sub)? {
                Some(user) if user.suspended => return Ok(false),
                None if names_a_user => return Ok(false),
                _ => {}
            }
            // Logout ends the session: its tokens go inactive with it.
            if let Some(sid) = sid {
                if storage::sessions::has_ended(conn, &sid)? {
                    return Ok(false);
                }
            }
            // Withdrawing consent ends the client's tokens for the user.
            if storage::consents::withdrawn_since(conn, &sub, &client_id, iat)? {
                return Ok(false);
            }
            Ok(true)
        })
        .await?;
    if !live {
        return Ok(Some(inactive()));
    }
    let mut answer = json!({
        "active": true,
        "token_type": "Bearer",
        "client_id": claims.client_id,
        "sub": claims.sub,
        "iss": claims.iss,
        "aud": claims.aud,
        "exp": claims.exp,
        "iat": claims.iat,
        "jti": claims.jti,
    });
    if !claims.scope.is_empty() {
        answer["scope"] = json!(claims.scope);
    }
    if let Some(sid) = claims.sid {
        answer["sid"] = json!(sid);
    }
    Ok(Some(answer))
}

/// A refresh token is described only to the client it was issued to.
async fn refresh_token(ctx: &Context, client: &Client, token: &str) -> Result<Option<Value>, OAuthError> {
    let hash = secrets::hash(token);
    let Some((row, withdrawn)) = ctx
        .db
        .run(move |conn| {
            let Some(row) = stored::refresh_by_hash(conn, &hash)? else {
                return Ok(None);
            };
            let withdrawn = match &row.user_id {
                Some(user) => storage::consents::withdrawn_since(conn, user, &row.client_id, row.created_at)?,
                None => false,
            };
            Ok(Some((row, withdrawn)))
        })
        .await?
    else {
        return Ok(None);
    };
    let now = storage::now();
    let live = row.client_id == client.id
        && !withdrawn
        && row.revoked_at.is_none()
        && row.expires_at > now
        && row
            .rotated_at
            .is_none_or(|r| now - r <= ctx.settings.refresh_grace_period);
    if !live {
        return Ok(Some(inactive()));
    }
    Ok(Some(json!({
        "active": true,
        "token_type": "refresh_token",
        "client_id": row.client_id,
        "sub": row.user_id.unwrap_or_else(|| row.client_id.clone()),
        "iss": ctx.settings.issuer,
        "scope": row.scope,
        "exp": row.expires_at,
        "iat": row.created_at,
    })))
}
