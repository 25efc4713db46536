//! Read-only FAT12, FAT16 and FAT32 reader for Exhibit, with deleted-file
//! support, implementing [`exhibit_vfs::FileSystem`].
//!
//! [`probe`] cheaply recognises a FAT boot sector; [`open`] (or
//! [`FatFs::open`]) reads the layout. `list()` walks the tree from the root
//! depth first in directory order, like TSK's `fls -r -m /`: long file names
//! (checked against their 8.3 entry's checksum), 8.3 names with the NT
//! lower-case flags, volume label entries, deleted entries (`_` for the lost
//! first character, the long name when its entries survive) and deleted
//! directories whose first cluster still holds `.` and `..`. Inode numbers
//! follow TSK's FAT addressing: 2 is the root, and every 32-byte slot after
//! the FATs is numbered from 3 (`(sector − first sector after the FATs) ×
//! entries per sector + index + 3`); TSK's virtual files `$MBR`, `$FAT1`…,
//! `$OrphanFiles` follow the last slot of the sectors present in the
//! evidence. FAT stores local time: it is converted to UTC with
//! [`FsOptions::local_tz`].
//!
//! `open(inode)` gives a file's bytes as a [`RunsSource`](exhibit_vfs::RunsSource):
//! allocated files follow their FAT chain ([`Recovery::Certain`]); deleted
//! files, whose chain was cleared, are taken from their first cluster onward
//! over free clusters as TSK does, always as [`Recovery::Guess`] (a
//! fragmented deleted file cannot be put back together reliably), and as
//! [`Recovery::Lost`] (no bytes) when the first cluster is in use again.
//!
//! # What this crate must never do
//! - Write to evidence: everything is read through
//!   [`Source`](exhibit_evidence::Source).
//! - Trust the volume: sizes, cluster numbers and chains are bounded by the
//!   layout (chains by the cluster count and a visited set, directories by
//!   the 65 536-entry limit, trees by depth, a per-path cycle check and a
//!   per-cluster visit limit, and one listing's chain checks and recovery
//!   scans by a FAT-lookup budget proportional to the cluster count). Damage becomes a [`Warning`](exhibit_vfs::Warning)
//!   or [`FsError::Corrupt`] naming the structure and byte offset, and the
//!   rest is still listed. It never panics on evidence data.
//! - Present recovered content as certain: deleted content is a guess and
//!   says so.
#![deny(missing_docs)]

mod boot;
mod dir;
mod fs;
mod table;
mod time;

use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{FileSystem, FsError, FsOptions};

pub use boot::FatKind;
pub use fs::FatFs;

/// Whether `source` starts with something that looks like a FAT boot
/// sector: x86 jump, bytes per sector 512–4096 (a power of two), sectors
/// per cluster a power of two, reserved sectors, 1–4 FATs, non-zero sizes,
/// and not an NTFS or exFAT OEM id. Cheap: reads one sector.
pub fn probe(source: &dyn Source) -> bool {
    let mut b = [0u8; 512];
    source.read_exact_at(0, &mut b).is_ok() && boot::check_signature(&b).is_ok()
}

/// Opens the FAT file system in `source`.
pub fn open(source: Arc<dyn Source>, opts: &FsOptions) -> Result<Box<dyn FileSystem>, FsError> {
    Ok(Box::new(FatFs::open(source, opts)?))
}
