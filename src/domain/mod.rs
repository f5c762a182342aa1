//! Pure types: values that can only be had by parsing, so holding one means it
//! is valid. No actix, no diesel here.

mod clock;
mod display_text;
mod email;
mod exchange_grant;
mod grant_type;
mod person_name;
mod pkce;
mod redirect_uri;
mod rule;
mod scope;
mod signing_alg;
mod token_format;
mod username;
mod utc;

pub use clock::Clock;
pub use display_text::display_text;
pub use email::{Email, MAX_EMAIL_BYTES};
pub use exchange_grant::ExchangeGrant;
pub use grant_type::GrantType;
pub use person_name::{PersonName, MAX_NAME_CHARS};
pub use pkce::{ChallengeMethod, CodeChallenge, CodeVerifier};
pub use redirect_uri::RedirectUri;
pub use rule::{Rule, RuleArg};
pub use scope::{Scope, ScopeSet};
pub use signing_alg::SigningAlg;
pub use token_format::AccessTokenFormat;
pub use username::Username;
pub use utc::{days_from_civil, rfc3339, utc_text};

/// Why a value was refused: in English words fit to show the person who
/// sent it (the JSON APIs, whose `error_description` RFC 6749 §5.2 limits to
/// ASCII, and the CLI), and, where a page can show it, the rule it broke, for
/// the page to say in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String, pub Option<Rule>);

impl Invalid {
    /// A refusal no page shows (protocol parameters, the CLI's own syntax).
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Invalid(reason.into(), None)
    }

    /// A refusal of the rule `id` (a message of the `rules` catalogue),
    /// said in English as `reason`.
    pub fn rule(id: &'static str, reason: impl Into<String>) -> Self {
        Invalid(reason.into(), Some(Rule::new(id)))
    }

    /// The same refusal, with its rule's `$name` set to `value`.
    pub fn with(mut self, name: &'static str, value: impl Into<RuleArg>) -> Self {
        self.1 = self.1.map(|r| r.with(name, value));
        self
    }
}

/// How many cases each property test runs: a few thousand by default;
/// `PROPTEST_CASES` asks for more (a longer local run) or fewer.
#[cfg(test)]
pub(crate) fn proptest_config() -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    proptest::test_runner::Config {
        cases,
        ..proptest::test_runner::Config::default()
    }
}
