//! Why a registration request was refused, as RFC 7591 §3.2.2 and
//! RFC 7592 §2 spell it.

use crate::oauth::error::OAuthError;
use crate::oauth::registry::{FieldError, RegisterError};
use crate::storage::StorageError;
use serde_json::{json, Value};

/// Longest `error_description` (a parser's message may quote the input).
const MAX_DESCRIPTION_CHARS: usize = 300;

/// Why a registration request was refused (RFC 7591 §3.2.2, RFC 7592 §2).
#[derive(Debug)]
pub enum RegistrationError {
    /// 400 `invalid_redirect_uri`.
    InvalidRedirectUri(String),
    /// 400 `invalid_client_metadata`.
    InvalidClientMetadata(String),
    /// 401 `invalid_token`: the initial or registration access token is
    /// missing or wrong, or the client does not exist (not told apart).
    InvalidToken,
    /// The server's side failed (503 or 500), as the other OAuth endpoints answer it.
    Server(OAuthError),
}

impl RegistrationError {
    /// 400 `invalid_client_metadata`.
    pub fn invalid_metadata(description: impl Into<String>) -> Self {
        RegistrationError::InvalidClientMetadata(description.into())
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            RegistrationError::InvalidRedirectUri(_) | RegistrationError::InvalidClientMetadata(_) => 400,
            RegistrationError::InvalidToken => 401,
            RegistrationError::Server(e) => e.status,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let (code, description) = match self {
            RegistrationError::InvalidRedirectUri(d) => ("invalid_redirect_uri", d.as_str()),
            RegistrationError::InvalidClientMetadata(d) => ("invalid_client_metadata", d.as_str()),
            RegistrationError::InvalidToken => (
                "invalid_token",
                "the access token is missing, or not valid for this registration",
            ),
            RegistrationError::Server(e) => return e.body(),
        };
        json!({ "error": code, "error_description": truncate(description) })
    }
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_DESCRIPTION_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

impl From<StorageError> for RegistrationError {
    fn from(e: StorageError) -> Self {
        RegistrationError::Server(e.into())
    }
}

impl From<FieldError> for RegistrationError {
    fn from(e: FieldError) -> Self {
        // The registry's field names, as RFC 7591 spells them.
        let wire = match e.field {
            "name" => "client_name",
            "homepage_uri" => "client_uri",
            "scopes" => "scope",
            other => other,
        };
        let description = format!("{wire}: {}", e.message);
        if e.field == "redirect_uris" {
            RegistrationError::InvalidRedirectUri(description)
        } else {
            RegistrationError::InvalidClientMetadata(description)
        }
    }
}

impl From<RegisterError> for RegistrationError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::Invalid(f) => f.into(),
            RegisterError::Storage(s) => s.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_uri_problem_is_invalid_redirect_uri_and_others_invalid_client_metadata() {
        let e: RegistrationError = FieldError::new("redirect_uris", "no").into();
        assert_eq!(e.body()["error"], "invalid_redirect_uri");
        let e: RegistrationError = FieldError::new("homepage_uri", "must be https").into();
        assert_eq!(e.body()["error"], "invalid_client_metadata");
        assert_eq!(e.body()["error_description"], "client_uri: must be https");
    }

    #[test]
    fn long_descriptions_are_cut() {
        let e = RegistrationError::invalid_metadata("é".repeat(1000));
        let d = e.body()["error_description"].as_str().unwrap().to_string();
        assert_eq!(d.chars().count(), MAX_DESCRIPTION_CHARS + 1);
    }
}
