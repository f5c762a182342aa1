//! OpenID Connect on top of the OAuth protocol: id tokens, the subject a
//! client sees (public or pairwise), and the claims a user's profile
//! releases. The grants and endpoints call in here; nothing here knows
//! HTTP.

pub mod claims;
pub mod id_token;
pub mod subject;
pub mod userinfo;

/// The scope that turns an OAuth request into an OpenID Connect one.
pub const OPENID_SCOPE: &str = "openid";
