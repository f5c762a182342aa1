//! Expired rows are purged (by `tollgate purge` and by the server's
//! sweeper), and what a check still needs is kept.

use crate::helpers::{spawn_app, spawn_app_on, TestApp, TestDb};
use tollgate::storage::{self, sessions::SessionRow, tokens::CodeRow, tokens::RefreshRow, DbConnection};

const DAY: i64 = 86_400;

struct Seed {
    user: String,
    client: String,
}

async fn seeded_app() -> (TestApp, Seed) {
    let app = spawn_app().await;
    let seed = seed(&app);
    (app, seed)
}

fn seed(app: &TestApp) -> Seed {
    let user = app.create_user("alice", "correct horse battery");
    let client = app
        .create_client(&["--redirect-uri", "https://app.example/cb", "--scope", "profile"])
        .id;
    Seed { user, client }
}

fn refresh(seed: &Seed, hash: &str, family: &str, expires_at: i64, rotated: bool) -> RefreshRow {
    RefreshRow {
        token_hash: hash.into(),
        family_id: family.into(),
        parent_hash: None,
        client_id: seed.client.clone(),
        user_id: Some(seed.user.clone()),
        session_id: None,
        scope: "profile".into(),
        audience: "aud".into(),
        created_at: expires_at - 30 * DAY,
        expires_at,
        rotated_at: rotated.then_some(expires_at - 29 * DAY),
        revoked_at: None,
        auth_time: None,
        dpop_jkt: None,
    }
}

fn session(seed: &Seed, public_id: &str, expires_at: i64, ended_at: Option<i64>) -> SessionRow {
    SessionRow {
        id_hash: format!("hash-{public_id}"),
        public_id: public_id.into(),
        user_id: seed.user.clone(),
        csrf_secret: "csrf".into(),
        authenticated_at: expires_at - DAY,
        expires_at,
        ended_at,
    }
}

fn code(seed: &Seed, hash: &str, expires_at: i64) -> CodeRow {
    CodeRow {
        code_hash: hash.into(),
        client_id: seed.client.clone(),
        user_id: seed.user.clone(),
        session_id: None,
        redirect_uri: None,
        scope: "profile".into(),
        audience: "aud".into(),
        code_challenge: None,
        code_challenge_method: None,
        created_at: expires_at - 60,
        expires_at,
        redeemed_at: None,
        issued_family_id: None,
        issued_access_jti: None,
        nonce: None,
        auth_time: None,
        dpop_jkt: None,
    }
}

fn with_db<T>(app: &TestApp, f: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>) -> T {
    app.database().run_sync(f).unwrap()
}

fn purge(app: &TestApp) -> String {
    let out = app.cli(&["purge"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

fn refresh_exists(app: &TestApp, hash: &str) -> bool {
    with_db(app, |c| storage::tokens::refresh_by_hash(c, hash)).is_some()
}

fn session_exists(app: &TestApp, public_id: &str) -> bool {
    with_db(app, |c| {
        use diesel::prelude::*;
        use tollgate::storage::schema::sessions::dsl as s;
        s::sessions
            .filter(s::public_id.eq(public_id))
            .count()
            .get_result::<i64>(c)
    }) > 0
}

#[tokio::test]
async fn purge_deletes_a_dead_refresh_token_family_and_keeps_a_live_family_whole() {
    let (app, seed) = seeded_app().await;
    let now = tollgate::domain::Clock::system().now();
    with_db(&app, |c| {
        storage::tokens::insert_refresh(c, &refresh(&seed, "dead-old", "dead", now - 60 * DAY, true))?;
        storage::tokens::insert_refresh(c, &refresh(&seed, "dead-new", "dead", now - 2 * DAY, false))?;
        // A long-expired, rotated-out token of a family whose newest token lives.
        storage::tokens::insert_refresh(c, &refresh(&seed, "live-old", "live", now - 40 * DAY, true))?;
        storage::tokens::insert_refresh(c, &refresh(&seed, "live-new", "live", now + DAY, false))
    });
    purge(&app);
    assert!(!refresh_exists(&app, "dead-old"));
    assert!(!refresh_exists(&app, "dead-new"));
    assert!(refresh_exists(&app, "live-old"));
    assert!(refresh_exists(&app, "live-new"));
}

#[tokio::test]
async fn a_rotated_out_refresh_token_is_still_caught_as_reuse_after_a_purge() {
    let app = spawn_app().await;
    let client = app.first_party_client();
    let first = app.alice_refresh_token(&client).await;
    let form = [("grant_type", "refresh_token"), ("refresh_token", first.as_str())];
    let rotated = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let second = rotated.body["refresh_token"].as_str().unwrap().to_string();
    // Out of the grace window: the next use of the first token is reuse.
    with_db(&app, |c| {
        use diesel::prelude::*;
        use tollgate::storage::schema::refresh_tokens::dsl as rt;
        diesel::update(rt::refresh_tokens.filter(rt::rotated_at.is_not_null()))
            .set(rt::rotated_at.eq(Some(tollgate::domain::Clock::system().now() - 3600)))
            .execute(c)
    });
    purge(&app);
    let reuse = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(reuse.error(), "invalid_grant");
    let after = [
        ("grant_type", "refresh_token"),
        ("refresh_token", second.as_str()),
    ];
    let family_revoked = app.post_form("/oauth2/token", &after, Some(&client)).await;
    assert_eq!(family_revoked.error(), "invalid_grant", "{}", family_revoked.body);
}

#[tokio::test]
async fn purge_deletes_codes_expired_beyond_the_margin_and_keeps_recent_ones() {
    let (app, seed) = seeded_app().await;
    let now = tollgate::domain::Clock::system().now();
    with_db(&app, |c| {
        storage::tokens::insert_code(c, &code(&seed, "old", now - DAY))?;
        storage::tokens::insert_code(c, &code(&seed, "just-expired", now - 60))?;
        storage::tokens::insert_code(c, &code(&seed, "fresh", now + 60))
    });
    purge(&app);
    let exists = |h: &str| with_db(&app, |c| storage::tokens::code_by_hash(c, h)).is_some();
    assert!(!exists("old"));
    assert!(exists("just-expired"));
    assert!(exists("fresh"));
}

#[tokio::test]
async fn purge_deletes_sessions_ended_longer_ago_than_the_retention() {
    let (app, seed) = seeded_app().await;
    let now = tollgate::domain::Clock::system().now();
    with_db(&app, |c| {
        storage::sessions::insert(
            c,
            &session(&seed, "ended-long-ago", now - 9 * DAY, Some(now - 10 * DAY)),
        )?;
        storage::sessions::insert(c, &session(&seed, "ended-yesterday", now + DAY, Some(now - DAY)))?;
        storage::sessions::insert(c, &session(&seed, "lapsed-long-ago", now - 10 * DAY, None))?;
        storage::sessions::insert(c, &session(&seed, "live", now + DAY, None))
    });
    purge(&app);
    assert!(!session_exists(&app, "ended-long-ago"));
    assert!(session_exists(&app, "ended-yesterday"));
    assert!(!session_exists(&app, "lapsed-long-ago"));
    assert!(session_exists(&app, "live"));
}

#[tokio::test]
async fn a_lapsed_session_is_kept_while_a_refresh_token_issued_under_it_lives() {
    let (app, seed) = seeded_app().await;
    let now = tollgate::domain::Clock::system().now();
    with_db(&app, |c| {
        storage::sessions::insert(c, &session(&seed, "lapsed", now - 10 * DAY, None))?;
        let mut token = refresh(&seed, "under-lapsed", "f", now + 5 * DAY, false);
        token.session_id = Some("lapsed".into());
        storage::tokens::insert_refresh(c, &token)
    });
    purge(&app);
    assert!(session_exists(&app, "lapsed"));
    assert!(!with_db(&app, |c| storage::sessions::has_ended(c, "lapsed")));
}

#[tokio::test]
async fn purge_deletes_login_failures_whose_window_and_lock_are_over() {
    let app = spawn_app().await;
    let now = tollgate::domain::Clock::system().now();
    with_db(&app, |c| {
        storage::throttle::count(c, "account:old", now - DAY, 5, 300)?;
        storage::throttle::count(c, "account:recent", now - 10, 5, 300)?;
        // Locked for a day, from a window that started long ago.
        storage::throttle::count(c, "account:locked", now - 600, 0, DAY).map(|_| ())
    });
    purge(&app);
    let subjects: Vec<String> = with_db(&app, |c| {
        use diesel::prelude::*;
        use tollgate::storage::schema::login_failures::dsl as lf;
        lf::login_failures.select(lf::subject).order(lf::subject).load(c)
    });
    assert_eq!(subjects, vec!["account:locked", "account:recent"]);
}

#[tokio::test]
async fn purge_deletes_revoked_access_token_ids_once_their_tokens_expired() {
    let app = spawn_app().await;
    let now = tollgate::domain::Clock::system().now();
    with_db(&app, |c| {
        storage::tokens::revoke_jti(c, "expired", now - 60)?;
        storage::tokens::revoke_jti(c, "alive", now + 600)
    });
    purge(&app);
    assert!(!with_db(&app, |c| storage::tokens::is_jti_revoked(c, "expired")));
    assert!(with_db(&app, |c| storage::tokens::is_jti_revoked(c, "alive")));
}

#[tokio::test]
async fn purge_keeps_a_consent_withdrawal_while_tokens_issued_before_it_could_live() {
    let (app, seed) = seeded_app().await;
    let other = app
        .create_client(&["--redirect-uri", "https://app.example/cb", "--scope", "profile"])
        .id;
    let now = tollgate::domain::Clock::system().now();
    with_db(&app, |c| {
        storage::consents::record_withdrawal(c, &seed.user, &seed.client, now - 40 * DAY)?;
        storage::consents::record_withdrawal(c, &seed.user, &other, now - 20 * DAY)
    });
    purge(&app);
    let withdrawn = |client: &str| {
        with_db(&app, |c| {
            storage::consents::withdrawn_since(c, &seed.user, client, now - 50 * DAY)
        })
    };
    assert!(!withdrawn(&seed.client));
    assert!(withdrawn(&other));
}

#[tokio::test]
async fn purge_prints_how_many_rows_it_deleted_per_table() {
    let app = spawn_app().await;
    let now = tollgate::domain::Clock::system().now();
    with_db(&app, |c| {
        storage::tokens::revoke_jti(c, "a", now - 60)?;
        storage::tokens::revoke_jti(c, "b", now - 60)
    });
    let out = purge(&app);
    assert!(out.lines().any(|l| l == "revoked_access_tokens\t2"), "{out}");
    assert!(out.lines().any(|l| l == "refresh_tokens\t0"), "{out}");
}

#[tokio::test]
async fn the_server_sweeps_expired_rows_in_batches_while_it_runs() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.purge_interval = 1;
        s.purge_batch_size = 2;
    })
    .await;
    let now = tollgate::domain::Clock::system().now();
    with_db(&app, |c| {
        for i in 0..5 {
            storage::tokens::revoke_jti(c, &format!("expired-{i}"), now - 60)?;
        }
        storage::tokens::revoke_jti(c, "alive", now + 600)
    });
    let count = || {
        with_db(&app, |c| {
            use diesel::prelude::*;
            use tollgate::storage::schema::revoked_access_tokens::dsl as ra;
            ra::revoked_access_tokens.count().get_result::<i64>(c)
        })
    };
    for _ in 0..50 {
        if count() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(count(), 1);
    assert!(with_db(&app, |c| storage::tokens::is_jti_revoked(c, "alive")));
}
