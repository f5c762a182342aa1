//! What the event tests share: a private NATS server with JetStream per
//! test (started, killed and started again on the same port and store),
//! and a reader of what the stream `TOLLGATE` holds.

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether the services (NATS, Redis) must be there: tests fail without them.
pub fn services_required() -> bool {
    std::env::var("TOLLGATE_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

fn nats_binary() -> Option<String> {
    [
        "nats-server",
        "/usr/sbin/nats-server",
        "/usr/local/bin/nats-server",
    ]
    .into_iter()
    .find(|bin| {
        Command::new(bin)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    })
    .map(str::to_string)
}

/// A nats-server of the test's own, with JetStream storing under a
/// temporary directory; killed when dropped.
pub struct Nats {
    binary: String,
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Nats {
    /// Starts one, or `None` (with a note) when nats-server is not
    /// installed and the services are not required.
    pub async fn start() -> Option<Nats> {
        let Some(binary) = nats_binary() else {
            assert!(
                !services_required(),
                "nats-server is required (TOLLGATE_REQUIRE_SERVICES=1) but not installed"
            );
            eprintln!("note: nats-server is not installed; skipping this test");
            return None;
        };
        let port = crate::logout_support::reserved_port();
        let mut nats = Nats {
            binary,
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        nats.resume().await;
        Some(nats)
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL): the broker is down.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and store, and waits until it
    /// accepts connections.
    pub async fn resume(&mut self) {
        let child = Command::new(&self.binary)
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "nats-server did not start listening");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every message the stream `TOLLGATE` holds, in order: (NATS subject,
    /// `Nats-Msg-Id` header, the raw JSON, the JSON parsed). Empty if the
    /// stream does not exist yet.
    pub async fn messages(&self) -> Vec<Message> {
        let Ok(client) = async_nats::connect(self.url()).await else {
            return vec![];
        };
        let js = async_nats::jetstream::new(client);
        let Ok(mut stream) = js.get_stream("TOLLGATE").await else {
            return vec![];
        };
        let (first, last) = match stream.info().await {
            Ok(info) => (info.state.first_sequence, info.state.last_sequence),
            Err(_) => return vec![],
        };
        let mut out = Vec::new();
        for seq in first.max(1)..=last {
            if let Ok(m) = stream.get_raw_message(seq).await {
                let raw = String::from_utf8(m.payload.to_vec()).unwrap();
                out.push(Message {
                    subject: m.subject.to_string(),
                    msg_id: m
                        .headers
                        .get("Nats-Msg-Id")
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    json: serde_json::from_str(&raw).expect("an event is JSON"),
                    raw,
                });
            }
        }
        out
    }

    /// Waits (up to `wait`) until the stream holds messages that satisfy
    /// `done`, and returns them all; panics with what it holds after that.
    pub async fn wait_for(&self, wait: Duration, done: impl Fn(&[Message]) -> bool) -> Vec<Message> {
        let deadline = Instant::now() + wait;
        loop {
            let messages = self.messages().await;
            if done(&messages) {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "the events did not arrive in time; the stream holds: {:#?}",
                messages.iter().map(|m| &m.json).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A message of the stream.
#[derive(Debug, Clone)]
pub struct Message {
    pub subject: String,
    pub msg_id: String,
    pub raw: String,
    pub json: Value,
}

impl Message {
    /// The event's type without `dev.tollgate.`.
    pub fn kind(&self) -> &str {
        self.json["type"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("dev.tollgate.")
    }
}

/// Whether `messages` hold an event of `kind`.
pub fn has(messages: &[Message], kind: &str) -> bool {
    messages.iter().any(|m| m.kind() == kind)
}

/// The events of `kind` in `messages`.
pub fn of_kind<'a>(messages: &'a [Message], kind: &str) -> Vec<&'a Message> {
    messages.iter().filter(|m| m.kind() == kind).collect()
}

/// How many events the outbox holds that were not published yet.
pub fn unsent(app: &crate::helpers::TestApp) -> i64 {
    app.database()
        .run_sync(tollgate::storage::outbox::count_unsent)
        .unwrap()
}

/// How many rows the outbox holds.
pub fn outbox_rows(app: &crate::helpers::TestApp) -> i64 {
    use diesel::prelude::*;
    use tollgate::storage::schema::event_outbox::dsl as o;
    app.database()
        .run_sync(|conn| o::event_outbox.count().get_result(conn))
        .unwrap()
}
