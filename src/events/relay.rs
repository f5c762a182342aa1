//! The relay: a background task of every server whose `events_url` is set,
//! moving events from the outbox to the broker.
//!
//! - **In order, in batches**: it reads up to [`BATCH`] unsent rows in the
//!   order they were written, publishes them together, and marks sent
//!   exactly those the broker acknowledged (publish, then the ack). A full
//!   batch is followed at once by the next; otherwise it looks again after
//!   [`POLL`], which bounds how late an event written by any instance (or
//!   the command line) is published.
//! - **Outages**: while the broker is away, events stay in the outbox
//!   (`tollgate_events_outbox_pending` grows) and the relay tries again
//!   after 0.25, 0.5, 1 … seconds (at most [`MAX_BACKOFF`]). It logs once
//!   when the broker goes away and once when it is back, not per event.
//!   Nothing on a request path waits for the broker.
//! - **Crashes**: a row is marked sent only after its ack, so a process
//!   killed between the commit and the ack publishes it after a restart
//!   (or another instance does).
//! - **Several instances** sharing a database each publish what they find
//!   unsent, without claiming rows: two instances may publish one event
//!   both, which is at-least-once anyway. JetStream drops the second copy
//!   when it arrives within the duplicate window (`Nats-Msg-Id` = the
//!   event id); consumers de-duplicate on `id` for the rest.

use super::{nats::JetStream, CloudEvent, PublishError, Publisher};
use crate::oauth::Context;
use crate::storage::{self, StorageError};
use std::sync::Arc;
use std::time::Duration;

/// How often the relay looks for events when the last look found few.
pub const POLL: Duration = Duration::from_millis(200);
/// Events read and published per pass.
pub const BATCH: i64 = 500;
/// The first wait after the broker failed.
const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait between two attempts while the broker is away.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The relay of a running server; dropping it stops it (an event being
/// published then is published again later).
pub struct Relay(Option<tokio::task::JoinHandle<()>>);

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// Starts publishing to the NATS server at `events_url`; with none, or
/// outside a Tokio runtime, nothing runs and nothing connects.
pub fn start(ctx: Arc<Context>, events_url: Option<String>) -> Relay {
    let Some(url) = events_url else {
        return Relay(None);
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no runtime to run the event relay on; events wait in the outbox");
        return Relay(None);
    };
    Relay(Some(runtime.spawn(run(ctx, JetStream::new(url)))))
}

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    /// The database did not answer.
    #[error("database: {0}")]
    Database(#[from] StorageError),
    /// Some events were not acknowledged.
    #[error("{failed} event(s) not published: {error}")]
    Broker {
        /// How many.
        failed: usize,
        /// The first failure.
        error: PublishError,
    },
}

/// Publishes the outbox through `publisher`, for ever.
pub async fn run<P: Publisher>(ctx: Arc<Context>, publisher: P) {
    let mut backoff = MIN_BACKOFF;
    let (mut broker_down, mut database_down) = (false, false);
    loop {
        let wait = match pass(&ctx, &publisher).await {
            Ok(published) => {
                if broker_down {
                    tracing::info!("event broker reachable again; publishing the outbox");
                }
                if database_down {
                    tracing::info!("event relay: database reachable again");
                }
                (broker_down, database_down, backoff) = (false, false, MIN_BACKOFF);
                if published as i64 == BATCH {
                    continue;
                }
                POLL
            }
            Err(PassError::Broker { failed, error }) => {
                if !broker_down {
                    tracing::warn!(%error, failed, "event broker unavailable; events wait in the outbox");
                    broker_down = true;
                }
                let wait = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                wait
            }
            Err(PassError::Database(error)) => {
                if !database_down {
                    tracing::warn!(%error, "event relay cannot read the outbox; trying again");
                    database_down = true;
                }
                MAX_BACKOFF
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// One pass: publishes up to [`BATCH`] unsent events, marks sent those
/// acknowledged, and counts what is left. Returns how many were read.
pub async fn pass<P: Publisher>(ctx: &Context, publisher: &P) -> Result<usize, PassError> {
    let rows = ctx.db.run(|conn| storage::outbox::unsent(conn, BATCH)).await?;
    if rows.is_empty() {
        ctx.metrics.events_pending(0);
        return Ok(0);
    }
    let events: Vec<CloudEvent> = rows
        .iter()
        .map(|row| CloudEvent::from_row(row, &ctx.settings.issuer))
        .collect();
    let outcomes = futures_util::future::join_all(events.iter().map(|e| publisher.publish(e))).await;
    let (mut sent, mut unsent, mut first_error) = (Vec::new(), Vec::new(), None);
    for (row, outcome) in rows.iter().zip(outcomes) {
        match outcome {
            Ok(()) => sent.push(row.seq),
            Err(e) => {
                unsent.push(row.seq);
                first_error.get_or_insert(e);
            }
        }
    }
    let now = ctx.clock.now();
    let acked = sent.len();
    ctx.db
        .run(move |conn| {
            storage::outbox::mark_sent(conn, &sent, now)?;
            storage::outbox::count_attempt(conn, &unsent)
        })
        .await?;
    ctx.metrics.events_published(acked as u64);
    let pending = ctx.db.run(storage::outbox::count_unsent).await?;
    ctx.metrics.events_pending(pending);
    match first_error {
        Some(error) => Err(PassError::Broker {
            failed: rows.len() - acked,
            error,
        }),
        None => Ok(rows.len()),
    }
}
