//! nginx (`auth_request`) in front of two services, enforcing Tollgate's
//! answers: what reaches a service is the identity the token carries and an
//! internal token it verifies offline, never the outside token nor a
//! client's own `X-Auth-*` headers.

use crate::gateway::time_until_refused;
use crate::gateway_support::{nginx_available, start_service, Nginx, Route};
use crate::helpers::{spawn_app, TestApp, TestClient};
use crate::logout_support::{log_out, signed_in, tokens};
use serde_json::Value;
use std::time::{Duration, Instant};

const NOTES: &str = "https://notes.example";
const CALENDAR: &str = "https://calendar.example";

/// Tollgate, the two services and nginx in front of them.
struct Stack {
    app: TestApp,
    client: TestClient,
    nginx: Nginx,
}

async fn stack() -> Option<Stack> {
    if !nginx_available() {
        return None;
    }
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--grant-type",
        "client_credentials",
        "--scope",
        "read",
        "--scope",
        "write",
        "--resource",
        NOTES,
        "--resource",
        CALENDAR,
    ]);
    let notes = start_service("notes", &app.settings.issuer, NOTES).await;
    let calendar = start_service("calendar", &app.settings.issuer, CALENDAR).await;
    let check_url = app.url("/gateway/check");
    let nginx = Nginx::start(
        &check_url,
        &[
            Route {
                prefix: "/notes/",
                check: Some("audience=https%3A%2F%2Fnotes.example&scope=read"),
                upstream: notes,
            },
            Route {
                prefix: "/calendar/",
                check: Some("audience=https%3A%2F%2Fcalendar.example&scope=write"),
                upstream: calendar,
            },
            Route {
                prefix: "/admin/",
                check: Some("audience=https%3A%2F%2Fnotes.example&role=admin"),
                upstream: notes,
            },
            Route {
                prefix: "/public/",
                check: None,
                upstream: notes,
            },
            Route {
                prefix: "/",
                check: Some(""),
                upstream: notes,
            },
        ],
    )
    .await;
    Some(Stack { app, client, nginx })
}

impl Stack {
    async fn token(&self, resource: &str, scope: &str) -> String {
        let form = [
            ("grant_type", "client_credentials"),
            ("resource", resource),
            ("scope", scope),
        ];
        let issued = self
            .app
            .post_form("/oauth2/token", &form, Some(&self.client))
            .await;
        assert_eq!(issued.status, 200, "{}", issued.body);
        issued.body["access_token"].as_str().unwrap().to_string()
    }

    async fn get(&self, path: &str, token: Option<&str>, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.app.http.get(format!("{}{path}", self.nginx.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("nginx answers")
    }
}

#[tokio::test]
async fn nginx_refuses_a_request_without_a_token_with_tollgates_challenge() {
    let Some(stack) = stack().await else { return };
    let refused = stack.get("/notes/1", None, &[]).await;
    assert_eq!(refused.status(), 401);
    let challenge = refused
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    assert_eq!(challenge.as_deref(), Some("Bearer realm=\"tollgate\""));
    let public = stack.get("/public/page", None, &[]).await;
    assert_eq!(public.status(), 200, "the public route needs no token");
}

#[tokio::test]
async fn nginx_refuses_a_token_for_another_audience_scope_or_role_with_403() {
    let Some(stack) = stack().await else { return };
    let notes_reader = stack.token(NOTES, "read").await;
    assert_eq!(
        stack.get("/calendar/1", Some(&notes_reader), &[]).await.status(),
        403
    );
    assert_eq!(
        stack.get("/admin/1", Some(&notes_reader), &[]).await.status(),
        403
    );
    let calendar_reader = stack.token(CALENDAR, "read").await;
    assert_eq!(
        stack
            .get("/calendar/1", Some(&calendar_reader), &[])
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn a_valid_request_reaches_the_service_with_the_identity_and_an_internal_token_it_verifies_offline() {
    let Some(stack) = stack().await else { return };
    let token = stack.token(NOTES, "read write").await;
    let reached = stack.get("/notes/1", Some(&token), &[]).await;
    assert_eq!(reached.status(), 200);
    let seen: Value = reached.json().await.unwrap();
    assert_eq!(seen["service"], "notes");
    assert_eq!(seen["subject"], stack.client.id.as_str());
    assert_eq!(seen["client_id"], stack.client.id.as_str());
    assert_eq!(seen["scope"], "read write");
    assert_eq!(
        seen["authorization"],
        Value::Null,
        "the outside token never reaches a service"
    );
    assert_ne!(seen["token"], token.as_str());
    assert_eq!(seen["verified"]["sub"], stack.client.id.as_str(), "{seen}");
    assert_eq!(seen["verified"]["aud"][0], NOTES);

    let token = stack.token(CALENDAR, "write").await;
    let seen: Value = stack
        .get("/calendar/2", Some(&token), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["service"], "calendar");
    assert_eq!(seen["verified"]["aud"][0], CALENDAR, "{seen}");
}

#[tokio::test]
async fn a_clients_spoofed_identity_headers_never_reach_a_service() {
    let Some(stack) = stack().await else { return };
    let token = stack.token(NOTES, "read").await;
    let spoofed = [
        ("X-Auth-Subject", "admin"),
        ("X-Auth-Roles", "admin"),
        ("X-Auth-Token", "forged"),
    ];
    let seen: Value = stack
        .get("/notes/1", Some(&token), &spoofed)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["subject"], stack.client.id.as_str());
    assert_eq!(seen["roles"], Value::Null);
    assert_ne!(seen["token"], "forged");
    let seen: Value = stack.get("/public/1", None, &spoofed).await.json().await.unwrap();
    assert_eq!(seen["subject"], Value::Null, "{seen}");
    assert_eq!(seen["roles"], Value::Null);
    assert_eq!(seen["token"], Value::Null);
}

#[tokio::test]
async fn after_logout_nginx_refuses_the_sessions_token_within_the_bound() {
    let Some(stack) = stack().await else { return };
    let app = &stack.app;
    let client = crate::browser::web_app(app);
    let agent = signed_in(app, "alice").await;
    let issued = tokens(app, &agent, &client).await;
    let token = issued.body["access_token"].as_str().unwrap().to_string();
    let seen: Value = stack
        .get("/anything", Some(&token), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["session"], crate::helpers::claims_of(&token)["sid"]);
    log_out(&agent).await;
    assert!(time_until_refused(&app.address, &token).await.is_some());
    let start = Instant::now();
    while stack.get("/anything", Some(&token), &[]).await.status() != 401 {
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "nginx still lets the token through"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_service_calls_the_next_one_through_nginx_with_an_exchanged_narrower_token() {
    let Some(stack) = stack().await else { return };
    let app = &stack.app;
    let first_party = app.create_client(&[
        "--trusted",
        "--grant-type",
        "password",
        "--scope",
        "read",
        "--scope",
        "write",
        "--resource",
        NOTES,
    ]);
    app.create_user("alice", "correct horse battery");
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "correct horse battery"),
        ("resource", NOTES),
    ];
    let issued = app.post_form("/oauth2/token", &form, Some(&first_party)).await;
    let outside = issued.body["access_token"].as_str().unwrap().to_string();
    let seen: Value = stack
        .get("/notes/1", Some(&outside), &[])
        .await
        .json()
        .await
        .unwrap();
    let internal = seen["token"]
        .as_str()
        .expect("notes got an internal token")
        .to_string();

    // The notes service, allowed to call the calendar for its users.
    let notes_service = crate::gateway_exchange::service_serving(app, NOTES);
    crate::gateway_exchange::allow(app, &notes_service, CALENDAR);
    let exchanged = crate::gateway_exchange::exchange(
        app,
        &notes_service,
        &internal,
        &[("audience", CALENDAR), ("scope", "write")],
    )
    .await;
    assert_eq!(exchanged.status, 200, "{}", exchanged.body);
    let token = exchanged.body["access_token"].as_str().unwrap();

    let reached = stack.get("/calendar/1", Some(token), &[]).await;
    assert_eq!(reached.status(), 200);
    let seen: Value = reached.json().await.unwrap();
    assert_eq!(seen["service"], "calendar");
    assert_eq!(seen["subject"], crate::helpers::claims_of(&outside)["sub"]);
    assert_eq!(seen["client_id"], notes_service.id.as_str());
    assert_eq!(seen["scope"], "write");
    assert_eq!(seen["verified"]["aud"][0], CALENDAR, "{seen}");
    assert_eq!(
        crate::helpers::claims_of(seen["token"].as_str().unwrap())["act"]["sub"],
        notes_service.id.as_str()
    );
}

#[tokio::test]
async fn an_opaque_token_passes_nginx_as_an_internal_jwt_the_service_verifies_and_dies_when_revoked() {
    let Some(stack) = stack().await else { return };
    let app = &stack.app;
    let client = app.create_client(&[
        "--grant-type",
        "client_credentials",
        "--scope",
        "read",
        "--resource",
        NOTES,
        "--access-token-format",
        "opaque",
    ]);
    let form = [
        ("grant_type", "client_credentials"),
        ("resource", NOTES),
        ("scope", "read"),
    ];
    let issued = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let token = issued.body["access_token"].as_str().unwrap().to_string();
    assert!(!token.contains('.'), "an opaque token");
    let reached = stack.get("/notes/1", Some(&token), &[]).await;
    assert_eq!(reached.status(), 200);
    let seen: Value = reached.json().await.unwrap();
    assert_eq!(seen["subject"], client.id.as_str());
    assert_eq!(
        seen["authorization"],
        Value::Null,
        "the outside token never reaches a service"
    );
    assert_eq!(seen["verified"]["sub"], client.id.as_str(), "{seen}");
    assert_eq!(seen["verified"]["aud"][0], NOTES);
    assert_eq!(app.revoke(&token, &client).await.status, 200);
    assert_eq!(stack.get("/notes/1", Some(&token), &[]).await.status(), 401);
}
