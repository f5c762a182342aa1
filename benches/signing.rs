//! What one access token costs to sign, and to verify, per algorithm.
//!
//! `sign/<ALG>`: `SigningKey::sign_jwt` over realistic access-token claims
//! (the key pair is parsed once, as the server keeps it), i.e. the
//! cryptographic cost of one token-endpoint response.
//! `verify/<ALG>`: `jsonwebtoken::decode` of such a token with a
//! `DecodingKey::from_jwk` built once from the key's public JWK, and a
//! `Validation` pinned to the algorithm (as introspection does).
//!
//! Run: `cargo bench --bench signing` (add e.g.
//! `-- --warm-up-time 1 --measurement-time 3` for a quick run). Each
//! benchmark runs on one thread, so `1 / time` is the single-core rate.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use tollgate::domain::SigningAlg;
use tollgate::oauth::keys::SigningKey;
use tollgate::oauth::tokens::{AccessClaims, ACCESS_TOKEN_TYP};

const ALGS: [SigningAlg; 3] = [SigningAlg::Rs256, SigningAlg::Es256, SigningAlg::EdDsa];

fn jwt_alg(alg: SigningAlg) -> jsonwebtoken::Algorithm {
    match alg {
        SigningAlg::Rs256 => jsonwebtoken::Algorithm::RS256,
        SigningAlg::Es256 => jsonwebtoken::Algorithm::ES256,
        SigningAlg::EdDsa => jsonwebtoken::Algorithm::EdDSA,
    }
}

/// Claims shaped like those of a client-credentials token (the server's
/// `issue_access`): random-looking ids of the same lengths.
fn claims() -> AccessClaims {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    AccessClaims {
        iss: "http://127.0.0.1:8080".into(),
        sub: "c_Q2xpZW50SWRFeGFtcGxlMDE".into(),
        aud: "http://127.0.0.1:8080".into(),
        // Long enough that no run of this bench outlives it.
        exp: now + 86_400,
        iat: now,
        jti: "dGhpcyBpcyBhIHJhbmRvbSBqdGk".into(),
        client_id: "c_Q2xpZW50SWRFeGFtcGxlMDE".into(),
        scope: "read write".into(),
        sid: None,
        roles: Vec::new(),
        act: None,
        origin_jti: None,
        cnf: None,
    }
}

fn bench_sign(c: &mut Criterion) {
    let claims = claims();
    for alg in ALGS {
        let (key, _der) = SigningKey::generate(alg).expect("key generation");
        let mut group = c.benchmark_group(format!("sign/{alg}", alg = alg.as_str()));
        group.throughput(Throughput::Elements(1));
        group.bench_function("sign_jwt", |b| {
            b.iter(|| {
                key.sign_jwt(black_box(ACCESS_TOKEN_TYP), black_box(&claims))
                    .expect("signing")
            })
        });
        group.finish();
    }
}

fn bench_verify(c: &mut Criterion) {
    let claims = claims();
    for alg in ALGS {
        let (key, _der) = SigningKey::generate(alg).expect("key generation");
        let token = key.sign_jwt(ACCESS_TOKEN_TYP, &claims).expect("signing");
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(key.public_jwk()).expect("the public JWK parses");
        let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("a decoding key from the JWK");
        let mut validation = jsonwebtoken::Validation::new(jwt_alg(alg));
        validation.set_issuer(&[&claims.iss]);
        validation.validate_aud = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "sub", "jti"]);
        // Fail loudly here rather than benchmark an error path.
        let decoded =
            jsonwebtoken::decode::<AccessClaims>(&token, &decoding, &validation).expect("the token verifies");
        assert_eq!(decoded.claims.jti, claims.jti);

        let mut group = c.benchmark_group(format!("verify/{alg}", alg = alg.as_str()));
        group.throughput(Throughput::Elements(1));
        group.bench_function("decode", |b| {
            b.iter(|| {
                jsonwebtoken::decode::<AccessClaims>(black_box(&token), &decoding, &validation)
                    .expect("verification")
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_sign, bench_verify);
criterion_main!(benches);
