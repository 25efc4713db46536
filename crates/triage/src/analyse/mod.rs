//! Analysers: the modules triage routes files to.
//!
//! Every regular file of every item passes through the `files` stage once;
//! there, after it is hashed and typed, each registered [`Analyser`] is
//! asked whether it [`wants`](Analyser::wants) the file (from its type,
//! name and first bytes) and, if so, reads it and returns rows for the
//! store: messages, timeline events, findings. Adding an analyser is a new
//! module and one line in [`registry`]; the pipeline does not change.
//!
//! Analysers never write to evidence (they only get a read-only
//! [`Source`]), never fail the stage (problems with one file are warnings)
//! and give the same rows for the same bytes.

mod darknet;
mod mail;
mod windows;

use exhibit_evidence::Source;
use exhibit_store::{FileKey, FindingRow, MessageRow, TimelineRow};

/// What an analyser knows of a file before reading it.
#[derive(Debug, Clone, Copy)]
pub struct FileFacts<'a> {
    /// Evidence id.
    pub evidence: &'a str,
    /// The file.
    pub key: &'a FileKey,
    /// Its type by content.
    pub mime: &'a str,
    /// Its size.
    pub size: u64,
    /// Its first bytes (up to 8 KiB).
    pub head: &'a [u8],
}

/// Rows an analyser made from one file.
#[derive(Debug, Default)]
pub struct Found {
    /// Leads with their location.
    pub findings: Vec<FindingRow>,
    /// Timeline events.
    pub events: Vec<TimelineRow>,
    /// E-mail messages.
    pub messages: Vec<MessageRow>,
    /// Text for the full-text index (message bodies, file text).
    pub docs: Vec<exhibit_index::Doc>,
    /// Problems met (the file is still listed and hashed).
    pub warnings: Vec<String>,
}

impl Found {
    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
            && self.events.is_empty()
            && self.messages.is_empty()
            && self.docs.is_empty()
            && self.warnings.is_empty()
    }

    /// Adds another analyser's rows.
    pub fn extend(&mut self, other: Found) {
        self.findings.extend(other.findings);
        self.events.extend(other.events);
        self.messages.extend(other.messages);
        self.docs.extend(other.docs);
        self.warnings.extend(other.warnings);
    }
}

/// One kind of analysis of files.
pub trait Analyser: Send + Sync {
    /// Short name, shown in warnings and the summary.
    fn name(&self) -> &'static str;
    /// Whether this file is for this analyser (cheap: no reading).
    fn wants(&self, file: &FileFacts<'_>) -> bool;
    /// Reads the file and adds what it finds to `out`.
    fn analyse(&self, file: &FileFacts<'_>, data: &dyn Source, out: &mut Found);
    /// Rows that need several files together (an onion-service folder: its
    /// key, its hostname and the torrc naming it), once every file of a
    /// file system (or folder) has been seen. The analyser is ready for the
    /// next one afterwards.
    fn finish(&self) -> Found {
        Found::default()
    }
}

/// Every analyser, in the order they run on a file.
pub fn registry() -> Vec<Box<dyn Analyser>> {
    vec![
        Box::new(mail::Mail),
        Box::new(darknet::Darknet::default()),
        Box::new(windows::Windows),
    ]
}

/// Every analyser's [`Analyser::finish`] rows; warnings name the analyser.
pub fn finish_all(analysers: &[Box<dyn Analyser>]) -> Found {
    let mut all = Found::default();
    for a in analysers {
        let mut f = a.finish();
        for w in &mut f.warnings {
            *w = format!("{}: {w}", a.name());
        }
        all.extend(f);
    }
    all
}

/// Runs one analyser over a file it wants; its warnings name it and the file.
pub fn run_one(a: &dyn Analyser, file: &FileFacts<'_>, data: &dyn Source) -> Found {
    let mut found = Found::default();
    a.analyse(file, data, &mut found);
    for w in &mut found.warnings {
        *w = format!("{}: {}: {w}", a.name(), file.key.path);
    }
    found
}
