//! An authorization service behind Tollgate (README, "For the services
//! behind Tollgate"): it follows sign-ins through the event stream and
//! enriches each new session in the shared session store.
//!
//! It reads `tollgate.session.created` from the JetStream stream `TOLLGATE`
//! with a durable pull consumer (`authz-service`: a restart resumes where it
//! stopped), decides the user's plan (here a toy rule on the username:
//! `pro` for names ending in `-pro`, else `free`) and writes it as the one
//! field `attrs:plan` of the session's hash `tollgate:session:{sid}`. It
//! never touches Tollgate's own fields. The field is written with `HSET`
//! and the hash given the session's expiry if it has none yet, so a hash
//! this service creates before Tollgate projects the session does not
//! outlive the session. An event is acknowledged only once Redis has the
//! field; delivery is at least once, and writing the field twice is
//! harmless.
//!
//! ```text
//! cargo run --example authz_service -- nats://127.0.0.1:4222 redis://127.0.0.1:6379/0
//! ```

use async_nats::jetstream::{self, consumer::pull, AckKind};
use futures_util::StreamExt;
use std::future::Future;
use std::time::Duration;

/// The durable consumer's name.
pub const CONSUMER: &str = "authz-service";

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The plan of `username`: the toy rule of this example.
pub fn plan_for(username: &str) -> &'static str {
    if username.ends_with("-pro") {
        "pro"
    } else {
        "free"
    }
}

/// Follows sign-ins from the NATS server at `nats_url` and writes plans to
/// the Redis at `redis_url` until `stop` completes.
pub async fn run(nats_url: &str, redis_url: &str, stop: impl Future<Output = ()>) -> Result<(), Error> {
    let redis = redis::Client::open(redis_url)?;
    let mut store = redis::aio::ConnectionManager::new(redis).await?;
    let js = jetstream::new(async_nats::connect(nats_url).await?);
    // The stream as Tollgate makes it, if Tollgate has not made it yet.
    let stream = js
        .get_or_create_stream(jetstream::stream::Config {
            name: "TOLLGATE".into(),
            subjects: vec!["tollgate.>".into()],
            storage: jetstream::stream::StorageType::File,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await?;
    let consumer = stream
        .get_or_create_consumer(
            CONSUMER,
            pull::Config {
                durable_name: Some(CONSUMER.into()),
                filter_subject: "tollgate.session.created".into(),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                ..Default::default()
            },
        )
        .await?;
    let mut messages = consumer.messages().await?;
    tokio::pin!(stop);
    loop {
        let message = tokio::select! {
            _ = &mut stop => return Ok(()),
            next = messages.next() => match next {
                Some(message) => message?,
                None => return Ok(()),
            },
        };
        match enrich(&mut store, &message.payload).await {
            Ok(()) => message.ack().await?,
            Err(error) => {
                eprintln!("authz-service: cannot write the plan, will retry: {error}");
                message
                    .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                    .await?;
            }
        }
    }
}

/// Writes the plan of one `session.created` event.
async fn enrich(store: &mut redis::aio::ConnectionManager, payload: &[u8]) -> Result<(), Error> {
    let event: serde_json::Value = serde_json::from_slice(payload)?;
    let data = &event["data"];
    let (Some(sid), Some(username)) = (data["sid"].as_str(), data["username"].as_str()) else {
        return Ok(()); // Not one this service understands: nothing to do.
    };
    let key = format!("tollgate:session:{sid}");
    let expires_at = data["expires_at"].as_i64().unwrap_or(0);
    redis::pipe()
        .atomic()
        .hset(&key, "attrs:plan", plan_for(username))
        .ignore()
        .cmd("EXPIREAT")
        .arg(&key)
        .arg(expires_at)
        .arg("NX")
        .ignore()
        .query_async::<()>(store)
        .await?;
    Ok(())
}

// Used when built as the example; unused where a test includes this file.
#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let nats_url = args.next().unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let redis_url = args.next().unwrap_or_else(|| "redis://127.0.0.1:6379/0".into());
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    run(&nats_url, &redis_url, stop).await
}
