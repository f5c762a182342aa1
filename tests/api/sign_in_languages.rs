//! The sign-in area in the reader's language: sign-up, sign-out, password
//! reset, email verification, and the emails they send, which speak the
//! language of the request that sent them.

use crate::browser::{Agent, PASSWORD};
use crate::email::{ask_reset, verified_developer};
use crate::helpers::spawn_app;
use crate::smtp_sink::spawn_app_with_mail;

#[tokio::test]
async fn the_sign_up_page_is_german_for_a_german_browser() {
    let app = spawn_app().await;
    let page = Agent::speaking(&app, "de").get("/signup").await;
    assert_eq!(page.status, 200);
    page.assert_in("de");
    assert!(
        page.body.contains("<h1>Entwicklerkonto erstellen</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Passwort wiederholen"), "{}", page.body);
    assert!(page.body.contains("Sie haben schon ein Konto?"), "{}", page.body);
}

#[tokio::test]
async fn the_sign_up_page_is_english_without_accept_language() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/signup").await;
    page.assert_in("en");
    assert!(
        page.body.contains("<h1>Create a developer account</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Password again"), "{}", page.body);
}

#[tokio::test]
async fn sign_up_tells_differing_passwords_in_german() {
    let app = spawn_app().await;
    let agent = Agent::speaking(&app, "de");
    let form = agent.get("/signup").await;
    let page = agent
        .post(
            "/signup",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("username", "alice"),
                ("email", "alice@example.com"),
                ("password", PASSWORD),
                ("password_confirm", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    page.assert_in("de");
    assert!(
        page.body.contains("Es wurde kein Konto erstellt"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Die beiden Passwörter stimmen nicht überein."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_forgot_password_page_and_its_answer_are_german() {
    let app = spawn_app().await;
    let agent = Agent::speaking(&app, "de");
    let form = agent.get("/password/forgot").await;
    form.assert_in("de");
    assert!(
        form.body.contains("<h1>Passwort vergessen?</h1>"),
        "{}",
        form.body
    );
    assert!(form.body.contains("Link senden"), "{}", form.body);

    let asked = ask_reset(&agent, "nobody@example.com").await;
    let answer = agent.get(asked.location.as_deref().unwrap()).await;
    answer.assert_in("de");
    assert!(answer.body.contains("Spam-Ordner"), "{}", answer.body);
}

#[tokio::test]
async fn the_forgot_password_page_is_english_without_accept_language() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/password/forgot").await;
    page.assert_in("en");
    assert!(page.body.contains("Send me a link"), "{}", page.body);
}

#[tokio::test]
async fn a_password_reset_asked_in_german_arrives_in_german() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    verified_developer(&app, &sink, "alice").await;

    ask_reset(&Agent::speaking(&app, "de"), "alice@example.com").await;

    let mail = sink
        .wait_for("alice@example.com", "Setzen Sie Ihr Passwort zurück")
        .await;
    assert!(mail.text().starts_with("Hallo alice,"), "{}", mail.text());
    assert!(
        mail.text().contains("innerhalb von 30 Minuten"),
        "{}",
        mail.text()
    );
    let html = mail.body("text/html");
    assert!(html.contains(r#"<html lang="de">"#), "{html}");
    assert!(html.contains("Neues Passwort wählen"), "{html}");
}

#[tokio::test]
async fn a_password_reset_asked_without_accept_language_arrives_in_english() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    verified_developer(&app, &sink, "alice").await;

    ask_reset(&Agent::new(&app), "alice@example.com").await;

    let mail = sink.wait_for("alice@example.com", "Reset your password").await;
    assert!(mail.text().starts_with("Hello alice,"), "{}", mail.text());
    let html = mail.body("text/html");
    assert!(html.contains(r#"<html lang="en">"#), "{html}");
    assert!(html.contains("Choose a new password"), "{html}");
}

#[tokio::test]
async fn the_page_a_reset_link_opens_is_german_for_a_german_browser() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    verified_developer(&app, &sink, "alice").await;
    let agent = Agent::speaking(&app, "de");
    ask_reset(&agent, "alice@example.com").await;
    let mail = sink
        .wait_for("alice@example.com", "Setzen Sie Ihr Passwort zurück")
        .await;
    let link = mail.link(&format!("{}/password/reset?token=", app.address));

    let page = agent.get(&link).await;

    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_in("de");
    assert!(
        page.body.contains("<h1>Neues Passwort wählen</h1>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Für das Konto <strong>alice</strong>."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_unknown_reset_link_is_refused_in_german() {
    let app = spawn_app().await;
    let page = Agent::speaking(&app, "de")
        .get("/password/reset?token=no-such-token")
        .await;
    assert_eq!(page.status, 404);
    page.assert_in("de");
    assert!(
        page.body
            .contains("Dieser Link zum Zurücksetzen funktioniert nicht"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Neuen Link anfordern"), "{}", page.body);
}

#[tokio::test]
async fn a_german_sign_up_is_sent_a_german_verification_email() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    Agent::speaking(&app, "de").signed_up("alice").await;

    let mail = sink
        .wait_for("alice@example.com", "Bestätigen Sie Ihre E-Mail-Adresse")
        .await;
    assert!(mail.text().starts_with("Hallo alice,"), "{}", mail.text());
    assert!(mail.body("text/html").contains("Meine E-Mail-Adresse bestätigen"));
}

#[tokio::test]
async fn the_email_verification_page_is_german_for_a_german_browser() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    let alice = Agent::speaking(&app, "de").signed_up("alice").await;
    let mail = sink
        .wait_for("alice@example.com", "Bestätigen Sie Ihre E-Mail-Adresse")
        .await;
    let link = mail.link(&format!("{}/email/verify?token=", app.address));

    let page = alice.get(&link).await;

    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_in("de");
    assert!(
        page.body.contains("Bestätigen Sie, dass <strong"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Meine Adresse bestätigen"), "{}", page.body);
}

#[tokio::test]
async fn the_sign_out_confirmation_is_german_for_a_german_browser() {
    let app = spawn_app().await;
    let alice = Agent::speaking(&app, "de").signed_up("alice").await;

    let page = alice.get("/oauth2/logout").await;

    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_in("de");
    assert!(
        page.body.contains("<h1>Von Tollgate abmelden?</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("für alle Anwendungen"), "{}", page.body);
}

#[tokio::test]
async fn the_signed_out_page_is_german_for_a_german_browser() {
    let app = spawn_app().await;
    let page = Agent::speaking(&app, "de").get("/oauth2/logout").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_in("de");
    assert!(
        page.body.contains("<h1>Sie sind abgemeldet</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Erneut anmelden"), "{}", page.body);
}

#[tokio::test]
async fn the_signed_out_page_is_english_without_accept_language() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/oauth2/logout").await;
    page.assert_in("en");
    assert!(page.body.contains("<h1>You are signed out</h1>"), "{}", page.body);
}
