//! Server metadata (RFC 8414) and the JWKS, including across key rotation.

use crate::helpers::{spawn_app, spawn_app_on};

const PRIVATE_MEMBERS: [&str; 6] = ["d", "p", "q", "dp", "dq", "qi"];

#[tokio::test]
async fn metadata_names_the_issuer_and_the_jwks_uri() {
    let app = spawn_app().await;
    let (status, metadata) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(status, 200);
    assert_eq!(metadata["issuer"], app.settings.issuer.as_str());
    assert_eq!(
        metadata["jwks_uri"],
        format!("{}/.well-known/jwks.json", app.address)
    );
    assert!(metadata["response_types_supported"].is_array());
}

#[tokio::test]
async fn the_jwks_publishes_one_rs256_signing_key_by_default() {
    let app = spawn_app_on(crate::helpers::TestDb::new(), |s| {
        s.signing_alg = crate::helpers::default_signing_alg()
    })
    .await;
    let (status, jwks) = app.get_json("/.well-known/jwks.json").await;
    assert_eq!(status, 200);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["alg"], "RS256");
    assert_eq!(keys[0]["use"], "sig");
    assert!(keys[0]["kid"].as_str().is_some_and(|k| !k.is_empty()));
}

#[tokio::test]
async fn the_jwks_never_carries_a_private_part() {
    for alg in ["RS256", "ES256", "EdDSA"] {
        let app = spawn_app_on(crate::helpers::TestDb::new(), |s| {
            s.signing_alg = alg.parse().unwrap()
        })
        .await;
        let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
        let key = &jwks["keys"][0];
        assert_eq!(key["alg"], alg);
        for member in PRIVATE_MEMBERS {
            assert!(key.get(member).is_none(), "{alg} JWK has private member {member}");
        }
    }
}

#[tokio::test]
async fn a_rotated_in_key_is_published_at_once_and_the_old_one_stays() {
    let app = spawn_app().await;
    let (_, before) = app.get_json("/.well-known/jwks.json").await;
    let old_kid = before["keys"][0]["kid"].as_str().unwrap().to_string();

    let out = app.cli(&["keys", "rotate", "--alg", "ES256"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let (_, after) = app.get_json("/.well-known/jwks.json").await;
    let keys = after["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().any(|k| k["kid"] == old_kid.as_str()));
    assert!(
        keys.iter().any(|k| k["alg"] == "ES256"),
        "the new key is published before it signs"
    );
}

#[tokio::test]
async fn a_rotated_in_key_signs_only_after_the_activation_delay() {
    let app = spawn_app().await;
    let (_, before) = app.get_json("/.well-known/jwks.json").await;
    let old_kid = before["keys"][0]["kid"].as_str().unwrap().to_string();
    assert_eq!(app.cli(&["keys", "rotate", "--alg", "ES256"], None).code, 0);

    let listed: serde_json::Value =
        serde_json::from_str(app.cli(&["keys", "list", "--json"], None).stdout.trim()).unwrap();
    let active: Vec<&serde_json::Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["active"] == true)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(
        active[0]["kid"],
        old_kid.as_str(),
        "the old key signs until the new one is 60 s old"
    );

    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(),
        Some(old_kid.as_str())
    );
}

#[tokio::test]
async fn a_second_start_on_the_same_database_keeps_the_signing_key() {
    let first = spawn_app().await;
    let (_, jwks_first) = first.get_json("/.well-known/jwks.json").await;
    let second = crate::helpers::start_server(crate::helpers::test_settings(&first.db.url)).await;
    let jwks_second: serde_json::Value = reqwest::get(format!("{second}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks_first, jwks_second);
    assert_eq!(jwks_second["keys"].as_array().unwrap().len(), 1);
}
