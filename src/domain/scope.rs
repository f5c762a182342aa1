use super::Invalid;
use std::collections::BTreeSet;
use std::fmt;

/// One scope token (RFC 6749 §3.3: printable ASCII except space, `"` and `\`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(String);

const MAX_SCOPE_LEN: usize = 128;

impl Scope {
    /// Parses one scope token.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let valid_char =
            |c: char| c == '\x21' || ('\x23'..='\x5b').contains(&c) || ('\x5d'..='\x7e').contains(&c);
        if raw.is_empty() || raw.len() > MAX_SCOPE_LEN || !raw.chars().all(valid_char) {
            return Err(Invalid::rule(
                "rule-scope",
                format!(
                    "{raw:?} is not a valid scope (1 to {MAX_SCOPE_LEN} printable ASCII characters, no space, quote or backslash)"
                ),
            )
            .with("scope", format!("{raw:?}"))
            .with("max", MAX_SCOPE_LEN));
        }
        Ok(Scope(raw.to_string()))
    }

    /// The scope's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A set of scopes, written space-separated on the wire and in storage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Parses a space-separated scope list; an empty string is the empty set.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        raw.split(' ')
            .filter(|s| !s.is_empty())
            .map(Scope::parse)
            .collect::<Result<BTreeSet<_>, _>>()
            .map(ScopeSet)
    }

    /// Builds a set from individual scope names.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, Invalid> {
        names
            .into_iter()
            .map(Scope::parse)
            .collect::<Result<BTreeSet<_>, _>>()
            .map(ScopeSet)
    }

    /// Whether every scope of `self` is in `other`.
    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            f.write_str(s.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_list_is_normalised_to_a_sorted_set() {
        let set = ScopeSet::parse("write read  read").unwrap();
        assert_eq!(set.to_string(), "read write");
    }

    #[test]
    fn scopes_with_forbidden_characters_are_refused() {
        assert!(ScopeSet::parse("read \"quoted\"").is_err());
        assert!(Scope::parse("back\\slash").is_err());
        assert!(Scope::parse("tab\there").is_err());
    }

    #[test]
    fn subset_is_checked_scope_by_scope() {
        let allowed = ScopeSet::parse("a b c").unwrap();
        assert!(ScopeSet::parse("a c").unwrap().is_subset(&allowed));
        assert!(!ScopeSet::parse("a d").unwrap().is_subset(&allowed));
    }
}
