use super::Invalid;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// RFC 7636 §4.1 and §4.2: 43 to 128 characters of `A-Z a-z 0-9 - . _ ~`.
fn well_formed(s: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    (43..=128).contains(&s.len()) && s.chars().all(ok)
}

/// How a code challenge was derived from its verifier (RFC 7636 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeMethod {
    /// `BASE64URL(SHA256(verifier))`.
    S256,
    /// The verifier itself; only for clients configured for it.
    Plain,
}

impl ChallengeMethod {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeMethod::S256 => "S256",
            ChallengeMethod::Plain => "plain",
        }
    }
}

/// A PKCE code challenge from an authorization request, checked once: its
/// method is known and its value has the method's form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge {
    value: String,
    method: ChallengeMethod,
}

impl CodeChallenge {
    /// Parses `challenge` with `method` (RFC 7636 §4.3: absent means
    /// `plain`); `plain` only if `allow_plain`.
    pub fn parse(challenge: &str, method: Option<&str>, allow_plain: bool) -> Result<Self, Invalid> {
        let method = match method.unwrap_or("plain") {
            "S256" => ChallengeMethod::S256,
            "plain" if allow_plain => ChallengeMethod::Plain,
            "plain" => return Err(Invalid::new("code_challenge_method must be S256")),
            _ => return Err(Invalid::new("unsupported code_challenge_method")),
        };
        // A SHA-256 in base64url is always 43 characters.
        if method == ChallengeMethod::S256 && challenge.len() != 43 {
            return Err(Invalid::new("an S256 code_challenge is 43 characters"));
        }
        if !well_formed(challenge) {
            return Err(Invalid::new(
                "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
            ));
        }
        Ok(CodeChallenge {
            value: challenge.to_string(),
            method,
        })
    }

    /// A challenge as stored with its code (checked when it was parsed).
    pub fn from_stored(value: String, method: Option<&str>) -> Self {
        let method = match method {
            Some("S256") => ChallengeMethod::S256,
            _ => ChallengeMethod::Plain,
        };
        CodeChallenge { value, method }
    }

    /// The challenge value.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The method.
    pub fn method(&self) -> ChallengeMethod {
        self.method
    }

    /// Whether `verifier` is the one this challenge was derived from
    /// (compared in constant time).
    pub fn is_satisfied_by(&self, verifier: &CodeVerifier) -> bool {
        let computed = match self.method {
            ChallengeMethod::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.0.as_bytes())),
            ChallengeMethod::Plain => verifier.0.clone(),
        };
        computed.as_bytes().ct_eq(self.value.as_bytes()).into()
    }
}

/// A PKCE code verifier from a token request (RFC 7636 §4.1).
#[derive(Clone)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// Parses a verifier.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if well_formed(raw) {
            Ok(CodeVerifier(raw.to_string()))
        } else {
            Err(Invalid::new(
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
            ))
        }
    }
}

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier(…)")
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_7636_example_verifier_satisfies_its_challenge() {
        let challenge = CodeChallenge::parse(CHALLENGE, Some("S256"), false).unwrap();
        assert!(challenge.is_satisfied_by(&CodeVerifier::parse(VERIFIER).unwrap()));
        let other = CodeVerifier::parse(&VERIFIER.replace('d', "e")).unwrap();
        assert!(!challenge.is_satisfied_by(&other));
    }

    #[test]
    fn plain_is_refused_unless_allowed_and_is_the_default_method() {
        assert!(CodeChallenge::parse(VERIFIER, None, false).is_err());
        assert!(CodeChallenge::parse(VERIFIER, Some("plain"), false).is_err());
        let plain = CodeChallenge::parse(VERIFIER, None, true).unwrap();
        assert_eq!(plain.method(), ChallengeMethod::Plain);
        assert!(plain.is_satisfied_by(&CodeVerifier::parse(VERIFIER).unwrap()));
    }

    #[test]
    fn malformed_challenges_and_verifiers_are_refused() {
        assert!(CodeChallenge::parse(&CHALLENGE[..42], Some("S256"), false).is_err());
        assert!(CodeChallenge::parse(&format!("{}!", &CHALLENGE[..42]), Some("S256"), false).is_err());
        assert!(CodeChallenge::parse(CHALLENGE, Some("S512"), false).is_err());
        assert!(CodeVerifier::parse("short").is_err());
        assert!(CodeVerifier::parse(&"a".repeat(129)).is_err());
        assert!(CodeVerifier::parse(&format!("{VERIFIER}+")).is_err());
    }
}
