//! Compares listings with The Sleuth Kit's `fls -r -m /` output for the
//! ext images in ../shared/testdata/disk, reads file content, and feeds
//! damaged images through everything.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use md5::{Digest, Md5};

use exhibit_evidence::{EvidenceError, Source, SubSource};
use exhibit_vfs::{bodyfile_line, EntryKind, FileSystem, Listing, Recovery};

fn disk(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/disk")
        .join(name)
}

fn evidence(name: &str) -> Arc<dyn Source> {
    Arc::new(exhibit_evidence::open(disk(name)).unwrap())
}

fn expected(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(disk("expected").join(name)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn body(listing: &Listing) -> Vec<String> {
    let mut lines: Vec<String> = listing
        .entries
        .iter()
        .map(|e| bodyfile_line("", e))
        .collect();
    lines.sort();
    lines
}

fn assert_matches_tsk(
    src: Arc<dyn Source>,
    expected_file: &str,
    kind: &str,
) -> Box<dyn FileSystem> {
    assert!(exhibit_ext::probe(src.as_ref()));
    let fs = exhibit_ext::open(src).unwrap();
    assert_eq!(fs.kind(), kind);
    let listing = fs.list().unwrap();
    assert!(
        listing.warnings.is_empty(),
        "{expected_file}: unexpected warnings {:?}",
        listing.warnings
    );
    assert_eq!(body(&listing), expected(expected_file), "{expected_file}");
    // Not only the same lines: the same order (directory order, depth
    // first). TSK moves some well-known names (`Users`, `Windows`, …) to
    // the front of the root directory; these images have none.
    let text = std::fs::read_to_string(disk("expected").join(expected_file)).unwrap();
    let in_order: Vec<String> = listing
        .entries
        .iter()
        .map(|e| bodyfile_line("", e))
        .collect();
    assert_eq!(
        in_order,
        text.lines().collect::<Vec<_>>(),
        "{expected_file} order"
    );
    fs
}

#[test]
fn ext2_e01_matches_tsk() {
    let fs = assert_matches_tsk(evidence("ext2.E01"), "ext2.E01.fls.body", "ext2");
    assert_eq!(fs.label().as_deref(), Some("ext2_test"));
}

#[test]
fn plaso_image_matches_tsk() {
    assert_matches_tsk(
        evidence("plaso-image.E01"),
        "plaso-image.E01.fls.body",
        "ext2",
    );
}

#[test]
fn imynd_matches_tsk() {
    assert_matches_tsk(evidence("ímynd.dd"), "ímynd.dd.fls.body", "ext2");
}

#[test]
fn logical_partition_matches_tsk() {
    let src = evidence("tsk_volume_system.raw");
    let part: Arc<dyn Source> = Arc::new(SubSource::new(src, 352 * 512, 2528 * 512).unwrap());
    assert_matches_tsk(part, "tsk_volume_system.raw.p2.fls.body", "ext2");
}

fn read_all(src: &dyn Source) -> Vec<u8> {
    let mut buf = vec![0u8; src.len() as usize];
    src.read_exact_at(0, &mut buf).unwrap();
    buf
}

#[test]
fn ext2_e01_file_content() {
    let fs = exhibit_ext::open(evidence("ext2.E01")).unwrap();
    let listing = fs.list().unwrap();
    // Sizes from the test data README; MD5s from e2fsprogs 1.47.0
    // `debugfs -R "cat <N>"` on the same media.
    for (inode, size, md5) in [
        ("13", 53, "85bebf486af24792085f769afa46717d"),
        ("14", 116, "39cb097008d17660abd0539891a672af"),
        ("15", 22, "d54ff73404ed6041a3bd66850b061bff"),
    ] {
        let e = listing.entries.iter().find(|e| e.inode == inode).unwrap();
        assert_eq!(e.size, size, "inode {inode}");
        assert_eq!(e.recovery, Recovery::Certain);
        let data = fs.open(inode, None).unwrap();
        assert_eq!(data.recovery, Recovery::Certain);
        assert_eq!(data.source.len(), size);
        let bytes = read_all(data.source.as_ref());
        assert_eq!(bytes.len() as u64, size);
        assert_eq!(hex::encode(Md5::digest(&bytes)), md5, "inode {inode}");
    }
    let a_file = read_all(fs.open("13", None).unwrap().source.as_ref());
    assert!(a_file.starts_with(b"This is a text file."));

    // a_link is a fast symlink: its content is its target.
    let link = listing.entries.iter().find(|e| e.inode == "16").unwrap();
    assert_eq!(link.meta_kind, EntryKind::Symlink);
    assert_eq!(link.name_kind, EntryKind::Symlink);
    assert_eq!(link.path, "/a_link -> a_directory/another_file");
    let target = read_all(fs.open("16", None).unwrap().source.as_ref());
    assert_eq!(target, b"a_directory/another_file");

    // Addresses that are not files.
    assert!(fs.open("0", None).is_err());
    assert!(fs.open("1025", None).is_err()); // $OrphanFiles: virtual
    assert!(fs.open("1026", None).is_err());
    assert!(fs.open("x", None).is_err());
    assert!(fs.open("13", Some("stream")).is_err());
}

#[test]
fn plaso_image_deleted_entries() {
    let fs = exhibit_ext::open(evidence("plaso-image.E01")).unwrap();
    let listing = fs.list().unwrap();
    // Deleted names whose inode number was zeroed (ext2 does on unlink):
    // no metadata, nothing to recover.
    let gone: Vec<_> = listing
        .entries
        .iter()
        .filter(|e| e.deleted && e.inode == "0")
        .collect();
    assert_eq!(gone.len(), 3);
    for e in gone {
        assert_eq!(e.meta_kind, EntryKind::Unknown);
        assert_eq!(e.recovery, Recovery::Lost);
        assert!(!e.meta_allocated);
    }
    // The orphan: unallocated, truncated to 0 bytes, no block pointers.
    let orphan = listing
        .entries
        .iter()
        .find(|e| e.path == "/$OrphanFiles/OrphanFile-13")
        .unwrap();
    assert!(orphan.deleted && !orphan.meta_allocated);
    assert_eq!(orphan.name_kind, EntryKind::Unknown);
    assert_eq!(orphan.meta_kind, EntryKind::File);
    assert_eq!(orphan.recovery, Recovery::Lost);
    let data = fs.open("13", None).unwrap();
    assert_eq!(data.recovery, Recovery::Lost);
    assert_eq!(data.source.len(), 0);
    // Every other file reads in full.
    for e in listing
        .entries
        .iter()
        .filter(|e| e.meta_kind == EntryKind::File && !e.deleted)
    {
        let data = fs.open(&e.inode, None).unwrap();
        assert_eq!(read_all(data.source.as_ref()).len() as u64, e.size);
    }
}

/// The media in memory, optionally with one bit flipped and cut short.
struct Damaged {
    data: Arc<Vec<u8>>,
    len: usize,
    flip: Option<(usize, u8)>,
}

impl Source for Damaged {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        if offset >= self.len as u64 {
            return Ok(0);
        }
        let o = offset as usize;
        let n = buf.len().min(self.len - o);
        buf[..n].copy_from_slice(&self.data[o..o + n]);
        if let Some((at, mask)) = self.flip {
            if at >= o && at < o + n {
                buf[at - o] ^= mask;
            }
        }
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.len as u64
    }
    fn name(&self) -> &str {
        "damaged"
    }
}

/// probe, open, list and read every listed inode; returns how long it took.
fn exercise(src: Arc<dyn Source>) -> Duration {
    let start = Instant::now();
    let _ = exhibit_ext::probe(src.as_ref());
    if let Ok(fs) = exhibit_ext::open(src) {
        let _ = fs.kind();
        let _ = fs.label();
        if let Ok(listing) = fs.list() {
            let mut buf = vec![0u8; 1 << 16];
            for e in &listing.entries {
                if let Ok(data) = fs.open(&e.inode, None) {
                    // A damaged size can make a huge sparse file: read its
                    // first 8 MiB (more than the volume) and its end.
                    let len = data.source.len();
                    let mut off = 0;
                    while off < len.min(8 << 20) {
                        match data.source.read_at(off, &mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => off += n as u64,
                        }
                    }
                    let _ = data.source.read_at(len.saturating_sub(100), &mut buf);
                }
            }
        }
    }
    start.elapsed()
}

fn media(name: &str) -> Arc<Vec<u8>> {
    Arc::new(read_all(evidence(name).as_ref()))
}

#[test]
fn truncated_images_do_not_panic() {
    let data = media("ext2.E01");
    for cut in [
        0,
        1000,
        1080,
        1082,
        2047,
        2048,
        3072,
        5 * 1024,
        8192,
        40_000,
        65_536,
        200_000,
        1 << 20,
        data.len() - 1,
    ] {
        let src = Arc::new(Damaged {
            data: data.clone(),
            len: cut,
            flip: None,
        });
        let took = exercise(src);
        assert!(took < Duration::from_secs(10), "cut at {cut}: {took:?}");
    }
}

#[test]
fn bit_flips_do_not_panic() {
    let data = media("ext2.E01");
    // xorshift: deterministic positions in the first 64 KiB (superblock,
    // group descriptors, bitmaps, inode table).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut slowest = Duration::ZERO;
    for _ in 0..300 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = (x % 65_536) as usize;
        let mask = 1u8 << ((x >> 20) % 8);
        let src = Arc::new(Damaged {
            data: data.clone(),
            len: data.len(),
            flip: Some((at, mask)),
        });
        let took = exercise(src);
        assert!(took < Duration::from_secs(10), "flip at {at}: {took:?}");
        slowest = slowest.max(took);
    }
    eprintln!("slowest damaged listing: {slowest:?}");
}
