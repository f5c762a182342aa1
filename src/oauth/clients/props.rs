//! Properties of HTTP Basic client credentials (RFC 6749 §2.3.1): what a
//! client library sends reads back exactly, and nothing panics.

use super::*;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;
use secrecy::ExposeSecret;

/// As RFC 6749 §2.3.1 asks: each part form-urlencoded, then `id:secret` in base64.
fn header(id: &str, secret: &str) -> String {
    let joined = format!(
        "{}:{}",
        utf8_percent_encode(id, NON_ALPHANUMERIC),
        utf8_percent_encode(secret, NON_ALPHANUMERIC)
    );
    format!("Basic {}", STANDARD.encode(joined))
}

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn basic_credentials_read_back_exactly(id in "\\PC{1,40}", secret in "\\PC{0,60}") {
        let (got_id, got_secret) = parse_basic(header(&id, &secret).as_bytes()).unwrap();
        prop_assert_eq!(got_id, id);
        prop_assert_eq!(got_secret.expose_secret(), secret.as_str());
    }

    #[test]
    fn the_scheme_name_is_case_insensitive(id in "[a-z0-9_]{1,20}", upper in any::<bool>()) {
        let h = header(&id, "s");
        let h = if upper { h.replacen("Basic", "BASIC", 1) } else { h.replacen("Basic", "basic", 1) };
        prop_assert_eq!(parse_basic(h.as_bytes()).unwrap().0, id);
    }

    #[test]
    fn arbitrary_header_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_basic(&raw);
    }

    #[test]
    fn arbitrary_base64_after_basic_never_panics(payload in prop::collection::vec(any::<u8>(), 0..128)) {
        let h = format!("Basic {}", STANDARD.encode(payload));
        if let Ok((id, _)) = parse_basic(h.as_bytes()) {
            prop_assert!(!id.is_empty());
        }
    }
}
