//! VMware VMDK virtual disks: hosted sparse extents (`KDMV`, including
//! stream-optimized ones whose grains are zlib-compressed), flat extents, and
//! the text descriptors that join extents into one disk (monolithicFlat,
//! twoGbMaxExtent…, VMFS). The layout follows VMware's "Virtual Disk Format
//! 5.0" and what QEMU and libvmdk read.
//!
//! Differencing disks (snapshots: `parentCID` set) read what they never
//! wrote from the parent their `parentFileNameHint` names, found beside them;
//! the parent's `CID` must be the child's `parentCID` (else the parent changed
//! after the snapshot, and the disk read would be one that never existed).
//! ESX redo logs (`COWD`), SEsparse extents and raw device mappings are
//! refused with a clear error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::virt::{
    corrupt, le_u16, le_u32, le_u64, open_parent, unsupported, Backing, Codec, Layout, Span,
    VirtualSource, MAX_PACKED,
};
use crate::{ContainerKind, EvidenceError};

const SECTOR: u64 = 512;
const MAGIC_SPARSE: &[u8; 4] = b"KDMV";
const MAGIC_COWD: &[u8; 4] = b"COWD";
/// A stream-optimized header's gdOffset when the real header is the footer.
const GD_AT_END: u64 = u64::MAX;
const FLAG_NEWLINE_TEST: u32 = 1;
const FLAG_ZEROED_GTE: u32 = 1 << 2;
const FLAG_COMPRESSED: u32 = 1 << 16;
const COMPRESS_DEFLATE: u16 = 1;
const MARKER_FOOTER: u32 = 3;
/// The footer of a stream: footer marker, header copy, end-of-stream marker.
const FOOTER_LEN: u64 = 3 * SECTOR;
/// Grain-marker head before the compressed bytes: LBA (u64) and size (u32).
const GRAIN_MARKER_LEN: u64 = 12;
/// Largest disk accepted, in sectors (128 PiB; VMDK itself stops at 62 TiB).
const MAX_CAPACITY: u64 = 1 << 48;
/// The format fixes 512 entries per grain table; fewer is tolerated.
const MAX_GTES: u64 = 512;
/// Descriptors are a few KiB of text.
const MAX_DESCRIPTOR: u64 = 1 << 20;
const MAX_EXTENTS: usize = 1 << 16;
/// Grain tables kept for the whole disk (at most 2 KiB each).
const CACHE_TABLES: usize = 4096;
const MAX_HINT: usize = 256;
/// The `parentCID` of a disk without a parent.
const CID_NOPARENT: &str = "ffffffff";

/// Opens a VMDK image read-only: a sparse file (monolithicSparse,
/// streamOptimized, or one sparse extent) or a text descriptor. `depth` is
/// how many parents below the disk the examiner named this one is.
pub(crate) fn open_in(path: &Path, depth: u32) -> Result<VirtualSource, EvidenceError> {
    let b = Backing::open(path)?;
    if b.len == 0 {
        return Err(EvidenceError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut magic = [0u8; 4];
    if b.len >= 4 {
        b.read_exact(0, &mut magic, "signature")?;
    }
    if &magic == MAGIC_SPARSE {
        open_monolithic(b, depth)
    } else if &magic == MAGIC_COWD {
        Err(cowd(path))
    } else {
        open_descriptor(b, depth)
    }
}

fn cowd(path: &Path) -> EvidenceError {
    unsupported(
        path,
        "ESX sparse extent (COWD, vmfsSparse): a snapshot redo log, not read; open the base disk, or a consolidated copy",
    )
}

/// A single sparse file: its header gives the capacity; its embedded
/// descriptor (if any) names the parent of a snapshot.
fn open_monolithic(b: Backing, depth: u32) -> Result<VirtualSource, EvidenceError> {
    let info = open_sparse(&b, 0)?;
    let d = info
        .descriptor
        .as_deref()
        .map(Descriptor::parse)
        .unwrap_or_default();
    let parent_cid = parent_cid(&b.path, &d)?;
    let create_type = d.create_type;
    let derived = if info.map.compressed {
        "streamOptimized"
    } else {
        "monolithicSparse"
    };
    let format = format!("VMDK {}", create_type.as_deref().unwrap_or(derived));
    let media_len = info.capacity * SECTOR;
    let layout = VmdkLayout::new(
        vec![Extent {
            start: 0,
            len: media_len,
            map: Map::Sparse(info.map),
        }],
        parent_cid.is_some(),
    );
    let path = b.path.clone();
    let disk = VirtualSource::new(
        ContainerKind::Vmdk,
        format,
        vec![b],
        media_len,
        Box::new(layout),
    )?;
    with_parent(disk, &path, parent_cid, d.parent_hint.as_deref(), depth)
}

/// The text of a descriptor file, or an error saying the file is none.
fn descriptor_text(b: &Backing) -> Result<String, EvidenceError> {
    let not_vmdk = || {
        corrupt(
            &b.path,
            0,
            "neither a sparse extent (no KDMV signature) nor a text descriptor",
        )
    };
    if b.len > MAX_DESCRIPTOR {
        return Err(not_vmdk());
    }
    let mut raw = vec![0u8; b.len as usize];
    b.read_exact(0, &mut raw, "descriptor")?;
    let text = text_until_nul(&raw);
    if !text.contains("# Disk DescriptorFile") && !text.contains("createType") {
        return Err(not_vmdk());
    }
    Ok(text)
}

/// A text descriptor naming its extents, which concatenate into the disk.
fn open_descriptor(b: Backing, depth: u32) -> Result<VirtualSource, EvidenceError> {
    let path = b.path.clone();
    let text = descriptor_text(&b)?;
    let d = Descriptor::parse(&text);
    let parent_cid = parent_cid(&path, &d)?;
    if let Some(t) = &d.create_type {
        let raw_device = [
            "fullDevice",
            "partitionedDevice",
            "vmfsRaw",
            "vmfsRawDeviceMap",
            "vmfsPassthroughRawDeviceMap",
        ];
        if raw_device.iter().any(|r| r.eq_ignore_ascii_case(t)) {
            return Err(unsupported(
                &path,
                format!("raw device mapping (createType {t}): the extents are a device of the original host; image that device instead"),
            ));
        }
    }
    if d.extents.is_empty() {
        return Err(corrupt(&path, 0, "the descriptor lists no extents"));
    }
    if d.extents.len() > MAX_EXTENTS {
        return Err(corrupt(
            &path,
            0,
            format!(
                "the descriptor lists {} extents: implausible",
                d.extents.len()
            ),
        ));
    }
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut files = vec![b];
    let mut extents = Vec::new();
    let mut start = 0u64;
    for (at, tokens) in &d.extents {
        let line = ExtentLine::parse(tokens).map_err(|e| corrupt(&path, *at, e))?;
        if line.access.eq_ignore_ascii_case("NOACCESS") {
            return Err(unsupported(
                &path,
                "NOACCESS extent: its contents are not part of the disk",
            ));
        }
        let len = line.sectors * SECTOR;
        let map = match line.kind.to_ascii_uppercase().as_str() {
            "ZERO" => Map::Zero,
            "FLAT" | "VMFS" => {
                let ext = open_extent(&path, &dir, &line, *at)?;
                files.push(ext);
                Map::Flat {
                    file: files.len() - 1,
                    at: line.offset * SECTOR,
                }
            }
            "SPARSE" | "VMFSSPARSE" => {
                let ext = open_extent(&path, &dir, &line, *at)?;
                let mut magic = [0u8; 4];
                if ext.len >= 4 {
                    ext.read_exact(0, &mut magic, "signature")?;
                }
                if &magic == MAGIC_COWD {
                    return Err(cowd(&ext.path));
                }
                let info = open_sparse(&ext, files.len())?;
                if let Some(text) = &info.descriptor {
                    let inner = Descriptor::parse(text);
                    if parent_cid.is_none() && parent_cid_of(&inner).is_some() {
                        return Err(corrupt(
                            &ext.path,
                            0,
                            format!(
                                "this extent's own descriptor makes it a snapshot (parentCID {}), while {} names no parent: mixed-up files",
                                inner.parent_cid.as_deref().map(printable).unwrap_or_default(),
                                path.display()
                            ),
                        ));
                    }
                }
                if info.capacity < line.sectors {
                    return Err(corrupt(
                        &ext.path,
                        12,
                        format!(
                            "sparse extent of {} sectors where the descriptor gives it {} (the wrong file, or a damaged one)",
                            info.capacity, line.sectors
                        ),
                    ));
                }
                files.push(ext);
                Map::Sparse(info.map)
            }
            "SESPARSE" => {
                return Err(unsupported(
                    &path,
                    "SEsparse extent (an ESXi snapshot): open the base disk, or a consolidated copy",
                ))
            }
            "VMFSRDM" | "VMFSRAW" => {
                return Err(unsupported(
                    &path,
                    "raw device mapping extent: it is a device of the original host; image that device instead",
                ))
            }
            other => {
                return Err(unsupported(
                    &path,
                    format!("extent type {}", printable(other)),
                ))
            }
        };
        if len == 0 {
            continue;
        }
        extents.push(Extent { start, len, map });
        start = start
            .checked_add(len)
            .filter(|s| *s <= MAX_CAPACITY * SECTOR)
            .ok_or_else(|| corrupt(&path, *at, "extents add up to more than 2^48 sectors"))?;
    }
    let format = format!("VMDK {}", d.create_type.as_deref().unwrap_or("descriptor"));
    let disk = VirtualSource::new(
        ContainerKind::Vmdk,
        format,
        files,
        start,
        Box::new(VmdkLayout::new(extents, parent_cid.is_some())),
    )?;
    with_parent(disk, &path, parent_cid, d.parent_hint.as_deref(), depth)
}

/// Opens an extent named by a descriptor, beside it. Absolute names are
/// refused: they would read this machine's file, not the evidence's.
fn open_extent(
    desc: &Path,
    dir: &Path,
    line: &ExtentLine,
    at: u64,
) -> Result<Backing, EvidenceError> {
    let Some(name) = line.name.as_deref().filter(|n| !n.is_empty()) else {
        return Err(corrupt(desc, at, "extent line without a file name"));
    };
    if Path::new(name).is_absolute() {
        return Err(unsupported(
            desc,
            format!(
                "extent named by an absolute path ({}): copy it beside the descriptor and name it relatively in a copy of the descriptor",
                printable(name)
            ),
        ));
    }
    let p: PathBuf = dir.join(name);
    Backing::open(&p).map_err(|e| match e {
        EvidenceError::NotFound { .. } => EvidenceError::MissingSegment {
            path: desc.to_path_buf(),
            expected: printable(name),
        },
        e => e,
    })
}

/// The child's `parentCID` when the descriptor makes the disk a snapshot
/// (one other than `ffffffff`).
fn parent_cid_of(d: &Descriptor) -> Option<&str> {
    d.parent_cid
        .as_deref()
        .filter(|c| !c.eq_ignore_ascii_case(CID_NOPARENT))
}

/// The CID of the parent a snapshot was taken of, or `None` for a disk
/// without a parent. A descriptor naming a parent file while its `parentCID`
/// says it has none is refused: which of the two is right cannot be told.
fn parent_cid(path: &Path, d: &Descriptor) -> Result<Option<u32>, EvidenceError> {
    let hint = d.parent_hint.as_deref().filter(|h| !h.is_empty());
    let Some(cid) = parent_cid_of(d) else {
        if let Some(h) = hint {
            return Err(corrupt(
                path,
                0,
                format!(
                    "the descriptor names a parent disk ({}) but its parentCID says it has none: a damaged or edited descriptor",
                    printable(h)
                ),
            ));
        }
        return Ok(None);
    };
    let value = parse_cid(cid).ok_or_else(|| {
        corrupt(
            path,
            0,
            format!("parentCID {}: not a hexadecimal CID", printable(cid)),
        )
    })?;
    if hint.is_none() {
        return Err(corrupt(
            path,
            0,
            format!(
                "differencing VMDK (a snapshot of the disk with CID {}) whose parent is not named (no parentFileNameHint): open the parent image, or a consolidated copy",
                printable(cid)
            ),
        ));
    }
    Ok(Some(value))
}

fn parse_cid(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 8 {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// Joins a snapshot to its parent (`hint`, beside `path`), after checking
/// that the parent is the disk the snapshot was taken of.
fn with_parent(
    disk: VirtualSource,
    path: &Path,
    parent_cid: Option<u32>,
    hint: Option<&str>,
    depth: u32,
) -> Result<VirtualSource, EvidenceError> {
    let (Some(want), Some(hint)) = (parent_cid, hint) else {
        return Ok(disk);
    };
    let parent = open_parent(path, hint, depth)?;
    if parent.kind() == ContainerKind::Vmdk {
        if let Some(first) = parent.files().first() {
            let cid = recorded_cid(first)?;
            if cid.as_deref().and_then(parse_cid) != Some(want) {
                let what = match cid {
                    Some(c) => format!(
                        "parentCID {want:08x} does not match the CID {} of parent {}: the parent was changed after this snapshot was taken, or is another disk",
                        printable(&c),
                        first.display()
                    ),
                    None => format!(
                        "parentCID {want:08x}, but parent {} records no CID: it cannot be told to be the disk this snapshot was taken of",
                        first.display()
                    ),
                };
                return Err(corrupt(path, 0, what));
            }
        }
    }
    Ok(disk.with_parent(parent))
}

/// The `CID` in the descriptor of a VMDK file: a text descriptor, or the one
/// embedded in a sparse extent.
fn recorded_cid(path: &Path) -> Result<Option<String>, EvidenceError> {
    let b = Backing::open(path)?;
    let mut magic = [0u8; 4];
    if b.len >= 4 {
        b.read_exact(0, &mut magic, "signature")?;
    }
    let text = if &magic == MAGIC_SPARSE {
        open_sparse(&b, 0)?.descriptor
    } else {
        Some(descriptor_text(&b)?)
    };
    Ok(text.and_then(|t| Descriptor::parse(&t).cid))
}

/// Text from the file, safe to put in a message: control characters out,
/// length bounded.
fn printable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_HINT)
        .collect()
}

fn text_until_nul(raw: &[u8]) -> String {
    let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(raw.get(..end).unwrap_or_default()).into_owned()
}

/// The parts of a descriptor this reader uses.
#[derive(Debug, Default)]
struct Descriptor {
    create_type: Option<String>,
    cid: Option<String>,
    parent_cid: Option<String>,
    parent_hint: Option<String>,
    /// Extent lines: byte offset in the text, and the line's words.
    extents: Vec<(u64, Vec<String>)>,
}

impl Descriptor {
    fn parse(text: &str) -> Descriptor {
        let mut d = Descriptor::default();
        let mut at = 0u64;
        for raw in text.split('\n') {
            let line_at = at;
            at += raw.len() as u64 + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words = words(line);
            let first = words.first().map(String::as_str).unwrap_or_default();
            if ["RW", "RDONLY", "NOACCESS"]
                .iter()
                .any(|a| a.eq_ignore_ascii_case(first))
            {
                if d.extents.len() <= MAX_EXTENTS {
                    d.extents.push((line_at, words));
                }
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"').to_string();
            let key = key.trim();
            if key.eq_ignore_ascii_case("createType") {
                d.create_type = Some(printable(&value)).filter(|v| !v.is_empty());
            } else if key.eq_ignore_ascii_case("CID") {
                d.cid = Some(value);
            } else if key.eq_ignore_ascii_case("parentCID") {
                d.parent_cid = Some(value);
            } else if key.eq_ignore_ascii_case("parentFileNameHint") {
                d.parent_hint = Some(value);
            }
        }
        d
    }
}

/// Splits at whitespace outside double quotes (file names may hold spaces).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut open = false;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
            open = true;
        } else if c.is_whitespace() && !quoted {
            if open {
                out.push(std::mem::take(&mut cur));
                open = false;
            }
        } else {
            cur.push(c);
            open = true;
        }
    }
    if open {
        out.push(cur);
    }
    out
}

/// `ACCESS SECTORS TYPE ["NAME" [OFFSET]]`.
#[derive(Debug)]
struct ExtentLine {
    access: String,
    sectors: u64,
    kind: String,
    name: Option<String>,
    offset: u64,
}

impl ExtentLine {
    fn parse(words: &[String]) -> Result<ExtentLine, String> {
        let access = words.first().cloned().unwrap_or_default();
        let sectors = words
            .get(1)
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|s| *s <= MAX_CAPACITY)
            .ok_or_else(|| "extent line without a plausible size in sectors".to_string())?;
        let kind = words
            .get(2)
            .cloned()
            .ok_or_else(|| "extent line without a type".to_string())?;
        let offset = match words.get(4) {
            Some(s) => s
                .parse::<u64>()
                .ok()
                .filter(|o| *o <= MAX_CAPACITY)
                .ok_or_else(|| {
                    format!(
                        "extent offset {:?}: not a plausible sector number",
                        printable(s)
                    )
                })?,
            None => 0,
        };
        Ok(ExtentLine {
            access,
            sectors,
            kind,
            name: words.get(3).cloned(),
            offset,
        })
    }
}

/// A hosted sparse extent's map: grain directory → grain tables → grains.
#[derive(Debug)]
struct Sparse {
    file: usize,
    /// Grain size in bytes.
    grain: u64,
    grain_sectors: u64,
    gtes: u64,
    /// Byte offset of the grain directory and its number of entries.
    gd_at: u64,
    gd_len: u64,
    compressed: bool,
    zeroed_gte: bool,
}

struct SparseInfo {
    map: Sparse,
    capacity: u64,
    descriptor: Option<String>,
}

/// Reads and checks a `KDMV` header (for a stream whose grain directory is
/// at the end, the footer's copy); every size is checked against the file.
fn open_sparse(b: &Backing, file: usize) -> Result<SparseInfo, EvidenceError> {
    let path = b.path.as_path();
    let mut head = [0u8; SECTOR as usize];
    b.read_exact(0, &mut head, "sparse extent header")?;
    if head.get(..4) != Some(&MAGIC_SPARSE[..]) {
        return Err(corrupt(path, 0, "no KDMV signature: not a sparse extent"));
    }
    check_header(path, 0, &head)?;
    let mut header_at = 0u64;
    if le_u64(&head, 56) == GD_AT_END {
        let end = b.len / SECTOR * SECTOR;
        let stream_cut = || {
            corrupt(
                path,
                b.len,
                "stream-optimized VMDK whose footer (grain directory and header copy) is missing: the stream was cut short (truncated image)",
            )
        };
        let at = end
            .checked_sub(FOOTER_LEN)
            .filter(|a| *a >= SECTOR)
            .ok_or_else(stream_cut)?;
        let mut footer = [0u8; FOOTER_LEN as usize];
        b.read_exact(at, &mut footer, "stream footer")?;
        let marker_ok = le_u32(&footer, 8) == 0 && le_u32(&footer, 12) == MARKER_FOOTER;
        let eos_ok = footer
            .get(1024..1040)
            .is_some_and(|s| s.iter().all(|x| *x == 0));
        if !marker_ok || !eos_ok || footer.get(512..516) != Some(&MAGIC_SPARSE[..]) {
            return Err(stream_cut());
        }
        head.copy_from_slice(footer.get(512..1024).unwrap_or(&[0u8; 512]));
        header_at = at + SECTOR;
        check_header(path, header_at, &head)?;
        if le_u64(&head, 56) == GD_AT_END {
            return Err(corrupt(
                path,
                header_at + 56,
                "the footer's header copy has no grain directory either",
            ));
        }
    }
    let flags = le_u32(&head, 8);
    let capacity = le_u64(&head, 12);
    let grain_sectors = le_u64(&head, 20);
    let desc_offset = le_u64(&head, 28);
    let desc_size = le_u64(&head, 36);
    let gtes = u64::from(le_u32(&head, 44));
    let gd = le_u64(&head, 56);
    let algorithm = le_u16(&head, 77);
    if capacity > MAX_CAPACITY {
        return Err(corrupt(
            path,
            header_at + 12,
            format!("capacity of {capacity} sectors: implausible"),
        ));
    }
    if grain_sectors == 0 || grain_sectors.saturating_mul(SECTOR) > MAX_PACKED {
        return Err(corrupt(
            path,
            header_at + 20,
            format!(
                "grain of {grain_sectors} sectors (at most {} accepted)",
                MAX_PACKED / SECTOR
            ),
        ));
    }
    if gtes == 0 || gtes > MAX_GTES {
        return Err(corrupt(
            path,
            header_at + 44,
            format!("{gtes} entries per grain table (the format uses {MAX_GTES})"),
        ));
    }
    let compressed = flags & FLAG_COMPRESSED != 0 || algorithm == COMPRESS_DEFLATE;
    if compressed && algorithm != COMPRESS_DEFLATE {
        return Err(unsupported(
            path,
            format!("compressed grains with compression algorithm {algorithm} (only deflate is defined)"),
        ));
    }
    let gd_len = capacity.div_ceil(grain_sectors * gtes);
    // Checked against the file, so that a directory of 2^40 entries is
    // refused here rather than walked.
    let gd_at = gd
        .checked_mul(SECTOR)
        .filter(|a| *a != 0 && a.checked_add(gd_len * 4).is_some_and(|end| end <= b.len))
        .ok_or_else(|| {
            corrupt(
                path,
                header_at + 56,
                format!(
                    "grain directory of {gd_len} entries at sector {gd} does not fit in the file ({} bytes): truncated or damaged",
                    b.len
                ),
            )
        })?;
    let mut descriptor = None;
    if desc_offset != 0 && desc_size != 0 {
        let at = desc_offset
            .checked_mul(SECTOR)
            .filter(|a| *a < b.len)
            .ok_or_else(|| {
                corrupt(
                    path,
                    header_at + 28,
                    format!(
                        "embedded descriptor at sector {desc_offset}: beyond the end of the file"
                    ),
                )
            })?;
        let len = desc_size
            .saturating_mul(SECTOR)
            .min(MAX_DESCRIPTOR)
            .min(b.len - at);
        let mut raw = vec![0u8; len as usize];
        b.read_exact(at, &mut raw, "embedded descriptor")?;
        descriptor = Some(text_until_nul(&raw));
    }
    Ok(SparseInfo {
        map: Sparse {
            file,
            grain: grain_sectors * SECTOR,
            grain_sectors,
            gtes,
            gd_at,
            gd_len,
            compressed,
            zeroed_gte: flags & FLAG_ZEROED_GTE != 0,
        },
        capacity,
        descriptor,
    })
}

/// Version, and the newline bytes a text-mode (ASCII) transfer alters.
fn check_header(path: &Path, at: u64, head: &[u8]) -> Result<(), EvidenceError> {
    let version = le_u32(head, 4);
    if !(1..=3).contains(&version) {
        return Err(unsupported(
            path,
            format!("sparse VMDK version {version} (1 to 3 are read)"),
        ));
    }
    if le_u32(head, 8) & FLAG_NEWLINE_TEST != 0 && head.get(73..77) != Some(&b"\n \r\n"[..]) {
        return Err(corrupt(
            path,
            at + 73,
            "newline check bytes altered: the file went through a text-mode (ASCII) transfer",
        ));
    }
    Ok(())
}

#[derive(Debug)]
enum Map {
    Zero,
    Flat { file: usize, at: u64 },
    Sparse(Sparse),
}

#[derive(Debug)]
struct Extent {
    /// Media byte offset and length.
    start: u64,
    len: u64,
    map: Map,
}

/// One grain table's entries (sector numbers of grains).
type Table = Arc<Vec<u32>>;

struct VmdkLayout {
    extents: Vec<Extent>,
    /// A snapshot: what it never wrote is its parent's, not zeros.
    has_parent: bool,
    /// Grain tables by (extent, directory index), loaded as needed; an empty
    /// table is an unallocated one.
    tables: Mutex<HashMap<(usize, u64), Table>>,
}

impl VmdkLayout {
    fn new(extents: Vec<Extent>, has_parent: bool) -> Self {
        VmdkLayout {
            extents,
            has_parent,
            tables: Mutex::new(HashMap::new()),
        }
    }

    fn table(
        &self,
        b: &Backing,
        extent: usize,
        s: &Sparse,
        index: u64,
    ) -> Result<Table, EvidenceError> {
        if let Ok(cache) = self.tables.lock() {
            if let Some(t) = cache.get(&(extent, index)) {
                return Ok(t.clone());
            }
        }
        if index >= s.gd_len {
            return Err(corrupt(
                &b.path,
                s.gd_at,
                format!(
                    "grain table {index} beyond the directory's {} entries",
                    s.gd_len
                ),
            ));
        }
        let gde_at = s.gd_at + index * 4;
        let mut gde = [0u8; 4];
        b.read_exact(gde_at, &mut gde, "grain directory entry")?;
        let sector = u64::from(u32::from_le_bytes(gde));
        let table = if sector == 0 {
            Vec::new()
        } else {
            let at = sector * SECTOR;
            let what = format!("grain table {index} (sector {sector})");
            let raw = b.read_table(at, s.gtes * 4, gde_at, &what)?;
            raw.chunks_exact(4).map(|c| le_u32(c, 0)).collect()
        };
        let table = Arc::new(table);
        if let Ok(mut cache) = self.tables.lock() {
            if cache.len() >= CACHE_TABLES {
                if let Some(k) = cache.keys().next().copied() {
                    cache.remove(&k);
                }
            }
            cache.insert((extent, index), table.clone());
        }
        Ok(table)
    }

    /// `len` bytes never written: the parent's in a snapshot, else zeros.
    fn unwritten(&self, len: u64) -> Span {
        if self.has_parent {
            Span::Parent { len }
        } else {
            Span::Zero { len }
        }
    }

    fn sparse_span(
        &self,
        files: &[Backing],
        extent: usize,
        e: &Extent,
        s: &Sparse,
        rel: u64,
    ) -> Result<Span, EvidenceError> {
        let b = backing(files, s.file)?;
        let grain_index = rel / s.grain;
        let grain_start = grain_index * s.grain;
        let grain_end = (grain_start + s.grain).min(e.len);
        let gt_index = grain_index / s.gtes;
        let table = self.table(b, extent, s, gt_index)?;
        if table.is_empty() {
            // A whole grain table unallocated.
            let end = ((gt_index + 1) * s.gtes * s.grain).min(e.len);
            return Ok(self.unwritten(end - rel));
        }
        let gte = table
            .get((grain_index % s.gtes) as usize)
            .copied()
            .unwrap_or(0);
        if gte == 0 {
            return Ok(self.unwritten(grain_end - rel));
        }
        if gte == 1 && s.zeroed_gte {
            // Explicitly zeroed, even in a snapshot.
            return Ok(Span::Zero {
                len: grain_end - rel,
            });
        }
        let at = u64::from(gte) * SECTOR;
        if !s.compressed {
            return Ok(Span::Stored {
                file: s.file,
                at: at + (rel - grain_start),
                len: grain_end - rel,
            });
        }
        let mut marker = [0u8; GRAIN_MARKER_LEN as usize];
        b.read_exact(at, &mut marker, "compressed grain marker")?;
        let lba = le_u64(&marker, 0);
        let size = u64::from(le_u32(&marker, 8));
        if lba != grain_index * s.grain_sectors {
            return Err(corrupt(
                &b.path,
                at,
                format!(
                    "compressed grain for sector {} says it holds sector {lba}",
                    grain_index * s.grain_sectors
                ),
            ));
        }
        if size == 0 || size > MAX_PACKED + 4096 {
            return Err(corrupt(
                &b.path,
                at + 8,
                format!("compressed grain of {size} bytes: implausible"),
            ));
        }
        if (at + GRAIN_MARKER_LEN).saturating_add(size) > b.len {
            return Err(corrupt(
                &b.path,
                at,
                format!(
                    "compressed grain of {size} bytes runs past the end of the file ({} bytes): truncated image",
                    b.len
                ),
            ));
        }
        Ok(Span::Packed {
            file: s.file,
            at: at + GRAIN_MARKER_LEN,
            size,
            start: e.start + grain_start,
            len: grain_end - grain_start,
            codec: Codec::Zlib,
        })
    }
}

fn backing(files: &[Backing], i: usize) -> Result<&Backing, EvidenceError> {
    files.get(i).ok_or_else(|| {
        corrupt(
            files
                .first()
                .map(|b| b.path.as_path())
                .unwrap_or(Path::new("")),
            0,
            format!("extent file {i} is not open"),
        )
    })
}

impl Layout for VmdkLayout {
    fn span(&self, files: &[Backing], offset: u64) -> Result<Span, EvidenceError> {
        let i = self.extents.partition_point(|e| e.start + e.len <= offset);
        let e = self
            .extents
            .get(i)
            .filter(|e| e.start <= offset)
            .ok_or_else(|| {
                corrupt(
                    files
                        .first()
                        .map(|b| b.path.as_path())
                        .unwrap_or(Path::new("")),
                    0,
                    format!("media offset {offset} is in no extent"),
                )
            })?;
        let rel = offset - e.start;
        match &e.map {
            Map::Zero => Ok(Span::Zero { len: e.len - rel }),
            Map::Flat { file, at } => Ok(Span::Stored {
                file: *file,
                at: at.saturating_add(rel),
                len: e.len - rel,
            }),
            Map::Sparse(s) => self.sparse_span(files, i, e, s, rel),
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
    use crate::virt::testing::{convert, raw_image, read_all, same_bytes};
    use crate::Source;
    use std::io::Write;

    fn converted(subformat: &str) {
        let dir = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(dir.path());
        let out = dir.path().join("disk.vmdk");
        let Some(path) = convert(&raw, &out, "vmdk", &format!("subformat={subformat}")) else {
            return;
        };
        let src = open(&path).unwrap();
        assert_eq!(src.kind(), ContainerKind::Vmdk);
        assert_eq!(src.format(), format!("VMDK {subformat}"));
        same_bytes(&src, &data);
        let ev = crate::open(&path).unwrap();
        assert_eq!(ev.kind(), ContainerKind::Vmdk);
    }

    #[test]
    fn monolithic_sparse_reads_back() {
        converted("monolithicSparse");
    }

    #[test]
    fn stream_optimized_reads_back() {
        converted("streamOptimized");
    }

    #[test]
    fn monolithic_flat_reads_back() {
        converted("monolithicFlat");
    }

    #[test]
    fn two_gb_sparse_reads_back() {
        converted("twoGbMaxExtentSparse");
    }

    #[test]
    fn two_gb_flat_reads_back() {
        converted("twoGbMaxExtentFlat");
    }

    #[test]
    fn zeroed_grain_sparse_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(dir.path());
        let out = dir.path().join("disk.vmdk");
        let opts = "subformat=monolithicSparse,zeroed_grain=on";
        let Some(path) = convert(&raw, &out, "vmdk", opts) else {
            return;
        };
        same_bytes(&open(&path).unwrap(), &data);
    }

    fn header(capacity: u64, grain: u64, gtes: u32, gd: u64, flags: u32, algo: u16) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..4].copy_from_slice(b"KDMV");
        h[4..8].copy_from_slice(&3u32.to_le_bytes());
        h[8..12].copy_from_slice(&flags.to_le_bytes());
        h[12..20].copy_from_slice(&capacity.to_le_bytes());
        h[20..28].copy_from_slice(&grain.to_le_bytes());
        h[28..36].copy_from_slice(&1u64.to_le_bytes());
        h[36..44].copy_from_slice(&1u64.to_le_bytes());
        h[44..48].copy_from_slice(&gtes.to_le_bytes());
        h[56..64].copy_from_slice(&gd.to_le_bytes());
        h[64..72].copy_from_slice(&2u64.to_le_bytes());
        h[73..77].copy_from_slice(b"\n \r\n");
        h[77..79].copy_from_slice(&algo.to_le_bytes());
        h
    }

    fn pad(v: &mut Vec<u8>) {
        v.resize(v.len().div_ceil(512) * 512, 0);
    }

    fn marker(v: &mut Vec<u8>, val: u64, kind: u32) {
        let mut m = vec![0u8; 512];
        m[..8].copy_from_slice(&val.to_le_bytes());
        m[12..16].copy_from_slice(&kind.to_le_bytes());
        v.extend_from_slice(&m);
    }

    /// A stream as VMware and OVA exports write it: grain directory at the
    /// end, the real header in the footer.
    fn vmware_stream(data: &[u8], grain_sectors: u64) -> Vec<u8> {
        let grain = (grain_sectors * 512) as usize;
        let capacity = (data.len() / 512) as u64;
        let flags = 0x0003_0001;
        let mut v = header(capacity, grain_sectors, 512, GD_AT_END, flags, 1);
        let mut desc = b"# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"streamOptimized\"\nRW 1 SPARSE \"x.vmdk\"\n".to_vec();
        desc.resize(512, 0);
        v.extend_from_slice(&desc);
        let grains = data.len().div_ceil(grain);
        let mut gtes = vec![0u32; grains.div_ceil(512) * 512];
        for (i, chunk) in data.chunks(grain).enumerate() {
            if chunk.iter().all(|b| *b == 0) {
                continue;
            }
            gtes[i] = (v.len() / 512) as u32;
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(chunk).unwrap();
            let z = z.finish().unwrap();
            v.extend_from_slice(&(i as u64 * grain_sectors).to_le_bytes());
            v.extend_from_slice(&(z.len() as u32).to_le_bytes());
            v.extend_from_slice(&z);
            pad(&mut v);
        }
        let mut gd = Vec::new();
        for table in gtes.chunks(512) {
            marker(&mut v, 4, 1);
            gd.push((v.len() / 512) as u32);
            for e in table {
                v.extend_from_slice(&e.to_le_bytes());
            }
        }
        marker(&mut v, gd.len().div_ceil(128) as u64, 2);
        let gd_sector = (v.len() / 512) as u64;
        for e in &gd {
            v.extend_from_slice(&e.to_le_bytes());
        }
        pad(&mut v);
        marker(&mut v, 1, 3);
        v.extend_from_slice(&header(capacity, grain_sectors, 512, gd_sector, flags, 1));
        v.extend_from_slice(&[0u8; 512]);
        v
    }

    fn patterned(len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        let mut x: u32 = 7;
        for (i, b) in data.iter_mut().enumerate() {
            if (i / 4096) % 5 == 2 || (i / (1 << 20)) == 1 {
                continue;
            }
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            *b = (x >> 16) as u8;
        }
        data
    }

    #[test]
    fn vmware_stream_with_footer_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        // Five grain tables of 4 KiB grains, and a last grain cut short.
        let data = patterned((9 << 20) + 1536);
        let path = dir.path().join("ova-disk1.vmdk");
        std::fs::write(&path, vmware_stream(&data, 8)).unwrap();
        let src = open(&path).unwrap();
        assert_eq!(src.format(), "VMDK streamOptimized");
        same_bytes(&src, &data);
    }

    #[test]
    fn truncated_stream_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let data = patterned(3 << 20);
        let full = vmware_stream(&data, 8);
        let path = dir.path().join("cut.vmdk");
        std::fs::write(&path, &full[..full.len() / 2]).unwrap();
        let err = open(&path).unwrap_err();
        assert!(err.is_corruption(), "{err}");
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    #[test]
    fn truncated_qemu_images_are_errors() {
        for subformat in ["monolithicSparse", "streamOptimized"] {
            let dir = tempfile::tempdir().unwrap();
            let (raw, _) = raw_image(dir.path());
            let out = dir.path().join("disk.vmdk");
            let Some(path) = convert(&raw, &out, "vmdk", &format!("subformat={subformat}")) else {
                return;
            };
            let len = std::fs::metadata(&path).unwrap().len();
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(len / 2).unwrap();
            drop(f);
            match open(&path) {
                Ok(src) => {
                    let err = read_all(&src).unwrap_err();
                    assert!(err.is_corruption(), "{subformat}: {err}");
                }
                Err(e) => assert!(e.is_corruption(), "{subformat}: {e}"),
            }
            // Cut inside the header and metadata too.
            for cut in [100, 600, 14_000] {
                let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                f.set_len(cut).unwrap();
                drop(f);
                if let Ok(src) = open(&path) {
                    assert!(read_all(&src).is_err(), "{subformat} cut at {cut}");
                }
            }
        }
    }

    fn write_descriptor(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(
            &p,
            format!("# Disk DescriptorFile\nversion=1\nCID=12345678\n{body}"),
        )
        .unwrap();
        p
    }

    /// Runs a command in `dir`; `false` (the test then skips) when the tool
    /// is not installed.
    fn run(dir: &Path, tool: &str, args: &[&str]) -> bool {
        match std::process::Command::new(tool)
            .args(args)
            .current_dir(dir)
            .output()
        {
            Ok(o) => {
                assert!(o.status.success(), "{tool} {args:?}: {o:?}");
                true
            }
            Err(_) => {
                eprintln!("SKIP: {tool} not installed");
                false
            }
        }
    }

    /// `qemu-img create` of a VMDK snapshot of `backing` in `dir`, then
    /// `qemu-io` writes of (pattern, offset, length) into it, also applied to
    /// `expected`. `false` when qemu is missing.
    fn snapshot(
        dir: &Path,
        child: &str,
        backing: &str,
        subformat: &str,
        writes: &[(u8, u64, u64)],
        expected: &mut [u8],
    ) -> bool {
        let opts = format!("subformat={subformat}");
        let args = [
            "create", "-q", "-f", "vmdk", "-o", &opts, "-b", backing, "-F", "vmdk", child,
        ];
        if !run(dir, "qemu-img", &args) {
            return false;
        }
        let cmds: Vec<String> = writes
            .iter()
            .map(|(p, at, len)| format!("write -P {p:#x} {at} {len}"))
            .collect();
        let mut args = vec!["-f", "vmdk"];
        for c in &cmds {
            args.extend(["-c", c.as_str()]);
        }
        args.push(child);
        if !run(dir, "qemu-io", &args) {
            return false;
        }
        for (p, at, len) in writes {
            expected[*at as usize..(*at + *len) as usize].fill(*p);
        }
        true
    }

    /// A qemu `base.vmdk` (monolithicSparse) of the raw test image in `dir`,
    /// and its bytes.
    fn base(dir: &Path) -> Option<(PathBuf, Vec<u8>)> {
        let (raw, data) = raw_image(dir);
        let path = convert(&raw, &dir.join("base.vmdk"), "vmdk", "")?;
        Some((path, data))
    }

    const CHILD_WRITES: [(u8, u64, u64); 3] = [
        (0xab, 1 << 20, 64 << 10),
        (0xcd, 39 << 20, 4096),
        // Part of a grain: the rest of it is the parent's, copied.
        (0x11, (2 << 20) - 1024, 3072),
    ];

    #[test]
    fn snapshot_reads_through_its_parent() {
        let dir = tempfile::tempdir().unwrap();
        let Some((base, mut expected)) = base(dir.path()) else {
            return;
        };
        let d = dir.path();
        if !snapshot(
            d,
            "child.vmdk",
            "base.vmdk",
            "monolithicSparse",
            &CHILD_WRITES,
            &mut expected,
        ) {
            return;
        }
        let child = d.join("child.vmdk");
        let src = open(&child).unwrap();
        assert!(
            src.format().contains("snapshot of base.vmdk"),
            "{}",
            src.format()
        );
        assert_eq!(src.paths(), vec![child.clone(), base.clone()]);
        same_bytes(&src, &expected);
        let ev = crate::open(&child).unwrap();
        assert_eq!(ev.files(), vec![child.clone(), base.clone()]);
        same_bytes(&ev, &expected);

        // A grandchild, as a text descriptor with a sparse extent.
        let writes = [(0xef, 1 << 20, 4096), (0x22, 20 << 20, 128 << 10)];
        if !snapshot(
            d,
            "grand.vmdk",
            "child.vmdk",
            "twoGbMaxExtentSparse",
            &writes,
            &mut expected,
        ) {
            return;
        }
        let grand = d.join("grand.vmdk");
        let src = open(&grand).unwrap();
        assert!(
            src.format().contains("snapshot of child.vmdk"),
            "{}",
            src.format()
        );
        assert_eq!(src.paths().len(), 4, "{:?}", src.paths());
        assert_eq!(src.paths()[2..], [child, base]);
        same_bytes(&src, &expected);
    }

    /// A hint naming where the parent was on the machine it was made on: the
    /// parent is looked for beside the child, under the hint's file name.
    #[test]
    fn absolute_hint_finds_the_parent_beside_the_child() {
        let top = tempfile::tempdir().unwrap();
        let made = top.path().join("made");
        std::fs::create_dir(&made).unwrap();
        let Some((base, mut expected)) = base(&made) else {
            return;
        };
        let backing = base.to_string_lossy().into_owned();
        if !snapshot(
            &made,
            "child.vmdk",
            &backing,
            "twoGbMaxExtentSparse",
            &CHILD_WRITES,
            &mut expected,
        ) {
            return;
        }
        let text = std::fs::read_to_string(made.join("child.vmdk")).unwrap();
        assert!(
            text.contains(&format!("parentFileNameHint=\"{backing}\"")),
            "{text}"
        );
        let moved = top.path().join("moved");
        std::fs::rename(&made, &moved).unwrap();
        let src = open(&moved.join("child.vmdk")).unwrap();
        assert!(src.paths().contains(&moved.join("base.vmdk")));
        same_bytes(&src, &expected);
    }

    #[test]
    fn zeroed_grain_of_a_snapshot_stays_zero() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let Some((_, mut expected)) = base(d) else {
            return;
        };
        let args = [
            "create",
            "-q",
            "-f",
            "vmdk",
            "-o",
            "zeroed_grain=on",
            "-b",
            "base.vmdk",
            "-F",
            "vmdk",
            "child.vmdk",
        ];
        if !run(d, "qemu-img", &args)
            || !run(
                d,
                "qemu-io",
                &["-f", "vmdk", "-c", "write -z 0 1M", "child.vmdk"],
            )
        {
            return;
        }
        assert!(expected[..1 << 20].iter().any(|b| *b != 0));
        expected[..1 << 20].fill(0);
        same_bytes(&open(&d.join("child.vmdk")).unwrap(), &expected);
    }

    #[test]
    fn missing_parent_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let Some((base, mut expected)) = base(d) else {
            return;
        };
        if !snapshot(
            d,
            "child.vmdk",
            "base.vmdk",
            "monolithicSparse",
            &CHILD_WRITES[..1],
            &mut expected,
        ) {
            return;
        }
        std::fs::remove_file(&base).unwrap();
        let err = open(&d.join("child.vmdk")).unwrap_err();
        assert!(matches!(err, EvidenceError::MissingSegment { .. }), "{err}");
        assert!(err.to_string().contains("base.vmdk"), "{err}");
    }

    /// Replaces the first `from` in the file by `to` (same length).
    fn patch(path: &Path, from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        let mut bytes = std::fs::read(path).unwrap();
        let at = bytes
            .windows(from.len())
            .position(|w| w == from)
            .unwrap_or_else(|| {
                panic!(
                    "{} not in {}",
                    String::from_utf8_lossy(from),
                    path.display()
                )
            });
        bytes[at..at + to.len()].copy_from_slice(to);
        std::fs::write(path, &bytes).unwrap();
    }

    /// The `CID=` value of a descriptor (embedded or not) in a file.
    fn cid_in(path: &Path) -> String {
        let bytes = std::fs::read(path).unwrap();
        let at = bytes.windows(5).position(|w| w == b"\nCID=").unwrap() + 5;
        // qemu writes the CID without leading zeros (`%x`).
        let end = at + bytes[at..].iter().position(|b| *b == b'\n').unwrap();
        String::from_utf8_lossy(&bytes[at..end]).into_owned()
    }

    /// Another CID of the same length (qemu writes it without leading zeros).
    fn other_cid(cid: &str) -> String {
        let last = if cid.ends_with('1') { '2' } else { '1' };
        format!("{}{last}", &cid[..cid.len() - 1])
    }

    #[test]
    fn changed_parent_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let Some((base, mut expected)) = base(d) else {
            return;
        };
        if !snapshot(
            d,
            "child.vmdk",
            "base.vmdk",
            "monolithicSparse",
            &CHILD_WRITES[..1],
            &mut expected,
        ) {
            return;
        }
        let cid = cid_in(&base);
        let other = other_cid(&cid);
        patch(
            &base,
            format!("\nCID={cid}").as_bytes(),
            format!("\nCID={other}").as_bytes(),
        );
        let err = open(&d.join("child.vmdk")).unwrap_err();
        let msg = err.to_string();
        assert!(err.is_corruption(), "{msg}");
        assert!(msg.contains("parentCID "), "{msg}");
        assert!(
            msg.contains(&format!("does not match the CID {other} of parent")),
            "{msg}"
        );
        assert!(msg.contains("base.vmdk"), "{msg}");

        // The same for a text-descriptor parent.
        let (raw, data) = raw_image(d);
        let flat = d.join("flat.vmdk");
        let Some(flat) = convert(&raw, &flat, "vmdk", "subformat=monolithicFlat") else {
            return;
        };
        let cid = cid_in(&flat);
        let mut expected = data;
        if !snapshot(
            d,
            "fchild.vmdk",
            "flat.vmdk",
            "monolithicSparse",
            &CHILD_WRITES,
            &mut expected,
        ) {
            return;
        }
        same_bytes(&open(&d.join("fchild.vmdk")).unwrap(), &expected);
        let other = other_cid(&cid);
        patch(
            &flat,
            format!("\nCID={cid}").as_bytes(),
            format!("\nCID={other}").as_bytes(),
        );
        let err = open(&d.join("fchild.vmdk")).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("does not match the CID {other}")),
            "{err}"
        );
    }

    #[test]
    fn raw_parent_is_read_without_a_cid() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let Some((_, mut expected)) = base(d) else {
            return;
        };
        if !snapshot(
            d,
            "child.vmdk",
            "base.vmdk",
            "monolithicSparse",
            &CHILD_WRITES,
            &mut expected,
        ) {
            return;
        }
        // qemu refuses to make a raw-backed VMDK: name the raw image instead.
        let child = d.join("child.vmdk");
        patch(&child, b"\"base.vmdk\"", b"\"disk.raw\" ");
        std::fs::remove_file(d.join("base.vmdk")).unwrap();
        let src = open(&child).unwrap();
        assert!(
            src.format().contains("snapshot of disk.raw"),
            "{}",
            src.format()
        );
        same_bytes(&src, &expected);
    }

    #[test]
    fn parent_not_named_or_named_in_a_loop_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("data.bin"), vec![7u8; 4096]).unwrap();
        // A sparse child, so that its parent is read; made by hand.
        let sparse = |name: &str, cid: &str, parent_cid: &str, hint: &str| {
            let mut v = header(8, 8, 512, 3, 0, 0);
            let desc = format!(
                "# Disk DescriptorFile\nversion=1\nCID={cid}\nparentCID={parent_cid}\ncreateType=\"monolithicSparse\"\n{hint}RW 8 SPARSE \"{name}\"\n"
            );
            let mut desc = desc.into_bytes();
            desc.resize(512, 0);
            v.extend_from_slice(&desc);
            // Grain directory at sector 3: one empty table.
            v.resize(2048, 0);
            std::fs::write(d.join(name), &v).unwrap();
            d.join(name)
        };
        let p = sparse("orphan.vmdk", "11111111", "22222222", "");
        let err = open(&p).unwrap_err();
        assert!(err.to_string().contains("parent is not named"), "{err}");

        let p = sparse(
            "self.vmdk",
            "12345678",
            "12345678",
            "parentFileNameHint=\"self.vmdk\"\n",
        );
        let err = open(&p).unwrap_err();
        assert!(err.is_corruption(), "{err}");
        assert!(err.to_string().contains("names itself"), "{err}");

        // Two disks naming each other: the chain ends at its bound.
        let a = sparse(
            "a.vmdk",
            "aaaaaaaa",
            "bbbbbbbb",
            "parentFileNameHint=\"b.vmdk\"\n",
        );
        sparse(
            "b.vmdk",
            "bbbbbbbb",
            "aaaaaaaa",
            "parentFileNameHint=\"a.vmdk\"\n",
        );
        let err = open(&a).unwrap_err();
        assert!(err.is_corruption(), "{err}");
        assert!(
            err.to_string().contains("parent disks in the chain"),
            "{err}"
        );

        // A hint while parentCID says there is no parent.
        let p = sparse(
            "odd.vmdk",
            "11111111",
            "ffffffff",
            "parentFileNameHint=\"a.vmdk\"\n",
        );
        assert!(open(&p).unwrap_err().is_corruption());
    }

    #[test]
    fn descriptor_extents_concatenate() {
        let dir = tempfile::tempdir().unwrap();
        let a = patterned(110 * 512);
        let b: Vec<u8> = (0..30 * 512).map(|i| (i % 251) as u8 + 1).collect();
        std::fs::write(dir.path().join("a.bin"), &a).unwrap();
        std::fs::write(dir.path().join("b c.bin"), &b).unwrap();
        let p = write_descriptor(
            dir.path(),
            "custom.vmdk",
            "parentCID=ffffffff\ncreateType=\"vmfs\"\n\n# Extent description\nRW 100 FLAT \"a.bin\" 10\r\nRDONLY 50 ZERO\nRW 30 VMFS \"b c.bin\"\n\nddb.adapterType = \"lsilogic\"\n",
        );
        let src = open(&p).unwrap();
        assert_eq!(src.format(), "VMDK vmfs");
        assert_eq!(src.paths().len(), 3);
        let mut expected = a[10 * 512..].to_vec();
        expected.extend_from_slice(&[0u8; 50 * 512]);
        expected.extend_from_slice(&b);
        same_bytes(&src, &expected);
    }

    #[test]
    fn missing_or_short_extent_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_descriptor(dir.path(), "d.vmdk", "RW 8 FLAT \"gone-flat.vmdk\" 0\n");
        let err = open(&p).unwrap_err();
        assert!(matches!(err, EvidenceError::MissingSegment { .. }), "{err}");

        std::fs::write(dir.path().join("short-flat.vmdk"), vec![1u8; 1000]).unwrap();
        let p = write_descriptor(dir.path(), "e.vmdk", "RW 8 FLAT \"short-flat.vmdk\" 0\n");
        let src = open(&p).unwrap();
        let mut buf = [0u8; 4096];
        assert_eq!(src.read_at(0, &mut buf[..1000]).unwrap(), 1000);
        assert!(src.read_at(0, &mut buf).unwrap_err().is_corruption());

        let p = write_descriptor(dir.path(), "f.vmdk", "RW 8 FLAT \"/etc/hostname\" 0\n");
        assert!(matches!(
            open(&p).unwrap_err(),
            EvidenceError::Unsupported { .. }
        ));
    }

    #[test]
    fn cowd_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("redo.vmdk");
        let mut v = b"COWD".to_vec();
        v.resize(2048, 0);
        std::fs::write(&p, &v).unwrap();
        let err = open(&p).unwrap_err();
        assert!(err.to_string().contains("COWD"), "{err}");
    }

    #[test]
    fn huge_grain_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("huge.vmdk");
        // 2^48 sectors in 1-sector grains, one entry per table: a directory
        // of 2^48 entries, in a file of 4 KiB.
        let mut v = header(1 << 48, 1, 1, 2, 0, 0);
        v.resize(4096, 0);
        std::fs::write(&p, &v).unwrap();
        let err = open(&p).unwrap_err();
        assert!(err.to_string().contains("grain directory"), "{err}");
        // A grain directory entry pointing past the end: an error on reading.
        let mut v = header(64, 8, 512, 2, 0, 0);
        v.resize(1536, 0);
        v[1024..1028].copy_from_slice(&1_000_000u32.to_le_bytes());
        std::fs::write(&p, &v).unwrap();
        let src = open(&p).unwrap();
        assert!(src.read_at(0, &mut [0u8; 512]).unwrap_err().is_corruption());
    }

    #[test]
    fn random_after_magic_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("noise.vmdk");
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..200 {
            let mut v: Vec<u8> = (0..65536).map(|_| next() as u8).collect();
            v[..4].copy_from_slice(b"KDMV");
            std::fs::write(&p, &v).unwrap();
            assert!(open(&p).is_err(), "round {round}");
            // Plausible version and sizes, random tables: errors or zeros,
            // never a panic.
            v[4..8].copy_from_slice(&1u32.to_le_bytes());
            v[8..12].copy_from_slice(&0u32.to_le_bytes());
            v[12..20].copy_from_slice(&(next() % 4096).to_le_bytes());
            v[20..28].copy_from_slice(&(1 + next() % 128).to_le_bytes());
            v[28..44].fill(0); // no embedded descriptor
            v[44..48].copy_from_slice(&(1 + next() as u32 % 512).to_le_bytes());
            v[56..64].copy_from_slice(&(1 + next() % 64).to_le_bytes());
            v[77..79].copy_from_slice(&((next() % 2) as u16).to_le_bytes());
            if round % 2 == 1 {
                // Table entries that point inside the file.
                for w in v[512..].chunks_exact_mut(4) {
                    w.copy_from_slice(&((next() % 140) as u32).to_le_bytes());
                }
            }
            std::fs::write(&p, &v).unwrap();
            if let Ok(src) = open(&p) {
                let _ = read_all(&src);
            }
        }
    }

    #[test]
    fn text_mode_transfer_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ftp.vmdk");
        let mut v = header(64, 8, 512, 2, 1, 0);
        v[73..77].copy_from_slice(b"\n \n\n");
        v.resize(4096, 0);
        std::fs::write(&p, &v).unwrap();
        let err = open(&p).unwrap_err();
        assert!(err.to_string().contains("text-mode"), "{err}");
    }
}
