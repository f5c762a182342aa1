//! OAuth 2.0 Protected Resource Metadata (RFC 9728): the document a
//! resource server publishes at `/.well-known/oauth-protected-resource`,
//! telling clients which authorization server issues its tokens and how to
//! present them.

use serde::Serialize;

/// The well-known path of the document (RFC 9728 §3).
pub const WELL_KNOWN_PATH: &str = "/.well-known/oauth-protected-resource";

/// A protected resource's metadata (RFC 9728 §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedResource {
    /// The resource identifier: the audience tokens for it carry.
    pub resource: String,
    /// The issuers whose tokens it accepts.
    pub authorization_servers: Vec<String>,
    /// The scopes it understands.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes_supported: Vec<String>,
    /// How a token may be sent: only in the header.
    pub bearer_methods_supported: Vec<String>,
    /// Whether it takes DPoP-bound tokens only (RFC 9449 §5.2).
    pub dpop_bound_access_tokens_required: bool,
    /// The algorithms its DPoP proofs may use.
    pub dpop_signing_alg_values_supported: Vec<String>,
}

impl ProtectedResource {
    /// The metadata of `resource`, whose tokens `issuer` issues.
    pub fn new(resource: impl Into<String>, issuer: impl Into<String>) -> ProtectedResource {
        ProtectedResource {
            resource: resource.into(),
            authorization_servers: vec![issuer.into()],
            scopes_supported: Vec::new(),
            bearer_methods_supported: vec!["header".to_owned()],
            dpop_bound_access_tokens_required: false,
            dpop_signing_alg_values_supported: crate::dpop::SIGNING_ALGS
                .iter()
                .map(|a| a.to_string())
                .collect(),
        }
    }

    /// With these `scopes_supported`.
    pub fn scopes(mut self, scopes: &[&str]) -> ProtectedResource {
        self.scopes_supported = scopes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Requiring DPoP-bound tokens (or not).
    pub fn dpop_required(mut self, required: bool) -> ProtectedResource {
        self.dpop_bound_access_tokens_required = required;
        self
    }

    /// The document's URL for `resource` (RFC 9728 §3.1: the well-known
    /// path inserted between the host and the resource's path).
    pub fn metadata_url(&self) -> String {
        match url::Url::parse(&self.resource) {
            Ok(url) => {
                let path = url.path().trim_end_matches('/');
                let origin = url.origin().ascii_serialization();
                format!("{origin}{WELL_KNOWN_PATH}{path}")
            }
            Err(_) => WELL_KNOWN_PATH.to_owned(),
        }
    }
}

#[cfg(feature = "actix")]
mod actix_service {
    use super::{ProtectedResource, WELL_KNOWN_PATH};
    use actix_web::{web, HttpResponse};

    impl ProtectedResource {
        /// Registers the document at the well-known path, and this metadata
        /// as app data, so that the extractor's 401 challenges carry
        /// `resource_metadata` (RFC 9728 §5.1).
        pub fn configure(self) -> impl FnOnce(&mut web::ServiceConfig) {
            move |cfg| {
                let data = web::Data::new(self);
                cfg.app_data(data.clone()).route(
                    WELL_KNOWN_PATH,
                    web::get().to(move || {
                        let data = data.clone();
                        async move { HttpResponse::Ok().json(data.get_ref()) }
                    }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_url_puts_the_well_known_path_before_the_resources_path() {
        let pr = ProtectedResource::new("https://api.example/notes", "https://as.example");
        assert_eq!(
            pr.metadata_url(),
            "https://api.example/.well-known/oauth-protected-resource/notes"
        );
        let pr = ProtectedResource::new("https://api.example", "https://as.example");
        assert_eq!(
            pr.metadata_url(),
            "https://api.example/.well-known/oauth-protected-resource"
        );
    }
}
