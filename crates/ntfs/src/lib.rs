//! Read-only NTFS reader for Exhibit, with deleted entries, orphan files,
//! alternate data streams and compressed files, implementing
//! [`exhibit_vfs::FileSystem`].
//!
//! [`probe`] recognises an NTFS boot sector; [`open`] (or [`NtfsFs::open`])
//! reads the boot sector, `$MFT`'s own record and its `$DATA` runlist (so a
//! fragmented MFT, even one continued through an attribute list, is read
//! correctly), and the volume label from `$VOLUME_NAME` of entry 3.
//!
//! `list()` reproduces what TSK's `fls -r -m /` prints for NTFS: a first
//! pass reads every MFT record (update sequence fixups checked, attribute
//! lists followed into extension records) to learn which records name
//! which directory as their parent; then the tree is walked depth first
//! from the root (entry 5) through each directory's `$INDEX_ROOT` and
//! `$INDEX_ALLOCATION`, adding the records that name a directory as parent
//! but are missing from its index (deleted files, marked ` (deleted)`).
//! Every name gives one entry per `$DATA` attribute (`/path`, `/path:ads`),
//! per `$INDEX_ROOT` (directories), and one ` ($FILE_NAME)` entry carrying
//! the `$FILE_NAME` times; addresses are TSK's `entry-type-id`
//! (`37-128-1`). Unallocated records that no name reaches are listed under
//! the virtual `/$OrphanFiles` directory.
//!
//! `open("37-128-1", None)` or `open("37", Some("stream"))` gives content
//! as a [`Source`]: resident values from the record, non-resident data
//! through its runlist (sparse runs and bytes past the initialized size
//! read as zeros), LZNT1-compressed attributes decompressed one
//! compression unit at a time. Allocated content is
//! [`Recovery::Certain`](exhibit_vfs::Recovery::Certain); the non-resident
//! content of a deleted record is [`Recovery::Guess`](exhibit_vfs::Recovery::Guess),
//! since its clusters may have been reused.
//!
//! # What this crate must never do
//! - Write to evidence: everything is read through [`Source`].
//! - Trust the volume: the number of MFT records is bounded by what
//!   `$MFT`'s runlist delivers inside the evidence, attribute and runlist
//!   lengths by their record, attribute lists by size and by the number of
//!   extension records, directory indexes by size, the tree by depth and a
//!   visited set (cycles), content runs by the volume. Damage becomes a
//!   [`Warning`](exhibit_vfs::Warning) or [`FsError::Corrupt`] naming the
//!   MFT entry and byte offset, and the rest is still listed. It never
//!   panics on evidence data.
//! - Present recovered content as certain, or decrypt: EFS-encrypted
//!   content is refused, not returned as if it were the file.
#![deny(missing_docs)]

mod attr;
mod boot;
mod content;
mod fs;
mod index;
mod list;
mod lznt1;
mod record;
mod runlist;

use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{FileSystem, FsError};

pub use fs::NtfsFs;

/// Whether `source` starts with an NTFS boot sector: the `NTFS    ` OEM
/// id at offset 3, bytes per sector 256–4096 (a power of two), a sane
/// cluster size (at most 2 MiB) and valid MFT and index record sizes.
/// Cheap: reads one sector.
pub fn probe(source: &dyn Source) -> bool {
    let mut b = [0u8; 512];
    source.read_exact_at(0, &mut b).is_ok() && boot::parse(&b).is_ok()
}

/// Opens the NTFS file system in `source` (a volume, e.g. a partition's
/// [`SubSource`](exhibit_evidence::SubSource)).
pub fn open(source: Arc<dyn Source>) -> Result<Box<dyn FileSystem>, FsError> {
    Ok(Box::new(NtfsFs::open(source)?))
}
