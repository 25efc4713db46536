//! # exhibit-acquire
//!
//! Acquisition of evidence for Exhibit: a disk or file is imaged, read-only,
//! into a raw image split into segments (`{name}.001`, `{name}.002`, …),
//! hashed (MD5, SHA-1, SHA-256) in the same pass, with an acquisition log
//! in JSON and text recording who acquired what, when, how, the hashes of
//! the image and of each segment, and every unreadable range.
//!
//! * [`acquire`] images a [`Source`](exhibit_evidence::Source). A block that
//!   cannot be read is re-read sector by sector; sectors that still fail are
//!   zero-filled and logged ([`ReadError`]), never fatal.
//! * [`verify`] re-reads the segments and checks them against the log,
//!   naming each missing, resized or altered segment and each mismatching
//!   hash ([`VerifyOutcome`]).
//! * [`SourceIdentity::probe`] describes a source: canonical path, size,
//!   block device or not, and (Linux) the disk's model and serial.
//!
//! ## What this crate must never do
//!
//! * **Never write to the source.** The source is only reached through the
//!   read-only [`Source`](exhibit_evidence::Source) trait; [`verify`] and
//!   [`SourceIdentity::probe`] open files read-only.
//! * **Never overwrite an existing output.** Output files are created with
//!   `create_new`, moved into place without replacing anything, and an
//!   acquisition whose names are already taken is refused
//!   ([`AcquireError::Exists`]). A failed acquisition removes what it wrote
//!   and leaves no half-written image behind (`*.partial` until complete).
//! * **Never touch the network.**
//! * Never panic on I/O or on a log's content: failures are [`AcquireError`]s.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod acquire;
mod error;
mod identity;
mod log;
mod verify;

pub use acquire::{acquire, AcquireOptions, MAX_SEGMENTS, PARTIAL_SUFFIX};
pub use error::AcquireError;
pub use identity::SourceIdentity;
pub use log::{
    AcquisitionLog, CaseInfo, ImageHashes, ReadError, SegmentRecord, LOG_FORMAT, LOG_JSON_SUFFIX,
    LOG_TXT_SUFFIX,
};
pub use verify::{verify, ImageSummary, VerifyOutcome};
