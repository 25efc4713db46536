//! The crate's single error type.

use std::path::PathBuf;

/// Convenient alias for results of this crate.
pub type Result<T> = std::result::Result<T, CustodyError>;

/// Everything that can make a custody operation fail.
///
/// Tampering found by [`crate::verify`] is *not* an error: it is reported
/// as [`crate::Problem`]s in the [`crate::VerifyReport`]. Errors are for
/// operations that could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum CustodyError {
    /// Reading, writing, syncing or creating a file failed (including a
    /// missing file).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file the operation was about.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },

    /// Another process (or thread) holds the lock file of a log or
    /// checkpoints file.
    #[error(
        "{} exists: another Exhibit process is writing this file; if none is running, \
         the lock is stale (left by a crash) and may be removed by hand",
        path.display()
    )]
    Locked {
        /// The lock file that already exists.
        path: PathBuf,
    },

    /// A file that must be new (a log being created, a key being
    /// generated) already exists. Nothing was overwritten.
    #[error("{} already exists; refusing to overwrite it", path.display())]
    Exists {
        /// The file that already exists.
        path: PathBuf,
    },

    /// A log or checkpoints file is damaged where the operation needed it
    /// intact (e.g. the last line is truncated, so appending is refused).
    #[error("{} line {line}: {what}", path.display())]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// 1-based line number of the damage.
        line: usize,
        /// What is wrong.
        what: String,
    },

    /// A key file is unreadable, malformed or holds an invalid key, or no
    /// key could be generated.
    #[error("key {}: {what}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },

    /// The caller passed an invalid value (e.g. an empty examiner name).
    #[error("invalid input: {what}")]
    Invalid {
        /// What is wrong.
        what: String,
    },

    /// A checkpoint was refused because the log (or its existing
    /// checkpoints) does not verify: signing it would vouch for tampering.
    #[error(
        "{}: refusing to checkpoint a log that does not verify ({count} problem(s)); first: {first}",
        path.display()
    )]
    NotVerified {
        /// The log that failed verification.
        path: PathBuf,
        /// Number of problems found.
        count: usize,
        /// Message of the first problem.
        first: String,
    },
}

impl CustodyError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CustodyError::Io {
            path: path.into(),
            source,
        }
    }
}
