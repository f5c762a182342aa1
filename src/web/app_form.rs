//! The portal's application form: what it holds as typed, and how it
//! becomes a registration request.

use super::field_errors::words;
use crate::i18n;
use crate::oauth::client_assertion::{KeySource, PRIVATE_KEY_JWT};
use crate::oauth::form::Params;
use crate::oauth::registry::{self, FieldError, NewClient, NewOpenId, Registrant, Registration};
use crate::storage::clients::ClientSecurity;

/// What the application form holds, as typed.
#[derive(Default)]
pub(super) struct AppForm {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) homepage_uri: String,
    pub(super) logo_uri: String,
    pub(super) redirect_uris: String,
    pub(super) public: bool,
    pub(super) grants: Vec<String>,
    pub(super) scopes: Vec<String>,
    /// One per line (RP-Initiated Logout 1.0 §3.1).
    pub(super) post_logout_redirect_uris: String,
    /// Back-Channel Logout 1.0 §2.2.
    pub(super) backchannel_logout_uri: String,
    pub(super) backchannel_logout_session_required: bool,
    /// Authenticates with `private_key_jwt` (RFC 7523) instead of a secret.
    pub(super) private_key_jwt: bool,
    /// Its public keys, inline (a JWK Set), for `private_key_jwt`.
    pub(super) jwks: String,
    /// Where its public keys are fetched from, for `private_key_jwt`.
    pub(super) jwks_uri: String,
    /// Every access token DPoP-bound (RFC 9449 §5.2).
    pub(super) dpop_bound_access_tokens: bool,
}

impl AppForm {
    pub(super) fn has_grant(&self, grant: &str) -> bool {
        self.grants.iter().any(|g| g == grant)
    }

    pub(super) fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The form as posted. Checkboxes have a name each (`grant_…`,
    /// `scope_…`): form parameters are never repeated here.
    pub(super) fn from_params(params: &Params, catalogue: &[(String, String)]) -> AppForm {
        let text = |name: &str| params.get(name).unwrap_or("").to_string();
        let grants = [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "implicit",
            "urn:ietf:params:oauth:grant-type:device_code",
        ]
        .into_iter()
        .filter(|g| params.get(&format!("grant_{g}")).is_some())
        .map(str::to_string)
        .collect();
        let scopes = catalogue
            .iter()
            .filter(|(name, _)| params.get(&format!("scope_{name}")).is_some())
            .map(|(name, _)| name.clone())
            .collect();
        AppForm {
            name: text("name"),
            description: text("description"),
            homepage_uri: text("homepage_uri"),
            logo_uri: text("logo_uri"),
            redirect_uris: text("redirect_uris"),
            public: params.get("client_type") == Some("public"),
            grants,
            scopes,
            post_logout_redirect_uris: text("post_logout_redirect_uris"),
            backchannel_logout_uri: text("backchannel_logout_uri"),
            backchannel_logout_session_required: params.get("backchannel_logout_session_required").is_some(),
            private_key_jwt: params.get("auth_method") == Some(PRIVATE_KEY_JWT),
            jwks: text("jwks"),
            jwks_uri: text("jwks_uri"),
            dpop_bound_access_tokens: params.get("dpop_bound_access_tokens").is_some(),
        }
    }

    pub(super) fn from_registration(r: &Registration) -> AppForm {
        AppForm {
            name: r.name.clone(),
            description: r.description.clone(),
            homepage_uri: r.homepage_uri.clone().unwrap_or_default(),
            logo_uri: r.logo_uri.clone().unwrap_or_default(),
            redirect_uris: r.redirect_uris.join("\n"),
            public: r.is_public,
            grants: r.grant_types.clone(),
            scopes: r.scopes.clone(),
            post_logout_redirect_uris: r
                .openid
                .post_logout_redirect_uris
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("\n"),
            backchannel_logout_uri: r.openid.backchannel_logout_uri.clone().unwrap_or_default(),
            backchannel_logout_session_required: r.openid.backchannel_logout_session_required,
            ..AppForm::default()
        }
    }

    /// How a new registration authenticates and binds its tokens, checked:
    /// `private_key_jwt` needs a confidential app and exactly one of a JWK
    /// Set and a `jwks_uri` (the rules of `client_assertion::KeySource`).
    pub(super) fn security(&self) -> Result<Option<ClientSecurity>, (&'static str, String)> {
        fn optional(s: &str) -> Option<&str> {
            Some(s.trim()).filter(|s| !s.is_empty())
        }
        let (jwks, jwks_uri) = (optional(&self.jwks), optional(&self.jwks_uri));
        if !self.private_key_jwt {
            if jwks.is_some() || jwks_uri.is_some() {
                return Err(("jwks", i18n::t("portal-keys-without-private-key-jwt")));
            }
            return Ok(self.dpop_bound_access_tokens.then(|| ClientSecurity {
                dpop_bound_access_tokens: true,
                ..ClientSecurity::default()
            }));
        }
        if self.public {
            return Err(("jwks", i18n::t("portal-keys-public-app")));
        }
        let (jwks, jwks_uri) = match KeySource::parse(jwks, jwks_uri).map_err(|why| ("jwks", why))? {
            KeySource::Jwks(set) => (Some(set), None),
            KeySource::JwksUri(uri) => (None, Some(uri)),
        };
        Ok(Some(ClientSecurity {
            token_endpoint_auth_method: Some(PRIVATE_KEY_JWT.to_string()),
            jwks,
            jwks_uri,
            dpop_bound_access_tokens: self.dpop_bound_access_tokens,
            ..ClientSecurity::default()
        }))
    }

    /// Checks the form against the registry's rules and returns every
    /// broken one, not just the first: after each error the field it
    /// names is set to a harmless value and the rules are asked again, so
    /// the registry stays the one place that knows them.
    pub(super) fn validate_all(
        &self,
        owner: Option<String>,
        who: &Registrant,
    ) -> Result<registry::ValidClient, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut candidate = self.to_new_client(owner);
        if self.grants.is_empty() {
            errors.push(("grant_types", i18n::t("rule-grant-types-none")));
            neutralise(&mut candidate, "grant_types");
        }
        // Each round removes one field's error; the fields are few.
        for _ in 0..16 {
            match candidate.clone().validate(who) {
                Ok(valid) if errors.is_empty() => return Ok(valid),
                Ok(_) => return Err(errors),
                Err(e) => {
                    let seen = errors.iter().any(|(f, _)| *f == e.field);
                    if !seen {
                        errors.push((e.field, words(&e)));
                    }
                    if seen || !neutralise(&mut candidate, e.field) {
                        return Err(errors);
                    }
                }
            }
        }
        Err(errors)
    }

    /// `first`, the error an edit was refused with, and the other fields
    /// whose text breaks a rule whoever edits (the form shows them all).
    pub(super) fn field_errors_with(
        &self,
        first: FieldError,
        owner: Option<String>,
        who: &Registrant,
    ) -> Vec<(&'static str, String)> {
        const TEXT_FIELDS: [&str; 7] = [
            "name",
            "description",
            "homepage_uri",
            "logo_uri",
            "redirect_uris",
            "post_logout_redirect_uris",
            "backchannel_logout_uri",
        ];
        let mut errors = vec![(first.field, words(&first))];
        if let Err(more) = self.validate_all(owner, who) {
            for (field, message) in more {
                if TEXT_FIELDS.contains(&field) && !errors.iter().any(|(f, _)| *f == field) {
                    errors.push((field, message));
                }
            }
        }
        errors
    }

    pub(super) fn to_new_client(&self, owner: Option<String>) -> NewClient {
        let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let lines = |s: &str| {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        NewClient {
            name: self.name.clone(),
            description: self.description.clone(),
            homepage_uri: optional(&self.homepage_uri),
            logo_uri: optional(&self.logo_uri),
            redirect_uris: lines(&self.redirect_uris),
            grant_types: self.grants.clone(),
            scopes: self.scopes.clone(),
            public: self.public,
            owner_id: owner,
            // A new registration through the form: the other relying-party
            // settings are the defaults; an edit keeps them (`portal_edit`).
            openid: NewOpenId {
                post_logout_redirect_uris: lines(&self.post_logout_redirect_uris),
                backchannel_logout_uri: optional(&self.backchannel_logout_uri),
                backchannel_logout_session_required: self.backchannel_logout_session_required,
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

/// Sets `field` of `client` to a value every rule accepts; `false` for a
/// field it does not know.
fn neutralise(client: &mut NewClient, field: &str) -> bool {
    match field {
        "name" => client.name = "Application".into(),
        "description" => client.description.clear(),
        "homepage_uri" => client.homepage_uri = None,
        "logo_uri" => client.logo_uri = None,
        "redirect_uris" => client.redirect_uris = vec!["https://app.example/callback".into()],
        "grant_types" => {
            client.grant_types = vec!["authorization_code".into()];
            if client.redirect_uris.is_empty() {
                client.redirect_uris = vec!["https://app.example/callback".into()];
            }
        }
        "scopes" => client.scopes.clear(),
        "resources" => client.resources.clear(),
        "post_logout_redirect_uris" => client.openid.post_logout_redirect_uris.clear(),
        "backchannel_logout_uri" => client.openid.backchannel_logout_uri = None,
        _ => return false,
    }
    true
}
