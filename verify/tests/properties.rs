//! Properties of `Verifier` against hostile input: arbitrary compact JWS
//! strings and arbitrary JWKS documents are refused with an error, never a
//! panic, and never accepted.
//!
//! `PROPTEST_CASES` sets how many cases each property runs (a few thousand
//! tokens and a few hundred JWKS documents by default; every JWKS case is a
//! real HTTP fetch from the stand-in server).

mod common;

use common::{b64, claims, Server, TestKey, AUD};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use tollgate_verify::Verifier;

fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        ..Config::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A string some part of a JWS or JWK might hold: base64url of random
/// bytes, a real-looking name, or anything.
fn part() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..96).prop_map(|b| b64(&b)),
        prop_oneof![
            Just("RS256"),
            Just("ES256"),
            Just("EdDSA"),
            Just("none"),
            Just("HS256"),
            Just("at+jwt"),
            Just("k1")
        ]
        .prop_map(str::to_string),
        "\\PC{0,24}",
    ]
}

/// A compact JWS that looks more or less like one: a header made of known
/// and random members, a payload of random JSON or bytes, a random signature;
/// or plain garbage.
fn token() -> impl Strategy<Value = String> {
    let header = (
        prop::option::of(part()),
        prop::option::of(part()),
        prop::option::of(part()),
        prop::option::of(json_value()),
    )
        .prop_map(|(alg, typ, kid, crit)| {
            let mut h = serde_json::Map::new();
            if let Some(a) = alg {
                h.insert("alg".into(), a.into());
            }
            if let Some(t) = typ {
                h.insert("typ".into(), t.into());
            }
            if let Some(k) = kid {
                h.insert("kid".into(), k.into());
            }
            if let Some(c) = crit {
                h.insert("crit".into(), c);
            }
            b64(Value::Object(h).to_string().as_bytes())
        });
    let payload = prop_oneof![json_value().prop_map(|v| b64(v.to_string().as_bytes())), part(),];
    prop_oneof![
        (header, payload, part()).prop_map(|(h, p, s)| format!("{h}.{p}.{s}")),
        "[A-Za-z0-9_.=+/-]{0,200}",
        "\\PC{0,64}",
    ]
}

/// A JWK whose members are a mix of the right names and random values.
fn jwk() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just("RSA"), Just("EC"), Just("OKP"), Just("oct"), Just("junk")],
        prop::option::of(part()),
        prop::collection::btree_map(
            prop_oneof![
                Just("n"),
                Just("e"),
                Just("crv"),
                Just("x"),
                Just("y"),
                Just("use"),
                Just("key_ops"),
                Just("d")
            ],
            prop_oneof![part().prop_map(Value::from), json_value()],
            0..6,
        ),
    )
        .prop_map(|(kty, alg, members)| {
            let mut jwk: serde_json::Map<String, Value> =
                members.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            jwk.insert("kty".into(), kty.into());
            jwk.insert("kid".into(), "k1".into());
            if let Some(a) = alg {
                jwk.insert("alg".into(), a.into());
            }
            Value::Object(jwk)
        })
}

fn jwks_document() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::collection::vec(jwk(), 0..4).prop_map(|keys| json!({ "keys": keys })),
        json_value(),
    ]
}

#[test]
fn arbitrary_tokens_are_refused_without_a_panic() {
    let rt = runtime();
    let key = TestKey::ec("k1");
    let (_server, verifier) = rt.block_on(async {
        let server = Server::start(&[&key]).await;
        let verifier = Verifier::builder(server.issuer(), AUD).build().await.unwrap();
        (server, verifier)
    });
    TestRunner::new(cases(2000))
        .run(&token(), |token| {
            let verdict = rt.block_on(verifier.verify(&token));
            prop_assert!(verdict.is_err(), "accepted {token:?}");
            Ok(())
        })
        .unwrap();
}

#[test]
fn arbitrary_jwks_documents_are_refused_or_unused_without_a_panic() {
    let rt = runtime();
    let key = TestKey::ec("k1");
    let server = rt.block_on(Server::start(&[&key]));
    let token = key.sign(&claims(&server.issuer()));
    TestRunner::new(cases(300))
        .run(&jwks_document(), |doc| {
            server.set_jwks(doc.clone());
            let verdict = rt.block_on(async {
                let verifier = Verifier::builder(server.issuer(), AUD).build().await?;
                verifier.verify(&token).await
            });
            // No random document holds the real key's public half.
            prop_assert!(verdict.is_err(), "accepted with {doc}");
            Ok(())
        })
        .unwrap();
}
