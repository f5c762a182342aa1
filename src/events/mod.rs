//! Publishing the security events the outbox holds (README, "Events").
//!
//! Every event is written to the `event_outbox` table in the transaction of
//! the change it reports (`oauth::events`, `oauth::audit`). The relay
//! ([`relay`]), a background task of every server whose `events_url` is
//! set, reads the unsent rows in the order they were written, publishes
//! each as a [`CloudEvent`] through a [`Publisher`] (NATS JetStream:
//! [`nats`]) and marks it sent only once the broker acknowledged it. So a
//! broker outage or a crash delays events and loses none; an event may be
//! published twice (at least once), always with the same `id`.

pub mod nats;
pub mod relay;

use crate::storage::outbox::OutboxRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;

/// The prefix of every event's CloudEvents `type`.
pub const TYPE_PREFIX: &str = "dev.tollgate.";

/// An event as published: CloudEvents 1.0, JSON format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    /// Always `1.0`.
    pub specversion: String,
    /// The outbox row's id: unique, the same at every publishing attempt.
    pub id: String,
    /// The issuer of the Tollgate that wrote it.
    pub source: String,
    /// `dev.tollgate.` and the event's type, e.g. `dev.tollgate.session.created`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the change happened (RFC 3339, UTC, whole seconds).
    pub time: String,
    /// The user's or client's id it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Always `application/json`.
    pub datacontenttype: String,
    /// What happened: a JSON object of ids, names, reasons and flags.
    pub data: Value,
}

impl CloudEvent {
    /// The event of an outbox row, published by the Tollgate at `source`.
    pub fn from_row(row: &OutboxRow, source: &str) -> CloudEvent {
        CloudEvent {
            specversion: "1.0".into(),
            id: row.id.clone(),
            source: source.to_string(),
            kind: format!("{TYPE_PREFIX}{}", row.event_type),
            time: rfc3339(row.created_at),
            subject: row.subject.clone(),
            datacontenttype: "application/json".into(),
            data: serde_json::from_str(&row.data).unwrap_or(Value::String(row.data.clone())),
        }
    }

    /// The type without its prefix, e.g. `session.created`.
    pub fn short_type(&self) -> &str {
        self.kind.strip_prefix(TYPE_PREFIX).unwrap_or(&self.kind)
    }
}

/// Why an event was not published; the relay tries it again later.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The broker could not be reached, or did not acknowledge in time.
    #[error("broker unavailable: {0}")]
    Unavailable(String),
    /// The broker refused the event.
    #[error("broker refused the event: {0}")]
    Refused(String),
}

/// Something events can be published to (NATS JetStream today; a Kafka
/// publisher would be another implementation).
pub trait Publisher: Send + Sync + 'static {
    /// Publishes `event` and returns once the broker acknowledged it (and
    /// stored it). Publishing an event again with the same `id` must be
    /// harmless (at-least-once).
    fn publish(&self, event: &CloudEvent) -> impl Future<Output = Result<(), PublishError>> + Send;
}

pub use crate::domain::rfc3339;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_584_875), "2026-12-06T19:21:15Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn an_outbox_row_becomes_a_cloud_event() {
        let row = OutboxRow {
            seq: 7,
            id: "ev1".into(),
            event_type: "session.ended".into(),
            subject: Some("user_1".into()),
            data: r#"{"sid":"s1","reason":"logout"}"#.into(),
            created_at: 0,
            attempts: 2,
            sent_at: None,
        };
        let event = serde_json::to_value(CloudEvent::from_row(&row, "https://id.example")).unwrap();
        assert_eq!(
            event,
            serde_json::json!({
                "specversion": "1.0",
                "id": "ev1",
                "source": "https://id.example",
                "type": "dev.tollgate.session.ended",
                "time": "1970-01-01T00:00:00Z",
                "subject": "user_1",
                "datacontenttype": "application/json",
                "data": {"sid": "s1", "reason": "logout"},
            })
        );
    }
}
