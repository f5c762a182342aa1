//! Throttling password attempts, and registrations per address.
//!
//! A guesser must not be able to lock the real user out (RFC 6819 §4.4.3.6
//! warns of it; so does our SECURITY.md), so no counter that a stranger can
//! fill refuses the account's owner:
//!
//! - **(account, address)**: `login_max_failures` failures lock that pair
//!   for `login_lockout` seconds. The guesser's address is refused; the
//!   owner at another address is not.
//! - **account**: never refused, only slowed: past `login_max_failures`
//!   failures each attempt waits a delay that doubles per failure, capped
//!   at `login_max_delay` seconds. The wait is a timer, before the attempt
//!   queues for argon2: it holds no thread and no hashing slot.
//! - **address** (the login page; an IPv6 address counts by its /64): ten
//!   times `login_max_failures` attempts per window, successful or not — a
//!   flood of valid sign-ins from one address is still a flood.
//! - **client** (the password grant): ten times `login_max_failures`
//!   failures per window; a success gives its attempt back.
//!
//! Each attempt is counted before the work it guards, so requests sent
//! together cannot all slip past a limit. An attempt refused by a lock is
//! not counted anywhere else: a locked pair cannot go on filling its
//! client's budget.

use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::Context;
use crate::storage::{self, throttle, StorageError};
use std::net::IpAddr;
use std::time::Duration;

/// The key an address is counted by: an IPv4 address itself, an IPv6
/// address by its /64 (one host usually holds a whole /64).
pub fn address_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.to_string(),
    }
}

/// One throttled subject.
#[derive(Debug, Clone)]
pub struct Subject {
    key: String,
    max: i32,
}

impl Subject {
    /// An account, by login name: counted, never locked (see [`delay`]).
    pub fn account(username: &str) -> Subject {
        Subject {
            key: format!("account:{username}"),
            max: i32::MAX,
        }
    }

    /// One account tried from one address.
    pub fn pair(ctx: &Context, username: &str, address: &str) -> Subject {
        Subject {
            key: pair_key(username, &address_key(address)),
            max: ctx.settings.login_max_failures,
        }
    }

    /// A client: many accounts tried through one client.
    pub fn client(ctx: &Context, client_id: &str) -> Subject {
        Subject {
            key: format!("client:{client_id}"),
            max: ctx.settings.login_max_failures.saturating_mul(10),
        }
    }

    /// A remote address (an IPv6 address by its /64).
    pub fn address(ctx: &Context, address: &str) -> Subject {
        Subject {
            key: format!("address:{}", address_key(address)),
            max: ctx.settings.login_max_failures.saturating_mul(10),
        }
    }
}

/// A username never holds a space (see `Username`): the pair's key splits there.
fn pair_key(username: &str, address_key: &str) -> String {
    format!("pair:{username} {address_key}")
}

/// What a subject's key counts, for the lockout metric: `pair`, `client`,
/// `address` or `register` (an `account` is never locked).
fn kind_of(key: &str) -> &'static str {
    match key.split_once(':').map(|(kind, _)| kind) {
        Some("pair") => "pair",
        Some("client") => "client",
        Some("address") => "address",
        Some("register") => "register",
        _ => "account",
    }
}

/// Sign-ups and dynamic registrations from one address.
pub fn registrations(ctx: &Context, address: &str) -> Subject {
    Subject {
        key: format!("register:{}", address_key(address)),
        max: ctx.settings.registration_rate_limit,
    }
}

/// How long an attempt on an account waits, given the failures counted
/// before it: nothing up to `max`, then 1, 2, 4 … seconds, at most `cap`.
pub fn delay(failures_before: i32, max: i32, cap: i64) -> Duration {
    if failures_before < max || cap <= 0 {
        return Duration::ZERO;
    }
    let doublings = (failures_before - max).min(30) as u32;
    Duration::from_secs((1i64 << doublings).min(cap) as u64)
}

/// Counts an attempt against each subject in turn. `Err(seconds)` if one
/// of them is locked: the attempt must not go ahead, and the subjects
/// before it are given their count back.
pub async fn reserve(ctx: &Context, subjects: &[Subject]) -> Result<Result<Vec<i32>, i64>, StorageError> {
    let keys: Vec<(String, i32)> = subjects.iter().map(|s| (s.key.clone(), s.max)).collect();
    let lockout = ctx.settings.login_lockout;
    let metrics = ctx.metrics.clone();
    let now = ctx.clock.now();
    ctx.db
        .run(move |conn| {
            let mut counts = Vec::with_capacity(keys.len());
            for (i, (key, max)) in keys.iter().enumerate() {
                let counted = throttle::count(conn, key, now, *max, lockout)?;
                if counted.locked_now {
                    metrics.lockout_started(kind_of(key));
                }
                if let Some(wait) = counted.locked_for {
                    for (earlier, _) in &keys[..i] {
                        throttle::release(conn, earlier)?;
                    }
                    return Ok(Err(wait.max(1)));
                }
                counts.push(counted.failures);
            }
            Ok(Ok(counts))
        })
        .await
}

/// Counts one attempt of a rate-limited kind (a registration); `Some(seconds)`
/// if it must not go ahead.
pub async fn admit(ctx: &Context, subject: Subject) -> Result<Option<i64>, StorageError> {
    Ok(reserve(ctx, std::slice::from_ref(&subject)).await?.err())
}

/// Gives back one counted attempt to each subject (nothing was tried, or
/// it succeeded). A failure here is only logged.
pub async fn release(ctx: &Context, subjects: Vec<Subject>) {
    let result = ctx
        .db
        .run(move |conn| {
            for s in &subjects {
                throttle::release(conn, &s.key)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not give back counted sign-in attempts");
    }
}

/// After a successful sign-in: `cleared` start afresh (the account, the
/// pair), `released` get the attempt back. A failure here is only logged.
pub async fn succeeded(ctx: &Context, cleared: Vec<Subject>, released: Vec<Subject>) {
    let result = ctx
        .db
        .run(move |conn| {
            for s in &cleared {
                throttle::clear(conn, &s.key)?;
            }
            for s in &released {
                throttle::release(conn, &s.key)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not clear counted sign-in attempts");
    }
}

/// A lockout or slowdown in force, for an operator.
#[derive(Debug, Clone)]
pub struct Lockout {
    /// What is counted: `account`, `pair`, `client`, `address` or `register`.
    pub kind: String,
    /// The account, for `account` and `pair`.
    pub username: Option<String>,
    /// The address (or /64), client id, or nothing.
    pub other: Option<String>,
    /// Attempts counted in the window.
    pub failures: i32,
    /// Seconds the subject stays locked, if locked.
    pub locked_for: Option<i64>,
}

impl Lockout {
    fn of(row: throttle::FailureRow, now: i64) -> Lockout {
        let (kind, rest) = row.subject.split_once(':').unwrap_or(("", &row.subject));
        let (username, other) = match kind {
            "account" => (Some(rest.to_string()), None),
            "pair" => match rest.split_once(' ') {
                Some((u, a)) => (Some(u.to_string()), Some(a.to_string())),
                None => (Some(rest.to_string()), None),
            },
            _ => (None, Some(rest.to_string())),
        };
        Lockout {
            kind: kind.to_string(),
            username,
            other,
            failures: row.failures,
            locked_for: row.locked_until.filter(|t| *t > now).map(|t| t - now),
        }
    }
}

/// Every lock in force, and every account being slowed down (from the
/// first 500 subjects with failures in their window).
pub async fn in_force(ctx: &Context) -> Result<Vec<Lockout>, StorageError> {
    let (window, max) = (ctx.settings.login_lockout, ctx.settings.login_max_failures);
    let now = ctx.clock.now();
    ctx.db
        .run(move |conn| {
            let rows = throttle::in_force(conn, now, window, 500)?;
            Ok(rows
                .into_iter()
                .map(|r| Lockout::of(r, now))
                // Locked subjects, and accounts being slowed down.
                .filter(|l| l.locked_for.is_some() || (l.kind == "account" && l.failures >= max))
                .collect())
        })
        .await
}

/// Lifts every lock and slowdown on `username`'s account (from every
/// address). Returns how many counters were cleared.
pub fn unlock(
    db: &storage::Database,
    actor: &Actor,
    username: &str,
    now: i64,
) -> Result<usize, StorageError> {
    let username = username.to_string();
    db.run_sync(move |conn| {
        let prefix = format!("pair:{username} ");
        let pairs = throttle::with_prefix(conn, &prefix, i64::MAX)?;
        let mut cleared = 0;
        for row in pairs.iter().filter(|r| r.subject.starts_with(&prefix)) {
            cleared += usize::from(throttle::clear(conn, &row.subject)?);
        }
        cleared += usize::from(throttle::clear(conn, &format!("account:{username}"))?);
        if let Some(user) = storage::users::by_username(conn, &username)? {
            let event = Event::UserUnlocked {
                user_id: user.id,
                cleared,
            };
            audit::record_in(conn, actor, event, now);
        }
        Ok(cleared)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_address_counts_by_its_64_prefix() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(address_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(address_key("192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn the_account_delay_starts_after_the_limit_doubles_and_is_capped() {
        assert_eq!(delay(4, 5, 30), Duration::ZERO);
        assert_eq!(delay(5, 5, 30), Duration::from_secs(1));
        assert_eq!(delay(7, 5, 30), Duration::from_secs(4));
        assert_eq!(delay(60, 5, 30), Duration::from_secs(30));
        assert_eq!(delay(60, 5, 0), Duration::ZERO);
    }
}
