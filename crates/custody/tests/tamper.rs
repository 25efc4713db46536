//! Tampering with a real log on disk: for each kind of tampering, the first
//! problem reported names the first bad entry.

use std::path::{Path, PathBuf};

use exhibit_custody::{
    checkpoint, lock_path, verify, CustodyError, CustodyLog, Entry, NewEntry, ProblemKind,
    SigningKey, VerifyReport,
};
use jiff::Timestamp;

const ACTIONS: [&str; 8] = [
    "registered",
    "acquired",
    "verified",
    "examined",
    "examined",
    "exported",
    "verified",
    "returned",
];

fn t(s: i64) -> Timestamp {
    Timestamp::new(1_795_969_331 + s, 123_456_789).unwrap()
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

struct Case {
    _dir: tempfile::TempDir,
    log: PathBuf,
    cps: PathBuf,
}

impl Case {
    /// 8 entries, checkpoints after entry 4 and after entry 8.
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("custody.jsonl");
        let cps = dir.path().join("checkpoints.jsonl");
        build(&log, &cps);
        Case {
            _dir: dir,
            log,
            cps,
        }
    }

    fn lines(&self) -> Vec<String> {
        lines(&self.log)
    }

    fn write_lines(&self, lines: &[String]) {
        write_lines(&self.log, lines);
    }

    fn verify(&self) -> VerifyReport {
        verify(&self.log, Some(&self.cps), &[key().verifying_key()]).unwrap()
    }
}

fn build(log: &Path, cps: &Path) {
    let mut l = CustodyLog::create(log).unwrap();
    for (i, action) in ACTIONS.iter().enumerate() {
        let mut e = NewEntry::new("Insp. Dana Kowalski", *action)
            .detail("step", i as u64 + 1)
            .detail("tool", "exhibit 0.1.0");
        if i % 3 != 2 {
            e = e.evidence(format!("E{}", i % 2 + 1));
        }
        l.append(e, t(i as i64 * 60)).unwrap();
        if i == 3 {
            checkpoint(log, cps, &key(), "Insp. Dana Kowalski", t(250)).unwrap();
        }
    }
    checkpoint(log, cps, &key(), "Sgt. Lee", t(600)).unwrap();
}

fn lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(p: &Path, lines: &[String]) {
    let mut s = lines.join("\n");
    s.push('\n');
    std::fs::write(p, s).unwrap();
}

fn kinds(r: &VerifyReport) -> Vec<ProblemKind> {
    r.problems.iter().map(|p| p.kind).collect()
}

fn first(r: &VerifyReport) -> (ProblemKind, Option<u64>, Option<usize>) {
    let p = r.first_problem().expect("a problem");
    (p.kind, p.entry, p.line)
}

#[test]
fn untouched_log_verifies_clean() {
    let c = Case::new();
    let r = c.verify();
    assert!(r.is_clean(), "{:?}", r.problems);
    assert_eq!((r.entries, r.checkpoints), (8, 2));
    assert_eq!(
        r.signers,
        vec![exhibit_custody::fingerprint(&key().verifying_key())]
    );
    // Without checkpoints, and with no trusted keys, also clean.
    assert!(verify(&c.log, None, &[]).unwrap().is_clean());
    assert!(verify(&c.log, Some(&c.cps), &[]).unwrap().is_clean());
}

#[test]
fn same_inputs_give_identical_bytes() {
    let a = Case::new();
    let b = Case::new();
    assert_eq!(
        std::fs::read(&a.log).unwrap(),
        std::fs::read(&b.log).unwrap()
    );
    assert_eq!(
        std::fs::read(&a.cps).unwrap(),
        std::fs::read(&b.cps).unwrap()
    );
}

#[test]
fn edited_content_names_the_edited_entry() {
    let c = Case::new();
    let mut l = c.lines();
    l[4] = l[4].replace("\"examined\"", "\"destroyed\"");
    c.write_lines(&l);
    let r = c.verify();
    assert_eq!(first(&r), (ProblemKind::Edited, Some(5), Some(5)));
    assert_eq!(
        r.problems[0].message,
        "entry 5 (line 5) was edited: its content no longer matches its hash"
    );
    // No cascade: entry 6 still links to the stored hash; only the
    // checkpoint covering entry 5 fails.
    assert_eq!(
        kinds(&r),
        vec![ProblemKind::Edited, ProblemKind::RootMismatch]
    );
    assert_eq!(r.problems[1].checkpoint, Some(2));
}

#[test]
fn edited_and_rehashed_breaks_the_next_link() {
    let c = Case::new();
    let mut l = c.lines();
    let mut e = Entry::parse_line(l[4].as_bytes()).unwrap();
    e.action = "destroyed".into();
    e.hash = hex::encode(e.compute_hash().unwrap());
    l[4] = e.to_line().unwrap().trim_end().to_string();
    c.write_lines(&l);
    let r = c.verify();
    assert_eq!(first(&r), (ProblemKind::ChainBroken, Some(6), Some(6)));
    let msg = &r.problems[0].message;
    assert!(
        msg.contains("link to entry 5") && msg.contains("entry 5 was edited or replaced"),
        "{msg}"
    );
    assert_eq!(
        kinds(&r),
        vec![ProblemKind::ChainBroken, ProblemKind::RootMismatch]
    );
}

#[test]
fn rehashed_last_entry_is_caught_by_the_checkpoint() {
    let c = Case::new();
    let mut l = c.lines();
    let mut e = Entry::parse_line(l[7].as_bytes()).unwrap();
    e.examiner = "Someone Else".into();
    e.hash = hex::encode(e.compute_hash().unwrap());
    l[7] = e.to_line().unwrap().trim_end().to_string();
    c.write_lines(&l);
    let r = c.verify();
    assert_eq!(kinds(&r), vec![ProblemKind::RootMismatch]);
    assert_eq!(r.problems[0].checkpoint, Some(2));
}

#[test]
fn deleted_entry_is_missing() {
    let c = Case::new();
    let mut l = c.lines();
    l.remove(4);
    c.write_lines(&l);
    let r = c.verify();
    assert_eq!(first(&r), (ProblemKind::Missing, Some(5), Some(5)));
    assert!(r.problems[0]
        .message
        .starts_with("entry 5 is missing (deleted)"));
    assert!(
        !kinds(&r).contains(&ProblemKind::ChainBroken),
        "{:?}",
        r.problems
    );
    assert_eq!(
        r.problems.iter().filter(|p| p.line.is_some()).count(),
        1,
        "one log problem: {:?}",
        r.problems
    );
}

#[test]
fn deleted_first_entries_are_missing() {
    let c = Case::new();
    let l = c.lines();
    c.write_lines(&l[2..]);
    let r = c.verify();
    assert_eq!(first(&r), (ProblemKind::Missing, Some(1), Some(1)));
    assert!(r.problems[0]
        .message
        .starts_with("entries 1 to 2 are missing"));
}

#[test]
fn swapped_entries_are_reordered() {
    let c = Case::new();
    let mut l = c.lines();
    l.swap(2, 3);
    c.write_lines(&l);
    let r = c.verify();
    assert_eq!(first(&r), (ProblemKind::Reordered, Some(3), Some(3)));
    let log_problems: Vec<_> = r.problems.iter().filter(|p| p.line.is_some()).collect();
    assert_eq!(log_problems.len(), 1, "{:?}", r.problems);
    // Both checkpoints cover lines 3-4.
    assert_eq!(
        kinds(&r),
        vec![
            ProblemKind::Reordered,
            ProblemKind::RootMismatch,
            ProblemKind::RootMismatch
        ]
    );
}

#[test]
fn moved_entry_is_one_reordering() {
    let c = Case::new();
    let mut l = c.lines();
    let moved = l.remove(1);
    l.push(moved);
    c.write_lines(&l);
    let r = c.verify();
    assert_eq!(first(&r), (ProblemKind::Reordered, Some(2), Some(2)));
    assert_eq!(r.problems.iter().filter(|p| p.line.is_some()).count(), 1);
}

#[test]
fn duplicated_entry_is_reordered() {
    let c = Case::new();
    let mut l = c.lines();
    let dup = l[2].clone();
    l.insert(3, dup);
    c.write_lines(&l);
    let r = c.verify();
    assert_eq!(first(&r), (ProblemKind::Reordered, Some(3), Some(4)));
    assert!(r.problems[0].message.contains("repeats entry 3 of line 3"));
    assert_eq!(r.problems.iter().filter(|p| p.line.is_some()).count(), 1);
}

#[test]
fn truncation_after_checkpoint_is_log_truncated() {
    let c = Case::new();
    let l = c.lines();
    c.write_lines(&l[..6]);
    let r = c.verify();
    assert_eq!(kinds(&r), vec![ProblemKind::LogTruncated]);
    let p = &r.problems[0];
    assert_eq!((p.entry, p.checkpoint, p.line), (Some(7), Some(2), None));
    assert!(
        p.message.contains("entries 7 to 8 are missing"),
        "{}",
        p.message
    );
}

#[test]
fn altered_signature_is_bad_signature() {
    let c = Case::new();
    let mut l = lines(&c.cps);
    let at = l[1].find("\"signature\":\"").unwrap() + 13;
    let flipped = if &l[1][at..at + 1] == "0" { "1" } else { "0" };
    l[1].replace_range(at..at + 1, flipped);
    write_lines(&c.cps, &l);
    let r = c.verify();
    assert_eq!(kinds(&r), vec![ProblemKind::BadSignature]);
    let p = &r.problems[0];
    assert_eq!((p.entry, p.checkpoint), (None, Some(2)));
    assert!(p
        .message
        .starts_with("checkpoint 2 (tree size 8) has a bad signature"));
}

#[test]
fn altered_checkpoint_size_is_bad_signature_first() {
    let c = Case::new();
    let mut l = lines(&c.cps);
    l[0] = l[0].replacen("\"tree_size\":4", "\"tree_size\":3", 1);
    write_lines(&c.cps, &l);
    let r = c.verify();
    assert_eq!(r.problems[0].kind, ProblemKind::BadSignature);
    assert_eq!(r.problems[0].checkpoint, Some(1));
}

#[test]
fn removed_checkpoint_is_inconsistent() {
    let c = Case::new();
    let l = lines(&c.cps);
    write_lines(&c.cps, &l[1..]);
    let r = c.verify();
    assert_eq!(kinds(&r), vec![ProblemKind::Inconsistent]);
}

#[test]
fn partial_last_line_is_truncated() {
    // A crash mid-write of entry 9.
    let c = Case::new();
    let mut text = std::fs::read_to_string(&c.log).unwrap();
    text.push_str("{\"seq\":9,\"time\":\"2026-11-29T17:");
    std::fs::write(&c.log, &text).unwrap();
    let r = c.verify();
    assert_eq!(kinds(&r), vec![ProblemKind::Truncated]);
    assert_eq!(first(&r), (ProblemKind::Truncated, Some(9), Some(9)));

    // The last line cut in half: entry 8 is truncated, and the checkpoint
    // covering it notices the log is short.
    let c = Case::new();
    let text = std::fs::read_to_string(&c.log).unwrap();
    std::fs::write(&c.log, &text[..text.len() - 40]).unwrap();
    let r = c.verify();
    assert_eq!(first(&r), (ProblemKind::Truncated, Some(8), Some(8)));
    assert_eq!(
        kinds(&r),
        vec![ProblemKind::Truncated, ProblemKind::LogTruncated]
    );
}

#[test]
fn malformed_line_does_not_cascade() {
    let c = Case::new();
    let mut l = c.lines();
    l[3] = "this is not json".into();
    c.write_lines(&l);
    let r = c.verify();
    assert_eq!(first(&r), (ProblemKind::Malformed, Some(4), Some(4)));
    assert_eq!(r.problems.iter().filter(|p| p.line.is_some()).count(), 1);
}

#[test]
fn untrusted_key_is_reported() {
    let c = Case::new();
    let stranger = SigningKey::from_bytes(&[5u8; 32]).verifying_key();
    let r = verify(&c.log, Some(&c.cps), &[stranger]).unwrap();
    assert_eq!(
        kinds(&r),
        vec![ProblemKind::UntrustedKey, ProblemKind::UntrustedKey]
    );
    assert_eq!(r.problems[0].checkpoint, Some(1));
    assert!(r.problems[0]
        .message
        .contains(&exhibit_custody::fingerprint(&key().verifying_key())));
    let both = [stranger, key().verifying_key()];
    assert!(verify(&c.log, Some(&c.cps), &both).unwrap().is_clean());
}

#[test]
fn missing_files_are_errors_not_problems() {
    let c = Case::new();
    let nowhere = c.log.with_file_name("nope.jsonl");
    assert!(matches!(
        verify(&nowhere, None, &[]),
        Err(CustodyError::Io { .. })
    ));
    assert!(matches!(
        verify(&c.log, Some(&nowhere), &[]),
        Err(CustodyError::Io { .. })
    ));
}

#[test]
fn append_refuses_a_corrupt_tail() {
    let c = Case::new();
    let text = std::fs::read_to_string(&c.log).unwrap();
    let mut log = CustodyLog::open(&c.log).unwrap();

    // Partial last line.
    std::fs::write(&c.log, &text[..text.len() - 10]).unwrap();
    let err = log
        .append(NewEntry::new("A", "examined"), t(9999))
        .unwrap_err();
    assert!(
        matches!(err, CustodyError::Corrupt { line: 8, .. }),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&c.log).unwrap(),
        text[..text.len() - 10]
    );

    // Edited last entry.
    let edited = text.replace("\"returned\"", "\"kept\"");
    std::fs::write(&c.log, &edited).unwrap();
    let err = log
        .append(NewEntry::new("A", "examined"), t(9999))
        .unwrap_err();
    assert!(
        matches!(err, CustodyError::Corrupt { line: 8, .. }),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&c.log).unwrap(), edited);

    // Garbage last line.
    let garbage = format!("{text}not an entry\n");
    std::fs::write(&c.log, &garbage).unwrap();
    assert!(matches!(
        log.append(NewEntry::new("A", "examined"), t(9999)),
        Err(CustodyError::Corrupt { line: 9, .. })
    ));

    // Entry deleted in the middle: the last seq no longer matches its line.
    let mut l: Vec<String> = text.lines().map(str::to_string).collect();
    l.remove(2);
    write_lines(&c.log, &l);
    assert!(matches!(
        log.append(NewEntry::new("A", "examined"), t(9999)),
        Err(CustodyError::Corrupt { line: 7, .. })
    ));

    // Intact again: append works and the lock is released.
    std::fs::write(&c.log, &text).unwrap();
    let e = log.append(NewEntry::new("A", "examined"), t(9999)).unwrap();
    assert_eq!(e.seq, 9);
    let probe = std::fs::File::open(lock_path(&c.log)).unwrap();
    probe.try_lock().unwrap();
}

#[test]
fn another_process_lock_is_honoured() {
    let c = Case::new();
    let lock = lock_path(&c.log);
    assert_eq!(lock, c.log.with_file_name("custody.jsonl.lock"));
    // A lock file left by a killed writer does not block.
    std::fs::write(&lock, "pid 4242\n").unwrap();
    let mut log = CustodyLog::open(&c.log).unwrap();
    log.append(NewEntry::new("A", "examined"), t(9998)).unwrap();
    let before = std::fs::read(&c.log).unwrap();
    // Another writer holding it does.
    let other = std::fs::OpenOptions::new().write(true).open(&lock).unwrap();
    other.try_lock().unwrap();
    match log.append(NewEntry::new("A", "examined"), t(9999)) {
        Err(CustodyError::Locked { path }) => assert_eq!(path, lock),
        other => panic!("expected Locked, got {other:?}"),
    }
    let err = checkpoint(&c.log, &c.cps, &key(), "A", t(9999)).unwrap_err();
    assert!(err.to_string().contains("custody.jsonl.lock"), "{err}");
    assert_eq!(std::fs::read(&c.log).unwrap(), before);
    assert!(lock.exists(), "someone else's lock must not be removed");
    other.unlock().unwrap();
    log.append(NewEntry::new("A", "examined"), t(9999)).unwrap();
}

#[test]
fn concurrent_writers_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custody.jsonl");
    CustodyLog::create(&path).unwrap();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut log = CustodyLog::open(&path).unwrap();
                let mut done = 0;
                while done < 10 {
                    let e = NewEntry::new(format!("writer {w}"), "examined").detail("n", done);
                    match log.append(e, t(done)) {
                        Ok(_) => done += 1,
                        Err(CustodyError::Locked { .. }) => std::thread::yield_now(),
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let r = verify(&path, None, &[]).unwrap();
    assert!(r.is_clean(), "{:?}", r.problems);
    assert_eq!(r.entries, 40);
}
