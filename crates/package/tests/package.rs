//! A package built from a small case verifies, and changing any single
//! byte of the archive — header, content, padding or end marker — makes
//! it fail (an error or a named failure), never panic.

use exhibit_case::Case;
use exhibit_custody::{checkpoint, generate_key};
use exhibit_package::{build, verify, BuildOptions};

#[test]
fn every_byte_of_a_package_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let now: jiff::Timestamp = "2026-01-15T08:00:00Z".parse().unwrap();
    let case = Case::init(&tmp.path().join("case"), "Lotus", "T-1", "Ann", now).unwrap();
    let key = generate_key(&tmp.path().join("k"), &tmp.path().join("k.pub")).unwrap();
    checkpoint(
        &case.custody_log_path(),
        &case.checkpoints_path(),
        &key,
        "Ann",
        now,
    )
    .unwrap();
    let extracted = tmp.path().join("x");
    std::fs::create_dir_all(&extracted).unwrap();
    std::fs::write(extracted.join("note.txt"), b"extracted").unwrap();
    let opts = BuildOptions {
        key: &key,
        packaged_by: "Ann".into(),
        created: now,
        tool: "test".into(),
        with_files: vec![extracted],
        max_findings: 10,
    };
    let mut bytes = Vec::new();
    let built = build(&case, &opts, &mut bytes).unwrap();
    assert_eq!(built.archive_size, bytes.len() as u64);
    let good = verify(&mut &bytes[..], &[key.verifying_key()]).unwrap();
    assert!(good.is_ok(), "{:?}", good.failures);
    assert_eq!(good.manifest.unwrap().case.number, "T-1");

    // Same case, same time: same bytes.
    let mut again = Vec::new();
    build(&case, &opts, &mut again).unwrap();
    assert_eq!(bytes, again);

    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        match verify(&mut &b[..], &[]) {
            Err(_) => {}
            Ok(r) => assert!(!r.is_ok(), "byte {i} changed unnoticed"),
        }
    }
    for cut in 0..bytes.len() {
        if cut % 97 == 0 || cut + 1024 >= bytes.len() {
            match verify(&mut &bytes[..cut], &[]) {
                Err(_) => {}
                Ok(r) => assert!(!r.is_ok(), "cut at {cut} unnoticed"),
            }
        }
    }
}
