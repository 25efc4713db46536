use std::fs::File;
use std::path::{Path, PathBuf};

use crate::raw::{file_len, open_read_only, pread_full};
use crate::{EvidenceError, Source};

/// How the segments of a split image are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// `.000`, `.001`, … (or `.001`, `.002`, …): decimal of fixed width.
    Numeric { width: usize },
    /// `.aa`, `.ab`, … `.zz` (as written by `split`), lower or upper case.
    Alpha { width: usize, upper: bool },
}

/// Splits `path` into (stem with trailing dot, scheme, index) if its
/// extension is a split-segment extension.
fn parse_segment_name(path: &Path) -> Option<(String, Scheme, u64)> {
    let s = path.to_str()?;
    let dot = s.rfind('.')?;
    let (stem, ext) = (&s[..=dot], &s[dot + 1..]);
    if stem.len() <= 1 || ext.is_empty() || ext.contains('/') {
        return None;
    }
    if ext.len() >= 2 && ext.len() <= 4 && ext.bytes().all(|b| b.is_ascii_digit()) {
        let idx: u64 = ext.parse().ok()?;
        return Some((stem.to_string(), Scheme::Numeric { width: ext.len() }, idx));
    }
    let lower = ext.bytes().all(|b| b.is_ascii_lowercase());
    let upper = ext.bytes().all(|b| b.is_ascii_uppercase());
    if ext.len() == 2 && (lower || upper) {
        let base = if upper { b'A' } else { b'a' };
        let idx = ext
            .bytes()
            .fold(0u64, |acc, b| acc * 26 + u64::from(b - base));
        return Some((stem.to_string(), Scheme::Alpha { width: 2, upper }, idx));
    }
    None
}

fn segment_name(stem: &str, scheme: Scheme, idx: u64) -> Option<PathBuf> {
    match scheme {
        Scheme::Numeric { width } => {
            let s = format!("{idx:0width$}");
            (s.len() == width).then(|| PathBuf::from(format!("{stem}{s}")))
        }
        Scheme::Alpha { width, upper } => {
            let base = if upper { b'A' } else { b'a' };
            let mut chars = vec![base; width];
            let mut v = idx;
            for c in chars.iter_mut().rev() {
                *c = base + (v % 26) as u8;
                v /= 26;
            }
            (v == 0).then(|| PathBuf::from(format!("{stem}{}", String::from_utf8_lossy(&chars))))
        }
    }
}

/// True when `path` looks like a segment of a split raw image and its
/// successor exists (so a lone `disk.001` stays a plain raw image).
pub(crate) fn looks_split(path: &Path) -> bool {
    match parse_segment_name(path) {
        Some((stem, scheme, idx)) => {
            let next = segment_name(&stem, scheme, idx + 1);
            let prev = idx
                .checked_sub(1)
                .and_then(|p| segment_name(&stem, scheme, p));
            next.is_some_and(|p| p.exists()) || prev.is_some_and(|p| p.exists())
        }
        None => false,
    }
}

struct Segment {
    file: File,
    path: PathBuf,
    start: u64,
    len: u64,
}

/// A raw image split over several files, read as one.
pub struct SplitRawSource {
    segments: Vec<Segment>,
    len: u64,
    name: String,
}

impl SplitRawSource {
    /// Opens the set that `path` belongs to. Any segment may be named: the
    /// set is walked back to its first segment, then forward to its last.
    /// A gap in the numbering is an error, not a shorter image.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, EvidenceError> {
        let path = path.as_ref();
        let (stem, scheme, mut idx) =
            parse_segment_name(path).ok_or_else(|| EvidenceError::Unsupported {
                path: path.to_path_buf(),
                what: "not a split-image segment name (.000/.001/.aa)".into(),
            })?;
        if !path.exists() {
            return Err(EvidenceError::NotFound {
                path: path.to_path_buf(),
            });
        }
        while let Some(prev) = idx
            .checked_sub(1)
            .and_then(|p| segment_name(&stem, scheme, p))
        {
            if !prev.exists() {
                break;
            }
            idx -= 1;
        }
        let mut segments = Vec::new();
        let mut start = 0u64;
        while let Some(p) = segment_name(&stem, scheme, idx) {
            if !p.exists() {
                break;
            }
            let file = open_read_only(&p)?;
            let len = file_len(&file, &p)?;
            if len == 0 {
                return Err(EvidenceError::Empty { path: p });
            }
            segments.push(Segment {
                file,
                path: p,
                start,
                len,
            });
            start += len;
            idx += 1;
        }
        // A missing segment in the middle leaves later ones orphaned: look a
        // few numbers ahead so that the gap is reported, not silently cut.
        for ahead in 1..=8 {
            if let Some(p) = segment_name(&stem, scheme, idx + ahead) {
                if p.exists() {
                    let expected = segment_name(&stem, scheme, idx)
                        .map(|m| m.display().to_string())
                        .unwrap_or_default();
                    return Err(EvidenceError::MissingSegment {
                        path: segments
                            .first()
                            .map(|s| s.path.clone())
                            .unwrap_or_else(|| path.to_path_buf()),
                        expected,
                    });
                }
            }
        }
        let name = segments
            .first()
            .map(|s| s.path.display().to_string())
            .unwrap_or_else(|| path.display().to_string());
        Ok(SplitRawSource {
            segments,
            len: start,
            name,
        })
    }

    /// Paths of the segments, in order.
    pub fn segment_paths(&self) -> Vec<&Path> {
        self.segments.iter().map(|s| s.path.as_path()).collect()
    }
}

impl Source for SplitRawSource {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            if pos >= self.len {
                break;
            }
            let i = self.segments.partition_point(|s| s.start + s.len <= pos);
            let Some(seg) = self.segments.get(i) else {
                break;
            };
            let within = pos - seg.start;
            let want = (buf.len() - done).min((seg.len - within).min(usize::MAX as u64) as usize);
            let n = pread_full(&seg.file, &seg.path, within, &mut buf[done..done + want])?;
            if n < want {
                // The segment shrank after it was opened: never return a
                // silently shorter read in the middle of the image.
                return Err(EvidenceError::Corrupt {
                    path: seg.path.clone(),
                    offset: within + n as u64,
                    what: "segment shorter than when opened".into(),
                });
            }
            done += n;
        }
        Ok(done)
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let (stem, scheme, idx) = parse_segment_name(Path::new("/x/disk.001")).unwrap();
        assert_eq!(idx, 1);
        assert_eq!(
            segment_name(&stem, scheme, 12).unwrap(),
            PathBuf::from("/x/disk.012")
        );
        assert!(segment_name(&stem, scheme, 1000).is_none());
        let (stem, scheme, idx) = parse_segment_name(Path::new("img.ab")).unwrap();
        assert_eq!(idx, 1);
        assert_eq!(
            segment_name(&stem, scheme, 26).unwrap(),
            PathBuf::from("img.ba")
        );
        assert!(parse_segment_name(Path::new("img.E01")).is_none());
        assert!(parse_segment_name(Path::new("img.raw")).is_none());
    }

    fn write(dir: &Path, name: &str, data: &[u8]) {
        std::fs::write(dir.join(name), data).unwrap();
    }

    #[test]
    fn reads_across_segments_and_finds_first() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a.aa", b"hello ");
        write(d.path(), "a.ab", b"split ");
        write(d.path(), "a.ac", b"world");
        let s = SplitRawSource::open(d.path().join("a.ab")).unwrap();
        assert_eq!(s.len(), 17);
        let mut buf = vec![0u8; 17];
        s.read_exact_at(0, &mut buf).unwrap();
        assert_eq!(&buf, b"hello split world");
        let mut b = [0u8; 4];
        s.read_exact_at(4, &mut b).unwrap();
        assert_eq!(&b, b"o sp");
    }

    #[test]
    fn gap_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "b.001", b"one");
        write(d.path(), "b.002", b"two");
        write(d.path(), "b.004", b"four");
        match SplitRawSource::open(d.path().join("b.001")) {
            Err(EvidenceError::MissingSegment { expected, .. }) => {
                assert!(expected.ends_with("b.003"), "{expected}")
            }
            other => panic!("expected MissingSegment, got {:?}", other.err()),
        }
    }
}
