//! A read-only reader for ext2, ext3 and ext4 file systems, with deleted
//! directory entries and orphan inodes, producing the listing The Sleuth
//! Kit's `fls -r -m /` produces.
//!
//! [`open`] reads the superblock and group descriptors (32- or 64-byte,
//! meta_bg), [`FileSystem::list`] walks the tree from the root inode depth
//! first in directory order: live names, deleted names found in the slack
//! behind live directory records (TSK's algorithm), and TSK's virtual
//! `$OrphanFiles` directory of used, unallocated inodes no name points to.
//! [`FileSystem::open`] gives a file's content from its block map (direct
//! and indirect pointers), extent tree (uninitialised extents read as
//! zeros) or inline data, fast symlinks included, as a
//! [`exhibit_vfs::RunsSource`]. Hashed (dir_index) directories are read
//! linearly; checksums (metadata_csum) are not verified; the journal is
//! never replayed.
//!
//! # What this crate must never do
//! - Write to evidence: everything is read through a read-only `Source`.
//! - Panic or loop on damaged data: block numbers beyond the volume, absurd
//!   record lengths, extent trees deeper than 5 levels or with loops,
//!   directories reached twice and inode numbers beyond the count become
//!   [`exhibit_vfs::Warning`]s naming the structure and byte offset, and the
//!   rest is still listed. Work is bounded by the volume, not by counts
//!   read from it.
//! - Present a guess as a fact: content of unallocated inodes is
//!   [`exhibit_vfs::Recovery::Guess`] at best, and a deleted name whose
//!   inode now belongs to another file gets none of that file's metadata.
#![deny(missing_docs)]

mod blocks;
mod dir;
mod fs;
mod inode;
mod superblock;

use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{FileSystem, FsError};

pub use fs::ExtFs;

/// True when `source` starts like an ext2/3/4 file system: the superblock
/// magic 0xEF53 at byte 1080 and a block size from 1 to 64 KiB.
pub fn probe(source: &dyn Source) -> bool {
    superblock::probe(source)
}

/// Opens the ext2/3/4 file system on `source` (a partition or a whole
/// image).
pub fn open(source: Arc<dyn Source>) -> Result<Box<dyn FileSystem>, FsError> {
    Ok(Box::new(ExtFs::new(source)?))
}
