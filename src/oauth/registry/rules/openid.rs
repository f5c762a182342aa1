//! The rules for an OpenID Connect relying party's settings (Dynamic
//! Client Registration 1.0 §2, RP-Initiated Logout 1.0 §3.1, Back-Channel
//! Logout 1.0 §2.2, Core §8.1).

use super::{field, join, refuse, FieldError, NewOpenId};
use crate::domain::{RedirectUri, SigningAlg};
use crate::oauth::openid::subject::{PAIRWISE, PUBLIC};
use crate::storage::clients::OpenIdSettings;

/// A back-channel logout URI (Back-Channel Logout 1.0 §2.2): absolute,
/// https (http only on a loopback host, for development), no fragment; a
/// query is allowed and kept.
fn backchannel_uri(raw: &str) -> Result<String, FieldError> {
    const FIELD: &str = "backchannel_logout_uri";
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 2000 || !raw.chars().all(|c| c.is_ascii_graphic()) {
        return Err(refuse(
            FIELD,
            "rule-backchannel-uri",
            "must be an absolute https URL of at most 2000 printable ASCII characters",
        ));
    }
    let url = url::Url::parse(raw)
        .map_err(|_| refuse(FIELD, "rule-web-uri-absolute", "must be an absolute https URL"))?;
    if url.fragment().is_some() || raw.contains('#') {
        return Err(refuse(FIELD, "rule-uri-fragment", "cannot contain a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            FIELD,
            "rule-uri-user-information",
            "cannot contain user information",
        ));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(refuse(FIELD, "rule-uri-host", "must name a host")),
    };
    match url.scheme() {
        "https" => Ok(raw.to_string()),
        "http" if loopback => Ok(raw.to_string()),
        _ => Err(refuse(
            FIELD,
            "rule-uri-https",
            "must use https (http is allowed only on loopback hosts)",
        )),
    }
}

impl NewOpenId {
    /// Checks the relying party's settings; `redirect_uris` are the
    /// client's, already checked (the pairwise sector is their host).
    pub(super) fn validate(self, redirect_uris: &[RedirectUri]) -> Result<OpenIdSettings, FieldError> {
        if self.post_logout_redirect_uris.len() > 20 {
            return Err(refuse(
                "post_logout_redirect_uris",
                "rule-post-logout-redirect-uris-too-many",
                "at most 20 post-logout redirect URIs",
            )
            .with("max", 20u32));
        }
        // RP-Initiated Logout 1.0 §3.1: the same rules as redirect URIs.
        let mut post_logout: Vec<RedirectUri> = Vec::new();
        for raw in &self.post_logout_redirect_uris {
            let uri = RedirectUri::parse(raw.trim()).map_err(field("post_logout_redirect_uris"))?;
            if !post_logout.contains(&uri) {
                post_logout.push(uri);
            }
        }
        let backchannel_logout_uri = self
            .backchannel_logout_uri
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(backchannel_uri)
            .transpose()?;
        if self.sector_identifier_uri.is_some() {
            return Err(refuse(
                "sector_identifier_uri",
                "rule-sector-identifier-uri",
                "is not supported: a pairwise client's sector is the host of its redirect URIs",
            ));
        }
        let subject_type = self.subject_type.as_deref().unwrap_or(PUBLIC);
        let sector_identifier = match subject_type {
            PUBLIC => None,
            PAIRWISE => Some(pairwise_sector(redirect_uris)?),
            other => {
                return Err(refuse(
                    "subject_type",
                    "rule-subject-type",
                    format!("{other:?} is not supported; use public or pairwise"),
                )
                .with("subject_type", format!("{other:?}")))
            }
        };
        if self.default_max_age.is_some_and(|age| age < 0) {
            return Err(refuse(
                "default_max_age",
                "rule-default-max-age",
                "must be a number of seconds, 0 or more",
            ));
        }
        let id_token_signed_response_alg = self
            .id_token_signed_response_alg
            .map(|alg| {
                // RFC 8725 §3.1 and Core §10.1: id tokens are always signed,
                // with an asymmetric key this server holds.
                alg.parse::<SigningAlg>()
                    .map(|a| a.as_str().to_string())
                    .map_err(|_| {
                        refuse(
                            "id_token_signed_response_alg",
                            "rule-signing-alg",
                            format!("{alg:?} is not supported; use RS256, ES256 or EdDSA"),
                        )
                        .with("alg", format!("{alg:?}"))
                    })
            })
            .transpose()?;
        Ok(OpenIdSettings {
            post_logout_redirect_uris: join(&post_logout),
            backchannel_logout_uri,
            backchannel_logout_session_required: self.backchannel_logout_session_required,
            subject_type: subject_type.to_string(),
            sector_identifier,
            default_max_age: self.default_max_age,
            require_auth_time: self.require_auth_time,
            id_token_signed_response_alg,
        })
    }

    /// What a stored registration says, as a request would (for an edit
    /// that does not show these settings).
    pub fn from_stored(stored: &OpenIdSettings) -> NewOpenId {
        NewOpenId {
            post_logout_redirect_uris: stored
                .post_logout_redirect_uris
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            backchannel_logout_uri: stored.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: stored.backchannel_logout_session_required,
            subject_type: Some(stored.subject_type.clone()),
            sector_identifier_uri: None,
            default_max_age: stored.default_max_age,
            require_auth_time: stored.require_auth_time,
            id_token_signed_response_alg: stored.id_token_signed_response_alg.clone(),
        }
    }
}

/// OpenID Connect Core §8.1: without a sector identifier document (not
/// supported here), a pairwise client's sector is the host of its redirect
/// URIs, so they must all have one host.
fn pairwise_sector(redirect_uris: &[RedirectUri]) -> Result<String, FieldError> {
    let mut hosts: Vec<&str> = redirect_uris.iter().filter_map(|u| u.url().host_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    match hosts.as_slice() {
        // Every native app redirects to the loopback interface: as a sector
        // it would be shared by all of them.
        [host] if matches!(*host, "127.0.0.1" | "[::1]" | "::1" | "localhost") => Err(refuse(
            "subject_type",
            "rule-pairwise-loopback",
            "a pairwise client needs redirect URIs on a host of its own: loopback addresses are every native app's",
        )),
        [host] => Ok(host.to_string()),
        [] => Err(refuse(
            "subject_type",
            "rule-pairwise-no-redirect-uri",
            "a pairwise client needs redirect URIs: their host is its sector",
        )),
        _ => Err(refuse(
            "subject_type",
            "rule-pairwise-one-host",
            "a pairwise client's redirect URIs must share one host (sector_identifier_uri is not supported)",
        )),
    }
}

/// The algorithms of the keys that sign or will sign (not retired):
/// `id_token_signed_response_alg` must be one of them.
pub fn check_signing_alg(openid: &OpenIdSettings, published: &[String]) -> Result<(), FieldError> {
    match &openid.id_token_signed_response_alg {
        Some(alg) if !published.iter().any(|p| p == alg) => Err(refuse(
            "id_token_signed_response_alg",
            "rule-signing-alg-no-key",
            format!(
                "this server has no {alg} key; it signs with {}",
                published.join(", ")
            ),
        )
        .with("alg", alg.as_str())
        .with("published", published.join(", "))),
        _ => Ok(()),
    }
}

/// A client keeps its subject type, and a pairwise client its sector: its
/// users' subjects depend on them. Turning public would hand the client
/// the users' real ids; a new sector (directly, or by way of public and
/// back) would give every user a new identifier there, or that of another
/// sector's clients.
pub fn check_sector_kept(before: &OpenIdSettings, after: &OpenIdSettings) -> Result<(), FieldError> {
    if before.subject_type != after.subject_type {
        return Err(refuse(
            "subject_type",
            "rule-subject-type-kept",
            format!(
                "stays {} once registered: its users' identifiers depend on it",
                before.subject_type
            ),
        )
        .with("subject_type", before.subject_type.as_str()));
    }
    match (&before.sector_identifier, &after.sector_identifier) {
        (Some(was), Some(now)) if was != now => Err(refuse(
            "redirect_uris",
            "rule-pairwise-sector-kept",
            format!(
                "a pairwise client's redirect URIs must stay on {was}: its users' identifiers depend on it"
            ),
        )
        .with("sector", was.as_str())),
        _ => Ok(()),
    }
}
