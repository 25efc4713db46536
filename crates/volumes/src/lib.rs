//! # exhibit-volumes
//!
//! Reads the volume system (partitioning) of evidence, like The Sleuth Kit's
//! `mmls`: DOS/MBR tables with their chain of extended boot records, GUID
//! Partition Tables (with CRC checks and fall-back to the backup header), or
//! no table at all (a bare file system, reported as one volume covering the
//! whole source).
//!
//! * [`read_volume_system`] detects the scheme and returns a
//!   [`VolumeSystem`]: every partition, every unallocated gap and every
//!   table structure, sorted and numbered exactly as `mmls` lists them,
//!   plus [`Warning`]s for anything odd (bad checksums, loops in the EBR
//!   chain, overlapping partitions, partitions beyond the end of the image).
//! * [`read_dos`] and [`read_gpt`] read one scheme only (like `mmls -t`).
//! * [`render_mmls`] prints the list in `mmls`'s text layout; every type is
//!   `serde::Serialize` for JSON output.
//! * [`volume_source`] turns a volume into a [`SubSource`] for the file
//!   system layer.
//!
//! Evidence is read only through [`exhibit_evidence::Source`].
//!
//! ```no_run
//! let evidence = exhibit_evidence::open("disk.E01")?;
//! let vs = exhibit_volumes::read_volume_system(&evidence, 512)?;
//! print!("{}", exhibit_volumes::render_mmls(&vs));
//! for w in &vs.warnings {
//!     eprintln!("warning: {w}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## What this crate must never do
//!
//! * **Never write**: it has no code path that opens, modifies or locks
//!   evidence; it only calls `Source::read_at`.
//! * **Never trust a length or count from a table for an allocation or a
//!   loop without a bound**: GPT entry arrays are capped at
//!   16 MiB and by the source length, EBR chains at 1024 tables with loop
//!   detection, and every sector computation is checked or saturating.
//!   Damaged tables yield warnings or [`VolumeError`]s, never panics.
//! * **Never touch the network.**
#![deny(missing_docs)]

mod error;
mod gpt;
mod mbr;
mod render;
mod types;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::Arc;

use exhibit_evidence::{Source, SubSource};

pub use error::VolumeError;
pub use render::render_mmls;
pub use types::{
    format_guid, gpt_type_name, is_extended_type, mbr_type_description, Volume, VolumeKind,
    VolumeSystem, VolumeSystemKind, Warning,
};

/// The usual sector size, and the one `mmls` assumes.
pub const DEFAULT_SECTOR_SIZE: u64 = 512;

/// Upper bound on the bytes of a GPT entry array read into memory.
pub const MAX_GPT_ENTRY_ARRAY_BYTES: u64 = 16 << 20;

/// Upper bound on the number of extended boot records followed.
pub const MAX_EXTENDED_TABLES: usize = 1024;

/// Upper bound on the warnings kept (a table of 100 000 overlapping GPT
/// entries must not produce 100 000 messages).
const MAX_WARNINGS: usize = 1000;

/// Sector sizes tried for a GPT when the given one finds no header.
const PROBE_SECTOR_SIZES: [u64; 5] = [512, 1024, 2048, 4096, 8192];

/// Detects and reads the volume system of `source`.
///
/// A GPT is preferred when the MBR holds a protective (type 0xee) entry;
/// otherwise a valid DOS table is used; a GPT without a protective MBR (MBR
/// wiped) is still found through its primary or backup header; failing all
/// that, the result has kind [`VolumeSystemKind::None`] and one volume
/// covering the whole source. `sector_size` is normally
/// [`DEFAULT_SECTOR_SIZE`]; a GPT written with another sector size is found
/// anyway (the result's `sector_size` says which, with a warning).
pub fn read_volume_system(
    source: &dyn Source,
    sector_size: u64,
) -> Result<VolumeSystem, VolumeError> {
    check_sector_size(sector_size)?;
    let sector0 = read_sector(source, 0, sector_size)?;
    let mut notes = Vec::new();

    let protective = sector0
        .as_deref()
        .is_some_and(|s| mbr::has_signature(s) && mbr::has_protective_entry(s));

    if protective {
        match read_gpt_probing(source, sector_size, true)? {
            gpt::Outcome::Found(vs) => return Ok(vs),
            gpt::Outcome::Absent => notes.push(Warning {
                offset: 0,
                what: "MBR has a GPT protective entry (0xee) but no GPT header was found \
                       (primary or backup); reading the MBR instead"
                    .into(),
            }),
            gpt::Outcome::Damaged(w) => {
                notes.push(w);
                notes.push(Warning {
                    offset: 0,
                    what: "GPT unusable; reading the protective MBR as a DOS table instead".into(),
                });
            }
        }
    }

    if let Some(s0) = sector0.as_deref() {
        if let Ok(mut vs) = mbr::read(source, sector_size, s0)? {
            notes.append(&mut vs.warnings);
            vs.warnings = notes;
            return Ok(vs);
        }
    }

    if !protective {
        match gpt::read(source, sector_size, false)? {
            gpt::Outcome::Found(mut vs) => {
                notes.append(&mut vs.warnings);
                vs.warnings = notes;
                return Ok(vs);
            }
            gpt::Outcome::Damaged(w) => notes.push(w),
            gpt::Outcome::Absent => {}
        }
    }

    Ok(whole_source(source, sector_size, notes))
}

/// Reads `source` as a DOS/MBR partition table only (like `mmls -t dos`):
/// a protective MBR is listed as a `GPT Safety Partition (0xee)`.
///
/// Fails with [`VolumeError::Corrupt`] if sector 0 is not a usable MBR (no
/// 0x55AA signature, a file system boot sector, no valid entries).
pub fn read_dos(source: &dyn Source, sector_size: u64) -> Result<VolumeSystem, VolumeError> {
    check_sector_size(sector_size)?;
    let Some(sector0) = read_sector(source, 0, sector_size)? else {
        return Err(VolumeError::Corrupt {
            offset: 0,
            what: "source is shorter than one sector".into(),
        });
    };
    mbr::read(source, sector_size, &sector0)?
        .map_err(|what| VolumeError::Corrupt { offset: 0, what })
}

/// Reads `source` as a GUID Partition Table only (like `mmls -t gpt`),
/// using the backup header if the primary is damaged.
///
/// Fails with [`VolumeError::Corrupt`] if neither header is usable.
pub fn read_gpt(source: &dyn Source, sector_size: u64) -> Result<VolumeSystem, VolumeError> {
    check_sector_size(sector_size)?;
    let protective = read_sector(source, 0, sector_size)?
        .as_deref()
        .is_some_and(|s| mbr::has_signature(s) && mbr::has_protective_entry(s));
    match read_gpt_probing(source, sector_size, protective)? {
        gpt::Outcome::Found(vs) => Ok(vs),
        gpt::Outcome::Absent => Err(VolumeError::Corrupt {
            offset: sector_size,
            what: "no GPT header (\"EFI PART\") at LBA 1 or at the last LBA".into(),
        }),
        gpt::Outcome::Damaged(w) => Err(VolumeError::Corrupt {
            offset: w.offset,
            what: w.what,
        }),
    }
}

/// A read-only window on the bytes of `volume`, clamped to the end of
/// `source` (a table may describe sectors the image does not hold).
pub fn volume_source(
    source: Arc<dyn Source>,
    system: &VolumeSystem,
    volume: &Volume,
) -> Result<SubSource, VolumeError> {
    let range = volume.byte_range(system.sector_size);
    let start = range.start.min(source.len());
    let end = range.end.min(source.len());
    Ok(SubSource::new(source, start, end - start)?)
}

/// Reads a GPT with the given sector size; if no header is found at all and
/// the MBR is protective, tries the other usual sector sizes (as `mmls`
/// does) before giving up.
fn read_gpt_probing(
    source: &dyn Source,
    sector_size: u64,
    protective: bool,
) -> Result<gpt::Outcome, VolumeError> {
    let first = gpt::read(source, sector_size, protective)?;
    if !matches!(first, gpt::Outcome::Absent) || !protective {
        return Ok(first);
    }
    for size in PROBE_SECTOR_SIZES {
        if size == sector_size {
            continue;
        }
        if let gpt::Outcome::Found(mut vs) = gpt::read(source, size, protective)? {
            vs.warnings.insert(
                0,
                Warning {
                    offset: size,
                    what: format!(
                        "no GPT header with {sector_size}-byte sectors; \
                         found one assuming {size}-byte sectors"
                    ),
                },
            );
            return Ok(gpt::Outcome::Found(vs));
        }
    }
    Ok(first)
}

fn check_sector_size(sector_size: u64) -> Result<(), VolumeError> {
    if (512..=65536).contains(&sector_size) && sector_size.is_power_of_two() {
        Ok(())
    } else {
        Err(VolumeError::BadSectorSize(sector_size))
    }
}

/// The result for a source without a partition table: one volume covering
/// all of it (the last partial sector included).
fn whole_source(source: &dyn Source, sector_size: u64, warnings: Vec<Warning>) -> VolumeSystem {
    let length = source.len().div_ceil(sector_size);
    let volumes = if length == 0 {
        Vec::new()
    } else {
        vec![Volume {
            index: 0,
            slot: None,
            start: 0,
            length,
            kind: VolumeKind::Allocated,
            description: "Whole source (no partition table)".into(),
            type_code: None,
            type_guid: None,
            guid: None,
        }]
    };
    VolumeSystem {
        kind: VolumeSystemKind::None,
        sector_size,
        volumes,
        warnings,
    }
}

/// Reads up to `len` bytes at `offset`; fewer at the end of the source.
pub(crate) fn read_bytes(
    source: &dyn Source,
    offset: u64,
    len: u64,
) -> Result<Vec<u8>, VolumeError> {
    let want = len.min(source.len().saturating_sub(offset));
    let want = usize::try_from(want).unwrap_or(usize::MAX);
    let mut buf = vec![0u8; want];
    let mut done = 0;
    while done < want {
        let n = source.read_at(offset.saturating_add(done as u64), &mut buf[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    buf.truncate(done);
    Ok(buf)
}

/// Reads one whole sector, or `None` if the source does not hold it.
pub(crate) fn read_sector(
    source: &dyn Source,
    lba: u64,
    sector_size: u64,
) -> Result<Option<Vec<u8>>, VolumeError> {
    let Some(offset) = lba.checked_mul(sector_size) else {
        return Ok(None);
    };
    let buf = read_bytes(source, offset, sector_size)?;
    Ok((buf.len() as u64 == sector_size).then_some(buf))
}

/// Collects the rows of a table as they are found, then sorts them, adds
/// the unallocated gaps and checks for overlaps the way `mmls` does.
pub(crate) struct Layout {
    sector_size: u64,
    total_sectors: u64,
    /// Rows in insertion order, with the byte offset of the table entry that
    /// described each (for warnings).
    rows: Vec<(Volume, u64)>,
    starts: HashSet<u64>,
    warnings: Vec<Warning>,
}

impl Layout {
    pub(crate) fn new(source: &dyn Source, sector_size: u64) -> Self {
        Layout {
            sector_size,
            total_sectors: source.len() / sector_size,
            rows: Vec::new(),
            starts: HashSet::new(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn sector_size(&self) -> u64 {
        self.sector_size
    }

    /// Sectors the source holds (whole sectors only, as `mmls` counts).
    pub(crate) fn total_sectors(&self) -> u64 {
        self.total_sectors
    }

    /// True if some row already starts at `sector`.
    pub(crate) fn has_start(&self, sector: u64) -> bool {
        self.starts.contains(&sector)
    }

    /// Adds a row; `entry_offset` is the byte offset of its description.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        entry_offset: u64,
        kind: VolumeKind,
        start: u64,
        length: u64,
        slot: Option<String>,
        description: String,
        type_code: Option<u8>,
        guids: Option<(String, String)>,
    ) {
        let (type_guid, guid) = match guids {
            Some((t, g)) => (Some(t), Some(g)),
            None => (None, None),
        };
        self.starts.insert(start);
        self.rows.push((
            Volume {
                index: 0,
                slot,
                start,
                length,
                kind,
                description,
                type_code,
                type_guid,
                guid,
            },
            entry_offset,
        ));
    }

    pub(crate) fn warn(&mut self, offset: u64, what: impl Into<String>) {
        push_warning(&mut self.warnings, offset, what.into());
    }

    pub(crate) fn finish(mut self, kind: VolumeSystemKind) -> VolumeSystem {
        // Stable: rows with equal starts keep the order they were found in,
        // which is the order mmls prints them in.
        self.rows.sort_by_key(|(v, _)| v.start);
        self.check_bounds_and_overlaps();

        // Unallocated gaps, computed over the non-meta rows like mmls's
        // tsk_vs_part_unused. One deliberate difference: mmls sets the
        // running end to the end of the *last* partition seen, so a partition
        // nested inside an earlier one makes it report part of the earlier
        // partition as unallocated; we keep the furthest end seen instead.
        // Both agree whenever partitions do not overlap.
        let mut gaps = Vec::new();
        let mut prev_end = 0u64;
        for (v, _) in self.rows.iter().filter(|(v, _)| v.kind != VolumeKind::Meta) {
            if v.start > prev_end {
                gaps.push((prev_end, v.start - prev_end));
            }
            prev_end = prev_end.max(v.start.saturating_add(v.length));
        }
        if prev_end < self.total_sectors {
            gaps.push((prev_end, self.total_sectors - prev_end));
        }
        for (start, length) in gaps {
            self.rows.push((
                Volume {
                    index: 0,
                    slot: None,
                    start,
                    length,
                    kind: VolumeKind::Unallocated,
                    description: "Unallocated".into(),
                    type_code: None,
                    type_guid: None,
                    guid: None,
                },
                0,
            ));
        }
        // Gaps go after the rows found at the same start, as in mmls.
        self.rows.sort_by_key(|(v, _)| v.start);

        let volumes = self
            .rows
            .into_iter()
            .enumerate()
            .map(|(index, (mut v, _))| {
                v.index = index;
                v
            })
            .collect();
        VolumeSystem {
            kind,
            sector_size: self.sector_size,
            volumes,
            warnings: self.warnings,
        }
    }

    fn check_bounds_and_overlaps(&mut self) {
        let total = self.total_sectors;
        let mut found = Vec::new();
        // The allocated row reaching furthest so far: (end, slot, description).
        let mut furthest: Option<(u64, String)> = None;
        for (v, offset) in &self.rows {
            if v.slot.is_none() {
                continue; // tables and headers: read from the source, so inside it
            }
            let end = v.start.saturating_add(v.length);
            let name = format!("{} \"{}\"", v.slot.as_deref().unwrap_or("-"), v.description);
            if end > total {
                found.push((
                    *offset,
                    format!(
                        "partition {name} (sectors {}..={}) extends beyond the end of the \
                         image ({total} sectors)",
                        v.start,
                        v.end()
                    ),
                ));
            }
            if v.kind != VolumeKind::Allocated {
                continue;
            }
            match &furthest {
                Some((fend, fname)) if v.start < *fend => {
                    found.push((
                        *offset,
                        format!("partition {name} overlaps partition {fname}"),
                    ));
                    if end > *fend {
                        furthest = Some((end, name));
                    }
                }
                _ => furthest = Some((end, name)),
            }
        }
        for (offset, what) in found {
            push_warning(&mut self.warnings, offset, what);
        }
    }
}

fn push_warning(warnings: &mut Vec<Warning>, offset: u64, what: String) {
    match warnings.len() {
        n if n < MAX_WARNINGS => warnings.push(Warning { offset, what }),
        n if n == MAX_WARNINGS => warnings.push(Warning {
            offset,
            what: "too many warnings; further ones suppressed".into(),
        }),
        _ => {}
    }
}
