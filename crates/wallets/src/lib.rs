//! Recognition and validation of cryptocurrency addresses, offline.
//!
//! The lead scanner finds candidate strings in seized data and asks this
//! crate whether each is a real address: [`validate`] / [`validate_bytes`]
//! answer with an [`Address`] (chain, kind, network, canonical form, and how
//! strong the evidence is) or `None`. [`candidates_hint`] describes the
//! shapes worth asking about, and [`scan_str`] is a slow, simple reference
//! finder for tests.
//!
//! Formats: Bitcoin (Base58Check P2PKH/P2SH, segwit v0 Bech32 and v1+
//! Bech32m per BIP-173/BIP-350, mainnet/testnet/regtest), Litecoin,
//! Dogecoin, Bitcoin Cash CashAddr, Ethereum/EVM (EIP-55), Tron, Monero
//! (standard, integrated, subaddress; mainnet, testnet, stagenet), XRP
//! (classic and X-address), and Solana.
//!
//! What this crate must never do:
//! - **No network look-ups.** Everything is decided from the string alone;
//!   nothing here opens a socket, asks a block explorer or reads a file.
//!   Whether an address was ever used, or who holds it, is out of scope.
//! - **No [`Confidence::Checksum`] without a checksum.** That level is given
//!   only when a checksum embedded in the address (Base58Check, Bech32/m,
//!   CashAddr, EIP-55 mixed case, Monero's Keccak) has been verified.
//!   Formats or spellings without one — Solana keys, all-lower/upper-case
//!   Ethereum — get [`Confidence::Shape`], and Solana is only tried after
//!   every checksummed format has failed. Results are leads for an
//!   investigator, not attribution.
//! - It never panics on any input (random bytes included); [`validate`]
//!   rejects anything longer than 130 bytes before decoding it.
#![deny(missing_docs)]

mod base58;
mod bech32;
mod cashaddr;
mod chains;
mod ethereum;
mod monero;

pub use chains::{Address, Chain, Confidence, Network};

use serde::Serialize;

/// Longest string worth validating (a prefixed 512-bit CashAddr is 124).
const MAX_LEN: usize = 130;
/// Shortest address of any supported format (a 2-byte segwit program).
const MIN_LEN: usize = 14;

/// Validates `s` as a cryptocurrency address. The whole string must be the
/// address: no surrounding whitespace, no `bitcoin:` URI scheme (a CashAddr
/// `bitcoincash:` prefix is part of that format and is accepted).
pub fn validate(s: &str) -> Option<Address> {
    if !(MIN_LEN..=MAX_LEN).contains(&s.len()) || !s.is_ascii() {
        return None;
    }
    ethereum::validate(s)
        .or_else(|| chains::segwit(s))
        .or_else(|| chains::cashaddr(s))
        .or_else(|| monero::validate(s))
        .or_else(|| chains::base58check(s))
        .or_else(|| chains::xrp(s))
        .or_else(|| chains::solana(s))
}

/// Validates raw bytes (as found in seized data): they must be ASCII and
/// form an address under [`validate`].
pub fn validate_bytes(b: &[u8]) -> Option<Address> {
    if b.len() > MAX_LEN || !b.is_ascii() {
        return None;
    }
    std::str::from_utf8(b).ok().and_then(validate)
}

/// The error of parsing a string that is not a recognised address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a recognised cryptocurrency address")]
pub struct NotAnAddress;

impl std::str::FromStr for Address {
    type Err = NotAnAddress;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        validate(s).ok_or(NotAnAddress)
    }
}

/// Character sets used in [`CandidateHint::charset`].
pub mod charsets {
    /// Bitcoin's Base58 alphabet (no `0`, `O`, `I`, `l`).
    pub const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    /// The XRP Ledger's Base58 alphabet (same characters, another order).
    pub const BASE58_RIPPLE: &str = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz";
    /// Bech32 / CashAddr data characters (lower case; upper case is equally
    /// valid if the whole string is upper case).
    pub const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    /// Hex digits, both cases.
    pub const HEX: &str = "0123456789abcdefABCDEF";
}

/// Where to look for one address format: a cheap pre-filter for a scanner.
/// A string can only validate if it starts with one of `prefixes` (any
/// string when empty), every character after that prefix is in `charset`,
/// and its total length (prefix included) is within `min_len..=max_len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CandidateHint {
    /// Short format name.
    pub format: &'static str,
    /// Chains using it.
    pub chains: &'static [Chain],
    /// Possible starts of the string (empty: anything in `charset`).
    pub prefixes: &'static [&'static str],
    /// The characters after the prefix (see [`charsets`]).
    pub charset: &'static str,
    /// Whether the string may be entirely upper case as well (Bech32,
    /// CashAddr); `prefixes` and `charset` are then given in lower case.
    pub case_insensitive: bool,
    /// Shortest length, prefix included.
    pub min_len: usize,
    /// Longest length, prefix included.
    pub max_len: usize,
    /// One-line description.
    pub note: &'static str,
}

const HINTS: &[CandidateHint] = &[
    CandidateHint {
        format: "base58check",
        chains: &[Chain::Bitcoin, Chain::Litecoin, Chain::Dogecoin, Chain::Tron],
        prefixes: &["1", "3", "m", "n", "2", "L", "M", "Q", "D", "9", "A", "T"],
        charset: charsets::BASE58,
        case_insensitive: false,
        min_len: 25,
        max_len: 35,
        note: "Base58Check, 20-byte hash: BTC 1/3 (testnet m/n/2), LTC L/M (testnet Q), DOGE D/9/A (testnet n), Tron T (34 chars)",
    },
    CandidateHint {
        format: "xrp-classic",
        chains: &[Chain::Xrp],
        prefixes: &["r"],
        charset: charsets::BASE58_RIPPLE,
        case_insensitive: false,
        min_len: 25,
        max_len: 35,
        note: "XRP classic address: Base58Check in the Ripple alphabet, starts with r",
    },
    CandidateHint {
        format: "xrp-x-address",
        chains: &[Chain::Xrp],
        prefixes: &["X", "T"],
        charset: charsets::BASE58_RIPPLE,
        case_insensitive: false,
        min_len: 47,
        max_len: 47,
        note: "XRP X-address (account + destination tag): X mainnet, T test networks, 47 chars",
    },
    CandidateHint {
        format: "segwit",
        chains: &[Chain::Bitcoin, Chain::Litecoin],
        prefixes: &["bc1", "tb1", "bcrt1", "ltc1", "tltc1", "rltc1"],
        charset: charsets::BECH32,
        case_insensitive: true,
        min_len: 14,
        max_len: 76,
        note: "Bech32/Bech32m segwit: bc1/tb1/bcrt1 (Bitcoin), ltc1/tltc1/rltc1 (Litecoin); all lower or all upper case",
    },
    CandidateHint {
        format: "cashaddr",
        chains: &[Chain::BitcoinCash],
        prefixes: &["bitcoincash:", "bchtest:", "bchreg:"],
        charset: charsets::BECH32,
        case_insensitive: true,
        min_len: 49,
        max_len: 124,
        note: "CashAddr with prefix; payload starts with q (P2PKH), p (P2SH), z/r (token-aware)",
    },
    CandidateHint {
        format: "cashaddr-bare",
        chains: &[Chain::BitcoinCash],
        prefixes: &["q", "p", "z", "r"],
        charset: charsets::BECH32,
        case_insensitive: true,
        min_len: 42,
        max_len: 112,
        note: "CashAddr without prefix (42 chars for a 160-bit hash)",
    },
    CandidateHint {
        format: "ethereum",
        chains: &[Chain::Ethereum],
        prefixes: &["0x"],
        charset: charsets::HEX,
        case_insensitive: false,
        min_len: 42,
        max_len: 42,
        note: "0x + 40 hex digits; mixed case must satisfy EIP-55",
    },
    CandidateHint {
        format: "monero",
        chains: &[Chain::Monero],
        prefixes: &["4", "8", "9", "A", "B", "5", "7"],
        charset: charsets::BASE58,
        case_insensitive: false,
        min_len: 95,
        max_len: 106,
        note: "Monero block Base58: exactly 95 chars (standard 4, subaddress 8) or 106 (integrated 4); testnet 9/A/B, stagenet 5/7",
    },
    CandidateHint {
        format: "solana",
        chains: &[Chain::Solana],
        prefixes: &[],
        charset: charsets::BASE58,
        case_insensitive: false,
        min_len: 32,
        max_len: 44,
        note: "Solana: Base58 decoding to 32 bytes; no checksum (shape only)",
    },
];

/// For a scanner: the prefixes, character classes and length ranges of every
/// supported format. Every address [`validate`] accepts fits at least one
/// hint; a string that fits none never validates.
pub fn candidates_hint() -> &'static [CandidateHint] {
    HINTS
}

/// Reference finder over text: every maximal run of ASCII letters and
/// digits (so not preceded or followed by one) that validates, plus a
/// CashAddr prefix (`bitcoincash:` …) right before such a run. Returns
/// `(byte offset, byte length, address)` in order. Slow but simple: meant
/// as ground truth for the scanner's tests.
pub fn scan_str(text: &str) -> Vec<(usize, usize, Address)> {
    scan_bytes(text.as_bytes())
}

/// [`scan_str`] over raw bytes; any byte that is not an ASCII letter or
/// digit (including every byte of a multi-byte UTF-8 character) is a
/// boundary.
pub fn scan_bytes(data: &[u8]) -> Vec<(usize, usize, Address)> {
    const CASH_PREFIXES: [&[u8]; 3] = [b"bitcoincash:", b"bchtest:", b"bchreg:"];
    let mut found = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if !data[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < data.len() && data[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let run = &data[start..i];
        // A CashAddr prefix directly before the run, itself at a boundary.
        let prefixed = CASH_PREFIXES.iter().find_map(|p| {
            let s = start.checked_sub(p.len())?;
            let at_boundary = s == 0 || !data[s - 1].is_ascii_alphanumeric();
            let matches = data[s..start].eq_ignore_ascii_case(p);
            (at_boundary && matches)
                .then(|| validate_bytes(&data[s..i]).map(|a| (s, a)))
                .flatten()
        });
        if let Some((s, a)) = prefixed {
            found.push((s, i - s, a));
        } else if (MIN_LEN..=MAX_LEN).contains(&run.len()) {
            if let Some(a) = validate_bytes(run) {
                found.push((start, run.len(), a));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests;
