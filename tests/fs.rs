//! The file-system commands against The Sleuth Kit's recorded outputs in
//! ../shared/testdata/disk/expected (mmls, fls -r -m /).

mod common;

use std::collections::BTreeSet;

use common::{case_init_args, disk, exhibit};

fn expected(name: &str) -> String {
    std::fs::read_to_string(disk("expected").join(name)).unwrap()
}

#[test]
fn mmls_matches_tsk() {
    for image in ["tsk_volume_system.raw", "imageformat_mmls_1.E01"] {
        let out = exhibit()
            .args(["mmls", disk(image).to_str().unwrap()])
            .assert()
            .success();
        let got = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert_eq!(got, expected(&format!("{image}.mmls")), "{image}");
    }
}

/// (image, partition, expected body file)
const BODIES: &[(&str, Option<&str>, &str)] = &[
    ("ext2.E01", None, "ext2.E01.fls.body"),
    ("plaso-image.E01", None, "plaso-image.E01.fls.body"),
    ("ímynd.dd", None, "ímynd.dd.fls.body"),
    (
        "tsk_volume_system.raw",
        Some("2"),
        "tsk_volume_system.raw.p2.fls.body",
    ),
    (
        "dftt-6-undel-fat/6-fat-undel.dd",
        None,
        "6-fat-undel.dd.fls.body",
    ),
    (
        "dftt-5-fat-daylight/daylight.dd",
        None,
        "daylight.dd.fls.body",
    ),
    (
        "dftt-8-jpeg-search/8-jpeg-search.dd",
        None,
        "8-jpeg-search.dd.fls.body",
    ),
    (
        "imageformat_mmls_1.E01",
        Some("1"),
        "imageformat_mmls_1.E01.p1.fls.body",
    ),
    (
        "imageformat_mmls_1.E01",
        Some("2"),
        "imageformat_mmls_1.E01.p2.fls.body",
    ),
];

/// The one line where Exhibit deliberately differs from TSK: `$Secure`'s
/// `$FILE_NAME` stores 0 in all four times; TSK's unsigned arithmetic turns
/// that into 3373865674 (a date in 2076), Exhibit reports no time (0)
/// rather than put a made-up date on the timeline.
fn tsk_quirk(line: &str) -> String {
    if line.starts_with("0|/$Secure ($FILE_NAME)|9-48-7|") {
        return line.replace("|3373865674", "|0");
    }
    line.to_string()
}

fn lines(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn timeline_bodyfile_lists_what_fls_lists() {
    for (image, partition, body) in BODIES {
        let mut args = vec!["timeline".to_string(), "--format".into(), "bodyfile".into()];
        if let Some(p) = partition {
            args.extend(["--partition".into(), p.to_string()]);
        }
        args.push(disk(image).to_str().unwrap().to_string());
        let out = exhibit().args(&args).assert().success();
        let got = lines(&String::from_utf8_lossy(&out.get_output().stdout));
        let want: BTreeSet<String> = lines(&expected(body))
            .iter()
            .map(|l| tsk_quirk(l))
            .collect();
        let missing: Vec<_> = want.difference(&got).collect();
        let extra: Vec<_> = got.difference(&want).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{image}: missing {missing:#?}\nextra {extra:#?}"
        );
    }
}

#[test]
fn fat_local_times_in_the_examiners_zone() {
    // DFTT #5: winter.txt written 2004-01-01 14:00 and summer.txt 2004-06-01
    // 15:00 local time. Given the zone, the UTC times must be those local
    // times' instants; FAT keeps 2-second steps.
    let out = exhibit()
        .args(["timeline", "--format", "jsonl", "--tz", "America/New_York"])
        .arg(disk("dftt-5-fat-daylight/daylight.dd"))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let mtime = |name: &str| -> jiff::Zoned {
        let ev: serde_json::Value = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|v| v["path"] == name && v["macb"].as_str().unwrap().starts_with('m'))
            .unwrap_or_else(|| panic!("no mtime event for {name}"));
        let ts: jiff::Timestamp = ev["time"].as_str().unwrap().parse().unwrap();
        ts.in_tz("America/New_York").unwrap()
    };
    let w = mtime("/winter.txt");
    assert_eq!(
        (w.year(), w.month(), w.day(), w.hour(), w.minute()),
        (2004, 1, 1, 14, 0)
    );
    let s = mtime("/summer.txt");
    assert_eq!(
        (s.year(), s.month(), s.day(), s.hour(), s.minute()),
        (2004, 6, 1, 15, 0)
    );
    assert_eq!(
        s.offset().seconds(),
        -4 * 3600,
        "summer time applies in June"
    );
}

#[test]
fn cat_extracts_by_inode_and_path() {
    let img = disk("ext2.E01");
    let by_inode = exhibit()
        .args(["cat", img.to_str().unwrap(), "14"])
        .assert()
        .success();
    let by_path = exhibit()
        .args(["cat", img.to_str().unwrap(), "/passwords.txt"])
        .assert()
        .success();
    assert_eq!(by_inode.get_output().stdout.len(), 116);
    assert_eq!(by_inode.get_output().stdout, by_path.get_output().stdout);
}

#[test]
fn cat_extracts_a_named_stream_by_path() {
    use std::io::Read;
    let tmp = tempfile::tempdir().unwrap();
    let img = tmp.path().join("ntfs.img");
    let gz = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/ntfs/tests/data/ntfs3g-features.img.gz");
    let mut data = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(gz).unwrap())
        .read_to_end(&mut data)
        .unwrap();
    std::fs::write(&img, data).unwrap();
    let out = exhibit()
        .args(["cat", img.to_str().unwrap(), "/ads.txt", "--stream", "tiny"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, b"tiny ads");
}

#[test]
fn examination_is_recorded_in_the_custody_log() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    let img = disk("ext2.E01");
    let c = case.to_str().unwrap();
    exhibit()
        .args(case_init_args(std::path::Path::new(c)))
        .assert()
        .success();
    // not registered yet: refused, and nothing is written
    exhibit()
        .args(["ls", "--case", c, img.to_str().unwrap()])
        .assert()
        .failure();
    exhibit()
        .args(["evidence", "add", c, img.to_str().unwrap(), "-q"])
        .assert()
        .success();
    exhibit()
        .args(["ls", "-r", "--case", c, img.to_str().unwrap()])
        .assert()
        .success();
    let log = std::fs::read_to_string(case.join("custody/log.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["action"], "examined");
    assert_eq!(last["evidence"], "E1");
    assert!(last["details"]["partition_1"]
        .as_str()
        .unwrap()
        .starts_with("ext2"));
    exhibit().args(["custody", "verify", c]).assert().success();
}
