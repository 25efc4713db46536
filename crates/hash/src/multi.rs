//! [`MultiHasher`]: several digests of one stream, the algorithms spread over
//! worker threads.
//!
//! Data is copied (or read directly) into large blocks. A full block is handed,
//! as an `Arc`, to every worker; each worker owns a group of algorithms and
//! feeds the block to them, then sends its reference back on a return channel.
//! The last reference to come back is unique again and the block is reused, so
//! in steady state nothing is allocated. At most [`MAX_BLOCKS`] blocks exist,
//! which bounds memory and gives back-pressure to the reader.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::algorithm::State;
use crate::{Algorithm, Digests, HashError};

/// Size of one block handed to the workers.
pub(crate) const BLOCK_SIZE: usize = 1 << 20;
/// Number of blocks in circulation at most.
pub(crate) const MAX_BLOCKS: usize = 8;
/// Read size used when hashing on the calling thread only.
const DIRECT_READ_SIZE: usize = 1 << 20;

type Block = Arc<Vec<u8>>;
type Panic = Box<dyn Any + Send + 'static>;

/// A filled block (or its first `len` bytes) to be hashed.
struct Job {
    block: Block,
    len: usize,
}

/// Computes several digests of one stream of bytes in a single pass.
///
/// Feed it with [`update`](Self::update) (or let [`hash_reader`](crate::hash_reader)
/// read straight into its blocks) and call [`finish`](Self::finish).
///
/// With one algorithm, or while less than one block (1 MiB) has been fed,
/// everything is hashed on the calling thread. Beyond that, worker threads are
/// started: MD5, which cannot be parallelised and is the slowest, gets a thread
/// of its own; the other algorithms share a second one (or get one each when
/// there are enough cores).
pub struct MultiHasher {
    mode: Mode,
}

enum Mode {
    /// Zero or one algorithm: hash on the calling thread, no copies.
    Direct {
        states: Vec<State>,
        scratch: Vec<u8>,
    },
    /// Several algorithms: blocks handed to worker threads.
    Pipelined(Pipeline),
}

/// How the algorithms are split into groups and where each group runs.
#[derive(Debug, Clone)]
struct Plan {
    groups: Vec<(Vec<Algorithm>, Placement)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// A worker thread of its own.
    Thread,
    /// The calling thread, after the block was handed to the workers.
    Caller,
}

impl Plan {
    /// The default split for `algs` (deduplicated, sorted, at least two).
    ///
    /// Measured with `bench/hash` on 2 cores, 1 GiB in the page cache, MD5 +
    /// SHA-1 + SHA-256: `[md5] [sha1 sha256]` on two workers, the caller
    /// reading: 1.39 s (MD5 alone needs 1.34 s of CPU: it is the floor);
    /// the SHA group on the calling thread instead: 1.43 s (and it would
    /// block the caller); one thread per algorithm: 1.74–2.5 s (three busy
    /// threads on two cores keep preempting the MD5 thread); MD5 sharing a
    /// thread with SHA-1: 2.25 s. Block sizes from 1 to 4 MiB made no
    /// difference; 256 KiB was 8 % slower.
    fn default_for(algs: &[Algorithm]) -> Plan {
        let cores = cores();
        let (md5, others): (Vec<Algorithm>, Vec<Algorithm>) =
            algs.iter().partition(|a| **a == Algorithm::Md5);
        let mut groups = Vec::new();
        if !md5.is_empty() {
            groups.push((md5, Placement::Thread));
        }
        if groups.len() + others.len() <= cores {
            groups.extend(others.into_iter().map(|a| (vec![a], Placement::Thread)));
        } else if !others.is_empty() {
            groups.push((others, Placement::Thread));
        }
        Plan { groups }
    }
}

struct Pipeline {
    /// One entry per algorithm group.
    groups: Vec<Group>,
    /// Whether the worker threads have been started.
    started: bool,
    /// The block being filled, and how many bytes of it are filled.
    current: Option<Block>,
    filled: usize,
    /// Blocks ready for reuse.
    free: Vec<Block>,
    /// Blocks allocated so far (at most `MAX_BLOCKS`).
    allocated: usize,
    /// Workers send their block references back on this channel.
    ret_tx: Option<SyncSender<Block>>,
    ret_rx: Receiver<Block>,
}

struct Group {
    algs: Vec<Algorithm>,
    placement: Placement,
    run: Run,
}

enum Run {
    /// Hashed on the calling thread.
    Local(Vec<State>),
    /// Hashed on a worker thread.
    Remote {
        tx: SyncSender<Job>,
        handle: JoinHandle<Result<Vec<State>, Panic>>,
    },
}

impl MultiHasher {
    /// A hasher computing each of `algs` (duplicates are ignored; an empty
    /// list yields empty [`Digests`]).
    pub fn new(algs: &[Algorithm]) -> Self {
        let mut algs = algs.to_vec();
        algs.sort();
        algs.dedup();
        if algs.len() <= 1 {
            return Self::direct(&algs);
        }
        Self::with_plan(Plan::default_for(&algs))
    }

    /// A hasher with an explicit grouping: each inner slice is a group of
    /// algorithms hashed one after the other on a worker thread of its own.
    /// An algorithm listed in several groups is computed in the first only.
    ///
    /// [`new`](Self::new) picks a good grouping; this is for measurements.
    pub fn with_groups(groups: &[&[Algorithm]]) -> Self {
        Self::with_layout(groups, false)
    }

    /// Like [`with_groups`](Self::with_groups), but the last group is hashed
    /// on the calling thread (the one that feeds the hasher) instead of a
    /// worker thread of its own. For measurements.
    #[doc(hidden)]
    pub fn with_groups_last_on_caller(groups: &[&[Algorithm]]) -> Self {
        Self::with_layout(groups, true)
    }

    fn with_layout(groups: &[&[Algorithm]], last_on_caller: bool) -> Self {
        let mut seen = Vec::new();
        let mut plan = Plan { groups: Vec::new() };
        for g in groups {
            let mut algs: Vec<Algorithm> =
                g.iter().copied().filter(|a| !seen.contains(a)).collect();
            algs.sort();
            algs.dedup();
            seen.extend_from_slice(&algs);
            if !algs.is_empty() {
                plan.groups.push((algs, Placement::Thread));
            }
        }
        if last_on_caller {
            if let Some(last) = plan.groups.last_mut() {
                last.1 = Placement::Caller;
            }
        }
        Self::with_plan(plan)
    }

    /// Every algorithm on the calling thread, one after the other (for
    /// small inputs, where threads cost more than they save).
    pub(crate) fn on_caller(algs: &[Algorithm]) -> Self {
        let mut algs = algs.to_vec();
        algs.sort();
        algs.dedup();
        Self::direct(&algs)
    }

    fn direct(algs: &[Algorithm]) -> Self {
        MultiHasher {
            mode: Mode::Direct {
                states: algs.iter().map(|a| State::new(*a)).collect(),
                scratch: Vec::new(),
            },
        }
    }

    fn with_plan(plan: Plan) -> Self {
        let workers = plan
            .groups
            .iter()
            .filter(|g| g.1 == Placement::Thread)
            .count();
        // Each worker returns each block once: with this capacity a worker
        // never waits on the return channel.
        let (ret_tx, ret_rx) = sync_channel(MAX_BLOCKS * workers.max(1));
        let groups = plan
            .groups
            .into_iter()
            .map(|(algs, placement)| Group {
                run: Run::Local(algs.iter().map(|a| State::new(*a)).collect()),
                algs,
                placement,
            })
            .collect();
        MultiHasher {
            mode: Mode::Pipelined(Pipeline {
                groups,
                started: false,
                current: None,
                filled: 0,
                free: Vec::new(),
                allocated: 0,
                ret_tx: Some(ret_tx),
                ret_rx,
            }),
        }
    }

    /// The algorithms this hasher computes, in the fixed order.
    pub fn algorithms(&self) -> Vec<Algorithm> {
        let mut algs: Vec<Algorithm> = match &self.mode {
            Mode::Direct { states, .. } => states.iter().map(State::algorithm).collect(),
            Mode::Pipelined(p) => p.groups.iter().flat_map(|g| g.algs.clone()).collect(),
        };
        algs.sort();
        algs
    }

    /// Feeds `data` to every algorithm.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.mode {
            Mode::Direct { states, .. } => {
                for s in states {
                    s.update(data);
                }
            }
            Mode::Pipelined(p) => p.update(data),
        }
    }

    /// Lets `fill` write input straight into the hasher's buffer, saving the
    /// copy that [`update`](Self::update) makes: `fill` gets a buffer (up to
    /// 1 MiB, never empty), writes the next bytes of the input to its start
    /// and returns how many it wrote; those are hashed. Returns that count
    /// (clamped to the buffer's length), or `fill`'s error, in which case
    /// nothing is hashed.
    ///
    /// ```
    /// # use exhibit_hash::{Algorithm, MultiHasher};
    /// # use std::io::Read;
    /// let mut input = &b"evidence"[..];
    /// let mut h = MultiHasher::new(&Algorithm::DEFAULT);
    /// while h.update_with(|buf| input.read(buf))? > 0 {}
    /// let digests = h.finish();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn update_with<E>(
        &mut self,
        fill: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<usize, E> {
        match &mut self.mode {
            Mode::Direct { states, scratch } => {
                if scratch.len() != DIRECT_READ_SIZE {
                    scratch.resize(DIRECT_READ_SIZE, 0);
                }
                // A misbehaving `fill` could claim more than it was given.
                let n = fill(scratch)?.min(scratch.len());
                let data = scratch.get(..n).unwrap_or(&[]);
                for s in states {
                    s.update(data);
                }
                Ok(data.len())
            }
            Mode::Pipelined(p) => p.update_with(fill),
        }
    }

    /// Finishes every algorithm and returns the digests.
    ///
    /// # Panics
    ///
    /// Only if a worker thread panicked, which no input can cause (the hash
    /// functions do not panic); the worker's panic is then resumed here, as
    /// `std::thread::scope` does. Use [`try_finish`](Self::try_finish) to get
    /// an error instead.
    pub fn finish(self) -> Digests {
        match self.finish_inner() {
            Ok(d) => d,
            Err(Failure { payload, .. }) => std::panic::resume_unwind(payload),
        }
    }

    /// Like [`finish`](Self::finish), but a (never expected) worker failure
    /// is returned as [`HashError::Worker`] instead of a panic.
    pub fn try_finish(self) -> Result<Digests, HashError> {
        self.finish_inner().map_err(|f| HashError::Worker {
            algorithms: f.algorithms,
        })
    }

    fn finish_inner(mut self) -> Result<Digests, Failure> {
        let mut digests = Digests::new();
        match &mut self.mode {
            Mode::Direct { states, .. } => {
                for s in std::mem::take(states) {
                    let (alg, bytes) = s.finish();
                    digests.insert_trusted(alg, bytes);
                }
            }
            Mode::Pipelined(p) => {
                for s in p.finish()? {
                    let (alg, bytes) = s.finish();
                    digests.insert_trusted(alg, bytes);
                }
            }
        }
        Ok(digests)
    }
}

/// A worker thread that died; its panic payload.
struct Failure {
    algorithms: Vec<Algorithm>,
    payload: Panic,
}

impl std::fmt::Debug for MultiHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiHasher")
            .field("algorithms", &self.algorithms())
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let spare = self.spare();
            let n = spare.len().min(data.len());
            let (head, tail) = data.split_at(n);
            if let Some(dst) = spare.get_mut(..n) {
                dst.copy_from_slice(head);
            }
            data = tail;
            self.advance(n);
        }
    }

    fn update_with<E>(
        &mut self,
        fill: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<usize, E> {
        let spare = self.spare();
        let cap = spare.len();
        let n = fill(spare)?.min(cap);
        self.advance(n);
        Ok(n)
    }

    /// The unfilled part of the current block; never empty, because
    /// `advance` dispatches the block as soon as it is full.
    fn spare(&mut self) -> &mut [u8] {
        let block = match self.current.take() {
            Some(b) => b,
            None => {
                self.filled = 0;
                self.acquire()
            }
        };
        let filled = self.filled;
        // The current block is never shared, so this never clones.
        let v = Arc::make_mut(self.current.insert(block));
        if v.len() != BLOCK_SIZE {
            v.resize(BLOCK_SIZE, 0);
        }
        debug_assert!(filled < BLOCK_SIZE);
        &mut v[filled..]
    }

    fn advance(&mut self, n: usize) {
        self.filled += n;
        if self.filled >= BLOCK_SIZE {
            self.dispatch();
        }
    }

    /// Hands the current block (its filled part) to every group.
    fn dispatch(&mut self) {
        let Some(block) = self.current.take() else {
            return;
        };
        let len = std::mem::replace(&mut self.filled, 0);
        if len == 0 {
            self.recycle(block);
            return;
        }
        if !self.started {
            self.start();
        }
        for g in &mut self.groups {
            if let Run::Remote { tx, .. } = &g.run {
                // A worker only goes away at finish; if it did, its error is
                // reported by `finish`.
                let _ = tx.send(Job {
                    block: Arc::clone(&block),
                    len,
                });
            }
        }
        let data = block.get(..len).unwrap_or(&[]);
        for g in &mut self.groups {
            if let Run::Local(states) = &mut g.run {
                for s in states {
                    s.update(data);
                }
            }
        }
        self.recycle(block);
    }

    /// Starts a worker thread for each group placed on one. A group whose
    /// thread cannot be created is hashed on the calling thread instead.
    fn start(&mut self) {
        self.started = true;
        let Some(ret_tx) = self.ret_tx.take() else {
            return;
        };
        for g in &mut self.groups {
            if g.placement != Placement::Thread {
                continue;
            }
            let (tx, rx) = sync_channel::<Job>(MAX_BLOCKS);
            let algs = g.algs.clone();
            let ret = ret_tx.clone();
            let name = format!(
                "exhibit-hash-{}",
                algs.iter().map(|a| a.name()).collect::<Vec<_>>().join("+")
            );
            let spawned = thread::Builder::new()
                .name(name)
                .spawn(move || worker(&algs, &rx, &ret));
            if let Ok(handle) = spawned {
                // Nothing has been hashed yet, so the local states can go.
                g.run = Run::Remote { tx, handle };
            }
        }
        // `ret_tx` is dropped here: only the workers hold senders.
    }

    /// Puts `block` back in the free list if no worker holds it any more;
    /// otherwise the last worker's reference comes back on the return channel.
    fn recycle(&mut self, mut block: Block) {
        if Arc::get_mut(&mut block).is_some() {
            self.free.push(block);
        }
    }

    fn new_block(&mut self) -> Block {
        self.allocated += 1;
        Arc::new(vec![0u8; BLOCK_SIZE])
    }

    /// A block that nobody else holds: a free one, a new one while fewer
    /// than `MAX_BLOCKS` exist, or the next one returned by the workers.
    fn acquire(&mut self) -> Block {
        loop {
            if let Some(b) = self.free.pop() {
                return b;
            }
            while let Ok(b) = self.ret_rx.try_recv() {
                self.recycle(b);
            }
            if let Some(b) = self.free.pop() {
                return b;
            }
            if self.allocated < MAX_BLOCKS {
                return self.new_block();
            }
            match self.ret_rx.recv() {
                Ok(b) => self.recycle(b),
                // No worker is left to return anything (all of them gone,
                // which does not happen before finish): allocate afresh.
                Err(_) => return self.new_block(),
            }
        }
    }

    /// Hashes what is left, stops the workers and returns every state.
    fn finish(&mut self) -> Result<Vec<State>, Failure> {
        if self.filled > 0 {
            if !self.started {
                // Less than one block in total: hash it here, start no thread.
                self.started = true;
            }
            self.dispatch();
        }
        let mut states = Vec::new();
        let mut failure = None;
        for g in std::mem::take(&mut self.groups) {
            match g.run {
                Run::Local(s) => states.extend(s),
                Run::Remote { tx, handle } => {
                    drop(tx);
                    let joined = match handle.join() {
                        Ok(r) => r,
                        Err(payload) => Err(payload),
                    };
                    match joined {
                        Ok(s) => states.extend(s),
                        Err(payload) => {
                            failure.get_or_insert(Failure {
                                algorithms: g.algs,
                                payload,
                            });
                        }
                    }
                }
            }
        }
        match failure {
            Some(f) => Err(f),
            None => Ok(states),
        }
    }
}

impl Drop for Pipeline {
    /// Stops and joins the workers of a hasher dropped without `finish`.
    fn drop(&mut self) {
        for g in std::mem::take(&mut self.groups) {
            if let Run::Remote { tx, handle } = g.run {
                drop(tx);
                let _ = handle.join();
            }
        }
    }
}

/// A worker: hashes every block it receives with its group of algorithms and
/// returns the block. A panic (which the hash functions never raise) is
/// caught so that the blocks keep flowing; it is reported at the end.
fn worker(
    algs: &[Algorithm],
    rx: &Receiver<Job>,
    ret: &SyncSender<Block>,
) -> Result<Vec<State>, Panic> {
    let mut states: Result<Vec<State>, Panic> = Ok(algs.iter().map(|a| State::new(*a)).collect());
    for job in rx.iter() {
        if let Ok(s) = &mut states {
            let data = job.block.get(..job.len).unwrap_or(&[]);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                for st in s.iter_mut() {
                    st.update(data);
                }
            }));
            if let Err(payload) = outcome {
                states = Err(payload);
            }
        }
        // The receiver only goes away when the hasher is dropped.
        let _ = ret.send(job.block);
    }
    states
}

/// Cores available, asked once: `available_parallelism` reads cgroup files,
/// which costs more than hashing a small file.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| thread::available_parallelism().map_or(1, |n| n.get()))
}
