//! # exhibit-package: evidence packages for partner agencies
//!
//! [`build`] puts what a receiving agency needs to check a case into one
//! POSIX tar archive: the case record (`case.json`), the custody log and
//! its signed checkpoints (`custody/`), the evidence records
//! (`evidence/E<n>.json`), the CASE/UCO export (`export/case.jsonld`), the
//! report when the case has one (`report/…html`) and, on request, files
//! the examiner extracted (`files/<folder>/…`). [`verify`] is what the
//! partner runs.
//!
//! ## What this crate must never do
//!
//! * never open evidence or write to the case: the caller records the
//!   packaging in the custody log;
//! * never trust the archive: every header is checked, every size bounded
//!   by the bytes present, damage is an error naming the offset, never a
//!   panic; nothing is extracted to disk except the custody log, into a
//!   private temporary folder, to verify it;
//! * never read a clock (the caller passes the time), never do network I/O.
//!
//! ## The format (`exhibit-package/v1`), checkable without Exhibit
//!
//! The archive is ustar, members sorted by path after the two first ones,
//! `MANIFEST.json` then `MANIFEST.sig`; mode 0644, uid/gid 0, mtime 0.
//!
//! `MANIFEST.json` (pretty JSON, `\n` at the end) names the format, the
//! case (name, number, examiner), who packaged it and when, the tool, the
//! latest signed custody checkpoint and every other member with its `size`
//! and lowercase hex `sha256`, sorted by path.
//!
//! `MANIFEST.sig` is one line of compact JSON:
//! `{"algorithm":"ed25519","public_key":"<64 hex>","fingerprint":"<16 hex>","manifest_sha256":"<64 hex>","signature":"<128 hex>"}`
//! where `signature` is the Ed25519 signature (RFC 8032, verified
//! strictly) of exactly the bytes of `MANIFEST.json`, and the fingerprint
//! is the first 16 hex digits of SHA-256 of the public key (as for custody
//! keys). `manifest_sha256` only helps to tell which of the two files was
//! altered. A package verifies when the signature holds (by a trusted key,
//! if the receiver names any), the archive holds exactly the manifest's
//! members with those sizes and hashes, and the custody log verifies
//! against its checkpoints.

#![deny(missing_docs)]

mod build;
pub mod tar;
mod verify;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use build::{build, BuildOptions, Built};
pub use verify::{verify, Failure, Verified};

/// Format name written in every manifest.
pub const FORMAT: &str = "exhibit-package/v1";
/// The manifest's member name.
pub const MANIFEST: &str = "MANIFEST.json";
/// The signature's member name.
pub const SIGNATURE: &str = "MANIFEST.sig";
/// Largest manifest, signature, custody log or checkpoints file read back
/// into memory for verification.
pub const MAX_CUSTODY: u64 = 1 << 30;

/// Errors of building or reading a package. A package that reads but does
/// not verify is not an error: see [`Failure`].
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A case file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The case could not be read.
    #[error(transparent)]
    Case(#[from] exhibit_case::CaseError),
    /// The CASE export could not be made.
    #[error("CASE export: {0}")]
    Export(#[from] exhibit_export::ExportError),
    /// The custody log could not be read.
    #[error(transparent)]
    Custody(#[from] exhibit_custody::CustodyError),
    /// The case has no signed custody checkpoint to include.
    #[error("the case has no signed custody checkpoint: run `exhibit custody checkpoint` first")]
    NoCheckpoint,
    /// The case's custody log does not verify: it is not packaged.
    #[error(
        "the custody log does not verify ({0}); run `exhibit custody verify` and resolve it first"
    )]
    CustodyFails(String),
    /// A member name cannot be stored.
    #[error("member {name}: {what}")]
    Name {
        /// The name.
        name: String,
        /// What is wrong.
        what: String,
    },
    /// Two members would have the same name.
    #[error("two files would be stored as {0}")]
    Duplicate(String),
    /// A file changed while it was being packaged.
    #[error("{name}: changed while it was being packaged")]
    Changed {
        /// The member.
        name: String,
    },
    /// The archive is damaged or not a package.
    #[error("damaged package at byte {offset}: {what}")]
    Corrupt {
        /// Offset in the archive.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// JSON could not be written.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The case a package is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRef {
    /// Case name.
    pub name: String,
    /// Case number.
    pub number: String,
    /// Lead examiner.
    pub examiner: String,
}

/// The latest signed checkpoint of the custody log, as the manifest names
/// it (so a reader sees at a glance what the log was signed up to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointRef {
    /// Entries covered.
    pub tree_size: u64,
    /// Merkle root (hex).
    pub root_hash: String,
    /// Who signed it.
    pub examiner: String,
    /// When.
    pub time: String,
    /// Fingerprint of its key.
    pub key_fingerprint: String,
}

/// One file of the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Member path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 (hex).
    pub sha256: String,
}

/// `MANIFEST.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The case.
    pub case: CaseRef,
    /// Who made the package (signed with their key).
    pub packaged_by: String,
    /// When (RFC 3339 UTC).
    pub created: String,
    /// The tool and its version.
    pub tool: String,
    /// The latest signed custody checkpoint included.
    pub checkpoint: CheckpointRef,
    /// Every member except `MANIFEST.json` and `MANIFEST.sig`, sorted.
    pub files: Vec<FileEntry>,
}

/// `MANIFEST.sig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// Always `ed25519`.
    pub algorithm: String,
    /// Public key (hex).
    pub public_key: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// SHA-256 of the manifest bytes (hex).
    pub manifest_sha256: String,
    /// Ed25519 signature of the manifest bytes (hex).
    pub signature: String,
}

impl SignatureFile {
    /// The exact bytes written: one compact JSON line.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PackageError> {
        let mut v = serde_json::to_vec(self)?;
        v.push(b'\n');
        Ok(v)
    }
}

/// SHA-256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}
