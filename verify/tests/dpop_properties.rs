//! Properties of DPoP proof checking (RFC 9449 §4.3) against hostile
//! input: arbitrary text and forged proofs are refused with an error, never
//! a panic; a genuine proof is accepted, and any one-character change to it
//! is refused.

mod common;

use common::{b64, now, TestKey};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use tollgate_verify::dpop::{check_proof, Expected};

const URL: &str = "https://rs.example/api/orders";
const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn cases() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    Config {
        cases,
        ..Config::default()
    }
}

fn expected(now: i64) -> Expected<'static> {
    Expected {
        method: "POST",
        url: URL,
        access_token: None,
        now,
        lifetime: 60,
    }
}

/// A proof signed by `key` for a POST to [`URL`] now.
fn proof(key: &TestKey, jti: &str) -> String {
    let mut jwk = key.jwk();
    for member in ["kid", "alg", "use"] {
        jwk.as_object_mut().unwrap().remove(member);
    }
    let header = json!({ "typ": "dpop+jwt", "alg": key.alg, "jwk": jwk });
    let claims = json!({ "jti": jti, "htm": "POST", "htu": URL, "iat": now() });
    key.sign_with_header(&header, &claims)
}

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

#[test]
fn arbitrary_text_is_never_a_valid_proof() {
    let mut runner = TestRunner::new(cases());
    let now = now() as i64;
    runner
        .run(&"\\PC{0,400}", |text| {
            prop_assert!(check_proof(&text, &expected(now)).is_err());
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_forged_proof_is_refused_whatever_its_header_key_claims_and_signature() {
    let real = TestKey::ec("k");
    let forgery = (
        prop_oneof![
            Just("ES256".to_string()),
            Just("none".to_string()),
            Just("HS256".to_string()),
            "[A-Za-z0-9]{0,6}"
        ],
        prop_oneof![Just("dpop+jwt".to_string()), "\\PC{0,10}"],
        prop_oneof![Just(real.jwk()), json_value()],
        prop_oneof![
            Just(json!({ "jti": "j", "htm": "POST", "htu": URL, "iat": now() })),
            json_value()
        ],
        prop::collection::vec(any::<u8>(), 0..96),
    );
    let mut runner = TestRunner::new(cases());
    let now = now() as i64;
    runner
        .run(&forgery, |(alg, typ, jwk, claims, signature)| {
            let header = json!({ "typ": typ, "alg": alg, "jwk": jwk });
            let forged = format!(
                "{}.{}.{}",
                b64(header.to_string().as_bytes()),
                b64(claims.to_string().as_bytes()),
                b64(&signature)
            );
            prop_assert!(check_proof(&forged, &expected(now)).is_err());
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_genuine_proof_is_accepted_and_any_one_character_changed_is_refused() {
    let keys = [TestKey::ec("e"), TestKey::ed("d")];
    let replacements: Vec<char> = B64URL.chars().chain(['.', '=', '+', '/', ' ']).collect();
    let case = (
        0..keys.len(),
        "[A-Za-z0-9]{1,24}",
        any::<prop::sample::Index>(),
        prop::sample::select(replacements),
    );
    let mut runner = TestRunner::new(cases());
    runner
        .run(&case, |(k, jti, position, replacement)| {
            let now = now() as i64;
            let genuine = proof(&keys[k], &jti);
            let accepted = check_proof(&genuine, &expected(now));
            prop_assert_eq!(accepted.map(|p| p.jti), Ok(jti));

            let at = position.index(genuine.len());
            prop_assume!(genuine.as_bytes()[at] as char != replacement);
            let mut changed = genuine.clone();
            changed.replace_range(at..at + 1, &replacement.to_string());
            prop_assert!(
                check_proof(&changed, &expected(now)).is_err(),
                "{} accepted",
                changed
            );
            Ok(())
        })
        .unwrap();
}
