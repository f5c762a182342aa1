//! The shared session store: every login session is projected to Redis as
//! `tollgate:session:{sid}` while it lives, and deleted when it ends, by
//! the server's background projector. Against the machine's Redis (each
//! test with its own sessions, so keys never collide); the fault tests,
//! which stop Redis, run their own (`session_store_faults`).

use crate::browser::{Agent, PASSWORD};
use crate::helpers::{spawn_app_on, spawn_app_with_clock, TestApp, TestDb};
use crate::logout_support::{id_token, log_out, sid_of, signed_in, tokens};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The machine's Redis.
pub const SHARED_REDIS: &str = "redis://127.0.0.1:6379/0";
/// How long the projector may take in these tests.
pub const WAIT: Duration = Duration::from_secs(15);

/// A connection to the Redis at `url`; `None` (with a note) when it is not
/// running, unless the services are required (CI), when the test fails.
pub async fn redis_at(url: &str) -> Option<redis::aio::MultiplexedConnection> {
    let client = redis::Client::open(url).unwrap();
    let connected =
        tokio::time::timeout(Duration::from_secs(3), client.get_multiplexed_async_connection()).await;
    match connected {
        Ok(Ok(conn)) => Some(conn),
        other => {
            let why = format!("no Redis at {url}: {:?}", other.map(|r| r.map(|_| ())));
            if std::env::var("TOLLGATE_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!("{why}");
            }
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// The hash of the session `sid` (empty when there is none).
pub async fn hash(conn: &mut redis::aio::MultiplexedConnection, sid: &str) -> HashMap<String, String> {
    redis::cmd("HGETALL")
        .arg(format!("tollgate:session:{sid}"))
        .query_async(conn)
        .await
        .unwrap()
}

/// Polls `check` on the hash of `sid` until it holds, or fails after [`WAIT`].
pub async fn wait_for_hash(
    conn: &mut redis::aio::MultiplexedConnection,
    sid: &str,
    what: &str,
    check: impl Fn(&HashMap<String, String>) -> bool,
) -> HashMap<String, String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let fields = hash(conn, sid).await;
        if check(&fields) {
            return fields;
        }
        assert!(Instant::now() < deadline, "{what}: the store holds {fields:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the store holds the session `sid`.
pub async fn projected(conn: &mut redis::aio::MultiplexedConnection, sid: &str) -> HashMap<String, String> {
    wait_for_hash(conn, sid, "projected", |f| f.contains_key("sub")).await
}

/// Waits until the store no longer holds the session `sid`.
pub async fn deleted(conn: &mut redis::aio::MultiplexedConnection, sid: &str) {
    wait_for_hash(conn, sid, "deleted", |f| f.is_empty()).await;
}

/// The live session of `username` (its `sid`).
pub fn live_sid(app: &TestApp, username: &str) -> String {
    let name = username.to_string();
    let now = app.clock.now();
    app.database()
        .run_sync(move |c| {
            let user = tollgate::storage::users::by_username(c, &name)?.expect("the user");
            tollgate::storage::sessions::live_ids_of(c, &user.id, now)
        })
        .unwrap()
        .pop()
        .expect("a live session")
}

/// Gives `username` the role `role` of the API `api` through the command
/// line, registering the API (or adding the role to it) first.
pub fn grant_role(app: &TestApp, username: &str, api: &str, role: &str) {
    let added = app.cli(&["api", "update", "--identifier", api, "--add-role", role], None);
    if added.code != 0 {
        let created = app.cli(
            &[
                "api",
                "create",
                "--identifier",
                api,
                "--name",
                "Test API",
                "--role",
                role,
            ],
            None,
        );
        assert_eq!(created.code, 0, "{}", created.stderr);
    }
    let given = app.cli(
        &[
            "user",
            "role",
            "add",
            "--username",
            username,
            "--api",
            api,
            "--role",
            role,
        ],
        None,
    );
    assert_eq!(given.code, 0, "{}", given.stderr);
}

/// Takes each of `roles` (API, role) away from `username` through the command line.
pub fn revoke_roles(app: &TestApp, username: &str, roles: &[(&str, &str)]) {
    for (api, role) in roles {
        let taken = app.cli(
            &[
                "user",
                "role",
                "remove",
                "--username",
                username,
                "--api",
                api,
                "--role",
                role,
            ],
            None,
        );
        assert_eq!(taken.code, 0, "{}", taken.stderr);
    }
}

async fn app_with_store() -> TestApp {
    spawn_app_on(TestDb::new(), |s| {
        s.session_store_url = Some(SHARED_REDIS.into());
        s.backchannel_logout_private_addresses = true;
    })
    .await
}

#[tokio::test]
async fn signing_in_projects_the_session_with_its_fields_and_lifetime() {
    let Some(mut redis) = redis_at(SHARED_REDIS).await else {
        return;
    };
    let app = app_with_store().await;
    let _agent = signed_in(&app, "alice").await;
    let sid = live_sid(&app, "alice");
    let started = Instant::now();
    let fields = projected(&mut redis, &sid).await;
    eprintln!(
        "projected at most {:?} after the sign-in answered",
        started.elapsed()
    );

    let user = app
        .database()
        .run_sync(|c| tollgate::storage::users::by_username(c, "alice"))
        .unwrap()
        .unwrap();
    assert_eq!(fields["sub"], user.id);
    assert_eq!(fields["username"], "alice");
    assert_eq!(fields["amr"], "pwd");
    let auth_time: i64 = fields["auth_time"].parse().unwrap();
    let expires_at: i64 = fields["expires_at"].parse().unwrap();
    assert!((auth_time - app.clock.now()).abs() <= 5);
    assert_eq!(expires_at, auth_time + app.settings.session_ttl);
    assert_eq!(fields.len(), 5, "no roles, no other field: {fields:?}");
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("tollgate:session:{sid}"))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!((ttl - app.settings.session_ttl).abs() <= 5, "ttl {ttl}");
}

#[tokio::test]
async fn logout_deletes_the_session_from_the_store() {
    let Some(mut redis) = redis_at(SHARED_REDIS).await else {
        return;
    };
    let app = app_with_store().await;
    let agent = signed_in(&app, "alice").await;
    let sid = live_sid(&app, "alice");
    projected(&mut redis, &sid).await;
    log_out(&agent).await;
    deleted(&mut redis, &sid).await;
}

#[tokio::test]
async fn rp_initiated_logout_deletes_the_session_from_the_store() {
    let Some(mut redis) = redis_at(SHARED_REDIS).await else {
        return;
    };
    let app = app_with_store().await;
    let client = app.create_client(&["--redirect-uri", crate::browser::REDIRECT, "--scope", "profile"]);
    let agent = signed_in(&app, "alice").await;
    let issued = tokens(&app, &agent, &client).await;
    let sid = sid_of(&issued);
    projected(&mut redis, &sid).await;
    let sub = crate::helpers::claims_of(issued.body["access_token"].as_str().unwrap())["sub"]
        .as_str()
        .unwrap()
        .to_string();
    let hint = id_token(&app, &client.id, &sub, Some(&sid));
    let confirm = agent.get(&format!("/oauth2/logout?id_token_hint={hint}")).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let done = agent
        .post(
            "/oauth2/logout",
            &[
                ("csrf_token", &confirm.hidden("csrf_token")),
                ("client_id", &confirm.hidden("client_id")),
            ],
        )
        .await;
    assert!(done.status < 400, "{}", done.body);
    deleted(&mut redis, &sid).await;
}

/// Ends alice's session with the CLI command `args` and checks the store
/// lets go of it.
async fn ended_by_cli(args: &[&str], stdin: Option<&str>) {
    let Some(mut redis) = redis_at(SHARED_REDIS).await else {
        return;
    };
    let app = app_with_store().await;
    let _agent = signed_in(&app, "alice").await;
    let sid = live_sid(&app, "alice");
    projected(&mut redis, &sid).await;
    let out = app.cli(args, stdin);
    assert_eq!(out.code, 0, "{}", out.stderr);
    deleted(&mut redis, &sid).await;
}

#[tokio::test]
async fn suspending_the_user_deletes_the_session_from_the_store() {
    ended_by_cli(&["user", "suspend", "--username", "alice"], None).await;
}

#[tokio::test]
async fn changing_the_password_deletes_the_session_from_the_store() {
    ended_by_cli(
        &["user", "passwd", "--username", "alice", "--password-stdin"],
        Some("a brand new password\n"),
    )
    .await;
}

#[tokio::test]
async fn deleting_the_user_deletes_the_session_from_the_store() {
    ended_by_cli(&["user", "delete", "--username", "alice"], None).await;
}

#[tokio::test]
async fn another_user_signing_in_on_the_browser_deletes_the_first_session() {
    let Some(mut redis) = redis_at(SHARED_REDIS).await else {
        return;
    };
    let app = app_with_store().await;
    let agent = signed_in(&app, "alice").await;
    let first = live_sid(&app, "alice");
    projected(&mut redis, &first).await;
    app.create_user("bob", PASSWORD);
    let page = agent.sign_in("bob", PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    deleted(&mut redis, &first).await;
    let second = projected(&mut redis, &live_sid(&app, "bob")).await;
    assert_eq!(second["username"], "bob");
}

#[tokio::test]
async fn signing_in_again_renews_auth_time_and_keeps_foreign_fields() {
    let Some(mut redis) = redis_at(SHARED_REDIS).await else {
        return;
    };
    let app = spawn_app_with_clock(TestDb::new(), |s| s.session_store_url = Some(SHARED_REDIS.into())).await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/account").await;
    let sid = live_sid(&app, "alice");
    let before = projected(&mut redis, &sid).await;
    let _: i64 = redis::cmd("HSET")
        .arg(format!("tollgate:session:{sid}"))
        .arg("attrs:plan")
        .arg("gold")
        .query_async(&mut redis)
        .await
        .unwrap();

    app.clock.advance(Duration::from_secs(60));
    let page = agent.sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(live_sid(&app, "alice"), sid, "a renewal keeps the session");
    let renewed = wait_for_hash(&mut redis, &sid, "renewed", |f| {
        f.get("auth_time") != before.get("auth_time")
    })
    .await;
    let gap = renewed["auth_time"].parse::<i64>().unwrap() - before["auth_time"].parse::<i64>().unwrap();
    assert_eq!(gap, 60);
    assert_eq!(
        renewed["attrs:plan"], "gold",
        "a field Tollgate does not own survives"
    );
}

#[tokio::test]
async fn role_changes_update_the_roles_fields_and_keep_foreign_fields() {
    let Some(mut redis) = redis_at(SHARED_REDIS).await else {
        return;
    };
    let app = app_with_store().await;
    let _agent = signed_in(&app, "alice").await;
    let sid = live_sid(&app, "alice");
    projected(&mut redis, &sid).await;
    let _: i64 = redis::cmd("HSET")
        .arg(format!("tollgate:session:{sid}"))
        .arg("attrs:plan")
        .arg("gold")
        .query_async(&mut redis)
        .await
        .unwrap();

    grant_role(&app, "alice", "https://orders.example", "admin");
    grant_role(&app, "alice", "https://orders.example", "reader");
    grant_role(&app, "alice", "https://billing.example", "viewer");
    let fields = wait_for_hash(&mut redis, &sid, "roles projected", |f| {
        f.get("roles:https://orders.example").map(String::as_str) == Some("admin reader")
            && f.contains_key("roles:https://billing.example")
    })
    .await;
    assert_eq!(fields["roles:https://billing.example"], "viewer");
    assert_eq!(fields["attrs:plan"], "gold");

    revoke_roles(
        &app,
        "alice",
        &[
            ("https://orders.example", "admin"),
            ("https://orders.example", "reader"),
            ("https://billing.example", "viewer"),
        ],
    );
    let fields = wait_for_hash(&mut redis, &sid, "roles removed", |f| {
        !f.keys().any(|k| k.starts_with("roles:"))
    })
    .await;
    assert_eq!(
        fields["attrs:plan"], "gold",
        "a field Tollgate does not own survives"
    );
    assert_eq!(fields["username"], "alice");
}
