//! RFC 8628 §3.4–3.5: the device polls with its device code until the user
//! decided, then gets its tokens once. Like the code grant (and with its
//! issuing functions): an id token when `openid` was granted, a refresh
//! token when the client may refresh, `sid` from the session the user
//! approved in; and a logout, a suspension or a withdrawn consent between
//! the approval and the redemption stands.

use super::{user_roles, TokenResponse};
use crate::domain::{GrantType, ScopeSet};
use crate::oauth::clients::Client;
use crate::oauth::device::SLOW_DOWN_STEP;
use crate::oauth::error::{ErrorCode, OAuthError};
use crate::oauth::form::Params;
use crate::oauth::openid::{self, issue, issue::IdTokenGrant, subject};
use crate::oauth::tokens::{issue_bound, new_refresh, Grant, RefreshBase};
use crate::oauth::{secrets, Context};
use crate::storage::device_authorizations::{self as store, DeviceRow};
use crate::storage::{self, tokens};

pub(super) async fn exchange(
    ctx: &Context,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let device_code = params
        .require("device_code")
        .map_err(OAuthError::invalid_request)?;
    let hash = secrets::hash(device_code);
    let now = ctx.clock.now();
    let lookup = hash.clone();
    let row = ctx.db.run(move |conn| store::by_hash(conn, &lookup)).await?;
    let Some(row) = row.filter(|r| r.client_id == client.id) else {
        return Err(OAuthError::invalid_grant("the device code is invalid"));
    };
    match row.status.as_str() {
        store::REDEEMED => Err(OAuthError::invalid_grant("the device code was already used")),
        _ if row.expires_at <= now => Err(OAuthError::with_code(
            ErrorCode::ExpiredToken,
            "the device code has expired; start again",
        )),
        store::DENIED => Err(OAuthError::with_code(
            ErrorCode::AccessDenied,
            "the user denied the request",
        )),
        store::APPROVED => issue_tokens(ctx, client, row, now, jkt).await,
        _ => Err(poll(ctx, hash, now).await?),
    }
}

/// §3.5: a device that waited its interval hears `authorization_pending`;
/// one that did not hears `slow_down`, and its interval grows by 5 s. The
/// check and the record of the poll are one statement: of two polls sent
/// at once, only one can pass.
async fn poll(ctx: &Context, hash: String, now: i64) -> Result<OAuthError, OAuthError> {
    let waited = ctx
        .db
        .run(move |conn| {
            if store::take_poll(conn, &hash, now)? {
                return Ok(true);
            }
            store::slow_down(conn, &hash, SLOW_DOWN_STEP, now)?;
            Ok(false)
        })
        .await?;
    Ok(match waited {
        true => OAuthError::with_code(ErrorCode::AuthorizationPending, "the user has not decided yet"),
        false => OAuthError::with_code(
            ErrorCode::SlowDown,
            format!("polling too fast: wait {SLOW_DOWN_STEP} seconds more between requests"),
        ),
    })
}

async fn issue_tokens(
    ctx: &Context,
    client: &Client,
    row: DeviceRow,
    now: i64,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let (Some(user_id), Some(granted)) = (row.user_id.clone(), row.granted_scope.clone()) else {
        tracing::error!(client_id = %row.client_id, "an approved device authorization has no user or scope");
        return Err(OAuthError::server_error());
    };
    let scope = ScopeSet::parse(&granted).unwrap_or_default();
    let resources: Vec<String> = row.resources.split_whitespace().map(str::to_string).collect();
    let dir = ctx.apis.get().await?;
    let audience =
        crate::oauth::apis::audience(&dir, ctx.settings.default_audience(), client, &scope, &resources)?;
    let sub = subject::for_client(ctx, client, &user_id).await?;
    // The session as this client knows it (per sector for a pairwise one).
    let sid = row.session_id.as_deref().map(|p| subject::sid_for(client, p));
    let roles = user_roles(ctx, &dir, &user_id, &audience).await?;
    let grant = Grant {
        sub: &sub,
        client_id: &client.id,
        scope: &scope,
        aud: &audience,
        sid: sid.as_deref(),
        roles: &roles,
        act: None,
        origin_jti: None,
    };
    let access = issue_bound(ctx, &grant, i64::MAX, jkt).await?;
    let id_token = match openid::is_openid(&scope) {
        true => Some(
            issue::issue(
                ctx,
                IdTokenGrant {
                    client,
                    sub: &sub,
                    auth_time: row.auth_time,
                    nonce: None,
                    sid: sid.as_deref(),
                    access_token: Some(&access.token),
                    // Core §5.4: the claims are for userinfo, with the access token.
                    profile: Default::default(),
                },
            )
            .await?,
        ),
        false => None,
    };
    let (refresh, family) = match client.allows(GrantType::RefreshToken) {
        true => {
            let base = RefreshBase {
                client_id: &client.id,
                user_id: Some(&user_id),
                session_id: row.session_id.as_deref(),
                scope: &granted,
                audience: &audience,
                auth_time: row.auth_time,
                // RFC 9449 §5.0: a public client's refresh token is bound to its key.
                dpop_jkt: jkt.filter(|_| client.is_public),
            };
            let (token, refresh_row) = new_refresh(ctx, None, None, base);
            (Some(token), Some(refresh_row))
        }
        false => (None, None),
    };
    let hash = row.device_code_hash.clone();
    let session = row.session_id.clone();
    let (client_id, decided_at) = (row.client_id.clone(), row.decided_at.unwrap_or(row.created_at));
    let outcome = ctx
        .db
        .transaction(move |conn| {
            if !store::redeem(conn, &hash)? {
                return Ok(Outcome::Replayed);
            }
            // A logout or a ban since the approval stands.
            let user_active = storage::users::by_id(conn, &user_id)?.is_some_and(|u| !u.suspended);
            let session_live = match &session {
                Some(sid) => storage::sessions::is_live(conn, sid, now)?,
                None => true,
            };
            // So does a withdrawal of consent since the approval.
            let withdrawn = storage::consents::withdrawn_since(conn, &user_id, &client_id, decided_at)?;
            if !user_active || !session_live || withdrawn {
                return Ok(Outcome::NoLongerValid);
            }
            if let Some(r) = &family {
                tokens::insert_refresh(conn, r)?;
            }
            Ok(Outcome::Issued)
        })
        .await?;
    match outcome {
        Outcome::Issued => Ok(TokenResponse::new(ctx, access, refresh).with_id_token(id_token)),
        Outcome::Replayed => Err(OAuthError::invalid_grant("the device code was already used")),
        Outcome::NoLongerValid => Err(OAuthError::invalid_grant(
            "the sign-in behind this approval has ended, the account is suspended or the consent was withdrawn",
        )),
    }
}

enum Outcome {
    Issued,
    Replayed,
    NoLongerValid,
}
