//! Freeing a PostgreSQL connection that waits on a database which stopped
//! answering.
//!
//! libpq blocks in `poll()` on its socket until the server answers. When
//! the server (or whatever is between) keeps the TCP connection open but
//! never answers — a frozen primary, a failover that left old connections
//! half-open, a proxy that accepts and forwards nothing — no timeout fires:
//! the kernel still acknowledges what libpq sends, so keep-alives and
//! `tcp_user_timeout` see a healthy peer, and `statement_timeout` is
//! enforced by the very server that went silent. The call never returns and
//! its pool slot is lost for good (measured: `/readyz` and introspection
//! answered 503 for 151 s, until the process was stopped).
//!
//! Choices considered:
//! - *Abandon the stuck call* (answer at the deadline, leave the thread):
//!   the slot and the thread stay taken forever; a few outages empty the
//!   pool.
//! - *Cancel or terminate from another connection* (`PQcancel`,
//!   `pg_terminate_backend`): the request travels the same path that went
//!   silent, and on a half-open connection the server's close never reaches
//!   us.
//! - *Signals*: libpq retries `poll()` on `EINTR`.
//! - *Shut the socket down* (this module): `shutdown(fd, SHUT_RDWR)` makes
//!   the blocked `poll()` return at once and libpq report a closed
//!   connection; diesel returns an error, and the pool discards the
//!   connection as broken. It only needs the socket's descriptor, which
//!   diesel does not expose.
//!
//! The descriptor is learned when the connection is opened: the sockets
//! open before and after `PQconnectdb` are compared, and the connection's
//! socket is the one new socket connected to the database's port (or to a
//! PostgreSQL Unix socket). Ours is always among them, so if there is
//! exactly one it is ours; if there are more (something else in the process
//! connected to the same port at that instant), the connection gets no
//! watchdog rather than a wrong one, and its requests still answer at their
//! deadline. A pool's connections are opened one at a time ([`Gate`]) so
//! that they do not make each other ambiguous; one stuck on a silent
//! database holds the others back for a moment only. This needs
//! `/proc/self/fd`; elsewhere than Linux no connection is watched.
//!
//! A descriptor is shut down only while its owner is inside an armed call
//! ([`arm`] … [`Armed::finish`]), that is while the owner still holds the
//! connection, so the number cannot have been closed and reused.

use std::collections::BTreeMap;
use std::os::fd::RawFd;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The socket of one PostgreSQL connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Socket(RawFd);

/// The sockets open in this process: (descriptor, inode).
#[cfg(target_os = "linux")]
fn open_sockets() -> Vec<(RawFd, u64)> {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let fd: RawFd = entry.file_name().to_str()?.parse().ok()?;
            let target = std::fs::read_link(entry.path()).ok()?;
            let inode = target
                .to_str()?
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse()
                .ok()?;
            Some((fd, inode))
        })
        .collect()
}

/// Where a connected socket leads: a TCP port or a Unix socket path.
#[cfg(target_os = "linux")]
enum Peer {
    Tcp(u16),
    Unix(String),
}

/// The peer of `fd` if it is still the socket `inode` and connected.
#[cfg(target_os = "linux")]
fn peer_of(fd: RawFd, inode: u64) -> Option<Peer> {
    // SAFETY: fstat and getpeername only read the descriptor and write into
    // the buffers given; a descriptor closed meanwhile makes them fail, and
    // one reused meanwhile is caught by the inode comparison.
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut stat) != 0 || stat.st_ino != inode {
            return None;
        }
        let mut addr: libc::sockaddr_storage = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        if libc::getpeername(fd, &mut addr as *mut _ as *mut libc::sockaddr, &mut len) != 0 {
            return None;
        }
        match addr.ss_family as libc::c_int {
            libc::AF_INET => {
                let v4 = &*(&addr as *const _ as *const libc::sockaddr_in);
                Some(Peer::Tcp(u16::from_be(v4.sin_port)))
            }
            libc::AF_INET6 => {
                let v6 = &*(&addr as *const _ as *const libc::sockaddr_in6);
                Some(Peer::Tcp(u16::from_be(v6.sin6_port)))
            }
            libc::AF_UNIX => {
                let un = &*(&addr as *const _ as *const libc::sockaddr_un);
                let path: Vec<u8> = un
                    .sun_path
                    .iter()
                    .take_while(|&&c| c != 0)
                    .map(|&c| c as u8)
                    .collect();
                Some(Peer::Unix(String::from_utf8_lossy(&path).into_owned()))
            }
            _ => None,
        }
    }
}

/// Lets a pool's connections be opened one at a time, so that the socket
/// that appears during one is that connection's; a connection that waited
/// a moment goes ahead anyway (a stuck one must not hold up the next).
#[derive(Default)]
pub(super) struct Gate {
    busy: Mutex<bool>,
    freed: Condvar,
}

/// Passage through the [`Gate`], or none after waiting.
struct Passage<'a>(Option<&'a Gate>);

impl Gate {
    fn enter(&self, patience: Duration) -> Passage<'_> {
        let busy = self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (mut busy, waited) = self
            .freed
            .wait_timeout_while(busy, patience, |busy| *busy)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if waited.timed_out() {
            return Passage(None);
        }
        *busy = true;
        Passage(Some(self))
    }
}

impl Drop for Passage<'_> {
    fn drop(&mut self) {
        if let Some(gate) = self.0 {
            *gate.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = false;
            gate.freed.notify_one();
        }
    }
}

/// How long a connection waits for the one before it to be opened.
const GATE_PATIENCE: Duration = Duration::from_millis(200);

/// Opens a connection with `connect` and learns its socket: the one new
/// socket connected to one of `ports` (TCP) or to a PostgreSQL Unix socket.
pub(super) fn connect_learning_socket<C, E>(
    gate: &Gate,
    ports: &[u16],
    connect: impl FnOnce() -> Result<C, E>,
) -> Result<(C, Option<Socket>), E> {
    let _passage = gate.enter(GATE_PATIENCE);
    #[cfg(target_os = "linux")]
    {
        let before: std::collections::HashSet<u64> =
            open_sockets().into_iter().map(|(_, inode)| inode).collect();
        let conn = connect()?;
        let candidates: Vec<RawFd> = open_sockets()
            .into_iter()
            .filter(|(_, inode)| !before.contains(inode))
            .filter(|&(fd, inode)| match peer_of(fd, inode) {
                Some(Peer::Tcp(port)) => ports.contains(&port),
                Some(Peer::Unix(path)) => path.contains(".s.PGSQL."),
                None => false,
            })
            .map(|(fd, _)| fd)
            .collect();
        let socket = match candidates.as_slice() {
            [fd] => Some(Socket(*fd)),
            _ => {
                tracing::debug!(
                    candidates = candidates.len(),
                    "could not tell this database connection's socket; it is not watched"
                );
                None
            }
        };
        Ok((conn, socket))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = ports;
        connect().map(|conn| (conn, None))
    }
}

/// The calls being watched, by deadline.
struct Watchdog {
    armed: Mutex<Armings>,
    wake: Condvar,
}

#[derive(Default)]
struct Armings {
    next_id: u64,
    by_deadline: BTreeMap<(Instant, u64), RawFd>,
}

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        let dog: &'static Watchdog = Box::leak(Box::new(Watchdog {
            armed: Mutex::new(Armings::default()),
            wake: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("tollgate-db-watchdog".into())
            .spawn(move || dog.patrol())
            .expect("the database watchdog thread starts");
        dog
    })
}

impl Watchdog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Armings> {
        self.armed.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Shuts down the socket of every call past its deadline, forever.
    fn patrol(&self) {
        let mut armed = self.lock();
        loop {
            let now = Instant::now();
            while let Some((&(deadline, id), &fd)) = armed.by_deadline.iter().next() {
                if deadline > now {
                    break;
                }
                armed.by_deadline.remove(&(deadline, id));
                // SAFETY: the entry was armed and not yet finished, so its
                // owner still holds the connection and `fd` is its socket
                // (see the module comment); the lock keeps the owner from
                // finishing until this returns.
                unsafe {
                    libc::shutdown(fd, libc::SHUT_RDWR);
                }
                tracing::warn!("a database call passed its deadline; its connection was shut down");
            }
            armed = match armed.by_deadline.keys().next() {
                Some(&(deadline, _)) => {
                    let wait = deadline.saturating_duration_since(Instant::now());
                    self.wake
                        .wait_timeout(armed, wait)
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .0
                }
                None => self
                    .wake
                    .wait(armed)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            };
        }
    }
}

/// A call being watched; [`Armed::finish`] (or dropping it) ends the watch.
pub(super) struct Armed {
    key: (Instant, u64),
    done: bool,
}

/// Watches a call on `socket`: if it has not finished by `deadline`, its
/// socket is shut down and the call fails at once.
pub(super) fn arm(socket: Socket, deadline: Instant) -> Armed {
    let dog = watchdog();
    let mut armed = dog.lock();
    armed.next_id += 1;
    let key = (deadline, armed.next_id);
    let earliest = armed.by_deadline.keys().next().is_none_or(|first| key < *first);
    armed.by_deadline.insert(key, socket.0);
    drop(armed);
    if earliest {
        dog.wake.notify_one();
    }
    Armed { key, done: false }
}

impl Armed {
    /// Ends the watch; true if the deadline passed and the socket was shut down.
    pub(super) fn finish(mut self) -> bool {
        self.done = true;
        watchdog().lock().by_deadline.remove(&self.key).is_none()
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if !self.done {
            watchdog().lock().by_deadline.remove(&self.key);
        }
    }
}
