//! `exhibit tag` and `exhibit report` end to end: the demo case's report
//! carries every evidence hash of the case and every section, in English
//! and Thai; the same case gives the same bytes; a tampered custody log is
//! shown as a failed verification; hostile case text is escaped; and, when
//! Chromium is installed, the report renders in headless Chromium.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{disk, exhibit};
use serde_json::Value;

const SECTIONS: &[&str] = &[
    "case",
    "evidence",
    "custody",
    "findings",
    "provenance",
    "summary",
    "timeline",
    "email",
    "glossary",
];

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn demo(dir: &Path) -> PathBuf {
    exhibit()
        .args(["demo", "--out", s(&dir.join("demo"))])
        .assert()
        .success();
    dir.join("demo/case")
}

fn report(case: &Path, lang: &str, out: &Path) -> String {
    exhibit()
        .args(["report", s(case), "--lang", lang, "--out", s(out)])
        .assert()
        .success();
    std::fs::read_to_string(out).expect("report written")
}

/// Every hash of every evidence record: (id, algorithm, value).
fn record_hashes(case: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(case.join("evidence")).expect("evidence dir") {
        let v: Value = serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
        for (alg, h) in v["hashes"].as_object().unwrap() {
            out.push((
                v["id"].as_str().unwrap().to_string(),
                alg.clone(),
                h.as_str().unwrap().to_string(),
            ));
        }
    }
    out.sort();
    out
}

/// The hash cells of the report: (evidence, algorithm, value).
fn report_hashes(html: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for part in html.split("<td class=\"hash\" data-evidence=\"").skip(1) {
        let (id, rest) = part.split_once("\" data-alg=\"").unwrap();
        let (alg, rest) = rest.split_once("\">").unwrap();
        let (value, _) = rest.split_once("</td>").unwrap();
        out.push((id.to_string(), alg.to_string(), value.to_string()));
    }
    out.sort();
    out
}

fn check_sections(html: &str) {
    for id in SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "section {id} missing"
        );
        assert!(html.contains(&format!("href=\"#{id}\"")), "no link to {id}");
    }
    // Self-contained: no script, no external resource (case values such
    // as URLs appear as text only).
    for tag in [
        "<script",
        "<img",
        "<link",
        "<iframe",
        "<object",
        "href=\"http",
        "url(",
    ] {
        assert!(!html.contains(tag), "{tag} in the report");
    }
}

/// A tag on the first e-mail finding and the first message of the case.
fn tag_some(case: &Path) -> (String, String) {
    let out = exhibit()
        .args(["findings", s(case), "--type", "email", "--json"])
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let value = rows[0]["value"]
        .as_str()
        .expect("an e-mail finding")
        .to_string();
    exhibit()
        .args([
            "tag",
            s(case),
            "--finding",
            &format!("email:{value}"),
            "--note",
            "Suspect's address <img src=x onerror=alert(1)>",
        ])
        .assert()
        .success();
    let out = exhibit()
        .args(["messages", s(case), "--json"])
        .output()
        .unwrap();
    let msgs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sha = msgs[0]["sha256"].as_str().expect("a message").to_string();
    exhibit()
        .args(["tag", s(case), "--message", &sha[..12], "--note", "Lure"])
        .assert()
        .success();
    let out = exhibit()
        .args(["timeline", s(case), "--format", "jsonl"])
        .output()
        .unwrap();
    let first = String::from_utf8(out.stdout).unwrap();
    let ev: Value = serde_json::from_str(first.lines().next().expect("an event")).unwrap();
    exhibit()
        .args([
            "tag",
            s(case),
            "--event",
            ev["time"].as_str().unwrap(),
            "--note",
            "First trace",
        ])
        .assert()
        .success();
    (value, sha)
}

#[test]
fn demo_case_report() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo(tmp.path());
    let (value, sha) = tag_some(&case);
    let listed = exhibit()
        .args(["tag", s(&case), "--list"])
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.contains(&format!("finding\temail:{value}")),
        "{listed}"
    );
    assert!(listed.contains(&format!("message\t{sha}")), "{listed}");
    assert!(listed.contains("event\t"), "{listed}");

    let en = report(&case, "en", &tmp.path().join("en.html"));
    check_sections(&en);
    let hashes = record_hashes(&case);
    assert!(!hashes.is_empty());
    assert_eq!(
        report_hashes(&en),
        hashes,
        "every evidence hash, as recorded"
    );
    assert!(en.contains("id=\"custody-status\" class=\"ok\" data-verified=\"true\""));
    assert!(en.contains("class=\"tagged-finding\""));
    assert!(en.contains("class=\"tagged-event\""));
    assert!(en.contains(&format!("<span class=\"mono\">{sha}</span>")));
    assert!(en.contains("class=\"route\""), "the message's route table");
    // The tag's hostile note is escaped.
    assert!(en.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!en.contains("<img"));
    assert!(en.contains("A short code computed from every bit"));

    let th = report(&case, "th", &tmp.path().join("th.html"));
    check_sections(&th);
    assert_eq!(report_hashes(&th), hashes);
    assert!(th.starts_with("<!DOCTYPE html>\n<html lang=\"th\">"));
    assert!(th.contains("ห่วงโซ่การครอบครองพยานหลักฐาน"));
    assert!(th.contains("รหัสสั้น ๆ ที่คำนวณจากข้อมูลทุกบิต"), "Thai glossary");

    // Same case, same bytes (standard output and file alike).
    let again = exhibit().args(["report", s(&case)]).output().unwrap();
    assert!(again.status.success());
    assert_eq!(again.stdout, en.as_bytes());
    // An existing report is not replaced without --force.
    exhibit()
        .args(["report", s(&case), "--out", s(&tmp.path().join("en.html"))])
        .assert()
        .failure();

    // Removing a tag takes it out of the report.
    exhibit()
        .args([
            "tag",
            s(&case),
            "--finding",
            &format!("email:{value}"),
            "--remove",
        ])
        .assert()
        .success();
    let untagged = report(&case, "en", &tmp.path().join("untagged.html"));
    assert!(!untagged.contains("class=\"tagged-finding\""));
    // An unknown finding cannot be tagged.
    exhibit()
        .args(["tag", s(&case), "--finding", "email:nobody@invalid.example"])
        .assert()
        .failure();

    chromium_renders(&tmp.path().join("th.html"), tmp.path());
}

#[test]
fn tampered_custody_log_shows_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo(tmp.path());
    let log = case.join("custody/log.jsonl");
    let mut raw = std::fs::read(&log).unwrap();
    // Change one letter of the first entry's examiner: still JSON, no
    // longer the entry that was hashed and signed.
    let at = find(&raw, b"\"examiner\":\"").expect("examiner field") + 12;
    raw[at] = if raw[at] == b'X' { b'Y' } else { b'X' };
    std::fs::write(&log, &raw).unwrap();
    let html = report(&case, "en", &tmp.path().join("t.html"));
    check_sections(&html);
    assert!(html.contains("id=\"custody-status\" class=\"fail\" data-verified=\"false\""));
    assert!(html.contains("VERIFICATION FAILED"));
    assert!(
        html.contains("<tr id=\"cu-1\" class=\"bad\">"),
        "the edited entry is marked"
    );
    let th = report(&case, "th", &tmp.path().join("t-th.html"));
    assert!(th.contains("การตรวจสอบล้มเหลว"));

    // A line that is not JSON at all: the report still renders and says so.
    let mut raw = std::fs::read(&log).unwrap();
    raw[0] = b'#';
    std::fs::write(&log, &raw).unwrap();
    let html = report(&case, "en", &tmp.path().join("t2.html"));
    assert!(html.contains("data-verified=\"false\""));
    assert!(html.contains("unreadable line"));
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn hostile_case_text_is_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    exhibit()
        .args([
            "case",
            "init",
            s(&case),
            "--name",
            "<script>alert('x')</script>",
            "--number",
            "\"><b>1</b>",
            "--examiner",
            "Insp. & Co <i>",
        ])
        .assert()
        .success();
    let html = report(&case, "en", &tmp.path().join("h.html"));
    check_sections(&html);
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;b&gt;1&lt;/b&gt;"));
    assert!(html.contains("Insp. &amp; Co &lt;i&gt;"));
    assert!(!html.contains("<b>1") && !html.contains("<i>"));
    // Not triaged: the store sections say so.
    assert!(html.contains("The case has not been triaged"));
}

#[test]
fn triaged_image_report() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    exhibit()
        .args([
            "triage",
            "-q",
            "--case",
            s(&case),
            "--number",
            "T-1",
            "--examiner",
            "Insp. ทดสอบ",
            s(&disk("ext2.split.E01")),
        ])
        .assert()
        .success();
    let html = report(&case, "th", &tmp.path().join("r.html"));
    check_sections(&html);
    assert_eq!(report_hashes(&html), record_hashes(&case));
    assert!(html.contains("data-verified=\"true\""));
    chromium_renders(&tmp.path().join("r.html"), tmp.path());
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Screenshot and DOM of the report in headless Chromium, when installed.
fn chromium_renders(report: &Path, tmp: &Path) {
    let Some(bin) = chromium() else {
        println!("SKIP chromium rendering: neither chromium nor chromium-browser is on PATH");
        return;
    };
    let shot = tmp.join(format!(
        "{}.png",
        report.file_stem().unwrap().to_string_lossy()
    ));
    let url = format!("file://{}", s(report));
    let profile = tmp.join("chromium-profile");
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-dev-shm-usage",
    ];
    let out = Command::new(bin)
        .args(common)
        .arg(format!("--user-data-dir={}", s(&profile)))
        .arg(format!("--screenshot={}", s(&shot)))
        .arg("--window-size=1280,4000")
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = std::fs::metadata(&shot).expect("screenshot written").len();
    assert!(size > 10 * 1024, "screenshot of {size} bytes is trivial");
    let dom = Command::new(bin)
        .args(common)
        .arg(format!("--user-data-dir={}", s(&profile)))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(dom.status.success());
    let dom = String::from_utf8_lossy(&dom.stdout);
    for id in SECTIONS {
        assert!(
            dom.contains(&format!("<section id=\"{id}\">")),
            "section {id} not rendered by chromium"
        );
    }
    assert!(dom.contains("id=\"custody-status\""));
}
