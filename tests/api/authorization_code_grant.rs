//! Redeeming authorization codes: PKCE, redirect URI binding, single use.
//! Codes are obtained as a client obtains them: a user signs in, the client
//! asks `/oauth2/authorize`, the user approves, the redirect carries the code.

use crate::browser::Agent;
use crate::helpers::{claims_of, random_lowercase, spawn_app, Answer, TestApp, TestClient};
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use oauth2::PkceCodeChallenge;
use tollgate::storage::schema;

const REDIRECT: &str = "https://app.example/callback";
const PASSWORD: &str = "correct horse battery";

struct Seeded {
    code: String,
    client: TestClient,
}

fn web_client(app: &TestApp) -> TestClient {
    app.create_client(&["--redirect-uri", REDIRECT, "--scope", "profile"])
}

/// A code issued to `client` for a new user through the authorization
/// endpoint: with `challenge` (S256) if given, and `redirect` as the
/// request's `redirect_uri` if given.
async fn seed_code(
    app: &TestApp,
    client: &TestClient,
    challenge: Option<&PkceCodeChallenge>,
    redirect: Option<&str>,
) -> String {
    let username = format!("user{}", random_lowercase(6));
    app.create_user(&username, PASSWORD);
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.id)
        .append_pair("scope", "profile")
        .append_pair("state", "s1");
    if let Some(redirect) = redirect {
        query.append_pair("redirect_uri", redirect);
    }
    if let Some(challenge) = challenge {
        query
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", challenge.method().as_str());
    }
    let authorize = format!("/oauth2/authorize?{}", query.finish());
    let agent = Agent::new(app);
    let signed_in = agent.sign_in(&username, PASSWORD, &authorize).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let consent = agent.follow(&signed_in).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let approved = agent.decide(&consent, "approve").await;
    approved
        .query_param("code")
        .unwrap_or_else(|| panic!("a code in {:?}", approved.location))
}

/// Lets `client` ask for codes without PKCE. No registration can turn PKCE
/// off, so this one flag is set in the database.
fn allow_codes_without_pkce(app: &TestApp, client: &TestClient) {
    use schema::clients::dsl;
    let id = client.id.clone();
    app.database()
        .run_sync(move |conn| {
            diesel::update(dsl::clients.filter(dsl::id.eq(id)))
                .set(dsl::require_pkce.eq(false))
                .execute(conn)
        })
        .unwrap();
}

/// Makes every code issued so far expire: codes live at least 5 seconds,
/// and waiting that long in a test is waste.
fn expire_codes(app: &TestApp) {
    use schema::authorization_codes::dsl;
    let past = tollgate::domain::Clock::system().now() - 1;
    app.database()
        .run_sync(move |conn| {
            diesel::update(dsl::authorization_codes)
                .set(dsl::expires_at.eq(past))
                .execute(conn)
        })
        .unwrap();
}

async fn redeem(app: &TestApp, s: &Seeded, verifier: Option<&str>, redirect: Option<&str>) -> Answer {
    let mut form = vec![("grant_type", "authorization_code"), ("code", s.code.as_str())];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    if let Some(r) = redirect {
        form.push(("redirect_uri", r));
    }
    app.post_form("/oauth2/token", &form, Some(&s.client)).await
}

#[tokio::test]
async fn the_oauth2_crate_exchanges_a_code_with_its_pkce_verifier() {
    use oauth2::basic::BasicClient;
    use oauth2::{AuthorizationCode, ClientId, ClientSecret, RedirectUrl, TokenResponse, TokenUrl};
    let app = spawn_app().await;
    let client = web_client(&app);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let code = seed_code(&app, &client, Some(&challenge), Some(REDIRECT)).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = BasicClient::new(ClientId::new(client.id.clone()))
        .set_client_secret(ClientSecret::new(client.secret.clone().unwrap()))
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(claims_of(token.access_token().secret())["scope"], "profile");
    assert!(token.refresh_token().is_some());
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_invalid_grant() {
    let app = spawn_app().await;
    let client = web_client(&app);
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let s = Seeded {
        code: seed_code(&app, &client, Some(&challenge), None).await,
        client,
    };
    let (_, other) = PkceCodeChallenge::new_random_sha256();
    let answer = redeem(&app, &s, Some(other.secret()), None).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_grant");
}

#[tokio::test]
async fn a_missing_pkce_verifier_is_invalid_grant() {
    let app = spawn_app().await;
    let client = web_client(&app);
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let s = Seeded {
        code: seed_code(&app, &client, Some(&challenge), None).await,
        client,
    };
    assert_eq!(redeem(&app, &s, None, None).await.error(), "invalid_grant");
}

#[tokio::test]
async fn a_verifier_for_a_code_issued_without_pkce_is_refused_as_a_downgrade() {
    let app = spawn_app().await;
    let client = web_client(&app);
    allow_codes_without_pkce(&app, &client);
    let s = Seeded {
        code: seed_code(&app, &client, None, None).await,
        client,
    };
    let (_, verifier) = PkceCodeChallenge::new_random_sha256();
    assert_eq!(
        redeem(&app, &s, Some(verifier.secret()), None).await.error(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_malformed_verifier_is_invalid_request() {
    let app = spawn_app().await;
    let client = web_client(&app);
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let s = Seeded {
        code: seed_code(&app, &client, Some(&challenge), None).await,
        client,
    };
    assert_eq!(
        redeem(&app, &s, Some("too-short"), None).await.error(),
        "invalid_request"
    );
}

#[tokio::test]
async fn a_redirect_uri_other_than_the_authorization_requests_is_invalid_grant() {
    let app = spawn_app().await;
    let client = web_client(&app);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let s = Seeded {
        code: seed_code(&app, &client, Some(&challenge), Some(REDIRECT)).await,
        client,
    };
    let answer = redeem(
        &app,
        &s,
        Some(verifier.secret()),
        Some("https://app.example/callback/"),
    )
    .await;
    assert_eq!(answer.error(), "invalid_grant");
}

#[tokio::test]
async fn a_code_issued_to_another_client_is_invalid_grant() {
    let app = spawn_app().await;
    let owner = web_client(&app);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let code = seed_code(&app, &owner, Some(&challenge), None).await;
    let s = Seeded {
        code,
        client: web_client(&app),
    };
    assert_eq!(
        redeem(&app, &s, Some(verifier.secret()), None).await.error(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_what_the_first_redemption_issued() {
    let app = spawn_app().await;
    let client = web_client(&app);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let s = Seeded {
        code: seed_code(&app, &client, Some(&challenge), None).await,
        client: client.clone(),
    };
    let first = redeem(&app, &s, Some(verifier.secret()), None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let access = first.body["access_token"].as_str().unwrap();
    let refresh = first.body["refresh_token"].as_str().unwrap();
    assert_eq!(app.introspect(access, &client).await["active"], true);

    let replay = redeem(&app, &s, Some(verifier.secret()), None).await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.error(), "invalid_grant");
    assert_eq!(
        app.introspect(access, &client).await["active"],
        false,
        "the first access token is revoked"
    );
    let refreshed = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            Some(&client),
        )
        .await;
    assert_eq!(
        refreshed.error(),
        "invalid_grant",
        "the first refresh token is revoked"
    );
}

#[tokio::test]
async fn an_unknown_code_is_invalid_grant() {
    let app = spawn_app().await;
    let client = web_client(&app);
    let s = Seeded {
        code: "no-such-code".into(),
        client,
    };
    assert_eq!(redeem(&app, &s, None, None).await.error(), "invalid_grant");
}

#[tokio::test]
async fn two_redemptions_at_once_issue_once_and_the_race_revokes_it() {
    let app = spawn_app().await;
    let client = web_client(&app);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let s = Seeded {
        code: seed_code(&app, &client, Some(&challenge), None).await,
        client: client.clone(),
    };
    let (a, b) = tokio::join!(
        redeem(&app, &s, Some(verifier.secret()), None),
        redeem(&app, &s, Some(verifier.secret()), None)
    );
    let winners: Vec<&Answer> = [&a, &b].into_iter().filter(|x| x.status == 200).collect();
    assert_eq!(winners.len(), 1, "{} / {}", a.body, b.body);
    let loser = if a.status == 200 { &b } else { &a };
    assert_eq!(loser.error(), "invalid_grant");
    let access = winners[0].body["access_token"].as_str().unwrap();
    assert_eq!(
        app.introspect(access, &client).await["active"],
        false,
        "the replay revoked what was issued"
    );
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let app = spawn_app().await;
    let client = web_client(&app);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let code = seed_code(&app, &client, Some(&challenge), None).await;
    expire_codes(&app);
    let s = Seeded { code, client };
    let answer = redeem(&app, &s, Some(verifier.secret()), None).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_grant");
}
