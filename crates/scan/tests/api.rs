//! The public surface: kinds filter, stats, feature fields, base offsets.

mod common;

use common::*;
use exhibit_scan::{escape, scan_bytes, CollectSink, Kind, ScanConfig};

const TEXT: &str = "x mail bob@example.org, https://example.net/a 192.0.2.7 +66 81 234 5678 ";

#[test]
fn kinds_filter_and_stats() {
    let cfg = ScanConfig {
        kinds: vec![Kind::Email],
        ..Default::default()
    };
    let sink = CollectSink::new();
    let stats = scan_bytes(TEXT.as_bytes(), 0, &cfg, &sink);
    let fs = sink.features();
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0].kind, Kind::Email);
    assert_eq!(stats.features, 1);
    assert_eq!(stats.by_kind.get("email"), Some(&1));
    assert_eq!(stats.bytes, TEXT.len() as u64);

    let (fs, _) = scan(TEXT.as_bytes(), &ScanConfig::default());
    let kinds: Vec<&str> = fs.iter().map(|f| f.kind.name()).collect();
    assert_eq!(kinds, ["email", "domain", "url", "domain", "ip", "phone"]);
}

#[test]
fn feature_fields() {
    let sink = CollectSink::new();
    scan_bytes(TEXT.as_bytes(), 1_000_000, &ScanConfig::default(), &sink);
    let fs = sink.features();
    let e = &fs[0];
    assert_eq!(e.path, "1000007");
    assert_eq!(e.offset, 1_000_007);
    assert_eq!(e.encoding, None);
    assert!(!e.validated);
    let ctx = String::from_utf8_lossy(&e.context);
    assert!(ctx.contains("bob@example.org"), "{ctx}");
    assert_eq!(e.context, TEXT.as_bytes()[0..7 + 15 + 16].to_vec());
    let p = fs.iter().find(|f| f.kind == Kind::Phone).unwrap();
    assert_eq!(p.normalized, "+66812345678");
    assert_eq!(escape(b"\xff\\"), "\\xFF\\x5C");
    for k in Kind::ALL {
        assert_eq!(Kind::from_name(k.name()), Some(k));
    }
}

#[test]
fn card_and_iban_are_validated() {
    let (fs, _) = scan(
        b"pay 4539 1488 0343 6467 or GB82WEST12345698765432 ok",
        &ScanConfig::default(),
    );
    assert!(fs.iter().all(|f| f.validated));
    assert_eq!(fs.len(), 2);
}
