//! OAuth Client ID Metadata Documents (the IETF OAuth draft the MCP
//! authorization specification adopts): a `client_id` that is an `https`
//! URL names the JSON document of client metadata published there. When
//! the operator enables them (`client_id_metadata_documents`), such a
//! client needs no registration: the document is fetched through the
//! outbound fetcher (no redirects, timeouts, a size limit, no private or
//! loopback address unless the development setting allows them), checked,
//! and kept as a client row until its caching headers say it is stale.
//!
//! The rules, in one place:
//! - the URL: `https` (plain `http` only on loopback, with
//!   `outbound_private_addresses`), a path, no fragment, no userinfo, and
//!   written the way the URL parser writes it (so no dot segments, no
//!   default port, a lowercase host: string comparison stays exact);
//! - the document: a JSON object of at most [`MAX_DOCUMENT_BYTES`] whose
//!   `client_id` is the URL itself (simple string comparison), with no
//!   `client_secret`; a public client (`none`, the default) or
//!   `private_key_jwt` with a `jwks_uri`; the code grant (and refresh
//!   tokens) only; every other member checked by the rules of dynamic
//!   registration;
//! - such a client is never trusted nor verified: pages show it as
//!   unverified, with its domain;
//! - a failed fetch is remembered for [`FAILURE_MEMORY`] (the reason is
//!   shown on the error page), so a bad URL cannot make this server fetch
//!   it at every request;
//! - fresh for the response's `max-age`, within [`MIN_FRESHNESS`] and
//!   [`MAX_FRESHNESS`]; [`DEFAULT_FRESHNESS`] without one.

use crate::oauth::client_assertion::KeySource;
use crate::oauth::dynamic_registration::{ClientMetadata, RegistrationError};
use crate::oauth::outbound::{self, HttpScheme, Policy};
use crate::oauth::registry::{self, Registrant};
use crate::storage::{Database, StorageError};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Longest document read (the draft suggests 5 kilobytes).
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024;
/// Longest `client_id` URL considered.
pub const MAX_URL_LENGTH: usize = 512;
/// Bound on resolving, connecting and reading the document.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Shortest time a fetched document is used (however it is cached).
pub const MIN_FRESHNESS: i64 = 60;
/// Longest time a fetched document is used before it is fetched again.
pub const MAX_FRESHNESS: i64 = 24 * 3600;
/// Freshness of a document served without `max-age`.
pub const DEFAULT_FRESHNESS: i64 = 600;
/// How long a failure is remembered before the URL is fetched again.
pub const FAILURE_MEMORY: i64 = 60;
const MAX_REMEMBERED_FAILURES: usize = 4096;
const MAX_CONCURRENT_FETCHES: usize = 16;

/// Resolves `client_id` URLs to clients.
pub struct Resolver {
    policy: Policy,
    implicit_allowed: bool,
    failures: Mutex<HashMap<String, (i64, String)>>,
    fetches: tokio::sync::Semaphore,
}

/// A document, checked: the client it describes.
#[derive(Debug)]
pub struct DocumentClient {
    client: registry::NewClient,
    jwks_uri: Option<String>,
}

impl Resolver {
    /// A resolver; `private_addresses` is the development setting
    /// (`outbound_private_addresses`) that also allows plain `http` on
    /// loopback.
    pub fn new(private_addresses: bool) -> Self {
        Resolver {
            policy: Policy {
                private_addresses,
                http: if private_addresses {
                    HttpScheme::Loopback
                } else {
                    HttpScheme::Refused
                },
                timeout: FETCH_TIMEOUT,
                max_bytes: MAX_DOCUMENT_BYTES,
            },
            implicit_allowed: false,
            failures: Mutex::new(HashMap::new()),
            fetches: tokio::sync::Semaphore::new(MAX_CONCURRENT_FETCHES),
        }
    }

    /// Whether `id` is to be resolved from a document (a quick look: the
    /// full rules are [`check_url`]'s).
    pub fn names_a_document(&self, id: &str) -> bool {
        id.starts_with("https://") || (self.policy.http == HttpScheme::Loopback && id.starts_with("http://"))
    }

    /// Why the document at `id` was last refused, if it was within
    /// [`FAILURE_MEMORY`].
    pub fn failure(&self, id: &str, now: i64) -> Option<String> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures
            .get(id)
            .filter(|(until, _)| *until > now)
            .map(|(_, why)| why.clone())
    }

    fn fail(&self, id: &str, now: i64, why: String) {
        tracing::info!(client_id = %id, reason = %why, "a client ID metadata document was refused");
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= MAX_REMEMBERED_FAILURES {
            failures.retain(|_, (until, _)| *until > now);
            if failures.len() >= MAX_REMEMBERED_FAILURES {
                failures.clear();
            }
        }
        failures.insert(id.to_string(), (now + FAILURE_MEMORY, why));
    }

    /// Fetches and checks the document at `id` and stores the client it
    /// describes; `false` if it was refused (see [`Resolver::failure`]).
    pub async fn resolve(&self, db: &Database, id: &str, now: i64) -> Result<bool, StorageError> {
        if self.failure(id, now).is_some() {
            return Ok(false);
        }
        // Waiting is bounded; a refusal for being busy is not remembered.
        let Ok(Ok(_permit)) = tokio::time::timeout(FETCH_TIMEOUT, self.fetches.acquire()).await else {
            tracing::warn!(client_id = %id, "too many client metadata documents are being fetched at once");
            return Ok(false);
        };
        match self.fetch_and_check(db, id, now).await? {
            Ok(()) => {
                self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
                Ok(true)
            }
            Err(why) => {
                self.fail(id, now, why);
                Ok(false)
            }
        }
    }

    async fn fetch_and_check(
        &self,
        db: &Database,
        id: &str,
        now: i64,
    ) -> Result<Result<(), String>, StorageError> {
        if let Err(why) = check_url(id, self.policy.http == HttpScheme::Loopback) {
            return Ok(Err(why));
        }
        let fetched = match outbound::get(id, &self.policy, "application/json").await {
            Ok(f) => f,
            Err(e) => return Ok(Err(format!("the document could not be fetched: {e}"))),
        };
        let document = match read_document(id, &fetched.body) {
            Ok(d) => d,
            Err(why) => return Ok(Err(why)),
        };
        let catalogue = registry::catalogue(db).await?;
        let registrant = Registrant::SelfService {
            implicit_allowed: self.implicit_allowed,
            client_credentials_allowed: false,
            catalogue: catalogue.into_iter().map(|(name, _)| name).collect(),
        };
        let valid = match document.client.validate(&registrant) {
            Ok(v) => v,
            Err(e) => return Ok(Err(format!("the document is not acceptable: {e}"))),
        };
        let expires_at = now + freshness(fetched.cache_control.as_deref());
        match registry::store_document_client(db, id, valid, document.jwks_uri, expires_at, now).await {
            Ok(Ok(())) => Ok(Ok(())),
            Ok(Err(e)) => Ok(Err(format!("the document is not acceptable: {e}"))),
            // Another instance stored the same client at the same moment.
            Err(e) if registry::load(db, id).await.is_ok_and(|row| row.is_some()) => {
                tracing::debug!(client_id = %id, error = %e, "a metadata document client was stored concurrently");
                Ok(Ok(()))
            }
            Err(e) => Err(e),
        }
    }
}

/// The draft's rules for a `client_id` URL (§3), plus one of ours: the
/// URL is written as the URL parser writes it.
pub fn check_url(raw: &str, loopback_http: bool) -> Result<url::Url, String> {
    if raw.len() > MAX_URL_LENGTH {
        return Err(format!(
            "the client_id URL is longer than {MAX_URL_LENGTH} characters"
        ));
    }
    let url = url::Url::parse(raw).map_err(|e| format!("the client_id is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback_http && loopback => {}
        _ => return Err("a client_id URL must use https".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a client_id URL must not carry a user name or password".into());
    }
    if url.fragment().is_some() {
        return Err("a client_id URL must not have a fragment".into());
    }
    if url.path() == "/" {
        return Err("a client_id URL must have a path".into());
    }
    if url.as_str() != raw {
        return Err(format!(
            "a client_id URL must be written in its normal form ({}), without dot segments",
            url.as_str()
        ));
    }
    Ok(url)
}

/// Checks the document fetched for `url`: the draft's rules (§4), then the
/// metadata as dynamic registration reads them.
pub fn read_document(url: &str, body: &[u8]) -> Result<DocumentClient, String> {
    let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(body) else {
        return Err("the document is not a JSON object".into());
    };
    match members.get("client_id") {
        Some(Value::String(id)) if id == url => {}
        Some(Value::String(id)) => {
            return Err(format!(
                "the document's client_id ({id}) is not the URL it was fetched from"
            ))
        }
        _ => return Err("the document has no client_id".into()),
    }
    for secret in ["client_secret", "client_secret_expires_at"] {
        if members.contains_key(secret) {
            return Err(format!("the document must not contain {secret}: no secret can be shared with a client no one registered"));
        }
    }
    let jwks_uri = match members.get("token_endpoint_auth_method") {
        None => None,
        Some(Value::String(m)) if m == "none" => None,
        Some(Value::String(m)) if m == crate::oauth::client_assertion::PRIVATE_KEY_JWT => {
            if members.contains_key("jwks") {
                return Err("a client ID metadata document names its keys by jwks_uri, not jwks".into());
            }
            let uri = members.get("jwks_uri").and_then(Value::as_str);
            match KeySource::parse(None, uri)? {
                KeySource::JwksUri(uri) => Some(uri),
                KeySource::Jwks(_) => unreachable!("no inline keys were given"),
            }
        }
        Some(other) => {
            return Err(format!(
                "token_endpoint_auth_method {other} is not allowed: use none or private_key_jwt"
            ))
        }
    };
    if members
        .get("redirect_uris")
        .and_then(Value::as_array)
        .is_none_or(|u| u.is_empty())
    {
        return Err("the document has no redirect_uris".into());
    }
    let metadata = ClientMetadata::from_json(body).map_err(describe)?;
    let client = metadata.into_new_client(jwks_uri.is_none()).map_err(describe)?;
    if let Some(grant) = client
        .grant_types
        .iter()
        .find(|g| !["authorization_code", "refresh_token"].contains(&g.as_str()))
    {
        return Err(format!(
            "the grant type {grant} is not allowed: a client ID metadata document client uses the code grant"
        ));
    }
    Ok(DocumentClient { client, jwks_uri })
}

fn describe(e: RegistrationError) -> String {
    match e {
        RegistrationError::InvalidClientMetadata(why) | RegistrationError::InvalidRedirectUri(why) => why,
        _ => "the document's metadata are not acceptable".into(),
    }
}

/// Seconds the document stays fresh, from its `Cache-Control`.
pub fn freshness(cache_control: Option<&str>) -> i64 {
    cache_control
        .and_then(outbound::max_age)
        .map_or(DEFAULT_FRESHNESS, |age| {
            i64::try_from(age).unwrap_or(MAX_FRESHNESS)
        })
        .clamp(MIN_FRESHNESS, MAX_FRESHNESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://app.example/oauth/client.json";

    fn document(extra: serde_json::Value) -> Vec<u8> {
        let mut doc = serde_json::json!({
            "client_id": URL,
            "client_name": "Example",
            "redirect_uris": ["https://app.example/cb"],
        });
        for (k, v) in extra.as_object().unwrap() {
            doc[k] = v.clone();
        }
        serde_json::to_vec(&doc).unwrap()
    }

    #[test]
    fn a_client_id_url_must_be_https_with_a_path_and_nothing_hidden() {
        assert!(check_url(URL, false).is_ok());
        assert!(check_url("http://app.example/c.json", false).is_err());
        assert!(check_url("https://app.example/", false).is_err());
        assert!(check_url("https://app.example", false).is_err());
        assert!(check_url("https://app.example/c.json#x", false).is_err());
        assert!(check_url("https://u:p@app.example/c.json", false).is_err());
        assert!(check_url("https://app.example/a/../c.json", false).is_err());
        assert!(check_url("https://APP.example/c.json", false).is_err());
        assert!(check_url("https://app.example:443/c.json", false).is_err());
        assert!(check_url(&format!("https://app.example/{}", "a".repeat(600)), false).is_err());
    }

    #[test]
    fn plain_http_is_a_client_id_only_on_loopback_in_development() {
        assert!(check_url("http://127.0.0.1:8080/c.json", true).is_ok());
        assert!(check_url("http://127.0.0.1:8080/c.json", false).is_err());
        assert!(check_url("http://app.example/c.json", true).is_err());
    }

    #[test]
    fn the_documents_client_id_must_be_the_url_it_came_from() {
        assert!(read_document(URL, &document(serde_json::json!({}))).is_ok());
        let other = document(serde_json::json!({"client_id": "https://evil.example/c.json"}));
        assert!(read_document(URL, &other).unwrap_err().contains("not the URL"));
        let trailing = document(serde_json::json!({"client_id": format!("{URL}/")}));
        assert!(read_document(URL, &trailing).is_err());
    }

    #[test]
    fn a_document_with_a_secret_or_a_secret_method_is_refused() {
        for extra in [
            serde_json::json!({"client_secret": "s"}),
            serde_json::json!({"token_endpoint_auth_method": "client_secret_basic"}),
            serde_json::json!({"token_endpoint_auth_method": "client_secret_post"}),
        ] {
            assert!(read_document(URL, &document(extra)).is_err());
        }
    }

    #[test]
    fn private_key_jwt_needs_a_jwks_uri_and_makes_a_confidential_client() {
        let doc = document(serde_json::json!({
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks_uri": "https://app.example/jwks.json",
        }));
        let read = read_document(URL, &doc).unwrap();
        assert_eq!(read.jwks_uri.as_deref(), Some("https://app.example/jwks.json"));
        assert!(!read.client.public);
        let without = document(serde_json::json!({"token_endpoint_auth_method": "private_key_jwt"}));
        assert!(read_document(URL, &without).is_err());
        let inline = document(serde_json::json!({
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": []},
        }));
        assert!(read_document(URL, &inline).is_err());
    }

    #[test]
    fn only_the_code_grant_is_allowed() {
        let doc = document(serde_json::json!({"grant_types": ["client_credentials"]}));
        assert!(read_document(URL, &doc)
            .unwrap_err()
            .contains("client_credentials"));
        let ok = document(serde_json::json!({"grant_types": ["authorization_code", "refresh_token"]}));
        assert!(read_document(URL, &ok).is_ok());
    }

    #[test]
    fn a_document_without_redirect_uris_or_not_an_object_is_refused() {
        let doc = serde_json::to_vec(&serde_json::json!({"client_id": URL})).unwrap();
        assert!(read_document(URL, &doc).is_err());
        assert!(read_document(URL, b"[1]").is_err());
        assert!(read_document(URL, b"not json").is_err());
    }

    #[test]
    fn freshness_follows_max_age_within_bounds() {
        assert_eq!(freshness(None), DEFAULT_FRESHNESS);
        assert_eq!(freshness(Some("max-age=3600")), 3600);
        assert_eq!(freshness(Some("no-store")), MIN_FRESHNESS);
        assert_eq!(freshness(Some("max-age=999999999")), MAX_FRESHNESS);
        assert_eq!(freshness(Some("public")), DEFAULT_FRESHNESS);
    }
}
