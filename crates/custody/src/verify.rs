//! Verification of a log and its checkpoints. Tampering is reported as
//! [`Problem`]s, never as errors.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::checkpoint::{Checkpoint, SignatureFailure};
use crate::error::Result;
use crate::fsutil;
use crate::keys::fingerprint;
use crate::log::{is_hex64, line_leaf, Entry, GENESIS_PREV};
use crate::merkle::{self, Hash};

/// What kind of problem verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ProblemKind {
    /// A log line is not a well-formed entry.
    Malformed,
    /// The log's last line has no newline: a partial line.
    Truncated,
    /// An entry's content no longer matches its `hash`.
    Edited,
    /// An entry's `prev` is not the hash of the entry before it.
    ChainBroken,
    /// Sequence numbers skip: entries were deleted.
    Missing,
    /// Sequence numbers go backwards or repeat: entries were moved or
    /// duplicated.
    Reordered,
    /// A checkpoint covers more entries than the log holds.
    LogTruncated,
    /// A checkpoint's root differs from the root recomputed from the log.
    RootMismatch,
    /// A checkpoint does not extend the previous one (wrong previous size,
    /// smaller tree or failing consistency proof): history was rewritten
    /// or a checkpoint removed.
    Inconsistent,
    /// A checkpoint's signature does not verify.
    BadSignature,
    /// A checkpoint is signed by a key outside the trusted keys.
    UntrustedKey,
    /// A checkpoints line is not a well-formed checkpoint.
    CheckpointMalformed,
}

/// One problem found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// The entry concerned (its position / seq, 1-based), if any.
    pub entry: Option<u64>,
    /// The log line concerned (1-based), if it exists.
    pub line: Option<usize>,
    /// The checkpoint concerned: its 1-based number, which is also its line
    /// in the checkpoints file.
    pub checkpoint: Option<u64>,
    /// One line for humans naming exactly where the problem is.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Complete log lines checked (a partial last line is not counted).
    pub entries: u64,
    /// Checkpoint lines checked.
    pub checkpoints: u64,
    /// Hex Merkle root over all complete log lines as found.
    pub root_hash: String,
    /// Fingerprints of the keys whose checkpoint signatures verified,
    /// sorted.
    pub signers: Vec<String>,
    /// Everything wrong, log problems first (in line order), then
    /// checkpoint problems (in checkpoint order).
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The first problem: for each kind of tampering, the first bad entry.
    pub fn first_problem(&self) -> Option<&Problem> {
        self.problems.first()
    }
}

/// Verifies the log at `log_path` and, if given, the checkpoints file.
///
/// With a non-empty `trusted_keys`, checkpoints signed by other keys are
/// reported as [`ProblemKind::UntrustedKey`]. Errors are only for I/O
/// (e.g. a missing file); every kind of tampering is a [`Problem`].
pub fn verify(
    log_path: &Path,
    checkpoints_path: Option<&Path>,
    trusted_keys: &[VerifyingKey],
) -> Result<VerifyReport> {
    Ok(analyse(log_path, checkpoints_path, trusted_keys)?.report)
}

/// The report plus what checkpointing needs.
pub(crate) struct Analysis {
    pub report: VerifyReport,
    pub leaves: Vec<Hash>,
    pub last_checkpoint: Option<Checkpoint>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Edited,
    Malformed,
}

struct LineInfo {
    line: usize,
    seq: u64,
    status: Status,
    leaf: Hash,
    stored: Option<String>,
    prev: Option<String>,
}

/// Problems with a sort key: (log line, phase).
struct Found(Vec<((usize, u8), Problem)>);

impl Found {
    fn add(&mut self, phase: u8, kind: ProblemKind, entry: u64, line: usize, message: String) {
        self.0.push((
            (line, phase),
            Problem {
                kind,
                entry: Some(entry),
                line: Some(line),
                checkpoint: None,
                message,
            },
        ));
    }
}

fn entries_text(a: u64, b: u64) -> String {
    if a == b {
        format!("entry {a} is")
    } else {
        format!("entries {a} to {b} are")
    }
}

pub(crate) fn analyse(
    log_path: &Path,
    checkpoints_path: Option<&Path>,
    trusted_keys: &[VerifyingKey],
) -> Result<Analysis> {
    let data = fsutil::read_all(log_path)?;
    let cp_data = match checkpoints_path {
        Some(p) => Some(fsutil::read_all(p)?),
        None => None,
    };
    let (lines, partial) = fsutil::split_lines(&data);
    let mut found = Found(Vec::new());

    // Phase 0: each line on its own.
    let mut infos: Vec<LineInfo> = Vec::with_capacity(lines.len());
    for (i, bytes) in lines.iter().enumerate() {
        let line = i + 1;
        let guess = infos.last().map_or(1, |p| p.seq.saturating_add(1));
        let (leaf, stored) = line_leaf(bytes);
        let stored = stored.map(str::to_string);
        let mut info = LineInfo {
            line,
            seq: guess,
            status: Status::Malformed,
            leaf,
            stored: stored.clone(),
            prev: None,
        };
        match (Entry::parse_line(bytes), &stored) {
            (Err(e), _) => found.add(
                0,
                ProblemKind::Malformed,
                guess,
                line,
                format!("entry {guess} (line {line}) is malformed: {e}"),
            ),
            (Ok(_), None) => found.add(
                0,
                ProblemKind::Malformed,
                guess,
                line,
                format!("entry {guess} (line {line}) is malformed: it does not end with its \"hash\" field"),
            ),
            (Ok(_), Some(stored)) if *stored != hex::encode(leaf) => {
                info.status = Status::Edited;
                found.add(
                    0,
                    ProblemKind::Edited,
                    guess,
                    line,
                    format!(
                        "entry {guess} (line {line}) was edited: its content no longer matches its hash"
                    ),
                );
            }
            (Ok(entry), Some(_)) => {
                let bad = if entry.seq == 0 {
                    Some("seq is 0")
                } else if !is_hex64(entry.prev.as_bytes()) {
                    Some("prev is not 64 lowercase hex digits")
                } else if entry.examiner.trim().is_empty() || entry.action.trim().is_empty() {
                    Some("examiner or action is empty")
                } else {
                    None
                };
                if let Some(what) = bad {
                    found.add(
                        0,
                        ProblemKind::Malformed,
                        guess,
                        line,
                        format!("entry {guess} (line {line}) is malformed: {what}"),
                    );
                } else {
                    info.status = Status::Ok;
                    info.seq = entry.seq;
                    info.prev = Some(entry.prev);
                }
            }
        }
        infos.push(info);
    }
    if let Some(part) = partial {
        let line = lines.len() + 1;
        let entry = infos.last().map_or(1, |p| p.seq.saturating_add(1));
        found.add(
            0,
            ProblemKind::Truncated,
            entry,
            line,
            format!(
                "entry {entry} (line {line}) is truncated: the last line ({} bytes) has no newline \
                 (a partial write); it is not part of the log",
                part.len()
            ),
        );
    }

    // Phase 1: sequence. Duplicates first, then order, then gaps.
    let mut first_line_of: BTreeMap<u64, usize> = BTreeMap::new(); // seq -> index
    let mut ordered: Vec<usize> = Vec::new(); // indices of non-duplicate lines
    for (idx, info) in infos.iter().enumerate() {
        if let Some(&other) = first_line_of.get(&info.seq) {
            let (s, l, o) = (info.seq, info.line, infos[other].line);
            found.add(
                1,
                ProblemKind::Reordered,
                s,
                l,
                format!("entry {s} (line {l}) repeats entry {s} of line {o}: a duplicated or replayed entry"),
            );
        } else {
            first_line_of.insert(info.seq, idx);
            ordered.push(idx);
        }
    }
    let mut sorted: Vec<u64> = ordered.iter().map(|&i| infos[i].seq).collect();
    sorted.sort_unstable();
    let mut p = 0;
    while p < ordered.len() {
        if infos[ordered[p]].seq == sorted[p] {
            p += 1;
            continue;
        }
        let start = p;
        while p < ordered.len() && infos[ordered[p]].seq != sorted[p] {
            p += 1;
        }
        let (first, last) = (&infos[ordered[start]], &infos[ordered[p - 1]]);
        let belongs = sorted[start];
        found.add(
            1,
            ProblemKind::Reordered,
            belongs,
            first.line,
            format!(
                "entry {belongs} is out of place: line {} holds entry {} where entry {belongs} belongs \
                 (entries were reordered between lines {} and {})",
                first.line, first.seq, first.line, last.line
            ),
        );
    }
    let mut expected = 1u64;
    for &seq in &sorted {
        if seq > expected {
            let at = &infos[first_line_of[&seq]];
            let context = if expected == 1 {
                format!("the log starts with entry {seq} at line {}", at.line)
            } else {
                format!(
                    "entry {seq} at line {} follows entry {}",
                    at.line,
                    expected - 1
                )
            };
            found.add(
                1,
                ProblemKind::Missing,
                expected,
                at.line,
                format!(
                    "{} missing (deleted): {context}",
                    entries_text(expected, seq - 1)
                ),
            );
        }
        expected = seq.saturating_add(1);
    }

    // Phase 2: the hash chain, followed by seq so that moved entries still
    // link; links into missing or malformed entries are not judged.
    for info in &infos {
        let (Status::Ok, Some(prev)) = (info.status, &info.prev) else {
            continue;
        };
        if first_line_of.get(&info.seq).map(|&i| infos[i].line) != Some(info.line) {
            continue; // a duplicate, already reported
        }
        let (s, l) = (info.seq, info.line);
        if s == 1 {
            if prev != GENESIS_PREV {
                found.add(
                    2,
                    ProblemKind::ChainBroken,
                    s,
                    l,
                    format!("entry 1 (line {l}) does not start the chain (prev is not all zeros): it was replaced"),
                );
            }
            continue;
        }
        let Some(&pi) = first_line_of.get(&(s - 1)) else {
            continue;
        };
        let before = &infos[pi];
        let matches = match before.status {
            Status::Malformed => true,
            Status::Ok => before.stored.as_deref() == Some(prev.as_str()),
            Status::Edited => {
                before.stored.as_deref() == Some(prev.as_str()) || hex::encode(before.leaf) == *prev
            }
        };
        if !matches {
            found.add(
                2,
                ProblemKind::ChainBroken,
                s,
                l,
                format!(
                    "entry {s} (line {l}): its link to entry {} (line {}) is broken: entry {} was \
                     edited or replaced",
                    s - 1,
                    before.line,
                    s - 1
                ),
            );
        }
    }

    found.0.sort_by_key(|(key, _)| *key);
    let mut problems: Vec<Problem> = found.0.into_iter().map(|(_, p)| p).collect();
    let leaves: Vec<Hash> = infos.iter().map(|i| i.leaf).collect();
    let log_problem_lines: Vec<usize> = problems.iter().filter_map(|p| p.line).collect();
    let had_missing = problems.iter().any(|p| p.kind == ProblemKind::Missing);

    let mut signers = BTreeSet::new();
    let mut checkpoints = 0u64;
    let mut last_checkpoint = None;
    if let Some(cp_data) = &cp_data {
        let ctx = CheckpointContext {
            leaves: &leaves,
            trusted_keys,
            log_problem_lines: &log_problem_lines,
            had_missing,
        };
        let (cp_lines, cp_partial) = fsutil::split_lines(cp_data);
        checkpoints = cp_lines.len() as u64 + u64::from(cp_partial.is_some());
        let mut prev: Option<Checkpoint> = None;
        for (i, bytes) in cp_lines.iter().enumerate() {
            let number = i as u64 + 1;
            match serde_json::from_slice::<Checkpoint>(bytes) {
                Err(e) => problems.push(cp_problem(
                    ProblemKind::CheckpointMalformed,
                    number,
                    None,
                    format!("checkpoint {number} (line {number} of the checkpoints file) is malformed: {e}"),
                )),
                Ok(cp) => {
                    ctx.check(number, &cp, prev.as_ref(), &mut problems, &mut signers);
                    prev = Some(cp);
                }
            }
        }
        if cp_partial.is_some() {
            let number = cp_lines.len() as u64 + 1;
            problems.push(cp_problem(
                ProblemKind::CheckpointMalformed,
                number,
                None,
                format!("checkpoint {number} (line {number} of the checkpoints file) is truncated: no final newline"),
            ));
        }
        last_checkpoint = prev;
    }

    Ok(Analysis {
        report: VerifyReport {
            entries: infos.len() as u64,
            checkpoints,
            root_hash: hex::encode(merkle::root(&leaves)),
            signers: signers.into_iter().collect(),
            problems,
        },
        leaves,
        last_checkpoint,
    })
}

fn cp_problem(kind: ProblemKind, number: u64, entry: Option<u64>, message: String) -> Problem {
    Problem {
        kind,
        entry,
        line: None,
        checkpoint: Some(number),
        message,
    }
}

struct CheckpointContext<'a> {
    leaves: &'a [Hash],
    trusted_keys: &'a [VerifyingKey],
    log_problem_lines: &'a [usize],
    had_missing: bool,
}

fn parse_hash(text: &str) -> Option<Hash> {
    if !is_hex64(text.as_bytes()) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

impl CheckpointContext<'_> {
    fn check(
        &self,
        number: u64,
        cp: &Checkpoint,
        prev: Option<&Checkpoint>,
        problems: &mut Vec<Problem>,
        signers: &mut BTreeSet<String>,
    ) {
        let size = cp.tree_size;
        let name = format!("checkpoint {number} (tree size {size})");
        let mut push =
            |kind, entry, message| problems.push(cp_problem(kind, number, entry, message));
        let Some(root) = parse_hash(&cp.root_hash) else {
            push(
                ProblemKind::CheckpointMalformed,
                None,
                format!("{name} is malformed: root_hash is not 64 lowercase hex digits"),
            );
            return;
        };

        match cp.verify_signature() {
            Err(SignatureFailure::BadKey(what)) => push(
                ProblemKind::CheckpointMalformed,
                None,
                format!("{name} is malformed: public_key {what}"),
            ),
            Err(SignatureFailure::BadSignature(what)) => push(
                ProblemKind::BadSignature,
                None,
                format!(
                    "{name} has a bad signature ({what}): the checkpoint was altered or forged"
                ),
            ),
            Ok(key) => {
                let fp = fingerprint(&key);
                if !self.trusted_keys.is_empty() && !self.trusted_keys.contains(&key) {
                    push(
                        ProblemKind::UntrustedKey,
                        None,
                        format!(
                            "{name} is signed by key {fp}, which is not among the trusted keys"
                        ),
                    );
                }
                signers.insert(fp);
            }
        }

        let n = self.leaves.len() as u64;
        if size > n {
            let what = if self.had_missing {
                "entries were deleted (see above) or the log was truncated".to_string()
            } else {
                format!(
                    "{} missing: the log was truncated after this checkpoint",
                    entries_text(n + 1, size)
                )
            };
            push(
                ProblemKind::LogTruncated,
                Some(n + 1),
                format!("{name} covers {size} entries but the log holds only {n}: {what}"),
            );
        } else {
            let covered = &self.leaves[..size as usize];
            if merkle::root(covered) != root {
                let first_bad = self
                    .log_problem_lines
                    .iter()
                    .copied()
                    .filter(|&l| l as u64 <= size)
                    .min();
                let hint = match first_bad {
                    Some(l) => format!("; the first damaged log line is {l}"),
                    None => String::new(),
                };
                push(
                    ProblemKind::RootMismatch,
                    None,
                    format!(
                        "{name}: the log's first {size} entries no longer hash to its root: \
                         some of entries 1 to {size} were altered, replaced or reordered{hint}"
                    ),
                );
            }
        }

        let (prev_size, prev_root) = match prev {
            None => (0, merkle::empty_root()),
            Some(p) => match parse_hash(&p.root_hash) {
                Some(r) => (p.tree_size, r),
                None => return,
            },
        };
        if cp.prev_size != prev_size {
            push(
                ProblemKind::Inconsistent,
                None,
                format!(
                    "{name} records a previous checkpoint of size {} but the one before it has size \
                     {prev_size}: a checkpoint was removed or inserted",
                    cp.prev_size
                ),
            );
            return;
        }
        let proof: Option<Vec<Hash>> = cp.consistency.iter().map(|h| parse_hash(h)).collect();
        let ok = proof.is_some_and(|proof| {
            merkle::verify_consistency(prev_size, size, &prev_root, &root, &proof)
        });
        if !ok {
            push(
                ProblemKind::Inconsistent,
                None,
                format!(
                    "{name} is not consistent with the previous checkpoint (tree size {prev_size}): \
                     the log was rewritten between them"
                ),
            );
        }
    }
}
