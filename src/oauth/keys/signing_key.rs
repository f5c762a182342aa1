//! One signing key: generated or parsed once, publishing its JWK, signing JWSs.

use super::KeyError;
use crate::domain::SigningAlg;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A private key, parsed once, with its id and public JWK.
pub struct SigningKey {
    pub(super) kid: String,
    alg: SigningAlg,
    pair: Pair,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn crypto<E: std::fmt::Debug>(e: E) -> KeyError {
    KeyError::Crypto(format!("{e:?}"))
}

impl SigningKey {
    /// Generates a new key; returns it and its PKCS#8 DER for storage.
    pub fn generate(alg: SigningAlg) -> Result<(SigningKey, Vec<u8>), KeyError> {
        let der: Vec<u8> = match alg {
            SigningAlg::Rs256 => {
                let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).map_err(crypto)?;
                let der: aws_lc_rs::encoding::Pkcs8V1Der = pair.as_der().map_err(crypto)?;
                der.as_ref().to_vec()
            }
            SigningAlg::Es256 => {
                let pair =
                    EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).map_err(crypto)?;
                pair.to_pkcs8v1().map_err(crypto)?.as_ref().to_vec()
            }
            SigningAlg::EdDsa => Ed25519KeyPair::generate()
                .map_err(crypto)?
                .to_pkcs8()
                .map_err(crypto)?
                .as_ref()
                .to_vec(),
        };
        let kid = crate::oauth::secrets::random_token(12);
        let key = SigningKey::from_pkcs8(kid, alg, &der)?;
        Ok((key, der))
    }

    /// Parses a stored key.
    pub fn from_pkcs8(kid: String, alg: SigningAlg, der: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = match alg {
            SigningAlg::Rs256 => Pair::Rsa(RsaKeyPair::from_pkcs8(der).map_err(crypto)?),
            SigningAlg::Es256 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der).map_err(crypto)?,
            ),
            SigningAlg::EdDsa => Pair::Ed(Ed25519KeyPair::from_pkcs8(der).map_err(crypto)?),
        };
        Ok(SigningKey { kid, alg, pair })
    }

    /// The key id (`kid`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm (`alg`).
    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// The public key as a JWK (RFC 7517), with `kid`, `alg` and `use`.
    /// Built from the public half only: no private member can slip in.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = match &self.pair {
            Pair::Rsa(p) => {
                let public = p.public_key();
                json!({
                    "kty": "RSA",
                    "n": b64(public.modulus().big_endian_without_leading_zero()),
                    "e": b64(public.exponent().big_endian_without_leading_zero()),
                })
            }
            Pair::Ec(p) => {
                // An uncompressed point: 0x04, then x and y, 32 bytes each.
                let point = p.public_key().as_ref();
                json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) })
            }
            Pair::Ed(p) => json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(p.public_key().as_ref()) }),
        };
        jwk["kid"] = json!(self.kid);
        jwk["alg"] = json!(self.alg.as_str());
        jwk["use"] = json!("sig");
        jwk
    }

    /// Signs `message` with this key.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.pair {
            Pair::Rsa(p) => {
                let mut sig = vec![0u8; p.public_modulus_len()];
                let rng = aws_lc_rs::rand::SystemRandom::new();
                p.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(crypto)?;
                Ok(sig)
            }
            Pair::Ec(p) => {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                Ok(p.sign(&rng, message).map_err(crypto)?.as_ref().to_vec())
            }
            Pair::Ed(p) => Ok(p.sign(message).as_ref().to_vec()),
        }
    }

    /// A compact JWS over `claims` with header `{alg, typ, kid}`.
    pub fn sign_jwt(&self, typ: &str, claims: &impl serde::Serialize) -> Result<String, KeyError> {
        let header = json!({ "alg": self.alg.as_str(), "typ": typ, "kid": self.kid });
        let claims = serde_json::to_vec(claims).map_err(crypto)?;
        let mut jws = b64(header.to_string().as_bytes());
        jws.push('.');
        jws.push_str(&b64(&claims));
        let sig = self.sign(jws.as_bytes())?;
        jws.push('.');
        jws.push_str(&b64(&sig));
        Ok(jws)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_signs_a_token_that_jsonwebtoken_verifies() {
        for alg in [SigningAlg::Rs256, SigningAlg::Es256, SigningAlg::EdDsa] {
            let (key, _) = SigningKey::generate(alg).unwrap();
            let token = key
                .sign_jwt("at+jwt", &json!({ "sub": "x", "exp": 4_000_000_000u64 }))
                .unwrap();
            let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.public_jwk()).unwrap();
            let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
            let jalg = match alg {
                SigningAlg::Rs256 => jsonwebtoken::Algorithm::RS256,
                SigningAlg::Es256 => jsonwebtoken::Algorithm::ES256,
                SigningAlg::EdDsa => jsonwebtoken::Algorithm::EdDSA,
            };
            let mut validation = jsonwebtoken::Validation::new(jalg);
            validation.validate_aud = false;
            validation.required_spec_claims.clear();
            let data = jsonwebtoken::decode::<Value>(&token, &decoding, &validation).unwrap();
            assert_eq!(data.claims["sub"], "x");
            assert_eq!(data.header.kid.as_deref(), Some(key.kid()));
        }
    }

    #[test]
    fn a_stored_key_parses_back_to_the_same_public_key() {
        let (key, der) = SigningKey::generate(SigningAlg::Es256).unwrap();
        let again = SigningKey::from_pkcs8(key.kid().to_string(), SigningAlg::Es256, &der).unwrap();
        assert_eq!(key.public_jwk(), again.public_jwk());
    }
}
