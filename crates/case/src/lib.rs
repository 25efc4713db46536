//! The case folder: what a case is on disk, the evidence registered in it,
//! and the chain-of-custody log every action on that evidence goes through.
//!
//! ```text
//! CASE/
//!   case.json                 name, number, examiner, creation time
//!   custody/log.jsonl         append-only custody log (exhibit-custody)
//!   custody/checkpoints.jsonl signed tree heads
//!   evidence/E1.json …        one record per registered evidence item
//! ```
//!
//! # What this crate must never do
//! - Write to evidence: sources are opened through `exhibit-evidence`,
//!   which opens read-only.
//! - Leave a half-written case: a new case is built in a temporary folder
//!   and renamed into place; records are written to a temporary name and
//!   renamed; the custody entry is appended only after the record exists,
//!   and the record is removed again if the append fails.
//! - Rewrite the custody log; do network I/O.
#![deny(missing_docs)]

mod case;
mod error;
pub mod folder;
mod record;

pub use case::{
    hash_source, stored_hash_checks, Case, CaseInfo, CUSTODY_CHECKPOINTS, CUSTODY_LOG, FOLDER,
};
pub use error::CaseError;
pub use record::{EvidenceRecord, HashCheck};
