//! Reading everything the report says from the case, read-only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use exhibit_case::{Case, CaseInfo, EvidenceRecord};
use exhibit_custody::{Checkpoint, Entry, VerifyReport};
use exhibit_store::{CaseStore, EnrichmentRow, FindingRow, MessageRow, TagRow, TimelineRow};

use crate::{Options, ReportError};

/// At most this many top values per finding kind in the summary.
const TOP_VALUES: usize = 5;
/// At most this many flagged enrichment rows in the summary.
const MAX_FLAGGED: usize = 50;

/// One evidence item as the report shows it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The record (`evidence/E<n>.json`).
    pub record: EvidenceRecord,
    /// Exhibit number, when the export loader could read it.
    pub exhibit_number: Option<String>,
    /// Acquisition start and end, from Exhibit's acquisition log.
    pub acquired: Option<(String, String)>,
    /// The acquiring tool.
    pub acquired_with: Option<String>,
}

/// One line of the custody log: an entry, or a line that does not parse
/// (shown as such: a damaged log is evidence too).
#[derive(Debug, Clone)]
pub enum CustodyLine {
    /// A well-formed entry (its hash may still be wrong: see the verify
    /// report).
    Entry(Box<Entry>),
    /// A line that is not an entry: its 1-based line number and text.
    Unreadable(usize, String),
}

/// The custody log and what verifying it says now.
#[derive(Debug, Clone)]
pub struct Custody {
    /// The lines, in order.
    pub lines: Vec<CustodyLine>,
    /// The verification, or why it could not run.
    pub verify: Result<VerifyReport, String>,
    /// The latest checkpoint and its signer's key fingerprint (`Err` when
    /// its signature does not verify).
    pub checkpoint: Option<(Checkpoint, Result<String, String>)>,
}

/// A tagged finding with where it was found.
#[derive(Debug, Clone)]
pub struct TaggedFinding {
    /// The tag (`key` is `kind:value`).
    pub tag: TagRow,
    /// Finding kind.
    pub kind: String,
    /// Normalised value.
    pub value: String,
    /// How many times it was found.
    pub count: u64,
    /// The first occurrences (evidence order, then row order).
    pub occurrences: Vec<FindingRow>,
    /// What enrichment says of it.
    pub enrichment: Option<EnrichmentRow>,
}

/// Findings of one kind, for the summary.
#[derive(Debug, Clone)]
pub struct KindSummary {
    /// Kind.
    pub kind: String,
    /// Times found.
    pub total: u64,
    /// Distinct values.
    pub distinct: u64,
    /// Most frequent values with their counts.
    pub top: Vec<(String, u64)>,
}

/// A message in the e-mail section.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its tag, when tagged.
    pub tag: Option<TagRow>,
    /// The row.
    pub row: MessageRow,
    /// Its analysis (route, indicators), when it parses.
    pub analysis: Option<serde_json::Value>,
}

/// What the case store contributes.
#[derive(Debug, Clone, Default)]
pub struct StoreData {
    /// Tagged findings, by kind and value.
    pub findings: Vec<TaggedFinding>,
    /// Findings per kind.
    pub kinds: Vec<KindSummary>,
    /// Flagged enrichment rows.
    pub flagged: Vec<EnrichmentRow>,
    /// Tagged events: the tag and the events it names, in time order.
    pub events: Vec<(TagRow, Vec<TimelineRow>)>,
    /// Messages shown.
    pub messages: Vec<Message>,
    /// No message was tagged and all are shown.
    pub all_messages: bool,
}

/// Everything the report says.
#[derive(Debug, Clone)]
pub struct CaseData {
    /// The case record.
    pub info: CaseInfo,
    /// Evidence, in registration order.
    pub evidence: Vec<Item>,
    /// The custody log.
    pub custody: Custody,
    /// The case store, when the case was triaged.
    pub store: Option<StoreData>,
}

impl CaseData {
    /// Time of the last readable custody entry (RFC 3339).
    pub fn last_custody_time(&self) -> Option<String> {
        self.custody.lines.iter().rev().find_map(|l| match l {
            CustodyLine::Entry(e) => Some(exhibit_custody::format_time(&e.time)),
            CustodyLine::Unreadable(..) => None,
        })
    }
}

/// Reads the case in `case_dir`. Opens nothing for writing and creates
/// nothing but the store's own bookkeeping.
pub fn load(case_dir: &Path, opts: &Options) -> Result<CaseData, ReportError> {
    let case = Case::open(case_dir)?;
    let custody = custody(&case);
    // The export's loader adds exhibit numbers and acquisition times; it
    // needs a custody log that parses, so a damaged one falls back to the
    // bare records (the custody section shows the damage).
    let export_opts = exhibit_export::ExportOptions {
        max_findings: 0,
        ..Default::default()
    };
    let evidence: Vec<Item> = match exhibit_export::load(&case, &export_opts) {
        Ok(snap) => snap
            .evidence
            .into_iter()
            .map(|e| Item {
                record: e.record,
                exhibit_number: Some(e.exhibit_number),
                acquired: e.acquired,
                acquired_with: e.acquired_with,
            })
            .collect(),
        Err(_) => case
            .evidence()?
            .into_iter()
            .map(|record| Item {
                record,
                exhibit_number: None,
                acquired: None,
                acquired_with: None,
            })
            .collect(),
    };
    let store = match exhibit_store::link::open_existing(case.dir())? {
        Some(store) => {
            let ids: Vec<String> = evidence.iter().map(|e| e.record.id.clone()).collect();
            Some(store_data(&*store, &ids, opts)?)
        }
        None => None,
    };
    Ok(CaseData {
        info: case.info().clone(),
        evidence,
        custody,
        store,
    })
}

fn custody(case: &Case) -> Custody {
    let log = case.custody_log_path();
    let cps = case.checkpoints_path();
    let cps = cps.is_file().then_some(cps);
    let verify = case.verify_custody(&[]).map_err(|e| e.to_string());
    let lines = match std::fs::read(&log) {
        Ok(raw) => raw
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| match Entry::parse_line(l) {
                Ok(e) => CustodyLine::Entry(Box::new(e)),
                Err(_) => CustodyLine::Unreadable(i + 1, String::from_utf8_lossy(l).into_owned()),
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let checkpoint = cps
        .and_then(|p| exhibit_custody::read_checkpoints(&p).ok())
        .and_then(|mut v| v.pop())
        .map(|c| {
            let signer = c
                .verify_signature()
                .map(|k| exhibit_custody::fingerprint(&k))
                .map_err(|e| match e {
                    exhibit_custody::SignatureFailure::BadKey(s) => format!("bad key: {s}"),
                    exhibit_custody::SignatureFailure::BadSignature(s) => s,
                });
            (c, signer)
        });
    Custody {
        lines,
        verify,
        checkpoint,
    }
}

fn store_data(
    store: &dyn CaseStore,
    evidence: &[String],
    opts: &Options,
) -> Result<StoreData, ReportError> {
    let tags = store.tags()?;
    let enrichment: BTreeMap<(String, String), EnrichmentRow> = store
        .enrichment(false)?
        .into_iter()
        .map(|e| ((e.kind.clone(), e.value.clone()), e))
        .collect();

    // Summary: per kind totals and top values (the histogram is most
    // frequent first, ties by kind and value: deterministic).
    let mut kinds: BTreeMap<String, KindSummary> = BTreeMap::new();
    for h in store.histogram(None, None)? {
        let k = kinds.entry(h.kind.clone()).or_insert_with(|| KindSummary {
            kind: h.kind.clone(),
            total: 0,
            distinct: 0,
            top: Vec::new(),
        });
        k.total += h.count;
        k.distinct += 1;
        if k.top.len() < TOP_VALUES {
            k.top.push((h.value, h.count));
        }
    }
    let flagged: Vec<EnrichmentRow> = enrichment
        .values()
        .filter(|e| e.flagged)
        .take(MAX_FLAGGED)
        .cloned()
        .collect();

    // Tagged findings and all their occurrences, in one pass per item.
    let mut findings: Vec<TaggedFinding> = tags
        .iter()
        .filter(|t| t.target == "finding")
        .filter_map(|t| {
            let (kind, value) = t.key.split_once(':')?;
            Some(TaggedFinding {
                tag: t.clone(),
                kind: kind.to_string(),
                value: value.to_string(),
                count: 0,
                occurrences: Vec::new(),
                enrichment: enrichment
                    .get(&(kind.to_string(), value.to_string()))
                    .cloned(),
            })
        })
        .collect();
    let wanted: BTreeMap<(String, String), usize> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.kind.clone(), f.value.clone()), i))
        .collect();
    if !wanted.is_empty() {
        for ev in evidence {
            store.each_finding(ev, &mut |_, row| {
                if let Some(&i) = wanted.get(&(row.kind.clone(), row.normalized.clone())) {
                    let f = &mut findings[i];
                    f.count += 1;
                    if f.occurrences.len() < opts.max_occurrences {
                        f.occurrences.push(row);
                    }
                }
            })?;
        }
    }

    // Tagged events: every event at the tagged time whose description
    // contains the tag's detail.
    let mut events = Vec::new();
    for t in tags.iter().filter(|t| t.target == "event") {
        let to = format!("{}\u{1}", t.key);
        let rows: Vec<TimelineRow> = store
            .timeline(Some(&t.key), Some(&to))?
            .into_iter()
            .filter(|r| r.time == t.key && r.description.contains(&t.detail))
            .collect();
        events.push((t.clone(), rows));
    }
    events.sort_by(|a, b| (&a.0.key, &a.0.detail).cmp(&(&b.0.key, &b.0.detail)));

    // Messages: the tagged ones, or all when none is tagged and few exist.
    let msg_tags: BTreeMap<&str, &TagRow> = tags
        .iter()
        .filter(|t| t.target == "message")
        .map(|t| (t.key.as_str(), t))
        .collect();
    let all = store.messages(None)?;
    let all_messages = msg_tags.is_empty() && all.len() <= opts.all_messages_up_to;
    let mut seen = BTreeSet::new();
    let messages = all
        .into_iter()
        .filter(|m| all_messages || msg_tags.contains_key(m.sha256.as_str()))
        // One message can sit in two mailboxes: the first copy is shown.
        .filter(|m| all_messages || seen.insert(m.sha256.clone()))
        .map(|m| Message {
            tag: msg_tags.get(m.sha256.as_str()).map(|t| (*t).clone()),
            analysis: m
                .analysis
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok()),
            row: m,
        })
        .collect();

    Ok(StoreData {
        findings,
        kinds: kinds.into_values().collect(),
        flagged,
        events,
        messages,
        all_messages,
    })
}
