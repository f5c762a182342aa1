//! Properties of what a client registers or sends for private_key_jwt
//! (RFC 7523): a JWK Set from registration or the CLI is refused with a
//! reason, never a panic, and is never accepted holding a private or
//! symmetric key; reading an assertion's unverified issuer never panics.

use super::*;
use base64::Engine;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A JWK that looks more or less like one: a known key type and curve,
/// base64url members, perhaps a private member.
fn jwk_like() -> impl Strategy<Value = Value> {
    let b64 = prop::collection::vec(any::<u8>(), 0..300).prop_map(|b| URL_SAFE_NO_PAD.encode(b));
    (
        prop_oneof![Just("RSA"), Just("EC"), Just("OKP"), Just("oct"), Just("")],
        prop_oneof![Just("P-256"), Just("Ed25519"), Just("X25519"), Just("P-521")],
        b64.clone(),
        b64.clone(),
        prop::option::of(prop_oneof![Just("d"), Just("k"), Just("p"), Just("oth")]),
        prop::option::of(prop_oneof![
            Just("RS256"),
            Just("ES256"),
            Just("EdDSA"),
            Just("HS256"),
            Just("none")
        ]),
    )
        .prop_map(|(kty, crv, a, b, private, alg)| {
            let mut key = json!({ "kty": kty, "crv": crv, "n": a, "e": "AQAB", "x": a, "y": b });
            if let Some(member) = private {
                key[member] = json!(b);
            }
            if let Some(alg) = alg {
                key["alg"] = json!(alg);
            }
            key
        })
}

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn arbitrary_text_as_a_jwk_set_is_refused_with_a_reason(text in "\\PC{0,200}") {
        if let Err(reason) = validate_jwks(&text) {
            prop_assert!(!reason.is_empty());
        }
    }

    #[test]
    fn a_jwk_set_is_never_accepted_with_a_private_or_symmetric_key(
        keys in prop::collection::vec(prop_oneof![jwk_like(), json_value()], 0..4),
    ) {
        let set = json!({ "keys": keys }).to_string();
        if let Ok(accepted) = validate_jwks(&set) {
            prop_assert!(!accepted.keys.is_empty());
            for key in &keys {
                for private in ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] {
                    prop_assert!(key.get(private).is_none());
                }
            }
        }
    }

    #[test]
    fn the_unverified_issuer_of_any_text_is_read_without_panicking(
        text in "\\PC{0,200}",
        claims in json_value(),
    ) {
        let _ = unverified_issuer(&text);
        let shaped = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()));
        // Whatever it reads is the claims' own `iss`, never anything else.
        if let Some(issuer) = unverified_issuer(&shaped) {
            prop_assert_eq!(Some(issuer.as_str()), claims.get("iss").and_then(|i| i.as_str()));
        }
        let named = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(json!({ "iss": "c1", "jti": "j" }).to_string()));
        prop_assert_eq!(unverified_issuer(&named), Some("c1".to_string()));
    }
}
