//! End-to-end tests: acquire, verify, faulty sources, refusal to overwrite.

use std::cell::Cell;
use std::ops::Range;
use std::path::{Path, PathBuf};

use exhibit_acquire::{
    acquire, verify, AcquireError, AcquireOptions, AcquisitionLog, ReadError, SourceIdentity,
};
use exhibit_evidence::{EvidenceError, RawSource, Source, SplitRawSource};
use exhibit_hash::{Algorithm, Digests, MultiHasher};

const MIB: usize = 1 << 20;

/// Deterministic pseudo-random bytes (xorshift), so hashes are of real data.
fn data(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn hash(bytes: &[u8]) -> Digests {
    let mut h = MultiHasher::new(&[Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256]);
    h.update(bytes);
    h.finish()
}

fn sha256(bytes: &[u8]) -> String {
    let mut h = MultiHasher::new(&[Algorithm::Sha256]);
    h.update(bytes);
    h.finish().hex(Algorithm::Sha256).unwrap()
}

fn opts(name: &str) -> AcquireOptions {
    AcquireOptions {
        name: name.into(),
        segment_size: MIB as u64,
        tool: "exhibit 0.1.0".into(),
        examiner: "Det. A. Example".into(),
        case_number: "CC-2024-0042".into(),
        evidence_number: "EX-7".into(),
        description: "USB stick, blue".into(),
        ..Default::default()
    }
}

/// A clock that starts at a fixed instant and advances a minute per call.
fn clock() -> impl Fn() -> jiff::Timestamp {
    let calls = Cell::new(0i64);
    move || {
        let n = calls.get();
        calls.set(n + 1);
        jiff::Timestamp::from_second(1_718_000_000 + 60 * n).unwrap()
    }
}

fn identity(name: &str, len: usize) -> SourceIdentity {
    SourceIdentity {
        path: name.into(),
        size: len as u64,
        is_block_device: false,
        model: None,
        serial: None,
    }
}

fn run(
    source: &dyn Source,
    id: SourceIdentity,
    dir: &Path,
    o: &AcquireOptions,
) -> Result<AcquisitionLog, AcquireError> {
    acquire(source, id, dir, o, &mut |_| {}, &clock())
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

/// Writes a 3.5 MiB evidence file and returns (tempdir, path, bytes).
fn evidence_file() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("evidence.dd");
    let bytes = data(3 * MIB + MIB / 2);
    std::fs::write(&p, &bytes).unwrap();
    (d, p, bytes)
}

/// Acquires a fresh evidence file into `<tmp>/out` with name `img`.
fn acquired() -> (tempfile::TempDir, PathBuf, Vec<u8>, AcquisitionLog) {
    let (d, p, bytes) = evidence_file();
    let out = d.path().join("out");
    let src = RawSource::open(&p).unwrap();
    let log = run(&src, SourceIdentity::probe(&p).unwrap(), &out, &opts("img")).unwrap();
    (d, out, bytes, log)
}

#[test]
fn acquires_a_file_into_four_segments_and_verifies() {
    let (d, p, bytes) = evidence_file();
    let before_sha = sha256(&std::fs::read(&p).unwrap());
    let before_mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    let out = d.path().join("case").join("images"); // created on demand
    let src = RawSource::open(&p).unwrap();
    let mut seen = Vec::new();
    let log = acquire(
        &src,
        SourceIdentity::probe(&p).unwrap(),
        &out,
        &opts("img"),
        &mut |n| seen.push(n),
        &clock(),
    )
    .unwrap();

    // Segments: names, sizes, contents, own hashes.
    let names: Vec<&str> = log.segments.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(names, ["img.001", "img.002", "img.003", "img.004"]);
    let sizes: Vec<u64> = log.segments.iter().map(|s| s.size).collect();
    assert_eq!(
        sizes,
        [MIB as u64, MIB as u64, MIB as u64, (MIB / 2) as u64]
    );
    for (i, s) in log.segments.iter().enumerate() {
        let on_disk = std::fs::read(out.join(&s.file)).unwrap();
        let want = &bytes[i * MIB..((i + 1) * MIB).min(bytes.len())];
        assert_eq!(on_disk, want, "{}", s.file);
        assert_eq!(s.sha256, sha256(want));
    }
    assert_eq!(
        files_in(&out),
        [
            "img.001",
            "img.002",
            "img.003",
            "img.004",
            "img.acquisition.json",
            "img.acquisition.txt"
        ]
    );

    // Image hashes equal hashing the file directly.
    let direct = hash(&bytes);
    assert_eq!(log.hashes.md5, direct.hex(Algorithm::Md5).unwrap());
    assert_eq!(log.hashes.sha1, direct.hex(Algorithm::Sha1).unwrap());
    assert_eq!(log.hashes.sha256, direct.hex(Algorithm::Sha256).unwrap());
    assert_eq!(log.total_bytes, bytes.len() as u64);
    assert!(log.read_errors.is_empty());

    // The segments open as one split image equal to the source.
    let split = SplitRawSource::open(out.join("img.001")).unwrap();
    let mut all = vec![0u8; bytes.len()];
    split.read_exact_at(0, &mut all).unwrap();
    assert_eq!(all, bytes);

    // Progress: monotonic, ends at the length.
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(seen.last().copied(), Some(bytes.len() as u64));

    // Log on disk equals the returned log; particulars recorded.
    let json = std::fs::read_to_string(out.join("img.acquisition.json")).unwrap();
    let parsed: AcquisitionLog = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed, log);
    assert_eq!(log.tool, "exhibit 0.1.0");
    assert_eq!(log.case.case_number, "CC-2024-0042");
    assert_eq!(
        log.source.path,
        std::fs::canonicalize(&p).unwrap().display().to_string()
    );
    assert_eq!(log.source.size, bytes.len() as u64);
    assert_eq!(log.started.to_string(), "2024-06-10T06:13:20Z");
    assert_eq!(log.finished.to_string(), "2024-06-10T06:14:20Z");
    assert!(json.contains("\"started\": \"2024-06-10T06:13:20Z\""));
    let txt = std::fs::read_to_string(out.join("img.acquisition.txt")).unwrap();
    for needle in [
        "exhibit 0.1.0",
        "Det. A. Example",
        "CC-2024-0042",
        "EX-7",
        "USB stick, blue",
        "2024-06-10T06:13:20Z",
        "2024-06-10T06:14:20Z",
        &log.hashes.md5,
        &log.hashes.sha1,
        &log.hashes.sha256,
        &log.segments[3].sha256,
        "img.004  524288 bytes",
        "Read errors: none",
    ] {
        assert!(txt.contains(needle), "text log lacks {needle:?}:\n{txt}");
    }

    // Verify: found without a name, and by name.
    let v = verify(&out, None).unwrap();
    assert!(v.ok, "{:?}", v.problems);
    assert_eq!(v.computed, v.expected);
    assert!(verify(&out, Some("img")).unwrap().ok);

    // Read-only proof: the source is bit-for-bit and time-stamp unchanged.
    drop(src);
    assert_eq!(sha256(&std::fs::read(&p).unwrap()), before_sha);
    assert_eq!(
        std::fs::metadata(&p).unwrap().modified().unwrap(),
        before_mtime
    );
}

/// A source whose reads fail whenever they touch a byte in `bad`.
struct Faulty {
    data: Vec<u8>,
    bad: Vec<Range<u64>>,
}

impl Source for Faulty {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let len = self.data.len() as u64;
        if offset >= len {
            return Ok(0);
        }
        let end = (offset + buf.len() as u64).min(len);
        if self.bad.iter().any(|r| r.start < end && offset < r.end) {
            return Err(EvidenceError::Io {
                path: "faulty".into(),
                offset,
                source: std::io::Error::other("injected medium error"),
            });
        }
        let n = (end - offset) as usize;
        buf[..n].copy_from_slice(&self.data[offset as usize..end as usize]);
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.data.len() as u64
    }
    fn name(&self) -> &str {
        "faulty"
    }
}

#[test]
fn unreadable_sectors_are_zero_filled_logged_and_merged() {
    let m = MIB as u64;
    let len = 3 * m + m / 2 + 100; // last sector is partial
    let faulty = Faulty {
        data: data(len as usize),
        bad: vec![
            5000..5001,              // sector 9 ...
            5600..5601,              // ... and 10: adjacent, one range
            1_049_000..1_050_000,    // sectors 2048..2051
            2 * m - 100..2 * m + 10, // straddles a block and segment boundary
            len - 50..len,           // the partial last sector
        ],
    };
    let d = tempfile::tempdir().unwrap();
    let log = run(
        &faulty,
        identity("faulty", len as usize),
        d.path(),
        &opts("bad"),
    )
    .unwrap();

    let got: Vec<(u64, u64)> = log
        .read_errors
        .iter()
        .map(|e| (e.offset, e.length))
        .collect();
    assert_eq!(
        got,
        [
            (4608, 1024),
            (1_048_576, 1536),
            (2 * m - 512, 1024),
            (3 * m + m / 2, 100),
        ]
    );
    assert!(log
        .read_errors
        .iter()
        .all(|e: &ReadError| e.message.contains("injected medium error")));

    // The image is the data with zeros in exactly those ranges.
    let mut expected = faulty.data.clone();
    for e in &log.read_errors {
        expected[e.offset as usize..e.end() as usize].fill(0);
    }
    let mut image = Vec::new();
    for s in &log.segments {
        image.extend(std::fs::read(d.path().join(&s.file)).unwrap());
    }
    assert_eq!(image.len(), expected.len());
    assert!(image == expected, "image differs from data-with-zeros");
    let direct = hash(&expected);
    assert_eq!(log.hashes.md5, direct.hex(Algorithm::Md5).unwrap());
    assert_eq!(log.hashes.sha1, direct.hex(Algorithm::Sha1).unwrap());
    assert_eq!(log.hashes.sha256, direct.hex(Algorithm::Sha256).unwrap());
    assert_eq!(log.zero_filled_bytes(), 1024 + 1536 + 1024 + 100);

    let txt = std::fs::read_to_string(d.path().join("bad.acquisition.txt")).unwrap();
    assert!(
        txt.contains("Read errors: 4 range(s), 3684 bytes zero-filled"),
        "{txt}"
    );
    assert!(
        txt.contains(
            "offset 1048576 (sector 2048): 1536 bytes zero-filled, bytes 1048576..1050112"
        ),
        "{txt}"
    );

    // The image verifies: its hashes are of the data as read.
    assert!(verify(d.path(), None).unwrap().ok);
}

#[test]
fn a_source_that_ends_early_is_a_read_error_not_an_abort() {
    struct Short(Vec<u8>);
    impl Source for Short {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
            // Claims 4096 bytes, delivers 3000.
            let o = offset as usize;
            if o >= self.0.len() {
                return Ok(0);
            }
            let n = buf.len().min(self.0.len() - o);
            buf[..n].copy_from_slice(&self.0[o..o + n]);
            Ok(n)
        }
        fn len(&self) -> u64 {
            4096
        }
        fn name(&self) -> &str {
            "short"
        }
    }
    let d = tempfile::tempdir().unwrap();
    let log = run(
        &Short(data(3000)),
        identity("short", 4096),
        d.path(),
        &opts("s"),
    )
    .unwrap();
    let got: Vec<(u64, u64)> = log
        .read_errors
        .iter()
        .map(|e| (e.offset, e.length))
        .collect();
    assert_eq!(got, [(2560, 1536)]);
    assert_eq!(log.total_bytes, 4096);
}

#[test]
fn verify_names_the_altered_segment() {
    let (_d, out, _bytes, _log) = acquired();
    let seg2 = out.join("img.002");
    let mut b = std::fs::read(&seg2).unwrap();
    b[12345] ^= 0x01;
    std::fs::write(&seg2, &b).unwrap();

    let v = verify(&out, None).unwrap();
    assert!(!v.ok);
    let seg_problems: Vec<&String> = v
        .problems
        .iter()
        .filter(|p| p.starts_with("segment"))
        .collect();
    assert_eq!(seg_problems.len(), 1, "{:?}", v.problems);
    let p = seg_problems[0];
    assert!(p.starts_with("segment img.002: sha256 mismatch"), "{p}");
    assert!(
        p.contains(&v.expected.segments[1].sha256) && p.contains(&v.computed.segments[1].sha256)
    );
    assert_ne!(v.expected.segments[1].sha256, v.computed.segments[1].sha256);
    for alg in ["md5", "sha1", "sha256"] {
        assert!(
            v.problems
                .iter()
                .any(|p| p.starts_with(&format!("image {alg} mismatch"))),
            "{:?}",
            v.problems
        );
    }
    assert!(!v
        .problems
        .iter()
        .any(|p| p.contains("img.001") || p.contains("img.003")));
}

#[test]
fn verify_names_a_missing_a_resized_and_an_extra_segment() {
    let (_d, out, _bytes, _log) = acquired();
    std::fs::remove_file(out.join("img.003")).unwrap();
    let v = verify(&out, Some("img")).unwrap();
    assert!(!v.ok);
    assert!(
        v.problems
            .iter()
            .any(|p| p == "segment img.003: missing (log says 1048576 bytes)"),
        "{:?}",
        v.problems
    );
    assert!(v
        .problems
        .iter()
        .any(|p| p.starts_with("image: 2621440 bytes read, log says 3670016")));
    assert_eq!(v.computed.segments.len(), 3);

    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(out.join("img.004"))
        .unwrap();
    f.set_len(1000).unwrap();
    std::fs::write(out.join("img.005"), b"stray").unwrap();
    let v = verify(&out, None).unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| p == "segment img.004: size is 1000 bytes, log says 524288 bytes"),
        "{:?}",
        v.problems
    );
    assert!(v
        .problems
        .iter()
        .any(|p| p.starts_with("segment img.004: sha256 mismatch")));
    assert!(v
        .problems
        .iter()
        .any(|p| p == "segment img.005: present but not listed in the log"));
}

#[test]
fn refuses_to_overwrite_existing_output() {
    let (d, out, _bytes, _log) = acquired();
    let before: Vec<(String, Vec<u8>)> = files_in(&out)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(out.join(&f)).unwrap()))
        .collect();
    let other = data(MIB);
    let src_path = d.path().join("other.dd");
    std::fs::write(&src_path, &other).unwrap();
    let src = RawSource::open(&src_path).unwrap();
    match run(&src, identity("other", MIB), &out, &opts("img")) {
        Err(AcquireError::Exists { path }) => assert!(path.starts_with(&out)),
        other => panic!("expected Exists, got {other:?}"),
    }
    let after: Vec<(String, Vec<u8>)> = files_in(&out)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(out.join(&f)).unwrap()))
        .collect();
    assert_eq!(before, after, "existing evidence changed");

    // A lone stray segment or a leftover partial is enough to refuse.
    for stray in ["x.007", "x.002.partial", "x.acquisition.txt"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(stray), b"keep me").unwrap();
        assert!(matches!(
            run(&src, identity("other", MIB), dir.path(), &opts("x")),
            Err(AcquireError::Exists { .. })
        ));
        assert_eq!(files_in(dir.path()), [stray]);
        assert_eq!(std::fs::read(dir.path().join(stray)).unwrap(), b"keep me");
    }
}

#[test]
fn a_name_taken_during_acquisition_fails_and_leaves_nothing_behind() {
    let (_d, p, _bytes) = evidence_file();
    let out = tempfile::tempdir().unwrap();
    let src = RawSource::open(&p).unwrap();
    let interloper = out.path().join("img.acquisition.json");
    let mut progress = |n: u64| {
        if n == MIB as u64 {
            std::fs::write(&interloper, b"someone else's").unwrap();
        }
    };
    let r = acquire(
        &src,
        identity("e", 0),
        out.path(),
        &opts("img"),
        &mut progress,
        &clock(),
    );
    match r {
        Err(AcquireError::Exists { path }) => assert_eq!(path, interloper),
        other => panic!("expected Exists, got {other:?}"),
    }
    assert_eq!(files_in(out.path()), ["img.acquisition.json"]);
    assert_eq!(std::fs::read(&interloper).unwrap(), b"someone else's");
}

#[test]
fn bad_options_and_empty_sources_create_nothing() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let f = Faulty {
        data: data(4096),
        bad: vec![],
    };
    let o = AcquireOptions {
        segment_size: 1000,
        ..opts("x")
    };
    assert!(matches!(
        run(&f, identity("f", 4096), &out, &o),
        Err(AcquireError::BadOptions(_))
    ));
    let o = AcquireOptions {
        segment_size: 512,
        ..opts("x")
    };
    let big = Faulty {
        data: data(512 * 1000),
        bad: vec![],
    };
    assert!(matches!(
        run(&big, identity("f", 0), &out, &o),
        Err(AcquireError::BadOptions(_))
    ));
    let empty = Faulty {
        data: vec![],
        bad: vec![],
    };
    assert!(matches!(
        run(&empty, identity("f", 0), &out, &opts("x")),
        Err(AcquireError::EmptySource { .. })
    ));
    assert!(!out.exists());
}

#[test]
fn verify_reports_missing_ambiguous_and_corrupt_logs() {
    let d = tempfile::tempdir().unwrap();
    assert!(matches!(
        verify(d.path(), None),
        Err(AcquireError::LogMissing { .. })
    ));
    assert!(matches!(
        verify(&d.path().join("nope"), None),
        Err(AcquireError::LogMissing { .. })
    ));
    assert!(matches!(
        verify(d.path(), Some("img")),
        Err(AcquireError::LogMissing { .. })
    ));

    let f = Faulty {
        data: data(2048),
        bad: vec![],
    };
    run(&f, identity("a", 2048), d.path(), &opts("a")).unwrap();
    run(&f, identity("b", 2048), d.path(), &opts("b")).unwrap();
    match verify(d.path(), None) {
        Err(AcquireError::AmbiguousLog { names, .. }) => assert_eq!(names, ["a", "b"]),
        other => panic!("expected AmbiguousLog, got {other:?}"),
    }
    assert!(verify(d.path(), Some("b")).unwrap().ok);

    std::fs::write(d.path().join("a.acquisition.json"), b"{ not json").unwrap();
    assert!(matches!(
        verify(d.path(), Some("a")),
        Err(AcquireError::LogCorrupt { .. })
    ));
    let mut log: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("b.acquisition.json")).unwrap(),
    )
    .unwrap();
    log["segments"][0]["file"] = "../../etc/passwd".into();
    std::fs::write(d.path().join("b.acquisition.json"), log.to_string()).unwrap();
    assert!(matches!(
        verify(d.path(), Some("b")),
        Err(AcquireError::LogCorrupt { .. })
    ));
}
