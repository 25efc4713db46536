//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A file in ../shared/testdata/disk.
pub fn disk(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/disk")
        .join(name)
}

/// The `exhibit` binary under test.
pub fn exhibit() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("exhibit").expect("binary built");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// What `exhibit ARGS` prints, after checking that it succeeded (its
/// standard error in the failure message).
pub fn stdout_of(args: &[&str]) -> String {
    let out = exhibit().args(args).output().expect("run exhibit");
    assert!(
        out.status.success(),
        "exhibit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Content hash, length and modification time: what "unchanged" means.
pub fn fingerprint(path: &Path) -> (String, u64, std::time::SystemTime) {
    let data = std::fs::read(path).expect("read source");
    let meta = std::fs::metadata(path).expect("stat source");
    (
        hex::encode(Sha256::digest(&data)),
        meta.len(),
        meta.modified().expect("mtime"),
    )
}

/// Deterministic pseudo-random bytes (xorshift), so tests need no fixtures.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The argument list of `exhibit case init DIR` with fixed test particulars.
pub fn case_init_args(dir: &Path) -> Vec<String> {
    [
        "case",
        "init",
        dir.to_str().expect("utf-8 path"),
        "--name",
        "N",
        "--number",
        "1",
        "--examiner",
        "Ann",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The PostgreSQL server the tests run against (`EXHIBIT_STORE`), if any:
/// the same tests run once on SQLite and once on PostgreSQL.
pub fn store_url() -> Option<String> {
    std::env::var("EXHIBIT_STORE")
        .ok()
        .filter(|v| !v.is_empty())
}

/// The store of a new case, for tests that call the library: linked to
/// `EXHIBIT_STORE` when it is set, as `exhibit triage` does, else SQLite.
pub fn new_store(case_dir: &Path) -> Box<dyn exhibit_store::CaseStore> {
    if let Some(url) = store_url() {
        exhibit_store::link::attach(case_dir, &url).expect("link the case to EXHIBIT_STORE");
    }
    exhibit_store::open_case_store(case_dir).expect("open the case store")
}

/// Whether the case has a store (`case.db`, or `store.json` naming one).
pub fn has_store(case: &Path) -> bool {
    case.join("case.db").exists() || case.join("store.json").exists()
}

/// Every row of a case's store, as `exhibit case dump` prints them
/// (whichever backend holds them).
pub fn records(case: &Path) -> Vec<serde_json::Value> {
    let out = exhibit()
        .args(["case", "dump"])
        .arg(case)
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone())
        .expect("UTF-8 dump")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record"))
        .collect()
}

/// The rows of one table (`evidence`, `file`, `finding`, `event`,
/// `message`, `enrichment`, `tag`, `stage`): the record itself, or its
/// `row` for findings, events and messages.
pub fn rows<'a>(records: &'a [serde_json::Value], table: &str) -> Vec<&'a serde_json::Value> {
    records
        .iter()
        .filter(|r| r["table"] == table)
        .map(|r| r.get("row").unwrap_or(r))
        .collect()
}

/// A value as SQLite's `||` renders it: text as is, booleans as 0 or 1,
/// and NULL as `-` (what the tests' `IFNULL(…, '-')` gave).
pub fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => u8::from(*b).to_string(),
        other => other.to_string(),
    }
}

/// The path of the file a finding or event belongs to (`-` for none).
pub fn file_path(row: &serde_json::Value) -> String {
    text(&row["file"]["path"])
}
