//! The claims of a verified access token.

use crate::error::InvalidToken;
use serde::Deserialize;

/// The claims of an access token that passed every check of
/// [`Verifier::verify`](crate::Verifier::verify) (RFC 9068 §2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The issuer (`iss`); always the one the verifier was built for.
    pub iss: String,
    /// The subject (`sub`): the user, or for a client-credentials token the
    /// client itself.
    pub sub: String,
    /// The audiences (`aud`); always contains this service's audience.
    pub aud: Vec<String>,
    /// The OAuth client the token was issued to (`client_id`).
    pub client_id: String,
    /// The granted scopes (`scope`, split on spaces, duplicates removed, in
    /// the order they came). Empty when the token carries no scope.
    pub scopes: Vec<String>,
    /// The login session the token belongs to (`sid`), if any.
    pub sid: Option<String>,
    /// The token's unique id (`jti`).
    pub jti: String,
    /// Expiry, seconds since the Unix epoch (`exp`).
    pub exp: u64,
    /// Issue time, seconds since the Unix epoch (`iat`).
    pub iat: u64,
    /// Not-before time, seconds since the Unix epoch (`nbf`), if present.
    pub nbf: Option<u64>,
    /// The roles the token carries (`roles`, RFC 9068 §2.2.3.1): the user's
    /// (or, for client credentials, the client's) roles for this token's
    /// audience. Empty when the token carries none.
    pub roles: Vec<String>,
    /// The thumbprint of the DPoP key the token is bound to (`cnf.jkt`,
    /// RFC 9449 §6.1), if any: such a token is used only with a DPoP proof
    /// by that key ([`crate::dpop`]).
    pub cnf_jkt: Option<String>,
}

/// A scope the route requires and the token was not granted. With the `actix`
/// feature it is an actix-web error answering 403 `insufficient_scope`
/// (RFC 6750 §3.1), so `claims.require_scope("read")?` works in a handler.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the token lacks the {scope} scope")]
pub struct MissingScope {
    /// The scope that was needed.
    pub scope: String,
}

/// A role the route requires and the token (or session) does not carry.
/// With the `actix` feature it is an actix-web error answering 403
/// `insufficient_scope` (RFC 6750 §3.1), so `claims.require_role("admin")?`
/// works in a handler.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {role} role is required")]
pub struct MissingRole {
    /// The role that was needed.
    pub role: String,
}

impl Claims {
    /// Whether the token carries `role` (exact, case-sensitive match).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// `Ok` when the token carries `role`, else a [`MissingRole`] error.
    pub fn require_role(&self, role: &str) -> Result<(), MissingRole> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(MissingRole {
                role: role.to_owned(),
            })
        }
    }

    /// Whether the token was granted `scope` (exact, case-sensitive match, as
    /// RFC 6749 §3.3 defines scope tokens).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// `Ok` when the token was granted `scope`, else a [`MissingScope`] error.
    pub fn require_scope(&self, scope: &str) -> Result<(), MissingScope> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(MissingScope {
                scope: scope.to_owned(),
            })
        }
    }

    /// `Ok` when the token was granted every one of `scopes`; the error names
    /// all that are missing, space-separated, as RFC 6750 §3 wants.
    pub fn require_scopes(&self, scopes: &[&str]) -> Result<(), MissingScope> {
        let missing: Vec<&str> = scopes.iter().copied().filter(|s| !self.has_scope(s)).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(MissingScope {
                scope: missing.join(" "),
            })
        }
    }
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3).
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The payload as it arrives: every member optional, so that a missing one
/// can be named, and a wrongly typed one refused.
#[derive(Deserialize)]
struct RawClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<u64>,
    iat: Option<u64>,
    nbf: Option<u64>,
    jti: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
    sid: Option<String>,
    roles: Option<Vec<String>>,
    cnf: Option<RawConfirmation>,
}

#[derive(Deserialize)]
struct RawConfirmation {
    jkt: Option<String>,
}

/// What a signature-checked payload is held against.
pub(crate) struct Expect<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub leeway: u64,
    pub now: u64,
}

fn required<T>(value: Option<T>, name: &'static str) -> Result<T, InvalidToken> {
    value.ok_or(InvalidToken::MissingClaim(name))
}

/// Checks the payload of a token whose signature was already verified
/// (RFC 8725 §3.10: nothing in it is trusted before that).
pub(crate) fn check(payload: &[u8], expect: &Expect<'_>) -> Result<Claims, InvalidToken> {
    let raw: RawClaims = serde_json::from_slice(payload)
        .map_err(|_| InvalidToken::Malformed("claims are not the expected JSON"))?;

    // RFC 9068 §4: `iss` must match the issuer exactly, and `aud` must contain
    // the identifier this resource server expects for itself; RFC 8725 §3.9
    // explains why a token minted for another service must not be replayed
    // here.
    let iss = required(raw.iss, "iss")?;
    if iss != expect.issuer {
        return Err(InvalidToken::WrongIssuer);
    }
    let aud = match required(raw.aud, "aud")? {
        Audience::One(a) => vec![a],
        Audience::Many(a) => a,
    };
    if !aud.iter().any(|a| a == expect.audience) {
        return Err(InvalidToken::WrongAudience);
    }

    // RFC 7519 §4.1.4/§4.1.5, with a small leeway for clock skew between
    // Tollgate and this host.
    let exp = required(raw.exp, "exp")?;
    if expect.now >= exp.saturating_add(expect.leeway) {
        return Err(InvalidToken::Expired);
    }
    if let Some(nbf) = raw.nbf {
        if nbf > expect.now.saturating_add(expect.leeway) {
            return Err(InvalidToken::NotYetValid);
        }
    }

    // RFC 9068 §2.2 makes these REQUIRED.
    let sub = required(raw.sub, "sub")?;
    let iat = required(raw.iat, "iat")?;
    let jti = required(raw.jti, "jti")?;
    let client_id = required(raw.client_id, "client_id")?;

    let mut scopes: Vec<String> = Vec::new();
    for s in raw.scope.as_deref().unwrap_or("").split(' ') {
        if !s.is_empty() && !scopes.iter().any(|have| have == s) {
            scopes.push(s.to_owned());
        }
    }

    Ok(Claims {
        iss,
        sub,
        aud,
        client_id,
        scopes,
        sid: raw.sid,
        jti,
        exp,
        iat,
        nbf: raw.nbf,
        roles: raw.roles.unwrap_or_default(),
        cnf_jkt: raw.cnf.and_then(|c| c.jkt),
    })
}
