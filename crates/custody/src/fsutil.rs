//! Append discipline shared by the log and the checkpoints file: an
//! exclusive lock file, reading the last line, one `write` call in append
//! mode, then `fsync`. Nothing here ever truncates or rewrites a file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{CustodyError, Result};

/// The lock file guarding `path`: `<path>.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".lock");
    PathBuf::from(s)
}

/// An exclusive lock held by this process: an OS file lock (`flock`) on
/// `<target>.lock`. The OS drops it when the process dies, so a killed run
/// never leaves the case locked; the lock file itself stays (deleting it
/// would let two writers lock two different files).
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    path: PathBuf,
}

impl LockGuard {
    /// Takes the lock of `target`; fails with [`CustodyError::Locked`] if
    /// another writer holds it.
    pub fn acquire(target: &Path) -> Result<Self> {
        let path = lock_path(target);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| CustodyError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {
                // Best effort: who holds the lock, for a human looking at it.
                let _ = file.set_len(0);
                let _ = writeln!(&file, "pid {}", std::process::id());
                Ok(LockGuard { file, path })
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(CustodyError::Locked { path }),
            Err(std::fs::TryLockError::Error(e)) => Err(CustodyError::io(path, e)),
        }
    }

    /// Releases the lock, reporting failure.
    pub fn release(self) -> Result<()> {
        self.file
            .unlock()
            .map_err(|e| CustodyError::io(&self.path, e))
    }
}

/// The tail of a JSON Lines file.
#[derive(Debug, PartialEq, Eq)]
pub enum Tail {
    /// The file is empty.
    Empty,
    /// The last complete line (without its `\n`) and its 1-based number.
    Line {
        /// The line's bytes, without the terminating newline.
        bytes: Vec<u8>,
        /// 1-based line number.
        number: usize,
    },
    /// The file does not end with `\n`: its last line is partial.
    Partial {
        /// 1-based number of the partial line.
        number: usize,
    },
}

/// A file's identity and state: device, inode, size, modification time.
/// Any write by anyone changes at least the size or the time.
type Stamp = (u64, u64, u64, std::time::SystemTime);

fn stamp(path: &Path) -> Option<Stamp> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some((m.dev(), m.ino(), m.len(), m.modified().ok()?))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// A file's line count as last read or appended by one [`crate::CustodyLog`],
/// valid while the file's [`Stamp`] is unchanged: an appender that keeps its
/// log open (as a case does; the workbench appends on every view) then
/// reads only the last line instead of the whole log. Any other change to
/// the file changes its stamp and brings back the full read, so the
/// appender's checks are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    stamp: Stamp,
    lines: usize,
}

/// Reads the last line of `path` and numbers it. The line count comes
/// from a whole read unless `known` holds it for the file as it is now;
/// `known` is updated either way.
pub fn read_tail(path: &Path, known: &mut Option<Known>) -> Result<Tail> {
    let before = stamp(path);
    if let (Some(st), Some(k)) = (&before, known.as_ref()) {
        if k.stamp == *st {
            if let Some(bytes) = last_line(path, st.2)? {
                return Ok(Tail::Line {
                    bytes,
                    number: k.lines,
                });
            }
        }
    }
    *known = None;
    let tail = scan_tail(path)?;
    if let (Some(st), Tail::Line { number, .. }) = (before, &tail) {
        if stamp(path) == Some(st) {
            *known = Some(Known {
                stamp: st,
                lines: *number,
            });
        }
    }
    Ok(tail)
}

/// The last complete line of a file of `len` bytes that ends with `\n`,
/// read from the end (None if it does not end with one).
fn last_line(path: &Path, len: u64) -> Result<Option<Vec<u8>>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path).map_err(|e| CustodyError::io(path, e))?;
    let mut window: u64 = 64 << 10;
    loop {
        let w = window.min(len);
        f.seek(SeekFrom::Start(len - w))
            .map_err(|e| CustodyError::io(path, e))?;
        let mut buf = vec![0u8; usize::try_from(w).unwrap_or(0)];
        f.read_exact(&mut buf)
            .map_err(|e| CustodyError::io(path, e))?;
        if buf.last() != Some(&b'\n') {
            return Ok(None);
        }
        let body = &buf[..buf.len() - 1];
        match body.iter().rposition(|&b| b == b'\n') {
            Some(i) => return Ok(Some(body[i + 1..].to_vec())),
            None if w == len => return Ok(Some(body.to_vec())),
            None => window = window.saturating_mul(2),
        }
    }
}

/// The last line and the number of lines, from a whole read in chunks
/// through one buffer (a long log costs a read, not an allocation of its
/// size).
fn scan_tail(path: &Path) -> Result<Tail> {
    use std::io::Read;
    let mut f = File::open(path).map_err(|e| CustodyError::io(path, e))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut newlines = 0usize;
    // Bytes after the last newline seen so far, and the line before them.
    let mut current: Vec<u8> = Vec::new();
    let mut last: Vec<u8> = Vec::new();
    let mut any = false;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CustodyError::io(path, e)),
        };
        any = true;
        let chunk = &buf[..n];
        // Counting and searching backwards vectorise; only the last
        // complete line of the chunk is copied.
        let count = chunk.iter().filter(|&&b| b == b'\n').count();
        match chunk.iter().rposition(|&b| b == b'\n') {
            None => current.extend_from_slice(chunk),
            Some(end) => {
                match chunk[..end].iter().rposition(|&b| b == b'\n') {
                    Some(start) => {
                        last.clear();
                        last.extend_from_slice(&chunk[start + 1..end]);
                    }
                    None => {
                        current.extend_from_slice(&chunk[..end]);
                        std::mem::swap(&mut last, &mut current);
                    }
                }
                current.clear();
                current.extend_from_slice(&chunk[end + 1..]);
            }
        }
        newlines += count;
    }
    if !any {
        return Ok(Tail::Empty);
    }
    if !current.is_empty() {
        return Ok(Tail::Partial {
            number: newlines + 1,
        });
    }
    Ok(Tail::Line {
        bytes: last,
        number: newlines,
    })
}

/// Appends `line` (which must end with `\n`) to `path` with a single
/// `write` call on a file opened in append mode, then `fsync`s it.
/// With `create`, a missing file is created (and its directory synced).
/// `known` (see [`Known`]) is advanced by the line when it held the count
/// for the file as it was and nobody else wrote meanwhile, else cleared.
pub fn append_line(
    path: &Path,
    line: &[u8],
    create: bool,
    mut known: Option<&mut Option<Known>>,
) -> Result<()> {
    let existed = path.exists();
    let before = match (stamp(path), known.as_deref_mut()) {
        (Some(st), Some(k)) => k.take().filter(|k| k.stamp == st),
        (_, Some(k)) => k.take(),
        _ => None,
    };
    let mut f = OpenOptions::new()
        .append(true)
        .create(create)
        .open(path)
        .map_err(|e| CustodyError::io(path, e))?;
    let n = f.write(line).map_err(|e| CustodyError::io(path, e))?;
    if n != line.len() {
        return Err(CustodyError::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::WriteZero,
                format!(
                    "short write: {n} of {} bytes; the last line is now partial",
                    line.len()
                ),
            ),
        ));
    }
    f.sync_all().map_err(|e| CustodyError::io(path, e))?;
    if !existed {
        sync_parent(path)?;
    }
    // One more line, if this process knew the count before and nobody else
    // wrote in between (the size grew by exactly this line).
    if let (Some(k), Some(before), Some(after)) = (known, before, stamp(path)) {
        let st = before.stamp;
        let newlines = line.iter().filter(|&&b| b == b'\n').count();
        if after.2 == st.2 + line.len() as u64 && (after.0, after.1) == (st.0, st.1) {
            *k = Some(Known {
                stamp: after,
                lines: before.lines + newlines,
            });
        }
    }
    Ok(())
}

/// `fsync`s the directory holding `path` so a newly created file survives
/// a crash (no-op where directories cannot be opened).
pub fn sync_parent(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| CustodyError::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Splits file contents into lines. Returns the complete lines (without
/// `\n`) and, if the file does not end with `\n`, the partial last line.
pub fn split_lines(data: &[u8]) -> (Vec<&[u8]>, Option<&[u8]>) {
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    // `split` yields a final element after the last '\n': empty when the
    // file ends properly, otherwise the partial line.
    let last = lines.pop().filter(|l| !l.is_empty());
    (lines, last)
}

/// Reads a whole file.
pub fn read_all(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| CustodyError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_tail_across_chunks_equals_a_whole_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        // Lines of many lengths, one longer than a chunk, around chunk edges.
        let mut data = Vec::new();
        let mut n = 0;
        while data.len() < (5 << 20) / 2 {
            n += 1;
            let len = if n == 7 { 1_300_000 } else { (n * 7919) % 3000 };
            data.extend(std::iter::repeat_n(b'a' + (n % 26) as u8, len));
            data.push(b'\n');
        }
        for cut in [data.len(), data.len() - 1, (1 << 20) + 1, 1 << 20, 3] {
            std::fs::write(&p, &data[..cut]).unwrap();
            let whole = &data[..cut];
            let newlines = whole.iter().filter(|&&b| b == b'\n').count();
            let want = if whole.last() != Some(&b'\n') {
                Tail::Partial {
                    number: newlines + 1,
                }
            } else {
                let body = &whole[..whole.len() - 1];
                let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                Tail::Line {
                    bytes: body[start..].to_vec(),
                    number: newlines,
                }
            };
            assert_eq!(read_tail(&p, &mut None).unwrap(), want, "cut {cut}");
        }
    }

    #[test]
    fn split_lines_handles_partial_tail() {
        assert_eq!(split_lines(b""), (vec![], None));
        assert_eq!(split_lines(b"a\nb\n"), (vec![&b"a"[..], b"b"], None));
        assert_eq!(split_lines(b"a\nb"), (vec![&b"a"[..]], Some(&b"b"[..])));
        assert_eq!(split_lines(b"\n"), (vec![&b""[..]], None));
    }

    #[test]
    fn tail_and_lock() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        std::fs::write(&p, b"").unwrap();
        let mut known = None;
        assert_eq!(read_tail(&p, &mut known).unwrap(), Tail::Empty);
        append_line(&p, b"one\n", false, Some(&mut known)).unwrap();
        append_line(&p, b"two\n", false, Some(&mut known)).unwrap();
        let two = Tail::Line {
            bytes: b"two".to_vec(),
            number: 2,
        };
        assert_eq!(read_tail(&p, &mut known).unwrap(), two);
        // Known from the whole read now, and kept across an append.
        assert!(known.is_some());
        append_line(&p, b"three\n", false, Some(&mut known)).unwrap();
        let three = Tail::Line {
            bytes: b"three".to_vec(),
            number: 3,
        };
        assert_eq!(read_tail(&p, &mut known.clone()).unwrap(), three);
        assert_eq!(read_tail(&p, &mut None).unwrap(), three);
        // A write by someone else is seen (the stamp changed).
        std::fs::write(&p, b"one\ntw").unwrap();
        assert_eq!(
            read_tail(&p, &mut known).unwrap(),
            Tail::Partial { number: 2 }
        );

        let g = LockGuard::acquire(&p).unwrap();
        assert!(lock_path(&p).exists());
        match LockGuard::acquire(&p) {
            Err(CustodyError::Locked { path }) => assert_eq!(path, lock_path(&p)),
            other => panic!("expected Locked, got {other:?}"),
        }
        g.release().unwrap();
        drop(LockGuard::acquire(&p).unwrap());
        // Dropping releases too.
        LockGuard::acquire(&p).unwrap().release().unwrap();
    }
}
