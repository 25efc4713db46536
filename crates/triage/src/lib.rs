//! Triage: one pass from seized evidence to a searchable case.
//!
//! For each evidence item, [`triage`] detects what it is ([`detect`]: a
//! disk image, a partition image, a folder or a single file), registers it
//! in the case (once, recording the kind), lists every file of every file
//! system (or of the folder, or the file itself), hashes and types the content,
//! builds the timeline, scans the whole image for leads, and stores it all
//! in a [`CaseStore`]. Work is done in resumable stages (`files`, `scan`)
//! recorded in the store, so a rerun skips what is done and adds nothing.
//!
//! What it must never do: write to evidence (everything is read through
//! `exhibit_evidence` and `FileSystem::open`), hold a whole large file in
//! memory (files over [`MAX_IN_MEMORY`] are hashed streaming), or report
//! success before the `examined` custody entry is appended.
#![deny(missing_docs)]

mod content;
mod detect;
mod error;
mod files;
mod scan;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use exhibit_case::{Case, EvidenceRecord};
use exhibit_evidence::Source;
use exhibit_store::{CaseStore, EvidenceRow};
use serde::Serialize;

pub use content::MAX_IN_MEMORY;
pub use detect::{detect, EvidenceKind};
pub use error::TriageError;

/// Stage names recorded in the store.
pub const STAGES: [&str; 2] = ["files", "scan"];

/// Recorded in the store's stages once the `examined` custody entry of an
/// item is appended.
pub const EXAMINED: &str = "examined";

/// How to triage.
#[derive(Debug, Clone, Default)]
pub struct TriageOptions {
    /// Examiner named in custody entries.
    pub examiner: String,
    /// Scanner threads (0: all cores).
    pub threads: usize,
}

/// Progress reports, for a progress bar or log.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    /// Starting a step of an evidence item.
    Step {
        /// Evidence id.
        evidence: &'a str,
        /// What (registering, files, scan).
        step: &'a str,
        /// Total bytes, when known.
        total: u64,
    },
    /// Bytes done in the current step.
    Bytes(u64),
    /// A stage was skipped because it was done earlier.
    Skipped {
        /// Evidence id.
        evidence: &'a str,
        /// The stage.
        stage: &'a str,
    },
    /// Something the examiner should know (unreadable partition, file).
    Warning(String),
}

/// What the case holds after triage.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Evidence items in the case store.
    pub evidence: u64,
    /// Files listed.
    pub files: u64,
    /// Deleted files among them.
    pub deleted: u64,
    /// Timeline events.
    pub events: u64,
    /// Findings per kind.
    pub findings: BTreeMap<String, u64>,
    /// Earliest and latest time in the timeline.
    pub span: Option<(String, String)>,
    /// Warnings met on the way.
    pub warnings: u64,
}

/// Triage the evidence at `paths` into `case` and `store`.
pub fn triage(
    case: &Case,
    store: &dyn CaseStore,
    paths: &[PathBuf],
    opts: &TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Summary, TriageError> {
    let mut warnings = 0u64;
    let warn = |w: String| progress(Progress::Warning(w));
    for path in paths {
        let kind = detect::detect(path)?;
        // A folder's manifest: walked (and every file hashed) at most once
        // per run, and only when a stage needs it.
        let mut manifest = None;
        let walk = |manifest: &mut Option<exhibit_case::folder::Manifest>| {
            if manifest.is_none() {
                *manifest = Some(exhibit_case::folder::walk(path)?);
            }
            Ok::<_, TriageError>(())
        };
        let record = match case.evidence_by_path(path)? {
            Some(r) => r,
            None => {
                progress(Progress::Step {
                    evidence: "",
                    step: "registering",
                    total: 0,
                });
                if kind == EvidenceKind::Folder {
                    walk(&mut manifest)?;
                    let m = manifest.as_ref().expect("walked");
                    for s in &m.skipped {
                        warnings += 1;
                        warn(format!("{}: {s}", path.display()));
                    }
                    case.add_folder_evidence(path, &opts.examiner, m, jiff::Timestamp::now())?
                } else {
                    case.add_evidence_of_kind(
                        path,
                        &opts.examiner,
                        kind.name(),
                        jiff::Timestamp::now(),
                        &mut |done, _| progress(Progress::Bytes(done)),
                    )?
                }
            }
        };
        store.put_evidence(&evidence_row(&record))?;
        let id = record.id.as_str();
        let mut ran = Vec::new();
        let files_done = store.stage_done(id, "files")?;
        let scan_done = store.stage_done(id, "scan")?;
        if kind.logical() {
            if kind == EvidenceKind::Folder && !(files_done && scan_done) {
                walk(&mut manifest)?;
                let m = manifest.as_ref().expect("walked");
                let sha = exhibit_hash::hash_bytes(
                    m.text().as_bytes(),
                    &[exhibit_hash::Algorithm::Sha256],
                )
                .hex(exhibit_hash::Algorithm::Sha256);
                if sha.as_ref() != record.hashes.get("sha256") {
                    warnings += 1;
                    warn(format!(
                        "{id}: {}: folder changed since registration",
                        path.display()
                    ));
                }
            }
            let items = detect::logical_files(path, manifest.as_ref());
            if files_done {
                progress(Progress::Skipped {
                    evidence: id,
                    stage: "files",
                });
            } else {
                detect::files(store, id, kind, &items, progress, &mut |w| {
                    warnings += 1;
                    warn(w)
                })?;
                store.mark_stage(id, "files", &now())?;
                ran.push("files");
            }
            if scan_done {
                progress(Progress::Skipped {
                    evidence: id,
                    stage: "scan",
                });
            } else {
                detect::scan(store, id, kind, &items, opts, progress)?;
                store.mark_stage(id, "scan", &now())?;
                ran.push("scan");
            }
        } else {
            let source: Arc<dyn Source> =
                Arc::new(
                    exhibit_evidence::open(path).map_err(|e| TriageError::Evidence {
                        path: path.clone(),
                        source: e,
                    })?,
                );
            if files_done {
                progress(Progress::Skipped {
                    evidence: id,
                    stage: "files",
                });
            } else {
                files::run(store, id, &source, progress, &mut |w| {
                    warnings += 1;
                    warn(w)
                })?;
                store.mark_stage(id, "files", &now())?;
                ran.push("files");
            }
            if scan_done {
                progress(Progress::Skipped {
                    evidence: id,
                    stage: "scan",
                });
            } else {
                scan::run(store, id, &source, opts, progress)?;
                store.mark_stage(id, "scan", &now())?;
                ran.push("scan");
            }
        }
        // The `examined` entry is its own step: a run killed after the last
        // stage was marked but before the entry was appended appends it on
        // the rerun. Counts come from the store, so they are the same
        // whether or not the work was interrupted.
        if !store.stage_done(id, EXAMINED)? {
            let c = store.evidence_counts(id)?;
            let details = BTreeMap::from([
                ("files".to_string(), c.files.to_string()),
                ("deleted".to_string(), c.deleted.to_string()),
                ("events".to_string(), c.timeline.to_string()),
                ("findings".to_string(), c.findings.to_string()),
                ("stages".to_string(), STAGES.join(",")),
                (
                    "resumed".to_string(),
                    (ran.len() < STAGES.len()).to_string(),
                ),
                ("store".to_string(), exhibit_store::DB_FILE.to_string()),
                ("kind".to_string(), kind.name().to_string()),
            ]);
            case.record_action(
                &opts.examiner,
                "examined",
                Some(id),
                details,
                jiff::Timestamp::now(),
            )?;
            store.mark_stage(id, EXAMINED, &now())?;
        }
    }
    summary(store, warnings)
}

/// What the store holds now.
pub fn summary(store: &dyn CaseStore, warnings: u64) -> Result<Summary, TriageError> {
    let counts = store.counts()?;
    let mut findings = BTreeMap::new();
    for h in store.histogram(None, None)? {
        *findings.entry(h.kind).or_insert(0) += h.count;
    }
    Ok(Summary {
        evidence: counts.evidence,
        files: counts.files,
        deleted: counts.deleted,
        events: counts.timeline,
        findings,
        span: store.time_span()?,
        warnings,
    })
}

fn evidence_row(r: &EvidenceRecord) -> EvidenceRow {
    EvidenceRow {
        id: r.id.clone(),
        path: r.path.display().to_string(),
        container: r.container.clone(),
        size: r.size,
        md5: r.hashes.get("md5").cloned(),
        sha1: r.hashes.get("sha1").cloned(),
        sha256: r.hashes.get("sha256").cloned(),
    }
}

/// A time as stored: RFC 3339 UTC with nanoseconds, so text order is time
/// order.
pub fn time_text(t: jiff::Timestamp) -> String {
    format!("{t:.9}")
}

fn now() -> String {
    time_text(jiff::Timestamp::now())
}
