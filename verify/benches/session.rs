//! The session check (`SessionStore::check`) against the local Redis: one
//! HGETALL of a session hash with Tollgate's fields, two roles fields and a
//! foreign field. Before criterion's runs, a plain loop of 10 000 checks
//! prints p50/p99/max (criterion reports means and medians only).
//!
//! Run: `cargo bench -p tollgate-verify --features redis --bench session -- --warm-up-time 1 --measurement-time 3`
//! (`REDIS_URL` overrides `redis://127.0.0.1:6379/0`).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Instant;
use tollgate_verify::session::SessionStore;
use tollgate_verify::Claims;

fn bench(c: &mut Criterion) {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sid = format!("bench-{}", std::process::id());
    let key = format!("tollgate:session:{sid}");
    let store = rt.block_on(async {
        let mut raw = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .expect("a Redis to measure against");
        let _: i64 = redis::cmd("HSET")
            .arg(&key)
            .arg(&[
                ("sub", "user-1"),
                ("username", "alice"),
                ("auth_time", "1700000000"),
                ("expires_at", "1700086400"),
                ("amr", "pwd"),
                ("roles:https://orders.example", "admin reader"),
                ("roles:https://billing.example", "viewer"),
                ("attrs:plan", "gold"),
            ])
            .query_async(&mut raw)
            .await
            .unwrap();
        let _: i64 = redis::cmd("EXPIRE")
            .arg(&key)
            .arg(600)
            .query_async(&mut raw)
            .await
            .unwrap();
        SessionStore::connect(&url).await.unwrap()
    });
    let claims = Claims {
        iss: "https://issuer.example".into(),
        sub: "user-1".into(),
        aud: vec!["https://orders.example".into()],
        client_id: "app".into(),
        scopes: vec![],
        sid: Some(sid.clone()),
        jti: "j".into(),
        exp: 0,
        iat: 0,
        nbf: None,
        roles: vec![],
        cnf_jkt: None,
    };

    let mut samples: Vec<u128> = rt.block_on(async {
        let mut samples = Vec::with_capacity(10_000);
        for _ in 0..10_000 {
            let started = Instant::now();
            store.check(&claims).await.unwrap();
            samples.push(started.elapsed().as_micros());
        }
        samples
    });
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "session check, 10000 sequential: p50 {} µs, p99 {} µs, max {} µs",
        at(0.50),
        at(0.99),
        samples[samples.len() - 1]
    );

    c.bench_function("session_check", |b| {
        b.to_async(&rt)
            .iter(|| async { store.check(black_box(&claims)).await.unwrap() })
    });
    rt.block_on(async {
        let mut raw = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let _: i64 = redis::cmd("DEL").arg(&key).query_async(&mut raw).await.unwrap();
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
