//! One permission of the token-exchange policy (RFC 8693): a client may
//! exchange users' access tokens for tokens for an audience.

use super::Invalid;

/// Longest audience accepted.
const MAX_AUDIENCE_BYTES: usize = 512;

/// A client id and an audience it may exchange tokens for. The audience is
/// an absolute URI without a fragment (RFC 8693 §2.1 `audience` is a
/// logical name; Tollgate's audiences are APIs' identifiers and resource
/// URIs, so only absolute URIs can ever match one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeGrant {
    /// The client.
    pub client_id: String,
    /// The audience.
    pub audience: String,
}

impl ExchangeGrant {
    /// Checks `audience`; the client is the caller's to check.
    pub fn new(client_id: &str, audience: &str) -> Result<ExchangeGrant, Invalid> {
        let absolute = audience.len() <= MAX_AUDIENCE_BYTES
            && url::Url::parse(audience).is_ok_and(|u| u.fragment().is_none());
        if !absolute {
            return Err(Invalid::new(format!(
                "the audience must be an absolute URI without a fragment, got {audience:?}"
            )));
        }
        if client_id.is_empty() {
            return Err(Invalid::new("the client id cannot be empty"));
        }
        Ok(ExchangeGrant {
            client_id: client_id.to_string(),
            audience: audience.to_string(),
        })
    }

    /// Parses a list of `CLIENT_ID=AUDIENCE` separated by commas or
    /// spaces (the configuration's `token_exchange_policy`).
    pub fn parse_list(v: &str) -> Result<Vec<ExchangeGrant>, Invalid> {
        v.split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|item| {
                let (client, audience) = item
                    .split_once('=')
                    .ok_or_else(|| Invalid::new(format!("expected CLIENT_ID=AUDIENCE, got {item:?}")))?;
                ExchangeGrant::new(client, audience)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_pairs_parses_with_commas_or_spaces() {
        let grants = ExchangeGrant::parse_list("a=https://x.example, b=urn:api:y").unwrap();
        assert_eq!(grants.len(), 2);
        assert_eq!(grants[1].client_id, "b");
        assert_eq!(grants[1].audience, "urn:api:y");
    }

    #[test]
    fn an_audience_that_is_not_an_absolute_uri_is_refused() {
        assert!(ExchangeGrant::parse_list("a=orders").is_err());
        assert!(ExchangeGrant::parse_list("a=https://x.example/#f").is_err());
        assert!(ExchangeGrant::parse_list("https://x.example").is_err());
        assert!(ExchangeGrant::parse_list("=https://x.example").is_err());
    }

    #[test]
    fn an_empty_list_is_no_permission() {
        assert_eq!(ExchangeGrant::parse_list(" , ").unwrap(), vec![]);
    }
}
