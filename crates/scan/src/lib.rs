//! Bulk lead scanner: finds e-mail addresses, URLs and host names, IPv4 and
//! IPv6 addresses, telephone numbers, payment cards, IBANs, cryptocurrency
//! wallets, Tor onion and I2P addresses, and GPS coordinates in EXIF blocks anywhere in evidence — allocated or
//! not, in ASCII/UTF-8 or UTF-16 text, and inside gzip, zlib, ZIP (Office
//! documents), base64 and PDF streams, recursively — in the manner of
//! bulk_extractor.
//!
//! The shape is ripgrep's: a [`Source`] of bytes, a set of scanners, a
//! [`Sink`] of [`Feature`]s. [`scan_source`] reads the source in parallel,
//! overlapping chunks; [`scan_bytes`] scans a buffer. Each chunk is
//! scanned in one pass over 64-byte block masks (text, zero, container
//! signature bits, SSE2 on x86-64) that finds text runs, UTF-16 runs and
//! signatures; only those reach the scanners, and scanners report only what
//! their validators accept (Luhn, mod-97, onion checksums, libphonenumber
//! metadata, wallet checksums). Every feature carries a forensic path in
//! bulk_extractor's convention (`8192-ZIP-512-BASE64-118`). [`DirSink`]
//! writes bulk_extractor-style feature files, histograms and a JSON-lines
//! file, deterministically.
//!
//! # What this crate must never do
//! - Write to evidence: sources are only read through [`Source::read_at`].
//! - Use unbounded memory: chunks are fixed-size, decoded objects are cut at
//!   [`ScanConfig::max_decoded`] bytes and [`ScanConfig::max_ratio`], nesting
//!   at [`ScanConfig::max_depth`]; cut-offs are reported as notes. (The
//!   in-memory [`CollectSink`] and the histograms of [`DirSink`] grow with
//!   what is found, as documented there.)
//! - Panic on any input, however hostile (random bytes, truncated or
//!   malicious compressed streams, deep nesting).
//! - Touch the network.
#![deny(missing_docs)]

mod chunk;
mod classes;
mod config;
mod decode;
mod dirsink;
mod engine;
mod error;
mod escape;
mod exif;
mod feature;
mod frame;
mod masks;
mod order;
mod sink;
mod text;
mod utf16;

pub use chunk::{chunk_count, scan_bytes, scan_chunks, scan_source};
pub use config::{ScanConfig, Stats, LEFT_MARGIN, MAX_DEPTH, MIN_MARGIN};
pub use dirsink::{DirSink, DirSummary};
pub use error::ScanError;
pub use escape::escape;
pub use exhibit_evidence::Source;
pub use feature::{Feature, Kind};
pub use order::{feature_order, path_order};
pub use sink::{CollectSink, Note, Sink};
