//! `exhibit triage`: a searchable case from evidence, resumable and idempotent.

mod common;

use std::path::Path;

use common::{disk, exhibit};

fn triage(case: &Path, evidence: &Path) {
    exhibit()
        .args(["triage", "-q", "--examiner", "tester", "--case"])
        .arg(case)
        .arg(evidence)
        .assert()
        .success();
}

fn json(args: &[&str], case: &Path) -> Vec<serde_json::Value> {
    let out = exhibit().args(args).arg(case).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn counts(case: &Path) -> String {
    let out = exhibit()
        .args(["triage", "-q", "--case"])
        .arg(case)
        .arg(disk("ext2.E01"))
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).to_string()
}

#[test]
fn ext2_files_are_hashed_and_a_rerun_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    triage(&case, &disk("ext2.E01"));
    assert!(case.join("case.db").exists());
    let files = json(&["files", "--json"], &case);
    let pw = files
        .iter()
        .find(|f| f["path"] == "/passwords.txt")
        .expect("passwords.txt listed");
    assert_eq!(pw["size"], 116);
    let content = exhibit()
        .args(["cat"])
        .arg(disk("ext2.E01"))
        .arg("/passwords.txt")
        .assert()
        .success();
    let data = &content.get_output().stdout;
    assert_eq!(data.len(), 116);
    let md5 = exhibit_hash::hash_bytes(data, &[exhibit_hash::Algorithm::Md5]);
    assert_eq!(
        pw["md5"].as_str(),
        md5.hex(exhibit_hash::Algorithm::Md5).as_deref()
    );
    assert_eq!(pw["mime"], "text/plain");

    let log = case.join("custody/log.jsonl");
    let entries = std::fs::read_to_string(&log).unwrap().lines().count();
    let first = counts(&case);
    let second = counts(&case);
    assert_eq!(first, second);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().lines().count(),
        entries,
        "a rerun appends no custody entry"
    );
    exhibit()
        .args(["custody", "verify"])
        .arg(&case)
        .assert()
        .success();
}

#[test]
fn deleted_files_are_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    triage(&case, &disk("plaso-image.E01"));
    let deleted = json(&["files", "--deleted", "--json"], &case);
    assert!(!deleted.is_empty());
    assert!(deleted.iter().all(|f| f["deleted"] == true));
    let all = json(&["files", "--json"], &case);
    assert!(all.len() > deleted.len());
}

#[test]
fn demo_findings_contain_the_answer_key() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    exhibit()
        .args(["demo", "--out"])
        .arg(&demo)
        .assert()
        .success();
    let case = tmp.path().join("case");
    triage(&case, &demo.join("case/images/usb-stick.001"));
    let key: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo.join("ANSWER-KEY.json")).unwrap()).unwrap();
    let found = json(&["findings", "--json"], &case);
    let planted = key["planted"].as_array().unwrap();
    assert!(!planted.is_empty());
    for p in planted {
        assert!(
            found
                .iter()
                .any(|f| f["kind"] == p["kind"] && f["value"] == p["value"]),
            "{p} not found"
        );
    }
    let wallets = json(
        &["findings", "--type", "wallet", "--top", "1", "--json"],
        &case,
    );
    assert_eq!(wallets.len(), 1);
}
