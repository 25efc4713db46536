//! Every shared test image triages, and the store holds exactly what the
//! readers list and what a reference matcher finds.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::disk;
use exhibit_case::Case;
use exhibit_evidence::Source;
use exhibit_examine::{open_fs, partitions};
use exhibit_store::{CaseStore, FileFilter};
use exhibit_triage::{triage, TriageOptions};
use exhibit_vfs::FsOptions;

type FileSet = BTreeSet<(i64, String, String, bool)>;

fn images() -> Vec<PathBuf> {
    [
        "ext2.E01",
        "ext2.split.E01",
        "ext2.splitraw.000",
        "plaso-image.E01",
        "ímynd.dd",
        "tsk_volume_system.raw",
        "imageformat_mmls_1.E01",
        "dftt-5-fat-daylight/daylight.dd",
        "dftt-6-undel-fat/6-fat-undel.dd",
        "dftt-8-jpeg-search/8-jpeg-search.dd",
    ]
    .iter()
    .map(|n| disk(n))
    .collect()
}

/// What the readers list for an image, directly.
fn listed(path: &Path) -> FileSet {
    let source: Arc<dyn Source> = Arc::new(exhibit_evidence::open(path).unwrap());
    let mut out = FileSet::new();
    let Ok((_, parts)) = partitions(source.clone(), source.name()) else {
        return out;
    };
    for part in &parts {
        let Ok(fs) = open_fs(part, &FsOptions::default()) else {
            continue;
        };
        let Ok(listing) = fs.list() else { continue };
        for e in listing.entries {
            out.insert((
                part.number as i64,
                e.inode,
                e.path,
                e.deleted || !e.meta_allocated,
            ));
        }
    }
    out
}

/// A grep-like reference for e-mail addresses in plain ASCII: a run of
/// `A-Za-z0-9._%+-` (leading dots dropped, at most 64 bytes), `@`, then
/// dot-separated labels of `A-Za-z0-9-` (not starting or ending with `-`)
/// whose last label is 2+ letters. Returns (offset, lower-cased address).
fn reference_emails(data: &[u8]) -> BTreeSet<(u64, String)> {
    let local = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
    let host = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
    let mut out = BTreeSet::new();
    let mut floor = 0;
    let mut i = 0;
    while let Some(off) = data[i..].iter().position(|&b| b == b'@') {
        let at = i + off;
        i = at + 1;
        let mut ls = at;
        while ls > floor && local(data[ls - 1]) && at - ls < 4096 {
            ls -= 1;
        }
        if ls == at {
            continue;
        }
        let mut end = at + 1;
        while end < data.len() && host(data[end]) {
            end += 1;
        }
        // The longest prefix of the host run that is a valid domain.
        let run = &data[at + 1..end];
        let mut best = None;
        let mut labels = 0;
        let mut start = 0;
        for (j, b) in run.iter().copied().enumerate().chain([(run.len(), b'.')]) {
            if b != b'.' {
                continue;
            }
            let label = &run[start..j];
            let ok = !label.is_empty() && label[0] != b'-' && label[label.len() - 1] != b'-';
            if !ok {
                break;
            }
            labels += 1;
            if labels >= 2 && label.len() >= 2 && label.iter().all(u8::is_ascii_alphabetic) {
                best = Some(j);
            }
            start = j + 1;
        }
        let Some(dlen) = best else { continue };
        let end = at + 1 + dlen;
        floor = end;
        i = end;
        while ls < at && data[ls] == b'.' {
            ls += 1;
        }
        if ls == at || at - ls > 64 {
            continue;
        }
        let addr = String::from_utf8_lossy(&data[ls..end]).to_ascii_lowercase();
        out.insert((ls as u64, addr));
    }
    out
}

fn media(path: &Path) -> Vec<u8> {
    let source = exhibit_evidence::open(path).unwrap();
    let mut data = vec![0u8; usize::try_from(source.len()).unwrap()];
    source.read_exact_at(0, &mut data).unwrap();
    data
}

#[test]
fn reference_matcher_finds_plain_addresses() {
    let got = reference_emails(b"x John@Example.com; ..bob@example.org. a@b.c user@localhost");
    let want: BTreeSet<(u64, String)> = [
        (2, "john@example.com".to_string()),
        (22, "bob@example.org".to_string()),
    ]
    .into();
    assert_eq!(got, want);
}

/// The e-mail comparison below is not vacuous: on a file with planted
/// addresses the scanner's plain findings equal the reference's.
#[test]
fn scanner_and_reference_agree_on_planted_addresses() {
    let tmp = tempfile::tempdir().unwrap();
    let mut data = common::pattern(300_000, 11);
    for (i, at) in (1000..290_000).step_by(9_973).enumerate() {
        let s = format!(" person{i}.x@mail{}.example.org ", i % 7);
        data[at..at + s.len()].copy_from_slice(s.as_bytes());
    }
    let path = tmp.path().join("planted.raw");
    std::fs::write(&path, &data).unwrap();
    let dir = tmp.path().join("case");
    let case = Case::init(&dir, "t", "-", "tester", jiff::Timestamp::now()).unwrap();
    let store = common::new_store(case.dir());
    let opts = TriageOptions {
        examiner: "tester".into(),
        threads: 2,
        ..Default::default()
    };
    triage(&case, &*store, &[path], &opts, &|_| {}).unwrap();
    let want = reference_emails(&data);
    assert!(want.len() >= 20);
    assert_eq!(plain_emails(&*store, "E1"), want);
}

/// The e-mail findings of an evidence item found as plain text: no
/// encoding, and a forensic path that is just the offset.
fn plain_emails(store: &dyn CaseStore, id: &str) -> BTreeSet<(u64, String)> {
    let mut out = BTreeSet::new();
    store
        .each_finding(id, &mut |_, f| {
            if f.kind == "email" && f.encoding.is_none() && f.path == f.offset.to_string() {
                out.insert((f.offset, f.normalized));
            }
        })
        .unwrap();
    out
}

#[test]
fn every_shared_image_triages() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("case");
    let case = Case::init(&dir, "testdata", "-", "tester", jiff::Timestamp::now()).unwrap();
    let store = common::new_store(case.dir());
    let opts = TriageOptions {
        examiner: "tester".into(),
        threads: 2,
        ..Default::default()
    };
    let images = images();
    triage(&case, &*store, &images, &opts, &|_| {}).expect("triage completes");

    let kinds: Vec<(String, String)> = std::fs::read_to_string(dir.join("custody/log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["action"] == "registered")
        .map(|v| {
            (
                v["evidence"].as_str().unwrap().to_string(),
                v["details"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let kind_of = |path: &Path| {
        let id = case.evidence_by_path(path).unwrap().unwrap().id;
        kinds.iter().find(|(e, _)| *e == id).unwrap().1.clone()
    };
    assert_eq!(kind_of(&disk("tsk_volume_system.raw")), "disk-image");
    assert_eq!(kind_of(&disk("ext2.E01")), "partition-image");
    assert_eq!(
        kind_of(&disk("dftt-5-fat-daylight/daylight.dd")),
        "partition-image"
    );

    for path in &images {
        let record = case.evidence_by_path(path).unwrap().expect("registered");
        let id = record.id;
        let stored: FileSet = store
            .files(&FileFilter {
                evidence: Some(id.clone()),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|f| (f.key.partition, f.key.inode, f.key.path, f.deleted))
            .collect();
        let want = listed(path);
        assert_eq!(stored, want, "{}: files", path.display());

        let found = plain_emails(&*store, &id);
        assert_eq!(
            found,
            reference_emails(&media(path)),
            "{}: e-mail findings",
            path.display()
        );
    }
}
