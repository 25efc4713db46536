//! Errors of triage.

use std::path::PathBuf;

/// What stopped a triage.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// The case folder (records, custody log) failed.
    #[error(transparent)]
    Case(#[from] exhibit_case::CaseError),
    /// The case store failed.
    #[error(transparent)]
    Store(#[from] exhibit_store::StoreError),
    /// The evidence could not be opened or read.
    #[error("{}", with_path(path, source))]
    Evidence {
        /// The evidence file.
        path: PathBuf,
        /// The cause.
        source: exhibit_evidence::EvidenceError,
    },
    /// The volume system could not be read at all.
    #[error(transparent)]
    Examine(#[from] exhibit_examine::ExamineError),
    /// The scanner failed.
    #[error(transparent)]
    Scan(#[from] exhibit_scan::ScanError),
    /// The full-text index failed.
    #[error(transparent)]
    Index(#[from] exhibit_index::IndexError),
    /// A worker thread of triage failed.
    #[error("internal error: {0}")]
    Internal(String),
    /// An analyser could not run at all (its per-file problems are warnings).
    #[error("analyser {name}: {what}")]
    Analyser {
        /// The analyser.
        name: &'static str,
        /// What went wrong.
        what: String,
    },
}

/// `path: source`, unless the source's message already starts with the path.
fn with_path(path: &std::path::Path, source: &exhibit_evidence::EvidenceError) -> String {
    let (path, text) = (path.display().to_string(), source.to_string());
    if text.starts_with(&path) {
        text
    } else {
        format!("{path}: {text}")
    }
}
