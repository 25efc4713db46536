//! Imaging a [`Source`] into hashed raw segments, with read-error recovery.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use exhibit_evidence::Source;
use exhibit_hash::{Algorithm, MultiHasher};

use crate::log::{
    AcquisitionLog, CaseInfo, ImageHashes, ReadError, SegmentRecord, LOG_FORMAT, LOG_JSON_SUFFIX,
    LOG_TXT_SUFFIX,
};
use crate::{AcquireError, SourceIdentity};

/// Suffix of every output file while the acquisition is running.
pub const PARTIAL_SUFFIX: &str = ".partial";

/// Segments are numbered `.001` to `.999` (three digits, as split tools and
/// [`exhibit_evidence::SplitRawSource`] expect).
pub const MAX_SEGMENTS: u64 = 999;

const MIB: u64 = 1 << 20;

/// How to acquire, and the particulars recorded in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireOptions {
    /// Base name of the image: segments are `{name}.001`, `{name}.002`, …
    /// and the logs `{name}.acquisition.json` / `.txt`. A plain file name
    /// (no `/`, not starting with `.`).
    pub name: String,
    /// Maximum size of one segment in bytes: a multiple of 512, > 0.
    /// Default 2 GiB.
    pub segment_size: u64,
    /// Sector size in bytes, the unit of re-reads after a read error and of
    /// zero-filling: a power of two, at least 512. Default 512.
    pub sector_size: u64,
    /// Bytes per read request: a multiple of `sector_size`, at most 64 MiB.
    /// Default 1 MiB.
    pub block_size: u64,
    /// Tool name and version recorded in the log, e.g. `"exhibit 0.1.0"`.
    pub tool: String,
    /// Name of the examiner.
    pub examiner: String,
    /// Case number.
    pub case_number: String,
    /// Evidence (exhibit) number.
    pub evidence_number: String,
    /// Description of the evidence item.
    pub description: String,
}

impl Default for AcquireOptions {
    fn default() -> Self {
        AcquireOptions {
            name: "image".into(),
            segment_size: 2 << 30,
            sector_size: 512,
            block_size: MIB,
            tool: concat!("exhibit-acquire ", env!("CARGO_PKG_VERSION")).into(),
            examiner: String::new(),
            case_number: String::new(),
            evidence_number: String::new(),
            description: String::new(),
        }
    }
}

impl AcquireOptions {
    /// Checks the options; the error names the offending one.
    pub fn validate(&self) -> Result<(), AcquireError> {
        let bad = |s: String| Err(AcquireError::BadOptions(s));
        let n = &self.name;
        if n.is_empty()
            || n.starts_with('.')
            || n.len() > 200
            || n.chars().any(|c| c == '/' || c == '\\' || c.is_control())
        {
            return bad(format!(
                "image name {n:?} must be a plain file name (no '/', no leading '.', no control characters)"
            ));
        }
        if self.segment_size == 0 || !self.segment_size.is_multiple_of(512) {
            return bad(format!(
                "segment size {} must be a positive multiple of 512",
                self.segment_size
            ));
        }
        if !self.sector_size.is_power_of_two() || self.sector_size < 512 {
            return bad(format!(
                "sector size {} must be a power of two of at least 512",
                self.sector_size
            ));
        }
        if self.block_size == 0
            || !self.block_size.is_multiple_of(self.sector_size)
            || self.block_size > 64 * MIB
        {
            return bad(format!(
                "read block size {} must be a multiple of the sector size {} and at most 64 MiB",
                self.block_size, self.sector_size
            ));
        }
        Ok(())
    }
}

/// Images `source` into `out_dir` as `{name}.001`, `{name}.002`, … and
/// writes `{name}.acquisition.json` and `{name}.acquisition.txt`.
///
/// The source is only ever read. It is read in blocks of `block_size`; a
/// block that fails is re-read sector by sector, and every sector that
/// still fails is zero-filled and recorded (adjacent ones merged into one
/// [`ReadError`]). Read errors never stop the acquisition; write errors do.
/// MD5, SHA-1 and SHA-256 of the data are computed as it is read, and
/// SHA-256 of each segment as it is written.
///
/// Nothing existing is overwritten: if any output name (or a `.partial` of
/// one, or another segment of the same name) exists in `out_dir`, the
/// acquisition is refused with [`AcquireError::Exists`]. Output is written
/// under `*.partial` names, synced, and moved into place (without replacing
/// anything) only when complete, the JSON log last; on failure everything
/// this call created is removed.
///
/// `progress` is called after each block with the number of bytes done so
/// far; `now` supplies the start and end times.
pub fn acquire(
    source: &dyn Source,
    source_identity: SourceIdentity,
    out_dir: &Path,
    opts: &AcquireOptions,
    progress: &mut dyn FnMut(u64),
    now: &dyn Fn() -> jiff::Timestamp,
) -> Result<AcquisitionLog, AcquireError> {
    opts.validate()?;
    let len = source.len();
    if len == 0 {
        return Err(AcquireError::EmptySource {
            name: source.name().to_string(),
        });
    }
    let count = len.div_ceil(opts.segment_size);
    if count > MAX_SEGMENTS {
        return Err(AcquireError::BadOptions(format!(
            "{len} bytes in segments of {} bytes would need {count} segments; at most {MAX_SEGMENTS} are possible",
            opts.segment_size
        )));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| AcquireError::io(out_dir, e))?;
    refuse_existing(out_dir, &opts.name)?;

    let mut cleanup = Cleanup::default();
    let started = now();
    let mut image = MultiHasher::new(&[Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256]);
    let mut writer = SegmentWriter::new(out_dir, &opts.name, opts.segment_size);
    let mut read_errors = Vec::new();
    let block = usize::try_from(opts.block_size)
        .map_err(|_| AcquireError::BadOptions("read block size too large".into()))?;
    let sector = usize::try_from(opts.sector_size)
        .map_err(|_| AcquireError::BadOptions("sector size too large".into()))?;
    let mut buf = vec![0u8; block];
    let mut offset = 0u64;
    while offset < len {
        let want = (len - offset).min(opts.block_size) as usize;
        let Some(chunk) = buf.get_mut(..want) else {
            break;
        };
        read_block(source, offset, chunk, sector, &mut read_errors);
        image.update(chunk);
        writer.write(chunk, &mut cleanup)?;
        offset += want as u64;
        progress(offset);
    }
    let finished_segments = writer.finish()?;
    let digests = image.try_finish()?;
    let finished = now();

    let log = AcquisitionLog {
        format: LOG_FORMAT.into(),
        tool: opts.tool.clone(),
        name: opts.name.clone(),
        case: CaseInfo {
            examiner: opts.examiner.clone(),
            case_number: opts.case_number.clone(),
            evidence_number: opts.evidence_number.clone(),
            description: opts.description.clone(),
        },
        source: source_identity,
        started,
        finished,
        sector_size: opts.sector_size,
        segment_size: opts.segment_size,
        block_size: opts.block_size,
        total_bytes: len,
        segments: finished_segments.iter().map(|s| s.record.clone()).collect(),
        hashes: ImageHashes {
            md5: digests.hex(Algorithm::Md5).unwrap_or_default(),
            sha1: digests.hex(Algorithm::Sha1).unwrap_or_default(),
            sha256: digests.hex(Algorithm::Sha256).unwrap_or_default(),
        },
        read_errors,
    };

    let json_name = format!("{}{LOG_JSON_SUFFIX}", opts.name);
    let txt_name = format!("{}{LOG_TXT_SUFFIX}", opts.name);
    let json = log.to_json().map_err(|e| AcquireError::LogCorrupt {
        path: out_dir.join(&json_name),
        what: format!("cannot serialise: {e}"),
    })?;
    let json_partial = partial_path(out_dir, &json_name);
    let txt_partial = partial_path(out_dir, &txt_name);
    write_new(&txt_partial, log.to_text().as_bytes(), &mut cleanup)?;
    write_new(&json_partial, json.as_bytes(), &mut cleanup)?;

    // Into place: segments, then the text log, the JSON log last (its
    // presence means the acquisition is complete).
    for s in &finished_segments {
        place(&s.partial, &out_dir.join(&s.record.file), &mut cleanup)?;
    }
    place(&txt_partial, &out_dir.join(&txt_name), &mut cleanup)?;
    place(&json_partial, &out_dir.join(&json_name), &mut cleanup)?;
    sync_dir(out_dir);
    cleanup.disarm();
    Ok(log)
}

/// Reads `buf.len()` bytes at `offset`; on failure re-reads sector by
/// sector, zero-filling and recording the sectors that still fail.
fn read_block(
    source: &dyn Source,
    offset: u64,
    buf: &mut [u8],
    sector: usize,
    errors: &mut Vec<ReadError>,
) {
    if fill(source, offset, buf).is_ok() {
        return;
    }
    let mut at = offset;
    for chunk in buf.chunks_mut(sector) {
        if let Err(message) = fill(source, at, chunk) {
            chunk.fill(0);
            record(errors, at, chunk.len() as u64, message);
        }
        at += chunk.len() as u64;
    }
}

/// Fills `buf` from `offset`; a source that ends early counts as an error.
fn fill(source: &dyn Source, offset: u64, buf: &mut [u8]) -> Result<(), String> {
    let mut done = 0usize;
    while done < buf.len() {
        let pos = offset + done as u64;
        let Some(rest) = buf.get_mut(done..) else {
            break;
        };
        match source.read_at(pos, rest) {
            Ok(0) => {
                return Err(format!(
                    "short read: no data at offset {pos} although the source is {} bytes",
                    source.len()
                ))
            }
            Ok(n) => done += n.min(rest.len()),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// Records a zero-filled range, merging it into the previous one if adjacent.
pub(crate) fn record(errors: &mut Vec<ReadError>, offset: u64, length: u64, message: String) {
    if let Some(last) = errors.last_mut() {
        if last.end() == offset {
            last.length += length;
            return;
        }
    }
    errors.push(ReadError {
        offset,
        length,
        message,
    });
}

/// Fails with [`AcquireError::Exists`] if anything of image `name` (a
/// segment, a log, or a `.partial` of either) is already in `dir`.
fn refuse_existing(dir: &Path, name: &str) -> Result<(), AcquireError> {
    let entries = std::fs::read_dir(dir).map_err(|e| AcquireError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| AcquireError::io(dir, e))?;
        let file = entry.file_name();
        if file.to_str().is_some_and(|f| belongs_to(f, name)) {
            return Err(AcquireError::Exists { path: entry.path() });
        }
    }
    Ok(())
}

/// True when `file` is an output name of image `name`: `{name}.NNN`,
/// `{name}.acquisition.json|txt`, or one of those with `.partial`.
fn belongs_to(file: &str, name: &str) -> bool {
    let Some(rest) = file.strip_prefix(name).and_then(|r| r.strip_prefix('.')) else {
        return false;
    };
    let rest = rest.strip_suffix(PARTIAL_SUFFIX).unwrap_or(rest);
    (rest.len() == 3 && rest.bytes().all(|b| b.is_ascii_digit()))
        || rest == "acquisition.json"
        || rest == "acquisition.txt"
}

fn partial_path(dir: &Path, file: &str) -> PathBuf {
    dir.join(format!("{file}{PARTIAL_SUFFIX}"))
}

/// Creates `path` (which must not exist), writes `data` and syncs it.
fn write_new(path: &Path, data: &[u8], cleanup: &mut Cleanup) -> Result<(), AcquireError> {
    let mut f = create_new(path, cleanup)?;
    f.write_all(data).map_err(|e| AcquireError::io(path, e))?;
    f.sync_all().map_err(|e| AcquireError::io(path, e))
}

/// Creates a new file for writing; never opens an existing one.
fn create_new(path: &Path, cleanup: &mut Cleanup) -> Result<File, AcquireError> {
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| AcquireError::io(path, e))?;
    cleanup.paths.push(path.to_path_buf());
    Ok(f)
}

/// Moves `partial` to `target` without ever replacing an existing file: a
/// hard link (which fails if `target` exists) then removal of `partial`; on
/// file systems without hard links, a check and a rename.
fn place(partial: &Path, target: &Path, cleanup: &mut Cleanup) -> Result<(), AcquireError> {
    match std::fs::hard_link(partial, target) {
        Ok(()) => {
            cleanup.paths.push(target.to_path_buf());
            std::fs::remove_file(partial).map_err(|e| AcquireError::io(partial, e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(AcquireError::Exists {
            path: target.to_path_buf(),
        }),
        Err(_) => {
            if target.symlink_metadata().is_ok() {
                return Err(AcquireError::Exists {
                    path: target.to_path_buf(),
                });
            }
            std::fs::rename(partial, target).map_err(|e| AcquireError::io(target, e))?;
            cleanup.paths.push(target.to_path_buf());
            Ok(())
        }
    }
}

/// Makes the new directory entries durable (best effort: not every file
/// system supports syncing a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes the files this acquisition created unless disarmed: a failed
/// acquisition leaves nothing half-written behind.
#[derive(Default)]
struct Cleanup {
    paths: Vec<PathBuf>,
    done: bool,
}

impl Cleanup {
    fn disarm(&mut self) {
        self.done = true;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if !self.done {
            for p in self.paths.iter().rev() {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// A segment that has been written and synced, still under its partial name.
struct FinishedSegment {
    partial: PathBuf,
    record: SegmentRecord,
}

struct OpenSegment {
    file: File,
    partial: PathBuf,
    name: String,
    written: u64,
    hasher: MultiHasher,
}

/// Splits the image stream over segment files, hashing each.
struct SegmentWriter<'a> {
    dir: &'a Path,
    name: &'a str,
    segment_size: u64,
    current: Option<OpenSegment>,
    done: Vec<FinishedSegment>,
}

impl<'a> SegmentWriter<'a> {
    fn new(dir: &'a Path, name: &'a str, segment_size: u64) -> Self {
        SegmentWriter {
            dir,
            name,
            segment_size,
            current: None,
            done: Vec::new(),
        }
    }

    fn write(&mut self, mut data: &[u8], cleanup: &mut Cleanup) -> Result<(), AcquireError> {
        while !data.is_empty() {
            let cur = match &mut self.current {
                Some(c) => c,
                None => {
                    let name = format!("{}.{:03}", self.name, self.done.len() + 1);
                    let partial = partial_path(self.dir, &name);
                    let file = create_new(&partial, cleanup)?;
                    self.current.insert(OpenSegment {
                        file,
                        partial,
                        name,
                        written: 0,
                        hasher: MultiHasher::new(&[Algorithm::Sha256]),
                    })
                }
            };
            let room = self.segment_size - cur.written;
            let n = (data.len() as u64).min(room) as usize;
            let (now, rest) = data.split_at(n);
            cur.file
                .write_all(now)
                .map_err(|e| AcquireError::io(&cur.partial, e))?;
            cur.hasher.update(now);
            cur.written += n as u64;
            data = rest;
            if cur.written == self.segment_size {
                self.close()?;
            }
        }
        Ok(())
    }

    /// Syncs and closes the open segment, if any.
    fn close(&mut self) -> Result<(), AcquireError> {
        if let Some(seg) = self.current.take() {
            seg.file
                .sync_all()
                .map_err(|e| AcquireError::io(&seg.partial, e))?;
            let digests = seg.hasher.try_finish()?;
            self.done.push(FinishedSegment {
                partial: seg.partial,
                record: SegmentRecord {
                    file: seg.name,
                    size: seg.written,
                    sha256: digests.hex(Algorithm::Sha256).unwrap_or_default(),
                },
            });
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<FinishedSegment>, AcquireError> {
        self.close()?;
        Ok(self.done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_errors_merge_and_gaps_do_not() {
        let mut e = Vec::new();
        record(&mut e, 512, 512, "a".into());
        record(&mut e, 1024, 512, "b".into());
        record(&mut e, 2048, 100, "c".into());
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].offset, e[0].length, e[0].message.as_str()),
            (512, 1024, "a")
        );
        assert_eq!((e[1].offset, e[1].length), (2048, 100));
    }

    #[test]
    fn output_names_are_recognised() {
        for f in [
            "img.001",
            "img.999.partial",
            "img.acquisition.json",
            "img.acquisition.txt.partial",
        ] {
            assert!(belongs_to(f, "img"), "{f}");
        }
        for f in [
            "img",
            "img.0001",
            "img.E01",
            "imgx.001",
            "other.001",
            "img.acquisition.log",
        ] {
            assert!(!belongs_to(f, "img"), "{f}");
        }
    }

    #[test]
    fn options_are_checked() {
        assert!(AcquireOptions::default().validate().is_ok());
        let bad = [
            AcquireOptions {
                segment_size: 0,
                ..Default::default()
            },
            AcquireOptions {
                segment_size: 1000,
                ..Default::default()
            },
            AcquireOptions {
                sector_size: 500,
                ..Default::default()
            },
            AcquireOptions {
                sector_size: 256,
                ..Default::default()
            },
            AcquireOptions {
                block_size: 1000,
                ..Default::default()
            },
            AcquireOptions {
                name: String::new(),
                ..Default::default()
            },
            AcquireOptions {
                name: "../x".into(),
                ..Default::default()
            },
            AcquireOptions {
                name: ".hidden".into(),
                ..Default::default()
            },
        ];
        for o in bad {
            assert!(
                matches!(o.validate(), Err(AcquireError::BadOptions(_))),
                "{o:?}"
            );
        }
    }
}
