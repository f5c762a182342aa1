use super::Invalid;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `c` may appear in text a registrant writes and a user reads (an
/// application's name or description). Refused: control characters (but a
/// line break where `multiline`), format characters — bidirectional
/// overrides and isolates such as U+202E, zero-width characters, soft
/// hyphens — line and paragraph separators, private-use and unassigned
/// code points. A name that renders differently from the characters it is
/// made of can make "Tollgate Account Security" out of something else.
pub(super) fn allowed(c: char, multiline: bool) -> bool {
    if multiline && matches!(c, '\n' | '\r') {
        return true;
    }
    !matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::PrivateUse
            | GeneralCategory::Unassigned
            | GeneralCategory::Surrogate
    )
}

/// Checks text shown to users: trimmed, at most `max_chars` characters (at
/// least one if `required`), no character [`allowed`] refuses. `what` names
/// the field in the error.
pub fn display_text(
    raw: &str,
    what: &str,
    max_chars: usize,
    required: bool,
    multiline: bool,
) -> Result<String, Invalid> {
    let text = raw.trim();
    let count = text.chars().count();
    if (required && count == 0) || count > max_chars {
        let least: usize = if required { 1 } else { 0 };
        return Err(Invalid::rule(
            "rule-text-length",
            format!("{what} must be {least} to {max_chars} characters"),
        )
        .with("what", super::rule::subject_key(what))
        .with("least", least)
        .with("max", max_chars));
    }
    if let Some(bad) = text.chars().find(|c| !allowed(*c, multiline)) {
        let code = format!("U+{:04X}", bad as u32);
        return Err(Invalid::rule(
            "rule-text-invisible",
            format!("{what} must not contain invisible or control characters (found {code})"),
        )
        .with("what", super::rule::subject_key(what))
        .with("code", code));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_overrides_and_isolates_are_refused() {
        for c in ['\u{202E}', '\u{202A}', '\u{2066}', '\u{2069}', '\u{200F}'] {
            let name = format!("Tollgate{c}ytiruceS");
            assert!(
                display_text(&name, "the name", 100, true, false).is_err(),
                "{c:?}"
            );
        }
    }

    #[test]
    fn zero_width_and_control_characters_are_refused() {
        for c in [
            '\u{200B}', '\u{200D}', '\u{FEFF}', '\u{00AD}', '\u{0007}', '\u{2028}', '\u{E000}',
        ] {
            assert!(
                display_text(&format!("a{c}b"), "the name", 100, true, false).is_err(),
                "{c:?}"
            );
        }
    }

    #[test]
    fn line_breaks_are_allowed_only_in_multiline_text() {
        assert!(display_text("one\ntwo", "the description", 100, false, true).is_ok());
        assert!(display_text("one\ntwo", "the name", 100, true, false).is_err());
    }

    #[test]
    fn ordinary_text_in_any_script_is_kept_trimmed() {
        for name in [
            "Billing",
            "Fakturering åäö",
            "請求書",
            "Zahlungsverkehr – GmbH",
            "🚀 Rocket",
        ] {
            assert_eq!(
                display_text(&format!(" {name} "), "the name", 100, true, false).unwrap(),
                name
            );
        }
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(display_text(&"é".repeat(100), "the name", 100, true, false).is_ok());
        assert!(display_text(&"é".repeat(101), "the name", 100, true, false).is_err());
        assert!(display_text("  ", "the name", 100, true, false).is_err());
    }
}
