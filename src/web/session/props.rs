//! Properties of what a browser sends back about its session: a return
//! path (`return_to`) can only lead back into Tollgate, and a form's CSRF
//! token matches only the session's own.

use super::*;
use crate::oauth::sessions::Session;
use proptest::prelude::*;

/// A path into Tollgate as its own pages write them.
fn own_path() -> impl Strategy<Value = String> {
    "(/[a-zA-Z0-9._~-]{1,12}){1,4}(\\?[a-z_]{1,8}=[a-zA-Z0-9%._-]{0,16})?"
}

fn session(csrf: &str) -> Session {
    Session {
        public_id: "p".into(),
        user_id: "u".into(),
        username: "alice".into(),
        is_admin: false,
        csrf: csrf.into(),
        authenticated_at: 0,
    }
}

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn whatever_return_path_arrives_the_answer_stays_on_tollgate(raw in prop_oneof![
        "\\PC{0,80}",
        "[/\\\\]{1,3}[a-z.:@]{0,20}",
        any::<String>(),
    ]) {
        let path = safe_return_path(Some(&raw));
        prop_assert!(path.starts_with('/'));
        prop_assert!(!path.starts_with("//") && !path.starts_with("/\\"));
        prop_assert!(!path.chars().any(|c| c.is_control() || c == '\\'));
        // Either what was asked for, or the account page: never a rewrite
        // that could turn into somewhere else.
        prop_assert!(path == raw || path == "/account");
    }

    #[test]
    fn a_path_of_tollgate_s_own_is_kept_as_it_is(path in own_path()) {
        prop_assert_eq!(safe_return_path(Some(&path)), path);
    }

    #[test]
    fn a_csrf_token_matches_only_the_session_s_own(
        own in "[A-Za-z0-9_-]{43}",
        presented in prop_oneof!["[A-Za-z0-9_-]{0,60}", "\\PC{0,60}"],
    ) {
        let current = session(&own);
        prop_assert!(current.csrf_matches(&own));
        prop_assert_eq!(current.csrf_matches(&presented), presented == own);
    }
}
