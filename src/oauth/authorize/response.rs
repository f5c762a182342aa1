//! What an authorization request asks for (`response_type`) and how the
//! answer travels (`response_mode`): RFC 6749 §3.1.1, OAuth 2.0 Multiple
//! Response Type Encoding Practices, OpenID Connect Core §3.

use crate::domain::GrantType;

/// What the client asks for. Hybrid types (`code id_token` …) are not
/// supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// `code`: the authorization code grant.
    Code,
    /// `token`: the implicit grant.
    Token,
    /// `id_token`: OpenID Connect implicit flow, an id token alone
    /// (Core §3.2).
    IdToken,
    /// `id_token token`: OpenID Connect implicit flow, an id token and an
    /// access token (Core §3.2).
    IdTokenToken,
}

/// A `response_type` this server does not support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsupportedResponseType;

impl ResponseType {
    /// The `response_type` parameter: `Ok(None)` if it is missing. Its
    /// words are a set (Multiple Response Types §3): `token id_token` is
    /// `id_token token`.
    pub fn parse(raw: Option<&str>) -> Result<Option<ResponseType>, UnsupportedResponseType> {
        let Some(raw) = raw else { return Ok(None) };
        let mut words: Vec<&str> = raw.split(' ').filter(|w| !w.is_empty()).collect();
        words.sort_unstable();
        match words.as_slice() {
            ["code"] => Ok(Some(ResponseType::Code)),
            ["token"] => Ok(Some(ResponseType::Token)),
            ["id_token"] => Ok(Some(ResponseType::IdToken)),
            ["id_token", "token"] => Ok(Some(ResponseType::IdTokenToken)),
            _ => Err(UnsupportedResponseType),
        }
    }

    /// The grant a response type belongs to.
    pub fn grant(self) -> GrantType {
        match self {
            ResponseType::Code => GrantType::AuthorizationCode,
            ResponseType::Token | ResponseType::IdToken | ResponseType::IdTokenToken => GrantType::Implicit,
        }
    }

    /// Whether the answer carries an id token.
    pub fn has_id_token(self) -> bool {
        matches!(self, ResponseType::IdToken | ResponseType::IdTokenToken)
    }

    /// Whether the answer carries an access token.
    pub fn has_access_token(self) -> bool {
        matches!(self, ResponseType::Token | ResponseType::IdTokenToken)
    }

    /// Where the answer goes when the client names no `response_mode`:
    /// the query for a code, the fragment for anything carrying a token
    /// (RFC 6749 §4.2.2, Multiple Response Types §2.1, §5).
    pub fn default_mode(self) -> ResponseMode {
        match self {
            ResponseType::Code => ResponseMode::Query,
            _ => ResponseMode::Fragment,
        }
    }
}

/// Where the parameters of the answer travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// In the redirect URI's query.
    Query,
    /// In the redirect URI's fragment.
    Fragment,
}

impl ResponseMode {
    /// The `response_mode` parameter for a request of `response_type`: the
    /// type's default when absent. Tokens never go in the query, where
    /// servers and proxies log them (Multiple Response Types §2.1).
    pub fn parse(raw: Option<&str>, response_type: ResponseType) -> Result<ResponseMode, String> {
        match raw {
            None => Ok(response_type.default_mode()),
            Some("fragment") => Ok(ResponseMode::Fragment),
            Some("query") if response_type == ResponseType::Code => Ok(ResponseMode::Query),
            Some("query") => Err("tokens are never sent in the query (response_mode=query)".into()),
            Some(_) => Err("response_mode must be query or fragment".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_of_a_response_type_are_a_set() {
        assert_eq!(
            ResponseType::parse(Some("token id_token")),
            Ok(Some(ResponseType::IdTokenToken))
        );
        assert_eq!(
            ResponseType::parse(Some("id_token")),
            Ok(Some(ResponseType::IdToken))
        );
    }

    #[test]
    fn hybrid_and_repeated_words_are_unsupported() {
        for raw in [
            "code id_token",
            "code token",
            "code id_token token",
            "token token",
            "none",
            "",
        ] {
            assert_eq!(
                ResponseType::parse(Some(raw)),
                Err(UnsupportedResponseType),
                "{raw}"
            );
        }
    }

    #[test]
    fn tokens_never_travel_in_the_query() {
        assert!(ResponseMode::parse(Some("query"), ResponseType::IdToken).is_err());
        assert!(ResponseMode::parse(Some("query"), ResponseType::Token).is_err());
        assert_eq!(
            ResponseMode::parse(Some("fragment"), ResponseType::Code),
            Ok(ResponseMode::Fragment)
        );
        assert_eq!(
            ResponseMode::parse(None, ResponseType::IdToken),
            Ok(ResponseMode::Fragment)
        );
        assert!(ResponseMode::parse(Some("form_post"), ResponseType::Code).is_err());
    }
}
