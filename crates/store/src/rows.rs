//! The rows the store holds.

use serde::Serialize;

/// One registered evidence item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceRow {
    /// Case id (`E1`, `E2`, …).
    pub id: String,
    /// Path of the (first) evidence file.
    pub path: String,
    /// Container kind (raw, split, E01).
    pub container: String,
    /// Media size in bytes.
    pub size: u64,
    /// MD5 of the media (hex).
    pub md5: Option<String>,
    /// SHA-1 of the media (hex).
    pub sha1: Option<String>,
    /// SHA-256 of the media (hex).
    pub sha256: Option<String>,
}

/// Identifies a file within an evidence item (the `files` unique key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileKey {
    /// Partition number (1-based).
    pub partition: i64,
    /// File-system address (TSK style).
    pub inode: String,
    /// Full path.
    pub path: String,
}

/// One file-system entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRow {
    /// Row id (0 before insertion).
    pub id: i64,
    /// Evidence id.
    pub evidence: String,
    /// Partition, address and path.
    #[serde(flatten)]
    pub key: FileKey,
    /// File-system kind.
    pub fs: String,
    /// Kind of the name entry (file, directory, …).
    pub name_kind: String,
    /// Deleted (name or metadata unallocated).
    pub deleted: bool,
    /// Size in bytes.
    pub size: u64,
    /// Mode bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Access time (RFC 3339 UTC).
    pub atime: Option<String>,
    /// Modification time.
    pub mtime: Option<String>,
    /// Metadata change time.
    pub ctime: Option<String>,
    /// Creation time.
    pub crtime: Option<String>,
    /// MD5 of the content (hex).
    pub md5: Option<String>,
    /// SHA-1 of the content.
    pub sha1: Option<String>,
    /// SHA-256 of the content.
    pub sha256: Option<String>,
    /// Type by content.
    pub mime: Option<String>,
    /// How far the content can be trusted (certain, guess, lost).
    pub recovery: String,
}

/// One finding of the scanner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRow {
    /// Evidence id.
    pub evidence: String,
    /// Kind (email, url, wallet, …).
    pub kind: String,
    /// Value as found.
    pub value: String,
    /// Normalised value.
    pub normalized: String,
    /// Forensic path (`8192-GZIP-120`).
    pub path: String,
    /// Offset in the evidence.
    pub offset: u64,
    /// Text encoding or decoding, if any.
    pub encoding: Option<String>,
    /// Whether a checksum proved it.
    pub validated: bool,
    /// The bytes around it, as text (lossy UTF-8, control bytes escaped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The file holding it, if known.
    pub file: Option<FileKey>,
    /// Row id of that file, when the writer already knows it (saves a
    /// lookup per row); otherwise `file` is resolved by the store.
    #[serde(skip)]
    pub file_id: Option<i64>,
}

/// One timeline event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineRow {
    /// Time (RFC 3339 UTC, nanoseconds).
    pub time: String,
    /// MACB flags (`m.c.`).
    pub macb: String,
    /// Evidence id.
    pub evidence: String,
    /// Source of the event (file-system kind).
    pub source: String,
    /// What happened (the path).
    pub description: String,
    /// The source's own time zone or UTC offset, when it recorded one
    /// (the time itself is always UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The file it belongs to, if any.
    pub file: Option<FileKey>,
    /// Row id of that file, when known (see [`FindingRow::file_id`]).
    #[serde(skip)]
    pub file_id: Option<i64>,
}

/// One e-mail message found in the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRow {
    /// Evidence id.
    pub evidence: String,
    /// SHA-256 of the raw message (its stable id).
    pub sha256: String,
    /// Where it is: the file path (and `@offset` within a mailbox).
    pub location: String,
    /// Offset of the message within its file.
    pub offset: u64,
    /// Size of the raw message.
    pub size: u64,
    /// Message-ID header.
    pub message_id: Option<String>,
    /// Date header in UTC (RFC 3339).
    pub date: Option<String>,
    /// The sender's zone as written in the Date header.
    pub date_zone: Option<String>,
    /// From (display form).
    pub sender: Option<String>,
    /// To and Cc (display form, `, `-separated).
    pub recipients: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Number of attachments.
    pub attachments: u64,
    /// Analysis as JSON (route, verdicts), when an analyser made one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<String>,
    /// The file holding it.
    pub file: Option<FileKey>,
    /// Row id of that file, when known.
    #[serde(skip)]
    pub file_id: Option<i64>,
}

/// Rows per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Evidence items.
    pub evidence: u64,
    /// Files.
    pub files: u64,
    /// Deleted files.
    pub deleted: u64,
    /// Findings.
    pub findings: u64,
    /// Timeline events.
    pub timeline: u64,
    /// E-mail messages.
    pub messages: u64,
}

/// What enrichment says of one distinct finding value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrichmentRow {
    /// Finding kind.
    pub kind: String,
    /// Normalised value (as in the findings).
    pub value: String,
    /// On a watchlist or imitating a protected name.
    pub flagged: bool,
    /// One line for listings (`SE Linköping AS29518`, `lookalike of …`).
    pub summary: String,
    /// The whole enrichment, JSON.
    pub json: String,
}

/// One line of a findings histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistogramRow {
    /// Kind.
    pub kind: String,
    /// Normalised value.
    pub value: String,
    /// How many times it was found.
    pub count: u64,
}

/// Which files to list.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    /// Only this evidence item.
    pub evidence: Option<String>,
    /// Only deleted files.
    pub deleted_only: bool,
    /// Only files whose type starts with this (`image/`).
    pub mime_prefix: Option<String>,
    /// At most this many rows.
    pub limit: Option<usize>,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchHit {
    /// What matched: `finding`, `file` or `event`.
    pub what: String,
    /// Evidence id.
    pub evidence: String,
    /// Finding kind (email, url, …), file type by content, or MACB flags.
    pub kind: Option<String>,
    /// The matching text: finding value, file path or event description.
    pub text: String,
    /// Forensic path of a finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Offset of a finding in the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Time of an event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Path of the file holding a finding or an event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// What to search.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Text to find (a substring, case-insensitive).
    pub text: String,
    /// `finding`, `file`, `event`, or a finding kind (only those findings);
    /// all when `None`.
    pub kind: Option<String>,
    /// At most this many hits per table.
    pub limit: Option<usize>,
}

/// Something the examiner tagged for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagRow {
    /// What is tagged: `finding`, `event` or `message`.
    pub target: String,
    /// Which one: `kind:normalised value` for a finding, the event time
    /// (RFC 3339 UTC as stored) for events, the SHA-256 of a message.
    pub key: String,
    /// For events: only those whose description contains this text
    /// (empty: every event at that time).
    pub detail: String,
    /// The examiner's note.
    pub note: Option<String>,
    /// Who tagged it.
    pub examiner: String,
    /// When (RFC 3339 UTC).
    pub tagged_at: String,
}
