//! Registered clients as the protocol sees them, a short-lived in-process
//! cache of them (so a client-credentials token needs no database round
//! trip), and client authentication (RFC 6749 §2.3).

use crate::domain::Clock;
use crate::domain::{AccessTokenFormat, GrantType, RedirectUri, ScopeSet};
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::{client_assertion, metadata_documents, secrets};
use crate::storage::clients::{ClientRow, ClientSecurity, OpenIdSettings};
use crate::storage::{self, Database};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a cached client is trusted. Changes made through this instance
/// invalidate at once; on PostgreSQL, changes made elsewhere are announced
/// and invalidate within a fraction of a second. Where no announcement
/// arrives (the CLI's changes on SQLite; anything while the listener is
/// reconnecting) they show within this time.
pub const CACHE_TTL: Duration = Duration::from_secs(5);
const CACHE_MAX_ENTRIES: usize = 10_000;

/// A registered client.
#[derive(Debug, Clone)]
pub struct Client {
    /// Client id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<RedirectUri>,
    /// Allowed grants.
    pub grant_types: Vec<GrantType>,
    /// Allowed scopes.
    pub scopes: ScopeSet,
    /// Allowed RFC 8707 resources.
    pub resources: Vec<String>,
    /// The audiences whose access tokens it may introspect.
    pub introspection_audiences: Vec<String>,
    /// The form of its access tokens.
    pub access_token_format: AccessTokenFormat,
    /// No secret (SPA, native app).
    pub is_public: bool,
    /// First-party.
    pub is_trusted: bool,
    /// PKCE required on the code grant.
    pub require_pkce: bool,
    /// PKCE `plain` allowed.
    pub allow_plain_pkce: bool,
    /// Suspended: no new tokens, existing ones inactive.
    pub suspended: bool,
    /// An administrator vouches for it; otherwise pages show it as
    /// unverified and errors before sign-in are not redirected to it.
    pub verified: bool,
    /// Its home page, as registered.
    pub homepage_uri: Option<String>,
    /// The developer who registered it (none: the operator).
    pub owner_id: Option<String>,
    secret_hash: Option<String>,
    previous_secret_hash: Option<String>,
    previous_secret_expires_at: Option<i64>,
    /// What it registered as an OpenID Connect relying party.
    pub openid: OpenIdSettings,
    /// How it authenticates and binds its tokens.
    pub security: ClientSecurity,
}

impl Client {
    /// The typed view of a stored row, with the default [`ClientSecurity`]
    /// (see [`Client::with_security`]).
    pub fn from_row(row: ClientRow) -> Client {
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        Client {
            // Checked when registered; one that no longer parses (a rule
            // made stricter since) is simply not usable.
            redirect_uris: row
                .redirect_uris
                .split_whitespace()
                .filter_map(|u| RedirectUri::parse(u).ok())
                .collect(),
            grant_types: row
                .grant_types
                .split_whitespace()
                .filter_map(|g| g.parse().ok())
                .collect(),
            scopes: ScopeSet::parse(&row.scopes).unwrap_or_default(),
            resources: words(&row.resources),
            introspection_audiences: words(&row.introspection_audiences),
            // Checked when set; anything else is read as the default.
            access_token_format: row.access_token_format.parse().unwrap_or_default(),
            id: row.id,
            name: row.name,
            is_public: row.is_public,
            is_trusted: row.is_trusted,
            require_pkce: row.require_pkce,
            allow_plain_pkce: row.allow_plain_pkce,
            suspended: row.suspended,
            verified: row.verified,
            homepage_uri: row.homepage_uri,
            owner_id: row.owner_id,
            secret_hash: row.secret_hash,
            previous_secret_hash: row.previous_secret_hash,
            previous_secret_expires_at: row.previous_secret_expires_at,
            openid: row.openid,
            security: ClientSecurity::default(),
        }
    }

    /// The same client with its stored [`ClientSecurity`].
    pub fn with_security(mut self, security: ClientSecurity) -> Client {
        self.security = security;
        self
    }

    /// Whether this client came from a client ID metadata document that is
    /// no longer fresh at `now` (and must be fetched again before use).
    pub fn document_is_stale(&self, now: i64) -> bool {
        self.security
            .metadata_document_expires_at
            .is_some_and(|t| t <= now)
    }

    /// The host of the client ID metadata document this client came from:
    /// what pages show as who is asking.
    pub fn document_host(&self) -> Option<String> {
        self.security.metadata_document_expires_at?;
        url::Url::parse(&self.id).ok()?.host_str().map(str::to_string)
    }

    /// The redirect URI a request names, if it is one of this client's
    /// (see [`RedirectUri::matches`]): the URI as the request sent it.
    pub fn redirect_uri_for(&self, presented: &str) -> Option<RedirectUri> {
        if self.redirect_uris.iter().any(|r| r.matches(presented)) {
            RedirectUri::parse(presented).ok()
        } else {
            None
        }
    }

    /// Whether the client may use `grant`.
    pub fn allows(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Whether `presented` is the client's secret (or its previous one,
    /// during a rotation's overlap). Compared by hash, in constant time.
    pub fn secret_matches(&self, presented: &SecretString, now: i64) -> bool {
        let presented = presented.expose_secret();
        let current = self
            .secret_hash
            .as_deref()
            .is_some_and(|h| secrets::matches_hash(presented, h));
        let previous = self.previous_secret_expires_at.is_some_and(|t| t > now)
            && self
                .previous_secret_hash
                .as_deref()
                .is_some_and(|h| secrets::matches_hash(presented, h));
        current | previous
    }
}

/// Client credentials as presented in a request.
pub struct Credentials {
    /// The client id.
    pub client_id: String,
    /// The secret, if one was sent.
    pub secret: Option<SecretString>,
    /// A JWT client assertion (RFC 7523 §2.2), if one was sent.
    pub assertion: Option<SecretString>,
    /// Whether they came in an HTTP Basic header.
    pub via_basic: bool,
}

/// Reads client credentials from the `Authorization` header or the body
/// (RFC 6749 §2.3.1, RFC 7523 §2.2); `None` if the request carries none.
pub fn credentials(authorization: Option<&[u8]>, params: &Params) -> Result<Option<Credentials>, OAuthError> {
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    if let Some(creds) = assertion_credentials(authorization.is_some(), params)? {
        return Ok(Some(creds));
    }
    let Some(header) = authorization else {
        return Ok(body_id.map(|id| Credentials {
            client_id: id.to_string(),
            secret: body_secret.map(|s| SecretString::from(s.to_string())),
            assertion: None,
            via_basic: false,
        }));
    };
    let (id, secret) = parse_basic(header)?;
    // RFC 6749 §2.3: a client must not use more than one method per request.
    if body_secret.is_some() {
        return Err(OAuthError::invalid_request(
            "client credentials were sent both in the Authorization header and in the body",
        ));
    }
    if body_id.is_some_and(|b| b != id) {
        return Err(OAuthError::invalid_request(
            "client_id in the body differs from the Authorization header",
        ));
    }
    Ok(Some(Credentials {
        client_id: id,
        secret: Some(secret),
        assertion: None,
        via_basic: true,
    }))
}

/// A JWT client assertion in the body (RFC 7523 §2.2), if the request
/// carries one; refused next to any other credentials (RFC 6749 §2.3: one
/// method per request).
fn assertion_credentials(basic: bool, params: &Params) -> Result<Option<Credentials>, OAuthError> {
    let kind = params.get("client_assertion_type");
    let assertion = params.get("client_assertion");
    if kind.is_none() && assertion.is_none() {
        return Ok(None);
    }
    let (Some(kind), Some(assertion)) = (kind, assertion) else {
        return Err(OAuthError::invalid_request(
            "client_assertion and client_assertion_type must be sent together",
        ));
    };
    if kind != client_assertion::ASSERTION_TYPE {
        return Err(OAuthError::invalid_client(format!(
            "client_assertion_type must be {}",
            client_assertion::ASSERTION_TYPE
        )));
    }
    if basic || params.get("client_secret").is_some() {
        return Err(OAuthError::invalid_request(
            "a client assertion was sent together with a client secret: use one authentication method",
        ));
    }
    let client_id = match params.get("client_id") {
        Some(id) => id.to_string(),
        None => client_assertion::unverified_issuer(assertion)
            .ok_or_else(|| OAuthError::invalid_client("the client assertion names no issuer"))?,
    };
    Ok(Some(Credentials {
        client_id,
        secret: None,
        assertion: Some(SecretString::from(assertion.to_string())),
        via_basic: false,
    }))
}

fn parse_basic(header: &[u8]) -> Result<(String, SecretString), OAuthError> {
    let bad = || OAuthError::invalid_client("malformed HTTP Basic credentials").with_basic_challenge(true);
    let header = std::str::from_utf8(header).map_err(|_| bad())?;
    let (scheme, value) = header.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(
            OAuthError::invalid_client("only HTTP Basic client authentication is accepted here")
                .with_basic_challenge(true),
        );
    }
    let decoded = STANDARD.decode(value.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    // §2.3.1: id and secret are form-urlencoded before they are joined.
    let id = form_decode(id).ok_or_else(bad)?;
    let secret = form_decode(secret).ok_or_else(bad)?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok((id, SecretString::from(secret)))
}

fn form_decode(s: &str) -> Option<String> {
    let plus: String = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Registered clients, cached for [`CACHE_TTL`].
///
/// Invalidation wins over a read in flight: a read that started before
/// [`ClientCache::invalidate`] may still answer with what it read, but it
/// does not store it, so the next request reads the change (a suspension
/// once stayed unseen for the cache's lifetime that way).
///
/// On PostgreSQL, [`ClientCache::follow_other_instances`] also drops a
/// client when another instance (or the CLI) announces a change to it, so
/// changes show everywhere within a fraction of a second; the lifetime is
/// the bound while that announcement cannot arrive.
pub struct ClientCache {
    db: Database,
    clock: Clock,
    entries: Arc<Entries>,
    assertions: Option<client_assertion::Verifier>,
    documents: Option<Arc<metadata_documents::Resolver>>,
}

/// The cached clients; the listener for other instances' changes reaches
/// them through a weak reference.
struct Entries {
    map: RwLock<HashMap<String, (Arc<Client>, Instant)>>,
    /// Bumped by every invalidation; a read stores its row only if no
    /// invalidation happened since it began.
    generation: AtomicU64,
}

impl Entries {
    /// Where a read begins: the generation it must still see to store.
    fn begin_read(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Stores what a read that began at `generation` found, unless an
    /// invalidation happened since (checked under the write lock: an
    /// invalidation either happened before, and this read may be stale, or
    /// waits for this insert and then removes it).
    fn store(&self, id: &str, client: Arc<Client>, generation: u64) {
        if let Ok(mut map) = self.map.write() {
            if self.generation.load(Ordering::SeqCst) == generation {
                if map.len() >= CACHE_MAX_ENTRIES {
                    map.clear();
                }
                map.insert(id.to_string(), (client, Instant::now()));
            }
        }
    }

    fn cached(&self, id: &str) -> Option<Arc<Client>> {
        let map = self.map.read().ok()?;
        map.get(id)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(client, _)| client.clone())
    }

    fn invalidate(&self, id: &str) {
        if let Ok(mut map) = self.map.write() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            map.remove(id);
        }
    }

    fn clear(&self) {
        if let Ok(mut map) = self.map.write() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            map.clear();
        }
    }
}

/// Keeps the listener for other instances' changes running; it stops once
/// this is dropped.
pub struct Following {
    _forward: Arc<Forward>,
}

/// What the listener reports to: the cache's entries, for as long as the
/// cache and the [`Following`] guard both exist.
struct Forward(std::sync::Weak<Entries>);

impl storage::notifications::ClientChangeSink for Forward {
    fn changed(&self, id: &str) {
        if let Some(entries) = self.0.upgrade() {
            entries.invalidate(id);
        }
    }

    fn resync(&self) {
        if let Some(entries) = self.0.upgrade() {
            entries.clear();
        }
    }
}

impl ClientCache {
    /// A cache over `db`.
    pub fn new(db: Database, clock: Clock) -> Self {
        ClientCache {
            db,
            clock,
            entries: Arc::new(Entries {
                map: RwLock::new(HashMap::new()),
                generation: AtomicU64::new(0),
            }),
            assertions: None,
            documents: None,
        }
    }

    /// The same cache, accepting `private_key_jwt` client assertions
    /// checked by `verifier` (without one, every assertion is refused).
    pub fn accepting_assertions(mut self, verifier: client_assertion::Verifier) -> Self {
        self.assertions = Some(verifier);
        self
    }

    /// The clock the registry's timestamps come from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The database the registry lives in.
    pub fn db(&self) -> &Database {
        &self.db
    }

    /// On PostgreSQL (`database_url`), follows the changes other instances
    /// announce, on a connection and thread of its own, until the returned
    /// guard is dropped (the server it serves has stopped). Nothing to
    /// follow on SQLite. The same connection follows the channels of `also`.
    pub fn follow_other_instances(
        &self,
        database_url: &str,
        also: Vec<storage::notifications::Subscription>,
    ) -> std::io::Result<Following> {
        let forward = Arc::new(Forward(Arc::downgrade(&self.entries)));
        let sink: Arc<dyn storage::notifications::ClientChangeSink> = forward.clone();
        storage::notifications::follow_client_changes(database_url, Arc::downgrade(&sink), also)?;
        Ok(Following { _forward: forward })
    }

    /// The same cache, resolving `client_id` URLs from their client ID
    /// metadata documents (without, such a client is unknown).
    pub fn resolving_documents(mut self, resolver: metadata_documents::Resolver) -> Self {
        self.documents = Some(Arc::new(resolver));
        self
    }

    /// Why the metadata document of `id` was refused, if it was lately.
    pub fn document_failure(&self, id: &str) -> Option<String> {
        self.documents.as_ref()?.failure(id, self.clock.now())
    }

    /// The client with this id, if registered, or if `id` is the URL of
    /// a client ID metadata document that was (or now is) fetched and
    /// accepted and is still fresh.
    pub async fn get(&self, id: &str) -> Result<Option<Arc<Client>>, OAuthError> {
        let now = self.clock.now();
        if let Some(client) = self.entries.cached(id).filter(|c| !c.document_is_stale(now)) {
            return Ok(Some(client));
        }
        let found = self.load(id).await?;
        let Some(documents) = &self.documents else {
            // A client of a metadata document is not used while they are off.
            return Ok(found.filter(|c| c.security.metadata_document_expires_at.is_none()));
        };
        match found {
            Some(client) if !client.document_is_stale(now) => Ok(Some(client)),
            Some(client) if client.security.metadata_document_expires_at.is_none() => Ok(Some(client)),
            _ if !documents.names_a_document(id) => Ok(None),
            _ => {
                if !documents.resolve(&self.db, id, now).await? {
                    self.invalidate(id);
                    return Ok(None);
                }
                self.invalidate(id);
                self.load(id).await
            }
        }
    }

    /// The client with this id as stored, through the cache.
    async fn load(&self, id: &str) -> Result<Option<Arc<Client>>, OAuthError> {
        if let Some(client) = self.entries.cached(id) {
            return Ok(Some(client));
        }
        let generation = self.entries.begin_read();
        let owned = id.to_string();
        let found = self
            .db
            .run(move |conn| {
                let Some(row) = storage::clients::by_id(conn, &owned)? else {
                    return Ok(None);
                };
                Ok(Some((row, storage::clients::security_of(conn, &owned)?)))
            })
            .await?;
        let Some((row, security)) = found else {
            self.invalidate(id);
            return Ok(None);
        };
        let client = Arc::new(Client::from_row(row).with_security(security));
        self.entries.store(id, client.clone(), generation);
        Ok(Some(client))
    }

    /// Forgets a client after it changed.
    pub fn invalidate(&self, id: &str) {
        self.entries.invalidate(id);
    }

    /// Authenticates a client (RFC 6749 §2.3): a confidential client by its
    /// secret or, if registered for `private_key_jwt`, by a signed
    /// assertion (RFC 7523 §3); a public client by its id alone (`none`).
    pub async fn authenticate(&self, creds: Credentials) -> Result<Arc<Client>, OAuthError> {
        let basic = creds.via_basic;
        let fail = |why: &str| OAuthError::invalid_client(why).with_basic_challenge(basic);
        let Some(client) = self.get(&creds.client_id).await? else {
            return Err(fail("client authentication failed"));
        };
        let by_assertion =
            client.security.token_endpoint_auth_method.as_deref() == Some(client_assertion::PRIVATE_KEY_JWT);
        match (&creds.secret, &creds.assertion) {
            (Some(_), _) if by_assertion => return Err(fail(
                "this client authenticates with a signed client assertion (private_key_jwt), not a secret",
            )),
            (_, Some(_)) if !by_assertion => {
                return Err(fail("this client is not registered for private_key_jwt"))
            }
            (None, None) if by_assertion => {
                return Err(fail(
                    "this client must authenticate with a signed client assertion",
                ))
            }
            (_, Some(assertion)) => self.check_assertion(&client, assertion).await?,
            (Some(secret), None) if !client.is_public && client.secret_matches(secret, self.clock.now()) => {}
            (None, None) if client.is_public => {}
            (Some(_), None) if client.is_public => {
                return Err(fail("a public client has no secret to present"))
            }
            (None, None) => return Err(fail("this client must authenticate with its secret")),
            (Some(_), None) => return Err(fail("client authentication failed")),
        }
        if client.suspended {
            return Err(fail("this client is suspended"));
        }
        // The request's log line names the client that authenticated.
        tracing::Span::current().record("client_id", client.id.as_str());
        Ok(client)
    }

    /// Verifies a `private_key_jwt` assertion and records its `jti`.
    async fn check_assertion(&self, client: &Client, assertion: &SecretString) -> Result<(), OAuthError> {
        let fail = |why: String| OAuthError::invalid_client(format!("client authentication failed: {why}"));
        let Some(verifier) = &self.assertions else {
            return Err(fail("client assertions are not accepted".into()));
        };
        let keys = match (&client.security.jwks, &client.security.jwks_uri) {
            (Some(jwks), _) => client_assertion::Keys::Inline(jwks),
            (None, Some(uri)) => client_assertion::Keys::Uri(uri),
            (None, None) => return Err(fail("the client has no registered keys".into())),
        };
        let now = self.clock.now();
        let verified = verifier
            .verify(&client.id, keys, assertion.expose_secret(), now)
            .await
            .map_err(|e| fail(e.0))?;
        let first = self
            .db
            .run(move |conn| {
                storage::used_jtis::first_use(
                    conn,
                    "client_assertion",
                    &verified.replay_key,
                    verified.expires_at,
                    now,
                )
            })
            .await?;
        if !first {
            return Err(fail("the client assertion's jti was already used".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(id: &str, secret: &str) -> Vec<u8> {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))).into_bytes()
    }

    fn client(id: &str, suspended: bool) -> Arc<Client> {
        Arc::new(Client::from_row(ClientRow {
            id: id.into(),
            name: "App".into(),
            description: String::new(),
            homepage_uri: None,
            logo_uri: None,
            secret_hash: None,
            previous_secret_hash: None,
            previous_secret_expires_at: None,
            redirect_uris: String::new(),
            grant_types: "client_credentials".into(),
            scopes: String::new(),
            resources: String::new(),
            is_public: false,
            is_trusted: false,
            require_pkce: true,
            allow_plain_pkce: false,
            suspended,
            owner_id: None,
            registration_token_hash: None,
            created_at: 0,
            updated_at: 0,
            openid: Default::default(),
            verified: true,
            introspection_audiences: String::new(),
            access_token_format: "jwt".into(),
        }))
    }

    fn entries() -> Entries {
        Entries {
            map: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    #[test]
    fn a_read_that_began_before_an_invalidation_is_not_stored() {
        let cache = entries();
        let began = cache.begin_read();
        // The suspension is written and invalidated while the read is in flight…
        cache.invalidate("c");
        // …and the read comes back with the row as it was before.
        cache.store("c", client("c", false), began);
        assert!(
            cache.cached("c").is_none(),
            "the stale row would live for the cache's lifetime"
        );
    }

    #[test]
    fn a_read_that_began_after_the_invalidation_is_stored() {
        let cache = entries();
        cache.invalidate("c");
        let began = cache.begin_read();
        cache.store("c", client("c", true), began);
        assert!(cache.cached("c").is_some_and(|c| c.suspended));
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let (id, secret) = parse_basic(&basic("my%3Aclient", "s+e%2Bc")).unwrap();
        assert_eq!(id, "my:client");
        assert_eq!(secret.expose_secret(), "s e+c");
    }

    #[test]
    fn basic_and_body_secret_together_are_refused() {
        let params = Params::parse(b"client_secret=x").unwrap();
        let err = credentials(Some(&basic("a", "b")), &params).err().unwrap();
        assert_eq!(err.code.as_str(), "invalid_request");
    }

    #[test]
    fn garbage_in_the_authorization_header_is_invalid_client() {
        for header in [
            &b"Basic !!!"[..],
            b"Basic",
            b"Bearer abc",
            b"Basic Zm9v",
            b"\xff\xfe",
        ] {
            let err = parse_basic(header).err().unwrap();
            assert_eq!(err.code.as_str(), "invalid_client");
            assert!(err.basic_challenge);
        }
    }
}
