//! Windows artefacts as one timeline of events, offline.
//!
//! Reads the traces of activity a Windows computer leaves behind and turns
//! each into [`Event`]s with the same shape: a UTC time, what that time
//! means, a stable kind (`evtx:4624 logon`, `prefetch:run`, `lnk:target`,
//! `registry:key-written`, `recycle:deleted` …), a one-line description in
//! plain words, the source file and the record or key inside it, and the
//! decoded fields. [`artefacts_from_file`] recognises the artefact from its
//! content (and name where content is ambiguous) and is the one call triage
//! needs; [`artefacts_from_dir`] walks a folder.
//!
//! Supported: event logs (EVTX and legacy EVT, curated events named in
//! plain words, record-number gaps flagged), registry hives (our own
//! read-only parser: every key's last-written time, deleted keys and values
//! recovered from free cells, old and new transaction logs applied to a
//! dirty hive; UserAssist, SAM accounts, Office and shell-item MRU lists,
//! BagMRU, ProgramsCache, Run keys, typed URLs and paths, RecentDocs,
//! USBSTOR, MountedDevices, time zone, network profiles), prefetch (XP to
//! 10, including the Xpress-Huffman compressed Windows 10 format),
//! shortcuts and jump lists (with their shell items and link-tracking
//! times and MAC addresses), recycle-bin records (`INFO2`, `$I`),
//! `setupapi.dev.log` device installs and Chrome, Firefox and Safari
//! history.
//!
//! What this crate must never do:
//! - **No network.** Nothing is looked up; URLs and hosts are data.
//! - **No writing to evidence.** Files are read into memory or read-only;
//!   a transaction log is applied to an in-memory copy of the hive, and
//!   SQLite databases are opened read-only and immutable from a private
//!   copy so no journal or WAL is created beside the evidence.
//! - **No panics or unbounded allocations on input.** Every offset and
//!   length from a file is checked against the data before use, and
//!   decompressed sizes are capped.
//! - **No guessing of times.** A time that is absent or zero is reported as
//!   absent, never as "now"; local times (setupapi) are said to be local.
#![deny(missing_docs)]

mod browser;
mod bytes;
mod event;
mod evt;
mod evtx_log;
mod evtx_scan;
mod json;
mod lnk;
mod prefetch;
mod recycle;
pub mod registry;
mod rendered;
mod setupapi;
mod shellitem;
mod xpress;

use std::path::Path;

pub use event::{json_str, sort_events, Event, JsonLines};
pub use evtx_log::curated_name;
pub use registry::{Hive, Key, Value};
pub use rendered::{write_merged, Rendered};

/// Everything that can go wrong reading an artefact.
#[derive(Debug, thiserror::Error)]
pub enum WindowsError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The content is not an artefact this crate knows.
    #[error("{0}: not a recognised Windows artefact")]
    Unrecognised(String),
    /// The content looks like an artefact but is damaged.
    #[error("{name}: {what}")]
    Corrupt {
        /// The source file.
        name: String,
        /// What is wrong, in words.
        what: String,
    },
}

impl WindowsError {
    pub(crate) fn corrupt(name: &str, what: impl Into<String>) -> Self {
        WindowsError::Corrupt {
            name: name.to_string(),
            what: what.into(),
        }
    }
}

/// The artefact types this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ArtefactType {
    /// `.evtx` event log.
    Evtx,
    /// Legacy `.evt` event log (Windows XP/2003).
    Evt,
    /// Registry hive (`regf`).
    Registry,
    /// Prefetch file (`SCCA`, or `MAM` compressed).
    Prefetch,
    /// Shell link (`.lnk`).
    Lnk,
    /// Automatic destinations jump list (OLE compound file).
    AutomaticDestinations,
    /// Custom destinations jump list.
    CustomDestinations,
    /// Recycle bin `INFO2`.
    Info2,
    /// Recycle bin `$I` file (Vista and later).
    RecycleI,
    /// `setupapi.dev.log` / `setupapi.log`.
    Setupapi,
    /// SQLite browser history (Chrome/Edge, Firefox, Safari).
    BrowserHistory,
}

/// Recognises the artefact type from content first and the file name second.
pub fn detect(name: &str, data: &[u8]) -> Option<ArtefactType> {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    if data.starts_with(b"ElfFile\0") {
        return Some(ArtefactType::Evtx);
    }
    if data.len() >= 8 && &data[4..8] == b"LfLe" {
        return Some(ArtefactType::Evt);
    }
    if data.starts_with(b"regf") {
        // File type 0 is a primary hive; 1, 2 and 6 are transaction logs,
        // which are read together with their hive, not on their own.
        return match data.get(28..32) {
            Some([0, 0, 0, 0]) => Some(ArtefactType::Registry),
            _ => None,
        };
    }
    if data.starts_with(b"MAM\x04") || (data.len() >= 8 && &data[4..8] == b"SCCA") {
        return Some(ArtefactType::Prefetch);
    }
    if data.len() >= 20 && data[..20] == lnk::LNK_HEADER[..] {
        return Some(ArtefactType::Lnk);
    }
    if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
        && base.ends_with(".automaticdestinations-ms")
    {
        return Some(ArtefactType::AutomaticDestinations);
    }
    if base.ends_with(".customdestinations-ms") {
        return Some(ArtefactType::CustomDestinations);
    }
    if data.starts_with(b"SQLite format 3\0") {
        return Some(ArtefactType::BrowserHistory);
    }
    if base == "info2" || base == "info" {
        return Some(ArtefactType::Info2);
    }
    if base.starts_with("$i") && data.len() >= 24 && (data[0] == 1 || data[0] == 2) {
        return Some(ArtefactType::RecycleI);
    }
    if base.starts_with("setupapi") && base.ends_with(".log") {
        return Some(ArtefactType::Setupapi);
    }
    None
}

/// Reads one artefact from its bytes. `name` is the source file as it
/// should appear in the timeline (a path inside the evidence); it is also
/// used to recognise artefacts whose content alone is ambiguous.
pub fn artefacts_from_file(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    artefacts_of_kind(detect(name, data), name, data)
}

/// [`artefacts_from_file`] of bytes already recognised as `kind`.
fn artefacts_of_kind(
    kind: Option<ArtefactType>,
    name: &str,
    data: &[u8],
) -> Result<Vec<Event>, WindowsError> {
    let kind = kind.ok_or_else(|| WindowsError::Unrecognised(name.to_string()))?;
    let mut events = match kind {
        ArtefactType::Evtx => guarded(name, || evtx_log::parse(name, data))?,
        ArtefactType::Evt => evt::parse(name, data)?,
        ArtefactType::Registry => registry::events(name, data, None)?,
        ArtefactType::Prefetch => prefetch::parse(name, data)?,
        ArtefactType::Lnk => lnk::events_from_file(name, data)?,
        ArtefactType::AutomaticDestinations => {
            guarded(name, || lnk::automatic_destinations(name, data))?
        }
        ArtefactType::CustomDestinations => lnk::custom_destinations(name, data)?,
        ArtefactType::Info2 => recycle::info2(name, data)?,
        ArtefactType::RecycleI => recycle::dollar_i(name, data)?,
        ArtefactType::Setupapi => setupapi::parse(name, data)?,
        ArtefactType::BrowserHistory => browser::parse(name, data)?,
    };
    sort_events(&mut events);
    Ok(events)
}

/// Reads a registry hive with its transaction logs (`.LOG`, `.LOG1`,
/// `.LOG2` contents, any order), for callers that read files from an image
/// rather than a folder. The logs are applied only if the hive is dirty.
pub fn hive_events(name: &str, hive: &[u8], logs: &[Vec<u8>]) -> Result<Vec<Event>, WindowsError> {
    let mut events = registry::events(name, hive, Some(logs))?;
    sort_events(&mut events);
    Ok(events)
}

/// Runs a parser built on a third-party crate so that a panic inside it
/// on hostile input becomes an error for this file, not the end of triage.
fn guarded(
    name: &str,
    f: impl FnOnce() -> Result<Vec<Event>, WindowsError> + std::panic::UnwindSafe,
) -> Result<Vec<Event>, WindowsError> {
    std::panic::catch_unwind(f)
        .unwrap_or_else(|_| Err(WindowsError::corrupt(name, "parser failed on damaged data")))
}

/// Reads one artefact file from disk, applying a registry transaction log
/// (`NAME.LOG`, `.LOG1`, `.LOG2` beside the hive) when there is one.
/// `name` is how the source appears in events.
pub fn artefacts_from_path(path: &Path, name: &str) -> Result<Vec<Event>, WindowsError> {
    let data = read(path)?;
    let kind = detect(name, &data);
    let mut events = match kind {
        Some(ArtefactType::Registry) => {
            let mut log_data = Vec::new();
            for p in registry::sibling_logs(path) {
                log_data.push(read(&p)?);
            }
            registry::events(name, &data, Some(&log_data))?
        }
        // The parser owns its buffer: hand it the one just read (a gigabyte
        // of logs is otherwise copied once more).
        Some(ArtefactType::Evtx) => guarded(name, move || evtx_log::parse_owned(name, data))?,
        _ => return artefacts_of_kind(kind, name, &data),
    };
    sort_events(&mut events);
    Ok(events)
}

/// Walks `dir` (sorted, not following symbolic links) and reads every file
/// that is a recognised artefact, on all cores. Source names are paths
/// relative to `dir` with `/` separators. Unrecognised files (and registry
/// transaction logs, read with their hive) are skipped; damaged ones are
/// returned in the second list with their error so nothing is silently
/// lost. The result does not depend on the number of threads.
pub fn artefacts_from_dir(dir: &Path) -> Result<(Vec<Event>, Vec<WindowsError>), WindowsError> {
    let (parts, errors) = render_dir(dir, |events| events)?;
    let mut events: Vec<Event> = parts.into_iter().flatten().collect();
    sort_events(&mut events);
    Ok((events, errors))
}

/// Like [`artefacts_from_dir`], but hands each file's events (sorted) to
/// `render` on the thread that read them and returns what it made, in path
/// order: a caller that only prints turns events into bytes on every core
/// instead of holding millions of them (see [`Rendered`]).
pub fn render_dir<R: Send>(
    dir: &Path,
    render: impl Fn(Vec<Event>) -> R + Sync,
) -> Result<(Vec<R>, Vec<WindowsError>), WindowsError> {
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    let mut wanted = Vec::new();
    for (rel, path) in files {
        let head = read_head(&path)?;
        if detect(&rel, &head).is_some() {
            wanted.push((rel, path));
        }
    }
    let results = par_map(&wanted, |(rel, path)| {
        artefacts_from_path(path, rel).map(&render)
    });
    let mut parts = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(p) => parts.push(p),
            Err(err) => errors.push(err),
        }
    }
    Ok((parts, errors))
}

/// Applies `f` to every item on a few threads; results in item order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, std::path::PathBuf)>,
) -> Result<(), WindowsError> {
    let io = |source| WindowsError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(root, &p, out)?;
        } else if ft.is_file() {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, p));
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, WindowsError> {
    std::fs::read(path).map_err(|source| WindowsError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn read_head(path: &Path) -> Result<Vec<u8>, WindowsError> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|source| WindowsError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut head = Vec::with_capacity(64);
    f.take(64)
        .read_to_end(&mut head)
        .map_err(|source| WindowsError::Io {
            path: path.display().to_string(),
            source,
        })?;
    Ok(head)
}
