//! OpenID Connect Discovery 1.0: the provider configuration, the same
//! document as the RFC 8414 metadata.

use crate::helpers::{answer, spawn_app};
use serde_json::{json, Value};

const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
const OAUTH_METADATA: &str = "/.well-known/oauth-authorization-server";

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_openid_configuration_names_every_field_an_openid_provider_must() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json(OPENID_CONFIGURATION).await;
    assert_eq!(status, 200);
    let issuer = app.settings.issuer.as_str();
    assert_eq!(doc["issuer"], issuer);
    for (field, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("userinfo_endpoint", "/oauth2/userinfo"),
        ("end_session_endpoint", "/oauth2/logout"),
        ("jwks_uri", "/.well-known/jwks.json"),
    ] {
        assert_eq!(doc[field], format!("{issuer}{path}"), "{field}");
    }
    assert_eq!(
        doc["response_types_supported"],
        json!(["code", "token", "id_token", "id_token token"])
    );
    assert_eq!(doc["response_modes_supported"], json!(["query", "fragment"]));
    assert_eq!(doc["subject_types_supported"], json!(["public", "pairwise"]));
    assert_eq!(doc["id_token_signing_alg_values_supported"], json!(["EdDSA"]));
    for scope in ["openid", "profile", "email"] {
        assert!(strings(&doc["scopes_supported"]).contains(&scope), "{scope}");
    }
    let claims = strings(&doc["claims_supported"]);
    for claim in [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "sid",
        "amr",
        "azp",
        "at_hash",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "updated_at",
        "email",
        "email_verified",
    ] {
        assert!(claims.contains(&claim), "claims_supported lacks {claim}");
    }
    for grant in ["authorization_code", "implicit", "refresh_token"] {
        assert!(strings(&doc["grant_types_supported"]).contains(&grant), "{grant}");
    }
    assert_eq!(doc["display_values_supported"], json!(["page"]));
    assert_eq!(doc["backchannel_logout_supported"], true);
    assert_eq!(doc["backchannel_logout_session_supported"], true);
    assert_eq!(doc["frontchannel_logout_supported"], false);
    assert_eq!(doc["claims_parameter_supported"], false);
    assert_eq!(doc["request_parameter_supported"], false);
    assert_eq!(doc["request_uri_parameter_supported"], false);
    assert!(doc.get("userinfo_signing_alg_values_supported").is_none());
}

#[tokio::test]
async fn the_openid_configuration_and_the_rfc8414_metadata_are_one_document() {
    let app = spawn_app().await;
    let openid = answer(app.http.get(app.url(OPENID_CONFIGURATION)).send().await.unwrap()).await;
    let oauth = answer(app.http.get(app.url(OAUTH_METADATA)).send().await.unwrap()).await;
    assert_eq!(openid.status, 200);
    assert_eq!(openid.body, oauth.body);
    assert_eq!(openid.header("cache-control"), oauth.header("cache-control"));
    assert_eq!(openid.header("cache-control"), Some("public, max-age=300"));
}

#[tokio::test]
async fn the_id_token_algorithms_follow_the_published_keys_through_a_rotation() {
    let app = spawn_app().await;
    let out = app.cli(&["keys", "rotate", "--alg", "ES256"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (_, doc) = app.get_json(OPENID_CONFIGURATION).await;
    let mut algs = strings(&doc["id_token_signing_alg_values_supported"]);
    algs.sort_unstable();
    assert_eq!(
        algs,
        ["ES256", "EdDSA"],
        "the new key's alg, and the old key's while it is published"
    );
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    let mut published: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    published.sort_unstable();
    assert_eq!(algs, published);
}

#[tokio::test]
async fn the_openidconnect_crate_discovers_the_provider() {
    use openidconnect::core::{CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreSubjectIdentifierType};
    use openidconnect::IssuerUrl;
    let app = spawn_app().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let issuer = IssuerUrl::new(app.settings.issuer.clone()).unwrap();
    let provider = CoreProviderMetadata::discover_async(issuer.clone(), &http)
        .await
        .unwrap();
    assert_eq!(provider.issuer(), &issuer);
    assert_eq!(
        provider.userinfo_endpoint().unwrap().as_str(),
        app.url("/oauth2/userinfo")
    );
    assert_eq!(
        provider.id_token_signing_alg_values_supported(),
        &vec![CoreJwsSigningAlgorithm::EdDsa]
    );
    assert!(provider
        .subject_types_supported()
        .contains(&CoreSubjectIdentifierType::Pairwise));
    assert_eq!(provider.jwks().keys().len(), 1, "the JWKS it names was fetched");
}
