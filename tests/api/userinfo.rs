//! The userinfo endpoint (OpenID Connect Core §5.3): claims by scope, the
//! subject a pairwise client sees, and RFC 6750's errors.

use crate::browser::{Agent, PASSWORD, REDIRECT};
use crate::helpers::{answer, spawn_app, Answer, TestApp, TestClient, TestDb};
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use oauth2::PkceCodeChallenge;
use serde_json::json;
use tollgate::storage::schema;

const USERINFO: &str = "/oauth2/userinfo";

/// A trusted app that may use the password grant, with the OpenID scopes.
fn oidc_client(app: &TestApp) -> TestClient {
    app.create_client(&[
        "--trusted",
        "--grant-type",
        "password",
        "--scope",
        "openid",
        "--scope",
        "profile",
        "--scope",
        "email",
    ])
}

/// Creates `alice` with a full profile, written through the storage layer;
/// returns her id.
fn alice_with_profile(app: &TestApp) -> String {
    let id = app.create_user("alice", PASSWORD);
    let user = id.clone();
    app.database()
        .run_sync(move |conn| {
            use schema::users::dsl as u;
            diesel::update(u::users.find(user))
                .set((
                    u::name.eq(Some("Alice Liddell")),
                    u::given_name.eq(Some("Alice")),
                    u::family_name.eq(Some("Liddell")),
                    u::email.eq(Some("alice@example.com")),
                    u::email_verified.eq(true),
                    u::updated_at.eq(1_700_000_000i64),
                ))
                .execute(conn)
        })
        .unwrap();
    id
}

/// An access token for `alice` through the password grant, with `scope`.
async fn token_for(app: &TestApp, client: &TestClient, scope: &str) -> String {
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD),
        ("scope", scope),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(client)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["access_token"].as_str().unwrap().to_string()
}

async fn get_userinfo(app: &TestApp, token: &str) -> Answer {
    answer(
        app.http
            .get(app.url(USERINFO))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Checks an RFC 6750 §3 refusal: status, the challenge's error code, the
/// body's, and that it is not cached.
fn assert_refused(answer: &Answer, status: u16, error: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.error(), error, "{}", answer.body);
    let challenge = answer.header("www-authenticate").expect("a challenge");
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains(&format!("error=\"{error}\"")),
        "{challenge}"
    );
    assert_eq!(answer.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn profile_and_email_scopes_release_the_users_claims_and_sub() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    let alice = alice_with_profile(&app);
    let token = token_for(&app, &client, "openid profile email").await;
    let info = get_userinfo(&app, &token).await;
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(
        info.body,
        json!({
            "sub": alice,
            "name": "Alice Liddell",
            "given_name": "Alice",
            "family_name": "Liddell",
            "preferred_username": "alice",
            "updated_at": 1_700_000_000,
            "email": "alice@example.com",
            "email_verified": true,
        })
    );
    assert_eq!(info.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn openid_alone_releases_only_sub() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    let alice = alice_with_profile(&app);
    let token = token_for(&app, &client, "openid").await;
    assert_eq!(get_userinfo(&app, &token).await.body, json!({ "sub": alice }));
}

#[tokio::test]
async fn the_email_scope_releases_the_address_but_no_profile_claims() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    let alice = alice_with_profile(&app);
    let token = token_for(&app, &client, "openid email").await;
    assert_eq!(
        get_userinfo(&app, &token).await.body,
        json!({ "sub": alice, "email": "alice@example.com", "email_verified": true })
    );
}

#[tokio::test]
async fn profile_claims_without_a_value_are_left_out() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    app.create_user("alice", PASSWORD);
    let token = token_for(&app, &client, "openid profile email").await;
    let info = get_userinfo(&app, &token).await.body;
    let mut names: Vec<&str> = info.as_object().unwrap().keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["preferred_username", "sub", "updated_at"], "{info}");
}

#[tokio::test]
async fn a_post_with_the_token_in_the_form_body_is_answered() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    let alice = alice_with_profile(&app);
    let token = token_for(&app, &client, "openid").await;
    let info = app
        .post_form(USERINFO, &[("access_token", token.as_str())], None)
        .await;
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(info.body["sub"], alice.as_str());
    assert_eq!(info.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_post_with_the_token_in_the_header_and_no_body_is_answered() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    alice_with_profile(&app);
    let token = token_for(&app, &client, "openid").await;
    let response = app
        .http
        .post(app.url(USERINFO))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer(response).await.status, 200);
}

#[tokio::test]
async fn the_openidconnect_crate_reads_userinfo() {
    use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreUserInfoClaims};
    use openidconnect::{AccessToken, ClientId, IssuerUrl};
    let app = spawn_app().await;
    let client = oidc_client(&app);
    let alice = alice_with_profile(&app);
    let token = token_for(&app, &client, "openid profile email").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let issuer = IssuerUrl::new(app.settings.issuer.clone()).unwrap();
    let provider = CoreProviderMetadata::discover_async(issuer, &http).await.unwrap();
    let rp = CoreClient::from_provider_metadata(provider, ClientId::new(client.id.clone()), None);
    let claims: CoreUserInfoClaims = rp
        .user_info(AccessToken::new(token), None)
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(claims.subject().as_str(), alice);
    assert_eq!(claims.preferred_username().unwrap().as_str(), "alice");
    assert_eq!(claims.email().unwrap().as_str(), "alice@example.com");
    assert_eq!(claims.email_verified(), Some(true));
}

#[tokio::test]
async fn a_request_without_a_token_gets_a_bare_bearer_challenge() {
    let app = spawn_app().await;
    let refused = answer(app.http.get(app.url(USERINFO)).send().await.unwrap()).await;
    assert_eq!(refused.status, 401);
    let challenge = refused.header("www-authenticate").unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(
        !challenge.contains("error="),
        "RFC 6750 §3.1: no error code without credentials"
    );
    assert_eq!(refused.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_malformed_or_foreign_token_is_an_invalid_token() {
    let app = spawn_app().await;
    let elsewhere = spawn_app().await;
    let foreign_client = oidc_client(&elsewhere);
    alice_with_profile(&elsewhere);
    let foreign = token_for(&elsewhere, &foreign_client, "openid").await;
    for bad in ["not-a-jwt", "a.b.c", foreign.as_str()] {
        assert_refused(&get_userinfo(&app, bad).await, 401, "invalid_token");
    }
}

#[tokio::test]
async fn an_expired_token_is_an_invalid_token() {
    let app = crate::helpers::spawn_app_with_clock(TestDb::new(), |s| s.access_token_ttl = 1).await;
    let client = oidc_client(&app);
    alice_with_profile(&app);
    let token = token_for(&app, &client, "openid").await;
    app.clock.advance(std::time::Duration::from_secs(3));
    assert_refused(&get_userinfo(&app, &token).await, 401, "invalid_token");
}

#[tokio::test]
async fn a_revoked_token_is_an_invalid_token() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    alice_with_profile(&app);
    let token = token_for(&app, &client, "openid").await;
    assert_eq!(get_userinfo(&app, &token).await.status, 200);
    assert_eq!(app.revoke(&token, &client).await.status, 200);
    assert_refused(&get_userinfo(&app, &token).await, 401, "invalid_token");
}

#[tokio::test]
async fn a_suspended_users_token_is_an_invalid_token() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    alice_with_profile(&app);
    let token = token_for(&app, &client, "openid").await;
    let out = app.cli(&["user", "suspend", "--username", "alice"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_refused(&get_userinfo(&app, &token).await, 401, "invalid_token");
}

#[tokio::test]
async fn a_token_whose_session_was_logged_out_is_an_invalid_token() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "openid",
        "--scope",
        "profile",
    ]);
    alice_with_profile(&app);
    let agent = Agent::new(&app);
    let signed_in = agent.sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "openid profile")
        .append_pair("state", "s1")
        .append_pair("nonce", "n1")
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256");
    let consent = agent.get(&format!("/oauth2/authorize?{}", query.finish())).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let code = agent
        .decide(&consent, "approve")
        .await
        .query_param("code")
        .unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.secret()),
    ];
    let tokens = app.post_form("/oauth2/token", &form, Some(&client)).await;
    let token = tokens.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(get_userinfo(&app, &token).await.status, 200);

    let account = agent.get("/account").await;
    let out = agent
        .post("/logout", &[("csrf_token", &account.hidden("csrf_token"))])
        .await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_refused(&get_userinfo(&app, &token).await, 401, "invalid_token");
}

#[tokio::test]
async fn a_token_without_openid_is_refused_for_insufficient_scope() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    alice_with_profile(&app);
    let token = token_for(&app, &client, "profile email").await;
    let refused = get_userinfo(&app, &token).await;
    assert_refused(&refused, 403, "insufficient_scope");
    assert!(refused
        .header("www-authenticate")
        .unwrap()
        .contains("scope=\"openid\""));
}

#[tokio::test]
async fn a_clients_own_token_names_no_user_and_is_an_invalid_token() {
    let app = spawn_app().await;
    let service = app.service_client();
    let token = app.client_credentials_token(&service, Some("read")).await;
    assert_refused(&get_userinfo(&app, &token).await, 401, "invalid_token");
}

#[tokio::test]
async fn a_token_in_the_query_string_is_refused() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    alice_with_profile(&app);
    let token = token_for(&app, &client, "openid").await;
    let url = format!("{}?access_token={token}", app.url(USERINFO));
    let refused = answer(app.http.get(url).send().await.unwrap()).await;
    assert_refused(&refused, 400, "invalid_request");
}

#[tokio::test]
async fn a_token_in_both_the_header_and_the_body_is_an_invalid_request() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    alice_with_profile(&app);
    let token = token_for(&app, &client, "openid").await;
    let response = app
        .http
        .post(app.url(USERINFO))
        .bearer_auth(&token)
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_refused(&answer(response).await, 400, "invalid_request");
}

#[tokio::test]
async fn other_methods_are_not_allowed() {
    let app = spawn_app().await;
    let response = app.http.delete(app.url(USERINFO)).send().await.unwrap();
    let refused = answer(response).await;
    assert_eq!(refused.status, 405);
    assert_eq!(refused.header("allow"), Some("GET, POST"));
}

/// Makes `client` a pairwise client of `sector`, as a registration that
/// asks for `subject_type=pairwise` stores it. Done before the server has
/// read the client, so no cache holds the old settings.
fn make_pairwise(app: &TestApp, client: &TestClient, sector: &str) {
    let (id, sector) = (client.id.clone(), sector.to_string());
    app.database()
        .run_sync(move |conn| {
            use schema::clients::dsl as c;
            diesel::update(c::clients.find(id))
                .set((
                    c::subject_type.eq("pairwise"),
                    c::sector_identifier.eq(Some(sector)),
                ))
                .execute(conn)
        })
        .unwrap();
}

/// The access token a grant issues to a pairwise client for `user_id`,
/// signed with the server's key: its `sub` is the pairwise subject the
/// client sees (Core §8.1), no longer the user's id.
async fn pairwise_token(app: &TestApp, client: &TestClient, user_id: &str, scope: &str) -> String {
    let sub = subject_seen_by(app, client, user_id).await;
    assert_ne!(sub, user_id, "a pairwise client never sees the user's id");
    sign_access(app, client, &sub, scope).await
}

/// The `sub` `client` sees for `user_id`.
async fn subject_seen_by(app: &TestApp, client: &TestClient, user_id: &str) -> String {
    let ctx = context(app);
    let registered = ctx.clients.get(&client.id).await.unwrap().unwrap();
    tollgate::oauth::openid::subject::for_client(&ctx, &registered, user_id)
        .await
        .unwrap()
}

/// An access token for `client` naming `sub`, signed as the grants sign them.
async fn sign_access(app: &TestApp, client: &TestClient, sub: &str, scope: &str) -> String {
    use tollgate::oauth::tokens;
    let scope = tollgate::domain::ScopeSet::parse(scope).unwrap();
    let grant = tokens::Grant {
        sub,
        client_id: &client.id,
        scope: &scope,
        aud: &app.settings.issuer,
        sid: None,
        roles: &[],
        act: None,
        origin_jti: None,
    };
    tokens::issue_access(&context(app), &grant).await.unwrap().token
}

/// The protocol's context over the test's database, as the server builds it.
fn context(app: &TestApp) -> tollgate::oauth::Context {
    tollgate::oauth::Context::new(
        tollgate::startup::protocol_settings(&app.settings),
        app.database(),
    )
}

#[tokio::test]
async fn a_pairwise_client_sees_the_same_sub_in_userinfo_as_in_its_access_token() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    make_pairwise(&app, &client, "app.example");
    let alice = alice_with_profile(&app);
    let token = pairwise_token(&app, &client, &alice, "openid profile").await;
    let info = get_userinfo(&app, &token).await;
    assert_eq!(info.status, 200, "{}", info.body);
    let token_sub = crate::helpers::claims_of(&token)["sub"].clone();
    assert_eq!(info.body["sub"], token_sub);
    assert_ne!(info.body["sub"], alice.as_str());
    assert_eq!(info.body["preferred_username"], "alice");
}

#[tokio::test]
async fn introspection_of_a_pairwise_clients_token_still_sees_the_users_suspension() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    make_pairwise(&app, &client, "app.example");
    let alice = alice_with_profile(&app);
    let token = pairwise_token(&app, &client, &alice, "openid").await;
    let live = app.introspect(&token, &client).await;
    assert_eq!(live["active"], true, "{live}");
    assert_eq!(
        live["sub"],
        crate::helpers::claims_of(&token)["sub"],
        "sub as issued"
    );
    let out = app.cli(&["user", "suspend", "--username", "alice"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(app.introspect(&token, &client).await["active"], false);
    assert_refused(&get_userinfo(&app, &token).await, 401, "invalid_token");
}

#[tokio::test]
async fn a_pairwise_subject_of_another_sector_names_nobody_for_this_client() {
    let app = spawn_app().await;
    let client = oidc_client(&app);
    let other = oidc_client(&app);
    make_pairwise(&app, &client, "app.example");
    make_pairwise(&app, &other, "other.example");
    let alice = alice_with_profile(&app);
    let others_sub = subject_seen_by(&app, &other, &alice).await;
    let token = sign_access(&app, &client, &others_sub, "openid").await;
    assert_eq!(app.introspect(&token, &client).await["active"], false);
    assert_refused(&get_userinfo(&app, &token).await, 401, "invalid_token");
}

#[tokio::test]
async fn hostile_requests_get_an_rfc6750_invalid_request_and_never_a_5xx() {
    let app = spawn_app().await;
    let post = |content_type: Option<&str>, body: Vec<u8>| {
        let mut request = app.http.post(app.url(USERINFO)).body(body);
        if let Some(t) = content_type {
            request = request.header("Content-Type", t);
        }
        request.send()
    };
    let form = Some("application/x-www-form-urlencoded");
    let cases = [
        (
            "a JSON body",
            post(Some("application/json"), br#"{"access_token":"x"}"#.to_vec()),
        ),
        ("a body without a type", post(None, b"access_token=x".to_vec())),
        (
            "a megabyte body",
            post(form, format!("access_token={}", "a".repeat(1 << 20)).into_bytes()),
        ),
        (
            "a repeated parameter",
            post(form, b"access_token=a&access_token=b".to_vec()),
        ),
        (
            "bytes that are not UTF-8",
            post(form, b"access_token=%FF%FE".to_vec()),
        ),
    ];
    for (what, sent) in cases {
        let refused = answer(sent.await.unwrap()).await;
        assert_refused(&refused, 400, "invalid_request");
        assert!(refused.body["error_description"].is_string(), "{what}");
    }
    let two_headers = app
        .http
        .get(app.url(USERINFO))
        .header("Authorization", "Bearer a")
        .header("Authorization", "Bearer b")
        .send();
    assert_refused(&answer(two_headers.await.unwrap()).await, 400, "invalid_request");
    let not_utf8 = app
        .http
        .get(app.url(USERINFO))
        .header(
            "Authorization",
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
        )
        .send();
    assert_refused(&answer(not_utf8.await.unwrap()).await, 400, "invalid_request");
    let huge = app
        .http
        .get(app.url(USERINFO))
        .bearer_auth("a".repeat(16_000))
        .send();
    assert_refused(&answer(huge.await.unwrap()).await, 401, "invalid_token");
}

#[tokio::test]
async fn a_pairwise_clients_refresh_token_introspects_with_its_pairwise_sub() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--trusted",
        "--grant-type",
        "password",
        "--grant-type",
        "refresh_token",
        "--scope",
        "openid",
    ]);
    make_pairwise(&app, &client, "app.example");
    let alice = alice_with_profile(&app);
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD),
        ("scope", "openid"),
    ];
    let issued = app.post_form("/oauth2/token", &form, Some(&client)).await;
    let refresh = issued.body["refresh_token"].as_str().unwrap();
    let described = app.introspect(refresh, &client).await;
    assert_eq!(described["active"], true, "{described}");
    assert_eq!(
        described["sub"],
        subject_seen_by(&app, &client, &alice).await.as_str()
    );
    assert_ne!(described["sub"], alice.as_str());
}

#[tokio::test]
async fn a_token_issued_for_another_api_is_not_accepted() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let client = app.create_client(&[
        "--trusted",
        "--grant-type",
        "password",
        "--scope",
        "openid",
        "--resource",
        "https://api.example",
    ]);
    let issued = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", PASSWORD),
                ("scope", "openid"),
                ("resource", "https://api.example"),
            ],
            Some(&client),
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let token = issued.body["access_token"].as_str().unwrap();
    assert_eq!(crate::helpers::claims_of(token)["aud"], "https://api.example");
    assert_refused(&get_userinfo(&app, token).await, 401, "invalid_token");
}
