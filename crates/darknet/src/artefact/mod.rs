//! Darknet artefacts in a file listing: Tor Browser installs and profiles,
//! Tor configurations and state, onion-service key folders, I2P routers and
//! tunnels, and crypto-wallet files, each with a sentence saying what it
//! proves and what it does not.
//!
//! The input is a list of [`FileRef`]s (path as found, size, read-only
//! content, optional modification time); [`interesting`] tells a pipeline
//! which paths are worth handing over, cheaply and from the path alone.
//! [`Recogniser`] takes files one at a time (reading at most a few hundred
//! KiB of each, straight away, so the caller need not keep sources open)
//! and correlates them at the end ([`Recogniser::finish`]): the three files
//! of an onion-service folder are checked against each other, Tor Browser
//! files are grouped per install. [`recognise`] does both in one call.
//!
//! Nothing here decrypts, opens a database, or contacts anything. Wallets
//! and browser databases are recognised by path and magic bytes only.
//!
//! ```
//! use exhibit_darknet::{interesting, onion_service_files, recognise, ArtefactKind, FileRef};
//! use exhibit_evidence::{MemSource, Source};
//!
//! // A folder as Tor writes it for a hosted onion service.
//! let files: Vec<(String, MemSource)> = onion_service_files([7; 32])
//!     .into_iter()
//!     .map(|(name, data)| (format!("var/lib/tor/shop/{name}"), MemSource::new(data, name)))
//!     .collect();
//! let refs: Vec<FileRef> = files
//!     .iter()
//!     .filter(|(path, _)| interesting(path))
//!     .map(|(path, src)| FileRef::new(path, src.len(), src))
//!     .collect();
//! let report = recognise(&refs);
//! let service = &report.artefacts[0];
//! assert_eq!(service.kind, ArtefactKind::OnionService);
//! assert_eq!(service.detail["consistent"], "yes");
//! assert!(service.proves.contains("held the private key"));
//! ```

mod i2p;
mod tor;
mod wallet;

use exhibit_evidence::Source;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// Most bytes read from any one file (configuration files, address books).
const MAX_READ: usize = 512 * 1024;
/// Bytes read from files whose start is enough (keys, magic numbers).
const SMALL_READ: usize = 4096;
/// Most settings kept from one configuration file.
const MAX_SETTINGS: usize = 500;

/// One file of the seized file system or folder.
#[derive(Clone, Copy)]
pub struct FileRef<'a> {
    /// Path as found, `/`-separated (`\` is also accepted).
    pub path: &'a str,
    /// Size in bytes as listed.
    pub size: u64,
    /// The content, read-only.
    pub data: &'a dyn Source,
    /// Last content modification, when the file system records it.
    pub modified: Option<Timestamp>,
    /// Whether the file is deleted (recovered from unallocated metadata).
    pub deleted: bool,
}

impl<'a> FileRef<'a> {
    /// A live file with no known modification time.
    pub fn new(path: &'a str, size: u64, data: &'a dyn Source) -> Self {
        FileRef {
            path,
            size,
            data,
            modified: None,
            deleted: false,
        }
    }
}

impl std::fmt::Debug for FileRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileRef")
            .field("path", &self.path)
            .field("size", &self.size)
            .field("modified", &self.modified)
            .field("deleted", &self.deleted)
            .finish()
    }
}

/// What kind of artefact was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtefactKind {
    /// A Tor Browser installation (program files).
    TorBrowserInstall,
    /// A Tor Browser user profile (history, cookies, preferences).
    TorBrowserProfile,
    /// A `torrc` configuration file.
    TorConfig,
    /// Tor's `state` file, rewritten while Tor runs.
    TorState,
    /// A v3 onion-service folder (`hostname`, key files).
    OnionService,
    /// A legacy v2 onion-service folder (`private_key`, RSA).
    OnionServiceV2,
    /// A client-authorisation key for a restricted onion service, or a
    /// service's list of authorised clients.
    OnionClientAuth,
    /// I2P router data (`router.config`, `router.info`, `netDb/`).
    I2pRouter,
    /// I2P tunnel configuration (Java I2P `i2ptunnel.config`, i2pd `tunnels.conf`).
    I2pTunnels,
    /// An I2P address book.
    I2pAddressBook,
    /// Private keys of an I2P destination.
    I2pKeys,
    /// The i2pd router's configuration (`i2pd.conf`).
    I2pdConfig,
    /// Files of a cryptocurrency wallet.
    Wallet,
}

impl ArtefactKind {
    /// Short human label.
    pub fn label(self) -> &'static str {
        match self {
            ArtefactKind::TorBrowserInstall => "Tor Browser installation",
            ArtefactKind::TorBrowserProfile => "Tor Browser profile",
            ArtefactKind::TorConfig => "Tor configuration (torrc)",
            ArtefactKind::TorState => "Tor state file",
            ArtefactKind::OnionService => "onion service (v3)",
            ArtefactKind::OnionServiceV2 => "onion service (legacy v2)",
            ArtefactKind::OnionClientAuth => "onion client authorisation",
            ArtefactKind::I2pRouter => "I2P router data",
            ArtefactKind::I2pTunnels => "I2P tunnels",
            ArtefactKind::I2pAddressBook => "I2P address book",
            ArtefactKind::I2pKeys => "I2P destination keys",
            ArtefactKind::I2pdConfig => "i2pd configuration",
            ArtefactKind::Wallet => "cryptocurrency wallet",
        }
    }
}

/// One line of a configuration file, as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Setting {
    /// Line number (1-based) in the file.
    pub line: u32,
    /// Option name (for INI files, `section.key`).
    pub key: String,
    /// Its value, trimmed.
    pub value: String,
}

/// A recognised darknet artefact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artefact {
    /// What it is.
    pub kind: ArtefactKind,
    /// Where: the evidence path of the file, or of the folder that groups
    /// several files (an install, a profile, a service folder).
    pub path: String,
    /// What it proves and what it does not, in plain words for a report.
    pub proves: String,
    /// The onion or I2P address it concerns, canonical, if any.
    pub address: Option<String>,
    /// The evidence files it rests on, sorted.
    pub files: Vec<String>,
    /// Facts read from the files (version, format, derived addresses…).
    pub detail: BTreeMap<String, String>,
    /// Configuration lines, in file order (torrc, I2P and i2pd files).
    pub settings: Vec<Setting>,
    /// What weakens or contradicts it (a mismatch, a damaged key, a
    /// deleted file); empty when nothing does.
    pub concerns: Vec<String>,
}

impl Artefact {
    fn new(kind: ArtefactKind, path: impl Into<String>) -> Self {
        Artefact {
            kind,
            path: path.into(),
            proves: String::new(),
            address: None,
            files: Vec::new(),
            detail: BTreeMap::new(),
            settings: Vec::new(),
            concerns: Vec::new(),
        }
    }
}

/// Everything recognised in a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The artefacts, sorted by path, kind, address.
    pub artefacts: Vec<Artefact>,
    /// Files that could not be read (path: reason); they are skipped.
    pub warnings: Vec<String>,
}

/// Whether `path` may be a darknet artefact: decided from the path alone,
/// without reading. Files for which this is false are ignored by
/// [`Recogniser::add`].
pub fn interesting(path: &str) -> bool {
    !classify(&Pth::new(path)).is_empty()
}

/// Recognises the artefacts among `files` (any order; files that are not
/// [`interesting`] are skipped).
pub fn recognise(files: &[FileRef<'_>]) -> Report {
    let mut r = Recogniser::new();
    for f in files {
        r.add(f);
    }
    r.finish()
}

/// Facts about a file kept after reading it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub path: String,
    pub size: u64,
    pub modified: Option<Timestamp>,
    pub deleted: bool,
    /// Only the first `limit` bytes were read of a larger file.
    pub partial: Option<usize>,
}

impl Seen {
    fn of(f: &FileRef<'_>, read: usize, limit: usize) -> Self {
        // Only whole-file readers (configs, address books) can miss content;
        // key and magic checks read all they need.
        let partial =
            (limit == MAX_READ && read >= limit && f.data.len() > limit as u64).then_some(limit);
        Seen {
            path: f.path.to_string(),
            size: f.size,
            modified: f.modified,
            deleted: f.deleted,
            partial,
        }
    }

    /// ", last modified <time>" when known.
    pub fn when(&self) -> String {
        match self.modified {
            Some(t) => format!(", last modified {t}"),
            None => String::new(),
        }
    }

    /// Adds to `a` the concerns about the file itself: deleted, or read
    /// only in part.
    pub fn note_deleted(&self, a: &mut Artefact) {
        if let Some(limit) = self.partial {
            a.concerns.push(format!(
                "only the first {} KiB of {} were read; counts and settings beyond are not reported",
                limit / 1024,
                self.path
            ));
        }
        if self.deleted {
            a.concerns.push(format!(
                "{} is a deleted file: it was present once, and its recovered content may be incomplete",
                self.path
            ));
        }
    }
}

/// Collects files one at a time and correlates them at the end.
#[derive(Debug, Default)]
pub struct Recogniser {
    tor: tor::Tor,
    i2p: i2p::I2p,
    wallets: wallet::Wallets,
    warnings: Vec<String>,
}

impl Recogniser {
    /// An empty recogniser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks at one file: if its path is [`interesting`], reads what is
    /// needed (bounded) now. Read errors become warnings.
    pub fn add(&mut self, file: &FileRef<'_>) {
        let p = Pth::new(file.path);
        let classes = classify(&p);
        if classes.is_empty() {
            return;
        }
        let limit = classes.iter().map(|c| c.limit()).max().unwrap_or(0);
        let data = if limit > 0 {
            match read_head(file.data, limit) {
                Ok(d) => d,
                Err(e) => {
                    self.warnings
                        .push(format!("{}: cannot read: {e}", file.path));
                    return;
                }
            }
        } else {
            Vec::new()
        };
        let seen = Seen::of(file, data.len(), limit);
        for class in classes {
            match class {
                Class::Tor(c) => self.tor.add(c, &p, &seen, &data),
                Class::I2p(c) => self.i2p.add(c, &p, &seen, &data),
                Class::Wallet(rule, group) => self.wallets.add(rule, group, &p, &seen, &data),
            }
        }
    }

    /// Correlates what was collected and returns the artefacts, sorted.
    pub fn finish(self) -> Report {
        let mut artefacts = Vec::new();
        self.tor.finish(&mut artefacts);
        self.i2p.finish(&mut artefacts);
        self.wallets.finish(&mut artefacts);
        for a in &mut artefacts {
            a.files.sort();
            a.files.dedup();
            a.concerns.sort();
            a.concerns.dedup();
        }
        artefacts.sort_by(|a, b| {
            (&a.path, a.kind, &a.address, &a.proves).cmp(&(&b.path, b.kind, &b.address, &b.proves))
        });
        let mut warnings = self.warnings;
        warnings.sort();
        Report {
            artefacts,
            warnings,
        }
    }
}

/// How a path was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Tor(tor::TorClass),
    I2p(i2p::I2pClass),
    /// A wallet rule and the number of path components of its group folder.
    Wallet(wallet::Rule, usize),
}

impl Class {
    /// How many bytes from the start of the file the class needs (0: none).
    fn limit(self) -> usize {
        let needs = match self {
            Class::Tor(c) => c.needs_data(),
            Class::I2p(c) => c.needs_data(),
            Class::Wallet(r, _) => r.needs_data(),
        };
        match self {
            _ if !needs => 0,
            Class::Tor(c) if c.small() => SMALL_READ,
            Class::I2p(i2p::I2pClass::Keys) | Class::Wallet(..) => SMALL_READ,
            _ => MAX_READ,
        }
    }
}

fn classify(p: &Pth) -> Vec<Class> {
    let mut out: Vec<Class> = tor::classify(p).into_iter().map(Class::Tor).collect();
    out.extend(i2p::classify(p).into_iter().map(Class::I2p));
    if let Some((rule, group)) = wallet::classify(p) {
        out.push(Class::Wallet(rule, group));
    }
    out
}

/// A path split into components, as found and lower-cased (ASCII), with
/// `\` treated as `/`.
#[derive(Debug, Clone)]
pub(crate) struct Pth {
    pub raw: Vec<String>,
    pub low: Vec<String>,
}

impl Pth {
    pub fn new(path: &str) -> Self {
        let norm = path.replace('\\', "/");
        let raw: Vec<String> = norm.split('/').map(str::to_string).collect();
        let low = raw.iter().map(|c| c.to_ascii_lowercase()).collect();
        Pth { raw, low }
    }

    /// The file name, lower case.
    pub fn name(&self) -> &str {
        self.low.last().map(String::as_str).unwrap_or("")
    }

    /// The parent folder's name, lower case.
    pub fn parent_name(&self) -> &str {
        let n = self.low.len();
        if n >= 2 {
            &self.low[n - 2]
        } else {
            ""
        }
    }

    /// The folder components (all but the file name), lower case.
    pub fn dirs(&self) -> &[String] {
        &self.low[..self.low.len().saturating_sub(1)]
    }

    /// The first `n` components, as found, joined by `/` (`.` if empty).
    pub fn prefix(&self, n: usize) -> String {
        let s = self.raw[..n.min(self.raw.len())].join("/");
        if s.is_empty() {
            if self.raw.first().is_some_and(|c| c.is_empty()) && n > 0 {
                "/".to_string()
            } else {
                ".".to_string()
            }
        } else {
            s
        }
    }

    /// The parent folder, as found.
    pub fn parent(&self) -> String {
        self.prefix(self.raw.len().saturating_sub(1))
    }

    /// Index of the first occurrence of the component sequence `seq`
    /// among the folders.
    pub fn window(&self, seq: &[&str]) -> Option<usize> {
        let d = self.dirs();
        (0..d.len().saturating_sub(seq.len() - 1))
            .find(|&i| seq.iter().enumerate().all(|(j, s)| d[i + j] == *s))
    }
}

/// Reads up to `max` bytes from the start of `src`.
pub(crate) fn read_head(
    src: &dyn Source,
    max: usize,
) -> Result<Vec<u8>, exhibit_evidence::EvidenceError> {
    let n = usize::try_from(src.len()).unwrap_or(usize::MAX).min(max);
    let mut buf = vec![0u8; n];
    let mut done = 0;
    while done < n {
        let r = src.read_at(done as u64, &mut buf[done..])?;
        if r == 0 {
            break;
        }
        done += r;
    }
    buf.truncate(done);
    Ok(buf)
}

/// Text of a configuration file; `None` if it looks binary (NUL bytes).
pub(crate) fn text(data: &[u8]) -> Option<String> {
    if data.contains(&0) {
        return None;
    }
    let s = String::from_utf8_lossy(data);
    Some(s.strip_prefix('\u{feff}').unwrap_or(&s).to_string())
}

/// Parses `key=value` properties (Java style: `#` and `!` comments).
pub(crate) fn properties(text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()) {
            continue;
        }
        out.push(Setting {
            line: line_no(i),
            key: k.to_string(),
            value: v.trim().to_string(),
        });
        if out.len() >= MAX_SETTINGS {
            break;
        }
    }
    out
}

/// Parses an INI file (`[section]`, `key = value`, `#`/`;` comments); keys
/// outside a section are kept bare, others become `section.key`.
pub(crate) fn ini(text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.trim().to_string();
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || k.len() > 200 {
            continue;
        }
        let key = if section.is_empty() {
            k.to_string()
        } else {
            format!("{section}.{k}")
        };
        out.push(Setting {
            line: line_no(i),
            key,
            value: v.trim().to_string(),
        });
        if out.len() >= MAX_SETTINGS {
            break;
        }
    }
    out
}

pub(crate) fn line_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// Joins up to `max` items with ", ", adding "and N more".
pub(crate) fn list(items: &[String], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        s.push_str(&format!(" and {} more", items.len() - max));
    }
    s
}
