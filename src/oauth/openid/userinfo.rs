//! The userinfo endpoint (OpenID Connect Core §5.3): the claims about the
//! signed-in user that a live access token with `openid` may read, and its
//! errors as a protected resource's (RFC 6750 §3). Where the token may be
//! (RFC 6750 §2) is decided here too; the HTTP side only hands over what
//! the request carried.

use crate::domain::ScopeSet;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::liveness::{self, Verdict};
use crate::oauth::metadata::USERINFO_PATH;
use crate::oauth::openid::{claims, subject, OPENID_SCOPE};
use crate::oauth::Context;
use serde_json::{json, Map, Value};

/// The realm of the endpoint's challenges.
const REALM: &str = "tollgate";

/// Why the userinfo endpoint refused a request (RFC 6750 §3.1).
#[derive(Debug)]
pub enum BearerError {
    /// No token at all: 401 with a bare challenge and no error code
    /// (RFC 6750 §3.1).
    Missing,
    /// The request is malformed (two ways of sending the token, a token in
    /// the query string, a bad header): 400 `invalid_request`.
    InvalidRequest(String),
    /// The token is malformed, not ours, expired or no longer live: 401
    /// `invalid_token`.
    InvalidToken(String),
    /// A DPoP-bound token without a valid proof by its key, or sent as a
    /// bearer token: 401 `invalid_token` with a `DPoP` challenge
    /// (RFC 9449 §7.1).
    InvalidDpop(String),
    /// The token lacks `openid`: 403 `insufficient_scope`.
    InsufficientScope,
    /// Our side failed (database away, storage error): the OAuth error
    /// already made for it (503 with `Retry-After`, or 500).
    Server(OAuthError),
}

impl From<OAuthError> for BearerError {
    fn from(e: OAuthError) -> Self {
        BearerError::Server(e)
    }
}

impl From<crate::storage::StorageError> for BearerError {
    fn from(e: crate::storage::StorageError) -> Self {
        BearerError::Server(e.into())
    }
}

impl BearerError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            BearerError::Missing | BearerError::InvalidToken(_) | BearerError::InvalidDpop(_) => 401,
            BearerError::InvalidRequest(_) => 400,
            BearerError::InsufficientScope => 403,
            BearerError::Server(e) => e.status,
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            BearerError::Missing => None,
            BearerError::InvalidRequest(_) => Some("invalid_request"),
            BearerError::InvalidToken(_) | BearerError::InvalidDpop(_) => Some("invalid_token"),
            BearerError::InsufficientScope => Some("insufficient_scope"),
            BearerError::Server(e) => Some(e.code.as_str()),
        }
    }

    fn description(&self) -> String {
        match self {
            BearerError::Missing => "no access token was sent".into(),
            BearerError::InvalidRequest(d) | BearerError::InvalidToken(d) | BearerError::InvalidDpop(d) => {
                d.clone()
            }
            BearerError::InsufficientScope => format!("the access token lacks the {OPENID_SCOPE} scope"),
            BearerError::Server(e) => e.description.clone(),
        }
    }

    /// The `WWW-Authenticate` value (RFC 6750 §3): every refusal of the
    /// client's request carries one; a failure on our side does not.
    pub fn challenge(&self) -> Option<String> {
        if let BearerError::Server(_) = self {
            return None;
        }
        let mut params = vec![("realm", REALM.to_string())];
        let scheme = match self {
            BearerError::InvalidDpop(_) => {
                params.push(("algs", crate::oauth::dpop::SIGNING_ALGS.join(" ")));
                "DPoP"
            }
            _ => "Bearer",
        };
        if let Some(code) = self.code() {
            params.push(("error", code.to_string()));
            params.push(("error_description", self.description()));
        }
        if let BearerError::InsufficientScope = self {
            params.push(("scope", OPENID_SCOPE.to_string()));
        }
        let params: Vec<String> = params
            .into_iter()
            .map(|(name, value)| format!("{name}=\"{}\"", quotable(&value)))
            .collect();
        Some(format!("{scheme} {}", params.join(", ")))
    }

    /// The JSON body: the same code and description as the challenge, and
    /// no code when no token came (RFC 6750 §3.1).
    pub fn body(&self) -> Value {
        match self.code() {
            Some(code) => json!({ "error": code, "error_description": self.description() }),
            None => json!({ "error_description": self.description() }),
        }
    }
}

/// RFC 6750 §3: attribute values hold printable ASCII without `"` and `\`.
fn quotable(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '?',
        })
        .collect()
}

/// What a request to the endpoint carried that may hold a token.
pub struct Presented<'a> {
    /// The one `Authorization` header's value, if any.
    pub authorization: Option<&'a [u8]>,
    /// The form body of a POST (RFC 6750 §2.2), if it had one.
    pub form: Option<&'a Params>,
    /// Whether the query string names `access_token` (RFC 6750 §2.3).
    pub token_in_query: bool,
}

/// The access token of a request: from the `Authorization: Bearer` header
/// (RFC 6750 §2.1) or the form body's `access_token` (§2.2), never both
/// (§3.1: more than one method is `invalid_request`). The query string
/// (§2.3) is refused: URLs end up in logs, histories and `Referer`s.
pub fn locate_token(presented: &Presented<'_>) -> Result<String, BearerError> {
    locate(presented).map(|(token, _)| token)
}

/// The access token of a request, and whether it came under the `DPoP`
/// scheme (RFC 9449 §7.1) rather than `Bearer`.
pub fn locate(presented: &Presented<'_>) -> Result<(String, bool), BearerError> {
    if presented.token_in_query {
        return Err(BearerError::InvalidRequest(
            "access tokens are not accepted in the query string; send an Authorization: Bearer header".into(),
        ));
    }
    let from_header = presented.authorization.map(bearer_token).transpose()?.flatten();
    let from_body = presented.form.and_then(|f| f.get("access_token"));
    match (from_header, from_body) {
        (Some(_), Some(_)) => Err(BearerError::InvalidRequest(
            "the access token was sent both in the Authorization header and in the body".into(),
        )),
        (Some(token), None) => Ok(token),
        (None, Some(token)) => Ok((token.to_string(), false)),
        (None, None) => Err(BearerError::Missing),
    }
}

/// The token of an `Authorization` header and whether its scheme is `DPoP`,
/// `None` if it uses another scheme (it then carries no access token).
fn bearer_token(header: &[u8]) -> Result<Option<(String, bool)>, BearerError> {
    let malformed = || BearerError::InvalidRequest("malformed Authorization header".into());
    let header = std::str::from_utf8(header).map_err(|_| malformed())?;
    let (scheme, token) = header.split_once(' ').unwrap_or((header, ""));
    let dpop = scheme.eq_ignore_ascii_case("dpop");
    if !scheme.eq_ignore_ascii_case("bearer") && !dpop {
        return Ok(None);
    }
    // RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    let token = token.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    let b64token = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if !b64token {
        return Err(malformed());
    }
    Ok(Some((token.to_string(), dpop)))
}

/// How a request presented its token: the scheme, and the `DPoP` proof
/// header of a request with `method`, if any.
pub struct Possession<'a> {
    /// Whether the token came under the `DPoP` scheme.
    pub dpop_scheme: bool,
    /// The one `DPoP` header's value, if any.
    pub proof: Option<&'a str>,
    /// The request's method.
    pub method: &'a str,
}

/// The userinfo response for `token` (Core §5.3.2): `sub` as the token's
/// client sees the user (pairwise for a pairwise client, then equal to the
/// token's own `sub`) and the claims its scopes release.
pub async fn answer(
    ctx: &Context,
    token: &str,
    possession: &Possession<'_>,
) -> Result<Map<String, Value>, BearerError> {
    let live = match liveness::check(ctx, token).await? {
        Verdict::Live(live) => live,
        Verdict::NotOurs => {
            return Err(BearerError::InvalidToken(
                "the access token is malformed, expired or not issued by this server".into(),
            ))
        }
        Verdict::Dead => {
            return Err(BearerError::InvalidToken(
                "the access token is no longer valid".into(),
            ))
        }
    };
    // RFC 9449 §7: a bound token only with a proof by its key, under the
    // DPoP scheme; never as a bearer token.
    match (live.claims.jkt(), possession.dpop_scheme) {
        (Some(jkt), true) => {
            let proof = crate::oauth::dpop::check(
                ctx,
                possession.proof,
                possession.method,
                USERINFO_PATH,
                Some(token),
            )
            .await
            .map_err(|e| match e.code {
                crate::oauth::error::ErrorCode::InvalidDpopProof => BearerError::InvalidDpop(e.description),
                _ => BearerError::Server(e),
            })?;
            match proof {
                Some(proof) if proof.jkt == jkt => {}
                Some(_) => {
                    return Err(BearerError::InvalidDpop(
                        "the DPoP proof is not by the token's key".into(),
                    ))
                }
                None => {
                    return Err(BearerError::InvalidDpop(
                        "a DPoP-bound token needs a DPoP proof".into(),
                    ))
                }
            }
        }
        (Some(_), false) => {
            return Err(BearerError::InvalidDpop(
                "the access token is DPoP-bound: send it with Authorization: DPoP and a proof".into(),
            ))
        }
        (None, true) => {
            return Err(BearerError::InvalidToken(
                "the access token is not DPoP-bound; send it as a Bearer token".into(),
            ))
        }
        (None, false) => {}
    }
    let Some(user) = live.user else {
        return Err(BearerError::InvalidToken(
            "the access token was issued to a client for itself, not for a user".into(),
        ));
    };
    // A token issued for another API (RFC 8707 `resource`) is that API's:
    // were userinfo to take it, the API could read the user's profile with
    // a token the user granted to the client (RFC 9700 §2.3).
    let audience = live.claims.aud.as_str();
    if audience != ctx.settings.default_audience() && audience != ctx.settings.issuer {
        return Err(BearerError::InvalidToken(
            "the access token was issued for another resource".into(),
        ));
    }
    let scope = ScopeSet::parse(&live.claims.scope).unwrap_or_default();
    if !scope.iter().any(|s| s.as_str() == OPENID_SCOPE) {
        return Err(BearerError::InsufficientScope);
    }
    let mut response = claims::released(&user, &scope);
    let sub = subject::for_client(ctx, &live.client, &user.id).await?;
    response.insert("sub".into(), json!(sub));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(header: Option<&str>, body: Option<&str>, query: bool) -> Result<String, BearerError> {
        let form = body.map(|b| Params::parse(b.as_bytes()).unwrap());
        locate_token(&Presented {
            authorization: header.map(str::as_bytes),
            form: form.as_ref(),
            token_in_query: query,
        })
    }

    #[test]
    fn a_bearer_header_gives_its_token_whatever_the_schemes_case() {
        assert_eq!(
            located(Some("Bearer abc.def-_~+/=="), None, false).unwrap(),
            "abc.def-_~+/=="
        );
        assert_eq!(located(Some("bearer abc"), None, false).unwrap(), "abc");
    }

    #[test]
    fn a_form_body_gives_its_access_token() {
        assert_eq!(located(None, Some("access_token=abc"), false).unwrap(), "abc");
    }

    #[test]
    fn a_token_in_both_places_is_an_invalid_request() {
        let refused = located(Some("Bearer abc"), Some("access_token=abc"), false);
        assert!(matches!(refused, Err(BearerError::InvalidRequest(_))));
    }

    #[test]
    fn a_token_in_the_query_is_refused_even_beside_a_header() {
        assert!(matches!(
            located(None, None, true),
            Err(BearerError::InvalidRequest(_))
        ));
        assert!(matches!(
            located(Some("Bearer abc"), None, true),
            Err(BearerError::InvalidRequest(_))
        ));
    }

    #[test]
    fn no_token_is_a_bare_challenge_without_an_error_code() {
        let missing = located(None, Some("other=1"), false).unwrap_err();
        assert_eq!(missing.status(), 401);
        assert_eq!(missing.challenge().unwrap(), "Bearer realm=\"tollgate\"");
        assert!(missing.body().get("error").is_none());
        let basic = located(Some("Basic dXNlcjpwYXNz"), None, false).unwrap_err();
        assert!(matches!(basic, BearerError::Missing));
    }

    #[test]
    fn a_bearer_header_without_a_well_formed_token_is_an_invalid_request() {
        for header in ["Bearer", "Bearer ", "Bearer a b", "Bearer a\"b", "Bearer ==="] {
            let refused = located(Some(header), None, false);
            assert!(matches!(refused, Err(BearerError::InvalidRequest(_))), "{header}");
        }
    }

    #[test]
    fn insufficient_scope_names_the_scope_in_its_challenge() {
        let challenge = BearerError::InsufficientScope.challenge().unwrap();
        assert!(challenge.contains("error=\"insufficient_scope\""), "{challenge}");
        assert!(challenge.contains("scope=\"openid\""), "{challenge}");
        assert_eq!(BearerError::InsufficientScope.status(), 403);
    }
}
