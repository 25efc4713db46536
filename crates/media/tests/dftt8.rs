//! DFTT #8 (JPEG search test): every JPEG of its results table is found
//! with the listed MD5 — by content whatever the extension, deleted, inside
//! zip and tar.gz, embedded in a Word document and after random bytes, and
//! in an NTFS alternate data stream.

use std::collections::BTreeMap;
use std::sync::Arc;

use exhibit_hash::{hash_bytes, Algorithm};
use exhibit_media::find::{find_in_image, FindOptions, Origin};
use exhibit_media::MediaType;

const IMAGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/disk/dftt-8-jpeg-search/8-jpeg-search.dd"
);

#[test]
fn every_jpeg_is_found() {
    let src: Arc<dyn exhibit_evidence::Source> = Arc::new(exhibit_evidence::open(IMAGE).unwrap());
    let mut found: BTreeMap<String, (String, Origin, MediaType)> = BTreeMap::new();
    let mut md5s: BTreeMap<String, String> = BTreeMap::new();
    let warnings = find_in_image(
        src.clone(),
        "8-jpeg-search.dd",
        &FindOptions::default(),
        &mut |f, data| {
            let md5 = hash_bytes(data, &[Algorithm::Md5])
                .hex(Algorithm::Md5)
                .unwrap();
            eprintln!("{:?} {} {} {md5} {}", f.origin, f.path, f.length, f.deleted);
            md5s.insert(md5.clone(), f.path.clone());
            found.insert(f.path.clone(), (md5, f.origin, f.kind));
        },
    )
    .unwrap();
    eprintln!("warnings: {warnings:?}");
    // Whole files that are JPEGs, with their MD5 from results.txt.
    let whole = [
        (
            "/alloc/file1.jpg",
            "75b8d00568815a36c3809b46fc84ba6d",
            Origin::File,
        ),
        (
            "/alloc/file2.dat",
            "de5d83153339931371719f4e5c924eba",
            Origin::File,
        ),
        (
            "/del1/file6.jpg",
            "afd55222024a4e22f7f5a3a665320763",
            Origin::Deleted,
        ),
        (
            "/del2/file7.hmm",
            "0c452c5800fcfa7c66027ae89c4f068a",
            Origin::Deleted,
        ),
        (
            "/archive/file8.zip!file8.jpg",
            "f9956284a89156ef6967b49eced9d1b1",
            Origin::Archive,
        ),
        (
            "/archive/file9.boo!file9.jpg",
            "c5a6917669c77d20f30ecb39d389eb7d",
            Origin::Archive,
        ),
        (
            "/archive/file10.tar.gz!file10.jpg",
            "c476a66ccdc2796b4f6f8e27273dd788",
            Origin::Archive,
        ),
        (
            "/misc/file13.dll:here",
            "9b787e63e3b64562730c5aecaab1e1f8",
            Origin::File,
        ),
    ];
    for (path, md5, origin) in whole {
        let (got, o, kind) = found
            .get(path)
            .unwrap_or_else(|| panic!("{path} not found"));
        assert_eq!(got, md5, "{path}");
        assert_eq!(*o, origin, "{path}");
        assert_eq!(*kind, MediaType::Jpeg);
    }
    // Pictures inside other files: results.txt lists the containers' MD5s;
    // the picture is found at an offset inside them.
    for container in ["/misc/file11.dat", "/misc/file12.doc"] {
        assert!(
            found
                .iter()
                .any(|(p, (_, o, k))| p.starts_with(&format!("{container}@"))
                    && *o == Origin::Embedded
                    && *k == MediaType::Jpeg),
            "{container}"
        );
    }
    assert!(
        found.contains_key("/misc/file11.dat@1572"),
        "after 1572 random bytes"
    );
    // The decoys are not pictures.
    for decoy in [
        "/invalid/file3.jpg",
        "/invalid/file4.jpg",
        "/invalid/file5.rtf",
    ] {
        assert!(!found.keys().any(|p| p.starts_with(decoy)), "{decoy}");
    }
}

/// Container MD5s from results.txt (the files themselves, as read from NTFS).
#[test]
fn container_md5s_match_results_table() {
    let src: Arc<dyn exhibit_evidence::Source> = Arc::new(exhibit_evidence::open(IMAGE).unwrap());
    let (_, parts) = exhibit_examine::partitions(src, "dftt8").unwrap();
    let fs = exhibit_examine::open_fs(&parts[0], &Default::default()).unwrap();
    let want = [
        ("/archive/file8.zip", "d41b56e0a9f84eb2825e73c24cedd963"),
        ("/archive/file9.boo", "73c3029066aee9416a5aeb98a5c55321"),
        ("/archive/file10.tar.gz", "d4f8cf643141f0c2911c539750e18ef2"),
        ("/misc/file11.dat", "f407ab92da959c7ab03292cfe596a99d"),
        ("/misc/file12.doc", "61c0b55639e52d1ce82aba834ada2bab"),
        ("/invalid/file3.jpg", "1ba4e91591f0541eda255ee26f7533bc"),
        ("/invalid/file4.jpg", "c8de721102617158e8492121bdad3711"),
        ("/invalid/file5.rtf", "86f14fc525648c39d878829f288c0543"),
    ];
    let listing = fs.list().unwrap();
    for (path, md5) in want {
        let e = listing
            .entries
            .iter()
            .find(|e| e.path == path)
            .unwrap_or_else(|| panic!("{path}"));
        let data =
            exhibit_media::find::read_all(&*fs.open(&e.inode, None).unwrap().source).unwrap();
        assert_eq!(
            hash_bytes(&data, &[Algorithm::Md5])
                .hex(Algorithm::Md5)
                .unwrap(),
            md5,
            "{path}"
        );
    }
}
