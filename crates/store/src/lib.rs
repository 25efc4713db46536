//! The searchable case store: every file, finding and timeline event of a
//! case, queryable, in `CASE/case.db`.
//!
//! [`CaseStore`] is the interface the rest of Exhibit uses, so a PostgreSQL
//! backend can follow; [`SqliteStore`] is the SQLite implementation (WAL,
//! foreign keys on, schema versioned by ordered migrations).
//!
//! What it must never do: touch evidence (it only ever sees rows derived
//! from it), or rewrite what was stored. Every insert is `INSERT OR
//! IGNORE` inside one transaction per batch, so running a stage again adds
//! nothing and a killed run leaves a consistent database.
#![deny(missing_docs)]

mod error;
mod rows;
mod schema;
mod sqlite;

pub use error::StoreError;
pub use rows::{
    Counts, EvidenceRow, FileFilter, FileKey, FileRow, FindingRow, HistogramRow, SearchHit,
    SearchQuery, TimelineRow,
};
pub use schema::SCHEMA_VERSION;
pub use sqlite::SqliteStore;

/// File name of the store inside a case folder.
pub const DB_FILE: &str = "case.db";

/// What a case store can do. Implementations are shared between threads.
pub trait CaseStore: Send + Sync {
    /// Stores (or keeps) an evidence row.
    fn put_evidence(&self, row: &EvidenceRow) -> Result<(), StoreError>;
    /// Inserts files and their timeline events in one transaction; rows
    /// already present are ignored. Returns the number of new file rows.
    fn insert_files(&self, files: &[FileRow], events: &[TimelineRow]) -> Result<usize, StoreError>;
    /// Inserts findings in one transaction; duplicates are ignored. Returns
    /// the number of new rows.
    fn insert_findings(&self, rows: &[FindingRow]) -> Result<usize, StoreError>;
    /// Whether a stage of an evidence item is done.
    fn stage_done(&self, evidence: &str, stage: &str) -> Result<bool, StoreError>;
    /// Marks a stage done at `done_at` (RFC 3339).
    fn mark_stage(&self, evidence: &str, stage: &str, done_at: &str) -> Result<(), StoreError>;
    /// Row counts per table.
    fn counts(&self) -> Result<Counts, StoreError>;
    /// Findings per (kind, normalised value), most frequent first, for one
    /// kind or all; at most `limit` rows when given.
    fn histogram(
        &self,
        kind: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<HistogramRow>, StoreError>;
    /// Files matching a filter, ordered by evidence, partition and path.
    fn files(&self, filter: &FileFilter) -> Result<Vec<FileRow>, StoreError>;
    /// Timeline events with `from <= time < to` (either bound optional),
    /// in time order.
    fn timeline(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<TimelineRow>, StoreError>;
    /// Row counts of one evidence item.
    fn evidence_counts(&self, evidence: &str) -> Result<Counts, StoreError>;
    /// Findings (value, normalised value), file paths and timeline
    /// descriptions containing the query text: findings first (by evidence
    /// and offset), then files (by path), then events (by time).
    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError>;
    /// Earliest and latest event time, if any.
    fn time_span(&self) -> Result<Option<(String, String)>, StoreError>;
}
