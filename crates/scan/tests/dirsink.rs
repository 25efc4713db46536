//! DirSink output: bulk_extractor-style files, deterministic whatever the
//! thread count, chunking or spilling.

mod common;

use std::path::Path;

use common::*;
use exhibit_scan::{scan_source, DirSink, ScanConfig, ScanError};

fn corpus() -> Vec<u8> {
    let mut d = noise(200_000, 9);
    for b in d.iter_mut() {
        if (0x20..0x7f).contains(b) {
            *b |= 0x80;
        }
    }
    let text = "Mail A.B@Example.com or a.b@example.com; c\\d@example.com https://x.example.org/p 10.0.0.1 ";
    let mut at = 50;
    while at + 500 < d.len() {
        let p: Vec<u8> = if at % 3 == 0 {
            utf16le(text)
        } else {
            text.as_bytes().to_vec()
        };
        d[at..at + p.len()].copy_from_slice(&p);
        at += 997;
    }
    let g = gzip(&vec![0u8; 3_000_000]);
    d[100_000..100_000 + g.len()].copy_from_slice(&g);
    d
}

fn run(d: &[u8], out: &Path, threads: usize, chunk: usize, buffer: usize) {
    let cfg = ScanConfig {
        threads,
        chunk,
        max_decoded: 1 << 20,
        ..Default::default()
    };
    let sink = DirSink::create(out, "corpus.dd")
        .unwrap()
        .with_buffer_limit(buffer);
    scan_source(&Mem(d.to_vec()), &cfg, &sink, &|_| {}).unwrap();
    let sum = sink.finish().unwrap();
    assert!(sum.features > 100);
    assert_eq!(sum.notes, 1);
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn files_and_determinism() {
    let d = corpus();
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let c = tmp.path().join("c");
    run(&d, &a, 1, 1 << 20, 64 << 20);
    run(&d, &b, 3, 4096, 64 << 20);
    run(&d, &c, 2, 10_000, 2_000); // spills many sorted runs
    let mut names: Vec<String> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"email.txt".to_string()));
    assert!(names.contains(&"email_histogram.txt".to_string()));
    assert!(names.contains(&"features.jsonl".to_string()));
    assert!(names.contains(&"notes.txt".to_string()));
    assert!(!names.iter().any(|n| n.starts_with(".spill")));
    for n in &names {
        assert_eq!(
            read(&a.join(n)),
            read(&b.join(n)),
            "{n} differs (threads/chunks)"
        );
        assert_eq!(read(&a.join(n)), read(&c.join(n)), "{n} differs (spilled)");
    }
    // feature file: header, then path TAB feature TAB context, escaped
    let email = read(&a.join("email.txt"));
    assert!(email.starts_with("# "));
    let first = email.lines().find(|l| !l.starts_with('#')).unwrap();
    let cols: Vec<&str> = first.split('\t').collect();
    assert_eq!(cols.len(), 3);
    assert!(cols[0].parse::<u64>().is_ok());
    assert!(email.contains("\tc\\x5Cd@example.com\t") || email.contains("\td@example.com\t"));
    assert!(email.lines().all(|l| l.is_ascii()));
    // histogram: most frequent first, normalized values merged by case
    let h = read(&a.join("email_histogram.txt"));
    let rows: Vec<&str> = h.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(
        rows[0].starts_with("n=") && rows[0].ends_with("\ta.b@example.com"),
        "{rows:?}"
    );
    let counts: Vec<u64> = rows
        .iter()
        .map(|r| r[2..r.find('\t').unwrap()].parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]));
    // JSON lines parse and carry every field
    let j = read(&a.join("features.jsonl"));
    let v: serde_json::Value = serde_json::from_str(j.lines().next().unwrap()).unwrap();
    for k in [
        "kind",
        "value",
        "normalized",
        "path",
        "offset",
        "encoding",
        "validated",
        "context",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert!(j.contains("\"encoding\":\"utf16le\""));
    // the bomb is noted
    assert!(read(&a.join("notes.txt"))
        .contains("100000-GZIP\tdecompression stopped at 1048576 bytes (size limit)"));
}

#[test]
fn refuses_existing_output() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("features.jsonl"), "").unwrap();
    assert!(matches!(
        DirSink::create(tmp.path(), "x"),
        Err(ScanError::OutputExists { .. })
    ));
}
