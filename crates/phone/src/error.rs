//! The errors that stop reading an extraction. Damaged databases inside a
//! readable extraction are not errors: they become [`crate::Warning`]s.

use std::path::PathBuf;

/// Everything that can stop [`crate::read_extraction`].
#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    /// Reading the extraction or writing the working copies failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The path is neither a folder, a zip nor a tar archive.
    #[error("{}: not a folder, zip or tar extraction", path.display())]
    NotAnExtraction {
        /// The path given.
        path: PathBuf,
    },
    /// The zip or tar archive cannot be read.
    #[error("{}: damaged archive: {message}", path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// What the archive reader said.
        message: String,
    },
    /// An iOS backup whose `Manifest.db` is not readable SQLite: encrypted
    /// backups are not supported yet, and pre-iOS 10 backups use
    /// `Manifest.mbdb`.
    #[error("{}: iOS backup manifest cannot be read (encrypted or pre-iOS 10 backup?): {message}", path.display())]
    Backup {
        /// The backup folder.
        path: PathBuf,
        /// What SQLite said.
        message: String,
    },
}

impl PhoneError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PhoneError::Io {
            path: path.into(),
            source,
        }
    }
}
