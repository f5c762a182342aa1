//! In a real browser: the pages speak the language the browser is set to
//! (Chromium's `Accept-Language`), and a new account goes from sign-up
//! through the emailed verification link to signing in again. Skipped
//! like `in_chromium` without chromedriver.

use crate::email::verification_link;
use crate::helpers::spawn_app;
use crate::in_chromium::{
    click, sign_up_on_page, start_driver, start_driver_speaking, type_into, wait_for_url,
};
use crate::smtp_sink::spawn_app_with_mail;
use fantoccini::{Client, Locator};

const NEW_PASSWORD: &str = "a passphrase of my own";

async fn text_of(browser: &Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn html_lang(browser: &Client) -> String {
    browser
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_browser_set_to_german_shows_the_sign_in_page_in_german() {
    let Some((_driver, browser)) = start_driver_speaking("de").await else {
        return;
    };
    let app = spawn_app().await;
    browser.goto(&app.url("/login")).await.unwrap();
    assert_eq!(html_lang(&browser).await, "de");
    assert_eq!(text_of(&browser, "main h1").await, "Anmelden");
    assert_eq!(text_of(&browser, "#forgot-password").await, "Passwort vergessen?");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_browser_set_to_english_shows_the_same_page_in_english() {
    let Some((_driver, browser)) = start_driver_speaking("en-GB").await else {
        return;
    };
    let app = spawn_app().await;
    browser.goto(&app.url("/login")).await.unwrap();
    assert_eq!(html_lang(&browser).await, "en");
    assert_eq!(text_of(&browser, "main h1").await, "Sign in");
    assert_eq!(
        text_of(&browser, "#forgot-password").await,
        "Forgot your password?"
    );
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_new_person_signs_up_verifies_their_address_from_the_email_and_signs_in_again() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let (app, sink) = spawn_app_with_mail(|s| s.signup_enabled = true, false).await;

    // Sign up from the login page's link.
    browser.goto(&app.url("/login")).await.unwrap();
    click(&browser, "create-account").await;
    wait_for_url(&browser, &app.url("/signup")).await;
    sign_up_on_page(&browser, "dana", NEW_PASSWORD).await;
    wait_for_url(&browser, &app.url("/portal")).await;
    browser.goto(&app.url("/account")).await.unwrap();
    assert_eq!(text_of(&browser, "#email-status").await, "(not verified)");

    // The link in the email, and its one-click confirmation.
    let link = verification_link(&app.address, &sink, "dana@example.com").await;
    browser.goto(&link).await.unwrap();
    assert_eq!(text_of(&browser, "#verify-address").await, "dana@example.com");
    click(&browser, "confirm-email").await;
    browser
        .wait()
        .for_element(Locator::Id("email-verified"))
        .await
        .expect("the page says the address is verified");

    // Signed out, then in again with the password chosen at sign-up.
    click(&browser, "nav-sign-out").await;
    browser
        .wait()
        .for_element(Locator::Css("main a[href='/login']"))
        .await
        .expect("the signed-out page, with its way back in");
    browser
        .goto(&app.url("/login?return_to=%2Faccount"))
        .await
        .unwrap();
    type_into(&browser, "username", "dana").await;
    type_into(&browser, "password", NEW_PASSWORD).await;
    browser
        .find(Locator::Css("main button[type=submit].primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(&browser, &app.url("/account")).await;
    assert_eq!(text_of(&browser, "#nav-username").await, "dana");
    assert_eq!(text_of(&browser, "#email-status").await, "(verified)");
    browser.close().await.unwrap();
}
