//! Passwords: Argon2id hashing, bounded so that logins cannot exhaust memory.
//!
//! Each hash needs about 19 MiB of working memory. Unbounded, fifty
//! concurrent logins (no account needed: unknown emails cost the same) took
//! the server to almost a gigabyte, and glibc kept most of it afterwards. So
//! hashes run behind a [`PasswordGate`]: at most one per core at once, each
//! in a working buffer that is allocated once per worker and reused, never
//! freed and re-allocated while logins come in. Callers that wait longer
//! than the gate's deadline get [`HashError::Busy`] (503 with `Retry-After`)
//! instead of queueing without end. Once no hash has run for a while, the
//! buffers are dropped and (on glibc) the freed memory is handed back to the
//! system, so an idle server is small again.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::http::StatusCode;
use tokio::sync::Semaphore;

use crate::http::error::ApiError;

/// Argon2id cost. Defaults are OWASP's minimum (19 MiB, 2 passes, 1 lane);
/// raising them makes every later login rehash the stored password.
#[derive(Debug, Clone, Copy)]
pub struct PasswordParams {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for PasswordParams {
    fn default() -> Self {
        PasswordParams { memory_kib: 19_456, iterations: 2 }
    }
}

impl PasswordParams {
    fn params(&self) -> Params {
        Params::new(self.memory_kib.max(19_456), self.iterations.max(2), 1, None)
            .expect("argon2 parameters within bounds")
    }
}

/// Hashes into `blocks`, growing it once to the size the parameters need;
/// a hash that needs more than the buffer holds (a stored hash made with a
/// higher cost than today's) gets a one-off buffer so the pooled one stays
/// its fixed size.
fn hash_into<'a>(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: Salt<'a>,
    blocks: &mut Vec<Block>,
) -> argon2::password_hash::Result<PasswordHash<'a>> {
    let needed = params.block_count();
    if blocks.is_empty() {
        *blocks = vec![Block::default(); needed];
    }
    let mut one_off = Vec::new();
    let memory: &mut [Block] = if blocks.len() >= needed {
        &mut blocks[..needed]
    } else {
        one_off.resize(needed, Block::default());
        &mut one_off
    };
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf)?;
    let argon = Argon2::new(algorithm, version, params.clone());
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(output_len, |out| {
        argon.hash_password_into_with_memory(password, salt_bytes, out, &mut *memory).map_err(Into::into)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(u32::from(version)),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// A new PHC-format hash, working in `blocks` (see [`PasswordGate::run`]).
pub fn hash_password_with(
    password: &str,
    params: &PasswordParams,
    blocks: &mut Vec<Block>,
) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::encode_b64(&troth_store::secret::random_bytes::<16>())?;
    Ok(hash_into(Algorithm::Argon2id, Version::V0x13, params.params(), password.as_bytes(), salt.as_salt(), blocks)?
        .to_string())
}

/// A new PHC-format hash with a buffer of its own: for the command line and
/// start-up, which hash once, outside any request.
pub fn hash_password(password: &str, params: &PasswordParams) -> Result<String, argon2::password_hash::Error> {
    hash_password_with(password, params, &mut Vec::new())
}

pub enum Verified {
    No,
    Yes { rehash: Option<String> },
}

/// Checks a password against a stored hash, working in `blocks`; when the
/// stored hash is weaker than `params`, also returns a new hash to store.
pub fn verify_password(password: &str, stored: &str, params: &PasswordParams, blocks: &mut Vec<Block>) -> Verified {
    let Ok(parsed) = PasswordHash::new(stored) else { return Verified::No };
    let (Ok(algorithm), Ok(stored_params), Some(salt), Some(expected)) =
        (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return Verified::No;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return Verified::No,
    };
    let Ok(computed) = hash_into(algorithm, version, stored_params.clone(), password.as_bytes(), salt, blocks) else {
        return Verified::No;
    };
    // `Output`'s equality is constant-time.
    if computed.hash != Some(expected) {
        return Verified::No;
    }
    let wanted = params.params();
    let weaker = stored_params.m_cost() < wanted.m_cost()
        || stored_params.t_cost() < wanted.t_cost()
        || algorithm != Algorithm::Argon2id;
    Verified::Yes { rehash: if weaker { hash_password_with(password, params, blocks).ok() } else { None } }
}

/// Why a hash did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashError {
    /// Every worker stayed busy past the deadline; try again in `retry_after_secs`.
    Busy { retry_after_secs: u64 },
    /// The blocking task panicked.
    Failed,
}

impl From<HashError> for ApiError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy { retry_after_secs } => {
                let mut error = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "troth is busy checking other passwords; please try again in a moment",
                );
                error.retry_after = Some(retry_after_secs);
                error
            }
            HashError::Failed => ApiError::internal(),
        }
    }
}

/// Bounds the password hashes running at once and owns their buffers.
/// Cheap to clone: clones share the same workers.
#[derive(Clone)]
pub struct PasswordGate(Arc<Gate>);

struct Gate {
    workers: usize,
    permits: Arc<Semaphore>,
    max_wait: Duration,
    /// One working buffer per worker, taken while hashing and put back.
    buffers: Mutex<Vec<Vec<Block>>>,
    running: AtomicUsize,
    peak: AtomicUsize,
    /// Counts hashes started; an idle release goes ahead only if none
    /// started since it was planned.
    started: AtomicU64,
    /// How long without a hash before the buffers are given back.
    idle_release: Duration,
}

impl fmt::Debug for PasswordGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordGate").field("workers", &self.0.workers).field("max_wait", &self.0.max_wait).finish()
    }
}

impl Default for PasswordGate {
    /// One worker per core, and a wait of at most ten seconds: about twenty
    /// hashes' time per worker, far more than a login burst by people needs.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        PasswordGate::new(cores, Duration::from_secs(10))
    }
}

impl PasswordGate {
    pub fn new(workers: usize, max_wait: Duration) -> Self {
        Self::with_idle_release(workers, max_wait, Duration::from_secs(5))
    }

    /// As [`PasswordGate::new`], giving the buffers back after `idle_release`
    /// without a hash.
    pub fn with_idle_release(workers: usize, max_wait: Duration, idle_release: Duration) -> Self {
        fix_mmap_threshold();
        let workers = workers.max(1);
        PasswordGate(Arc::new(Gate {
            workers,
            permits: Arc::new(Semaphore::new(workers)),
            max_wait,
            buffers: Mutex::new((0..workers).map(|_| Vec::new()).collect()),
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            idle_release,
        }))
    }

    pub fn workers(&self) -> usize {
        self.0.workers
    }

    /// The most hashes that ever ran at once through this gate.
    pub fn peak(&self) -> usize {
        self.0.peak.load(Ordering::SeqCst)
    }

    /// Runs `work` on a blocking thread with a worker's buffer, once a
    /// worker is free. The permit travels with the blocking task, so a
    /// client that hangs up mid-hash still holds its worker until the hash
    /// ends: the bound holds whatever clients do.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let busy = HashError::Busy { retry_after_secs: self.0.max_wait.as_secs().clamp(1, 30) };
        let permit = match tokio::time::timeout(self.0.max_wait, self.0.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => return Err(busy),
        };
        let gate = self.0.clone();
        let started = gate.started.fetch_add(1, Ordering::SeqCst) + 1;
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut buffer = gate.buffers.lock().map(|mut b| b.pop()).ok().flatten().unwrap_or_default();
            let now = gate.running.fetch_add(1, Ordering::SeqCst) + 1;
            gate.peak.fetch_max(now, Ordering::SeqCst);
            let out = work(&mut buffer);
            gate.running.fetch_sub(1, Ordering::SeqCst);
            if let Ok(mut buffers) = gate.buffers.lock() {
                buffers.push(buffer);
            }
            out
        })
        .await
        .map_err(|_| HashError::Failed);
        self.release_when_idle(started);
        out
    }

    /// Plans to give the buffers back if no hash starts after this one
    /// within the idle delay.
    fn release_when_idle(&self, started: u64) {
        let gate = self.0.clone();
        tokio::spawn(async move {
            tokio::time::sleep(gate.idle_release).await;
            if gate.started.load(Ordering::SeqCst) != started || gate.running.load(Ordering::SeqCst) != 0 {
                return;
            }
            if let Ok(mut buffers) = gate.buffers.lock() {
                // A hash starting right now finds an empty buffer and
                // allocates its own: slower once, never wrong.
                buffers.iter_mut().for_each(|b| *b = Vec::new());
            }
            give_back_freed_memory();
        });
    }

    /// Whether every pooled buffer has been given back (for tests).
    pub fn is_released(&self) -> bool {
        self.0.buffers.lock().map(|b| b.iter().all(|v| v.capacity() == 0)).unwrap_or(false)
    }
}

/// glibc keeps large freed blocks in its arenas (its mmap threshold grows
/// after the first big free); `malloc_trim` returns them to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_back_freed_memory() {
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_back_freed_memory() {}

/// glibc serves a block above its mmap threshold with its own mapping and
/// unmaps it on free, but by default it raises the threshold to the size of
/// each large block freed, after which 19 MiB buffers come from the heap and
/// stay there. A fixed threshold (1 MiB, far above anything else troth
/// allocates at once) keeps every hash buffer in its own mapping, so
/// dropping one gives its memory straight back. Set once per process.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_mmap_threshold() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: mallopt only changes the allocator's tuning; any value is valid.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        }
    });
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fix_mmap_threshold() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_wrong_passwords_do_not() {
        let params = PasswordParams::default();
        let mut blocks = Vec::new();
        let hash = hash_password_with("correct horse", &params, &mut blocks).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(matches!(
            verify_password("correct horse", &hash, &params, &mut blocks),
            Verified::Yes { rehash: None }
        ));
        assert!(matches!(verify_password("correct horsE", &hash, &params, &mut blocks), Verified::No));
        // The buffer was reused, not grown: exactly one hash's worth of blocks.
        assert_eq!(blocks.len(), params.params().block_count());
    }

    #[test]
    fn hashes_from_the_argon2_crate_itself_still_verify() {
        use argon2::PasswordHasher;
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let weak = Params::new(19_456, 1, 1, None).unwrap();
        let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, weak)
            .hash_password(b"s3cret pass", &salt)
            .unwrap()
            .to_string();
        let params = PasswordParams::default();
        match verify_password("s3cret pass", &stored, &params, &mut Vec::new()) {
            // One pass is weaker than today's two: a new hash comes back.
            Verified::Yes { rehash: Some(new) } => assert!(new.contains("t=2"), "{new}"),
            _ => panic!("a hash made by the argon2 crate must verify and be upgraded"),
        }
        assert!(matches!(verify_password("other", &stored, &params, &mut Vec::new()), Verified::No));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_the_gate_has_workers() {
        let gate = PasswordGate::new(2, Duration::from_secs(60));
        let stored = hash_password("a password", &PasswordParams::default()).unwrap();
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let gate = gate.clone();
            let stored = stored.clone();
            tasks.push(tokio::spawn(async move {
                gate.run(move |blocks| {
                    // Long enough that fifty unbounded tasks would overlap.
                    std::thread::sleep(Duration::from_millis(5));
                    verify_password("a password", &stored, &PasswordParams::default(), blocks)
                })
                .await
            }));
        }
        for t in tasks {
            assert!(matches!(t.await.unwrap(), Ok(Verified::Yes { .. })));
        }
        assert_eq!(gate.peak(), 2, "two workers, fifty callers: exactly two at once at the busiest");
        assert_eq!(gate.0.buffers.lock().unwrap().len(), 2, "every buffer came back to the pool");
        assert!(!gate.is_released(), "within the idle delay the buffers are kept for the next login");
    }

    #[tokio::test]
    async fn buffers_are_given_back_once_logins_go_quiet() {
        let gate = PasswordGate::with_idle_release(2, Duration::from_secs(5), Duration::from_millis(1000));
        let params = PasswordParams::default();
        let hash = gate.run(move |blocks| hash_password_with("a password", &params, blocks)).await.unwrap().unwrap();
        assert!(!gate.is_released(), "right after a hash its buffer is pooled");
        // Another hash inside the delay postpones the release.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let verified = gate.run(move |blocks| verify_password("a password", &hash, &params, blocks)).await.unwrap();
        assert!(matches!(verified, Verified::Yes { .. }));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!gate.is_released(), "quiet for 100 ms of the 1 s delay: still pooled");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(gate.is_released(), "quiet for longer than the delay: the buffers are gone");
        assert_eq!(gate.run(|blocks| blocks.capacity()).await, Ok(0), "the next hash starts from an empty buffer");
    }

    #[tokio::test]
    async fn a_waiter_past_its_deadline_is_told_to_come_back() {
        let gate = PasswordGate::new(1, Duration::from_millis(50));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let holder = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.run(move |_| hold.recv().ok()).await })
        };
        // Let the holder take the only worker.
        while gate.0.running.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let waited = gate.run(|_| ()).await;
        assert_eq!(waited, Err(HashError::Busy { retry_after_secs: 1 }));
        let api: ApiError = waited.unwrap_err().into();
        assert_eq!((api.status, api.code, api.retry_after), (StatusCode::SERVICE_UNAVAILABLE, "busy", Some(1)));
        release.send(()).unwrap();
        assert_eq!(holder.await.unwrap(), Ok(Some(())));
        assert_eq!(gate.run(|_| 7).await, Ok(7), "the worker is free again");
    }
}
