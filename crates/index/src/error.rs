//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong opening, writing or searching the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The query text could not be understood; the message says which part and why.
    #[error("bad query: {0}")]
    Query(String),
    /// The index directory could not be created or opened.
    #[error("cannot open index directory {path}: {source}")]
    Io {
        /// The index directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Another writer (this or another process) holds the index lock.
    #[error("index at {path} is being written by another process; wait for it to finish")]
    Locked {
        /// The index directory.
        path: PathBuf,
    },
    /// The directory holds an index with another layout (an older or newer Exhibit).
    /// The index is derived data: delete the directory and rebuild it from the case store.
    #[error("index at {path} was built with another layout; delete it and rebuild the index")]
    Incompatible {
        /// The index directory.
        path: PathBuf,
    },
    /// A stored document could not be read back (damaged index; rebuild it).
    #[error("index document is damaged: {0}; rebuild the index")]
    Corrupt(String),
    /// An error reported by the search engine (tantivy).
    #[error("index: {0}")]
    Engine(#[from] tantivy::TantivyError),
}
