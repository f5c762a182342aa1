//! Telling the other instances that something changed (PostgreSQL
//! `LISTEN/NOTIFY`): a client ([`CLIENTS_CHANNEL`]), so their caches drop it
//! within a fraction of a second instead of serving it until their copy
//! expires; or something that kills access tokens ([`REVOCATIONS_CHANNEL`]),
//! so their revocation views read it at once instead of at their next poll.
//!
//! A write sends [`client_changed`] or [`revoked`] inside its own transaction: PostgreSQL
//! delivers a notification only when the transaction commits, so a rolled
//! back write tells nobody. Every instance follows the channel on one
//! dedicated connection ([`follow_client_changes`]), outside the request
//! pool, on a thread of its own.
//!
//! A notification sent while that connection is down is lost. So every
//! (re)connection, once `LISTEN` is in place, is followed by a
//! [`ClientChangeSink::resync`] (the cache forgets everything it holds);
//! between the loss and the reconnection, the cache's lifetime is the bound.
//!
//! SQLite means one instance: nothing is sent and nobody listens.

use super::{connection::redact, Backend, DbConnection};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::{Connection, QueryResult, RunQueryDsl};
use std::sync::Weak;
use std::time::{Duration, Instant};

/// The channel client changes are announced on; the payload is the client id.
pub const CLIENTS_CHANNEL: &str = "tollgate_clients";

/// The channel revocations are announced on; the payload names what died
/// (`jti:…`, `sid:…`, `user:…`), for the log: listeners read the revocation
/// log itself.
pub const REVOCATIONS_CHANNEL: &str = "tollgate_revocations";

/// The `application_name` of the listening connection, so an operator (or a
/// test) can find it in `pg_stat_activity`.
pub const LISTENER_APPLICATION_NAME: &str = "tollgate-listener";

/// How often the listener looks for notifications that have arrived. libpq
/// receives them into its buffer on its own; diesel offers no way to wait on
/// the socket, so the thread looks this often (a non-blocking read each time).
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// Waits between reconnection attempts: doubling from the first to the last.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Announces, within the caller's transaction, that the client `id` changed
/// (updated, suspended, rotated, deleted). Does nothing on SQLite.
pub fn client_changed(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(CLIENTS_CHANNEL)
            .bind::<Text, _>(id)
            .execute(pg)?;
    }
    Ok(())
}

/// Announces, within the caller's transaction, that something which kills
/// access tokens was written (`what`: `jti:…`, `sid:…`, `user:…`). Does
/// nothing on SQLite.
pub fn revoked(conn: &mut DbConnection, what: &str) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(REVOCATIONS_CHANNEL)
            .bind::<Text, _>(what)
            .execute(pg)?;
    }
    Ok(())
}

/// What the listener reports to.
pub trait ClientChangeSink: Send + Sync {
    /// The client `id` changed somewhere.
    fn changed(&self, id: &str);
    /// Changes may have been missed (the listener has just (re)connected):
    /// anything held may be stale.
    fn resync(&self);
}

/// A channel and who hears what arrives on it.
pub type Subscription = (&'static str, Weak<dyn ClientChangeSink>);

/// On PostgreSQL, starts the thread that follows [`CLIENTS_CHANNEL`] on its
/// own connection to `url` and reports to `sink` (and every channel of
/// `also` to its own sink: one listening connection per instance),
/// reconnecting with backoff whenever the connection is lost. The thread
/// ends once every sink has been dropped. On SQLite, does nothing.
pub fn follow_client_changes(
    url: &str,
    sink: Weak<dyn ClientChangeSink>,
    also: Vec<Subscription>,
) -> std::io::Result<()> {
    if Backend::of_url(url) != Backend::Postgres {
        return Ok(());
    }
    let url = listener_url(url);
    let mut subscriptions = vec![(CLIENTS_CHANNEL, sink)];
    subscriptions.extend(also);
    std::thread::Builder::new()
        .name("tollgate-listener".into())
        .spawn(move || run(&url, &subscriptions))
        .map(|_| ())
}

/// `url` with the listener's name and TCP keepalive. A closed connection
/// shows at the next poll; one the network dropped without a word (a
/// failover, a cut link) only through keepalive, after about 25 s. No query
/// is sent to check it: a query unanswered on a dead link would wait for
/// TCP's retransmission timeout (minutes), which keepalive does not shorten.
fn listener_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_string();
    };
    const OURS: [(&str, &str); 6] = [
        ("application_name", LISTENER_APPLICATION_NAME),
        ("connect_timeout", "5"),
        ("keepalives", "1"),
        ("keepalives_idle", "10"),
        ("keepalives_interval", "5"),
        ("keepalives_count", "3"),
    ];
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| !OURS.iter().any(|(o, _)| o == k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .extend_pairs(OURS);
    parsed.to_string()
}

/// Why following stopped.
enum Stop {
    /// Every sink is gone: the server stopped.
    SinkGone,
    /// The connection failed.
    Lost(diesel::result::Error),
}

fn wanted(subscriptions: &[Subscription]) -> bool {
    subscriptions.iter().any(|(_, sink)| sink.strong_count() > 0)
}

fn run(url: &str, subscriptions: &[Subscription]) {
    let mut backoff = BACKOFF_FIRST;
    // Whether a loss has been logged and its recovery not yet: each is
    // logged once, not at every attempt.
    let mut down = false;
    while wanted(subscriptions) {
        match listen(url, subscriptions) {
            Ok(mut conn) => {
                // After LISTEN: whatever changed before is read afresh, and
                // whatever changes from now on is announced.
                for (_, sink) in subscriptions {
                    if let Some(s) = sink.upgrade() {
                        s.resync();
                    }
                }
                if down {
                    tracing::info!("change notifications are back; the caches they feed were resynchronised");
                } else {
                    tracing::debug!("following changes");
                }
                backoff = BACKOFF_FIRST;
                // Only a loss ends following, and it sets `down` again.
                match follow(&mut conn, subscriptions) {
                    Stop::SinkGone => return,
                    Stop::Lost(e) => {
                        tracing::warn!(
                            error = %e,
                            "lost the connection for change notifications; changes made elsewhere \
                             show when cached clients expire or the revocation view polls until it is back"
                        );
                        down = true;
                    }
                }
            }
            Err(e) if !down => {
                tracing::warn!(
                    url = %redact(url),
                    error = %e,
                    "cannot listen for change notifications; retrying"
                );
                down = true;
            }
            Err(_) => {}
        }
        sleep_while_wanted(backoff, subscriptions);
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

fn listen(url: &str, subscriptions: &[Subscription]) -> Result<PgConnection, String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    for (channel, _) in subscriptions {
        conn.batch_execute(&format!("LISTEN {channel}"))
            .map_err(|e| e.to_string())?;
    }
    Ok(conn)
}

fn follow(conn: &mut PgConnection, subscriptions: &[Subscription]) -> Stop {
    loop {
        // Drains what has arrived; an error means the connection is gone.
        let mut arrived = Vec::new();
        for notification in conn.notifications_iter() {
            match notification {
                Ok(n) => arrived.push((n.channel, n.payload)),
                Err(e) => return Stop::Lost(e),
            }
        }
        if !wanted(subscriptions) {
            return Stop::SinkGone;
        }
        for (channel, payload) in &arrived {
            for (_, sink) in subscriptions.iter().filter(|(c, _)| c == channel) {
                if let Some(s) = sink.upgrade() {
                    s.changed(payload);
                }
            }
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// Sleeps for `total`, ending early if every sink is dropped.
fn sleep_while_wanted(total: Duration, subscriptions: &[Subscription]) {
    let until = Instant::now() + total;
    while wanted(subscriptions) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(POLL_INTERVAL * 4));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listener_url_names_the_listener_and_keeps_the_rest() {
        let url = listener_url("postgres://u:p@db:5432/tg?sslmode=require&application_name=x");
        let parsed = url::Url::parse(&url).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("sslmode".into(), "require".into())));
        assert!(pairs.contains(&("application_name".into(), LISTENER_APPLICATION_NAME.into())));
        assert!(pairs.contains(&("keepalives".into(), "1".into())));
        assert_eq!(pairs.iter().filter(|(k, _)| k == "application_name").count(), 1);
        assert_eq!(parsed.password(), Some("p"));
    }
}
