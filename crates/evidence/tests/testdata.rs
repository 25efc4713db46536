//! Reads every image in ../shared/testdata/disk through the Source trait and
//! checks the media MD5 against the independent values in its README.

use std::path::PathBuf;

use exhibit_evidence::{open, ContainerKind, EvidenceError, Source};
use md5::{Digest, Md5};

fn disk(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/disk")
        .join(name)
}

fn md5_of(src: &dyn Source) -> String {
    let mut h = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut off = 0;
    // Odd read sizes exercise chunk boundaries.
    let mut step = 4093usize;
    while off < src.len() {
        let n = src.read_at(off, &mut buf[..step]).unwrap();
        assert!(n > 0, "short read at {off}");
        h.update(&buf[..n]);
        off += n as u64;
        step = if step == 4093 { 1 << 20 } else { 4093 };
    }
    hex::encode(h.finalize())
}

#[test]
fn every_disk_image_matches_its_media_md5() {
    let cases = [
        (
            "ext2.E01",
            ContainerKind::Ewf,
            "196066add11fb71c4c49cf1bb50d6d24",
        ),
        (
            "ext2.split.E01",
            ContainerKind::Ewf,
            "196066add11fb71c4c49cf1bb50d6d24",
        ),
        (
            "ext2.splitraw.000",
            ContainerKind::SplitRaw,
            "196066add11fb71c4c49cf1bb50d6d24",
        ),
        (
            "ext2.splitraw.001",
            ContainerKind::SplitRaw,
            "196066add11fb71c4c49cf1bb50d6d24",
        ),
        (
            "plaso-image.E01",
            ContainerKind::Ewf,
            "d73c51f10c7ee6a681b7b619ccc6f1c4",
        ),
        // The shared README lists d73c51f1… (plaso's copy of this image);
        // the copy in shared/ differs: this is md5sum's value for it.
        (
            "ímynd.dd",
            ContainerKind::Raw,
            "a528fc1bec79f4fef062f2bf1008c045",
        ),
        (
            "imageformat_mmls_1.E01",
            ContainerKind::Ewf,
            "8ec671e301095c258224aad701740503",
        ),
        (
            "dftt-6-undel-fat/6-fat-undel.dd",
            ContainerKind::Raw,
            "4aeb06ecd361777242ab78735d51ace6",
        ),
        (
            "dftt-8-jpeg-search/8-jpeg-search.dd",
            ContainerKind::Raw,
            "9bdb9c76b80e90d155806a1fc7846db5",
        ),
    ];
    for (name, kind, md5) in cases {
        let ev = open(disk(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ev.kind(), kind, "{name}");
        assert_eq!(md5_of(&ev), md5, "{name}");
        if let Some(ewf) = ev.ewf() {
            if let Some(stored) = &ewf.stored_hashes().md5 {
                assert_eq!(stored, md5, "{name}: stored MD5");
            }
        }
    }
    // the other two images have no independent MD5 in the README; they must
    // still read end to end
    for name in ["tsk_volume_system.raw", "dftt-5-fat-daylight/daylight.dd"] {
        let ev = open(disk(name)).unwrap();
        assert_eq!(md5_of(&ev).len(), 32);
    }
}

#[test]
fn split_raw_pair_equals_ewf_media() {
    let split = open(disk("ext2.splitraw.000")).unwrap();
    let ewf = open(disk("ext2.E01")).unwrap();
    assert_eq!(split.len(), ewf.len());
    let mut a = vec![0u8; split.len() as usize];
    let mut b = vec![0u8; ewf.len() as usize];
    split.read_exact_at(0, &mut a).unwrap();
    ewf.read_exact_at(0, &mut b).unwrap();
    assert!(a == b);
    assert_eq!(split.files().len(), 2);
}

#[test]
fn ewf_metadata_is_exposed() {
    let ev = open(disk("imageformat_mmls_1.E01")).unwrap();
    let ewf = ev.ewf().unwrap();
    let m = ewf.metadata();
    assert_eq!(m.bytes_per_sector, 512);
    assert!(m.sector_count > 0);
    assert!(!m.header.is_empty(), "FTK Imager writes case metadata");
    let split = open(disk("ext2.split.E01")).unwrap();
    assert_eq!(split.ewf().unwrap().metadata().segment_count, 2);
}

#[test]
fn missing_and_empty_files_are_named() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("nope.dd");
    match open(&missing) {
        Err(EvidenceError::NotFound { path }) => assert_eq!(path, missing),
        other => panic!("{:?}", other.err()),
    }
    let empty = d.path().join("empty.dd");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(open(&empty), Err(EvidenceError::Empty { .. })));
}

#[test]
fn missing_ewf_segment_is_reported() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(disk("ext2.split.E01"), d.path().join("x.E01")).unwrap();
    match open(d.path().join("x.E01")) {
        Err(EvidenceError::MissingSegment { expected, .. }) => assert!(expected.ends_with("x.E02")),
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn truncated_ewf_fails_with_offset_at_every_cut() {
    let full = std::fs::read(disk("ext2.E01")).unwrap();
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("t.E01");
    // Cut at many points: every cut must give an error (at open or at read),
    // never a panic and never silently different data.
    for cut in (1..full.len()).step_by(full.len() / 97 + 1) {
        std::fs::write(&p, &full[..cut]).unwrap();
        let result = open(&p).and_then(|ev| {
            let mut buf = vec![0u8; ev.len() as usize];
            ev.read_exact_at(0, &mut buf)
        });
        let err = result
            .err()
            .unwrap_or_else(|| panic!("cut at {cut} of {} read cleanly", full.len()));
        let msg = err.to_string();
        assert!(msg.contains("t.E01"), "{msg}");
    }
}

#[test]
fn corrupt_chunk_is_reported_with_offset() {
    let mut data = std::fs::read(disk("ext2.split.E01")).unwrap();
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(disk("ext2.split.E02"), d.path().join("c.E02")).unwrap();
    // flip bytes in the middle of the chunk data (uncompressed: checksummed)
    let mid = data.len() / 2;
    for b in &mut data[mid..mid + 16] {
        *b ^= 0x5a;
    }
    std::fs::write(d.path().join("c.E01"), &data).unwrap();
    let result = open(d.path().join("c.E01")).and_then(|ev| {
        let mut buf = vec![0u8; ev.len() as usize];
        ev.read_exact_at(0, &mut buf)
    });
    match result {
        Err(e @ EvidenceError::Corrupt { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("c.E01") && msg.contains("offset"), "{msg}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn naming_a_later_ewf_segment_opens_the_set() {
    let ev = open(disk("ext2.split.E02")).unwrap();
    assert_eq!(ev.files().len(), 2);
    assert_eq!(md5_of(&ev), "196066add11fb71c4c49cf1bb50d6d24");
}

#[test]
fn corrupt_compressed_chunk_is_reported() {
    let mut data = std::fs::read(disk("ext2.E01")).unwrap();
    // inside the `sectors` section (compressed chunks start after offset 1947)
    for b in &mut data[3000..3008] {
        *b ^= 0xa5;
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("z.E01");
    std::fs::write(&p, &data).unwrap();
    let result = open(&p).and_then(|ev| {
        let mut buf = vec![0u8; ev.len() as usize];
        ev.read_exact_at(0, &mut buf)
    });
    assert!(
        matches!(result, Err(EvidenceError::Corrupt { .. })),
        "{result:?}"
    );
}

#[test]
fn readme_trio_is_the_plaso_image_media() {
    // The testdata README gives MD5/SHA-1/SHA-256 for plaso's `ímynd.dd`;
    // that image is the media inside plaso-image.E01 (same MD5), so the
    // three values are checked here on that media.
    use sha1::Sha1;
    use sha2::Sha256;
    let ev = open(disk("plaso-image.E01")).unwrap();
    let mut buf = vec![0u8; ev.len() as usize];
    ev.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(
        hex::encode(Md5::digest(&buf)),
        "d73c51f10c7ee6a681b7b619ccc6f1c4"
    );
    assert_eq!(
        hex::encode(Sha1::digest(&buf)),
        "d9f264323004fd9518c0474967f80421e60e9813"
    );
    assert_eq!(
        hex::encode(Sha256::digest(&buf)),
        "a9c0220b1dadd1812fc4bbe137f495d2c3b88c7b33b5a4de545d201fd31b3bc0"
    );
}
