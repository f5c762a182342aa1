//! actix-web integration (feature `actix`): extractors that take the bearer
//! token from the `Authorization` header, verify it with the [`Verifier`] in
//! the app data, and answer RFC 6750 §3 errors when it will not do.

use crate::claims::{Claims, MissingRole, MissingScope};
use crate::dpop::{self, ReplayCache};
use crate::error::VerifyError;
use crate::protected_resource::ProtectedResource;
use crate::verifier::Verifier;
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

/// The claims of the request's verified bearer token.
///
/// As a handler argument it requires a valid token: without one the handler
/// is not called and the client gets a 401 (or 503 if Tollgate's keys could
/// not be fetched). The token is read from the `Authorization: Bearer`
/// header only, never from the query string or the body: RFC 6750 §5.3 and
/// RFC 9700 §4.3.2 advise against tokens in URLs, which end up in logs and
/// `Referer` headers.
///
/// The [`Verifier`] is looked up in the app data, as `web::Data<Verifier>` or
/// as a plain `Verifier`.
#[derive(Debug, Clone)]
pub struct AccessToken(pub Claims);

impl AccessToken {
    /// The claims.
    pub fn into_inner(self) -> Claims {
        self.0
    }
}

impl Deref for AccessToken {
    type Target = Claims;
    fn deref(&self) -> &Claims {
        &self.0
    }
}

/// A scope a route requires, for the [`Scoped`] extractor.
///
/// ```
/// struct ReadNotes;
/// impl tollgate_verify::actix::RequiredScope for ReadNotes {
///     const SCOPE: &'static str = "notes:read";
/// }
/// ```
pub trait RequiredScope {
    /// The scope token, e.g. `"notes:read"`.
    const SCOPE: &'static str;
}

/// Like [`AccessToken`], but also requires the scope `S::SCOPE`: without it
/// the client gets a 403 `insufficient_scope` and the handler is not called.
pub struct Scoped<S: RequiredScope>(pub Claims, PhantomData<S>);

impl<S: RequiredScope> Scoped<S> {
    /// The claims.
    pub fn into_inner(self) -> Claims {
        self.0
    }
}

impl<S: RequiredScope> Deref for Scoped<S> {
    type Target = Claims;
    fn deref(&self) -> &Claims {
        &self.0
    }
}

impl<S: RequiredScope> std::fmt::Debug for Scoped<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Scoped").field(&S::SCOPE).field(&self.0).finish()
    }
}

/// Why a request was refused, as an RFC 6750 §3 response.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// No bearer token: 401 with a bare `WWW-Authenticate: Bearer realm=…`
    /// challenge (RFC 6750 §3.1: no error code when no credentials came).
    #[error("no bearer token in the Authorization header")]
    Missing {
        /// The realm of the challenge (the verifier's audience).
        realm: Option<String>,
        /// The resource's metadata URL (RFC 9728 §5.1), when the app
        /// serves [`ProtectedResource`](crate::protected_resource::ProtectedResource).
        resource_metadata: Option<String>,
    },
    /// The request is malformed, e.g. several `Authorization` headers: 400
    /// `invalid_request`.
    #[error("{0}")]
    InvalidRequest(String),
    /// The token is bad: 401 `invalid_token`.
    #[error("{description}")]
    InvalidToken {
        /// The realm of the challenge (the verifier's audience).
        realm: Option<String>,
        /// Why, for `error_description`.
        description: String,
        /// The resource's metadata URL (RFC 9728 §5.1).
        resource_metadata: Option<String>,
    },
    /// A DPoP-bound token without a valid proof by its key, or presented as
    /// a bearer token; or a `DPoP` request whose token is not bound: 401
    /// with a `DPoP` challenge carrying `algs` (RFC 9449 §7.1).
    #[error("{description}")]
    InvalidDpop {
        /// Why, for `error_description`.
        description: String,
        /// The resource's metadata URL (RFC 9728 §5.1).
        resource_metadata: Option<String>,
    },
    /// The token lacks a scope: 403 `insufficient_scope`.
    #[error("the token lacks the {scope} scope")]
    InsufficientScope {
        /// The scope(s) needed, space-separated.
        scope: String,
    },
    /// The token (or its session) lacks a role: 403 `insufficient_scope`
    /// (RFC 6750 §3.1: "requires higher privileges than provided").
    #[error("the {role} role is required")]
    InsufficientRole {
        /// The role needed.
        role: String,
    },
    /// Tollgate could not be reached to get keys or an introspection answer:
    /// 503. Not the client's fault, so no challenge.
    #[error("the authorization server cannot be reached; try again later")]
    Unavailable,
    /// No [`Verifier`] in the app data (or, for `WithSession`, no
    /// `SessionStore`): 500. A bug in the service's setup.
    #[error("the token checks are not configured (no Verifier or SessionStore in the app data)")]
    NotConfigured,
}

impl BearerError {
    /// Converts a verification error, with `realm` for the challenge.
    pub fn from_verify(error: VerifyError, realm: Option<String>) -> BearerError {
        match error {
            VerifyError::InvalidToken(reason) => BearerError::InvalidToken {
                realm,
                description: reason.to_string(),
                resource_metadata: None,
            },
            VerifyError::KeysUnavailable(_) | VerifyError::IntrospectionUnavailable(_) => {
                BearerError::Unavailable
            }
            VerifyError::Config(_) => BearerError::NotConfigured,
        }
    }

    /// The same error, its challenge pointing at the resource's metadata
    /// `url` (RFC 9728 §5.1); errors without a challenge stay as they are.
    pub fn with_resource_metadata(self, url: String) -> BearerError {
        match self {
            BearerError::Missing { realm, .. } => BearerError::Missing {
                realm,
                resource_metadata: Some(url),
            },
            BearerError::InvalidToken {
                realm, description, ..
            } => BearerError::InvalidToken {
                realm,
                description,
                resource_metadata: Some(url),
            },
            BearerError::InvalidDpop { description, .. } => BearerError::InvalidDpop {
                description,
                resource_metadata: Some(url),
            },
            other => other,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            BearerError::Missing { .. }
            | BearerError::InvalidToken { .. }
            | BearerError::InvalidDpop { .. } => "invalid_token",
            BearerError::InvalidRequest(_) => "invalid_request",
            BearerError::InsufficientScope { .. } | BearerError::InsufficientRole { .. } => {
                "insufficient_scope"
            }
            BearerError::Unavailable => "temporarily_unavailable",
            BearerError::NotConfigured => "server_error",
        }
    }

    /// The `WWW-Authenticate` value, if this error carries a challenge.
    fn challenge(&self) -> Option<String> {
        let mut params: Vec<(&str, String)> = Vec::new();
        // RFC 9728 §5.1: where a client learns which authorization server
        // to ask for a token, on every challenge that can send it there.
        let resource_metadata = match self {
            BearerError::Missing {
                resource_metadata, ..
            }
            | BearerError::InvalidToken {
                resource_metadata, ..
            }
            | BearerError::InvalidDpop {
                resource_metadata, ..
            } => resource_metadata.clone(),
            _ => None,
        };
        if let BearerError::InvalidDpop { .. } = self {
            params.push(("algs", crate::dpop::SIGNING_ALGS.join(" ")));
            params.push(("error", self.code().to_owned()));
            params.push(("error_description", self.to_string()));
            params.extend(resource_metadata.map(|url| ("resource_metadata", url)));
            let params: Vec<String> = params
                .into_iter()
                .map(|(name, value)| format!("{name}=\"{}\"", quotable(&value)))
                .collect();
            return Some(format!("DPoP {}", params.join(", ")));
        }
        let realm = match self {
            BearerError::Missing { realm, .. } | BearerError::InvalidToken { realm, .. } => realm.as_deref(),
            _ => None,
        };
        if let Some(realm) = realm {
            params.push(("realm", realm.to_owned()));
        }
        match self {
            BearerError::Missing { .. } => {
                params.extend(resource_metadata.map(|url| ("resource_metadata", url)));
            }
            BearerError::InvalidToken { .. } => {
                params.push(("error", self.code().to_owned()));
                params.push(("error_description", self.to_string()));
                params.extend(resource_metadata.map(|url| ("resource_metadata", url)));
            }
            BearerError::InvalidRequest(_) | BearerError::InsufficientRole { .. } => {
                params.push(("error", self.code().to_owned()));
                params.push(("error_description", self.to_string()));
            }
            BearerError::InsufficientScope { scope } => {
                params.push(("error", self.code().to_owned()));
                params.push(("error_description", self.to_string()));
                params.push(("scope", scope.clone()));
            }
            BearerError::Unavailable | BearerError::NotConfigured | BearerError::InvalidDpop { .. } => {
                return None
            }
        }
        let params: Vec<String> = params
            .into_iter()
            .map(|(name, value)| format!("{name}=\"{}\"", quotable(&value)))
            .collect();
        Some(if params.is_empty() {
            "Bearer".to_owned()
        } else {
            format!("Bearer {}", params.join(", "))
        })
    }
}

/// RFC 6750 §3: attribute values may hold only %x20-21 / %x23-5B / %x5D-7E,
/// i.e. printable ASCII without `"` and `\`; anything else becomes `?`.
fn quotable(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '?',
        })
        .collect()
}

impl From<MissingScope> for BearerError {
    fn from(missing: MissingScope) -> Self {
        BearerError::InsufficientScope { scope: missing.scope }
    }
}

impl From<MissingRole> for BearerError {
    fn from(missing: MissingRole) -> Self {
        BearerError::InsufficientRole { role: missing.role }
    }
}

impl ResponseError for MissingRole {
    fn status_code(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    fn error_response(&self) -> HttpResponse {
        BearerError::from(self.clone()).error_response()
    }
}

impl From<VerifyError> for BearerError {
    fn from(error: VerifyError) -> Self {
        BearerError::from_verify(error, None)
    }
}

impl ResponseError for BearerError {
    fn status_code(&self) -> StatusCode {
        match self {
            BearerError::Missing { .. }
            | BearerError::InvalidToken { .. }
            | BearerError::InvalidDpop { .. } => StatusCode::UNAUTHORIZED,
            BearerError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            BearerError::InsufficientScope { .. } | BearerError::InsufficientRole { .. } => {
                StatusCode::FORBIDDEN
            }
            BearerError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            BearerError::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(value) = self.challenge().and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.insert_header((header::WWW_AUTHENTICATE, value));
        }
        // RFC 6750 §3 says how to refuse; no-store keeps the answer out of
        // shared caches, as for every response about credentials.
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        // RFC 6750 §3.1: a request with no credentials at all gets no error
        // code, in the challenge or in the body.
        if matches!(self, BearerError::Missing { .. }) {
            return response.json(serde_json::json!({ "error_description": self.to_string() }));
        }
        response.json(serde_json::json!({
            "error": self.code(),
            "error_description": self.to_string(),
        }))
    }
}

impl ResponseError for MissingScope {
    fn status_code(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    fn error_response(&self) -> HttpResponse {
        BearerError::from(self.clone()).error_response()
    }
}

impl ResponseError for VerifyError {
    fn status_code(&self) -> StatusCode {
        self.as_bearer().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.as_bearer().error_response()
    }
}

impl VerifyError {
    fn as_bearer(&self) -> BearerError {
        match self {
            VerifyError::InvalidToken(reason) => BearerError::InvalidToken {
                realm: None,
                description: reason.to_string(),
                resource_metadata: None,
            },
            VerifyError::KeysUnavailable(_) | VerifyError::IntrospectionUnavailable(_) => {
                BearerError::Unavailable
            }
            VerifyError::Config(_) => BearerError::NotConfigured,
        }
    }
}

/// The bearer token of the request, from the `Authorization` header only.
pub fn bearer_token(req: &HttpRequest) -> Result<&str, BearerError> {
    match presented_token(req)? {
        (token, false) => Ok(token),
        (_, true) => Err(BearerError::Missing {
            realm: None,
            resource_metadata: None,
        }),
    }
}

/// The access token of the `Authorization` header, and whether it came
/// under the `DPoP` scheme (RFC 9449 §7.1) rather than `Bearer`.
pub fn presented_token(req: &HttpRequest) -> Result<(&str, bool), BearerError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(BearerError::Missing {
            realm: None,
            resource_metadata: None,
        });
    };
    if values.next().is_some() {
        return Err(BearerError::InvalidRequest(
            "more than one Authorization header".into(),
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| BearerError::InvalidRequest("the Authorization header is not ASCII".into()))?;
    // RFC 7235 §2.1: the scheme is case-insensitive. Another scheme (Basic…)
    // means no bearer token came: the bare challenge tells the client which
    // scheme to use.
    let Some((scheme, token)) = value.split_once(' ') else {
        return Err(BearerError::Missing {
            realm: None,
            resource_metadata: None,
        });
    };
    let dpop = scheme.eq_ignore_ascii_case("dpop");
    if !scheme.eq_ignore_ascii_case("bearer") && !dpop {
        return Err(BearerError::Missing {
            realm: None,
            resource_metadata: None,
        });
    }
    let token = token.trim_matches(' ');
    // RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    let body = token.trim_end_matches('=');
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
    {
        return Err(BearerError::InvalidToken {
            realm: None,
            description: "the bearer token is malformed".into(),
            resource_metadata: None,
        });
    }
    Ok((token, dpop))
}

/// What the extractor needs to check a DPoP-bound token: the request's
/// method, URL and proof, and the replay cache.
struct Possession {
    dpop_scheme: bool,
    proof: Result<Option<String>, BearerError>,
    method: String,
    url: String,
    replay: Arc<ReplayCache>,
    lifetime: i64,
}

/// The DPoP settings of a resource server, in its app data
/// (`web::Data<DpopSettings>`); without them, [`DpopSettings::default`].
#[derive(Debug, Clone)]
pub struct DpopSettings {
    /// The proofs seen, against replays. In memory, per process: several
    /// instances need a shared store instead.
    pub replay: Arc<ReplayCache>,
    /// Seconds a proof is accepted after its `iat`.
    pub proof_lifetime: i64,
}

impl Default for DpopSettings {
    fn default() -> Self {
        static SHARED: std::sync::OnceLock<Arc<ReplayCache>> = std::sync::OnceLock::new();
        DpopSettings {
            replay: SHARED.get_or_init(|| Arc::new(ReplayCache::new(100_000))).clone(),
            proof_lifetime: 60,
        }
    }
}

fn possession_of(req: &HttpRequest, dpop_scheme: bool) -> Possession {
    let settings = req
        .app_data::<web::Data<DpopSettings>>()
        .map(|d| d.get_ref().clone())
        .unwrap_or_default();
    let mut values = req.headers().get_all("dpop");
    let proof = match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(invalid_dpop("more than one DPoP header")),
        (Some(v), None) => v
            .to_str()
            .map(|s| Some(s.to_owned()))
            .map_err(|_| invalid_dpop("the DPoP header is not ASCII")),
    };
    let info = req.connection_info();
    Possession {
        dpop_scheme,
        proof,
        method: req.method().as_str().to_owned(),
        url: format!("{}://{}{}", info.scheme(), info.host(), req.path()),
        replay: settings.replay,
        lifetime: settings.proof_lifetime,
    }
}

fn invalid_dpop(description: &str) -> BearerError {
    BearerError::InvalidDpop {
        description: description.to_owned(),
        resource_metadata: None,
    }
}

/// RFC 9449 §7: a bound token only under the `DPoP` scheme with a valid,
/// unused proof by its key (with `ath`); an unbound one only as a bearer.
fn check_possession(claims: &Claims, token: &str, p: Possession) -> Result<(), BearerError> {
    let Some(jkt) = claims.cnf_jkt.as_deref() else {
        if p.dpop_scheme {
            return Err(invalid_dpop("the access token is not DPoP-bound"));
        }
        return Ok(());
    };
    if !p.dpop_scheme {
        return Err(invalid_dpop(
            "the access token is DPoP-bound: send it with Authorization: DPoP and a proof",
        ));
    }
    let raw = p.proof?.ok_or_else(|| invalid_dpop("a DPoP proof is required"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let proof = dpop::check_proof(
        &raw,
        &dpop::Expected {
            method: &p.method,
            url: &p.url,
            access_token: Some(token),
            now,
            lifetime: p.lifetime,
        },
    )
    .map_err(|e| invalid_dpop(e.0))?;
    if proof.jkt != jkt {
        return Err(invalid_dpop("the DPoP proof is not by the token's key"));
    }
    if !p.replay.first_use(&proof, now, p.lifetime) {
        return Err(invalid_dpop("the DPoP proof was already used"));
    }
    Ok(())
}

fn verifier_of(req: &HttpRequest) -> Option<Verifier> {
    req.app_data::<web::Data<Verifier>>()
        .map(|data| data.get_ref().clone())
        .or_else(|| req.app_data::<Verifier>().cloned())
}

fn with_realm(error: BearerError, realm: &str) -> BearerError {
    match error {
        BearerError::Missing {
            realm: None,
            resource_metadata,
        } => BearerError::Missing {
            realm: Some(realm.to_owned()),
            resource_metadata,
        },
        BearerError::InvalidToken {
            realm: None,
            description,
            resource_metadata,
        } => BearerError::InvalidToken {
            realm: Some(realm.to_owned()),
            description,
            resource_metadata,
        },
        other => other,
    }
}

/// The metadata URL of the resource the app describes (RFC 9728), if it
/// has [`ProtectedResource`] in its app data (see
/// [`ProtectedResource::configure`]).
fn resource_metadata_of(req: &HttpRequest) -> Option<String> {
    req.app_data::<web::Data<ProtectedResource>>()
        .map(|data| data.metadata_url())
        .or_else(|| {
            req.app_data::<ProtectedResource>()
                .map(ProtectedResource::metadata_url)
        })
}

type BoxedFuture<T> = Pin<Box<dyn Future<Output = Result<T, BearerError>>>>;

impl FromRequest for AccessToken {
    type Error = BearerError;
    type Future = BoxedFuture<AccessToken>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(verifier) = verifier_of(req) else {
            return Box::pin(async { Err(BearerError::NotConfigured) });
        };
        let presented = presented_token(req).map(|(t, dpop)| (t.to_owned(), dpop));
        let possession = presented.as_ref().ok().map(|(_, dpop)| possession_of(req, *dpop));
        let resource_metadata = resource_metadata_of(req);
        Box::pin(async move {
            let realm = verifier.audience();
            let checked = async {
                let (token, _) = presented.map_err(|e| with_realm(e, realm))?;
                match verifier.verify(&token).await {
                    Ok(claims) => {
                        if let Some(possession) = possession {
                            check_possession(&claims, &token, possession)?;
                        }
                        Ok(AccessToken(claims))
                    }
                    Err(e) => Err(BearerError::from_verify(e, Some(realm.to_owned()))),
                }
            };
            match (checked.await, resource_metadata) {
                (Err(e), Some(url)) => Err(e.with_resource_metadata(url)),
                (result, _) => result,
            }
        })
    }
}

impl<S: RequiredScope + 'static> FromRequest for Scoped<S> {
    type Error = BearerError;
    type Future = BoxedFuture<Scoped<S>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = AccessToken::from_request(req, payload);
        Box::pin(async move {
            let AccessToken(claims) = token.await?;
            claims.require_scope(S::SCOPE)?;
            Ok(Scoped(claims, PhantomData))
        })
    }
}

#[cfg(feature = "redis")]
pub use with_session::WithSession;

#[cfg(feature = "redis")]
mod with_session {
    use super::{AccessToken, BearerError, BoxedFuture};
    use crate::claims::Claims;
    use crate::session::{Session, SessionError, SessionStore};
    use actix_web::dev::Payload;
    use actix_web::{web, FromRequest, HttpRequest};

    /// A verified bearer token whose login session still lives in Tollgate's
    /// shared session store (features `actix` and `redis`), with the session.
    ///
    /// Like [`AccessToken`](super::AccessToken), and then
    /// [`SessionStore::check`]: a session that ended answers 401
    /// `invalid_token` ("the session has ended"), a store that cannot be
    /// reached 503. The [`SessionStore`] is looked up in the app data, as
    /// `web::Data<SessionStore>` or a plain `SessionStore`.
    ///
    /// ```no_run
    /// use actix_web::HttpResponse;
    /// use tollgate_verify::actix::{BearerError, WithSession};
    ///
    /// async fn delete_note(token: WithSession) -> Result<HttpResponse, BearerError> {
    ///     token.session.require_role("https://notes.example.com", "editor")?;
    ///     Ok(HttpResponse::NoContent().finish())
    /// }
    /// ```
    #[derive(Debug, Clone)]
    pub struct WithSession {
        /// The token's claims.
        pub claims: Claims,
        /// Its session, as the store holds it.
        pub session: Session,
    }

    impl std::ops::Deref for WithSession {
        type Target = Claims;
        fn deref(&self) -> &Claims {
            &self.claims
        }
    }

    impl BearerError {
        /// Converts a session check's error, with `realm` for the challenge.
        pub fn from_session(error: SessionError, realm: Option<String>) -> BearerError {
            if error.is_outage() {
                BearerError::Unavailable
            } else {
                BearerError::InvalidToken {
                    realm,
                    description: error.to_string(),
                    resource_metadata: None,
                }
            }
        }
    }

    impl From<SessionError> for BearerError {
        fn from(error: SessionError) -> Self {
            BearerError::from_session(error, None)
        }
    }

    fn store_of(req: &HttpRequest) -> Option<SessionStore> {
        req.app_data::<web::Data<SessionStore>>()
            .map(|data| data.get_ref().clone())
            .or_else(|| req.app_data::<SessionStore>().cloned())
    }

    impl FromRequest for WithSession {
        type Error = BearerError;
        type Future = BoxedFuture<WithSession>;

        fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
            let store = store_of(req);
            let realm = super::verifier_of(req).map(|v| v.audience().to_owned());
            let token = AccessToken::from_request(req, payload);
            Box::pin(async move {
                let AccessToken(claims) = token.await?;
                let store = store.ok_or(BearerError::NotConfigured)?;
                match store.check(&claims).await {
                    Ok(session) => Ok(WithSession { claims, session }),
                    Err(e) => Err(BearerError::from_session(e, realm)),
                }
            })
        }
    }
}
