//! The shared session store (`session_store_url`): every login session is
//! projected to Redis as the hash `tollgate:session:{sid}`, which resource
//! services read to refuse a token whose session ended (see the README,
//! "The shared session store").
//!
//! The database stays the source of truth. Every change of a session is
//! queued (`storage::session_store_queue`) in the transaction that makes
//! it; the projector, a background task of each running server, takes due
//! rows off that queue and brings Redis up to date:
//!
//! - **Prompt**: it looks for due rows every [`POLL`].
//! - **Once at a time per session across instances**: a due row is claimed
//!   with a conditional update that moves its `next_attempt_at` [`LEASE`]
//!   seconds on; a change made meanwhile bumps the row's version, and the
//!   projector, finding the version moved when it is done, makes the row
//!   due again instead of taking it off.
//! - **Outages**: nothing on a request path touches Redis. While Redis does
//!   not answer, rows stay queued (a row whose write failed is retried
//!   after 1, 2, 4 … seconds, at most [`MAX_BACKOFF`]); the outage is
//!   logged once when it begins and once when it ends, and `/readyz`
//!   reports the store degraded from the last state seen (never a ping per
//!   request). A process killed meanwhile leaves its rows in the database
//!   for the next one.

pub mod store;

use crate::oauth::Context;
use crate::storage::{self, StorageError};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Store, StoreError};

/// How often the projector looks for due rows.
pub const POLL: Duration = Duration::from_millis(100);
/// Seconds a claimed row is left to its projector.
pub const LEASE: i64 = 15;
/// Longest wait, seconds, before a failed row is tried again.
pub const MAX_BACKOFF: i64 = 8;
/// Rows read per look.
const BATCH: i64 = 64;
/// How often Redis is pinged while nothing is due, and the queue's depth read.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The store's state as last seen by the projector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No store is configured.
    Off,
    /// Configured; not reached yet.
    Unknown,
    /// Redis answered last time.
    Up,
    /// Redis did not answer last time.
    Down,
}

/// The store's state, shared by the projector and `/readyz`.
#[derive(Debug, Default)]
pub struct Health(AtomicU8);

impl Health {
    /// The state last seen.
    pub fn state(&self) -> State {
        match self.0.load(Ordering::Relaxed) {
            0 => State::Off,
            1 => State::Unknown,
            2 => State::Up,
            _ => State::Down,
        }
    }

    fn set(&self, state: State) -> State {
        let value = match state {
            State::Off => 0,
            State::Unknown => 1,
            State::Up => 2,
            State::Down => 3,
        };
        match self.0.swap(value, Ordering::Relaxed) {
            0 => State::Off,
            1 => State::Unknown,
            2 => State::Up,
            _ => State::Down,
        }
    }

    fn up(&self) {
        if self.set(State::Up) == State::Down {
            tracing::info!("the session store is reachable again; catching up");
        }
    }

    fn down(&self, error: &StoreError) {
        if self.set(State::Down) != State::Down {
            tracing::warn!(%error, "the session store is unreachable; session changes stay queued until it returns");
        }
    }
}

/// The projector of a running server; dropping it stops it.
pub struct Projector(Option<tokio::task::JoinHandle<()>>);

impl Drop for Projector {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// Starts projecting sessions to the store at `url`; outside a Tokio
/// runtime, or with a URL that cannot name a store, nothing runs.
pub fn start(ctx: Arc<Context>, url: &str) -> Projector {
    let store = match Store::open(url) {
        Ok(store) => store,
        Err(error) => {
            tracing::error!(%error, "cannot use session_store_url; the session store is not kept");
            ctx.session_store.set(State::Down);
            return Projector(None);
        }
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no runtime to run the session store projector on");
        return Projector(None);
    };
    ctx.session_store.set(State::Unknown);
    Projector(Some(runtime.spawn(run(ctx, store))))
}

async fn run(ctx: Arc<Context>, store: Store) {
    let mut checked: Option<Instant> = None;
    let mut pause = POLL;
    loop {
        if checked.is_none_or(|at| at.elapsed() >= CHECK_EVERY) || ctx.session_store.state() != State::Up {
            checked = Some(Instant::now());
            record_depth(&ctx).await;
            if let Err(error) = store.ping().await {
                ctx.session_store.down(&error);
                // Rows stay as they are while Redis is away.
                pause = (pause * 2).min(Duration::from_secs(2));
                tokio::time::sleep(pause).await;
                continue;
            }
            ctx.session_store.up();
            pause = POLL;
        }
        match round(&ctx, &store).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(RoundError::Store) => checked = None,
            Err(RoundError::Database(e)) => {
                tracing::warn!(error = %e, "cannot read the session store queue; trying again");
                tokio::time::sleep(CHECK_EVERY).await;
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn record_depth(ctx: &Context) {
    if let Ok(depth) = ctx.db.run(storage::session_store_queue::depth).await {
        ctx.metrics.session_store_queue_depth(depth);
    }
}

enum RoundError {
    Store,
    Database(StorageError),
}

impl From<StorageError> for RoundError {
    fn from(e: StorageError) -> Self {
        RoundError::Database(e)
    }
}

/// The wait after the `attempts`-th failed write: 1, 2, 4 … seconds, at
/// most [`MAX_BACKOFF`].
pub fn backoff(attempts: i32) -> i64 {
    (1i64 << (attempts.clamp(1, 20) - 1)).min(MAX_BACKOFF)
}

/// One look: claims and projects the due rows; whether there may be more.
async fn round(ctx: &Context, store: &Store) -> Result<bool, RoundError> {
    use storage::session_store_queue as queue;
    let now = ctx.clock.now();
    let due = ctx.db.run(move |conn| queue::due(conn, now, BATCH)).await?;
    let full = due.len() as i64 == BATCH;
    for row in due {
        let now = ctx.clock.now();
        let claimed = {
            let row = row.clone();
            ctx.db
                .run(move |conn| queue::claim(conn, &row, now + LEASE))
                .await?
        };
        if !claimed {
            continue;
        }
        let sid = row.session_id.clone();
        let projection = ctx.db.run(move |conn| queue::projection(conn, &sid, now)).await?;
        let written = match &projection {
            Some(p) => store.put(&row.session_id, p).await,
            None => store.remove(&row.session_id).await,
        };
        let sid = row.session_id.clone();
        match written {
            Ok(()) => {
                let version = row.version;
                ctx.db
                    .run(move |conn| {
                        if !queue::done(conn, &sid, version)? {
                            queue::release(conn, &sid, now)?;
                        }
                        Ok(())
                    })
                    .await?;
            }
            Err(error) => {
                ctx.metrics.session_store_failure();
                ctx.session_store.down(&error);
                let attempts = row.attempts + 1;
                let retry_at = now + backoff(attempts);
                ctx.db
                    .run(move |conn| queue::reschedule(conn, &sid, attempts, retry_at))
                    .await?;
                return Err(RoundError::Store);
            }
        }
    }
    Ok(full)
}
