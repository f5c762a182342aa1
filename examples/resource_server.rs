//! A resource server (an API) that accepts Tollgate's access tokens, checked
//! offline by `tollgate-verify` and its actix-web extractors.
//!
//! Routes:
//!
//! - `GET /health`: public, no token needed.
//! - `GET /orders`: needs a valid access token granted the `orders:read`
//!   scope; answers who called (`sub`, `client_id`).
//! - `GET /me`: needs a valid access token (and, with a session store, a
//!   live session); answers who called and, from the session, the user's
//!   name and the session's extra fields.
//! - `GET /.well-known/oauth-protected-resource`: public, the API's
//!   protected resource metadata (RFC 9728): its identifier, Tollgate as
//!   its authorization server, its scopes, and DPoP-bound tokens accepted.
//!   Every 401 challenge points at it (`resource_metadata="…"`, RFC 9728
//!   §5.1), so a client that knows only this API can find Tollgate.
//! - `GET /admin`: also needs the `admin` role for this API: from the
//!   session store's `roles:{audience}` field when one is configured (kept
//!   current by Tollgate when roles change), else from the token's `roles`
//!   claim. Without it: 403 `error="insufficient_scope"`.
//!
//! With a session store (`SESSION_STORE_URL`), every token is also checked
//! against Tollgate's shared session store: once the user logs out (or is
//! suspended…) and Tollgate has deleted `tollgate:session:{sid}`, the token
//! is refused with 401 `error="invalid_token"` ("the session has ended"),
//! without a call to Tollgate. A token without a session (client
//! credentials) is refused by the session check: this example's session
//! routes are for users.
//!
//! A DPoP-bound token (RFC 9449: `token_type` `DPoP`, `cnf.jkt` in the
//! token) is accepted only as `Authorization: DPoP <token>` with a fresh,
//! unused `DPoP` proof by the token's key for this method and URL (`htm`,
//! `htu`, `ath`); otherwise the answer is 401 with
//! `WWW-Authenticate: DPoP algs="…", error="invalid_token", …`. Proofs are
//! remembered in memory against replay: one process per API, or a shared
//! store.
//!
//! Refusals follow RFC 6750 §3 and are answered by the extractor before the
//! handler runs: no token → 401 `WWW-Authenticate: Bearer realm="…"`; a bad
//! token (forged, tampered, expired, from another issuer, for another
//! audience, `alg: none`, HMAC…) → 401 `error="invalid_token"`; a good token
//! without the scope → 403 `error="insufficient_scope"`; Tollgate's keys
//! unreachable → 503.
//!
//! # Configuration
//!
//! Environment variables, each overridden by the flag beside it:
//!
//! | variable          | flag         | default                 | meaning |
//! |-------------------|--------------|-------------------------|---------|
//! | `TOLLGATE_ISSUER` | `--issuer`   | `http://127.0.0.1:8080` | Tollgate's issuer, exactly as in tokens' `iss` |
//! | `API_AUDIENCE`    | `--audience` | the issuer              | this API's identifier, which tokens' `aud` must contain |
//! | `BIND`            | `--bind`     | `127.0.0.1:9000`        | address to listen on (port 0: any free port) |
//! | `SESSION_STORE_URL` | `--session-store` | none              | Tollgate's `session_store_url` (`redis://…`): check sessions there |
//!
//! Tollgate puts the issuer in `aud` when a token request names no
//! `resource`, hence the default audience. A real API should have an
//! identifier of its own, registered as a `--resource` of the clients that
//! call it, so that tokens minted for other APIs are refused here (RFC 8707,
//! RFC 9068 §4).
//!
//! Once listening, it prints `listening on http://ADDR:PORT` on standard
//! output (with the real port when `BIND` asks for port 0).
//!
//! # Running it by hand
//!
//! ```sh
//! # 1. Tollgate, on http://127.0.0.1:8080
//! cargo run --release -- serve
//!
//! # 2. in another shell: a service client that may ask for tokens for this API
//! ./target/release/tollgate client create --name orders-reader --json \
//!     --grant-type client_credentials --scope orders:read --resource https://orders.example
//! # {"client_id":"ID","client_secret":"SECRET",…}
//!
//! # 3. this API
//! API_AUDIENCE=https://orders.example cargo run --example resource_server
//!
//! # 4. a token, then the calls
//! TOKEN=$(curl -s -u ID:SECRET http://127.0.0.1:8080/oauth2/token \
//!     -d grant_type=client_credentials -d scope=orders:read -d resource=https://orders.example \
//!     | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
//! curl -i http://127.0.0.1:9000/health                                    # 200
//! curl -i http://127.0.0.1:9000/orders                                    # 401, WWW-Authenticate: Bearer
//! curl -i -H "Authorization: Bearer $TOKEN" http://127.0.0.1:9000/orders  # 200, names the client
//! ```
//!
//! A client registered without `--resource`, asking without `resource=`,
//! gets tokens whose `aud` is the issuer: run the API without
//! `API_AUDIENCE` to accept those.

use actix_web::{get, web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::json;
use tollgate_verify::actix::{AccessToken, BearerError, RequiredScope, Scoped};
use tollgate_verify::protected_resource::ProtectedResource;
use tollgate_verify::session::{Session, SessionStore};
use tollgate_verify::{Claims, Verifier};

/// The scope `GET /orders` requires.
struct ReadOrders;

impl RequiredScope for ReadOrders {
    const SCOPE: &'static str = "orders:read";
}

#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Runs only for a valid token granted `orders:read`: `Scoped` answers 401 or
/// 403 itself otherwise.
#[get("/orders")]
async fn list_orders(token: Scoped<ReadOrders>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        // For a client-credentials token `sub` is the client itself; for a
        // token issued to a user, the user.
        "sub": token.sub,
        "client_id": token.client_id,
        "orders": [],
    }))
}

/// The token's session, when a session store is configured: refused (401
/// "the session has ended") once Tollgate deleted it; 503 if the store
/// cannot be reached.
async fn live_session(req: &HttpRequest, claims: &Claims) -> Result<Option<Session>, BearerError> {
    let Some(store) = req.app_data::<web::Data<SessionStore>>() else {
        return Ok(None);
    };
    let realm = claims.aud.first().cloned();
    match store.check(claims).await {
        Ok(session) => Ok(Some(session)),
        Err(e) => Err(BearerError::from_session(e, realm)),
    }
}

#[get("/me")]
async fn me(req: HttpRequest, token: AccessToken) -> Result<HttpResponse, BearerError> {
    let session = live_session(&req, &token).await?;
    Ok(HttpResponse::Ok().json(json!({
        "sub": token.sub,
        "username": session.as_ref().map(|s| s.username.clone()),
        "fields": session.map(|s| s.fields),
    })))
}

/// The role `GET /admin` requires, for this API (the verifier's audience).
const ADMIN: &str = "admin";

#[get("/admin")]
async fn admin(
    req: HttpRequest,
    token: AccessToken,
    verifier: web::Data<Verifier>,
) -> Result<HttpResponse, BearerError> {
    match live_session(&req, &token).await? {
        Some(session) => session.require_role(verifier.audience(), ADMIN)?,
        None => token.require_role(ADMIN)?,
    }
    Ok(HttpResponse::Ok().json(json!({ "sub": token.sub, "admin": true })))
}

/// The routes, apart from the server, so that they can be mounted elsewhere
/// (or in an `actix_web::test` service) next to a `web::Data<Verifier>`
/// (and a `web::Data<SessionStore>` to check sessions).
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(health)
        .service(list_orders)
        .service(me)
        .service(admin);
}

struct Config {
    issuer: String,
    audience: String,
    bind: String,
    session_store: Option<String>,
}

const USAGE: &str =
    "usage: resource_server [--issuer URL] [--audience URI] [--bind ADDR] [--session-store URL]
  (or TOLLGATE_ISSUER, API_AUDIENCE, BIND, SESSION_STORE_URL in the environment)";

impl Config {
    /// The environment, then the command line over it.
    fn load() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut issuer = var("TOLLGATE_ISSUER");
        let mut audience = var("API_AUDIENCE");
        let mut bind = var("BIND");
        let mut session_store = var("SESSION_STORE_URL");
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let slot = match flag.as_str() {
                "--issuer" => &mut issuer,
                "--audience" => &mut audience,
                "--bind" => &mut bind,
                "--session-store" => &mut session_store,
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            };
            *slot = Some(
                args.next()
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?,
            );
        }
        let issuer = issuer.unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
        Ok(Config {
            audience: audience.unwrap_or_else(|| issuer.clone()),
            issuer,
            bind: bind.unwrap_or_else(|| "127.0.0.1:9000".to_owned()),
            session_store,
        })
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let config = Config::load().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });

    // Reads Tollgate's metadata and JWKS once; afterwards tokens are checked
    // offline, and the JWKS is fetched again only for an unknown `kid` (a
    // rotated-in key) or when it is 10 minutes old.
    let verifier = Verifier::discover(config.issuer.as_str(), config.audience.as_str())
        .await
        .unwrap_or_else(|e| {
            eprintln!("cannot get Tollgate's signing keys from {}: {e}", config.issuer);
            std::process::exit(1);
        });
    eprintln!(
        "accepting tokens from {} for audience {}",
        verifier.issuer(),
        verifier.audience()
    );

    // Connects lazily: while Redis is away, session checks answer 503.
    let store = config.session_store.as_deref().map(|url| {
        let store = SessionStore::lazy(url).unwrap_or_else(|e| {
            eprintln!("cannot use the session store {url}: {e}");
            std::process::exit(1);
        });
        eprintln!("checking sessions in the session store");
        web::Data::new(store)
    });

    // RFC 9728: what this API is and who issues its tokens.
    let metadata =
        ProtectedResource::new(verifier.audience(), verifier.issuer()).scopes(&[ReadOrders::SCOPE]);
    let verifier = web::Data::new(verifier);
    let server = HttpServer::new(move || {
        let app = App::new()
            .app_data(verifier.clone())
            .configure(metadata.clone().configure());
        match &store {
            Some(store) => app.app_data(store.clone()).configure(routes),
            None => app.configure(routes),
        }
    })
    .bind(config.bind.as_str())?;
    for addr in server.addrs() {
        println!("listening on http://{addr}");
    }
    server.run().await
}
