//! The `resource_server` example with a session store: a user's token
//! works while the session lives, is refused through Redis alone once the
//! user logged out, and a route needing a role answers by the session's
//! roles.

use crate::browser::REDIRECT;
use crate::helpers::{spawn_app_on, TestDb};
use crate::logout_support::{log_out, sid_of, signed_in, tokens};
use crate::resource_server::ResourceServer;
use crate::session_store::{grant_role, projected, redis_at, wait_for_hash, SHARED_REDIS, WAIT};
use std::time::Instant;

#[tokio::test]
async fn the_example_refuses_a_token_once_its_session_ended_and_requires_a_role() {
    let Some(mut redis) = redis_at(SHARED_REDIS).await else {
        return;
    };
    let app = spawn_app_on(TestDb::new(), |s| s.session_store_url = Some(SHARED_REDIS.into())).await;
    let client = app.create_client(&["--redirect-uri", REDIRECT, "--scope", "profile"]);
    let agent = signed_in(&app, "alice").await;
    let issued = tokens(&app, &agent, &client).await;
    let token = issued.body["access_token"].as_str().unwrap().to_string();
    let sid = sid_of(&issued);
    projected(&mut redis, &sid).await;
    // Tokens asked for without `resource` are for the issuer.
    let api =
        ResourceServer::start_with(&app.address, &app.address, &[("SESSION_STORE_URL", SHARED_REDIS)]).await;

    let me = api.get("/me", Some(&token)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["username"], "alice");

    let refused = api.get("/admin", Some(&token)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let challenge = refused.header("www-authenticate").unwrap_or_default().to_string();
    assert!(challenge.contains("error=\"insufficient_scope\""), "{challenge}");
    grant_role(&app, "alice", &app.address, "admin");
    wait_for_hash(&mut redis, &sid, "the role projected", |f| {
        f.get(&format!("roles:{}", app.address)).map(String::as_str) == Some("admin")
    })
    .await;
    let allowed = api.get("/admin", Some(&token)).await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);

    log_out(&agent).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = api.get("/me", Some(&token)).await;
        if answer.status == 401 {
            let challenge = answer.header("www-authenticate").unwrap_or_default().to_string();
            assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
            assert!(challenge.contains("session has ended"), "{challenge}");
            break;
        }
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(Instant::now() < deadline, "the example still accepts the token");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
