//! VHD virtual disks (Virtual PC, Hyper-V before VHDX, Windows 7 backups):
//! fixed (the media then a 512-byte footer) and dynamic (a block allocation
//! table; blocks never written read as zeros). Differencing disks are refused.

use std::path::Path;

use crate::virt::{be_u32, be_u64, corrupt, unsupported, Backing, Layout, Span, VirtualSource};
use crate::{ContainerKind, EvidenceError};

const FOOTER_LEN: u64 = 512;
const DYNAMIC_HEADER_LEN: usize = 1024;
const UNALLOCATED: u32 = 0xFFFF_FFFF;
/// Largest block size accepted (the format's default is 2 MiB; Hyper-V's
/// largest 256 MiB).
const MAX_BLOCK: u64 = 256 << 20;

/// Opens a VHD image read-only.
pub(crate) fn open_in(path: &Path, _depth: u32) -> Result<VirtualSource, EvidenceError> {
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
            if kind == 4 {
                let name: Vec<u16> = h[64..576]
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .take_while(|&u| u != 0)
                    .collect();
                return Err(unsupported(
                    path,
                    format!(
                        "differencing VHD (changes on top of parent {:?}): open the parent, or a merged copy",
                        String::from_utf16_lossy(&name)
                    ),
                ));
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
            if table.saturating_add(bytes) > b.len {
                return Err(corrupt(
                    path,
                    table,
                    format!(
                        "block allocation table of {bytes} bytes lies beyond the end of the file ({} bytes): truncated image",
                        b.len
                    ),
                ));
            }
            let mut raw = vec![0u8; bytes as usize];
            b.read_exact(table, &mut raw, "block allocation table")?;
            let bat = raw
                .chunks_exact(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            // Each block starts with its sector bitmap, padded to a sector.
            let bitmap = (block / 512).div_ceil(8).div_ceil(512) * 512;
            VirtualSource::new(
                ContainerKind::Vhd,
                "VHD dynamic",
                vec![b],
                size,
                Box::new(Dynamic { bat, block, bitmap }),
            )
        }
        other => Err(unsupported(path, format!("VHD disk type {other}"))),
    }
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

/// Opens the disk the examiner named (tests).
#[cfg(test)]
pub(crate) fn open(path: &Path) -> Result<VirtualSource, EvidenceError> {
    open_in(path, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virt::testing::{convert, raw_image, same_bytes};
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

    #[test]
    fn vhd_differencing_is_refused_naming_its_parent() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, _) = raw_image(dir.path());
        let Some(base) = convert(&raw, &dir.path().join("base.vhd"), "vpc", "") else {
            return;
        };
        let child = dir.path().join("child.vhd");
        let ok = std::process::Command::new("qemu-img")
            .args(["create", "-q", "-f", "vpc", "-b"])
            .arg(&base)
            .args(["-F", "vpc"])
            .arg(&child)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            // qemu-img cannot write differencing VHDs: build one by hand from
            // the dynamic base (disk type 4 in both footers).
            let mut bytes = std::fs::read(&base).unwrap();
            let n = bytes.len();
            for at in [0, n - 512] {
                bytes[at + 60..at + 64].copy_from_slice(&4u32.to_be_bytes());
                bytes[at + 64..at + 68].copy_from_slice(&[0; 4]);
                let sum = bytes[at..at + 512]
                    .iter()
                    .fold(0u32, |s, b| s.wrapping_add(u32::from(*b)));
                bytes[at + 64..at + 68].copy_from_slice(&(!sum).to_be_bytes());
            }
            std::fs::write(&child, bytes).unwrap();
        }
        let e = open(&child).unwrap_err().to_string();
        assert!(e.contains("differencing VHD"), "{e}");
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
            let mut buf = vec![0u8; 1 << 20];
            let mut failed = false;
            let mut at = 0;
            while at < v.len() {
                match v.read_at(at, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => at += n as u64,
                    Err(e) => {
                        assert!(e.to_string().contains("truncated"), "{e}");
                        failed = true;
                        break;
                    }
                }
            }
            assert!(failed, "a VHD cut in half read to its end");
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
