//! The internal token the check hands the gateway (`X-Auth-Token`) for the
//! service behind it: a short-lived access token (RFC 9068 profile, signed
//! with this server's keys, so `tollgate-verify` checks it offline) for the
//! route's audience, carrying the outside token's `sub`, `client_id`,
//! `scope`, `roles`, `sid` and `act`. Services never see the outside token
//! and are written once whether it was a JWT or an opaque reference.
//!
//! It lives `gateway_internal_token_ttl` seconds, never past the outside
//! token's own expiry. A signature costs far more than a check, so a token
//! made for one outside token and audience is handed out again while at
//! least half its lifetime is left: every check still decides liveness
//! first, so a revoked outside token gets no internal token, and one made
//! before the revocation lives at most its short lifetime.

use crate::oauth::error::OAuthError;
use crate::oauth::tokens::{AccessClaims, ACCESS_TOKEN_TYP};
use crate::oauth::{secrets, Context};
use std::collections::HashMap;
use std::sync::Mutex;

/// The most internal tokens remembered; past it expired ones are dropped,
/// and if that is not enough the cache starts over.
const MOST: usize = 50_000;

/// Internal tokens made recently, by outside `jti` and audience.
#[derive(Default)]
pub struct InternalTokens(Mutex<HashMap<(String, String), (String, i64)>>);

impl InternalTokens {
    /// An internal token for the outside token `outside`, for `audience`,
    /// living `ttl` seconds at most.
    pub async fn for_token(
        &self,
        ctx: &Context,
        outside: &AccessClaims,
        audience: &str,
        ttl: i64,
    ) -> Result<String, OAuthError> {
        let now = ctx.clock.now();
        let exp = (now + ttl).min(outside.exp);
        let key = (outside.jti.clone(), audience.to_string());
        if let Some((token, cached_exp)) = self.lock().get(&key) {
            // Good while half its lifetime is left, or while it already
            // lives as long as the outside token allows.
            if *cached_exp > now && (*cached_exp - now >= ttl / 2 || *cached_exp == exp) {
                return Ok(token.clone());
            }
        }
        let claims = AccessClaims {
            iss: ctx.settings.issuer.clone(),
            sub: outside.sub.clone(),
            aud: audience.to_string(),
            exp,
            iat: now,
            jti: secrets::random_token(16),
            client_id: outside.client_id.clone(),
            scope: outside.scope.clone(),
            sid: outside.sid.clone(),
            roles: outside.roles.clone(),
            act: outside.act.clone(),
            origin_jti: Some(outside.origin().to_string()),
            cnf: None,
        };
        let token = ctx.keys.active().await?.sign_jwt(ACCESS_TOKEN_TYP, &claims)?;
        let mut cache = self.lock();
        if cache.len() >= MOST {
            cache.retain(|_, (_, e)| *e > now);
            if cache.len() >= MOST {
                cache.clear();
            }
        }
        cache.insert(key, (token.clone(), exp));
        Ok(token)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), (String, i64)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
