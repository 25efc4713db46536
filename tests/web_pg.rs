//! The web workbench on a case whose rows are on PostgreSQL: two
//! examiners tag at the same time (both tags stored, both in the custody
//! log, which still verifies), and the pages show what the same evidence
//! triaged into SQLite shows.
//!
//! Needs a server: `EXHIBIT_TEST_POSTGRES=postgres://user@host:port/db`
//! (without it the test prints `SKIP` and passes). The case's schema is
//! dropped at the end.

mod workbench;

use std::path::{Path, PathBuf};

use workbench::*;

const PG_ENV: &str = "EXHIBIT_TEST_POSTGRES";
const NUMBER: &str = "PG-2026-1";

/// Drops the case's PostgreSQL schema at the end, however the test ends.
struct DropSchema {
    url: String,
    case: PathBuf,
}

impl Drop for DropSchema {
    fn drop(&mut self) {
        if let Ok(Some(l)) = exhibit_store::link::link(&self.case) {
            let _ = exhibit_store::drop_schema(&self.url, &l.schema);
        }
    }
}

/// A small raw image holding a few e-mail addresses and URLs.
fn mail_image(path: &Path) {
    let mut data = vec![0u8; 64 * 1024];
    let texts = [
        "From: alice@example.org\r\nTo: bob@example.net\r\n",
        "contact carol@example.com or alice@example.org",
        "see https://www.example.org/login and http://example.net/a",
        "dave@example.org wrote to bob@example.net",
    ];
    for (i, t) in texts.iter().enumerate() {
        let at = 4096 * (i + 1) + 100;
        data[at..at + t.len()].copy_from_slice(t.as_bytes());
    }
    std::fs::write(path, data).unwrap();
}

/// Triages the test disk and the mail image into a new case.
fn triage(case: &Path, evidence: &[PathBuf], store: Option<&str>) {
    let mut c = exhibit();
    c.arg("triage");
    for e in evidence {
        c.arg(e);
    }
    c.arg("--case").arg(case).args([
        "--number",
        NUMBER,
        "--name",
        "PG workbench",
        "--examiner",
        "Ann",
    ]);
    if let Some(url) = store {
        c.args(["--store", url]);
    }
    run_ok(&mut c);
}

/// The findings API's values of a kind, most frequent first.
fn values(c: &Client, kind: &str) -> Vec<String> {
    let r = c.get(&format!("/api/case/{NUMBER}/findings?kind={kind}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["value"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn workbench_serves_a_postgres_case() {
    let Ok(url) = std::env::var(PG_ENV) else {
        println!("SKIP: {PG_ENV} not set");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let disk = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/disk/ext2.E01");
    let image = tmp.path().join("mail.dd");
    mail_image(&image);
    let evidence = [disk, image];

    let pg_case = tmp.path().join("pg");
    let _cleanup = DropSchema {
        url: url.clone(),
        case: pg_case.clone(),
    };
    triage(&pg_case, &evidence, Some(&url));
    assert!(pg_case.join("store.json").is_file());
    assert!(!pg_case.join("case.db").exists());
    let lite_case = tmp.path().join("lite");
    triage(&lite_case, &evidence, None);
    assert!(!lite_case.join("store.json").exists());

    let users = tmp.path().join("users.json");
    add_user(&users, "ann", "investigator", &[NUMBER], "ann-password");
    add_user(&users, "ben", "investigator", &[NUMBER], "ben-password");

    let pg = serve(&[&pg_case], &users);
    let lite = serve(&[&lite_case], &users);
    let ann = Client::login(&pg.addr, "ann", "ann-password");
    let ben = Client::login(&pg.addr, "ben", "ben-password");
    let ann_lite = Client::login(&lite.addr, "ann", "ann-password");

    // The same pages on both backends (before anything is tagged).
    let emails = values(&ann, "email");
    assert_eq!(emails, values(&ann_lite, "email"));
    for want in ["alice@example.org", "bob@example.net", "carol@example.com"] {
        assert!(emails.iter().any(|e| e == want), "{want} in {emails:?}");
    }
    let c = NUMBER;
    let mut paths = vec![
        format!("/case/{c}/findings"),
        format!("/case/{c}/findings?kind=email"),
        format!("/case/{c}/findings?kind=url"),
        format!("/case/{c}/findings?kind=email&value=alice%40example.org"),
        format!("/case/{c}/search?q=alice"),
        format!("/case/{c}/search?q=example"),
        format!("/case/{c}/search?q=TXT"),
        format!("/case/{c}/timeline"),
        format!("/case/{c}/evidence/E1"),
        format!("/case/{c}/evidence/E2"),
        format!("/api/case/{c}/findings?kind=email"),
        format!("/api/case/{c}/search?q=alice"),
        format!("/api/case/{c}/timeline"),
        format!("/api/case/{c}/evidence/E1/files"),
    ];
    // A file view: a file with content, found by the same query on both.
    let files: serde_json::Value = serde_json::from_str(
        &ann_lite
            .get(&format!("/api/case/{c}/evidence/E1/files"))
            .body,
    )
    .unwrap();
    let file = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["size"].as_u64().unwrap_or(0) > 0 && f["name_kind"] == "file")
        .expect("a file with content on the test disk");
    let id = file["id"].as_i64().unwrap();
    paths.push(format!("/case/{c}/file/{id}"));
    paths.push(format!("/case/{c}/file/{id}?view=text"));
    paths.push(format!("/api/case/{c}/file/{id}"));
    for path in &paths {
        let (a, b) = (ann.page(path), ann_lite.page(path));
        assert_eq!(a, b, "{path}: PostgreSQL and SQLite pages differ");
    }
    let findings = ann.page(&format!("/case/{c}/findings?kind=email"));
    assert!(findings.contains("alice@example.org"), "{findings}");
    let search = ann.page(&format!("/case/{c}/search?q=alice"));
    assert!(search.contains("alice@example.org"), "{search}");

    // Two examiners tag different findings at the same time.
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let tag_all = |who: Client, keys: Vec<String>| {
        let start = start.clone();
        std::thread::spawn(move || {
            start.wait();
            for key in keys {
                let body = serde_json::json!({"target": "finding", "key": key, "note": "seen"});
                let r = who.post_json(&format!("/api/case/{NUMBER}/tags"), &body, true);
                assert_eq!(r.status, 200, "tag {key}: {}", r.body);
            }
        })
    };
    let ann_keys = vec![
        "email:alice@example.org".to_string(),
        "email:carol@example.com".to_string(),
    ];
    let ben_keys = vec!["email:bob@example.net".to_string()];
    let a = tag_all(ann, ann_keys.clone());
    let b = tag_all(ben, ben_keys.clone());
    a.join().unwrap();
    b.join().unwrap();

    // Both examiners' tags are in the store…
    let tags = exhibit_store::open_case_store(&pg_case)
        .unwrap()
        .tags()
        .unwrap();
    let got: Vec<(String, String)> = tags
        .iter()
        .map(|t| (t.key.clone(), t.examiner.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("email:alice@example.org".to_string(), "ann".to_string()),
            ("email:bob@example.net".to_string(), "ben".to_string()),
            ("email:carol@example.com".to_string(), "ann".to_string()),
        ]
    );
    // …and the workbench shows them.
    let viewer = Client::login(&pg.addr, "ben", "ben-password");
    let listed: serde_json::Value =
        serde_json::from_str(&viewer.get(&format!("/api/case/{c}/tags")).body).unwrap();
    assert_eq!(listed["tags"].as_array().unwrap().len(), 3);

    // Each tag action is in the custody log, which still verifies.
    drop(pg);
    let log = std::fs::read_to_string(pg_case.join("custody/log.jsonl")).unwrap();
    let tagged: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e.to_string().contains("\"action\":\"tagged\""))
        .collect();
    assert_eq!(tagged.len(), 3, "{log}");
    for (key, who) in ann_keys
        .iter()
        .map(|k| (k, "ann"))
        .chain(ben_keys.iter().map(|k| (k, "ben")))
    {
        assert!(
            tagged.iter().any(|e| {
                let s = e.to_string();
                s.contains(&format!("\"examiner\":\"{who}\"")) && s.contains(key.as_str())
            }),
            "{who} tagged {key}: {log}"
        );
    }
    run_ok(exhibit().args(["custody", "verify"]).arg(&pg_case));
}
