use super::Invalid;
use std::fmt;

/// Longest address accepted, in bytes: what fits in an SMTP path
/// (RFC 5321 §4.5.3.1.3, 256 octets including the angle brackets).
pub const MAX_EMAIL_BYTES: usize = 254;
/// Longest local part (before the `@`), in bytes (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_BYTES: usize = 64;
/// Longest domain label, in bytes (RFC 1035 §2.3.4).
const MAX_LABEL_BYTES: usize = 63;

/// An email address: trimmed, at most 254 bytes, one `@`. The local part
/// (at most 64 bytes) is a dot-atom (RFC 5322 §3.2.3): letters (any
/// script), digits and ``! # $ % & ' * + - / = ? ^ _ ` { | } ~``, in
/// dot-separated runs; quoted local parts are not taken. The domain is at
/// least two dot-separated labels of ASCII letters, digits and hyphens
/// (not first or last in a label), the last one not all digits: an
/// internationalised domain is written in its punycode form (`xn--…`), so
/// no two ways of writing one domain can look alike on a page.
///
/// The domain is kept in lower case (domains are case-insensitive); the
/// local part as typed (its case belongs to the mailbox's owner). Stored
/// addresses are unique whatever their case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an email address.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(Invalid::rule("rule-email-empty", "enter an email address"));
        }
        if text.len() > MAX_EMAIL_BYTES {
            return Err(Invalid::rule(
                "rule-email-too-long",
                format!("an email address is at most {MAX_EMAIL_BYTES} bytes long"),
            )
            .with("max", MAX_EMAIL_BYTES));
        }
        if let Some(bad) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
            let code = format!("U+{:04X}", bad as u32);
            return Err(Invalid::rule(
                "rule-email-spaces",
                format!("an email address has no spaces or control characters (found {code})"),
            )
            .with("code", code));
        }
        let mut parts = text.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Invalid::rule(
                "rule-email-one-at",
                "an email address has exactly one @, as in name@example.com",
            ));
        };
        check_local(local)?;
        let domain = check_domain(domain)?;
        Ok(Email(format!("{local}@{domain}")))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_local(local: &str) -> Result<(), Invalid> {
    if local.is_empty() {
        return Err(Invalid::rule(
            "rule-email-no-local-part",
            "an email address needs a name before the @",
        ));
    }
    if local.len() > MAX_LOCAL_BYTES {
        return Err(Invalid::rule(
            "rule-email-local-part-too-long",
            format!("the part of an email address before the @ is at most {MAX_LOCAL_BYTES} bytes long"),
        )
        .with("max", MAX_LOCAL_BYTES));
    }
    // RFC 5322 §3.2.3 atext; RFC 6532 §3.2 adds non-ASCII, of which only
    // letters and digits are taken (no invisible or look-alike marks).
    let atext = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+-/=?^_`{|}~".contains(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    if let Some(bad) = local.chars().find(|&c| c != '.' && !atext(c)) {
        return Err(Invalid::rule(
            "rule-email-character",
            format!("the character {bad:?} cannot appear in an email address"),
        )
        .with("character", format!("{bad:?}")));
    }
    if local.split('.').any(str::is_empty) {
        return Err(Invalid::rule(
            "rule-email-dots",
            "dots in an email address go between characters, one at a time",
        ));
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<String, Invalid> {
    let refused = || {
        Invalid::rule(
            "rule-email-domain",
            "the part of an email address after the @ must be a domain such as example.com \
             (letters, digits and hyphens; an international domain in its xn-- form)",
        )
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= MAX_LABEL_BYTES
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(refused());
    }
    // An all-digit top-level label would make `1.2.3.4` a domain.
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(refused());
    }
    Ok(domain.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        Email::parse(raw)
            .unwrap_or_else(|e| panic!("{raw:?}: {e}"))
            .into_string()
    }

    #[test]
    fn an_ordinary_address_is_kept_trimmed() {
        assert_eq!(ok("  alice@example.com "), "alice@example.com");
        assert_eq!(
            ok("first.last+tag@mail.example.co.uk"),
            "first.last+tag@mail.example.co.uk"
        );
    }

    #[test]
    fn the_domain_is_lowered_and_the_local_part_kept_as_typed() {
        assert_eq!(ok("Alice.Smith@Example.COM"), "Alice.Smith@example.com");
    }

    #[test]
    fn a_punycode_domain_is_taken_and_a_unicode_one_is_not() {
        assert_eq!(ok("anna@xn--bcher-kva.example"), "anna@xn--bcher-kva.example");
        assert!(Email::parse("anna@bücher.example").is_err());
    }

    #[test]
    fn letters_of_any_script_are_taken_before_the_at() {
        assert_eq!(ok("用户@example.com"), "用户@example.com");
    }

    #[test]
    fn an_address_without_exactly_one_at_is_refused() {
        for raw in ["alice.example.com", "a@b@example.com", "@", ""] {
            assert!(Email::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn an_empty_or_over_long_local_part_is_refused() {
        assert!(Email::parse("@example.com").is_err());
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(64))).is_ok());
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn an_address_over_254_bytes_is_refused() {
        let domain = format!("{}.{}.{}.com", "a".repeat(63), "b".repeat(63), "c".repeat(60));
        let fits = format!("{}@{domain}", "x".repeat(254 - 1 - domain.len()));
        assert_eq!(fits.len(), 254);
        assert!(Email::parse(&fits).is_ok());
        assert!(Email::parse(&format!("y{fits}")).is_err());
    }

    #[test]
    fn whitespace_and_control_characters_are_refused() {
        for raw in [
            "a b@example.com",
            "a\u{0}b@example.com",
            "ab@exa\tmple.com",
            "a\u{7}@example.com",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused() {
        for c in ['\u{202E}', '\u{200B}', '\u{FEFF}', '\u{00AD}'] {
            assert!(Email::parse(&format!("al{c}ice@example.com")).is_err(), "{c:?}");
        }
    }

    #[test]
    fn markup_and_quotes_are_refused() {
        for raw in [
            "<a>@example.com",
            "\"a\"@example.com",
            "a(b)@example.com",
            "a,b@example.com",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn misplaced_dots_are_refused() {
        for raw in [
            ".a@example.com",
            "a.@example.com",
            "a..b@example.com",
            "a@example..com",
            "a@.example.com",
            "a@example.com.",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn a_domain_must_be_labels_of_letters_digits_and_hyphens() {
        for raw in [
            "a@localhost",
            "a@example",
            "a@exa_mple.com",
            "a@-example.com",
            "a@example-.com",
            "a@[192.0.2.1]",
            "a@192.0.2.1",
            "a@example.com:25",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?}");
        }
        assert!(Email::parse(&format!("a@{}.com", "l".repeat(64))).is_err());
        assert_eq!(ok("a@my-host.example"), "a@my-host.example");
    }
}
