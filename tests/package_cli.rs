//! `exhibit package` end to end on the demo case: a package verifies; one
//! altered byte in any member (the manifest and its signature included),
//! a member added or removed, a truncated or garbage file, or a signer
//! outside the trusted keys fails with exit code 5 naming what differs.

mod common;

use std::path::{Path, PathBuf};

use common::exhibit;
use exhibit_package::tar::{read_archive, Member, TarWriter};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Builds the demo in `dir/demo`: (case folder, secret key).
fn demo(dir: &Path) -> (PathBuf, PathBuf) {
    exhibit()
        .args(["demo", "--out", s(&dir.join("demo"))])
        .assert()
        .success();
    (
        dir.join("demo/case"),
        dir.join("demo/keys/demo-examiner.key"),
    )
}

fn package(case: &Path, key: &Path, out: &Path) -> assert_cmd::assert::Assert {
    exhibit()
        .args([
            "package",
            s(case),
            "--out",
            s(out),
            "--key",
            s(key),
            "--time",
            "2026-01-15T08:00:00Z",
        ])
        .assert()
}

fn verify(file: &Path, trusted: &[&Path]) -> (i32, String) {
    let mut cmd = exhibit();
    cmd.args(["package", "verify", s(file)]);
    for t in trusted {
        cmd.args(["--trusted-key", s(t)]);
    }
    let out = cmd.output().expect("run exhibit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn members(file: &Path) -> Vec<Member> {
    let bytes = std::fs::read(file).expect("read package");
    read_archive(&mut &bytes[..], &|_| true, u64::MAX).expect("package reads")
}

fn write(members: &[(String, Vec<u8>)], out: &Path) {
    let mut w = TarWriter::new(Vec::new());
    for (name, data) in members {
        w.append(name, data.len() as u64, &mut &data[..])
            .expect("append");
    }
    std::fs::write(out, w.finish().expect("finish")).expect("write archive");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[test]
fn demo_package_verifies_and_any_altered_byte_fails_naming_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (case, key) = demo(tmp.path());
    let pub_key = PathBuf::from(format!("{}.pub", key.display()));
    let extracted = tmp.path().join("extracted");
    std::fs::create_dir_all(extracted.join("mail")).expect("mkdir");
    std::fs::write(extracted.join("mail/attachment.txt"), b"invoice").expect("write");
    let pkg = tmp.path().join("pkg.tar");
    let before = std::fs::read_to_string(case.join("custody/log.jsonl")).expect("log");
    exhibit()
        .args([
            "package",
            "create",
            s(&case),
            "--out",
            s(&pkg),
            "--key",
            s(&key),
            "--with-files",
            s(&extracted),
        ])
        .assert()
        .success();

    // Recorded in custody, nothing else in the case changed.
    let after = std::fs::read_to_string(case.join("custody/log.jsonl")).expect("log");
    assert!(after.starts_with(&before));
    let added: Vec<&str> = after[before.len()..].lines().collect();
    assert_eq!(added.len(), 1);
    assert!(added[0].contains("\"action\":\"packaged\""), "{}", added[0]);

    let (code, text) = verify(&pkg, &[&pub_key]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("OK"), "{text}");
    assert!(text.contains("DEMO"), "case number shown: {text}");
    let fp = exhibit()
        .args(["key", "show", "--key", s(&key)])
        .output()
        .expect("key show");
    let fp = String::from_utf8_lossy(&fp.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint ").map(|f| f.trim().to_string()))
        .expect("fingerprint");
    assert!(text.contains(&fp), "signer's fingerprint shown: {text}");

    let all = members(&pkg);
    let names: Vec<&str> = all.iter().map(|m| m.name.as_str()).collect();
    for want in [
        "MANIFEST.json",
        "MANIFEST.sig",
        "case.json",
        "custody/log.jsonl",
        "custody/checkpoints.jsonl",
        "evidence/E1.json",
        "export/case.jsonld",
        "files/extracted/mail/attachment.txt",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    // Any tar reads it.
    if let Ok(out) = std::process::Command::new("tar")
        .arg("-tf")
        .arg(&pkg)
        .output()
    {
        if out.status.success() {
            let listed = String::from_utf8_lossy(&out.stdout);
            assert_eq!(listed.lines().collect::<Vec<_>>(), names);
        }
    }

    let plain: Vec<(String, Vec<u8>)> = all
        .iter()
        .map(|m| (m.name.clone(), m.data.clone().expect("kept")))
        .collect();
    // Rewritten unchanged, it still verifies.
    let copy = tmp.path().join("copy.tar");
    write(&plain, &copy);
    assert_eq!(verify(&copy, &[]).0, 0);

    for (i, (name, data)) in plain.iter().enumerate() {
        assert!(!data.is_empty(), "{name} is empty");
        for at in [0, data.len() / 2, data.len() - 1] {
            let mut altered = plain.clone();
            altered[i].1[at] ^= 0x01;
            let bad = tmp.path().join("bad.tar");
            write(&altered, &bad);
            let (code, text) = verify(&bad, &[]);
            assert_eq!(code, 5, "{name} byte {at}: {text}");
            assert!(
                text.contains(&format!("FAILS: {name}:")),
                "{name} byte {at} not named: {text}"
            );
        }
    }

    // A member removed or added.
    let mut removed = plain.clone();
    removed.retain(|(n, _)| n != "evidence/E1.json");
    write(&removed, &copy);
    let (code, text) = verify(&copy, &[]);
    assert_eq!(code, 5);
    assert!(
        text.contains("FAILS: evidence/E1.json: listed in the manifest but missing"),
        "{text}"
    );
    let mut extra = plain.clone();
    extra.push(("evidence/E9.json".into(), b"{}".to_vec()));
    write(&extra, &copy);
    let (code, text) = verify(&copy, &[]);
    assert_eq!(code, 5);
    assert!(
        text.contains("FAILS: evidence/E9.json: in the archive but not in the manifest"),
        "{text}"
    );

    // Damaged archives: clear errors, never a panic.
    let bytes = std::fs::read(&pkg).expect("read");
    for cut in [0, 100, 512, 1000, bytes.len() / 2, bytes.len() - 1024] {
        std::fs::write(&copy, &bytes[..cut]).expect("write");
        let (code, text) = verify(&copy, &[]);
        assert_eq!(code, 5, "cut at {cut}: {text}");
        assert!(
            text.contains("damaged package") || text.contains("FAILS"),
            "{text}"
        );
    }
    std::fs::write(&copy, b"this is not a package at all\n".repeat(100)).expect("write");
    let (code, text) = verify(&copy, &[]);
    assert_eq!(code, 5, "{text}");
    assert!(text.contains("damaged package"), "{text}");
}

#[test]
fn untrusted_signer_fails_and_the_same_case_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (case, key) = demo(tmp.path());
    let other = tmp.path().join("other.key");
    exhibit()
        .args(["key", "new", "--out", s(&other)])
        .assert()
        .success();

    // Two copies of the case packaged at the same time give identical bytes.
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    copy_dir(&case, &a);
    copy_dir(&case, &b);
    package(&a, &key, &tmp.path().join("a.tar")).success();
    package(&b, &key, &tmp.path().join("b.tar")).success();
    assert_eq!(
        std::fs::read(tmp.path().join("a.tar")).expect("a"),
        std::fs::read(tmp.path().join("b.tar")).expect("b")
    );

    // Signed by another examiner's key: valid, but not by a trusted key.
    let pkg = tmp.path().join("other.tar");
    package(&case, &other, &pkg).success();
    assert_eq!(verify(&pkg, &[]).0, 0);
    let demo_pub = PathBuf::from(format!("{}.pub", key.display()));
    let (code, text) = verify(&pkg, &[&demo_pub]);
    assert_eq!(code, 5, "{text}");
    assert!(text.contains("not among the trusted keys"), "{text}");
    let other_pub = PathBuf::from(format!("{}.pub", other.display()));
    // Trusting only the package signer: the checkpoint inside is by the
    // demo key, so the custody log is reported, naming the log.
    let (code, text) = verify(&pkg, &[&other_pub]);
    assert_eq!(code, 5, "{text}");
    assert!(text.contains("FAILS: custody/log.jsonl"), "{text}");
    assert_eq!(verify(&pkg, &[&other_pub, &demo_pub]).0, 0);

    // A case whose custody log was tampered with is not packaged.
    let c = tmp.path().join("c");
    copy_dir(&case, &c);
    let log = c.join("custody/log.jsonl");
    let text = std::fs::read_to_string(&log).expect("log");
    std::fs::write(&log, text.replacen("Demo Examiner", "Demo Examinor", 1)).expect("write");
    let out = package(&c, &key, &tmp.path().join("c.tar")).code(5);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("custody log does not verify"), "{err}");
    assert!(!tmp.path().join("c.tar").exists());

    // Never into the case folder, never over an existing file.
    package(&case, &key, &case.join("pkg.tar")).failure();
    package(&case, &key, &pkg).failure();
}
