//! `exhibit request`: golden texts of a preservation request for a fixed
//! case in English and Thai (regenerate with `UPDATE_GOLDEN=1`), the
//! 60-day deadline kept in `CASE/requests/`, identifiers drawn from the
//! demo case's leads, and the case left untouched otherwise.

mod common;

use std::path::{Path, PathBuf};

use common::exhibit;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A fixed case: one registered evidence file, known particulars.
fn fixed_case(dir: &Path) -> PathBuf {
    let case = dir.join("case");
    exhibit()
        .args([
            "case",
            "init",
            s(&case),
            "--name",
            "Operation Lotus",
            "--number",
            "TCSD-2026-0042",
            "--examiner",
            "Pol. Capt. Somchai Rakdee",
        ])
        .assert()
        .success();
    let evidence = dir.join("phone-dump.bin");
    std::fs::write(&evidence, common::pattern(4096, 7)).expect("write evidence");
    exhibit()
        .args(["evidence", "add", s(&case), s(&evidence), "--quiet"])
        .assert()
        .success();
    case
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(
        actual, want,
        "{name} differs (run with UPDATE_GOLDEN=1 to accept)"
    );
}

fn preservation(case: &Path, lang: &str, extra: &[&str]) -> (String, std::process::Output) {
    let out = exhibit()
        .args([
            "request",
            "preservation",
            s(case),
            "--provider",
            "Example Mail Inc.",
            "--country",
            "US",
            "--lang",
            lang,
            "--account",
            "lucky.gold.win@example.com",
            "--account",
            "203.0.113.45",
            "--account",
            "goldenwin-invest.example",
            "--from",
            "2025-10-01",
            "--to",
            "2026-01-10",
            "--date",
            "2026-01-15",
            "--authority",
            "Technology Crime Suppression Division, Royal Thai Police",
        ])
        .args(extra)
        .output()
        .expect("run exhibit");
    (String::from_utf8(out.stdout.clone()).expect("utf-8"), out)
}

fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let e = e.expect("entry");
            if e.file_type().expect("type").is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), std::fs::read(e.path()).expect("read")));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn preservation_text_is_pinned_in_english_and_thai() {
    let tmp = tempfile::tempdir().expect("tmp");
    let case = fixed_case(tmp.path());
    let before = tree(&case);
    let (en, out) = preservation(&case, "en", &["--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    golden("preservation-en.txt", &en);
    let (th, out) = preservation(&case, "th", &["--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    golden("preservation-th.txt", &th);
    // --dry-run writes nothing.
    assert_eq!(tree(&case), before);

    // Every placeholder filled, English first, the Thai text after it.
    for text in [&en, &th] {
        assert!(!text.contains('{') && !text.contains('}'), "{text}");
        assert!(text.contains("TCSD-2026-0042"));
        assert!(
            text.contains("2026-03-16"),
            "expiry = sent + 60 days: {text}"
        );
        assert!(text.contains("Article 29"));
    }
    assert!(th.starts_with(&en[..en.len() - 1]), "English comes first");
    assert!(th.contains("คำร้องขอให้เก็บรักษาข้อมูลคอมพิวเตอร์"));
    assert!(th.contains("สหรัฐอเมริกา"));

    // Markdown too.
    let (md, out) = preservation(&case, "en", &["--dry-run", "--format", "md"]);
    assert!(out.status.success());
    assert!(
        md.starts_with("# Request for expedited preservation"),
        "{md}"
    );

    // The other languages of the region fill every placeholder too.
    for (lang, title) in [
        ("vi", "Yêu cầu bảo quản khẩn cấp"),
        ("id", "Permintaan pengamanan segera"),
        ("ms", "Permintaan pemeliharaan segera"),
    ] {
        let (text, out) = preservation(&case, lang, &["--dry-run"]);
        assert!(out.status.success(), "{lang}");
        assert!(
            text.to_lowercase().contains(&title.to_lowercase()),
            "{lang}: {text}"
        );
        assert!(!text.contains('{') && !text.contains('}'), "{lang}: {text}");
    }
}

#[test]
fn requests_are_recorded_and_listed_with_days_left() {
    let tmp = tempfile::tempdir().expect("tmp");
    let case = fixed_case(tmp.path());
    let before = std::fs::read_to_string(case.join("custody/log.jsonl")).expect("log");
    let out_file = tmp.path().join("request-th.md");
    let (_, out) = preservation(&case, "th", &["--format", "md", "--out", s(&out_file)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(&out_file)
        .expect("out")
        .contains("ภาษาไทย"));
    // Never replaces a file.
    let (_, out) = preservation(&case, "th", &["--out", s(&out_file)]);
    assert!(!out.status.success());

    let record: serde_json::Value = serde_json::from_slice(
        &std::fs::read(case.join("requests/P20260115-001.json")).expect("record"),
    )
    .expect("json");
    assert_eq!(record["kind"], "preservation");
    assert_eq!(record["provider"], "Example Mail Inc.");
    assert_eq!(record["country"], "US");
    assert_eq!(record["sent"], "2026-01-15");
    assert_eq!(record["expires"], "2026-03-16");
    let after = std::fs::read_to_string(case.join("custody/log.jsonl")).expect("log");
    let added: Vec<&str> = after[before.len()..].lines().collect();
    assert_eq!(added.len(), 1);
    assert!(added[0].contains("\"action\":\"requested\""));

    // The disclosure request names the earlier preservation.
    let out = exhibit()
        .args([
            "request",
            "disclosure",
            s(&case),
            "--provider",
            "example mail inc.",
            "--country",
            "us",
            "--account",
            "lucky.gold.win@example.com",
            "--date",
            "2026-02-01",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Article 31"), "{text}");
    assert!(
        text.contains("preservation request P20260115-001 sent on 2026-01-15"),
        "{text}"
    );

    let list = |today: &str, all: bool| {
        let mut cmd = exhibit();
        cmd.args(["request", "list", s(&case), "--today", today]);
        if all {
            cmd.arg("--all");
        }
        let out = cmd.output().expect("run");
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let l = list("2026-02-14", false);
    assert!(l.contains("P20260115-001"), "{l}");
    assert!(l.contains("2026-03-16 30"), "30 days left on 14 Feb: {l}");
    assert!(l.contains("D20260201-002"), "{l}");
    let l = list("2026-03-20", false);
    assert!(!l.contains("P20260115-001"), "expired ones are hidden: {l}");
    let l = list("2026-03-20", true);
    assert!(l.contains("expired 4 days ago"), "{l}");
}

#[test]
fn identifiers_come_from_the_case_leads() {
    let tmp = tempfile::tempdir().expect("tmp");
    exhibit()
        .args(["demo", "--out", s(&tmp.path().join("demo"))])
        .assert()
        .success();
    let case = tmp.path().join("demo/case");
    let out = exhibit()
        .args([
            "request",
            "preservation",
            s(&case),
            "--provider",
            "Example Mail Inc.",
            "--country",
            "SG",
            "--date",
            "2026-01-15",
            "--dry-run",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("found in exhibit E1 at byte offset"),
        "{text}"
    );
    assert!(text.contains("Singapore"), "{text}");
}
