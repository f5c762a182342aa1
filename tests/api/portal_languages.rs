//! The developer portal in the browser's language: the list, the form, and
//! the rules a form breaks, which the JSON API still states in English.

use crate::browser::{Agent, Page};
use crate::helpers::{answer, spawn_app_on, TestDb};
use serde_json::json;

/// Posts the new-application form with `redirect_uris`.
async fn register_with(agent: &Agent<'_>, redirect_uris: &str) -> Page {
    let form = agent.get("/portal/apps/new").await;
    agent
        .post(
            "/portal/apps",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("name", "Fotos"),
                ("client_type", "confidential"),
                ("redirect_uris", redirect_uris),
                ("grant_authorization_code", "on"),
            ],
        )
        .await
}

#[tokio::test]
async fn the_portal_list_is_german_for_a_browser_preferring_german() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let dev = Agent::speaking(&app, "de-DE,de;q=0.9").signed_up("dev").await;
    let page = dev.get("/portal").await;
    assert_eq!(page.status, 200);
    page.assert_in("de");
    assert!(page.body.contains("<h1>Ihre Anwendungen</h1>"), "{}", page.body);
    assert!(page.body.contains("Anwendung registrieren"), "{}", page.body);
    assert!(
        page.body.contains("Noch keine Anwendung registriert."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_portal_list_is_english_without_accept_language() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let dev = Agent::developer(&app, "dev").await;
    let page = dev.get("/portal").await;
    assert_eq!(page.language(), "en");
    assert!(page.body.contains(r#"<html lang="en">"#));
    assert!(page.body.contains("<h1>Your applications</h1>"), "{}", page.body);
    assert!(
        page.body.contains("No application registered yet."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_new_application_form_is_german() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let dev = Agent::speaking(&app, "de").signed_up("dev").await;
    let page = dev.get("/portal/apps/new").await;
    assert_eq!(page.status, 200);
    page.assert_in("de");
    for words in [
        "Weiterleitungs-URIs",
        "Grant-Typen",
        "Berechtigungen",
        "Registrieren</button>",
    ] {
        assert!(page.body.contains(words), "{words}: {}", page.body);
    }
}

#[tokio::test]
async fn a_redirect_uri_with_a_fragment_is_refused_in_german_on_the_form() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let dev = Agent::speaking(&app, "de").signed_up("dev").await;
    let page = register_with(&dev, "https://fotos.example/callback#hier").await;
    assert_eq!(page.status, 422, "{}", page.body);
    page.assert_in("de");
    assert!(
        page.body.contains("Die Anwendung wurde nicht gespeichert"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Eine Weiterleitungs-URI darf kein Fragment (#) enthalten."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_redirect_uri_with_a_fragment_is_refused_in_english_without_accept_language() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let dev = Agent::developer(&app, "dev").await;
    let page = register_with(&dev, "https://fotos.example/callback#here").await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body.contains("a redirect URI cannot contain a fragment"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_same_rule_through_dynamic_registration_stays_english_for_a_german_client() {
    let app = spawn_app_on(TestDb::new(), |s| s.open_registration = true).await;
    let metadata = json!({
        "client_name": "Fotos",
        "redirect_uris": ["https://fotos.example/callback#hier"],
    });
    let response = app
        .http
        .post(app.url("/oauth2/register"))
        .header("Accept-Language", "de")
        .json(&metadata)
        .send()
        .await
        .unwrap();
    let refused = answer(response).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.error(), "invalid_redirect_uri");
    assert_eq!(
        refused.body["error_description"],
        "redirect_uris: a redirect URI cannot contain a fragment"
    );
}

#[tokio::test]
async fn the_delete_page_is_german() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let dev = Agent::speaking(&app, "de").signed_up("dev").await;
    let registered = register_with(&dev, "https://fotos.example/callback").await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    let secret = dev.follow(&registered).await;
    secret.assert_in("de");
    assert!(
        secret.body.contains("Kopieren Sie das Geheimnis jetzt."),
        "{}",
        secret.body
    );
    let id = registered
        .location
        .unwrap()
        .split('/')
        .nth(3)
        .unwrap()
        .to_string();
    let page = dev.get(&format!("/portal/apps/{id}/delete")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_in("de");
    assert!(page.body.contains("<h1>Fotos löschen?</h1>"), "{}", page.body);
    assert!(page.body.contains("Behalten"), "{}", page.body);
}
