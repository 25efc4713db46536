//! `exhibit triage` of a folder and of a single ordinary file.

mod common;

use std::io::Write;
use std::path::Path;

use common::exhibit;
use sha2::{Digest, Sha256};

fn triage(case: &Path, evidence: &Path) {
    exhibit()
        .args(["triage", "-q", "--examiner", "tester", "--case"])
        .arg(case)
        .arg(evidence)
        .assert()
        .success();
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A ZIP with one deflated member.
fn zip(name: &str, content: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(content).unwrap();
    let data = enc.finish().unwrap();
    let crc = crc32(content);
    let (csize, usize_) = (data.len() as u32, content.len() as u32);
    let mut out = Vec::new();
    out.extend_from_slice(b"PK\x03\x04");
    out.extend_from_slice(&[20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&csize.to_le_bytes());
    out.extend_from_slice(&usize_.to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&data);
    let cd = out.len() as u32;
    out.extend_from_slice(b"PK\x01\x02");
    out.extend_from_slice(&[20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&csize.to_le_bytes());
    out.extend_from_slice(&usize_.to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 12]);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    let cd_len = out.len() as u32 - cd;
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

/// The rows of one table of the case store (read with `exhibit case dump`,
/// so on either backend) that `line` selects, as the lines it makes, sorted.
fn query(
    case: &Path,
    table: &str,
    line: impl Fn(&serde_json::Value) -> Option<String>,
) -> Vec<String> {
    select(&common::records(case), table, line)
}

/// [`query`] of records already read.
fn select(
    records: &[serde_json::Value],
    table: &str,
    line: impl Fn(&serde_json::Value) -> Option<String>,
) -> Vec<String> {
    let mut rows: Vec<String> = common::rows(records, table)
        .into_iter()
        .filter_map(line)
        .collect();
    rows.sort();
    rows
}

/// The fields of a row as text, `|`-separated (`-` for a missing value).
fn fields(row: &serde_json::Value, keys: &[&str]) -> String {
    keys.iter()
        .map(|k| common::text(&row[*k]))
        .collect::<Vec<_>>()
        .join("|")
}

/// Files, findings (with their file), timeline and stages.
fn dump(case: &Path) -> Vec<String> {
    let records = common::records(case);
    let mut out = select(&records, "file", |f| {
        Some(format!(
            "file|{}",
            fields(f, &["evidence", "path", "size", "sha256", "mime"])
        ))
    });
    out.extend(select(&records, "finding", |f| {
        Some(format!(
            "finding|{}|{}",
            fields(f, &["kind", "normalized", "path"]),
            common::file_path(f)
        ))
    }));
    out.extend(select(&records, "event", |e| {
        Some(format!("event|{}", fields(e, &["time", "description"])))
    }));
    out.extend(select(&records, "stage", |s| {
        Some(format!("stage|{}", fields(s, &["evidence", "stage"])))
    }));
    out
}

fn registered(case: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(case.join("custody/log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["action"] == "registered")
        .collect()
}

fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Triages twice; the second run must change nothing.
fn triage_twice(case: &Path, evidence: &Path) -> Vec<String> {
    triage(case, evidence);
    let first = dump(case);
    let log = std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap();
    triage(case, evidence);
    assert_eq!(dump(case), first, "a rerun adds nothing");
    assert_eq!(
        std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap(),
        log,
        "a rerun appends no custody entry"
    );
    exhibit()
        .args(["custody", "verify"])
        .arg(case)
        .assert()
        .success();
    first
}

#[test]
fn a_folder_is_one_evidence_item_with_a_row_per_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("seized");
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    let a = b"Contact: Bob <bob@example.org> tomorrow.\n".to_vec();
    let b = common::pattern(5000, 3);
    let z = zip("note.txt", b"write to hidden.person@example.net please");
    std::fs::write(dir.join("a.txt"), &a).unwrap();
    std::fs::write(dir.join("sub/deeper/b.bin"), &b).unwrap();
    std::fs::write(dir.join("sub/c.zip"), &z).unwrap();
    std::fs::write(dir.join("empty"), b"").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("a.txt"), dir.join("link.txt")).unwrap();
    let case = tmp.path().join("case");
    let before = common::fingerprint(&dir.join("a.txt"));
    let dump = triage_twice(&case, &dir);
    assert_eq!(common::fingerprint(&dir.join("a.txt")), before);

    let files = query(&case, "file", |f| {
        Some(fields(f, &["path", "fs", "sha256", "mime"]))
    });
    assert_eq!(
        files,
        [
            format!("/a.txt|folder|{}|text/plain", sha256(&a)),
            format!("/empty|folder|{}|application/x-empty", sha256(b"")),
            format!("/sub/c.zip|folder|{}|application/zip", sha256(&z)),
            format!(
                "/sub/deeper/b.bin|folder|{}|application/octet-stream",
                sha256(&b)
            ),
        ],
        "the symlink is not followed"
    );
    // Distinct e-mail addresses of the findings that belong to a file.
    let mut mails = query(&case, "finding", |f| {
        (f["kind"] == "email" && !f["file"].is_null()).then(|| {
            format!(
                "{}|{}",
                common::text(&f["normalized"]),
                common::file_path(f)
            )
        })
    });
    mails.dedup();
    assert_eq!(
        mails,
        [
            "bob@example.org|/a.txt",
            "hidden.person@example.net|/sub/c.zip"
        ]
    );
    assert!(
        !dump
            .iter()
            .any(|l| l.starts_with("finding|") && l.ends_with("|-")),
        "every finding belongs to a file: {dump:?}"
    );
    assert!(
        dump.iter().any(
            |l| l.starts_with("finding|email|hidden.person@example.net|/sub/c.zip:")
                && l.contains("ZIP")
        ),
        "found inside the zip member, path names the file: {dump:?}"
    );
    let reg = registered(&case);
    assert_eq!(reg.len(), 1);
    assert_eq!(reg[0]["details"]["kind"], "folder");
    assert_eq!(reg[0]["details"]["container"], "folder");
    assert_eq!(reg[0]["details"]["file_count"], "4");
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(case.join("evidence/E1.json")).unwrap()).unwrap();
    assert_eq!(record["container"], "folder");
    let manifest = format!(
        "{}  a.txt\n{}  empty\n{}  sub/c.zip\n{}  sub/deeper/b.bin\n",
        sha256(&a),
        sha256(b""),
        sha256(&z),
        sha256(&b)
    );
    assert_eq!(record["hashes"]["sha256"], sha256(manifest.as_bytes()));
}

#[test]
fn a_single_file_is_one_file_row_with_its_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.txt");
    let text = b"meeting notes, see https://drop.example.com/x/y?id=7 for the list\n";
    std::fs::write(&file, text).unwrap();
    let case = tmp.path().join("case");
    triage_twice(&case, &file);
    assert_eq!(
        query(&case, "file", |f| Some(fields(
            f,
            &["path", "fs", "size", "sha256"]
        ))),
        [format!("/notes.txt|file|{}|{}", text.len(), sha256(text))]
    );
    let urls = query(&case, "finding", |f| {
        (f["kind"] == "url" && !f["file"].is_null())
            .then(|| format!("{}|{}", fields(f, &["value", "path"]), common::file_path(f)))
    });
    assert_eq!(urls, ["https://drop.example.com/x/y?id=7|19|/notes.txt"]);
    let reg = registered(&case);
    assert_eq!(reg[0]["details"]["kind"], "file");
    assert_eq!(reg[0]["details"]["container"], "raw");
}
