//! The errors a scan can end with.

use std::path::PathBuf;

use exhibit_evidence::EvidenceError;

/// Everything that can stop a scan. Damaged or hostile *content* (corrupt
/// compressed streams, bombs, truncated containers) is never an error: it is
/// decoded as far as it goes and, where something was cut off, reported
/// through [`crate::Sink::note`].
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Reading the evidence failed (I/O error, damaged container, read past
    /// the end). The scan stops: a lead list silently missing a range of the
    /// media would be worse than no list.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// Writing the output (feature files, histograms, spill files) failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The output file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The output directory already holds scan output; refusing to mix or
    /// overwrite results.
    #[error("{}: output directory already holds feature files", path.display())]
    OutputExists {
        /// The output directory.
        path: PathBuf,
    },
    /// A spill file written by this scan could not be read back (the
    /// output directory was modified during the scan).
    #[error("{}: spill file damaged: {what}", path.display())]
    Spill {
        /// The spill file.
        path: PathBuf,
        /// What was wrong with it.
        what: String,
    },
    /// A worker thread panicked (a bug: the scanner must not panic).
    #[error("scanner worker thread panicked")]
    WorkerPanicked,
}

impl ScanError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ScanError::Io {
            path: path.into(),
            source,
        }
    }
}
