//! `exhibit windows artefacts` and `exhibit windows evtx` over the shared
//! Windows test data: a timeline sorted by time, JSON Lines, kind filter.

mod common;

use std::path::PathBuf;

use common::exhibit;

fn data() -> Option<PathBuf> {
    let d = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/testdata/windows"
    ));
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("note: {} not found; test skipped", d.display());
        None
    }
}

#[test]
fn artefacts_of_a_folder_as_json_lines_sorted_by_time() {
    let Some(d) = data() else { return };
    let out = exhibit()
        .args(["windows", "artefacts", "--json"])
        .arg(&d)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 28_000, "{}", lines.len());
    let times: Vec<&str> = lines.iter().map(|l| l["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "timeline not sorted by time");
    for kind in [
        "prefetch:run",
        "lnk:target",
        "recycle:deleted",
        "registry:key-written",
        "evt:record",
        "browser:visit",
    ] {
        assert!(lines.iter().any(|l| l["kind"] == kind), "no {kind}");
    }
    let pf = lines
        .iter()
        .find(|l| l["kind"] == "prefetch:run" && l["fields"]["executable"] == "CMD.EXE")
        .unwrap();
    assert_eq!(pf["source"], "prefetch/CMD.EXE-087B4001.pf");
    assert_eq!(pf["fields"]["run_count"], "2");
}

#[test]
fn kind_filter_and_text_output_for_one_file() {
    let Some(d) = data() else { return };
    let out = exhibit()
        .args(["windows", "artefacts", "--kind", "recycle"])
        .arg(d.join("recycler/INFO2"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.contains("lalsetup250.exe"), "{text}");
    assert!(text.lines().all(|l| l.contains("recycle:deleted")));
}

#[test]
fn evtx_lists_records_in_order() {
    let Some(d) = data() else { return };
    let out = exhibit()
        .args(["windows", "evtx", "--json"])
        .arg(d.join("evtx/System2.evtx"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["fields"]["record_number"], "1");
    assert_eq!(first["kind"], "evtx:4608 Windows starting up");
}

#[test]
fn unrecognised_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("notes.txt");
    std::fs::write(&f, b"hello").unwrap();
    exhibit()
        .args(["windows", "artefacts"])
        .arg(&f)
        .assert()
        .failure();
}
