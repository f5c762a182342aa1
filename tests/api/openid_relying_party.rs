//! The whole OpenID Connect journey as an unmodified relying-party library
//! (the `openidconnect` crate) lives it: discovery, a sign-in with
//! `openid profile email`, the id token verified with the JWKS, userinfo,
//! a refresh, then RP-initiated logout that reaches the app's back-channel
//! endpoint too.

use crate::browser::{Agent, PASSWORD, REDIRECT};
use crate::helpers::TestApp;
use crate::logout_support::{spawn_logout_app, verified_logout_token, Listener};
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType, CoreUserInfoClaims};
use openidconnect::{
    AccessTokenHash, AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use std::time::Duration;

const POST_LOGOUT: &str = "https://app.example/signed-out";

fn http() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A user with a profile, signed in at Tollgate in `agent`'s browser.
async fn alice(app: &TestApp) -> Agent<'_> {
    app.create_user("alice", PASSWORD);
    app.cli(
        &[
            "user",
            "update",
            "--username",
            "alice",
            "--name",
            "Alice Liddell",
            "--email",
            "alice@example.com",
            "--email-verified",
            "true",
        ],
        None,
    );
    let agent = Agent::new(app);
    assert_eq!(agent.sign_in("alice", PASSWORD, "/account").await.status, 303);
    agent
}

#[tokio::test]
async fn an_openid_connect_library_signs_a_user_in_reads_userinfo_refreshes_and_logs_out() {
    let app = spawn_logout_app().await;
    let mut backchannel = Listener::start().await;
    let rp = app.create_named_client(
        "Notes",
        &[
            "--redirect-uri",
            REDIRECT,
            "--scope",
            "openid",
            "--scope",
            "profile",
            "--scope",
            "email",
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "refresh_token",
            "--post-logout-redirect-uri",
            POST_LOGOUT,
            "--backchannel-logout-uri",
            &backchannel.uri("/backchannel"),
        ],
    );
    let agent = alice(&app).await;
    let http = http();

    // Discovery, as the library does it.
    let issuer = IssuerUrl::new(app.address.clone()).unwrap();
    let provider = CoreProviderMetadata::discover_async(issuer.clone(), &http)
        .await
        .expect("the discovery document satisfies the library");
    let client = CoreClient::from_provider_metadata(
        provider,
        ClientId::new(rp.id.clone()),
        rp.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.to_string()).unwrap());

    // The authorization request the library builds: code, PKCE, nonce.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let consent = agent.get(url.as_str()).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(
        consent.body.contains("See your email address"),
        "{}",
        consent.body
    );
    let back = agent.decide(&consent, "approve").await;
    assert_eq!(
        back.query_param("state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(back.query_param("iss").as_deref(), Some(issuer.as_str()));
    let code = back.query_param("code").expect("a code");

    // The code exchange and the id token, verified by the library: the
    // signature against the JWKS, iss, aud, exp, nonce; then at_hash.
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the code is redeemed");
    let id_token = tokens.id_token().expect("an id token beside the access token");
    let id_verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("the library accepts the id token");
    let at_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
    let sub = claims.subject().clone();
    assert!(claims.auth_time().is_some());

    // Userinfo: the claims the scopes release, for the same subject.
    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), Some(sub.clone()))
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo answers");
    assert_eq!(info.preferred_username().unwrap().as_str(), "alice");
    assert_eq!(info.email().unwrap().as_str(), "alice@example.com");
    assert_eq!(info.email_verified(), Some(true));
    assert_eq!(
        info.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
        Some("Alice Liddell")
    );

    // A refresh: a new id token for the same subject and sign-in.
    let refreshed = client
        .exchange_refresh_token(tokens.refresh_token().expect("a refresh token"))
        .unwrap()
        .request_async(&http)
        .await
        .expect("the refresh succeeds");
    let renewed = refreshed
        .id_token()
        .expect("a fresh id token")
        .claims(&id_verifier, |_: Option<&Nonce>| Ok(()))
        .expect("the library accepts the refreshed id token");
    assert_eq!(renewed.subject(), &sub);
    assert_eq!(renewed.auth_time(), claims.auth_time());

    // RP-initiated logout with the id token as hint: a confirmation page,
    // then back to the app with its state; the app's back channel hears of it.
    let mut logout = url::Url::parse(&app.url("/oauth2/logout")).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", &id_token.to_string())
        .append_pair("post_logout_redirect_uri", POST_LOGOUT)
        .append_pair("state", "bye");
    let confirm = agent.get(logout.as_str()).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("Notes"), "{}", confirm.body);
    let form: Vec<(String, String)> = [
        "csrf_token",
        "id_token_hint",
        "client_id",
        "post_logout_redirect_uri",
        "state",
    ]
    .iter()
    .filter(|name| confirm.body.contains(&format!("name=\"{name}\"")))
    .map(|name| (name.to_string(), confirm.hidden(name)))
    .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let done = agent.post("/oauth2/logout", &form).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let landed = done.location_url();
    assert_eq!(
        format!(
            "{}://{}{}",
            landed.scheme(),
            landed.host_str().unwrap(),
            landed.path()
        ),
        POST_LOGOUT
    );
    assert_eq!(done.query_param("state").as_deref(), Some("bye"));

    let (_, logout_token) = backchannel
        .next(Duration::from_secs(5))
        .await
        .expect("a logout token reaches the app");
    let (_, logout_claims) = verified_logout_token(&app, &logout_token, &rp.id).await;
    assert_eq!(logout_claims["sub"], sub.as_str());
    let session = crate::helpers::claims_of(tokens.access_token().secret())["sid"].clone();
    assert_eq!(
        logout_claims["sid"], session,
        "the session the app signed in with"
    );

    // The refresh token the library holds is dead with the session.
    let refused = client
        .exchange_refresh_token(refreshed.refresh_token().unwrap())
        .unwrap()
        .request_async(&http)
        .await;
    assert!(refused.is_err(), "the session's refresh tokens are revoked");
}
