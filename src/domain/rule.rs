//! Which rule a value broke, so that a page can say it in the reader's
//! language (the `rules` catalogue) while the JSON APIs and the CLI keep
//! their English.

/// A value a rule's message is given: the offending text, or a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleArg {
    /// Text, such as the refused value.
    Text(String),
    /// A number, such as a limit (it chooses plural forms).
    Number(u64),
}

impl From<String> for RuleArg {
    fn from(s: String) -> Self {
        RuleArg::Text(s)
    }
}

impl From<&str> for RuleArg {
    fn from(s: &str) -> Self {
        RuleArg::Text(s.to_string())
    }
}

impl From<usize> for RuleArg {
    fn from(n: usize) -> Self {
        RuleArg::Number(n as u64)
    }
}

impl From<u32> for RuleArg {
    fn from(n: u32) -> Self {
        RuleArg::Number(n.into())
    }
}

/// A broken rule: its message id in the `rules` catalogue (`rule-…`) and
/// the values that message names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The message id.
    pub id: &'static str,
    /// The message's variables, by name.
    pub args: Vec<(&'static str, RuleArg)>,
}

impl Rule {
    /// The rule `id`, with no values yet.
    pub fn new(id: &'static str) -> Self {
        Rule { id, args: Vec::new() }
    }

    /// The same rule, with `$name` set to `value`.
    pub fn with(mut self, name: &'static str, value: impl Into<RuleArg>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

/// The message name `display_text` gives a subject it knows (`what` is
/// English, for the APIs): a select key of the `rule-text-*` messages.
pub(super) fn subject_key(what: &str) -> &'static str {
    match what {
        "the name" => "name",
        "the description" => "description",
        "the API's name" => "api-name",
        _ => "other",
    }
}
