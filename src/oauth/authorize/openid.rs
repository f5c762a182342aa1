//! The OpenID Connect parameters of an authentication request (Core
//! §3.1.2.1, §3.2.2.1, §6): `nonce`, `max_age`, `login_hint`,
//! `id_token_hint`, and the request objects Tollgate does not take.

use super::AuthorizationRequest;
use crate::domain::ScopeSet;
use crate::oauth::form::Params;
use crate::oauth::openid::{id_token, subject};
use crate::oauth::Context;

/// Who an `id_token_hint` names.
#[derive(Debug, Clone)]
pub struct Hint {
    /// The user, or `None` if the subject names nobody any more (the
    /// account was deleted): then it is nobody who could be signed in.
    pub user_id: Option<String>,
}

/// Most a `nonce` may carry: plenty for the hash of a browser-held secret
/// that Core §15.5.2 suggests.
const MAX_NONCE_LEN: usize = 512;
/// Most a `login_hint` may carry: the longest username.
const MAX_LOGIN_HINT_LEN: usize = 64;

/// Reads the OpenID Connect parameters into `request`; an error code and
/// description to send back otherwise. `ui_locales` is read with the
/// request's other parameters (the pages use it); `display`,
/// `claims_locales`, `acr_values` and `claims` are accepted and ignored
/// (Core §3.1.2.1, §3.1.2.2: what is unsupported is ignored), as is any
/// parameter nobody defined.
pub(super) async fn check(
    ctx: &Context,
    request: &mut AuthorizationRequest,
    params: &Params,
) -> Result<(), (&'static str, String)> {
    // Core §6: request objects are not supported, and saying so beats
    // acting on a request whose real parameters were inside one.
    if params.get("request").is_some() {
        return Err((
            "request_not_supported",
            "request objects are not supported".into(),
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(("request_uri_not_supported", "request_uri is not supported".into()));
    }
    if request.response_type.has_id_token() {
        // Core §3.2.2.1: an id token goes only to OpenID Connect requests,
        // and the implicit flow must carry a nonce against replay.
        if !request.openid {
            return Err((
                "invalid_request",
                "response_type id_token needs the openid scope".into(),
            ));
        }
        if params.get("nonce").is_none() {
            return Err((
                "invalid_request",
                "nonce is required with response_type id_token".into(),
            ));
        }
    }
    if let Some(hint) = params.get("login_hint") {
        // A hint that cannot be a username is no hint at all.
        if !hint.is_empty() && hint.len() <= MAX_LOGIN_HINT_LEN {
            request.login_hint = Some(hint.to_string());
        }
    }
    // Without `openid`, the rest means nothing (Core §3.1.2.1).
    if !request.openid {
        return Ok(());
    }
    if let Some(nonce) = params.get("nonce") {
        if nonce.is_empty() || nonce.len() > MAX_NONCE_LEN {
            return Err((
                "invalid_request",
                format!("nonce must have 1 to {MAX_NONCE_LEN} characters"),
            ));
        }
        request.nonce = Some(nonce.to_string());
    }
    request.max_age = match params.get("max_age") {
        Some(raw) => Some(parse_max_age(raw).ok_or((
            "invalid_request",
            "max_age must be a non-negative number of seconds".to_string(),
        ))?),
        None => request.client.openid.default_max_age.filter(|m| *m >= 0),
    };
    if let Some(token) = params.get("id_token_hint") {
        request.id_token_hint = Some(read_hint(ctx, request, token).await?);
    }
    Ok(())
}

/// Standard OpenID Connect scopes this server releases nothing for
/// (Core §5.4 `address`, `phone`; §11 `offline_access`, which has no
/// special meaning here).
const UNRELEASED_STANDARD_SCOPES: [&str; 3] = ["address", "phone", "offline_access"];

/// The scope of an OpenID Connect request (one asking for `openid`) less
/// the standard scopes the client was not given and this server releases
/// nothing for: Core §3.1.2.1 says scope values not understood SHOULD be
/// ignored, and a relying party asking for `openid profile phone` should
/// still sign its user in. Any other unknown scope is still refused with
/// `invalid_scope`, as in plain OAuth.
pub(super) fn without_unreleased_standard_scopes(requested: ScopeSet, allowed: &ScopeSet) -> ScopeSet {
    let openid = requested
        .iter()
        .any(|s| s.as_str() == crate::oauth::openid::OPENID_SCOPE);
    if !openid {
        return requested;
    }
    let kept = requested.iter().map(|s| s.as_str()).filter(|name| {
        !UNRELEASED_STANDARD_SCOPES.contains(name) || allowed.iter().any(|a| a.as_str() == *name)
    });
    ScopeSet::from_names(kept).unwrap_or(requested.clone())
}

fn parse_max_age(raw: &str) -> Option<i64> {
    if raw.is_empty() || raw.len() > 18 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// An id token this server issued to this very client, expired or not
/// (Core §3.1.2.1), and the user it names.
async fn read_hint(
    ctx: &Context,
    request: &AuthorizationRequest,
    token: &str,
) -> Result<Hint, (&'static str, String)> {
    let invalid = || {
        (
            "invalid_request",
            "id_token_hint is not an id token issued to this client".to_string(),
        )
    };
    let claims = id_token::verify_hint(ctx, token).await.ok_or_else(invalid)?;
    if claims.aud != request.client.id {
        return Err(invalid());
    }
    let user_id = subject::user_of(ctx, &request.client, &claims.sub)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "the subject of an id_token_hint could not be looked up");
            ("temporarily_unavailable", "try again later".to_string())
        })?;
    Ok(Hint { user_id })
}

#[cfg(test)]
mod tests {
    use super::{parse_max_age, without_unreleased_standard_scopes};
    use crate::domain::ScopeSet;

    fn scopes(raw: &str) -> ScopeSet {
        ScopeSet::parse(raw).unwrap()
    }

    #[test]
    fn an_openid_request_drops_the_standard_scopes_nothing_is_released_for() {
        let allowed = scopes("openid profile");
        let kept = without_unreleased_standard_scopes(
            scopes("openid profile phone address offline_access"),
            &allowed,
        );
        assert_eq!(kept, scopes("openid profile"));
    }

    #[test]
    fn a_plain_oauth_request_keeps_every_scope_it_names() {
        let allowed = scopes("profile");
        let kept = without_unreleased_standard_scopes(scopes("profile phone"), &allowed);
        assert_eq!(kept, scopes("profile phone"), "then refused as invalid_scope");
    }

    #[test]
    fn a_standard_scope_the_client_was_given_is_kept() {
        let allowed = scopes("openid offline_access");
        let kept = without_unreleased_standard_scopes(scopes("openid offline_access"), &allowed);
        assert_eq!(kept, scopes("openid offline_access"));
    }

    #[test]
    fn max_age_is_a_plain_non_negative_integer() {
        assert_eq!(parse_max_age("0"), Some(0));
        assert_eq!(parse_max_age("3600"), Some(3600));
        for bad in ["", "-1", "+5", "1.5", "1e3", " 5", "999999999999999999999"] {
            assert_eq!(parse_max_age(bad), None, "{bad}");
        }
    }
}
