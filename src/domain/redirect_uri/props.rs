//! Properties of redirect URIs: what parsing lets in, and that matching is
//! exact except for the RFC 8252 §7.3 loopback port.

use super::*;
use proptest::prelude::*;

fn path() -> impl Strategy<Value = String> {
    "(/[a-zA-Z0-9._~-]{0,12}){0,3}"
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "\\?[a-z]{1,5}=[a-zA-Z0-9]{0,8}"]
}

fn https_uri() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,10}(\\.[a-z]{2,6}){1,2}",
        prop::option::of(1u16..),
        path(),
        query(),
    )
        .prop_map(|(host, port, path, query)| match port {
            Some(p) => format!("https://{host}:{p}{path}{query}"),
            None => format!("https://{host}{path}{query}"),
        })
}

fn loopback_uri(port: Option<u16>) -> impl Strategy<Value = String> {
    (prop_oneof![Just("127.0.0.1"), Just("[::1]")], path(), query()).prop_map(move |(host, path, query)| {
        match port {
            Some(p) => format!("http://{host}:{p}{path}{query}"),
            None => format!("http://{host}{path}{query}"),
        }
    })
}

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn a_parsed_redirect_uri_has_no_fragment_userinfo_or_plain_http_host(raw in any::<String>()) {
        if let Ok(uri) = RedirectUri::parse(&raw) {
            let url = uri.url();
            prop_assert!(url.fragment().is_none());
            prop_assert!(url.username().is_empty() && url.password().is_none());
            prop_assert!(url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url.host_str().unwrap_or(""))));
        }
    }

    #[test]
    fn uri_shaped_input_never_gets_a_fragment_or_userinfo_in(
        scheme in prop_oneof![Just("https"), Just("http"), Just("javascript"), Just("custom")],
        user in prop_oneof![Just(""), Just("u@"), Just("u:p@")],
        host in prop_oneof![Just("example.com"), Just("127.0.0.1"), Just("localhost"), Just("[::1]"), Just("evil.example")],
        tail in "[ -~]{0,20}",
    ) {
        let raw = format!("{scheme}://{user}{host}{tail}");
        if let Ok(uri) = RedirectUri::parse(&raw) {
            prop_assert!(!uri.as_str().contains('#'));
            prop_assert!(uri.url().username().is_empty());
            prop_assert!(user.is_empty());
        }
    }

    #[test]
    fn a_redirect_uri_reads_back_from_its_own_text(raw in https_uri()) {
        let uri = RedirectUri::parse(&raw).unwrap();
        prop_assert_eq!(uri.as_str(), raw.as_str());
        prop_assert_eq!(RedirectUri::parse(uri.as_str()).unwrap(), uri);
    }

    #[test]
    fn an_https_uri_matches_only_itself(a in https_uri(), b in https_uri()) {
        let registered = RedirectUri::parse(&a).unwrap();
        prop_assert!(registered.matches(&a));
        prop_assert_eq!(registered.matches(&b), a == b);
    }

    #[test]
    fn a_loopback_uri_matches_itself_on_any_port(
        host in prop_oneof![Just("127.0.0.1"), Just("[::1]")],
        path in path(),
        query in query(),
        registered_port in prop::option::of(1u16..),
        port in 1u16..,
    ) {
        let with = |p: Option<u16>| match p {
            Some(p) => format!("http://{host}:{p}{path}{query}"),
            None => format!("http://{host}{path}{query}"),
        };
        let registered = RedirectUri::parse(&with(registered_port)).unwrap();
        prop_assert!(registered.matches(&with(Some(port))));
        prop_assert!(registered.matches(&with(None)));
    }

    #[test]
    fn a_loopback_uri_does_not_match_another_path(a in loopback_uri(Some(8080)), b in loopback_uri(Some(9090))) {
        let registered = RedirectUri::parse(&a).unwrap();
        let same_but_port = b.replacen(":9090", ":8080", 1);
        prop_assert_eq!(registered.matches(&b), same_but_port == a);
    }
}
