//! What a route asks of a token, as the gateway's configuration writes it in
//! the check's query string: `audience` (at most once), `scope` (at most
//! once; space-separated, every one required) and `role` (repeatable; any
//! one suffices). Anything else is a mistake in the gateway's configuration
//! and is refused with a 400 that names it, rather than guessed at.

use crate::oauth::tokens::AccessClaims;

/// The longest query string accepted.
pub const MAX_QUERY: usize = 4096;
/// The longest single value accepted.
const MAX_VALUE: usize = 512;
/// The most `role` parameters accepted.
const MAX_ROLES: usize = 32;

/// A route's requirements.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Requirements {
    /// The audience the token must be for; `None`: any (the internal token
    /// is then for the token's own audience).
    pub audience: Option<String>,
    /// Scopes the token must all carry.
    pub scopes: Vec<String>,
    /// Roles of which the token must carry one; empty: none needed.
    pub roles: Vec<String>,
}

/// Why a token does not meet them (RFC 6750 §3.1 `insufficient_scope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmet {
    /// The token is for another audience.
    Audience,
    /// It lacks a scope.
    Scope,
    /// It carries none of the roles.
    Role,
}

impl Unmet {
    /// The `error_description`.
    pub fn description(&self) -> &'static str {
        match self {
            Unmet::Audience => "the access token is for another audience",
            Unmet::Scope => "the access token lacks a required scope",
            Unmet::Role => "the access token carries none of the required roles",
        }
    }
}

impl Requirements {
    /// Parses a query string; the error is a one-line reason for a 400.
    pub fn parse(query: &str) -> Result<Requirements, String> {
        if query.len() > MAX_QUERY {
            return Err(format!("the query string is longer than {MAX_QUERY} bytes"));
        }
        let mut found = Requirements::default();
        let mut scope_seen = false;
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if value.len() > MAX_VALUE {
                return Err(format!("the value of {name:?} is longer than {MAX_VALUE} bytes"));
            }
            if value.chars().any(char::is_control) {
                return Err(format!("the value of {name:?} holds a control character"));
            }
            match name.as_ref() {
                "audience" if found.audience.is_some() => return Err("audience is given twice".into()),
                "audience" if value.is_empty() => return Err("audience is empty".into()),
                "audience" => found.audience = Some(value.into_owned()),
                "scope" if scope_seen => {
                    return Err("scope is given twice; list the scopes space-separated in one".into())
                }
                "scope" => {
                    scope_seen = true;
                    found.scopes = value
                        .split(' ')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                }
                "role" if value.is_empty() || value.contains(' ') => {
                    return Err("a role must be one non-empty name".into())
                }
                "role" if found.roles.len() == MAX_ROLES => {
                    return Err(format!("more than {MAX_ROLES} roles are given"))
                }
                "role" => found.roles.push(value.into_owned()),
                other => return Err(format!("unknown parameter {other:?}")),
            }
        }
        Ok(found)
    }

    /// Whether `claims` meet these requirements.
    pub fn check(&self, claims: &AccessClaims) -> Result<(), Unmet> {
        if self.audience.as_ref().is_some_and(|a| *a != claims.aud) {
            return Err(Unmet::Audience);
        }
        let granted: Vec<&str> = claims.scope.split(' ').collect();
        if !self.scopes.iter().all(|s| granted.contains(&s.as_str())) {
            return Err(Unmet::Scope);
        }
        if !self.roles.is_empty() && !self.roles.iter().any(|r| claims.roles.contains(r)) {
            return Err(Unmet::Role);
        }
        Ok(())
    }

    /// The `scope` attribute of a 403's challenge: what the route needs.
    pub fn scope_attribute(&self) -> String {
        self.scopes.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(aud: &str, scope: &str, roles: &[&str]) -> AccessClaims {
        AccessClaims {
            iss: "https://issuer".into(),
            sub: "u".into(),
            aud: aud.into(),
            exp: 2,
            iat: 1,
            jti: "j".into(),
            client_id: "c".into(),
            scope: scope.into(),
            sid: None,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            act: None,
            origin_jti: None,
            cnf: None,
        }
    }

    #[test]
    fn every_scope_and_any_role_are_required() {
        let r = Requirements::parse("audience=https%3A%2F%2Fapi&scope=read+write&role=admin&role=editor")
            .unwrap();
        assert_eq!(r.audience.as_deref(), Some("https://api"));
        assert_eq!(r.scopes, ["read", "write"]);
        assert_eq!(
            r.check(&claims("https://api", "read write x", &["editor"])),
            Ok(())
        );
        assert_eq!(
            r.check(&claims("https://api", "read", &["editor"])),
            Err(Unmet::Scope)
        );
        assert_eq!(
            r.check(&claims("https://api", "read write", &["viewer"])),
            Err(Unmet::Role)
        );
        assert_eq!(
            r.check(&claims("https://other", "read write", &["admin"])),
            Err(Unmet::Audience)
        );
    }

    #[test]
    fn no_requirements_accept_any_live_token() {
        let r = Requirements::parse("").unwrap();
        assert_eq!(r.check(&claims("a", "", &[])), Ok(()));
    }

    #[test]
    fn duplicated_unknown_or_oversized_parameters_are_refused() {
        assert!(Requirements::parse("audience=a&audience=b").is_err());
        assert!(Requirements::parse("scope=a&scope=b").is_err());
        assert!(Requirements::parse("scopes=a").is_err());
        assert!(Requirements::parse("role=a%20b").is_err());
        assert!(Requirements::parse(&format!("audience={}", "a".repeat(600))).is_err());
        assert!(Requirements::parse(&"role=a&".repeat(40)).is_err());
        assert!(Requirements::parse("audience=a%00").is_err());
    }
}
