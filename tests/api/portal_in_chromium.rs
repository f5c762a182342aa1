//! The forgiving portal and "Not you?" in a real browser (see
//! `in_chromium` for what it needs): the new secret is shown once and a
//! reload shows none, and a person on someone else's session goes back to
//! the sign-in page with the same request.

use crate::browser::{authorize_path, web_app};
use crate::helpers::spawn_app;
use crate::in_chromium::{click, sign_in_on_page, start_driver, type_into, wait_for_url};
use fantoccini::Locator;

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn a_reloaded_secret_page_in_the_browser_shows_no_secret_and_offers_rotation() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    app.create_user("dev", PASSWORD);
    browser
        .goto(&app.url("/login?return_to=%2Fportal%2Fapps%2Fnew"))
        .await
        .unwrap();
    type_into(&browser, "username", "dev").await;
    type_into(&browser, "password", PASSWORD).await;
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(&browser, &app.url("/portal/apps/new")).await;
    type_into(&browser, "name", "Photos").await;
    type_into(&browser, "redirect_uris", "https://photos.example/cb").await;
    click(&browser, "save").await;

    let secret = browser
        .wait()
        .for_element(Locator::Id("client-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(secret.len() > 30, "{secret}");
    browser.refresh().await.unwrap();
    browser
        .wait()
        .for_element(Locator::Id("secret-already-shown"))
        .await
        .unwrap();
    let source = browser.source().await.unwrap();
    assert!(!source.contains(&secret), "the reload shows no secret");
    assert!(
        browser.find(Locator::Id("rotate")).await.is_ok(),
        "rotation is offered"
    );
    browser.close().await.unwrap();
}

#[tokio::test]
async fn not_you_in_the_browser_signs_out_and_asks_for_another_sign_in_for_the_same_request() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let client = web_app(&app);
    let (path, _) = authorize_path(&client, &[("scope", "profile")]);
    browser.goto(&app.url(&path)).await.unwrap();
    sign_in_on_page(&browser).await;
    browser.wait().for_element(Locator::Id("not-you")).await.unwrap();
    click(&browser, "not-you").await;
    let login = wait_for_url(&browser, &app.url("/login")).await;
    let back = login
        .query_pairs()
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| v.into_owned())
        .expect("the way back");
    assert!(back.contains(&format!("client_id={}", client.id)), "{back}");
    // Signing in again (as whoever) comes back to the same consent page.
    sign_in_on_page(&browser).await;
    browser.wait().for_element(Locator::Id("approve")).await.unwrap();
    browser.close().await.unwrap();
}
