//! Every line of the Public Suffix List project's own test file
//! (`../shared/testdata/osint/psl/test_psl.txt`, CC0) answered correctly by
//! our PSL implementation over the bundled list.

use exhibit_osint::domain::Psl;
use std::path::PathBuf;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/osint/psl")
}

/// `'text'` → `Some("text")`, `null` → `None`.
fn arg(s: &str) -> Option<String> {
    let s = s.trim();
    if s == "null" {
        None
    } else {
        Some(s.trim_matches('\'').to_string())
    }
}

#[test]
fn every_line_of_test_psl() {
    let text = std::fs::read_to_string(testdata().join("test_psl.txt")).unwrap();
    let psl = Psl::bundled();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let Some(args) = line
            .strip_prefix("checkPublicSuffix(")
            .and_then(|r| r.strip_suffix(");"))
        else {
            assert!(
                line.is_empty() || line.starts_with("//"),
                "unexpected line {}: {line}",
                i + 1
            );
            continue;
        };
        let (input, expected) = args.split_once(',').expect("two arguments");
        let (input, expected) = (arg(input), arg(expected));
        let got = input.as_deref().and_then(|d| psl.registrable_domain(d));
        if got != expected {
            failures.push(format!(
                "line {}: {input:?} -> {got:?}, expected {expected:?}",
                i + 1
            ));
        }
        checked += 1;
    }
    assert!(checked >= 70, "only {checked} checks found");
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_shipped_list_is_the_bundled_one() {
    // The same file parsed from disk gives the same answers, and a
    // replacement file is used as given.
    let from_file = Psl::from_file(&testdata().join("public_suffix_list.dat")).unwrap();
    assert_eq!(from_file.len(), Psl::bundled().len());
    assert_eq!(from_file.source(), "public_suffix_list.dat");
    let dir = tempfile::tempdir().unwrap();
    let mini = dir.path().join("newer.dat");
    std::fs::write(
        &mini,
        "// ===BEGIN ICANN DOMAINS===\nexample\n// ===END ICANN DOMAINS===\n",
    )
    .unwrap();
    let psl = Psl::from_file(&mini).unwrap();
    assert_eq!(
        psl.registrable_domain("a.b.example").as_deref(),
        Some("b.example")
    );
    // Without `co.th` in the list, the default rule applies.
    assert_eq!(
        psl.registrable_domain("www.scb.co.th").as_deref(),
        Some("co.th")
    );
    let empty = dir.path().join("empty.dat");
    std::fs::write(&empty, "// nothing\n").unwrap();
    let err = Psl::from_file(&empty).unwrap_err().to_string();
    assert!(err.contains("empty.dat"), "{err}");
}
