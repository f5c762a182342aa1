//! RFC 6749 §4.1.3: redeeming an authorization code, with PKCE (RFC 7636).
//! A code is single use: redemption is one atomic update, and a second
//! redemption revokes what the first one issued (§4.1.2).

use super::{user_roles, TokenResponse};
use crate::domain::{CodeChallenge, CodeVerifier, GrantType, ScopeSet};
use crate::oauth::clients::Client;
use crate::oauth::dpop;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::openid::{self, issue, issue::IdTokenGrant, subject};
use crate::oauth::tokens::{issue_bound, new_refresh, Grant, RefreshBase};
use crate::oauth::{secrets, Context};
use crate::storage::{self, tokens};

pub(super) async fn exchange(
    ctx: &Context,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let code = params.require("code").map_err(OAuthError::invalid_request)?;
    let verifier = params
        .get("code_verifier")
        .map(CodeVerifier::parse)
        .transpose()
        .map_err(|e| OAuthError::invalid_request(e.0))?;
    let hash = secrets::hash(code);
    let now = ctx.clock.now();
    let lookup = hash.clone();
    let Some(row) = ctx
        .db
        .run(move |conn| tokens::code_by_hash(conn, &lookup))
        .await?
    else {
        return Err(OAuthError::invalid_grant("the authorization code is invalid"));
    };
    check_code(ctx, client, params, &row, verifier.as_ref(), now).await?;
    // RFC 9449 §10: a code bound to a key (`dpop_jkt`) is redeemed with a
    // proof by that key only.
    // Refused before the redemption: a thief's attempt does not use up
    // the code its rightful holder is about to redeem.
    match (row.dpop_jkt.as_deref(), jkt) {
        (Some(_), None) => {
            return Err(dpop::invalid(
                "the authorization code is bound to a DPoP key: send a DPoP proof by that key",
            ))
        }
        (Some(bound), Some(presented)) if bound != presented => {
            return Err(dpop::invalid(
                "the authorization code is bound to another DPoP key",
            ))
        }
        _ => {}
    }

    // Everything is prepared first, then written in one transaction with the
    // redemption itself: all of it happens, or none.
    let scope = ScopeSet::parse(&row.scope).unwrap_or_default();
    let sub = subject::for_client(ctx, client, &row.user_id).await?;
    // The session as this client knows it (per sector for a pairwise one).
    let sid = row.session_id.as_deref().map(|p| subject::sid_for(client, p));
    let dir = ctx.apis.get().await?;
    let roles = user_roles(ctx, &dir, &row.user_id, &row.audience).await?;
    let grant = Grant {
        sub: &sub,
        client_id: &client.id,
        scope: &scope,
        aud: &row.audience,
        sid: sid.as_deref(),
        roles: &roles,
        act: None,
        origin_jti: None,
    };
    let access = issue_bound(ctx, &grant, i64::MAX, jkt).await?;
    let id_token = id_token(ctx, client, &row, (&sub, sid.as_deref()), &scope, &access.token).await?;
    let (refresh, family) = prepare_refresh(ctx, client, &row, jkt);
    let jti = access.claims.jti.clone();
    let (user_id, session) = (row.user_id.clone(), row.session_id.clone());
    let (client_id, code_created_at) = (row.client_id.clone(), row.created_at);
    let revoked_until = now + ctx.settings.access_token_ttl;
    let outcome = ctx
        .db
        .transaction(move |conn| {
            if !tokens::redeem_code(conn, &hash, now)? {
                // Another redemption won the race; what it issued is
                // committed by now (its update held the row), so revoke it.
                if let Some(first) = tokens::code_by_hash(conn, &hash)? {
                    revoke_issued(conn, &first, now, revoked_until)?;
                }
                return Ok(Outcome::Replayed);
            }
            // A logout or a ban since the code was issued stands.
            let user_active = storage::users::by_id(conn, &user_id)?.is_some_and(|u| !u.suspended);
            let session_live = match &session {
                Some(sid) => storage::sessions::is_live(conn, sid, now)?,
                None => true,
            };
            // So does a withdrawal of consent since the code was issued.
            let withdrawn = storage::consents::withdrawn_since(conn, &user_id, &client_id, code_created_at)?;
            if !user_active || !session_live || withdrawn {
                return Ok(Outcome::NoLongerValid);
            }
            if let Some(r) = &family {
                tokens::insert_refresh(conn, r)?;
            }
            tokens::record_code_issue(conn, &hash, family.as_ref().map(|r| r.family_id.as_str()), &jti)?;
            Ok(Outcome::Issued)
        })
        .await?;
    match outcome {
        Outcome::Issued => Ok(TokenResponse::new(ctx, access, refresh).with_id_token(id_token)),
        Outcome::Replayed => Err(OAuthError::invalid_grant(
            "the authorization code was already used",
        )),
        Outcome::NoLongerValid => Err(OAuthError::invalid_grant(
            "the sign-in behind this code has ended, the account is suspended or the consent was withdrawn",
        )),
    }
}

/// §4.1.3: the code was issued to this client, is used once, has not
/// expired, comes with the same redirect_uri, and satisfies its PKCE
/// challenge (RFC 7636 §4.6). A second use revokes what the first issued.
async fn check_code(
    ctx: &Context,
    client: &Client,
    params: &Params,
    row: &tokens::CodeRow,
    verifier: Option<&CodeVerifier>,
    now: i64,
) -> Result<(), OAuthError> {
    if row.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if row.redeemed_at.is_some() {
        revoke_first_redemption(ctx, row).await?;
        return Err(OAuthError::invalid_grant(
            "the authorization code was already used",
        ));
    }
    if row.expires_at <= now {
        return Err(OAuthError::invalid_grant("the authorization code has expired"));
    }
    // §4.1.3: the same redirect_uri as in the authorization request, if one was sent there.
    if let Some(expected) = &row.redirect_uri {
        if params.get("redirect_uri") != Some(expected.as_str()) {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
    }
    let challenge = row
        .code_challenge
        .clone()
        .map(|c| CodeChallenge::from_stored(c, row.code_challenge_method.as_deref()));
    check_pkce(challenge.as_ref(), verifier)
}

/// OpenID Connect Core §3.1.3.3: an id token when `openid` was granted.
async fn id_token(
    ctx: &Context,
    client: &Client,
    row: &tokens::CodeRow,
    (sub, sid): (&str, Option<&str>),
    scope: &ScopeSet,
    access_token: &str,
) -> Result<Option<String>, OAuthError> {
    let id_token = if openid::is_openid(scope) {
        let grant = IdTokenGrant {
            client,
            sub,
            auth_time: row.auth_time,
            nonce: row.nonce.as_deref(),
            sid,
            access_token: Some(access_token),
            // Core §5.4: the claims are for userinfo, with the access token.
            profile: Default::default(),
        };
        Some(issue::issue(ctx, grant).await?)
    } else {
        None
    };
    Ok(id_token)
}

/// A refresh token, when the client may refresh (RFC 6749 §6): the token and
/// the row to store with the redemption.
fn prepare_refresh(
    ctx: &Context,
    client: &Client,
    row: &tokens::CodeRow,
    jkt: Option<&str>,
) -> (Option<String>, Option<tokens::RefreshRow>) {
    if client.allows(GrantType::RefreshToken) {
        let base = RefreshBase {
            client_id: &client.id,
            user_id: Some(&row.user_id),
            session_id: row.session_id.as_deref(),
            scope: &row.scope,
            audience: &row.audience,
            auth_time: row.auth_time,
            // RFC 9449 §5.0: a public client's refresh token is bound to its key.
            dpop_jkt: jkt.filter(|_| client.is_public),
        };
        let (token, refresh_row) = new_refresh(ctx, None, None, base);
        (Some(token), Some(refresh_row))
    } else {
        (None, None)
    }
}

enum Outcome {
    Issued,
    Replayed,
    NoLongerValid,
}

/// Revokes the refresh-token family and the access token a redemption issued.
fn revoke_issued(
    conn: &mut storage::DbConnection,
    first: &tokens::CodeRow,
    now: i64,
    revoked_until: i64,
) -> Result<(), storage::QueryError> {
    if let Some(f) = &first.issued_family_id {
        tokens::revoke_family(conn, f, now)?;
    }
    if let Some(j) = &first.issued_access_jti {
        tokens::revoke_jti(conn, j, revoked_until)?;
    }
    Ok(())
}

fn check_pkce(challenge: Option<&CodeChallenge>, verifier: Option<&CodeVerifier>) -> Result<(), OAuthError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        // RFC 9700 §2.1.1: a verifier for a code issued without a challenge
        // is a PKCE downgrade attempt.
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier sent for a code issued without PKCE",
        )),
        (Some(_), None) => Err(OAuthError::invalid_grant(
            "code_verifier is required for this code",
        )),
        (Some(challenge), Some(verifier)) if challenge.is_satisfied_by(verifier) => Ok(()),
        (Some(_), Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier does not match the code challenge",
        )),
    }
}

async fn revoke_first_redemption(ctx: &Context, row: &tokens::CodeRow) -> Result<(), OAuthError> {
    let first = row.clone();
    let now = ctx.clock.now();
    let revoked_until = now + ctx.settings.access_token_ttl;
    tracing::warn!(client_id = %row.client_id, "authorization code replayed; revoking what it issued");
    ctx.db
        .transaction(move |conn| revoke_issued(conn, &first, now, revoked_until))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_without_a_challenge_is_a_downgrade() {
        let verifier = CodeVerifier::parse(&"v".repeat(43)).unwrap();
        assert!(check_pkce(None, Some(&verifier)).is_err());
    }
}
