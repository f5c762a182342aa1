//! The sweeper: deletes what no check needs any more. Every rule of what
//! is kept, and for how long, is here.
//!
//! Retention (`margin` is [`MARGIN`], one hour; lifetimes are the
//! configured ones):
//!
//! - **Refresh tokens** go by family: a family is deleted, rotated-out and
//!   revoked tokens included, once its newest token expired more than
//!   `access_token_ttl` + margin ago. While any token of the family can
//!   still be used, the rotated-out ones stay, so that presenting one is
//!   recognised as reuse and revokes the family (RFC 9700 §4.14); and the
//!   access tokens the last refresh issued have expired by then.
//! - **Authorization codes** go once they expired more than
//!   `access_token_ttl` + margin ago: until then a replayed code is still
//!   recognised and revokes what its first redemption issued (RFC 6749
//!   §4.1.2). A later replay is an unknown code, refused all the same.
//! - **Sessions** go `session_retention` after they ended (logout); a
//!   session that merely lapsed goes `session_retention` after it lapsed
//!   *and* once no refresh token names it any more (refresh tokens outlive
//!   the browser session, and a session that is not found counts as ended).
//! - **Consent withdrawals** go once nothing issued before them can be
//!   alive: `refresh_token_ttl` + `access_token_ttl` + margin after the
//!   withdrawal.
//! - **Device authorizations** (RFC 8628) go like codes: once they expired
//!   more than `access_token_ttl` + margin ago.
//! - **Login-failure rows** go once their window (`login_lockout`) is over
//!   and they are not locked: the next attempt would start afresh anyway.
//! - **Pushed authorization requests** (RFC 9126) go once expired: an
//!   expired one is refused all the same, and a used one is already gone.
//! - **Revoked access-token ids** go once the token has expired: its `exp`
//!   refuses it from then on.
//! - **Back-channel logout notices** go `session_retention` after they
//!   were delivered or abandoned; owed ones stay until then.
//! - **Session participants** (`session_clients`) go with their session.
//! - **The session store's queue** goes at each sweep when no session store
//!   is configured (`session_store_url` unset): nobody would take it off.
//! - **Signing keys** are not swept: there are a handful, and a retired
//!   key drops out of the JWKS by itself (see `keys`).
//!
//! - **Events** (the outbox) go `events_retention` after they were
//!   published. Where events are not published (`events_url` unset), every
//!   event goes at the next sweep, published or not: nobody would ever
//!   send it. Every instance on one database must therefore agree on
//!   `events_url`.
//!
//! Before anything is deleted, a sweep ends what lapsed for the clients
//! too: sessions past `expires_at` that were never ended and still have
//! participants on record get their back-channel logout notices written
//! (once: the participant records go as the notices are written), and
//! every session that lapsed without being ended first is announced to the
//! session store and as `session.ended` (reason `expired`), once (its
//! `lapse_announced` flag is taken in the announcing transaction). So a
//! lapsed session is announced at most one `purge_interval` late and
//! always before it is purged.
//!
//! Each table is swept in batches of at most `purge_batch_size` rows: a
//! short select of the keys, then a delete of those keys with the condition
//! checked again, each statement on its own (no transaction held across
//! batches, so no long locks), until a batch comes back short. Several
//! instances may sweep at once: a row deleted by one is simply not found by
//! the other. A failed sweep (database away) is logged and tried again at
//! the next interval.

use crate::domain::Clock;
use crate::oauth::settings::ProtocolSettings as Settings;
use crate::storage::{self, Database, DbConnection, QueryError, StorageError};
use std::sync::Arc;
use std::time::Duration;

/// Kept beyond each lifetime before a row is deleted, seconds.
pub const MARGIN: i64 = 3600;

/// How many rows one sweep deleted, per table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Rows per table, in sweep order.
    pub deleted: Vec<(&'static str, usize)>,
}

impl Report {
    /// Rows deleted in all.
    pub fn total(&self) -> usize {
        self.deleted.iter().map(|(_, n)| n).sum()
    }
}

type Purge = fn(&mut DbConnection, &Cutoffs, i64) -> Result<usize, QueryError>;

/// The times before which rows go, for one sweep.
struct Cutoffs {
    now: i64,
    families: i64,
    codes: i64,
    sessions: i64,
    withdrawals: i64,
    login_windows: i64,
    notices: i64,
    events: i64,
    events_unsent: bool,
    session_store: bool,
}

impl Cutoffs {
    fn at(settings: &Settings, now: i64) -> Cutoffs {
        Cutoffs {
            now,
            families: now - settings.access_token_ttl - MARGIN,
            codes: now - settings.access_token_ttl - MARGIN,
            sessions: now - settings.session_retention,
            withdrawals: now - settings.refresh_token_ttl - settings.access_token_ttl - MARGIN,
            login_windows: now - settings.login_lockout,
            notices: now - settings.session_retention,
            events: match settings.events_enabled {
                true => now - settings.events_retention,
                false => now + 1,
            },
            events_unsent: !settings.events_enabled,
            session_store: settings.session_store,
        }
    }
}

/// The tables, in order: refresh tokens before sessions, since a lapsed
/// session stays while a refresh token names it.
const TABLES: &[(&str, Purge)] = &[
    ("refresh_tokens", |c, t, n| {
        storage::tokens::purge_dead_families(c, t.families, n)
    }),
    ("authorization_codes", |c, t, n| {
        storage::tokens::purge_codes(c, t.codes, n)
    }),
    ("sessions", |c, t, n| storage::sessions::purge(c, t.sessions, n)),
    ("consent_withdrawals", |c, t, n| {
        storage::consents::purge_withdrawals(c, t.withdrawals, n)
    }),
    ("login_failures", |c, t, n| {
        storage::throttle::purge(c, t.login_windows, t.now, n)
    }),
    ("revoked_access_tokens", |c, t, n| {
        storage::tokens::purge_revoked_jtis(c, t.now, n)
    }),
    ("opaque_tokens", |c, t, n| {
        storage::opaque_tokens::purge(c, t.now, n)
    }),
    ("used_jtis", |c, t, n| storage::used_jtis::purge(c, t.now, n)),
    ("secret_handoffs", |c, t, n| {
        storage::secret_handoffs::purge(c, t.now, n)
    }),
    ("device_authorizations", |c, t, n| {
        storage::device_authorizations::purge(c, t.codes, n)
    }),
    ("pushed_authorization_requests", |c, t, n| {
        storage::pushed_requests::purge(c, t.now, n)
    }),
    ("logout_deliveries", |c, t, n| {
        storage::logout_deliveries::purge(c, t.notices, n)
    }),
    ("session_clients", |c, _, n| {
        storage::sessions::purge_participants(c, n)
    }),
    ("event_outbox", |c, t, n| {
        storage::outbox::purge(c, t.events, t.events_unsent, n)
    }),
    // Without a session store nobody takes these rows off: every instance
    // must share `session_store_url`.
    ("session_store_queue", |c, t, n| match t.session_store {
        true => Ok(0),
        false => storage::session_store_queue::purge(c, n),
    }),
];

type Announce = fn(&mut DbConnection, i64, i64) -> Result<usize, QueryError>;

/// What lapsed sessions owe before they can be purged: back-channel logout
/// notices, then their announcement (session store and `session.ended`).
const ANNOUNCEMENTS: &[(&str, Announce)] = &[
    (
        "lapsed sessions: back-channel logout notices written",
        crate::oauth::openid::backchannel::lapsed_sessions,
    ),
    ("lapsed sessions: ends announced", announce_lapses),
];

/// Announces up to `limit` sessions that lapsed by `now`, each in a
/// transaction of its own; returns how many were looked at.
fn announce_lapses(conn: &mut DbConnection, now: i64, limit: i64) -> Result<usize, QueryError> {
    use diesel::Connection;
    let lapsed = storage::sessions::lapsed_unannounced(conn, now, limit)?;
    for (sid, user_id) in &lapsed {
        conn.transaction(|conn| crate::oauth::sessions::lapsed_in(conn, sid, user_id, now))?;
    }
    Ok(lapsed.len())
}

fn log_announced(what: &str, announced: usize) {
    if announced > 0 {
        tracing::info!(sessions = announced, "{what}");
    }
}

/// One sweep at `now`, from a synchronous caller (`tollgate purge`).
pub fn sweep_sync(db: &Database, settings: &Settings, now: i64) -> Result<Report, StorageError> {
    let cutoffs = Cutoffs::at(settings, now);
    let limit = settings.purge_batch_size;
    let mut report = Report::default();
    for (what, announce) in ANNOUNCEMENTS {
        let mut announced = 0;
        loop {
            let n = db.run_sync(|conn| announce(conn, cutoffs.now, limit))?;
            announced += n;
            if (n as i64) < limit {
                break;
            }
        }
        log_announced(what, announced);
    }
    for (table, purge) in TABLES {
        let mut deleted = 0;
        loop {
            let n = db.run_sync(|conn| purge(conn, &cutoffs, limit))?;
            deleted += n;
            if (n as i64) < limit {
                break;
            }
        }
        report.deleted.push((table, deleted));
    }
    Ok(report)
}

/// One sweep at `now` on the blocking pool, yielding between batches so that the
/// server's own queries get connections in between.
pub async fn sweep(db: &Database, settings: &Settings, now: i64) -> Result<Report, StorageError> {
    let cutoffs = Arc::new(Cutoffs::at(settings, now));
    let limit = settings.purge_batch_size;
    let mut report = Report::default();
    for (what, announce) in ANNOUNCEMENTS {
        let mut announced = 0;
        loop {
            let (now, announce) = (cutoffs.now, *announce);
            let n = db.run(move |conn| announce(conn, now, limit)).await?;
            announced += n;
            if (n as i64) < limit {
                break;
            }
            tokio::task::yield_now().await;
        }
        log_announced(what, announced);
    }
    for (table, purge) in TABLES {
        let mut deleted = 0;
        loop {
            let (purge, cutoffs) = (*purge, cutoffs.clone());
            let n = db.run(move |conn| purge(conn, &cutoffs, limit)).await?;
            deleted += n;
            if (n as i64) < limit {
                break;
            }
            tokio::task::yield_now().await;
        }
        report.deleted.push((table, deleted));
    }
    Ok(report)
}

/// The background sweeper of a running server; dropping it stops it.
pub struct Sweeper(Option<tokio::task::JoinHandle<()>>);

impl Drop for Sweeper {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// Starts sweeping every `purge_interval` seconds (the first sweep one
/// interval after start), taking what has expired by `clock`; with `purge_interval = 0`, or outside a Tokio
/// runtime, nothing runs.
pub fn start(db: Database, settings: Arc<Settings>, clock: Clock) -> Sweeper {
    if settings.purge_interval == 0 {
        return Sweeper(None);
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no runtime to run the sweeper on; expired rows are not purged");
        return Sweeper(None);
    };
    let period = Duration::from_secs(settings.purge_interval as u64);
    Sweeper(Some(runtime.spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match sweep(&db, &settings, clock.now()).await {
                Ok(report) if report.total() > 0 => {
                    tracing::info!(deleted = ?report.deleted, "purged expired rows")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(
                    error = %e,
                    cause = ?std::error::Error::source(&e).map(|s| s.to_string()),
                    "purging expired rows failed; trying again at the next interval"
                ),
            }
        }
    })))
}
