//! The file-system model: what every file-system reader in Exhibit
//! (FAT, ext, NTFS, …) produces, so that listing, extraction, the timeline,
//! the scanner and the case treat all file systems alike.
//!
//! A reader implements [`FileSystem`]: `list` walks the whole tree,
//! allocated and deleted, into [`Entry`] values carrying every timestamp the
//! file system stores at full resolution; `open` returns a file's content as
//! a read-only [`exhibit_evidence::Source`] ([`RunsSource`]), so file
//! content is read exactly like evidence. [`bodyfile_line`] writes TSK's body
//! file 3.x format ([`write_bodyfile_line`] straight to a writer).
//!
//! # What this crate and its implementors must never do
//! - Write to evidence: everything is read through `Source`.
//! - Trust sizes, counts or links read from the file system without a bound:
//!   loops and absurd values become [`Warning`]s or [`FsError::Corrupt`]
//!   naming the structure and offset, and the rest is still listed.
//! - Present a guess as a fact: deleted content whose clusters are not
//!   known for certain carries [`Recovery::Guess`].
#![deny(missing_docs)]

mod body;
mod entry;
mod error;
mod runs;

use std::sync::Arc;

pub use body::{bodyfile_line, mode_string, write_bodyfile_line};
pub use entry::{Entry, EntryKind, Recovery, Times};
pub use error::{FsError, Warning};
pub use exhibit_evidence::Source;
pub use runs::{Run, RunsSource};

/// Options a reader needs from the examiner.
#[derive(Debug, Clone)]
pub struct FsOptions {
    /// Zone that file systems storing local time (FAT) were written in.
    pub local_tz: jiff::tz::TimeZone,
}

impl Default for FsOptions {
    fn default() -> Self {
        FsOptions {
            local_tz: jiff::tz::TimeZone::UTC,
        }
    }
}

/// What a listing found: the entries, in a deterministic order (directory
/// order, depth first), and everything odd met on the way.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Every entry, allocated and deleted.
    pub entries: Vec<Entry>,
    /// Damage and oddities, each naming the structure and offset.
    pub warnings: Vec<Warning>,
}

/// A file's content, with how far it can be trusted.
pub struct FileData {
    /// The bytes, read-only.
    pub source: Arc<dyn Source>,
    /// Whether the content is certain or a best guess.
    pub recovery: Recovery,
}

impl FileData {
    /// A file's content given by its runs.
    pub fn from_runs(source: RunsSource, recovery: Recovery) -> Self {
        FileData {
            source: Arc::new(source),
            recovery,
        }
    }
}

/// A read-only file system over a `Source`.
pub trait FileSystem: Send + Sync {
    /// Short name of the file-system type: `FAT12`, `FAT16`, `FAT32`,
    /// `ext2`, `ext4`, `NTFS`, …
    fn kind(&self) -> &str;

    /// Volume label, if the file system has one.
    fn label(&self) -> Option<String> {
        None
    }

    /// Walks the whole tree from the root: allocated and deleted entries.
    fn list(&self) -> Result<Listing, FsError>;

    /// Walks the whole tree like [`FileSystem::list`], handing every entry
    /// to `each` as soon as it is found (in the order `list` gives) instead
    /// of collecting them, and returns the warnings. Readers that can do so
    /// stream, so memory does not grow with the number of entries; by
    /// default this calls `list`. An error is returned before any entry is
    /// handed over.
    fn list_each(&self, each: &mut dyn FnMut(Entry)) -> Result<Vec<Warning>, FsError> {
        let listing = self.list()?;
        listing.entries.into_iter().for_each(each);
        Ok(listing.warnings)
    }

    /// The content of the entry with TSK-style address `inode` (`13`,
    /// `37-128-1`), or of one of its named streams.
    fn open(&self, inode: &str, stream: Option<&str>) -> Result<FileData, FsError>;

    /// Where the content of the entry with address `inode` lies: the
    /// volume-relative runs of its default data stream (for NTFS, of the
    /// attribute the full address `37-128-1` names), in file order, cut to
    /// its size, holes as `offset: None`. The runs are those
    /// [`FileSystem::open`] reads, so byte `k` of the file is at the
    /// `k`-th byte of the runs. `Ok(None)` where the content is not a plain
    /// mapping of volume bytes (resident or compressed data) or the reader
    /// cannot tell; that is also the default.
    fn extents(&self, inode: &str) -> Result<Option<Vec<Run>>, FsError> {
        let _ = inode;
        Ok(None)
    }

    /// The encoding the content of `inode` has on the volume when a scan of
    /// the volume's bytes cannot see it in the clear (`LZNT1`: NTFS
    /// compression), so that the scanner reads it decoded; `None` where the
    /// bytes lie in the clear (plain runs, or resident inside metadata the
    /// volume scan reads), and by default.
    fn encoded(&self, inode: &str) -> Result<Option<&'static str>, FsError> {
        let _ = inode;
        Ok(None)
    }
}

/// Lists everything and reads every entry's content to its end (at most
/// `max_bytes` per entry), ignoring errors: what fuzzers and robustness
/// tests do to show a reader neither panics nor hangs on hostile input.
/// Returns the number of entries listed.
pub fn exercise(fs: &dyn FileSystem, max_bytes: u64) -> usize {
    let _ = (fs.kind(), fs.label());
    let Ok(listing) = fs.list() else { return 0 };
    let mut buf = vec![0u8; 64 * 1024];
    for e in &listing.entries {
        let Ok(d) = fs.open(&e.inode, None) else {
            continue;
        };
        let mut off = 0u64;
        while off < d.source.len().min(max_bytes) {
            match d.source.read_at(off, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => off += n as u64,
            }
        }
    }
    listing.entries.len()
}
