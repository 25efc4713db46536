//! Triage of NTFS volumes made with mkntfs and ntfs-3g (the tests say SKIP
//! where they are missing; the compressed volume needs root and FUSE):
//! - leads inside NTFS-compressed files: the image's bytes hold them LZNT1-
//!   compressed (an address broken up or missing), so triage scans those
//!   files decoded and says so in the forensic path (`PATH:LZNT1-OFFSET`);
//! - `$BadClus:$Bad`, a hole the size of the volume, is listed, not hashed.

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
