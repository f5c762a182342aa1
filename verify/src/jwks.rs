//! Reading the issuer's JWKS into verification keys, each pinned to exactly
//! one algorithm.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// A public key and the single algorithm it may be used with.
///
/// RFC 8725 §3.1: the algorithm comes from the key the issuer published, never
/// from the token; a token whose header says otherwise is refused. And as only
/// asymmetric key types are read, a public key can never end up as an HMAC
/// secret (the classic "RS256 key used to check an HS256 token" attack).
pub(crate) struct VerifyKey {
    pub alg: Algorithm,
    pub alg_name: &'static str,
    pub key: DecodingKey,
}

/// Keys by `kid`.
pub(crate) type KeySet = HashMap<String, Arc<VerifyKey>>;

fn str_member<'a>(jwk: &'a Value, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}

fn b64_len(value: &str) -> Option<usize> {
    URL_SAFE_NO_PAD.decode(value).ok().map(|v| v.len())
}

/// The name of `alg` as it appears in a JOSE header.
fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::EdDSA => "EdDSA",
        _ => "unsupported",
    }
}

/// One JWK to a key, or `None` when it is not a usable signature-verification
/// key (symmetric, unknown type or curve, wrong `use`, too small, malformed).
fn parse_key(jwk: &Value) -> Option<VerifyKey> {
    // RFC 7517 §4.2/§4.3: a key published for encryption, or restricted to
    // other operations, is not for checking signatures.
    if let Some(usage) = str_member(jwk, "use") {
        if usage != "sig" {
            return None;
        }
    }
    if let Some(ops) = jwk.get("key_ops").and_then(Value::as_array) {
        if !ops.iter().any(|op| op.as_str() == Some("verify")) {
            return None;
        }
    }
    let declared = str_member(jwk, "alg");
    let (alg, key) = match str_member(jwk, "kty")? {
        "RSA" => {
            let alg = match declared.unwrap_or("RS256") {
                "RS256" => Algorithm::RS256,
                "RS384" => Algorithm::RS384,
                "RS512" => Algorithm::RS512,
                "PS256" => Algorithm::PS256,
                "PS384" => Algorithm::PS384,
                "PS512" => Algorithm::PS512,
                _ => return None,
            };
            let n = str_member(jwk, "n")?;
            let e = str_member(jwk, "e")?;
            // RFC 7518 §3.3: 2048 bits at least.
            let modulus = URL_SAFE_NO_PAD.decode(n).ok()?;
            let significant = modulus.iter().skip_while(|b| **b == 0).count();
            if significant < 256 {
                return None;
            }
            (alg, DecodingKey::from_rsa_components(n, e).ok()?)
        }
        "EC" => {
            let (alg, size) = match (str_member(jwk, "crv")?, declared) {
                ("P-256", None | Some("ES256")) => (Algorithm::ES256, 32),
                ("P-384", None | Some("ES384")) => (Algorithm::ES384, 48),
                _ => return None,
            };
            let x = str_member(jwk, "x")?;
            let y = str_member(jwk, "y")?;
            if b64_len(x)? != size || b64_len(y)? != size {
                return None;
            }
            (alg, DecodingKey::from_ec_components(x, y).ok()?)
        }
        "OKP" => {
            match (str_member(jwk, "crv")?, declared) {
                ("Ed25519", None | Some("EdDSA") | Some("Ed25519")) => {}
                _ => return None,
            }
            let x = str_member(jwk, "x")?;
            if b64_len(x)? != 32 {
                return None;
            }
            (Algorithm::EdDSA, DecodingKey::from_ed_components(x).ok()?)
        }
        // "oct" (a shared secret) above all: it would let anyone holding the
        // JWKS mint tokens. Never read.
        _ => return None,
    };
    Some(VerifyKey {
        alg,
        alg_name: alg_name(alg),
        key,
    })
}

/// Reads a JWKS document. Keys without a `kid` or that cannot be used are
/// skipped; when two keys share a `kid`, the first one wins.
pub(crate) fn parse_jwks(doc: &Value) -> Result<KeySet, String> {
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| "the JWKS has no keys array".to_owned())?;
    let mut set = KeySet::new();
    for jwk in keys {
        let Some(kid) = str_member(jwk, "kid") else {
            continue;
        };
        if set.contains_key(kid) {
            continue;
        }
        if let Some(key) = parse_key(jwk) {
            set.insert(kid.to_owned(), Arc::new(key));
        }
    }
    Ok(set)
}
