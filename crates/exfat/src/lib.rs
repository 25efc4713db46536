//! Read-only exFAT reader for Exhibit (SD cards, USB sticks, camera
//! media), with deleted-file support, implementing
//! [`exhibit_vfs::FileSystem`].
//!
//! [`probe`] recognises an exFAT boot sector (`EXFAT   `, the zeroed BPB
//! area); [`open`] (or [`ExfatFs::open`]) reads the boot region (checking
//! the boot checksum, falling back to the backup boot region when the main
//! boot sector is unusable), the active FAT, the allocation bitmap and the
//! up-case table (its checksum is verified, nothing more) named in the root
//! directory, and the volume label entry.
//!
//! `list()` walks the tree from the root depth first in directory order,
//! like TSK's `fls -r -m /`: file directory entry sets (file 0x85, stream
//! extension 0xC0, file name 0xC1 entries; the set checksum is verified and
//! a mismatch becomes a warning), the volume label (` (Volume Label
//! Entry)`), TSK's pseudo-files for the root's system entries
//! (`$ALLOC_BITMAP`, `$UPCASE_TABLE`, `$VOLUME_GUID`…), deleted entry sets
//! (in-use bit 0x80 clear: 0x05/0x40/0x41, or in a cluster the bitmap marks
//! free) with `deleted: true`, and the contents of deleted directories whose
//! first cluster is still free. Inode numbers follow TSK's exFAT addressing:
//! 2 is the root, every 32-byte slot of the cluster heap is numbered from 3
//! (`(sector − cluster heap sector) × entries per sector + index + 3`), a
//! file is addressed by its file entry's slot; TSK's virtual `$MBR`,
//! `$FAT1` (`$FAT2`) and `$OrphanFiles` follow the last slot of the sectors
//! present in the evidence. Timestamps (create, modify with 10 ms
//! increments, access) use their UTC offset byte when its valid bit is set,
//! else [`FsOptions::local_tz`](exhibit_vfs::FsOptions::local_tz).
//!
//! `open(inode)` gives a file's bytes as a
//! [`RunsSource`](exhibit_vfs::RunsSource): contiguous clusters when the
//! stream extension's NoFatChain flag is set, else the FAT chain, with the
//! bytes past ValidDataLength read as zeros (as exFAT returns them).
//! Deleted content is always [`Recovery::Guess`](exhibit_vfs::Recovery):
//! contiguous for NoFatChain files, the old FAT chain when it still runs
//! over free clusters (exFAT does not clear it), contiguous otherwise; and
//! [`Recovery::Lost`](exhibit_vfs::Recovery) (no bytes) when the first
//! cluster is allocated again.
//!
//! # What this crate must never do
//! - Write to evidence: everything is read through
//!   [`Source`](exhibit_evidence::Source).
//! - Trust the volume: sizes, cluster numbers and chains are bounded by the
//!   layout (chains by the cluster count and a visited set, directories by
//!   the 256 MiB limit, trees by depth, a per-path cycle check and a
//!   per-cluster visit limit, FAT lookups per listing by a budget). Damage
//!   becomes a [`Warning`](exhibit_vfs::Warning) or
//!   [`FsError::Corrupt`] naming the structure and byte offset, and the rest
//!   is still listed. It never panics on evidence data.
//! - Present recovered content as certain: deleted content is a guess at
//!   best and says so.
#![deny(missing_docs)]

mod boot;
mod dir;
mod fs;
mod table;
mod time;

use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{FileSystem, FsError, FsOptions};

pub use fs::ExfatFs;

/// Whether `source` starts with an exFAT boot sector (or, the main one
/// being damaged, has an exFAT backup boot sector at sector 12): the
/// `EXFAT   ` name, bytes 11–63 zero, a sector size of 512–4096. Cheap:
/// reads one or two sectors.
pub fn probe(source: &dyn Source) -> bool {
    let mut b = [0u8; 512];
    if source.read_exact_at(0, &mut b).is_ok() && boot::check_signature(&b).is_ok() {
        return true;
    }
    (9..=12u32).any(|shift| {
        source.read_exact_at(12u64 << shift, &mut b).is_ok()
            && boot::check_signature(&b).is_ok()
            && u32::from(b[108]) == shift
    })
}

/// Opens the exFAT file system in `source`; timestamps without a valid
/// UTC offset are read in `opts.local_tz`.
pub fn open(source: Arc<dyn Source>, opts: &FsOptions) -> Result<Box<dyn FileSystem>, FsError> {
    Ok(Box::new(ExfatFs::open(source, opts)?))
}
