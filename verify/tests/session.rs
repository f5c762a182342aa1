//! The session check (feature `redis`) against the machine's Redis, each
//! test under keys of its own, deleted at the end; and the `WithSession`
//! extractor and role checks (feature `actix`).

mod common;

use actix_web::http::{header, StatusCode};
use actix_web::{test, web, App, HttpResponse};
use common::{claims, Server, TestKey, AUD};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tollgate_verify::actix::{AccessToken, BearerError, WithSession};
use tollgate_verify::session::{SessionError, SessionStore};
use tollgate_verify::{Claims, Verifier};

const REDIS: &str = "redis://127.0.0.1:6379/0";

/// A session id no other test (or run) uses.
fn unique_sid() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "verify-test-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The store and a raw connection for writing fixtures; `None` (with a
/// note) without Redis, unless the services are required.
async fn redis() -> Option<(SessionStore, redis::aio::MultiplexedConnection)> {
    let store = SessionStore::connect(REDIS).await;
    let raw = async {
        redis::Client::open(REDIS)?
            .get_multiplexed_async_connection()
            .await
    }
    .await;
    match (store, raw) {
        (Ok(store), Ok(raw)) => Some((store, raw)),
        (store, _) => {
            let why = format!("no Redis at {REDIS}: {:?}", store.err());
            if std::env::var("TOLLGATE_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!("{why}");
            }
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// Writes the session `sid` of `sub` as Tollgate does, plus `extra` fields.
async fn write_session(
    conn: &mut redis::aio::MultiplexedConnection,
    sid: &str,
    sub: &str,
    extra: &[(&str, &str)],
) {
    let mut cmd = redis::cmd("HSET");
    cmd.arg(format!("tollgate:session:{sid}"))
        .arg("sub")
        .arg(sub)
        .arg("username")
        .arg("alice")
        .arg("auth_time")
        .arg(1_700_000_000)
        .arg("expires_at")
        .arg(1_700_086_400)
        .arg("amr")
        .arg("pwd");
    for (k, v) in extra {
        cmd.arg(*k).arg(*v);
    }
    let _: i64 = cmd.query_async(conn).await.unwrap();
    let _: i64 = redis::cmd("EXPIRE")
        .arg(format!("tollgate:session:{sid}"))
        .arg(60)
        .query_async(conn)
        .await
        .unwrap();
}

async fn delete_session(conn: &mut redis::aio::MultiplexedConnection, sid: &str) {
    let _: i64 = redis::cmd("DEL")
        .arg(format!("tollgate:session:{sid}"))
        .query_async(conn)
        .await
        .unwrap();
}

fn claims_for(sub: &str, sid: Option<&str>) -> Claims {
    Claims {
        iss: "https://issuer.example".into(),
        sub: sub.into(),
        aud: vec![AUD.into()],
        client_id: "notes-app".into(),
        scopes: vec![],
        sid: sid.map(Into::into),
        jti: "j".into(),
        exp: 0,
        iat: 0,
        nbf: None,
        roles: vec!["editor".into()],
        cnf_jkt: None,
    }
}

#[tokio::test]
async fn a_live_session_is_returned_with_its_roles_and_foreign_fields() {
    let Some((store, mut raw)) = redis().await else {
        return;
    };
    let sid = unique_sid();
    write_session(
        &mut raw,
        &sid,
        "user-1",
        &[
            ("roles:https://notes.example", "admin editor"),
            ("attrs:plan", "gold"),
        ],
    )
    .await;
    let session = store.check(&claims_for("user-1", Some(&sid))).await.unwrap();
    assert_eq!(session.sub, "user-1");
    assert_eq!(session.username, "alice");
    assert_eq!(session.auth_time, 1_700_000_000);
    assert_eq!(session.expires_at, 1_700_086_400);
    assert_eq!(session.roles["https://notes.example"], vec!["admin", "editor"]);
    assert!(session.has_role("https://notes.example", "admin"));
    assert!(!session.has_role("https://other.example", "admin"));
    assert!(session.require_role("https://notes.example", "owner").is_err());
    assert_eq!(session.fields["attrs:plan"], "gold");
    delete_session(&mut raw, &sid).await;
}

#[tokio::test]
async fn a_session_that_is_gone_refuses_the_token() {
    let Some((store, mut raw)) = redis().await else {
        return;
    };
    let sid = unique_sid();
    write_session(&mut raw, &sid, "user-1", &[]).await;
    assert!(store.check(&claims_for("user-1", Some(&sid))).await.is_ok());
    delete_session(&mut raw, &sid).await;
    assert_eq!(
        store.check(&claims_for("user-1", Some(&sid))).await,
        Err(SessionError::Ended)
    );
}

#[tokio::test]
async fn only_foreign_fields_left_count_as_no_session() {
    let Some((store, mut raw)) = redis().await else {
        return;
    };
    let sid = unique_sid();
    let _: i64 = redis::cmd("HSET")
        .arg(format!("tollgate:session:{sid}"))
        .arg("attrs:plan")
        .arg("gold")
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(
        store.check(&claims_for("user-1", Some(&sid))).await,
        Err(SessionError::Ended)
    );
    delete_session(&mut raw, &sid).await;
}

#[tokio::test]
async fn a_token_without_a_session_or_of_another_subject_is_refused() {
    let Some((store, mut raw)) = redis().await else {
        return;
    };
    assert_eq!(
        store.check(&claims_for("user-1", None)).await,
        Err(SessionError::NoSession)
    );
    let sid = unique_sid();
    write_session(&mut raw, &sid, "user-1", &[]).await;
    assert_eq!(
        store.check(&claims_for("user-2", Some(&sid))).await,
        Err(SessionError::WrongSubject)
    );
    delete_session(&mut raw, &sid).await;
}

#[tokio::test]
async fn an_unreachable_store_is_an_outage_answered_in_time() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let store = SessionStore::lazy(&format!("redis://127.0.0.1:{port}/0")).unwrap();
    let started = Instant::now();
    let error = store.check(&claims_for("user-1", Some("s"))).await.unwrap_err();
    assert!(error.is_outage(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn roles_come_from_the_roles_claim() {
    let claims = claims_for("user-1", None);
    assert!(claims.has_role("editor"));
    assert!(claims.require_role("editor").is_ok());
    assert_eq!(claims.require_role("admin").unwrap_err().role, "admin");
}

async fn edit_notes(token: WithSession) -> Result<HttpResponse, BearerError> {
    token.session.require_role("https://notes.example", "editor")?;
    Ok(HttpResponse::Ok().json(json!({ "sub": token.sub, "plan": token.session.fields.get("attrs:plan") })))
}

async fn admin_only(token: AccessToken) -> Result<HttpResponse, BearerError> {
    token.require_role("admin")?;
    Ok(HttpResponse::Ok().finish())
}

#[actix_web::test]
async fn the_extractor_refuses_a_token_whose_session_ended_and_checks_roles() {
    let Some((store, mut raw)) = redis().await else {
        return;
    };
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = Verifier::discover(server.issuer(), AUD).await.unwrap();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(verifier))
            .app_data(web::Data::new(store))
            .route("/notes", web::put().to(edit_notes))
            .route("/admin", web::get().to(admin_only)),
    )
    .await;
    let sid = unique_sid();
    let mut c = claims(&server.issuer());
    c["sid"] = json!(sid);
    let token = key.sign(&c);
    let call = |uri: &str, put: bool| {
        let req = if put {
            test::TestRequest::put()
        } else {
            test::TestRequest::get()
        };
        req.uri(uri)
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .to_request()
    };

    write_session(&mut raw, &sid, "alice", &[("attrs:plan", "gold")]).await;
    let resp = test::call_service(&app, call("/notes", true)).await;
    assert_eq!(
        resp.status(),
        StatusCode::FORBIDDEN,
        "no editor role in the session yet"
    );
    let challenge = resp
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("error=\"insufficient_scope\""), "{challenge}");

    write_session(
        &mut raw,
        &sid,
        "alice",
        &[("roles:https://notes.example", "editor")],
    )
    .await;
    let resp = test::call_service(&app, call("/notes", true)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = test::read_body_json(resp).await;
    assert_eq!(body["plan"], "gold");

    delete_session(&mut raw, &sid).await;
    let resp = test::call_service(&app, call("/notes", true)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let challenge = resp
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains("session has ended"), "{challenge}");

    let resp = test::call_service(&app, call("/admin", false)).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "the token carries no roles");
}
