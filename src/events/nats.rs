//! The NATS JetStream publisher: each event goes to the subject
//! `tollgate.<type>` of the stream [`STREAM`] (made at the first
//! connection if it does not exist: subjects `tollgate.>`, file storage,
//! a [`DUPLICATE_WINDOW`] within which JetStream drops a second event with
//! the same `Nats-Msg-Id`, which is the event's id), and counts as
//! published once JetStream acknowledged it.

use super::{CloudEvent, PublishError, Publisher};
use async_nats::jetstream::{self, message::PublishMessage, stream};
use std::time::Duration;
use tokio::sync::Mutex;

/// The stream events are published to.
pub const STREAM: &str = "TOLLGATE";
/// The subjects of the stream.
pub const SUBJECTS: &str = "tollgate.>";
/// How long JetStream remembers an event id to drop a retry of it.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long an acknowledgement may take.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Publishes to the NATS server at a URL, connecting at the first event
/// and again after a failure.
pub struct JetStream {
    url: String,
    context: Mutex<Option<jetstream::Context>>,
}

impl JetStream {
    /// A publisher to the NATS server at `url` (`nats://HOST:PORT`); it
    /// connects when it first publishes.
    pub fn new(url: impl Into<String>) -> JetStream {
        JetStream {
            url: url.into(),
            context: Mutex::new(None),
        }
    }

    async fn context(&self) -> Result<jetstream::Context, PublishError> {
        let mut held = self.context.lock().await;
        if let Some(context) = held.as_ref() {
            return Ok(context.clone());
        }
        let context = connect(&self.url).await?;
        *held = Some(context.clone());
        Ok(context)
    }

    /// Forgets the connection after a failure: the next event connects
    /// afresh (and finds out whether the server is back).
    async fn reset(&self) {
        self.context.lock().await.take();
    }
}

/// Connects to `url` and makes sure the stream exists.
pub async fn connect(url: &str) -> Result<jetstream::Context, PublishError> {
    let unavailable = |e: &dyn std::fmt::Display| PublishError::Unavailable(e.to_string());
    let client = async_nats::ConnectOptions::new()
        .name("tollgate")
        .connection_timeout(CONNECT_TIMEOUT)
        // The relay reconnects by itself, with its backoff, and logs an
        // outage once; the client's own reconnection, tried for ever, would
        // log every attempt. It gives up after a few, and the relay's next
        // publish finds it closed.
        .max_reconnects(3)
        .connect(url)
        .await
        .map_err(|e| unavailable(&e))?;
    let mut context = jetstream::new(client);
    context.set_timeout(ACK_TIMEOUT);
    context
        .get_or_create_stream(stream::Config {
            name: STREAM.into(),
            subjects: vec![SUBJECTS.into()],
            storage: stream::StorageType::File,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        })
        .await
        .map_err(|e| unavailable(&e))?;
    Ok(context)
}

/// The NATS subject of `event`: `tollgate.` and its type.
pub fn subject_of(event: &CloudEvent) -> String {
    format!("tollgate.{}", event.short_type())
}

impl Publisher for JetStream {
    async fn publish(&self, event: &CloudEvent) -> Result<(), PublishError> {
        let context = self.context().await?;
        let payload = serde_json::to_vec(event).map_err(|e| PublishError::Refused(e.to_string()))?;
        let message = PublishMessage::build()
            .payload(payload.into())
            .message_id(&event.id);
        let acked = match context.send_publish(subject_of(event), message).await {
            Ok(ack) => ack.await.map(|_| ()).map_err(|e| (e.kind(), e.to_string())),
            Err(e) => Err((e.kind(), e.to_string())),
        };
        match acked {
            Ok(()) => Ok(()),
            Err((jetstream::context::PublishErrorKind::MaxPayloadExceeded, e)) => {
                Err(PublishError::Refused(e))
            }
            Err((_, e)) => {
                self.reset().await;
                Err(PublishError::Unavailable(e))
            }
        }
    }
}
