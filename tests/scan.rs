//! `exhibit scan` maps each lead back to the file holding it
//! (`features-files.jsonl`).

mod common;

use common::{disk, exhibit};
use exhibit_evidence::Source;

/// ext2.E01 as a raw copy with an e-mail address planted in
/// `/passwords.txt` (inode 14, block 514) and one in unallocated block 3000.
fn planted_ext2(dir: &std::path::Path) -> std::path::PathBuf {
    let ev = exhibit_evidence::open(disk("ext2.E01")).unwrap();
    let mut data = vec![0u8; ev.len() as usize];
    ev.read_exact_at(0, &mut data).unwrap();
    let inside = b"mail alice.smith@example.com now";
    data[514 * 1024 + 8..514 * 1024 + 8 + inside.len()].copy_from_slice(inside);
    let free = b" bob.jones@example.org ";
    data[3000 * 1024 + 100..3000 * 1024 + 100 + free.len()].copy_from_slice(free);
    let path = dir.join("planted.dd");
    std::fs::write(&path, data).unwrap();
    path
}

#[test]
fn features_are_mapped_to_files() {
    let tmp = tempfile::tempdir().unwrap();
    let image = planted_ext2(tmp.path());
    let out = tmp.path().join("out");
    let run = exhibit()
        .args(["scan", "-q", "--scanners", "email", "--out"])
        .arg(&out)
        .arg(&image)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(
        stdout.contains("1 in allocated files, 0 in deleted files, 1 in unallocated space"),
        "{stdout}"
    );
    let plain = std::fs::read_to_string(out.join("features.jsonl")).unwrap();
    let mapped = std::fs::read_to_string(out.join("features-files.jsonl")).unwrap();
    assert_eq!(plain.lines().count(), 2, "{plain}");
    assert_eq!(mapped.lines().count(), 2);
    let mut seen = 0;
    for (p, m) in plain.lines().zip(mapped.lines()) {
        // the feature is kept as is, with the file added
        assert!(m.starts_with(p.strip_suffix('}').unwrap()), "{m}");
        let v: serde_json::Value = serde_json::from_str(m).unwrap();
        match v["value"].as_str().unwrap() {
            "alice.smith@example.com" => {
                assert_eq!(v["offset"], 514 * 1024 + 13);
                assert_eq!(v["area"], "file");
                let f = &v["file"];
                assert_eq!(f["partition"], 1);
                assert_eq!(f["path"], "/passwords.txt");
                assert_eq!(f["inode"], "14");
                assert_eq!(f["deleted"], false);
                assert_eq!(f["recovery"], "certain");
                assert_eq!(f["offset_in_file"], 13);
                seen += 1;
            }
            "bob.jones@example.org" => {
                assert_eq!(v["offset"], 3000 * 1024 + 101);
                assert!(v["file"].is_null());
                assert_eq!(v["area"], "unallocated");
                assert_eq!(v["partition"], 1);
                seen += 1;
            }
            other => panic!("unexpected feature {other}"),
        }
    }
    assert_eq!(seen, 2);
}

#[test]
fn no_file_system_no_file_map() {
    let tmp = tempfile::tempdir().unwrap();
    let image = tmp.path().join("blob.bin");
    let mut data = common::pattern(64 * 1024, 7);
    data[1000..1021].copy_from_slice(b" carol@example.net   ");
    std::fs::write(&image, data).unwrap();
    let out = tmp.path().join("out");
    let run = exhibit()
        .args(["scan", "-q", "--out"])
        .arg(&out)
        .arg(&image)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(!stdout.contains("in allocated files"), "{stdout}");
    assert!(out.join("features.jsonl").exists());
    assert!(!out.join("features-files.jsonl").exists());
}
