//! Roles of registered APIs: given to users and clients, carried by the
//! tokens for that API only, announced to the session store and the
//! event outbox in the same transaction.

use crate::apis::{register_two_apis, service, BILLING, ORDERS};
use crate::browser::{Agent, PASSWORD, REDIRECT};
use crate::helpers::{claims_of, spawn_app, TestApp, TestClient};
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use tollgate::storage::schema;

fn role(app: &TestApp, whom: &[&str], change: &str, api: &str, role: &str) -> crate::helpers::CliOutput {
    let mut args = vec![whom[0], "role", change];
    args.extend_from_slice(&whom[1..]);
    args.extend(["--api", api, "--role", role]);
    app.cli(&args, None)
}

fn give_user(app: &TestApp, username: &str, api: &str, r: &str) {
    let out = role(app, &["user", "--username", username], "add", api, r);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// A trusted client allowed the password and refresh grants and the scopes
/// of both APIs.
fn first_party(app: &TestApp) -> TestClient {
    app.create_client(&[
        "--trusted",
        "--grant-type",
        "password",
        "--grant-type",
        "refresh_token",
        "--scope",
        "orders:read",
        "--scope",
        "billing:read",
        "--scope",
        "profile",
    ])
}

async fn password_tokens(app: &TestApp, client: &TestClient, scope: &str) -> serde_json::Value {
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD),
        ("scope", scope),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(client)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

#[tokio::test]
async fn a_users_token_for_an_api_carries_their_roles_for_that_api_only() {
    let app = spawn_app().await;
    register_two_apis(&app);
    app.create_user("alice", PASSWORD);
    give_user(&app, "alice", ORDERS, "reader");
    give_user(&app, "alice", ORDERS, "clerk");
    give_user(&app, "alice", BILLING, "payer");
    let client = first_party(&app);
    let orders = password_tokens(&app, &client, "orders:read").await;
    let claims = claims_of(orders["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], ORDERS);
    assert_eq!(claims["roles"], serde_json::json!(["clerk", "reader"]));
    let other = password_tokens(&app, &client, "profile").await;
    let claims = claims_of(other["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], app.settings.issuer.as_str());
    assert!(claims.get("roles").is_none(), "{claims}");
}

#[tokio::test]
async fn a_refresh_picks_up_a_role_change() {
    let app = spawn_app().await;
    register_two_apis(&app);
    app.create_user("alice", PASSWORD);
    give_user(&app, "alice", ORDERS, "reader");
    let client = first_party(&app);
    let first = password_tokens(&app, &client, "orders:read").await;
    assert_eq!(
        claims_of(first["access_token"].as_str().unwrap())["roles"],
        serde_json::json!(["reader"])
    );
    give_user(&app, "alice", ORDERS, "clerk");
    let out = role(&app, &["user", "--username", "alice"], "remove", ORDERS, "reader");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first["refresh_token"].as_str().unwrap()),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let claims = claims_of(answer.body["access_token"].as_str().unwrap());
    assert_eq!(claims["roles"], serde_json::json!(["clerk"]));
}

#[tokio::test]
async fn a_client_credentials_token_carries_the_clients_roles_for_its_api() {
    let app = spawn_app().await;
    register_two_apis(&app);
    let client = service(&app);
    let out = role(
        &app,
        &["client", "--client-id", &client.id],
        "add",
        ORDERS,
        "clerk",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let token = app.client_credentials_token(&client, Some("orders:read")).await;
    assert_eq!(claims_of(&token)["roles"], serde_json::json!(["clerk"]));
    let token = app.client_credentials_token(&client, Some("billing:read")).await;
    assert!(claims_of(&token).get("roles").is_none());
}

#[tokio::test]
async fn an_authorization_code_token_for_an_api_carries_roles_and_its_id_token_none() {
    let app = spawn_app().await;
    register_two_apis(&app);
    app.create_user("alice", PASSWORD);
    give_user(&app, "alice", ORDERS, "reader");
    let client = app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "openid",
        "--scope",
        "orders:read",
    ]);
    let (path, verifier) = crate::browser::authorize_path(&client, &[("scope", "openid orders:read")]);
    let agent = Agent::new(&app);
    let signed_in = agent.sign_in("alice", PASSWORD, &path).await;
    let consent = agent.follow(&signed_in).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let approved = agent.decide(&consent, "approve").await;
    let code = approved.query_param("code").expect("a code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.secret().as_str()),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let access = claims_of(answer.body["access_token"].as_str().unwrap());
    assert_eq!(access["aud"], ORDERS);
    assert_eq!(access["roles"], serde_json::json!(["reader"]));
    let id = claims_of(answer.body["id_token"].as_str().unwrap());
    assert!(id.get("roles").is_none(), "{id}");
}

#[tokio::test]
async fn unknown_apis_undefined_roles_and_unknown_holders_are_refused() {
    let app = spawn_app().await;
    register_two_apis(&app);
    app.create_user("alice", PASSWORD);
    let client = service(&app);
    let user = ["user", "--username", "alice"];
    for (whom, api, r) in [
        (&user[..], "https://nowhere.example", "reader"),
        (&user[..], ORDERS, "payer"),
        (&["user", "--username", "nobody"][..], ORDERS, "reader"),
        (&["client", "--client-id", &client.id][..], BILLING, "clerk"),
        (&["client", "--client-id", "no-such-client"][..], ORDERS, "clerk"),
    ] {
        let out = role(&app, whom, "add", api, r);
        assert_ne!(out.code, 0, "{whom:?} {api} {r} was accepted");
        assert!(!out.stderr.is_empty());
    }
}

#[tokio::test]
async fn a_role_change_queues_the_users_sessions_and_writes_its_event_and_audit_record() {
    let app = spawn_app().await;
    register_two_apis(&app);
    let alice = app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    let signed_in = agent.sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let db = app.database();
    let (user, versions_before) = (alice.clone(), queued(&db));
    let sessions: Vec<String> = db
        .run_sync(move |conn| {
            schema::sessions::table
                .filter(schema::sessions::user_id.eq(&user))
                .select(schema::sessions::public_id)
                .load(conn)
        })
        .unwrap();
    assert_eq!(sessions.len(), 1);

    give_user(&app, "alice", ORDERS, "clerk");
    give_user(&app, "alice", ORDERS, "reader");

    let after = queued(&db);
    let sid = &sessions[0];
    let version = |q: &[(String, i64)]| q.iter().find(|(s, _)| s == sid).map(|(_, v)| *v);
    assert!(
        version(&after).unwrap() > version(&versions_before).unwrap_or(0),
        "{after:?}"
    );
    let user = alice.clone();
    let events: Vec<(Option<String>, String)> = db
        .run_sync(move |conn| {
            schema::event_outbox::table
                .filter(schema::event_outbox::event_type.eq("user.roles_changed"))
                .filter(schema::event_outbox::subject.eq(&user))
                .order(schema::event_outbox::seq.asc())
                .select((schema::event_outbox::subject, schema::event_outbox::data))
                .load(conn)
        })
        .unwrap();
    assert_eq!(events.len(), 2);
    let last: serde_json::Value = serde_json::from_str(&events[1].1).unwrap();
    assert_eq!(
        last,
        serde_json::json!({"api": ORDERS, "roles": ["clerk", "reader"]})
    );
    let audit = app.cli(&["audit", "list", "--json", "--user", "alice"], None);
    assert!(audit.stdout.contains("user.roles_changed"), "{}", audit.stdout);
}

/// Every queued session and its version.
fn queued(db: &tollgate::storage::Database) -> Vec<(String, i64)> {
    db.run_sync(|conn| {
        schema::session_store_queue::table
            .select((
                schema::session_store_queue::session_id,
                schema::session_store_queue::version,
            ))
            .load(conn)
    })
    .unwrap()
}

#[tokio::test]
async fn an_administrator_gives_a_user_a_role_on_the_users_page() {
    let app = spawn_app().await;
    register_two_apis(&app);
    app.create_user("alice", PASSWORD);
    let admin = Agent::admin(&app).await;
    let page = admin.get("/admin/users").await;
    let csrf = page.hidden("csrf_token");
    let form = [
        ("csrf_token", csrf.as_str()),
        ("username", "alice"),
        ("api", ORDERS),
        ("role", "clerk"),
        ("change", "add"),
    ];
    assert_eq!(admin.post("/admin/users/roles", &form).await.status, 303);
    let undefined = [
        ("csrf_token", csrf.as_str()),
        ("username", "alice"),
        ("api", ORDERS),
        ("role", "payer"),
    ];
    assert_eq!(admin.post("/admin/users/roles", &undefined).await.status, 400);
    let client = first_party(&app);
    let tokens = password_tokens(&app, &client, "orders:read").await;
    let claims = claims_of(tokens["access_token"].as_str().unwrap());
    assert_eq!(claims["roles"], serde_json::json!(["clerk"]));
}
