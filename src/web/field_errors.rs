//! What a form's field error says on a page, in the reader's language.
//!
//! The rules a field breaks live with the data they check (`crate::domain`,
//! `crate::oauth::profile`, `crate::oauth::registry`) and describe the
//! breach in English for the JSON APIs and the CLI. Each also names the
//! rule it broke (`domain::Rule`, a message of `locales/*/rules.ftl`) and
//! the values that message needs, so a page says the same in the request's
//! language (`crate::i18n`).

use crate::domain::{Invalid, Rule, RuleArg};
use crate::i18n;
use crate::oauth::registry::FieldError;

/// The words for `error` on a page.
pub fn words(error: &FieldError) -> String {
    match &error.rule {
        Some(rule) => said(rule),
        None => error.message.clone(),
    }
}

/// The words on a page for a value refused outside a form's fields (a new
/// password, say).
#[allow(dead_code)] // for the pages that check a value without a field
pub fn reason(error: &Invalid) -> String {
    match &error.1 {
        Some(rule) => said(rule),
        None => error.0.clone(),
    }
}

fn said(rule: &Rule) -> String {
    let args: Vec<(&'static str, &dyn i18n::Arg)> = rule
        .args
        .iter()
        .map(|(name, value)| {
            let value: &dyn i18n::Arg = match value {
                RuleArg::Text(text) => text,
                RuleArg::Number(n) => n,
            };
            (*name, value)
        })
        .collect();
    i18n::tn(rule.id, &args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, GrantType, PersonName, RedirectUri, Scope, Username};
    use crate::i18n::Lang;
    use crate::oauth::registry::{NewClient, NewOpenId, Registrant};
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The rule ids the code names: every `"rule-…"` literal under `src`.
    fn rule_ids_in_the_code() -> BTreeSet<String> {
        fn walk(dir: &Path, ids: &mut BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, ids);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("web/field_errors.rs")
                {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (at, _) in text.match_indices("\"rule-") {
                        let id: String = text[at + 1..].chars().take_while(|c| *c != '"').collect();
                        ids.insert(id);
                    }
                }
            }
        }
        let mut ids = BTreeSet::new();
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut ids);
        ids
    }

    fn rule_ids_in_the_catalogue(lang: &str) -> BTreeSet<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang)
            .join("rules.ftl");
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("rule-"))
            .filter_map(|l| l.split(" =").next())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_rule_the_code_can_break_has_a_message_and_every_message_a_rule() {
        let code = rule_ids_in_the_code();
        assert!(code.len() > 50, "the search finds the rules ({})", code.len());
        for lang in Lang::ALL {
            let catalogue = rule_ids_in_the_catalogue(lang.code());
            let missing: Vec<_> = code.difference(&catalogue).collect();
            let unused: Vec<_> = catalogue.difference(&code).collect();
            assert!(missing.is_empty(), "{}: no message for {missing:?}", lang.code());
            assert!(unused.is_empty(), "{}: no rule for {unused:?}", lang.code());
        }
    }

    /// Broken rules of every kind a page shows.
    fn samples() -> Vec<FieldError> {
        let at = |field| move |e| FieldError::broke(field, e);
        let mut errors = vec![
            Username::parse("a b").map(|_| ()).map_err(at("username")),
            crate::oauth::accounts::check_new_password(&"short".to_string().into()).map_err(at("password")),
            Email::parse("").map(|_| ()).map_err(at("email")),
            Email::parse("a b@example.com").map(|_| ()).map_err(at("email")),
            Email::parse("a\"b@example.com").map(|_| ()).map_err(at("email")),
            Email::parse(&format!("{}@example.com", "a".repeat(65)))
                .map(|_| ())
                .map_err(at("email")),
            Email::parse("a@b@c").map(|_| ()).map_err(at("email")),
            Email::parse("a@-").map(|_| ()).map_err(at("email")),
            PersonName::parse(&"é".repeat(101))
                .map(|_| ())
                .map_err(at("name")),
            PersonName::parse("Al\u{202E}ice").map(|_| ()).map_err(at("name")),
            RedirectUri::parse("https://app.example/cb#x")
                .map(|_| ())
                .map_err(at("redirect_uris")),
            RedirectUri::parse("relative/path")
                .map(|_| ())
                .map_err(at("redirect_uris")),
            RedirectUri::parse("ftp://app.example/cb")
                .map(|_| ())
                .map_err(at("redirect_uris")),
            RedirectUri::parse(&"a".repeat(2001))
                .map(|_| ())
                .map_err(at("redirect_uris")),
            Scope::parse("two words").map(|_| ()).map_err(at("scopes")),
            "magic"
                .parse::<GrantType>()
                .map(|_| ())
                .map_err(at("grant_types")),
        ];
        let client = |f: &dyn Fn(&mut NewClient)| {
            let mut c = NewClient {
                name: "App".into(),
                redirect_uris: vec!["https://app.example/cb".into()],
                ..Default::default()
            };
            f(&mut c);
            c.validate(&Registrant::SelfService {
                implicit_allowed: false,
                client_credentials_allowed: false,
                catalogue: vec!["profile".into()],
            })
            .map(|_| ())
        };
        errors.extend([
            client(&|c| c.name = String::new()),
            client(&|c| c.description = "a\u{200B}b".into()),
            client(&|c| c.homepage_uri = Some("http://app.example".into())),
            client(&|c| c.redirect_uris = vec!["https://*.example/cb".into()]),
            client(&|c| {
                c.redirect_uris = vec!["https://app.example/cb"; 21]
                    .into_iter()
                    .map(Into::into)
                    .collect()
            }),
            client(&|c| c.scopes = vec!["admin".into()]),
            client(&|c| c.grant_types = vec!["client_credentials".into()]),
            client(&|c| c.grant_types = vec!["implicit".into()]),
            client(&|c| c.resources = vec!["not a uri".into()]),
            client(&|c| {
                c.openid = NewOpenId {
                    backchannel_logout_uri: Some("https://app.example/logout#x".into()),
                    ..Default::default()
                }
            }),
            client(&|c| {
                c.redirect_uris = vec!["http://127.0.0.1/cb".into()];
                c.openid.subject_type = Some("pairwise".into());
            }),
        ]);
        errors.into_iter().map(|r| r.unwrap_err()).collect()
    }

    #[test]
    fn in_english_a_page_says_what_the_apis_say() {
        let errors = samples();
        let rules: BTreeSet<_> = errors
            .iter()
            .filter_map(|e| e.rule.as_ref())
            .map(|r| r.id)
            .collect();
        assert_eq!(
            rules.len(),
            errors.len(),
            "each sample breaks its own rule: {errors:#?}"
        );
        for e in &errors {
            assert_eq!(words(e), e.message, "{:?}", e.rule);
        }
    }

    #[tokio::test]
    async fn in_german_a_page_says_every_rule_in_german() {
        let errors = samples();
        let german = i18n::scope(Lang::De, Lang::De, async {
            errors.iter().map(words).collect::<Vec<_>>()
        })
        .await;
        for (e, said) in errors.iter().zip(&german) {
            assert_ne!(said, &e.message, "{:?}", e.rule);
            assert!(!said.starts_with("rule-"), "{said}");
        }
        let fragment = &german[10];
        assert_eq!(
            fragment,
            "Eine Weiterleitungs-URI darf kein Fragment (#) enthalten."
        );
        let password = &german[1];
        assert_eq!(password, "Ein Passwort muss 8 bis 1024 Zeichen lang sein.");
    }

    #[test]
    fn an_error_without_a_rule_is_shown_as_worded() {
        assert_eq!(words(&FieldError::new("email", "Taken.")), "Taken.");
        assert_eq!(reason(&Invalid::new("as is")), "as is");
    }
}
