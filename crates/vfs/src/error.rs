use exhibit_evidence::EvidenceError;

/// Errors of file-system readers.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// Reading the underlying evidence failed.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// A structure is damaged beyond use.
    #[error("{structure} at offset {offset}: {what}")]
    Corrupt {
        /// Which structure (`FAT boot sector`, `ext superblock`, `MFT entry 37`).
        structure: String,
        /// Byte offset in the volume.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// This is not a file system of the reader's type.
    #[error("not a {kind} file system: {why}")]
    NotThisKind {
        /// The type tried.
        kind: &'static str,
        /// Why not.
        why: String,
    },
    /// No entry with that address or path.
    #[error("no entry `{0}`")]
    NotFound(String),
    /// The entry exists but this reader cannot give its content.
    #[error("{0}")]
    Unsupported(String),
}

/// Something odd met while reading: listed, not fatal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Byte offset in the volume of the structure concerned.
    pub offset: u64,
    /// What was found.
    pub what: String,
}
