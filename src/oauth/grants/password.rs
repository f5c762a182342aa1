//! RFC 6749 §4.3: resource-owner password credentials. RFC 9700 §2.4 says
//! not to use it; Tollgate keeps it for trusted first-party clients that
//! are explicitly allowed it, and throttles failures.

use super::{audience, requested_scope, user_roles, TokenResponse};
use crate::domain::GrantType;
use crate::oauth::accounts::{self, SignInOutcome, Via};
use crate::oauth::clients::Client;
use crate::oauth::error::{ErrorCode, OAuthError};
use crate::oauth::form::Params;
use crate::oauth::openid::{self, issue, issue::IdTokenGrant, subject};
use crate::oauth::tokens::{issue_bound, new_refresh, Grant, RefreshBase};
use crate::oauth::Context;
use secrecy::SecretString;

pub(super) async fn exchange(
    ctx: &Context,
    client: &Client,
    params: &Params,
    peer: &str,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    if !client.is_trusted {
        return Err(OAuthError::unauthorized_client(
            "the password grant is only for trusted clients",
        ));
    }
    let username = params.require("username").map_err(OAuthError::invalid_request)?;
    let password = params.require("password").map_err(OAuthError::invalid_request)?;
    if username.len() > 64 {
        return Err(OAuthError::invalid_grant("the username or password is incorrect"));
    }
    if password.len() > accounts::MAX_PASSWORD_LEN * 4 {
        return Err(OAuthError::invalid_request("the password is too long"));
    }
    let scope = requested_scope(params, &client.scopes)?;
    let (aud, dir) = audience(ctx, client, &scope, params).await?;

    let password = SecretString::from(password.to_string());
    let user = match accounts::sign_in(ctx, username, password, Via::Client(&client.id), peer).await? {
        SignInOutcome::SignedIn(user) => user,
        // The same answer for an unknown user, a wrong password and a
        // suspended account: a right password for a banned account is not
        // confirmed.
        SignInOutcome::Refused => {
            return Err(OAuthError::invalid_grant("the username or password is incorrect"))
        }
        SignInOutcome::Throttled { retry_after } => {
            return Err(OAuthError::throttled(ErrorCode::InvalidGrant, retry_after as u64))
        }
        SignInOutcome::Busy { retry_after } => return Err(OAuthError::busy(retry_after)),
    };

    // The password was checked just now.
    let auth_time = ctx.clock.now();
    let sub = subject::for_client(ctx, client, &user.id).await?;
    let roles = user_roles(ctx, &dir, &user.id, &aud).await?;
    let access = issue_bound(
        ctx,
        &Grant {
            sub: &sub,
            client_id: &client.id,
            scope: &scope,
            aud: &aud,
            sid: None,
            roles: &roles,
            act: None,
            origin_jti: None,
        },
        i64::MAX,
        jkt,
    )
    .await?;
    // No browser session stands behind it: no `sid`, and no `nonce`
    // (there was no authentication request).
    let id_token = if openid::is_openid(&scope) {
        let grant = IdTokenGrant {
            client,
            sub: &sub,
            auth_time: Some(auth_time),
            nonce: None,
            sid: None,
            access_token: Some(&access.token),
            profile: Default::default(),
        };
        Some(issue::issue(ctx, grant).await?)
    } else {
        None
    };
    let refresh = if client.allows(GrantType::RefreshToken) {
        let scope_text = scope.to_string();
        let base = RefreshBase {
            client_id: &client.id,
            user_id: Some(&user.id),
            session_id: None,
            scope: &scope_text,
            audience: &aud,
            auth_time: Some(auth_time),
            // RFC 9449 §5.0: a public client's refresh token is bound to its key.
            dpop_jkt: jkt.filter(|_| client.is_public),
        };
        let (token, row) = new_refresh(ctx, None, None, base);
        ctx.db
            .run(move |conn| crate::storage::tokens::insert_refresh(conn, &row))
            .await?;
        Some(token)
    } else {
        None
    };
    Ok(TokenResponse::new(ctx, access, refresh).with_id_token(id_token))
}
