//! The one error type of this crate.

use std::path::PathBuf;

use exhibit_evidence::EvidenceError;
use exhibit_hash::HashError;

/// Everything that can stop an acquisition or a verification.
///
/// Read errors on the *source* are not in here: an acquisition never stops
/// for them (the sectors are zero-filled and logged as
/// [`ReadError`](crate::ReadError)). Problems found by a verification are not
/// errors either; they are listed in [`VerifyOutcome`](crate::VerifyOutcome).
#[derive(Debug, thiserror::Error)]
pub enum AcquireError {
    /// An output file (or a leftover `.partial` of one) already exists.
    /// Nothing is ever overwritten: evidence already in the case stays as it is.
    #[error("{}: already exists; refusing to overwrite", path.display())]
    Exists {
        /// The file that is in the way.
        path: PathBuf,
    },
    /// An I/O error on an output file or directory (or, when verifying, on a
    /// segment or log that exists but cannot be read).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An error from the evidence layer (for example while opening a source).
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// A hashing worker failed (never expected: the hash functions cannot fail).
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The options are unusable; the text says which one and why.
    #[error("bad acquisition options: {0}")]
    BadOptions(String),
    /// The source holds no bytes: there is nothing to acquire.
    #[error("{name}: the source is empty (0 bytes); nothing to acquire")]
    EmptySource {
        /// Name of the source.
        name: String,
    },
    /// No acquisition log (`*.acquisition.json`) was found.
    #[error("{}: no acquisition log (*.acquisition.json) found", dir.display())]
    LogMissing {
        /// The directory searched (or the named log's directory).
        dir: PathBuf,
    },
    /// Several acquisition logs are in the directory and none was named.
    #[error("{}: several acquisition logs found ({}); name the image to verify", dir.display(), names.join(", "))]
    AmbiguousLog {
        /// The directory searched.
        dir: PathBuf,
        /// The image names found (the part before `.acquisition.json`).
        names: Vec<String>,
    },
    /// The acquisition log cannot be parsed or is inconsistent.
    #[error("{}: corrupt acquisition log: {what}", path.display())]
    LogCorrupt {
        /// The log file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
}

impl AcquireError {
    /// Wraps an `io::Error` on `path`, mapping "already exists" to
    /// [`AcquireError::Exists`].
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            AcquireError::Exists { path }
        } else {
            AcquireError::Io { path, source }
        }
    }
}
