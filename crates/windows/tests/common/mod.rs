//! Shared helpers for the tests: the shared test data and plaso's events.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;

pub const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/windows"
);

pub fn data_dir() -> PathBuf {
    PathBuf::from(DATA)
}

/// plaso's events, one JSON object each.
pub fn plaso_events() -> Vec<serde_json::Value> {
    let f = std::fs::File::open(data_dir().join("plaso-20260720-events.jsonl.gz")).unwrap();
    let mut s = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut s)
        .unwrap();
    s.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
