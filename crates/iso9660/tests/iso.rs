//! The ISO 9660 reader against images made by `xorriso` (or `genisoimage`)
//! from a temporary directory, against TSK's `fls` for the same images when
//! it is installed, against a hand-built image with multi-extent,
//! interleaved, looping and out-of-range records, and damaged images.
//!
//! Tests needing `xorriso`/`genisoimage` or `fls` print a note and skip the
//! part that needs them when they are not on PATH.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use exhibit_evidence::{EvidenceError, Source};
use exhibit_iso9660::{open, probe, IsoFs};
use exhibit_vfs::{bodyfile_line, Entry, EntryKind, FileSystem, FsError, Listing, Recovery};
use md5::{Digest, Md5};

// ---------------------------------------------------------------------
// Helpers.

/// An in-memory source, optionally cut short and with one bit flipped.
struct Mem {
    data: Arc<Vec<u8>>,
    len: usize,
    flip: Option<usize>,
}

impl Mem {
    fn source(data: Vec<u8>) -> Arc<dyn Source> {
        let len = data.len();
        Arc::new(Mem {
            data: Arc::new(data),
            len,
            flip: None,
        })
    }
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

fn content(fs: &dyn FileSystem, e: &Entry) -> Vec<u8> {
    let d = fs.open(&e.inode, None).unwrap();
    assert_eq!(d.recovery, Recovery::Certain);
    read_all(&*d.source)
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// A deterministic pseudo-random byte pattern.
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

/// The source tree: returns the temporary directory and each regular
/// file's path (relative, `/`-separated) and content.
fn make_tree(with_big: bool) -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut files = BTreeMap::new();
    std::fs::create_dir_all(root.join("docs/reports/2023")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    let mut put = |rel: &str, data: Vec<u8>| {
        std::fs::write(root.join(rel), &data).unwrap();
        files.insert(rel.to_string(), data);
    };
    put("top.txt", b"top level\n".to_vec());
    put("docs/readme.md", b"# Exhibit test\n".to_vec());
    put("docs/reports/2023/q1.csv", pattern(5000, 1));
    put(
        "docs/ñandú café.txt",
        "non-ASCII name ✓\n".as_bytes().to_vec(),
    );
    put("zero.bin", Vec::new());
    if with_big {
        put("big.bin", pattern(3 * 1024 * 1024, 7));
    }
    std::os::unix::fs::symlink("docs/readme.md", root.join("link")).unwrap();
    // A fixed modification time for top.txt: 2020-05-06 07:08:09 UTC.
    let t = std::time::UNIX_EPOCH + Duration::from_secs(1_588_748_889);
    std::fs::File::options()
        .write(true)
        .open(root.join("top.txt"))
        .unwrap()
        .set_modified(t)
        .unwrap();
    (dir, files)
}

/// Which tool makes images, if any (`EXHIBIT_ISO_TOOL=genisoimage` picks
/// genisoimage when both are installed).
fn iso_tool() -> Option<&'static str> {
    let want = std::env::var("EXHIBIT_ISO_TOOL").unwrap_or_default();
    if want == "genisoimage" && on_path("genisoimage") {
        Some("genisoimage")
    } else if on_path("xorriso") {
        Some("xorriso")
    } else if on_path("genisoimage") {
        Some("genisoimage")
    } else {
        eprintln!(
            "NOTE: neither xorriso nor genisoimage is on PATH: skipping the generated-image checks (apt-get install xorriso)"
        );
        None
    }
}

/// Runs the tool with `flags` (`-R`, `-J`) over `src`, writing `out`.
fn make_iso(tool: &str, flags: &[&str], src: &Path, out: &Path) {
    let mut cmd = Command::new(tool);
    if tool == "xorriso" {
        cmd.args(["-as", "mkisofs"]);
    }
    // xorriso writes Rock Ridge unless told `--norock`; genisoimage only
    // with `-R` and does not know `--norock`.
    let flags = flags
        .iter()
        .filter(|f| tool == "xorriso" || **f != "--norock");
    cmd.args(flags)
        .args(["-V", "EXHIBIT_TEST", "-quiet", "-o"])
        .arg(out)
        .arg(src);
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn open_file(path: &Path) -> Box<dyn FileSystem> {
    let src: Arc<dyn Source> = Arc::new(exhibit_evidence::open(path).unwrap());
    assert!(probe(&*src));
    open(src).unwrap()
}

// ---------------------------------------------------------------------
// Generated images.

/// Checks a Rock Ridge and/or Joliet image: every source file is listed at
/// its own path with its size and content, directories and the symlink are
/// typed.
fn check_named(fs: &dyn FileSystem, files: &BTreeMap<String, Vec<u8>>, rock_ridge: bool) {
    assert_eq!(fs.kind(), "ISO9660");
    assert_eq!(fs.label().as_deref(), Some("EXHIBIT_TEST"));
    let l = fs.list().unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    for (rel, data) in files {
        let e = by_path(&l, &format!("/{rel}"));
        assert_eq!(e.size, data.len() as u64, "{rel}");
        assert_eq!(e.meta_kind, EntryKind::File, "{rel}");
        assert_eq!(md5_hex(&content(fs, e)), md5_hex(data), "{rel}");
        assert!(!e.deleted);
        assert_eq!(e.recovery, Recovery::Certain);
    }
    for d in ["/docs", "/docs/reports", "/docs/reports/2023", "/empty"] {
        assert_eq!(by_path(&l, d).meta_kind, EntryKind::Directory, "{d}");
    }
    let top = by_path(&l, "/top.txt");
    assert_eq!(
        top.times.mtime.map(|t| t.as_second()),
        Some(1_588_748_889),
        "top.txt mtime"
    );
    if rock_ridge {
        let link = by_path(&l, "/link -> docs/readme.md");
        assert_eq!(link.meta_kind, EntryKind::Symlink);
        assert_eq!(link.size, 0);
        assert!(top.mode & 0o400 != 0, "Rock Ridge mode {:o}", top.mode);
        assert!(top.times.atime.is_some(), "Rock Ridge TF atime");
    }
    // Paths are unique, inode numbers are unique and all open.
    let mut paths = std::collections::HashSet::new();
    let mut inodes = std::collections::HashSet::new();
    for e in &l.entries {
        assert!(paths.insert(e.path.clone()), "duplicate path {}", e.path);
        assert!(
            inodes.insert(e.inode.clone()),
            "duplicate inode {}",
            e.inode
        );
        fs.open(&e.inode, None).unwrap();
    }
}

#[test]
fn generated_rock_ridge_joliet() {
    let Some(tool) = iso_tool() else { return };
    let (src, files) = make_tree(true);
    let out = tempfile::tempdir().unwrap();
    let iso = out.path().join("rrj.iso");
    make_iso(tool, &["-R", "-J"], src.path(), &iso);
    let fs = IsoFs::open(Arc::new(exhibit_evidence::open(&iso).unwrap())).unwrap();
    assert!(fs.has_joliet() && fs.has_rock_ridge());
    check_named(&fs, &files, true);
    compare_with_fls(&fs, &iso);
}

#[test]
fn generated_rock_ridge_only() {
    let Some(tool) = iso_tool() else { return };
    let (src, files) = make_tree(false);
    let out = tempfile::tempdir().unwrap();
    let iso = out.path().join("rr.iso");
    make_iso(tool, &["-R"], src.path(), &iso);
    let fs = open_file(&iso);
    check_named(&*fs, &files, true);
    compare_with_fls(&*fs, &iso);
}

#[test]
fn generated_joliet_only() {
    let Some(tool) = iso_tool() else { return };
    let (src, files) = make_tree(false);
    let out = tempfile::tempdir().unwrap();
    let iso = out.path().join("j.iso");
    make_iso(tool, &["--norock", "-J"], src.path(), &iso);
    let fs = open_file(&iso);
    check_named(&*fs, &files, false);
    compare_with_fls(&*fs, &iso);
}

#[test]
fn generated_plain_iso_names() {
    let Some(tool) = iso_tool() else { return };
    let (src, files) = make_tree(false);
    let out = tempfile::tempdir().unwrap();
    let iso = out.path().join("plain.iso");
    make_iso(tool, &["--norock"], src.path(), &iso);
    let fs = open_file(&iso);
    let l = fs.list().unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    // ISO level 1 names, upper case, `;1` stripped; content by size match.
    let e = by_path(&l, "/TOP.TXT");
    assert_eq!(content(&*fs, e), files["top.txt"]);
    let e = by_path(&l, "/DOCS/REPORTS/2023/Q1.CSV");
    assert_eq!(
        md5_hex(&content(&*fs, e)),
        md5_hex(&files["docs/reports/2023/q1.csv"])
    );
    assert!(l.entries.iter().all(|e| !e.path.contains(';')));
    compare_with_fls(&*fs, &iso);
}

/// genisoimage moves directories deeper than 8 levels to `rr_moved` and
/// leaves Rock Ridge `CL`/`RE`/`PL` entries: listed where they belong.
#[test]
fn rock_ridge_relocated_deep_directories() {
    if !on_path("genisoimage") {
        eprintln!("NOTE: genisoimage not on PATH: relocated-directory check skipped");
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let deep = src.path().join("a/b/c/d/e/f/g/h/i/j");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("deep.txt"), b"deep file\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let iso = out.path().join("deep.iso");
    make_iso("genisoimage", &["-R"], src.path(), &iso);
    let fs = open_file(&iso);
    let l = fs.list().unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let e = by_path(&l, "/a/b/c/d/e/f/g/h/i/j/deep.txt");
    assert_eq!(content(&*fs, e), b"deep file\n");
    assert_eq!(
        by_path(&l, "/a/b/c/d/e/f/g/h").meta_kind,
        EntryKind::Directory
    );
    // The relocated directory is not listed a second time under rr_moved.
    assert!(
        !l.entries.iter().any(|e| e.path.starts_with("/rr_moved/")),
        "{:?}",
        l.entries.iter().map(|e| &e.path).collect::<Vec<_>>()
    );
}

/// Compares with `fls -r -m /` for the same image (TSK 4.11 ignores Rock
/// Ridge names, modes and times and shows the recording date as the
/// creation time; it lists primary-tree files Joliet lacks as
/// `$OrphanFiles/OrphanFile-N`): every inode number TSK lists must be
/// listed here too, with the same size; paths that differ are printed.
fn compare_with_fls(fs: &dyn FileSystem, iso: &Path) {
    if !on_path("fls") {
        eprintln!("NOTE: fls (sleuthkit) not on PATH: TSK comparison skipped");
        return;
    }
    let o = Command::new("fls")
        .args(["-r", "-m", "/"])
        .arg(iso)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "fls: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // inode -> (path, size, recording date as TSK shows it: crtime)
    let parse = |l: &str| -> Option<(String, (String, String, String))> {
        let f: Vec<&str> = l.split('|').collect();
        (f.len() == 11).then(|| {
            (
                f[2].to_string(),
                (f[1].to_string(), f[6].to_string(), f[10].to_string()),
            )
        })
    };
    let tsk: BTreeMap<_, _> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(parse)
        .collect();
    let l = fs.list().unwrap();
    let ours: BTreeMap<_, _> = l
        .entries
        .iter()
        .filter_map(|e| parse(&bodyfile_line("", e)))
        .collect();
    let by_inode: BTreeMap<&str, &Entry> =
        l.entries.iter().map(|e| (e.inode.as_str(), e)).collect();
    let name = iso.file_name().unwrap_or_default().to_string_lossy();
    for (inode, (tpath, tsize, tcr)) in &tsk {
        match ours.get(inode) {
            Some((upath, usize_, umtime)) => {
                assert_eq!(
                    usize_, tsize,
                    "{name}: inode {inode} size ({upath} vs TSK {tpath})"
                );
                if upath != tpath {
                    eprintln!("{name}: inode {inode}: Exhibit {upath:?}, TSK {tpath:?}");
                }
                let _ = umtime;
            }
            None => {
                // TSK lists zero-length primary records again as orphans;
                // here they address the Joliet entry they duplicate.
                let orphan = tpath.starts_with("/$OrphanFiles/");
                assert!(
                    orphan && fs.open(inode, None).is_ok(),
                    "{name}: TSK lists inode {inode} ({tpath}), Exhibit neither lists nor opens it"
                );
                eprintln!("{name}: inode {inode}: TSK orphan {tpath:?} is a duplicate here");
            }
        }
        // The recording date (TSK: crtime) is our mtime unless Rock Ridge
        // gives another.
        if let (Some(e), false) = (by_inode.get(inode.as_str()), tcr == "0") {
            if e.mode == 0 {
                assert_eq!(
                    e.times.mtime.map(|t| t.as_second().to_string()).as_deref(),
                    Some(tcr.as_str()),
                    "{name}: inode {inode} recording date"
                );
            }
        }
    }
    for (inode, (upath, _, _)) in &ours {
        if !tsk.contains_key(inode) {
            eprintln!("{name}: inode {inode}: only Exhibit lists {upath:?}");
        }
    }
}

// ---------------------------------------------------------------------
// A hand-built image.

const B: usize = 2048;

fn both32(v: u32) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&v.to_le_bytes());
    b[4..].copy_from_slice(&v.to_be_bytes());
    b
}

fn dir_record(name: &[u8], lba: u32, size: u32, flags: u8, unit: u8, gap: u8) -> Vec<u8> {
    let mut len = 33 + name.len();
    if len % 2 == 1 {
        len += 1;
    }
    let mut r = vec![0u8; len];
    r[0] = len as u8;
    r[2..10].copy_from_slice(&both32(lba));
    r[10..18].copy_from_slice(&both32(size));
    r[18..25].copy_from_slice(&[121, 3, 4, 5, 6, 7, 0]); // 2021-03-04 05:06:07
    r[25] = flags;
    r[26] = unit;
    r[27] = gap;
    r[28..32].copy_from_slice(&[1, 0, 0, 1]);
    r[32] = name.len() as u8;
    r[33..33 + name.len()].copy_from_slice(name);
    r
}

fn put_dir(img: &mut [u8], lba: usize, parent: usize, records: &[Vec<u8>]) {
    let mut at = lba * B;
    let mut all = vec![
        dir_record(&[0], lba as u32, B as u32, 2, 0, 0),
        dir_record(&[1], parent as u32, B as u32, 2, 0, 0),
    ];
    all.extend_from_slice(records);
    for r in all {
        img[at..at + r.len()].copy_from_slice(&r);
        at += r.len();
    }
}

/// PVD + terminator; root at block 20 with a two-extent file, an
/// interleaved file, a directory pointing back at the root, and `SUB`
/// (block 21) holding a file whose extent lies beyond the image and a file
/// after a record whose length byte overruns the sector.
fn handmade() -> Vec<u8> {
    let blocks = 40;
    let mut img = vec![0u8; blocks * B];
    let pvd = 16 * B;
    img[pvd] = 1;
    img[pvd + 1..pvd + 6].copy_from_slice(b"CD001");
    img[pvd + 6] = 1;
    img[pvd + 40..pvd + 72].copy_from_slice(&[b' '; 32]);
    img[pvd + 40..pvd + 48].copy_from_slice(b"HANDMADE");
    img[pvd + 80..pvd + 88].copy_from_slice(&both32(blocks as u32));
    img[pvd + 128..pvd + 130].copy_from_slice(&(B as u16).to_le_bytes());
    img[pvd + 130..pvd + 132].copy_from_slice(&(B as u16).to_be_bytes());
    let root = dir_record(&[0], 20, B as u32, 2, 0, 0);
    img[pvd + 156..pvd + 156 + 34].copy_from_slice(&root);
    let term = 17 * B;
    img[term] = 255;
    img[term + 1..term + 6].copy_from_slice(b"CD001");
    img[term + 6] = 1;
    put_dir(
        &mut img,
        20,
        20,
        &[
            dir_record(b"INTER.BIN;1", 34, 4096, 0, 1, 1),
            dir_record(b"LOOP", 20, B as u32, 2, 0, 0),
            dir_record(b"MULTI.BIN;1", 30, B as u32, 0x80, 0, 0),
            dir_record(b"MULTI.BIN;1", 32, 1000, 0, 0, 0),
            dir_record(b"SUB", 21, B as u32, 2, 0, 0),
        ],
    );
    put_dir(
        &mut img,
        21,
        20,
        &[
            dir_record(b"FAR.BIN;1", 10_000, 100, 0, 0, 0),
            dir_record(b"X.TXT;1", 36, 5, 0, 0, 0),
        ],
    );
    // After X.TXT: a record length below the minimum.
    img[21 * B + 34 + 34 + 42 + 40] = 33;
    img[30 * B..31 * B].copy_from_slice(&pattern(B, 3));
    img[32 * B..32 * B + 1000].copy_from_slice(&pattern(1000, 4));
    img[36 * B..36 * B + 5].copy_from_slice(b"hello");
    img
}

#[test]
fn handmade_multi_extent_interleaved_loop_out_of_range() {
    let img = handmade();
    let src = Mem::source(img.clone());
    assert!(probe(&*src));
    let fs = open(src).unwrap();
    assert_eq!(fs.label().as_deref(), Some("HANDMADE"));
    let l = fs.list().unwrap();
    let paths: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/INTER.BIN",
            "/LOOP",
            "/MULTI.BIN",
            "/SUB",
            "/SUB/FAR.BIN",
            "/SUB/X.TXT",
            "/$OrphanFiles"
        ]
    );
    // TSK numbering: root 0, then each record; MULTI.BIN takes two.
    let inodes: Vec<&str> = l.entries.iter().map(|e| e.inode.as_str()).collect();
    assert_eq!(inodes, ["1", "2", "3", "5", "6", "7", "8"]);
    let multi = by_path(&l, "/MULTI.BIN");
    assert_eq!(multi.size, 3048);
    let mut want = pattern(B, 3);
    want.extend_from_slice(&pattern(1000, 4));
    assert_eq!(content(&*fs, multi), want);
    assert_eq!(
        multi.times.mtime.unwrap().to_string(),
        "2021-03-04T05:06:07Z"
    );
    assert_eq!(content(&*fs, by_path(&l, "/SUB/X.TXT")), b"hello");
    let inter = by_path(&l, "/INTER.BIN");
    assert!(matches!(
        fs.open(&inter.inode, None),
        Err(FsError::Unsupported(_))
    ));
    assert!(fs.open(&by_path(&l, "/SUB/FAR.BIN").inode, None).is_err());
    let w = |needle: &str| {
        assert!(
            l.warnings.iter().any(|w| w.what.contains(needle)),
            "no warning with {needle:?}: {:?}",
            l.warnings
        )
    };
    w("interleaved");
    w("already listed as /");
    w("beyond the image");
    w("crosses the sector end");
    assert!(fs.open("999", None).is_err());
    assert!(fs.open("x", None).is_err());
    assert!(fs.open("1", Some("ads")).is_err());
    // The root opens as its directory extent.
    assert_eq!(fs.open("0", None).unwrap().source.len(), B as u64);
    // A multi-extent file missing its last record is still listed, with
    // a warning.
    let mut cut = img.clone();
    let first = 20 * B + 34 + 34 + 44 + 38; // after ., .., INTER.BIN, LOOP
    assert_eq!(&cut[first + 33..first + 44], b"MULTI.BIN;1");
    let second = first + 44;
    cut[second + 33..second + 44].copy_from_slice(b"OTHER.BIN;1");
    let fs = open(Mem::source(cut)).unwrap();
    let l = fs.list().unwrap();
    assert_eq!(by_path(&l, "/MULTI.BIN").size, B as u64);
    assert!(l.warnings.iter().any(|w| w.what.contains("final extent")));
}

#[test]
fn rejects_other_data() {
    assert!(!probe(&*Mem::source(vec![0u8; 40_000])));
    assert!(open(Mem::source(vec![0u8; 40_000])).is_err());
    assert!(open(Mem::source(vec![0u8; 100])).is_err());
    let mut img = handmade();
    img[16 * B + 1] = b'X';
    assert!(!probe(&*Mem::source(img.clone())));
    assert!(open(Mem::source(img)).is_err());
}

// ---------------------------------------------------------------------
// Damaged images.

/// probe, open, list, open every entry and read it all.
fn exercise(src: Arc<dyn Source>) -> usize {
    let _ = probe(&*src);
    match open(src) {
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

fn damage(image: Vec<u8>, metadata_end: usize) {
    let start = Instant::now();
    let data = Arc::new(image);
    let len = data.len();
    let mut listed = 0usize;
    for cut in [
        0,
        1,
        2048,
        32_768,
        34_815,
        34_816,
        36_864,
        40_960,
        45_000,
        len / 2,
        len - 1,
    ] {
        let cut = cut.min(len);
        listed += exercise(Arc::new(Mem {
            data: Arc::clone(&data),
            len: cut,
            flip: None,
        }));
    }
    // 300 deterministic single-bit flips in the descriptors and
    // directories (random flips in file data prove nothing).
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let span = metadata_end.min(len) - 16 * B;
    for _ in 0..300 {
        let bit = 16 * B * 8 + (rng.next() % (span as u64 * 8)) as usize;
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

#[test]
fn damaged_handmade_does_not_panic_or_hang() {
    damage(handmade(), 22 * B);
}

#[test]
fn damaged_generated_does_not_panic_or_hang() {
    let Some(tool) = iso_tool() else { return };
    let (src, _) = make_tree(false);
    let out = tempfile::tempdir().unwrap();
    let iso: PathBuf = out.path().join("rrj.iso");
    make_iso(tool, &["-R", "-J"], src.path(), &iso);
    let img = std::fs::read(&iso).unwrap();
    // Descriptors, path tables and directories precede file data: up to
    // the first file's extent.
    let fs = IsoFs::open(Mem::source(img.clone())).unwrap();
    let l = fs.list().unwrap();
    let first_data = l
        .entries
        .iter()
        .filter(|e| e.meta_kind == EntryKind::File && e.size > 0)
        .map(|e| {
            let d = fs.open(&e.inode, None).unwrap();
            // Find the file's first bytes in the image.
            let head = read_all(&*d.source);
            let probe_len = head.len().min(16);
            img.windows(probe_len)
                .position(|w| w == &head[..probe_len])
                .unwrap_or(img.len())
        })
        .min()
        .unwrap_or(img.len());
    damage(img, first_data);
}
