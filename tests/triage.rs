//! `exhibit triage`: a searchable case from evidence, resumable and idempotent.

mod common;

use std::path::Path;

use common::{disk, exhibit};

fn triage(case: &Path, evidence: &Path) {
    exhibit()
        .args(["triage", "-q", "--examiner", "tester", "--case"])
        .arg(case)
        .arg(evidence)
        .assert()
        .success();
}

fn json(args: &[&str], case: &Path) -> Vec<serde_json::Value> {
    let out = exhibit().args(args).arg(case).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn counts(case: &Path) -> String {
    let out = exhibit()
        .args(["triage", "-q", "--case"])
        .arg(case)
        .arg(disk("ext2.E01"))
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).to_string()
}

#[test]
fn ext2_files_are_hashed_and_a_rerun_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    triage(&case, &disk("ext2.E01"));
    assert!(common::has_store(&case), "case.db or store.json");
    let files = json(&["files", "--json"], &case);
    let pw = files
        .iter()
        .find(|f| f["path"] == "/passwords.txt")
        .expect("passwords.txt listed");
    assert_eq!(pw["size"], 116);
    let content = exhibit()
        .args(["cat"])
        .arg(disk("ext2.E01"))
        .arg("/passwords.txt")
        .assert()
        .success();
    let data = &content.get_output().stdout;
    assert_eq!(data.len(), 116);
    let md5 = exhibit_hash::hash_bytes(data, &[exhibit_hash::Algorithm::Md5]);
    assert_eq!(
        pw["md5"].as_str(),
        md5.hex(exhibit_hash::Algorithm::Md5).as_deref()
    );
    assert_eq!(pw["mime"], "text/plain");

    let log = case.join("custody/log.jsonl");
    let entries = std::fs::read_to_string(&log).unwrap().lines().count();
    let first = counts(&case);
    let second = counts(&case);
    assert_eq!(first, second);
    // The summary says how to write the court report, and where it goes.
    let report = case.join("report.html");
    assert!(
        first.contains(&format!("--out {}", report.display())),
        "{first}"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().lines().count(),
        entries,
        "a rerun appends no custody entry"
    );
    exhibit()
        .args(["custody", "verify"])
        .arg(&case)
        .assert()
        .success();
}

#[test]
fn deleted_files_are_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    triage(&case, &disk("plaso-image.E01"));
    let deleted = json(&["files", "--deleted", "--json"], &case);
    assert!(!deleted.is_empty());
    assert!(deleted.iter().all(|f| f["deleted"] == true));
    let all = json(&["files", "--json"], &case);
    assert!(all.len() > deleted.len());
}

#[test]
fn demo_findings_contain_the_answer_key() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    exhibit()
        .args(["demo", "--out"])
        .arg(&demo)
        .assert()
        .success();
    let case = tmp.path().join("case");
    triage(&case, &demo.join("case/images/usb-stick.001"));
    let key: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo.join("ANSWER-KEY.json")).unwrap()).unwrap();
    let found = json(&["findings", "--json"], &case);
    let planted = key["planted"].as_array().unwrap();
    assert!(!planted.is_empty());
    for p in planted {
        assert!(
            found
                .iter()
                .any(|f| f["kind"] == p["kind"] && f["value"] == p["value"]),
            "{p} not found"
        );
    }
    let wallets = json(
        &["findings", "--type", "wallet", "--top", "1", "--json"],
        &case,
    );
    assert_eq!(wallets.len(), 1);
}

/// A raw file of pseudo-random bytes with e-mail addresses and URLs planted
/// every few KiB: large enough that triage takes over a second in a debug
/// build.
fn planted_raw(path: &Path, mib: usize) {
    let mut data = common::pattern(mib << 20, 7);
    let mut at = 1000;
    let mut i = 0;
    while at + 100 < data.len() {
        let s = format!(
            " user{i}@example.com http://site{}.example.org/p{i} ",
            i % 97
        );
        data[at..at + s.len()].copy_from_slice(s.as_bytes());
        at += 4093 + (i % 13) * 7;
        i += 1;
    }
    std::fs::write(path, data).unwrap();
}

/// Counts per table and a sorted dump of evidence, files, findings,
/// timeline and stage names: what must not depend on interruptions.
/// Read through `exhibit case dump`, so on either store backend.
fn dump(case: &Path) -> Vec<String> {
    // SQLite's own consistency check, when the rows are in `case.db`.
    if case.join("case.db").exists() && !case.join("store.json").exists() {
        let db = rusqlite::Connection::open(case.join("case.db")).unwrap();
        let integrity: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    let records = common::records(case);
    // A row's fields as text, `|`-separated, then the path of its file
    // (`-` for none) for the tables whose rows name one.
    let line = |row: &serde_json::Value, keys: &[&str], file: bool| {
        let mut l: Vec<String> = keys.iter().map(|k| common::text(&row[*k])).collect();
        if file {
            l.push(common::file_path(row));
        }
        l.join("|")
    };
    let mut out = Vec::new();
    for (table, record, keys, file) in [
        (
            "evidence",
            "evidence",
            &["id", "path", "size", "md5"][..],
            false,
        ),
        (
            "files",
            "file",
            &[
                "evidence",
                "partition",
                "inode",
                "path",
                "size",
                "deleted",
                "md5",
                "mime",
                "mtime",
            ][..],
            false,
        ),
        (
            "findings",
            "finding",
            &["evidence", "kind", "value", "normalized", "path", "offset"][..],
            true,
        ),
        (
            "timeline",
            "event",
            &["evidence", "time", "macb", "description"][..],
            true,
        ),
        ("stages", "stage", &["evidence", "stage"][..], false),
    ] {
        let mut rows: Vec<String> = common::rows(&records, record)
            .into_iter()
            .map(|r| line(r, keys, file))
            .collect();
        rows.sort();
        out.push(format!("{table}: {}", rows.len()));
        out.extend(rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    out
}

fn custody_actions(case: &Path) -> Vec<String> {
    let mut actions: Vec<String> = std::fs::read_to_string(case.join("custody/log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            format!("{} {}", v["action"], v["evidence"])
        })
        .collect();
    actions.sort();
    actions
}

#[test]
fn a_killed_triage_resumes_to_the_same_case() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.raw");
    planted_raw(&big, 48);
    let evidence = [
        disk("ext2.E01"),
        disk("plaso-image.E01"),
        big,
        disk("ext2.split.E01"),
    ];
    let run = |case: &Path| {
        exhibit()
            .args(["triage", "-q", "--examiner", "tester", "--case"])
            .arg(case)
            .args(&evidence)
            .assert()
            .success();
    };
    let clean = tmp.path().join("clean");
    run(&clean);
    let want = dump(&clean);
    assert!(want
        .iter()
        .any(|l| l.starts_with("findings: ") && l.contains("@example.com")));

    let bin = assert_cmd::cargo::cargo_bin("exhibit");
    for (n, delays) in [[100u64, 400, 1000], [250, 700, 1500]].iter().enumerate() {
        let case = tmp.path().join(format!("killed{n}"));
        for &ms in delays {
            let mut child = std::process::Command::new(&bin)
                .args(["triage", "-q", "--examiner", "tester", "--case"])
                .arg(&case)
                .args(&evidence)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(ms));
            let _ = child.kill(); // SIGKILL; it may have finished already
            let _ = child.wait();
        }
        run(&case);
        assert_eq!(dump(&case), want, "after kills at {delays:?} ms");
        assert_eq!(custody_actions(&case), custody_actions(&clean));
        exhibit()
            .args(["custody", "verify"])
            .arg(&case)
            .assert()
            .success();
    }
}

/// The two narrow windows a kill can hit between a custody entry and the
/// store's record of it, replayed exactly: after `examined` was logged but
/// before its stage mark, and (see `exhibit-case`) after registration.
#[test]
fn a_run_killed_after_logging_examined_does_not_log_it_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    triage(&case, &disk("ext2.E01"));
    let before = custody_actions(&case);
    assert_eq!(
        before
            .iter()
            .filter(|a| *a == "\"examined\" \"E1\"")
            .count(),
        1
    );
    // The state such a kill leaves: the entry is in the log, the stage mark not in the store.
    let store = exhibit_store::open_case_store(&case).unwrap();
    assert!(store.stage_done("E1", "examined").unwrap());
    store.clear_stage("E1", "examined").unwrap();
    assert!(!store.stage_done("E1", "examined").unwrap());
    drop(store);
    triage(&case, &disk("ext2.E01"));
    assert_eq!(custody_actions(&case), before);
    exhibit()
        .args(["custody", "verify"])
        .arg(&case)
        .assert()
        .success();
}

#[test]
fn timeline_of_a_case_is_bounded_and_formatted() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    triage(&case, &disk("ext2.E01"));
    let out = exhibit().arg("timeline").arg(&case).assert().success();
    let csv = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time,macb,evidence,source,description,partition,inode,path,zone")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter().any(|l| l.ends_with(",/passwords.txt,")),
        "{csv}"
    );
    let mut times: Vec<&str> = rows.iter().map(|l| &l[..30]).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");
    times.dedup();
    // Bounds are inclusive at the start, exclusive at the end, in UTC.
    let first = times[0];
    let out = exhibit()
        .arg("timeline")
        .arg(&case)
        .args(["--format", "jsonl", "--from", first, "--to"])
        .arg(first.replace(".000000000Z", ".000000001Z"))
        .assert()
        .success();
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!events.is_empty());
    assert!(events
        .iter()
        .all(|e| e["time"] == first && e["evidence"] == "E1"));
    // `--json`, as every listing has it, is the JSON lines format.
    let json = exhibit()
        .arg("timeline")
        .arg(&case)
        .args(["--json", "--from", first, "--to"])
        .arg(first.replace(".000000000Z", ".000000001Z"))
        .assert()
        .success();
    assert_eq!(json.get_output().stdout, out.get_output().stdout);
    // A bound with an offset is converted to UTC.
    let out = exhibit()
        .arg("timeline")
        .arg(&case)
        .args(["--from", "2100-01-01T07:00:00+07:00"])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout)
            .lines()
            .count(),
        1
    );
    exhibit()
        .arg("timeline")
        .arg(&case)
        .args(["--from", "yesterday"])
        .assert()
        .failure();
    exhibit()
        .arg("timeline")
        .arg(disk("ext2.E01"))
        .args(["--from", "2020-01-01T00:00:00Z"])
        .assert()
        .failure();
    // As a TSK body file, for mactime: the same file with its mode string.
    let out = exhibit()
        .arg("timeline")
        .arg(&case)
        .args(["--format", "bodyfile"])
        .assert()
        .success();
    let body = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let line = body
        .lines()
        .find(|l| l.contains("|E1/p1/passwords.txt|"))
        .unwrap_or_else(|| panic!("{body}"));
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(fields.len(), 11, "{line}");
    assert!(fields[3].starts_with("r/r"), "{line}");
    assert_eq!(fields[6], "116");
}

#[test]
fn search_finds_findings_files_and_events() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("leads.raw");
    planted_raw(&big, 1);
    let case = tmp.path().join("case");
    triage(&case, &disk("ext2.E01"));
    triage(&case, &big);
    let search = |args: &[&str]| -> Vec<serde_json::Value> {
        let out = exhibit()
            .arg("search")
            .arg(&case)
            .args(args)
            .arg("--json")
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let pw = search(&["PASSWORDS"]);
    assert!(pw
        .iter()
        .any(|h| h["what"] == "file" && h["text"] == "/passwords.txt"));
    assert!(pw
        .iter()
        .any(|h| h["what"] == "event" && h["file"] == "/passwords.txt"));
    let mail = search(&["user12@EXAMPLE", "--type", "email"]);
    assert!(!mail.is_empty());
    assert!(mail.iter().all(|h| h["what"] == "finding"
        && h["kind"] == "email"
        && h["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("user12@example")));
    // Two characters: below the trigram index, answered by LIKE.
    let short = search(&["wo", "--type", "file"]);
    assert!(short.iter().any(|h| h["text"] == "/passwords.txt"));
    assert!(search(&["no-such-text-anywhere"]).is_empty());
}

/// An mbox of `n` messages, one a day from 2024-03-01, sent from Bangkok time.
fn mbox(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "From sender{i}@example.net Fri Mar  1 10:00:00 2024\n\
             Received: from mx.example.net (mx.example.net [203.0.113.{i}]) by mail.example.org \
             with ESMTP id A{i}; {:02} Mar 2024 10:00:05 +0700\n\
             From: Sender {i} <sender{i}@example.net>\n\
             To: victim@example.org\n\
             Subject: Invoice {i}\n\
             Date: {:02} Mar 2024 10:00:00 +0700\n\
             Message-ID: <m{i}@example.net>\n\
             \n\
             Pay to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq today.\n\
             >From the desk of sender {i}\n\n",
            i + 1,
            i + 1
        ));
    }
    s
}

#[test]
fn mail_in_evidence_becomes_messages_and_timeline_events() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("export");
    std::fs::create_dir_all(folder.join("Mail")).unwrap();
    std::fs::write(folder.join("Mail/Inbox"), mbox(3)).unwrap();
    std::fs::write(folder.join("notes.txt"), "nothing to see\n").unwrap();
    let single = tmp.path().join("one.mbox");
    std::fs::write(&single, mbox(2)).unwrap();
    let case = tmp.path().join("case");
    exhibit()
        .args(["triage", "-q", "--examiner", "tester", "--case"])
        .arg(&case)
        .arg(&folder)
        .arg(&single)
        .assert()
        .success();
    let msgs = json(&["messages", "--json"], &case);
    assert_eq!(msgs.len(), 5);
    let first = &msgs[0];
    assert_eq!(first["evidence"], "E1");
    assert_eq!(first["subject"], "Invoice 0");
    assert_eq!(first["date"], "2024-03-01T03:00:00.000000000Z");
    assert_eq!(first["date_zone"], "+07:00");
    assert_eq!(first["sender"], "Sender 0 <sender0@example.net>");
    assert!(first["location"]
        .as_str()
        .unwrap()
        .starts_with("/Mail/Inbox@"));
    let analysis: serde_json::Value =
        serde_json::from_str(first["analysis"].as_str().unwrap()).unwrap();
    assert_eq!(analysis["route"]["hops"].as_array().unwrap().len(), 1);
    assert!(analysis["indicators"].is_array());
    // The single mbox is evidence of kind "mailbox".
    let log = std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap();
    assert!(log.contains("\"kind\":\"mailbox\""), "{log}");
    // Sent and received times are on the timeline, in UTC.
    let out = exhibit()
        .args(["timeline", "--from", "2024-03-01", "--to", "2024-03-02"])
        .arg(&case)
        .assert()
        .success();
    let tl = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(tl.contains("2024-03-01T03:00:00"), "{tl}");
    assert!(tl.contains("Invoice 0"), "{tl}");
    assert!(tl.contains("received by mail.example.org"), "{tl}");
    // The mailbox's file is typed by content.
    let files = json(&["files", "--json", "--type", "application/mbox"], &case);
    assert_eq!(files.len(), 2);
    // Messages and file text are in the full-text index.
    let search = |q: &str| -> Vec<serde_json::Value> {
        let out = exhibit()
            .arg("search")
            .arg(&case)
            .args([q, "--json"])
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let desk = search("desk sender in:message");
    assert_eq!(desk.len(), 5, "{desk:?}");
    assert!(desk.iter().all(|h| h["what"] == "message"));
    let dated = search("desk in:message from:2024-03-02 to:2024-03-03");
    assert_eq!(dated.len(), 2, "{dated:?}");
    assert!(dated.iter().all(|h| h["text"] == "Invoice 1"));
    let one = search("invoice ev:E2 in:message");
    assert_eq!(one.len(), 2);
    let text = search("nothing to see");
    assert!(
        text.iter()
            .any(|h| h["what"] == "text" && h["file"] == "/notes.txt"),
        "{text:?}"
    );
    assert!(search("\"see to nothing\" in:text").is_empty());
    // Findings are searched by substring in the store.
    let wallet = search("bc1qar0srrr7");
    assert!(wallet.iter().any(|h| h["what"] == "finding"), "{wallet:?}");
    // Watchlists: exact values, case-insensitive, with their labels.
    let list = tmp.path().join("watch.txt");
    std::fs::write(
        &list,
        "# known scam wallets\nBC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ\tscam wallet A\nnobody@nowhere.example\n",
    )
    .unwrap();
    let hits = json(
        &["findings", "--json", "--watchlist", list.to_str().unwrap()],
        &case,
    );
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["kind"], "wallet");
    assert_eq!(hits[0]["label"], "scam wallet A");
    assert_eq!(hits[0]["count"], 5);
}

#[test]
fn fat_local_times_are_noted_and_converted_with_tz() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    exhibit()
        .arg("demo")
        .arg("--out")
        .arg(&demo)
        .assert()
        .success();
    let image = demo.join("seized/usb-stick.dd");
    let line_of = |case: &Path, tz: Option<&str>| -> String {
        let mut cmd = exhibit();
        cmd.args(["triage", "-q", "--examiner", "tester", "--case"])
            .arg(case)
            .arg(&image);
        if let Some(tz) = tz {
            cmd.args(["--tz", tz]);
        }
        cmd.assert().success();
        let out = exhibit().arg("timeline").arg(case).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout)
            .lines()
            .find(|l| l.contains(",/CHATS/LINE_EXPORT.TXT,") && l.contains(",m"))
            .unwrap_or_else(|| panic!("no event for the chat export"))
            .to_string()
    };
    let utc = line_of(&tmp.path().join("utc"), None);
    assert!(
        utc.ends_with(",local time (zone unknown: read as UTC)"),
        "{utc}"
    );
    let bkk = line_of(&tmp.path().join("bkk"), Some("Asia/Bangkok"));
    assert!(bkk.ends_with(",local time in Asia/Bangkok"), "{bkk}");
    // The same wall-clock time, seven hours earlier in UTC.
    let t = |l: &str| l[..19].parse::<jiff::civil::DateTime>().unwrap();
    let diff = t(&utc).duration_since(t(&bkk));
    assert_eq!(diff.as_secs(), 7 * 3600);
    exhibit()
        .args(["triage", "-q", "--case"])
        .arg(tmp.path().join("bad"))
        .arg(&image)
        .args(["--tz", "Mars/Olympus"])
        .assert()
        .failure();
}

#[test]
fn outlook_msg_files_in_a_folder_become_messages() {
    let dir = disk("x")
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("mail/msg");
    if !dir.is_dir() {
        eprintln!("note: {} not found; test skipped", dir.display());
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    triage(&case, &dir);
    let msgs = json(&["messages", "--json"], &case);
    // Every .msg but the damaged one; the .doc/.ppt/Thumbs.db OLE files
    // are not taken for mail.
    assert_eq!(msgs.len(), 8, "{msgs:?}");
    let unicode = msgs
        .iter()
        .find(|m| m["location"] == "/unicode.msg")
        .unwrap();
    assert_eq!(unicode["subject"], "Test for TIF files");
    assert_eq!(unicode["date"], "2013-11-18T08:26:24.000000000Z");
    assert_eq!(unicode["date_zone"], "+02:00");
}
