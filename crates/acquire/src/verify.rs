//! Re-reading an acquired image and checking it against its log.

use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

use exhibit_hash::{Algorithm, MultiHasher};
use serde::Serialize;

use crate::acquire::MAX_SEGMENTS;
use crate::log::{AcquisitionLog, ImageHashes, SegmentRecord, LOG_FORMAT, LOG_JSON_SUFFIX};
use crate::AcquireError;

const READ_SIZE: usize = 1 << 20;

/// Sizes and hashes of an image: as recorded in the log, or as recomputed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImageSummary {
    /// Total bytes (recomputed: bytes of the segments that could be read).
    pub total_bytes: u64,
    /// Hashes of the whole image (recomputed: of the segments present, in
    /// order).
    pub hashes: ImageHashes,
    /// Per-segment sizes and SHA-256 (recomputed: only segments present).
    pub segments: Vec<SegmentRecord>,
}

/// The result of [`verify`]: whether the image matches its log, and if not,
/// every discrepancy found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyOutcome {
    /// True when no problem was found.
    pub ok: bool,
    /// The acquisition log that was checked.
    pub log_path: PathBuf,
    /// One line per discrepancy, naming the segment, the hash, the expected
    /// and the actual value.
    pub problems: Vec<String>,
    /// What was recomputed from the segment files.
    pub computed: ImageSummary,
    /// What the log records.
    pub expected: ImageSummary,
}

/// Verifies the image whose log is `{name}.acquisition.json` in `dir` (or
/// the only `*.acquisition.json` there when `name` is `None`).
///
/// Every segment listed in the log is re-read, read-only, in order as one
/// image; MD5, SHA-1 and SHA-256 of the whole and SHA-256 of each segment
/// are recomputed and compared with the log. Missing, resized or altered
/// segments, a segment file beyond those listed, and hash mismatches are
/// reported as problems, not errors. Errors are for a missing, ambiguous or
/// corrupt log, and for files that exist but cannot be read.
pub fn verify(dir: &Path, name: Option<&str>) -> Result<VerifyOutcome, AcquireError> {
    let log_path = find_log(dir, name)?;
    let text = std::fs::read_to_string(&log_path).map_err(|e| AcquireError::io(&log_path, e))?;
    let log: AcquisitionLog =
        serde_json::from_str(&text).map_err(|e| AcquireError::LogCorrupt {
            path: log_path.clone(),
            what: e.to_string(),
        })?;
    check_log(&log, &log_path)?;

    let mut problems = Vec::new();
    let listed: u64 = log.segments.iter().map(|s| s.size).sum();
    if listed != log.total_bytes {
        problems.push(format!(
            "log inconsistent: segment sizes add up to {listed} bytes, total is {} bytes",
            log.total_bytes
        ));
    }

    let mut image = MultiHasher::new(&[Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256]);
    let mut computed_segments = Vec::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; READ_SIZE];
    for seg in &log.segments {
        let path = dir.join(&seg.file);
        let Some(actual) = hash_segment(&path, &mut image, &mut buf)? else {
            problems.push(format!(
                "segment {}: missing (log says {} bytes)",
                seg.file, seg.size
            ));
            continue;
        };
        total += actual.0;
        if actual.0 != seg.size {
            problems.push(format!(
                "segment {}: size is {} bytes, log says {} bytes",
                seg.file, actual.0, seg.size
            ));
        }
        if !actual.1.eq_ignore_ascii_case(&seg.sha256) {
            problems.push(format!(
                "segment {}: sha256 mismatch: log says {}, computed {}",
                seg.file, seg.sha256, actual.1
            ));
        }
        computed_segments.push(SegmentRecord {
            file: seg.file.clone(),
            size: actual.0,
            sha256: actual.1,
        });
    }

    let next = log.segments.len() as u64 + 1;
    if next <= MAX_SEGMENTS {
        let extra = format!("{}.{next:03}", log.name);
        if dir.join(&extra).symlink_metadata().is_ok() {
            problems.push(format!(
                "segment {extra}: present but not listed in the log"
            ));
        }
    }

    let digests = image.try_finish()?;
    let hashes = ImageHashes {
        md5: digests.hex(Algorithm::Md5).unwrap_or_default(),
        sha1: digests.hex(Algorithm::Sha1).unwrap_or_default(),
        sha256: digests.hex(Algorithm::Sha256).unwrap_or_default(),
    };
    if total != log.total_bytes {
        problems.push(format!(
            "image: {total} bytes read, log says {} bytes",
            log.total_bytes
        ));
    }
    for (alg, expected, actual) in [
        ("md5", &log.hashes.md5, &hashes.md5),
        ("sha1", &log.hashes.sha1, &hashes.sha1),
        ("sha256", &log.hashes.sha256, &hashes.sha256),
    ] {
        if !actual.eq_ignore_ascii_case(expected) {
            problems.push(format!(
                "image {alg} mismatch: log says {expected}, computed {actual}"
            ));
        }
    }

    Ok(VerifyOutcome {
        ok: problems.is_empty(),
        log_path,
        problems,
        computed: ImageSummary {
            total_bytes: total,
            hashes,
            segments: computed_segments,
        },
        expected: ImageSummary {
            total_bytes: log.total_bytes,
            hashes: log.hashes,
            segments: log.segments,
        },
    })
}

/// The log to verify: `{name}.acquisition.json`, or the only one in `dir`.
fn find_log(dir: &Path, name: Option<&str>) -> Result<PathBuf, AcquireError> {
    let missing = || AcquireError::LogMissing {
        dir: dir.to_path_buf(),
    };
    if let Some(name) = name {
        if name.is_empty() || name.contains('/') {
            return Err(missing());
        }
        let p = dir.join(format!("{name}{LOG_JSON_SUFFIX}"));
        return if p.is_file() { Ok(p) } else { Err(missing()) };
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
        Err(e) => return Err(AcquireError::io(dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| AcquireError::io(dir, e))?;
        if let Some(n) = entry
            .file_name()
            .to_str()
            .and_then(|f| f.strip_suffix(LOG_JSON_SUFFIX))
        {
            if !n.is_empty() {
                names.push(n.to_string());
            }
        }
    }
    names.sort();
    match names.as_slice() {
        [] => Err(missing()),
        [one] => Ok(dir.join(format!("{one}{LOG_JSON_SUFFIX}"))),
        _ => Err(AcquireError::AmbiguousLog {
            dir: dir.to_path_buf(),
            names,
        }),
    }
}

/// Rejects logs this code cannot trust to name files inside the directory.
fn check_log(log: &AcquisitionLog, path: &Path) -> Result<(), AcquireError> {
    let corrupt = |what: String| {
        Err(AcquireError::LogCorrupt {
            path: path.to_path_buf(),
            what,
        })
    };
    if log.format != LOG_FORMAT {
        return corrupt(format!(
            "unknown log format {:?} (expected {LOG_FORMAT:?})",
            log.format
        ));
    }
    if log.segments.is_empty() {
        return corrupt("no segments listed".into());
    }
    for s in &log.segments {
        if s.file.is_empty() || s.file.contains('/') || s.file.starts_with('.') {
            return corrupt(format!(
                "segment name {:?} is not a plain file name",
                s.file
            ));
        }
    }
    Ok(())
}

/// Reads one segment read-only, feeding `image`; returns its size and
/// SHA-256, or `None` if the file does not exist.
fn hash_segment(
    path: &Path,
    image: &mut MultiHasher,
    buf: &mut [u8],
) -> Result<Option<(u64, String)>, AcquireError> {
    let mut file = match OpenOptions::new().read(true).write(false).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AcquireError::io(path, e)),
    };
    let mut seg = MultiHasher::new(&[Algorithm::Sha256]);
    let mut size = 0u64;
    loop {
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(AcquireError::io(path, e)),
        };
        let data = buf.get(..n).unwrap_or_default();
        image.update(data);
        seg.update(data);
        size += n as u64;
    }
    let sha256 = seg.try_finish()?.hex(Algorithm::Sha256).unwrap_or_default();
    Ok(Some((size, sha256)))
}
