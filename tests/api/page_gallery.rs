//! The page gallery: every page, in headless Chromium, at a desktop
//! (1280×800) and a phone (390×844) size, in English and in German. Each
//! is saved as a PNG under `target/page-gallery/<language>/<size>/<page>.png`
//! (the folder is printed) and
//! checked by axe-core for WCAG 2.0/2.1 A and AA; the test fails listing
//! every violation of every page.
//!
//! axe-core comes from npm: `.ci/run` installs it into `.ci/node` and names
//! it in `AXE_CORE_JS`. Without it (or without chromedriver) the test
//! says so and passes, unless `TOLLGATE_REQUIRE_BROWSER=1`.
//!
//! axe is injected through WebDriver's "execute script", which Chromium
//! runs outside the page's Content-Security-Policy: the pages keep
//! `script-src 'self'` and no exception is made for the test.
//!
//! Adding a page is one line in [`gallery`].

use crate::browser::{authorize_path, urlencode, PASSWORD, REDIRECT};
use crate::helpers::{answer, spawn_app_on, TestApp, TestDb};
use crate::in_chromium::{click, sign_in_on_page, start_driver_speaking, type_into};
use fantoccini::Client;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The sizes every page is shown at: (folder name, width, height).
pub(crate) const SIZES: [(&str, u32, u32); 2] =
    [("desktop-1280x800", 1280, 800), ("phone-390x844", 390, 844)];

/// How the browser reaches a page.
enum Step {
    /// Open this path.
    Visit(String),
    /// Open `from`, type into fields (by id), click the button with id
    /// `button`: the page that answers.
    Submit {
        from: String,
        fill: Vec<(&'static str, String)>,
        button: &'static str,
    },
}

fn visit(path: impl Into<String>) -> Step {
    Step::Visit(path.into())
}

/// What the gallery's server holds: an administrator `alice`, a verified
/// app, an unverified one and a device waiting for approval.
struct Fixture {
    verified: String,
    unverified: String,
    user_code: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    app.create_admin("alice", PASSWORD);
    let verified = app
        .create_named_client(
            "Photo Album",
            &[
                "--redirect-uri",
                REDIRECT,
                "--scope",
                "profile",
                "--scope",
                "email",
            ],
        )
        .id;
    // A program registers itself (RFC 7591): unverified.
    let registered = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&json!({
            "client_name": "Totally Legit",
            "client_uri": "https://legit.example/",
            "redirect_uris": [REDIRECT],
            "scope": "profile email",
            "token_endpoint_auth_method": "none",
        }))
        .send()
        .await
        .unwrap();
    let registered = answer(registered).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let tv = app.create_named_client(
        "Living-room TV",
        &[
            "--public",
            "--grant-type",
            "urn:ietf:params:oauth:grant-type:device_code",
            "--scope",
            "profile",
        ],
    );
    let device = app
        .post_form(
            "/oauth2/device_authorization",
            &[("client_id", tv.id.as_str()), ("scope", "profile")],
            None,
        )
        .await;
    assert_eq!(device.status, 200, "{}", device.body);
    Fixture {
        verified,
        unverified: registered.body["client_id"].as_str().unwrap().to_string(),
        user_code: device.body["user_code"].as_str().unwrap().to_string(),
    }
}

/// Pages by name, each with the way to it.
type Pages = Vec<(&'static str, Step)>;

/// Every page, in the order the browser visits them: first those of a
/// visitor who is not signed in, then (after `alice` signs in) the rest.
fn gallery(f: &Fixture) -> (Pages, Pages) {
    let consent = |client_id: &str| {
        let client = crate::helpers::TestClient {
            id: client_id.to_string(),
            secret: None,
        };
        authorize_path(&client, &[("scope", "profile email")]).0
    };
    let unverified_bad_request = {
        let client = crate::helpers::TestClient {
            id: f.unverified.clone(),
            secret: None,
        };
        authorize_path(&client, &[("scope", "not-allowed")]).0
    };
    let signed_out = vec![
        ("login", visit("/login")),
        ("signup", visit("/signup")),
        ("not-found", visit("/no-such-page")),
        ("error-bad-request", visit("/oauth2/authorize")),
        ("error-unverified-app", visit(unverified_bad_request)),
        ("signed-out", visit("/logout")),
        ("forgot-password", visit("/password/forgot")),
    ];
    let signed_in = vec![
        ("home", visit("/")),
        ("account", visit("/account")),
        ("consent-verified", visit(consent(&f.verified))),
        ("consent-unverified", visit(consent(&f.unverified))),
        ("portal", visit("/portal")),
        ("portal-new", visit("/portal/apps/new")),
        ("portal-app", visit(format!("/portal/apps/{}", f.unverified))),
        (
            "portal-secret",
            Step::Submit {
                from: "/portal/apps/new".into(),
                fill: vec![("name", "Gallery app".into()), ("redirect_uris", REDIRECT.into())],
                button: "save",
            },
        ),
        (
            "portal-delete",
            visit(format!("/portal/apps/{}/delete", f.unverified)),
        ),
        ("account-delete", visit("/account/delete")),
        ("admin", visit("/admin")),
        ("admin-apps", visit("/admin/apps")),
        ("admin-scopes", visit("/admin/scopes")),
        ("admin-users", visit("/admin/users")),
        ("admin-audit", visit("/admin/audit")),
        ("admin-apis", visit("/admin/apis")),
        ("device", visit("/device")),
        (
            "device-consent",
            Step::Submit {
                from: format!("/device?user_code={}", urlencode(&f.user_code)),
                fill: vec![],
                button: "continue",
            },
        ),
        (
            "logout-confirmation",
            visit(format!("/logout?client_id={}", f.verified)),
        ),
    ];
    (signed_out, signed_in)
}

/// axe-core's script: `AXE_CORE_JS`, else where `.ci/run` installs it.
fn axe_source() -> Option<String> {
    let path = std::env::var_os("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/node/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(e) => {
            let why = format!(
                "axe-core is not at {} ({e}): npm install --prefix .ci/node axe-core@4",
                path.display()
            );
            if std::env::var("TOLLGATE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                panic!("{why}");
            }
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// Where the screenshots go.
fn gallery_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("page-gallery")
}

/// A Chrome DevTools Protocol command, sent through chromedriver.
#[derive(Debug)]
pub(crate) struct Cdp(pub &'static str, pub Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({ "cmd": self.0, "params": self.1 });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// Makes the page's viewport `width`×`height` CSS pixels (a phone-sized one
/// behaves as a phone's: `<meta name="viewport">` applies).
pub(crate) async fn set_viewport(browser: &Client, width: u32, height: u32) {
    browser
        .issue_cmd(Cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 }),
        ))
        .await
        .expect("the viewport is set");
}

/// How many CSS pixels the page is wider than its `width`-pixel viewport
/// (a phone widens its layout viewport to fit content that overflows).
pub(crate) async fn overflow(browser: &Client, width: u32) -> i64 {
    let wide = browser
        .execute(
            "return Math.max(window.innerWidth, document.documentElement.scrollWidth)",
            vec![],
        )
        .await
        .unwrap();
    wide.as_i64().expect("a width") - i64::from(width)
}

/// Runs axe-core (injected once per page) for WCAG 2.0 and 2.1 A and AA;
/// returns one line per violation.
async fn axe_violations(browser: &Client, axe: &str) -> Vec<String> {
    let loaded = browser.execute("return typeof window.axe", vec![]).await.unwrap();
    if loaded != "object" {
        browser.execute(axe, vec![]).await.expect("axe-core is injected");
    }
    let found = browser
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
              .then(r => done(r.violations.map(v =>
                `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(" ")).slice(0, 5).join(", ")}`)))
              .catch(e => done([`axe failed: ${e}`]));"#,
            vec![],
        )
        .await
        .expect("axe-core runs");
    serde_json::from_value(found).expect("a list of violations")
}

async fn open(browser: &Client, app: &TestApp, step: &Step) {
    match step {
        Step::Visit(path) => browser.goto(&app.url(path)).await.unwrap(),
        Step::Submit { from, fill, button } => {
            browser.goto(&app.url(from)).await.unwrap();
            for (id, text) in fill {
                type_into(browser, id, text).await;
            }
            browser.execute("window.galleryOld = true", vec![]).await.unwrap();
            click(browser, button).await;
            wait_for_new_page(browser).await;
        }
    }
}

/// Waits until the page marked `galleryOld` has been replaced and the new
/// one has loaded.
pub(crate) async fn wait_for_new_page(browser: &Client) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let ready = browser
            .execute(
                "return window.galleryOld === undefined && document.readyState === 'complete'",
                vec![],
            )
            .await
            .unwrap();
        if ready == true {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no new page after the click"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Shows `step`'s page at every size: a screenshot each, axe's verdict
/// each. Returns the violations, each line naming the page and size.
async fn shoot(
    browser: &Client,
    app: &TestApp,
    axe: &str,
    dir: &Path,
    name: &str,
    step: &Step,
) -> Vec<String> {
    open(browser, app, step).await;
    let mut found = Vec::new();
    for (size, width, height) in SIZES {
        set_viewport(browser, width, height).await;
        let png = browser.screenshot().await.unwrap();
        std::fs::write(dir.join(size).join(format!("{name}.png")), png).unwrap();
        let at = browser.current_url().await.unwrap();
        let sideways = overflow(browser, width).await;
        if sideways > 0 {
            found.push(format!(
                "{name} at {size} ({}): scrolls sideways by {sideways} px",
                at.path()
            ));
        }
        found.extend(
            axe_violations(browser, axe)
                .await
                .into_iter()
                .map(|v| format!("{name} at {size} ({}): {v}", at.path())),
        );
    }
    found
}

#[tokio::test]
async fn every_page_at_desktop_and_phone_size_has_no_accessibility_violations() {
    walk_the_gallery("en").await;
}

#[tokio::test]
async fn every_page_in_german_at_desktop_and_phone_size_has_no_accessibility_violations() {
    walk_the_gallery("de").await;
}

/// Every page in a browser whose language is `language`, screenshots into
/// `target/page-gallery/<language>/<size>/`.
async fn walk_the_gallery(language: &str) {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some((_driver, browser)) = start_driver_speaking(language).await else {
        return;
    };
    let app = spawn_app_on(TestDb::new(), |s| s.open_registration = true).await;
    let fixture = fixture(&app).await;
    let dir = gallery_dir().join(language);
    for (size, _, _) in SIZES {
        std::fs::create_dir_all(dir.join(size)).unwrap();
    }
    let (signed_out, signed_in) = gallery(&fixture);
    let mut violations = Vec::new();
    for (name, step) in &signed_out {
        violations.extend(shoot(&browser, &app, &axe, &dir, name, step).await);
    }
    browser.goto(&app.url("/login")).await.unwrap();
    sign_in_on_page(&browser).await;
    browser
        .wait()
        .for_element(fantoccini::Locator::Id("nav-username"))
        .await
        .unwrap();
    for (name, step) in &signed_in {
        violations.extend(shoot(&browser, &app, &axe, &dir, name, step).await);
    }
    eprintln!(
        "page gallery ({language}): {} pages at {} sizes in {}",
        signed_out.len() + signed_in.len(),
        SIZES.len(),
        dir.display()
    );
    browser.close().await.unwrap();
    assert!(
        violations.is_empty(),
        "{} accessibility violations ({language}):\n{}",
        violations.len(),
        violations.join("\n")
    );
}
