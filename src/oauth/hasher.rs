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
//! addresses. It serves first the addresses that were not turned away in
//! the last 10–20 s (this window or the one before), and among those the
//! one served least, so a sign-in from
//! an address that is not flooding waits for about one hash. A job that
//! cannot be queued is answered [`Busy`] at once, and one that has waited
//! longer than `password_queue_wait` when a thread next takes a job.
//!
//! Why two priorities: hashing threads run below the request workers
//! ([`HASH_THREAD_NICE`]) so that a flood cannot take the CPU from requests
//! that need no password; but a sign-in from an address that has not been
//! turned away in the last 10 s is handed, with the worker's buffer, to one
//! prompt thread that runs at the process's own priority, if that thread
//! is free, so it is not slowed by the same rule. One prompt thread, so at
//! most one hash at a time runs at full priority, whatever the addresses;
//! and still at most `password_hash_concurrency` hashes (and buffers) at
//! once, since the worker that hands a job over waits for it.

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

/// How much lower than the request workers the hashing threads run
/// (Linux `nice`): under a sign-in flood that would keep every core busy
/// hashing, requests that need no password (tokens, introspection, pages)
/// still get most of the CPU — at equal priority client credentials kept a
/// third of their unloaded rate (`benches/signin.sh`). When nothing else
/// wants the CPU, hashing gets all of it. 10 weighs a hashing thread at
/// about a tenth of a worker's (the kernel's weights: 110 against 1024);
/// at 5 (a third) client credentials kept 58–60 %, at 10 more. That
/// slows only flooding addresses: the prompt thread, which runs the
/// others' checks, keeps the process's priority.
pub const HASH_THREAD_NICE: i32 = 10;

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
    address: String,
    queued: Instant,
    deadline: Instant,
    reply: oneshot::Sender<Result<Done, Busy>>,
}

/// How long the jobs served per address, and the addresses turned away,
/// are remembered for scheduling.
const WINDOW: Duration = Duration::from_secs(10);

/// Addresses remembered per window at most, so that many addresses cannot
/// grow the memory without bound.
const MAX_REMEMBERED: usize = 65_536;

struct Queue {
    by_address: HashMap<String, VecDeque<Job>>,
    /// Addresses with waiting jobs, in the order they queued.
    turns: VecDeque<String>,
    /// Jobs served per address since `window_since`.
    served: HashMap<String, u32>,
    /// Addresses turned away since `window_since`, and in the window before.
    turned_away: HashSet<String>,
    turned_away_before: HashSet<String>,
    window_since: Instant,
    len: usize,
    /// Whether the prompt thread is hashing (or has been handed a job).
    prompt_busy: bool,
    closed: bool,
}

/// Where a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// On the prompt thread, at the process's priority.
    Prompt,
    /// On the worker that took it, at the hashing threads' lower priority.
    Yielding,
}

impl Queue {
    fn new() -> Queue {
        Queue {
            by_address: HashMap::new(),
            turns: VecDeque::new(),
            served: HashMap::new(),
            turned_away: HashSet::new(),
            turned_away_before: HashSet::new(),
            window_since: Instant::now(),
            len: 0,
            prompt_busy: false,
            closed: false,
        }
    }

    /// Starts a new window once the last one is over; what was turned away
    /// in it is remembered one window more.
    fn roll(&mut self) {
        let elapsed = self.window_since.elapsed();
        if elapsed <= WINDOW {
            return;
        }
        self.turned_away_before = if elapsed <= 2 * WINDOW {
            std::mem::take(&mut self.turned_away)
        } else {
            self.turned_away.clear();
            HashSet::new()
        };
        self.served.clear();
        self.window_since = Instant::now();
    }

    /// Whether `address` was turned away in this window or the one before.
    fn flooding(&self, address: &str) -> bool {
        self.turned_away.contains(address) || self.turned_away_before.contains(address)
    }

    /// Remembers that `address` was turned away. Past [`MAX_REMEMBERED`]
    /// addresses in a window, new ones are not remembered (they were turned
    /// away all the same), and those already remembered stay.
    fn turn_away(&mut self, address: &str) {
        self.roll();
        if !self.turned_away.contains(address) && self.turned_away.len() < MAX_REMEMBERED {
            self.turned_away.insert(address.to_string());
        }
    }

    /// Answers [`Busy`] to every job that has waited past its deadline,
    /// and counts its address as turned away: a job waits at most
    /// `password_queue_wait` and one hash, whatever the order.
    fn expire(&mut self) {
        let now = Instant::now();
        let mut expired = Vec::new();
        for (address, jobs) in &mut self.by_address {
            while jobs.front().is_some_and(|job| job.deadline < now) {
                if let Some(job) = jobs.pop_front() {
                    expired.push((address.clone(), job));
                }
            }
        }
        self.len -= expired.len();
        for (address, job) in expired {
            let _ = job.reply.send(Err(Busy));
            self.turn_away(&address);
        }
        self.by_address.retain(|_, jobs| !jobs.is_empty());
        let by_address = &self.by_address;
        self.turns.retain(|a| by_address.contains_key(a));
    }

    /// The next job and its lane: from the waiting addresses not turned
    /// away in the window first, then from the rest; among each, from the
    /// one served least (the first in line among equals). So a sign-in
    /// from an address that is not flooding goes first, and flooding
    /// addresses share what is left. Unless its address was turned away in
    /// this window or the one before, the job runs on the prompt thread if
    /// that is free.
    fn pop(&mut self, prompt_thread: bool) -> Option<(Job, Lane)> {
        self.roll();
        self.expire();
        let (index, _) = self
            .turns
            .iter()
            .enumerate()
            .min_by_key(|(i, a)| (self.flooding(a), self.served.get(*a).copied().unwrap_or(0), *i))?;
        let address = self.turns.remove(index)?;
        let jobs = self.by_address.get_mut(&address)?;
        let job = jobs.pop_front()?;
        if jobs.is_empty() {
            self.by_address.remove(&address);
        } else {
            self.turns.push_back(address.clone());
        }
        self.len -= 1;
        let room = self.served.len() < MAX_REMEMBERED;
        match self.served.get_mut(&address) {
            Some(n) => *n = n.saturating_add(1),
            None if room => {
                self.served.insert(address.clone(), 1);
            }
            None => {}
        }
        let lane = if prompt_thread && !self.prompt_busy && !self.flooding(&address) {
            self.prompt_busy = true;
            Lane::Prompt
        } else {
            Lane::Yielding
        };
        Some((job, lane))
    }
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    /// How long jobs waited for a thread (a metric).
    waited: prometheus::Histogram,
    /// Checks hashed on the prompt thread.
    prompt_hashes: AtomicU64,
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
    /// Workers that started: with none, every check is answered Busy.
    workers: usize,
    max_len: usize,
    per_address: usize,
    max_wait: Duration,
}

/// What the workers ask of the prompt thread.
enum ToPrompt {
    /// Hash a job in the worker's buffer, and send both back.
    Hash(Handoff),
    /// Return the allocator's free memory to the system: at the process's
    /// priority, since it holds the allocator's locks while it does.
    GiveBack,
}

/// A job handed from a worker to the prompt thread, with the worker's buffer.
struct Handoff {
    work: Work,
    memory: Vec<Block>,
    /// Its only sender: if the prompt thread drops it unanswered, the
    /// worker hears so at once.
    back: mpsc::Sender<(Done, Vec<Block>)>,
}

impl HashPool {
    /// Starts `threads` workers and the prompt thread; at most `max_len`
    /// jobs wait, each at most `max_wait`.
    pub fn new(threads: usize, max_len: usize, max_wait: Duration) -> HashPool {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::new()),
            ready: Condvar::new(),
            waited: crate::telemetry::metrics::password_hash_wait(),
            prompt_hashes: AtomicU64::new(0),
        });
        // Spawned first, from this thread, so that it keeps this thread's
        // priority; it ends when every worker has.
        let (to_prompt, handoffs) = mpsc::channel::<ToPrompt>();
        let prompt = std::thread::Builder::new()
            .name("argon2-prompt".into())
            .spawn(move || prompt_thread(&handoffs));
        let to_prompt = match prompt {
            Ok(_) => Some(to_prompt),
            Err(e) => {
                // Every job then runs on the workers, at their priority.
                tracing::error!(error = %e, "cannot start the prompt password hashing thread");
                None
            }
        };
        let mut workers = 0;
        for i in 0..threads.max(1) {
            let (shared, to_prompt) = (shared.clone(), to_prompt.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(&shared, to_prompt));
            match spawned {
                Ok(_) => workers += 1,
                // Fewer threads only means slower sign-ins; none means
                // every check answers Busy.
                Err(e) => tracing::error!(error = %e, "cannot start a password hashing thread"),
            }
        }
        HashPool {
            shared,
            workers,
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

    /// Checks hashed on the prompt thread so far.
    pub fn prompt_hashes(&self) -> u64 {
        self.shared.prompt_hashes.load(Ordering::Relaxed)
    }

    /// Whether a check from `address` is turned away now (it may still be
    /// when it is submitted): lets a flood be answered before it costs
    /// anything else. Being turned away here counts for the queue's order
    /// and lanes as being turned away when submitting.
    pub fn turns_away(&self, address: &str) -> bool {
        let mut queue = self.shared.lock();
        if self.room(&queue, address) {
            return false;
        }
        queue.turn_away(address);
        true
    }

    fn room(&self, queue: &Queue, address: &str) -> bool {
        if self.workers == 0 {
            return false;
        }
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
                queue.turn_away(address);
                return Err(Busy);
            }
            let job = Job {
                work,
                address: address.to_string(),
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

/// Does `work` in `memory`.
fn run(memory: &mut Vec<Block>, work: Work) -> Done {
    match work {
        Work::Verify(password, stored) => Done::Verified(verify(memory, &password, stored.as_deref())),
        Work::Hash(password) => Done::Hashed(hash(memory, &password)),
    }
}

/// The prompt thread: runs what workers hand it, in their buffers. A panic
/// while hashing (a bug in argon2, if ever) drops that job's reply channel
/// unanswered and the thread goes on.
fn prompt_thread(asked: &mpsc::Receiver<ToPrompt>) {
    while let Ok(next) = asked.recv() {
        match next {
            ToPrompt::Hash(Handoff {
                work,
                mut memory,
                back,
            }) => {
                let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut memory, work)));
                match done {
                    Ok(done) => {
                        let _ = back.send((done, memory));
                    }
                    Err(_) => tracing::error!("a password check panicked on the prompt thread"),
                }
            }
            ToPrompt::GiveBack => crate::allocator::give_back(),
        }
    }
}

fn worker(shared: &Shared, to_prompt: Option<mpsc::Sender<ToPrompt>>) {
    yield_to_requests();
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let (job, lane) = {
            let mut queue = shared.lock();
            loop {
                if queue.closed {
                    return;
                }
                if let Some(next) = queue.pop(to_prompt.is_some()) {
                    break next;
                }
                let (q, waited) = shared
                    .ready
                    .wait_timeout(queue, IDLE_RELEASE)
                    .unwrap_or_else(|e| e.into_inner());
                queue = q;
                if waited.timed_out() && queue.len == 0 && !memory.is_empty() {
                    // Outside the lock: unmapping and trimming take a while.
                    drop(queue);
                    memory = Vec::new();
                    // What the burst of requests around it left free, too.
                    let asked = to_prompt.as_ref().map(|p| p.send(ToPrompt::GiveBack));
                    if !matches!(asked, Some(Ok(()))) {
                        crate::allocator::give_back();
                    }
                    queue = shared.lock();
                }
            }
        };
        shared.waited.observe(job.queued.elapsed().as_secs_f64());
        let expired = Instant::now() > job.deadline;
        let done = if job.reply.is_closed() || expired {
            None // the request went away, or waited too long
        } else if lane == Lane::Prompt {
            Some(hand_over(shared, &to_prompt, job.work, &mut memory))
        } else {
            Some(Ok(run(&mut memory, job.work)))
        };
        if lane == Lane::Prompt {
            shared.lock().prompt_busy = false;
        }
        match done {
            Some(done) => {
                let _ = job.reply.send(done);
            }
            None if expired => {
                shared.lock().turn_away(&job.address);
                let _ = job.reply.send(Err(Busy));
            }
            None => {}
        }
    }
}

/// Runs `work` on the prompt thread with `memory`, waiting for it; on this
/// thread if the prompt thread has gone before it took the job, and
/// [`Busy`] if the hash panicked there (a bug in argon2, if ever): the
/// check is answered, not counted as a failure, and not left hanging.
fn hand_over(
    shared: &Shared,
    to_prompt: &Option<mpsc::Sender<ToPrompt>>,
    work: Work,
    memory: &mut Vec<Block>,
) -> Result<Done, Busy> {
    let (back, returned) = mpsc::channel();
    let handoff = Handoff {
        work,
        memory: std::mem::take(memory),
        back,
    };
    let sent = match to_prompt {
        Some(to_prompt) => to_prompt.send(ToPrompt::Hash(handoff)).map_err(|e| e.0),
        None => Err(ToPrompt::Hash(handoff)),
    };
    match sent {
        Ok(()) => match returned.recv() {
            Ok((done, used)) => {
                *memory = used;
                shared.prompt_hashes.fetch_add(1, Ordering::Relaxed);
                Ok(done)
            }
            // Logged by the prompt thread; the check is answered, not lost.
            Err(_) => Err(Busy),
        },
        Err(ToPrompt::Hash(Handoff { work, memory: m, .. })) => {
            *memory = m;
            Ok(run(memory, work))
        }
        Err(ToPrompt::GiveBack) => Err(Busy),
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
    fn hashing_threads_run_at_a_lower_priority_than_the_rest_of_the_process_but_the_prompt_one() {
        let mine = unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) } as i64;
        // The kernel caps nice at 19.
        let lowered = (mine + i64::from(HASH_THREAD_NICE)).min(19);
        let pool = HashPool::new(1, 4, Duration::from_secs(5));
        let deadline = Instant::now() + Duration::from_secs(5);
        let niced = loop {
            let found = nice_of_threads("argon2-0");
            if found.contains(&lowered) || Instant::now() > deadline {
                break found;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let prompt = nice_of_threads("argon2-prompt");
        drop(pool);
        assert!(
            niced.contains(&lowered),
            "argon2 threads' nice values {niced:?}, this thread's {mine}"
        );
        assert!(
            prompt.contains(&mine),
            "the prompt thread's nice values {prompt:?}, this thread's {mine}"
        );
    }

    /// Queues a job from `address` as `submit` does.
    fn queue_job(queue: &mut Queue, address: &str) -> oneshot::Receiver<Result<Done, Busy>> {
        let (reply, answer) = oneshot::channel();
        if !queue.by_address.contains_key(address) {
            queue.turns.push_back(address.to_string());
        }
        queue
            .by_address
            .entry(address.to_string())
            .or_default()
            .push_back(Job {
                work: Work::Hash(SecretString::from("x")),
                address: address.to_string(),
                queued: Instant::now(),
                deadline: Instant::now() + Duration::from_secs(5),
                reply,
            });
        queue.len += 1;
        answer
    }

    fn popped(queue: &mut Queue) -> (String, Lane) {
        let (job, lane) = queue.pop(true).expect("a job");
        (job.address, lane)
    }

    #[test]
    fn addresses_not_turned_away_in_the_window_are_served_first() {
        let mut queue = Queue::new();
        let mut answers: Vec<_> = (0..3).map(|_| queue_job(&mut queue, "flood")).collect();
        answers.push(queue_job(&mut queue, "quiet"));
        queue.turn_away("flood");
        assert_eq!(popped(&mut queue).0, "quiet");
        assert_eq!(popped(&mut queue).0, "flood");
        assert_eq!(queue.len, 2);
    }

    #[test]
    fn among_addresses_alike_the_one_served_least_goes_first() {
        let mut queue = Queue::new();
        let _first = queue_job(&mut queue, "a");
        let _second = queue_job(&mut queue, "a");
        assert_eq!(popped(&mut queue).0, "a");
        let _other = queue_job(&mut queue, "b");
        // "a" is first in line again, but was served once and "b" never.
        assert_eq!(popped(&mut queue).0, "b");
        assert_eq!(popped(&mut queue).0, "a");
    }

    #[test]
    fn a_job_that_waited_past_its_deadline_is_answered_busy_whatever_its_place() {
        let mut queue = Queue::new();
        let _first = queue_job(&mut queue, "first");
        let mut stale = queue_job(&mut queue, "slow");
        if let Some(job) = queue.by_address.get_mut("slow").and_then(|jobs| jobs.front_mut()) {
            job.deadline = Instant::now() - Duration::from_millis(1);
        }
        assert_eq!(popped(&mut queue).0, "first");
        assert!(matches!(stale.try_recv(), Ok(Err(Busy))));
        assert!(
            queue.flooding("slow"),
            "a job that waited too long counts as turned away"
        );
        assert_eq!(queue.len, 0);
        assert!(queue.turns.is_empty() && queue.by_address.is_empty());
    }

    #[test]
    fn an_address_turned_away_stays_flooding_into_the_next_window() {
        let mut queue = Queue::new();
        queue.turn_away("flood");
        queue.window_since = Instant::now() - WINDOW - Duration::from_secs(1);
        queue.roll();
        assert!(queue.flooding("flood"));
        queue.window_since = Instant::now() - WINDOW - Duration::from_secs(1);
        queue.roll();
        assert!(!queue.flooding("flood"));
    }

    #[test]
    fn past_the_cap_new_addresses_are_not_remembered_and_the_remembered_stay() {
        let mut queue = Queue::new();
        queue.turn_away("flood");
        for i in 0..MAX_REMEMBERED {
            queue.turn_away(&format!("2001:db8:{i:x}::/64"));
        }
        assert_eq!(queue.turned_away.len(), MAX_REMEMBERED);
        assert!(queue.flooding("flood"));
    }

    #[test]
    fn an_address_turned_away_hashes_at_the_lower_priority() {
        let mut queue = Queue::new();
        let _flood = queue_job(&mut queue, "flood");
        queue.turn_away("flood");
        assert_eq!(popped(&mut queue), ("flood".into(), Lane::Yielding));
        assert!(!queue.prompt_busy);
    }

    #[test]
    fn one_check_at_a_time_runs_at_full_priority() {
        let mut queue = Queue::new();
        let _a = queue_job(&mut queue, "a");
        let _b = queue_job(&mut queue, "b");
        assert_eq!(popped(&mut queue), ("a".into(), Lane::Prompt));
        assert_eq!(popped(&mut queue), ("b".into(), Lane::Yielding));
        queue.prompt_busy = false;
        let _c = queue_job(&mut queue, "c");
        assert_eq!(popped(&mut queue), ("c".into(), Lane::Prompt));
    }

    #[test]
    fn without_a_prompt_thread_every_check_hashes_at_the_lower_priority() {
        let mut queue = Queue::new();
        let _a = queue_job(&mut queue, "a");
        let (_, lane) = queue.pop(false).expect("a job");
        assert_eq!(lane, Lane::Yielding);
    }

    #[tokio::test]
    async fn a_quiet_address_is_answered_by_the_prompt_thread() {
        let pool = HashPool::new(1, 4, Duration::from_secs(5));
        let phc = pool
            .hash("quiet", SecretString::from("correct horse"))
            .await
            .unwrap()
            .expect("a hash");
        assert!(pool
            .verify("quiet", SecretString::from("correct horse"), Some(phc.clone()))
            .await
            .unwrap());
        assert!(!pool
            .verify("quiet", SecretString::from("wrong horse"), Some(phc))
            .await
            .unwrap());
        assert_eq!(pool.prompt_hashes(), 3);
        assert!(!pool.shared.lock().prompt_busy);
    }
}
