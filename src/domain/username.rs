use super::Invalid;
use std::fmt;

/// A user's login name: 1 to 64 characters of letters, digits and `. _ - @`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Parses a username.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if raw.is_empty() || raw.len() > 64 || !raw.chars().all(ok) {
            return Err(Invalid::rule(
                "rule-username",
                "a username is 1 to 64 characters: letters, digits and . _ - @",
            ));
        }
        Ok(Username(raw.to_string()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_with_spaces_or_markup_are_refused() {
        assert!(Username::parse("alice").is_ok());
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("<script>").is_err());
        assert!(Username::parse("").is_err());
    }
}
