//! Whatever arrives, the OAuth endpoints answer with an RFC 6749 error body
//! and a 4xx status: never a 5xx, never a hang.

use crate::helpers::{answer, spawn_app, TestApp};

const ENDPOINTS: [&str; 3] = ["/oauth2/token", "/oauth2/revoke", "/oauth2/introspect"];

async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>) -> crate::helpers::Answer {
    let response = app
        .http
        .post(app.url(path))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("request sent");
    answer(response).await
}

fn assert_invalid_request(a: &crate::helpers::Answer, what: &str) {
    assert_eq!(a.status, 400, "{what}: {}", a.body);
    assert_eq!(a.error(), "invalid_request", "{what}");
    assert!(a.body["error_description"].is_string(), "{what}");
}

#[tokio::test]
async fn a_missing_grant_type_is_invalid_request() {
    let app = spawn_app().await;
    let a = post_raw(
        &app,
        "/oauth2/token",
        "application/x-www-form-urlencoded",
        b"scope=read".to_vec(),
    )
    .await;
    assert_invalid_request(&a, "no grant_type");
}

#[tokio::test]
async fn an_unknown_grant_type_is_unsupported_grant_type() {
    let app = spawn_app().await;
    for grant in ["urn:example:grant-type:unknown", "implicit", "magic"] {
        let a = app
            .post_form("/oauth2/token", &[("grant_type", grant)], None)
            .await;
        assert_eq!(a.status, 400);
        assert_eq!(a.error(), "unsupported_grant_type", "{grant}");
    }
}

#[tokio::test]
async fn a_repeated_parameter_is_invalid_request() {
    let app = spawn_app().await;
    let body = b"grant_type=client_credentials&grant_type=password".to_vec();
    let a = post_raw(&app, "/oauth2/token", "application/x-www-form-urlencoded", body).await;
    assert_invalid_request(&a, "repeated grant_type");
}

#[tokio::test]
async fn the_wrong_content_type_is_invalid_request_on_every_endpoint() {
    let app = spawn_app().await;
    for path in ENDPOINTS {
        let a = post_raw(
            &app,
            path,
            "application/json",
            br#"{"grant_type":"client_credentials"}"#.to_vec(),
        )
        .await;
        assert_invalid_request(&a, path);
        let none = answer(
            app.http
                .post(app.url(path))
                .body("grant_type=x")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_invalid_request(&none, path);
    }
}

#[tokio::test]
async fn an_empty_body_is_invalid_request_on_every_endpoint() {
    let app = spawn_app().await;
    for path in ENDPOINTS {
        let a = post_raw(&app, path, "application/x-www-form-urlencoded", Vec::new()).await;
        assert!(a.status == 400 || a.status == 401, "{path}: {}", a.status);
        assert!(
            matches!(a.error(), "invalid_request" | "invalid_client"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_megabyte_body_is_invalid_request() {
    let app = spawn_app().await;
    for path in ENDPOINTS {
        let body = format!("grant_type=client_credentials&scope={}", "a".repeat(1 << 20)).into_bytes();
        let a = post_raw(&app, path, "application/x-www-form-urlencoded", body).await;
        assert_invalid_request(&a, path);
    }
}

#[tokio::test]
async fn thousands_of_parameters_are_invalid_request() {
    let app = spawn_app().await;
    let body: String = (0..3000).map(|i| format!("p{i}=v&")).collect();
    let a = post_raw(
        &app,
        "/oauth2/token",
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    )
    .await;
    assert_invalid_request(&a, "3000 parameters");
}

#[tokio::test]
async fn bytes_that_are_not_utf8_are_invalid_request() {
    let app = spawn_app().await;
    for body in [
        &b"grant_type=\xff\xfe"[..],
        b"grant_type=%FF%FE",
        b"grant_type=client%00credentials",
    ] {
        let a = post_raw(
            &app,
            "/oauth2/token",
            "application/x-www-form-urlencoded",
            body.to_vec(),
        )
        .await;
        assert_invalid_request(&a, &String::from_utf8_lossy(body));
    }
}

#[tokio::test]
async fn other_methods_get_405_with_an_oauth_error() {
    let app = spawn_app().await;
    for path in ENDPOINTS {
        for method in [
            reqwest::Method::GET,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
        ] {
            let a = answer(
                app.http
                    .request(method.clone(), app.url(path))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(a.status, 405, "{method} {path}");
            assert_eq!(a.header("allow"), Some("POST"));
            assert_eq!(a.error(), "invalid_request");
        }
    }
}

#[tokio::test]
async fn a_huge_authorization_header_is_refused_without_a_5xx() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/oauth2/token"))
        .header("Authorization", format!("Basic {}", "QUFB".repeat(4000)))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
}

#[tokio::test]
async fn two_authorization_headers_are_invalid_request() {
    let app = spawn_app().await;
    let client = app.service_client();
    let response = app
        .http
        .post(app.url("/oauth2/token"))
        .basic_auth(&client.id, client.secret.as_deref())
        .header("Authorization", "Basic eDp5")
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let a = answer(response).await;
    assert_invalid_request(&a, "two Authorization headers");
}

#[tokio::test]
async fn unknown_parameters_are_ignored() {
    let app = spawn_app().await;
    let client = app.service_client();
    let a = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials"), ("color", "blue")],
            Some(&client),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
}
