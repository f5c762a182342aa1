use super::Invalid;
use std::fmt;
use std::str::FromStr;

/// The form of the access tokens a client is given (an operator decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessTokenFormat {
    /// A signed JWT (RFC 9068) that resource servers verify offline.
    #[default]
    Jwt,
    /// A random reference, stored hashed with its claims: only this server
    /// (introspection, the gateway check) can read it.
    Opaque,
}

impl AccessTokenFormat {
    /// The name used in storage and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessTokenFormat::Jwt => "jwt",
            AccessTokenFormat::Opaque => "opaque",
        }
    }
}

impl fmt::Display for AccessTokenFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccessTokenFormat {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Invalid> {
        match s {
            "jwt" => Ok(AccessTokenFormat::Jwt),
            "opaque" => Ok(AccessTokenFormat::Opaque),
            _ => Err(Invalid::new(format!(
                "access token format {s:?} is neither \"jwt\" nor \"opaque\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_and_others_are_refused() {
        for f in [AccessTokenFormat::Jwt, AccessTokenFormat::Opaque] {
            assert_eq!(f.as_str().parse::<AccessTokenFormat>(), Ok(f));
        }
        assert!("JWT".parse::<AccessTokenFormat>().is_err());
        assert!("".parse::<AccessTokenFormat>().is_err());
    }
}
