//! End to end in a real browser: headless Chromium driven over WebDriver
//! (chromedriver). A person's path: an app's sign-in link, the login page,
//! the consent page, back to the app with a code the app redeems; a second
//! app without a second login; logout.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without chromedriver
//! on the PATH these tests say so and pass, unless
//! `TOLLGATE_REQUIRE_BROWSER=1` (set by `.ci/run`) makes that a failure.

use crate::browser::urlencode;
use crate::helpers::{claims_of, spawn_app, spawn_app_on, TestApp, TestClient, TestDb};
use fantoccini::{Client, ClientBuilder, Locator};
use oauth2::PkceCodeChallenge;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

pub(crate) struct Driver {
    process: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn chromedriver_path() -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| std::path::Path::new(dir).join("chromedriver"))
        .find(|p| p.is_file())
}

/// Starts chromedriver on a free port and returns it once it listens.
///
/// chromedriver cannot be told to choose a port itself, and a port found
/// free may be taken by another test before chromedriver binds it. So each
/// attempt waits for chromedriver's own word: it started on the port, or it
/// could not bind it and exited; then another port is tried.
fn launch_chromedriver(path: &std::path::Path) -> (Child, u16) {
    use std::io::{BufRead, BufReader};
    for _ in 0..10 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut process = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
        let started = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("started successfully"));
        if started {
            // Keep draining its output so it never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return (process, port);
        }
        // It exited (the port was taken); reap it and try another port.
        let _ = process.kill();
        let _ = process.wait();
    }
    panic!("chromedriver did not start on any of 10 free ports");
}

/// Starts chromedriver, or says why the test cannot run.
pub(crate) async fn start_driver() -> Option<(Driver, Client)> {
    start_driver_speaking("en-US").await
}

/// [`start_driver`] with a browser whose preferred language (its
/// `Accept-Language`) is `language`.
pub(crate) async fn start_driver_speaking(language: &str) -> Option<(Driver, Client)> {
    let Some(path) = chromedriver_path() else {
        if std::env::var("TOLLGATE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("chromedriver is not installed (apt-get install chromium chromium-driver)");
        }
        eprintln!("skipped: chromedriver is not on the PATH (apt-get install chromium chromium-driver)");
        return None;
    };
    let (process, port) = tokio::task::spawn_blocking(move || launch_chromedriver(&path))
        .await
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver {
        process,
        port,
        _profile: profile,
    };
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", format!("--user-data-dir={}", driver._profile.path().display()),
                format!("--lang={language}"),
            ],
            "prefs": { "intl.accept_languages": language },
        }),
    );
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session");
    Some((driver, client))
}

/// A client app's callback: a loopback server that answers every request.
async fn callback_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let body = "<!DOCTYPE html><title>App</title><p>signed in</p>";
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://127.0.0.1:{port}/callback")
}

fn authorize_url(
    app: &TestApp,
    client: &TestClient,
    redirect: &str,
    challenge: &PkceCodeChallenge,
) -> String {
    app.url(&format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid%20profile%20email&nonce=n-0S6_WzA2Mj&state=s1&code_challenge={}&code_challenge_method=S256",
        client.id,
        urlencode(redirect),
        challenge.as_str()
    ))
}

pub(crate) async fn wait_for_url(browser: &Client, prefix: &str) -> url::Url {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let current = browser.current_url().await.unwrap();
        if current.as_str().starts_with(prefix) {
            return current;
        }
        assert!(Instant::now() < deadline, "never reached {prefix}; at {current}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn code_of(url: &url::Url) -> String {
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code in the callback")
}

/// Clicks the element with id `id`.
pub(crate) async fn click(browser: &Client, id: &str) {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Types `text` into the field with id `id`.
pub(crate) async fn type_into(browser: &Client, id: &str, text: &str) {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Fills the sign-up form on the page shown as `username`
/// (`<username>@example.com`, `password`) and sends it.
pub(crate) async fn sign_up_on_page(browser: &Client, username: &str, password: &str) {
    type_into(browser, "username", username).await;
    type_into(browser, "email", &format!("{username}@example.com")).await;
    type_into(browser, "password", password).await;
    type_into(browser, "password_confirm", password).await;
    browser
        .find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

pub(crate) async fn sign_in_on_page(browser: &Client) {
    type_into(browser, "username", "alice").await;
    type_into(browser, "password", PASSWORD).await;
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_person_signs_in_approves_and_lands_back_in_the_app_then_signs_out() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let user_id = app.create_user("alice", PASSWORD);
    let redirect = callback_server().await;
    let scopes = ["--scope", "openid", "--scope", "profile", "--scope", "email"];
    let first = app.create_named_client(
        "Notes",
        &[&["--redirect-uri", redirect.as_str()][..], &scopes].concat(),
    );
    let second = app.create_named_client(
        "Calendar",
        &[&["--trusted", "--redirect-uri", redirect.as_str()][..], &scopes].concat(),
    );

    // The app sends the person to Tollgate; Tollgate asks them to sign in.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    browser
        .goto(&authorize_url(&app, &first, &redirect, &challenge))
        .await
        .unwrap();
    wait_for_url(&browser, &app.url("/login")).await;
    sign_in_on_page(&browser).await;

    // The consent page names the app; the person allows it.
    wait_for_url(&browser, &app.url("/oauth2/authorize")).await;
    let heading = browser
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(heading.contains("Notes"), "{heading}");
    // OpenID Connect scopes read in plain words.
    let page = browser.source().await.unwrap();
    for words in ["Sign you in", "See your name", "See your email address"] {
        assert!(page.contains(words), "{words} missing from {page}");
    }
    click(&browser, "approve").await;

    // Back in the app, with a code the app redeems.
    let landed = wait_for_url(&browser, &redirect).await;
    assert_eq!(landed.query_pairs().find(|(k, _)| k == "state").unwrap().1, "s1");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code_of(&landed)),
        ("redirect_uri", &redirect),
        ("code_verifier", verifier.secret()),
    ];
    let token = app.post_form("/oauth2/token", &form, Some(&first)).await;
    assert_eq!(token.status, 200, "{}", token.body);
    let access_token = token.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims_of(&access_token)["sub"], user_id.as_str());
    // The app learns who signed in: an id token for this app, this user
    // and this request's nonce.
    let id_token =
        crate::oidc::verify_id_token(&app, token.body["id_token"].as_str().unwrap(), &first.id).await;
    assert_eq!(id_token["sub"], user_id.as_str());
    assert_eq!(id_token["nonce"], "n-0S6_WzA2Mj");

    // A second app: no second sign-in (single sign-on).
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    browser
        .goto(&authorize_url(&app, &second, &redirect, &challenge))
        .await
        .unwrap();
    let landed = wait_for_url(&browser, &redirect).await;
    code_of(&landed);

    // Sign out from the account page; the next sign-in request shows the login page.
    browser.goto(&app.url("/account")).await.unwrap();
    let apps = browser
        .find(Locator::Css(".apps"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(apps.contains("Notes"), "{apps}");
    click(&browser, "logout").await;
    // Waits for the signed-out page itself, not the account page's heading.
    browser
        .wait()
        .for_element(Locator::XPath("//h1[contains(., 'signed out')]"))
        .await
        .unwrap();
    assert_eq!(app.introspect(&access_token, &first).await["active"], false);
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    browser
        .goto(&authorize_url(&app, &second, &redirect, &challenge))
        .await
        .unwrap();
    wait_for_url(&browser, &app.url("/login")).await;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_wrong_password_in_the_browser_shows_the_error_next_to_the_form() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    browser.goto(&app.url("/login")).await.unwrap();
    type_into(&browser, "username", "alice").await;
    type_into(&browser, "password", "not-the-password").await;
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let error = browser
        .wait()
        .for_element(Locator::Id("login-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(error, "The username or password is incorrect.");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_developer_registers_an_app_uses_rotates_and_deletes_it_in_the_browser() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    // A self-registered app may use client credentials only where the
    // operator allows it (off by default).
    let app = spawn_app_on(TestDb::new(), |s| s.self_service_client_credentials = true).await;
    assert_eq!(
        app.cli(
            &["scope", "add", "orders:read", "--description", "Read your orders"],
            None
        )
        .code,
        0
    );
    let observer = app.service_client();

    // Sign up.
    browser.goto(&app.url("/signup")).await.unwrap();
    sign_up_on_page(&browser, "dev", PASSWORD).await;
    wait_for_url(&browser, &app.url("/portal")).await;

    // Register a confidential service app.
    click(&browser, "new-app").await;
    type_into(&browser, "name", "Billing").await;
    click(&browser, "grant-authorization-code").await;
    click(&browser, "grant-refresh-token").await;
    click(&browser, "grant-client-credentials").await;
    click(&browser, "scope-orders:read").await;
    click(&browser, "save").await;

    // The secret, shown once, copied off the page.
    let id = browser
        .wait()
        .for_element(Locator::Id("client-id"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = browser
        .find(Locator::Id("client-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let old = TestClient {
        id: id.clone(),
        secret: Some(secret),
    };
    let token = app.client_credentials_token(&old, Some("orders:read")).await;

    // Rotate: the old secret is refused at once.
    browser
        .goto(&app.url(&format!("/portal/apps/{id}")))
        .await
        .unwrap();
    click(&browser, "rotate").await;
    let new_secret = browser
        .wait()
        .for_element(Locator::Id("client-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(Some(&new_secret), old.secret.as_ref());
    let refused = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&old),
        )
        .await;
    assert_eq!(refused.error(), "invalid_client");
    app.client_credentials_token(
        &TestClient {
            id: id.clone(),
            secret: Some(new_secret),
        },
        None,
    )
    .await;

    // Delete: its token no longer introspects active.
    browser
        .goto(&app.url(&format!("/portal/apps/{id}")))
        .await
        .unwrap();
    click(&browser, "delete").await;
    // The confirmation asks for the name.
    type_into(&browser, "confirm-name", "Billing").await;
    click(&browser, "confirm-delete").await;
    // Back on the list, which is now empty: the deletion is done.
    browser.wait().for_element(Locator::Id("no-apps")).await.unwrap();
    assert_eq!(app.introspect(&token, &observer).await["active"], false);
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_pushed_request_takes_a_person_through_sign_in_and_consent_back_to_the_app() {
    // RFC 9126: the app pushes its request, the browser carries only the
    // request_uri.
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let redirect = callback_server().await;
    let client = app.create_named_client(
        "Notes",
        &[
            "--require-par",
            "--redirect-uri",
            redirect.as_str(),
            "--scope",
            "profile",
        ],
    );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let pushed = app
        .post_form(
            "/oauth2/par",
            &[
                ("response_type", "code"),
                ("redirect_uri", &redirect),
                ("scope", "profile"),
                ("state", "s1"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ],
            Some(&client),
        )
        .await;
    assert_eq!(pushed.status, 201, "{}", pushed.body);
    let request_uri = pushed.body["request_uri"].as_str().unwrap();
    browser
        .goto(&app.url(&format!(
            "/oauth2/authorize?client_id={}&request_uri={}",
            client.id,
            urlencode(request_uri)
        )))
        .await
        .unwrap();
    wait_for_url(&browser, &app.url("/login")).await;
    sign_in_on_page(&browser).await;
    wait_for_url(&browser, &app.url("/oauth2/authorize")).await;
    click(&browser, "approve").await;
    let landed = wait_for_url(&browser, &redirect).await;
    assert_eq!(landed.query_pairs().find(|(k, _)| k == "state").unwrap().1, "s1");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code_of(&landed)),
        ("redirect_uri", &redirect),
        ("code_verifier", verifier.secret()),
    ];
    let token = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(token.status, 200, "{}", token.body);
}
