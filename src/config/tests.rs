//! The defaults and the README agree with the key table.

use super::*;

#[test]
fn every_key_has_a_valid_default() {
    // Every key parsed by `load` must be in KEYS, or its default is "".
    let settings = Settings::load(None).unwrap();
    assert_eq!(settings.login_max_failures, 5);
    assert_eq!(
        settings.default_audience, None,
        "tokens are for the issuer unless told otherwise"
    );
}

#[test]
fn the_readme_documents_every_key() {
    let readme = include_str!("../../README.md");
    for key in KEYS {
        assert!(
            readme.contains(&format!("| `{}` |", key.name)),
            "README lacks `{}`",
            key.name
        );
    }
}
