//! Evidence is read-only: every command that touches evidence leaves each
//! source byte-for-byte unchanged (content hash, size and mtime).

mod common;

use common::{disk, exhibit, fingerprint, pattern};

#[test]
fn every_command_leaves_every_source_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let windows_log = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/windows/evtx/System2.evtx");
    let generated = tmp.path().join("seized.dd");
    std::fs::write(&generated, pattern(3 * 1024 * 1024 + 512, 7)).unwrap();
    let sources = [
        generated.clone(),
        disk("ext2.E01"),
        disk("ext2.split.E01"),
        disk("ext2.split.E02"),
        disk("ext2.splitraw.000"),
        disk("ext2.splitraw.001"),
        disk("ímynd.dd"),
        windows_log.clone(),
    ];
    let before: Vec<_> = sources.iter().map(|p| fingerprint(p)).collect();
    let check = |what: &str| {
        for (p, b) in sources.iter().zip(&before) {
            assert_eq!(&fingerprint(p), b, "{} changed after `{what}`", p.display());
        }
    };
    let case = tmp.path().join("case");
    let key = tmp.path().join("examiner.key");
    let acq = tmp.path().join("acq");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();

    let steps: Vec<(&str, Vec<String>)> = vec![
        (
            "hash",
            [
                vec!["hash".into(), "-q".into()],
                sources.iter().map(|p| s(p)).collect(),
            ]
            .concat(),
        ),
        ("info", vec!["info".into(), s(&disk("ext2.split.E01"))]),
        (
            "case init",
            vec![
                "case".into(),
                "init".into(),
                s(&case),
                "--name".into(),
                "RO".into(),
                "--number".into(),
                "1".into(),
                "--examiner".into(),
                "T".into(),
            ],
        ),
        (
            "evidence add raw",
            vec![
                "evidence".into(),
                "add".into(),
                s(&case),
                s(&generated),
                "-q".into(),
            ],
        ),
        (
            "evidence add e01",
            vec![
                "evidence".into(),
                "add".into(),
                s(&case),
                s(&disk("ext2.split.E01")),
                "-q".into(),
            ],
        ),
        (
            "evidence add split",
            vec![
                "evidence".into(),
                "add".into(),
                s(&case),
                s(&disk("ext2.splitraw.000")),
                "-q".into(),
            ],
        ),
        (
            "evidence verify",
            vec!["evidence".into(), "verify".into(), s(&case), "-q".into()],
        ),
        (
            "acquire",
            vec![
                "acquire".into(),
                s(&generated),
                "--out".into(),
                s(&acq),
                "--segment-size".into(),
                "1M".into(),
                "--case".into(),
                s(&case),
                "-q".into(),
            ],
        ),
        (
            "verify",
            vec!["verify".into(), s(&acq), "--case".into(), s(&case)],
        ),
        (
            "key new",
            vec!["key".into(), "new".into(), "--out".into(), s(&key)],
        ),
        (
            "custody checkpoint",
            vec![
                "custody".into(),
                "checkpoint".into(),
                s(&case),
                "--key".into(),
                s(&key),
            ],
        ),
        (
            "custody verify",
            vec!["custody".into(), "verify".into(), s(&case)],
        ),
        ("darknet", vec!["darknet".into(), s(&disk("ext2.E01"))]),
        ("mmls", vec!["mmls".into(), s(&disk("ext2.E01"))]),
        ("ls", vec!["ls".into(), s(&disk("ext2.split.E01"))]),
        ("timeline", vec!["timeline".into(), s(&disk("ext2.E01"))]),
        (
            "scan",
            vec![
                "scan".into(),
                "-q".into(),
                s(&generated),
                "--out".into(),
                s(&tmp.path().join("scan")),
            ],
        ),
        (
            "media hash",
            vec!["media".into(), "hash".into(), s(&disk("ext2.E01"))],
        ),
        (
            "carve",
            vec![
                "carve".into(),
                s(&generated),
                "--out".into(),
                s(&tmp.path().join("carved")),
            ],
        ),
        (
            "windows evtx",
            vec!["windows".into(), "evtx".into(), s(&windows_log)],
        ),
        (
            "triage",
            vec![
                "triage".into(),
                "-q".into(),
                "--examiner".into(),
                "T".into(),
                "--case".into(),
                s(&tmp.path().join("triaged")),
                s(&generated),
                s(&disk("ext2.split.E01")),
                s(&disk("ímynd.dd")),
            ],
        ),
        (
            "export parquet",
            vec![
                "export".into(),
                s(&tmp.path().join("triaged")),
                "--format".into(),
                "parquet".into(),
                "--out".into(),
                s(&tmp.path().join("tables")),
            ],
        ),
        (
            "media list",
            vec![
                "media".into(),
                "list".into(),
                s(&tmp.path().join("triaged")),
            ],
        ),
    ];
    for (name, args) in steps {
        exhibit().args(&args).assert().success();
        check(name);
    }
}
