//! A case moved between SQLite and PostgreSQL with `exhibit case migrate`
//! keeps every row, answers the same, and its custody log verifies on both
//! sides. Needs `EXHIBIT_TEST_POSTGRES`; says SKIP without it.

mod common;

use std::path::Path;

use common::{disk, exhibit};

fn stdout(args: &[&str], case: &Path) -> String {
    stdout_then(args, case, &[])
}

/// `exhibit ARGS CASE AFTER…`.
fn stdout_then(args: &[&str], case: &Path, after: &[&str]) -> String {
    let out = exhibit()
        .args(args)
        .arg(case)
        .args(after)
        .env_remove("EXHIBIT_STORE")
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

/// The test server's URL, or `None` (and a SKIP line) without one.
fn postgres() -> Option<String> {
    let url = std::env::var("EXHIBIT_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty());
    if url.is_none() {
        eprintln!("SKIP: EXHIBIT_TEST_POSTGRES not set");
    }
    url
}

#[test]
fn a_case_moves_to_postgres_and_back_with_every_row() {
    let Some(pg) = postgres() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    let mail = tmp.path().join("mail.txt");
    std::fs::write(
        &mail,
        "from alice@example.com to bob@example.org, see https://drop.example.net/x\n",
    )
    .unwrap();
    for ev in [disk("ext2.E01"), mail] {
        exhibit()
            .args(["triage", "-q", "--examiner", "tester", "--case"])
            .arg(&case)
            .arg(ev)
            .env_remove("EXHIBIT_STORE")
            .assert()
            .success();
    }
    let dump = stdout(&["case", "dump"], &case);
    let findings = stdout(&["findings", "--json"], &case);
    let search = stdout_then(&["search", "--json"], &case, &["example"]);
    assert!(findings.contains("alice@example.com"));

    exhibit()
        .args(["case", "migrate", "--to", &pg])
        .arg(&case)
        .assert()
        .success();
    assert!(case.join("store.json").exists());
    assert!(!case.join("case.db").exists(), "the old store is set aside");
    assert_eq!(stdout(&["case", "dump"], &case), dump);
    assert_eq!(stdout(&["findings", "--json"], &case), findings);
    assert_eq!(
        stdout_then(&["search", "--json"], &case, &["example"]),
        search
    );
    stdout(&["custody", "verify"], &case);
    // Moving again to the same server is refused: the rows are there.
    exhibit()
        .args(["case", "migrate", "--to", &pg])
        .arg(&case)
        .assert()
        .failure();

    exhibit()
        .args(["case", "migrate", "--to", "sqlite"])
        .arg(&case)
        .assert()
        .success();
    assert!(!case.join("store.json").exists());
    assert_eq!(stdout(&["case", "dump"], &case), dump);
    assert_eq!(stdout(&["findings", "--json"], &case), findings);
    let log = std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap();
    assert_eq!(log.matches("\"store migrated\"").count(), 2);
    stdout(&["custody", "verify"], &case);
}

#[test]
fn a_case_with_rows_is_not_silently_linked_elsewhere() {
    let Some(pg) = postgres() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    exhibit()
        .args(["triage", "-q", "--case"])
        .arg(&case)
        .arg(disk("ext2.E01"))
        .env_remove("EXHIBIT_STORE")
        .assert()
        .success();
    let out = exhibit()
        .args(["triage", "-q", "--store", &pg, "--case"])
        .arg(&case)
        .arg(disk("ext2.E01"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("case migrate"), "{err}");
}
