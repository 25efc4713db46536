//! From an image offset back to the file that holds it, like
//! bulk_extractor's `identify_filenames` or TSK's `ifind -d`: the scanner
//! reports where in the image a lead is, [`FileMap`] says which file (or
//! which area) that is.
//!
//! The map is built once per image: every partition with a file system the
//! readers know is listed, and every entry whose content is a plain mapping
//! of volume bytes ([`exhibit_vfs::FileSystem::extents`]) contributes its
//! runs as intervals of absolute image offsets. The intervals are made
//! disjoint when the map is built, so a lookup is one binary search:
//! - an allocated entry wins over a deleted one claiming the same bytes
//!   (a deleted FAT file whose clusters are a guess, an ext inode whose
//!   blocks were reused);
//! - among entries of the same kind, the run starting first keeps the
//!   overlapping bytes (hard links, cross-linked clusters);
//! - virtual entries (`$MBR`, `$FAT1`, `$OrphanFiles`) are skipped, and so
//!   are sparse holes (`$BadClus:$Bad` is one hole the size of the volume).
//!
//! Memory is bounded: 32 bytes per interval plus one record per file with
//! content, and at most [`MAX_INTERVALS`] intervals (beyond that the map is
//! marked incomplete with a warning).

use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{EntryKind, FsOptions, Recovery};

use crate::{open_fs, partitions, ExamineError};

/// Intervals kept at most (32 bytes each: 256 MiB).
pub const MAX_INTERVALS: usize = 8 << 20;

/// A file whose content is in the image only encoded (NTFS-compressed): a
/// scan of the image's bytes cannot see it, so it is scanned decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFile {
    /// The file.
    pub file: FileRecord,
    /// The encoding (`LZNT1`).
    pub codec: &'static str,
}

/// A file whose content lies in the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Partition number, as [`crate::partitions`] numbers them.
    pub partition: usize,
    /// Full path, as listed.
    pub path: String,
    /// TSK-style address.
    pub inode: String,
    /// The name or the metadata is deleted.
    pub deleted: bool,
    /// How far the file system's record of where the content lies can be
    /// trusted (a deleted FAT file's clusters may be a guess).
    pub recovery: Recovery,
}

/// An image offset inside a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit<'a> {
    /// The file.
    pub file: &'a FileRecord,
    /// Its position in [`FileMap::records`] (so callers can keep facts per
    /// file in a plain vector).
    pub index: usize,
    /// Offset of the byte in the file's content.
    pub offset_in_file: u64,
}

/// Where an image offset lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area<'a> {
    /// In a listed file's content.
    File(Hit<'a>),
    /// In a partition whose file system was read, but in no listed file's
    /// content: unallocated space, slack, or file-system structures.
    Unallocated {
        /// The partition.
        partition: usize,
    },
    /// In a partition whose file system could not be read.
    UnreadPartition {
        /// The partition.
        partition: usize,
    },
    /// Before, between or after the partitions (tables, gaps).
    OutsidePartitions,
}

impl Area<'_> {
    /// Short name for reports: `file`, `unallocated`,
    /// `unread-partition`, `outside-partitions`.
    pub fn name(&self) -> &'static str {
        match self {
            Area::File(_) => "file",
            Area::Unallocated { .. } => "unallocated",
            Area::UnreadPartition { .. } => "unread-partition",
            Area::OutsidePartitions => "outside-partitions",
        }
    }
}

/// `len` image bytes from `start` are bytes `file_offset..` of `file`.
#[derive(Debug, Clone, Copy)]
struct Interval {
    start: u64,
    len: u64,
    file_offset: u64,
    file: u32,
}

impl Interval {
    fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }

    /// The part from `at` on (`at` inside the interval).
    fn from(self, at: u64) -> Interval {
        let skip = at - self.start;
        Interval {
            start: at,
            len: self.len - skip,
            file_offset: self.file_offset + skip,
            file: self.file,
        }
    }

    /// The part before `end` (`end` inside the interval).
    fn until(self, end: u64) -> Interval {
        Interval {
            len: end - self.start,
            ..self
        }
    }
}

/// A partition's place in the image.
#[derive(Debug, Clone)]
struct PartArea {
    number: usize,
    start: u64,
    end: u64,
    read: bool,
}

/// Image offsets → files; see the module documentation.
#[derive(Debug, Default)]
pub struct FileMap {
    files: Vec<FileRecord>,
    intervals: Vec<Interval>,
    parts: Vec<PartArea>,
    warnings: Vec<String>,
    encoded: Vec<EncodedFile>,
}

impl FileMap {
    /// Reads the volume system of `evidence` (named `label` in messages),
    /// lists every file system found and builds the map. A partition whose
    /// file system cannot be opened or listed is noted in
    /// [`FileMap::warnings`] and its offsets report
    /// [`Area::UnreadPartition`].
    ///
    /// # Errors
    /// Only if the volume system cannot be read at all.
    pub fn build(evidence: Arc<dyn Source>, label: &str) -> Result<FileMap, ExamineError> {
        let (vs, parts) = partitions(evidence, label)?;
        let opts = FsOptions::default();
        let mut map = FileMap::default();
        let mut allocated: Vec<Interval> = Vec::new();
        let mut deleted: Vec<Interval> = Vec::new();
        let mut full = false;
        let mut count = 0usize;
        for part in &parts {
            let range = part.volume.byte_range(vs.sector_size);
            let mut area = PartArea {
                number: part.number,
                start: range.start,
                end: range.end,
                read: false,
            };
            let fs = match open_fs(part, &opts) {
                Ok(fs) => fs,
                Err(e) => {
                    map.warnings.push(e.to_string());
                    map.parts.push(area);
                    continue;
                }
            };
            let base = range.start;
            let volume_len = part.source.len();
            let mut unmapped = 0u64;
            let listed = fs.list_each(&mut |e| {
                let virtual_kind =
                    |k| matches!(k, EntryKind::Virtual | EntryKind::VirtualDirectory);
                if full || virtual_kind(e.name_kind) || virtual_kind(e.meta_kind) {
                    return;
                }
                let is_deleted = e.deleted || !e.meta_allocated;
                let runs = match fs.extents(&e.inode) {
                    Ok(Some(runs)) => runs,
                    Ok(None) => {
                        if let Ok(Some(codec)) = fs.encoded(&e.inode) {
                            map.encoded.push(EncodedFile {
                                file: FileRecord {
                                    partition: part.number,
                                    path: e.path,
                                    inode: e.inode,
                                    deleted: is_deleted,
                                    recovery: e.recovery,
                                },
                                codec,
                            });
                        }
                        return;
                    }
                    Err(_) => {
                        // a deleted name whose content is known to be gone
                        // (inode 0) has nothing to locate
                        if e.recovery != Recovery::Lost {
                            unmapped += 1;
                        }
                        return;
                    }
                };
                let Ok(file) = u32::try_from(map.files.len()) else {
                    full = true;
                    return;
                };
                let mut file_offset = 0u64;
                let mut any = false;
                for r in runs {
                    if let Some(off) = r.offset {
                        // readers check runs against the volume; be sure
                        let inside = off.checked_add(r.len).is_some_and(|e| e <= volume_len);
                        if inside && r.len > 0 {
                            if count >= MAX_INTERVALS {
                                full = true;
                                break;
                            }
                            count += 1;
                            let list = if is_deleted {
                                &mut deleted
                            } else {
                                &mut allocated
                            };
                            list.push(Interval {
                                start: base.saturating_add(off),
                                len: r.len,
                                file_offset,
                                file,
                            });
                            any = true;
                        }
                    }
                    file_offset = file_offset.saturating_add(r.len);
                }
                if any {
                    map.files.push(FileRecord {
                        partition: part.number,
                        path: e.path,
                        inode: e.inode,
                        deleted: is_deleted,
                        recovery: e.recovery,
                    });
                }
            });
            match listed {
                Ok(_) => area.read = true,
                Err(e) => map
                    .warnings
                    .push(format!("{}: listing failed: {e}", part.provenance)),
            }
            if unmapped > 0 {
                map.warnings.push(format!(
                    "{}: the content of {unmapped} entries could not be located",
                    part.provenance
                ));
            }
            map.parts.push(area);
        }
        if full {
            map.warnings.push(format!(
                "file map incomplete: more than {MAX_INTERVALS} content runs; later files are not mapped"
            ));
        }
        let allocated = disjoint(allocated);
        let deleted = subtract(disjoint(deleted), &allocated);
        let mut all = allocated;
        all.extend(deleted);
        all.sort_unstable_by_key(|i| i.start);
        all.shrink_to_fit();
        map.intervals = all;
        map.parts.sort_by_key(|p| p.start);
        Ok(map)
    }

    /// Files whose content the image holds only encoded, in listing order.
    pub fn encoded(&self) -> &[EncodedFile] {
        &self.encoded
    }

    /// The file whose content holds image byte `offset`.
    pub fn lookup(&self, offset: u64) -> Option<Hit<'_>> {
        let i = self.intervals.partition_point(|iv| iv.end() <= offset);
        let iv = self.intervals.get(i)?;
        if offset < iv.start {
            return None;
        }
        let index = iv.file as usize;
        let file = self.files.get(index)?;
        Some(Hit {
            file,
            index,
            offset_in_file: iv.file_offset + (offset - iv.start),
        })
    }

    /// Where image byte `offset` lies.
    pub fn area(&self, offset: u64) -> Area<'_> {
        if let Some(hit) = self.lookup(offset) {
            return Area::File(hit);
        }
        match self
            .parts
            .iter()
            .find(|p| p.start <= offset && offset < p.end)
        {
            Some(p) if p.read => Area::Unallocated {
                partition: p.number,
            },
            Some(p) => Area::UnreadPartition {
                partition: p.number,
            },
            None => Area::OutsidePartitions,
        }
    }

    /// The map itself: `(image start, length, file at start)` for every
    /// disjoint interval, in image order.
    pub fn spans(&self) -> impl Iterator<Item = (u64, u64, Hit<'_>)> + '_ {
        self.intervals.iter().filter_map(|iv| {
            let index = iv.file as usize;
            let file = self.files.get(index)?;
            Some((
                iv.start,
                iv.len,
                Hit {
                    file,
                    index,
                    offset_in_file: iv.file_offset,
                },
            ))
        })
    }

    /// How many partitions had a file system that was listed.
    pub fn file_systems(&self) -> usize {
        self.parts.iter().filter(|p| p.read).count()
    }

    /// The files with content in the map, in the order of [`Hit::index`].
    pub fn records(&self) -> &[FileRecord] {
        &self.files
    }

    /// How many files have content in the map.
    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// How many disjoint intervals the map holds.
    pub fn intervals(&self) -> usize {
        self.intervals.len()
    }

    /// What went wrong while building (unreadable file systems, entries
    /// whose content could not be located, the interval cap).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Sorts by start (ties: listing order) and cuts overlaps: the interval
/// starting first keeps the shared bytes.
fn disjoint(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_by_key(|i| i.start);
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    let mut reached = 0u64;
    for iv in v {
        let end = iv.end();
        if end <= reached {
            continue;
        }
        out.push(if iv.start < reached {
            iv.from(reached)
        } else {
            iv
        });
        reached = end;
    }
    out
}

/// The parts of `v` (disjoint, sorted) that no interval of `taken`
/// (disjoint, sorted) covers.
fn subtract(v: Vec<Interval>, taken: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::with_capacity(v.len());
    for iv in v {
        let mut rest = Some(iv);
        let mut k = taken.partition_point(|t| t.end() <= iv.start);
        while let (Some(r), Some(t)) = (rest, taken.get(k)) {
            if t.start >= r.end() {
                break;
            }
            if t.start > r.start {
                out.push(r.until(t.start));
            }
            rest = (t.end() < r.end()).then(|| r.from(t.end().max(r.start)));
            k += 1;
        }
        if let Some(r) = rest {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(start: u64, len: u64, file: u32) -> Interval {
        Interval {
            start,
            len,
            file_offset: 0,
            file,
        }
    }

    fn spans(v: &[Interval]) -> Vec<(u64, u64, u32, u64)> {
        v.iter()
            .map(|i| (i.start, i.end(), i.file, i.file_offset))
            .collect()
    }

    #[test]
    fn overlaps_are_cut_first_start_wins() {
        let d = disjoint(vec![iv(100, 50, 1), iv(0, 120, 0), iv(130, 10, 2)]);
        assert_eq!(spans(&d), vec![(0, 120, 0, 0), (120, 150, 1, 20)]);
    }

    #[test]
    fn deleted_only_fills_the_gaps() {
        let taken = vec![iv(10, 10, 0), iv(30, 10, 1)];
        let d = subtract(vec![iv(0, 50, 9), iv(60, 5, 8), iv(12, 0, 7)], &taken);
        assert_eq!(
            spans(&d),
            vec![
                (0, 10, 9, 0),
                (20, 30, 9, 20),
                (40, 50, 9, 40),
                (60, 65, 8, 0)
            ]
        );
        let d = subtract(vec![iv(12, 5, 9), iv(15, 20, 8)], &taken);
        assert_eq!(spans(&d), vec![(20, 30, 8, 5)]);
    }

    #[test]
    fn lookup_and_areas() {
        let map = FileMap {
            files: vec![FileRecord {
                partition: 1,
                path: "/a".into(),
                inode: "5".into(),
                deleted: false,
                recovery: Recovery::Certain,
            }],
            intervals: vec![
                Interval {
                    start: 1000,
                    len: 10,
                    file_offset: 0,
                    file: 0,
                },
                Interval {
                    start: 2000,
                    len: 10,
                    file_offset: 10,
                    file: 0,
                },
            ],
            parts: vec![
                PartArea {
                    number: 1,
                    start: 512,
                    end: 4096,
                    read: true,
                },
                PartArea {
                    number: 2,
                    start: 4096,
                    end: 8192,
                    read: false,
                },
            ],
            encoded: Vec::new(),
            warnings: Vec::new(),
        };
        assert_eq!(map.lookup(2005).map(|h| h.offset_in_file), Some(15));
        assert_eq!(map.lookup(1009).map(|h| h.offset_in_file), Some(9));
        assert!(map.lookup(1010).is_none());
        assert!(map.lookup(999).is_none());
        assert_eq!(map.area(1500), Area::Unallocated { partition: 1 });
        assert_eq!(map.area(5000), Area::UnreadPartition { partition: 2 });
        assert_eq!(map.area(100), Area::OutsidePartitions);
        assert_eq!(map.area(9000), Area::OutsidePartitions);
    }
}
