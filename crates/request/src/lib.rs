//! # exhibit-request: legal requests drafted from a case
//!
//! Drafts the two requests a unit sends abroad under the Council of Europe
//! Convention on Cybercrime (Budapest Convention): the expedited
//! preservation of stored computer data (Article 29: requesting authority,
//! offence and facts, the data and their link to the offence, custodian
//! and location, necessity, intent to ask for mutual assistance) and the
//! access to and disclosure of stored data (Article 31). The identifiers
//! come from the case's leads (the same read-only snapshot the exports
//! use) or from the examiner; the text comes from per-language template
//! files in `lang/` compiled into the crate, English always first, then
//! the requester's language. Preservation lasts at least 60 days (Article
//! 29(7)): each request is kept as `CASE/requests/<id>.json` so
//! [`list`] can show what is open and how many days are left.
//!
//! ## What this crate must never do
//!
//! * never open evidence, and never write to the case except one new file
//!   in `requests/` (created, never overwritten);
//! * never send anything or do network I/O: it drafts, the examiner sends;
//! * never read a clock: the caller passes the dates, so the same case and
//!   dates give the same text.

#![deny(missing_docs)]

mod lang;
mod render;

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub use lang::{Language, Templates};
pub use render::{draft, Draft, Input, Style};

/// Days a preservation lasts at least (Budapest Convention art. 29(7)).
pub const PRESERVATION_DAYS: i32 = 60;
/// Folder of the case holding the request records.
pub const REQUESTS_DIR: &str = "requests";

/// Errors of drafting and recording requests.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The case could not be read.
    #[error(transparent)]
    Case(#[from] exhibit_case::CaseError),
    /// The case's leads could not be read.
    #[error("reading the case's leads: {0}")]
    Export(#[from] exhibit_export::ExportError),
    /// A request record could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A request record is not what Exhibit writes.
    #[error("{}: {what}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// No template exists for a language yet.
    #[error("no {0} translation yet: add crates/request/lang/{0}.txt")]
    NoTranslation(String),
    /// A template file is malformed (a bug caught by the tests).
    #[error("template {file}: {what}")]
    Template {
        /// The template file.
        file: String,
        /// What is wrong.
        what: String,
    },
    /// An argument is unusable.
    #[error("{0}")]
    Invalid(String),
    /// A date computation failed.
    #[error("date: {0}")]
    Date(#[from] jiff::Error),
}

/// The two requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Expedited preservation of stored computer data (art. 29).
    Preservation,
    /// Access to and disclosure of stored computer data (art. 31).
    Disclosure,
}

impl Kind {
    /// Its name in records and templates.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Preservation => "preservation",
            Kind::Disclosure => "disclosure",
        }
    }

    /// Letter starting its request ids.
    fn letter(self) -> char {
        match self {
            Kind::Preservation => 'P',
            Kind::Disclosure => 'D',
        }
    }
}

/// `CASE/requests/<id>.json`: one request sent (or about to be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Request id (`P20260115-001`: kind, sent date, number in the case).
    pub id: String,
    /// Preservation or disclosure.
    pub kind: Kind,
    /// The service provider.
    pub provider: String,
    /// ISO 3166 alpha-2 code of the requested country.
    pub country: String,
    /// Identifiers the request names.
    pub identifiers: Vec<String>,
    /// Date sent.
    pub sent: Date,
    /// Last day of the preservation period (preservation only).
    pub expires: Option<Date>,
    /// Who drafted it.
    pub examiner: String,
    /// The second language of the text, if any.
    pub language: Option<String>,
}

impl Record {
    /// Days from `today` to the expiry (negative once expired).
    pub fn days_left(&self, today: Date) -> Option<i64> {
        let expires = self.expires?;
        let span = today.until(expires).ok()?;
        Some(i64::from(span.get_days()))
    }
}

/// The next free request id of this kind and date in the case.
pub fn next_id(case_dir: &Path, kind: Kind, sent: Date) -> Result<String, RequestError> {
    let n = list(case_dir)?.len() + 1;
    Ok(format!(
        "{}{}-{n:03}",
        kind.letter(),
        sent.strftime("%Y%m%d")
    ))
}

/// Writes `CASE/requests/<id>.json` (created, never replaced).
pub fn save(case_dir: &Path, record: &Record) -> Result<PathBuf, RequestError> {
    use std::io::Write as _;
    let dir = case_dir.join(REQUESTS_DIR);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RequestError::Io { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let path = dir.join(format!("{}.json", record.id));
    let mut text = serde_json::to_string_pretty(record).map_err(|e| RequestError::Corrupt {
        path: path.clone(),
        what: e.to_string(),
    })?;
    text.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io(&path))?;
    f.write_all(text.as_bytes()).map_err(io(&path))?;
    f.sync_all().map_err(io(&path))?;
    Ok(path)
}

/// Every request recorded in the case, sorted by id.
pub fn list(case_dir: &Path) -> Result<Vec<Record>, RequestError> {
    let dir = case_dir.join(REQUESTS_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(RequestError::Io { path: dir, source }),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| RequestError::Io {
            path: dir.clone(),
            source,
        })?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read(&path).map_err(|source| RequestError::Io {
            path: path.clone(),
            source,
        })?;
        let record: Record = serde_json::from_slice(&text).map_err(|e| RequestError::Corrupt {
            path: path.clone(),
            what: format!("not a request record: {e}"),
        })?;
        out.push(record);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}
