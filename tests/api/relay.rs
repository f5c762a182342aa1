//! A TCP relay between the server and PostgreSQL that a test controls, to
//! play the database's faults on loopback: cut (connections closed, new
//! ones refused), freeze (connections accepted and read but never answered,
//! as a silent primary or a black hole does), and half-open (the open
//! connections silently stop forwarding while new ones reach the database,
//! as after a failover).

use crate::helpers::{TestDb, PG_URL_VAR};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the relay does with connections.
#[derive(Default)]
struct Faults {
    /// Connections numbered below this are frozen: read, never forwarded.
    frozen_below: AtomicU64,
    /// New connections are frozen from the start.
    freeze_new: AtomicBool,
    next_id: AtomicU64,
}

impl Faults {
    fn is_frozen(&self, id: u64) -> bool {
        id < self.frozen_below.load(Ordering::SeqCst)
    }
}

/// Forwards connections from a local port to `target` until cut.
pub struct Relay {
    pub port: u16,
    target: SocketAddr,
    faults: Arc<Faults>,
    task: Option<JoinHandle<()>>,
}

impl Relay {
    pub async fn start(target: SocketAddr) -> Relay {
        let mut relay = Relay {
            port: 0,
            target,
            faults: Arc::default(),
            task: None,
        };
        relay.resume().await;
        relay
    }

    /// Stops accepting (connections are refused) and closes every open
    /// connection.
    pub fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Open connections stop forwarding, and new ones are accepted and
    /// read but never forwarded: nothing ever answers.
    pub fn freeze(&self) {
        self.faults.freeze_new.store(true, Ordering::SeqCst);
        self.half_open();
    }

    /// Open connections silently stop forwarding (they stay open, their
    /// bytes are read and dropped); new ones reach the database.
    pub fn half_open(&self) {
        let next = self.faults.next_id.load(Ordering::SeqCst);
        self.faults.frozen_below.fetch_max(next, Ordering::SeqCst);
    }

    /// New connections reach the database again; frozen ones stay frozen.
    pub fn pass(&self) {
        self.faults.freeze_new.store(false, Ordering::SeqCst);
    }

    /// Listens again on the same port.
    pub async fn resume(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.port = listener.local_addr().unwrap().port();
        let target = self.target;
        let faults = self.faults.clone();
        self.task = Some(tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            // Dropping the JoinSet when this task is aborted aborts every
            // connection it holds.
            while let Ok((inbound, _)) = listener.accept().await {
                let id = faults.next_id.fetch_add(1, Ordering::SeqCst);
                if faults.freeze_new.load(Ordering::SeqCst) {
                    faults.frozen_below.fetch_max(id + 1, Ordering::SeqCst);
                }
                let faults = faults.clone();
                connections.spawn(async move {
                    if faults.is_frozen(id) {
                        swallow(inbound).await;
                    } else if let Ok(outbound) = TcpStream::connect(target).await {
                        forward(id, faults, inbound, outbound).await;
                    }
                });
            }
        }));
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
    }
}

/// Reads and drops everything, answering nothing, until the peer closes.
async fn swallow(mut stream: TcpStream) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

/// Copies both ways until either side closes; once connection `id` is
/// frozen, bytes are read and dropped instead.
async fn forward(id: u64, faults: Arc<Faults>, inbound: TcpStream, outbound: TcpStream) {
    let (mut in_read, mut in_write) = inbound.into_split();
    let (mut out_read, mut out_write) = outbound.into_split();
    let up = {
        let faults = faults.clone();
        async move {
            let mut buf = [0u8; 8192];
            loop {
                match in_read.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) if !faults.is_frozen(id) => {
                        if out_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                }
            }
        }
    };
    let down = async move {
        let mut buf = [0u8; 8192];
        loop {
            match out_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) if !faults.is_frozen(id) => {
                    if in_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
            }
        }
    };
    // A frozen connection must stay open when the database side closes:
    // wait for the client side (`up`) to end.
    let (_, _) = tokio::join!(up, down);
}

/// A PostgreSQL test database and a relay in front of it, with the URL that
/// goes through the relay; `None` (the test skips) unless the suite runs on
/// PostgreSQL.
pub async fn relayed_postgres() -> Option<(TestDb, Relay, String)> {
    let Ok(admin_url) = std::env::var(PG_URL_VAR) else {
        eprintln!("skipped: set {PG_URL_VAR} to a PostgreSQL URL to run this test");
        return None;
    };
    let db = TestDb::postgres(&admin_url);
    let mut relayed = url::Url::parse(&db.url).unwrap();
    let target: SocketAddr = format!(
        "{}:{}",
        relayed.host_str().unwrap(),
        relayed.port().unwrap_or(5432)
    )
    .parse()
    .expect("the test PostgreSQL URL names an IP address");
    let relay = Relay::start(target).await;
    relayed.set_port(Some(relay.port)).unwrap();
    Some((db, relay, relayed.to_string()))
}
