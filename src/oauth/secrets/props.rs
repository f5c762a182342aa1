//! Properties of the random values handed out (codes, refresh tokens,
//! secrets, session ids: base64url without padding) and of how a presented
//! value is compared with what is stored.

use super::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn a_random_token_is_unpadded_base64url_and_decodes_to_its_bytes(bytes in 0usize..96) {
        let token = random_token(bytes);
        prop_assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        prop_assert_eq!(token.len(), (bytes * 4).div_ceil(3));
        prop_assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), bytes);
    }

    #[test]
    fn a_presented_value_matches_a_stored_hash_only_if_it_is_the_value(
        stored in "\\PC{0,64}",
        presented in "\\PC{0,64}",
    ) {
        let kept = hash(&stored);
        prop_assert_eq!(kept.len(), 64);
        prop_assert!(matches_hash(&stored, &kept));
        prop_assert_eq!(matches_hash(&presented, &kept), presented == stored);
        // What is stored is never accepted as the value itself.
        prop_assert!(!matches_hash(&kept, &kept) || kept == stored);
    }
}
