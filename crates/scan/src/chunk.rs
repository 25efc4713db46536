//! Parallel scanning of a [`Source`] in overlapping chunks.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use exhibit_evidence::Source;

use crate::config::{Stats, LEFT_MARGIN};
use crate::engine::{scan_frame, Ctx};
use crate::frame::{Frame, Origin, Tail};
use crate::{ScanConfig, ScanError, Sink};

/// Scans every byte of `source` and sends what it finds to `sink`.
///
/// `cfg.threads` workers take chunk numbers from a shared counter; each
/// reads its chunk plus [`LEFT_MARGIN`] bytes before and `cfg.margin`
/// after, so a feature crossing a boundary is seen whole, and reports only
/// features and objects that *start* inside its chunk: each is found exactly
/// once. Objects that run past the margin (a large gzip member, a long
/// base64 attachment) are read on from the source by the chunk they start
/// in. Memory: `threads × (chunk + margins)` plus, per worker, the decoded
/// bytes of the objects being rescanned (at most `max_decoded` per nesting
/// level).
///
/// `progress` is called after each chunk with the number of source bytes
/// scanned so far. Features arrive at the sink in no particular order.
///
/// # Errors
/// The first read error of any worker ([`ScanError::Evidence`]); the other
/// workers stop at their next chunk.
pub fn scan_source(
    source: &dyn Source,
    cfg: &ScanConfig,
    sink: &dyn Sink,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Stats, ScanError> {
    scan_chunks(
        source,
        cfg,
        sink,
        progress,
        0..chunk_count(source.len(), cfg),
    )
}

/// Chunks [`scan_source`] cuts a source of `len` bytes into.
pub fn chunk_count(len: u64, cfg: &ScanConfig) -> u64 {
    len.div_ceil(cfg.effective_chunk() as u64)
}

/// [`scan_source`] over some of the chunks only: machines of a distributed
/// triage each scan a range, and the ranges together find exactly what one
/// whole scan finds (each chunk reports what starts inside it, whoever
/// scans it).
pub fn scan_chunks(
    source: &dyn Source,
    cfg: &ScanConfig,
    sink: &dyn Sink,
    progress: &(dyn Fn(u64) + Sync),
    range: std::ops::Range<u64>,
) -> Result<Stats, ScanError> {
    let len = source.len();
    let chunk = cfg.effective_chunk() as u64;
    let chunks = range.end.min(len.div_ceil(chunk));
    let first = range.start.min(chunks);
    let threads = (cfg.effective_threads() as u64).min(chunks - first).max(1) as usize;
    let next = AtomicU64::new(first);
    let done = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    let job = Job {
        source,
        cfg,
        sink,
        progress,
        len,
        chunk,
        chunks,
        next: &next,
        done: &done,
        failed: &failed,
    };
    let results: Vec<Result<Stats, ScanError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| job.work())).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(ScanError::WorkerPanicked)))
            .collect()
    });
    let mut stats = Stats::default();
    for r in results {
        stats.merge(&r?);
    }
    Ok(stats)
}

/// What every worker shares.
struct Job<'a> {
    source: &'a dyn Source,
    cfg: &'a ScanConfig,
    sink: &'a dyn Sink,
    progress: &'a (dyn Fn(u64) + Sync),
    len: u64,
    chunk: u64,
    chunks: u64,
    next: &'a AtomicU64,
    done: &'a AtomicU64,
    failed: &'a AtomicBool,
}

impl Job<'_> {
    fn work(&self) -> Result<Stats, ScanError> {
        let mut ctx = Ctx::new(self.cfg, self.sink);
        let margin = self.cfg.effective_margin() as u64;
        let mut buf: Vec<u8> = Vec::new();
        while !self.failed.load(Ordering::Relaxed) {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            if k >= self.chunks {
                break;
            }
            let start = k * self.chunk;
            let end = (start + self.chunk).min(self.len);
            let lo = start.saturating_sub(LEFT_MARGIN as u64);
            let hi = end.saturating_add(margin).min(self.len);
            buf.resize((hi - lo) as usize, 0);
            if let Err(e) = self.source.read_exact_at(lo, &mut buf) {
                self.failed.store(true, Ordering::Relaxed);
                return Err(e.into());
            }
            let frame = Frame {
                data: &buf,
                origin: Origin::Top { abs0: lo },
                report: (start - lo) as usize..(end - lo) as usize,
                depth: 0,
                tail: Some(Tail {
                    source: self.source,
                    end_abs: hi,
                }),
            };
            scan_frame(&mut ctx, &frame);
            ctx.stats.bytes += end - start;
            ctx.stats.chunks += 1;
            let total = self.done.fetch_add(end - start, Ordering::Relaxed) + (end - start);
            (self.progress)(total);
        }
        Ok(ctx.finish())
    }
}

/// Scans a buffer in memory (a file's content, a test vector) on the
/// calling thread. Plain hits get paths `base_path_offset + index`; decoded
/// objects `…-TAG-…` as usual.
pub fn scan_bytes(data: &[u8], base_path_offset: u64, cfg: &ScanConfig, sink: &dyn Sink) -> Stats {
    let mut ctx = Ctx::new(cfg, sink);
    let frame = Frame {
        data,
        origin: Origin::Top {
            abs0: base_path_offset,
        },
        report: 0..data.len(),
        depth: 0,
        tail: None,
    };
    scan_frame(&mut ctx, &frame);
    ctx.stats.bytes += data.len() as u64;
    ctx.stats.chunks += 1;
    ctx.finish()
}
