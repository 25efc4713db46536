//! Read-only ISO 9660 reader for Exhibit (CD/DVD images, `.iso` files),
//! with Joliet and Rock Ridge, implementing [`exhibit_vfs::FileSystem`].
//!
//! [`probe`] recognises the `CD001` volume descriptor at sector 16;
//! [`open`] (or [`IsoFs::open`]) reads the volume descriptor set up to its
//! terminator (primary, Joliet supplementary, boot records) and loads the
//! whole directory tree, like TSK does:
//!
//! - **Names**: a Rock Ridge `NM` name when the primary tree carries Rock
//!   Ridge (announced by the SUSP `SP` entry of the root's `.` record), else
//!   the Joliet (UCS-2) name when a Joliet descriptor exists, else the
//!   ISO 9660 identifier with its `;1` version suffix and a trailing `.`
//!   removed, as TSK prints it.
//! - **Tree**: the Joliet tree when present (TSK's choice), each entry
//!   matched to its primary-tree record (same extent and size for files,
//!   same name for directories and empty files) to take its Rock Ridge
//!   attributes; primary records Joliet does not show (symbolic links,
//!   files hidden from Joliet) are listed in their directory, where TSK
//!   lists them as `$OrphanFiles/OrphanFile-N`. Rock Ridge `PX` gives
//!   mode, uid and gid, `TF` the times, `SL` symlink targets (listed as
//!   `name -> target`, as TSK does for ext), `CL`/`RE` relocated deep
//!   directories.
//! - **Multi-extent files** (records flagged "not final") are joined into
//!   one file; **interleaved files** (file unit size or gap non-zero) are
//!   listed, with a warning, but `open` refuses them.
//! - **Times**: the recording date (7 bytes, with its GMT offset in
//!   15-minute units) is the modification time; Rock Ridge `TF` times
//!   (creation, modification, access, attribute change) replace it where
//!   present. TSK shows the recording date as the creation time instead.
//! - **Inode numbers** follow TSK's ISO 9660 numbering: the root is 0 and
//!   the records of each directory are numbered in path-table order
//!   (breadth first, directories in identifier order), `.`/`..` excepted,
//!   first for the Joliet tree when there is one, then for the primary
//!   tree's files that Joliet does not share (same extent and non-zero
//!   size); each extent of a multi-extent file takes a number, the file is
//!   addressed by its first. `/$OrphanFiles` (always empty here) takes the
//!   next number; primary-only directories (which TSK does not number)
//!   follow it.
//!
//! # What this crate must never do
//! - Write to evidence: everything is read through
//!   [`Source`](exhibit_evidence::Source).
//! - Trust the image: directory loops (a directory extent met again), extents
//!   beyond the image, absurd lengths, record lengths that overrun their
//!   sector and endless SUSP continuation chains become
//!   [`Warning`](exhibit_vfs::Warning)s naming the structure and byte
//!   offset; the work done per listing is bounded by the image size. It never
//!   panics on evidence data.
//! - Guess: an ISO 9660 volume has no deleted files; everything listed is
//!   [`Recovery::Certain`](exhibit_vfs::Recovery::Certain), and what cannot
//!   be read exactly (interleaved files) is refused, not approximated.
#![deny(missing_docs)]

mod fs;
mod record;
mod susp;
mod time;
mod volume;

use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{FileSystem, FsError};

pub use fs::IsoFs;

/// Whether `source` holds an ISO 9660 volume descriptor (`CD001`, version
/// 1) at sector 16 (byte 32 768). Cheap: reads 7 bytes.
pub fn probe(source: &dyn Source) -> bool {
    let mut b = [0u8; 7];
    source
        .read_exact_at(volume::FIRST_DESCRIPTOR, &mut b)
        .is_ok()
        && volume::is_descriptor(&b)
}

/// Opens the ISO 9660 file system in `source` and loads its directory tree.
pub fn open(source: Arc<dyn Source>) -> Result<Box<dyn FileSystem>, FsError> {
    Ok(Box::new(IsoFs::open(source)?))
}
