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
