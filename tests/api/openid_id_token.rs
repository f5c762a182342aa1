//! OpenID Connect id tokens (Core §2, §3.1.3, §3.2.2, §8, §12): from the
//! code, refresh, password and implicit grants, checked against the JWKS.

use crate::browser::{Agent, PASSWORD, REDIRECT};
use crate::helpers::{claims_of, spawn_app, spawn_app_on, TestApp, TestDb};
use crate::oidc::{
    code_flow, implicit_party, left_half_hash, make_pairwise, relying_party, relying_party_at, set_profile,
    signed_in, verify_id_token,
};

#[tokio::test]
async fn the_code_grant_returns_an_id_token_whose_every_claim_checks_out() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let before = now();
    let agent = signed_in(&app, "alice").await;
    let nonce = "n-0S6_WzA2Mj &+=ü";
    let answer = code_flow(
        &app,
        &agent,
        &client,
        &[("scope", "openid profile"), ("nonce", nonce)],
    )
    .await;

    let id_token = answer.body["id_token"].as_str().expect("an id token");
    let access_token = answer.body["access_token"].as_str().unwrap();
    let claims = verify_id_token(&app, id_token, &client.id).await;
    let access = claims_of(access_token);
    assert_eq!(claims["iss"], app.settings.issuer.as_str());
    assert_eq!(claims["sub"], access["sub"], "the same sub as the access token");
    assert_eq!(claims["aud"], client.id.as_str());
    assert_eq!(claims["azp"], client.id.as_str());
    assert_eq!(claims["nonce"], nonce, "echoed exactly");
    assert_eq!(claims["sid"], access["sid"], "the session's public id");
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    let iat = claims["iat"].as_i64().unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - iat,
        app.settings.access_token_ttl
    );
    let auth_time = claims["auth_time"].as_i64().unwrap();
    assert!(
        auth_time >= before && auth_time <= iat,
        "{auth_time} is the sign-in"
    );
    assert_eq!(claims["at_hash"], left_half_hash(id_token, access_token));
    assert!(claims.get("c_hash").is_none() && claims.get("name").is_none());
}

#[tokio::test]
async fn an_id_token_carries_no_nonce_when_the_request_sent_none() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let answer = code_flow(&app, &agent, &client, &[("scope", "openid")]).await;
    let claims = verify_id_token(&app, answer.body["id_token"].as_str().unwrap(), &client.id).await;
    assert!(claims.get("nonce").is_none(), "{claims}");
}

#[tokio::test]
async fn without_the_openid_scope_there_is_no_id_token() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let answer = code_flow(&app, &agent, &client, &[("scope", "profile"), ("nonce", "n")]).await;
    assert!(answer.body.get("id_token").is_none(), "{}", answer.body);
    assert!(answer.body["access_token"].is_string());
}

#[tokio::test]
async fn the_refresh_grant_returns_an_id_token_with_the_same_sub_and_auth_time() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let first = code_flow(&app, &agent, &client, &[("scope", "openid"), ("nonce", "abc")]).await;
    let before = verify_id_token(&app, first.body["id_token"].as_str().unwrap(), &client.id).await;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first.body["refresh_token"].as_str().unwrap()),
    ];
    let refreshed = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let id_token = refreshed.body["id_token"].as_str().expect("a fresh id token");
    let after = verify_id_token(&app, id_token, &client.id).await;
    assert_eq!(after["sub"], before["sub"]);
    assert_eq!(after["auth_time"], before["auth_time"]);
    assert_eq!(after["sid"], before["sid"]);
    assert!(
        after.get("nonce").is_none(),
        "a refresh answers no authentication request"
    );
    let access_token = refreshed.body["access_token"].as_str().unwrap();
    assert_eq!(after["at_hash"], left_half_hash(id_token, access_token));
}

#[tokio::test]
async fn a_refresh_narrowed_to_exclude_openid_returns_no_id_token() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let first = code_flow(&app, &agent, &client, &[("scope", "openid profile")]).await;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first.body["refresh_token"].as_str().unwrap()),
        ("scope", "profile"),
    ];
    let refreshed = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert!(refreshed.body.get("id_token").is_none());
}

/// A trusted client of the password grant with `openid`.
fn password_client(app: &TestApp) -> crate::helpers::TestClient {
    app.create_client(&[
        "--trusted",
        "--grant-type",
        "password",
        "--scope",
        "openid",
        "--scope",
        "profile",
    ])
}

async fn password_grant(
    app: &TestApp,
    client: &crate::helpers::TestClient,
    scope: &str,
) -> crate::helpers::Answer {
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD),
        ("scope", scope),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(client)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer
}

#[tokio::test]
async fn the_password_grant_returns_an_id_token_signed_in_now_without_a_session() {
    let app = spawn_app().await;
    let user_id = app.create_user("alice", PASSWORD);
    let client = password_client(&app);
    let before = now();
    let answer = password_grant(&app, &client, "openid").await;
    let id_token = answer.body["id_token"].as_str().expect("an id token");
    let claims = verify_id_token(&app, id_token, &client.id).await;
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    assert!(claims["auth_time"].as_i64().unwrap() >= before);
    assert!(
        claims.get("sid").is_none() && claims.get("nonce").is_none(),
        "{claims}"
    );

    let without = password_grant(&app, &client, "profile").await;
    assert!(without.body.get("id_token").is_none());
}

#[tokio::test]
async fn at_hash_follows_the_signing_algorithm() {
    for alg in ["ES256", "RS256"] {
        let app = spawn_app_on(TestDb::new(), |s| s.signing_alg = alg.parse().unwrap()).await;
        app.create_user("alice", PASSWORD);
        let client = password_client(&app);
        let answer = password_grant(&app, &client, "openid").await;
        let id_token = answer.body["id_token"].as_str().unwrap();
        assert_eq!(
            format!("{:?}", jsonwebtoken::decode_header(id_token).unwrap().alg),
            alg
        );
        let claims = verify_id_token(&app, id_token, &client.id).await;
        let access_token = answer.body["access_token"].as_str().unwrap();
        assert_eq!(claims["at_hash"], left_half_hash(id_token, access_token), "{alg}");
    }
}

/// An implicit authentication request with `response_type` and `extra`.
fn implicit_path(client: &crate::helpers::TestClient, response_type: &str, extra: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", response_type)
        .append_pair("client_id", &client.id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", "st");
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!("/oauth2/authorize?{}", q.finish())
}

/// Follows an implicit request through consent: the answer to the client.
async fn implicit_answer(agent: &Agent<'_>, path: &str) -> crate::browser::Page {
    let page = agent.get(path).await;
    let page = if page.status == 200 {
        agent.decide(&page, "approve").await
    } else {
        page
    };
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.location.as_deref().unwrap().starts_with(REDIRECT));
    page
}

#[tokio::test]
async fn response_type_id_token_answers_in_the_fragment_with_the_profile_in_the_token() {
    let app = spawn_app().await;
    let client = implicit_party(&app);
    let user_id = app.create_user("bob", PASSWORD);
    set_profile(&app, &user_id, "Bob Builder", "bob@example.com");
    let agent = Agent::new(&app);
    agent.sign_in("bob", PASSWORD, "/account").await;
    let path = implicit_path(
        &client,
        "id_token",
        &[("scope", "openid profile email"), ("nonce", "n-1")],
    );
    let answer = implicit_answer(&agent, &path).await;
    assert!(answer.location_url().query().is_none(), "nothing in the query");
    assert!(
        answer.fragment_param("access_token").is_none(),
        "no access token asked for"
    );
    assert_eq!(answer.fragment_param("state").as_deref(), Some("st"));
    assert_eq!(
        answer.fragment_param("iss").as_deref(),
        Some(app.settings.issuer.as_str())
    );
    let id_token = answer.fragment_param("id_token").expect("an id token");
    let claims = verify_id_token(&app, &id_token, &client.id).await;
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["nonce"], "n-1");
    assert!(claims.get("at_hash").is_none());
    // Core §5.4: no access token to fetch them with, so they travel here.
    assert_eq!(claims["name"], "Bob Builder");
    assert_eq!(claims["preferred_username"], "bob");
    assert_eq!(claims["email"], "bob@example.com");
    assert_eq!(claims["email_verified"], false);
    assert!(claims.get("given_name").is_none(), "no value, no claim");
}

#[tokio::test]
async fn response_type_id_token_token_carries_both_and_a_matching_at_hash() {
    let app = spawn_app().await;
    let client = implicit_party(&app);
    let agent = signed_in(&app, "alice").await;
    let path = implicit_path(
        &client,
        "id_token token",
        &[("scope", "openid profile"), ("nonce", "n-2")],
    );
    let answer = implicit_answer(&agent, &path).await;
    let access_token = answer.fragment_param("access_token").expect("an access token");
    let id_token = answer.fragment_param("id_token").expect("an id token");
    assert_eq!(answer.fragment_param("token_type").as_deref(), Some("Bearer"));
    assert!(answer.fragment_param("refresh_token").is_none());
    let claims = verify_id_token(&app, &id_token, &client.id).await;
    assert_eq!(claims["at_hash"], left_half_hash(&id_token, &access_token));
    assert_eq!(claims["sub"], claims_of(&access_token)["sub"]);
    assert_eq!(claims["sid"], claims_of(&access_token)["sid"]);
    assert!(
        claims.get("preferred_username").is_none(),
        "with an access token, claims are for userinfo"
    );
}

#[tokio::test]
async fn implicit_id_token_requests_need_a_nonce_openid_and_the_fragment() {
    let app = spawn_app().await;
    let client = implicit_party(&app);
    let agent = signed_in(&app, "alice").await;
    let cases: [(&str, &[(&str, &str)]); 3] = [
        ("id_token", &[("scope", "openid")]),
        ("id_token token", &[("scope", "profile"), ("nonce", "n")]),
        (
            "id_token",
            &[("scope", "openid"), ("nonce", "n"), ("response_mode", "query")],
        ),
    ];
    for (response_type, extra) in cases {
        let page = agent.get(&implicit_path(&client, response_type, extra)).await;
        assert_eq!(page.status, 303, "{response_type} {extra:?}");
        assert!(
            page.location_url().query().is_none(),
            "errors go in the fragment too"
        );
        assert_eq!(
            page.fragment_param("error").as_deref(),
            Some("invalid_request"),
            "{extra:?}"
        );
        assert_eq!(page.fragment_param("state").as_deref(), Some("st"));
    }
}

#[tokio::test]
async fn a_client_not_allowed_the_implicit_grant_gets_no_id_token_in_the_fragment() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let page = agent
        .get(&implicit_path(
            &client,
            "id_token",
            &[("scope", "openid"), ("nonce", "n")],
        ))
        .await;
    assert_eq!(
        page.fragment_param("error").as_deref(),
        Some("unauthorized_client")
    );
    assert!(page.fragment_param("id_token").is_none());
}

#[tokio::test]
async fn a_code_and_an_implicit_answer_record_the_client_in_the_session() {
    let app = spawn_app().await;
    let rp = relying_party(&app);
    let implicit = implicit_party(&app);
    let agent = signed_in(&app, "alice").await;
    let answer = code_flow(&app, &agent, &rp, &[("scope", "openid")]).await;
    let sid = claims_of(answer.body["access_token"].as_str().unwrap())["sid"]
        .as_str()
        .unwrap()
        .to_string();
    implicit_answer(
        &agent,
        &implicit_path(&implicit, "id_token", &[("scope", "openid"), ("nonce", "n")]),
    )
    .await;
    let lookup = sid.clone();
    let participants = app
        .database()
        .run_sync(move |conn| tollgate::storage::sessions::participants(conn, &lookup))
        .unwrap();
    let mut expected = vec![rp.id.clone(), implicit.id.clone()];
    expected.sort();
    assert_eq!(participants, expected);
}

#[tokio::test]
async fn a_pairwise_sub_is_stable_per_sector_and_differs_across_sectors() {
    let app = spawn_app().await;
    let user_id = app.create_user("alice", PASSWORD);
    let first = relying_party(&app);
    let same_sector = relying_party(&app);
    let other_sector = relying_party_at(&app, "https://other.example/callback");
    make_pairwise(&app, &first, "app.example");
    make_pairwise(&app, &same_sector, "app.example");
    make_pairwise(&app, &other_sector, "other.example");
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/account").await;

    let sub_of = |answer: crate::helpers::Answer, client: crate::helpers::TestClient| {
        let app = &app;
        async move {
            let id_token = answer.body["id_token"].as_str().unwrap().to_string();
            let claims = verify_id_token(app, &id_token, &client.id).await;
            let access = claims_of(answer.body["access_token"].as_str().unwrap());
            assert_eq!(
                claims["sub"], access["sub"],
                "the access token names the same sub"
            );
            claims["sub"].as_str().unwrap().to_string()
        }
    };
    let once = sub_of(
        code_flow(&app, &agent, &first, &[("scope", "openid")]).await,
        first.clone(),
    )
    .await;
    let twice = sub_of(
        code_flow(&app, &agent, &first, &[("scope", "openid")]).await,
        first.clone(),
    )
    .await;
    let sibling = sub_of(
        code_flow(&app, &agent, &same_sector, &[("scope", "openid")]).await,
        same_sector.clone(),
    )
    .await;
    assert_eq!(once, twice, "stable for one client");
    assert_eq!(once, sibling, "shared within a sector");
    assert_ne!(once, user_id, "not the user's id");

    let other = other_sector.clone();
    let (path, verifier) = crate::browser::authorize_path(&other, &[("scope", "openid")]);
    let path = path.replace(
        &crate::browser::urlencode(REDIRECT),
        &crate::browser::urlencode("https://other.example/callback"),
    );
    let consent = agent.get(&path).await;
    let code = agent
        .decide(&consent, "approve")
        .await
        .query_param("code")
        .unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://other.example/callback"),
        ("code_verifier", verifier.secret()),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(&other)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let elsewhere = sub_of(answer, other).await;
    assert_ne!(once, elsewhere, "no correlation across sectors");
    assert_ne!(elsewhere, user_id);
}

#[tokio::test]
async fn a_pairwise_clients_refresh_keeps_its_sub() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    make_pairwise(&app, &client, "app.example");
    let agent = signed_in(&app, "alice").await;
    let first = code_flow(&app, &agent, &client, &[("scope", "openid")]).await;
    let sub = claims_of(first.body["access_token"].as_str().unwrap())["sub"].clone();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first.body["refresh_token"].as_str().unwrap()),
    ];
    let refreshed = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert_eq!(
        claims_of(refreshed.body["access_token"].as_str().unwrap())["sub"],
        sub
    );
    let claims = verify_id_token(&app, refreshed.body["id_token"].as_str().unwrap(), &client.id).await;
    assert_eq!(claims["sub"], sub);
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn pairwise_clients_of_two_sectors_in_one_session_get_sids_they_cannot_link() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let first = relying_party(&app);
    // Sectors set directly, so both can use the tests' redirect URI.
    let other = relying_party(&app);
    make_pairwise(&app, &first, "app.example");
    make_pairwise(&app, &other, "other.example");
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/account").await;

    let first_tokens = code_flow(&app, &agent, &first, &[("scope", "openid")]).await;
    let other_tokens = code_flow(&app, &agent, &other, &[("scope", "openid")]).await;
    let sid = |answer: &crate::helpers::Answer| {
        claims_of(answer.body["id_token"].as_str().unwrap())["sid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (first_sid, other_sid) = (sid(&first_tokens), sid(&other_tokens));
    assert_ne!(first_sid, other_sid, "one session, two sectors, two sids");
    let access = first_tokens.body["access_token"].as_str().unwrap();
    assert_eq!(
        claims_of(access)["sid"],
        first_sid.as_str(),
        "the access token's too"
    );

    // The sector's sid still names the session: its tokens end with it.
    assert_eq!(app.introspect(access, &first).await["active"], true);
    let csrf = agent.get("/account").await.hidden("csrf_token");
    agent.post("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(app.introspect(access, &first).await["active"], false);
}
