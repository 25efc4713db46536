//! DOS / MBR partition tables and their chains of extended boot records,
//! read the way The Sleuth Kit's `dos.c` reads them.

use exhibit_evidence::Source;

use crate::types::{is_extended_type, mbr_type_description};
use crate::MAX_EXTENDED_TABLES;
use crate::{read_sector, Layout, VolumeError, VolumeKind, VolumeSystem, VolumeSystemKind};

/// Offset of the first of the four 16-byte partition entries.
const TABLE_OFFSET: usize = 446;
/// The protective-MBR type of a GPT disk.
const GPT_PROTECTIVE: u8 = 0xee;

/// One 16-byte partition entry (CHS fields are ignored, as mmls does).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// Boot indicator: 0x00 or 0x80 in a sane table.
    pub(crate) boot: u8,
    /// Partition type byte.
    pub(crate) ptype: u8,
    /// First sector (relative to the table's base).
    pub(crate) start: u32,
    /// Length in sectors.
    pub(crate) size: u32,
}

impl Entry {
    fn is_used(&self) -> bool {
        self.size != 0 && self.ptype != 0
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(0, u32::from_le_bytes)
}

/// The four entries of a table sector (at least 512 bytes long; shorter
/// input yields empty entries).
pub(crate) fn entries(sector: &[u8]) -> [Entry; 4] {
    std::array::from_fn(|i| {
        let at = TABLE_OFFSET + 16 * i;
        Entry {
            boot: sector.get(at).copied().unwrap_or(0),
            ptype: sector.get(at + 4).copied().unwrap_or(0),
            start: u32_at(sector, at + 8),
            size: u32_at(sector, at + 12),
        }
    })
}

/// True if the sector ends its first 512 bytes with the 0x55AA signature.
pub(crate) fn has_signature(sector: &[u8]) -> bool {
    sector.get(510..512) == Some(&[0x55, 0xaa][..])
}

/// True if some entry is a GPT protective partition (0xee).
pub(crate) fn has_protective_entry(sector: &[u8]) -> bool {
    entries(sector)
        .iter()
        .any(|e| e.ptype == GPT_PROTECTIVE && e.size != 0)
}

/// Why sector 0 is a file system boot sector rather than an MBR, if it is
/// one. FAT and NTFS boot sectors also end in 0x55AA; like mmls we look at
/// the OEM name, and additionally reject a sector that starts like a boot
/// sector (x86 jump, sane bytes-per-sector) and whose "entries" have boot
/// flags no MBR has (boot code or text where the table would be).
fn file_system_boot_sector(sector: &[u8]) -> Option<&'static str> {
    let oem = sector.get(3..11)?;
    for (prefix, what) in [
        (&b"MSDOS"[..], "MSDOS"),
        (b"MSWIN", "MSWIN"),
        (b"NTFS", "NTFS"),
        (b"FAT\0", "FAT"),
        (b"EXFAT", "EXFAT"),
    ] {
        if oem.starts_with(prefix) {
            return Some(what);
        }
    }
    let jump = matches!(sector.first(), Some(0xeb) | Some(0xe9));
    let bps = sector
        .get(11..13)
        .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
    let bpb = matches!(bps, 512 | 1024 | 2048 | 4096);
    let bad_flags = entries(sector)
        .iter()
        .any(|e| e.is_used() && e.boot != 0 && e.boot != 0x80);
    (jump && bpb && bad_flags).then_some("a boot sector with a BIOS parameter block")
}

/// Per-read state of the extended chain walk.
struct Chain {
    tables: usize,
}

/// Reads a DOS table whose sector 0 is `sector0`. The inner `Err` explains
/// why this is not a DOS table (the caller decides whether that matters);
/// the outer error is a failure to read the evidence.
pub(crate) fn read(
    source: &dyn Source,
    sector_size: u64,
    sector0: &[u8],
) -> Result<Result<VolumeSystem, String>, VolumeError> {
    if !has_signature(sector0) {
        return Ok(Err("sector 0 has no 0x55AA signature".into()));
    }
    if let Some(what) = file_system_boot_sector(sector0) {
        return Ok(Err(format!(
            "sector 0 is a file system boot sector ({what}), not a partition table"
        )));
    }
    let table = entries(sector0);
    if !table.iter().any(Entry::is_used) {
        return Ok(Err("the MBR has no used partition entries".into()));
    }

    let mut layout = Layout::new(source, sector_size);
    layout.push(
        0,
        VolumeKind::Meta,
        0,
        1,
        None,
        "Primary Table (#0)".into(),
        None,
        None,
    );
    let mut chain = Chain { tables: 0 };
    for (i, e) in table.iter().enumerate() {
        if !e.is_used() {
            continue;
        }
        let entry_offset = (TABLE_OFFSET + 16 * i) as u64;
        if e.boot != 0 && e.boot != 0x80 {
            layout.warn(
                entry_offset,
                format!("MBR entry {i} has an invalid boot flag 0x{:02x}", e.boot),
            );
        }
        let start = u64::from(e.start);
        let slot = Some(format!("000:{i:03}"));
        let desc = mbr_type_description(e.ptype);
        if is_extended_type(e.ptype) {
            layout.push(
                entry_offset,
                VolumeKind::Meta,
                start,
                u64::from(e.size),
                slot,
                desc,
                Some(e.ptype),
                None,
            );
            if start >= layout.total_sectors() {
                // Reported by the bounds check; nothing to follow.
                continue;
            }
            // The chain's errors end the chain only (as in mmls); the
            // partitions found so far are kept.
            load_extended(source, &mut layout, &mut chain, start, start)?;
        } else {
            layout.push(
                entry_offset,
                VolumeKind::Allocated,
                start,
                u64::from(e.size),
                slot,
                desc,
                Some(e.ptype),
                None,
            );
        }
    }
    Ok(Ok(layout.finish(VolumeSystemKind::Dos)))
}

/// One extended table being walked: where it is and which entry is next.
struct Frame {
    ebr: u64,
    table: usize,
    entries: [Entry; 4],
    next: usize,
}

/// Reads the extended boot record at sector `first` (table #1) and,
/// depth-first in the order mmls follows them, the records it links to.
/// Logical partitions are relative to their own EBR, links to the next EBR
/// relative to `base`, the start of the primary extended partition. A bad
/// record or a loop ends the whole chain (as in mmls), with a warning; the
/// rows found so far are kept. Iterative, so a long chain cannot exhaust
/// the stack.
fn load_extended(
    source: &dyn Source,
    layout: &mut Layout,
    chain: &mut Chain,
    first: u64,
    base: u64,
) -> Result<(), VolumeError> {
    let ss = layout.sector_size();
    let mut stack = Vec::new();
    match open_table(source, layout, chain, first, 1)? {
        Some(frame) => stack.push(frame),
        None => return Ok(()),
    }
    while let Some(frame) = stack.last_mut() {
        let i = frame.next;
        if i >= frame.entries.len() {
            stack.pop();
            continue;
        }
        frame.next += 1;
        let (ebr, table, e) = (frame.ebr, frame.table, frame.entries[i]);
        // A start of 0 would point back at the EBR itself.
        if !e.is_used() || e.start == 0 {
            continue;
        }
        let entry_offset = ebr
            .saturating_mul(ss)
            .saturating_add((TABLE_OFFSET + 16 * i) as u64);
        let slot = Some(format!("{table:03}:{i:03}"));
        let desc = mbr_type_description(e.ptype);
        if !is_extended_type(e.ptype) {
            layout.push(
                entry_offset,
                VolumeKind::Allocated,
                ebr + u64::from(e.start),
                u64::from(e.size),
                slot,
                desc,
                Some(e.ptype),
                None,
            );
            continue;
        }
        let next = base + u64::from(e.start);
        if layout.has_start(next) {
            layout.warn(
                entry_offset,
                format!(
                    "loop in the extended partition chain: extended table #{table} links \
                     to sector {next}, which is already in use; the chain ends here"
                ),
            );
            return Ok(());
        }
        layout.push(
            entry_offset,
            VolumeKind::Meta,
            next,
            u64::from(e.size),
            slot,
            desc,
            Some(e.ptype),
            None,
        );
        if next >= layout.total_sectors() {
            continue; // reported by the bounds check
        }
        match open_table(source, layout, chain, next, table + 1)? {
            Some(frame) => stack.push(frame),
            None => return Ok(()),
        }
    }
    Ok(())
}

/// Reads and checks the EBR at `ebr` and adds its "Extended Table" row;
/// `None` (with a warning) if the chain cannot go on.
fn open_table(
    source: &dyn Source,
    layout: &mut Layout,
    chain: &mut Chain,
    ebr: u64,
    table: usize,
) -> Result<Option<Frame>, VolumeError> {
    let ebr_offset = ebr.saturating_mul(layout.sector_size());
    chain.tables += 1;
    if chain.tables > MAX_EXTENDED_TABLES {
        layout.warn(
            ebr_offset,
            format!("more than {MAX_EXTENDED_TABLES} extended tables; the rest are ignored"),
        );
        return Ok(None);
    }
    let Some(sector) = read_sector(source, ebr, layout.sector_size())? else {
        layout.warn(
            ebr_offset,
            format!("extended table #{table} at sector {ebr} lies beyond the end of the image"),
        );
        return Ok(None);
    };
    if !has_signature(&sector) {
        layout.warn(
            ebr_offset,
            format!(
                "extended table #{table} at sector {ebr} has no 0x55AA signature; \
                 the extended chain ends here"
            ),
        );
        return Ok(None);
    }
    layout.push(
        ebr_offset,
        VolumeKind::Meta,
        ebr,
        1,
        None,
        format!("Extended Table (#{table})"),
        None,
        None,
    );
    Ok(Some(Frame {
        ebr,
        table,
        entries: entries(&sector),
        next: 0,
    }))
}
