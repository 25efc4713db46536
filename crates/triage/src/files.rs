//! Stage `files`: every entry of every file system, with hashes, type and
//! timeline events.

use std::collections::BTreeMap;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Condvar, Mutex};

use exhibit_evidence::Source;
use exhibit_examine::{open_fs, partitions};
use exhibit_hash::Algorithm;
use exhibit_store::{CaseStore, FileKey, FileRow, TimelineRow};
use exhibit_vfs::{Entry, EntryKind, FileSystem, FsOptions, Recovery};

use crate::analyse::{Analyser, Found};
use crate::{content, time_text, Progress, TriageError};

/// Rows per transaction.
const BATCH: usize = 2000;

/// What the stage did.
#[derive(Debug, Default)]
pub struct FileStats {
    /// Entries listed.
    pub files: u64,
    /// Files whose content was hashed.
    pub hashed: u64,
    /// Timeline events.
    pub events: u64,
}

/// Lists, hashes and stores the files of one evidence item.
///
/// The file system is listed on this thread; worker threads open, hash and
/// type the files; one writer puts the rows back in listing order (so row
/// ids do not depend on thread timing) and stores them in batches.
pub fn run(
    store: &dyn CaseStore,
    evidence: &str,
    source: &Arc<dyn Source>,
    out: Output<'_>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
    warn: &mut dyn FnMut(String),
) -> Result<FileStats, TriageError> {
    let Output {
        index,
        text_limit,
        local_tz,
        threads,
    } = out;
    let (_, parts) = partitions(source.clone(), source.name())?;
    let mut opts = FsOptions::default();
    if let Some(tz) = local_tz {
        opts.local_tz = jiff::tz::TimeZone::get(tz)
            .map_err(|e| TriageError::Internal(format!("unknown time zone `{tz}`: {e}")))?;
    }
    let mut stats = FileStats::default();
    let workers = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let analysers = crate::analyse::registry();
    for part in &parts {
        progress(Progress::Step {
            evidence,
            step: "files",
            total: part.source.len(),
        });
        let fs = match open_fs(part, &opts) {
            Ok(fs) => fs,
            Err(e) => {
                warn(e.to_string());
                continue;
            }
        };
        let kind = fs.kind().to_string();
        let fs: &dyn FileSystem = &*fs;
        let (job_tx, job_rx) = sync_channel::<(u64, Entry)>(1024);
        let job_rx = Mutex::new(job_rx);
        // Results wait for the writer in a window bounded by bytes, not
        // count: workers run far ahead of one large file being hashed, and
        // memory stays bounded however much text each result carries.
        let (row_tx, row_rx) = sync_channel::<(u64, usize, Done)>(WINDOW_ITEMS);
        let window = Window::default();
        let (listed, written) = std::thread::scope(|s| {
            for _ in 0..workers {
                let row_tx = row_tx.clone();
                let (job_rx, kind, analysers, window) = (&job_rx, &kind, &analysers, &window);
                s.spawn(move || {
                    let mut buf = Vec::new();
                    loop {
                        let job = job_rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok((seq, e)) = job else { break };
                        let mut warnings = Vec::new();
                        let (row, found) = file_row(
                            fs,
                            evidence,
                            (part.number, kind),
                            &e,
                            (analysers, text_limit, &mut buf),
                            &mut |w| warnings.push(format!("{}: {}: {w}", part.provenance, e.path)),
                        );
                        let mut events = events(&row, &e);
                        if let Some(zone) = local_zone(&row.fs, local_tz) {
                            events
                                .iter_mut()
                                .for_each(|ev| ev.zone = Some(zone.clone()));
                        }
                        let done = Done {
                            row,
                            events,
                            warnings,
                            found,
                        };
                        let weight = done.weight();
                        window.enter(seq, weight);
                        if row_tx.send((seq, weight, done)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(row_tx);
            let index = &mut *index;
            let window = &window;
            let writer = s.spawn(move || {
                let r = write_in_order(store, index, row_rx, window, progress);
                // Workers waiting for room must not wait for a writer that stopped.
                window.close();
                r
            });
            let mut seq = 0u64;
            let listed = fs.list_each(&mut |e| {
                // A closed channel means the writer failed: its error is
                // reported below.
                let _ = job_tx.send((seq, e));
                seq += 1;
            });
            drop(job_tx);
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(TriageError::Internal("file writer panicked".into())));
            (listed, written)
        });
        let w = written?;
        // Artefacts that need several files of this file system together.
        let mut fin = crate::analyse::finish_all(&analysers);
        for m in std::mem::take(&mut fin.warnings) {
            warn(format!("{}: {m}", part.provenance));
        }
        flush(store, index, &mut Vec::new(), &mut Vec::new(), &mut fin)?;
        stats.files += w.files;
        stats.hashed += w.hashed;
        stats.events += w.events;
        for m in w.warnings {
            warn(m);
        }
        match listed {
            Ok(ws) => {
                for w in ws {
                    warn(format!(
                        "{}: offset {}: {}",
                        part.provenance, w.offset, w.what
                    ));
                }
            }
            Err(e) => warn(format!("{}: {e}", part.provenance)),
        }
    }
    Ok(stats)
}

/// A worker's result for one entry.
pub(crate) struct Done {
    pub(crate) row: FileRow,
    pub(crate) events: Vec<TimelineRow>,
    pub(crate) warnings: Vec<String>,
    pub(crate) found: Found,
}

impl Done {
    /// Roughly the bytes it holds (the window's unit).
    fn weight(&self) -> usize {
        let docs: usize = self.found.docs.iter().map(|d| d.text.len()).sum();
        let messages: usize = self
            .found
            .messages
            .iter()
            .map(|m| m.analysis.as_ref().map_or(0, String::len) + 256)
            .sum();
        1024 + docs
            + messages
            + 256 * (self.events.len() + self.found.events.len() + self.found.findings.len())
    }
}

/// Results queued at most (a bound the byte window normally reaches first).
const WINDOW_ITEMS: usize = 1 << 16;
/// Bytes of results held for the writer at most.
const WINDOW_BYTES: usize = 64 << 20;

/// The reorder window between the workers and the in-order writer: a
/// result may enter when it fits in [`WINDOW_BYTES`], and the one the
/// writer waits for always may (so the window can never deadlock).
#[derive(Default)]
pub(crate) struct Window {
    /// (next sequence number the writer wants, bytes held, closed)
    state: Mutex<(u64, usize, bool)>,
    room: Condvar,
}

impl Window {
    fn enter(&self, seq: u64, bytes: usize) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while !(st.2 || seq == st.0 || st.1 + bytes <= WINDOW_BYTES) {
            st = self.room.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        st.1 += bytes;
    }

    /// The writer took `bytes` out and now waits for `next`.
    fn left(&self, next: u64, bytes: usize) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.0 = next;
        st.1 = st.1.saturating_sub(bytes);
        self.room.notify_all();
    }

    fn close(&self) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.2 = true;
        self.room.notify_all();
    }
}

/// What the writer stored.
#[derive(Default)]
pub(crate) struct Written {
    pub(crate) files: u64,
    pub(crate) hashed: u64,
    pub(crate) events: u64,
    pub(crate) warnings: Vec<String>,
}

/// Stores what the workers made, in sequence order, in batches: each
/// batch's files first, then the rows analysers made from them.
pub(crate) fn write_in_order(
    store: &dyn CaseStore,
    index: &mut exhibit_index::Writer,
    rx: Receiver<(u64, usize, Done)>,
    window: &Window,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Written, TriageError> {
    let mut next = 0u64;
    let mut waiting: BTreeMap<u64, (usize, Done)> = BTreeMap::new();
    let mut files = Vec::new();
    let mut events = Vec::new();
    let mut found = Found::default();
    let mut out = Written::default();
    let mut bytes = 0u64;
    for (seq, weight, done) in rx {
        waiting.insert(seq, (weight, done));
        while let Some((weight, mut d)) = waiting.remove(&next) {
            next += 1;
            window.left(next, weight);
            out.files += 1;
            out.events += d.events.len() as u64;
            if d.row.md5.is_some() {
                out.hashed += 1;
                bytes += d.row.size;
            }
            out.warnings.extend(d.warnings);
            out.warnings.extend(std::mem::take(&mut d.found.warnings));
            // Text goes to the index at once (tantivy buffers within its
            // own heap), not into the batch.
            for doc in d.found.docs.drain(..) {
                index.add(&doc)?;
            }
            files.push(d.row);
            events.extend(d.events);
            found.extend(d.found);
            if files.len() >= BATCH || found.messages.len() >= BATCH {
                flush(store, index, &mut files, &mut events, &mut found)?;
                progress(Progress::Bytes(bytes));
            }
        }
    }
    if !files.is_empty() {
        flush(store, index, &mut files, &mut events, &mut found)?;
    }
    Ok(out)
}

/// Stores a batch of files, then the rows analysers made from them.
pub(crate) fn flush(
    store: &dyn CaseStore,
    index: &mut exhibit_index::Writer,
    rows: &mut Vec<FileRow>,
    events: &mut Vec<TimelineRow>,
    found: &mut Found,
) -> Result<(), TriageError> {
    store.insert_files(rows, events)?;
    let f = std::mem::take(found);
    for r in rows.iter() {
        index.add(&file_doc(r))?;
    }
    for d in &f.docs {
        index.add(d)?;
    }
    if !f.findings.is_empty() {
        store.insert_findings("files", &f.findings)?;
    }
    if !f.events.is_empty() {
        store.insert_events("files", &f.events)?;
    }
    if !f.messages.is_empty() {
        store.insert_messages("files", &f.messages)?;
    }
    rows.clear();
    events.clear();
    Ok(())
}

/// Where the files stage puts what goes beyond the store.
pub struct Output<'a> {
    /// The full-text index writer of this item (committed by the caller).
    pub index: &'a mut exhibit_index::Writer,
    /// Bytes of each text file's content indexed (0: none).
    pub text_limit: usize,
    /// Zone of file systems that store local time, by name (`None`: UTC
    /// assumed, and the events say so).
    pub local_tz: Option<&'a str>,
    /// Worker threads (0: all cores).
    pub threads: usize,
}

/// The zone note of events from a file system that stores local time
/// (FAT): times were converted from `tz`, or read as UTC when it is unknown.
fn local_zone(fs: &str, tz: Option<&str>) -> Option<String> {
    if !fs.starts_with("FAT") {
        return None;
    }
    Some(match tz {
        Some(tz) => format!("local time in {tz}"),
        None => "local time (zone unknown: read as UTC)".to_string(),
    })
}

/// A file in the full-text index: found by its path and type.
fn file_doc(r: &FileRow) -> exhibit_index::Doc {
    exhibit_index::Doc {
        kind: exhibit_index::DocKind::File,
        evidence: r.evidence.clone(),
        key: format!("{}\u{0}{}\u{0}{}", r.key.partition, r.key.inode, r.key.path),
        sort: format!("{}\u{0}{}", r.key.path, r.key.inode),
        tag: r.mime.clone().unwrap_or_default(),
        value: r.key.path.clone(),
        path: r.key.path.clone(),
        time: r.mtime.as_deref().and_then(|t| t.parse().ok()),
        text: String::new(),
    }
}

fn recovery_name(r: Recovery) -> &'static str {
    match r {
        Recovery::Certain => "certain",
        Recovery::Guess => "guess",
        Recovery::Lost => "lost",
    }
}

/// Sparse content this large that was never written anywhere (NTFS's
/// `$BadClus:$Bad`, a hole the size of the volume) is not read: it holds
/// nothing but zeros, and hashing a terabyte of them would cost the triage
/// half an hour. Such a file is listed without hashes.
const UNWRITTEN_SKIPPED: u64 = 256 << 20;

fn unwritten(fs: &dyn FileSystem, e: &Entry) -> bool {
    e.size >= UNWRITTEN_SKIPPED
        && matches!(fs.extents(&e.inode), Ok(Some(runs)) if runs.iter().all(|r| r.offset.is_none()))
}

fn file_row(
    fs: &dyn FileSystem,
    evidence: &str,
    (partition, kind): (usize, &str),
    e: &Entry,
    (analysers, text_limit, buf): (&[Box<dyn Analyser>], usize, &mut Vec<u8>),
    warn: &mut dyn FnMut(String),
) -> (FileRow, Found) {
    let mut row = FileRow {
        id: 0,
        evidence: evidence.to_string(),
        key: FileKey {
            partition: i64::try_from(partition).unwrap_or(i64::MAX),
            inode: e.inode.clone(),
            path: e.path.clone(),
        },
        fs: kind.to_string(),
        name_kind: e.name_kind.name().to_string(),
        deleted: e.deleted || !e.meta_allocated,
        size: e.size,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        atime: e.times.atime.map(time_text),
        mtime: e.times.mtime.map(time_text),
        ctime: e.times.ctime.map(time_text),
        crtime: e.times.crtime.map(time_text),
        md5: None,
        sha1: None,
        sha256: None,
        mime: None,
        recovery: recovery_name(e.recovery).to_string(),
    };
    let regular = e.name_kind == EntryKind::File && e.meta_kind == EntryKind::File;
    if !regular || e.recovery == Recovery::Lost || unwritten(fs, e) {
        return (row, Found::default());
    }
    let data = match fs.open(&e.inode, None) {
        Ok(d) => d,
        Err(err) => {
            warn(err.to_string());
            return (row, Found::default());
        }
    };
    row.recovery = recovery_name(data.recovery).to_string();
    let found = match content::examine(&*data.source, buf) {
        Ok(c) => {
            row.md5 = c.digests.hex(Algorithm::Md5);
            row.sha1 = c.digests.hex(Algorithm::Sha1);
            row.sha256 = c.digests.hex(Algorithm::Sha256);
            let found = content::analyse(
                analysers,
                evidence,
                &row.key,
                (&c, buf),
                &*data.source,
                text_limit,
            );
            row.mime = Some(c.mime);
            found
        }
        Err(err) => {
            warn(err.to_string());
            Found::default()
        }
    };
    (row, found)
}

/// One event per distinct time of the entry, with its MACB flags.
fn events(row: &FileRow, e: &Entry) -> Vec<TimelineRow> {
    let times = [
        (e.times.mtime, 0),
        (e.times.atime, 1),
        (e.times.ctime, 2),
        (e.times.crtime, 3),
    ];
    let mut out: Vec<(jiff::Timestamp, [u8; 4])> = Vec::new();
    for (t, i) in times {
        let Some(t) = t else { continue };
        let slot = match out.iter_mut().find(|(u, _)| *u == t) {
            Some(s) => s,
            None => {
                out.push((t, *b"...."));
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        slot.1[i] = b"macb"[i];
    }
    out.sort();
    out.into_iter()
        .map(|(t, flags)| TimelineRow {
            time: time_text(t),
            macb: String::from_utf8_lossy(&flags).into_owned(),
            evidence: row.evidence.clone(),
            source: row.fs.clone(),
            description: if row.deleted {
                format!("{} (deleted)", row.key.path)
            } else {
                row.key.path.clone()
            },
            zone: None,
            file: Some(row.key.clone()),
            file_id: None,
        })
        .collect()
}
