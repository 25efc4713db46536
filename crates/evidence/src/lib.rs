//! Read-only, random-access access to evidence, whatever its container.
//!
//! Every later layer of Exhibit (volume systems, file systems, the scanner,
//! hashing) reads evidence through one trait, [`Source`]: `read_at(offset,
//! buf)` and `len()`. Implementations exist for raw images ([`RawSource`]),
//! split raw images ([`SplitRawSource`]: `.000/.001…`, `.001/.002…`,
//! `.aa/.ab…`), Expert Witness images ([`EwfSource`]: `.E01`, single or
//! multi-segment, compressed or not), virtual disks ([`VirtualSource`]: VHD,
//! VHDX, VMDK, QCOW2; unallocated blocks read as zeros) and sub-ranges of
//! another source ([`SubSource`], e.g. a partition).
//!
//! # What this crate must never do
//! - Open evidence for writing. Every file is opened with read-only options;
//!   there is no code path here that writes, truncates or locks evidence.
//! - Panic on evidence data. Damaged containers yield [`EvidenceError`]
//!   values naming the evidence and the offset; memory used per read is
//!   bounded by the container's chunk size, never by a length read from it.
//! - Touch the network.
#![deny(missing_docs)]

mod cache;
mod error;
mod ewf;
mod mem;
mod open;
mod qcow2;
mod raw;
mod reader;
mod split;
mod sub;
mod vhd;
mod vhdx;
mod virt;
mod vmdk;

pub use cache::CachedSource;
pub use error::EvidenceError;
pub use ewf::{EwfMetadata, EwfSource, StoredHashes};
pub use mem::MemSource;
pub use open::{open, open_as, ContainerKind, Evidence};
pub use raw::RawSource;
pub use reader::SourceReader;
pub use split::SplitRawSource;
pub use sub::SubSource;
pub use virt::VirtualSource;

/// A read-only, random-access byte source: the contract every evidence
/// container honours. Once opened, the bytes a source returns never change.
pub trait Source: Send + Sync {
    /// Reads up to `buf.len()` bytes at `offset`. Returns fewer bytes only at
    /// the end of the source (0 at or beyond `len()`).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError>;

    /// Length of the media in bytes (for an E01, the decoded disk, not the
    /// container files).
    fn len(&self) -> u64;

    /// True when the source holds no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A short human name for error messages and provenance (usually the
    /// path of the first file).
    fn name(&self) -> &str;

    /// Like [`Source::read_at`], for bytes the caller reads once and keeps
    /// itself (a directory block, a piece of an inode table): a cache in
    /// front of the source may pass the read straight through instead of
    /// filling itself. The bytes are the same either way.
    fn read_once_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        self.read_at(offset, buf)
    }

    /// Fills `buf` completely from `offset`, or fails with
    /// [`EvidenceError::OutOfRange`] if the source ends first.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), EvidenceError> {
        let mut done = 0;
        while done < buf.len() {
            let n = self.read_at(offset + done as u64, &mut buf[done..])?;
            if n == 0 {
                return Err(EvidenceError::OutOfRange {
                    evidence: self.name().to_string(),
                    offset: offset + done as u64,
                    len: self.len(),
                });
            }
            done += n;
        }
        Ok(())
    }
}

/// Smart pointers and references to a source are sources too.
macro_rules! forward_source {
    ($($ptr:ty),*) => {$(
        impl<T: Source + ?Sized> Source for $ptr {
            fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
                (**self).read_at(offset, buf)
            }
            fn read_once_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
                (**self).read_once_at(offset, buf)
            }
            fn len(&self) -> u64 {
                (**self).len()
            }
            fn name(&self) -> &str {
                (**self).name()
            }
        }
    )*};
}

forward_source!(std::sync::Arc<T>, Box<T>, &T);

/// How many of `want` bytes a read at `offset` may return from a source of
/// `len` bytes (0 at or past the end).
pub(crate) fn clamp_read(offset: u64, want: usize, len: u64) -> usize {
    if offset >= len {
        return 0;
    }
    want.min((len - offset).min(usize::MAX as u64) as usize)
}
