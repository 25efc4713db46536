use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::{EvidenceError, Source};

/// Opens `path` for reading only. The open mode is the one place where the
/// read-only guarantee is made, so every file in this crate goes through it.
pub(crate) fn open_read_only(path: &Path) -> Result<File, EvidenceError> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(false)
        .open(path)
        .map_err(|e| EvidenceError::from_open(path, e))
}

/// Size of an open file or block device (block devices report 0 in their
/// metadata, so the end is found by seeking).
pub(crate) fn file_len(file: &File, path: &Path) -> Result<u64, EvidenceError> {
    use std::io::{Seek, SeekFrom};
    let meta = file
        .metadata()
        .map_err(|e| EvidenceError::from_open(path, e))?;
    if meta.is_dir() {
        return Err(EvidenceError::Unsupported {
            path: path.to_path_buf(),
            what: "is a directory".into(),
        });
    }
    if meta.len() > 0 || meta.is_file() {
        return Ok(meta.len());
    }
    let mut f = file;
    f.seek(SeekFrom::End(0)).map_err(|e| EvidenceError::Io {
        path: path.to_path_buf(),
        offset: 0,
        source: e,
    })
}

/// `pread` until `buf` is full or the file ends; retries on `Interrupted`.
pub(crate) fn pread_full(
    file: &File,
    path: &Path,
    offset: u64,
    buf: &mut [u8],
) -> Result<usize, EvidenceError> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(EvidenceError::Io {
                    path: path.to_path_buf(),
                    offset: offset + done as u64,
                    source: e,
                })
            }
        }
    }
    Ok(done)
}

/// A raw (dd) image or a device, read with positional reads so that many
/// threads can share one open file.
#[derive(Debug)]
pub struct RawSource {
    file: File,
    path: PathBuf,
    name: String,
    len: u64,
}

impl RawSource {
    /// Opens a raw image read-only. A zero-length file is an error: no
    /// examination of an empty image can be meaningful.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, EvidenceError> {
        let path = path.as_ref();
        let file = open_read_only(path)?;
        let len = file_len(&file, path)?;
        if len == 0 {
            return Err(EvidenceError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(RawSource {
            file,
            path: path.to_path_buf(),
            name: path.display().to_string(),
            len,
        })
    }

    /// The path the image was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Source for RawSource {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        let want = crate::clamp_read(offset, buf.len(), self.len);
        if want == 0 {
            return Ok(0);
        }
        pread_full(&self.file, &self.path, offset, &mut buf[..want])
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn name(&self) -> &str {
        &self.name
    }
}
