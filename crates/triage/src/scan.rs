//! Stage `scan`: leads anywhere in the evidence, mapped to files.

use std::sync::{Arc, Mutex};

use exhibit_evidence::Source;
use exhibit_examine::FileMap;
use exhibit_scan::{Feature, ScanConfig, Sink};
use exhibit_store::{CaseStore, FileKey, FindingRow};

use crate::{Progress, TriageError};

/// Findings per transaction.
const BATCH: usize = 5000;

struct StoreSink<'a> {
    store: &'a dyn CaseStore,
    evidence: &'a str,
    map: Option<FileMap>,
    /// For a logical file: every finding belongs to it.
    file: Option<FileKey>,
    /// Prepended to every forensic path (the file within a folder).
    prefix: String,
    pending: Mutex<Vec<FindingRow>>,
    error: Mutex<Option<TriageError>>,
    progress: &'a (dyn Fn(Progress<'_>) + Sync),
}

impl StoreSink<'_> {
    fn flush(&self, rows: Vec<FindingRow>) {
        if rows.is_empty() {
            return;
        }
        if let Err(e) = self.store.insert_findings(&rows) {
            let mut err = self.error.lock().unwrap_or_else(|p| p.into_inner());
            err.get_or_insert(e.into());
        }
    }

    fn row(&self, f: Feature) -> FindingRow {
        let file = self.file.clone().or_else(|| {
            self.map
                .as_ref()
                .and_then(|m| m.lookup(f.offset))
                .map(|hit| FileKey {
                    partition: i64::try_from(hit.file.partition).unwrap_or(i64::MAX),
                    inode: hit.file.inode.clone(),
                    path: hit.file.path.clone(),
                })
        });
        FindingRow {
            evidence: self.evidence.to_string(),
            kind: f.kind.name().to_string(),
            value: f.value,
            normalized: f.normalized,
            path: format!("{}{}", self.prefix, f.path),
            offset: f.offset,
            encoding: f.encoding.map(str::to_string),
            validated: f.validated,
            file,
        }
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
                Vec::new()
            }
        };
        self.flush(full);
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
    let map = FileMap::build(source.clone(), source.name())
        .ok()
        .filter(|m| m.file_systems() > 0);
    progress(Progress::Step {
        evidence,
        step: "scan",
        total: source.len(),
    });
    let target = Target {
        map,
        file: None,
        prefix: String::new(),
        base: 0,
    };
    scan_into(store, evidence, &**source, target, opts, progress)
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
    let sink = StoreSink {
        store,
        evidence,
        map: target.map,
        file: target.file,
        prefix: target.prefix,
        pending: Mutex::new(Vec::new()),
        error: Mutex::new(None),
        progress,
    };
    let cfg = ScanConfig {
        threads: opts.threads,
        ..ScanConfig::default()
    };
    let base = target.base;
    let stats = exhibit_scan::scan_source(source, &cfg, &sink, &|d| {
        progress(Progress::Bytes(base + d))
    })?;
    let rest = std::mem::take(&mut *sink.pending.lock().unwrap_or_else(|p| p.into_inner()));
    sink.flush(rest);
    let err = sink.error.lock().unwrap_or_else(|p| p.into_inner()).take();
    match err {
        Some(e) => Err(e),
        None => Ok(stats.features),
    }
}
