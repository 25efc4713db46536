//! The crate's single error type.

use std::path::PathBuf;

/// Everything that can go wrong while reading ledger data.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// A file could not be read.
    #[error("cannot read {file}: {source}")]
    Io {
        /// The file being read.
        file: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input is damaged or is not what it claims to be.
    #[error("{file}: corrupt data at offset {offset}: {what}")]
    Corrupt {
        /// The file (or a label for in-memory data) holding the bad bytes.
        file: PathBuf,
        /// Byte offset of the problem inside `file`.
        offset: u64,
        /// What is wrong, in words.
        what: String,
    },
}
