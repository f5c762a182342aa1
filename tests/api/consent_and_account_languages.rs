//! The consent pages, the device pages and the account pages in German
//! (the browser's `Accept-Language`, or an authorization request's
//! `ui_locales`) and in English without either.

use crate::browser::{authorize_path, Agent, Page, PASSWORD, REDIRECT};
use crate::helpers::{spawn_app, spawn_app_on, TestApp, TestClient, TestDb};
use crate::oidc::relying_party;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn assert_shows(page: &Page, words: &[&str]) {
    for w in words {
        assert!(page.body.contains(w), "{w:?} is not on the page: {}", page.body);
    }
}

/// `alice`, created and signed in on `agent`.
async fn alice_on<'a>(agent: Agent<'a>) -> Agent<'a> {
    agent.app.create_user("alice", PASSWORD);
    let page = agent.sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    agent
}

/// The consent page of an authorization request with `extra` parameters.
async fn consent_page(agent: &Agent<'_>, client: &TestClient, extra: &[(&str, &str)]) -> Page {
    let mut params = vec![("scope", "openid profile email"), ("nonce", "n-1")];
    params.extend_from_slice(extra);
    let (path, _) = authorize_path(client, &params);
    let page = agent.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

/// A pending device authorization of a TV app: its user code.
async fn device_code(app: &TestApp) -> String {
    let client = app.create_named_client(
        "Living-room TV",
        &["--public", "--grant-type", DEVICE_GRANT, "--scope", "profile"],
    );
    let answer = app
        .post_form(
            "/oauth2/device_authorization",
            &[("client_id", client.id.as_str()), ("scope", "profile")],
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["user_code"].as_str().unwrap().to_string()
}

/// Posts `user_code` at `/device`: the consent page, or the form again.
async fn enter_code(agent: &Agent<'_>, user_code: &str) -> Page {
    let form = agent.get("/device").await;
    assert_eq!(form.status, 200, "{}", form.body);
    agent
        .post(
            "/device",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("user_code", user_code),
            ],
        )
        .await
}

// Consent

#[tokio::test]
async fn the_consent_page_speaks_german_to_a_browser_preferring_it() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let page = consent_page(&agent, &client, &[]).await;
    page.assert_in("de");
    assert_shows(
        &page,
        &[
            "<h1>Möchten Sie Test app den Zugriff auf Ihr Konto erlauben?</h1>",
            "Angemeldet als <strong>alice</strong>.",
            "✓ Geprüft",
            "Anbieter: <strong id=\"owner\">der Betreiber dieses Servers</strong>",
            "Anschließend werden Sie weitergeleitet an <code>app.example</code>.",
            ">Erlauben</button>",
            ">Ablehnen</button>",
            "Als jemand anderes anmelden",
        ],
    );
}

#[tokio::test]
async fn an_unverified_applications_warning_is_in_german() {
    let app = spawn_app_on(TestDb::new(), |s| s.open_registration = true).await;
    let registered = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&serde_json::json!({
            "client_name": "Totally Legit",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "none",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let body: serde_json::Value = registered.json().await.unwrap();
    let client = TestClient {
        id: body["client_id"].as_str().unwrap().to_string(),
        secret: None,
    };
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let (path, _) = authorize_path(&client, &[]);
    let page = agent.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_in("de");
    assert_shows(
        &page,
        &[
            "<strong>Ungeprüfte Anwendung.</strong> Kein Administrator dieses Servers hat Totally Legit geprüft;",
            "Keine Website angegeben.",
        ],
    );
}

#[tokio::test]
async fn the_standard_scopes_read_in_german_on_a_german_consent_page() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let page = consent_page(&agent, &client, &[]).await;
    assert_shows(
        &page,
        &[
            "Sie anmelden und Ihre Kontokennung erfahren",
            "Ihren Namen und Benutzernamen sehen",
            "Ihre E-Mail-Adresse sehen",
        ],
    );
}

#[tokio::test]
async fn scope_words_an_operator_wrote_are_shown_as_written_on_a_german_page() {
    let app = spawn_app().await;
    let out = app.cli(
        &["scope", "add", "orders:read", "--description", "Read your orders"],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let client = app.create_client(&["--redirect-uri", REDIRECT, "--scope", "orders:read"]);
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let (path, _) = authorize_path(&client, &[("scope", "orders:read")]);
    let page = agent.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_in("de");
    assert_shows(&page, &["Read your orders"]);
}

#[tokio::test]
async fn the_consent_page_is_english_without_accept_language() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = alice_on(Agent::new(&app)).await;
    let page = consent_page(&agent, &client, &[]).await;
    page.assert_in("en");
    assert_shows(
        &page,
        &[
            "<h1>Allow Test app to access your account?</h1>",
            "✓ Verified",
            "Run by <strong id=\"owner\">the server&#39;s operator</strong>",
            "See your email address",
            "Sign in as someone else",
        ],
    );
}

#[tokio::test]
async fn ui_locales_de_shows_the_consent_page_in_german_without_accept_language() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = alice_on(Agent::new(&app)).await;
    let page = consent_page(&agent, &client, &[("ui_locales", "de")]).await;
    page.assert_in("de");
    assert_shows(&page, &["Möchten Sie Test app", "Ihre E-Mail-Adresse sehen"]);
}

#[tokio::test]
async fn ui_locales_de_sends_a_signed_out_user_to_a_german_sign_in_page() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = Agent::new(&app);
    let (path, _) = authorize_path(&client, &[("scope", "openid"), ("ui_locales", "de")]);
    let to_login = agent.get(&path).await;
    assert_eq!(to_login.status, 303, "{}", to_login.body);
    let login = agent.follow(&to_login).await;
    login.assert_in("de");
    assert_shows(&login, &["<h1>Anmelden</h1>"]);
}

#[tokio::test]
async fn a_consent_form_that_expired_is_refused_in_german() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let page = consent_page(&agent, &client, &[]).await;
    let refused = agent
        .post(
            "/oauth2/authorize/decision",
            &[
                ("csrf_token", "not the session's"),
                ("request", &page.hidden("request")),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    refused.assert_in("de");
    assert_shows(&refused, &["Anfrage abgelehnt", "Es wurde nichts erlaubt."]);
}

// Devices

#[tokio::test]
async fn the_device_pages_speak_german_from_the_code_to_the_decision() {
    let app = spawn_app().await;
    let user_code = device_code(&app).await;
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let entry = agent.get("/device").await;
    entry.assert_in("de");
    assert_shows(&entry, &["<h1>Gerät verbinden</h1>", ">Weiter</button>"]);
    let consent = enter_code(&agent, &user_code).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    consent.assert_in("de");
    assert_shows(
        &consent,
        &[
            "Möchten Sie Living-room TV auf Ihrem Gerät den Zugriff auf Ihr Konto erlauben?",
            "Ihren Namen und Benutzernamen sehen",
        ],
    );
    let done = agent
        .post(
            "/device/decision",
            &[
                ("csrf_token", &consent.hidden("csrf_token")),
                ("user_code", &consent.hidden("user_code")),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    done.assert_in("de");
    assert_shows(
        &done,
        &[
            "Gerät verbunden",
            "Sie haben Living-room TV den Zugriff auf Ihr Konto erlaubt.",
        ],
    );
}

#[tokio::test]
async fn a_wrong_device_code_is_told_in_german() {
    let app = spawn_app().await;
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let page = enter_code(&agent, "BCDF-GHJK").await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_in("de");
    assert_shows(&page, &["Dieser Code ist ungültig oder abgelaufen."]);
}

#[tokio::test]
async fn the_device_page_is_english_without_accept_language() {
    let app = spawn_app().await;
    let agent = alice_on(Agent::new(&app)).await;
    let page = agent.get("/device").await;
    page.assert_in("en");
    assert_shows(
        &page,
        &["<h1>Connect a device</h1>", "Enter the code your device shows."],
    );
}

// The account

#[tokio::test]
async fn the_account_page_speaks_german_to_a_browser_preferring_it() {
    let app = spawn_app().await;
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let page = agent.get("/account").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_in("de");
    assert_shows(
        &page,
        &[
            "<h1>Ihr Konto</h1>",
            "Vollständiger Name <span class=\"muted\">(optional)</span>",
            ">Profil speichern</button>",
            "Sie haben noch keiner Anwendung Zugriff erlaubt.",
            "Wo Sie angemeldet sind",
            "dieser Browser",
            "Passwort ändern",
            "Mein Konto löschen …",
        ],
    );
}

#[tokio::test]
async fn the_account_page_is_english_without_accept_language() {
    let app = spawn_app().await;
    let agent = alice_on(Agent::new(&app)).await;
    let page = agent.get("/account").await;
    page.assert_in("en");
    assert_shows(
        &page,
        &[
            "<h1>Your account</h1>",
            ">Save profile</button>",
            "Where you are signed in",
            "this browser",
            "Delete my account…",
        ],
    );
}

#[tokio::test]
async fn a_sessions_browser_and_times_are_described_in_german() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept-language", "de".parse().unwrap());
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let agent = Agent { app: &app, http };
    agent.sign_in("alice", PASSWORD, "/account").await;
    let page = agent.get("/account").await;
    assert_shows(&page, &["Firefox unter Linux", "Von 127.0.0.1 · angemeldet: "]);
}

#[tokio::test]
async fn an_email_address_in_use_is_refused_in_german() {
    let app = spawn_app().await;
    Agent::new(&app).signed_up("carol").await;
    let agent = Agent::speaking(&app, "de").signed_up("dave").await;
    let page = agent
        .post_from("/account", "/account/profile", &[("email", "carol@example.com")])
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    page.assert_in("de");
    assert_shows(
        &page,
        &[
            "Ihr Profil wurde nicht gespeichert",
            "Diese E-Mail-Adresse wird bereits von einem anderen Konto verwendet.",
        ],
    );
}

#[tokio::test]
async fn a_wrong_current_password_is_told_in_german() {
    let app = spawn_app().await;
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let form = [
        ("current_password", "not the password"),
        ("new_password", "a much longer passphrase"),
        ("new_password_confirm", "a much longer passphrase"),
    ];
    let page = agent.post_from("/account", "/account/password", &form).await;
    assert_eq!(page.status, 401, "{}", page.body);
    page.assert_in("de");
    assert_shows(
        &page,
        &[
            "<h1>Ihr Passwort ändern</h1>",
            "Ihr aktuelles Passwort ist falsch.",
        ],
    );
}

#[tokio::test]
async fn a_new_password_too_short_is_refused_in_german() {
    let app = spawn_app().await;
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let form = [
        ("current_password", PASSWORD),
        ("new_password", "short"),
        ("new_password_confirm", "short"),
    ];
    let page = agent.post_from("/account", "/account/password", &form).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert_shows(&page, &["Ein Passwort muss 8 bis 1024 Zeichen lang sein."]);
}

#[tokio::test]
async fn deleting_an_account_speaks_german_from_the_form_to_the_end() {
    let app = spawn_app().await;
    let agent = alice_on(Agent::speaking(&app, "de")).await;
    let form = agent.get("/account/delete").await;
    assert_eq!(form.status, 200, "{}", form.body);
    form.assert_in("de");
    assert_shows(
        &form,
        &[
            "Geben Sie zur Bestätigung Ihren Benutzernamen, <strong>alice</strong>, ein",
            ">Mein Konto löschen</button>",
            "Mein Konto behalten",
        ],
    );
    let deleted = agent
        .post(
            "/account/delete",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("confirm_username", "alice"),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    deleted.assert_in("de");
    assert_shows(&deleted, &["Ihr Konto wurde gelöscht"]);
}

#[tokio::test]
async fn the_delete_form_is_english_without_accept_language() {
    let app = spawn_app().await;
    let agent = alice_on(Agent::new(&app)).await;
    let form = agent.get("/account/delete").await;
    form.assert_in("en");
    assert_shows(
        &form,
        &[
            "Type your username, <strong>alice</strong>, to confirm",
            "Keep my account",
        ],
    );
}
