use super::Invalid;
use std::fmt;
use std::str::FromStr;

/// An OAuth 2.0 grant type a client may be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GrantType {
    /// RFC 6749 §4.1, with PKCE (RFC 7636).
    AuthorizationCode,
    /// RFC 6749 §4.2: a token in the redirect's fragment. Opt-in per client.
    Implicit,
    /// RFC 6749 §4.3: resource-owner password. Trusted clients only.
    Password,
    /// RFC 6749 §4.4: a service acting for itself.
    ClientCredentials,
    /// RFC 6749 §6.
    RefreshToken,
    /// RFC 8693: a service swaps a user's access token for one for the next
    /// service. Allowed by the exchange policy (client and audience), not
    /// by the client's grant types.
    TokenExchange,
    /// RFC 8628: a device without a browser polls while its user approves
    /// on another one.
    DeviceCode,
}

impl GrantType {
    /// Every grant type, in the order metadata lists them.
    pub const ALL: [GrantType; 7] = [
        GrantType::AuthorizationCode,
        GrantType::Implicit,
        GrantType::Password,
        GrantType::ClientCredentials,
        GrantType::RefreshToken,
        GrantType::TokenExchange,
        GrantType::DeviceCode,
    ];

    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::Implicit => "implicit",
            GrantType::Password => "password",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::RefreshToken => "refresh_token",
            GrantType::TokenExchange => "urn:ietf:params:oauth:grant-type:token-exchange",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
        }
    }

    /// Whether the grant sends the user agent to a redirect URI.
    pub fn uses_redirect(self) -> bool {
        matches!(self, GrantType::AuthorizationCode | GrantType::Implicit)
    }
}

impl FromStr for GrantType {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Invalid> {
        GrantType::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| {
                Invalid::rule("rule-grant-type-unknown", format!("unknown grant type {s:?}"))
                    .with("grant", format!("{s:?}"))
            })
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grant_type_round_trips_through_its_name() {
        for g in GrantType::ALL {
            assert_eq!(g.as_str().parse::<GrantType>(), Ok(g));
        }
    }

    #[test]
    fn an_unknown_grant_type_is_refused() {
        assert!("urn:custom".parse::<GrantType>().is_err());
    }
}
