//! The portal that forgives mistakes, and consent that shows who is asking:
//! uploaded logos (accepted, refused, served), secrets shown by one GET
//! after their POST, delete confirmed by the app's name, every form error
//! at once, success messages, and "Not you?" on the consent page.

use crate::browser::{authorize_path, Agent, Page, PASSWORD, REDIRECT};
use crate::helpers::{spawn_app, TestApp, TestClient};
use std::io::Cursor;

/// An image of `width`×`height` in `format`; `noisy` pixels do not compress.
fn image_bytes(width: u32, height: u32, format: image::ImageFormat, noisy: bool) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        if noisy {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let b = seed.to_le_bytes();
            image::Rgb([b[0], b[1], b[2]])
        } else {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    image_bytes(width, height, image::ImageFormat::Png, false)
}

/// Registers a confidential web app "Photos" as `agent`; its credentials.
async fn register(agent: &Agent<'_>) -> TestClient {
    let form = agent.get("/portal/apps/new").await;
    let posted = agent
        .post(
            "/portal/apps",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("name", "Photos"),
                ("client_type", "confidential"),
                ("homepage_uri", "https://photos.example/"),
                ("redirect_uris", REDIRECT),
                ("grant_authorization_code", "on"),
            ],
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let shown = agent.follow(&posted).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    TestClient {
        id: code_on(&shown, "client-id").expect("a client id"),
        secret: code_on(&shown, "client-secret"),
    }
}

/// The text of the element with `id` (up to the next tag).
fn code_on(page: &Page, id: &str) -> Option<String> {
    let start = page.body.find(&format!("id=\"{id}\""))?;
    let rest = &page.body[start..];
    let open = rest.find('>')? + 1;
    let close = rest[open..].find('<')?;
    Some(rest[open..open + close].to_string())
}

/// Posts `bytes` as the logo of `id`, as a browser's file upload would.
async fn upload(agent: &Agent<'_>, id: &str, filename: &str, content_type: &str, bytes: &[u8]) -> Page {
    let csrf = agent
        .get(&format!("/portal/apps/{id}"))
        .await
        .hidden("csrf_token");
    let boundary = "----tollgate-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"{filename}\"\r\n\
             Content-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = agent
        .http
        .post(agent.app.url(&format!("/portal/apps/{id}/logo")))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let headers = response.headers().clone();
    Page {
        status,
        location,
        headers,
        body: response.text().await.unwrap_or_default(),
    }
}

async fn refused_upload(filename: &str, content_type: &str, bytes: &[u8], words: &str) {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    let page = upload(&dev, &client.id, filename, content_type, bytes).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("id=\"logo-error\""), "{}", page.body);
    assert!(page.body.contains("aria-describedby=\"logo-error\""));
    assert!(page.body.contains(words), "{}", page.body);
    let logo = app
        .http
        .get(app.url(&format!("/logos/{}", client.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.status(), 404, "nothing was kept");
}

/// An administrator marks `client` verified and names its organisation.
async fn verify(app: &TestApp, client: &TestClient, organisation: &str) {
    let admin = Agent::admin(app).await;
    let path = format!("/portal/apps/{}", client.id);
    let csrf = admin.get(&path).await.hidden("csrf_token");
    let page = admin
        .post(
            &format!("{path}/flags"),
            &[
                ("csrf_token", csrf.as_str()),
                ("verified", "on"),
                ("organisation", organisation),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some(format!("{path}?done=flags").as_str())
    );
}

/// Alice, signed in through `path`, on its consent page.
async fn consent_of<'a>(app: &'a TestApp, path: &str) -> (Agent<'a>, Page) {
    app.create_user("alice", PASSWORD);
    let alice = Agent::new(app);
    let signed_in = alice.sign_in("alice", PASSWORD, path).await;
    let consent = alice.follow(&signed_in).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    (alice, consent)
}

#[tokio::test]
async fn a_png_logo_is_kept_and_served_from_this_origin_with_safe_headers() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    let bytes = png(64, 64);
    let page = upload(&dev, &client.id, "logo.png", "image/png", &bytes).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let detail = dev.follow(&page).await;
    assert!(detail.body.contains("The logo was uploaded."), "{}", detail.body);
    assert!(detail.body.contains("id=\"logo\""));

    let served = app
        .http
        .get(app.url(&format!("/logos/{}", client.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let again = app
        .http
        .get(app.url(&format!("/logos/{}", client.id)))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "revalidated by its ETag");
}

#[tokio::test]
async fn a_jpeg_logo_is_served_as_a_jpeg_whatever_its_name_says() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    let bytes = image_bytes(48, 48, image::ImageFormat::Jpeg, false);
    let page = upload(&dev, &client.id, "logo.png", "image/png", &bytes).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let served = app
        .http
        .get(app.url(&format!("/logos/{}", client.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(served.headers()["content-type"], "image/jpeg");
}

#[tokio::test]
async fn a_logo_over_100_kb_is_refused_next_to_the_field() {
    let big = image_bytes(200, 200, image::ImageFormat::Png, true);
    assert!(big.len() > 100 * 1024, "{}", big.len());
    refused_upload("logo.png", "image/png", &big, "at most 100 KB").await;
}

#[tokio::test]
async fn a_gif_disguised_as_a_png_is_refused() {
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    refused_upload("logo.png", "image/png", gif, "must be a PNG or JPEG").await;
}

#[tokio::test]
async fn a_logo_larger_than_512_pixels_is_refused() {
    refused_upload("logo.png", "image/png", &png(600, 40), "from 32×32 to 512×512").await;
}

#[tokio::test]
async fn garbage_behind_a_png_signature_is_refused() {
    let mut garbage = b"\x89PNG\r\n\x1a\n".to_vec();
    garbage.extend_from_slice(&[0x42; 300]);
    refused_upload("logo.png", "image/png", &garbage, "not a readable PNG or JPEG").await;
}

#[tokio::test]
async fn a_removed_logo_is_no_longer_served() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    upload(&dev, &client.id, "logo.png", "image/png", &png(64, 64)).await;
    let path = format!("/portal/apps/{}", client.id);
    let csrf = dev.get(&path).await.hidden("csrf_token");
    let removed = dev
        .post(&format!("{path}/logo/remove"), &[("csrf_token", &csrf)])
        .await;
    assert_eq!(removed.status, 303);
    assert!(dev.follow(&removed).await.body.contains("The logo was removed."));
    let served = app
        .http
        .get(app.url(&format!("/logos/{}", client.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 404);
}

#[tokio::test]
async fn consent_for_an_unverified_app_shows_the_notice_and_no_logo_even_if_one_was_uploaded() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    upload(&dev, &client.id, "logo.png", "image/png", &png(64, 64)).await;
    let (path, _) = authorize_path(&client, &[]);
    let (_, consent) = consent_of(&app, &path).await;
    assert!(consent.body.contains("id=\"unverified\""));
    assert!(!consent.body.contains("/logos/"), "{}", consent.body);
    assert!(!consent.body.contains("id=\"verified\""));
    assert_eq!(
        code_on(&consent, "owner").as_deref(),
        Some("dev"),
        "the developer is named"
    );
}

#[tokio::test]
async fn consent_for_a_verified_app_shows_the_mark_its_organisation_its_home_page_and_its_logo() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    upload(&dev, &client.id, "logo.png", "image/png", &png(64, 64)).await;
    verify(&app, &client, "Photo Co. Ltd").await;
    let (path, _) = authorize_path(&client, &[]);
    let (_, consent) = consent_of(&app, &path).await;
    assert!(consent.body.contains("id=\"verified\""), "{}", consent.body);
    assert!(!consent.body.contains("id=\"unverified\""));
    assert_eq!(code_on(&consent, "owner").as_deref(), Some("Photo Co. Ltd"));
    assert!(consent.body.contains(&format!("src=\"/logos/{}?v=", client.id)));
    assert!(consent
        .body
        .contains("href=\"https://photos.example/\" rel=\"noopener noreferrer\""));
    assert!(consent.body.contains("app.example"), "the host it returns to");
}

#[tokio::test]
async fn not_you_ends_the_session_and_returns_to_sign_in_with_the_same_request() {
    let app = spawn_app().await;
    let client = crate::browser::web_app(&app);
    let (path, _) = authorize_path(&client, &[("scope", "profile")]);
    let (alice, consent) = consent_of(&app, &path).await;
    assert!(
        consent.body.contains("the server&#39;s operator") || consent.body.contains("the server's operator")
    );
    let return_to = consent.hidden("return_to");
    let switched = alice
        .post(
            "/switch-account",
            &[
                ("csrf_token", &consent.hidden("csrf_token")),
                ("return_to", &return_to),
            ],
        )
        .await;
    assert_eq!(switched.status, 303);
    let login = url::Url::parse(&app.url(switched.location.as_deref().unwrap())).unwrap();
    assert_eq!(login.path(), "/login");
    let back = login
        .query_pairs()
        .find(|(k, _)| k == "return_to")
        .unwrap()
        .1
        .into_owned();
    assert!(back.starts_with("/oauth2/authorize?"), "{back}");
    assert!(back.contains(&format!("client_id={}", client.id)), "{back}");
    assert_eq!(alice.get("/account").await.status, 303, "the session has ended");
    let again = alice.get(&back).await;
    assert_eq!(again.status, 303, "the request asks for a sign-in again");
}

#[tokio::test]
async fn not_you_cannot_be_made_to_redirect_elsewhere() {
    let app = spawn_app().await;
    let client = crate::browser::web_app(&app);
    let (path, _) = authorize_path(&client, &[("scope", "profile")]);
    let (alice, consent) = consent_of(&app, &path).await;
    let switched = alice
        .post(
            "/switch-account",
            &[
                ("csrf_token", &consent.hidden("csrf_token")),
                ("return_to", "//evil.example/steal"),
            ],
        )
        .await;
    assert_eq!(switched.status, 303);
    let location = switched.location.unwrap();
    assert!(location.starts_with("/login?"), "{location}");
    assert!(!location.contains("evil.example"), "{location}");
}

#[tokio::test]
async fn not_you_without_the_csrf_token_ends_nothing() {
    let app = spawn_app().await;
    let client = crate::browser::web_app(&app);
    let (path, _) = authorize_path(&client, &[("scope", "profile")]);
    let (alice, _) = consent_of(&app, &path).await;
    let refused = alice.post("/switch-account", &[("return_to", "/account")]).await;
    assert_eq!(refused.status, 403);
    assert_eq!(alice.get("/account").await.status, 200, "still signed in");
}

#[tokio::test]
async fn the_secret_page_shows_the_secret_once_and_a_reload_shows_nothing_secret() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    let secret = client.secret.clone().expect("a secret on the first view");
    let reload = dev.get(&format!("/portal/apps/{}/secret", client.id)).await;
    assert_eq!(reload.status, 200);
    assert!(!reload.body.contains(&secret));
    assert!(
        reload.body.contains("id=\"secret-already-shown\""),
        "{}",
        reload.body
    );
    assert!(reload.body.contains("/rotate"), "rotation is offered");
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&client),
        )
        .await;
    assert_ne!(answer.error(), "invalid_client", "the secret shown is the app's");
}

#[tokio::test]
async fn a_reloaded_registration_cannot_register_twice() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    // What a reload of the page after the POST repeats is its GET.
    dev.get(&format!("/portal/apps/{}/secret", client.id)).await;
    dev.get(&format!("/portal/apps/{}/secret", client.id)).await;
    let list = dev.get("/portal").await;
    assert_eq!(
        list.body.matches("<a href=\"/portal/apps/").count(),
        1,
        "{}",
        list.body
    );
}

#[tokio::test]
async fn a_secret_page_opened_without_its_cookie_shows_no_secret() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let form = dev.get("/portal/apps/new").await;
    let posted = dev
        .post(
            "/portal/apps",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("name", "Photos"),
                ("client_type", "confidential"),
                ("redirect_uris", REDIRECT),
                ("grant_authorization_code", "on"),
            ],
        )
        .await;
    let cookie = posted.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/portal/apps/"), "{cookie}");
    assert!(cookie.contains("Max-Age=600"), "{cookie}");
    // The same developer in another browser: signed in, without the cookie.
    let other = Agent::new(&app);
    other.sign_in("dev", PASSWORD, "/portal").await;
    let page = other.get(posted.location.as_deref().unwrap()).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"secret-already-shown\""));
    assert!(!page.body.contains("id=\"client-secret\""));
}

#[tokio::test]
async fn a_rotated_secret_is_shown_by_one_get_after_the_post() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let old = register(&dev).await;
    let path = format!("/portal/apps/{}", old.id);
    let csrf = dev.get(&path).await.hidden("csrf_token");
    let rotated = dev
        .post(
            &format!("{path}/rotate"),
            &[("csrf_token", &csrf), ("overlap", "0")],
        )
        .await;
    assert_eq!(rotated.status, 303);
    assert!(rotated.body.is_empty(), "no secret in the POST's answer");
    let shown = dev.follow(&rotated).await;
    let new = code_on(&shown, "client-secret").expect("the new secret");
    assert_ne!(Some(&new), old.secret.as_ref());
    let reload = dev.follow(&rotated).await;
    assert!(!reload.body.contains(&new));
}

#[tokio::test]
async fn deleting_asks_for_the_name_and_a_wrong_one_deletes_nothing() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    let path = format!("/portal/apps/{}/delete", client.id);
    let confirm = dev.get(&path).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("id=\"confirm-name\""));
    let wrong = dev
        .post(
            &path,
            &[
                ("csrf_token", &confirm.hidden("csrf_token")),
                ("confirm_name", "Photoz"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("id=\"confirm-name-error\""));
    assert!(wrong.body.contains("aria-invalid=\"true\""));
    assert_eq!(
        dev.get(&format!("/portal/apps/{}", client.id)).await.status,
        200,
        "still there"
    );
    let right = dev
        .post(
            &path,
            &[
                ("csrf_token", &confirm.hidden("csrf_token")),
                ("confirm_name", "Photos"),
            ],
        )
        .await;
    assert_eq!(right.status, 303);
    let list = dev.follow(&right).await;
    assert!(
        list.body.contains("The application was deleted."),
        "{}",
        list.body
    );
    assert_eq!(dev.get(&format!("/portal/apps/{}", client.id)).await.status, 404);
}

#[tokio::test]
async fn every_error_of_the_app_form_is_shown_at_once_next_to_its_field() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let form = dev.get("/portal/apps/new").await;
    let page = dev
        .post(
            "/portal/apps",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("name", ""),
                ("client_type", "confidential"),
                ("homepage_uri", "javascript:alert(1)"),
                ("redirect_uris", "http://insecure.example/cb"),
                ("grant_authorization_code", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    for field in ["name", "homepage_uri", "redirect_uris"] {
        assert!(
            page.body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            page.body
        );
        assert!(
            page.body.contains(&format!("aria-describedby=\"{field}-error\"")),
            "{field}"
        );
    }
    assert!(
        page.body.contains("http://insecure.example/cb"),
        "the form is refilled"
    );
    assert!(dev
        .get("/portal")
        .await
        .body
        .contains("No application registered yet"));
}

#[tokio::test]
async fn saving_an_app_says_so() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let client = register(&dev).await;
    let path = format!("/portal/apps/{}", client.id);
    let csrf = dev.get(&path).await.hidden("csrf_token");
    let saved = dev
        .post(
            &path,
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "Photos 2"),
                ("redirect_uris", REDIRECT),
                ("grant_authorization_code", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = dev.follow(&saved).await;
    assert!(page.body.contains("Your changes were saved."), "{}", page.body);
}

#[tokio::test]
async fn an_app_without_a_logo_has_none_to_serve() {
    let app = spawn_app().await;
    let client = crate::browser::web_app(&app);
    let served = app
        .http
        .get(app.url(&format!("/logos/{}", client.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 404);
}

/// Posts the new-app form of a confidential code-grant app with `extra`.
async fn register_with(agent: &Agent<'_>, extra: &[(&str, &str)]) -> Page {
    let form = agent.get("/portal/apps/new").await;
    let csrf = form.hidden("csrf_token");
    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("name", "Ledger"),
        ("client_type", "confidential"),
        ("redirect_uris", REDIRECT),
        ("grant_authorization_code", "on"),
    ];
    fields.extend_from_slice(extra);
    agent.post("/portal/apps", &fields).await
}

fn security_of(app: &TestApp, id: &str) -> (tollgate::storage::clients::ClientSecurity, bool) {
    let id = id.to_string();
    app.database()
        .run_sync(move |conn| {
            let security = tollgate::storage::clients::security_of(conn, &id)?;
            let row = tollgate::storage::clients::by_id(conn, &id)?.expect("registered");
            Ok((security, row.secret_hash.is_some()))
        })
        .unwrap()
}

#[tokio::test]
async fn a_developer_registers_a_private_key_jwt_app_with_its_keys_and_is_shown_no_secret() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let key = tollgate::oauth::keys::SigningKey::generate(tollgate::domain::SigningAlg::Es256)
        .unwrap()
        .0;
    let jwks = serde_json::json!({ "keys": [key.public_jwk()] }).to_string();

    let posted = register_with(
        &dev,
        &[
            ("auth_method", "private_key_jwt"),
            ("jwks", &jwks),
            ("dpop_bound_access_tokens", "on"),
        ],
    )
    .await;

    assert_eq!(posted.status, 303, "{}", posted.body);
    let shown = dev.follow(&posted).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(code_on(&shown, "client-secret").is_none(), "no secret exists");
    let id = code_on(&shown, "client-id").expect("a client id");
    let (security, has_secret) = security_of(&app, &id);
    assert_eq!(
        security.token_endpoint_auth_method.as_deref(),
        Some("private_key_jwt")
    );
    assert!(security.jwks.is_some());
    assert!(security.dpop_bound_access_tokens);
    assert!(!has_secret);
}

#[tokio::test]
async fn private_key_jwt_without_keys_or_with_a_public_app_is_refused_next_to_the_field() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;

    let without = register_with(&dev, &[("auth_method", "private_key_jwt")]).await;
    assert_eq!(without.status, 422, "{}", without.body);
    assert!(without.body.contains("id=\"jwks-error\""), "{}", without.body);

    let bad = register_with(
        &dev,
        &[("auth_method", "private_key_jwt"), ("jwks", "{\"keys\":[]}")],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("id=\"jwks-error\""));

    let plain = register_with(
        &dev,
        &[
            ("auth_method", "private_key_jwt"),
            ("jwks_uri", "http://keys.example/jwks"),
        ],
    )
    .await;
    assert_eq!(plain.status, 422, "{}", plain.body);

    let apps = dev.get("/portal").await;
    assert!(!apps.body.contains("Ledger"), "nothing was registered");
}
