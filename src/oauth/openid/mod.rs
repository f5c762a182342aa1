//! OpenID Connect on top of the OAuth protocol: id tokens, the subject a
//! client sees (public or pairwise), and the claims a user's profile
//! releases. The grants and endpoints call in here; nothing here knows
//! HTTP.

pub mod backchannel;
pub mod claims;
pub mod id_token;
pub mod issue;
pub mod logout;
pub mod subject;
pub mod userinfo;

use crate::domain::ScopeSet;

/// The scope that turns an OAuth request into an OpenID Connect one.
pub const OPENID_SCOPE: &str = "openid";

/// Whether `scope` makes a request an OpenID Connect one (Core §3.1.2.1):
/// without `openid`, no id token and no OpenID Connect behaviour.
pub fn is_openid(scope: &ScopeSet) -> bool {
    scope.iter().any(|s| s.as_str() == OPENID_SCOPE)
}
