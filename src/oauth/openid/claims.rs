//! The claims a user's profile releases for the scopes granted (OpenID
//! Connect Core §5.4): the one rule the userinfo endpoint and id tokens
//! issued without an access token both follow.

use crate::domain::ScopeSet;
use crate::storage::users::UserRow;
use serde_json::{json, Map, Value};

/// The scope that releases the profile claims (Core §5.4).
pub const PROFILE_SCOPE: &str = "profile";
/// The scope that releases `email` and `email_verified` (Core §5.4).
pub const EMAIL_SCOPE: &str = "email";

/// The profile claims this server can release: what discovery lists in
/// `claims_supported`, beside the id token's own claims.
pub const PROFILE_CLAIMS: [&str; 5] = [
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "updated_at",
];
/// The claims the `email` scope releases.
pub const EMAIL_CLAIMS: [&str; 2] = ["email", "email_verified"];

/// The claims `scope` releases from `user`, without `sub` (which depends on
/// the client: see `subject::for_client`). `profile` releases the name
/// fields, `preferred_username` (the username) and `updated_at`; `email`
/// releases `email` and `email_verified`. A claim with no value is left out
/// rather than sent as `null` or empty (Core §5.3.2).
pub fn released(user: &UserRow, scope: &ScopeSet) -> Map<String, Value> {
    let granted = |name: &str| scope.iter().any(|s| s.as_str() == name);
    let mut claims = Map::new();
    if granted(PROFILE_SCOPE) {
        put(&mut claims, "name", user.name.as_deref());
        put(&mut claims, "given_name", user.given_name.as_deref());
        put(&mut claims, "family_name", user.family_name.as_deref());
        put(&mut claims, "preferred_username", Some(&user.username));
        claims.insert("updated_at".into(), json!(user.updated_at));
    }
    // `email_verified` describes an address: without one it is left out too.
    if granted(EMAIL_SCOPE) && put(&mut claims, "email", user.email.as_deref()) {
        claims.insert("email_verified".into(), json!(user.email_verified));
    }
    claims
}

/// Inserts a string claim if it has a value; returns whether it did.
fn put(claims: &mut Map<String, Value>, name: &str, value: Option<&str>) -> bool {
    match value.filter(|v| !v.is_empty()) {
        Some(value) => {
            claims.insert(name.to_string(), json!(value));
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> UserRow {
        UserRow {
            id: "user_1".into(),
            username: "alice".into(),
            password_hash: "x".into(),
            is_admin: false,
            suspended: false,
            created_at: 10,
            password_changed_at: 10,
            email: Some("alice@example.com".into()),
            email_verified: true,
            name: Some("Alice Liddell".into()),
            given_name: Some("Alice".into()),
            family_name: None,
            updated_at: 20,
        }
    }

    fn scope(s: &str) -> ScopeSet {
        ScopeSet::parse(s).unwrap()
    }

    #[test]
    fn openid_alone_releases_nothing() {
        assert!(released(&alice(), &scope("openid")).is_empty());
    }

    #[test]
    fn profile_releases_the_name_fields_username_and_update_time_only() {
        let claims = released(&alice(), &scope("openid profile"));
        assert_eq!(claims["name"], "Alice Liddell");
        assert_eq!(claims["given_name"], "Alice");
        assert_eq!(claims["preferred_username"], "alice");
        assert_eq!(claims["updated_at"], 20);
        assert!(!claims.contains_key("email"));
        assert!(!claims.contains_key("email_verified"));
    }

    #[test]
    fn a_claim_without_a_value_is_left_out() {
        let claims = released(&alice(), &scope("profile"));
        assert!(!claims.contains_key("family_name"));
        let mut blank = alice();
        blank.name = Some(String::new());
        assert!(!released(&blank, &scope("profile")).contains_key("name"));
    }

    #[test]
    fn email_releases_the_address_and_whether_it_was_verified_only() {
        let claims = released(&alice(), &scope("openid email"));
        assert_eq!(claims.len(), 2);
        assert_eq!(claims["email"], "alice@example.com");
        assert_eq!(claims["email_verified"], true);
    }

    #[test]
    fn email_verified_is_left_out_when_there_is_no_address() {
        let mut user = alice();
        user.email = None;
        assert!(released(&user, &scope("email")).is_empty());
    }
}
