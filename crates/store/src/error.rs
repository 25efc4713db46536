//! Errors of the case store.

use std::path::PathBuf;

/// What went wrong in the case store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("{path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A statement failed.
    #[error("case store: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The database was written by a newer Exhibit.
    #[error("case store schema version {found} is newer than this Exhibit's ({supported})")]
    TooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The store is unusable (e.g. a thread panicked while holding it).
    #[error("case store: {0}")]
    Poisoned(String),
}
