use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use exhibit_custody::{CustodyLog, NewEntry};
use exhibit_evidence::{Evidence, Source};
use exhibit_hash::{hash_bytes, Algorithm, Digests, MultiHasher};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::io;
use crate::folder::Manifest;
use crate::{CaseError, EvidenceRecord, HashCheck};

/// Container name of a folder registered as evidence.
pub const FOLDER: &str = "folder";

/// Custody log path inside a case folder.
pub const CUSTODY_LOG: &str = "custody/log.jsonl";
/// Checkpoint file path inside a case folder.
pub const CUSTODY_CHECKPOINTS: &str = "custody/checkpoints.jsonl";
const CASE_FILE: &str = "case.json";
const EVIDENCE_DIR: &str = "evidence";
const FORMAT: &str = "exhibit-case/1";
/// Extension of a record whose custody entries are not all appended yet.
const PENDING: &str = "pending";

/// A registration between its record and its custody entries.
#[derive(Serialize, Deserialize)]
struct Pending {
    time: String,
    record: EvidenceRecord,
    entries: Vec<OwedEntry>,
}

/// A custody entry a pending registration still owes the log.
#[derive(Serialize, Deserialize)]
struct OwedEntry {
    examiner: String,
    action: String,
    details: BTreeMap<String, String>,
}

/// The case record, `case.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseInfo {
    /// Format marker, `exhibit-case/1`.
    pub format: String,
    /// Case name.
    pub name: String,
    /// Case number as the agency writes it.
    pub number: String,
    /// Lead examiner.
    pub examiner: String,
    /// Creation time (RFC 3339 UTC).
    pub created: String,
}

/// An open case folder.
#[derive(Debug)]
pub struct Case {
    dir: PathBuf,
    info: CaseInfo,
    /// The custody log, kept open so each append reads only the log's last
    /// line while nobody else writes it (see `CustodyLog`).
    custody: std::sync::Mutex<Option<CustodyLog>>,
}

/// Writes `data` to `path` through a temporary file and a rename, so that
/// a reader never sees half a file.
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> Result<(), CaseError> {
    let tmp = path.with_extension("tmp");
    // A temporary file left by a killed run was never renamed into place,
    // so nothing refers to it: replace it.
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&tmp)(e)),
        _ => {}
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(io(&tmp))?;
    let result = f.write_all(data).and_then(|_| f.sync_all());
    drop(f);
    if let Err(e) = result.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(CaseError::Io {
            path: path.to_path_buf(),
            source: e,
        });
    }
    Ok(())
}

fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Reads a source end to end once, computing every requested digest.
pub fn hash_source(
    source: &dyn Source,
    algs: &[Algorithm],
    progress: &mut dyn FnMut(u64),
) -> Result<Digests, exhibit_evidence::EvidenceError> {
    let never = AtomicBool::new(false);
    hash_source_until(source, algs, progress, &never)?.ok_or_else(|| {
        exhibit_evidence::EvidenceError::Io {
            path: source.name().into(),
            offset: 0,
            source: std::io::Error::from(std::io::ErrorKind::Interrupted),
        }
    })
}

/// [`hash_source`] that stops, with `None`, once `stop` is set: hashing a
/// terabyte no one waits for any more need not run to its end.
fn hash_source_until(
    source: &dyn Source,
    algs: &[Algorithm],
    progress: &mut dyn FnMut(u64),
    stop: &AtomicBool,
) -> Result<Option<Digests>, exhibit_evidence::EvidenceError> {
    let mut hasher = MultiHasher::new(algs);
    let mut off = 0u64;
    while off < source.len() {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        // Read straight into the hasher's block: no copy on the hot path.
        let n = hasher.update_with(|buf| source.read_at(off, buf))?;
        if n == 0 {
            return Err(exhibit_evidence::EvidenceError::OutOfRange {
                evidence: source.name().to_string(),
                offset: off,
                len: source.len(),
            });
        }
        off += n as u64;
        progress(off);
    }
    Ok(Some(hasher.finish()))
}

/// Compares the hashes an EWF image stores with the computed ones.
pub fn stored_hash_checks(evidence: &Evidence, digests: &Digests) -> Vec<HashCheck> {
    let mut out = Vec::new();
    if let Some(ewf) = evidence.ewf() {
        let stored = ewf.stored_hashes();
        for (alg, value) in [
            (Algorithm::Md5, &stored.md5),
            (Algorithm::Sha1, &stored.sha1),
        ] {
            if let (Some(stored), Some(computed)) = (value, digests.hex(alg)) {
                out.push(HashCheck {
                    algorithm: alg.name().to_string(),
                    matches: *stored == computed,
                    stored: stored.clone(),
                    computed,
                });
            }
        }
    }
    out
}

fn values(details: BTreeMap<String, String>) -> BTreeMap<String, serde_json::Value> {
    details
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect()
}

fn timestamp(t: Timestamp) -> String {
    t.to_string()
}

impl Case {
    /// Creates a new case folder. The folder must not exist or be empty; the
    /// case is assembled in a sibling temporary folder and renamed into
    /// place, so a failure leaves nothing behind.
    pub fn init(
        dir: &Path,
        name: &str,
        number: &str,
        examiner: &str,
        now: Timestamp,
    ) -> Result<Case, CaseError> {
        if dir.exists() {
            let empty = std::fs::read_dir(dir).map_err(io(dir))?.next().is_none();
            if !empty {
                return Err(CaseError::Exists {
                    path: dir.to_path_buf(),
                });
            }
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let file_name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = parent.join(format!(".{file_name}.creating-{}", std::process::id()));
        let built = Self::build(&tmp, name, number, examiner, now);
        let result = built.and_then(|info| {
            if dir.exists() {
                std::fs::remove_dir(dir).map_err(io(dir))?;
            }
            std::fs::rename(&tmp, dir).map_err(io(dir))?;
            Ok(info)
        });
        match result {
            Ok(info) => Ok(Case {
                dir: dir.to_path_buf(),
                info,
                custody: std::sync::Mutex::new(None),
            }),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                Err(e)
            }
        }
    }

    fn build(
        tmp: &Path,
        name: &str,
        number: &str,
        examiner: &str,
        now: Timestamp,
    ) -> Result<CaseInfo, CaseError> {
        std::fs::create_dir(tmp).map_err(io(tmp))?;
        for sub in ["custody", EVIDENCE_DIR] {
            std::fs::create_dir(tmp.join(sub)).map_err(io(tmp))?;
        }
        let info = CaseInfo {
            format: FORMAT.into(),
            name: name.into(),
            number: number.into(),
            examiner: examiner.into(),
            created: timestamp(now),
        };
        write_atomic(&tmp.join(CASE_FILE), &to_json(&info))?;
        let mut log = CustodyLog::create(tmp.join(CUSTODY_LOG))?;
        let details = BTreeMap::from([
            ("name".to_string(), name.to_string()),
            ("number".to_string(), number.to_string()),
        ]);
        log.append(
            NewEntry {
                examiner: examiner.into(),
                action: "case-created".into(),
                evidence: None,
                details: values(details),
            },
            now,
        )?;
        Ok(info)
    }

    /// Opens an existing case folder.
    pub fn open(dir: &Path) -> Result<Case, CaseError> {
        let file = dir.join(CASE_FILE);
        if !file.is_file() {
            return Err(CaseError::NotACase {
                path: dir.to_path_buf(),
            });
        }
        let raw = std::fs::read(&file).map_err(io(&file))?;
        let info: CaseInfo = serde_json::from_slice(&raw).map_err(|e| CaseError::Corrupt {
            path: file.clone(),
            what: e.to_string(),
        })?;
        if info.format != FORMAT {
            return Err(CaseError::Corrupt {
                path: file,
                what: format!("unknown format `{}`", info.format),
            });
        }
        Ok(Case {
            dir: dir.to_path_buf(),
            info,
            custody: std::sync::Mutex::new(None),
        })
    }

    /// The case record.
    pub fn info(&self) -> &CaseInfo {
        &self.info
    }

    /// The case folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the custody log.
    pub fn custody_log_path(&self) -> PathBuf {
        self.dir.join(CUSTODY_LOG)
    }

    /// Path of the checkpoint file.
    pub fn checkpoints_path(&self) -> PathBuf {
        self.dir.join(CUSTODY_CHECKPOINTS)
    }

    /// Verifies the custody log with its checkpoints, when there are any
    /// (`trusted`: the keys whose signatures count; empty: any key).
    pub fn verify_custody(
        &self,
        trusted: &[exhibit_custody::VerifyingKey],
    ) -> Result<exhibit_custody::VerifyReport, CaseError> {
        let cps = self.checkpoints_path();
        Ok(exhibit_custody::verify(
            &self.custody_log_path(),
            cps.exists().then_some(cps.as_path()),
            trusted,
        )?)
    }

    /// Appends a custody entry for an action on evidence (`verified`,
    /// `examined`, `exported`, `acquired`, …).
    pub fn record_action(
        &self,
        examiner: &str,
        action: &str,
        evidence: Option<&str>,
        details: BTreeMap<String, String>,
        now: Timestamp,
    ) -> Result<(), CaseError> {
        let mut custody = self.custody.lock().unwrap_or_else(|p| p.into_inner());
        let log = match custody.as_mut() {
            Some(log) => log,
            None => custody.insert(CustodyLog::open(self.custody_log_path())?),
        };
        log.append(
            NewEntry {
                examiner: examiner.into(),
                action: action.into(),
                evidence: evidence.map(str::to_string),
                details: values(details),
            },
            now,
        )?;
        Ok(())
    }

    /// The action of the custody log's last entry about evidence `id`.
    pub fn last_action_on(&self, id: &str) -> Result<Option<String>, CaseError> {
        let log = CustodyLog::open(self.custody_log_path())?;
        Ok(log
            .entries()?
            .into_iter()
            .rev()
            .find(|e| e.evidence.as_deref() == Some(id))
            .map(|e| e.action))
    }

    /// The evidence whose container's first file is `path`, if registered.
    pub fn evidence_by_path(&self, path: &Path) -> Result<Option<EvidenceRecord>, CaseError> {
        self.complete_registrations()?;
        let want = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(self.evidence()?.into_iter().find(|r| r.path == want))
    }

    /// All registered evidence, in registration order.
    pub fn evidence(&self) -> Result<Vec<EvidenceRecord>, CaseError> {
        let dir = self.dir.join(EVIDENCE_DIR);
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let raw = std::fs::read(&path).map_err(io(&path))?;
                let rec: EvidenceRecord =
                    serde_json::from_slice(&raw).map_err(|e| CaseError::Corrupt {
                        path: path.clone(),
                        what: e.to_string(),
                    })?;
                out.push(rec);
            }
        }
        out.sort_by_key(|r| {
            r.id.trim_start_matches('E')
                .parse::<u64>()
                .unwrap_or(u64::MAX)
        });
        Ok(out)
    }

    /// One evidence record by id.
    pub fn evidence_by_id(&self, id: &str) -> Result<EvidenceRecord, CaseError> {
        self.evidence()?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| CaseError::UnknownEvidence { id: id.to_string() })
    }

    /// The id the next registered evidence item will get (`E<n+1>`), so
    /// work on an item can start while its registration hashes it.
    pub fn next_evidence_id(&self) -> Result<String, CaseError> {
        self.complete_registrations()?;
        Ok(format!("E{}", self.evidence()?.len() + 1))
    }

    /// Registers evidence: opens it read-only, hashes its media (MD5, SHA-1,
    /// SHA-256), compares with any hashes the container stores, writes the
    /// record and appends a `registered` custody entry. If anything fails,
    /// nothing is left in the case.
    pub fn add_evidence(
        &self,
        path: &Path,
        examiner: &str,
        description: Option<&str>,
        now: Timestamp,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<EvidenceRecord, CaseError> {
        self.add_evidence_after(path, examiner, description, None, now, progress)
    }

    /// Like [`Case::add_evidence`], with a custody entry that happened to
    /// the item before registration (e.g. `acquired`, with the acquisition's
    /// details), appended just before the `registered` entry.
    pub fn add_evidence_after(
        &self,
        path: &Path,
        examiner: &str,
        description: Option<&str>,
        before: Option<(&str, BTreeMap<String, String>)>,
        now: Timestamp,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<EvidenceRecord, CaseError> {
        let never = AtomicBool::new(false);
        self.add_evidence_inner(
            path,
            examiner,
            description,
            None,
            before,
            now,
            (progress, &never),
        )
    }

    /// Like [`Case::add_evidence`], recording in the `registered` custody
    /// entry what the evidence was detected to be (`kind`: `disk-image`,
    /// `partition-image`, `file`, …).
    pub fn add_evidence_of_kind(
        &self,
        path: &Path,
        examiner: &str,
        kind: &str,
        now: Timestamp,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<EvidenceRecord, CaseError> {
        let never = AtomicBool::new(false);
        self.add_evidence_of_kind_until(path, examiner, kind, now, progress, &never)
    }

    /// Like [`Case::add_evidence_of_kind`], given up (with
    /// [`CaseError::CalledOff`], nothing recorded) once `stop` is set while
    /// the item is being hashed.
    pub fn add_evidence_of_kind_until(
        &self,
        path: &Path,
        examiner: &str,
        kind: &str,
        now: Timestamp,
        progress: &mut dyn FnMut(u64, u64),
        stop: &AtomicBool,
    ) -> Result<EvidenceRecord, CaseError> {
        self.add_evidence_inner(
            path,
            examiner,
            None,
            Some(kind),
            None,
            now,
            (progress, stop),
        )
    }

    /// Registers a folder (a logical collection of files, walked with
    /// [`crate::folder::walk`]) as one evidence item of container `folder`:
    /// its identity is the hash of the manifest (sorted relative paths with
    /// each file's SHA-256), its size the total of its files. The
    /// `registered` custody entry records kind `folder` and the file count.
    pub fn add_folder_evidence(
        &self,
        path: &Path,
        examiner: &str,
        manifest: &Manifest,
        now: Timestamp,
    ) -> Result<EvidenceRecord, CaseError> {
        let digests = hash_bytes(manifest.text().as_bytes(), &Algorithm::DEFAULT);
        let record = EvidenceRecord {
            id: self.next_evidence_id()?,
            path: std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
            container: FOLDER.to_string(),
            files: manifest
                .entries
                .iter()
                .map(|e| (e.path.clone(), e.size))
                .collect(),
            size: manifest.size(),
            hashes: digests
                .to_hex_map()
                .into_iter()
                .map(|(a, h)| (a.name().to_string(), h))
                .collect(),
            stored_hashes: Vec::new(),
            metadata: None,
            description: None,
            registered_at: timestamp(now),
            registered_by: examiner.to_string(),
        };
        let extra = BTreeMap::from([
            ("kind".to_string(), FOLDER.to_string()),
            ("file_count".to_string(), manifest.entries.len().to_string()),
            ("hashed".to_string(), "manifest".to_string()),
        ]);
        self.write_record(record, extra, None, examiner, now)
    }

    #[allow(clippy::too_many_arguments)]
    fn add_evidence_inner(
        &self,
        path: &Path,
        examiner: &str,
        description: Option<&str>,
        kind: Option<&str>,
        before: Option<(&str, BTreeMap<String, String>)>,
        now: Timestamp,
        (progress, stop): (&mut dyn FnMut(u64, u64), &AtomicBool),
    ) -> Result<EvidenceRecord, CaseError> {
        let evidence = exhibit_evidence::open(path)?;
        let total = evidence.len();
        let digests = hash_source_until(
            &evidence,
            &Algorithm::DEFAULT,
            &mut |done| progress(done, total),
            stop,
        )?
        .ok_or_else(|| CaseError::CalledOff {
            path: path.to_path_buf(),
        })?;
        let id = self.next_evidence_id()?;
        let mut files = Vec::new();
        for f in evidence.files() {
            let size = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
            files.push((std::path::absolute(&f).unwrap_or(f), size));
        }
        let record = EvidenceRecord {
            id: id.clone(),
            path: std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
            container: evidence.kind().name().to_string(),
            files,
            size: total,
            hashes: digests
                .to_hex_map()
                .into_iter()
                .map(|(a, h)| (a.name().to_string(), h))
                .collect(),
            stored_hashes: stored_hash_checks(&evidence, &digests),
            metadata: evidence
                .ewf()
                .and_then(|e| serde_json::to_value(e.metadata()).ok())
                .or_else(|| {
                    evidence
                        .virtual_disk()
                        .map(|v| serde_json::json!({ "format": v.format() }))
                }),
            description: description.map(str::to_string),
            registered_at: timestamp(now),
            registered_by: examiner.to_string(),
        };
        let extra = kind
            .map(|k| BTreeMap::from([("kind".to_string(), k.to_string())]))
            .unwrap_or_default();
        self.write_record(record, extra, before, examiner, now)
    }

    /// Writes the record and appends the `registered` entry (after
    /// `before`, if any). The record first goes to `<id>.pending` with the
    /// entries it owes the custody log, and becomes `<id>.json` only once
    /// they are appended: a run killed in between leaves a registration
    /// that [`Case::complete_registrations`] finishes, never a record the
    /// log does not mention. If an append fails, nothing is left.
    fn write_record(
        &self,
        record: EvidenceRecord,
        extra: BTreeMap<String, String>,
        before: Option<(&str, BTreeMap<String, String>)>,
        examiner: &str,
        now: Timestamp,
    ) -> Result<EvidenceRecord, CaseError> {
        let id = record.id.clone();
        let dir = self.dir.join(EVIDENCE_DIR);
        let file = dir.join(format!("{id}.json"));
        let pending_file = dir.join(format!("{id}.{PENDING}"));
        if file.exists() || pending_file.exists() {
            return Err(CaseError::Corrupt {
                path: file,
                what: "evidence record already exists".into(),
            });
        }
        let mut details = BTreeMap::from([
            ("path".to_string(), record.path.display().to_string()),
            ("container".to_string(), record.container.clone()),
            ("size".to_string(), record.size.to_string()),
        ]);
        details.extend(extra);
        for (alg, hex) in &record.hashes {
            details.insert(alg.clone(), hex.clone());
        }
        for check in &record.stored_hashes {
            details.insert(
                format!("stored_{}", check.algorithm),
                format!(
                    "{} ({})",
                    check.stored,
                    if check.matches { "matches" } else { "MISMATCH" }
                ),
            );
        }
        let mut entries = Vec::new();
        if let Some((action, before_details)) = before {
            entries.push(OwedEntry {
                examiner: examiner.to_string(),
                action: action.to_string(),
                details: before_details,
            });
        }
        entries.push(OwedEntry {
            examiner: examiner.to_string(),
            action: "registered".to_string(),
            details,
        });
        let pending = Pending {
            time: timestamp(now),
            record,
            entries,
        };
        write_atomic(&pending_file, &to_json(&pending))?;
        let appended = pending.entries.iter().try_for_each(|e| {
            self.record_action(&e.examiner, &e.action, Some(&id), e.details.clone(), now)
        });
        if let Err(e) = appended {
            let _ = std::fs::remove_file(&pending_file);
            return Err(e);
        }
        self.settle(&pending_file, &pending.record)?;
        Ok(pending.record)
    }

    /// Puts a record whose custody entries are all logged in place (a kill
    /// between the two steps leaves both files, which settle again alike).
    fn settle(&self, pending_file: &Path, record: &EvidenceRecord) -> Result<(), CaseError> {
        let file = self
            .dir
            .join(EVIDENCE_DIR)
            .join(format!("{}.json", record.id));
        write_atomic(&file, &to_json(record))?;
        std::fs::remove_file(pending_file).map_err(io(pending_file))
    }

    /// Finishes registrations an interrupted run left half done: appends
    /// the custody entries a pending record still owes (marked as completed
    /// late, with the registration's own time) and puts the record in
    /// place. Returns the ids completed. Called before an id is handed out
    /// or evidence is looked up for new work; only one process may work on
    /// a case at a time.
    pub fn complete_registrations(&self) -> Result<Vec<String>, CaseError> {
        let dir = self.dir.join(EVIDENCE_DIR);
        let mut pending_files = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            if path.extension().is_some_and(|e| e == PENDING) {
                pending_files.push(path);
            }
        }
        if pending_files.is_empty() {
            return Ok(Vec::new());
        }
        pending_files.sort();
        let log = CustodyLog::open(self.custody_log_path())?;
        let logged = log.entries()?;
        let mut done = Vec::new();
        for path in pending_files {
            let raw = std::fs::read(&path).map_err(io(&path))?;
            let pending: Pending =
                serde_json::from_slice(&raw).map_err(|e| CaseError::Corrupt {
                    path: path.clone(),
                    what: e.to_string(),
                })?;
            let id = pending.record.id.clone();
            let time: Timestamp = pending.time.parse().map_err(|e| CaseError::Corrupt {
                path: path.clone(),
                what: format!("registration time `{}`: {e}", pending.time),
            })?;
            for owed in &pending.entries {
                let present = logged
                    .iter()
                    .any(|l| l.action == owed.action && l.evidence.as_deref() == Some(id.as_str()));
                if !present {
                    let mut details = owed.details.clone();
                    details.insert(
                        "completed".to_string(),
                        "appended by a later run: the registering run was interrupted after hashing".to_string(),
                    );
                    self.record_action(&owed.examiner, &owed.action, Some(&id), details, time)?;
                }
            }
            self.settle(&path, &pending.record)?;
            done.push(id);
        }
        Ok(done)
    }

    /// Re-hashes a registered item and compares with its record. Appends a
    /// `verified` custody entry stating the outcome; returns the mismatches
    /// (empty when the evidence is unchanged).
    pub fn verify_evidence(
        &self,
        id: &str,
        examiner: &str,
        now: Timestamp,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<HashCheck>, CaseError> {
        let record = self.evidence_by_id(id)?;
        let (total, digests) = if record.container == FOLDER {
            let manifest = crate::folder::walk(&record.path)?;
            let digests = hash_bytes(manifest.text().as_bytes(), &Algorithm::DEFAULT);
            (manifest.size(), digests)
        } else {
            let evidence = exhibit_evidence::open(&record.path)?;
            let total = evidence.len();
            let digests = hash_source(&evidence, &Algorithm::DEFAULT, &mut |d| progress(d, total))?;
            (total, digests)
        };
        let mut mismatches = Vec::new();
        for (alg, expected) in &record.hashes {
            let computed = alg
                .parse::<Algorithm>()
                .ok()
                .and_then(|a| digests.hex(a))
                .unwrap_or_default();
            if &computed != expected {
                mismatches.push(HashCheck {
                    algorithm: alg.clone(),
                    stored: expected.clone(),
                    computed,
                    matches: false,
                });
            }
        }
        if total != record.size {
            mismatches.push(HashCheck {
                algorithm: "size".into(),
                stored: record.size.to_string(),
                computed: total.to_string(),
                matches: false,
            });
        }
        let mut details = BTreeMap::from([(
            "result".to_string(),
            if mismatches.is_empty() {
                "hashes match".to_string()
            } else {
                "MISMATCH".to_string()
            },
        )]);
        for m in &mismatches {
            details.insert(format!("{}_computed", m.algorithm), m.computed.clone());
        }
        self.record_action(examiner, "verified", Some(id), details, now)?;
        Ok(mismatches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + s as i64).unwrap()
    }

    /// A case with one raw file registered, then turned back into the
    /// pending state a run killed after `write_atomic` would leave; `keep`
    /// says how many of the log's entries survive (the case-created one
    /// plus, optionally, the `registered` one).
    fn interrupted(keep: usize) -> (tempfile::TempDir, Case, EvidenceRecord) {
        let tmp = tempfile::tempdir().unwrap();
        let raw = tmp.path().join("disk.raw");
        std::fs::write(&raw, vec![7u8; 4096]).unwrap();
        let dir = tmp.path().join("case");
        let case = Case::init(&dir, "c", "1", "A", t(0)).unwrap();
        let record = case
            .add_evidence(&raw, "A", None, t(1), &mut |_, _| {})
            .unwrap();
        let log = case.custody_log_path();
        let text = std::fs::read_to_string(&log).unwrap();
        let kept: String = text.lines().take(keep).map(|l| format!("{l}\n")).collect();
        std::fs::write(&log, kept).unwrap();
        let evidence = dir.join(EVIDENCE_DIR);
        std::fs::remove_file(evidence.join("E1.json")).unwrap();
        let details = BTreeMap::from([("path".to_string(), "x".to_string())]);
        let pending = Pending {
            time: timestamp(t(1)),
            record: record.clone(),
            entries: vec![OwedEntry {
                examiner: "A".into(),
                action: "registered".into(),
                details,
            }],
        };
        std::fs::write(evidence.join("E1.pending"), to_json(&pending)).unwrap();
        (tmp, case, record)
    }

    fn registered(case: &Case) -> usize {
        let log = CustodyLog::open(case.custody_log_path()).unwrap();
        let entries = log.entries().unwrap();
        entries.iter().filter(|e| e.action == "registered").count()
    }

    #[test]
    fn a_registration_called_off_records_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let raw = tmp.path().join("disk.raw");
        std::fs::write(&raw, vec![7u8; 3 << 20]).unwrap();
        let case = Case::init(&tmp.path().join("case"), "c", "1", "A", t(0)).unwrap();
        let stop = AtomicBool::new(false);
        // Called off while hashing: after the first read.
        let e = case
            .add_evidence_of_kind_until(
                &raw,
                "A",
                "disk-image",
                t(1),
                &mut |_, _| stop.store(true, Ordering::Relaxed),
                &stop,
            )
            .unwrap_err();
        assert!(matches!(e, CaseError::CalledOff { .. }), "{e}");
        assert!(case.evidence().unwrap().is_empty());
        assert_eq!(registered(&case), 0);
        assert_eq!(case.next_evidence_id().unwrap(), "E1");
        // Not called off: registered as ever.
        let go = AtomicBool::new(false);
        case.add_evidence_of_kind_until(&raw, "A", "disk-image", t(2), &mut |_, _| {}, &go)
            .unwrap();
        assert_eq!(registered(&case), 1);
    }

    #[test]
    fn a_registration_killed_before_its_custody_entry_is_completed() {
        let (_tmp, case, record) = interrupted(1);
        assert!(case.evidence().unwrap().is_empty());
        // Looking the item up (what a resumed triage does) completes it.
        assert_eq!(
            case.evidence_by_path(&record.path).unwrap().as_ref(),
            Some(&record)
        );
        assert_eq!(registered(&case), 1);
        assert_eq!(case.next_evidence_id().unwrap(), "E2");
        assert!(case.complete_registrations().unwrap().is_empty());
    }

    #[test]
    fn a_registration_killed_after_its_custody_entry_is_not_logged_twice() {
        let (_tmp, case, _record) = interrupted(2);
        assert_eq!(case.complete_registrations().unwrap(), vec!["E1"]);
        assert_eq!(registered(&case), 1);
        assert_eq!(case.evidence().unwrap().len(), 1);
    }
}
