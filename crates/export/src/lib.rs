//! # exhibit-export: a case for partner agencies' tools
//!
//! Turns an Exhibit case folder (case record, registered evidence, custody
//! log, case store) into:
//!
//! * **CASE/UCO JSON-LD** (CASE 1.5, [`to_case`]): the investigation, each
//!   evidence item as an observable with its MD5/SHA-1/SHA-256, provenance
//!   records with exhibit numbers, one investigative action per custody
//!   entry (performer, tool, time, inputs, results) and the export itself,
//!   and the case's leads as observables;
//! * **a STIX 2.1 bundle** ([`to_stix`]): the leads as cyber-observables
//!   with indicators, observed-data and sightings tied to a `grouping` for
//!   the case and an `identity` for the examiner, for MISP and OpenCTI.
//!
//! * **Parquet** ([`parquet::write_parquet`]): every finding, file and
//!   timeline event as three tables, for analytics over many cases.
//!
//! All are deterministic: ids are UUIDv5 of content ([`ids`]), arrays are
//! sorted, object keys are sorted, and no clock is read, so the same case
//! gives the same bytes. The times in an export are the case's own (custody
//! entries, acquisition log, case creation). `exported` custody entries
//! are left out of the export, so recording an export (see
//! [`record_export`]) does not change the next one.
//!
//! Leads are the case's distinct finding values of the kinds a partner can
//! search for (e-mail, URL, domain, onion/I2P host, IPv4/IPv6, wallet,
//! phone), most frequent first, capped by [`ExportOptions::max_findings`];
//! the export states the cap and how many were left out.
//!
//! ## What this crate must never do
//! * open evidence, or write anything in the case except the one
//!   `exported` custody entry of [`record_export`] (appended through
//!   `exhibit-case`, never rewriting the log); it does not even create a
//!   missing `case.db`;
//! * read the clock or iterate a hash map while building an export;
//! * do network I/O;
//! * panic on a damaged case: every problem is an [`ExportError`].
#![deny(missing_docs)]

mod case_ld;
pub mod ids;
pub mod parquet;
mod snapshot;
mod stix;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use case_ld::to_case;
pub use snapshot::{load, EvidenceItem, Lead, LeadKind, Location, Snapshot};
pub use stix::to_stix;

/// Errors of an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The case folder could not be opened or read.
    #[error(transparent)]
    Case(#[from] exhibit_case::CaseError),
    /// The custody log could not be read.
    #[error(transparent)]
    Custody(#[from] exhibit_custody::CustodyError),
    /// The case store could not be read.
    #[error(transparent)]
    Store(#[from] exhibit_store::StoreError),
    /// A case file is not what Exhibit writes.
    #[error("{}: {what}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// The export could not be serialised.
    #[error("serialising the export: {0}")]
    Json(#[from] serde_json::Error),
    /// An output file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CASE 1.5 / UCO JSON-LD.
    Case,
    /// STIX 2.1 bundle.
    Stix,
}

impl Format {
    /// Name used on the command line and in the custody log.
    pub fn name(self) -> &'static str {
        match self {
            Format::Case => "case",
            Format::Stix => "stix",
        }
    }

    /// Spelled-out name with its version.
    pub fn title(self) -> &'static str {
        match self {
            Format::Case => "CASE 1.5.0 / UCO JSON-LD",
            Format::Stix => "STIX 2.1 bundle",
        }
    }
}

/// What to export and how.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// At most this many distinct lead values (most frequent first).
    pub max_findings: usize,
    /// Version of the exporting tool (Exhibit's), named in the export.
    pub tool_version: String,
    /// Who exports (the performer of the export action); the case's
    /// examiner when `None`.
    pub examiner: Option<String>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            max_findings: 1000,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            examiner: None,
        }
    }
}

/// Exports a loaded case in `format`: pretty JSON ending in a newline.
pub fn render(
    snap: &Snapshot,
    format: Format,
    opts: &ExportOptions,
) -> Result<Vec<u8>, ExportError> {
    let doc = match format {
        Format::Case => to_case(snap, opts),
        Format::Stix => to_stix(snap, opts),
    };
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    Ok(out)
}

/// SHA-256 of an export's bytes, lower-case hex, as recorded in custody.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Appends the `exported` custody entry for an export that was written:
/// the format, where it went, its size and SHA-256, and how many leads it
/// holds, so the custody log proves which bytes left the lab and when.
pub fn record_export(
    case: &exhibit_case::Case,
    examiner: &str,
    format: Format,
    destination: &str,
    bytes: &[u8],
    snap: &Snapshot,
    now: jiff::Timestamp,
) -> Result<(), ExportError> {
    let details = BTreeMap::from([
        ("format".to_string(), format.name().to_string()),
        ("standard".to_string(), format.title().to_string()),
        ("destination".to_string(), destination.to_string()),
        ("size".to_string(), bytes.len().to_string()),
        ("sha256".to_string(), sha256_hex(bytes)),
        (
            "evidence".to_string(),
            snap.evidence
                .iter()
                .map(|e| e.record.id.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("leads".to_string(), snap.leads.len().to_string()),
        ("leads_total".to_string(), snap.leads_total.to_string()),
        (
            "custody_entries".to_string(),
            snap.custody.len().to_string(),
        ),
    ]);
    case.record_action(examiner, "exported", None, details, now)?;
    Ok(())
}
