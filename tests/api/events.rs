//! Security events: written to the outbox with the change, published to
//! NATS JetStream as CloudEvents (README, "Events"), pruned after their
//! retention. Each test runs a nats-server of its own.

use crate::browser::{authorize_path, web_app, Agent, PASSWORD};
use crate::events_support::{has, of_kind, outbox_rows, unsent, Nats};
use crate::helpers::{spawn_app_on, spawn_app_with_clock, TestApp, TestDb};
use crate::logout_support::{log_out, signed_in, tokens};
use std::time::Duration;
use tollgate::oauth::audit::Actor;
use tollgate::oauth::clients::ClientCache;
use tollgate::oauth::registry;
use tollgate::storage::clients::ClientFlags;

const WAIT: Duration = Duration::from_secs(15);

/// The types the README lists (roles are changed elsewhere).
const CATALOGUE: &[&str] = &[
    "session.created",
    "session.ended",
    "user.created",
    "user.suspended",
    "user.reinstated",
    "user.deleted",
    "client.registered",
    "client.updated",
    "client.secret_rotated",
    "client.suspended",
    "client.reinstated",
    "client.deleted",
    "consent.granted",
    "consent.withdrawn",
    "refresh.reuse_detected",
    "login.failed",
    "login.locked",
];

fn sweep(app: &TestApp) -> tollgate::oauth::sweeper::Report {
    let settings = tollgate::startup::protocol_settings(&app.settings);
    tollgate::oauth::sweeper::sweep_sync(&app.database(), &settings, app.clock.now()).unwrap()
}

#[tokio::test]
async fn a_sign_in_is_published_as_session_created_in_the_documented_envelope() {
    let Some(nats) = Nats::start().await else { return };
    let app = spawn_app_on(TestDb::new(), |s| s.events_url = Some(nats.url())).await;
    let alice = app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    assert_eq!(agent.sign_in("alice", PASSWORD, "/account").await.status, 303);

    let messages = nats.wait_for(WAIT, |m| has(m, "session.created")).await;
    let created = of_kind(&messages, "session.created")[0];
    let event = &created.json;
    assert_eq!(created.subject, "tollgate.session.created");
    assert_eq!(event["specversion"], "1.0");
    assert_eq!(event["type"], "dev.tollgate.session.created");
    assert_eq!(event["source"], app.address.as_str());
    assert_eq!(event["subject"], alice.as_str());
    assert_eq!(event["datacontenttype"], "application/json");
    assert_eq!(
        created.msg_id,
        event["id"].as_str().unwrap(),
        "JetStream de-duplicates on the id"
    );
    let time = event["time"].as_str().unwrap();
    assert!(
        time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
        "{time}"
    );
    let data = &event["data"];
    assert_eq!(data["username"], "alice");
    assert_eq!(data["amr"], serde_json::json!(["pwd"]));
    assert!(data["sid"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(data["expires_at"].as_i64().unwrap() > data["auth_time"].as_i64().unwrap());
    assert!(!created.raw.contains(PASSWORD));
}

#[tokio::test]
async fn every_listed_type_is_published_and_no_event_carries_a_secret() {
    let Some(nats) = Nats::start().await else { return };
    let app = spawn_app_with_clock(TestDb::new(), |s| {
        s.events_url = Some(nats.url());
        s.login_max_failures = 2;
        s.refresh_grace_period = 0;
    })
    .await;
    let mut secrets: Vec<String> = vec![PASSWORD.into(), "wrong password".into()];

    // Sessions, consent, refresh reuse.
    let agent = signed_in(&app, "alice").await;
    let client = web_app(&app);
    secrets.extend(client.secret.clone());
    let issued = tokens(&app, &agent, &client).await;
    let refresh = issued.body["refresh_token"].as_str().unwrap().to_string();
    for field in ["access_token", "refresh_token", "id_token"] {
        secrets.extend(issued.body[field].as_str().map(str::to_string));
    }
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let rotated = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    secrets.extend(rotated.body["access_token"].as_str().map(str::to_string));
    secrets.extend(rotated.body["refresh_token"].as_str().map(str::to_string));
    app.clock.advance(Duration::from_secs(2));
    assert_eq!(
        app.post_form("/oauth2/token", &form, Some(&client)).await.status,
        400
    );
    let account = agent.get("/account").await;
    let withdrawn = agent
        .post(
            "/account/consents/withdraw",
            &[
                ("csrf_token", &account.hidden("csrf_token")),
                ("client_id", &client.id),
            ],
        )
        .await;
    assert_eq!(withdrawn.status, 303);
    log_out(&agent).await;

    // Refused sign-ins, then a lockout.
    app.create_user("carol", PASSWORD);
    let stranger = Agent::new(&app);
    for _ in 0..2 {
        stranger.sign_in("carol", "wrong password", "/account").await;
    }
    assert_eq!(stranger.sign_in("carol", PASSWORD, "/account").await.status, 429);

    // The operator's changes to users and clients.
    app.create_user("bob", PASSWORD);
    for command in ["suspend", "reinstate", "delete"] {
        assert_eq!(app.cli(&["user", command, "--username", "bob"], None).code, 0);
    }
    let cache = ClientCache::new(app.database(), app.clock.clone());
    let operator = Actor::operator();
    let flags = |is_trusted, suspended| ClientFlags {
        is_trusted,
        suspended,
        verified: false,
    };
    for (trusted, suspended) in [(true, false), (true, true), (true, false)] {
        assert!(
            registry::set_flags(&cache, &operator, &client.id, flags(trusted, suspended))
                .await
                .unwrap()
        );
    }
    let secret = registry::rotate_secret(&cache, &operator, &client.id, 0)
        .await
        .unwrap();
    secrets.push(secrecy::ExposeSecret::expose_secret(&secret.unwrap()).to_string());
    assert_eq!(app.cli(&["client", "delete", "--", &client.id], None).code, 0);

    let messages = nats
        .wait_for(WAIT, |m| CATALOGUE.iter().all(|kind| has(m, kind)))
        .await;
    for message in &messages {
        for secret in &secrets {
            assert!(
                !message.raw.contains(secret.as_str()),
                "a secret in {}",
                message.raw
            );
        }
        assert_eq!(message.subject, format!("tollgate.{}", message.kind()));
    }
    let first = |kind| &of_kind(&messages, kind)[0].json;
    assert_eq!(first("session.ended")["data"]["reason"], "logout");
    assert_eq!(first("consent.granted")["data"]["client_id"], client.id.as_str());
    assert_eq!(first("consent.granted")["data"]["scope"], "email profile");
    assert_eq!(
        first("consent.withdrawn")["subject"],
        first("session.created")["subject"]
    );
    assert!(first("refresh.reuse_detected")["data"]["family_id"].is_string());
    assert_eq!(first("client.deleted")["subject"], client.id.as_str());
    assert_eq!(first("client.suspended")["data"]["client_id"], client.id.as_str());
    assert_eq!(first("client.updated")["data"]["flag"], "trusted");
    assert_eq!(first("user.deleted")["data"]["username"], "bob");
    assert_eq!(first("login.failed")["data"]["via"], "page");
    assert!(first("login.locked")["subject"].is_string());
    let ids: std::collections::HashSet<_> = messages.iter().map(|m| m.json["id"].clone()).collect();
    assert_eq!(
        ids.len(),
        messages.len(),
        "JetStream dropped no event and kept no copy"
    );
}

#[tokio::test]
async fn a_session_that_lapses_is_announced_once_as_expired() {
    let Some(nats) = Nats::start().await else { return };
    let app = spawn_app_with_clock(TestDb::new(), |s| s.events_url = Some(nats.url())).await;
    let alice = signed_in(&app, "alice").await;
    drop(alice);
    app.clock
        .advance(Duration::from_secs(app.settings.session_ttl as u64 + 1));
    sweep(&app);
    sweep(&app);

    let messages = nats.wait_for(WAIT, |m| has(m, "session.ended")).await;
    let created = of_kind(&messages, "session.created")[0];
    tokio::time::sleep(Duration::from_millis(600)).await;
    let messages = nats.messages().await;
    let ended = of_kind(&messages, "session.ended");
    assert_eq!(ended.len(), 1, "announced once");
    assert_eq!(ended[0].json["data"]["reason"], "expired");
    assert_eq!(ended[0].json["data"]["sid"], created.json["data"]["sid"]);
    assert_eq!(ended[0].json["subject"], created.json["subject"]);
}

#[tokio::test]
async fn published_events_are_pruned_after_the_retention() {
    let Some(nats) = Nats::start().await else { return };
    let app = spawn_app_with_clock(TestDb::new(), |s| {
        s.events_url = Some(nats.url());
        s.events_retention = 3600;
    })
    .await;
    app.create_user("alice", PASSWORD);
    nats.wait_for(WAIT, |m| has(m, "user.created")).await;
    wait_until_sent(&app, WAIT).await;
    let written = outbox_rows(&app);
    assert!(written >= 1);

    app.clock.advance(Duration::from_secs(3599));
    sweep(&app);
    assert_eq!(outbox_rows(&app), written, "kept for the retention");
    app.clock.advance(Duration::from_secs(2));
    sweep(&app);
    assert_eq!(outbox_rows(&app), 0);
}

#[tokio::test]
async fn without_events_url_the_outbox_is_emptied_at_every_sweep() {
    let app = spawn_app_on(TestDb::new(), |s| s.events_url = None).await;
    let before = outbox_rows(&app);
    app.create_user("alice", PASSWORD);
    app.create_user("bob", PASSWORD);
    assert_eq!(
        outbox_rows(&app),
        before + 2,
        "written with the change all the same"
    );
    let report = sweep(&app);
    assert!(
        report.deleted.contains(&("event_outbox", before as usize + 2)),
        "{report:?}"
    );
    assert_eq!(outbox_rows(&app), 0);
}

/// Waits (up to `wait`) until the outbox has nothing left to publish.
pub async fn wait_until_sent(app: &TestApp, wait: Duration) {
    let deadline = std::time::Instant::now() + wait;
    while unsent(app) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the relay did not publish everything"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_authorization_request_needs_no_broker() {
    // The broker's address names nothing: every request path still works.
    let port = crate::logout_support::reserved_port();
    let app = spawn_app_on(TestDb::new(), |s| {
        s.events_url = Some(format!("nats://127.0.0.1:{port}"))
    })
    .await;
    let agent = signed_in(&app, "alice").await;
    let client = web_app(&app);
    let (path, _) = authorize_path(&client, &[]);
    assert_eq!(agent.get(&path).await.status, 200);
    log_out(&agent).await;
    assert!(unsent(&app) >= 3, "the events wait in the outbox");
}

#[tokio::test]
async fn a_session_that_lapsed_and_was_then_ended_by_a_ban_is_announced_once() {
    let Some(nats) = Nats::start().await else { return };
    let app = spawn_app_with_clock(TestDb::new(), |s| s.events_url = Some(nats.url())).await;
    drop(signed_in(&app, "alice").await);
    app.clock
        .advance(Duration::from_secs(app.settings.session_ttl as u64 + 1));
    let banned = tollgate::oauth::accounts::set_suspended(
        &app.database(),
        &Actor::operator(),
        "alice",
        true,
        app.clock.now(),
    );
    assert!(banned.unwrap());
    sweep(&app);
    sweep(&app);

    nats.wait_for(WAIT, |m| has(m, "session.ended") && has(m, "user.suspended"))
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let messages = nats.messages().await;
    let ended = of_kind(&messages, "session.ended");
    assert_eq!(ended.len(), 1, "announced once");
    assert_eq!(ended[0].json["data"]["reason"], "expired");
}
