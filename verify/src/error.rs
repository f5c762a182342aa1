//! What can go wrong, split by whose fault it is.

/// Why a token was refused. The text of each variant is safe to send back to
/// the caller as an RFC 6750 `error_description`: none of them echoes a value
/// taken from the token, so a forged token cannot inject text into responses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidToken {
    /// Not a compact JWS of three base64url parts with JSON header and claims.
    #[error("the token is malformed ({0})")]
    Malformed(&'static str),
    /// The header `typ` is not `at+jwt` (RFC 9068 §4, RFC 8725 §3.11).
    #[error("the token is not a JWT access token (typ must be at+jwt)")]
    WrongType,
    /// The header `alg` is `none` or a symmetric (HMAC) algorithm; neither can
    /// prove the token came from the issuer (RFC 8725 §3.1).
    #[error("the token's signing algorithm is not allowed")]
    AlgorithmNotAllowed,
    /// The header names no `kid`.
    #[error("the token names no key (kid)")]
    MissingKeyId,
    /// No key of the issuer's JWKS has this `kid`, even after a refetch.
    #[error("the token was signed with a key the issuer does not publish")]
    UnknownKey,
    /// The header `alg` is not the one algorithm the key is pinned to.
    #[error("the token's algorithm does not match its key (expected {expected})")]
    AlgorithmMismatch {
        /// The algorithm the issuer's key is published for.
        expected: &'static str,
    },
    /// The header lists `crit` extensions, none of which this crate
    /// understands (RFC 7515 §4.1.11 says such a token must be refused).
    #[error("the token uses critical header extensions that are not supported")]
    UnsupportedCritical,
    /// The signature does not verify.
    #[error("the token's signature is invalid")]
    BadSignature,
    /// A required claim is absent.
    #[error("the token lacks the {0} claim")]
    MissingClaim(&'static str),
    /// `iss` is not exactly the configured issuer.
    #[error("the token was issued by another issuer")]
    WrongIssuer,
    /// `aud` does not contain this service's audience.
    #[error("the token is not meant for this service (aud)")]
    WrongAudience,
    /// `exp` is past, beyond the leeway.
    #[error("the token has expired")]
    Expired,
    /// `nbf` is ahead, beyond the leeway.
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    /// Introspection answered `active: false`: the token was revoked or its
    /// session logged out.
    #[error("the token is no longer active (revoked or logged out)")]
    Inactive,
}

/// The error of [`Verifier::verify`](crate::Verifier::verify) and of building
/// a [`Verifier`](crate::Verifier).
///
/// [`VerifyError::InvalidToken`] is the caller's fault (answer 401);
/// [`VerifyError::KeysUnavailable`] and [`VerifyError::IntrospectionUnavailable`]
/// are an outage between this service and Tollgate (answer 503: the token may
/// well be valid).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is not acceptable; the reason says why.
    #[error("invalid token: {0}")]
    InvalidToken(#[from] InvalidToken),
    /// The issuer's metadata or JWKS could not be fetched or read.
    #[error("could not fetch the issuer's signing keys: {0}")]
    KeysUnavailable(String),
    /// The introspection endpoint could not be reached or refused us.
    #[error("could not reach the introspection endpoint: {0}")]
    IntrospectionUnavailable(String),
    /// The settings given to the builder, or the issuer's metadata, are
    /// inconsistent (e.g. the metadata names another issuer).
    #[error("verifier misconfigured: {0}")]
    Config(String),
}

impl VerifyError {
    /// The reason, when the token itself was refused.
    pub fn invalid_reason(&self) -> Option<&InvalidToken> {
        match self {
            VerifyError::InvalidToken(reason) => Some(reason),
            _ => None,
        }
    }

    /// Whether this is an outage (keys or introspection unreachable) rather
    /// than a bad token: such a request deserves a 503, not a 401.
    pub fn is_outage(&self) -> bool {
        matches!(
            self,
            VerifyError::KeysUnavailable(_) | VerifyError::IntrospectionUnavailable(_)
        )
    }
}
