//! Moving a case between stores (SQLite to PostgreSQL and back): every
//! row as a backend-neutral [`Record`], and [`copy_case`].
//!
//! Records carry no row ids (they differ between databases): a row that
//! refers to a file names it by [`FileKey`], which the destination resolves
//! as its inserts always do. Rows come out in row order (files before the
//! rows that refer to them), and loading keeps that order, so the copy
//! dumps to the same sequence and reads back in the same order.

use serde::Serialize;

use crate::{
    CaseStore, EnrichmentRow, EvidenceRow, FileRow, FindingRow, MessageRow, StoreError, TagRow,
    TimelineRow,
};

/// One row of a case store, as [`CaseStore::dump`] yields it and
/// [`CaseStore::load`] takes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "table", rename_all = "snake_case")]
pub enum Record {
    /// An evidence item.
    Evidence(EvidenceRow),
    /// A file (`id` is 0).
    File(FileRow),
    /// A finding and the stage that wrote it (`file_id` is `None`, `file`
    /// names the file).
    Finding {
        /// The stage that wrote it.
        stage: String,
        /// The finding.
        row: FindingRow,
    },
    /// A timeline event and the stage that wrote it.
    Event {
        /// The stage that wrote it (`files` for file-system times).
        stage: String,
        /// The event.
        row: TimelineRow,
    },
    /// An e-mail message and the stage that wrote it.
    Message {
        /// The stage that wrote it.
        stage: String,
        /// The message.
        row: MessageRow,
    },
    /// What enrichment says of a finding value.
    Enrichment(EnrichmentRow),
    /// An examiner's tag.
    Tag(TagRow),
    /// A stage marked done.
    Stage {
        /// Evidence id.
        evidence: String,
        /// Stage name.
        stage: String,
        /// When it was done (RFC 3339).
        done_at: String,
    },
}

/// Rows copied per table by [`copy_case`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CopyReport {
    /// Evidence items.
    pub evidence: u64,
    /// Files.
    pub files: u64,
    /// Findings.
    pub findings: u64,
    /// Timeline events.
    pub events: u64,
    /// E-mail messages.
    pub messages: u64,
    /// Enrichment rows.
    pub enrichment: u64,
    /// Tags.
    pub tags: u64,
    /// Stage marks.
    pub stages: u64,
}

impl CopyReport {
    fn count(&mut self, r: &Record) {
        let n = match r {
            Record::Evidence(_) => &mut self.evidence,
            Record::File(_) => &mut self.files,
            Record::Finding { .. } => &mut self.findings,
            Record::Event { .. } => &mut self.events,
            Record::Message { .. } => &mut self.messages,
            Record::Enrichment(_) => &mut self.enrichment,
            Record::Tag(_) => &mut self.tags,
            Record::Stage { .. } => &mut self.stages,
        };
        *n += 1;
    }
}

/// Records per [`CaseStore::load`] call: one transaction each, small
/// enough to keep memory flat on a case of millions of findings.
const BATCH: usize = 5_000;

/// Copies every row of `from` into `to`, which must be empty (a second
/// copy would duplicate the rows that have no unique key). Each batch is
/// one transaction in `to`; a copy that fails midway leaves `to` partly
/// filled, to be dropped and copied again.
pub fn copy_case(from: &dyn CaseStore, to: &dyn CaseStore) -> Result<CopyReport, StoreError> {
    if to.counts()? != crate::Counts::default()
        || !to.tags()?.is_empty()
        || !to.enrichment(false)?.is_empty()
    {
        return Err(StoreError::NotEmpty);
    }
    let mut report = CopyReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    from.dump(&mut |r| {
        report.count(&r);
        batch.push(r);
        if batch.len() >= BATCH {
            to.load(&batch)?;
            batch.clear();
        }
        Ok(())
    })?;
    if !batch.is_empty() {
        to.load(&batch)?;
    }
    Ok(report)
}

/// A run of consecutive records of one table (and one stage), inserted
/// with one statement per run where the backend can.
pub(crate) enum Run<'a> {
    Evidence(Vec<&'a EvidenceRow>),
    Files(Vec<&'a FileRow>),
    Findings(&'a str, Vec<&'a FindingRow>),
    Events(&'a str, Vec<&'a TimelineRow>),
    Messages(&'a str, Vec<&'a MessageRow>),
    Enrichment(Vec<&'a EnrichmentRow>),
    Tags(Vec<&'a TagRow>),
    Stages(Vec<(&'a str, &'a str, &'a str)>),
}

/// Splits records into runs, keeping their order.
pub(crate) fn runs(records: &[Record]) -> Vec<Run<'_>> {
    let mut out: Vec<Run<'_>> = Vec::new();
    for r in records {
        match (out.last_mut(), r) {
            (Some(Run::Evidence(v)), Record::Evidence(x)) => v.push(x),
            (Some(Run::Files(v)), Record::File(x)) => v.push(x),
            (Some(Run::Findings(s, v)), Record::Finding { stage, row }) if s == stage => {
                v.push(row)
            }
            (Some(Run::Events(s, v)), Record::Event { stage, row }) if s == stage => v.push(row),
            (Some(Run::Messages(s, v)), Record::Message { stage, row }) if s == stage => {
                v.push(row)
            }
            (Some(Run::Enrichment(v)), Record::Enrichment(x)) => v.push(x),
            (Some(Run::Tags(v)), Record::Tag(x)) => v.push(x),
            (
                Some(Run::Stages(v)),
                Record::Stage {
                    evidence,
                    stage,
                    done_at,
                },
            ) => v.push((evidence, stage, done_at)),
            (_, r) => out.push(match r {
                Record::Evidence(x) => Run::Evidence(vec![x]),
                Record::File(x) => Run::Files(vec![x]),
                Record::Finding { stage, row } => Run::Findings(stage, vec![row]),
                Record::Event { stage, row } => Run::Events(stage, vec![row]),
                Record::Message { stage, row } => Run::Messages(stage, vec![row]),
                Record::Enrichment(x) => Run::Enrichment(vec![x]),
                Record::Tag(x) => Run::Tags(vec![x]),
                Record::Stage {
                    evidence,
                    stage,
                    done_at,
                } => Run::Stages(vec![(evidence, stage, done_at)]),
            }),
        }
    }
    out
}
