//! Which language the pages speak: an authorization request's
//! `ui_locales`, then the browser's `Accept-Language`, then English.
//! (Each area's own pages in German are tested beside it, in the
//! `*_languages` files.)

use crate::browser::{authorize_path, web_app, Agent, PASSWORD};
use crate::helpers::spawn_app;

#[tokio::test]
async fn without_accept_language_a_page_is_english() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/login").await;
    assert_eq!(page.language(), "en");
    assert!(page.body.contains(r#"<html lang="en">"#));
    assert!(page.body.contains("<h1>Sign in</h1>"), "{}", page.body);
}

#[tokio::test]
async fn a_browser_preferring_german_gets_the_sign_in_page_in_german() {
    let app = spawn_app().await;
    let page = Agent::speaking(&app, "de-DE,de;q=0.9,en;q=0.8")
        .get("/login")
        .await;
    assert_eq!(page.language(), "de");
    assert!(page.body.contains(r#"<html lang="de">"#));
    assert!(page.body.contains("<h1>Anmelden</h1>"), "{}", page.body);
    assert!(page.body.contains("Passwort vergessen?"), "{}", page.body);
}

#[tokio::test]
async fn accept_language_weights_outrank_their_order() {
    let app = spawn_app().await;
    let page = Agent::speaking(&app, "de;q=0.2, en;q=0.9").get("/login").await;
    assert_eq!(page.language(), "en");
}

#[tokio::test]
async fn a_language_tollgate_does_not_speak_falls_back_to_english() {
    let app = spawn_app().await;
    let page = Agent::speaking(&app, "ja, fr;q=0.8").get("/login").await;
    assert_eq!(page.language(), "en");
    assert!(page.body.contains("<h1>Sign in</h1>"));
}

#[tokio::test]
async fn error_pages_speak_the_browsers_language() {
    let app = spawn_app().await;
    let page = Agent::speaking(&app, "de").get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Nicht gefunden"), "{}", page.body);
}

#[tokio::test]
async fn a_wrong_password_is_told_in_the_browsers_language() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let page = Agent::speaking(&app, "de")
        .sign_in("alice", "wrong password", "/account")
        .await;
    assert_eq!(page.status, 401);
    assert!(
        page.body.contains("Benutzername oder Passwort ist falsch."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn ui_locales_of_an_authorization_request_outranks_accept_language_on_the_sign_in_page() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = Agent::speaking(&app, "en");
    let (path, _) = authorize_path(&client, &[("scope", "profile"), ("ui_locales", "fr-CA de")]);
    let to_login = agent.get(&path).await;
    assert_eq!(to_login.status, 303);
    let login = agent.follow(&to_login).await;
    assert_eq!(login.language(), "de");
    assert!(login.body.contains("<h1>Anmelden</h1>"), "{}", login.body);
}

#[tokio::test]
async fn an_authorization_request_without_ui_locales_forgets_the_earlier_one() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = Agent::speaking(&app, "en");
    let (german, _) = authorize_path(&client, &[("scope", "profile"), ("ui_locales", "de")]);
    agent.get(&german).await;
    assert_eq!(agent.get("/login").await.language(), "de");
    let (plain, _) = authorize_path(&client, &[("scope", "profile")]);
    agent.get(&plain).await;
    assert_eq!(agent.get("/login").await.language(), "en");
}

#[tokio::test]
async fn ui_locales_naming_no_language_tollgate_speaks_leaves_the_browsers() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = Agent::speaking(&app, "de");
    let (path, _) = authorize_path(&client, &[("scope", "profile"), ("ui_locales", "ja")]);
    let login = agent.follow(&agent.get(&path).await).await;
    assert_eq!(login.language(), "de");
}

#[tokio::test]
async fn the_consent_page_follows_ui_locales_of_its_own_request() {
    let app = spawn_app().await;
    let client = web_app(&app);
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/account").await;
    let (path, _) = authorize_path(&client, &[("scope", "profile"), ("ui_locales", "de")]);
    let consent = agent.get(&path).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert_eq!(consent.language(), "de");
    assert!(consent.body.contains(r#"<html lang="de">"#));
}

#[tokio::test]
async fn json_answers_carry_no_content_language() {
    let app = spawn_app().await;
    let response = reqwest::Client::new()
        .get(app.url("/.well-known/openid-configuration"))
        .header("accept-language", "de")
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("content-language").is_none());
}

#[tokio::test]
async fn an_authorization_request_from_an_unknown_application_is_refused_in_the_browsers_language() {
    let app = spawn_app().await;
    let page = Agent::speaking(&app, "de")
        .get("/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example%2F")
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body
            .contains("Die Anwendung, die Sie hierher geschickt hat, ist nicht registriert."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_logout_request_naming_an_unknown_application_is_refused_in_the_browsers_language() {
    let app = spawn_app().await;
    let page = Agent::speaking(&app, "de")
        .get("/oauth2/logout?client_id=nobody")
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("Diese Anwendung gibt es nicht."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_refused_authorization_request_speaks_its_ui_locales() {
    let app = spawn_app().await;
    let page = Agent::new(&app)
        .get("/oauth2/authorize?response_type=code&client_id=nobody&ui_locales=de")
        .await;
    assert_eq!(page.status, 400);
    assert_eq!(page.language(), "de");
}

#[tokio::test]
async fn a_language_cookie_naming_no_language_tollgate_speaks_is_ignored() {
    let app = spawn_app().await;
    let response = reqwest::Client::new()
        .get(app.url("/login"))
        .header("cookie", "tollgate_lang=<script>")
        .header("accept-language", "de")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-language"], "de");
}

#[tokio::test]
async fn an_oversized_accept_language_header_is_ignored() {
    let app = spawn_app().await;
    let huge = format!("de,{}", "x-y;q=0.1,".repeat(200));
    let page = Agent::speaking(&app, &huge).get("/login").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.language(), "en");
}
