//! User codes (RFC 8628 §6.1): short, typed by people, from an alphabet
//! without vowels (no words spelled by accident) and without letters that
//! look like digits or each other once the vowels are gone.

use rand::Rng;

/// Twenty consonants: 8 of them give 20⁸ ≈ 2.6·10¹⁰ codes, 34 bits.
const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Letters in a user code.
const LENGTH: usize = 8;

/// A new random user code, normalised (as stored).
pub fn generate() -> String {
    let mut rng = rand::rng();
    (0..LENGTH)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The code as people read it: `BCDF-GHJK`.
pub fn display(normalised: &str) -> String {
    match normalised.len() {
        LENGTH => format!("{}-{}", &normalised[..4], &normalised[4..]),
        _ => normalised.to_string(),
    }
}

/// The stored form of what a person typed: upper case, without dashes or
/// spaces (§6.1: be lenient with what people type); `None` if it cannot be
/// a user code at all.
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_code_is_already_normalised() {
        let code = generate();
        assert_eq!(normalise(&code).as_deref(), Some(code.as_str()));
    }

    #[test]
    fn typing_is_forgiving_about_case_dashes_and_spaces() {
        assert_eq!(normalise(" bcdf-ghjk ").as_deref(), Some("BCDFGHJK"));
        assert_eq!(normalise("BCDF GHJK").as_deref(), Some("BCDFGHJK"));
    }

    #[test]
    fn vowels_digits_and_wrong_lengths_are_not_codes() {
        for bad in [
            "BCDF-GHJA",
            "BCDF-GHJ1",
            "BCDF-GHJ",
            "BCDF-GHJKL",
            "",
            "ßCDF-GHJK",
        ] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_code_is_displayed_in_two_groups_of_four() {
        assert_eq!(display("BCDFGHJK"), "BCDF-GHJK");
    }
}
