//! Stage `files`: every entry of every file system, with hashes, type and
//! timeline events.

use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_examine::{open_fs, partitions};
use exhibit_hash::Algorithm;
use exhibit_store::{CaseStore, FileKey, FileRow, TimelineRow};
use exhibit_vfs::{Entry, EntryKind, FileSystem, FsOptions, Recovery};

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

struct Batch<'a> {
    store: &'a dyn CaseStore,
    files: Vec<FileRow>,
    events: Vec<TimelineRow>,
    error: Option<TriageError>,
}

impl Batch<'_> {
    fn flush(&mut self) {
        if self.error.is_some() || self.files.is_empty() {
            return;
        }
        if let Err(e) = self.store.insert_files(&self.files, &self.events) {
            self.error = Some(e.into());
        }
        self.files.clear();
        self.events.clear();
    }
}

/// Lists, hashes and stores the files of one evidence item.
pub fn run(
    store: &dyn CaseStore,
    evidence: &str,
    source: &Arc<dyn Source>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
    warn: &mut dyn FnMut(String),
) -> Result<FileStats, TriageError> {
    let (_, parts) = partitions(source.clone(), source.name())?;
    let opts = FsOptions::default();
    let mut stats = FileStats::default();
    let mut batch = Batch {
        store,
        files: Vec::new(),
        events: Vec::new(),
        error: None,
    };
    for part in &parts {
        progress(Progress::Step {
            evidence,
            step: "files",
            total: 0,
        });
        let fs = match open_fs(part, &opts) {
            Ok(fs) => fs,
            Err(e) => {
                warn(e.to_string());
                continue;
            }
        };
        let kind = fs.kind().to_string();
        let listed = fs.list_each(&mut |e| {
            if batch.error.is_some() {
                return;
            }
            let row = file_row(&*fs, evidence, part.number, &kind, &e, &mut |w| {
                warn(format!("{}: {}: {w}", part.provenance, e.path))
            });
            if row.md5.is_some() {
                stats.hashed += 1;
            }
            let events = events(&row, &e);
            stats.files += 1;
            stats.events += events.len() as u64;
            batch.files.push(row);
            batch.events.extend(events);
            if batch.files.len() >= BATCH {
                batch.flush();
            }
        });
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
    batch.flush();
    match batch.error {
        Some(e) => Err(e),
        None => Ok(stats),
    }
}

fn kind_name(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "file",
        EntryKind::Directory => "directory",
        EntryKind::Symlink => "symlink",
        EntryKind::CharDevice => "char-device",
        EntryKind::BlockDevice => "block-device",
        EntryKind::Fifo => "fifo",
        EntryKind::Socket => "socket",
        EntryKind::Virtual => "virtual",
        EntryKind::VirtualDirectory => "virtual-directory",
        EntryKind::Unknown => "unknown",
    }
}

fn recovery_name(r: Recovery) -> &'static str {
    match r {
        Recovery::Certain => "certain",
        Recovery::Guess => "guess",
        Recovery::Lost => "lost",
    }
}

fn file_row(
    fs: &dyn FileSystem,
    evidence: &str,
    partition: usize,
    kind: &str,
    e: &Entry,
    warn: &mut dyn FnMut(String),
) -> FileRow {
    let mut row = FileRow {
        id: 0,
        evidence: evidence.to_string(),
        key: FileKey {
            partition: i64::try_from(partition).unwrap_or(i64::MAX),
            inode: e.inode.clone(),
            path: e.path.clone(),
        },
        fs: kind.to_string(),
        name_kind: kind_name(e.name_kind).to_string(),
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
    if !regular || e.recovery == Recovery::Lost {
        return row;
    }
    let data = match fs.open(&e.inode, None) {
        Ok(d) => d,
        Err(err) => {
            warn(err.to_string());
            return row;
        }
    };
    row.recovery = recovery_name(data.recovery).to_string();
    match content::examine(&*data.source) {
        Ok(c) => {
            row.md5 = c.digests.hex(Algorithm::Md5);
            row.sha1 = c.digests.hex(Algorithm::Sha1);
            row.sha256 = c.digests.hex(Algorithm::Sha256);
            row.mime = Some(c.mime);
        }
        Err(err) => warn(err.to_string()),
    }
    row
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
            file: Some(row.key.clone()),
        })
        .collect()
}
