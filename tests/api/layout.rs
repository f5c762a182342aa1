//! The frame of every page: the header and its links, the home page, the
//! favicon, the one script pages may load, and how the layout holds up in
//! a real browser (consent buttons, long scope names on a phone, the dark
//! palette).

use crate::browser::{authorize_path, Agent, PASSWORD, REDIRECT};
use crate::helpers::{spawn_app, spawn_app_on, TestApp, TestDb};
use crate::in_chromium::{sign_in_on_page, start_driver};
use crate::page_gallery::{overflow, set_viewport, Cdp};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

/// The `<header>` of a page's HTML.
fn header_of(body: &str) -> &str {
    let start = body.find("<header").expect("a header");
    let end = body[start..].find("</header>").expect("the header ends") + start;
    &body[start..end]
}

#[tokio::test]
async fn an_administrators_header_links_home_account_portal_admin_and_signs_out_with_csrf() {
    let app = spawn_app().await;
    let root = Agent::admin(&app).await;
    let page = root.get("/account").await;
    assert_eq!(page.status, 200);
    let header = header_of(&page.body);
    for link in [
        r#"class="brand" href="/""#,
        r#"href="/account""#,
        r#"href="/portal""#,
        r#"href="/admin" id="nav-admin""#,
        r#"<form method="post" action="/logout""#,
        r#"id="nav-username">root<"#,
    ] {
        assert!(header.contains(link), "{link} missing from {header}");
    }
    let csrf = page.hidden("csrf_token");
    assert!(
        header.contains(&format!(r#"name="csrf_token" value="{csrf}""#)),
        "{header}"
    );
}

#[tokio::test]
async fn a_users_header_has_no_admin_link() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let page = dev.get("/portal").await;
    assert_eq!(page.status, 200);
    let header = header_of(&page.body);
    assert!(header.contains(r#"href="/portal""#), "{header}");
    assert!(!header.contains("/admin"), "{header}");
}

#[tokio::test]
async fn the_header_sign_out_ends_the_session() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let page = dev.get("/portal").await;
    let csrf = page.hidden("csrf_token");
    let signed_out = dev.post("/logout", &[("csrf_token", &csrf)]).await;
    assert!(signed_out.status < 400, "{}", signed_out.body);
    let after = dev.get("/portal").await;
    assert_eq!(after.status, 303);
    assert!(after.location.unwrap().starts_with("/login"));
}

#[tokio::test]
async fn the_login_page_offers_sign_up_when_it_is_enabled_and_marks_itself_current() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/login").await;
    assert!(page
        .body
        .contains(r#"<a href="/signup" id="create-account">Create an account</a>"#));
    let header = header_of(&page.body);
    assert!(
        header.contains(r#"href="/login" id="nav-sign-in" aria-current="page""#),
        "{header}"
    );
    assert!(header.contains(r#"href="/signup" id="nav-sign-up""#), "{header}");
}

#[tokio::test]
async fn the_login_page_does_not_offer_sign_up_when_it_is_disabled() {
    let app = spawn_app_on(TestDb::new(), |s| s.signup_enabled = false).await;
    let page = Agent::new(&app).get("/login").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/signup"), "{}", page.body);
}

#[tokio::test]
async fn home_sends_a_visitor_to_sign_in_and_shows_a_signed_in_user_where_to_go() {
    let app = spawn_app().await;
    let visitor = Agent::new(&app).get("/").await;
    assert_eq!(visitor.status, 303);
    assert_eq!(visitor.location.as_deref(), Some("/login"));

    let dev = Agent::developer(&app, "dev").await;
    let home = dev.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains(r#"id="home-account""#), "{}", home.body);
    assert!(home.body.contains(r#"id="home-portal""#), "{}", home.body);
    assert!(!home.body.contains(r#"id="home-admin""#), "{}", home.body);
}

#[tokio::test]
async fn the_favicon_is_an_image_browsers_may_cache() {
    let app = spawn_app().await;
    for (path, kind) in [
        ("/favicon.ico", "image/x-icon"),
        ("/static/favicon.svg", "image/svg+xml"),
    ] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], kind, "{path}");
        let cache = r.headers()["cache-control"].to_str().unwrap().to_string();
        assert!(cache.starts_with("public, max-age="), "{path}: {cache}");
        assert!(!r.bytes().await.unwrap().is_empty(), "{path}");
    }
    let page = Agent::new(&app).get("/login").await;
    assert!(page
        .body
        .contains(r#"<link rel="icon" href="/static/favicon.svg""#));
}

#[tokio::test]
async fn pages_may_run_only_the_servers_own_script_file() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/login").await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(page
        .body
        .contains(r#"<script src="/static/app.js" defer></script>"#));
    // Every script element of the page loads a file: none is inline.
    assert_eq!(
        page.body.matches("<script").count(),
        page.body.matches("<script src=").count()
    );
    let script = app.http.get(app.url("/static/app.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(script.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(script.text().await.unwrap().contains("data-copy"));
}

/// `alice` (signed in in `browser`) on the consent page of an app asking
/// for `scope`.
async fn consent_page(app: &TestApp, browser: &Client, scopes: &[&str]) {
    app.create_user("alice", PASSWORD);
    let mut args = vec!["--redirect-uri", REDIRECT];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    let client = app.create_named_client("Photo Album", &args);
    let (path, _) = authorize_path(&client, &[("scope", &scopes.join(" "))]);
    browser.goto(&app.url(&path)).await.unwrap();
    sign_in_on_page(browser).await;
    browser.wait().for_element(Locator::Id("approve")).await.unwrap();
}

/// `getBoundingClientRect()` of the element with id `id`.
async fn rect(browser: &Client, id: &str) -> Value {
    browser
        .execute(
            "const r = document.getElementById(arguments[0]).getBoundingClientRect(); return { top: r.top, height: r.height };",
            vec![json!(id)],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_consent_pages_allow_and_deny_buttons_are_aligned_and_equally_tall() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    consent_page(&app, &browser, &["profile", "email"]).await;
    for (_, width, height) in crate::page_gallery::SIZES {
        set_viewport(&browser, width, height).await;
        let (allow, deny) = (rect(&browser, "approve").await, rect(&browser, "deny").await);
        assert_eq!(allow, deny, "at {width} px: Allow {allow}, Deny {deny}");
    }
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_phone_shows_long_scope_names_without_sideways_scrolling_or_splitting_short_ones() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let long = "calendar.events.readonly.shared-with-everyone-in-the-organisation";
    consent_page(&app, &browser, &["profile", "email", "orders:read", long]).await;
    set_viewport(&browser, 390, 844).await;
    let sideways = overflow(&browser, 390).await;
    assert_eq!(sideways, 0, "the page scrolls sideways by {sideways} px");
    // A name that fits on a line is never split across two.
    let split = browser
        .execute(
            r#"const list = document.querySelector(".scopes");
            return [...document.querySelectorAll(".scope-name")]
              .filter(e => e.scrollWidth < list.clientWidth && e.getClientRects().length > 1)
              .map(e => e.textContent);"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(split, json!([]), "scope names split across lines");
    let names = browser
        .find(Locator::Css(".scopes"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(names.contains(long), "{names}");
    browser.close().await.unwrap();
}

/// The computed colours of the body: (background, text).
async fn body_colours(browser: &Client) -> (String, String) {
    let v = browser
        .execute(
            "const s = getComputedStyle(document.body); return [s.backgroundColor, s.color];",
            vec![],
        )
        .await
        .unwrap();
    (v[0].as_str().unwrap().into(), v[1].as_str().unwrap().into())
}

/// The mean of an `rgb(r, g, b)` colour's channels.
fn lightness(colour: &str) -> u32 {
    let channels: Vec<u32> = colour
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .map(|c| c.trim().parse().unwrap())
        .collect();
    channels.iter().sum::<u32>() / 3
}

#[tokio::test]
async fn a_browser_that_prefers_dark_gets_the_dark_palette() {
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    browser.goto(&app.url("/login")).await.unwrap();
    let (light_bg, light_ink) = body_colours(&browser).await;
    assert!(
        lightness(&light_bg) > 200 && lightness(&light_ink) < 60,
        "{light_bg} / {light_ink}"
    );
    browser
        .issue_cmd(Cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] }),
        ))
        .await
        .unwrap();
    let (dark_bg, dark_ink) = body_colours(&browser).await;
    assert!(
        lightness(&dark_bg) < 40 && lightness(&dark_ink) > 200,
        "{dark_bg} / {dark_ink}"
    );
    browser.close().await.unwrap();
}
