//! VHDX virtual disks (Hyper-V, Windows Server Backup), per MS-VHDX:
//! fixed, dynamic and differencing (a Hyper-V checkpoint, `.avhdx`: blocks
//! the child never wrote, and sectors its sector bitmaps leave clear, are
//! its parent's; the parent must be beside the child and be the VHDX whose
//! DataWriteGuid the child records). Disks whose log still holds entries
//! (not shut down cleanly) are refused: reading them as they are on disk
//! would give wrong bytes without saying so.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::virt::{
    bitmap_run, corrupt, le_u16, le_u32, le_u64, open_parent, parent_of_kind, unsupported, Backing,
    BitOrder, Layout, Span, VirtualSource,
};
use crate::{ContainerKind, EvidenceError};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
/// File identifier, two headers and two region tables live in the first MiB.
const HEADER_SECTION: u64 = MIB;
const HEADER_AT: [u64; 2] = [64 * KIB, 128 * KIB];
const HEADER_LEN: usize = 4096;
const REGION_TABLE_AT: [u64; 2] = [192 * KIB, 256 * KIB];
const REGION_TABLE_LEN: usize = 64 * 1024;
const METADATA_TABLE_LEN: usize = 64 * 1024;
/// Both tables hold at most 2047 entries (MS-VHDX 2.2.3, 2.6.1).
const MAX_TABLE_ENTRIES: u32 = 2047;
/// The largest disk MS-VHDX allows.
const MAX_DISK: u64 = 64 << 40;
/// Logs larger than this are not scanned for pending entries (the disk is
/// refused instead); Hyper-V and qemu write 1 MiB logs.
const MAX_LOG_SCAN: u64 = 64 * MIB;
/// BAT entries are read this many bytes at a time.
const BAT_CHUNK: usize = 1 << 20;

/// Parent locator items longer than this are refused (a Windows path holds
/// at most 32767 UTF-16 units).
const MAX_LOCATOR: u64 = 64 * KIB;
/// Sector-bitmap pieces of a differencing disk kept in memory (one per
/// payload block, at most 64 KiB each for 256 MiB blocks of 512-byte
/// sectors).
const BITMAP_CACHE: usize = 16;

const STATE_NOT_PRESENT: u64 = 0;
const STATE_UNDEFINED: u64 = 1;
const STATE_ZERO: u64 = 2;
const STATE_UNMAPPED: u64 = 3;
const STATE_FULLY_PRESENT: u64 = 6;
const STATE_PARTIALLY_PRESENT: u64 = 7;

type Guid = [u8; 16];

/// A GUID as written in the spec, in its on-disk byte order (the first
/// three fields little-endian). Evaluated at compile time only.
const fn guid(text: &str) -> Guid {
    let t = text.as_bytes();
    let mut be = [0u8; 16];
    let (mut i, mut n) = (0, 0);
    while i < t.len() {
        let c = t[i];
        i += 1;
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            b'-' => continue,
            _ => panic!("bad GUID"),
        };
        be[n / 2] = (be[n / 2] << 4) | v;
        n += 1;
    }
    assert!(n == 32, "bad GUID");
    let mut g = be;
    let (mut k, order) = (0, [3, 2, 1, 0, 5, 4, 7, 6]);
    while k < 8 {
        g[k] = be[order[k]];
        k += 1;
    }
    g
}

const BAT_REGION: Guid = guid("2DC27766-F623-4200-9D64-115E9BFD4A08");
const METADATA_REGION: Guid = guid("8B7CA206-4790-4B9A-B8FE-575F050F886E");
const FILE_PARAMETERS: Guid = guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
const VIRTUAL_DISK_SIZE: Guid = guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
const LOGICAL_SECTOR_SIZE: Guid = guid("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
const PHYSICAL_SECTOR_SIZE: Guid = guid("CDA348C7-445D-4471-9CC9-E9885251C556");
const PAGE_83_DATA: Guid = guid("BECA12AB-B2E6-4523-93EF-C309E000C746");
const PARENT_LOCATOR: Guid = guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");
/// The only parent locator type MS-VHDX defines (a VHDX parent).
const VHDX_LOCATOR_TYPE: Guid = guid("B04AEFB7-D19E-4A81-B789-25B8E9445913");

/// How a payload block reads, as [`VhdxLayout::blocks`] holds it: these
/// two values, else the block's (MiB-aligned) file offset, with
/// [`PARTIAL`] or'ed in where its sector bitmap says which sectors are the
/// child's.
const BLOCK_ZERO: u64 = 0;
const BLOCK_PARENT: u64 = 1;
const PARTIAL: u64 = 7;

/// Opens a VHDX image read-only; a differencing disk opens its parent
/// (`depth` levels below the disk the examiner named) beside it.
pub(crate) fn open_in(path: &Path, depth: u32) -> Result<VirtualSource, EvidenceError> {
    let b = Backing::open(path)?;
    if b.len < HEADER_SECTION {
        return Err(corrupt(
            path,
            b.len,
            format!(
                "file of {} bytes is shorter than the 1 MiB VHDX header section (truncated image)",
                b.len
            ),
        ));
    }
    let mut ident = [0u8; 8];
    b.read_exact(0, &mut ident, "VHDX file identifier")?;
    if &ident != b"vhdxfile" {
        return Err(corrupt(path, 0, "no VHDX file identifier (\"vhdxfile\")"));
    }
    let (header_at, header) = current_header(&b)?;
    let version = le_u16(&header, 66);
    if version != 1 {
        return Err(unsupported(
            path,
            format!("VHDX header version {version} (only 1 is known)"),
        ));
    }
    check_log(&b, header_at, &header)?;
    let regions = region_table(&b)?;
    let meta = metadata(&b, regions.meta_at, regions.meta_len)?;
    let (blocks, bitmaps) = read_bat(&b, &regions, &meta)?;
    let format = if meta.has_parent {
        "VHDX differencing"
    } else if meta.leave_allocated {
        "VHDX fixed"
    } else {
        "VHDX dynamic"
    };
    let parent = match &meta.parent {
        Some(loc) if meta.has_parent => Some(open_vhdx_parent(&b, loc, depth)?),
        Some(_) => None,
        None if meta.has_parent => {
            return Err(corrupt(
                path,
                regions.meta_at,
                "differencing VHDX without a parent locator metadata item",
            ))
        }
        None => None,
    };
    let diff = meta.has_parent.then(|| Differencing {
        sector_size: meta.sector_size,
        chunk_ratio: chunk_ratio(&meta),
        bitmaps,
        cache: Mutex::new(Vec::new()),
    });
    let layout = VhdxLayout {
        path: path.to_path_buf(),
        block_size: meta.block_size,
        blocks,
        diff,
    };
    let src = VirtualSource::new(
        ContainerKind::Vhdx,
        format,
        vec![b],
        meta.disk_size,
        Box::new(layout),
    )?;
    Ok(match parent {
        Some(p) => src.with_parent(p),
        None => src,
    })
}

/// Opens the parent the child's parent locator names, trying its relative
/// path, then its absolute Win32 path, then its volume path (each only
/// beside the child); the parent must be a VHDX whose current DataWriteGuid
/// is the child's `parent_linkage`.
fn open_vhdx_parent(
    child: &Backing,
    loc: &Locator,
    depth: u32,
) -> Result<crate::Evidence, EvidenceError> {
    let path = child.path.as_path();
    let Some(linkage) = loc.get("parent_linkage") else {
        return Err(corrupt(
            path,
            loc.at,
            "differencing VHDX whose parent locator has no parent_linkage",
        ));
    };
    // MS-VHDX allows a second accepted DataWriteGuid.
    let also = loc.get("parent_linkage2");
    let mut seen: Vec<&str> = Vec::new();
    let mut first_err: Option<EvidenceError> = None;
    for key in ["relative_path", "absolute_win32_path", "volume_path"] {
        let Some(hint) = loc.get(key).filter(|h| !h.trim().is_empty()) else {
            continue;
        };
        if seen.contains(&hint) {
            continue;
        }
        seen.push(hint);
        let parent = match open_parent(path, hint, depth) {
            Ok(p) => p,
            Err(e @ EvidenceError::MissingSegment { .. }) => {
                first_err.get_or_insert(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        match check_parent(path, loc.at, linkage, also, &parent) {
            Ok(()) => return Ok(parent),
            // Another path may name another file: the right one.
            Err(e) => {
                if !matches!(first_err, Some(EvidenceError::Corrupt { .. })) {
                    first_err = Some(e);
                }
            }
        }
    }
    Err(first_err.unwrap_or_else(|| {
        corrupt(
            path,
            loc.at,
            "differencing VHDX whose parent locator names no parent path \
             (no relative_path, absolute_win32_path nor volume_path)",
        )
    }))
}

/// Fails unless `parent` is a VHDX whose current header's DataWriteGuid is
/// `linkage` (or `also`), as the child (locator at `at`) records it.
fn check_parent(
    child: &Path,
    at: u64,
    linkage: &str,
    also: Option<&str>,
    parent: &crate::Evidence,
) -> Result<(), EvidenceError> {
    let (first, name) = parent_of_kind(
        child,
        at,
        parent,
        ContainerKind::Vhdx,
        "the disk this checkpoint was taken from",
    )?;
    let (_, h) = current_header(&first)?;
    let got = guid_text(h.get(32..48).unwrap_or(&[]));
    let same = |want: &str| {
        let want = want.trim().trim_matches(|c| c == '{' || c == '}');
        got.trim_matches(|c| c == '{' || c == '}')
            .eq_ignore_ascii_case(want)
    };
    if same(linkage) || also.is_some_and(same) {
        return Ok(());
    }
    Err(corrupt(
        child,
        at,
        format!(
            "parent_linkage {linkage} does not match the DataWriteGuid {got} of {name}: \
             not the disk this checkpoint was taken from"
        ),
    ))
}

/// A GUID in its on-disk byte order as text: `{XXXXXXXX-XXXX-...}`.
fn guid_text(g: &[u8]) -> String {
    let mut b = [0u8; 16];
    if let Some(s) = g.get(..16) {
        b.copy_from_slice(s);
    }
    format!(
        "{{{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{}}}",
        le_u32(&b, 0),
        le_u16(&b, 4),
        le_u16(&b, 6),
        b[8],
        b[9],
        b[10..]
            .iter()
            .map(|x| format!("{x:02X}"))
            .collect::<String>()
    )
}

/// The valid header with the higher sequence number, and where it lies.
fn current_header(b: &Backing) -> Result<(u64, Vec<u8>), EvidenceError> {
    let mut best: Option<(u64, u64, Vec<u8>)> = None;
    for at in HEADER_AT {
        let mut h = vec![0u8; HEADER_LEN];
        b.read_exact(at, &mut h, "VHDX header")?;
        if h.get(..4) != Some(b"head") || le_u32(&h, 4) != crc32c_zeroed(&h, 4) {
            continue;
        }
        let seq = le_u64(&h, 8);
        let newer = match &best {
            Some((s, _, _)) => seq > *s,
            None => true,
        };
        if newer {
            best = Some((seq, at, h));
        }
    }
    best.map(|(_, at, h)| (at, h)).ok_or_else(|| {
        corrupt(
            &b.path,
            HEADER_AT[0],
            "neither VHDX header (at 64 KiB and 128 KiB) is valid: signature or CRC-32C wrong",
        )
    })
}

/// Refuses a disk whose log holds a valid entry for the current LogGuid:
/// such entries must be replayed before the BAT, metadata and data agree,
/// and the replay would have to happen in memory. A zero LogGuid, or one
/// that no log entry carries, means there is nothing to replay.
fn check_log(b: &Backing, header_at: u64, header: &[u8]) -> Result<(), EvidenceError> {
    let log_guid = header.get(48..64).unwrap_or(&[]);
    if log_guid.iter().all(|&x| x == 0) {
        return Ok(());
    }
    let refuse = |why: String| {
        unsupported(
            &b.path,
            format!(
                "VHDX with a log not yet replayed (the disk was not shut down cleanly): {why}; \
                 replay it on a copy (Hyper-V, or `qemu-img check -r all`)"
            ),
        )
    };
    let log_len = u64::from(le_u32(header, 68));
    let log_at = le_u64(header, 72);
    if log_len == 0
        || !log_len.is_multiple_of(MIB)
        || log_at < HEADER_SECTION
        || !log_at.is_multiple_of(MIB)
    {
        return Err(corrupt(
            &b.path,
            header_at + 68,
            format!("log of {log_len} bytes at file offset {log_at} is not a valid log region"),
        ));
    }
    if log_at.checked_add(log_len).is_none_or(|end| end > b.len) {
        return Err(corrupt(
            &b.path,
            log_at,
            format!(
                "log of {log_len} bytes lies beyond the end of the file ({} bytes)",
                b.len
            ),
        ));
    }
    if log_len > MAX_LOG_SCAN {
        return Err(refuse(format!(
            "a log of {log_len} bytes is too large to check"
        )));
    }
    let mut log = vec![0u8; log_len as usize];
    b.read_exact(log_at, &mut log, "VHDX log")?;
    // Entries from one session do not overlap, so honest logs never need more.
    let mut budget = 2 * log_len;
    for slot in (0..log.len()).step_by(4096) {
        let h = log.get(slot..slot + 64).unwrap_or(&[]);
        if h.get(..4) != Some(b"loge") || h.get(32..48) != Some(log_guid) {
            continue;
        }
        let entry_len = u64::from(le_u32(h, 8));
        if entry_len < 4096 || !entry_len.is_multiple_of(4096) || entry_len > log_len {
            continue;
        }
        budget = match budget.checked_sub(entry_len) {
            Some(rest) => rest,
            None => return Err(refuse("too many log entries to check".to_string())),
        };
        // An entry may wrap around the end of the circular log.
        let end = slot + entry_len as usize;
        let first = log.get(slot..end.min(log.len())).unwrap_or(&[]);
        let wrapped = log.get(..end.saturating_sub(log.len())).unwrap_or(&[]);
        let mut crc = crc32c_update(!0, first.get(..4).unwrap_or(&[]));
        crc = crc32c_update(crc, &[0; 4]);
        crc = crc32c_update(crc, first.get(8..).unwrap_or(&[]));
        crc = !crc32c_update(crc, wrapped);
        if crc == le_u32(h, 4) {
            return Err(refuse(format!(
                "entry {} at file offset {}",
                le_u64(h, 16),
                log_at + slot as u64
            )));
        }
    }
    Ok(())
}

/// Where the BAT and metadata regions lie.
struct Regions {
    bat_at: u64,
    bat_len: u64,
    meta_at: u64,
    meta_len: u64,
}

/// The first valid region table's BAT and metadata regions.
fn region_table(b: &Backing) -> Result<Regions, EvidenceError> {
    let mut table = None;
    for at in REGION_TABLE_AT {
        let mut t = vec![0u8; REGION_TABLE_LEN];
        b.read_exact(at, &mut t, "VHDX region table")?;
        if t.get(..4) == Some(b"regi") && le_u32(&t, 4) == crc32c_zeroed(&t, 4) {
            table = Some((at, t));
            break;
        }
    }
    let Some((at, t)) = table else {
        return Err(corrupt(
            &b.path,
            REGION_TABLE_AT[0],
            "neither VHDX region table (at 192 KiB and 256 KiB) is valid: signature or CRC-32C wrong",
        ));
    };
    let count = le_u32(&t, 8);
    if count > MAX_TABLE_ENTRIES {
        return Err(corrupt(
            &b.path,
            at + 8,
            format!("region table claims {count} entries"),
        ));
    }
    let mut bat = None;
    let mut meta = None;
    for i in 0..count as usize {
        let e = t.get(16 + 32 * i..48 + 32 * i).unwrap_or(&[]);
        let e_at = at + 16 + 32 * i as u64;
        let id = e.get(..16).unwrap_or(&[]);
        let off = le_u64(e, 16);
        let len = u64::from(le_u32(e, 24));
        let slot = if id == BAT_REGION {
            &mut bat
        } else if id == METADATA_REGION {
            &mut meta
        } else if le_u32(e, 28) & 1 != 0 {
            return Err(unsupported(
                &b.path,
                format!("VHDX with an unknown required region (entry at file offset {e_at})"),
            ));
        } else {
            continue;
        };
        if slot.is_some() {
            return Err(corrupt(
                &b.path,
                e_at,
                "region listed twice in the region table",
            ));
        }
        if off < HEADER_SECTION || len == 0 || off.checked_add(len).is_none() {
            return Err(corrupt(
                &b.path,
                e_at,
                format!("region of {len} bytes at file offset {off} is not valid"),
            ));
        }
        *slot = Some((off, len));
    }
    let (Some((bat_at, bat_len)), Some((meta_at, meta_len))) = (bat, meta) else {
        return Err(corrupt(
            &b.path,
            at,
            "region table lacks the BAT or the metadata region",
        ));
    };
    if bat_at < meta_at + meta_len && meta_at < bat_at + bat_len {
        return Err(corrupt(&b.path, at, "BAT and metadata regions overlap"));
    }
    Ok(Regions {
        bat_at,
        bat_len,
        meta_at,
        meta_len,
    })
}

/// What the metadata region says about the disk.
struct Meta {
    block_size: u64,
    leave_allocated: bool,
    has_parent: bool,
    disk_size: u64,
    sector_size: u64,
    /// The parent locator (read only for a differencing disk).
    parent: Option<Locator>,
}

/// A parent locator's key/value pairs, and where the item lies in the file.
struct Locator {
    at: u64,
    pairs: Vec<(String, String)>,
}

impl Locator {
    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn metadata(b: &Backing, at: u64, len: u64) -> Result<Meta, EvidenceError> {
    let path = &b.path;
    if len < METADATA_TABLE_LEN as u64 {
        return Err(corrupt(
            path,
            at,
            format!("metadata region of {len} bytes is too small"),
        ));
    }
    let mut t = vec![0u8; METADATA_TABLE_LEN];
    b.read_exact(at, &mut t, "VHDX metadata table")?;
    if t.get(..8) != Some(b"metadata") {
        return Err(corrupt(
            path,
            at,
            "no metadata table signature (\"metadata\")",
        ));
    }
    let count = u32::from(le_u16(&t, 10));
    if count > MAX_TABLE_ENTRIES {
        return Err(corrupt(
            path,
            at + 10,
            format!("metadata table claims {count} entries"),
        ));
    }
    // Item ids with their file offset and length.
    let mut items: Vec<(Guid, u64, u64)> = Vec::new();
    for i in 0..count as usize {
        let e = t.get(32 + 32 * i..64 + 32 * i).unwrap_or(&[]);
        let e_at = at + 32 + 32 * i as u64;
        let mut id = [0u8; 16];
        id.copy_from_slice(e.get(..16).unwrap_or(&[0; 16]));
        let off = u64::from(le_u32(e, 16));
        let item_len = u64::from(le_u32(e, 20));
        let required = le_u32(e, 24) & 4 != 0;
        let known = [
            FILE_PARAMETERS,
            VIRTUAL_DISK_SIZE,
            LOGICAL_SECTOR_SIZE,
            PHYSICAL_SECTOR_SIZE,
            PAGE_83_DATA,
            PARENT_LOCATOR,
        ];
        if !known.contains(&id) {
            if required {
                return Err(unsupported(
                    path,
                    format!(
                        "VHDX with an unknown required metadata item (entry at file offset {e_at})"
                    ),
                ));
            }
            continue;
        }
        if items.iter().any(|(x, _, _)| *x == id) {
            return Err(corrupt(path, e_at, "metadata item listed twice"));
        }
        if off + item_len > len {
            return Err(corrupt(
                path,
                e_at,
                format!(
                    "metadata item of {item_len} bytes at {off} lies outside its {len}-byte region"
                ),
            ));
        }
        items.push((id, at + off, item_len));
    }
    let item = |id: Guid, name: &str, size: usize| -> Result<Vec<u8>, EvidenceError> {
        let Some(&(_, off, item_len)) = items.iter().find(|(x, _, _)| *x == id) else {
            return Err(corrupt(
                path,
                at,
                format!("metadata table has no {name} item"),
            ));
        };
        if item_len < size as u64 {
            return Err(corrupt(
                path,
                off,
                format!("{name} item of {item_len} bytes is too short"),
            ));
        }
        let mut v = vec![0u8; size];
        b.read_exact(off, &mut v, name)?;
        Ok(v)
    };
    let params = item(FILE_PARAMETERS, "file parameters", 8)?;
    let block_size = u64::from(le_u32(&params, 0));
    let flags = le_u32(&params, 4);
    let disk_size = le_u64(&item(VIRTUAL_DISK_SIZE, "virtual disk size", 8)?, 0);
    let sector_size = u64::from(le_u32(
        &item(LOGICAL_SECTOR_SIZE, "logical sector size", 4)?,
        0,
    ));
    let where_is = |id: Guid| items.iter().find(|(x, _, _)| *x == id).map_or(at, |i| i.1);
    if !block_size.is_power_of_two() || !(MIB..=256 * MIB).contains(&block_size) {
        return Err(corrupt(
            path,
            where_is(FILE_PARAMETERS),
            format!("block size {block_size} is not a power of two from 1 MiB to 256 MiB"),
        ));
    }
    if sector_size != 512 && sector_size != 4096 {
        return Err(corrupt(
            path,
            where_is(LOGICAL_SECTOR_SIZE),
            format!("logical sector size {sector_size} is neither 512 nor 4096"),
        ));
    }
    if disk_size > MAX_DISK {
        return Err(corrupt(
            path,
            where_is(VIRTUAL_DISK_SIZE),
            format!("virtual disk size {disk_size} exceeds the 64 TiB VHDX limit"),
        ));
    }
    let has_parent = flags & 2 != 0;
    let parent = match items.iter().find(|(x, _, _)| *x == PARENT_LOCATOR) {
        Some(&(_, off, item_len)) if has_parent => {
            if item_len > MAX_LOCATOR {
                return Err(corrupt(
                    path,
                    off,
                    format!("parent locator of {item_len} bytes is implausibly long"),
                ));
            }
            let mut v = vec![0u8; item_len as usize];
            b.read_exact(off, &mut v, "parent locator")?;
            Some(parent_locator(path, off, &v)?)
        }
        _ => None,
    };
    Ok(Meta {
        block_size,
        leave_allocated: flags & 1 != 0,
        has_parent,
        disk_size,
        sector_size,
        parent,
    })
}

/// Parses a parent locator item `loc` (at file offset `at`): its type must
/// be the VHDX one; keys and values are UTF-16LE strings at offsets from the
/// item's start.
fn parent_locator(path: &Path, at: u64, loc: &[u8]) -> Result<Locator, EvidenceError> {
    if loc.len() < 20 {
        return Err(corrupt(
            path,
            at,
            format!("parent locator of {} bytes is too short", loc.len()),
        ));
    }
    if loc.get(..16) != Some(&VHDX_LOCATOR_TYPE[..]) {
        return Err(unsupported(
            path,
            format!(
                "differencing VHDX with parent locator type {} (only the VHDX one is known)",
                guid_text(loc)
            ),
        ));
    }
    let count = usize::from(le_u16(loc, 18));
    if 20 + 12 * count > loc.len() {
        return Err(corrupt(
            path,
            at + 18,
            format!(
                "parent locator claims {count} entries in {} bytes",
                loc.len()
            ),
        ));
    }
    let text = |e_at: usize, off: u32, len: u16| -> Result<String, EvidenceError> {
        let start = off as usize;
        let Some(bytes) = loc.get(start..start + usize::from(len)) else {
            return Err(corrupt(
                path,
                at + e_at as u64,
                format!(
                    "parent locator string of {len} bytes at {off} lies outside its {}-byte item",
                    loc.len()
                ),
            ));
        };
        let units: Vec<u16> = bytes.chunks_exact(2).map(|c| le_u16(c, 0)).collect();
        Ok(String::from_utf16_lossy(&units)
            .trim_end_matches('\0')
            .to_string())
    };
    let mut pairs = Vec::with_capacity(count);
    for i in 0..count {
        let e_at = 20 + 12 * i;
        let e = loc.get(e_at..e_at + 12).unwrap_or(&[]);
        let key = text(e_at, le_u32(e, 0), le_u16(e, 8))?;
        let value = text(e_at, le_u32(e, 4), le_u16(e, 10))?;
        pairs.push((key, value));
    }
    Ok(Locator { at, pairs })
}

/// Payload blocks per sector-bitmap block: a 1 MiB bitmap has a bit for
/// each of 2^23 sectors.
fn chunk_ratio(m: &Meta) -> u64 {
    ((1u64 << 23) * m.sector_size) / m.block_size
}

/// Reads the BAT: each payload block as [`VhdxLayout::blocks`] holds it,
/// and (for a differencing disk) the file offset of each chunk's sector
/// bitmap block, 0 where it is absent.
fn read_bat(b: &Backing, r: &Regions, m: &Meta) -> Result<(Vec<u64>, Vec<u64>), EvidenceError> {
    let path = &b.path;
    let chunk_ratio = chunk_ratio(m);
    let data_blocks = m.disk_size.div_ceil(m.block_size);
    // A differencing disk's BAT ends with its last chunk's bitmap entry.
    let total = if m.has_parent {
        data_blocks.div_ceil(chunk_ratio) * (chunk_ratio + 1)
    } else {
        data_blocks + data_blocks.saturating_sub(1) / chunk_ratio
    };
    let bytes = total * 8;
    if bytes > r.bat_len {
        return Err(corrupt(
            path,
            r.bat_at,
            format!(
                "BAT of {total} entries ({bytes} bytes) for a disk of {} bytes does not fit its {}-byte region",
                m.disk_size, r.bat_len
            ),
        ));
    }
    if r.bat_at + bytes > b.len {
        return Err(corrupt(
            path,
            r.bat_at,
            format!(
                "BAT of {bytes} bytes lies beyond the end of the file ({} bytes): truncated image",
                b.len
            ),
        ));
    }
    let valid_at = |e: u64, e_at: u64, len: u64, what: String| {
        let at = e & !(MIB - 1);
        if at < HEADER_SECTION || at.checked_add(len).is_none() {
            return Err(corrupt(
                path,
                e_at,
                format!("{what} at file offset {at} is not a valid place"),
            ));
        }
        Ok(at)
    };
    let mut blocks = Vec::with_capacity(data_blocks as usize);
    let mut bitmaps = Vec::new();
    let mut buf = vec![0u8; BAT_CHUNK];
    let mut index = 0u64;
    while index < total {
        let n = ((total - index) * 8).min(BAT_CHUNK as u64) as usize;
        let chunk = buf.get_mut(..n).unwrap_or(&mut []);
        let chunk_at = r.bat_at + index * 8;
        b.read_exact(chunk_at, chunk, "VHDX BAT")?;
        for (j, raw) in chunk.chunks_exact(8).enumerate() {
            let i = index + j as u64;
            let e_at = chunk_at + 8 * j as u64;
            let e = le_u64(raw, 0);
            if (i + 1).is_multiple_of(chunk_ratio + 1) {
                // A sector-bitmap entry: only a differencing disk uses them;
                // one not present leaves its chunk's partial blocks to the
                // parent.
                if m.has_parent {
                    let what = format!("sector bitmap block {}", bitmaps.len());
                    bitmaps.push(match e & 7 {
                        STATE_FULLY_PRESENT => valid_at(e, e_at, MIB, what)?,
                        _ => 0,
                    });
                }
                continue;
            }
            let block = blocks.len();
            if block as u64 >= data_blocks {
                continue; // past the disk's end, before the last bitmap entry
            }
            let what = || format!("block {block}");
            let entry = match e & 7 {
                STATE_NOT_PRESENT if m.has_parent => BLOCK_PARENT,
                STATE_NOT_PRESENT | STATE_UNDEFINED | STATE_ZERO | STATE_UNMAPPED => BLOCK_ZERO,
                STATE_FULLY_PRESENT => valid_at(e, e_at, m.block_size, what())?,
                STATE_PARTIALLY_PRESENT if m.has_parent => {
                    valid_at(e, e_at, m.block_size, what())? | PARTIAL
                }
                STATE_PARTIALLY_PRESENT => {
                    return Err(corrupt(
                        path,
                        e_at,
                        format!("block {block} is partially present in a disk without a parent"),
                    ))
                }
                s => {
                    return Err(corrupt(
                        path,
                        e_at,
                        format!("block {block} has invalid state {s}"),
                    ))
                }
            };
            blocks.push(entry);
        }
        index += n as u64 / 8;
    }
    Ok((blocks, bitmaps))
}

struct VhdxLayout {
    path: PathBuf,
    block_size: u64,
    /// Each payload block: [`BLOCK_ZERO`], [`BLOCK_PARENT`], or its file
    /// offset (with [`PARTIAL`] or'ed in for a partially present block).
    blocks: Vec<u64>,
    /// Set for a differencing disk.
    diff: Option<Differencing>,
}

/// What a differencing disk needs beyond the block table: its sector
/// bitmaps (one bit per logical sector, least significant bit first: set
/// where the child holds the sector, clear where the parent does).
struct Differencing {
    sector_size: u64,
    /// Payload blocks per sector-bitmap block.
    chunk_ratio: u64,
    /// File offset of each chunk's sector-bitmap block, 0 where absent.
    bitmaps: Vec<u64>,
    /// Recently read bitmap pieces, keyed by their file offset.
    cache: Mutex<Vec<(u64, Arc<Vec<u8>>)>>,
}

impl Differencing {
    /// The sector bitmap of payload block `block`, or `None` where its
    /// chunk has no bitmap block (every sector is then the parent's).
    fn bitmap(
        &self,
        files: &[Backing],
        block: u64,
        sectors: u64,
    ) -> Result<Option<Arc<Vec<u8>>>, EvidenceError> {
        let chunk = block / self.chunk_ratio;
        let Some(&base) = usize::try_from(chunk)
            .ok()
            .and_then(|c| self.bitmaps.get(c))
            .filter(|&&at| at != 0)
        else {
            return Ok(None);
        };
        let piece = sectors.div_ceil(8);
        let at = base + (block % self.chunk_ratio) * piece;
        if let Ok(cache) = self.cache.lock() {
            if let Some((_, map)) = cache.iter().find(|(k, _)| *k == at) {
                return Ok(Some(map.clone()));
            }
        }
        let Some(b) = files.first() else {
            return Err(corrupt(
                Path::new(""),
                0,
                "differencing VHDX without its file",
            ));
        };
        let mut map = vec![0u8; piece as usize];
        b.read_exact(at, &mut map, "sector bitmap")?;
        let map = Arc::new(map);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= BITMAP_CACHE {
                cache.remove(0);
            }
            cache.push((at, map.clone()));
        }
        Ok(Some(map))
    }
}

impl Layout for VhdxLayout {
    fn span(&self, files: &[Backing], offset: u64) -> Result<Span, EvidenceError> {
        let block = offset / self.block_size;
        let within = offset % self.block_size;
        let len = self.block_size - within;
        let entry = match usize::try_from(block).ok().and_then(|i| self.blocks.get(i)) {
            Some(&e) => e,
            None => {
                return Err(corrupt(
                    &self.path,
                    0,
                    format!("media offset {offset} lies beyond the block table"),
                ))
            }
        };
        match entry {
            BLOCK_ZERO => return Ok(Span::Zero { len }),
            BLOCK_PARENT => return Ok(Span::Parent { len }),
            e if e & PARTIAL != PARTIAL => {
                return Ok(Span::Stored {
                    file: 0,
                    at: e + within,
                    len,
                })
            }
            _ => {}
        }
        let at = entry & !PARTIAL;
        let Some(diff) = &self.diff else {
            return Err(corrupt(
                &self.path,
                0,
                format!("block {block} is partially present in a disk without a parent"),
            ));
        };
        let sectors = self.block_size / diff.sector_size;
        let Some(map) = diff.bitmap(files, block, sectors)? else {
            return Ok(Span::Parent { len });
        };
        let ss = diff.sector_size;
        let (stored, end) = bitmap_run(&map, within / ss, sectors, BitOrder::LsbFirst);
        let len = end * ss - within;
        Ok(if stored {
            Span::Stored {
                file: 0,
                at: at + within,
                len,
            }
        } else {
            Span::Parent { len }
        })
    }
}

/// CRC-32C (Castagnoli, reflected) lookup table.
const CRC32C_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Feeds `data` into a running CRC-32C (start with `!0`, finish with `!`).
fn crc32c_update(mut crc: u32, data: &[u8]) -> u32 {
    for &x in data {
        crc = CRC32C_TABLE[((crc ^ u32::from(x)) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc
}

/// CRC-32C of `buf` with its 4-byte checksum field at `field` taken as zero,
/// as VHDX headers and region tables are summed.
fn crc32c_zeroed(buf: &[u8], field: usize) -> u32 {
    let mut crc = crc32c_update(!0, buf.get(..field).unwrap_or(&[]));
    crc = crc32c_update(crc, &[0; 4]);
    !crc32c_update(crc, buf.get(field + 4..).unwrap_or(&[]))
}

/// Opens the disk the examiner named (tests).
#[cfg(test)]
pub(crate) fn open(path: &Path) -> Result<VirtualSource, EvidenceError> {
    open_in(path, 0)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::FileExt;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::virt::testing::{convert, raw_image, same_bytes};
    use crate::Source;

    /// A VHDX made by qemu-img from the test raw image, with its content.
    fn make(dir: &Path, options: &str) -> Option<(PathBuf, Vec<u8>)> {
        let (raw, data) = raw_image(dir);
        let out = convert(&raw, &dir.join("disk.vhdx"), "vhdx", options)?;
        Some((out, data))
    }

    fn patch(path: &Path, at: u64, bytes: &[u8]) {
        let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.write_all_at(bytes, at).unwrap();
    }

    fn read(path: &Path, at: u64, len: usize) -> Vec<u8> {
        let f = std::fs::File::open(path).unwrap();
        let mut v = vec![0u8; len];
        f.read_exact_at(&mut v, at).unwrap();
        v
    }

    /// Recomputes the CRC-32C of the 4 KiB header at `at`.
    fn fix_header(path: &Path, at: u64) {
        let h = read(path, at, HEADER_LEN);
        patch(path, at + 4, &crc32c_zeroed(&h, 4).to_le_bytes());
    }

    /// The file offsets of the BAT and metadata regions.
    fn regions(path: &Path) -> (u64, u64) {
        let t = read(path, REGION_TABLE_AT[0], 64 * 1024);
        let (mut bat, mut meta) = (0, 0);
        for i in 0..le_u32(&t, 8) as usize {
            let e = &t[16 + 32 * i..48 + 32 * i];
            if e[..16] == BAT_REGION {
                bat = le_u64(e, 16);
            } else if e[..16] == METADATA_REGION {
                meta = le_u64(e, 16);
            }
        }
        (bat, meta)
    }

    /// The file offsets of a metadata item's table entry and of its data.
    fn meta_item(path: &Path, id: Guid) -> (u64, u64) {
        let (_, meta) = regions(path);
        let t = read(path, meta, 64 * 1024);
        for i in 0..le_u16(&t, 10) as usize {
            let e = &t[32 + 32 * i..64 + 32 * i];
            if e[..16] == id {
                return (meta + 32 + 32 * i as u64, meta + u64::from(le_u32(e, 16)));
            }
        }
        panic!("no such metadata item");
    }

    fn unsupported_what(r: Result<VirtualSource, EvidenceError>) -> String {
        match r {
            Err(EvidenceError::Unsupported { what, .. }) => what,
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    fn check(options: &str, format: &str) {
        let dir = tempfile::tempdir().unwrap();
        let Some((path, data)) = make(dir.path(), options) else {
            return;
        };
        let src = open(&path).unwrap();
        assert_eq!(src.kind(), ContainerKind::Vhdx);
        assert_eq!(src.format(), format);
        same_bytes(&src, &data);
    }

    #[test]
    fn crc32c_check_value() {
        assert_eq!(!crc32c_update(!0, b"123456789"), 0xE306_9283);
        assert_eq!(crc32c_zeroed(b"12\0\0\0\x0056789", 2), {
            !crc32c_update(!0, b"12\0\0\0\x0056789")
        });
    }

    #[test]
    fn guids_in_disk_order() {
        assert_eq!(
            PARENT_LOCATOR,
            [
                0x2D, 0x5F, 0xD3, 0xA8, 0x0B, 0xB3, 0x4D, 0x45, 0xAB, 0xF7, 0xD3, 0xD8, 0x48, 0x34,
                0xAB, 0x0C
            ]
        );
    }

    #[test]
    fn reads_dynamic() {
        check("", "VHDX dynamic");
    }

    #[test]
    fn reads_fixed() {
        check("subformat=fixed", "VHDX fixed");
    }

    #[test]
    fn reads_block_size_1m() {
        check("block_size=1M", "VHDX dynamic");
    }

    #[test]
    fn reads_log_size_1m() {
        check("log_size=1M", "VHDX dynamic");
    }

    #[test]
    fn bad_first_header_falls_back_to_second() {
        let dir = tempfile::tempdir().unwrap();
        let Some((path, data)) = make(dir.path(), "") else {
            return;
        };
        patch(&path, HEADER_AT[0] + 4, &[0xAA, 0x55]);
        let src = open(&path).unwrap();
        same_bytes(&src, &data);
        patch(&path, HEADER_AT[1] + 200, &[0xAA]);
        let err = open(&path).unwrap_err();
        assert!(err.is_corruption(), "{err}");
    }

    #[test]
    fn truncated_fails() {
        let dir = tempfile::tempdir().unwrap();
        let Some((path, _)) = make(dir.path(), "") else {
            return;
        };
        let full = std::fs::read(&path).unwrap();
        let (bat, meta) = regions(&path);
        for cut in [
            0,
            7,
            100 << 10,
            300 << 10,
            bat + 8,
            meta + 100,
            full.len() as u64 / 2,
        ] {
            let short = dir.path().join("short.vhdx");
            std::fs::write(&short, &full[..cut as usize]).unwrap();
            match open(&short) {
                Err(_) => {}
                Ok(src) => {
                    // Opens (the tables are intact): reading the data must fail.
                    let e = crate::virt::testing::read_all(&src)
                        .expect_err(&format!("cut at {cut} read without error"));
                    assert!(e.is_corruption(), "{e}");
                }
            }
        }
    }

    #[test]
    fn random_bytes_after_identifier_fail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.vhdx");
        let mut x: u32 = 99;
        let mut data: Vec<u8> = (0..4 << 20)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        data[..8].copy_from_slice(b"vhdxfile");
        std::fs::write(&path, &data).unwrap();
        assert!(open(&path).is_err());
    }

    #[test]
    fn pending_log_refused_stale_log_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let Some((path, data)) = make(dir.path(), "log_size=1M") else {
            return;
        };
        let h = read(&path, HEADER_AT[0], HEADER_LEN);
        let log_at = le_u64(&h, 72);
        let log_guid = [0x42u8; 16];
        // A valid entry of one sector with no descriptors, wrapping nothing.
        let mut entry = vec![0u8; 4096];
        entry[..4].copy_from_slice(b"loge");
        entry[8..12].copy_from_slice(&4096u32.to_le_bytes());
        entry[16..24].copy_from_slice(&7u64.to_le_bytes());
        entry[32..48].copy_from_slice(&log_guid);
        let crc = crc32c_zeroed(&entry, 4);
        entry[4..8].copy_from_slice(&crc.to_le_bytes());
        patch(&path, log_at + 8192, &entry);

        // The headers name another log: the entry is stale, nothing to replay.
        for at in HEADER_AT {
            patch(&path, at + 48, &[0x17; 16]);
            fix_header(&path, at);
        }
        same_bytes(&open(&path).unwrap(), &data);

        for at in HEADER_AT {
            patch(&path, at + 48, &log_guid);
            fix_header(&path, at);
        }
        let what = unsupported_what(open(&path));
        assert!(what.contains("log not yet replayed"), "{what}");

        // A damaged entry is not a valid one.
        patch(&path, log_at + 8192 + 100, &[1]);
        assert!(open(&path).is_ok());

        // An entry wrapping from the last sector of the log to its first.
        let log_len = u64::from(le_u32(&h, 68));
        let mut entry = vec![0u8; 8192];
        entry[..4].copy_from_slice(b"loge");
        entry[8..12].copy_from_slice(&8192u32.to_le_bytes());
        entry[32..48].copy_from_slice(&log_guid);
        entry[5000] = 9;
        let crc = crc32c_zeroed(&entry, 4);
        entry[4..8].copy_from_slice(&crc.to_le_bytes());
        patch(&path, log_at + log_len - 4096, &entry[..4096]);
        patch(&path, log_at, &entry[4096..]);
        let what = unsupported_what(open(&path));
        assert!(what.contains("log not yet replayed"), "{what}");
    }

    /// A parent locator item holding `pairs`.
    fn locator(pairs: &[(&str, &str)]) -> Vec<u8> {
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let mut head = vec![0u8; 20 + 12 * pairs.len()];
        head[..16].copy_from_slice(&VHDX_LOCATOR_TYPE);
        head[18..20].copy_from_slice(&(pairs.len() as u16).to_le_bytes());
        let mut strings = Vec::new();
        for (i, (k, v)) in pairs.iter().enumerate() {
            let (k, v) = (utf16(k), utf16(v));
            let base = head.len() + strings.len();
            let e = &mut head[20 + 12 * i..32 + 12 * i];
            e[..4].copy_from_slice(&(base as u32).to_le_bytes());
            e[4..8].copy_from_slice(&((base + k.len()) as u32).to_le_bytes());
            e[8..10].copy_from_slice(&(k.len() as u16).to_le_bytes());
            e[10..12].copy_from_slice(&(v.len() as u16).to_le_bytes());
            strings.extend_from_slice(&k);
            strings.extend_from_slice(&v);
        }
        head.extend_from_slice(&strings);
        head
    }

    /// A hand-built differencing disk and the dynamic parent it was taken of.
    struct Checkpoint {
        parent: PathBuf,
        child: PathBuf,
        /// What the child reads as.
        expected: Vec<u8>,
        /// What the child reads as when its sector bitmap block is absent.
        expected_no_bitmap: Vec<u8>,
        /// File offsets of the child's BAT entry for the bitmap block, and
        /// of its parent locator item.
        bitmap_entry: u64,
        locator_at: u64,
    }

    const BLOCK: u64 = MIB;
    /// Blocks of the child: one fully present (over a hole of the parent),
    /// one partially present, one zero (over the parent's data); the rest
    /// not present.
    const FULL: u64 = 4;
    const PART: u64 = 5;
    const ZEROED: u64 = 6;
    /// Sectors of block PART the child holds.
    const MARKED: [std::ops::Range<u64>; 4] = [0..3, 9..10, 100..301, 1500..2048];

    /// Builds `child.avhdx` beside `base.vhdx` (made by qemu-img, 1 MiB
    /// blocks) from a copy of the parent: HasParent set, a parent locator
    /// whose relative path is `relative`, a new DataWriteGuid, and a new BAT.
    fn checkpoint(dir: &Path, relative: &str) -> Option<Checkpoint> {
        let (raw, data) = raw_image(dir);
        let parent = convert(
            &raw,
            &dir.join("base.vhdx"),
            "vhdx",
            "subformat=dynamic,block_size=1M",
        )?;
        let child = dir.join("child.avhdx");
        std::fs::copy(&parent, &child).unwrap();
        let (_, sector) = meta_item(&child, LOGICAL_SECTOR_SIZE);
        assert_eq!(le_u32(&read(&child, sector, 4), 0), 512);
        let (_, params) = meta_item(&child, FILE_PARAMETERS);
        let p = read(&child, params, 8);
        assert_eq!(u64::from(le_u32(&p, 0)), BLOCK);
        patch(&child, params + 4, &(le_u32(&p, 4) | 2).to_le_bytes());

        // The child's own DataWriteGuid; the parent's is its linkage.
        let (_, h) = current_header(&Backing::open(&parent).unwrap()).unwrap();
        let linkage = guid_text(&h[32..48]);
        for at in HEADER_AT {
            patch(&child, at + 32, &[0x5C; 16]);
            fix_header(&child, at);
        }

        let (bat, meta) = regions(&child);
        let count = le_u16(&read(&child, meta, 12), 10);
        let item_off = 512 * 1024u32;
        let loc = locator(&[
            ("parent_linkage", &linkage),
            ("relative_path", relative),
            (
                "volume_path",
                "\\\\?\\Volume{26a21bda-a627-11d7-9931-806e6f6e6963}\\VMs\\base.vhdx",
            ),
            ("absolute_win32_path", "C:\\VMs\\base.vhdx"),
        ]);
        let mut e = vec![0u8; 32];
        e[..16].copy_from_slice(&PARENT_LOCATOR);
        e[16..20].copy_from_slice(&item_off.to_le_bytes());
        e[20..24].copy_from_slice(&(loc.len() as u32).to_le_bytes());
        e[24..28].copy_from_slice(&4u32.to_le_bytes());
        patch(&child, meta + 32 + 32 * u64::from(count), &e);
        patch(&child, meta + 10, &(count + 1).to_le_bytes());
        patch(&child, meta + u64::from(item_off), &loc);

        // New blocks at the end of the file: FULL, PART, then the bitmap.
        let end = std::fs::metadata(&child).unwrap().len().div_ceil(MIB) * MIB;
        let (full_at, part_at, bitmap_at) = (end, end + MIB, end + 2 * MIB);
        let full: Vec<u8> = (0..BLOCK).map(|i| (i * 7 % 251) as u8 ^ 0x33).collect();
        let mut part = vec![0xEEu8; BLOCK as usize];
        let mut bitmap = vec![0u8; MIB as usize];
        let mut expected = data.clone();
        let start = |b: u64| (b * BLOCK) as usize;
        expected[start(FULL)..start(FULL + 1)].copy_from_slice(&full);
        expected[start(ZEROED)..start(ZEROED + 1)].fill(0);
        let mut expected_no_bitmap = expected.clone();
        for s in MARKED.iter().flat_map(|r| r.clone()) {
            let at = (s * 512) as usize;
            for (k, byte) in part[at..at + 512].iter_mut().enumerate() {
                *byte = (s as u8).wrapping_mul(31) ^ k as u8;
            }
            expected[start(PART) + at..start(PART) + at + 512].copy_from_slice(&part[at..at + 512]);
            // 2048 sectors per block: 256 bytes of bitmap each.
            bitmap[(PART * 256 + s / 8) as usize] |= 1 << (s % 8);
        }
        // The parent holds data in block PART, so garbage would show.
        assert!(data[start(PART)..start(PART + 1)].iter().any(|&x| x != 0));
        assert!(data[start(ZEROED)..start(ZEROED + 1)]
            .iter()
            .any(|&x| x != 0));
        patch(&child, full_at, &full);
        patch(&child, part_at, &part);
        patch(&child, bitmap_at, &bitmap);
        expected_no_bitmap[start(PART)..start(PART + 1)]
            .copy_from_slice(&data[start(PART)..start(PART + 1)]);

        // 40 payload entries, then (chunk ratio 4096) the bitmap entry.
        let mut table = vec![0u8; 4097 * 8];
        let mut set = |i: u64, v: u64| {
            table[(8 * i) as usize..(8 * i + 8) as usize].copy_from_slice(&v.to_le_bytes())
        };
        set(FULL, full_at | STATE_FULLY_PRESENT);
        set(PART, part_at | STATE_PARTIALLY_PRESENT);
        set(ZEROED, STATE_ZERO);
        set(4096, bitmap_at | STATE_FULLY_PRESENT);
        patch(&child, bat, &table);
        Some(Checkpoint {
            parent,
            child,
            expected,
            expected_no_bitmap,
            bitmap_entry: bat + 4096 * 8,
            locator_at: meta + u64::from(item_off),
        })
    }

    #[test]
    fn reads_differencing() {
        let dir = tempfile::tempdir().unwrap();
        let Some(c) = checkpoint(dir.path(), ".\\base.vhdx") else {
            return;
        };
        let src = open(&c.child).unwrap();
        assert_eq!(src.kind(), ContainerKind::Vhdx);
        assert_eq!(src.format(), "VHDX differencing (snapshot of base.vhdx)");
        assert_eq!(src.paths(), vec![c.child.clone(), c.parent.clone()]);
        same_bytes(&src, &c.expected);

        // Every sector of the partial block, one at a time.
        let mut buf = [0u8; 512];
        for s in 0..2048u64 {
            let at = PART * BLOCK + s * 512;
            assert_eq!(src.read_at(at, &mut buf).unwrap(), 512);
            assert!(
                buf[..] == c.expected[at as usize..at as usize + 512],
                "sector {s}"
            );
        }

        // Without its bitmap block, a partial block is all the parent's.
        patch(&c.child, c.bitmap_entry, &0u64.to_le_bytes());
        same_bytes(&open(&c.child).unwrap(), &c.expected_no_bitmap);
    }

    #[test]
    fn differencing_falls_back_to_other_paths() {
        let dir = tempfile::tempdir().unwrap();
        let Some(c) = checkpoint(dir.path(), "..\\old\\gone.vhdx") else {
            return;
        };
        // absolute_win32_path's file name, beside the child.
        same_bytes(&open(&c.child).unwrap(), &c.expected);
    }

    #[test]
    fn differencing_parent_linkage_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let Some(c) = checkpoint(dir.path(), "base.vhdx") else {
            return;
        };
        // The parent written to since the checkpoint: a new DataWriteGuid.
        for at in HEADER_AT {
            patch(&c.parent, at + 32, &[0x77; 16]);
            fix_header(&c.parent, at);
        }
        let err = open(&c.child).unwrap_err();
        assert!(err.is_corruption(), "{err}");
        let text = err.to_string();
        assert!(text.contains("parent_linkage {"), "{text}");
        assert!(
            text.contains(
                "does not match the DataWriteGuid {77777777-7777-7777-7777-777777777777}"
            ),
            "{text}"
        );
        assert!(
            text.contains("not the disk this checkpoint was taken from"),
            "{text}"
        );
    }

    #[test]
    fn differencing_missing_or_foreign_parent() {
        let dir = tempfile::tempdir().unwrap();
        let Some(c) = checkpoint(dir.path(), "base.vhdx") else {
            return;
        };
        let saved = dir.path().join("saved.bin");
        std::fs::rename(&c.parent, &saved).unwrap();
        let err = open(&c.child).unwrap_err();
        assert!(
            matches!(err, EvidenceError::MissingSegment { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("base.vhdx"), "{err}");

        // A parent of another format under the expected name.
        let raw = dir.path().join("disk.raw");
        if convert(&raw, &c.parent, "qcow2", "").is_some() {
            let err = open(&c.child).unwrap_err();
            assert!(err.to_string().contains("not a VHDX"), "{err}");
        }

        // The chain is bounded.
        std::fs::rename(&saved, &c.parent).unwrap();
        assert!(open_in(&c.child, crate::virt::MAX_CHAIN).is_err());
        assert!(open(&c.child).is_ok());
    }

    #[test]
    fn differencing_damaged_locator_or_bat_never_panics() {
        let dir = tempfile::tempdir().unwrap();
        let Some(c) = checkpoint(dir.path(), "base.vhdx") else {
            return;
        };
        let (bat, _) = regions(&c.child);
        let spots = [(c.locator_at, 400), (bat, 64), (c.bitmap_entry, 8)];
        let mut x: u32 = 11;
        let mut next = |n: u64| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            u64::from(x >> 8) % n
        };
        for _ in 0..300 {
            let (start, len) = spots[next(spots.len() as u64) as usize];
            let at = start + next(len);
            let old = read(&c.child, at, 1);
            patch(&c.child, at, &[next(256) as u8]);
            if let Ok(src) = open(&c.child) {
                let mut buf = vec![0u8; 1 << 20];
                for off in [0, PART * BLOCK, FULL * BLOCK, src.len() - 100] {
                    let _ = src.read_at(off, &mut buf);
                }
            }
            patch(&c.child, at, &old);
        }
        same_bytes(&open(&c.child).unwrap(), &c.expected);

        // No locator at all, or one of another type.
        let (entry, _) = meta_item(&c.child, PARENT_LOCATOR);
        patch(&c.child, entry, &[0x11; 16]);
        patch(&c.child, entry + 24, &0u32.to_le_bytes());
        assert!(open(&c.child).unwrap_err().is_corruption());
        patch(&c.child, entry, &PARENT_LOCATOR);
        patch(&c.child, c.locator_at, &[0x22; 16]);
        let what = unsupported_what(open(&c.child));
        assert!(what.contains("parent locator type"), "{what}");
    }

    #[test]
    fn hostile_metadata_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let Some((path, _)) = make(dir.path(), "") else {
            return;
        };
        let (_, params) = meta_item(&path, FILE_PARAMETERS);
        let (_, size) = meta_item(&path, VIRTUAL_DISK_SIZE);
        let (_, sector) = meta_item(&path, LOGICAL_SECTOR_SIZE);
        let original = std::fs::read(&path).unwrap();
        let cases: [(u64, Vec<u8>); 6] = [
            (params, (3u32 << 20).to_le_bytes().to_vec()),
            (params, (512u32 << 20).to_le_bytes().to_vec()),
            (params, 0u32.to_le_bytes().to_vec()),
            (size, (64u64 << 40).to_le_bytes().to_vec()),
            (size, u64::MAX.to_le_bytes().to_vec()),
            (sector, 1000u32.to_le_bytes().to_vec()),
        ];
        for (at, bytes) in cases {
            std::fs::write(&path, &original).unwrap();
            patch(&path, at, &bytes);
            let err = open(&path).unwrap_err();
            assert!(err.is_corruption(), "{err}");
        }
        // An unknown item marked required cannot be skipped.
        std::fs::write(&path, &original).unwrap();
        let (entry, _) = meta_item(&path, PAGE_83_DATA);
        patch(&path, entry, &[0xEE; 16]);
        patch(&path, entry + 24, &4u32.to_le_bytes());
        let what = unsupported_what(open(&path));
        assert!(what.contains("unknown required metadata"), "{what}");
    }

    /// Random damage to the tables gives errors or zeros, never a panic.
    #[test]
    fn damaged_tables_never_panic() {
        let dir = tempfile::tempdir().unwrap();
        let Some((path, _)) = make(dir.path(), "block_size=1M") else {
            return;
        };
        let (bat, meta) = regions(&path);
        let spots = [
            (HEADER_AT[0], HEADER_LEN as u64, true),
            (REGION_TABLE_AT[0], 64, false),
            (meta, 256, false),
            (meta + 64 * 1024, 64, false),
            (bat, 512, false),
        ];
        let mut x: u32 = 7;
        let mut next = |n: u64| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            u64::from(x >> 8) % n
        };
        for _ in 0..400 {
            let (start, len, is_header) = spots[next(spots.len() as u64) as usize];
            let at = start + next(len);
            let old = read(&path, at, 1);
            patch(&path, at, &[next(256) as u8]);
            if is_header {
                fix_header(&path, start);
            }
            if let Ok(src) = open(&path) {
                let mut buf = vec![0u8; 4096];
                for off in [0, src.len() / 3, src.len().saturating_sub(100)] {
                    let _ = src.read_at(off, &mut buf);
                }
            }
            patch(&path, at, &old);
            if is_header {
                fix_header(&path, start);
            }
        }
        assert!(open(&path).is_ok());
    }
}
