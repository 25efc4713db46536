use std::path::PathBuf;

use exhibit_custody::CustodyError;
use exhibit_evidence::EvidenceError;

/// Errors of the case layer.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The folder is not an Exhibit case (no `case.json`).
    #[error("{}: not an Exhibit case (no case.json)", path.display())]
    NotACase {
        /// The folder.
        path: PathBuf,
    },
    /// `case init` on a folder that already holds something.
    #[error("{}: already exists and is not empty", path.display())]
    Exists {
        /// The folder.
        path: PathBuf,
    },
    /// A case file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A case file is not what Exhibit wrote.
    #[error("{}: damaged case file: {what}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// No evidence with that id in the case.
    #[error("no evidence `{id}` in this case")]
    UnknownEvidence {
        /// The id asked for.
        id: String,
    },
    /// Reading the evidence failed.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// The custody log refused the entry.
    #[error(transparent)]
    Custody(#[from] CustodyError),
    /// A registration given up before its hashes were complete (the
    /// triage it belonged to had already failed): nothing was recorded.
    #[error("{}: registration called off before its hashes were complete", path.display())]
    CalledOff {
        /// The evidence.
        path: std::path::PathBuf,
    },
    /// Hashing failed (an I/O error while reading the evidence).
    #[error("{evidence}: {source}")]
    Hash {
        /// The evidence being hashed.
        evidence: String,
        /// The underlying error.
        source: exhibit_hash::HashError,
    },
}

pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> CaseError + '_ {
    move |source| CaseError::Io {
        path: path.to_path_buf(),
        source,
    }
}
