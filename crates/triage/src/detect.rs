//! What the evidence is, and the logical evidence kinds: a folder of files
//! and a single ordinary file.
//!
//! Disk images (a volume system, or any E01/split container) and partition
//! images (a bare file system: examine reads it as one whole-image volume)
//! go through the `files` stage as before. A folder is walked read-only
//! (sorted, symlinks never followed, depth capped) and a file that is
//! neither gets one file row; both are scanned file by file.

use std::path::Path;
use std::sync::Arc;

use exhibit_case::folder::Manifest;
use exhibit_evidence::{ContainerKind, RawSource, Source};
use exhibit_examine::{partitions, READERS};
use exhibit_hash::Algorithm;
use exhibit_store::{CaseStore, FileKey, FileRow, TimelineRow};
use exhibit_volumes::VolumeSystemKind;

use crate::analyse::Found;
use crate::scan::{scan_into, Target};
use crate::{content, time_text, Progress, TriageError, TriageOptions};

/// What an evidence path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A volume system (MBR, GPT) or an E01/split container.
    DiskImage,
    /// A bare file system: one volume, the whole image.
    PartitionImage,
    /// A folder: a logical collection of files.
    Folder,
    /// A mailbox (mbox) or one e-mail message (`.eml`).
    Mailbox,
    /// An ordinary file: no volume system, no file system.
    File,
}

impl EvidenceKind {
    /// Name recorded in the custody log.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceKind::DiskImage => "disk-image",
            EvidenceKind::PartitionImage => "partition-image",
            EvidenceKind::Folder => "folder",
            EvidenceKind::Mailbox => "mailbox",
            EvidenceKind::File => "file",
        }
    }

    /// Whether the item is read file by file rather than as an image.
    pub fn logical(self) -> bool {
        matches!(
            self,
            EvidenceKind::Folder | EvidenceKind::Mailbox | EvidenceKind::File
        )
    }
}

/// Detects what `path` is, from its content.
pub fn detect(path: &Path) -> Result<EvidenceKind, TriageError> {
    if path.is_dir() {
        return Ok(EvidenceKind::Folder);
    }
    let evidence = exhibit_evidence::open(path).map_err(|e| TriageError::Evidence {
        path: path.to_path_buf(),
        source: e,
    })?;
    let raw = evidence.kind() == ContainerKind::Raw;
    let source: Arc<dyn Source> = Arc::new(evidence);
    let (vs, parts) = partitions(source.clone(), source.name())?;
    if vs.kind != VolumeSystemKind::None {
        return Ok(EvidenceKind::DiskImage);
    }
    let fs = parts
        .iter()
        .any(|p| READERS.iter().any(|r| (r.probe)(&p.source)));
    Ok(if fs {
        EvidenceKind::PartitionImage
    } else if raw {
        let mut head = vec![0u8; 8192];
        let n = source.read_at(0, &mut head).unwrap_or(0);
        match exhibit_mail::sniff(&head[..n]) {
            Some(_) => EvidenceKind::Mailbox,
            None => EvidenceKind::File,
        }
    } else {
        // An E01 or split image of something unknown is still an image.
        EvidenceKind::DiskImage
    })
}

/// One file of a logical item: its key in the store and where it lies.
pub struct LogicalFile<'a> {
    /// Partition 0, inode `-`, `/`-rooted path.
    pub key: FileKey,
    /// The file on disk.
    pub path: &'a Path,
    /// Its size.
    pub size: u64,
}

/// The files of a logical item: the manifest of a folder, or the file.
pub fn logical_files<'a>(path: &'a Path, manifest: Option<&'a Manifest>) -> Vec<LogicalFile<'a>> {
    let key = |p: String| FileKey {
        partition: 0,
        inode: "-".into(),
        path: p,
    };
    match manifest {
        Some(m) => m
            .entries
            .iter()
            .map(|e| LogicalFile {
                key: key(format!("/{}", e.relative)),
                path: &e.path,
                size: e.size,
            })
            .collect(),
        None => vec![LogicalFile {
            key: key(format!(
                "/{}",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            )),
            path,
            size: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        }],
    }
}

fn open(path: &Path) -> Result<RawSource, TriageError> {
    RawSource::open(path).map_err(|e| TriageError::Evidence {
        path: path.to_path_buf(),
        source: e,
    })
}

/// Stage `files` of a logical item: one row per file with hashes, type
/// and times (not the access time: reading the file for examination may
/// change it), and its timeline events.
pub fn files(
    store: &dyn CaseStore,
    evidence: &str,
    kind: EvidenceKind,
    files: &[LogicalFile<'_>],
    out: crate::files::Output<'_>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
    warn: &mut dyn FnMut(String),
) -> Result<u64, TriageError> {
    progress(Progress::Step {
        evidence,
        step: "files",
        total: files.iter().map(|f| f.size).sum(),
    });
    let mut rows = Vec::new();
    let mut events = Vec::new();
    let mut found = Found::default();
    let analysers = crate::analyse::registry();
    let mut buf = Vec::new();
    let mut done = 0u64;
    for f in files {
        let meta = std::fs::symlink_metadata(f.path).ok();
        let time =
            |t: Option<std::time::SystemTime>| t.and_then(|t| jiff::Timestamp::try_from(t).ok());
        let mtime = time(meta.as_ref().and_then(|m| m.modified().ok()));
        let crtime = time(meta.as_ref().and_then(|m| m.created().ok()));
        #[cfg(unix)]
        let (mode, uid, gid, ctime) = {
            use std::os::unix::fs::MetadataExt;
            match &meta {
                Some(m) => (
                    m.mode(),
                    m.uid(),
                    m.gid(),
                    jiff::Timestamp::new(m.ctime(), i32::try_from(m.ctime_nsec()).unwrap_or(0))
                        .ok(),
                ),
                None => (0, 0, 0, None),
            }
        };
        #[cfg(not(unix))]
        let (mode, uid, gid, ctime) = (0u32, 0u32, 0u32, None);
        let mut row = FileRow {
            id: 0,
            evidence: evidence.to_string(),
            key: f.key.clone(),
            fs: kind.name().to_string(),
            name_kind: "file".into(),
            deleted: false,
            size: f.size,
            mode,
            uid,
            gid,
            atime: None,
            mtime: mtime.map(time_text),
            ctime: ctime.map(time_text),
            crtime: crtime.map(time_text),
            md5: None,
            sha1: None,
            sha256: None,
            mime: None,
            recovery: "certain".into(),
        };
        if f.size == 0 {
            let c = exhibit_hash::hash_bytes(
                &[],
                &[Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256],
            );
            row.md5 = c.hex(Algorithm::Md5);
            row.sha1 = c.hex(Algorithm::Sha1);
            row.sha256 = c.hex(Algorithm::Sha256);
            row.mime = Some(content::mime(&[]));
        } else {
            let examined = open(f.path).and_then(|s| {
                let c = content::examine(&s, &mut buf).map_err(|e| TriageError::Evidence {
                    path: f.path.to_path_buf(),
                    source: e,
                })?;
                let more =
                    content::analyse(&analysers, evidence, &f.key, (&c, &buf), &s, out.text_limit);
                Ok((c, more))
            });
            match examined {
                Ok((c, mut more)) => {
                    for doc in more.docs.drain(..) {
                        out.index.add(&doc)?;
                    }
                    row.md5 = c.digests.hex(Algorithm::Md5);
                    row.sha1 = c.digests.hex(Algorithm::Sha1);
                    row.sha256 = c.digests.hex(Algorithm::Sha256);
                    row.mime = Some(c.mime);
                    found.extend(more);
                }
                Err(e) => warn(e.to_string()),
            }
        }
        for (t, flags) in [(mtime, 0), (ctime, 2), (crtime, 3)]
            .into_iter()
            .filter_map(|(t, i)| t.map(|t| (t, i)))
            .fold(
                Vec::<(jiff::Timestamp, [u8; 4])>::new(),
                |mut out, (t, i)| {
                    match out.iter_mut().find(|(u, _)| *u == t) {
                        Some(s) => s.1[i] = b"macb"[i],
                        None => {
                            let mut flags = *b"....";
                            flags[i] = b"macb"[i];
                            out.push((t, flags));
                        }
                    }
                    out
                },
            )
        {
            events.push(TimelineRow {
                time: time_text(t),
                macb: String::from_utf8_lossy(&flags).into_owned(),
                evidence: evidence.to_string(),
                source: kind.name().to_string(),
                description: row.key.path.clone(),
                zone: None,
                file: Some(row.key.clone()),
                file_id: None,
            });
        }
        rows.push(row);
        done += f.size;
        progress(Progress::Bytes(done));
        for w in std::mem::take(&mut found.warnings) {
            warn(w);
        }
        if rows.len() >= 1000 || found.messages.len() >= 1000 {
            crate::files::flush(store, out.index, &mut rows, &mut events, &mut found)?;
        }
    }
    let mut fin = crate::analyse::finish_all(&analysers);
    for w in std::mem::take(&mut fin.warnings) {
        warn(w);
    }
    found.extend(fin);
    if !rows.is_empty() || !found.is_empty() {
        crate::files::flush(store, out.index, &mut rows, &mut events, &mut found)?;
    }
    Ok(files.len() as u64)
}

/// Stage `scan` of a logical item: each file's bytes, findings mapped to
/// the file; in a folder the forensic path starts with the file's path.
pub fn scan(
    store: &dyn CaseStore,
    evidence: &str,
    kind: EvidenceKind,
    files: &[LogicalFile<'_>],
    opts: &TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<u64, TriageError> {
    progress(Progress::Step {
        evidence,
        step: "scan",
        total: files.iter().map(|f| f.size).sum(),
    });
    crate::scan::bulk(store, || {
        scan_files(store, evidence, kind, files, opts, progress)
    })
}

fn scan_files(
    store: &dyn CaseStore,
    evidence: &str,
    kind: EvidenceKind,
    files: &[LogicalFile<'_>],
    opts: &TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<u64, TriageError> {
    let mut found = 0;
    let mut base = 0;
    for f in files {
        if f.size > 0 {
            let source = open(f.path)?;
            let prefix = match kind {
                EvidenceKind::Folder => format!("{}:", f.key.path),
                _ => String::new(),
            };
            let target = Target {
                map: None,
                file: Some(f.key.clone()),
                prefix,
                base,
                chunks: None,
            };
            found += scan_into(store, evidence, &source, target, opts, progress)?;
        }
        base += f.size;
    }
    Ok(found)
}
