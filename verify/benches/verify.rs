//! Verifications per second on a warm cache: the keys are loaded before the
//! measured loop, which does no network I/O (no introspection).
//!
//! Run briefly: `cargo bench -p tollgate-verify --bench verify -- --warm-up-time 1 --measurement-time 3`

#[path = "../tests/common/mod.rs"]
mod common;

use common::{claims, Server, TestKey, AUD};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use tollgate_verify::Verifier;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let keys = [TestKey::rsa("rsa"), TestKey::ec("ec"), TestKey::ed("ed")];
    let (verifier, tokens) = rt.block_on(async {
        let server = Server::start(&keys.iter().collect::<Vec<_>>()).await;
        let verifier = Verifier::discover(server.issuer(), AUD).await.unwrap();
        let tokens: Vec<String> = keys
            .iter()
            .map(|k| {
                let mut c = claims(&server.issuer());
                c["exp"] = serde_json::json!(common::now() + 3600);
                k.sign(&c)
            })
            .collect();
        for t in &tokens {
            verifier.verify(t).await.unwrap();
        }
        (verifier, tokens)
    });

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    for (key, token) in keys.iter().zip(&tokens) {
        group.bench_function(key.alg, |b| {
            b.to_async(&rt)
                .iter(|| async { verifier.verify(black_box(token)).await.unwrap() })
        });
    }
    group.finish();
    assert_eq!(verifier.jwks_fetch_count(), 1, "no fetch during the measurement");
}

criterion_group!(benches, bench);
criterion_main!(benches);
