//! The administrators' pages speak the browser's language: German with
//! `Accept-Language: de`, English without it.

use crate::browser::{Agent, Page, PASSWORD};
use crate::helpers::{spawn_app, TestApp};

/// An administrator whose browser prefers German, signed in.
async fn german_admin(app: &TestApp) -> Agent<'_> {
    Agent::speaking(app, "de").signed_in_as_admin().await
}

/// Asserts `page` is a German page that says every one of `words`.
fn assert_german(page: &Page, words: &[&str]) {
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_in("de");
    for w in words {
        assert!(page.body.contains(w), "{w:?} in {}", page.body);
    }
}

#[tokio::test]
async fn without_accept_language_the_admin_index_is_english() {
    let app = spawn_app().await;
    let page = Agent::admin(&app).await.get("/admin").await;
    assert_eq!(page.status, 200);
    page.assert_in("en");
    assert!(page.body.contains("<h1>Administration</h1>"), "{}", page.body);
    assert!(page.body.contains("who changed what, and every sign-in"));
}

#[tokio::test]
async fn the_admin_index_speaks_german() {
    let app = spawn_app().await;
    let page = german_admin(&app).await.get("/admin").await;
    assert_german(
        &page,
        &[
            "<h1>Verwaltung</h1>",
            ">Prüfprotokoll</a>",
            "wer was geändert hat",
        ],
    );
    assert!(!page.body.contains("Audit trail"), "{}", page.body);
}

#[tokio::test]
async fn the_users_list_speaks_german() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let page = german_admin(&app).await.get("/admin/users").await;
    assert_german(
        &page,
        &[
            "<h1>Benutzer</h1>",
            "(Administrator).",
            "1–2 von 2",
            "Anmeldesperren",
            "Rolle ändern",
        ],
    );
}

#[tokio::test]
async fn a_users_page_speaks_german() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PASSWORD);
    let page = german_admin(&app)
        .await
        .get(&format!("/admin/users/{alice}"))
        .await;
    assert_german(
        &page,
        &[
            "Alle Benutzer",
            "id=\"is-admin\">nein<",
            "Passwort geändert",
            "alice sperren",
            "Keine aktive Sitzung.",
        ],
    );
}

#[tokio::test]
async fn suspending_a_user_is_confirmed_in_german() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PASSWORD);
    let admin = german_admin(&app).await;
    let page = admin.get(&format!("/admin/users/{alice}")).await;
    let done = admin
        .post_with_csrf(&page, &format!("/admin/users/{alice}/suspend"), &[])
        .await;
    assert_eq!(done.status, 303);
    assert_german(
        &admin.follow(&done).await,
        &[
            "Das Konto ist gesperrt: Seine Sitzungen wurden beendet",
            "alice wieder freigeben",
        ],
    );
}

#[tokio::test]
async fn suspending_oneself_is_refused_in_german() {
    let app = spawn_app().await;
    let admin = german_admin(&app).await;
    let users = admin.get("/admin/users").await;
    let root = app
        .database()
        .run_sync(|conn| tollgate::storage::users::by_username(conn, "root"))
        .unwrap()
        .expect("the administrator")
        .id;
    let refused = admin
        .post_with_csrf(&users, &format!("/admin/users/{root}/suspend"), &[])
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused
            .body
            .contains("Sie können Ihr eigenes Konto nicht sperren"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn the_apps_page_speaks_german() {
    let app = spawn_app().await;
    app.create_named_client("Billing", &["--redirect-uri", "https://app.example/callback"]);
    let page = german_admin(&app).await.get("/admin/apps").await;
    assert_german(
        &page,
        &[
            "<h1>Anwendungen</h1>",
            "(vertraulich)",
            "der Betreiber (kein Eigentümer)",
            ">Vertrauen<",
            ">Sperren<",
        ],
    );
}

#[tokio::test]
async fn trusting_an_app_is_confirmed_in_german() {
    let app = spawn_app().await;
    let client = app.service_client();
    let admin = german_admin(&app).await;
    let page = admin.get("/admin/apps").await;
    let form = [("mark", "trusted"), ("set", "true")];
    let done = admin
        .post_with_csrf(&page, &format!("/admin/apps/{}/mark", client.id), &form)
        .await;
    assert_eq!(done.status, 303);
    assert_german(
        &admin.follow(&done).await,
        &["Die Anwendung ist vertrauenswürdig", ">Vertrauen entziehen<"],
    );
}

#[tokio::test]
async fn the_scope_catalogue_speaks_german() {
    let app = spawn_app().await;
    let page = german_admin(&app).await.get("/admin/scopes").await;
    assert_german(
        &page,
        &[
            "<h1>Scope-Katalog</h1>",
            "Einen Scope hinzufügen",
            "bis zu 200 Zeichen",
        ],
    );
}

#[tokio::test]
async fn a_refused_scope_name_is_explained_in_german() {
    let app = spawn_app().await;
    let admin = german_admin(&app).await;
    let page = admin.get("/admin/scopes").await;
    let form = [("name", "two words"), ("description", "Both")];
    let refused = admin.post_with_csrf(&page, "/admin/scopes", &form).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("„two words“ ist kein gültiger Scope"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn a_refused_scope_name_is_explained_in_english_without_accept_language() {
    let app = spawn_app().await;
    let admin = Agent::admin(&app).await;
    let page = admin.get("/admin/scopes").await;
    let form = [("name", "two words"), ("description", "Both")];
    let refused = admin.post_with_csrf(&page, "/admin/scopes", &form).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("two words&#34; is not a valid scope (1 to 128 printable ASCII"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn removing_a_scope_asks_in_german() {
    let app = spawn_app().await;
    let add = ["scope", "add", "orders:read", "--description", "See your orders"];
    assert_eq!(app.cli(&add, None).code, 0);
    app.create_client(&[
        "--redirect-uri",
        "https://app.example/callback",
        "--scope",
        "orders:read",
    ]);
    let admin = german_admin(&app).await;
    let page = admin.get("/admin/scopes").await;
    let asked = admin
        .post_with_csrf(&page, "/admin/scopes/remove", &[("name", "orders:read")])
        .await;
    assert_german(
        &asked,
        &[
            "orders:read entfernen?",
            "(„See your orders“) wird aus dem Katalog entfernt",
            "1 Anwendung hat ihn erlaubt bekommen und behält ihn",
            ">Behalten<",
        ],
    );
}

#[tokio::test]
async fn the_apis_page_speaks_german() {
    let app = spawn_app().await;
    let page = german_admin(&app).await.get("/admin/apis").await;
    assert_german(
        &page,
        &[
            "<h1>APIs</h1>",
            "Eine API registrieren",
            "Introspektions-Zugangsdaten erstellen",
        ],
    );
}

#[tokio::test]
async fn the_audit_trail_speaks_german_and_shows_event_names_as_they_are() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let page = german_admin(&app).await.get("/admin/audit").await;
    assert_german(
        &page,
        &[
            "<h1>Prüfprotokoll</h1>",
            "<th>Ereignis</th>",
            "Benutzer (Name oder ID)",
            "<code>user.created</code>",
        ],
    );
}

#[tokio::test]
async fn an_api_identifier_that_breaks_the_rule_is_refused_in_german() {
    let app = spawn_app().await;
    let admin = german_admin(&app).await;
    let page = admin.get("/admin/apis").await;
    let refused = admin
        .post_with_csrf(
            &page,
            "/admin/apis",
            &[("identifier", "http://orders.example"), ("name", "Orders")],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("ist keine gültige API-Kennung"),
        "{}",
        refused.body
    );
}
