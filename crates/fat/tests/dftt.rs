//! The FAT reader against the DFTT images and TSK's own output for them
//! (`../shared/testdata/disk/expected/*.fls.body`, made with `fls -r -m /`
//! and the time zone unset, i.e. FAT times read as UTC), plus a hand-built
//! FAT32 volume and damaged images.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use exhibit_evidence::{EvidenceError, MemSource, Source};
use exhibit_fat::{open, probe, FatFs, FatKind};
use exhibit_vfs::{bodyfile_line, Entry, FileSystem, FsOptions, Listing, Recovery};
use md5::{Digest, Md5};

fn disk(rel: &str) -> PathBuf {
    // Canonicalised so that the path also works through a symlinked checkout.
    let here = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    here.join("../../../shared/testdata/disk").join(rel)
}

fn image(rel: &str) -> Arc<dyn Source> {
    let ev = exhibit_evidence::open(disk(rel)).unwrap();
    Arc::new(ev)
}

fn utc() -> FsOptions {
    FsOptions::default()
}

fn read_all(src: &dyn Source) -> Vec<u8> {
    let mut v = vec![0u8; src.len() as usize];
    src.read_exact_at(0, &mut v).unwrap();
    v
}

fn md5_hex(b: &[u8]) -> String {
    hex::encode(Md5::digest(b))
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn body_of(listing: &Listing) -> Vec<String> {
    let mut v: Vec<String> = listing
        .entries
        .iter()
        .map(|e| bodyfile_line("", e))
        .collect();
    v.sort();
    v
}

fn by_path<'a>(l: &'a Listing, path: &str) -> &'a Entry {
    l.entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("{path} not listed"))
}

#[test]
fn fls_body_6_fat_undel_matches_tsk() {
    let fs = FatFs::open(image("dftt-6-undel-fat/6-fat-undel.dd"), &utc()).unwrap();
    assert_eq!(fs.kind(), "FAT16");
    assert_eq!(fs.label().as_deref(), Some("FAT_REC_1"));
    let listing = fs.list().unwrap();
    let expected = std::fs::read_to_string(disk("expected/6-fat-undel.dd.fls.body")).unwrap();
    assert_eq!(body_of(&listing), sorted_lines(&expected));
    // The image is one sector shorter than its boot sector says.
    assert!(listing
        .warnings
        .iter()
        .any(|w| w.what.contains("truncated image")));
    // `_P1` (deleted) reuses the cluster of `dir2`, whose `..` is dir1:
    // listed like TSK does, but flagged.
    assert!(listing
        .warnings
        .iter()
        .any(|w| w.what.contains("_P1") && w.what.contains("'..' is cluster 13")));
    for e in &listing.entries {
        if e.deleted {
            assert_ne!(e.recovery, Recovery::Certain, "{}", e.path);
        }
    }
}

#[test]
fn fls_body_daylight_matches_tsk() {
    let fs = open(image("dftt-5-fat-daylight/daylight.dd"), &utc()).unwrap();
    assert_eq!(fs.kind(), "FAT12");
    let listing = fs.list().unwrap();
    let expected = std::fs::read_to_string(disk("expected/daylight.dd.fls.body")).unwrap();
    assert_eq!(body_of(&listing), sorted_lines(&expected));
    assert!(listing.warnings.is_empty(), "{:?}", listing.warnings);
}

fn content(fs: &dyn FileSystem, e: &Entry) -> (Vec<u8>, Recovery) {
    let data = fs.open(&e.inode, None).unwrap();
    (read_all(&*data.source), data.recovery)
}

#[test]
fn dftt_6_recovers_deleted_files() {
    let index = std::fs::read_to_string(disk("dftt-6-undel-fat/index.html")).unwrap();
    let fs = FatFs::open(image("dftt-6-undel-fat/6-fat-undel.dd"), &utc()).unwrap();
    let listing = fs.list().unwrap();
    // Path, size, correct MD5 (index.html "Files"), contiguous-copy MD5
    // for the fragmented ones (index.html "Incorrect MD5").
    let cases: [(&str, u64, &str, Option<&str>); 6] = [
        ("/_ing.dat", 780, "59b20779f69ff9f0ac5fcd2c38835a79", None),
        ("/_ult1.dat", 3801, "ffd27bd782bdce67750b6b9ee069d2ef", None),
        (
            "/_ir1/mult2.dat",
            1715,
            "59cf0e9cd107bc1e75afb7374f6e05bb",
            None,
        ),
        (
            "/_rag1.dat",
            1584,
            "7a3bc5b763bef201202108f4ba128149",
            Some("c4f3b9a0f17d464f4fc61b94ecf6cc21"),
        ),
        (
            "/_rag2.dat",
            3873,
            "0e80ab84ef0087e60dfc67b88a1cf13e",
            Some("965370acfa85aa7e26ab04bbd45cdcae"),
        ),
        (
            "/_ir1/dir2/frag3.dat",
            2027,
            "21121699487f3fbbdb9a4b3391b6d3e0",
            Some("a7a14ac62f79fdea4056ed5e8bcf97ef"),
        ),
    ];
    for (path, size, good, naive) in cases {
        assert!(index.contains(good), "{good} not in index.html");
        if let Some(n) = naive {
            assert!(index.contains(n), "{n} not in index.html");
        }
        let e = by_path(&listing, path);
        assert!(e.deleted);
        assert_eq!(e.size, size, "{path}");
        let (bytes, recovery) = content(&fs, e);
        assert_eq!(bytes.len() as u64, size, "{path}");
        let got = md5_hex(&bytes);
        assert_ne!(
            recovery,
            Recovery::Certain,
            "{path}: deleted content is never certain"
        );
        match naive {
            None => assert_eq!(got, good, "{path}: non-fragmented file"),
            Some(naive) => {
                // Fragmented: only the first cluster and the size survive;
                // the guess is the contiguous copy, and it is flagged.
                if got != good {
                    assert!(
                        matches!(recovery, Recovery::Guess | Recovery::Lost),
                        "{path}"
                    );
                }
                assert_eq!(
                    got, naive,
                    "{path}: expected the documented contiguous guess"
                );
                assert_eq!(recovery, Recovery::Guess);
            }
        }
    }
    // Deleted directories are guesses too; the virtual files are exact.
    assert_eq!(by_path(&listing, "/_ir1").recovery, Recovery::Guess);
    let mbr = by_path(&listing, "/$MBR");
    let (boot, rec) = content(&fs, mbr);
    assert_eq!(rec, Recovery::Certain);
    assert_eq!(&boot[510..], &[0x55, 0xaa]);
    let fat1 = content(&fs, by_path(&listing, "/$FAT1")).0;
    let fat2 = content(&fs, by_path(&listing, "/$FAT2")).0;
    assert_eq!(fat1.len(), 12288);
    assert_eq!(fat1, fat2);
    assert!(fs.open("/nope", None).is_err());
    assert!(fs.open("4", Some("stream")).is_err());
}

#[test]
fn dftt_5_daylight_times_in_new_york() {
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let opts = FsOptions {
        local_tz: tz.clone(),
    };
    let fs = FatFs::open(image("dftt-5-fat-daylight/daylight.dd"), &opts).unwrap();
    let listing = fs.list().unwrap();
    // readme.txt: winter.txt created 2004-01-01 2:00 PM, summer.txt
    // 2004-06-01 3:00 PM (Windows XP, US Eastern, per daylight.xml's UTC
    // values 19:00 in both seasons).
    for (path, day, hour, text, utc_hour) in [
        ("/winter.txt", (2004, 1, 1), 14, "\"2PM\"", 19),
        ("/summer.txt", (2004, 6, 1), 15, "\"3PM\"", 19),
    ] {
        let e = by_path(&listing, path);
        let m = e.times.mtime.unwrap();
        let local = m.to_zoned(tz.clone());
        assert_eq!(
            (local.year(), local.month(), local.day()),
            (day.0, day.1 as i8, day.2 as i8),
            "{path}"
        );
        assert_eq!((local.hour(), local.minute()), (hour, 0), "{path}");
        assert!(local.second() < 10, "{path}: {local}");
        assert_eq!(m.to_zoned(jiff::tz::TimeZone::UTC).hour(), utc_hour);
        let cr = e.times.crtime.unwrap().to_zoned(tz.clone());
        assert_eq!((cr.hour(), cr.minute()), (hour, 0));
        let (bytes, rec) = content(&fs, e);
        assert_eq!(rec, Recovery::Certain);
        assert!(String::from_utf8_lossy(&bytes).starts_with(text), "{path}");
    }
}

#[test]
fn probe_accepts_fat_and_rejects_others() {
    assert!(probe(&*image("dftt-6-undel-fat/6-fat-undel.dd")));
    assert!(probe(&*image("dftt-5-fat-daylight/daylight.dd")));
    assert!(!probe(&*image("dftt-8-jpeg-search/8-jpeg-search.dd")));
    assert!(!probe(&*image("ímynd.dd")));
    assert!(!probe(&mem(vec![0u8; 100])));
    assert!(open(image("ímynd.dd"), &utc()).is_err());
}

/// An in-memory source.
fn mem(data: Vec<u8>) -> MemSource {
    MemSource::new(data, "mem")
}

/// The bytes of an image with some bytes replaced and possibly cut short,
/// without copying the image for every case.
struct Patched {
    base: Arc<Vec<u8>>,
    len: usize,
    patches: Vec<(usize, u8)>,
}

impl Source for Patched {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let len = self.len as u64;
        if offset >= len {
            return Ok(0);
        }
        let start = offset as usize;
        let n = buf.len().min(self.len - start);
        buf[..n].copy_from_slice(&self.base[start..start + n]);
        for &(at, v) in &self.patches {
            if (start..start + n).contains(&at) {
                buf[at - start] = v;
            }
        }
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.len as u64
    }
    fn name(&self) -> &str {
        "patched"
    }
}

/// probe, open, list and open every entry (reading all its bytes);
/// returns the entry count.
fn exercise(src: Arc<dyn Source>) -> usize {
    let _ = probe(&*src);
    match open(Arc::clone(&src), &utc()) {
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

fn patched(base: &Arc<Vec<u8>>, len: usize, patches: Vec<(usize, u8)>) -> Arc<dyn Source> {
    Arc::new(Patched {
        base: Arc::clone(base),
        len,
        patches,
    })
}

fn flip(base: &Arc<Vec<u8>>, bit: usize) -> Arc<dyn Source> {
    let at = bit / 8;
    patched(base, base.len(), vec![(at, base[at] ^ (1 << (bit % 8)))])
}

#[test]
fn damaged_images_do_not_panic_or_hang() {
    let start = Instant::now();
    // Metadata worth damaging in each image: boot sector, start of FAT 1,
    // root directory, directory clusters (6-fat-undel: sectors 110-117).
    let images: [(&str, &[(usize, usize)]); 2] = [
        (
            "dftt-6-undel-fat/6-fat-undel.dd",
            &[
                (0, 512),
                (8 * 512, 64),
                (56 * 512, 320),
                (110 * 512, 160),
                (112 * 512, 256),
                (114 * 512, 128),
                (116 * 512, 128),
            ],
        ),
        (
            "dftt-5-fat-daylight/daylight.dd",
            &[(0, 512), (512, 64), (19 * 512, 128)],
        ),
    ];
    for (rel, regions) in images {
        let full = Arc::new(std::fs::read(disk(rel)).unwrap());
        let len = full.len();
        let mut listed = 0usize;
        // Truncated copies.
        for cut in [
            0usize,
            1,
            11,
            511,
            512,
            513,
            4096,
            9728,
            10240,
            28672,
            30000,
            45056,
            57344,
            65536,
            len / 2,
            len - 1,
        ] {
            exercise(patched(&full, cut.min(len), Vec::new()));
        }
        // 300 deterministic single-bit flips in the first 256 KiB.
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let span = len.min(256 * 1024);
        for _ in 0..300 {
            let bit = (rng.next() % (span as u64 * 8)) as usize;
            let t = Instant::now();
            listed += exercise(flip(&full, bit));
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "flip of bit {bit} too slow"
            );
        }
        // Random flips land mostly in zeros: also flip every bit of the
        // metadata regions, and write random words into them.
        for &(at, n) in regions {
            for bit in at * 8..(at + n) * 8 {
                let t = Instant::now();
                listed += exercise(flip(&full, bit));
                assert!(
                    t.elapsed() < Duration::from_secs(5),
                    "flip of bit {bit} too slow"
                );
            }
            for _ in 0..300 {
                let pos = at + (rng.next() as usize % n.saturating_sub(3).max(1));
                let word = rng.next().to_le_bytes();
                let patches = (0..4).map(|k| (pos + k, word[k])).collect();
                listed += exercise(patched(&full, len, patches));
            }
        }
        assert!(listed > 0);
    }
    assert!(start.elapsed() < Duration::from_secs(240));
}

// ---------------------------------------------------------------------
// A hand-built FAT32 volume.

const SECTOR: usize = 512;
const RESERVED: usize = 32;
const SPF: usize = 513; // sectors per FAT: (65527 + 2) * 4 / 512 rounded up
const CLUSTERS: usize = 65_600;
const FIRST_CLUSTER_SECTOR: usize = RESERVED + 2 * SPF;

fn dentry(name: &[u8; 11], attr: u8, case: u8, cluster: u32, size: u32) -> [u8; 32] {
    let mut e = [0u8; 32];
    e[..11].copy_from_slice(name);
    e[11] = attr;
    e[12] = case;
    e[13] = 100; // +1 s
    let date: u16 = ((2020 - 1980) << 9) | (3 << 5) | 14;
    let time: u16 = (15 << 11) | (9 << 5) | 13;
    e[14..16].copy_from_slice(&time.to_le_bytes());
    e[16..18].copy_from_slice(&date.to_le_bytes());
    e[18..20].copy_from_slice(&date.to_le_bytes());
    e[20..22].copy_from_slice(&((cluster >> 16) as u16).to_le_bytes());
    e[22..24].copy_from_slice(&time.to_le_bytes());
    e[24..26].copy_from_slice(&date.to_le_bytes());
    e[26..28].copy_from_slice(&(cluster as u16).to_le_bytes());
    e[28..32].copy_from_slice(&size.to_le_bytes());
    e
}

fn checksum(name: &[u8; 11]) -> u8 {
    name.iter()
        .fold(0u8, |s, &c| s.rotate_right(1).wrapping_add(c))
}

/// LFN entries for `long` in on-disk order (last part first).
fn lfn(long: &str, short: &[u8; 11], deleted: bool) -> Vec<[u8; 32]> {
    let mut units: Vec<u16> = long.encode_utf16().collect();
    if !units.len().is_multiple_of(13) {
        units.push(0);
        while !units.len().is_multiple_of(13) {
            units.push(0xffff);
        }
    }
    let parts: Vec<&[u16]> = units.chunks(13).collect();
    let n = parts.len();
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate().rev() {
        let mut e = [0u8; 32];
        let seq = (i + 1) as u8 | if i + 1 == n { 0x40 } else { 0 };
        e[0] = if deleted { 0xe5 } else { seq };
        e[11] = 0x0f;
        e[13] = checksum(short);
        let at = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
        for (u, &p) in part.iter().zip(at.iter()) {
            e[p..p + 2].copy_from_slice(&u.to_le_bytes());
        }
        out.push(e);
    }
    out
}

struct Fat32 {
    img: Vec<u8>,
}

impl Fat32 {
    fn new() -> Self {
        let total = FIRST_CLUSTER_SECTOR + CLUSTERS;
        let mut img = vec![0u8; total * SECTOR];
        let b = &mut img[..SECTOR];
        b[0] = 0xeb;
        b[1] = 0x58;
        b[2] = 0x90;
        b[3..11].copy_from_slice(b"MSWIN4.1");
        b[11..13].copy_from_slice(&(SECTOR as u16).to_le_bytes());
        b[13] = 1;
        b[14..16].copy_from_slice(&(RESERVED as u16).to_le_bytes());
        b[16] = 2;
        b[21] = 0xf8;
        b[32..36].copy_from_slice(&(total as u32).to_le_bytes());
        b[36..40].copy_from_slice(&(SPF as u32).to_le_bytes());
        b[44..48].copy_from_slice(&2u32.to_le_bytes());
        b[66] = 0x29;
        b[71..82].copy_from_slice(b"BOOTLABEL  ");
        b[82..90].copy_from_slice(b"FAT32   ");
        b[510] = 0x55;
        b[511] = 0xaa;
        let mut f = Fat32 { img };
        f.set_fat(0, 0x0fff_fff8);
        f.set_fat(1, 0x0fff_ffff);
        f
    }

    fn set_fat(&mut self, c: u32, v: u32) {
        for k in 0..2 {
            let at = (RESERVED + k * SPF) * SECTOR + c as usize * 4;
            self.img[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
    }

    fn cluster_at(c: u32) -> usize {
        (FIRST_CLUSTER_SECTOR + c as usize - 2) * SECTOR
    }

    fn put_entries(&mut self, c: u32, entries: &[[u8; 32]]) {
        let at = Self::cluster_at(c);
        for (i, e) in entries.iter().enumerate() {
            self.img[at + i * 32..at + i * 32 + 32].copy_from_slice(e);
        }
    }

    fn put_data(&mut self, c: u32, data: &[u8]) {
        let at = Self::cluster_at(c);
        self.img[at..at + data.len()].copy_from_slice(data);
    }
}

const EOC: u32 = 0x0fff_ffff;

fn fill(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn build_fat32() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut v = Fat32::new();
    // Root (cluster 2): label, a long-named file, SUB, a deleted
    // long-named file, an LFN whose checksum does not match.
    let long_short = *b"LONGFI~1TXT";
    let del_short = *b"\xe5ELETE~1BIN";
    let bad_short = *b"PLAIN   TXT";
    let mut root = vec![dentry(b"EXHIBIT32  ", 0x08, 0, 0, 0)];
    root.extend(lfn("Long File Name.txt", &long_short, false));
    root.push(dentry(&long_short, 0x20, 0, 5, 700));
    root.push(dentry(b"SUB        ", 0x10, 0x08, 3, 0));
    root.extend(lfn("Deleted Thing.bin", b"DELETE~1BIN", true));
    root.push(dentry(&del_short, 0x20, 0, 10, 1000));
    root.extend(lfn("Not mine.txt", b"OTHER   TXT", false));
    root.push(dentry(&bad_short, 0x20, 0x18, 0, 0));
    root.push(dentry(b"LOOP    DAT", 0x20, 0, 20, 3000));
    v.put_entries(2, &root);
    v.set_fat(2, EOC);
    // SUB (cluster 3): ., .., a.txt fragmented 4 -> 7, a subdirectory
    // pointing back at SUB (cycle).
    v.put_entries(
        3,
        &[
            dentry(b".          ", 0x10, 0, 3, 0),
            dentry(b"..         ", 0x10, 0, 0, 0),
            dentry(b"A       TXT", 0x20, 0x18, 4, 600),
            dentry(b"AGAIN      ", 0x10, 0, 3, 0),
        ],
    );
    v.set_fat(3, EOC);
    let a = fill(600, 1);
    v.put_data(4, &a[..512]);
    v.put_data(7, &a[512..]);
    v.set_fat(4, 7);
    v.set_fat(7, EOC);
    let long = fill(700, 2);
    v.put_data(5, &long[..512]);
    v.put_data(6, &long[512..]);
    v.set_fat(5, 6);
    v.set_fat(6, EOC);
    // Deleted: clusters 10, 11 free (chain cleared).
    let del = fill(1000, 3);
    v.put_data(10, &del[..512]);
    v.put_data(11, &del[512..]);
    // A chain that loops: 20 -> 21 -> 20.
    v.set_fat(20, 21);
    v.set_fat(21, 20);
    (v.img, a, long, del)
}

#[test]
fn hand_built_fat32() {
    let (img, a, long, del) = build_fat32();
    let src: Arc<dyn Source> = Arc::new(mem(img));
    assert!(probe(&*src));
    let fs = FatFs::open(src, &utc()).unwrap();
    assert_eq!(fs.fat_kind(), FatKind::Fat32);
    assert_eq!(fs.kind(), "FAT32");
    assert_eq!(fs.label().as_deref(), Some("EXHIBIT32"));
    let listing = fs.list().unwrap();
    let paths: BTreeMap<&str, &Entry> = listing
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e))
        .collect();
    // Cluster 2 is the first data sector: its slots are inodes 3, 4, …
    assert_eq!(paths["/EXHIBIT32   (Volume Label Entry)"].inode, "3");
    let lf = paths["/Long File Name.txt"];
    assert_eq!(lf.inode, "6");
    assert_eq!(lf.mode, 0o777);
    let sub = paths["/sub"];
    assert_eq!(sub.size, 512);
    let ea = paths["/sub/a.txt"];
    // SUB is cluster 3 = sector FIRST_CLUSTER_SECTOR + 1: 16 slots later.
    assert_eq!(ea.inode, (3 + 16 + 2).to_string());
    let d = paths["/Deleted Thing.bin"];
    assert!(d.deleted);
    // The broken LFN falls back to the 8.3 name.
    assert!(paths.contains_key("/plain.txt"));
    assert!(listing.warnings.iter().any(|w| w.what.contains("unusable")));
    // The cycle is reported and not followed.
    assert!(paths.contains_key("/sub/AGAIN"));
    assert!(!paths.keys().any(|p| p.starts_with("/sub/AGAIN/")));
    assert!(listing.warnings.iter().any(|w| w.what.contains("cyclic")));
    // Times: 2020-03-14 15:09:26, creation +1 s.
    let m = lf.times.mtime.unwrap();
    assert_eq!(m.to_string(), "2020-03-14T15:09:26Z");
    assert_eq!(lf.times.crtime.unwrap().to_string(), "2020-03-14T15:09:27Z");
    assert_eq!(lf.times.atime.unwrap().to_string(), "2020-03-14T00:00:00Z");
    assert!(lf.times.ctime.is_none());
    // Virtual files: $MBR follows the last slot.
    let slots = (CLUSTERS as u64) * 16 + 3;
    assert_eq!(paths["/$MBR"].inode, slots.to_string());
    assert_eq!(paths["/$FAT1"].size, (SPF * SECTOR) as u64);
    assert_eq!(paths["/$OrphanFiles"].inode, (slots + 3).to_string());

    let get = |e: &Entry| {
        let d = fs.open(&e.inode, None).unwrap();
        (read_all(&*d.source), d.recovery)
    };
    assert_eq!(get(ea), (a, Recovery::Certain));
    assert_eq!(get(lf), (long, Recovery::Certain));
    assert_eq!(get(d), (del, Recovery::Guess));
    // The looping chain: flagged, bounded.
    let lp = paths["/LOOP.DAT"];
    assert_eq!(lp.recovery, Recovery::Guess);
    let (bytes, rec) = get(lp);
    assert_eq!(rec, Recovery::Guess);
    assert_eq!(bytes.len(), 1024);
    assert!(listing.warnings.iter().any(|w| w.what.contains("loops")));
    // Root directory content (inode 2).
    let root = fs.open("2", None).unwrap();
    assert_eq!(root.source.len(), 512);
}

#[test]
fn damaged_fat32_does_not_panic_or_hang() {
    let (img, ..) = build_fat32();
    let full = Arc::new(img);
    let start = Instant::now();
    let root = Fat32::cluster_at(2);
    let sub = Fat32::cluster_at(3);
    let fat = RESERVED * SECTOR;
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for &(at, n) in &[(0usize, 512usize), (root, 448), (sub, 128), (fat, 96)] {
        for bit in at * 8..(at + n) * 8 {
            exercise(flip(&full, bit));
        }
        for _ in 0..300 {
            let pos = at + (rng.next() as usize % (n - 3));
            let word = rng.next().to_le_bytes();
            exercise(patched(
                &full,
                full.len(),
                (0..4).map(|k| (pos + k, word[k])).collect(),
            ));
        }
    }
    for cut in [512usize, 4096, fat + 100, root, root + 100, full.len() / 2] {
        exercise(patched(&full, cut, Vec::new()));
    }
    assert!(start.elapsed() < Duration::from_secs(240));
}

#[test]
fn hostile_cross_linked_volume_is_bounded() {
    // 1024 root entries (root chain 2..=65) all pointing into one long
    // chain (100 -> … -> 40000): 16 MiB files, directories, and deleted
    // files whose recovery scan must skip 25 000 allocated clusters.
    let mut v = Fat32::new();
    for c in 2..65 {
        v.set_fat(c, c + 1);
    }
    v.set_fat(65, EOC);
    for c in 100..40_000 {
        v.set_fat(c, c + 1);
    }
    v.set_fat(40_000, EOC);
    for c in 40_002..=65_000 {
        v.set_fat(c, EOC);
    }
    for i in 0..1024u32 {
        let name = format!("E{i:07}");
        let mut n = [b' '; 11];
        n[..8].copy_from_slice(name.as_bytes());
        let e = match i % 3 {
            0 => dentry(&n, 0x20, 0, 100, 16 << 20),
            1 => {
                n[0] = 0xe5;
                dentry(&n, 0x20, 0, 40_001, 1 << 20)
            }
            _ => dentry(&n, 0x10, 0, 100, 0),
        };
        let at = Fat32::cluster_at(2) + i as usize * 32;
        v.img[at..at + 32].copy_from_slice(&e);
    }
    let fs = FatFs::open(Arc::new(mem(v.img)), &utc()).unwrap();
    let t = Instant::now();
    let listing = fs.list().unwrap();
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert!(listing.entries.len() >= 1024);
    assert!(listing
        .warnings
        .iter()
        .any(|w| w.what.contains("stopped checking")));
    assert!(listing
        .warnings
        .iter()
        .any(|w| w.what.contains("already listed 4 times")));
}

#[test]
fn deleted_file_over_reused_cluster_is_lost() {
    let (mut img, ..) = build_fat32();
    // Cluster 10 (first cluster of the deleted file) now belongs to
    // something else.
    let at = (RESERVED * SECTOR) + 10 * 4;
    img[at..at + 4].copy_from_slice(&EOC.to_le_bytes());
    let fs = FatFs::open(Arc::new(mem(img)), &utc()).unwrap();
    let listing = fs.list().unwrap();
    let d = by_path(&listing, "/Deleted Thing.bin");
    assert_eq!(d.recovery, Recovery::Lost);
    let data = fs.open(&d.inode, None).unwrap();
    assert_eq!(data.recovery, Recovery::Lost);
    assert_eq!(data.source.len(), 0);
}
