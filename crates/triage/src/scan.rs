//! Stage `scan`: leads anywhere in the evidence, mapped to files.
//!
//! Scanner threads hand findings to one writer thread in batches, so the
//! database insert of one batch overlaps the scanning of the next.

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};

use exhibit_evidence::Source;
use exhibit_examine::FileMap;
use exhibit_scan::{Feature, ScanConfig, Sink};
use exhibit_store::{CaseStore, FileKey, FindingRow};

use crate::{Progress, TriageError};

/// Findings per transaction.
const BATCH: usize = 20_000;

/// Stage name of the scanner's rows.
pub const STAGE: &str = "scan";

struct StoreSink<'a> {
    evidence: &'a str,
    map: Option<FileMap>,
    /// Row id of each of the map's files ([`exhibit_examine::Hit::index`]),
    /// looked up once rather than per finding.
    ids: Vec<Option<i64>>,
    /// For a logical file: every finding belongs to it.
    file: Option<(FileKey, Option<i64>)>,
    /// Prepended to every forensic path (the file within a folder).
    prefix: String,
    pending: Mutex<Vec<FindingRow>>,
    tx: SyncSender<Vec<FindingRow>>,
    progress: &'a (dyn Fn(Progress<'_>) + Sync),
}

impl StoreSink<'_> {
    fn row(&self, f: Feature) -> FindingRow {
        let (file, file_id) = match &self.file {
            Some((k, id)) => (Some(k.clone()), *id),
            None => match self.map.as_ref().and_then(|m| m.lookup(f.offset)) {
                Some(hit) => match self.ids.get(hit.index).copied().flatten() {
                    Some(id) => (None, Some(id)),
                    None => (Some(map_key(hit.file)), None),
                },
                None => (None, None),
            },
        };
        FindingRow {
            evidence: self.evidence.to_string(),
            kind: f.kind.name().to_string(),
            value: f.value,
            normalized: f.normalized,
            path: format!("{}{}", self.prefix, f.path),
            offset: f.offset,
            encoding: f.encoding.map(str::to_string),
            validated: f.validated,
            context: Some(exhibit_scan::escape(&f.context)),
            file,
            file_id,
        }
    }
}

/// The store's key of a file of the map.
fn map_key(f: &exhibit_examine::FileRecord) -> FileKey {
    FileKey {
        partition: i64::try_from(f.partition).unwrap_or(i64::MAX),
        inode: f.inode.clone(),
        path: f.path.clone(),
    }
}

impl Sink for StoreSink<'_> {
    fn feature(&self, f: Feature) {
        let row = self.row(f);
        let full = {
            let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            p.push(row);
            if p.len() >= BATCH {
                std::mem::take(&mut *p)
            } else {
                return;
            }
        };
        // The writer only stops early on an error, reported after the scan.
        let _ = self.tx.send(full);
    }

    fn note(&self, path: &str, what: &str) {
        (self.progress)(Progress::Warning(format!(
            "{}: scan: {path}: {what}",
            self.evidence
        )));
    }
}

/// Scans one evidence item into the store; returns the number of findings.
pub fn run(
    store: &dyn CaseStore,
    evidence: &str,
    source: &Arc<dyn Source>,
    opts: &crate::TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<u64, TriageError> {
    let target = image_target(source, None);
    progress(Progress::Step {
        evidence,
        step: "scan",
        total: source.len(),
    });
    // The caller holds the store in bulk mode (see `bulk`).
    let encoded = encoded_files(&target);
    let found = scan_into(store, evidence, &**source, target, opts, progress)?;
    let base = source.len();
    Ok(found + scan_encoded(store, evidence, source, &encoded, (opts, progress), base)?)
}

/// Scans chunks `range` of an image into the store (one unit of a
/// distributed triage): no bulk mode, since other workers insert at the
/// same time. Returns the number of findings.
pub fn run_chunks(
    store: &dyn CaseStore,
    evidence: &str,
    source: &Arc<dyn Source>,
    opts: &crate::TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
    range: std::ops::Range<u64>,
) -> Result<u64, TriageError> {
    // The unit of the first chunk also reads the files held only encoded.
    let first = range.start == 0;
    let target = image_target(source, Some(range));
    let encoded = if first {
        encoded_files(&target)
    } else {
        Vec::new()
    };
    let found = scan_into(store, evidence, &**source, target, opts, progress)?;
    Ok(found + scan_encoded(store, evidence, source, &encoded, (opts, progress), 0)?)
}

fn encoded_files(target: &Target) -> Vec<exhibit_examine::EncodedFile> {
    target
        .map
        .as_ref()
        .map(|m| m.encoded().to_vec())
        .unwrap_or_default()
}

/// Scans the decoded content of the files the image holds only encoded
/// (NTFS-compressed): the image scan saw their compressed bytes, where an
/// e-mail address or a wallet is broken up or missing. Forensic paths read
/// `PATH:LZNT1-OFFSET` (offset in the decoded file).
fn scan_encoded(
    store: &dyn CaseStore,
    evidence: &str,
    source: &Arc<dyn Source>,
    encoded: &[exhibit_examine::EncodedFile],
    (opts, progress): (&crate::TriageOptions, &(dyn Fn(Progress<'_>) + Sync)),
    base: u64,
) -> Result<u64, TriageError> {
    if encoded.is_empty() {
        return Ok(0);
    }
    let warn = |what: String| progress(Progress::Warning(format!("{evidence}: scan: {what}")));
    let (_, parts) = exhibit_examine::partitions(source.clone(), source.name())?;
    let ids: HashMap<FileKey, i64> = store.file_ids(evidence)?.into_iter().collect();
    let mut found = 0;
    for part in &parts {
        let mine = encoded.iter().filter(|e| e.file.partition == part.number);
        let mut fs = None;
        for e in mine {
            if fs.is_none() {
                match exhibit_examine::open_fs(part, &exhibit_vfs::FsOptions::default()) {
                    Ok(f) => fs = Some(f),
                    Err(err) => {
                        warn(format!("{}: {err}", part.provenance));
                        break;
                    }
                }
            }
            let Some(fs) = fs.as_ref() else { break };
            let data = match fs.open(&e.file.inode, None) {
                Ok(d) => d,
                Err(err) => {
                    warn(format!("{} ({}): {err}", e.file.path, e.codec));
                    continue;
                }
            };
            let target = Target {
                map: None,
                file: Some(map_key(&e.file)),
                prefix: format!("{}:{}-", e.file.path, e.codec),
                base,
                chunks: None,
            };
            found += scan_with_ids(
                store,
                evidence,
                &ids,
                &*data.source,
                target,
                (opts, progress),
            )?;
        }
    }
    Ok(found)
}

/// Where an image's findings go: mapped to files when it has a file
/// system, from chunks `chunks` only when given.
fn image_target(source: &Arc<dyn Source>, chunks: Option<std::ops::Range<u64>>) -> Target {
    let map = FileMap::build(source.clone(), source.name())
        .ok()
        .filter(|m| m.file_systems() > 0);
    Target {
        map,
        file: None,
        prefix: String::new(),
        base: 0,
        chunks,
    }
}

/// The scanner's settings for a triage.
pub fn config(opts: &crate::TriageOptions) -> ScanConfig {
    ScanConfig {
        threads: opts.threads,
        ..ScanConfig::default()
    }
}

/// Where a scan's findings go.
pub struct Target {
    /// Maps image offsets to files (disk and partition images).
    pub map: Option<FileMap>,
    /// The one file every finding belongs to (a logical file).
    pub file: Option<FileKey>,
    /// Prepended to each forensic path.
    pub prefix: String,
    /// Added to progress byte counts.
    pub base: u64,
    /// Only these chunks of the scanner (a unit of a distributed triage);
    /// `None`: all.
    pub chunks: Option<std::ops::Range<u64>>,
}

/// Scans `source` into the store; returns the number of findings.
pub fn scan_into(
    store: &dyn CaseStore,
    evidence: &str,
    source: &dyn Source,
    target: Target,
    opts: &crate::TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<u64, TriageError> {
    let ids: HashMap<FileKey, i64> = store.file_ids(evidence)?.into_iter().collect();
    scan_with_ids(store, evidence, &ids, source, target, (opts, progress))
}

/// [`scan_into`] with the evidence's file ids already read (one read for
/// many files).
fn scan_with_ids(
    store: &dyn CaseStore,
    evidence: &str,
    ids: &HashMap<FileKey, i64>,
    source: &dyn Source,
    target: Target,
    (opts, progress): (&crate::TriageOptions, &(dyn Fn(Progress<'_>) + Sync)),
) -> Result<u64, TriageError> {
    let file = target.file.map(|k| {
        let id = ids.get(&k).copied();
        (k, id)
    });
    let ids = match (&file, &target.map) {
        (None, Some(map)) => map
            .records()
            .iter()
            .map(|r| ids.get(&map_key(r)).copied())
            .collect(),
        _ => Vec::new(),
    };
    let (tx, rx) = sync_channel::<Vec<FindingRow>>(2);
    let sink = StoreSink {
        evidence,
        map: target.map,
        ids,
        file,
        prefix: target.prefix,
        pending: Mutex::new(Vec::new()),
        tx,
        progress,
    };
    let cfg = config(opts);
    let base = target.base;
    let chunks = target.chunks;
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> Result<(), TriageError> {
            for rows in rx {
                store.insert_findings(STAGE, &rows)?;
            }
            Ok(())
        });
        let report = |d| progress(Progress::Bytes(base + d));
        let scanned = match chunks {
            Some(range) => exhibit_scan::scan_chunks(source, &cfg, &sink, &report, range),
            None => exhibit_scan::scan_source(source, &cfg, &sink, &report),
        };
        let rest = std::mem::take(&mut *sink.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if !rest.is_empty() {
            let _ = sink.tx.send(rest);
        }
        drop(sink);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(TriageError::Internal("finding writer panicked".into())));
        let stats = scanned?;
        written?;
        Ok::<_, TriageError>(stats.features)
    })
}

/// Runs `work` (which inserts many rows) between the store's bulk
/// markers; the indexes are rebuilt even when `work` fails.
pub fn bulk<T>(
    store: &dyn CaseStore,
    work: impl FnOnce() -> Result<T, TriageError>,
) -> Result<T, TriageError> {
    store.bulk_findings(true)?;
    let out = work();
    store.bulk_findings(false)?;
    out
}
