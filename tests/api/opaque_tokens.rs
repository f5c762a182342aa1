//! Opaque access tokens ("opaque outside, JWT inside"): a client an
//! operator set to `--access-token-format opaque` is handed random
//! references that only this server reads; introspection, userinfo,
//! revocation and the gateway check accept them, and the check hands
//! services an internal JWT made from their claims.

use crate::browser::{authorize_path, Agent, PASSWORD, REDIRECT};
use crate::gateway::{check_at, time_until_refused};
use crate::helpers::{claims_of, spawn_app, TestApp, TestClient};
use crate::logout_support::{log_out, signed_in};

/// A confidential client allowed client credentials (`read write`), given
/// opaque access tokens.
fn opaque_service(app: &TestApp) -> TestClient {
    app.create_client(&[
        "--grant-type",
        "client_credentials",
        "--scope",
        "read",
        "--scope",
        "write",
        "--access-token-format",
        "opaque",
    ])
}

fn is_opaque(token: &str) -> bool {
    !token.contains('.') && token.len() == 43
}

#[tokio::test]
async fn a_client_set_to_opaque_gets_a_random_reference_and_not_a_jwt() {
    let app = spawn_app().await;
    let client = opaque_service(&app);
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials"), ("scope", "read")],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    let token = answer.body["access_token"].as_str().unwrap();
    assert!(is_opaque(token), "{token}");
    let other = app.client_credentials_token(&client, Some("read")).await;
    assert_ne!(other, token, "each token is a fresh random value");
    // Only its hash is stored.
    let stored = app
        .database()
        .run_sync(|conn| {
            use diesel::prelude::*;
            use tollgate::storage::schema::opaque_tokens::dsl as o;
            o::opaque_tokens.select(o::token_hash).load::<String>(conn)
        })
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(!stored.iter().any(|h| h == token));
}

#[tokio::test]
async fn introspection_describes_an_opaque_token_with_its_claims() {
    let app = spawn_app().await;
    let client = opaque_service(&app);
    let token = app.client_credentials_token(&client, Some("read write")).await;
    let described = app.introspect(&token, &app.service_client()).await;
    assert_eq!(described["active"], true, "{described}");
    assert_eq!(described["client_id"], client.id);
    assert_eq!(described["sub"], client.id);
    assert_eq!(described["scope"], "read write");
    assert_eq!(described["aud"], app.settings.issuer);
    assert!(described["exp"].as_i64().unwrap() > described["iat"].as_i64().unwrap());
}

#[tokio::test]
async fn the_gateway_check_passes_an_opaque_token_with_an_internal_jwt_from_its_claims() {
    let app = spawn_app().await;
    let client = opaque_service(&app);
    let token = app.client_credentials_token(&client, Some("read write")).await;
    let passed = check_at(&app.address, Some(&token), "scope=read", &[]).await;
    assert_eq!(passed.status, 200, "{}", passed.body);
    assert_eq!(passed.header("x-auth-subject"), Some(client.id.as_str()));
    assert_eq!(passed.header("x-auth-client-id"), Some(client.id.as_str()));
    assert_eq!(passed.header("x-auth-scope"), Some("read write"));
    let internal = passed.header("x-auth-token").expect("an internal token");
    assert_eq!(internal.split('.').count(), 3, "the internal token is a JWT");
    let inside = claims_of(internal);
    assert_eq!(inside["sub"], client.id);
    assert_eq!(inside["client_id"], client.id);
    assert_eq!(inside["scope"], "read write");
    assert_eq!(inside["aud"], app.settings.issuer);
    // Signed by this server: introspection, which verifies the signature,
    // finds it live.
    let described = app.introspect(internal, &app.service_client()).await;
    assert_eq!(described["active"], true, "{described}");
    assert_eq!(described["sub"], client.id);
}

#[tokio::test]
async fn a_revoked_opaque_token_introspects_inactive_and_is_refused_by_the_check() {
    let app = spawn_app().await;
    let client = opaque_service(&app);
    let token = app.client_credentials_token(&client, None).await;
    let introspector = app.service_client();
    assert_eq!(check_at(&app.address, Some(&token), "", &[]).await.status, 200);
    assert_eq!(app.revoke(&token, &client).await.status, 200);
    assert_eq!(app.introspect(&token, &introspector).await["active"], false);
    assert!(time_until_refused(&app.address, &token).await.is_some());
    let refused = check_at(&app.address, Some(&token), "", &[]).await;
    assert!(refused
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));
}

#[tokio::test]
async fn another_client_cannot_revoke_an_opaque_token() {
    let app = spawn_app().await;
    let client = opaque_service(&app);
    let token = app.client_credentials_token(&client, None).await;
    let other = app.service_client();
    assert_eq!(app.revoke(&token, &other).await.status, 200);
    assert_eq!(app.introspect(&token, &other).await["active"], true);
}

#[tokio::test]
async fn logout_kills_an_opaque_token_from_the_code_flow() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "profile",
        "--access-token-format",
        "opaque",
    ]);
    let agent = signed_in(&app, "alice").await;
    let token = code_flow_token(&app, &agent, &client).await;
    assert!(is_opaque(&token), "{token}");
    let introspector = app.service_client();
    let described = app.introspect(&token, &introspector).await;
    assert_eq!(described["active"], true, "{described}");
    let passed = check_at(&app.address, Some(&token), "", &[]).await;
    assert_eq!(passed.status, 200);
    assert!(passed.header("x-auth-session").is_some());
    assert_eq!(
        claims_of(passed.header("x-auth-token").unwrap())["sid"],
        passed.header("x-auth-session").unwrap()
    );
    log_out(&agent).await;
    assert_eq!(app.introspect(&token, &introspector).await["active"], false);
    assert!(time_until_refused(&app.address, &token).await.is_some());
}

#[tokio::test]
async fn userinfo_and_refresh_work_for_a_client_set_to_opaque() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let client = app.create_client(&[
        "--trusted",
        "--grant-type",
        "password",
        "--grant-type",
        "refresh_token",
        "--scope",
        "openid",
        "--scope",
        "profile",
        "--access-token-format",
        "opaque",
    ]);
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD),
        ("scope", "openid profile"),
    ];
    let issued = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let token = issued.body["access_token"].as_str().unwrap();
    assert!(is_opaque(token));
    let info = app
        .http
        .get(app.url("/oauth2/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let info: serde_json::Value = info.json().await.unwrap();
    assert_eq!(
        info["sub"],
        claims_of(issued.body["id_token"].as_str().unwrap())["sub"]
    );
    let refresh = issued.body["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let refreshed = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert!(is_opaque(refreshed.body["access_token"].as_str().unwrap()));
}

#[tokio::test]
async fn a_jwt_client_keeps_getting_jwts() {
    let app = spawn_app().await;
    opaque_service(&app);
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    assert_eq!(token.split('.').count(), 3);
    assert_eq!(claims_of(&token)["client_id"], client.id);
}

#[tokio::test]
async fn an_unknown_opaque_looking_token_is_inactive_and_refused_never_a_server_error() {
    let app = spawn_app().await;
    let introspector = app.service_client();
    let long = "A".repeat(100);
    for token in [
        "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE",
        "x",
        long.as_str(),
        "no-such-token_0123456789",
    ] {
        assert_eq!(
            app.introspect(token, &introspector).await["active"],
            false,
            "{token}"
        );
        let refused = check_at(&app.address, Some(token), "", &[]).await;
        assert_eq!(refused.status, 401, "{token}");
        let info = app
            .http
            .get(app.url("/oauth2/userinfo"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(info.status(), 401, "{token}");
        assert_eq!(app.revoke(token, &introspector).await.status, 200);
    }
}

#[tokio::test]
async fn an_expired_opaque_token_is_inactive() {
    let app = crate::helpers::spawn_app_with_clock(crate::helpers::TestDb::new(), |_| {}).await;
    let client = opaque_service(&app);
    let token = app.client_credentials_token(&client, None).await;
    let introspector = app.service_client();
    assert_eq!(app.introspect(&token, &introspector).await["active"], true);
    app.clock.advance(std::time::Duration::from_secs(
        app.settings.access_token_ttl as u64,
    ));
    assert_eq!(app.introspect(&token, &introspector).await["active"], false);
    assert_eq!(check_at(&app.address, Some(&token), "", &[]).await.status, 401);
}

#[tokio::test]
async fn the_cli_sets_the_access_token_format_and_lists_it() {
    let app = spawn_app().await;
    let client = app.service_client();
    let out = app.cli(
        &[
            "client",
            "update",
            "--client-id",
            &client.id,
            "--access-token-format",
            "opaque",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let listed = app.cli(&["client", "list", "--json"], None);
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == client.id)
        .unwrap();
    assert_eq!(entry["access_token_format"], "opaque");
    // The server had not read this client yet: its first token is opaque.
    assert!(is_opaque(&app.client_credentials_token(&client, None).await));
    let bad = app.cli(
        &[
            "client",
            "update",
            "--client-id",
            &client.id,
            "--access-token-format",
            "paseto",
        ],
        None,
    );
    assert_ne!(bad.code, 0);
    let nothing = app.cli(&["client", "update", "--client-id", &client.id], None);
    assert_ne!(nothing.code, 0);
    assert!(nothing.stderr.contains("nothing to change"), "{}", nothing.stderr);
}

/// An access token for `client` through the consent page (no id token).
async fn code_flow_token(app: &TestApp, agent: &Agent<'_>, client: &TestClient) -> String {
    let (path, verifier) = authorize_path(client, &[("scope", "profile")]);
    let consent = agent.get(&path).await;
    let answer = if consent.status == 200 {
        agent.decide(&consent, "approve").await
    } else {
        consent
    };
    let code = answer.query_param("code").expect("a code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.secret()),
    ];
    let tokens = app.post_form("/oauth2/token", &form, Some(client)).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    tokens.body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_opaque_token_can_be_exchanged_and_a_client_set_to_opaque_exchanges_into_one() {
    use crate::gateway_exchange::{allow, exchange, NEXT};
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let first_party = app.create_client(&[
        "--trusted",
        "--grant-type",
        "password",
        "--scope",
        "profile",
        "--access-token-format",
        "opaque",
    ]);
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD),
    ];
    let issued = app.post_form("/oauth2/token", &form, Some(&first_party)).await;
    let token = issued.body["access_token"].as_str().unwrap();
    assert!(is_opaque(token));
    // A JWT service exchanges the opaque token: a JWT for the next service.
    let service_a = crate::gateway_exchange::service(&app);
    allow(&app, &service_a, NEXT);
    let answer = exchange(&app, &service_a, token, &[("audience", NEXT)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let exchanged = claims_of(answer.body["access_token"].as_str().unwrap());
    assert_eq!(exchanged["aud"], NEXT);
    assert_eq!(exchanged["scope"], "profile");
    assert_eq!(exchanged["act"]["sub"], service_a.id);
    // An opaque service exchanging it gets an opaque token with the same claims.
    let service_b = opaque_service(&app);
    allow(&app, &service_b, NEXT);
    let answer = exchange(&app, &service_b, token, &[("audience", NEXT)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let opaque = answer.body["access_token"].as_str().unwrap();
    assert!(is_opaque(opaque), "{opaque}");
    let next = app.create_client(&["--grant-type", "client_credentials", "--introspect-for", NEXT]);
    let described = app.introspect(opaque, &next).await;
    assert_eq!(described["active"], true, "{described}");
    assert_eq!(described["sub"], exchanged["sub"]);
    assert_eq!(described["client_id"], service_b.id);
}

#[tokio::test]
async fn purge_deletes_expired_opaque_tokens_and_keeps_live_ones() {
    use tollgate::storage::opaque_tokens::{self as stored, OpaqueRow};
    let app = spawn_app().await;
    let client = opaque_service(&app);
    let now = tollgate::domain::Clock::system().now();
    let row = |hash: &str, expires_at: i64| OpaqueRow {
        token_hash: hash.into(),
        jti: format!("jti-{hash}"),
        client_id: client.id.clone(),
        claims: "{}".into(),
        expires_at,
    };
    let (expired, alive) = (row("expired", now - 60), row("alive", now + 600));
    app.database()
        .run_sync(move |c| {
            stored::insert(c, &expired)?;
            stored::insert(c, &alive)
        })
        .unwrap();
    let out = app.cli(&["purge"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.lines().any(|l| l == "opaque_tokens\t1"),
        "{}",
        out.stdout
    );
    let left = app
        .database()
        .run_sync(|c| stored::by_hash(c, "expired"))
        .unwrap();
    assert!(left.is_none());
    let kept = app.database().run_sync(|c| stored::by_hash(c, "alive")).unwrap();
    assert!(kept.is_some());
}
