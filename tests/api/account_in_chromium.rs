//! The account page in a real browser (headless Chromium): a password
//! change that signs the other session out, and an account's deletion.
//! Skipped, like `in_chromium`, when chromedriver is not installed.

use crate::browser::{Agent, PASSWORD};
use crate::helpers::spawn_app;
use crate::in_chromium::{click, sign_in_on_page, start_driver, type_into, wait_for_url};
use fantoccini::Locator;

const NEW_PASSWORD: &str = "a much longer passphrase";

#[tokio::test]
async fn in_a_browser_changing_the_password_signs_the_other_session_out() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let phone = Agent::new(&app);
    assert_eq!(phone.sign_in("alice", PASSWORD, "/account").await.status, 303);
    browser
        .goto(&app.url("/login?return_to=%2Faccount"))
        .await
        .unwrap();
    sign_in_on_page(&browser).await;
    wait_for_url(&browser, &app.url("/account")).await;

    type_into(&browser, "current_password", PASSWORD).await;
    type_into(&browser, "new_password", NEW_PASSWORD).await;
    type_into(&browser, "new_password_confirm", NEW_PASSWORD).await;
    click(&browser, "change-password").await;

    wait_for_url(&browser, &app.url("/account?saved=password")).await;
    browser.find(Locator::Id("password-changed")).await.unwrap();
    assert_eq!(
        phone.get("/account").await.status,
        303,
        "the other session is signed out"
    );
    browser.goto(&app.url("/account")).await.unwrap();
    browser.find(Locator::Id("this-session")).await.unwrap();
    browser.close().await.unwrap();
}

#[tokio::test]
async fn in_a_browser_a_user_deletes_their_account() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    browser
        .goto(&app.url("/login?return_to=%2Faccount"))
        .await
        .unwrap();
    sign_in_on_page(&browser).await;
    wait_for_url(&browser, &app.url("/account")).await;

    click(&browser, "delete-link").await;
    wait_for_url(&browser, &app.url("/account/delete")).await;
    type_into(&browser, "confirm_username", "alice").await;
    type_into(&browser, "current_password", PASSWORD).await;
    click(&browser, "delete-account").await;

    browser.find(Locator::Id("account-deleted")).await.unwrap();
    browser.goto(&app.url("/account")).await.unwrap();
    wait_for_url(&browser, &app.url("/login")).await;
    let status = Agent::new(&app)
        .sign_in("alice", PASSWORD, "/account")
        .await
        .status;
    assert_eq!(status, 401, "the account is gone");
    browser.close().await.unwrap();
}
