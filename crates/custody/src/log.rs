//! Log entries, their canonical bytes, and appending to the log file.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{CustodyError, Result};
use crate::fsutil::{self, LockGuard, Tail};
use crate::merkle::{self, Hash};
use crate::time::{format_time, stored_time};

/// The `prev` of the first entry: 64 zeros.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The bytes that end every line after the canonical bytes' closing brace
/// is removed: `,"hash":"` + 64 hex digits + `"}`.
const HASH_MEMBER_PREFIX: &[u8] = b",\"hash\":\"";
const HASH_SUFFIX_LEN: usize = HASH_MEMBER_PREFIX.len() + 64 + 2;

/// One line of the custody log.
///
/// Fields serialize in declaration order; see the crate documentation for
/// the exact line format and how `hash` is computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Sequence number: 1 for the first entry, then +1 per entry.
    pub seq: u64,
    /// When the action happened (stored to the microsecond, UTC).
    #[serde(with = "crate::time::serde_rfc3339")]
    pub time: Timestamp,
    /// Who did it.
    pub examiner: String,
    /// What was done, e.g. `registered`, `acquired`, `verified`.
    pub action: String,
    /// The evidence item concerned (e.g. `E1`), if any.
    pub evidence: Option<String>,
    /// Free-form details; keys are sorted.
    pub details: BTreeMap<String, Value>,
    /// Hex leaf hash of the previous entry (64 zeros for the first).
    pub prev: String,
    /// Hex RFC 9162 leaf hash of this entry's canonical bytes.
    pub hash: String,
}

/// The entry without its `hash`, in the same field order: its JSON is the
/// entry's canonical bytes.
#[derive(Serialize)]
struct Body<'a> {
    seq: u64,
    time: String,
    examiner: &'a str,
    action: &'a str,
    evidence: Option<&'a str>,
    details: &'a BTreeMap<String, Value>,
    prev: &'a str,
}

impl Entry {
    /// The canonical bytes: compact JSON of every field except `hash`, in
    /// field order. The Merkle leaf of this entry.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>> {
        let body = Body {
            seq: self.seq,
            time: format_time(&self.time),
            examiner: &self.examiner,
            action: &self.action,
            evidence: self.evidence.as_deref(),
            details: &self.details,
            prev: &self.prev,
        };
        serde_json::to_vec(&body).map_err(|e| CustodyError::Invalid {
            what: format!("entry {} cannot be serialized: {e}", self.seq),
        })
    }

    /// The RFC 9162 leaf hash of [`Entry::canonical_bytes`]; what `hash`
    /// must hold.
    pub fn compute_hash(&self) -> Result<Hash> {
        Ok(merkle::leaf_hash(&self.canonical_bytes()?))
    }

    /// The full line as written to the log, including the trailing `\n`.
    /// Uses the stored `hash` field as is.
    pub fn to_line(&self) -> Result<String> {
        let mut bytes = self.canonical_bytes()?;
        bytes.pop(); // the closing brace
        bytes.extend_from_slice(HASH_MEMBER_PREFIX);
        bytes.extend_from_slice(self.hash.as_bytes());
        bytes.extend_from_slice(b"\"}\n");
        String::from_utf8(bytes).map_err(|e| CustodyError::Invalid {
            what: format!("entry {} is not UTF-8: {e}", self.seq),
        })
    }

    /// Parses one line (without its `\n`). Does not check the hash; see
    /// [`crate::verify`] for that.
    pub fn parse_line(line: &[u8]) -> Result<Entry> {
        serde_json::from_slice(line).map_err(|e| CustodyError::Invalid {
            what: format!("not a custody entry: {e}"),
        })
    }
}

/// The leaf hash of a line as found in the file: `SHA-256(0x00 || c)` where
/// `c` is the line with its final `,"hash":"<64 hex>"` member removed. For a
/// line without that ending (a damaged line) the whole line is hashed.
/// Returns the leaf and the stored hash text when the ending is present.
pub(crate) fn line_leaf(line: &[u8]) -> (Hash, Option<&str>) {
    if let Some(cut) = line.len().checked_sub(HASH_SUFFIX_LEN) {
        let (head, tail) = line.split_at(cut);
        let hex_part = &tail[HASH_MEMBER_PREFIX.len()..HASH_MEMBER_PREFIX.len() + 64];
        if tail.starts_with(HASH_MEMBER_PREFIX) && tail.ends_with(b"\"}") && is_hex64(hex_part) {
            let mut h = Sha256::new();
            h.update([0x00]);
            h.update(head);
            h.update(b"}");
            let stored = std::str::from_utf8(hex_part).ok();
            return (h.finalize().into(), stored);
        }
    }
    (merkle::leaf_hash(line), None)
}

/// Is `s` exactly 64 lowercase hex digits?
pub(crate) fn is_hex64(s: &[u8]) -> bool {
    s.len() == 64 && s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What a caller supplies for a new entry; `seq`, `prev` and `hash` are
/// filled in by [`CustodyLog::append`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewEntry {
    /// Who did it (must not be empty).
    pub examiner: String,
    /// What was done (must not be empty).
    pub action: String,
    /// The evidence item concerned, if any (must not be empty if given).
    pub evidence: Option<String>,
    /// Free-form details.
    pub details: BTreeMap<String, Value>,
}

impl NewEntry {
    /// A new entry with no evidence and no details.
    pub fn new(examiner: impl Into<String>, action: impl Into<String>) -> Self {
        NewEntry {
            examiner: examiner.into(),
            action: action.into(),
            ..NewEntry::default()
        }
    }

    /// Sets the evidence id.
    pub fn evidence(mut self, id: impl Into<String>) -> Self {
        self.evidence = Some(id.into());
        self
    }

    /// Adds one detail.
    pub fn detail(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }

    fn check(&self) -> Result<()> {
        let bad = |what: &str| {
            Err(CustodyError::Invalid {
                what: what.to_string(),
            })
        };
        if self.examiner.trim().is_empty() {
            return bad("examiner must not be empty");
        }
        if self.action.trim().is_empty() {
            return bad("action must not be empty");
        }
        if self
            .evidence
            .as_deref()
            .is_some_and(|e| e.trim().is_empty())
        {
            return bad("evidence id must not be empty when given");
        }
        Ok(())
    }
}

/// A custody log file. Holds only its path: every append re-reads the
/// tail, so several handles (or processes) can share one file.
#[derive(Debug, Clone)]
pub struct CustodyLog {
    path: PathBuf,
    /// The line count this handle last saw, while the file is unchanged.
    known: Option<fsutil::Known>,
}

impl CustodyLog {
    /// Creates a new, empty log; fails with [`CustodyError::Exists`] if the
    /// file exists.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => {
                f.sync_all().map_err(|e| CustodyError::io(&path, e))?;
                fsutil::sync_parent(&path)?;
                Ok(CustodyLog { path, known: None })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(CustodyError::Exists { path })
            }
            Err(e) => Err(CustodyError::io(path, e)),
        }
    }

    /// Opens an existing log (it must be a regular file).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let meta = std::fs::metadata(&path).map_err(|e| CustodyError::io(&path, e))?;
        if !meta.is_file() {
            return Err(CustodyError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
            ));
        }
        Ok(CustodyLog { path, known: None })
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry at `time` and returns it as written.
    ///
    /// Takes `<log>.lock` (failing with [`CustodyError::Locked`] if it
    /// exists), refuses a log whose last line is partial, unparsable,
    /// edited or out of sequence ([`CustodyError::Corrupt`]), writes the
    /// line with one `write` call in append mode and `fsync`s.
    pub fn append(&mut self, new: NewEntry, time: Timestamp) -> Result<Entry> {
        new.check()?;
        let time = stored_time(&time)?;
        let lock = LockGuard::acquire(&self.path)?;
        let (seq, prev) = self.checked_tail()?;
        let mut entry = Entry {
            seq,
            time,
            examiner: new.examiner,
            action: new.action,
            evidence: new.evidence,
            details: new.details,
            prev,
            hash: String::new(),
        };
        entry.hash = hex::encode(entry.compute_hash()?);
        let line = entry.to_line()?;
        fsutil::append_line(&self.path, line.as_bytes(), false, Some(&mut self.known))?;
        lock.release()?;
        Ok(entry)
    }

    /// The next `seq` and `prev`, after checking the last line is intact.
    fn checked_tail(&mut self) -> Result<(u64, String)> {
        let corrupt = |line: usize, what: String| CustodyError::Corrupt {
            path: self.path.clone(),
            line,
            what,
        };
        match fsutil::read_tail(&self.path, &mut self.known)? {
            Tail::Empty => Ok((1, GENESIS_PREV.to_string())),
            Tail::Partial { number } => Err(corrupt(
                number,
                "the last line is truncated (no final newline); refusing to append \
                 (run verify; the log must not be repaired by rewriting it)"
                    .into(),
            )),
            Tail::Line { bytes, number } => {
                let entry = Entry::parse_line(&bytes).map_err(|e| {
                    corrupt(
                        number,
                        format!("the last line is not a valid entry ({e}); refusing to append"),
                    )
                })?;
                let (leaf, stored) = line_leaf(&bytes);
                if stored != Some(entry.hash.as_str()) || hex::encode(leaf) != entry.hash {
                    return Err(corrupt(
                        number,
                        "the last entry's content does not match its hash (edited); refusing to append"
                            .into(),
                    ));
                }
                if u64::try_from(number).ok() != Some(entry.seq) {
                    return Err(corrupt(
                        number,
                        format!(
                            "the last entry has seq {} but is line {number}: entries were deleted, \
                             duplicated or reordered; refusing to append",
                            entry.seq
                        ),
                    ));
                }
                let next = entry
                    .seq
                    .checked_add(1)
                    .ok_or_else(|| corrupt(number, "sequence number overflow".into()))?;
                Ok((next, entry.hash))
            }
        }
    }

    /// Reads every entry, failing on the first unparsable line or a partial
    /// last line. Does not check hashes or order: use [`crate::verify`].
    pub fn entries(&self) -> Result<Vec<Entry>> {
        let data = fsutil::read_all(&self.path)?;
        let (lines, partial) = fsutil::split_lines(&data);
        let mut out = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            out.push(Entry::parse_line(line).map_err(|e| CustodyError::Corrupt {
                path: self.path.clone(),
                line: i + 1,
                what: e.to_string(),
            })?);
        }
        if partial.is_some() {
            return Err(CustodyError::Corrupt {
                path: self.path.clone(),
                line: lines.len() + 1,
                what: "the last line is truncated (no final newline)".into(),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::new(1_795_969_331 + s, 123_456_789).unwrap()
    }

    #[test]
    fn line_format_is_exact_and_hash_is_leaf_of_line_without_hash() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("custody.jsonl");
        let mut log = CustodyLog::create(&p).unwrap();
        let e1 = log
            .append(
                NewEntry::new("Insp. Müller", "registered")
                    .evidence("E1")
                    .detail("sha256", "ab")
                    .detail("bytes", 42)
                    .detail("a\"quote", "line\nbreak"),
                t(0),
            )
            .unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let body = "{\"seq\":1,\"time\":\"2026-11-29T16:22:11.123456Z\",\"examiner\":\"Insp. Müller\",\
                    \"action\":\"registered\",\"evidence\":\"E1\",\"details\":{\"a\\\"quote\":\"line\\nbreak\",\
                    \"bytes\":42,\"sha256\":\"ab\"},\"prev\":\"".to_string()
            + GENESIS_PREV
            + "\"}";
        let hash = hex::encode(merkle::leaf_hash(body.as_bytes()));
        let want = format!("{},\"hash\":\"{hash}\"}}\n", &body[..body.len() - 1]);
        assert_eq!(text, want);
        assert_eq!(e1.hash, hash);
        assert_eq!(e1.to_line().unwrap(), want);
        // Same as serializing the whole entry with serde.
        assert_eq!(serde_json::to_string(&e1).unwrap() + "\n", want);
        assert_eq!(Entry::parse_line(text.trim_end().as_bytes()).unwrap(), e1);

        let e2 = log.append(NewEntry::new("B", "examined"), t(1)).unwrap();
        assert_eq!(e2.seq, 2);
        assert_eq!(e2.prev, e1.hash);
        assert!(text.len() < std::fs::read_to_string(&p).unwrap().len());
        assert_eq!(log.entries().unwrap(), vec![e1, e2]);
    }

    #[test]
    fn same_inputs_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut outs = Vec::new();
        for name in ["a.jsonl", "b.jsonl"] {
            let p = dir.path().join(name);
            let mut log = CustodyLog::create(&p).unwrap();
            for i in 0..5 {
                log.append(
                    NewEntry::new("X", "verified")
                        .detail("z", i)
                        .detail("a", "v"),
                    t(i),
                )
                .unwrap();
            }
            outs.push(std::fs::read(&p).unwrap());
        }
        assert_eq!(outs[0], outs[1]);
    }

    #[test]
    fn create_refuses_existing_and_open_needs_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.jsonl");
        CustodyLog::create(&p).unwrap();
        assert!(matches!(
            CustodyLog::create(&p),
            Err(CustodyError::Exists { .. })
        ));
        assert!(CustodyLog::open(&p).is_ok());
        assert!(matches!(
            CustodyLog::open(dir.path().join("nope")),
            Err(CustodyError::Io { .. })
        ));
    }

    #[test]
    fn invalid_new_entries_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = CustodyLog::create(dir.path().join("l")).unwrap();
        for bad in [
            NewEntry::new("", "x"),
            NewEntry::new("a", " "),
            NewEntry::new("a", "x").evidence(""),
        ] {
            assert!(matches!(
                log.append(bad, t(0)),
                Err(CustodyError::Invalid { .. })
            ));
        }
        assert_eq!(std::fs::read(log.path()).unwrap(), b"");
    }

    #[test]
    fn line_leaf_without_hash_member_hashes_whole_line() {
        assert_eq!(line_leaf(b"garbage"), (merkle::leaf_hash(b"garbage"), None));
    }
}
