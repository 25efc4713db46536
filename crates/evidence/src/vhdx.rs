//! VHDX virtual disks (Hyper-V, Windows Server Backup), per MS-VHDX:
//! fixed and dynamic disks. Differencing disks and disks whose log still
//! holds entries (not shut down cleanly) are refused: reading them as they
//! are on disk would give wrong bytes without saying so.

use std::path::{Path, PathBuf};

use crate::virt::{
    corrupt, le_u16, le_u32, le_u64, unsupported, Backing, Layout, Span, VirtualSource,
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

/// Opens a VHDX image read-only.
pub(crate) fn open_in(path: &Path, _depth: u32) -> Result<VirtualSource, EvidenceError> {
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
    if meta.has_parent {
        let what = match &meta.parent {
            Some(p) => format!("differencing VHDX (needs its parent \"{p}\", which is not read)"),
            None => "differencing VHDX (needs its parent, which is not read)".to_string(),
        };
        return Err(unsupported(path, what));
    }
    let blocks = read_bat(&b, &regions, &meta)?;
    let format = if meta.leave_allocated {
        "VHDX fixed"
    } else {
        "VHDX dynamic"
    };
    let layout = VhdxLayout {
        path: path.to_path_buf(),
        block_size: meta.block_size,
        blocks,
    };
    VirtualSource::new(
        ContainerKind::Vhdx,
        format,
        vec![b],
        meta.disk_size,
        Box::new(layout),
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
    parent: Option<String>,
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
        Some(&(_, off, item_len)) if has_parent && item_len <= 64 * KIB => {
            let mut v = vec![0u8; item_len as usize];
            b.read_exact(off, &mut v, "parent locator")?;
            parent_name(&v)
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

/// The parent's path from a parent locator, for the refusal message only.
fn parent_name(loc: &[u8]) -> Option<String> {
    let count = usize::from(le_u16(loc, 18));
    let utf16 = |off: u32, len: u16| -> Option<String> {
        let off = off as usize;
        let bytes = loc.get(off..off + usize::from(len))?;
        let units: Vec<u16> = bytes.chunks_exact(2).map(|c| le_u16(c, 0)).collect();
        Some(String::from_utf16_lossy(&units))
    };
    let mut pairs = Vec::new();
    for i in 0..count.min(loc.len() / 12) {
        let e = loc.get(20 + 12 * i..32 + 12 * i)?;
        let key = utf16(le_u32(e, 0), le_u16(e, 8))?;
        let value = utf16(le_u32(e, 4), le_u16(e, 10))?;
        pairs.push((key, value));
    }
    ["relative_path", "absolute_win32_path", "volume_path"]
        .iter()
        .find_map(|k| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        })
}

/// Reads the payload entries of the BAT (skipping the sector-bitmap entries
/// interleaved after every chunk), as file offsets with 0 for zeros.
fn read_bat(b: &Backing, r: &Regions, m: &Meta) -> Result<Vec<u64>, EvidenceError> {
    let path = &b.path;
    let chunk_ratio = ((1u64 << 23) * m.sector_size) / m.block_size;
    let data_blocks = m.disk_size.div_ceil(m.block_size);
    let total = data_blocks + data_blocks.saturating_sub(1) / chunk_ratio;
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
    let mut blocks = Vec::with_capacity(data_blocks as usize);
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
            if (i + 1).is_multiple_of(chunk_ratio + 1) {
                continue; // a sector-bitmap entry, unused without a parent
            }
            let e = le_u64(raw, 0);
            let block = blocks.len();
            let at = match e & 7 {
                STATE_NOT_PRESENT | STATE_UNDEFINED | STATE_ZERO | STATE_UNMAPPED => 0,
                STATE_FULLY_PRESENT => {
                    let at = e & !(MIB - 1);
                    if at < HEADER_SECTION || at.checked_add(m.block_size).is_none() {
                        return Err(corrupt(
                            path,
                            e_at,
                            format!("block {block} at file offset {at} is not a valid place"),
                        ));
                    }
                    at
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
            blocks.push(at);
        }
        index += n as u64 / 8;
    }
    Ok(blocks)
}

struct VhdxLayout {
    path: PathBuf,
    block_size: u64,
    /// File offset of each payload block, 0 for a block that reads as zeros.
    blocks: Vec<u64>,
}

impl Layout for VhdxLayout {
    fn span(&self, _files: &[Backing], offset: u64) -> Result<Span, EvidenceError> {
        let block = offset / self.block_size;
        let within = offset % self.block_size;
        let len = self.block_size - within;
        match usize::try_from(block).ok().and_then(|i| self.blocks.get(i)) {
            Some(0) => Ok(Span::Zero { len }),
            Some(&at) => Ok(Span::Stored {
                file: 0,
                at: at + within,
                len,
            }),
            None => Err(corrupt(
                &self.path,
                0,
                format!("media offset {offset} lies beyond the block table"),
            )),
        }
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

    #[test]
    fn differencing_refused_naming_parent() {
        let dir = tempfile::tempdir().unwrap();
        let Some((path, _)) = make(dir.path(), "") else {
            return;
        };
        let (_, params) = meta_item(&path, FILE_PARAMETERS);
        patch(&path, params + 4, &2u32.to_le_bytes());
        let what = unsupported_what(open(&path));
        assert!(what.contains("differencing VHDX"), "{what}");

        // Add a parent locator item after the existing ones.
        let (_, meta) = regions(&path);
        let count = le_u16(&read(&path, meta, 12), 10);
        let item_off = 512 * 1024u32;
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let (key, value) = (utf16("relative_path"), utf16("..\\base.vhdx"));
        let mut loc = vec![0u8; 32];
        loc[..16].copy_from_slice(&guid("B04AEFB7-D19E-4A81-B789-25B8E9445913"));
        loc[18..20].copy_from_slice(&1u16.to_le_bytes());
        loc[20..24].copy_from_slice(&32u32.to_le_bytes());
        loc[24..28].copy_from_slice(&(32 + key.len() as u32).to_le_bytes());
        loc[28..30].copy_from_slice(&(key.len() as u16).to_le_bytes());
        loc[30..32].copy_from_slice(&(value.len() as u16).to_le_bytes());
        loc.extend_from_slice(&key);
        loc.extend_from_slice(&value);
        let mut e = vec![0u8; 32];
        e[..16].copy_from_slice(&PARENT_LOCATOR);
        e[16..20].copy_from_slice(&item_off.to_le_bytes());
        e[20..24].copy_from_slice(&(loc.len() as u32).to_le_bytes());
        e[24..28].copy_from_slice(&6u32.to_le_bytes());
        patch(&path, meta + 32 + 32 * u64::from(count), &e);
        patch(&path, meta + 10, &(count + 1).to_le_bytes());
        patch(&path, meta + u64::from(item_off), &loc);
        let what = unsupported_what(open(&path));
        assert!(what.contains("parent \"..\\base.vhdx\""), "{what}");
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
