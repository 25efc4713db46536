//! Windows artefacts in triaged evidence: event-log records, prefetch runs
//! and shortcut targets land on the case's timeline, each naming its file.

mod common;

use std::path::{Path, PathBuf};

use common::exhibit;

fn windows(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/windows")
        .join(rel)
}

#[test]
fn artefacts_in_a_folder_become_timeline_events() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("seized/Windows");
    std::fs::create_dir_all(&folder).unwrap();
    for f in [
        "evtx/System2.evtx",
        "lnk/example.lnk",
        "prefetch/CMD.EXE-087B4001.pf",
    ] {
        let src = windows(f);
        std::fs::copy(&src, folder.join(src.file_name().unwrap())).unwrap();
    }
    let case = tmp.path().join("case");
    exhibit()
        .args(["triage", "-q", "--examiner", "tester", "--case"])
        .arg(&case)
        .arg(tmp.path().join("seized"))
        .assert()
        .success();
    let out = exhibit()
        .args(["timeline"])
        .arg(&case)
        .args(["--format", "jsonl"])
        .assert()
        .success();
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |prefix: &str, file: &str| {
        events
            .iter()
            .filter(|e| {
                e["source"].as_str().unwrap_or("").starts_with(prefix)
                    && e.to_string().contains(file)
            })
            .count()
    };
    // The library's own coverage test compares every record with plaso;
    // here it is enough that each kind reaches the case from its file.
    assert!(
        of("evtx:", "System2.evtx") >= 300,
        "{}",
        of("evtx:", "System2.evtx")
    );
    assert!(of("prefetch:", "CMD.EXE-087B4001.pf") >= 1);
    assert!(of("lnk:", "example.lnk") >= 1);
}
