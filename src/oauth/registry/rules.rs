//! The rules a registration must meet: the same for the CLI, the
//! developer portal and RFC 7591 dynamic registration, with the limits of
//! self-service on top, and how a portal edit keeps what its form does not
//! show. Pure: no database here.

use crate::domain::{
    display_text, AccessTokenFormat, GrantType, Invalid, RedirectUri, Rule, RuleArg, ScopeSet,
};
use crate::oauth::settings::ProtocolSettings;
use crate::storage::clients::{ClientDetails, ClientSecurity, OpenIdSettings};
use std::fmt;

mod openid;
mod portal;

pub use openid::{check_sector_kept, check_signing_alg};
pub use portal::{portal_edit, FormOffer};

/// What a registration asks for, as received.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    /// Display name.
    pub name: String,
    /// Description shown to developers.
    pub description: String,
    /// Home page.
    pub homepage_uri: Option<String>,
    /// Logo.
    pub logo_uri: Option<String>,
    /// Redirect URIs, each checked by [`RedirectUri::parse`].
    pub redirect_uris: Vec<String>,
    /// Grant type names; empty means `authorization_code` and `refresh_token`.
    pub grant_types: Vec<String>,
    /// Scope names.
    pub scopes: Vec<String>,
    /// RFC 8707 resources (audiences) the client may ask tokens for.
    pub resources: Vec<String>,
    /// A public client has no secret.
    pub public: bool,
    /// First-party: skips consent, may be allowed the password grant.
    pub trusted: bool,
    /// The developer registering it.
    pub owner_id: Option<String>,
    /// What it asks for as an OpenID Connect relying party.
    pub openid: NewOpenId,
}

/// What a registration asks for as an OpenID Connect relying party, as
/// received (Dynamic Client Registration 1.0 §2, RP-Initiated Logout 1.0
/// §3.1, Back-Channel Logout 1.0 §2.2).
#[derive(Debug, Clone, Default)]
pub struct NewOpenId {
    /// Where the user may be sent after RP-initiated logout.
    pub post_logout_redirect_uris: Vec<String>,
    /// Where logout tokens are posted.
    pub backchannel_logout_uri: Option<String>,
    /// Whether logout tokens must carry `sid`.
    pub backchannel_logout_session_required: bool,
    /// `public` or `pairwise`; none: `public`.
    pub subject_type: Option<String>,
    /// Not supported: given, it is refused.
    pub sector_identifier_uri: Option<String>,
    /// Seconds after which the user must sign in again for this client.
    pub default_max_age: Option<i64>,
    /// Whether id tokens always carry `auth_time`.
    pub require_auth_time: bool,
    /// The algorithm id tokens are signed with; none: the active key's.
    pub id_token_signed_response_alg: Option<String>,
}

/// Who registers a client, and so which rules apply.
#[derive(Debug, Clone)]
pub enum Registrant {
    /// The operator (CLI): any grant, any scope, trust.
    Operator,
    /// A developer (portal) or a program (RFC 7591): no password grant, no
    /// trust, implicit only where the operator allows it, scopes from the
    /// catalogue only.
    SelfService {
        /// Whether the operator lets self-service clients use the implicit grant.
        implicit_allowed: bool,
        /// Whether the operator lets self-service clients use client credentials.
        client_credentials_allowed: bool,
        /// The scope catalogue's names.
        catalogue: Vec<String>,
    },
}

impl Registrant {
    /// The rules for a developer (portal) or a program (RFC 7591) on this
    /// server: the operator's switches and the scope catalogue's names.
    pub fn self_service(settings: &ProtocolSettings, catalogue: &[(String, String)]) -> Registrant {
        Registrant::SelfService {
            implicit_allowed: settings.self_service_implicit,
            client_credentials_allowed: settings.self_service_client_credentials,
            catalogue: catalogue.iter().map(|(name, _)| name.clone()).collect(),
        }
    }
}

/// A broken rule, and the field it concerns (for forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field: `name`, `redirect_uris`, `grant_types`, `scopes`, …
    pub field: &'static str,
    /// What is wrong, in English words for the person who filled it in:
    /// the JSON APIs' `error_description` (ASCII, RFC 6749 §5.2) and the
    /// CLI say this.
    pub message: String,
    /// The rule broken, for a page to say in the reader's language; none
    /// when `message` is already in the words a page shows.
    pub rule: Option<Rule>,
}

impl FieldError {
    /// An error in words already chosen for the page that shows it.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
            rule: None,
        }
    }

    /// The field `field` broke the rule `e` tells of.
    pub fn broke(field: &'static str, e: Invalid) -> Self {
        FieldError {
            field,
            message: e.0,
            rule: e.1,
        }
    }

    /// The same error, with its rule's `$name` set to `value`.
    pub fn with(mut self, name: &'static str, value: impl Into<RuleArg>) -> Self {
        self.rule = self.rule.map(|r| r.with(name, value));
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

fn field(field: &'static str) -> impl Fn(Invalid) -> FieldError {
    move |e| FieldError::broke(field, e)
}

/// The field `field` broke the rule `rule` (a message of the `rules`
/// catalogue), said in English as `message`.
fn refuse(field: &'static str, rule: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::broke(field, Invalid::rule(rule, message))
}

/// A registration that passed every rule.
#[derive(Debug, Clone)]
pub struct ValidClient {
    name: String,
    description: String,
    homepage_uri: Option<String>,
    logo_uri: Option<String>,
    redirect_uris: Vec<RedirectUri>,
    grant_types: Vec<GrantType>,
    scopes: ScopeSet,
    resources: Vec<String>,
    pub(super) public: bool,
    pub(super) trusted: bool,
    pub(super) owner_id: Option<String>,
    openid: OpenIdSettings,
    pub(super) access_token_format: AccessTokenFormat,
    /// How it authenticates and what it requires (RFC 7523, RFC 9126 §6,
    /// RFC 9449 §5.2), when the registrant states it; `None` leaves the
    /// stored settings as they are.
    pub(super) security: Option<ClientSecurity>,
}

/// An https URL (or http on loopback) for a home page or logo.
fn web_uri(raw: &Option<String>, name: &'static str) -> Result<Option<String>, FieldError> {
    let Some(raw) = raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    // As registered is how it is shown: printable ASCII only (a URL's other
    // characters are percent-encoded), so nothing in it renders deceptively.
    if !raw.chars().all(|c| c.is_ascii_graphic()) {
        return Err(refuse(
            name,
            "rule-web-uri-ascii",
            "must be printable ASCII (percent-encode other characters)",
        ));
    }
    let url = url::Url::parse(raw)
        .map_err(|_| refuse(name, "rule-web-uri-absolute", "must be an absolute https URL"))?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if raw.len() > 2000 || !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
        return Err(refuse(
            name,
            "rule-web-uri-https",
            "must be an https URL of at most 2000 characters",
        ));
    }
    Ok(Some(raw.to_string()))
}

impl NewClient {
    /// Checks every rule for `who`; the first broken one is returned.
    pub fn validate(self, who: &Registrant) -> Result<ValidClient, FieldError> {
        // Both are shown to users (consent, sign-out, portal): no invisible
        // or direction-changing characters.
        let name = display_text(&self.name, "the name", 100, true, false).map_err(field("name"))?;
        let description = display_text(&self.description, "the description", 1000, false, true)
            .map_err(field("description"))?;
        let homepage_uri = web_uri(&self.homepage_uri, "homepage_uri")?;
        let logo_uri = web_uri(&self.logo_uri, "logo_uri")?;
        let redirect_uris = redirect_uris(&self.redirect_uris)?;
        let grant_types = self.grant_types(&redirect_uris)?;
        let scopes = ScopeSet::from_names(self.scopes.iter().map(String::as_str)).map_err(field("scopes"))?;
        let resources = resources(&self.resources)?;
        self_service_limits(who, self.trusted, &grant_types, &scopes)?;
        let openid = self.openid.validate(&redirect_uris)?;
        Ok(ValidClient {
            name,
            description,
            homepage_uri,
            logo_uri,
            redirect_uris,
            grant_types,
            scopes,
            resources,
            public: self.public,
            trusted: self.trusted,
            owner_id: self.owner_id,
            openid,
            access_token_format: AccessTokenFormat::Jwt,
            security: None,
        })
    }

    /// The grant types (default: authorization_code and refresh_token), and
    /// the combinations no registrant may have.
    fn grant_types(&self, redirect_uris: &[RedirectUri]) -> Result<Vec<GrantType>, FieldError> {
        let mut grant_types: Vec<GrantType> = self
            .grant_types
            .iter()
            .map(|g| g.parse())
            .collect::<Result<_, _>>()
            .map_err(field("grant_types"))?;
        if grant_types.is_empty() {
            grant_types = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
        }
        grant_types.sort();
        grant_types.dedup();
        if grant_types.iter().any(|g| g.uses_redirect()) && redirect_uris.is_empty() {
            return Err(refuse(
                "redirect_uris",
                "rule-redirect-uri-needed",
                "the authorization_code and implicit grants need at least one redirect URI",
            ));
        }
        if self.public && grant_types.contains(&GrantType::ClientCredentials) {
            return Err(refuse(
                "grant_types",
                "rule-public-client-credentials",
                "a public client cannot use client_credentials: it has no secret to prove who it is",
            ));
        }
        // RFC 9700 §2.4: the password grant only for explicitly trusted clients.
        if grant_types.contains(&GrantType::Password) && !self.trusted {
            return Err(refuse(
                "grant_types",
                "rule-password-grant-untrusted",
                "the password grant is only for trusted (first-party) clients",
            ));
        }
        Ok(grant_types)
    }
}

/// The redirect URIs (RFC 9700 §4.1.3: compared exactly later), at most 20,
/// each once.
fn redirect_uris(raw_uris: &[String]) -> Result<Vec<RedirectUri>, FieldError> {
    if raw_uris.len() > 20 {
        return Err(refuse(
            "redirect_uris",
            "rule-redirect-uris-too-many",
            "at most 20 redirect URIs",
        )
        .with("max", 20u32));
    }
    let mut redirect_uris = Vec::new();
    for raw in raw_uris {
        let uri = RedirectUri::parse(raw.trim()).map_err(field("redirect_uris"))?;
        if !redirect_uris.contains(&uri) {
            redirect_uris.push(uri);
        }
    }
    Ok(redirect_uris)
}

/// RFC 8707 §2: the resources, each an absolute URI without a fragment, each once.
fn resources(raw: &[String]) -> Result<Vec<String>, FieldError> {
    let mut resources = Vec::new();
    for r in raw {
        // RFC 8707 §2: an absolute URI without a fragment.
        let ok = url::Url::parse(r).is_ok_and(|u| u.fragment().is_none()) && !r.contains(char::is_whitespace);
        if !ok {
            return Err(refuse(
                "resources",
                "rule-resource",
                format!("{r:?} is not an absolute URI without a fragment"),
            )
            .with("resource", format!("{r:?}")));
        }
        if !resources.contains(r) {
            resources.push(r.clone());
        }
    }
    Ok(resources)
}

/// What self-service registrants (portal, RFC 7591) may not have: trust,
/// the password grant, grants the operator has not enabled, scopes outside
/// the catalogue.
fn self_service_limits(
    who: &Registrant,
    trusted: bool,
    grant_types: &[GrantType],
    scopes: &ScopeSet,
) -> Result<(), FieldError> {
    if let Registrant::SelfService {
        implicit_allowed,
        client_credentials_allowed,
        catalogue,
    } = who
    {
        if trusted {
            return Err(refuse(
                "trusted",
                "rule-trusted-admin-only",
                "only an administrator can mark a client trusted",
            ));
        }
        if grant_types.contains(&GrantType::Password) {
            return Err(refuse(
                "grant_types",
                "rule-password-grant-self-service",
                "the password grant is not available to self-registered clients",
            ));
        }
        // Client credentials skip every user's consent: with open
        // sign-up or registration, an operator may want them reviewed.
        if grant_types.contains(&GrantType::ClientCredentials) && !client_credentials_allowed {
            return Err(refuse(
                "grant_types",
                "rule-client-credentials-self-service",
                "client credentials are not available to self-registered clients on this server",
            ));
        }
        if grant_types.contains(&GrantType::Implicit) && !implicit_allowed {
            return Err(refuse(
                "grant_types",
                "rule-implicit-disabled",
                "the implicit grant is not enabled on this server",
            ));
        }
        if let Some(unknown) = scopes.iter().find(|s| !catalogue.iter().any(|c| c == s.as_str())) {
            return Err(refuse(
                "scopes",
                "rule-scope-not-offered",
                format!("{unknown} is not a scope this server offers"),
            )
            .with("scope", unknown.as_str()));
        }
    }
    Ok(())
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

impl ValidClient {
    /// What it registered as an OpenID Connect relying party.
    pub fn openid(&self) -> &OpenIdSettings {
        &self.openid
    }

    /// The same registration with access tokens of `format` (an operator's
    /// decision, or a registrant's where the operator lets it choose).
    pub fn with_access_token_format(mut self, format: AccessTokenFormat) -> ValidClient {
        self.access_token_format = format;
        self
    }

    /// The same registration with these security settings, written in
    /// the same transaction as the registration itself. A client that
    /// authenticates with `private_key_jwt` gets no secret.
    pub fn with_security(mut self, security: ClientSecurity) -> ValidClient {
        self.security = Some(security);
        self
    }

    /// Whether it authenticates by a signed assertion rather than a secret.
    pub(super) fn by_assertion(&self) -> bool {
        self.security.as_ref().is_some_and(|s| {
            s.token_endpoint_auth_method.as_deref() == Some(crate::oauth::client_assertion::PRIVATE_KEY_JWT)
        })
    }

    pub(super) fn details(&self, now: i64) -> ClientDetails {
        ClientDetails {
            name: self.name.clone(),
            description: self.description.clone(),
            homepage_uri: self.homepage_uri.clone(),
            logo_uri: self.logo_uri.clone(),
            redirect_uris: join(&self.redirect_uris),
            grant_types: join(&self.grant_types),
            scopes: self.scopes.to_string(),
            resources: self.resources.join(" "),
            updated_at: now,
            openid: self.openid.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(grants: &[&str], public: bool, trusted: bool) -> NewClient {
        NewClient {
            name: "App".into(),
            redirect_uris: vec!["https://app.example/cb".into()],
            grant_types: grants.iter().map(|s| s.to_string()).collect(),
            public,
            trusted,
            ..Default::default()
        }
    }

    fn self_service() -> Registrant {
        Registrant::SelfService {
            implicit_allowed: false,
            client_credentials_allowed: true,
            catalogue: vec!["profile".into()],
        }
    }

    #[test]
    fn a_public_client_cannot_have_client_credentials() {
        let err = new(&["client_credentials"], true, false)
            .validate(&Registrant::Operator)
            .unwrap_err();
        assert_eq!(err.field, "grant_types");
    }

    #[test]
    fn the_password_grant_needs_a_trusted_client() {
        assert!(new(&["password"], false, false)
            .validate(&Registrant::Operator)
            .is_err());
        assert!(new(&["password"], false, true)
            .validate(&Registrant::Operator)
            .is_ok());
    }

    #[test]
    fn a_redirect_grant_needs_a_redirect_uri() {
        let mut c = new(&["authorization_code"], false, false);
        c.redirect_uris.clear();
        assert_eq!(
            c.validate(&Registrant::Operator).unwrap_err().field,
            "redirect_uris"
        );
    }

    #[test]
    fn self_service_cannot_have_the_password_grant_trust_or_unknown_scopes() {
        assert!(new(&["password"], false, true).validate(&self_service()).is_err());
        assert!(new(&["implicit"], true, false).validate(&self_service()).is_err());
        let mut c = new(&[], false, false);
        c.scopes = vec!["admin".into()];
        assert_eq!(c.clone().validate(&self_service()).unwrap_err().field, "scopes");
        c.scopes = vec!["profile".into()];
        assert!(c.validate(&self_service()).is_ok());
    }
}
