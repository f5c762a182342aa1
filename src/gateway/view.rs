//! The in-memory revocation view: what can make a valid-looking access
//! token dead (revoked `jti`s, ended sessions, deleted and suspended users,
//! withdrawn consents), held in memory so that `/gateway/check` never reads
//! the database per request. It answers [`liveness::Records`], so the
//! check applies the same rule as introspection and userinfo.
//!
//! Refreshing: every [`POLL`] (and at once when PostgreSQL announces a
//! revocation on `tollgate_revocations`), one database round trip reads the
//! revocation log written since the last refresh and the set of suspended
//! users. A notification makes the delay a few tens of milliseconds; a lost
//! one (the listener reconnecting), SQLite, or a change made by the CLI (a
//! process of its own) waits for the poll: the bound is [`POLL`] plus one
//! round trip. A view that could not refresh for [`STALE_AFTER`] stops
//! answering (the check says 503) rather than let a revoked token through.
//!
//! Log entries are read by `seq`; a transaction that took a `seq` and
//! committed after a later one is still read, because each poll reads again
//! the last [`OVERLAP`] entries (reading one twice changes nothing).

use crate::domain::Clock;
use crate::oauth::clients::Client;
use crate::oauth::liveness::Records;
use crate::oauth::openid::subject;
use crate::storage::revocations::{self, Entry, Kind};
use crate::storage::{notifications::ClientChangeSink, Database, DbConnection, StorageError};
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

/// How often the view refreshes without being told to.
pub const POLL: Duration = Duration::from_secs(1);
/// How long a view that cannot refresh still answers.
pub const STALE_AFTER: Duration = Duration::from_secs(5);
/// How many entries each poll reads again (see the module's note).
const OVERLAP: i64 = 256;
/// Seconds back every refresh also reads by time: an entry whose
/// transaction committed late, behind more than [`OVERLAP`] later ones
/// (a burst of logouts), is still found. Its `at` is taken when the
/// transaction writes it, and a transaction lasts at most the database
/// call's deadline (5 s by default).
const LATE_COMMIT: i64 = 30;
/// The most entries one refresh reads after the overlap.
const BATCH: i64 = 10_000;
/// Seconds entries are kept beyond the access-token lifetime (clock skew
/// between instances).
const MARGIN: i64 = 60;
/// How often old entries are deleted from the table.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// What the view holds.
#[derive(Default)]
struct State {
    /// The highest `seq` read.
    last_seq: i64,
    jtis: HashMap<String, i64>,
    /// Ended sessions by public id: their user and when they ended.
    sessions: HashMap<String, (String, i64)>,
    /// The ended sessions of each user (for pairwise `sid`s).
    sessions_of_user: HashMap<String, Vec<String>>,
    deleted_users: HashMap<String, i64>,
    suspended_users: HashSet<String>,
    /// Clients suspended now, re-read at every refresh: a suspension made
    /// by the command line (another process) reaches the check within the
    /// refresh interval, not the client cache's lifetime.
    suspended_clients: HashSet<String>,
    /// The latest withdrawal of consent by user and client.
    withdrawals: HashMap<(String, String), i64>,
}

impl State {
    fn apply(&mut self, entry: Entry) {
        self.last_seq = self.last_seq.max(entry.seq);
        match Kind::parse(&entry.kind) {
            Some(Kind::Jti) => {
                self.jtis.insert(entry.subject, entry.at);
            }
            Some(Kind::Session) => {
                let ids = self.sessions_of_user.entry(entry.detail.clone()).or_default();
                if !ids.contains(&entry.subject) {
                    ids.push(entry.subject.clone());
                }
                self.sessions.insert(entry.subject, (entry.detail, entry.at));
            }
            Some(Kind::UserDeleted) => {
                self.deleted_users.insert(entry.subject, entry.at);
            }
            Some(Kind::Consent) => {
                let at = self
                    .withdrawals
                    .entry((entry.subject, entry.detail))
                    .or_insert(entry.at);
                *at = (*at).max(entry.at);
            }
            None => tracing::warn!(kind = %entry.kind, "unknown kind in the revocation log; ignored"),
        }
    }

    /// Forgets what happened before `cutoff`: no token issued before then
    /// is unexpired.
    fn forget_before(&mut self, cutoff: i64) {
        self.jtis.retain(|_, at| *at >= cutoff);
        self.sessions.retain(|_, (_, at)| *at >= cutoff);
        let sessions = &self.sessions;
        self.sessions_of_user.retain(|_, ids| {
            ids.retain(|id| sessions.contains_key(id));
            !ids.is_empty()
        });
        self.deleted_users.retain(|_, at| *at >= cutoff);
        self.withdrawals.retain(|_, at| *at >= cutoff);
    }
}

/// The view, shared by the check and its refresher.
pub struct View {
    db: Database,
    clock: Clock,
    /// Seconds an entry matters: the access-token lifetime and a margin.
    window: i64,
    state: RwLock<State>,
    /// When the view was last refreshed successfully.
    refreshed: RwLock<Option<Instant>>,
    wake: Arc<tokio::sync::Notify>,
}

impl View {
    /// An empty view over `db`; it answers once [`View::refresh`] succeeded.
    pub fn new(db: Database, clock: Clock, access_token_ttl: i64) -> Arc<View> {
        Arc::new(View {
            db,
            clock,
            window: access_token_ttl + MARGIN,
            state: RwLock::new(State::default()),
            refreshed: RwLock::new(None),
            wake: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Whether the view was refreshed within [`STALE_AFTER`].
    pub fn is_fresh(&self) -> bool {
        let refreshed = *self.refreshed.read().unwrap_or_else(|e| e.into_inner());
        refreshed.is_some_and(|at| at.elapsed() < STALE_AFTER)
    }

    /// Reads what is new from the database (blocking: call it off the
    /// async workers).
    pub fn refresh(&self) -> Result<(), StorageError> {
        let now = self.clock.now();
        let cutoff = now - self.window;
        let (first, from) = {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            (state.last_seq == 0, state.last_seq)
        };
        let (entries, suspended, suspended_clients) = self.db.run_sync(|conn: &mut DbConnection| {
            let entries = if first {
                revocations::recent(conn, cutoff)?
            } else {
                let mut entries = revocations::after(conn, from.saturating_sub(OVERLAP), BATCH)?;
                entries.extend(revocations::recent(conn, now - LATE_COMMIT)?);
                entries
            };
            Ok((
                entries,
                revocations::suspended_users(conn)?,
                revocations::suspended_clients(conn)?,
            ))
        })?;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        for entry in entries {
            state.apply(entry);
        }
        state.suspended_users = suspended.into_iter().collect();
        state.suspended_clients = suspended_clients.into_iter().collect();
        state.forget_before(cutoff);
        drop(state);
        *self.refreshed.write().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        Ok(())
    }

    /// Deletes entries no view needs any more.
    fn purge(&self) -> Result<usize, StorageError> {
        let cutoff = self.clock.now() - self.window - 3600;
        self.db
            .run_sync(|conn: &mut DbConnection| revocations::purge(conn, cutoff))
    }

    /// The view's answers for one decision.
    pub fn records(&self) -> Snapshot<'_> {
        Snapshot(self.state.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Refreshes every [`POLL`], and whenever woken (a notification), on
    /// the current Tokio runtime until the returned guard is dropped.
    pub fn start(self: &Arc<View>) -> Refresher {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no runtime to refresh the revocation view on; the gateway check answers 503");
            return Refresher(None);
        };
        let view = Arc::downgrade(self);
        let wake = self.wake.clone();
        Refresher(Some(runtime.spawn(async move {
            let mut failing = false;
            let mut purged = Instant::now();
            loop {
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
                let Some(strong) = view.upgrade() else { return };
                let purge = purged.elapsed() >= PURGE_EVERY;
                let done = tokio::task::spawn_blocking(move || {
                    let refreshed = strong.refresh();
                    if purge {
                        if let Err(e) = strong.purge() {
                            tracing::warn!(error = %e, "purging the revocation log failed");
                        }
                    }
                    refreshed
                })
                .await;
                if purge {
                    purged = Instant::now();
                }
                match done {
                    Ok(Ok(())) if failing => {
                        tracing::info!("the revocation view is refreshing again");
                        failing = false;
                    }
                    Ok(Ok(())) => {}
                    Ok(Err(e)) if !failing => {
                        tracing::warn!(error = %e, "cannot refresh the revocation view; retrying every second");
                        failing = true;
                    }
                    Ok(Err(_)) => {}
                    Err(e) => tracing::error!(error = %e, "the revocation view's refresh panicked"),
                }
            }
        })))
    }

    /// What PostgreSQL's notifications wake.
    pub fn sink(self: &Arc<View>) -> Arc<dyn ClientChangeSink> {
        Arc::new(Wake(Arc::downgrade(self)))
    }
}

/// Keeps the view refreshing; stops it when dropped.
pub struct Refresher(Option<tokio::task::JoinHandle<()>>);

impl Drop for Refresher {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// A notification (or a reconnection of the listener) wakes the refresher.
struct Wake(Weak<View>);

impl ClientChangeSink for Wake {
    fn changed(&self, _what: &str) {
        if let Some(view) = self.0.upgrade() {
            view.wake.notify_one();
        }
    }

    fn resync(&self) {
        self.changed("");
    }
}

/// The view as one decision reads it.
pub struct Snapshot<'a>(std::sync::RwLockReadGuard<'a, State>);

impl Records for Snapshot<'_> {
    type Error = Infallible;

    fn jti_revoked(&mut self, jti: &str) -> Result<bool, Infallible> {
        Ok(self.0.jtis.contains_key(jti))
    }

    fn session_ended(
        &mut self,
        client: &Client,
        user_id: Option<&str>,
        sid: &str,
    ) -> Result<bool, Infallible> {
        // A pairwise client was told its sector's `sid` for a session: look
        // among the user's ended sessions for the one that maps to it.
        if let (Some(_), Some(user_id)) = (subject::pairwise_sector(client), user_id) {
            let ended = self.0.sessions_of_user.get(user_id);
            return Ok(ended.is_some_and(|ids| ids.iter().any(|id| subject::sid_for(client, id) == sid)));
        }
        Ok(self.0.sessions.contains_key(sid))
    }

    fn user_gone(&mut self, user_id: &str) -> Result<bool, Infallible> {
        Ok(self.0.suspended_users.contains(user_id) || self.0.deleted_users.contains_key(user_id))
    }

    fn client_suspended(&mut self, client_id: &str) -> Result<bool, Infallible> {
        Ok(self.0.suspended_clients.contains(client_id))
    }

    fn consent_withdrawn_since(
        &mut self,
        user_id: &str,
        client_id: &str,
        iat: i64,
    ) -> Result<bool, Infallible> {
        let key = (user_id.to_string(), client_id.to_string());
        // As `storage::consents::withdrawn_since`: a token issued in the
        // second of the withdrawal counts as issued before it.
        Ok(self.0.withdrawals.get(&key).is_some_and(|at| iat <= *at))
    }
}
