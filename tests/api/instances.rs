//! Two instances on one PostgreSQL database: a client's suspension,
//! deletion or secret rotation on one reaches the other's client cache
//! within a second (the cache itself keeps a client for 5 s), also after the
//! other's listening connection was killed.
//!
//! These run when `TOLLGATE_TEST_DATABASE_URL` names a PostgreSQL server
//! (SQLite means one instance).

use crate::browser::Agent;
use crate::helpers::{spawn_app_on, start_server, test_settings, TestApp, TestClient, TestDb, PG_URL_VAR};
use crate::registry_integrity::set_flags;
use diesel::{Connection, PgConnection, RunQueryDsl};
use std::time::{Duration, Instant};
use tollgate::storage::notifications::LISTENER_APPLICATION_NAME;

const PROPAGATION_BOUND: Duration = Duration::from_secs(1);

/// Instance A (with its database) and the base URL of instance B, or `None`
/// (with a note) without PostgreSQL.
async fn two_instances() -> Option<(TestApp, String)> {
    let admin_url = match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!("skipped: set {PG_URL_VAR} to a PostgreSQL URL to run this test");
            return None;
        }
    };
    let a = spawn_app_on(TestDb::postgres(&admin_url), |_| {}).await;
    let b = start_server(test_settings(&a.db.url)).await;
    Some((a, b))
}

/// The status of a client-credentials token request to the instance at `base`.
async fn token_status(http: &reqwest::Client, base: &str, client: &TestClient) -> u16 {
    http.post(format!("{base}/oauth2/token"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("request sent")
        .status()
        .as_u16()
}

/// How long until the instance at `base` answers `client`'s token request
/// with `want`, asking every `poll`; `None` if not within a second.
async fn time_until_status(
    http: &reqwest::Client,
    base: &str,
    client: &TestClient,
    want: u16,
    poll: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < PROPAGATION_BOUND {
        if token_status(http, base, client).await == want {
            return Some(start.elapsed());
        }
        tokio::time::sleep(poll).await;
    }
    None
}

/// Caches `client` on the instance at `base` (its token request succeeds).
async fn warm(http: &reqwest::Client, base: &str, client: &TestClient) {
    assert_eq!(
        token_status(http, base, client).await,
        200,
        "the client works at first"
    );
}

#[tokio::test]
async fn a_client_suspended_on_one_instance_is_refused_on_another_within_a_second() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let client = a.service_client();
    let root = Agent::admin(&a).await;
    warm(&a.http, &b, &client).await;

    set_flags(&root, &client.id, &["suspended"]).await;

    let took = time_until_status(&a.http, &b, &client, 401, Duration::from_millis(50)).await;
    assert!(
        took.is_some(),
        "the other instance still issues tokens to the suspended client"
    );
}

#[tokio::test]
async fn a_client_deleted_with_the_cli_is_refused_on_another_instance_within_a_second() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let client = a.service_client();
    warm(&a.http, &b, &client).await;

    let out = a.cli(&["client", "delete", "--", &client.id], None);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let took = time_until_status(&a.http, &b, &client, 401, Duration::from_millis(50)).await;
    assert!(
        took.is_some(),
        "the other instance still issues tokens to the deleted client"
    );
}

#[tokio::test]
async fn a_rotated_out_secret_is_refused_on_another_instance_within_a_second() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let client = a.service_client();
    let root = Agent::admin(&a).await;
    let path = format!("/portal/apps/{}", client.id);
    let csrf = root.get(&path).await.hidden("csrf_token");
    warm(&a.http, &b, &client).await;

    let rotated = root
        .post(
            &format!("{path}/rotate"),
            &[("csrf_token", csrf.as_str()), ("overlap", "0")],
        )
        .await;
    assert_eq!(rotated.status, 303, "{}", rotated.body);

    let took = time_until_status(&a.http, &b, &client, 401, Duration::from_millis(50)).await;
    assert!(took.is_some(), "the other instance still accepts the old secret");
}

/// Terminates every listening connection on `url`'s database; returns their pids.
fn kill_listeners(url: &str) -> Vec<i32> {
    #[derive(diesel::QueryableByName)]
    struct Killed {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let mut conn = PgConnection::establish(url).unwrap();
    diesel::sql_query(
        "SELECT pid, pg_terminate_backend(pid) AS killed FROM pg_stat_activity \
         WHERE application_name = $1 AND datname = current_database()",
    )
    .bind::<diesel::sql_types::Text, _>(LISTENER_APPLICATION_NAME)
    .load::<Killed>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|k| k.pid)
    .collect()
}

/// Waits (up to 10 s) until `count` listening connections other than
/// `killed` are open on `url`'s database.
async fn listeners_are_back(url: &str, killed: &[i32], count: usize) -> bool {
    let mut conn = PgConnection::establish(url).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let open = diesel::sql_query(format!(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 \
             AND datname = current_database() AND NOT (pid = ANY('{{{}}}'::int[]))",
            killed.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
        ))
        .bind::<diesel::sql_types::Text, _>(LISTENER_APPLICATION_NAME)
        .execute(&mut conn)
        .unwrap();
        if open == count {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn changes_reach_an_instance_again_after_its_listening_connection_was_killed() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let client = a.service_client();
    let root = Agent::admin(&a).await;
    let killed = kill_listeners(&a.db.url);
    assert_eq!(killed.len(), 2, "each instance listens on one connection");
    assert!(
        listeners_are_back(&a.db.url, &killed, 2).await,
        "the instances listen again"
    );
    warm(&a.http, &b, &client).await;

    set_flags(&root, &client.id, &["suspended"]).await;

    let took = time_until_status(&a.http, &b, &client, 401, Duration::from_millis(50)).await;
    assert!(
        took.is_some(),
        "the change did not reach the reconnected instance"
    );
}

#[tokio::test]
async fn twenty_suspensions_and_reinstatements_each_reach_another_instance_within_a_second() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let client = a.service_client();
    let root = Agent::admin(&a).await;
    warm(&a.http, &b, &client).await;
    let mut delays = Vec::new();
    for round in 0..20 {
        let (flags, want): (&[&str], u16) = if round % 2 == 0 {
            (&["suspended"], 401)
        } else {
            (&[], 200)
        };
        set_flags(&root, &client.id, flags).await;
        let took = time_until_status(&a.http, &b, &client, want, Duration::from_millis(5)).await;
        delays.push(took.unwrap_or_else(|| panic!("round {round}: not seen within a second")));
    }
    delays.sort();
    eprintln!(
        "propagation over {} changes: median {:?}, max {:?}",
        delays.len(),
        delays[delays.len() / 2],
        delays[delays.len() - 1]
    );
}
