//! The exFAT reader against a volume made by the test image builder
//! (`build/`), against TSK's `fls` for it when installed, against an empty
//! volume made by `mkfs.exfat` when installed, and damaged images.

mod build;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use build::{deleted, entry_set, Builder, SetSpec, Stamp, ATTR_ARCHIVE, ATTR_DIRECTORY, CLUSTER};
use exhibit_evidence::{EvidenceError, Source};
use exhibit_exfat::{open, probe, ExfatFs};
use exhibit_vfs::{bodyfile_line, Entry, EntryKind, FileSystem, FsOptions, Listing, Recovery};
use jiff::tz::{Offset, TimeZone};
use md5::{Digest, Md5};

// ---------------------------------------------------------------------
// Helpers.

/// An in-memory source, optionally cut short and with one bit flipped.
struct Mem {
    data: Arc<Vec<u8>>,
    len: usize,
    flip: Option<usize>,
}

fn mem(data: Vec<u8>) -> Arc<dyn Source> {
    let len = data.len();
    Arc::new(Mem {
        data: Arc::new(data),
        len,
        flip: None,
    })
}

impl Source for Mem {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        if offset >= self.len as u64 {
            return Ok(0);
        }
        let start = offset as usize;
        let n = buf.len().min(self.len - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        if let Some(bit) = self.flip {
            let at = bit / 8;
            if (start..start + n).contains(&at) {
                buf[at - start] ^= 1 << (bit % 8);
            }
        }
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.len as u64
    }
    fn name(&self) -> &str {
        "memory"
    }
}

fn read_all(src: &dyn Source) -> Vec<u8> {
    let mut v = vec![0u8; src.len() as usize];
    src.read_exact_at(0, &mut v).unwrap();
    v
}

fn md5_hex(b: &[u8]) -> String {
    hex::encode(Md5::digest(b))
}

fn by_path<'a>(l: &'a Listing, path: &str) -> &'a Entry {
    l.entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| {
            let all: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
            panic!("{path} not listed; listed: {all:?}")
        })
}

fn content(fs: &dyn FileSystem, e: &Entry) -> (Vec<u8>, Recovery) {
    let d = fs.open(&e.inode, None).unwrap();
    (read_all(&*d.source), d.recovery)
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

fn utc() -> FsOptions {
    FsOptions::default()
}

// ---------------------------------------------------------------------
// The built volume.

/// Expected content of each regular file, by path.
struct Built {
    image: Vec<u8>,
    files: BTreeMap<&'static str, (Vec<u8>, Recovery)>,
}

fn t(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Stamp {
    Stamp::new((y, mo, d, h, mi, s), 0, None)
}

fn spec(
    name: &str,
    attrs: u16,
    first: u32,
    size: u64,
    contiguous: bool,
    modified: Stamp,
) -> SetSpec<'_> {
    SetSpec {
        name,
        attrs,
        first_cluster: first,
        size,
        valid_len: size,
        no_fat_chain: contiguous,
        created: t(2023, 1, 2, 3, 4, 6),
        modified,
        accessed: t(2023, 6, 7, 0, 0, 0),
    }
}

fn build() -> Built {
    let mut b = Builder::new("EXHIBIT");
    let mut files = BTreeMap::new();
    let root = [build::ROOT];
    let m = t(2023, 5, 6, 7, 8, 10);

    // /docs: contiguous directory, one cluster.
    let docs = [10u32];
    b.allocate(&docs);
    b.add_entries(
        &root,
        &entry_set(&spec("docs", ATTR_DIRECTORY, 10, CLUSTER as u64, true, m)),
    );
    // /docs/contig.bin: contiguous (NoFatChain), 3 clusters; modified
    // 2023-05-06 07:08:11.50 at UTC+02:00.
    let data = pattern(10_000, 1);
    let cl = [11u32, 12, 13];
    b.allocate(&cl);
    b.write(&cl, &data);
    let mut s = spec("contig.bin", ATTR_ARCHIVE, 11, data.len() as u64, true, m);
    s.modified = Stamp::new((2023, 5, 6, 7, 8, 11), 50, Some(8));
    b.add_entries(&docs, &entry_set(&s));
    files.insert("/docs/contig.bin", (data, Recovery::Certain));
    // /docs/ñandú café.txt
    let data = "non-ASCII name ✓\n".as_bytes().to_vec();
    b.allocate(&[14]);
    b.write(&[14], &data);
    b.add_entries(
        &docs,
        &entry_set(&spec(
            "ñandú café.txt",
            ATTR_ARCHIVE,
            14,
            data.len() as u64,
            true,
            m,
        )),
    );
    files.insert("/docs/ñandú café.txt", (data, Recovery::Certain));

    // /frag.bin: FAT chain over scattered clusters.
    let data = pattern(3 * CLUSTER + 100, 2);
    let cl = [20u32, 25, 22, 29];
    b.allocate(&cl);
    b.chain(&cl);
    b.write(&cl, &data);
    b.add_entries(
        &root,
        &entry_set(&spec(
            "frag.bin",
            ATTR_ARCHIVE,
            20,
            data.len() as u64,
            false,
            m,
        )),
    );
    files.insert("/frag.bin", (data, Recovery::Certain));

    // A name over three name entries.
    let long = "a fairly long file name for exFAT.txt";
    let data = b"long name\n".to_vec();
    b.allocate(&[30]);
    b.chain(&[30]);
    b.write(&[30], &data);
    b.add_entries(
        &root,
        &entry_set(&spec(long, ATTR_ARCHIVE, 30, data.len() as u64, false, m)),
    );
    files.insert(
        "/a fairly long file name for exFAT.txt",
        (data, Recovery::Certain),
    );

    // Empty file: no cluster.
    b.add_entries(
        &root,
        &entry_set(&spec("empty.txt", ATTR_ARCHIVE, 0, 0, false, m)),
    );
    files.insert("/empty.txt", (Vec::new(), Recovery::Certain));

    // Valid data length 100 of 5000: the rest reads as zeros.
    let stored = pattern(5000, 3);
    let cl = [31u32, 32];
    b.allocate(&cl);
    b.write(&cl, &stored);
    let mut s = spec("vdl.bin", ATTR_ARCHIVE, 31, 5000, true, m);
    s.valid_len = 100;
    b.add_entries(&root, &entry_set(&s));
    let mut want = stored[..100].to_vec();
    want.resize(5000, 0);
    files.insert("/vdl.bin", (want, Recovery::Certain));

    // Deleted, contiguous, clusters free: recoverable (a guess).
    let data = pattern(6000, 4);
    let cl = [40u32, 41];
    b.write(&cl, &data);
    b.add_entries(
        &root,
        &deleted(entry_set(&spec(
            "deleted.txt",
            ATTR_ARCHIVE,
            40,
            data.len() as u64,
            true,
            m,
        ))),
    );
    files.insert("/deleted.txt", (data, Recovery::Guess));

    // Deleted, FAT chain left intact over free clusters.
    let data = pattern(2 * CLUSTER + 10, 5);
    let cl = [45u32, 48, 47];
    b.chain(&cl);
    b.write(&cl, &data);
    b.add_entries(
        &root,
        &deleted(entry_set(&spec(
            "deleted-frag.bin",
            ATTR_ARCHIVE,
            45,
            data.len() as u64,
            false,
            m,
        ))),
    );
    files.insert("/deleted-frag.bin", (data, Recovery::Guess));

    // Deleted, first cluster allocated again to new.txt: lost.
    let data = b"the new file\n".to_vec();
    b.allocate(&[50]);
    b.chain(&[50]);
    b.write(&[50], &data);
    b.add_entries(
        &root,
        &deleted(entry_set(&spec(
            "reused.txt",
            ATTR_ARCHIVE,
            50,
            3000,
            true,
            m,
        ))),
    );
    b.add_entries(
        &root,
        &entry_set(&spec(
            "new.txt",
            ATTR_ARCHIVE,
            50,
            data.len() as u64,
            false,
            m,
        )),
    );
    files.insert("/new.txt", (data, Recovery::Certain));
    files.insert("/reused.txt", (Vec::new(), Recovery::Lost));

    // /many: a FAT-chained directory over two scattered clusters, 50 files
    // (150 entries: a set crosses the cluster boundary).
    let many = [60u32, 64];
    b.allocate(&many);
    b.chain(&many);
    b.add_entries(
        &root,
        &entry_set(&spec(
            "many",
            ATTR_DIRECTORY,
            60,
            2 * CLUSTER as u64,
            false,
            m,
        )),
    );
    for i in 0..50 {
        let name: &'static str = Box::leak(format!("file-{i:02}.txt").into_boxed_str());
        let data = format!("file {i}\n").into_bytes();
        let c = 100 + i as u32;
        b.allocate(&[c]);
        b.write(&[c], &data);
        b.add_entries(
            &many,
            &entry_set(&spec(name, ATTR_ARCHIVE, c, data.len() as u64, true, m)),
        );
        let path: &'static str = Box::leak(format!("/many/{name}").into_boxed_str());
        files.insert(path, (data, Recovery::Certain));
    }

    // /gone: a deleted directory, its cluster free, holding a file.
    let gone = [70u32];
    b.add_entries(
        &root,
        &deleted(entry_set(&spec(
            "gone",
            ATTR_DIRECTORY,
            70,
            CLUSTER as u64,
            true,
            m,
        ))),
    );
    let data = b"inside a deleted directory\n".to_vec();
    b.write(&[71], &data);
    b.add_entries(
        &gone,
        &entry_set(&spec(
            "inner.txt",
            ATTR_ARCHIVE,
            71,
            data.len() as u64,
            true,
            m,
        )),
    );
    files.insert("/gone/inner.txt", (data, Recovery::Guess));

    Built {
        image: b.finish(),
        files,
    }
}

#[test]
fn built_volume_lists_and_reads() {
    let built = build();
    let src = mem(built.image.clone());
    assert!(probe(&*src));
    let fs = open(src, &utc()).unwrap();
    assert_eq!(fs.kind(), "exFAT");
    assert_eq!(fs.label().as_deref(), Some("EXHIBIT"));
    let l = fs.list().unwrap();
    // Expected warnings only: the deleted file whose cluster was reused.
    for w in &l.warnings {
        assert!(w.what.contains("reused.txt"), "unexpected warning {w:?}");
    }
    for (path, (data, recovery)) in &built.files {
        let e = by_path(&l, path);
        assert_eq!(e.meta_kind, EntryKind::File, "{path}");
        let deleted = *recovery != Recovery::Certain;
        assert_eq!(e.deleted, deleted, "{path}");
        assert_eq!(e.recovery, *recovery, "{path}");
        let (got, rec) = content(&*fs, e);
        assert_eq!(rec, *recovery, "{path}");
        if *recovery != Recovery::Lost {
            assert_eq!(e.size, data.len() as u64, "{path}");
            assert_eq!(md5_hex(&got), md5_hex(data), "{path}");
        } else {
            assert!(got.is_empty());
        }
    }
    for d in ["/docs", "/many"] {
        let e = by_path(&l, d);
        assert_eq!(e.meta_kind, EntryKind::Directory);
        assert!(!e.deleted);
    }
    let gone = by_path(&l, "/gone");
    assert!(gone.deleted && gone.meta_kind == EntryKind::Directory);
    assert_eq!(gone.recovery, Recovery::Guess);
    // TSK-style pseudo-files and addresses.
    let label = by_path(&l, "/EXHIBIT (Volume Label Entry)");
    let bitmap = by_path(&l, "/$ALLOC_BITMAP");
    let upcase = by_path(&l, "/$UPCASE_TABLE");
    // The root is cluster 4: (4 − 2) × 8 sectors × 16 slots + 3.
    assert_eq!(label.inode, "259");
    assert_eq!(bitmap.inode, "260");
    assert_eq!(upcase.inode, "261");
    assert_eq!(bitmap.size, 252);
    assert_eq!(content(&*fs, upcase).0.len(), 256);
    // $MBR follows the last slot: (16384 − 256) × 16 + 3.
    assert_eq!(by_path(&l, "/$MBR").inode, "258051");
    assert_eq!(by_path(&l, "/$FAT1").inode, "258052");
    assert_eq!(by_path(&l, "/$OrphanFiles").inode, "258053");
    assert_eq!(content(&*fs, by_path(&l, "/$MBR")).0[3..11], *b"EXFAT   ");
    assert_eq!(content(&*fs, by_path(&l, "/$FAT1")).0.len(), 16 * 512);
    // The root opens as its cluster.
    assert_eq!(fs.open("2", None).unwrap().source.len(), CLUSTER as u64);
    assert!(fs.open("999999999", None).is_err());
    assert!(fs.open("frag", None).is_err());
    assert!(fs.open("2", Some("stream")).is_err());
    // Directory order.
    let root_names: Vec<&str> = l
        .entries
        .iter()
        .map(|e| e.path.as_str())
        .filter(|p| p.matches('/').count() == 1)
        .collect();
    assert_eq!(
        root_names,
        [
            "/EXHIBIT (Volume Label Entry)",
            "/$ALLOC_BITMAP",
            "/$UPCASE_TABLE",
            "/docs",
            "/frag.bin",
            "/a fairly long file name for exFAT.txt",
            "/empty.txt",
            "/vdl.bin",
            "/deleted.txt",
            "/deleted-frag.bin",
            "/reused.txt",
            "/new.txt",
            "/many",
            "/gone",
            "/$MBR",
            "/$FAT1",
            "/$OrphanFiles",
        ]
    );
    assert_eq!(
        l.entries
            .iter()
            .filter(|e| e.path.starts_with("/many/"))
            .count(),
        50
    );
}

#[test]
fn times_use_offsets_or_the_examiners_zone() {
    let built = build();
    let minus5 = FsOptions {
        local_tz: TimeZone::fixed(Offset::from_seconds(-5 * 3600).unwrap()),
    };
    let fs = ExfatFs::open(mem(built.image), &minus5).unwrap();
    let l = fs.list().unwrap();
    // UTC offset +02:00 recorded: the examiner's zone does not matter.
    let e = by_path(&l, "/docs/contig.bin");
    assert_eq!(e.times.mtime.unwrap().to_string(), "2023-05-06T05:08:11.5Z");
    // No valid offset: local time in the given zone (UTC−5).
    let e = by_path(&l, "/frag.bin");
    assert_eq!(e.times.mtime.unwrap().to_string(), "2023-05-06T12:08:10Z");
    assert_eq!(e.times.crtime.unwrap().to_string(), "2023-01-02T08:04:06Z");
    assert_eq!(e.times.atime.unwrap().to_string(), "2023-06-07T05:00:00Z");
    assert_eq!(e.times.ctime, None);
    assert_eq!(e.mode, 0o777);
}

#[test]
fn damaged_sets_and_boot_region_warn() {
    let built = build();
    // Flip a name character of frag.bin: set checksum mismatch.
    let mut img = built.image.clone();
    let root = Builder::cluster_offset(build::ROOT);
    let slot = (0..64)
        .find(|i| img[root + 32 * i] == 0x85 && img[root + 32 * (i + 2) + 2] == b'f')
        .unwrap();
    img[root + 32 * (slot + 2) + 4] ^= 0x01;
    let fs = open(mem(img), &utc()).unwrap();
    let l = fs.list().unwrap();
    assert!(
        l.warnings.iter().any(|w| w.what.contains("set checksum")),
        "{:?}",
        l.warnings
    );
    // Change the boot sector's serial number: boot checksum mismatch.
    let mut img = built.image.clone();
    img[100] ^= 0xFF;
    let fs = open(mem(img), &utc()).unwrap();
    let l = fs.list().unwrap();
    assert!(l.warnings.iter().any(|w| w.what.contains("boot checksum")));
    // Destroy the main boot sector: the backup is used.
    let mut img = built.image.clone();
    img[..512].fill(0);
    let src = mem(img);
    assert!(probe(&*src));
    let fs = open(src, &utc()).unwrap();
    let l = fs.list().unwrap();
    assert!(l
        .warnings
        .iter()
        .any(|w| w.what.contains("backup boot sector")));
    assert_eq!(
        content(&*fs, by_path(&l, "/frag.bin")).0,
        built.files["/frag.bin"].0
    );
    // A FAT loop in frag.bin's chain.
    let mut img = built.image.clone();
    let fat = build::FAT_OFFSET * 512;
    img[fat + 4 * 22..fat + 4 * 22 + 4].copy_from_slice(&20u32.to_le_bytes());
    let fs = open(mem(img), &utc()).unwrap();
    let l = fs.list().unwrap();
    let e = by_path(&l, "/frag.bin");
    assert_eq!(e.recovery, Recovery::Guess);
    assert!(l.warnings.iter().any(|w| w.what.contains("loops")));
}

#[test]
fn rejects_other_data() {
    assert!(!probe(&*mem(vec![0u8; 65536])));
    assert!(open(mem(vec![0u8; 65536]), &utc()).is_err());
    assert!(open(mem(vec![0u8; 100]), &utc()).is_err());
    let mut fat = vec![0u8; 65536];
    fat[3..11].copy_from_slice(b"MSDOS5.0");
    fat[11..13].copy_from_slice(&512u16.to_le_bytes());
    assert!(!probe(&*mem(fat)));
}

// ---------------------------------------------------------------------
// Against TSK and mkfs.exfat.

/// `fls -r -m /` for an image (TZ=UTC), as body lines.
fn fls(image: &Path) -> Option<Vec<String>> {
    if !on_path("fls") {
        eprintln!("NOTE: fls (sleuthkit) not on PATH: TSK comparison skipped");
        return None;
    }
    let o = Command::new("fls")
        .args(["-r", "-m", "/"])
        .arg(image)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "fls: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// Compares body lines with TSK's: every inode TSK lists is listed here
/// with the same path, size and mode; lines that differ otherwise are
/// printed.
fn compare_with_fls(fs: &dyn FileSystem, image: &Path) {
    let Some(tsk) = fls(image) else { return };
    let parse = |l: &str| -> Option<(String, Vec<String>)> {
        let f: Vec<String> = l.split('|').map(str::to_string).collect();
        (f.len() == 11).then(|| (f[2].clone(), f))
    };
    let theirs: BTreeMap<_, _> = tsk.iter().filter_map(|l| parse(l)).collect();
    let ours: BTreeMap<_, _> = fs
        .list()
        .unwrap()
        .entries
        .iter()
        .filter_map(|e| parse(&bodyfile_line("", e)))
        .collect();
    for (inode, t) in &theirs {
        let u = ours
            .get(inode)
            .unwrap_or_else(|| panic!("TSK lists inode {inode} ({}), Exhibit does not", t[1]));
        assert_eq!(
            (&u[1], &u[3], &u[6]),
            (&t[1], &t[3], &t[6]),
            "inode {inode}: path, mode, size"
        );
        if u != t {
            eprintln!(
                "inode {inode}: Exhibit {}\n{:>w$}TSK     {}",
                u.join("|"),
                "",
                t.join("|"),
                w = 0
            );
        }
    }
    for (inode, u) in &ours {
        if !theirs.contains_key(inode) {
            eprintln!("inode {inode}: only Exhibit lists {}", u[1]);
        }
    }
}

#[test]
fn built_volume_matches_tsk() {
    let built = build();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("built.exfat");
    std::fs::write(&path, &built.image).unwrap();
    let fs = open(mem(built.image), &utc()).unwrap();
    compare_with_fls(&*fs, &path);
}

#[test]
fn mkfs_exfat_empty_volume() {
    if !on_path("mkfs.exfat") {
        eprintln!("NOTE: mkfs.exfat (exfatprogs) not on PATH: empty-volume check skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.exfat");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(16 << 20)
        .unwrap();
    let o = Command::new("mkfs.exfat")
        .args(["-L", "EMPTYVOL"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "mkfs.exfat: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let src: Arc<dyn Source> = Arc::new(exhibit_evidence::open(&path).unwrap());
    assert!(probe(&*src));
    let fs = open(src, &utc()).unwrap();
    assert_eq!(fs.label().as_deref(), Some("EMPTYVOL"));
    let l = fs.list().unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let paths: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/EMPTYVOL (Volume Label Entry)",
            "/$ALLOC_BITMAP",
            "/$UPCASE_TABLE",
            "/$MBR",
            "/$FAT1",
            "/$OrphanFiles"
        ]
    );
    for e in &l.entries {
        fs.open(&e.inode, None).unwrap();
    }
    compare_with_fls(&*fs, &path);
}

// ---------------------------------------------------------------------
// Damaged images.

fn exercise(src: Arc<dyn Source>) -> usize {
    let _ = probe(&*src);
    match open(src, &utc()) {
        Ok(fs) => exhibit_vfs::exercise(fs.as_ref(), u64::MAX),
        Err(_) => 0,
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn damaged_images_do_not_panic_or_hang() {
    let start = Instant::now();
    let data = Arc::new(build().image);
    let len = data.len();
    let mut listed = 0usize;
    let heap = build::HEAP_OFFSET * 512;
    for cut in [
        0,
        1,
        511,
        512,
        6144,
        12 * 512,
        65536,
        65540,
        heap,
        heap + 8192,
        heap + 20000,
        len / 2,
        len - 1,
    ] {
        listed += exercise(Arc::new(Mem {
            data: Arc::clone(&data),
            len: cut.min(len),
            flip: None,
        }));
    }
    // 300 deterministic single-bit flips over the metadata: boot region,
    // FAT, and the first 72 clusters of the heap (bitmap, up-case table,
    // root, /docs, /many, /gone and their neighbours).
    let regions = [
        (0usize, 24 * 512),
        (build::FAT_OFFSET * 512, 1024),
        (heap, 72 * CLUSTER),
    ];
    let total: usize = regions.iter().map(|r| r.1).sum();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..300 {
        let mut k = (rng.next() % (total as u64 * 8)) as usize;
        let mut bit = 0;
        for &(at, n) in &regions {
            if k < n * 8 {
                bit = at * 8 + k;
                break;
            }
            k -= n * 8;
        }
        let t = Instant::now();
        listed += exercise(Arc::new(Mem {
            data: Arc::clone(&data),
            len,
            flip: Some(bit),
        }));
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "flip of bit {bit} too slow"
        );
    }
    assert!(listed > 0);
    assert!(start.elapsed() < Duration::from_secs(120));
}
