//! Darknet addresses and darknet artefacts on seized media, offline.
//!
//! [`address`] recognises Tor onion addresses (v3 proved by their built-in
//! checksum and key, legacy v2 by shape) and I2P `.b32.i2p` names.
//! [`artefact`] looks through a file listing of a seized file system or
//! folder for Tor Browser installs and profiles, Tor configurations and
//! state, onion-service key folders (recomputing the service's address from
//! its keys and checking it against the `hostname` file), I2P and i2pd
//! router data and tunnels, and cryptocurrency wallet files, and says for
//! each, in words meant for a court report, what it proves and what it does
//! not. [`onion_service_files`] writes an onion-service folder as Tor does,
//! for tests and the demo case.
//!
//! What this crate must never do:
//! - **No network.** Nothing here resolves, connects to or looks up an
//!   address; whether a service exists or was online is out of scope.
//! - **No decryption, no guessing of passwords.** Wallets, browser
//!   databases and key stores are recognised by path and magic bytes; their
//!   content is not opened. The only keys used are onion-service secret
//!   keys, and only to recompute the public address they belong to.
//! - **No overstatement.** Each artefact's `proves` text says what the files
//!   show and what they do not (a `hostname` file is not a key; an install is
//!   not use), and contradictions between files are reported, not smoothed
//!   over.
//! - No panics on any input: key files, configs and address books are read
//!   with bounded lengths and every parse failure is a value.
#![deny(missing_docs)]

pub mod address;
pub mod artefact;
mod base32;
mod service;

pub use address::{
    find_addresses, i2p_from_destination, onion_from_pubkey, parse, parse_i2p, parse_onion,
    AddrError, DarknetAddress, I2p, I2pKind, Onion,
};
pub use artefact::{
    interesting, recognise, Artefact, ArtefactKind, FileRef, Recogniser, Report, Setting,
};
pub use service::{onion_service_files, PUBLIC_KEY_HEADER, SECRET_KEY_HEADER};
