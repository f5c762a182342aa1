//! RFC 6749 §4.4: a confidential client gets a token for itself.

use super::{audience, requested_scope, TokenResponse};
use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::tokens::{issue_bound, Grant};
use crate::oauth::Context;

pub(super) async fn exchange(
    ctx: &Context,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    if client.is_public {
        return Err(OAuthError::unauthorized_client(
            "a public client cannot use client_credentials",
        ));
    }
    let scope = requested_scope(params, &client.scopes)?;
    let (aud, dir) = audience(ctx, client, &scope, params).await?;
    let roles = dir.client_roles(&client.id, &aud);
    // `sub` is the client id, which can never equal a user id (user ids
    // carry a prefix client ids never have): RFC 9700 §4.15.
    let access = issue_bound(
        ctx,
        &Grant {
            sub: &client.id,
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
    // RFC 6749 §4.4.3: no refresh token.
    Ok(TokenResponse::new(ctx, access, None))
}
