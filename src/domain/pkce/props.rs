//! Properties of PKCE: every well-formed verifier satisfies the S256
//! challenge made from it, and no other verifier does.

use super::*;
use proptest::prelude::*;

fn verifier() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~-]{43,128}"
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn a_verifier_satisfies_its_own_s256_challenge(v in verifier()) {
        let challenge = CodeChallenge::parse(&s256(&v), Some("S256"), false).unwrap();
        prop_assert!(challenge.is_satisfied_by(&CodeVerifier::parse(&v).unwrap()));
    }

    #[test]
    fn another_verifier_does_not_satisfy_it(a in verifier(), b in verifier()) {
        prop_assume!(a != b);
        let challenge = CodeChallenge::parse(&s256(&a), Some("S256"), false).unwrap();
        prop_assert!(!challenge.is_satisfied_by(&CodeVerifier::parse(&b).unwrap()));
    }

    #[test]
    fn parsing_anything_never_panics(raw in any::<String>(), method in prop::option::of(any::<String>()), plain in any::<bool>()) {
        let _ = CodeChallenge::parse(&raw, method.as_deref(), plain);
        if let Ok(v) = CodeVerifier::parse(&raw) {
            prop_assert!(well_formed(&raw));
            let _ = v;
        }
    }
}
