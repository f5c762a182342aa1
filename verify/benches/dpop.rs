//! The added cost of a DPoP-bound token (RFC 9449 §7): what a resource
//! server does for a bound token beyond what it does for a bearer token —
//! check the proof (its ES256 signature, `htm`, `htu`, `iat`, `ath`),
//! compare its key with `cnf.jkt`, and record its `jti` against replay.
//! Both tokens are RS256 (Tollgate's default), keys cached, no network.
//! Each iteration gets a fresh proof (made outside the measurement), as a
//! client sends one per request.
//!
//! Run briefly: `cargo bench -p tollgate-verify --bench dpop -- --warm-up-time 1 --measurement-time 3`

#[path = "../tests/common/mod.rs"]
mod common;

use common::{claims, Server, TestKey, AUD};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::{json, Value};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use tollgate_verify::dpop::{access_token_hash, check_proof, Expected, ReplayCache};
use tollgate_verify::Verifier;

const URL: &str = "https://notes.example.com/notes";

/// A fresh proof by `key` for `GET URL`, presenting `token` if given.
fn proof(key: &TestKey, token: Option<&str>) -> String {
    static JTI: AtomicU64 = AtomicU64::new(0);
    let mut jwk = key.jwk();
    let jwk = jwk.as_object_mut().unwrap();
    jwk.retain(|name, _| matches!(name.as_str(), "kty" | "crv" | "x" | "y"));
    let header = json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": jwk });
    let mut claims = json!({
        "jti": format!("proof-{}", JTI.fetch_add(1, Ordering::Relaxed)),
        "htm": "GET",
        "htu": URL,
        "iat": common::now(),
    });
    if let Some(token) = token {
        claims["ath"] = Value::String(access_token_hash(token));
    }
    key.sign_with_header(&header, &claims)
}

fn expected(token: Option<&str>) -> Expected<'_> {
    Expected {
        method: "GET",
        url: URL,
        access_token: token,
        now: common::now() as i64,
        lifetime: 60,
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let signing = TestKey::rsa("rsa");
    let holder = TestKey::ec("client");
    let jkt = check_proof(&proof(&holder, None), &expected(None)).unwrap().jkt;
    let (verifier, bearer, bound) = rt.block_on(async {
        let server = Server::start(&[&signing]).await;
        let verifier = Verifier::discover(server.issuer(), AUD).await.unwrap();
        let mut c = claims(&server.issuer());
        c["exp"] = json!(common::now() + 3600);
        let bearer = signing.sign(&c);
        c["cnf"] = json!({ "jkt": jkt });
        let bound = signing.sign(&c);
        verifier.verify(&bearer).await.unwrap();
        assert_eq!(
            verifier.verify(&bound).await.unwrap().cnf_jkt.as_deref(),
            Some(jkt.as_str())
        );
        (verifier, bearer, bound)
    });
    let replay = ReplayCache::new(1_000_000);

    let mut group = c.benchmark_group("dpop");
    group.throughput(Throughput::Elements(1));
    group.bench_function("bearer token", |b| {
        b.to_async(&rt)
            .iter(|| async { verifier.verify(black_box(&bearer)).await.unwrap() })
    });
    group.bench_function("DPoP-bound token and ES256 proof", |b| {
        b.to_async(&rt).iter_batched(
            || proof(&holder, Some(&bound)),
            |raw| {
                let (verifier, bound, replay) = (&verifier, &bound, &replay);
                async move {
                    let claims = verifier.verify(black_box(bound)).await.unwrap();
                    let checked = check_proof(&raw, &expected(Some(bound))).unwrap();
                    assert_eq!(claims.cnf_jkt.as_deref(), Some(checked.jkt.as_str()));
                    assert!(replay.first_use(&checked, common::now() as i64, 60));
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("ES256 proof alone", |b| {
        b.iter_batched(
            || proof(&holder, Some(&bound)),
            |raw| check_proof(black_box(&raw), &expected(Some(&bound))).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
