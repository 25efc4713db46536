use std::path::PathBuf;

/// Everything that can go wrong reading evidence. Each variant names the
/// evidence (path) and, where it applies, the byte offset.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The evidence file does not exist.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// The evidence file exists but may not be read.
    #[error("{}: permission denied", path.display())]
    PermissionDenied {
        /// The unreadable path.
        path: PathBuf,
    },
    /// An I/O error from the operating system while reading.
    #[error("{}: read error at offset {offset}: {source}", path.display())]
    Io {
        /// The file being read.
        path: PathBuf,
        /// Offset within that file.
        offset: u64,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The evidence holds no bytes at all.
    #[error("{}: zero-length image", path.display())]
    Empty {
        /// The empty file.
        path: PathBuf,
    },
    /// A segment of a multi-file image is missing from the set.
    #[error("{}: segment missing from the set: expected {expected}", path.display())]
    MissingSegment {
        /// The first file of the set.
        path: PathBuf,
        /// What was expected (file name or segment number).
        expected: String,
    },
    /// The container's structure is damaged: what was found, where.
    #[error("{}: corrupt data at offset {offset}: {what}", path.display())]
    Corrupt {
        /// The file holding the damage (for multi-segment images, the segment).
        path: PathBuf,
        /// Offset within that file.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// A read beyond the end of the media (or of a sub-range).
    #[error("{evidence}: read beyond end of media at offset {offset} (media is {len} bytes)")]
    OutOfRange {
        /// Name of the source.
        evidence: String,
        /// Requested offset.
        offset: u64,
        /// Length of the source.
        len: u64,
    },
    /// The file is not in a format this crate reads.
    #[error("{}: unsupported format: {what}", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// Why it is not supported.
        what: String,
    },
}

impl EvidenceError {
    /// Maps an `io::Error` from opening a file to the matching variant.
    pub(crate) fn from_open(path: &std::path::Path, e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => EvidenceError::NotFound {
                path: path.to_path_buf(),
            },
            std::io::ErrorKind::PermissionDenied => EvidenceError::PermissionDenied {
                path: path.to_path_buf(),
            },
            _ => EvidenceError::Io {
                path: path.to_path_buf(),
                offset: 0,
                source: e,
            },
        }
    }

    /// True when the error means the data is damaged (as opposed to missing
    /// or unreadable): callers map this to a distinct exit code.
    pub fn is_corruption(&self) -> bool {
        matches!(
            self,
            EvidenceError::Corrupt { .. } | EvidenceError::MissingSegment { .. }
        )
    }
}
