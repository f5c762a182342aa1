//! Token introspection (RFC 7662): whether a token is live, and what it
//! carries. Only confidential clients an operator allowed may ask (an
//! API's introspection credentials, or a client marked with
//! `--introspect-for`), and each only about access tokens for the
//! audiences it was allowed: any other access token is answered
//! `{"active": false}`, so a client cannot probe other APIs' tokens. A
//! client may also ask about its own refresh tokens.

use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::liveness::{self, Verdict};
use crate::oauth::openid::subject;
use crate::oauth::{secrets, Context};
use crate::storage::{self, tokens as stored, Database};
use serde_json::{json, Value};

/// The introspection answer for the token in `params`.
pub async fn introspect(ctx: &Context, client: &Client, params: &Params) -> Result<Value, OAuthError> {
    if client.is_public {
        return Err(OAuthError::unauthorized_client(
            "only confidential clients may introspect tokens",
        ));
    }
    if client.introspection_audiences.is_empty() {
        return Err(OAuthError::unauthorized_client(
            "this client is not allowed to introspect tokens",
        ));
    }
    let token = params
        .require("token")
        .map_err(OAuthError::invalid_request)?
        .to_string();
    if params.get("token_type_hint") != Some("refresh_token") {
        if let Some(answer) = access_token(ctx, client, &token).await? {
            return Ok(answer);
        }
    }
    Ok(refresh_token(ctx, client, &token).await?.unwrap_or_else(inactive))
}

fn inactive() -> Value {
    json!({ "active": false })
}

/// The answer for an access token, or `None` if `token` is not one of ours
/// (it may then be a refresh token). Liveness is decided in one place,
/// shared with the userinfo endpoint; the answer shows `sub` as issued
/// (pairwise for a pairwise client). A token for an audience the client
/// may not introspect is inactive to it.
async fn access_token(ctx: &Context, client: &Client, token: &str) -> Result<Option<Value>, OAuthError> {
    let claims = match liveness::check(ctx, token).await? {
        Verdict::NotOurs => return Ok(None),
        Verdict::Dead => return Ok(Some(inactive())),
        Verdict::Live(live) => live.claims,
    };
    if !client.introspection_audiences.contains(&claims.aud) {
        return Ok(Some(inactive()));
    }
    let mut answer = json!({
        "active": true,
        // RFC 9449 §6.2: a bound token is a `DPoP` one, and says its key.
        "token_type": if claims.cnf.is_some() { "DPoP" } else { "Bearer" },
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
    if let Some(cnf) = &claims.cnf {
        answer["cnf"] = json!(cnf);
    }
    if let Some(sid) = claims.sid {
        answer["sid"] = json!(sid);
    }
    if !claims.roles.is_empty() {
        answer["roles"] = json!(claims.roles);
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
    let now = ctx.clock.now();
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
    // The user as this client sees them (pairwise for a pairwise client,
    // as in its access tokens: Core §8); a client's own token names it.
    let sub = match &row.user_id {
        Some(user) => subject::for_client(ctx, client, user).await?,
        None => row.client_id.clone(),
    };
    Ok(Some(json!({
        "active": true,
        "token_type": "refresh_token",
        "client_id": row.client_id,
        "sub": sub,
        "iss": ctx.settings.issuer,
        "scope": row.scope,
        "exp": row.expires_at,
        "iat": row.created_at,
    })))
}

/// Sets the audiences whose access tokens the client `id` may introspect
/// (none: it may not introspect at all). Each must be an absolute URI
/// without a fragment. Returns whether the client exists.
pub async fn allow(
    db: &Database,
    actor: &crate::oauth::audit::Actor,
    id: &str,
    audiences: &[String],
    now: i64,
) -> Result<Result<bool, String>, crate::storage::StorageError> {
    let mut list: Vec<String> = audiences.iter().filter(|a| !a.is_empty()).cloned().collect();
    if let Some(bad) = list.iter().find(|a| {
        !url::Url::parse(a).is_ok_and(|u| u.fragment().is_none()) || a.contains(char::is_whitespace)
    }) {
        return Ok(Err(format!("{bad:?} is not an absolute URI without a fragment")));
    }
    list.sort();
    list.dedup();
    let (id, actor) = (id.to_string(), actor.clone());
    db.transaction(move |conn| {
        let set = storage::clients::set_introspection_audiences(conn, &id, &list.join(" "), now)?;
        if set {
            storage::notifications::client_changed(conn, &id)?;
            let event = crate::oauth::audit::Event::ClientUpdated {
                client_id: id,
                trust_withdrawn: false,
            };
            crate::oauth::audit::record_in(conn, &actor, event, now);
        }
        Ok(Ok(set))
    })
    .await
}
