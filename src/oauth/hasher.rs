//! The password hashing pool: `password_hash_concurrency` dedicated threads,
//! each owning one argon2 memory buffer that it reuses for every hash, fed
//! by a bounded, fair queue.
//!
//! Why not `spawn_blocking` behind a semaphore (the first version): each
//! check allocated a fresh 19 MiB buffer on whichever of the blocking
//! pool's threads ran it, and glibc kept them — RSS went from 16 MiB to
//! 1.6 GB after one flood of 64 concurrent password grants. Here memory is
//! bounded by construction: N threads × one buffer each. A thread that has
//! been idle for [`IDLE_RELEASE`] gives its buffer back to the system.
//!
//! Why bounded and fair: an unbounded wait let 20 addresses posting valid
//! sign-ins delay an administrator's by 28 s. The queue holds at most
//! `password_queue_length` jobs, at most `password_hash_concurrency` of
//! them from one address (an IPv6 /64) — but always room for the first job
//! of an address with none waiting, up to `password_queue_length`
//! addresses — and serves first the waiting address served least in the
//! last 10 s, so a sign-in from an address that is not flooding waits for
//! about one hash. A
//! job that cannot be queued, or that waited longer than
//! `password_queue_wait`, is answered [`Busy`] at once.

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

/// How much lower than the request workers the hashing threads run
/// (Linux `nice`): under a sign-in flood that would keep every core busy
/// hashing, requests that need no password (tokens, introspection, pages)
/// still get most of the CPU — at equal priority client credentials kept a
/// third of their unloaded rate (`benches/signin.sh`). When nothing else
/// wants the CPU, hashing gets all of it, so a lone sign-in is as fast as
/// before. 5 weighs a hashing thread at a third of a worker's (the
/// kernel's weights: 335 against 1024).
pub const HASH_THREAD_NICE: i32 = 5;

/// How long a worker keeps its memory with nothing to do.
pub const IDLE_RELEASE: Duration = Duration::from_secs(5);

/// argon2id with OWASP's first recommended setting: m = 19 MiB, t = 2, p = 1.
pub fn default_params() -> Params {
    Params::new(19 * 1024, 2, 1, Some(32)).expect("constant argon2 parameters are valid")
}

/// The queue is full, or the job waited too long: try again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks are waiting")]
pub struct Busy;

enum Work {
    /// Check a password against a PHC string; `None` (an unknown user)
    /// does the same work against nothing, and fails.
    Verify(SecretString, Option<String>),
    /// Hash a new password into a PHC string.
    Hash(SecretString),
}

enum Done {
    Verified(bool),
    Hashed(Option<String>),
}

struct Job {
    work: Work,
    queued: Instant,
    deadline: Instant,
    reply: oneshot::Sender<Result<Done, Busy>>,
}

/// How long the jobs served per address are remembered for scheduling.
const SERVED_WINDOW: Duration = Duration::from_secs(10);

struct Queue {
    by_address: HashMap<String, VecDeque<Job>>,
    /// Addresses with waiting jobs, in the order they queued.
    turns: VecDeque<String>,
    /// Jobs served per address since `served_since`.
    served: HashMap<String, u32>,
    served_since: Instant,
    len: usize,
    closed: bool,
}

impl Queue {
    /// The next job: from the waiting address served least in the last
    /// few seconds (the first in line among equals). A flooding address
    /// is served often, so one that signs in now and then goes first.
    fn pop(&mut self) -> Option<Job> {
        if self.served_since.elapsed() > SERVED_WINDOW {
            self.served.clear();
            self.served_since = Instant::now();
        }
        let (index, _) = self
            .turns
            .iter()
            .enumerate()
            .min_by_key(|(i, a)| (self.served.get(*a).copied().unwrap_or(0), *i))?;
        let address = self.turns.remove(index)?;
        *self.served.entry(address.clone()).or_default() += 1;
        let jobs = self.by_address.get_mut(&address)?;
        let job = jobs.pop_front();
        if jobs.is_empty() {
            self.by_address.remove(&address);
        } else {
            self.turns.push_back(address);
        }
        self.len -= usize::from(job.is_some());
        job
    }
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    /// How long jobs waited for a thread (a metric).
    waited: prometheus::Histogram,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic while holding the lock leaves the queue consistent.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The pool. Dropping it stops its threads once they finish their job.
pub struct HashPool {
    shared: Arc<Shared>,
    max_len: usize,
    per_address: usize,
    max_wait: Duration,
}

impl HashPool {
    /// Starts `threads` workers; at most `max_len` jobs wait, each at most `max_wait`.
    pub fn new(threads: usize, max_len: usize, max_wait: Duration) -> HashPool {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                by_address: HashMap::new(),
                turns: VecDeque::new(),
                served: HashMap::new(),
                served_since: Instant::now(),
                len: 0,
                closed: false,
            }),
            ready: Condvar::new(),
            waited: crate::telemetry::metrics::password_hash_wait(),
        });
        for i in 0..threads.max(1) {
            let shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(&shared));
            if let Err(e) = spawned {
                // Fewer threads only means slower sign-ins; the first one
                // failing means none, and every check answers Busy.
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        HashPool {
            shared,
            max_len,
            per_address: threads.max(1),
            max_wait,
        }
    }

    /// Jobs waiting for a thread now.
    pub fn queued(&self) -> usize {
        self.shared.lock().len
    }

    /// How long jobs waited for a thread.
    pub fn waits(&self) -> &prometheus::Histogram {
        &self.shared.waited
    }

    /// Whether a job from `address` would be queued now (it may not be by
    /// the time it is submitted): lets a flood be turned away before it
    /// costs anything else.
    pub fn has_room(&self, address: &str) -> bool {
        let queue = self.shared.lock();
        self.room(&queue, address)
    }

    fn room(&self, queue: &Queue, address: &str) -> bool {
        let waiting = queue.by_address.get(address).map_or(0, VecDeque::len);
        // A full queue still takes the first job of an address that has
        // none waiting (up to `max_len` addresses): a flood from a few
        // addresses cannot keep everyone else out.
        if waiting == 0 {
            queue.turns.len() < self.max_len
        } else {
            waiting < self.per_address && queue.len < self.max_len
        }
    }

    async fn submit(&self, address: &str, work: Work) -> Result<Done, Busy> {
        let (reply, answer) = oneshot::channel();
        {
            let mut queue = self.shared.lock();
            if !self.room(&queue, address) {
                return Err(Busy);
            }
            let job = Job {
                work,
                queued: Instant::now(),
                deadline: Instant::now() + self.max_wait,
                reply,
            };
            if !queue.by_address.contains_key(address) {
                queue.turns.push_back(address.to_string());
            }
            queue
                .by_address
                .entry(address.to_string())
                .or_default()
                .push_back(job);
            queue.len += 1;
        }
        self.shared.ready.notify_one();
        // A worker always answers (a stopped pool drops the sender: Busy).
        answer.await.unwrap_or(Err(Busy))
    }

    /// Whether `password` matches the PHC string `stored`; with `None` (no
    /// such user) the same work is done and the answer is `false`.
    pub async fn verify(
        &self,
        address: &str,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, Busy> {
        match self.submit(address, Work::Verify(password, stored)).await? {
            Done::Verified(ok) => Ok(ok),
            Done::Hashed(_) => Ok(false),
        }
    }

    /// A PHC string for a new password (`None` if hashing failed, logged).
    pub async fn hash(&self, address: &str, password: SecretString) -> Result<Option<String>, Busy> {
        match self.submit(address, Work::Hash(password)).await? {
            Done::Hashed(phc) => Ok(phc),
            Done::Verified(_) => Ok(None),
        }
    }
}

impl Drop for HashPool {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_all();
    }
}

/// Lowers the calling thread's scheduling priority by
/// [`HASH_THREAD_NICE`] (Linux: `setpriority` on a thread id applies to
/// that thread alone). Lowering needs no privilege; a failure only means
/// equal priority, and is logged.
fn yield_to_requests() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions; setpriority reads only its
        // integer arguments.
        let done = unsafe {
            let tid = libc::gettid();
            let current = libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t);
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, current + HASH_THREAD_NICE)
        };
        if done != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "cannot lower the priority of a password hashing thread");
        }
    }
}

fn worker(shared: &Shared) {
    yield_to_requests();
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = {
            let mut queue = shared.lock();
            loop {
                if queue.closed {
                    return;
                }
                if let Some(job) = queue.pop() {
                    break job;
                }
                let (q, waited) = shared
                    .ready
                    .wait_timeout(queue, IDLE_RELEASE)
                    .unwrap_or_else(|e| e.into_inner());
                queue = q;
                if waited.timed_out() && queue.len == 0 && !memory.is_empty() {
                    memory = Vec::new();
                }
            }
        };
        shared.waited.observe(job.queued.elapsed().as_secs_f64());
        if job.reply.is_closed() {
            continue; // the request went away
        }
        if Instant::now() > job.deadline {
            let _ = job.reply.send(Err(Busy));
            continue;
        }
        let done = match job.work {
            Work::Verify(password, stored) => {
                Done::Verified(verify(&mut memory, &password, stored.as_deref()))
            }
            Work::Hash(password) => Done::Hashed(hash(&mut memory, &password)),
        };
        let _ = job.reply.send(Ok(done));
    }
}

/// `memory`, grown to at least `params`' blocks (it is never shrunk while in use).
fn blocks<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    let n = params.block_count();
    if memory.len() < n {
        *memory = vec![Block::default(); n];
    }
    &mut memory[..n]
}

/// Hashes a new password with [`default_params`] and a random salt, in `memory`.
pub fn hash(memory: &mut Vec<Block>, password: &SecretString) -> Option<String> {
    let mut salt = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut salt);
    let params = default_params();
    let mut out = [0u8; 32];
    let result = (|| {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(
                password.expose_secret().as_bytes(),
                &salt,
                &mut out,
                blocks(memory, &params),
            )
            .map_err(argon2::password_hash::Error::from)?;
        let salt = SaltString::encode_b64(&salt)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: (&params).try_into()?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out)?),
        };
        Ok::<_, argon2::password_hash::Error>(phc.to_string())
    })();
    match result {
        Ok(phc) => Some(phc),
        Err(e) => {
            tracing::error!(error = %e, "cannot hash a password");
            None
        }
    }
}

/// Checks `password` against the PHC string `stored`, recomputing the hash
/// in `memory` and comparing in constant time. `None`, or a string that
/// does not parse, costs the same work as a real check and fails.
pub fn verify(memory: &mut Vec<Block>, password: &SecretString, stored: Option<&str>) -> bool {
    let parsed = stored.and_then(|s| {
        parse(s)
            .map_err(|e| tracing::warn!(error = %e, "a stored password hash does not parse"))
            .ok()
    });
    let (argon, params, salt, expected, real) = match parsed {
        Some(p) => (p.0, p.1, p.2, p.3, true),
        None => {
            let params = default_params();
            let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
            (argon, params, vec![0u8; 16], vec![0u8; 32], false)
        }
    };
    let mut out = vec![0u8; expected.len()];
    let computed = argon.hash_password_into_with_memory(
        password.expose_secret().as_bytes(),
        &salt,
        &mut out,
        blocks(memory, &params),
    );
    computed.is_ok() && bool::from(out.ct_eq(&expected)) && real
}

type Parsed = (Argon2<'static>, Params, Vec<u8>, Vec<u8>);

fn parse(stored: &str) -> Result<Parsed, argon2::password_hash::Error> {
    let hash = PasswordHash::new(stored)?;
    let algorithm = Algorithm::try_from(hash.algorithm)?;
    let version =
        Version::try_from(hash.version.unwrap_or(0x13)).map_err(argon2::password_hash::Error::from)?;
    let params = Params::try_from(&hash)?;
    let mut salt = [0u8; 64];
    let salt = hash
        .salt
        .ok_or(argon2::password_hash::Error::SaltInvalid(
            argon2::password_hash::errors::InvalidValue::Malformed,
        ))?
        .decode_b64(&mut salt)?
        .to_vec();
    let expected = hash
        .hash
        .ok_or(argon2::password_hash::Error::OutputSize {
            provided: std::cmp::Ordering::Less,
            expected: 32,
        })?
        .as_bytes()
        .to_vec();
    Ok((
        Argon2::new(algorithm, version, params.clone()),
        params,
        salt,
        expected,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    #[test]
    fn a_hash_made_here_verifies_and_a_wrong_password_does_not() {
        let mut memory = Vec::new();
        let phc = hash(&mut memory, &SecretString::from("correct horse")).unwrap();
        assert!(verify(
            &mut memory,
            &SecretString::from("correct horse"),
            Some(&phc)
        ));
        assert!(!verify(
            &mut memory,
            &SecretString::from("wrong horse"),
            Some(&phc)
        ));
        assert!(!verify(&mut memory, &SecretString::from("correct horse"), None));
        assert!(!verify(&mut memory, &SecretString::from("x"), Some("not a hash")));
    }

    #[test]
    fn a_hash_made_by_the_argon2_crate_verifies_here() {
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, default_params())
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let mut memory = Vec::new();
        assert!(verify(
            &mut memory,
            &SecretString::from("correct horse"),
            Some(&phc)
        ));
    }

    /// The nice value of each of this process's threads named `name`.
    #[cfg(target_os = "linux")]
    fn nice_of_threads(name: &str) -> Vec<i64> {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| {
                let dir = task.ok()?.path();
                let comm = std::fs::read_to_string(dir.join("comm")).ok()?;
                if comm.trim() != name {
                    return None;
                }
                let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
                // Fields after the parenthesised name; nice is field 19.
                let after = &stat[stat.rfind(')')? + 2..];
                after.split(' ').nth(16)?.parse().ok()
            })
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn hashing_threads_run_at_a_lower_priority_than_the_rest_of_the_process() {
        let mine = unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) } as i64;
        let pool = HashPool::new(1, 4, Duration::from_secs(5));
        let deadline = Instant::now() + Duration::from_secs(5);
        let niced = loop {
            let found = nice_of_threads("argon2-0");
            if found.iter().any(|n| *n == mine + i64::from(HASH_THREAD_NICE)) || Instant::now() > deadline {
                break found;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        drop(pool);
        assert!(
            niced.contains(&(mine + i64::from(HASH_THREAD_NICE))),
            "argon2 threads' nice values {niced:?}, this thread's {mine}"
        );
    }
}
