//! The client metadata of RFC 7591 §2 as this server reads it: the JSON
//! document, the token endpoint authentication method, and grant types made
//! consistent with response types.

use super::RegistrationError;
use crate::domain::AccessTokenFormat;
use crate::oauth::client_assertion::{KeySource, PRIVATE_KEY_JWT};
use crate::oauth::registry::NewClient;
use crate::oauth::registry::NewOpenId;
use crate::storage::clients::{ClientRow, ClientSecurity};
use serde_json::Value;

/// The name given to a client that registers without `client_name`
/// (RFC 7591 makes it optional; the registry needs one).
pub const DEFAULT_CLIENT_NAME: &str = "Unnamed client";

/// How a client authenticates at the token endpoint (RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic (the default).
    ClientSecretBasic,
    /// The secret in the form body.
    ClientSecretPost,
    /// A public client: no secret.
    None,
    /// A JWT signed by one of its registered keys (RFC 7523 §2.2,
    /// OpenID Core §9): no secret.
    PrivateKeyJwt,
}

impl AuthMethod {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::None => "none",
            AuthMethod::PrivateKeyJwt => PRIVATE_KEY_JWT,
        }
    }

    fn parse(raw: &str) -> Result<Self, RegistrationError> {
        match raw {
            "client_secret_basic" => Ok(AuthMethod::ClientSecretBasic),
            "client_secret_post" => Ok(AuthMethod::ClientSecretPost),
            "none" => Ok(AuthMethod::None),
            PRIVATE_KEY_JWT => Ok(AuthMethod::PrivateKeyJwt),
            other => Err(RegistrationError::invalid_metadata(format!(
                "token_endpoint_auth_method {other:?} is not supported; use client_secret_basic, \
                 client_secret_post, private_key_jwt or none"
            ))),
        }
    }

    pub(super) fn is_public(self) -> bool {
        self == AuthMethod::None
    }

    /// What a stored client's method is reported as: the server does not
    /// record which of the two secret methods was asked for, and accepts both.
    pub(super) fn of(row: &ClientRow, security: &ClientSecurity) -> Self {
        if row.is_public {
            AuthMethod::None
        } else if security.token_endpoint_auth_method.as_deref() == Some(PRIVATE_KEY_JWT) {
            AuthMethod::PrivateKeyJwt
        } else {
            AuthMethod::ClientSecretBasic
        }
    }
}

/// The client metadata this server understands (RFC 7591 §2, OpenID
/// Connect Dynamic Client Registration 1.0 §2); any other member is
/// ignored. A member of the wrong type is refused naming it.
#[derive(Debug, Default)]
pub(crate) struct ClientMetadata {
    redirect_uris: Option<Vec<String>>,
    client_name: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    scope: Option<String>,
    token_endpoint_auth_method: Option<String>,
    post_logout_redirect_uris: Option<Vec<String>>,
    backchannel_logout_uri: Option<String>,
    backchannel_logout_session_required: Option<bool>,
    subject_type: Option<String>,
    sector_identifier_uri: Option<String>,
    default_max_age: Option<i64>,
    require_auth_time: Option<bool>,
    id_token_signed_response_alg: Option<String>,
    /// Tollgate's own: `jwt` or `opaque`, heeded only where the operator
    /// lets registrants choose (`registration_access_token_format`).
    pub(super) access_token_format: Option<String>,
    /// Only in an RFC 7592 update, where it must name the registration.
    pub(super) client_id: Option<String>,
    /// RFC 9126 §6: every authorization request must be pushed first.
    pub(super) require_pushed_authorization_requests: Option<bool>,
    /// RFC 7591 §2: the client's public keys, inline (a JWK Set object).
    jwks: Option<serde_json::Map<String, Value>>,
    /// RFC 7591 §2: where its public keys are fetched from.
    jwks_uri: Option<String>,
    /// RFC 9449 §5.2: every access token must be DPoP-bound.
    dpop_bound_access_tokens: Option<bool>,
}

/// A JSON object's members, refusing a member given twice (which one
/// would count is not for this server to guess).
struct Members(serde_json::Map<String, Value>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = serde_json::Map::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    if members.contains_key(&name) {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate member {name:?}"
                        )));
                    }
                    members.insert(name, value);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The member `name` of `object` as a `T`; absent or `null` is `None`.
fn member<T: serde::de::DeserializeOwned>(
    object: &serde_json::Map<String, Value>,
    name: &str,
    expected: &str,
) -> Result<Option<T>, RegistrationError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|_| RegistrationError::invalid_metadata(format!("{name}: must be {expected}"))),
    }
}

impl ClientMetadata {
    pub(crate) fn from_json(body: &[u8]) -> Result<Self, RegistrationError> {
        if !serde_json::from_slice::<Value>(body).is_ok_and(|v| v.is_object()) {
            return Err(RegistrationError::invalid_metadata(
                "the body must be a JSON object of client metadata",
            ));
        }
        let Members(object) = serde_json::from_slice(body)
            .map_err(|e| RegistrationError::invalid_metadata(format!("malformed client metadata: {e}")))?;
        const STRINGS: &str = "an array of strings";
        const STRING: &str = "a string";
        const BOOL: &str = "true or false";
        let o = &object;
        Ok(ClientMetadata {
            redirect_uris: member(o, "redirect_uris", STRINGS)?,
            client_name: member(o, "client_name", STRING)?,
            client_uri: member(o, "client_uri", STRING)?,
            logo_uri: member(o, "logo_uri", STRING)?,
            grant_types: member(o, "grant_types", STRINGS)?,
            response_types: member(o, "response_types", STRINGS)?,
            scope: member(o, "scope", STRING)?,
            token_endpoint_auth_method: member(o, "token_endpoint_auth_method", STRING)?,
            post_logout_redirect_uris: member(o, "post_logout_redirect_uris", STRINGS)?,
            backchannel_logout_uri: member(o, "backchannel_logout_uri", STRING)?,
            backchannel_logout_session_required: member(o, "backchannel_logout_session_required", BOOL)?,
            subject_type: member(o, "subject_type", STRING)?,
            sector_identifier_uri: member(o, "sector_identifier_uri", STRING)?,
            default_max_age: member(o, "default_max_age", "a whole number of seconds, 0 or more")?,
            require_auth_time: member(o, "require_auth_time", BOOL)?,
            id_token_signed_response_alg: member(o, "id_token_signed_response_alg", STRING)?,
            access_token_format: member(o, "access_token_format", STRING)?,
            client_id: member(o, "client_id", STRING)?,
            require_pushed_authorization_requests: member(o, "require_pushed_authorization_requests", BOOL)?,
            jwks: member(o, "jwks", "a JWK Set (a JSON object with \"keys\")")?,
            jwks_uri: member(o, "jwks_uri", STRING)?,
            dpop_bound_access_tokens: member(o, "dpop_bound_access_tokens", BOOL)?,
        })
    }

    pub(super) fn auth_method(&self) -> Result<Option<AuthMethod>, RegistrationError> {
        self.token_endpoint_auth_method
            .as_deref()
            .map(AuthMethod::parse)
            .transpose()
    }

    /// The security settings these metadata ask for with `method`: its
    /// keys (exactly one of `jwks` and `jwks_uri`, for `private_key_jwt`
    /// only, checked as the CLI checks them), whether its requests must be
    /// pushed and its tokens DPoP-bound. A `jwks_uri` over plain http must
    /// name a loopback host and needs the development setting
    /// (`outbound_private_addresses`), as fetching it would.
    pub(super) fn security(
        &self,
        method: AuthMethod,
        private_addresses: bool,
    ) -> Result<ClientSecurity, RegistrationError> {
        let jwks = self.jwks.as_ref().map(|j| Value::Object(j.clone()).to_string());
        let keys = match method {
            AuthMethod::PrivateKeyJwt => {
                let source = KeySource::parse(jwks.as_deref(), self.jwks_uri.as_deref()).map_err(|e| {
                    let member = match (&jwks, &self.jwks_uri) {
                        (Some(_), None) => "jwks",
                        (None, Some(_)) => "jwks_uri",
                        _ => "jwks, jwks_uri",
                    };
                    RegistrationError::invalid_metadata(format!("{member}: {e}"))
                })?;
                if let KeySource::JwksUri(uri) = &source {
                    let plain = url::Url::parse(uri).is_ok_and(|u| u.scheme() == "http");
                    if plain && !private_addresses {
                        return Err(RegistrationError::invalid_metadata(
                            "jwks_uri: must be an https URL (plain http to loopback is for development only)",
                        ));
                    }
                }
                Some(source)
            }
            _ if jwks.is_some() || self.jwks_uri.is_some() => {
                return Err(RegistrationError::invalid_metadata(
                    "jwks, jwks_uri: keys are registered only with token_endpoint_auth_method private_key_jwt",
                ))
            }
            _ => None,
        };
        let (jwks, jwks_uri) = match keys {
            Some(KeySource::Jwks(j)) => (Some(j), None),
            Some(KeySource::JwksUri(u)) => (None, Some(u)),
            None => (None, None),
        };
        Ok(ClientSecurity {
            token_endpoint_auth_method: (method == AuthMethod::PrivateKeyJwt)
                .then(|| PRIVATE_KEY_JWT.to_string()),
            jwks,
            jwks_uri,
            require_pushed_authorization_requests: self
                .require_pushed_authorization_requests
                .unwrap_or(false),
            dpop_bound_access_tokens: self.dpop_bound_access_tokens.unwrap_or(false),
            metadata_document_expires_at: None,
        })
    }

    /// The form of access tokens asked for: `None` if the operator does
    /// not let registrants choose (`allowed`), or none was named.
    pub(super) fn access_token_format(
        &self,
        allowed: bool,
    ) -> Result<Option<AccessTokenFormat>, RegistrationError> {
        match (&self.access_token_format, allowed) {
            (Some(f), true) => f.parse().map(Some).map_err(|_| {
                RegistrationError::invalid_metadata("access_token_format: must be \"jwt\" or \"opaque\"")
            }),
            _ => Ok(None),
        }
    }

    /// The registration these metadata ask for.
    pub(crate) fn into_new_client(self, public: bool) -> Result<NewClient, RegistrationError> {
        let grant_types = grant_types(self.grant_types, self.response_types)?;
        let name = self
            .client_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_CLIENT_NAME.to_string());
        let scopes = self
            .scope
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Ok(NewClient {
            name,
            description: String::new(),
            homepage_uri: self.client_uri,
            logo_uri: self.logo_uri,
            redirect_uris: self.redirect_uris.unwrap_or_default(),
            grant_types,
            scopes,
            resources: Vec::new(),
            public,
            trusted: false,
            owner_id: None,
            openid: NewOpenId {
                post_logout_redirect_uris: self.post_logout_redirect_uris.unwrap_or_default(),
                backchannel_logout_uri: self.backchannel_logout_uri,
                backchannel_logout_session_required: self
                    .backchannel_logout_session_required
                    .unwrap_or(false),
                subject_type: self.subject_type,
                sector_identifier_uri: self.sector_identifier_uri,
                default_max_age: self.default_max_age,
                require_auth_time: self.require_auth_time.unwrap_or(false),
                id_token_signed_response_alg: self.id_token_signed_response_alg,
            },
        })
    }
}

/// The grant types to register, made consistent with the response types
/// (RFC 7591 §2.1: `code` goes with `authorization_code`, `token` with
/// `implicit`). Either may be omitted and is then derived from the other;
/// both omitted means `authorization_code` and `code`.
fn grant_types(
    grants: Option<Vec<String>>,
    responses: Option<Vec<String>>,
) -> Result<Vec<String>, RegistrationError> {
    let grants = grants.filter(|g| !g.is_empty());
    let responses = responses.filter(|r| !r.is_empty());
    let (mut code, mut token) = (false, false);
    for r in responses.iter().flatten() {
        match r.as_str() {
            "code" => code = true,
            // OpenID Connect's implicit responses (Core §3.2) belong to the
            // implicit grant like `token`.
            "token" | "id_token" | "id_token token" => token = true,
            other => {
                return Err(RegistrationError::invalid_metadata(format!(
                "response_types: {other:?} is not supported; use code, token, id_token or \"id_token token\""
            )))
            }
        }
    }
    match (grants, responses) {
        (None, None) => Ok(vec!["authorization_code".into()]),
        (None, Some(_)) => Ok([(code, "authorization_code"), (token, "implicit")]
            .into_iter()
            .filter(|(wanted, _)| *wanted)
            .map(|(_, g)| g.to_string())
            .collect()),
        (Some(grants), None) => Ok(grants),
        (Some(grants), Some(_)) => {
            let has = |g: &str| grants.iter().any(|x| x == g);
            if has("authorization_code") != code || has("implicit") != token {
                return Err(RegistrationError::invalid_metadata(
                    "response_types and grant_types disagree: the code response type goes with the \
                     authorization_code grant, token with implicit",
                ));
            }
            Ok(grants)
        }
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn without_grant_or_response_types_the_client_gets_the_code_grant() {
        assert_eq!(grant_types(None, None).unwrap(), vec!["authorization_code"]);
        assert_eq!(
            grant_types(strings(&[]), strings(&[])).unwrap(),
            vec!["authorization_code"]
        );
    }

    #[test]
    fn grant_types_follow_response_types_when_omitted() {
        assert_eq!(
            grant_types(None, strings(&["token", "code"])).unwrap(),
            vec!["authorization_code", "implicit"]
        );
    }

    #[test]
    fn openid_implicit_response_types_ask_for_the_implicit_grant() {
        assert_eq!(
            grant_types(None, strings(&["id_token", "id_token token"])).unwrap(),
            vec!["implicit"]
        );
    }

    #[test]
    fn contradicting_grant_and_response_types_are_refused() {
        for (grants, responses) in [
            (&["authorization_code"][..], &["token"][..]),
            (&["client_credentials"][..], &["code"][..]),
            (&["authorization_code", "implicit"][..], &["code"][..]),
        ] {
            assert!(matches!(
                grant_types(strings(grants), strings(responses)),
                Err(RegistrationError::InvalidClientMetadata(_))
            ));
        }
        assert!(grant_types(
            strings(&["authorization_code", "refresh_token"]),
            strings(&["code"])
        )
        .is_ok());
    }

    #[test]
    fn an_unknown_response_type_is_refused() {
        assert!(grant_types(None, strings(&["code id_token"])).is_err());
    }

    #[test]
    fn metadata_must_be_a_json_object() {
        for body in [
            &b"[]"[..],
            b"\"x\"",
            b"{",
            b"",
            br#"{"redirect_uris":"https://a/cb"}"#,
        ] {
            assert!(matches!(
                ClientMetadata::from_json(body),
                Err(RegistrationError::InvalidClientMetadata(_))
            ));
        }
        let m =
            ClientMetadata::from_json(br#"{"client_name":"A","contacts":["a@b"],"logo_uri":null}"#).unwrap();
        assert_eq!(m.client_name.as_deref(), Some("A"));
    }

    #[test]
    fn a_member_of_the_wrong_type_is_refused_naming_it() {
        for (body, name) in [
            (
                &br#"{"post_logout_redirect_uris":"https://a/out"}"#[..],
                "post_logout_redirect_uris",
            ),
            (
                br#"{"backchannel_logout_session_required":"yes"}"#,
                "backchannel_logout_session_required",
            ),
            (br#"{"default_max_age":-1.5}"#, "default_max_age"),
            (br#"{"require_auth_time":1}"#, "require_auth_time"),
            (br#"{"subject_type":["pairwise"]}"#, "subject_type"),
        ] {
            match ClientMetadata::from_json(body) {
                Err(RegistrationError::InvalidClientMetadata(d)) => assert!(d.starts_with(name), "{d}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
