//! Behaviour of `Verifier` against a stand-in Tollgate on 127.0.0.1.

mod common;

use common::{b64, claims, now, Server, TestKey, AUD, CLIENT_ID, CLIENT_SECRET};
use serde_json::json;
use std::time::Duration;
use tollgate_verify::{InvalidToken, Verifier, VerifyError};

/// Short, so that the refetch tests need not wait long.
const INTERVAL: Duration = Duration::from_millis(300);

async fn verifier_for(server: &Server) -> Verifier {
    Verifier::builder(server.issuer(), AUD)
        .min_refetch_interval(INTERVAL)
        .build()
        .await
        .unwrap()
}

fn reason(result: Result<tollgate_verify::Claims, VerifyError>) -> InvalidToken {
    match result {
        Err(VerifyError::InvalidToken(reason)) => reason,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

async fn accepts(key: TestKey) {
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let claims = verifier
        .verify(&key.sign(&claims(&server.issuer())))
        .await
        .unwrap();
    assert_eq!(claims.sub, "alice");
    assert_eq!(claims.client_id, "notes-app");
    assert_eq!(claims.iss, server.issuer());
}

#[tokio::test]
async fn a_valid_rs256_token_is_accepted() {
    accepts(TestKey::rsa("rsa-1")).await;
}

#[tokio::test]
async fn a_valid_es256_token_is_accepted() {
    accepts(TestKey::ec("ec-1")).await;
}

#[tokio::test]
async fn a_valid_eddsa_token_is_accepted() {
    accepts(TestKey::ed("ed-1")).await;
}

#[tokio::test]
async fn claims_come_back_typed_with_scopes_and_sid() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let mut c = claims(&server.issuer());
    c["scope"] = json!("notes:read  profile notes:read");
    let jti = c["jti"].as_str().unwrap().to_owned();
    let claims = verifier.verify(&key.sign(&c)).await.unwrap();
    assert_eq!(claims.scopes, vec!["notes:read", "profile"]);
    assert!(claims.has_scope("profile"));
    assert!(!claims.has_scope("notes:write"));
    assert!(claims.require_scope("notes:read").is_ok());
    assert_eq!(
        claims.require_scope("notes:write").unwrap_err().scope,
        "notes:write"
    );
    assert_eq!(claims.sid.as_deref(), Some("session-1"));
    assert_eq!(claims.jti, jti);
    assert_eq!(claims.aud, vec![AUD.to_owned()]);
}

#[tokio::test]
async fn a_token_without_scope_or_sid_is_accepted_with_none() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let mut c = claims(&server.issuer());
    c.as_object_mut().unwrap().remove("scope");
    c.as_object_mut().unwrap().remove("sid");
    let claims = verifier.verify(&key.sign(&c)).await.unwrap();
    assert!(claims.scopes.is_empty());
    assert_eq!(claims.sid, None);
}

#[tokio::test]
async fn an_audience_array_containing_ours_is_accepted() {
    let key = TestKey::ec("ec-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let mut c = claims(&server.issuer());
    c["aud"] = json!(["https://other.example.com", AUD]);
    assert!(verifier.verify(&key.sign(&c)).await.is_ok());
}

#[tokio::test]
async fn a_token_signed_with_alg_none_is_refused() {
    let key = TestKey::rsa("rsa-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let header = json!({ "alg": "none", "typ": "at+jwt", "kid": "rsa-1" });
    let token = format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims(&server.issuer()).to_string().as_bytes())
    );
    assert_eq!(
        reason(verifier.verify(&token).await),
        InvalidToken::AlgorithmNotAllowed
    );
}

#[tokio::test]
async fn an_hs256_token_signed_with_the_public_key_is_refused() {
    let key = TestKey::rsa("rsa-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let header = json!({ "alg": "HS256", "typ": "at+jwt", "kid": "rsa-1" });
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims(&server.issuer()).to_string().as_bytes())
    );
    // The classic confusion attack: the public key (known to all) as the
    // HMAC secret.
    let mac_key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key.public_bytes());
    let tag = aws_lc_rs::hmac::sign(&mac_key, input.as_bytes());
    let token = format!("{input}.{}", b64(tag.as_ref()));
    assert_eq!(
        reason(verifier.verify(&token).await),
        InvalidToken::AlgorithmNotAllowed
    );
}

#[tokio::test]
async fn a_symmetric_key_in_the_jwks_is_never_used() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let secret = b"shared secret that must not count";
    server.set_jwks(json!({ "keys": [
        key.jwk(),
        { "kty": "oct", "k": b64(secret), "kid": "oct-1", "alg": "HS256" },
    ]}));
    let verifier = verifier_for(&server).await;
    assert_eq!(verifier.key_ids(), vec!["ed-1"]);
}

#[tokio::test]
async fn a_token_whose_alg_differs_from_its_keys_is_refused() {
    let rsa = TestKey::rsa("rsa-1");
    let ec = TestKey::ec("ec-1");
    let server = Server::start(&[&rsa, &ec]).await;
    let verifier = verifier_for(&server).await;
    // Signed by the EC key, but naming the RSA key's kid.
    let header = json!({ "alg": "ES256", "typ": "at+jwt", "kid": "rsa-1" });
    let token = ec.sign_with_header(&header, &claims(&server.issuer()));
    assert_eq!(
        reason(verifier.verify(&token).await),
        InvalidToken::AlgorithmMismatch { expected: "RS256" }
    );
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let key = TestKey::ec("ec-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let mut c = claims(&server.issuer());
    c["aud"] = json!("https://billing.example.com");
    assert_eq!(
        reason(verifier.verify(&key.sign(&c)).await),
        InvalidToken::WrongAudience
    );
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let key = TestKey::ec("ec-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let mut c = claims(&server.issuer());
    c["iss"] = json!(format!("{}/", server.issuer()));
    assert_eq!(
        reason(verifier.verify(&key.sign(&c)).await),
        InvalidToken::WrongIssuer
    );
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let mut c = claims(&server.issuer());
    c["iat"] = json!(now() - 400);
    c["exp"] = json!(now() - 100);
    assert_eq!(
        reason(verifier.verify(&key.sign(&c)).await),
        InvalidToken::Expired
    );
}

#[tokio::test]
async fn a_token_expired_within_the_leeway_is_accepted() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let mut c = claims(&server.issuer());
    c["exp"] = json!(now() - 5);
    assert!(verifier.verify(&key.sign(&c)).await.is_ok());
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let mut c = claims(&server.issuer());
    c["nbf"] = json!(now() + 120);
    assert_eq!(
        reason(verifier.verify(&key.sign(&c)).await),
        InvalidToken::NotYetValid
    );
}

#[tokio::test]
async fn a_tampered_token_is_refused() {
    let key = TestKey::rsa("rsa-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let token = key.sign(&claims(&server.issuer()));
    // Swap in a payload with more scope, keeping the original signature.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut c = claims(&server.issuer());
    c["scope"] = json!("notes:read notes:write admin");
    parts[1] = b64(c.to_string().as_bytes());
    assert_eq!(
        reason(verifier.verify(&parts.join(".")).await),
        InvalidToken::BadSignature
    );
}

#[tokio::test]
async fn a_token_without_at_jwt_typ_is_refused() {
    let key = TestKey::ec("ec-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    for typ in [json!("JWT"), json!("id_token+jwt"), json!(null)] {
        let header = json!({ "alg": "ES256", "typ": typ, "kid": "ec-1" });
        let token = key.sign_with_header(&header, &claims(&server.issuer()));
        assert_eq!(
            reason(verifier.verify(&token).await),
            InvalidToken::WrongType,
            "typ {typ}"
        );
    }
}

#[tokio::test]
async fn the_application_at_jwt_typ_is_accepted_in_any_case() {
    let key = TestKey::ec("ec-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    for typ in ["application/at+jwt", "AT+JWT", "Application/At+Jwt"] {
        let header = json!({ "alg": "ES256", "typ": typ, "kid": "ec-1" });
        let token = key.sign_with_header(&header, &claims(&server.issuer()));
        assert!(verifier.verify(&token).await.is_ok(), "typ {typ}");
    }
}

#[tokio::test]
async fn a_token_missing_a_required_claim_is_refused() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    for claim in ["sub", "iat", "jti", "client_id", "exp", "aud", "iss"] {
        let mut c = claims(&server.issuer());
        c.as_object_mut().unwrap().remove(claim);
        assert_eq!(
            reason(verifier.verify(&key.sign(&c)).await),
            InvalidToken::MissingClaim(claim),
            "without {claim}"
        );
    }
}

#[tokio::test]
async fn a_token_without_kid_is_refused() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let header = json!({ "alg": "EdDSA", "typ": "at+jwt" });
    let token = key.sign_with_header(&header, &claims(&server.issuer()));
    assert_eq!(reason(verifier.verify(&token).await), InvalidToken::MissingKeyId);
}

#[tokio::test]
async fn a_token_with_crit_headers_is_refused() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    let header = json!({ "alg": "EdDSA", "typ": "at+jwt", "kid": "ed-1", "crit": ["exp"] });
    let token = key.sign_with_header(&header, &claims(&server.issuer()));
    assert_eq!(
        reason(verifier.verify(&token).await),
        InvalidToken::UnsupportedCritical
    );
}

#[tokio::test]
async fn garbage_is_refused_as_malformed() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    for token in ["", "abc", "a.b", "a.b.c.d", "!!!.e30.sig", "e30.e30.e30"] {
        assert!(
            matches!(
                reason(verifier.verify(token).await),
                InvalidToken::Malformed(_) | InvalidToken::WrongType
            ),
            "{token:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_kid_triggers_one_refetch_then_is_refused() {
    let key = TestKey::ed("ed-1");
    let stranger = TestKey::ed("not-published");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    assert_eq!(server.jwks_hits(), 1);
    tokio::time::sleep(INTERVAL).await;
    let token = stranger.sign(&claims(&server.issuer()));
    assert_eq!(reason(verifier.verify(&token).await), InvalidToken::UnknownKey);
    assert_eq!(server.jwks_hits(), 2, "exactly one refetch");
}

#[tokio::test]
async fn repeated_unknown_kids_do_not_refetch_more_than_once_per_interval() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    tokio::time::sleep(INTERVAL).await;
    let forger = TestKey::ed("forged");
    for i in 0..50 {
        let mut header = forger.header();
        header["kid"] = json!(format!("forged-{i}"));
        let token = forger.sign_with_header(&header, &claims(&server.issuer()));
        assert_eq!(reason(verifier.verify(&token).await), InvalidToken::UnknownKey);
    }
    assert_eq!(
        server.jwks_hits(),
        2,
        "the first load, then one refetch for 50 forged kids"
    );

    // Once the interval has passed, one more refetch is allowed.
    tokio::time::sleep(INTERVAL).await;
    let token = forger.sign(&claims(&server.issuer()));
    assert_eq!(reason(verifier.verify(&token).await), InvalidToken::UnknownKey);
    assert_eq!(server.jwks_hits(), 3);
    assert_eq!(verifier.jwks_fetch_count(), 3);
}

#[tokio::test]
async fn concurrent_unknown_kids_share_one_refetch() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    tokio::time::sleep(INTERVAL).await;
    let forger = TestKey::ed("forged");
    let token = forger.sign(&claims(&server.issuer()));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (verifier, token) = (verifier.clone(), token.clone());
        tasks.push(tokio::spawn(async move { verifier.verify(&token).await }));
    }
    for task in tasks {
        assert!(task.await.unwrap().is_err());
    }
    assert_eq!(server.jwks_hits(), 2);
}

#[tokio::test]
async fn a_key_added_after_rotation_is_found_after_one_refetch() {
    let old = TestKey::rsa("2024-old");
    let new = TestKey::ec("2025-new");
    let server = Server::start(&[&old]).await;
    let verifier = verifier_for(&server).await;
    let old_token = old.sign(&claims(&server.issuer()));
    assert!(verifier.verify(&old_token).await.is_ok());

    // Tollgate rotates: the new key signs, the old one stays listed.
    server.set_keys(&[&new, &old]);
    tokio::time::sleep(INTERVAL).await;
    let claims_new = verifier
        .verify(&new.sign(&claims(&server.issuer())))
        .await
        .unwrap();
    assert_eq!(claims_new.sub, "alice");
    assert_eq!(server.jwks_hits(), 2);

    // Both keys now verify from the cache, with no more fetches.
    assert!(verifier.verify(&old_token).await.is_ok());
    assert!(verifier
        .verify(&new.sign(&claims(&server.issuer())))
        .await
        .is_ok());
    assert_eq!(server.jwks_hits(), 2);
}

#[tokio::test]
async fn a_jwks_older_than_its_max_age_is_refreshed_and_drops_withdrawn_keys() {
    let withdrawn = TestKey::ed("withdrawn");
    let kept = TestKey::ed("kept");
    let server = Server::start(&[&withdrawn, &kept]).await;
    let verifier = Verifier::builder(server.issuer(), AUD)
        .min_refetch_interval(Duration::ZERO)
        .jwks_max_age(Duration::from_millis(200))
        .build()
        .await
        .unwrap();
    let token = withdrawn.sign(&claims(&server.issuer()));
    assert!(verifier.verify(&token).await.is_ok());
    server.set_keys(&[&kept]);
    tokio::time::sleep(Duration::from_millis(250)).await;
    // The next verification refreshes the stale set, and the withdrawn key
    // is gone from it at once.
    assert_eq!(reason(verifier.verify(&token).await), InvalidToken::UnknownKey);
    assert_eq!(verifier.key_ids(), vec!["kept"]);
    let fresh = kept.sign(&claims(&server.issuer()));
    assert!(verifier.verify(&fresh).await.is_ok());
}

#[tokio::test]
async fn an_unreachable_jwks_is_an_outage_not_an_invalid_token() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = verifier_for(&server).await;
    server.with(|s| s.jwks_down = true);
    tokio::time::sleep(INTERVAL).await;
    let token = TestKey::ed("rotated-in").sign(&claims(&server.issuer()));
    let err = verifier.verify(&token).await.unwrap_err();
    assert!(matches!(err, VerifyError::KeysUnavailable(_)), "{err:?}");
    assert!(err.is_outage());
    // Tokens with cached keys still verify during the outage.
    assert!(verifier
        .verify(&key.sign(&claims(&server.issuer())))
        .await
        .is_ok());
}

#[tokio::test]
async fn discovery_of_an_unreachable_issuer_is_an_outage() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = Verifier::discover(issuer, AUD).await.unwrap_err();
    assert!(matches!(err, VerifyError::KeysUnavailable(_)), "{err:?}");
}

#[tokio::test]
async fn metadata_naming_another_issuer_is_refused() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    server.with(|s| s.metadata_issuer = Some("http://evil.example".into()));
    let err = Verifier::discover(server.issuer(), AUD).await.unwrap_err();
    assert!(matches!(err, VerifyError::Config(_)), "{err:?}");
}

async fn introspecting_verifier(server: &Server, cache: Duration) -> Verifier {
    Verifier::builder(server.issuer(), AUD)
        .introspection(CLIENT_ID, CLIENT_SECRET)
        .introspection_cache(cache)
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn introspection_inactive_makes_a_valid_token_refused() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = introspecting_verifier(&server, Duration::ZERO).await;
    assert!(verifier.introspection_enabled());
    let token = key.sign(&claims(&server.issuer()));
    assert!(verifier.verify(&token).await.is_ok());
    server.with(|s| s.active = false);
    assert_eq!(reason(verifier.verify(&token).await), InvalidToken::Inactive);
    assert_eq!(server.introspection_hits(), 2);
}

#[tokio::test]
async fn introspection_answers_are_cached_for_the_configured_time() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = introspecting_verifier(&server, Duration::from_millis(300)).await;
    let token = key.sign(&claims(&server.issuer()));
    for _ in 0..5 {
        assert!(verifier.verify(&token).await.is_ok());
    }
    assert_eq!(server.introspection_hits(), 1);

    // Revoked: still accepted from the cache, refused once it expires.
    server.with(|s| s.active = false);
    assert!(verifier.verify(&token).await.is_ok());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(reason(verifier.verify(&token).await), InvalidToken::Inactive);
    assert_eq!(server.introspection_hits(), 2);
}

#[tokio::test]
async fn introspection_is_not_asked_about_an_invalid_token() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = introspecting_verifier(&server, Duration::ZERO).await;
    let mut c = claims(&server.issuer());
    c["aud"] = json!("https://billing.example.com");
    assert_eq!(
        reason(verifier.verify(&key.sign(&c)).await),
        InvalidToken::WrongAudience
    );
    assert_eq!(server.introspection_hits(), 0);
}

#[tokio::test]
async fn introspection_with_wrong_client_credentials_is_an_outage() {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = Verifier::builder(server.issuer(), AUD)
        .introspection(CLIENT_ID, "wrong secret")
        .build()
        .await
        .unwrap();
    let err = verifier
        .verify(&key.sign(&claims(&server.issuer())))
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::IntrospectionUnavailable(_)), "{err:?}");
}
