//! `exhibit media hash|match` and `exhibit carve` end to end.

mod common;

use common::{case_init_args, exhibit};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata")
        .join(rel)
}

const DFTT8: &str = "disk/dftt-8-jpeg-search/8-jpeg-search.dd";
const BRIDGE_CPP: &str = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";

fn distance(a: &str, b: &str) -> u32 {
    let (a, b) = (hex::decode(a).unwrap(), hex::decode(b).unwrap());
    a.iter().zip(&b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

#[test]
fn hash_folder_sorted_with_pdq() {
    let out = exhibit()
        .args(["media", "hash", s(&testdata("media/pdq/images/dih"))])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8, "{text}");
    let paths: Vec<&str> = lines
        .iter()
        .map(|l| l.rsplit('\t').next().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    let first: Vec<&str> = lines[0].split('\t').collect();
    assert!(first[5].ends_with("bridge-1-original.jpg"));
    assert_eq!(first[0].len(), 32);
    assert_eq!(first[1].len(), 40);
    assert!(distance(first[2], BRIDGE_CPP) <= 10);
    assert_eq!(first[3], "100");
    assert_eq!(first[4], "jpeg");

    let json = exhibit()
        .args([
            "media",
            "hash",
            "--json",
            s(&testdata("media/pdq/images/misc")),
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 4);
    assert_eq!(v[0]["type"], "png");
    assert!(v[0]["pdq"].as_str().unwrap().len() == 64);
}

#[test]
fn hash_disk_image_finds_deleted_archived_and_streams() {
    exhibit()
        .args(["media", "hash", s(&testdata(DFTT8))])
        .assert()
        .success()
        .stdout(predicate::str::contains("75b8d00568815a36c3809b46fc84ba6d"))
        .stdout(predicate::str::contains("afd55222024a4e22f7f5a3a665320763"))
        .stdout(predicate::str::contains(
            "/archive/file10.tar.gz!file10.jpg",
        ))
        .stdout(predicate::str::contains("/misc/file13.dll:here"))
        .stdout(predicate::str::contains("/misc/file11.dat@1572"));
}

#[test]
fn match_folder_against_pdq_and_md5_lists() {
    let dir = tempfile::tempdir().unwrap();
    // The bridge turned 90°, as a PDQ list entry with a label; and an MD5.
    let pdq_list = dir.path().join("known.pdq");
    std::fs::write(
        &pdq_list,
        "30a10efdf1c83f429013d48d0ffffc52e34e0e35ada952a9d29605215aa9e5af bridge-rotated\n",
    )
    .unwrap();
    let md5_list = dir.path().join("known.md5");
    let md5 = exhibit_hash_md5(&testdata("media/pdq/images/misc/wee.jpg"));
    std::fs::write(&md5_list, format!("{md5}\n")).unwrap();
    let out = exhibit()
        .args([
            "media",
            "match",
            s(&testdata("media/pdq/images")),
            "--hashset",
            s(&pdq_list),
            s(&md5_list),
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let matched: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    // Every bridge picture (8 orientations, 12 edits) and wee.jpg; nothing else.
    assert_eq!(matched.len(), 21, "{matched:?}");
    assert!(matched.iter().any(|p| p.ends_with("wee.jpg")));
    assert!(!matched
        .iter()
        .any(|p| p.contains("labelme") || p.contains("pen-and")));
}

fn exhibit_hash_md5(p: &Path) -> String {
    let out = exhibit()
        .args(["media", "hash", s(p)])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()[..32].to_string()
}

#[test]
fn match_case_writes_result_and_custody_entry() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    exhibit().args(case_init_args(&case)).assert().success();
    exhibit()
        .args(["evidence", "add", s(&case), s(&testdata(DFTT8)), "-q"])
        .assert()
        .success();
    let list = dir.path().join("vic.json");
    std::fs::write(
        &list,
        r#"{"value":[{"MediaID":1,"Category":2,"MD5":"F9956284A89156EF6967B49ECED9D1B1"}]}"#,
    )
    .unwrap();
    exhibit()
        .args(["media", "match", s(&case), "--hashset", s(&list)])
        .assert()
        .success()
        .stdout(predicate::str::contains("md5\t-\t-\t2\t"))
        .stdout(predicate::str::contains("file8.zip!file8.jpg"));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(case.join("media-matches.json")).unwrap()).unwrap();
    assert_eq!(doc["matched"].as_array().unwrap().len(), 1);
    let log = std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap();
    assert!(log.lines().last().unwrap().contains("media match"));

    // Export: hashes and categories only.
    let vic = dir.path().join("share.json");
    exhibit()
        .args(["media", "export", s(&case), "--out", s(&vic)])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&vic).unwrap()).unwrap();
    assert_eq!(v["value"][0]["MD5"], "F9956284A89156EF6967B49ECED9D1B1");
    assert_eq!(v["value"][0]["Category"], 2);
    assert!(v["value"][0].get("Media").is_none());
    let log = std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap();
    assert!(log.lines().last().unwrap().contains("media export"));
}

fn small_jpeg() -> Vec<u8> {
    std::fs::read(testdata("media/pdq/images/labelme-subset/q0003.jpg")).unwrap()
}

#[test]
fn carve_writes_objects_and_manifest_and_refuses_non_empty_out() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = small_jpeg();
    let wee = std::fs::read(testdata("media/pdq/images/misc/wee.jpg")).unwrap();
    let mut raw = vec![0x20u8; 1234];
    raw.extend_from_slice(&jpeg);
    raw.extend_from_slice(&[0x41u8; 3333]);
    let wee_at = raw.len();
    raw.extend_from_slice(&wee);
    raw.extend_from_slice(&[0x42u8; 99]);
    let src = dir.path().join("unalloc.raw");
    std::fs::write(&src, &raw).unwrap();
    let out = dir.path().join("out");
    exhibit()
        .args([
            "carve",
            s(&src),
            "--out",
            s(&out),
            "--types",
            "jpeg,png,mp4",
        ])
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let carved = manifest["carved"].as_array().unwrap();
    let offsets: Vec<u64> = carved
        .iter()
        .map(|c| c["offset"].as_u64().unwrap())
        .collect();
    assert!(
        offsets.contains(&1234) && offsets.contains(&(wee_at as u64)),
        "{offsets:?}"
    );
    let first = std::fs::read(out.join(carved[0]["file"].as_str().unwrap())).unwrap();
    assert_eq!(first, jpeg);
    let w = carved
        .iter()
        .find(|c| c["offset"] == wee_at as u64)
        .unwrap();
    assert_eq!(
        std::fs::read(out.join(w["file"].as_str().unwrap())).unwrap(),
        wee
    );
    assert_eq!(std::fs::read(&src).unwrap(), raw, "source untouched");
    exhibit()
        .args(["carve", s(&src), "--out", s(&out)])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not empty"));
}
