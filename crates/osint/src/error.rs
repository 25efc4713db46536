//! Errors and load warnings.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why a database or list could not be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum OsintError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A MaxMind-format database is damaged, truncated or not a database.
    #[error("{}: not a usable MaxMind DB database: {message}", path.display())]
    Database {
        /// The database file.
        path: PathBuf,
        /// What was wrong (from the reader).
        message: String,
    },
    /// A user list (watchlist, Tor exits, ranges, protected names, public
    /// suffix list) cannot be used as a whole.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    List {
        /// The list file.
        path: PathBuf,
        /// The 1-based line, when one line is to blame.
        line: Option<usize>,
        /// What was wrong.
        message: String,
    },
}

impl OsintError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        OsintError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn list(path: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        OsintError::List {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

/// A line of a user list that was skipped, and why. Loading goes on: a list
/// with a few bad lines is still usable, but the investigator must be told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The list's file name.
    pub list: String,
    /// 1-based line number.
    pub line: usize,
    /// What was wrong with it.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.list, self.line, self.message)
    }
}

/// Reads a list file as UTF-8 text (a byte-order mark is dropped), naming the
/// file on failure.
pub(crate) fn read_text(path: &Path) -> Result<String, OsintError> {
    let bytes = std::fs::read(path).map_err(|e| OsintError::io(path, e))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| OsintError::list(path, None, format!("not UTF-8 text ({e})")))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// The name a list is reported by: its file name (the whole path when it has
/// none).
pub(crate) fn list_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
