//! Virtual disks (VHD, VHDX, VMDK, QCOW2) made by qemu-img from the shared
//! raw images read as those images: the same media hash, partitions and files,
//! and the container files are left unchanged.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{disk, exhibit, fingerprint, stdout_of};

/// (qemu-img format, its options, the container kind Exhibit reports).
const FORMATS: &[(&str, &str, &str)] = &[
    ("vpc", "subformat=fixed,force_size=on", "vhd"),
    ("vpc", "subformat=dynamic,force_size=on", "vhd"),
    ("vhdx", "subformat=dynamic", "vhdx"),
    ("vhdx", "subformat=fixed", "vhdx"),
    ("vmdk", "subformat=monolithicSparse", "vmdk"),
    ("vmdk", "subformat=streamOptimized", "vmdk"),
    ("vmdk", "subformat=monolithicFlat", "vmdk"),
    ("vmdk", "subformat=twoGbMaxExtentSparse", "vmdk"),
    ("qcow2", "", "qcow2"),
    ("qcow2", "compression_type=zlib", "qcow2"),
];

/// Converts `raw` into every format (compressing the QCOW2 given a
/// compression type); `None` where qemu-img is missing.
fn conversions(raw: &Path, dir: &Path) -> Option<Vec<(PathBuf, &'static str)>> {
    if Command::new("qemu-img").arg("--version").output().is_err() {
        eprintln!("SKIP: qemu-img not installed");
        return None;
    }
    let mut out = Vec::new();
    for (i, (format, options, kind)) in FORMATS.iter().enumerate() {
        let path = dir.join(format!("d{i}.{kind}"));
        let mut c = Command::new("qemu-img");
        c.args(["convert", "-q", "-f", "raw", "-O", format]);
        if options.contains("compression_type") {
            c.arg("-c");
        } else if !options.is_empty() {
            c.args(["-o", options]);
        }
        let ok = c.arg(raw).arg(&path).status().unwrap().success();
        assert!(ok, "qemu-img convert -O {format} {options}");
        out.push((path, *kind));
    }
    Some(out)
}

/// `exhibit ls -r --json` without the provenance (it names the file).
fn listing(path: &Path) -> Vec<serde_json::Value> {
    stdout_of(&["ls", "-r", "--json", path.to_str().unwrap()])
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("provenance");
            v
        })
        .collect()
}

fn media_md5(path: &Path) -> (String, String) {
    let v: serde_json::Value =
        serde_json::from_str(stdout_of(&["hash", "--json", path.to_str().unwrap()]).trim())
            .unwrap();
    (
        v["container"].as_str().unwrap().to_string(),
        v["hashes"]["md5"].as_str().unwrap().to_string(),
    )
}

#[test]
fn virtual_disks_read_as_the_raw_image_they_were_made_from() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = disk("ímynd.dd");
    let Some(disks) = conversions(&raw, tmp.path()) else {
        return;
    };
    let files = listing(&raw);
    assert!(files.len() > 5, "the raw image lists files");
    let (_, raw_md5) = media_md5(&raw);
    for (path, kind) in &disks {
        let before = fingerprint(path);
        let (container, md5) = media_md5(path);
        assert_eq!(&container, kind, "{}", path.display());
        assert_eq!(md5, raw_md5, "{}: media MD5", path.display());
        assert_eq!(listing(path), files, "{}: files", path.display());
        assert_eq!(fingerprint(path), before, "{} changed", path.display());
    }
}

#[test]
fn partitions_of_a_virtual_disk_are_those_of_the_raw_image() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = disk("tsk_volume_system.raw");
    let Some(disks) = conversions(&raw, tmp.path()) else {
        return;
    };
    let expected = stdout_of(&["mmls", raw.to_str().unwrap()]);
    assert!(expected.contains("0000000352"), "{expected}");
    for (path, _) in &disks {
        assert_eq!(
            stdout_of(&["mmls", path.to_str().unwrap()]),
            expected,
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_virtual_disk_is_triaged_like_its_raw_image() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = disk("ímynd.dd");
    let Some(disks) = conversions(&raw, tmp.path()) else {
        return;
    };
    let qcow = &disks.iter().find(|(_, k)| *k == "qcow2").unwrap().0;
    let files = |evidence: &Path, name: &str| -> Vec<String> {
        let case = tmp.path().join(name);
        exhibit()
            .args(["triage", "-q", "--case"])
            .arg(&case)
            .arg(evidence)
            .assert()
            .success();
        let listed: Vec<serde_json::Value> =
            serde_json::from_str(&stdout_of(&["files", case.to_str().unwrap(), "--json"])).unwrap();
        let mut rows: Vec<String> = listed
            .iter()
            .map(|v| format!("{} {} {}", v["path"], v["deleted"], v["md5"]))
            .collect();
        rows.sort();
        rows
    };
    let from_raw = files(&raw, "raw-case");
    assert!(!from_raw.is_empty());
    assert_eq!(files(qcow, "qcow-case"), from_raw);
}

#[test]
fn a_snapshot_reads_through_its_parent_and_needs_it() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = disk("ímynd.dd");
    let Some(disks) = conversions(&raw, tmp.path()) else {
        return;
    };
    let base = &disks.iter().find(|(_, k)| *k == "qcow2").unwrap().0;
    let child = tmp.path().join("child.qcow2");
    let ok = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b"])
        .arg(base)
        .arg(&child)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    // Nothing written since the snapshot: the child is its parent's disk.
    let (container, md5) = media_md5(&child);
    assert_eq!(container, "qcow2");
    assert_eq!(md5, media_md5(&raw).1);
    let info = stdout_of(&["info", child.to_str().unwrap()]);
    assert!(info.contains("snapshot of"), "{info}");
    assert!(
        info.contains(base.file_name().unwrap().to_str().unwrap()),
        "{info}"
    );
    // Without its parent beside it, a snapshot is refused (exit 4), never
    // read as if the parent were zeros.
    let alone = tmp.path().join("alone");
    std::fs::create_dir(&alone).unwrap();
    std::fs::copy(&child, alone.join("child.qcow2")).unwrap();
    let out = exhibit()
        .args(["hash", alone.join("child.qcow2").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "damaged or unsupported");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("parent"), "{err}");
}
