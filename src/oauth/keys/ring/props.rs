//! Properties of reading back this server's own JWTs (id-token hints at
//! `/authorize` and the end-session endpoint, logout tokens, and every
//! other JWT it signed): whatever arrives, nothing panics; only a token it
//! signed reads back, and any one-character change to it is refused.

use super::*;
use crate::domain::SigningAlg;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use proptest::prelude::*;

const TYP: &str = "JWT";
const ISSUER: &str = "https://auth.example";
const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct Fixture {
    ring: KeyRing,
    rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn new(alg: SigningAlg) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&format!("sqlite://{}/t.db", dir.path().display()), 2).unwrap();
        db.migrate().unwrap();
        let clock = Clock::system();
        super::super::ensure_active(&db, alg, clock.now()).unwrap();
        let lifecycle = Lifecycle {
            activation_delay: 0,
            access_token_ttl: 600,
        };
        Fixture {
            ring: KeyRing::new(db, lifecycle, clock),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            _dir: dir,
        }
    }

    fn read(&self, token: &str) -> Option<Value> {
        self.rt.block_on(
            self.ring
                .verify_own::<Value>(token, TYP, ISSUER, &["iss", "sub", "aud"]),
        )
    }

    fn sign(&self, claims: &Value) -> String {
        let key = self.rt.block_on(self.ring.active()).unwrap();
        key.sign_jwt(TYP, claims).unwrap()
    }

    /// The id of the active key, for forgeries that name it.
    fn kid(&self) -> String {
        let token = self.sign(&json!({}));
        let header = jsonwebtoken::decode_header(&token).unwrap();
        header.kid.unwrap()
    }
}

fn b64(value: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(value)
}

/// An arbitrary JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Runs `test` on `strategy`'s cases against one fixture (a database and a
/// key each case would otherwise build again).
fn check<S: Strategy>(strategy: S, test: impl Fn(&Fixture, S::Value) -> Result<(), TestCaseError>) {
    let fixture = Fixture::new(SigningAlg::EdDsa);
    let mut runner = proptest::test_runner::TestRunner::new(crate::domain::proptest_config());
    if let Err(e) = runner.run(&strategy, |value| test(&fixture, value)) {
        panic!("{e}");
    }
}

#[test]
fn arbitrary_text_is_never_read_as_a_token() {
    check("\\PC{0,300}", |fixture, text| {
        prop_assert!(fixture.read(&text).is_none());
        Ok(())
    });
}

#[test]
fn a_forged_token_naming_our_key_is_refused_whatever_its_header_claims_and_signature() {
    let forgery = (
        prop_oneof![
            Just("EdDSA".to_string()),
            Just("RS256".to_string()),
            Just("HS256".to_string()),
            Just("none".to_string()),
            "[A-Za-z0-9]{0,6}"
        ],
        prop_oneof![Just(TYP.to_string()), "\\PC{0,8}"],
        prop::collection::btree_map("[a-z]{1,5}", json_value(), 0..3),
        json_value(),
        prop::collection::vec(any::<u8>(), 0..80),
    );
    check(forgery, |fixture, (alg, typ, extra, claims, signature)| {
        let mut header = json!({ "alg": alg, "typ": typ, "kid": fixture.kid() });
        for (k, v) in extra {
            header[k] = v;
        }
        let token = format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes()),
            b64(&signature)
        );
        prop_assert!(fixture.read(&token).is_none());
        Ok(())
    });
}

#[test]
fn a_token_we_signed_reads_back_and_any_one_character_changed_is_refused() {
    let replacements: Vec<char> = B64URL.chars().chain(['.', '=', '+', '/', ' ']).collect();
    let case = (
        "[a-zA-Z0-9]{1,20}",
        any::<prop::sample::Index>(),
        prop::sample::select(replacements),
    );
    check(case, |fixture, (sub, position, replacement)| {
        let token = fixture.sign(&json!({ "iss": ISSUER, "sub": sub, "aud": "app" }));
        let read = fixture.read(&token);
        prop_assert_eq!(read.as_ref().map(|c| c["sub"].clone()), Some(Value::from(sub)));

        let at = position.index(token.len());
        let original = token.as_bytes()[at] as char;
        prop_assume!(original != replacement);
        let mut changed = token.clone();
        changed.replace_range(at..at + 1, &replacement.to_string());
        prop_assert!(fixture.read(&changed).is_none(), "{} read back", changed);
        Ok(())
    });
}
