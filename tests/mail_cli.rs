//! `exhibit mail analyze`: a report per message, JSON Lines with `--json`,
//! offline DKIM with `--dns-snapshot`, every kind of input, no error exit
//! on the phishing corpus.

mod common;

use std::path::PathBuf;

use common::exhibit;

fn mail_data() -> Option<PathBuf> {
    let d = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/testdata/mail"
    ));
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("note: {} not found; test skipped", d.display());
        None
    }
}

#[test]
fn report_for_one_message() {
    let Some(d) = mail_data() else { return };
    let out = exhibit()
        .args(["mail", "analyze"])
        .arg(d.join("phishing_pot/sample-1280.eml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "Route: ",
        "Origin IP: 89.144.9.90",
        "Authentication",
        "DKIM",
        "[high] domain_mismatch: replies go to gmail.com",
        "Reply-To: sotrecognizd@gmail.com",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

#[test]
fn json_lines_for_every_input_kind() {
    let Some(d) = mail_data() else { return };
    let out = exhibit()
        .args(["mail", "analyze", "--json"])
        .arg(d.join("phishing_pot"))
        .arg(d.join("spamscope"))
        .arg(d.join("eml_analyzer"))
        .arg(d.join("msg/test_email_1.msg"))
        .arg(d.join("dkimpy/message.mbox"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut formats = std::collections::BTreeSet::new();
    let mut n = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        formats.insert(v["source"]["format"].as_str().unwrap().to_string());
        if v.get("error").is_none() {
            assert!(v["route"]["hops"].is_array());
            assert!(v["indicators"].is_array());
        }
        n += 1;
    }
    assert!(n > 290, "{n}");
    assert_eq!(
        formats.into_iter().collect::<Vec<_>>(),
        ["eml", "mbox", "msg"]
    );
    // Deterministic: the same input gives the same bytes.
    let again = exhibit()
        .args(["mail", "analyze", "--json"])
        .arg(d.join("phishing_pot"))
        .arg(d.join("spamscope"))
        .arg(d.join("eml_analyzer"))
        .arg(d.join("msg/test_email_1.msg"))
        .arg(d.join("dkimpy/message.mbox"))
        .output()
        .unwrap();
    assert_eq!(again.stdout, text.as_bytes());
}

#[test]
fn dkim_with_a_snapshot() {
    let Some(d) = mail_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let key = std::fs::read_to_string(d.join("dkimpy/test.txt")).unwrap();
    let snap = tmp.path().join("dns.txt");
    std::fs::write(
        &snap,
        format!(
            "test._domainkey.football.example.com TXT \"{}\"\n",
            key.trim()
        ),
    )
    .unwrap();
    let out = exhibit()
        .args(["mail", "analyze", "--json", "--dns-snapshot"])
        .arg(&snap)
        .arg(d.join("dkimpy/rfc6376.signed.msg"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = v["dkim"]["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    // The ed25519 key is not in the snapshot; the RSA one is.
    assert_eq!(statuses, ["no_key", "pass"]);
}

#[test]
fn attachments_are_extracted() {
    let Some(d) = mail_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = exhibit()
        .args(["mail", "analyze", "--extract"])
        .arg(tmp.path())
        .arg(d.join("phishing_pot/sample-1000.eml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let files = common_files(tmp.path());
    assert_eq!(files.len(), 1);
    assert!(files[0].ends_with("part2_csWuYjyqO2IR.pdf"));
}

fn common_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(common_files(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
