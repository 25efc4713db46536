//! A folder as evidence: a logical collection of files, identified by a
//! manifest (sorted relative paths with each file's SHA-256).

use std::path::{Path, PathBuf};

use exhibit_evidence::RawSource;
use exhibit_hash::{hash_bytes, Algorithm};

use crate::error::io;
use crate::{hash_source, CaseError};

/// Deepest folder level walked below the evidence folder.
pub const MAX_DEPTH: usize = 64;

/// One regular file of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Path relative to the folder, `/`-separated.
    pub relative: String,
    /// Absolute path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content (hex).
    pub sha256: String,
}

/// The regular files of a folder, sorted by relative path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The files.
    pub entries: Vec<ManifestEntry>,
    /// What was left out (symlinks, special files, too deep), as
    /// relative paths with the reason.
    pub skipped: Vec<String>,
}

impl Manifest {
    /// The manifest as hashed: one `sha256  relative-path` line per file.
    pub fn text(&self) -> String {
        self.entries
            .iter()
            .map(|e| format!("{}  {}\n", e.sha256, e.relative))
            .collect()
    }

    /// Total size of the files.
    pub fn size(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }
}

/// Walks `dir` read-only: sorted, symlinks skipped (never followed),
/// at most [`MAX_DEPTH`] levels; hashes every regular file.
pub fn walk(dir: &Path) -> Result<Manifest, CaseError> {
    let root = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut m = Manifest::default();
    visit(&root, "", 0, &mut m)?;
    m.entries.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(m)
}

fn visit(dir: &Path, rel: &str, depth: usize, m: &mut Manifest) -> Result<(), CaseError> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        names.push(entry.map_err(io(dir))?.file_name());
    }
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let relative = format!(
            "{rel}{}{}",
            if rel.is_empty() { "" } else { "/" },
            name.to_string_lossy()
        );
        let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
        let ft = meta.file_type();
        if ft.is_symlink() {
            m.skipped
                .push(format!("{relative}: symbolic link, not followed"));
        } else if ft.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                m.skipped
                    .push(format!("{relative}: deeper than {MAX_DEPTH} levels"));
            } else {
                visit(&path, &relative, depth + 1, m)?;
            }
        } else if ft.is_file() {
            let sha256 = if meta.len() == 0 {
                hash_bytes(&[], &[Algorithm::Sha256]).hex(Algorithm::Sha256)
            } else {
                let source = RawSource::open(&path)?;
                hash_source(&source, &[Algorithm::Sha256], &mut |_| {})
                    .map_err(CaseError::from)?
                    .hex(Algorithm::Sha256)
            };
            m.entries.push(ManifestEntry {
                relative,
                path,
                size: meta.len(),
                sha256: sha256.unwrap_or_default(),
            });
        } else {
            m.skipped.push(format!("{relative}: not a regular file"));
        }
    }
    Ok(())
}
