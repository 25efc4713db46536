//! QEMU QCOW2 virtual disks, versions 2 and 3: a header, an L1 table of
//! L2 tables, and one L2 entry per cluster (stored, compressed, zero or
//! unallocated). Only the active state is read: internal snapshots are the
//! VM's past, the active L1 table is what it saw last.
//!
//! A backing file (a snapshot's parent: clusters the image never wrote are
//! the parent's) must lie beside the image ([`crate::virt::open_parent`]);
//! QCOW2 records only its name, no identity to check. Images that need
//! something else to be read whole (an external data file, a key) are
//! refused with the reason, not read as zeros.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::virt::{
    be_u32, be_u64, corrupt, open_parent, unsupported, Backing, Codec, Layout, Span, VirtualSource,
    MAX_PACKED,
};
use crate::{ContainerKind, EvidenceError};

const MAGIC: &[u8; 4] = b"QFI\xfb";
const V2_HEADER_LEN: u64 = 72;
const V3_HEADER_LEN: u64 = 104;
/// QEMU refuses an active L1 table larger than 32 MiB; so do we, before
/// allocating it.
const MAX_L1_ENTRIES: u64 = (32 << 20) / 8;
/// QEMU's limit on the backing file name.
const MAX_BACKING_NAME: u64 = 1023;
/// L2 tables are one cluster each (up to 2 MiB): bound the cache in bytes.
const L2_CACHE_BYTES: u64 = 32 << 20;
const L2_CACHE_MAX: usize = 256;
/// Bits 9..=55: host offset of an L2 table (in L1) or a cluster (in L2).
const OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
const COMPRESSED: u64 = 1 << 62;
/// "Reads as zeros" (v3; QEMU honours it whatever the version).
const ZERO_FLAG: u64 = 1;

const INCOMPAT_DIRTY: u64 = 1 << 0;
const INCOMPAT_CORRUPT: u64 = 1 << 1;
const INCOMPAT_DATA_FILE: u64 = 1 << 2;
const INCOMPAT_COMPRESSION: u64 = 1 << 3;
const INCOMPAT_EXTL2: u64 = 1 << 4;
/// Header extension naming the external data file.
const EXT_DATA_FILE: u32 = 0x4441_5441;
/// Header extension naming the backing file's format (reported only: the
/// parent's kind is detected from its content).
const EXT_BACKING_FORMAT: u32 = 0xE279_2ACA;

/// Opens a QCOW2 image read-only, `depth` parents below the disk the
/// examiner named (its backing file, if any, one level deeper).
pub(crate) fn open_in(path: &Path, depth: u32) -> Result<VirtualSource, EvidenceError> {
    let b = Backing::open(path)?;
    let mut head = vec![0u8; b.len.min(112) as usize];
    b.read_exact(0, &mut head, "QCOW2 header")?;
    if head.get(..4) != Some(&MAGIC[..]) {
        return Err(unsupported(path, "not a QCOW2 image (no QFI\\xfb magic)"));
    }
    let version = be_u32(&head, 4);
    match version {
        2 | 3 => {}
        1 => {
            return Err(unsupported(
                path,
                "QCOW version 1 is not read; `qemu-img convert -O qcow2` it first",
            ))
        }
        v => return Err(unsupported(path, format!("QCOW2 version {v} is not read"))),
    }
    let min_header = if version == 2 {
        V2_HEADER_LEN
    } else {
        V3_HEADER_LEN
    };
    if b.len < min_header {
        return Err(corrupt(
            path,
            0,
            format!(
                "QCOW2 v{version} header needs {min_header} bytes, the file has {} (truncated image)",
                b.len
            ),
        ));
    }
    let cluster_bits = be_u32(&head, 20);
    if !(9..=21).contains(&cluster_bits) {
        return Err(corrupt(
            path,
            20,
            format!("cluster_bits {cluster_bits} outside 9..=21"),
        ));
    }
    let cluster = 1u64 << cluster_bits;
    let (incompat, header_len) = if version == 3 {
        (be_u64(&head, 72), u64::from(be_u32(&head, 100)))
    } else {
        (0, V2_HEADER_LEN)
    };
    if header_len < min_header || header_len > cluster || header_len > b.len {
        return Err(corrupt(
            path,
            100,
            format!(
                "header length {header_len} outside {min_header}..={}",
                cluster.min(b.len)
            ),
        ));
    }

    match be_u32(&head, 32) {
        0 => {}
        1 => return Err(unsupported(path, "encrypted QCOW2 (AES): not read")),
        2 => return Err(unsupported(path, "encrypted QCOW2 (LUKS): not read")),
        m => {
            return Err(unsupported(
                path,
                format!("encrypted QCOW2 (method {m}): not read"),
            ))
        }
    }

    // As QEMU: no name (offset 0, or an empty name) means no backing file.
    let backing_offset = be_u64(&head, 8);
    let backing_size = u64::from(be_u32(&head, 16));
    let backing_name = if backing_offset != 0 && backing_size != 0 {
        Some(read_name(&b, backing_offset, backing_size)?).filter(|n| !n.is_empty())
    } else {
        None
    };

    if incompat & INCOMPAT_DATA_FILE != 0 {
        let name = extension(&b, header_len, cluster, EXT_DATA_FILE)
            .map(|n| format!(" \"{}\"", String::from_utf8_lossy(&n)))
            .unwrap_or_default();
        return Err(unsupported(
            path,
            format!(
                "QCOW2 with an external data file{name}: the clusters are not in this file; \
                 open the data file, or a `qemu-img convert` of this image"
            ),
        ));
    }
    if incompat & INCOMPAT_EXTL2 != 0 {
        return Err(unsupported(
            path,
            "QCOW2 with extended L2 entries (subclusters) is not read; `qemu-img convert` it first",
        ));
    }
    let known = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;
    if incompat & !known != 0 {
        return Err(unsupported(
            path,
            format!(
                "QCOW2 incompatible feature bits {:#x} are unknown",
                incompat & !known
            ),
        ));
    }
    let compression = if header_len > V3_HEADER_LEN {
        head.get(104).copied().unwrap_or(0)
    } else {
        0
    };
    match compression {
        0 => {}
        1 => {
            return Err(unsupported(
                path,
                "QCOW2 with zstd-compressed clusters is not read; `qemu-img convert` it first",
            ))
        }
        c => {
            return Err(unsupported(
                path,
                format!("QCOW2 compression type {c} is unknown"),
            ))
        }
    }

    let size = be_u64(&head, 24);
    let l1_size = u64::from(be_u32(&head, 36));
    let l1_offset = be_u64(&head, 40);
    let l2_bits = cluster_bits - 3;
    let per_l1 = 1u64 << (cluster_bits + l2_bits);
    let needed = size.div_ceil(per_l1);
    if l1_size < needed {
        return Err(corrupt(
            path,
            36,
            format!("L1 table of {l1_size} entries cannot map a disk of {size} bytes"),
        ));
    }
    if l1_size > MAX_L1_ENTRIES {
        return Err(corrupt(
            path,
            36,
            format!("L1 table of {l1_size} entries is implausibly large"),
        ));
    }
    if needed > 0
        && (l1_offset == 0
            || !l1_offset.is_multiple_of(cluster)
            || l1_offset
                .checked_add(l1_size * 8)
                .is_none_or(|end| end > b.len))
    {
        return Err(corrupt(
            path,
            40,
            format!(
                "L1 table of {l1_size} entries at {l1_offset} is misplaced or runs past the end of the file ({} bytes)",
                b.len
            ),
        ));
    }
    let mut raw_l1 = vec![0u8; (needed * 8) as usize];
    b.read_exact(l1_offset, &mut raw_l1, "L1 table")?;
    let l1 = raw_l1
        .chunks_exact(8)
        .map(|c| be_u64(c, 0))
        .collect::<Vec<_>>();

    // Opened once the image itself is known to be readable.
    let parent = match &backing_name {
        Some(name) => Some(open_parent(path, name, depth)?),
        None => None,
    };

    let mut format = format!("QCOW2 v{version}");
    let snapshots = be_u32(&head, 60);
    let mut notes = Vec::new();
    if let Some(parent) = &parent {
        let recorded = extension(&b, header_len, cluster, EXT_BACKING_FORMAT).map(|f| {
            String::from_utf8_lossy(&f)
                .trim_end_matches('\0')
                .to_string()
        });
        if let Some(recorded) = recorded.filter(|r| !same_format(r, parent.kind())) {
            notes.push(format!(
                "backing format recorded as {recorded:?}, read as {}",
                parent.kind().name()
            ));
        }
    }
    if snapshots > 0 {
        notes.push(format!(
            "{snapshots} internal snapshot{}, active state read",
            if snapshots == 1 { "" } else { "s" }
        ));
    }
    if incompat & INCOMPAT_CORRUPT != 0 {
        notes.push("flagged corrupt by QEMU".into());
    }
    if !notes.is_empty() {
        format = format!("{format} ({})", notes.join("; "));
    }

    let layout = Qcow2 {
        path: path.to_path_buf(),
        cluster_bits,
        l2_bits,
        l1_offset,
        l1,
        file_len: b.len,
        has_parent: parent.is_some(),
        cache_max: ((L2_CACHE_BYTES >> cluster_bits) as usize).clamp(1, L2_CACHE_MAX),
        cache: Mutex::new(L2Cache::default()),
    };
    let src = VirtualSource::new(
        ContainerKind::Qcow2,
        format,
        vec![b],
        size,
        Box::new(layout),
    )?;
    Ok(match parent {
        Some(parent) => src.with_parent(parent),
        None => src,
    })
}

/// The backing file name stored in the header area (UTF-8, lossily).
fn read_name(b: &Backing, offset: u64, size: u64) -> Result<String, EvidenceError> {
    if size > MAX_BACKING_NAME {
        return Err(corrupt(
            &b.path,
            16,
            format!("backing file name of {size} bytes (QEMU allows {MAX_BACKING_NAME})"),
        ));
    }
    if offset.checked_add(size).is_none_or(|end| end > b.len) {
        return Err(corrupt(
            &b.path,
            8,
            format!(
                "backing file name ({size} bytes at {offset}) lies beyond the end of the file ({} bytes)",
                b.len
            ),
        ));
    }
    let mut buf = vec![0u8; size as usize];
    b.read_exact(offset, &mut buf, "backing file name")?;
    // QEMU reads the name as a C string: it ends at the first NUL.
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    Ok(String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// Whether QEMU's name for a format (`-F`) is the kind the parent was
/// detected as.
fn same_format(qemu: &str, kind: ContainerKind) -> bool {
    matches!(
        (qemu, kind),
        ("raw", ContainerKind::Raw | ContainerKind::SplitRaw)
            | ("qcow2", ContainerKind::Qcow2)
            | ("vmdk", ContainerKind::Vmdk)
            | ("vpc", ContainerKind::Vhd)
            | ("vhdx", ContainerKind::Vhdx)
    )
}

/// The data of header extension `want` (v3: after the header, in the first
/// cluster), if present.
fn extension(b: &Backing, start: u64, cluster: u64, want: u32) -> Option<Vec<u8>> {
    let end = cluster.min(b.len);
    let mut at = start;
    while at + 8 <= end {
        let mut h = [0u8; 8];
        b.read_exact(at, &mut h, "header extension").ok()?;
        let (kind, len) = (be_u32(&h, 0), u64::from(be_u32(&h, 4)));
        if kind == 0 || at + 8 + len > end {
            return None;
        }
        if kind == want {
            let mut data = vec![0u8; len as usize];
            b.read_exact(at + 8, &mut data, "header extension").ok()?;
            return Some(data);
        }
        at += 8 + len.div_ceil(8) * 8;
    }
    None
}

#[derive(Default)]
struct L2Cache {
    tables: HashMap<u64, Arc<Vec<u64>>>,
    order: VecDeque<u64>,
}

struct Qcow2 {
    path: PathBuf,
    cluster_bits: u32,
    /// log2 of the entries in an L2 table.
    l2_bits: u32,
    l1_offset: u64,
    /// Only the entries the disk size needs.
    l1: Vec<u64>,
    file_len: u64,
    /// Unallocated clusters read from the backing file (else zeros).
    has_parent: bool,
    cache_max: usize,
    cache: Mutex<L2Cache>,
}

impl Qcow2 {
    fn l2_table(&self, files: &[Backing], at: u64) -> Result<Arc<Vec<u64>>, EvidenceError> {
        if let Ok(cache) = self.cache.lock() {
            if let Some(t) = cache.tables.get(&at) {
                return Ok(t.clone());
            }
        }
        let b = files
            .first()
            .ok_or_else(|| corrupt(&self.path, at, "QCOW2 file missing"))?;
        let mut raw = vec![0u8; 1usize << self.cluster_bits];
        b.read_exact(at, &mut raw, "L2 table")?;
        let table = Arc::new(raw.chunks_exact(8).map(|c| be_u64(c, 0)).collect());
        if let Ok(mut cache) = self.cache.lock() {
            if cache.tables.len() >= self.cache_max {
                if let Some(old) = cache.order.pop_front() {
                    cache.tables.remove(&old);
                }
            }
            if cache.tables.insert(at, Arc::clone(&table)).is_none() {
                cache.order.push_back(at);
            }
        }
        Ok(table)
    }

    /// A compressed cluster's host offset and stored size (the qcow2 spec's
    /// split of the entry depends on the cluster size).
    fn packed(&self, entry: u64, media: u64, where_: u64) -> Result<Span, EvidenceError> {
        let shift = 62 - (self.cluster_bits - 8);
        let at = entry & ((1u64 << shift) - 1);
        let sectors = (entry >> shift) & ((1u64 << (self.cluster_bits - 8)) - 1);
        if at >= self.file_len {
            return Err(corrupt(
                &self.path,
                where_,
                format!(
                    "compressed cluster for media offset {media} at {at}, beyond the end of the file ({} bytes)",
                    self.file_len
                ),
            ));
        }
        // The last sector may run past the end of the file; the stream ends
        // before the cluster is full anyway.
        let size = ((sectors + 1) * 512 - (at & 511))
            .min(self.file_len - at)
            .min(MAX_PACKED + 4096);
        Ok(Span::Packed {
            file: 0,
            at,
            size,
            start: media,
            len: 1 << self.cluster_bits,
            codec: Codec::Deflate,
        })
    }
}

/// How an L2 entry that is not compressed reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plain {
    /// Zeros: the zero flag (even over a backing file), or unallocated
    /// without one.
    Zero,
    /// Unallocated: the backing file's bytes.
    Parent,
    /// Stored in this file.
    Data,
}

impl Qcow2 {
    fn plain(&self, e: u64) -> Plain {
        if e & ZERO_FLAG != 0 {
            Plain::Zero
        } else if e & OFFSET_MASK != 0 {
            Plain::Data
        } else if self.has_parent {
            Plain::Parent
        } else {
            Plain::Zero
        }
    }
}

impl Layout for Qcow2 {
    fn span(&self, files: &[Backing], offset: u64) -> Result<Span, EvidenceError> {
        let cb = self.cluster_bits;
        let cluster = 1u64 << cb;
        let l1_shift = cb + self.l2_bits;
        let l1_index = offset >> l1_shift;
        let l1_entry = usize::try_from(l1_index)
            .ok()
            .and_then(|i| self.l1.get(i))
            .copied()
            .ok_or_else(|| {
                corrupt(
                    &self.path,
                    self.l1_offset,
                    format!("media offset {offset} lies beyond the L1 table"),
                )
            })?;
        let l1_end = (l1_index + 1) << l1_shift;
        let l2_at = l1_entry & OFFSET_MASK;
        if l2_at == 0 {
            let len = l1_end - offset;
            return Ok(if self.has_parent {
                Span::Parent { len }
            } else {
                Span::Zero { len }
            });
        }
        let l1_pos = self.l1_offset + l1_index * 8;
        if !l2_at.is_multiple_of(cluster) {
            return Err(corrupt(
                &self.path,
                l1_pos,
                format!("L2 table offset {l2_at} is not cluster-aligned"),
            ));
        }
        let table = self.l2_table(files, l2_at)?;
        let first = ((offset >> cb) & ((1u64 << self.l2_bits) - 1)) as usize;
        let within = offset & (cluster - 1);
        let entry_pos = |i: usize| l2_at + i as u64 * 8;
        let entry = table
            .get(first)
            .copied()
            .ok_or_else(|| corrupt(&self.path, l2_at, "L2 table shorter than a cluster"))?;
        // Following entries mapped the same way make one span (fewer
        // calls for a large read).
        let run = |same: &dyn Fn(usize, u64) -> bool| {
            table
                .iter()
                .enumerate()
                .skip(first + 1)
                .take_while(|&(i, &e)| same(i, e))
                .count() as u64
                + 1
        };
        if entry & COMPRESSED != 0 {
            return self.packed(entry, offset - within, entry_pos(first));
        }
        let class = self.plain(entry);
        if class != Plain::Data {
            let n = run(&|_, e| e & COMPRESSED == 0 && self.plain(e) == class);
            let len = (n << cb) - within;
            return Ok(if class == Plain::Parent {
                Span::Parent { len }
            } else {
                Span::Zero { len }
            });
        }
        let host = entry & OFFSET_MASK;
        if !host.is_multiple_of(cluster) {
            return Err(corrupt(
                &self.path,
                entry_pos(first),
                format!("cluster offset {host} is not cluster-aligned"),
            ));
        }
        let n = run(&|i, e| {
            e & (COMPRESSED | ZERO_FLAG) == 0
                && e & OFFSET_MASK == host + ((i - first) as u64) * cluster
        });
        Ok(Span::Stored {
            file: 0,
            at: host + within,
            len: (n << cb) - within,
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
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use super::*;
    use crate::virt::testing::{convert, raw_image, read_all, same_bytes};

    fn check(options: &str, version: &str) {
        let d = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(d.path());
        let Some(img) = convert(&raw, &d.path().join("disk.qcow2"), "qcow2", options) else {
            return;
        };
        let src = open(&img).unwrap();
        assert_eq!(src.kind(), ContainerKind::Qcow2);
        assert_eq!(src.format(), version);
        same_bytes(&src, &data);
    }

    /// `qemu-img create|convert ARGS`, or `None` where qemu-img is missing or
    /// cannot make that kind of image.
    fn qemu_img(args: &[&str]) -> Option<()> {
        match Command::new("qemu-img").args(args).output() {
            Ok(o) if o.status.success() => Some(()),
            Ok(o) => {
                eprintln!(
                    "SKIP: qemu-img {args:?}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                None
            }
            Err(_) => {
                eprintln!("SKIP: qemu-img not installed");
                None
            }
        }
    }

    fn compressed(raw: &Path, out: &Path, options: &str) -> Option<PathBuf> {
        let (raw, out_s) = (raw.to_str()?, out.to_str()?);
        let mut args = vec!["convert", "-q", "-c", "-f", "raw", "-O", "qcow2"];
        if !options.is_empty() {
            args.extend(["-o", options]);
        }
        args.extend([raw, out_s]);
        qemu_img(&args).map(|_| out.to_path_buf())
    }

    fn unsupported_what(r: Result<VirtualSource, EvidenceError>) -> String {
        match r {
            Err(EvidenceError::Unsupported { what, .. }) => what,
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    #[test]
    fn qcow2_v3_default() {
        check("", "QCOW2 v3");
    }

    #[test]
    fn qcow2_v2_compat() {
        check("compat=0.10", "QCOW2 v2");
    }

    #[test]
    fn qcow2_cluster_4k() {
        check("cluster_size=4096", "QCOW2 v3");
    }

    #[test]
    fn qcow2_cluster_2m() {
        check("cluster_size=2M", "QCOW2 v3");
    }

    #[test]
    fn qcow2_cluster_512_v2() {
        check("cluster_size=512,compat=0.10", "QCOW2 v2");
    }

    #[test]
    fn qcow2_compressed() {
        for options in ["", "cluster_size=4096", "cluster_size=2M", "compat=0.10"] {
            let d = tempfile::tempdir().unwrap();
            let (raw, data) = raw_image(d.path());
            let Some(img) = compressed(&raw, &d.path().join("c.qcow2"), options) else {
                return;
            };
            let src = open(&img).unwrap();
            same_bytes(&src, &data);
        }
    }

    #[test]
    fn qcow2_size_off_cluster_boundary() {
        let d = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..1_000_448u32).map(|i| (i % 251) as u8 | 1).collect();
        let raw = d.path().join("odd.raw");
        std::fs::write(&raw, &data).unwrap();
        let Some(img) = convert(&raw, &d.path().join("odd.qcow2"), "qcow2", "") else {
            return;
        };
        same_bytes(&open(&img).unwrap(), &data);
        let Some(img) = compressed(&raw, &d.path().join("oddc.qcow2"), "") else {
            return;
        };
        same_bytes(&open(&img).unwrap(), &data);
    }

    #[test]
    fn qcow2_zero_clusters_and_snapshot() {
        let d = tempfile::tempdir().unwrap();
        let data = vec![0x5au8; 1 << 20];
        let raw = d.path().join("s.raw");
        std::fs::write(&raw, &data).unwrap();
        let Some(img) = convert(&raw, &d.path().join("s.qcow2"), "qcow2", "") else {
            return;
        };
        let p = img.to_str().unwrap();
        if qemu_img(&["snapshot", "-c", "before", p]).is_none() {
            return;
        }
        // After the snapshot: overwrite one cluster, zero another (v3 zero
        // flag); the snapshot keeps the old bytes, the active state not.
        let ok = Command::new("qemu-io")
            .args([
                "-f",
                "qcow2",
                "-c",
                "write -P 0xaa 0 64k",
                "-c",
                "write -z 128k 64k",
                p,
            ])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("SKIP: qemu-io not usable");
            return;
        }
        let mut expected = data;
        expected[..64 << 10].fill(0xaa);
        expected[128 << 10..192 << 10].fill(0);
        let src = open(&img).unwrap();
        assert_eq!(
            src.format(),
            "QCOW2 v3 (1 internal snapshot, active state read)"
        );
        same_bytes(&src, &expected);
    }

    /// Runs `prog ARGS` (qemu-img, qemu-io) in `dir`, so that backing file
    /// names given relative stay relative; `None` where it is not installed.
    fn qemu(dir: &Path, prog: &str, args: &[&str]) -> Option<()> {
        match Command::new(prog).args(args).current_dir(dir).output() {
            Ok(o) if o.status.success() => Some(()),
            Ok(o) => panic!("{prog} {args:?}: {}", String::from_utf8_lossy(&o.stderr)),
            Err(_) => {
                eprintln!("SKIP: {prog} not installed");
                None
            }
        }
    }

    /// `qemu-img create` of `child` over `backing` (of format `fmt`), with
    /// extra arguments (options, a size) after the name.
    fn snapshot(dir: &Path, backing: &str, fmt: &str, child: &str, extra: &[&str]) -> Option<()> {
        let args = [
            "create", "-q", "-f", "qcow2", "-b", backing, "-F", fmt, child,
        ];
        qemu(dir, "qemu-img", &[&args[..], extra].concat())
    }

    /// `qemu-io -c CMD…` on a QCOW2 image.
    fn qemu_io(dir: &Path, img: &str, cmds: &[&str]) -> Option<()> {
        let mut args = vec!["-f", "qcow2"];
        for c in cmds {
            args.extend(["-c", c]);
        }
        args.push(img);
        qemu(dir, "qemu-io", &args)
    }

    /// `pattern` written over `[at, at + len)` of `data`.
    fn put(data: &mut [u8], at: usize, len: usize, pattern: u8) {
        data[at..at + len].fill(pattern);
    }

    /// Writes in a child: a pattern, explicit zeros over the parent's data
    /// (the zero flag in v3), a compressed cluster, and a write off any
    /// cluster boundary (QEMU copies the rest of its clusters up).
    const WRITES: [&str; 4] = [
        "write -P 0xab 1M 64k",
        "write -z 5M 64k",
        "write -c -P 0x77 7M 64k",
        "write -P 0xcd 3000k 100k",
    ];

    fn written(mut data: Vec<u8>) -> Vec<u8> {
        put(&mut data, 1 << 20, 64 << 10, 0xab);
        put(&mut data, 5 << 20, 64 << 10, 0);
        put(&mut data, 7 << 20, 64 << 10, 0x77);
        put(&mut data, 3000 << 10, 100 << 10, 0xcd);
        data
    }

    #[test]
    fn qcow2_backing_qcow2() {
        for (child, options, version) in [
            ("child.qcow2", "compat=1.1", "QCOW2 v3"),
            ("child2.qcow2", "compat=0.10", "QCOW2 v2"),
            ("child4k.qcow2", "cluster_size=4096", "QCOW2 v3"),
        ] {
            let d = tempfile::tempdir().unwrap();
            let (raw, data) = raw_image(d.path());
            let Some(_) = convert(&raw, &d.path().join("base.qcow2"), "qcow2", "") else {
                return;
            };
            if snapshot(d.path(), "base.qcow2", "qcow2", child, &["-o", options]).is_none() {
                return;
            }
            // Before any write the child reads as its parent.
            let src = open(&d.path().join(child)).unwrap();
            assert_eq!(src.format(), format!("{version} (snapshot of base.qcow2)"));
            same_bytes(&src, &data);
            drop(src);
            if qemu_io(d.path(), child, &WRITES).is_none() {
                return;
            }
            let src = open(&d.path().join(child)).unwrap();
            assert_eq!(
                src.paths(),
                vec![d.path().join(child), d.path().join("base.qcow2")]
            );
            same_bytes(&src, &written(data));
        }
    }

    #[test]
    fn qcow2_backing_raw() {
        let d = tempfile::tempdir().unwrap();
        let (_, data) = raw_image(d.path());
        if snapshot(d.path(), "disk.raw", "raw", "child.qcow2", &[]).is_none()
            || qemu_io(d.path(), "child.qcow2", &WRITES).is_none()
        {
            return;
        }
        let src = open(&d.path().join("child.qcow2")).unwrap();
        assert_eq!(src.format(), "QCOW2 v3 (snapshot of disk.raw)");
        same_bytes(&src, &written(data));
    }

    #[test]
    fn qcow2_backing_format_mismatch_reported() {
        // Recorded as raw, but the parent is a QCOW2 image: QEMU would read
        // its container bytes; it is read as QCOW2 and the difference said.
        let d = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(d.path());
        let Some(_) = convert(&raw, &d.path().join("base.qcow2"), "qcow2", "") else {
            return;
        };
        let base_len = std::fs::metadata(d.path().join("base.qcow2"))
            .unwrap()
            .len();
        let size = (40u64 << 20).to_string();
        if snapshot(d.path(), "base.qcow2", "raw", "child.qcow2", &[&size]).is_none() {
            return;
        }
        assert!(base_len < 40 << 20);
        let src = open(&d.path().join("child.qcow2")).unwrap();
        assert_eq!(
            src.format(),
            "QCOW2 v3 (backing format recorded as \"raw\", read as qcow2) (snapshot of base.qcow2)"
        );
        same_bytes(&src, &data);
    }

    #[test]
    fn qcow2_child_larger_than_base() {
        let d = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(d.path());
        let Some(_) = convert(&raw, &d.path().join("base.qcow2"), "qcow2", "") else {
            return;
        };
        let edge = (40 << 20) - (32 << 10);
        let across = format!("write -P 0x22 {edge} 64k");
        if snapshot(d.path(), "base.qcow2", "qcow2", "child.qcow2", &["64M"]).is_none()
            || qemu_io(d.path(), "child.qcow2", &[&across, "write -P 0x11 50M 64k"]).is_none()
        {
            return;
        }
        let mut expected = data;
        expected.resize(64 << 20, 0);
        put(&mut expected, edge, 64 << 10, 0x22);
        put(&mut expected, 50 << 20, 64 << 10, 0x11);
        same_bytes(&open(&d.path().join("child.qcow2")).unwrap(), &expected);
    }

    #[test]
    fn qcow2_grandchild_chain() {
        let d = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(d.path());
        let Some(_) = convert(&raw, &d.path().join("base.qcow2"), "qcow2", "") else {
            return;
        };
        if snapshot(d.path(), "base.qcow2", "qcow2", "mid.qcow2", &[]).is_none()
            || qemu_io(d.path(), "mid.qcow2", &WRITES).is_none()
            || snapshot(d.path(), "mid.qcow2", "qcow2", "top.qcow2", &[]).is_none()
            || qemu_io(
                d.path(),
                "top.qcow2",
                &[
                    "write -z 1M 32k",
                    "write -P 0x33 5M 4k",
                    "write -P 0x44 20M 1M",
                    // Written, then zeroed: the zero flag on an allocated
                    // cluster.
                    "write -P 0x55 9M 64k",
                    "write -z 9M 64k",
                ],
            )
            .is_none()
        {
            return;
        }
        let mut expected = written(data);
        put(&mut expected, 1 << 20, 32 << 10, 0);
        put(&mut expected, 5 << 20, 4 << 10, 0x33);
        put(&mut expected, 20 << 20, 1 << 20, 0x44);
        put(&mut expected, 9 << 20, 64 << 10, 0);
        let src = open(&d.path().join("top.qcow2")).unwrap();
        assert_eq!(src.format(), "QCOW2 v3 (snapshot of mid.qcow2)");
        assert_eq!(
            src.paths(),
            ["top.qcow2", "mid.qcow2", "base.qcow2"].map(|n| d.path().join(n))
        );
        same_bytes(&src, &expected);
    }

    #[test]
    fn qcow2_backing_found_beside_the_child() {
        // Named by an absolute path elsewhere (the machine it was made on):
        // the copy beside the child is read, never the file elsewhere.
        let d = tempfile::tempdir().unwrap();
        let elsewhere = d.path().join("elsewhere");
        let here = d.path().join("here");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::create_dir_all(here.join("parents")).unwrap();
        let (raw, data) = raw_image(d.path());
        let Some(_) = convert(&raw, &here.join("base.qcow2"), "qcow2", "") else {
            return;
        };
        std::fs::copy(here.join("base.qcow2"), here.join("parents/base.qcow2")).unwrap();
        // The file elsewhere holds other bytes (same size).
        let other = d.path().join("other.raw");
        std::fs::write(&other, vec![0xeeu8; 40 << 20]).unwrap();
        convert(&other, &elsewhere.join("base.qcow2"), "qcow2", "");
        let abs = elsewhere.join("base.qcow2");
        if snapshot(&here, abs.to_str().unwrap(), "qcow2", "child.qcow2", &[]).is_none()
            || qemu_io(&here, "child.qcow2", &["write -P 0xab 1M 64k"]).is_none()
        {
            return;
        }
        let mut expected = data.clone();
        put(&mut expected, 1 << 20, 64 << 10, 0xab);
        let src = open(&here.join("child.qcow2")).unwrap();
        assert_eq!(src.paths()[1], here.join("base.qcow2"));
        same_bytes(&src, &expected);

        // A relative name into a subfolder is followed there.
        if snapshot(&here, "parents/base.qcow2", "qcow2", "sub.qcow2", &[]).is_none() {
            return;
        }
        let src = open(&here.join("sub.qcow2")).unwrap();
        assert_eq!(src.paths()[1], here.join("parents/base.qcow2"));
        same_bytes(&src, &data);
    }

    #[test]
    fn qcow2_missing_backing_is_error() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path().join("base.qcow2");
        if qemu(
            d.path(),
            "qemu-img",
            &["create", "-q", "-f", "qcow2", "base.qcow2", "1M"],
        )
        .is_none()
            || snapshot(d.path(), "base.qcow2", "qcow2", "child.qcow2", &[]).is_none()
        {
            return;
        }
        assert!(open(&d.path().join("child.qcow2")).is_ok());
        std::fs::remove_file(&base).unwrap();
        match open(&d.path().join("child.qcow2")) {
            Err(e @ EvidenceError::MissingSegment { .. }) => {
                assert!(e.to_string().contains("base.qcow2"), "{e}")
            }
            other => panic!("expected MissingSegment, got {other:?}"),
        }
        // A parent whose own parent is missing: the error names that one.
        if qemu(
            d.path(),
            "qemu-img",
            &["create", "-q", "-f", "qcow2", "base.qcow2", "1M"],
        )
        .is_none()
            || snapshot(d.path(), "child.qcow2", "qcow2", "top.qcow2", &[]).is_none()
        {
            return;
        }
        std::fs::remove_file(&base).unwrap();
        let e = open(&d.path().join("top.qcow2")).unwrap_err();
        assert!(e.to_string().contains("base.qcow2"), "{e}");
    }

    /// Overwrites the backing file name in the header of `img` with one of
    /// the same length.
    fn rename_backing(img: &Path, name: &str) {
        let mut bytes = std::fs::read(img).unwrap();
        let at = be_u64(&bytes, 8) as usize;
        let len = be_u32(&bytes, 16) as usize;
        assert_eq!(len, name.len());
        bytes[at..at + len].copy_from_slice(name.as_bytes());
        std::fs::write(img, &bytes).unwrap();
    }

    #[test]
    fn qcow2_backing_loops_are_errors() {
        let d = tempfile::tempdir().unwrap();
        if qemu(
            d.path(),
            "qemu-img",
            &["create", "-q", "-f", "qcow2", "base.qcow2", "1M"],
        )
        .is_none()
            || snapshot(d.path(), "base.qcow2", "qcow2", "self.qcow2", &[]).is_none()
            || snapshot(d.path(), "base.qcow2", "qcow2", "a.qcow2", &[]).is_none()
            || snapshot(d.path(), "base.qcow2", "qcow2", "b.qcow2", &[]).is_none()
        {
            return;
        }
        // Names itself.
        rename_backing(&d.path().join("self.qcow2"), "self.qcow2");
        let e = open(&d.path().join("self.qcow2")).unwrap_err();
        assert!(e.to_string().contains("itself"), "{e}");
        // a → b → a: bounded by the chain depth.
        rename_backing(&d.path().join("a.qcow2"), "b.qcow2\0\0\0");
        rename_backing(&d.path().join("b.qcow2"), "a.qcow2\0\0\0");
        let e = open(&d.path().join("a.qcow2")).unwrap_err();
        assert!(matches!(e, EvidenceError::Corrupt { .. }), "{e}");
    }

    #[test]
    fn qcow2_backing_name_out_of_bounds_is_error() {
        let d = tempfile::tempdir().unwrap();
        if qemu(
            d.path(),
            "qemu-img",
            &["create", "-q", "-f", "qcow2", "base.qcow2", "1M"],
        )
        .is_none()
            || snapshot(d.path(), "base.qcow2", "qcow2", "child.qcow2", &[]).is_none()
        {
            return;
        }
        let img = d.path().join("child.qcow2");
        let orig = std::fs::read(&img).unwrap();
        for (at, value) in [(8, u64::MAX - 4), (8, 1 << 40)] {
            let mut bytes = orig.clone();
            bytes[at..at + 8].copy_from_slice(&value.to_be_bytes());
            std::fs::write(&img, &bytes).unwrap();
            assert!(
                matches!(open(&img), Err(EvidenceError::Corrupt { .. })),
                "offset {value}"
            );
        }
        let mut bytes = orig.clone();
        bytes[16..20].copy_from_slice(&4096u32.to_be_bytes());
        std::fs::write(&img, &bytes).unwrap();
        assert!(matches!(open(&img), Err(EvidenceError::Corrupt { .. })));
        // An empty name is no backing file (as QEMU reads it); so is one
        // that ends (a C string) before its first byte.
        let no_backing = |bytes: &[u8]| {
            std::fs::write(&img, bytes).unwrap();
            let src = open(&img).unwrap();
            assert_eq!(src.format(), "QCOW2 v3");
            same_bytes(&src, &vec![0u8; 1 << 20]);
        };
        let mut bytes = orig.clone();
        bytes[16..20].copy_from_slice(&0u32.to_be_bytes());
        no_backing(&bytes);
        let mut bytes = orig.clone();
        let name = be_u64(&bytes, 8) as usize;
        bytes[name..name + 10].fill(0);
        no_backing(&bytes);
    }

    #[test]
    fn qcow2_encrypted_refused() {
        let d = tempfile::tempdir().unwrap();
        let img = d.path().join("enc.qcow2");
        let ok = qemu_img(&[
            "create",
            "-q",
            "-f",
            "qcow2",
            "--object",
            "secret,id=sec0,data=exhibit",
            "-o",
            "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10",
            img.to_str().unwrap(),
            "1M",
        ]);
        if ok.is_none() {
            return;
        }
        let what = unsupported_what(open(&img));
        assert!(what.contains("encrypted"), "{what}");
    }

    #[test]
    fn qcow2_features_refused() {
        let d = tempfile::tempdir().unwrap();
        let cases = [
            ("extended_l2=on", "extended L2"),
            ("compression_type=zstd", "zstd"),
            ("data_file=DATA", "data.raw"),
        ];
        for (i, (options, says)) in cases.into_iter().enumerate() {
            let img = d.path().join(format!("f{i}.qcow2"));
            let data = d.path().join("data.raw");
            let options = options.replace("DATA", data.to_str().unwrap());
            let args = ["create", "-q", "-f", "qcow2", "-o", &options];
            let img_s = img.to_str().unwrap();
            if qemu_img(&[&args[..], &[img_s, "1M"]].concat()).is_none() {
                continue;
            }
            let what = unsupported_what(open(&img));
            assert!(what.contains(says), "{options}: {what}");
        }
    }

    #[test]
    fn qcow2_corrupt_flag_still_read() {
        let d = tempfile::tempdir().unwrap();
        let (raw, data) = raw_image(d.path());
        let Some(img) = convert(&raw, &d.path().join("x.qcow2"), "qcow2", "") else {
            return;
        };
        let mut bytes = std::fs::read(&img).unwrap();
        bytes[79] |= INCOMPAT_CORRUPT as u8;
        std::fs::write(&img, &bytes).unwrap();
        let src = open(&img).unwrap();
        assert_eq!(src.format(), "QCOW2 v3 (flagged corrupt by QEMU)");
        same_bytes(&src, &data);
    }

    #[test]
    fn qcow2_truncated_is_error() {
        let d = tempfile::tempdir().unwrap();
        let (raw, _) = raw_image(d.path());
        let Some(img) = convert(&raw, &d.path().join("t.qcow2"), "qcow2", "") else {
            return;
        };
        let bytes = std::fs::read(&img).unwrap();
        for keep in [
            0,
            3,
            50,
            100,
            70_000,
            200_000,
            bytes.len() / 2,
            bytes.len() - 1,
        ] {
            let cut = d.path().join("cut.qcow2");
            std::fs::write(&cut, &bytes[..keep]).unwrap();
            match open(&cut) {
                Err(_) => {}
                Ok(src) => assert!(read_all(&src).is_err(), "cut at {keep} read without error"),
            }
        }
    }

    fn lcg(x: &mut u64) -> u8 {
        *x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*x >> 56) as u8
    }

    #[test]
    fn qcow2_random_after_magic_is_error() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.qcow2");
        let mut x = 7u64;
        for round in 0..200 {
            let mut bytes: Vec<u8> = (0..4096 + round * 97).map(|_| lcg(&mut x)).collect();
            bytes[..4].copy_from_slice(MAGIC);
            if round % 2 == 0 {
                // Get past the version check, into the tables.
                bytes[4..8].copy_from_slice(&(2 + (round as u32 / 2) % 2).to_be_bytes());
            }
            if round % 4 == 0 {
                bytes[20..24].copy_from_slice(&16u32.to_be_bytes());
            }
            std::fs::write(&p, &bytes).unwrap();
            assert!(open(&p).is_err(), "round {round} opened");
        }
    }

    #[test]
    fn qcow2_damaged_tables_do_not_panic() {
        let d = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..(1u32 << 20)).map(|i| (i / 4096) as u8).collect();
        let raw = d.path().join("small.raw");
        std::fs::write(&raw, &data).unwrap();
        let mut images = Vec::new();
        if let Some(img) = convert(
            &raw,
            &d.path().join("a.qcow2"),
            "qcow2",
            "cluster_size=4096",
        ) {
            images.push(std::fs::read(img).unwrap());
        }
        if let Some(img) = compressed(&raw, &d.path().join("b.qcow2"), "cluster_size=4096") {
            images.push(std::fs::read(img).unwrap());
        }
        let p = d.path().join("m.qcow2");
        let mut x = 99u64;
        for orig in &images {
            // The header, L1 and the first L2 tables lie in the first clusters.
            let hot = orig.len().min(8 * 4096);
            for _ in 0..150 {
                let mut bytes = orig.clone();
                for _ in 0..1 + lcg(&mut x) % 8 {
                    let i = (usize::from(lcg(&mut x)) << 8 | usize::from(lcg(&mut x))) % hot;
                    bytes[i] = lcg(&mut x);
                }
                std::fs::write(&p, &bytes).unwrap();
                if let Ok(src) = open(&p) {
                    let _ = read_all(&src);
                }
            }
        }
    }

    #[test]
    fn not_qcow2_is_unsupported() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("n.qcow2");
        std::fs::write(&p, b"QFI").unwrap();
        unsupported_what(open(&p));
        let mut v1 = vec![0u8; 512];
        v1[..4].copy_from_slice(MAGIC);
        v1[7] = 1;
        std::fs::write(&p, &v1).unwrap();
        assert!(unsupported_what(open(&p)).contains("version 1"));
    }
}
