use exhibit_evidence::EvidenceError;

/// Everything that can go wrong reading a volume system.
///
/// Damage *inside* a partition table is normally not an error: the
/// auto-detecting [`crate::read_volume_system`] keeps what it can and records
/// [`crate::Warning`]s. Errors are reserved for failures to read the evidence
/// at all, unusable arguments, and (from the scheme-specific readers
/// [`crate::read_dos`] and [`crate::read_gpt`]) a table that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    /// Reading the evidence failed (I/O error, damaged container, …).
    #[error(transparent)]
    Evidence(#[from] EvidenceError),

    /// The partition table is damaged beyond use, or is not a table of the
    /// requested kind: what was found, and where.
    #[error("corrupt volume system at byte offset {offset}: {what}")]
    Corrupt {
        /// Byte offset in the source of the damaged structure.
        offset: u64,
        /// What is wrong.
        what: String,
    },

    /// The sector size given is not usable (it must be a power of two from
    /// 512 to 65536 bytes).
    #[error("unsupported sector size {0} (must be a power of two from 512 to 65536)")]
    BadSectorSize(u64),
}
