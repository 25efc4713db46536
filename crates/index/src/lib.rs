//! The case's full-text index: every finding, file, event, message and file text of a case,
//! searchable in milliseconds by investigators who type `alice@example.com type:email ev:E1`.
//!
//! It lives in `CASE/index/` and is built on [tantivy](https://docs.rs/tantivy). The triage
//! pipeline feeds it [`Doc`]s per evidence item through a [`Writer`] (first
//! [`Writer::delete_evidence`], so a re-run replaces the item's documents, then
//! [`Writer::add`] for each document and one [`Writer::commit`]); search commands call
//! [`Index::search`] and [`Index::count`] with a [`Query`], usually from [`parse_query`].
//!
//! ```
//! use exhibit_index::{parse_query, Doc, DocKind, Index};
//! # fn main() -> Result<(), exhibit_index::IndexError> {
//! # let tmp = tempfile::tempdir().unwrap();
//! let index = Index::open(&tmp.path().join("index"))?;
//! let mut w = index.writer(1, 50_000_000)?;
//! w.delete_evidence("E1")?;
//! w.add(&Doc {
//!     kind: DocKind::Finding,
//!     evidence: "E1".into(),
//!     key: "17".into(),
//!     sort: "000000000004096".into(),
//!     tag: "email".into(),
//!     value: "alice@example.com".into(),
//!     path: "/home/alice/notes.txt".into(),
//!     time: None,
//!     text: "send the money to alice@example.com".into(),
//! })?;
//! w.commit()?;
//! let hits = index.search(&parse_query("example.com type:email path:/home/alice")?)?;
//! assert_eq!(hits[0].key, "17");
//! # Ok(()) }
//! ```
//!
//! # Search semantics
//!
//! - Free text matches words, case-insensitively, in `value`, `path` and `text`; all words must
//!   occur (AND); `"quoted phrases"` must occur in that order. A word with punctuation
//!   (`alice@example.com`, `example.com`, `192.168.1.5`, a URL) is searched as the phrase of its
//!   parts, so `example.com` finds `alice@example.com`, and also as a whole `value`.
//! - `value:` whole value, `type:` whole tag (both case-insensitive); `path:` whole path segments
//!   anywhere in the path; `ev:` evidence id (case-sensitive); `in:` kinds; `from:`/`to:` the
//!   half-open range `from <= time < to` (documents without a time are then excluded). See
//!   [`parse_query`].
//! - Results are deterministic: ordered by (kind, evidence, sort, key), never by score, so the
//!   same content gives the same hits in the same order whatever the segment layout or the number
//!   of threads that wrote it. [`Hit`] carries only stored fields; `text` is indexed, not stored.
//!
//! # Languages
//!
//! Words are runs of letters and digits of any script, with their combining marks
//! (Vietnamese, Indic, decomposed diacritics), lower-cased. Thai, Lao, Khmer, Myanmar, Chinese and
//! Japanese kana are written without spaces: each character is a token and a query word in those
//! scripts is a phrase of characters, so it matches wherever the character sequence occurs.
//!
//! Limitations: no stemming, no accent folding (`viet` does not find `việt`: in Vietnamese the
//! marks distinguish words), no Unicode normalisation (NFC text does not match an NFD query), no
//! Korean/Arabic morphology; tokens over 255 bytes are not indexed; time ranges are compared at
//! microsecond precision; at most [`MAX_HITS`] hits per search ([`Index::count`] is exact).
//!
//! # Must never
//!
//! - be the only copy of any fact: the case store (SQLite) is the truth and everything here is
//!   rebuildable from it (an incompatible or damaged index is deleted and rebuilt);
//! - touch evidence: it only receives documents;
//! - depend on the network.
#![deny(missing_docs)]

mod error;
mod index;
mod query;
mod tokenizer;

use serde::Serialize;

pub use error::IndexError;
pub use index::{Index, Writer};
pub use query::{parse_query, parse_time, Query};
pub use tokenizer::MAX_TOKEN_BYTES;

/// The most hits one search returns, whatever [`Query::limit`] asks.
pub const MAX_HITS: usize = 100_000;

/// What a document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    /// A finding of the scanner (e-mail address, URL, wallet…).
    Finding,
    /// A file (name, path, type).
    File,
    /// A timeline event.
    Event,
    /// A message (e-mail, chat).
    Message,
    /// The text content of a file.
    Text,
}

impl DocKind {
    /// Every kind, in order.
    pub const ALL: [DocKind; 5] = [
        DocKind::Finding,
        DocKind::File,
        DocKind::Event,
        DocKind::Message,
        DocKind::Text,
    ];

    /// `finding`, `file`, `event`, `message` or `text`.
    pub fn name(self) -> &'static str {
        match self {
            DocKind::Finding => "finding",
            DocKind::File => "file",
            DocKind::Event => "event",
            DocKind::Message => "message",
            DocKind::Text => "text",
        }
    }

    /// The kind named `s` (as [`DocKind::name`] spells it, case-insensitive).
    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for DocKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A document to index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Doc {
    /// What it describes.
    pub kind: DocKind,
    /// The evidence item id (`E1`).
    pub evidence: String,
    /// Stable id within (kind, evidence): a finding row id, a file path key…
    pub key: String,
    /// The caller's stable sort key (a zero-padded offset, a path, a time); hits are ordered by
    /// (kind, evidence, sort, key). Not searchable, not returned.
    pub sort: String,
    /// Finding kind (`email`, `url`…), file mime type, event source, `email` for messages.
    pub tag: String,
    /// Finding normalised value, file path, message subject…
    pub value: String,
    /// Forensic path, file path or location.
    pub path: String,
    /// When it happened, if known.
    pub time: Option<jiff::Timestamp>,
    /// Free text: context, body, file content. Indexed, not stored (not in [`Hit`]).
    pub text: String,
}

/// One search result: the stored fields of a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// What it describes.
    pub kind: DocKind,
    /// The evidence item id.
    pub evidence: String,
    /// The document's key within (kind, evidence).
    pub key: String,
    /// The tag.
    pub tag: String,
    /// The value.
    pub value: String,
    /// The path.
    pub path: String,
    /// The time, if any.
    pub time: Option<jiff::Timestamp>,
}
