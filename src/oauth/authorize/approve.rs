//! Consent (asking, remembering) and issuing what an approved request asks
//! for: a code, or the implicit flow's tokens in the fragment.

use super::{AuthorizationRequest, ResponseType};
use crate::domain::{GrantType, ScopeSet};
use crate::oauth::apis;
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::error::OAuthError;
use crate::oauth::openid::issue::{self, IdTokenGrant};
use crate::oauth::openid::subject;
use crate::oauth::sessions::Session;
use crate::oauth::tokens::{issue_access, Grant};
use crate::oauth::{secrets, Context};
use crate::storage::{self, consents, tokens::CodeRow};

impl AuthorizationRequest {
    /// Whether the user must be asked before the client gets what it asks.
    /// A remembered approval covers any request within the scopes approved
    /// (`openid profile` after `openid profile email`); one asking for more
    /// is asked again.
    pub async fn needs_consent(&self, ctx: &Context, user_id: &str) -> Result<bool, OAuthError> {
        if self.client.is_trusted && !self.prompt_consent {
            return Ok(false);
        }
        if self.prompt_consent {
            return Ok(true);
        }
        let (user, client) = (user_id.to_string(), self.client.id.clone());
        let remembered = ctx
            .db
            .run(move |conn| consents::scope_for(conn, &user, &client))
            .await?;
        Ok(!remembered.is_some_and(|s| self.scope.is_subset(&ScopeSet::parse(&s).unwrap_or_default())))
    }

    /// Remembers the user's approval of this request's scope (with what
    /// they approved before).
    pub async fn remember_consent(&self, ctx: &Context, user_id: &str) -> Result<(), OAuthError> {
        let (user, client) = (user_id.to_string(), self.client.id.clone());
        let scope = self.scope.clone();
        let now = ctx.clock.now();
        ctx.db
            .run(move |conn| {
                let before = consents::scope_for(conn, &user, &client)?.unwrap_or_default();
                let union = ScopeSet::parse(&format!("{before} {scope}")).unwrap_or(scope);
                consents::grant(conn, &user, &client, &union.to_string(), now)?;
                let (actor, user_id, client_id) = (Actor::user(&user), user, client);
                let granted = Event::ConsentGranted {
                    user_id,
                    client_id,
                    scope: union,
                };
                audit::record_in(conn, &actor, granted, now);
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Issues what was asked for to the user of `session` and returns the
    /// redirect that carries it. The session is recorded as one the client
    /// took part in (for logout), in the same write as a code.
    pub async fn approve(&self, ctx: &Context, session: &Session) -> Result<String, OAuthError> {
        // RFC 9126 §4: a pushed request is answered once; of two decisions
        // racing on it, the second gets `invalid_request`.
        if !self.take_pushed(ctx).await? {
            return Err(OAuthError::invalid_request(
                "the pushed authorization request was already used",
            ));
        }
        match self.response_type {
            ResponseType::Code => self.issue_code(ctx, session).await,
            _ => self.issue_implicit(ctx, session).await,
        }
    }

    async fn issue_code(&self, ctx: &Context, session: &Session) -> Result<String, OAuthError> {
        let code = secrets::random_secret();
        let now = ctx.clock.now();
        let row = CodeRow {
            code_hash: secrets::hash(&code),
            client_id: self.client.id.clone(),
            user_id: session.user_id.clone(),
            session_id: Some(session.public_id.clone()),
            redirect_uri: self
                .redirect_uri_sent
                .then(|| self.redirect_uri.as_str().to_string()),
            scope: self.scope.to_string(),
            audience: self.audience.clone(),
            code_challenge: self.code_challenge.as_ref().map(|c| c.as_str().to_string()),
            code_challenge_method: self
                .code_challenge
                .as_ref()
                .map(|c| c.method().as_str().to_string()),
            created_at: now,
            expires_at: now + ctx.settings.authorization_code_ttl,
            redeemed_at: None,
            issued_family_id: None,
            issued_access_jti: None,
            nonce: self.nonce.clone(),
            // The session's sign-in is the id token's `auth_time`.
            auth_time: Some(session.authenticated_at),
            dpop_jkt: self.dpop_jkt.clone(),
        };
        ctx.db
            .transaction(move |conn| {
                storage::tokens::insert_code(conn, &row)?;
                let (sid, client) = (row.session_id.as_deref().unwrap_or_default(), &row.client_id);
                storage::sessions::record_participant(conn, sid, client, now)
            })
            .await?;
        Ok(self.response_url(&[("code", &code)], &ctx.settings.issuer))
    }

    /// `token`, `id_token` and `id_token token` (RFC 6749 §4.2.2, Core
    /// §3.2.2.5): everything in the fragment, no refresh token.
    async fn issue_implicit(&self, ctx: &Context, session: &Session) -> Result<String, OAuthError> {
        let sub = subject::for_client(ctx, &self.client, &session.user_id).await?;
        let (sid, client_id, now) = (session.public_id.clone(), self.client.id.clone(), ctx.clock.now());
        ctx.db
            .run(move |conn| storage::sessions::record_participant(conn, &sid, &client_id, now))
            .await?;
        let session_sid = subject::sid_for(&self.client, &session.public_id);
        let mut fields: Vec<(&str, String)> = Vec::new();
        let access = if self.response_type.has_access_token() {
            let directory = ctx.apis.get().await?;
            let roles = apis::user_roles(ctx, &directory, &session.user_id, &self.audience).await?;
            let grant = Grant {
                sub: &sub,
                client_id: &self.client.id,
                scope: &self.scope,
                aud: &self.audience,
                sid: Some(&session_sid),
                roles: &roles,
                act: None,
                origin_jti: None,
            };
            let access = issue_access(ctx, &grant).await?;
            ctx.metrics.token_issued(GrantType::Implicit);
            fields.push(("access_token", access.token.clone()));
            fields.push(("token_type", "Bearer".into()));
            fields.push(("expires_in", ctx.settings.access_token_ttl.to_string()));
            fields.push(("scope", self.scope.to_string()));
            Some(access.token)
        } else {
            None
        };
        if self.response_type.has_id_token() {
            // Core §5.4: with no access token to fetch them with, the
            // claims the scopes release travel in the id token itself.
            let profile = match access {
                None => issue::profile_claims(ctx, &session.user_id, &self.scope).await?,
                Some(_) => Default::default(),
            };
            let id_token = issue::issue(
                ctx,
                IdTokenGrant {
                    client: &self.client,
                    sub: &sub,
                    auth_time: Some(session.authenticated_at),
                    nonce: self.nonce.as_deref(),
                    sid: Some(&session_sid),
                    access_token: access.as_deref(),
                    profile,
                },
            )
            .await?;
            fields.push(("id_token", id_token));
        }
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Ok(self.response_url(&pairs, &ctx.settings.issuer))
    }
}
