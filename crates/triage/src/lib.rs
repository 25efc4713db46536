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

pub mod analyse;
mod apps;
mod content;
mod detect;
pub mod distributed;
pub mod enrich;
mod error;
mod files;
mod scan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use exhibit_case::{Case, EvidenceRecord};
use exhibit_evidence::Source;
use exhibit_store::{CaseStore, EvidenceRow};
use serde::Serialize;

pub use content::MAX_IN_MEMORY;
pub use detect::{detect, EvidenceKind};
pub use error::TriageError;

/// Indexing memory: tantivy's buffer for one item (two threads).
const INDEX_HEAP: usize = 128 << 20;

/// Stage names recorded in the store.
pub const STAGES: [&str; 2] = ["files", "scan"];

/// Recorded in the store's stages once the `examined` custody entry of an
/// item is appended.
pub const EXAMINED: &str = "examined";
/// Stage mark set just before the `examined` custody entry is appended.
const EXAMINING: &str = "examining";

/// How to triage.
#[derive(Debug, Clone)]
pub struct TriageOptions {
    /// Examiner named in custody entries.
    pub examiner: String,
    /// Worker threads of the files and scan stages (0: all cores).
    pub threads: usize,
    /// Bytes of each text file put in the full-text index (0: none).
    pub text_limit: usize,
    /// Zone that file systems storing local time (FAT) were written in,
    /// by name (`Asia/Bangkok`); `None`: unknown, read as UTC and noted so.
    pub local_tz: Option<String>,
}

impl Default for TriageOptions {
    fn default() -> Self {
        TriageOptions {
            examiner: String::new(),
            threads: 0,
            text_limit: TEXT_LIMIT,
            local_tz: None,
        }
    }
}

/// Default of [`TriageOptions::text_limit`]: 1 MiB of each text file.
pub const TEXT_LIMIT: usize = 1 << 20;

/// The full-text index inside a case folder.
pub const INDEX_DIR: &str = "index";

/// Opens a case's full-text index.
pub fn open_index(case: &Case) -> Result<exhibit_index::Index, TriageError> {
    Ok(exhibit_index::Index::open(&case.dir().join(INDEX_DIR))?)
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
    /// E-mail messages.
    pub messages: u64,
    /// How long each stage run in this triage took.
    pub stages: Vec<StageTime>,
}

/// Time taken by one stage of one evidence item.
#[derive(Debug, Clone, Serialize)]
pub struct StageTime {
    /// Evidence id.
    pub evidence: String,
    /// Stage name (`register`, `files`, `scan`).
    pub stage: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Bytes the stage read, for a throughput.
    pub bytes: u64,
}

/// Triage the evidence at `paths` into `case` and `store`.
pub fn triage(
    case: &Case,
    store: &dyn CaseStore,
    paths: &[PathBuf],
    opts: &TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Summary, TriageError> {
    let mut run = Run::new(case, store, opts, progress);
    for path in paths {
        let kind = detect::detect(path)?;
        if kind.logical() {
            run.logical(path, kind)?;
        } else {
            run.image(path, kind)?;
        }
    }
    let mut s = summary(store, run.warnings)?;
    s.stages = run.times;
    Ok(s)
}

/// One triage run over several items.
struct Run<'a> {
    case: &'a Case,
    store: &'a dyn CaseStore,
    opts: &'a TriageOptions,
    progress: &'a (dyn Fn(Progress<'_>) + Sync),
    warnings: u64,
    times: Vec<StageTime>,
}

impl<'a> Run<'a> {
    fn new(
        case: &'a Case,
        store: &'a dyn CaseStore,
        opts: &'a TriageOptions,
        progress: &'a (dyn Fn(Progress<'_>) + Sync),
    ) -> Self {
        Run {
            case,
            store,
            opts,
            progress,
            warnings: 0,
            times: Vec::new(),
        }
    }

    fn warn(&mut self, w: String) {
        self.warnings += 1;
        (self.progress)(Progress::Warning(w));
    }

    fn timed(&mut self, evidence: &str, stage: &str, started: Instant, bytes: u64) {
        self.times.push(StageTime {
            evidence: evidence.to_string(),
            stage: stage.to_string(),
            seconds: started.elapsed().as_secs_f64(),
            bytes,
        });
    }

    /// Runs `stage` of `id` unless it is done: clears what an interrupted
    /// run left, runs it, marks it done.
    fn stage(
        &mut self,
        id: &str,
        stage: &'static str,
        bytes: u64,
        ran: &mut Vec<&'static str>,
        work: &mut dyn FnMut(&mut Self) -> Result<(), TriageError>,
    ) -> Result<(), TriageError> {
        if self.store.stage_done(id, stage)? {
            (self.progress)(Progress::Skipped {
                evidence: id,
                stage,
            });
            return Ok(());
        }
        let started = Instant::now();
        self.store.clear_stage(id, stage)?;
        work(self)?;
        self.store.mark_stage(id, stage, &now())?;
        self.timed(id, stage, started, bytes);
        ran.push(stage);
        Ok(())
    }

    /// The `files` stage of an image: every file system's files, their
    /// hashes, analysers and full-text documents.
    fn image_files(&mut self, id: &str, source: &Arc<dyn Source>) -> Result<(), TriageError> {
        let mut ws = Vec::new();
        let index = open_index(self.case)?;
        let mut writer = index.writer(2, INDEX_HEAP)?.without_merging();
        writer.delete_evidence(id)?;
        let out = files::Output {
            index: &mut writer,
            text_limit: self.opts.text_limit,
            local_tz: self.opts.local_tz.as_deref(),
            threads: self.opts.threads,
        };
        files::run(self.store, id, source, out, self.progress, &mut |w| {
            ws.push(w)
        })?;
        writer.commit()?;
        ws.into_iter().for_each(|w| self.warn(w));
        Ok(())
    }

    /// A disk or partition image. A new item is registered (hashed end to
    /// end) on its own thread while the stages already work on it: its id
    /// is known in advance, and the `registered` custody entry still comes
    /// before `examined`.
    fn image(&mut self, path: &Path, kind: EvidenceKind) -> Result<(), TriageError> {
        let source: Arc<dyn Source> =
            Arc::new(
                exhibit_evidence::open(path).map_err(|e| TriageError::Evidence {
                    path: path.to_path_buf(),
                    source: e,
                })?,
            );
        let existing = self.case.evidence_by_path(path)?;
        let id = match &existing {
            Some(r) => {
                self.store.put_evidence(&evidence_row(r))?;
                r.id.clone()
            }
            None => {
                let id = self.case.next_evidence_id()?;
                provisional_row(self.store, &id, path, source.len())?;
                id
            }
        };
        let case = self.case;
        let examiner = self.opts.examiner.clone();
        let size = source.len();
        let (registered, staged) = std::thread::scope(|s| {
            let reg = existing.is_none().then(|| {
                s.spawn(move || {
                    let started = Instant::now();
                    let r = case.add_evidence_of_kind(
                        path,
                        &examiner,
                        kind.name(),
                        jiff::Timestamp::now(),
                        &mut |_, _| {},
                    );
                    // Its own time, not the time until the stages let it join.
                    (r, started.elapsed())
                })
            });
            let mut ran = Vec::new();
            // Both stages load many rows: indexes that only serve searches
            // are built once after them, not kept up row by row.
            let store = self.store;
            let mut stages = || {
                self.stage(&id, "files", size, &mut ran, &mut |run| {
                    run.image_files(&id, &source)
                })?;
                self.stage(&id, "scan", size, &mut ran, &mut |run| {
                    scan::run(run.store, &id, &source, run.opts, run.progress).map(|_| ())
                })
            };
            // (Both done, as after a distributed triage: nothing to load,
            // and the indexes stay.)
            let done = store
                .stage_done(&id, "files")
                .and_then(|f| Ok(f && store.stage_done(&id, "scan")?));
            let staged = match done {
                Ok(true) => stages(),
                Ok(false) => scan::bulk(store, stages),
                Err(e) => Err(e.into()),
            }
            .map(|_| ran);
            let registered = reg.map(|h| {
                h.join().unwrap_or_else(|_| {
                    (
                        Err(exhibit_case::CaseError::Corrupt {
                            path: path.to_path_buf(),
                            what: "registration thread panicked".into(),
                        }),
                        std::time::Duration::ZERO,
                    )
                })
            });
            (registered, staged)
        });
        let record = match registered {
            Some((r, took)) => {
                let r = r?;
                if r.id != id {
                    return Err(TriageError::Internal(format!(
                        "{}: registered as {} while triaged as {id}: was evidence added to the case meanwhile?",
                        path.display(),
                        r.id
                    )));
                }
                self.times.push(StageTime {
                    evidence: id.clone(),
                    stage: "register".to_string(),
                    seconds: took.as_secs_f64(),
                    bytes: r.size,
                });
                r
            }
            None => existing.ok_or_else(|| TriageError::Internal("no record".into()))?,
        };
        self.store.put_evidence(&evidence_row(&record))?;
        let ran = staged?;
        self.examined(&record, kind, &ran)
    }

    /// A folder or a single file: registered first (a folder's identity is
    /// its manifest), then read file by file.
    fn logical(&mut self, path: &Path, kind: EvidenceKind) -> Result<(), TriageError> {
        // A folder's manifest: walked (and every file hashed) at most once
        // per run, and only when a step needs it.
        let mut manifest: Option<exhibit_case::folder::Manifest> = None;
        let walk = |manifest: &mut Option<exhibit_case::folder::Manifest>| {
            if manifest.is_none() {
                *manifest = Some(exhibit_case::folder::walk(path)?);
            }
            Ok::<_, TriageError>(())
        };
        let record = self.logical_record(path, kind, &mut manifest)?;
        self.store.put_evidence(&evidence_row(&record))?;
        let id = record.id.clone();
        let files_done = self.store.stage_done(&id, "files")?;
        let scan_done = self.store.stage_done(&id, "scan")?;
        if kind == EvidenceKind::Folder && !(files_done && scan_done) {
            walk(&mut manifest)?;
            let m = manifest
                .as_ref()
                .ok_or_else(|| TriageError::Internal("no manifest".into()))?;
            let sha =
                exhibit_hash::hash_bytes(m.text().as_bytes(), &[exhibit_hash::Algorithm::Sha256])
                    .hex(exhibit_hash::Algorithm::Sha256);
            if sha.as_ref() != record.hashes.get("sha256") {
                self.warn(format!(
                    "{id}: {}: folder changed since registration",
                    path.display()
                ));
            }
        }
        let items = detect::logical_files(path, manifest.as_ref());
        let mut ran = Vec::new();
        self.stage(&id, "files", record.size, &mut ran, &mut |run| {
            let mut ws = Vec::new();
            let index = open_index(run.case)?;
            let mut writer = index.writer(2, INDEX_HEAP)?.without_merging();
            writer.delete_evidence(&id)?;
            let out = files::Output {
                index: &mut writer,
                text_limit: run.opts.text_limit,
                local_tz: run.opts.local_tz.as_deref(),
                threads: run.opts.threads,
            };
            detect::files(run.store, &id, kind, &items, out, run.progress, &mut |w| {
                ws.push(w)
            })?;
            writer.commit()?;
            ws.into_iter().for_each(|w| run.warn(w));
            Ok(())
        })?;
        self.stage(&id, "scan", record.size, &mut ran, &mut |run| {
            detect::scan(run.store, &id, kind, &items, run.opts, run.progress).map(|_| ())
        })?;
        if matches!(kind, EvidenceKind::Folder | EvidenceKind::File) && apps::candidate(path) {
            self.stage(&id, apps::STAGE, record.size, &mut ran, &mut |run| {
                let index = open_index(run.case)?;
                let mut writer = index.writer(1, INDEX_HEAP)?;
                let ws = apps::run(run.store, &mut writer, &id, path, run.progress)?;
                writer.commit()?;
                ws.into_iter().for_each(|w| run.warn(w));
                Ok(())
            })?;
        }
        self.examined(&record, kind, &ran)
    }

    /// The record of a folder or single file, registered first if new.
    fn logical_record(
        &mut self,
        path: &Path,
        kind: EvidenceKind,
        manifest: &mut Option<exhibit_case::folder::Manifest>,
    ) -> Result<EvidenceRecord, TriageError> {
        let walk = |manifest: &mut Option<exhibit_case::folder::Manifest>| {
            if manifest.is_none() {
                *manifest = Some(exhibit_case::folder::walk(path)?);
            }
            Ok::<_, TriageError>(())
        };
        Ok(match self.case.evidence_by_path(path)? {
            Some(r) => r,
            None => {
                let started = Instant::now();
                (self.progress)(Progress::Step {
                    evidence: "",
                    step: "registering",
                    total: 0,
                });
                let r = if kind == EvidenceKind::Folder {
                    walk(manifest)?;
                    let m = manifest
                        .as_ref()
                        .ok_or_else(|| TriageError::Internal("no manifest".into()))?;
                    for sk in &m.skipped {
                        self.warn(format!("{}: {sk}", path.display()));
                    }
                    self.case.add_folder_evidence(
                        path,
                        &self.opts.examiner,
                        m,
                        jiff::Timestamp::now(),
                    )?
                } else {
                    let progress = self.progress;
                    self.case.add_evidence_of_kind(
                        path,
                        &self.opts.examiner,
                        kind.name(),
                        jiff::Timestamp::now(),
                        &mut |done, _| progress(Progress::Bytes(done)),
                    )?
                };
                self.store.put_evidence(&evidence_row(&r))?;
                self.store.clear_stage(&r.id, "files")?;
                self.timed(&r.id, "register", started, r.size);
                r
            }
        })
    }

    /// The `examined` entry is its own step: a run killed after the last
    /// stage was marked but before the entry was appended appends it on
    /// the rerun. Counts come from the store, so they are the same whether
    /// or not the work was interrupted.
    fn examined(
        &mut self,
        record: &EvidenceRecord,
        kind: EvidenceKind,
        ran: &[&str],
    ) -> Result<(), TriageError> {
        let id = record.id.as_str();
        if self.store.stage_done(id, EXAMINED)? {
            return Ok(());
        }
        let c = self.store.evidence_counts(id)?;
        let details = BTreeMap::from([
            ("files".to_string(), c.files.to_string()),
            ("deleted".to_string(), c.deleted.to_string()),
            ("events".to_string(), c.timeline.to_string()),
            ("findings".to_string(), c.findings.to_string()),
            ("messages".to_string(), c.messages.to_string()),
            ("stages".to_string(), STAGES.join(",")),
            (
                "resumed".to_string(),
                (ran.len() < STAGES.len()).to_string(),
            ),
            ("store".to_string(), self.store.location()),
            ("kind".to_string(), kind.name().to_string()),
        ]);
        // A run killed between the custody entry and the stage mark must
        // not log `examined` twice: the entry is announced in the store
        // first, and a rerun that finds the announcement and the entry as
        // the item's last one only marks the stage.
        let logged = self.store.stage_done(id, EXAMINING)?
            && self.case.last_action_on(id)?.as_deref() == Some("examined");
        if !logged {
            self.store.mark_stage(id, EXAMINING, &now())?;
            self.case.record_action(
                &self.opts.examiner,
                "examined",
                Some(id),
                details,
                jiff::Timestamp::now(),
            )?;
        }
        self.store.mark_stage(id, EXAMINED, &now())?;
        Ok(())
    }
}

/// What the store holds now.
pub fn summary(store: &dyn CaseStore, warnings: u64) -> Result<Summary, TriageError> {
    let counts = store.counts()?;
    let mut findings = BTreeMap::new();
    for f in store.kind_totals()? {
        *findings.entry(f.name).or_insert(0) += f.count;
    }
    Ok(Summary {
        evidence: counts.evidence,
        files: counts.files,
        deleted: counts.deleted,
        events: counts.timeline,
        findings,
        span: store.time_span()?,
        warnings,
        messages: counts.messages,
        stages: Vec::new(),
    })
}

/// The row of an item whose registration (hashing) is still running, so
/// that work on it can start: no hashes yet. Rows an interrupted run left
/// for an item that never got registered belong to nothing: cleared.
fn provisional_row(
    store: &dyn CaseStore,
    id: &str,
    path: &Path,
    size: u64,
) -> Result<(), TriageError> {
    store.put_evidence(&EvidenceRow {
        id: id.to_string(),
        path: path.display().to_string(),
        container: String::new(),
        size,
        md5: None,
        sha1: None,
        sha256: None,
    })?;
    store.clear_stage(id, "files")?;
    Ok(())
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
