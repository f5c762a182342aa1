//! Token introspection (RFC 7662).

use crate::helpers::{spawn_app, TestDb};

#[tokio::test]
async fn a_live_access_token_is_described() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, Some("read")).await;
    let answer = app.introspect(&token, &client).await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["scope"], "read");
    assert_eq!(answer["client_id"], client.id.as_str());
    assert_eq!(answer["sub"], client.id.as_str());
    assert_eq!(answer["iss"], app.settings.issuer.as_str());
    assert_eq!(answer["aud"], app.settings.issuer.as_str());
    assert_eq!(answer["token_type"], "Bearer");
    assert!(answer["exp"].is_i64() && answer["iat"].is_i64());
}

#[tokio::test]
async fn an_expired_token_is_inactive() {
    let app = crate::helpers::spawn_app_with_clock(TestDb::new(), |s| s.access_token_ttl = 1).await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    app.clock.advance(std::time::Duration::from_secs(3));
    assert_eq!(
        app.introspect(&token, &client).await,
        serde_json::json!({ "active": false })
    );
}

#[tokio::test]
async fn unknown_malformed_and_tampered_tokens_are_inactive() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[1] = parts[1].chars().rev().collect();
    for bad in ["unknown", "a.b.c", "", &parts.join(".")] {
        let answer = app
            .post_form("/oauth2/introspect", &[("token", bad)], Some(&client))
            .await;
        if bad.is_empty() {
            assert_eq!(answer.error(), "invalid_request");
        } else {
            assert_eq!(answer.body, serde_json::json!({ "active": false }), "{bad}");
        }
    }
}

#[tokio::test]
async fn a_token_from_another_issuer_is_inactive() {
    let app = spawn_app().await;
    let elsewhere = spawn_app().await;
    let foreign_client = elsewhere.service_client();
    let foreign = elsewhere.client_credentials_token(&foreign_client, None).await;
    let client = app.service_client();
    assert_eq!(app.introspect(&foreign, &client).await["active"], false);
}

#[tokio::test]
async fn introspection_requires_client_authentication() {
    let app = spawn_app().await;
    let answer = app.post_form("/oauth2/introspect", &[("token", "x")], None).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.error(), "invalid_client");
}

#[tokio::test]
async fn a_refresh_token_is_active_for_its_own_client_only() {
    let app = spawn_app().await;
    let client = app.first_party_client();
    let other = app.service_client();
    app.create_user("alice", "correct horse battery");
    let signed_in = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "correct horse battery"),
            ],
            Some(&client),
        )
        .await;
    let refresh = signed_in.body["refresh_token"].as_str().unwrap();
    let own = app.introspect(refresh, &client).await;
    assert_eq!(own["active"], true);
    assert_eq!(own["scope"], "email profile");
    assert_eq!(app.introspect(refresh, &other).await["active"], false);
}

#[tokio::test]
async fn a_token_of_a_deleted_client_is_inactive() {
    let app = spawn_app().await;
    let doomed = app.service_client();
    let observer = app.service_client();
    let token = app.client_credentials_token(&doomed, None).await;
    assert_eq!(app.cli(&["client", "delete", "--", &doomed.id], None).code, 0);
    // The client cache forgets within its lifetime (5 s); other instances too.
    // A real wait: the cache's freshness is measured in real time, not on
    // the server's clock.
    tokio::time::sleep(std::time::Duration::from_millis(5200)).await;
    assert_eq!(app.introspect(&token, &observer).await["active"], false);
}

#[tokio::test]
async fn an_access_token_of_a_deleted_user_is_inactive() {
    let app = spawn_app().await;
    let client = app.first_party_client();
    app.create_user("alice", "correct horse battery");
    let answer = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "correct horse battery"),
            ],
            Some(&client),
        )
        .await;
    let token = answer.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.introspect(&token, &client).await["active"], true);
    let out = app.cli(&["user", "delete", "--username", "alice"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(app.introspect(&token, &client).await["active"], false);
}

#[tokio::test]
async fn a_client_with_no_right_to_introspect_is_refused() {
    let app = spawn_app().await;
    let service = app.service_client();
    let token = app.client_credentials_token(&service, None).await;
    let unmarked = app.create_client_without_introspection(&["--grant-type", "client_credentials"]);
    let answer = app
        .post_form("/oauth2/introspect", &[("token", &token)], Some(&unmarked))
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error(), "unauthorized_client");
}

#[tokio::test]
async fn a_marked_client_sees_its_audiences_tokens_and_not_others() {
    let app = spawn_app().await;
    crate::apis::register_two_apis(&app);
    let service = crate::apis::service(&app);
    let orders = app.client_credentials_token(&service, Some("orders:read")).await;
    let billing = app.client_credentials_token(&service, Some("billing:read")).await;
    let gate = app.create_client_without_introspection(&[
        "--grant-type",
        "client_credentials",
        "--introspect-for",
        crate::apis::ORDERS,
    ]);
    let seen = app.introspect(&orders, &gate).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["aud"], crate::apis::ORDERS);
    assert_eq!(
        app.introspect(&billing, &gate).await,
        serde_json::json!({"active": false})
    );
}

#[tokio::test]
async fn an_apis_introspection_credentials_see_its_tokens_with_their_roles() {
    let app = spawn_app().await;
    let created = app.cli(
        &[
            "api",
            "create",
            "--identifier",
            "https://orders.example/api",
            "--name",
            "Orders",
            "--scope",
            "orders:read",
            "--role",
            "clerk",
            "--introspection",
            "--json",
        ],
        None,
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let created: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    let api = crate::helpers::TestClient {
        id: created["introspection_client_id"].as_str().unwrap().to_string(),
        secret: Some(
            created["introspection_client_secret"]
                .as_str()
                .unwrap()
                .to_string(),
        ),
    };
    let service = app.service_client();
    let out = app.cli(
        &[
            "client",
            "role",
            "add",
            "--client-id",
            &service.id,
            "--api",
            "https://orders.example/api",
            "--role",
            "clerk",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "read"),
        ("resource", "https://orders.example/api"),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(&service)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let token = answer.body["access_token"].as_str().unwrap();
    let seen = app.introspect(token, &api).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["roles"], serde_json::json!(["clerk"]));
    // A token for the default audience is not the API's to see.
    let other = app.client_credentials_token(&service, Some("read")).await;
    assert_eq!(app.introspect(&other, &api).await["active"], false);
}

#[tokio::test]
async fn introspection_rights_are_set_and_cleared_with_client_update() {
    let app = spawn_app().await;
    let service = app.service_client();
    let token = app.client_credentials_token(&service, None).await;
    let gate = app.create_client_without_introspection(&["--grant-type", "client_credentials"]);
    let issuer = app.settings.issuer.clone();
    let out = app.cli(
        &[
            "client",
            "update",
            "--client-id",
            &gate.id,
            "--introspect-for",
            &issuer,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(app.introspect(&token, &gate).await["active"], true);
    let out = app.cli(
        &[
            "client",
            "update",
            "--client-id",
            &gate.id,
            "--introspect-for",
            "",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bad = app.cli(
        &[
            "client",
            "update",
            "--client-id",
            &gate.id,
            "--introspect-for",
            "nope",
        ],
        None,
    );
    assert_ne!(bad.code, 0);
}
