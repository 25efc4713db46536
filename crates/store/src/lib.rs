//! The searchable case store: every file, finding and timeline event of a
//! case, queryable.
//!
//! [`CaseStore`] is the interface the rest of Exhibit uses; two backends
//! implement it with the same behaviour (same rows, same order, same
//! search hits):
//!
//! - [`SqliteStore`]: one SQLite file per case, `CASE/case.db` (WAL,
//!   foreign keys on, schema versioned by ordered migrations).
//! - [`PgStore`]: a PostgreSQL database holding many cases, one schema
//!   (namespace) per case, with its own `schema_version` table; every text
//!   column compares bytewise (`COLLATE "C"`, as SQLite does), so listings
//!   sort the same on both.
//!
//! A case moves between backends with [`copy_case`] ([`CaseStore::dump`]
//! into [`CaseStore::load`]): row ids are not copied, file references are
//! resolved by [`FileKey`], and the copy dumps to the same records.
//!
//! What it must never do: touch evidence (it only ever sees rows derived
//! from it), or rewrite what was stored. Every batch is one transaction,
//! so a killed run leaves a consistent database; every row carries the
//! stage that wrote it, and a stage that did not finish is cleared
//! ([`CaseStore::clear_stage`]) and redone, so a rerun gives the same case.
//! It never writes outside its own case schema on PostgreSQL (apart from
//! the optional `pg_trgm` extension), never puts a password in an error
//! message, and has no async API.
#![deny(missing_docs)]

pub mod browse;
mod dump;
mod error;
pub mod link;
mod nul;
mod postgres;
mod postgres_browse;
mod rows;
mod schema;
mod sqlite;
mod tls;

pub use crate::browse::Browse;
pub use crate::postgres::{drop_schema, PgStore};
pub use dump::{copy_case, CopyReport, Record};
pub use error::StoreError;
pub use link::{open_browse, open_case_store, StoreLink};
pub use rows::{
    Counts, EnrichmentRow, EvidenceRow, FileFilter, FileKey, FileRow, FindingRow, HistogramRow,
    MessageRow, SearchHit, SearchQuery, TagRow, TimelineRow,
};
pub use schema::SCHEMA_VERSION;
pub use sqlite::SqliteStore;

/// File name of the store inside a case folder.
pub const DB_FILE: &str = "case.db";

/// What a case store can do. Implementations are shared between threads.
pub trait CaseStore: Send + Sync {
    /// Stores an evidence row, or updates it (hashes known later fill in
    /// hashes missing before; known hashes are never blanked).
    fn put_evidence(&self, row: &EvidenceRow) -> Result<(), StoreError>;
    /// Inserts files and their timeline events in one transaction; rows
    /// already present are ignored. Returns the number of new file rows.
    fn insert_files(&self, files: &[FileRow], events: &[TimelineRow]) -> Result<usize, StoreError>;
    /// Inserts findings written by `stage` in one transaction. Returns the
    /// number of rows.
    fn insert_findings(&self, stage: &str, rows: &[FindingRow]) -> Result<usize, StoreError>;
    /// Before (`true`) and after (`false`) a bulk load (files, events,
    /// findings): indexes that only serve searches (the findings' value
    /// index; on PostgreSQL also the trigram indexes, and the foreign keys
    /// of findings, events and messages) are dropped and built (checked)
    /// again once, which is cheaper than keeping them up to date row by
    /// row. Opening the store builds any that a killed load left missing.
    fn bulk_findings(&self, begin: bool) -> Result<(), StoreError>;
    /// Inserts timeline events written by `stage` in one transaction.
    fn insert_events(&self, stage: &str, rows: &[TimelineRow]) -> Result<usize, StoreError>;
    /// Inserts e-mail messages written by `stage` in one transaction.
    fn insert_messages(&self, stage: &str, rows: &[MessageRow]) -> Result<usize, StoreError>;
    /// Removes every row a stage of an evidence item wrote, and its mark,
    /// so an interrupted stage can be redone. Clearing `files` clears the
    /// item's files and the rows and marks of all its stages.
    fn clear_stage(&self, evidence: &str, stage: &str) -> Result<(), StoreError>;
    /// Removes the findings `stage` wrote for an evidence item at offsets
    /// `from <= offset < to`, and the stage mark `mark`, in one transaction:
    /// a unit of a distributed scan (a byte range) redone after a worker
    /// died leaves no duplicates. Returns the rows removed.
    fn clear_findings_in(
        &self,
        evidence: &str,
        stage: &str,
        range: (u64, u64),
        mark: &str,
    ) -> Result<usize, StoreError>;
    /// Row ids of the files of an evidence item, by key.
    fn file_ids(&self, evidence: &str) -> Result<Vec<(FileKey, i64)>, StoreError>;
    /// Messages of one evidence item or all, by evidence and location.
    fn messages(&self, evidence: Option<&str>) -> Result<Vec<MessageRow>, StoreError>;
    /// Findings whose normalised value is one of `values` (compared
    /// lower-cased), per (kind, value) with their count, by kind and value.
    fn findings_matching(&self, values: &[String]) -> Result<Vec<HistogramRow>, StoreError>;
    /// Calls `each` with every finding of an evidence item (row id first),
    /// in row order.
    fn each_finding(
        &self,
        evidence: &str,
        each: &mut dyn FnMut(i64, FindingRow),
    ) -> Result<(), StoreError>;
    /// Calls `each` with every timeline event of an evidence item.
    fn each_event(
        &self,
        evidence: &str,
        each: &mut dyn FnMut(i64, TimelineRow),
    ) -> Result<(), StoreError>;
    /// The path of evidence item `evidence`'s row, if it has one.
    fn evidence_path(&self, evidence: &str) -> Result<Option<String>, StoreError>;
    /// Whether a stage of an evidence item is done.
    fn stage_done(&self, evidence: &str, stage: &str) -> Result<bool, StoreError>;
    /// Marks a stage done at `done_at` (RFC 3339).
    fn mark_stage(&self, evidence: &str, stage: &str, done_at: &str) -> Result<(), StoreError>;
    /// Row counts per table.
    fn counts(&self) -> Result<Counts, StoreError>;
    /// Number of findings per kind, by kind (without building the
    /// per-value histogram: a large case has hundreds of thousands of values).
    fn kind_totals(&self) -> Result<Vec<browse::Facet>, StoreError>;
    /// Every distinct (kind, normalised value) of the findings, by kind and
    /// value.
    fn finding_values(&self) -> Result<Vec<(String, String)>, StoreError>;
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
    /// Replaces all enrichment rows (one transaction: a killed run leaves
    /// the previous rows).
    fn replace_enrichment(&self, rows: &[EnrichmentRow]) -> Result<(), StoreError>;
    /// Enrichment rows, flagged first, then by kind and value.
    fn enrichment(&self, flagged_only: bool) -> Result<Vec<EnrichmentRow>, StoreError>;
    /// Tags something for the report; tagging it again replaces the note.
    fn add_tag(&self, tag: &TagRow) -> Result<(), StoreError>;
    /// Removes a tag; returns whether there was one.
    fn remove_tag(&self, target: &str, key: &str, detail: &str) -> Result<bool, StoreError>;
    /// Every tag, by target, key and detail.
    fn tags(&self) -> Result<Vec<TagRow>, StoreError>;
    /// Where the rows are, for custody entries and messages (`case.db`,
    /// `postgresql schema case_…`): never a password.
    fn location(&self) -> String;
    /// Calls `each` with every row of every table, without row ids, from
    /// one consistent state: evidence (by id), files, findings, timeline
    /// events and messages (each in row order, so files come before the
    /// rows that refer to them), enrichment (by kind and value), tags (by
    /// target, key and detail) and stage marks (by evidence and stage).
    /// Stops at the first error `each` returns.
    fn dump(
        &self,
        each: &mut dyn FnMut(Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Inserts dumped records in one transaction, in their order, with
    /// the rules of the other inserts (files and stage marks already
    /// present are ignored, evidence, enrichment and tags are updated,
    /// file references are resolved by key). Findings, events and messages
    /// have no unique key: loading the same records twice doubles them.
    fn load(&self, records: &[Record]) -> Result<(), StoreError>;
}
