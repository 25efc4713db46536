//! The `exhibit` command line end to end: hashes against independent
//! values, one-line errors with documented exit codes, nothing half-written.

mod common;

use common::{case_init_args, disk, exhibit, pattern};
use predicates::prelude::*;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn hash_of_raw_image_matches_coreutils() {
    // Values from md5sum/sha1sum/sha256sum over the shared copy of ímynd.dd
    // (the testdata README lists plaso's copy, whose bytes differ).
    exhibit()
        .args(["hash", "-q", s(&disk("ímynd.dd"))])
        .assert()
        .success()
        .stdout(predicate::str::contains("a528fc1bec79f4fef062f2bf1008c045"))
        .stdout(predicate::str::contains(
            "76b29c91e6b9d180558e05e2e2058eac4b639562",
        ))
        .stdout(predicate::str::contains(
            "854c3db1c4a07a241e2ed9fbd8892adf2adc662c7862a75deed26f3483f414c9",
        ));
}

#[test]
fn hash_of_e01_is_of_the_media_and_checked_against_stored() {
    exhibit()
        .args(["hash", "-q", s(&disk("ext2.E01"))])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "196066add11fb71c4c49cf1bb50d6d24  stored in image: matches",
        ));
    exhibit()
        .args([
            "hash",
            "--format",
            "md5sum",
            s(&disk("imageformat_mmls_1.E01")),
        ])
        .assert()
        .success()
        .stdout(format!(
            "8ec671e301095c258224aad701740503  {}\n",
            s(&disk("imageformat_mmls_1.E01"))
        ));
    let out = exhibit()
        .args(["hash", "--json", s(&disk("ext2.splitraw.001"))])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["container"], "split-raw");
    assert_eq!(v["hashes"]["md5"], "196066add11fb71c4c49cf1bb50d6d24");
}

#[test]
fn blake3_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("abc.bin");
    std::fs::write(&f, b"abc").unwrap();
    exhibit()
        .args(["hash", "--algo", "blake3", s(&f)])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
        ));
}

fn one_line_error(assert: assert_cmd::assert::Assert, code: i32, must_contain: &[&str]) {
    let out = assert.code(code);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    for m in must_contain {
        assert!(err.contains(m), "`{m}` missing from: {err}");
    }
}

#[test]
fn bad_input_gives_one_line_and_documented_code() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.dd");
    one_line_error(
        exhibit().args(["hash", s(&missing)]).assert(),
        3,
        &["missing.dd", "no such file"],
    );

    let empty = tmp.path().join("empty.dd");
    std::fs::write(&empty, b"").unwrap();
    one_line_error(
        exhibit().args(["hash", s(&empty)]).assert(),
        4,
        &["empty.dd", "zero-length"],
    );

    let full = std::fs::read(disk("ext2.E01")).unwrap();
    let truncated = tmp.path().join("trunc.E01");
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    one_line_error(
        exhibit().args(["hash", s(&truncated)]).assert(),
        4,
        &["trunc.E01", "offset"],
    );

    let lonely = tmp.path().join("lonely.E01");
    std::fs::copy(disk("ext2.split.E01"), &lonely).unwrap();
    one_line_error(
        exhibit().args(["info", s(&lonely)]).assert(),
        4,
        &["lonely.E02", "missing"],
    );

    let mut data = std::fs::read(disk("ext2.split.E01")).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0xff;
    let bad = tmp.path().join("bad.E01");
    std::fs::write(&bad, &data).unwrap();
    std::fs::copy(disk("ext2.split.E02"), tmp.path().join("bad.E02")).unwrap();
    one_line_error(
        exhibit().args(["hash", s(&bad)]).assert(),
        4,
        &["bad.E01", "checksum", "offset"],
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // root reads anything: only meaningful for other users
        let locked = tmp.path().join("locked.dd");
        std::fs::write(&locked, b"data").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&locked).is_err() {
            one_line_error(
                exhibit().args(["hash", s(&locked)]).assert(),
                3,
                &["permission denied"],
            );
        }
    }
}

#[test]
fn failed_registration_leaves_the_case_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    exhibit().args(case_init_args(&case)).assert().success();
    let log_before = std::fs::read(case.join("custody/log.jsonl")).unwrap();
    let full = std::fs::read(disk("ext2.E01")).unwrap();
    let truncated = tmp.path().join("cut.E01");
    std::fs::write(&truncated, &full[..9000]).unwrap();
    one_line_error(
        exhibit()
            .args(["evidence", "add", s(&case), s(&truncated)])
            .assert(),
        4,
        &["cut.E01"],
    );
    assert_eq!(
        std::fs::read(case.join("custody/log.jsonl")).unwrap(),
        log_before
    );
    assert_eq!(std::fs::read_dir(case.join("evidence")).unwrap().count(), 0);
    // and the case still works
    exhibit()
        .args(["evidence", "add", s(&case), s(&disk("ext2.E01")), "-q"])
        .assert()
        .success();
    exhibit()
        .args(["custody", "verify", s(&case)])
        .assert()
        .success();
    // init on an existing case is refused without touching it
    one_line_error(
        exhibit().args(case_init_args(&case)).assert(),
        6,
        &["already exists"],
    );
}

#[test]
fn acquire_then_verify_detects_a_changed_segment() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("stick.dd");
    std::fs::write(&src, pattern(5 * 512 * 1024, 3)).unwrap();
    let out = tmp.path().join("img");
    exhibit()
        .args([
            "acquire",
            s(&src),
            "--out",
            s(&out),
            "--segment-size",
            "1M",
            "-q",
            "--examiner",
            "Ann",
        ])
        .assert()
        .success();
    exhibit().args(["verify", s(&out)]).assert().success();
    let seg2 = out.join("stick.dd.002");
    let mut data = std::fs::read(&seg2).unwrap();
    data[100] ^= 1;
    std::fs::write(&seg2, data).unwrap();
    exhibit()
        .args(["verify", s(&out)])
        .assert()
        .code(5)
        .stdout(predicate::str::contains("stick.dd.002"));
}

#[test]
fn custody_verify_names_the_edited_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    let key = tmp.path().join("k.key");
    exhibit().args(case_init_args(&case)).assert().success();
    exhibit()
        .args(["evidence", "add", s(&case), s(&disk("ext2.E01")), "-q"])
        .assert()
        .success();
    exhibit()
        .args(["evidence", "add", s(&case), s(&disk("ímynd.dd")), "-q"])
        .assert()
        .success();
    exhibit()
        .args(["key", "new", "--out", s(&key)])
        .assert()
        .success();
    exhibit()
        .args(["custody", "checkpoint", s(&case), "--key", s(&key)])
        .assert()
        .success();
    exhibit()
        .args([
            "custody",
            "verify",
            s(&case),
            "--trust",
            &format!("{}.pub", s(&key)),
        ])
        .assert()
        .success();
    let log = case.join("custody/log.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replacen("ext2.E01", "ext3.E01", 1)).unwrap();
    exhibit()
        .args(["custody", "verify", s(&case)])
        .assert()
        .code(5)
        .stdout(predicate::str::contains("entry 2"));
}

#[test]
fn demo_builds_a_case_whose_leads_match_the_answer_key() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let run = exhibit()
        .args(["demo", "--out", s(&out)])
        .assert()
        .success();
    let key: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("ANSWER-KEY.json")).unwrap()).unwrap();
    let n = key["planted"].as_array().unwrap().len();
    assert_eq!(n, 11);
    run.stdout(predicate::str::contains(format!(
        "answer key: {n} of {n} planted traces found"
    )));
    assert!(std::fs::read_to_string(out.join("ANSWERS.md"))
        .unwrap()
        .contains("/_ALLET.TXT"));
    // the seized stick holds a FAT16 file system with the planted files
    let listed = exhibit()
        .args(["ls", "-r", "-p", "1", s(&out.join("seized/usb-stick.dd"))])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let listed = String::from_utf8(listed).unwrap();
    assert!(listed.contains("FAT16"), "{listed}");
    for f in key["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let line = listed
            .lines()
            .find(|l| l.ends_with(path) || l.ends_with(&format!("{path} (deleted)")))
            .unwrap_or_else(|| panic!("{path} not listed:\n{listed}"));
        assert_eq!(line.contains("(deleted)"), f["deleted"].as_bool().unwrap());
    }
    // run again: an earlier demo is replaced, not mixed
    exhibit()
        .args(["demo", "--out", s(&out)])
        .assert()
        .success();
    exhibit()
        .args(["custody", "verify", s(&out.join("case"))])
        .assert()
        .success();
    // a folder that is not a demo is never removed
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("keep.txt"), b"x").unwrap();
    exhibit()
        .args(["demo", "--out", s(&other)])
        .assert()
        .failure();
    assert!(other.join("keep.txt").exists());
}

/// `exhibit … | head`: the command ends when the reader goes (by SIGPIPE,
/// as Unix tools do), never with a panic about a broken pipe.
#[test]
#[cfg(unix)]
fn a_listing_piped_into_head_ends_without_a_panic() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("small.bin");
    std::fs::write(&f, b"x").unwrap();
    // Enough lines to fill the pipe after the reader has gone.
    let bin = assert_cmd::cargo::cargo_bin("exhibit");
    let mut child = Command::new(bin)
        .args(["hash", "--format", "md5sum", "-q"])
        .args(std::iter::repeat_n(&f, 4000))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("small.bin"), "{first}");
    // The reader is dropped here: the pipe is closed.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        out.status.success() || out.status.signal() == Some(13),
        "{:?} {stderr}",
        out.status
    );
}
