//! Properties of the strict form reader: every well-formed body reads back
//! exactly, and every body with a repeated parameter (other than
//! `resource`), a NUL, bytes that are not UTF-8 or too many parameters is
//! refused.

use super::*;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn encode(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Distinct parameter names other than `resource`, with values without NUL.
fn params() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map("[a-z_]{1,12}", "[^\\x00]{0,20}", 0..MAX_PARAMS)
        .prop_map(|m| m.into_iter().filter(|(k, _)| k != "resource").collect())
}

fn body_of(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn a_well_formed_body_reads_back_exactly(params in params()) {
        let parsed = Params::parse(body_of(&params).as_bytes()).unwrap();
        for (name, value) in &params {
            let expected = Some(value.as_str()).filter(|v| !v.is_empty());
            prop_assert_eq!(parsed.get(name), expected);
        }
    }

    #[test]
    fn a_repeated_parameter_is_always_refused(params in params(), value in "[a-z]{0,5}") {
        prop_assume!(!params.is_empty() && params.len() < MAX_PARAMS);
        let name = params.keys().next().unwrap().clone();
        let body = format!("{}&{}={}", body_of(&params), encode(&name), value);
        prop_assert!(Params::parse(body.as_bytes()).is_err());
    }

    #[test]
    fn resource_may_repeat_and_keeps_its_order(resources in prop::collection::vec("https://[a-z]{1,8}\\.example/[a-z]{0,6}", 1..8)) {
        let body: Vec<String> = resources.iter().map(|r| format!("resource={}", encode(r))).collect();
        let parsed = Params::parse(body.join("&").as_bytes()).unwrap();
        prop_assert_eq!(parsed.resources(), resources.as_slice());
    }

    #[test]
    fn a_nul_anywhere_is_refused(params in params(), at in any::<prop::sample::Index>()) {
        prop_assume!(!params.is_empty());
        let name = at.get(&params.keys().collect::<Vec<_>>()).to_string();
        let mut poisoned = params.clone();
        poisoned.get_mut(&name).unwrap().push('\0');
        prop_assert!(Params::parse(body_of(&poisoned).as_bytes()).is_err());
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused(prefix in "[a-z]{1,5}", bad in prop_oneof![Just(vec![0xffu8]), Just(vec![0xc3u8]), Just(vec![0xe2u8, 0x82u8])], percent in any::<bool>()) {
        let mut body = format!("{prefix}=").into_bytes();
        if percent {
            body.extend(bad.iter().flat_map(|b| format!("%{b:02X}").into_bytes()));
        } else {
            body.extend(&bad);
        }
        prop_assert!(Params::parse(&body).is_err());
    }

    #[test]
    fn more_than_the_limit_of_parameters_is_refused(extra in 1usize..20) {
        let body: Vec<String> = (0..MAX_PARAMS + extra).map(|i| format!("p{i}=v")).collect();
        prop_assert!(Params::parse(body.join("&").as_bytes()).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Params::parse(&body);
    }
}
