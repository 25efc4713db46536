//! Triage of NTFS volumes made with mkntfs and ntfs-3g (the tests say SKIP
//! where they are missing; the compressed volume needs root and FUSE):
//! - leads inside NTFS-compressed files: the image's bytes hold them LZNT1-
//!   compressed (an address broken up or missing), so triage scans those
//!   files decoded and says so in the forensic path (`PATH:LZNT1-OFFSET`);
//! - `$BadClus:$Bad`, a hole the size of the volume, is listed, not hashed;
//! - a WOF-compressed file is listed without the hash of its empty placeholder.

mod common;

use std::path::Path;
use std::process::Command;

use common::exhibit;

/// Triages `img` into `dir/case`.
fn triage(dir: &Path, img: &Path) -> std::path::PathBuf {
    let case = dir.join("case");
    exhibit()
        .args(["triage", "-q", "--case"])
        .arg(&case)
        .arg(img)
        .assert()
        .success();
    case
}

fn run(cmd: &mut Command) -> bool {
    cmd.output().map(|o| o.status.success()).unwrap_or(false)
}

/// A 16 MiB NTFS volume whose root has the compressed flag, holding
/// `docs/leads.txt` (compressed) with `n` lines naming an address each.
fn compressed_volume(dir: &Path, n: usize) -> Option<std::path::PathBuf> {
    let img = dir.join("ntfs.img");
    let mnt = dir.join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    std::fs::File::create(&img)
        .unwrap()
        .set_len(16 << 20)
        .unwrap();
    if !run(Command::new("mkntfs").args(["-F", "-q", "-C"]).arg(&img)) {
        eprintln!("SKIP: mkntfs (ntfs-3g) not installed");
        return None;
    }
    if !run(Command::new("ntfs-3g")
        .args(["-o", "compression"])
        .arg(&img)
        .arg(&mnt))
    {
        eprintln!("SKIP: ntfs-3g cannot mount here (needs root and FUSE)");
        return None;
    }
    let text: String = (0..n)
        .map(|i| format!("line {i}: write to suspect{}@example.org today\n", i % 7))
        .collect();
    std::fs::create_dir(mnt.join("docs")).unwrap();
    std::fs::write(mnt.join("docs/leads.txt"), text).unwrap();
    assert!(run(Command::new("umount").arg(&mnt)), "umount");
    Some(img)
}

#[test]
fn leads_in_compressed_ntfs_files_are_found_decoded() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 3000;
    let Some(img) = compressed_volume(tmp.path(), n) else {
        return;
    };
    let case = triage(tmp.path(), &img);
    let out = exhibit()
        .args([
            "search",
            case.to_str().unwrap(),
            "suspect0 type:email",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let hits: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let decoded: Vec<&serde_json::Value> = hits
        .iter()
        .filter(|h| {
            h["location"]
                .as_str()
                .is_some_and(|l| l.starts_with("/docs/leads.txt:LZNT1-"))
        })
        .collect();
    assert!(
        !decoded.is_empty(),
        "no finding from the decoded file: {:?}",
        &hits[..hits.len().min(5)]
    );
    assert!(decoded.iter().all(|h| h["file"] == "/docs/leads.txt"));
    // Every line's address, once each, from the decoded content.
    let count = exhibit()
        .args([
            "findings",
            case.to_str().unwrap(),
            "--type",
            "email",
            "--json",
        ])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&count.stdout).unwrap();
    let total: u64 = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.to_string().contains("suspect"))
        .map(|r| r["count"].as_u64().unwrap_or(0))
        .sum();
    assert!(total >= n as u64, "{total} addresses found, {n} written");
}

#[test]
fn the_bad_cluster_hole_is_listed_not_hashed() {
    // `$BadClus:$Bad` is one unwritten hole the size of the volume: on a
    // terabyte disk, hashing its zeros would cost half an hour.
    let tmp = tempfile::tempdir().unwrap();
    let img = tmp.path().join("big.img");
    std::fs::File::create(&img)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    if !run(Command::new("mkntfs").args(["-F", "-q", "-f"]).arg(&img)) {
        eprintln!("SKIP: mkntfs (ntfs-3g) not installed");
        return;
    }
    let case = triage(tmp.path(), &img);
    let out = exhibit()
        .args(["files", case.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let files: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let bad = files
        .iter()
        .find(|f| f["path"] == "/$BadClus:$Bad")
        .expect("listed");
    assert!(bad["size"].as_u64().unwrap() > 256 << 20);
    assert!(bad["md5"].is_null(), "{bad}");
    let mft = files.iter().find(|f| f["path"] == "/$MFT").expect("listed");
    assert!(mft["md5"].is_string(), "{mft}");
}

#[test]
fn a_wof_compressed_file_is_listed_without_a_hash_of_its_placeholder() {
    // Windows' `compact` (CompactOS) leaves an empty, sparse default stream
    // and keeps the content in `WofCompressedData`: hashing the placeholder
    // would report zeros as the file's content.
    let tmp = tempfile::tempdir().unwrap();
    let img = tmp.path().join("wof.img");
    std::fs::File::create(&img)
        .unwrap()
        .set_len(16 << 20)
        .unwrap();
    if !run(Command::new("mkntfs").args(["-F", "-q", "-f"]).arg(&img)) {
        eprintln!("SKIP: mkntfs (ntfs-3g) not installed");
        return;
    }
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    if !run(Command::new("ntfs-3g")
        .args(["-o", "streams_interface=windows"])
        .arg(&img)
        .arg(&mnt))
    {
        eprintln!("SKIP: ntfs-3g cannot mount here (needs root and FUSE)");
        return;
    }
    // The reparse point Windows writes: IO_REPARSE_TAG_WOF, WOF version 1,
    // the file provider (2), its version 1, XPRESS4K (0).
    let script = r#"
import os, struct, sys
p = sys.argv[1]
with open(p, 'wb') as f: f.truncate(10000)
with open(p + ':WofCompressedData', 'wb') as f: f.write(b'packed' * 10)
body = struct.pack('<IIII', 1, 2, 1, 0)
os.setxattr(p, 'system.ntfs_reparse_data', struct.pack('<IHH', 0x80000017, len(body), 0) + body)
"#;
    let made = run(Command::new("python3")
        .args(["-c", script])
        .arg(mnt.join("compact.exe")));
    assert!(run(Command::new("umount").arg(&mnt)), "umount");
    assert!(made, "writing the WOF file");
    let case = tmp.path().join("case");
    let out = exhibit()
        .args(["triage", "--case"])
        .arg(&case)
        .arg(&img)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("WOF-compressed") && err.contains("XPRESS4K"),
        "{err}"
    );
    let out = exhibit()
        .args(["files", case.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let files: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let wof = files
        .iter()
        .find(|f| f["path"] == "/compact.exe")
        .expect("listed");
    assert_eq!(wof["size"], 10000);
    assert!(wof["md5"].is_null(), "{wof}");
    // The stream that holds it is there to read.
    let stream = files
        .iter()
        .find(|f| f["path"] == "/compact.exe:WofCompressedData")
        .expect("listed");
    assert!(stream["md5"].is_string(), "{stream}");
}
