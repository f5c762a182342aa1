//! The client registry under concurrent writers and partial edits: an
//! administrator's decision is never undone by a developer's or a program's
//! edit running at the same time, a cleared field is cleared, a rotation
//! ends every older secret, and a change shows on the very next request.

use crate::browser::{Agent, Page};
use crate::helpers::{answer, spawn_app_on, TestApp, TestClient, TestDb};
use serde_json::json;

/// Rounds of each race: the lost update showed in about a third of tries.
const ROUNDS: usize = 20;

async fn spawn() -> TestApp {
    spawn_app_on(TestDb::new(), |s| {
        s.open_registration = true;
        s.self_service_client_credentials = true;
    })
    .await
}

fn stored(app: &TestApp, id: &str) -> tollgate::storage::clients::ClientRow {
    let id = id.to_string();
    app.database()
        .run_sync(move |c| tollgate::storage::clients::by_id(c, &id))
        .unwrap()
        .expect("the client exists")
}

/// Registers a web app through the portal; returns its client id.
async fn portal_app(agent: &Agent<'_>, extra: &[(&str, &str)]) -> String {
    let form = agent.get("/portal/apps/new").await;
    let csrf = form.hidden("csrf_token");
    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("name", "Photo printer"),
        ("client_type", "confidential"),
        ("redirect_uris", "https://printer.example/cb"),
        ("grant_authorization_code", "on"),
    ];
    fields.extend_from_slice(extra);
    let page = agent.post("/portal/apps", &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = agent.follow(&page).await;
    assert_eq!(page.status, 200, "{}", page.body);
    client_id_on(&page)
}

fn client_id_on(page: &Page) -> String {
    let start = page.body.find("id=\"client-id\">").expect("a client id") + "id=\"client-id\">".len();
    let end = page.body[start..].find('<').unwrap() + start;
    page.body[start..end].to_string()
}

pub async fn set_flags(root: &Agent<'_>, id: &str, flags: &[&str]) {
    let path = format!("/portal/apps/{id}");
    let csrf = root.get(&path).await.hidden("csrf_token");
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend(flags.iter().map(|f| (*f, "on")));
    let page = root.post(&format!("{path}/flags"), &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
}

#[tokio::test]
async fn an_admins_suspension_survives_a_developers_edit_made_at_the_same_time() {
    let app = spawn().await;
    let dev = Agent::developer(&app, "dev").await;
    let id = portal_app(&dev, &[]).await;
    let root = Agent::admin(&app).await;
    let path = format!("/portal/apps/{id}");
    for round in 0..ROUNDS {
        set_flags(&root, &id, &[]).await;
        let dev_csrf = dev.get(&path).await.hidden("csrf_token");
        let name = format!("Printer {round}");
        let fields = [
            ("csrf_token", dev_csrf.as_str()),
            ("name", name.as_str()),
            ("client_type", "confidential"),
            ("redirect_uris", "https://printer.example/cb"),
            ("grant_authorization_code", "on"),
        ];
        let edit = dev.post(&path, &fields);
        let suspend = set_flags(&root, &id, &["suspended"]);
        let (edited, ()) = tokio::join!(edit, suspend);
        assert_eq!(edited.status, 303, "{}", edited.body);
        let row = stored(&app, &id);
        assert!(row.suspended, "round {round}: the edit undid the suspension");
        assert_eq!(row.name, name);
    }
}

#[tokio::test]
async fn an_admins_suspension_survives_an_rfc7592_replacement_made_at_the_same_time() {
    let app = spawn().await;
    let registered = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&json!({ "client_name": "Bot", "redirect_uris": ["https://bot.example/cb"] }))
        .send()
        .await
        .unwrap();
    let info = answer(registered).await.body;
    let id = info["client_id"].as_str().unwrap().to_string();
    let uri = info["registration_client_uri"].as_str().unwrap().to_string();
    let token = info["registration_access_token"].as_str().unwrap().to_string();
    let root = Agent::admin(&app).await;
    for round in 0..ROUNDS {
        set_flags(&root, &id, &[]).await;
        let put = app.http.put(&uri).bearer_auth(&token).json(&json!({
            "client_id": id,
            "client_name": format!("Bot {round}"),
            "redirect_uris": ["https://bot.example/cb"],
        }));
        let (replaced, ()) = tokio::join!(put.send(), set_flags(&root, &id, &["suspended"]));
        assert_eq!(replaced.unwrap().status().as_u16(), 200);
        assert!(
            stored(&app, &id).suspended,
            "round {round}: the PUT undid the suspension"
        );
    }
}

#[tokio::test]
async fn a_verification_survives_a_developers_edit() {
    let app = spawn().await;
    let dev = Agent::developer(&app, "dev").await;
    let id = portal_app(&dev, &[]).await;
    assert!(
        !stored(&app, &id).verified,
        "a self-registered app starts unverified"
    );
    let root = Agent::admin(&app).await;
    set_flags(&root, &id, &["verified"]).await;
    let path = format!("/portal/apps/{id}");
    let csrf = dev.get(&path).await.hidden("csrf_token");
    let edited = dev
        .post(
            &path,
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "Renamed"),
                ("client_type", "confidential"),
                ("redirect_uris", "https://printer.example/cb"),
                ("grant_authorization_code", "on"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    assert!(stored(&app, &id).verified);
}

#[tokio::test]
async fn an_edit_can_remove_the_logo_and_the_home_page() {
    let app = spawn().await;
    let dev = Agent::developer(&app, "dev").await;
    let id = portal_app(
        &dev,
        &[
            ("homepage_uri", "https://printer.example/"),
            ("logo_uri", "https://printer.example/logo.png"),
        ],
    )
    .await;
    let row = stored(&app, &id);
    assert!(row.homepage_uri.is_some() && row.logo_uri.is_some());
    let path = format!("/portal/apps/{id}");
    let csrf = dev.get(&path).await.hidden("csrf_token");
    let edited = dev
        .post(
            &path,
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "Photo printer"),
                ("client_type", "confidential"),
                ("redirect_uris", "https://printer.example/cb"),
                ("grant_authorization_code", "on"),
                ("homepage_uri", ""),
                ("logo_uri", ""),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let row = stored(&app, &id);
    assert_eq!((row.homepage_uri, row.logo_uri), (None, None));
}

async fn rotate(agent: &Agent<'_>, id: &str, overlap: &str) -> TestClient {
    let path = format!("/portal/apps/{id}");
    let csrf = agent.get(&path).await.hidden("csrf_token");
    let page = agent
        .post(
            &format!("{path}/rotate"),
            &[("csrf_token", csrf.as_str()), ("overlap", overlap)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = agent.follow(&page).await;
    assert_eq!(page.status, 200, "{}", page.body);
    TestClient {
        id: id.to_string(),
        secret: Some(secret_on(&page)),
    }
}

fn secret_on(page: &Page) -> String {
    let marker = "id=\"client-secret\" class=\"secret\">";
    let start = page.body.find(marker).expect("a secret") + marker.len();
    let end = page.body[start..].find('<').unwrap() + start;
    page.body[start..end].to_string()
}

#[tokio::test]
async fn rotating_at_once_after_a_rotation_with_overlap_ends_every_older_secret() {
    let app = spawn().await;
    let dev = Agent::developer(&app, "dev").await;
    let form = dev.get("/portal/apps/new").await;
    let created = dev
        .post(
            "/portal/apps",
            &[
                ("csrf_token", form.hidden("csrf_token").as_str()),
                ("name", "Service"),
                ("client_type", "confidential"),
                ("grant_client_credentials", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let created = dev.follow(&created).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = client_id_on(&created);
    let first = TestClient {
        id: id.clone(),
        secret: Some(secret_on(&created)),
    };
    let second = rotate(&dev, &id, "86400").await;
    app.client_credentials_token(&first, None).await;
    let third = rotate(&dev, &id, "0").await;
    for old in [&first, &second] {
        let a = app
            .post_form(
                "/oauth2/token",
                &[("grant_type", "client_credentials")],
                Some(old),
            )
            .await;
        assert_eq!(a.status, 401, "an older secret still works: {}", a.body);
    }
    app.client_credentials_token(&third, None).await;
}

#[tokio::test]
async fn a_suspension_refuses_the_very_next_token_request() {
    let app = spawn().await;
    let service = app.service_client();
    let root = Agent::admin(&app).await;
    for _ in 0..5 {
        set_flags(&root, &service.id, &[]).await;
        // Keep the cache busy with reads while the suspension lands.
        let burst = futures_burst(&app, &service);
        let ((), ()) = tokio::join!(burst, set_flags(&root, &service.id, &["suspended"]));
        let a = app
            .post_form(
                "/oauth2/token",
                &[("grant_type", "client_credentials")],
                Some(&service),
            )
            .await;
        assert_eq!(a.status, 401, "{}", a.body);
    }
}

async fn futures_burst(app: &TestApp, client: &TestClient) {
    let requests = (0..8).map(|_| {
        app.post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(client),
        )
    });
    for a in futures_util::future::join_all(requests).await {
        assert!(a.status == 200 || a.status == 401, "{}", a.body);
    }
}

#[tokio::test]
async fn a_client_name_with_a_bidi_override_or_invisible_characters_is_refused() {
    let app = spawn().await;
    for name in ["Tollgate \u{202E}ytiruceS", "Pay\u{200B}Pal", "A\u{2066}B"] {
        let a = app
            .http
            .post(app.url("/oauth2/register"))
            .json(&json!({ "client_name": name, "redirect_uris": ["https://x.example/cb"] }))
            .send()
            .await
            .unwrap();
        let a = answer(a).await;
        assert_eq!(a.status, 400, "{name:?}: {}", a.body);
        assert_eq!(a.error(), "invalid_client_metadata");
    }
    let dev = Agent::developer(&app, "dev").await;
    let form = dev.get("/portal/apps/new").await;
    let page = dev
        .post(
            "/portal/apps",
            &[
                ("csrf_token", form.hidden("csrf_token").as_str()),
                ("name", "Account \u{202E}ytiruceS"),
                ("client_type", "confidential"),
                ("redirect_uris", "https://printer.example/cb"),
                ("grant_authorization_code", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("invisible or control characters"));
}
