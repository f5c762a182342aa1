//! Client authentication at the token endpoint (RFC 6749 §2.3).

use crate::helpers::{answer, spawn_app, TestClient};

#[tokio::test]
async fn a_wrong_secret_is_invalid_client_with_a_basic_challenge() {
    let app = spawn_app().await;
    let mut client = app.service_client();
    client.secret = Some("not-the-secret".into());
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.error(), "invalid_client");
    assert!(answer
        .header("www-authenticate")
        .is_some_and(|h| h.starts_with("Basic")));
}

#[tokio::test]
async fn an_unknown_client_is_invalid_client() {
    let app = spawn_app().await;
    let ghost = TestClient {
        id: "no-such-client".into(),
        secret: Some("x".into()),
    };
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&ghost),
        )
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.error(), "invalid_client");
}

#[tokio::test]
async fn a_wrong_secret_in_the_body_is_invalid_client_without_a_basic_challenge() {
    let app = spawn_app().await;
    let client = app.service_client();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client.id.as_str()),
        ("client_secret", "wrong"),
    ];
    let answer = app.post_form("/oauth2/token", &form, None).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.error(), "invalid_client");
    assert!(answer.header("www-authenticate").is_none());
}

#[tokio::test]
async fn credentials_in_both_header_and_body_are_invalid_request() {
    let app = spawn_app().await;
    let client = app.service_client();
    let secret = client.secret.clone().unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client.id.as_str()),
        ("client_secret", &secret),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_request");
}

#[tokio::test]
async fn no_client_authentication_at_all_is_invalid_client() {
    let app = spawn_app().await;
    let answer = app
        .post_form("/oauth2/token", &[("grant_type", "client_credentials")], None)
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.error(), "invalid_client");
}

#[tokio::test]
async fn a_confidential_client_without_its_secret_is_invalid_client() {
    let app = spawn_app().await;
    let client = app.service_client();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client.id.as_str()),
    ];
    let answer = app.post_form("/oauth2/token", &form, None).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.error(), "invalid_client");
}

#[tokio::test]
async fn basic_credentials_are_form_urlencoded_before_encoding() {
    // RFC 6749 §2.3.1: a secret with reserved characters must arrive encoded;
    // ours are base64url, so encoding leaves them unchanged and both forms work.
    let app = spawn_app().await;
    let client = app.service_client();
    let raw = format!("{}:{}", client.id, client.secret.clone().unwrap());
    use base64::Engine;
    let header = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw));
    let response = app
        .http
        .post(app.url("/oauth2/token"))
        .header("Authorization", header)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer(response).await.status, 200);
}

#[tokio::test]
async fn a_garbled_basic_header_is_invalid_client() {
    let app = spawn_app().await;
    for header in [
        "Basic !!!notbase64",
        "Basic",
        "Bearer abc",
        &format!("Basic {}", "A".repeat(6000)),
    ] {
        let response = app
            .http
            .post(app.url("/oauth2/token"))
            .header("Authorization", header)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        let answer = answer(response).await;
        assert_eq!(answer.status, 401, "{header:.20}");
        assert_eq!(answer.error(), "invalid_client");
    }
}
