//! Finding the app databases in an extraction (folder, zip, tar, iOS backup)
//! and making working copies of them with their `-wal`/`-journal`.
//!
//! Only the databases Exhibit has a parser for (and their companions) are
//! extracted from archives; media stays where it is and is referred to by
//! path.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use exhibit_hash::{Algorithm, MultiHasher};
use serde::{Deserialize, Serialize};

use crate::db::base_name;
use crate::error::PhoneError;

/// The kind of extraction that was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtractionKind {
    /// A folder holding an Android or iOS file system.
    Folder,
    /// A zip archive of a file system.
    Zip,
    /// A tar (optionally gzip-compressed) archive of a file system.
    Tar,
    /// An unencrypted iTunes/Finder backup (`Manifest.db` + hashed files).
    IosBackup,
}

/// A database (or `-wal`/`-journal` companion) that was read, with the hash
/// of the original bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Path inside the extraction.
    pub path: String,
    /// For an iOS backup: the hashed file name it is stored under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_as: Option<String>,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the original, lower-case hex.
    pub sha256: String,
}

/// The databases each parser reads, by file name.
pub(crate) const KNOWN: &[&str] = &[
    "ChatStorage.sqlite",
    "CallHistory.sqlite",
    "ContactsV2.sqlite",
    "msgstore.db",
    "wa.db",
    "mmssms.db",
    "calllog.db",
    "contacts2.db",
    "sms.db",
    "CallHistory.storedata",
    "naver_line",
    "AddressBook.sqlitedb",
];

/// Databases recognised by the start of their name (the rest is an id).
pub(crate) const KNOWN_PREFIXES: &[&str] = &["msys_database_"];

/// Suffixes of the files SQLite needs next to a database.
pub(crate) const COMPANIONS: &[&str] = &["-wal", "-journal"];

/// True when the file is a database we parse or one of its companions.
fn wanted(path: &str) -> bool {
    let mut b = base_name(path);
    for c in COMPANIONS {
        if let Some(stem) = b.strip_suffix(c) {
            b = stem;
            break;
        }
    }
    // Browser histories have generic names: only where browsers keep them.
    if b == "History" {
        return path.contains("app_chrome/") || path.contains("/User Data/");
    }
    if b == "History.db" {
        return path.contains("Safari/");
    }
    KNOWN.contains(&b)
        || KNOWN_PREFIXES
            .iter()
            .any(|p| b.len() > p.len() && b.starts_with(p))
}

/// The files of an extraction that matter, by logical path.
pub(crate) struct Files {
    pub kind: ExtractionKind,
    /// Logical path → file on disk (the original for folders and backups, an
    /// extracted temporary for archives) and, for backups, the stored name.
    pub map: BTreeMap<String, (PathBuf, Option<String>)>,
    /// Keeps extracted archive members alive.
    _tmp: Option<tempfile::TempDir>,
}

/// Limits on what is read.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest database (or companion) extracted from an archive; larger
    /// members are reported and skipped (decompression bombs fill disks).
    pub max_member_bytes: u64,
    /// Deepest folder level walked in a folder extraction.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_member_bytes: 32 << 30,
            max_depth: 64,
        }
    }
}

/// Finds the databases in `path`. Warnings (skipped members) go to `warn`.
pub(crate) fn discover(
    path: &Path,
    limits: &Limits,
    warn: &mut dyn FnMut(String, String),
) -> Result<Files, PhoneError> {
    let meta = std::fs::metadata(path).map_err(|e| PhoneError::io(path, e))?;
    if meta.is_dir() {
        if path.join("Manifest.db").is_file() {
            return ios_backup(path);
        }
        let mut map = BTreeMap::new();
        walk(path, "", 0, limits, &mut map, warn)?;
        return Ok(Files {
            kind: ExtractionKind::Folder,
            map,
            _tmp: None,
        });
    }
    let mut magic = [0u8; 512];
    let n = read_prefix(path, &mut magic)?;
    let head = magic.get(..n).unwrap_or(&[]);
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return unzip(path, limits, warn);
    }
    let gz = head.starts_with(&[0x1f, 0x8b]);
    let ustar = head.get(257..262) == Some(b"ustar");
    if gz || ustar {
        return untar(path, gz, limits, warn);
    }
    Err(PhoneError::NotAnExtraction {
        path: path.to_path_buf(),
    })
}

fn read_prefix(path: &Path, buf: &mut [u8]) -> Result<usize, PhoneError> {
    let mut f = File::open(path).map_err(|e| PhoneError::io(path, e))?;
    let mut n = 0;
    while n < buf.len() {
        let Some(rest) = buf.get_mut(n..) else { break };
        match f.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(PhoneError::io(path, e)),
        }
    }
    Ok(n)
}

fn walk(
    dir: &Path,
    rel: &str,
    depth: usize,
    limits: &Limits,
    map: &mut BTreeMap<String, (PathBuf, Option<String>)>,
    warn: &mut dyn FnMut(String, String),
) -> Result<(), PhoneError> {
    if depth > limits.max_depth {
        warn(
            rel.to_string(),
            "folder nested too deep; not searched".into(),
        );
        return Ok(());
    }
    let rd = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if depth > 0 => {
            warn(rel.to_string(), format!("folder not readable: {e}"));
            return Ok(());
        }
        Err(e) => return Err(PhoneError::io(dir, e)),
    };
    for entry in rd {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        // Symbolic links are not followed: they may point out of the
        // extraction (to the examiner's own machine).
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            walk(&entry.path(), &child, depth + 1, limits, map, warn)?;
        } else if ft.is_file() && wanted(&child) {
            map.insert(child, (entry.path(), None));
        }
    }
    Ok(())
}

fn ios_backup(root: &Path) -> Result<Files, PhoneError> {
    let manifest = root.join("Manifest.db");
    let bad = |e: rusqlite::Error| PhoneError::Backup {
        path: root.to_path_buf(),
        message: e.to_string(),
    };
    // The manifest is small; read it through a copy like every database.
    let tmp = tempfile::tempdir().map_err(|e| PhoneError::io(std::env::temp_dir(), e))?;
    let copy = tmp.path().join("Manifest.db");
    std::fs::copy(&manifest, &copy).map_err(|e| PhoneError::io(&manifest, e))?;
    let conn = rusqlite::Connection::open_with_flags(
        &copy,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(bad)?;
    let mut stmt = conn
        .prepare("SELECT fileID, domain, relativePath FROM Files WHERE flags = 1 ORDER BY domain, relativePath")
        .map_err(bad)?;
    let mut rows = stmt.query([]).map_err(bad)?;
    let mut map = BTreeMap::new();
    while let Some(r) = rows.next().map_err(bad)? {
        let (Ok(id), Ok(domain), Ok(rel)) = (
            r.get::<_, String>(0),
            r.get::<_, String>(1),
            r.get::<_, String>(2),
        ) else {
            continue;
        };
        let logical = format!("{domain}/{rel}");
        if !wanted(&logical) || id.len() < 3 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let physical = root.join(&id[..2]).join(&id);
        if physical.is_file() {
            map.insert(logical, (physical, Some(id)));
        }
    }
    Ok(Files {
        kind: ExtractionKind::IosBackup,
        map,
        _tmp: None,
    })
}

/// Normalises an archive member name: `/`-separated, no leading `/` or
/// `./`, no `..` (the name is only used as a label, never as a path to
/// write to, but labels must not lie either).
fn clean(name: &str) -> String {
    name.replace('\\', "/")
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect::<Vec<_>>()
        .join("/")
}

fn copy_limited(
    r: &mut dyn Read,
    dst: &Path,
    limit: u64,
) -> Result<Result<(), String>, PhoneError> {
    let mut out = File::create(dst).map_err(|e| PhoneError::io(dst, e))?;
    let mut take = r.take(limit.saturating_add(1));
    let n = match io::copy(&mut take, &mut out) {
        Ok(n) => n,
        Err(e) => return Ok(Err(format!("member cannot be extracted: {e}"))),
    };
    out.flush().map_err(|e| PhoneError::io(dst, e))?;
    if n > limit {
        return Ok(Err(format!("member larger than {limit} bytes; skipped")));
    }
    Ok(Ok(()))
}

fn unzip(
    path: &Path,
    limits: &Limits,
    warn: &mut dyn FnMut(String, String),
) -> Result<Files, PhoneError> {
    let archive_err = |m: String| PhoneError::Archive {
        path: path.to_path_buf(),
        message: m,
    };
    let f = File::open(path).map_err(|e| PhoneError::io(path, e))?;
    let mut zip =
        zip::ZipArchive::new(io::BufReader::new(f)).map_err(|e| archive_err(e.to_string()))?;
    let tmp = tempfile::tempdir().map_err(|e| PhoneError::io(std::env::temp_dir(), e))?;
    let mut map = BTreeMap::new();
    for i in 0..zip.len() {
        let mut member = match zip.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                warn(format!("#{i}"), format!("zip member unreadable: {e}"));
                continue;
            }
        };
        if !member.is_file() {
            continue;
        }
        let name = clean(member.name());
        if !wanted(&name) {
            continue;
        }
        let dst = tmp.path().join(format!("{i}"));
        match copy_limited(&mut member, &dst, limits.max_member_bytes)? {
            Ok(()) => {
                map.insert(name, (dst, None));
            }
            Err(m) => warn(name, m),
        }
    }
    Ok(Files {
        kind: ExtractionKind::Zip,
        map,
        _tmp: Some(tmp),
    })
}

fn untar(
    path: &Path,
    gz: bool,
    limits: &Limits,
    warn: &mut dyn FnMut(String, String),
) -> Result<Files, PhoneError> {
    let archive_err = |e: io::Error| PhoneError::Archive {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let f = File::open(path).map_err(|e| PhoneError::io(path, e))?;
    let reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(f)))
    } else {
        Box::new(io::BufReader::new(f))
    };
    let mut ar = tar::Archive::new(reader);
    let tmp = tempfile::tempdir().map_err(|e| PhoneError::io(std::env::temp_dir(), e))?;
    let mut map = BTreeMap::new();
    let entries = ar.entries().map_err(archive_err)?;
    for (i, entry) in entries.enumerate() {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                // A truncated tar ends here; what was read so far is kept.
                warn(format!("#{i}"), format!("tar damaged, rest not read: {e}"));
                break;
            }
        };
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = match entry.path() {
            Ok(p) => clean(&p.to_string_lossy()),
            Err(_) => continue,
        };
        if !wanted(&name) {
            continue;
        }
        let dst = tmp.path().join(format!("{i}"));
        match copy_limited(&mut entry, &dst, limits.max_member_bytes)? {
            Ok(()) => {
                map.insert(name, (dst, None));
            }
            Err(m) => warn(name, m),
        }
    }
    Ok(Files {
        kind: ExtractionKind::Tar,
        map,
        _tmp: Some(tmp),
    })
}

/// SHA-256 of a file, streamed.
pub(crate) fn sha256_file(path: &Path) -> Result<(String, u64), io::Error> {
    let mut f = File::open(path)?;
    let mut h = MultiHasher::new(&[Algorithm::Sha256]);
    let mut total = 0u64;
    loop {
        let n = h.update_with(|buf| f.read(buf))?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    let d = h.finish();
    Ok((d.hex(Algorithm::Sha256).unwrap_or_default(), total))
}

/// Copies `src` to `dst` (the working copy SQLite may write to).
pub(crate) fn copy_file(src: &Path, dst: &Path) -> Result<(), io::Error> {
    let mut r = File::open(src)?;
    let mut w = File::create(dst)?;
    io::copy(&mut r, &mut w)?;
    w.flush()
}
