use super::display_text::allowed;
use super::Invalid;
use std::fmt;

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A person's name, or part of one (the `name`, `given_name` and
/// `family_name` claims of OpenID Connect Core §5.1): trimmed, 1 to 100
/// characters, in any script, with no character that can make a name
/// render as something it is not — the rules of application names (no
/// control, format, bidirectional-override, zero-width, separator,
/// private-use or unassigned code points).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    /// Parses a name; empty (or only spaces) means "not given": `None`.
    pub fn parse(raw: &str) -> Result<Option<Self>, Invalid> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > MAX_NAME_CHARS {
            return Err(Invalid::rule(
                "rule-name-too-long",
                format!("a name is at most {MAX_NAME_CHARS} characters long"),
            )
            .with("max", MAX_NAME_CHARS));
        }
        if let Some(bad) = text.chars().find(|c| !allowed(*c, false)) {
            let code = format!("U+{:04X}", bad as u32);
            return Err(Invalid::rule(
                "rule-name-invisible",
                format!("a name must not contain invisible or control characters (found {code})"),
            )
            .with("code", code));
        }
        Ok(Some(PersonName(text.to_string())))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_name_is_no_name() {
        assert_eq!(PersonName::parse("").unwrap(), None);
        assert_eq!(PersonName::parse("   ").unwrap(), None);
    }

    #[test]
    fn names_in_any_script_are_kept_trimmed() {
        for name in ["Alice Smith", "José Ñúñez-O'Brien", "山田 太郎", "Ørsted"] {
            let parsed = PersonName::parse(&format!("  {name} ")).unwrap().unwrap();
            assert_eq!(parsed.as_str(), name);
        }
    }

    #[test]
    fn a_name_over_100_characters_is_refused() {
        assert!(PersonName::parse(&"é".repeat(100)).unwrap().is_some());
        assert!(PersonName::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn control_and_invisible_characters_are_refused() {
        for c in ['\u{0}', '\u{7}', '\n', '\u{202E}', '\u{200B}', '\u{2028}'] {
            assert!(PersonName::parse(&format!("Al{c}ice")).is_err(), "{c:?}");
        }
    }
}
