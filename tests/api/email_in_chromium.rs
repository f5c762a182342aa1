//! Account recovery by email in a real browser: "Forgot your password?"
//! on the login page, the link from the email (read from a real SMTP
//! server), a new password, and signing in with it; the session another
//! browser held is gone. Skipped like `in_chromium` without chromedriver.

use crate::browser::{Agent, PASSWORD};
use crate::email::{reset_link, verified_developer};
use crate::in_chromium::{click, start_driver, type_into, wait_for_url};
use crate::smtp_sink::spawn_app_with_mail;
use fantoccini::Locator;

const NEW_PASSWORD: &str = "a brand new passphrase";

#[tokio::test]
async fn a_person_who_forgot_their_password_resets_it_by_email_and_signs_in_with_the_new_one() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    let elsewhere: Agent<'_> = verified_developer(&app, &sink, "alice").await;

    browser.goto(&app.url("/login")).await.unwrap();
    click(&browser, "forgot-password").await;
    wait_for_url(&browser, &app.url("/password/forgot")).await;
    type_into(&browser, "email", "alice@example.com").await;
    click(&browser, "send-reset").await;
    wait_for_url(&browser, &app.url("/password/forgot?sent=1")).await;
    browser
        .find(Locator::Id("reset-sent"))
        .await
        .expect("the neutral notice");

    let link = reset_link(&app.address, &sink, "alice@example.com").await;
    browser.goto(&link).await.unwrap();
    type_into(&browser, "password", NEW_PASSWORD).await;
    type_into(&browser, "password_confirm", NEW_PASSWORD).await;
    click(&browser, "set-password").await;
    wait_for_url(&browser, &app.url("/password/reset/done")).await;
    click(&browser, "sign-in-again").await;
    wait_for_url(&browser, &app.url("/login")).await;
    type_into(&browser, "username", "alice").await;
    type_into(&browser, "password", NEW_PASSWORD).await;
    browser
        .find(Locator::Css("button[type=submit].primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(&browser, &app.url("/account")).await;
    let name = browser
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(name, "alice");

    // The other browser's session ended with the reset; the old password is dead.
    assert_eq!(elsewhere.get("/account").await.status, 303);
    let old = Agent::new(&app).sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(old.status, 401);
    browser.close().await.unwrap();
}
