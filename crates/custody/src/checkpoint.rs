//! Signed checkpoints (tree heads) over the custody log.

use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{CustodyError, Result};
use crate::fsutil::{self, LockGuard};
use crate::keys::verifying_key_from_hex;
use crate::merkle;
use crate::time::{format_time, stored_time};
use crate::verify::analyse;

/// First line of every signed checkpoint message (domain separation).
pub const CHECKPOINT_DOMAIN: &str = "exhibit-custody-checkpoint/v1";

/// One line of the checkpoints file: a signed Merkle tree head of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Number of log entries (lines) covered.
    pub tree_size: u64,
    /// Hex RFC 9162 Merkle tree hash of the first `tree_size` entries.
    pub root_hash: String,
    /// When the checkpoint was made (microseconds, UTC).
    #[serde(with = "crate::time::serde_rfc3339")]
    pub time: Timestamp,
    /// Who made it.
    pub examiner: String,
    /// Tree size of the previous checkpoint in the file (0 for the first).
    pub prev_size: u64,
    /// Hex RFC 9162 consistency proof from `prev_size` to `tree_size`
    /// (empty when `prev_size` is 0 or equal to `tree_size`).
    pub consistency: Vec<String>,
    /// Hex Ed25519 public key of the signer.
    pub public_key: String,
    /// Hex Ed25519 signature of [`Checkpoint::signed_message`].
    pub signature: String,
}

impl Checkpoint {
    /// The exact bytes signed:
    /// `exhibit-custody-checkpoint/v1\n{tree_size}\n{root_hash}\n{prev_size}\n{time}\n{examiner}\n`
    /// with sizes in decimal, `root_hash` in lowercase hex and `time` as
    /// stored (RFC 3339, UTC, six fractional digits).
    pub fn signed_message(&self) -> Vec<u8> {
        format!(
            "{CHECKPOINT_DOMAIN}\n{}\n{}\n{}\n{}\n{}\n",
            self.tree_size,
            self.root_hash,
            self.prev_size,
            format_time(&self.time),
            self.examiner
        )
        .into_bytes()
    }

    /// The signer's key, if the embedded key is valid and the signature
    /// verifies (strict RFC 8032 verification). The error says which part
    /// failed.
    pub fn verify_signature(&self) -> std::result::Result<VerifyingKey, SignatureFailure> {
        let key = verifying_key_from_hex(&self.public_key).map_err(SignatureFailure::BadKey)?;
        let mut sig = [0u8; 64];
        hex::decode_to_slice(&self.signature, &mut sig)
            .map_err(|e| SignatureFailure::BadSignature(format!("not 128 hex digits: {e}")))?;
        key.verify_strict(&self.signed_message(), &Signature::from_bytes(&sig))
            .map_err(|_| SignatureFailure::BadSignature("does not verify".into()))?;
        Ok(key)
    }

    /// The line as written, with its trailing `\n`.
    pub fn to_line(&self) -> Result<String> {
        let mut s = serde_json::to_string(self).map_err(|e| CustodyError::Invalid {
            what: format!("checkpoint cannot be serialized: {e}"),
        })?;
        s.push('\n');
        Ok(s)
    }
}

/// Why a checkpoint's signature could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureFailure {
    /// `public_key` is not a valid Ed25519 key in hex.
    BadKey(String),
    /// The signature is malformed or does not verify.
    BadSignature(String),
}

/// Reads every checkpoint, failing on the first damaged line.
pub fn read_checkpoints(path: &Path) -> Result<Vec<Checkpoint>> {
    let data = fsutil::read_all(path)?;
    let (lines, partial) = fsutil::split_lines(&data);
    let corrupt = |line: usize, what: String| CustodyError::Corrupt {
        path: path.into(),
        line,
        what,
    };
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        out.push(serde_json::from_slice(line).map_err(|e| corrupt(i + 1, e.to_string()))?);
    }
    if partial.is_some() {
        return Err(corrupt(
            lines.len() + 1,
            "the last line is truncated".into(),
        ));
    }
    Ok(out)
}

/// Signs a checkpoint of the whole log and appends it to `checkpoints_path`
/// (created if missing).
///
/// Holds `<log>.lock` and `<checkpoints>.lock` throughout (so the log cannot
/// grow meanwhile), refuses with [`CustodyError::NotVerified`] unless the log
/// and existing checkpoints verify without problems, then appends one line
/// with one `write` call and `fsync`s.
pub fn checkpoint(
    log_path: &Path,
    checkpoints_path: &Path,
    key: &SigningKey,
    examiner: &str,
    time: Timestamp,
) -> Result<Checkpoint> {
    if examiner.trim().is_empty() || examiner.chars().any(char::is_control) {
        return Err(CustodyError::Invalid {
            what: "examiner must be non-empty and contain no control characters".into(),
        });
    }
    let time = stored_time(&time)?;
    let log_lock = LockGuard::acquire(log_path)?;
    let cp_lock = LockGuard::acquire(checkpoints_path)?;

    let existing = checkpoints_path.exists().then_some(checkpoints_path);
    let analysis = analyse(log_path, existing, &[])?;
    if let Some(first) = analysis.report.first_problem() {
        return Err(CustodyError::NotVerified {
            path: log_path.into(),
            count: analysis.report.problems.len(),
            first: first.message.clone(),
        });
    }
    let leaves = analysis.leaves;
    let prev_size = analysis.last_checkpoint.map_or(0, |c| c.tree_size);
    let proof = usize::try_from(prev_size)
        .ok()
        .and_then(|m| merkle::consistency_proof(&leaves, m))
        .ok_or_else(|| CustodyError::Invalid {
            what: format!("previous checkpoint size {prev_size} exceeds the log"),
        })?;
    let mut cp = Checkpoint {
        tree_size: leaves.len() as u64,
        root_hash: hex::encode(merkle::root(&leaves)),
        time,
        examiner: examiner.to_string(),
        prev_size,
        consistency: proof.iter().map(hex::encode).collect(),
        public_key: hex::encode(key.verifying_key().to_bytes()),
        signature: String::new(),
    };
    cp.signature = hex::encode(key.sign(&cp.signed_message()).to_bytes());
    fsutil::append_line(checkpoints_path, cp.to_line()?.as_bytes(), true, None)?;
    cp_lock.release()?;
    log_lock.release()?;
    Ok(cp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CustodyLog, NewEntry};

    fn t(s: i64) -> Timestamp {
        Timestamp::new(1_795_969_331 + s, 0).unwrap()
    }

    #[test]
    fn message_format_and_signature() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let dir = tempfile::tempdir().unwrap();
        let (lp, cpp) = (dir.path().join("log"), dir.path().join("cp"));
        let mut log = CustodyLog::create(&lp).unwrap();
        for i in 0..3 {
            log.append(NewEntry::new("A", "examined"), t(i)).unwrap();
        }
        let c1 = checkpoint(&lp, &cpp, &key, "Sgt. B", t(10)).unwrap();
        assert_eq!(c1.tree_size, 3);
        assert_eq!(c1.prev_size, 0);
        assert!(c1.consistency.is_empty());
        let msg = String::from_utf8(c1.signed_message()).unwrap();
        assert_eq!(
            msg,
            format!(
                "exhibit-custody-checkpoint/v1\n3\n{}\n0\n2026-11-29T16:22:21.000000Z\nSgt. B\n",
                c1.root_hash
            )
        );
        assert_eq!(c1.verify_signature().unwrap(), key.verifying_key());
        for i in 3..7 {
            log.append(NewEntry::new("A", "examined"), t(i)).unwrap();
        }
        let c2 = checkpoint(&lp, &cpp, &key, "Sgt. B", t(20)).unwrap();
        assert_eq!((c2.prev_size, c2.tree_size), (3, 7));
        let proof: Vec<merkle::Hash> = c2
            .consistency
            .iter()
            .map(|h| hex::decode(h).unwrap().try_into().unwrap())
            .collect();
        let r = |c: &Checkpoint| -> merkle::Hash {
            hex::decode(&c.root_hash).unwrap().try_into().unwrap()
        };
        assert!(merkle::verify_consistency(3, 7, &r(&c1), &r(&c2), &proof));
        assert_eq!(read_checkpoints(&cpp).unwrap(), vec![c1.clone(), c2]);

        let mut forged = c1;
        forged.tree_size = 2;
        assert!(matches!(
            forged.verify_signature(),
            Err(SignatureFailure::BadSignature(_))
        ));
        for p in [&lp, &cpp] {
            let probe = std::fs::File::open(crate::fsutil::lock_path(p)).unwrap();
            probe.try_lock().unwrap();
        }
    }

    #[test]
    fn refuses_bad_examiner_and_tampered_log() {
        let key = SigningKey::from_bytes(&[1u8; 32]);
        let dir = tempfile::tempdir().unwrap();
        let (lp, cpp) = (dir.path().join("log"), dir.path().join("cp"));
        let mut log = CustodyLog::create(&lp).unwrap();
        log.append(NewEntry::new("A", "registered"), t(0)).unwrap();
        assert!(matches!(
            checkpoint(&lp, &cpp, &key, "a\nb", t(1)),
            Err(CustodyError::Invalid { .. })
        ));
        let text = std::fs::read_to_string(&lp).unwrap();
        std::fs::write(&lp, text.replace("registered", "destroyed")).unwrap();
        assert!(matches!(
            checkpoint(&lp, &cpp, &key, "B", t(1)),
            Err(CustodyError::NotVerified { count: 1, .. })
        ));
        assert!(!cpp.exists());
    }
}
