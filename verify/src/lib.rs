//! Check Tollgate's access tokens in a resource server (an API), offline.
//!
//! # Quickstart (actix-web)
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [dependencies]
//! tollgate-verify = { version = "0.1", features = ["actix"] }   # add "rustls" for an https issuer
//! actix-web = "4"
//! serde_json = "1"
//! ```
//!
//! `main.rs`:
//!
//! ```no_run
//! # #[cfg(feature = "actix")]
//! # mod quickstart {
//! use actix_web::{get, web, App, HttpResponse, HttpServer};
//! use tollgate_verify::actix::{AccessToken, BearerError};
//! use tollgate_verify::Verifier;
//!
//! #[get("/notes")]
//! async fn list_notes(token: AccessToken) -> Result<HttpResponse, BearerError> {
//!     // 403 insufficient_scope unless the token was granted "notes:read".
//!     token.require_scope("notes:read")?;
//!     Ok(HttpResponse::Ok().json(serde_json::json!({
//!         "owner": token.sub,
//!         "client": token.client_id,
//!     })))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     // The issuer exactly as it appears in tokens' `iss`, and this API's own
//!     // identifier, which Tollgate puts in the `aud` of tokens meant for it.
//!     let verifier = Verifier::discover("http://127.0.0.1:8080", "https://notes.example.com")
//!         .await
//!         .expect("Tollgate's metadata and keys");
//!     let verifier = web::Data::new(verifier);
//!     HttpServer::new(move || App::new().app_data(verifier.clone()).service(list_notes))
//!         .bind(("127.0.0.1", 9000))?
//!         .run()
//!         .await
//! }
//! # }
//! # fn main() {}
//! ```
//!
//! A request without `Authorization: Bearer …` gets a 401 with
//! `WWW-Authenticate: Bearer realm="…"`; a bad token a 401 with
//! `error="invalid_token"`; a missing scope a 403 with
//! `error="insufficient_scope", scope="notes:read"`; and if Tollgate's keys
//! cannot be fetched, a 503 (RFC 6750 §3). Bodies are JSON
//! `{"error": …, "error_description": …}`. To require a scope in the handler
//! signature instead, use [`actix::Scoped`] with a type implementing
//! [`actix::RequiredScope`].
//!
//! Without actix-web, call [`Verifier::verify`] yourself on the token from the
//! `Authorization` header:
//!
//! ```no_run
//! # async fn demo(token: &str) -> Result<(), tollgate_verify::VerifyError> {
//! let verifier = tollgate_verify::Verifier::discover("http://127.0.0.1:8080", "https://notes.example.com").await?;
//! let claims = verifier.verify(token).await?;
//! if claims.has_scope("notes:read") { /* … */ }
//! # Ok(()) }
//! ```
//!
//! # Stateless or stateful: choose per service
//!
//! **Stateless (the default).** Each token is checked against Tollgate's
//! public keys, which are fetched once and cached; there is no call to
//! Tollgate per request, and the service keeps working while Tollgate is
//! down. The price: a token stays valid until its `exp` even after the user
//! logs out or the token is revoked — at most the access token lifetime
//! Tollgate is configured with.
//!
//! **Stateful (opt-in).** With [`VerifierBuilder::introspection`] (client
//! credentials of a confidential client registered at Tollgate), every token
//! that passes the offline checks is also sent to Tollgate's
//! `introspection_endpoint` (RFC 7662), and refused if Tollgate answers
//! `active: false`. Logout and revocation then take effect within
//! [`VerifierBuilder::introspection_cache`] (default 10 s), at the cost of
//! one call to Tollgate per token per cache period, and of a hard dependency
//! on Tollgate: while it cannot be reached, requests get 503. Introspection
//! only ever narrows: a token that fails the offline checks is refused
//! without asking.
//!
//! # What is checked
//!
//! In order, by [`Verifier::verify`]:
//!
//! 1. The token is a compact JWS (three base64url parts, JSON header and
//!    claims), at most 16 KiB.
//! 2. The header `typ` is `at+jwt` or `application/at+jwt`, case-insensitive
//!    (RFC 9068 §4): an ID token or any other JWT signed with the same keys is
//!    not an access token (RFC 8725 §3.11).
//! 3. `alg` is neither `none` nor an HMAC algorithm, and no `crit` header is
//!    present (RFC 8725 §3.1, RFC 7515 §4.1.11).
//! 4. The `kid` names a key in Tollgate's JWKS. Unknown `kid`s make the
//!    verifier fetch the JWKS again (that is how a rotated-in key is found),
//!    but at most once per [`VerifierBuilder::min_refetch_interval`], so
//!    forged tokens cannot make it hammer Tollgate. Keys in the token header
//!    (`jwk`, `jku`, `x5u`, `x5c`) are never used (RFC 8725 §3.10).
//! 5. The algorithm is pinned by the key: the header `alg` must be the one
//!    the JWK was published for (its `alg`, else the one its type and curve
//!    imply). Only RSA, EC and OKP keys are read from the JWKS, so a public
//!    key can never serve as an HMAC secret.
//! 6. The signature.
//! 7. `iss` equals the configured issuer exactly; `aud` (a string or an
//!    array) contains the configured audience (RFC 9068 §4, RFC 8725 §3.9).
//! 8. `exp` is not past and `nbf`, if present, not ahead, each with
//!    [`VerifierBuilder::leeway`] (default 30 s).
//! 9. `sub`, `iat`, `jti` and `client_id` are present (RFC 9068 §2.2).
//! 10. If configured, introspection says the token is active.
//!
//! Failures are [`VerifyError::InvalidToken`] with an [`InvalidToken`]
//! reason (the client's fault: 401), or [`VerifyError::KeysUnavailable`] /
//! [`VerifyError::IntrospectionUnavailable`] (an outage: 503).
//!
//! # Id tokens: use `openidconnect`
//!
//! This crate checks *access* tokens, for APIs. It does not validate
//! OpenID Connect id tokens, and refuses them by their `typ` (`JWT`, not
//! `at+jwt`; step 2 above): an id token says who signed in to one app, and
//! is no credential for calling an API. An app that signs its users in
//! with Tollgate verifies id tokens with the
//! [`openidconnect`](https://docs.rs/openidconnect) crate, which does
//! discovery (`{issuer}/.well-known/openid-configuration`), builds the
//! authorization URL with PKCE and a nonce, exchanges the code, verifies
//! the id token against Tollgate's JWKS (signature, algorithm, `iss`,
//! `aud`, `exp`, `nonce`, `at_hash`) and calls the userinfo endpoint. The
//! server repository's `examples/openid_login.rs` shows each step.
//!
//! # Features
//!
//! - `actix`: the [`actix`] module — extractors and RFC 6750 error responses.
//! - `rustls`: HTTPS to the issuer. Without it only `http://` issuers can be
//!   reached (enough for a local Tollgate).
//! - `redis`: the `session` module — [`session::SessionStore`] checks that
//!   the token's login session still lives in Tollgate's shared session
//!   store and hands its roles and fields to the handler; with `actix` as
//!   well, the `actix::WithSession` extractor does it during extraction.
//!
//! # Roles
//!
//! Tollgate puts the user's roles for the token's audience in the `roles`
//! claim (RFC 9068 §2.2.3.1): [`Claims::has_role`] and
//! [`Claims::require_role`] read them (a missing role is a 403
//! `insufficient_scope` with the `actix` feature). The session store holds
//! the same roles, per API, kept current when an operator changes them:
//! `session.require_role(api, role)` decides on those instead of waiting
//! for the next token.

#![warn(missing_docs)]
// The crate docs link to the `actix` module, which only exists with its feature.
#![cfg_attr(not(feature = "actix"), allow(rustdoc::broken_intra_doc_links))]

#[cfg(feature = "actix")]
pub mod actix;
mod claims;
pub mod dpop;
mod error;
mod introspect;
mod jwks;
pub mod protected_resource;
mod verifier;

#[cfg(feature = "redis")]
pub mod session;

pub use claims::{Claims, MissingRole, MissingScope};
pub use error::{InvalidToken, VerifyError};
pub use verifier::{
    Verifier, VerifierBuilder, DEFAULT_HTTP_TIMEOUT, DEFAULT_INTROSPECTION_CACHE, DEFAULT_JWKS_MAX_AGE,
    DEFAULT_LEEWAY, DEFAULT_MIN_REFETCH_INTERVAL,
};
