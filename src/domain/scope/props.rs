//! Properties of scope parsing: a scope set has one canonical form, and
//! nothing outside RFC 6749 §3.3's characters gets in.

use super::*;
use proptest::prelude::*;

/// One valid scope token: `NQCHAR`s (`%x21 / %x23-5B / %x5D-7E`).
fn token() -> impl Strategy<Value = String> {
    "[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,32}"
}

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn a_scope_set_reads_back_from_its_own_text(tokens in prop::collection::vec(token(), 0..12)) {
        let set = ScopeSet::from_names(tokens.iter().map(String::as_str)).unwrap();
        let text = set.to_string();
        prop_assert_eq!(ScopeSet::parse(&text).unwrap(), set.clone());
        // Canonical: the text of the text is the text.
        prop_assert_eq!(ScopeSet::parse(&text).unwrap().to_string(), text);
    }

    #[test]
    fn extra_spaces_do_not_change_a_scope_set(tokens in prop::collection::vec(token(), 1..8), gaps in prop::collection::vec(1usize..4, 8)) {
        let spaced: String = tokens
            .iter()
            .zip(gaps.iter().cycle())
            .map(|(t, g)| format!("{}{t}", " ".repeat(*g)))
            .collect();
        let plain = tokens.join(" ");
        prop_assert_eq!(ScopeSet::parse(&spaced).unwrap(), ScopeSet::parse(&plain).unwrap());
    }

    #[test]
    fn a_parsed_scope_set_never_holds_an_empty_or_invalid_token(raw in any::<String>()) {
        if let Ok(set) = ScopeSet::parse(&raw) {
            for scope in set.iter() {
                let s = scope.as_str();
                prop_assert!(!s.is_empty());
                prop_assert!(s.chars().all(|c| c == '\x21' || ('\x23'..='\x5b').contains(&c) || ('\x5d'..='\x7e').contains(&c)));
            }
        }
    }

    #[test]
    fn a_token_with_a_forbidden_character_is_refused(head in token(), bad in "[\"\\\\\\x00-\\x1f\\x7f-\\u{10ffff}]", tail in token()) {
        let raw = format!("{head}{bad}{tail}");
        prop_assert!(Scope::parse(&raw).is_err());
    }
}
