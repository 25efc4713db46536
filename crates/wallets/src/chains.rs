//! Chains, networks, the [`Address`] result, and the Base58Check / segwit /
//! CashAddr families (Bitcoin, Litecoin, Dogecoin, Bitcoin Cash, Tron, XRP,
//! and Solana's shape-only check).

use serde::Serialize;

use crate::{base58, bech32, cashaddr};

/// A blockchain (or family of chains sharing one address form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Chain {
    /// Bitcoin. Legacy `1…`/`3…` addresses are byte-for-byte the same on
    /// Bitcoin Cash and Bitcoin SV; they are reported as Bitcoin.
    Bitcoin,
    /// Bitcoin Cash CashAddr (`bitcoincash:q…`).
    BitcoinCash,
    /// Litecoin.
    Litecoin,
    /// Dogecoin.
    Dogecoin,
    /// Ethereum; the same address form is used by every EVM chain (BNB Smart
    /// Chain, Polygon, Arbitrum, …), which cannot be told apart offline.
    Ethereum,
    /// Tron.
    Tron,
    /// Monero.
    Monero,
    /// XRP Ledger.
    Xrp,
    /// Solana (shape only: Solana addresses carry no checksum).
    Solana,
}

impl Chain {
    /// Human-readable name, e.g. `"Bitcoin Cash"`.
    pub fn name(self) -> &'static str {
        match self {
            Chain::Bitcoin => "Bitcoin",
            Chain::BitcoinCash => "Bitcoin Cash",
            Chain::Litecoin => "Litecoin",
            Chain::Dogecoin => "Dogecoin",
            Chain::Ethereum => "Ethereum",
            Chain::Tron => "Tron",
            Chain::Monero => "Monero",
            Chain::Xrp => "XRP Ledger",
            Chain::Solana => "Solana",
        }
    }

    /// Ticker of the chain's native coin, e.g. `"BCH"`.
    pub fn ticker(self) -> &'static str {
        match self {
            Chain::Bitcoin => "BTC",
            Chain::BitcoinCash => "BCH",
            Chain::Litecoin => "LTC",
            Chain::Dogecoin => "DOGE",
            Chain::Ethereum => "ETH",
            Chain::Tron => "TRX",
            Chain::Monero => "XMR",
            Chain::Xrp => "XRP",
            Chain::Solana => "SOL",
        }
    }
}

/// Which network an address belongs to, as far as its encoding says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// The main (real-money) network. Also used where an encoding does not
    /// distinguish networks (Ethereum, Tron, Solana, classic XRP).
    Mainnet,
    /// A public test network. Bitcoin's Base58 testnet versions are shared
    /// by testnet3/testnet4/signet and regtest, which cannot be told apart.
    Testnet,
    /// Monero's stagenet.
    Stagenet,
    /// A local regression-test network (`bcrt1…`, `rltc1…`, `bchreg:`).
    Regtest,
}

impl Network {
    /// Whether this is the main network.
    pub fn is_mainnet(self) -> bool {
        self == Network::Mainnet
    }
}

/// How strongly the string is known to be an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Only the shape matches (alphabet, length, decoded size): e.g. an
    /// all-lower-case Ethereum address or a Solana key. Chance matches occur.
    Shape,
    /// A checksum embedded in the address verifies.
    Checksum,
}

/// A recognised cryptocurrency address.
///
/// Fields are private so that only this crate's validators, which verify
/// what they claim, can build one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Address {
    chain: Chain,
    kind: &'static str,
    network: Network,
    normalized: String,
    confidence: Confidence,
    payload: String,
}

impl Address {
    pub(crate) fn new(
        chain: Chain,
        kind: &'static str,
        network: Network,
        normalized: String,
        confidence: Confidence,
        payload: &[u8],
    ) -> Self {
        Address {
            chain,
            kind,
            network,
            normalized,
            confidence,
            payload: to_hex(payload),
        }
    }

    /// The chain.
    pub fn chain(&self) -> Chain {
        self.chain
    }

    /// The address type: `p2pkh`, `p2sh`, `p2wpkh`, `p2wsh`, `p2tr`, `p2a`,
    /// `segwit-v1+`, `cashaddr-p2pkh`, `cashaddr-p2sh`,
    /// `cashaddr-p2pkh-tokens`, `cashaddr-p2sh-tokens`, `eoa` (Ethereum:
    /// offline, a contract address looks the same), `standard`,
    /// `integrated`, `subaddress` (Monero), `account` (Tron, XRP classic,
    /// Solana), `x-address` (XRP with an optional destination tag).
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The network.
    pub fn network(&self) -> Network {
        self.network
    }

    /// Canonical form, for comparison and de-duplication: Bech32 in lower
    /// case, Ethereum in EIP-55 mixed case, CashAddr lower case with its
    /// prefix; Base58 forms unchanged.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// Whether a checksum proves the address or only its shape matches.
    pub fn confidence(&self) -> Confidence {
        self.confidence
    }

    /// The decoded payload in lower-case hex: the hash for P2PKH/P2SH and
    /// CashAddr, the witness program for segwit, the 20-byte account for
    /// Ethereum/Tron/XRP, spend+view keys (+payment id) for Monero, the
    /// public key for Solana. The same hash under two encodings (a legacy
    /// Bitcoin Cash address and its CashAddr) gives the same payload.
    pub fn payload_hex(&self) -> &str {
        &self.payload
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.normalized)
    }
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

/// Version byte → (chain, kind, network) for 21-byte Base58Check payloads in
/// Bitcoin's alphabet.
pub(crate) const BASE58_VERSIONS: [(u8, Chain, &str, Network); 11] = [
    (0x00, Chain::Bitcoin, "p2pkh", Network::Mainnet),
    (0x05, Chain::Bitcoin, "p2sh", Network::Mainnet),
    (0x6f, Chain::Bitcoin, "p2pkh", Network::Testnet),
    (0xc4, Chain::Bitcoin, "p2sh", Network::Testnet),
    (0x30, Chain::Litecoin, "p2pkh", Network::Mainnet),
    (0x32, Chain::Litecoin, "p2sh", Network::Mainnet),
    (0x3a, Chain::Litecoin, "p2sh", Network::Testnet),
    (0x1e, Chain::Dogecoin, "p2pkh", Network::Mainnet),
    (0x16, Chain::Dogecoin, "p2sh", Network::Mainnet),
    (0x71, Chain::Dogecoin, "p2pkh", Network::Testnet),
    (0x41, Chain::Tron, "account", Network::Mainnet),
];

/// Base58Check addresses in Bitcoin's alphabet: Bitcoin, Litecoin, Dogecoin
/// legacy forms and Tron.
pub(crate) fn base58check(s: &str) -> Option<Address> {
    if !(25..=35).contains(&s.len()) {
        return None;
    }
    let payload = base58::check_decode(s.as_bytes(), &base58::BITCOIN)?;
    let (&version, hash) = payload.split_first()?;
    if hash.len() != 20 {
        return None;
    }
    let &(_, chain, kind, network) = BASE58_VERSIONS.iter().find(|v| v.0 == version)?;
    Some(Address::new(
        chain,
        kind,
        network,
        s.to_owned(),
        Confidence::Checksum,
        hash,
    ))
}

/// XRP Ledger: classic `r…` addresses and X-addresses (`X…` mainnet, `T…`
/// test networks), Base58Check in the Ripple alphabet.
pub(crate) fn xrp(s: &str) -> Option<Address> {
    if !(25..=47).contains(&s.len()) {
        return None;
    }
    let payload = base58::check_decode(s.as_bytes(), &base58::RIPPLE)?;
    match payload.as_slice() {
        [0x00, account @ ..] if account.len() == 20 => Some(Address::new(
            Chain::Xrp,
            "account",
            Network::Mainnet,
            s.to_owned(),
            Confidence::Checksum,
            account,
        )),
        [p0, p1, rest @ ..] if rest.len() == 29 => {
            let network = match (p0, p1) {
                (0x05, 0x44) => Network::Mainnet,
                (0x04, 0x93) => Network::Testnet,
                _ => return None,
            };
            let (account, tail) = rest.split_at(20);
            let (flag, tag) = (tail[0], &tail[1..]);
            // Flag 0: no tag (all zero); flag 1: a 32-bit tag. The upper four
            // tag bytes are reserved and zero.
            let ok = match flag {
                0 => tag.iter().all(|&b| b == 0),
                1 => tag[4..].iter().all(|&b| b == 0),
                _ => false,
            };
            ok.then(|| {
                Address::new(
                    Chain::Xrp,
                    "x-address",
                    network,
                    s.to_owned(),
                    Confidence::Checksum,
                    account,
                )
            })
        }
        _ => None,
    }
}

/// Segwit HRPs → (chain, network).
const SEGWIT_HRPS: [(&str, Chain, Network); 6] = [
    ("bc", Chain::Bitcoin, Network::Mainnet),
    ("tb", Chain::Bitcoin, Network::Testnet),
    ("bcrt", Chain::Bitcoin, Network::Regtest),
    ("ltc", Chain::Litecoin, Network::Mainnet),
    ("tltc", Chain::Litecoin, Network::Testnet),
    ("rltc", Chain::Litecoin, Network::Regtest),
];

/// Segwit (Bech32 v0 / Bech32m v1+) addresses of Bitcoin and Litecoin.
pub(crate) fn segwit(s: &str) -> Option<Address> {
    if !(14..=90).contains(&s.len()) {
        return None;
    }
    let w = bech32::decode_segwit(s)?;
    let &(_, chain, network) = SEGWIT_HRPS.iter().find(|h| h.0 == w.hrp)?;
    let kind = match (w.version, w.program.len()) {
        (0, 20) => "p2wpkh",
        (0, _) => "p2wsh",
        (1, 32) => "p2tr",
        (1, 2) if w.program == [0x4e, 0x73] => "p2a",
        _ => "segwit-v1+",
    };
    Some(Address::new(
        chain,
        kind,
        network,
        s.to_ascii_lowercase(),
        Confidence::Checksum,
        &w.program,
    ))
}

/// Bitcoin Cash CashAddr, with or without prefix.
pub(crate) fn cashaddr(s: &str) -> Option<Address> {
    let c = cashaddr::decode(s)?;
    let kind = match c.kind {
        0 => "cashaddr-p2pkh",
        1 => "cashaddr-p2sh",
        2 => "cashaddr-p2pkh-tokens",
        _ => "cashaddr-p2sh-tokens",
    };
    Some(Address::new(
        Chain::BitcoinCash,
        kind,
        c.network,
        c.normalized,
        Confidence::Checksum,
        &c.hash,
    ))
}

/// Solana: any Base58 string of 32–44 characters that decodes to exactly 32
/// bytes. No checksum exists, so this is [`Confidence::Shape`] and is tried
/// only after every checksummed format has failed.
pub(crate) fn solana(s: &str) -> Option<Address> {
    if !(32..=44).contains(&s.len()) {
        return None;
    }
    let key = base58::decode(s.as_bytes(), &base58::BITCOIN)?;
    (key.len() == 32).then(|| {
        Address::new(
            Chain::Solana,
            "account",
            Network::Mainnet,
            s.to_owned(),
            Confidence::Shape,
            &key,
        )
    })
}
