//! # exhibit-custody: the chain-of-custody log of a case
//!
//! Every action on evidence (registered, acquired, verified, examined,
//! exported…) appends one entry to an append-only, hash-chained JSON Lines
//! log. Signed checkpoints commit to the whole log with an RFC 9162 Merkle
//! tree, so a court or a foreign partner can check that no entry was
//! edited, deleted, reordered or cut off — with nothing but this
//! description, SHA-256 and Ed25519.
//!
//! ## What this crate must never do
//!
//! * never rewrite, truncate or repair a log or checkpoints file: it only
//!   appends (one `write` call per line, in append mode, then `fsync`), and
//!   refuses to append after a damaged last line;
//! * never do network I/O;
//! * never open evidence: it records what others did to evidence.
//!
//! ## The log file
//!
//! UTF-8, one entry per line, each line terminated by `\n`. A line is the
//! compact JSON object (no spaces), members in this order:
//!
//! ```text
//! {"seq":1,"time":"2026-11-29T16:22:11.123456Z","examiner":"Insp. A","action":"registered","evidence":"E1","details":{"sha256":"ab…"},"prev":"000…000","hash":"5c1…"}
//! ```
//!
//! * `seq`: integer, 1 for the first entry, +1 per entry (= line number);
//! * `time`: RFC 3339 UTC, exactly six fractional digits, `Z`;
//! * `examiner`, `action`: non-empty strings;
//! * `evidence`: string id (e.g. `"E1"`) or `null`;
//! * `details`: object; keys sorted (byte order), values any JSON;
//! * `prev`: `hash` of the previous entry, 64 zeros for the first;
//! * `hash`: 64 lowercase hex digits, always the last member.
//!
//! Strings use serde_json escaping: `"` `\` and control characters are
//! escaped, everything else (including non-ASCII) is written as raw UTF-8.
//!
//! **Canonical bytes and `hash`.** The canonical bytes `c` of a line are
//! the line (without `\n`) with its final member `,"hash":"<64 hex>"`
//! removed — i.e. the same JSON serialised without `hash`. Then
//! `hash = hex(SHA-256(0x00 || c))`, the RFC 9162 leaf hash of `c`.
//! A verifier hashes the bytes as found; it never re-serialises.
//!
//! ## The Merkle tree
//!
//! RFC 9162 §2.1 (= RFC 6962 §2.1) over SHA-256 (see [`merkle`]): leaf *i*
//! (0-based) is log line *i+1*, with leaf hash `SHA-256(0x00 || c)` (equal
//! to the line's `hash` when untampered); node = `SHA-256(0x01 || l || r)`;
//! a tree of `n > 1` leaves splits at the largest power of two `k < n`; the
//! empty tree's root is `SHA-256("")`.
//!
//! ## The checkpoints file
//!
//! Another JSON Lines file, one compact object per line, members in order:
//!
//! ```text
//! {"tree_size":8,"root_hash":"<hex>","time":"2026-11-29T17:00:00.000000Z","examiner":"Insp. A","prev_size":4,"consistency":["<hex>",…],"public_key":"<hex>","signature":"<hex>"}
//! ```
//!
//! * `tree_size`: number of log lines covered, `root_hash`: their Merkle root;
//! * `prev_size`: `tree_size` of the previous line of this file (0 for the
//!   first); `consistency`: RFC 9162 §2.1.4 consistency proof from
//!   `prev_size` to `tree_size` (empty if `prev_size` is 0 or equal), so a
//!   holder of only the older head can check the log only grew;
//! * `public_key`: 32-byte Ed25519 key, `signature`: 64-byte Ed25519
//!   signature (RFC 8032, verified strictly), over exactly the bytes
//!
//! ```text
//! exhibit-custody-checkpoint/v1\n{tree_size}\n{root_hash}\n{prev_size}\n{time}\n{examiner}\n
//! ```
//!
//!   (decimal sizes, lowercase hex, `time` as stored; the examiner has no
//!   control characters).
//!
//! ## Key files
//!
//! One line of lowercase hex and `\n`: the secret file (mode 0600) holds the
//! 32-byte Ed25519 seed, the public file the 32-byte public key. The
//! fingerprint is the first 16 hex digits of SHA-256 of the public key.
//!
//! ## Locking
//!
//! Writers hold an OS lock (`flock`) on `<file>.lock` while they write;
//! another writer holding it makes the write fail ([`CustodyError::Locked`]).
//! The OS releases the lock of a killed process, so a crash never leaves
//! the case locked.
//! Checkpointing holds the log's lock too. Verification takes no lock.
//!
//! ## Verification
//!
//! [`verify`] reports tampering as [`Problem`]s (kinds in [`ProblemKind`]),
//! ordered so that the first names the first bad entry.

#![deny(missing_docs)]

mod checkpoint;
mod error;
mod fsutil;
mod keys;
mod log;
pub mod merkle;
mod time;
mod verify;

pub use checkpoint::{
    checkpoint, read_checkpoints, Checkpoint, SignatureFailure, CHECKPOINT_DOMAIN,
};
pub use error::{CustodyError, Result};
pub use fsutil::lock_path;
pub use keys::{
    fingerprint, generate_key, load_signing_key, load_verifying_key, verifying_key_from_hex,
    SigningKey, VerifyingKey,
};
pub use log::{CustodyLog, Entry, NewEntry, GENESIS_PREV};
pub use time::format_time;
pub use verify::{verify, Problem, ProblemKind, VerifyReport};
