//! Conversations, messages, calls and contacts from phone extractions.
//!
//! [`read_extraction`] takes an Android or iOS file-system extraction (a
//! folder, a zip or a tar of one) or an unencrypted iTunes/Finder backup
//! folder, finds the app databases it has a parser for, copies each with
//! its `-wal`/`-journal` into a temporary folder, records the originals'
//! SHA-256, applies the WAL on the copy and reads the copy into one model
//! ([`Conversation`], [`Message`], [`Call`], [`Contact`]), each record with
//! its [`Provenance`] (database path, table, row id). Message text goes
//! through the lead scanner (`exhibit-scan`); leads come back as
//! [`Finding`]s linked to their message.
//!
//! Parsers and the layouts they know (see each module): WhatsApp iOS
//! (`ChatStorage.sqlite`, `CallHistory.sqlite`, `ContactsV2.sqlite`),
//! WhatsApp Android (`msgstore.db` base tables `message`/`chat`/`jid` and the
//! legacy `messages` table; `wa.db`), Android SMS/MMS (`mmssms.db`) and call
//! log and address book (`calllog.db`, `contacts2.db`), iOS `sms.db`,
//! `CallHistory.storedata` and `AddressBook.sqlitedb`, Facebook Messenger (`msys_database_<uid>`) and
//! LINE (`naver_line`) for Android, and browser history (Chrome `History`,
//! Safari `History.db`).
//!
//! What this crate must never do:
//! - **Never write to the extraction.** Databases are opened only as
//!   copies in a temporary folder; SQLite may write to the copy (to apply a
//!   WAL or roll back a hot journal), never to the original.
//! - **Never guess a layout.** A table without the columns a parser knows
//!   is reported as a [`Warning`] naming the file and table and skipped.
//! - **Never stop on one bad database.** Corrupt, encrypted or truncated
//!   files become warnings; the rest of the extraction is read.
//! - No network, no panics on input, output in a fixed order.
#![deny(missing_docs)]

mod db;
mod error;
mod input;
mod model;
mod parse;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use error::PhoneError;
pub use input::{ExtractionKind, Limits, SourceFile};
pub use model::{
    App, Attachment, Call, Contact, Conversation, Direction, Finding, Message, Participant,
    Provenance, Visit, Warning,
};

use crate::db::{base_name, Db};
use crate::input::{copy_file, sha256_file, COMPANIONS};

/// Receives records as the parsers read them, in database row order. Used
/// directly by callers that stream (the benchmark, large extractions);
/// [`read_extraction`] collects and sorts.
pub trait Sink {
    /// A conversation.
    fn conversation(&mut self, c: Conversation);
    /// A message.
    fn message(&mut self, m: Message);
    /// A call.
    fn call(&mut self, c: Call);
    /// A contact.
    fn contact(&mut self, c: Contact);
    /// A browser history visit (ignored unless overridden).
    fn visit(&mut self, v: Visit) {
        let _ = v;
    }
    /// Something the examiner must know.
    fn warning(&mut self, w: Warning);
}

/// How to read an extraction.
#[derive(Debug, Clone)]
pub struct Options {
    /// Size and depth limits.
    pub limits: Limits,
    /// Run message text through the lead scanner ([`read_extraction_opts`]).
    pub leads: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            leads: true,
        }
    }
}

/// What [`read_extraction_with`] read, besides the records sent to the sink.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// Folder, zip, tar or iOS backup.
    pub kind: ExtractionKind,
    /// Every database and companion read, with its hash.
    pub sources: Vec<SourceFile>,
}

/// Everything read from one extraction, in a fixed order: conversations by
/// app and id; messages by app, conversation, time and provenance; calls by
/// time; contacts by app and provenance; findings by message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Extraction {
    /// Folder, zip, tar or iOS backup.
    pub kind: ExtractionKind,
    /// Every database and companion read, with its hash.
    pub sources: Vec<SourceFile>,
    /// Chats.
    pub conversations: Vec<Conversation>,
    /// Messages.
    pub messages: Vec<Message>,
    /// Calls.
    pub calls: Vec<Call>,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Browser history visits, by time.
    pub visits: Vec<Visit>,
    /// Leads found in message text.
    pub findings: Vec<Finding>,
    /// Files or tables not (fully) read, and why.
    pub warnings: Vec<Warning>,
}

/// Reads an extraction with the default [`Options`] (leads on).
pub fn read_extraction(path: impl AsRef<Path>) -> Result<Extraction, PhoneError> {
    read_extraction_opts(path, &Options::default())
}

/// Reads an extraction, collects every record, fills in display names known
/// from the apps' contact lists, sorts, and scans message text for leads.
pub fn read_extraction_opts(
    path: impl AsRef<Path>,
    opts: &Options,
) -> Result<Extraction, PhoneError> {
    let mut c = Collector::default();
    let summary = read_extraction_with(path, opts, &mut c)?;
    let mut x = Extraction {
        kind: summary.kind,
        sources: summary.sources,
        conversations: c.conversations,
        messages: c.messages,
        calls: c.calls,
        contacts: c.contacts,
        visits: c.visits,
        findings: Vec::new(),
        warnings: c.warnings,
    };
    resolve_names(&mut x);
    x.conversations
        .sort_by(|a, b| (a.app, &a.id, &a.provenance).cmp(&(b.app, &b.id, &b.provenance)));
    x.messages.sort_by(model::message_order);
    x.calls.sort_by(model::call_order);
    x.contacts
        .sort_by(|a, b| (a.app, &a.provenance).cmp(&(b.app, &b.provenance)));
    x.visits
        .sort_by(|a, b| (a.time, &a.provenance).cmp(&(b.time, &b.provenance)));
    x.warnings.sort();
    if opts.leads {
        x.findings = parse::leads::scan_messages(&x.messages);
    }
    Ok(x)
}

/// Reads an extraction and streams its records to `sink` without holding
/// them: memory does not grow with the size of the databases.
pub fn read_extraction_with(
    path: impl AsRef<Path>,
    opts: &Options,
    sink: &mut dyn Sink,
) -> Result<Summary, PhoneError> {
    let path = path.as_ref();
    let mut early = Vec::new();
    let files = input::discover(path, &opts.limits, &mut |file, message| {
        early.push(Warning {
            file,
            table: None,
            message,
        })
    })?;
    for w in early {
        sink.warning(w);
    }
    let work = tempfile::tempdir().map_err(|e| PhoneError::io(std::env::temp_dir(), e))?;
    let mut sources = Vec::new();
    let mut n = 0usize;
    for (logical, (physical, stored)) in &files.map {
        let name = base_name(logical);
        if COMPANIONS.iter().any(|c| name.ends_with(c)) {
            continue;
        }
        n += 1;
        let dir = work.path().join(n.to_string());
        std::fs::create_dir(&dir).map_err(|e| PhoneError::io(&dir, e))?;
        let copy = dir.join(name);
        // Hash and copy the database and each companion.
        let mut ok = true;
        let mut members = vec![(
            logical.clone(),
            physical.clone(),
            stored.clone(),
            copy.clone(),
        )];
        for c in COMPANIONS {
            let lc = format!("{logical}{c}");
            if let Some((p, s)) = files.map.get(&lc) {
                members.push((lc, p.clone(), s.clone(), dir.join(format!("{name}{c}"))));
            }
        }
        for (lpath, src, stored_as, dst) in &members {
            match sha256_file(src).and_then(|h| copy_file(src, dst).map(|()| h)) {
                Ok((sha256, bytes)) => sources.push(SourceFile {
                    path: lpath.clone(),
                    stored_as: stored_as.clone(),
                    bytes,
                    sha256,
                }),
                Err(e) => {
                    sink.warning(Warning {
                        file: lpath.clone(),
                        table: None,
                        message: format!("cannot be read or copied: {e}"),
                    });
                    if lpath == logical {
                        ok = false;
                    }
                }
            }
        }
        if !ok {
            continue;
        }
        let wal = dir.join(format!("{name}-wal"));
        if let Some(w) = parse::check_wal(&wal, logical) {
            sink.warning(w);
        }
        let db = match Db::open(&copy, logical) {
            Ok(db) => db,
            Err(w) => {
                sink.warning(w);
                continue;
            }
        };
        parse::dispatch(&db, name, sink);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Summary {
        kind: files.kind,
        sources,
    })
}

/// Gives participants without a name the name the same app's contact list
/// or one-to-one conversation has for their id, or else the one the device
/// address book has for their number.
fn resolve_names(x: &mut Extraction) {
    let mut names: BTreeMap<(App, String), String> = BTreeMap::new();
    for c in &x.contacts {
        if let (Some(id), Some(name)) = (&c.id, &c.name) {
            names
                .entry((c.app, id.clone()))
                .or_insert_with(|| name.clone());
        }
    }
    for c in &x.conversations {
        if let (false, Some(name)) = (c.group, &c.name) {
            names
                .entry((c.app, c.id.clone()))
                .or_insert_with(|| name.clone());
        }
    }
    // Then the device's address book, by the last nine digits of the number
    // (`+66 81 234 5678` and `081-234-5678` are one number).
    let mut book: BTreeMap<String, String> = BTreeMap::new();
    for c in &x.contacts {
        if let (App::Phone, Some(phone), Some(name)) = (c.app, &c.phone, &c.name) {
            if let Some(k) = digits_key(phone) {
                book.entry(k).or_insert_with(|| name.clone());
            }
        }
    }
    let fill = |app: App, p: &mut Participant| {
        if p.name.is_none() {
            p.name = names.get(&(app, p.id.clone())).cloned();
        }
        if p.name.is_none() {
            let key = p.phone.as_deref().and_then(digits_key);
            p.name = key.and_then(|k| book.get(&k).cloned());
        }
    };
    for m in &mut x.messages {
        let app = m.app;
        if let Some(p) = m.sender.as_mut() {
            fill(app, p);
        }
        if let Some(p) = m.recipient.as_mut() {
            fill(app, p);
        }
    }
    for c in &mut x.calls {
        let app = c.app;
        for p in &mut c.peers {
            fill(app, p);
        }
    }
    for c in &mut x.conversations {
        let app = c.app;
        for p in &mut c.participants {
            fill(app, p);
        }
    }
}

/// The last nine digits of a phone number, the part that survives national
/// and international spellings; `None` for short codes.
fn digits_key(phone: &str) -> Option<String> {
    let d: String = phone.chars().filter(char::is_ascii_digit).collect();
    (d.len() >= 9).then(|| d[d.len() - 9..].to_string())
}

/// Collects everything in memory for [`read_extraction_opts`].
#[derive(Default)]
struct Collector {
    conversations: Vec<Conversation>,
    messages: Vec<Message>,
    calls: Vec<Call>,
    contacts: Vec<Contact>,
    visits: Vec<Visit>,
    warnings: Vec<Warning>,
}

impl Sink for Collector {
    fn conversation(&mut self, c: Conversation) {
        self.conversations.push(c);
    }
    fn message(&mut self, m: Message) {
        self.messages.push(m);
    }
    fn call(&mut self, c: Call) {
        self.calls.push(c);
    }
    fn contact(&mut self, c: Contact) {
        self.contacts.push(c);
    }
    fn visit(&mut self, v: Visit) {
        self.visits.push(v);
    }
    fn warning(&mut self, w: Warning) {
        self.warnings.push(w);
    }
}
