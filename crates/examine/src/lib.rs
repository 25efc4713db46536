//! One layer from an evidence image to the bytes of a file: image →
//! volume system → volumes → file system (detected) → entries and content,
//! each step named in a provenance path such as
//! `disk.E01 → partition 2 @ sector 55424 → NTFS → 37-128-1`.
//!
//! The scanner, mail, media and case layers read files through here, so a
//! file system reader is plugged in once, in [`READERS`].
//!
//! # What this crate must never do
//! - Write to evidence: it only composes read-only sources.
//! - Guess between file systems: a volume where two readers succeed is
//!   reported as ambiguous, not silently read as one of them.
//! - Stop at the first damaged volume: each volume's failure is reported
//!   on its own and the others are still examined.
#![deny(missing_docs)]

pub mod filemap;
pub mod timeline;

pub use filemap::{Area, EncodedFile, FileMap, FileRecord, Hit};

use std::sync::Arc;

use exhibit_evidence::{CachedSource, Source, SubSource};
use exhibit_vfs::{FileSystem, FsError, FsOptions};
use exhibit_volumes::{Volume, VolumeSystem, VolumeSystemKind};

const CACHE_PAGE: u64 = 64 * 1024;
const CACHE_PAGES: usize = 512;

/// Opens a file system on a volume.
pub type OpenFn = fn(Arc<dyn Source>, &FsOptions) -> Result<Box<dyn FileSystem>, FsError>;

/// A file-system reader: how to recognise it cheaply and how to open it.
pub struct Reader {
    /// Name used in messages.
    pub name: &'static str,
    /// Cheap signature check.
    pub probe: fn(&dyn Source) -> bool,
    /// Full open.
    pub open: OpenFn,
}

/// Every file-system reader Exhibit has. Adding a file system means adding
/// a line here.
pub static READERS: &[Reader] = &[
    Reader {
        name: "FAT",
        probe: exhibit_fat::probe,
        open: |s, o| exhibit_fat::open(s, o),
    },
    Reader {
        name: "ext",
        probe: exhibit_ext::probe,
        open: |s, _| exhibit_ext::open(s),
    },
    Reader {
        name: "NTFS",
        probe: exhibit_ntfs::probe,
        open: |s, _| exhibit_ntfs::open(s),
    },
    Reader {
        name: "exFAT",
        probe: exhibit_exfat::probe,
        open: |s, o| exhibit_exfat::open(s, o),
    },
    Reader {
        name: "ISO9660",
        probe: exhibit_iso9660::probe,
        open: |s, _| exhibit_iso9660::open(s),
    },
];

/// Errors of this layer.
#[derive(Debug, thiserror::Error)]
pub enum ExamineError {
    /// Reading the evidence failed.
    #[error(transparent)]
    Evidence(#[from] exhibit_evidence::EvidenceError),
    /// The volume system could not be read at all.
    #[error(transparent)]
    Volumes(#[from] exhibit_volumes::VolumeError),
    /// The file system reader failed.
    #[error("{provenance}: {source}")]
    Fs {
        /// Where (evidence → partition).
        provenance: String,
        /// What failed.
        source: FsError,
    },
    /// No reader recognises the volume.
    #[error("{provenance}: no known file system")]
    NoFileSystem {
        /// Where.
        provenance: String,
    },
    /// More than one reader accepts the volume: reported, not guessed.
    #[error("{provenance}: ambiguous, valid as {}", kinds.join(" and "))]
    Ambiguous {
        /// Where.
        provenance: String,
        /// The readers that accepted it.
        kinds: Vec<String>,
    },
    /// The partition number asked for does not exist.
    #[error("no partition {0} (see `exhibit mmls`)")]
    NoSuchPartition(usize),
}

/// A volume that may hold a file system: a partition, or the whole image.
pub struct Partition {
    /// 1-based number among the allocated volumes (1 for a bare file system).
    pub number: usize,
    /// The volume as the volume system describes it.
    pub volume: Volume,
    /// Its bytes.
    pub source: Arc<dyn Source>,
    /// `image → partition N @ sector S`.
    pub provenance: String,
}

/// Reads the volume system and returns the allocated volumes as sources.
pub fn partitions(
    evidence: Arc<dyn Source>,
    label: &str,
) -> Result<(VolumeSystem, Vec<Partition>), ExamineError> {
    let vs = exhibit_volumes::read_volume_system(&evidence, exhibit_volumes::DEFAULT_SECTOR_SIZE)?;
    let mut out = Vec::new();
    for (i, v) in vs.allocated().enumerate() {
        let range = v.byte_range(vs.sector_size);
        let end = range.end.min(evidence.len());
        let start = range.start.min(end);
        // File-system readers make many small reads: a page cache per
        // volume turns them into few large ones.
        let source: Arc<dyn Source> = if start == 0 && end == evidence.len() {
            Arc::new(CachedSource::new(evidence.clone(), CACHE_PAGE, CACHE_PAGES))
        } else {
            let sub = SubSource::new(evidence.clone(), start, end - start)?;
            Arc::new(CachedSource::new(sub, CACHE_PAGE, CACHE_PAGES))
        };
        let provenance = if vs.kind == VolumeSystemKind::None {
            format!("{label} → whole image")
        } else {
            format!("{label} → partition {} @ sector {}", i + 1, v.start)
        };
        out.push(Partition {
            number: i + 1,
            volume: v.clone(),
            source,
            provenance,
        });
    }
    Ok((vs, out))
}

/// Detects and opens the file system of a volume. Every reader whose probe
/// matches is tried; exactly one must succeed.
pub fn open_fs(part: &Partition, opts: &FsOptions) -> Result<Box<dyn FileSystem>, ExamineError> {
    let mut opened: Vec<(&str, Box<dyn FileSystem>)> = Vec::new();
    let mut last_err = None;
    for r in READERS {
        if !(r.probe)(&part.source) {
            continue;
        }
        match (r.open)(part.source.clone(), opts) {
            Ok(fs) => opened.push((r.name, fs)),
            Err(e) => last_err = Some(e),
        }
    }
    match opened.len() {
        1 => Ok(opened.remove(0).1),
        0 => match last_err {
            Some(source) => Err(ExamineError::Fs {
                provenance: part.provenance.clone(),
                source,
            }),
            None => Err(ExamineError::NoFileSystem {
                provenance: part.provenance.clone(),
            }),
        },
        _ => Err(ExamineError::Ambiguous {
            provenance: part.provenance.clone(),
            kinds: opened.iter().map(|(_, fs)| fs.kind().to_string()).collect(),
        }),
    }
}

/// Picks a partition by number, or the only one when `number` is `None`
/// and there is exactly one.
pub fn pick(parts: Vec<Partition>, number: Option<usize>) -> Result<Vec<Partition>, ExamineError> {
    match number {
        None => Ok(parts),
        Some(n) => parts
            .into_iter()
            .find(|p| p.number == n)
            .map(|p| vec![p])
            .ok_or(ExamineError::NoSuchPartition(n)),
    }
}
