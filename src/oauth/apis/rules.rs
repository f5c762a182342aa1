//! What a registered API must be: its identifier, its name, its role names.

use crate::domain::{display_text, Invalid, Scope};

/// Most roles one API may define, and most roles of one API one user or
/// client may hold: a token carries at most this many.
pub const MAX_ROLES: usize = 64;

/// Most characters in a role name.
const MAX_ROLE_LEN: usize = 64;

/// An API's identifier (the `aud` of its tokens, the RFC 8707 `resource`
/// that asks for them): an absolute https URI, or http on a loopback host
/// for development; no fragment (RFC 8707 §2), no userinfo.
pub fn identifier(raw: &str) -> Result<String, Invalid> {
    let bad = || {
        Invalid::rule(
            "rule-api-identifier",
            format!("{raw:?} is not a valid API identifier (an absolute https URI without a fragment; http only on loopback)"),
        )
        .with("identifier", format!("{raw:?}"))
    };
    let url = url::Url::parse(raw).map_err(|_| bad())?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !scheme_ok
        || url.fragment().is_some()
        || raw.contains('#')
        || !url.username().is_empty()
        || url.password().is_some()
        || raw.len() > 512
        || raw.contains(char::is_whitespace)
    {
        return Err(bad());
    }
    Ok(raw.to_string())
}

/// An API's display name: 1 to 100 printable characters.
pub fn name(raw: &str) -> Result<String, Invalid> {
    display_text(raw, "the API's name", 100, true, false)
}

/// A role name: like a scope token (RFC 6749 §3.3 NQCHAR, no space), at
/// most 64 characters.
pub fn role(raw: &str) -> Result<String, Invalid> {
    if raw.len() > MAX_ROLE_LEN || Scope::parse(raw).is_err() {
        return Err(Invalid::rule(
            "rule-api-role",
            format!(
                "{raw:?} is not a valid role name (1 to {MAX_ROLE_LEN} printable ASCII characters, no space, quote or backslash)"
            ),
        )
        .with("role", format!("{raw:?}"))
        .with("max", MAX_ROLE_LEN));
    }
    Ok(raw.to_string())
}

/// A scope name an API may own.
pub fn scope(raw: &str) -> Result<String, Invalid> {
    Scope::parse(raw).map(|s| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_https_or_loopback_http_without_fragments() {
        assert!(identifier("https://api.example.com").is_ok());
        assert!(identifier("https://api.example.com/orders").is_ok());
        assert!(identifier("http://127.0.0.1:9000/api").is_ok());
        assert!(identifier("http://localhost/api").is_ok());
        assert!(identifier("http://api.example.com").is_err());
        assert!(identifier("https://api.example.com/#x").is_err());
        assert!(identifier("https://user@api.example.com").is_err());
        assert!(identifier("orders").is_err());
        assert!(identifier("urn:orders").is_err());
    }

    #[test]
    fn roles_are_scope_like_tokens() {
        assert!(role("orders:read").is_ok());
        assert!(role("admin").is_ok());
        assert!(role("two words").is_err());
        assert!(role("").is_err());
        assert!(role(&"r".repeat(65)).is_err());
        assert!(role("quo\"te").is_err());
    }

    #[test]
    fn names_must_be_printable_and_present() {
        assert!(name("Orders").is_ok());
        assert!(name("  ").is_err());
        assert!(name("a\u{202e}b").is_err());
    }
}
