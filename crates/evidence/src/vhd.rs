//! VHD virtual disks (Virtual PC, Hyper-V before VHDX, Windows 7 backups),
//! per Microsoft's VHD Image Format Specification: fixed (the media then a
//! 512-byte footer), dynamic (a block allocation table; blocks never written
//! read as zeros) and differencing (a snapshot: a dynamic disk whose blocks'
//! sector bitmaps say, sector by sector, whether the child or its parent
//! holds the sector; the parent must be beside the child and carry the
//! unique id the child names).

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::virt::{
    be_u32, be_u64, bitmap_run, corrupt, open_parent, parent_of_kind, unsupported, Backing,
    BitOrder, Layout, Span, VirtualSource,
};
use crate::{ContainerKind, EvidenceError};

const FOOTER_LEN: u64 = 512;
const DYNAMIC_HEADER_LEN: usize = 1024;
const UNALLOCATED: u32 = 0xFFFF_FFFF;
/// Largest block size accepted (the format's default is 2 MiB; Hyper-V's
/// largest 256 MiB).
const MAX_BLOCK: u64 = 256 << 20;
/// Sector bitmaps of a differencing disk kept in memory (at most 64 KiB
/// each, for 256 MiB blocks).
const BITMAP_CACHE: usize = 16;
/// Parent locator data longer than this is ignored (a Windows path holds at
/// most 32767 UTF-16 units).
const MAX_LOCATOR: u64 = 64 << 10;
/// Where the eight parent locator entries (24 bytes each) start in the
/// dynamic header.
const LOCATORS_AT: usize = 576;

/// Opens a VHD image read-only; a differencing disk opens its parent
/// (`depth` levels below the disk the examiner named) beside it.
pub(crate) fn open_in(path: &Path, depth: u32) -> Result<VirtualSource, EvidenceError> {
    let b = Backing::open(path)?;
    if b.len < FOOTER_LEN {
        return Err(corrupt(
            path,
            0,
            format!(
                "{} bytes: too short for a VHD footer (truncated image)",
                b.len
            ),
        ));
    }
    let footer = read_footer(&b)?;
    let size = be_u64(&footer, 48);
    match be_u32(&footer, 60) {
        2 => {
            // Fixed: the media, then the footer.
            if size > b.len - FOOTER_LEN {
                return Err(corrupt(
                    path,
                    b.len - FOOTER_LEN,
                    format!(
                        "fixed VHD of {size} bytes in a file of {} (truncated image)",
                        b.len
                    ),
                ));
            }
            VirtualSource::new(
                ContainerKind::Vhd,
                "VHD fixed",
                vec![b],
                size,
                Box::new(Fixed),
            )
        }
        kind @ (3 | 4) => {
            let at = be_u64(&footer, 16);
            let mut h = [0u8; DYNAMIC_HEADER_LEN];
            if at > b.len {
                return Err(corrupt(
                    path,
                    b.len - FOOTER_LEN,
                    format!("dynamic header offset {at} lies beyond the end of the file"),
                ));
            }
            b.read_exact(at, &mut h, "dynamic disk header")?;
            if &h[..8] != b"cxsparse" {
                return Err(corrupt(path, at, "no dynamic disk header (cxsparse)"));
            }
            let table = be_u64(&h, 16);
            let entries = u64::from(be_u32(&h, 28));
            let block = u64::from(be_u32(&h, 32));
            if block < 512 || !block.is_power_of_two() || block > MAX_BLOCK {
                return Err(corrupt(
                    path,
                    at + 32,
                    format!("block size {block}: not a power of two between 512 bytes and 256 MiB"),
                ));
            }
            if entries.saturating_mul(block) < size {
                return Err(corrupt(
                    path,
                    at + 28,
                    format!(
                        "{entries} blocks of {block} bytes cannot hold the disk's {size} bytes"
                    ),
                ));
            }
            // Only the entries the disk's size needs are read.
            let needed = size.div_ceil(block);
            let bytes = needed * 4;
            let raw = b.read_table(table, bytes, at + 16, "block allocation table")?;
            let bat = raw
                .chunks_exact(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            // Each block starts with its sector bitmap, padded to a sector.
            let sectors = block / 512;
            let bitmap = sectors.div_ceil(8).div_ceil(512) * 512;
            if kind == 3 {
                return VirtualSource::new(
                    ContainerKind::Vhd,
                    "VHD dynamic",
                    vec![b],
                    size,
                    Box::new(Dynamic { bat, block, bitmap }),
                );
            }
            let parent = open_vhd_parent(&b, at, &h, depth)?;
            let layout = Differencing {
                bat,
                block,
                bitmap,
                sectors,
                cache: Mutex::new(Vec::new()),
            };
            Ok(VirtualSource::new(
                ContainerKind::Vhd,
                "VHD differencing",
                vec![b],
                size,
                Box::new(layout),
            )?
            .with_parent(parent))
        }
        other => Err(unsupported(path, format!("VHD disk type {other}"))),
    }
}

/// Opens the parent a differencing disk's header `h` (at `at` in the child)
/// names, trying its locators (relative paths first), then its unicode
/// name, beside the child; the parent must be a VHD whose unique id is the
/// one the child records.
fn open_vhd_parent(
    child: &Backing,
    at: u64,
    h: &[u8; DYNAMIC_HEADER_LEN],
    depth: u32,
) -> Result<crate::Evidence, EvidenceError> {
    let path = child.path.as_path();
    let mut want = [0u8; 16];
    want.copy_from_slice(&h[40..56]);
    let mut hints = parent_locators(child, h)?;
    let units: Vec<u16> = h[64..LOCATORS_AT]
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    let name = String::from_utf16_lossy(&units);
    if !name.trim().is_empty() {
        hints.push(name);
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut first_err = None;
    for hint in &hints {
        if seen.contains(&hint.as_str()) {
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
        match check_parent(path, at, &want, &parent) {
            Ok(()) => return Ok(parent),
            // Another locator may name another file: the right one.
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
            at + 64,
            "differencing VHD names no parent (no parent locator nor unicode name)",
        )
    }))
}

/// The parent paths the header's locator entries hold: relative Windows
/// paths first, then absolute ones, then Mac file URLs. Entries whose data
/// lies outside the file or is implausibly long are passed over.
fn parent_locators(
    child: &Backing,
    h: &[u8; DYNAMIC_HEADER_LEN],
) -> Result<Vec<String>, EvidenceError> {
    let mut found: Vec<(u8, String)> = Vec::new();
    for entry in h[LOCATORS_AT..LOCATORS_AT + 8 * 24].chunks_exact(24) {
        let code = [entry[0], entry[1], entry[2], entry[3]];
        let rank = match &code {
            b"W2ru" => 0,
            b"W2ku" => 1,
            b"MacX" => 2,
            b"Mac " => 3,
            _ => continue,
        };
        let len = u64::from(be_u32(entry, 8));
        let offset = be_u64(entry, 16);
        if len == 0 || len > MAX_LOCATOR || offset.saturating_add(len) > child.len {
            continue;
        }
        let mut data = vec![0u8; len as usize];
        child.read_exact(offset, &mut data, "parent locator")?;
        let text = if rank <= 1 {
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&u| u != 0)
                .collect();
            String::from_utf16_lossy(&units)
        } else {
            let end = data.iter().position(|&c| c == 0).unwrap_or(data.len());
            file_url_path(&String::from_utf8_lossy(&data[..end]))
        };
        if !text.trim().is_empty() {
            found.push((rank, text));
        }
    }
    found.sort_by_key(|(rank, _)| *rank);
    Ok(found.into_iter().map(|(_, t)| t).collect())
}

/// The path of a `file://` URL (percent escapes decoded); other text as is.
fn file_url_path(url: &str) -> String {
    let Some(rest) = url.strip_prefix("file://") else {
        return url.to_string();
    };
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&a), Some(&b)) if hex(a).is_some() && hex(b).is_some() => {
                let v = hex(a).unwrap_or(0) * 16 + hex(b).unwrap_or(0);
                out.push(v as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Fails unless `parent` is a VHD whose footer carries the unique id `want`
/// the child (header at `at`) records for its parent.
fn check_parent(
    child: &Path,
    at: u64,
    want: &[u8; 16],
    parent: &crate::Evidence,
) -> Result<(), EvidenceError> {
    let (first, name) = parent_of_kind(
        child,
        at + 40,
        parent,
        ContainerKind::Vhd,
        "the disk this snapshot was taken of",
    )?;
    let footer = read_footer(&first)?;
    let got = &footer[68..84];
    if got != want {
        return Err(corrupt(
            child,
            at + 40,
            format!(
                "parent unique id {} does not match {} of {name}: not the disk this snapshot was taken of",
                uuid(want),
                uuid(got)
            ),
        ));
    }
    Ok(())
}

/// A unique id as 8-4-4-4-12 hex digits, in its stored byte order.
fn uuid(id: &[u8]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in id.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The footer at the end of the file or, if that one is damaged, the copy a
/// dynamic disk keeps at the start. The checksum must hold either way.
fn read_footer(b: &Backing) -> Result<[u8; 512], EvidenceError> {
    let mut end = [0u8; 512];
    b.read_exact(b.len - FOOTER_LEN, &mut end, "footer")?;
    if &end[..8] == b"conectix" && checksum_ok(&end) {
        return Ok(end);
    }
    // Some old writers left a 511-byte footer.
    if b.len > FOOTER_LEN {
        let mut short = [0u8; 512];
        b.read_exact(b.len - 511, &mut short[..511], "footer")?;
        if &short[..8] == b"conectix" && checksum_ok(&short) {
            return Ok(short);
        }
    }
    let mut start = [0u8; 512];
    b.read_exact(0, &mut start, "footer copy")?;
    if &start[..8] == b"conectix" && checksum_ok(&start) {
        return Ok(start);
    }
    Err(corrupt(
        &b.path,
        b.len - FOOTER_LEN,
        "no VHD footer with a valid checksum at the end nor a copy at the start",
    ))
}

/// One's complement of the byte sum, with the checksum field counted as 0.
fn checksum_ok(f: &[u8; 512]) -> bool {
    let sum = f
        .iter()
        .enumerate()
        .filter(|(i, _)| !(64..68).contains(i))
        .fold(0u32, |s, (_, b)| s.wrapping_add(u32::from(*b)));
    !sum == be_u32(f, 64)
}

struct Fixed;

impl Layout for Fixed {
    fn span(&self, _: &[Backing], offset: u64) -> Result<Span, EvidenceError> {
        Ok(Span::Stored {
            file: 0,
            at: offset,
            len: u64::MAX - offset,
        })
    }
}

struct Dynamic {
    bat: Vec<u32>,
    block: u64,
    bitmap: u64,
}

impl Layout for Dynamic {
    fn span(&self, _: &[Backing], offset: u64) -> Result<Span, EvidenceError> {
        let index = offset / self.block;
        let within = offset % self.block;
        let len = self.block - within;
        match self.bat.get(index as usize) {
            None | Some(&UNALLOCATED) => Ok(Span::Zero { len }),
            Some(&sector) => Ok(Span::Stored {
                file: 0,
                at: u64::from(sector) * 512 + self.bitmap + within,
                len,
            }),
        }
    }
}

/// A differencing disk: allocated blocks hold the sectors their bitmap marks
/// (bit set, most significant bit first); the other sectors, and blocks
/// never allocated, are the parent's.
struct Differencing {
    bat: Vec<u32>,
    block: u64,
    /// Bytes of bitmap (padded to a sector) before each block's data.
    bitmap: u64,
    /// Sectors per block.
    sectors: u64,
    /// Recently read bitmaps, keyed by the block's first sector in the file.
    cache: Mutex<Vec<(u32, Arc<Vec<u8>>)>>,
}

impl Differencing {
    /// The sector bitmap of the block at `sector` of the file.
    fn bitmap(&self, files: &[Backing], sector: u32) -> Result<Arc<Vec<u8>>, EvidenceError> {
        if let Ok(cache) = self.cache.lock() {
            if let Some((_, map)) = cache.iter().find(|(k, _)| *k == sector) {
                return Ok(map.clone());
            }
        }
        let Some(b) = files.first() else {
            return Err(corrupt(
                Path::new(""),
                0,
                "differencing VHD without its file",
            ));
        };
        let mut map = vec![0u8; self.sectors.div_ceil(8) as usize];
        b.read_exact(u64::from(sector) * 512, &mut map, "sector bitmap")?;
        let map = Arc::new(map);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= BITMAP_CACHE {
                cache.remove(0);
            }
            cache.push((sector, map.clone()));
        }
        Ok(map)
    }
}

impl Layout for Differencing {
    fn span(&self, files: &[Backing], offset: u64) -> Result<Span, EvidenceError> {
        let index = offset / self.block;
        let within = offset % self.block;
        let sector = match self.bat.get(index as usize) {
            None | Some(&UNALLOCATED) => {
                return Ok(Span::Parent {
                    len: self.block - within,
                })
            }
            Some(&sector) => sector,
        };
        let map = self.bitmap(files, sector)?;
        let (stored, end) = bitmap_run(&map, within / 512, self.sectors, BitOrder::MsbFirst);
        let len = end * 512 - within;
        Ok(if stored {
            Span::Stored {
                file: 0,
                at: u64::from(sector) * 512 + self.bitmap + within,
                len,
            }
        } else {
            Span::Parent { len }
        })
    }
}

/// Opens the disk the examiner named (tests).
#[cfg(test)]
pub(crate) fn open(path: &Path) -> Result<VirtualSource, EvidenceError> {
    open_in(path, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virt::testing::{convert, raw_image, read_all, same_bytes};
    use crate::Source;

    #[test]
    fn vhd_fixed_and_dynamic_read_as_the_raw_image() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(dir.path());
        for (sub, name) in [("fixed", "VHD fixed"), ("dynamic", "VHD dynamic")] {
            let out = dir.path().join(format!("{sub}.vhd"));
            let Some(p) = convert(&raw, &out, "vpc", &format!("subformat={sub},force_size=on"))
            else {
                return;
            };
            let v = open(&p).unwrap();
            assert_eq!(v.format(), name);
            same_bytes(&v, &data);
            assert_eq!(ContainerKind::detect(&p).unwrap(), ContainerKind::Vhd);
        }
    }

    #[test]
    fn vhd_size_rounded_to_its_geometry_reads_zeros_past_the_raw_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, mut data) = raw_image(dir.path());
        let Some(p) = convert(&raw, &dir.path().join("chs.vhd"), "vpc", "") else {
            return;
        };
        let v = open(&p).unwrap();
        assert!(v.len() >= data.len() as u64);
        data.resize(v.len() as usize, 0);
        same_bytes(&v, &data);
    }

    /// Sets a footer's or header's checksum (at `at` within `h`): the one's
    /// complement of the byte sum with the field counted as zero.
    fn set_checksum(h: &mut [u8], at: usize) {
        h[at..at + 4].copy_from_slice(&[0; 4]);
        let sum = h.iter().fold(0u32, |s, b| s.wrapping_add(u32::from(*b)));
        h[at..at + 4].copy_from_slice(&(!sum).to_be_bytes());
    }

    /// Writes a differencing VHD `name` beside `parent` (a VHD), recording
    /// `parent_id` (the parent's footer id if `None`). `blocks` lists the
    /// allocated blocks with the sector ranges their bitmaps mark; those
    /// sectors hold a pattern, the others garbage the reader must not
    /// return. Returns the child's path and `base` with its sectors applied.
    fn write_child(
        parent: &Path,
        name: &str,
        parent_id: Option<[u8; 16]>,
        blocks: &[(usize, Vec<(usize, usize)>)],
        base: &[u8],
    ) -> (std::path::PathBuf, Vec<u8>) {
        const BLOCK: usize = 2 << 20;
        let pbytes = std::fs::read(parent).unwrap();
        let mut footer = pbytes[pbytes.len() - 512..].to_vec();
        let size = be_u64(&footer, 48) as usize;
        let entries = size.div_ceil(BLOCK);
        let mut pid = [0u8; 16];
        pid.copy_from_slice(&footer[68..84]);
        let parent_id = parent_id.unwrap_or(pid);
        // Layout: footer copy, dynamic header, BAT, locator data, blocks.
        let table = 1536usize;
        let locator = table + (entries * 4).div_ceil(512) * 512;
        let mut data_at = locator + 512;
        footer[16..24].copy_from_slice(&512u64.to_be_bytes());
        footer[60..64].copy_from_slice(&4u32.to_be_bytes());
        let mut id = parent_id;
        id[0] ^= 0x5a;
        id[15] = name.len() as u8;
        footer[68..84].copy_from_slice(&id);
        set_checksum(&mut footer, 64);

        let mut h = vec![0u8; 1024];
        h[..8].copy_from_slice(b"cxsparse");
        h[8..16].copy_from_slice(&u64::MAX.to_be_bytes());
        h[16..24].copy_from_slice(&(table as u64).to_be_bytes());
        h[24..28].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        h[28..32].copy_from_slice(&(entries as u32).to_be_bytes());
        h[32..36].copy_from_slice(&(BLOCK as u32).to_be_bytes());
        h[40..56].copy_from_slice(&parent_id);
        let pname = parent.file_name().unwrap().to_string_lossy().into_owned();
        for (i, u) in pname.encode_utf16().enumerate() {
            h[64 + 2 * i..66 + 2 * i].copy_from_slice(&u.to_be_bytes());
        }
        let rel: Vec<u8> = format!(".\\{pname}")
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        h[576..580].copy_from_slice(b"W2ru");
        h[580..584].copy_from_slice(&512u32.to_be_bytes());
        h[584..588].copy_from_slice(&(rel.len() as u32).to_be_bytes());
        h[592..600].copy_from_slice(&(locator as u64).to_be_bytes());
        set_checksum(&mut h, 36);

        let mut bat = vec![0xFFu8; (entries * 4).div_ceil(512) * 512];
        let mut expected = base.to_vec();
        expected.resize(size, 0);
        let mut block_data = Vec::new();
        for (index, sectors) in blocks {
            bat[index * 4..index * 4 + 4].copy_from_slice(&((data_at / 512) as u32).to_be_bytes());
            let mut bitmap = vec![0u8; 512];
            let mut body = vec![0xEEu8; BLOCK];
            for &(from, to) in sectors {
                for s in from..to {
                    bitmap[s / 8] |= 0x80 >> (s % 8);
                    for (j, b) in body[s * 512..s * 512 + 512].iter_mut().enumerate() {
                        *b = (s as u8) ^ (*index as u8).wrapping_mul(37) ^ (j as u8);
                    }
                    let media = index * BLOCK + s * 512;
                    if media < size {
                        let end = (media + 512).min(size);
                        expected[media..end].copy_from_slice(&body[s * 512..s * 512 + end - media]);
                    }
                }
            }
            block_data.extend_from_slice(&bitmap);
            block_data.extend_from_slice(&body);
            data_at += 512 + BLOCK;
        }
        let mut out = footer.clone();
        out.extend_from_slice(&h);
        out.extend_from_slice(&bat);
        let mut loc = rel.clone();
        loc.resize(512, 0);
        out.extend_from_slice(&loc);
        out.extend_from_slice(&block_data);
        out.extend_from_slice(&footer);
        let child = parent.with_file_name(name);
        std::fs::write(&child, out).unwrap();
        (child, expected)
    }

    /// Allocated blocks and the sector ranges (start, end) their bitmaps mark.
    fn some_blocks() -> Vec<(usize, Vec<(usize, usize)>)> {
        vec![
            (1, vec![(8, 16)]),
            (3, vec![(0, 1), (3, 4), (100, 131), (4000, 4096)]),
            (5, vec![(0, 4096)]),
            (7, vec![]),
            (19, vec![(4095, 4096)]),
        ]
    }

    #[test]
    fn vhd_differencing_reads_its_sectors_and_the_rest_from_its_parent() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(dir.path());
        let out = dir.path().join("parent.vhd");
        let Some(parent) = convert(&raw, &out, "vpc", "subformat=dynamic,force_size=on") else {
            return;
        };
        let (child, expected) = write_child(&parent, "child.vhd", None, &some_blocks(), &data);
        assert_ne!(expected, data);
        let v = open(&child).unwrap();
        assert_eq!(v.format(), "VHD differencing (snapshot of parent.vhd)");
        assert_eq!(v.paths(), vec![child.clone(), parent.clone()]);
        same_bytes(&v, &expected);
        // Through the crate's entry point too.
        let e = crate::open(&child).unwrap();
        same_bytes(&e, &expected);

        // A snapshot of the snapshot: a chain of two parents.
        let (grand, expected2) = write_child(
            &child,
            "grand.vhd",
            None,
            &[(1, vec![(12, 20)]), (2, vec![(0, 4096)])],
            &expected,
        );
        let g = open(&grand).unwrap();
        assert_eq!(g.paths(), vec![grand, child, parent]);
        same_bytes(&g, &expected2);
    }

    #[test]
    fn vhd_differencing_finds_its_parent_by_its_unicode_name_and_absolute_locator() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(dir.path());
        let out = dir.path().join("base.vhd");
        let Some(parent) = convert(&raw, &out, "vpc", "subformat=dynamic,force_size=on") else {
            return;
        };
        let (child, expected) = write_child(&parent, "c.vhd", None, &some_blocks(), &data);
        // The relative locator names a file that is not there; an absolute
        // one from the machine it was made on names it: found by its name.
        let mut bytes = std::fs::read(&child).unwrap();
        let locator = be_u64(&bytes[512..1536], 592) as usize;
        let abs: Vec<u8> = "C:\\VMs\\base.vhd"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let wrong: Vec<u8> = ".\\elsewhere\\gone.vhd"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        bytes[locator..locator + 512].fill(0);
        bytes[locator..locator + wrong.len()].copy_from_slice(&wrong);
        bytes[locator + 256..locator + 256 + abs.len()].copy_from_slice(&abs);
        let h = &mut bytes[512..1536];
        h[584..588].copy_from_slice(&(wrong.len() as u32).to_be_bytes());
        h[600..604].copy_from_slice(b"W2ku");
        h[604..608].copy_from_slice(&256u32.to_be_bytes());
        h[608..612].copy_from_slice(&(abs.len() as u32).to_be_bytes());
        h[616..624].copy_from_slice(&(locator as u64 + 256).to_be_bytes());
        set_checksum(h, 36);
        std::fs::write(&child, &bytes).unwrap();
        same_bytes(&open(&child).unwrap(), &expected);

        // No locator at all: the unicode name.
        let h = &mut bytes[512..1536];
        h[576..768].fill(0);
        set_checksum(h, 36);
        std::fs::write(&child, &bytes).unwrap();
        same_bytes(&open(&child).unwrap(), &expected);

        // Neither: an error, not zeros.
        let h = &mut bytes[512..1536];
        h[64..576].fill(0);
        set_checksum(h, 36);
        std::fs::write(&child, &bytes).unwrap();
        let e = open(&child).unwrap_err().to_string();
        assert!(e.contains("names no parent"), "{e}");

        assert_eq!(
            file_url_path("file://localhost/Users/a/My%20Disk.vhd"),
            "/Users/a/My Disk.vhd"
        );
        assert_eq!(file_url_path("file:///tmp/x%2.vhd"), "/tmp/x%2.vhd");
    }

    #[test]
    fn vhd_differencing_refuses_a_parent_with_another_id_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(dir.path());
        let out = dir.path().join("parent.vhd");
        let Some(parent) = convert(&raw, &out, "vpc", "subformat=dynamic,force_size=on") else {
            return;
        };
        let (child, _) = write_child(
            &parent,
            "child.vhd",
            Some([0x42; 16]),
            &some_blocks(),
            &data,
        );
        let e = open(&child).unwrap_err().to_string();
        assert!(
            e.contains("parent unique id 42424242-4242-4242-4242-424242424242 does not match"),
            "{e}"
        );
        assert!(
            e.contains("parent.vhd: not the disk this snapshot was taken of"),
            "{e}"
        );

        // A raw file in the parent's place is not the parent either.
        let (child, _) = write_child(&parent, "child.vhd", None, &some_blocks(), &data);
        let other = tempfile::tempdir().unwrap();
        let moved = other.path().join("child.vhd");
        std::fs::copy(&child, &moved).unwrap();
        std::fs::write(other.path().join("parent.vhd"), vec![1u8; 4096]).unwrap();
        let e = open(&moved).unwrap_err().to_string();
        assert!(e.contains("not a VHD"), "{e}");

        // Missing: the error names it.
        std::fs::remove_file(other.path().join("parent.vhd")).unwrap();
        let e = open(&moved).unwrap_err();
        assert!(matches!(e, EvidenceError::MissingSegment { .. }), "{e}");
        assert!(e.to_string().contains("parent.vhd"), "{e}");
    }

    #[test]
    fn damaged_differencing_vhds_give_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(dir.path());
        let out = dir.path().join("parent.vhd");
        let Some(parent) = convert(&raw, &out, "vpc", "subformat=dynamic,force_size=on") else {
            return;
        };
        let (child, expected) = write_child(&parent, "child.vhd", None, &some_blocks(), &data);
        let bytes = std::fs::read(&child).unwrap();
        let n = bytes.len();
        for cut in [
            0,
            100,
            511,
            600,
            1600,
            2100,
            2600,
            3000,
            2 << 20,
            n / 2,
            n - 600,
        ] {
            let f = dir.path().join("cut.vhd");
            std::fs::write(&f, &bytes[..cut]).unwrap();
            let Ok(v) = open(&f) else { continue };
            let e = read_all(&v)
                .expect_err(&format!("a differencing VHD cut at {cut} read to its end"));
            assert!(e.to_string().contains("truncated"), "cut at {cut}: {e}");
        }
        // Only the trailing footer cut: the copy at the start still opens it,
        // and every byte of the media is there.
        let f = dir.path().join("cut.vhd");
        std::fs::write(&f, &bytes[..n - 1]).unwrap();
        same_bytes(&open(&f).unwrap(), &expected);
        // Every byte of the header and bitmaps flipped in turn: errors or
        // reads, never a panic.
        for i in (512..1536).chain(2560..2560 + 512).step_by(3) {
            let mut b = bytes.clone();
            b[i] ^= 0xA5;
            let f = dir.path().join("flip.vhd");
            std::fs::write(&f, &b).unwrap();
            if let Ok(v) = open(&f) {
                let mut buf = vec![0u8; 1 << 20];
                let _ = v.read_at(0, &mut buf);
                let _ = v.read_at(2 << 20, &mut buf);
            }
        }
    }

    #[test]
    fn damaged_vhds_give_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, _) = raw_image(dir.path());
        let Some(p) = convert(&raw, &dir.path().join("d.vhd"), "vpc", "subformat=dynamic") else {
            return;
        };
        let bytes = std::fs::read(&p).unwrap();
        // Cut: the footer copy at the start still opens it; the blocks past
        // the cut fail with an error naming the offset.
        let cut = dir.path().join("cut.vhd");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        if let Ok(v) = open(&cut) {
            let e = read_all(&v).expect_err("a VHD cut in half read to its end");
            assert!(e.to_string().contains("truncated"), "{e}");
        }
        // Every byte of both footers (of a small disk) flipped in turn:
        // errors or reads, never a panic.
        let small_raw = dir.path().join("small.raw");
        std::fs::write(&small_raw, vec![7u8; 3 << 20]).unwrap();
        let small = convert(
            &small_raw,
            &dir.path().join("s.vhd"),
            "vpc",
            "subformat=dynamic",
        )
        .unwrap();
        let bytes = std::fs::read(small).unwrap();
        for i in 0..512 {
            let mut b = bytes.clone();
            let n = b.len();
            b[n - 512 + i] ^= 0xff;
            b[i] ^= 0x55;
            let f = dir.path().join("flip.vhd");
            std::fs::write(&f, &b).unwrap();
            if let Ok(v) = open(&f) {
                let mut buf = vec![0u8; 65536];
                let _ = v.read_at(0, &mut buf);
            }
        }
        let tiny = dir.path().join("tiny.vhd");
        std::fs::write(&tiny, b"conectix").unwrap();
        assert!(open(&tiny).is_err());
    }
}
