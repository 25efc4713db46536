//! Virtual-disk containers (VHD, VHDX, VMDK, QCOW2): the media's bytes mapped
//! piece by piece onto one or more files. Each format only says where a media
//! offset lives ([`Layout::span`]); reading, zero-filling of unallocated
//! ranges, decompression (bounded) and its cache are shared here.
//!
//! Unallocated ranges read as zeros, as TSK (libvhdi, libvmdk) and the
//! hypervisors read them. A differencing disk (a snapshot: a child holding
//! only what changed) reads its other bytes from its parent, which must be
//! beside it and, where the format records one, carry the identity the child
//! names; a missing or mismatched parent is an error, never zeros.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::raw::{file_len, open_read_only, pread_full};
use crate::{ContainerKind, EvidenceError, Source};

/// Decompressed blocks kept per source (a block is at most [`MAX_PACKED`]).
const CACHE_BLOCKS: usize = 16;
/// The largest block a format may ask to decompress (VMDK grains and QCOW2
/// clusters are 64 KiB by default, 2 MiB at most).
pub(crate) const MAX_PACKED: u64 = 2 << 20;

/// One file of a virtual disk, opened read-only.
#[derive(Debug)]
pub(crate) struct Backing {
    pub path: PathBuf,
    pub file: File,
    pub len: u64,
}

impl Backing {
    pub(crate) fn open(path: &Path) -> Result<Self, EvidenceError> {
        let file = open_read_only(path)?;
        let len = file_len(&file, path)?;
        Ok(Backing {
            path: path.to_path_buf(),
            file,
            len,
        })
    }

    /// Reads exactly `buf.len()` bytes at `offset`, or fails naming the file
    /// and offset (a table or header cut short: a truncated image).
    pub(crate) fn read_exact(
        &self,
        offset: u64,
        buf: &mut [u8],
        what: &str,
    ) -> Result<(), EvidenceError> {
        let n = pread_full(&self.file, &self.path, offset, buf)?;
        if n < buf.len() {
            return Err(corrupt(
                &self.path,
                offset,
                format!(
                    "{what} ({} bytes) cut short: the file ends at {} (truncated image)",
                    buf.len(),
                    self.len
                ),
            ));
        }
        Ok(())
    }
}

impl Backing {
    /// Reads a table (`len` bytes at `at`) that the file's header places:
    /// one that would run past the end of the file is refused before any
    /// memory is set aside for it (a damaged header cannot make us allocate
    /// more than the file holds). `from` is where the table's position was
    /// read, for the error.
    pub(crate) fn read_table(
        &self,
        at: u64,
        len: u64,
        from: u64,
        what: &str,
    ) -> Result<Vec<u8>, EvidenceError> {
        if at.saturating_add(len) > self.len {
            return Err(corrupt(
                &self.path,
                from,
                format!(
                    "{what} of {len} bytes at offset {at} lies beyond the end of the file ({} bytes): truncated image",
                    self.len
                ),
            ));
        }
        let mut raw = vec![0u8; len as usize];
        self.read_exact(at, &mut raw, what)?;
        Ok(raw)
    }
}

/// Where the bytes at a media offset live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    /// `len` bytes of zeros (never written, or a hole).
    Zero { len: u64 },
    /// `len` bytes stored as they are in file `file` at `at`.
    Stored { file: usize, at: u64, len: u64 },
    /// `len` bytes the child never wrote: its parent's, at the same offset.
    Parent { len: u64 },
    /// A compressed block: `size` bytes at `at` in file `file` inflate to the
    /// media bytes `[start, start + len)`, which hold the offset asked for.
    Packed {
        file: usize,
        at: u64,
        size: u64,
        start: u64,
        len: u64,
        codec: Codec,
    },
}

/// How a packed block is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    /// Deflate with a zlib header (VMDK stream-optimized grains).
    Zlib,
    /// Raw deflate (QCOW2 compressed clusters).
    Deflate,
}

/// A virtual-disk format's map from media offsets to its files.
pub(crate) trait Layout: Send + Sync {
    /// Where the byte at `offset` (< the media length) lives, and how many
    /// bytes from there live the same way (at least 1).
    fn span(&self, files: &[Backing], offset: u64) -> Result<Span, EvidenceError>;
}

/// A virtual disk opened read-only: VHD, VHDX, VMDK or QCOW2.
pub struct VirtualSource {
    kind: ContainerKind,
    format: String,
    name: String,
    files: Vec<Backing>,
    media_len: u64,
    layout: Box<dyn Layout>,
    cache: Mutex<Vec<Inflated>>,
    parent: Option<Box<crate::Evidence>>,
}

/// A decompressed block, keyed by (file, offset of its compressed bytes).
type Inflated = ((usize, u64), Arc<Vec<u8>>);

impl std::fmt::Debug for VirtualSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualSource")
            .field("kind", &self.kind)
            .field("format", &self.format)
            .field("name", &self.name)
            .field("media_len", &self.media_len)
            .finish_non_exhaustive()
    }
}

impl VirtualSource {
    pub(crate) fn new(
        kind: ContainerKind,
        format: impl Into<String>,
        files: Vec<Backing>,
        media_len: u64,
        layout: Box<dyn Layout>,
    ) -> Result<Self, EvidenceError> {
        let first = files.first().map(|b| b.path.clone()).unwrap_or_default();
        if media_len == 0 {
            return Err(EvidenceError::Empty { path: first });
        }
        Ok(VirtualSource {
            kind,
            format: format.into(),
            name: first.display().to_string(),
            files,
            media_len,
            layout,
            cache: Mutex::new(Vec::new()),
            parent: None,
        })
    }

    /// The same disk reading what it never wrote from `parent` (bytes past
    /// the parent's end read as zeros, as when a child grew the disk).
    pub(crate) fn with_parent(mut self, parent: crate::Evidence) -> Self {
        let names = parent.files();
        let first = names
            .first()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.format = format!("{} (snapshot of {first})", self.format);
        self.parent = Some(Box::new(parent));
        self
    }

    /// Opens a virtual disk of the given kind.
    pub fn open(path: impl AsRef<Path>, kind: ContainerKind) -> Result<Self, EvidenceError> {
        Self::open_in_chain(path.as_ref(), kind, 0)
    }

    /// Opens a disk `depth` parents below the one the examiner named.
    pub(crate) fn open_in_chain(
        path: &Path,
        kind: ContainerKind,
        depth: u32,
    ) -> Result<Self, EvidenceError> {
        match kind {
            ContainerKind::Vhd => crate::vhd::open_in(path, depth),
            ContainerKind::Vhdx => crate::vhdx::open_in(path, depth),
            ContainerKind::Vmdk => crate::vmdk::open_in(path, depth),
            ContainerKind::Qcow2 => crate::qcow2::open_in(path, depth),
            other => Err(EvidenceError::Unsupported {
                path: path.to_path_buf(),
                what: format!("{} is not a virtual-disk format", other.name()),
            }),
        }
    }

    /// Which container this is.
    pub fn kind(&self) -> ContainerKind {
        self.kind
    }

    /// The format's own description (e.g. `VHD dynamic`, `VMDK streamOptimized`).
    pub fn format(&self) -> &str {
        &self.format
    }

    /// Every file the disk consists of, in order, then its parents' files.
    pub fn paths(&self) -> Vec<std::path::PathBuf> {
        let mut out: Vec<std::path::PathBuf> = self.files.iter().map(|b| b.path.clone()).collect();
        if let Some(p) = &self.parent {
            out.extend(p.files());
        }
        out
    }

    fn packed(
        &self,
        file: usize,
        at: u64,
        size: u64,
        len: u64,
        codec: Codec,
    ) -> Result<Arc<Vec<u8>>, EvidenceError> {
        if let Ok(cache) = self.cache.lock() {
            if let Some((_, data)) = cache.iter().find(|(k, _)| *k == (file, at)) {
                return Ok(data.clone());
            }
        }
        let b = self.backing(file)?;
        if size > MAX_PACKED + 4096 || len > MAX_PACKED {
            return Err(corrupt(
                &b.path,
                at,
                format!("compressed block of {size} bytes for {len}: implausible"),
            ));
        }
        let mut stored = vec![0u8; size as usize];
        b.read_exact(at, &mut stored, "compressed block")?;
        let mut out = Vec::with_capacity(len as usize);
        let res = match codec {
            Codec::Zlib => flate2::read::ZlibDecoder::new(&stored[..])
                .take(len)
                .read_to_end(&mut out),
            Codec::Deflate => flate2::read::DeflateDecoder::new(&stored[..])
                .take(len)
                .read_to_end(&mut out),
        };
        if let Err(e) = res {
            return Err(corrupt(&b.path, at, format!("compressed block: {e}")));
        }
        // A block that inflates short holds zeros after its end (QCOW2 and
        // VMDK writers may stop at the last non-zero byte).
        out.resize(len as usize, 0);
        let data = Arc::new(out);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_BLOCKS {
                cache.remove(0);
            }
            cache.push(((file, at), data.clone()));
        }
        Ok(data)
    }

    fn backing(&self, file: usize) -> Result<&Backing, EvidenceError> {
        self.files.get(file).ok_or_else(|| EvidenceError::Corrupt {
            path: self
                .files
                .first()
                .map(|b| b.path.clone())
                .unwrap_or_default(),
            offset: 0,
            what: format!("extent {file} does not exist"),
        })
    }
}

impl Source for VirtualSource {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let want = crate::clamp_read(offset, buf.len(), self.media_len);
        let mut done = 0usize;
        while done < want {
            let pos = offset + done as u64;
            let rest = (want - done) as u64;
            let out = &mut buf[done..want];
            let n = match self.layout.span(&self.files, pos)? {
                Span::Zero { len } => {
                    let n = len.clamp(1, rest) as usize;
                    out[..n].fill(0);
                    n
                }
                Span::Parent { len } => {
                    let n = len.clamp(1, rest) as usize;
                    let Some(parent) = &self.parent else {
                        return Err(corrupt(
                            &self.files[0].path,
                            0,
                            format!("media offset {pos} lies in its parent, which was not opened"),
                        ));
                    };
                    let got = parent.read_at(pos, &mut out[..n])?;
                    // A child may be larger than its parent: the rest is zeros.
                    out[got..n].fill(0);
                    n
                }
                Span::Stored { file, at, len } => {
                    let n = len.clamp(1, rest) as usize;
                    let b = self.backing(file)?;
                    let got = pread_full(&b.file, &b.path, at, &mut out[..n])?;
                    if got < n {
                        return Err(corrupt(
                            &b.path,
                            at + got as u64,
                            format!(
                                "data for media offset {} lies beyond the end of the file ({} bytes): truncated image",
                                pos + got as u64,
                                b.len
                            ),
                        ));
                    }
                    n
                }
                Span::Packed {
                    file,
                    at,
                    size,
                    start,
                    len,
                    codec,
                } => {
                    let data = self.packed(file, at, size, len, codec)?;
                    let within = pos.checked_sub(start).filter(|w| *w < len).ok_or_else(|| {
                        corrupt(
                            &self.files[file.min(self.files.len() - 1)].path,
                            at,
                            format!("block at media offset {start} does not hold {pos}"),
                        )
                    })? as usize;
                    let n = (data.len() - within).min(out.len());
                    out[..n].copy_from_slice(&data[within..within + n]);
                    n
                }
            };
            done += n;
        }
        Ok(done)
    }

    fn len(&self) -> u64 {
        self.media_len
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// Parents deeper than this are refused (a chain that names itself would
/// otherwise never end).
pub(crate) const MAX_CHAIN: u32 = 64;

/// Opens the parent a differencing disk at `child` names (`hint`, as the
/// child records it: relative, or an absolute path from the machine it was
/// made on). The parent must be beside the child: the hint relative to the
/// child's folder, else its file name there — never a file elsewhere on the
/// examiner's machine.
pub(crate) fn open_parent(
    child: &Path,
    hint: &str,
    depth: u32,
) -> Result<crate::Evidence, EvidenceError> {
    if depth >= MAX_CHAIN {
        return Err(corrupt(
            child,
            0,
            format!("more than {MAX_CHAIN} parent disks in the chain (does it name itself?)"),
        ));
    }
    let dir = child.parent().unwrap_or_else(|| Path::new("."));
    let unix = hint.replace('\\', "/");
    let name = unix.rsplit('/').next().unwrap_or(&unix).to_string();
    let mut tried = Vec::new();
    let relative = Path::new(&unix);
    if relative.is_relative() && !unix.contains(':') {
        tried.push(dir.join(relative));
    }
    tried.push(dir.join(&name));
    let Some(path) = tried.iter().find(|p| p.is_file()) else {
        return Err(EvidenceError::MissingSegment {
            path: child.to_path_buf(),
            expected: format!(
                "its parent disk {hint:?} (a snapshot holds only what changed: put the parent beside it as {name:?})"
            ),
        });
    };
    if path.canonicalize().ok() == child.canonicalize().ok() {
        return Err(corrupt(child, 0, "the disk names itself as its parent"));
    }
    let kind = ContainerKind::detect(path)?;
    Ok(match kind {
        ContainerKind::Vhd | ContainerKind::Vhdx | ContainerKind::Vmdk | ContainerKind::Qcow2 => {
            crate::Evidence::Virtual(VirtualSource::open_in_chain(path, kind, depth + 1)?)
        }
        other => crate::open_as(path, other)?,
    })
}

/// A run of sectors in the same state is looked for this far at most (a
/// shorter span is still correct; this bounds the work per span).
const MAX_RUN_SECTORS: u64 = 8192;

/// The order of a sector bitmap's bits within a byte: VHD counts from the
/// most significant bit, VHDX from the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BitOrder {
    MsbFirst,
    LsbFirst,
}

/// Whether sector `first` of a differencing disk's block is the child's
/// (its bit set in `map`), and the sector after the run of sectors in that
/// same state (at most `sectors`, the block's end, and [`MAX_RUN_SECTORS`]
/// past `first`).
pub(crate) fn bitmap_run(map: &[u8], first: u64, sectors: u64, order: BitOrder) -> (bool, u64) {
    let bit = |s: u64| {
        let shift = match order {
            BitOrder::MsbFirst => 7 - s % 8,
            BitOrder::LsbFirst => s % 8,
        };
        map.get((s / 8) as usize)
            .is_some_and(|b| (b >> shift) & 1 == 1)
    };
    let state = bit(first);
    let whole = if state { 0xFF } else { 0x00 };
    let limit = sectors.min(first.saturating_add(MAX_RUN_SECTORS));
    let mut s = first + 1;
    while s < limit {
        if s.is_multiple_of(8) && s + 8 <= limit && map.get((s / 8) as usize) == Some(&whole) {
            s += 8;
            continue;
        }
        if bit(s) != state {
            break;
        }
        s += 1;
    }
    (state, s.max(first + 1))
}

/// The first file of `parent`, opened, and its name, if the parent is a
/// disk of `kind`; otherwise an error at `at` in `child` saying what it is
/// instead (`taken`: "the disk this snapshot was taken of").
pub(crate) fn parent_of_kind(
    child: &Path,
    at: u64,
    parent: &crate::Evidence,
    kind: ContainerKind,
    taken: &str,
) -> Result<(Backing, String), EvidenceError> {
    let files = parent.files();
    let name = files
        .first()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    match files.first().filter(|_| parent.kind() == kind) {
        Some(first) => Ok((Backing::open(first)?, name)),
        None => Err(corrupt(
            child,
            at,
            format!(
                "parent {name} is a {} image, not a {}: not {taken}",
                parent.kind().name(),
                kind.name().to_uppercase()
            ),
        )),
    }
}

pub(crate) fn corrupt(path: &Path, offset: u64, what: impl Into<String>) -> EvidenceError {
    EvidenceError::Corrupt {
        path: path.to_path_buf(),
        offset,
        what: what.into(),
    }
}

pub(crate) fn unsupported(path: &Path, what: impl Into<String>) -> EvidenceError {
    EvidenceError::Unsupported {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

pub(crate) fn le_u16(b: &[u8], at: usize) -> u16 {
    let mut a = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        a.copy_from_slice(s);
    }
    u16::from_le_bytes(a)
}

pub(crate) fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

pub(crate) fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

pub(crate) fn be_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_be_bytes(a)
}

pub(crate) fn be_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_be_bytes(a)
}

/// Helpers for tests: virtual disks made by `qemu-img convert` from a raw
/// image of known content, compared byte for byte.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use crate::Source;

    /// A 40 MiB raw image: runs of patterned data with holes between them
    /// (so that sparse formats leave blocks unallocated), and a tail that
    /// ends off any block boundary.
    pub fn raw_image(dir: &Path) -> (PathBuf, Vec<u8>) {
        let mut data = vec![0u8; 40 << 20];
        let mut x: u32 = 12345;
        for (i, chunk) in data.chunks_mut(1 << 20).enumerate() {
            if i % 3 == 1 {
                continue; // a hole
            }
            for (j, b) in chunk.iter_mut().enumerate() {
                if i % 3 == 2 && j % 4096 < 2048 {
                    continue; // half-zero pages, compressible
                }
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                *b = (x >> 16) as u8;
            }
        }
        let path = dir.join("disk.raw");
        std::fs::write(&path, &data).expect("write raw");
        (path, data)
    }

    /// `qemu-img convert -O FORMAT [-o OPTIONS] raw out`, or `None` (the test
    /// then says it skipped) where qemu-img is missing.
    pub fn convert(raw: &Path, out: &Path, format: &str, options: &str) -> Option<PathBuf> {
        let mut c = Command::new("qemu-img");
        c.args(["convert", "-q", "-f", "raw", "-O", format]);
        if !options.is_empty() {
            c.args(["-o", options]);
        }
        let status = c.arg(raw).arg(out).status();
        match status {
            Ok(s) if s.success() => Some(out.to_path_buf()),
            Ok(s) => panic!("qemu-img convert to {format} ({options}) failed: {s}"),
            Err(_) => {
                eprintln!("SKIP: qemu-img not installed");
                None
            }
        }
    }

    /// Reads the whole source; the first error, if any (a read that returns
    /// nothing before the end is a failure of the reader under test).
    pub fn read_all(src: &dyn Source) -> Result<(), crate::EvidenceError> {
        let mut buf = vec![0u8; 1 << 20];
        let mut at = 0u64;
        while at < src.len() {
            let n = src.read_at(at, &mut buf)?;
            assert!(n > 0, "short read at {at}");
            at += n as u64;
        }
        Ok(())
    }

    /// Reads the whole source in uneven pieces (crossing every block
    /// boundary) and compares it with the expected bytes.
    pub fn same_bytes(src: &dyn Source, expected: &[u8]) {
        assert_eq!(src.len(), expected.len() as u64, "media length");
        let mut at = 0u64;
        let mut buf = vec![0u8; 300_001];
        while at < src.len() {
            let n = src.read_at(at, &mut buf).expect("read");
            assert!(n > 0, "short read at {at}");
            assert!(
                buf[..n] == expected[at as usize..at as usize + n],
                "bytes differ in the {n} bytes at {at}"
            );
            at += n as u64;
        }
        let mut one = [0u8; 1];
        assert_eq!(src.read_at(src.len(), &mut one).expect("read at end"), 0);
    }
}
