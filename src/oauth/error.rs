//! OAuth error responses (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 6750 §3):
//! the one place their bodies are produced.

use crate::oauth::keys::KeyError;
use crate::storage::StorageError;

/// An RFC 6749 §5.2 error code (plus the server-side ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Missing, repeated or malformed parameter.
    InvalidRequest,
    /// Client authentication failed.
    InvalidClient,
    /// The grant (code, refresh token, credentials) is invalid.
    InvalidGrant,
    /// The client may not use this grant type.
    UnauthorizedClient,
    /// The server does not know this grant type.
    UnsupportedGrantType,
    /// The scope is unknown or beyond what the client may have.
    InvalidScope,
    /// RFC 8707: the resource is not one the client may ask for.
    InvalidTarget,
    /// RFC 8628 §3.5: the user has not yet decided.
    AuthorizationPending,
    /// RFC 8628 §3.5: polling too fast; the interval grows by 5 s.
    SlowDown,
    /// RFC 8628 §3.5: the user denied the request.
    AccessDenied,
    /// RFC 8628 §3.5: the device code expired.
    ExpiredToken,
    /// RFC 9449 §5: the DPoP proof is missing where required, or invalid.
    InvalidDpopProof,
    /// RFC 9449 §8: the proof must carry the nonce the server provides.
    UseDpopNonce,
    /// The database is away.
    TemporarilyUnavailable,
    /// The server failed.
    ServerError,
}

impl ErrorCode {
    /// The code on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::UseDpopNonce => "use_dpop_nonce",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::ServerError => "server_error",
        }
    }
}

/// An error answered by the token, revocation or introspection endpoint.
#[derive(Debug)]
pub struct OAuthError {
    /// The code.
    pub code: ErrorCode,
    /// A sentence for the client's developer; never a secret, never a cause chain.
    pub description: String,
    /// HTTP status: 400, except where noted on the constructors.
    pub status: u16,
    /// Set when the client authenticated with HTTP Basic (RFC 6749 §5.2:
    /// then a 401 must carry `WWW-Authenticate`).
    pub basic_challenge: bool,
    /// Seconds before a retry makes sense (429, 503).
    pub retry_after: Option<u64>,
}

impl OAuthError {
    fn new(code: ErrorCode, status: u16, description: impl Into<String>) -> Self {
        OAuthError {
            code,
            description: description.into(),
            status,
            basic_challenge: false,
            retry_after: None,
        }
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, 400, description)
    }

    /// 401 `invalid_client`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClient, 401, description)
    }

    /// 400 `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, 400, description)
    }

    /// 400 `unauthorized_client`.
    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnauthorizedClient, 400, description)
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnsupportedGrantType, 400, description)
    }

    /// 400 `invalid_scope`.
    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidScope, 400, description)
    }

    /// 400 `invalid_target` (RFC 8707 §2).
    pub fn invalid_target(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidTarget, 400, description)
    }

    /// 400 with a code of RFC 8628 §3.5 (`authorization_pending`,
    /// `slow_down`, `access_denied`, `expired_token`) or RFC 9449
    /// (`invalid_dpop_proof`, `use_dpop_nonce`).
    pub fn with_code(code: ErrorCode, description: impl Into<String>) -> Self {
        Self::new(code, 400, description)
    }

    /// 500 `server_error`: a fault on our side (its cause logged where it happened).
    pub fn server_error() -> Self {
        Self::new(ErrorCode::ServerError, 500, "an internal error occurred")
    }

    /// 408 `invalid_request`: the body did not arrive within
    /// `client_body_timeout`.
    pub fn body_timed_out() -> Self {
        Self::new(
            ErrorCode::InvalidRequest,
            408,
            "the request body did not arrive in time",
        )
    }

    /// 429 with `Retry-After`: too many failed attempts.
    pub fn throttled(code: ErrorCode, retry_after: u64) -> Self {
        let mut e = Self::new(code, 429, "too many failed attempts; try again later");
        e.retry_after = Some(retry_after.max(1));
        e
    }

    /// 503 `temporarily_unavailable` with `Retry-After`: too many sign-ins
    /// are waiting for a password check.
    pub fn busy(retry_after: u64) -> Self {
        let mut e = Self::new(
            ErrorCode::TemporarilyUnavailable,
            503,
            "too many sign-ins are being checked; try again shortly",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 429 with `Retry-After`: too many requests of a rate-limited kind.
    pub fn rate_limited(description: impl Into<String>, retry_after: u64) -> Self {
        let mut e = Self::new(ErrorCode::TemporarilyUnavailable, 429, description);
        e.retry_after = Some(retry_after.max(1));
        e
    }

    /// Marks a 401 as answering HTTP Basic credentials.
    pub fn with_basic_challenge(mut self, basic: bool) -> Self {
        self.basic_challenge = basic;
        self
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.code.as_str(), "error_description": self.description })
    }
}

impl From<StorageError> for OAuthError {
    fn from(e: StorageError) -> Self {
        match e {
            // Unreachable, lost mid-call, or silent past the deadline: the
            // database is away, not the request wrong.
            StorageError::Unavailable(_) | StorageError::Disconnected(_) | StorageError::TimedOut => {
                tracing::warn!(error = %e, cause = ?std::error::Error::source(&e), "database unavailable");
                let mut err = Self::new(
                    ErrorCode::TemporarilyUnavailable,
                    503,
                    "the service is temporarily unavailable",
                );
                err.retry_after = Some(5);
                err
            }
            other => {
                tracing::error!(error = %other, cause = ?std::error::Error::source(&other), "storage failed");
                Self::server_error()
            }
        }
    }
}

impl From<KeyError> for OAuthError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Storage(s) => s.into(),
            other => {
                tracing::error!(error = %other, "signing failed");
                Self::new(ErrorCode::ServerError, 500, "an internal error occurred")
            }
        }
    }
}
