//! The library on a small case built here: determinism, escaping, the cap,
//! read-only loading and the custody entry of an export.

use std::path::Path;

use exhibit_case::Case;
use exhibit_export::{load, record_export, render, ExportOptions, Format};
use exhibit_store::{CaseStore, EvidenceRow, FindingRow, SqliteStore};
use serde_json::Value;

fn t(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn finding(kind: &str, value: &str, offset: u64) -> FindingRow {
    FindingRow {
        evidence: "E1".into(),
        kind: kind.into(),
        value: value.into(),
        normalized: value.into(),
        path: offset.to_string(),
        offset,
        encoding: None,
        validated: false,
        context: None,
        file: None,
        file_id: None,
    }
}

/// A case with one raw image and findings whose values need escaping.
fn small_case(dir: &Path) -> Case {
    let case = Case::init(
        &dir.join("case"),
        "Op \"Quote\" \\ ปลา",
        "TH-2026/001",
        "Insp. Somchai \"S\"",
        t("2026-01-02T03:04:05.123456789Z"),
    )
    .unwrap();
    let image = dir.join("stick.dd");
    std::fs::write(&image, vec![7u8; 4096]).unwrap();
    let rec = case
        .add_evidence(
            &image,
            "Insp. Somchai \"S\"",
            Some("USB stick (EXH-7)"),
            t("2026-01-02T04:00:00Z"),
            &mut |_, _| {},
        )
        .unwrap();
    let store = SqliteStore::open_case(case.dir()).unwrap();
    store
        .put_evidence(&EvidenceRow {
            id: rec.id.clone(),
            path: rec.path.display().to_string(),
            container: rec.container.clone(),
            size: rec.size,
            md5: rec.hashes.get("md5").cloned(),
            sha1: rec.hashes.get("sha1").cloned(),
            sha256: rec.hashes.get("sha256").cloned(),
        })
        .unwrap();
    store
        .insert_findings(
            "scan",
            &[
                finding("url", "http://x.example/a'b\\c\"d", 100),
                finding("url", "http://x.example/a'b\\c\"d", 50),
                finding("email", "ผู้ใช้@example.org", 10),
                finding("domain", "x.example", 20),
                finding("onion", "x.example", 30),
                finding("ip", "203.0.113.9", 40),
                finding("ipv6", "2001:db8::1", 45),
                finding("wallet", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", 60),
                finding("phone", "+66812345678", 70),
                finding("ccn", "4111111111111111", 80),
            ],
        )
        .unwrap();
    case.record_action(
        "Insp. Somchai \"S\"",
        "examined",
        Some("E1"),
        Default::default(),
        t("2026-01-02T05:00:00Z"),
    )
    .unwrap();
    case
}

#[test]
fn same_case_same_bytes_and_values_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let case = small_case(tmp.path());
    let opts = ExportOptions::default();
    for format in [Format::Case, Format::Stix] {
        let a = render(&load(&case, &opts).unwrap(), format, &opts).unwrap();
        let b = render(&load(&case, &opts).unwrap(), format, &opts).unwrap();
        assert_eq!(a, b);
        // Valid JSON whatever the values held, and they come back intact.
        let doc: Value = serde_json::from_slice(&a).unwrap();
        let text = doc.to_string();
        assert!(text.contains("ผู้ใช้@example.org"));
        assert!(text.contains(r#"Op \"Quote\" \\ ปลา"#));
        if format == Format::Stix {
            assert!(text.contains(r#"[url:value = 'http://x.example/a\\'b\\\\c\"d']"#));
            // Card numbers are not exported.
            assert!(!text.contains("4111111111111111"));
        }
    }
}

#[test]
fn leads_are_merged_counted_located_and_capped() {
    let tmp = tempfile::tempdir().unwrap();
    let case = small_case(tmp.path());
    let snap = load(&case, &ExportOptions::default()).unwrap();
    // domain + onion of one value are one lead; ccn is left out.
    assert_eq!(snap.leads_total, 7);
    let url = &snap.leads[0];
    assert_eq!(url.count, 2);
    assert_eq!(url.first.as_ref().unwrap().offset, 50);
    let domain = snap.leads.iter().find(|l| l.value == "x.example").unwrap();
    assert_eq!(domain.count, 2);
    assert_eq!(domain.found_as.len(), 2);
    let wallet = snap
        .leads
        .iter()
        .find(|l| l.value.starts_with("1Boat"))
        .unwrap();
    assert_eq!(wallet.chain.as_deref(), Some("Bitcoin"));

    let opts = ExportOptions {
        max_findings: 2,
        ..ExportOptions::default()
    };
    let capped = load(&case, &opts).unwrap();
    assert_eq!(capped.leads.len(), 2);
    assert_eq!(capped.leads_total, 7);
    let text = String::from_utf8(render(&capped, Format::Case, &opts).unwrap()).unwrap();
    assert!(text.contains("2 of 7 distinct values"));
    assert!(text.contains("5 left out"));
}

#[test]
fn loading_creates_nothing_and_an_export_entry_keeps_exports_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let case = Case::init(
        &tmp.path().join("case"),
        "N",
        "1",
        "Ann",
        t("2026-01-01T00:00:00Z"),
    )
    .unwrap();
    let opts = ExportOptions::default();
    let snap = load(&case, &opts).unwrap();
    assert!(!case.dir().join("case.db").exists(), "no store created");
    let first = render(&snap, Format::Case, &opts).unwrap();
    record_export(
        &case,
        "Ann",
        Format::Case,
        "standard output",
        &first,
        &snap,
        t("2026-01-01T01:00:00Z"),
    )
    .unwrap();
    let log = exhibit_custody::CustodyLog::open(case.custody_log_path())
        .unwrap()
        .entries()
        .unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.action, "exported");
    assert_eq!(
        last.details["sha256"],
        Value::String(exhibit_export::sha256_hex(&first))
    );
    let report = exhibit_custody::verify(&case.custody_log_path(), None, &[]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let again = render(&load(&case, &opts).unwrap(), Format::Case, &opts).unwrap();
    assert_eq!(first, again, "an earlier export does not change the next");
}
