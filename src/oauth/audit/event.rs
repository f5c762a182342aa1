//! The security events and what each records: its kind, whom and which
//! client it concerns, and its typed details.

use super::Via;
use crate::domain::ScopeSet;
use serde_json::{json, Value};

/// A security event. Every field is an id, a name or a flag.
#[derive(Debug, Clone)]
pub enum Event {
    /// A user signed in.
    SignedIn {
        /// The user.
        user_id: String,
        /// The client they signed in for, if one asked.
        client_id: Option<String>,
        /// How.
        via: Via,
    },
    /// A sign-in was refused (unknown user or wrong password).
    SignInFailed {
        /// The account named, if the name is an account's.
        user_id: Option<String>,
        /// The client, if one asked.
        client_id: Option<String>,
        /// How.
        via: Via,
    },
    /// A sign-in was refused because the account, client or address is locked out.
    LockedOut {
        /// The account named, if the name is an account's.
        user_id: Option<String>,
        /// The client, if one asked.
        client_id: Option<String>,
        /// How.
        via: Via,
    },
    /// A user signed out (their session ended).
    LoggedOut {
        /// The user.
        user_id: String,
        /// The session's public id.
        session_id: String,
    },
    /// A user allowed a client scopes.
    ConsentGranted {
        /// The user.
        user_id: String,
        /// The client.
        client_id: String,
        /// What they allowed (all of it, with what they allowed before).
        scope: ScopeSet,
    },
    /// An operator or administrator gave or took roles of an API: the
    /// user's (with `user_id`) or the client's (without).
    RolesChanged {
        /// The user whose roles changed, if a user's.
        user_id: Option<String>,
        /// The client whose roles changed, if a client's.
        client_id: Option<String>,
        /// The API's identifier.
        api: String,
        /// All of the holder's roles for that API after the change.
        roles: Vec<String>,
    },
    /// The operator allowed a client to exchange tokens for an audience, or
    /// took that back (RFC 8693 policy).
    ExchangePolicyChanged {
        /// The client.
        client_id: String,
        /// The audience.
        audience: String,
        /// Whether it is allowed now.
        allowed: bool,
    },
    /// A user withdrew their consent to a client.
    ConsentWithdrawn {
        /// The user.
        user_id: String,
        /// The client.
        client_id: String,
    },
    /// A client was registered.
    ClientRegistered {
        /// The client.
        client_id: String,
        /// Its owner, if a developer registered it.
        owner_id: Option<String>,
    },
    /// A client's registration was edited.
    ClientUpdated {
        /// The client.
        client_id: String,
        /// Whether the edit withdrew the trust an administrator gave.
        trust_withdrawn: bool,
    },
    /// An administrator's flag on a client changed.
    ClientFlagChanged {
        /// The client.
        client_id: String,
        /// Which flag.
        flag: ClientFlag,
        /// Its new value.
        set: bool,
    },
    /// A client's secret was rotated.
    ClientSecretRotated {
        /// The client.
        client_id: String,
        /// Seconds the old secret keeps working.
        overlap: i64,
    },
    /// A client was deleted.
    ClientDeleted {
        /// The client.
        client_id: String,
    },
    /// A user account was created.
    UserCreated {
        /// The user.
        user_id: String,
        /// Their login name.
        username: String,
        /// Whether they administer the registry.
        admin: bool,
    },
    /// A user was suspended (banned).
    UserSuspended {
        /// The user.
        user_id: String,
    },
    /// A suspension was lifted.
    UserReinstated {
        /// The user.
        user_id: String,
    },
    /// An administrator had a password reset link sent to a user.
    PasswordResetSent {
        /// The user.
        user_id: String,
    },
    /// An account's sign-in lockouts and slowdowns were lifted.
    UserUnlocked {
        /// The user.
        user_id: String,
        /// How many throttle counters were cleared.
        cleared: usize,
    },
    /// A user's password was set by the operator.
    PasswordChanged {
        /// The user.
        user_id: String,
    },
    /// A user's profile changed (the names of the fields, not their values).
    ProfileUpdated {
        /// The user.
        user_id: String,
        /// The fields that changed: `email`, `email_verified`, `name`, …
        fields: Vec<&'static str>,
        /// Whether the address is verified now.
        email_verified: bool,
    },
    /// A user was deleted.
    UserDeleted {
        /// The user.
        user_id: String,
        /// Their login name.
        username: String,
    },
    /// A new signing key was made.
    KeyRotated {
        /// The key's id.
        kid: String,
        /// Its algorithm.
        alg: &'static str,
    },
    /// A rotated-out refresh token was presented again; its family was revoked.
    RefreshReuseDetected {
        /// The client.
        client_id: String,
        /// The user, unless the family is a client's own.
        user_id: Option<String>,
        /// The refresh token family (an id, not a token).
        family_id: String,
    },
    /// An administrator or the operator changed the scope catalogue.
    ScopeCatalogueChanged {
        /// The scope's name.
        scope: String,
        /// What happened to it.
        change: CatalogueChange,
    },
}

/// What happened to a scope of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueChange {
    /// It was added.
    Added,
    /// Its description changed.
    Described,
    /// It was removed.
    Removed,
}

/// The flags only an administrator sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientFlag {
    /// First-party: skips consent.
    Trusted,
    /// No new tokens.
    Suspended,
    /// Vouched for.
    Verified,
}

impl Event {
    /// The stored `kind`.
    pub fn kind(&self) -> &'static str {
        use ClientFlag::*;
        match self {
            Event::SignedIn { .. } => "signin.succeeded",
            Event::SignInFailed { .. } => "signin.failed",
            Event::LockedOut { .. } => "signin.locked_out",
            Event::LoggedOut { .. } => "session.logged_out",
            Event::ConsentGranted { .. } => "consent.granted",
            Event::ConsentWithdrawn { .. } => "consent.withdrawn",
            Event::RolesChanged { user_id: Some(_), .. } => "user.roles_changed",
            Event::RolesChanged { user_id: None, .. } => "client.roles_changed",
            Event::ExchangePolicyChanged { allowed: true, .. } => "client.exchange_allowed",
            Event::ExchangePolicyChanged { allowed: false, .. } => "client.exchange_denied",
            Event::ClientRegistered { .. } => "client.registered",
            Event::ClientUpdated { .. } => "client.updated",
            Event::ClientFlagChanged { flag, set, .. } => match (flag, set) {
                (Trusted, true) => "client.trusted",
                (Trusted, false) => "client.untrusted",
                (Suspended, true) => "client.suspended",
                (Suspended, false) => "client.reinstated",
                (Verified, true) => "client.verified",
                (Verified, false) => "client.unverified",
            },
            Event::ClientSecretRotated { .. } => "client.secret_rotated",
            Event::ClientDeleted { .. } => "client.deleted",
            Event::UserCreated { .. } => "user.created",
            Event::UserSuspended { .. } => "user.suspended",
            Event::UserReinstated { .. } => "user.reinstated",
            Event::UserUnlocked { .. } => "user.unlocked",
            Event::PasswordResetSent { .. } => "user.password_reset_sent",
            Event::PasswordChanged { .. } => "user.password_changed",
            Event::ProfileUpdated { .. } => "user.profile_updated",
            Event::UserDeleted { .. } => "user.deleted",
            Event::KeyRotated { .. } => "key.rotated",
            Event::RefreshReuseDetected { .. } => "refresh.reuse_detected",
            Event::ScopeCatalogueChanged { change, .. } => match change {
                CatalogueChange::Added => "scope.added",
                CatalogueChange::Described => "scope.described",
                CatalogueChange::Removed => "scope.removed",
            },
        }
    }

    /// The user it concerns, the client it concerns, and its details.
    pub(super) fn parts(&self) -> (Option<&str>, Option<&str>, Value) {
        fn s(v: &str) -> Option<&str> {
            Some(v)
        }
        fn o(v: &Option<String>) -> Option<&str> {
            v.as_deref()
        }
        match self {
            Event::SignedIn {
                user_id,
                client_id,
                via,
            } => (s(user_id), o(client_id), json!({"via": via.as_str()})),
            Event::SignInFailed {
                user_id,
                client_id,
                via,
            }
            | Event::LockedOut {
                user_id,
                client_id,
                via,
            } => (o(user_id), o(client_id), json!({"via": via.as_str()})),
            Event::LoggedOut { user_id, session_id } => (s(user_id), None, json!({"session_id": session_id})),
            Event::ConsentGranted {
                user_id,
                client_id,
                scope,
            } => (s(user_id), s(client_id), json!({"scope": scope.to_string()})),
            Event::ConsentWithdrawn { user_id, client_id } => (s(user_id), s(client_id), json!({})),
            Event::RolesChanged {
                user_id,
                client_id,
                api,
                roles,
            } => (o(user_id), o(client_id), json!({"api": api, "roles": roles})),
            Event::ExchangePolicyChanged {
                client_id, audience, ..
            } => (None, s(client_id), json!({"audience": audience})),
            Event::ClientRegistered { client_id, owner_id } => (o(owner_id), s(client_id), json!({})),
            Event::ClientUpdated {
                client_id,
                trust_withdrawn,
            } => (None, s(client_id), json!({"trust_withdrawn": trust_withdrawn})),
            Event::ClientFlagChanged { client_id, .. } | Event::ClientDeleted { client_id } => {
                (None, s(client_id), json!({}))
            }
            Event::ClientSecretRotated { client_id, overlap } => {
                (None, s(client_id), json!({"overlap_seconds": overlap}))
            }
            Event::UserCreated {
                user_id,
                username,
                admin,
            } => (s(user_id), None, json!({"username": username, "admin": admin})),
            Event::UserSuspended { user_id }
            | Event::UserReinstated { user_id }
            | Event::PasswordChanged { user_id }
            | Event::PasswordResetSent { user_id } => (s(user_id), None, json!({})),
            Event::UserUnlocked { user_id, cleared } => (s(user_id), None, json!({"cleared": cleared})),
            Event::ProfileUpdated {
                user_id,
                fields,
                email_verified,
            } => (
                s(user_id),
                None,
                json!({"fields": fields, "email_verified": email_verified}),
            ),
            Event::UserDeleted { user_id, username } => (s(user_id), None, json!({"username": username})),
            Event::KeyRotated { kid, alg } => (None, None, json!({"kid": kid, "alg": alg})),
            Event::RefreshReuseDetected {
                client_id,
                user_id,
                family_id,
            } => (o(user_id), s(client_id), json!({"family_id": family_id})),
            Event::ScopeCatalogueChanged { scope, .. } => (None, None, json!({"scope": scope})),
        }
    }
}

impl Event {
    /// What other services are told of this event, if anything: the
    /// published type (README, "Events"), the user or client it concerns
    /// (the CloudEvents `subject`) and its data. The one place audit events
    /// map to published ones; events not listed are not published (sign-ins
    /// and logouts are told as `session.created` / `session.ended` by
    /// `oauth::sessions`, role changes by whoever changes them).
    pub fn published(&self) -> Option<(&'static str, Option<&str>, Value)> {
        use ClientFlag::*;
        Some(match self {
            Event::SignInFailed {
                user_id,
                client_id,
                via,
            }
            | Event::LockedOut {
                user_id,
                client_id,
                via,
            } => (
                match self {
                    Event::LockedOut { .. } => "login.locked",
                    _ => "login.failed",
                },
                user_id.as_deref(),
                json!({"user_id": user_id, "client_id": client_id, "via": via.as_str()}),
            ),
            Event::ConsentGranted {
                user_id,
                client_id,
                scope,
            } => (
                "consent.granted",
                Some(user_id),
                json!({"user_id": user_id, "client_id": client_id, "scope": scope.to_string()}),
            ),
            Event::ConsentWithdrawn { user_id, client_id } => (
                "consent.withdrawn",
                Some(user_id),
                json!({"user_id": user_id, "client_id": client_id}),
            ),
            Event::ClientRegistered { client_id, owner_id } => (
                "client.registered",
                Some(client_id),
                json!({"client_id": client_id, "owner_id": owner_id}),
            ),
            Event::ClientUpdated {
                client_id,
                trust_withdrawn,
            } => (
                "client.updated",
                Some(client_id),
                json!({"client_id": client_id, "trust_withdrawn": trust_withdrawn}),
            ),
            Event::ClientFlagChanged {
                client_id,
                flag: Suspended,
                set,
            } => (
                if *set {
                    "client.suspended"
                } else {
                    "client.reinstated"
                },
                Some(client_id),
                json!({"client_id": client_id}),
            ),
            Event::ClientFlagChanged { client_id, flag, set } => (
                "client.updated",
                Some(client_id),
                json!({
                    "client_id": client_id,
                    "flag": if *flag == Trusted { "trusted" } else { "verified" },
                    "set": set,
                }),
            ),
            Event::ClientSecretRotated { client_id, overlap } => (
                "client.secret_rotated",
                Some(client_id),
                json!({"client_id": client_id, "overlap_seconds": overlap}),
            ),
            Event::ClientDeleted { client_id } => {
                ("client.deleted", Some(client_id), json!({"client_id": client_id}))
            }
            Event::UserCreated {
                user_id,
                username,
                admin,
            } => (
                "user.created",
                Some(user_id),
                json!({"user_id": user_id, "username": username, "admin": admin}),
            ),
            Event::UserSuspended { user_id } => {
                ("user.suspended", Some(user_id), json!({"user_id": user_id}))
            }
            Event::UserReinstated { user_id } => {
                ("user.reinstated", Some(user_id), json!({"user_id": user_id}))
            }
            Event::PasswordChanged { user_id } => (
                "user.password_changed",
                Some(user_id),
                json!({"user_id": user_id}),
            ),
            Event::UserDeleted { user_id, username } => (
                "user.deleted",
                Some(user_id),
                json!({"user_id": user_id, "username": username}),
            ),
            Event::KeyRotated { kid, alg } => ("key.rotated", None, json!({"kid": kid, "alg": alg})),
            Event::RefreshReuseDetected {
                client_id,
                user_id,
                family_id,
            } => (
                "refresh.reuse_detected",
                Some(user_id.as_deref().unwrap_or(client_id)),
                json!({"user_id": user_id, "client_id": client_id, "family_id": family_id}),
            ),
            // Not published: told otherwise, or of no concern outside.
            _ => return None,
        })
    }
}
