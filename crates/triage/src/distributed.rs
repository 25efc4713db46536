//! Distributed triage: an image's stages cut into units that worker
//! processes on any machine take from a queue.
//!
//! The coordinator registers each item as a local triage does ([`register`];
//! an image is hashed by [`complete`] while its units already run),
//! hands out a `files` unit per image, and once an image's files are stored,
//! its `scan` units (ranges of the scanner's chunks, [`SCAN_UNIT_CHUNKS`]
//! each): each chunk reports what starts inside it, so the ranges together
//! find exactly what one scan finds. Workers run units with [`run_unit`]
//! and write into the shared case store; a unit is done when its stage mark
//! is in the store, and running it again first removes what an interrupted
//! run of it wrote (its stage's rows, or its byte range's findings), so a
//! redelivered unit leaves no duplicates. [`finish`] then marks the scans
//! done and lets a local run append the rest (folders and single files,
//! which are not cut, the `examined` custody entries, the summary).
//!
//! What it must never do: mark a unit done before its rows are committed,
//! or write to evidence (workers open it read-only, like everything else).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use exhibit_case::Case;
use exhibit_evidence::Source;
use exhibit_store::CaseStore;
use serde::{Deserialize, Serialize};

use crate::{
    detect, evidence_row, now, provisional_row, scan, Progress, Run, Summary, TriageError,
    TriageOptions,
};

/// Scanner chunks per scan unit (16 MiB each by default: 256 MiB).
pub const SCAN_UNIT_CHUNKS: u64 = 16;

/// One unit of work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Evidence id.
    pub evidence: String,
    /// The evidence file (a path every worker can read).
    pub path: PathBuf,
    /// What to do.
    pub work: Work,
}

/// What a unit does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Work {
    /// The `files` stage of the image.
    Files,
    /// The scanner's chunks `first..end` of the image.
    Scan {
        /// First chunk.
        first: u64,
        /// One past the last chunk.
        end: u64,
    },
}

impl Unit {
    /// The unit's name: its queue message id, and its name in `status`.
    pub fn id(&self) -> String {
        match self.work {
            Work::Files => format!("{}-files", self.evidence),
            Work::Scan { first, end } => format!("{}-scan-{first}-{end}", self.evidence),
        }
    }

    /// The stage mark that says the unit is done.
    pub fn mark(&self) -> String {
        match self.work {
            Work::Files => "files".to_string(),
            Work::Scan { first, end } => format!("scan {first}-{end}"),
        }
    }

    /// Whether the store says the unit is done.
    pub fn done(&self, store: &dyn CaseStore) -> Result<bool, TriageError> {
        Ok(store.stage_done(&self.evidence, &self.mark())?)
    }
}

/// An item of a distributed triage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// Evidence id.
    pub evidence: String,
    /// The evidence path.
    pub path: PathBuf,
    /// What it is.
    pub kind: String,
    /// Whether it is cut into units (disk and partition images).
    pub distributed: bool,
}

/// An image whose registration (hashing it end to end, then its
/// `registered` custody entry) runs while its units do, under the id it
/// will get: a terabyte image's workers need not wait for its hashes.
#[derive(Debug, Clone)]
pub struct Pending {
    evidence: String,
    path: PathBuf,
    kind: &'static str,
}

/// Registers every item in the order given, so that evidence ids are those
/// a local triage gives: folders and single files now, images by
/// [`complete`] (their rows are in the store already, without hashes, so
/// units can run meanwhile). Images are then cut into units, folders and
/// single files are left to [`finish`].
pub fn register(
    case: &Case,
    store: &dyn CaseStore,
    paths: &[PathBuf],
    opts: &TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<(Vec<Planned>, Vec<Pending>), TriageError> {
    let mut out = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut run = Run::new(case, store, opts, progress);
    for path in paths {
        let kind = detect::detect(path)?;
        if kind.logical() {
            // The images before it get their ids first.
            let never = std::sync::atomic::AtomicBool::new(false);
            complete(case, store, &std::mem::take(&mut pending), opts, &never)?;
            let record = run.logical_record(path, kind, &mut None)?;
            out.push(Planned {
                evidence: record.id,
                path: path.clone(),
                kind: kind.name().to_string(),
                distributed: false,
            });
            continue;
        }
        let id = if let Some(r) = case.evidence_by_path(path)? {
            store.put_evidence(&evidence_row(&r))?;
            r.id
        } else if let Some(p) = pending.iter().find(|p| &p.path == path) {
            p.evidence.clone()
        } else {
            let next = case.next_evidence_id()?;
            let id = next
                .strip_prefix('E')
                .and_then(|n| n.parse::<usize>().ok())
                .map(|n| format!("E{}", n + pending.len()))
                .ok_or_else(|| TriageError::Internal(format!("evidence id {next}")))?;
            provisional_row(store, &id, path, open(path)?.len())?;
            pending.push(Pending {
                evidence: id.clone(),
                path: path.clone(),
                kind: kind.name(),
            });
            id
        };
        out.push(Planned {
            evidence: id,
            path: path.clone(),
            kind: kind.name().to_string(),
            distributed: true,
        });
    }
    Ok((out, pending))
}

/// Registers the images [`register`] left pending, in order, each under
/// the id it was given, and completes their rows with the hashes. Setting
/// `stop` (the units failed) gives up the image being hashed at once,
/// recording nothing for it, rather than hashing it to the end first.
pub fn complete(
    case: &Case,
    store: &dyn CaseStore,
    pending: &[Pending],
    opts: &TriageOptions,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(), TriageError> {
    for p in pending {
        let r = case.add_evidence_of_kind_until(
            &p.path,
            &opts.examiner,
            p.kind,
            jiff::Timestamp::now(),
            &mut |_, _| {},
            stop,
        )?;
        if r.id != p.evidence {
            return Err(TriageError::Internal(format!(
                "{}: registered as {} while triaged as {}: was evidence added to the case meanwhile?",
                p.path.display(),
                r.id,
                p.evidence
            )));
        }
        store.put_evidence(&evidence_row(&r))?;
    }
    Ok(())
}

/// The `files` unit of an image.
pub fn files_unit(p: &Planned) -> Unit {
    Unit {
        evidence: p.evidence.clone(),
        path: p.path.clone(),
        work: Work::Files,
    }
}

/// The scan units of an image, `per_unit` scanner chunks each (0: the
/// default, [`SCAN_UNIT_CHUNKS`]).
pub fn scan_units(
    p: &Planned,
    opts: &TriageOptions,
    per_unit: u64,
) -> Result<Vec<Unit>, TriageError> {
    let per_unit = if per_unit == 0 {
        SCAN_UNIT_CHUNKS
    } else {
        per_unit
    };
    let source = open(&p.path)?;
    let chunks = exhibit_scan::chunk_count(source.len(), &scan::config(opts)).max(1);
    Ok((0..chunks)
        .step_by(usize::try_from(per_unit).unwrap_or(usize::MAX))
        .map(|first| Unit {
            evidence: p.evidence.clone(),
            path: p.path.clone(),
            work: Work::Scan {
                first,
                end: first.saturating_add(per_unit).min(chunks),
            },
        })
        .collect())
}

/// Scanner chunks in `mib` MiB (at least one).
pub fn chunks_in(mib: u64, opts: &TriageOptions) -> u64 {
    let chunk = scan::config(opts).chunk.max(1) as u64;
    (mib.saturating_mul(1 << 20) / chunk).max(1)
}

fn open(path: &Path) -> Result<Arc<dyn Source>, TriageError> {
    Ok(Arc::new(exhibit_evidence::open(path).map_err(|e| {
        TriageError::Evidence {
            path: path.to_path_buf(),
            source: e,
        }
    })?))
}

/// Runs one unit, unless the store says it is done; returns whether it ran.
/// Running it again after an interruption first removes what the
/// interrupted run wrote.
pub fn run_unit(
    case: &Case,
    store: &dyn CaseStore,
    unit: &Unit,
    opts: &TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<bool, TriageError> {
    if unit.done(store)? {
        return Ok(false);
    }
    let known = match case.evidence_by_id(&unit.evidence) {
        Ok(r) => Some(r.path.display().to_string()),
        // Still being registered (hashed): the coordinator's row says
        // which file the id is.
        Err(exhibit_case::CaseError::UnknownEvidence { .. }) => {
            store.evidence_path(&unit.evidence)?
        }
        Err(e) => return Err(e.into()),
    };
    let path = unit.path.display().to_string();
    if known.as_deref() != Some(path.as_str()) {
        return Err(TriageError::Internal(format!(
            "unit {}: the case has {} as {}, not {path}",
            unit.id(),
            known.as_deref().unwrap_or("nothing"),
            unit.evidence,
        )));
    }
    let source = open(&unit.path)?;
    match unit.work {
        Work::Files => {
            let mut run = Run::new(case, store, opts, progress);
            let mut ran = Vec::new();
            run.stage(
                &unit.evidence,
                "files",
                source.len(),
                &mut ran,
                &mut |run| run.image_files(&unit.evidence, &source),
            )?;
        }
        Work::Scan { first, end } => {
            let chunk = scan::config(opts).chunk.max(1) as u64;
            let mark = unit.mark();
            store.clear_findings_in(
                &unit.evidence,
                scan::STAGE,
                (first.saturating_mul(chunk), end.saturating_mul(chunk)),
                &mark,
            )?;
            progress(Progress::Step {
                evidence: &unit.evidence,
                step: "scan",
                total: (end - first).saturating_mul(chunk).min(source.len()),
            });
            scan::run_chunks(store, &unit.evidence, &source, opts, progress, first..end)?;
            store.mark_stage(&unit.evidence, &mark, &now())?;
        }
    }
    Ok(true)
}

/// Whether every unit of an image is done.
pub fn all_done(store: &dyn CaseStore, units: &[Unit]) -> Result<bool, TriageError> {
    for u in units {
        if !u.done(store)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// After every unit is done: marks each image's scan done, then a local
/// run does the rest (folders and files, `examined`, the summary).
pub fn finish(
    case: &Case,
    store: &dyn CaseStore,
    paths: &[PathBuf],
    (planned, per_unit): (&[Planned], u64),
    opts: &TriageOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Summary, TriageError> {
    for p in planned.iter().filter(|p| p.distributed) {
        let mut units = vec![files_unit(p)];
        units.extend(scan_units(p, opts, per_unit)?);
        if !all_done(store, &units)? {
            return Err(TriageError::Internal(format!(
                "{}: not every unit is done",
                p.evidence
            )));
        }
        if !store.stage_done(&p.evidence, scan::STAGE)? {
            store.mark_stage(&p.evidence, scan::STAGE, &now())?;
        }
    }
    // The coordinator dropped the findings' value indexes for the scans.
    store.bulk_findings(false)?;
    crate::triage(case, store, paths, opts, progress)
}
