//! Darknet addresses: Tor onion services (v3 checked by its checksum, v2
//! recognised by shape) and I2P `.b32.i2p` names.
//!
//! A v3 onion address *is* its service's ed25519 public key: 56 base32
//! characters decoding to `pubkey(32) ‖ checksum(2) ‖ version(1)`, where
//! `checksum = SHA3-256(".onion checksum" ‖ pubkey ‖ version)[..2]` (Tor
//! rend-spec-v3 §6). A typing error is therefore caught, and the key can be
//! compared with key files found on a disk. A v2 address (16 characters) is
//! the truncated SHA-1 of an RSA key and has no checksum: any 16 base32
//! characters fit, so it is reported as a shape only. Tor stopped serving v2
//! in 2021.

use crate::base32;
use curve25519_dalek::edwards::CompressedEdwardsY;
use serde::Serialize;
use sha2::Sha256;
use sha3::{Digest, Sha3_256};

/// Longest string considered (a DNS name is at most 253 characters).
const MAX_LEN: usize = 255;
/// Length of a v3 onion service id.
const V3_LEN: usize = 56;
/// Length of a v2 onion service id.
const V2_LEN: usize = 16;
/// Length of an I2P b32 name: the SHA-256 of a destination.
const I2P_HASH_LEN: usize = 52;
/// Shortest "b33" name (encrypted leaseset: 3 flag bytes + a 32-byte key).
const I2P_EXTENDED_MIN: usize = 56;

/// Why a string is not a valid darknet address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddrError {
    /// Neither `.onion` nor `.b32.i2p`, nor a bare onion id.
    #[error("not an onion or I2P b32 address")]
    NotDarknet,
    /// Longer than any host name.
    #[error("{len} characters: longer than any host name")]
    TooLong {
        /// Length found.
        len: usize,
    },
    /// The onion service id has neither 56 (v3) nor 16 (v2) characters.
    #[error("onion service id of {len} characters (v3 has 56, legacy v2 16)")]
    BadLength {
        /// Length found.
        len: usize,
    },
    /// A character outside the base32 alphabet.
    #[error("character {ch:?} at position {pos} is not base32")]
    BadChar {
        /// Position in the id.
        pos: usize,
        /// The character.
        ch: char,
    },
    /// The version byte of a 56-character id is not 3.
    #[error("version byte {0}: v3 onion addresses carry 3")]
    BadVersion(u8),
    /// The two checksum bytes do not match the key: a mistyped or altered address.
    #[error("checksum mismatch: the address carries {found}, its key gives {expected}")]
    BadChecksum {
        /// Checksum computed from the key, hex.
        expected: String,
        /// Checksum carried by the address, hex.
        found: String,
    },
    /// The checksum matches but the key is no valid ed25519 public key
    /// (not on the curve, or with a torsion component Tor refuses).
    #[error("the embedded public key is not a valid ed25519 key")]
    BadKey,
    /// A subdomain label is not a DNS label.
    #[error("subdomain label {0:?} is not a valid DNS label")]
    BadLabel(String),
    /// An I2P b32 name of the wrong length.
    #[error("I2P b32 name of {len} characters (52, or 56 and more for encrypted leasesets)")]
    BadI2pLength {
        /// Length found.
        len: usize,
    },
    /// The unused bits of the last base32 character are not zero, so the
    /// name is not one any software would write.
    #[error("the last base32 character carries non-zero padding bits")]
    NonCanonical,
}

/// A Tor onion service address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Onion {
    /// 3, or 2 for a legacy address.
    pub version: u8,
    /// The service's ed25519 public key (v3 only; proved by the checksum).
    #[serde(serialize_with = "ser_hex_opt")]
    pub pubkey: Option<[u8; 32]>,
    /// Canonical form: the lower-case id plus `.onion`, without subdomain.
    pub address: String,
    /// Subdomain labels before the id (`www` in `www.<id>.onion`), lower case.
    pub subdomain: Option<String>,
}

impl Onion {
    /// Whether a checksum proved the address (v3) rather than its shape (v2).
    pub fn checksum_verified(&self) -> bool {
        self.pubkey.is_some()
    }

    /// One sentence on how strong the recognition is, for reports.
    pub fn note(&self) -> &'static str {
        if self.version == 3 {
            "Tor v3 onion address; its checksum and public key are valid, so it is not a typing error"
        } else {
            "legacy Tor v2 onion address, recognised by shape only (v2 has no checksum; Tor dropped v2 services in 2021)"
        }
    }
}

/// The kind of I2P b32 name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum I2pKind {
    /// 52 characters: the SHA-256 of a destination.
    Destination,
    /// 56 characters or more ("b33"): a blinded key for an encrypted
    /// leaseset. Recognised by length only.
    Extended,
}

/// An I2P `.b32.i2p` address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct I2p {
    /// Destination hash or extended name.
    pub kind: I2pKind,
    /// The SHA-256 of the destination (for [`I2pKind::Destination`]).
    #[serde(serialize_with = "ser_hex_opt")]
    pub hash: Option<[u8; 32]>,
    /// Canonical form, lower case, with `.b32.i2p`.
    pub address: String,
}

impl I2p {
    /// One sentence on how strong the recognition is, for reports.
    pub fn note(&self) -> &'static str {
        match self.kind {
            I2pKind::Destination => {
                "I2P b32 address (hash of a destination); b32 names carry no checksum, so only the shape is checked"
            }
            I2pKind::Extended => {
                "extended I2P b32 address for an encrypted leaseset, recognised by its length only"
            }
        }
    }
}

/// Either kind of darknet address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "network", rename_all = "snake_case")]
pub enum DarknetAddress {
    /// A Tor onion service.
    Onion(Onion),
    /// An I2P destination.
    I2p(I2p),
}

impl DarknetAddress {
    /// The canonical address.
    pub fn address(&self) -> &str {
        match self {
            DarknetAddress::Onion(o) => &o.address,
            DarknetAddress::I2p(i) => &i.address,
        }
    }
}

/// Parses a Tor onion address: `<id>.onion`, `<sub>.<id>.onion`, or a bare
/// 56- or 16-character id. Case is ignored; no surrounding spaces, scheme
/// or port are accepted.
pub fn parse_onion(s: &str) -> Result<Onion, AddrError> {
    if s.len() > MAX_LEN {
        return Err(AddrError::TooLong { len: s.len() });
    }
    let lower = s.to_ascii_lowercase();
    let (id, subdomain) = match lower.strip_suffix(".onion") {
        Some(host) => match host.rsplit_once('.') {
            Some((sub, id)) => {
                for label in sub.split('.') {
                    if !dns_label(label) {
                        return Err(AddrError::BadLabel(label.to_string()));
                    }
                }
                (id, Some(sub.to_string()))
            }
            None => (host, None),
        },
        // A bare id is accepted for v3 only: its checksum makes it safe.
        None if !lower.contains('.') && lower.len() == V3_LEN => (&lower[..], None),
        None => return Err(AddrError::NotDarknet),
    };
    let bytes = decode_id(id)?;
    let address = format!("{id}.onion");
    match id.len() {
        V3_LEN => {
            let pubkey = check_v3(&bytes)?;
            Ok(Onion {
                version: 3,
                pubkey: Some(pubkey),
                address,
                subdomain,
            })
        }
        _ => Ok(Onion {
            version: 2,
            pubkey: None,
            address,
            subdomain,
        }),
    }
}

/// Decodes an onion id of a valid length.
fn decode_id(id: &str) -> Result<Vec<u8>, AddrError> {
    if !matches!(id.len(), V3_LEN | V2_LEN) {
        return Err(AddrError::BadLength {
            len: id.chars().count(),
        });
    }
    match base32::decode(id.as_bytes()) {
        Ok((bytes, _)) => Ok(bytes),
        Err(pos) => Err(AddrError::BadChar {
            pos,
            ch: id[pos..].chars().next().unwrap_or('?'),
        }),
    }
}

/// Checks version, checksum and key of 35 decoded bytes; returns the key.
fn check_v3(bytes: &[u8]) -> Result<[u8; 32], AddrError> {
    let (Some(key), Some(sum), Some(&version)) =
        (bytes.get(..32), bytes.get(32..34), bytes.get(34))
    else {
        return Err(AddrError::BadLength {
            len: bytes.len() * 8 / 5,
        });
    };
    if version != 3 {
        return Err(AddrError::BadVersion(version));
    }
    let mut pubkey = [0u8; 32];
    pubkey.copy_from_slice(key);
    let expected = checksum(&pubkey);
    if expected != sum {
        return Err(AddrError::BadChecksum {
            expected: hex(&expected),
            found: hex(sum),
        });
    }
    if !valid_ed25519(&pubkey) {
        return Err(AddrError::BadKey);
    }
    Ok(pubkey)
}

/// The two checksum bytes of a v3 address.
fn checksum(pubkey: &[u8; 32]) -> [u8; 2] {
    let mut h = Sha3_256::new();
    h.update(b".onion checksum");
    h.update(pubkey);
    h.update([3u8]);
    let d = h.finalize();
    [d[0], d[1]]
}

/// Whether Tor would accept `pubkey` as a service key: a curve point
/// without a torsion component.
fn valid_ed25519(pubkey: &[u8; 32]) -> bool {
    CompressedEdwardsY(*pubkey)
        .decompress()
        .is_some_and(|p| p.is_torsion_free())
}

/// The v3 onion address (`<56 chars>.onion`) of an ed25519 public key.
pub fn onion_from_pubkey(pubkey: &[u8; 32]) -> String {
    let mut raw = [0u8; 35];
    raw[..32].copy_from_slice(pubkey);
    raw[32..34].copy_from_slice(&checksum(pubkey));
    raw[34] = 3;
    format!("{}.onion", base32::encode(&raw))
}

/// Parses an I2P `<name>.b32.i2p` address: 52 base32 characters (the
/// SHA-256 of a destination) or 56 and more (an encrypted-leaseset name).
/// Case is ignored.
pub fn parse_i2p(s: &str) -> Result<I2p, AddrError> {
    if s.len() > MAX_LEN {
        return Err(AddrError::TooLong { len: s.len() });
    }
    let lower = s.to_ascii_lowercase();
    let Some(name) = lower.strip_suffix(".b32.i2p") else {
        return Err(AddrError::NotDarknet);
    };
    let len = name.len();
    if name.contains('.') || !(len == I2P_HASH_LEN || len >= I2P_EXTENDED_MIN) {
        return Err(AddrError::BadI2pLength {
            len: name.chars().count(),
        });
    }
    let (bytes, canonical) = base32::decode(name.as_bytes()).map_err(|pos| AddrError::BadChar {
        pos,
        ch: name[pos..].chars().next().unwrap_or('?'),
    })?;
    if !canonical {
        return Err(AddrError::NonCanonical);
    }
    let address = format!("{name}.b32.i2p");
    if len == I2P_HASH_LEN {
        let mut hash = [0u8; 32];
        hash.copy_from_slice(bytes.get(..32).ok_or(AddrError::BadI2pLength { len })?);
        Ok(I2p {
            kind: I2pKind::Destination,
            hash: Some(hash),
            address,
        })
    } else {
        Ok(I2p {
            kind: I2pKind::Extended,
            hash: None,
            address,
        })
    }
}

/// The b32 address of an I2P destination (its bytes as stored in a key
/// file or a `hosts.txt` entry, before base64).
pub fn i2p_from_destination(destination: &[u8]) -> String {
    let hash: [u8; 32] = Sha256::digest(destination).into();
    format!("{}.b32.i2p", base32::encode(&hash))
}

/// Parses either kind of address.
pub fn parse(s: &str) -> Result<DarknetAddress, AddrError> {
    let b = s.as_bytes();
    if b.len() > 8 && b[b.len() - 8..].eq_ignore_ascii_case(b".b32.i2p") {
        parse_i2p(s).map(DarknetAddress::I2p)
    } else {
        parse_onion(s).map(DarknetAddress::Onion)
    }
}

/// Every valid onion and b32 I2P address written in `text` (ending in
/// `.onion` or `.b32.i2p`), deduplicated and sorted by address. A simple
/// finder for small files; the lead scanner has its own.
pub fn find_addresses(text: &str) -> Vec<DarknetAddress> {
    let mut found = std::collections::BTreeMap::new();
    let tokens = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    for token in tokens {
        let token = token.trim_matches(|c| c == '.' || c == '-');
        let lower = token.to_ascii_lowercase();
        if !(lower.ends_with(".onion") || lower.ends_with(".b32.i2p")) {
            continue;
        }
        // A damaged subdomain should not hide a valid id: retry the last label.
        let hit = parse(&lower).ok().or_else(|| {
            let head = lower.strip_suffix(".onion")?;
            let id = head.rsplit('.').next()?;
            parse_onion(&format!("{id}.onion"))
                .ok()
                .map(DarknetAddress::Onion)
        });
        if let Some(a) = hit {
            found.entry(a.address().to_string()).or_insert(a);
        }
    }
    found.into_values().collect()
}

/// Whether `label` is a DNS label (letters, digits, inner hyphens).
fn dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ser_hex_opt<S: serde::Serializer>(v: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(k) => s.serialize_some(&hex(k)),
        None => s.serialize_none(),
    }
}
