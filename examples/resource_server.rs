//! A resource server (an API) that accepts Tollgate's access tokens, checked
//! offline by `tollgate-verify` and its actix-web extractors.
//!
//! Two routes:
//!
//! - `GET /health`: public, no token needed.
//! - `GET /orders`: needs a valid access token granted the `orders:read`
//!   scope; answers who called (`sub`, `client_id`).
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

use actix_web::{get, web, App, HttpResponse, HttpServer};
use serde_json::json;
use tollgate_verify::actix::{RequiredScope, Scoped};
use tollgate_verify::Verifier;

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

/// The routes, apart from the server, so that they can be mounted elsewhere
/// (or in an `actix_web::test` service) next to a `web::Data<Verifier>`.
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(health).service(list_orders);
}

struct Config {
    issuer: String,
    audience: String,
    bind: String,
}

const USAGE: &str = "usage: resource_server [--issuer URL] [--audience URI] [--bind ADDR]
  (or TOLLGATE_ISSUER, API_AUDIENCE, BIND in the environment)";

impl Config {
    /// The environment, then the command line over it.
    fn load() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut issuer = var("TOLLGATE_ISSUER");
        let mut audience = var("API_AUDIENCE");
        let mut bind = var("BIND");
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let slot = match flag.as_str() {
                "--issuer" => &mut issuer,
                "--audience" => &mut audience,
                "--bind" => &mut bind,
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

    let verifier = web::Data::new(verifier);
    let server = HttpServer::new(move || App::new().app_data(verifier.clone()).configure(routes))
        .bind(config.bind.as_str())?;
    for addr in server.addrs() {
        println!("listening on http://{addr}");
    }
    server.run().await
}
