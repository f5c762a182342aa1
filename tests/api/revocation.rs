//! Token revocation (RFC 7009).

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_revoked_access_token_introspects_inactive() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    assert_eq!(app.introspect(&token, &client).await["active"], true);
    let answer = app.revoke(&token, &client).await;
    assert_eq!(answer.status, 200);
    assert_eq!(app.introspect(&token, &client).await["active"], false);
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_family() {
    let app = spawn_app().await;
    let client = app.first_party_client();
    let first = app.alice_refresh_token(&client).await;
    let rotated = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &first)],
            Some(&client),
        )
        .await;
    let second = rotated.body["refresh_token"].as_str().unwrap();
    assert_eq!(app.revoke(&first, &client).await.status, 200);
    let after = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", second)],
            Some(&client),
        )
        .await;
    assert_eq!(after.error(), "invalid_grant");
}

#[tokio::test]
async fn an_unknown_token_is_answered_200() {
    let app = spawn_app().await;
    let client = app.service_client();
    assert_eq!(app.revoke("never-issued", &client).await.status, 200);
}

#[tokio::test]
async fn a_client_cannot_revoke_another_clients_token() {
    let app = spawn_app().await;
    let owner = app.service_client();
    let other = app.service_client();
    let token = app.client_credentials_token(&owner, None).await;
    assert_eq!(
        app.revoke(&token, &other).await.status,
        200,
        "the answer reveals nothing"
    );
    assert_eq!(
        app.introspect(&token, &owner).await["active"],
        true,
        "but the token is untouched"
    );
}

#[tokio::test]
async fn revocation_requires_client_authentication() {
    let app = spawn_app().await;
    let answer = app.post_form("/oauth2/revoke", &[("token", "x")], None).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.error(), "invalid_client");
}

#[tokio::test]
async fn revocation_without_a_token_is_invalid_request() {
    let app = spawn_app().await;
    let client = app.service_client();
    let answer = app
        .post_form(
            "/oauth2/revoke",
            &[("token_type_hint", "access_token")],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_request");
}

#[tokio::test]
async fn a_client_cannot_revoke_another_clients_refresh_token() {
    let app = spawn_app().await;
    let owner = app.first_party_client();
    let other = app.service_client();
    let token = app.alice_refresh_token(&owner).await;
    assert_eq!(app.revoke(&token, &other).await.status, 200);
    let refreshed = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &token)],
            Some(&owner),
        )
        .await;
    assert_eq!(refreshed.status, 200, "the owner's token is untouched");
}
