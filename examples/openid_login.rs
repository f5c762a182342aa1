//! A Rust app that signs its users in with Tollgate through OpenID Connect,
//! using the `openidconnect` crate: discovery, the authorization URL with
//! PKCE and a nonce, the code exchange, the id token verified against the
//! JWKS, the userinfo endpoint, and a refresh.
//!
//! `tollgate-verify` checks *access* tokens for APIs; it does not read id
//! tokens. An app that signs users in verifies id tokens with
//! `openidconnect` (or another certified relying-party library), as here.
//!
//! # Configuration
//!
//! | variable          | default                 | meaning |
//! |-------------------|-------------------------|---------|
//! | `TOLLGATE_ISSUER` | `http://127.0.0.1:8080` | Tollgate's issuer, exactly as in its discovery document |
//! | `CLIENT_ID`       | (required)              | the app's client id |
//! | `CLIENT_SECRET`   | (none: a public client) | the app's secret, if it is confidential |
//! | `REDIRECT_URI`    | `http://127.0.0.1:9001/callback` | registered redirect URI; the example listens on its host and port |
//!
//! # Running it by hand
//!
//! ```sh
//! # 1. Tollgate, on http://127.0.0.1:8080, with a user
//! cargo run --release -- serve
//! echo 'correct horse battery' | ./target/release/tollgate user create --username alice --password-stdin
//!
//! # 2. in another shell: the app's registration
//! ./target/release/tollgate client create --name example-login --json \
//!     --redirect-uri http://127.0.0.1:9001/callback \
//!     --grant-type authorization_code --grant-type refresh_token \
//!     --scope openid --scope profile --scope email
//! # {"client_id":"ID","client_secret":"SECRET",…}
//!
//! # 3. this app: it prints a URL to open in a browser, then waits for the redirect
//! CLIENT_ID=ID CLIENT_SECRET=SECRET cargo run --example openid_login
//! ```

use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType, CoreUserInfoClaims};
use openidconnect::{
    AccessTokenHash, AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let issuer = IssuerUrl::new(env_or("TOLLGATE_ISSUER", "http://127.0.0.1:8080"))?;
    let client_id = ClientId::new(std::env::var("CLIENT_ID").map_err(|_| "set CLIENT_ID")?);
    let client_secret = std::env::var("CLIENT_SECRET").ok().map(ClientSecret::new);
    let redirect = RedirectUrl::new(env_or("REDIRECT_URI", "http://127.0.0.1:9001/callback"))?;

    // Never follow redirects: a redirect from the provider could point the
    // client at another host (openidconnect's own advice, against SSRF).
    let http = openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()?;

    // 1. Discovery: {issuer}/.well-known/openid-configuration, then the JWKS
    //    it names. The crate checks that the document's issuer is ours.
    let provider = CoreProviderMetadata::discover_async(issuer.clone(), &http).await?;
    let client = CoreClient::from_provider_metadata(provider, client_id, client_secret)
        .set_redirect_uri(redirect.clone());

    // 2. The authorization URL: code flow, PKCE S256 (Tollgate requires it),
    //    `state` against CSRF and `nonce` against id token replay.
    let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(pkce_challenge)
        .url();
    println!("Open this URL in a browser and sign in:\n\n{authorize_url}\n");

    // 3. The redirect back: check `state` (and `iss`, RFC 9207) before using the code.
    let callback = receive_callback(&redirect).await?;
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        return Err(format!("authorization refused: {error}").into());
    }
    if param("state").as_deref() != Some(state.secret().as_str()) {
        return Err("the state does not match: not our request".into());
    }
    if param("iss").as_deref() != Some(issuer.as_str()) {
        return Err("the response names another issuer".into());
    }
    let code = AuthorizationCode::new(param("code").ok_or("no code in the redirect")?);

    // 4. The code exchange, with the PKCE verifier.
    let tokens = client
        .exchange_code(code)?
        .set_pkce_verifier(pkce_verifier)
        .request_async(&http)
        .await?;

    // 5. The id token: signature with a key of the JWKS (algorithm pinned to
    //    the key), `iss`, `aud` (this client), `exp`, the nonce; then
    //    `at_hash`, which binds the access token to it.
    let id_token = tokens.id_token().ok_or("no id token: was `openid` granted?")?;
    let verifier = client.id_token_verifier();
    let claims = id_token.claims(&verifier, &nonce)?;
    if let Some(expected) = claims.access_token_hash() {
        let actual = AccessTokenHash::from_token(
            tokens.access_token(),
            id_token.signing_alg()?,
            id_token.signing_key(&verifier)?,
        )?;
        if actual != *expected {
            return Err("the access token does not match the id token's at_hash".into());
        }
    }
    println!("signed in: sub {}", claims.subject().as_str());

    // 6. Userinfo: the profile and email claims the granted scopes release.
    //    Passing the id token's subject makes the crate check they agree
    //    (Core §5.3.2).
    let userinfo: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), Some(claims.subject().clone()))?
        .request_async(&http)
        .await?;
    if let Some(username) = userinfo.preferred_username() {
        println!("preferred_username: {}", username.as_str());
    }
    if let Some(email) = userinfo.email() {
        println!(
            "email: {} (verified: {:?})",
            email.as_str(),
            userinfo.email_verified()
        );
    }

    // 7. Later, when the access token expires: a refresh (the old refresh
    //    token is then spent: Tollgate rotates them on every use).
    if let Some(refresh) = tokens.refresh_token() {
        let refreshed = client
            .exchange_refresh_token(refresh)?
            .request_async(&http)
            .await?;
        println!(
            "refreshed: a new access token, expiring in {:?}",
            refreshed.expires_in()
        );
    }
    Ok(())
}

/// Waits for the browser's redirect to `redirect` and answers it; returns
/// the URL it asked for.
async fn receive_callback(redirect: &RedirectUrl) -> Result<url::Url, Error> {
    let url = redirect.url();
    let host = url.host_str().ok_or("the redirect URI has no host")?;
    let port = url
        .port_or_known_default()
        .ok_or("the redirect URI has no port")?;
    let listener = TcpListener::bind((host, port)).await?;
    loop {
        let (mut stream, _) = listener.accept().await?;
        let (read, mut write) = stream.split();
        let mut request_line = String::new();
        BufReader::new(read).read_line(&mut request_line).await?;
        let target = request_line.split_whitespace().nth(1).unwrap_or("/");
        let called = url.join(target)?;
        let page = "You may close this window and return to the terminal.";
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
            page.len()
        );
        write.write_all(response.as_bytes()).await?;
        // Browsers also ask for /favicon.ico: wait for the callback itself.
        if called.path() == url.path() {
            return Ok(called);
        }
    }
}
