//! Exhibit's NTFS reader against TSK's `fls -r -m /` output and the DFTT #8
//! JPEG search image's published MD5s, plus robustness on damaged images.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use exhibit_evidence::{EvidenceError, Source, SubSource};
use exhibit_vfs::{bodyfile_line, FileSystem, Recovery};
use md5::{Digest, Md5};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/disk")
}

fn jpeg_image() -> PathBuf {
    testdata().join("dftt-8-jpeg-search/8-jpeg-search.dd")
}

fn expected_lines(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(testdata().join("expected").join(name)).unwrap();
    let mut v: Vec<String> = text.lines().map(str::to_string).collect();
    v.sort();
    v
}

fn listing_lines(fs: &dyn FileSystem) -> Vec<String> {
    let listing = fs.list().unwrap();
    let mut v: Vec<String> = listing
        .entries
        .iter()
        .map(|e| bodyfile_line("", e))
        .collect();
    v.sort();
    v
}

fn assert_same(got: &[String], want: &[String]) {
    let missing: Vec<_> = want.iter().filter(|l| !got.contains(l)).collect();
    let extra: Vec<_> = got.iter().filter(|l| !want.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing (expected, not produced):\n{}\nextra (produced, not expected):\n{}",
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        extra
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(got.len(), want.len(), "duplicate lines");
}

fn open_raw(path: &Path) -> Arc<dyn Source> {
    Arc::new(exhibit_evidence::open(path).unwrap())
}

fn e01_partition(start_sector: u64, sectors: u64) -> Arc<dyn Source> {
    let ev = open_raw(&testdata().join("imageformat_mmls_1.E01"));
    Arc::new(SubSource::new(ev, start_sector * 512, sectors * 512).unwrap())
}

#[test]
fn jpeg_search_listing_matches_fls() {
    let src = open_raw(&jpeg_image());
    assert!(exhibit_ntfs::probe(&*src));
    let fs = exhibit_ntfs::open(src).unwrap();
    assert_eq!(fs.kind(), "NTFS");
    assert!(fs.list().unwrap().warnings.is_empty());
    assert_eq!(fs.label().as_deref(), Some("JPEG-SRCH"));
    let got = listing_lines(&*fs);
    let mut want = expected_lines("8-jpeg-search.dd.fls.body");
    // The one unavoidable difference. `$Secure`'s $FILE_NAME attribute
    // stores 0 (never set) in all four timestamps. TSK converts NT times to
    // Unix time with unsigned 64-bit arithmetic truncated to 32 bits, so 0
    // underflows and it prints 3373865674 (a date in 2076). Exhibit reports
    // an absent time (`None`, printed as 0) rather than invent a date that
    // would then appear on the case timeline.
    let tsk = "0|/$Secure ($FILE_NAME)|9-48-7|r/rr-xr-xr-x|0|0|80|3373865674|3373865674|3373865674|3373865674";
    let ours = "0|/$Secure ($FILE_NAME)|9-48-7|r/rr-xr-xr-x|0|0|80|0|0|0|0";
    let at = want
        .iter()
        .position(|l| l == tsk)
        .expect("TSK line present");
    want[at] = ours.to_string();
    want.sort();
    assert_same(&got, &want);
}

#[test]
fn e01_partition_1_listing_matches_fls() {
    let src = e01_partition(128, 55296);
    assert!(exhibit_ntfs::probe(&*src));
    let fs = exhibit_ntfs::open(src).unwrap();
    let got = listing_lines(&*fs);
    assert_same(&got, &expected_lines("imageformat_mmls_1.E01.p1.fls.body"));
}

#[test]
fn e01_partition_2_listing_matches_fls() {
    let src = e01_partition(55424, 61440);
    assert!(exhibit_ntfs::probe(&*src));
    let fs = exhibit_ntfs::open(src).unwrap();
    let got = listing_lines(&*fs);
    assert_same(&got, &expected_lines("imageformat_mmls_1.E01.p2.fls.body"));
}

/// DFTT #8's published MD5s of the pictures and files that are whole files
/// or alternate data streams in the image (items 1–13 of index.html; the
/// pictures inside file8.zip, file9.boo, file10.tar.gz, after the random
/// bytes of file11.dat and inside file12.doc are the scanner's job).
const DFTT8_MD5: &[(&str, &str, bool)] = &[
    (
        "/alloc/file1.jpg",
        "75b8d00568815a36c3809b46fc84ba6d",
        false,
    ),
    (
        "/alloc/file2.dat",
        "de5d83153339931371719f4e5c924eba",
        false,
    ),
    (
        "/invalid/file3.jpg",
        "1ba4e91591f0541eda255ee26f7533bc",
        false,
    ),
    (
        "/invalid/file4.jpg",
        "c8de721102617158e8492121bdad3711",
        false,
    ),
    (
        "/invalid/file5.rtf",
        "86f14fc525648c39d878829f288c0543",
        false,
    ),
    ("/del1/file6.jpg", "afd55222024a4e22f7f5a3a665320763", true),
    ("/del2/file7.hmm", "0c452c5800fcfa7c66027ae89c4f068a", true),
    (
        "/archive/file8.zip",
        "d41b56e0a9f84eb2825e73c24cedd963",
        false,
    ),
    (
        "/archive/file9.boo",
        "73c3029066aee9416a5aeb98a5c55321",
        false,
    ),
    (
        "/archive/file10.tar.gz",
        "d4f8cf643141f0c2911c539750e18ef2",
        false,
    ),
    (
        "/misc/file11.dat",
        "f407ab92da959c7ab03292cfe596a99d",
        false,
    ),
    (
        "/misc/file12.doc",
        "61c0b55639e52d1ce82aba834ada2bab",
        false,
    ),
    (
        "/misc/file13.dll:here",
        "9b787e63e3b64562730c5aecaab1e1f8",
        false,
    ),
];

fn md5_of(src: &dyn Source) -> String {
    let mut h = Md5::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut off = 0u64;
    while off < src.len() {
        let n = src.read_at(off, &mut buf).unwrap();
        assert!(n > 0, "short read at {off}");
        h.update(&buf[..n]);
        off += n as u64;
    }
    hex::encode(h.finalize())
}

#[test]
fn jpeg_search_contents_match_published_md5s() {
    let fs = exhibit_ntfs::open(open_raw(&jpeg_image())).unwrap();
    let listing = fs.list().unwrap();
    for (path, md5, deleted) in DFTT8_MD5 {
        let e = listing
            .entries
            .iter()
            .find(|e| e.path == *path)
            .unwrap_or_else(|| panic!("{path} not listed"));
        assert_eq!(e.deleted, *deleted, "{path}");
        let data = fs.open(&e.inode, None).unwrap();
        assert_eq!(md5_of(&*data.source), *md5, "{path} ({})", e.inode);
        assert_eq!(data.source.len(), e.size, "{path}");
        let want = if *deleted {
            Recovery::Guess
        } else {
            Recovery::Certain
        };
        assert_eq!(data.recovery, want, "{path}");
    }
    // the ADS by stream name, and the default stream by bare entry number
    let ads = fs.open("44", Some("here")).unwrap();
    assert_eq!(md5_of(&*ads.source), "9b787e63e3b64562730c5aecaab1e1f8");
    let main = fs.open("29", None).unwrap();
    assert_eq!(md5_of(&*main.source), "75b8d00568815a36c3809b46fc84ba6d");
    assert!(fs.open("44", Some("nope")).is_err());
    assert!(fs.open("44-128-99", None).is_err());
    assert!(fs.open("999999", None).is_err());
    assert!(fs.open("x-1", None).is_err());
    assert!(fs.open("52", None).is_err()); // $OrphanFiles is virtual
}

#[test]
fn resident_and_metadata_content() {
    let fs = exhibit_ntfs::open(open_raw(&jpeg_image())).unwrap();
    // desktop.ini (65 bytes) is resident in its MFT record
    let d = fs.open("50-128-1", None).unwrap();
    assert_eq!(d.source.len(), 65);
    assert_eq!(d.recovery, Recovery::Certain);
    let mut buf = vec![0u8; 65];
    d.source.read_exact_at(0, &mut buf).unwrap();
    assert!(
        String::from_utf8_lossy(&buf).contains(".ShellClassInfo"),
        "{buf:?}"
    );
    // $Boot's content is the boot sector
    let b = fs.open("7", None).unwrap();
    let mut sector = [0u8; 512];
    b.source.read_exact_at(0, &mut sector).unwrap();
    assert_eq!(&sector[3..11], b"NTFS    ");
    // $BadClus:$Bad is one sparse run as large as the volume: all zeros
    let bad = fs.open("8", Some("$Bad")).unwrap();
    assert_eq!(bad.source.len(), 10289152);
    let mut z = vec![1u8; 4096];
    bad.source.read_exact_at(5_000_000, &mut z).unwrap();
    assert!(z.iter().all(|&x| x == 0));
    // an index root and a $FILE_NAME value can be read too
    let fname = fs.open("29-48-2", None).unwrap();
    assert_eq!(fname.source.len(), 84);
}

#[test]
fn e01_partitions_open_and_read() {
    for (start, len, label) in [(128u64, 55296u64, "Part 1"), (55424, 61440, "Part 2")] {
        let fs = exhibit_ntfs::open(e01_partition(start, len)).unwrap();
        assert_eq!(fs.label().as_deref(), Some(label));
        let listing = fs.list().unwrap();
        assert!(listing.warnings.is_empty(), "{:?}", listing.warnings);
        let upcase = fs.open("10", None).unwrap();
        assert_eq!(upcase.source.len(), 131072);
        let mut b = [0u8; 4];
        upcase.source.read_exact_at(2 * 0x61, &mut b).unwrap();
        assert_eq!(b, [0x41, 0, 0x42, 0]); // 'a' -> 'A', 'b' -> 'B'
        let guid = fs.open("38", None).unwrap();
        assert_eq!(guid.source.len(), 76);
    }
}

/// The image in memory, possibly cut short and with one bit flipped.
struct Damaged {
    data: Arc<Vec<u8>>,
    len: u64,
    flip: Option<(u64, u8)>,
}

impl Source for Damaged {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        if offset >= self.len {
            return Ok(0);
        }
        let start = offset as usize;
        let n = buf.len().min((self.len - offset) as usize);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        if let Some((at, bit)) = self.flip {
            if at >= offset && at < offset + n as u64 {
                buf[(at - offset) as usize] ^= 1 << bit;
            }
        }
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.len
    }
    fn name(&self) -> &str {
        "damaged"
    }
}

/// probe, open, list and read every entry (up to 4 MiB each): must not
/// panic; returns how many entries were listed.
fn exercise(src: Arc<dyn Source>) -> usize {
    match exhibit_ntfs::open(src) {
        Ok(fs) => exhibit_vfs::exercise(fs.as_ref(), u64::MAX),
        Err(_) => 0,
    }
}

fn image_bytes() -> Arc<Vec<u8>> {
    Arc::new(std::fs::read(jpeg_image()).unwrap())
}

#[test]
fn truncated_images_do_not_panic() {
    let data = image_bytes();
    let full = data.len() as u64;
    let mft = 6699 * 512; // $MFT starts at cluster 6699 (512-byte clusters)
    for cut in [
        0,
        1,
        511,
        512,
        4096,
        1 << 20,
        mft,
        mft + 1000,
        mft + 5 * 1024 + 100,
        mft + 30 * 1024,
        full / 2,
        full - 4096,
        full - 1,
    ] {
        let t = Instant::now();
        let n = exercise(Arc::new(Damaged {
            data: data.clone(),
            len: cut,
            flip: None,
        }));
        assert!(t.elapsed() < Duration::from_secs(30), "cut {cut}");
        if cut >= mft + 52 * 1024 {
            // the whole MFT is there: everything is still listed
            assert_eq!(n, 84, "cut {cut}");
        }
    }
    // a truncated volume says so
    let fs = exhibit_ntfs::open(Arc::new(Damaged {
        data: data.clone(),
        len: full - 4096,
        flip: None,
    }))
    .unwrap();
    let w = fs.list().unwrap().warnings;
    assert!(w.iter().any(|w| w.what.contains("truncated")), "{w:?}");
}

/// `count` deterministic single-bit flips in `[start, start + span)`; each
/// image goes through [`exercise`]. `whole` is the undamaged entry count.
fn flips(data: &Arc<Vec<u8>>, seed: u64, count: usize, start: u64, span: u64, whole: usize) {
    let mut x = seed;
    let mut total = Duration::ZERO;
    let mut intact = 0;
    for _ in 0..count {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = start + (x >> 33) % span;
        let bit = ((x >> 20) % 8) as u8;
        let t = Instant::now();
        let n = exercise(Arc::new(Damaged {
            data: data.clone(),
            len: data.len() as u64,
            flip: Some((at, bit)),
        }));
        if n == whole {
            intact += 1;
        }
        let el = t.elapsed();
        assert!(
            el < Duration::from_secs(20),
            "flip at {at} bit {bit}: {el:?}"
        );
        total += el;
    }
    assert!(total < Duration::from_secs(300), "{total:?}");
    // most single-bit flips leave the listing whole: the reader did run
    assert!(
        intact > count / 2,
        "only {intact} of {count} listings complete"
    );
}

#[test]
fn bit_flips_in_the_first_mebibyte_do_not_panic() {
    flips(&image_bytes(), 8, 300, 0, 1 << 20, 84);
}

#[test]
fn bit_flips_in_the_mft_do_not_panic() {
    // The first MiB of this image holds the boot sector and file data; the
    // metadata the reader parses is in the 52 KiB MFT at cluster 6699.
    flips(&image_bytes(), 13, 300, 6699 * 512, 52 * 1024, 84);
}

fn ntfs3g_image() -> Arc<dyn Source> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ntfs3g-features.img.gz");
    let mut data = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut data)
        .unwrap();
    let len = data.len() as u64;
    Arc::new(Damaged {
        data: Arc::new(data),
        len,
        flip: None,
    })
}

fn data_file(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

#[test]
fn ntfs3g_listing_matches_fls() {
    let fs = exhibit_ntfs::open(ntfs3g_image()).unwrap();
    assert_eq!(fs.label().as_deref(), Some("exhibit"));
    let listing = fs.list().unwrap();
    assert!(listing.warnings.is_empty(), "{:?}", listing.warnings);
    let mut got: Vec<String> = listing
        .entries
        .iter()
        .map(|e| bodyfile_line("", e))
        .collect();
    got.sort();
    let mut want: Vec<String> = data_file("ntfs3g-features.img.fls.body")
        .lines()
        .map(str::to_string)
        .collect();
    // Two lines differ, by design:
    // 1. mkntfs leaves $MFT's $STANDARD_INFORMATION times at 0; TSK's
    //    unsigned conversion prints 3373865674 (2076), Exhibit 0 (absent).
    let i = want
        .iter()
        .position(|l| l.starts_with("0|/$MFT|0-128-1|"))
        .unwrap();
    want[i] = want[i].replace("|3373865674|3373865674|3373865674|3373865674", "|0|0|0|0");
    // 2. TSK makes up a `..` entry for every directory it opens; it hides
    //    it unless `..` points at a non-directory, as the orphaned `olddir`'s
    //    patched parent ($Volume, entry 3) does, and then prints $Volume's
    //    $DATA as `olddir/.. (deleted-realloc)`. Exhibit lists no `.`/`..`
    //    entries: they are not names stored on the volume.
    want.retain(|l| !l.starts_with("0|/$OrphanFiles/olddir/.. (deleted-realloc)|3-128-3|"));
    want.sort();
    assert_same(&got, &want);
    // deleted and orphaned entries say so
    let orphan = listing
        .entries
        .iter()
        .find(|e| e.path == "/$OrphanFiles/olddir/inner/b.txt")
        .unwrap();
    assert!(orphan.deleted && !orphan.meta_allocated);
}

#[test]
fn ntfs3g_contents_match_icat() {
    let fs = exhibit_ntfs::open(ntfs3g_image()).unwrap();
    let md5s = data_file("ntfs3g-features.img.icat.md5");
    let mut compressed_seen = 0;
    for line in md5s.lines() {
        let (inode, md5) = line.split_once(' ').unwrap();
        let d = fs.open(inode, None).unwrap();
        assert_eq!(md5_of(&*d.source), md5, "{inode}");
        compressed_seen += 1;
    }
    assert!(compressed_seen > 50);
    // compressed text, by name: LZNT1 decoded
    let listing = fs.list().unwrap();
    let find = |p: &str| {
        listing
            .entries
            .iter()
            .find(|e| e.path == p)
            .unwrap_or_else(|| panic!("{p}"))
            .inode
            .clone()
    };
    let big = fs.open(&find("/docs/big.txt"), None).unwrap();
    let mut text = vec![0u8; big.source.len() as usize];
    big.source.read_exact_at(0, &mut text).unwrap();
    let want: String = (0..2500)
        .map(|i| format!("line {i} of the compressible text file {}\n", i % 17))
        .collect();
    assert_eq!(text, want.as_bytes());
    // the scanner must read it decoded: the volume holds it LZNT1-encoded,
    // while resident and plain data lie in the clear
    assert_eq!(fs.encoded(&find("/docs/big.txt")).unwrap(), Some("LZNT1"));
    assert_eq!(fs.encoded(&find("/docs/small.txt")).unwrap(), None);
    // sparse: the hole reads as zeros
    let sparse = fs.open(&find("/sparse.dat"), None).unwrap();
    let mut b = vec![1u8; 4];
    sparse.source.read_exact_at(500_000, &mut b).unwrap();
    assert_eq!(b, [0, 0, 0, 0]);
    sparse.source.read_exact_at(1_000_000, &mut b).unwrap();
    assert_eq!(&b, b"BBBB");
    // ADS by name
    let tiny = fs
        .open(find("/ads.txt").split('-').next().unwrap(), Some("tiny"))
        .unwrap();
    let mut t = vec![0u8; 8];
    tiny.source.read_exact_at(0, &mut t).unwrap();
    assert_eq!(&t, b"tiny ads");
    // deleted, in an orphaned directory: a guess
    let a = fs.open(&find("/$OrphanFiles/olddir/a.txt"), None).unwrap();
    assert_eq!(a.recovery, Recovery::Guess);
    assert_eq!(
        md5_of(&*a.source),
        hex::encode(Md5::digest(b"aaaa\n".repeat(3000)))
    );
}

#[test]
fn ntfs3g_bit_flips_do_not_panic() {
    // the MFT of this image holds attribute lists, compressed and sparse
    // attributes: flip bits there and in the directory indexes
    let src = ntfs3g_image();
    let mut data = vec![0u8; src.len() as usize];
    src.read_exact_at(0, &mut data).unwrap();
    let data = Arc::new(data);
    let fs = exhibit_ntfs::open(src).unwrap();
    let whole = fs.list().unwrap().entries.len();
    assert_eq!(exercise(ntfs3g_image()), whole);
    let mft = u64::from_le_bytes(data[48..56].try_into().unwrap()) * 1024;
    flips(&data, 21, 300, mft, 126 * 1024, whole);
}

/// Writes `bytes` at logical offset `at` of MFT entry `n` of the DFTT #8
/// image (1 KiB records at cluster 6699, 512-byte clusters), through the
/// update sequence array where a byte is a protected sector end.
fn patch_record(img: &mut [u8], n: usize, at: usize, bytes: &[u8]) {
    let rec = 6699 * 512 + n * 1024;
    let usa = u16::from_le_bytes([img[rec + 4], img[rec + 5]]) as usize;
    for (k, b) in bytes.iter().enumerate() {
        let p = at + k;
        if p % 512 >= 510 {
            img[rec + usa + 2 * (p / 512 + 1) + (p % 512 - 510)] = *b;
        } else {
            img[rec + p] = *b;
        }
    }
}

/// Logical (fixed-up) bytes of MFT entry `n` of the DFTT #8 image.
fn record_bytes(img: &[u8], n: usize) -> Vec<u8> {
    let rec = 6699 * 512 + n * 1024;
    let mut r = img[rec..rec + 1024].to_vec();
    let usa = u16::from_le_bytes([r[4], r[5]]) as usize;
    for i in 1..3 {
        r[i * 512 - 2] = img[rec + usa + 2 * i];
        r[i * 512 - 1] = img[rec + usa + 2 * i + 1];
    }
    r
}

fn in_memory(img: Vec<u8>) -> Arc<dyn Source> {
    let len = img.len() as u64;
    Arc::new(Damaged {
        data: Arc::new(img),
        len,
        flip: None,
    })
}

#[test]
fn a_torn_record_is_a_warning_and_the_rest_is_listed() {
    let mut img = (*image_bytes()).clone();
    // break the update sequence at the end of MFT entry 29's first sector
    let rec = 6699 * 512 + 29 * 1024;
    img[rec + 510] ^= 0xFF;
    let fs = exhibit_ntfs::open(in_memory(img)).unwrap();
    let listing = fs.list().unwrap();
    let w: Vec<_> = listing
        .warnings
        .iter()
        .filter(|w| w.what.contains("MFT entry 29"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", listing.warnings);
    assert_eq!(w[0].offset, rec as u64);
    assert!(w[0].what.contains("update sequence"), "{}", w[0].what);
    // the name survives in its directory's index, without metadata
    let e = listing
        .entries
        .iter()
        .find(|e| e.path == "/alloc/file1.jpg")
        .unwrap();
    assert_eq!(e.inode, "29");
    assert_eq!(exhibit_vfs::mode_string(e), "r/----------");
    assert_eq!(e.recovery, Recovery::Lost);
    assert!(fs.open("29", None).is_err());
    // everything else is still there
    assert_eq!(listing.entries.len(), 84 - 1);
    assert!(listing.entries.iter().any(|e| e.path == "/alloc/file2.dat"));
}

#[test]
fn a_directory_cycle_is_cut_with_a_warning() {
    let mut img = (*image_bytes()).clone();
    // In /alloc (entry 27), point the index entry for file2.dat back at
    // /alloc itself, with the right sequence number.
    let r = record_bytes(&img, 27);
    let seq = u16::from_le_bytes([r[16], r[17]]);
    let name: Vec<u8> = "file2.dat"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let key = r
        .windows(name.len())
        .position(|w| w == &name[..])
        .expect("file2.dat in /alloc's index root");
    // index entry: file reference at -16-66 from the name
    let entry = key - 66 - 16;
    let file_ref = 27u64 | (u64::from(seq) << 48);
    patch_record(&mut img, 27, entry, &file_ref.to_le_bytes());
    // and mark the key as a directory
    patch_record(&mut img, 27, entry + 16 + 56, &0x1000_0000u32.to_le_bytes());
    let t = Instant::now();
    let fs = exhibit_ntfs::open(in_memory(img)).unwrap();
    let listing = fs.list().unwrap();
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(
        listing
            .warnings
            .iter()
            .any(|w| w.what.contains("directory 27") && w.what.contains("again")),
        "{:?}",
        listing.warnings
    );
    let e = listing
        .entries
        .iter()
        .find(|e| e.path == "/alloc/file2.dat")
        .unwrap();
    assert_eq!(e.inode, "27-144-1");
    // file2.dat's own record is still found, through its $FILE_NAME parent
    assert!(listing
        .entries
        .iter()
        .any(|e| e.inode == "28-128-3" && e.path == "/alloc/file2.dat"));
}
